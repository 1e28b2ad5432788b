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
from .layers import DropoutRates, cell_params, input_projection

__all__ = ["FeedingCache", "feeding_backward", "feeding_forward"]


class FeedingCache:
    """What :func:`feeding_backward` needs from :func:`feeding_forward`.

    Attributes
    ----------
    layers : list of tuple
        Per layer: its parameters (unscaled), its buffers, its input (the
        codes for the first layer, the lower layer's output after dropout
        otherwise) and the dropout mask or code scale of that input.
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
        "layers",
        "fed",
        "combined_input",
        "attentional",
        "output_mask",
        "attended",
        "packing",
    )

    def __init__(
        self, layers, fed, combined_input, attentional, output_mask, attended, packing
    ):
        self.layers, self.fed = layers, fed
        self.combined_input, self.attentional = combined_input, attentional
        self.output_mask, self.attended = output_mask, attended
        self.packing = packing


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
    decoder, attention = network.decoder, network.attention
    cell, H, dtype = decoder.cell, decoder.hidden_size, decoder.dtype
    rates = decoder.dropout_rates
    h0, c0, memory, keys, memory_mask = _sorted_sources(encoded, packing)
    N, B, T = packing.n_rows, packing.n_sequences, packing.n_steps
    layers, weights = [], []
    for layer in range(decoder.num_layers):
        p = cell_params(decoder_views, cell, layer, False)
        step_weights = cell.forward_weights(p, H)
        mask = rates.input_mask(
            layer, codes.shape if layer == 0 else (N, H), dtype, rng
        )
        if layer == 0:
            gates = input_projection(step_weights, codes, True, scale=mask)
            x = codes
        else:
            gates = np.empty((N, cell.n_gates * H), dtype)
            x = np.empty((N, H), dtype)
        buf = cell.allocate(
            gates, h0[layer], None if c0 is None else c0[layer], N, need_cache
        )
        rec_mask = rates.recurrent_mask((B, H), dtype, rng)
        if rec_mask is not None:
            buf.set_recurrent_mask(rec_mask, packing.packed_index()[0])
        layers.append([p, buf, x, mask])
        weights.append(step_weights)
    feed_weights = weights[0].W_xh[network.n_targets :]
    output_mask = DropoutRates(output=network.output_dropout).output_mask(
        (N, H), dtype, rng
    )
    Q, E = attention.query_size, attention.memory_size
    outputs = np.empty((N, Q), dtype)
    fed = np.zeros((N, Q), dtype) if need_cache else None
    combined_input = np.empty((N, E + Q), dtype) if need_cache else None
    attentional = np.empty((N, Q), dtype) if need_cache else None
    attention_weights = np.zeros((B, T, memory.shape[1]), dtype)
    hidden = None
    offsets = packing.offsets.tolist()
    for t in range(T):
        a, b = offsets[t], offsets[t + 1]
        n = b - a
        if t:
            previous = outputs[offsets[t - 1] : offsets[t - 1] + n]
            layers[0][1].gates[a:b] += previous @ feed_weights
            if need_cache:
                fed[a:b] = previous
        for layer, (_, buf, x, mask) in enumerate(layers):
            if layer:
                below = layers[layer - 1][1].h_out[a:b]
                if mask is not None:
                    np.multiply(below, mask[a:b], out=x[a:b])
                    below = x[a:b]
                elif need_cache:
                    x[a:b] = below
                np.matmul(below, weights[layer].W_xh, out=buf.gates[a:b])
                buf.gates[a:b] += weights[layer].b_in
            cell.forward_step(weights[layer], buf, a, b)
        query = layers[-1][1].h_out[a:b]
        context, step_weights, step_cache = attention.attend(
            views, query[:, None, :], memory[:n], keys[:n], memory_mask[:n], need_cache
        )
        attention_weights[:n, t] = step_weights[:, 0]
        if need_cache and step_cache.hidden is not None:
            if hidden is None:
                hidden = np.zeros((B, T) + step_cache.hidden.shape[2:], dtype)
            hidden[:n, t] = step_cache.hidden[:, 0]
        out, step_input = attention.combine(views, context[:, 0], query)
        if need_cache:
            combined_input[a:b], attentional[a:b] = step_input, out
        if output_mask is not None:
            out *= output_mask[a:b]
        outputs[a:b] = out
    cache = None
    if need_cache:
        queries = np.zeros((B, T, Q), dtype)
        seq, step = packing.packed_index()
        queries[seq, step] = layers[-1][1].h_out
        attended = AttentionCache(queries, memory, keys, attention_weights, hidden)
        cache = FeedingCache(
            layers, fed, combined_input, attentional, output_mask, attended, packing
        )
    return outputs, packing.unsort(attention_weights, axis=0), cache


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
    attention, decoder = network.attention, network.decoder
    cell, n_targets = decoder.cell, network.n_targets
    layers, attended, packing = cache.layers, cache.attended, cache.packing
    W_c = views["W_c"]
    E = attention.memory_size
    d_fed = d_outputs.copy()
    d_pre = np.empty_like(d_fed)
    d_context = np.zeros(attended.queries.shape[:2] + (E,), d_fed.dtype)
    for _, buf, _, _ in layers:
        cell.allocate_backward(buf, None, None)
    feed_rows = layers[0][0]["W_xh"][n_targets:].T
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
        d_above = d_query
        for layer in range(len(layers) - 1, -1, -1):
            p, buf, _, mask = layers[layer]
            buf.dh_state[:n] += d_above
            cell.backward_step(p, buf, a, b)
            if layer:
                d_above = buf.gates[a:b] @ p["W_xh"].T
                if mask is not None:
                    d_above *= mask[a:b]
        if t:
            start = offsets[t - 1]
            d_fed[start : start + n] += layers[0][1].gates[a:b] @ feed_rows
    np.matmul(cache.combined_input.T, d_pre, out=grad_views["W_c"])
    _, d_memory = attention.attend_backward(views, attended, d_context, grad_views)
    for layer, (_, buf, x, mask) in enumerate(layers):
        grads = cell_params(decoder_grads, cell, layer, False)
        if layer == 0:
            W_xh = grads["W_xh"]
            grads = dict(grads, W_xh=W_xh[:n_targets])
            np.matmul(cache.fed.T, buf.gates, out=W_xh[n_targets:])
            cell.weight_grads(buf, x, True, grads, mask)
        else:
            cell.weight_grads(buf, x, False, grads)
    dh0 = np.stack([buf.dh_state for _, buf, _, _ in layers])
    dc0 = None
    if cell.has_cell_state:
        dc0 = packing.unsort(
            np.stack([buf.dc_state for _, buf, _, _ in layers]), axis=1
        )
    return packing.unsort(d_memory, axis=0), packing.unsort(dh0, axis=1), dc0
