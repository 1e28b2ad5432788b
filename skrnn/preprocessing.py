# SPDX-License-Identifier: BSD-3-Clause
"""Turn raw sequences into the batches of windows and one-hot steps RNNs read.

* :func:`sliding_windows` is the seed tutorial's step 3 ("Creating Sequences
  and Labels") as one function: ``(X, y)`` windows and next items from one
  sequence.
* :class:`SlidingWindowTransformer` is the same idea as a pipeline stage that
  keeps one output row per input row, so that ``seq_length`` can be
  grid-searched and rows stay aligned with ``y``.
* :class:`OneHotCharEncoder` is the seed's step 4 (``tf.one_hot``): symbols to
  one-hot vectors, with ``inverse_transform`` back to symbols.

Shorter sequences inside a fixed-shape array are represented as a
:class:`numpy.ma.MaskedArray` whose missing leading steps are masked (every
feature of a missing step). The estimators read each row as the sequence of
its unmasked steps, and nothing in this module reads the data under a mask.
"""

from numbers import Integral, Number, Real

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import assert_all_finite, check_array
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_is_fitted, validate_data

from ._memory import check_memory, format_int
from ._persistence import VersionedPickleMixin

__all__ = [
    "SLIDING_WINDOW_EXPECTED_FAILURES",
    "OneHotCharEncoder",
    "SlidingWindowTransformer",
    "sliding_windows",
]

_ORDER_REASON = (
    "a row's window holds the rows before it, so its output depends on its "
    "neighbours in X: transforming rows {} cannot give the same windows"
)

#: scikit-learn common checks that cannot hold for
#: :class:`SlidingWindowTransformer`, with the reason; the value to give
#: ``parametrize_with_checks(expected_failed_checks=...)``.
SLIDING_WINDOW_EXPECTED_FAILURES = {
    "check_methods_subset_invariance": _ORDER_REASON.format(
        "one at a time (each alone has no history)"
    ),
    "check_methods_sample_order_invariance": _ORDER_REASON.format(
        "in another order (the history of each row changes)"
    ),
}

_AT_LEAST_ONE = Interval(Integral, 1, None, closed="left")

# How many unknown symbols an error message lists.
_N_SHOWN = 10

# The start of the error for symbols of X that cannot be sorted together.
# scikit-learn's check_dtype_object expects "argument must be .* string.*
# number" in it, as numpy and scikit-learn's encoders word it.
_WHAT_IS_SORTED = "OneHotCharEncoder sorts its symbols, so the input argument"


def _is_non_finite_number(value):
    """True for NaN or infinity of any number type (Python and NumPy scalars,
    Decimal, complex); False for finite numbers and for non-numbers."""
    if not isinstance(value, Number):
        return False
    try:
        return not np.isfinite(complex(value))
    except ValueError:  # Decimal('sNaN'): a signaling NaN converts to nothing
        return True
    except (TypeError, OverflowError):  # e.g. an int past float: finite
        return False


def _check_finite_objects(X, input_name):
    """Refuse NaN and infinity of any number type in an object array.

    scikit-learn's finiteness check of object arrays looks for NaN only (as a
    value unequal to itself), so infinity among symbols would pass it.
    """
    if X.dtype.kind == "O" and any(map(_is_non_finite_number, X.flat)):
        raise ValueError(f"Input {input_name} contains NaN or infinity.")


def _check_finite_nested(X, input_name):
    """Refuse NaN and infinity in nested lists, before NumPy reads them.

    NumPy makes a list that mixes str and numbers a str array, in which a NaN
    is the symbol ``'nan'``: the number would be lost, read as a symbol.
    Arrays are left to :func:`_check_finite_objects` and scikit-learn.
    """
    stack = [X] if isinstance(X, (list, tuple)) else []
    while stack:
        for value in stack.pop():
            if isinstance(value, (list, tuple)):
                stack.append(value)
            elif isinstance(value, np.ndarray):
                if value.dtype.kind in "fc" and not np.isfinite(value).all():
                    raise ValueError(f"Input {input_name} contains NaN or infinity.")
                _check_finite_objects(value, input_name)
            elif _is_non_finite_number(value):
                raise ValueError(f"Input {input_name} contains NaN or infinity.")


