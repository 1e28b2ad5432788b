# SPDX-License-Identifier: BSD-3-Clause
"""Time an LSTM direction's forward loop: NumPy engine against compiled loops.

B = 64 sequences of T = 64 steps, float32, one thread; see README.md. Run
``python build.py`` first, then::

    OPENBLAS_NUM_THREADS=1 python bench_spike.py 64 128 256 512
"""

import importlib
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from skrnn._engine.cells import make_cell
from skrnn._engine.layers import direction_forward
from skrnn._engine.packing import pack_array

B, T = 64, 64
BUILDS = ["k_scalar", "k_sse", "k_avx2", "k_native"]
#: the pointwise parts of kern.pyx's loop: in Cython, in C with libm, in C
#: with the rational tanh
LOOPS = ["cython", "C", "fast"]


def make_case(H, rng):
    """An LSTM cell, its parameters, and a packed batch of B x T x H."""
    cell = make_cell("lstm")
    p = {
        "W_xh": (rng.standard_normal((H, 4 * H)) * 0.05).astype(np.float32),
        "W_hh": (rng.standard_normal((H, 4 * H)) * 0.05).astype(np.float32),
        "b_h": np.zeros(4 * H, np.float32),
    }
    x, packing = pack_array(rng.standard_normal((B, T, H)).astype(np.float32))
    return cell, p, x, packing


def median_seconds(f, repeats=7):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def compiled_run(module, kind, case, threads):
    """A function running one compiled forward loop from the zero state."""
    cell, p, x, packing = case
    H = p["W_hh"].shape[0]
    offsets = packing.offsets.astype(np.int64)

    def run():
        XW = x @ p["W_xh"] + p["b_h"]
        h, c = np.zeros((B, H), np.float32), np.zeros((B, H), np.float32)
        h_out = np.empty((x.shape[0], H), np.float32)
        tanh_c, S = np.empty_like(h_out), np.empty((B, 4 * H), np.float32)
        module.lstm_forward(
            kind, XW, p["W_hh"], offsets, h, c, h_out, tanh_c, S, threads
        )
        return h_out

    return run


def numpy_run(case):
    """A function running the NumPy engine's forward loop from the zero state."""
    cell, p, x, packing = case
    zeros = np.zeros((B, p["W_hh"].shape[0]), np.float32)
    return lambda: direction_forward(
        cell, p, x, packing, False, zeros, zeros, True, False
    )[0]


def products_run(case):
    """The products alone: the input projection and T recurrent products."""
    _, p, x, _ = case
    zeros = np.zeros((B, p["W_hh"].shape[0]), np.float32)

    def run():
        x @ p["W_xh"]
        for _ in range(T):
            zeros @ p["W_hh"]

    return run


def time_size(H, modules, rng):
    """Print the times of every loop at hidden size ``H``."""
    case = make_case(H, rng)
    rows = {"numpy": numpy_run(case)}
    for name, module in modules.items():
        for kind in LOOPS:
            rows[f"{name} {kind}"] = compiled_run(module, kind, case, 1)
    rows["k_native fast 2thr"] = compiled_run(modules["k_native"], "fast", case, 2)
    reference = rows["numpy"]()
    error = max(
        float(np.abs(rows[f"{m} {k}"]() - reference).max())
        for m in ("k_native", "k_sse")
        for k in ("C", "fast")
    )
    with threadpool_limits(1):
        times = {label: median_seconds(f) for label, f in rows.items()}
        gemm = median_seconds(products_run(case))
    print(
        f"H={H}: max|compiled - numpy| = {error:.1e}; products alone "
        f"{gemm * 1e3:.1f} ms"
    )
    for label, seconds in times.items():
        print(
            f"   {label:20s} {seconds * 1e3:8.2f} ms  "
            f"{times['numpy'] / seconds:5.2f}x numpy  "
            f"products {gemm / seconds:4.0%}"
        )


def main(sizes):
    modules = {name: importlib.import_module(name) for name in BUILDS}
    rng = np.random.default_rng(0)
    for H in sizes:
        time_size(H, modules, rng)


if __name__ == "__main__":
    main([int(h) for h in sys.argv[1:]] or [64, 128, 256, 512])
