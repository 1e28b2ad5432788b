# SPDX-License-Identifier: BSD-3-Clause
"""The base class of every recurrent estimator: hyperparameters and fitting.

The estimators are thin: they validate input, encode targets and choose a
head and a loss; everything numerical happens in :mod:`skrnn._engine`.
"""

import copy
import math
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._engine import (
    AdamOptimizer,
    RecurrentNetwork,
    SGDOptimizer,
    add_l2_penalty,
    clip_grad_norm,
)
from ._engine.memory import estimate_fit_bytes, optimizer_arrays
from ._memory import check_memory, format_bytes, format_count, format_int
from ._param_validation import Interval, Options, StrOptions
from ._persistence import VersionedPickleMixin
from ._training import NonFiniteError, check_finite_step, run_epochs

__all__ = ["BaseRNN"]

#: Parameters that fix the shape of the network: a warm start or a
#: partial_fit must not change them.
ARCHITECTURE_PARAMS = (
    "cell",
    "hidden_size",
    "num_layers",
    "bidirectional",
    "activation",
    "dtype",
)
#: The deepest stack: far past any recurrent stack that trains (a few to a
#: few dozen layers), and each layer costs a Python loop of its own, so a
#: deeper one would only take minutes to fail or to learn nothing.
MAX_LAYERS = 1000
#: Sequences per forward pass when predicting (bounds memory).
PREDICT_CHUNK = 512


#: The parameters that size a fit's memory, named when it is refused.
_SIZE_PARAMS = (
    "cell",
    "hidden_size",
    "num_layers",
    "bidirectional",
    "dtype",
    "batch_size",
    "seq_length",
)


def _longest(lengths, k):
    """``(k, total)``: the ``k`` longest of ``lengths`` and their total, ints."""
    n = len(lengths)
    k = int(min(k, n))
    if k <= 0:
        return 0, 0
    return k, int(np.partition(lengths, n - k)[n - k :].sum(dtype=np.int64))


def _short(value):
    """A hyperparameter's value for a message (an int of any size, short)."""
    if isinstance(value, Integral) and not isinstance(value, bool):
        return format_int(value)
    if isinstance(value, type) or isinstance(value, np.dtype):
        return repr(np.dtype(value).name)
    return repr(value)


class _Data:
    """Training or validation data: sequences, encoded targets, weights."""

    def __init__(self, seqs, y, weights):
        self.seqs, self.y, self.weights = seqs, y, weights

    def subset(self, idx, per_row):
        """Sequences ``idx`` (targets per row when ``per_row``: shared)."""
        if per_row:
            return _Data(self.seqs.subset(idx), self.y, self.weights)
        w = None if self.weights is None else self.weights[idx]
        return _Data(self.seqs.subset(idx), self.y[idx], w)