def _is_numeric(X):
    """True for numeric dtypes, and for object arrays holding only numbers."""
    if X.dtype.kind == "O":
        return all(isinstance(v, Real) for v in X.flat)
    return X.dtype.kind in "biuf"


def _empty_value(dtype):
    """The placeholder written under a mask: 0, '' or None (object)."""
    return None if dtype.kind == "O" else np.zeros((), dtype=dtype)[()]


@validate_params(
    {
        "sequence": [str, "array-like"],
        "seq_length": [_AT_LEAST_ONE],
        "horizon": [_AT_LEAST_ONE],
    },
    prefer_skip_nested_validation=True,
)
def sliding_windows(sequence, seq_length, horizon=1):
    """Cut one sequence into windows and the item that follows each window.

    The seed tutorial's step 3: ``X[i] = sequence[i : i + seq_length]`` and
    ``y[i] = sequence[i + seq_length + horizon - 1]``.

    Parameters
    ----------
    sequence : str or array-like of shape (n_items,) or (n_items, n_features)
        The time-ordered sequence. A ``str`` is read as a sequence of
        characters; a 1-D array-like holds numbers or symbols (tokens); a 2-D
        array holds one observation (row) of ``n_features`` values per step.

    seq_length : int
        Number of items in each window (at least 1).

    horizon : int, default=1
        How far ahead the target is: 1 is the next item after the window.

    Returns
    -------
    X : ndarray of shape (n_windows, seq_length) or \
            (n_windows, seq_length, n_features)
        The windows, ``n_windows = n_items - seq_length - horizon + 1``: a new
        array (never sharing memory with ``sequence``) of dtype ``'<U1'`` for
        a ``str``, else the dtype of ``numpy.asarray(sequence)``.

    y : ndarray of shape (n_windows,) or (n_windows, n_features)
        The item ``horizon`` steps after the end of each window; same dtype
        as ``X``, also a new array.

    Raises
    ------
    ValueError
        If ``seq_length`` or ``horizon`` is below 1, if the sequence has fewer
        than ``seq_length + horizon`` items, if it is not 1-D or 2-D, or if it
        holds NaN or infinite numbers.

    See Also
    --------
    SlidingWindowTransformer : One window per row, as a pipeline stage.

    Examples
    --------
    >>> from skrnn.preprocessing import sliding_windows
    >>> X, y = sliding_windows("abcde", seq_length=3)
    >>> X
    array([['a', 'b', 'c'],
           ['b', 'c', 'd']], dtype='<U1')
    >>> y
    array(['d', 'e'], dtype='<U1')
    >>> X, y = sliding_windows([1.0, 2.0, 3.0, 4.0, 5.0], seq_length=2, horizon=2)
    >>> X.tolist(), y.tolist()
    ([[1.0, 2.0], [2.0, 3.0]], [4.0, 5.0])
    """
    items = _check_sequence(sequence, seq_length, horizon)
    X = _windows(items[: len(items) - horizon], seq_length)
    return X, items[seq_length + horizon - 1 :].copy()


def _windows(items, seq_length):
    """Every run of ``seq_length`` consecutive items, as a new array of shape
    ``(n_items - seq_length + 1, seq_length)`` + the shape of an item."""
    # sliding_window_view appends the window axis last; it goes second.
    return np.moveaxis(sliding_window_view(items, seq_length, axis=0), -1, 1).copy()


