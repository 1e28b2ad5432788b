# SPDX-License-Identifier: BSD-3-Clause
"""Decoding an encoder-decoder: greedy, sampled, and beam search.

Every strategy runs a :class:`DecoderStep` over a batch of rows: the decoder's
:class:`~.stepper.Stepper` (one recurrent step per new token, nothing
re-read), attention of the new state over the sources' memory (their keys
computed once, by :meth:`~.seq2seq.Seq2SeqNetwork.encode`), and the output
layer, giving the log-probabilities of the next code. A batch of sources
decodes in one pass: greedy and sampled decoding keep one row per source,
beam search ``beam_size`` rows per source.

Each source has a maximum number of output codes (``max_lengths``); at that
length :data:`~.seq2seq.END` is the only choice left, so every output ends
with it (and it is counted in the log-probability, not in the output). An
optional minimum (``min_lengths``) bans END before it.
"""

import numpy as np

from .batched import canonical_chunks
from .layers import dense_head
from .losses import log_softmax
from .sampling import sample_next
from .seq2seq import END, START
from .stepper import Stepper

__all__ = [
    "DecoderStep",
    "Hypothesis",
    "beam_search",
    "decode_one_per_source",
    "decode_sources",
]


class DecoderStep:
    """The log-probabilities of the next code, one decoder step per call.

    Parameters
    ----------
    network : Seq2SeqNetwork
    params : ndarray of shape (network.layout.size,)
    encoded : EncodedSources
        The sources of every row (a source repeated for its beams).
    """

    def __init__(self, network, params, encoded):
        self.network = network
        self._views = network.layout.views(params)
        self._stepper = Stepper(
            network.decoder, self._views["decoder"], encoded.h0, encoded.c0
        )
        self._encoded = encoded
        self._feed = None
        if network.input_feeding:
            B, Q = encoded.h0.shape[1], network.decoder_size
            self._feed = np.zeros((B, Q), dtype=network.dtype)

    def log_probs(self, codes):
        """Read ``codes`` (the previous outputs); return the next code's log-probs.

        Parameters
        ----------
        codes : int ndarray of shape (B,)

        Returns
        -------
        ndarray of shape (B, n_targets)
        """
        state = self._stepper.step(codes, self._feed)
        attention, encoded = self.network.attention, self._encoded
        if attention is not None:
            context, _, _ = attention.attend(
                self._views,
                state[:, None, :],
                encoded.memory,
                encoded.keys,
                encoded.memory_mask,
            )
            state, _ = attention.combine(self._views, context[:, 0], state)
            if self._feed is not None:
                self._feed = state
        logits = dense_head(state, self._views["W_hy"], self._views["b_y"])
        return log_softmax(logits.astype(np.float64))

    def select(self, rows):
        """Continue from the states of ``rows`` (see :meth:`Stepper.select`)."""
        self._stepper.select(rows)
        if self._feed is not None:
            self._feed = self._feed[rows]


def _limit_lengths(log_probs, t, min_lengths, max_lengths):
    """In place, at step ``t``: END banned before the minimum, alone at the maximum.

    ``min_lengths`` and ``max_lengths`` are per row (None: no minimum).
    """
    if min_lengths is not None:
        log_probs[t < min_lengths, END] = -np.inf
    rows = t >= max_lengths
    if rows.any():
        end = log_probs[rows, END].copy()
        log_probs[rows] = -np.inf
        log_probs[rows, END] = end


