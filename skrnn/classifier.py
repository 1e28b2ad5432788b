# SPDX-License-Identifier: BSD-3-Clause
"""RNNClassifier: a sequence in, one label out (many-to-one)."""

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._base import TOKEN_PARAMETER_CONSTRAINTS, BaseRNN, FitPlan
from ._engine.batched import forward_outputs
from ._engine.losses import log_softmax
from ._param_validation import StrOptions, _fit_context
from ._sequences import check_finite_output, check_n_sequences, check_sequences
from ._targets import (
    check_partial_fit_classes,
    check_y_present,
    encode_labels,
    label_weights,
    sample_weights,
)
from ._tasks import SequenceData

__all__ = ["RNNClassifier"]


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
        Adam's parameters.
    momentum : float, default=0.9
        SGD momentum.
    nesterovs_momentum : bool, default=True
        Nesterov momentum for SGD.
    alpha : float, default=0.0001
        L2 penalty on the weights (not the biases), scaled as in
        :class:`~sklearn.neural_network.MLPClassifier`.
    weight_decay : float, default=0.0
        Decoupled weight decay (AdamW; SGDW with SGD): each update first
        multiplies the weight matrices (not the biases or embeddings) by
        ``1 - lr * weight_decay``. Unlike ``alpha``, it does not pass through
        Adam's moments.
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
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into ``sample_weight``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
        Width of ``X`` when fitted on a 2-D array (its number of steps);
        otherwise the number of features per step.
    n_features_per_step_ : int
    categories_ : list of ndarray
        For token input: each column's vocabulary, sorted; symbol
        ``categories_[k][j]`` has code ``j + 1`` (code 0 is unknown).
    infrequent_categories_ : list of ndarray
        For token input: the symbols of fit that share the unknown code.
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
    recurrent weights orthogonal, biases zero.

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

    _accepts_tokens = True
    _parameter_constraints: dict = {
        **BaseRNN._parameter_constraints,
        **TOKEN_PARAMETER_CONSTRAINTS,
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
        class_weight=None,
    ):
        self._store(locals())

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
        classes = check_partial_fit_classes(self, classes)
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _prepare_fit(self, X, y, sample_weight, first_pass, classes):
        check_y_present(self, y)
        seqs, _, fitted = check_sequences(self, X, reset=first_pass, dtype=self._dtype)
        y = column_or_1d(y, warn=True)
        check_n_sequences(seqs, len(y))
        kept = None if first_pass else self.classes_
        fitted["classes_"], codes = encode_labels(y, kept, classes)
        if sample_weight is not None:
            sample_weight = sample_weights(sample_weight, len(y))
        weights = label_weights(sample_weight, self.class_weight, y, self._dtype)
        data = SequenceData(seqs, codes, weights)
        n_classes = len(fitted["classes_"])
        return FitPlan(data, seqs.n_features, n_classes, stratify=codes, fitted=fitted)

    def _logits(self, X):
        check_is_fitted(self)
        # the fitted network's dtype: set_params(dtype=...) acts at the next fit
        seqs, _, _ = check_sequences(self, X, reset=False, dtype=self._net.dtype)
        logits = forward_outputs(self._net, self._params, seqs)
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
