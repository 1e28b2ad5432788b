# SPDX-License-Identifier: BSD-3-Clause
"""Persistence of every public estimator, and the version recorded in pickles.

For each estimator of :func:`skrnn.utils.discovery.all_estimators`, fitted
small: pickle, joblib and ``copy.deepcopy`` round trips give the same
fitted attributes bit for bit and the same outputs (predict, predict_proba,
transform, inverse_transform, generate, score; lists of token lists compared
item by item). The recurrent estimators record the skrnn version in their
pickle (``_skrnn_version``, as scikit-learn records ``_sklearn_version`` for
its own estimators) and warn with
:class:`skrnn.exceptions.InconsistentVersionWarning` when another version
loads them.
"""

import copy
import io
import pickle
import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import skrnn
from skrnn._base import BaseRNN
from skrnn._engine.kernels import engine
from skrnn.exceptions import InconsistentVersionWarning
from skrnn.utils.discovery import all_estimators

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

_rng = np.random.default_rng(0)
X = _rng.standard_normal((24, 6, 2))
TEXT = "to be or not to be, that is the question. " * 6
SMALL = dict(hidden_size=8, max_iter=3, learning_rate_init=0.01, random_state=0)


def _classifier(Est):
    y = (X[:, 0, 0] > 0).astype(int)
    est = Est(**SMALL, cell="gru", bidirectional=True).fit(X, y)
    return est, lambda e: [e.predict(X), e.predict_proba(X), e.score(X, y)]


def _regressor(Est):
    y = X[:, :, 0].mean(axis=1)
    est = Est(**SMALL, num_layers=2).fit(X, y)
    return est, lambda e: [e.predict(X), e.score(X, y)]


def _tagger(Est):
    y = (np.cumsum(X[:, :, 0], axis=1) > 0).astype(int)
    est = Est(**SMALL, cell="rnn").fit(X, y)
    return est, lambda e: [
        e.predict(X),
        np.asarray(e.predict_proba(X)),
        e.score(X, y),
    ]


WORDS = ["cab", "bad", "abc", "dab", "cd", "a"]


def _seq2seq(Est):
    est = Est(**SMALL, bidirectional=True, attention="additive").fit(
        WORDS, [w[::-1] for w in WORDS]
    )
    return est, lambda e: [
        e.predict(WORDS),
        e.predict_n_best(WORDS[:2], n_best=2),
        e.log_likelihood(WORDS, WORDS),
        e.transform(WORDS),
        e.score(WORDS, WORDS),
    ]


def _generator(Est):
    est = Est(**SMALL, seq_length=8).fit(TEXT)
    return est, lambda e: [
        e.predict_proba(["to be", "that is"]),
        e.predict(["to be", "that is"]),
        e.score(TEXT[:60]),
        e.generate("to ", 20, temperature=0),
        e.generate(["to ", "the "], 20, random_state=0),
    ]


def _encoder(Est):
    est = Est().fit([list("hello"), list("world")])
    onehot = est.transform([list("lower")])
    return est, lambda e: [e.transform([list("lower")]), e.inverse_transform(onehot)]


def _windows(Est):
    rows = np.arange(20.0).reshape(10, 2)
    est = Est(seq_length=4).fit(rows)
    return est, lambda e: [np.ma.getdata(e.transform(rows)), e.transform(rows).mask]


def _tokenizer(Est):
    docs = ["To be, or not.", "the", b"caf\xc3\xa9 cr\xc3\xa8me"]
    est = Est(stop_words=["the"], empty_token="<empty>").fit(docs)
    return est, lambda e: [e.transform(docs)]


#: name -> function of the class returning (fitted estimator, outputs function)
FITTED = {
    "CharRNNGenerator": _generator,
    "OneHotCharEncoder": _encoder,
    "RNNClassifier": _classifier,
    "RNNRegressor": _regressor,
    "RNNSeq2Seq": _seq2seq,
    "RNNSequenceTagger": _tagger,
    "SlidingWindowTransformer": _windows,
    "TextTokenizer": _tokenizer,
}
ESTIMATORS = all_estimators()
RECURRENT = [(n, E) for n, E in ESTIMATORS if issubclass(E, BaseRNN)]


