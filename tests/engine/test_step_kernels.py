# SPDX-License-Identifier: BSD-3-Clause
"""The compiled step kernels against the NumPy reference engine.

``skrnn._engine._step_kernels`` does the element-wise work of a time step of
every cell, forward and backward; the NumPy code of
:mod:`skrnn._engine.cells` is the reference it must reproduce. Checked here:

- whole networks in float64 (every cell x direction x depth x dense and
  token input x head, variable and equal lengths, random initial states and
  biases, each dropout), loss, gradients, outputs and states, to 1e-12
  relative; a few in float32; the encoder-decoder (whose input feeding
  steps the cells one at a time); the stepper of generation;
- each kernel on random buffers through the cells, in float32 and float64,
  and its argument checks;
- the kernels' tanh (a rational approximation in float32, a vectorised one
  in float64) against ``np.tanh``, special values included;
- the loss kernel and the sampling kernel against NumPy's paths;
- Adam's update against NumPy's, bit for bit;
- the engine selection, and the NumPy fallback of an install without the
  extension (in subprocesses).
"""

import collections
import copy
import itertools
import json
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from engine_cases import CELL_CONFIGS
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning

import skrnn
from skrnn._engine import RecurrentNetwork, Stepper, pack_sequences
from skrnn._engine.cells import DirectionBuffers, make_cell, recurrent_transpose
from skrnn._engine.embedding import TableRows
from skrnn._engine.kernels import (
    compiled_available,
    engine,
    engine_description,
    step_kernels,
)
from skrnn._engine.optimizers import AdamOptimizer
from skrnn._engine.sampling import sample_next
from skrnn._engine.seq2seq import Seq2SeqNetwork, teacher_forcing

# The compiled extension is optional (an install without a C compiler runs on
# NumPy), so without it this module skips. CI names the module in
# SKRNN_TEST_REQUIRE, which turns this skip into a failure (tests/conftest.py).
K = pytest.importorskip("skrnn._engine._step_kernels")

N_FEATURES, HIDDEN, N_OUT, VOCAB = 3, 4, 3, 6
#: Unsorted, with a sequence of one step; and all of one length.
LENGTHS = {"variable": [4, 1, 6, 3, 2], "equal": [3, 3, 3]}
KERNEL_NAMES = [
    f"{cell}_{way}"
    for cell in ("rnn", "lstm", "gru")
    for way in ("forward", "backward")
]
# Tolerances, from the worst gaps measured (NumPy 2.4, GCC 12, the AVX-512
# clones; the kernels' tanh and NumPy's differ by up to 3 ulp, and rounding
# differs where the compiler fuses a multiply and an add). float64, over
# every network, dropout, encoder-decoder and stepper case below: 1.0e-14
# relative on the entries above 10% of their tensor's largest, 2.1e-13 above
# 1%, 5.4e-13 above 0.1%; below that an entry is a cancellation, whose gap
# is absolute: at most 3.0e-15 times the tensor's largest entry (13 ulp of
# it). Hence rtol 1e-12 with an absolute floor of 1e-14 times the largest
# entry: the worst entry uses 11% of that tolerance. float32 networks: at
# most 6.4e-7 times the largest entry (5.4 ulp of float32), 3.5e-6 relative
# above 10% of it, 1.5e-5 above 1%; the worst entry uses 8% of rtol 1e-5
# with a floor of 5e-6 times the largest.
RTOL64, ATOL64 = 1e-12, 1e-14
RTOL32, ATOL32 = 1e-5, 5e-6


@pytest.fixture
def kernel_calls(monkeypatch):
    """Count the calls of each compiled kernel (cells look them up per call)."""
    calls = collections.Counter()

    def counted(name, function):
        def wrapper(*args):
            calls[name] += 1
            return function(*args)

        return wrapper

    for name in KERNEL_NAMES:
        monkeypatch.setattr(K, name, counted(name, getattr(K, name)))
    return calls


def assert_agree(got, expected, rtol, atol_scale, what=""):
    """``got`` equals ``expected`` to ``rtol``, with an absolute floor of
    ``atol_scale`` times the largest entry of ``expected`` (for entries near
    zero that are cancellations)."""
    expected = np.asarray(expected)
    atol = atol_scale * (np.abs(expected).max() if expected.size else 0.0)
    assert_allclose(got, expected, rtol=rtol, atol=atol, err_msg=what)


def assert_runs_agree(numpy_run, compiled_run, rtol, atol_scale):
    """Every array of two runs (dicts by name) agrees, dtype included."""
    assert numpy_run.keys() == compiled_run.keys()
    for name, expected in numpy_run.items():
        if expected is None:
            assert compiled_run[name] is None, name
        else:
            assert compiled_run[name].dtype == expected.dtype, name
            assert_agree(compiled_run[name], expected, rtol, atol_scale, name)


# --- whole networks -----------------------------------------------------------


