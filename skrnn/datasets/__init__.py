# SPDX-License-Identifier: BSD-3-Clause
"""Text corpora: bundled with skrnn, or downloaded once and cached.

The ``load_*`` functions read files shipped inside the package and never touch
the network. The ``fetch_*`` functions download a public corpus on first use
into a subfolder of scikit-learn's data home
(:func:`sklearn.datasets.get_data_home`), check each file against a hard-coded
SHA-256, and read it from that cache afterwards:

- :func:`fetch_ud_treebank`: Universal Dependencies English-EWT 2.15, words
  and their UPOS tags, for sequence tagging;
- :func:`fetch_sst2`: SST-2 sentences and their binary polarity, for sequence
  classification (downloaded as ``label<SPACE>text`` lines, checked and cached
  as ``label<TAB>text``).
"""

from ._fetch import fetch_sst2, fetch_ud_treebank
from ._loaders import SEED_TEXT, load_seed_text, load_shakespeare

__all__ = [
    "SEED_TEXT",
    "fetch_sst2",
    "fetch_ud_treebank",
    "load_seed_text",
    "load_shakespeare",
]
