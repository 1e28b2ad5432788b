# SPDX-License-Identifier: BSD-3-Clause
"""Turn the JSON results of the benchmarks into tables and a plot.

Usage::

    python benchmarks/report.py [RESULTS_DIR]     # default benchmarks/results

    python benchmarks/report.py --docs docs/benchmarks   # also the docs' copy

Reads every ``<bench>-pinned.json`` / ``<bench>-unpinned.json`` there and
writes ``results.md`` (one Markdown table per benchmark and pin setting,
with the environment each was measured in, led by a table per pin setting
of the project's targets, :data:`TARGETS`, met or not), ``results.rst`` (the same
tables for the Sphinx page ``docs/benchmarks.rst``) and, when matplotlib is
installed, ``throughput.png``: skrnn's training throughput over PyTorch's
for every cell, hidden size and pin setting. ``--docs DIR`` copies the
reStructuredText tables and the plot to ``DIR``.
"""

import argparse
import glob
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))

ORDER = ["targets", "training", "classification", "generation", "tutorial", "memory"]

#: The project's speed and memory targets: (target, bench, row filter, key,
#: threshold, True when the measure must stay below the threshold).
TARGETS = [
    *(
        (
            f"training, {cell}, hidden 128-512, float32: ratio >= 1.0",
            "training",
            dict(cell=cell, dtype="float32", hidden=(128, 256, 512)),
            "ratio",
            1.0,
            False,
        )
        for cell in ("rnn", "gru", "lstm")
    ),
    *(
        (
            f"training, {cell}, hidden 64, float32: ratio >= 1.3",
            "training",
            dict(cell=cell, dtype="float32", hidden=(64,)),
            "ratio",
            1.3,
            False,
        )
        for cell in ("rnn", "gru", "lstm")
    ),
    *(
        (
            f"training, {cell}, hidden 512, float32: GEMM limit >= 60%",
            "training",
            dict(cell=cell, dtype="float32", hidden=(512,)),
            "gemm_fraction",
            0.6,
            False,
        )
        for cell in ("rnn", "gru", "lstm")
    ),
    (
        "variable-length classification: ratio >= 1.0",
        "classification",
        dict(task="variable"),
        "ratio",
        1.0,
        False,
    ),
    (
        "generation: >= 2x a PyTorch per-step loop",
        "generation",
        {},
        "skrnn_over_torch",
        2.0,
        False,
    ),
    (
        "generation: >= 10x Keras predict",
        "generation",
        {},
        "skrnn_over_keras",
        10.0,
        False,
    ),
    (
        "seed tutorial end to end: >= 20x faster than Keras",
        "tutorial",
        dict(contender=("pipeline", "generator")),
        "keras_time_over_this",
        20.0,
        False,
    ),
    (
        "fit on the 50 MB text: peak RSS < 1000 MB",
        "memory",
        dict(kind="fit", size_mb=(50,)),
        "peak_rss_mb",
        1000.0,
        True,
    ),
]
#: what tells the rows of one target apart in the "measured" column
LABELS = ("hidden", "seeds", "contender")  # the first that varies
#: settings the same on every row of a table: said once, above it
SHARED = ("batch", "window", "gemm_limit_gflops")
#: kept in the JSON files only
UNSHOWN = ("steps_per_timing",)


def load(results_dir):
    """``{(bench, pin): payload}`` for every JSON file in ``results_dir``."""
    out = {}
    for path in sorted(glob.glob(os.path.join(results_dir, "*.json"))):
        stem = os.path.basename(path)[: -len(".json")]
        if "-" not in stem:
            continue
        bench, pin = stem.rsplit("-", 1)
        with open(path) as f:
            out[bench, pin] = json.load(f)
    return out


def _fmt(key, value):
    if isinstance(value, float):
        if "fraction" in key:
            return f"{value:.0%}"
        if "ratio" in key or abs(value) < 100:
            return f"{value:.2f}"
        return f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _columns(rows):
    """Every key of ``rows`` in order of appearance, less the shared ones."""
    keys = []
    for row in rows:
        keys += [k for k in row if k not in keys + list(SHARED + UNSHOWN)]
    return keys


def markdown_table(rows):
    """A Markdown table with a column for every key of ``rows``."""
    keys = _columns(rows)
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for row in rows:
        lines.append("| " + " | ".join(_fmt(k, row.get(k, "")) for k in keys) + " |")
    return "\n".join(lines)


def environment_line(env, rows):
    pin = env.get("OPENBLAS_CORETYPE") or "unset"
    line = (
        f"{env.get('cpu')}, {env.get('cores')} cores; OPENBLAS_CORETYPE={pin}; "
        f"Python {env.get('python')}, numpy {env.get('numpy')}, "
        f"torch {env.get('torch') or 'absent'}, keras {env.get('keras') or 'absent'}"
    )
    shared = {k: {_fmt(k, r[k]) for r in rows if k in r} for k in SHARED}
    said = [f"{k} {', '.join(sorted(v))}" for k, v in shared.items() if v]
    return line + ("; " + "; ".join(said) if said else "")


