# SPDX-License-Identifier: BSD-3-Clause
"""Training throughput of character-level RNN, LSTM and GRU: skrnn vs PyTorch.

Both train a model of the same cell and hidden size on the same windows of
the bundled Shakespeare corpus (batch 64, window 64 by default): characters
into a recurrent layer, a dense softmax head at every step, cross-entropy,
global-norm clipping at 5, Adam. The figure is characters per second
(batch x window x steps / time).

How the characters go in. skrnn reads character ``k`` as row ``k`` of its
input weights ``W_xh`` (vocabulary x gates*hidden): a row gather added to
the recurrent pre-activation, which is exactly the product of a one-hot
vector with ``W_xh``, and is also an embedding of width gates*hidden with
no product after it. PyTorch's recurrent layers always multiply their input
by ``weight_ih``, so it has no form that is that and nothing more; two forms
are timed, each as its own contender:

``onehot``
    the one-hot tensor into ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` of input
    size ``vocabulary``: the same model as skrnn's, the same parameters,
    the same function (PyTorch's ``weight_ih`` is ``W_xh.T``), paying for a
    dense product with mostly zeros;
``embedding``
    PyTorch's own form for characters, ``nn.Embedding(vocabulary, E)`` into
    the recurrent layer of input size ``E``, with ``E = hidden`` by default
    (``--embedding-dim``): the same hidden size, and the same set of
    functions as skrnn's model whenever ``hidden >= vocabulary`` (its input
    weights are the product of the embedding and ``weight_ih``, a
    vocabulary x gates*hidden matrix of rank up to ``min(E, vocabulary)``,
    so any ``W_xh`` is reachable when ``E >= vocabulary``; at hidden 64 with
    the corpus' 68 characters, nearly so). It has ``V*E + E*G*H`` input
    weights instead of ``V*G*H``, and its input product is the one an
    embedding-fed layer pays in every PyTorch model.

Each form runs at 1 and 2 threads: four PyTorch contenders, and the ratio
is skrnn's throughput over the **fastest** of them; the row records which
form and thread count that was (``torch_best``).

skrnn's steps run as a fit runs them, in
:func:`~skrnn._engine.recycling.recycled_memory` (opened once per timing):
each step's large buffers reuse the pages the previous step freed.

The contenders run in the same process, alternating (skrnn, then each
PyTorch contender, skrnn, ...), warm-up excluded; each figure is the median
over the repeats.

The GEMM column is the share of the machine's GEMM limit that skrnn reaches:
the matrix-product FLOPs of one skrnn training step (forward, backward and
weight gradients: ``6 N H G H`` for the recurrence and ``6 N H V`` for the
head, with ``N`` rows, ``G`` gates and vocabulary ``V``; the token gather
does no FLOPs) per second, over the machine's GEMM rate in the same dtype
measured in the same run: the best of 7 timed 2048 x 2048 NumPy products
after 2 untimed ones (``_harness.gemm_rate``).

Usage::

    python benchmarks/bench_training.py                      # everything
    python benchmarks/bench_training.py --cell lstm --hidden 256 --dtype float32
    python benchmarks/bench_training.py --quick --out /tmp/q # smoke run, seconds
    python benchmarks/bench_training.py --unpinned           # no OPENBLAS_CORETYPE
"""

import argparse
import math
import sys
import time

import numpy as np
from _harness import (
    TORCH_THREADS,
    add_output_arguments,
    alternate,
    describe,
    environment,
    fastest,
    gemm_rate,
    import_torch,
    output_path,
    rerun_unpinned,
    save_json,
    torch_contenders,
)

from skrnn._engine import AdamOptimizer, RecurrentNetwork, clip_grad_norm, pack_array
from skrnn._engine.kernels import compiled_available, engine
from skrnn._engine.recycling import recycled_memory
from skrnn.datasets import load_shakespeare

GATES = {"rnn": 1, "lstm": 4, "gru": 3}
#: PyTorch's input forms (see the module's docstring)
FORMS = ("onehot", "embedding")


