# SPDX-License-Identifier: BSD-3-Clause
"""Grapheme-to-phoneme conversion on CMUdict with skrnn's RNNSeq2Seq.

The skrnn side of issue 14's G2P benchmark, run beside
``benchmarks/g2p_torch.py`` (the PyTorch reference) on the same split of
:func:`skrnn.datasets.fetch_cmudict` (random_state=0), the same training
rows (one per listed pronunciation of every train word), the same time
budget of training and the same scores (``benchmarks/_g2p.py``).

Model
-----
``RNNSeq2Seq`` with the reference's shape by default: letters (a str per
word, read as characters) embedded in 64 dimensions, a bidirectional LSTM
encoder of 128 units per direction, an LSTM decoder of 256 started from the
encoder's final states, Luong "general" attention without input feeding,
Adam 1e-3, batch 64, no L2 penalty and no clipping (as the reference). The
decoder reads the previous phoneme as a row of its input weights (the
reference embeds it in 64 dimensions first). Options change the cell, the
sizes, the attention (and input feeding), dropout and the learning rate,
for tuning on dev.

Training
--------
The rows are shuffled every epoch and fed to ``partial_fit`` in chunks of
``--chunk`` rows (each call one pass over its chunk in minibatches of 64,
shuffled within it): the time of each call is training time, and training
stops after the chunk that brings it to ``--time-budget`` seconds (so it
may end mid-epoch, like the reference, to within one chunk).

With ``--schedule cosine`` the learning rate follows half a cosine from
``--learning-rate`` towards 0 over the time budget: the estimator's
``learning_rate='cosine'`` runs over ``max_iter`` calls of ``partial_fit``,
and before each call ``max_iter`` is set to the number of calls the budget
will hold at the mean time per call so far (5% more, so the cycle does not
restart before the end).

Decoding and scores
-------------------
Greedy, an output cut at ``len(word) + 10`` phonemes; WER and PER against
every listed pronunciation. Dev is scored after every epoch (not counted as
training time); the split of ``--evaluate`` once at the end, greedily and,
with ``--beam K``, also by beam search of width K, each with the time of
decoding it.

Usage::

    python benchmarks/g2p_skrnn.py --shared-data ../shared/data           # dev
    python benchmarks/g2p_skrnn.py --shared-data ../shared/data --evaluate test
    python benchmarks/g2p_skrnn.py --shared-data ../shared/data \\
        --time-budget 20 --limit 2000                                 # smoke run
"""

import argparse
import json
import sys
import time

import numpy as np
from _g2p import fetch_g2p, g2p_scores, run_in_data_home, sample_words
from _harness import describe, environment
from threadpoolctl import threadpool_limits

from skrnn import RNNSeq2Seq

BATCH = 64


def load_data(args, data_home):
    """Train rows (word, phonemes) and the scored splits (words, references)."""
    fetch = dict(data_home=data_home, shared_data=args.shared_data)
    train = fetch_g2p("train", expand_variants=True, **fetch)
    rows = sample_words(train.data, args.limit, args.seed)
    data = {
        "train_words": [train.data[i] for i in rows],
        "train_phonemes": [train.target[i] for i in rows],
        "phonemes": list(train.phonemes),
    }
    for subset in ("dev", "test") if args.evaluate == "test" else ("dev",):
        split = fetch_g2p(subset, **fetch)
        keep = sample_words(split.data, args.limit, args.seed)
        data[subset] = {
            "words": [split.data[i] for i in keep],
            "pronunciations": [split.pronunciations[i] for i in keep],
        }
    return data


def make_model(args):
    """The estimator (see the module's docstring)."""
    return RNNSeq2Seq(
        cell=args.cell,
        hidden_size=args.hidden,
        bidirectional=True,
        attention=None if args.attention == "none" else args.attention,
        input_feeding=args.input_feeding,
        embedding_dim=args.embedding,
        min_frequency=1,
        num_layers=args.layers,
        dropout=args.dropout,
        input_dropout=args.input_dropout,
        output_dropout=args.output_dropout,
        recurrent_dropout=args.recurrent_dropout,
        learning_rate=args.schedule,
        learning_rate_init=args.learning_rate,
        alpha=0.0,
        clip_norm=None,
        batch_size=BATCH,
        max_length=lambda n: n + 10,
        random_state=args.seed,
    )


def calls_in_budget(budget, trained, calls):
    """The ``partial_fit`` calls ``budget`` seconds will hold, 5% more.

    At the mean time per call so far (before the first call, an estimate
    too high to matter: the cosine then starts flat).
    """
    if not calls:
        return 10_000
    return max(calls + 1, int(np.ceil(1.05 * budget / (trained / calls))))


