# SPDX-License-Identifier: BSD-3-Clause
"""Which code runs a cell's step: the compiled kernels, or NumPy.

The element-wise work of a time step (gates, activations, state update, and
their derivatives) is compiled at install time into
``skrnn._engine._step_kernels`` (Cython over the C of ``_step_kernels.h``):
one pass over the step's rows instead of 5 to 25 NumPy calls; the
softmax cross-entropy of :mod:`~skrnn._engine.losses`, the sampling of
:mod:`~skrnn._engine.sampling` and Adam's update of
:mod:`~skrnn._engine.optimizers` (bit-identical to its NumPy code). The NumPy code of
:mod:`skrnn._engine.cells` and :mod:`~skrnn._engine.losses` stays as the
reference: the tests check
the compiled steps against it, and it runs wherever the extension is
missing (an install without a C compiler), after a
:class:`CompiledKernelsWarning` at the first forward pass (the first fit or
prediction).

The choice is made when a forward pass allocates its buffers
(:meth:`~skrnn._engine.cells._Cell.allocate`), for float32 and float64
arrays. The environment variable ``SKRNN_ENGINE`` chooses for a whole
process: ``compiled`` (the default) or ``numpy``; :func:`engine` chooses for
a block of code (tests and benchmarks compare the two this way).
"""

import contextlib
import importlib
import os
import warnings

import numpy as np

__all__ = [
    "ENGINE_VARIABLE",
    "CompiledKernelsWarning",
    "compiled_available",
    "engine",
    "engine_description",
    "step_kernels",
]

#: The environment variable that chooses the engine for a process.
ENGINE_VARIABLE = "SKRNN_ENGINE"

_ENGINES = ("compiled", "numpy")


class CompiledKernelsWarning(UserWarning):
    """skrnn's compiled kernels are missing: the slower NumPy engine runs.

    Given once per process, at the first forward pass (the first fit or
    prediction) of an install without the extension (installed where no C
    compiler was found); ``skrnn.exceptions`` imports it without giving it,
    so that it can be filtered first. Results are the same; training and
    generation are slower. Reinstall with a C compiler to build the kernels.
    """


try:
    _compiled = importlib.import_module("._step_kernels", __package__)
except ImportError as exc:  # an install without a C compiler
    _compiled = None
    _missing = [str(exc)]  # emptied once the warning is given
else:
    _missing = []


def _warn_missing():
    """Warn, once per process, that the NumPy engine runs for want of kernels."""
    try:
        reason = _missing.pop()
    except IndexError:  # given already (or by another thread just now)
        return
    warnings.warn(
        f"skrnn's compiled kernels are not available ({reason}); the NumPy "
        "engine runs instead, with the same results, more slowly. Reinstall "
        "skrnn where a C compiler is available to build them.",
        CompiledKernelsWarning,
        stacklevel=4,
    )


def _engine_from_environment():
    value = os.environ.get(ENGINE_VARIABLE, "compiled").strip().lower()
    if value not in _ENGINES:
        raise ValueError(
            f"{ENGINE_VARIABLE}={value!r}: the engine must be one of {_ENGINES}"
        )
    return value


_selected = [_engine_from_environment()]


def compiled_available():
    """Whether the compiled kernels were built and import."""
    return _compiled is not None


def engine_description():
    """The engine selected now, for reports: ``'numpy'`` or, e.g.,
    ``'compiled (avx512f)'`` (the instruction set of the kernels that run)."""
    if _selected[0] != "compiled" or _compiled is None:
        return "numpy"
    return f"compiled ({_compiled.instruction_set()})"


def step_kernels(dtype):
    """The compiled kernels for arrays of ``dtype``, or None for NumPy.

    Parameters
    ----------
    dtype : numpy dtype

    Returns
    -------
    module or None
        ``skrnn._engine._step_kernels`` if it is available and selected
        and ``dtype`` is float32 or float64; None otherwise.
    """
    if _selected[0] != "compiled":
        return None
    if _compiled is None:
        _warn_missing()
        return None
    if dtype not in (np.float32, np.float64):
        return None
    return _compiled


@contextlib.contextmanager
def engine(name):
    """Run the block on the ``'compiled'`` or the ``'numpy'`` engine.

    The choice is the process's, not the thread's: a block in one thread
    changes what every thread allocates meanwhile. It is meant for tests and
    benchmarks; ``SKRNN_ENGINE`` chooses for a whole process.

    Parameters
    ----------
    name : {'compiled', 'numpy'}

    Raises
    ------
    ValueError
        For another name, or ``'compiled'`` where the kernels are missing.
    """
    if name not in _ENGINES:
        raise ValueError(f"engine must be one of {_ENGINES}, got {name!r}")
    if name == "compiled" and _compiled is None:
        raise ValueError("the compiled kernels are not available in this install")
    previous = _selected[0]
    _selected[0] = name
    try:
        yield
    finally:
        _selected[0] = previous
