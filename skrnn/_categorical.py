# SPDX-License-Identifier: BSD-3-Clause
"""Token input: sequences of categorical symbols as integer codes.

Every estimator accepts, besides the numeric forms of :mod:`skrnn._sequences`,
sequences of *tokens*: words or any categorical symbols. A symbol is any
hashable value that is not a number (str, bytes, tuples, enums, ...); a
number (int, float, bool, NumPy numbers, Decimal, Fraction) is never a
token. The forms of ``X`` are:

* a list (or tuple) of sequences, each a list or 1-D array of symbols: one
  categorical column (``[['the', 'cat'], ['a', 'dog', 'ran']]``);
* a list of 2-D arrays or nested lists ``(n_steps_i, n_columns)`` of symbols:
  ``n_columns`` categorical columns, each with its own vocabulary (a list of
  tuples such as ``list(zip(words, tags))`` is such a sequence);
* a 2-D array of str or bytes ``(n_sequences, n_steps)``: fixed-length
  sequences of one column (a 2-D object array, or a 3-D array
  ``(n_sequences, n_steps, n_columns)``, is read as the list of its rows).

Nesting in Python lists and tuples gives the dimensions, as in
:func:`numpy.asarray`: a tuple inside a sequence is a step of several
columns. A tuple *symbol* is passed inside an object array, whose items are
always symbols.

Each column's vocabulary (``categories_``, as
:class:`~sklearn.preprocessing.OneHotEncoder`) is learned in fit and stored
sorted; code 0 is the unknown symbol and ``categories[k][j]`` has code
``j + 1``. The codes are a :class:`~skrnn._engine.Ragged` whose data is 2-D,
``(n_rows, n_columns)``: one row per step.

Examples
--------
>>> X = [["the", "cat", "sat"], ["the", "dog"]]
>>> columns, lengths = read_token_sequences(X)
>>> categories, infrequent = learn_categories(columns, min_frequency=2)
>>> categories, infrequent
([array(['the'], dtype='<U3')], [array(['cat', 'dog', 'sat'], dtype='<U3')])
>>> codes, n_unknown = encode_tokens(columns, lengths, categories)
>>> codes.data[:, 0], codes.lengths, n_unknown
(array([1, 0, 0, 1, 0], dtype=int32), array([3, 2]), array([3]))
"""

from collections import Counter
from itertools import islice, repeat
from numbers import Integral, Number, Real

import numpy as np

from ._engine import Ragged
from ._tokens import _is_non_finite_number, build_vocabulary

__all__ = [
    "encode_tokens",
    "holds_numbers",
    "is_token_input",
    "learn_categories",
    "read_token_sequences",
    "vocabulary_sizes",
]

_TYPE_ALIASES = {np.str_: str, np.bytes_: bytes}
_STR_TYPES = frozenset({str, np.str_})
_BYTES_TYPES = frozenset({bytes, np.bytes_})
_PROBE = 16  # symbols (and items per level) looked at by is_token_input
_MAX_SHOWN = 10  # unknown symbols listed per column in an error


def _is_number(s):
    return isinstance(s, (Number, np.bool_))


def _type_name(t):
    return t.__name__


def _shown(s):
    """``repr`` of a symbol, NumPy scalars shown as the Python value."""
    return repr(s.item() if isinstance(s, np.generic) else s)


# ------------------------------------------------------------ recognizing X
def _leading_symbols(x, depth=0):
    """The symbols met first in a depth-first walk of ``x``, in order.

    At most ``_PROBE`` items of each list and three levels below ``X`` are
    visited (sequence, step, column); a numeric array stands for its first
    number, a str or bytes array for its first symbol.
    """
    if isinstance(x, np.ndarray) and x.ndim:
        if x.dtype.kind == "O" and depth < 3:
            for item in x.flat[:_PROBE]:
                yield from _leading_symbols(item, depth + 1)
        elif x.size:
            yield x.flat[0]
    elif isinstance(x, (list, tuple)) and depth < 3:
        for item in islice(x, _PROBE):
            yield from _leading_symbols(item, depth + 1)
    else:
        yield x.item() if isinstance(x, np.ndarray) else x


