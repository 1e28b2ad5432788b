# SPDX-License-Identifier: BSD-3-Clause
"""Attention of decoder states over an encoder's outputs, forward and backward.

Luong, Pham & Manning (2015) attention on top of the decoder: for every
decoder state (the *query*) ``q_t``, a score of each encoder output (the
*memory*) ``m_s``; the softmax of the scores over the source steps gives the
weights ``a_ts``; the context ``c_t = sum_s a_ts m_s``; the attentional
state ``tanh([c_t; q_t] W_c)`` is what the output layer reads. Scores:

- ``'dot'``: ``q_t . m_s`` (query and memory of one size);
- ``'general'``: ``q_t . (m_s W_a)``, ``W_a`` of shape ``(E, Q)``;
- ``'additive'`` (Bahdanau, Cho & Bengio, 2015):
  ``v_a . tanh(q_t W_aq + m_s W_ak)``, ``W_aq`` ``(Q, A)``, ``W_ak``
  ``(E, A)``, ``v_a`` ``(A,)``.

Two parts. :meth:`Attention.attend` scores and weighs over padded batches:
queries ``(B, T_q, Q)``, memory ``(B, T_k, E)`` with a boolean
``memory_mask`` ``(B, T_k)`` of the real source steps; a masked step gets
weight 0 (its score is ``-inf`` before the softmax), so padding never enters
a number, and padded query rows are computed and receive no gradient.
:meth:`Attention.combine` is a dense layer over rows (the real target steps
only, packed: at these sizes its products are most of the cost). Without
input feeding all queries of a batch are one batched product, as the
decoder's recurrence does not wait on attention: the whole target side is
one call in training, and one call per step in decoding, where the memory's
projection (the *keys*, see :meth:`Attention.keys`) is computed once per
source. With input feeding (:mod:`~.feeding`) training calls
:meth:`Attention.attend` once per step too, and :meth:`query_gradient`
once per step backward, before one :meth:`attend_backward` over all steps.
"""

import numpy as np

from .params import glorot_uniform

__all__ = ["SCORES", "Attention", "AttentionCache"]

#: The score functions.
SCORES = ("dot", "general", "additive")


class AttentionCache:
    """What :meth:`Attention.attend_backward` needs from :meth:`Attention.attend`.

    Attributes
    ----------
    queries, memory, keys : ndarray
        The inputs and the memory's projection (see :meth:`Attention.keys`).
    weights : ndarray of shape (B, T_q, T_k)
        The attention weights (0 on masked steps).
    hidden : ndarray of shape (B, T_q, T_k, A) or None
        ``'additive'``: ``tanh(q_t W_aq + m_s W_ak)``.
    """

    __slots__ = ("queries", "memory", "keys", "weights", "hidden")

    def __init__(self, queries, memory, keys, weights, hidden):
        self.queries, self.memory, self.keys = queries, memory, keys
        self.weights, self.hidden = weights, hidden