def encode_corpus():
    """The bundled corpus as int32 character codes, and its vocabulary size."""
    text = load_shakespeare()
    vocab = sorted(set(text))
    lookup = np.zeros(max(map(ord, vocab)) + 1, dtype=np.int32)
    lookup[[ord(c) for c in vocab]] = np.arange(len(vocab))
    codes = lookup[np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)]
    return codes, len(vocab)


def window_batches(codes, batch, window, seed):
    """Endless random batches of (inputs, next-character targets), int codes."""
    rng = np.random.default_rng(seed)
    span = np.arange(window + 1)
    while True:
        starts = rng.integers(0, codes.size - window - 1, size=batch)
        chunk = codes[starts[:, None] + span]
        yield chunk[:, :-1], chunk[:, 1:]


class SkrnnTrainer:
    """One training step of skrnn's engine on a batch of codes."""

    def __init__(self, cell, vocab, hidden, dtype, seed=0):
        self.net = RecurrentNetwork(
            cell, vocab, hidden, vocab, head="all", token_input=True, dtype=dtype
        )
        self.params = self.net.init_params(np.random.default_rng(seed))
        self.opt = AdamOptimizer(self.params, learning_rate_init=2e-3)

    def step(self, inputs, targets):
        x, packing = pack_array(inputs)
        y, _ = pack_array(targets)
        loss, grads, _, _ = self.net.loss_and_grad(
            self.params, x, packing, y, loss="cross_entropy"
        )
        clip_grad_norm(grads, 5.0)
        self.opt.update_params(self.params, grads)
        return loss


class TorchTrainer:
    """The same step in PyTorch, in one of its input forms (:data:`FORMS`).

    ``form='onehot'``: the one-hot tensor into the recurrent layer of input
    size ``vocab``; ``form='embedding'``: ``nn.Embedding(vocab,
    embedding_dim)`` (default ``hidden``) into the recurrent layer of input
    size ``embedding_dim``.
    """

    def __init__(
        self,
        torch,
        cell,
        vocab,
        hidden,
        dtype,
        form="onehot",
        embedding_dim=None,
        seed=0,
    ):
        if form not in FORMS:
            raise ValueError(f"form must be one of {FORMS}, got {form!r}")
        self.torch = torch
        torch.manual_seed(seed)
        self.vocab = vocab
        self.form = form
        self.dtype = torch.float64 if dtype == np.float64 else torch.float32
        layer = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
        n_in = vocab
        self.embed = None
        if form == "embedding":
            n_in = embedding_dim or hidden
            self.embed = torch.nn.Embedding(vocab, n_in).to(self.dtype)
        self.rnn = layer[cell](n_in, hidden, batch_first=True).to(self.dtype)
        self.head = torch.nn.Linear(hidden, vocab).to(self.dtype)
        modules = [self.rnn, self.head] + ([self.embed] if self.embed else [])
        self.params = [p for m in modules for p in m.parameters()]
        self.opt = torch.optim.Adam(self.params, lr=2e-3)
        self.loss_fn = torch.nn.CrossEntropyLoss()

    def step(self, inputs, targets):
        torch = self.torch
        codes = torch.from_numpy(inputs).long()
        if self.embed is not None:
            x = self.embed(codes)
        else:
            x = torch.nn.functional.one_hot(codes, self.vocab).to(self.dtype)
        out, _ = self.rnn(x)
        logits = self.head(out)
        loss = self.loss_fn(
            logits.reshape(-1, self.vocab), torch.from_numpy(targets).long().reshape(-1)
        )
        self.opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 5.0)
        self.opt.step()
        return loss.item()


def torch_names():
    """The PyTorch contenders: ``torch_<form><threads>``."""
    return [f"torch_{form}{n}" for form in FORMS for n in TORCH_THREADS]


def describe_torch(name):
    """``'torch_embedding2'`` -> ``'embedding, 2 thr'``."""
    form, threads = name[len("torch_") : -1], name[-1]
    return f"{form}, {threads} thr"


