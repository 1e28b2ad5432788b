# SPDX-License-Identifier: BSD-3-Clause
"""Compare the ratios of two versions of skrnn, each run several times.

Usage::

    python benchmarks/compare_runs.py BEFORE_DIR AFTER_DIR [--pin unpinned]

Each directory holds the runs of one version, as ``run_all.py --out DIR``
writes them (``DIR/run-<time>/<bench>-<pin>.json``); run the two versions
alternately (before, after, before, after) on a quiet machine, so that a
drift of the machine touches both. For every row of every benchmark (the
ratio over PyTorch in training, generation and classification, and over
Keras in generation and the tutorial) it prints the range of each version
over its runs, ``after / before`` (of the means) and the run-to-run noise:
the larger of the two versions' ``max / min``. A row whose ``after /
before`` is below ``1 / noise`` is slower beyond the noise, and is listed
at the end; the exit status is 1 if there is one.
"""

import argparse
import glob
import json
import os
import sys

import numpy as np

#: The rows of each benchmark (the keys naming a configuration) and the
#: ratios compared (higher is better for skrnn).
RATIOS = {
    "training": (("cell", "hidden", "dtype"), ("ratio",)),
    "generation": (
        ("cell", "hidden", "seeds"),
        ("skrnn_over_torch", "skrnn_over_keras"),
    ),
    "tutorial": (("contender",), ("keras_time_over_this",)),
    "classification": (("task", "cell", "hidden", "lengths"), ("ratio",)),
}


def load(directory, pin):
    """``{(bench, ratio, *configuration): [value of each run]}``."""
    values = {}
    for run in sorted(glob.glob(os.path.join(directory, "run-*"))):
        for bench, (keys, ratios) in RATIOS.items():
            path = os.path.join(run, f"{bench}-{pin}.json")
            if not os.path.exists(path):
                continue
            with open(path) as f:
                rows = json.load(f)["rows"]
            for row in rows:
                for ratio in ratios:
                    if row.get(ratio) is not None:
                        key = (bench, ratio, *(row[k] for k in keys))
                        values.setdefault(key, []).append(row[ratio])
    return values


def compare(before, after):
    """Rows ``(key, before, after, after / before, noise)`` of the common keys."""
    rows = []
    for key in sorted(set(before) & set(after), key=str):
        b, a = np.array(before[key]), np.array(after[key])
        noise = max(b.max() / b.min(), a.max() / a.min())
        rows.append((key, b, a, a.mean() / b.mean(), noise))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--pin", default="unpinned", choices=["pinned", "unpinned"])
    args = parser.parse_args(argv)
    rows = compare(load(args.before, args.pin), load(args.after, args.pin))
    if not rows:
        sys.exit("no benchmark row is in both directories")
    print(f"{'row':56s} {'before':>13s} {'after':>13s} {'after/before':>12s} noise")
    for key, b, a, change, noise in rows:
        name = " ".join(map(str, key))
        before = f"{b.min():.3g}-{b.max():.3g}"
        after = f"{a.min():.3g}-{a.max():.3g}"
        print(f"{name:56s} {before:>13s} {after:>13s} {change:12.3f} {noise:6.3f}")
    slower = [
        (key, change, noise) for key, _, _, change, noise in rows if change < 1 / noise
    ]
    print(f"{len(slower)} row(s) slower beyond the noise")
    for key, change, noise in slower:
        print(f"  {' '.join(map(str, key))}: {change:.3f} (noise {noise:.3f})")
    return 1 if slower else 0


if __name__ == "__main__":
    sys.exit(main())
