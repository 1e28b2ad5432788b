# SPDX-License-Identifier: BSD-3-Clause
"""Property-based tests: every public method of every estimator, on any input.

Hypothesis throws at every public method of every estimator (discovered with
:func:`skrnn.utils.discovery.all_estimators`) inputs of random shapes (0 to
4 dimensions, empty axes), dtypes (int, bool, float16/32/64, complex,
object, strings), NaN and infinity, ragged lists with mismatched feature
counts, unknown symbols, sequences longer than any seen in fit, masked
arrays with holes, and absurd hyperparameters; to TextTokenizer, lists
of documents with blank ones, bytes that are not UTF-8, missing values,
numbers and token lists among them; and to RNNClassifier, RNNRegressor and
RNNSequenceTagger, sequences of symbols (words) in every token form, of one
or two columns, with known, rare and unseen symbols, and with an empty
sequence, None, NaN, a number, an unhashable value or bytes among the str,
a step of another column count, a mask, a str for a sequence, or too many
dimensions; to RNNSeq2Seq, sources in each of its forms (str read as
characters, sequences of symbols, numeric sequences, one vector per sample)
and output sequences y in each of theirs (str, sequences of symbols in
lists, tuples, arrays or a table, one symbol per sample), valid or with one
thing wrong: another count, a str among sequences, an entry of 2 dimensions
or of nested sequences of different lengths, a symbol unseen in fit, the
other form than fit's, every output empty, a mask, or None, NaN, a number,
an unhashable value or bytes among the symbols. Every call must end in one
of two ways:

* a result of the right type and shape, with finite numbers; or
* a ``ValueError`` or ``TypeError`` (scikit-learn's ``InvalidParameterError``
  is a ``ValueError``) whose message is not empty and names the problem: it
  contains one of a few keywords chosen from what the generated input holds
  (``nan``/``inf`` for a NaN, ``complex`` for complex data, ``mask`` for a
  masked array, the parameter's name for a hyperparameter, ...). Token
  input has its own, stricter keywords (``describe_tokens``): ``empty``,
  ``none``/``missing``, ``mixed types``, ``numbers of columns``, ``mask``,
  ``unknown`` (handle_unknown='error'); and a model fitted on one kind of
  input (numbers or symbols) given the other says which it was fitted on.
  Output sequences have theirs too (``describe_outputs``); and what breaks
  the rules of token input or of output sequences must be refused, not
  only named when a call fails.

Never another exception, never a hang, and never a silently wrong answer:
an input holding NaN or infinity (outside a mask) never gives a result, a
label is that of finite probabilities, a failed ``partial_fit`` leaves the
fitted model as it was, data under a mask is never read (other data there
gives the same result), an ignored unknown symbol is the same as no symbol,
a number's dtype never changes a prediction, a symbol unseen in fit gives
exactly what a rare one of fit gives (both read as the unknown code), and
a token sequence's outputs do not depend on the order or form of X, an
encoder-decoder's outputs are of its symbols, no longer than max_length and
of finite probability, and its score is the fraction of outputs equal to
y's. The only non-finite results allowed are the float values of finite
quantities past the float range: an R^2 of -inf, a perplexity of inf, a
log-probability of -inf (a probability that underflowed to 0).

The properties: any input to every fit-side method (fit, partial_fit,
fit_transform, with any y and sample_weight) and to every inference method
of 29 fitted models (5 fitted on symbols); near-valid token input to the
fit-side methods of the supervised estimators, whose vocabularies must be
the symbols seen at least min_frequency times; the other kind of input to
every method of a fitted model; absurd hyperparameters through set_params, then fit,
every value drawn tried, on a machine of 64 MiB (``SMALL_MACHINE``: a value
asking for more memory must get an error naming it); absurd arguments of
generate, predict_n_best and sample; y and sample_weight of any dtype and
value;
sequences longer and values larger than any seen (relu cells, whose state
can overflow); and the silent-answer properties above.

The budgets are fixed and the examples derandomized (``derandomize=True``,
no example database), so CI runs the same examples every time: at most 27,650
examples, some 85 s on two cores. No health check is suppressed. Each bug
the properties found has a plain regression test at the end of the file
(RNNSeq2Seq's at the end of tests/test_seq2seq.py), with the example it was
found on.
"""

import copy
import re
import warnings
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from numbers import Integral, Number, Real
from unittest import mock

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import (
    ConvergenceWarning,
    DataConversionWarning,
    UndefinedMetricWarning,
)
from sklearn.feature_extraction.text import CountVectorizer

from skrnn import (
    CharRNNGenerator,
    OneHotCharEncoder,
    RNNClassifier,
    RNNRegressor,
    RNNSeq2Seq,
    RNNSequenceTagger,
    SlidingWindowTransformer,
    TextTokenizer,
    sliding_windows,
)
from skrnn._categorical import _object_array, is_token_input
from skrnn._sequences import check_X_forms
from skrnn._text import DEFAULT_TOKEN_PATTERN
from skrnn._training import NonFiniteError
from skrnn.utils.discovery import all_estimators

pytestmark = [
    pytest.mark.filterwarnings("ignore", category=ConvergenceWarning),
    pytest.mark.filterwarnings("ignore", category=DataConversionWarning),
    pytest.mark.filterwarnings("ignore", category=UndefinedMetricWarning),
]


def budget(n):
    """Fixed, derandomized hypothesis settings with ``n`` examples."""
    return settings(max_examples=n, deadline=None, derandomize=True, database=None)


#: Tiny networks: every fit is one epoch of a 4-unit network.
SMALL = dict(hidden_size=4, max_iter=1, random_state=0)

#: Per estimator: how its inputs look, and its public methods by side.
SPECS = {
    "RNNClassifier": dict(
        kind="numeric",
        fit=("fit", "partial_fit"),
        infer=("predict", "predict_proba", "predict_log_proba", "score"),
    ),
    "RNNRegressor": dict(
        kind="numeric", fit=("fit", "partial_fit"), infer=("predict", "score")
    ),
    "RNNSequenceTagger": dict(
        kind="numeric",
        fit=("fit", "partial_fit"),
        infer=("predict", "predict_proba", "predict_log_proba", "score"),
    ),
    "CharRNNGenerator": dict(
        kind="tokens",
        fit=("fit", "partial_fit"),
        infer=(
            "predict",
            "predict_proba",
            "predict_log_proba",
            "score",
            "perplexity",
            "generate",
        ),
    ),
    "OneHotCharEncoder": dict(
        kind="tokens",
        fit=("fit", "fit_transform"),
        infer=("transform", "inverse_transform"),
    ),
    "SlidingWindowTransformer": dict(
        kind="table", fit=("fit", "fit_transform"), infer=("transform",)
    ),
    # documents (str): text is its input, not a problem of it
    "TextTokenizer": dict(
        kind="text", fit=("fit", "fit_transform"), infer=("transform",)
    ),
    # sources (sequences, or vectors) and output sequences
    "RNNSeq2Seq": dict(
        kind="seq2seq",
        fit=("fit", "partial_fit", "fit_transform"),
        infer=(
            "predict",
            "predict_n_best",
            "sample",
            "log_likelihood",
            "attention_weights",
            "score",
            "transform",
        ),
    ),
}
ESTIMATORS = dict(all_estimators())
NAMES = sorted(ESTIMATORS)
#: The estimators that read numeric or token sequences.
SUPERVISED = {"RNNClassifier", "RNNRegressor", "RNNSequenceTagger"}


def make(name, **params):
    cls = ESTIMATORS[name]
    own = cls().get_params()
    small = {k: v for k, v in SMALL.items() if k in own}
    if "seq_length" in own:
        small["seq_length"] = 3
    if name == "SlidingWindowTransformer":
        small["seq_length"] = 2
    return cls(**{**small, **params})


def test_every_estimator_and_public_method_is_covered():
    """The specs cover every public estimator and every public method."""
    assert set(SPECS) == set(ESTIMATORS)
    for name, cls in ESTIMATORS.items():
        public = {
            m
            for m in dir(cls)
            if not m.startswith(("_", "get_", "set_"))
            and callable(getattr(cls, m, None))
        }
        spec = SPECS[name]
        assert public == set(spec["fit"] + spec["infer"])


# --------------------------------------------------------------- strategies
DTYPES = [
    np.int64,
    np.bool_,
    np.float16,
    np.float32,
    np.float64,
    np.complex128,
    np.object_,
    np.dtype("<U2"),
]
#: Symbols seen in fit are "a", "b", "c" (and 0, 1, 2); the rest are unknown.
ALPHABET = "abcdxyz é\U0001f600"


def _elements(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return st.floats(width=8 * dtype.itemsize)  # NaN and inf included
    if dtype.kind == "c":
        return st.complex_numbers(width=128)
    if dtype.kind == "O":
        return st.one_of(
            st.integers(-3, 3),
            st.floats(),
            st.text(ALPHABET, max_size=2),
            st.none(),
            st.booleans(),
            OTHER_NUMBERS,
        )
    if dtype.kind == "U":
        return st.text(ALPHABET.replace("\U0001f600", ""), max_size=2)
    return None  # hypothesis's default for int and bool


@st.composite
def arrays(draw, min_dims=0, max_dims=4, dtypes=DTYPES, max_side=3):
    """Any array: 0 to 4 dimensions, empty axes, every dtype, NaN and inf."""
    dtype = draw(st.sampled_from(dtypes))
    shape = draw(
        hnp.array_shapes(
            min_dims=min_dims, max_dims=max_dims, min_side=0, max_side=max_side
        )
    )
    return draw(hnp.arrays(dtype, shape, elements=_elements(dtype)))


@st.composite
def ragged_lists(draw):
    """Lists of arrays: variable lengths, mismatched feature counts, empties."""
    n = draw(st.integers(1, 4))
    return [
        draw(
            hnp.arrays(
                draw(st.sampled_from([np.float64, np.float32, np.int64, np.bool_])),
                hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=4),
                elements=None,
            )
            if draw(st.booleans())
            else arrays(min_dims=0, max_dims=3)
        )
        for _ in range(n)
    ]


@st.composite
def masked_arrays(draw):
    """Masked 2-D/3-D arrays: holes, partial steps, whole rows masked."""
    data = draw(
        arrays(
            min_dims=2,
            max_dims=3,
            dtypes=[np.float64, np.float32, np.int64, np.object_],
        )
    )
    mode = draw(st.sampled_from(["random", "steps", "leading"]))
    if mode == "random" or data.ndim == 2:
        mask = draw(hnp.arrays(np.bool_, data.shape))
    else:
        n, T = data.shape[:2]
        if mode == "steps":
            steps = draw(hnp.arrays(np.bool_, (n, T)))
        else:  # what SlidingWindowTransformer gives: leading steps masked
            k = draw(st.integers(0, T))
            steps = np.arange(T)[None, :].repeat(n, axis=0) < k
        mask = np.repeat(steps[:, :, None], data.shape[2], axis=2)
    return np.ma.MaskedArray(data, mask=mask)


#: Numbers of other types, finite or not (NumPy scalars, Decimal, Fraction).
OTHER_NUMBERS = st.sampled_from(
    [
        np.float32(np.nan),
        np.float16(np.inf),
        np.float32(1.5),
        np.int8(2),
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("1.5"),
        Fraction(1, 3),
        complex("nan"),
    ]
)
TOKENS = st.one_of(
    st.sampled_from(["a", "b", "c", "x", "é", ""]),
    st.integers(-1, 3),
    st.floats(),
    st.booleans(),
    st.none(),
    st.complex_numbers(max_magnitude=2),
    OTHER_NUMBERS,
)
TEXT = st.text(ALPHABET, max_size=6)

#: Inputs of the wrong Python type altogether.
WRONG_TYPES = st.sampled_from(
    [None, 3, 2.5, 1j, b"abc", {"a": 1}, {1, 2}, object(), np.float64(1.0), range(3)]
)

ANY_X = st.one_of(
    arrays(),
    ragged_lists(),
    masked_arrays(),
    TEXT,
    st.lists(TEXT, max_size=4),
    st.lists(st.lists(TOKENS, max_size=5), max_size=4),
    st.lists(st.one_of(TEXT, st.lists(TOKENS, max_size=3), TOKENS), max_size=3),
    WRONG_TYPES,
)


@st.composite
def valid_numeric(draw, n_features=2, form=None, max_len=5):
    """Valid numeric sequences in one of the input forms, and their lengths."""
    form = form or draw(st.sampled_from(["3d", "2d", "list", "masked"]))
    n = draw(st.integers(1, 4))
    values = st.floats(-3, 3, width=32)
    if form == "list":
        lengths = draw(st.lists(st.integers(1, max_len), min_size=n, max_size=n))
        X = [
            draw(hnp.arrays(np.float64, (k, n_features), elements=values))
            if n_features > 1 or draw(st.booleans())
            else draw(hnp.arrays(np.float64, (k,), elements=values))
            for k in lengths
        ]
        return X, lengths
    T = draw(st.integers(1, max_len))
    shape = (n, T) if form == "2d" else (n, T, n_features)
    X = draw(hnp.arrays(np.float64, shape, elements=values))
    if form != "masked":
        return X, [T] * n
    first = draw(st.lists(st.integers(0, T - 1), min_size=n, max_size=n))
    steps = np.arange(T)[None, :] < np.array(first)[:, None]
    X = np.ma.MaskedArray(X, mask=np.repeat(steps[:, :, None], n_features, axis=2))
    return X, [T - f for f in first]


# ------------------------------------------------------ what an input holds
def _array_tags(a):
    """Problems of an array's values (not of its shape)."""
    tags = set()
    kind = a.dtype.kind
    if kind == "c":
        tags.add("complex")
    elif kind in "US":
        tags.add("text")
    elif kind == "O":
        tags.add("object")
        for v in a.flat:
            if isinstance(v, np.ndarray):  # an array inside an object array
                tags |= _array_tags(v) | {"shape"}
            elif isinstance(v, str):
                tags.add("text")
            elif isinstance(v, complex):
                tags |= {"complex"} if np.isfinite(v) else {"complex", "nonfinite"}
            elif v is None:
                tags.add("none")
            else:
                try:  # numbers of any kind (Fraction, Decimal, ...)
                    if not np.isfinite(float(v)):
                        tags.add("nonfinite")
                except (TypeError, ValueError):
                    tags.add("type")
                if not isinstance(v, Real):
                    tags.add("type")
    elif kind == "f" and not np.isfinite(a).all():
        tags.add("nonfinite")
    if kind in "fO":
        numbers = [v for v in a.flat if isinstance(v, Real) and np.isfinite(float(v))]
        with np.errstate(over="ignore"):
            if np.isinf(np.asarray(numbers, dtype=np.float32)).any():
                tags.add("large")  # finite, but infinite in float32
    if kind == "c" and not np.isfinite(a).all():
        tags.add("nonfinite")
    return tags


def _holds_nonfinite_number(item):
    """Whether nested lists hold a NaN or infinite number (of any type)."""
    if isinstance(item, (list, tuple)):
        return any(_holds_nonfinite_number(v) for v in item)
    if isinstance(item, (str, bytes, np.ndarray)) or not isinstance(item, Number):
        return False
    try:
        return not np.isfinite(complex(item))
    except ValueError:  # Decimal('sNaN')
        return True
    except (TypeError, OverflowError):
        return False


def describe(X):
    """The set of tags of what is unusual about ``X`` (see KEYWORDS)."""
    tags = set()
    if isinstance(X, np.ma.MaskedArray):
        tags |= {"mask", "shape"} if X.ndim not in (2, 3) else {"mask"}
        if 0 in X.shape:
            tags.add("empty")
        tags |= _array_tags(np.ma.getdata(X)[~np.ma.getmaskarray(X)])
        if np.ma.getdata(X).dtype.kind == "O":
            tags.add("object")
    elif isinstance(X, np.ndarray):
        if X.ndim not in (2, 3):
            tags.add("shape")
        if 0 in X.shape:
            tags.add("empty")
        tags |= _array_tags(X)
    elif isinstance(X, str):
        tags.add("text")
        if not X:
            tags.add("empty")
    elif isinstance(X, (list, tuple)):
        if not X:
            tags |= {"empty", "shape"}  # as an array: 1-D
        features, lengths = set(), set()
        for item in X:
            if isinstance(item, str):
                tags |= {"text", "empty"} if not item else {"text"}
                continue
            if not isinstance(item, (list, tuple, np.ndarray)):
                tags.add("scalar")  # a bare token or number, not a sequence
            if isinstance(item, np.ma.MaskedArray) and np.ma.getmaskarray(item).any():
                tags.add("mask")  # a masked sequence of the list: refused
            try:
                a = np.asarray(item)
            except ValueError:
                tags.add("ragged")
                a = np.asarray(item, dtype=object).reshape(-1)
            if a.ndim == 0 or a.ndim > 2:
                tags.add("shape")
            if 0 in a.shape:
                tags.add("empty")
            features.add(a.shape[1] if a.ndim == 2 else 1)
            lengths.add(a.shape[0] if a.ndim else None)
            tags |= _array_tags(a)
            if a.dtype.kind in "US" and _holds_nonfinite_number(item):
                tags.add("nonfinite")  # NumPy made the number a str ('nan')
        if any(isinstance(i, str) for i in X) and features:
            lengths.add("str")  # sequences of two kinds
        if len(features) > 1 or len(lengths) > 1:
            tags.add("ragged")  # as a table: rows of different lengths
    else:
        tags.add("type")
        try:
            tags |= _array_tags(np.asarray(X))
        except (TypeError, ValueError):
            pass
    return tags


