# SPDX-License-Identifier: BSD-3-Clause
"""Every training parameter reaches what it controls, for every estimator.

A parameter that is accepted, validated and then ignored would pass every
test that only fits and predicts. Each test here states what the parameter
must do, exactly, and compares the fit with a hand-run of the engine: the
penalty added to the loss and the gradient (``alpha``), the optimizer's
update (``solver``, ``beta_1``, ``beta_2``, ``epsilon``, ``momentum``,
``nesterovs_momentum``), the minibatches (``batch_size``), the dtype of the
arithmetic (``dtype``), the clipping (``clip_norm``), and for the tagger the
warm start and early stopping's restored weights.

The fits are spied on through their training task's ``loss_and_grad``
(``tests/_batches.py``): for every optimizer step it records the weights
before the step and the gradient the optimizer receives (penalised and
clipped).
"""

import math
import warnings
from typing import NamedTuple

import numpy as np
import pytest
from _batches import record_validation
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning

from skrnn import CharRNNGenerator, RNNClassifier, RNNRegressor, RNNSequenceTagger
from skrnn._engine.losses import log_softmax
from skrnn._engine.optimizers import AdamOptimizer, SGDOptimizer
from skrnn._engine.packing import pack_array

ESTIMATORS = [RNNClassifier, RNNRegressor, RNNSequenceTagger, CharRNNGenerator]
SEQUENCE_ESTIMATORS = [RNNClassifier, RNNRegressor, RNNSequenceTagger]
N_SEQUENCES, N_STEPS = 30, 5
N_TOKENS = 300

#: float64, so that a fit and its hand-run can be compared bit for bit; no
#: stop on the loss, so that every fit runs max_iter epochs.
BASE = dict(
    hidden_size=6,
    learning_rate_init=0.01,
    tol=0.0,
    n_iter_no_change=1000,
    dtype=np.float64,
    random_state=0,
)


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _data(Est, seed=0):
    rng = np.random.default_rng(seed)
    if Est is CharRNNGenerator:
        return "".join(rng.choice(list("abcde"), size=N_TOKENS)), None
    X = rng.standard_normal((N_SEQUENCES, N_STEPS, 2))
    if Est is RNNClassifier:
        return X, (X[:, 0, 0] > 0).astype(int)
    if Est is RNNRegressor:
        return X, X[:, :, 0].mean(axis=1)
    return X, (X[:, :, 0] > X[:, :, 1]).astype(int)  # a label per step


def _make(Est, **params):
    extra = {"seq_length": 8} if Est is CharRNNGenerator else {}
    return Est(**{**BASE, **extra, **params})


def _fit(est, X, y):
    return est.fit(X) if isinstance(est, CharRNNGenerator) else est.fit(X, y)


class Step(NamedTuple):
    params: np.ndarray  # the weights before the step
    loss: float  # penalised loss of the batch
    grads: np.ndarray  # what the optimizer receives: penalised, clipped
    n: int  # the batch's size as the loop counts it (t_)
    batch: np.ndarray  # sequences of the batch (streams for the generator)


def _fit_recording(est, X, y, fit=None):
    """Fit ``est`` and return one :class:`Step` per optimizer update.

    ``fit(est, X, y)`` is the call (:func:`_fit` when None).
    """
    steps = []
    make_task = est._task

    def recording_task(net, params, train):
        task = make_task(net, params, train)
        loss_and_grad = task.loss_and_grad

        def recording(batch, rng):
            before = params.copy()
            loss, grads, norm, n, targets, rows = loss_and_grad(batch, rng)
            ids = batch[1] if isinstance(est, CharRNNGenerator) else batch
            steps.append(Step(before, loss, grads.copy(), n, np.array(ids)))
            return loss, grads, norm, n, targets, rows

        task.loss_and_grad = recording
        return task

    est._task = recording_task
    try:
        (fit or _fit)(est, X, y)
    finally:
        del est._task
    return steps


