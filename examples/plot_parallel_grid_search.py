# SPDX-License-Identifier: BSD-3-Clause
"""
=====================================
Searching hyperparameters in parallel
=====================================

Every fit of a grid search is independent of the others, so
:class:`~sklearn.model_selection.GridSearchCV` can run them at the same time:
``n_jobs=-1`` uses every core of the machine through joblib. skrnn's
estimators pickle and carry their own random state, so the workers train
the models a sequential search trains (up to rounding, see below), only
sooner.

The problem is small on purpose: telling three waveforms (sine, square,
sawtooth) apart from 30 noisy samples with random frequency and phase.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV
from threadpoolctl import threadpool_limits

from skrnn import RNNClassifier

# %%
# The data
# --------
# 300 sequences of 30 steps with one feature: a 2-D array
# ``(n_sequences, n_steps)`` is read as univariate sequences.

rng = np.random.default_rng(0)
n, n_steps = 300, 30
kinds = np.array(["sine", "square", "sawtooth"])
y = kinds[np.arange(n) % 3]
cycles = rng.uniform(1.5, 3, size=(n, 1))
phase = rng.uniform(0, 1, size=(n, 1))
u = (np.linspace(0, 1, n_steps) * cycles + phase) % 1  # position in the cycle
waves = {
    "sine": np.sin(2 * np.pi * u),
    "square": np.where(u < 0.5, 1.0, -1.0),
    "sawtooth": 2 * u - 1,
}
X = np.select([y[:, None] == k for k in kinds], [waves[k] for k in kinds])
X += rng.normal(0, 0.3, size=X.shape)
print(f"X: {X.shape}")

# %%
# The same search, sequentially and in parallel
# ---------------------------------------------
# 8 candidates times 3 folds make 24 fits, plus the refit of the best.
# ``random_state`` fixes the initial weights and the shuffling of every fit.

estimator = RNNClassifier(batch_size=32, max_iter=20, random_state=0)
grid = {
    "cell": ["gru", "lstm"],
    "hidden_size": [8, 16],
    "learning_rate_init": [0.01, 0.03],
}


def search(n_jobs, label):
    start = time.perf_counter()
    result = GridSearchCV(estimator, grid, cv=3, n_jobs=n_jobs).fit(X, y)
    seconds = time.perf_counter() - start
    print(
        f"{label:>20}: {seconds:4.1f} s, best {result.best_params_}, "
        f"accuracy {result.best_score_:.3f}"
    )
    return result, seconds


sequential, sequential_seconds = search(1, "n_jobs=1")
parallel, parallel_seconds = search(-1, "n_jobs=-1")

# %%
# Same results, bit for bit?
# --------------------------
# Not necessarily. joblib's workers are separate processes, and joblib gives
# each of them its share of the cores, so that their NumPy (BLAS) threads do
# not compete: with ``n_jobs=-1`` each worker computes with one BLAS thread.
# How a matrix product is split between threads changes the rounding of its
# last bits, and training amplifies such differences, so the scores of a
# candidate can differ slightly from the sequential search, in which NumPy
# uses every core: candidates whose scores are that close can swap places.
# Run the sequential search with one BLAS thread too, with
# :func:`threadpoolctl.threadpool_limits` (threadpoolctl comes with
# scikit-learn), and it reproduces the parallel search exactly:

with threadpool_limits(limits=1):
    one_thread, one_thread_seconds = search(1, "n_jobs=1, one thread")

for name, result in [("default threads", sequential), ("one thread", one_thread)]:
    difference = np.abs(
        result.cv_results_["mean_test_score"] - parallel.cv_results_["mean_test_score"]
    ).max()
    print(f"n_jobs=1 ({name}) vs n_jobs=-1: largest score difference {difference:.3f}")

# %%
# On a machine with few cores the gain in time is modest, as the workers
# start in fresh processes; it grows with the number of cores and the size
# of each fit.

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.5))
ax1.barh(
    ["n_jobs=1", "n_jobs=1, one thread", "n_jobs=-1"],
    [sequential_seconds, one_thread_seconds, parallel_seconds],
    color=["C0", "C2", "C1"],
)
ax1.set_xlabel("seconds")
ax1.set_title("Time of the whole search")
labels = [
    f"{p['cell']}, {p['hidden_size']}, {p['learning_rate_init']}"
    for p in parallel.cv_results_["params"]
]
ax2.barh(labels, parallel.cv_results_["mean_test_score"], color="C1")
ax2.set_xlim(0.5, 1)
ax2.set_xlabel("mean cross-validated accuracy (n_jobs=-1)")
ax2.set_title("cell, hidden_size, learning_rate_init")
fig.tight_layout()

# %%
# Scaling out to a cluster
# ------------------------
# joblib runs the same search on other machines once another backend is
# chosen: with a ``dask.distributed.Client`` connected to a Dask cluster,
# ``with joblib.parallel_backend("dask"): search.fit(X, y)`` sends the fits
# to the cluster's workers, unchanged. That is skrnn's scale-out path; its
# example and tests come with the Dask integration (a later issue), so this
# example only needs joblib's default, local backend.
