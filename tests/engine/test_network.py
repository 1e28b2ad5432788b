# SPDX-License-Identifier: BSD-3-Clause
import numpy as np
import pytest
from engine_cases import config_grid, config_id, make_case

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
    np.testing.assert_array_equal(P["b_h_l0"][H : 2 * H], 1.0)  # forget gate
    np.testing.assert_array_equal(np.delete(P["b_h_l0"], np.s_[H : 2 * H]), 0.0)
    assert np.abs(P["W_xh_l0"]).max() <= np.sqrt(6 / (3 + H))


def test_parameter_names_and_shapes():
    net = RecurrentNetwork("gru", 3, 4, 2, num_layers=2, bidirectional=True)
    shapes = net.layout.shapes
    assert shapes["W_xh_l0"] == (3, 12)
    assert shapes["W_xh_l1_reverse"] == (8, 12)
    assert shapes["b_hh_l1"] == (12,)
    assert shapes["W_hy"] == (8, 2)
    assert net.weight_names == [n for n in shapes if n.startswith("W_")]


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
