# SPDX-License-Identifier: BSD-3-Clause
"""Targets and weights: labels, values, and output sequences.

Labels for the classifiers, values for the regressor, and sequences of
symbols for the encoder-decoder (:func:`output_sequences`), whose
vocabulary follows the same rule as ``classes_``: learned by a new model,
kept by a warm start or a later ``partial_fit`` (a symbol outside it is an
error).

Which classes a fit learns follows scikit-learn's ``MLPClassifier``
(``_validate_input``), with one difference marked (*):

==========  ===========  ======  ============================================
fit call    warm_start   fitted  classes_
==========  ===========  ======  ============================================
fit         False        any     learned from ``y`` (a new model)
fit         True         no      learned from ``y``
fit         True         yes     kept; the labels of ``y`` must be among them
                                 (*MLP asks for exactly the same set; a
                                 subset is safe: the output layer keeps one
                                 column per class)
partial     any          no      ``classes=`` (required), which must hold
                                 every label of ``y``
partial     any          yes     kept; ``classes=``, if given, must equal
                                 them; the labels of ``y`` must be among them
==========  ===========  ======  ============================================

Nothing here changes an estimator: the functions return what a fit will
record once it succeeds.
"""

import warnings
from numbers import Real

import numpy as np
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import assert_all_finite
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import _check_sample_weight, check_array

from ._engine.packing import Ragged
from ._tokens import build_vocabulary, encode_documents

__all__ = [
    "check_outputs",
    "check_partial_fit_classes",
    "check_target_vocabulary",
    "check_y_present",
    "encode_labels",
    "decode_output",
    "label_weights",
    "output_sequences",
    "regression_targets",
    "sample_weights",
]


def check_y_present(estimator, y):
    """Raise scikit-learn's error for a supervised fit without ``y``."""
    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target "
            "y is None."
        )


def check_classes(classes):
    """``unique_labels(classes)``, or an error that names ``classes``.

    Labels that cannot be sorted raise what their comparison raises
    (``decimal.InvalidOperation`` for ``Decimal('NaN')``): it becomes a
    ValueError or TypeError about ``classes``.
    """
    try:
        return unique_labels(classes)
    except TypeError as exc:
        raise TypeError(f"classes are not valid labels: {exc}") from None
    except (ValueError, ArithmeticError) as exc:
        raise ValueError(f"classes are not valid labels: {exc}") from None


def check_partial_fit_classes(estimator, classes):
    """The ``classes=`` argument of ``partial_fit``, checked (see the table).

    Returns
    -------
    ndarray or None
        The sorted classes, or None when not given.
    """
    fitted = getattr(estimator, "classes_", None)
    if fitted is None and classes is None:
        raise ValueError("classes must be passed on the first call to partial_fit.")
    if classes is None:
        return None
    classes = check_classes(classes)
    if fitted is not None and not np.array_equal(fitted, classes):
        raise ValueError(
            f"`classes={classes!r}` is not the same as on the last call to "
            f"partial_fit, was: {fitted!r}"
        )
    return classes


def encode_labels(y, fitted_classes, classes=None):
    """The classes a fit learns (see the table) and the codes of ``y``.

    Parameters
    ----------
    y : ndarray of shape (n_labels,)
    fitted_classes : ndarray or None
        The model's ``classes_`` when it keeps them (a warm start or a later
        ``partial_fit``); None when the fit learns them.
    classes : ndarray or None
        The first ``partial_fit``'s ``classes=``.

    Returns
    -------
    classes_ : ndarray of shape (n_classes,)
    codes : ndarray of int, shape (n_labels,)
    """
    assert_all_finite(y, input_name="y")  # type_of_target passes float16 -inf
    check_classification_targets(y)
    seen = unique_labels(y)
    known = fitted_classes if fitted_classes is not None else classes
    if known is None:
        known = seen
    unseen = np.setdiff1d(seen, known)
    if fitted_classes is not None and len(unseen):
        raise ValueError(
            f"`y` has classes not in `self.classes_`. `self.classes_` has "
            f"{fitted_classes}. 'y' has {seen}."
        )
    if len(unseen):
        raise ValueError(f"`y` has classes {unseen} not in `classes`.")
    encoder = LabelEncoder().fit(known)
    return encoder.classes_, encoder.transform(y)