def decode_one_per_source(
    step, max_lengths, rng=None, temperature=0.0, min_lengths=None
):
    """Greedy (``temperature=0``) or sampled decoding, one row per source.

    Parameters
    ----------
    step : DecoderStep
        Over one row per source.
    max_lengths : int ndarray of shape (B,)
        The most codes each output may have before END.
    rng : numpy.random.Generator, default=None
        Needed when ``temperature > 0``.
    temperature : float, default=0.0
    min_lengths : int ndarray of shape (B,), default=None
        The fewest codes each output has before END (at most its maximum).

    Returns
    -------
    outputs : list of int ndarray
        Each source's codes, without END.
    log_probs : ndarray of shape (B,)
        The log-probability of each output, END included, under the model
        (not the temperature's distribution).
    """
    B = len(max_lengths)
    codes = np.full(B, START, dtype=np.intp)
    done = np.zeros(B, bool)
    total = np.zeros(B)
    history = []
    for t in range(int(max_lengths.max()) + 1):
        log_probs = step.log_probs(codes)
        _limit_lengths(log_probs, t, min_lengths, max_lengths)
        codes = sample_next(log_probs, rng, temperature)
        total += np.where(done, 0.0, log_probs[np.arange(B), codes])
        history.append(np.where(done, END, codes))
        done |= codes == END
        if done.all():
            break
    history = np.stack(history, axis=1)
    lengths = np.argmax(history == END, axis=1)
    return [row[:n] for row, n in zip(history, lengths, strict=True)], total


class Hypothesis:
    """An output of beam search.

    Attributes
    ----------
    codes : int ndarray
        The output, without END.
    log_prob : float
        Its log-probability, END included.
    score : float
        ``log_prob / (len(codes) + 1) ** length_penalty``: what beam search
        ranks by.
    """

    __slots__ = ("codes", "log_prob", "score")

    def __init__(self, codes, log_prob, score):
        self.codes, self.log_prob, self.score = codes, log_prob, score

    def __repr__(self):
        return (
            f"Hypothesis(codes={self.codes.tolist()}, log_prob={self.log_prob:.4f}, "
            f"score={self.score:.4f})"
        )


def beam_search(
    step, max_lengths, beam_size, *, length_penalty=1.0, n_best=1, min_lengths=None
):
    """The ``n_best`` outputs of each source by beam search.

    Each source keeps ``beam_size`` live hypotheses. At every step each is
    extended by every code; of the ``2 * beam_size`` best extensions of a
    source, those ending with END among the first ``beam_size`` are
    finished, and the best ``beam_size`` others live on. A source is done
    when it has ``beam_size`` finished hypotheses (or reaches its maximum
    length, where END is the only extension). Finished hypotheses are ranked
    by their log-probability divided by ``length ** length_penalty`` (the
    length counts END; 0 ranks by log-probability, 1 by its mean per code).

    Parameters
    ----------
    step : DecoderStep
        Over ``beam_size`` rows per source, a source's rows together.
    max_lengths : int ndarray of shape (B,)
    beam_size : int
    length_penalty : float, default=1.0
    n_best : int, default=1
        At most ``beam_size``.
    min_lengths : int ndarray of shape (B,), default=None
        The fewest codes of each output (at most its maximum).

    Returns
    -------
    list of list of Hypothesis
        Per source, its best ``n_best`` outputs, best first.
    """
    B, K = len(max_lengths), int(beam_size)
    if not 1 <= n_best <= K:
        raise ValueError(f"n_best must be in [1, beam_size={K}], got {n_best}.")
    scores = np.full((B, K), -np.inf)
    scores[:, 0] = 0.0  # the first step extends one hypothesis per source
    codes = np.full(B * K, START, dtype=np.intp)
    finished = [[] for _ in range(B)]
    done = np.zeros(B, bool)
    tokens, parents = [], []  # per step, (B, K)
    sources = np.arange(B)[:, None]
    for t in range(int(max_lengths.max()) + 1):
        log_probs = step.log_probs(codes)
        _limit_lengths(
            log_probs,
            t,
            None if min_lengths is None else np.repeat(min_lengths, K),
            np.repeat(max_lengths, K),
        )
        V = log_probs.shape[1]
        totals = (scores[:, :, None] + log_probs.reshape(B, K, V)).reshape(B, K * V)
        best = np.argsort(-totals, axis=1, kind="stable")[:, : 2 * K]
        best_totals = np.take_along_axis(totals, best, axis=1)
        best_codes, best_beams = best % V, best // V
        ends = (best_codes == END) & np.isfinite(best_totals)
        for b, rank in zip(*np.nonzero(ends[:, :K] & ~done[:, None]), strict=True):
            path = _backtrack(tokens, parents, b, best_beams[b, rank])
            finished[b].append(_hypothesis(path, best_totals[b, rank], length_penalty))
        done |= np.array([len(f) >= K for f in finished]) | (t >= max_lengths)
        if done.all():
            break
        # the best K extensions that do not end (at most K of the 2K end)
        live = np.argsort(ends, axis=1, kind="stable")[:, :K]
        scores = np.take_along_axis(best_totals, live, axis=1)
        scores[np.take_along_axis(ends, live, axis=1)] = -np.inf
        beams = np.take_along_axis(best_beams, live, axis=1)
        codes = np.take_along_axis(best_codes, live, axis=1)
        tokens.append(codes)
        parents.append(beams)
        step.select((sources * K + beams).reshape(-1))
        codes = codes.reshape(-1)
    return [sorted(f, key=lambda h: -h.score)[:n_best] for f in finished]