def _network_case(config, lengths, dtype=np.float64, **options):
    """A network with random parameters and states, a batch and its targets."""
    (cell, activation), bidirectional, num_layers, inputs, head = config
    rng = np.random.default_rng(0)
    tokens = inputs == "tokens"
    net = RecurrentNetwork(
        cell,
        VOCAB if tokens else N_FEATURES,
        HIDDEN,
        N_OUT,
        num_layers=num_layers,
        bidirectional=bidirectional,
        activation=activation,
        head=head,
        token_input=tokens,
        dtype=dtype,
        **options,
    )
    params = net.init_params(rng)
    params += (0.3 * rng.standard_normal(params.shape)).astype(dtype)  # biases too
    if tokens:
        x, packing = pack_sequences([rng.integers(0, VOCAB, n) for n in lengths])
    else:
        seqs = [rng.standard_normal((n, N_FEATURES)) for n in lengths]
        x, packing = pack_sequences(seqs, dtype=dtype)
    shape = (net.n_states, len(lengths), HIDDEN)
    h0 = rng.standard_normal(shape).astype(dtype)
    c0 = rng.standard_normal(shape).astype(dtype) if cell == "lstm" else None
    y = rng.integers(0, N_OUT, len(lengths) if head == "last" else packing.n_rows)
    return net, params, (x, packing, h0, c0, y)


def _network_run(name, net, params, batch, dropout_seed=None):
    """Everything the network computes, on engine ``name``."""
    x, packing, h0, c0, y = batch
    rng = None if dropout_seed is None else np.random.default_rng(dropout_seed)
    upstream = np.random.default_rng(1)  # the same for both engines
    with engine(name):
        loss, grads, h_n, c_n = net.loss_and_grad(
            params, x, packing, y, loss="cross_entropy", h0=h0, c0=c0, rng=rng
        )
        out, h_n2, c_n2, cache = net.forward(
            params, x, packing, h0, c0, need_cache=True
        )
        dy = upstream.standard_normal(out.shape).astype(net.dtype)
        dh_n = upstream.standard_normal(h_n2.shape).astype(net.dtype)
        dc_n = None if c_n2 is None else dh_n[::-1].copy()
        grads2, dx, dh0, dc0 = net.backward(
            params, cache, dy, dh_n, dc_n, need_dx=not net.token_input
        )
    run = dict(loss=np.float64(loss), h_n=h_n, c_n=c_n, out=out, h_n2=h_n2, c_n2=c_n2)
    run.update(dx=dx, dh0=dh0, dc0=dc0)
    for prefix, flat in (("grad", grads), ("grad2", grads2)):
        for tensor, view in net.layout.views(flat).items():
            run[f"{prefix}:{tensor}"] = view
    return run


def _compare_engines(net, params, batch, kernel_calls, rtol, atol_scale, seed=None):
    """Run on NumPy, then on the kernels (checking that they ran); compare."""
    expected = _network_run("numpy", net, params, batch, seed)
    assert sum(kernel_calls.values()) == 0
    got = _network_run("compiled", net, params, batch, seed)
    cell = net.cell.name
    assert kernel_calls[f"{cell}_forward"] and kernel_calls[f"{cell}_backward"]
    assert_runs_agree(expected, got, rtol, atol_scale)
    return expected


NETWORK_GRID = list(
    itertools.product(
        CELL_CONFIGS, [False, True], [1, 2], ["dense", "tokens"], ["last", "all"]
    )
)


def _config_id(config):
    (cell, activation), bidirectional, layers, inputs, head = config
    direction = "bi" if bidirectional else "uni"
    return f"{cell}-{activation}-{direction}-L{layers}-{inputs}-{head}"


@pytest.mark.parametrize("lengths", sorted(LENGTHS))
@pytest.mark.parametrize("config", NETWORK_GRID, ids=_config_id)
def test_network_float64_compiled_equals_numpy(config, lengths, kernel_calls):
    """Loss, gradients, outputs, states and input gradients to 1e-12."""
    net, params, batch = _network_case(config, LENGTHS[lengths])
    _compare_engines(net, params, batch, kernel_calls, RTOL64, ATOL64)


DROPOUTS = ["input_dropout", "dropout", "recurrent_dropout", "output_dropout"]


@pytest.mark.parametrize("inputs", ["dense", "tokens"])
@pytest.mark.parametrize("rate", DROPOUTS)
@pytest.mark.parametrize("cell", CELL_CONFIGS, ids="-".join)
def test_network_with_dropout_compiled_equals_numpy(cell, rate, inputs, kernel_calls):
    """The same dropout masks (one seed) give the same results on both engines."""
    config = (cell, True, 2, inputs, "all")
    net, params, batch = _network_case(config, LENGTHS["variable"], **{rate: 0.3})
    with_dropout = _compare_engines(
        net, params, batch, kernel_calls, RTOL64, ATOL64, seed=7
    )
    x, packing, h0, c0, y = batch
    without = net.loss_and_grad(
        params, x, packing, y, loss="cross_entropy", h0=h0, c0=c0
    )[0]
    assert with_dropout["loss"] != without  # the dropout took effect


