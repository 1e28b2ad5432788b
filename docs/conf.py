# SPDX-License-Identifier: BSD-3-Clause
"""Sphinx configuration for the skrnn documentation.

Build with ``pip install -e ".[docs]"`` and
``python -m sphinx -b html docs docs/_build/html``.
"""

import skrnn

project = "skrnn"
author = "skrnn developers"
copyright = "2026, skrnn developers"
release = skrnn.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
]

root_doc = "index"
exclude_patterns = ["_build"]

# autosummary writes one page per documented object under generated/.
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}

# numpydoc: sections as in scikit-learn; class members are listed by
# autosummary, not repeated by numpydoc.
numpydoc_show_class_members = False
numpydoc_xref_param_type = True

intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable/", None),
    "scipy": ("https://docs.scipy.org/doc/scipy/", None),
    "sklearn": ("https://scikit-learn.org/stable/", None),
}

html_theme = "pydata_sphinx_theme"
html_title = f"skrnn {release}"
