# SPDX-License-Identifier: BSD-3-Clause
"""Packed batches of variable-length sequences.

A batch of ``B`` sequences with lengths ``L_0 >= L_1 >= ... >= L_{B-1}`` (the
batch is sorted by length, longest first) is stored time-major and *packed*,
as PyTorch's ``PackedSequence``: the rows of step ``t`` are the first
``batch_sizes[t]`` sequences, stored contiguously at
``data[offsets[t]:offsets[t + 1]]``. Padding is never stored, so it can never
enter a number. When every sequence has the same length the packed layout is
simply the time-major array ``(n_steps * batch, ...)``.

The engine works in the sorted order; :class:`Packing` remembers the
permutation so that callers can go back and forth with :meth:`Packing.sort`
and :meth:`Packing.unsort`.
"""

import numpy as np

__all__ = ["Packing", "pack_sequences", "pack_array", "unpack_sequences"]


class Packing:
    """Layout of a packed batch of sequences.

    Parameters
    ----------
    lengths : array-like of int, shape (n_sequences,)
        Length of each sequence, in the caller's order. Every length is >= 1.

    Attributes
    ----------
    order : ndarray of shape (n_sequences,)
        ``order[i]`` is the caller's index of the ``i``-th sequence in the
        sorted (longest first, stable) order.
    lengths : ndarray of shape (n_sequences,)
        Lengths in sorted order (non-increasing).
    batch_sizes : ndarray of shape (n_steps,)
        Number of live sequences at each step (non-increasing).
    offsets : ndarray of shape (n_steps + 1,)
        Row where each step starts in the packed data; ``offsets[-1]`` is the
        total number of rows ``n_rows = sum(lengths)``.
    is_uniform : bool
        True when all sequences have the same length (then the packed layout
        is the time-major array reshaped to 2-D).
    """

    def __init__(self, lengths):
        lengths = np.asarray(lengths)
        if lengths.ndim != 1 or lengths.size == 0:
            raise ValueError("lengths must be a non-empty 1-D array of integers.")
        if not np.issubdtype(lengths.dtype, np.integer):
            raise TypeError(f"lengths must be integers, got dtype {lengths.dtype}.")
        if lengths.min() < 1:
            raise ValueError("Every sequence must have at least one step.")
        lengths = lengths.astype(np.intp)
        # Stable sort, longest first: equal lengths keep the caller's order,
        # so a batch of equal-length sequences is not permuted at all.
        self.order = np.argsort(-lengths, kind="stable")
        self.lengths = lengths[self.order]
        self.n_sequences = lengths.size
        self.n_steps = int(self.lengths[0])
        steps = np.arange(self.n_steps)
        # batch_sizes[t] = number of sequences longer than t.
        self.batch_sizes = np.searchsorted(-self.lengths, -steps, side="left")
        self.offsets = np.zeros(self.n_steps + 1, dtype=np.intp)
        np.cumsum(self.batch_sizes, out=self.offsets[1:])
        self.n_rows = int(self.offsets[-1])
        self.is_uniform = bool(self.lengths[0] == self.lengths[-1])
        self._inverse = None

    @property
    def inverse_order(self):
        """ndarray: position in sorted order of each of the caller's sequences."""
        if self._inverse is None:
            inv = np.empty_like(self.order)
            inv[self.order] = np.arange(self.order.size)
            self._inverse = inv
        return self._inverse

    def sort(self, per_sequence, axis=0):
        """Reorder a per-sequence array from the caller's order to sorted order."""
        if self.is_identity:
            return per_sequence
        return np.take(per_sequence, self.order, axis=axis)

    def unsort(self, per_sequence, axis=0):
        """Reorder a per-sequence array from sorted order to the caller's order."""
        if self.is_identity:
            return per_sequence
        return np.take(per_sequence, self.inverse_order, axis=axis)

    @property
    def is_identity(self):
        """bool: True when the sorted order is the caller's order."""
        return bool(np.all(self.order == np.arange(self.order.size)))

    def step_slice(self, t):
        """Rows of step ``t`` in the packed data."""
        return slice(self.offsets[t], self.offsets[t + 1])

    def last_rows(self):
        """Packed row index of each sequence's last step, in sorted order.

        Returns
        -------
        rows : ndarray of shape (n_sequences,)
        """
        return self.offsets[self.lengths - 1] + np.arange(self.n_sequences)

    def packed_index(self):
        """Index mapping packed rows to positions of a padded batch.

        Returns
        -------
        seq : ndarray of shape (n_rows,)
            Sorted-order sequence index of each packed row.
        step : ndarray of shape (n_rows,)
            Time step of each packed row.
        """
        step = np.repeat(np.arange(self.n_steps), self.batch_sizes)
        seq = np.arange(self.n_rows) - self.offsets[step]
        return seq, step


