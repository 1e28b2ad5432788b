# SPDX-License-Identifier: BSD-3-Clause
"""Training throughput of a character-level LSTM: skrnn's engine vs PyTorch.

The first and shortest of the benchmarks: the character LSTM of
``bench_training.py`` alone, in float32, at hidden 128, 256 and 512. It is
that script with other defaults and shares all of its code and method:
both train the same model on the same windows of the bundled Shakespeare
corpus (one character in, a dense softmax head at every step,
cross-entropy, clipping at 5, Adam). skrnn reads a character as a row
gather of ``W_xh``; PyTorch runs in two input forms, each at 1 and 2
threads: the one-hot tensor into ``nn.LSTM(vocabulary, hidden)``, the same
model and mathematics, and ``nn.Embedding(vocabulary, hidden)`` into
``nn.LSTM(hidden, hidden)``, PyTorch's own form for characters (see
``bench_training.py`` for why ``E = hidden``). The ratio is skrnn's
throughput over the fastest of the four PyTorch contenders, and
``torch_best`` says which.

The contenders run in the same process, alternating, warm-up excluded; each
figure is the median over the repeats.

Usage::

    python benchmarks/bench_char_lstm.py                 # hidden 128 256 512
    python benchmarks/bench_char_lstm.py --hidden 256 --repeats 7
    python benchmarks/bench_char_lstm.py --quick         # smoke run, seconds
    python benchmarks/bench_char_lstm.py --unpinned      # without OPENBLAS_CORETYPE

``--unpinned`` re-runs the script with ``OPENBLAS_CORETYPE`` removed from the
environment (it must be unset before NumPy loads OpenBLAS), so that OpenBLAS
picks its kernels for this CPU as it would on a user's machine.
"""

import argparse
import sys

from _harness import rerun_unpinned
from bench_training import add_arguments, run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser, ["lstm"], [128, 256, 512], ["float32"])
    args = parser.parse_args(argv)
    if args.unpinned:
        return rerun_unpinned(__file__, sys.argv[1:] if argv is None else argv)
    return run(args, "char_lstm")


if __name__ == "__main__":
    sys.exit(main())
