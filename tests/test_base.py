# SPDX-License-Identifier: BSD-3-Clause
"""BaseRNN and the training loop, through RNNClassifier and RNNRegressor.

Modelled on scikit-learn's ``neural_network/tests/test_mlp.py``: parameter
validation, the MLP bookkeeping (``loss_curve_``, ``n_iter_``, ``t_``,
``best_loss_``, early stopping, warm start, partial_fit), dtypes,
determinism, persistence, failure handling, ``verbose`` and the documented
names and shapes of ``params_``.
"""

import io
import pickle
import re
import warnings

import joblib
import numpy as np
import pytest
from _batches import interrupt_on_batch, record_validation
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from skrnn import RNNClassifier, RNNRegressor
from skrnn._base import ARCHITECTURE_PARAMS

ESTIMATORS = [RNNClassifier, RNNRegressor]

#: Small nets and few epochs, so that every fit takes milliseconds.
SMALL = dict(hidden_size=8, max_iter=5, learning_rate_init=0.01, random_state=0)

#: Full batch, no shuffling and plain gradient descent: a fit then uses the
#: random state for the initial weights only, so fits can be compared exactly.
PLAIN_GD = dict(
    hidden_size=8,
    solver="sgd",
    momentum=0.0,
    learning_rate_init=0.05,
    tol=0.0,
    n_iter_no_change=1000,
    random_state=0,
)

#: A fit that reliably overflows: unbounded relu states, a huge step size
#: and no clipping (on inputs scaled by 1e3).
DIVERGE = dict(
    cell="rnn",
    activation="relu",
    solver="sgd",
    learning_rate_init=1e6,
    clip_norm=None,
    max_iter=10,
)


