# SPDX-License-Identifier: BSD-3-Clause
"""Use case 7 at scale: a grid search on every local core, and on Dask.

``GridSearchCV(..., n_jobs=-1)`` runs its fits in joblib's worker processes
(the loky backend); joblib limits each worker's BLAS to its share of the
cores, so that the workers' threads do not oversubscribe the machine. The
tests below check that limit from inside the workers, with a scorer that
records the BLAS thread count and the process where each fit ran.

The same search then runs on a local Dask cluster (two worker processes on
the loopback interface) through joblib's ``"dask"`` backend: the project's
scale-out path (``docs/scale_out.rst``). It needs ``distributed``, which the
test extra does not install: the ``dask`` tox environment installs it and CI
runs it (``tox -e dask``); elsewhere those tests are skipped.
"""

import os

import joblib
import numpy as np
import pytest
from joblib import parallel_backend
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import GridSearchCV
from threadpoolctl import threadpool_info, threadpool_limits

from skrnn import RNNClassifier

# The fits stop at max_iter on purpose (small, fast models).
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# Fits with two BLAS threads and with one differ by rounding only, where
# the BLAS splits its products at all. Measured (2 cores, OpenBLAS 0.3.31,
# float32): on this test's problem (hidden_size <= 8, batch_size 32) OpenBLAS
# does not split them, and the scores are equal; with hidden_size 32 and
# batch_size 64 the fold log-losses differed by up to 3e-7 (float32 rounding)
# and the accuracies were equal. The tolerances allow one flipped prediction
# out of the 120 test predictions, and 300 times that log-loss difference;
# the best candidate beats the others by more than 0.25 in accuracy.
ROUNDING = {"accuracy": 1 / 120, "neg_log_loss": 1e-4}


def search_problem():
    """The parallel search of tests/test_use_cases.py: 4 candidates, 3 folds.

    The candidates are far apart, so that the best does not hinge on rounding.
    """
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 10))
    y = (X[:, :3].sum(axis=1) > 0).astype(int)  # remember the first 3 steps
    estimator = RNNClassifier(cell="gru", batch_size=32, max_iter=10, random_state=0)
    grid = {"hidden_size": [1, 8], "learning_rate_init": [1e-4, 0.03]}
    return estimator, grid, X, y


def blas_threads():
    """The number of threads of the BLAS libraries loaded in this process."""
    counts = {
        info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"
    }
    assert len(counts) == 1, threadpool_info()  # numpy's and scipy's agree
    return counts.pop()


def recording_scorer(estimator, X, y):
    """Accuracy and log-loss, and where and how the fit ran.

    The BLAS thread count is a setting of the process, so the count at
    scoring time is the one the fit ran with. Scorers are called in the
    worker that fitted the estimator.
    """
    return {
        "accuracy": accuracy_score(y, estimator.predict(X)),
        "neg_log_loss": -log_loss(y, estimator.predict_proba(X)),
        "blas_threads": blas_threads(),
        "pid": os.getpid(),
    }


def search(estimator, grid, n_jobs):
    return GridSearchCV(
        estimator, grid, cv=3, n_jobs=n_jobs, scoring=recording_scorer, refit="accuracy"
    )


def recorded(result, name):
    """Every split's recorded value of ``name``, as a set of ints."""
    n_splits = result.n_splits_
    return {
        int(value)
        for split in range(n_splits)
        for value in result.cv_results_[f"split{split}_test_{name}"]
    }


def assert_same_scores(result, reference, rounding=False):
    """The mean scores agree: bit for bit, or up to ``ROUNDING``."""
    for metric in ["accuracy", "neg_log_loss"]:
        np.testing.assert_allclose(
            result.cv_results_[f"mean_test_{metric}"],
            reference.cv_results_[f"mean_test_{metric}"],
            rtol=0,
            atol=ROUNDING[metric] if rounding else 0,
            err_msg=metric,
        )


def expected_worker_threads():
    """What joblib's process backends give each worker's BLAS with n_jobs=-1.

    joblib sets OPENBLAS_NUM_THREADS (and OMP_, MKL_...) in its workers to
    cpu_count() // n_jobs, which is 1 with n_jobs=-1, unless the variable is
    set in the parent's environment: then the workers inherit it, as does
    this process.
    """
    if "OPENBLAS_NUM_THREADS" in os.environ:
        return blas_threads()
    return 1


