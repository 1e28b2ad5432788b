# SPDX-License-Identifier: BSD-3-Clause
"""The minibatch training loop shared by every estimator and the CLI.

It follows ``MLPClassifier._fit_stochastic``: epochs of shuffled minibatches,
a loss curve, stopping when the training loss (or, with a validation score,
that score) has not improved by ``tol`` for ``n_iter_no_change`` epochs, and
``KeyboardInterrupt`` caught. It knows nothing of estimators: it takes the
parameters (one flat array, updated in place), an optimizer, a task that
makes the batches of an epoch and the loss and gradient of a batch, an
optional validation score, the settings and the history so far, and returns
the new history. A non-finite loss, gradient, weight or validation score
stops it with a :class:`NonFiniteError`; NumPy's floating-point warnings are
silenced meanwhile, so that this error is the only message. The epochs run
in :func:`~skrnn._engine.recycling.recycled_memory`: each batch's large
buffers reuse the pages the previous batch freed.
"""

import dataclasses
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._engine.recycling import recycled_memory

__all__ = ["History", "LoopSettings", "NonFiniteError", "Outcome", "run_epochs"]

#: An overflow whose result stays finite (a saturated tanh) is harmless; a
#: non-finite number stops the fit with a NonFiniteError instead of warnings.
_QUIET = dict(over="ignore", invalid="ignore", divide="ignore", under="ignore")
_ADVICE = "Lower learning_rate_init, set clip_norm, or scale the input data."


class NonFiniteError(ValueError):
    """The loss, the gradient, the weights or the validation score became NaN or inf."""


@dataclasses.dataclass
class History:
    """What training has recorded, over every call since the model was made.

    The fields are MLP's attributes without the trailing underscore
    (``loss_curve`` is ``loss_curve_``...); ``n_iter`` counts the epochs of
    the last call only, as MLP's ``n_iter_``.
    """

    loss_curve: list
    validation_scores: list = None
    best_loss: float = None
    best_validation_score: float = None
    no_improvement_count: int = 0
    best_params: np.ndarray = None
    n_iter: int = 0
    t: int = 0
    loss: float = None

    @classmethod
    def new(cls, early_stopping):
        """The history of a model that has not trained yet."""
        if early_stopping:
            return cls([], validation_scores=[], best_validation_score=-np.inf)
        return cls([], best_loss=np.inf)

    def resumed(self, early_stopping):
        """This history, for a call with or without early stopping.

        A warm start may switch early stopping on or off: the bookkeeping
        the new setting needs starts afresh.
        """
        if early_stopping and self.validation_scores is None:
            return dataclasses.replace(
                self, validation_scores=[], best_validation_score=-np.inf
            )
        if not early_stopping and self.best_loss is None:
            return dataclasses.replace(self, best_loss=np.inf)
        return self

    def after_epoch(self, loss, score, n_samples, tol):
        """A new history with one more epoch (``score`` None: no validation)."""
        new = dataclasses.replace(
            self,
            loss_curve=[*self.loss_curve, loss],
            n_iter=self.n_iter + 1,
            t=self.t + n_samples,
            loss=loss,
        )
        if score is None:
            stalled = loss > self.best_loss - tol
            new.best_loss = min(self.best_loss, loss)
        else:
            stalled = score < self.best_validation_score + tol
            new.validation_scores = [*self.validation_scores, score]
            new.best_validation_score = max(self.best_validation_score, score)
        new.no_improvement_count = self.no_improvement_count + 1 if stalled else 0
        return new


@dataclasses.dataclass(frozen=True)
class LoopSettings:
    """How long to train: MLP's ``max_iter``, ``tol``, ``n_iter_no_change``.

    ``incremental`` is one epoch (``partial_fit``): no convergence warning.
    ``schedule`` (a :class:`~skrnn._engine.schedules.LearningRateSchedule`,
    or None for a constant rate) sets the optimizer's base learning rate
    before each epoch and decides what a plateau does.
    """

    max_iter: int
    tol: float
    n_iter_no_change: int
    verbose: bool = False
    incremental: bool = False
    schedule: object = None


@dataclasses.dataclass
class Outcome:
    """The end of :func:`run_epochs`: the history, the optimizer, how it ended."""

    history: History
    optimizer: object
    interrupted: bool


def run_epochs(params, optimizer, task, score, settings, history, rng):
    """Train ``params`` for up to ``settings.max_iter`` epochs.

    Parameters
    ----------
    params : ndarray
        The flat parameters, updated in place.
    optimizer : SGDOptimizer or AdamOptimizer
        Updated in place.
    task : object
        ``task.epoch(rng)`` yields the batches of an epoch and
        ``task.loss_and_grad(batch, rng)`` returns ``(loss, grads, norm,
        n_samples, n_targets, rows)``: the regularised loss, the clipped
        gradient and its norm before clipping, the samples (for ``t``) and
        the targets of the batch (to average the epoch's loss), and the rows
        of the token tables to update lazily (None: update everything).
    score : callable or None
        ``score()`` is the validation score of ``params`` (higher is better):
        early stopping, which keeps the best weights.
    settings : LoopSettings
    history : History
        The history so far (not modified).
    rng : numpy.random.Generator

    Returns
    -------
    Outcome
        On ``KeyboardInterrupt``, the weights and optimizer are those at the
        end of the best completed epoch of this call (lowest training loss,
        or best validation score), or from before its first update if none
        completed; the history holds every completed epoch and nothing of
        the interrupted one. Weights are never left half-updated.
    """
    n_epochs = 1 if settings.incremental else settings.max_iter
    history = dataclasses.replace(history, n_iter=0)
    kept = (params.copy(), optimizer.snapshot())
    best_loss, start = np.inf, time.perf_counter()
    try:
        with np.errstate(**_QUIET), recycled_memory():
            for epoch in range(n_epochs):
                t0 = time.perf_counter()
                _schedule_epoch(optimizer, settings, history, epoch)
                loss, n, value = _epoch(params, optimizer, task, score, rng, epoch)
                if score is None:
                    best, best_loss = loss < best_loss, min(best_loss, loss)
                else:
                    best = value > history.best_validation_score
                history = history.after_epoch(loss, value, n, settings.tol)
                if best:  # the weights kept by early stopping or an interrupt
                    kept = (params.copy(), optimizer.snapshot())
                    if value is not None:
                        history.best_params = kept[0]
                if settings.verbose:
                    _print_epoch(history, settings, epoch, n_epochs, t0, start)
                stop, history = _stop(history, settings, epoch, optimizer)
                if stop:
                    break
    except KeyboardInterrupt:
        params[...] = kept[0]
        return Outcome(history, kept[1], interrupted=True)
    return Outcome(history, optimizer, interrupted=False)