def describe_text(X):
    """The tags of what TextTokenizer cannot take in ``X`` (see KEYWORDS).

    Text is its input: describe's "text" (symbols where numbers are expected)
    and "ragged" (sequences of different lengths) are not problems here. X
    must be a 1-D iterable of documents, each a str, or bytes valid in UTF-8
    (the default encoding), that holds a token: with the default
    token_pattern, every character but white space is one, so a document
    has none if it is blank.
    """
    if isinstance(X, (str, bytes, dict, set)):
        return {"type"}
    if len(getattr(X, "shape", (0,))) != 1:
        return {"shape"}
    try:
        documents = list(X)
    except TypeError:
        return {"type"}
    if not documents:
        return {"empty"}
    tags = set()
    for doc in documents:
        if isinstance(doc, bytes):
            try:
                doc = doc.decode("utf-8")
            except UnicodeDecodeError:
                tags.add("encoding")
                continue
        if not isinstance(doc, str):
            tags.add("type")  # None, NaN, a number, a token list, masked
        elif not doc.strip():
            tags.add("empty")  # no token
    return tags


_TYPE_ALIASES = {np.str_: str, np.bytes_: bytes}


def _symbol_tags(s, from_array):
    """What makes ``s`` no symbol (see describe_tokens); empty if it is one."""
    if isinstance(s, np.ma.MaskedArray):  # np.ma.masked, or a masked array
        return {"t-mask"}
    if isinstance(s, np.ndarray) and s.ndim == 0:
        s = s.item()
    if s is None:
        return {"t-missing"}
    if isinstance(s, (Number, np.bool_)):
        try:
            finite = bool(np.isfinite(complex(s)))
        except ValueError:  # Decimal('sNaN')
            finite = False
        except (TypeError, OverflowError):  # an int past float
            finite = True
        return {"t-number"} if finite else {"t-nonfinite"}
    # a tuple in an array is a symbol; in a list, a step of columns
    if isinstance(s, (list, np.ndarray)) or (isinstance(s, tuple) and not from_array):
        return {"t-dims"}
    try:
        hash(s)
    except TypeError:
        return {"t-unhashable"}
    return set()


def _token_rows(seq, tags):
    """``(rows, from_array)`` of one token sequence, or None (its problem in
    ``tags``): a row is the list of a step's symbols, one per column."""
    if isinstance(seq, np.ma.MaskedArray):
        tags.add("t-mask")
        return None
    if isinstance(seq, np.ndarray):
        if seq.ndim not in (1, 2):
            tags.add("t-dims")
        elif len(seq) == 0:
            tags.add("t-empty")
        else:
            rows = seq.tolist()
            return ([[x] for x in rows] if seq.ndim == 1 else rows), True
        return None
    if not isinstance(seq, (list, tuple)):
        tags.add("t-sequence")  # a str, a number, None...
        return None
    if not seq:
        tags.add("t-empty")
        return None
    is_row = [
        isinstance(x, (list, tuple)) or (isinstance(x, np.ndarray) and x.ndim > 0)
        for x in seq
    ]
    if not any(is_row):
        return [[x] for x in seq], False
    if not all(is_row):
        tags.add("t-row")
        return None
    rows = []
    for row in seq:
        if isinstance(row, np.ma.MaskedArray):
            tags.add("t-mask")
            return None
        if isinstance(row, np.ndarray) and row.ndim != 1:
            tags.add("t-dims")
            return None
        rows.append(list(row))
    return rows, False


def describe_tokens(X, est=None):
    """The tags of what makes ``X`` no valid token input (see KEYWORDS,
    "t-..."), by the rules of docs/input_forms.rst; against a fitted
    ``est``, also another number of columns than fit's, and unseen symbols
    if it refuses them (handle_unknown='error').

    Every problem present is tagged: the reader names the first it meets.
    """
    if isinstance(X, np.ma.MaskedArray):
        return {"t-mask"}
    if isinstance(X, np.ndarray):
        if X.ndim not in (1, 2, 3) or (X.ndim == 1 and X.dtype.kind != "O"):
            return {"t-dims"}
        sequences = list(X)
    elif isinstance(X, (list, tuple)):
        sequences = list(X)
    else:
        return {"t-type"}
    if not sequences:
        return {"t-empty"}
    tags, width, columns = set(), None, []
    for seq in sequences:
        read = _token_rows(seq, tags)
        if read is None:
            continue
        rows, from_array = read
        widths = {len(row) for row in rows}
        if len(widths) > 1 or (width is not None and widths != {width}):
            tags.add("t-columns")
            continue
        if widths == {0}:
            tags.add("t-empty")  # steps of 0 columns
            continue
        width = widths.pop()
        columns = columns or [[] for _ in range(width)]
        for k, column in enumerate(zip(*rows, strict=True)):
            for s in column:
                problems = _symbol_tags(s, from_array)
                tags |= problems
                if not problems:
                    s = s.item() if isinstance(s, np.ndarray) else s
                    columns[k].append(s)
    for column in columns:  # all of one type (str and np.str_ are one)
        if len({_TYPE_ALIASES.get(type(s), type(s)) for s in column}) > 1:
            tags.add("t-mixed")
    if est is not None and width is not None:
        if width != est.n_features_per_step_:
            tags.add("t-width")
        elif est.handle_unknown == "error":
            for column, seen, rare in zip(
                columns, est.categories_, est.infrequent_categories_, strict=True
            ):
                if set(column) - set(seen.tolist()) - set(rare.tolist()):
                    tags.add("t-unknown")
    return tags


def _holds_a_number(X):
    """Whether X holds a number anywhere (or is a numeric array)."""
    if isinstance(X, np.ndarray):
        if X.dtype.kind in "biufc":
            return True
        return X.dtype.kind == "O" and any(_holds_a_number(x) for x in X.flat)
    if isinstance(X, (list, tuple)):
        return any(_holds_a_number(x) for x in X)
    return isinstance(X, (Number, np.bool_))


def describe_supervised(est, X):
    """The tags of ``X`` given to the fitted supervised ``est`` when X or
    the fit is token input; else None (describe_for's tags apply).

    A model refuses the other kind of input at once, saying which it was
    fitted on; an X that holds neither numbers nor symbols (None, a str,
    empty sequences) given to a model of symbols is read as token input,
    and its problem named.
    """
    tokens = is_token_input(X)
    fitted_tokens = getattr(est, "_fit_X_form", None) == "tokens"
    if not (tokens or fitted_tokens):
        return None
    if not fitted_tokens:
        return {"t-kind-numeric"}
    tags = describe_tokens(X, est)
    if not tokens and _holds_a_number(X):
        tags.add("t-kind-tokens")
    return tags


# RNNSeq2Seq: sources (X) and output sequences (y)
def as_characters(X):
    """``X`` as RNNSeq2Seq reads its sources: a list (or tuple) of str is
    sequences of characters, anything else what it is."""
    if isinstance(X, (list, tuple)) and X and all(isinstance(x, str) for x in X):
        return [list(x) for x in X]
    return X


def describe_sources(X, est=None, vector_input=False):
    """The tags of the sources ``X`` of RNNSeq2Seq (fitted ``est``, or a fit
    with ``vector_input``).

    Sequences are read as by the supervised estimators once a list of str
    is made sequences of characters; one vector per sample must make a 2-D
    array (of the fitted width).
    """
    if est is not None:
        vector_input = est._fit_X_form == "vectors"
    if vector_input:
        tags = describe(X)
        try:
            a = np.asarray(X)
        except ValueError:
            return tags | {"ragged"}
        if a.ndim != 2:
            tags.add("shape")
        elif est is not None and a.shape[1] != est.n_features_in_:
            tags.add("width")
        return tags
    X = as_characters(X)
    if est is not None:
        tags = describe_supervised(est, X)
        if tags is None:
            tags = describe(X) | {"width"}
    elif is_token_input(X):
        return describe_tokens(X)
    else:
        tags = describe(X)
    if isinstance(X, str):
        tags.add("shape")  # a scalar where sequences are expected
    return tags


#: What NumPy < 1.24 warns (where newer NumPy raises) for ragged nesting.
_RAGGED_WARNING = getattr(np, "exceptions", np).VisibleDeprecationWarning


def _ndim(value):
    """``np.ndim(value)``, None for nested sequences of different lengths
    (on every NumPy: older ones only warn about those)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", _RAGGED_WARNING)
        try:
            return np.ndim(value)
        except (ValueError, _RAGGED_WARNING):
            return None


def _output_symbol_tags(s, symbols):
    """What makes ``s`` no output symbol (empty if it is one: then kept in
    ``symbols``)."""
    if isinstance(s, np.ma.MaskedArray):
        return {"o-mask"}
    if isinstance(s, np.ndarray) and s.ndim == 0:
        s = s.item()
    if isinstance(s, Number) and _holds_nonfinite_number(s):
        return {"o-nonfinite"}
    try:
        hash(s)
    except TypeError:
        return {"o-unhashable"}
    symbols.append(s)
    return set()


def describe_outputs(y, n, est=None, seen=True):
    """The tags ("o-...") of what makes ``y`` no output sequences of ``n``
    samples of RNNSeq2Seq, by the rules of its ``fit``: one entry per
    sample, all str (characters), all sequences of symbols (lists, tuples,
    1-D arrays), or all one symbol (scalars that are not str); the symbols
    hashable, neither NaN nor infinite nor masked, of types that sort
    together. A fit that learns the vocabulary (no ``est``) needs one symbol
    at least; against a fitted ``est``, y has the form of fit's y and, if
    ``seen``, symbols of its ``target_vocabulary_`` only.
    """
    if isinstance(y, np.ma.MaskedArray) and np.ma.getmaskarray(y).any():
        return {"o-mask"}
    if isinstance(y, (list, tuple)):
        entries = list(y)
    elif isinstance(y, str) or np.asarray(y, dtype=object).ndim == 0:
        return {"o-type"}
    else:
        entries = list(np.asarray(y, dtype=object))
    tags = set() if len(entries) == n else {"o-count"}
    is_str = [isinstance(v, str) for v in entries]
    if all(is_str):
        form, sequences = "chars", [list(v) for v in entries]
    elif not any(is_str) and all(_ndim(v) == 0 for v in entries):
        form, sequences = "symbols", [[v] for v in entries]
    elif not any(is_str) and all(_ndim(v) == 1 for v in entries):
        form, sequences = "tokens", []
        for v in entries:
            if isinstance(v, np.ma.MaskedArray) and np.ma.getmaskarray(v).any():
                tags.add("o-mask")
            sequences.append(list(v))
    else:
        return tags | {"o-mixed"}
    symbols = []
    for sequence in sequences:
        for s in sequence:
            tags |= _output_symbol_tags(s, symbols)
    try:
        sorted(set(symbols))
    except TypeError:
        tags.add("o-sort")
    if est is None:
        if not any(sequences):
            tags.add("o-empty")
    elif form != est._target_form:
        tags.add("o-form")
    elif seen and set(symbols) - set(est.target_vocabulary_.tolist()):
        tags.add("o-unseen")
    return tags


def refused_tags(tags):
    """Those of ``tags`` that a call must refuse, not only name when it
    fails: NaN or infinity, and what breaks the rules of token input or of
    output sequences."""
    return {t for t in tags if t.startswith(("t-", "o-"))} | (tags & {"nonfinite"})


#: Regular expressions (searched in the lowercased message) that name each
#: kind of problem. A message must match one of those of the input's tags.
KEYWORDS = {
    "nonfinite": r"nan|inf|finite",
    "complex": r"complex",
    "text": r"str|numeric|symbol|token|convert|dtype|char|sort|float",
    "object": r"object|numeric|dtype|convert|type|symbol|token|sort",
    "type": r"type|expected|none|iterable|str\b|sequence|convert|numeric|scalar"
    r"|symbol|token|sort|dict|set\b|bytes|int\b|float|complex|range|object",
    "large": r"too large|float32|float64",
    "weight": r"sample_weight|weight|\bdim\b|shape",
    "seed": r"seed",
    "overflow": r"overflow",
    "none": r"none|nan|missing|type|numeric|sort|symbol|token",  # None reads as NaN
    "scalar": r"sequence|token|dimension|shape|scalar|iterable|len\(",
    # (numpy's "setting an array element with a sequence": an array in an
    # object array where a number should be)
    "shape": r"dimension|\bdim\b|\dd\b|\d-d\b|shape|scalar|reshape|not a sequence"
    r"|element with a sequence",
    "empty": r"empty|\b0\b|at least|fewer|no document|no step|minimum",
    "ragged": r"feature|inhomogeneous|shape|sequence|dimension",
    "mask": r"mask",
    "width": r"feature|width|steps|categor",  # against what fit saw
    "kind": r"characters|tokens|kind",  # char model given tokens, or back
    "unknown": r"unknown",
    "encoding": r"encoding|decode|codec",  # bytes that are not valid UTF-8
    "y": r"\by\b|y_true|label|target|class|sample|entries|output|values|steps"
    r"|\bdim\b|shape",
    # Token input (describe_tokens). Every message there says "token", and
    # most name a sequence, step and column ("Sequence 0, step 1, column 0
    # is None"), so each problem has its own words.
    "t-empty": r"empty|\b0 columns|shape \([^)]*\b0\b",
    "t-missing": r"none|missing",
    "t-nonfinite": r"nan|infinity",
    # a number's type named, as one of mixed types or of a column of numbers
    "t-number": r"holds numbers|mixed types: \w+ and (bool|int|float|complex"
    r"|fraction|decimal)",
    "t-mixed": r"mixed types",
    "t-unhashable": r"hashable",
    "t-row": r"rows of columns",  # a step of several columns among symbols
    "t-columns": r"numbers of columns|column\(s\) per step",
    "t-dims": r"dimension|1-d",
    "t-mask": r"mask",
    "t-sequence": r"not a sequence",  # a str or a scalar for a sequence
    "t-type": r"expected a list",  # X itself is no list, tuple or array
    "t-width": r"column\(s\) per step",  # against the columns of fit
    "t-unknown": r"unknown",  # handle_unknown='error'
    "t-kind-tokens": r"fitted on token",  # numbers to a model of symbols
    "t-kind-numeric": r"fitted on numeric",  # symbols to a model of numbers
    # Output sequences of RNNSeq2Seq (describe_outputs)
    "o-type": r"y must be a list|requires y",
    "o-count": r"y has \d+ output sequences",
    "o-mixed": r"is not a sequence of symbols",
    "o-mask": r"mask",
    "o-nonfinite": r"nan|infinity",
    "o-unhashable": r"hashable",
    "o-sort": r"cannot be sorted",
    "o-empty": r"every sequence of y is empty",
    "o-form": r"fitted on y of",
    "o-unseen": r"no output for",
    "no-attention": r"no attention",  # attention_weights of a model without
    "vocabulary": r"target_vocabulary|no output for",  # partial_fit's argument
}


def assert_names_problem(exc, tags, extra=()):
    """``exc`` is a ValueError/TypeError whose message names one of ``tags``."""
    assert isinstance(exc, (ValueError, TypeError)), repr(exc)
    message = str(exc).lower()
    assert message.strip(), f"empty message: {exc!r}"
    patterns = [KEYWORDS[t] for t in tags] + [re.escape(e.lower()) for e in extra]
    if isinstance(exc, NonFiniteError) and "large" not in tags:
        # training diverged on representable numbers: it says so (a value
        # too large for the dtype must be named before training)
        patterns.append("non-finite")
    assert patterns, f"error on an input with nothing wrong: {exc!r}"
    assert re.search("|".join(patterns), message), (
        f"{type(exc).__name__}({str(exc)!r}) names none of {sorted(tags)}"
        f"{list(extra) or ''}"
    )


def call(f, *args, **kwargs):
    """``(result, None)`` or ``(None, exception)``; other exceptions escape."""
    try:
        return f(*args, **kwargs), None
    except (ValueError, TypeError) as exc:
        return None, exc


def n_sequences(X):
    if isinstance(X, str):
        return 1
    if isinstance(X, np.ndarray):
        return X.shape[0] if X.ndim else 1
    try:
        return len(X)
    except TypeError:
        return 1


def _is_list_form(X):
    """A list of sequences (a tuple, or a 1-D object array of token sequences)."""
    return isinstance(X, (list, tuple)) or (isinstance(X, np.ndarray) and X.ndim == 1)


def sequence_lengths(X):
    """Steps of each sequence of a valid X (masked steps excluded)."""
    if isinstance(X, np.ma.MaskedArray):
        mask = np.ma.getmaskarray(X)
        return (~(mask.all(axis=2) if X.ndim == 3 else mask)).sum(axis=1).tolist()
    if _is_list_form(X):
        return [len(x) for x in X]
    return [X.shape[1]] * X.shape[0]


# ------------------------------------------------------------ fitted models
_rng = np.random.default_rng(0)
_X3 = _rng.standard_normal((6, 3, 2))
_X2 = _rng.standard_normal((6, 3))
_X1 = [_rng.standard_normal(k) for k in (2, 3, 4, 2, 3, 1)]
_Y = np.array([0, 1] * 3)
#: Documents, one as UTF-8 bytes.
_DOCS = [
    "To be, or not to be?",
    "That is the question.",
    "caf\u00e9 cr\u00e8me".encode(),
]
#: Token sequences: "a", "b" and "c" are frequent, "r" is seen once (an
#: infrequent category with the default min_frequency=2); any other symbol
#: is unseen.
_WORDS = [
    ["a", "b", "a"],
    ["c", "a"],
    ["b", "c", "r"],
    ["a"],
    ["b", "b"],
    ["c", "a", "b", "c"],
]
#: Two columns per step: the word, and its class ("R", of "r", seen once).
_CLASS = {"a": "V", "b": "C", "c": "C", "r": "R"}
_WORDS2 = [np.array([[w, _CLASS[w]] for w in s]) for s in _WORDS]
#: RNNSeq2Seq's sources as str (the words of _WORDS), and outputs: each
#: reversed; the classes of _WORDS2's words; and captions of _X2's rows.
_STRINGS = ["".join(s) for s in _WORDS]
_REVERSED = [w[::-1] for w in _STRINGS]
_CLASSES = [[_CLASS[w] for w in s] for s in _WORDS]
_CAPTIONS = ["ab", "b", "", "ba", "a", "abb"]
#: Targets of _X3 for each supervised estimator.
FIT_Y = {
    "RNNClassifier": _Y,
    "RNNRegressor": _X3[:, 0, 0],
    "RNNSequenceTagger": (_X3[:, :, 0] > 0).astype(int),
}

#: How each module-level fitted model is made, on small valid data.
FITS = {
    "RNNClassifier-3d": lambda: make("RNNClassifier").fit(_X3, _Y),
    "RNNClassifier-2d": lambda: make("RNNClassifier").fit(_X2, _Y),
    "RNNClassifier-list": lambda: make("RNNClassifier").fit(_X1, ["u", "v"] * 3),
    "RNNRegressor-3d": lambda: make("RNNRegressor").fit(_X3, FIT_Y["RNNRegressor"]),
    "RNNRegressor-2d": lambda: make("RNNRegressor").fit(_X2, _X2[:, :2]),
    "RNNSequenceTagger-3d": lambda: make("RNNSequenceTagger").fit(
        _X3, FIT_Y["RNNSequenceTagger"]
    ),
    "RNNSequenceTagger-one-to-one": lambda: make("RNNSequenceTagger").fit(_X2, _Y),
    "RNNSequenceTagger-list": lambda: make("RNNSequenceTagger").fit(
        _X1, [(x > 0).astype(int) for x in _X1]
    ),
    # token input: one column, direct codes; two columns, embedded; and one
    # that refuses unseen symbols (handle_unknown='error')
    "RNNClassifier-tokens": lambda: make("RNNClassifier").fit(_WORDS, _Y),
    "RNNRegressor-tokens": lambda: make("RNNRegressor", embedding_dim=[2, 3]).fit(
        _WORDS2, np.linspace(-1, 1, 6)
    ),
    "RNNSequenceTagger-tokens": lambda: make(
        "RNNSequenceTagger", embedding_dim=2, handle_unknown="error"
    ).fit(_WORDS, [[int(w == "a") for w in s] for s in _WORDS]),
    "CharRNNGenerator-chars": lambda: make("CharRNNGenerator").fit(["abcab", "cab"]),
    "CharRNNGenerator-ignore": lambda: make(
        "CharRNNGenerator", handle_unknown="ignore"
    ).fit("abcabca"),
    # A vanilla relu cell's state can grow without bound: on large values or
    # long sequences its outputs overflow (this one at 138 characters).
    "CharRNNGenerator-relu": lambda: make(
        "CharRNNGenerator",
        cell="rnn",
        activation="relu",
        max_iter=3,
        learning_rate_init=0.5,
        random_state=2,
    ).fit("abcab" * 3),
    "RNNClassifier-relu": lambda: make(
        "RNNClassifier", cell="rnn", activation="relu"
    ).fit(_X3, _Y),
    "RNNRegressor-relu": lambda: make(
        "RNNRegressor", cell="rnn", activation="relu"
    ).fit(_X3, FIT_Y["RNNRegressor"]),
    "RNNSequenceTagger-relu": lambda: make(
        "RNNSequenceTagger", cell="rnn", activation="relu"
    ).fit(_X3, FIT_Y["RNNSequenceTagger"]),
    "CharRNNGenerator-tokens": lambda: make("CharRNNGenerator").fit(
        [[0, 1, 2, 0], [2, 1]]
    ),
    "OneHotCharEncoder-chars": lambda: make("OneHotCharEncoder").fit(
        [["a", "b"], ["c", "a"]]
    ),
    "OneHotCharEncoder-list": lambda: make("OneHotCharEncoder").fit(["abc", "ca"]),
    "OneHotCharEncoder-ignore": lambda: make(
        "OneHotCharEncoder", handle_unknown="ignore"
    ).fit([[0, 1], [2, 0]]),
    "SlidingWindowTransformer-numbers": lambda: make("SlidingWindowTransformer").fit(
        _X3[:, 0]
    ),
    "SlidingWindowTransformer-symbols": lambda: make("SlidingWindowTransformer").fit(
        np.array(list("abcab")).reshape(-1, 1)
    ),
    # RNNSeq2Seq, each form: characters in and out (words reversed); two
    # token columns in (embedded; unseen symbols refused), token lists out;
    # one vector per sample in; one symbol per sample out (a 1-D y). Each
    # with another cell or attention (general, additive, none, dot).
    "RNNSeq2Seq-chars": lambda: make("RNNSeq2Seq").fit(_STRINGS, _REVERSED),
    "RNNSeq2Seq-tokens": lambda: make(
        "RNNSeq2Seq",
        embedding_dim=[2, 2],
        handle_unknown="error",
        attention="additive",
        bidirectional=True,
    ).fit(_WORDS2, _CLASSES),
    "RNNSeq2Seq-vectors": lambda: make("RNNSeq2Seq", vector_input=True, cell="gru").fit(
        _X2, _CAPTIONS
    ),
    "RNNSeq2Seq-symbols": lambda: make(
        "RNNSeq2Seq", cell="rnn", attention="dot", num_layers=2
    ).fit(_X3, _Y),
    "TextTokenizer-default": lambda: make("TextTokenizer").fit(_DOCS),
    # a blank document, or one of stop words only, is [empty_token]
    "TextTokenizer-empty": lambda: make(
        "TextTokenizer", stop_words=["the"], empty_token="<empty>"
    ).fit(_DOCS),
}
FITTED_KEYS = sorted(FITS)
#: The fitted RNNSeq2Seq models, and the sources each was fitted on.
SEQ2SEQ_SOURCES = {
    "RNNSeq2Seq-chars": _STRINGS,
    "RNNSeq2Seq-tokens": _WORDS2,
    "RNNSeq2Seq-vectors": _X2,
    "RNNSeq2Seq-symbols": _X3,
}


@pytest.fixture(scope="module")
def fitted():
    """The models of FITS, fitted once per module."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return {key: fit() for key, fit in FITS.items()}


