# SPDX-License-Identifier: BSD-3-Clause
"""Tests for skrnn._engine.optimizers (modelled on sklearn's
neural_network/tests/test_stochastic_optimizers.py).

The optimizers, the clipping and the penalty work on one flat buffer: the
parameters (and their gradient) of a network are one contiguous 1-D array.
"""

import inspect
import math
import pickle
import tracemalloc

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skrnn._engine import RecurrentNetwork
from skrnn._engine.optimizers import (
    AdamOptimizer,
    SGDOptimizer,
    add_l2_penalty,
    clip_grad_norm,
)

SIZE = 60  # parameters of the flat buffer
N_STEPS = 5


def _random_flat(rng, dtype=np.float64):
    return rng.standard_normal(SIZE).astype(dtype)


def _state_arrays(optimizer):
    if isinstance(optimizer, AdamOptimizer):
        return [optimizer.m, optimizer.v]
    return [optimizer.velocity]


# --- SGD -----------------------------------------------------------------


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_no_momentum_is_plain_sgd(nesterov):
    rng = np.random.RandomState(0)
    for lr in [10.0**i for i in range(-3, 4)]:
        params = _random_flat(rng)
        optimizer = SGDOptimizer(params, lr, momentum=0.0, nesterov=nesterov)
        for _ in range(N_STEPS):
            grads = _random_flat(rng)
            expected = params - lr * grads
            optimizer.update_params(params, grads)
            assert_allclose(params, expected, rtol=1e-15, atol=1e-15 * lr)


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("momentum", [0.5, 0.7, 0.9])
def test_sgd_momentum_several_steps(momentum, nesterov):
    rng = np.random.RandomState(1)
    lr = 0.1
    params = _random_flat(rng)
    optimizer = SGDOptimizer(params, lr, momentum=momentum, nesterov=nesterov)
    velocity = np.zeros(SIZE)
    for _ in range(N_STEPS):
        grads = _random_flat(rng)
        # Hand-written rule of sklearn's SGDOptimizer.
        velocity = momentum * velocity - lr * grads
        update = momentum * velocity - lr * grads if nesterov else velocity
        expected = params + update
        optimizer.update_params(params, grads)
        assert_array_equal(params, expected)
        assert_array_equal(optimizer.velocity, velocity)


def test_sgd_nesterov_hand_computed():
    # lr=0.1, mu=0.5, p0=1, g=2 then g=-1.
    # step 1: v = -0.2,  nesterov update = 0.5*(-0.2) - 0.2 = -0.3  -> p = 0.7
    # step 2: v = 0.5*(-0.2) + 0.1 = 0.0, update = 0 + 0.1 = 0.1  -> p = 0.8
    param = np.array([1.0])
    optimizer = SGDOptimizer(param, learning_rate_init=0.1, momentum=0.5)
    optimizer.update_params(param, np.array([2.0]))
    assert_allclose(param, [0.7])
    optimizer.update_params(param, np.array([-1.0]))
    assert_allclose(param, [0.8])
    assert_allclose(optimizer.velocity, [0.0], atol=1e-15)


# --- Adam ----------------------------------------------------------------


def test_adam_first_step_bias_correction():
    lr, beta_1, beta_2, eps = 0.01, 0.9, 0.999, 1e-8
    grad = np.array([3.0, -0.2, 0.05, 50.0])
    param = np.zeros_like(grad)
    optimizer = AdamOptimizer(param, lr, beta_1, beta_2, eps)
    optimizer.update_params(param, grad)
    # By hand at t=1: m = (1-b1) g, v = (1-b2) g**2,
    # lr_t = lr sqrt(1-b2) / (1-b1), update = -lr_t m / (sqrt(v) + eps)
    lr_t = lr * math.sqrt(1 - beta_2) / (1 - beta_1)
    denom = math.sqrt(1 - beta_2) * np.abs(grad) + eps
    expected = -lr_t * (1 - beta_1) * grad / denom
    assert optimizer.t == 1
    assert optimizer.learning_rate == pytest.approx(lr_t, rel=1e-15)
    assert_allclose(param, expected, rtol=1e-14)
    # ... which is about -lr * sign(g), whatever the gradient's scale.
    assert_allclose(param, -lr * np.sign(grad), rtol=1e-4)