def make_torch_contenders(torch, unit, cell, vocab, hidden, dtype, embedding_dim):
    """Every PyTorch contender: each form (one trainer) at each thread count."""
    contenders = {}
    for form in FORMS:
        trainer = TorchTrainer(
            torch, cell, vocab, hidden, dtype, form=form, embedding_dim=embedding_dim
        )
        contenders.update(torch_contenders(torch, unit(trainer), f"torch_{form}"))
    return contenders


def torch_fields(rates, key="chars_per_s"):
    """The PyTorch rates of a row, the fastest contender and the ratio to it."""
    names = torch_names()
    best, rate = fastest(rates, names)
    row = {f"{name}_{key}": rates[name] for name in names}
    row["torch_best"] = describe_torch(best)
    row["ratio"] = rates["skrnn"] / rate
    return row


def step_flops(cell, batch, window, hidden, vocab):
    """Matrix-product FLOPs of one skrnn training step (see the docstring)."""
    n_rows = batch * window
    gh = GATES[cell] * hidden
    return 6 * n_rows * hidden * gh + 6 * n_rows * hidden * vocab


def in_recycled_memory(run):
    """``run`` in the memory scope that ``fit`` trains in.

    A fit runs its epochs in :func:`~skrnn._engine.recycling.recycled_memory`
    (each batch's large buffers reuse the pages the previous one freed); a
    timing of skrnn's steps does the same, opening the scope once per timing
    as a fit opens it once.
    """

    def run_recycled():
        with recycled_memory():
            run()

    return run_recycled


def on_numpy_engine(run):
    """``run`` on the NumPy reference engine instead of the compiled kernels."""

    def run_numpy():
        with engine("numpy"):
            run()

    return run_numpy


def bench_one(torch, codes, vocab, cell, hidden, dtype, args, gemm):
    """Time one configuration; return its row of results."""
    batches = window_batches(codes, args.batch, args.window, seed=hidden)
    fixed = [next(batches) for _ in range(4)]  # the same data for everyone
    skrnn = SkrnnTrainer(cell, vocab, hidden, dtype)
    start = time.perf_counter()
    skrnn.step(*fixed[0])
    # enough steps per timing for about `--seconds` of skrnn's work
    per_step = time.perf_counter() - start
    steps = max(1, math.ceil(args.seconds / per_step))

    def unit(trainer):
        def run():
            for k in range(steps):
                trainer.step(*fixed[k % len(fixed)])

        return run

    contenders = {"skrnn": in_recycled_memory(unit(skrnn))}
    if compiled_available():  # the reference engine on the same trainer
        contenders["skrnn_numpy"] = on_numpy_engine(in_recycled_memory(unit(skrnn)))
    if torch:
        contenders.update(
            make_torch_contenders(
                torch, unit, cell, vocab, hidden, dtype, args.embedding_dim
            )
        )
    times = alternate(contenders, args.repeats, warmup=args.warmup)
    chars = args.batch * args.window * steps
    rates = {name: chars / t for name, t in times.items()}
    flops = step_flops(cell, args.batch, args.window, hidden, vocab) * steps
    row = {
        "cell": cell,
        "hidden": hidden,
        "dtype": np.dtype(dtype).name,
        "batch": args.batch,
        "window": args.window,
        "embedding_dim": args.embedding_dim or hidden,
        "steps_per_timing": steps,
        "skrnn_chars_per_s": rates["skrnn"],
    }
    if "skrnn_numpy" in rates:
        row["skrnn_numpy_chars_per_s"] = rates["skrnn_numpy"]
        row["compiled_speedup"] = rates["skrnn"] / rates["skrnn_numpy"]
    if torch:
        row.update(torch_fields(rates))
    row.update(
        {
            "skrnn_gflops": flops / times["skrnn"] / 1e9,
            "gemm_limit_gflops": gemm,
            "gemm_fraction": flops / times["skrnn"] / 1e9 / gemm,
        }
    )
    return row


