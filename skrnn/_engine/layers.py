# SPDX-License-Identifier: BSD-3-Clause
"""The unrolled recurrence: time loop, stacking, bidirectional layers.

Shapes use ``N`` for the number of packed rows (the sum of the sequence
lengths), ``B`` for the number of sequences, ``H`` for the hidden size and
``G`` for the number of gates of the cell.

Performance shape (see ``design/ENGINE.md``): the input projection of all
steps is one matrix product (or a row gather for token input) before the
loop; the loop does one product per step forward and one per step backward;
the weight gradients are one product each after the loop.

A forward direction runs steps ``0 .. T-1`` and the batch shrinks as
sequences end; a reverse direction runs ``T-1 .. 0`` and the batch grows as
sequences start, each from its own last step. In both cases the running
state buffer ``h_state`` of shape ``(B, H)`` holds, at every moment, the
current state of every sequence: at the start the initial state, and at the
end each sequence's final state. Its gradient counterpart ``dh_state`` works
the same way backwards, so final-state gradients enter at each sequence's own
last step and initial-state gradients come out at its first.
"""

import numpy as np
from scipy import sparse

from .cells import _Buffers

__all__ = [
    "direction_forward",
    "direction_backward",
    "stack_forward",
    "stack_backward",
    "layer_param_name",
]


def layer_param_name(name, layer, reverse):
    """Name of a cell parameter in a stack, PyTorch style (``W_hh_l1_reverse``)."""
    return f"{name}_l{layer}" + ("_reverse" if reverse else "")


def _input_projection(W_xh, b_in, x, token_input):
    """``x @ W_xh + b_in`` for dense ``x`` of shape (N, F); a row gather for codes."""
    if token_input:
        XW = np.take(W_xh, x, axis=0)
    else:
        XW = x @ W_xh
    XW += b_in
    return XW


def _token_weight_grad(codes, D, n_tokens):
    """``onehot(codes).T @ D`` without forming the one-hot matrix.

    Parameters
    ----------
    codes : ndarray of int, shape (N,)
    D : ndarray of shape (N, K)
    n_tokens : int

    Returns
    -------
    ndarray of shape (n_tokens, K)
    """
    N = codes.shape[0]
    onehot_T = sparse.csr_matrix(
        (np.ones(N, dtype=D.dtype), codes, np.arange(N + 1)), shape=(N, n_tokens)
    ).T
    return np.asarray(onehot_T @ D)


def direction_forward(cell, p, x, packing, reverse, h0, c0, need_cache, token_input):
    """Run one direction of one layer over a packed batch.

    Parameters
    ----------
    cell : cell object from :mod:`skrnn._engine.cells`
    p : dict of ndarray
        The cell's parameters (``W_xh``, ``W_hh`` and biases).
    x : ndarray of shape (N, n_inputs), or int ndarray of shape (N,)
        Packed input rows, or token codes when ``token_input``.
    packing : Packing
    reverse : bool
        Run from each sequence's last step to its first.
    h0, c0 : ndarray of shape (B, H)
        Initial state in sorted order (``c0`` is ignored unless LSTM).
    need_cache : bool
        Keep what :func:`direction_backward` needs.
    token_input : bool

    Returns
    -------
    h_out : ndarray of shape (N, H)
        The hidden state at every packed row.
    h_n, c_n : ndarray of shape (B, H)
        Final states in sorted order (``c_n`` is None unless LSTM).
    cache : object or None
    """
    H = p["W_hh"].shape[0]
    W = _Buffers()
    W_xh, b_in, W.W_hh, W.b_hh = cell.forward_weights(p, H)
    XW = _input_projection(W_xh, b_in, x, token_input)
    buf = cell.allocate(XW, h0, c0, packing.n_rows, need_cache)
    off = packing.offsets.tolist()
    steps = range(packing.n_steps - 1, -1, -1) if reverse else range(packing.n_steps)
    for t in steps:
        cell.forward_step(W, buf, off[t], off[t + 1])
    c_n = buf.c_state if cell.has_cell_state else None
    cache = None
    if need_cache:
        cache = _Buffers()
        cache.buf, cache.p, cache.x = buf, p, x
        cache.steps, cache.off, cache.token_input = steps, off, token_input
        cache.cell = cell
    return buf.h_out, buf.h_state, c_n, cache