def is_token_input(X):
    """Whether ``X`` is token input rather than numeric input.

    Cheap: only the first symbols are looked at, and the reader
    (:func:`read_token_sequences`) validates the rest. ``X`` is token input
    when it is a list, tuple or array and one of its first symbols (None
    aside) is a hashable value that is not a number; an array of str or
    bytes always is.

    Parameters
    ----------
    X : object

    Returns
    -------
    bool

    Examples
    --------
    >>> is_token_input([["a", "rose"], ["is"]]), is_token_input([[1.0, 2.0]])
    (True, False)
    >>> import numpy as np
    >>> is_token_input(np.array([["a", "b"]])), is_token_input(np.zeros((2, 3)))
    (True, False)
    """
    if isinstance(X, np.ndarray):
        if X.dtype.kind in "US":
            return True
        if X.dtype.kind != "O":
            return False
    elif not isinstance(X, (list, tuple)):
        return False
    for s in islice(_leading_symbols(X), _PROBE):
        if s is not None and not _is_number(s) and _is_hashable(s):
            return True
    return False


def holds_numbers(X):
    """Whether ``X`` holds numbers: a number, a numeric array, or a list, tuple
    or object array with a number among its first values.

    Cheap, as :func:`is_token_input`. A model fitted on tokens refuses such
    an ``X`` as numeric input; an ``X`` that holds neither symbols nor
    numbers (None, a str, empty sequences, sequences of None) is read as
    token input, whose reader names what is wrong with it.

    Parameters
    ----------
    X : object

    Returns
    -------
    bool

    Examples
    --------
    >>> holds_numbers([[1.0, 2.0]]), holds_numbers([[None, 3]])
    (True, True)
    >>> holds_numbers([[], []]), holds_numbers("a film"), holds_numbers(None)
    (False, False, False)
    """
    if _is_number(X) or (isinstance(X, np.ndarray) and X.dtype.kind in "biufc"):
        return True
    if not isinstance(X, (list, tuple, np.ndarray)):
        return False
    return any(_is_number(s) for s in islice(_leading_symbols(X), _PROBE))


def _is_hashable(s):
    """A dict or a list among numbers is bad numeric input, not a token."""
    try:
        hash(s)
    except TypeError:
        return False
    return True


# --------------------------------------------------------------- reading X
def _sequence_list(X):
    """The sequences of ``X`` (a list, tuple or array), or an error."""
    if isinstance(X, np.ma.MaskedArray):
        raise ValueError(
            "X is a masked array; masked values are not tokens (pass a list of "
            "sequences of their present steps)."
        )
    if isinstance(X, np.ndarray):
        if X.ndim not in (1, 2, 3):
            raise ValueError(
                f"X has {X.ndim} dimensions; token input is a list of sequences "
                "or an array (n_sequences, n_steps[, n_columns])."
            )
        if X.ndim == 1 and X.dtype.kind != "O":
            raise ValueError(
                "X is a 1-D array of symbols; token input is a list of sequences "
                "(wrap a single sequence in a list: [X])."
            )
        X = list(X)
    elif not isinstance(X, (list, tuple)):
        raise TypeError(
            f"Expected a list of token sequences or a 2-D array of str; got "
            f"{type(X).__name__}."
        )
    if len(X) == 0:
        raise ValueError("X is empty: at least one token sequence is required.")
    return X


def _is_row(step):
    return isinstance(step, (list, tuple)) or (
        isinstance(step, np.ndarray) and step.ndim > 0
    )


def _array_columns(i, seq):
    """The columns of sequence ``i`` given as an array (ndim checked)."""
    if isinstance(seq, np.ma.MaskedArray):
        raise ValueError(
            f"Sequence {i} is a masked array; masked values are not tokens "
            "(pass only the present steps)."
        )
    if seq.ndim == 0 or seq.ndim > 2:
        raise ValueError(
            f"Sequence {i} has {seq.ndim} dimensions; a token sequence is "
            "(n_steps,) or (n_steps, n_columns)."
        )
    if seq.shape[0] == 0:
        raise ValueError(f"Sequence {i} is empty: every sequence needs a step.")
    if seq.ndim == 1:
        return [seq.tolist()]
    if seq.shape[1] == 0:
        raise ValueError(f"Sequence {i} has steps of 0 columns.")
    return seq.T.tolist()


