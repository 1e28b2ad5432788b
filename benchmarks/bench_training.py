# SPDX-License-Identifier: BSD-3-Clause
"""Training throughput of character-level RNN, LSTM and GRU: skrnn vs PyTorch.

Both train the same model on the same windows of the bundled Shakespeare
corpus (batch 64, window 64 by default): characters into a recurrent layer,
a dense softmax head at every step, cross-entropy, global-norm clipping at 5,
Adam. skrnn reads the characters as a row gather of ``W_xh``; PyTorch's
``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` multiplies their one-hot tensor by its
input weights, which is the same mathematics. The figure is characters per
second (batch x window x steps / time).

The contenders run in the same process, alternating (skrnn, torch with 1
thread, torch with 2 threads, skrnn, ...), warm-up excluded; each figure is
the median over the repeats, and the ratio is skrnn's throughput over the
better of PyTorch's two thread settings.

The GEMM column is the share of the machine's GEMM limit that skrnn reaches:
the matrix-product FLOPs of one skrnn training step (forward, backward and
weight gradients: ``6 N H G H`` for the recurrence and ``6 N H V`` for the
head, with ``N`` rows, ``G`` gates and vocabulary ``V``; the token gather
does no FLOPs) per second, over the rate of a 2048 x 2048 NumPy product in
the same dtype, measured in the same run.

Usage::

    python benchmarks/bench_training.py                      # everything
    python benchmarks/bench_training.py --cell lstm --hidden 256 --dtype float32
    python benchmarks/bench_training.py --unpinned           # no OPENBLAS_CORETYPE
"""

import argparse
import math
import sys
import time

import numpy as np
from _harness import (
    alternate,
    best_torch,
    describe,
    environment,
    gemm_rate,
    import_torch,
    rerun_unpinned,
    save_json,
    torch_contenders,
)

from skrnn._engine import AdamOptimizer, RecurrentNetwork, clip_grad_norm, pack_array
from skrnn.datasets import load_shakespeare

GATES = {"rnn": 1, "lstm": 4, "gru": 3}


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
        self.opt = AdamOptimizer([self.params], learning_rate_init=2e-3)

    def step(self, inputs, targets):
        x, packing = pack_array(inputs)
        y, _ = pack_array(targets)
        loss, grads, _, _ = self.net.loss_and_grad(
            self.params, x, packing, y, loss="cross_entropy"
        )
        clip_grad_norm([grads], 5.0)
        self.opt.update_params([self.params], [grads])
        return loss


class TorchTrainer:
    """The same step in PyTorch."""

    def __init__(self, torch, cell, vocab, hidden, dtype, seed=0):
        self.torch = torch
        torch.manual_seed(seed)
        self.vocab = vocab
        self.dtype = torch.float64 if dtype == np.float64 else torch.float32
        layer = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
        self.rnn = layer[cell](vocab, hidden, batch_first=True).to(self.dtype)
        self.head = torch.nn.Linear(hidden, vocab).to(self.dtype)
        self.params = list(self.rnn.parameters()) + list(self.head.parameters())
        self.opt = torch.optim.Adam(self.params, lr=2e-3)
        self.loss_fn = torch.nn.CrossEntropyLoss()

    def step(self, inputs, targets):
        torch = self.torch
        x = torch.nn.functional.one_hot(torch.from_numpy(inputs).long(), self.vocab)
        out, _ = self.rnn(x.to(self.dtype))
        logits = self.head(out)
        loss = self.loss_fn(
            logits.reshape(-1, self.vocab), torch.from_numpy(targets).long().reshape(-1)
        )
        self.opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 5.0)
        self.opt.step()
        return loss.item()


def step_flops(cell, batch, window, hidden, vocab):
    """Matrix-product FLOPs of one skrnn training step (see the docstring)."""
    n_rows = batch * window
    gh = GATES[cell] * hidden
    return 6 * n_rows * hidden * gh + 6 * n_rows * hidden * vocab


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

    contenders = {"skrnn": unit(skrnn)}
    if torch:
        contenders.update(
            torch_contenders(
                torch, unit(TorchTrainer(torch, cell, vocab, hidden, dtype))
            )
        )
    times = alternate(contenders, args.repeats)
    chars = args.batch * args.window * steps
    rates = {name: chars / t for name, t in times.items()}
    flops = step_flops(cell, args.batch, args.window, hidden, vocab) * steps
    row = {
        "cell": cell,
        "hidden": hidden,
        "dtype": np.dtype(dtype).name,
        "batch": args.batch,
        "window": args.window,
        "steps_per_timing": steps,
        "skrnn_chars_per_s": rates["skrnn"],
        "skrnn_gflops": flops / times["skrnn"] / 1e9,
        "gemm_limit_gflops": gemm,
        "gemm_fraction": flops / times["skrnn"] / 1e9 / gemm,
    }
    if torch:
        row["torch1_chars_per_s"] = rates["torch1"]
        row["torch2_chars_per_s"] = rates["torch2"]
        row["ratio"] = rates["skrnn"] / best_torch(rates)
    return row


def print_row(row):
    line = (
        f"{row['cell']:>5} {row['hidden']:>6} {row['dtype']:>8}"
        f" {row['skrnn_chars_per_s']:>13,.0f}"
    )
    if "ratio" in row:
        line += (
            f" {row['torch1_chars_per_s']:>12,.0f} {row['torch2_chars_per_s']:>12,.0f}"
            f" {row['ratio']:>6.2f}"
        )
    line += f" {row['skrnn_gflops']:>7.1f} {row['gemm_fraction']:>5.0%}"
    print(line, flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cell", nargs="+", default=["lstm", "gru", "rnn"])
    parser.add_argument("--hidden", type=int, nargs="+", default=[64, 128, 256, 512])
    parser.add_argument(
        "--dtype",
        nargs="+",
        default=["float32", "float64"],
        choices=["float32", "float64"],
    )
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--window", type=int, default=64)
    parser.add_argument(
        "--seconds", type=float, default=0.5, help="skrnn's time per timing, about"
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--json", help="write the results to this JSON file")
    parser.add_argument(
        "--unpinned",
        action="store_true",
        help="run without OPENBLAS_CORETYPE in the environment",
    )
    args = parser.parse_args(argv)
    if args.unpinned:
        return rerun_unpinned(__file__, sys.argv[1:] if argv is None else argv)
    torch = None if args.no_torch else import_torch()
    info = environment()
    codes, vocab = encode_corpus()
    print(describe(info))
    print(
        f"# character training: {codes.size:,} characters, vocabulary {vocab}; "
        f"batch {args.batch}, window {args.window}; medians of {args.repeats}"
    )
    gemm = {d: gemm_rate(np.dtype(d)) for d in args.dtype}
    print("# GEMM limit: " + ", ".join(f"{d} {g:.0f} GFLOP/s" for d, g in gemm.items()))
    header = f"{'cell':>5} {'hidden':>6} {'dtype':>8} {'skrnn char/s':>13}"
    if torch:
        header += f" {'torch 1 thr':>12} {'torch 2 thr':>12} {'ratio':>6}"
    print(header + f" {'GFLOP/s':>7} {'GEMM':>5}")
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
    save_json(args.json, "training", rows, info)
    return 0


if __name__ == "__main__":
    sys.exit(main())
