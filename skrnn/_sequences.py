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
  variable length;
* token sequences (estimators with ``_accepts_tokens``): a list of
  sequences of symbols (words, or any hashable values that are not numbers),
  a list of 2-D arrays of symbols ``(n_steps_i, n_columns)`` (one
  vocabulary per column), or an array of str. Each column's vocabulary is
  learned in fit (:mod:`~skrnn._categorical`); the sequences become their
  integer codes, which the network's input layer embeds.

Internally, the sequences are a :class:`~skrnn._engine.Ragged`: a flat
array of rows (one row per step) with each sequence's first row and length.
A 3-D array is stored as its reshape (no copy when the dtype already
matches); a list is concatenated once. A minibatch is then packed with a
single gather.
"""

import copy
from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_array, validate_data

from ._categorical import (
    encode_tokens,
    holds_numbers,
    is_token_input,
    learn_categories,
    read_token_sequences,
)
from ._engine import Ragged

__all__ = ["check_sequences", "check_X_forms"]


def _is_list_of_sequences(X):
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


def _list_item(i, s):
    """Sequence ``i`` of the list form as a 2-D numeric array, or an error."""
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
    a = a[:, None] if a.ndim == 1 else a
    if a.ndim != 2:
        raise ValueError(
            f"Sequence {i} has {a.ndim} dimensions; each sequence must be "
            "(n_steps,) or (n_steps, n_features)."
        )
    if a.shape[0] == 0:
        raise ValueError(f"Sequence {i} is empty: every sequence needs a step.")
    return a


def _from_list(X, dtype):
    """The list form: each sequence checked, then all concatenated once."""
    if len(X) == 0:
        raise ValueError("X is an empty list: at least one sequence is required.")
    seqs = []
    for i, s in enumerate(X):
        a = _list_item(i, s)
        n_features = seqs[0].shape[1] if seqs else a.shape[1]
        if a.shape[1] != n_features:
            raise ValueError(
                f"Sequence {i} has {a.shape[1]} features per step but sequence 0 "
                f"has {n_features}: all sequences must have the same number."
            )
        if n_features == 0:
            raise ValueError("Sequences have 0 features per step.")
        _finite_or_raise(a, f"sequence {i}")
        seqs.append(a)
    lengths = np.array([len(a) for a in seqs], dtype=np.intp)
    starts = np.cumsum(lengths) - lengths
    data = _cast(np.concatenate(seqs, axis=0), dtype)
    return Ragged(data, starts, lengths)


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
    return Ragged(data.reshape(n * T, F), starts, lengths)


def check_X_forms(X):
    """Return the name of the input form of ``X`` (see the module docstring)."""
    if isinstance(X, np.ma.MaskedArray):
        return "masked"
    if isinstance(X, (list, tuple)) and len(X) == 0:
        return "list"
    if _is_list_of_sequences(X):
        return "list"
    shape = getattr(X, "shape", None)
    if shape is None:
        try:
            shape = np.asarray(X).shape
        except ValueError:
            return "2d"  # let validate_data explain
    return "3d" if len(shape) == 3 else "2d"


def _uniform(X, n_features):
    """The sequences of a 3-D (or 2-D) array: every row ``T`` steps long."""
    n, T = X.shape[:2]
    return Ragged(X.reshape(n * T, n_features), np.arange(n) * T, np.full(n, T))


def _checked_3d(X):
    """``check_array(X, allow_nd=True)`` to float, with a shortcut.

    A finite float32 or float64 ndarray with sequences (the output of a
    pipeline's encoder) is returned as it is, as ``check_array`` would
    return it; anything else goes through ``check_array``, which converts
    it or raises its usual error. The shortcut saves ``check_array``'s 40 µs
    (scikit-learn 1.9, mostly its dataframe detection): in the seed
    tutorial's loop, a fifth of a prediction.
    """
    if (
        type(X) is np.ndarray
        and X.dtype in (np.float32, np.float64)
        and X.ndim == 3
        and X.shape[0] > 0
        and np.isfinite(X).all()
    ):
        return X
    return check_array(X, allow_nd=True, dtype=(np.float64, np.float32))


def _from_array(estimator, X, form, *, reset, dtype, two_d):
    """The 2-D or 3-D array form, and its fitted attributes when ``reset``."""
    fitted = {}
    if form == "3d":
        X = _checked_3d(X)
        if X.ndim != 3:
            raise ValueError(f"Expected a 3-D array, got {X.ndim} dimensions.")
        if 0 in X.shape[1:]:
            raise ValueError(
                f"X has shape {X.shape}: sequences need steps and features."
            )
        return _uniform(_cast(X, dtype), X.shape[2]), fitted
    if reset:  # validate_data records what it reads on a copy, not on the model
        probe = copy.copy(estimator)
        X = validate_data(probe, X, reset=True, dtype=(np.float64, np.float32))
        names = getattr(probe, "feature_names_in_", None)
        fitted = {"n_features_in_": probe.n_features_in_, "feature_names_in_": names}
    elif getattr(estimator, "_fit_X_form", "2d") == "2d":
        X = validate_data(estimator, X, reset=False, dtype=(np.float64, np.float32))
    else:
        X = check_array(X, dtype=(np.float64, np.float32))
    X = _cast(X, dtype)
    n = X.shape[0]
    if two_d == "features":
        return Ragged(X, np.arange(n), np.ones(n, dtype=np.intp)), fitted
    return _uniform(X, 1), fitted


def check_sequences(estimator, X, *, reset, dtype, two_d="steps"):
    """Validate ``X`` in any accepted form and convert it to a ``Ragged``.

    Nothing of the estimator changes. With ``reset`` (a fit), the attributes
    that the fit will record are returned: ``n_features_in_`` (the width of a
    2-D X, scikit-learn's meaning; the features per step otherwise),
    ``feature_names_in_`` (None: none), ``n_features_per_step_`` and
    ``_fit_X_form``. Without ``reset``, ``X`` is checked against them: a 2-D
    X must have the width the model was fitted on when it was fitted on a
    2-D X, and every other form must have the same number of features per
    step.

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
    seqs : Ragged
    form : {'2d', '3d', 'masked', 'list'}
        The input form (the layout of per-step outputs).
    fitted : dict
        The attributes to record (empty unless ``reset``).
    """
    tokens = getattr(estimator, "_accepts_tokens", False) and is_token_input(X)
    if not (tokens or reset) and getattr(estimator, "_fit_X_form", None) == "tokens":
        # neither symbols nor numbers (None, a str, empty sequences): the
        # token reader names what is wrong with X
        tokens = not holds_numbers(X)
    _check_same_kind(estimator, tokens, reset)
    if tokens:
        return _from_tokens(estimator, X, reset)
    form = check_X_forms(X)
    fitted = {}
    if form == "masked":
        seqs = _from_masked(X, dtype)
    elif form == "list":
        seqs = _from_list(X, dtype)
    else:
        seqs, fitted = _from_array(
            estimator, X, form, reset=reset, dtype=dtype, two_d=two_d
        )
    if reset:
        fitted.setdefault("n_features_in_", seqs.n_features)
        fitted.setdefault("feature_names_in_", None)
        fitted.update(n_features_per_step_=seqs.n_features, _fit_X_form=form)
    elif seqs.n_features != estimator.n_features_per_step_:
        raise ValueError(
            f"X has {seqs.n_features} features per step, but "
            f"{type(estimator).__name__} was fitted with "
            f"{estimator.n_features_per_step_} features per step."
        )
    return seqs, form, fitted


def _check_same_kind(estimator, tokens, reset):
    """Refuse numbers for a model fitted on tokens, and tokens for one on numbers."""
    if reset or not hasattr(estimator, "_fit_X_form"):
        return
    fitted_tokens = estimator._fit_X_form == "tokens"
    if tokens and not fitted_tokens:
        raise ValueError(
            f"X holds token sequences (symbols such as str), but "
            f"{type(estimator).__name__} was fitted on numeric sequences."
        )
    if fitted_tokens and not tokens:
        raise ValueError(
            f"{type(estimator).__name__} was fitted on token sequences "
            "(symbols such as str); X holds numbers. Pass sequences of "
            "symbols (numbers are never tokens: to use integer categories, "
            "pass them as str)."
        )


def _from_tokens(estimator, X, reset):
    """The token forms: codes over each column's vocabulary (learned if ``reset``).

    Returns what :func:`check_sequences` returns; the form is ``'list'``
    unless ``X`` is an array (then ``'2d'``: sequences of equal length).
    """
    columns, lengths = read_token_sequences(X)
    fitted = {}
    if reset:
        categories, infrequent = learn_categories(
            columns, estimator.min_frequency, estimator.max_categories
        )
        fitted = {
            "categories_": categories,
            "infrequent_categories_": infrequent,
            "n_features_in_": len(columns),
            "feature_names_in_": None,
            "n_features_per_step_": len(columns),
            "_fit_X_form": "tokens",
        }
        handle_unknown = "unknown"  # unseen in fit: impossible
    else:
        if len(columns) != estimator.n_features_per_step_:
            raise ValueError(
                f"X has {len(columns)} token column(s) per step, but "
                f"{type(estimator).__name__} was fitted with "
                f"{estimator.n_features_per_step_}."
            )
        categories = estimator.categories_
        infrequent = estimator.infrequent_categories_
        handle_unknown = estimator.handle_unknown
    seqs, _ = encode_tokens(
        columns,
        lengths,
        categories,
        handle_unknown=handle_unknown,
        infrequent=infrequent,
    )
    form = "2d" if isinstance(X, np.ndarray) and X.ndim >= 2 else "list"
    return seqs, form, fitted


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