def pack_sequences(sequences, dtype=None):
    """Pack a list of arrays of shape ``(n_steps_i, ...)``.

    Parameters
    ----------
    sequences : list of ndarray
        Each of shape ``(n_steps_i, *feature_shape)``; every item has the same
        ``feature_shape`` (possibly empty, for token codes).
    dtype : dtype, default=None
        dtype of the packed data (default: that of the first sequence).

    Returns
    -------
    data : ndarray of shape (n_rows, *feature_shape)
        The packed rows, time-major, sequences in sorted order within a step.
    packing : Packing
        The layout.
    """
    lengths = np.array([len(s) for s in sequences], dtype=np.intp)
    packing = Packing(lengths)
    first = np.asarray(sequences[0])
    dtype = first.dtype if dtype is None else dtype
    data = np.empty((packing.n_rows,) + first.shape[1:], dtype=dtype)
    if packing.is_uniform:
        stacked = np.asarray(sequences, dtype=dtype)  # (B, T, ...)
        stacked = packing.sort(stacked)
        data[...] = np.swapaxes(stacked, 0, 1).reshape(data.shape)
        return data, packing
    for i, original in enumerate(packing.order):
        rows = packing.offsets[: packing.lengths[i]] + i
        data[rows] = sequences[original]
    return data, packing


def pack_array(X, lengths=None, dtype=None):
    """Pack a padded batch ``X`` of shape ``(batch, n_steps, ...)``.

    Parameters
    ----------
    X : ndarray of shape (batch, n_steps, ...)
        Batch-major padded sequences.
    lengths : array-like of int of shape (batch,), default=None
        Valid length of each row; None means every row has ``n_steps`` steps.
        Positions past a row's length are ignored (never read).
    dtype : dtype, default=None
        dtype of the packed data (default: ``X.dtype``).

    Returns
    -------
    data : ndarray of shape (n_rows, ...)
    packing : Packing
    """
    X = np.asarray(X)
    if lengths is None:
        lengths = np.full(X.shape[0], X.shape[1], dtype=np.intp)
    packing = Packing(lengths)
    dtype = X.dtype if dtype is None else dtype
    if packing.is_uniform:
        Xs = packing.sort(X)
        data = np.ascontiguousarray(np.swapaxes(Xs, 0, 1), dtype=dtype)
        return data.reshape((packing.n_rows,) + X.shape[2:]), packing
    seq, step = packing.packed_index()
    data = np.asarray(X[packing.order[seq], step], dtype=dtype)
    return data, packing


def unpack_sequences(data, packing):
    """Split packed rows back into a list of per-sequence arrays.

    Parameters
    ----------
    data : ndarray of shape (n_rows, ...)
        Packed rows laid out by ``packing``.
    packing : Packing

    Returns
    -------
    sequences : list of ndarray
        In the caller's (unsorted) order; item ``i`` has shape
        ``(lengths_i, ...)``.
    """
    out = [None] * packing.n_sequences
    for i, original in enumerate(packing.order):
        rows = packing.offsets[: packing.lengths[i]] + i
        out[original] = data[rows]
    return out
