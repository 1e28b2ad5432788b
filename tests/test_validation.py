# SPDX-License-Identifier: BSD-3-Clause
"""Sequence input (skrnn._sequences): the unit, then through the estimators.

The estimator tests run every input form of API.md through RNNClassifier and
RNNRegressor: the result for a sequence never depends on the form it came in
or on the other sequences of the batch (padding and masking never leak into
the numbers), and bad input gets a ValueError or TypeError naming the problem.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_array

from skrnn import RNNClassifier, RNNRegressor, SlidingWindowTransformer
from skrnn._categorical import is_token_input
from skrnn._engine import Ragged
from skrnn._sequences import (
    _checked_3d,
    _is_list_of_sequences,
    check_n_sequences,
    check_sequences,
    check_X_forms,
)

pytestmark = pytest.mark.filterwarnings("ignore", category=ConvergenceWarning)

ESTIMATORS = [RNNClassifier, RNNRegressor]
#: Agreement of one sequence predicted alone and within a batch, by dtype.
TOL = {np.float32: 1e-6, np.float64: 1e-12}


class _Holder(BaseEstimator):
    """What a fit records the attributes of check_sequences on."""


def _check(est, X, *, reset, dtype, two_d="steps"):
    """check_sequences, recording what it returns on ``est`` (as a fit does).

    The sequences get the input form as an attribute ``form``.
    """
    before = dict(vars(est))
    seqs, form, fitted = check_sequences(est, X, reset=reset, dtype=dtype, two_d=two_d)
    assert vars(est) == before  # check_sequences changes nothing
    for name, value in fitted.items():
        if value is None:
            vars(est).pop(name, None)
        else:
            setattr(est, name, value)
    seqs.form = form
    return seqs


def _fitted_holder(X, dtype=np.float64):
    est = _Holder()
    _check(est, X, reset=True, dtype=dtype)
    return est


# check_sequences: the five forms --------------------------------------------


def test_3d_array_is_stored_as_its_reshape():
    X = np.arange(24.0).reshape(2, 4, 3)
    est = _Holder()
    seqs = _check(est, X, reset=True, dtype=np.float64)
    assert seqs.form == "3d"
    assert_array_equal(seqs.data, X.reshape(8, 3))
    assert np.shares_memory(seqs.data, X)  # no copy when the dtype matches
    assert_array_equal(seqs.starts, [0, 4])
    assert_array_equal(seqs.lengths, [4, 4])
    assert est.n_features_in_ == 3
    assert est.n_features_per_step_ == 3
    assert est._fit_X_form == "3d"


def test_2d_array_is_univariate_and_its_width_is_n_features_in():
    X = np.arange(10.0).reshape(2, 5)
    est = _Holder()
    seqs = _check(est, X, reset=True, dtype=np.float64)
    assert seqs.form == "2d"
    assert seqs.data.shape == (10, 1)
    assert_array_equal(seqs.data[:, 0], X.ravel())
    assert_array_equal(seqs.starts, [0, 5])
    assert_array_equal(seqs.lengths, [5, 5])
    assert est.n_features_in_ == 5  # scikit-learn's meaning: the width
    assert est.n_features_per_step_ == 1


def test_2d_array_read_as_features_is_one_step_per_sequence():
    X = np.arange(10.0).reshape(2, 5)
    seqs = _check(_Holder(), X, reset=True, dtype=np.float64, two_d="features")
    assert_array_equal(seqs.data, X)
    assert_array_equal(seqs.starts, [0, 1])
    assert_array_equal(seqs.lengths, [1, 1])
    assert seqs.n_features == 5


def test_list_of_arrays_is_concatenated_with_starts_and_lengths():
    X = [np.ones((3, 2)), 2 * np.ones((1, 2)), 3 * np.ones((4, 2))]
    est = _Holder()
    seqs = _check(est, X, reset=True, dtype=np.float64)
    assert seqs.form == "list"
    assert_array_equal(seqs.starts, [0, 3, 4])
    assert_array_equal(seqs.lengths, [3, 1, 4])
    assert_array_equal(seqs.data, np.concatenate(X))
    assert est.n_features_in_ == 2
    assert est.n_features_per_step_ == 2


def test_list_of_1d_arrays_is_univariate():
    X = [np.arange(3.0), np.arange(5.0)]
    seqs = _check(_Holder(), X, reset=True, dtype=np.float64)
    assert seqs.data.shape == (8, 1)
    assert_array_equal(seqs.lengths, [3, 5])


def test_masked_array_rows_are_their_unmasked_steps():
    X = np.arange(24.0).reshape(3, 4, 2)
    mask = np.zeros(X.shape, dtype=bool)
    mask[0, :2] = True  # two leading steps absent
    mask[2, 3] = True  # one trailing step absent
    seqs = _check(
        _Holder(), np.ma.MaskedArray(X, mask=mask), reset=True, dtype=np.float64
    )
    assert seqs.form == "masked"
    assert_array_equal(seqs.lengths, [2, 4, 3])
    assert_array_equal(seqs.starts, [2, 4, 8])
    for i, (start, n) in enumerate(zip(seqs.starts, seqs.lengths, strict=True)):
        present = ~mask[i].all(axis=1)
        assert_array_equal(seqs.data[start : start + n], X[i][present])


def test_masked_data_under_the_mask_is_never_read():
    X = np.ones((2, 3, 1))
    X[0, 0] = np.nan  # a placeholder under the mask
    mask = np.zeros(X.shape, dtype=bool)
    mask[0, 0] = True
    seqs = _check(
        _Holder(), np.ma.MaskedArray(X, mask=mask), reset=True, dtype=np.float64
    )
    assert_array_equal(seqs.lengths, [2, 3])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "make_X",
    [
        lambda: np.arange(12).reshape(2, 3, 2),
        lambda: np.arange(6).reshape(2, 3),
        lambda: [np.arange(6).reshape(3, 2), np.arange(2).reshape(1, 2)],
        lambda: np.ma.MaskedArray(np.arange(12).reshape(2, 3, 2)),
    ],
    ids=["3d", "2d", "list", "masked"],
)
def test_every_form_is_converted_to_the_requested_dtype(make_X, dtype):
    seqs = _check(_Holder(), make_X(), reset=True, dtype=dtype)
    assert seqs.data.dtype == dtype


def test_input_arrays_are_never_modified():
    rng = np.random.default_rng(0)
    X3 = rng.standard_normal((3, 4, 2))
    L = [rng.standard_normal((n, 2)) for n in (2, 5)]
    copies = X3.copy(), [a.copy() for a in L]
    for X in (X3, L):
        seqs = _check(_Holder(), X, reset=True, dtype=np.float32)
        seqs.data[...] = 0
    assert_array_equal(X3, copies[0])
    for a, b in zip(L, copies[1], strict=True):
        assert_array_equal(a, b)


# check_sequences: reset=False ---------------------------------------------


def test_2d_width_must_match_when_fitted_on_2d():
    est = _fitted_holder(np.zeros((2, 5)))
    _check(est, np.zeros((3, 5)), reset=False, dtype=np.float64)
    with pytest.raises(
        ValueError, match="X has 4 features, but _Holder is expecting 5"
    ):
        _check(est, np.zeros((3, 4)), reset=False, dtype=np.float64)


def test_other_forms_may_have_any_length_when_fitted_on_2d():
    est = _fitted_holder(np.zeros((2, 5)))
    for X in (np.zeros((3, 9, 1)), [np.zeros(2), np.zeros(7)]):
        seqs = _check(est, X, reset=False, dtype=np.float64)
        assert seqs.n_features == 1


def test_2d_of_any_width_is_accepted_when_fitted_on_univariate_3d():
    est = _fitted_holder(np.zeros((2, 5, 1)))
    seqs = _check(est, np.zeros((3, 8)), reset=False, dtype=np.float64)
    assert_array_equal(seqs.lengths, [8, 8, 8])


@pytest.mark.parametrize(
    "X",
    [np.zeros((2, 5, 3)), [np.zeros((4, 3))], np.ma.MaskedArray(np.zeros((2, 5, 3)))],
    ids=["3d", "list", "masked"],
)
def test_features_per_step_must_match(X):
    est = _fitted_holder(np.zeros((2, 5, 2)))
    with pytest.raises(
        ValueError,
        match="X has 3 features per step, but _Holder was fitted with 2 features",
    ):
        _check(est, X, reset=False, dtype=np.float64)


@pytest.mark.parametrize(
    "X",
    [
        np.arange(12.0).reshape(2, 3, 2),
        np.arange(12, dtype=np.float32).reshape(2, 3, 2),
        np.asfortranarray(np.arange(12.0).reshape(2, 3, 2)),
        np.arange(12).reshape(2, 3, 2),  # integers: converted
        np.arange(12.0).reshape(2, 3, 2).astype(">f8"),  # big-endian: converted
        np.arange(12.0).reshape(2, 3, 2).tolist(),
        np.zeros((1, 1, 1)),
    ],
    ids=["float64", "float32", "fortran", "int", "big-endian", "list", "one"],
)
def test_3d_arrays_read_as_check_array_reads_them(X):
    """The shortcut for finite float arrays gives what check_array gives."""
    expected = check_array(X, allow_nd=True, dtype=(np.float64, np.float32))
    got = _checked_3d(X)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert_array_equal(got, expected)
    if isinstance(X, np.ndarray) and X.dtype in (np.float32, np.float64):
        assert got is X  # check_array makes no copy of these either


# check_sequences: errors ------------------------------------------------------


@pytest.mark.parametrize(
    "X, match",
    [
        (np.array([[[0.0], [np.nan]]]), "Input contains NaN"),
        (np.array([[[0.0], [np.inf]]]), "Input contains infinity"),
        (np.array([[0.0, np.nan]]), "Input X contains NaN"),
        ([np.zeros((2, 1)), np.array([[np.nan]])], "sequence 1 contains NaN or inf"),
        ([np.zeros((2, 1)), np.array([[-np.inf]])], "sequence 1 contains NaN or inf"),
        (np.ma.MaskedArray([[[np.inf], [0.0]]]), "Input X contains NaN or infinity"),
    ],
    ids=["3d-nan", "3d-inf", "2d-nan", "list-nan", "list-inf", "masked-inf"],
)
def test_nan_and_inf_are_rejected(X, match):
    with pytest.raises(ValueError, match=match):
        _check(_Holder(), X, reset=True, dtype=np.float64)


@pytest.mark.parametrize(
    "X",
    [np.full((2, 3, 1), 1e39), np.full((2, 3), 1e39), [np.full((3, 1), 1e39)]],
    ids=["3d", "2d", "list"],
)
def test_values_too_large_for_float32_are_rejected(X):
    _check(_Holder(), X, reset=True, dtype=np.float64)
    with pytest.raises(ValueError, match="too large for dtype\\('float32'\\)"):
        _check(_Holder(), X, reset=True, dtype=np.float32)


@pytest.mark.parametrize(
    "X, match",
    [
        ([np.zeros((2, 1)), np.zeros((0, 1))], "Sequence 1 is empty"),
        ([np.zeros(3), np.array([])], "Sequence 1 is empty"),
        (np.zeros((2, 0, 1)), "sequences need steps and features"),
        (np.zeros((2, 3, 0)), "sequences need steps and features"),
    ],
    ids=["list-2d", "list-1d", "3d-no-steps", "3d-no-features"],
)
def test_empty_sequences_are_rejected(X, match):
    with pytest.raises(ValueError, match=match):
        _check(_Holder(), X, reset=True, dtype=np.float64)


def test_a_list_whose_items_disagree_on_n_features_is_rejected():
    X = [np.zeros((3, 2)), np.zeros((2, 2)), np.zeros((4, 3))]
    with pytest.raises(
        ValueError, match="Sequence 2 has 3 features per step but sequence 0 has 2"
    ):
        _check(_Holder(), X, reset=True, dtype=np.float64)


def test_a_list_item_with_3_dimensions_is_rejected():
    with pytest.raises(ValueError, match="Sequence 1 has 3 dimensions"):
        _check(
            _Holder(), [np.zeros((2, 1)), np.zeros((2, 1, 1))], reset=True, dtype=float
        )


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.zeros((2, 3, 1)) + 1j, ValueError, "Complex data not supported"),
        (np.zeros((2, 3)) + 1j, ValueError, "Complex data not supported"),
        ([np.zeros((3, 1)) + 1j], TypeError, "Sequence 0 is complex"),
    ],
    ids=["3d", "2d", "list"],
)
def test_complex_input_is_rejected(X, error, match):
    with pytest.raises(error, match=match):
        _check(_Holder(), X, reset=True, dtype=np.float64)


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.array([["a", "b"], ["c", "d"]]), ValueError, "could not convert string"),
        ([np.array(["a", "b"])], TypeError, "Sequence 0 is not numeric"),
        (["ab", np.zeros(2)], TypeError, "Sequence 0 is a str"),
        (
            np.ma.MaskedArray(np.array([[["a"], ["b"]]])),
            TypeError,
            "X must be numeric",
        ),
    ],
    ids=["2d-array", "list-of-arrays", "list-with-str", "masked"],
)
def test_strings_are_rejected(X, error, match):
    with pytest.raises(error, match=match):
        _check(_Holder(), X, reset=True, dtype=np.float64)


def test_masked_holes_between_steps_are_rejected():
    mask = np.zeros((3, 4, 2), dtype=bool)
    mask[1, 2] = True  # step 2 of sequence 1, between present steps
    X = np.ma.MaskedArray(np.zeros((3, 4, 2)), mask=mask)
    with pytest.raises(ValueError, match="Sequences \\[1\\] have masked steps between"):
        _check(_Holder(), X, reset=True, dtype=np.float64)


def test_masking_part_of_a_step_is_rejected():
    mask = np.zeros((2, 3, 2), dtype=bool)
    mask[0, 0, 1] = True
    X = np.ma.MaskedArray(np.zeros((2, 3, 2)), mask=mask)
    with pytest.raises(ValueError, match="must mask whole steps"):
        _check(_Holder(), X, reset=True, dtype=np.float64)


def test_a_fully_masked_sequence_is_rejected():
    mask = np.zeros((3, 2, 1), dtype=bool)
    mask[2] = True
    X = np.ma.MaskedArray(np.zeros((3, 2, 1)), mask=mask)
    with pytest.raises(ValueError, match="Sequences \\[2\\] have every step masked"):
        _check(_Holder(), X, reset=True, dtype=np.float64)


def test_check_n_sequences():
    seqs = _check(_Holder(), np.zeros((3, 2)), reset=True, dtype=float)
    check_n_sequences(seqs, 3)
    with pytest.raises(ValueError, match="X has 3 sequences but y has 4 entries"):
        check_n_sequences(seqs, 4)


# Ragged.pack -------------------------------------------------------------------


def test_pack_uniform_lengths_is_time_major():
    X = np.arange(2 * 3 * 4 * 1.0).reshape(4, 3, 2)  # 4 sequences of 3 steps
    seqs = _check(_Holder(), X, reset=True, dtype=np.float64)
    rows, packing = seqs.pack()
    assert packing.is_uniform
    assert_array_equal(packing.batch_sizes, [4, 4, 4])
    # packed row t * B + j is step t of sequence j
    assert_array_equal(seqs.data[rows], X.transpose(1, 0, 2).reshape(12, 2))


def test_pack_a_subset_keeps_the_batch_order():
    X = np.arange(5 * 2 * 1.0).reshape(5, 2)
    seqs = _check(_Holder(), X, reset=True, dtype=np.float64)
    idx = np.array([3, 0, 4])
    rows, packing = seqs.pack(idx)
    assert_array_equal(seqs.data[rows, 0], X[idx].T.ravel())


def test_pack_variable_lengths_gathers_each_step_of_each_sequence():
    X = [
        np.full((n, 1), 10.0 * i) + np.arange(n)[:, None]
        for i, n in enumerate([2, 4, 1, 3])
    ]
    seqs = _check(_Holder(), X, reset=True, dtype=np.float64)
    idx = np.array([2, 1, 3])  # batch of sequences 2, 1 and 3
    rows, packing = seqs.pack(idx)
    assert not packing.is_uniform
    assert packing.n_rows == 1 + 4 + 3 == rows.size
    # sorted longest first (stable): sequence 1 (4 steps), 3 (3), 2 (1)
    assert_array_equal(idx[packing.order], [1, 3, 2])
    assert_array_equal(packing.batch_sizes, [3, 2, 2, 1])
    for t in range(packing.n_steps):
        live = idx[packing.order][: packing.batch_sizes[t]]
        expected = [X[i][t, 0] for i in live]
        assert_array_equal(seqs.data[rows[packing.step_slice(t)], 0], expected)


def test_pack_masked_rows_skips_the_masked_steps():
    X = np.arange(8.0).reshape(2, 4)
    mask = np.zeros((2, 4), dtype=bool)
    mask[0, :3] = True  # sequence 0 is just step 3
    seqs = _check(
        _Holder(), np.ma.MaskedArray(X, mask=mask), reset=True, dtype=np.float64
    )
    rows, packing = seqs.pack()
    assert_array_equal(packing.batch_sizes, [2, 1, 1, 1])
    # step 0: sequence 1's first step then sequence 0's only step
    assert_array_equal(seqs.data[rows, 0], [4.0, 3.0, 5.0, 6.0, 7.0])


def test_subset_shares_the_data():
    seqs = _check(_Holder(), np.zeros((4, 3)), reset=True, dtype=float)
    sub = seqs.subset([1, 3])
    assert isinstance(sub, Ragged)
    assert sub.data is seqs.data
    assert_array_equal(sub.starts, [3, 9])
    assert len(sub) == 2


# _is_list_of_sequences and check_X_forms -------------------------------------------


@pytest.mark.parametrize(
    "X, expected",
    [
        ([np.zeros((2, 1)), np.zeros((3, 1))], True),  # list of arrays
        ((np.zeros(2), np.zeros(3)), True),  # a tuple too
        ([np.zeros((2, 1)), np.zeros((2, 1))], True),  # equal lengths still a list
        ([[1.0, 2.0], [3.0]], True),  # ragged nested lists
        ([[[1.0], [2.0]], [[3.0]]], True),  # ragged nested lists of steps
        ([[1.0, 2.0], [3.0, 4.0]], False),  # rectangular: an array-like
        ([[[1.0], [2.0]], [[3.0], [4.0]]], False),  # rectangular 3-D
        ([], False),
        (np.zeros((2, 3)), False),  # an array is never a list of sequences
        ("abc", False),
    ],
)
def test_is_list_of_sequences(X, expected):
    assert _is_list_of_sequences(X) is expected


@pytest.mark.parametrize(
    "X, form",
    [
        (np.zeros((2, 3, 1)), "3d"),
        (np.zeros((2, 3)), "2d"),
        ([[1.0, 2.0], [3.0, 4.0]], "2d"),
        ([[[1.0], [2.0]], [[3.0], [4.0]]], "3d"),
        ([np.zeros(2)], "list"),
        (np.ma.MaskedArray(np.zeros((2, 3))), "masked"),
    ],
)
def test_check_X_forms(X, form):
    assert check_X_forms(X) == form


# Through the estimators --------------------------------------------------------


def _est(Est, **kw):
    params = dict(hidden_size=8, max_iter=5, learning_rate_init=0.01, random_state=0)
    return Est(**{**params, **kw})


def _target(Est, X):
    """A label or value per sequence: from the first step's first feature."""
    first = np.array([np.asarray(s, dtype=float).reshape(len(s), -1)[0, 0] for s in X])
    return (first > 0).astype(int) if Est is RNNClassifier else first


