# SPDX-License-Identifier: BSD-3-Clause
"""Numerical faults and interruptions, for all four recurrent estimators.

Numerical faults: an absurd learning rate or exploding data either fits (the
gradient clipped) or stops with one clear ValueError, and no RuntimeWarning
from NumPy; a NaN or inf never lands in a fitted model; a failing fit,
warm start or partial_fit leaves the estimator exactly as it was.

Interruptions (``KeyboardInterrupt`` raised from a monkeypatched hook): the
fit stops with MLP's warning and keeps the weights, and the optimizer's
state, of the end of the best completed epoch of the call (lowest training
loss; with early stopping, best validation score), or those from before its
first update when no epoch completed; ``loss_curve_`` and the rest record
the completed epochs only; the estimator predicts and trains on afterwards.
"""

import copy
import warnings

import numpy as np
import pytest
import sklearn
from _batches import wrap_batches
from numpy.testing import assert_array_equal
from sklearn.exceptions import ConvergenceWarning, NotFittedError

import skrnn._base
import skrnn._tasks
from skrnn import CharRNNGenerator, RNNClassifier, RNNRegressor, RNNSequenceTagger
from skrnn._engine import AdamOptimizer, RecurrentNetwork, SGDOptimizer
from skrnn._training import NonFiniteError

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

_rng = np.random.default_rng(0)
X = _rng.standard_normal((30, 5, 2))
TEXT = "the quick brown fox jumps over the lazy dog. " * 8

#: estimator, fit arguments, extra partial_fit arguments, a few batches/epoch
CASES = {
    "classifier": (
        RNNClassifier,
        (X, (X[:, 0, 0] > 0).astype(int)),
        {"classes": [0, 1]},
        {"batch_size": 10},
    ),
    "regressor": (RNNRegressor, (X, X[:, :, 0].mean(axis=1)), {}, {"batch_size": 10}),
    "tagger": (
        RNNSequenceTagger,
        (X, (np.cumsum(X[:, :, 0], axis=1) > 0).astype(int)),
        {"classes": [0, 1]},
        {"batch_size": 10},
    ),
    # shuffle=False: the same number of batches every epoch
    "generator": (
        CharRNNGenerator,
        (TEXT,),
        {},
        {"batch_size": 4, "seq_length": 8, "shuffle": False},
    ),
}
NAMES = list(CASES)

SMALL = dict(hidden_size=8, learning_rate_init=0.01, max_iter=4, random_state=0)

#: Unbounded relu states, a huge step and no clipping: a fit that overflows.
DIVERGE = dict(
    cell="rnn",
    activation="relu",
    solver="sgd",
    learning_rate_init=1e6,
    clip_norm=None,
    max_iter=10,
)


def _make(name, **params):
    Est, _, _, batches = CASES[name]
    return Est(**{**SMALL, **batches, **params})


def _fit_args(name, scale=1.0):
    """The case's data, inputs (and regression targets) scaled by ``scale``."""
    args = CASES[name][1]
    if name == "generator" or scale == 1.0:
        return args
    X_, y = args
    return X_ * scale, (y * scale if name == "regressor" else y)


def _one_batch(name):
    """Parameters that make an epoch one batch (one update)."""
    if name == "generator":
        return {"seq_length": 1000, "batch_size": 1}
    return {"batch_size": 30}


def _outputs(est):
    """What the estimator computes, for exact comparisons."""
    with np.errstate(all="ignore"):  # a diverging model's outputs may overflow
        try:
            return _compute_outputs(est)
        except ValueError as exc:  # which inference refuses, naming it
            if "outputs overflowed" not in str(exc):
                raise
            return [str(exc)]


def _compute_outputs(est):
    if isinstance(est, CharRNNGenerator):
        return [
            est.predict_proba(["the ", "lazy d"]),
            est.generate("the ", 12, temperature=0),
        ]
    if isinstance(est, RNNRegressor):
        return [est.predict(X)]
    return [np.asarray(est.predict_proba(X))]


