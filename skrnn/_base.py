# SPDX-License-Identifier: BSD-3-Clause
"""The base class of every recurrent estimator: hyperparameters and fitting.

The estimators are thin: they validate input, encode targets and choose a
head, a loss and a validation metric; everything numerical happens in
:mod:`skrnn._engine`, and the epochs in :func:`skrnn._training.run_epochs`.

A fit has one contract (:meth:`BaseRNN._run_fit`): the subclass's
``_prepare_fit`` checks the data and returns a :class:`FitPlan` without
changing the estimator; training works on its own parameters and optimizer
(a copy of the fitted ones for a warm start or ``partial_fit``); the
estimator records the new fitted state only once training has ended. So a
call that fails leaves the estimator exactly as it was.
"""

import dataclasses
import functools
import math
import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._categorical import vocabulary_sizes
from ._engine import AdamOptimizer, RecurrentNetwork, SGDOptimizer
from ._engine.batched import CHUNK
from ._engine.memory import estimate_fit_bytes, optimizer_arrays
from ._engine.schedules import SCHEDULES, LearningRateSchedule
from ._memory import check_memory, format_bytes, format_count, format_int
from ._param_validation import Interval, Options, StrOptions
from ._persistence import VersionedPickleMixin
from ._pretrained import load_pretrained, pretrained_columns
from ._tasks import SequenceTask, accuracy, longest, validation_score
from ._training import History, LoopSettings, NonFiniteError, run_epochs

__all__ = ["BaseRNN", "FitPlan"]

#: Parameters that fix the shape of the network: a warm start or a
#: partial_fit must not change them.
ARCHITECTURE_PARAMS = (
    "cell",
    "hidden_size",
    "num_layers",
    "bidirectional",
    "activation",
    "embedding_dim",
    "dtype",
)
#: The deepest stack: far past any recurrent stack that trains (a few to a
#: few dozen layers), and each layer costs a Python loop of its own, so a
#: deeper one would only take minutes to fail or to learn nothing.
MAX_LAYERS = 1000
#: The parameters that size a fit's memory, named when it is refused.
_SIZE_PARAMS = ARCHITECTURE_PARAMS[:4] + (
    "embedding_dim",
    "dtype",
    "batch_size",
    "seq_length",
)
#: The parameters of token input (estimators with ``_accepts_tokens``).
TOKEN_PARAMETER_CONSTRAINTS = {
    "embedding_dim": [Interval(Integral, 1, None, closed="left"), "array-like", None],
    "min_frequency": [
        Interval(Integral, 1, None, closed="left"),
        Interval(Real, 0, 1, closed="neither"),
    ],
    "max_categories": [Interval(Integral, 1, None, closed="left"), None],
    "handle_unknown": [StrOptions({"unknown", "error"})],
    "pretrained_embeddings": [dict, tuple, None],
    "freeze_embeddings": ["boolean"],
}
#: The training history's fields (:class:`~skrnn._training.History`) and the
#: attributes that hold them.
_HISTORY_ATTRIBUTES = {
    "loss_curve": "loss_curve_",
    "validation_scores": "validation_scores_",
    "best_loss": "best_loss_",
    "best_validation_score": "best_validation_score_",
    "no_improvement_count": "_no_improvement_count",
    "best_params": "_best_params",
    "n_iter": "n_iter_",
    "t": "t_",
    "loss": "loss_",
}


def _short(value):
    """A hyperparameter's value for a message (an int of any size, short)."""
    if isinstance(value, Integral) and not isinstance(value, bool):
        return format_int(value)
    if isinstance(value, type) or isinstance(value, np.dtype):
        return repr(np.dtype(value).name)
    return repr(value)


