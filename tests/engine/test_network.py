# SPDX-License-Identifier: BSD-3-Clause
import numpy as np
import pytest
from engine_cases import (
    CELL_CONFIGS,
    HIDDEN,
    N_FEATURES,
    N_OUT,
    VOCAB,
    config_grid,
    config_id,
    make_case,
)

from skrnn._engine import RecurrentNetwork, pack_array, pack_sequences


@pytest.mark.parametrize("config", config_grid()[::5], ids=config_id)
def test_float32_stays_float32_end_to_end(config):
    net, params, _, x, packing, h0, c0, rng = make_case(config, dtype=np.float32)
    assert params.dtype == np.float32
    y, h_n, c_n, cache = net.forward(params, x, packing, h0, c0, need_cache=True)
    outs = [y, h_n] + ([c_n] if c_n is not None else [])
    assert all(a.dtype == np.float32 for a in outs)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    grads, dx, dh0, dc0 = net.backward(params, cache, dy, need_dx=True)
    for a in (grads, dx, dh0, dc0):
        assert a is None or a.dtype == np.float32


def test_float32_close_to_float64():
    config = (("lstm", "tanh"), True, 2, "variable", "all", "dense")
    net64, p64, _, x64, pk, h0, c0, _ = make_case(config, dtype=np.float64)
    net32, p32, _, x32, _, _, _, _ = make_case(config, dtype=np.float32)
    y64 = net64.forward(p64, x64, pk, h0, c0)[0]
    y32 = net32.forward(
        p64.astype(np.float32),
        x64.astype(np.float32),
        pk,
        h0.astype(np.float32),
        c0.astype(np.float32),
    )[0]
    np.testing.assert_allclose(y32, y64, rtol=1e-4, atol=1e-5)


def test_init_is_deterministic_and_dtype_independent():
    a = RecurrentNetwork("gru", 3, 4, 2, dtype=np.float64)
    b = RecurrentNetwork("gru", 3, 4, 2, dtype=np.float32)
    pa = a.init_params(np.random.default_rng(7))
    pb = b.init_params(np.random.default_rng(7))
    np.testing.assert_array_equal(pa.astype(np.float32), pb)
    np.testing.assert_array_equal(pa, a.init_params(np.random.default_rng(7)))


def test_initialisation_scheme():
    net = RecurrentNetwork("lstm", 3, 4, 2, dtype=np.float64)
    P = net.layout.views(net.init_params(np.random.default_rng(0)))
    H = 4
    for k in range(4):  # every gate block of W_hh is orthogonal
        block = P["W_hh_l0"][:, k * H : (k + 1) * H]
        np.testing.assert_allclose(block.T @ block, np.eye(H), atol=1e-12)
    # every bias zero, the forget gate's too (FORGET_BIAS_INIT)
    np.testing.assert_array_equal(P["b_h_l0"], 0.0)
    assert np.abs(P["W_xh_l0"]).max() <= np.sqrt(6 / (3 + H))


def test_parameter_names_and_shapes():
    net = RecurrentNetwork("gru", 3, 4, 2, num_layers=2, bidirectional=True)
    shapes = net.layout.shapes
    assert shapes["W_xh_l0"] == (3, 12)
    assert shapes["W_xh_l1_reverse"] == (8, 12)
    assert shapes["b_hh_l1"] == (12,)
    assert shapes["W_hy"] == (8, 2)
    assert net.weight_names == [n for n in shapes if n.startswith("W_")]


def test_weight_spans_are_where_the_weight_matrices_lie():
    net = RecurrentNetwork("lstm", 3, 4, 2, num_layers=2, bidirectional=True)
    flat = np.arange(net.layout.size, dtype=net.dtype)
    views = net.layout.views(flat)
    spans = net.weight_spans
    assert len(spans) == len(net.weight_names) == 4 * 2 + 1
    for (start, stop), name in zip(spans, net.weight_names, strict=True):
        assert isinstance(start, int) and isinstance(stop, int)
        np.testing.assert_array_equal(flat[start:stop], views[name].ravel())
    # every parameter outside the spans is a bias
    inside = np.zeros(net.layout.size, dtype=bool)
    for start, stop in spans:
        inside[start:stop] = True
    biases = [n for n in net.layout.names if not n.startswith("W_")]
    assert (~inside).sum() == sum(views[n].size for n in biases)


def test_cache_cannot_be_used_twice():
    config = (("rnn", "tanh"), False, 1, "equal", "last", "dense")
    net, params, _, x, packing, h0, c0, _ = make_case(config)
    y, _, _, cache = net.forward(params, x, packing, h0, c0, need_cache=True)
    net.backward(params, cache, np.ones_like(y))
    with pytest.raises(RuntimeError, match="already used"):
        net.backward(params, cache, np.ones_like(y))


