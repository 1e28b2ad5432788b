# SPDX-License-Identifier: BSD-3-Clause
"""The stepper (generation's loop) computes what the full forward pass does."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skrnn._engine import RecurrentNetwork, Stepper, pack_array


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("token_input", [True, False])
def test_steps_equal_the_forward_pass_of_the_whole_sequence(
    cell, num_layers, token_input
):
    rng = np.random.default_rng(0)
    B, T, F, H, V = 3, 5, 4, 6, 7
    net = RecurrentNetwork(
        cell,
        V if token_input else F,
        H,
        V,
        num_layers=num_layers,
        head="all",
        token_input=token_input,
        dtype=np.float64,
    )
    params = net.init_params(rng)
    params += 0.1 * rng.standard_normal(params.shape)  # biases not zero
    if token_input:
        X = rng.integers(0, V, size=(B, T))
    else:
        X = rng.standard_normal((B, T, F))
    shape = (net.n_states, B, H)
    h0 = rng.standard_normal(shape)
    c0 = rng.standard_normal(shape) if cell == "lstm" else None
    x, packing = pack_array(X)
    y, h_n, c_n, _ = net.forward(params, x, packing, h0, c0)
    expected = y.reshape(T, B, V)  # time-major packed rows, equal lengths

    h0_before = h0.copy()
    stepper = Stepper(net, params, h0, c0)
    for t in range(T):
        assert_allclose(stepper.step(X[:, t]), expected[t], rtol=1e-12, atol=1e-12)
    assert_allclose(stepper.h, h_n, rtol=1e-12, atol=1e-12)
    if cell == "lstm":
        assert_allclose(stepper.c, c_n, rtol=1e-12, atol=1e-12)
    else:
        assert stepper.c is None
    # the caller's states were copied, not updated in place
    assert_allclose(h0, h0_before, rtol=0, atol=0)


def test_stepper_refuses_what_it_cannot_step():
    rng = np.random.default_rng(0)
    h0 = np.zeros((2, 1, 3))
    bi = RecurrentNetwork("gru", 2, 3, 2, bidirectional=True, head="all")
    with pytest.raises(ValueError, match="unidirectional"):
        Stepper(bi, bi.init_params(rng), h0)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_headless_steps_and_selected_rows(cell):
    """Without a head a step is the last layer's state; ``select`` reorders."""
    rng = np.random.default_rng(1)
    B, T, H, V = 4, 3, 5, 6
    net = RecurrentNetwork(
        cell, V, H, num_layers=2, head=None, token_input=True, dtype=np.float64
    )
    params = net.init_params(rng)
    X = rng.integers(0, V, size=(B, T))
    shape = (net.n_states, B, H)
    h0 = rng.standard_normal(shape)
    c0 = rng.standard_normal(shape) if cell == "lstm" else None
    stepper = Stepper(net, params, h0, c0)
    stepper.step(X[:, 0])
    rows = np.array([2, 2, 0, 3])
    stepper.select(rows)
    # the rest of the sequences, continued from the selected rows' states
    x, packing = pack_array(X[:, 1:])
    after_first = Stepper(net, params, h0, c0)
    after_first.step(X[:, 0])
    h1 = after_first.h[:, rows]
    c1 = None if c0 is None else after_first.c[:, rows]
    out, h_n, _, _ = net.forward(params, x, packing, h1, c1)
    for t in range(T - 1):
        assert_allclose(
            stepper.step(X[:, t + 1]), out.reshape(T - 1, B, H)[t], rtol=1e-12
        )
    assert_allclose(stepper.h, h_n, rtol=1e-12)
