# SPDX-License-Identifier: BSD-3-Clause
"""Sequence classification training throughput: skrnn vs PyTorch.

Two tasks, each timed as training steps (forward, loss, backward, clipping,
Adam) over the same fixed mini-batches for both contenders:

``digits``
    scikit-learn's ``load_digits`` read as sequences of 8 steps of 8
    features, 10 classes; a GRU of hidden 64 (the setting of the quality
    test); every sequence has the same length, so PyTorch gets a plain
    ``(batch, 8, 8)`` tensor.
``variable``
    2,000 random sequences of 8 features with lengths spread uniformly over
    10 to 300 steps, 5 classes; an LSTM of hidden 128. Each batch is packed
    by both: skrnn's ``pack_sequences``, and PyTorch's ``pad_sequence`` then
    ``pack_padded_sequence(enforce_sorted=False)``, whose final hidden state
    feeds the head. Packing is inside the timing for both, as it is in
    training when batches are reshuffled every epoch.

The figure is sequences per second; the contenders alternate in the same
process (skrnn, torch with 1 thread, torch with 2 threads, ...), warm-up
excluded, medians of the repeats; the ratio is against the better of
PyTorch's two thread settings.

Usage::

    python benchmarks/bench_classification.py
    python benchmarks/bench_classification.py --task variable --repeats 7
    python benchmarks/bench_classification.py --quick       # smoke run, seconds
    python benchmarks/bench_classification.py --unpinned   # no OPENBLAS_CORETYPE
"""

import argparse
import sys

import numpy as np
from _harness import (
    add_output_arguments,
    alternate,
    best_torch,
    describe,
    environment,
    import_torch,
    output_path,
    rerun_unpinned,
    save_json,
    torch_contenders,
)
from sklearn.datasets import load_digits

from skrnn._engine import AdamOptimizer, RecurrentNetwork, clip_grad_norm
from skrnn._engine.packing import pack_sequences


def digits_task():
    """Digits as (1797, 8, 8) float32 sequences, 10 classes."""
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32).reshape(-1, 8, 8)
    return list(X), y.astype(np.int64), 10, "gru", 64


