# SPDX-License-Identifier: BSD-3-Clause
"""Finite-difference gradient checks of the whole engine, in float64.

Every cell and activation x uni/bidirectional x 1 and 2 layers x equal and
variable lengths x many-to-one and many-to-many x dense and token input, with
respect to every parameter tensor, the dense inputs and the initial states,
under a random upstream gradient on the outputs and on the final states.
"""

import numpy as np
import pytest
from engine_cases import config_grid, config_id, make_case

from skrnn._engine.gradcheck import (
    numerical_gradient,
    relative_error,
    sample_indices,
)
from skrnn._engine.layers import dropout_mask

TOL = 1e-6
MAX_COORDS = 16  # sampled coordinates per parameter tensor


def _upstream(net, params, x, packing, h0, c0, rng):
    y, h_n, c_n, _ = net.forward(params, x, packing, h0, c0)
    dy = rng.standard_normal(y.shape)
    dh = rng.standard_normal(h_n.shape)
    dc = None if c_n is None else rng.standard_normal(c_n.shape)

    def objective():
        y, h_n, c_n, _ = net.forward(params, x, packing, h0, c0)
        value = np.sum(y * dy) + np.sum(h_n * dh)
        if c_n is not None:
            value += np.sum(c_n * dc)
        return float(value)

    return dy, dh, dc, objective


def check_all_gradients(net, params, x, packing, h0, c0, rng):
    """Return {name: relative error} for every tensor the gradient reaches."""
    dy, dh, dc, objective = _upstream(net, params, x, packing, h0, c0, rng)
    _, _, _, cache = net.forward(params, x, packing, h0, c0, need_cache=True)
    grads, dx, dh0, dc0 = net.backward(
        params,
        cache,
        dy.copy(),
        dh.copy(),
        None if dc is None else dc.copy(),
        need_dx=not net.inputs.n_columns,
    )
    errors = {}
    P = net.layout.views(params)
    G = net.layout.views(grads)
    for name in net.layout.names:
        idx = sample_indices(P[name].size, MAX_COORDS, rng)
        numeric = numerical_gradient(objective, P[name], idx)
        errors[name] = relative_error(G[name].reshape(-1)[idx], numeric)
    if not net.inputs.n_columns:
        idx = sample_indices(x.size, 2 * MAX_COORDS, rng)
        errors["x"] = relative_error(
            dx.reshape(-1)[idx], numerical_gradient(objective, x, idx)
        )
    idx = np.arange(h0.size)
    errors["h0"] = relative_error(
        dh0.reshape(-1), numerical_gradient(objective, h0, idx)
    )
    if c0 is not None:
        errors["c0"] = relative_error(
            dc0.reshape(-1), numerical_gradient(objective, c0, idx)
        )
    return errors


@pytest.mark.parametrize("config", config_grid(), ids=config_id)
def test_gradients_match_finite_differences(config):
    net, params, _, x, packing, h0, c0, rng = make_case(config)
    errors = check_all_gradients(net, params, x, packing, h0, c0, rng)
    expected = set(net.layout.names) | {"h0"}
    expected |= {"x"} if not net.inputs.n_columns else set()
    expected |= {"c0"} if c0 is not None else set()
    assert set(errors) == expected
    bad = {k: v for k, v in errors.items() if not v < TOL}
    assert not bad, f"relative errors above {TOL}: {bad}"


@pytest.mark.parametrize("loss", ["cross_entropy", "squared_error"])
@pytest.mark.parametrize("head", ["last", "all"])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_loss_and_grad_matches_finite_differences(cell, head, loss):
    """The fused losses, with weights (some zero: masked) and a normalizer."""
    config = ((cell, "tanh"), True, 2, "variable", head, "dense")
    net, params, _, x, packing, h0, c0, rng = make_case(config)
    n_rows = packing.n_sequences if head == "last" else packing.n_rows
    if loss == "cross_entropy":
        y = rng.integers(0, net.n_outputs, size=n_rows)
    else:
        y = rng.standard_normal((n_rows, net.n_outputs))
    weights = rng.uniform(0.5, 2.0, size=n_rows)
    weights[1] = 0.0  # a masked row
    kwargs = dict(loss=loss, weights=weights, normalizer=7.0, h0=h0, c0=c0)
    value, grads, _, _ = net.loss_and_grad(params, x, packing, y, **kwargs)

    def objective():
        """The loss written out from the forward pass, not from the engine's."""
        out = net.forward(params, x, packing, h0, c0)[0]
        if loss == "cross_entropy":
            shifted = out - out.max(axis=1, keepdims=True)
            log_proba = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            per_row = -log_proba[np.arange(n_rows), y]
        else:
            per_row = 0.5 * ((out - y) ** 2).mean(axis=1)
        return float(np.dot(weights, per_row)) / 7.0

    # the fused loss is the weighted sum over the rows divided by the normalizer
    assert value == pytest.approx(objective(), rel=1e-12)
    idx = sample_indices(params.size, 120, rng)
    numeric = numerical_gradient(objective, params, idx)
    assert relative_error(grads[idx], numeric) < TOL


