# SPDX-License-Identifier: BSD-3-Clause
"""Token input: reading sequences of symbols, the vocabularies, the codes."""

import enum
import time
from collections import Counter
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from _data import SHARED_DATA
from numpy.testing import assert_array_equal

from skrnn._categorical import (
    _codes_dtype,
    _object_array,
    encode_tokens,
    is_token_input,
    learn_categories,
    read_token_sequences,
    vocabulary_sizes,
)
from skrnn._engine import Ragged

UD_TRAIN = SHARED_DATA / "ud-english-ewt" / "en_ewt-ud-train.conllu"


class Color(enum.Enum):  # members have no order
    RED = 1
    GREEN = 2


def _objects(*symbols):
    """A 1-D object array holding ``symbols`` as they are (tuples too)."""
    return _object_array(symbols)


def _row_of_objects(*symbols):
    """A sequence of one step: a (1, n_columns) object array of ``symbols``."""
    return _objects(*symbols)[None, :]


def _fit_encode(X, **params):
    columns, lengths = read_token_sequences(X)
    categories, infrequent = learn_categories(columns, **params)
    codes, n_unknown = encode_tokens(columns, lengths, categories)
    return categories, infrequent, codes, n_unknown


def _sequences(codes):
    return [
        codes.data[s : s + n] for s, n in zip(codes.starts, codes.lengths, strict=True)
    ]


# ------------------------------------------------------ recognizing token X
@pytest.mark.parametrize(
    "X",
    [
        [["the", "cat"], ["a", "dog"]],
        [np.array(["the", "cat"]), np.array(["a"])],
        [[("the", "DET"), ("cat", "NOUN")]],
        [np.array([["the", "DET"]])],
        np.array([["a", "b"], ["c", "d"]]),
        np.array([[b"a", b"b"]]),
        np.array([["a", "b"]], dtype=object),
        [[None, "a"]],  # None is no number: the reader names it
        [[b"a", b"b"]],
        [_objects(("a", 1), ("b", 2))],
        [[Color.RED]],
        [[], ["a"]],  # the first sequence is empty
        (("a", "b"),),
        [["a", 1.0]],  # the reader explains the mix
        [[1.0, "a"]],
        ["ab", "cd"],  # the reader explains that a str is no sequence
        np.ma.array([["a", "b"]]),  # the reader refuses masked arrays
    ],
)
def test_token_input_is_recognized(X):
    assert is_token_input(X)


@pytest.mark.parametrize(
    "X",
    [
        [[1.0, 2.0], [3.0]],
        [np.array([1, 2]), np.array([3])],
        np.zeros((2, 3)),
        np.zeros((2, 3, 4)),
        np.ma.array(np.zeros((2, 3))),
        [[True, False]],
        [[Decimal(1), Fraction(1, 2)]],
        [[np.float32(1.0), np.int8(2)]],
        [[None, 1.0]],
        [],
        [[]],
        np.array([[1, 2]], dtype=object),
        "text",
        5,
        None,
    ],
)
def test_numeric_and_other_input_is_not_token_input(X):
    assert not is_token_input(X)


# ----------------------------------------------------------- the three forms
def test_list_of_sequences_is_one_column():
    X = [["the", "cat", "sat"], np.array(["a", "dog"]), ("it", np.str_("ran"))]
    columns, lengths = read_token_sequences(X)
    assert columns == [["the", "cat", "sat", "a", "dog", "it", "ran"]]
    assert lengths.dtype == np.intp
    assert_array_equal(lengths, [3, 2, 2])


def test_sequences_of_rows_are_several_columns():
    X = [
        [("the", "DET"), ("cat", "NOUN")],
        np.array([["ran", "VERB"]]),
        [["a", "DET"], np.array(["dog", "NOUN"])],
    ]
    columns, lengths = read_token_sequences(X)
    assert columns == [
        ["the", "cat", "ran", "a", "dog"],
        ["DET", "NOUN", "VERB", "DET", "NOUN"],
    ]
    assert_array_equal(lengths, [2, 1, 2])


def test_2d_array_of_str_is_fixed_length_sequences():
    X = np.array([["a", "b", "c"], ["d", "e", "f"]])
    columns, lengths = read_token_sequences(X)
    assert columns == [["a", "b", "c", "d", "e", "f"]]
    assert_array_equal(lengths, [3, 3])
    columns, lengths = read_token_sequences(X.astype("S"))
    assert columns == [[b"a", b"b", b"c", b"d", b"e", b"f"]]