def check_class_weight(class_weight):
    """Raise a ValueError unless every weight of a dict is a finite number.

    ``compute_sample_weight`` takes the values as they are, and a NaN or
    None weight would make the loss NaN.
    """
    if not isinstance(class_weight, dict):
        return
    for label, weight in class_weight.items():
        if not isinstance(weight, Real) or not np.isfinite(weight):
            raise ValueError(
                f"class_weight[{label!r}] is {weight!r}: the weight of a class "
                "must be a finite number."
            )


def cast_weights(weights, dtype):
    """``weights`` in ``dtype``, or an error if they (or their sum) overflow it.

    The sum is the loss's normalizer: a weight or a sum past the dtype (1e39
    in float32) would make the loss NaN.
    """
    with np.errstate(over="ignore"):
        out = np.asarray(weights, dtype=np.float64).astype(dtype)
        total = out.sum()
    if not (np.isfinite(out).all() and np.isfinite(total)):
        raise ValueError(
            "sample_weight (times class_weight) holds values too large for "
            f"{np.dtype(dtype)} (a weight or their sum): scale the weights down."
        )
    return out


def sample_weights(sample_weight, n):
    """``sample_weight`` checked as one float64 weight for each of ``n`` items."""
    return _check_sample_weight(sample_weight, np.empty((n, 0)), dtype=np.float64)


def label_weights(weights, class_weight, y, dtype):
    """Sample weights times class weights, in ``dtype`` (None: no weights)."""
    if class_weight is not None:
        check_class_weight(class_weight)
        per_label = compute_sample_weight(class_weight, y)
        weights = per_label if weights is None else weights * per_label
    return None if weights is None else cast_weights(weights, dtype)


def _check_not_ragged(y):
    """Raise a ValueError if the entries of a list ``y`` differ in shape.

    NumPy >= 1.24 refuses such a list itself; older NumPy makes it an object
    array of arrays, which scikit-learn's checks then fail on obscurely.
    """
    if not isinstance(y, (list, tuple)) or len(y) < 2:
        return
    try:
        shapes = {np.shape(v) for v in y}
    except ValueError:  # an entry is ragged itself
        shapes = None
    if shapes is None or len(shapes) > 1:
        raise ValueError(
            "y is ragged: its entries have different shapes; a y of one value "
            "(or one row) per sequence is required."
        )


def regression_targets(y, dtype, n_outputs=None):
    """Targets of a regressor as a 2-D array in ``dtype``.

    Parameters
    ----------
    y : array-like of shape (n_sequences,) or (n_sequences, n_outputs)
    dtype : numpy dtype
    n_outputs : int or None
        The fitted model's number of outputs, when it keeps its weights.

    Returns
    -------
    values : ndarray of shape (n_sequences, n_outputs)
    fitted : dict
        ``n_outputs_``, and the shape (``_y_1d``) and floating dtype
        (``_y_dtype``: float32 targets give float32 predictions, anything
        else float64) that predictions take.
    """
    _check_not_ragged(y)
    y = check_array(y, ensure_2d=False, dtype="numeric", input_name="y")
    if y.ndim not in (1, 2):
        raise ValueError(f"y must be 1-D or 2-D, got {y.ndim} dimensions.")
    fitted = {
        "_y_1d": y.ndim == 1,
        "_y_dtype": y.dtype if y.dtype == np.float32 else np.dtype(np.float64),
    }
    with np.errstate(over="ignore"):
        values = y.reshape(len(y), -1).astype(dtype)
    if not np.isfinite(values).all():  # finite in its own dtype (checked above)
        raise ValueError(
            f"y holds a value too large for {np.dtype(dtype)}: scale the targets "
            "(e.g. with TransformedTargetRegressor) or use dtype=np.float64."
        )
    if n_outputs is not None and values.shape[1] != n_outputs:
        raise ValueError(
            f"y has {values.shape[1]} outputs but the fitted model has {n_outputs}."
        )
    fitted["n_outputs_"] = values.shape[1]
    return values, fitted


