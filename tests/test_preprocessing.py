# SPDX-License-Identifier: BSD-3-Clause
from decimal import Decimal

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn import config_context
from sklearn.pipeline import make_pipeline

from skrnn.datasets import load_seed_text
from skrnn.preprocessing import (
    OneHotCharEncoder,
    SlidingWindowTransformer,
    _is_str_array_or_ragged_list,
    sliding_windows,
)


def _seed_column():
    return np.array(list(load_seed_text())).reshape(-1, 1)


# sliding_windows ------------------------------------------------------------


def test_sliding_windows_reproduces_the_seed_tutorial():
    text = load_seed_text()
    X, y = sliding_windows(text, seq_length=3)
    assert X.shape == (89, 3)
    assert y.shape == (89,)
    assert X.dtype == np.dtype("<U1") and y.dtype == np.dtype("<U1")
    assert "".join(X[0]) == "Kur" and y[0] == "u"
    # The tutorial's loop, item by item.
    for i in range(len(text) - 3):
        assert "".join(X[i]) == text[i : i + 3]
        assert y[i] == text[i + 3]


@pytest.mark.parametrize("horizon", [1, 2, 3])
def test_sliding_windows_horizon(horizon):
    sequence = np.arange(10) * 10
    X, y = sliding_windows(sequence, seq_length=4, horizon=horizon)
    n_windows = 10 - 4 - horizon + 1
    assert X.shape == (n_windows, 4) and y.shape == (n_windows,)
    for i in range(n_windows):
        assert_array_equal(X[i], sequence[i : i + 4])
        assert y[i] == sequence[i + 4 + horizon - 1]


def test_sliding_windows_2d_numeric_and_no_aliasing():
    sequence = np.arange(14.0).reshape(7, 2)
    X, y = sliding_windows(sequence, seq_length=3, horizon=2)
    assert X.shape == (3, 3, 2) and y.shape == (3, 2)
    for i in range(3):
        assert_array_equal(X[i], sequence[i : i + 3])
        assert_array_equal(y[i], sequence[i + 4])
    assert not np.shares_memory(X, sequence)
    assert not np.shares_memory(y, sequence)


def test_sliding_windows_token_list():
    X, y = sliding_windows(["the", "cat", "sat", "down"], seq_length=2)
    assert X.tolist() == [["the", "cat"], ["cat", "sat"]]
    assert y.tolist() == ["sat", "down"]


@pytest.mark.parametrize(
    "sequence, kwargs, match",
    [
        ("abc", {"seq_length": 3}, "3 items, too few for seq_length=3"),
        ("abcd", {"seq_length": 2, "horizon": 3}, "at least seq_length"),
        ("abc", {"seq_length": 0}, "'seq_length' parameter"),
        ("abc", {"seq_length": 1, "horizon": 0}, "'horizon' parameter"),
        ([1.0, np.nan, 2.0, 3.0], {"seq_length": 1}, "NaN"),
        ([1.0, np.inf, 2.0, 3.0], {"seq_length": 1}, "infinity"),
        (np.array([1.0, np.inf], dtype=object), {"seq_length": 1}, "infinity"),
        (np.zeros((4, 2, 2)), {"seq_length": 1}, "got 3-D input"),
    ],
)
def test_sliding_windows_errors(sequence, kwargs, match):
    with pytest.raises(ValueError, match=match):
        sliding_windows(sequence, **kwargs)


# SlidingWindowTransformer ---------------------------------------------------


def test_sliding_window_transformer_masks_only_missing_history():
    X = np.arange(14.0).reshape(7, 2)
    Xt = SlidingWindowTransformer(seq_length=3).fit_transform(X)
    assert isinstance(Xt, np.ma.MaskedArray)
    assert Xt.shape == (7, 3, 2) and Xt.dtype == np.float64
    assert Xt.mask.shape == Xt.shape
    for i in range(7):
        n_missing = max(0, 3 - 1 - i)
        # All features of a missing step are masked, and nothing else is.
        assert Xt.mask[i, :n_missing].all()
        assert not Xt.mask[i, n_missing:].any()
        assert_array_equal(Xt[i, n_missing:].data, X[max(0, i - 2) : i + 1])
    assert not np.shares_memory(Xt.data, X)


