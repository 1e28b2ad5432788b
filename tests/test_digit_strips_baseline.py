# SPDX-License-Identifier: BSD-3-Clause
"""The digit-strip benchmarks run, end to end: the SVC baseline and RNNSeq2Seq.

``benchmarks/digit_strips_baseline.py`` is run by hand for its figures; here
it runs on a few hundred strips, so that it cannot rot. Marked slow as the
other benchmark runs are (tests/test_learning_scripts.py), though it takes
about 2 s: 48 small SVC fits.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[1] / "benchmarks" / "digit_strips_baseline.py"


@pytest.mark.slow
def test_digit_strips_baseline_runs_on_tiny_sizes(tmp_path):
    out = tmp_path / "baseline.json"
    args = ["--n-train", 300, "--n-test", 60, "--max-digits", 3, "--seed", 1]
    result = subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args), "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "exact-match accuracy" in result.stdout
    assert "character error rate" in result.stdout

    results = json.loads(out.read_text())
    assert (results["n_train"], results["n_test"]) == (300, 60)
    assert len(results["chosen"]) == len(results["position_accuracy"]) == 3
    # far better than chance even on 300 strips (measured: 0.90 exact, CER 0.05)
    assert results["exact_match"] > 0.3
    assert 0 <= results["character_error_rate"] < 0.5
    assert all(0 <= accuracy <= 1 for accuracy in results["position_accuracy"])


@pytest.mark.slow
def test_digit_strips_seq2seq_runs_on_tiny_sizes():
    script = SCRIPT.with_name("digit_strips_seq2seq.py")
    args = ["--n-train", 300, "--n-test", 60, "--epochs", 2, "--beam", 2]
    result = subprocess.run(
        [sys.executable, str(script), *map(str, args), "--threads", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads(result.stdout.splitlines()[-1])
    assert (results["n_train"], results["n_test"], results["beam"]) == (300, 60, 2)
    assert 0 <= results["exact_match"] <= 1
    assert 0 <= results["character_error_rate"] and results["fit_seconds"] > 0