def test_fitted_models_cover_every_estimator(fitted):
    assert {key.split("-")[0] for key in FITTED_KEYS} == set(ESTIMATORS)
    for key, est in fitted.items():
        assert type(est).__name__ == key.split("-")[0]


# ----------------------------------------------------------- result checks
def _is_finite_float(value):
    return isinstance(value, float) and np.isfinite(value)


def _n_contexts(X):
    """Contexts of a generator input (a str is one)."""
    return 1 if isinstance(X, str) else n_sequences(X)


def check_result(est, method, X, result, y=None):
    """``result`` of ``est.method(X)`` has the right type, shape and values."""
    name = type(est).__name__
    if name == "RNNSeq2Seq":
        return _check_seq2seq(est, method, X, result, y)
    if method == "score":
        assert isinstance(result, float), type(result)
        if name == "RNNRegressor":
            # R^2 of a hopeless model may be -inf; of one sample, NaN (with
            # scikit-learn's UndefinedMetricWarning).
            assert result <= 1 or (np.isnan(result) and n_sequences(X) < 2)
        elif name == "CharRNNGenerator":
            assert _is_finite_float(result) and result <= 0
        else:
            assert _is_finite_float(result) and 0 <= result <= 1
        return
    if method == "perplexity":
        # exp(-score) of a finite score: inf when the text is that unlikely
        assert isinstance(result, float) and result >= 1 - 1e-6
        assert np.isfinite(est.score(X))
        return
    if name == "CharRNNGenerator":
        return _check_generator(est, method, X, result)
    if name == "OneHotCharEncoder":
        return _check_onehot(est, X, result)
    if name == "TextTokenizer":
        return _check_tokens(est, X, result)
    if name == "SlidingWindowTransformer":
        assert isinstance(result, np.ma.MaskedArray)
        assert result.shape == (np.shape(X)[0], est.seq_length, est.n_features_in_)
        return
    n = n_sequences(X)
    if name in ("RNNClassifier", "RNNRegressor"):
        if method == "predict" and name == "RNNClassifier":
            assert result.shape == (n,)
            # the labels are those of finite probabilities (no argmax of NaN)
            proba = est.predict_proba(X)
            _check_proba(proba, (n, len(est.classes_)), log=False)
            assert_array_equal(result, est.classes_[proba.argmax(axis=1)])
        elif method == "predict":
            shape = (n,) if est._y_1d else (n, est.n_outputs_)
            assert result.shape == shape
            assert np.isfinite(result).all()
        else:
            _check_proba(
                result, (n, len(est.classes_)), log=method.endswith("log_proba")
            )
        return
    # RNNSequenceTagger: outputs in the layout of X
    # (nested lists that are not ragged read as the array they make)
    one_to_one = est._one_to_one and check_X_forms(X) == "2d"
    C = len(est.classes_)
    if one_to_one:
        if method == "predict":
            proba = est.predict_proba(X)  # finite: no argmax of NaN
            _check_proba(proba, (n, C), log=False)
            assert_array_equal(result, est.classes_[proba.argmax(axis=1)])
        else:
            _check_proba(result, (n, C), log=method.endswith("log_proba"))
        return
    lengths = sequence_lengths(X)
    if method == "predict":
        for p in est.predict_proba(X):  # finite: no argmax of NaN
            _check_proba(p, (len(p), C), log=False)
        if _is_list_form(X):
            assert [r.shape for r in result] == [(k,) for k in lengths]
            labels = np.concatenate(result)
        else:
            assert result.shape == np.shape(X)[:2]
            assert isinstance(result, np.ma.MaskedArray) == isinstance(
                X, np.ma.MaskedArray
            )
            labels = np.ma.compressed(result)
            assert labels.size == sum(lengths)
        assert np.isin(labels, est.classes_).all()
    else:
        assert isinstance(result, list) and len(result) == n
        for r, k in zip(result, lengths, strict=True):
            _check_proba(r, (k, C), log=method.endswith("log_proba"))


def _source_lengths(est, X):
    """Steps of each source of a valid ``X`` of the RNNSeq2Seq ``est``."""
    X = as_characters(X)
    if isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind not in "USO":
        return [X.shape[1]] * X.shape[0]  # univariate numeric sequences
    return sequence_lengths(X)


def _max_output_lengths(est, X):
    """The most symbols of each output of ``est`` (RNNSeq2Seq) for ``X``."""
    n = n_sequences(X)
    if est._target_form == "symbols":
        return [1] * n
    if est.max_length is None:
        return [2 * est.max_target_length_] * n
    if callable(est.max_length):
        return [est.max_length(k) for k in _source_lengths(est, X)]
    return [est.max_length] * n


def _check_output(est, output, most):
    """An output of ``est``: of its y's form, of its symbols, not too long."""
    vocabulary = est.target_vocabulary_.tolist()
    if est._target_form == "symbols":
        assert np.ndim(output) == 0 and output in vocabulary, output
        return
    kind = str if est._target_form == "chars" else list
    assert isinstance(output, kind) and len(output) <= most, (output, most)
    assert all(s in vocabulary for s in output), output


def _as_outputs(y):
    """The entries of a valid ``y``: str, lists of symbols, or symbols."""
    entries = y if isinstance(y, (list, tuple)) else np.asarray(y, dtype=object)
    out = []
    for e in entries:
        if isinstance(e, str):
            out.append(str(e))
        elif np.ndim(e) == 0:
            out.append(e.item() if isinstance(e, np.ndarray) else e)
        else:
            out.append(np.asarray(e, dtype=object).tolist())
    return out


def _check_seq2seq(est, method, X, result, y=None, n_best=5):
    """``result`` of ``est.method(X[, y])``, for RNNSeq2Seq."""
    n = n_sequences(X)
    if method == "score":
        # the fraction of outputs that are y's, symbol for symbol
        hits = [
            p == e
            for p, e in zip(_as_outputs(est.predict(X)), _as_outputs(y), strict=True)
        ]
        assert isinstance(result, float) and np.isclose(result, np.mean(hits))
        return
    if method == "transform":
        assert isinstance(result, np.ndarray) and result.shape == (
            n,
            est._net.decoder_size,
        )
        assert np.isfinite(result).all()
        return
    if method == "log_likelihood":
        # log p(y | x) <= 0; -inf if it underflowed, never NaN
        assert isinstance(result, np.ndarray) and result.shape == (n,)
        assert not np.isnan(result).any() and (result <= 1e-6).all(), result
        return
    if method == "attention_weights":
        assert isinstance(result, list) and len(result) == n
        # a row per output symbol and the end, over the source's steps
        lengths = [1 if est._target_form == "symbols" else len(o) for o in y]
        shapes = [
            (m + 1, k) for m, k in zip(lengths, _source_lengths(est, X), strict=True)
        ]
        assert [w.shape for w in result] == shapes
        for w in result:  # each row: a distribution over the source's steps
            _check_proba(w, w.shape, log=False)
        return
    most = _max_output_lengths(est, X)
    if method == "predict_n_best":
        assert isinstance(result, list) and len(result) == n
        for ranked, m in zip(result, most, strict=True):
            assert 1 <= len(ranked) <= n_best, ranked
            for output, log_prob in ranked:
                _check_output(est, output, m)
                assert isinstance(log_prob, float) and not np.isnan(log_prob)
                assert log_prob <= 1e-6
            outputs = [repr(o) for o, _ in ranked]
            assert len(set(outputs)) == len(outputs), outputs
        return
    # predict, sample: one output per source
    if est._target_form == "symbols":
        assert isinstance(result, np.ndarray) and result.shape == (n,)
    else:
        assert isinstance(result, list) and len(result) == n
    for output, m in zip(result, most, strict=True):
        _check_output(est, output, m)
    # outputs of finite probabilities (no argmax of NaN)
    log_likelihood = est.log_likelihood(X, result)
    assert not np.isnan(log_likelihood).any() and (log_likelihood <= 1e-6).all()


def _check_proba(p, shape, log):
    assert isinstance(p, np.ndarray) and p.shape == shape, (type(p), np.shape(p))
    if log:
        # log(0) is -inf: a probability that underflowed (never NaN or +inf)
        assert not np.isnan(p).any() and (p <= 1e-6).all(), p
        p = np.exp(p)
    assert np.isfinite(p).all(), p
    assert ((p >= 0) & (p <= 1 + 1e-6)).all()
    assert_allclose(p.sum(axis=-1), 1, rtol=1e-4)


def _check_generator(est, method, X, result):
    V = len(est.classes_)
    if method == "generate":
        seeds = [X] if isinstance(result, (str, np.ndarray)) else list(X)
        # the tokens were drawn from finite distributions
        contexts = [seed if est._char_level else list(seed) for seed in seeds]
        _check_proba(est.predict_proba(contexts), (len(seeds), V), log=False)
        results = [result] if isinstance(result, (str, np.ndarray)) else result
        assert len(results) == len(seeds)
        for seed, r in zip(seeds, results, strict=True):
            if est._char_level:
                assert isinstance(r, str) and r.startswith(seed)
                assert len(r) == len(seed) + 2
            else:
                assert len(r) == len(seed) + 2
                assert np.isin(
                    np.asarray(r[len(seed) :], dtype=object),
                    est.classes_.astype(object),
                ).all()
        return
    n = _n_contexts(X)
    if method == "predict":
        proba = est.predict_proba(X)  # finite: no argmax of NaN
        _check_proba(proba, (n, V), log=False)
        assert_array_equal(result, est.classes_[proba.argmax(axis=1)])
    else:
        _check_proba(result, (n, V), log=method == "predict_log_proba")


def _check_onehot(est, X, result):
    C = len(est.categories_)
    parts = result if isinstance(result, list) else [result]
    for part in parts:
        data = np.ma.getdata(part)
        assert data.shape[-1] == C and data.dtype == np.dtype(est.dtype)
        assert np.isin(data, [0, 1]).all()
        sums = data.sum(axis=-1)
        if est.handle_unknown == "error":
            live = ~np.ma.getmaskarray(part).all(axis=-1)
            assert (sums[live] == 1).all()
        else:
            assert (sums <= 1).all()
    if isinstance(result, list):
        assert len(result) == len(X)
    else:
        assert result.shape[:2] == np.shape(X)[:2]


def _check_tokens(est, X, result):
    """A list of one non-empty list of str per document: the tokens of
    scikit-learn's word analyzer with the same parameters, or [empty_token]."""
    documents = list(X)
    assert type(result) is list and len(result) == len(documents)
    params = est.get_params()
    empty_token = params.pop("empty_token")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # token_pattern unused
        analyze = CountVectorizer(**params).build_analyzer()
    plain = (
        est.token_pattern == DEFAULT_TOKEN_PATTERN
        and est.tokenizer is None
        and est.preprocessor is None
        and est.stop_words is None
    )
    for doc, tokens in zip(documents, result, strict=True):
        assert type(tokens) is list and tokens, tokens
        assert all(type(t) is str for t in tokens), tokens
        assert tokens == (analyze(doc) or [empty_token])
        if plain:  # tokens without white space; none only for a blank text
            if isinstance(doc, bytes):
                doc = doc.decode(est.encoding, est.decode_error)
            assert (tokens == [empty_token]) == (not doc.strip()), (doc, tokens)
            assert all(t and not any(c.isspace() for c in t) for t in tokens)