# --------------------------------------------------------------------------
# n_jobs=-1 with joblib's default backend (loky)


def test_loky_workers_run_one_blas_thread_and_find_the_sequential_result():
    if joblib.cpu_count() < 2:
        pytest.skip("n_jobs=-1 runs sequentially on one core")
    estimator, grid, X, y = search_problem()
    parallel = search(estimator, grid, n_jobs=-1).fit(X, y)

    # The fits ran in other processes, each with one BLAS thread.
    assert os.getpid() not in recorded(parallel, "pid")
    assert recorded(parallel, "blas_threads") == {expected_worker_threads()}

    # Valid results: the sequential search's best, and, computed with the
    # workers' thread count, its scores bit for bit.
    with threadpool_limits(limits=expected_worker_threads()):
        one_thread = search(estimator, grid, n_jobs=1).fit(X, y)
    assert recorded(one_thread, "pid") == {os.getpid()}
    assert parallel.best_params_ == one_thread.best_params_
    assert parallel.best_params_ == {"hidden_size": 8, "learning_rate_init": 0.03}
    assert_same_scores(parallel, one_thread)
    assert parallel.best_estimator_.score(X, y) > 0.8


def test_threading_backend_does_not_limit_blas_threads():
    # The threading backend runs the fits in threads of this process, which
    # share its BLAS thread pool: joblib does not limit it (n_jobs threads,
    # each calling a BLAS of all the cores). docs/scale_out.rst tells users
    # to limit it themselves with threadpool_limits, as done here.
    estimator, grid, X, y = search_problem()
    with parallel_backend("threading"):
        threaded = search(estimator, grid, n_jobs=2).fit(X, y)
    assert recorded(threaded, "pid") == {os.getpid()}
    assert recorded(threaded, "blas_threads") == {blas_threads()}

    with threadpool_limits(limits=1), parallel_backend("threading"):
        limited = search(estimator, grid, n_jobs=2).fit(X, y)
    assert recorded(limited, "blas_threads") == {1}
    assert limited.best_params_ == threaded.best_params_
    assert_same_scores(limited, threaded, rounding=True)


# --------------------------------------------------------------------------
# The same search on a Dask cluster, through joblib's dask backend


@pytest.fixture(scope="module")
def dask_client():
    # Not in the test extra: the `dask` tox environment installs it, and CI
    # runs that environment.
    distributed = pytest.importorskip("distributed")
    # The nanny of each worker sets OMP_NUM_THREADS, OPENBLAS_NUM_THREADS...
    # to 1 in its own process (Dask's distributed.nanny.pre-spawn-environ)
    # before it spawns the worker; a LocalCluster's nannies run in this
    # process, so its environment is restored afterwards for the other tests.
    environ = dict(os.environ)
    try:
        # Two worker processes of one thread each, on the loopback interface
        # only, without the dashboard. The context managers close the client
        # and the cluster (and its processes) even when a test fails.
        with (
            distributed.LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            yield client
    finally:
        os.environ.clear()
        os.environ.update(environ)


def test_dask_search_finds_the_sequential_result(dask_client):
    estimator, grid, X, y = search_problem()
    worker_pids = set(dask_client.run(os.getpid).values())
    assert len(worker_pids) == 2

    with parallel_backend("dask"):
        on_dask = search(estimator, grid, n_jobs=-1).fit(X, y)

    # Every fit ran on the cluster's workers, with one BLAS thread each
    # (Dask's nannies set it, whatever threads_per_worker is).
    assert recorded(on_dask, "pid") <= worker_pids
    assert recorded(on_dask, "blas_threads") == {1}

    # The sequential search with the same random_state, this process's BLAS
    # threads: same best candidate, same scores up to rounding.
    sequential = search(estimator, grid, n_jobs=1).fit(X, y)
    assert on_dask.best_params_ == sequential.best_params_
    assert on_dask.best_params_ == {"hidden_size": 8, "learning_rate_init": 0.03}
    assert_same_scores(on_dask, sequential, rounding=True)

    # With one BLAS thread here too, the scores are the same bit for bit.
    with threadpool_limits(limits=1):
        one_thread = search(estimator, grid, n_jobs=1).fit(X, y)
    assert_same_scores(on_dask, one_thread)

    # The refit runs in this process, on the whole data.
    assert on_dask.best_estimator_.score(X, y) > 0.8