def test_adam_several_steps_against_reference():
    rng = np.random.RandomState(2)
    lr, beta_1, beta_2, eps = 0.003, 0.8, 0.99, 1e-7
    params = _random_flat(rng)
    optimizer = AdamOptimizer(params, lr, beta_1, beta_2, eps)
    m, v = np.zeros(SIZE), np.zeros(SIZE)
    for t in range(1, N_STEPS + 1):
        grads = _random_flat(rng)
        m = beta_1 * m + (1 - beta_1) * grads
        v = beta_2 * v + (1 - beta_2) * grads**2
        lr_t = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        expected = params - lr_t * m / (np.sqrt(v) + eps)
        optimizer.update_params(params, grads)
        assert optimizer.t == t
        assert_allclose(params, expected, rtol=1e-14, atol=1e-16)
        assert_allclose(optimizer.m, m, rtol=1e-14, atol=1e-16)
        assert_allclose(optimizer.v, v, rtol=1e-14, atol=1e-16)


def test_adam_from_given_state_matches_sklearn_formula():
    # sklearn's test: start from random moments at t=9, take step t=10.
    rng = np.random.RandomState(3)
    lr, eps, t = 0.001, 1e-8, 10
    for beta_1 in [0.9, 0.95]:
        for beta_2 in [0.995, 0.999]:
            params = np.zeros(SIZE)
            optimizer = AdamOptimizer(params, lr, beta_1, beta_2, eps)
            m, v = rng.random_sample(SIZE), rng.random_sample(SIZE)
            optimizer.m, optimizer.v = m.copy(), v.copy()
            optimizer.t = t - 1
            grads = rng.random_sample(SIZE)
            m = beta_1 * m + (1 - beta_1) * grads
            v = beta_2 * v + (1 - beta_2) * (grads**2)
            lr_t = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
            expected = params + -lr_t * m / (np.sqrt(v) + eps)
            optimizer.update_params(params, grads)
            assert_array_equal(params, expected)


# --- shared behaviour ------------------------------------------------------

OPTIMIZERS = [
    pytest.param(
        lambda p, **kw: SGDOptimizer(p, momentum=0.9, nesterov=True, **kw), id="sgd"
    ),
    pytest.param(lambda p, **kw: AdamOptimizer(p, **kw), id="adam"),
]


