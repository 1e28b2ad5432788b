# SPDX-License-Identifier: BSD-3-Clause
"""The project's shared real data, for the tests (never the internet).

``SHARED_DATA`` is ``../shared/data`` beside the project (CI has it there).
:func:`seed_data_home` fills a scikit-learn data home with it through the
loaders themselves (``file://`` URLs: the same download, checksum and atomic
cache as for a user), so that examples calling ``fetch_*`` run offline.
"""

from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def seed_data_home(data_home):
    """Cache the UD treebank and SST-2 from ``SHARED_DATA`` in ``data_home``."""
    from skrnn.datasets import fetch_sst2, fetch_ud_treebank

    for fetch, folder in (
        (fetch_ud_treebank, "ud-english-ewt"),
        (fetch_sst2, "sentiment"),
    ):
        url = (SHARED_DATA / folder).as_uri() + "/"
        for subset in ("train", "dev", "test"):
            fetch(subset, data_home=data_home, base_url=url)
