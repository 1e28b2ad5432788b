# SPDX-License-Identifier: BSD-3-Clause
"""Spying on the batches of a fit, for the tests.

An estimator makes its training task in ``_task`` (see
:mod:`skrnn._tasks`); the training loop calls the task's
``loss_and_grad(batch, rng)`` once per batch. :func:`wrap_batches` puts a
function around that call.
"""


def wrap_batches(monkeypatch, est, wrapper):
    """Make every batch of ``est``'s fits go through ``wrapper``.

    Parameters
    ----------
    monkeypatch : pytest.MonkeyPatch or None
        Undoes the change at the end of the test; None sets it for good
        (delete ``est._task`` to undo).
    est : BaseRNN
    wrapper : callable
        ``wrapper(loss_and_grad, batch, rng)`` returns what
        ``loss_and_grad(batch, rng)`` returns: ``(loss, grads, norm,
        n_samples, n_targets)``.
    """
    make_task = est._task

    def task_with_spy(*args):
        task = make_task(*args)
        original = task.loss_and_grad
        task.loss_and_grad = lambda batch, rng: wrapper(original, batch, rng)
        return task

    if monkeypatch is None:
        est._task = task_with_spy
    else:
        monkeypatch.setattr(est, "_task", task_with_spy)


def interrupt_on_batch(monkeypatch, est, n):
    """Make the ``n``-th training batch of ``est`` raise KeyboardInterrupt."""
    calls = []

    def interrupting(loss_and_grad, batch, rng):
        calls.append(None)
        if len(calls) == n:
            raise KeyboardInterrupt
        return loss_and_grad(batch, rng)

    wrap_batches(monkeypatch, est, interrupting)