def test_final_state_carries_over_windows():
    """Running two windows with the carried state equals one long run."""
    rng = np.random.default_rng(0)
    net = RecurrentNetwork(
        "lstm", 6, 5, 6, head="all", token_input=True, dtype=np.float64
    )
    params = net.init_params(rng)
    codes = rng.integers(0, 6, size=(3, 10))
    x, pk = pack_array(codes)
    y_full, h_full, c_full, _ = net.forward(params, x, pk)
    x1, pk1 = pack_array(codes[:, :4])
    x2, pk2 = pack_array(codes[:, 4:])
    y1, h1, c1, _ = net.forward(params, x1, pk1)
    y2, h2, c2, _ = net.forward(params, x2, pk2, h1, c1)
    np.testing.assert_allclose(np.concatenate([y1, y2]), y_full, atol=1e-12)
    np.testing.assert_allclose(h2, h_full, atol=1e-12)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(cell="cnn"), "cell must be one of"),
        (dict(cell="lstm", activation="relu"), "vanilla cell only"),
        (dict(cell="rnn", activation="sigmoid"), "'tanh' or 'relu'"),
        (dict(cell="rnn", head="first"), "head must be one of"),
        (dict(cell="rnn", dtype=np.float16), "float32 or float64"),
    ],
)
def test_bad_configuration_raises(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RecurrentNetwork(n_inputs=2, hidden_size=3, n_outputs=2, **kwargs)


def test_bad_inputs_raise():
    net = RecurrentNetwork("rnn", 2, 3, 2, dtype=np.float32)
    params = net.init_params(np.random.default_rng(0))
    x, pk = pack_sequences([np.zeros((3, 2))])  # float64 into a float32 network
    with pytest.raises(ValueError, match="dtype float32"):
        net.forward(params, x, pk)
    x, pk = pack_sequences([np.zeros((3, 2), np.float32)])
    with pytest.raises(ValueError, match="h0 must have shape"):
        net.forward(params, x, pk, h0=np.zeros((1, 2, 3), np.float32))
    with pytest.raises(ValueError, match="flat parameter vector"):
        net.forward(params.astype(np.float64), x, pk)


@pytest.mark.parametrize("token_input", [False, True], ids=["dense", "tokens"])
@pytest.mark.parametrize("upstream", [np.float32, np.float64])
@pytest.mark.parametrize("head", [None, "last", "all"])
@pytest.mark.parametrize(("cell", "activation"), CELL_CONFIGS, ids="-".join)
def test_float32_stays_float32(cell, activation, head, upstream, token_input):
    """Every array a float32 network returns is float32.

    Also when the caller's upstream gradients are float64 (they must not
    promote the gradients, states or inputs' gradient).
    """
    rng = np.random.default_rng(2)
    lengths = [3, 7, 1, 5]  # not sorted, with a length-1 sequence
    n_inputs = VOCAB if token_input else N_FEATURES
    net = RecurrentNetwork(
        cell,
        n_inputs,
        HIDDEN,
        N_OUT if head else None,
        num_layers=2,
        bidirectional=True,
        activation=activation,
        head=head,
        token_input=token_input,
        dtype=np.float32,
    )
    params = net.init_params(rng)
    if token_input:
        seqs = [rng.integers(0, VOCAB, size=n) for n in lengths]
    else:
        seqs = [
            rng.standard_normal((n, N_FEATURES)).astype(np.float32) for n in lengths
        ]
    x, packing = pack_sequences(seqs)
    has_c = net.cell.has_cell_state
    state_shape = (net.n_states, len(lengths), HIDDEN)
    h0 = rng.standard_normal(state_shape).astype(np.float32)
    c0 = rng.standard_normal(state_shape).astype(np.float32) if has_c else None

    y, h_n, c_n, _ = net.forward(params, x, packing, h0, c0)
    arrays = {"y (no cache)": y, "h_n (no cache)": h_n, "c_n (no cache)": c_n}
    y, h_n, c_n, cache = net.forward(params, x, packing, h0, c0, need_cache=True)
    arrays.update({"y": y, "h_n": h_n, "c_n": c_n})
    dy = rng.standard_normal(y.shape).astype(upstream)
    dh_n = rng.standard_normal(state_shape).astype(upstream)
    dc_n = rng.standard_normal(state_shape).astype(upstream) if has_c else None
    grads, dx, dh0, dc0 = net.backward(params, cache, dy, dh_n, dc_n, need_dx=True)
    arrays.update({"grads": grads, "dx": dx, "dh0": dh0, "dc0": dc0})
    arrays.update(net.layout.views(grads))

    assert (c_n is not None) == has_c and (dc0 is not None) == has_c
    assert (dx is None) == token_input
    for name, array in arrays.items():
        if array is not None:
            assert array.dtype == np.float32, name


@pytest.mark.parametrize(
    "n_codes, width, scaled",
    [
        (4, 1, False),  # few codes: the bias from the 4 rows written
        (200, 1, False),  # most rows distinct: the bias from the batch's rows
        (4, 2, False),  # two codes per row: each row credited twice
        (4, 1, True),  # input dropout's scale
    ],
)
def test_input_grads_of_token_codes(n_codes, width, scaled):
    """The input weights' and bias's gradients of codes, whichever sum is made."""
    from skrnn._engine.cells import _input_grads

    rng = np.random.default_rng(0)
    N, V, G = 64, 300, 7
    codes = rng.integers(0, n_codes, size=(N, width) if width > 1 else N)
    scale = rng.choice([0.0, 2.0], size=codes.shape) if scaled else None
    d_in = rng.standard_normal((N, G))
    out_W, out_b = np.zeros((V, G)), np.full(G, np.nan)
    _input_grads(codes, d_in, True, out_W, out_b, scale)
    onehot = np.zeros((N, V))
    weights = np.ones(codes.shape) if scale is None else scale
    for k in range(width):
        column = codes if width == 1 else codes[:, k]
        onehot[np.arange(N), column] += weights if width == 1 else weights[:, k]
    np.testing.assert_allclose(out_W, onehot.T @ d_in, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out_b, d_in.sum(axis=0), rtol=1e-12, atol=1e-12)