def _row_columns(i, seq):
    """The columns of sequence ``i`` given as a list of rows."""
    rows = []
    for j, row in enumerate(seq):
        if isinstance(row, np.ma.MaskedArray):
            raise ValueError(
                f"Sequence {i}, step {j} is a masked array; masked values are "
                "not tokens."
            )
        if isinstance(row, np.ndarray):
            if row.ndim != 1:
                raise ValueError(
                    f"Sequence {i}, step {j} has {row.ndim} dimensions: "
                    "sequences of 3 or more dimensions are not token sequences."
                )
            row = row.tolist()
        rows.append(row)
    widths = [len(r) for r in rows]
    if min(widths) != max(widths):
        j = widths.index(max(widths) if widths[0] == min(widths) else min(widths))
        raise ValueError(
            f"Sequence {i} has steps of different numbers of columns: step 0 "
            f"has {widths[0]}, step {j} has {widths[j]}."
        )
    if widths[0] == 0:
        raise ValueError(f"Sequence {i} has steps of 0 columns.")
    return [list(c) for c in zip(*rows, strict=True)]


def _sequence_columns(i, seq):
    """``(columns, from_array)``: sequence ``i`` as a list of symbol lists.

    ``from_array`` tells that the symbols come from an array, whose items
    are symbols whatever they are (a tuple there is a token).
    """
    if isinstance(seq, np.ndarray):
        return _array_columns(i, seq), True
    if not isinstance(seq, (list, tuple)):
        raise TypeError(
            f"Sequence {i} is a {type(seq).__name__}, not a sequence of tokens: "
            "each sequence is a list or array of symbols (e.g. text.split() for "
            "words, list(text) for characters)."
        )
    if len(seq) == 0:
        raise ValueError(f"Sequence {i} is empty: every sequence needs a step.")
    types = set(map(type, seq))
    if not any(issubclass(t, (list, tuple, np.ndarray)) for t in types):
        return [list(seq)], False
    is_row = [_is_row(step) for step in seq]
    if all(is_row):
        return _row_columns(i, seq), False
    if any(is_row):
        j, m = is_row.index(False), is_row.index(True)
        raise ValueError(
            f"Sequence {i} mixes symbols and rows of columns: step {j} is a "
            f"{type(seq[j]).__name__}, step {m} a {type(seq[m]).__name__}."
        )
    return [list(seq)], True  # steps of 0-d arrays


def _symbol_or_raise(s, where, from_array):
    """The symbol ``s`` (a 0-d array unwrapped), or an error naming ``where``."""
    if isinstance(s, np.ma.MaskedArray):
        raise ValueError(f"{where} is a masked value; masked values are not tokens.")
    if isinstance(s, np.ndarray) and s.ndim == 0:
        s = s.item()
    if s is None:
        raise ValueError(
            f"{where} is None: missing values are not tokens (fill them with a "
            "symbol of your own, e.g. '<missing>')."
        )
    if _is_non_finite_number(s):
        raise ValueError(f"{where} is NaN or infinity, which is not a token.")
    if isinstance(s, (list, np.ndarray)) or (isinstance(s, tuple) and not from_array):
        raise ValueError(
            f"{where} is a {type(s).__name__}: items of 3 or more dimensions "
            "are not token sequences (a step is a symbol or a row of symbols)."
        )
    try:
        hash(s)
    except TypeError:
        raise TypeError(
            f"{where} is not a hashable symbol: a token of type "
            f"{type(s).__name__}: {s!r:.60}."
        ) from None
    return s


def _mixed_types(k, first, other, where):
    return ValueError(
        f"Column {k} holds tokens of mixed types: {_type_name(first)} and "
        f"{_type_name(other)} ({where}). All symbols of a column must have the "
        "same type, and numbers are never tokens."
    )


def _checked_symbols(col, i, k, expected, from_array):
    """Symbol by symbol: the column's symbols and their type, or an error."""
    col, token_type = list(col), expected
    for j, s in enumerate(col):
        where = f"Sequence {i}, step {j}, column {k}"
        col[j] = s = _symbol_or_raise(s, where, from_array)
        t = _TYPE_ALIASES.get(type(s), type(s))
        if _is_number(s):
            if token_type is None:  # a token further on makes them mixed
                other = next(
                    (x for x in col[j:] if x is not None and not _is_number(x)), None
                )
                token_type = _TYPE_ALIASES.get(type(other), type(other))
                token_type = None if other is None else token_type
            if token_type is None:
                raise ValueError(
                    f"Column {k} holds numbers ({_type_name(t)}, sequence {i}, "
                    f"step {j}), and numbers are never tokens: a column of "
                    "symbols holds no number (write them as str if they are "
                    "categories)."
                )
            raise _mixed_types(k, token_type, t, f"sequence {i}, step {j}")
        if token_type is None:
            token_type = t
        elif t is not token_type:
            raise _mixed_types(k, token_type, t, f"sequence {i}, step {j}")
    return col, token_type


