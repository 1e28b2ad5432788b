# SPDX-License-Identifier: BSD-3-Clause
"""Tests for the decoupled weight decay of skrnn._engine.optimizers.

``weight_decay`` multiplies the decayed parts of the flat buffer
(``decay_spans``, or all of it) by ``1 - lr * weight_decay`` before each
gradient step: AdamW for :class:`AdamOptimizer` (checked against
``torch.optim.AdamW``), SGDW for :class:`SGDOptimizer` (checked against its
formula: ``torch.optim.SGD``'s ``weight_decay`` is the coupled L2 penalty).
"""

import math
import pickle
from itertools import pairwise

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skrnn._engine import RecurrentNetwork
from skrnn._engine.embedding import TableRows
from skrnn._engine.optimizers import AdamOptimizer, SGDOptimizer, add_l2_penalty

SIZE = 60
DECAYED = [(30, 50), (0, 20)]  # not sorted, on purpose
KEPT = np.r_[20:30, 50:60]
LR, WD = 0.01, 0.1

OPTIMIZERS = [
    pytest.param(lambda p, **kw: SGDOptimizer(p, LR, 0.9, True, **kw), id="sgd"),
    pytest.param(lambda p, **kw: AdamOptimizer(p, LR, **kw), id="adam"),
]


def _decayed_index(spans=DECAYED):
    return np.concatenate([np.arange(a, b) for a, b in spans])


def _state_arrays(optimizer):
    if isinstance(optimizer, AdamOptimizer):
        return [optimizer.m, optimizer.v]
    return [optimizer.velocity]


def _set_schedule_rate(optimizer, lr):
    """What a learning-rate schedule changes: SGD's rate, Adam's base rate."""
    if isinstance(optimizer, AdamOptimizer):
        optimizer.learning_rate_init = lr
    else:
        optimizer.learning_rate = lr


# --- torch.optim.AdamW -------------------------------------------------------


@pytest.fixture(scope="module")
def torch():
    # Skipped where torch is missing (not a dependency of skrnn); CI installs
    # torch==2.13.0. Per test (a fixture), so the other tests here still run.
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


def _torch_adamw(torch, params, spans, lr, wd):
    """AdamW over one tensor per span: decayed and kept spans in two groups."""
    bounds = sorted({0, SIZE, *(x for span in spans for x in span)})
    pieces = list(pairwise(bounds))
    tensors = [
        torch.nn.Parameter(torch.from_numpy(params[a:b].copy())) for a, b in pieces
    ]
    decayed = [t for t, piece in zip(tensors, pieces, strict=True) if piece in spans]
    kept = [t for t, piece in zip(tensors, pieces, strict=True) if piece not in spans]
    groups = [{"params": decayed, "weight_decay": wd}]
    if kept:
        groups.append({"params": kept, "weight_decay": 0.0})
    return torch.optim.AdamW(groups, lr=lr), tensors, pieces


def _torch_step(torch, t_opt, tensors, pieces, grads, eps):
    for tensor, (a, b) in zip(tensors, pieces, strict=True):
        tensor.grad = torch.from_numpy(grads[a:b].copy())
    for group in t_opt.param_groups:
        group["eps"] = eps
    t_opt.step()
    return np.concatenate([t.detach().numpy() for t in tensors])


@pytest.mark.parametrize("spans", [DECAYED, None], ids=["spans", "whole"])
def test_adamw_matches_torch_adamw(torch, spans):
    """50 steps in float64, the learning rate halved after 25 (a schedule).

    torch adds eps to sqrt(v_hat), skrnn to sqrt(v): torch's eps is set at
    step t to eps / sqrt(1 - beta_2**t), which makes the two rules equal
    (see test_optimizers.py). What remains is rounding: measured max
    |skrnn - torch| 4.4e-16 on weights of order 1 (10 seeds), against 4e-8
    with torch's own eps and up to 0.5 for the decay itself.
    """
    rng = np.random.RandomState(0)
    eps, beta_2, wd = 1e-8, 0.999, 0.5
    params = rng.standard_normal(SIZE)
    undecayed = params.copy()
    torch_spans = [(0, SIZE)] if spans is None else sorted(spans)
    t_opt, tensors, pieces = _torch_adamw(torch, params, torch_spans, LR, wd)
    optimizer = AdamOptimizer(params, LR, weight_decay=wd, decay_spans=spans)
    adam = AdamOptimizer(undecayed, LR)
    for t in range(1, 51):
        if t == 26:
            for group in t_opt.param_groups:
                group["lr"] = LR / 2
            optimizer.learning_rate_init = adam.learning_rate_init = LR / 2
        grads = rng.uniform(0.1, 2.0, SIZE) * rng.choice([-1.0, 1.0], SIZE)
        expected = _torch_step(
            torch, t_opt, tensors, pieces, grads, eps / math.sqrt(1 - beta_2**t)
        )
        optimizer.update_params(params, grads)
        adam.update_params(undecayed, grads)
        assert_allclose(params, expected, rtol=0, atol=1e-14)
    decayed = np.arange(SIZE) if spans is None else _decayed_index()
    assert np.abs(params - undecayed)[decayed].max() > 1e-2
    if spans is not None:
        assert_array_equal(params[KEPT], undecayed[KEPT])


