# SPDX-License-Identifier: BSD-3-Clause
import re

import pytest

from skrnn.datasets import SEED_TEXT, load_seed_text, load_shakespeare

# A speaker line: a name that holds no colon, then the colon that ends the line.
SPEAKER_LINE = re.compile(r"[^\s:][^:\n]*:")


def test_load_shakespeare_returns_the_whole_corpus():
    text = load_shakespeare()
    assert isinstance(text, str)
    assert len(text) == 1_189_096


def test_shakespeare_begins_with_a_speaker_line():
    first_line, second_line = load_shakespeare().split("\n", 2)[:2]
    assert first_line == "WARWICK:"
    assert SPEAKER_LINE.fullmatch(first_line)
    assert second_line == "I wonder how the king escaped our hands."


def test_shakespeare_has_unix_line_endings_and_ascii_only():
    text = load_shakespeare()
    assert "\r" not in text
    assert text.isascii()
    assert text.endswith("\n")


def test_shakespeare_vocabulary_size():
    # Measured on the bundled file: newline, space, 13 punctuation marks and
    # the 52 ASCII letters.
    assert len(set(load_shakespeare())) == 68


def test_load_seed_text():
    text = load_seed_text()
    assert isinstance(text, str)
    assert text is SEED_TEXT
    assert text == (
        "Kurudusonnehalli Main Rd, Sonnenahalli Colony, Krishnarajapuram, "
        "Bengaluru, Karnataka 560049"
    )
    assert len(text) == 92


def test_seed_text_has_31_distinct_characters():
    assert len(set(load_seed_text())) == 31


def test_seed_text_starts_with_the_tutorials_generation_seed():
    assert load_seed_text().startswith("Kurudusonnehalli")


@pytest.mark.slow
def test_every_speech_in_shakespeare_is_well_formed():
    # The whole corpus, speech by speech: a speaker line, at least one spoken
    # line, no trailing spaces, and exactly one blank line between speeches.
    text = load_shakespeare()
    assert text.endswith("\n\n") and not text.endswith("\n\n\n")
    speeches = text[:-2].split("\n\n")
    assert len(speeches) == 7_578
    for speech in speeches:
        speaker, *lines = speech.split("\n")
        assert SPEAKER_LINE.fullmatch(speaker), speech[:80]
        assert lines, speech[:80]
        assert all(line and line == line.rstrip() for line in lines), speech[:80]
