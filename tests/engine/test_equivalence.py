# SPDX-License-Identifier: BSD-3-Clause
"""A sequence alone gives the same numbers as inside a batch of other lengths.

Padding never enters a number: outputs, final states and gradients of each
sequence are those of the sequence run alone, for every configuration.
"""

import numpy as np
import pytest
from engine_cases import config_grid, config_id, make_case

from skrnn._engine import pack_array, pack_sequences, unpack_sequences


def _per_sequence_outputs(net, y, packing):
    if net.head == "last":
        return list(y)
    return unpack_sequences(y, packing)


@pytest.mark.parametrize(
    "config", [c for c in config_grid() if c[3] == "variable"], ids=config_id
)
def test_sequence_alone_equals_sequence_in_batch(config):
    net, params, seqs, x, packing, h0, c0, rng = make_case(config, lengths=[5, 2, 4, 1])
    y, h_n, c_n, cache = net.forward(params, x, packing, h0, c0, need_cache=True)
    dy = rng.standard_normal(y.shape)
    dh = rng.standard_normal(h_n.shape)
    dc = None if c_n is None else rng.standard_normal(c_n.shape)
    grads, dx, dh0, dc0 = net.backward(
        params,
        cache,
        dy.copy(),
        dh.copy(),
        None if dc is None else dc.copy(),
        need_dx=not net.inputs.n_columns,
    )
    outs = _per_sequence_outputs(net, y, packing)
    douts = _per_sequence_outputs(net, dy, packing)
    dxs = None if dx is None else unpack_sequences(dx, packing)
    grad_sum = np.zeros_like(grads)
    for i, seq in enumerate(seqs):
        xi, pi = pack_sequences([seq])
        sl = slice(i, i + 1)
        yi, hni, cni, ci = net.forward(
            params,
            xi,
            pi,
            h0[:, sl],
            None if c0 is None else c0[:, sl],
            need_cache=True,
        )
        np.testing.assert_allclose(
            yi.reshape(outs[i].shape), outs[i], rtol=1e-12, atol=1e-12
        )
        np.testing.assert_allclose(hni, h_n[:, sl], rtol=1e-12, atol=1e-12)
        dyi = douts[i][None] if net.head == "last" else douts[i]
        gi, dxi, dh0i, dc0i = net.backward(
            params,
            ci,
            dyi.copy(),
            dh[:, sl].copy(),
            None if dc is None else dc[:, sl].copy(),
            need_dx=not net.inputs.n_columns,
        )
        grad_sum += gi
        np.testing.assert_allclose(dh0i, dh0[:, sl], rtol=1e-10, atol=1e-12)
        if dx is not None:
            np.testing.assert_allclose(dxi, dxs[i], rtol=1e-10, atol=1e-12)
        if c0 is not None:
            np.testing.assert_allclose(cni, c_n[:, sl], rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(dc0i, dc0[:, sl], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad_sum, grads, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_nan_padding_never_leaks(cell):
    """Garbage (NaN) past each sequence's end changes nothing."""
    config = ((cell, "tanh"), True, 2, "variable", "all", "dense")
    net, params, seqs, _, _, h0, c0, _ = make_case(config)
    lengths = [len(s) for s in seqs]
    padded = np.full((len(seqs), max(lengths), seqs[0].shape[1]), np.nan)
    for i, s in enumerate(seqs):
        padded[i, : len(s)] = s
    x_pad, p_pad = pack_array(padded, lengths)
    x_ref, p_ref = pack_sequences(seqs)
    y_pad = net.forward(params, x_pad, p_pad, h0, c0)[0]
    y_ref = net.forward(params, x_ref, p_ref, h0, c0)[0]
    assert np.isfinite(y_pad).all()
    np.testing.assert_array_equal(y_pad, y_ref)


@pytest.mark.parametrize("config", config_grid()[::7], ids=config_id)
def test_inference_path_equals_training_path(config):
    net, params, _, x, packing, h0, c0, _ = make_case(config, dtype=np.float32)
    fast = net.forward(params, x, packing, h0, c0, need_cache=False)
    train = net.forward(params, x, packing, h0, c0, need_cache=True)
    for a, b in zip(fast[:3], train[:3], strict=True):
        if a is not None:
            np.testing.assert_array_equal(a, b)
