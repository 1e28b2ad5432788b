# SPDX-License-Identifier: BSD-3-Clause
"""Where the time of one training step goes: a profile anyone can re-run.

The figures of "Where the time goes" on the engine page (``docs/engine.rst``)
come from this script. It profiles one training step of the character
model of ``bench_training.py`` (an LSTM by default; batch 64, window 64,
float32, the bundled Shakespeare's 68 characters): ``loss_and_grad``,
global-norm clipping and Adam, exactly as that benchmark times them, at
hidden 64 and 512. No profiler needs installing; each figure is the median
over ``--repeats`` steps, taken three ways in turn (one step of each per
round, so that a change in the machine's load hits all three alike):

plain
    The step as it is: its total time.
phased
    The engine's functions wrapped with timers at run time (nothing in
    ``skrnn`` is edited): the input projection, the forward and backward
    loops (the sum over steps of the cell's ``forward_step`` and
    ``backward_step``), the weight gradients after the backward loop, and,
    around them, the head, the loss and their gradients; clipping and Adam
    are timed apart. A wrapper costs well under a microsecond a call, and
    is called twice per time step.
traced
    A line profile of the cell's ``forward_step`` and ``backward_step``,
    made with ``sys.settrace`` (as ``line_profiler`` does, in Python): the
    time of every line, less the tracing cost of a line, measured on a
    function of trivial lines and subtracted. It splits each loop into its
    matrix product (``np.matmul``), its ``tanh`` calls and the rest.

The table gives each part in milliseconds per training step and as a share
of the plain step. A loop's parts are its phased time split in the shares
that the line profile measured within it (its product, its ``tanh`` lines,
the rest), so that they add up to the loop; "the rest" of the step is the
plain step less every phased part. Then
the rates that explain them: the per-step products' GFLOP/s against the
machine's GEMM limit (``_harness.gemm_rate``: the best of 7 products of
2048 x 2048), the cost per element of NumPy's ``tanh`` and of a
multiplication in float32 on an array of the gates' shape, the fixed cost
of a NumPy call, and the step on one BLAS thread against the environment's
threads (``threadpoolctl``, when installed). ``--lines`` also prints the
line profile itself.

Usage::

    python benchmarks/profile_step.py                  # LSTM, hidden 64 and 512
    python benchmarks/profile_step.py --hidden 128 --cell gru --lines
    python benchmarks/profile_step.py --quick          # smoke run, seconds
    python benchmarks/profile_step.py --unpinned       # no OPENBLAS_CORETYPE

Run it on a quiet machine: anything else running distorts every figure.
"""

import argparse
import collections
import inspect
import re
import statistics
import sys
import time

import numpy as np
from _harness import (
    add_output_arguments,
    apply_quick,
    describe,
    environment,
    gemm_rate,
    output_path,
    rerun_unpinned,
    save_json,
)
from bench_training import GATES, SkrnnTrainer, encode_corpus, window_batches

from skrnn._engine import clip_grad_norm, layers, pack_array
from skrnn._engine.recycling import recycled_memory

#: what ``--quick`` sets: both code paths, tiny
QUICK = dict(hidden=[8, 16], batch=4, window=8, repeats=2, gemm_n=256)
#: the step's parts, in the table's order: (key, label, indent)
PARTS = [
    ("step", "training step (loss_and_grad, clipping, Adam)", 0),
    ("projection", "input projection (row gather of W_xh)", 1),
    ("forward_loop", "forward loop ({T} steps)", 1),
    ("forward_product", "h @ W_hh", 2),
    ("forward_tanh", None, 2),  # one row per tanh line: see _tanh_label
    ("forward_rest", "gate arithmetic, the rest", 2),
    ("backward_loop", "backward loop ({T} steps)", 1),
    ("backward_product", "d_gates @ W_hh.T", 2),
    ("backward_rest", "gate derivatives: {n} element-wise lines", 2),
    ("weight_grads", "weight gradients after the loop (dW_hh, dW_xh, db)", 1),
    ("head_loss", "head, loss and their gradients, the rest of loss_and_grad", 1),
    ("optimizer", "clipping and Adam", 1),
    ("rest", "the rest (packing the batch, Python)", 1),
]
#: what a tanh line works on, by the name of its argument
TANH_OF = {
    "g": "the gates",
    "c": "the cell state",
    "rz": "the r and z gates",
    "cand": "the candidate",
}


