# SPDX-License-Identifier: BSD-3-Clause
"""Run every benchmark, both with and without the OpenBLAS pin; write the report.

One command::

    python benchmarks/run_all.py              # one run: about 35 minutes on 2 cores
    python benchmarks/run_all.py --runs 3     # three runs, each in its own directory
    python benchmarks/run_all.py --quick      # a smoke run of every script, ~1 minute
    python benchmarks/run_all.py --docs docs/benchmarks   # and refresh the docs page

Each benchmark script runs in its own process, twice: once in the
environment as it is (on this project's machines ``OPENBLAS_CORETYPE=Haswell``
pins NumPy's OpenBLAS to its AVX2 kernels) and once with
``OPENBLAS_CORETYPE`` removed, as on a user's machine, where OpenBLAS picks
the kernels of the CPU it runs on. Each run writes its results to a
directory of its own, ``benchmarks/results/run-<date>-<time>/``
(``<bench>-pinned.json``, ``<bench>-unpinned.json``); then :mod:`report`
reads every run in ``benchmarks/results/`` and writes there ``results.md``
(each figure as its range over the runs, and each run's tables),
``results.rst``, ``summary.md`` (the paragraph for the README) and
``throughput.png``. Move or delete the runs that should not count (an older
version, another machine) before reporting. ``--out DIR`` puts the runs in
``DIR`` instead, and the report covers the runs there.

``--quick`` runs every script with its own ``--quick`` (tiny sizes, one
round, no warm-up: every code path and every importable contender, no
figure worth reading), in the environment as it is, and
``bench_classification.py`` also unpinned, so that the re-run without
``OPENBLAS_CORETYPE`` is exercised too. Its results go to a new temporary
directory (or ``--out``), never to ``benchmarks/results/``, and the report
is made from them. The exit status is non-zero if any script fails, writes
no results or writes no rows, or if the report fails: a smoke run that
cannot pass vacuously. Without PyTorch or Keras the scripts run their
skrnn rows alone.

Run the full benchmarks on a quiet machine: anything else running distorts
every figure, and PyTorch's threads degrade most.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")

#: script, whether a full run includes it, whether ``--quick`` runs it unpinned
BENCHES = [
    ("bench_training.py", True, False),
    ("bench_char_lstm.py", False, False),  # a subset of bench_training
    ("bench_classification.py", True, True),
    ("bench_generation.py", True, False),
    ("bench_tutorial.py", True, False),
    ("bench_memory.py", True, False),
    ("bench_words.py", True, False),
    ("profile_step.py", True, False),
    ("bench_gemm.py", True, False),
]


def bench_name(script):
    """The bench of a script: ``bench_training.py`` -> ``training``."""
    stem = script[: -len(".py")]
    return stem.removeprefix("bench_").removesuffix("_step")


def check_output(path):
    """Why the results at ``path`` are not usable, or None if they are."""
    if not os.path.exists(path):
        return "wrote no results"
    try:
        with open(path) as f:
            rows = json.load(f)["rows"]
    except (OSError, ValueError, KeyError) as exc:
        return f"wrote unreadable results ({exc})"
    return None if rows else "wrote no rows"


def run_once(run_dir, args):
    """Run the scripts once into ``run_dir``; return the failures."""
    os.makedirs(run_dir, exist_ok=True)
    failures = []
    for script, in_full, quick_unpinned in BENCHES:
        if args.only and script not in args.only:
            continue
        if not (args.quick or in_full or args.only):
            continue
        pins = args.pin or (
            ["pinned", "unpinned"]
            if not args.quick
            else ["pinned"] + (["unpinned"] if quick_unpinned else [])
        )
        for pin in pins:
            out = os.path.join(run_dir, f"{bench_name(script)}-{pin}.json")
            cmd = [sys.executable, os.path.join(HERE, script), "--json", out]
            if args.quick:
                cmd.append("--quick")
            if pin == "unpinned":
                cmd.append("--unpinned")
            print(f"\n$ {' '.join(cmd[1:])}", flush=True)
            start = time.perf_counter()
            code = subprocess.call(cmd)
            seconds = time.perf_counter() - start
            problem = f"exit status {code}" if code else check_output(out)
            print(
                f"# {script} ({pin}): {seconds:.0f} s"
                + (f"; FAILED: {problem}" if problem else ""),
                flush=True,
            )
            if problem:
                failures.append(f"{script} ({pin}): {problem}")
    return failures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument(
        "--only", nargs="+", help="run only these scripts (e.g. bench_training.py)"
    )
    parser.add_argument(
        "--pin",
        nargs="+",
        choices=["pinned", "unpinned"],
        help="pinned: the environment as it is; unpinned: OPENBLAS_CORETYPE "
        "removed (default: both; with --quick, see above)",
    )
    parser.add_argument("--runs", type=int, default=1, help="runs, one after another")
    parser.add_argument(
        "--out",
        help="the directory of the runs (default: benchmarks/results, or a new "
        "temporary directory with --quick)",
    )
    parser.add_argument(
        "--docs",
        help="copy the tables, the summary and the plot to this directory "
        "(docs/benchmarks)",
    )
    args = parser.parse_args(argv)
    if args.quick and args.docs:
        parser.error("--docs takes full runs, not --quick ones")
    base = args.out or (
        tempfile.mkdtemp(prefix="skrnn-bench-quick-") if args.quick else RESULTS
    )
    start = time.perf_counter()
    failures = []
    for k in range(args.runs):
        stamp = time.strftime("%Y%m%d-%H%M%S")
        run_dir = os.path.join(
            base, f"run-{stamp}" + (f"-{k}" if args.runs > 1 else "")
        )
        print(f"\n# run {k + 1} of {args.runs}: {run_dir}", flush=True)
        failures += run_once(run_dir, args)
    from report import write_report

    try:
        out, text, run_dirs = write_report(base, args.docs)
    except Exception as exc:  # the report is part of what a run checks
        traceback.print_exc()
        failures.append(f"report.py: {type(exc).__name__}: {exc}")
        out, text, run_dirs = base, "", []
    print(f"\n# report over {len(run_dirs)} run(s) in {base}")
    print(text)
    print(f"Report: {os.path.join(out, 'results.md')}")
    print(f"# run_all.py: {time.perf_counter() - start:.0f} s")
    if failures:
        print("# FAILED:\n" + "\n".join(f"#   {f}" for f in failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