def test_every_public_estimator_has_a_fitted_example():
    assert {name for name, _ in ESTIMATORS} == set(FITTED)


def assert_same(a, b, path="est"):
    """Deep equality: arrays bitwise (dtype too), objects by their attributes."""
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
        # the optimizers' scratch buffers are not state: never pickled
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
    elif isinstance(a, (str, bytes, int, float, bool, type(None), type, np.generic)):
        assert a == b, f"{path}: {a!r} != {b!r}"
    elif hasattr(a, "__dict__"):
        assert_same(vars(a), vars(b), path)
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def _joblib_round_trip(est):
    buffer = io.BytesIO()
    joblib.dump(est, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


def _joblib_file_round_trip(est, path):
    joblib.dump(est, path, compress=3)
    return joblib.load(path)


@pytest.mark.parametrize("name, Est", ESTIMATORS)
@pytest.mark.parametrize("how", ["pickle", "joblib", "joblib-file", "deepcopy"])
def test_round_trips_are_exact(name, Est, how, tmp_path):
    est, outputs = FITTED[name](Est)
    expected = outputs(est)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same version: no warning
        if how == "pickle":
            restored = pickle.loads(pickle.dumps(est, protocol=pickle.HIGHEST_PROTOCOL))
        elif how == "joblib":
            restored = _joblib_round_trip(est)
        elif how == "joblib-file":
            restored = _joblib_file_round_trip(est, tmp_path / "model.joblib")
        else:
            restored = copy.deepcopy(est)
    assert restored is not est
    assert restored.get_params() == est.get_params()
    assert_same(vars(restored), vars(est))
    assert_same(outputs(restored), expected)
    assert_same(outputs(est), expected)  # pickling did not change the original


@pytest.mark.parametrize("name, Est", RECURRENT)
def test_a_restored_model_trains_on_as_the_original(name, Est):
    est, outputs = FITTED[name](Est)
    restored = pickle.loads(pickle.dumps(est))
    args = {
        "CharRNNGenerator": (TEXT,),
        "RNNClassifier": (X, (X[:, 0, 0] > 0).astype(int)),
        "RNNRegressor": (X, X[:, :, 0].mean(axis=1)),
        "RNNSeq2Seq": (WORDS, WORDS),
        "RNNSequenceTagger": (X, (np.cumsum(X[:, :, 0], axis=1) > 0).astype(int)),
    }[name]
    est.partial_fit(*args)
    restored.partial_fit(*args)
    assert_same(vars(restored), vars(est))
    assert_same(outputs(restored), outputs(est))


# ----------------------------------------------------------------------- versions


def _fitted(Est):
    return FITTED[Est.__name__](Est)[0]


@pytest.mark.parametrize("name, Est", RECURRENT)
def test_the_pickle_records_the_skrnn_version(name, Est):
    est = _fitted(Est)
    state = est.__getstate__()
    assert state["_skrnn_version"] == skrnn.__version__
    assert "_skrnn_version" not in vars(est)  # only in the pickle
    restored = pickle.loads(pickle.dumps(est))
    assert "_skrnn_version" not in vars(restored)


@pytest.mark.parametrize("name, Est", ESTIMATORS)
@pytest.mark.parametrize("load", [pickle.loads, lambda b: joblib.load(io.BytesIO(b))])
def test_loading_a_pickle_of_another_version_warns(name, Est, load, monkeypatch):
    est = _fitted(Est)
    monkeypatch.setattr(skrnn, "__version__", "0.0.1")
    if load is pickle.loads:
        data = pickle.dumps(est)
    else:
        buffer = io.BytesIO()
        joblib.dump(est, buffer)
        data = buffer.getvalue()
    monkeypatch.undo()
    with pytest.warns(InconsistentVersionWarning) as record:
        restored = load(data)
    (warning,) = [w for w in record if w.category is InconsistentVersionWarning]
    message = str(warning.message)
    assert name in message
    assert "0.0.1" in message and skrnn.__version__ in message
    assert warning.message.estimator_name == name
    assert warning.message.original_skrnn_version == "0.0.1"
    assert warning.message.current_skrnn_version == skrnn.__version__
    # the model itself loads whole
    assert_same(vars(restored), vars(est))


@pytest.mark.parametrize("name, Est", RECURRENT)
def test_loading_with_another_running_version_warns(name, Est, monkeypatch):
    data = pickle.dumps(_fitted(Est))
    monkeypatch.setattr(skrnn, "__version__", "99.0")
    with pytest.warns(InconsistentVersionWarning, match=r"99\.0"):
        pickle.loads(data)


@pytest.mark.parametrize("name, Est", RECURRENT)
def test_a_pickle_without_a_version_warns_as_unknown(name, Est):
    est = _fitted(Est)
    state = est.__getstate__()
    del state["_skrnn_version"]  # as pickled before versions were recorded
    restored = Est.__new__(Est)
    with pytest.warns(InconsistentVersionWarning, match="version unknown"):
        restored.__setstate__(state)
    assert_same(vars(restored), vars(est))


def test_the_warning_is_a_user_warning_with_the_sklearn_fields_renamed():
    w = InconsistentVersionWarning(
        estimator_name="RNNClassifier",
        current_skrnn_version="0.2",
        original_skrnn_version="0.1",
    )
    assert isinstance(w, UserWarning)
    assert str(w).startswith(
        "Trying to unpickle estimator RNNClassifier from skrnn version 0.1 when "
        "using version 0.2."
    )


# pickles of an earlier skrnn -----------------------------------------------------

EARLIER = Path(__file__).parent / "data" / "models_0.1.0.dev0_39a8c79.pkl"


def _same(a, b):
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same, a, b))
    return type(a) is type(b) and np.array_equal(a, b)


