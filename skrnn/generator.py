# SPDX-License-Identifier: BSD-3-Clause
"""CharRNNGenerator: a language model over characters (or any tokens)."""

import copy
from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np
from scipy.sparse import issparse
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import BaseRNN, FitPlan
from ._engine import Ragged, Stepper
from ._engine.batched import CHUNK, last_outputs
from ._engine.losses import log_softmax
from ._engine.sampling import sample_next
from ._engine.streams import Streams, log_likelihood
from ._memory import check_memory, format_int
from ._param_validation import Interval, StrOptions, _fit_context
from ._sequences import check_finite_output
from ._tasks import SCORE_CHUNK, StreamTask
from ._tokens import build_vocabulary, decode, encode_documents, read_documents

__all__ = ["CharRNNGenerator"]

#: Tokens counted at a time (bounds the intp copy np.bincount makes).
COUNT_CHUNK = 1 << 20


def _check_sampling(n, temperature, top_k, top_p):
    """``n`` and ``temperature`` of :meth:`CharRNNGenerator.generate` as int
    and float; a ValueError names any argument out of its range."""
    if not isinstance(n, Integral) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}.")
    if not isinstance(temperature, Real) or not temperature >= 0:
        raise ValueError(f"temperature must be >= 0, got {temperature!r}.")
    try:  # (an int past float64, 10**400, cannot divide a float array)
        temperature = float(temperature)
    except OverflowError:
        raise ValueError(
            f"temperature is too large to be a float: {temperature!r:.40}."
        ) from None
    if top_k is not None and (not isinstance(top_k, Integral) or top_k < 1):
        raise ValueError(f"top_k must be a positive integer, got {top_k!r}.")
    if top_p is not None and (not isinstance(top_p, Real) or not 0 < top_p <= 1):
        raise ValueError(f"top_p must be in (0, 1], got {top_p!r}.")
    return int(n), temperature  # True is an Integral; np.empty takes no bool


def _sampling_rng(random_state):
    """The Generator of a call to generate, seeded from ``random_state``.

    check_random_state names a value that cannot seed (a str, a Generator,
    ...); None is a fresh unseeded stream.
    """
    random_state = np.random.RandomState() if random_state is None else random_state
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    return np.random.default_rng(seed)


def _join_seed(seed, new):
    """The tokens of ``seed``, verbatim, then the generated tokens ``new``.

    In the vocabulary's dtype when every seed token keeps its value there;
    otherwise (an unknown token skipped under ``handle_unknown='ignore'``,
    such as ``'tulip'`` in a ``'<U4'`` vocabulary or ``'zz'`` in an integer
    one) an object array, so that nothing is truncated or converted.
    """
    tokens = list(seed)
    try:
        typed = np.asarray(tokens, dtype=new.dtype)
        exact = typed.shape == (len(tokens),) and typed.tolist() == tokens
    except (TypeError, ValueError):
        exact = False
    if exact:
        return np.concatenate([typed, new])
    out = np.empty(len(tokens) + len(new), dtype=object)
    for j, token in enumerate(tokens + new.tolist()):
        out[j] = token
    return out


