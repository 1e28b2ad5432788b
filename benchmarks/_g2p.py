# SPDX-License-Identifier: BSD-3-Clause
"""What the grapheme-to-phoneme benchmarks share: their scores and their data.

A word of CMUdict may have several listed pronunciations (``either``:
``IY1 DH ER0`` and ``AY1 DH ER0``), and a prediction is scored against all of
them. For ``n`` words, word ``i`` with the predicted phonemes ``p_i`` and the
listed pronunciations ``R_i``:

word error rate
    ``WER = #{i : p_i is not in R_i} / n``: the fraction of words whose
    prediction equals none of the listed pronunciations.
phoneme error rate
    ``PER = sum_i d(p_i, r_i) / sum_i len(r_i)``, where ``d`` is the edit
    distance and ``r_i`` the closest listed pronunciation: the one of ``R_i``
    with the smallest ``d(p_i, r)``, the first listed of those at that
    distance. Errors and reference lengths are summed over the words before
    the division (a long word weighs more than a short one), so that PER is
    the number of phoneme edits per reference phoneme.

``d`` is the Levenshtein distance between phoneme sequences: the fewest
substitutions, insertions and deletions of one phoneme each, every one of
cost 1, that turn one sequence into the other. Phonemes are compared as whole
symbols, stress included: ``AH0`` for ``AH1`` is a substitution.
"""

import tempfile
from pathlib import Path

import numpy as np

__all__ = [
    "closest_pronunciation",
    "edit_distance",
    "fetch_g2p",
    "g2p_scores",
    "phoneme_error_rate",
    "run_in_data_home",
    "sample_words",
    "word_error_rate",
]


def edit_distance(a, b):
    """The Levenshtein distance between two sequences of phonemes.

    Parameters
    ----------
    a, b : sequence of str
        Phoneme sequences.

    Returns
    -------
    int
        The fewest substitutions, insertions and deletions (each of cost 1)
        that turn ``a`` into ``b``.
    """
    previous = list(range(len(b) + 1))  # distances from a[:0] to b[:j]
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(
                min(
                    previous[j] + 1,  # delete x
                    current[j - 1] + 1,  # insert y
                    previous[j - 1] + (x != y),  # substitute (or keep) x
                )
            )
        previous = current
    return previous[-1]


def closest_pronunciation(prediction, pronunciations):
    """The listed pronunciation nearest to ``prediction``, and its distance.

    Parameters
    ----------
    prediction : sequence of str
    pronunciations : sequence of sequence of str
        The word's listed pronunciations, at least one.

    Returns
    -------
    distance : int
        The smallest :func:`edit_distance` from ``prediction``.
    pronunciation : sequence of str
        The first listed pronunciation at that distance.
    """
    distances = [edit_distance(prediction, r) for r in pronunciations]
    best = distances.index(min(distances))
    return distances[best], pronunciations[best]


def _check_phonemes(sequence, what):
    """A ValueError unless ``sequence`` is a list or tuple of str."""
    if not isinstance(sequence, (list, tuple)) or not all(
        isinstance(phoneme, str) for phoneme in sequence
    ):
        raise ValueError(
            f"{what} must be a list of phoneme strings, such as ['K', 'AE1', "
            f"'T']; got {sequence!r} instead."
        )


def _check_scored(predictions, references):
    """A ValueError unless the arguments of the scores are of their forms."""
    if len(predictions) != len(references):
        raise ValueError(
            f"predictions and references must have one entry per word; got "
            f"{len(predictions)} predictions and {len(references)} references."
        )
    if not references:
        raise ValueError("There are no words to score.")
    for i, (prediction, listed) in enumerate(zip(predictions, references, strict=True)):
        _check_phonemes(prediction, f"predictions[{i}]")
        if not isinstance(listed, (list, tuple)) or not listed:
            raise ValueError(
                f"references[{i}] must be a non-empty list of the word's listed "
                f"pronunciations; got {listed!r} instead."
            )
        for k, pronunciation in enumerate(listed):
            _check_phonemes(pronunciation, f"references[{i}][{k}]")
            if not pronunciation:
                raise ValueError(f"references[{i}][{k}] is an empty pronunciation.")


