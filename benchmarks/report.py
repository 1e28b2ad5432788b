# SPDX-License-Identifier: BSD-3-Clause
"""Turn the JSON results of the benchmarks into tables, ranges and a plot.

Usage::

    python benchmarks/report.py                      # every run in benchmarks/results
    python benchmarks/report.py RUN_DIR              # one run: its tables
    python benchmarks/report.py RUN1 RUN2 RUN3       # ranges over these runs
    python benchmarks/report.py --docs docs/benchmarks   # also the docs' copy

A run is a directory of ``<bench>-pinned.json`` / ``<bench>-unpinned.json``
files (``<bench>.json`` from a script's ``--out`` counts as pinned), as
``run_all.py`` writes one per run (``benchmarks/results/run-<time>/``). A
directory that holds no JSON file but run directories stands for all of
them, oldest first.

For one run, the report is its tables: ``results.md`` (one Markdown table
per benchmark and pin setting, with the environment each was measured in,
led by a table per pin setting of the project's targets, :data:`TARGETS`,
met or not), ``results.rst`` (the same tables for the Sphinx page
``docs/benchmarks.rst``) and, when matplotlib is installed,
``throughput.png``: skrnn's training throughput over PyTorch's for every
cell, hidden size and pin setting.

For several runs, every figure becomes its range over the runs, ``lo-hi``
(lowest to highest): one table per benchmark and pin setting with a row per
configuration (same cell, hidden size, ...), the targets table over all the
runs (met only if met in every run), and the plot with each point's range
as an error bar; ``results.md`` adds every run's own tables. In both cases
``summary.md`` is a short paragraph for the README, per pin setting: the
ranges of the headline ratios, hidden sizes 64 to 512 of every cell in
training, one and 32 seeds in generation, the tutorial end to end, and the
rest, weak figures included. It is printed too.

The outputs go to ``--out`` (default: the one run's directory, or the
directory the runs share). ``--docs DIR`` copies ``results.rst``,
``summary.md`` and the plot to ``DIR``.
"""

import argparse
import glob
import json
import os
import shutil
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

ORDER = [
    "targets",
    "training",
    "char_lstm",
    "classification",
    "generation",
    "tutorial",
    "memory",
    "profile",
    "gemm",
]
PINS = ("pinned", "unpinned")

