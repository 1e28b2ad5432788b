# SPDX-License-Identifier: BSD-3-Clause
"""Peak memory (RSS) of ``CharRNNGenerator.fit`` on a 50 MB text vs a 5 MB text.

Each fit runs in a fresh Python process (so the two peaks are independent)
that imports skrnn, builds its text by repeating the bundled Shakespeare
corpus (1.19 MB, ASCII) with a numbered line between the copies, and fits
one full epoch on it. The child reports

- the RSS after its imports (the interpreter, NumPy, SciPy, scikit-learn);
- the RSS once the text exists, just before ``fit``: an ASCII ``str`` costs
  1 byte per character;
- the peak RSS of the whole process, ``resource.getrusage(RUSAGE_SELF)
  .ru_maxrss``, read after ``fit`` returns: the peak during the fit, the
  text being held throughout.

A fit holds the corpus as integer codes, 1 byte per character for up to 256
symbols, plus a working set bounded by the model and the batch (not by the
corpus). So from 5 MB to 50 MB the peak should grow by what the text and
its codes grow, 2 bytes per character (90 MB), and not more; the target is
a peak under 1 GB on 50 MB.

The model is small so that an epoch over 50 MB stays around a minute: an
LSTM of 32 hidden units, 256 parallel streams (``batch_size``) of 64
characters (``seq_length``), ``max_iter=1``; every character of the text is
read and predicted once (``t_``, reported, is the number of characters
predicted). An LSTM of 64 units with 64 streams takes about 130 s per epoch
over 50 MB at one BLAS thread on a 2-core machine; ``--hidden`` and
``--batch-size`` choose others. The children run with one BLAS thread
(``--blas-threads``; 0 keeps the environment's setting): the figures are
memory, not speed, and OpenBLAS' two threads slow a fit down by an order of
magnitude on a machine whose other core is busy.

Sizes under a few MB measure little but the encoder's fixed working set:
the text is encoded a chunk of 2**20 characters at a time, and the chunk's
temporaries (some tens of MB) outweigh the codes of a small text. The JSON
rows give every size in MB (10**6 bytes).

With ``--repeats`` above 1 the children alternate (5, 50, 5, 50, ...) and
each figure is the median.

Usage::

    python benchmarks/bench_memory.py                     # 5 MB and 50 MB
    python benchmarks/bench_memory.py --sizes 1 2 --hidden 16   # a quick look
    python benchmarks/bench_memory.py --json results/memory.json
    python benchmarks/bench_memory.py --quick             # smoke run, seconds
    python benchmarks/bench_memory.py --unpinned          # no OPENBLAS_CORETYPE
"""

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import warnings

from _harness import (
    add_output_arguments,
    describe,
    environment,
    output_path,
    rerun_unpinned,
    save_json,
)

MB = 10**6
#: target of the project for the 50 MB fit
TARGET = 1000 * MB
#: the measurements of a child, medians over the repeats
MEASURES = (
    "chars",
    "baseline_rss",
    "text_rss",
    "peak_before_fit",
    "peak_rss",
    "peak_hwm",
    "end_rss",
    "fit_seconds",
    "tokens_predicted",
    "loss",
)


def build_text(n_chars):
    """``n_chars`` characters: copies of the corpus, each followed by its number.

    The parts are joined once, so building the text costs the text and the
    corpus, never a second copy of the text.
    """
    from skrnn.datasets import load_shakespeare

    base = load_shakespeare()
    parts, total, i = [], 0, 0
    while total < n_chars:
        for piece in (base, f"\n\n[copy {i}]\n\n"):
            left = n_chars - total
            if left <= 0:
                break
            piece = piece if len(piece) <= left else piece[:left]
            parts.append(piece)
            total += len(piece)
        i += 1
    return "".join(parts)


