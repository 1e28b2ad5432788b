# SPDX-License-Identifier: BSD-3-Clause
import numpy as np
import pytest

from skrnn._engine.packing import Packing, pack_array, pack_sequences, unpack_sequences


def test_packing_layout_matches_pytorch_convention():
    p = Packing([2, 4, 3])
    np.testing.assert_array_equal(p.order, [1, 2, 0])
    np.testing.assert_array_equal(p.lengths, [4, 3, 2])
    np.testing.assert_array_equal(p.batch_sizes, [3, 3, 2, 1])
    np.testing.assert_array_equal(p.offsets, [0, 3, 6, 8, 9])
    assert p.n_rows == 9 and p.n_steps == 4 and not p.is_uniform
    np.testing.assert_array_equal(p.last_rows(), [8, 7, 5])


def test_equal_lengths_are_not_permuted():
    p = Packing([5, 5, 5])
    assert p.is_uniform and p.is_identity
    np.testing.assert_array_equal(p.batch_sizes, [3] * 5)


def test_pack_unpack_round_trip_and_steps():
    rng = np.random.default_rng(0)
    seqs = [rng.standard_normal((n, 2)) for n in [2, 5, 1, 3]]
    data, p = pack_sequences(seqs)
    assert data.shape == (11, 2)
    for got, want in zip(unpack_sequences(data, p), seqs, strict=True):
        np.testing.assert_array_equal(got, want)
    # step 0 holds the first element of every sequence, longest first
    np.testing.assert_array_equal(data[0], seqs[1][0])
    np.testing.assert_array_equal(data[p.step_slice(4)], seqs[1][4:5])


def test_pack_array_ignores_padding():
    X = np.full((3, 4, 2), np.nan)
    lengths = [4, 1, 2]
    seqs = [
        np.arange(n * 2, dtype=float).reshape(n, 2) + 10 * i
        for i, n in enumerate(lengths)
    ]
    for i, s in enumerate(seqs):
        X[i, : len(s)] = s
    data, p = pack_array(X, lengths)
    assert np.isfinite(data).all()
    ref, _ = pack_sequences(seqs)
    np.testing.assert_array_equal(data, ref)


def test_pack_array_uniform_is_time_major():
    X = np.arange(24.0).reshape(3, 4, 2)
    data, p = pack_array(X)
    np.testing.assert_array_equal(data, np.swapaxes(X, 0, 1).reshape(12, 2))


def test_token_codes_pack():
    data, p = pack_sequences([np.array([1, 2, 3]), np.array([4])])
    np.testing.assert_array_equal(data, [1, 4, 2, 3])


def test_sort_unsort_inverse():
    p = Packing([1, 3, 2, 3])
    a = np.arange(4) * 10
    np.testing.assert_array_equal(p.unsort(p.sort(a)), a)


@pytest.mark.parametrize(
    "lengths, error",
    [([], ValueError), ([3, 0], ValueError), ([2.5], TypeError), ([[1]], ValueError)],
)
def test_bad_lengths_raise(lengths, error):
    with pytest.raises(error):
        Packing(lengths)