def _check_sequence(sequence, seq_length, horizon):
    """The items of :func:`sliding_windows`' ``sequence`` as an array.

    Refused unless 1-D or 2-D, free of NaN and infinity, and long enough for
    one window and its target.
    """
    if isinstance(sequence, str):
        items = np.array(list(sequence), dtype="<U1")
    else:
        items = np.asarray(sequence)
        if items.ndim not in (1, 2):
            raise ValueError(
                "sequence must be a str, a 1-D array-like of shape (n_items,) or a "
                f"2-D array of shape (n_items, n_features); got {items.ndim}-D "
                f"input of shape {items.shape}."
            )
        if items.dtype.kind == "c":
            raise ValueError("Complex data not supported.")
        if items.dtype.kind == "f":
            assert_all_finite(items, input_name="sequence")
        _check_finite_objects(items, "sequence")
    n_items = items.shape[0]
    if n_items < seq_length + horizon:
        raise ValueError(
            f"The sequence has {n_items} items, too few for seq_length="
            f"{seq_length} and horizon={horizon}: at least seq_length + horizon "
            f"= {seq_length + horizon} items are needed."
        )
    return items


class SlidingWindowTransformer(VersionedPickleMixin, TransformerMixin, BaseEstimator):
    """Give every row of one long sequence the window of rows ending at it.

    The adapter between the two shapes of sequence data: X is ONE sequence
    stored as a table of time-ordered rows (numeric observations, or a column
    of symbols such as ``np.array(list(text)).reshape(-1, 1)``); the output is
    a batch of sequences, one window per row, ready for any skrnn estimator.
    Row ``i`` of the output holds rows ``i - seq_length + 1, ..., i`` of X, so
    rows stay aligned with ``y`` and ``seq_length`` can be grid-searched.

    Parameters
    ----------
    seq_length : int, default=3
        Number of rows in each window, the row itself included. A transform
        whose output would need more memory than the machine has raises a
        ValueError before allocating anything.

    Attributes
    ----------
    n_features_in_ : int
        Number of features (columns) seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    sliding_windows : ``(X, y)`` windows and next items from one sequence.
    OneHotCharEncoder : One-hot encode the windows of a column of symbols.

    Notes
    -----
    The first ``seq_length - 1`` rows have shorter histories. The output is
    always a :class:`numpy.ma.MaskedArray` (even when nothing is masked, e.g.
    ``seq_length=1``) with a full boolean mask of the output's shape: the
    missing leading steps of those rows are masked (all features of a missing
    step) and no other step is. The data under the mask is a placeholder that
    is never read: 0 for numeric dtypes, ``''`` for str dtypes and ``None``
    for object dtype.

    dtypes: float32 and float64 are kept; integers and booleans become
    float64; symbols (str or object dtype, unless every entry is a number)
    are kept as they are. NaN and infinity are rejected.

    The output row for a sample depends on the rows before it, so
    ``transform`` on a subset or a reordering of X gives other windows:
    scikit-learn's ``check_methods_subset_invariance`` and
    ``check_methods_sample_order_invariance`` cannot hold; they are listed,
    with the reason, in ``SLIDING_WINDOW_EXPECTED_FAILURES``. Use
    :class:`~sklearn.model_selection.TimeSeriesSplit` to cross-validate.

    The output is 3-D and has no columns to name, so this transformer has no
    ``get_feature_names_out`` and therefore no ``set_output``.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn.preprocessing import SlidingWindowTransformer
    >>> X = np.array(list("abcd")).reshape(-1, 1)
    >>> Xt = SlidingWindowTransformer(seq_length=3).fit_transform(X)
    >>> Xt.shape
    (4, 3, 1)
    >>> Xt[:, :, 0].tolist()
    [[None, None, 'a'], [None, 'a', 'b'], ['a', 'b', 'c'], ['b', 'c', 'd']]
    """

    _parameter_constraints: dict = {"seq_length": [_AT_LEAST_ONE]}

    def __init__(self, seq_length=3):
        self.seq_length = seq_length

    def _check_X(self, X, *, reset):
        """Validate X, set or check n_features_in_, and pick the dtype."""
        if isinstance(X, np.ma.MaskedArray) and np.ma.getmaskarray(X).any():
            raise TypeError(
                "X is a masked array with masked values; SlidingWindowTransformer "
                "takes one sequence of rows, all present (the data under a mask "
                "is never read): pass the rows that are present."
            )
        _check_finite_nested(X, "X")
        # dtype=None first, so that symbols survive; numbers are then cast.
        X = validate_data(self, X, dtype=None, ensure_all_finite=False, reset=reset)
        dtype = (np.float64, np.float32) if _is_numeric(X) else None
        X = check_array(X, dtype=dtype, estimator=self, input_name="X")
        _check_finite_objects(X, "X")
        return X

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the number of features of X; nothing else is learned.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            One sequence as time-ordered rows. 1-D input is rejected: use
            ``X.reshape(-1, 1)`` for a single column.

        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self._check_X(X, reset=True)
        return self

    def transform(self, X):
        """Give every row the window of the last ``seq_length`` rows.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            One sequence as time-ordered rows, with the number of features
            seen in ``fit``.

        Returns
        -------
        X_windows : numpy.ma.MaskedArray of shape (n_rows, seq_length, \
                n_features)
            ``X_windows[i, j]`` is row ``i - seq_length + 1 + j`` of X; the
            steps before row 0 are masked (see Notes of the class).
        """
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        n_rows, n_features = X.shape
        seq_length = int(self.seq_length)  # True is an Integral: 1
        _check_window_memory(seq_length, n_rows, n_features, X.dtype.itemsize)
        n_missing = seq_length - 1
        padded = np.empty((n_rows + n_missing, n_features), dtype=X.dtype)
        padded[:n_missing] = _empty_value(X.dtype)
        padded[n_missing:] = X
        data = _windows(padded, seq_length)
        # Step j of row i is row i - n_missing + j of X: missing when negative.
        missing = np.arange(seq_length) < (n_missing - np.arange(n_rows))[:, None]
        mask = np.repeat(missing[:, :, np.newaxis], n_features, axis=2)
        return np.ma.MaskedArray(data, mask=mask)

    # No get_feature_names_out, on purpose: scikit-learn offers set_output
    # (pandas/polars output) only to transformers that define it, because a
    # DataFrame needs one name per output column. The output is 3-D
    # (n_rows, seq_length, n_features) and cannot be a DataFrame, so this
    # transformer claims no column names, and set_output does not apply.

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _check_window_memory(seq_length, n_rows, n_features, itemsize):
    """Refuse a ``seq_length`` whose windows the machine cannot hold.

    The output ``(n_rows, seq_length, n_features)``, its mask, the
    padded rows and the missing steps of
    :meth:`SlidingWindowTransformer.transform`, counted in Python ints (no
    overflow), before any is allocated.
    """
    cells = n_rows * seq_length * n_features
    n_bytes = (
        cells * (itemsize + 1)  # the data and its mask
        + n_rows * seq_length  # the missing steps
        + (n_rows + seq_length) * n_features * itemsize  # the padded rows
    )
    check_memory(
        n_bytes,
        f"SlidingWindowTransformer(seq_length={format_int(seq_length)}) "
        f"on {n_rows} rows of {n_features} features (an output of shape "
        f"({n_rows}, {format_int(seq_length)}, {n_features}))",
        "Lower seq_length, or transform fewer rows at a time.",
    )