def _other_masked_data(X):
    """``X`` with other values under its mask."""
    data = np.ma.getdata(X).copy()
    mask = np.ma.getmaskarray(X)
    data[mask] = {"U": "zz", "O": "zz", "b": True}.get(data.dtype.kind, 7)
    return np.ma.MaskedArray(data, mask=mask)


def _assert_same(a, b):
    if isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b)
        for u, v in zip(a, b, strict=True):
            _assert_same(u, v)
    elif isinstance(a, np.ma.MaskedArray):
        assert_array_equal(np.ma.getmaskarray(a), np.ma.getmaskarray(b))
        assert_array_equal(a.compressed(), b.compressed())
    else:
        assert_array_equal(a, b)


def _check_inverse(est, X, result):
    if isinstance(result, list):
        assert [r.shape for r in result] == [(len(x),) for x in X]
        values = np.concatenate(result)
    else:
        assert result.shape == np.shape(X)[:2]
        values = np.ma.compressed(result)
    known = np.isin(values.astype(object), est.categories_.astype(object))
    assert np.all(known | np.equal(values.astype(object), None))


# ------------------------------------------------- perturbed valid inputs
PERTURBATIONS = [
    "none",
    "none",
    "scale",
    "nonfinite",
    "dtype",
    "ragged",
    "empty",
    "hole",
    "partial",
]
CAST_TO = [
    np.int64,
    np.bool_,
    np.float16,
    np.float32,
    np.complex128,
    np.object_,
    np.dtype("<U8"),
]


@st.composite
def perturbed(draw, X):
    """``X`` (a valid input) with at most one thing made wrong or unusual."""
    how = draw(st.sampled_from(PERTURBATIONS), label="perturbation")
    if how == "scale":  # large values: an overflow, or too large for float32
        scale = 10.0 ** draw(st.sampled_from([10, 20, 30, 37, 300]))
        if isinstance(X, list):
            return [np.asarray(x) * scale for x in X]
        return X * scale
    if how == "nonfinite":
        bad = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
        if isinstance(X, list):
            i = draw(st.integers(0, len(X) - 1))
            item = np.array(X[i], dtype=np.float64)
            item.flat[draw(st.integers(0, item.size - 1))] = bad
            return X[:i] + [item] + X[i + 1 :]
        X = X.astype(np.float64)  # a masked array stays masked
        live = np.flatnonzero(~np.ma.getmaskarray(X).ravel())
        if live.size:
            np.ma.getdata(X).flat[draw(st.sampled_from(live.tolist()))] = bad
        return X
    if how == "dtype":
        dtype = draw(st.sampled_from(CAST_TO))
        if isinstance(X, list):
            return [np.asarray(x).astype(dtype) for x in X]
        return X.astype(dtype)
    if how == "ragged" and isinstance(X, list) and len(X) > 1:
        i = draw(st.integers(0, len(X) - 1))
        item = np.asarray(X[i])
        item = item[:, None] if item.ndim == 1 else item
        return X[:i] + [np.column_stack([item, item[:, :1]])] + X[i + 1 :]
    if how == "empty":
        if isinstance(X, list):
            i = draw(st.integers(0, len(X) - 1))
            return X[:i] + [np.asarray(X[i])[:0]] + X[i + 1 :]
        axis = draw(st.integers(0, X.ndim - 1))
        return (
            np.take(X, [], axis=axis)
            if not isinstance(X, np.ma.MaskedArray)
            else (X[:0] if axis == 0 else X[:, :0])
        )
    if how in ("hole", "partial") and isinstance(X, np.ma.MaskedArray) and X.ndim == 3:
        mask = np.ma.getmaskarray(X).copy()
        i = draw(st.integers(0, X.shape[0] - 1))
        t = draw(st.integers(0, X.shape[1] - 1))
        if how == "hole":
            mask[i, t, :] = True  # may cut the row in two, or empty it
        else:
            mask[i, t, 0] = not mask[i, t, 0]  # one value of a step
        return np.ma.MaskedArray(np.ma.getdata(X), mask=mask)
    return X


def near_valid_numeric(n_features, max_len=5):
    return valid_numeric(n_features=n_features, max_len=max_len).flatmap(
        lambda pair: perturbed(pair[0])
    )


SYMBOLS = st.sampled_from(["a", "b", "c", "x", "é"])


@st.composite
def near_valid_tokens(draw, char_level=True, width=None):
    """Corpora, contexts or symbol tables, some with unknown symbols."""
    if char_level:
        form = draw(st.sampled_from(["str", "strs", "long", "table", "masked"]))
        if form == "str":
            return draw(st.text("abcx", max_size=12))
        if form == "long":  # far longer than any training window
            return draw(st.text("abc", min_size=1, max_size=3)) * draw(
                st.integers(10, 80)
            )
        if form == "strs":
            return draw(st.lists(st.text("abcxé", max_size=8), min_size=1, max_size=3))
        shape = (draw(st.integers(1, 3)), width or draw(st.integers(1, 4)))
        X = draw(hnp.arrays(np.dtype("<U1"), shape, elements=SYMBOLS))
        if form == "masked":
            X = np.ma.MaskedArray(X, mask=draw(hnp.arrays(np.bool_, shape)))
        return perturbed_symbols(draw, X)
    rows = st.lists(st.sampled_from([0, 1, 2, 3, 2.0, "a"]), min_size=0, max_size=8)
    X = draw(st.lists(rows, min_size=1, max_size=3))
    if draw(st.booleans()):
        k = width or draw(st.integers(1, 4))
        X = draw(
            hnp.arrays(
                np.int64, (draw(st.integers(1, 3)), k), elements=st.integers(0, 3)
            )
        )
        return perturbed_symbols(draw, X)
    return X


def perturbed_symbols(draw, X):
    how = draw(st.sampled_from(["none", "none", "nonfinite", "object", "empty"]))
    if how == "nonfinite":
        X = X.astype(object)
        X.flat[draw(st.integers(0, X.size - 1))] = draw(
            st.sampled_from([np.nan, np.inf])
        )
    elif how == "object":
        X = X.astype(object)
    elif how == "empty":
        X = X[:, :0]
    return X


#: The symbols of each column of token input: those of _WORDS and _WORDS2
#: (frequent, then rare), and unseen ones ("" is a symbol like any other).
SEEN_SYMBOLS = (["a", "b", "c", "r"], ["V", "C", "R"])
UNSEEN_SYMBOLS = (["zz", "\u00e9", ""], ["Q"])
#: What may stand where a symbol should.
NOT_SYMBOLS = {
    "missing": st.just(None),
    "nonfinite": st.sampled_from(
        [np.nan, -np.inf, np.float32(np.nan), Decimal("NaN"), complex("nan")]
    ),
    "number": st.sampled_from(
        [0, 2.5, True, np.int8(2), np.float64(1.0), Fraction(1, 3), 1j]
    ),
    "unhashable": st.sampled_from([{}, {"a": 1}, set(), bytearray(b"a")]),
    "bytes": st.sampled_from([b"a", np.bytes_(b"zz")]),  # among str: mixed
}
WORD_FORMS = ["lists", "lists", "arrays", "matrix", "object", "tuple"]
WORD_CORRUPTIONS = [
    *["none"] * 6,
    "empty",
    *NOT_SYMBOLS,
    "columns",
    "width",
    "masked",
    "str",
    "dims",
]


def _symbol_array(symbols, shape):
    """An array of ``symbols``: of str if they all are, else of objects."""
    if all(type(x) is str for x in symbols):
        return np.array(symbols, dtype=str).reshape(shape)
    return _object_array(symbols).reshape(shape)


def _word_sequence(rows, n_columns, as_array):
    """One token sequence from its rows: a list of symbols (one column) or of
    tuples, or an array (n_steps,) or (n_steps, n_columns)."""
    if as_array and {len(row) for row in rows} == {n_columns}:
        shape = (len(rows),) if n_columns == 1 else (len(rows), n_columns)
        return _symbol_array([x for row in rows for x in row], shape)
    return [row[0] if n_columns == len(row) == 1 else tuple(row) for row in rows]


def word_input(sequences, n_columns, form):
    """Token input in ``form`` from each sequence's rows (lists of symbols)."""
    widths = {len(row) for rows in sequences for row in rows}
    one_length = len({len(rows) for rows in sequences}) == 1
    if form == "matrix" and one_length and widths == {n_columns}:
        shape = (len(sequences), len(sequences[0]))
        flat = [x for rows in sequences for row in rows for x in row]
        return _symbol_array(flat, shape if n_columns == 1 else (*shape, n_columns))
    X = [_word_sequence(rows, n_columns, form != "lists") for rows in sequences]
    if form == "tuple":
        return tuple(X)
    if form == "object":
        return _object_array(X)
    return X


@st.composite
def word_rows(draw, n_columns, unseen=True, max_sequences=4):
    """Valid sequences as rows of symbols (one per column), of 1 to 5 steps:
    symbols seen in fit (frequent or rare), and unseen ones if ``unseen``."""
    lengths = draw(st.lists(st.integers(1, 5), min_size=1, max_size=max_sequences))
    symbols = [
        seen + (new if unseen else [])
        for seen, new in zip(SEEN_SYMBOLS, UNSEEN_SYMBOLS, strict=True)
    ]
    column = [st.sampled_from(symbols[k % 2]) for k in range(n_columns)]
    return [
        [[draw(column[k]) for k in range(n_columns)] for _ in range(T)] for T in lengths
    ]


@st.composite
def near_valid_words(draw, n_columns=None):
    """Token input of the supervised estimators in any of its forms, of
    known, rare and unseen symbols; some with one thing wrong."""
    n_columns = n_columns or draw(st.sampled_from([1, 2]), label="columns")
    how = draw(st.sampled_from(WORD_CORRUPTIONS), label="corruption")
    form = draw(st.sampled_from(WORD_FORMS), label="form")
    if how == "width":  # the other number of columns than fit's
        n_columns = 3 - n_columns
    sequences = draw(word_rows(n_columns, unseen=draw(st.booleans())), label="rows")
    if form == "matrix":  # sequences of one length
        T = min(len(rows) for rows in sequences)
        sequences = [rows[:T] for rows in sequences]
    i = draw(st.integers(0, len(sequences) - 1))
    t = draw(st.integers(0, len(sequences[i]) - 1))
    k = draw(st.integers(0, n_columns - 1))
    if how in NOT_SYMBOLS:
        sequences[i][t][k] = draw(NOT_SYMBOLS[how], label="symbol")
    elif how == "columns":  # a step of one column more, or one less
        if n_columns == 1 or draw(st.booleans()):
            sequences[i][t] = sequences[i][t] + ["a"]
        else:
            sequences[i][t] = sequences[i][t][:1]
    X = word_input(sequences, n_columns, form)
    if how == "empty":  # a sequence of no step, or no sequence at all
        if isinstance(X, np.ndarray) and form == "matrix":
            return X[:0] if draw(st.booleans()) else X[:, :0]
        X = list(X)
        X[i] = draw(st.sampled_from([[], (), np.array([], dtype=str)]))
    elif how == "masked":
        if isinstance(X, np.ndarray) and form == "matrix":
            return np.ma.MaskedArray(X, mask=draw(hnp.arrays(np.bool_, X.shape)))
        X = list(X)
        item = np.asarray(X[i])
        X[i] = np.ma.MaskedArray(item, mask=draw(hnp.arrays(np.bool_, item.shape)))
    elif how == "str":  # a text where its words should be
        X = list(X)
        X[i] = " ".join(str(row[0]) for row in sequences[i])
    elif how == "dims":
        if isinstance(X, np.ndarray) and form == "matrix":
            return X[0] if n_columns == 1 else X[None]  # 1-D, or 4-D
        X = list(X)
        X[i] = _symbol_array(
            [x for row in sequences[i] for x in row],
            (len(sequences[i]), 1, n_columns),
        )
    return X


@st.composite
def one_hot_scores(draw, n_categories):
    """Inputs of inverse_transform: scores per category, with the odd error."""
    C = n_categories + draw(st.sampled_from([0, 0, 0, 1, -1]))
    form = draw(st.sampled_from(["3d", "list", "masked"]))
    values = st.sampled_from([0.0, 1.0, 0.5, -1.0, np.nan])
    if form == "list":
        return [
            draw(hnp.arrays(np.float64, (draw(st.integers(0, 4)), C), elements=values))
            for _ in range(draw(st.integers(1, 3)))
        ]
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 4)), C)
    X = draw(hnp.arrays(np.float64, shape, elements=values))
    if form == "masked":
        X = np.ma.MaskedArray(X, mask=draw(hnp.arrays(np.bool_, shape)))
    return X


def describe_for(name, X):
    """describe(X), plus the shapes that this estimator cannot take; of token
    input to the supervised estimators, describe_tokens(X)."""
    if SPECS[name]["kind"] == "text":
        return describe_text(X)
    if name in SUPERVISED and is_token_input(X):
        return describe_tokens(X)
    tags = describe(X)
    ndim = np.ndim(X) if isinstance(X, np.ndarray) else None
    if name in ("SlidingWindowTransformer", "CharRNNGenerator") and ndim not in (
        None,
        2,
    ):
        tags.add("shape")
    if name == "SlidingWindowTransformer" and isinstance(X, (list, tuple)):
        try:
            if np.asarray(X).ndim != 2:
                tags.add("shape")
        except ValueError:
            tags.add("ragged")
    if name == "OneHotCharEncoder" and ndim == 3 and X.shape[2] != 1:
        tags.add("shape")
    if name != "CharRNNGenerator" and isinstance(X, str):
        tags.add("shape")  # a scalar where an array is expected
    if SPECS[name]["kind"] == "tokens" and isinstance(X, list):
        # sequences of symbols are 1-D (the encoder also takes (n, 1))
        for item in X:
            shape = np.shape(item) if not isinstance(item, str) else (len(item),)
            if len(shape) != 1 and not (
                name == "OneHotCharEncoder" and len(shape) == 2 and shape[1] == 1
            ):
                tags.add("shape")
    return tags


def matching_y(name, X, per_step, classes=(0, 1), n_outputs=1):
    """Targets that go with ``X`` (per step for the tagger when ``per_step``)."""
    n = n_sequences(X)
    classes = np.asarray(classes)
    if name == "RNNClassifier":
        return classes[np.arange(n) % 2]
    if name == "RNNRegressor":
        y = np.linspace(-1, 1, n)
        return y if n_outputs == 1 else np.column_stack([y] * n_outputs)
    two_d = isinstance(X, np.ndarray) and not isinstance(X, np.ma.MaskedArray)
    if not per_step and two_d and X.ndim == 2 and not is_token_input(X):
        return np.arange(n) % 2  # the one-to-one reading (tokens: per step)
    if isinstance(X, np.ndarray) and X.ndim >= 2:
        return (np.arange(X.shape[0] * X.shape[1]) % 2).reshape(X.shape[:2])
    try:
        return [np.arange(len(x)) % 2 for x in X]
    except TypeError:
        return np.arange(n) % 2


ANY_Y = st.one_of(
    arrays(max_dims=3),
    st.lists(TOKENS, max_size=4),
    ragged_lists(),
    WRONG_TYPES,
)


@st.composite
def near_valid_table(draw, n_features, symbols):
    """One sequence as time-ordered rows (numbers or symbols), maybe perturbed."""
    n = draw(st.integers(1, 6))
    if symbols:
        X = draw(hnp.arrays(np.dtype("<U1"), (n, n_features), elements=SYMBOLS))
        return perturbed_symbols(draw, X)
    X = draw(hnp.arrays(np.float64, (n, n_features), elements=st.floats(-3, 3)))
    return draw(perturbed(X))


#: Documents: words, a stop word ("the"), punctuation, emoji and white
#: space of several kinds (a document of white space only has no token).
DOCUMENTS = st.one_of(
    st.lists(
        st.sampled_from(
            ["the", "a", "Film", "x.y", "!", "\U0001f600", " ", "\t", "\n", "\u3000"]
        ),
        max_size=5,
    ).map("".join),
    TEXT,
)
#: What may stand where a document should: missing values, numbers, tokens.
NOT_DOCUMENTS = st.one_of(
    st.sampled_from(
        [None, np.nan, np.float32(np.nan), Decimal("NaN"), 3, 2.5, True, ("a", "b")]
    ),
    st.lists(st.sampled_from(["a", "b", ""]), max_size=2),  # tokenized already
    OTHER_NUMBERS,
)


@st.composite
def near_valid_text(draw):
    """Lists of documents in the forms of X, some with one thing wrong."""
    docs = draw(st.lists(DOCUMENTS, min_size=1, max_size=4), label="documents")
    how = draw(
        st.sampled_from(
            ["none", "none", "item", "bytes", "array", "object", "masked", "2d", "str"]
        ),
        label="form",
    )
    i = draw(st.integers(0, len(docs) - 1))
    if how == "item":
        docs[i] = draw(NOT_DOCUMENTS)
    elif how == "bytes":  # valid UTF-8 or not
        docs[i] = draw(st.one_of(st.binary(max_size=4), st.just(docs[i].encode())))
    elif how in ("array", "masked", "2d"):
        X = np.array(docs)
        if how == "masked":
            return np.ma.MaskedArray(X, mask=draw(hnp.arrays(np.bool_, X.shape)))
        return X.reshape(-1, 1) if how == "2d" else X
    elif how == "object":
        X = np.empty(len(docs), dtype=object)
        X[:] = docs
        return X
    elif how == "str":
        return " ".join(docs)
    return tuple(docs) if draw(st.booleans()) else docs


