# SPDX-License-Identifier: BSD-3-Clause
"""The network's input layer: dense features and categorical token columns.

A step's input is any mix of dense features and categorical columns (a
word, its suffix, a tag...). Each column ``k`` has its own vocabulary of
``V_k`` codes and enters the first recurrent layer in one of two ways:

* **embedded** (``embedding_dims`` given): row ``codes[:, k]`` of a table
  ``E_k`` of shape ``(V_k, d_k)`` (PyTorch's ``nn.Embedding``); the tables'
  rows and the dense features are concatenated per step,
  ``[E_0[c_0] | E_1[c_1] | ... | dense]``, and the recurrent layer reads
  that as dense input;
* **direct** (``embedding_dims`` None, no dense features): the columns'
  codes select rows of the first layer's input weights ``W_xh_l0``, whose
  rows are the columns' vocabularies one after the other. That is the
  product of the concatenated one-hot vectors with ``W_xh``, without the
  one-hot.

In both cases a token table (an ``E_k``, or ``W_xh_l0`` of the direct form)
receives a gradient only in the rows of the codes in the batch: the
backward pass writes those rows of the gradient buffer and nothing else, and
:func:`table_rows` says which rows they are, so that an optimizer can update
the tables lazily (``update_params(..., rows=...)`` in
:mod:`~.optimizers`).
"""

import numpy as np
from scipy import sparse

__all__ = ["InputLayer", "TableRows", "scatter_rows"]


class TableRows:
    """The rows of one token table that a batch touched.

    Attributes
    ----------
    start, stop : int
        Where the table lies in the flat parameter buffer.
    width : int
        Columns of the table (its rows are contiguous runs of ``width``).
    rows : ndarray of intp
        The touched rows, sorted and distinct.
    """

    __slots__ = ("start", "stop", "width", "rows")

    def __init__(self, start, stop, width, rows):
        self.start, self.stop, self.width = int(start), int(stop), int(width)
        self.rows = np.asarray(rows, dtype=np.intp)

    def flat_index(self):
        """Flat indices of the touched rows' entries, row after row."""
        cols = np.arange(self.width, dtype=np.intp)
        return (self.start + self.rows[:, None] * self.width + cols).reshape(-1)


def scatter_rows(codes, D, out, scale=None):
    """``out[r] = sum of D[i] over the rows i whose code is r``; other rows untouched.

    ``onehot(codes).T @ D`` without the one-hot matrix, written only into the
    rows that appear in ``codes`` (a sparse product, so that a table of
    50,000 rows costs the batch's rows, not the table's).

    Parameters
    ----------
    codes : ndarray of int, shape (N,) or (N, k)
        Row of ``out`` for each row of ``D`` (``k`` codes per row are all
        credited with that row of ``D``).
    D : ndarray of shape (N, K)
    out : ndarray of shape (n_rows, K)
        Written (assigned) in the rows of ``codes`` only.
    scale : ndarray of the shape of ``codes``, default=None
        Each code's weight (the values of its one-hot row); None is 1.

    Returns
    -------
    rows : ndarray of intp
        The rows written, sorted and distinct.
    """
    codes = codes.reshape(D.shape[0], -1)
    n, k = codes.shape
    rows, inverse = np.unique(codes, return_inverse=True)
    onehot = sparse.csr_matrix(
        (
            (
                np.ones(n * k, dtype=D.dtype)
                if scale is None
                else np.asarray(scale, dtype=D.dtype).reshape(-1)
            ),
            inverse.reshape(-1),
            np.arange(0, n * k + 1, k),
        ),
        shape=(n, rows.shape[0]),
    )
    out[rows] = np.asarray(onehot.T @ D)
    return rows