def _normalizer(Est, step):
    """What the batch's loss is averaged over: sequences, steps or tokens."""
    return step.n * N_STEPS if Est is RNNSequenceTagger else step.n


# alpha ------------------------------------------------------------------------------


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_alpha_adds_the_l2_penalty_of_the_weights(Est):
    """alpha / n * W is added to the gradient of the weights (not the biases),
    and alpha / (2 n) * ||W||^2 to the loss, n the batch's size (MLP's rule)."""
    X, y = _data(Est)
    alpha = 0.3
    kwargs = dict(max_iter=1, clip_norm=None, shuffle=False)
    est = _make(Est, alpha=alpha, **kwargs)
    penalised = _fit_recording(est, X, y)[0]
    plain = _fit_recording(_make(Est, alpha=0.0, **kwargs), X, y)[0]
    assert_array_equal(penalised.params, plain.params)  # the same first step
    n = _normalizer(Est, penalised)
    layout = est._net.layout
    names = [name for name in layout.names if name.startswith("W_")]
    assert {"W_xh_l0", "W_hh_l0", "W_hy"} <= set(names)
    assert [layout.offsets[name] for name in names] == list(est._net.weight_spans)
    W = layout.views(penalised.params)
    expected = np.zeros_like(penalised.params)
    E = layout.views(expected)
    for name in names:
        E[name][...] = alpha / n * W[name]
    assert_allclose(penalised.grads - plain.grads, expected, rtol=1e-9, atol=1e-15)
    penalty = 0.5 * alpha / n * sum(float(np.sum(W[name] ** 2)) for name in names)
    assert penalised.loss - plain.loss == pytest.approx(penalty, rel=1e-9)


# the optimizer's parameters ------------------------------------------------------

SOLVERS = {
    "adam": dict(solver="adam", beta_1=0.5, beta_2=0.9, epsilon=1e-2),
    "sgd-nesterov": dict(solver="sgd", momentum=0.6, nesterovs_momentum=True),
    "sgd-classic": dict(solver="sgd", momentum=0.6, nesterovs_momentum=False),
}
#: The value each parameter takes if it is ignored (the optimizer's default).
IGNORED = dict(beta_1=0.9, beta_2=0.999, epsilon=1e-8, momentum=0.9)


def _replay(steps, lr, params, check=True):
    """Run the engine's optimizer by hand on the recorded gradients.

    With ``check``, the weights before each step must be the fit's, bit for
    bit. Returns the weights after the last step.
    """
    w = steps[0].params.copy()
    if params["solver"] == "adam":
        args = (params["beta_1"], params["beta_2"], params["epsilon"])
        optimizer = AdamOptimizer(w, lr, *args)
    else:
        args = (params["momentum"], params["nesterovs_momentum"])
        optimizer = SGDOptimizer(w, lr, *args)
    for k, step in enumerate(steps):
        if check:
            assert_array_equal(w, step.params, err_msg=f"before step {k}")
        optimizer.update_params(w, step.grads)
    return w


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", sorted(SOLVERS))
def test_solver_parameters_reach_the_optimizer(Est, solver):
    """The fit is the engine's optimizer, with these values, on its gradients."""
    X, y = _data(Est)
    params = SOLVERS[solver]
    est = _make(Est, **params, batch_size=7, max_iter=2)
    steps = _fit_recording(est, X, y)
    assert len(steps) >= 6
    assert type(est._optimizer) is (
        AdamOptimizer if params["solver"] == "adam" else SGDOptimizer
    )
    lr = est.learning_rate_init
    assert_array_equal(_replay(steps, lr, params), est._params)
    # each value matters here: the default in its place gives other weights
    for name in params:
        if name == "solver":
            continue
        if name == "nesterovs_momentum":
            other = {**params, name: not params[name]}
        else:
            other = {**params, name: IGNORED[name]}
        changed = _replay(steps, lr, other, check=False)
        assert np.abs(changed - est._params).max() > 1e-6, name


