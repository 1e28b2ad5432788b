# SPDX-License-Identifier: BSD-3-Clause
"""The attentional decoder with input feeding, forward and backward.

Input feeding (Luong, Pham & Manning, 2015, section 3.3): the decoder reads,
besides the previous target code, its own previous attentional state
``h~_{t-1} = tanh([c_{t-1}; h_{t-1}] W_c)`` (zeros at the first step), so
that each step knows what the last one attended to. The first layer's input
weights ``W_xh_l0`` have ``n_targets + Q`` rows: the codes' rows, then the
rows that read ``h~_{t-1}``. The vector fed is the one the output layer
reads (after output dropout).

Attention then sits inside the recurrence, so unlike the decoder without
feeding (one :func:`~.layers.stack_forward` over all steps, then attention
over all queries at once) this decoder runs time-major: at each step every
layer's cell step (the cells' own ``forward_step``), then attention for the
live rows. The backward pass runs the steps in reverse, each layer's
``backward_step`` top-down within a step. What does not need the step order
is done once over the whole batch: the first layer's code projection before
the loop, and after it the weight gradients (the cells' ``weight_grads``,
``W_c``'s product, and the scores' parameters and the memory's gradient by
one :meth:`~.attention.Attention.attend_backward` over the padded batch).

Rows follow the target packing (longest target first): the ``n`` sequences
live at step ``t`` are the first ``n`` of step ``t - 1``, so the state fed at
step ``t`` is the first ``n`` rows of step ``t - 1``'s output. The sources'
states and memory are put in that order on the way in, and the gradients
back in the caller's order on the way out.
"""

import numpy as np

from .attention import AttentionCache
from .cells import recurrent_transpose
from .layers import DropoutRates, cell_params, input_projection

__all__ = ["DecoderStack", "FeedingCache", "feeding_backward", "feeding_forward"]


class FeedingCache:
    """What :func:`feeding_backward` needs from :func:`feeding_forward`.

    Attributes
    ----------
    stack : DecoderStack
        The decoder's layers, with their buffers.
    fed : ndarray of shape (N, Q)
        The state each row read (zeros at step 0).
    combined_input, attentional : ndarray of shape (N, E + Q), (N, Q)
        ``[c; h]`` and ``tanh([c; h] W_c)`` of every row.
    output_mask : ndarray of shape (N, Q) or None
    attended : AttentionCache
        Over the padded batch, in the target packing's sorted order.
    packing : Packing
        The targets' layout.
    """

    __slots__ = (
        "stack",
        "fed",
        "combined_input",
        "attentional",
        "output_mask",
        "attended",
        "packing",
    )

    def __init__(self, stack, packing, output_mask, need_cache):
        self.stack, self.packing, self.output_mask = stack, packing, output_mask
        self.fed = self.combined_input = self.attentional = self.attended = None
        if need_cache:
            N, dtype = packing.n_rows, stack.dtype
            Q, E = stack.hidden_size, stack.memory_size
            self.fed = np.zeros((N, Q), dtype)
            self.combined_input = np.empty((N, E + Q), dtype)
            self.attentional = np.empty((N, Q), dtype)


class _FedLayer:
    """One decoder layer: its parameters, step weights, buffers and input."""

    __slots__ = ("params", "weights", "buffers", "x", "mask", "W_hh_T")

    def __init__(self, params, weights, buffers, x, mask):
        self.params, self.weights, self.buffers = params, weights, buffers
        self.x, self.mask = x, mask
        self.W_hh_T = None  # the backward steps' weights, made by start_backward


