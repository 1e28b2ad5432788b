# SPDX-License-Identifier: BSD-3-Clause
"""RNNSequenceTagger: a label for every step of a sequence (many-to-many)."""

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d

from ._base import TOKEN_PARAMETER_CONSTRAINTS, BaseRNN, FitPlan
from ._categorical import is_token_input
from ._engine.batched import forward_outputs
from ._engine.losses import log_softmax
from ._param_validation import StrOptions, _fit_context
from ._sequences import (
    check_finite_output,
    check_n_sequences,
    check_sequences,
    check_X_forms,
)
from ._targets import (
    check_partial_fit_classes,
    check_y_present,
    encode_labels,
    label_weights,
    sample_weights,
)
from ._tasks import SequenceData

__all__ = ["RNNSequenceTagger"]


def _is_nested(y):
    """True when ``y`` holds one array per sequence (a per-step layout)."""
    if isinstance(y, np.ndarray):
        if y.ndim >= 2:
            return True
        # (a 0-d y is not nested: the error comes with the layout check)
        return y.dtype == object and y.ndim == 1 and y.size > 0 and np.ndim(y[0]) > 0
    if isinstance(y, (list, tuple)):
        return len(y) > 0 and np.ndim(y[0]) > 0
    return getattr(y, "ndim", 1) >= 2  # e.g. a DataFrame


def _is_column(y):
    """True for a y of shape (n, 1)."""
    try:
        shape = np.shape(y)
    except ValueError:  # ragged
        return False
    return len(shape) == 2 and shape[1] == 1


def _per_step_values(seqs, form, values, what):
    """Flatten per-step ``values`` (labels or weights) to one entry per step.

    Parameters
    ----------
    seqs : Ragged
    form : str
        The input form of ``X`` (see :func:`~skrnn._sequences.check_X_forms`).
    values : list of array-like of shape (n_steps_i,), or array-like of shape
        (n_sequences, n_steps) (a masked array's mask is ignored), or of shape
        (n_sequences, n_steps, 1)
    what : str
        'y' or 'sample_weight', for the error messages.

    Returns
    -------
    ndarray of shape (n_steps_total,)
        In the order of ``seqs.step_rows()``.
    """
    if isinstance(values, np.ma.MaskedArray):
        values = np.ma.getdata(values)
    if not isinstance(values, (list, tuple)) and not (
        isinstance(values, np.ndarray) and values.dtype == object and values.ndim == 1
    ):
        values = _per_step_array(seqs, form, values, what)
        if not isinstance(values, list):
            return values
    check_n_sequences(seqs, len(values), what)
    out = []
    for i, (v, length) in enumerate(zip(values, seqs.lengths, strict=True)):
        v = np.asarray(v)
        if v.ndim != 1 or v.shape[0] != length:
            raise ValueError(
                f"Sequence {i} of X has {length} steps but {what}[{i}] has "
                f"shape {v.shape}; {what} needs one value per step "
                f"(shape ({length},))."
            )
        out.append(v)
    return np.concatenate(out)


def _per_step_array(seqs, form, values, what):
    """Per-step ``values`` given as one array ``(n_sequences, n_steps[, 1])``.

    Returns the flat values (in the order of ``seqs.step_rows()``), or, for
    a list ``X``, the list of the array's rows, each to be checked against
    its sequence's length.
    """
    arr = np.asarray(values)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim != 2:
        raise ValueError(
            f"{what} must hold one value per step: a list of 1-D arrays "
            f"(one per sequence) or an array of shape (n_sequences, "
            f"n_steps); got an array of shape {arr.shape}. For one label "
            "per sequence, use RNNClassifier."
        )
    check_n_sequences(seqs, arr.shape[0], what)
    if form == "list":
        return list(arr)
    n_steps = seqs.data.shape[0] // len(seqs)
    if arr.shape[1] != n_steps:
        raise ValueError(
            f"{what} has {arr.shape[1]} values per sequence but X has "
            f"{n_steps} steps per sequence; they must match."
        )
    return arr.reshape(-1)[seqs.step_rows()]


