# SPDX-License-Identifier: BSD-3-Clause
"""Inference over many sequences: chunked forward passes without caches.

Sequences go through the network in :meth:`~.packing.Ragged.canonical_order`
(by length, then by content), a bounded number at a time. A BLAS product may
round a row differently depending on its position in the batch; in this
order a sequence's output does not depend on the other sequences of the
call, so predictions are bit-identical whatever the order or the subset of
the input.
"""

import zlib

import numpy as np

__all__ = ["CHUNK", "canonical_chunks", "forward_outputs", "last_outputs"]

#: Sequences per forward pass (bounds the memory of inference).
CHUNK = 512


def canonical_chunks(sources):
    """Index arrays of the chunks of a pass, in an order set by the contents.

    Parameters
    ----------
    sources : Ragged or ndarray of shape (n, n_features)
        Sequences (in :meth:`~.packing.Ragged.canonical_order`), or vectors
        (sorted by the CRC-32 of each row's bytes).

    Returns
    -------
    list of ndarray of int
        At most :data:`CHUNK` indices each.
    """
    if isinstance(sources, np.ndarray):
        keys = [zlib.crc32(row.tobytes()) for row in sources]
        order = np.argsort(np.array(keys, dtype=np.int64), kind="stable")
    else:
        order = sources.canonical_order()
    return [order[start : start + CHUNK] for start in range(0, len(order), CHUNK)]


def forward_outputs(network, params, seqs):
    """The head's outputs for every sequence of ``seqs``.

    Parameters
    ----------
    network : RecurrentNetwork
        With a head.
    params : ndarray of shape (network.layout.size,)
    seqs : Ragged
        Every length at least 1.

    Returns
    -------
    ndarray
        ``(n_sequences, n_outputs)`` for ``head='last'``; for ``'all'``, an
        array aligned with the rows of ``seqs.data``, ``(n_rows,
        n_outputs)`` (rows outside every sequence are zero).
    """
    n_out, last = network.n_outputs, network.head == "last"
    n = len(seqs) if last else seqs.data.shape[0]
    out = (np.empty if last else np.zeros)((n, n_out), dtype=network.dtype)
    order = seqs.canonical_order()
    for start in range(0, len(seqs), CHUNK):
        idx = order[start : start + CHUNK]
        rows, packing = seqs.pack(idx)
        y, _, _, _ = network.forward(params, seqs.data[rows], packing)
        out[idx if last else rows] = y
    return out


def last_outputs(network, params, contexts, empty_output):
    """Outputs after the last step of each context, and the final states.

    Parameters
    ----------
    network : RecurrentNetwork
        Unidirectional, a head on every step.
    params : ndarray of shape (network.layout.size,)
    contexts : Ragged
        Lengths may be 0: an empty context has no input to read.
    empty_output : ndarray of shape (n_outputs,)
        The output of an empty context (its state is the zero state).

    Returns
    -------
    outputs : ndarray of shape (n_contexts, n_outputs)
    h, c : ndarray of shape (network.n_states, n_contexts, hidden_size)
        ``c`` is None unless the cell has a cell state.
    """
    B = len(contexts)
    shape = (network.n_states, B, network.hidden_size)
    h = np.zeros(shape, network.dtype)
    c = np.zeros(shape, network.dtype) if network.cell.has_cell_state else None
    outputs = np.tile(empty_output.astype(network.dtype), (B, 1))
    nonempty = np.flatnonzero(contexts.lengths > 0)
    if len(nonempty):
        rows, packing = contexts.pack(nonempty)
        out, h_n, c_n, _ = network.forward(params, contexts.data[rows], packing)
        outputs[nonempty] = packing.unsort(out[packing.last_rows()])
        h[:, nonempty] = h_n
        if c is not None:
            c[:, nonempty] = c_n
    return outputs, h, c