def _checked_column(col, i, k, expected, from_array):
    """``(symbols, type)`` of column ``k`` of sequence ``i``, validated.

    A column of str (or of bytes) is checked at C speed, by its set of
    types; any other goes symbol by symbol.
    """
    types = set(map(type, col))
    if types <= _STR_TYPES:
        return col, str
    if types <= _BYTES_TYPES:
        return col, bytes
    return _checked_symbols(col, i, k, expected, from_array)


def _is_string_matrix(X):
    """A plain 2-D array of str or bytes: its symbols need no check."""
    return (
        isinstance(X, np.ndarray)
        and not isinstance(X, np.ma.MaskedArray)
        and X.ndim == 2
        and X.dtype.kind in "US"
    )


def read_token_sequences(X):
    """Read and validate token input.

    Parameters
    ----------
    X : list of sequences, list of 2-D arrays, or 2-D array of str
        One of the token forms of the module docstring.

    Returns
    -------
    columns : list of list
        One flat list of symbols per column, over all steps of all sequences
        (sequence after sequence).
    lengths : ndarray of intp, shape (n_sequences,)
        Number of steps of each sequence.

    Raises
    ------
    ValueError
        An empty X or sequence, None, NaN, a number among the tokens or
        symbols of several types in a column, steps of different numbers of
        columns, a masked array, items of 3 or more dimensions.
    TypeError
        An unhashable symbol, or a sequence that is not a list or array.

    Examples
    --------
    >>> read_token_sequences([[("the", "DET"), ("cat", "NOUN")], [("a", "DET")]])
    ([['the', 'cat', 'a'], ['DET', 'NOUN', 'DET']], array([2, 1]))
    """
    if _is_string_matrix(X):
        if X.size == 0:
            raise ValueError(f"X has shape {X.shape}: it needs sequences and steps.")
        return [X.ravel().tolist()], np.full(X.shape[0], X.shape[1], dtype=np.intp)
    columns, types, lengths = None, None, []
    for i, seq in enumerate(_sequence_list(X)):
        cols, from_array = _sequence_columns(i, seq)
        if columns is None:
            columns, types = [[] for _ in cols], [None] * len(cols)
        elif len(cols) != len(columns):
            raise ValueError(
                f"Sequence {i} has {len(cols)} column(s) per step but sequence 0 "
                f"has {len(columns)}: every step must have the same columns."
            )
        for k, col in enumerate(cols):
            expected = None if types[k] is None else types[k][0]
            col, t = _checked_column(col, i, k, expected, from_array)
            if expected is None:
                types[k] = (t, i)
            elif t is not expected:
                raise _mixed_types(
                    k, expected, t, f"sequence {types[k][1]} and sequence {i}"
                )
            columns[k].extend(col)
        lengths.append(len(cols[0]))
    return columns, np.array(lengths, dtype=np.intp)


# -------------------------------------------------------------- vocabulary
def _check_min_frequency(min_frequency):
    if isinstance(min_frequency, (bool, np.bool_)) or not isinstance(
        min_frequency, Real
    ):
        raise TypeError(
            "min_frequency must be an int >= 1 or a float in (0, 1); got "
            f"{type(min_frequency).__name__}."
        )
    if isinstance(min_frequency, Integral):
        if min_frequency < 1:
            raise ValueError(f"min_frequency must be >= 1; got {min_frequency}.")
    elif not 0 < min_frequency < 1:
        raise ValueError(
            "A float min_frequency is a fraction of the steps and must be in "
            f"(0, 1); got {min_frequency}."
        )


def _check_max_categories(max_categories):
    if max_categories is None:
        return
    if isinstance(max_categories, (bool, np.bool_)) or not isinstance(
        max_categories, Integral
    ):
        raise TypeError(
            "max_categories must be None or an int >= 1; got "
            f"{type(max_categories).__name__}."
        )
    if max_categories < 1:
        raise ValueError(f"max_categories must be >= 1; got {max_categories}.")