class DecoderStack:
    """The decoder's layers stepped together, one time step per call.

    Parameters
    ----------
    network : Seq2SeqNetwork
    decoder_views : dict of str to ndarray
        The decoder's parameters, by :func:`~.layers.layer_param_name`.
    codes : int ndarray of shape (N,)
        Packed codes the first layer reads (projected here, before the loop).
    packing : Packing
    h0, c0 : ndarray of shape (num_layers, B, H)
        Initial states, sorted order (``c0`` None unless LSTM).
    need_cache : bool
    rng : numpy.random.Generator or None
        Dropout masks (None: no dropout).
    """

    def __init__(self, network, decoder_views, codes, packing, h0, c0, need_cache, rng):
        decoder = network.decoder
        self.cell, self.hidden_size = decoder.cell, decoder.hidden_size
        self.memory_size = network.attention.memory_size
        self.dtype, self.n_targets = decoder.dtype, network.n_targets
        cell, H, N, dtype = self.cell, self.hidden_size, packing.n_rows, self.dtype
        rates = decoder.dropout_rates
        self.layers = []
        for layer in range(decoder.num_layers):
            p = cell_params(decoder_views, cell, layer, False)
            weights = cell.forward_weights(p, H)
            shape = codes.shape if layer == 0 else (N, H)
            mask = rates.input_mask(layer, shape, dtype, rng)
            if layer == 0:
                gates, x = input_projection(weights, codes, True, scale=mask), codes
            else:
                gates = np.empty((N, cell.n_gates * H), dtype)
                x = np.empty((N, H), dtype) if need_cache or mask is not None else None
            c0_layer = None if c0 is None else c0[layer]
            buf = cell.allocate(gates, h0[layer], c0_layer, N, need_cache)
            rec_mask = rates.recurrent_mask(h0[layer].shape, dtype, rng)
            if rec_mask is not None:
                buf.set_recurrent_mask(rec_mask, packing.packed_index()[0])
            self.layers.append(_FedLayer(p, weights, buf, x, mask))
        first = self.layers[0]
        self._feed_weights = first.weights.W_xh[self.n_targets :]
        self._feed_grad_weights = first.params["W_xh"][self.n_targets :].T

    @property
    def h_out(self):
        """ndarray of shape (N, H): the top layer's state at every row."""
        return self.layers[-1].buffers.h_out

    def forward_step(self, a, b, fed):
        """Rows ``a:b`` (one step) through every layer, the first reading ``fed``.

        Returns the top layer's states of the step, ``(b - a, H)``.
        """
        first = self.layers[0].buffers.gates[a:b]
        if fed is not None:
            first += fed @ self._feed_weights
        below = None
        for layer in self.layers:
            if below is not None:
                if layer.mask is not None:
                    below = np.multiply(below, layer.mask[a:b], out=layer.x[a:b])
                elif layer.x is not None:
                    layer.x[a:b] = below
                gates = layer.buffers.gates[a:b]
                np.matmul(below, layer.weights.W_xh, out=gates)
                gates += layer.weights.b_in
            self.cell.forward_step(layer.weights, layer.buffers, a, b)
            below = layer.buffers.h_out[a:b]
        return below

    def backward_step(self, a, b, d_top, was_fed):
        """Gradient of rows ``a:b`` from the top state's ``d_top``, top-down.

        Returns the gradient of the state the first layer was fed (None
        when ``was_fed`` is False: the first step reads no state).
        """
        n, d_above = b - a, d_top
        for i in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[i]
            layer.buffers.dh_state[:n] += d_above
            self.cell.backward_step(layer.W_hh_T, layer.buffers, a, b)
            if i:
                d_above = layer.buffers.gates[a:b] @ layer.params["W_xh"].T
                if layer.mask is not None:
                    d_above *= layer.mask[a:b]
        if not was_fed:
            return None
        return self.layers[0].buffers.gates[a:b] @ self._feed_grad_weights

    def start_backward(self):
        """Allocate the backward pass's arrays (no final-state gradients)."""
        for layer in self.layers:
            self.cell.allocate_backward(layer.buffers, None, None)
            layer.W_hh_T = recurrent_transpose(layer.params)

    def weight_grads(self, decoder_grads, fed):
        """Write the layers' weight gradients after the backward steps.

        The first layer's ``W_xh``: the codes' rows as the cell reduces them
        (a scatter of rows), the fed rows ``fed.T @ d_in``.
        """
        cell, V = self.cell, self.n_targets
        for i, layer in enumerate(self.layers):
            grads = cell_params(decoder_grads, cell, i, False)
            if i == 0:
                W_xh = grads["W_xh"]
                np.matmul(fed.T, layer.buffers.gates, out=W_xh[V:])
                grads = dict(grads, W_xh=W_xh[:V])
            cell.weight_grads(
                layer.buffers, layer.x, i == 0, grads, layer.mask if i == 0 else None
            )

    def initial_state_grads(self):
        """``dh0, dc0`` of shape ``(num_layers, B, H)``, sorted order."""
        dh0 = np.stack([layer.buffers.dh_state for layer in self.layers])
        if not self.cell.has_cell_state:
            return dh0, None
        return dh0, np.stack([layer.buffers.dc_state for layer in self.layers])


def _sorted_sources(encoded, packing):
    """The sources' states and memory in the target packing's sorted order."""
    c0 = None if encoded.c0 is None else packing.sort(encoded.c0, axis=1)
    return (
        packing.sort(encoded.h0, axis=1),
        c0,
        packing.sort(encoded.memory, axis=0),
        packing.sort(encoded.keys, axis=0),
        packing.sort(encoded.memory_mask, axis=0),
    )


def _step_cache(attended, n, t):
    """The attention cache of step ``t``'s ``n`` live rows (views)."""
    hidden = attended.hidden
    return AttentionCache(
        None,
        attended.memory[:n],
        attended.keys[:n],
        attended.weights[:n, t : t + 1],
        None if hidden is None else hidden[:n, t : t + 1],
    )


