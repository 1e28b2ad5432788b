# SPDX-License-Identifier: BSD-3-Clause
"""RNNSeq2Seq: a sequence (or a vector) in, a new sequence out."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted

from ._base import (
    _SIZE_PARAMS,
    ARCHITECTURE_PARAMS,
    TOKEN_PARAMETER_CONSTRAINTS,
    BaseRNN,
    FitPlan,
    _short,
)
from ._engine.batched import CHUNK, canonical_chunks
from ._engine.decoding import decode_sources
from ._engine.memory import estimate_seq2seq_fit_bytes, optimizer_arrays
from ._engine.seq2seq import Seq2SeqNetwork, teacher_forcing
from ._memory import check_memory, format_bytes, format_count, format_int
from ._param_validation import Interval, StrOptions, _fit_context
from ._sequences import check_finite_output, check_sequences
from ._targets import (
    cast_weights,
    check_outputs,
    check_target_vocabulary,
    check_y_present,
    decode_output,
    output_sequences,
    sample_weights,
)
from ._tasks import Pairs, PairTask, longest

__all__ = ["RNNSeq2Seq"]

_TOKEN_CONSTRAINTS = {
    name: rule
    for name, rule in TOKEN_PARAMETER_CONSTRAINTS.items()
    if name not in ("pretrained_embeddings", "freeze_embeddings")
}


def _characters(X):
    """A list of str read as sequences of characters; anything else as it is."""
    if isinstance(X, (list, tuple)) and X and all(isinstance(x, str) for x in X):
        return [list(x) for x in X]
    return X


class RNNSeq2Seq(TransformerMixin, BaseRNN):
    """Encoder-decoder recurrent network: a sequence in, a new sequence out.

    An encoder (vanilla RNN, LSTM or GRU; stacked, optionally
    bidirectional) reads the source; its final states, each layer's
    directions side by side, start a decoder of the same cell that writes
    the output one symbol at a time, reading the previous symbol (teacher
    forcing in training). With attention, every decoder state looks at all
    the encoder's outputs (Luong et al., 2015). This is the many-to-many
    topology with unaligned lengths (translation, spelling to sound) and,
    with ``vector_input=True``, one-to-many (a caption from an image's
    features).

    Parameters
    ----------
    cell : {'lstm', 'gru', 'rnn'}, default='lstm'
    hidden_size : int, default=128
        The encoder's hidden size per direction. The decoder has
        ``hidden_size`` units, twice that with a bidirectional encoder.
    num_layers : int, default=1
        Layers of the encoder and of the decoder.
    bidirectional : bool, default=False
        A bidirectional encoder (ignored with ``vector_input``).
    attention : {'general', 'dot', 'additive'} or None, default='general'
        How decoder states score the encoder's outputs: Luong's ``'dot'``
        (``h_t . s``) and ``'general'`` (``h_t . W_a s``), Bahdanau's
        ``'additive'`` (``v . tanh(W_1 h_t + W_2 s)``); the context and the
        state combine as ``tanh(W_c [c_t; h_t])`` before the output layer.
        None: the output layer reads the decoder's state. Ignored with
        ``vector_input``.
    attention_size : int or None, default=None
        The hidden size of ``'additive'`` attention (None: the decoder's).
    input_feeding : bool, default=False
        The decoder also reads its previous attentional state
        ``tanh(W_c [c_{t-1}; h_{t-1}])`` beside the previous symbol (Luong et
        al., 2015), so each step knows what the last one attended to. Needs
        attention; ignored with ``vector_input``. Training is then step by
        step through attention, slower per epoch. Off by default, as
        measured on CMUdict grapheme-to-phoneme conversion: in 600 s of
        training on 2 cores, feeding learned a little more per epoch but ran
        at 0.74 times the speed and ended 0.010 behind in word error rate
        (``benchmarks/g2p_skrnn.py``).
    vector_input : bool, default=False
        Read ``X`` as one feature vector per sample, ``(n_samples,
        n_features)``, which starts the decoder (``tanh`` of a dense layer
        gives its initial states): the vector-to-sequence form. Otherwise
        ``X`` is sequences, and a 2-D numeric array is read as univariate
        sequences, as by the other estimators.
    beam_size : int, default=1
        Decoding of :meth:`predict`: 1 is greedy, more is beam search.
    length_penalty : float, default=1.0
        Beam search ranks outputs by their log-probability divided by
        ``length ** length_penalty`` (the length counts the end): 0 prefers
        short outputs, 1 ranks by the mean log-probability per symbol.
    max_length : int, callable or None, default=None
        The most symbols an output may have: a number, or a function of the
        source's length (for sequences), such as ``lambda n: 2 * n + 5``.
        None: twice the longest output seen in fit.
    activation, dropout, input_dropout, recurrent_dropout, output_dropout
        As :class:`RNNClassifier`'s, for the encoder and the decoder; the
        output dropout is on the output layer's input.
    solver, learning_rate, learning_rate_init, power_t, beta_1, beta_2, \
epsilon, momentum, nesterovs_momentum, alpha, weight_decay, clip_norm
        As :class:`RNNClassifier`'s.
    batch_size : int or 'auto', default='auto'
        Samples per minibatch; 'auto' is ``min(64, n_samples)``.
    max_iter, tol, n_iter_no_change, shuffle, random_state, warm_start, \
verbose, dtype
        As :class:`RNNClassifier`'s.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the samples and stop when the
        exact-match accuracy of greedy decoding on them stops improving;
        the best weights are kept.
    validation_fraction : float, default=0.1
    embedding_dim, min_frequency, max_categories, handle_unknown
        For sources of symbols, as :class:`RNNClassifier`'s.

    Attributes
    ----------
    target_vocabulary_ : ndarray
        The output symbols, sorted (characters when ``y`` held str).
    max_target_length_ : int
        The longest output seen in fit.
    n_features_in_ : int
    n_features_per_step_ : int
        Features (or token columns) per source step; with ``vector_input``
        the width of the vectors.
    categories_, infrequent_categories_ : list of ndarray
        For sources of symbols: each column's vocabulary (see
        :class:`RNNClassifier`).
    loss_ : float
        Mean cross-entropy per output symbol (the end included).
    loss_curve_, best_loss_, validation_scores_, best_validation_score_, \
