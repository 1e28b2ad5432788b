# SPDX-License-Identifier: BSD-3-Clause
"""The command line, driven as a user drives it: ``python -m skrnn ...``.

Tiny texts and tiny models (hidden 16, one or two epochs) keep each run to
a second or two.
"""

import importlib.metadata
import math
import os
import re
import signal
import subprocess
import sys
import time

import joblib
import pytest

from skrnn import CharRNNGenerator

TEXT = (
    "The quick brown fox jumps over the lazy dog.\n"
    "A stitch in time saves nine; a rolling stone gathers no moss.\n"
) * 40
#: One BLAS thread: the machine's cores are shared with other test runs.
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
TINY = ["--hidden-size", "16", "--seq-length", "16", "--batch-size", "8"]


def skrnn(*args, timeout=120):
    """Run ``python -m skrnn ARGS``; return the completed process."""
    return subprocess.run(
        [sys.executable, "-m", "skrnn", *map(str, args)],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=timeout,
    )


def assert_one_error_line(proc, status, fragment):
    assert proc.returncode == status, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("skrnn: error: ")
    assert fragment in lines[0]
    assert "Traceback" not in proc.stderr + proc.stdout


@pytest.fixture(scope="module")
def text_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "text.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(text_file):
    """A model trained for two epochs, and the output of ``train``."""
    model = text_file.parent / "model.joblib"
    args = ["--epochs", 2, "--random-state", 0]
    proc = skrnn("train", text_file, "--out", model, *TINY, *args)
    assert proc.returncode == 0, proc.stderr
    return model, proc.stdout


def test_train_reports_every_epoch_and_saves_a_fitted_generator(trained):
    model, out = trained
    epochs = re.findall(
        r"^epoch (\d+): loss ([\d.]+), held-out ([\d.]+) nats/char, "
        r"\d+:\d\d elapsed, \d+:\d\d left",
        out,
        flags=re.M,
    )
    assert [e[0] for e in epochs] == ["1", "2"]
    assert f"saved to {model}" in out
    gen = joblib.load(model)
    assert isinstance(gen, CharRNNGenerator)
    assert gen.hidden_size == 16 and len(gen.loss_curve_) == 2
    assert not list(model.parent.glob("*.tmp"))  # the atomic write cleaned up


def test_generate_prints_seed_and_new_text(trained):
    model, _ = trained
    args = ("generate", model, "--seed", "The ", "-n", 30, "--random-state", 1)
    proc = skrnn(*args, "--top-k", 5, "--top-p", 0.9)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("The ")
    assert len(proc.stdout) == len("The ") + 30 + 1  # the final newline
    greedy = skrnn(*args, "--temperature", 0)
    expected = joblib.load(model).generate("The ", 30, temperature=0)
    assert greedy.stdout == expected + "\n"


def test_score_prints_nats_per_char_and_perplexity(trained, text_file):
    model, _ = trained
    proc = skrnn("score", model, text_file)
    assert proc.returncode == 0, proc.stderr
    match = re.fullmatch(
        r"([\d.]+) nats/char \(([\d.]+) bits/char\), perplexity ([\d.]+)\n",
        proc.stdout,
    )
    assert match, proc.stdout
    nats, bits, perplexity = map(float, match.groups())
    assert nats == pytest.approx(-joblib.load(model).score(TEXT), abs=1e-4)
    assert bits == pytest.approx(nats / math.log(2), abs=1e-3)
    assert perplexity == pytest.approx(math.exp(nats), rel=1e-3)


@pytest.mark.parametrize("command", [[], ["train"], ["generate"], ["score"], ["demo"]])
def test_help(command):
    proc = skrnn(*command, "--help")
    assert proc.returncode == 0
    assert proc.stdout.startswith(f"usage: skrnn {' '.join(command)}".rstrip())
    for name in command or ["train", "generate", "score", "demo"]:
        assert name in proc.stdout