def feeding_forward(
    network, views, decoder_views, codes, packing, encoded, *, need_cache, rng
):
    """Attentional states of every target step, with input feeding.

    Parameters
    ----------
    network : Seq2SeqNetwork
        With attention and ``input_feeding``.
    views : dict of str to ndarray
        The encoder-decoder's parameters (the attention's, by name).
    decoder_views : dict of str to ndarray
        The decoder's parameters, by :func:`~.layers.layer_param_name`.
    codes : int ndarray of shape (N,)
        Packed codes the decoder reads (:func:`~.seq2seq.teacher_forcing`).
    packing : Packing
        The targets' layout.
    encoded : EncodedSources
        In the caller's order, with the memory.
    need_cache : bool
    rng : numpy.random.Generator or None
        Dropout masks (None: no dropout).

    Returns
    -------
    outputs : ndarray of shape (N, Q)
        ``h~`` of every row after output dropout: what the output layer
        reads, and the next step is fed.
    weights : ndarray of shape (B, T_out, T_in)
        The attention weights, caller's order, zeros past each target.
    cache : FeedingCache or None
    """
    attention = network.attention
    h0, c0, memory, keys, memory_mask = _sorted_sources(encoded, packing)
    stack = DecoderStack(
        network, decoder_views, codes, packing, h0, c0, need_cache, rng
    )
    N, B, T, dtype = packing.n_rows, packing.n_sequences, packing.n_steps, stack.dtype
    output_mask = DropoutRates(output=network.output_dropout).output_mask(
        (N, stack.hidden_size), dtype, rng
    )
    cache = FeedingCache(stack, packing, output_mask, need_cache)
    outputs = np.empty((N, stack.hidden_size), dtype)
    weights = np.zeros((B, T, memory.shape[1]), dtype)
    hidden = None
    offsets = packing.offsets.tolist()
    for t in range(T):
        a, b = offsets[t], offsets[t + 1]
        n = b - a
        fed = outputs[offsets[t - 1] : offsets[t - 1] + n] if t else None
        query = stack.forward_step(a, b, fed)
        context, step_weights, step_cache = attention.attend(
            views, query[:, None, :], memory[:n], keys[:n], memory_mask[:n], need_cache
        )
        weights[:n, t] = step_weights[:, 0]
        out, combined_input = attention.combine(views, context[:, 0], query)
        if need_cache:
            if t:
                cache.fed[a:b] = fed
            cache.combined_input[a:b], cache.attentional[a:b] = combined_input, out
            if step_cache.hidden is not None:
                if hidden is None:
                    hidden = np.zeros((B, T) + step_cache.hidden.shape[2:], dtype)
                hidden[:n, t] = step_cache.hidden[:, 0]
        if output_mask is not None:
            out *= output_mask[a:b]
        outputs[a:b] = out
    if need_cache:
        queries = np.zeros((B, T, stack.hidden_size), dtype)
        queries[packing.packed_index()] = stack.h_out
        cache.attended = AttentionCache(queries, memory, keys, weights, hidden)
    return outputs, packing.unsort(weights, axis=0), (cache if need_cache else None)


def feeding_backward(network, views, grad_views, decoder_grads, cache, d_outputs):
    """Backpropagate through :func:`feeding_forward`.

    Parameters
    ----------
    network : Seq2SeqNetwork
    views, grad_views : dict of str to ndarray
        The encoder-decoder's parameters and gradients (the attention's
        gradients are written).
    decoder_grads : dict of str to ndarray
        The decoder's gradients, by layer parameter name (written).
    cache : FeedingCache
        From :func:`feeding_forward` with ``need_cache=True`` (consumed).
    d_outputs : ndarray of shape (N, Q)
        Gradient of the loss with respect to the outputs.

    Returns
    -------
    d_memory : ndarray of shape (B, T_in, E)
        Caller's order.
    dh0, dc0 : ndarray of shape (num_layers, B, Q)
        Gradients of the decoder's initial states, caller's order (``dc0``
        None unless LSTM).
    """
    attention, stack = network.attention, cache.stack
    attended, packing = cache.attended, cache.packing
    W_c, E = views["W_c"], attention.memory_size
    d_fed = d_outputs.copy()
    d_pre = np.empty_like(d_fed)
    d_context = np.zeros(attended.queries.shape[:2] + (E,), d_fed.dtype)
    stack.start_backward()
    offsets = packing.offsets.tolist()
    for t in range(packing.n_steps - 1, -1, -1):
        a, b = offsets[t], offsets[t + 1]
        n = b - a
        d_step = d_pre[a:b]
        d_step[...] = d_fed[a:b]
        if cache.output_mask is not None:
            d_step *= cache.output_mask[a:b]
        d_step *= 1.0 - cache.attentional[a:b] ** 2
        d_combined = d_step @ W_c.T
        d_context[:n, t] = d_combined[:, :E]
        d_query = d_combined[:, E:]
        d_query += attention.query_gradient(
            views, _step_cache(attended, n, t), d_context[:n, t : t + 1]
        )[:, 0]
        d_previous = stack.backward_step(a, b, d_query, was_fed=t > 0)
        if t:
            d_fed[offsets[t - 1] : offsets[t - 1] + n] += d_previous
    np.matmul(cache.combined_input.T, d_pre, out=grad_views["W_c"])
    _, d_memory = attention.attend_backward(views, attended, d_context, grad_views)
    stack.weight_grads(decoder_grads, cache.fed)
    dh0, dc0 = stack.initial_state_grads()
    if dc0 is not None:
        dc0 = packing.unsort(dc0, axis=1)
    return packing.unsort(d_memory, axis=0), packing.unsort(dh0, axis=1), dc0