def print_header(torch):
    header = f"{'cell':>5} {'hidden':>6} {'dtype':>8} {'skrnn char/s':>13}"
    if torch:
        header += "".join(f" {name[6:]:>12}" for name in torch_names())
        header += f" {'fastest torch':>16} {'ratio':>6}"
    header += f" {'GFLOP/s':>7} {'GEMM':>5}"
    if compiled_available():
        header += f" {'vs NumPy engine':>15}"
    print(header)


def print_row(row):
    line = (
        f"{row['cell']:>5} {row['hidden']:>6} {row['dtype']:>8}"
        f" {row['skrnn_chars_per_s']:>13,.0f}"
    )
    if "ratio" in row:
        line += "".join(
            f" {row[f'{name}_chars_per_s']:>12,.0f}" for name in torch_names()
        )
        line += f" {row['torch_best']:>16} {row['ratio']:>6.2f}"
    line += f" {row['skrnn_gflops']:>7.1f} {row['gemm_fraction']:>5.0%}"
    if "compiled_speedup" in row:
        line += f" {row['compiled_speedup']:>14.2f}x"
    print(line, flush=True)


#: what ``--quick`` sets: every cell, dtype and contender, at tiny sizes
QUICK = dict(
    hidden=[16], batch=4, window=8, seconds=0.0, repeats=1, warmup=0, gemm_n=256
)


def add_arguments(parser, cells, hidden, dtypes):
    """The options this script shares with ``bench_char_lstm.py``."""
    parser.add_argument("--cell", nargs="+", default=cells, choices=list(GATES))
    parser.add_argument("--hidden", type=int, nargs="+", default=hidden)
    parser.add_argument(
        "--dtype", nargs="+", default=dtypes, choices=["float32", "float64"]
    )
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--window", type=int, default=64)
    parser.add_argument(
        "--embedding-dim",
        type=int,
        help="PyTorch's embedding width, E (default: the hidden size)",
    )
    parser.add_argument(
        "--seconds", type=float, default=0.5, help="skrnn's time per timing, about"
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds")
    parser.add_argument(
        "--gemm-n", type=int, default=2048, help="size of the GEMM limit's products"
    )
    parser.add_argument("--no-torch", action="store_true")
    add_output_arguments(parser)


def run(args, bench):
    """Time every configuration of ``args``; print and save the rows."""
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    torch = None if args.no_torch else import_torch()
    info = environment()
    codes, vocab = encode_corpus()
    print(describe(info))
    if torch is None and not args.no_torch:
        print("# torch is not importable: skrnn figures only")
    print(
        f"# character training: {codes.size:,} characters, vocabulary {vocab}; "
        f"batch {args.batch}, window {args.window}; medians of {args.repeats}"
        + ("; QUICK: a smoke run, not figures" if args.quick else "")
    )
    if torch:
        print(
            "# PyTorch: one-hot input and nn.Embedding(vocab, "
            f"{args.embedding_dim or 'hidden'}), each at "
            f"{' and '.join(map(str, TORCH_THREADS))} threads; "
            "ratio: skrnn over the fastest"
        )
    gemm = {d: gemm_rate(np.dtype(d), n=args.gemm_n) for d in args.dtype}
    print(
        "# GEMM limit (best of several products): "
        + ", ".join(f"{d} {g:.0f} GFLOP/s" for d, g in gemm.items())
    )
    print_header(torch)
    rows = []
    for dtype in args.dtype:
        for cell in args.cell:
            for hidden in args.hidden:
                row = bench_one(
                    torch,
                    codes,
                    vocab,
                    cell,
                    hidden,
                    np.dtype(dtype),
                    args,
                    gemm[dtype],
                )
                print_row(row)
                rows.append(row)
    save_json(output_path(args, bench), bench, rows, info, quick=args.quick)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(
        parser, ["lstm", "gru", "rnn"], [64, 128, 256, 512], ["float32", "float64"]
    )
    args = parser.parse_args(argv)
    if args.unpinned:
        return rerun_unpinned(__file__, sys.argv[1:] if argv is None else argv)
    return run(args, "training")


if __name__ == "__main__":
    sys.exit(main())