def _object_array(symbols):
    """A 1-D object array of ``symbols`` (tuples stay elements, never rows)."""
    array = np.empty(len(symbols), dtype=object)
    for i, symbol in enumerate(symbols):  # np.fromiter takes objects from NumPy 1.23
        array[i] = symbol
    return array


def _sorted_symbols(symbols):
    """The symbols sorted into an array, with the rules of ``build_vocabulary``.

    str stays str and bytes bytes when a typed array holds them exactly;
    anything else is an object array. Symbols without an order (plain
    enums) are sorted by their ``repr``.
    """
    array = _object_array(symbols)
    try:
        return build_vocabulary([array], char_level=False)
    except TypeError:  # no order between these symbols
        ordered = sorted(symbols, key=repr)
        return _object_array(ordered)


def _column_categories(column, min_frequency, max_categories):
    """``(kept, rare)`` sorted arrays of one column's symbols."""
    counts = Counter(column)
    if isinstance(min_frequency, Integral):
        threshold = min_frequency
    else:
        threshold = min_frequency * len(column)
    kept = _sorted_symbols([s for s, c in counts.items() if c >= threshold])
    rare = [s for s, c in counts.items() if c < threshold]
    if max_categories is not None and len(kept) > max_categories:
        frequency = np.array([counts[s] for s in kept.tolist()], dtype=np.int64)
        # most frequent first; the stable sort leaves ties in symbol order
        top = np.zeros(len(kept), dtype=bool)
        top[np.argsort(-frequency, kind="stable")[:max_categories]] = True
        rare += kept[~top].tolist()
        kept = kept[top]
    return kept, _sorted_symbols(rare)


def learn_categories(columns, min_frequency=1, max_categories=None):
    """Learn the vocabulary of each column.

    Parameters
    ----------
    columns : list of list
        The symbols of each column, as :func:`read_token_sequences` returns.
    min_frequency : int or float, default=1
        A symbol is kept if it occurs at least ``min_frequency`` times (int
        >= 1) or in at least that fraction of the column's steps (float in
        (0, 1)), as in :class:`~sklearn.preprocessing.OneHotEncoder`.
    max_categories : int, default=None
        Keep at most this many symbols per column, the most frequent (ties
        broken by symbol order); None: no limit. The unknown code is not
        counted.

    Returns
    -------
    categories : list of ndarray
        Each column's kept symbols, sorted; symbol ``categories[k][j]`` has
        code ``j + 1`` (0 is unknown).
    infrequent : list of ndarray
        Each column's other training symbols (dropped by ``min_frequency`` or
        ``max_categories``), sorted. They are encoded 0 without being
        unknown (see ``encode_tokens``).

    Examples
    --------
    >>> cats, rare = learn_categories([["b", "a", "c", "b", "a"]], max_categories=1)
    >>> cats, rare
    ([array(['a'], dtype='<U1')], [array(['b', 'c'], dtype='<U1')])
    """
    _check_min_frequency(min_frequency)
    _check_max_categories(max_categories)
    pairs = [_column_categories(c, min_frequency, max_categories) for c in columns]
    return [kept for kept, _ in pairs], [rare for _, rare in pairs]


def vocabulary_sizes(categories):
    """Number of codes of each column: its categories plus the unknown code.

    Parameters
    ----------
    categories : list of ndarray

    Returns
    -------
    list of int

    Examples
    --------
    >>> import numpy as np
    >>> vocabulary_sizes([np.array(["a", "b"]), np.array([], dtype=object)])
    [3, 1]
    """
    return [len(c) + 1 for c in categories]


# ---------------------------------------------------------------- encoding
def _codes_dtype(sizes):
    """int32 when every code fits, else int64."""
    if max(sizes, default=1) - 1 <= np.iinfo(np.int32).max:
        return np.dtype(np.int32)
    return np.dtype(np.int64)


def _encode_column(column, categories, dtype, infrequent, check):
    """The codes of one column, and its symbols unknown to the model.

    The unknown symbols (encoded 0, not in ``infrequent``) are only looked
    for when ``check``; the set is empty otherwise.
    """
    index = dict(zip(categories.tolist(), range(1, len(categories) + 1), strict=True))
    codes = np.fromiter(map(index.get, column, repeat(0)), dtype, count=len(column))
    if not check:
        return codes, set()
    unknown = {column[j] for j in np.flatnonzero(codes == 0).tolist()}
    if infrequent is not None:
        unknown.difference_update(infrequent.tolist())
    return codes, unknown