def _out(est, X):
    """The numbers a fitted estimator gives for X."""
    if isinstance(est, RNNClassifier):
        return est.predict_proba(X)
    return est.predict(X)


def _ragged(rng, n=24, n_features=2, lengths=(1, 9)):
    return [
        rng.standard_normal((k, n_features)) for k in rng.integers(*lengths, size=n)
    ]


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_3d_input_fits_and_predicts_any_length(Est):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 6, 3))
    est = _est(Est).fit(X, _target(Est, X))
    assert est.n_features_in_ == 3
    assert est.n_features_per_step_ == 3
    assert _out(est, X).shape[0] == 20
    # a recurrent model is length-agnostic: other lengths work at predict
    assert np.isfinite(_out(est, rng.standard_normal((4, 11, 3)))).all()


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_2d_input_is_the_univariate_3d_input(Est):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 6))
    y = _target(Est, X[:, :, None])
    est2 = _est(Est, dtype=np.float64).fit(X, y)
    est3 = _est(Est, dtype=np.float64).fit(X[:, :, None], y)
    assert est2.n_features_in_ == 6 and est3.n_features_in_ == 1
    for name, value in est2.params_.items():
        assert_array_equal(value, est3.params_[name])
    assert_array_equal(_out(est2, X), _out(est3, X[:, :, None]))


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_2d_input_of_another_width_at_predict_raises(Est):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 6))
    est = _est(Est, max_iter=1).fit(X, _target(Est, X[:, :, None]))
    with pytest.raises(
        ValueError, match=f"X has 4 features, but {Est.__name__} is expecting 6"
    ):
        est.predict(X[:, :4])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_each_sequence_of_a_list_predicts_as_if_alone(Est, dtype):
    rng = np.random.default_rng(0)
    X = _ragged(rng)
    est = _est(Est, dtype=dtype, bidirectional=True, num_layers=2).fit(
        X, _target(Est, X)
    )
    batch = _out(est, X)
    alone = np.concatenate([_out(est, [s]) for s in X])
    assert_allclose(batch, alone, rtol=0, atol=TOL[dtype])


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_list_order_does_not_change_a_sequence_prediction(Est, dtype):
    # bit for bit: predictions run in an order set by the sequences themselves
    rng = np.random.default_rng(0)
    X = _ragged(rng, n=40, lengths=(3, 6))  # many equal lengths
    est = _est(Est, dtype=dtype).fit(X, _target(Est, X))
    perm = rng.permutation(len(X))
    assert_array_equal(_out(est, [X[i] for i in perm]), _out(est, X)[perm])


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_list_of_1d_arrays_is_the_univariate_list(Est):
    rng = np.random.default_rng(0)
    X = _ragged(rng, n_features=1)
    y = _target(Est, X)
    est1 = _est(Est).fit([s[:, 0] for s in X], y)
    est2 = _est(Est).fit(X, y)
    assert_array_equal(_out(est1, [s[:, 0] for s in X]), _out(est2, X))


