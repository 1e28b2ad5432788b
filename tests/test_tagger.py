# SPDX-License-Identifier: BSD-3-Clause
import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.metrics import accuracy_score
from sklearn.utils.estimator_checks import (
    check_sample_weight_equivalence_on_dense_data,
)

from skrnn import RNNSequenceTagger
from skrnn.preprocessing import SlidingWindowTransformer

pytestmark = pytest.mark.filterwarnings("ignore", category=ConvergenceWarning)


def _rises(seed, n=80, future=False):
    """Variable-length random walks; the tag of a step compares it to a neighbour.

    ``future=False``: x_t > x_{t-1} (one step of memory; the first step is 0).
    ``future=True``: x_{t+1} > x_t (needs the next step; the last step is 0).
    """
    rng = np.random.default_rng(seed)
    X = [rng.standard_normal(k) for k in rng.integers(3, 12, size=n)]
    if future:
        y = [np.append(x[1:] > x[:-1], False).astype(int) for x in X]
    else:
        y = [np.insert(x[1:] > x[:-1], 0, False).astype(int) for x in X]
    return X, y


def _tagger(**kwargs):
    params = dict(hidden_size=12, learning_rate_init=0.03, max_iter=60)
    params.update(random_state=0, **kwargs)
    return RNNSequenceTagger(**params)


def _fixed(seed=0, n=12, T=5, F=2):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, T, F))
    return X, (X[:, :, 0] > 0).astype(int)


# learning -------------------------------------------------------------------


def test_defaults():
    tagger = RNNSequenceTagger()
    assert tagger.bidirectional is True
    assert tagger.hidden_size == 64 and tagger.cell == "lstm"
    assert tagger.class_weight is None


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_learns_a_rule_that_needs_the_past(cell):
    # Measured held-out accuracy over 6 seeds: 0.93 to 0.98.
    X, y = _rises(0)
    X_test, y_test = _rises(1)
    tagger = _tagger(cell=cell).fit(X, y)
    assert tagger.score(X_test, y_test) > 0.88
    assert_array_equal(tagger.classes_, [0, 1])


def test_bidirectional_sees_the_future():
    # Measured held-out accuracy over 6 seeds: bidirectional 0.93 to 0.96,
    # forward only 0.67 to 0.73 (x_t alone hints at whether x_{t+1} is larger).
    X, y = _rises(0, future=True)
    X_test, y_test = _rises(1, future=True)
    both = _tagger().fit(X, y)
    forward = _tagger(bidirectional=False).fit(X, y)
    assert both.score(X_test, y_test) > 0.88
    assert forward.score(X_test, y_test) < 0.8


def test_early_stopping_scores_every_epoch():
    X, y = _rises(0)
    tagger = _tagger(early_stopping=True, max_iter=15).fit(X, y)
    assert len(tagger.validation_scores_) == tagger.n_iter_
    assert 0 <= tagger.best_validation_score_ <= 1


# a sequence's result does not depend on its batch ---------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_sequence_alone_equals_the_same_sequence_in_a_batch(dtype):
    X, y = _rises(0, n=30)
    tagger = _tagger(max_iter=5, dtype=dtype).fit(X, y)
    batch = tagger.predict_proba(X)
    for i in (0, 7, 29):
        alone = tagger.predict_proba([X[i]])
        assert len(alone) == 1 and alone[0].shape == (len(X[i]), 2)
        assert alone[0].dtype == dtype
        assert_allclose(alone[0], batch[i], rtol=0, atol=1e-6)
        assert_array_equal(tagger.predict([X[i]])[0], tagger.predict(X)[i])


# input forms -------------------------------------------------------------------


def test_list_form():
    X, y = _rises(0, n=20)
    tagger = _tagger(max_iter=3).fit(X, y)
    pred = tagger.predict(X)
    proba = tagger.predict_proba(X)
    log_proba = tagger.predict_log_proba(X)
    assert isinstance(pred, list) and len(pred) == len(X)
    for x, p, pr, lp in zip(X, pred, proba, log_proba, strict=True):
        assert p.shape == x.shape
        assert pr.shape == (len(x), 2)
        assert_allclose(pr.sum(axis=1), 1, rtol=1e-5)
        assert_allclose(np.log(pr), lp, rtol=1e-5, atol=1e-6)
        assert_array_equal(p, tagger.classes_[pr.argmax(axis=1)])
    # a 2-D y is accepted for a list of equal-length sequences
    X_eq = [x[:3] for x in X]
    y_eq = np.array([t[:3] for t in y])
    tagger.fit(X_eq, y_eq)
    assert all(p.shape == (3,) for p in tagger.predict(X_eq))


