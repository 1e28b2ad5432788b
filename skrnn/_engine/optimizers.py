# SPDX-License-Identifier: BSD-3-Clause
"""Stochastic optimizers, global-norm gradient clipping and the L2 penalty.

The update rules are those of scikit-learn's
``sklearn/neural_network/_stochastic_optimizers.py`` with a constant learning
rate: :class:`SGDOptimizer` (momentum, Nesterov) and :class:`AdamOptimizer`
(bias-corrected, Kingma & Ba 2014). Both work on a list of parameter arrays
(in practice one flat contiguous array holding all the weights) and update
them in place.

Every state array (velocities, Adam moments) and every scratch buffer has the
dtype of its parameter, and all arithmetic is done with in-place ufuncs
(``out=``) and Python-float scalars. A call to ``update_params`` therefore
allocates no array: float32 parameters stay float32 with no float64
temporaries.

The optimizers keep only their state, never a reference to the parameters,
so they pickle as plain attributes (the scratch buffers are dropped from the
pickle and re-created on the next update).
"""

import math

import numpy as np

__all__ = ["SGDOptimizer", "AdamOptimizer", "clip_grad_norm", "add_l2_penalty"]


def _check_pairs(params, grads, what="grads"):
    """Raise ValueError unless two lists of arrays agree in length and shapes."""
    if len(params) != len(grads):
        raise ValueError(
            f"Got {len(grads)} {what} for {len(params)} parameter arrays; "
            "the two lists must have the same length."
        )
    for i, (param, grad) in enumerate(zip(params, grads, strict=True)):
        if param.shape != grad.shape:
            raise ValueError(
                f"Shape mismatch at index {i}: parameter has shape {param.shape}, "
                f"{what} has shape {grad.shape}."
            )


class _BaseOptimizer:
    """Shared machinery: scratch buffers, shape checks and the update loop.

    Subclasses define ``_n_scratch`` (buffers needed per parameter),
    ``_state_arrays()`` (one state array per parameter, for shape checks) and
    ``_update_one(param, grad, i, scratch)``.
    """

    _n_scratch = 0

    def __init__(self, learning_rate_init):
        # Python floats keep float32 arithmetic in float32 (NEP 50): a NumPy
        # float64 scalar would promote every ufunc to float64.
        self.learning_rate_init = float(learning_rate_init)
        self.learning_rate = self.learning_rate_init
        self._scratch = None

    def update_params(self, params, grads):
        """Update the parameters in place with the given gradients.

        Parameters
        ----------
        params : list of ndarray
            The arrays to update, in the order and with the shapes given at
            construction. Each is modified in place.
        grads : list of ndarray
            Gradient of the loss with respect to each array of ``params``;
            same length and shapes. Not modified.

        Raises
        ------
        ValueError
            If ``grads`` and ``params`` (or the optimizer's state) disagree in
            length or shapes.
        """
        _check_pairs(params, grads)
        _check_pairs(self._state_arrays(), params, what="params")
        if self._scratch is None:
            self._scratch = [
                [np.empty_like(s) for _ in range(self._n_scratch)]
                for s in self._state_arrays()
            ]
        self._begin_step()
        for i, (param, grad) in enumerate(zip(params, grads, strict=True)):
            self._update_one(param, grad, i, self._scratch[i])

    def _begin_step(self):
        """Hook run once per update, before the per-array updates."""

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_scratch"] = None
        return state


