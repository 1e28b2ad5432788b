# SPDX-License-Identifier: BSD-3-Clause
"""RNNClassifier: a sequence in, one label out (many-to-one)."""

from numbers import Real

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import assert_all_finite
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
)

from ._base import BaseRNN, _Data
from ._engine.losses import log_softmax
from ._param_validation import StrOptions, _fit_context
from ._validation import check_finite_output, check_n_sequences, check_sequences

__all__ = ["RNNClassifier"]


def check_class_weight(class_weight):
    """Raise a ValueError unless every weight of a dict is a finite number.

    scikit-learn's compute_sample_weight takes the values as they are: a NaN
    or None weight made the loss normalizer NaN, an infinite one the loss.
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
    """``weights`` (sample_weight times class_weight) in ``dtype``.

    A weight, or their sum (the loss's normalizer), past ``dtype`` (1e39 in
    float32) would become inf, and the loss NaN: a ValueError names the
    weights instead.
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


def check_classes(classes):
    """``unique_labels(classes)``, or an error naming ``classes``.

    Sorting labels that cannot be sorted raised whatever their comparison
    raised: decimal.InvalidOperation for Decimal('NaN'), neither a
    ValueError nor a TypeError.
    """
    try:
        return unique_labels(classes)
    except TypeError as exc:
        raise TypeError(f"classes are not valid labels: {exc}") from None
    except (ValueError, ArithmeticError) as exc:
        raise ValueError(f"classes are not valid labels: {exc}") from None


def check_y_present(estimator, y):
    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target "
            "y is None."
        )


