# SPDX-License-Identifier: BSD-3-Clause
import zlib

import numpy as np
import pytest

from skrnn._engine import Ragged as RaggedExported
from skrnn._engine import pack_rows as pack_rows_exported
from skrnn._engine.packing import (
    Packing,
    Ragged,
    pack_array,
    pack_rows,
    pack_sequences,
    unpack_sequences,
)


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


@pytest.mark.parametrize("lengths", [[5, 5, 5], [1], [2] * 7, np.full(4, 3, np.int32)])
def test_equal_lengths_have_the_layout_of_the_general_rule(lengths):
    """Equal lengths take a shortcut; its layout is the sorting rule's."""
    p = Packing(lengths)
    n, T = len(lengths), int(lengths[0])
    order = np.argsort(-np.asarray(lengths), kind="stable")
    steps = np.arange(T)
    sizes = np.searchsorted(-np.asarray(lengths)[order], -steps, side="left")
    for name, expected in [
        ("order", order),
        ("lengths", np.asarray(lengths)[order]),
        ("batch_sizes", sizes),
        ("offsets", np.concatenate([[0], np.cumsum(sizes)])),
        ("inverse_order", np.arange(n)),
    ]:
        got = getattr(p, name)
        np.testing.assert_array_equal(got, expected, err_msg=name)
        assert got.dtype == np.intp, name
    assert (p.n_sequences, p.n_steps, p.n_rows) == (n, T, n * T)
    assert p.is_uniform and p.is_identity
    np.testing.assert_array_equal(p.last_rows(), np.arange(n) + n * (T - 1))


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


# --- pack_rows: the one packer ------------------------------------------------


def test_pack_rows_is_exported():
    assert pack_rows_exported is pack_rows and RaggedExported is Ragged


def test_pack_rows_variable_lengths_by_hand():
    # sequences: rows 10..11 (length 2), 0..3 (4), 5..7 (3), caller's order
    rows, p = pack_rows([10, 0, 5], [2, 4, 3])
    np.testing.assert_array_equal(p.order, [1, 2, 0])
    # step 0: 0, 5, 10; step 1: 1, 6, 11; step 2: 2, 7; step 3: 3
    np.testing.assert_array_equal(rows, [0, 5, 10, 1, 6, 11, 2, 7, 3])
    assert rows.dtype == np.intp


def test_pack_rows_uniform_is_time_major_in_the_callers_order():
    starts = np.array([8, 0, 4])
    rows, p = pack_rows(starts, [3, 3, 3])
    assert p.is_uniform and p.is_identity
    expected = (starts[None, :] + np.arange(3)[:, None]).reshape(-1)
    np.testing.assert_array_equal(rows, expected)


@pytest.mark.parametrize("seed", range(5))
def test_pack_rows_gathers_what_pack_sequences_packs(seed):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 6, size=rng.integers(1, 8))
    seqs = [rng.standard_normal((n, 2)) for n in lengths]
    # stored in a shuffled order, with gaps between the runs
    order = rng.permutation(len(seqs))
    data, starts, row = [], np.empty(len(seqs), dtype=np.intp), 0
    for i in order:
        starts[i] = row + 1
        data += [np.full((1, 2), np.nan), seqs[i]]
        row += 1 + lengths[i]
    data = np.concatenate(data)
    rows, p = pack_rows(starts, lengths)
    expected, p_ref = pack_sequences(seqs)
    np.testing.assert_array_equal(data[rows], expected)
    np.testing.assert_array_equal(p.order, p_ref.order)
    np.testing.assert_array_equal(p.offsets, p_ref.offsets)


@pytest.mark.parametrize(
    "starts, lengths, error, match",
    [
        ([0, 1], [2], ValueError, "starts must have shape"),
        ([0.0], [2], TypeError, "starts must be integers"),
        ([0, 3], [3, 0], ValueError, "at least one step"),
    ],
)
def test_pack_rows_refuses_bad_input(starts, lengths, error, match):
    with pytest.raises(error, match=match):
        pack_rows(starts, lengths)


def test_pack_array_uniform_lengths_shorter_than_the_padding():
    X = np.arange(24.0).reshape(3, 4, 2)
    data, p = pack_array(X, [2, 2, 2])
    ref, _ = pack_sequences([x[:2] for x in X])
    np.testing.assert_array_equal(data, ref)
    with pytest.raises(ValueError, match="exceeds the 4 steps"):
        pack_array(X, [5, 1, 1])


def test_pack_array_and_pack_sequences_cast_to_dtype():
    X = np.arange(12).reshape(2, 3, 2)
    data, _ = pack_array(X, [3, 1], dtype=np.float32)
    assert data.dtype == np.float32
    np.testing.assert_array_equal(data, [[0, 1], [6, 7], [2, 3], [4, 5]])
    seqs = [np.arange(3), np.arange(2).astype(np.float64)]
    data, _ = pack_sequences(seqs)
    assert data.dtype == seqs[0].dtype  # the first sequence's
    np.testing.assert_array_equal(data, [0, 0, 1, 1, 2])


# --- Ragged -------------------------------------------------------------------