def variable_task(n=2000, max_length=300, n_features=8, n_classes=5, seed=0):
    """Random sequences with lengths 10-300; the class is in their mean."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min(10, max_length), max_length + 1, size=n)
    y = rng.integers(0, n_classes, size=n)
    X = [
        (rng.standard_normal((t, n_features)) + 0.3 * c).astype(np.float32)
        for t, c in zip(lengths, y, strict=True)
    ]
    return X, y.astype(np.int64), n_classes, "lstm", 128


TASKS = {"digits": digits_task, "variable": variable_task}


class SkrnnTrainer:
    def __init__(self, cell, n_features, hidden, n_classes, seed=0):
        self.net = RecurrentNetwork(
            cell, n_features, hidden, n_classes, head="last", dtype=np.float32
        )
        self.params = self.net.init_params(np.random.default_rng(seed))
        self.opt = AdamOptimizer(self.params, learning_rate_init=1e-3)

    def step(self, seqs, y):
        x, packing = pack_sequences(seqs, dtype=np.float32)
        # head='last': the outputs, hence the targets, in the batch's order
        loss, grads, _, _ = self.net.loss_and_grad(
            self.params, x, packing, y, loss="cross_entropy"
        )
        clip_grad_norm(grads, 5.0)
        self.opt.update_params(self.params, grads)
        return loss


class TorchTrainer:
    def __init__(self, torch, cell, n_features, hidden, n_classes, packed, seed=0):
        self.torch = torch
        torch.manual_seed(seed)
        layer = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
        self.rnn = layer[cell](n_features, hidden, batch_first=True)
        self.head = torch.nn.Linear(hidden, n_classes)
        self.params = list(self.rnn.parameters()) + list(self.head.parameters())
        self.opt = torch.optim.Adam(self.params, lr=1e-3)
        self.loss_fn = torch.nn.CrossEntropyLoss()
        self.packed = packed

    def step(self, seqs, y):
        torch = self.torch
        rnn_utils = torch.nn.utils.rnn
        if self.packed:
            tensors = [torch.from_numpy(s) for s in seqs]
            lengths = torch.tensor([len(s) for s in seqs])
            padded = rnn_utils.pad_sequence(tensors, batch_first=True)
            x = rnn_utils.pack_padded_sequence(
                padded, lengths, batch_first=True, enforce_sorted=False
            )
        else:
            x = torch.from_numpy(np.stack(seqs))
        _, h_n = self.rnn(x)
        if isinstance(h_n, tuple):  # LSTM: (h_n, c_n)
            h_n = h_n[0]
        loss = self.loss_fn(self.head(h_n[-1]), torch.from_numpy(y))
        self.opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 5.0)
        self.opt.step()
        return loss.item()


def bench_task(torch, task, args):
    kwargs = {}
    if task == "variable":
        kwargs = {"n": args.sequences, "max_length": args.max_length}
    X, y, n_classes, cell, hidden = TASKS[task](**kwargs)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(X))[: args.batch * args.batches]
    batches = [
        ([X[i] for i in idx], y[idx])
        for idx in np.array_split(order, len(order) // args.batch)
    ]
    n_features = X[0].shape[1]

    def epoch(trainer):
        def run():
            for seqs, labels in batches:
                trainer.step(seqs, labels)

        return run

    contenders = {"skrnn": epoch(SkrnnTrainer(cell, n_features, hidden, n_classes))}
    if torch:
        packed = task == "variable"
        trainer = TorchTrainer(torch, cell, n_features, hidden, n_classes, packed)
        contenders.update(torch_contenders(torch, epoch(trainer)))
    times = alternate(contenders, args.repeats, warmup=args.warmup)
    rates = {name: len(order) / t for name, t in times.items()}
    lengths = [len(X[i]) for i in order]
    row = {
        "task": task,
        "cell": cell,
        "hidden": hidden,
        "batch": args.batch,
        "lengths": f"{min(lengths)}-{max(lengths)}",
        "skrnn_seq_per_s": rates["skrnn"],
    }
    if torch:
        row["torch1_seq_per_s"] = rates["torch1"]
        row["torch2_seq_per_s"] = rates["torch2"]
        row["ratio"] = rates["skrnn"] / best_torch(rates)
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", nargs="+", default=list(TASKS), choices=list(TASKS))
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--batches", type=int, default=8, help="batches per timing")
    parser.add_argument(
        "--sequences", type=int, default=2000, help="sequences of the variable task"
    )
    parser.add_argument(
        "--max-length", type=int, default=300, help="longest of the variable task"
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds")
    parser.add_argument("--no-torch", action="store_true")
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    if args.unpinned:
        return rerun_unpinned(__file__, sys.argv[1:] if argv is None else argv)
    if args.quick:  # both tasks and every contender, tiny
        args.batch, args.batches, args.sequences, args.max_length = 8, 1, 16, 20
        args.repeats, args.warmup = 1, 0
    torch = None if args.no_torch else import_torch()
    info = environment()
    print(describe(info))
    if torch is None and not args.no_torch:
        print("# torch is not importable: skrnn figures only")
    print(
        f"# sequence classification, float32, batch {args.batch}, "
        f"{args.batches} batches per timing; medians of {args.repeats}"
        + ("; QUICK: a smoke run, not figures" if args.quick else "")
    )
    header = f"{'task':>8} {'cell':>5} {'hidden':>6} {'lengths':>8} {'skrnn seq/s':>12}"
    if torch:
        header += f" {'torch 1 thr':>12} {'torch 2 thr':>12} {'ratio':>6}"
    print(header)
    rows = []
    for task in args.task:
        row = bench_task(torch, task, args)
        line = (
            f"{row['task']:>8} {row['cell']:>5} {row['hidden']:>6}"
            f" {row['lengths']:>8} {row['skrnn_seq_per_s']:>12,.0f}"
        )
        if torch:
            line += (
                f" {row['torch1_seq_per_s']:>12,.0f}"
                f" {row['torch2_seq_per_s']:>12,.0f} {row['ratio']:>6.2f}"
            )
        print(line, flush=True)
        rows.append(row)
    bench = "classification"
    save_json(output_path(args, bench), bench, rows, info, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