@st.composite
def near_valid_strings(draw):
    """Sources of RNNSeq2Seq as str (characters): seen, rare ("r") and
    unseen characters, long ones, and some with one thing wrong."""
    words = draw(st.lists(st.text("abcrxé", max_size=6), min_size=1, max_size=4))
    how = draw(
        st.sampled_from(["none", "none", "none", "long", "item", "tuple", "array"]),
        label="strings",
    )
    i = draw(st.integers(0, len(words) - 1))
    if how == "long":  # far longer than any source of fit
        words[i] = draw(st.text("abc", min_size=1, max_size=3)) * 20
    elif how == "item":
        words[i] = draw(NOT_DOCUMENTS)
    elif how == "tuple":
        return tuple(words)
    elif how == "array":  # an array of str is not a list of str
        return np.array(words)
    return words


@st.composite
def near_valid_vectors(draw, n_features=None):
    """One vector per sample (vector_input=True), some with one thing wrong."""
    F = n_features or draw(st.integers(1, 4))
    if draw(st.integers(0, 9)) == 0:
        F += 1  # another width than fit's
    n = draw(st.integers(1, 4))
    X = draw(hnp.arrays(np.float64, (n, F), elements=st.floats(-3, 3, width=32)))
    form = draw(st.sampled_from(["array", "array", "list", "masked"]), label="form")
    if form == "masked":
        X = np.ma.MaskedArray(X, mask=draw(hnp.arrays(np.bool_, X.shape)))
    elif form == "list":
        X = list(X)
    return draw(perturbed(X))


def near_valid_sources(est):
    """Sources for the RNNSeq2Seq ``est``, fitted or not, some perturbed."""
    form = getattr(est, "_fit_X_form", None)
    if form == "vectors" or (form is None and est.vector_input):
        return near_valid_vectors(getattr(est, "n_features_in_", None))
    if form is None:
        return st.one_of(
            near_valid_strings(), near_valid_words(), near_valid_numeric(2)
        )
    if form == "tokens":
        F = est.n_features_per_step_
        if F == 1:
            return st.one_of(near_valid_strings(), near_valid_words(1))
        return near_valid_words(F)
    return near_valid_numeric(est.n_features_per_step_, max_len=12)


#: Output symbols of each form of y for a fit, and symbols unseen by fit.
OUTPUT_SYMBOLS = {
    "chars": list("abc"),
    "tokens": ["HH", "AH0", "K"],
    "symbols": [0, 1, 2],
}
UNSEEN_OUTPUTS = {"chars": "z", "tokens": "ZZ", "symbols": 9}


def _output_form_and_symbols(est):
    if est is None:
        form = st.sampled_from(sorted(OUTPUT_SYMBOLS))
        return form.map(lambda f: (f, OUTPUT_SYMBOLS[f]))
    return st.just((est._target_form, est.target_vocabulary_.tolist()))


@st.composite
def valid_outputs(draw, n, est=None):
    """A valid y of ``n`` outputs (for the fitted ``est``, of its form and
    vocabulary): str, sequences of symbols of 0 to 4 steps in every
    container, or one symbol per sample."""
    form, vocabulary = draw(_output_form_and_symbols(est), label="y form")
    symbol = st.sampled_from(vocabulary)
    container = draw(st.sampled_from(["list", "tuple", "array"]), label="container")
    if form == "symbols":
        y = draw(st.lists(symbol, min_size=n, max_size=n))
        return np.array(y) if container == "array" else container_of(container, y)
    lengths = draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
    y = [[draw(symbol) for _ in range(k)] for k in lengths]
    if form == "chars":
        y = ["".join(o) for o in y]
        return np.array(y) if container == "array" and n else container_of(container, y)
    if container == "array":
        if n and len(set(lengths)) == 1 and draw(st.booleans()):
            return np.array(y).reshape(n, lengths[0])  # a table of outputs
        return [np.array(o) for o in y]
    return [container_of(container, o) for o in y]


def container_of(kind, items):
    return tuple(items) if kind == "tuple" else list(items)


OUTPUT_CORRUPTIONS = [
    "count",
    "str",
    "dims",
    "ragged",
    "unseen",
    "form",
    "empty",
    "masked",
    *NOT_SYMBOLS,
]


@st.composite
def near_valid_outputs(draw, n, est=None):
    """y of ``n`` outputs (for ``est``) with one thing wrong, or unusual."""
    y = draw(valid_outputs(max(n, 1), est), label="valid y")
    how = draw(st.sampled_from(OUTPUT_CORRUPTIONS), label="y corruption")
    entries = list(y)
    i = draw(st.integers(0, len(entries) - 1))
    entry = entries[i]
    if isinstance(entry, str) or np.ndim(entry) == 0:  # chars or one symbol
        sequence = None
    else:
        sequence = list(entry)
    if how == "count":  # one output more, or one less
        return entries + [entry] if draw(st.booleans()) else entries[:-1]
    if how == "str":  # a str among sequences (or symbols), a list among str
        entries[i] = list(entry) if isinstance(entry, str) else "ab"
    elif how == "dims":
        entries[i] = np.array(sequence or [entry]).reshape(-1, 1)
    elif how == "ragged":  # an entry of nested sequences of different lengths
        entries[i] = [["a"], ["b", "c"]]
    elif how == "unseen":
        if isinstance(entry, str):
            entries[i] = entry + UNSEEN_OUTPUTS["chars"]
        elif sequence is None:
            entries[i] = UNSEEN_OUTPUTS["symbols"]
        else:
            entries[i] = sequence + [UNSEEN_OUTPUTS["tokens"]]
    elif how == "form":  # y of another form than fit's
        if isinstance(entry, str):
            entries = [list(e) for e in entries]
        elif sequence is None:
            entries = [[e] for e in entries]
        else:
            entries = ["".join(map(str, e)) for e in entries]
    elif how == "empty":  # every output empty
        entries = ["" if isinstance(e, str) else [] for e in entries]
    elif how == "masked":
        item = np.asarray(sequence if sequence is not None else entries)
        masked = np.ma.MaskedArray(item, mask=draw(hnp.arrays(np.bool_, item.shape)))
        if sequence is None:
            return masked
        entries[i] = masked
    else:  # something that is no symbol where one should be
        bad = draw(NOT_SYMBOLS[how], label="symbol")
        if sequence is None:
            entries[i] = bad if not isinstance(entry, str) else [*entry, bad]
        else:
            j = draw(st.integers(0, len(sequence)))
            entries[i] = sequence[:j] + [bad] + sequence[j + 1 :]
    return entries


def sources_for(data, est):
    """X for the RNNSeq2Seq ``est``: near-valid (two times in three), or
    anything (one_of(ANY_X, near) would draw near-valid sources one time in
    nine, and valid pairs of X and y seldom)."""
    if data.draw(st.integers(0, 2), label="X from") == 0:
        return data.draw(ANY_X, label="X")
    return data.draw(near_valid_sources(est), label="X")


def outputs_for(data, n, est=None):
    """y for ``n`` samples (for ``est``): valid, near-valid or anything."""
    how = data.draw(st.sampled_from(["valid", "valid", "near", "any"]), label="y")
    if how == "valid":
        return data.draw(valid_outputs(n, est), label="y")
    if how == "near":
        return data.draw(near_valid_outputs(n, est), label="y")
    return data.draw(ANY_Y, label="y")


def near_valid(name, est=None):
    """Valid-looking inputs for ``name`` (fitted ``est``), some perturbed."""
    kind = SPECS[name]["kind"]
    if kind == "text":
        return near_valid_text()
    if kind == "seq2seq":
        return near_valid_sources(est if est is not None else make(name))
    if kind == "numeric":
        if getattr(est, "_fit_X_form", None) == "tokens":
            return near_valid_words(est.n_features_per_step_)
        F = 2 if est is None else est.n_features_per_step_
        return near_valid_numeric(F, max_len=5 if est is None else 12)
    if kind == "table":
        F = 2 if est is None else est.n_features_in_
        return near_valid_table(F, symbols=est is not None and F == 1)
    if name == "CharRNNGenerator":
        char_level = est is None or est._char_level
        return near_valid_tokens(char_level=char_level)
    width = getattr(est, "n_features_in_", None)
    if est is not None and est.categories_.dtype.kind in "iu":
        return near_valid_tokens(char_level=False, width=width)
    return near_valid_tokens(char_level=True, width=width)


#: Keywords a fit may name that no input tag stands for.
FIT_EXTRA = {
    # every document shorter than 2 tokens: nothing to learn from
    "CharRNNGenerator": ("2 tokens",),
}


def check_seq2seq_fit(data):
    """test_fit_on_any_input for RNNSeq2Seq: sources of any form (sequences,
    or vectors with vector_input), y of any form, valid or not."""
    est = make("RNNSeq2Seq", vector_input=data.draw(st.booleans(), label="vectors"))
    X = sources_for(data, est)
    method = data.draw(st.sampled_from(SPECS["RNNSeq2Seq"]["fit"]), label="method")
    n = n_sequences(X)
    y = outputs_for(data, n)
    tags = describe_sources(X, vector_input=est.vector_input)
    tags |= describe_outputs(y, n)
    kwargs = {}
    if data.draw(st.booleans(), label="sample_weight"):
        kwargs["sample_weight"] = data.draw(
            st.one_of(hnp.arrays(np.float64, n, elements=st.floats(0, 1e40)), ANY_Y),
            label="sample_weight",
        )
        tags |= describe(kwargs["sample_weight"]) | {"weight"}
    if method == "partial_fit" and data.draw(st.booleans(), label="vocabulary"):
        # every output symbol, given: y may lack some, never hold others
        kwargs["target_vocabulary"] = data.draw(
            st.one_of(st.text("abcz", max_size=4), ANY_Y), label="target_vocabulary"
        )
        tags = (tags - {"o-empty"}) | {"vocabulary"}
    result, exc = call(getattr(est, method), X, y, **kwargs)
    if exc is not None:
        assert_names_problem(exc, tags)
        return
    refused = refused_tags(tags)
    assert not refused, f"{method} accepted {sorted(refused)}"
    if method == "fit_transform":
        check_result(est, "transform", X, result)
        return
    assert result is est
    check_result(est, "predict", X, est.predict(X))


@pytest.mark.parametrize("name", NAMES)
@budget(600)
@given(data=st.data())
def test_fit_on_any_input(name, data):
    """fit, partial_fit, fit_transform: a fitted model or a named problem."""
    spec = SPECS[name]
    if name == "RNNSeq2Seq":
        check_seq2seq_fit(data)
        return
    X = data.draw(st.one_of(ANY_X, near_valid(name)), label="X")
    method = data.draw(st.sampled_from(spec["fit"]), label="method")
    est = make(name)
    tags = describe_for(name, X)
    if spec["kind"] == "numeric":
        wild_y = data.draw(st.booleans(), label="wild y")
        if wild_y:
            y = data.draw(ANY_Y, label="y")
            tags |= describe(y) | {"y"}
        else:
            y = matching_y(name, X, per_step=data.draw(st.booleans()))
        kwargs = {}
        weights = data.draw(st.sampled_from(["none", "none", "valid", "wild"]))
        if weights == "valid":  # one per sequence, up to past float32
            kwargs["sample_weight"] = data.draw(
                hnp.arrays(np.float64, n_sequences(X), elements=st.floats(0, 1e40)),
                label="sample_weight",
            )
        elif weights == "wild":
            kwargs["sample_weight"] = data.draw(ANY_Y, label="sample_weight")
        if weights != "none":
            tags |= describe(kwargs["sample_weight"]) | {"weight"}
        if method == "partial_fit" and name != "RNNRegressor":
            # every class: a wild y is its own (wild) list of classes
            kwargs["classes"] = y if wild_y else [0, 1]
        result, exc = call(getattr(est, method), X, y, **kwargs)
    else:
        result, exc = call(getattr(est, method), X)
    if exc is not None:
        assert_names_problem(exc, tags, extra=FIT_EXTRA.get(name, ()))
        return
    assert "nonfinite" not in tags, f"{method} accepted NaN or infinity"
    if method == "fit_transform":
        check_result(est, "transform", X, result)
        return
    assert result is est
    # A fitted model takes what it was fitted on.
    infer = spec["infer"][0]
    if name == "TextTokenizer":
        # Its fit checks the form of X only (it learns nothing): what the
        # documents hold (no token, bytes not in the encoding) meets transform.
        result, exc = call(est.transform, X)
        if exc is not None:
            assert_names_problem(exc, tags & {"empty", "encoding"})
            return
        check_result(est, infer, X, result)
        return
    check_result(est, infer, X, getattr(est, infer)(X))


def _token_columns(X):
    """The symbols of each column of a valid token ``X``, sequence after
    sequence."""
    columns = []
    for sequence in X:
        rows, _ = _token_rows(sequence, set())
        columns = columns or [[] for _ in rows[0]]
        for row in rows:
            for column, symbol in zip(columns, row, strict=True):
                column.append(symbol)
    return columns


@pytest.mark.parametrize("name", sorted(SUPERVISED))
@budget(250)
@given(data=st.data())
def test_fit_on_token_input(name, data):
    """fit and partial_fit on sequences of symbols in every form, some with
    one thing wrong: the problem named, or a model whose vocabularies are
    the symbols seen twice or more (min_frequency=2) and which takes X."""
    X = data.draw(near_valid_words(), label="X")
    method = data.draw(st.sampled_from(SPECS[name]["fit"]), label="method")
    embedding_dim = data.draw(st.sampled_from([None, 2]), label="embedding_dim")
    est = make(name, embedding_dim=embedding_dim)
    y = matching_y(name, X, per_step=True)
    kwargs = {}
    if method == "partial_fit" and name != "RNNRegressor":
        kwargs["classes"] = [0, 1]
    if data.draw(st.booleans(), label="sample_weight"):
        kwargs["sample_weight"] = np.linspace(0.5, 2, n_sequences(X))
    tags = describe_for(name, X)
    result, exc = call(getattr(est, method), X, y, **kwargs)
    if exc is not None:
        assert_names_problem(exc, tags)
        return
    assert result is est
    check_result(est, "predict", X, est.predict(X))
    if not is_token_input(X):  # numbers drawn for the only symbols
        assert "nonfinite" not in tags and est._fit_X_form != "tokens"
        return
    assert not tags, f"{method} accepted {sorted(tags)}"
    columns = _token_columns(X)
    assert est._fit_X_form == "tokens"
    assert len(est.categories_) == len(columns) == est.n_features_in_
    for column, kept, rare in zip(
        columns, est.categories_, est.infrequent_categories_, strict=True
    ):
        counts = Counter(column)
        assert kept.tolist() == sorted(x for x, c in counts.items() if c >= 2)
        assert rare.tolist() == sorted(x for x, c in counts.items() if c < 2)


#: RNNSeq2Seq's inference methods that read output sequences as well.
OUTPUT_METHODS = ("log_likelihood", "attention_weights", "score")


def check_seq2seq_method(est, method, data):
    """test_methods_on_any_input for a fitted RNNSeq2Seq: the sources, and
    the output sequences of the methods that read them (valid, near-valid,
    or anything)."""
    X = sources_for(data, est)
    tags = describe_sources(X, est) | {"overflow"}
    args, kwargs = (), {}
    if method in OUTPUT_METHODS:
        n = n_sequences(X)
        y = outputs_for(data, n, est)
        # a symbol unseen in fit has no probability, but is a miss to score
        tags |= describe_outputs(y, n, est, seen=method != "score")
        args = (y,)
    if method == "attention_weights" and est._net.attention is None:
        tags.add("no-attention")
    if method == "sample":
        kwargs["random_state"] = 0
    result, exc = call(getattr(est, method), X, *args, **kwargs)
    if exc is not None:
        assert_names_problem(exc, tags)
        return
    refused = refused_tags(tags) | (tags & {"no-attention"})
    assert not refused, f"{method} accepted {sorted(refused)}"
    check_result(est, method, X, result, *args)
    if isinstance(X, np.ma.MaskedArray) and np.ma.getmaskarray(X).any():
        # other data under the mask: the same result
        other = getattr(est, method)(_other_masked_data(X), *args, **kwargs)
        _assert_same(other, result)


@pytest.mark.parametrize("key", FITTED_KEYS)
@budget(350)
@given(data=st.data())
def test_methods_on_any_input(fitted, key, data):
    """Every inference method: a valid result or a named problem."""
    est = fitted[key]
    name = type(est).__name__
    method = data.draw(st.sampled_from(SPECS[name]["infer"]), label="method")
    if name == "RNNSeq2Seq":
        check_seq2seq_method(est, method, data)
        return
    if method == "inverse_transform":
        near = one_hot_scores(len(est.categories_))
    else:
        near = near_valid(name, est)
    X = data.draw(st.one_of(ANY_X, near), label="X")
    # Beyond the input's own problems: a mismatch with what fit saw.
    supervised = describe_supervised(est, X) if name in SUPERVISED else None
    if supervised is not None:  # token input, or a model fitted on it
        tags = supervised
    elif method == "inverse_transform" and isinstance(X, np.ma.MaskedArray):
        # a step with any masked score is a masked step (never read)
        step = np.ma.getmaskarray(X).any(axis=-1, keepdims=True)
        X_seen = np.ma.MaskedArray(np.ma.getdata(X), np.broadcast_to(step, X.shape))
        tags = describe_for(name, X_seen) | {"width"}
    else:
        tags = describe_for(name, X) | {"width"}
    if SPECS[name]["kind"] == "tokens":
        tags |= {"unknown", "kind"}
    if supervised is None and isinstance(
        est, (RNNClassifier, RNNRegressor, RNNSequenceTagger, CharRNNGenerator)
    ):
        tags.add("overflow")  # a relu cell's state, past any float
    args = ()
    if method == "score" and SPECS[name]["kind"] == "numeric":
        if data.draw(st.booleans(), label="wild y"):
            y = data.draw(ANY_Y, label="y")
            tags |= describe(y) | {"y"}
        else:
            y = matching_y(
                name,
                X,
                per_step=not getattr(est, "_one_to_one", True),
                classes=getattr(est, "classes_", (0, 1)),
                n_outputs=1 if getattr(est, "_y_1d", True) else est.n_outputs_,
            )
        args = (y,)
    if method == "generate":
        args = (2,)
        tags.add("seed")
    result, exc = call(getattr(est, method), X, *args)
    if exc is not None:
        assert_names_problem(exc, tags)
        return
    assert "nonfinite" not in tags, f"{method} gave a result on NaN or infinity"
    if method == "inverse_transform":
        _check_inverse(est, X, result)
    else:
        check_result(est, method, X, result)
    if isinstance(X, np.ma.MaskedArray) and np.ma.getmaskarray(X).any():
        # other data under the mask: the same result
        _assert_same(getattr(est, method)(_other_masked_data(X), *args), result)