def test_object_and_3d_arrays_are_read_as_their_rows():
    X = np.array([["a", "b"], ["c", "d"]], dtype=object)
    assert read_token_sequences(X)[0] == [["a", "b", "c", "d"]]
    X3 = np.array([[["a", "x"], ["b", "y"]]])  # (n_sequences, n_steps, n_columns)
    columns, lengths = read_token_sequences(X3)
    assert columns == [["a", "b"], ["x", "y"]]
    assert_array_equal(lengths, [2])
    ragged = np.empty(2, dtype=object)  # e.g. a column of lists
    ragged[0], ragged[1] = ["a", "b"], ["c"]
    assert_array_equal(read_token_sequences(ragged)[1], [2, 1])


def test_symbols_of_any_hashable_type():
    columns, _ = read_token_sequences([_objects(("a", 1), ("b", 2))])
    assert columns == [[("a", 1), ("b", 2)]]  # tuples in an object array
    columns, _ = read_token_sequences([[Color.RED, Color.GREEN]])
    assert columns == [[Color.RED, Color.GREEN]]
    columns, _ = read_token_sequences([[np.array("a"), np.array("b")]])
    assert columns == [["a", "b"]]  # 0-d arrays are the symbols they hold


def test_np_str_counts_as_str():
    columns, _ = read_token_sequences([[np.str_("a"), "b"], ["c"]])
    assert columns == [["a", "b", "c"]]


# ------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "X, error, match",
    [
        ([], ValueError, "X is empty"),
        ((), ValueError, "X is empty"),
        (np.zeros((0, 3), dtype="U1"), ValueError, r"shape \(0, 3\)"),
        ([["a"], []], ValueError, "Sequence 1 is empty"),
        ([["a"], np.array([], dtype="U1")], ValueError, "Sequence 1 is empty"),
        (np.zeros((2, 0), dtype=object), ValueError, "Sequence 0 is empty"),
        ([[["a"], []]], ValueError, "Sequence 0 has steps of different"),
        ([[[], []]], ValueError, "Sequence 0 has steps of 0 columns"),
        ([["a", float("nan")]], ValueError, "step 1, column 0 is NaN or infinity"),
        ([["a", np.inf]], ValueError, "NaN or infinity"),
        ([["a", Decimal("NaN")]], ValueError, "NaN or infinity"),
        ([["a", None]], ValueError, "step 1, column 0 is None: missing"),
        ([[("a", None)]], ValueError, "column 1 is None"),
        ([np.ma.array(["a", "b"])], ValueError, "Sequence 0 is a masked array"),
        ([["a", np.ma.masked]], ValueError, "step 1, column 0 is a masked"),
        ([[np.ma.array(["a", "b"])]], ValueError, "Sequence 0, step 0 is a masked"),
        (np.ma.array([["a", "b"]]), ValueError, "X is a masked array"),
        ([np.array([[["a"]]])], ValueError, "Sequence 0 has 3 dimensions"),
        ([[[["a"]]]], ValueError, "column 0 is a list: items of 3 or more"),
        ([[np.array([["a"]])]], ValueError, "step 0 has 2 dimensions"),
        ([[(("a", "b"), "c")]], ValueError, "column 0 is a tuple: items of 3"),
        (np.zeros((1, 1, 1, 1), dtype="U1"), ValueError, "X has 4 dimensions"),
        (np.array(["a", "b"]), ValueError, r"1-D array of symbols.*\[X\]"),
        ([[("a", "b")], [("c",)]], ValueError, "Sequence 1 has 1 column"),
        ([[("a", "b"), ("c",)]], ValueError, "step 0 has 2, step 1 has 1"),
        ([["a", ("b",)]], ValueError, "Sequence 0 mixes symbols and rows"),
        ([_objects({"a": 1})], TypeError, "column 0 is not a hashable.*dict"),
        ([_objects(["a"])], ValueError, "column 0 is a list"),
        (["ab", "cd"], TypeError, "Sequence 0 is a str, not a sequence"),
        ([["a"], {"b"}], TypeError, "Sequence 1 is a set"),
        (5, TypeError, "got int"),
    ],
)
def test_bad_input_is_named(X, error, match):
    with pytest.raises(error, match=match):
        read_token_sequences(X)