class Attention:
    """A score function and the layer that combines context and query.

    Parameters
    ----------
    score : {'dot', 'general', 'additive'}
    query_size : int
        ``Q``: the decoder's hidden size; also the size of the output.
    memory_size : int
        ``E``: the width of the encoder's outputs (``'dot'`` needs ``E == Q``).
    attention_size : int, default=None
        ``A`` of ``'additive'`` (None: ``Q``).
    """

    def __init__(self, score, query_size, memory_size, attention_size=None):
        if score not in SCORES:
            raise ValueError(f"score must be one of {SCORES}, got {score!r}.")
        if score == "dot" and query_size != memory_size:
            raise ValueError(
                "'dot' attention needs the decoder's hidden size to equal the "
                f"encoder's output width; got {query_size} and {memory_size}."
            )
        self.score = score
        self.query_size = int(query_size)
        self.memory_size = int(memory_size)
        self.attention_size = int(attention_size or query_size)

    def param_shapes(self):
        """dict of str to tuple: the parameters, in storage order."""
        Q, E, A = self.query_size, self.memory_size, self.attention_size
        shapes = {}
        if self.score == "general":
            shapes["W_a"] = (E, Q)
        elif self.score == "additive":
            shapes.update({"W_aq": (Q, A), "W_ak": (E, A), "v_a": (A,)})
        shapes["W_c"] = (E + Q, Q)
        return shapes

    def init_params(self, views, rng):
        """Glorot-uniform weights (``v_a`` as a ``(A, 1)`` matrix), float64 draws.

        Parameters
        ----------
        views : dict of str to ndarray
            Views of this attention's parameters (written in place).
        rng : numpy.random.Generator
        """
        for name, shape in self.param_shapes().items():
            fan_in, fan_out = shape if len(shape) == 2 else (shape[0], 1)
            views[name][...] = glorot_uniform(rng, fan_in, fan_out, shape)

    def keys(self, views, memory):
        """The memory as the scores read it, computed once per source.

        Parameters
        ----------
        views : dict of str to ndarray
        memory : ndarray of shape (B, T_k, E)

        Returns
        -------
        ndarray
            ``memory`` itself (``'dot'``), ``memory @ W_a`` (``'general'``,
            ``(B, T_k, Q)``) or ``memory @ W_ak`` (``'additive'``,
            ``(B, T_k, A)``).
        """
        if self.score == "dot":
            return memory
        return _dense(memory, views["W_a" if self.score == "general" else "W_ak"])

    def attend(self, views, queries, memory, keys, memory_mask, need_cache=False):
        """The context of every query: the weighted sum of the memory.

        Parameters
        ----------
        views : dict of str to ndarray
        queries : ndarray of shape (B, T_q, Q)
        memory : ndarray of shape (B, T_k, E)
        keys : ndarray
            From :meth:`keys`.
        memory_mask : ndarray of bool of shape (B, T_k)
            True at the real steps of each source (at least one per row).
        need_cache : bool, default=False

        Returns
        -------
        context : ndarray of shape (B, T_q, E)
        weights : ndarray of shape (B, T_q, T_k)
            The attention weights (each row sums to 1; 0 on masked steps).
        cache : AttentionCache or None
        """
        hidden = None
        if self.score == "additive":
            projected = _dense(queries, views["W_aq"])
            hidden = np.tanh(projected[:, :, None, :] + keys[:, None, :, :])
            scores = hidden @ views["v_a"]
        else:
            scores = queries @ np.swapaxes(keys, 1, 2)
        weights = _masked_softmax(scores, memory_mask)
        context = weights @ memory
        cache = None
        if need_cache:
            cache = AttentionCache(queries, memory, keys, weights, hidden)
        return context, weights, cache

    def attend_backward(self, views, cache, d_context, grad_views):
        """Gradients of :meth:`attend` with respect to the queries and the memory.

        Parameters
        ----------
        views : dict of str to ndarray
        cache : AttentionCache
        d_context : ndarray of shape (B, T_q, E)
            0 on padded query rows.
        grad_views : dict of str to ndarray
            This attention's gradients: those of the score's parameters are
            written.

        Returns
        -------
        d_queries : ndarray of shape (B, T_q, Q)
        d_memory : ndarray of shape (B, T_k, E)
        """
        d_memory = np.swapaxes(cache.weights, 1, 2) @ d_context
        d_scores = _score_gradient(cache, d_context)
        if self.score == "additive":
            d_queries, d_keys = self._additive_backward(
                views, cache, d_scores, grad_views
            )
        else:
            d_queries = d_scores @ cache.keys
            d_keys = np.swapaxes(d_scores, 1, 2) @ cache.queries
        if self.score == "dot":
            d_memory += d_keys
        else:
            W_k = "W_a" if self.score == "general" else "W_ak"
            _sum_of_products(cache.memory, d_keys, out=grad_views[W_k])
            d_memory += _dense(d_keys, views[W_k].T)
        return d_queries, d_memory

    def query_gradient(self, views, cache, d_context):
        """The gradient of :meth:`attend` with respect to the queries only.

        What a decoder with input feeding needs at each step, inside its
        backward loop; the parameters' and the memory's gradients wait for
        one :meth:`attend_backward` over all steps.

        Parameters
        ----------
        views : dict of str to ndarray
        cache : AttentionCache
            Of the step (its ``queries`` are not read).
        d_context : ndarray of shape (B, T_q, E)

        Returns
        -------
        d_queries : ndarray of shape (B, T_q, Q)
        """
        d_scores = _score_gradient(cache, d_context)
        if self.score != "additive":
            return d_scores @ cache.keys
        d_hidden = d_scores[..., None] * views["v_a"]
        d_hidden *= 1.0 - cache.hidden * cache.hidden
        return _dense(d_hidden.sum(axis=2), views["W_aq"].T)

    def _additive_backward(self, views, cache, d_scores, grad_views):
        """Backward through ``v_a . tanh(q W_aq + k)``.

        Writes the gradients of ``v_a`` and ``W_aq``; returns those of the
        queries and the keys.
        """
        hidden = cache.hidden
        np.einsum("bqk,bqka->a", d_scores, hidden, out=grad_views["v_a"])
        d_hidden = d_scores[..., None] * views["v_a"]
        d_hidden *= 1.0 - hidden * hidden
        d_projected = d_hidden.sum(axis=2)
        _sum_of_products(cache.queries, d_projected, out=grad_views["W_aq"])
        return _dense(d_projected, views["W_aq"].T), d_hidden.sum(axis=1)

    def combine(self, views, context, queries):
        """The attentional states ``tanh([c; q] W_c)`` of rows.

        Parameters
        ----------
        views : dict of str to ndarray
        context : ndarray of shape (n, E)
        queries : ndarray of shape (n, Q)

        Returns
        -------
        output : ndarray of shape (n, Q)
        combined_input : ndarray of shape (n, E + Q)
            ``[c; q]``, for :meth:`combine_backward`.
        """
        combined_input = np.concatenate([context, queries], axis=1)
        return np.tanh(combined_input @ views["W_c"]), combined_input

    def combine_backward(self, views, combined_input, output, d_output, grad_views):
        """Gradients of :meth:`combine`; writes that of ``W_c``.

        Returns
        -------
        d_context : ndarray of shape (n, E)
        d_queries : ndarray of shape (n, Q)
        """
        d_pre = d_output * (1.0 - output * output)
        np.matmul(combined_input.T, d_pre, out=grad_views["W_c"])
        d_combined = d_pre @ views["W_c"].T
        E = self.memory_size
        return d_combined[:, :E], d_combined[:, E:]