# ------------------------------------------------ absurd hyperparameters
ABSURD = st.one_of(
    st.sampled_from(
        [
            0,
            -1,
            -(10**30),
            10**30,
            2**63,
            True,
            False,
            0.0,
            -0.5,
            0.5,
            1.0,
            1.5,
            1e300,
            -1e300,
            5e-324,
            np.nan,
            np.inf,
            -np.inf,
            "",
            "x",
            "auto",
            "float16",
            None,
            [],
            [1],
            {},
            object(),
            1j,
            b"lstm",
            np.float16,
            np.dtype("float64"),
            np.int64(3),
            np.float64(np.nan),
        ]
    ),
    st.integers(-(10**20), 10**20),
    st.floats(),
    st.text(max_size=3),
    st.lists(TOKENS, max_size=3),
    st.dictionaries(
        st.sampled_from([0, 1, "a"]),
        st.one_of(st.floats(), st.integers(-2, 2), st.text(max_size=1)),
        max_size=2,
    ),
)
#: The machine the absurd hyperparameters meet has 64 MiB. Every value is
#: tried: one asking for more memory than that gets the named error it would
#: get on a small machine (see skrnn._memory), and what a value costs does
#: not depend on the memory of the machine running the tests (on 24 GiB,
#: seq_length=1.5e8 made SlidingWindowTransformer fill 17 GiB, in 30 s).
SMALL_MACHINE = 64 << 20
#: Words besides its name that may name a parameter's problem.
PARAM_WORDS = {"early_stopping": ("validation",), "random_state": ("seed",)}
#: Small valid training data of each estimator.
TRAIN = {
    "RNNClassifier": (_X3, FIT_Y["RNNClassifier"]),
    "RNNRegressor": (_X3, FIT_Y["RNNRegressor"]),
    "RNNSequenceTagger": (_X3, FIT_Y["RNNSequenceTagger"]),
    "CharRNNGenerator": (["abcab", "cab"],),
    "OneHotCharEncoder": ([["a", "b"], ["c", "a"]],),
    "SlidingWindowTransformer": (_X3[:, 0],),
    "TextTokenizer": (_DOCS,),
    "RNNSeq2Seq": (_STRINGS, _REVERSED),
}


#: Where a default leaves parameters unused, the absurd values meet a model
#: that uses them: beam search (beam_size, length_penalty), additive
#: attention (attention_size).
ABSURD_BASE = {"RNNSeq2Seq": dict(beam_size=2, attention="additive")}
#: Parameters that a model's first inference method takes as many steps as
#: (RNNSeq2Seq's predict: the symbols of an output, and the beams).
STEPS_PARAMS = {"RNNSeq2Seq": ("max_length", "beam_size")}


@pytest.mark.parametrize("name", NAMES)
@budget(700)
@given(data=st.data())
def test_absurd_hyperparameters(name, data):
    """Any value of any parameter, set with set_params, then fit."""
    est = make(name, **ABSURD_BASE.get(name, {}))
    param = data.draw(st.sampled_from(sorted(est.get_params())), label="param")
    value = data.draw(ABSURD, label="value")
    # As generate's n: a value past 50 that fits in memory is only slow, and
    # skipped; past memory (8 bytes a step at least), it must be refused.
    assume(
        param not in STEPS_PARAMS.get(name, ())
        or not isinstance(value, Integral)
        or value <= 50
        or 8 * value > SMALL_MACHINE
    )
    est.set_params(**{param: value})
    X, *y = TRAIN[name]
    infer = SPECS[name]["infer"][0]
    with mock.patch("skrnn._memory.available_memory", return_value=SMALL_MACHINE):
        result, exc = call(est.fit, X, *y)
        if exc is None:  # the fitted model's first inference method
            result, exc = call(getattr(est, infer), X)
    if exc is not None:
        words = (param, *PARAM_WORDS.get(param, ()))
        if isinstance(exc, NonFiniteError) and param != "class_weight":
            words += ("non-finite",)  # the training diverged, and says so
        assert_names_problem(exc, set(), extra=words)
        return
    check_result(est, infer, X, result)


GENERATE_ARGS = ("n", "temperature", "top_k", "top_p", "random_state")


@pytest.mark.parametrize("key", ["CharRNNGenerator-chars", "CharRNNGenerator-tokens"])
@budget(300)
@given(data=st.data())
def test_absurd_generate_arguments(fitted, key, data):
    est = fitted[key]
    arg = data.draw(st.sampled_from(GENERATE_ARGS), label="argument")
    value = data.draw(ABSURD, label="value")
    # n new tokens take n steps: an n past 50 that fits in memory is only
    # slow, and skipped; past memory (8 bytes a token at least), generate
    # must refuse it at once, naming n.
    assume(
        arg != "n"
        or not isinstance(value, Integral)
        or value <= 50
        or 8 * value > SMALL_MACHINE
    )
    seed = "ab" if est._char_level else [0, 1]
    kwargs = {"n": 2, arg: value}
    with mock.patch("skrnn._memory.available_memory", return_value=SMALL_MACHINE):
        result, exc = call(est.generate, seed, **kwargs)
    if exc is not None:
        assert_names_problem(exc, set(), extra=(arg, *PARAM_WORDS.get(arg, ())))
        return
    assert len(result) == len(seed) + kwargs["n"]
    assert np.isin(
        np.asarray(list(result), dtype=object), est.classes_.astype(object)
    ).all()


#: The arguments of RNNSeq2Seq's decoding methods (besides X).
DECODING_ARGS = {
    "predict_n_best": ("n_best",),
    "sample": ("temperature", "random_state"),
}


@pytest.mark.parametrize("key", ["RNNSeq2Seq-chars"])
@budget(150)
@given(data=st.data())
def test_absurd_decoding_arguments(fitted, key, data):
    est = fitted[key]
    method = data.draw(st.sampled_from(sorted(DECODING_ARGS)), label="method")
    arg = data.draw(st.sampled_from(DECODING_ARGS[method]), label="argument")
    value = data.draw(ABSURD, label="value")
    # as generate's n: n_best beams of each source take n_best rows
    assume(
        arg != "n_best"
        or not isinstance(value, Integral)
        or value <= 50
        or 8 * value > SMALL_MACHINE
    )
    X = SEQ2SEQ_SOURCES[key]
    kwargs = {"random_state": 0} if method == "sample" else {}
    kwargs[arg] = value
    with mock.patch("skrnn._memory.available_memory", return_value=SMALL_MACHINE):
        result, exc = call(getattr(est, method), X, **kwargs)
    if exc is not None:
        assert_names_problem(exc, set(), extra=(arg, *PARAM_WORDS.get(arg, ())))
        return
    _check_seq2seq(est, method, X, result, n_best=value if arg == "n_best" else 5)


@pytest.mark.parametrize("name", sorted(SUPERVISED))
@budget(300)
@given(data=st.data())
def test_targets_and_weights_of_any_value(name, data):
    """y and sample_weight of the right length, with any dtype and values."""
    X, y_ok = TRAIN[name]
    y_shape = (
        y_ok.shape if name != "RNNRegressor" else (6, data.draw(st.integers(1, 2)))
    )
    dtype = np.dtype(data.draw(st.sampled_from(DTYPES)))
    # (our elements: hypothesis's default objects include ranges of 10**8
    # items, which scikit-learn's label checks materialize)
    y = data.draw(
        hnp.arrays(
            dtype, st.sampled_from([y_shape, y_shape[:1]]), elements=_elements(dtype)
        ),
        label="y",
    )
    tags = describe(y) | {"y"}
    kwargs = {}
    if data.draw(st.booleans(), label="with sample_weight"):
        kwargs["sample_weight"] = data.draw(
            hnp.arrays(st.sampled_from([np.float64, np.int64, np.bool_]), 6),
            label="sample_weight",
        )
        tags |= describe(kwargs["sample_weight"]) | {"weight"}
    est = make(name)
    result, exc = call(est.fit, X, y, **kwargs)
    if exc is not None:
        assert_names_problem(exc, tags)
        return
    assert "nonfinite" not in tags and "large" not in tags
    check_result(est, "predict", X, est.predict(X))


# ------------------------------------------------ never a silent answer
NUMERIC_3D = ["RNNClassifier-3d", "RNNRegressor-3d", "RNNSequenceTagger-3d"]


@pytest.mark.parametrize("key", NUMERIC_3D)
@budget(150)
@given(data=st.data())
def test_nan_or_inf_never_gives_numbers(fitted, key, data):
    """A NaN or an infinity anywhere outside a mask: every method refuses."""
    est = fitted[key]
    X, _ = data.draw(valid_numeric(2), label="X")
    bad = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    form_X = X
    if isinstance(X, list):
        i = data.draw(st.integers(0, len(X) - 1))
        item = np.array(X[i], dtype=np.float64)
        item.flat[data.draw(st.integers(0, item.size - 1))] = bad
        form_X = X[:i] + [item] + X[i + 1 :]
    else:
        form_X = X.copy()
        live = np.flatnonzero(~np.ma.getmaskarray(form_X).ravel())
        np.ma.getdata(form_X).flat[data.draw(st.sampled_from(live.tolist()))] = bad
    name = type(est).__name__
    per_step = not isinstance(X, np.ndarray) or X.ndim != 2
    y = matching_y(name, X, per_step=per_step)
    for method in SPECS[name]["infer"] + ("fit",):
        args = (y,) if method in ("score", "fit") else ()
        target = copy.deepcopy(est) if method == "fit" else est
        with pytest.raises(ValueError, match=r"(?i)nan|inf"):
            getattr(target, method)(form_X, *args)


RELU = ["RNNClassifier-relu", "RNNRegressor-relu", "RNNSequenceTagger-relu"]


@pytest.mark.parametrize("key", RELU + ["CharRNNGenerator-relu"])
@budget(100)
@given(data=st.data())
def test_longer_and_larger_than_seen_answers_or_says_overflow(fitted, key, data):
    """Sequences far longer than in fit, values far larger: a finite answer
    or an error saying so (a relu cell's state can grow past any float)."""
    est = fitted[key]
    name = type(est).__name__
    if name == "CharRNNGenerator":
        X = data.draw(st.text("abc", min_size=1, max_size=3)) * data.draw(
            st.integers(1, 150)
        )
    else:
        n, T = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 60))
        values = hnp.arrays(np.float64, (n, T, 2), elements=st.floats(0.5, 3))
        scale = 10.0 ** data.draw(st.sampled_from([0, 30, 36, 37]))
        X = data.draw(values) * scale
    for method in SPECS[name]["infer"]:
        args = ()
        if method == "score" and name != "CharRNNGenerator":
            args = (matching_y(name, X, per_step=True),)
        if method == "generate":
            args = (2,)
        result, exc = call(getattr(est, method), X, *args)
        if exc is not None:  # (a score needs 2 tokens)
            assert re.search("overflowed|too large|2 or more", str(exc)), repr(exc)
        else:
            check_result(est, method, X, result)


@pytest.mark.parametrize("key", NUMERIC_3D + ["RNNSeq2Seq-symbols"])
@budget(150)
@given(data=st.data())
def test_data_under_a_mask_is_never_read(fitted, key, data):
    """A masked row is the sequence of its unmasked steps, whatever lies under
    the mask; a mask that cuts a sequence, or part of a step, is refused."""
    est = fitted[key]
    n = data.draw(st.integers(1, 4))
    T = data.draw(st.integers(1, 6))
    values = data.draw(
        hnp.arrays(np.float64, (n, T, 2), elements=st.floats(-3, 3, width=32))
    )
    first = np.array(data.draw(st.lists(st.integers(0, T - 1), min_size=n, max_size=n)))
    last = np.array([data.draw(st.integers(f + 1, T)) for f in first])
    steps = np.arange(T)[None, :]
    masked_steps = (steps < first[:, None]) | (steps >= last[:, None])
    mask = np.repeat(masked_steps[:, :, None], 2, axis=2)
    garbage = data.draw(st.sampled_from([np.nan, np.inf, 1e300, -7.0]))
    X = np.ma.MaskedArray(np.where(mask, garbage, values), mask=mask)
    alone = [values[i, first[i] : last[i]] for i in range(n)]
    masked_out, list_out = est.predict(X), est.predict(alone)
    if isinstance(est, RNNSequenceTagger):
        assert_array_equal(np.ma.compressed(masked_out), np.concatenate(list_out))
        assert_array_equal(np.ma.getmaskarray(masked_out), masked_steps)
    else:
        assert_array_equal(masked_out, list_out)
    # a hole in a row of 3 or more steps, or a single masked value
    i = int(np.argmax(last - first))
    cut = mask.copy()
    if last[i] - first[i] >= 3:
        cut[i, first[i] + 1] = True
    else:
        cut[i, first[i], 0] = True
    with pytest.raises(ValueError, match="mask"):
        est.predict(np.ma.MaskedArray(X.data, mask=cut))


@pytest.mark.parametrize("key", NUMERIC_3D + ["RNNSeq2Seq-symbols"])
@budget(100)
@given(
    X=hnp.arrays(
        np.int64,
        st.tuples(st.integers(1, 3), st.integers(1, 5), st.just(2)),
        elements=st.integers(0, 1),
    ),
    dtype=st.sampled_from(
        [np.int8, np.uint8, np.int64, np.bool_, np.float16, np.float32, object]
    ),
)
def test_the_dtype_of_numbers_never_changes_a_prediction(fitted, key, X, dtype):
    est = fitted[key]
    method = {"RNNRegressor": "predict", "RNNSeq2Seq": "transform"}.get(
        type(est).__name__, "predict_proba"
    )
    expected = getattr(est, method)(X.astype(np.float64))
    got = getattr(est, method)(X.astype(dtype))
    if isinstance(expected, list):
        for g, e in zip(got, expected, strict=True):
            assert_array_equal(g, e)
    else:
        assert_array_equal(got, expected)


@budget(200)
@given(context=st.text("abcxyé\U0001f600", max_size=8))
def test_unknown_symbols_named_or_skipped(fitted, context):
    """handle_unknown='error' names an unknown symbol; 'ignore' is as if it
    were not there."""
    strict = fitted["CharRNNGenerator-chars"]
    unknown = sorted(set(context) - set(strict.classes_.tolist()))
    known = "".join(c for c in context if c in strict.classes_)
    if unknown:
        for method in ("predict", "predict_proba", "score", "generate"):
            args = (2,) if method == "generate" else ()
            with pytest.raises(ValueError, match="unknown") as info:
                getattr(strict, method)(context, *args)
            assert any(repr(u) in str(info.value) for u in unknown)
    lenient = fitted["CharRNNGenerator-ignore"]
    assert_array_equal(lenient.predict_proba(context), lenient.predict_proba(known))
    assert (
        lenient.generate(context, 3, temperature=0)
        == context + lenient.generate(known, 3, temperature=0)[len(known) :]
    )
    if len(known) >= 2:
        assert lenient.score(context) == lenient.score(known)
    else:
        with pytest.raises(ValueError, match="2 or more tokens"):
            lenient.score(context)
    # the encoder, likewise
    table = np.array([list(context[:2].ljust(2, "a"))])
    enc = fitted["OneHotCharEncoder-chars"]
    if set(table.ravel()) - set(enc.categories_.tolist()):
        with pytest.raises(ValueError, match="unknown"):
            enc.transform(table)
    lenient_enc = OneHotCharEncoder(handle_unknown="ignore").fit(["abc"])
    onehot = lenient_enc.transform(table)
    for j, symbol in enumerate(table[0]):
        expected = (lenient_enc.categories_ == symbol).astype(np.float32)
        assert_array_equal(onehot[0, j], expected)


TOKEN_KEYS = ["RNNClassifier-tokens", "RNNRegressor-tokens", "RNNSequenceTagger-tokens"]
#: The models of symbols of every estimator that reads them (one column, two).
SYMBOL_KEYS = TOKEN_KEYS + ["RNNSeq2Seq-chars", "RNNSeq2Seq-tokens"]


def _per_sequence_outputs(est, X):
    """What ``est`` gives each sequence of ``X``: its probabilities (per step
    for the tagger), the regressor's prediction, or the encoder's summary."""
    if isinstance(est, RNNRegressor):
        return list(est.predict(X))
    if isinstance(est, RNNSeq2Seq):
        return list(est.transform(X))
    return list(est.predict_proba(X))


def _with_handle_unknown(est, handle_unknown):
    """A copy of the fitted ``est`` that handles unseen symbols so."""
    return copy.copy(est).set_params(handle_unknown=handle_unknown)