def rst_table(rows):
    """A reStructuredText ``list-table`` with a column for every key of ``rows``."""
    keys = _columns(rows)
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for cells in [keys] + [[_fmt(k, row.get(k, "")) for k in keys] for row in rows]:
        lines.append(f"   * - {cells[0] or ' '}")
        lines += [f"     - {c or ' '}" for c in cells[1:]]
    return "\n".join(lines)


def _matches(row, where):
    for key, wanted in where.items():
        wanted = wanted if isinstance(wanted, tuple) else (wanted,)
        if row.get(key) not in wanted:
            return False
    return True


def target_rows(results, pin):
    """One row per target of :data:`TARGETS` measured in ``pin``'s results."""
    out = []
    for target, bench, where, key, threshold, below in TARGETS:
        payload = results.get((bench, pin))
        rows = [r for r in (payload or {}).get("rows", []) if _matches(r, where)]
        rows = [r for r in rows if r.get(key) is not None]
        if not rows:
            continue
        values = [r[key] for r in rows]
        met = all(v < threshold if below else v >= threshold for v in values)
        label = next((k for k in LABELS if len({r.get(k) for r in rows}) > 1), None)
        measured = ", ".join(
            (f"{label} {r[label]}: " if label else "") + _fmt(key, r[key]) for r in rows
        )
        out.append(
            {"target": target, "measured": measured, "met": "yes" if met else "NO"}
        )
    return out


def _with_targets(results):
    """``results`` and, per pin setting, a ``targets`` payload computed from it."""
    out = dict(results)
    for pin in ("pinned", "unpinned"):
        rows = target_rows(results, pin)
        if rows:
            env = next(p["environment"] for (b, q), p in results.items() if q == pin)
            out["targets", pin] = {"environment": env, "rows": rows}
    return out


def _sections(results):
    """``(bench, pin, payload)`` in report order."""
    benches = sorted({b for b, _ in results}, key=lambda b: (b not in ORDER, b))
    benches.sort(key=lambda b: ORDER.index(b) if b in ORDER else len(ORDER))
    for bench in benches:
        for pin in ("pinned", "unpinned"):
            payload = results.get((bench, pin))
            if payload:
                yield bench, pin, payload


def write_rst(results, path):
    """The tables as reStructuredText sections (``~`` underlines), for the docs."""
    parts = []
    for bench, pin, payload in _sections(results):
        title = f"{bench} ({pin})"
        parts += [
            title,
            "~" * len(title),
            "",
            environment_line(payload["environment"], payload["rows"]),
            "",
            rst_table(payload["rows"]),
            "",
        ]
    with open(path, "w") as f:
        f.write("\n".join(parts))


def write_markdown(results, path):
    parts = ["# skrnn benchmark results", ""]
    for bench, pin, payload in _sections(results):
        parts += [
            f"## {bench} ({pin})",
            "",
            environment_line(payload["environment"], payload["rows"]),
            "",
            markdown_table(payload["rows"]),
            "",
        ]
    with open(path, "w") as f:
        f.write("\n".join(parts))


def plot_training(results, path):
    """Ratio to PyTorch against hidden size, one line per cell and dtype."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    pins = [p for p in ("pinned", "unpinned") if ("training", p) in results]
    rows_of = {p: results["training", p]["rows"] for p in pins}
    if not pins or not any("ratio" in r for p in pins for r in rows_of[p]):
        return False
    fig, axes = plt.subplots(1, len(pins), figsize=(5 * len(pins), 3.8), sharey=True)
    axes = [axes] if len(pins) == 1 else list(axes)
    for ax, pin in zip(axes, pins, strict=True):
        rows = rows_of[pin]
        for cell in dict.fromkeys(r["cell"] for r in rows):
            for dtype, style in (("float32", "-o"), ("float64", "--s")):
                pts = [
                    (r["hidden"], r["ratio"])
                    for r in rows
                    if r["cell"] == cell and r["dtype"] == dtype and "ratio" in r
                ]
                if pts:
                    xs, ys = zip(*sorted(pts), strict=True)
                    ax.plot(xs, ys, style, label=f"{cell} {dtype}")
        ax.axhline(1.0, color="grey", lw=1)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("hidden size")
        env = results["training", pin]["environment"]
        coretype = env.get("OPENBLAS_CORETYPE") or "unset"
        ax.set_title(f"OPENBLAS_CORETYPE={coretype}")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("skrnn / PyTorch (training chars/s)")
    axes[-1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write_report(results_dir, docs_dir=None):
    """Write the tables and the plot; with ``docs_dir``, copy them there too."""
    results = _with_targets(load(results_dir))
    write_markdown(results, os.path.join(results_dir, "results.md"))
    write_rst(results, os.path.join(results_dir, "results.rst"))
    plotted = plot_training(results, os.path.join(results_dir, "throughput.png"))
    if docs_dir:
        os.makedirs(docs_dir, exist_ok=True)
        names = ["results.rst"] + (["throughput.png"] if plotted else [])
        for name in names:
            shutil.copy(os.path.join(results_dir, name), os.path.join(docs_dir, name))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results_dir", nargs="?", default=os.path.join(HERE, "results"))
    parser.add_argument("--docs", help="also copy results.rst and throughput.png here")
    args = parser.parse_args()
    write_report(args.results_dir, args.docs)
