# SPDX-License-Identifier: BSD-3-Clause
"""Build the spike's extension under several compiler flags (see README.md).

Usage, from this folder, with Cython installed::

    python build.py

writes ``k_scalar`` (-O3), ``k_sse`` (-O3 -ffast-math), ``k_avx2`` (and
-mavx2 -mfma) and ``k_native`` (and -march=native: glibc's libmvec then
vectorises expf and tanhf) next to this file.
"""

import shutil
import sys

from Cython.Build import cythonize
from setuptools import Extension, setup

VARIANTS = {
    "k_scalar": ["-O3"],
    "k_sse": ["-O3", "-ffast-math"],
    "k_avx2": ["-O3", "-ffast-math", "-mavx2", "-mfma"],
    "k_native": ["-O3", "-ffast-math", "-march=native"],
}


def build(name, flags):
    """Compile ``kern.pyx`` as the module ``name`` with ``flags``."""
    shutil.copy("kern.pyx", f"{name}.pyx")
    extension = Extension(
        name,
        [f"{name}.pyx"],
        include_dirs=["."],
        extra_compile_args=[*flags, "-fopenmp"],
        extra_link_args=["-fopenmp", "-lmvec", "-lm"],
    )
    setup(
        name=name,
        ext_modules=cythonize([extension], quiet=True),
        script_args=["build_ext", "--inplace", "-q"],
    )


if __name__ == "__main__":
    for name in sys.argv[1:] or VARIANTS:
        build(name, VARIANTS[name])
