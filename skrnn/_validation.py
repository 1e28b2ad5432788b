# SPDX-License-Identifier: BSD-3-Clause
"""Sequence input: every form of API.md to one internal form.

Every estimator accepts the same forms of ``X``:

* a 3-D array ``(n_sequences, n_steps, n_features)``: fixed-length,
  multivariate;
* a 2-D numeric array ``(n_sequences, n_steps)``: fixed-length, univariate
  (its width is the number of steps; scikit-learn's ``n_features_in_``);
* a masked 3-D or 2-D array (:class:`numpy.ma.MaskedArray`): each row is the
  sequence of its unmasked steps, which must be contiguous (masked leading
  or trailing steps are absent steps, as
  :class:`~skrnn.SlidingWindowTransformer` produces);
* a list of arrays, each ``(n_steps_i, n_features)`` or ``(n_steps_i,)``:
  variable length.

Internally, the sequences are :class:`Sequences`: a flat array of rows (one
row per step) with each sequence's first row and length. A 3-D array is
stored as its reshape (no copy when the dtype already matches); a list is
concatenated once. A minibatch is then packed with a single gather.
"""

import zlib
from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_array, validate_data

from ._engine import Packing

__all__ = ["Sequences", "check_sequences", "check_X_forms"]


class Sequences:
    """Validated sequences as flat rows with per-sequence starts and lengths.

    Parameters
    ----------
    data : ndarray of shape (n_rows, ...)
        The steps of all sequences (features per step, or token codes).
    starts : ndarray of int, shape (n_sequences,)
        Row of ``data`` where each sequence starts.
    lengths : ndarray of int, shape (n_sequences,)
        Number of steps of each sequence (>= 1).
    form : {'2d', '3d', 'masked', 'list', 'tokens'}
        The input form it came from (decides the layout of per-step outputs).
    """

    def __init__(self, data, starts, lengths, form):
        self.data = data
        self.starts = np.asarray(starts, dtype=np.intp)
        self.lengths = np.asarray(lengths, dtype=np.intp)
        self.form = form

    def __len__(self):
        return self.lengths.shape[0]

    @property
    def n_features(self):
        """int: features per step (1 for token codes)."""
        return 1 if self.data.ndim == 1 else self.data.shape[1]

    def pack(self, idx=None):
        """Pack some of the sequences for the engine.

        Parameters
        ----------
        idx : array-like of int, default=None
            Which sequences, in batch order; all of them when None.

        Returns
        -------
        rows : ndarray of int, shape (n_packed_rows,)
            Row of ``data`` behind each packed row (use it to gather aligned
            per-step targets or weights).
        packing : Packing
        """
        starts = self.starts if idx is None else self.starts[idx]
        lengths = self.lengths if idx is None else self.lengths[idx]
        packing = Packing(lengths)
        if packing.is_uniform:
            # time-major: row (t, j) is starts[j] + t
            rows = (starts[None, :] + np.arange(packing.n_steps)[:, None]).reshape(-1)
            return rows, packing
        seq, step = packing.packed_index()
        rows = starts[packing.order][seq] + step
        return rows, packing

    def canonical_order(self):
        """An order of the sequences that depends only on their contents.

        Sorted by length (so that a chunk holds similar lengths), then by
        content. Processing sequences in this order makes predictions
        bit-identical whatever the order of X: a BLAS product may round a
        row differently depending on its position in the batch.
        """
        keys = [
            zlib.crc32(self.data[s : s + n].tobytes())
            for s, n in zip(self.starts.tolist(), self.lengths.tolist(), strict=True)
        ]
        return np.lexsort((np.array(keys, dtype=np.int64), self.lengths))

    def subset(self, idx):
        """The sequences ``idx`` (sharing ``data``)."""
        return Sequences(self.data, self.starts[idx], self.lengths[idx], self.form)


def _is_sequence_list(X):
    """True for the variable-length list form.

    A list (or tuple) of NumPy arrays is a list of sequences. Nested Python
    lists are array-like, as everywhere in scikit-learn, unless they are
    ragged (then they can only be a list of sequences).
    """
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return False
    if all(isinstance(s, np.ndarray) for s in X):
        return True
    try:
        arr = np.asarray(X)
    except ValueError:  # ragged
        return True
    return arr.dtype == object and arr.ndim == 1


def _finite_or_raise(data, what):
    if data.dtype.kind in "fc" and not np.isfinite(data).all():
        raise ValueError(f"Input {what} contains NaN or infinity.")


