# SPDX-License-Identifier: BSD-3-Clause
"""Central-difference gradient checks, for the tests.

The check compares an analytic gradient with ``(f(x + eps) - f(x - eps)) /
(2 eps)`` on a sample of coordinates and reports the relative error
``max |a - n| / max(1e-8, max(|a| + |n|))`` over the sample.
"""

import numpy as np

__all__ = ["numerical_gradient", "relative_error", "sample_indices"]


def sample_indices(size, max_samples, rng):
    """Up to ``max_samples`` distinct flat indices into an array of ``size``."""
    if size <= max_samples:
        return np.arange(size)
    return np.sort(rng.choice(size, max_samples, replace=False))


def numerical_gradient(f, x, indices, eps=1e-6):
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

    Returns
    -------
    ndarray of shape (len(indices),)
    """
    flat = x.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("x must be contiguous so that it can be perturbed in place.")
    out = np.empty(len(indices))
    for k, i in enumerate(indices):
        saved = flat[i]
        flat[i] = saved + eps
        plus = f()
        flat[i] = saved - eps
        minus = f()
        flat[i] = saved
        out[k] = (plus - minus) / (2 * eps)
    return out


def relative_error(analytic, numeric):
    """``max |a - n| / max(1e-8, max(|a| + |n|))``."""
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    scale = max(1e-8, float(np.max(np.abs(analytic) + np.abs(numeric))))
    return float(np.max(np.abs(analytic - numeric))) / scale