#: Each kind of dropout alone, then all at once: the network's attribute(s).
DROPOUT_KINDS = {
    "between": {"dropout": 0.5},
    "input": {"input_dropout": 0.5},
    "output": {"output_dropout": 0.5},
    "recurrent": {"recurrent_dropout": 0.5},
    "all": {
        "dropout": 0.3,
        "input_dropout": 0.3,
        "output_dropout": 0.3,
        "recurrent_dropout": 0.3,
    },
}


@pytest.mark.parametrize("kind", sorted(DROPOUT_KINDS))
@pytest.mark.parametrize("inputs", ["dense", "tokens", "columns", "embedded"])
@pytest.mark.parametrize("head", ["last", "all"])
@pytest.mark.parametrize(
    "cell", [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")]
)
def test_gradients_with_dropout(cell, head, inputs, kind):
    """Every cell with every kind of dropout: the masks come from the rng.

    A re-seeded rng draws the same masks, so the loss is a deterministic
    function of the weights and its gradient can be checked; a
    bidirectional stack of two layers with variable lengths, so that every
    mask (input, between layers, per direction, output) is exercised.
    """
    config = (cell, True, 2, "variable", head, inputs)
    net, params, _, x, packing, h0, c0, rng = make_case(config)
    for name, rate in DROPOUT_KINDS[kind].items():
        setattr(net, name, rate)
    n_targets = packing.n_rows if head == "all" else packing.n_sequences
    y = rng.integers(0, net.n_outputs, size=n_targets)

    def run(dropout_rng):
        return net.loss_and_grad(
            params, x, packing, y, loss="cross_entropy", h0=h0, c0=c0, rng=dropout_rng
        )

    value, grads, _, _ = run(np.random.default_rng(42))
    assert value != pytest.approx(run(None)[0])  # the masks really apply
    idx = sample_indices(params.size, 120, rng)
    numeric = numerical_gradient(lambda: run(np.random.default_rng(42))[0], params, idx)
    assert relative_error(grads[idx], numeric) < TOL


def test_recurrent_dropout_is_one_mask_per_sequence():
    """The forward pass equals the equations with one fixed mask per sequence.

    ``h_t = tanh(x_t @ W_xh + (h_{t-1} * m) @ W_hh + b)`` with the same mask
    ``m`` (drawn first from the rng) at every step: a mask drawn anew at
    each step, or applied to ``h_t`` itself, gives other outputs.
    """
    config = (("rnn", "tanh"), False, 1, "equal", None, "dense")
    net, params, seqs, x, packing, h0, c0, rng = make_case(config)
    net.recurrent_dropout = 0.5
    out, _, _, _ = net.forward(params, x, packing, h0, rng=np.random.default_rng(7))
    views = net.layout.views(params)
    B, H = h0.shape[1:]
    mask = dropout_mask(np.random.default_rng(7), (B, H), 0.5, np.float64)
    h = h0[0]
    expected = []
    for t in range(len(seqs[0])):
        x_t = np.stack([seq[t] for seq in seqs])
        h = np.tanh(
            x_t @ views["W_xh_l0"] + (h * mask) @ views["W_hh_l0"] + views["b_h_l0"]
        )
        expected.append(h)
    np.testing.assert_allclose(out, np.concatenate(expected), rtol=1e-12)


def test_gradients_with_dropout_between_layers():
    """Dropout masks come from the rng: a re-seeded rng gives the same mask."""
    config = (("lstm", "tanh"), True, 2, "variable", "all", "dense")
    net, params, _, x, packing, h0, c0, rng = make_case(config)
    net.dropout = 0.5
    y = rng.integers(0, net.n_outputs, size=packing.n_rows)

    def run():
        return net.loss_and_grad(
            params,
            x,
            packing,
            y,
            loss="cross_entropy",
            h0=h0,
            c0=c0,
            rng=np.random.default_rng(42),
        )

    value, grads, _, _ = run()
    no_dropout = net.loss_and_grad(
        params, x, packing, y, loss="cross_entropy", h0=h0, c0=c0
    )[0]
    assert value != pytest.approx(no_dropout)  # the mask really applies
    idx = sample_indices(params.size, 120, rng)
    numeric = numerical_gradient(lambda: run()[0], params, idx)
    assert relative_error(grads[idx], numeric) < TOL
