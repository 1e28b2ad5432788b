# SPDX-License-Identifier: BSD-3-Clause
"""CharRNNGenerator: a language model over characters (or any tokens)."""

from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np
from scipy.sparse import issparse
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import PREDICT_CHUNK, BaseRNN
from ._engine import Stepper
from ._engine.losses import log_softmax
from ._engine.sampling import sample_next
from ._memory import check_memory, format_int
from ._param_validation import Interval, StrOptions, _fit_context
from ._tokens import (
    Corpus,
    build_vocabulary,
    decode,
    encode_documents,
    read_documents,
)
from ._validation import Sequences, check_finite_output

__all__ = ["CharRNNGenerator"]

#: Steps per forward pass when scoring long documents (bounds memory).
SCORE_CHUNK = 1024
#: Tokens counted at a time (bounds the intp copy np.bincount makes).
COUNT_CHUNK = 1 << 20


class _Streams:
    """One epoch of training windows: ``n_streams`` parallel readers.

    The token positions of the corpus (every position that has a next token
    in its document) are cut into at most ``n_streams`` contiguous parts;
    each part is read window by window, ``seq_length`` positions at a time,
    and the hidden state is carried from one window to the next of the same
    stream (truncated backpropagation through time). A stream restarts from
    the zero state where a document starts.

    A stream that starts inside a document reads it without the context
    before the cut. So a stream holds at least ``seq_length`` positions
    (on a small corpus, more streams would only add cuts, not rows to a
    window), and a cut moves to the nearest document boundary when one is
    less than half a stream's share away: a corpus of short documents is
    read in whole documents, the state carried through each, while a long
    document is still cut, at ``n_streams - 1`` points at most.
    """

    def __init__(self, corpus, n_streams, seq_length, phase):
        # per document: rows [start, start + length - 1) have a next token
        usable = np.maximum(corpus.lengths - 1, 0)
        keep = usable > 0
        doc_start, doc_len = corpus.starts[keep], usable[keep]
        total = int(doc_len.sum())
        n_streams = max(1, min(n_streams, total // seq_length))
        cum = np.concatenate([[0], np.cumsum(doc_len)])
        cuts = np.linspace(0, total, n_streams + 1)
        if len(cum) > 2:  # several documents: cut at their boundaries if near
            j = np.clip(np.searchsorted(cum, cuts), 1, len(cum) - 1)
            below, above = cum[j - 1], cum[j]
            nearest = np.where(cuts - below <= above - cuts, below, above)
            near = np.abs(nearest - cuts) < total / n_streams / 2
            cuts = np.where(near, nearest, cuts)
        bounds = np.unique(cuts.round().astype(np.intp))  # drops empty streams
        # per stream: an (n_segments, 2) array of (first row, length), one
        # segment per document it reads (O(n_streams + n_documents) memory)
        self.segments = []
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            k = np.arange(
                np.searchsorted(cum, a, side="right") - 1,
                np.searchsorted(cum, b, side="left"),
            )
            lo, hi = np.maximum(cum[k], a), np.minimum(cum[k + 1], b)
            self.segments.append(np.stack([doc_start[k] + lo - cum[k], hi - lo], 1))
        self.n_streams = len(self.segments)
        self.seq_length = seq_length
        self.phase = phase
        self.n_targets = total

    def _windows(self, segs):
        """Yield the ``(start, length, reset)`` windows of one stream, lazily."""
        L = self.seq_length
        for i, (start, length) in enumerate(segs):
            start, length, offset = int(start), int(length), 0
            if i == 0 and self.phase:
                offset = min(self.phase, length)
                yield start, offset, True
            while offset < length:
                step = min(L, length - offset)
                yield start + offset, step, offset == 0
                offset += step

    def batches(self):
        """Yield ``(streams, starts, lengths, resets)`` for each step.

        The windows are made as they are read: the working set is one window
        per stream, whatever the size of the corpus.
        """
        readers = [self._windows(segs) for segs in self.segments]
        live = list(range(len(readers)))
        while True:
            windows = [(s, next(readers[s], None)) for s in live]
            windows = [(s, w) for s, w in windows if w is not None]
            if not windows:  # a stream that ends never comes back
                return
            live = [s for s, _ in windows]
            yield (
                np.array(live, dtype=np.intp),
                np.array([w[0] for _, w in windows], dtype=np.intp),
                np.array([w[1] for _, w in windows], dtype=np.intp),
                np.array([w[2] for _, w in windows], dtype=bool),
            )


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
    seq_length : int, default=64
        Tokens per training window: how far back gradients flow.
    solver : {'adam', 'sgd'}, default='adam'
    learning_rate_init : float, default=0.002
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
    momentum : float, default=0.9
    nesterovs_momentum : bool, default=True
    alpha : float, default=0.0
        L2 penalty on the weights.
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
        seq_length=64,
        solver="adam",
        learning_rate_init=0.002,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        momentum=0.9,
        nesterovs_momentum=True,
        alpha=0.0,
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
        super().__init__(
            cell=cell,
            hidden_size=hidden_size,
            num_layers=num_layers,
            activation=activation,
            dropout=dropout,
            seq_length=seq_length,
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
            handle_unknown=handle_unknown,
        )

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
        return self._fit(X, None, None, incremental=False)

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
        return self._fit(X, None, None, incremental=True)

    def _read(self, X, *, reset):
        """Documents of X (validating 2-D arrays as scikit-learn does)."""
        if isinstance(X, np.ma.MaskedArray) and np.ma.getmaskarray(X).any():
            raise TypeError(
                "X is a masked array with masked values; the data under a mask "
                "is never read: pass each document's present tokens (a list of "
                "sequences may have any lengths)."
            )
        if issparse(X) or (
            hasattr(X, "__array__") and not isinstance(X, (str, list, tuple))
        ):
            X = validate_data(self, X, reset=reset, dtype=None, ensure_all_finite=True)
        elif reset and hasattr(self, "n_features_in_"):
            del self.n_features_in_
        docs, char_level = read_documents(X)
        return docs, char_level

    def _prepare_fit(self, X, y, sample_weight, *, first_pass):
        docs, char_level = self._read(X, reset=first_pass)
        if first_pass:
            classes = build_vocabulary(docs, char_level)
        elif char_level != self._char_level:
            raise ValueError(
                "This model was fitted on "
                + ("characters" if self._char_level else "tokens")
                + "; X must be the same kind of corpus."
            )
        else:
            classes = self.classes_
        corpus = encode_documents(
            docs,
            classes,
            char_level,
            "error" if first_pass else self.handle_unknown,
        )
        if not np.any(corpus.lengths >= 2):
            raise ValueError(
                "Every document has fewer than 2 tokens (X has 1 feature(s) per "
                "row): there is no next token to learn from."
            )
        # Only now, the data being valid, does the model change.
        # bincount casts its input to intp: in chunks, not 8 bytes per token
        counts = np.zeros(len(classes), dtype=np.int64)
        for start in range(0, len(corpus.codes), COUNT_CHUNK):
            part = corpus.codes[start : start + COUNT_CHUNK]
            counts += np.bincount(part, minlength=len(classes))
        if first_pass:
            self.classes_ = classes
            self._char_level = char_level
            self._token_counts = counts
        else:
            self._token_counts = self._token_counts + counts
        self.token_prior_ = self._token_counts / self._token_counts.sum()
        n = len(classes)
        return corpus, n, n, True, None

    def _split(self, corpus, rng, stratify):
        """Hold out the last ``validation_fraction`` of the tokens."""
        if not self.early_stopping:
            return corpus, None
        n = corpus.codes.shape[0]
        cut = int(round(n * (1 - self.validation_fraction)))
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
        train = Corpus(corpus.codes, train_start, np.maximum(train_len, 0))
        val = Corpus(corpus.codes, val_start[val_keep], val_len[val_keep])
        return train, val

    def _n_streams(self):
        return 64 if self.batch_size == "auto" else self.batch_size

    def _batch_shapes(self, corpus):
        """The largest batches of a fit (see :meth:`BaseRNN._batch_shapes`).

        A training batch is one window of ``seq_length`` tokens per stream;
        a validation batch one of ``SCORE_CHUNK`` tokens per stream. Neither
        holds more than the corpus.
        """
        usable = int(np.maximum(corpus.lengths - 1, 0).sum(dtype=np.int64))
        n_streams = self._n_streams()

        def windows(length):
            B = max(1, min(n_streams, usable // length))
            return B, min(B * length, usable)

        forward = windows(SCORE_CHUNK) if self.early_stopping else None
        return windows(self.seq_length), forward

    def _epoch_batches(self, corpus, rng):
        # A phase beyond a document reads it whole, so capping the bound (only
        # a seq_length past int64 reaches it) changes no window and no draw.
        high = min(self.seq_length, np.iinfo(np.int64).max - 1)
        phase = int(rng.integers(1, high + 1)) if self.shuffle else 0
        streams = _Streams(corpus, self._n_streams(), self.seq_length, phase)
        shape = (self._net.n_states, streams.n_streams, self._net.hidden_size)
        state = {"h": np.zeros(shape, self._net.dtype)}
        if self._net.cell.has_cell_state:
            state["c"] = np.zeros(shape, self._net.dtype)
        for batch in streams.batches():
            yield batch, state

    def _batch_loss_and_grad(self, corpus, batch, rng):
        (live, starts, lengths, resets), state = batch
        for s in state.values():
            s[:, live[resets]] = 0
        seqs = Sequences(corpus.codes, starts, lengths, "tokens")
        rows, packing = seqs.pack()
        x = corpus.codes[rows]
        y = corpus.codes[rows + 1]
        use_dropout = self.dropout > 0 and self.num_layers > 1
        loss, grads, h_n, c_n = self._net.loss_and_grad(
            self._params,
            x,
            packing,
            y,
            loss="cross_entropy",
            h0=state["h"][:, live],
            c0=state["c"][:, live] if "c" in state else None,
            rng=rng if use_dropout else None,
        )
        state["h"][:, live] = h_n
        if c_n is not None:
            state["c"][:, live] = c_n
        loss = self._regularize(loss, grads, float(len(y)))
        return loss, grads, len(y)

    def _validation_score(self, corpus):
        total, count = self._log_likelihood(corpus, n_streams=self._n_streams())
        return total / count

    # ------------------------------------------------------------ inference
    def _log_likelihood(self, corpus, n_streams=None):
        """Sum of log p(next token) over the corpus, and the number of tokens.

        ``n_streams=None`` reads every document whole from the zero state
        (the exact likelihood); otherwise the tokens are cut into that many
        parallel streams, as in training (faster for one long document).
        """
        streams = _Streams(
            corpus,
            len(corpus) if n_streams is None else n_streams,
            SCORE_CHUNK,
            0,
        )
        if n_streams is None:  # one stream per document, each whole
            docs = corpus.lengths >= 2
            streams.segments = [
                [(int(s), int(n - 1))]
                for s, n in zip(corpus.starts[docs], corpus.lengths[docs], strict=True)
            ]
            streams.n_streams = len(streams.segments)
        shape = (self._net.n_states, streams.n_streams, self._net.hidden_size)
        h = np.zeros(shape, self._net.dtype)
        c = np.zeros(shape, self._net.dtype) if self._net.cell.has_cell_state else None
        total, count = 0.0, 0
        for live, starts, lengths, resets in streams.batches():
            h[:, live[resets]] = 0
            if c is not None:
                c[:, live[resets]] = 0
            rows, packing = Sequences(corpus.codes, starts, lengths, "tokens").pack()
            logits, h_n, c_n, _ = self._net.forward(
                self._params,
                corpus.codes[rows],
                packing,
                h[:, live],
                None if c is None else c[:, live],
            )
            h[:, live] = h_n
            if c is not None:
                c[:, live] = c_n
            logp = log_softmax(logits)
            target = corpus.codes[rows + 1].astype(np.intp)
            total += float(logp[np.arange(len(target)), target].sum(dtype=np.float64))
            count += len(target)
        return total, count

    def _encode(self, X):
        check_is_fitted(self)
        docs, char_level = self._read(X, reset=False)
        if char_level != self._char_level:
            kind = "characters" if self._char_level else "tokens"
            raise ValueError(f"This model was fitted on {kind}; got another kind.")
        return encode_documents(docs, self.classes_, char_level, self.handle_unknown)

    def _final(self, corpus):
        """Logits of the next token after each context, and the final states.

        An empty context (for instance every symbol unknown and ignored) has
        no input to read: its next token follows ``token_prior_``, the token
        frequencies of the training corpus, and its state is the zero state.

        Returns
        -------
        logits : ndarray of shape (n_contexts, n_tokens)
        h, c : ndarray of shape (n_states, n_contexts, hidden_size)
            ``c`` is None unless LSTM.
        """
        B = len(corpus)
        shape = (self._net.n_states, B, self._net.hidden_size)
        h = np.zeros(shape, self._net.dtype)
        c = np.zeros(shape, self._net.dtype) if self._net.cell.has_cell_state else None
        with np.errstate(divide="ignore"):
            log_prior = np.log(self.token_prior_).astype(self._net.dtype)
        logits = np.tile(log_prior, (B, 1))
        nonempty = np.flatnonzero(corpus.lengths > 0)
        if len(nonempty):
            seqs = Sequences(
                corpus.codes,
                corpus.starts[nonempty],
                corpus.lengths[nonempty],
                "tokens",
            )
            rows, packing = seqs.pack()
            out, h_n, c_n, _ = self._net.forward(
                self._params, corpus.codes[rows], packing
            )
            last = out[packing.last_rows()]
            check_finite_output(last, "contexts")
            logits[nonempty] = packing.unsort(last)
            h[:, nonempty] = h_n
            if c is not None:
                c[:, nonempty] = c_n
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
        order = Sequences(
            corpus.codes, corpus.starts, corpus.lengths, "tokens"
        ).canonical_order()
        for start in range(0, len(corpus), PREDICT_CHUNK):
            part = order[start : start + PREDICT_CHUNK]
            sub = Corpus(corpus.codes, corpus.starts[part], corpus.lengths[part])
            out[part] = log_softmax(self._final(sub)[0])
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
        total, count = self._log_likelihood(self._encode(X))
        if count == 0:
            raise ValueError("X has no document of 2 or more tokens to score.")
        # (checked here, not in _log_likelihood: in training, a non-finite
        # validation score is the training loop's NonFiniteError)
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
        if not isinstance(n, Integral) or n < 0:
            raise ValueError(f"n must be a non-negative integer, got {n!r}.")
        n = int(n)  # True is an Integral; np.empty takes no bool dimension
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
        scalar_array = isinstance(seed, np.ndarray) and seed.ndim == 0
        if scalar_array or not isinstance(seed, (Sequence, np.ndarray)):
            expected = (
                "a str or a list of str"
                if self._char_level
                else "a sequence of tokens or a list of them"
            )
            raise TypeError(f"seed must be {expected}; got {type(seed).__name__}.")
        single = (
            isinstance(seed, str)
            if self._char_level
            else (len(seed) == 0 or np.ndim(seed[0]) == 0)
        )
        seeds = [seed] if single else list(seed)
        self._check_generate_memory(n, len(seeds))
        corpus = self._encode(seeds if self._char_level else [list(s) for s in seeds])
        # check_random_state names a value that cannot seed (a str, a
        # Generator, ...); None is a fresh unseeded stream, as before
        random_state = np.random.RandomState() if random_state is None else random_state
        rng = np.random.default_rng(
            check_random_state(random_state).randint(np.iinfo(np.int32).max)
        )
        logits, h, c = self._final(corpus)
        B = len(seeds)
        out = np.empty((B, n), dtype=np.intp)
        stepper = Stepper(self._net, self._params, h, c)
        for t in range(n):
            tokens = sample_next(logits, rng, temperature, top_k, top_p)
            out[:, t] = tokens
            if t + 1 < n:
                logits = stepper.step(tokens)
                check_finite_output(logits, "seeds and generated texts")
        results = []
        for i in range(B):
            new = decode(out[i], self.classes_, self._char_level)
            if self._char_level:
                results.append(seeds[i] + new)
            else:
                results.append(_join_seed(seeds[i], new))
        return results[0] if single else results

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
