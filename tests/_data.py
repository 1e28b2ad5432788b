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
    """Cache the UD treebank, SST-2 and CMUdict from ``SHARED_DATA`` in ``data_home``.

    CMUdict is one file, which every subset reads: loading one subset caches it.
    """
    from skrnn.datasets import fetch_cmudict, fetch_sst2, fetch_ud_treebank

    for fetch, folder, subsets in (
        (fetch_ud_treebank, "ud-english-ewt", ("train", "dev", "test")),
        (fetch_sst2, "sentiment", ("train", "dev", "test")),
        (fetch_cmudict, "cmudict", ("all",)),
    ):
        url = (SHARED_DATA / folder).as_uri() + "/"
        for subset in subsets:
            fetch(subset, data_home=data_home, base_url=url)