@pytest.mark.parametrize("key", SYMBOL_KEYS)
@budget(100)
@given(data=st.data())
def test_an_unseen_symbol_reads_as_a_rare_one(fitted, key, data):
    """Unseen symbols and the rare symbols of fit (infrequent_categories_)
    share the unknown code: with handle_unknown='unknown', each unseen symbol
    replaced by a rare one of its column gives exactly the same outputs; with
    'error', an unseen symbol is named and a rare one is taken."""
    est = fitted[key]
    F = est.n_features_per_step_
    rows = data.draw(word_rows(F), label="rows")
    form = data.draw(st.sampled_from(WORD_FORMS), label="form")
    seen = [
        set(c.tolist()) | set(r.tolist())
        for c, r in zip(est.categories_, est.infrequent_categories_, strict=True)
    ]
    rare = [st.sampled_from(r.tolist()) for r in est.infrequent_categories_]
    unseen = set()
    rows_seen = []
    for sequence in rows:
        rows_seen.append([])
        for row in sequence:
            unseen |= {x for k, x in enumerate(row) if x not in seen[k]}
            rows_seen[-1].append(
                [x if x in seen[k] else data.draw(rare[k]) for k, x in enumerate(row)]
            )
    X, X_seen = word_input(rows, F, form), word_input(rows_seen, F, form)
    lenient = _with_handle_unknown(est, "unknown")
    expected = _per_sequence_outputs(lenient, X_seen)
    _assert_same(_per_sequence_outputs(lenient, X), expected)
    strict = _with_handle_unknown(est, "error")
    _assert_same(_per_sequence_outputs(strict, X_seen), expected)
    if unseen:
        with pytest.raises(ValueError, match="unknown") as info:
            strict.predict(X)
        assert all(repr(x) in str(info.value) for x in unseen), info.value


