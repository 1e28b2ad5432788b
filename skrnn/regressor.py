# SPDX-License-Identifier: BSD-3-Clause
"""RNNRegressor: a sequence in, one value (or vector) out (many-to-one)."""

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_is_fitted,
)

from ._base import BaseRNN, _Data
from ._param_validation import _fit_context
from ._validation import (
    check_finite_output,
    check_n_sequences,
    check_not_ragged,
    check_sequences,
)
from .classifier import cast_weights, check_y_present

__all__ = ["RNNRegressor"]


class RNNRegressor(RegressorMixin, BaseRNN):
    """Recurrent neural network regressor: one value (or vector) per sequence.

    A recurrent network reads each sequence; a linear layer on its final
    hidden state gives the prediction, trained on the squared error. Its
    main use is forecasting: the next value of a series from a window of
    past values (see :class:`~skrnn.SlidingWindowTransformer`).

    Parameters
    ----------
    cell : {'lstm', 'gru', 'rnn'}, default='lstm'
    hidden_size : int, default=64
        Width of the hidden state ``h_t``.
        A fit that would need more memory than the machine has (the
        weights, their copies and one batch's activations) raises a
        ValueError before allocating anything.
    num_layers : int, default=1
        Number of stacked recurrent layers, at most 1000.
    bidirectional : bool, default=False
    activation : {'tanh', 'relu'}, default='tanh'
        Vanilla cell only.
    dropout : float, default=0.0
    solver : {'adam', 'sgd'}, default='adam'
    learning_rate_init : float, default=0.001
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
    momentum : float, default=0.9
    nesterovs_momentum : bool, default=True
    alpha : float, default=0.0001
    clip_norm : float or None, default=5.0
    batch_size : int or 'auto', default='auto'
    max_iter : int, default=200
    tol : float, default=1e-4
    n_iter_no_change : int, default=10
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` and stop when its R^2 stops
        improving; the best weights are kept.
    validation_fraction : float, default=0.1
    shuffle : bool, default=True
    random_state : int, RandomState instance or None, default=None
    warm_start : bool, default=False
    verbose : bool or int, default=False
    dtype : {np.float32, np.float64}, default=np.float32

    The parameters mean what they mean for :class:`~skrnn.RNNClassifier`.

    Attributes
    ----------
    n_outputs_ : int
        Number of targets. Predictions have the floating dtype of the
        targets seen in fit (float32 targets give float32 predictions,
        anything else float64), whatever the precision of the computation.
    n_features_in_ : int
    n_features_per_step_ : int
    params_ : dict of str to ndarray
    loss_ : float
        Half the mean squared error, plus the L2 penalty.
    loss_curve_ : list of float
    best_loss_ : float or None
    validation_scores_ : list of float or None
    best_validation_score_ : float or None
    n_iter_ : int
        Epochs run by the last call to ``fit`` or ``partial_fit``, as in
        :class:`~sklearn.neural_network.MLPRegressor`.
    t_ : int

    See Also
    --------
    RNNClassifier : The same network with a softmax output.
    sklearn.neural_network.MLPRegressor : The feed-forward counterpart.

    Notes
    -----
    As :class:`~sklearn.neural_network.MLPRegressor`, the targets are not
    scaled: scale them (for example with
    :class:`~sklearn.compose.TransformedTargetRegressor`) when they are far
    from unit size.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import RNNRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(100, 6))
    >>> y = X.sum(axis=1) / 3  # a running sum: needs every step
    >>> reg = RNNRegressor(cell="gru", hidden_size=16, learning_rate_init=0.01,
    ...                    max_iter=150, random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.9
    True
    """

    _loss = "squared_error"

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

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : sequences (see :meth:`RNNClassifier.fit`)
        y : array-like of shape (n_sequences,) or (n_sequences, n_outputs)
        sample_weight : array-like of shape (n_sequences,), default=None

        Returns
        -------
        self : RNNRegressor
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over ``X`` (a single pass).

        Parameters
        ----------
        X : sequences
        y : array-like of shape (n_sequences,) or (n_sequences, n_outputs)
        sample_weight : array-like of shape (n_sequences,), default=None

        Returns
        -------
        self : RNNRegressor
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def _prepare_fit(self, X, y, sample_weight, *, first_pass):
        check_y_present(self, y)
        seqs = check_sequences(self, X, reset=first_pass, dtype=self._dtype)
        check_not_ragged(y)
        y = check_array(y, ensure_2d=False, dtype="numeric", input_name="y")
        if y.ndim not in (1, 2):
            raise ValueError(f"y must be 1-D or 2-D, got {y.ndim} dimensions.")
        check_n_sequences(seqs, len(y))
        y_1d = y.ndim == 1
        # predictions come back in the targets' floating dtype
        y_dtype = y.dtype if y.dtype == np.float32 else np.dtype(np.float64)
        with np.errstate(over="ignore"):
            y = y.reshape(len(y), -1).astype(self._dtype)
        if not np.isfinite(y).all():  # finite in its own dtype (checked above)
            raise ValueError(
                f"y holds a value too large for {self._dtype}: scale the targets "
                "(e.g. with TransformedTargetRegressor) or use dtype=np.float64."
            )
        if not first_pass and y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y.shape[1]} outputs but the fitted model has "
                f"{self.n_outputs_}."
            )
        # only now: a rejected warm start must not change the fitted model
        self._y_1d, self._y_dtype = y_1d, y_dtype
        self.n_outputs_ = y.shape[1]
        weights = None
        if sample_weight is not None:
            weights = _check_sample_weight(
                sample_weight, np.empty((len(y), 0)), dtype=self._dtype
            )
            weights = cast_weights(weights, self._dtype)  # and their sum
        return _Data(seqs, y, weights), seqs.n_features, self.n_outputs_, False, None

    def _validation_score(self, val):
        return float(
            r2_score(val.y, self._forward(val.seqs), sample_weight=val.weights)
        )

    def predict(self, X):
        """Predicted value(s) of each sequence.

        Parameters
        ----------
        X : sequences

        Returns
        -------
        ndarray of shape (n_sequences,) or (n_sequences, n_outputs)
        """
        check_is_fitted(self)
        # the fitted network's dtype: set_params(dtype=...) acts at the next fit
        seqs = check_sequences(self, X, reset=False, dtype=self._net.dtype)
        out = self._forward(seqs)
        check_finite_output(out)
        out = out.astype(self._y_dtype, copy=False)
        return out[:, 0] if self._y_1d else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