def _assert_outputs_equal(a, b):
    assert len(a) == len(b)
    for u, v in zip(a, b, strict=True):
        assert_array_equal(u, v)


def _fitted_state(est):
    """A deep copy of every attribute but the hyperparameters.

    Methods a test monkeypatched on the instance are left out.
    """
    params = est.get_params(deep=False)
    return copy.deepcopy(
        {
            k: v
            for k, v in vars(est).items()
            if k not in params and not hasattr(type(est), k)
        }
    )


def _assert_unfitted(est):
    """Nothing of a fit is left: only the hyperparameters (and patched methods)."""
    assert _fitted_state(est) == {}
    with pytest.raises(NotFittedError):
        _outputs(est)


def assert_same(a, b, path="est"):
    """Deep equality of attributes: arrays bitwise (dtype too), objects by vars."""
    assert type(a) is type(b), path
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, path
        # what strict=True checks (numpy >= 1.24 only): same dtype and shape
        assert np.asarray(a).dtype == np.asarray(b).dtype, path
        assert np.shape(a) == np.shape(b), path
        assert_array_equal(a, b, err_msg=path)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), f"{path}: {sorted(a)} != {sorted(b)}"
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


def _finite(est):
    assert np.isfinite(est._params).all()
    for out in _outputs(est):
        if isinstance(out, np.ndarray):
            assert np.isfinite(out).all()


def _strict_warnings():
    """NumPy's RuntimeWarnings become errors: the ValueError is the only message."""
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("error", RuntimeWarning)
    warnings.simplefilter("ignore", ConvergenceWarning)
    return ctx


@pytest.fixture
def strict():
    ctx = _strict_warnings()
    yield
    ctx.__exit__(None, None, None)


# ------------------------------------------------------------ numerical faults


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "params",
    [
        dict(learning_rate_init=1e6),  # Adam: steps of ~1e6 whatever the gradient
        dict(learning_rate_init=1e6, solver="sgd"),  # clipped to 5e6 a step
        dict(learning_rate_init=1e4, cell="rnn", activation="relu"),
        dict(learning_rate_init=1e3, cell="gru", solver="sgd", clip_norm=None),
    ],
    ids=["adam", "sgd", "relu", "unclipped"],
)
def test_an_absurd_learning_rate_fits_or_raises_one_clear_error(name, params, strict):
    est = _make(name, **params)
    try:
        est.fit(*_fit_args(name))
    except ValueError as exc:
        assert isinstance(exc, NonFiniteError)
        assert "learning_rate_init" in str(exc) and "clip_norm" in str(exc)
        with pytest.raises(NotFittedError):
            _outputs(est)
    else:
        _finite(est)


@pytest.mark.parametrize("name", ["classifier", "regressor", "tagger"])
@pytest.mark.parametrize("scale", [1e10, 1e30])
@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_exploding_data_fits_or_raises_one_clear_error(name, scale, cell, strict):
    # 1e30 is finite in float32; its square is not
    est = _make(name, cell=cell)
    try:
        est.fit(*_fit_args(name, scale))
    except ValueError as exc:
        assert "scale the input data" in str(exc)
        with pytest.raises(NotFittedError):
            _outputs(est)
    else:
        _finite(est)


@pytest.mark.parametrize("name", NAMES)
def test_a_diverging_fit_leaves_a_fresh_model_unfitted(name, strict):
    est = _make(name, **DIVERGE)
    with pytest.raises(ValueError, match="non-finite") as info:
        est.fit(*_fit_args(name, 1e3))
    assert isinstance(info.value, NonFiniteError)
    assert "learning_rate_init" in str(info.value)
    _assert_unfitted(est)