def _unique_symbols(values, return_inverse=False, what=_WHAT_IS_SORTED):
    """Sorted unique values of a 1-D array, or a TypeError that starts with
    ``what`` (the thing sorted) and names the types that cannot be sorted
    together."""
    try:
        return np.unique(values, return_inverse=return_inverse)
    except TypeError as exc:
        types = sorted({type(v).__name__ for v in values.tolist()})
        raise TypeError(
            f"{what} must be uniformly strings or numbers; got the types {types}."
        ) from exc


def _describe_symbols(symbols):
    """The first symbols of a list for an error message, sorted (by str when
    they cannot be sorted), and how many more there are."""
    try:
        ordered = sorted(symbols)
    except TypeError:
        ordered = sorted(symbols, key=str)
    more = len(ordered) - _N_SHOWN
    return f"{ordered[:_N_SHOWN]}" + (f" and {more} more" if more > 0 else "")


def _onehot_dtype(dtype):
    """``np.dtype(dtype)`` if it is a number type, else an error naming it."""
    try:
        out = np.dtype(dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"dtype={dtype!r} is not a NumPy data type: {exc}") from None
    if out.kind not in "biufc":
        raise ValueError(
            "dtype must be a number type (bool, integer, float or complex) to "
            f"hold 0 and 1, got dtype={dtype!r} ({out})."
        )
    return out