def test_sliding_window_transformer_symbols_column():
    column = _seed_column()
    Xt = SlidingWindowTransformer(seq_length=4).fit_transform(column)
    assert Xt.shape == (92, 4, 1) and Xt.dtype == column.dtype
    assert Xt[:3, :, 0].tolist() == [
        [None, None, None, "K"],
        [None, None, "K", "u"],
        [None, "K", "u", "r"],
    ]
    assert "".join(Xt[10, :, 0]) == load_seed_text()[7:11]

    objects = np.array([["a"], [1], [None]], dtype=object)
    Xt = SlidingWindowTransformer(seq_length=2).fit_transform(objects)
    assert Xt.dtype == object
    assert Xt[:, :, 0].tolist() == [[None, "a"], ["a", 1], [1, None]]
    assert Xt.mask[:, :, 0].tolist() == [[True, False], [False, False]] + [
        [False, False]
    ]


@pytest.mark.parametrize(
    "dtype, expected",
    [
        (np.float32, np.float32),
        (np.float64, np.float64),
        (np.int64, np.float64),
        (bool, np.float64),
    ],
)
def test_sliding_window_transformer_dtypes(dtype, expected):
    X = np.arange(6).reshape(3, 2).astype(dtype)
    assert SlidingWindowTransformer().fit_transform(X).dtype == expected


def test_sliding_window_transformer_seq_length_one_is_still_masked():
    X = np.arange(6.0).reshape(3, 2)
    Xt = SlidingWindowTransformer(seq_length=1).fit_transform(X)
    assert isinstance(Xt, np.ma.MaskedArray)
    assert Xt.mask.shape == (3, 1, 2) and not Xt.mask.any()
    assert_array_equal(Xt.data, X[:, np.newaxis, :])


def test_sliding_window_transformer_longer_than_the_rows():
    Xt = SlidingWindowTransformer(seq_length=5).fit_transform([[1.0], [2.0]])
    assert Xt.shape == (2, 5, 1)
    assert Xt.mask[:, :, 0].sum(axis=1).tolist() == [4, 3]


def test_sliding_window_transformer_errors():
    with pytest.raises(ValueError, match=r"reshape\(-1, 1\)"):
        SlidingWindowTransformer().fit(np.arange(5.0))
    with pytest.raises(ValueError, match="NaN"):
        SlidingWindowTransformer().fit([[1.0], [np.nan]])
    with pytest.raises(ValueError, match="NaN"):
        SlidingWindowTransformer().fit(np.array([["a"], [np.nan]], dtype=object))
    fitted = SlidingWindowTransformer().fit(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="X has 3 features, but"):
        fitted.transform(np.zeros((4, 3)))


@pytest.mark.parametrize(
    "X",
    [
        [["a", "a", "a"], [0, 0, np.float32(np.nan)]],
        [["a", "b"], [0, float("inf")]],
        [("a",), ("b", float("nan"))],
    ],
    ids=["nan", "inf", "ragged"],
)
def test_a_number_among_symbols_is_not_read_as_a_symbol(X):
    """NumPy reads a list mixing str and numbers as str ('nan'): refused first."""
    for est in (SlidingWindowTransformer(seq_length=1), OneHotCharEncoder()):
        if isinstance(est, SlidingWindowTransformer) and len(set(map(len, X))) > 1:
            continue  # a ragged list is not one sequence of rows
        with pytest.raises(ValueError, match="NaN or infinity"):
            est.fit(X)


# OneHotCharEncoder ----------------------------------------------------------


def test_one_hot_char_encoder_seed_windows_round_trip():
    X, _ = sliding_windows(load_seed_text(), seq_length=3)
    enc = OneHotCharEncoder().fit(X)
    # The windows hold every character but the last one, '9' (only a label).
    assert enc.categories_.tolist() == sorted(set(load_seed_text()[:-1]))
    assert enc.n_features_in_ == 3
    Xt = enc.transform(X)
    assert type(Xt) is np.ndarray
    assert Xt.shape == (89, 3, 30) and Xt.dtype == np.float32
    assert_array_equal(Xt.sum(axis=-1), 1)
    assert_array_equal(enc.categories_[Xt.argmax(axis=-1)], X)
    assert_array_equal(enc.inverse_transform(Xt), X)


def test_one_hot_char_encoder_numbers_and_3d_input():
    X = np.array([[3, 1, 2], [2, 2, 7]])
    enc = OneHotCharEncoder().fit(X)
    assert enc.categories_.tolist() == [1, 2, 3, 7]
    assert_array_equal(enc.inverse_transform(enc.transform(X)), X)
    assert_array_equal(enc.transform(X[:, :, np.newaxis]), enc.transform(X))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int8])
