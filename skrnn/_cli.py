# SPDX-License-Identifier: BSD-3-Clause
"""The command line: ``python -m skrnn demo``.

``demo`` trains a character LSTM on the bundled Shakespeare for a few
minutes, printing progress and a sample after every epoch, then prints
generated text.
"""

import argparse
import sys
import time

__all__ = ["main"]


def _demo(args):
    from .datasets import load_shakespeare
    from .generator import CharRNNGenerator

    text = load_shakespeare()
    cut = int(len(text) * 0.95)
    train, held_out = text[:cut], text[cut:]
    gen = CharRNNGenerator(
        hidden_size=args.hidden_size,
        seq_length=64,
        batch_size=64,
        random_state=args.random_state,
    )
    print(
        f"Training a character LSTM (hidden {args.hidden_size}) on {len(train):,} "
        f"characters of Shakespeare for at most {args.minutes:g} minutes; "
        f"{len(held_out):,} held out.",
        flush=True,
    )
    budget = 60.0 * args.minutes
    start, longest, epoch = time.perf_counter(), 0.0, 0
    while True:
        t0 = time.perf_counter()
        gen.partial_fit(train)
        epoch += 1
        longest = max(longest, time.perf_counter() - t0)
        elapsed = time.perf_counter() - start
        sample = gen.generate("\n", 60, temperature=0.7, random_state=epoch)
        print(
            f"epoch {epoch}: loss {gen.loss_:.3f} nats/char, "
            f"{elapsed:.0f}s elapsed | {sample.strip()!r}",
            flush=True,
        )
        if elapsed + longest > budget:
            break
    print(f"\nHeld-out loss: {-gen.score(held_out[:20000]):.3f} nats/char\n")
    print(
        gen.generate(
            args.seed,
            args.n,
            temperature=args.temperature,
            random_state=args.random_state,
        )
    )
    return 0


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m skrnn", description="Recurrent neural networks in NumPy."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo", help="train on the bundled Shakespeare and print generated text"
    )
    demo.add_argument(
        "--minutes", type=float, default=2.0, help="training time budget (default: 2)"
    )
    demo.add_argument("--hidden-size", type=int, default=256)
    demo.add_argument("--seed", default="ROMEO:\n", help="text to continue")
    demo.add_argument("-n", type=int, default=400, help="characters to generate")
    demo.add_argument("--temperature", type=float, default=0.7)
    demo.add_argument("--random-state", type=int, default=0)
    demo.set_defaults(func=_demo)
    return parser


def main(argv=None):
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if getattr(args, "minutes", 1) <= 0:
        parser.error("--minutes must be positive")
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130