def test_3d_form():
    X, y = _fixed()
    tagger = _tagger(max_iter=3).fit(X, y)
    assert tagger.n_features_in_ == 2 and tagger.n_features_per_step_ == 2
    pred = tagger.predict(X)
    assert isinstance(pred, np.ndarray) and pred.shape == y.shape
    proba = tagger.predict_proba(X)
    assert isinstance(proba, list) and [p.shape for p in proba] == [(5, 2)] * 12
    assert_array_equal(pred, np.array([p.argmax(axis=1) for p in proba]))
    # a recurrent model takes any length
    assert tagger.predict(X[:, :3]).shape == (12, 3)
    assert tagger.score(X, y) == accuracy_score(y.ravel(), pred.ravel())


def test_2d_univariate_form():
    X, _ = _fixed(F=1)
    X = X[:, :, 0]
    y = np.where(X > 0, "up", "down")
    tagger = _tagger(max_iter=3).fit(X, y)
    assert tagger.n_features_in_ == 5 and tagger.n_features_per_step_ == 1
    pred = tagger.predict(X)
    assert pred.shape == (12, 5) and set(np.unique(pred)) <= {"up", "down"}
    assert_array_equal(pred, tagger.predict(X[:, :, None]))
    with pytest.raises(ValueError, match="X has 4 features"):
        tagger.predict(X[:, :4])
    with pytest.raises(ValueError, match="y has 4 values per sequence"):
        tagger.fit(X, y[:, :4])


def test_masked_form_from_sliding_windows():
    rng = np.random.default_rng(0)
    series = rng.standard_normal((40, 2))
    tags = np.where(series[:, 0] > 0, "pos", "neg").reshape(-1, 1)
    Xw = SlidingWindowTransformer(seq_length=4).fit_transform(series)
    yw = SlidingWindowTransformer(seq_length=4).fit_transform(tags)  # (40, 4, 1)
    tagger = _tagger(max_iter=20).fit(Xw, yw)
    assert_array_equal(tagger.classes_, ["neg", "pos"])
    pred = tagger.predict(Xw)
    assert isinstance(pred, np.ma.MaskedArray) and pred.shape == (40, 4)
    assert_array_equal(pred.mask, Xw.mask.all(axis=2))
    # each row is the sequence of its unmasked steps
    present = [np.asarray(Xw[i][~Xw.mask[i].all(axis=1)]) for i in range(40)]
    proba = tagger.predict_proba(Xw)
    assert [len(p) for p in proba] == [1, 2, 3] + [4] * 37
    for a, b in zip(proba, tagger.predict_proba(present), strict=True):
        assert_allclose(a, b, rtol=0, atol=1e-6)
    # labels under masked steps are ignored: anything goes there
    y2 = np.ma.getdata(yw)[:, :, 0].copy()
    y2[Xw.mask.all(axis=2)] = "junk"
    score = tagger.score(Xw, yw)
    assert tagger.score(Xw, y2) == score
    present_steps = ~pred.mask
    truth = np.ma.getdata(yw)[:, :, 0][present_steps]
    assert score == accuracy_score(truth, np.ma.getdata(pred)[present_steps])
    refit = _tagger(max_iter=20).fit(Xw, y2)
    assert_array_equal(refit.classes_, ["neg", "pos"])
    assert_array_equal(refit.params_["W_hy"], tagger.params_["W_hy"])


# one-to-one --------------------------------------------------------------------


def test_one_to_one_reading_of_2d_X_with_1d_y():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3))
    y = np.where(X[:, 0] + X[:, 1] > 0, "a", "b")
    tagger = _tagger(max_iter=30).fit(X, y)
    assert tagger.n_features_in_ == 3 and tagger.n_features_per_step_ == 3
    pred = tagger.predict(X)
    proba = tagger.predict_proba(X)
    assert pred.shape == (50,) and proba.shape == (50, 2)
    assert tagger.predict_log_proba(X).shape == (50, 2)
    assert tagger.score(X, y) == accuracy_score(y, pred)
    assert tagger.score(X, y) > 0.9
    # each row is a sequence of one step of 3 features
    seqs = tagger.predict_proba(list(X[:5, None, :]))
    assert_allclose(np.concatenate(seqs), proba[:5], rtol=0, atol=1e-6)
    # a column y with a wider X is the 1-D y, with a warning
    with pytest.warns(DataConversionWarning):
        column = _tagger(max_iter=30).fit(X, y[:, None])
    assert_array_equal(column.predict(X), pred)


def test_column_y_with_a_one_column_X_is_per_step():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 1))
    y = (X > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataConversionWarning)
        tagger = _tagger(max_iter=3).fit(X, y)
    assert tagger.predict(X).shape == (30, 1)


# weights -----------------------------------------------------------------------


def _exact(**kwargs):
    return _tagger(max_iter=5, dtype=np.float64, shuffle=False, **kwargs)


def test_zero_weight_on_a_step_removes_its_label():
    X, y = _rises(0, n=20)
    w = [np.ones(len(t)) for t in y]
    y_other = [t.copy() for t in y]
    for i in (0, 3, 9):
        w[i][1] = 0
        y_other[i][1] = 1 - y_other[i][1]
    a = _exact().fit(X, y, sample_weight=w)
    b = _exact().fit(X, y_other, sample_weight=w)
    c = _exact().fit(X, y)
    assert a.loss_curve_ == b.loss_curve_
    for name, value in a.params_.items():
        assert_array_equal(value, b.params_[name])
    assert a.loss_curve_ != c.loss_curve_


