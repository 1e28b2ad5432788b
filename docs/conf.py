# SPDX-License-Identifier: BSD-3-Clause
"""Sphinx configuration for the skrnn documentation.

Build with ``tox -e docs``, or by hand::

    pip install -e ".[docs]"
    MPLBACKEND=Agg sphinx-build -W --keep-going -b html docs docs/_build/html

The build needs no network: there is no intersphinx (names from numpy,
scipy and scikit-learn are written as literal text), and the theme's assets
ship with it. sphinx-gallery runs every ``examples/plot_*.py`` (a few minutes
on two cores) and renders its output and figures under ``auto_examples/``.
"""

import re

import skrnn

project = "skrnn"
author = "skrnn developers"
copyright = "2026, skrnn developers"
release = skrnn.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
default_role = "literal"

# autosummary writes one page per documented object under generated/, with
# the class template of _templates/autosummary/ (a table of the methods,
# then each method in full).
autosummary_generate = True
autodoc_default_options = {"members": True}
autodoc_typehints = "none"

# numpydoc: sections as in scikit-learn; class members are listed by the
# autosummary template, not repeated by numpydoc.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# sphinx-gallery: run every example and keep its printed output and figures.
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "image_scrapers": ("matplotlib",),
    "doc_module": ("skrnn",),
    "reference_url": {"skrnn": None},
    "backreferences_dir": "generated/backreferences",
    "remove_config_comments": True,
    "download_all_examples": False,
    "within_subsection_order": "FileNameSortKey",
    "min_reported_time": 1,
}

html_theme = "pydata_sphinx_theme"
html_title = f"skrnn {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "header_links_before_dropdown": 6,
}
html_sidebars = {page: [] for page in ("index", "install", "engine", "design_notes")}
html_show_sourcelink = False
html_copy_source = False


# scikit-learn's inherited docstrings (get_params, score, ...) refer to its
# own glossary and user guide; here those references become plain text, so
# that the build has no dangling references and needs no intersphinx.
_TERM = re.compile(r":(?:term|ref|doc):`([^`<]*?)\s*(?:<[^`>]*>)?`")


def _plain_sklearn_references(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", "") or ""
    if not module.startswith("sklearn"):
        return
    for i, line in enumerate(lines):
        lines[i] = _TERM.sub(lambda m: m.group(1), line)


def setup(app):
    app.connect("autodoc-process-docstring", _plain_sklearn_references)
