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
        n_samples, n_targets, rows)``.
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


def record_validation(monkeypatch, est):
    """Record every validation score of ``est``'s fits with the weights scored.

    Returns
    -------
    seen : list of (float, ndarray)
        The score and a copy of the weights, after each epoch.
    scorers : list of callable
        The unwrapped score of each fit (call it to score the weights as
        they are now).
    """
    seen, scorers = [], []
    make_scorer = est._scorer

    def recording_scorer(net, params, val):
        score = make_scorer(net, params, val)
        scorers.append(score)

        def recording():
            seen.append((score(), params.copy()))
            return seen[-1][0]

        return recording

    monkeypatch.setattr(est, "_scorer", recording_scorer)
    return seen, scorers