@pytest.mark.parametrize("name", NAMES)
def test_a_failing_refit_keeps_the_previous_model_exactly(name, strict):
    # warm_start=False: the refit starts over, but its failure does not
    # throw away the fitted model
    est = _make(name, cell="rnn", activation="relu").fit(*_fit_args(name))
    before, outputs = _fitted_state(est), _outputs(est)
    est.set_params(**DIVERGE, random_state=1)
    with pytest.raises(NonFiniteError):
        est.fit(*_fit_args(name, 1e3))
    assert_same(_fitted_state(est), before)
    _assert_outputs_equal(_outputs(est), outputs)


@pytest.mark.parametrize("name", NAMES)
def test_a_failing_warm_start_keeps_the_previous_model_exactly(name, strict):
    est = _make(name, cell="rnn", activation="relu", warm_start=True)
    est.fit(*_fit_args(name))
    before, outputs = _fitted_state(est), _outputs(est)
    est.set_params(**DIVERGE)
    with pytest.raises(NonFiniteError):
        est.fit(*_fit_args(name, 1e3))
    assert_same(_fitted_state(est), before)
    _assert_outputs_equal(_outputs(est), outputs)
    est.set_params(solver="adam", learning_rate_init=0.01, clip_norm=5.0, max_iter=4)
    est.fit(*_fit_args(name))  # and it trains on
    _finite(est)


@pytest.mark.parametrize("name", NAMES)
def test_a_failing_partial_fit_keeps_the_previous_model_exactly(name, strict):
    est = _make(name, **DIVERGE, **_one_batch(name))  # the 1st call succeeds
    kwargs = CASES[name][2]
    args = _fit_args(name, 1e3)
    before = None
    with pytest.raises(NonFiniteError):
        for _ in range(20):
            if hasattr(est, "_params"):
                before, outputs = _fitted_state(est), _outputs(est)
            est.partial_fit(*args, **kwargs)
    assert before is not None, "the first call must succeed for this test"
    assert_same(_fitted_state(est), before)
    _assert_outputs_equal(_outputs(est), outputs)


def _patch_loss(monkeypatch, value, at_call):
    """The network's loss becomes ``value`` at a call, its gradient intact."""
    calls = []
    original = RecurrentNetwork.loss_and_grad

    def patched(self, *args, **kwargs):
        loss, *rest = original(self, *args, **kwargs)
        calls.append(None)
        return (value if len(calls) >= at_call else loss), *rest

    monkeypatch.setattr(RecurrentNetwork, "loss_and_grad", patched)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_a_non_finite_loss_with_a_finite_gradient_stops_the_fit(
    name, value, monkeypatch, strict
):
    est = _make(name, warm_start=True).fit(*_fit_args(name))
    before = _fitted_state(est)
    _patch_loss(monkeypatch, value, at_call=3)
    with pytest.raises(NonFiniteError, match=r"loss=(nan|inf)"):
        est.fit(*_fit_args(name))
    assert_same(_fitted_state(est), before)


@pytest.mark.parametrize("name", NAMES)
def test_an_overflowing_epoch_loss_stops_the_fit(name, monkeypatch, strict):
    # each batch's loss is finite; their sum over the epoch is not
    est = _make(name)
    _patch_loss(monkeypatch, 1e308, at_call=1)
    with pytest.raises(NonFiniteError, match="training loss became non-finite"):
        est.fit(*_fit_args(name))
    _assert_unfitted(est)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_weights_made_non_finite_by_the_last_update_are_refused(
    name, solver, monkeypatch, strict
):
    # one batch, one epoch: no later batch sees the bad weights, only the
    # check at the end of the epoch
    est = _make(name, solver=solver, max_iter=1, **_one_batch(name))
    Opt = AdamOptimizer if solver == "adam" else SGDOptimizer
    original = Opt.update_params

    def poisoning(self, params, grads, rows=None):
        original(self, params, grads, rows=rows)
        params[-1] = np.inf  # the last bias of the head

    monkeypatch.setattr(Opt, "update_params", poisoning)
    with pytest.raises(NonFiniteError, match="weights became non-finite"):
        est.fit(*_fit_args(name))
    _assert_unfitted(est)


