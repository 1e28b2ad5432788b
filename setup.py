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
    """The extension: -O3 (vectorised loops) where the compiler is GCC-like."""
    flags = [] if os.name == "nt" else ["-O3"]
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
