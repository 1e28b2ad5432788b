# SPDX-License-Identifier: BSD-3-Clause
"""Reading digit strips with RNNSeq2Seq, on the SVC baseline's test strips.

Issue 14's vector-to-sequence check: :class:`skrnn.RNNSeq2Seq` with
``vector_input=True`` captions strips of 1 to 4 handwritten digits
(:func:`skrnn.datasets.make_digit_strips`). The test strips are exactly those
of ``benchmarks/digit_strips_baseline.py`` with the same ``--seed``,
``--n-test`` and ``--max-digits`` (its train strips are drawn first from one
``RandomState(seed)``, then its test strips); run both and compare. The
network trains on ``--n-train`` strips drawn from the training images with
another seed: strips recombine the same 1,347 training images, so more of
them cost time but no new image (the SVC baseline, quadratic in its
samples, stays at its 5,000).

Model: an LSTM decoder of ``--hidden`` units started from ``tanh`` of a
dense layer of the pixels, output dropout 0.3, decoupled weight decay 0.01,
Adam 0.005 with a cosine schedule over ``--epochs`` epochs, batch 64; greedy
decoding (``--beam`` for beam search).

Usage::

    python benchmarks/digit_strips_seq2seq.py                  # 50,000 strips
    python benchmarks/digit_strips_seq2seq.py --n-train 2000 --epochs 2  # smoke
"""

import argparse
import json
import sys
import time
import warnings

import numpy as np
from _harness import describe, environment
from digit_strips_baseline import character_error_rate, exact_match_accuracy
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from skrnn import RNNSeq2Seq
from skrnn.datasets import make_digit_strips

#: The number of train strips the baseline draws before its test strips.
BASELINE_TRAIN = 5000


def strips(args):
    """Training strips (a seed of their own) and the baseline's test strips."""
    rng = np.random.RandomState(args.seed)
    shape = dict(max_digits=args.max_digits)
    make_digit_strips(BASELINE_TRAIN, subset="train", random_state=rng, **shape)
    X_test, y_test = make_digit_strips(
        args.n_test, subset="test", random_state=rng, **shape
    )
    X_train, y_train = make_digit_strips(
        args.n_train, subset="train", random_state=args.seed + 1, **shape
    )
    return X_train, y_train, X_test, y_test


def run(args):
    """Fit, decode the test strips, return the figures."""
    X_train, y_train, X_test, y_test = strips(args)
    model = RNNSeq2Seq(
        vector_input=True,
        cell=args.cell,
        hidden_size=args.hidden,
        output_dropout=0.3,
        weight_decay=0.01,
        learning_rate="cosine",
        learning_rate_init=0.005,
        max_iter=args.epochs,
        beam_size=args.beam,
        random_state=args.seed,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a fixed schedule
        model.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    predicted = model.predict(X_test)
    predict_seconds = time.perf_counter() - start
    return {
        "bench": "digit_strips_seq2seq",
        "n_train": args.n_train,
        "n_test": args.n_test,
        "max_digits": args.max_digits,
        "seed": args.seed,
        "cell": args.cell,
        "hidden": args.hidden,
        "epochs": args.epochs,
        "beam": args.beam,
        "exact_match": exact_match_accuracy(predicted, y_test),
        "character_error_rate": character_error_rate(predicted, y_test),
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
        "threads": args.threads,
    }


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-train", type=int, default=50_000)
    parser.add_argument("--n-test", type=int, default=1000)
    parser.add_argument("--max-digits", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cell", choices=["lstm", "gru", "rnn"], default="lstm")
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--beam", type=int, default=1)
    parser.add_argument("--threads", type=int, choices=[1, 2], default=2)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    print(describe(environment()), flush=True)
    with threadpool_limits(limits=args.threads):
        result = run(args)
    print(
        f"exact match {result['exact_match']:.4f}, character error rate "
        f"{result['character_error_rate']:.4f}; fit {result['fit_seconds']:.1f} s, "
        f"predict {result['predict_seconds']:.2f} s"
    )
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
