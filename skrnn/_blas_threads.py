# SPDX-License-Identifier: BSD-3-Clause
"""The BLAS thread limiter of the engine's time loops: threadpoolctl's.

:mod:`skrnn._engine.loop_threads` measures, for the time loop's small
products, whether one BLAS thread or all is faster, and needs a way to
limit NumPy's BLAS to one thread; the engine imports only NumPy and SciPy,
so this module gives it ``threadpoolctl``'s (which scikit-learn depends
on). Importing this module installs it; the training loop
(:mod:`skrnn._training`) imports it.
"""

from threadpoolctl import ThreadpoolController

from ._engine.loop_threads import set_blas_limiter

__all__ = ["limit_blas_to_one_thread"]

_controller = None


def limit_blas_to_one_thread():
    """Limit the loaded BLAS libraries to one thread; return the undo.

    Returns
    -------
    callable
        Restores the thread counts this call changed.
    """
    global _controller
    if _controller is None:  # finding the libraries takes about a millisecond
        _controller = ThreadpoolController().select(user_api="blas")
    return _controller.limit(limits=1).restore_original_limits


set_blas_limiter(limit_blas_to_one_thread)
