# SPDX-License-Identifier: BSD-3-Clause
"""The README's quick start runs as written (slow: it trains for real)."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.slow
def test_readme_quick_start_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README has no Python quick start"
    namespace = {}
    exec(compile(blocks[0], str(README), "exec"), namespace)
    clf, gen = namespace["clf"], namespace["gen"]
    X, y = namespace["X"], namespace["y"]
    assert clf.score(X, y) > 0.9
    assert gen.loss_curve_[-1] < 1.9
    assert capsys.readouterr().out.startswith("ROMEO:")


def test_readme_words_example_runs():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    words = [b for b in blocks if "TextTokenizer" in b]
    assert len(words) == 1, "the README shows words in one block"
    namespace = {}
    exec(compile(words[0], str(README), "exec"), namespace)
    assert namespace["sentiment"].predict(["a funny film"]).shape == (1,)
    tags = namespace["tagger"].predict([["The", "dog", "sat"]])
    assert [len(t) for t in tags] == [3]


def test_readme_seq2seq_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    seq2seq = [b for b in blocks if "RNNSeq2Seq" in b]
    assert len(seq2seq) == 1, "the README shows the encoder-decoder in one block"
    namespace = {}
    exec(compile(seq2seq[0], str(README), "exec"), namespace)
    assert namespace["model"].predict(["spot", "opts"]) == ["tops", "stpo"]
    assert capsys.readouterr().out.startswith("['pots']")