n_iter_, t_
        As :class:`RNNClassifier`'s (``t_`` counts samples).

    See Also
    --------
    RNNSequenceTagger : One label per step, when input and output align.
    CharRNNGenerator : A sequence continued, without a source.

    Notes
    -----
    A str in ``X`` or ``y`` is a sequence of characters; lists of symbols
    (such as words) are sequences of tokens; numeric arrays are sequences of
    feature vectors. The decoder reads the previous symbol as a row of its
    input weights (no separate embedding). Without input feeding the
    attentional state goes to the output layer only, so in training the
    decoder's recurrence runs over a whole batch of targets before attention
    does; with it, attention runs inside the recurrence, one step at a time.

    References
    ----------
    Sutskever, I., Vinyals, O. and Le, Q. V. (2014). Sequence to sequence
    learning with neural networks.
    Bahdanau, D., Cho, K. and Bengio, Y. (2015). Neural machine translation
    by jointly learning to align and translate.
    Luong, M.-T., Pham, H. and Manning, C. D. (2015). Effective approaches
    to attention-based neural machine translation.

    Examples
    --------
    >>> from skrnn import RNNSeq2Seq
    >>> words = ["abc", "cab", "bca", "aab", "cba", "bac", "acb", "bbc"] * 8
    >>> model = RNNSeq2Seq(hidden_size=32, learning_rate_init=0.02,
    ...                    max_iter=60, random_state=0).fit(words, words)
    >>> model.predict(["abc", "cab"])
    ['abc', 'cab']
    """

    _accepts_tokens = True
    _architecture_params = ARCHITECTURE_PARAMS + (
        "attention",
        "attention_size",
        "input_feeding",
        "vector_input",
    )
    _parameter_constraints: dict = {
        **BaseRNN._parameter_constraints,
        **_TOKEN_CONSTRAINTS,
        "attention": [StrOptions({"general", "dot", "additive"}), None],
        "attention_size": [Interval(Integral, 1, None, closed="left"), None],
        "input_feeding": ["boolean"],
        "vector_input": ["boolean"],
        "beam_size": [Interval(Integral, 1, None, closed="left")],
        "length_penalty": [Interval(Real, 0, None, closed="left")],
        "max_length": [Interval(Integral, 0, None, closed="left"), callable, None],
    }

    def __init__(
        self,
        *,
        cell="lstm",
        hidden_size=128,
        num_layers=1,
        bidirectional=False,
        attention="general",
        attention_size=None,
        input_feeding=False,
        vector_input=False,
        beam_size=1,
        length_penalty=1.0,
        max_length=None,
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
    ):
        self._store(locals())

    # -------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to sources ``X`` and output sequences ``y``.

        Parameters
        ----------
        X : list of str, list of token sequences, array-like or list of \
                array-like
            The sources (see the class's Notes); with ``vector_input``, an
            array of shape (n_samples, n_features).
        y : list of str, list of sequences of symbols, or array-like of symbols
            One output sequence per sample, of any length (0 included). A
            1-D array-like of symbols (numbers or other scalars that are not
            str) is one symbol per sample: outputs of exactly one symbol,
            which :meth:`predict` then returns as a 1-D array (the reading
            under which scikit-learn's common checks run).
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : RNNSeq2Seq
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, target_vocabulary=None):
        """One epoch over ``X`` and ``y`` (MLP's partial_fit rules).

        The first call learns ``target_vocabulary_``: the symbols of
        ``target_vocabulary`` when given, else those of its ``y``; later
        calls keep it, and a symbol outside it is an error.

        Parameters
        ----------
        X, y, sample_weight
            As in :meth:`fit`.
        target_vocabulary : sequence of symbols or str, default=None
            Every output symbol (a str: its characters), as ``classes`` of
            :meth:`RNNClassifier.partial_fit`: give it on the first call
            when the first chunk of ``y`` may lack some. Later calls may
            pass it again, equal to ``target_vocabulary_``.

        Returns
        -------
        self : RNNSeq2Seq
        """
        return self._fit(
            X, y, sample_weight, incremental=True, classes=target_vocabulary
        )

    def _check_params(self):
        super()._check_params()
        if self.attention == "dot" and self.attention_size is not None:
            raise ValueError(
                "attention_size applies to attention='additive' (and 'general' "
                "has none); 'dot' attention has no parameters of its own."
            )
        if self.input_feeding and self.attention is None and not self.vector_input:
            raise ValueError(
                "input_feeding=True feeds the decoder its attentional state: it "
                "needs attention ('general', 'dot' or 'additive'), not None."
            )

    def _sources(self, X, reset):
        """The sources as a Ragged (or vectors), and the attributes a fit records.

        A fitted model reads them as it was fitted (vectors or sequences, in
        its network's dtype), whatever ``set_params`` changed since.
        """
        vectors = self.vector_input if reset else self._fit_X_form == "vectors"
        dtype = self._dtype if reset else self._net.dtype
        if vectors:
            X = _check_vectors(X, dtype)
            fitted = {}
            if reset:
                fitted = {
                    "n_features_in_": X.shape[1],
                    "n_features_per_step_": X.shape[1],
                    "feature_names_in_": None,
                    "_fit_X_form": "vectors",
                }
            elif X.shape[1] != self.n_features_in_:
                raise ValueError(
                    f"X has {X.shape[1]} features, but RNNSeq2Seq was fitted "
                    f"with {self.n_features_in_} features."
                )
            return X, fitted
        seqs, _, fitted = check_sequences(
            self, _characters(X), reset=reset, dtype=dtype
        )
        return seqs, fitted

    def _prepare_fit(self, X, y, sample_weight, first_pass, classes):
        check_y_present(self, y)
        seqs, fitted = self._sources(X, reset=first_pass)
        kept = {"given": classes}
        if not first_pass and classes is not None:
            chars = self._target_form == "chars"
            given = check_target_vocabulary(classes, chars)
            if given.tolist() != self.target_vocabulary_.tolist():
                raise ValueError(
                    "target_vocabulary is not the target_vocabulary_ of the "
                    "first call to partial_fit."
                )
        if not first_pass:
            kept = {"vocabulary": self.target_vocabulary_, "form": self._target_form}
        outputs, targets = output_sequences(y, len(seqs), **kept)
        fitted.update(targets)
        longest_output = int(outputs.lengths.max())
        if not first_pass:
            longest_output = max(longest_output, self.max_target_length_)
        fitted["max_target_length_"] = longest_output
        weights = None
        if sample_weight is not None:
            weights = cast_weights(
                sample_weights(sample_weight, len(seqs)), self._dtype
            )
        n_inputs = seqs.shape[1] if self.vector_input else seqs.n_features
        n_targets = len(fitted["target_vocabulary_"]) + 1
        pairs = Pairs(seqs, outputs, weights, fitted["_target_form"])
        return FitPlan(pairs, n_inputs, n_targets, fitted=fitted)

    def _make_network(self, plan):
        spec = self._network_spec(plan)
        vectors = self.vector_input
        return Seq2SeqNetwork(
            spec["cell"],
            spec["n_inputs"],
            spec["hidden_size"],
            spec["n_outputs"],
            num_layers=spec["num_layers"],
            bidirectional=spec["bidirectional"] and not vectors,
            attention=None if vectors else self.attention,
            attention_size=self.attention_size,
            input_feeding=self.input_feeding and not vectors,
            vector_input=vectors,
            dropout=spec["dropout"],
            input_dropout=spec["input_dropout"],
            recurrent_dropout=spec["recurrent_dropout"],
            output_dropout=spec["output_dropout"],
            activation=self.activation,
            token_input=spec["token_input"],
            vocab_sizes=spec.get("vocab_sizes"),
            embedding_dims=spec.get("embedding_dims"),
            dtype=spec["dtype"],
        )

    def _batch_size(self, n_samples):
        size = 64 if self.batch_size == "auto" else self.batch_size
        return min(size, n_samples)

    def _check_fit_memory(self, plan, first_pass):
        """Refuse, before allocating, a fit that the machine cannot hold."""
        data, spec = plan.data, self._network_spec(plan)
        B = self._batch_size(len(data.seqs))
        _, target_rows = longest(data.outputs.lengths + 1, B)
        target_steps = int(data.outputs.lengths.max()) + 1
        directions = 2 if self.bidirectional and not self.vector_input else 1
        recurrent = {k: spec[k] for k in ("cell", "num_layers", "dtype")}
        rates = ("dropout", "input_dropout", "recurrent_dropout")
        recurrent.update({k: spec[k] for k in rates})
        feeding = self.input_feeding and not self.vector_input
        decoder = dict(
            recurrent,
            n_inputs=plan.n_outputs + (self.hidden_size * directions if feeding else 0),
            hidden_size=self.hidden_size * directions,
            n_outputs=plan.n_outputs,
            head="all",
            token_input=True,
            n_rows=target_rows,
        )
        encoder, source_steps, attention_size = None, 0, None
        if not self.vector_input:
            _, source_rows = longest(data.seqs.lengths, B)
            source_steps = int(data.seqs.lengths.max())
            keys = ("n_inputs", "hidden_size", "bidirectional", "token_input")
            keys += ("vocab_sizes", "embedding_dims")
            encoder = dict(recurrent, head=None, n_outputs=None, n_rows=source_rows)
            encoder.update({k: spec[k] for k in keys if k in spec})
            if self.attention is not None:
                additive = self.attention == "additive"
                width = self.attention_size or decoder["hidden_size"]
                attention_size = width if additive else 0
        checkpoint = 1 + optimizer_arrays(self.solver)[0]
        n_bytes, n_params = estimate_seq2seq_fit_bytes(
            encoder,
            decoder,
            attention_size=attention_size,
            input_feeding=feeding,
            n_sequences=B,
            source_steps=source_steps,
            target_steps=target_steps,
            solver=self.solver,
            param_copies=checkpoint * (1 if first_pass else 2),
            copies_between_batches=checkpoint,
        )
        # the size parameters, as BaseRNN's check names them
        own = self.get_params(deep=False)
        names = _SIZE_PARAMS + (("attention_size",) if attention_size else ())
        sizes = ", ".join(f"{n}={_short(own[n])}" for n in names if n in own)
        check_memory(
            n_bytes,
            f"A fit of RNNSeq2Seq({sizes}) with {plan.n_outputs - 1} output "
            f"symbols and batches of {B} samples ({format_count(n_params)} "
            f"parameters, {format_bytes(n_params * spec['dtype'].itemsize)})",
            "Lower hidden_size or num_layers (the weights), embedding_dim or "
            "attention_size, or batch_size.",
        )

    def _load_pretrained(self, net, params, plan):
        """Token sources start from random embeddings (no pretrained vectors)."""

    def _task(self, net, params, train):
        return PairTask(
            net,
            params,
            train,
            batch_size=self._batch_size(len(train.seqs)),
            shuffle=self.shuffle,
            **self._regularization(),
        )

    def _scorer(self, net, params, val):
        """Exact-match accuracy of greedy decoding on the validation samples."""

        def score():
            longest_output = int(val.outputs.lengths.max())
            most, least = self._length_limits(val.seqs, longest_output, val.form)
            found = decode_sources(net, params, val.seqs, most, min_lengths=least)
            outputs = val.output_codes(np.arange(len(val.seqs)))
            hits = [
                np.array_equal(f[0].codes, o)
                for f, o in zip(found, outputs, strict=True)
            ]
            return float(np.average(hits, weights=val.weights))

        return score

    # -------------------------------------------------------------- decoding
    def _length_limits(
        self, sources, longest_output=None, form=None, beam_size=1, n_best=None
    ):
        """The most (and fewest) symbols of each output, int arrays.

        ``longest_output`` and ``form`` stand for ``max_target_length_`` and
        the form of ``y`` (during a fit, for the scoring of early stopping).
        A decoding with ``beam_size`` rows per source (for ``n_best``
        outputs) that the machine cannot hold is refused.

        Returns
        -------
        max_lengths : ndarray of intp of shape (n,)
            From ``max_length``.
        min_lengths : ndarray of intp of shape (n,) or None
            One symbol exactly for a ``y`` of one symbol per sample (None:
            no minimum).
        """
        n = len(sources)
        symbols = (form or self._target_form) == "symbols"
        most = [1] * n if symbols else self._max_lengths(sources, longest_output)
        self._check_decoding_memory(n, max(most, default=0), beam_size, n_best)
        most = np.asarray(most, dtype=np.intp)
        return most, (most if symbols else None)

    def _max_lengths(self, sources, longest_output):
        """``max_length`` of each source, a list of int."""
        n = len(sources)
        limit = self.max_length
        if limit is None:
            if longest_output is None:
                longest_output = self.max_target_length_
            return [2 * longest_output] * n
        if not callable(limit):
            return [int(limit)] * n
        if isinstance(sources, np.ndarray):
            raise ValueError(
                "max_length is a function of the source's length, but with "
                "vector_input=True a source has no length: give a number."
            )
        lengths = [limit(int(n)) for n in sources.lengths]
        if not all(isinstance(m, Integral) and m >= 0 for m in lengths):
            raise ValueError(
                "max_length(n) must return a non-negative int for every source "
                f"length; got {lengths[:5]}."
            )
        return [int(m) for m in lengths]

    def _check_decoding_memory(self, n_sources, most, beam_size, n_best):
        """Refuse, before decoding, outputs that the machine cannot hold.

        Each row (``beam_size`` per source, a chunk of sources at a time)
        keeps its code and back-pointer of every step (a lower bound).
        """
        rows = min(n_sources, CHUNK) * int(beam_size)
        n_bytes = rows * 16 * (int(most) + 1)
        beam = f"beam_size={format_int(beam_size)}"
        if n_best is not None:  # a beam of max(beam_size, n_best)
            beam = f"n_best={format_int(n_best)}, beam_size={self.beam_size}"
        limit = self.max_length
        limit = format_int(limit) if isinstance(limit, Integral) else repr(limit)
        check_memory(
            n_bytes,
            f"Decoding outputs of up to {format_int(most)} symbols (max_length="
            f"{limit}) with {beam}",
            "Lower max_length or the beam, or decode fewer sources at a time.",
        )

    def _fitted_sources(self, X):
        check_is_fitted(self)
        sources, _ = self._sources(X, reset=False)
        return sources

    def _decode(self, X, **how):
        sources = self._fitted_sources(X)
        max_lengths, min_lengths = self._length_limits(
            sources, beam_size=how.get("beam_size", 1), n_best=how.get("n_best")
        )
        return decode_sources(
            self._net,
            self._params,
            sources,
            max_lengths,
            min_lengths=min_lengths,
            **how,
        )

    def _symbols(self, codes):
        return decode_output(codes, self.target_vocabulary_, self._target_form)

    def _outputs(self, found):
        """The best output of each source: a list, or an array of symbols."""
        outputs = [self._symbols(f[0].codes) for f in found]
        if self._target_form != "symbols":
            return outputs
        out = np.empty(len(outputs), dtype=self.target_vocabulary_.dtype)
        out[:] = outputs
        return out

    def predict(self, X):
        """The output of each source: greedy, or beam search (``beam_size``).

        Parameters
        ----------
        X : sources, as in :meth:`fit`

        Returns
        -------
        list
            One output per source: a str when ``y`` held str, else a list of
            symbols.
        """
        found = self._decode(
            X, beam_size=self.beam_size, length_penalty=self.length_penalty
        )
        return self._outputs(found)

    def predict_n_best(self, X, n_best=5):
        """The ``n_best`` outputs of each source by beam search, best first.

        The beam is ``max(beam_size, n_best)`` wide.

        Parameters
        ----------
        X : sources, as in :meth:`fit`
        n_best : int, default=5

        Returns
        -------
        list of list of (output, float)
            For each source, pairs of an output and its log-probability
            (the end included), ranked as :meth:`predict` ranks them.
        """
        if not isinstance(n_best, Integral) or n_best < 1:
            raise ValueError(f"n_best must be a positive int, got {n_best!r}.")
        found = self._decode(
            X,
            beam_size=max(self.beam_size, n_best),
            n_best=n_best,
            length_penalty=self.length_penalty,
        )
        return [[(self._symbols(h.codes), h.log_prob) for h in f] for f in found]

    def sample(self, X, temperature=1.0, random_state=None):
        """One output per source, drawn symbol by symbol from the model.

        Parameters
        ----------
        X : sources, as in :meth:`fit`
        temperature : float, default=1.0
            Divides the logits: below 1 sharper, above 1 more varied; 0 is
            greedy.
        random_state : int, RandomState instance or None, default=None

        Returns
        -------
        list
            As :meth:`predict` returns.
        """
        if not isinstance(temperature, Real) or not temperature >= 0:
            raise ValueError(f"temperature must be >= 0, got {temperature!r}.")
        seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
        found = self._decode(
            X, temperature=float(temperature), rng=np.random.default_rng(seed)
        )
        return self._outputs(found)

    def _pairs(self, X, y):
        sources = self._fitted_sources(X)
        outputs, _ = output_sequences(
            y, len(sources), self.target_vocabulary_, self._target_form
        )
        return Pairs(sources, outputs)

    def log_likelihood(self, X, y):
        """``log p(y | X)`` of each sample, the end of each output included.

        Parameters
        ----------
        X : sources, as in :meth:`fit`
        y : output sequences, as in :meth:`fit`

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        pairs = self._pairs(X, y)
        out = np.empty(len(pairs.seqs))
        for idx in canonical_chunks(pairs.seqs):
            x, packing = pairs.sources(idx)
            targets = teacher_forcing(pairs.output_codes(idx))
            out[idx] = self._net.log_likelihood(self._params, x, packing, targets)
        check_finite_output(out, "log-likelihoods")
        return out

    def attention_weights(self, X, y):
        """Where the decoder looked: one matrix per sample.

        Parameters
        ----------
        X : sources, as in :meth:`fit` (sequences)
        y : output sequences, as in :meth:`fit` (for instance
            ``predict(X)``)

        Returns
        -------
        list of ndarray of shape (len(y) + 1, len(x))
            Row ``t``: the weights over the source's steps when writing
            symbol ``t`` (the last row, the end).
        """
        if self._net.attention is None:
            raise ValueError("The model has no attention (attention=None).")
        pairs = self._pairs(X, y)
        out = [None] * len(pairs.seqs)
        for idx in canonical_chunks(pairs.seqs):
            x, packing = pairs.sources(idx)
            inputs, _, target_packing = teacher_forcing(pairs.output_codes(idx))
            _, weights, _ = self._net.forward(
                self._params, x, packing, inputs, target_packing
            )
            for i, sample in enumerate(idx.tolist()):
                rows = pairs.outputs.lengths[sample] + 1
                out[sample] = weights[i, :rows, : pairs.seqs.lengths[sample]]
        return out

    def score(self, X, y, sample_weight=None):
        """Exact-match accuracy: the fraction of outputs equal to ``y``.

        Parameters
        ----------
        X : sources, as in :meth:`fit`
        y : output sequences, as in :meth:`fit`
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        float
        """
        predicted = self.predict(X)
        check_outputs(y, len(predicted), self._target_form)
        expected = _as_list(y)
        hits = [_same(p, e) for p, e in zip(predicted, expected, strict=True)]
        weights = None
        if sample_weight is not None:
            weights = sample_weights(sample_weight, len(hits))
        return float(np.average(hits, weights=weights))

    def transform(self, X):
        """The encoder's summary of each source: the decoder's first state.

        Parameters
        ----------
        X : sources, as in :meth:`fit`

        Returns
        -------
        ndarray of shape (n_samples, decoder's hidden size)
            The last layer's initial decoder state (the encoder's final
            states, directions side by side; with ``vector_input``, the
            dense layer's output).
        """
        sources = self._fitted_sources(X)
        pairs = Pairs(sources, None)
        out = np.empty((len(sources), self._net.decoder_size), self._net.dtype)
        for idx in canonical_chunks(sources):
            x, packing = pairs.sources(idx)
            encoded, _ = self._net.encode(self._params, x, packing)
            out[idx] = encoded.h0[-1]
        return out

    @property
    def params_(self):
        """dict of str to ndarray: the learned weights, by name (read-only views).

        The encoder's and the decoder's parameters prefixed ``encoder.`` and
        ``decoder.`` (named as :attr:`BaseRNN.params_` describes), then the
        attention's (``W_a``; ``W_aq``, ``W_ak``, ``v_a``; ``W_c``), the
        output layer ``W_hy``, ``b_y`` and, with ``vector_input``, ``W_h0``,
        ``b_h0`` (and ``W_c0``, ``b_c0`` for the LSTM).
        """
        check_is_fitted(self)
        out = {}
        for name, view in self._net.layout.views(self._params).items():
            network = (
                getattr(self._net, name) if name in ("encoder", "decoder") else None
            )
            if network is None:
                out[name] = view
            else:
                for sub, sub_view in network.layout.views(view).items():
                    out[f"{name}.{sub}"] = sub_view
        for view in out.values():
            view.flags.writeable = False
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.three_d_array = not self.vector_input
        tags.transformer_tags.preserves_dtype = [np.dtype(self.dtype).name]
        return tags


def _check_vectors(X, dtype):
    """``X`` as one vector per sample (vector_input=True), or an error saying so."""
    if isinstance(X, np.ma.MaskedArray) and np.ma.getmaskarray(X).any():
        raise TypeError(
            "X is a masked array with masked values; with vector_input=True, X "
            "is one vector per sample, every feature present (the data under a "
            "mask is never read)."
        )
    try:
        return check_array(X, dtype=dtype, input_name="X")
    except (TypeError, ValueError) as exc:
        error = TypeError if isinstance(exc, TypeError) else ValueError
        raise error(
            "With vector_input=True, X is one feature vector per sample, an "
            f"array of shape (n_samples, n_features): {exc}"
        ) from exc


def _as_list(y):
    """``y`` as a list of its entries (an array-like's rows)."""
    return (
        list(y) if isinstance(y, (list, tuple)) else list(np.asarray(y, dtype=object))
    )


def _same(predicted, expected):
    """Whether a predicted output equals the expected one, symbol by symbol."""
    if isinstance(predicted, str):
        return isinstance(expected, str) and predicted == expected
    if np.ndim(predicted) == 0:  # one symbol per sample
        return bool(np.ndim(expected) == 0 and predicted == expected)
    return list(predicted) == list(np.asarray(expected, dtype=object).tolist())
