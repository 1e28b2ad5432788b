# SPDX-License-Identifier: BSD-3-Clause
"""The unrolled recurrence: time loop, stacking, bidirectional layers.

Shapes use ``N`` for the number of packed rows (the sum of the sequence
lengths), ``B`` for the number of sequences, ``H`` for the hidden size and
``n_gates`` for the number of gates of the cell.

Performance shape (see ``design/ENGINE.md``): the input projection of all
steps is one matrix product (or a row gather for token input) before the
loop; the loop does one product per step forward and one per step backward;
the weight gradients are one product each after the loop, reduced by the
cell (:meth:`~.cells.RNNCell.weight_grads`). The input projection and the
dense head are functions of their own (:func:`input_projection`,
:func:`dense_head`), shared with the one-step loop of
:class:`~skrnn._engine.stepper.Stepper`, as is the cell's ``forward_step``.

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

from .cells import recurrent_transpose

__all__ = [
    "DirectionCache",
    "DropoutRates",
    "dropout_mask",
    "cell_params",
    "dense_head",
    "direction_forward",
    "direction_backward",
    "input_projection",
    "layer_param_name",
    "stack_forward",
    "stack_backward",
]


def layer_param_name(name, layer, reverse):
    """Name of a cell parameter in a stack, PyTorch style (``W_hh_l1_reverse``)."""
    return f"{name}_l{layer}" + ("_reverse" if reverse else "")


def cell_params(views, cell, layer, reverse):
    """The views of one direction's cell parameters, by their cell names.

    Parameters
    ----------
    views : dict of str to ndarray
        Views of all the parameters (or gradients), named by
        :func:`layer_param_name`.
    cell : cell object
    layer : int
    reverse : bool

    Returns
    -------
    dict of str to ndarray
        ``{"W_xh": ..., "W_hh": ..., biases}``.
    """
    return {
        name: views[layer_param_name(name, layer, reverse)] for name in cell.param_names
    }


def input_projection(weights, x, token_input, out=None, scale=None):
    """``x @ W_xh + b_in`` for every row: the input part of the gates.

    Parameters
    ----------
    weights : StepWeights
        From the cell's ``forward_weights``.
    x : ndarray of shape (N, n_inputs), or int ndarray of shape (N,) or (N, k)
        Input rows, or token codes when ``token_input``: a row gather of
        ``W_xh``, the product of one-hot rows without forming them (with
        ``k`` codes per row, the sum of their ``k`` rows).
    token_input : bool
    out : ndarray of shape (N, n_gates * H), default=None
        Where to write the result (a new array when None).
    scale : ndarray of the shape of the codes, default=None
        Token input: the value of each code's one-hot entry (input dropout:
        0 or ``1 / (1 - rate)``); None is 1.

    Returns
    -------
    ndarray of shape (N, n_gates * H)
        ``out`` when given.
    """
    if token_input:
        codes = x.reshape(x.shape[0], -1)
        scale = None if scale is None else scale.reshape(codes.shape)
        projection = np.take(weights.W_xh, codes[:, 0], axis=0, out=out)
        if scale is not None:
            projection *= scale[:, :1]
        for k in range(1, codes.shape[1]):
            column = np.take(weights.W_xh, codes[:, k], axis=0)
            if scale is not None:
                column *= scale[:, k : k + 1]
            projection += column
    else:
        projection = np.matmul(x, weights.W_xh, out=out)
    projection += weights.b_in
    return projection


def dense_head(features, W_hy, b_y, out=None):
    """``features @ W_hy + b_y``: the network's dense output layer.

    Parameters
    ----------
    features : ndarray of shape (n, n_directions * H)
    W_hy : ndarray of shape (n_directions * H, n_outputs)
    b_y : ndarray of shape (n_outputs,)
    out : ndarray of shape (n, n_outputs), default=None
        Where to write the result (a new array when None).

    Returns
    -------
    ndarray of shape (n, n_outputs)
        ``out`` when given.
    """
    y = np.matmul(features, W_hy, out=out)
    y += b_y
    return y


class DirectionCache:
    """What :func:`direction_backward` needs from :func:`direction_forward`.

    Attributes
    ----------
    cell : cell object
    params : dict of str to ndarray
        The direction's parameters (unscaled).
    buffers : DirectionBuffers
        The forward pass's arrays; the backward pass overwrites them.
    x : ndarray
        The direction's input rows (or token codes).
    token_input : bool
    input_scale : ndarray or None
        Token input: each code's scale (input dropout), or None.
    steps : range
        The time steps, in the order the forward pass ran them.
    offsets : list of int
        The packing's step offsets.
    consumed : bool
        Set by the backward pass, which may run once.
    """

    __slots__ = (
        "cell",
        "params",
        "buffers",
        "x",
        "token_input",
        "input_scale",
        "steps",
        "offsets",
        "consumed",
    )

    def __init__(self, cell, params, buffers, x, token_input, steps, offsets):
        self.cell, self.params, self.buffers = cell, params, buffers
        self.x, self.token_input = x, token_input
        self.input_scale = None
        self.steps, self.offsets = steps, offsets
        self.consumed = False


def direction_forward(
    cell,
    p,
    x,
    packing,
    reverse,
    h0,
    c0,
    need_cache,
    token_input,
    *,
    input_scale=None,
    rec_mask=None,
):
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
    input_scale : ndarray or None, default=None
        Token input: each code's scale (input dropout, see
        :func:`input_projection`).
    rec_mask : ndarray of shape (B, H) or None, default=None
        Variational recurrent dropout: each sequence's mask on its state
        where the state enters the recurrent product, sorted order.

    Returns
    -------
    h_out : ndarray of shape (N, H)
        The hidden state at every packed row.
    h_n, c_n : ndarray of shape (B, H)
        Final states in sorted order (``c_n`` is None unless LSTM).
    cache : DirectionCache or None
    """
    H = p["W_hh"].shape[0]
    weights = cell.forward_weights(p, H)
    XW = input_projection(weights, x, token_input, scale=input_scale)
    buf = cell.allocate(XW, h0, c0, packing.n_rows, need_cache)
    if rec_mask is not None:
        buf.set_recurrent_mask(rec_mask, packing.packed_index()[0])
    offsets = packing.offsets.tolist()
    steps = range(packing.n_steps - 1, -1, -1) if reverse else range(packing.n_steps)
    for t in steps:
        cell.forward_step(weights, buf, offsets[t], offsets[t + 1])
    cache = None
    if need_cache:
        cache = DirectionCache(cell, p, buf, x, token_input, steps, offsets)
        cache.input_scale = input_scale
    return buf.h_out, buf.h_state, buf.c_state, cache


