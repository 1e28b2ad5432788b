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

There is one packer, :func:`pack_rows`: given where each sequence starts in
a flat array of rows and its length, it returns the index of every packed
row into that array, and the layout. :class:`Ragged` holds sequences in that
form (one flat array, starts and lengths); :func:`pack_array` (a padded
batch) and :func:`pack_sequences` (a list of arrays) reshape or concatenate
their input to flat rows, then gather the rows :func:`pack_rows` gives.
"""

import copy
import zlib

import numpy as np

__all__ = [
    "Packing",
    "Ragged",
    "pack_array",
    "pack_rows",
    "pack_sequences",
    "unpack_sequences",
]


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
        shortest = lengths.min()
        if shortest < 1:
            raise ValueError("Every sequence must have at least one step.")
        lengths = lengths.astype(np.intp)
        self._inverse = None
        self.n_sequences = lengths.size
        if shortest == lengths.max():  # equal lengths (windows): nothing to sort
            self._init_uniform(lengths)
            return
        # Stable sort, longest first: equal lengths keep the caller's order,
        # so a batch of equal-length sequences is not permuted at all.
        self.order = np.argsort(-lengths, kind="stable")
        self.lengths = lengths[self.order]
        self.n_steps = int(self.lengths[0])
        steps = np.arange(self.n_steps)
        # batch_sizes[t] = number of sequences longer than t.
        self.batch_sizes = np.searchsorted(-self.lengths, -steps, side="left")
        self.offsets = np.zeros(self.n_steps + 1, dtype=np.intp)
        np.cumsum(self.batch_sizes, out=self.offsets[1:])
        self.n_rows = int(self.offsets[-1])
        self.is_uniform = False
        self._identity = None

    def _init_uniform(self, lengths):
        """The layout of sequences all ``lengths[0]`` steps long, unsorted."""
        B, T = self.n_sequences, int(lengths[0])
        self.order = np.arange(B, dtype=np.intp)
        self.lengths, self.n_steps = lengths, T
        self.batch_sizes = np.full(T, B, dtype=np.intp)
        self.offsets = np.arange(0, B * T + 1, B, dtype=np.intp)
        self.n_rows = B * T
        self.is_uniform = self._identity = True

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
        if self._identity is None:  # asked several times per batch
            self._identity = bool(np.all(self.order == np.arange(self.order.size)))
        return self._identity

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


def pack_rows(starts, lengths):
    """Pack sequences stored as runs of rows of a flat data array.

    The one packer of the engine: :func:`pack_array`, :func:`pack_sequences`
    and :meth:`Ragged.pack` all go through it.

    Parameters
    ----------
    starts : array-like of int, shape (n_sequences,)
        Row of the flat data where each sequence starts, in the caller's
        order. Sequence ``i`` is rows ``starts[i] : starts[i] + lengths[i]``.
    lengths : array-like of int, shape (n_sequences,)
        Length of each sequence (every length >= 1, see :class:`Packing`).

    Returns
    -------
    rows : ndarray of int, shape (n_rows,)
        Row of the flat data behind each packed row, in the packing's layout
        (time-major, sequences longest first within a step): ``data[rows]``
        is the packed batch, and the same ``rows`` gather per-step targets
        or weights aligned with it.
    packing : Packing
        The layout.

    Examples
    --------
    >>> rows, packing = pack_rows([0, 2], [2, 3])
    >>> rows
    array([2, 0, 3, 1, 4])
    >>> packing.batch_sizes
    array([2, 2, 1])
    """
    starts = np.asarray(starts)
    packing = Packing(lengths)
    if starts.shape != (packing.n_sequences,):
        raise ValueError(
            f"starts must have shape ({packing.n_sequences},) like lengths, "
            f"got {starts.shape}."
        )
    if not np.issubdtype(starts.dtype, np.integer):
        raise TypeError(f"starts must be integers, got dtype {starts.dtype}.")
    starts = starts.astype(np.intp, copy=False)
    if packing.is_uniform:
        # time-major: row (t, j) is starts[j] + t
        rows = (starts[None, :] + np.arange(packing.n_steps)[:, None]).reshape(-1)
        return rows, packing
    seq, step = packing.packed_index()
    rows = starts[packing.order][seq] + step
    return rows, packing


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
    sequences = [np.asarray(s) for s in sequences]
    if not sequences:
        raise ValueError("lengths must be a non-empty 1-D array of integers.")
    lengths = np.array([len(s) for s in sequences], dtype=np.intp)
    dtype = sequences[0].dtype if dtype is None else dtype
    # Each sequence is cast on its own to dtype, as an assignment would.
    flat = np.concatenate(sequences, axis=0, dtype=dtype, casting="unsafe")
    rows, packing = pack_rows(np.cumsum(lengths) - lengths, lengths)
    return np.take(flat, rows, axis=0), packing


def pack_array(X, lengths=None, dtype=None):
    """Pack a padded batch ``X`` of shape ``(batch, n_steps, ...)``.

    Parameters
    ----------
    X : ndarray of shape (batch, n_steps, ...)
        Batch-major padded sequences.
    lengths : array-like of int of shape (batch,), default=None
        Valid length of each row (at most ``n_steps``); None means every row
        has ``n_steps`` steps. Positions past a row's length are ignored
        (never read).
    dtype : dtype, default=None
        dtype of the packed data (default: ``X.dtype``).

    Returns
    -------
    data : ndarray of shape (n_rows, ...)
    packing : Packing
    """
    X = np.asarray(X)
    batch, n_steps = X.shape[:2]
    if lengths is None:
        lengths = np.full(batch, n_steps, dtype=np.intp)
    lengths = np.asarray(lengths)
    if lengths.size and lengths.max() > n_steps:
        raise ValueError(
            f"A length ({lengths.max()}) exceeds the {n_steps} steps of X."
        )
    flat = X.reshape((batch * n_steps,) + X.shape[2:])
    rows, packing = pack_rows(np.arange(batch) * n_steps, lengths)
    data = np.take(flat, rows, axis=0)
    return data.astype(X.dtype if dtype is None else dtype, copy=False), packing


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


class Ragged:
    """Sequences stored as contiguous runs of rows of one flat array.

    Sequence ``i`` is ``data[starts[i] : starts[i] + lengths[i]]``. A 3-D
    padded array of equal lengths is its reshape, a list of arrays their
    concatenation; a minibatch is then packed with a single gather
    (:meth:`pack`). Subsets share ``data``.

    Parameters
    ----------
    data : ndarray of shape (n_rows, n_features) or (n_rows,)
        The steps of all sequences: features per row (2-D), or token codes
        (1-D).
    starts : array-like of int, shape (n_sequences,)
        Row of ``data`` where each sequence starts.
    lengths : array-like of int, shape (n_sequences,)
        Number of steps of each sequence. A length may be 0 (an empty
        document); :meth:`pack` refuses it.

    Attributes
    ----------
    data : ndarray
    starts, lengths : ndarray of intp, shape (n_sequences,)

    Examples
    --------
    >>> import numpy as np
    >>> seqs = Ragged(np.array([5, 6, 7, 8, 9]), [0, 2], [2, 3])
    >>> len(seqs), seqs.n_features
    (2, 1)
    >>> rows, packing = seqs.pack()
    >>> seqs.data[rows]
    array([7, 5, 8, 6, 9])
    >>> seqs.step_rows()
    array([0, 1, 2, 3, 4])
    """

    def __init__(self, data, starts, lengths):
        data = np.asarray(data)
        starts, lengths = np.asarray(starts), np.asarray(lengths)
        if data.ndim not in (1, 2):
            raise ValueError(f"data must be 1-D or 2-D, got shape {data.shape}.")
        if starts.ndim != 1 or starts.shape != lengths.shape:
            raise ValueError(
                "starts and lengths must be 1-D of the same shape, got "
                f"{starts.shape} and {lengths.shape}."
            )
        for name, values in (("starts", starts), ("lengths", lengths)):
            if not np.issubdtype(values.dtype, np.integer):
                raise TypeError(f"{name} must be integers, got dtype {values.dtype}.")
        if starts.size and (
            starts.min() < 0
            or lengths.min() < 0
            or (starts + lengths).max() > data.shape[0]
        ):
            raise ValueError(
                f"Every sequence must be a run of rows of data ({data.shape[0]} "
                "rows): starts and lengths must be non-negative, and "
                "starts + lengths at most the number of rows."
            )
        self.data = data
        self.starts = starts.astype(np.intp, copy=False)
        self.lengths = lengths.astype(np.intp, copy=False)

    def __len__(self):
        return self.lengths.shape[0]

    @property
    def n_features(self):
        """int: features per step (1 for token codes)."""
        return 1 if self.data.ndim == 1 else self.data.shape[1]

    def subset(self, idx):
        """The sequences ``idx``, sharing ``data``.

        Parameters
        ----------
        idx : array-like of int, slice or boolean mask
            Which sequences, in the new order.

        Returns
        -------
        Ragged
            Of the same class, with the other attributes of this one.
        """
        out = copy.copy(self)
        out.starts = self.starts[idx]
        out.lengths = self.lengths[idx]
        return out

    def pack(self, idx=None):
        """Pack some of the sequences for the engine (see :func:`pack_rows`).

        Parameters
        ----------
        idx : array-like of int, default=None
            Which sequences, in batch order; all of them when None. Each must
            have at least one step.

        Returns
        -------
        rows : ndarray of int, shape (n_packed_rows,)
            Row of ``data`` behind each packed row: ``data[rows]`` is the
            packed input, and ``rows`` gathers aligned per-step targets or
            weights.
        packing : Packing
        """
        if idx is None:
            return pack_rows(self.starts, self.lengths)
        return pack_rows(self.starts[idx], self.lengths[idx])

    def step_rows(self):
        """Row of ``data`` of every step, sequence after sequence.

        Returns
        -------
        ndarray of int, shape (sum(lengths),)
            The rows of sequence 0 in time order, then those of sequence 1,
            and so on.
        """
        lengths = self.lengths
        first = np.repeat(np.cumsum(lengths) - lengths, lengths)
        return np.repeat(self.starts, lengths) + (np.arange(lengths.sum()) - first)

    def canonical_order(self):
        """An order of the sequences that depends only on their contents.

        Sorted by length (so that a chunk holds similar lengths), then by
        content (the CRC-32 of each sequence's bytes). Processing sequences
        in this order makes predictions bit-identical whatever the order of
        the input: a BLAS product may round a row differently depending on
        its position in the batch.

        Returns
        -------
        ndarray of int, shape (n_sequences,)
        """
        keys = [
            zlib.crc32(self.data[s : s + n].tobytes())
            for s, n in zip(self.starts.tolist(), self.lengths.tolist(), strict=True)
        ]
        return np.lexsort((np.array(keys, dtype=np.int64), self.lengths))