def _sine_windows(seq_length=5, n=40):
    series = np.sin(np.arange(n) / 3.0)[:, None]
    windows = SlidingWindowTransformer(seq_length=seq_length).fit_transform(series)
    shorter = [series[max(0, i - seq_length + 1) : i + 1] for i in range(n)]
    return windows, shorter, np.roll(series[:, 0], -1)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_masked_windows_predict_as_the_shorter_sequences(Est):
    windows, shorter, y = _sine_windows()
    y = (y > 0).astype(int) if Est is RNNClassifier else y
    est = _est(Est, dtype=np.float64).fit(windows, y)
    assert_allclose(_out(est, windows), _out(est, shorter), rtol=0, atol=1e-12)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_fitting_masked_windows_is_fitting_the_shorter_sequences(Est):
    windows, shorter, y = _sine_windows()
    y = (y > 0).astype(int) if Est is RNNClassifier else y
    est_masked = _est(Est, dtype=np.float64).fit(windows, y)
    est_list = _est(Est, dtype=np.float64).fit(shorter, y)
    assert_allclose(est_masked.loss_curve_, est_list.loss_curve_, rtol=1e-12)
    for name, value in est_masked.params_.items():
        assert_allclose(value, est_list.params_[name], rtol=0, atol=1e-12)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_hand_made_masked_rows_predict_as_the_shorter_sequences(Est):
    rng = np.random.default_rng(0)
    data = rng.standard_normal((3, 6, 2))
    data_with_junk = data.copy()
    mask = np.zeros(data.shape, dtype=bool)
    mask[0, :2] = True  # leading
    mask[1, 4:] = True  # trailing
    mask[2, :1] = mask[2, 5:] = True  # both
    data_with_junk[mask] = 1e6  # never read
    shorter = [data[0, 2:], data[1, :4], data[2, 1:5]]
    est = _est(Est, dtype=np.float64).fit(data, _target(Est, data))
    masked = np.ma.MaskedArray(data_with_junk, mask=mask)
    assert_allclose(_out(est, masked), _out(est, shorter), rtol=0, atol=1e-12)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_nested_lists_are_read_as_arrays(Est):
    rng = np.random.default_rng(0)
    X3 = rng.standard_normal((12, 4, 2))
    y = _target(Est, X3)
    est = _est(Est).fit(X3.tolist(), y)
    assert est.n_features_in_ == 2
    assert_array_equal(_out(est, X3.tolist()), _out(est, X3))
    est2 = _est(Est).fit(X3[:, :, 0].tolist(), y)
    assert est2.n_features_in_ == 4
    assert_array_equal(_out(est2, X3[:, :, 0].tolist()), _out(est2, X3[:, :, 0]))


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_ragged_nested_lists_are_a_list_of_sequences(Est):
    rng = np.random.default_rng(0)
    X = _ragged(rng, n_features=1)
    y = _target(Est, X)
    est = _est(Est).fit([s[:, 0].tolist() for s in X], y)
    assert est.n_features_in_ == 1
    assert_array_equal(_out(est, [s[:, 0].tolist() for s in X]), _out(est, X))


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "X_bad, error, match",
    [
        ([np.zeros((3, 2)), np.array([[np.nan, 0.0]])], ValueError, "NaN or inf"),
        (np.full((2, 3, 2), np.inf), ValueError, "infinity"),
        ([np.zeros((3, 2)), np.zeros((0, 2))], ValueError, "Sequence 1 is empty"),
        ([np.zeros((3, 2)), np.zeros((3, 1))], ValueError, "features per step but"),
        (np.zeros((2, 3, 2)) + 1j, ValueError, "Complex data not supported"),
        ([np.array(["a", "b"])], TypeError, "not numeric"),
        (["abc", "de"], ValueError, "could not convert string to float"),
        (
            np.ma.MaskedArray(
                np.zeros((2, 3, 2)), mask=[[[0] * 2, [1] * 2, [0] * 2]] * 2
            ),
            ValueError,
            "masked steps between unmasked ones",
        ),
    ],
    ids=["nan", "inf", "empty", "ragged", "complex", "strings", "str-list", "hole"],
)
def test_fit_rejects_bad_input(Est, X_bad, error, match):
    if Est._accepts_tokens and is_token_input(X_bad):
        pytest.skip("token input for this estimator: tests/test_token_input.py")
    y = np.arange(len(X_bad)) % 2
    with pytest.raises(error, match=match):
        _est(Est).fit(X_bad, y)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "X_bad",
    [
        np.zeros((2, 4, 3)),
        [np.zeros((4, 3)), np.zeros((2, 3))],
        np.ma.MaskedArray(np.zeros((2, 4, 3))),
        np.zeros((2, 4)),
    ],
    ids=["3d", "list", "masked", "2d"],
)
def test_predict_rejects_other_features_per_step(Est, X_bad):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((10, 4, 2))
    est = _est(Est, max_iter=1).fit(X, _target(Est, X))
    n = 3 if np.ndim(X_bad[0]) == 2 else 1
    with pytest.raises(
        ValueError,
        match=f"X has {n} features per step, but {Est.__name__} was fitted with 2",
    ):
        est.predict(X_bad)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_fit_and_predict_do_not_modify_the_input(Est):
    rng = np.random.default_rng(0)
    X = _ragged(rng)
    copies = [s.copy() for s in X]
    est = _est(Est, max_iter=2).fit(X, _target(Est, X))
    est.predict(X)
    for a, b in zip(X, copies, strict=True):
        assert_array_equal(a, b)