# weight_decay and learning_rate -------------------------------------------------


def _replay_schedule(steps, rates, params, decay=None, check=True):
    """Replay the recorded gradients with ``rates[k]`` as step ``k``'s base rate.

    ``decay`` is ``(weight_decay, decay_spans)``; ``check`` as for
    :func:`_replay`. Returns the final weights.
    """
    w = steps[0].params.copy()
    extra = {} if decay is None else dict(weight_decay=decay[0], decay_spans=decay[1])
    if params["solver"] == "adam":
        args = (params["beta_1"], params["beta_2"], params["epsilon"])
        optimizer = AdamOptimizer(w, rates[0], *args, **extra)
    else:
        args = (params["momentum"], params["nesterovs_momentum"])
        optimizer = SGDOptimizer(w, rates[0], *args, **extra)
    for k, step in enumerate(steps):
        if check:
            assert_array_equal(w, step.params, err_msg=f"before step {k}")
        optimizer.base_learning_rate = rates[k]
        optimizer.update_params(w, step.grads)
    return w


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("solver", ["adam", "sgd-nesterov"])
def test_weight_decay_decays_the_weights_not_the_biases(Est, solver):
    """weight_decay is the optimizer's decoupled decay of the weight matrices
    that the L2 penalty covers (here all of them; not the biases)."""
    X, y = _data(Est)
    params = SOLVERS[solver]
    est = _make(Est, **params, batch_size=7, max_iter=2, weight_decay=0.5)
    steps = _fit_recording(est, X, y)
    spans = est._optimizer.decay_spans
    net = est._net
    assert {"W_xh_l0", "W_hh_l0", "W_hy"} <= set(net.weight_names)
    assert list(spans) == [net.layout.offsets[n] for n in net.weight_names]
    assert est._optimizer.weight_decay == 0.5
    lr = [est.learning_rate_init] * len(steps)
    assert_array_equal(_replay_schedule(steps, lr, params, (0.5, spans)), est._params)
    plain = _replay_schedule(steps, lr, params, check=False)
    assert np.abs(plain - est._params).max() > 1e-4  # the decay matters


#: The base rate of each epoch of a 4-epoch fit at 0.01 (cosine over max_iter).
COSINE_RATES = [0.01 * 0.5 * (1 + math.cos(math.pi * e / 4)) for e in range(4)]


@pytest.mark.parametrize("Est", SEQUENCE_ESTIMATORS)
@pytest.mark.parametrize("solver", ["adam", "sgd-classic"])
def test_learning_rate_schedules_set_each_epochs_rate(Est, solver):
    """'cosine' and 'invscaling' change the base rate at each epoch's start."""
    X, y = _data(Est)
    params = SOLVERS[solver]
    per_epoch = math.ceil(N_SEQUENCES / 7)
    for schedule in ["cosine", "invscaling"]:
        est = _make(
            Est, **params, batch_size=7, max_iter=4, learning_rate=schedule, power_t=0.3
        )
        steps = _fit_recording(est, X, y)
        assert len(steps) == 4 * per_epoch
        if schedule == "cosine":
            epoch_rates = COSINE_RATES
        else:  # after t samples, MLP's rule
            epoch_rates = [0.01 / (e * N_SEQUENCES + 1) ** 0.3 for e in range(4)]
        rates = [r for r in epoch_rates for _ in range(per_epoch)]
        assert_array_equal(_replay_schedule(steps, rates, params), est._params)
        assert est._optimizer.base_learning_rate == pytest.approx(epoch_rates[-1])


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_adaptive_learning_rate_divides_by_five_on_a_plateau(Est, capsys):
    """'adaptive' (MLP's): a plateau divides the rate by 5 instead of stopping."""
    X, y = _data(Est)
    # tol this large: no epoch after the first improves; the count of epochs
    # without improvement passes n_iter_no_change at epochs 3 and 5
    est = _make(
        Est,
        learning_rate="adaptive",
        tol=1e9,
        n_iter_no_change=1,
        max_iter=6,
        verbose=True,
    )
    _fit(est, X, y)
    assert est.n_iter_ == 6  # a constant rate stops after 3 epochs
    assert est._optimizer.base_learning_rate == pytest.approx(0.01 / 25)
    assert capsys.readouterr().out.count("Setting learning rate to") == 2
    constant = _make(Est, tol=1e9, n_iter_no_change=1, max_iter=6)
    _fit(constant, X, y)
    assert constant.n_iter_ == 3