# --- the decay acts on the decayed spans only --------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("make", OPTIMIZERS)
def test_zero_gradient_shrinks_only_the_decayed_spans(make, dtype):
    rng = np.random.RandomState(1)
    params = rng.standard_normal(SIZE).astype(dtype)
    start = params.copy()
    optimizer = make(params, weight_decay=WD, decay_spans=DECAYED)
    expected, decayed = params.copy(), _decayed_index()
    for k in range(1, 11):
        if k == 6:  # read at each update, not cached
            _set_schedule_rate(optimizer, LR / 4)
        factor = 1.0 - (LR if k < 6 else LR / 4) * WD
        expected[decayed] *= factor
        optimizer.update_params(params, np.zeros(SIZE, dtype=dtype))
        assert_array_equal(params, expected)
    assert_array_equal(params[KEPT], start[KEPT])
    closed = start[decayed] * (1 - LR * WD) ** 5 * (1 - LR * WD / 4) ** 5
    rtol = 1e-6 if dtype == np.float32 else 1e-14
    assert_allclose(params[decayed], closed, rtol=rtol)


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_network_weight_spans_decay_and_biases_do_not(make):
    net = RecurrentNetwork(
        "gru", 3, 4, 2, num_layers=2, bidirectional=True, dtype=np.float64
    )
    params = net.init_params(np.random.default_rng(2))
    params += 1.0  # no zero bias: an unchanged bias is a real check
    before = net.layout.views(params.copy())
    optimizer = make(params, weight_decay=WD, decay_spans=net.weight_spans)
    for _ in range(3):
        optimizer.update_params(params, np.zeros_like(params))
    for name, view in net.layout.views(params).items():
        if name in net.weight_names:
            assert_allclose(view, before[name] * (1 - LR * WD) ** 3, rtol=1e-15)
        else:
            assert_array_equal(view, before[name])


# --- SGDW against its formula ----------------------------------------------------


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgdw_follows_its_rule_step_by_step(momentum, nesterov):
    """param *= 1 - lr*wd, then the SGD step; the velocity ignores the decay."""
    rng = np.random.RandomState(3)
    params = rng.standard_normal(SIZE)
    optimizer = SGDOptimizer(
        params, LR, momentum, nesterov, weight_decay=WD, decay_spans=DECAYED
    )
    expected, velocity, decayed = params.copy(), np.zeros(SIZE), _decayed_index()
    for k in range(20):
        lr = LR if k < 10 else LR * 3
        optimizer.learning_rate = lr
        grads = rng.standard_normal(SIZE)
        expected[decayed] *= 1.0 - lr * WD
        velocity = momentum * velocity - lr * grads
        expected += momentum * velocity - lr * grads if nesterov else velocity
        optimizer.update_params(params, grads)
        assert_array_equal(params, expected)
        assert_array_equal(optimizer.velocity, velocity)


def test_sgdw_constant_gradient_closed_form():
    """momentum=0, gradient g: p_k = f**k p_0 - lr g (1 - f**k) / (1 - f).

    with f = 1 - lr*wd; p_k tends to -g / wd.
    """
    rng = np.random.RandomState(4)
    p0, g = rng.standard_normal(SIZE), rng.standard_normal(SIZE)
    params = p0.copy()
    optimizer = SGDOptimizer(params, LR, momentum=0.0, weight_decay=WD)
    f = 1.0 - LR * WD
    for k in range(1, 201):
        optimizer.update_params(params, g)
        if k % 50 == 0:
            closed = f**k * p0 - LR * g * (1 - f**k) / (1 - f)
            assert_allclose(params, closed, rtol=1e-12, atol=1e-14)
    for _ in range(100_000):
        optimizer.update_params(params, g)
    assert_allclose(params, -g / WD, rtol=1e-9)