def test_one_hot_char_encoder_dtype(dtype):
    Xt = OneHotCharEncoder(dtype=dtype).fit_transform([["a", "b"]])
    assert Xt.dtype == dtype


def test_one_hot_char_encoder_unknown_symbols_are_listed():
    enc = OneHotCharEncoder().fit([["a", "b"]])
    with pytest.raises(ValueError, match=r"2 unknown symbol\(s\).*\['x', 'y'\]"):
        enc.transform([["y", "a"], ["x", "y"]])
    many = np.array([list("ABCDEFGHIJKLM")])
    with pytest.raises(ValueError, match=r"'J'\] and 3 more"):
        OneHotCharEncoder().fit([list("abcdefghijklm")]).transform(many)


def test_one_hot_char_encoder_ignore_gives_zeros_and_none():
    enc = OneHotCharEncoder(handle_unknown="ignore").fit([["a", "b"]])
    Xt = enc.transform([["x", "b"]])
    assert_array_equal(Xt[0], [[0, 0], [0, 1]])
    X_back = enc.inverse_transform(Xt)
    assert X_back.dtype == object and X_back.tolist() == [[None, "b"]]


def test_one_hot_char_encoder_list_form():
    enc = OneHotCharEncoder().fit(["abc", list("ca"), np.array(["d"])])
    assert enc.categories_.tolist() == ["a", "b", "c", "d"]
    assert not hasattr(enc, "n_features_in_")
    Xt = enc.transform(["dab", "c"])
    assert isinstance(Xt, list) and [x.shape for x in Xt] == [(3, 4), (1, 4)]
    # Each sequence gets what it gets alone.
    assert_array_equal(Xt[0], enc.transform(["dab"])[0])
    assert_array_equal(Xt[1], enc.transform([["c"]])[0])
    back = enc.inverse_transform(Xt)
    assert [b.tolist() for b in back] == [["d", "a", "b"], ["c"]]
    # Array forms are accepted after a list fit, at any width.
    assert enc.transform([["a", "b", "c", "d", "a"]]).shape == (1, 5, 4)


@pytest.mark.parametrize(
    "X, expected",
    [
        (["ab", "c"], True),
        (("ab", "cd"), True),
        ([np.array(["a", "b"]), np.array(["c", "d"])], True),
        ([["a", "b"], ["c"]], True),  # ragged
        ([["a", "b"], ["c", "d"]], False),  # a table, as scikit-learn reads it
        ([], False),
        (np.array([["a", "b"]]), False),
    ],
)
def test_which_lists_are_the_list_form(X, expected):
    assert _is_str_array_or_ragged_list(X) is expected


def test_one_hot_char_encoder_list_form_errors():
    enc = OneHotCharEncoder()
    with pytest.raises(ValueError, match="Sequence 1 of the list is empty"):
        enc.fit(["ab", ""])
    with pytest.raises(ValueError, match="single str"):
        enc.fit("abc")
    with pytest.raises(TypeError, match="MaskedArray"):
        enc.fit([np.ma.MaskedArray(["a"], mask=[True])])


def test_one_hot_char_encoder_masked_form():
    Xs = SlidingWindowTransformer(seq_length=3).fit_transform(
        np.array(list("abcab")).reshape(-1, 1)
    )
    enc = OneHotCharEncoder().fit(Xs)
    assert enc.categories_.tolist() == ["a", "b", "c"]  # '' under the mask unseen
    Xt = enc.transform(Xs)
    assert isinstance(Xt, np.ma.MaskedArray) and Xt.shape == (5, 3, 3)
    step_mask = Xs.mask[:, :, 0]
    assert_array_equal(Xt.mask, np.repeat(step_mask[:, :, None], 3, axis=2))
    assert_array_equal(Xt.data[step_mask], 0)
    back = enc.inverse_transform(Xt)
    assert isinstance(back, np.ma.MaskedArray)
    assert_array_equal(back.mask, step_mask)
    assert back.tolist() == Xs[:, :, 0].tolist()