def test_adaptive_learning_rate_stops_at_its_floor():
    """Below 1e-6 'adaptive' stops as a constant rate does."""
    X, y = _data(RNNSequenceTagger)
    est = _make(
        RNNSequenceTagger,
        learning_rate="adaptive",
        learning_rate_init=2e-6,
        tol=1e9,
        n_iter_no_change=1,
        max_iter=50,
    )
    est.fit(X, y)
    # 3 epochs at 2e-6 (the first improves), 2 at 4e-7 (at the floor): stop
    assert est.n_iter_ == 5
    assert est._optimizer.base_learning_rate == pytest.approx(4e-7)


# dropout -------------------------------------------------------------------------

DROPOUTS = ["input_dropout", "recurrent_dropout", "output_dropout"]


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("name", DROPOUTS)
def test_dropout_of_one_layer_masks_training_not_prediction(Est, name):
    """Each dropout changes a one-layer model's first gradient, reproducibly,
    and never its predictions."""
    X, y = _data(Est)
    kwargs = dict(max_iter=1, clip_norm=None, shuffle=False, num_layers=1)
    dropped = _fit_recording(_make(Est, **{name: 0.5}, **kwargs), X, y)[0]
    again = _make(Est, **{name: 0.5}, **kwargs)
    assert_array_equal(_fit_recording(again, X, y)[0].grads, dropped.grads)
    plain = _fit_recording(_make(Est, **kwargs), X, y)[0]
    assert_array_equal(dropped.params, plain.params)
    assert np.abs(dropped.grads - plain.grads).max() > 1e-6
    if Est is CharRNNGenerator:
        X = ["abcde", "eda", "c"]
    assert_allclose(_outputs(again, X), _engine_outputs(again, X), rtol=1e-12)


@pytest.mark.parametrize("Est", SEQUENCE_ESTIMATORS)
def test_each_partial_fit_shuffles_and_drops_anew_reproducibly(Est):
    """With an int random_state, each partial_fit call draws its own shuffle
    and dropout masks (not the first call's again), and the same calls on a
    new model give the same weights."""
    X, y = _data(Est)
    kwargs = dict(batch_size=7, recurrent_dropout=0.3, input_dropout=0.3)

    def run():
        est, batches, steps = _make(Est, **kwargs), [], []
        for _ in range(3):
            call = _fit_recording(est, X, y, fit=_partial_fit)
            batches.append(np.concatenate([s.batch for s in call]))
            steps.append(call)
        return est, batches, steps

    est, batches, steps = run()
    assert not np.array_equal(batches[0], batches[1])
    assert not np.array_equal(batches[1], batches[2])
    again, batches_again, _ = run()
    assert_array_equal(again._params, est._params)
    for first, second in zip(batches, batches_again, strict=True):
        assert_array_equal(first, second)


def _partial_fit(est, X, y):
    if isinstance(est, (RNNClassifier, RNNSequenceTagger)):
        return est.partial_fit(X, y, classes=[0, 1])
    return est.partial_fit(X, y)


# batch_size ----------------------------------------------------------------------


