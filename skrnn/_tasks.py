# SPDX-License-Identifier: BSD-3-Clause
"""What a fit trains on: the batches of an epoch, their loss and gradient.

A task is what :func:`~skrnn._training.run_epochs` asks for: ``epoch(rng)``
yields batches and ``loss_and_grad(batch, rng)`` gives the regularised loss
and clipped gradient of one. :class:`SequenceTask` reads minibatches of
whole sequences (the classifier, the regressor, the tagger);
:class:`StreamTask` reads a token corpus window by window with the state
carried between windows (the generator). Both end a batch the same way
(:meth:`_Task._regularize`): the L2 penalty, then clipping.
"""

import dataclasses

import numpy as np

from ._engine import add_l2_penalty, clip_grad_norm
from ._engine.batched import forward_outputs
from ._engine.streams import CarriedState, Streams, carried_windows

__all__ = ["SequenceData", "SequenceTask", "StreamTask", "accuracy", "longest"]

#: Tokens per stream per forward pass when scoring a corpus (bounds memory).
SCORE_CHUNK = 1024


@dataclasses.dataclass
class SequenceData:
    """Sequences with their targets and weights.

    ``y`` and ``weights`` hold one entry per sequence, or with ``per_step``
    one per row of ``seqs.data`` (rows outside every sequence are never
    read).
    """

    seqs: object
    y: np.ndarray
    weights: np.ndarray = None
    per_step: bool = False

    def subset(self, idx):
        """The sequences ``idx`` with their targets (per-step ones shared)."""
        if self.per_step:
            return dataclasses.replace(self, seqs=self.seqs.subset(idx))
        weights = None if self.weights is None else self.weights[idx]
        return SequenceData(self.seqs.subset(idx), self.y[idx], weights)

    def targets(self, outputs):
        """Outputs, targets and weights of every step or sequence, aligned."""
        if not self.per_step:
            return outputs, self.y, self.weights
        rows = self.seqs.step_rows()
        weights = None if self.weights is None else self.weights[rows]
        return outputs[rows], self.y[rows], weights


def accuracy(outputs, y, weights):
    """Fraction of argmax ``outputs`` equal to ``y`` (plain if every weight is 0)."""
    if weights is not None and not weights.sum() > 0:
        weights = None
    return float(np.average(outputs.argmax(axis=1) == y, weights=weights))


def validation_score(network, params, data, metric):
    """``metric(outputs, y, weights)`` of the network on ``data``."""
    return metric(*data.targets(forward_outputs(network, params, data.seqs)))


def longest(lengths, k):
    """``(k, total)``: the ``k`` longest of ``lengths`` and their total, ints."""
    n = len(lengths)
    k = int(min(k, n))
    if k <= 0:
        return 0, 0
    return k, int(np.partition(lengths, n - k)[n - k :].sum(dtype=np.int64))


class _Task:
    """A network, its parameters and the regularisation of every batch.

    Parameters
    ----------
    network : RecurrentNetwork
    params : ndarray
        The flat parameters the optimizer updates in place.
    alpha : float
        L2 penalty on the weights, scaled by the batch's normalizer (MLP).
    clip_norm : float or None
    lazy_tables : bool, default=False
        Update the network's token tables lazily: only the rows of each
        batch's codes are penalised, clipped and updated (the ``rows`` a
        batch returns); the L2 penalty leaves the tables out.
    frozen_tables : sequence of str, default=()
        Tables never updated (with ``lazy_tables``): they are returned with
        no row, so their gradient is neither clipped nor applied.
    """

    def __init__(
        self,
        network,
        params,
        *,
        alpha,
        clip_norm,
        lazy_tables=False,
        frozen_tables=(),
    ):
        self.network, self.params = network, params
        self.alpha, self.clip_norm = alpha, clip_norm
        self.lazy_tables = lazy_tables and bool(network.table_names)
        self.frozen = [name in frozen_tables for name in network.table_names]
        tables = set(network.table_names) if self.lazy_tables else set()
        self.weight_spans = [
            network.layout.offsets[name]
            for name in network.weight_names
            if name not in tables
        ]

    def _loss_and_grad(self, x, packing, y, rng, **kwargs):
        """The network's loss and gradient on a batch.

        ``rng`` draws the masks of the network's dropout rates (none at rate
        0: a network without dropout draws nothing from it).
        """
        return self.network.loss_and_grad(self.params, x, packing, y, rng=rng, **kwargs)

    def _regularize(self, loss, grads, normalizer, rows=None):
        """Add the L2 penalty and clip; return the loss, gradient and its norm.

        ``rows`` are the tables' rows of the batch for a lazy update (None:
        the whole gradient).
        """
        if self.alpha:
            scale, spans = 1 / normalizer, self.weight_spans
            loss += add_l2_penalty(self.params, grads, self.alpha, scale, spans)
        return loss, grads, clip_grad_norm(grads, self.clip_norm, rows=rows)