@dataclasses.dataclass
class FitPlan:
    """What ``_prepare_fit`` found: the data to train on and the fitted state.

    Attributes
    ----------
    data : object
        The training data, as the estimator's task reads it.
    n_inputs, n_outputs : int
        The network's input width (features, or tokens with
        ``token_input``) and output width.
    token_input : bool
    stratify : ndarray or None
        Labels for a stratified validation split.
    fitted : dict
        Attributes the estimator records when the fit succeeds (a value of
        None removes the attribute).
    """

    data: object
    n_inputs: int
    n_outputs: int
    token_input: bool = False
    stratify: np.ndarray = None
    fitted: dict = dataclasses.field(default_factory=dict)


class BaseRNN(VersionedPickleMixin, BaseEstimator, metaclass=ABCMeta):
    """Base class of the recurrent estimators (not for direct use).

    Subclasses set ``_head`` ('last': one output per sequence, or 'all': one
    per step), ``_loss`` ('cross_entropy' or 'squared_error') and
    ``_metric``, and implement ``_prepare_fit(X, y, sample_weight,
    first_pass, classes)``, which validates the data and returns a
    :class:`FitPlan`. A subclass that does not train on whole sequences
    (the generator) also overrides ``_split``, ``_task``, ``_scorer`` and
    ``_batch_shapes``.
    """

    _parameter_constraints: dict = {
        "cell": [StrOptions({"lstm", "gru", "rnn"})],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, MAX_LAYERS, closed="both")],
        "bidirectional": ["boolean"],
        "activation": [StrOptions({"tanh", "relu"})],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "input_dropout": [Interval(Real, 0, 1, closed="left")],
        "recurrent_dropout": [Interval(Real, 0, 1, closed="left")],
        "output_dropout": [Interval(Real, 0, 1, closed="left")],
        "solver": [StrOptions({"adam", "sgd"})],
        "learning_rate": [StrOptions(set(SCHEDULES))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
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
    #: The parameters a warm start or a partial_fit must keep.
    _architecture_params = ARCHITECTURE_PARAMS
    #: Token sequences are an input form (see :mod:`skrnn._sequences`).
    _accepts_tokens = False
    #: ``metric(outputs, y, weights)``: the validation score of early stopping.
    _metric = staticmethod(accuracy)

    @abstractmethod
    def __init__(self):
        """Subclasses list their parameters and call :meth:`_store`."""

    def _store(self, arguments):
        """Store the constructor's arguments unmodified (scikit-learn's rule).

        Parameters
        ----------
        arguments : dict
            The constructor's ``locals()``: its parameters, and ``self``.
        """
        for name, value in arguments.items():
            if name not in ("self", "__class__"):
                setattr(self, name, value)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

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

    # ------------------------------------------------------------- the network
    @property
    def _dtype(self):
        return np.dtype(self.dtype)

    def _network_spec(self, plan):
        """The network a fit on ``plan`` builds, as the engine's keywords."""
        spec = dict(
            cell=self.cell,
            n_inputs=plan.n_inputs,
            hidden_size=self.hidden_size,
            n_outputs=plan.n_outputs,
            num_layers=self.num_layers,
            bidirectional=getattr(self, "bidirectional", False),
            dropout=self.dropout,
            input_dropout=self.input_dropout,
            output_dropout=self.output_dropout,
            recurrent_dropout=self.recurrent_dropout,
            head=self._head,
            token_input=plan.token_input,
            dtype=self._dtype,
        )
        spec.update(self._token_spec(plan))
        return spec

    def _make_network(self, plan):
        """The network a first fit on ``plan`` trains."""
        return RecurrentNetwork(**self._network_spec(plan), activation=self.activation)

    def _token_spec(self, plan):
        """``n_inputs``, ``vocab_sizes`` and ``embedding_dims`` of token input.

        Empty unless the fit is on token sequences: then the network has no
        dense input, one vocabulary per column (its categories and the
        unknown code) and ``embedding_dim`` per column (None: direct).
        """
        fitted = plan.fitted
        if fitted.get("_fit_X_form", getattr(self, "_fit_X_form", None)) != "tokens":
            return {}
        categories = fitted.get("categories_", getattr(self, "categories_", None))
        dims = self.embedding_dim
        if dims is not None:
            dims = [dims] * len(categories) if np.ndim(dims) == 0 else list(dims)
            if len(dims) != len(categories) or not all(
                isinstance(d, Integral) and not isinstance(d, bool) and d >= 1
                for d in dims
            ):
                raise ValueError(
                    f"embedding_dim must be a positive int or one per token column "
                    f"({len(categories)}); got {self.embedding_dim!r}."
                )
        return dict(
            n_inputs=0, vocab_sizes=vocabulary_sizes(categories), embedding_dims=dims
        )

    def _check_params(self):
        """Cross-parameter rules, as one ValueError naming both parameters."""
        if self.activation != "tanh" and self.cell != "rnn":
            raise ValueError(
                f"activation={self.activation!r} applies to cell='rnn' only; "
                f"cell={self.cell!r} uses its fixed gate activations."
            )

    def _architecture(self):
        """The architecture parameters (``embedding_dim`` for token fits only)."""
        tokens = getattr(self, "_fit_X_form", None) == "tokens"
        return {
            name: (self._dtype if name == "dtype" else getattr(self, name, False))
            for name in self._architecture_params
            if tokens or name != "embedding_dim"
        }

    def _check_architecture_unchanged(self):
        now = self._architecture()
        for name, fitted in self._fit_architecture.items():
            if now[name] != fitted:
                raise ValueError(
                    f"{name}={now[name]!r} differs from the fitted model's "
                    f"{name}={fitted!r}; a warm start or partial_fit must "
                    "keep the architecture. Set warm_start=False to refit."
                )

    def _make_optimizer(self, params, weight_spans):
        """The solver over ``params``, with decoupled decay of ``weight_spans``.

        ``weight_spans`` are those of the task's L2 penalty: the weight
        matrices, not the biases and not the token tables updated lazily.
        """
        decay = dict(weight_decay=self.weight_decay, decay_spans=weight_spans)
        if self.solver == "sgd":
            return SGDOptimizer(
                params,
                self.learning_rate_init,
                self.momentum,
                self.nesterovs_momentum,
                **decay,
            )
        return AdamOptimizer(
            params,
            self.learning_rate_init,
            self.beta_1,
            self.beta_2,
            self.epsilon,
            **decay,
        )

    def _loop_settings(self, incremental):
        """The training loop's settings: epochs, stopping, schedule."""
        schedule = LearningRateSchedule(
            self.learning_rate,
            self.learning_rate_init,
            power_t=self.power_t,
            n_epochs=self.max_iter,
        )
        return LoopSettings(
            self.max_iter,
            self.tol,
            self.n_iter_no_change,
            self.verbose,
            incremental,
            schedule,
        )

    def _batch_size(self, n_samples):
        size = 200 if self.batch_size == "auto" else self.batch_size
        return min(size, n_samples)

    # ----------------------------------------------------------------- memory
    def _batch_shapes(self, plan):
        """The largest batches of a fit on ``plan`` (an upper bound).

        Returns
        -------
        train : tuple of (int, int)
            Sequences and packed rows of the largest training batch: the
            ``batch_size`` longest sequences.
        forward : tuple of (int, int) or None
            The same for the largest chunk of the validation data (early
            stopping), read without a cache.
        """
        lengths = plan.data.seqs.lengths
        n = len(lengths)
        train = longest(lengths, self._batch_size(n))
        if not self.early_stopping:
            return train, None
        n_val = math.ceil(self.validation_fraction * n)
        return train, longest(lengths, min(CHUNK, n_val))

    def _check_fit_memory(self, plan, first_pass):
        """Refuse, before allocating, a fit that the machine cannot hold.

        Besides the weights, gradient and optimizer, a fit holds copies of
        the weights and optimizer state: the checkpoint of the best epoch
        (and a new one while it is made), the best weights of early
        stopping, and, for a warm start or ``partial_fit``, the fitted model
        beside the copy it trains. The estimate (the largest batch's arrays
        too; see :mod:`skrnn._engine.memory`) is compared with
        :func:`~skrnn._memory.available_memory`.

        Raises
        ------
        ValueError
            Naming the size parameters and the memory asked for.
        """
        (B, N), forward = self._batch_shapes(plan)
        spec = self._network_spec(plan)
        checkpoint = 1 + optimizer_arrays(self.solver)[0]
        kept = checkpoint * (1 if first_pass else 2) + bool(self.early_stopping)
        n_bytes, n_params = estimate_fit_bytes(
            **spec,
            solver=self.solver,
            n_sequences=B,
            n_rows=N,
            forward_batch=forward,
            param_copies=kept,
            copies_between_batches=checkpoint,
        )
        own = self.get_params(deep=False)
        values = ", ".join(f"{n}={_short(own[n])}" for n in _SIZE_PARAMS if n in own)
        inputs = "tokens" if plan.token_input else "features"
        if "vocab_sizes" in spec:
            inputs = f"token column(s) of {_short(sum(spec['vocab_sizes']))} codes"
        batch = " or ".join(n for n in ("batch_size", "seq_length") if n in own)
        check_memory(
            n_bytes,
            f"A fit of {type(self).__name__}({values}) on {_short(plan.n_inputs)} "
            f"{inputs}, with {_short(plan.n_outputs)} outputs and batches of up "
            f"to {_short(B)} sequences and {_short(N)} steps in all "
            f"({format_count(n_params)} parameters, "
            f"{format_bytes(n_params * spec['dtype'].itemsize)})",
            f"Lower hidden_size or num_layers (the weights), or {batch}.",
        )

    # -------------------------------------------------------------------- fit
    def _fit(self, X, y, sample_weight=None, incremental=False, classes=None):
        """Shared body of fit and partial_fit: train, warn if interrupted."""
        if self._run_fit(X, y, sample_weight, incremental, classes).interrupted:
            warnings.warn("Training interrupted by user.", stacklevel=2)
        return self

    def _run_fit(self, X, y, sample_weight, incremental, classes=None):
        """Fit or partial_fit (MLP's first-pass rule); return the loop's Outcome.

        A call that fails (invalid data, a :class:`NonFiniteError`, an
        interruption outside the epochs) leaves the estimator as it was
        before the call. An interruption during the epochs keeps the best
        completed epoch of the call (see
        :func:`~skrnn._training.run_epochs`); if none completed, a warm start
        or ``partial_fit`` leaves the estimator as before the call but for
        ``n_iter_ = 0``, and a first fit keeps its initial weights.
        """
        self._check_params()
        first_pass = not hasattr(self, "_params") or not (
            self.warm_start or incremental
        )
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True.")
        if not first_pass:
            self._check_architecture_unchanged()
        rng = self._call_rng(first_pass)
        plan = self._prepare_fit(X, y, sample_weight, first_pass, classes)
        self._check_fit_memory(plan, first_pass)
        if first_pass:
            net = self._make_network(plan)
            params, history = net.init_params(rng), History.new(self.early_stopping)
            self._load_pretrained(net, params, plan)
        else:
            net, params = self._net, self._params.copy()
            history = self._history().resumed(self.early_stopping)
        train, val = self._split(plan, rng)
        score = None if val is None else self._scorer(net, params, val)
        settings = self._loop_settings(incremental)
        task = self._task(net, params, train)
        keep_optimizer = incremental and not first_pass and hasattr(self, "_optimizer")
        optimizer = (
            self._optimizer.snapshot()
            if keep_optimizer
            else self._make_optimizer(params, task.weight_spans)
        )
        outcome = run_epochs(params, optimizer, task, score, settings, history, rng)
        if outcome.interrupted and outcome.history.n_iter == 0 and not first_pass:
            self.n_iter_ = 0  # nothing of the call is kept
            return outcome
        if outcome.history.best_params is not None and self.early_stopping:
            params[...] = outcome.history.best_params
        if not np.isfinite(params).all():  # checked every epoch too
            raise NonFiniteError(
                "Training produced non-finite weights. Lower learning_rate_init, "
                "set clip_norm, or scale the input data."
            )
        self._commit(plan, net, params, outcome, first_pass)
        return outcome

    def _call_rng(self, first_pass):
        """The random generator of one fit or partial_fit call.

        From ``random_state``; a call that continues training (a warm start
        or ``partial_fit``) also mixes in the number of epochs trained so
        far, so that an int ``random_state`` reproduces the whole sequence
        of calls, yet each call shuffles and draws dropout masks anew
        (MLP re-seeds each call alike, repeating the first call's shuffle).
        """
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        epochs_done = 0 if first_pass else len(getattr(self, "loss_curve_", ()))
        return np.random.default_rng(seed if epochs_done == 0 else [seed, epochs_done])

    def _commit(self, plan, net, params, outcome, first_pass):
        """Record the new fitted state, all at once."""
        for name, value in plan.fitted.items():
            if value is None:
                self.__dict__.pop(name, None)
            else:
                setattr(self, name, value)
        if first_pass:
            self._fit_architecture = self._architecture()
        self._net, self._params, self._optimizer = net, params, outcome.optimizer
        for field, name in _HISTORY_ATTRIBUTES.items():
            setattr(self, name, getattr(outcome.history, field))
        if outcome.history.loss is None:  # no epoch has ended yet
            del self.loss_

    def _history(self):
        """The fitted model's training history (:class:`History`)."""
        return History(
            **{
                field: getattr(self, name)
                for field, name in _HISTORY_ATTRIBUTES.items()
                if hasattr(self, name)
            }
        )

    def _split(self, plan, rng):
        """Training and (with early stopping) validation data."""
        if not self.early_stopping:
            return plan.data, None
        idx = np.arange(len(plan.data.seqs))
        split = functools.partial(
            train_test_split,
            idx,
            test_size=self.validation_fraction,
            random_state=int(rng.integers(np.iinfo(np.int32).max)),
        )
        try:
            train_idx, val_idx = split(stratify=plan.stratify)
        except ValueError:
            train_idx, val_idx = split()
        if len(val_idx) < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        return plan.data.subset(train_idx), plan.data.subset(val_idx)

    def _regularization(self):
        """The keywords of a task's L2 penalty and clipping."""
        return dict(alpha=self.alpha, clip_norm=self.clip_norm)

    def _pretrained(self, n_columns):
        """The pretrained vectors per token column (see :mod:`skrnn._pretrained`)."""
        return pretrained_columns(
            getattr(self, "pretrained_embeddings", None), n_columns
        )

    def _load_pretrained(self, net, params, plan):
        """Start the embeddings of a token fit from the pretrained vectors."""
        if "categories_" not in plan.fitted:
            return
        categories = plan.fitted["categories_"]
        columns = self._pretrained(len(categories))
        views = net.layout.views(params)
        tables = None
        if net.inputs.embedded:
            tables = [views[f"E_{k}"] for k in range(len(categories))]
        load_pretrained(tables, categories, columns)

    def _frozen_tables(self, net):
        """The embedding tables a fit leaves as they are (``freeze_embeddings``)."""
        if not (getattr(self, "freeze_embeddings", False) and net.inputs.embedded):
            return ()
        return tuple(f"E_{k}" for k in self._pretrained(net.inputs.n_columns))

    def _task(self, net, params, train):
        """The minibatches of a fit on sequences (see :mod:`skrnn._tasks`)."""
        return SequenceTask(
            net,
            params,
            train,
            loss=self._loss,
            batch_size=self._batch_size(len(train.seqs)),
            shuffle=self.shuffle,
            lazy_tables=True,
            frozen_tables=self._frozen_tables(net),
            **self._regularization(),
        )

    def _scorer(self, net, params, val):
        """The validation score of early stopping, as a function of nothing."""
        return functools.partial(validation_score, net, params, val, self._metric)