@pytest.mark.parametrize(
    "X, match",
    [
        ([["a", 3]], r"Column 0 .*mixed types: str and int \(sequence 0, step 1\)"),
        ([[3, "a"]], r"mixed types: str and int \(sequence 0, step 0\)"),
        ([[3, np.str_("a")]], r"mixed types: str and int \(sequence 0, step 0\)"),
        ([[("a", 1), ("b", None)]], r"Column 1 holds numbers"),
        ([["a", 1.5]], "mixed types: str and float"),
        ([["a", True]], "mixed types: str and bool"),
        ([["a", np.int64(3)]], "mixed types: str and int64"),
        ([["a", np.float32(3)]], "mixed types: str and float32"),
        ([["a", np.bool_(True)]], "mixed types: str and bool"),
        ([["a", Decimal(1)]], "mixed types: str and Decimal"),
        ([["a", Fraction(1, 2)]], "mixed types: str and Fraction"),
        ([["a", 1j]], "mixed types: str and complex"),
        ([["a", b"b"]], "mixed types: str and bytes"),
        ([["a"], [b"b"]], r"str and bytes \(sequence 0 and sequence 1\)"),
        ([["a"], np.array([1, 2])], r"str and int \(sequence 1, step 0\)"),
        ([[("a", "b")], _row_of_objects("c", ("d",))], "Column 1 .*str and tuple"),
        ([["a", Color.RED]], "mixed types: str and Color"),
        ([[("a", 1)]], r"Column 1 holds numbers \(int, sequence 0, step 0\)"),
    ],
)
def test_numbers_and_mixed_types_are_refused(X, match):
    with pytest.raises(ValueError, match=match):
        read_token_sequences(X)


# -------------------------------------------------------------- vocabulary
def test_categories_are_sorted_per_column_and_keep_str_dtype():
    X = [[("b", "N"), ("a", "V")], [("c", "N"), ("a", "D")]]
    categories, infrequent, _, _ = _fit_encode(X)
    assert [c.tolist() for c in categories] == [["a", "b", "c"], ["D", "N", "V"]]
    assert all(c.dtype.kind == "U" for c in categories)
    assert all(len(r) == 0 for r in infrequent)
    assert vocabulary_sizes(categories) == [4, 4]


def test_categories_of_bytes_and_of_other_symbols():
    categories, _, _, _ = _fit_encode([[b"b", b"a"]])
    assert categories[0].dtype.kind == "S"
    assert categories[0].tolist() == [b"a", b"b"]
    # a trailing NUL byte would be lost in an "S" array: an object array
    categories, _, _, _ = _fit_encode([[b"a\x00", b"a"]])
    assert categories[0].dtype == object
    assert categories[0].tolist() == [b"a", b"a\x00"]
    categories, _, _, _ = _fit_encode([_objects(("b", 1), ("a", 2), ("b", 1))])
    assert categories[0].dtype == object and categories[0].shape == (2,)
    assert categories[0].tolist() == [("a", 2), ("b", 1)]
    # symbols without an order are sorted by their repr: deterministic
    categories, _, _, _ = _fit_encode([[Color.RED, Color.GREEN, Color.RED]])
    assert categories[0].tolist() == [Color.GREEN, Color.RED]


def test_min_frequency_as_a_count():
    X = [["a", "b", "a", "c"], ["a", "b", "d"]]  # a: 3, b: 2, c: 1, d: 1
    categories, infrequent, codes, n_unknown = _fit_encode(X, min_frequency=2)
    assert categories[0].tolist() == ["a", "b"]
    assert infrequent[0].tolist() == ["c", "d"]
    # rare training symbols are encoded as unknown, which trains its vector
    assert codes.data[:, 0].tolist() == [1, 2, 1, 0, 1, 2, 0]
    assert n_unknown.tolist() == [2]
    categories, _, _, _ = _fit_encode(X, min_frequency=3)
    assert categories[0].tolist() == ["a"]
    categories, _, _, _ = _fit_encode(X, min_frequency=np.int64(4))
    assert categories[0].tolist() == [] and vocabulary_sizes(categories) == [1]


def test_min_frequency_as_a_fraction_of_the_steps():
    X = [["a"] * 5 + ["b"] * 3 + ["c"] * 2]  # 10 steps
    for fraction, kept in [(0.2, "abc"), (0.25, "ab"), (0.3, "ab"), (0.31, "a")]:
        categories, _, _, _ = _fit_encode(X, min_frequency=fraction)
        assert categories[0].tolist() == list(kept), fraction
    # each column counts its own steps
    columns = [["x", "x", "y"], ["p", "q", "q"]]
    categories, _ = learn_categories(columns, min_frequency=0.5)
    assert [c.tolist() for c in categories] == [["x"], ["q"]]