def _cast(data, dtype):
    """``data`` in ``dtype``; a float64 value too large for float32 is an error."""
    out = data.astype(dtype, copy=False)
    if data.dtype.kind == "f" and out.dtype.itemsize < data.dtype.itemsize:
        if not np.isfinite(out).all():
            raise ValueError(
                f"Input X contains infinity or a value too large for {out.dtype!r}."
            )
    return out


def _from_list(X, dtype):
    if len(X) == 0:
        raise ValueError("X is an empty list: at least one sequence is required.")
    seqs = []
    n_features = None
    for i, s in enumerate(X):
        if isinstance(s, str):
            raise TypeError(
                f"Sequence {i} is a str; this estimator takes numeric sequences "
                "(encode characters first, e.g. with OneHotCharEncoder)."
            )
        if isinstance(s, np.ma.MaskedArray) and np.ma.getmaskarray(s).any():
            raise TypeError(
                f"Sequence {i} is a masked array with masked values. In the list "
                "form each sequence has its own length: pass only its present "
                "steps (the data under a mask is never read)."
            )
        a = np.asarray(s)
        if a.dtype.kind == "c":
            raise TypeError(f"Sequence {i} is complex; complex data is not supported.")
        if a.dtype.kind in "USV":
            raise TypeError(
                f"Sequence {i} is not numeric: it holds strings (dtype {a.dtype}). "
                "Encode symbols first, e.g. with OneHotCharEncoder."
            )
        if a.dtype.kind not in "biuf":
            try:
                a = a.astype(np.float64)
            except (TypeError, ValueError) as exc:
                raise TypeError(
                    f"Sequence {i} is not numeric (dtype {a.dtype}): {exc}"
                ) from None
        if a.ndim == 1:
            a = a[:, None]
        if a.ndim != 2:
            raise ValueError(
                f"Sequence {i} has {a.ndim} dimensions; each sequence must be "
                "(n_steps,) or (n_steps, n_features)."
            )
        if a.shape[0] == 0:
            raise ValueError(f"Sequence {i} is empty: every sequence needs a step.")
        if n_features is None:
            n_features = a.shape[1]
        elif a.shape[1] != n_features:
            raise ValueError(
                f"Sequence {i} has {a.shape[1]} features per step but sequence 0 "
                f"has {n_features}: all sequences must have the same number."
            )
        if n_features == 0:
            raise ValueError("Sequences have 0 features per step.")
        _finite_or_raise(a, f"sequence {i}")
        seqs.append(a)
    lengths = np.array([len(a) for a in seqs], dtype=np.intp)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    data = _cast(np.concatenate(seqs, axis=0), dtype)
    return Sequences(data, starts, lengths, "list")


def _from_masked(X, dtype):
    if X.ndim == 2:
        X = X[:, :, None]
    if X.ndim != 3:
        raise ValueError(f"A masked X must be 2-D or 3-D, got {X.ndim} dimensions.")
    if 0 in X.shape:
        raise ValueError(
            f"X has shape {X.shape}: it needs sequences, steps and features "
            "(an empty masked X)."
        )
    mask = np.ma.getmaskarray(X)
    step_mask = mask.all(axis=2)
    if np.any(mask.any(axis=2) & ~step_mask):
        raise ValueError(
            "A masked X must mask whole steps (every feature of a step), not "
            "single values."
        )
    present = ~step_mask
    lengths = present.sum(axis=1)
    if np.any(lengths == 0):
        empty = np.flatnonzero(lengths == 0)[:5].tolist()
        raise ValueError(f"Sequences {empty} have every step masked (empty).")
    first = present.argmax(axis=1)
    # the present steps must be one contiguous run
    last = X.shape[1] - 1 - present[:, ::-1].argmax(axis=1)
    if np.any(last - first + 1 != lengths):
        bad = np.flatnonzero(last - first + 1 != lengths)[:5].tolist()
        raise ValueError(
            f"Sequences {bad} have masked steps between unmasked ones; only "
            "leading or trailing steps may be masked."
        )
    raw = np.ma.getdata(X)
    if raw.dtype.kind not in "biuf":
        raise TypeError(f"X must be numeric, got dtype {raw.dtype}.")
    data = np.where(mask, 0, raw)
    _finite_or_raise(data, "X")
    data = _cast(data, dtype)  # names a value too large for dtype
    n, T, F = data.shape
    starts = np.arange(n) * T + first
    return Sequences(data.reshape(n * T, F), starts, lengths, "masked")


def check_X_forms(X):
    """Return the name of the input form of ``X`` (see the module docstring)."""
    if isinstance(X, np.ma.MaskedArray):
        return "masked"
    if isinstance(X, (list, tuple)) and len(X) == 0:
        return "list"
    if _is_sequence_list(X):
        return "list"
    shape = getattr(X, "shape", None)
    if shape is None:
        try:
            shape = np.asarray(X).shape
        except ValueError:
            return "2d"  # let validate_data explain
    return "3d" if len(shape) == 3 else "2d"