def test_sgdw_without_momentum_equals_the_l2_penalty():
    """Only for plain SGD: p - lr (g + wd p) = (1 - lr wd) p - lr g."""
    rng = np.random.RandomState(5)
    decoupled = rng.standard_normal(SIZE)
    coupled = decoupled.copy()
    sgdw = SGDOptimizer(decoupled, LR, 0.0, weight_decay=WD, decay_spans=DECAYED)
    sgd = SGDOptimizer(coupled, LR, 0.0)
    for _ in range(10):
        grads = rng.standard_normal(SIZE)
        sgdw.update_params(decoupled, grads)
        penalised = grads.copy()
        add_l2_penalty(coupled, penalised, WD, 1.0, DECAYED)
        sgd.update_params(coupled, penalised)
    assert_allclose(decoupled, coupled, rtol=1e-14)


# --- float32, allocation -------------------------------------------------------


@pytest.mark.parametrize("spans", [DECAYED, None], ids=["spans", "whole"])
@pytest.mark.parametrize("make", OPTIMIZERS)
def test_float32_stays_float32_and_close_to_float64(make, spans):
    rng = np.random.RandomState(6)
    p64 = rng.standard_normal(SIZE)
    p32 = p64.astype(np.float32)
    opt64 = make(p64, weight_decay=WD, decay_spans=spans)
    opt32 = make(p32, weight_decay=WD, decay_spans=spans)
    for _ in range(5):
        grads = rng.standard_normal(SIZE)
        opt64.update_params(p64, grads)
        opt32.update_params(p32, grads.astype(np.float32))
    assert p32.dtype == np.float32
    assert all(s.dtype == np.float32 for s in _state_arrays(opt32))
    assert_allclose(p32, p64, rtol=1e-5, atol=1e-6)


# --- lazy token tables ---------------------------------------------------------


def _tables_case():
    """40 numbers: dense 0-7, a 6x3 table 8-25, dense 26-29, a 5x2 table 30-39."""
    rng = np.random.default_rng(7)
    params = rng.standard_normal(40)
    tables = [TableRows(8, 26, 3, [1, 4]), TableRows(30, 40, 2, [0, 2, 3])]
    grads = np.where(np.isin(np.arange(40), np.r_[0:8, 26:30]), 1.0, 0.0)
    for table in tables:
        grads[table.flat_index()] = rng.standard_normal(table.flat_index().size)
    return params, grads, tables


@pytest.mark.parametrize("spans", [[(0, 6), (20, 28)], [(35, 36)], None])
@pytest.mark.parametrize("make", OPTIMIZERS)
def test_decay_span_overlapping_a_lazy_table_raises_and_changes_nothing(make, spans):
    params, grads, tables = _tables_case()
    before = params.copy()
    optimizer = make(params, weight_decay=WD, decay_spans=spans)
    with pytest.raises(ValueError, match=r"overlaps the token table \(\d+, \d+\)"):
        optimizer.update_params(params, grads, rows=tables)
    assert_array_equal(params, before)
    assert not any(s.any() for s in _state_arrays(optimizer))
    assert getattr(optimizer, "t", 0) == 0


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_lazy_update_with_decay_of_the_dense_parts(make):
    """Dense parts as a dense update; table rows never decay, untouched stay."""
    params, grads, tables = _tables_case()
    spans = [(0, 6), (26, 30)]  # weights; 6-8 play biases
    lazy, full = params.copy(), params.copy()
    opt_lazy = make(lazy, weight_decay=WD, decay_spans=spans)
    opt_full = make(full, weight_decay=WD, decay_spans=spans)
    for _ in range(3):
        opt_lazy.update_params(lazy, grads, rows=tables)
        opt_full.update_params(full, grads)
    touched = np.concatenate([t.flat_index() for t in tables])
    moved = np.r_[0:8, 26:30, touched]
    assert_allclose(lazy[moved], full[moved], rtol=1e-14)
    untouched = np.setdiff1d(np.arange(40), moved)
    assert_array_equal(lazy[untouched], params[untouched])


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_no_decay_never_checks_the_spans_against_the_tables(make):
    params, grads, tables = _tables_case()
    optimizer = make(params, weight_decay=0.0)  # decay_spans=None
    optimizer.update_params(params, grads, rows=tables)


