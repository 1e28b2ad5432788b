# SPDX-License-Identifier: BSD-3-Clause
"""Token corpora: reading X, the vocabulary, and documents as integer codes.

The generator's corpus is held as codes of the smallest unsigned dtype that
fits the vocabulary (uint8 for up to 256 symbols, uint16 above), so N
characters cost N bytes; character text is encoded in chunks of code points.
"""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skrnn import _tokens
from skrnn._tokens import (
    _code_dtype,
    build_vocabulary,
    decode,
    encode_documents,
    read_documents,
)


def _encode(docs, handle_unknown="error"):
    docs, char_level = read_documents(docs)
    vocabulary = build_vocabulary(docs, char_level)
    return vocabulary, encode_documents(docs, vocabulary, char_level, handle_unknown)


def _documents(corpus):
    return [
        corpus.data[s : s + n]
        for s, n in zip(corpus.starts, corpus.lengths, strict=True)
    ]


# ---------------------------------------------------------------- reading X
def test_read_documents_classifies_each_form():
    assert read_documents("abc") == (["abc"], True)
    assert read_documents(["ab", "c"]) == (["ab", "c"], True)
    docs, char_level = read_documents([["a", "rose"], ["is"]])
    assert not char_level and [list(d) for d in docs] == [["a", "rose"], ["is"]]
    docs, char_level = read_documents(np.array([[1, 2], [3, 4]]))
    assert not char_level and len(docs) == 2
    assert_array_equal(docs[1], [3, 4])


@pytest.mark.parametrize(
    "X, error, match",
    [
        ([], ValueError, "empty"),
        (np.zeros((2, 2, 2)), ValueError, "3 dimensions"),
        (np.zeros(3), ValueError, "1 dimensions"),
        (5, TypeError, "int"),
        (["ab", ["a", "b"]], ValueError, "Document 0"),
        ([["a", "b"], [["c"]]], ValueError, "Document 1"),
    ],
)
def test_read_documents_rejects_what_is_not_a_corpus(X, error, match):
    with pytest.raises(error, match=match):
        read_documents(X)


# ---------------------------------------------------------------- vocabulary
def test_character_vocabulary_is_sorted_unicode_of_one_char():
    vocabulary = build_vocabulary(["banana", "cab"], True)
    assert vocabulary.dtype == np.dtype("<U1")
    assert_array_equal(vocabulary, ["a", "b", "c", "n"])


def test_token_vocabulary_keeps_the_kind_of_the_tokens():
    words = build_vocabulary([["a", "rose"], ["is", "a"]], False)
    assert words.dtype.kind == "U"
    assert_array_equal(words, ["a", "is", "rose"])
    numbers = build_vocabulary(list(np.array([[3, 1], [2, 3]])), False)
    assert numbers.dtype.kind == "i"
    assert_array_equal(numbers, [1, 2, 3])
    floats = build_vocabulary([[0.5, -1.0]], False)
    assert floats.dtype.kind == "f"
    assert_array_equal(floats, [-1.0, 0.5])


def test_token_vocabulary_rejects_nan_and_unsortable_tokens():
    with pytest.raises(ValueError, match="NaN"):
        build_vocabulary([[1.0, float("nan")]], False)
    with pytest.raises(TypeError, match="sorted"):
        build_vocabulary([["a", 1]], False)


# ------------------------------------------------------------------ encoding
@pytest.mark.parametrize(
    "n_symbols, dtype",
    [
        (1, np.uint8),
        (256, np.uint8),
        (257, np.uint16),
        (65536, np.uint16),
        (65537, np.uint32),
    ],
)
def test_code_dtype_is_the_smallest_that_fits(n_symbols, dtype):
    assert _code_dtype(n_symbols) == np.dtype(dtype)


def test_corpus_is_flat_codes_with_document_starts_and_lengths():
    vocabulary, corpus = _encode(["abca", "", "cb"])
    assert corpus.data.dtype == np.uint8
    assert_array_equal(corpus.data, [0, 1, 2, 0, 2, 1])
    assert_array_equal(corpus.starts, [0, 4, 4])
    assert_array_equal(corpus.lengths, [4, 0, 2])
    assert len(corpus) == 3
    assert [decode(d, vocabulary, True) for d in _documents(corpus)] == [
        "abca",
        "",
        "cb",
    ]


