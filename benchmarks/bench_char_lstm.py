# SPDX-License-Identifier: BSD-3-Clause
"""Training throughput of a character-level LSTM: skrnn's engine vs PyTorch.

Both train the same model on the same windows of the bundled Shakespeare
corpus: one-hot characters into an LSTM, a dense softmax head at every step,
cross-entropy, Adam. skrnn reads the one-hot input as a row gather of
``W_xh``; PyTorch's ``nn.LSTM`` multiplies the one-hot tensor by its input
weights, which is the same mathematics.

The two run in the same process, alternating (skrnn, torch with 1 thread,
torch with 2 threads, skrnn, ...), warm-up excluded; each figure is the
median over the repeats, and the ratio is taken against the better of
PyTorch's two thread settings.

Usage::

    python benchmarks/bench_char_lstm.py                 # hidden 128 256 512
    python benchmarks/bench_char_lstm.py --hidden 256 --repeats 7
    python benchmarks/bench_char_lstm.py --unpinned      # without OPENBLAS_CORETYPE

``--unpinned`` re-runs the script with ``OPENBLAS_CORETYPE`` removed from the
environment (it must be unset before NumPy loads OpenBLAS), so that OpenBLAS
picks its kernels for this CPU as it would on a user's machine.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from skrnn._engine import AdamOptimizer, RecurrentNetwork, clip_grad_norm, pack_array
from skrnn.datasets import load_shakespeare


def encode_corpus():
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
    def __init__(self, vocab, hidden, seed=0):
        self.net = RecurrentNetwork(
            "lstm",
            vocab,
            hidden,
            vocab,
            head="all",
            token_input=True,
            dtype=np.float32,
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
    def __init__(self, vocab, hidden, seed=0):
        import torch

        self.torch = torch
        torch.manual_seed(seed)
        self.vocab = vocab
        self.lstm = torch.nn.LSTM(vocab, hidden, batch_first=True)
        self.head = torch.nn.Linear(hidden, vocab)
        params = list(self.lstm.parameters()) + list(self.head.parameters())
        self.params = params
        self.opt = torch.optim.Adam(params, lr=2e-3)
        self.loss_fn = torch.nn.CrossEntropyLoss()

    def step(self, inputs, targets):
        torch = self.torch
        x = torch.nn.functional.one_hot(torch.from_numpy(inputs).long(), self.vocab)
        out, _ = self.lstm(x.float())
        logits = self.head(out)
        loss = self.loss_fn(
            logits.reshape(-1, self.vocab), torch.from_numpy(targets).long().reshape(-1)
        )
        self.opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 5.0)
        self.opt.step()
        return loss.item()


def time_steps(trainer, batches, n_steps):
    start = time.perf_counter()
    for _ in range(n_steps):
        trainer.step(*next(batches))
    return time.perf_counter() - start


def run(hidden_sizes, batch, window, steps, repeats, use_torch):
    codes, vocab = encode_corpus()
    torch = None
    if use_torch:
        try:
            import torch
        except ImportError:
            print("# torch is not importable: skrnn figures only")
    print(
        f"# corpus: {codes.size} characters, vocabulary {vocab}; batch {batch}, "
        f"window {window}, float32, {steps} steps x {repeats} repeats (medians)"
    )
    print(
        f"# OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; "
        f"numpy {np.__version__}" + (f"; torch {torch.__version__}" if torch else "")
    )
    header = f"{'hidden':>6} {'skrnn chars/s':>14}"
    if torch:
        header += f" {'torch 1 thr':>12} {'torch 2 thr':>12} {'ratio':>6}"
    print(header)
    chars = batch * window * steps
    rows = []
    for hidden in hidden_sizes:
        contenders = {"skrnn": SkrnnTrainer(vocab, hidden)}
        if torch:
            contenders["torch1"] = contenders["torch2"] = TorchTrainer(vocab, hidden)
        times = {name: [] for name in contenders}
        batches = window_batches(codes, batch, window, seed=hidden)
        for name, trainer in contenders.items():  # warm-up
            if name == "torch2":
                continue
            if torch:
                torch.set_num_threads(1)
            time_steps(trainer, batches, 2)
        for _ in range(repeats):
            for name, trainer in contenders.items():
                if torch and name.startswith("torch"):
                    torch.set_num_threads(int(name[-1]))
                times[name].append(time_steps(trainer, batches, steps))
        rate = {name: chars / statistics.median(t) for name, t in times.items()}
        line = f"{hidden:>6} {rate['skrnn']:>14,.0f}"
        if torch:
            best = max(rate["torch1"], rate["torch2"])
            line += (
                f" {rate['torch1']:>12,.0f} {rate['torch2']:>12,.0f}"
                f" {rate['skrnn'] / best:>6.2f}"
            )
        print(line, flush=True)
        rows.append((hidden, rate))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[128, 256, 512])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--window", type=int, default=64)
    parser.add_argument("--steps", type=int, default=5, help="steps per timing")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument(
        "--unpinned",
        action="store_true",
        help="run without OPENBLAS_CORETYPE in the environment",
    )
    args = parser.parse_args(argv)
    if args.unpinned and "OPENBLAS_CORETYPE" in os.environ:
        env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
        argv = [a for a in (argv or sys.argv[1:]) if a != "--unpinned"]
        cmd = [sys.executable, os.path.abspath(__file__), *argv]
        return subprocess.call(cmd, env=env)
    run(
        args.hidden,
        args.batch,
        args.window,
        args.steps,
        args.repeats,
        not args.no_torch,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