class SGDOptimizer(_BaseOptimizer):
    """Stochastic gradient descent with momentum and Nesterov's momentum.

    Parameters
    ----------
    params : list of ndarray
        The parameter arrays (float32 or float64). Only their shapes and
        dtypes are used, to create the velocities; no reference is kept.
    learning_rate_init : float, default=0.1
        Constant learning rate ``lr``.
    momentum : float, default=0.9
        Momentum ``mu`` in ``[0, 1]``; ``0`` gives plain SGD.
    nesterov : bool, default=True
        Whether to use Nesterov's momentum.

    Attributes
    ----------
    learning_rate : float
        The learning rate in use (constant, equal to ``learning_rate_init``).
    velocities : list of ndarray
        One velocity per parameter, same shape and dtype.

    See Also
    --------
    AdamOptimizer : Adaptive moments.

    Notes
    -----
    With gradient ``g`` and velocity ``v`` (initially zero), each update is,
    as in scikit-learn's ``SGDOptimizer``::

        v <- mu * v - lr * g
        param += v                    # nesterov=False
        param += mu * v - lr * g      # nesterov=True

    This equals ``torch.optim.SGD(lr, momentum, nesterov)`` with
    ``dampening=0``, whose buffer is ``-v / lr``.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0, -1.0])
    >>> opt = SGDOptimizer([w], learning_rate_init=0.5, momentum=0.0)
    >>> opt.update_params([w], [np.array([1.0, 2.0])])
    >>> w
    array([ 0.5, -2. ])
    """

    _n_scratch = 2

    def __init__(self, params, learning_rate_init=0.1, momentum=0.9, nesterov=True):
        super().__init__(learning_rate_init)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.velocities = [np.zeros_like(param) for param in params]

    def _state_arrays(self):
        return self.velocities

    def _update_one(self, param, grad, i, scratch):
        lr_grad, update = scratch
        velocity = self.velocities[i]
        np.multiply(grad, self.learning_rate, out=lr_grad)
        velocity *= self.momentum
        velocity -= lr_grad
        if self.nesterov:
            np.multiply(velocity, self.momentum, out=update)
            update -= lr_grad
            param += update
        else:
            param += velocity


class AdamOptimizer(_BaseOptimizer):
    """Adam: stochastic optimization with bias-corrected adaptive moments.

    Parameters
    ----------
    params : list of ndarray
        The parameter arrays (float32 or float64). Only their shapes and
        dtypes are used, to create the moments; no reference is kept.
    learning_rate_init : float, default=0.001
        Step size ``lr``.
    beta_1 : float, default=0.9
        Exponential decay rate of the first moment, in ``[0, 1)``.
    beta_2 : float, default=0.999
        Exponential decay rate of the second moment, in ``[0, 1)``.
    epsilon : float, default=1e-8
        Added to ``sqrt(v)`` for numerical stability.

    Attributes
    ----------
    learning_rate : float
        The bias-corrected step size ``lr_t`` of the last update.
    t : int
        Number of updates done so far.
    ms : list of ndarray
        First moments, one per parameter, same shape and dtype.
    vs : list of ndarray
        Second moments, one per parameter, same shape and dtype.

    See Also
    --------
    SGDOptimizer : Momentum and Nesterov.

    Notes
    -----
    With gradient ``g``, at update ``t = 1, 2, ...`` (scikit-learn's
    ``AdamOptimizer``, Algorithm 1 of Kingma & Ba with the efficient ordering
    of their section 2)::

        m <- beta_1 * m + (1 - beta_1) * g
        v <- beta_2 * v + (1 - beta_2) * g**2
        lr_t = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        param += -lr_t * m / (sqrt(v) + epsilon)

    ``epsilon`` is added to the *uncorrected* ``sqrt(v)``. PyTorch's
    ``torch.optim.Adam`` adds it to ``sqrt(v_hat)``, which amounts to using
    ``epsilon * sqrt(1 - beta_2**t)`` here: this update is PyTorch's with
    ``eps = epsilon / sqrt(1 - beta_2**t)``, never larger. The two agree when
    ``epsilon`` is small compared with ``sqrt(v_hat)``; with the defaults and
    gradients of 1e-6 to 1e-9 the first steps are 0.77 to 0.035 times
    PyTorch's (the "Engine" page of the documentation, "The optimizers").
    At ``t = 1`` the update is about ``-lr * sign(g)``.

    References
    ----------
    Kingma, D. P. and Ba, J. (2014). "Adam: A method for stochastic
    optimization." arXiv:1412.6980.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.zeros(2, dtype=np.float32)
    >>> opt = AdamOptimizer([w], learning_rate_init=0.1)
    >>> opt.update_params([w], [np.array([3.0, -0.5], dtype=np.float32)])
    >>> w.round(4), w.dtype, opt.t
    (array([-0.1,  0.1], dtype=float32), dtype('float32'), 1)
    """

    _n_scratch = 2

    def __init__(
        self, params, learning_rate_init=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8
    ):
        super().__init__(learning_rate_init)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        self.t = 0
        self.ms = [np.zeros_like(param) for param in params]
        self.vs = [np.zeros_like(param) for param in params]

    def _state_arrays(self):
        return self.ms

    def _begin_step(self):
        self.t += 1
        self.learning_rate = (
            self.learning_rate_init
            * math.sqrt(1.0 - self.beta_2**self.t)
            / (1.0 - self.beta_1**self.t)
        )

    def _update_one(self, param, grad, i, scratch):
        buf, update = scratch
        m, v = self.ms[i], self.vs[i]
        # Same operations, in the same order, as scikit-learn: bit-identical.
        m *= self.beta_1
        np.multiply(grad, 1.0 - self.beta_1, out=buf)
        m += buf
        v *= self.beta_2
        np.square(grad, out=buf)
        buf *= 1.0 - self.beta_2
        v += buf
        np.sqrt(v, out=buf)
        buf += self.epsilon
        np.multiply(m, -self.learning_rate, out=update)
        update /= buf
        param += update