def test_token_corpus_round_trips():
    docs = [["the", "rose", "is"], ["a", "rose"]]
    vocabulary, corpus = _encode(docs)
    assert corpus.data.dtype == np.uint8
    decoded = [decode(d, vocabulary, False) for d in _documents(corpus)]
    assert [d.tolist() for d in decoded] == docs


def test_256_symbols_fit_in_uint8_and_257_need_uint16():
    text = "".join(map(chr, range(256, 512)))
    vocabulary, corpus = _encode(text)
    assert len(vocabulary) == 256 and corpus.data.dtype == np.uint8
    vocabulary, corpus = _encode(text + "\u4e00")
    assert len(vocabulary) == 257 and corpus.data.dtype == np.uint16
    assert decode(corpus.data, vocabulary, True) == text + "\u4e00"


def test_astral_plane_characters_are_one_symbol_each():
    text = "a\U0001f600b\U0001f680\U0001f600\U00010348a"
    vocabulary, corpus = _encode(text)
    assert vocabulary.dtype == np.dtype("<U1")
    assert len(vocabulary) == 5  # a, b, three astral characters
    assert corpus.data.shape == (len(text),) == (7,)
    assert decode(corpus.data, vocabulary, True) == text


def test_lone_surrogates_are_symbols_too():
    text = "ab\udc80a\udcff"  # e.g. bytes decoded with errors='surrogateescape'
    vocabulary, corpus = _encode(text)
    assert len(vocabulary) == 4
    assert decode(corpus.data, vocabulary, True) == text


@pytest.mark.parametrize("chunk", [1, 2, 3, 7])
def test_chunked_encoding_equals_encoding_at_once(monkeypatch, chunk):
    rng = np.random.default_rng(0)
    alphabet = list("abc\u00e9\u4e00") + ["\U0001f600", "\U0001f680"]
    docs = ["".join(rng.choice(alphabet, size=n)) for n in (0, 1, 6, 7, 8, 23)]
    vocabulary, expected = _encode(docs)
    monkeypatch.setattr(_tokens, "_CHUNK", chunk)
    got = encode_documents(docs, vocabulary, True, "error")
    assert_array_equal(got.data, expected.data)
    assert_array_equal(got.starts, expected.starts)
    assert_array_equal(got.lengths, expected.lengths)
    assert [decode(d, vocabulary, True) for d in _documents(got)] == docs


def test_chunked_encoding_finds_unknown_symbols_in_every_chunk(monkeypatch):
    monkeypatch.setattr(_tokens, "_CHUNK", 2)
    vocabulary = np.array(["a", "b"])
    docs = ["abXa", "\U0001f600bbY"]
    with pytest.raises(ValueError, match="3 unknown") as info:
        encode_documents(docs, vocabulary, True, "error")
    for symbol in ("'X'", "'Y'", "'\U0001f600'"):
        assert symbol in str(info.value)
    corpus = encode_documents(docs, vocabulary, True, "ignore")
    assert [decode(d, vocabulary, True) for d in _documents(corpus)] == ["aba", "bb"]


def test_unknown_symbols_are_named_or_skipped():
    vocabulary = np.array(["a", "b"])
    with pytest.raises(ValueError, match=r"3 unknown symbol\(s\): 'x', 'y', 'z'"):
        encode_documents(["axyb", "z"], vocabulary, True, "error")
    corpus = encode_documents(["axyb", "z"], vocabulary, True, "ignore")
    assert_array_equal(corpus.lengths, [2, 0])
    words = np.array(["a", "rose"])
    with pytest.raises(ValueError, match="'tulip'"):
        encode_documents([["a", "tulip"]], words, False, "error")
    corpus = encode_documents([["a", "tulip", "rose"]], words, False, "ignore")
    assert_array_equal(corpus.data, [0, 1])


def test_many_unknown_symbols_are_listed_briefly():
    with pytest.raises(ValueError, match="and 16 more"):
        encode_documents(["abcdefghijklmnopqrstuvwxyz"], np.array(["!"]), True, "error")


def test_corpus_codes_use_one_byte_per_character():
    text = "abcdefgh" * 5000
    _, corpus = _encode(text)
    assert corpus.data.nbytes == len(text)