class SequenceTask(_Task):
    """Minibatches of whole sequences, shuffled every epoch.

    Parameters
    ----------
    data : SequenceData
    loss : {'cross_entropy', 'squared_error'}
    batch_size : int
    shuffle : bool
    **kwargs
        Those of :class:`_Task`.
    """

    def __init__(self, network, params, data, *, loss, batch_size, shuffle, **kwargs):
        super().__init__(network, params, **kwargs)
        self.data, self.loss = data, loss
        self.batch_size, self.shuffle = batch_size, shuffle

    def epoch(self, rng):
        """Yield the indices of the sequences of each batch."""
        n = len(self.data.seqs)
        # One batch of everything: the order changes nothing but rounding.
        shuffle = self.shuffle and self.batch_size < n
        idx = rng.permutation(n) if shuffle else np.arange(n)
        for start in range(0, n, self.batch_size):
            yield idx[start : start + self.batch_size]

    def loss_and_grad(self, idx, rng):
        """Loss, gradient, norm, sequences, targets and table rows of ``idx``.

        The table rows are those of a lazy update (None without).
        """
        data = self.data
        rows, packing = data.seqs.pack(idx)
        x = data.seqs.data[rows]
        where = rows if data.per_step else idx
        y = data.y[where]
        weights = None if data.weights is None else data.weights[where]
        normalizer = float(len(y)) if weights is None else float(weights.sum())
        normalizer = normalizer if normalizer > 0 else 1.0  # every weight is 0
        loss, grads, _, _ = self._loss_and_grad(
            x,
            packing,
            y,
            rng,
            loss=self.loss,
            weights=weights,
            normalizer=normalizer,
        )
        touched = None
        if self.lazy_tables:
            touched = self.network.touched_rows(x, packing.n_rows)
            for table, frozen in zip(touched, self.frozen, strict=True):
                if frozen:  # a table with no row to update
                    table.rows = table.rows[:0]
        regularized = self._regularize(loss, grads, normalizer, touched)
        return (*regularized, len(idx), len(y), touched)


class StreamTask(_Task):
    """Windows of a token corpus, the state carried from window to window.

    Each epoch cuts the corpus into ``n_streams`` parallel streams (see
    :class:`~skrnn._engine.streams.Streams`) whose first windows have a
    random length (``shuffle``), so that windows start at new places.

    Parameters
    ----------
    corpus : Ragged
        Token codes, one run per document.
    n_streams, seq_length : int
    shuffle : bool
    **kwargs
        Those of :class:`_Task`.
    """

    def __init__(
        self, network, params, corpus, *, n_streams, seq_length, shuffle, **kwargs
    ):
        super().__init__(network, params, **kwargs)
        self.corpus, self.n_streams = corpus, n_streams
        self.seq_length, self.shuffle = seq_length, shuffle

    def epoch(self, rng):
        """Yield ``(state, live, rows, packing)`` for each batch of windows."""
        # A phase beyond a document reads it whole, so capping the bound (only
        # a seq_length past int64 reaches it) changes no window and no draw.
        high = min(self.seq_length, np.iinfo(np.int64).max - 1)
        phase = int(rng.integers(1, high + 1)) if self.shuffle else 0
        streams = Streams(self.corpus, self.n_streams, self.seq_length, phase)
        state = CarriedState(self.network, streams.n_streams)
        for live, rows, packing in carried_windows(streams, state):
            yield state, live, rows, packing

    def loss_and_grad(self, batch, rng):
        """Loss, gradient, norm, tokens predicted (twice) and None (no lazy rows)."""
        state, live, rows, packing = batch
        codes = self.corpus.data
        h0, c0 = state.take(live)
        y = codes[rows + 1]
        loss, grads, h_n, c_n = self._loss_and_grad(
            codes[rows], packing, y, rng, loss="cross_entropy", h0=h0, c0=c0
        )
        state.put(live, h_n, c_n)
        return (*self._regularize(loss, grads, float(len(y))), len(y), len(y), None)

    @staticmethod
    def batch_shapes(corpus, n_streams, seq_length, early_stopping):
        """The largest training batch and validation pass, as ``(B, N)``.

        A training batch is one window of ``seq_length`` tokens per stream;
        a validation batch one of :data:`SCORE_CHUNK` tokens per stream.
        Neither holds more than the corpus.
        """
        usable = int(np.maximum(corpus.lengths - 1, 0).sum(dtype=np.int64))

        def windows(length):
            B = max(1, min(n_streams, usable // length))
            return B, min(B * length, usable)

        return windows(seq_length), windows(SCORE_CHUNK) if early_stopping else None