def _sorted_for_display(symbols):
    try:
        return sorted(symbols)
    except TypeError:
        return sorted(symbols, key=repr)


def _unknown_report(k, unknown):
    """One column's part of the message of unknown symbols."""
    shown = ", ".join(_shown(s) for s in _sorted_for_display(unknown)[:_MAX_SHOWN])
    more = len(unknown) - _MAX_SHOWN
    more = f" and {more} more" if more > 0 else ""
    return f"column {k}: {len(unknown)} ({shown}{more})"


def _unknown_error(reports):
    return ValueError(
        "Found symbols unknown to the model (never seen in fit), "
        f"{'; '.join(reports)}. Set handle_unknown='unknown' to encode them "
        "as the unknown code 0."
    )


def _check_encode_args(columns, lengths, categories, handle_unknown, infrequent):
    if handle_unknown not in ("unknown", "error"):
        raise ValueError(
            f"handle_unknown must be 'unknown' or 'error'; got {handle_unknown!r}."
        )
    if len(columns) != len(categories):
        raise ValueError(
            f"X has {len(columns)} token column(s) per step, but the categories "
            f"were learned on {len(categories)}."
        )
    if infrequent is not None and len(infrequent) != len(categories):
        raise ValueError("infrequent must have one array per column.")
    n_rows = int(np.sum(lengths))
    if any(len(c) != n_rows for c in columns):
        raise ValueError(f"Every column must hold sum(lengths) = {n_rows} symbols.")
    return n_rows


def encode_tokens(
    columns, lengths, categories, *, handle_unknown="unknown", infrequent=None
):
    """Encode the symbols of each column as integer codes.

    Parameters
    ----------
    columns : list of list
        The symbols of each column, as :func:`read_token_sequences` returns.
    lengths : array-like of int, shape (n_sequences,)
        Number of steps of each sequence.
    categories : list of ndarray
        Each column's vocabulary, from :func:`learn_categories`.
    handle_unknown : {'unknown', 'error'}, default='unknown'
        A symbol not in ``categories`` is encoded 0 (``'unknown'``), or
        raises a ValueError listing the unknown symbols (``'error'``); a
        symbol of ``infrequent`` is encoded 0 either way.
    infrequent : list of ndarray, default=None
        Each column's infrequent training symbols, from
        :func:`learn_categories`: known to the model, though encoded 0.

    Returns
    -------
    codes : Ragged
        Data of shape ``(n_rows, n_columns)``, int32 (int64 if a vocabulary
        exceeds int32); ``categories[k][j]`` is code ``j + 1``.
    n_unknown : ndarray of int64, shape (n_columns,)
        Number of steps of each column encoded 0 (unknown or infrequent).

    Examples
    --------
    >>> categories = [np.array(["a", "b"])]
    >>> codes, n_unknown = encode_tokens([["b", "z", "a"]], [2, 1], categories)
    >>> codes.data.T, codes.starts, n_unknown
    (array([[2, 0, 1]], dtype=int32), array([0, 2]), array([1]))
    >>> encode_tokens([["b", "z"]], [2], categories, handle_unknown="error")
    Traceback (most recent call last):
      ...
    ValueError: Found symbols unknown to the model (never seen in fit), column 0: ...
    """
    n_rows = _check_encode_args(
        columns, lengths, categories, handle_unknown, infrequent
    )
    lengths = np.asarray(lengths, dtype=np.intp)
    dtype = _codes_dtype(vocabulary_sizes(categories))
    data = np.empty((n_rows, len(columns)), dtype=dtype)
    reports = []
    for k, (column, cats) in enumerate(zip(columns, categories, strict=True)):
        rare = None if infrequent is None else infrequent[k]
        data[:, k], unknown = _encode_column(
            column, cats, dtype, rare, handle_unknown == "error"
        )
        if unknown:
            reports.append(_unknown_report(k, unknown))
    if reports:
        raise _unknown_error(reports)
    n_unknown = np.count_nonzero(data == 0, axis=0).astype(np.int64)
    return Ragged(data, np.cumsum(lengths) - lengths, lengths), n_unknown
