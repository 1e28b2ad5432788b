# SPDX-License-Identifier: BSD-3-Clause
"""Token corpora read as parallel streams, the state carried between windows.

Truncated backpropagation through time reads a long text window by window
and carries the hidden state from one window to the next, so that a window
starts from the context before it while gradients stop at its first step.
:class:`Streams` cuts a corpus (a :class:`~.packing.Ragged` of token codes,
one run per document) into parallel readers, one row of a batch each;
:class:`CarriedState` holds their states; :func:`carried_windows` is the one
loop that both training and :func:`log_likelihood` read them with.
"""

import numpy as np

from .losses import log_softmax
from .packing import pack_rows

__all__ = ["CarriedState", "Streams", "carried_windows", "log_likelihood"]


class Streams:
    """One pass over a corpus: ``n_streams`` parallel readers of windows.

    The token positions of the corpus (every position that has a next token
    in its document) are cut into at most ``n_streams`` contiguous parts;
    each part is read window by window, ``seq_length`` positions at a time.
    A stream restarts from the zero state where a document starts.

    A stream that starts inside a document reads it without the context
    before the cut. So a stream holds at least ``seq_length`` positions
    (on a small corpus, more streams would only add cuts, not rows to a
    window), and a cut moves to the nearest document boundary when one is
    less than half a stream's share away: a corpus of short documents is
    read in whole documents, the state carried through each, while a long
    document is still cut, at ``n_streams - 1`` points at most.

    Parameters
    ----------
    corpus : Ragged
        Token codes, one run per document.
    n_streams : int
        Most parallel readers (rows of a batch).
    seq_length : int
        Positions per window.
    phase : int, default=0
        Length of each stream's first window (0: ``seq_length``), so that
        successive passes cut their windows at different places.

    Attributes
    ----------
    segments : list of ndarray of shape (n_segments, 2)
        Per stream, the ``(first row, length)`` of each document part it
        reads (``O(n_streams + n_documents)`` memory).
    n_targets : int
        Positions with a next token: the targets of one pass.
    """

    def __init__(self, corpus, n_streams, seq_length, phase=0):
        usable = np.maximum(corpus.lengths - 1, 0)
        keep = usable > 0
        doc_start, doc_len = corpus.starts[keep], usable[keep]
        total = int(doc_len.sum())
        n_streams = max(1, min(n_streams, total // seq_length))
        cum = np.concatenate([[0], np.cumsum(doc_len)])
        bounds = _stream_bounds(cum, total, n_streams)
        self.segments = []
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            k = np.arange(
                np.searchsorted(cum, a, side="right") - 1,
                np.searchsorted(cum, b, side="left"),
            )
            lo, hi = np.maximum(cum[k], a), np.minimum(cum[k + 1], b)
            self.segments.append(np.stack([doc_start[k] + lo - cum[k], hi - lo], 1))
        self.seq_length = seq_length
        self.phase = phase
        self.n_targets = total

    @classmethod
    def whole_documents(cls, corpus, seq_length):
        """One stream per document of two or more tokens, read whole."""
        streams = cls.__new__(cls)
        docs = corpus.lengths >= 2
        streams.segments = [
            np.array([[start, length - 1]])
            for start, length in zip(
                corpus.starts[docs], corpus.lengths[docs], strict=True
            )
        ]
        streams.seq_length, streams.phase = seq_length, 0
        streams.n_targets = int(np.sum(corpus.lengths[docs] - 1))
        return streams

    @property
    def n_streams(self):
        """int: the number of readers."""
        return len(self.segments)

    def _windows(self, segments):
        """Yield the ``(start, length, reset)`` windows of one stream, lazily."""
        for i, (start, length) in enumerate(segments.tolist()):
            offset = 0
            if i == 0 and self.phase:
                offset = min(self.phase, length)
                yield start, offset, True
            while offset < length:
                step = min(self.seq_length, length - offset)
                yield start + offset, step, offset == 0
                offset += step

    def batches(self):
        """Yield ``(streams, starts, lengths, resets)``, one window per live stream.

        The windows are made as they are read: the working set is one window
        per stream, whatever the size of the corpus.
        """
        readers = [self._windows(segments) for segments in self.segments]
        live = list(range(len(readers)))
        while True:
            windows = [(s, next(readers[s], None)) for s in live]
            windows = [(s, w) for s, w in windows if w is not None]
            if not windows:  # a stream that ends never comes back
                return
            live = [s for s, _ in windows]
            starts, lengths, resets = zip(*(w for _, w in windows), strict=True)
            yield (
                np.array(live, dtype=np.intp),
                np.array(starts, dtype=np.intp),
                np.array(lengths, dtype=np.intp),
                np.array(resets, dtype=bool),
            )


def _stream_bounds(cum, total, n_streams):
    """Where the streams start and end, in positions of the corpus.

    Even cuts, each moved to the nearest document boundary when one is less
    than half a stream's share away; empty streams are dropped.
    """
    cuts = np.linspace(0, total, n_streams + 1)
    if len(cum) > 2:  # several documents
        j = np.clip(np.searchsorted(cum, cuts), 1, len(cum) - 1)
        below, above = cum[j - 1], cum[j]
        nearest = np.where(cuts - below <= above - cuts, below, above)
        near = np.abs(nearest - cuts) < total / n_streams / 2
        cuts = np.where(near, nearest, cuts)
    return np.unique(cuts.round().astype(np.intp))


class CarriedState:
    """The hidden (and LSTM cell) states of parallel streams between windows.

    Parameters
    ----------
    network : RecurrentNetwork
    n_streams : int

    Attributes
    ----------
    h, c : ndarray of shape (network.n_states, n_streams, hidden_size)
        ``c`` is None unless the cell has a cell state.
    """

    def __init__(self, network, n_streams):
        shape = (network.n_states, n_streams, network.hidden_size)
        self.h = np.zeros(shape, network.dtype)
        has_c = network.cell.has_cell_state
        self.c = np.zeros(shape, network.dtype) if has_c else None

    def reset(self, streams):
        """Zero the states of ``streams`` (where a document starts)."""
        self.h[:, streams] = 0
        if self.c is not None:
            self.c[:, streams] = 0

    def take(self, streams):
        """The states ``(h, c)`` of ``streams``, as the next window's start."""
        return self.h[:, streams], None if self.c is None else self.c[:, streams]

    def put(self, streams, h, c):
        """Store the final states ``(h, c)`` of a window of ``streams``."""
        self.h[:, streams] = h
        if self.c is not None:
            self.c[:, streams] = c


def carried_windows(streams, state):
    """Yield ``(live, rows, packing)`` for each batch of windows of ``streams``.

    The states of the streams that start a document are reset first. Rows
    index the corpus' codes: ``codes[rows]`` are the inputs and
    ``codes[rows + 1]`` the targets; after the window the caller stores the
    final states with ``state.put(live, h_n, c_n)``.
    """
    for live, starts, lengths, resets in streams.batches():
        state.reset(live[resets])
        rows, packing = pack_rows(starts, lengths)
        yield live, rows, packing


def log_likelihood(network, params, corpus, streams):
    """Sum of log p(next token) over the windows of ``streams``, and their count.

    Parameters
    ----------
    network : RecurrentNetwork
        Unidirectional, token input, a head on every step.
    params : ndarray of shape (network.layout.size,)
    corpus : Ragged
        The token codes the streams read.
    streams : Streams
        :meth:`Streams.whole_documents` gives the exact likelihood of each
        document from the zero state; a few long streams are faster on one
        long document.

    Returns
    -------
    total : float
        In nats (float64 sum; NaN or inf if the outputs overflowed).
    count : int
    """
    state = CarriedState(network, streams.n_streams)
    total, count = 0.0, 0
    codes = corpus.data
    for live, rows, packing in carried_windows(streams, state):
        logits, h_n, c_n, _ = network.forward(
            params, codes[rows], packing, *state.take(live)
        )
        state.put(live, h_n, c_n)
        target = codes[rows + 1].astype(np.intp)
        logp = log_softmax(logits)[np.arange(len(target)), target]
        total += float(logp.sum(dtype=np.float64))
        count += len(target)
    return total, count