FLOAT32_GRID = [
    (("rnn", "tanh"), True, 2, "dense", "all"),
    (("rnn", "relu"), False, 1, "tokens", "last"),
    (("lstm", "tanh"), True, 2, "tokens", "all"),
    (("lstm", "tanh"), False, 2, "dense", "last"),
    (("gru", "tanh"), True, 1, "dense", "last"),
    (("gru", "tanh"), False, 2, "tokens", "all"),
]


@pytest.mark.parametrize("config", FLOAT32_GRID, ids=_config_id)
def test_network_float32_compiled_equals_numpy(config, kernel_calls):
    """float32 (a rational tanh of a few ulp): to a few ulp of each tensor."""
    net, params, batch = _network_case(config, LENGTHS["variable"], np.float32)
    _compare_engines(net, params, batch, kernel_calls, RTOL32, ATOL32)


@pytest.mark.parametrize("feeding", [False, True], ids=["attention", "feeding"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_seq2seq_compiled_equals_numpy(cell, feeding, kernel_calls):
    """The encoder-decoder (input feeding steps the cells one by one)."""
    net = Seq2SeqNetwork(
        cell,
        VOCAB,
        HIDDEN,
        N_OUT,
        num_layers=2,
        bidirectional=True,
        attention="general",
        attention_size=3,
        input_feeding=feeding,
        token_input=True,
        recurrent_dropout=0.2,
        dtype=np.float64,
    )
    rng = np.random.default_rng(3)
    x, packing = pack_sequences([rng.integers(0, VOCAB, n) for n in (3, 5, 1, 4)])
    targets = teacher_forcing([rng.integers(1, N_OUT, n) for n in (2, 0, 4, 3)])
    params = net.init_params(rng) + rng.uniform(-0.3, 0.3, net.layout.size)
    runs = {}
    for name in ("numpy", "compiled"):
        with engine(name):
            masks = np.random.default_rng(5)
            loss, grads = net.loss_and_grad(params, x, packing, targets, rng=masks)
        runs[name] = dict(loss=np.float64(loss), grads=grads)
    assert kernel_calls[f"{cell}_forward"] and kernel_calls[f"{cell}_backward"]
    assert_runs_agree(runs["numpy"], runs["compiled"], RTOL64, ATOL64)


@pytest.mark.parametrize("token_input", [False, True], ids=["dense", "tokens"])
@pytest.mark.parametrize("cell", CELL_CONFIGS, ids="-".join)
def test_stepper_compiled_equals_numpy(cell, token_input, kernel_calls):
    """Generation's stepper (no cache) from the same states, step by step."""
    config = (cell, False, 2, "tokens" if token_input else "dense", "all")
    net, params, _ = _network_case(config, [1])
    B, T = 4, 6
    rng = np.random.default_rng(2)
    shape = (net.n_states, B, HIDDEN)
    h0 = rng.standard_normal(shape)
    c0 = rng.standard_normal(shape) if cell[0] == "lstm" else None
    if token_input:
        X = rng.integers(0, VOCAB, (T, B))
    else:
        X = rng.standard_normal((T, B, N_FEATURES))
    with engine("numpy"):
        reference = Stepper(net, params, h0, c0)
    with engine("compiled"):
        stepper = Stepper(net, params, h0, c0)
    for t in range(T):  # the engine was chosen when the stepper allocated
        expected = reference.step(X[t]).copy()
        assert_agree(stepper.step(X[t]), expected, RTOL64, ATOL64, f"step {t}")
        assert_agree(stepper.h, reference.h, RTOL64, ATOL64, f"h at step {t}")
        if c0 is not None:
            assert_agree(stepper.c, reference.c, RTOL64, ATOL64, f"c at step {t}")
    assert kernel_calls[f"{cell[0]}_forward"] == 2 * T
    assert not kernel_calls[f"{cell[0]}_backward"]


# --- each kernel, on random buffers -----------------------------------------------


def _random_buffers(cell, dtype, need_cache, rng, B=5, N=9):
    """Forward buffers of one direction, every array filled at random."""
    G = cell.n_gates * HIDDEN
    h0 = rng.standard_normal((B, HIDDEN)).astype(dtype)
    gates = rng.standard_normal((N, G)).astype(dtype)
    buf = cell.allocate(gates, h0, h0[::-1].copy(), N, need_cache)
    for name in DirectionBuffers.__slots__:
        value = getattr(buf, name)
        if isinstance(value, np.ndarray):
            value[...] = rng.standard_normal(value.shape)
    return buf


def _twin(buf, kernels):
    """A copy of ``buf`` with copies of its arrays, running ``kernels``."""
    twin = copy.copy(buf)
    for name in DirectionBuffers.__slots__:
        value = getattr(buf, name)
        if isinstance(value, np.ndarray):
            setattr(twin, name, value.copy())
    twin.kernels = kernels
    return twin


def _assert_buffers_agree(got, expected, dtype):
    """Every array of the buffers but the scratch rows (whose intermediate
    contents are the NumPy code's own). One step: measured 4.1e-16 (float64)
    and 1.4e-7 (float32) of each array's largest entry."""
    rtol, atol_scale = (1e-5, 2e-6) if dtype == np.float32 else (1e-13, 1e-15)
    scratch = ("scratch", "scratch_h", "masked_h")
    for name in DirectionBuffers.__slots__:
        value = getattr(expected, name)
        if isinstance(value, np.ndarray) and name not in scratch:
            assert_agree(getattr(got, name), value, rtol, atol_scale, name)


def _random_params(cell, dtype, rng, n_inputs=3):
    """The cell's parameters, by name, drawn at random."""
    shapes = cell.param_shapes(n_inputs, HIDDEN)
    return {
        name: rng.standard_normal(shape).astype(dtype) for name, shape in shapes.items()
    }


DTYPES = [np.float32, np.float64]


@pytest.mark.parametrize("need_cache", [True, False], ids=["cache", "no_cache"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("config", CELL_CONFIGS, ids="-".join)
def test_forward_kernel_equals_the_cell(config, dtype, need_cache, kernel_calls):
    """One forward step on rows 2:6 (4 of 5 live sequences), every array."""
    cell = make_cell(*config)
    rng = np.random.default_rng(0)
    weights = cell.forward_weights(_random_params(cell, dtype, rng), HIDDEN)
    expected = _random_buffers(cell, dtype, need_cache, rng)
    got = _twin(expected, K)
    expected.kernels = None
    cell.forward_step(weights, expected, 2, 6)
    cell.forward_step(weights, got, 2, 6)
    assert kernel_calls[f"{cell.name}_forward"] == 1
    _assert_buffers_agree(got, expected, dtype)


@pytest.mark.parametrize("dh_out", [True, False], ids=["dh_out", "no_dh_out"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("config", CELL_CONFIGS, ids="-".join)
def test_backward_kernel_equals_the_cell(config, dtype, dh_out, kernel_calls):
    """One backward step on rows 2:6, with and without the outputs' gradient."""
    cell = make_cell(*config)
    rng = np.random.default_rng(1)
    params = _random_params(cell, dtype, rng)
    expected = _random_buffers(cell, dtype, True, rng)
    B = expected.h_state.shape[0]
    d_final = rng.standard_normal((B, HIDDEN)).astype(dtype)
    cell.allocate_backward(expected, d_final, d_final[::-1])
    expected.gates[...] = rng.uniform(-1, 1, expected.gates.shape)  # activations
    d_out = rng.standard_normal((4, HIDDEN)).astype(dtype) if dh_out else None
    got = _twin(expected, K)
    expected.kernels = None
    W_hh_T = recurrent_transpose(params)
    cell.backward_step(W_hh_T, expected, 2, 6, d_out)
    cell.backward_step(W_hh_T, got, 2, 6, None if d_out is None else d_out.copy())
    assert kernel_calls[f"{cell.name}_backward"] == 1
    _assert_buffers_agree(got, expected, dtype)


#: Each kernel's arguments: name and width in hidden sizes (0: the flag relu;
#: None: b_hh, one row of 3 H), in order.
KERNEL_ARGS = {
    "rnn_forward": [("g", 1), ("rec", 1), ("h", 1), ("h_out", 1), ("h_prev", 1),
                    ("relu", 0)],
    "rnn_backward": [("g", 1), ("dh", 1), ("dh_out", 1), ("relu", 0)],
    "lstm_forward": [("g", 4), ("rec", 4), ("c", 1), ("h", 1), ("h_out", 1),
                     ("tanh_c", 1), ("h_prev", 1), ("c_prev", 1)],
    "lstm_backward": [("g", 4), ("dh", 1), ("dh_out", 1), ("dc", 1), ("tanh_c", 1),
                      ("c_prev", 1)],
    "gru_forward": [("g", 3), ("gh", 3), ("b_hh", None), ("h", 1), ("h_out", 1),
                    ("gh_n", 1), ("h_prev", 1)],
    "gru_backward": [("g", 3), ("d_rec", 3), ("dh", 1), ("dh_out", 1),
                     ("h_prev", 1), ("gh_n", 1)],
}  # fmt: skip


def _kernel_args(name, dtype, n=3, H=4):
    """Random arguments of kernel ``name`` for ``n`` rows (all optional ones)."""
    rng = np.random.default_rng(0)
    args = []
    for _, width in KERNEL_ARGS[name]:
        if width == 0:
            args.append(False)
        else:
            shape = (3 * H,) if width is None else (n, width * H)
            args.append(rng.standard_normal(shape).astype(dtype))
    return args


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", KERNEL_NAMES)
def test_kernel_on_no_rows_is_a_no_op(name, dtype):
    """n == 0 rows (an empty step) returns without touching anything."""
    args = _kernel_args(name, dtype, n=0)
    before = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    assert getattr(K, name)(*args) is None
    for a, b in zip(args, before, strict=True):
        assert_array_equal(a, b)


def _bad_variants(a):
    """(variant of array ``a``, the error it must raise) pairs."""
    frozen = a.copy()
    frozen.flags.writeable = False
    return [
        (np.zeros(a.shape[:-1] + (a.shape[-1] + 1,)), "step kernel: "),
        (a.astype(np.float32), "Buffer dtype mismatch"),
        (np.repeat(a, 2, axis=-1)[..., ::2], "not C-contiguous"),
        (frozen, "read-only"),
    ]


@pytest.mark.parametrize("name", KERNEL_NAMES)
def test_kernel_checks_its_arguments(name):
    """Wrong width, mixed dtypes, non-contiguous and read-only arrays raise."""
    kernel = getattr(K, name)
    args = _kernel_args(name, np.float64)
    kernel(*args)  # well formed
    for k, arg in enumerate(args):
        if not isinstance(arg, np.ndarray):
            continue
        for bad, message in _bad_variants(arg):
            with pytest.raises(ValueError, match=message):
                kernel(*args[:k], bad, *args[k + 1 :])
    with pytest.raises(TypeError):  # no integer kernel
        kernel(*[a.astype(np.int64) if k == 0 else a for k, a in enumerate(args)])


def test_kernel_shape_error_names_the_array():
    """A ``rec`` of the wrong width is named, with both shapes."""
    g, rec, h, h_out, h_prev, relu = _kernel_args("rnn_forward", np.float64)
    message = r"step kernel: rec has shape \(3, 5\), expected \(3, 4\)"
    with pytest.raises(ValueError, match=message):
        K.rnn_forward(g, np.zeros((3, 5)), h, h_out, h_prev, relu)
    with pytest.raises(ValueError, match="h_prev and c_prev go together"):
        args = _kernel_args("lstm_forward", np.float64)
        K.lstm_forward(*args[:-1], None)
    with pytest.raises(ValueError, match="b_hh must have 3 H entries"):
        args = _kernel_args("gru_forward", np.float64)
        K.gru_forward(args[0], args[1], args[2][:-1], *args[3:])


# --- the tanh of the kernels ----------------------------------------------------------

SPECIAL = [0.0, -0.0, 1e-30, -1e-20, 1e-8, -1e-3, np.inf, -np.inf, np.nan]


def _kernel_tanh(x, relu=False):
    """``act(x)`` by ``rnn_forward`` (rec zero, no cache), and its copies."""
    g = np.array(x).reshape(1, -1)
    h, h_out = np.empty_like(g), np.empty_like(g)
    K.rnn_forward(g, np.zeros_like(g), h, h_out, None, relu)
    assert_array_equal(h, g)
    assert_array_equal(h_out, g)
    return g[0]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_kernel_tanh_is_accurate(dtype):
    """Within 4 eps of tanh, relative (at most 2.3 eps in float32 and 2.4 in
    float64, measured on millions of points), NaN kept, +-inf to +-1."""
    info = np.finfo(dtype)
    dense = np.linspace(-20, 20, 200_001)
    spread = np.geomspace(1e-38, 20, 20_001)
    edges = [info.tiny, info.max, -info.max]
    x = np.concatenate([dense, spread, -spread, edges, SPECIAL]).astype(dtype)
    y = _kernel_tanh(x)
    # float32: against float64's tanh; float64: against long double's (x86
    # extended) where it is more precise, else float64's own (1 ulp)
    reference = np.tanh(x.astype(np.float64 if dtype == np.float32 else np.longdouble))
    error = np.abs(y.astype(reference.dtype) - reference)
    # below the normal range the float32 polynomial works in subnormals: a
    # relative error of up to 100 ulp there, an absolute one of 2e-43
    bound = 4 * info.eps * np.abs(reference) + info.tiny
    finite = np.isfinite(x)
    assert np.all(error[finite] <= bound[finite]), np.max(error[finite] / bound[finite])
    assert np.all(np.abs(y[finite]) <= 1)
    assert np.all(np.sign(y[finite]) == np.sign(x[finite]))
    specials = y[-len(SPECIAL) :]
    assert_array_equal(specials[[0, 1]], 0.0)
    assert_array_equal(specials[[6, 7]], [1.0, -1.0])
    assert np.isnan(specials[8])
    assert_array_equal(_kernel_tanh(-x[finite]), -y[finite])  # odd


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_kernel_relu_keeps_nan(dtype):
    """ReLU as ``np.maximum(x, 0)``: NaN stays NaN, infinities as they are."""
    x = np.array([-2.0, -0.0, 0.0, 1e-30, 3.5, np.inf, -np.inf, np.nan], dtype)
    with np.errstate(invalid="ignore"):
        assert_array_equal(_kernel_tanh(x, relu=True), np.maximum(x, 0))


# --- Adam's update -------------------------------------------------------------------


def _adam_run(dtype, weight_decay, lazy):
    """Parameters and moments after eight Adam updates of awkward gradients:
    ordinary, tiny (their squares underflow in float32), large, zeros."""
    rng = np.random.default_rng(3)
    n = 1001  # odd: the vector loops' remainders run too
    params = rng.standard_normal(n).astype(dtype)
    grads = [(rng.standard_normal(n) * s).astype(dtype) for s in (1, 1e-6, 1e3, 1e-25)]
    grads[0][:17] = 0
    rows = [TableRows(100, 200, 10, [0, 3, 7])] if lazy else None
    optimizer = AdamOptimizer(
        params, 0.01, weight_decay=weight_decay, decay_spans=[(0, 50)] if lazy else None
    )
    for g in grads * 2:
        optimizer.update_params(params, g, rows=rows)
    return params, optimizer.m, optimizer.v


@pytest.mark.parametrize("lazy", [False, True], ids=["dense", "lazy_rows"])
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_adam_kernel_is_bit_identical_to_numpy(dtype, weight_decay, lazy, monkeypatch):
    """The fused update is the reference's twelve calls, bit for bit."""
    calls = []
    fused = K.adam_update
    monkeypatch.setattr(K, "adam_update", lambda *a: calls.append(1) or fused(*a))
    with engine("numpy"):
        expected = _adam_run(dtype, weight_decay, lazy)
    assert not calls
    with engine("compiled"):
        got = _adam_run(dtype, weight_decay, lazy)
    # lazy: the dense spans before and after the table, then the table's rows
    assert len(calls) == (8 * 3 if lazy else 8)
    for name, a, b in zip(("params", "m", "v"), got, expected, strict=True):
        assert a.dtype == b.dtype == dtype
        assert_array_equal(a, b, err_msg=name)


@pytest.mark.parametrize("name", ["compiled", "numpy"])
def test_adam_scratch_is_made_only_for_the_numpy_rule(name):
    """The fused update needs no scratch: two parameter-sized buffers saved."""
    params = np.zeros(10, dtype=np.float32)
    optimizer = AdamOptimizer(params)
    with engine(name):
        optimizer.update_params(params, np.ones_like(params))
    assert (optimizer._scratch is None) == (name == "compiled")


def test_adam_kernel_checks_its_arguments():
    a = np.zeros(5)
    K.adam_update(a, a.copy(), a.copy(), a.copy(), 0.9, 0.999, 1e-8, 0.1)
    with pytest.raises(ValueError, match="one length, got 5, 4, 5 and 5"):
        K.adam_update(a, a[:4].copy(), a.copy(), a.copy(), 0.9, 0.999, 1e-8, 0.1)
    with pytest.raises(ValueError, match="not C-contiguous"):
        K.adam_update(a, np.zeros(10)[::2], a.copy(), a.copy(), 0.9, 0.999, 1e-8, 0.1)
    with pytest.raises(ValueError, match="Buffer dtype mismatch"):  # one dtype
        K.adam_update(a, a.astype(np.float32), a, a, 0.9, 0.999, 1e-8, 0.1)


# --- engine selection ----------------------------------------------------------------


def test_engine_switches_and_restores():
    """``engine('numpy')`` turns the kernels off for a block, even on error."""
    before = step_kernels(np.float64)
    with engine("numpy"):
        assert step_kernels(np.float64) is None
        assert step_kernels(np.float32) is None
        with engine("compiled"):
            assert step_kernels(np.float64) is K
        assert step_kernels(np.float64) is None
    assert step_kernels(np.float64) is before
    with pytest.raises(RuntimeError, match="inside"):
        with engine("numpy"):
            raise RuntimeError("inside")
    assert step_kernels(np.float64) is before
    with engine("compiled"):
        assert step_kernels(np.float64) is K
        assert step_kernels(np.float32) is K
        for dtype in (np.int64, np.float16, np.complex128, np.intp):
            assert step_kernels(np.dtype(dtype)) is None


def test_engine_refuses_an_unknown_name():
    """``engine('bogus')`` raises instead of running the block."""
    with pytest.raises(ValueError, match="engine must be one of"):
        with engine("bogus"):
            pass  # pragma: no cover


def test_engine_description_and_availability():
    """'numpy', or 'compiled (<instruction set>)' with the kernels on."""
    assert compiled_available()
    assert K.instruction_set() in (
        "avx512f",
        "avx2",
        "x86-64 baseline",
        "portable C, one build",
    )
    with engine("numpy"):
        assert engine_description() == "numpy"
    with engine("compiled"):
        assert engine_description() == f"compiled ({K.instruction_set()})"


def test_buffers_take_the_engine_of_their_allocation():
    """The engine is chosen when a pass allocates; then it holds for the pass."""
    cell = make_cell("gru")
    gates, h0 = np.zeros((4, 3 * HIDDEN)), np.zeros((2, HIDDEN))
    with engine("numpy"):
        buf = cell.allocate(gates, h0, None, 4, True)
    assert buf.kernels is None
    with engine("compiled"):
        assert cell.allocate(gates, h0, None, 4, True).kernels is K
        strided = np.zeros((4, 6 * HIDDEN))[:, ::2]  # not C-contiguous: NumPy
        assert cell.allocate(strided, h0, None, 4, True).kernels is None


# --- without the extension, and the environment variable (subprocesses) ----------

FALLBACK = """
import json, sys, warnings
import numpy as np
sys.modules["skrnn._engine._step_kernels"] = None  # as if never built
sequences, labels, options = json.load(sys.stdin)


def given():
    return [str(w.message) for w in caught if w.category is CompiledKernelsWarning]


with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import skrnn
    from skrnn.exceptions import CompiledKernelsWarning
    from skrnn._engine.kernels import (
        compiled_available, engine, engine_description, step_kernels,
    )
    at_import = given()
    X = [np.array(s) for s in sequences]
    clf = skrnn.RNNClassifier(**options, dtype=np.float64)
    proba = clf.fit(X, labels).predict_proba(X)
    assert not compiled_available() and engine_description() == "numpy"
    assert step_kernels(np.float32) is None and step_kernels(np.float64) is None
    try:
        with engine("compiled"):
            raise AssertionError("the compiled engine ran without its kernels")
    except ValueError as exc:
        assert "not available" in str(exc)
print(json.dumps(dict(proba=proba.tolist(), at_import=at_import, given=given())))
"""


def _python(code, stdin="", **environment):
    """Run ``code`` in a fresh interpreter that imports this skrnn."""
    env = {k: v for k, v in os.environ.items() if k != "SKRNN_ENGINE"}
    env.update(environment)
    package_root = os.path.dirname(os.path.dirname(skrnn.__file__))
    path = [package_root] + [p for p in [env.get("PYTHONPATH")] if p]
    env["PYTHONPATH"] = os.pathsep.join(path)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        input=stdin,
        env=env,
        # `python -c` puts its working directory first on sys.path: from a
        # source checkout (tox runs there) it would import that tree instead
        cwd=package_root,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _tiny_task():
    """A few sequences of two features, their labels, a tiny classifier's options."""
    rng = np.random.default_rng(0)
    X = [rng.standard_normal((n, 2)) for n in (4, 1, 6, 3, 5, 2)]
    return X, [0, 1, 0, 1, 1, 0], dict(hidden_size=4, max_iter=3, random_state=0)


@pytest.mark.parametrize("variable", [None, "numpy"], ids=["default", "numpy"])
def test_without_the_extension_numpy_runs(variable):
    """Without the kernels: one warning at the first fit (none where
    SKRNN_ENGINE asks for NumPy), then results as the kernels give them."""
    X, y, options = _tiny_task()
    # JSON keeps float64 exactly (repr round-trips)
    task = json.dumps([[s.tolist() for s in X], y, options])
    environment = {} if variable is None else {"SKRNN_ENGINE": variable}
    result = _python(FALLBACK, stdin=task, **environment)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["at_import"] == []
    assert len(report["given"]) == (1 if variable is None else 0), report["given"]
    if variable is None:
        assert "the NumPy engine runs instead" in report["given"][0]
    with engine("compiled"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = skrnn.RNNClassifier(**options, dtype=np.float64)
        expected = clf.fit(X, y).predict_proba(X)
    # measured 2e-16; the margin is for three Adam steps on other machines
    assert_allclose(report["proba"], expected, rtol=1e-10)


def test_environment_variable_selects_numpy():
    """``SKRNN_ENGINE=numpy`` turns the kernels off for the process, quietly."""
    code = """
    import warnings
    warnings.simplefilter("error")  # no CompiledKernelsWarning: the kernels exist
    import numpy as np
    from skrnn._engine.kernels import (
        compiled_available, engine, engine_description, step_kernels,
    )
    assert compiled_available()
    assert step_kernels(np.float32) is None and engine_description() == "numpy"
    with engine("compiled"):
        assert step_kernels(np.float32) is not None
    print("ok")
    """
    result = _python(code, SKRNN_ENGINE=" NumPy ")  # stripped, any case
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_environment_variable_refuses_an_unknown_engine():
    """An unknown ``SKRNN_ENGINE`` is a ValueError that names the variable."""
    # the engine is imported with the first estimator, not by ``import skrnn``
    result = _python("import skrnn; skrnn.RNNClassifier", SKRNN_ENGINE="bogus")
    assert result.returncode != 0
    assert "ValueError" in result.stderr
    assert "SKRNN_ENGINE='bogus'" in result.stderr


# -- the softmax cross-entropy of the head -----------------------------------


def _cross_entropy_case(dtype, weighted, scale=3.0, n=40, C=7, seed=0):
    rng = np.random.default_rng(seed)
    logits = (scale * rng.standard_normal((n, C))).astype(dtype)
    y = rng.integers(0, C, n)
    weights = rng.uniform(0, 2, n).astype(dtype) if weighted else None
    if weighted:
        weights[::5] = 0  # masked rows
    return logits, y, weights


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("scale", [0.1, 3.0, 300.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cross_entropy_matches_numpy(dtype, scale, weighted):
    """Loss and gradient as the NumPy code: 1e-12 in float64, float32 rounding."""
    from skrnn._engine.losses import softmax_cross_entropy

    logits, y, weights = _cross_entropy_case(dtype, weighted, scale)
    results = {}
    for name in ("numpy", "compiled"):
        with engine(name):
            z = logits.copy()
            loss, grad = softmax_cross_entropy(z, y, weights, normalizer=17.0)
            assert grad is z and grad.dtype == dtype
            results[name] = loss, grad
    (loss_np, grad_np), (loss_c, grad_c) = results["numpy"], results["compiled"]
    rtol = 1e-12 if dtype == np.float64 else 2e-6
    assert loss_c == pytest.approx(loss_np, rel=rtol)
    # the true class's entry (p - 1) * w / n cancels where p is near 1: its
    # rounding error is that of p, a few ulp of the row's coefficient w / n
    coefficient = (1.0 if weights is None else weights.max()) / 17.0
    atol = 4 * np.finfo(dtype).eps * coefficient
    assert_allclose(grad_c, grad_np, rtol=rtol, atol=atol)


def test_cross_entropy_kernel_keeps_nan_and_checks_classes():
    """NaN logits give a NaN loss (as NumPy's); a class out of range raises."""
    from skrnn._engine.losses import softmax_cross_entropy

    logits, y, _ = _cross_entropy_case(np.float32, False)
    logits[3, 2] = np.nan
    with engine("compiled"):  # whatever SKRNN_ENGINE says (tox's oldest: numpy)
        loss, _ = softmax_cross_entropy(logits, y)
        assert np.isnan(loss)
        logits, y, _ = _cross_entropy_case(np.float64, False)
        y[4] = 7
        with pytest.raises(ValueError, match=r"y\[4\] = 7 is not a class of 7"):
            softmax_cross_entropy(logits, y)


def _sampling_cases(n_cases=200, seed=0):
    """Random logits (both dtypes, some rows with -inf), temperatures, draws."""
    rng = np.random.default_rng(seed)
    for case in range(n_cases):
        n, V = int(rng.integers(1, 40)), int(rng.integers(1, 300))
        dtype = DTYPES[case % 2]
        logits = (rng.standard_normal((n, V)) * rng.uniform(0.1, 30)).astype(dtype)
        if case % 5 == 0:
            logits[:, ::3] = -np.inf  # tokens of probability 0
        temperature = float(rng.choice([1e-8, 0.1, 0.7, 1.0, 3.0, 1e6]))
        yield logits, temperature, case


def test_sampling_kernel_draws_numpys_token():
    # The same uniform draws, through NumPy's path and the kernel: the same
    # token in every row (they differ by rounding only, so a disagreement
    # needs a draw within ~1e-16 of a boundary; none in these 4,000 rows).
    n_rows = 0
    for logits, temperature, case in _sampling_cases():
        with engine("numpy"):
            expected = sample_next(logits, np.random.default_rng(case), temperature)
        got = np.empty(len(logits), dtype=np.intp)
        u = np.random.default_rng(case).random(len(logits))
        K.sample_tokens(logits, temperature, u, got)
        assert_array_equal(got, expected, err_msg=f"case {case}, T={temperature}")
        n_rows += len(logits)
        with engine("compiled"):  # and sample_next takes the kernel's path
            assert_array_equal(
                sample_next(logits, np.random.default_rng(case), temperature), got
            )
    assert n_rows > 3000


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_sampling_kernel_at_the_ends_of_the_draws(dtype):
    # u = 0 takes the first token of nonzero probability, u just below 1 the
    # last; a token of probability 0 (-inf, or underflowed) is never drawn.
    logits = np.array(
        [[-np.inf, 1.0, 2.0, -np.inf], [-2000.0, 0.0, -2000.0, -2000.0]], dtype=dtype
    )
    out = np.empty(2, dtype=np.intp)
    K.sample_tokens(logits, 1.0, np.zeros(2), out)
    assert_array_equal(out, [1, 1])
    K.sample_tokens(logits, 1.0, np.full(2, np.nextafter(1.0, 0.0)), out)
    assert_array_equal(out, [2, 1])


def test_sampling_kernel_on_nan_and_its_argument_checks():
    # NaN logits give token 0, as NumPy's path does (the generator checks the
    # logits it computes and raises before using them).
    logits = np.array([[np.nan, 1.0, 2.0], [0.0, 0.0, np.inf]])
    out = np.full(2, 7, dtype=np.intp)
    K.sample_tokens(logits, 1.0, np.full(2, 0.5), out)
    assert_array_equal(out, [0, 0])
    u = np.full(2, 0.5)
    with pytest.raises(ValueError, match="temperature must be positive"):
        K.sample_tokens(logits, 0.0, u, out)
    with pytest.raises(ValueError, match="u has 3 entries for 2 rows"):
        K.sample_tokens(logits, 1.0, np.full(3, 0.5), out)
    with pytest.raises(ValueError, match="out has 1 entries for 2 rows"):
        K.sample_tokens(logits, 1.0, u, np.empty(1, dtype=np.intp))
    with pytest.raises(ValueError, match="at least one token"):
        K.sample_tokens(np.empty((2, 0)), 1.0, u, out)
    with pytest.raises(ValueError, match="contiguous"):
        K.sample_tokens(np.asfortranarray(np.ones((2, 3))), 1.0, u, out)
    K.sample_tokens(np.empty((0, 3)), 1.0, np.empty(0), np.empty(0, dtype=np.intp))
