# SPDX-License-Identifier: BSD-3-Clause
"""Central-difference gradient checks, for the tests.

The check compares an analytic gradient with ``(f(x + eps) - f(x - eps)) /
(2 eps)`` (or the fourth-order stencil) on a sample of coordinates and
reports the relative error ``max |a - n| / max(1e-8, max(|a| + |n|))`` over
the sample.

The second-order difference's error is ``O(eps**2)`` truncation plus
``O(u |f| / eps)`` rounding (``u`` the float64 unit roundoff): at best about
``1e-11 |f|`` absolute, which is a large relative error for a tensor whose
gradients are ``1e-6`` against a loss near 1. The fourth-order stencil
``(-f(x + 2 eps) + 8 f(x + eps) - 8 f(x - eps) + f(x - 2 eps)) / (12 eps)``
truncates at ``O(eps**4)``, so a larger ``eps`` (1e-3) keeps both parts near
``1e-13 |f|``, at twice the evaluations.
"""

import numpy as np

__all__ = ["numerical_gradient", "relative_error", "sample_indices"]


def sample_indices(size, max_samples, rng):
    """Up to ``max_samples`` distinct flat indices into an array of ``size``."""
    if size <= max_samples:
        return np.arange(size)
    return np.sort(rng.choice(size, max_samples, replace=False))


def numerical_gradient(f, x, indices, eps=1e-6, order=2):
    """Central differences of the scalar function ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        ``f()`` returns a float and reads ``x`` (which is perturbed in place
        and restored).
    x : ndarray
        Any shape, float64.
    indices : ndarray of int
        Flat indices of the coordinates to perturb.
    eps : float, default=1e-6
    order : {2, 4}, default=2
        The order of the stencil: 2 evaluations per coordinate, or 4.

    Returns
    -------
    ndarray of shape (len(indices),)
    """
    flat = x.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("x must be contiguous so that it can be perturbed in place.")
    if order not in (2, 4):
        raise ValueError(f"order must be 2 or 4, got {order!r}")
    # (offset in eps, weight) of each evaluation, and the divisor
    stencil = [(1, 1), (-1, -1)] if order == 2 else [(2, -1), (1, 8), (-1, -8), (-2, 1)]
    divisor = 2 * eps if order == 2 else 12 * eps
    out = np.empty(len(indices))
    for k, i in enumerate(indices):
        saved = flat[i]
        total = 0.0
        for offset, weight in stencil:
            flat[i] = saved + offset * eps
            total += weight * f()
        flat[i] = saved
        out[k] = total / divisor
    return out


def relative_error(analytic, numeric):
    """``max |a - n| / max(1e-8, max(|a| + |n|))``."""
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    scale = max(1e-8, float(np.max(np.abs(analytic) + np.abs(numeric))))
    return float(np.max(np.abs(analytic - numeric))) / scale