@pytest.mark.parametrize("Est", SEQUENCE_ESTIMATORS)
@pytest.mark.parametrize(
    "batch_size, sizes", [(7, [7, 7, 7, 7, 2]), ("auto", [N_SEQUENCES])]
)
def test_batch_size_sets_the_minibatches(Est, batch_size, sizes):
    """batch_size sequences per optimizer step; 'auto' is min(200, n)."""
    X, y = _data(Est)
    est = _make(Est, batch_size=batch_size, max_iter=2)
    steps = _fit_recording(est, X, y)
    assert [len(s.batch) for s in steps] == sizes * 2
    assert [s.n for s in steps] == sizes * 2
    assert est._optimizer.t == 2 * len(sizes)  # Adam's updates
    # each epoch covers every sequence once, in a new random order
    epochs = [steps[: len(sizes)], steps[len(sizes) :]]
    for epoch in epochs:
        ids = np.concatenate([s.batch for s in epoch])
        assert_array_equal(np.sort(ids), np.arange(N_SEQUENCES))
    if batch_size != "auto":
        first, second = (np.concatenate([s.batch for s in e]) for e in epochs)
        assert not np.array_equal(first, second)


@pytest.mark.parametrize(
    "batch_size, n_streams, n_steps",
    # 299 targets: 7 streams of 42-43 tokens read in windows of 8 (6 steps);
    # 'auto' is 64 streams, capped at 299 // 8 = 37 of 8-9 tokens (2 steps)
    [(7, 7, 6), ("auto", 37, 2)],
)
def test_generator_batch_size_is_the_number_of_streams(batch_size, n_streams, n_steps):
    X, _ = _data(CharRNNGenerator)
    est = _make(CharRNNGenerator, batch_size=batch_size, max_iter=1, shuffle=False)
    steps = _fit_recording(est, X, None)
    assert len(steps) == n_steps == est._optimizer.t
    assert len(steps[0].batch) == n_streams
    assert all(len(s.batch) <= n_streams for s in steps)
    assert sum(s.n for s in steps) == N_TOKENS - 1 == est.t_


# dtype ---------------------------------------------------------------------------


def _outputs(est, X):
    if isinstance(est, RNNClassifier):
        return est.predict_proba(X)
    if isinstance(est, RNNRegressor):
        return est.predict(X)
    if isinstance(est, RNNSequenceTagger):
        return np.stack(est.predict_proba(X))
    return est.predict_proba(X)


def _engine_outputs(est, X):
    """The same outputs, from the engine's forward pass in float64."""
    net, w = est._net, est._params
    if isinstance(est, CharRNNGenerator):
        rows = []
        for context in X:
            codes = np.searchsorted(est.classes_, list(context))
            x, packing = pack_array(codes[None, :])
            rows.append(net.forward(w, x, packing)[0][-1])
        return np.exp(log_softmax(np.array(rows)))
    x, packing = pack_array(X, dtype=np.float64)
    out = net.forward(w, x, packing)[0]
    if isinstance(est, RNNRegressor):
        return out[:, 0]
    if isinstance(est, RNNSequenceTagger):  # packed rows are time-major
        out = out.reshape(X.shape[1], X.shape[0], -1).transpose(1, 0, 2)
    return np.exp(log_softmax(out))


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_dtype_float64_reaches_weights_gradients_optimizer_and_outputs(Est):
    X, y = _data(Est)
    est = _make(Est, max_iter=2, batch_size=7)  # BASE: dtype=np.float64
    steps = _fit_recording(est, X, y)
    assert all(v.dtype == np.float64 for v in est.params_.values())
    assert all(s.grads.dtype == np.float64 for s in steps)
    assert est._optimizer.m.dtype == est._optimizer.v.dtype == np.float64
    if Est is CharRNNGenerator:
        X = ["abcde", "eda", "c"]
    else:
        X = X.astype(np.float32)  # float32 input is computed in float64 too
    out = _outputs(est, X)
    assert out.dtype == np.float64
    # float32 arithmetic anywhere would be off by ~1e-7
    assert_allclose(out, _engine_outputs(est, X), rtol=1e-12, atol=1e-15)


