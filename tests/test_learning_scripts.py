# SPDX-License-Identifier: BSD-3-Clause
"""The learning benchmarks run: skrnn against PyTorch at equal epochs or time.

``benchmarks/learning_char.py`` (a character LSTM's held-out loss per epoch
and in a fixed wall time) and ``benchmarks/learning_tagger.py`` (a
bidirectional LSTM tagger with and without regularisation, on UD
English-EWT) are run by hand for their figures; here their ``--quick`` modes
run, so that neither can rot. Slow: each loads PyTorch and trains.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from _data import SHARED_DATA

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"


def _run(script, *args):
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--quick", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.slow
def test_learning_char_quick_mode(tmp_path):
    # PyTorch is a contender, not a dependency of skrnn; the slow environment
    # installs it and requires it (SKRNN_TEST_REQUIRE=torch: a skip fails).
    pytest.importorskip("torch")
    out = tmp_path / "char.json"
    _run("learning_char.py", "--json", out)
    results = json.loads(out.read_text())
    assert results["epochs"], "per-epoch held-out losses"
    assert results["walltime"], "the fixed-time contest"


@pytest.mark.slow
def test_learning_tagger_quick_mode(tmp_path):
    # as above: the slow environment requires torch
    pytest.importorskip("torch")
    out = tmp_path / "tagger.json"
    _run(
        "learning_tagger.py",
        *("--json", out, "--data", SHARED_DATA, "--data-home", tmp_path),
    )
    results = json.loads(out.read_text())
    contenders = {record["contender"] for record in results["records"]}
    assert contenders == {"skrnn_plain", "skrnn_reg", "torch_plain"}