def _backtrack(tokens, parents, source, beam):
    """The codes leading to live hypothesis ``beam`` of ``source``."""
    path = []
    for t in range(len(tokens) - 1, -1, -1):
        path.append(tokens[t][source, beam])
        beam = parents[t][source, beam]
    return np.array(path[::-1], dtype=np.intp)


def _hypothesis(codes, log_prob, length_penalty):
    # a float power: a huge penalty underflows to 0 instead of overflowing
    scale = float(len(codes) + 1) ** -float(length_penalty)
    return Hypothesis(codes, float(log_prob), float(log_prob) * scale)


def decode_sources(
    network,
    params,
    sources,
    max_lengths,
    *,
    beam_size=1,
    n_best=1,
    length_penalty=1.0,
    temperature=0.0,
    rng=None,
    min_lengths=None,
):
    """Decode every source, :data:`~.batched.CHUNK` sources per pass.

    Sources go in :func:`~.batched.canonical_chunks`' order, so an output
    does not depend on the other sources of the call (see :mod:`~.batched`).

    Parameters
    ----------
    network : Seq2SeqNetwork
    params : ndarray of shape (network.layout.size,)
    sources : Ragged or ndarray of shape (n, n_inputs)
        Source sequences (every length at least 1), or vectors.
    max_lengths : int ndarray of shape (n,)
    beam_size : int, default=1
        1 decodes greedily (or samples, with ``temperature > 0``).
    n_best : int, default=1
        Outputs per source (beam search only).
    length_penalty : float, default=1.0
        See :func:`beam_search`.
    temperature : float, default=0.0
        Sample with this temperature (``beam_size=1`` only).
    rng : numpy.random.Generator, default=None
    min_lengths : int ndarray of shape (n,), default=None
        The fewest codes of each output (at most its maximum).

    Returns
    -------
    list of list of Hypothesis
        Per source, its outputs, best first.
    """
    vectors = isinstance(sources, np.ndarray)
    found = [None] * len(sources)
    for idx in canonical_chunks(sources):
        if vectors:
            x, packing = sources[idx], None
        else:
            rows, packing = sources.pack(idx)
            x = sources.data[rows]
        encoded, _ = network.encode(params, x, packing)
        copies = np.repeat(np.arange(len(idx)), beam_size)
        step = DecoderStep(network, params, encoded.take(copies))
        lengths = max_lengths[idx]
        least = None if min_lengths is None else min_lengths[idx]
        if beam_size == 1:
            outputs, log_probs = decode_one_per_source(
                step, lengths, rng, temperature, least
            )
            chunk = [
                [_hypothesis(o, lp, length_penalty)]
                for o, lp in zip(outputs, log_probs, strict=True)
            ]
        else:
            chunk = beam_search(
                step,
                lengths,
                beam_size,
                length_penalty=length_penalty,
                n_best=n_best,
                min_lengths=least,
            )
        for i, hypotheses in zip(idx.tolist(), chunk, strict=True):
            found[i] = hypotheses
    return found
