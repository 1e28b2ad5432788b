# SPDX-License-Identifier: BSD-3-Clause
"""Targets and weights: labels for the classifiers, values for the regressor.

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

from numbers import Real

import numpy as np
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import assert_all_finite
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import _check_sample_weight, check_array

__all__ = [
    "check_partial_fit_classes",
    "check_y_present",
    "encode_labels",
    "label_weights",
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