def test_one_hot_char_encoder_never_reads_under_the_mask():
    rows = np.array(list("abcab")).reshape(-1, 1)
    clean = SlidingWindowTransformer(seq_length=3).fit_transform(rows)
    garbage = clean.astype(object)
    garbage.data[clean.mask] = "#unknown#"
    enc = OneHotCharEncoder().fit(clean)
    enc_garbage = OneHotCharEncoder().fit(garbage)
    assert enc_garbage.categories_.tolist() == enc.categories_.tolist()
    # handle_unknown='error' would raise if a masked step were read.
    expected = enc.transform(clean)
    got = enc.transform(garbage)
    assert_array_equal(got.mask, expected.mask)
    assert_array_equal(got.data, expected.data)

    scores = expected.copy()
    scores.data[scores.mask] = np.nan
    back = enc.inverse_transform(scores)
    assert back.tolist() == enc.inverse_transform(expected).tolist()


def test_one_hot_char_encoder_bad_input():
    enc = OneHotCharEncoder()
    with pytest.raises(ValueError, match="NaN"):
        enc.fit([[1.0, np.nan]])
    with pytest.raises(TypeError, match="uniformly strings or numbers"):
        enc.fit(np.array([["a", 1]], dtype=object))
    with pytest.raises(TypeError, match="uniformly strings or numbers"):
        OneHotCharEncoder().fit([[1, 2]]).transform(np.array([["a", 1]], dtype=object))
    with pytest.raises(ValueError, match="3-D array"):
        enc.fit(np.zeros((2, 3, 2)))
    enc.fit([["a", "b"]])
    with pytest.raises(ValueError, match="fitted with 2"):
        enc.inverse_transform(np.zeros((1, 2, 3)))


def test_pipeline_windows_then_one_hot_on_the_seed_text():
    pipe = make_pipeline(SlidingWindowTransformer(seq_length=4), OneHotCharEncoder())
    Xt = pipe.fit_transform(_seed_column())
    assert isinstance(Xt, np.ma.MaskedArray)
    assert Xt.shape == (92, 4, 31) and Xt.dtype == np.float32
    assert Xt.mask.any(axis=-1).sum() == 1 + 2 + 3
    assert_array_equal(Xt[3:].sum(axis=-1), 1)


def test_no_set_output_for_3d_output():
    # Neither transformer names output columns, so pandas output cannot be
    # asked for, and a global transform_output setting leaves them alone.
    pipe = make_pipeline(SlidingWindowTransformer(seq_length=2), OneHotCharEncoder())
    assert not hasattr(pipe[0], "set_output")
    assert not hasattr(pipe[1], "set_output")
    with config_context(transform_output="pandas"):
        Xt = pipe.fit_transform(np.array([["a"], ["b"], ["a"]]))
    assert isinstance(Xt, np.ma.MaskedArray) and Xt.shape == (3, 2, 2)


# The scikit-learn common checks of both transformers run in tests/test_common.py.


def test_given_categories_fix_the_vocabulary():
    text = load_seed_text()
    X, _ = sliding_windows(text, 3)
    enc = OneHotCharEncoder(categories=sorted(set(text))).fit(X)
    assert len(enc.categories_) == 31  # '9' only ever follows a window
    assert enc.transform([["0", "4", "9"]]).shape == (1, 3, 31)
    assert len(OneHotCharEncoder().fit(X).categories_) == 30
    with pytest.raises(ValueError, match="outside `categories`.*'a'"):
        OneHotCharEncoder(categories=["b"]).fit([["a", "b"]])
    ignoring = OneHotCharEncoder(categories=["b"], handle_unknown="ignore")
    assert_array_equal(ignoring.fit_transform([["a", "b"]])[0], [[0], [1]])


def test_symbols_outside_categories_are_listed_like_unknown_symbols():
    # The first ten, sorted, then how many more: as transform lists them.
    enc = OneHotCharEncoder(categories=["z"])
    with pytest.raises(ValueError, match=r"fit: \['a', .*'j'\] and 2 more\.$"):
        enc.fit([list("lkjihgfedcba")])


@pytest.mark.parametrize(
    "categories",
    [[0, Decimal("NaN")], [0.0, np.inf], [1, Decimal("-Infinity")], [np.nan]],
    ids=["decimal-nan", "inf", "decimal-inf", "nan"],
)
def test_non_finite_categories_are_refused_by_name(categories):
    # NaN and infinity are not symbols (a Decimal NaN cannot even be sorted),
    # so the error names categories instead of failing while sorting them.
    with pytest.raises(ValueError, match="categories must be symbols, not NaN"):
        OneHotCharEncoder(categories=categories).fit([[0], [1]])