class RNNClassifier(ClassifierMixin, BaseRNN):
    """Recurrent neural network classifier: one label per sequence.

    A recurrent network (vanilla RNN, LSTM or GRU; stacked, optionally
    bidirectional) reads each sequence; a dense softmax layer on its final
    hidden state gives the class probabilities. This is the many-to-one
    topology: sentiment of a sentence, activity of a sensor window, the next
    character after a context.

    Parameters
    ----------
    cell : {'lstm', 'gru', 'rnn'}, default='lstm'
        The recurrent cell. 'rnn' is the vanilla (Elman) cell
        ``h_t = act(x_t @ W_xh + h_{t-1} @ W_hh + b_h)``.
    hidden_size : int, default=64
        Width of the hidden state ``h_t``.
        A fit that would need more memory than the machine has (the
        weights, their copies and one batch's activations) raises a
        ValueError before allocating anything.
    num_layers : int, default=1
        Number of stacked recurrent layers, at most 1000.
    bidirectional : bool, default=False
        Also read each sequence backwards; the final states of both
        directions go to the output layer.
    activation : {'tanh', 'relu'}, default='tanh'
        Activation of the vanilla cell (``cell='rnn'`` only).
    dropout : float, default=0.0
        Dropout rate on the inputs of every layer above the first.
    solver : {'adam', 'sgd'}, default='adam'
    learning_rate_init : float, default=0.001
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's parameters.
    momentum : float, default=0.9
        SGD momentum.
    nesterovs_momentum : bool, default=True
        Nesterov momentum for SGD.
    alpha : float, default=0.0001
        L2 penalty on the weights (not the biases), scaled as in
        :class:`~sklearn.neural_network.MLPClassifier`.
    clip_norm : float or None, default=5.0
        Clip the gradient to this global norm; None disables clipping.
    batch_size : int or 'auto', default='auto'
        Sequences per minibatch; 'auto' is ``min(200, n_sequences)``.
    max_iter : int, default=200
        Maximum number of epochs.
    tol : float, default=1e-4
    n_iter_no_change : int, default=10
        Stop when the loss (or validation score) has not improved by ``tol``
        for this many epochs.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the sequences (stratified) and
        stop when its accuracy stops improving; the best weights are kept.
    validation_fraction : float, default=0.1
    shuffle : bool, default=True
        Shuffle the sequences every epoch.
    random_state : int, RandomState instance or None, default=None
        Initial weights, shuffling, dropout and the validation split.
    warm_start : bool, default=False
        Continue from the previous fit's weights.
    verbose : bool or int, default=False
        Print one line per epoch: loss, validation score, time, time left.
    dtype : {np.float32, np.float64}, default=np.float32
        Precision of the weights and of every computation.
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into ``sample_weight``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
        Width of ``X`` when fitted on a 2-D array (its number of steps);
        otherwise the number of features per step.
    n_features_per_step_ : int
    params_ : dict of str to ndarray
        The learned weights, in the tutorial's notation (see
        :attr:`BaseRNN.params_`).
    loss_ : float
    loss_curve_ : list of float
        Mean training loss of each epoch.
    best_loss_ : float or None
    validation_scores_ : list of float or None
        Validation accuracy of each epoch (early stopping only).
    best_validation_score_ : float or None
    n_iter_ : int
        Epochs run by the last call to ``fit`` or ``partial_fit``, as in
        :class:`~sklearn.neural_network.MLPClassifier` (``loss_curve_``,
        ``validation_scores_`` and ``t_`` accumulate over warm starts).
    t_ : int
        Training sequences seen.

    See Also
    --------
    RNNRegressor : The same network with a real-valued output.
    RNNSequenceTagger : A label for every step.
    sklearn.neural_network.MLPClassifier : The feed-forward counterpart.

    Notes
    -----
    The input forms (3-D arrays, 2-D univariate arrays, lists of
    variable-length arrays, masked arrays) are described in the user guide.
    The LSTM has gates ``i, f, g, o`` and the GRU gates ``r, z, n`` in the
    "reset after" form, as PyTorch. Input weights start Glorot-uniform,
    recurrent weights orthogonal, biases zero but for the LSTM's forget gate
    (one).

    References
    ----------
    Hochreiter, S. and Schmidhuber, J. (1997). Long short-term memory.
    Cho, K. et al. (2014). Learning phrase representations using RNN
    encoder-decoder for statistical machine translation.
    Kingma, D. P. and Ba, J. (2014). Adam: a method for stochastic
    optimization.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import RNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 5, 2))
    >>> y = (X[:, 0, 0] > 0).astype(int)  # remember the first step
    >>> clf = RNNClassifier(hidden_size=8, learning_rate_init=0.02, max_iter=100,
    ...                     random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    """

    _parameter_constraints: dict = {
        **BaseRNN._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        *,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=False,
        activation="tanh",
        dropout=0.0,
        solver="adam",
        learning_rate_init=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        momentum=0.9,
        nesterovs_momentum=True,
        alpha=0.0001,
        clip_norm=5.0,
        batch_size="auto",
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        shuffle=True,
        random_state=None,
        warm_start=False,
        verbose=False,
        dtype=np.float32,
        class_weight=None,
    ):
        super().__init__(
            cell=cell,
            hidden_size=hidden_size,
            num_layers=num_layers,
            bidirectional=bidirectional,
            activation=activation,
            dropout=dropout,
            solver=solver,
            learning_rate_init=learning_rate_init,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            alpha=alpha,
            clip_norm=clip_norm,
            batch_size=batch_size,
            max_iter=max_iter,
            tol=tol,
            n_iter_no_change=n_iter_no_change,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            shuffle=shuffle,
            random_state=random_state,
            warm_start=warm_start,
            verbose=verbose,
            dtype=dtype,
        )
        self.class_weight = class_weight

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to sequences ``X`` and labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_sequences, n_steps, n_features) or \
                (n_sequences, n_steps), or list of array-like
            The sequences (see the user guide for every accepted form).
        y : array-like of shape (n_sequences,)
            One label per sequence.
        sample_weight : array-like of shape (n_sequences,), default=None

        Returns
        -------
        self : RNNClassifier
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over ``X`` (a single pass; MLP's partial_fit rules).

        Parameters
        ----------
        X : sequences, as in :meth:`fit`
        y : array-like of shape (n_sequences,)
        classes : array-like of shape (n_classes,), default=None
            Every class; required on the first call.
        sample_weight : array-like of shape (n_sequences,), default=None

        Returns
        -------
        self : RNNClassifier
        """
        if not hasattr(self, "classes_"):
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit."
                )
            classes = check_classes(classes)
        elif classes is not None and not np.array_equal(
            self.classes_, check_classes(classes)
        ):
            raise ValueError(
                f"`classes={check_classes(classes)!r}` is not the same as on the "
                f"last call to partial_fit, was: {self.classes_!r}"
            )
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _prepare_fit(self, X, y, sample_weight, *, first_pass, classes=None):
        check_y_present(self, y)
        seqs = check_sequences(self, X, reset=first_pass, dtype=self._dtype)
        y = column_or_1d(y, warn=True)
        check_n_sequences(seqs, len(y))
        # (type_of_target lets float16 -inf labels through)
        assert_all_finite(y, input_name="y")
        check_classification_targets(y)
        if first_pass and classes is None:
            self._label_encoder = LabelEncoder().fit(y)
        elif first_pass or not hasattr(self, "_label_encoder"):
            self._label_encoder = LabelEncoder().fit(classes)
        else:
            unseen = np.setdiff1d(unique_labels(y), self.classes_)
            if len(unseen):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has "
                    f"{self.classes_}. 'y' has {unique_labels(y)}."
                )
        if classes is not None and first_pass:
            unseen = np.setdiff1d(unique_labels(y), self._label_encoder.classes_)
            if len(unseen):
                raise ValueError(f"`y` has classes {unseen} not in `classes`.")
        self.classes_ = self._label_encoder.classes_
        codes = self._label_encoder.transform(y)
        weights = None
        if sample_weight is not None:
            weights = _check_sample_weight(sample_weight, np.empty((len(y), 0)))
        if self.class_weight is not None:
            check_class_weight(self.class_weight)
            cw = compute_sample_weight(self.class_weight, y)
            weights = cw if weights is None else weights * cw
        if weights is not None:
            weights = cast_weights(weights, self._dtype)
        data = _Data(seqs, codes, weights)
        n_inputs = seqs.n_features
        return data, n_inputs, len(self.classes_), False, codes

    def _validation_score(self, val):
        proba = self._softmax(self._forward(val.seqs))
        pred = proba.argmax(axis=1)
        weights = val.weights
        if weights is not None and not weights.sum() > 0:
            weights = None  # every validation weight is 0: plain accuracy
        return float(np.average(pred == val.y, weights=weights))

    @staticmethod
    def _softmax(logits):
        return np.exp(log_softmax(logits))

    def _logits(self, X):
        check_is_fitted(self)
        # the fitted network's dtype: set_params(dtype=...) acts at the next fit
        seqs = check_sequences(self, X, reset=False, dtype=self._net.dtype)
        logits = self._forward(seqs)
        check_finite_output(logits)
        return logits

    def predict_log_proba(self, X):
        """Log of the class probabilities of each sequence.

        Parameters
        ----------
        X : sequences, as in :meth:`fit`

        Returns
        -------
        ndarray of shape (n_sequences, n_classes)
        """
        return log_softmax(self._logits(X))

    def predict_proba(self, X):
        """Class probabilities of each sequence.

        Parameters
        ----------
        X : sequences, as in :meth:`fit`

        Returns
        -------
        ndarray of shape (n_sequences, n_classes)
        """
        return np.exp(self.predict_log_proba(X))

    def predict(self, X):
        """The most likely class of each sequence.

        Parameters
        ----------
        X : sequences, as in :meth:`fit`

        Returns
        -------
        ndarray of shape (n_sequences,)
        """
        codes = np.argmax(self._logits(X), axis=1)
        return self.classes_[codes]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False
        return tags
