# SPDX-License-Identifier: BSD-3-Clause
"""One BLAS thread or all for the time loop's small products, as measured.

A time loop makes one small product per step (``h @ W_hh`` forward,
``d_gates @ W_hh.T`` backward), with the step's element-wise work and
Python between them. OpenBLAS runs a product of ``M*N*K`` up to 262,144 on
one thread and larger ones on all of its threads. Just above that bound a
product takes microseconds, and whether a second thread pays depends on the
machine, and on this project's 2-vCPU benchmark machine on the minute: in
its fast mode, two threads made a training step (float32, batch 64, window
64) 10% faster than one at products of about 1M multiply-adds (LSTM at
hidden 64: 8.5 against 9.6 ms; vanilla cell at 128: 8.0 against 9.0 ms);
in its slow mode (docs/engine.rst, "Speed"), one thread in the loop made
it 15% to 40% faster (the LSTM at 64: 11.4 against 15.8 ms; the vanilla
cell at 128: 11.3 against 13.4 ms). At 4M (the LSTM at hidden 128), two
threads were 20% faster in the fast mode and one 10% to 20% faster in the
slow one.

So for products in that window (above 262,144 and up to
:data:`SMALL_PRODUCT`), :func:`loop_threads` measures: per kind of loop
(forward, backward) and product shape, the first loops alternate between
one BLAS thread and all of them, and once each setting has run
:data:`TRIALS` loops, the one of lower median time per step runs the next
:data:`RETUNE` loops; then it measures again, following the machine. The
weight gradients after the loop are single large products and keep every
thread.

The engine imports no thread controller: :func:`set_blas_limiter` gives it
one, and until then loops leave the threads alone. skrnn's training loop
gives it ``threadpoolctl``'s (a dependency of scikit-learn; see
``skrnn/_blas_threads.py``). The limit is process-wide while any loop holds
it, and restored when the last one ends. OpenBLAS's products give the same
bits at any thread count (it splits the rows and columns of the result,
never a sum; the tests check it on a training step), so results do not
depend on the choice, only the time does.
"""

import contextlib
import statistics
import threading
import time

__all__ = ["RETUNE", "SMALL_PRODUCT", "TRIALS", "loop_threads", "set_blas_limiter"]

#: OpenBLAS runs a product of M*N*K at most this on one thread by itself
#: (its GEMM_MULTITHREAD_THRESHOLD of 4, times 65,536).
_OPENBLAS_ONE_THREAD = 4 * 65536
#: Products of M*N*K up to this have their loop's BLAS threads measured
#: (batch 64: the LSTM and GRU up to hidden 128, the vanilla cell to 256).
SMALL_PRODUCT = 1 << 23
#: Loops timed with each setting before choosing.
TRIALS = 3
#: Loops run with the choice before measuring again.
RETUNE = 50

_lock = threading.Lock()
_holders = 0
_restore = None
_limit_to_one = None


def set_blas_limiter(limit_to_one):
    """Give the time loops a way to run NumPy's BLAS on one thread.

    Parameters
    ----------
    limit_to_one : callable or None
        ``limit_to_one()`` limits NumPy's BLAS to one thread and returns a
        callable that restores what it changed. None: the loops leave the
        threads alone.
    """
    global _limit_to_one
    _limit_to_one = limit_to_one


@contextlib.contextmanager
def _one_blas_thread():
    global _holders, _restore
    with _lock:
        if _holders == 0:
            _restore = _limit_to_one()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0:
                _restore()
                _restore = None


class _Tuner:
    """The choice between one BLAS thread and all for one product size.

    ``setting()`` says which to run next; ``record(setting, seconds)`` takes
    the time per step of a loop run with it.
    """

    __slots__ = ("times", "choice", "loops_left")

    def __init__(self):
        self.times = {"one": [], "all": []}
        self.choice = None  # None while measuring
        self.loops_left = 0

    def setting(self):
        if self.choice is not None:
            return self.choice
        one, every = self.times["one"], self.times["all"]
        return "one" if len(one) <= len(every) else "all"

    def record(self, setting, seconds):
        if self.choice is not None:
            self.loops_left -= 1
            if self.loops_left <= 0:  # measure again
                self.times = {"one": [], "all": []}
                self.choice = None
            return
        self.times[setting].append(seconds)
        one, every = self.times["one"], self.times["all"]
        if len(one) >= TRIALS and len(every) >= TRIALS:
            faster = statistics.median(one) < statistics.median(every)
            self.choice = "one" if faster else "all"
            self.loops_left = RETUNE


_tuners = {}


@contextlib.contextmanager
def _measured(tuner, n_steps):
    setting = tuner.setting()
    start = time.perf_counter()
    if setting == "one":
        with _one_blas_thread():
            yield
    else:
        yield
    tuner.record(setting, (time.perf_counter() - start) / max(n_steps, 1))


def loop_threads(kind, n_rows, inner, width, n_steps):
    """The BLAS threads for a loop of products ``(n_rows, inner) @ (inner, width)``.

    Parameters
    ----------
    kind : str
        What the loop is (``"forward"``, ``"backward"``): loops of one kind
        and product size are timed against each other.
    n_rows, inner, width : int
        The largest product of the loop (``n_rows`` the batch).
    n_steps : int
        The loop's steps (its time is compared per step).

    Returns
    -------
    context manager
        For products of ``M*N*K`` above 262,144 and up to
        :data:`SMALL_PRODUCT`, one BLAS thread or all, as measured (see the
        module's docstring); otherwise, or without a limiter
        (:func:`set_blas_limiter`), nothing changes.
    """
    mnk = n_rows * inner * width
    if _limit_to_one is None or not _OPENBLAS_ONE_THREAD < mnk <= SMALL_PRODUCT:
        return contextlib.nullcontext()
    key = (kind, n_rows, inner, width)
    tuner = _tuners.get(key)
    if tuner is None:
        tuner = _tuners.setdefault(key, _Tuner())
    return _measured(tuner, n_steps)