def test_max_categories_keeps_the_most_frequent_ties_in_symbol_order():
    X = [["d", "d", "d", "c", "c", "b", "b", "a", "e"]]
    for n, kept in [(1, "d"), (2, "bd"), (3, "bcd"), (4, "abcd"), (9, "abcde")]:
        categories, infrequent, _, _ = _fit_encode(X, max_categories=n)
        assert categories[0].tolist() == list(kept), n
        assert infrequent[0].tolist() == sorted(set("abcde") - set(kept))
    # after min_frequency, and whatever the input order
    categories, infrequent, codes, _ = _fit_encode(
        [["e", "b", "c", "b", "c", "a", "a"]], min_frequency=2, max_categories=2
    )
    assert categories[0].tolist() == ["a", "b"]
    assert infrequent[0].tolist() == ["c", "e"]
    assert codes.data[:, 0].tolist() == [0, 2, 0, 2, 0, 1, 1]


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"min_frequency": 0}, ValueError, "min_frequency must be >= 1"),
        ({"min_frequency": 1.0}, ValueError, r"must be in \(0, 1\); got 1.0"),
        ({"min_frequency": 0.0}, ValueError, r"must be in \(0, 1\)"),
        ({"min_frequency": -0.5}, ValueError, r"must be in \(0, 1\)"),
        ({"min_frequency": True}, TypeError, "got bool"),
        ({"min_frequency": "2"}, TypeError, "got str"),
        ({"max_categories": 0}, ValueError, "max_categories must be >= 1"),
        ({"max_categories": 2.0}, TypeError, "got float"),
        ({"max_categories": True}, TypeError, "got bool"),
    ],
)
def test_bad_vocabulary_parameters(params, error, match):
    with pytest.raises(error, match=match):
        learn_categories([["a"]], **params)


# ---------------------------------------------------------------- encoding
def test_codes_are_a_ragged_of_2d_int32_rows():
    X = [[("the", "DET"), ("cat", "NOUN")], [("a", "DET")]]
    categories, _, codes, n_unknown = _fit_encode(X)
    assert isinstance(codes, Ragged)
    assert codes.data.dtype == np.int32 and codes.data.shape == (3, 2)
    assert codes.n_features == 2
    assert_array_equal(codes.starts, [0, 2])
    assert_array_equal(codes.lengths, [2, 1])
    assert codes.data.tolist() == [[3, 1], [2, 2], [1, 1]]
    assert n_unknown.dtype == np.int64 and n_unknown.tolist() == [0, 0]
    one_column = _fit_encode([["a", "b"]])[2]
    assert one_column.data.shape == (2, 1)


def test_codes_dtype_is_int64_only_past_int32():
    big = np.iinfo(np.int32).max
    assert _codes_dtype([3, 5]) == np.int32
    assert _codes_dtype([big + 1]) == np.int32  # codes 0 .. big
    assert _codes_dtype([3, big + 2]) == np.int64


def test_known_codes_decode_to_the_symbols():
    X = [
        [("the", "DET"), ("cat", "NOUN"), ("sat", "VERB")],
        np.array([["a", "DET"], ["dog", "NOUN"]]),
    ]
    categories, _, codes, _ = _fit_encode(X)
    columns, _ = read_token_sequences(X)
    for k, cats in enumerate(categories):
        assert cats[codes.data[:, k] - 1].tolist() == columns[k]
    first = _sequences(codes)[1]
    assert [categories[k][first[:, k] - 1].tolist() for k in range(2)] == [
        ["a", "dog"],
        ["DET", "NOUN"],
    ]


def test_unseen_symbols_map_to_the_unknown_code():
    categories, _, _, _ = _fit_encode([["a", "b"]])
    columns, lengths = read_token_sequences([["b", "z"], ["y", "a", "z"]])
    codes, n_unknown = encode_tokens(columns, lengths, categories)
    assert codes.data[:, 0].tolist() == [2, 0, 0, 1, 0]
    assert n_unknown.tolist() == [3]


def test_unseen_symbols_raise_when_asked_listing_them_per_column():
    X = [[("a", "N"), ("b", "V")]]
    columns, lengths = read_token_sequences(X)
    categories, infrequent = learn_categories(columns)
    new = [[(f"w{i:02d}", "N") for i in range(12)] + [("a", "X"), ("a", "V")]]
    columns, lengths = read_token_sequences(new)
    match = (
        r"unknown to the model \(never seen in fit\), column 0: 12 \('w00', "
        r"'w01', .*'w09' and 2 more\); column 1: 1 \('X'\)\. "
        r"Set handle_unknown='unknown'"
    )
    with pytest.raises(ValueError, match=match):
        encode_tokens(
            columns, lengths, categories, handle_unknown="error", infrequent=infrequent
        )