@pytest.mark.parametrize("name", NAMES)
def test_a_non_finite_validation_score_stops_the_fit(name, monkeypatch, strict):
    est = _make(name, early_stopping=True, validation_fraction=0.3)
    monkeypatch.setattr(est, "_scorer", lambda *args: lambda: np.nan)
    with pytest.raises(NonFiniteError, match="validation score became non-finite"):
        est.fit(*_fit_args(name))
    _assert_unfitted(est)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_finite_gradient_whose_squared_norm_overflows_is_clipped(dtype):
    est = _make("classifier", dtype=dtype).fit(*_fit_args("classifier"))
    grads = np.full(est._params.shape, 1e30, dtype=dtype)  # 1e60 overflows float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="ignore"):  # as during training
            loss, _, _ = _task(est)._regularize(1.0, grads, 1.0)
    assert np.isfinite(loss)
    assert grads.dtype == dtype
    norm = np.linalg.norm(grads.astype(np.float64))
    assert 4.99 < norm <= 5.0 + 1e-5  # float32 rounding
    # unclipped, the norm is reported (not refused) when it is finite in float64
    grads = np.full(est._params.shape, 1e20, dtype=np.float32)
    if dtype == np.float32:
        with np.errstate(all="ignore"):
            _task(est.set_params(clip_norm=None))._regularize(1.0, grads, 1.0)
        assert_array_equal(grads, np.float32(1e20))


def test_a_failed_fit_keeps_the_attributes_set_before_it():
    # e.g. scikit-learn's metadata routing requests live in the instance
    with sklearn.config_context(enable_metadata_routing=True):
        est = _make("classifier", **DIVERGE).set_fit_request(sample_weight=True)
        requests = str(est._metadata_request)
        with pytest.raises(ValueError, match="must match"):
            est.fit(X, np.arange(29))
        assert str(est._metadata_request) == requests
        with pytest.raises(NonFiniteError):
            est.fit(*_fit_args("classifier", 1e3))
        assert str(est._metadata_request) == requests
        assert set(_fitted_state(est)) == {"_metadata_request"}


# ----------------------------------------------------------------- interruption


def _task(est):
    """The regularisation of ``est``'s batches (its task without data)."""
    return skrnn._tasks._Task(est._net, est._params, **est._regularization())


class _Recorder:
    """Records the weights and optimizer state at the start of every epoch.

    The start of epoch ``k`` (the task's ``epoch`` is called) is the end of
    epoch ``k - 1``: ``params[k]`` are the weights after ``k`` epochs.
    """

    def __init__(self, est, monkeypatch):
        self.params, self.optimizers = [], []
        run_epochs = skrnn._base.run_epochs

        def recording_run(params, optimizer, task, *args):
            epoch = task.epoch

            def recording_epoch(rng):
                self.params.append(params.copy())
                self.optimizers.append(copy.deepcopy(optimizer))
                return epoch(rng)

            task.epoch = recording_epoch
            return run_epochs(params, optimizer, task, *args)

        monkeypatch.setattr(skrnn._base, "run_epochs", recording_run)


class _Clock:
    """Counts the epochs of the current call and the batches of each epoch."""

    def __init__(self, est, monkeypatch):
        self.epoch, self.batch = -1, 0
        make_task = est._task

        def counting_task(*args):
            task = make_task(*args)
            epoch = task.epoch

            def counting_epoch(rng):
                self.epoch, self.batch = self.epoch + 1, 0
                return epoch(rng)

            task.epoch = counting_epoch
            return task

        monkeypatch.setattr(est, "_task", counting_task)

    def tick(self):
        """Return (epoch of this call, 0-based; batch of the epoch, 1-based)."""
        self.batch += 1
        return self.epoch, self.batch