def direction_backward(cache, dh_out, dh_n, dc_n, grads, need_dx):
    """Backpropagate through one direction of one layer.

    Parameters
    ----------
    cache : DirectionCache
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
    if cache.consumed:
        raise RuntimeError("This forward cache was already used by a backward pass.")
    cache.consumed = True
    cell, buf, p, offsets = cache.cell, cache.buffers, cache.params, cache.offsets
    cell.allocate_backward(buf, dh_n, dc_n)
    if dh_out is not None:  # contiguous rows of the steps' dtype, as the kernels read
        dh_out = np.ascontiguousarray(dh_out, dtype=buf.gates.dtype)
    W_hh_T = recurrent_transpose(p)
    for t in reversed(cache.steps):
        a, b = offsets[t], offsets[t + 1]
        cell.backward_step(W_hh_T, buf, a, b, None if dh_out is None else dh_out[a:b])
    cell.weight_grads(buf, cache.x, cache.token_input, grads, cache.input_scale)
    d_in = buf.gates  # d(input pre-activations), (N, n_gates * H)
    dx = d_in @ p["W_xh"].T if need_dx and not cache.token_input else None
    return dx, buf.dh_state, buf.dc_state


def dropout_mask(rng, shape, rate, dtype):
    """Inverted dropout mask: 0 with probability ``rate``, else ``1/(1-rate)``."""
    dtype = np.dtype(dtype)
    keep = rng.random(shape, dtype=dtype) >= rate
    return keep.astype(dtype) * dtype.type(1.0 / (1.0 - rate))


class DropoutRates:
    """Where a network drops units in training (all rates in ``[0, 1)``).

    Parameters
    ----------
    between : float, default=0.0
        On the inputs of layers 1 and above (PyTorch's ``dropout``).
    inputs : float, default=0.0
        On the first layer's input: each feature, embedded dimension or
        token (a token's one-hot entry: the token is dropped whole) of each
        step (Keras's ``dropout`` of the first layer).
    recurrent : float, default=0.0
        Variational recurrent dropout (Gal & Ghahramani, 2016): one mask per
        sequence, layer and direction, the same at every step, on the state
        where it enters the recurrent product (Keras's ``recurrent_dropout``).
    output : float, default=0.0
        On the head's input (applied by the network, not the stack).
    """

    __slots__ = ("between", "inputs", "recurrent", "output")

    def __init__(self, between=0.0, inputs=0.0, recurrent=0.0, output=0.0):
        rates = (between, inputs, recurrent, output)
        for name, rate in zip(self.__slots__, rates, strict=True):
            rate = float(rate)
            if not 0.0 <= rate < 1.0:
                raise ValueError(f"Dropout rates must be in [0, 1), got {rate!r}.")
            setattr(self, name, rate)

    @staticmethod
    def _mask(rate, shape, dtype, rng):
        """A mask of ``rate`` (None without ``rng`` or at rate 0)."""
        if rng is None or rate == 0.0:
            return None
        return dropout_mask(rng, shape, rate, dtype)

    def input_mask(self, layer, shape, dtype, rng):
        """The mask of ``layer``'s input (None without dropout there)."""
        rate = self.inputs if layer == 0 else self.between
        return self._mask(rate, shape, dtype, rng)

    def recurrent_mask(self, shape, dtype, rng):
        """A recurrent mask for one direction (None without)."""
        return self._mask(self.recurrent, shape, dtype, rng)

    def output_mask(self, shape, dtype, rng):
        """The mask of the head's input (None without)."""
        return self._mask(self.output, shape, dtype, rng)


def _layer_input(x, layer, rates, rng, token_input, dtype):
    """A layer's input after dropout.

    Returns
    -------
    x : ndarray
        Dense rows times the mask; token codes unchanged.
    mask : ndarray or None
        The mask of dense rows (applied to their gradient too).
    scale : ndarray or None
        Token input: the mask of the codes (see :func:`input_projection`).
    """
    tokens = token_input and layer == 0
    mask = rates.input_mask(layer, x.shape, dtype, rng)
    if mask is None:
        return x, None, None
    if tokens:
        return x, None, mask
    return x * mask, mask, None


def _layer_forward(cell, param_views, x, packing, layer, states, options):
    """Run both directions of one layer; write their final states.

    Parameters
    ----------
    cell : cell object
    param_views : dict of ndarray
    x : ndarray
        The layer's input rows (or token codes for the first layer), after
        dropout.
    packing : Packing
    layer : int
    states : tuple of (h0, c0, h_n, c_n)
        The stack's initial states, and the arrays where the final states
        of the layer's directions are written (``c0``, ``c_n`` None unless
        LSTM).
    options : dict
        ``n_directions``, ``need_cache``, ``token_input`` (of the stack's
        input), ``input_scale`` (of the layer's token codes, or None),
        ``rates`` (:class:`DropoutRates`) and ``rng`` (None: no dropout).

    Returns
    -------
    out : ndarray of shape (N, n_directions * H)
    dir_caches : list of DirectionCache or None
    """
    h0, c0, h_n, c_n = states
    n_dir = options["n_directions"]
    outs, dir_caches = [], []
    for d in range(n_dir):
        k = layer * n_dir + d
        rec_mask = options["rates"].recurrent_mask(
            h0[k].shape, h0.dtype, options["rng"]
        )
        out, h_n[k], c_n_k, cache = direction_forward(
            cell,
            cell_params(param_views, cell, layer, d == 1),
            x,
            packing,
            d == 1,
            h0[k],
            None if c0 is None else c0[k],
            options["need_cache"],
            options["token_input"] and layer == 0,
            input_scale=options["input_scale"],
            rec_mask=rec_mask,
        )
        if c_n is not None:
            c_n[k] = c_n_k
        outs.append(out)
        dir_caches.append(cache)
    out = outs[0] if n_dir == 1 else np.concatenate(outs, axis=1)
    return out, dir_caches


def stack_forward(
    cell,
    param_views,
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
    param_views : dict of ndarray
        All parameters, named by :func:`layer_param_name`.
    x : ndarray of shape (N, n_inputs), or int ndarray of shape (N,)
    packing : Packing
    h0, c0 : ndarray of shape (num_layers * n_directions, B, H)
        Initial states, sorted order (``c0`` None unless LSTM).
    num_layers : int
    bidirectional : bool
    dropout : float or DropoutRates, default=0.0
        The dropout of training, applied only when ``rng`` is given: a
        float is the rate on the inputs of layers 1 and above.
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
    h_n = np.empty_like(h0)
    c_n = np.empty_like(c0) if cell.has_cell_state else None
    states = (h0, c0, h_n, c_n)
    rates = dropout if isinstance(dropout, DropoutRates) else DropoutRates(dropout)
    options = dict(
        n_directions=2 if bidirectional else 1,
        need_cache=need_cache,
        token_input=token_input,
        rates=rates,
        rng=rng,
    )
    caches = []
    for layer in range(num_layers):
        x, mask, options["input_scale"] = _layer_input(
            x, layer, rates, rng, token_input, h0.dtype
        )
        x, dir_caches = _layer_forward(
            cell, param_views, x, packing, layer, states, options
        )
        caches.append((dir_caches, mask))
    return x, h_n, c_n, (caches if need_cache else None)


def _layer_backward(
    dir_caches, layer, d_out, final_grads, initial_grads, grad_views, want_dx
):
    """Backpropagate through both directions of one layer.

    Parameters
    ----------
    dir_caches : list of DirectionCache
    layer : int
    d_out : ndarray of shape (N, n_directions * H) or None
        Gradient with respect to the layer's output.
    final_grads : tuple of (dh_n, dc_n)
        Gradients with respect to the stack's final states (or None).
    initial_grads : tuple of (dh0, dc0)
        Arrays where the gradients with respect to the layer's initial
        states are written (``dc0`` None unless LSTM).
    grad_views : dict of ndarray
    want_dx : bool

    Returns
    -------
    dx : ndarray of shape (N, n_inputs) or None
        Summed over the directions.
    """
    dh_n, dc_n = final_grads
    dh0, dc0 = initial_grads
    n_dir = len(dir_caches)
    dx = None
    for d, cache in enumerate(dir_caches):
        k = layer * n_dir + d
        H = cache.buffers.h_state.shape[1]
        dx_d, dh0[k], dc0_k = direction_backward(
            cache,
            None if d_out is None else d_out[:, d * H : (d + 1) * H],
            None if dh_n is None else dh_n[k],
            None if dc_n is None else dc_n[k],
            cell_params(grad_views, cache.cell, layer, d == 1),
            want_dx,
        )
        if dc0 is not None:
            dc0[k] = dc0_k
        if dx_d is not None:
            dx = dx_d if dx is None else dx + dx_d
    return dx


def stack_backward(caches, d_out, dh_n, dc_n, grad_views, *, need_dx):
    """Backpropagate through a stack built by :func:`stack_forward`.

    Parameters
    ----------
    caches : list
        From :func:`stack_forward` (consumed).
    d_out : ndarray of shape (N, n_directions * H) or None
        Gradient with respect to the packed output of the last layer.
    dh_n, dc_n : ndarray of shape (num_layers * n_directions, B, H) or None
        Gradient with respect to the final states.
    grad_views : dict of ndarray
        Views of the gradient buffer, named as the parameters.
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
    B, H = first.buffers.h_state.shape
    dtype = first.buffers.gates.dtype
    n_states = len(caches) * n_dir
    dh0 = np.empty((n_states, B, H), dtype)
    dc0 = np.empty((n_states, B, H), dtype) if first.cell.has_cell_state else None
    dx = None
    for layer in range(len(caches) - 1, -1, -1):
        dir_caches, mask = caches[layer]
        dx = _layer_backward(
            dir_caches,
            layer,
            d_out,
            (dh_n, dc_n),
            (dh0, dc0),
            grad_views,
            need_dx or layer > 0,
        )
        if mask is not None and dx is not None:
            dx *= mask
        d_out = dx
    return dx, dh0, dc0
