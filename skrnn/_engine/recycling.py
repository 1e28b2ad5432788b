# SPDX-License-Identifier: BSD-3-Clause
"""Recycled memory for training loops: each step reuses the last one's pages.

A training step allocates the same large buffers every time (the gates of
every time step, the forward cache, the gradients) and frees them at its
end. glibc hands blocks that large back to the kernel, so every step's
buffers are fresh pages, each costing a page fault and the kernel's zeroing
when the step first writes it. :func:`recycled_memory` keeps them instead:
within it, NumPy allocates array data through ``skrnn._engine._recycling``
(a memory handler, NumPy's NEP 49), which keeps blocks of 256 KiB and more
that arrays free and gives them to the next arrays of about their size.
When the last open scope closes, the kept blocks are freed.

Measured on the character model of ``benchmarks/bench_training.py``
(float32, batch 64, window 64, a 2-core AVX-512 EPYC), ``loss_and_grad``
with pages kept resident against glibc's default: LSTM 19.5 against 16.1 ms
at hidden 64, 220 against 211 ms at 512; GRU 65 against 54 ms at 256; the
vanilla RNN unchanged.

The handler is set for the current thread (NumPy keeps it in a context
variable); other threads allocate as before. Without the extension (an
install without a C compiler, or NumPy older than 1.22),
:func:`recycled_memory` does nothing.
"""

import contextlib
import importlib

__all__ = ["recycled_memory", "recycling_available"]

try:
    _recycling = importlib.import_module("._recycling", __package__)
except ImportError:  # no compiler at install, or NumPy < 1.22
    _recycling = None


def recycling_available():
    """Whether :func:`recycled_memory` keeps blocks (its extension imported)."""
    return _recycling is not None


@contextlib.contextmanager
def recycled_memory():
    """Within this block, freed large arrays are kept for the next ones.

    Scopes nest and may be open in several threads at once; the blocks are
    kept until the last one closes. Arrays made inside may outlive it: they
    are freed as usual.
    """
    if _recycling is None:
        yield
        return
    previous = _recycling.enter()
    try:
        yield
    finally:
        _recycling.exit(previous)