class CharRNNGenerator(BaseRNN):
    """Recurrent language model over characters, words or any tokens.

    Trained to predict the next token at every position of windows of
    ``seq_length`` tokens, with the hidden state carried from one window to
    the next within a document (truncated backpropagation through time). It
    then generates text one token at a time (the one-to-many topology),
    scores text (mean log-likelihood per token) and predicts the next token
    after a context.

    Parameters
    ----------
    cell : {'lstm', 'gru', 'rnn'}, default='lstm'
    hidden_size : int, default=128
        Width of the hidden state ``h_t``.
        A fit that would need more memory than the machine has (the
        weights, their copies and one batch's activations) raises a
        ValueError before allocating anything.
    num_layers : int, default=1
        Number of stacked recurrent layers, at most 1000.
    activation : {'tanh', 'relu'}, default='tanh'
        Vanilla cell only.
    dropout : float, default=0.0
        Between stacked layers.
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
    seq_length : int, default=64
        Tokens per training window: how far back gradients flow.
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
    learning_rate_init : float, default=0.002
    power_t : float, default=0.5
        The exponent of 'invscaling'.
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
    momentum : float, default=0.9
    nesterovs_momentum : bool, default=True
    alpha : float, default=0.0
        L2 penalty on the weights.
    weight_decay : float, default=0.0
        Decoupled weight decay (AdamW; SGDW with SGD): each update first
        multiplies the weight matrices (not the biases or embeddings) by
        ``1 - lr * weight_decay``. Unlike ``alpha``, it does not pass through
        Adam's moments.
    clip_norm : float or None, default=5.0
    batch_size : int or 'auto', default='auto'
        Number of parallel streams read through the corpus; 'auto' is 64.
    max_iter : int, default=10
        Maximum number of epochs (passes over the corpus).
    tol : float, default=1e-4
    n_iter_no_change : int, default=10
    early_stopping : bool, default=False
        Hold out the last ``validation_fraction`` of the tokens and stop when
        their log-likelihood stops improving; the best weights are kept.
    validation_fraction : float, default=0.1
    shuffle : bool, default=True
        Start each epoch's windows at a random offset.
    random_state : int, RandomState instance or None, default=None
    warm_start : bool, default=False
    verbose : bool or int, default=False
    dtype : {np.float32, np.float64}, default=np.float32
    handle_unknown : {'error', 'ignore'}, default='error'
        What to do with a symbol outside the vocabulary wherever one enters
        after fit (generate's seed, predict, predict_proba, score): raise a
        ValueError naming them, or skip them.

    Attributes
    ----------
    classes_ : ndarray of shape (n_tokens,)
        The vocabulary, sorted.
    token_prior_ : ndarray of shape (n_tokens,)
        Frequency of each token in the training corpus: the next-token
        distribution of an empty context (no input to read).
    n_features_in_ : int
        Width of ``X`` when fitted on a 2-D array of tokens.
    params_ : dict of str to ndarray
        The weights: ``W_xh_l0`` has one row per token (the one-hot input
        times ``W_xh`` is a row of it).
    loss_ : float
        Mean cross-entropy per predicted token, in nats.
    loss_curve_ : list of float
    best_loss_ : float or None
    validation_scores_ : list of float or None
        Mean log-likelihood per held-out token, each epoch.
    best_validation_score_ : float or None
    n_iter_ : int
    t_ : int
        Tokens predicted during training.

    See Also
    --------
    RNNClassifier : One label per sequence.

    Notes
    -----
    A corpus of N tokens is held as N integer codes (one byte each for up to
    256 symbols); the activations of a batch take
    ``batch_size * seq_length * hidden_size`` numbers whatever N is.

    Examples
    --------
    >>> from skrnn import CharRNNGenerator
    >>> gen = CharRNNGenerator(hidden_size=32, seq_length=8, max_iter=40,
    ...                        learning_rate_init=0.01, random_state=0)
    >>> gen = gen.fit("abcd" * 30)
    >>> gen.generate("ab", 6, temperature=0)
    'abcdabcd'
    """

    _head = "all"
    _loss = "cross_entropy"

    _parameter_constraints: dict = {
        **{
            k: v
            for k, v in BaseRNN._parameter_constraints.items()
            if k != "bidirectional"
        },
        "seq_length": [Interval(Integral, 1, None, closed="left")],
        "handle_unknown": [StrOptions({"error", "ignore"})],
    }

    def __init__(
        self,
        *,
        cell="lstm",
        hidden_size=128,
        num_layers=1,
        activation="tanh",
        dropout=0.0,
        input_dropout=0.0,
        recurrent_dropout=0.0,
        output_dropout=0.0,
        seq_length=64,
        solver="adam",
        learning_rate="constant",
        learning_rate_init=0.002,
        power_t=0.5,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        momentum=0.9,
        nesterovs_momentum=True,
        alpha=0.0,
        weight_decay=0.0,
        clip_norm=5.0,
        batch_size="auto",
        max_iter=10,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        shuffle=True,
        random_state=None,
        warm_start=False,
        verbose=False,
        dtype=np.float32,
        handle_unknown="error",
    ):
        self._store(locals())

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the vocabulary and the model from a corpus.

        Parameters
        ----------
        X : str, list of str, 2-D array of tokens or list of token sequences
            A str is one document of characters; a list of str, several. A
            2-D array or a list of sequences of tokens (any hashable
            symbols) makes a word- or token-level model, one document per
            row or sequence.
        y : None
            Ignored.

        Returns
        -------
        self : CharRNNGenerator
        """
        return self._fit(X, None, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """One epoch over a corpus (the vocabulary is fixed by the first call).

        Parameters
        ----------
        X : corpus, as in :meth:`fit`
        y : None
            Ignored.

        Returns
        -------
        self : CharRNNGenerator
        """
        return self._fit(X, None, incremental=True)

    def _read(self, X, *, reset):
        """Documents of X (validating 2-D arrays as scikit-learn does).

        Returns
        -------
        documents : list of str or of 1-D arrays of symbols
        char_level : bool
        fitted : dict
            With ``reset``, the input attributes a fit records (None
            removes one): ``n_features_in_`` for a 2-D array of tokens.
        """
        if isinstance(X, np.ma.MaskedArray) and np.ma.getmaskarray(X).any():
            raise TypeError(
                "X is a masked array with masked values; the data under a mask "
                "is never read: pass each document's present tokens (a list of "
                "sequences may have any lengths)."
            )
        fitted = dict(n_features_in_=None, feature_names_in_=None) if reset else {}
        if issparse(X) or (
            hasattr(X, "__array__") and not isinstance(X, (str, list, tuple))
        ):
            probe = copy.copy(self) if reset else self  # records nothing on self
            X = validate_data(probe, X, reset=reset, dtype=None, ensure_all_finite=True)
            if reset:
                fitted["n_features_in_"] = probe.n_features_in_
                fitted["feature_names_in_"] = getattr(probe, "feature_names_in_", None)
        return (*read_documents(X), fitted)

    def _prepare_fit(self, X, y, sample_weight, first_pass, classes):
        docs, char_level, fitted = self._read(X, reset=first_pass)
        if first_pass:
            classes = build_vocabulary(docs, char_level)
            counts = np.zeros(len(classes), dtype=np.int64)
            fitted.update(classes_=classes, _char_level=char_level)
        elif char_level != self._char_level:
            kind = "characters" if self._char_level else "tokens"
            raise ValueError(
                f"This model was fitted on {kind}; X must be the same kind of corpus."
            )
        else:
            classes, counts = self.classes_, self._token_counts
        unknown = "error" if first_pass else self.handle_unknown
        corpus = encode_documents(docs, classes, char_level, unknown)
        if not np.any(corpus.lengths >= 2):
            raise ValueError(
                "Every document has fewer than 2 tokens (X has 1 feature(s) per "
                "row): there is no next token to learn from."
            )
        # bincount casts its input to intp: in chunks, not 8 bytes per token
        for start in range(0, len(corpus.data), COUNT_CHUNK):
            part = corpus.data[start : start + COUNT_CHUNK]
            counts = counts + np.bincount(part, minlength=len(classes))
        fitted.update(_token_counts=counts, token_prior_=counts / counts.sum())
        n = len(classes)
        return FitPlan(corpus, n, n, token_input=True, fitted=fitted)

    def _split(self, plan, rng):
        """Hold out the last ``validation_fraction`` of the tokens."""
        corpus = plan.data
        if not self.early_stopping:
            return corpus, None
        cut = int(round(len(corpus.data) * (1 - self.validation_fraction)))
        ends = corpus.starts + corpus.lengths
        train_start = np.minimum(corpus.starts, cut)
        train_len = np.minimum(ends, cut) - train_start
        val_start = np.maximum(corpus.starts, cut)
        val_len = ends - val_start
        val_keep = val_len >= 2
        if not val_keep.any() or not np.any(train_len >= 2):
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your corpus."
            )
        train = Ragged(corpus.data, train_start, np.maximum(train_len, 0))
        return train, Ragged(corpus.data, val_start[val_keep], val_len[val_keep])

    def _n_streams(self):
        return 64 if self.batch_size == "auto" else self.batch_size

    def _batch_shapes(self, plan):
        return StreamTask.batch_shapes(
            plan.data, self._n_streams(), self.seq_length, self.early_stopping
        )

    def _task(self, net, params, train):
        return StreamTask(
            net,
            params,
            train,
            n_streams=self._n_streams(),
            seq_length=self.seq_length,
            shuffle=self.shuffle,
            **self._regularization(),
        )

    def _scorer(self, net, params, val):
        streams = Streams(val, self._n_streams(), SCORE_CHUNK)

        def mean_log_likelihood():
            total, count = log_likelihood(net, params, val, streams)
            return total / count

        return mean_log_likelihood

    # ------------------------------------------------------------ inference
    def _encode(self, X):
        check_is_fitted(self)
        docs, char_level, _ = self._read(X, reset=False)
        if char_level != self._char_level:
            kind = "characters" if self._char_level else "tokens"
            raise ValueError(f"This model was fitted on {kind}; got another kind.")
        return encode_documents(docs, self.classes_, char_level, self.handle_unknown)

    def _contexts(self, contexts):
        """Logits of the next token after each context, and the final states.

        An empty context (for instance every symbol unknown and ignored) has
        no input to read: its next token follows ``token_prior_``, the token
        frequencies of the training corpus, and its state is the zero state.
        """
        log_prior = np.log(self.token_prior_)
        logits, h, c = last_outputs(self._net, self._params, contexts, log_prior)
        check_finite_output(logits, "contexts")
        return logits, h, c

    def predict_log_proba(self, X):
        """Log-probabilities of the next token after each context.

        Parameters
        ----------
        X : str, list of str, 2-D array of tokens or list of token sequences
            The contexts (a str is a single context).

        Returns
        -------
        ndarray of shape (n_contexts, n_tokens)
            Columns follow ``classes_``.
        """
        corpus = self._encode(X)
        out = np.empty((len(corpus), len(self.classes_)), dtype=self._net.dtype)
        order = corpus.canonical_order()
        for start in range(0, len(corpus), CHUNK):
            part = order[start : start + CHUNK]
            out[part] = log_softmax(self._contexts(corpus.subset(part))[0])
        return out

    def predict_proba(self, X):
        """Probabilities of the next token after each context.

        Parameters
        ----------
        X : contexts, as in :meth:`predict_log_proba`

        Returns
        -------
        ndarray of shape (n_contexts, n_tokens)
        """
        return np.exp(self.predict_log_proba(X))

    def predict(self, X):
        """The most likely next token after each context.

        Parameters
        ----------
        X : contexts, as in :meth:`predict_log_proba`

        Returns
        -------
        ndarray of shape (n_contexts,)
        """
        codes = np.argmax(self.predict_log_proba(X), axis=1)
        return self.classes_[codes]

    def score(self, X, y=None):
        """Mean log-likelihood per token of a corpus (higher is better).

        Each document is read whole from the zero state; every token after
        its first is scored given all the tokens before it.

        Parameters
        ----------
        X : corpus, as in :meth:`fit`
        y : None
            Ignored.

        Returns
        -------
        float
            In nats per token (its negative is the cross-entropy).
        """
        corpus = self._encode(X)
        streams = Streams.whole_documents(corpus, SCORE_CHUNK)
        total, count = log_likelihood(self._net, self._params, corpus, streams)
        if count == 0:
            raise ValueError("X has no document of 2 or more tokens to score.")
        check_finite_output(total, "documents")
        return total / count

    def perplexity(self, X):
        """``exp(-score(X))``: the effective number of choices per token.

        Parameters
        ----------
        X : corpus, as in :meth:`fit`

        Returns
        -------
        float
        """
        return float(np.exp(-self.score(X)))

    def generate(
        self, seed, n=100, temperature=1.0, top_k=None, top_p=None, random_state=None
    ):
        """Continue ``seed`` with ``n`` new tokens.

        The seed is read once; each new token costs one step of the network,
        the state being carried. Several seeds (a list) generate together as
        one batch.

        Parameters
        ----------
        seed : str, sequence of tokens, or list of them
        n : int, default=100
            Number of new tokens. More than the machine's memory can hold
            raises a ValueError before anything is allocated.
        temperature : float, default=1.0
            0 is greedy (always the most likely token); higher is more varied.
        top_k : int or None, default=None
            Sample among the ``top_k`` most likely tokens only.
        top_p : float in (0, 1] or None, default=None
            Sample among the most likely tokens holding ``top_p`` of the
            probability (nucleus sampling).
        random_state : int, RandomState instance or None, default=None
            Seeds the sampling (the estimator is not modified).

        Returns
        -------
        str, ndarray or list
            ``seed + generated`` (a str for a character model, an array of
            tokens otherwise); a list of them for a list of seeds. The seed is
            returned verbatim (with ``handle_unknown='ignore'``, its unknown
            symbols are skipped when it is read, not removed from the
            result), so ``result[len(seed):]`` is always the new text.

        Notes
        -----
        Greedy generation (``temperature=0``) gives each seed of a list
        exactly the text it gets alone. Sampling with a fixed
        ``random_state`` is reproducible for the same list of seeds, but a
        seed's sample within a batch is not its sample alone: the rows of
        the batch draw in turn from one random stream.
        """
        check_is_fitted(self)
        n, temperature = _check_sampling(n, temperature, top_k, top_p)
        seeds, single = self._seeds(seed)
        self._check_generate_memory(n, len(seeds))
        corpus = self._encode(seeds if self._char_level else [list(s) for s in seeds])
        rng = _sampling_rng(random_state)
        out = self._sample(corpus, n, rng, temperature, top_k, top_p)
        join = str.__add__ if self._char_level else _join_seed
        results = [
            join(seed, decode(codes, self.classes_, self._char_level))
            for seed, codes in zip(seeds, out, strict=True)
        ]
        return results[0] if single else results

    def _sample(self, contexts, n, rng, temperature, top_k, top_p):
        """Codes of ``n`` tokens drawn after each context, one step each.

        Returns
        -------
        ndarray of int, shape (n_contexts, n)
        """
        logits, h, c = self._contexts(contexts)
        out = np.empty((len(contexts), n), dtype=np.intp)
        stepper = Stepper(self._net, self._params, h, c)
        for t in range(n):
            tokens = sample_next(logits, rng, temperature, top_k, top_p)
            out[:, t] = tokens
            if t + 1 < n:
                logits = stepper.step(tokens)
                check_finite_output(logits, "seeds and generated texts")
        return out

    def _seeds(self, seed):
        """The seeds of :meth:`generate` as a list, and whether it was one."""
        scalar_array = isinstance(seed, np.ndarray) and seed.ndim == 0
        if scalar_array or not isinstance(seed, (Sequence, np.ndarray)):
            expected = (
                "a str or a list of str"
                if self._char_level
                else "a sequence of tokens or a list of them"
            )
            raise TypeError(f"seed must be {expected}; got {type(seed).__name__}.")
        if self._char_level:
            single = isinstance(seed, str)
        else:
            single = len(seed) == 0 or np.ndim(seed[0]) == 0
        return ([seed] if single else list(seed)), single

    def _check_generate_memory(self, n, n_seeds):
        """Refuse, before allocating, ``n`` new tokens the machine cannot hold.

        Per token and seed: its code, its symbol, and for a character model
        the Python str of the symbol (up to ~80 bytes) and its character in
        the result.
        """
        itemsize = self.classes_.dtype.itemsize
        per_token = 8 + itemsize + (96 if self._char_level else itemsize)
        check_memory(
            n_seeds * n * per_token,
            f"generate(n={format_int(n)}) for {n_seeds} seed(s)",
            "Lower n, or generate in several calls.",
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.target_tags.required = False
        return tags