def test_infrequent_training_symbols_are_not_errors():
    X = [["a", "a", "b"]]
    columns, lengths = read_token_sequences(X)
    categories, infrequent = learn_categories(columns, min_frequency=2)
    # at fit time the rare "b" is encoded as unknown, never an error
    codes, n_unknown = encode_tokens(
        columns, lengths, categories, handle_unknown="error", infrequent=infrequent
    )
    assert codes.data[:, 0].tolist() == [1, 1, 0] and n_unknown.tolist() == [1]
    # later, "b" is still known to the model; "c" never was
    columns, lengths = read_token_sequences([["b", "a"]])
    codes, _ = encode_tokens(
        columns, lengths, categories, handle_unknown="error", infrequent=infrequent
    )
    assert codes.data[:, 0].tolist() == [0, 1]
    columns, lengths = read_token_sequences([["b", "c"]])
    with pytest.raises(ValueError, match=r"column 0: 1 \('c'\)"):
        encode_tokens(
            columns, lengths, categories, handle_unknown="error", infrequent=infrequent
        )


def test_unknown_symbols_without_an_order_are_listed():
    columns, lengths = read_token_sequences([[Color.RED]])
    categories, _ = learn_categories(columns)
    columns, lengths = read_token_sequences([[Color.GREEN]])
    with pytest.raises(ValueError, match="GREEN"):
        encode_tokens(columns, lengths, categories, handle_unknown="error")


def test_encode_checks_its_arguments():
    columns, lengths = read_token_sequences([[("a", "b")]])
    categories, _ = learn_categories(columns)
    with pytest.raises(ValueError, match="handle_unknown must be"):
        encode_tokens(columns, lengths, categories, handle_unknown="ignore")
    with pytest.raises(ValueError, match="2 token column.*learned on 1"):
        encode_tokens(columns, lengths, categories[:1])
    with pytest.raises(ValueError, match="sum\\(lengths\\) = 2"):
        encode_tokens(columns, [2], categories)


# --------------------------------------------------------------- real data
def _ud_forms(path):
    """The FORM of every word line (first field a plain integer), by sentence."""
    sentences, words = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if fields[0].isdigit():  # skips comments, ranges 1-2 and empty 1.1
                words.append(fields[1])
            elif not line.strip() and words:
                sentences.append(words)
                words = []
    if words:
        sentences.append(words)
    return sentences


@pytest.mark.skipif(not UD_TRAIN.exists(), reason="UD English-EWT is not here")
def test_ud_english_ewt_train_reads_fits_and_encodes_fast():
    sentences = _ud_forms(UD_TRAIN)
    counts = Counter(w for s in sentences for w in s)
    n_words = sum(counts.values())
    start = time.perf_counter()
    assert is_token_input(sentences)
    columns, lengths = read_token_sequences(sentences)
    categories, infrequent = learn_categories(columns, min_frequency=1)
    codes, n_unknown = encode_tokens(columns, lengths, categories)
    rare_categories, rare = learn_categories(columns, min_frequency=2)
    rare_codes, rare_unknown = encode_tokens(
        columns, lengths, rare_categories, handle_unknown="error", infrequent=rare
    )
    elapsed = time.perf_counter() - start
    assert elapsed < 5, f"{elapsed:.2f} s"

    assert len(lengths) == len(sentences) and codes.data.shape == (n_words, 1)
    assert len(categories[0]) == len(counts) and n_unknown.tolist() == [0]
    assert categories[0].dtype.kind == "U"
    n_hapax = sum(1 for c in counts.values() if c == 1)
    assert len(rare_categories[0]) == len(counts) - n_hapax
    assert len(rare[0]) == n_hapax and rare_unknown.tolist() == [n_hapax]
    assert vocabulary_sizes(rare_categories) == [len(counts) - n_hapax + 1]
    if (len(sentences), n_words) == (12544, 204577):  # the release we know
        assert len(categories[0]) == 19674
        assert len(rare_categories[0]) == 9873
    first = categories[0][codes.data[: lengths[0], 0] - 1].tolist()
    assert first == sentences[0]
    assert rare_codes.data.dtype == np.int32