def test_zero_weight_on_a_sequence_removes_it():
    X, y = _rises(0, n=20)
    a = _exact().fit(X, y, sample_weight=[0.0] * 5 + [1.0] * 15)
    b = _exact().fit(X[5:], y[5:])
    assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-10)
    assert_allclose(a.predict_proba(X)[0], b.predict_proba(X)[0], rtol=1e-9)


def test_sequence_weights_broadcast_to_steps_and_class_weight_multiplies():
    X, y = _fixed(n=10)
    sw = np.arange(1.0, 11.0)
    a = _exact().fit(X, y, sample_weight=sw)
    b = _exact().fit(X, y, sample_weight=np.repeat(sw[:, None], 5, axis=1))
    assert a.loss_curve_ == b.loss_curve_
    c = _exact(class_weight={0: 3.0, 1: 1.0}).fit(X, y)
    d = _exact().fit(X, y, sample_weight=np.where(y == 0, 3.0, 1.0))
    assert c.loss_curve_ == d.loss_curve_
    assert_array_equal(c.params_["W_hy"], d.params_["W_hy"])
    assert a.score(X, y, sample_weight=np.zeros((10, 5)) + (y == 1)) == np.mean(
        a.predict(X)[y == 1] == 1
    )


# partial_fit -------------------------------------------------------------------


def test_partial_fit():
    X, y = _rises(0, n=30)
    tagger = _tagger()
    tagger.partial_fit(X[:15], y[:15], classes=[0, 1, 2])
    assert_array_equal(tagger.classes_, [0, 1, 2])
    tagger.partial_fit(X[15:], y[15:])
    assert tagger.n_iter_ == 1 and len(tagger.loss_curve_) == 2
    assert tagger.t_ == 30
    assert tagger.predict_proba(X[:1])[0].shape == (len(X[0]), 3)


# errors ------------------------------------------------------------------------


def test_errors():
    X, y = _rises(0, n=6)
    tagger = _tagger(max_iter=2)
    bad = [t.copy() for t in y]
    bad[2] = bad[2][:-1]
    with pytest.raises(ValueError, match=r"Sequence 2 of X has \d+ steps but y\[2\]"):
        tagger.fit(X, bad)
    with pytest.raises(ValueError, match="X has 6 sequences but y has 5"):
        tagger.fit(X, y[:5])
    with pytest.raises(ValueError, match="requires y to be passed"):
        tagger.fit(X, None)
    with pytest.raises(ValueError, match="one value per step"):
        tagger.fit(np.zeros((6, 4, 2)), np.zeros(6))
    bad_w = [np.ones(len(t)) for t in y]
    bad_w[4] = bad_w[4][:1]
    with pytest.raises(ValueError, match=r"sample_weight\[4\]"):
        tagger.fit(X, y, sample_weight=bad_w)
    with pytest.raises(ValueError, match="Unknown label type"):
        tagger.fit(X, [x * 1.5 for x in X])
    with pytest.raises(ValueError, match="classes must be passed"):
        _tagger().partial_fit(X, y)
    with pytest.raises(ValueError, match=r"classes \[1\] not in `classes`"):
        _tagger().partial_fit(X, y, classes=[0])
    tagger.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="not in `self.classes_`"):
        tagger.partial_fit(X, [t + 1 for t in y])
    with pytest.raises(ValueError, match="features per step"):
        tagger.predict(np.zeros((2, 3, 4)))


# persistence and determinism ---------------------------------------------------


def test_pickle_round_trip():
    X, y = _rises(0, n=20)
    tagger = _tagger(max_iter=3).fit(X, y)
    clone = pickle.loads(pickle.dumps(tagger))
    for a, b in zip(tagger.predict_proba(X), clone.predict_proba(X), strict=True):
        assert_array_equal(a, b)


def test_same_random_state_same_model():
    X, y = _rises(0, n=20)
    a = _tagger(max_iter=4, batch_size=8).fit(X, y)
    b = _tagger(max_iter=4, batch_size=8).fit(X, y)
    assert a.loss_curve_ == b.loss_curve_
    assert a.params_.keys() == b.params_.keys()
    for name, value in a.params_.items():
        assert_array_equal(value, b.params_[name])
    assert "W_xh_l0_reverse" in a.params_
    assert a.params_["W_hy"].shape == (2 * 12, 2)


# scikit-learn's common checks --------------------------------------------------


def _common_instance(**kwargs):
    return RNNSequenceTagger(
        hidden_size=16, max_iter=100, learning_rate_init=0.01, random_state=0, **kwargs
    )


# The full scikit-learn check suite runs in tests/test_common.py.
def test_sample_weight_equivalence_in_float64():
    est = _common_instance(dtype=np.float64)
    check_sample_weight_equivalence_on_dense_data(type(est).__name__, est)