class BaseRNN(VersionedPickleMixin, BaseEstimator, metaclass=ABCMeta):
    """Base class of the recurrent estimators (not for direct use).

    Subclasses set ``_head`` ('last': one output per sequence, or 'all': one
    per step) and ``_loss`` ('cross_entropy' or 'squared_error'), implement
    ``_prepare_fit`` (validation and target encoding) and
    ``_validation_score``, and may override the batch hooks of
    :mod:`skrnn._training`.
    """

    _parameter_constraints: dict = {
        "cell": [StrOptions({"lstm", "gru", "rnn"})],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, MAX_LAYERS, closed="both")],
        "bidirectional": ["boolean"],
        "activation": [StrOptions({"tanh", "relu"})],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "solver": [StrOptions({"adam", "sgd"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "clip_norm": [Interval(Real, 0, None, closed="neither"), None],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "dtype": [
            Options(type, {np.float32, np.float64}),
            StrOptions({"float32", "float64"}),
        ],
    }

    _head = "last"
    _loss = "cross_entropy"

    @abstractmethod
    def __init__(self, **params):
        # scikit-learn reads the parameters from each subclass's own
        # signature; the base only stores them, unmodified.
        for name, value in params.items():
            setattr(self, name, value)

    # ------------------------------------------------------------------ tags
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    # ------------------------------------------------------------- fitted API
    @property
    def params_(self):
        """dict of str to ndarray: the learned weights, by name (read-only views).

        Per layer ``l`` and direction (suffix ``_reverse`` for the backward
        direction of a bidirectional layer): ``W_xh_l{l}`` of shape
        ``(n_inputs, n_gates * hidden_size)``, ``W_hh_l{l}`` of shape
        ``(hidden_size, n_gates * hidden_size)``, the biases ``b_h_l{l}``
        (vanilla and LSTM) or ``b_xh_l{l}`` and ``b_hh_l{l}`` (GRU), of shape
        ``(n_gates * hidden_size,)``; then the head ``W_hy`` of shape
        ``(n_directions * hidden_size, n_outputs)`` and ``b_y``. A step
        computes ``x_t @ W_xh + h_{t-1} @ W_hh + b``, rows times matrices.
        """
        check_is_fitted(self)
        views = self._net.layout.views(self._params)
        for v in views.values():
            v.flags.writeable = False
        return views

    # ------------------------------------------------------------- internals
    @property
    def _dtype(self):
        return np.dtype(self.dtype)

    def _make_rng(self):
        """A NumPy Generator seeded from ``random_state`` (once per fit call)."""
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        return np.random.default_rng(seed)

    def _network_spec(self, n_inputs, n_outputs, token_input=False):
        """The network's sizes, as keyword arguments of the engine."""
        return dict(
            cell=self.cell,
            n_inputs=n_inputs,
            hidden_size=self.hidden_size,
            n_outputs=n_outputs,
            num_layers=self.num_layers,
            bidirectional=getattr(self, "bidirectional", False),
            dropout=self.dropout,
            head=self._head,
            token_input=token_input,
            dtype=self._dtype,
        )

    def _build_network(self, n_inputs, n_outputs, token_input=False):
        return RecurrentNetwork(
            **self._network_spec(n_inputs, n_outputs, token_input),
            activation=self.activation if self.cell == "rnn" else "tanh",
        )

    def _check_params(self):
        """Cross-parameter rules, as one ValueError naming both parameters."""
        if self.activation != "tanh" and self.cell != "rnn":
            raise ValueError(
                f"activation={self.activation!r} applies to cell='rnn' only; "
                f"cell={self.cell!r} uses its fixed gate activations."
            )

    def _check_architecture_unchanged(self):
        fitted = self._fit_architecture
        for name in ARCHITECTURE_PARAMS:
            now = getattr(self, name, False)
            if name == "dtype":
                now = np.dtype(now)
            if now != fitted[name]:
                raise ValueError(
                    f"{name}={now!r} differs from the fitted model's "
                    f"{name}={fitted[name]!r}; a warm start or partial_fit must "
                    "keep the architecture. Set warm_start=False to refit."
                )

    def _initialize(self, n_inputs, n_outputs, rng, token_input=False):
        self._net = self._build_network(n_inputs, n_outputs, token_input)
        self._params = self._net.init_params(rng)
        self._fit_architecture = {
            name: (self._dtype if name == "dtype" else getattr(self, name, False))
            for name in ARCHITECTURE_PARAMS
        }
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self._no_improvement_count = 0
        self._best_params = None
        if self.early_stopping:
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = np.inf

    def _make_optimizer(self):
        if self.solver == "sgd":
            return SGDOptimizer(
                [self._params],
                self.learning_rate_init,
                self.momentum,
                self.nesterovs_momentum,
            )
        return AdamOptimizer(
            [self._params],
            self.learning_rate_init,
            self.beta_1,
            self.beta_2,
            self.epsilon,
        )

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        return min(self.batch_size, n_samples)

    # ---------------------------------------------------------------- memory
    def _batch_shapes(self, data):
        """The largest batches of a fit on ``data`` (an upper bound).

        Returns
        -------
        train : tuple of (int, int)
            Sequences and packed rows of the largest training batch: the
            ``batch_size`` longest sequences.
        forward : tuple of (int, int) or None
            The same for the largest chunk of the validation data (early
            stopping), read without a cache.
        """
        lengths = data.seqs.lengths
        n = len(lengths)
        train = _longest(lengths, self._batch_size(n))
        forward = None
        if self.early_stopping:
            n_val = math.ceil(self.validation_fraction * n)
            forward = _longest(lengths, min(PREDICT_CHUNK, n_val))
        return train, forward

    def _param_copies(self, first_pass):
        """Copies of the weights a fit keeps, besides the weights, gradient
        and optimizer (see :func:`~skrnn._training.run_epochs`).

        Returns
        -------
        kept : int
            Held throughout: the checkpoint (weights and optimizer state),
            the best weights (early stopping), the snapshot of a fitted
            model (a warm start or partial_fit).
        between_batches : int
            Made at the end of an epoch, while the last is still held: the
            next checkpoint.
        """
        n_state, _ = optimizer_arrays(self.solver)
        checkpoint = 1 + n_state
        kept = checkpoint
        if self.early_stopping:
            kept += 1
        if not first_pass:
            kept += checkpoint
        return kept, checkpoint

    def _check_fit_memory(self, data, n_inputs, n_outputs, token_input, first_pass):
        """Refuse, before allocating, a fit that the machine cannot hold.

        Raises
        ------
        ValueError
            Naming the size parameters and the memory asked for, when the
            estimate of the fit's peak (the weights and their per-fit copies,
            the arrays of the largest batch; see :mod:`skrnn._engine.memory`)
            exceeds :func:`~skrnn._memory.available_memory`.
        """
        (B, N), forward = self._batch_shapes(data)
        spec = self._network_spec(n_inputs, n_outputs, token_input)
        kept, between_batches = self._param_copies(first_pass)
        n_bytes, n_params = estimate_fit_bytes(
            **spec,
            solver=self.solver,
            n_sequences=B,
            n_rows=N,
            forward_batch=forward,
            param_copies=kept,
            copies_between_batches=between_batches,
        )
        own = self.get_params(deep=False)
        names = [n for n in _SIZE_PARAMS if n in own]
        values = ", ".join(f"{n}={_short(getattr(self, n))}" for n in names)
        inputs = "tokens" if token_input else "features"
        what = (
            f"A fit of {type(self).__name__}({values}) on {_short(n_inputs)} "
            f"{inputs}, with {_short(n_outputs)} outputs and batches of up to "
            f"{_short(B)} sequences and {_short(N)} steps in all "
            f"({format_count(n_params)} parameters, "
            f"{format_bytes(n_params * spec['dtype'].itemsize)})"
        )
        batch = " or ".join(n for n in ("batch_size", "seq_length") if n in own)
        advice = f"Lower hidden_size or num_layers (the weights), or {batch}."
        check_memory(n_bytes, what, advice)

    def _fit(self, X, y, sample_weight=None, incremental=False, **kwargs):
        """Shared body of fit and partial_fit (MLP's first-pass rule).

        A call that fails (invalid data, a :class:`NonFiniteError`, an
        interruption outside the epochs) leaves the estimator exactly as it
        was before the call: unfitted if it was, else with its previous
        weights and attributes. An interruption during the epochs is caught
        by :func:`~skrnn._training.run_epochs`, which keeps the best
        completed epoch of the call; if none completed, a warm start or
        partial_fit leaves the estimator as it was before the call (with
        ``n_iter_ = 0``) and a first fit keeps its initial weights.
        """
        self._check_params()
        first_pass = not hasattr(self, "_params") or (
            not self.warm_start and not incremental
        )
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True.")
        if not first_pass:
            self._check_architecture_unchanged()
        snapshot = self._snapshot()
        try:
            rng = self._make_rng()
            data, n_inputs, n_outputs, token_input, stratify = self._prepare_fit(
                X, y, sample_weight, first_pass=first_pass, **kwargs
            )
            self._check_fit_memory(data, n_inputs, n_outputs, token_input, first_pass)
            if first_pass:
                self._initialize(n_inputs, n_outputs, rng, token_input)
            if first_pass or not incremental or not hasattr(self, "_optimizer"):
                self._optimizer = self._make_optimizer()
            train, val = self._split(data, rng, stratify)
            interrupted = run_epochs(self, train, val, rng, incremental=incremental)
            if interrupted and self.n_iter_ == 0 and not first_pass:
                # Interrupted before an epoch of this warm start or
                # partial_fit completed: nothing of the call is kept.
                self._restore(snapshot)
                self.n_iter_ = 0
            if not np.isfinite(self._params).all():  # checked every epoch too
                raise NonFiniteError(
                    "Training produced non-finite weights. Lower "
                    "learning_rate_init, set clip_norm, or scale the input data."
                )
        except BaseException:
            self._restore(snapshot)
            raise
        return self

    def _split(self, data, rng, stratify):
        """Training and (with early stopping) validation data."""
        if not self.early_stopping:
            return data, None
        n = len(data.seqs)
        idx = np.arange(n)
        seed = int(rng.integers(np.iinfo(np.int32).max))
        try:
            train_idx, val_idx = train_test_split(
                idx,
                test_size=self.validation_fraction,
                random_state=seed,
                stratify=stratify,
            )
        except ValueError:
            train_idx, val_idx = train_test_split(
                idx, test_size=self.validation_fraction, random_state=seed
            )
        if len(val_idx) < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        per_row = self._head == "all"
        return data.subset(train_idx, per_row), data.subset(val_idx, per_row)

    def _snapshot(self):
        """A deep copy of every attribute but the hyperparameters."""
        params = set(self.get_params(deep=False))
        return copy.deepcopy({k: v for k, v in vars(self).items() if k not in params})

    def _restore(self, snapshot):
        """Put back the attributes of :meth:`_snapshot`; drop any added since."""
        params = set(self.get_params(deep=False))
        for k in list(vars(self)):
            if k not in params and k not in snapshot:
                delattr(self, k)
        vars(self).update(snapshot)

    # ------------------------------------------------------- training hooks
    def _epoch_batches(self, train, rng):
        n = len(train.seqs)
        size = self._batch_size(n)
        # One batch of everything: the order changes nothing but rounding.
        idx = rng.permutation(n) if self.shuffle and size < n else np.arange(n)
        for start in range(0, n, size):
            yield idx[start : start + size]

    def _batch_loss_and_grad(self, train, idx, rng):
        rows, packing = train.seqs.pack(idx)
        x = train.seqs.data[rows]
        if self._head == "last":
            y = train.y[idx]
            w = None if train.weights is None else train.weights[idx]
        else:
            y = train.y[rows]
            w = None if train.weights is None else train.weights[rows]
        normalizer = float(len(y)) if w is None else float(w.sum())
        if normalizer <= 0:  # every weight of the batch is 0
            normalizer = 1.0
        use_dropout = self.dropout > 0 and self.num_layers > 1
        loss, grads, _, _ = self._net.loss_and_grad(
            self._params,
            x,
            packing,
            y,
            loss=self._loss,
            weights=w,
            normalizer=normalizer,
            rng=rng if use_dropout else None,
        )
        return self._regularize(loss, grads, normalizer), grads, len(idx)

    def _regularize(self, loss, grads, normalizer):
        """Add the L2 penalty, clip the gradient, refuse non-finite numbers.

        Returns the penalised loss; ``grads`` is modified in place.
        """
        loss += self._penalize(grads, normalizer)
        norm = clip_grad_norm([grads], self.clip_norm)
        if not np.isfinite(norm) and np.isfinite(grads).all():
            # Only the sum of squares overflowed the dtype (float32 entries
            # beyond ~1e19): the gradient is finite, and clipping can tame it.
            norm = float(np.linalg.norm(grads.astype(np.float64)))
            if self.clip_norm is not None and norm > self.clip_norm:
                grads *= grads.dtype.type(self.clip_norm / (norm + 1e-6))
        check_finite_step(loss, norm, self.n_iter_)
        return loss

    def _penalize(self, grads, normalizer):
        """Add the L2 penalty (weights only, as MLP) to grads; return its value."""
        if self.alpha == 0:
            return 0.0
        names = self._net.weight_names
        P = self._net.layout.views(self._params)
        G = self._net.layout.views(grads)
        return add_l2_penalty(
            [P[n] for n in names],
            [G[n] for n in names],
            self.alpha,
            1.0 / normalizer,
        )

    # ------------------------------------------------------------ inference
    def _forward(self, seqs):
        """Head outputs for every sequence, without caches.

        Returns ``(n_sequences, n_outputs)`` for ``_head='last'``, and for
        ``'all'`` an array aligned with ``seqs.data`` rows ``(n_rows,
        n_outputs)`` (rows outside every sequence are zero).
        """
        n = len(seqs)
        order = seqs.canonical_order()
        n_out = self._net.n_outputs
        if self._head == "last":
            out = np.empty((n, n_out), dtype=self._net.dtype)
        else:
            out = np.zeros((seqs.data.shape[0], n_out), dtype=self._net.dtype)
        for start in range(0, n, PREDICT_CHUNK):
            idx = order[start : start + PREDICT_CHUNK]
            rows, packing = seqs.pack(idx)
            y, _, _, _ = self._net.forward(self._params, seqs.data[rows], packing)
            if self._head == "last":
                out[idx] = y
            else:
                out[rows] = y
        return out