def _schedule_epoch(optimizer, settings, history, epoch):
    """Set the base learning rate of the epoch about to run.

    A fit's epochs are counted in the call (a warm start begins a new
    cosine cycle); ``partial_fit``'s since the model was made.
    """
    if settings.schedule is None:
        return
    number = len(history.loss_curve) if settings.incremental else epoch
    optimizer.base_learning_rate = settings.schedule.rate(
        number, history.t, optimizer.base_learning_rate
    )


def _epoch(params, optimizer, task, score, rng, epoch):
    """One pass over the batches (``epoch`` 0-based, in this call).

    Returns
    -------
    loss : float
        The mean loss per target.
    n_samples : int
    value : float or None
        The validation score after the epoch.
    """
    total, n_targets, n_samples = 0.0, 0, 0
    for batch in task.epoch(rng):
        loss, grads, norm, samples, targets, rows = task.loss_and_grad(batch, rng)
        if not (np.isfinite(loss) and np.isfinite(norm)):
            raise NonFiniteError(
                f"The loss or its gradient became non-finite during epoch "
                f"{epoch + 1} (loss={loss}, gradient norm={norm}). {_ADVICE}"
            )
        optimizer.update_params(params, grads, rows=rows)
        total += loss * targets
        n_targets += targets
        n_samples += samples
    loss = total / max(n_targets, 1)
    value = None if score is None else score()
    _check_finite_epoch(params, loss, value, epoch + 1)
    return loss, n_samples, value


def _check_finite_epoch(params, loss, score, epoch):
    """Raise :class:`NonFiniteError` unless an epoch ended with finite numbers.

    The loss and gradient of every batch were checked; this catches what the
    batches cannot see: an overflowing sum of losses, weights made
    non-finite by the last update, a non-finite validation score.
    """
    if not np.isfinite(loss):
        raise NonFiniteError(
            f"The training loss became non-finite during epoch {epoch} "
            f"(loss={loss}). {_ADVICE}"
        )
    if not np.isfinite(params).all():
        raise NonFiniteError(
            f"The weights became non-finite during epoch {epoch}. {_ADVICE}"
        )
    if score is not None and not np.isfinite(score):
        raise NonFiniteError(
            f"The validation score became non-finite after epoch {epoch} "
            f"(score={score}): the model's outputs overflow on the validation "
            f"data. {_ADVICE}"
        )


def _format_seconds(s):
    s = int(round(s))
    if s >= 3600:
        return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"


def _print_epoch(history, settings, epoch, n_epochs, t0, start):
    """The verbose line of an epoch: loss, validation score, time, time left."""
    now = time.perf_counter()
    line = f"Epoch {history.n_iter}, loss = {history.loss:.6f}"
    if history.validation_scores is not None:
        line += f", validation score = {history.validation_scores[-1]:.6f}"
    line += f", {now - t0:.2f}s"
    if not settings.incremental:
        left = (now - start) / (epoch + 1) * (n_epochs - epoch - 1)
        line += f", about {_format_seconds(left)} left"
    print(line, flush=True)


def _stop(history, settings, epoch, optimizer):
    """Whether training stops after ``epoch`` (0-based) of this call.

    When the loss (or validation score) has not improved for
    ``n_iter_no_change`` epochs, the schedule decides: the ``'adaptive'``
    schedule lowers the learning rate and training goes on (with the count
    of epochs without improvement reset), any other stops (saying so when
    verbose). A fit also stops, with a ``ConvergenceWarning``, after
    ``max_iter`` epochs.

    Returns
    -------
    stop : bool
    history : History
        ``history``, with the count reset after a lowered rate.
    """
    if history.no_improvement_count > settings.n_iter_no_change:
        current = optimizer.base_learning_rate
        lowered = None
        if settings.schedule is not None:
            lowered = settings.schedule.on_plateau(current)
        if lowered is not None:
            optimizer.base_learning_rate = lowered
            if settings.verbose:
                print(f"Setting learning rate to {lowered:f}")
            return False, dataclasses.replace(history, no_improvement_count=0)
        if settings.verbose:
            what = "Training loss"
            if history.validation_scores is not None:
                what = "Validation score"
            print(
                f"{what} did not improve more than tol={settings.tol} for "
                f"{settings.n_iter_no_change} consecutive epochs. Stopping."
            )
            if settings.schedule is not None and settings.schedule.name == "adaptive":
                print("Learning rate too small. Stopping.")
        return True, history
    if not settings.incremental and epoch == settings.max_iter - 1:
        warnings.warn(
            f"Stochastic Optimizer: Maximum iterations ({settings.max_iter}) "
            "reached and the optimization hasn't converged yet.",
            ConvergenceWarning,
            stacklevel=5,
        )
    return False, history