def _interrupt_batch(monkeypatch, est, epoch, batch, losses=None):
    """KeyboardInterrupt at a batch of an epoch; optionally fake epoch losses."""
    clock = _Clock(est, monkeypatch)

    def interrupting(loss_and_grad, batch_, rng):
        if clock.tick() == (epoch, batch):
            raise KeyboardInterrupt
        loss, *rest = loss_and_grad(batch_, rng)
        if losses is not None:
            loss = losses[clock.epoch]
        return (loss, *rest)

    wrap_batches(monkeypatch, est, interrupting)


def _fit_interrupted(est, *args, method="fit", **kwargs):
    """Fit, expecting the interruption warning (never let it escape pytest)."""
    try:
        with pytest.warns(UserWarning, match="Training interrupted by user"):
            getattr(est, method)(*args, **kwargs)
    except KeyboardInterrupt:  # pragma: no cover - a failure, not a crash
        pytest.fail("KeyboardInterrupt escaped the fit")
    return est


def _batches_per_epoch(name):
    est = _make(name, max_iter=1)
    calls = []
    wrap_batches(None, est, lambda f, batch, rng: calls.append(None) or f(batch, rng))
    est.fit(*_fit_args(name))
    return len(calls)


@pytest.fixture(scope="module")
def per_epoch():
    return {name: _batches_per_epoch(name) for name in NAMES}


def _check_usable(est, name):
    _finite(est)
    est.partial_fit(*_fit_args(name), **CASES[name][2])  # trains on
    _finite(est)


@pytest.mark.parametrize("name", NAMES)
def test_interrupt_mid_epoch_keeps_the_best_epoch(name, per_epoch, monkeypatch):
    est = _make(name, max_iter=10)
    assert per_epoch[name] >= 3
    rec = _Recorder(est, monkeypatch)
    # epoch losses 3, 1, 2: the best is the second, not the last
    _interrupt_batch(monkeypatch, est, 3, 2, losses=[3.0, 1.0, 2.0, 0.5])
    _fit_interrupted(est, *_fit_args(name))
    assert est.loss_curve_ == [3.0, 1.0, 2.0] and est.n_iter_ == 3
    assert est.best_loss_ == 1.0 and est.loss_ == 2.0
    one_epoch = _make(name, max_iter=1).fit(*_fit_args(name)).t_
    assert est.t_ == 3 * one_epoch  # the interrupted epoch is not counted
    assert_array_equal(est._params, rec.params[2])
    assert_same(est._optimizer, rec.optimizers[2])
    monkeypatch.undo()
    _check_usable(est, name)


@pytest.mark.parametrize("name", NAMES)
def test_interrupt_in_the_first_epoch_keeps_the_initial_weights(
    name, per_epoch, monkeypatch
):
    est = _make(name)
    rec = _Recorder(est, monkeypatch)
    _interrupt_batch(monkeypatch, est, 0, 2)
    _fit_interrupted(est, *_fit_args(name))
    assert est.loss_curve_ == [] and est.n_iter_ == 0 and est.t_ == 0
    assert not hasattr(est, "loss_")
    assert_array_equal(est._params, rec.params[0])
    assert_same(est._optimizer, rec.optimizers[0])
    monkeypatch.undo()
    _check_usable(est, name)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("solver", ["adam", "sgd"])
