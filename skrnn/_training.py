# SPDX-License-Identifier: BSD-3-Clause
"""The minibatch training loop shared by every estimator.

It follows ``MLPClassifier._fit_stochastic``: epochs of shuffled minibatches,
``loss_curve_``, ``n_iter_`` and ``t_``, stopping when the training loss (or,
with early stopping, the validation score) has not improved by ``tol`` for
``n_iter_no_change`` epochs, a ``ConvergenceWarning`` at ``max_iter``, and
``KeyboardInterrupt`` caught with a warning. Early stopping restores the best
weights; an interruption keeps those of the best completed epoch (see
:func:`run_epochs`). A non-finite loss, gradient, weight or validation score
stops the fit with a ``ValueError`` (:class:`NonFiniteError`), and NumPy's
floating-point warnings are silenced during training so that this error is
the only message.

The estimator supplies three hooks, so the generator can train on windows
of a corpus with a carried state while the other estimators train on
sequences:

``_epoch_batches(train, rng)``
    An iterable of batches for one epoch.
``_batch_loss_and_grad(train, batch, rng)``
    ``(loss, grads, n)``: the regularised loss of the batch, the gradient
    (clipped) and the batch's size in samples, for averaging.
``_validation_score(val)``
    The score on the validation data (higher is better).
"""

import copy
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

__all__ = ["NonFiniteError", "check_finite_epoch", "check_finite_step", "run_epochs"]


class NonFiniteError(ValueError):
    """The loss, the gradient, the weights or the validation score became NaN or inf."""


def _format_seconds(s):
    s = int(round(s))
    return (
        f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
        if s >= 3600
        else (f"{s // 60}:{s % 60:02d}")
    )


#: Scalar bookkeeping of the loop; the lists (``loss_curve_``,
#: ``validation_scores_``) only grow, so an epoch is undone by truncating them.
_BOOKKEEPING = (
    "n_iter_",
    "t_",
    "loss_",
    "best_loss_",
    "best_validation_score_",
    "_no_improvement_count",
    "_best_params",
)

#: Floating-point errors are not warned about during training: a non-finite
#: loss, gradient, validation score or weight stops the fit with one clear
#: NonFiniteError instead (an overflow whose result stays finite, such as a
#: saturated tanh, is harmless).
_QUIET = dict(over="ignore", invalid="ignore", divide="ignore", under="ignore")


def _record(est):
    """The bookkeeping after a completed epoch (arrays are never modified in place)."""
    scores = est.validation_scores_
    return (
        {name: getattr(est, name) for name in _BOOKKEEPING if hasattr(est, name)},
        len(est.loss_curve_),
        None if scores is None else len(scores),
    )


def _rewind(est, record):
    """Put the bookkeeping back as :func:`_record` found it."""
    scalars, n_losses, n_scores = record
    for name in _BOOKKEEPING:
        if name in scalars:
            setattr(est, name, scalars[name])
        elif hasattr(est, name):
            delattr(est, name)
    del est.loss_curve_[n_losses:]
    if n_scores is not None:
        del est.validation_scores_[n_scores:]


def _checkpoint(est, params=None):
    """Copies of the weights and of the optimizer's state, to go back to."""
    return (
        est._params.copy() if params is None else params,
        copy.deepcopy(est._optimizer),  # its scratch buffers are not copied
    )


