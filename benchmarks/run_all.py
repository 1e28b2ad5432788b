# SPDX-License-Identifier: BSD-3-Clause
"""Run every benchmark, both with and without the OpenBLAS pin; write the report.

One command::

    python benchmarks/run_all.py              # about 20 minutes on 2 cores
    python benchmarks/run_all.py --quick      # a smoke run of every script
    python benchmarks/run_all.py --docs docs/benchmarks   # and refresh the docs page

Each benchmark script runs in its own process, twice: once in the
environment as it is (on this project's machines ``OPENBLAS_CORETYPE=Haswell``
pins NumPy's OpenBLAS to its AVX2 kernels) and once with
``OPENBLAS_CORETYPE`` removed, as on a user's machine, where OpenBLAS picks
the kernels of the CPU it runs on. Results go to ``benchmarks/results/``
(``<bench>-pinned.json``, ``<bench>-unpinned.json``), and
:mod:`report` turns them into ``results.md`` (the tables) and
``throughput.png`` (the plot).

Run it on a quiet machine: anything else running distorts every figure, and
PyTorch's threads degrade most.
"""

import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")

#: script, full-run arguments, quick-run arguments
BENCHES = [
    ("bench_training.py", [], ["--hidden", "64", "256", "--repeats", "1"]),
    ("bench_classification.py", [], ["--repeats", "1", "--batches", "2"]),
    ("bench_generation.py", [], ["--repeats", "1"]),
    ("bench_tutorial.py", [], ["--repeats", "1"]),
    ("bench_memory.py", [], []),
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument(
        "--only", nargs="+", help="run only these scripts (e.g. bench_training.py)"
    )
    parser.add_argument(
        "--pin",
        nargs="+",
        default=["pinned", "unpinned"],
        choices=["pinned", "unpinned"],
        help="pinned: the environment as it is; unpinned: OPENBLAS_CORETYPE removed",
    )
    parser.add_argument(
        "--docs",
        help="copy the tables and the plot to this directory (docs/benchmarks)",
    )
    args = parser.parse_args(argv)
    os.makedirs(RESULTS, exist_ok=True)
    status = 0
    for script, full, quick in BENCHES:
        if args.only and script not in args.only:
            continue
        name = script[len("bench_") : -len(".py")]
        for pin in args.pin:
            out = os.path.join(RESULTS, f"{name}-{pin}.json")
            cmd = [sys.executable, os.path.join(HERE, script), "--json", out]
            cmd += quick if args.quick else full
            if pin == "unpinned":
                cmd.append("--unpinned")
            print(f"\n$ {' '.join(cmd[1:])}", flush=True)
            start = time.perf_counter()
            code = subprocess.call(cmd)
            print(
                f"# {script} ({pin}): {time.perf_counter() - start:.0f} s", flush=True
            )
            status = status or code
    from report import write_report

    write_report(RESULTS, args.docs)
    print(f"\nReport: {os.path.join(RESULTS, 'results.md')}")
    return status


if __name__ == "__main__":
    sys.exit(main())