#: The project's speed and memory targets: (target, bench, row filter, key,
#: threshold, True when the measure must stay below the threshold).
TARGETS = [
    *(
        (
            f"training, {cell}, hidden 64-512, float32: ratio >= 1.2",
            "training",
            dict(cell=cell, dtype="float32", hidden=(64, 128, 256, 512)),
            "ratio",
            1.2,
            False,
        )
        for cell in ("rnn", "gru", "lstm")
    ),
    *(
        (
            f"training, {cell}, hidden 512, float32: GEMM limit >= 70%",
            "training",
            dict(cell=cell, dtype="float32", hidden=(512,)),
            "gemm_fraction",
            0.7,
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
        "generation, 32 seeds: >= 2x a PyTorch per-step loop",
        "generation",
        dict(seeds=(32,)),
        "skrnn_over_torch",
        2.0,
        False,
    ),
    (
        "generation, 1 seed: >= 5x a PyTorch per-step loop",
        "generation",
        dict(seeds=(1,)),
        "skrnn_over_torch",
        5.0,
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
        "seed tutorial end to end: >= 50x faster than Keras",
        "tutorial",
        dict(contender=("pipeline", "generator")),
        "keras_time_over_this",
        50.0,
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
UNSHOWN = ("steps_per_timing", "line_profile", "tanh_lines")
#: what tells the rows of a benchmark apart, from one run to the next
KEYS = {
    "training": ("cell", "hidden", "dtype"),
    "char_lstm": ("cell", "hidden", "dtype"),
    "classification": ("task",),
    "generation": ("cell", "hidden", "seeds"),
    "tutorial": ("contender",),
    "memory": ("kind", "size_mb", "from_mb", "to_mb"),
    "profile": ("cell", "hidden"),
    "gemm": ("cell", "hidden", "product"),
    "targets": ("target",),
}
#: a range's two ends
DASH = "\u2013"


def _split(stem):
    """``'training-unpinned'`` -> ``('training', 'unpinned')``; no pin: pinned."""
    bench, _, pin = stem.rpartition("-")
    if bench and pin in PINS:
        return bench, pin
    return stem, "pinned"


def load(results_dir):
    """``{(bench, pin): payload}`` for every JSON file in ``results_dir``."""
    out = {}
    for path in sorted(glob.glob(os.path.join(results_dir, "*.json"))):
        stem = os.path.basename(path)[: -len(".json")]
        with open(path) as f:
            payload = json.load(f)
        if not isinstance(payload, dict) or "rows" not in payload:
            continue
        out[_split(stem)] = payload
    return out


def find_runs(paths):
    """The run directories that ``paths`` stand for, in order.

    A directory with JSON results is a run; one without (such as
    ``benchmarks/results``) stands for its subdirectories that are runs,
    sorted by name (``run_all.py`` names them by time).
    """
    runs = []
    for path in paths:
        if glob.glob(os.path.join(path, "*.json")):
            runs.append(path)
            continue
        subs = sorted(
            d
            for d in glob.glob(os.path.join(path, "*"))
            if os.path.isdir(d) and glob.glob(os.path.join(d, "*.json"))
        )
        runs += subs
    return runs


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


def environment_line(env, rows, shared=None):
    """The environment, and the settings shared by the rows (or ``shared``)."""
    pin = env.get("OPENBLAS_CORETYPE") or "unset"
    line = (
        f"{env.get('cpu')}, {env.get('cores')} cores; OPENBLAS_CORETYPE={pin}; "
        f"Python {env.get('python')}, numpy {env.get('numpy')}, "
        f"torch {env.get('torch') or 'absent'}, keras {env.get('keras') or 'absent'}"
    )
    if shared is None:
        shared = {
            k: ", ".join(sorted({_fmt(k, r[k]) for r in rows if k in r}))
            for k in SHARED
        }
    said = [f"{k} {v}" for k, v in shared.items() if v]
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


def _target_values(runs, bench, pin, where, key):
    """``[(row, value)]`` of a target over every run (a list of results)."""
    out = []
    for results in runs:
        payload = results.get((bench, pin))
        for r in (payload or {}).get("rows", []):
            if _matches(r, where) and r.get(key) is not None:
                out.append((r, r[key]))
    return out


def target_rows(results, pin, runs=None):
    """One row per target of :data:`TARGETS` measured in ``pin``'s results.

    With ``runs`` (a list of results), each measure is its range over them
    and a target is met only if it is met in every run. A row whose
    contender did not learn its task (``learned`` false) does not meet it.
    """
    runs = runs if runs is not None else [results]
    out = []
    for target, bench, where, key, threshold, below in TARGETS:
        pairs = _target_values(runs, bench, pin, where, key)
        if not pairs:
            continue
        rows = [r for r, _ in pairs]

        def ok(row, value, threshold=threshold, below=below):
            meets = value < threshold if below else value >= threshold
            return meets and row.get("learned") is not False

        label = next((k for k in LABELS if len({r.get(k) for r in rows}) > 1), None)
        groups = {}
        for r, v in pairs:
            groups.setdefault(r.get(label) if label else None, []).append((r, v))
        measured = []
        for name, group in groups.items():
            text = _range(key, [v for _, v in group])
            unlearned = sum(r.get("learned") is False for r, _ in group)
            if unlearned:
                text += f" (did not learn in {unlearned} of {len(group)})"
            measured.append((f"{label} {name}: " if label else "") + text)
        met_in = sum(
            all(ok(r, v) for r, v in _target_values([res], bench, pin, where, key))
            for res in runs
            if _target_values([res], bench, pin, where, key)
        )
        n_runs = sum(
            bool(_target_values([res], bench, pin, where, key)) for res in runs
        )
        if met_in == n_runs:
            met = "yes"
        elif met_in == 0:
            met = "NO"
        else:
            met = f"NO (met in {met_in} of {n_runs} runs)"
        out.append({"target": target, "measured": ", ".join(measured), "met": met})
    return out


def _with_targets(results, runs=None):
    """``results`` and, per pin setting, a ``targets`` payload computed from it."""
    out = dict(results)
    for pin in PINS:
        rows = target_rows(results, pin, runs)
        if rows:
            env = next(p["environment"] for (b, q), p in results.items() if q == pin)
            out["targets", pin] = {"environment": env, "rows": rows}
    return out


def _sections(results):
    """``(bench, pin, payload)`` in report order."""
    benches = sorted({b for b, _ in results}, key=lambda b: (b not in ORDER, b))
    benches.sort(key=lambda b: ORDER.index(b) if b in ORDER else len(ORDER))
    for bench in benches:
        for pin in PINS:
            payload = results.get((bench, pin))
            if payload:
                yield bench, pin, payload


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def _range(key, values):
    """``'lo-hi'`` of numbers (one figure when they print alike)."""
    lo, hi = _fmt(key, min(values)), _fmt(key, max(values))
    return lo if lo == hi else f"{lo}{DASH}{hi}"


def _tally(values):
    """Other values over runs: the value, or each value with its count."""
    counts = {}
    for v in values:
        counts[_fmt("", v)] = counts.get(_fmt("", v), 0) + 1
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join(f"{v} ({n})" for v, n in counts.items())


def combine(runs):
    """``{(bench, pin): payload}`` whose rows hold ranges over ``runs``.

    ``runs`` is a list of results (``load`` of each run's directory). Rows
    are matched across runs by :data:`KEYS`; a row's numbers become
    ``'lo-hi'`` strings, its other values the value (or each with its
    count), and ``runs`` says in how many runs it was measured.
    """
    out = {}
    for bench, pin in sorted({k for results in runs for k in results}):
        keys = KEYS.get(bench)
        groups = {}
        envs = []
        for results in runs:
            payload = results.get((bench, pin))
            if not payload:
                continue
            envs.append(payload["environment"])
            for row in payload["rows"]:
                fields = keys or tuple(k for k, v in row.items() if isinstance(v, str))
                groups.setdefault(tuple(row.get(k) for k in fields), []).append(row)
        shared = {}
        for key in SHARED:
            by_dtype = {}  # the GEMM limit is per dtype
            for r in (r for g in groups.values() for r in g if key in r):
                by_dtype.setdefault(r.get("dtype"), []).append(r[key])
            texts = {
                dtype: _range(key, values)
                if all(_is_number(v) for v in values)
                else _tally(values)
                for dtype, values in by_dtype.items()
            }
            if len(set(texts.values())) <= 1:
                shared[key] = next(iter(texts.values()), "")
            else:
                shared[key] = ", ".join(f"{d} {t}" for d, t in texts.items())
        rows = []
        for group in groups.values():
            merged = {}
            for key in dict.fromkeys(k for row in group for k in row):
                values = [row[key] for row in group if row.get(key) is not None]
                if key in (keys or ()) or not values:
                    merged[key] = group[0].get(key)
                elif all(_is_number(v) for v in values):
                    merged[key] = _range(key, values)
                elif key not in UNSHOWN:
                    merged[key] = _tally(values)
            merged["runs"] = len(group)
            rows.append(merged)
        out[bench, pin] = {
            "environment": envs[-1],
            "environments": envs,
            "shared": shared,
            "rows": rows,
        }
    return out


def _values(runs, bench, pin, key, **where):
    """Every value of ``key`` over ``runs`` in rows matching ``where``."""
    return [v for _, v in _target_values(runs, bench, pin, where, key)]


def summary(runs):
    """A short paragraph per pin setting for the README: ranges over ``runs``."""
    quick = any(p.get("quick") for results in runs for p in results.values())
    parts = []
    if quick:
        parts.append(
            "**QUICK RUN: smoke-test sizes; these are not figures to quote.**\n"
        )
    pins = [p for p in PINS if any(q == p for results in runs for _, q in results)]
    n = len(runs)
    for pin in pins:
        env = next(
            res[b, q]["environment"] for res in runs for (b, q) in res if q == pin
        )
        coretype = env.get("OPENBLAS_CORETYPE") or "unset"
        over = (
            f"{n} runs; each figure is its range, lowest{DASH}highest, over the runs"
            if n > 1
            else "1 run; a range is over the configurations it covers"
        )
        lines = [f"{pin} (OPENBLAS_CORETYPE={coretype}), {over}:", ""]
        for dtype in ("float32", "float64"):
            cells = []
            hidden = sorted(
                {
                    r["hidden"]
                    for res in runs
                    for r in res.get(("training", pin), {}).get("rows", [])
                    if r.get("dtype") == dtype and "ratio" in r
                }
            )
            for cell in ("rnn", "gru", "lstm"):
                values = _values(runs, "training", pin, "ratio", cell=cell, dtype=dtype)
                if values:
                    cells.append(f"{cell.upper()} {_range('ratio', values)}")
            if cells:
                sizes = (
                    f"{hidden[0]}{DASH}{hidden[-1]}" if len(hidden) > 1 else hidden[0]
                )
                lines.append(
                    f"- Training ({dtype}, hidden {sizes}), skrnn's throughput "
                    "over the fastest PyTorch contender (input form and threads): "
                    + ", ".join(cells)
                    + "."
                )
            fractions = _values(
                runs, "training", pin, "gemm_fraction", dtype=dtype, hidden=512
            )
            if fractions and dtype == "float32":
                lines.append(
                    f"- Share of the GEMM limit at hidden 512 ({dtype}, all cells): "
                    + _range("gemm_fraction", fractions)
                    + "."
                )
        tasks = []
        for task in ("digits", "variable"):
            values = _values(runs, "classification", pin, "ratio", task=task)
            if values:
                tasks.append(f"{task} {_range('ratio', values)}")
        if tasks:
            lines.append(
                "- Sequence classification, skrnn over PyTorch: "
                + ", ".join(tasks)
                + "."
            )
        seeds = sorted(
            {
                r["seeds"]
                for res in runs
                for r in res.get(("generation", pin), {}).get("rows", [])
            }
        )
        gen = []
        for k in seeds:
            over = []
            for key, name in (
                ("skrnn_over_torch", "PyTorch"),
                ("skrnn_over_keras", "Keras"),
            ):
                values = _values(runs, "generation", pin, key, seeds=k)
                if values:
                    over.append(f"{_range(key, values)}x {name}")
            if over:
                gen.append(f"{k} seed{'s' * (k > 1)}: " + ", ".join(over))
        if gen:
            lines.append("- Generation, skrnn's speed over: " + "; ".join(gen) + ".")
        tut = []
        for contender in ("pipeline", "generator"):
            pairs = _target_values(
                runs, "tutorial", pin, {"contender": contender}, "keras_time_over_this"
            )
            if pairs:
                learned = sum(r.get("learned") is True for r, _ in pairs)
                tut.append(
                    f"{contender} {_range('ratio', [v for _, v in pairs])}x"
                    f" (learned in {learned} of {len(pairs)} runs)"
                )
        if tut:
            lines.append(
                "- Seed tutorial end to end, Keras' time over skrnn's: "
                + ", ".join(tut)
                + "."
            )
        peaks = _values(runs, "memory", pin, "peak_rss_mb", kind="fit")
        sizes = sorted(
            {
                r["size_mb"]
                for res in runs
                for r in res.get(("memory", pin), {}).get("rows", [])
                if r.get("kind") == "fit"
            }
        )
        if peaks and sizes:
            big = _values(
                runs, "memory", pin, "peak_rss_mb", kind="fit", size_mb=sizes[-1]
            )
            lines.append(
                f"- Peak memory of a fit on {sizes[-1]:g} MB of text: "
                f"{_range('peak_rss_mb', big)} MB."
            )
        if len(lines) == 2:
            lines.append("- nothing to compare was measured.")
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def write_rst(results, path, title_suffix=""):
    """The tables as reStructuredText sections (``~`` underlines), for the docs."""
    parts = []
    for bench, pin, payload in _sections(results):
        title = f"{bench} ({pin}){title_suffix}"
        parts += [
            title,
            "~" * len(title),
            "",
            _environment_lines(payload),
            "",
            rst_table(payload["rows"]),
            "",
        ]
    with open(path, "w") as f:
        f.write("\n".join(parts))


def _environment_lines(payload):
    """The environment of a table, or of each run of a range table."""
    envs = payload.get("environments") or [payload["environment"]]
    shared = payload.get("shared")
    lines = list(
        dict.fromkeys(environment_line(e, payload["rows"], shared) for e in envs)
    )
    if len(envs) > 1:
        n_runs = payload.get("n_runs", len(envs))
        head = f"{n_runs} runs; ranges lowest{DASH}highest. "
        return head + " | ".join(lines)
    return lines[0]


def _markdown_sections(results, level="##", suffix=""):
    parts = []
    for bench, pin, payload in _sections(results):
        parts += [
            f"{level} {bench} ({pin}){suffix}",
            "",
            _environment_lines(payload),
            "",
            markdown_table(payload["rows"]),
            "",
        ]
    return parts


def write_markdown(results, path, runs=None, labels=None, summary_text=""):
    parts = ["# skrnn benchmark results", ""]
    if summary_text:
        parts += ["## Summary", "", summary_text, ""]
    parts += _markdown_sections(results)
    if runs and len(runs) > 1:
        for label, run in zip(labels, runs, strict=True):
            parts += [f"## Run {label}", ""]
            parts += _markdown_sections(_with_targets(run), "###")
    with open(path, "w") as f:
        f.write("\n".join(parts))


def plot_training(runs, path):
    """Ratio to PyTorch against hidden size, one line per cell and dtype.

    Each point is the median over ``runs`` (a list of results), with the
    range over them as an error bar.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    pins = [p for p in PINS if any(("training", p) in res for res in runs)]
    rows_of = {
        p: [r for res in runs for r in res.get(("training", p), {}).get("rows", [])]
        for p in pins
    }
    if not pins or not any("ratio" in r for p in pins for r in rows_of[p]):
        return False
    fig, axes = plt.subplots(1, len(pins), figsize=(5 * len(pins), 3.8), sharey=True)
    axes = [axes] if len(pins) == 1 else list(axes)
    for ax, pin in zip(axes, pins, strict=True):
        rows = rows_of[pin]
        for cell in dict.fromkeys(r["cell"] for r in rows):
            for dtype, style in (("float32", "-o"), ("float64", "--s")):
                by_hidden = {}
                for r in rows:
                    if r["cell"] == cell and r["dtype"] == dtype and "ratio" in r:
                        by_hidden.setdefault(r["hidden"], []).append(r["ratio"])
                if not by_hidden:
                    continue
                xs = sorted(by_hidden)
                mid = [statistics.median(by_hidden[x]) for x in xs]
                low = [m - min(by_hidden[x]) for m, x in zip(mid, xs, strict=True)]
                high = [max(by_hidden[x]) - m for m, x in zip(mid, xs, strict=True)]
                ax.errorbar(
                    xs,
                    mid,
                    yerr=[low, high],
                    fmt=style,
                    capsize=3,
                    label=f"{cell} {dtype}",
                )
        ax.axhline(1.0, color="grey", lw=1)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("hidden size")
        env = next(res["training", pin] for res in runs if ("training", pin) in res)
        coretype = env["environment"].get("OPENBLAS_CORETYPE") or "unset"
        title = f"OPENBLAS_CORETYPE={coretype}"
        if len(runs) > 1:
            title += f"; {len(runs)} runs (median, range)"
        ax.set_title(title, fontsize=9)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("skrnn / fastest PyTorch (training chars/s)")
    axes[-1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write_report(paths, docs_dir=None, out=None):
    """Write the tables, the summary and the plot of the runs ``paths`` stand for.

    ``paths`` is a directory or a list of them (see :func:`find_runs`).
    Returns the directory written to and the summary.
    """
    paths = [paths] if isinstance(paths, str) else list(paths)
    run_dirs = find_runs(paths)
    if not run_dirs:
        raise FileNotFoundError(f"no benchmark results (*.json) in {', '.join(paths)}")
    runs = [load(d) for d in run_dirs]
    labels = [os.path.basename(os.path.normpath(d)) for d in run_dirs]
    if out is None:
        out = run_dirs[0] if len(run_dirs) == 1 else os.path.commonpath(run_dirs)
    os.makedirs(out, exist_ok=True)
    text = summary(runs)
    if len(runs) == 1:
        results = _with_targets(runs[0])
        suffix = ""
    else:
        results = combine(runs)
        for pin in PINS:
            rows = target_rows({}, pin, runs)
            if rows:
                envs = [
                    res[b, q]["environment"]
                    for res in runs
                    for (b, q) in res
                    if q == pin
                ]
                results["targets", pin] = {
                    "environment": envs[-1],
                    "environments": list({json.dumps(e): e for e in envs}.values()),
                    # the environments are those of every bench: not one a run
                    "n_runs": len(runs),
                    "rows": rows,
                }
        suffix = f", {len(runs)} runs"
    write_markdown(results, os.path.join(out, "results.md"), runs, labels, text)
    write_rst(results, os.path.join(out, "results.rst"), suffix)
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write(text)
    plotted = plot_training(runs, os.path.join(out, "throughput.png"))
    if docs_dir:
        os.makedirs(docs_dir, exist_ok=True)
        names = ["results.rst", "summary.md"] + (["throughput.png"] if plotted else [])
        for name in names:
            shutil.copy(os.path.join(out, name), os.path.join(docs_dir, name))
    return out, text, run_dirs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "paths",
        nargs="*",
        default=[os.path.join(HERE, "results")],
        help="run directories, or directories of runs (default benchmarks/results)",
    )
    parser.add_argument("--out", help="where to write the report")
    parser.add_argument(
        "--docs", help="also copy results.rst, summary.md and throughput.png here"
    )
    args = parser.parse_args(argv)
    try:
        out, text, run_dirs = write_report(args.paths, args.docs, args.out)
    except FileNotFoundError as exc:
        parser.exit(1, f"report.py: {exc}\n")
    print(f"# {len(run_dirs)} run(s): " + ", ".join(run_dirs))
    print(text)
    print(f"Report: {os.path.join(out, 'results.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