def check_sequences(estimator, X, *, reset, dtype, two_d="steps"):
    """Validate ``X`` in any accepted form and convert it to :class:`Sequences`.

    On ``reset`` it records, on the estimator, ``n_features_in_`` (the width
    of a 2-D X, scikit-learn's meaning; the features per step otherwise),
    ``n_features_per_step_`` and ``_fit_X_form``. Without ``reset`` it checks
    ``X`` against them: a 2-D X must have the width the model was fitted on
    when it was fitted on a 2-D X, and every other form must have the same
    number of features per step.

    Parameters
    ----------
    estimator : estimator instance
    X : array-like, masked array or list of array-like
    reset : bool
    dtype : numpy dtype
        dtype of the returned data.
    two_d : {'steps', 'features'}, default='steps'
        How a plain 2-D X is read: ``'steps'``, ``(n_sequences, n_steps)``
        univariate; ``'features'``, ``(n_sequences, n_features)``, each row
        a sequence of one step (the one-to-one topology).

    Returns
    -------
    Sequences
    """
    form = check_X_forms(X)
    if form == "2d":
        if reset or getattr(estimator, "_fit_X_form", "2d") == "2d":
            X = validate_data(estimator, X, reset=reset, dtype=(np.float64, np.float32))
        else:
            X = check_array(X, dtype=(np.float64, np.float32))
        X = _cast(X, dtype)
        n, T = X.shape
        if two_d == "features":
            seqs = Sequences(X, np.arange(n), np.ones(n), "2d")
        else:
            seqs = Sequences(X.reshape(n * T, 1), np.arange(n) * T, np.full(n, T), "2d")
    elif form == "3d":
        X = check_array(X, allow_nd=True, dtype=(np.float64, np.float32))
        if X.ndim != 3:
            raise ValueError(f"Expected a 3-D array, got {X.ndim} dimensions.")
        n, T, F = X.shape
        if T == 0 or F == 0:
            raise ValueError(
                f"X has shape {X.shape}: sequences need steps and features."
            )
        X = _cast(X, dtype)
        seqs = Sequences(X.reshape(n * T, F), np.arange(n) * T, np.full(n, T), "3d")
    elif form == "masked":
        seqs = _from_masked(X, dtype)
    else:
        seqs = _from_list(X, dtype)
    if reset:
        estimator._fit_X_form = form
        estimator.n_features_per_step_ = seqs.n_features
        if form != "2d":
            estimator.n_features_in_ = seqs.n_features
            if hasattr(estimator, "feature_names_in_"):
                del estimator.feature_names_in_
    elif seqs.n_features != estimator.n_features_per_step_:
        raise ValueError(
            f"X has {seqs.n_features} features per step, but "
            f"{type(estimator).__name__} was fitted with "
            f"{estimator.n_features_per_step_} features per step."
        )
    return seqs


def check_finite_output(out, what="sequences"):
    """Raise a ValueError when the network's outputs overflowed.

    Finite input can still overflow: the state of a vanilla ``relu`` cell
    grows without bound on large values or long ``what``. A NaN logit would
    otherwise become a label (the argmax of NaN is 0) or a NaN probability.
    """
    if not np.isfinite(out).all():
        raise ValueError(
            "The network's outputs overflowed (they are not finite) on this "
            f"input: its values are too large, or its {what} too long, for the "
            "learned weights (the state of a 'relu' cell can grow without "
            "bound). Scale the input or shorten the sequences."
        )


def check_n_sequences(X, n, what="y"):
    """Raise ValueError unless ``n`` sequences go with ``len(X)``."""
    if not isinstance(n, Integral) or len(X) != n:
        raise ValueError(
            f"X has {len(X)} sequences but {what} has {n} entries; they must match."
        )


def check_not_ragged(values, what="y"):
    """Raise a ValueError if the entries of a list ``values`` differ in shape.

    NumPy >= 1.24 refuses such a list itself; older NumPy makes it an object
    array of arrays, which scikit-learn's checks then fail on obscurely.
    """
    if not isinstance(values, (list, tuple)) or len(values) < 2:
        return
    try:
        shapes = {np.shape(v) for v in values}
    except ValueError:  # an entry is ragged itself
        shapes = None
    if shapes is None or len(shapes) > 1:
        raise ValueError(
            f"{what} is ragged: its entries have different shapes; a "
            f"{what} of one value (or one row) per sequence is required."
        )