class LineTimer:
    """Time every line of some functions with ``sys.settrace``.

    ``times[(code, line)]`` is the total time of a line in nanoseconds, less
    ``overhead`` per hit (the cost of tracing a line, see :meth:`calibrate`);
    ``hits[(code, line)]`` how often it ran. The traced functions must not
    call each other (their lines' time includes what they call).
    """

    def __init__(self, functions):
        self.codes = {f.__code__ for f in functions}
        self.times = collections.Counter()
        self.hits = collections.Counter()
        self.overhead = 0.0
        self._current = None
        self._start = 0

    def _global(self, frame, event, arg):
        if frame.f_code in self.codes:
            self._current = None
            return self._local
        return None

    def _local(self, frame, event, arg):
        now = time.perf_counter_ns()
        if self._current is not None:
            self.times[self._current] += now - self._start
            self.hits[self._current] += 1
        self._current = (frame.f_code, frame.f_lineno) if event == "line" else None
        self._start = time.perf_counter_ns()
        return self._local

    def __enter__(self):
        self.times.clear()
        self.hits.clear()
        sys.settrace(self._global)
        return self

    def __exit__(self, *exc):
        sys.settrace(None)

    def corrected(self, key):
        """A line's time in seconds, less the tracing overhead of its hits."""
        return max(0.0, self.times[key] - self.overhead * self.hits[key]) / 1e9

    @classmethod
    def calibrate(cls, rounds=200):
        """Tracing cost of one line in ns: a line of trivial work, traced."""

        def trivial():
            a = 1
            a = 2
            a = 3
            a = 4
            a = 5
            a = 6
            a = 7
            a = 8
            return a

        timer = cls([trivial])
        per_line = []
        for _ in range(rounds):
            with timer:
                trivial()
            hits = sum(timer.hits.values())
            per_line.append(sum(timer.times.values()) / hits)
        return statistics.median(per_line)


class Phases:
    """Timers wrapped around the engine's functions, at run time only."""

    def __init__(self, cell):
        self.cell = cell
        self.seconds = collections.Counter()
        self._saved = []

    def _wrap(self, owner, name, key):
        original = getattr(owner, name)
        seconds = self.seconds

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[key] += time.perf_counter() - start

        self._saved.append((owner, name, owner.__dict__.get(name)))
        setattr(owner, name, timed)

    def __enter__(self):
        self.seconds.clear()
        self._wrap(layers, "input_projection", "projection")
        self._wrap(layers, "direction_forward", "direction_forward")
        self._wrap(layers, "direction_backward", "direction_backward")
        self._wrap(self.cell, "forward_step", "forward_loop")  # the instance
        self._wrap(self.cell, "backward_step", "backward_loop")
        return self

    def __exit__(self, *exc):
        for owner, name, value in reversed(self._saved):
            if value is None:  # an instance attribute we added
                delattr(owner, name)
            else:
                setattr(owner, name, value)
        self._saved.clear()


def _source_lines(function):
    """``{line number: stripped source}`` of a function."""
    lines, first = inspect.getsourcelines(function)
    return {first + i: text.strip() for i, text in enumerate(lines)}


def _tanh_key(source):
    """``('tanh_g', 'tanh over the gates')`` for a line ``np.tanh(g, ...)``."""
    match = re.search(r"np\.tanh\((\w+)", source)
    name = match.group(1) if match else "x"
    return f"tanh_{name}", f"tanh over {TANH_OF.get(name, name)}"


def _is_elementwise(source):
    """Whether a line of a step calls a ufunc or does in-place arithmetic."""
    if "np.matmul" in source:
        return False
    return bool(
        re.search(r"\bnp\.\w+\(", source)
        or re.search(r"[-+*/]=", source)
        or "[...] =" in source
    )


