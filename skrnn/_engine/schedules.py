# SPDX-License-Identifier: BSD-3-Clause
"""Learning-rate schedules: the base rate of each epoch.

Four schedules, by name, applying to both optimizers:

* ``'constant'``: ``learning_rate_init`` throughout.
* ``'invscaling'``: scikit-learn MLP's: after ``t`` samples,
  ``learning_rate_init / (t + 1) ** power_t`` (set at the start of each
  epoch from the samples seen before it, as MLP sets it at the end of the
  previous one).
* ``'adaptive'``: scikit-learn MLP's, a reduce-on-plateau rule: the rate is
  kept while the loss (or validation score) improves; when it has not
  improved by ``tol`` for ``n_iter_no_change`` epochs, the rate is divided
  by 5 instead of stopping, and training stops only once the rate is at or
  below 1e-6 (PyTorch's ``ReduceLROnPlateau(factor=0.2,
  patience=n_iter_no_change)``, whose ``min_lr`` stops nothing).
* ``'cosine'``: half a cosine from ``learning_rate_init`` down towards 0
  over ``n_epochs`` epochs (Loshchilov & Hutter 2017, SGDR, without restarts
  within a cycle): epoch ``e`` (0-based) trains at
  ``learning_rate_init * (1 + cos(pi * e / n_epochs)) / 2``, PyTorch's
  ``CosineAnnealingLR(T_max=n_epochs)`` stepped once per epoch. Epochs past
  the cycle start a new one (a warm restart).

A schedule is a value object: it holds its settings, never the optimizer's
current rate, so it pickles and copies freely; the rate in use lives in the
optimizer (its ``base_learning_rate``), so that a ``partial_fit`` goes on
from the rate the last call left.
"""

import math

__all__ = ["SCHEDULES", "LearningRateSchedule"]

SCHEDULES = ("constant", "invscaling", "adaptive", "cosine")
#: 'adaptive': the factor of each reduction and the rate at or below which
#: training stops (scikit-learn MLP's values).
PLATEAU_FACTOR = 0.2
MIN_LEARNING_RATE = 1e-6


class LearningRateSchedule:
    """The base learning rate of each epoch.

    Parameters
    ----------
    name : {'constant', 'invscaling', 'adaptive', 'cosine'}
    learning_rate_init : float
        The rate at the start (``> 0``).
    power_t : float, default=0.5
        The exponent of ``'invscaling'``.
    n_epochs : int, default=1
        The length of a ``'cosine'`` cycle, in epochs.

    Examples
    --------
    >>> schedule = LearningRateSchedule("cosine", 0.1, n_epochs=4)
    >>> [round(schedule.rate(e, 0, 0.1), 4) for e in range(5)]
    [0.1, 0.0854, 0.05, 0.0146, 0.1]
    """

    def __init__(self, name, learning_rate_init, *, power_t=0.5, n_epochs=1):
        if name not in SCHEDULES:
            raise ValueError(f"learning_rate must be one of {SCHEDULES}, got {name!r}.")
        if not learning_rate_init > 0:
            raise ValueError(
                f"learning_rate_init must be > 0, got {learning_rate_init!r}."
            )
        if int(n_epochs) < 1:
            raise ValueError(f"n_epochs must be >= 1, got {n_epochs!r}.")
        self.name = name
        self.learning_rate_init = float(learning_rate_init)
        self.power_t = float(power_t)
        self.n_epochs = int(n_epochs)

    def rate(self, epoch, n_samples_seen, current):
        """The base rate of an epoch.

        Parameters
        ----------
        epoch : int
            The epoch about to run, 0-based (its place in the cosine cycle).
        n_samples_seen : int
            Samples trained on before it (``'invscaling'``).
        current : float
            The rate in use (kept by ``'constant'`` and ``'adaptive'``).

        Returns
        -------
        float
        """
        if self.name == "invscaling":
            return self.learning_rate_init / (n_samples_seen + 1) ** self.power_t
        if self.name == "cosine":
            phase = (epoch % self.n_epochs) / self.n_epochs
            return self.learning_rate_init * 0.5 * (1.0 + math.cos(math.pi * phase))
        return current

    def on_plateau(self, current):
        """The rate after a plateau, or None to stop training.

        Every schedule but ``'adaptive'`` stops; ``'adaptive'`` divides the
        rate by 5 unless it is already at or below 1e-6.
        """
        if self.name != "adaptive" or current <= MIN_LEARNING_RATE:
            return None
        return current * PLATEAU_FACTOR
