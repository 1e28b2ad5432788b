# SPDX-License-Identifier: BSD-3-Clause
"""What a fit trains on: the batches of an epoch, their loss and gradient.

A task is what :func:`~skrnn._training.run_epochs` asks for: ``epoch(rng)``
yields batches and ``loss_and_grad(batch, rng)`` gives the regularised loss
and clipped gradient of one. :class:`SequenceTask` reads minibatches of
whole sequences (the classifier, the regressor, the tagger);
:class:`StreamTask` reads a token corpus window by window with the state
carried between windows (the generator); :class:`PairTask` reads
minibatches of sources and their output sequences (the encoder-decoder).
All end a batch the same way (:meth:`_Task._regularize`): the L2 penalty,
then clipping.
"""

import dataclasses

import numpy as np

from ._engine import add_l2_penalty, clip_grad_norm
from ._engine.batched import forward_outputs
from ._engine.seq2seq import padded_index, teacher_forcing
from ._engine.streams import CarriedState, Streams, carried_windows

__all__ = [
    "PairTask",
    "Pairs",
    "SequenceData",
    "SequenceTask",
    "StreamTask",
    "accuracy",
    "longest",
]

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


def minibatches(n, batch_size, shuffle, rng):
    """Yield the indices of each minibatch of ``n`` samples (shuffled if asked)."""
    # One batch of everything: the order changes nothing but rounding.
    shuffle = shuffle and batch_size < n
    idx = rng.permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, batch_size):
        yield idx[start : start + batch_size]


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
        self.weight_spans = network.weight_spans
        if self.lazy_tables:
            tables = set(network.table_names)
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
        return minibatches(len(self.data.seqs), self.batch_size, self.shuffle, rng)

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


@dataclasses.dataclass
class Pairs:
    """Sources and their output sequences, with per-sample weights.

    Attributes
    ----------
    seqs : Ragged or ndarray
        The source sequences, or one vector per sample (``(n, n_features)``).
    outputs : Ragged
        Output codes ``1 ..`` of each sample (possibly empty).
    weights : ndarray of shape (n,) or None
    form : str
        The form of the outputs (see :data:`~skrnn._targets.OUTPUT_FORMS`).
    """

    seqs: object
    outputs: object
    weights: np.ndarray = None
    form: str = "tokens"

    def subset(self, idx):
        """The samples ``idx``."""
        weights = None if self.weights is None else self.weights[idx]
        return Pairs(
            self.seqs[idx] if self.vectors else self.seqs.subset(idx),
            self.outputs.subset(idx),
            weights,
            self.form,
        )

    @property
    def vectors(self):
        """bool: whether the sources are vectors."""
        return isinstance(self.seqs, np.ndarray)

    def sources(self, idx):
        """The engine's input of the samples ``idx``: ``(x, packing)``."""
        if self.vectors:
            return self.seqs[idx], None
        rows, packing = self.seqs.pack(idx)
        return self.seqs.data[rows], packing

    def output_codes(self, idx):
        """The output codes of the samples ``idx``, a list of arrays."""
        outputs = self.outputs
        return [
            outputs.data[s : s + n]
            for s, n in zip(
                outputs.starts[idx].tolist(), outputs.lengths[idx].tolist(), strict=True
            )
        ]


class PairTask(_Task):
    """Minibatches of sources and output sequences, under teacher forcing.

    The loss is the mean cross-entropy over the output steps of the batch
    (each output's END included), each step weighted by its sample's weight.

    Parameters
    ----------
    data : Pairs
    batch_size : int
    shuffle : bool
    **kwargs
        Those of :class:`_Task`.
    """

    def __init__(self, network, params, data, *, batch_size, shuffle, **kwargs):
        super().__init__(network, params, **kwargs)
        self.data, self.batch_size, self.shuffle = data, batch_size, shuffle

    def epoch(self, rng):
        """Yield the indices of the samples of each batch."""
        return minibatches(len(self.data.seqs), self.batch_size, self.shuffle, rng)

    def loss_and_grad(self, idx, rng):
        """Loss, gradient, norm, samples, output steps and None (no lazy rows)."""
        x, packing = self.data.sources(idx)
        targets = teacher_forcing(self.data.output_codes(idx))
        n_steps = len(targets[1])
        weights = None
        normalizer = float(n_steps)
        if self.data.weights is not None:
            sequence, _ = padded_index(targets[2])
            weights = self.data.weights[idx][sequence]
            normalizer = float(weights.sum()) or 1.0  # every weight is 0
        loss, grads = self.network.loss_and_grad(
            self.params,
            x,
            packing,
            targets,
            weights=weights,
            normalizer=normalizer,
            rng=rng,
        )
        return (*self._regularize(loss, grads, normalizer), len(idx), n_steps, None)
