# SPDX-License-Identifier: BSD-3-Clause
"""A fitted model is safe to share between threads.

Prediction methods called from 8 threads at once, many times, on one fitted
model give exactly the results of serial calls; none of them changes the
estimator (its attributes deep-compared before and after); their results
share no memory with the estimator or with each other (no shared mutable
buffer).
"""

import copy
import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skrnn import (
    CharRNNGenerator,
    OneHotCharEncoder,
    RNNClassifier,
    RNNRegressor,
    RNNSequenceTagger,
    SlidingWindowTransformer,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

N_THREADS = 8
ROUNDS = 20  # each call runs this many times, in shuffled order, across threads

_rng = np.random.default_rng(0)
X = _rng.standard_normal((300, 12, 3))
X_LIST = [_rng.standard_normal((n, 3)) for n in _rng.integers(1, 20, size=80)]
SMALL = dict(hidden_size=16, max_iter=2, random_state=0)
TEXT = "It is a truth universally acknowledged, that a single man. " * 20


def _classifier():
    est = RNNClassifier(**SMALL, bidirectional=True).fit(X, (X[:, 0, 0] > 0))
    y = X[:, 0, 0] > 0
    return est, [
        ("predict", (X,), {}),
        ("predict_proba", (X[:37],), {}),
        # inputs of the same shape, different values: a buffer shared
        # between calls would mix them up
        ("predict_proba", (X[:150],), {}),
        ("predict_proba", (X[150:],), {}),
        ("predict_log_proba", (X_LIST,), {}),
        ("score", (X, y), {}),
    ]


def _regressor():
    y = X[:, :, :2].mean(axis=1)
    est = RNNRegressor(**SMALL, cell="gru", num_layers=2).fit(X, y)
    return est, [
        ("predict", (X_LIST,), {}),
        ("predict", (X[:150],), {}),
        ("predict", (X[150:],), {}),
        ("score", (X, y), {}),
    ]


def _tagger():
    y = (np.cumsum(X[:, :, 0], axis=1) > 0).astype(int)
    est = RNNSequenceTagger(**SMALL).fit(X, y)
    return est, [
        ("predict_proba", (X_LIST,), {}),
        ("predict_proba", (X[:150],), {}),
        ("predict_proba", (X[150:],), {}),
        ("score", (X, y), {}),
    ]


def _generator():
    est = CharRNNGenerator(**SMALL, seq_length=16).fit(TEXT)
    contexts = [
        TEXT[i : i + n] for i, n in zip(range(0, 400, 7), itertools.cycle((3, 9, 30)))
    ]
    return est, [
        ("predict", (contexts,), {}),
        ("predict_proba", (contexts[:20],), {}),
        ("predict_proba", (contexts[20:40],), {}),
        ("score", ([TEXT[:300], TEXT[50:90]],), {}),
        ("perplexity", (TEXT[:200],), {}),
        ("generate", ("It is", 60), {"temperature": 0}),
        ("generate", ("a man", 60), {"temperature": 0}),
        ("generate", (["a single", "truth", "I"], 40), {"random_state": 3}),
        ("generate", ("man", 40), {"top_k": 5, "top_p": 0.9, "random_state": 7}),
    ]


def _encoder():
    docs = [list(TEXT[i : i + 12]) for i in range(0, 600, 12)]
    est = OneHotCharEncoder().fit(docs)
    return est, [
        ("transform", (docs,), {}),
        ("inverse_transform", (est.transform(docs),), {}),
    ]


def _windows():
    rows = _rng.standard_normal((200, 2))
    est = SlidingWindowTransformer(seq_length=8).fit(rows)
    return est, [("transform", (rows,), {})]


CASES = {
    "RNNClassifier": _classifier,
    "RNNRegressor": _regressor,
    "RNNSequenceTagger": _tagger,
    "CharRNNGenerator": _generator,
    "OneHotCharEncoder": _encoder,
    "SlidingWindowTransformer": _windows,
}


def _arrays(obj):
    """Every ndarray reachable from obj (results, or an estimator's attributes)."""
    if isinstance(obj, np.ndarray):
        yield obj
        if obj.dtype == object:
            for item in obj.ravel():
                yield from _arrays(item)
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _arrays(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _arrays(v)
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        yield from _arrays(vars(obj))


def assert_same(a, b, path="result"):
    """Exact equality: arrays bitwise with dtype, lists, strs, floats."""
    assert type(a) is type(b), path
    if isinstance(a, np.ma.MaskedArray):
        assert_array_equal(np.ma.getdata(a), np.ma.getdata(b), err_msg=path)
        assert_array_equal(np.ma.getmaskarray(a), np.ma.getmaskarray(b))
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype, path
        # what strict=True checks (numpy >= 1.24 only): same dtype and shape
        assert np.asarray(a).dtype == np.asarray(b).dtype, path
        assert np.shape(a) == np.shape(b), path
        assert_array_equal(a, b, err_msg=path)
    elif isinstance(a, dict):
        # the optimizers' scratch buffers (training only) are not copied
        a, b = ({k: v for k, v in d.items() if k != "_scratch"} for d in (a, b))
        assert a.keys() == b.keys(), path
        for k in a:
            assert_same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (u, v) in enumerate(zip(a, b, strict=True)):
            assert_same(u, v, f"{path}[{i}]")
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), path
    elif hasattr(a, "__dict__") and not isinstance(a, type):
        assert_same(vars(a), vars(b), path)
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    return CASES[request.param]()


def test_threads_give_the_serial_results_and_change_nothing(case):
    est, calls = case
    state = copy.deepcopy(vars(est))
    serial = [getattr(est, m)(*args, **kw) for m, args, kw in calls]
    jobs = [i for i in range(len(calls)) for _ in range(ROUNDS)]
    np.random.default_rng(0).shuffle(jobs)

    def run(i):
        method, args, kwargs = calls[i]
        return i, getattr(est, method)(*args, **kwargs)

    with ThreadPoolExecutor(max_workers=N_THREADS) as pool:
        results = list(pool.map(run, jobs))
    assert len(results) == len(jobs)
    for i, result in results:
        assert_same(result, serial[i], f"{calls[i][0]} #{i}")
    assert_same(vars(est), state, "est")  # nothing was modified


def test_results_share_no_memory_with_the_model_or_each_other(case):
    est, calls = case
    own = list(_arrays(vars(est)))
    for method, args, kwargs in calls:
        first = getattr(est, method)(*args, **kwargs)
        second = getattr(est, method)(*args, **kwargs)
        for a in _arrays(first):
            assert not any(np.shares_memory(a, b) for b in own), method
            assert not any(np.shares_memory(a, b) for b in _arrays(second)), method
        # writing into a result changes neither the model nor the next result
        for a in _arrays(first):
            if a.size and a.dtype.kind in "fc" and a.flags.writeable:
                a[...] = np.nan
        assert_same(getattr(est, method)(*args, **kwargs), second, method)