def direction_backward(cache, dh_out, dh_n, dc_n, grads, need_dx):
    """Backpropagate through one direction of one layer.

    Parameters
    ----------
    cache : object
        From :func:`direction_forward` with ``need_cache=True``. It is
        consumed: its buffers are overwritten by the gradients.
    dh_out : ndarray of shape (N, H) or None
        Gradient of the loss with respect to ``h_out``.
    dh_n, dc_n : ndarray of shape (B, H) or None
        Gradient with respect to the final states.
    grads : dict of ndarray
        Views where the parameter gradients are written (assigned, not
        accumulated: each parameter belongs to exactly one direction).
    need_dx : bool
        Compute the gradient with respect to the (dense) input.

    Returns
    -------
    dx : ndarray of shape (N, n_inputs) or None
    dh0, dc0 : ndarray of shape (B, H)
        Gradients with respect to the initial states (``dc0`` None unless
        LSTM).
    """
    if getattr(cache, "consumed", False):
        raise RuntimeError("This forward cache was already used by a backward pass.")
    cache.consumed = True
    cell, buf, p, off = cache.cell, cache.buf, cache.p, cache.off
    B, H = buf.h_state.shape
    dtype = buf.gates.dtype
    buf.dh_state = np.zeros((B, H), dtype) if dh_n is None else dh_n.astype(dtype)
    if cell.has_cell_state:
        buf.dc_state = np.zeros((B, H), dtype) if dc_n is None else dc_n.astype(dtype)
    if cell.name == "gru":
        buf.d_rec = np.empty_like(buf.gates)
    for t in reversed(cache.steps):
        a, b = off[t], off[t + 1]
        if dh_out is not None:
            buf.dh_state[: b - a] += dh_out[a:b]
        cell.backward_step(p, buf, a, b)
    d_in = buf.gates  # d(input pre-activations), (N, G*H)
    d_rec = buf.d_rec if cell.name == "gru" else d_in
    np.matmul(buf.h_prev.T, d_rec, out=grads["W_hh"])
    if cell.name == "gru":
        np.sum(d_in, axis=0, out=grads["b_xh"])
        np.sum(d_rec, axis=0, out=grads["b_hh"])
    else:
        np.sum(d_in, axis=0, out=grads["b_h"])
    if cache.token_input:
        grads["W_xh"][...] = _token_weight_grad(cache.x, d_in, p["W_xh"].shape[0])
    else:
        np.matmul(cache.x.T, d_in, out=grads["W_xh"])
    dx = d_in @ p["W_xh"].T if need_dx and not cache.token_input else None
    dc0 = buf.dc_state if cell.has_cell_state else None
    return dx, buf.dh_state, dc0


def _dropout_mask(rng, shape, rate, dtype):
    """Inverted dropout mask: 0 with probability ``rate``, else ``1/(1-rate)``."""
    keep = rng.random(shape, dtype=dtype) >= rate
    return keep.astype(dtype) * dtype.type(1.0 / (1.0 - rate))


