# SPDX-License-Identifier: BSD-3-Clause
"""The grapheme-to-phoneme scores of ``benchmarks/_g2p.py``, on cases by hand.

The module is a benchmark's helper, not part of skrnn: it is loaded from its
file.
"""

import importlib.util
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "_g2p.py"


def _load(path):
    spec = importlib.util.spec_from_file_location("_g2p", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


g2p = _load(PATH)


@pytest.mark.parametrize(
    "a, b, distance",
    [
        ([], [], 0),
        ([], ["K", "AE1", "T"], 3),  # three insertions
        (["K", "AE1", "T"], [], 3),  # three deletions
        (["K", "AE1", "T"], ["K", "AE1", "T"], 0),
        (["K", "AE1", "T"], ["K", "AE0", "T"], 1),  # stress: a substitution
        (["K", "AE1", "T"], ["K", "AE1", "T", "S"], 1),  # an insertion
        (["AH0", "B"], ["B", "AH0"], 2),  # no transpositions
        (list("kitten"), list("sitting"), 3),  # k->s, e->i, +g
        (list("flaw"), list("lawn"), 2),  # -f, +n
    ],
)
def test_edit_distance(a, b, distance):
    assert g2p.edit_distance(a, b) == distance
    assert g2p.edit_distance(b, a) == distance


def test_the_closest_pronunciation_is_the_first_listed_at_its_distance():
    listed = [["K", "AA1", "T"], ["K", "AE1", "T", "S"], ["K", "AE1", "T"]]
    assert g2p.closest_pronunciation(["K", "AE1", "T"], listed) == (0, listed[2])
    # at distance 1 from both: the first listed
    assert g2p.closest_pronunciation(["K", "AE1", "T"], listed[:2]) == (1, listed[0])
    assert g2p.closest_pronunciation(["K", "AE1", "T"], listed[1::-1]) == (
        1,
        listed[1],
    )


# Three words. "the": right (its second pronunciation); "cat": one deletion
# from its only pronunciation; "either": one insertion from its second
# pronunciation (two edits from its first).
PREDICTIONS = [["DH", "IY0"], ["K", "AE1"], ["IY1", "DH", "ER0", "Z"]]
REFERENCES = [
    [["DH", "AH0"], ["DH", "IY0"]],
    [["K", "AE1", "T"]],
    [["AY1", "DH", "ER0"], ["IY1", "DH", "ER0"]],
]


def test_word_error_rate_counts_a_match_of_any_pronunciation_right():
    assert g2p.word_error_rate(PREDICTIONS, REFERENCES) == pytest.approx(2 / 3)
    assert g2p.word_error_rate(PREDICTIONS[:1], REFERENCES[:1]) == 0.0
    assert g2p.word_error_rate([["DH", "AH0"]], REFERENCES[:1]) == 0.0
    assert g2p.word_error_rate([["DH"]], REFERENCES[:1]) == 1.0


def test_phoneme_error_rate_sums_edits_and_lengths_of_the_closest():
    # edits 0 + 1 + 1 over the lengths 2 + 3 + 3 of the closest pronunciations
    assert g2p.phoneme_error_rate(PREDICTIONS, REFERENCES) == pytest.approx(2 / 8)
    # not the mean of the per-word rates, (0 + 1/3 + 1/3) / 3
    assert g2p.g2p_scores(PREDICTIONS, REFERENCES) == {
        "wer": pytest.approx(2 / 3),
        "per": pytest.approx(0.25),
        "n_words": 3,
    }


def test_a_tie_is_scored_against_the_first_listed():
    # ['X', 'Y'] is one edit from ['X'] and from ['X', 'Y', 'Z']
    assert g2p.phoneme_error_rate([["X", "Y"]], [[["X"], ["X", "Y", "Z"]]]) == 1.0
    assert g2p.phoneme_error_rate(
        [["X", "Y"]], [[["X", "Y", "Z"], ["X"]]]
    ) == pytest.approx(1 / 3)


def test_empty_and_long_predictions():
    assert g2p.phoneme_error_rate([[]], [[["AH0", "B"]]]) == 1.0
    assert g2p.word_error_rate([[]], [[["AH0", "B"]]]) == 1.0
    assert g2p.phoneme_error_rate([["A", "B", "C", "D"]], [[["A"]]]) == 3.0


def test_tuples_are_phoneme_sequences_too():
    predictions = [tuple(p) for p in PREDICTIONS]
    references = [tuple(tuple(r) for r in listed) for listed in REFERENCES]
    assert g2p.word_error_rate(predictions, references) == pytest.approx(2 / 3)
    assert g2p.phoneme_error_rate(predictions, references) == pytest.approx(0.25)


@pytest.mark.parametrize(
    "predictions, references, message",
    [
        ([["A"]], [[["A"]], [["B"]]], "one entry per word; got 1 predictions and 2"),
        ([], [], "no words to score"),
        (["K AE1 T"], [[["K", "AE1", "T"]]], r"predictions\[0\] must be a list of"),
        ([["A", 1]], [[["A"]]], r"predictions\[0\] must be a list of"),
        ([["A"]], [[]], r"references\[0\] must be a non-empty list"),
        ([["A"]], [["A"]], r"references\[0\]\[0\] must be a list of phoneme"),
        ([["A"]], [[["A"], []]], r"references\[0\]\[1\] is an empty pronunciation"),
    ],
)
def test_bad_input_raises(predictions, references, message):
    for score in (g2p.word_error_rate, g2p.phoneme_error_rate):
        with pytest.raises(ValueError, match=message):
            score(predictions, references)
