# SPDX-License-Identifier: BSD-3-Clause
"""The minibatch training loop shared by every estimator.

It follows ``MLPClassifier._fit_stochastic``: epochs of shuffled minibatches,
``loss_curve_``, ``n_iter_`` and ``t_``, stopping when the training loss (or,
with early stopping, the validation score) has not improved by ``tol`` for
``n_iter_no_change`` epochs, a ``ConvergenceWarning`` at ``max_iter``, and
``KeyboardInterrupt`` caught with a warning. Early stopping restores the best
weights. A non-finite loss or gradient stops the fit with a ``ValueError``.

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

import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

__all__ = ["NonFiniteError", "run_epochs"]


class NonFiniteError(ValueError):
    """The loss or the gradient became NaN or infinite."""


def _format_seconds(s):
    s = int(round(s))
    return (
        f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
        if s >= 3600
        else (f"{s // 60}:{s % 60:02d}")
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
    """
    early_stopping = val is not None
    n_epochs = 1 if incremental else est.max_iter
    # As MLP: n_iter_ counts the epochs of this call (so a warm start runs
    # max_iter more epochs and ends with n_iter_ <= max_iter); t_,
    # loss_curve_ and validation_scores_ accumulate over calls.
    est.n_iter_ = 0
    start = time.perf_counter()
    try:
        for epoch in range(n_epochs):
            t0 = time.perf_counter()
            total, count = 0.0, 0
            for batch in est._epoch_batches(train, rng):
                loss, grads, n = est._batch_loss_and_grad(train, batch, rng)
                est._optimizer.update_params([est._params], [grads])
                total += loss * n
                count += n
            est.n_iter_ += 1
            est.t_ += count
            est.loss_ = total / max(count, 1)
            est.loss_curve_.append(est.loss_)
            if early_stopping:
                score = est._validation_score(val)
                est.validation_scores_.append(score)
                improved = score > est.best_validation_score_
                if score < est.best_validation_score_ + est.tol:
                    est._no_improvement_count += 1
                else:
                    est._no_improvement_count = 0
                if improved:
                    est.best_validation_score_ = score
                    est._best_params = est._params.copy()
            else:
                if est.loss_ > est.best_loss_ - est.tol:
                    est._no_improvement_count += 1
                else:
                    est._no_improvement_count = 0
                est.best_loss_ = min(est.best_loss_, est.loss_)
            if est.verbose:
                elapsed = time.perf_counter() - t0
                left = (
                    (time.perf_counter() - start) / (epoch + 1) * (n_epochs - epoch - 1)
                )
                line = f"Epoch {est.n_iter_}, loss = {est.loss_:.6f}"
                if early_stopping:
                    line += f", validation score = {est.validation_scores_[-1]:.6f}"
                line += f", {elapsed:.2f}s"
                if not incremental:
                    line += f", about {_format_seconds(left)} left"
                print(line, flush=True)
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
        warnings.warn("Training interrupted by user.", stacklevel=3)
    if early_stopping and getattr(est, "_best_params", None) is not None:
        est._params[...] = est._best_params


def check_finite_step(loss, grad_norm, epoch):
    """Raise :class:`NonFiniteError` when a batch's loss or gradient is not finite."""
    if not (np.isfinite(loss) and np.isfinite(grad_norm)):
        raise NonFiniteError(
            f"The loss or its gradient became non-finite during epoch {epoch + 1} "
            f"(loss={loss}, gradient norm={grad_norm}). Lower learning_rate_init, "
            "set clip_norm, or scale the input data."
        )
