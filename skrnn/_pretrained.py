# SPDX-License-Identifier: BSD-3-Clause
"""Pretrained vectors as the initial rows of the embedding tables.

A user's vectors (GloVe, word2vec, fastText... read by any means) are given
per token column as a mapping ``{symbol: vector}`` or a pair ``(symbols,
vectors)``. At the start of a fit, the row of each symbol of the learned
vocabulary that has a vector is set to it; the other rows (symbols without
a vector, and the unknown row) keep their random initial values.
"""

from collections.abc import Mapping
from numbers import Integral

import numpy as np

__all__ = ["pretrained_columns", "load_pretrained"]


def _as_mapping(spec, k):
    """``{symbol: vector}`` of column ``k`` from a mapping or a pair."""
    if isinstance(spec, Mapping):
        return spec
    if isinstance(spec, tuple) and len(spec) == 2:
        symbols, vectors = spec
        vectors = np.asarray(vectors)
        if vectors.ndim != 2 or len(symbols) != vectors.shape[0]:
            raise ValueError(
                f"pretrained_embeddings for column {k}: (symbols, vectors) needs "
                f"one row of vectors per symbol; got {len(symbols)} symbols and "
                f"vectors of shape {vectors.shape}."
            )
        return dict(zip(symbols, vectors, strict=True))
    raise TypeError(
        f"pretrained_embeddings for column {k} must be a mapping {{symbol: "
        f"vector}} or a pair (symbols, vectors); got {type(spec).__name__}."
    )


def pretrained_columns(pretrained, n_columns):
    """The pretrained vectors per column: ``{k: {symbol: vector}}``.

    ``pretrained`` is None, the vectors of column 0 (a mapping of symbols
    or a pair), or a dict ``{column index: vectors}`` (its keys are ints,
    which are never symbols).
    """
    if pretrained is None:
        return {}
    if (
        isinstance(pretrained, Mapping)
        and pretrained
        and all(isinstance(k, Integral) and not isinstance(k, bool) for k in pretrained)
    ):
        columns = dict(pretrained)
    else:
        columns = {0: pretrained}
    for k in columns:
        if not 0 <= k < n_columns:
            raise ValueError(
                f"pretrained_embeddings names column {k}, but the input has "
                f"{n_columns} token column(s)."
            )
    return {k: _as_mapping(spec, k) for k, spec in columns.items()}


def load_pretrained(tables, categories, columns):
    """Set the rows of known symbols to their pretrained vectors.

    Parameters
    ----------
    tables : list of ndarray or None
        Each column's embedding table ``(len(categories[k]) + 1, d_k)``
        (written in place); None for the direct form.
    categories : list of ndarray
        Each column's vocabulary (row ``j + 1`` is ``categories[k][j]``).
    columns : dict
        From :func:`pretrained_columns`.

    Returns
    -------
    dict of int to int
        The rows set in each column.

    Raises
    ------
    ValueError
        Without embeddings, or a vector of another size than the table's
        rows, or not finite.
    """
    if columns and tables is None:
        raise ValueError(
            "pretrained_embeddings need embeddings: set embedding_dim to the "
            "size of the vectors."
        )
    found = {}
    for k, vectors in columns.items():
        table, n = tables[k], 0
        for j, symbol in enumerate(categories[k].tolist()):
            vector = vectors.get(symbol)
            if vector is None:
                continue
            vector = np.asarray(vector, dtype=np.float64)
            if vector.shape != table.shape[1:] or not np.isfinite(vector).all():
                raise ValueError(
                    f"The pretrained vector of {symbol!r} (column {k}) must be "
                    f"finite, of size embedding_dim={table.shape[1]}; got "
                    f"shape {vector.shape}."
                )
            table[j + 1] = vector
            n += 1
        found[k] = n
    return found