def rss_now():
    """The process's resident set size in bytes (Linux), else None."""
    try:
        with open("/proc/self/statm") as f:
            resident = int(f.read().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return resident * os.sysconf("SC_PAGE_SIZE")


def peak_rss():
    """The process's peak resident set size so far, in bytes (``ru_maxrss``)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # macOS: bytes


def hwm_now():
    """The peak RSS of the process's current image (Linux's VmHWM), else None.

    Unlike ``ru_maxrss``, which Linux carries over ``execve`` from the
    process image it replaces (for a child started with ``vfork``, as
    ``subprocess`` does: the parent's), VmHWM starts afresh with the new
    program. The two agree when the parent was smaller than the child.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return None


def child(args):
    """Build the text, fit on it, print the measurements as one JSON line."""
    from skrnn import CharRNNGenerator

    gc.collect()
    baseline = rss_now()
    text = build_text(int(args.child * MB))
    if not text.isascii():
        raise RuntimeError("the text is not ASCII: its str is not 1 byte/char")
    gc.collect()
    text_rss = rss_now()
    peak_before = peak_rss()
    gen = CharRNNGenerator(
        cell=args.cell,
        hidden_size=args.hidden,
        batch_size=args.batch_size,
        seq_length=args.seq_length,
        max_iter=1,
        random_state=0,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one epoch does not converge
        gen.fit(text)
    seconds = time.perf_counter() - start
    result = {
        "chars": len(text),
        "vocabulary": len(gen.classes_),
        "baseline_rss": baseline,
        "text_rss": text_rss,
        "peak_before_fit": peak_before,
        "peak_rss": peak_rss(),
        "peak_hwm": hwm_now(),
        "end_rss": rss_now(),
        "fit_seconds": seconds,
        "tokens_predicted": gen.t_,
        "loss": gen.loss_,
    }
    print(json.dumps(result), flush=True)
    return 0


def run_child(size, args):
    """Run one fresh child for ``size`` MB; return its measurements."""
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        str(size),
        "--cell",
        args.cell,
        "--hidden",
        str(args.hidden),
        "--batch-size",
        str(args.batch_size),
        "--seq-length",
        str(args.seq_length),
    ]
    env = dict(os.environ)
    if args.blas_threads > 0:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(args.blas_threads)
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(
            f"the {size} MB child failed ({out.returncode}):\n{out.stderr}"
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _mb(nbytes):
    return "     n/a" if nbytes is None else f"{nbytes / MB:>8.1f}"


def run(args):
    # The children first: Linux carries a process's ru_maxrss over to the
    # child it starts (see hwm_now), so the parent stays small (NumPy only)
    # until they are done; environment() imports PyTorch and Keras.
    sizes = sorted(args.sizes)
    runs = {size: [] for size in sizes}
    for _ in range(args.repeats):
        for size in sizes:
            print(f"# fitting on {size:g} MB in a fresh process...", flush=True)
            runs[size].append(run_child(size, args))
    info = environment()
    print(describe(info))
    threads = args.blas_threads if args.blas_threads > 0 else "(environment's)"
    print(
        f"# {args.cell} hidden {args.hidden}, batch_size {args.batch_size}, "
        f"seq_length {args.seq_length}, 1 epoch; BLAS threads {threads}; "
        f"each fit in a fresh process; {args.repeats} repeat(s), medians; "
        "MB = 10^6 bytes"
    )
    print(
        f"{'text':>6} {'imports':>8} {'+text':>8} {'before':>8} {'peak':>8} "
        f"{'peak-bef':>8} {'fit s':>7} {'chars/s':>9}"
    )
    rows = []
    for size in sizes:
        m = {
            k: (
                None
                if any(r[k] is None for r in runs[size])
                else statistics.median(r[k] for r in runs[size])
            )
            for k in MEASURES
        }
        vocabulary = runs[size][0]["vocabulary"]
        row = {
            "kind": "fit",
            "size_mb": size,
            "cell": args.cell,
            "hidden": args.hidden,
            "batch_size": args.batch_size,
            "seq_length": args.seq_length,
            "vocabulary": vocabulary,
            **m,
            "text_bytes": None,
            # uint8 codes up to 256 symbols, else uint16 (as skrnn._tokens)
            "codes_bytes": m["chars"] * (1 if vocabulary <= 256 else 2),
        }
        if m["text_rss"] is not None and m["baseline_rss"] is not None:
            row["text_bytes"] = m["text_rss"] - m["baseline_rss"]
        rows.append(row)
        if m["peak_hwm"] is not None and abs(m["peak_rss"] - m["peak_hwm"]) > MB:
            print(
                f"# warning: ru_maxrss {m['peak_rss'] / MB:.1f} MB but VmHWM "
                f"{m['peak_hwm'] / MB:.1f} MB (a peak inherited from the parent?)"
            )
        fit_extra = None if m["text_rss"] is None else m["peak_rss"] - m["text_rss"]
        print(
            f"{size:>4g}MB {_mb(m['baseline_rss'])} {_mb(row['text_bytes'])} "
            f"{_mb(m['text_rss'])} {_mb(m['peak_rss'])} {_mb(fit_extra)} "
            f"{m['fit_seconds']:>7.1f} {m['chars'] / m['fit_seconds']:>9,.0f}",
            flush=True,
        )
    print(
        "# imports: RSS after importing skrnn; +text: what the text added; "
        "before: RSS just before fit;\n# peak: ru_maxrss after fit; peak-bef: "
        "what fit added at its peak (codes + working set)"
    )
    if len(rows) >= 2:
        small, large = rows[0], rows[-1]
        grew = large["peak_rss"] - small["peak_rss"]
        data = (large["chars"] - small["chars"]) + (
            large["codes_bytes"] - small["codes_bytes"]
        )
        rows.append(
            {
                "kind": "growth",
                "from_mb": small["size_mb"],
                "to_mb": large["size_mb"],
                "peak_growth": grew,
                "text_and_codes_growth": data,
                "ratio": grew / data,
            }
        )
        print(
            f"# {small['size_mb']:g} MB -> {large['size_mb']:g} MB: the peak grew "
            f"{grew / MB:.1f} MB; the text (1 byte/char) and its codes "
            f"({large['codes_bytes'] // large['chars']} byte/char) grew "
            f"{data / MB:.1f} MB: ratio {grew / data:.2f}"
        )
        verdict = "under" if large["peak_rss"] < TARGET else "OVER"
        print(
            f"# peak on {large['size_mb']:g} MB: {large['peak_rss'] / MB:.0f} MB, "
            f"{verdict} the 1 GB target"
        )
    return [_in_mb(row) for row in rows], info


#: the fields of a row that are numbers of bytes
BYTES = (
    "baseline_rss",
    "text_rss",
    "peak_before_fit",
    "peak_rss",
    "peak_hwm",
    "end_rss",
    "text_bytes",
    "codes_bytes",
    "peak_growth",
    "text_and_codes_growth",
)


def _in_mb(row):
    """``row`` with its numbers of bytes in MB (``peak_rss`` -> ``peak_rss_mb``)."""
    out = {}
    for key, value in row.items():
        if key in BYTES:
            key = key.removesuffix("_bytes") + "_mb"
            value = None if value is None else value / MB
        out[key] = value
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=float, nargs="+", default=[5, 50], help="text sizes, MB"
    )
    parser.add_argument("--cell", choices=["lstm", "gru", "rnn"], default="lstm")
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--seq-length", type=int, default=64)
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=1,
        help="BLAS threads of the children (0: the environment's)",
    )
    parser.add_argument("--repeats", type=int, default=1)
    add_output_arguments(parser)
    parser.add_argument("--child", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        return child(args)
    if args.unpinned and "OPENBLAS_CORETYPE" in os.environ:
        return rerun_unpinned(__file__, sys.argv[1:] if argv is None else argv)
    if args.quick:  # two small texts, a tiny model: the figures mean nothing
        args.sizes, args.hidden, args.batch_size, args.seq_length = (
            [0.05, 0.1],
            8,
            16,
            16,
        )
        args.repeats = 1
    rows, info = run(args)
    save_json(output_path(args, "memory"), "memory", rows, info, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
