# SPDX-License-Identifier: BSD-3-Clause
"""The compiled step kernels; everything else is declared in pyproject.toml.

``skrnn._engine._step_kernels`` (Cython over the C of ``_step_kernels.h``)
is built at install time, as scikit-learn builds its own extensions. It is
optional: where it cannot be compiled (no C compiler), setuptools warns and
the install goes on, and skrnn runs on its NumPy engine, saying so with a
``CompiledKernelsWarning`` at the first fit or prediction.
"""

import os

from Cython.Build import cythonize
from setuptools import Extension, setup


def step_kernels():
    """The extension, with -O3 -fno-trapping-math where the compiler is GCC-like.

    -O3 vectorises the kernels' loops. -fno-trapping-math lets the compiler
    evaluate both sides of the clamps in tanh (float comparisons may raise
    the "invalid" flag on NaN, so by default it may not make a comparison
    that the C code makes conditionally): without it GCC 12 vectorised the
    forward kernels only with AVX-512's masks, and ran them scalar on every
    other CPU. It changes no value: skrnn enables no floating-point traps,
    and NumPy clears the status flags around its own loops.
    """
    flags = [] if os.name == "nt" else ["-O3", "-fno-trapping-math"]
    extension = Extension(
        "skrnn._engine._step_kernels",
        ["skrnn/_engine/_step_kernels.pyx"],
        depends=["skrnn/_engine/_step_kernels.h"],
        extra_compile_args=flags,
    )
    extensions = cythonize([extension], language_level=3, quiet=True)
    for built in extensions:  # cythonize makes new Extensions, not optional
        built.optional = True
    return extensions


setup(ext_modules=step_kernels())