class InputLayer:
    """Dense features and token columns, to the first recurrent layer's input.

    Parameters
    ----------
    n_dense : int
        Dense features per step (0 for token columns only).
    vocab_sizes : sequence of int
        Codes of each categorical column (empty for dense input only).
    embedding_dims : sequence of int or None
        Size of each column's embedding; None for the direct form (no
        dense features then).

    Attributes
    ----------
    width : int
        Columns of the first layer's input: ``sum(embedding_dims) + n_dense``
        embedded, ``sum(vocab_sizes)`` direct, ``n_dense`` without tokens.
    direct : bool
        The codes select rows of ``W_xh_l0`` (the stack reads codes).
    """

    def __init__(self, n_dense, vocab_sizes=(), embedding_dims=None):
        self.n_dense = int(n_dense)
        self.vocab_sizes = [int(v) for v in vocab_sizes]
        if any(v < 1 for v in self.vocab_sizes):
            raise ValueError(f"Every vocabulary needs a code; got {self.vocab_sizes}.")
        if embedding_dims is not None:
            embedding_dims = [int(d) for d in embedding_dims]
            if (
                len(embedding_dims) != len(self.vocab_sizes)
                or min(embedding_dims, default=1) < 1
            ):
                raise ValueError(
                    "embedding_dims needs one positive size per token column; got "
                    f"{embedding_dims} for {len(self.vocab_sizes)} column(s)."
                )
        self.embedding_dims = embedding_dims
        self.direct = bool(self.vocab_sizes) and embedding_dims is None
        if self.direct and self.n_dense:
            raise ValueError(
                "Dense features and token columns together need embeddings "
                "(embedding_dims)."
            )
        if self.direct:
            self.width = sum(self.vocab_sizes)
        else:
            self.width = sum(embedding_dims or ()) + self.n_dense
        # First row of each column's codes in W_xh_l0 (direct form).
        self._code_offsets = np.cumsum([0] + self.vocab_sizes[:-1]).astype(np.intp)

    @property
    def n_columns(self):
        """int: the number of token columns."""
        return len(self.vocab_sizes)

    @property
    def embedded(self):
        """bool: the token columns go through embedding tables ``E_k``."""
        return self.embedding_dims is not None and bool(self.vocab_sizes)

    def param_shapes(self):
        """The embedding tables: ``{"E_k": (V_k, d_k)}`` (empty unless embedded)."""
        if not self.embedded:
            return {}
        return {
            f"E_{k}": (v, d)
            for k, (v, d) in enumerate(
                zip(self.vocab_sizes, self.embedding_dims, strict=True)
            )
        }

    def table_names(self, first_layer_inputs):
        """Parameters whose gradient is row-sparse: the token tables.

        Parameters
        ----------
        first_layer_inputs : list of str
            The names of the first layer's ``W_xh`` (one per direction).
        """
        if self.direct:
            return list(first_layer_inputs)
        return list(self.param_shapes())

    def split(self, x, n_rows):
        """``(codes, dense)`` of a packed input, checked.

        ``x`` is the dense rows (no token columns), the codes (no dense
        features: ``(N,)`` for one column or ``(N, n_columns)``), or a pair
        ``(codes, dense)``.
        """
        codes, dense = None, None
        if isinstance(x, tuple):
            codes, dense = x
        elif self.n_columns:
            codes = x
        else:
            dense = x
        if self.n_columns:
            codes = np.asarray(codes)
            if codes.ndim == 1 and self.n_columns == 1:
                codes = codes[:, None]
            if codes.shape != (n_rows, self.n_columns) or codes.dtype.kind not in "iu":
                raise ValueError(
                    f"Token input must be integer codes of shape ({n_rows}, "
                    f"{self.n_columns}); got {codes.dtype} of shape {codes.shape}."
                )
        if self.n_dense and (dense is None or dense.shape != (n_rows, self.n_dense)):
            shape = None if dense is None else dense.shape
            raise ValueError(
                f"Dense input must have shape ({n_rows}, {self.n_dense}), got {shape}."
            )
        return codes, dense

    def forward(self, views, x, n_rows, dtype):
        """The first layer's input: dense rows, or offset codes (direct).

        Parameters
        ----------
        views : dict of ndarray
            The parameters (the tables ``E_k`` when embedded).
        x : ndarray or tuple
            As :meth:`split` reads it.
        n_rows : int
        dtype : numpy dtype

        Returns
        -------
        x0 : ndarray
            ``(N, width)`` dense rows; int codes ``(N, n_columns)`` into the
            rows of ``W_xh_l0`` for the direct form.
        codes : ndarray or None
            The checked codes (what :meth:`backward` needs).
        """
        codes, dense = self.split(x, n_rows)
        if dense is not None and dense.dtype != dtype:
            raise ValueError(f"Dense input must have dtype {dtype}, got {dense.dtype}.")
        if codes is not None:
            high = np.max(codes, axis=0) if n_rows else 0
            if n_rows and (np.min(codes) < 0 or np.any(high >= self.vocab_sizes)):
                raise ValueError(
                    f"Token codes must lie in [0, vocabulary size) per column "
                    f"({self.vocab_sizes})."
                )
        if not self.n_columns:
            return dense, None
        if self.direct:
            return codes + self._code_offsets, codes
        x0 = np.empty((n_rows, self.width), dtype=dtype)
        col = 0
        for k, d in enumerate(self.embedding_dims):
            np.take(views[f"E_{k}"], codes[:, k], axis=0, out=x0[:, col : col + d])
            col += d
        if self.n_dense:
            x0[:, col:] = dense
        return x0, codes

    def backward(self, codes, dx, grad_views):
        """Write the tables' gradients from the first layer's input gradient.

        Only the rows of the batch's codes are written (see
        :func:`scatter_rows`). Does nothing unless embedded.
        """
        if not self.embedded:
            return
        col = 0
        for k, d in enumerate(self.embedding_dims):
            scatter_rows(codes[:, k], dx[:, col : col + d], grad_views[f"E_{k}"])
            col += d

    def touched_rows(self, codes, layout, table_names):
        """:class:`TableRows` of every token table for a batch's codes.

        Parameters
        ----------
        codes : ndarray of int, shape (N, n_columns)
            As returned by :meth:`split`.
        layout : ParamLayout
        table_names : list of str
            From :meth:`table_names`.
        """
        if self.direct:
            rows = np.unique(codes + self._code_offsets)
            per_table = [rows] * len(table_names)
        else:
            per_table = [np.unique(codes[:, k]) for k in range(self.n_columns)]
        out = []
        for name, rows in zip(table_names, per_table, strict=True):
            start, stop = layout.offsets[name]
            out.append(TableRows(start, stop, layout.shapes[name][1], rows))
        return out