#: The forms of an encoder-decoder's ``Y``: str (characters), sequences of
#: symbols, or one symbol per sample (a sequence of one).
OUTPUT_FORMS = ("chars", "tokens", "symbols")


#: What NumPy < 1.24 warns (instead of raising) for a ragged nested sequence.
_RAGGED_WARNING = getattr(np, "exceptions", np).VisibleDeprecationWarning


def _ndim(y):
    """``np.ndim(y)``; None for nested sequences of different lengths.

    NumPy >= 1.24 raises for those, older NumPy makes an object array of
    them with a warning: both read as None, so every NumPy names the same
    error.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", _RAGGED_WARNING)
        try:
            return np.ndim(y)
        except (ValueError, _RAGGED_WARNING):
            return None


def _is_symbol(y):
    """A scalar that is not a str: one symbol (a number counts as a symbol)."""
    return _ndim(y) == 0 and not isinstance(y, str)


def _read_outputs(Y, n_samples):
    """The output sequences of ``Y`` and their form (see :data:`OUTPUT_FORMS`).

    ``Y`` holds one entry per sample: every entry a str (a sequence of
    characters), every entry a sequence of symbols (a list or a 1-D array),
    or every entry one symbol (a 1-D array of labels: outputs of one symbol).
    """
    _check_not_masked(Y, "y")
    array = None
    if not isinstance(Y, (str, list, tuple)):  # an array-like: its rows
        array = np.asarray(Y, dtype=object)
    if isinstance(Y, str) or (array is not None and array.ndim == 0):
        raise TypeError(
            "y must be a list of output sequences (str for characters, lists "
            f"of symbols for tokens), one per sample; got {type(Y).__name__}."
        )
    if array is not None:
        Y = list(array)
    if len(Y) != n_samples:
        raise ValueError(
            f"y has {len(Y)} output sequences but X has {n_samples} samples."
        )
    is_str = [isinstance(y, str) for y in Y]
    if all(is_str):
        return list(Y), "chars"
    if all(_is_symbol(y) for y in Y):
        return [[y] for y in np.asarray(Y, dtype=object).tolist()], "symbols"
    for i, y in enumerate(Y):
        if is_str[i] or _ndim(y) != 1:
            raise ValueError(
                f"y[{i}] is not a sequence of symbols: y holds either str "
                "(characters) for every sample, sequences of symbols (e.g. "
                "['HH', 'AH0']) for every sample, or one symbol for every sample."
            )
        _check_not_masked(y, f"y[{i}]")
    return list(Y), "tokens"


def _check_not_masked(y, name):
    """Refuse a masked array with masked values (never read what is under them)."""
    if isinstance(y, np.ma.MaskedArray) and np.ma.getmaskarray(y).any():
        raise TypeError(
            f"{name} is a masked array with masked values; output symbols are "
            "all present (the data under a mask is never read): pass the "
            "symbols that are present."
        )


def output_sequences(Y, n_samples, vocabulary=None, form=None, given=None):
    """Output sequences as codes, and the vocabulary a fit records.

    Parameters
    ----------
    Y : list of str, list of sequences of symbols, or 1-D array of symbols
    n_samples : int
    vocabulary : ndarray or None
        The fitted ``target_vocabulary_`` when the fit keeps it (a warm
        start or a later ``partial_fit``); None when the fit learns it.
    form : str or None
        The form of ``Y`` the kept vocabulary was learned from.
    given : sequence or None
        Every output symbol, for a fit that learns the vocabulary (the first
        ``partial_fit``'s ``target_vocabulary``): the vocabulary is these
        (a str is its characters), and ``Y`` may hold only them.

    Returns
    -------
    codes : Ragged
        Symbol ``vocabulary[j]`` has code ``j + 1`` (code 0 ends an output).
    fitted : dict
        ``target_vocabulary_`` and ``_target_form``.
    """
    documents, found = _read_outputs(Y, n_samples)
    chars = found == "chars"
    if given is not None:
        vocabulary, form = check_target_vocabulary(given, chars), found
    if vocabulary is None:
        vocabulary = build_vocabulary(documents, chars)
        if len(vocabulary) == 0:
            raise ValueError("Every sequence of y is empty: there is nothing to learn.")
    else:
        _check_form(found, form)
        seen = set(build_vocabulary(documents, chars).tolist())
        unseen = sorted(map(repr, seen - set(vocabulary.tolist())))
        if unseen:
            raise ValueError(
                f"y holds {len(unseen)} symbol(s) the model has no output for: "
                f"{', '.join(unseen[:10])}. A warm start or partial_fit keeps "
                "the first fit's target_vocabulary_ (give every symbol to the "
                "first partial_fit as target_vocabulary=); refit with "
                "warm_start=False to learn new symbols."
            )
    encoded = encode_documents(documents, vocabulary, chars, "error")
    codes = Ragged(encoded.data.astype(np.intp) + 1, encoded.starts, encoded.lengths)
    return codes, {"target_vocabulary_": vocabulary, "_target_form": found}


def check_target_vocabulary(given, chars):
    """``target_vocabulary`` as a vocabulary, or an error that names it.

    Parameters
    ----------
    given : str, set or 1-D sequence of symbols
        Every output symbol (a str: its characters).
    chars : bool
        Whether ``y`` holds str: the symbols are then characters.

    Returns
    -------
    ndarray
        The sorted, distinct symbols (as :func:`output_sequences` records).
    """
    if isinstance(given, (str, set, frozenset)):
        symbols = list(given)
    else:
        try:
            array = np.asarray(given, dtype=object)
        except ValueError:  # nested sequences of different lengths
            array = None
        if array is None or array.ndim != 1:
            raise TypeError(
                "target_vocabulary must be a str (its characters) or a 1-D "
                f"sequence of symbols; got {type(given).__name__}"
                + ("" if array is None else f" of shape {array.shape}")
                + "."
            )
        symbols = array.tolist()
    if not symbols:
        raise ValueError("target_vocabulary is empty: give every output symbol.")
    if chars:
        other = [s for s in symbols if not (isinstance(s, str) and len(s) == 1)]
        if other:
            raise ValueError(
                "target_vocabulary must hold characters (str of length 1) for a "
                f"y of str; got {', '.join(map(repr, other[:5]))}."
            )
    try:
        return build_vocabulary([symbols], chars)
    except (TypeError, ValueError) as exc:
        raise type(exc)(
            f"target_vocabulary holds a value that is no symbol: {exc}"
        ) from None


def check_outputs(Y, n_samples, form):
    """Raise an error unless ``Y`` is output sequences of ``form`` (``score``'s y).

    As :func:`output_sequences` checks ``Y`` for a fitted model, but any
    valid symbol may appear (one outside the vocabulary is just not what
    the model outputs).
    """
    documents, found = _read_outputs(Y, n_samples)
    _check_form(found, form)
    build_vocabulary(documents, found == "chars")  # the symbols' checks


def _check_form(found, form):
    if found != form:
        raise ValueError(
            f"The model was fitted on y of {_FORM_NAMES[form]}; this y holds "
            f"{_FORM_NAMES[found]}."
        )


_FORM_NAMES = {
    "chars": "str (characters)",
    "tokens": "sequences of symbols",
    "symbols": "one symbol per sample",
}


def decode_output(codes, vocabulary, form):
    """The output of codes ``1 ..`` (code ``j + 1`` is ``vocabulary[j]``).

    Returns
    -------
    str, list or scalar
        A str for characters, a list of symbols for tokens, the one symbol
        for the ``'symbols'`` form.
    """
    symbols = vocabulary[np.asarray(codes, dtype=np.intp) - 1].tolist()
    if form == "chars":
        return "".join(symbols)
    return symbols[0] if form == "symbols" else symbols