def train(model, data, budget, chunk, seed):
    """``partial_fit`` chunk by chunk until ``budget`` seconds; a record per epoch."""
    words, phonemes = data["train_words"], data["train_phonemes"]
    lengths = np.array([len(p) + 1 for p in phonemes])  # the end counted
    rng = np.random.default_rng(seed)
    trained, epoch, calls = 0.0, 0, 0
    while trained < budget:
        epoch += 1
        order = rng.permutation(len(words))
        seconds, tokens, loss_sum, done = 0.0, 0, 0.0, 0
        for start in range(0, len(order), chunk):
            idx = order[start : start + chunk]
            if model.learning_rate == "cosine":
                model.set_params(max_iter=calls_in_budget(budget, trained, calls))
            begin = time.perf_counter()
            model.partial_fit(
                [words[i] for i in idx],
                [phonemes[i] for i in idx],
                target_vocabulary=data["phonemes"],
            )
            elapsed = time.perf_counter() - begin
            seconds, trained, calls = seconds + elapsed, trained + elapsed, calls + 1
            n = int(lengths[idx].sum())
            tokens, loss_sum, done = (
                tokens + n,
                loss_sum + model.loss_ * n,
                done + len(idx),
            )
            if trained >= budget:
                break
        yield dict(
            epoch=epoch,
            seconds=seconds,
            loss=loss_sum / tokens,
            tokens=tokens,
            fraction=done / len(order),
        )


def score(model, split, beam=1):
    """WER and PER of ``model`` on a split, and the seconds decoding took."""
    model.set_params(beam_size=beam)
    begin = time.perf_counter()
    predictions = model.predict(split["words"])
    seconds = time.perf_counter() - begin
    model.set_params(beam_size=1)
    return dict(g2p_scores(predictions, split["pronunciations"]), seconds=seconds)


def parse_args(argv):
    """The command line (see the module's docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--attention", choices=["general", "dot", "additive", "none"], default="general"
    )
    parser.add_argument(
        "--input-feeding", action="store_true", help="feed the attentional state"
    )
    parser.add_argument("--cell", choices=["lstm", "gru", "rnn"], default="lstm")
    parser.add_argument("--hidden", type=int, default=128, help="per direction")
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--embedding", type=int, default=64)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--input-dropout", type=float, default=0.0)
    parser.add_argument("--output-dropout", type=float, default=0.0)
    parser.add_argument("--recurrent-dropout", type=float, default=0.0)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument(
        "--schedule",
        choices=["constant", "cosine"],
        default="constant",
        help="cosine: towards 0 over the time budget",
    )
    parser.add_argument("--beam", type=int, default=1)
    parser.add_argument("--chunk", type=int, default=64 * 50, help="rows per call")
    parser.add_argument("--time-budget", type=float, default=600.0, metavar="SECONDS")
    parser.add_argument("--threads", type=int, choices=[1, 2], default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--evaluate", choices=["dev", "test"], default="dev")
    parser.add_argument("--data-home")
    parser.add_argument("--shared-data", metavar="DIR")
    parser.add_argument("--limit", type=int, metavar="N", help="a smoke run")
    args = parser.parse_args(argv)
    if args.time_budget <= 0:
        parser.error("--time-budget must be positive")
    return args


def run(args, data_home):
    """Train, score dev after each epoch, score ``--evaluate`` once."""
    data = load_data(args, data_home)
    model = make_model(args)
    print(describe(environment()))
    print(
        f"# CMUdict G2P with RNNSeq2Seq: {len(data['train_words']):,} train rows; "
        f"{args.cell} {args.hidden} x2 encoder, attention {args.attention}"
        + (" with input feeding" if args.input_feeding else "")
        + "; "
        f"budget {args.time_budget:g} s; threads {args.threads}; seed {args.seed}"
        + ("; LIMIT: a smoke run, not figures" if args.limit else ""),
        flush=True,
    )
    records = []
    for record in train(model, data, args.time_budget, args.chunk, args.seed):
        dev = score(model, data["dev"])
        partial = "" if record["fraction"] == 1 else f" ({record['fraction']:.0%})"
        print(
            f"epoch {record['epoch']:>2}{partial}: {record['seconds']:6.1f} s  loss "
            f"{record['loss']:.4f}  {record['tokens'] / record['seconds']:8,.0f} "
            f"tokens/s  dev WER {dev['wer']:.4f} PER {dev['per']:.4f} "
            f"({dev['seconds']:.1f} s)",
            flush=True,
        )
        records.append(dict(record, dev_wer=dev["wer"], dev_per=dev["per"]))
    final = dev if args.evaluate == "dev" else score(model, data["test"])
    beam = score(model, data[args.evaluate], args.beam) if args.beam > 1 else None
    seconds = sum(r["seconds"] for r in records)
    result = dict(
        bench="g2p_skrnn",
        attention=args.attention,
        evaluate=args.evaluate,
        wer=final["wer"],
        per=final["per"],
        n_words=final["n_words"],
        decode_seconds=final["seconds"],
        beam=args.beam,
        beam_wer=None if beam is None else beam["wer"],
        beam_per=None if beam is None else beam["per"],
        beam_decode_seconds=None if beam is None else beam["seconds"],
        train_seconds=seconds,
        epochs=sum(r["fraction"] for r in records),
        tokens_per_second=sum(r["tokens"] for r in records) / seconds,
        threads=args.threads,
        seed=args.seed,
        limit=args.limit,
        options={k: v for k, v in vars(args).items() if k not in ("data_home",)},
        per_epoch=records,
    )
    print(json.dumps(result), flush=True)
    return result


def main(argv=None):
    args = parse_args(argv)
    with threadpool_limits(limits=args.threads):
        run_in_data_home(run, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
