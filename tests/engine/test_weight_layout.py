# SPDX-License-Identifier: BSD-3-Clause
"""The layout of the weights the per-step products multiply by.

OpenBLAS multiplies slowly by a matrix whose rows are a multiple of 2 KiB
apart (:func:`~skrnn._engine.cells.unaliased_empty`); the forward weights
and the backward pass's transposed copy are laid out to avoid it, with the
same values.
"""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skrnn._engine.cells import (
    make_cell,
    recurrent_transpose,
    unaliased_copy,
    unaliased_empty,
)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(64, 256), (128, 512), (512, 2048), (3, 1024)])
def test_rows_a_multiple_of_2_kib_apart_are_moved_apart(shape, dtype):
    a = unaliased_empty(shape, dtype)
    assert a.shape == shape and a.dtype == dtype
    assert a.strides[1] == a.itemsize
    row_bytes = shape[1] * a.itemsize
    if row_bytes % 2048:
        assert a.flags.c_contiguous
    else:
        assert a.strides[0] == row_bytes + 64
    assert a.strides[0] % 2048


@pytest.mark.parametrize("shape", [(64, 256), (512, 2048)])
def test_a_copy_has_the_values_and_a_fitting_array_is_itself(shape):
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    out = unaliased_copy(a)
    assert_array_equal(out, a)
    assert (out is a) == (shape[1] * 4 % 2048 != 0)
    assert_array_equal(unaliased_copy(a.T), a.T)


@pytest.mark.parametrize("cell_name", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("hidden", [64, 512])
def test_step_weights_hold_the_parameters(cell_name, hidden):
    cell = make_cell(cell_name)
    rng = np.random.default_rng(1)
    p = {
        name: rng.standard_normal(shape).astype(np.float32)
        for name, shape in cell.param_shapes(5, hidden).items()
    }
    weights = cell.forward_weights(p, hidden)
    scale = np.ones(cell.n_gates * hidden, np.float32)
    for gate in cell.sigmoid_gates:
        scale[gate * hidden : (gate + 1) * hidden] = 0.5
    assert_array_equal(weights.W_hh, p["W_hh"] * scale)
    assert weights.W_hh.strides[0] % 2048
    W_hh_T = recurrent_transpose(p)
    assert_array_equal(W_hh_T, p["W_hh"].T)
    assert W_hh_T.strides[0] % 2048 and W_hh_T.strides[1] == 4
