# SPDX-License-Identifier: BSD-3-Clause
"""Losses fused with their gradient, with per-row weights and masks.

Each function returns the loss and its gradient with respect to the network
output in one pass. Rows are samples (many-to-one heads) or packed steps
(many-to-many heads); a weight of 0 masks a row out. The loss is the weighted
sum divided by ``normalizer`` (by default the sum of the weights, so that
unweighted losses are means, as in scikit-learn's MLP).
"""

import numpy as np

from .kernels import step_kernels

__all__ = ["log_softmax", "softmax_cross_entropy", "squared_error"]


def log_softmax(z):
    """Stable log-softmax over the last axis (the maximum is subtracted).

    Parameters
    ----------
    z : ndarray of shape (n_rows, n_classes)

    Returns
    -------
    ndarray of shape (n_rows, n_classes)
    """
    out = z - z.max(axis=-1, keepdims=True)
    out -= np.log(np.exp(out).sum(axis=-1, keepdims=True))
    return out


def _weights_and_normalizer(weights, n_rows, normalizer, dtype):
    if weights is not None:
        weights = np.asarray(weights, dtype=dtype)
        if weights.shape != (n_rows,):
            raise ValueError(
                f"weights must have shape ({n_rows},), got {weights.shape}."
            )
    if normalizer is None:
        normalizer = n_rows if weights is None else float(weights.sum())
    if not normalizer > 0:
        raise ValueError("The loss normalizer (sum of weights) must be positive.")
    return weights, float(normalizer)


def softmax_cross_entropy(logits, y, weights=None, normalizer=None):
    """Softmax cross-entropy and its gradient, ``(softmax(z) - onehot(y)) * w / n``.

    Parameters
    ----------
    logits : ndarray of shape (n_rows, n_classes)
        Overwritten by the gradient (the fused, in-place form).
    y : ndarray of int, shape (n_rows,)
        Class index of each row.
    weights : ndarray of shape (n_rows,), default=None
        Weight of each row (0 masks it out).
    normalizer : float, default=None
        Divide the weighted sum by this; default: the sum of the weights.

    Returns
    -------
    loss : float
    d_logits : ndarray of shape (n_rows, n_classes)
        The same array as ``logits``.
    """
    n_rows = logits.shape[0]
    weights, normalizer = _weights_and_normalizer(
        weights, n_rows, normalizer, logits.dtype
    )
    kernels = step_kernels(logits.dtype) if logits.flags.c_contiguous else None
    if kernels is not None:  # the same, one pass per row (see kernels.py)
        codes = np.ascontiguousarray(y, dtype=np.longlong)
        if weights is not None:
            weights = np.ascontiguousarray(weights)
        total = kernels.softmax_cross_entropy(logits, codes, weights, normalizer)
        return total / normalizer, logits
    rows = np.arange(n_rows)
    logits -= logits.max(axis=1, keepdims=True)
    np.exp(logits, out=logits)
    total = logits.sum(axis=1)
    picked = logits[rows, y] / total
    tiny = np.finfo(logits.dtype).tiny
    nll = -np.log(np.maximum(picked, tiny))
    logits /= total[:, None]
    logits[rows, y] -= 1
    if weights is None:
        loss = float(nll.sum(dtype=np.float64)) / normalizer
        logits *= logits.dtype.type(1.0 / normalizer)
    else:
        loss = float(np.dot(weights.astype(np.float64), nll)) / normalizer
        logits *= (weights / logits.dtype.type(normalizer))[:, None]
    return loss, logits


def squared_error(pred, y, weights=None, normalizer=None):
    """Half mean squared error and its gradient, as scikit-learn's MLP.

    The loss is ``0.5 * sum_i w_i * mean_k (pred_ik - y_ik)^2 / normalizer``.

    Parameters
    ----------
    pred : ndarray of shape (n_rows, n_outputs)
    y : ndarray of shape (n_rows, n_outputs)
    weights : ndarray of shape (n_rows,), default=None
    normalizer : float, default=None

    Returns
    -------
    loss : float
    d_pred : ndarray of shape (n_rows, n_outputs)
    """
    n_rows, n_outputs = pred.shape
    weights, normalizer = _weights_and_normalizer(
        weights, n_rows, normalizer, pred.dtype
    )
    diff = pred - y
    per_row = np.einsum("ij,ij->i", diff, diff) / n_outputs
    scale = pred.dtype.type(1.0 / (normalizer * n_outputs))
    if weights is None:
        loss = 0.5 * float(per_row.sum(dtype=np.float64)) / normalizer
        diff *= scale
    else:
        loss = 0.5 * float(np.dot(weights.astype(np.float64), per_row)) / normalizer
        diff *= (weights * scale)[:, None]
    return loss, diff