def _ragged(lengths=(3, 0, 2, 4), n_features=2, seed=0):
    """A Ragged of 2-D rows, runs stored out of order with a spare row."""
    rng = np.random.default_rng(seed)
    lengths = np.array(lengths)
    data = rng.standard_normal((lengths.sum() + 1, n_features))
    ends = np.cumsum(lengths[::-1])[::-1] + 1  # last sequence first, after row 0
    return Ragged(data, ends - lengths, lengths)


def test_ragged_attributes():
    seqs = _ragged()
    assert len(seqs) == 4 and seqs.n_features == 2
    assert seqs.starts.dtype == seqs.lengths.dtype == np.intp
    np.testing.assert_array_equal(seqs.lengths, [3, 0, 2, 4])
    np.testing.assert_array_equal(seqs.starts, [7, 7, 5, 1])
    tokens = Ragged(np.array([4, 2, 7]), [0], [3])
    assert tokens.n_features == 1 and len(tokens) == 1


def test_ragged_subset_shares_data_and_keeps_the_class():
    class Sequences(Ragged):
        """A subclass with an attribute of its own, as a caller may write."""

    seqs = _ragged()
    seqs = Sequences(seqs.data, seqs.starts, seqs.lengths)
    seqs.form = "list"
    sub = seqs.subset([3, 0])
    assert type(sub) is Sequences and sub.form == "list"
    assert sub.data is seqs.data
    np.testing.assert_array_equal(sub.lengths, [4, 3])
    np.testing.assert_array_equal(sub.starts, [1, 7])
    assert len(seqs) == 4  # the original is unchanged


def test_ragged_pack_gathers_the_packed_batch():
    seqs = _ragged()
    rows, p = seqs.pack([0, 3, 2])
    parts = [
        seqs.data[s : s + n] for s, n in zip(seqs.starts, seqs.lengths, strict=True)
    ]
    expected, p_ref = pack_sequences([parts[0], parts[3], parts[2]])
    np.testing.assert_array_equal(seqs.data[rows], expected)
    np.testing.assert_array_equal(p.lengths, p_ref.lengths)
    np.testing.assert_array_equal(p.order, p_ref.order)


def test_ragged_pack_refuses_an_empty_sequence():
    seqs = _ragged()  # sequence 1 is empty: allowed in the container
    with pytest.raises(ValueError, match="at least one step"):
        seqs.pack()
    with pytest.raises(ValueError, match="at least one step"):
        seqs.pack([0, 1])
    rows, _ = seqs.pack([0, 2, 3])  # without it, it packs
    assert rows.shape == (9,)


def test_ragged_step_rows_are_each_sequence_in_time_order():
    seqs = _ragged()
    expected = np.concatenate(
        [np.arange(s, s + n) for s, n in zip(seqs.starts, seqs.lengths, strict=True)]
    )
    rows = seqs.step_rows()
    np.testing.assert_array_equal(rows, expected)
    np.testing.assert_array_equal(rows, [7, 8, 9, 5, 6, 1, 2, 3, 4])


def test_ragged_canonical_order_depends_only_on_the_contents():
    rng = np.random.default_rng(3)
    lengths = [3, 1, 3, 0, 2, 3]
    parts = [rng.standard_normal((n, 2)) for n in lengths]
    parts[2] = parts[0].copy()  # equal sequences are interchangeable

    def build(order):
        chunks = [parts[i] for i in order]
        ls = np.array([len(c) for c in chunks])
        return Ragged(np.concatenate(chunks), np.cumsum(ls) - ls, ls)

    def contents(seqs, order):
        return [
            seqs.data[seqs.starts[i] : seqs.starts[i] + seqs.lengths[i]].tobytes()
            for i in order
        ]

    seqs = build(range(len(parts)))
    reference = contents(seqs, seqs.canonical_order())
    # sorted by length first
    ordered = seqs.lengths[seqs.canonical_order()]
    assert list(ordered) == sorted(lengths)
    for seed in range(5):
        perm = np.random.default_rng(seed).permutation(len(parts))
        shuffled = build(perm)
        assert contents(shuffled, shuffled.canonical_order()) == reference
    keys = [zlib.crc32(c) for c in contents(seqs, seqs.canonical_order())]
    same_length = [k for k, n in zip(keys, ordered, strict=True) if n == 3]
    assert same_length == sorted(same_length)


@pytest.mark.parametrize(
    "data, starts, lengths, error, match",
    [
        (np.zeros((3, 2, 1)), [0], [1], ValueError, "1-D or 2-D"),
        (np.zeros(3), [0, 1], [1], ValueError, "same shape"),
        (np.zeros(3), [0.0], [1], TypeError, "starts must be integers"),
        (np.zeros(3), [0], [1.5], TypeError, "lengths must be integers"),
        (np.zeros(3), [2], [2], ValueError, "run of rows"),
        (np.zeros(3), [-1], [1], ValueError, "run of rows"),
        (np.zeros(3), [0], [-1], ValueError, "run of rows"),
    ],
)
def test_ragged_refuses_what_is_not_runs_of_rows(data, starts, lengths, error, match):
    with pytest.raises(error, match=match):
        Ragged(data, starts, lengths)


def test_ragged_of_no_sequences():
    seqs = Ragged(np.zeros((0, 3)), np.zeros(0, int), np.zeros(0, int))
    assert len(seqs) == 0 and seqs.n_features == 3
    assert seqs.step_rows().shape == (0,)
    assert seqs.canonical_order().shape == (0,)