def word_error_rate(predictions, references):
    """The fraction of words whose prediction is none of their pronunciations.

    Parameters
    ----------
    predictions : sequence of list of str
        One predicted phoneme sequence per word.
    references : sequence of list of list of str
        Each word's listed pronunciations (at least one, none empty).

    Returns
    -------
    float
        In [0, 1].
    """
    _check_scored(predictions, references)
    wrong = sum(
        list(prediction) not in [list(r) for r in listed]
        for prediction, listed in zip(predictions, references, strict=True)
    )
    return wrong / len(references)


def phoneme_error_rate(predictions, references):
    """Edits to the closest listed pronunciation, per phoneme of that one.

    ``sum_i d(p_i, r_i) / sum_i len(r_i)``, with ``r_i`` the listed
    pronunciation closest to the prediction ``p_i`` (the first listed of the
    closest); see the module's docstring.

    Parameters
    ----------
    predictions : sequence of list of str
        One predicted phoneme sequence per word.
    references : sequence of list of list of str
        Each word's listed pronunciations (at least one, none empty).

    Returns
    -------
    float
        At least 0; above 1 if the predictions are much longer than the
        references.
    """
    _check_scored(predictions, references)
    edits = length = 0
    for prediction, listed in zip(predictions, references, strict=True):
        distance, closest = closest_pronunciation(prediction, listed)
        edits += distance
        length += len(closest)
    return edits / length


def g2p_scores(predictions, references):
    """``{'wer': ..., 'per': ..., 'n_words': ...}`` of the predictions."""
    return {
        "wer": word_error_rate(predictions, references),
        "per": phoneme_error_rate(predictions, references),
        "n_words": len(references),
    }


def fetch_g2p(subset, *, data_home=None, shared_data=None, expand_variants=False):
    """A subset of CMUdict from :func:`skrnn.datasets.fetch_cmudict`.

    Parameters
    ----------
    subset : {'train', 'dev', 'test', 'all'}
    data_home : str or Path, default=None
        The loader's cache (None: scikit-learn's data home).
    shared_data : str or Path, default=None
        A folder holding ``cmudict/cmudict.dict`` (the project's shared data,
        ``../shared/data``): the file is cached from there through a
        ``file://`` URL instead of being downloaded.
    expand_variants : bool, default=False
        One row per pronunciation instead of one per word.

    Returns
    -------
    sklearn.utils.Bunch
        As :func:`~skrnn.datasets.fetch_cmudict` returns it (split of
        random_state=0).
    """
    from skrnn.datasets import fetch_cmudict

    base_url = None
    if shared_data is not None:
        folder = Path(shared_data).resolve() / "cmudict"
        if not (folder / "cmudict.dict").is_file():
            raise ValueError(f"{folder} holds no cmudict.dict.")
        base_url = folder.as_uri() + "/"
    return fetch_cmudict(
        subset,
        data_home=data_home,
        base_url=base_url,
        expand_variants=expand_variants,
    )


def sample_words(words, limit, seed):
    """The rows kept by ``--limit``: those of ``limit`` words drawn at random.

    ``words`` may repeat a word on consecutive rows (one per pronunciation);
    the rows kept are those of the drawn words. Returns row indices (all of
    them when ``limit`` is None or not below the number of words).
    """
    unique = list(dict.fromkeys(words))
    if limit is None or limit >= len(unique):
        return np.arange(len(words))
    drawn = np.random.RandomState(seed).choice(len(unique), limit, replace=False)
    keep = {unique[i] for i in drawn}
    return np.array([i for i, word in enumerate(words) if word in keep])


def run_in_data_home(run, args):
    """``run(args, data_home)``: with ``--shared-data`` and no ``--data-home``,
    in a temporary data home that the shared file is cached into."""
    if args.data_home is None and args.shared_data is not None:
        with tempfile.TemporaryDirectory(prefix="skrnn_g2p_") as home:
            return run(args, Path(home))
    return run(args, args.data_home)
