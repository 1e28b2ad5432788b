# SPDX-License-Identifier: BSD-3-Clause
import numpy as np
import pytest

from skrnn._engine.losses import log_softmax, softmax_cross_entropy, squared_error


def test_log_softmax_is_stable():
    z = np.array([[1000.0, 0.0], [-1000.0, -1000.0]])
    out = log_softmax(z)
    np.testing.assert_allclose(out, [[0.0, -1000.0], [np.log(0.5)] * 2])


def test_cross_entropy_by_hand():
    z = np.array([[0.0, np.log(3.0)], [0.0, 0.0]])
    loss, d = softmax_cross_entropy(z.copy(), np.array([1, 0]))
    assert loss == pytest.approx((-np.log(0.75) - np.log(0.5)) / 2)
    np.testing.assert_allclose(d, [[0.25 / 2, -0.25 / 2], [-0.5 / 2, 0.5 / 2]])


def test_cross_entropy_weights_mask_rows():
    rng = np.random.default_rng(0)
    z, y = rng.standard_normal((4, 3)), np.array([0, 2, 1, 1])
    w = np.array([1.0, 0.0, 2.0, 1.0])
    loss, d = softmax_cross_entropy(z.copy(), y, w)
    ref = -(w * log_softmax(z)[np.arange(4), y]).sum() / w.sum()
    assert loss == pytest.approx(ref)
    np.testing.assert_array_equal(d[1], 0.0)


def test_cross_entropy_extreme_logits_are_finite():
    z = np.array([[0.0, 1e4]], dtype=np.float32)
    loss, d = softmax_cross_entropy(z, np.array([0]))
    assert np.isfinite(loss) and np.isfinite(d).all() and d.dtype == np.float32


def test_squared_error_matches_mlp_convention():
    pred = np.array([[1.0, 2.0], [0.0, 0.0]])
    y = np.array([[0.0, 0.0], [1.0, 1.0]])
    loss, d = squared_error(pred.copy(), y)
    assert loss == pytest.approx(((pred - y) ** 2).mean() / 2)
    np.testing.assert_allclose(d, (pred - y) / pred.size)


def test_bad_weights_raise():
    with pytest.raises(ValueError, match="shape"):
        softmax_cross_entropy(np.zeros((2, 2)), np.array([0, 1]), np.ones(3))
    with pytest.raises(ValueError, match="positive"):
        squared_error(np.zeros((2, 1)), np.zeros((2, 1)), np.zeros(2))
