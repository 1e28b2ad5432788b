# SPDX-License-Identifier: BSD-3-Clause
"""Drawing the next token from a model's scores.

``temperature=0`` is greedy (the argmax, as the seed tutorial does); a
positive temperature divides the logits before the softmax; ``top_k`` keeps
the ``k`` most likely tokens; ``top_p`` keeps the smallest set of most likely
tokens whose probability reaches ``p`` (nucleus sampling, Holtzman et al.,
2020). A batch of rows is drawn at once.

Plain sampling (a positive temperature, no ``top_k`` or ``top_p``) runs in
the compiled kernels when they are in use (:mod:`~.kernels`): one pass per
row instead of a dozen NumPy calls, which is most of a generation step's
cost with few seeds. Both paths draw the same uniform numbers from ``rng``;
their probabilities differ by rounding only (a sum's order, ``exp``), so
they choose the same token unless a draw falls within rounding of the
boundary between two tokens.
"""

import numpy as np

from .kernels import step_kernels

__all__ = ["sample_next"]


def sample_next(logits, rng, temperature=1.0, top_k=None, top_p=None):
    """Draw one token per row.

    Parameters
    ----------
    logits : ndarray of shape (n_rows, n_tokens)
        Unnormalised log-probabilities (not modified).
    rng : numpy.random.Generator
    temperature : float, default=1.0
        0 means greedy.
    top_k : int or None, default=None
    top_p : float in (0, 1] or None, default=None

    Returns
    -------
    ndarray of int, shape (n_rows,)
    """
    if temperature == 0:
        return np.argmax(logits, axis=1)
    n_rows, n_tokens = logits.shape
    plain = (top_k is None or top_k >= n_tokens) and (top_p is None or top_p >= 1)
    kernels = step_kernels(logits.dtype) if plain else None
    if kernels is not None and logits.flags.c_contiguous:
        tokens = np.empty(n_rows, dtype=np.intp)
        kernels.sample_tokens(logits, temperature, rng.random(n_rows), tokens)
        return tokens
    # Shift before dividing: (z - max) / T is at most 0, so a tiny temperature
    # cannot overflow to inf - inf = NaN; it tends to the greedy choice.
    z = logits.astype(np.float64)
    z -= z.max(axis=1, keepdims=True)
    with np.errstate(over="ignore"):  # -large / tiny T is -inf: probability 0
        z /= temperature
    if top_k is not None and top_k < n_tokens:
        kth = np.partition(z, n_tokens - top_k, axis=1)[:, n_tokens - top_k]
        z[z < kth[:, None]] = -np.inf
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    if top_p is not None and top_p < 1:
        order = np.argsort(-p, axis=1, kind="stable")
        sorted_p = np.take_along_axis(p, order, axis=1)
        before = np.cumsum(sorted_p, axis=1) - sorted_p  # mass of better tokens
        drop = before >= top_p  # the best token always stays (before = 0)
        sorted_p[drop] = 0
        p = np.zeros_like(p)
        np.put_along_axis(p, order, sorted_p, axis=1)
        p /= p.sum(axis=1, keepdims=True)
    cdf = np.cumsum(p, axis=1)
    u = rng.random(n_rows) * cdf[:, -1]
    # The first token whose cdf exceeds u: a token of probability 0 is never
    # drawn, not even for u == 0 (``cdf < u`` then chose token 0) or for a u
    # that rounds up to the total (clamped to the last possible token).
    choice = (cdf <= u[:, None]).sum(axis=1)
    last = n_tokens - 1 - np.argmax(p[:, ::-1] > 0, axis=1)
    return np.minimum(choice, last)