@pytest.mark.parametrize("key", SYMBOL_KEYS)
@budget(100)
@given(data=st.data())
def test_each_token_sequence_has_its_own_outputs(fitted, key, data):
    """A sequence's outputs are the same in any order of X, alone, and in
    any form of X (lists, tuples, arrays, an array of str): to float32's
    rounding, as a batch of another size may take another BLAS kernel."""
    est = _with_handle_unknown(fitted[key], "unknown")
    F = est.n_features_per_step_
    rows = data.draw(word_rows(F, max_sequences=5), label="rows")
    form = data.draw(st.sampled_from(WORD_FORMS), label="form")
    order = data.draw(st.permutations(range(len(rows))), label="order")
    expected = _per_sequence_outputs(est, word_input(rows, F, "lists"))
    got = _per_sequence_outputs(est, word_input([rows[i] for i in order], F, form))
    for j, i in enumerate(order):
        assert_allclose(got[j], expected[i], rtol=1e-5, atol=1e-6)
    i = data.draw(st.integers(0, len(rows) - 1), label="alone")
    alone = _per_sequence_outputs(est, word_input(rows[i : i + 1], F, form))
    assert_allclose(alone[0], expected[i], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("key", NUMERIC_3D + TOKEN_KEYS)
@budget(50)
@given(data=st.data())
def test_the_other_kind_of_input_is_refused_by_name(fitted, key, data):
    """Numbers to a model fitted on symbols, symbols to one fitted on
    numbers: every inference method, partial_fit and a warm start raise a
    ValueError saying which kind the model was fitted on."""
    est = fitted[key]
    name = type(est).__name__
    if est._fit_X_form == "tokens":
        X, _ = data.draw(valid_numeric(est.n_features_per_step_), label="X")
        match = "fitted on token sequences"
    else:
        F = data.draw(st.sampled_from([1, 2]), label="columns")
        form = data.draw(st.sampled_from(WORD_FORMS), label="form")
        X = word_input(data.draw(word_rows(F), label="rows"), F, form)
        match = "fitted on numeric sequences"
    y = matching_y(name, X, per_step=True)
    for method in (*SPECS[name]["infer"], "partial_fit", "warm start"):
        target = est if method in SPECS[name]["infer"] else copy.deepcopy(est)
        if method == "warm start":  # a fit that continues the fitted model
            target.set_params(warm_start=True)
            method = "fit"
        args = () if method.startswith("predict") else (y,)
        with pytest.raises(ValueError, match=match):
            getattr(target, method)(X, *args)


@pytest.mark.parametrize(
    "key",
    NUMERIC_3D
    + TOKEN_KEYS
    + ["CharRNNGenerator-chars", "RNNSeq2Seq-tokens", "RNNSeq2Seq-vectors"],
)
@budget(150)
@given(data=st.data())
def test_a_failed_partial_fit_changes_nothing(fitted, key, data):
    """A partial_fit that raises leaves the model exactly as it was."""
    est = copy.deepcopy(fitted[key])
    name = type(est).__name__
    if name == "RNNSeq2Seq":
        X = sources_for(data, est)
    else:
        X = data.draw(st.one_of(ANY_X, near_valid(name, est)), label="X")
    tokens = getattr(est, "_fit_X_form", None) == "tokens"
    if name == "RNNSeq2Seq":
        ref = SEQ2SEQ_SOURCES[key]
    elif tokens:
        ref = _WORDS2 if est.n_features_per_step_ == 2 else _WORDS
    else:
        ref = _X3 if name in SUPERVISED else "abcab"
    before = est.predict(ref), sorted(vars(est)), est._params.copy(), est.t_
    categories = copy.deepcopy(getattr(est, "categories_", None))
    vocabulary = getattr(est, "target_vocabulary_", None)
    if name == "RNNSeq2Seq":
        kwargs = {}
        if data.draw(st.booleans(), label="with target_vocabulary"):
            # the same, or another
            kwargs["target_vocabulary"] = data.draw(
                st.one_of(st.just(vocabulary.tolist()), ANY_Y),
                label="target_vocabulary",
            )
        y = outputs_for(data, n_sequences(X), est)
        _, exc = call(est.partial_fit, X, y, **kwargs)
    elif name in SUPERVISED:
        if data.draw(st.booleans(), label="wild y"):
            y = data.draw(ANY_Y, label="y")
        else:
            y = matching_y(name, X, per_step=True)
        _, exc = call(est.partial_fit, X, y)
    else:
        _, exc = call(est.partial_fit, X)
    if exc is None:
        return
    after = est.predict(ref), sorted(vars(est)), est._params, est.t_
    _assert_same(after[0], before[0])
    assert after[1] == before[1]
    assert_array_equal(after[2], before[2])
    assert after[3] == before[3]
    if tokens:  # the vocabularies too
        _assert_same(est.categories_, categories)
    if vocabulary is not None:
        assert_array_equal(est.target_vocabulary_, vocabulary)


# ------------------------------------------------------- regression tests
# Each reproduces an example the properties above found, with the fix's
# commit in mind: what was wrong, and what happens now.


@pytest.mark.parametrize("Est", [RNNClassifier, RNNRegressor, RNNSequenceTagger])
def test_list_of_masked_arrays_is_refused_not_read_under_the_mask(Est):
    # Found: the mask of a list item was dropped, so the hidden data (here
    # 1e6) went into the numbers. Now a TypeError names the masked array.
    X = _X3
    y = FIT_Y[Est.__name__]
    est = make(Est.__name__).fit(X, y)
    item = np.ma.MaskedArray([[1.0, 2.0], [1e6, 1e6]], mask=[[0, 0], [1, 1]])
    with pytest.raises(TypeError, match="masked"):
        est.predict([item])
    # an item with nothing masked is an array like any other
    plain = np.ma.MaskedArray([[1.0, 2.0]])
    assert_array_equal(est.predict([plain]), est.predict([plain.data]))


@pytest.mark.parametrize("Est", [RNNClassifier, RNNRegressor, RNNSequenceTagger])
def test_masked_X_without_sequences_is_refused(Est):
    # Found: fit on an empty masked X failed with "range() arg 3 must not be
    # zero", and predict returned an empty array. Now both name the shape.
    y = FIT_Y[Est.__name__]
    empty = np.ma.zeros((0, 3, 2))
    with pytest.raises(ValueError, match=r"shape \(0, 3, 2\)"):
        make(Est.__name__).fit(empty, y[:0])
    est = make(Est.__name__).fit(_X3, y)
    for X in (empty, np.ma.zeros((2, 0, 2)), np.ma.zeros((2, 3, 0))):
        with pytest.raises(ValueError, match="shape"):
            est.predict(X)


@pytest.mark.parametrize(
    "key",
    [
        "RNNClassifier-3d",
        "RNNRegressor-3d",
        "RNNSequenceTagger-3d",
        "CharRNNGenerator-chars",
    ],
)
def test_inference_ignores_hyperparameters_changed_after_fit(fitted, key):
    # Found: after set_params(dtype="float64") (or hidden_size=8 for the
    # generator) without a refit, inference built its input or its state
    # from the new value and failed ("Dense input must have ... dtype
    # float32", "h0 must have shape (1, 1, 4), got (1, 1, 8)"). A fitted
    # model's predictions depend on the fitted network only, as in
    # scikit-learn; the new values act at the next fit.
    est = copy.deepcopy(fitted[key])
    char_level = key.startswith("CharRNNGenerator")
    X = "abca" if char_level else _X3
    methods = ["predict", "score"] + (
        ["predict_proba"] if "Regressor" not in key else []
    )
    args = () if char_level else (FIT_Y[type(est).__name__],)
    before = {
        m: getattr(est, m)(X, *args) if m == "score" else getattr(est, m)(X)
        for m in methods
    }
    if char_level:
        before["generate"] = est.generate("ab", 3, random_state=0)
    est.set_params(dtype="float64", hidden_size=8)
    for m, expected in before.items():
        if m == "generate":
            assert est.generate("ab", 3, random_state=0) == expected
            continue
        got = getattr(est, m)(X, *args) if m == "score" else getattr(est, m)(X)
        assert_array_equal(got, expected)


def test_generator_takes_true_as_an_integer():
    # Found: hidden_size=True (an Integral, as scikit-learn's validation
    # accepts) failed in fit with "an integer is required" when the
    # generator shaped its state; the other estimators read it as 1.
    gen = CharRNNGenerator(hidden_size=True, seq_length=3, max_iter=1).fit("abcab")
    assert gen.params_["W_hh_l0"].shape == (1, 4)


@pytest.mark.parametrize(
    "key, seed",
    [
        ("CharRNNGenerator-tokens", np.array(0)),
        ("CharRNNGenerator-tokens", None),
        ("CharRNNGenerator-tokens", 5),
        ("CharRNNGenerator-chars", None),
        ("CharRNNGenerator-chars", 5),
        ("CharRNNGenerator-chars", {"a": 1}),
    ],
)
def test_generate_names_a_seed_of_the_wrong_type(fitted, key, seed):
    # Found: generate(np.array(0)) on a token model failed with "len() of
    # unsized object", and a None or int seed with "'int' object is not
    # iterable". Now a TypeError says what a seed must be.
    with pytest.raises(TypeError, match="seed must be"):
        fitted[key].generate(seed, 2)


@pytest.mark.parametrize("random_state", ["x", 1.5, np.random.default_rng(0)])
def test_generate_names_a_random_state_that_cannot_seed(fitted, random_state):
    # Found: generate(random_state="x") failed with "Cannot cast scalar from
    # dtype('<U1') to dtype('int64') according to the rule 'safe'" (a
    # Generator likewise). Now scikit-learn's check_random_state names it.
    with pytest.raises(ValueError, match="cannot be used to seed"):
        fitted["CharRNNGenerator-chars"].generate("ab", 2, random_state=random_state)
    # and a valid random_state gives what it gave before
    gen = fitted["CharRNNGenerator-chars"]
    assert gen.generate("ab", 5, random_state=3) == gen.generate(
        "ab", 5, random_state=np.random.RandomState(3)
    )


def test_generate_takes_true_as_one_token(fitted):
    # Found: generate("ab", True) (n is validated as an Integral, which True
    # is) failed with "an integer is required" when allocating the output.
    gen = fitted["CharRNNGenerator-chars"]
    assert gen.generate("ab", True, random_state=0) == gen.generate(
        "ab", 1, random_state=0
    )


def test_generator_takes_a_seq_length_beyond_int64():
    # Found: seq_length=10**30 (valid: an int >= 1) failed in fit with "high
    # is out of bounds for int64" when drawing the epoch's phase. A window
    # longer than the corpus reads each document whole.
    big = make("CharRNNGenerator", seq_length=10**30).fit("abcab")
    whole = make("CharRNNGenerator", seq_length=10**6).fit("abcab")
    assert_array_equal(big._params, whole._params)


def test_sliding_window_takes_true_as_one():
    # Found: SlidingWindowTransformer(seq_length=True) (an Integral, so
    # accepted) failed in transform with "an integer is required".
    X = _X3[:, 0]
    Xt = SlidingWindowTransformer(seq_length=True).fit_transform(X)
    assert_array_equal(Xt, SlidingWindowTransformer(seq_length=1).fit_transform(X))


def test_sliding_window_names_a_seq_length_past_any_array():
    # Found: seq_length=10**30 (valid: an int >= 1) failed in transform with
    # numpy's "Maximum allowed dimension exceeded", which names nothing. Now
    # a ValueError names seq_length and the memory it asks for before
    # anything is allocated.
    swt = SlidingWindowTransformer(seq_length=10**30).fit(_X3[:, 0])
    with pytest.raises(ValueError, match=r"seq_length=10+\).* would need about"):
        swt.transform(_X3[:, 0])


@pytest.mark.parametrize("dtype", [str, "U3", "datetime64[s]", "V4", "i4, i4"])
def test_one_hot_refuses_a_dtype_that_is_not_a_number(dtype):
    # Found: OneHotCharEncoder(dtype=str) returned the strings '1' and '',
    # dtype="datetime64[s]" dates of 1970, and dtype="V4" failed with "a
    # bytes-like object is required, not 'int'". Now fit names the dtype.
    with pytest.raises(ValueError, match="dtype must be a number type"):
        OneHotCharEncoder(dtype=dtype).fit([["a", "b"]])
    enc = OneHotCharEncoder().fit([["a", "b"]]).set_params(dtype=dtype)
    with pytest.raises(ValueError, match="dtype must be a number type"):
        enc.transform([["a", "b"]])


@pytest.mark.parametrize("dtype", [-1, "x", [1], float("nan")])
def test_one_hot_names_a_dtype_that_is_not_a_data_type(dtype):
    with pytest.raises(TypeError, match=r"dtype=.* is not a NumPy data type"):
        OneHotCharEncoder(dtype=dtype).fit([["a", "b"]])


@pytest.mark.parametrize("dtype", [bool, np.int8, np.float16, None, complex])
def test_one_hot_takes_any_number_type(dtype):
    Xt = OneHotCharEncoder(dtype=dtype).fit_transform([["a", "b"]])
    assert Xt.dtype == np.dtype(dtype)
    assert_array_equal(Xt, [[[1, 0], [0, 1]]])


@pytest.mark.parametrize(
    "categories, error, match",
    [
        (np.float16, ValueError, "categories must be 'auto' or a non-empty 1-D"),
        ([[1, 2], [3]], ValueError, "categories must be 'auto' or a non-empty 1-D"),
        ([None, None], TypeError, r"categories are sorted.*\['NoneType'\]"),
        ([None, "a"], TypeError, r"categories are sorted.*\['NoneType', 'str'\]"),
    ],
)
def test_one_hot_names_categories_that_are_not_a_list_of_symbols(
    categories, error, match
):
    # Found: categories=np.float16 (a type: array-like to scikit-learn's
    # validation) failed with "'type' object is not iterable", and
    # categories=[None, None] with a message about "the input argument".
    with pytest.raises(error, match=match):
        OneHotCharEncoder(categories=categories).fit([["a", "b"]])


def test_masked_value_too_large_for_float32_is_named():
    # Found: a masked X holding 3.4028235677973366e+38 (finite, but past
    # float32) was refused with "Input X contains NaN or infinity", which
    # it does not; the other forms say "a value too large for float32".
    est = make("RNNClassifier").fit(_X3, _Y)
    X = np.ma.MaskedArray(_X3.copy(), mask=np.zeros_like(_X3, dtype=bool))
    X[0, 0, 0] = 3.4028235677973366e38
    with pytest.raises(ValueError, match="too large for dtype"):
        est.predict(X)
    X[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        est.predict(X)


def test_generate_returns_a_token_seed_verbatim():
    # Found: generate("", 2) on an integer token model failed with "invalid
    # literal for int() with base 10: ''"; with handle_unknown='ignore', an
    # unknown seed token was cast to the vocabulary's dtype: 'zz' with
    # integer tokens failed the same way, 'tulip' became 'tuli' in a '<U4'
    # vocabulary and 2.5 became 2. The seed is returned verbatim (an object
    # array when the vocabulary's dtype cannot hold it).
    ints = make("CharRNNGenerator", handle_unknown="ignore").fit([[0, 1, 2, 0], [2, 1]])
    words = make("CharRNNGenerator", handle_unknown="ignore").fit(
        [["rose", "is"], ["is", "a", "rose"]]
    )
    for gen, seed in [
        (ints, ""),
        (ints, [1, "zz"]),
        (ints, [1, 2.5]),
        (words, ["a", "tulip"]),
    ]:
        out = gen.generate(seed, 2, random_state=0)
        assert len(out) == len(seed) + 2
        assert list(out[: len(seed)]) == list(seed)
        assert out[: len(seed)].tolist() == list(seed)
        assert np.isin(out[len(seed) :], gen.classes_).all()
    # known seeds keep the vocabulary's dtype
    assert ints.generate([1, 2], 2).dtype == ints.classes_.dtype
    assert words.generate(["a", "rose"], 2).dtype == words.classes_.dtype


@pytest.mark.parametrize("X", [_X2, _X3, _X1])
def test_tagger_names_a_0d_object_y(X):
    # Found: RNNSequenceTagger.fit(X, np.array(0, dtype=object)) failed with
    # an IndexError ("too many indices for array") while telling a nested y
    # from a flat one. Now the layout check names y's shape.
    with pytest.raises(ValueError, match=r"y .*shape \(\)"):
        make("RNNSequenceTagger").fit(X, np.array(0, dtype=object))


def test_an_overflowing_network_raises_instead_of_answering():
    # Found: a vanilla relu cell's state grows without bound. On a context of
    # 138 characters (longer than any training window), this generator's
    # next-token probabilities were NaN, generate continued with 'aaaaa' (the
    # argmax of NaN) and score was -inf; on large positive values, a relu
    # classifier's predict returned class 0 for NaN probabilities and the
    # regressor NaN. Now each raises a ValueError saying the outputs
    # overflowed.
    gen = FITS["CharRNNGenerator-relu"]()
    context = "abc" * 46
    assert np.isfinite(gen.predict_proba(context[:-3])).all()
    for method, args in [
        ("predict", ()),
        ("predict_proba", ()),
        ("predict_log_proba", ()),
        ("score", ()),
        ("perplexity", ()),
        ("generate", (5,)),
    ]:
        with pytest.raises(ValueError, match="outputs overflowed"):
            getattr(gen, method)(context, *args)
    # generation that overflows on its own new tokens
    with pytest.raises(ValueError, match="outputs overflowed"):
        gen.generate(context[:-3], 10, temperature=0)
    X = np.abs(np.repeat(_X3, 30, axis=1)) * 1e37
    for key in ("RNNClassifier-relu", "RNNRegressor-relu", "RNNSequenceTagger-relu"):
        est = FITS[key]()
        y = FIT_Y[type(est).__name__]
        if isinstance(est, RNNSequenceTagger):
            y = np.repeat(y, 30, axis=1)
        for method in SPECS[type(est).__name__]["infer"]:
            args = (y,) if method == "score" else ()
            with pytest.raises(ValueError, match="outputs overflowed"):
                getattr(est, method)(X, *args)


@pytest.mark.parametrize("Est", [RNNClassifier, RNNSequenceTagger])
@pytest.mark.parametrize("weight", [np.nan, np.inf, None, "a"])
def test_class_weight_values_must_be_finite_numbers(Est, weight):
    # Found: class_weight={0: nan} (or None) failed with "The loss
    # normalizer (sum of weights) must be positive", {0: inf} with a
    # non-finite loss advising to lower learning_rate_init, {0: "a"} with
    # "could not convert string to float": none named class_weight.
    est = make(Est.__name__, class_weight={0: weight, 1: 1.0})
    with pytest.raises(ValueError, match=r"class_weight\[0\] is"):
        est.fit(_X3, FIT_Y[Est.__name__])


@pytest.mark.parametrize("Est", [RNNClassifier, RNNSequenceTagger, RNNRegressor])
@pytest.mark.parametrize(
    "sample_weight, class_weight",
    [
        (np.full(6, 3.40282357e38), None),  # the example found
        (np.full(6, 1e38), None),  # each fits float32, their sum does not
        (np.full(6, 1e20), {0: 1e20, 1: 1.0}),  # the product does not
    ],
)
def test_weights_too_large_for_the_dtype_are_named(Est, sample_weight, class_weight):
    # Found: RNNClassifier.fit(..., sample_weight=[3.40282357e+38]) failed
    # with a non-finite loss advising to lower learning_rate_init: the
    # weights became inf when cast to float32. And weights that fit but whose
    # sum does not made the loss's normalizer inf: the regressor then
    # silently learnt nothing (a loss of 0).
    if Est is RNNRegressor and class_weight is not None:
        return
    est = make(Est.__name__, **({"class_weight": class_weight} if class_weight else {}))
    with pytest.raises(ValueError, match="sample_weight .* too large for float32"):
        est.fit(_X3, FIT_Y[Est.__name__], sample_weight=sample_weight)


def test_regressor_names_targets_too_large_for_its_dtype():
    # Found: RNNRegressor.fit(X, y) with y = 3.40282357e+38 (finite, but
    # infinite in float32) failed with a non-finite loss advising to lower
    # learning_rate_init. Now a ValueError names y; float64 takes it.
    y = np.full(6, 3.40282357e38)
    with pytest.raises(ValueError, match="y holds a value too large for float32"):
        make("RNNRegressor").fit(_X3, y)
    reg = make("RNNRegressor", dtype=np.float64).fit(_X3, y)
    assert np.isfinite(reg.predict(_X3)).all()


@pytest.mark.parametrize("Est", [RNNClassifier, RNNSequenceTagger])
def test_infinite_labels_are_refused(Est):
    # Found: RNNClassifier.fit(X, y) with y all -inf in float16 fitted one
    # class, -inf (scikit-learn's type_of_target lets it through, while
    # MLPClassifier's y check refuses it); the tagger too.
    y = np.full(FIT_Y[Est.__name__].shape, -np.inf, dtype=np.float16)
    with pytest.raises(ValueError, match="y contains infinity"):
        make(Est.__name__).fit(_X3, y)


def test_sliding_window_refuses_infinity_among_symbols():
    # Found: SlidingWindowTransformer took an object column of symbols
    # holding inf (np.array([["a"], [np.inf]], dtype=object)) and windowed
    # it: scikit-learn's finiteness check of object arrays looks for NaN
    # only. NaN and infinity are refused, as documented.
    for bad in (np.inf, -np.inf, np.nan):
        X = np.array([["a"], [bad]], dtype=object)
        with pytest.raises(ValueError, match="(?i)infinity|nan"):
            SlidingWindowTransformer().fit(X)
        with pytest.raises(ValueError, match="(?i)infinity|nan"):
            SlidingWindowTransformer().fit([["a"], ["b"]]).transform(X)


@pytest.mark.parametrize(
    "bad",
    [
        np.float32(np.nan),
        np.float16(np.inf),
        complex("nan"),
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("-Infinity"),
    ],
    ids=repr,
)
def test_non_finite_tokens_of_any_number_type_are_refused(bad):
    # Found: only Python floats were checked, so np.float16(inf) became a
    # token of the vocabulary, np.float32(nan) was reported as an "unknown
    # symbol" in fit and silently skipped in predict with
    # handle_unknown='ignore', and Decimal('NaN') failed with
    # decimal.InvalidOperation (neither a ValueError nor a TypeError).
    # (A signaling NaN cannot even be hashed; it is refused before hashing.)
    with pytest.raises(ValueError, match="NaN"):
        make("CharRNNGenerator").fit([[bad, 1.0, 2.0], [2.0, 1.0]])
    gen = make("CharRNNGenerator", handle_unknown="ignore").fit([[0.0, 1.0, 2.0]])
    with pytest.raises(ValueError, match="NaN or infinity"):
        gen.predict_proba([[bad, 1.0]])


@pytest.mark.parametrize(
    "bad", [Decimal("NaN"), Decimal("Infinity"), complex("nan")], ids=repr
)
def test_preprocessing_refuses_non_finite_numbers_of_any_type(bad):
    # Found: the transformers checked object arrays for non-finite Python
    # and NumPy reals only: Decimal('Infinity') became a category of
    # OneHotCharEncoder and a windowed symbol of SlidingWindowTransformer,
    # and sliding_windows took Decimal('NaN') and complex NaN.
    match = "(?i)nan|infinity"
    with pytest.raises(ValueError, match=match):
        OneHotCharEncoder().fit(np.array([[bad, Decimal(1)]], dtype=object))
    with pytest.raises(ValueError, match=match):
        SlidingWindowTransformer().fit(np.array([["a"], [bad]], dtype=object))
    with pytest.raises(ValueError, match=match):
        sliding_windows(np.array(["a", bad, "b"], dtype=object), 1)


def test_sliding_window_refuses_masked_values_instead_of_reading_them():
    # Found: SlidingWindowTransformer read a masked X as its data, so the
    # values under the mask (1e6, or the symbol 'SECRET') became window
    # steps. Masked values are refused; a masked array without any is an
    # array like any other.
    swt = SlidingWindowTransformer(seq_length=2)
    for data in ([[1.0], [1e6], [3.0]], [["a"], ["SECRET"], ["b"]]):
        X = np.ma.MaskedArray(data, mask=[[0], [1], [0]])
        with pytest.raises(TypeError, match="masked"):
            swt.fit(X)
        with pytest.raises(TypeError, match="masked"):
            swt.fit(np.ma.getdata(X)).transform(X)
        plain = np.ma.MaskedArray(data)
        assert_array_equal(swt.fit_transform(plain), swt.fit_transform(plain.data))


def test_generator_refuses_masked_tokens_instead_of_reading_them():
    # Found: CharRNNGenerator read a masked array of tokens as its data: fit
    # on [["a", --, "b"]] learnt the hidden token 'SECRET' into classes_.
    X = np.ma.MaskedArray([["a", "SECRET", "b"]], mask=[[0, 1, 0]])
    with pytest.raises(TypeError, match="masked"):
        make("CharRNNGenerator").fit(X)
    gen = make("CharRNNGenerator").fit([["a", "b", "a"]])
    for method in ("predict", "predict_proba", "score"):
        with pytest.raises(TypeError, match="masked"):
            getattr(gen, method)(X)
    plain = np.ma.MaskedArray([["a", "b", "a"]])
    assert_array_equal(gen.predict_proba(plain), gen.predict_proba(plain.data))


@pytest.mark.parametrize("Est", [RNNClassifier, RNNSequenceTagger])
@pytest.mark.parametrize(
    "classes, error",
    [
        (np.array([Decimal("NaN"), Decimal("NaN")], dtype=object), ValueError),
        ([np.array(0)], TypeError),
        ([np.nan, 1.0], ValueError),
    ],
    ids=["Decimal-NaN", "array", "nan"],
)
def test_partial_fit_names_classes_that_are_not_labels(Est, classes, error):
    # Found: partial_fit(X, y, classes=np.array([Decimal('NaN')] * 2,
    # dtype=object)) failed with decimal.InvalidOperation (neither a
    # ValueError nor a TypeError) while sorting the classes; the other
    # errors of scikit-learn's unique_labels did not say they were about
    # classes.
    y = FIT_Y[Est.__name__]
    with pytest.raises(error, match="classes are not valid labels"):
        make(Est.__name__).partial_fit(_X3, y, classes=classes)


def test_generator_keeps_integer_tokens_that_float64_would_round():
    # Found: the vocabulary of [[0.0, 1.0], [2**53 + 1, 1]] was made a
    # float64 array, which rounds 2**53 + 1 to 2**53, so fit then called
    # its own token an "unknown symbol".
    big = 2**53 + 1
    gen = make("CharRNNGenerator").fit([np.array([0.0, 1.0]), np.array([big, 1])])
    assert big in gen.classes_.tolist()
    assert gen.predict([[big, 1]]).shape == (1,)


def test_generate_reads_a_0d_array_as_the_token_it_holds():
    # Found: generate([np.array(0)]) failed with "unhashable type:
    # 'numpy.ndarray'", naming no problem; a 0-d array is its scalar.
    gen = make("CharRNNGenerator").fit([[0, 1, 2, 0, 1, 2]])
    assert_array_equal(
        gen.generate([np.array(0)], 3, temperature=0),
        gen.generate([0], 3, temperature=0),
    )


@pytest.mark.parametrize(
    "token", [{}, [0, 1], np.ma.masked], ids=["dict", "list", "masked"]
)
def test_generator_names_a_token_that_is_not_a_symbol(token):
    gen = make("CharRNNGenerator").fit([[0, 1, 2, 0, 1, 2]])
    doc = np.empty(2, dtype=object)
    doc[:] = [0, None]
    doc[1] = token
    with pytest.raises(TypeError, match="masked|hashable"):
        gen.predict([doc])
    with pytest.raises(TypeError, match="masked|hashable"):
        make("CharRNNGenerator").fit([doc, [0, 1]])


def test_regressor_names_a_ragged_y():
    # Found (numpy 1.21): y=[np.array(0), np.array([0, 0])] became an object
    # array of arrays, and scikit-learn's finiteness check failed with
    # AttributeError: 'bool' object has no attribute 'any'.
    with pytest.raises(ValueError, match="y is ragged"):
        make("RNNRegressor").fit(_X3[:2], [np.array(0), np.array([0, 0])])


def test_generate_takes_an_integer_temperature_of_any_size(fitted):
    # Found (numpy 1.21): temperature=10**33, a Python int past int64, made
    # the logits' division an object operation and failed with a TypeError
    # about ufunc casting that did not name the temperature.
    gen = fitted["CharRNNGenerator-chars"]
    out = gen.generate("ab", 5, temperature=10**33, random_state=0)
    assert len(out) == 7
    with pytest.raises(ValueError, match="temperature is too large"):
        gen.generate("ab", 5, temperature=10**400)


def test_sizes_past_the_machine_are_named_at_once():
    # Found: hidden_size=2**62 failed with "OverflowError: Python int too
    # large to convert to C long"; CharRNNGenerator(num_layers=86374) took
    # 31 s to fit 4-wide layers on 8 characters (num_layers=1704441: 11
    # minutes); SlidingWindowTransformer(seq_length=95417497) filled 17 GiB
    # in 30 s. A fit (or a transform) that the machine cannot hold is
    # refused before allocating, naming the parameters and the memory asked
    # for; num_layers is at most 1000.
    with pytest.raises(ValueError, match=r"hidden_size=4611686018427387904.*memory"):
        make("RNNClassifier", hidden_size=2**62).fit(*TRAIN["RNNClassifier"])
    with pytest.raises(ValueError, match="num_layers"):
        make("CharRNNGenerator", num_layers=86374).fit(*TRAIN["CharRNNGenerator"])
    swt = make("SlidingWindowTransformer", seq_length=95417497)
    X = TRAIN["SlidingWindowTransformer"][0]
    with mock.patch("skrnn._memory.available_memory", return_value=SMALL_MACHINE):
        with pytest.raises(ValueError, match=r"seq_length=95417497\).*memory"):
            swt.fit_transform(X)


@pytest.mark.parametrize("encoding", ["", "x", "hex"])
@pytest.mark.parametrize("method", ["fit", "transform", "fit_transform"])
def test_text_tokenizer_names_an_encoding_that_is_not_a_text_encoding(encoding, method):
    # Found: TextTokenizer(encoding="") fitted, then failed in transform on a
    # bytes document with LookupError ("unknown encoding: "), neither a
    # ValueError nor a TypeError; 'hex' (a codec, but not of text) likewise.
    # Now fit, transform and fit_transform name the encoding, bytes or not.
    for X in (_DOCS, ["no bytes"]):
        with pytest.raises(
            ValueError, match=re.escape(f"encoding={encoding!r} is not a text")
        ):
            getattr(TextTokenizer(encoding=encoding), method)(X)
    assert TextTokenizer(encoding="utf-16").fit_transform(["a"]) == [["a"]]


@pytest.mark.parametrize("param", ["strip_accents", "preprocessor", "tokenizer"])
def test_text_tokenizer_names_the_callable_that_failed(param):
    # Found: TextTokenizer(preprocessor=np.float16), a callable as the
    # parameter must be, failed in transform with "could not convert string
    # to float: 'To be, or not to be?'", which names no parameter. An error
    # of a callable parameter now names it (and the document), keeping its
    # type (ValueError or TypeError) and cause.
    tok = TextTokenizer(**{param: np.float16}).fit(_DOCS)
    with pytest.raises(
        ValueError,
        match=rf"Document 0 could not be tokenized with {param}=<class "
        r"'numpy\.float16'>: ValueError: could not convert string to float",
    ) as info:
        tok.transform(_DOCS)
    assert isinstance(info.value.__cause__, ValueError)
    returns_none = TextTokenizer(preprocessor=lambda doc: None)
    with pytest.raises(TypeError, match=r"with preprocessor=<function .*string"):
        returns_none.transform(["a"])


def test_text_tokenizer_names_the_pattern_that_found_no_token():
    # Found: with token_pattern='0', no document had a token, and the error
    # named empty_token as the way out but not token_pattern as the cause.
    with pytest.raises(ValueError, match=r"token_pattern='0' finds none in them"):
        TextTokenizer(token_pattern="0").fit_transform(_DOCS)
    with pytest.raises(ValueError, match=r"\(once the stop_words are removed\)"):
        TextTokenizer(stop_words=["the"]).fit_transform(["the", "a"])


@pytest.mark.parametrize(
    "X, error, match",
    [
        ("", TypeError, r"Expected a list of token sequences .*; got str"),
        ("a fine film", TypeError, r"Expected a list .*; got str"),
        (None, TypeError, r"Expected a list .*; got NoneType"),
        ([], ValueError, r"X is empty"),
        ([[], []], ValueError, r"Sequence 0 is empty"),
        ([[None, None], [None]], ValueError, r"step 0, column 0 is None"),
    ],
    ids=["empty-str", "str", "None", "empty", "empty-sequences", "None-symbols"],
)
def test_a_token_model_names_what_holds_neither_symbols_nor_numbers(X, error, match):
    # Found: a model fitted on tokens took any X that is not token input for
    # numbers: predict("") (a str, as a single document may be passed),
    # predict(None), predict([]) and predict([[], []]) all said "X holds
    # numbers", which they do not. Such an X (no symbol among its first
    # values, and no number either) is now read as token input, whose reader
    # names its problem; numbers are still refused as the other kind.
    est = FITS["RNNClassifier-tokens"]()
    with pytest.raises(error, match=match):
        est.predict(X)
    with pytest.raises(error, match=match):
        est.partial_fit(X, _Y[: n_sequences(X)])
    with pytest.raises(ValueError, match="fitted on token sequences.*holds numbers"):
        est.predict([[None, 1.0], [2.0]])