# --- pickling ----------------------------------------------------------------------


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_pickle_round_trip_keeps_the_decay(make):
    rng = np.random.RandomState(8)
    params = rng.standard_normal(SIZE)
    optimizer = make(params, weight_decay=WD, decay_spans=DECAYED)
    optimizer.update_params(params, rng.standard_normal(SIZE))
    clone = pickle.loads(pickle.dumps(optimizer))
    assert clone.weight_decay == WD
    assert clone.decay_spans == ((0, 20), (30, 50))
    params_clone = params.copy()
    for _ in range(3):
        grads = rng.standard_normal(SIZE)
        optimizer.update_params(params, grads)
        clone.update_params(params_clone, grads)
    assert_array_equal(params_clone, params)


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_pickle_from_before_the_decay_loads_without_decay(make):
    rng = np.random.RandomState(9)
    params = rng.standard_normal(SIZE)
    optimizer = make(params)
    optimizer.update_params(params, rng.standard_normal(SIZE))
    old = object.__new__(type(optimizer))
    old.__dict__.update(
        {
            k: v
            for k, v in optimizer.__getstate__().items()
            if k not in ("weight_decay", "decay_spans")
        }
    )
    loaded = pickle.loads(pickle.dumps(old))
    assert loaded.weight_decay == 0.0 and loaded.decay_spans is None
    params_loaded = params.copy()
    for _ in range(3):
        grads = rng.standard_normal(SIZE)
        optimizer.update_params(params, grads)
        loaded.update_params(params_loaded, grads)
    assert_array_equal(params_loaded, params)


# --- weight_decay=0 is the optimizer without decay -------------------------------


@pytest.mark.parametrize("lazy", [False, True])
@pytest.mark.parametrize("spans", [[(0, 6), (26, 30)], None])
@pytest.mark.parametrize("make", OPTIMIZERS)
def test_zero_weight_decay_is_bit_identical(make, spans, lazy):
    params, _, tables = _tables_case()
    rows = tables if lazy else None
    plain, zero = params.copy(), params.copy()
    opt_plain = make(plain)
    opt_zero = make(zero, weight_decay=0.0, decay_spans=spans)
    rng = np.random.RandomState(10)
    for _ in range(5):
        grads = rng.standard_normal(40)
        opt_plain.update_params(plain, grads, rows=rows)
        opt_zero.update_params(zero, grads, rows=rows)
    assert_array_equal(zero, plain)
    for ours, theirs in zip(
        _state_arrays(opt_zero), _state_arrays(opt_plain), strict=True
    ):
        assert_array_equal(ours, theirs)


# --- arguments -----------------------------------------------------------------------


@pytest.mark.parametrize("make", OPTIMIZERS)
@pytest.mark.parametrize("bad", [-0.1, math.nan, math.inf])
def test_weight_decay_must_be_finite_and_non_negative(make, bad):
    with pytest.raises(ValueError, match="weight_decay must be a finite float >= 0"):
        make(np.zeros(SIZE), weight_decay=bad)


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_decay_spans_are_checked_and_sorted(make):
    params = np.zeros(SIZE)
    with pytest.raises(ValueError, match=r"Span \(50, 61\) is outside"):
        make(params, weight_decay=WD, decay_spans=[(0, 10), (50, 61)])
    with pytest.raises(ValueError, match=r"Span \(-1, 3\) is outside"):
        make(params, weight_decay=WD, decay_spans=[(-1, 3)])
    with pytest.raises(ValueError, match=r"\(0, 10\) and \(5, 20\) overlap"):
        make(params, weight_decay=WD, decay_spans=[(5, 20), (0, 10)])
    with pytest.raises(TypeError):
        make(params, weight_decay=WD, decay_spans=[(0.0, 10.0)])
    optimizer = make(
        params, weight_decay=WD, decay_spans=[(40, 50), (7, 7), (np.int64(0), 10)]
    )
    assert optimizer.decay_spans == ((0, 10), (40, 50))


def test_weight_decay_is_keyword_only():
    with pytest.raises(TypeError):
        SGDOptimizer(np.zeros(3), 0.1, 0.9, True, 0.1)
    with pytest.raises(TypeError):
        AdamOptimizer(np.zeros(3), 0.1, 0.9, 0.999, 1e-8, 0.1)