@pytest.mark.parametrize("epoch", [0, 2])
def test_interrupt_inside_the_optimizer_update_never_keeps_half_updated_weights(
    name, solver, epoch, per_epoch, monkeypatch
):
    est = _make(name, solver=solver, max_iter=10)
    rec = _Recorder(est, monkeypatch)
    Opt = AdamOptimizer if solver == "adam" else SGDOptimizer
    original = Opt.update_params
    clock = _Clock(est, monkeypatch)

    def half_update(self, params, grads, rows=None):
        if clock.tick() == (epoch, 2):
            # the in-place work done before the interruption: the state
            # moved, half of the weights too
            for state in (getattr(self, n, None) for n in ("m", "v", "velocity")):
                if state is not None:
                    state += 1.0
            if hasattr(self, "t"):
                self.t += 1
            params[: params.size // 2] -= 0.5
            raise KeyboardInterrupt
        return original(self, params, grads, rows=rows)

    monkeypatch.setattr(Opt, "update_params", half_update)
    _fit_interrupted(est, *_fit_args(name))
    assert est.n_iter_ == len(est.loss_curve_) == epoch
    best = int(np.argmin(est.loss_curve_)) + 1 if epoch else 0
    assert_array_equal(est._params, rec.params[best])
    assert_same(est._optimizer, rec.optimizers[best])
    monkeypatch.undo()
    _check_usable(est, name)


@pytest.mark.parametrize("name", NAMES)
def test_interrupt_during_the_epoch_bookkeeping_undoes_the_epoch(name, monkeypatch):
    # the validation score is computed after the epoch's updates, before its
    # bookkeeping: the interrupted epoch leaves no trace
    est = _make(name, early_stopping=True, validation_fraction=0.3, max_iter=10)
    rec = _Recorder(est, monkeypatch)
    scores = iter([0.5, 0.9, 0.7])
    make_scorer = est._scorer

    def scripted_scorer(*args):
        original = make_scorer(*args)

        def score():
            original()
            try:
                return next(scores)
            except StopIteration:
                raise KeyboardInterrupt from None

        return score

    monkeypatch.setattr(est, "_scorer", scripted_scorer)
    _fit_interrupted(est, *_fit_args(name))
    assert est.validation_scores_ == [0.5, 0.9, 0.7]
    assert len(est.loss_curve_) == est.n_iter_ == 3
    assert est.best_validation_score_ == 0.9
    assert_array_equal(est._params, rec.params[2])  # the best, not the last
    assert_array_equal(est._best_params, rec.params[2])
    assert_same(est._optimizer, rec.optimizers[2])
    monkeypatch.undo()
    _finite(est)
    est.fit(*_fit_args(name))  # a new fit works


@pytest.mark.parametrize("name", NAMES)
def test_an_interrupted_warm_start_keeps_the_previous_model(name, monkeypatch):
    est = _make(name, warm_start=True).fit(*_fit_args(name))
    before, outputs = _fitted_state(est), _outputs(est)
    _interrupt_batch(monkeypatch, est, 0, 2)  # in the first epoch of the call
    _fit_interrupted(est, *_fit_args(name))
    monkeypatch.undo()
    after = _fitted_state(est)
    assert after.pop("n_iter_") == 0  # the epochs of this call: none
    before.pop("n_iter_")
    assert_same(after, before)
    _assert_outputs_equal(_outputs(est), outputs)


@pytest.mark.parametrize("name", NAMES)
def test_an_interrupted_partial_fit_keeps_the_previous_model(
    name, per_epoch, monkeypatch
):
    kwargs = CASES[name][2]
    est = _make(name).partial_fit(*_fit_args(name), **kwargs)
    est.partial_fit(*_fit_args(name), **kwargs)
    before, outputs = _fitted_state(est), _outputs(est)
    _interrupt_batch(monkeypatch, est, 0, per_epoch[name])  # its last batch
    _fit_interrupted(est, *_fit_args(name), method="partial_fit", **kwargs)
    monkeypatch.undo()
    after = _fitted_state(est)
    assert after.pop("n_iter_") == 0
    before.pop("n_iter_")
    assert_same(after, before)
    _assert_outputs_equal(_outputs(est), outputs)


@pytest.mark.parametrize("name", NAMES)
def test_an_interrupt_before_training_restores_and_propagates(name, monkeypatch):
    # outside the epochs (reading the data) the interruption is the user's:
    # it propagates, and the model is as before the call
    est = _make(name, warm_start=True).fit(*_fit_args(name))
    before = _fitted_state(est)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(est, "_split", interrupted)
    with pytest.raises(KeyboardInterrupt):
        est.fit(*_fit_args(name))
    assert_same(_fitted_state(est), before)