def stack_forward(
    cell,
    P,
    x,
    packing,
    h0,
    c0,
    *,
    num_layers,
    bidirectional,
    dropout=0.0,
    rng=None,
    need_cache=False,
    token_input=False,
):
    """Run a stack of (bi)directional recurrent layers.

    Parameters
    ----------
    cell : cell object
    P : dict of ndarray
        All parameters, named by :func:`layer_param_name`.
    x : ndarray of shape (N, n_inputs), or int ndarray of shape (N,)
    packing : Packing
    h0, c0 : ndarray of shape (num_layers * n_directions, B, H)
        Initial states, sorted order (``c0`` None unless LSTM).
    num_layers : int
    bidirectional : bool
    dropout : float, default=0.0
        Dropout rate on the inputs of layers 1 and above, applied only when
        ``rng`` is given (training).
    rng : numpy.random.Generator or None
    need_cache : bool
    token_input : bool
        ``x`` holds token codes (first layer only).

    Returns
    -------
    out : ndarray of shape (N, n_directions * H)
        Packed output of the last layer (directions side by side).
    h_n, c_n : ndarray of shape (num_layers * n_directions, B, H)
        Final states, sorted order (``c_n`` None unless LSTM).
    cache : list or None
    """
    n_dir = 2 if bidirectional else 1
    h_n = np.empty_like(h0)
    c_n = np.empty_like(c0) if cell.has_cell_state else None
    caches = []
    for layer in range(num_layers):
        mask = None
        if layer > 0 and dropout > 0 and rng is not None:
            mask = _dropout_mask(rng, x.shape, dropout, x.dtype)
            x = x * mask
        outs, dir_caches = [], []
        for d in range(n_dir):
            k = layer * n_dir + d
            p = {
                name: P[layer_param_name(name, layer, d == 1)]
                for name in cell.param_names
            }
            out, hn, cn, cache = direction_forward(
                cell,
                p,
                x,
                packing,
                d == 1,
                h0[k],
                None if c0 is None else c0[k],
                need_cache,
                token_input and layer == 0,
            )
            h_n[k] = hn
            if c_n is not None:
                c_n[k] = cn
            outs.append(out)
            dir_caches.append(cache)
        x = outs[0] if n_dir == 1 else np.concatenate(outs, axis=1)
        caches.append((dir_caches, mask))
    return x, h_n, c_n, (caches if need_cache else None)


def stack_backward(caches, d_out, dh_n, dc_n, G, *, need_dx):
    """Backpropagate through a stack built by :func:`stack_forward`.

    Parameters
    ----------
    caches : list
        From :func:`stack_forward` (consumed).
    d_out : ndarray of shape (N, n_directions * H) or None
        Gradient with respect to the packed output of the last layer.
    dh_n, dc_n : ndarray of shape (num_layers * n_directions, B, H) or None
        Gradient with respect to the final states.
    G : dict of ndarray
        Gradient views, named as the parameters.
    need_dx : bool
        Return the gradient with respect to a dense input.

    Returns
    -------
    dx : ndarray of shape (N, n_inputs) or None
    dh0, dc0 : ndarray of shape (num_layers * n_directions, B, H)
        ``dc0`` is None unless LSTM.
    """
    n_dir = len(caches[0][0])
    first = caches[0][0][0]
    B, H = first.buf.h_state.shape
    dtype = first.buf.gates.dtype
    has_c = first.cell.has_cell_state
    n_states = len(caches) * n_dir
    dh0 = np.empty((n_states, B, H), dtype)
    dc0 = np.empty((n_states, B, H), dtype) if has_c else None
    dx = None
    for layer in range(len(caches) - 1, -1, -1):
        dir_caches, mask = caches[layer]
        want_dx = need_dx or layer > 0
        dx = None
        for d, cache in enumerate(dir_caches):
            k = layer * n_dir + d
            g = {
                name: G[layer_param_name(name, layer, d == 1)]
                for name in cache.cell.param_names
            }
            dh_out = None if d_out is None else d_out[:, d * H : (d + 1) * H]
            dxd, dh0[k], dc0k = direction_backward(
                cache,
                dh_out,
                None if dh_n is None else dh_n[k],
                None if dc_n is None else dc_n[k],
                g,
                want_dx,
            )
            if has_c:
                dc0[k] = dc0k
            if dxd is not None:
                dx = dxd if dx is None else dx + dxd
        if mask is not None:
            dx *= mask
        d_out = dx
    return dx, dh0, dc0