def line_parts(timer, cell_type, steps, per):
    """The traced split of each loop: products, tanh lines, element-wise lines.

    Returns ``(parts, lines)``: ``parts`` in seconds per training step
    (``forward_product``, ``backward_product``, one ``tanh over ...`` entry
    per tanh line of the forward step, ``tanh_<argument>``; each loop's
    ``<kind>_total``; ``elementwise_lines``, how many element-wise lines a
    backward step runs); ``lines``, the line profile
    (function, line, hits per training step, seconds per training step,
    source).
    """
    parts = collections.OrderedDict()
    for key in ("forward_product", "backward_product", "forward_total"):
        parts[key] = 0.0
    parts["backward_total"] = 0.0
    lines = []
    elementwise = 0
    for kind in ("forward", "backward"):
        function = getattr(cell_type, f"{kind}_step")
        code = function.__code__
        for number, source in _source_lines(function).items():
            key = (code, number)
            if not timer.hits[key]:
                continue
            seconds = timer.corrected(key) / per
            hits = timer.hits[key] / per
            lines.append((kind, number, hits, seconds, source))
            parts[f"{kind}_total"] += seconds
            if "np.matmul" in source:
                parts[f"{kind}_product"] += seconds
            elif kind == "forward" and "np.tanh(" in source:
                key, _ = _tanh_key(source)
                parts[key] = parts.get(key, 0.0) + seconds
            elif kind == "backward" and _is_elementwise(source):
                elementwise += hits / steps
    parts["elementwise_lines"] = round(elementwise)
    return parts, lines


def profile(cell, hidden, args, codes, vocab):
    """Profile one hidden size; return its row (seconds per training step).

    The steps run in the memory scope that ``fit`` trains in
    (:func:`~skrnn._engine.recycling.recycled_memory`).
    """
    with recycled_memory():
        return _profile(cell, hidden, args, codes, vocab)