def _score_gradient(cache, d_context):
    """The gradient of the scores (before the softmax) from the context's."""
    weights = cache.weights
    d_weights = d_context @ np.swapaxes(cache.memory, 1, 2)
    return weights * (d_weights - np.sum(d_weights * weights, axis=2, keepdims=True))


def _masked_softmax(scores, memory_mask):
    """Softmax over the last axis with the masked steps at weight 0."""
    scores = np.where(memory_mask[:, None, :], scores, -np.inf)
    scores -= scores.max(axis=2, keepdims=True)
    weights = np.exp(scores)
    weights /= weights.sum(axis=2, keepdims=True)
    return weights


def _dense(x, W):
    """``x @ W`` for ``x`` of shape ``(B, T, n)``: one 2-D product, not ``B``.

    NumPy runs a 3-D times 2-D product as a stack of ``B`` small products
    (several times slower at these sizes, and more with a transposed ``W``).
    """
    B, T, n = x.shape
    return (x.reshape(B * T, n) @ W).reshape(B, T, W.shape[1])


def _sum_of_products(inputs, d_outputs, out):
    """``sum over batch and time of inputs^T @ d_outputs``: a weight's gradient."""
    n_in, n_out = inputs.shape[-1], d_outputs.shape[-1]
    np.matmul(inputs.reshape(-1, n_in).T, d_outputs.reshape(-1, n_out), out=out)