class RNNSequenceTagger(ClassifierMixin, BaseRNN):
    """Recurrent neural network sequence tagger: a label for every step.

    A recurrent network (vanilla RNN, LSTM or GRU; stacked, bidirectional by
    default) reads each sequence; a dense softmax layer on the hidden state
    of every step gives the class probabilities of that step. This is the
    aligned many-to-many topology: part-of-speech tagging, named entities,
    the regime of a signal at every instant.

    Parameters
    ----------
    cell : {'lstm', 'gru', 'rnn'}, default='lstm'
        The recurrent cell. 'rnn' is the vanilla (Elman) cell
        ``h_t = act(x_t @ W_xh + h_{t-1} @ W_hh + b_h)``.
    hidden_size : int, default=64
        Width of the hidden state ``h_t`` (of each direction).
        A fit that would need more memory than the machine has (the
        weights, their copies and one batch's activations) raises a
        ValueError before allocating anything.
    num_layers : int, default=1
        Number of stacked recurrent layers, at most 1000.
    bidirectional : bool, default=True
        Also read each sequence backwards, so that the tag of step ``t`` sees
        the whole sequence, past and future: the output layer gets the states
        of both directions at step ``t`` side by side.
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
        Hold out ``validation_fraction`` of the sequences and stop when their
        per-step accuracy stops improving; the best weights are kept.
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
        Weights of the classes, multiplied into the weight of every step
        ('balanced' counts the labels of all steps).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen in fit, over all steps of all sequences.
    n_features_in_ : int
        Width of ``X`` when fitted on a 2-D array; otherwise the number of
        features per step.
    n_features_per_step_ : int
    categories_ : list of ndarray
        For token input: each column's vocabulary, sorted; symbol
        ``categories_[k][j]`` has code ``j + 1`` (code 0 is unknown).
    infrequent_categories_ : list of ndarray
        For token input: the symbols of fit that share the unknown code.
    params_ : dict of str to ndarray
        The learned weights, in the tutorial's notation (see
        :attr:`BaseRNN.params_`); ``W_hy`` has shape
        ``(n_directions * hidden_size, n_classes)``.
    loss_ : float
        Mean cross-entropy per step (weighted), plus the L2 penalty.
    loss_curve_ : list of float
        Mean training loss of each epoch.
    best_loss_ : float or None
    validation_scores_ : list of float or None
        Per-step validation accuracy of each epoch (early stopping only).
    best_validation_score_ : float or None
    n_iter_ : int
        Epochs run by the last call to ``fit`` or ``partial_fit``, as in
        :class:`~sklearn.neural_network.MLPClassifier` (``loss_curve_``,
        ``validation_scores_`` and ``t_`` accumulate over warm starts).
    t_ : int
        Training sequences seen.

    See Also
    --------
    RNNClassifier : One label per sequence (many-to-one).
    RNNRegressor : One value per sequence.

    Notes
    -----
    **Input and target layouts.** ``X`` takes every form of the user guide;
    ``y`` (and a per-step ``sample_weight``) follows it:

    * 3-D ``X`` ``(n_sequences, n_steps, n_features)`` with ``y`` of shape
      ``(n_sequences, n_steps)``;
    * 2-D ``X`` ``(n_sequences, n_steps)`` (univariate steps) with ``y`` of
      shape ``(n_sequences, n_steps)``: the widths must match;
    * a list of arrays ``(n_steps_i, n_features)`` or ``(n_steps_i,)`` with a
      list of 1-D label arrays of the same lengths (a ValueError names the
      first sequence whose length differs);
    * a masked ``X`` (each row is its unmasked, contiguous steps, as
      :class:`~skrnn.SlidingWindowTransformer` makes) with ``y`` of shape
      ``(n_sequences, n_steps)`` (or ``(n_sequences, n_steps, 1)``, or a
      list of the unmasked steps' labels): labels under masked steps are
      ignored and may be anything.

    **One-to-one.** A plain 2-D ``X`` ``(n_samples, n_features)`` with a 1-D
    ``y`` ``(n_samples,)`` is read as ``n_samples`` sequences of ONE step with
    ``n_features`` features, ``y[i]`` the tag of that step: the seed
    tutorial's one-to-one topology, and the reading under which
    scikit-learn's common checks hold (predictions on single rows, on
    permuted rows). The model remembers it: on a 2-D ``X``, ``predict``
    then returns ``(n_samples,)`` labels and ``predict_proba`` an array
    ``(n_samples, n_classes)``. A ``y`` of shape ``(n_samples, 1)`` with a
    2-D ``X`` wider than one column is read as a 1-D ``y``, with a
    ``DataConversionWarning``.

    **Outputs.** ``predict`` returns labels in the layout of ``X``: an array
    ``(n_sequences, n_steps)`` for a 3-D or (per-step) 2-D ``X``, a
    :class:`numpy.ma.MaskedArray` ``(n_sequences, n_steps)`` with the masked
    steps masked for a masked ``X``, a list of 1-D arrays for a list.
    ``predict_proba`` and ``predict_log_proba`` return a list with one
    ``(n_steps_i, n_classes)`` array per sequence (``n_steps_i`` counting
    only unmasked steps), except in the one-to-one reading.
    ``score`` is the per-step accuracy over all steps of all sequences.

    **Weights.** ``sample_weight`` is per sequence, ``(n_sequences,)``,
    repeated on each of its steps, or per step, in the layout of ``y``; a
    step of weight 0 does not count. The loss is the weighted mean over
    steps of the cross-entropy, so a sequence weighs as much as its number
    of steps.

    The cells, the initialisation and the notation are those of
    :class:`~skrnn.RNNClassifier`.

    References
    ----------
    Hochreiter, S. and Schmidhuber, J. (1997). Long short-term memory.
    Schuster, M. and Paliwal, K. K. (1997). Bidirectional recurrent neural
    networks.
    Kingma, D. P. and Ba, J. (2014). Adam: a method for stochastic
    optimization.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import RNNSequenceTagger
    >>> rng = np.random.default_rng(0)
    >>> X = [rng.standard_normal(n) for n in rng.integers(4, 9, size=60)]
    >>> y = [(x > 0).astype(int) for x in X]  # the sign of every step
    >>> tagger = RNNSequenceTagger(hidden_size=8, learning_rate_init=0.03,
    ...                            max_iter=300, random_state=0).fit(X, y)
    >>> [tags.shape == x.shape for tags, x in zip(tagger.predict(X[:2]), X)]
    [True, True]
    >>> tagger.score(X, y) > 0.9
    True
    """

    _accepts_tokens = True
    _parameter_constraints: dict = {
        **BaseRNN._parameter_constraints,
        **TOKEN_PARAMETER_CONSTRAINTS,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    _head = "all"
    _loss = "cross_entropy"

    def __init__(
        self,
        *,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=True,
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
        """Fit the model to sequences ``X`` and per-step labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_sequences, n_steps, n_features) or \
                (n_sequences, n_steps), masked array, or list of array-like
            The sequences (see Notes for every accepted form).
        y : array-like of shape (n_sequences, n_steps), or list of array-like \
                of shape (n_steps_i,)
            One label per step, in the layout of ``X``; a 1-D
            ``(n_samples,)`` with a 2-D ``X`` is the one-to-one reading.
        sample_weight : array-like of shape (n_sequences,), or per step in \
                the layout of ``y``, default=None

        Returns
        -------
        self : RNNSequenceTagger
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over ``X`` (a single pass; MLP's partial_fit rules).

        Parameters
        ----------
        X : sequences, as in :meth:`fit`
        y : per-step labels, as in :meth:`fit`
        classes : array-like of shape (n_classes,), default=None
            Every class; required on the first call.
        sample_weight : as in :meth:`fit`, default=None

        Returns
        -------
        self : RNNSequenceTagger
        """
        classes = check_partial_fit_classes(self, classes)
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    # ------------------------------------------------------------ validation
    def _check_X(self, X, *, reset, one_to_one):
        """Sequences of ``X``, its form, whether it is read one-to-one, and
        the fitted attributes of the input (when ``reset``)."""
        one_to_one = one_to_one and check_X_forms(X) == "2d"
        one_to_one = one_to_one and not is_token_input(X)  # tokens: always per step
        two_d = "features" if one_to_one else "steps"
        # once fitted, the network's dtype: set_params(dtype=...) acts at the
        # next fit
        dtype = self._dtype if reset else self._net.dtype
        seqs, form, fitted = check_sequences(
            self, X, reset=reset, dtype=dtype, two_d=two_d
        )
        return seqs, form, one_to_one, fitted

    def _check_X_y(self, X, y, sample_weight, *, reset):
        """Validate ``X``, ``y`` and ``sample_weight`` together.

        Returns
        -------
        seqs : Ragged
        form : str
        labels : ndarray of shape (n_steps_total,)
            In the order of ``seqs.step_rows()``.
        weights : ndarray of shape (n_steps_total,) or None
        fitted : dict
            The attributes of the input to record (when ``reset``).
        """
        check_y_present(self, y)
        if reset:
            # A flat y with a 2-D X (or a column y, resolved below) is the
            # one-to-one reading; anything nested is per step.
            nested = _is_nested(y)
            column = nested and _is_column(y)
            seqs, form, one_to_one, fitted = self._check_X(
                X, reset=True, one_to_one=not nested or column
            )
            if column and one_to_one:
                # y (n, 1): the steps of a width-1 X, else a column vector
                one_to_one = seqs.data.shape[1] != 1
            fitted["_one_to_one"] = one_to_one
        else:
            seqs, form, one_to_one, fitted = self._check_X(
                X, reset=False, one_to_one=getattr(self, "_one_to_one", False)
            )
        if one_to_one:
            labels = column_or_1d(y, warn=True)
            check_n_sequences(seqs, len(labels))
        else:
            labels = _per_step_values(seqs, form, y, "y")
        weights = None
        if sample_weight is not None and not one_to_one and _is_nested(sample_weight):
            weights = _per_step_values(seqs, form, sample_weight, "sample_weight")
            weights = _check_sample_weight(weights, labels, dtype=np.float64)
        elif sample_weight is not None:
            weights = sample_weights(sample_weight, len(seqs))
            weights = np.repeat(weights, seqs.lengths)
        return seqs, form, labels, weights, fitted

    def _prepare_fit(self, X, y, sample_weight, first_pass, classes):
        seqs, _, labels, weights, fitted = self._check_X_y(
            X, y, sample_weight, reset=first_pass
        )
        kept = None if first_pass else self.classes_
        fitted["classes_"], codes = encode_labels(labels, kept, classes)
        weights = label_weights(weights, self.class_weight, labels, self._dtype)
        # Targets and weights per row of seqs.data (what a batch gathers);
        # rows outside every sequence (masked steps) are never read.
        rows, n_rows = seqs.step_rows(), seqs.data.shape[0]
        y = np.zeros(n_rows, dtype=np.intp)
        y[rows] = codes
        if weights is not None:
            weights, per_step = np.zeros(n_rows, dtype=self._dtype), weights
            weights[rows] = per_step
        data = SequenceData(seqs, y, weights, per_step=True)
        # Sequences of one step can be split stratified, like samples.
        one_to_one = fitted.get("_one_to_one", getattr(self, "_one_to_one", False))
        stratify = y if one_to_one else None
        n_classes = len(fitted["classes_"])
        return FitPlan(
            data, seqs.n_features, n_classes, stratify=stratify, fitted=fitted
        )

    # ------------------------------------------------------------- inference
    def _step_log_proba(self, X):
        """Sequences of X, form, one-to-one flag, rows and log-probabilities."""
        check_is_fitted(self)
        seqs, form, one_to_one, _ = self._check_X(
            X, reset=False, one_to_one=getattr(self, "_one_to_one", False)
        )
        rows = seqs.step_rows()
        return seqs, form, one_to_one, rows, self._log_proba(seqs, rows)

    def _log_proba(self, seqs, rows):
        """Log-probabilities ``(len(rows), n_classes)`` of the steps ``rows``."""
        logits = forward_outputs(self._net, self._params, seqs)[rows]
        check_finite_output(logits)
        return log_softmax(logits)

    @staticmethod
    def _per_sequence(seqs, values):
        return np.split(values, np.cumsum(seqs.lengths)[:-1])

    def predict_log_proba(self, X):
        """Log of the class probabilities of every step.

        Parameters
        ----------
        X : sequences, as in :meth:`fit`

        Returns
        -------
        list of ndarray of shape (n_steps_i, n_classes)
            One array per sequence (its unmasked steps); in the one-to-one
            reading, an ndarray of shape (n_samples, n_classes).
        """
        seqs, _, one_to_one, _, logp = self._step_log_proba(X)
        return logp if one_to_one else self._per_sequence(seqs, logp)

    def predict_proba(self, X):
        """Class probabilities of every step.

        Parameters
        ----------
        X : sequences, as in :meth:`fit`

        Returns
        -------
        list of ndarray of shape (n_steps_i, n_classes)
            One array per sequence (its unmasked steps); in the one-to-one
            reading, an ndarray of shape (n_samples, n_classes).
        """
        seqs, _, one_to_one, _, logp = self._step_log_proba(X)
        proba = np.exp(logp)
        return proba if one_to_one else self._per_sequence(seqs, proba)

    def predict(self, X):
        """The most likely class of every step, in the layout of ``X``.

        Parameters
        ----------
        X : sequences, as in :meth:`fit`

        Returns
        -------
        ndarray of shape (n_sequences, n_steps), masked array of that shape, \
                list of ndarray of shape (n_steps_i,), or ndarray of shape \
                (n_samples,)
            For a 3-D or 2-D ``X``, a masked ``X``, a list, and the
            one-to-one reading (see Notes of the class).
        """
        seqs, form, one_to_one, rows, logp = self._step_log_proba(X)
        labels = self.classes_[logp.argmax(axis=1)]
        if one_to_one:
            return labels
        if form == "list":
            return self._per_sequence(seqs, labels)
        n = len(seqs)
        out = np.full(seqs.data.shape[0], self.classes_[0], dtype=self.classes_.dtype)
        out[rows] = labels
        out = out.reshape(n, -1)
        if form == "masked":
            mask = np.ones(seqs.data.shape[0], dtype=bool)
            mask[rows] = False
            out = np.ma.MaskedArray(out, mask=mask.reshape(n, -1))
        return out

    def score(self, X, y, sample_weight=None):
        """Per-step accuracy: the (weighted) fraction of steps tagged right.

        Parameters
        ----------
        X : sequences, as in :meth:`fit`
        y : per-step labels, as in :meth:`fit`
        sample_weight : per sequence or per step, as in :meth:`fit`, \
                default=None

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        seqs, _, labels, weights, _ = self._check_X_y(X, y, sample_weight, reset=False)
        logp = self._log_proba(seqs, seqs.step_rows())
        pred = self.classes_[logp.argmax(axis=1)]
        return float(np.average(pred == labels, weights=weights))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False
        return tags