def _profile(cell, hidden, args, codes, vocab):
    trainer = SkrnnTrainer(cell, vocab, hidden, np.float32)
    batches = window_batches(codes, args.batch, args.window, seed=hidden)
    inputs, targets = next(batches)
    cell_obj = trainer.net.cell
    cell_type = type(cell_obj)

    def step(record=None):
        start = time.perf_counter()
        x, packing = pack_array(inputs)
        y, _ = pack_array(targets)
        mid = time.perf_counter()
        _, grads, _, _ = trainer.net.loss_and_grad(
            trainer.params, x, packing, y, loss="cross_entropy"
        )
        opt = time.perf_counter()
        clip_grad_norm(grads, 5.0)
        trainer.opt.update_params(trainer.params, grads)
        end = time.perf_counter()
        if record is not None:
            record["loss_and_grad"] = opt - mid
            record["optimizer"] = end - opt
        return end - start

    for _ in range(2):  # warm-up
        step()
    phases = Phases(cell_obj)
    timer = LineTimer([cell_type.forward_step, cell_type.backward_step])
    timer.overhead = args.overhead
    plain, phased, traced = [], [], []
    for _ in range(args.repeats):
        plain.append(step())
        record = {}
        with phases:
            step(record)
        record.update(phases.seconds)
        phased.append(record)
        with timer:
            step()
        traced.append(line_parts(timer, cell_type, args.window, 1)[0])
    assert "forward_step" not in vars(cell_obj)  # the wrappers are gone

    for r in phased:
        # after the backward loop: dW_hh, dW_xh, db (and the loop's dh
        # additions, a few microseconds)
        r["weight_grads"] = r["direction_backward"] - r["backward_loop"]
        # around the recurrent layer: the head, the loss, their gradients;
        # and in the layer, the weights' scaling and the buffers' allocation
        r["head_loss"] = (
            r["loss_and_grad"]
            - r["direction_backward"]
            - r["projection"]
            - r["forward_loop"]
        )
    part = {"step": statistics.median(plain)}
    for key in (
        "projection",
        "forward_loop",
        "backward_loop",
        "weight_grads",
        "head_loss",
        "optimizer",
    ):
        part[key] = statistics.median(r[key] for r in phased)
    part["rest"] = part["step"] - sum(v for k, v in part.items() if k != "step")
    # each loop's phased time, split in the shares the line profile gives
    tanh_keys = [k for k in traced[0] if k.startswith("tanh_")]
    for kind, keys in (
        ("forward", ["forward_product", *tanh_keys]),
        ("backward", ["backward_product"]),
    ):
        loop = part[f"{kind}_loop"]
        for key in keys:
            part[key] = loop * statistics.median(
                r[key] / r[f"{kind}_total"] if r[f"{kind}_total"] else 0.0
                for r in traced
            )
        part[f"{kind}_rest"] = loop - sum(part[key] for key in keys)
    gates = GATES[cell] * hidden
    product_flops = 2 * args.batch * hidden * gates * args.window
    with timer:
        step()
    _, lines = line_parts(timer, cell_type, args.window, 1)
    return {
        "cell": cell,
        "hidden": hidden,
        "batch": args.batch,
        "window": args.window,
        "dtype": "float32",
        "tanh_lines": {
            _tanh_key(entry[4])[0]: _tanh_key(entry[4])[1]
            for entry in lines
            if entry[0] == "forward" and "np.tanh(" in entry[4]
        },
        "elementwise_lines": traced[0]["elementwise_lines"],
        **{f"{k}_ms": v * 1e3 for k, v in part.items()},
        "forward_product_gflops": product_flops / part["forward_product"] / 1e9
        if part["forward_product"]
        else None,
        "backward_product_gflops": product_flops / part["backward_product"] / 1e9
        if part["backward_product"]
        else None,
        "blas_one_thread_over_default": blas_threads_ratio(step, args.repeats),
        "line_profile": [
            {
                "function": f"{kind}_step",
                "line": number,
                "hits": hits,
                "ms": seconds * 1e3,
                "source": source,
            }
            for kind, number, hits, seconds, source in lines
        ],
    }


def blas_threads_ratio(step, repeats):
    """The step's time on one BLAS thread over its time on the default threads."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    one, default = [], []
    for _ in range(repeats):
        with threadpool_limits(limits=1, user_api="blas"):
            one.append(step())
        default.append(step())
    return statistics.median(one) / statistics.median(default)


def per_element(shape, repeats=50):
    """ns per element of float32 ``tanh`` and ``multiply``, µs per small call."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape).astype(np.float32)
    b = rng.standard_normal(shape).astype(np.float32)
    out = np.empty_like(a)
    small_a, small_out = a[:1, :1], out[:1, :1]

    def best(fn):
        fn()
        times = []
        for _ in range(repeats):
            start = time.perf_counter_ns()
            fn()
            times.append(time.perf_counter_ns() - start)
        return statistics.median(times)

    return {
        "tanh_ns_per_element": best(lambda: np.tanh(a, out=out)) / a.size,
        "multiply_ns_per_element": best(lambda: np.multiply(a, b, out=out)) / a.size,
        "ufunc_call_us": best(lambda: np.multiply(small_a, small_a, out=small_out))
        / 1e3,
    }


def _ms(value):
    return f"{value:>9.2f}"