def run_epochs(est, train, val, rng, *, incremental):
    """Train ``est`` for up to ``est.max_iter`` epochs (one if ``incremental``).

    Parameters
    ----------
    est : BaseRNN
        Holds ``_params`` (flat, updated in place), ``_optimizer`` and the
        bookkeeping attributes, which this function updates (``n_iter_``
        restarts at 0: the epochs of this call, as in MLP).
    train, val : objects understood by the estimator's hooks
        ``val`` is None without early stopping.
    rng : numpy.random.Generator
    incremental : bool
        One epoch (``partial_fit``).

    Returns
    -------
    interrupted : bool
        Whether a ``KeyboardInterrupt`` stopped the loop.

    Notes
    -----
    On ``KeyboardInterrupt`` the loop stops with a warning and the estimator
    is left as at the end of its best completed epoch *of this call*: the
    weights and the optimizer's state are those at the end of the epoch with
    the lowest training loss (with early stopping: the best validation
    score, as at a normal end), or, if no epoch of this call completed, those
    from before its first update; ``loss_curve_``, ``validation_scores_``,
    ``n_iter_``, ``t_`` and ``loss_`` keep every completed epoch and nothing
    of the interrupted one. Weights are never left half-updated.
    """
    early_stopping = val is not None
    n_epochs = 1 if incremental else est.max_iter
    # As MLP: n_iter_ counts the epochs of this call (so a warm start runs
    # max_iter more epochs and ends with n_iter_ <= max_iter); t_,
    # loss_curve_ and validation_scores_ accumulate over calls.
    est.n_iter_ = 0
    # What an interruption goes back to, replaced in one assignment at the end
    # of each epoch: the bookkeeping after the last completed epoch, and the
    # weights and optimizer state kept (the best epoch of this call so far).
    state = (_record(est), _checkpoint(est))
    best_loss = np.inf  # of this call
    start = time.perf_counter()
    try:
        with np.errstate(**_QUIET):
            for epoch in range(n_epochs):
                t0 = time.perf_counter()
                total, count = 0.0, 0
                for batch in est._epoch_batches(train, rng):
                    loss, grads, n = est._batch_loss_and_grad(train, batch, rng)
                    est._optimizer.update_params([est._params], [grads])
                    total += loss * n
                    count += n
                epoch_loss = total / max(count, 1)
                score = est._validation_score(val) if early_stopping else None
                check_finite_epoch(est, epoch_loss, score)
                kept = state[1]
                est.n_iter_ += 1
                est.t_ += count
                est.loss_ = epoch_loss
                est.loss_curve_.append(epoch_loss)
                if early_stopping:
                    est.validation_scores_.append(score)
                    improved = score > est.best_validation_score_
                    if score < est.best_validation_score_ + est.tol:
                        est._no_improvement_count += 1
                    else:
                        est._no_improvement_count = 0
                    if improved:
                        est.best_validation_score_ = score
                        est._best_params = est._params.copy()
                        kept = _checkpoint(est, est._best_params)
                else:
                    if est.loss_ > est.best_loss_ - est.tol:
                        est._no_improvement_count += 1
                    else:
                        est._no_improvement_count = 0
                    est.best_loss_ = min(est.best_loss_, est.loss_)
                    if epoch_loss < best_loss:
                        best_loss = epoch_loss
                        kept = _checkpoint(est)
                state = (_record(est), kept)  # the epoch is complete
                if est.verbose:
                    _print_epoch(
                        est, epoch, n_epochs, t0, start, incremental, early_stopping
                    )
                if est._no_improvement_count > est.n_iter_no_change:
                    if est.verbose:
                        what = "Validation score" if early_stopping else "Training loss"
                        print(
                            f"{what} did not improve more than tol={est.tol} for "
                            f"{est.n_iter_no_change} consecutive epochs. Stopping."
                        )
                    break
                if not incremental and epoch == n_epochs - 1:
                    warnings.warn(
                        f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) "
                        "reached and the optimization hasn't converged yet.",
                        ConvergenceWarning,
                        stacklevel=3,
                    )
    except KeyboardInterrupt:
        record, (params, optimizer) = state
        _rewind(est, record)
        est._params[...] = params
        est._optimizer = optimizer
        warnings.warn("Training interrupted by user.", stacklevel=3)
        interrupted = True
    else:
        interrupted = False
    if early_stopping and getattr(est, "_best_params", None) is not None:
        est._params[...] = est._best_params
    return interrupted


def _print_epoch(est, epoch, n_epochs, t0, start, incremental, early_stopping):
    elapsed = time.perf_counter() - t0
    left = (time.perf_counter() - start) / (epoch + 1) * (n_epochs - epoch - 1)
    line = f"Epoch {est.n_iter_}, loss = {est.loss_:.6f}"
    if early_stopping:
        line += f", validation score = {est.validation_scores_[-1]:.6f}"
    line += f", {elapsed:.2f}s"
    if not incremental:
        line += f", about {_format_seconds(left)} left"
    print(line, flush=True)


def check_finite_epoch(est, loss, score):
    """Raise :class:`NonFiniteError` unless an epoch ended with finite numbers.

    The loss and gradient of every batch were checked; this catches what the
    batches cannot see: an overflowing sum of losses, weights made
    non-finite by the last update, a non-finite validation score.
    """
    advice = "Lower learning_rate_init, set clip_norm, or scale the input data."
    epoch = est.n_iter_ + 1
    if not np.isfinite(loss):
        raise NonFiniteError(
            f"The training loss became non-finite during epoch {epoch} "
            f"(loss={loss}). {advice}"
        )
    if not np.isfinite(est._params).all():
        raise NonFiniteError(
            f"The weights became non-finite during epoch {epoch}. {advice}"
        )
    if score is not None and not np.isfinite(score):
        raise NonFiniteError(
            f"The validation score became non-finite after epoch {epoch} "
            f"(score={score}): the model's outputs overflow on the validation "
            f"data. {advice}"
        )


def check_finite_step(loss, grad_norm, epoch):
    """Raise :class:`NonFiniteError` when a batch's loss or gradient is not finite."""
    if not (np.isfinite(loss) and np.isfinite(grad_norm)):
        raise NonFiniteError(
            f"The loss or its gradient became non-finite during epoch {epoch + 1} "
            f"(loss={loss}, gradient norm={grad_norm}). Lower learning_rate_init, "
            "set clip_norm, or scale the input data."
        )