# clip_norm -----------------------------------------------------------------------


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_clip_norm_bounds_the_gradient_and_none_leaves_it(Est):
    """clip_norm=c scales the gradient by c / (norm + 1e-6) when it exceeds c;
    None never clips (unlike the default, 5)."""
    X, y = _data(Est)

    def first_gradient(clip_norm):
        # a strong L2 penalty takes the gradient's norm well above 5
        est = _make(Est, alpha=2000.0, clip_norm=clip_norm, max_iter=1, shuffle=False)
        return _fit_recording(est, X, y)[0].grads

    unclipped = first_gradient(None)
    norm = float(np.linalg.norm(unclipped))
    assert norm > 5.0 * 1.5  # the default bound would clip it
    assert_array_equal(first_gradient(10.0 * norm), unclipped)
    for bound in [norm / 4, 5.0]:
        clipped = first_gradient(bound)
        assert_allclose(clipped, unclipped * (bound / (norm + 1e-6)), rtol=1e-12)
        assert np.linalg.norm(clipped) == pytest.approx(bound, rel=1e-6)


# the tagger's warm start and early stopping --------------------------------------

#: Full batch, no shuffling, no optimizer state: 3 + 3 epochs == 6 epochs.
PLAIN_GD = dict(solver="sgd", momentum=0.0, learning_rate_init=0.05, shuffle=False)


def test_tagger_warm_start_continues_from_the_previous_weights():
    X, y = _data(RNNSequenceTagger)
    warm = _make(RNNSequenceTagger, **PLAIN_GD, max_iter=3, warm_start=True)
    first = _fit_recording(warm, X, y)
    after_first = warm._params.copy()
    curve = list(warm.loss_curve_)
    second = _fit_recording(warm, X, y)
    assert_array_equal(second[0].params, after_first)
    assert warm.loss_curve_[:3] == curve and len(warm.loss_curve_) == 6
    once = _make(RNNSequenceTagger, **PLAIN_GD, max_iter=6)
    _fit(once, X, y)
    assert_array_equal(warm._params, once._params)
    assert warm.loss_curve_ == once.loss_curve_
    # without warm_start, a second fit starts again from the initial weights
    cold = _make(RNNSequenceTagger, **PLAIN_GD, max_iter=3)
    _fit(cold, X, y)
    again = _fit_recording(cold, X, y)
    assert_array_equal(again[0].params, first[0].params)
    assert cold.loss_curve_ == curve


def test_tagger_early_stopping_restores_the_best_epochs_weights(monkeypatch):
    X, y = _data(RNNSequenceTagger, seed=1)
    flip = np.random.default_rng(2).random(y.shape) < 0.2  # label noise
    y = np.where(flip, 1 - y, y)
    est = _make(
        RNNSequenceTagger,
        learning_rate_init=0.05,
        early_stopping=True,
        validation_fraction=0.3,
        n_iter_no_change=3,
        tol=1e-4,
        max_iter=100,
    )
    seen, _ = record_validation(monkeypatch, est)  # after each epoch
    _fit(est, X, y)
    scores = [s for s, _ in seen]
    assert scores == est.validation_scores_
    best = int(np.argmax(scores))
    assert best < len(scores) - 1, "the test needs a best epoch before the last"
    assert not np.array_equal(seen[-1][1], seen[best][1])
    assert_array_equal(est._params, seen[best][1])
    assert est.best_validation_score_ == scores[best]


def test_the_first_adam_step_of_a_fit_computed_by_hand():
    """Adam's first update, written out (MLP's rule, the defaults)."""
    X, y = _data(RNNRegressor)
    est = _make(RNNRegressor, max_iter=1, learning_rate_init=0.01, clip_norm=None)
    step = _fit_recording(est, X, y)[0]
    g = step.grads
    lr_t = 0.01 * math.sqrt(1 - 0.999) / (1 - 0.9)
    expected = step.params - lr_t * (0.1 * g) / (np.sqrt(0.001 * g**2) + 1e-8)
    assert_allclose(est._params, expected, rtol=1e-13, atol=1e-16)