@pytest.mark.parametrize("make", OPTIMIZERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(make, dtype):
    rng = np.random.RandomState(4)
    params = _random_flat(rng, dtype=dtype)
    optimizer = make(params)
    for _ in range(3):
        optimizer.update_params(params, _random_flat(rng, dtype=dtype))
    assert params.dtype == dtype
    assert all(s.dtype == dtype for s in _state_arrays(optimizer))
    assert np.isfinite(params).all()


@pytest.mark.parametrize("decay", ["none", "spans", "whole"])
@pytest.mark.parametrize("make", OPTIMIZERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_update_allocates_no_array(make, dtype, decay):
    # numpy reports its data buffers to tracemalloc: a float64 temporary (or
    # any full-size temporary, a float64 copy of a decayed part of a third of
    # the buffer, say) would show up as a peak of >= params.nbytes / 3.
    n = 100_000
    params = np.ones(n, dtype=dtype)
    grads = np.full(n, 0.25, dtype=dtype)
    spans = [(0, n // 3), (n // 2, n)] if decay == "spans" else None
    weight_decay = 0.0 if decay == "none" else 0.01
    optimizer = make(params, weight_decay=weight_decay, decay_spans=spans)
    optimizer.update_params(params, grads)  # allocates the scratch buffers
    tracemalloc.start()
    try:
        optimizer.update_params(params, grads)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < params.nbytes // 10


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_update_is_in_place_and_keeps_no_reference(make):
    rng = np.random.RandomState(5)
    params = rng.standard_normal(SIZE)
    before = params.copy()
    optimizer = make(params)
    optimizer.update_params(params, np.ones(SIZE))
    assert np.all(params < before)
    assert not any(np.shares_memory(s, params) for s in _state_arrays(optimizer))


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_mismatched_shapes_raise_naming_them(make):
    params = np.zeros(SIZE)
    optimizer = make(params)
    with pytest.raises(ValueError, match=r"params has shape \(60,\), grads has"):
        optimizer.update_params(params, np.zeros(SIZE - 1))
    other = np.zeros(3)
    with pytest.raises(ValueError, match=r"\(3,\).*optimizer's state.*\(60,\)"):
        optimizer.update_params(other, np.zeros(3))
    with pytest.raises(ValueError, match="must be ndarrays"):
        optimizer.update_params([params], [np.zeros(SIZE)])  # the old list form
    assert not params.any() and not other.any()


@pytest.mark.parametrize("make", OPTIMIZERS)
@pytest.mark.parametrize(
    "params", [[np.zeros(3), np.zeros(2)], np.zeros((2, 3)), 1.0], ids=repr
)
def test_params_must_be_one_flat_array(make, params):
    with pytest.raises(ValueError, match="one flat 1-D ndarray"):
        make(params)


def _after_one_update(make, seed):
    """``(rng, params, optimizer)``: an optimizer with state, after an update."""
    rng = np.random.RandomState(seed)
    params = _random_flat(rng)
    optimizer = make(params)
    optimizer.update_params(params, _random_flat(rng))
    return rng, params, optimizer


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_pickle_round_trip_continues_identically(make):
    rng, params, optimizer = _after_one_update(make, 6)
    clone = pickle.loads(pickle.dumps(optimizer))
    assert clone._scratch is None
    params_clone = params.copy()
    grads = _random_flat(rng)
    optimizer.update_params(params, grads)
    clone.update_params(params_clone, grads)
    assert_array_equal(params, params_clone)


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_snapshot_is_independent_and_continues_identically(make):
    rng, params, optimizer = _after_one_update(make, 7)
    twin = optimizer.snapshot()
    assert type(twin) is type(optimizer) and twin._scratch is None
    for ours, theirs in zip(_state_arrays(optimizer), _state_arrays(twin), strict=True):
        assert_array_equal(ours, theirs)
        assert not np.shares_memory(ours, theirs)
    kept = [a.copy() for a in _state_arrays(twin)]
    params_twin, grads = params.copy(), _random_flat(rng)
    optimizer.update_params(params, grads)  # moves the original only
    for before, after in zip(kept, _state_arrays(twin), strict=True):
        assert_array_equal(before, after)
    twin.update_params(params_twin, grads)
    assert_array_equal(params, params_twin)
    assert getattr(twin, "t", None) == getattr(optimizer, "t", None)


def _pickled_by_the_previous_version(optimizer, list_state):
    """A pickle of ``optimizer`` whose state has the previous version's form.

    The previous version kept its state as lists of arrays (one per
    parameter array; the estimators passed one, the flat buffer), under the
    names ``velocities`` (SGD) and ``ms``, ``vs`` (Adam), and dropped
    ``_scratch`` from the pickle.
    """
    state = {
        k: v
        for k, v in optimizer.__dict__.items()
        if k not in ("velocity", "m", "v", "_scratch")
    }
    state.update(list_state, _scratch=None)
    legacy = object.__new__(type(optimizer))
    legacy.__dict__.update(state)  # what unpickling the old class restored
    return pickle.dumps(legacy)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("make", OPTIMIZERS)
def test_pickles_of_the_previous_version_load_and_continue(make, dtype):
    rng = np.random.RandomState(10)
    params = _random_flat(rng, dtype)
    optimizer = make(params)
    for _ in range(3):
        optimizer.update_params(params, _random_flat(rng, dtype))
    if isinstance(optimizer, AdamOptimizer):
        old = {"ms": [optimizer.m.copy()], "vs": [optimizer.v.copy()]}
    else:
        old = {"velocities": [optimizer.velocity.copy()]}
    loaded = pickle.loads(_pickled_by_the_previous_version(optimizer, old))
    assert not any(hasattr(loaded, name) for name in old)
    for ours, theirs in zip(
        _state_arrays(loaded), _state_arrays(optimizer), strict=True
    ):
        assert ours.shape == (SIZE,) and ours.dtype == dtype
        assert_array_equal(ours, theirs)
    params_loaded = params.copy()
    for _ in range(3):
        grads = _random_flat(rng, dtype)
        optimizer.update_params(params, grads)
        loaded.update_params(params_loaded, grads)
    assert_array_equal(params_loaded, params)


def test_previous_version_state_of_several_arrays_is_concatenated():
    # The estimators always passed one array; a list of several (the old
    # engine allowed it) becomes their concatenation, in order.
    optimizer = AdamOptimizer(np.zeros(5))
    m_parts = [np.arange(3.0), np.arange(2.0).reshape(2, 1)]
    v_parts = [np.ones(3), np.full((2, 1), 2.0)]
    loaded = pickle.loads(
        _pickled_by_the_previous_version(optimizer, {"ms": m_parts, "vs": v_parts})
    )
    assert_array_equal(loaded.m, [0.0, 1.0, 2.0, 0.0, 1.0])
    assert_array_equal(loaded.v, [1.0, 1.0, 1.0, 2.0, 2.0])
    loaded.update_params(np.zeros(5), np.ones(5))
    assert loaded.t == 1


# --- clip_grad_norm --------------------------------------------------------


def test_clip_grad_norm_hand_example():
    grads = np.array([3.0, 0.0, 4.0])
    norm = clip_grad_norm(grads, max_norm=1.0)
    assert isinstance(norm, float)
    assert norm == 5.0
    scale = 1.0 / (5.0 + 1e-6)
    assert_allclose(grads, [3.0 * scale, 0.0, 4.0 * scale], rtol=1e-15)


@pytest.mark.parametrize("max_norm", [10.0, None])
def test_clip_grad_norm_leaves_small_or_unclipped_grads(max_norm):
    grads = np.array([3.0, 0.0, 4.0])
    copy = grads.copy()
    assert clip_grad_norm(grads, max_norm=max_norm) == 5.0
    assert_array_equal(grads, copy)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bad", [np.inf, np.nan])
def test_clip_grad_norm_non_finite_returns_it_and_leaves_grads(bad, dtype):
    grads = np.array([1.0, bad, 2.0], dtype=dtype)
    copy = grads.copy()
    norm = clip_grad_norm(grads, max_norm=1.0)
    assert not math.isfinite(norm)
    assert math.isnan(norm) == math.isnan(bad)
    assert_array_equal(grads, copy)


def test_clip_grad_norm_keeps_float32():
    grads = np.full(10, 3.0, dtype=np.float32)
    norm = clip_grad_norm(grads, max_norm=1.0)
    assert norm == pytest.approx(math.sqrt(90.0), rel=1e-6)
    assert grads.dtype == np.float32
    assert float(np.linalg.norm(grads)) == pytest.approx(1.0, rel=1e-5)


@pytest.mark.filterwarnings("ignore:overflow encountered")
def test_clip_grad_norm_float32_overflowing_squares_are_still_clipped():
    # 1e30**2 overflows float32, not the norm itself: the norm is taken again
    # in float64, and the gradient clipped, in float32.
    grads = np.full(1000, 1e30, dtype=np.float32)
    norm = clip_grad_norm(grads, max_norm=5.0)
    assert norm == float(np.linalg.norm(np.full(1000, np.float32(1e30), np.float64)))
    assert norm == pytest.approx(1e30 * math.sqrt(1000), rel=1e-6)
    assert grads.dtype == np.float32
    assert 4.99 < float(np.linalg.norm(grads.astype(np.float64))) <= 5.0 + 1e-5
    # without clipping, the finite norm is reported and nothing changes
    grads = np.array([3e19, -4e19], dtype=np.float32)
    copy = grads.copy()
    assert clip_grad_norm(grads, max_norm=None) == pytest.approx(5e19, rel=1e-6)
    assert_array_equal(grads, copy)


@pytest.mark.filterwarnings("ignore:overflow encountered")
def test_clip_grad_norm_float64_norm_beyond_its_range_is_returned():
    grads = np.full(4, 1e308)  # finite entries, norm 2e308 > float64's max
    copy = grads.copy()
    assert clip_grad_norm(grads, max_norm=1.0) == math.inf
    assert_array_equal(grads, copy)


# --- add_l2_penalty --------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_add_l2_penalty_hand_example(dtype):
    # Two penalised parts (0:2 and 4:5) around an unpenalised one (a bias).
    params = np.array([1.0, 2.0, 7.0, 8.0, 3.0], dtype=dtype)
    grads = np.array([1.0, 1.0, 0.5, 0.5, 0.0], dtype=dtype)
    penalty = add_l2_penalty(params, grads, 0.1, 0.5, [(0, 2), (4, 5)])
    assert isinstance(penalty, float)
    assert penalty == pytest.approx(0.5 * 0.05 * 14.0)
    assert_allclose(grads, [1.05, 1.1, 0.5, 0.5, 0.15], rtol=1e-6)
    assert grads.dtype == dtype
    assert_array_equal(params, [1.0, 2.0, 7.0, 8.0, 3.0])  # not modified


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_add_l2_penalty_on_a_network_penalises_its_weight_matrices(dtype):
    # The arithmetic of the per-array rule, part by part: bit-identical.
    net = RecurrentNetwork("gru", 3, 4, 2, num_layers=2, dtype=dtype)
    rng = np.random.default_rng(0)
    params = net.init_params(rng)
    grads = rng.standard_normal(params.shape).astype(dtype)
    expected_grads = net.layout.views(grads.copy())
    P = net.layout.views(params)
    coef, expected_penalty = 0.3 * 0.125, 0.0
    for name in net.weight_names:
        expected_penalty += float(np.dot(P[name].ravel(), P[name].ravel()))
        expected_grads[name] += coef * P[name]
    expected_penalty *= 0.5 * coef
    penalty = add_l2_penalty(params, grads, 0.3, 0.125, net.weight_spans)
    assert penalty == expected_penalty
    for name, view in net.layout.views(grads).items():
        assert_array_equal(view, expected_grads[name])


def test_add_l2_penalty_zero_coefficient_and_bad_arguments():
    params, grads = np.ones(3), np.zeros(3)
    assert add_l2_penalty(params, grads, 0.0, 1.0, [(0, 3)]) == 0.0
    assert add_l2_penalty(params, grads, 1.0, 0.0, [(0, 3)]) == 0.0
    assert add_l2_penalty(params, grads, 1.0, 1.0, []) == 0.0
    assert_array_equal(grads, 0.0)
    with pytest.raises(ValueError, match=r"params has shape \(3,\), grads has"):
        add_l2_penalty(params, np.zeros(4), 1.0, 1.0, [(0, 3)])
    with pytest.raises(ValueError, match=r"Span \(1, 4\) is outside"):
        add_l2_penalty(params, grads, 1.0, 1.0, [(1, 4)])
    with pytest.raises(ValueError, match="one flat 1-D ndarray"):
        add_l2_penalty(params.reshape(1, 3), grads.reshape(1, 3), 1.0, 1.0, [])
    assert_array_equal(grads, 0.0)


# --- parity with PyTorch ---------------------------------------------------


@pytest.fixture(scope="module")
def torch():
    # Skipped where torch is missing; CI installs torch==2.13.0 so these run
    # there. Module scope: torch's one-time import cost (~2 s, including the
    # lazy imports of the first optimizer constructor) is paid here, once.
    torch = pytest.importorskip("torch")
    torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    return torch


def _torch_param(torch, array):
    return torch.nn.Parameter(torch.from_numpy(array.copy()))


def _run_torch(torch, param, grad_steps, torch_optimizer):
    for grads in grad_steps:
        param.grad = torch.from_numpy(grads.copy())
        torch_optimizer.step()
    return param.detach().numpy()


def _random_grad_steps(rng):
    # Moderate gradients, bounded away from 0 (see the Adam epsilon comment).
    return [
        rng.uniform(0.5, 2.0, SIZE) * rng.choice([-1.0, 1.0], SIZE)
        for _ in range(N_STEPS)
    ]


def _small_grad_steps(rng, n_steps):
    # |g| log-uniform in [1e-9, 1e-6], random signs: sqrt(v) is then of the
    # order of eps=1e-8, where the place of eps decides the size of a step.
    return [
        10.0 ** rng.uniform(-9.0, -6.0, SIZE) * rng.choice([-1.0, 1.0], SIZE)
        for _ in range(n_steps)
    ]


def _adam_defaults():
    """(lr, (beta_1, beta_2), eps) of AdamOptimizer's signature."""
    sig = inspect.signature(AdamOptimizer).parameters
    return (
        sig["learning_rate_init"].default,
        (sig["beta_1"].default, sig["beta_2"].default),
        sig["epsilon"].default,
    )


def test_adam_defaults_are_torch_defaults(torch):
    sig = inspect.signature(torch.optim.Adam).parameters
    torch_defaults = (sig["lr"].default, sig["betas"].default, sig["eps"].default)
    assert _adam_defaults() == torch_defaults == (1e-3, (0.9, 0.999), 1e-8)


def test_adam_is_torch_adam_with_eps_before_the_bias_correction(torch):
    """skrnn (scikit-learn's rule) is torch's Adam with eps / sqrt(1 - beta_2**t).

    With PyTorch's defaults and small gradients, skrnn's step at update t
    equals torch.optim.Adam's when torch's eps is set, before that step, to
    ``eps / sqrt(1 - beta_2**t)``: scikit-learn adds eps to sqrt(v), torch to
    sqrt(v_hat) = sqrt(v) / sqrt(1 - beta_2**t). Moving eps to torch's place
    changes these steps by up to 97% (see the next test).
    """
    rng = np.random.RandomState(7)
    lr, betas, eps = _adam_defaults()
    params = np.zeros(SIZE)
    t_param = _torch_param(torch, params)
    t_opt = torch.optim.Adam([t_param])  # PyTorch's defaults
    optimizer = AdamOptimizer(params)  # skrnn's defaults: the same values
    for t, grads in enumerate(_small_grad_steps(rng, 20), start=1):
        t_opt.param_groups[0]["eps"] = eps / math.sqrt(1.0 - betas[1] ** t)
        expected = _run_torch(torch, t_param, [grads], t_opt)
        optimizer.update_params(params, grads)
        # The two orders of operations round apart by up to ~1e-12 of a
        # weight (measured over 5 seeds); eps in torch's place moves the
        # weights by 3% to 97% of a step.
        assert_allclose(params, expected, rtol=1e-10, atol=1e-17)
        # torch's lerp rounds m otherwise: atol 1e-15 of the largest |g|
        state = t_opt.state[t_param]
        assert_allclose(optimizer.m, state["exp_avg"].numpy(), atol=1e-21)
        assert_allclose(optimizer.v, state["exp_avg_sq"].numpy(), rtol=1e-14)


def test_adam_steps_against_torch_defaults_differ_only_by_the_eps_placement(torch):
    """Against torch.optim.Adam with all its defaults (eps=1e-8 on sqrt(v_hat)).

    The moments do not depend on the weights, so both hold the same m and v
    at every update, and their steps must be in the ratio

        skrnn / torch = (sqrt(v_hat) + eps) / (sqrt(v_hat) + eps / sqrt(1 - beta_2**t))

    which is <= 1: skrnn's effective eps is larger by 1 / sqrt(1 - beta_2**t)
    (31.6 at t=1, 10 at t=10, 3.2 at t=100, 1.26 at t=1000). For gradients of
    1e-6 to 1e-9 the ratio goes down to about 0.03 here (documented in
    docs/engine.rst, "The optimizers").
    """
    rng = np.random.RandomState(8)
    _, (_, beta_2), eps = _adam_defaults()
    params = np.zeros(SIZE)
    t_param = _torch_param(torch, params)
    t_opt = torch.optim.Adam([t_param])
    optimizer = AdamOptimizer(params)
    ratios = []
    for t, grads in enumerate(_small_grad_steps(rng, 20), start=1):
        before = params.copy()
        t_before = t_param.detach().numpy().copy()
        t_after = _run_torch(torch, t_param, [grads], t_opt)
        optimizer.update_params(params, grads)
        correction = math.sqrt(1.0 - beta_2**t)
        v_hat = t_opt.state[t_param]["exp_avg_sq"].numpy() / correction**2
        ratio = (np.sqrt(v_hat) + eps) / (np.sqrt(v_hat) + eps / correction)
        step, t_step = params - before, t_after - t_before
        assert_allclose(step, t_step * ratio, rtol=1e-10, atol=0)
        ratios.append(ratio)
    ratios = np.concatenate(ratios)
    # The case is one where the placement matters: torch's own rule (ratio 1)
    # would fail the assertion above by far more than its tolerance.
    assert ratios.max() <= 1.0
    assert ratios.min() < 0.05


@pytest.mark.parametrize(
    "momentum, nesterov", [(0.0, False), (0.9, False), (0.9, True), (0.5, True)]
)
def test_sgd_matches_torch(torch, momentum, nesterov):
    rng = np.random.RandomState(8)
    lr = 0.05
    params = _random_flat(rng)
    grad_steps = _random_grad_steps(rng)
    t_param = _torch_param(torch, params)
    t_opt = torch.optim.SGD([t_param], lr=lr, momentum=momentum, nesterov=nesterov)
    expected = _run_torch(torch, t_param, grad_steps, t_opt)
    optimizer = SGDOptimizer(params, lr, momentum=momentum, nesterov=nesterov)
    for grads in grad_steps:
        optimizer.update_params(params, grads)
    assert_allclose(params, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("max_norm", [0.5, 3.0, 100.0])
def test_clip_grad_norm_matches_torch(torch, max_norm):
    rng = np.random.RandomState(9)
    for _ in range(N_STEPS):
        grads = _random_flat(rng) * rng.uniform(0.1, 10.0)
        t_param = _torch_param(torch, grads)
        t_param.grad = torch.from_numpy(grads.copy())
        t_norm = torch.nn.utils.clip_grad_norm_([t_param], max_norm)
        norm = clip_grad_norm(grads, max_norm)
        assert norm == pytest.approx(float(t_norm), rel=1e-12)
        assert_allclose(grads, t_param.grad.numpy(), rtol=1e-12)


# --- lazy updates of token tables ---------------------------------------------


def _tables_case(seed=0):
    """A 40-number buffer: dense 0-7, a 6x3 table 8-25, dense 26-29, a 5x2 table."""
    from skrnn._engine.embedding import TableRows

    rng = np.random.default_rng(seed)
    params = rng.standard_normal(40)
    grads = np.zeros(40)
    tables = [TableRows(8, 26, 3, [1, 4]), TableRows(30, 40, 2, [0, 2, 3])]
    touched = np.concatenate([t.flat_index() for t in tables])
    dense = np.r_[0:8, 26:30]
    grads[dense] = rng.standard_normal(dense.size)
    grads[touched] = rng.standard_normal(touched.size)
    return params, grads, tables, dense, touched


@pytest.mark.parametrize("make", [AdamOptimizer, SGDOptimizer])
def test_lazy_update_moves_only_the_touched_rows_of_the_tables(make):
    """Dense parts and touched rows as a dense update would; nothing else moves."""
    params, grads, tables, dense, touched = _tables_case()
    lazy, full = params.copy(), params.copy()
    opt_lazy, opt_full = make(lazy), make(full)
    for _ in range(3):
        opt_lazy.update_params(lazy, grads, rows=tables)
        opt_full.update_params(full, grads)
    moved = np.r_[dense, touched]
    np.testing.assert_allclose(lazy[moved], full[moved], rtol=1e-14)
    untouched = np.setdiff1d(np.arange(40), moved)
    # the dense update moves untouched rows only through their zero gradient
    # (SGD and Adam leave a zero-gradient, zero-state entry where it is)
    np.testing.assert_array_equal(lazy[untouched], params[untouched])
    grads_elsewhere = grads.copy()
    grads_elsewhere[untouched] = 1e3  # never read by the lazy update
    again = params.copy()
    opt = make(again)
    for _ in range(3):
        opt.update_params(again, grads_elsewhere, rows=tables)
    np.testing.assert_array_equal(again, lazy)


def test_lazy_adam_keeps_the_moments_of_rows_outside_the_batch():
    """A row's moments decay only at the steps that touch it (SparseAdam)."""
    from skrnn._engine.embedding import TableRows

    params = np.zeros(6)
    opt = AdamOptimizer(params, learning_rate_init=0.1)
    first = [TableRows(0, 6, 2, [0, 1, 2])]
    opt.update_params(params, np.ones(6), rows=first)
    m_after_first = opt.m.copy()
    opt.update_params(params, np.full(6, 2.0), rows=[TableRows(0, 6, 2, [0])])
    np.testing.assert_array_equal(opt.m[2:], m_after_first[2:])
    assert opt.m[0] == pytest.approx(0.9 * 0.1 + 0.1 * 2.0)
    assert opt.t == 2


def test_clip_grad_norm_with_rows_reads_and_scales_only_those_rows():
    params, grads, tables, dense, touched = _tables_case()
    moved = np.r_[dense, touched]
    expected = grads.copy()
    norm = clip_grad_norm(expected, 0.5)
    noisy = grads.copy()
    untouched = np.setdiff1d(np.arange(40), moved)
    noisy[untouched] = 7.0  # not read
    assert clip_grad_norm(noisy, 0.5, rows=tables) == pytest.approx(norm, rel=1e-14)
    np.testing.assert_allclose(noisy[moved], expected[moved], rtol=1e-14)
    np.testing.assert_array_equal(noisy[untouched], 7.0)


def test_overlapping_tables_are_refused():
    from skrnn._engine.embedding import TableRows

    params = np.zeros(10)
    tables = [TableRows(0, 6, 2, [0]), TableRows(4, 10, 2, [0])]
    with pytest.raises(ValueError, match="without overlap"):
        AdamOptimizer(params).update_params(params, np.ones(10), rows=tables)
