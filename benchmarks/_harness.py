# SPDX-License-Identifier: BSD-3-Clause
"""What every benchmark shares: alternating timing, thread settings, output.

Rules the benchmarks follow (see ``docs/benchmarks.rst``):

- the contenders run in the same process, on the same data, alternating
  (a, b, c, a, b, c, ...), so that a change in the machine's load hits all
  of them alike;
- warm-up calls are made and excluded; each figure is the median of the
  repeats (``--quick`` runs make none: one timed round, tiny sizes, to check
  that every code path and every contender runs, not to measure);
- PyTorch runs at 1 and at 2 threads (``torch.set_num_threads``), and where
  it has more than one way to write the model (the training benchmarks feed
  characters as one-hot vectors and through ``nn.Embedding``) each form at
  each setting is a contender; the ratio is taken against the fastest of
  them: PyTorch's own threads degrade badly on a busy machine, and a user
  would pick the faster setting and form;
- every figure is reported with the environment it was measured in, in
  particular ``OPENBLAS_CORETYPE`` (see :func:`rerun_unpinned`).
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from skrnn._engine.kernels import engine_description
from skrnn._engine.recycling import recycling_available

# Keras 3 runs on PyTorch here (as in bench_generation and bench_tutorial),
# so that the environment line reports the Keras those benchmarks use.
os.environ.setdefault("KERAS_BACKEND", "torch")

__all__ = [
    "add_output_arguments",
    "alternate",
    "best_torch",
    "describe",
    "environment",
    "fastest",
    "gemm_rate",
    "import_torch",
    "output_path",
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


def fastest(rates, names):
    """``(name, rate)`` of the fastest of ``names`` in a dict of rates."""
    name = max(names, key=lambda n: rates[n])
    return name, rates[name]


#: the GEMM limit's settings: products timed, untimed products before them
GEMM_REPEATS, GEMM_WARMUP = 7, 2


def gemm_rate(dtype, n=2048, repeats=GEMM_REPEATS, warmup=GEMM_WARMUP):
    """The machine's GEMM rate through NumPy's BLAS, in GFLOP/s.

    The best rate over ``repeats`` timed ``n x n`` by ``n x n`` products,
    after ``warmup`` untimed ones: the limit that a NumPy engine's matrix
    products can reach on this machine, in this environment. The best and
    not the median, because the limit is what the machine can do: a product
    slowed by something else running is not the machine's limit, and the
    median of a few products swings with the load from one run to the next
    (and with it every "fraction of the GEMM limit").
    """
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    out = np.empty((n, n), dtype=dtype)
    for _ in range(warmup):
        np.matmul(a, b, out=out)
    best = float("inf")
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


def _version(module, dist):
    """``module``'s version: from the module if imported, else its metadata.

    Importing Keras takes seconds; a benchmark that does not use it should
    not pay that to report its version.
    """
    mod = sys.modules.get(module)
    if mod is not None:
        return getattr(mod, "__version__", None)
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version(dist)
    except PackageNotFoundError:
        return None


def environment():
    """What the figures were measured on."""
    info = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": _version("torch", "torch"),
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "blas_threads": _blas_threads(),
        "skrnn_engine": engine_description(),
        "skrnn_recycling": recycling_available(),
        "cpu_avx512": _cpu_has("avx512f"),
        # what emulates a CPU without AVX-512 on one with it (docs/engine.rst)
        "NPY_DISABLE_CPU_FEATURES": os.environ.get("NPY_DISABLE_CPU_FEATURES"),
        "torch_cpu_capability": _torch_capability(),
    }
    keras = _version("keras", "keras")
    if keras is not None:
        if "keras" in sys.modules:
            backend = sys.modules["keras"].backend.backend()
        else:
            backend = os.environ.get("KERAS_BACKEND", "tensorflow")
        keras = f"{keras} ({backend})"
    info["keras"] = keras
    return info


def _cpuinfo(field):
    """The first value of ``field`` in /proc/cpuinfo (None if unreadable)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith(field):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def _cpu_name():
    return _cpuinfo("model name") or platform.processor() or "unknown"


def _cpu_has(flag):
    """Whether /proc/cpuinfo lists ``flag`` (None where it cannot be read)."""
    flags = _cpuinfo("flags")
    return None if flags is None else flag in flags.split()


def _torch_capability():
    """The instruction set of PyTorch's kernels, if torch is imported."""
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    try:
        return torch.backends.cpu.get_cpu_capability()
    except AttributeError:  # older torch
        return None


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
        + f"; skrnn engine {info.get('skrnn_engine', 'numpy')}"
        + (", memory recycled" if info.get("skrnn_recycling") else "")
        + "".join(f"; {part}" for part in _isa_parts(info))
    )


def _isa_parts(info):
    """What :func:`describe` says of instruction sets, where it is known."""
    if info.get("cpu_avx512") is not None:
        yield f"CPU {'with' if info['cpu_avx512'] else 'without'} AVX-512"
    if info.get("NPY_DISABLE_CPU_FEATURES"):
        yield f"NPY_DISABLE_CPU_FEATURES={info['NPY_DISABLE_CPU_FEATURES']}"
    if info.get("torch_cpu_capability"):
        yield f"torch kernels {info['torch_cpu_capability']}"


def rerun_unpinned(script, argv):
    """Re-run ``script`` with ``OPENBLAS_CORETYPE`` removed from its environment.

    OpenBLAS reads the variable when it loads, so it must be removed before
    NumPy is imported: in a new process. Returns the child's exit status.
    """
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    argv = [a for a in argv if a != "--unpinned"]
    return subprocess.call([sys.executable, os.path.abspath(script), *argv], env=env)


def add_output_arguments(parser):
    """``--quick``, ``--json``, ``--out`` and ``--unpinned``, as every script has."""
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: tiny sizes, one round, no warm-up (checks, not figures)",
    )
    parser.add_argument("--json", metavar="PATH", help="write the results here")
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="write the results to DIR/<bench>.json (with --quick and neither "
        "--json nor --out: a new temporary directory)",
    )
    parser.add_argument(
        "--unpinned",
        action="store_true",
        help="run without OPENBLAS_CORETYPE in the environment",
    )


def apply_quick(args, settings):
    """With ``--quick``, set each of ``settings`` (name to value) on ``args``."""
    if args.quick:
        for key, value in settings.items():
            setattr(args, key, value)


def output_path(args, bench):
    """Where ``bench`` writes its JSON: ``--json``, else in ``--out``, else None.

    A ``--quick`` run given neither writes into a new temporary directory,
    never into ``benchmarks/results/``.
    """
    if args.json:
        return args.json
    out = args.out
    if out is None and args.quick:
        out = tempfile.mkdtemp(prefix=f"skrnn-{bench}-quick-")
    if out is None:
        return None
    os.makedirs(out, exist_ok=True)
    return os.path.join(out, f"{bench}.json")


def save_json(path, bench, rows, info=None, quick=False):
    """Write ``{'bench', 'quick', 'environment', 'rows'}`` to ``path`` (if given)."""
    if not path:
        return
    payload = {
        "bench": bench,
        "quick": bool(quick),
        "environment": info or environment(),
        "rows": rows,
    }
    with open(path, "w") as f:
        json.dump(payload, f, indent=1)
    print(f"# results written to {path}", flush=True)