def _is_str_array_or_ragged_list(X):
    """True if X is a non-empty list (or tuple) holding a str or an ndarray,
    or holding sequences of unequal lengths: OneHotCharEncoder's list form.

    Nested lists of equal lengths are a table, as scikit-learn reads them.
    """
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return False
    if any(isinstance(seq, (str, np.ndarray)) for seq in X):
        return True
    lengths = {len(seq) if hasattr(seq, "__len__") else None for seq in X}
    return None not in lengths and len(lengths) > 1


def _symbol_sequence(i, seq):
    """Sequence ``i`` of the list form as a non-empty 1-D array of symbols."""
    if isinstance(seq, np.ma.MaskedArray):
        raise TypeError(
            f"Sequence {i} of the list is a MaskedArray. In the list form "
            "each sequence has its own length: pass its unmasked steps."
        )
    seq = np.array(list(seq)) if isinstance(seq, str) else np.asarray(seq)
    if seq.ndim == 2 and seq.shape[1] == 1:
        seq = seq[:, 0]
    if seq.ndim != 1:
        raise ValueError(
            f"Sequence {i} of the list has shape {seq.shape}; each must be "
            "a str or a 1-D sequence of symbols."
        )
    if seq.shape[0] == 0:
        raise ValueError(f"Sequence {i} of the list is empty.")
    return seq


def _restorer(shape=None, mask=None, lengths=None):
    """A function that gives rows computed per step the form of the input.

    The input was a list of sequences of ``lengths`` (the rows are split into
    one array per sequence), or an array of ``shape`` (the rows are reshaped
    to ``shape`` + the shape of a row), masked when ``mask`` (of ``shape``)
    is given: then the result is a MaskedArray, each masked step masked whole.
    """

    def restore(rows):
        if lengths is not None:
            return np.split(rows, np.cumsum(lengths)[:-1])
        out = rows.reshape(shape + rows.shape[1:])
        if mask is None:
            return out
        step_mask = mask.reshape(shape + (1,) * (rows.ndim - 1))
        return np.ma.MaskedArray(out, mask=np.broadcast_to(step_mask, out.shape).copy())

    return restore


def _flat_mask(mask, size):
    """A step mask as 1-D: ``mask`` raveled, or all False when it is None."""
    return np.zeros(size, dtype=bool) if mask is None else mask.ravel()


