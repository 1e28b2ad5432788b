# SPDX-License-Identifier: BSD-3-Clause
# cython: language_level=3
"""The Python side of ``_recycling.h``: a NumPy memory handler that keeps
freed blocks for the next arrays of their size, within scopes.

Built against NumPy's C API of version 1.22 (NEP 49, memory handlers); with
an older NumPy the import fails and :mod:`skrnn._engine.recycling` does
without it.
"""

cdef extern from "_recycling.h":
    int skrnn_recycling_init() except -1
    object skrnn_recycling_enter()
    int skrnn_recycling_exit(object previous) except -1
    void skrnn_recycling_kept(int *n, size_t *nbytes)

try:
    skrnn_recycling_init()
except Exception as exc:  # NumPy older than 1.22 refuses the C API
    raise ImportError(f"skrnn._engine._recycling cannot start: {exc}") from exc


def enter():
    """Open a scope: this context's new arrays get the recycling handler.

    Returns
    -------
    object
        The handler the context had, to give to :func:`exit`.
    """
    return skrnn_recycling_enter()


def exit(previous):
    """Close a scope opened by :func:`enter` (the last one frees the kept blocks)."""
    skrnn_recycling_exit(previous)


def kept():
    """The number of blocks kept and their bytes, as a tuple."""
    cdef int n
    cdef size_t nbytes
    skrnn_recycling_kept(&n, &nbytes)
    return n, nbytes
