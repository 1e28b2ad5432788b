# SPDX-License-Identifier: BSD-3-Clause
"""The ``>>>`` examples of the documentation's pages run and print what they show.

Every ``.rst`` page under ``docs/`` that holds a ``>>>`` prompt is run as a
doctest file, so an example that stops working, or whose shown output goes
stale, fails the suite (the docstrings' examples run with
``--doctest-modules``).
"""

import doctest
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = sorted(
    p
    for p in DOCS.rglob("*.rst")
    if "_build" not in p.parts and ">>>" in p.read_text(encoding="utf-8")
)


def test_pages_with_examples_are_found():
    # docs/index.rst shows the quick start as a doctest; if the glob above
    # found nothing, every test below would vanish without a failure.
    assert DOCS / "index.rst" in PAGES


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_page_examples(page):
    result = doctest.testfile(
        str(page),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        raise_on_error=False,
        verbose=False,
        report=True,
    )
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} of {result.attempted} failed"