# The fixture is a NumPy 2 pickle, which NumPy 1 cannot unpickle: only tox's
# 'oldest' environment (numpy 1.21) skips; .ci/run's test stage and tox
# py310-py313 run the test.
@pytest.mark.skipif(
    np.lib.NumpyVersion(np.__version__) < "2.0.0",
    reason="the pickles were written by NumPy 2, which NumPy 1 cannot read",
)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.InconsistentVersionWarning")
def test_models_pickled_before_the_redesign_load_predict_and_train_on():
    # tests/data/make_models.py wrote them with the skrnn of commit 39a8c79,
    # whose optimizers held lists of arrays and whose classifiers held a
    # LabelEncoder: the same outputs, bit for bit, and training goes on
    with open(EARLIER, "rb") as f:
        written = pickle.load(f)
    assert set(written) == {
        "classifier",
        "regressor",
        "tagger",
        "generator",
        "word_generator",
    }
    for name, (blob, X_in, y, outputs) in written.items():
        model = pickle.loads(blob)
        # bit for bit on the NumPy engine, the code that computed them; the
        # compiled kernels' float32 tanh differs from NumPy's by a few ulp
        with engine("numpy"):
            assert _same(outputs, _outputs(name, model, X_in, y)), name
        for now, then in zip(_outputs(name, model, X_in, y), outputs, strict=True):
            _assert_close(now, then)
        if "generator" in name:
            model.partial_fit(X_in if name == "word_generator" else TEXT)
        else:
            model.set_params(warm_start=True, max_iter=2, early_stopping=False)
            model.fit(X_in, y)
        assert model.n_iter_ >= 1 and len(model.loss_curve_) >= 4, name


def _assert_close(now, then):
    """Numbers within float32 rounding; labels and text the same."""
    if isinstance(now, list):
        for a, b in zip(now, then, strict=True):
            _assert_close(a, b)
    elif np.asarray(now).dtype.kind in "fc":
        np.testing.assert_allclose(now, then, rtol=1e-5, atol=1e-6)
    else:
        assert_array_equal(now, then)


def _outputs(name, model, X_in, y):
    """What the earlier skrnn recorded of ``model``: predictions and a score
    (classifiers, regressors, taggers), or probabilities and greedy text."""
    if "generator" in name:
        seed = "to b" if name == "generator" else ["to", "be"]
        return [model.predict_proba(X_in), model.generate(seed, 10, temperature=0)]
    return [model.predict(X_in), model.score(X_in, y)]
