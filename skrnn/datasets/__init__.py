# SPDX-License-Identifier: BSD-3-Clause
"""Text corpora bundled with skrnn.

Both loaders read files shipped inside the package; nothing is ever
downloaded.
"""

from ._loaders import SEED_TEXT, load_seed_text, load_shakespeare

__all__ = ["SEED_TEXT", "load_seed_text", "load_shakespeare"]
