# SPDX-License-Identifier: BSD-3-Clause
"""Decoding: the step loop agrees with the teacher-forced forward pass.

Greedy outputs are, step by step, the argmax of the full forward pass over
themselves, and their log-probabilities are
:meth:`~skrnn._engine.seq2seq.Seq2SeqNetwork.log_likelihood`'s; beam search
of width 1 is greedy; a beam wide enough to keep every prefix finds the most
likely output found by enumerating all of them; lengths stay within the
maximum. With input feeding as without.
"""

import itertools

import numpy as np
import pytest

from skrnn._engine.decoding import DecoderStep, beam_search, decode_one_per_source
from skrnn._engine.packing import pack_sequences
from skrnn._engine.seq2seq import (
    END,
    Seq2SeqNetwork,
    padded_index,
    teacher_forcing,
)

N_CODES, HIDDEN = 5, 6
SOURCE_LENGTHS = [3, 1, 4, 2]


def _model(
    cell="lstm",
    attention="general",
    n_targets=6,
    vector_input=False,
    seed=0,
    input_feeding=False,
):
    rng = np.random.default_rng(seed)
    net = Seq2SeqNetwork(
        cell,
        N_CODES,
        HIDDEN,
        n_targets,
        num_layers=2,
        bidirectional=not vector_input,
        attention=attention,
        input_feeding=input_feeding,
        vector_input=vector_input,
        token_input=not vector_input,
        dtype=np.float64,
    )
    params = net.init_params(rng)
    params += rng.normal(0, 0.5, params.shape)  # confident, varied outputs
    if vector_input:
        x, packing = rng.standard_normal((len(SOURCE_LENGTHS), N_CODES)), None
    else:
        sources = [rng.integers(0, N_CODES, n) for n in SOURCE_LENGTHS]
        x, packing = pack_sequences(sources, dtype=np.intp)
    return net, params, x, packing


def _step(net, params, x, packing, copies=1):
    encoded, _ = net.encode(params, x, packing)
    rows = np.repeat(np.arange(len(SOURCE_LENGTHS)), copies)
    return DecoderStep(net, params, encoded.take(rows))


GREEDY_CASES = [
    (cell, attention, False)
    for cell in ("rnn", "lstm", "gru")
    for attention in (None, "dot", "general", "additive")
] + [(cell, "general", True) for cell in ("rnn", "lstm", "gru")]


@pytest.mark.parametrize("cell, attention, input_feeding", GREEDY_CASES)
def test_greedy_is_the_argmax_of_the_forward_pass(cell, attention, input_feeding):
    net, params, x, packing = _model(cell, attention, input_feeding=input_feeding)
    max_lengths = np.array([6, 2, 0, 5])
    outputs, log_probs = decode_one_per_source(
        _step(net, params, x, packing), max_lengths
    )
    assert all(len(o) <= m for o, m in zip(outputs, max_lengths, strict=True))
    assert len(outputs[2]) == 0  # a maximum of 0 leaves only END
    targets = teacher_forcing(outputs)
    logits, _, _ = net.forward(params, x, packing, targets[0], targets[2])
    chosen = np.argmax(logits, axis=1)
    sequence, position = padded_index(targets[2])
    free = position < max_lengths[sequence]  # steps where END was not forced
    np.testing.assert_array_equal(chosen[free], targets[1][free])
    np.testing.assert_allclose(
        log_probs, net.log_likelihood(params, x, packing, targets), rtol=1e-12
    )
    assert max(len(o) for o in outputs) > 0


def test_beam_of_one_is_greedy():
    net, params, x, packing = _model()
    max_lengths = np.full(len(SOURCE_LENGTHS), 7)
    greedy, greedy_lp = decode_one_per_source(
        _step(net, params, x, packing), max_lengths
    )
    beams = beam_search(_step(net, params, x, packing), max_lengths, 1)
    for g, lp, (best,) in zip(greedy, greedy_lp, beams, strict=True):
        np.testing.assert_array_equal(best.codes, g)
        assert best.log_prob == pytest.approx(lp, rel=1e-12)


@pytest.mark.parametrize(
    "vector_input, input_feeding", [(False, False), (True, False), (False, True)]
)
def test_a_wide_beam_finds_the_most_likely_output(vector_input, input_feeding):
    n_targets, max_length = 3, 3  # codes 1, 2 and END: 15 possible outputs
    net, params, x, packing = _model(
        "gru",
        None if vector_input else "additive",
        n_targets,
        vector_input,
        seed=2,
        input_feeding=input_feeding,
    )
    candidates = [
        np.array(c, dtype=np.intp)
        for n in range(max_length + 1)
        for c in itertools.product(range(1, n_targets), repeat=n)
    ]
    B = len(SOURCE_LENGTHS)
    scores = np.array(
        [
            net.log_likelihood(params, x, packing, teacher_forcing([c] * B))
            for c in candidates
        ]
    )  # (n_candidates, B)
    beam_size = 2**max_length  # every prefix fits
    max_lengths = np.full(B, max_length)
    for penalty in (0.0, 1.0):
        found = beam_search(
            _step(net, params, x, packing, beam_size),
            max_lengths,
            beam_size,
            length_penalty=penalty,
            n_best=3,
        )
        lengths = np.array([len(c) + 1 for c in candidates])[:, None]
        ranked = np.argsort(-(scores / lengths**penalty), axis=0, kind="stable")
        for b, hypotheses in enumerate(found):
            for rank, hypothesis in enumerate(hypotheses):
                expected = ranked[rank, b]
                np.testing.assert_array_equal(hypothesis.codes, candidates[expected])
                assert hypothesis.log_prob == pytest.approx(scores[expected, b])
            assert [h.score for h in hypotheses] == sorted(
                (h.score for h in hypotheses), reverse=True
            )


def test_sampling_is_reproducible_and_within_bounds():
    net, params, x, packing = _model()
    max_lengths = np.full(len(SOURCE_LENGTHS), 4)

    def sample(seed):
        return decode_one_per_source(
            _step(net, params, x, packing),
            max_lengths,
            np.random.default_rng(seed),
            temperature=1.5,
        )

    first, lp = sample(0)
    again, _ = sample(0)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert all(len(o) <= 4 and np.all(o != END) for o in first)
    targets = teacher_forcing(first)
    np.testing.assert_allclose(lp, net.log_likelihood(params, x, packing, targets))


def test_n_best_cannot_exceed_the_beam():
    net, params, x, packing = _model()
    with pytest.raises(ValueError, match="n_best"):
        beam_search(_step(net, params, x, packing, 2), np.full(4, 3), 2, n_best=3)


@pytest.mark.parametrize(
    "attention, input_feeding", [(None, False), ("additive", False), ("dot", True)]
)
def test_every_hypothesis_has_the_models_log_probability(attention, input_feeding):
    net, params, x, packing = _model(
        "lstm", attention, n_targets=9, seed=4, input_feeding=input_feeding
    )
    B, beam_size = len(SOURCE_LENGTHS), 4
    found = beam_search(
        _step(net, params, x, packing, beam_size),
        np.full(B, 6),
        beam_size,
        n_best=beam_size,
    )
    for rank in range(beam_size):
        codes = [hypotheses[rank].codes for hypotheses in found]
        expected = net.log_likelihood(params, x, packing, teacher_forcing(codes))
        got = [hypotheses[rank].log_prob for hypotheses in found]
        np.testing.assert_allclose(got, expected, rtol=1e-12)
