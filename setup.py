# SPDX-License-Identifier: BSD-3-Clause
"""The compiled extensions; everything else is declared in pyproject.toml.

``skrnn._engine._step_kernels`` (Cython over the C of ``_step_kernels.h``)
is built at install time, as scikit-learn builds its own extensions. It is
optional: where it cannot be compiled (no C compiler), setuptools warns and
the install goes on, and skrnn runs on its NumPy engine, saying so with a
``CompiledKernelsWarning`` at the first fit or prediction.

``skrnn._engine._recycling`` (``_recycling.h``), NumPy's memory handler that
keeps a training step's large blocks for the next step, is optional too,
and needs NumPy's headers (a build requirement); without it, training runs
the same, with fresh pages for every step's buffers.
"""

import os

from Cython.Build import cythonize
from setuptools import Extension, setup


def _optional(extensions):
    """The cythonized ``extensions``, optional: a failed build warns only."""
    extensions = cythonize(extensions, language_level=3, quiet=True)
    for built in extensions:  # cythonize makes new Extensions, not optional
        built.optional = True
    return extensions


def step_kernels():
    """The extension, with -O3 and two -fno-... flags where the compiler is GCC-like.

    -O3 vectorises the kernels' loops. -fno-trapping-math lets the compiler
    evaluate both sides of the clamps in tanh (float comparisons may raise
    the "invalid" flag on NaN, so by default it may not make a comparison
    that the C code makes conditionally): without it GCC 12 vectorised the
    forward kernels only with AVX-512's masks, and ran them scalar on every
    other CPU. It changes no value: skrnn enables no floating-point traps,
    and NumPy clears the status flags around its own loops.
    -fno-math-errno lets it vectorise ``sqrt`` (Adam's update): C's ``sqrt``
    sets ``errno`` on a negative argument, so by default each element is a
    scalar call; skrnn never reads ``errno``, and the values are the same.
    """
    flags = [] if os.name == "nt" else ["-O3", "-fno-trapping-math", "-fno-math-errno"]
    extension = Extension(
        "skrnn._engine._step_kernels",
        ["skrnn/_engine/_step_kernels.pyx"],
        depends=["skrnn/_engine/_step_kernels.h"],
        extra_compile_args=flags,
    )
    return _optional([extension])


def recycling():
    """The memory handler, on NumPy's C API of 1.22 (NEP 49's handlers).

    Built against the build environment's NumPy, it imports under any NumPy
    from 1.22 on; under an older one its import fails and skrnn does
    without it. No extension without NumPy's headers.
    """
    try:
        import numpy
    except ImportError:
        return []
    api = "NPY_1_22_API_VERSION"
    extension = Extension(
        "skrnn._engine._recycling",
        ["skrnn/_engine/_recycling.pyx"],
        depends=["skrnn/_engine/_recycling.h"],
        include_dirs=[numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", api), ("NPY_TARGET_VERSION", api)],
    )
    return _optional([extension])


setup(ext_modules=step_kernels() + recycling())