def print_table(rows, info, args):
    """The profile, one column pair (ms, share of the step) per hidden size."""
    T = args.window
    print(
        f"# {rows[0]['cell']} training step: batch {args.batch}, window {T}, "
        f"float32; medians of {args.repeats} steps; ms per training step and "
        "share of the step"
        + ("; QUICK: a smoke run, not figures" if args.quick else "")
    )
    head = f"{'':<62}" + "".join(f"{'hidden ' + str(r['hidden']):>17}" for r in rows)
    print(head)
    print(f"{'':<62}" + "".join(f"{'ms':>9} {'share':>7}" for _ in rows))
    tanh_lines = {k: v for r in rows for k, v in r["tanh_lines"].items()}
    for key, label, indent in PARTS:
        entries = list(tanh_lines.items()) if key == "forward_tanh" else [(key, label)]
        for field, text in entries:
            text = text.format(T=T, n=rows[-1]["elementwise_lines"])
            line = f"{'  ' * indent + text:<62}"
            for r in rows:
                value = r.get(f"{field}_ms", 0.0)
                line += f"{_ms(value)} {value / r['step_ms']:>7.1%}"
            print(line)
    print(
        "# h @ W_hh and d_gates @ W_hh.T, GFLOP/s: "
        + "; ".join(
            f"hidden {r['hidden']}: "
            f"{r['forward_product_gflops'] or 0:.0f} and "
            f"{r['backward_product_gflops'] or 0:.0f}"
            for r in rows
        )
        + f"; GEMM limit {info['gemm_limit_gflops']:.0f} GFLOP/s "
        "(float32, best of 7 products)"
    )
    print(
        "# per-step products, forward and backward, share of the step: "
        + "; ".join(
            f"hidden {r['hidden']}: "
            f"{(r['forward_product_ms'] + r['backward_product_ms']) / r['step_ms']:.0%}"
            for r in rows
        )
    )
    print(
        "# backward step: "
        + "; ".join(
            f"hidden {r['hidden']}: {r['elementwise_lines']} element-wise lines, "
            f"{r['backward_rest_ms'] * 1e3 / T / max(1, r['elementwise_lines']):.1f}"
            " µs each"
            for r in rows
        )
    )
    cost = info["elementwise"]
    print(
        f"# float32 on a ({cost['shape'][0]}, {cost['shape'][1]}) array: tanh "
        f"{cost['tanh_ns_per_element']:.2f} ns per element, multiply "
        f"{cost['multiply_ns_per_element']:.2f} ns; a NumPy call on one element "
        f"{cost['ufunc_call_us']:.2f} µs"
    )
    ratios = [r for r in rows if r["blas_one_thread_over_default"] is not None]
    if ratios:
        print(
            "# one BLAS thread: the step takes "
            + "; ".join(
                f"{r['blas_one_thread_over_default']:.2f}x at hidden {r['hidden']}"
                for r in ratios
            )
            + " its time on the environment's BLAS threads"
        )
    print(f"# line tracing cost subtracted: {args.overhead:.0f} ns per line")


def print_lines(rows):
    for r in rows:
        print(f"\n# line profile, {r['cell']} hidden {r['hidden']}: per training step")
        print(f"{'function':>14} {'line':>5} {'hits':>6} {'ms':>9}  source")
        for entry in r["line_profile"]:
            print(
                f"{entry['function']:>14} {entry['line']:>5} {entry['hits']:>6.0f}"
                f" {entry['ms']:>9.3f}  {entry['source']}"
            )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cell", choices=list(GATES), default="lstm")
    parser.add_argument("--hidden", type=int, nargs="+", default=[64, 512])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--window", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=15, help="steps per figure")
    parser.add_argument("--gemm-n", type=int, default=2048)
    parser.add_argument("--lines", action="store_true", help="print the line profile")
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    if args.unpinned:
        return rerun_unpinned(__file__, sys.argv[1:] if argv is None else argv)
    apply_quick(args, QUICK)
    if args.quick:
        args.lines = True
    info = environment()
    print(describe(info))
    codes, vocab = encode_corpus()
    args.overhead = LineTimer.calibrate()
    rows = [profile(args.cell, hidden, args, codes, vocab) for hidden in args.hidden]
    shape = (args.batch, GATES[args.cell] * max(args.hidden))
    info["elementwise"] = {"shape": list(shape), **per_element(shape)}
    info["gemm_limit_gflops"] = gemm_rate(np.float32, n=args.gemm_n)
    info["trace_overhead_ns"] = args.overhead
    print_table(rows, info, args)
    if args.lines:
        print_lines(rows)
    save_json(output_path(args, "profile"), "profile", rows, info, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
