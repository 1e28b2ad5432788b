# SPDX-License-Identifier: BSD-3-Clause
"""RNNRegressor: a sequence in, one value (or vector) out (many-to-one)."""

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted

from ._base import TOKEN_PARAMETER_CONSTRAINTS, BaseRNN, FitPlan
from ._engine.batched import forward_outputs
from ._param_validation import _fit_context
from ._sequences import check_finite_output, check_n_sequences, check_sequences
from ._targets import check_y_present, label_weights, regression_targets, sample_weights
from ._tasks import SequenceData

__all__ = ["RNNRegressor"]


def _r2(outputs, y, weights):
    """R^2 of ``outputs`` against ``y``: the validation score."""
    return float(r2_score(y, outputs, sample_weight=weights))


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
    input_dropout : float, default=0.0
        Dropout rate on the first layer's input at every step: features,
        embedded dimensions, or whole tokens when they are read without
        embeddings. Keras's ``dropout``.
    recurrent_dropout : float, default=0.0
        Variational recurrent dropout (Gal & Ghahramani, 2016): the state
        entering each step's recurrent product is masked, with one mask per
        sequence, layer and direction for the whole sequence. Keras's
        ``recurrent_dropout``.
    output_dropout : float, default=0.0
        Dropout rate on the output layer's input (the last layer's states).
    solver : {'adam', 'sgd'}, default='adam'
    learning_rate : {'constant', 'invscaling', 'adaptive', 'cosine'}, \
            default='constant'
        Learning-rate schedule, for both solvers (MLP applies its schedules
        to SGD only). 'invscaling' and 'adaptive' are
        :class:`~sklearn.neural_network.MLPClassifier`'s: after ``t``
        samples ``learning_rate_init / (t + 1) ** power_t``; or, when the
        loss (validation score) stalls for ``n_iter_no_change`` epochs, the
        rate divided by 5 instead of stopping, down to 1e-6. 'cosine'
        follows half a cosine from ``learning_rate_init`` towards 0 over
        ``max_iter`` epochs (partial_fit: over ``max_iter`` calls).
    learning_rate_init : float, default=0.001
    power_t : float, default=0.5
        The exponent of 'invscaling'.
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
    momentum : float, default=0.9
    nesterovs_momentum : bool, default=True
    alpha : float, default=0.0001
    weight_decay : float, default=0.0
        Decoupled weight decay (AdamW; SGDW with SGD): each update first
        multiplies the weight matrices (not the biases or embeddings) by
        ``1 - lr * weight_decay``. Unlike ``alpha``, it does not pass through
        Adam's moments.
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
    embedding_dim : int, list of int or None, default=None
        For token input (sequences of words or other symbols; see the user
        guide): the size of each column's learned embedding (one int for
        every column, or one per column). None feeds each symbol's one-hot
        vector to the first layer without forming it (its input weights
        are gathered), which suits small vocabularies; for words, 50 to 300.
        Ignored for numeric input.
    min_frequency : int or float, default=2
        For token input: symbols seen fewer times in fit (a fraction of a
        column's steps when a float, as in
        :class:`~sklearn.preprocessing.OneHotEncoder`) share the unknown
        code. They train its vector, which then stands for symbols never
        seen in fit; 1 keeps every symbol (the unknown vector is then never
        trained).
    max_categories : int or None, default=None
        For token input: keep at most this many symbols per column, the most
        frequent (the others share the unknown code).
    handle_unknown : {'unknown', 'error'}, default='unknown'
        For token input, symbols never seen in fit: read as the unknown code,
        or refused with a ValueError listing them.
    pretrained_embeddings : dict or tuple, default=None
        For token input with ``embedding_dim``: vectors to start the
        embeddings from, such as GloVe's. For column 0, a mapping
        ``{symbol: vector}`` or a pair ``(symbols, vectors)``; for several
        columns, a dict ``{column index: vectors}``. A symbol of the learned
        vocabulary with a vector starts there; the others, and the unknown
        row, start at random.
    freeze_embeddings : bool, default=False
        Keep the tables of the columns in ``pretrained_embeddings`` as they
        start (PyTorch's ``from_pretrained(..., freeze=True)``).

    The parameters mean what they mean for :class:`~skrnn.RNNClassifier`.

    Attributes
    ----------
    n_outputs_ : int
        Number of targets. Predictions have the floating dtype of the
        targets seen in fit (float32 targets give float32 predictions,
        anything else float64), whatever the precision of the computation.
    n_features_in_ : int
    n_features_per_step_ : int
    categories_ : list of ndarray
        For token input: each column's vocabulary, sorted; symbol
        ``categories_[k][j]`` has code ``j + 1`` (code 0 is unknown).
    infrequent_categories_ : list of ndarray
        For token input: the symbols of fit that share the unknown code.
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
    _metric = staticmethod(_r2)
    _accepts_tokens = True
    _parameter_constraints: dict = {
        **BaseRNN._parameter_constraints,
        **TOKEN_PARAMETER_CONSTRAINTS,
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
        input_dropout=0.0,
        recurrent_dropout=0.0,
        output_dropout=0.0,
        solver="adam",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        momentum=0.9,
        nesterovs_momentum=True,
        alpha=0.0001,
        weight_decay=0.0,
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
        embedding_dim=None,
        min_frequency=2,
        max_categories=None,
        handle_unknown="unknown",
        pretrained_embeddings=None,
        freeze_embeddings=False,
    ):
        self._store(locals())

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

    def _prepare_fit(self, X, y, sample_weight, first_pass, classes):
        check_y_present(self, y)
        seqs, _, fitted = check_sequences(self, X, reset=first_pass, dtype=self._dtype)
        n_outputs = None if first_pass else self.n_outputs_
        y, targets = regression_targets(y, self._dtype, n_outputs)
        check_n_sequences(seqs, len(y))
        if sample_weight is not None:
            sample_weight = sample_weights(sample_weight, len(y))
        weights = label_weights(sample_weight, None, y, self._dtype)
        data = SequenceData(seqs, y, weights)
        fitted.update(targets)
        return FitPlan(data, seqs.n_features, y.shape[1], fitted=fitted)

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
        seqs, _, _ = check_sequences(self, X, reset=False, dtype=self._net.dtype)
        out = forward_outputs(self._net, self._params, seqs)
        check_finite_output(out)
        out = out.astype(self._y_dtype, copy=False)
        return out[:, 0] if self._y_1d else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