def _data(Est, n=30, n_steps=5, n_features=2, seed=0):
    """Fixed-length sequences and a target that needs the first step."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_steps, n_features))
    if Est is RNNClassifier:
        return X, (X[:, 0, 0] > 0).astype(int)
    return X, X[:, :, 0].mean(axis=1)


def _out(est, X):
    if isinstance(est, RNNClassifier):
        return est.predict_proba(X)
    return est.predict(X)


def _params_copy(est):
    return {name: value.copy() for name, value in est.params_.items()}


def _assert_params_equal(a, b):
    assert list(a) == list(b)
    for name in a:
        assert_array_equal(a[name], b[name], err_msg=name)


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


# Parameter validation -----------------------------------------------------------


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_relu_with_a_gated_cell_names_both_parameters(Est, cell):
    X, y = _data(Est)
    msg = f"activation='relu' applies to cell='rnn' only; cell='{cell}'"
    with pytest.raises(ValueError, match=re.escape(msg)):
        Est(cell=cell, activation="relu", **SMALL).fit(X, y)


def _vanilla_outputs(est, X, activation):
    """Outputs of a one-layer vanilla network, written out step by step."""
    P = est.params_
    h = np.zeros((len(X), P["W_hh_l0"].shape[0]))
    for t in range(X.shape[1]):
        h = activation(X[:, t] @ P["W_xh_l0"] + h @ P["W_hh_l0"] + P["b_h_l0"])
    out = h @ P["W_hy"] + P["b_y"]
    if isinstance(est, RNNClassifier):
        out = np.exp(out - out.max(axis=1, keepdims=True))
        return out / out.sum(axis=1, keepdims=True)
    return out[:, 0]


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_relu_with_the_vanilla_cell_is_accepted(Est):
    X, y = _data(Est)
    est = Est(cell="rnn", activation="relu", **SMALL).fit(X, y)
    # and the network computes h_t = relu(x_t W_xh + h_{t-1} W_hh + b_h)
    relu = _vanilla_outputs(est, X, lambda z: np.maximum(z, 0.0))
    assert_allclose(_out(est, X), relu, rtol=1e-5, atol=1e-6)
    assert not np.allclose(_out(est, X), _vanilla_outputs(est, X, np.tanh), atol=1e-3)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "param, value",
    [
        ("cell", "transformer"),
        ("hidden_size", 0),
        ("hidden_size", 2.5),
        ("num_layers", 0),
        ("bidirectional", "yes"),
        ("activation", "sigmoid"),
        ("dropout", 1.0),
        ("dropout", -0.1),
        ("solver", "lbfgs"),
        ("learning_rate_init", 0.0),
        ("beta_1", 1.0),
        ("beta_2", -0.5),
        ("epsilon", 0.0),
        ("momentum", 1.5),
        ("nesterovs_momentum", "no"),
        ("alpha", -1.0),
        ("clip_norm", 0.0),
        ("batch_size", 0),
        ("batch_size", "all"),
        ("max_iter", 0),
        ("tol", -1e-3),
        ("n_iter_no_change", 0),
        ("early_stopping", 1.5),
        ("validation_fraction", 0.0),
        ("validation_fraction", 1.0),
        ("shuffle", "yes"),
        ("random_state", "seed"),
        ("warm_start", None),
        ("dtype", np.int32),
        ("dtype", "float16"),
    ],
)
def test_parameter_constraints_reject_bad_values(Est, param, value):
    X, y = _data(Est)
    est = Est(**SMALL).set_params(**{param: value})
    with pytest.raises(
        InvalidParameterError,
        match=f"The '{param}' parameter of {Est.__name__} must be",
    ):
        est.fit(X, y)


def _is_float64(est, X, y, printed):
    assert all(v.dtype == np.float64 for v in est.params_.values())
    assert est._optimizer.m.dtype == np.float64
    assert _out(est, X).dtype == np.float64


def _does_not_clip(est, X, y, printed):
    # the same model as with a bound no gradient reaches; not as with one
    # that every gradient reaches
    never = clone(est).set_params(clip_norm=1e30).fit(X, y)
    _assert_params_equal(est.params_, never.params_)
    always = clone(est).set_params(clip_norm=1e-4).fit(X, y)
    assert not np.array_equal(est.params_["W_hy"], always.params_["W_hy"])


def _takes_adam_steps(n_steps):
    def check(est, X, y, printed):
        assert est._optimizer.t == n_steps  # one per minibatch of the epoch

    return check


def _has_momentum_one(est, X, y, printed):
    assert type(est._optimizer).__name__ == "SGDOptimizer"
    assert est._optimizer.momentum == 1.0


def _prints_nothing(est, X, y, printed):
    assert printed == ""


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "params, check",
    [
        pytest.param(dict(dtype="float64"), _is_float64, id="float64-str"),
        pytest.param(dict(dtype=np.float64), _is_float64, id="float64-type"),
        pytest.param(dict(clip_norm=None), _does_not_clip, id="clip_norm-None"),
        # 'auto' is min(200, n_sequences): one batch of the 30 sequences
        pytest.param(dict(batch_size="auto"), _takes_adam_steps(1), id="batch-auto"),
        pytest.param(dict(batch_size=7), _takes_adam_steps(5), id="batch-7"),
        pytest.param(
            dict(momentum=1.0, solver="sgd"), _has_momentum_one, id="momentum-1"
        ),
        pytest.param(dict(verbose=0), _prints_nothing, id="verbose-0"),
    ],
)
def test_parameter_constraints_accept_documented_values(Est, params, check, capsys):
    """Each value is accepted, and does what it says."""
    X, y = _data(Est)
    est = Est(**{**SMALL, "max_iter": 1, **params}).fit(X, y)
    check(est, X, y, capsys.readouterr().out)


def test_classifier_class_weight_constraint():
    X, y = _data(RNNClassifier)
    with pytest.raises(InvalidParameterError, match="The 'class_weight' parameter"):
        RNNClassifier(class_weight="auto", **SMALL).fit(X, y)


# MLP bookkeeping ----------------------------------------------------------------


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_loss_curve_has_one_entry_per_epoch(Est):
    X, y = _data(Est)
    est = Est(**{**SMALL, "max_iter": 7}).fit(X, y)
    assert est.n_iter_ == 7
    assert len(est.loss_curve_) == est.n_iter_
    assert est.t_ == est.n_iter_ * len(X)
    assert est.loss_ == est.loss_curve_[-1]
    assert est.best_loss_ == min(est.loss_curve_)
    assert est.validation_scores_ is None
    assert est.best_validation_score_ is None


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_loss_decreases_on_a_learnable_task(Est):
    X, y = _data(Est, n=60)
    est = Est(**{**SMALL, "max_iter": 30, "learning_rate_init": 0.02}).fit(X, y)
    assert est.loss_curve_[-1] < 0.8 * est.loss_curve_[0]


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_convergence_warning_at_max_iter(Est):
    X, y = _data(Est)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(3\\) reached"):
        est = Est(**{**SMALL, "max_iter": 3}).fit(X, y)
    assert est.n_iter_ == 3


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_stops_after_n_iter_no_change_without_warning(Est):
    X, y = _data(Est)
    # after the first epoch (which sets best_loss_), no epoch can improve the
    # loss by tol=10: stop when n_iter_no_change + 1 of them did not, as MLP
    est = Est(**{**SMALL, "max_iter": 50, "tol": 10.0, "n_iter_no_change": 3})
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.fit(X, y)
    assert est.n_iter_ == 1 + 4
    assert len(est.loss_curve_) == 5


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_early_stopping_records_one_validation_score_per_epoch(Est):
    X, y = _data(Est, n=40)
    est = Est(**{**SMALL, "max_iter": 8, "early_stopping": True}).fit(X, y)
    assert len(est.validation_scores_) == est.n_iter_ == len(est.loss_curve_)
    assert est.best_validation_score_ == max(est.validation_scores_)
    assert est.best_loss_ is None
    # the validation set is held out: training sees the rest
    n_val = int(np.ceil(0.1 * len(X)))
    assert est.t_ == est.n_iter_ * (len(X) - n_val)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_early_stopping_restores_the_best_weights(Est, monkeypatch):
    X, y = _data(Est, n=60)
    est = Est(
        **{
            **SMALL,
            "max_iter": 40,
            "learning_rate_init": 0.05,
            "early_stopping": True,
            "validation_fraction": 0.3,
            "n_iter_no_change": 3,
        }
    )
    seen, scorers = record_validation(monkeypatch, est)  # after each epoch
    est.fit(X, y)
    scores = [s for s, _ in seen]
    assert scores == est.validation_scores_
    best = int(np.argmax(scores))
    assert best < len(scores) - 1, "the test needs a best epoch before the last"
    assert not np.array_equal(seen[-1][1], seen[best][1])
    assert_array_equal(est._params, seen[best][1])
    # and the restored model scores the best validation score
    assert scorers[0]() == est.best_validation_score_


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_early_stopping_with_a_tiny_validation_set_raises(Est):
    X, y = _data(Est, n=10)
    est = Est(**SMALL, early_stopping=True, validation_fraction=0.1)
    with pytest.raises(ValueError, match="The validation set is too small"):
        est.fit(X, y)


# warm start ----------------------------------------------------------------------


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_warm_start_continues_from_the_fitted_weights(Est):
    X, y = _data(Est)
    warm = Est(**PLAIN_GD, max_iter=3, warm_start=True).fit(X, y)
    first_curve = list(warm.loss_curve_)
    warm.fit(X, y)
    # as MLP: n_iter_ counts this call's epochs; t_ and loss_curve_ accumulate
    assert warm.n_iter_ == 3
    assert len(warm.loss_curve_) == 6
    assert warm.loss_curve_[:3] == first_curve
    assert warm.t_ == 6 * len(X)
    # plain gradient descent has no optimizer state: 3 + 3 epochs == 6 epochs
    once = Est(**PLAIN_GD, max_iter=6).fit(X, y)
    _assert_params_equal(warm.params_, once.params_)
    assert warm.loss_curve_ == once.loss_curve_


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_refit_without_warm_start_starts_over(Est):
    X, y = _data(Est)
    est = Est(**SMALL).fit(X, y)
    est.fit(X, y)
    fresh = Est(**SMALL).fit(X, y)
    assert est.loss_curve_ == fresh.loss_curve_
    assert est.t_ == fresh.t_
    _assert_params_equal(est.params_, fresh.params_)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_warm_start_with_early_stopping_keeps_the_scores(Est):
    X, y = _data(Est, n=40)
    est = Est(**SMALL, early_stopping=True, warm_start=True).fit(X, y)
    n_first = len(est.validation_scores_)
    est.fit(X, y)
    assert len(est.validation_scores_) == n_first + est.n_iter_
    assert len(est.validation_scores_) == len(est.loss_curve_)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("first", [False, True])
def test_warm_start_may_switch_early_stopping(Est, first):
    # the bookkeeping of the new setting starts afresh (a best loss of
    # None, or no validation scores, made the second fit fail)
    X, y = _data(Est, n=40)
    est = Est(**SMALL, early_stopping=first, warm_start=True).fit(X, y)
    n_first = len(est.loss_curve_)
    est.set_params(early_stopping=not first).fit(X, y)
    assert len(est.loss_curve_) == n_first + est.n_iter_
    if first:  # switched off: the loss is tracked from this call on
        assert est.best_loss_ == min(est.loss_curve_[n_first:])
    else:
        assert len(est.validation_scores_) == est.n_iter_
        assert est.best_validation_score_ == max(est.validation_scores_)


CHANGES = {
    "cell": ("gru", {}),
    "hidden_size": (9, {}),
    "num_layers": (2, {}),
    "bidirectional": (True, {}),
    "activation": ("relu", {"cell": "rnn"}),
    "dtype": (np.float64, {}),
}


def test_every_architecture_parameter_is_checked():
    # embedding_dim (token input only): tests/test_token_input.py
    assert set(CHANGES) | {"embedding_dim"} == set(ARCHITECTURE_PARAMS)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize("param", sorted(CHANGES))
def test_warm_start_with_another_architecture_raises(Est, method, param):
    X, y = _data(Est)
    value, base = CHANGES[param]
    est = Est(**{**SMALL, "max_iter": 2, **base}, warm_start=True).fit(X, y)
    before = _params_copy(est)
    est.set_params(**{param: value})
    kwargs = (
        {"classes": [0, 1]} if method == "partial_fit" and Est is RNNClassifier else {}
    )
    with pytest.raises(ValueError, match=f"^{param}=.* differs from the fitted model"):
        getattr(est, method)(X, y, **kwargs)
    _assert_params_equal(est.params_, before)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_warm_start_with_the_same_dtype_spelled_otherwise_continues(Est):
    X, y = _data(Est)
    est = Est(**SMALL, warm_start=True).fit(X, y)  # dtype=np.float32
    est.set_params(dtype="float32").fit(X, y)
    assert len(est.loss_curve_) == 2 * SMALL["max_iter"]


# partial_fit ---------------------------------------------------------------------


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_partial_fit_runs_one_epoch_per_call(Est):
    X, y = _data(Est)
    kwargs = {"classes": [0, 1]} if Est is RNNClassifier else {}
    est = Est(**SMALL)
    for calls in range(1, 4):
        est.partial_fit(X, y, **kwargs)
        assert est.n_iter_ == 1  # as MLP: the epochs of this call
        assert len(est.loss_curve_) == calls
        assert est.t_ == calls * len(X)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_partial_fit_keeps_the_optimizer(Est):
    X, y = _data(Est)
    kwargs = {"classes": [0, 1]} if Est is RNNClassifier else {}
    est = Est(**SMALL).partial_fit(X, y, **kwargs)
    est.partial_fit(X, y)
    est.partial_fit(X, y)
    assert est._optimizer.t == 3  # Adam's step count: one full batch per call
    # three calls are exactly one fit of three epochs (Adam's moments kept)
    once = Est(**{**SMALL, "max_iter": 3}).fit(X, y)
    _assert_params_equal(est.params_, once.params_)
    assert est.loss_curve_ == once.loss_curve_


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_partial_fit_after_fit_continues(Est):
    X, y = _data(Est)
    est = Est(**{**SMALL, "max_iter": 3}).fit(X, y)
    before = _params_copy(est)
    est.partial_fit(X, y)
    assert len(est.loss_curve_) == 4
    assert est.t_ == 4 * len(X)
    assert any(not np.array_equal(before[k], est.params_[k]) for k in before)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_partial_fit_with_early_stopping_raises(Est):
    X, y = _data(Est)
    kwargs = {"classes": [0, 1]} if Est is RNNClassifier else {}
    est = Est(**SMALL, early_stopping=True)
    with pytest.raises(ValueError, match="partial_fit does not support early_stop"):
        est.partial_fit(X, y, **kwargs)


# dtypes --------------------------------------------------------------------------


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_float32_is_the_default_and_kept(Est):
    X, y = _data(Est)
    est = Est(**SMALL).fit(X, y)  # float64 X
    assert all(v.dtype == np.float32 for v in est.params_.values())
    assert est._optimizer.m.dtype == np.float32  # Adam's moments too


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("X_dtype", [np.float32, np.float64])
def test_dtype_float64_gives_float64_params(Est, X_dtype):
    X, y = _data(Est)
    est = Est(**SMALL, dtype=np.float64).fit(X.astype(X_dtype), y)
    assert all(v.dtype == np.float64 for v in est.params_.values())


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_float32_and_float64_predictions_agree(Est):
    X, y = _data(Est)
    est32 = Est(**SMALL, dtype=np.float32).fit(X, y)
    est64 = Est(**SMALL, dtype=np.float64).fit(X, y)
    # same initial weights (drawn in float64, then cast) and the same steps
    assert_allclose(est32.loss_curve_, est64.loss_curve_, rtol=1e-4)
    assert_allclose(_out(est32, X), _out(est64, X), rtol=0, atol=1e-4)


# determinism ---------------------------------------------------------------------


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "params",
    [
        dict(),
        dict(dropout=0.5, num_layers=2, batch_size=8),
        dict(cell="gru", bidirectional=True, batch_size=8, early_stopping=True),
    ],
    ids=["default", "dropout-2-layers", "gru-bi-early-stopping"],
)
def test_same_random_state_gives_the_same_model_bit_for_bit(Est, params):
    X, y = _data(Est, n=40)
    a = Est(**SMALL, **params).fit(X, y)
    b = Est(**SMALL, **params).fit(X, y)
    _assert_params_equal(a.params_, b.params_)
    assert a.loss_curve_ == b.loss_curve_
    assert_array_equal(_out(a, X), _out(b, X))


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_another_random_state_gives_another_model(Est):
    X, y = _data(Est)
    a = Est(**SMALL).fit(X, y)
    b = Est(**{**SMALL, "random_state": 1}).fit(X, y)
    assert not np.array_equal(a.params_["W_xh_l0"], b.params_["W_xh_l0"])
    assert a.loss_curve_ != b.loss_curve_


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_dropout_acts_in_training_only(Est):
    X, y = _data(Est)
    params = dict(num_layers=2, batch_size=8, shuffle=False)
    with_dropout = Est(**SMALL, **params, dropout=0.5).fit(X, y)
    without = Est(**SMALL, **params, dropout=0.0).fit(X, y)
    assert with_dropout.loss_curve_ != without.loss_curve_
    # prediction uses every unit, without drawing anything
    assert_array_equal(_out(with_dropout, X), _out(with_dropout, X))
    assert_allclose(_out(with_dropout, X[:1]), _out(with_dropout, X)[:1], atol=1e-6)


# persistence ---------------------------------------------------------------------


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_pickle_round_trip_predicts_the_same(Est):
    X, y = _data(Est)
    est = Est(**SMALL, cell="gru", bidirectional=True).fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    assert_array_equal(_out(restored, X), _out(est, X))
    assert_array_equal(restored.predict(X), est.predict(X))


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_joblib_round_trip_predicts_the_same(Est):
    X, y = _data(Est)
    est = Est(**SMALL, num_layers=2).fit(X, y)
    buffer = io.BytesIO()
    joblib.dump(est, buffer)
    buffer.seek(0)
    restored = joblib.load(buffer)
    assert_array_equal(_out(restored, X), _out(est, X))


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_a_restored_model_continues_with_partial_fit(Est):
    # as MLP's test_mlp_loading_from_joblib_partial_fit
    X, y = _data(Est)
    est = Est(**SMALL).fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    est.partial_fit(X, y)
    restored.partial_fit(X, y)
    _assert_params_equal(restored.params_, est.params_)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_clone_gives_an_unfitted_copy_with_the_same_parameters(Est):
    X, y = _data(Est)
    est = Est(**SMALL, cell="rnn", dtype=np.float64).fit(X, y)
    copy = clone(est)
    assert copy.get_params() == est.get_params()
    with pytest.raises(NotFittedError):
        copy.predict(X)
    _assert_params_equal(copy.fit(X, y).params_, est.params_)


# failure handling ----------------------------------------------------------------


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_a_diverging_fit_raises_and_leaves_a_fresh_model_unfitted(Est):
    X, y = _data(Est)
    est = Est(**{**SMALL, **DIVERGE})
    with np.errstate(all="ignore"), pytest.raises(ValueError, match="non-finite"):
        est.fit(X * 1e3, y * 1e3 if Est is RNNRegressor else y)
    with pytest.raises(NotFittedError):
        est.predict(X)
    assert not hasattr(est, "loss_curve_")


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_a_diverging_warm_start_keeps_the_previous_model_exactly(Est):
    X, y = _data(Est)
    est = Est(**SMALL, cell="rnn", activation="relu", warm_start=True).fit(X, y)
    before = _params_copy(est)
    curve, n_iter, t = list(est.loss_curve_), est.n_iter_, est.t_
    predictions = _out(est, X)
    est.set_params(**DIVERGE)
    with np.errstate(all="ignore"), pytest.raises(ValueError, match="non-finite"):
        est.fit(X * 1e3, y * 1e3 if Est is RNNRegressor else y)
    _assert_params_equal(est.params_, before)
    assert (est.loss_curve_, est.n_iter_, est.t_) == (curve, n_iter, t)
    assert_array_equal(_out(est, X), predictions)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_a_diverging_partial_fit_keeps_the_previous_model_exactly(Est):
    X, y = _data(Est)
    X, y = X * 1e3, (y * 1e3 if Est is RNNRegressor else y)
    kwargs = {"classes": [0, 1]} if Est is RNNClassifier else {}
    est = Est(**{**SMALL, **DIVERGE})
    with np.errstate(all="ignore"), pytest.raises(ValueError, match="non-finite"):
        for _ in range(10):  # it diverges on the 2nd call; the 1st is kept
            before = _params_copy(est) if hasattr(est, "loss_curve_") else None
            state = None if before is None else (list(est.loss_curve_), est.t_)
            est.partial_fit(X, y, **kwargs)
    assert before is not None, "the first call must succeed for this test"
    _assert_params_equal(est.params_, before)
    assert (est.loss_curve_, est.t_) == state


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_divergence_message_says_what_to_do(Est):
    X, y = _data(Est)
    with np.errstate(all="ignore"), pytest.raises(ValueError) as info:
        Est(**{**SMALL, **DIVERGE}).fit(X * 1e3, y * 1e3 if Est is RNNRegressor else y)
    message = str(info.value)
    assert "learning_rate_init" in message and "clip_norm" in message


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_keyboard_interrupt_warns_and_keeps_a_usable_model(Est, monkeypatch):
    X, y = _data(Est)
    est = Est(**SMALL, batch_size=20)  # two batches per epoch
    interrupt_on_batch(monkeypatch, est, 3)
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        est.fit(X, y)
    assert est.n_iter_ == 1  # the first epoch finished, the second did not
    assert len(est.loss_curve_) == 1
    assert all(np.isfinite(v).all() for v in est.params_.values())
    assert np.isfinite(_out(est, X)).all()
    monkeypatch.undo()
    est.partial_fit(X, y)  # and it can go on
    assert len(est.loss_curve_) == 2


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_keyboard_interrupt_with_early_stopping_restores_the_best(Est, monkeypatch):
    X, y = _data(Est, n=40)
    est = Est(**SMALL, batch_size=18, early_stopping=True)  # 2 batches/epoch
    interrupt_on_batch(monkeypatch, est, 5)
    with pytest.warns(UserWarning, match="interrupted"):
        est.fit(X, y)
    assert len(est.validation_scores_) == 2
    assert_array_equal(est._params, est._best_params)


# verbose -------------------------------------------------------------------------


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_verbose_prints_one_line_per_epoch(Est, capsys):
    X, y = _data(Est)
    est = Est(**{**SMALL, "max_iter": 4}, verbose=1).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == est.n_iter_ == 4
    for epoch, (line, loss) in enumerate(zip(lines, est.loss_curve_, strict=True)):
        assert re.fullmatch(
            rf"Epoch {epoch + 1}, loss = {loss:.6f}, \d+\.\d\ds, about \d+:\d\d left",
            line,
        ), line


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_verbose_with_early_stopping_prints_the_validation_score(Est, capsys):
    X, y = _data(Est, n=40)
    est = Est(**{**SMALL, "max_iter": 3}, verbose=1, early_stopping=True).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    epoch_lines = [line for line in lines if line.startswith("Epoch")]
    assert len(epoch_lines) == est.n_iter_
    for line, score in zip(epoch_lines, est.validation_scores_, strict=True):
        assert f"validation score = {score:.6f}" in line
        assert line.endswith(" left")


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_verbose_reports_the_stop(Est, capsys):
    X, y = _data(Est)
    Est(**{**SMALL, "max_iter": 50}, tol=10.0, n_iter_no_change=2, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert "Training loss did not improve more than tol=10.0 for 2 consecutive" in out


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_not_verbose_prints_nothing(Est, capsys):
    X, y = _data(Est)
    Est(**SMALL).fit(X, y)
    assert capsys.readouterr().out == ""


# params_: the documented names and shapes ------------------------------------------


def _expected_shapes(cell, n_inputs, H, num_layers, bidirectional, n_outputs):
    """The notation of BaseRNN.params_, written out."""
    G = {"lstm": 4, "gru": 3, "rnn": 1}[cell]
    D = 2 if bidirectional else 1
    biases = ["b_xh", "b_hh"] if cell == "gru" else ["b_h"]
    shapes = {}
    for layer in range(num_layers):
        n_in = n_inputs if layer == 0 else D * H
        for suffix in ["", "_reverse"][:D]:
            shapes[f"W_xh_l{layer}{suffix}"] = (n_in, G * H)
            shapes[f"W_hh_l{layer}{suffix}"] = (H, G * H)
            for b in biases:
                shapes[f"{b}_l{layer}{suffix}"] = (G * H,)
    shapes["W_hy"] = (D * H, n_outputs)
    shapes["b_y"] = (n_outputs,)
    return shapes


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_params_names_and_shapes_follow_the_notation(
    Est, cell, bidirectional, num_layers
):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 4, 3))
    # three classes, or two outputs
    y = np.arange(12) % 3 if Est is RNNClassifier else rng.standard_normal((12, 2))
    n_outputs = 3 if Est is RNNClassifier else 2
    est = Est(
        cell=cell,
        hidden_size=5,
        num_layers=num_layers,
        bidirectional=bidirectional,
        max_iter=1,
        random_state=0,
    ).fit(X, y)
    shapes = {name: value.shape for name, value in est.params_.items()}
    expected = _expected_shapes(cell, 3, 5, num_layers, bidirectional, n_outputs)
    assert list(shapes) == list(expected)  # the documented order too
    assert shapes == expected


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_params_are_read_only_views(Est):
    X, y = _data(Est)
    est = Est(**SMALL).fit(X, y)
    with pytest.raises(ValueError, match="read-only"):
        est.params_["W_hy"][0, 0] = 1.0


def test_params_orientation_is_rows_times_matrices():
    """h_t = tanh(x_t @ W_xh + h_{t-1} @ W_hh + b_h), y = h_T @ W_hy + b_y."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((10, 3, 2))
    est = RNNRegressor(cell="rnn", dtype=np.float64, **SMALL).fit(X, X.sum((1, 2)))
    P = est.params_
    h = np.zeros((10, 8))
    for t in range(3):
        h = np.tanh(X[:, t] @ P["W_xh_l0"] + h @ P["W_hh_l0"] + P["b_h_l0"])
    assert_allclose(est.predict(X), (h @ P["W_hy"] + P["b_y"])[:, 0], rtol=1e-12)


def test_bidirectional_head_reads_forward_then_reverse_final_states():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((10, 3, 2))
    est = RNNRegressor(cell="rnn", bidirectional=True, dtype=np.float64, **SMALL)
    est.fit(X, X.sum((1, 2)))
    P = est.params_

    def run(steps, suffix):
        h = np.zeros((10, 8))
        for t in steps:
            h = np.tanh(
                X[:, t] @ P[f"W_xh_l0{suffix}"]
                + h @ P[f"W_hh_l0{suffix}"]
                + P[f"b_h_l0{suffix}"]
            )
        return h

    features = np.hstack([run([0, 1, 2], ""), run([2, 1, 0], "_reverse")])
    expected = (features @ P["W_hy"] + P["b_y"])[:, 0]
    assert_allclose(est.predict(X), expected, rtol=1e-12)
