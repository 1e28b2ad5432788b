# SPDX-License-Identifier: BSD-3-Clause
"""The training step's matrix products: NumPy's BLAS against PyTorch's.

A training step of a recurrent layer spends most of its time in three
matrix products (``profile_step.py`` shows the split): at every time step
``h @ W_hh`` forward and ``d_gates @ W_hh.T`` backward, each with the batch's
rows (64) only, and after the loop the weight gradient ``h_prev.T @
d_gates`` over all the batch's rows (batch x window). skrnn makes them
through NumPy's BLAS (OpenBLAS in NumPy's wheels); PyTorch through its own
(MKL on x86-64, in its CPU wheels). This script times the same products,
with the same shapes and float32 operands, in both, alternating, so that
the training benchmark's ratios can be split into what the products cost
and what the rest costs.

The operands are laid out as the engine lays them out: ``W_hh`` and its
transpose copied into rows a cache line apart from a multiple of 2 KiB
(``skrnn._engine.cells.unaliased_copy``), ``h_prev.T`` a transposed view.
NumPy runs at the environment's BLAS threads, as the engine does, and
(``numpy1``) on one thread (``threadpoolctl``); PyTorch at 1 and 2 threads
(``torch.mm`` with ``out=``).

Columns: each product's time in microseconds for each contender; NumPy's
rate (at the environment's threads) and PyTorch's (its better setting) in
GFLOP/s; and ``numpy_over_torch``, NumPy's time over PyTorch's better (above
1: PyTorch's product is faster).

Usage::

    python benchmarks/bench_gemm.py                  # LSTM, hidden 64 to 512
    python benchmarks/bench_gemm.py --cell gru rnn --hidden 128
    python benchmarks/bench_gemm.py --json results/gemm.json
    python benchmarks/bench_gemm.py --quick          # smoke run, seconds
"""

import argparse
import sys

import numpy as np
from _harness import (
    TORCH_THREADS,
    add_output_arguments,
    alternate,
    apply_quick,
    describe,
    environment,
    import_torch,
    output_path,
    rerun_unpinned,
    save_json,
    torch_contenders,
)
from threadpoolctl import ThreadpoolController

from skrnn._engine.cells import unaliased_copy

#: gate blocks of each cell: the recurrent weights are (H, GATES * H)
GATES = {"rnn": 1, "gru": 3, "lstm": 4}
QUICK = dict(cell=["lstm"], hidden=[16], batch=8, window=4, repeats=1, warmup=0)
#: made once: ``threadpool_limits`` looks the libraries up at every entry
#: (168 us here), ``ThreadpoolController.limit`` only sets the count (10 us)
BLAS = ThreadpoolController()


def products(cell, hidden, batch, window, rng):
    """The step's three products as ``{name: (a, b, out)}``, float32."""
    G = GATES[cell] * hidden
    N = batch * window
    W_hh = unaliased_copy(rng.standard_normal((hidden, G), dtype=np.float32))
    return {
        "h @ W_hh": (
            rng.standard_normal((batch, hidden), dtype=np.float32),
            W_hh,
            np.empty((batch, G), dtype=np.float32),
        ),
        "d_gates @ W_hh.T": (
            rng.standard_normal((batch, G), dtype=np.float32),
            unaliased_copy(W_hh.T),
            np.empty((batch, hidden), dtype=np.float32),
        ),
        "h_prev.T @ d_gates": (
            rng.standard_normal((N, hidden), dtype=np.float32).T,
            rng.standard_normal((N, G), dtype=np.float32),
            np.empty((hidden, G), dtype=np.float32),
        ),
    }


def time_product(torch, a, b, out, repeats, warmup):
    """Median seconds of ``a @ b`` in NumPy and (if given) PyTorch's settings.

    Each timed unit repeats the product enough times (at least 1) to take
    about 10 ms, so that the clock's resolution does not count.
    """
    flops = 2 * a.shape[0] * a.shape[1] * b.shape[1]
    count = max(1, int(1e-2 * 100e9 / flops))

    def numpy_unit():
        for _ in range(count):
            np.matmul(a, b, out=out)

    def numpy_one_thread():
        with BLAS.limit(limits=1):
            numpy_unit()

    contenders = {"numpy": numpy_unit, "numpy1": numpy_one_thread}
    if torch:
        ta, tb, tout = (torch.from_numpy(v) for v in (a, b, out))

        def torch_unit():
            for _ in range(count):
                torch.mm(ta, tb, out=tout)

        contenders.update(torch_contenders(torch, torch_unit))
    times = alternate(contenders, repeats, warmup=warmup)
    return {name: t / count for name, t in times.items()}, flops


def bench_one(torch, cell, hidden, args, rng):
    """The rows of one cell and hidden size: one per product."""
    rows = []
    shapes = products(cell, hidden, args.batch, args.window, rng)
    for name, (a, b, out) in shapes.items():
        times, flops = time_product(torch, a, b, out, args.repeats, args.warmup)
        row = {
            "cell": cell,
            "hidden": hidden,
            "product": name,
            "shape": f"({a.shape[0]}, {a.shape[1]}) @ ({b.shape[0]}, {b.shape[1]})",
            "numpy_us": times["numpy"] * 1e6,
            "numpy1_us": times["numpy1"] * 1e6,
            "numpy_gflops": flops / times["numpy"] / 1e9,
        }
        if torch:
            best = min(times[f"torch{n}"] for n in TORCH_THREADS)
            row.update(
                {f"torch{n}_us": times[f"torch{n}"] * 1e6 for n in TORCH_THREADS}
            )
            row["torch_gflops"] = flops / best / 1e9
            row["numpy_over_torch"] = times["numpy"] / best
        rows.append(row)
    return rows


def print_rows(rows):
    keys = ["numpy_us", "numpy1_us", *(f"torch{n}_us" for n in TORCH_THREADS)]
    keys += ["numpy_gflops", "torch_gflops"]
    print(
        f"{'cell':>5} {'hidden':>6} {'product':>19} {'shape':>26} "
        + " ".join(f"{k:>12}" for k in keys)
        + f" {'numpy/torch':>11}"
    )
    for row in rows:
        cells = " ".join(f"{row[k]:12.1f}" if k in row else f"{'-':>12}" for k in keys)
        ratio = row.get("numpy_over_torch")
        print(
            f"{row['cell']:>5} {row['hidden']:>6} {row['product']:>19} "
            f"{row['shape']:>26} {cells} "
            + (f"{ratio:11.2f}" if ratio is not None else f"{'-':>11}"),
            flush=True,
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cell", choices=list(GATES), nargs="+", default=["lstm"])
    parser.add_argument("--hidden", type=int, nargs="+", default=[64, 128, 256, 512])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--window", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=2, help="untimed rounds")
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    if args.unpinned:
        return rerun_unpinned(__file__, sys.argv[1:] if argv is None else argv)
    apply_quick(args, QUICK)
    torch = import_torch()
    info = environment()
    print(describe(info))
    print(
        f"# float32, batch {args.batch}, window {args.window}; medians of "
        f"{args.repeats}; microseconds per product; PyTorch's better of 1 and 2 "
        "threads"
    )
    rng = np.random.default_rng(0)
    rows = []
    for cell in args.cell:
        for hidden in args.hidden:
            rows += bench_one(torch, cell, hidden, args, rng)
    print_rows(rows)
    save_json(output_path(args, "gemm"), "gemm", rows, info, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