class OneHotCharEncoder(VersionedPickleMixin, TransformerMixin, BaseEstimator):
    """Encode sequences of symbols as sequences of one-hot vectors.

    The seed tutorial's ``tf.one_hot(X, len(chars))``: every step of every
    sequence (a character, a word, any sortable symbol, or a number used as a
    symbol) becomes a vector of ``n_categories`` zeros with a single one at
    the symbol's index in ``categories_``.

    Parameters
    ----------
    categories : 'auto' or array-like of symbols, default='auto'
        The vocabulary. 'auto' learns the sorted symbols of X in ``fit``;
        a list of symbols fixes it (sorted), as the tutorial's
        ``chars = sorted(set(text))`` does: then a symbol that is only ever a
        label, never inside a window, still has a column. With
        ``handle_unknown='error'``, symbols of X outside the list raise in
        ``fit``.

    handle_unknown : {'error', 'ignore'}, default='error'
        What to do with a symbol at ``transform`` that ``fit`` did not
        see. 'error' raises a ``ValueError`` that names the unknown symbols
        (the first few, sorted); 'ignore' encodes it as the all-zero vector.

    dtype : number type, default=np.float32
        Desired dtype of the output. float32 is the default because it is the
        skrnn estimators' default dtype.

    Attributes
    ----------
    categories_ : ndarray of shape (n_categories,)
        The sorted symbols seen during ``fit`` (or given as
        ``categories``): ONE vocabulary shared by
        every step (unlike :class:`~sklearn.preprocessing.OneHotEncoder`,
        which learns one list of categories per column). Its dtype is the
        input's (e.g. ``'<U1'`` for characters).

    n_features_in_ : int
        Number of steps of the sequences seen during ``fit``. Set only for
        the array forms of X: a 2-D X's width is its number of steps, so a
        fitted encoder rejects a 2-D X of another width, as scikit-learn
        demands of every estimator. Not set after fitting on the list form.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    SlidingWindowTransformer : Windows of a column of symbols, to encode.
    sklearn.preprocessing.OneHotEncoder : One-hot encoding of table columns.

    Notes
    -----
    The forms of X, and what ``transform`` returns for each:

    * a 2-D array ``(n_sequences, n_steps)`` of symbols, or a 3-D array
      ``(n_sequences, n_steps, 1)`` (what :class:`SlidingWindowTransformer`
      gives from one column), read as 2-D -> an ndarray ``(n_sequences,
      n_steps, n_categories)``;
    * a :class:`numpy.ma.MaskedArray` of either -> a MaskedArray whose masked
      steps have their whole one-hot row masked (the data under the mask is
      0). Masked steps are never read: they neither add categories nor count
      as unknown;
    * a list (or tuple) of sequences of any lengths, each a ``str`` or a 1-D
      array of symbols -> a list of ndarrays ``(n_steps_i, n_categories)``.
      A list of equal-length lists (no ``str``, no ndarray items) is read as a
      2-D array, as scikit-learn reads nested lists.

    NaN and infinite numbers are rejected. Symbols are compared by Python
    equality, so ``1`` and ``1.0`` are the same symbol but ``1`` and ``'1'``
    are not.

    Examples
    --------
    >>> from skrnn.preprocessing import OneHotCharEncoder
    >>> enc = OneHotCharEncoder().fit([["a", "b"], ["b", "c"]])
    >>> enc.categories_
    array(['a', 'b', 'c'], dtype='<U1')
    >>> Xt = enc.transform([["c", "a"]])
    >>> Xt.shape, Xt.dtype
    ((1, 2, 3), dtype('float32'))
    >>> Xt[0]
    array([[0., 0., 1.],
           [1., 0., 0.]], dtype=float32)
    >>> enc.inverse_transform(Xt)
    array([['c', 'a']], dtype='<U1')
    >>> [x.shape for x in enc.transform(["abc", "ba"])]
    [(3, 3), (2, 3)]
    """

    _parameter_constraints: dict = {
        "categories": [StrOptions({"auto"}), "array-like"],
        "handle_unknown": [StrOptions({"error", "ignore"})],
        "dtype": "no_validation",  # validation delegated to numpy
    }

    def __init__(self, *, categories="auto", handle_unknown="error", dtype=np.float32):
        self.categories = categories
        self.handle_unknown = handle_unknown
        self.dtype = dtype

    def _check_list(self, X, *, reset):
        """Validate the list form: (flat symbols, lengths of the sequences)."""
        items = [_symbol_sequence(i, seq) for i, seq in enumerate(X)]
        if len({seq.dtype.kind for seq in items}) > 1:
            items = [seq.astype(object) for seq in items]
        values = np.concatenate(items)
        check_array(values.reshape(-1, 1), dtype=None, estimator=self, input_name="X")
        _check_finite_objects(values, "X")
        if reset:
            # Fitted on sequences of any lengths: no width to check later.
            for name in ("n_features_in_", "feature_names_in_"):
                vars(self).pop(name, None)
        return values, [seq.shape[0] for seq in items]

    def _check_array(self, X, *, reset):
        """Validate the array forms: (symbols 2-D, step mask 2-D or None)."""
        mask = None
        if isinstance(X, np.ma.MaskedArray):
            mask = np.ma.getmaskarray(X)
            data = np.ma.getdata(X)
            # Overwrite the data under the mask with a live symbol, so that
            # validation and encoding never read it.
            live = data[~mask]
            fill = live[0] if live.size else _empty_value(data.dtype)
            X = np.where(mask, np.array(fill, dtype=data.dtype), data)
        X = validate_data(self, X, dtype=None, allow_nd=True, reset=reset)
        if X.ndim == 3 and X.shape[2] == 1:
            X = X[:, :, 0]
            mask = None if mask is None else mask[:, :, 0]
        elif X.ndim != 2:
            raise ValueError(
                "X must be a 2-D array (n_sequences, n_steps) of symbols or a 3-D "
                f"array (n_sequences, n_steps, 1); got shape {X.shape}."
            )
        _check_finite_objects(X, "X")
        return X, mask

    def _check_X(self, X, *, reset):
        """Validate any form of X: (flat symbols, flat step mask, restore).

        ``restore`` gives rows computed per flat symbol the form of X (see
        :func:`_restorer`).
        """
        if isinstance(X, str):
            raise ValueError(
                "X is a single str; pass a list of sequences, e.g. [text], or a "
                "2-D array of symbols."
            )
        _check_finite_nested(X, "X")
        if _is_str_array_or_ragged_list(X):
            values, lengths = self._check_list(X, reset=reset)
            return values, _flat_mask(None, len(values)), _restorer(lengths=lengths)
        X, mask = self._check_array(X, reset=reset)
        return X.ravel(), _flat_mask(mask, X.size), _restorer(X.shape, mask)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the sorted symbols of X (masked steps excluded).

        Parameters
        ----------
        X : array-like of shape (n_sequences, n_steps) or \
                (n_sequences, n_steps, 1), MaskedArray, or list of sequences
            Sequences of symbols; see Notes of the class for the forms.

        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted encoder.
        """
        _onehot_dtype(self.dtype)
        values, mask, _ = self._check_X(X, reset=True)
        seen = _unique_symbols(values[~mask])
        if isinstance(self.categories, str):  # 'auto'
            self.categories_ = seen
        else:
            self.categories_ = self._check_categories(seen)
        return self

    def _check_categories(self, seen):
        """The given ``categories``, sorted; refused unless they are a list of
        finite symbols and, with ``handle_unknown='error'``, hold every
        symbol ``seen`` in X."""
        try:
            items = list(self.categories)
            # numpy < 1.24 turns a ragged list into an object array of lists
            # instead of raising: refuse non-scalar items explicitly.
            given = None if any(np.ndim(c) for c in items) else np.asarray(items)
        except (TypeError, ValueError):  # not iterable (a type), or ragged
            given = None
        if given is None or given.ndim != 1 or given.size == 0:
            raise ValueError(
                "categories must be 'auto' or a non-empty 1-D list of symbols, "
                f"got {self.categories!r}."
            )
        if any(map(_is_non_finite_number, given.flat)):
            raise ValueError(
                "categories must be symbols, not NaN or infinity; got "
                f"{self.categories!r}."
            )
        categories = _unique_symbols(given, what="categories are sorted, so they")
        known = set(categories.tolist())
        outside = [v for v in seen.tolist() if v not in known]
        if outside and self.handle_unknown == "error":
            raise ValueError(
                "Found symbols outside `categories` during fit: "
                f"{_describe_symbols(outside)}."
            )
        return categories

    def transform(self, X):
        """Encode every step of every sequence as a one-hot vector.

        Parameters
        ----------
        X : array-like of shape (n_sequences, n_steps) or \
                (n_sequences, n_steps, 1), MaskedArray, or list of sequences
            Sequences of symbols, in any of the forms of ``fit``.

        Returns
        -------
        X_onehot : ndarray of shape (n_sequences, n_steps, n_categories), \
                MaskedArray of that shape, or list of ndarray
            One-hot vectors of dtype ``dtype``; a MaskedArray for a masked X,
            a list of ``(n_steps_i, n_categories)`` arrays for a list X.
        """
        check_is_fitted(self)
        values, mask, restore = self._check_X(X, reset=False)
        codes = self._encode(values, mask)
        shape = (values.shape[0], self.categories_.shape[0])
        onehot = np.zeros(shape, dtype=_onehot_dtype(self.dtype))
        rows = np.flatnonzero(codes >= 0)
        onehot[rows, codes[rows]] = 1
        return restore(onehot)

    def _encode(self, values, mask):
        """Index of each live value in categories_; -1 if unknown or masked."""
        codes = np.full(values.shape, -1, dtype=np.intp)
        uniques, inverse = _unique_symbols(values[~mask], return_inverse=True)
        index = {symbol: i for i, symbol in enumerate(self.categories_.tolist())}
        unique_codes = np.array(
            [index.get(symbol, -1) for symbol in uniques.tolist()], dtype=np.intp
        )
        unknown = uniques[unique_codes < 0]
        if unknown.size and self.handle_unknown == "error":
            raise ValueError(
                f"Found {unknown.size} unknown symbol(s) during transform: "
                f"{_describe_symbols(unknown.tolist())}. Fit on data that holds "
                "them, or use handle_unknown='ignore' to encode them as all-zero "
                "vectors."
            )
        codes[~mask] = unique_codes[inverse.ravel()]
        return codes

    def inverse_transform(self, X):
        """Map one-hot vectors (or any scores, by argmax) back to symbols.

        Parameters
        ----------
        X : array-like of shape (n_sequences, n_steps, n_categories), \
                MaskedArray of that shape, or list of arrays
            One-hot vectors or scores, e.g. what ``transform`` returned.
            In a MaskedArray, a step with any masked entry is a masked step.

        Returns
        -------
        X_symbols : ndarray of shape (n_sequences, n_steps), MaskedArray, \
                or list of ndarray
            The symbol with the highest score at each step, with the dtype of
            ``categories_``. A step whose scores are all zero (an unknown
            symbol under ``handle_unknown='ignore'``) maps to ``None``, and
            then the output has object dtype, as in scikit-learn's
            OneHotEncoder. Masked steps stay masked (the data under them is
            0, '' or None); a list X gives a list of ``(n_steps_i,)`` arrays.
        """
        check_is_fitted(self)
        scores, mask, restore = self._check_scores(X)
        symbols = self.categories_[scores.argmax(axis=1)]
        empty = ~scores.any(axis=1) & ~mask
        if empty.any():
            symbols = symbols.astype(object)
            symbols[empty] = None
        symbols[mask] = _empty_value(symbols.dtype)
        return restore(symbols)

    def _check_scores(self, X):
        """Validate the input of inverse_transform: (scores, one row per
        step; flat step mask; restore, as in ``_check_X``)."""
        if isinstance(X, (list, tuple)) and all(
            isinstance(seq, np.ndarray) for seq in X
        ):
            if not X:
                raise ValueError("X is an empty list: there is nothing to decode.")
            items = [
                check_array(seq, dtype="numeric", estimator=self, input_name="X")
                for seq in X
            ]
            scores, mask = np.concatenate(items), None
            restore = _restorer(lengths=[seq.shape[0] for seq in items])
        else:
            mask = None
            if isinstance(X, np.ma.MaskedArray):
                # A step with any masked score is masked; its scores are never
                # read, but must pass the NaN check.
                mask = np.ma.getmaskarray(X).any(axis=-1)
                X = np.ma.getdata(X).copy()
                X[mask] = 0
            scores = check_array(
                X, dtype="numeric", allow_nd=True, estimator=self, input_name="X"
            )
            if scores.ndim != 3:
                raise ValueError(
                    "X must be 3-D (n_sequences, n_steps, n_categories); got shape "
                    f"{scores.shape}."
                )
            restore = _restorer(scores.shape[:2], mask)
            scores = scores.reshape(-1, scores.shape[-1])
        if scores.shape[-1] != self.categories_.shape[0]:
            raise ValueError(
                f"X has {scores.shape[-1]} categories per step, but "
                f"OneHotCharEncoder was fitted with {self.categories_.shape[0]}."
            )
        return scores, _flat_mask(mask, scores.shape[0]), restore

    # No get_feature_names_out, as in SlidingWindowTransformer: the output is
    # 3-D (or a list), not a table with named columns, so set_output does not
    # apply.

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.categorical = True
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = []
        return tags