def clip_grad_norm(grads, max_norm):
    """Clip gradients in place by their global L2 norm.

    The norm is taken over all arrays together, as if they were concatenated
    into one vector. PyTorch's ``torch.nn.utils.clip_grad_norm_`` convention:
    every gradient is multiplied by ``max_norm / (norm + 1e-6)`` when that
    factor is below 1 (that is, when ``norm > max_norm - 1e-6``), so the
    clipped norm is just under ``max_norm``; otherwise nothing changes.

    Parameters
    ----------
    grads : list of ndarray
        Gradient arrays of any shapes, modified in place.
    max_norm : float or None
        Largest allowed global norm; ``None`` only computes the norm.

    Returns
    -------
    total_norm : float
        The global norm *before* clipping, computed in the gradients' dtype.
        If it is not finite (inf or nan), the gradients are left untouched
        (scaling by it would turn every entry into nan or zero) and the
        non-finite value is returned: the caller should check
        ``math.isfinite(total_norm)`` and raise a clear error.

    Examples
    --------
    >>> import numpy as np
    >>> g = [np.array([3.0]), np.array([[4.0]])]
    >>> clip_grad_norm(g, max_norm=1.0)
    5.0
    >>> round(float(np.hypot(g[0][0], g[1][0, 0])), 5)
    1.0
    """
    sq_norm = 0.0
    for grad in grads:
        flat = grad.ravel()  # a view for contiguous arrays
        sq_norm += float(np.dot(flat, flat))
    total_norm = math.sqrt(sq_norm)
    if max_norm is None or not math.isfinite(total_norm):
        return total_norm
    coef = float(max_norm) / (total_norm + 1e-6)
    if coef < 1.0:
        for grad in grads:
            grad *= coef
    return total_norm


def add_l2_penalty(params, grads, alpha, scale=1.0):
    """Add the gradient of an L2 penalty in place and return the penalty.

    For each weight array ``w`` with gradient ``g``::

        g += alpha * scale * w
        penalty = 0.5 * alpha * scale * sum(w**2)

    As in scikit-learn's MLP, the caller passes only the arrays to penalise
    (weights, not biases) and ``scale = 1 / n_samples`` for a loss that is
    averaged over the samples.

    Parameters
    ----------
    params : list of ndarray
        The weight arrays ``w`` to penalise. Not modified.
    grads : list of ndarray
        Their gradients, same length and shapes, modified in place.
    alpha : float
        L2 regularisation strength (``alpha`` of the estimators).
    scale : float, default=1.0
        Extra factor, usually ``1 / n_samples``.

    Returns
    -------
    penalty : float
        ``0.5 * alpha * scale * sum of w**2`` over all arrays.

    Raises
    ------
    ValueError
        If ``params`` and ``grads`` disagree in length or shapes.

    Examples
    --------
    >>> import numpy as np
    >>> w, g = np.array([1.0, 2.0]), np.zeros(2)
    >>> add_l2_penalty([w], [g], alpha=0.1, scale=0.5)
    0.125
    >>> g
    array([0.05, 0.1 ])
    """
    _check_pairs(params, grads)
    coef = float(alpha) * float(scale)
    if coef == 0.0:
        return 0.0
    sq_norm = 0.0
    for w, grad in zip(params, grads, strict=True):
        flat = w.ravel()
        sq_norm += float(np.dot(flat, flat))
        grad += coef * w
    return 0.5 * coef * sq_norm