@pytest.mark.parametrize(
    "args, fragment",
    [
        ([], "the following arguments are required: COMMAND"),
        (["bogus"], "invalid choice: 'bogus'"),
        (["train", "{text}"], "required: --out"),
        (["train", "{text}", "--out", "m", "--hidden-size", 0], "--hidden-size"),
        (
            ["train", "{text}", "--out", "m", "--epochs", 1, "--minutes", 1],
            "not allowed",
        ),
        (["train", "{text}", "--out", "m", "--validation-fraction", 1], "[0, 1)"),
        (["generate", "{model}", "--temperature", "hot"], "--temperature"),
        (["generate", "{model}", "--top-p", 0], "--top-p"),
        (["demo", "--minutes", -1], "--minutes"),
    ],
)
def test_bad_options_exit_2_with_one_line(args, fragment, tmp_path):
    names = {"text": tmp_path / "t.txt", "model": tmp_path / "m.joblib"}
    args = [str(a).format(**names) for a in args]
    assert_one_error_line(skrnn(*args), 2, fragment)


@pytest.fixture
def files(tmp_path, trained):
    (tmp_path / "not-utf8.txt").write_bytes(b"\xff\xfe\x00abc")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "text.txt").write_text("not a model", encoding="utf-8")
    joblib.dump([1, 2, 3], tmp_path / "list.joblib")
    joblib.dump(CharRNNGenerator(), tmp_path / "unfitted.joblib")
    (tmp_path / "model.joblib").write_bytes(trained[0].read_bytes())
    return tmp_path


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["train", "missing.txt", "--out", "m"], "cannot read 'missing.txt'"),
        (["train", "not-utf8.txt", "--out", "m"], "is not UTF-8 text"),
        (["train", "text.txt", "--out", "no/such/dir/m"], "cannot write"),
        (["train", "empty.txt", "--out", "m"], "is too short to learn from"),
        (["generate", "missing.joblib"], "cannot read 'missing.joblib'"),
        (["generate", "text.txt"], "'text.txt' is not a skrnn model file"),
        (["generate", "list.joblib"], "holds a list, not a CharRNNGenerator"),
        (["generate", "unfitted.joblib"], "not fitted"),
        (["generate", "model.joblib", "--seed", "Zebra€"], "unknown symbol"),
        (["score", "model.joblib", "missing.txt"], "cannot read 'missing.txt'"),
        (["score", "model.joblib", "not-utf8.txt"], "is not UTF-8 text"),
    ],
)
def test_errors_exit_1_with_one_line(args, fragment, files, monkeypatch):
    monkeypatch.chdir(files)
    assert_one_error_line(skrnn(*args), 1, fragment)


def _interruptible():
    """In the child, before exec: SIGINT as at a terminal (its default action).

    A command started in the background by a non-interactive shell (``cmd &``,
    as CI runners and ``nohup`` do) inherits SIGINT ignored, and Python then
    leaves it ignored: Ctrl-C (here, SIGINT) would never reach the CLI.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_interrupted_training_keeps_the_best_model(text_file, tmp_path):
    model = tmp_path / "model.joblib"
    proc = subprocess.Popen(
        [sys.executable, "-m", "skrnn", "train", str(text_file)]
        + ["--out", str(model), *TINY, "--minutes", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
        preexec_fn=_interruptible,
    )
    try:
        deadline = time.monotonic() + 60
        while not model.exists() and proc.poll() is None:
            assert time.monotonic() < deadline, "no model saved within 60 s"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "Interrupted." in out and f"saved to {model}" in out
    assert isinstance(joblib.load(model), CharRNNGenerator)
    assert not list(tmp_path.glob("*.tmp"))


def test_demo_runs_end_to_end():
    proc = skrnn("demo", "--minutes", 0.05, "--hidden-size", 16, "-n", 20)
    assert proc.returncode == 0, proc.stderr
    epoch = r"^epoch 1: loss [\d.]+, held-out [\d.]+ nats/char, \d+s elapsed \| '"
    assert re.search(epoch, proc.stdout, flags=re.M)
    generated = proc.stdout.split("\n\nROMEO:\n")[-1]  # after a blank line
    assert len(generated) == 20 + 1


def test_console_script_entry_point():
    try:
        importlib.metadata.distribution("skrnn")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("skrnn is not installed with metadata (run `pip install -e .`)")
    scripts = importlib.metadata.entry_points(group="console_scripts")
    assert "skrnn" in scripts.names, "reinstall: `pip install -e .`"
    assert scripts["skrnn"].value == "skrnn._cli:main"
