# SPDX-License-Identifier: BSD-3-Clause
"""What every benchmark shares: alternating timing, thread settings, output.

Rules the benchmarks follow (see ``docs/benchmarks.rst``):

- the contenders run in the same process, on the same data, alternating
  (a, b, c, a, b, c, ...), so that a change in the machine's load hits all
  of them alike;
- warm-up calls are made and excluded; each figure is the median of the
  repeats;
- PyTorch runs at 1 and at 2 threads (``torch.set_num_threads``) and the
  ratio is taken against the better of the two: its own threads degrade
  badly on a busy machine, and a user would pick the faster setting;
- every figure is reported with the environment it was measured in, in
  particular ``OPENBLAS_CORETYPE`` (see :func:`rerun_unpinned`).
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

# Keras 3 runs on PyTorch here (as in bench_generation and bench_tutorial),
# so that the environment line reports the Keras those benchmarks use.
os.environ.setdefault("KERAS_BACKEND", "torch")

__all__ = [
    "alternate",
    "best_torch",
    "describe",
    "environment",
    "gemm_rate",
    "import_torch",
    "rerun_unpinned",
    "save_json",
    "torch_contenders",
    "TORCH_THREADS",
]

#: PyTorch's thread settings, each timed as its own contender
TORCH_THREADS = (1, 2)


def import_torch():
    """``torch`` if importable, else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def alternate(contenders, repeats, warmup=1):
    """Time contenders in turn; return each one's median time in seconds.

    Parameters
    ----------
    contenders : dict of str to callable
        Each callable runs one timed unit of work (it may set thread counts
        itself first: see :func:`torch_contender`).
    repeats : int
        Timed rounds; every round runs every contender once.
    warmup : int, default=1
        Untimed rounds before the timed ones.

    Returns
    -------
    dict of str to float
        Median seconds per unit of work.
    """
    for _ in range(warmup):
        for fn in contenders.values():
            fn()
    times = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def torch_contenders(torch, work, prefix="torch"):
    """``{'torch1': ..., 'torch2': ...}``: ``work`` at each thread setting."""

    def at(n):
        def run():
            torch.set_num_threads(n)
            work()

        return run

    return {f"{prefix}{n}": at(n) for n in TORCH_THREADS}


def best_torch(rates, prefix="torch"):
    """The better of PyTorch's thread settings from a dict of rates."""
    return max(rates[f"{prefix}{n}"] for n in TORCH_THREADS)


def gemm_rate(dtype, n=2048, repeats=5):
    """The machine's GEMM rate through NumPy's BLAS, in GFLOP/s.

    The median over ``repeats`` of an ``n x n`` by ``n x n`` product (after
    one untimed product): the limit that a NumPy engine's matrix products
    can reach on this machine, in this environment.
    """
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    out = np.empty((n, n), dtype=dtype)
    np.matmul(a, b, out=out)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        np.matmul(a, b, out=out)
        times.append(time.perf_counter() - start)
    return 2 * n**3 / statistics.median(times) / 1e9


def environment():
    """What the figures were measured on."""
    torch = import_torch()
    info = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__ if torch else None,
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "blas_threads": _blas_threads(),
    }
    try:
        import keras

        info["keras"] = f"{keras.__version__} ({keras.backend.backend()})"
    except ImportError:
        info["keras"] = None
    return info


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _blas_threads():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return [
        {k: d.get(k) for k in ("internal_api", "num_threads", "architecture")}
        for d in threadpool_info()
        if d.get("user_api") == "blas"
    ]


def describe(info):
    """One comment line about the environment, for the printed tables."""
    pin = info["OPENBLAS_CORETYPE"] or "(unset)"
    arch = ", ".join(
        f"{b['internal_api']} {b['architecture']}" for b in info["blas_threads"] or []
    )
    return (
        f"# {info['cpu']}, {info['cores']} cores; OPENBLAS_CORETYPE={pin}"
        + (f" ({arch})" if arch else "")
        + f"; numpy {info['numpy']}; torch {info['torch'] or 'absent'}"
    )


def rerun_unpinned(script, argv):
    """Re-run ``script`` with ``OPENBLAS_CORETYPE`` removed from its environment.

    OpenBLAS reads the variable when it loads, so it must be removed before
    NumPy is imported: in a new process. Returns the child's exit status.
    """
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    argv = [a for a in argv if a != "--unpinned"]
    return subprocess.call([sys.executable, os.path.abspath(script), *argv], env=env)


def save_json(path, bench, rows, info=None):
    """Write ``{'bench', 'environment', 'rows'}`` to ``path`` (if given)."""
    if not path:
        return
    payload = {"bench": bench, "environment": info or environment(), "rows": rows}
    with open(path, "w") as f:
        json.dump(payload, f, indent=1)
