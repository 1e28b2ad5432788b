# SPDX-License-Identifier: BSD-3-Clause
"""Grapheme-to-phoneme conversion on CMUdict: the PyTorch reference of issue 14.

The reference that skrnn's encoder-decoder is measured against: letters in,
phonemes (with stress) out, on :func:`skrnn.datasets.fetch_cmudict`'s split
of random_state=0 (train / dev / test 112,434 / 6,246 / 6,246 words).

Model
-----
- Letters (a-z and the apostrophe) embedded in 64 dimensions; a
  bidirectional LSTM encoder of 128 units per direction, on packed sequences.
- An LSTM decoder of 256 units, its initial state the encoder's final states
  (``h`` and ``c`` of the forward and backward directions, each the two
  concatenated: 128 + 128). Its inputs are the previous phoneme, embedded in
  64 dimensions: ``<bos>`` then the target (teacher forcing) in training.
- ``--attention general`` (Luong et al. 2015, "general" score, without input
  feeding): attention over the encoder's outputs ``h_s`` on top of each
  decoder output ``h_t``, score ``h_t^T W_a h_s`` (padded letters masked),
  context ``c_t`` (the softmax-weighted sum of the ``h_s``), attentional
  state ``h~_t = tanh(W_c [c_t; h_t])`` (``W_a``, ``W_c`` without bias), and
  the logits ``W_s h~_t + b_s``. ``--attention none``: the logits
  ``W_s h_t + b_s`` straight from the decoder's output.
- The symbols are the 69 phonemes (with stress), ``<eos>``, ``<bos>`` and
  padding, one vocabulary for the decoder's inputs and outputs (``<bos>``
  and padding are never targets, and are masked out in decoding); the
  targets are the target phonemes then ``<eos>``; the loss is the
  cross-entropy, mean over those target tokens (padding left out). Adam, rate
  1e-3, batch 64, no gradient clipping, PyTorch's default initialisation;
  the rows reshuffled every epoch.

Training
--------
One row per listed pronunciation of every train word (a word with two
pronunciations is two rows: 120,604 rows). Training runs for
``--time-budget`` seconds of training time, counted batch by batch (making
the batch, forward, backward and the optimiser's step; not the data
preparation nor the dev scoring): it stops after the first batch that brings
it to the budget, in the middle of an epoch, so that "600 s of training" is
600 s, whatever an epoch takes. The last, partial epoch is reported as such.

Decoding and scores
-------------------
Greedy, in batches of 256 words: the most likely symbol at each step, fed
back, until ``<eos>``; a word's prediction is cut at ``len(word) + 10``
phonemes (``--max-length N``: at N for every word). Word error rate (WER)
and phoneme error rate (PER) against every listed pronunciation of a word,
as defined in ``benchmarks/_g2p.py``. Dev is scored after every epoch (about
a second or two; not counted as training time); the split of ``--evaluate``
(dev to tune, test to report, once) is scored at the end.

Output
------
A comment line on the environment and one on the setup, then one line per
epoch (its training seconds, mean training loss, target tokens, ``<eos>``
included, per second of training, dev WER and PER), then a JSON line with the
final figures.

Usage::

    python benchmarks/g2p_torch.py --shared-data ../shared/data           # dev
    python benchmarks/g2p_torch.py --shared-data ../shared/data --evaluate test
    python benchmarks/g2p_torch.py --shared-data ../shared/data --attention none
    python benchmarks/g2p_torch.py --shared-data ../shared/data \\
        --time-budget 20 --limit 2000                                 # smoke run

Without ``--shared-data`` the dictionary is read from ``--data-home``
(scikit-learn's data home by default), downloaded there from PyPI if missing.

The issue's figures (attention: test WER 0.363, PER 0.099 after 600 s of
training, 79 s per epoch, still improving; without attention 0.410 / 0.122)
were not re-measured here.
"""

import argparse
import json
import sys
import time

import numpy as np
from _g2p import fetch_g2p, g2p_scores, run_in_data_home, sample_words
from _harness import describe, environment, import_torch
from threadpoolctl import threadpool_limits

torch = import_torch()
if torch is None:
    sys.exit("g2p_torch.py needs PyTorch (pip install torch).")
nn = torch.nn
rnn_utils = torch.nn.utils.rnn

EMBEDDING, ENCODER_HIDDEN, DECODER_HIDDEN = 64, 128, 256
BATCH, LEARNING_RATE = 64, 1e-3
#: a prediction's cap: the word's length plus this many phonemes
EXTRA_LENGTH = 10
DECODE_BATCH = 256
#: the letters of CMUdict's words (fetch_cmudict keeps no other), coded from 1
LETTERS = "'abcdefghijklmnopqrstuvwxyz"
#: the special symbols of the phoneme vocabulary, before the phonemes
PAD, BOS, EOS = 0, 1, 2
SPECIALS = ("<pad>", "<bos>", "<eos>")


# ------------------------------------------------------------------ data
def letter_codes(word):
    """The letters of ``word`` as an int64 tensor of codes (1..27)."""
    try:
        return torch.tensor([LETTERS.index(ch) + 1 for ch in word], dtype=torch.int64)
    except ValueError:
        raise ValueError(f"{word!r} has a letter outside {LETTERS!r}") from None


def phoneme_sequence(pronunciation, code):
    """``<bos>``, the phonemes' codes, ``<eos>``: an int64 tensor."""
    return torch.tensor([BOS, *(code[p] for p in pronunciation), EOS])


def load_data(args, data_home):
    """The train rows, the scored splits and the phoneme inventory.

    Returns
    -------
    dict
        ``train`` (letter codes and phoneme sequences, one row per
        pronunciation), ``dev`` and, with ``--evaluate test``, ``test``
        (``words``, ``letters``, ``pronunciations``: one entry per word),
        ``phonemes`` (the vocabulary, the special symbols first),
        ``train_words`` (the number of words of the train rows).
    """
    train = fetch_g2p(
        "train",
        data_home=data_home,
        shared_data=args.shared_data,
        expand_variants=True,
    )
    vocabulary = [*SPECIALS, *train.phonemes]
    code = {symbol: k for k, symbol in enumerate(vocabulary)}
    rows = sample_words(train.data, args.limit, args.seed)
    data = {
        "phonemes": vocabulary,
        "train": [
            (letter_codes(train.data[i]), phoneme_sequence(train.target[i], code))
            for i in rows
        ],
        "train_words": len({train.data[i] for i in rows}),
    }
    for subset in dict.fromkeys(["dev", args.evaluate]):
        split = fetch_g2p(subset, data_home=data_home, shared_data=args.shared_data)
        kept = sample_words(split.data, args.limit, args.seed)
        data[subset] = {
            "words": [split.data[i] for i in kept],
            "letters": [letter_codes(split.data[i]) for i in kept],
            "pronunciations": [split.pronunciations[i] for i in kept],
        }
    return data


# ----------------------------------------------------------------- model
class Seq2Seq(nn.Module):
    """The encoder-decoder of the module's docstring.

    Parameters
    ----------
    n_letters : int
        Letter codes, padding (0) included.
    n_symbols : int
        The phoneme vocabulary, the special symbols included.
    attention : {'general', 'none'}
    """

    def __init__(self, n_letters, n_symbols, attention):
        super().__init__()
        self.attention = attention
        self.letters = nn.Embedding(n_letters, EMBEDDING, padding_idx=PAD)
        self.encoder = nn.LSTM(
            EMBEDDING, ENCODER_HIDDEN, batch_first=True, bidirectional=True
        )
        self.symbols = nn.Embedding(n_symbols, EMBEDDING, padding_idx=PAD)
        self.decoder = nn.LSTM(EMBEDDING, DECODER_HIDDEN, batch_first=True)
        if attention == "general":
            self.score = nn.Linear(DECODER_HIDDEN, 2 * ENCODER_HIDDEN, bias=False)
            self.combine = nn.Linear(
                2 * ENCODER_HIDDEN + DECODER_HIDDEN, DECODER_HIDDEN, bias=False
            )
        self.out = nn.Linear(DECODER_HIDDEN, n_symbols)

    def encode(self, letters, lengths):
        """The encoder's outputs ``(B, S, 256)``, their mask, the decoder's state.

        ``letters`` is ``(B, S)``, padded with 0; ``lengths`` the words'
        lengths. The state is ``(h, c)``, each ``(1, B, 256)``: the final
        forward and backward states concatenated.
        """
        packed = rnn_utils.pack_padded_sequence(
            self.letters(letters), lengths, batch_first=True, enforce_sorted=False
        )
        outputs, (h, c) = self.encoder(packed)
        outputs, _ = rnn_utils.pad_packed_sequence(outputs, batch_first=True)
        mask = torch.arange(outputs.shape[1])[None, :] < lengths[:, None]
        state = tuple(torch.cat([s[0], s[1]], dim=-1)[None] for s in (h, c))
        return outputs, mask, state

    def decode(self, inputs, state, outputs, mask):
        """The logits ``(B, T, n_symbols)`` of ``inputs`` ``(B, T)``, the new state."""
        h, state = self.decoder(self.symbols(inputs), state)
        if self.attention == "general":
            scores = torch.bmm(self.score(h), outputs.transpose(1, 2))  # (B, T, S)
            scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
            context = torch.bmm(torch.softmax(scores, dim=-1), outputs)
            h = torch.tanh(self.combine(torch.cat([context, h], dim=-1)))
        return self.out(h), state


def padded_letters(letters):
    """``(B, S)`` codes padded with 0, and the lengths, of letter tensors."""
    lengths = torch.tensor([len(x) for x in letters])
    return rnn_utils.pad_sequence(letters, batch_first=True, padding_value=PAD), lengths


# -------------------------------------------------------------- training
def train_step(model, optimizer, batch):
    """One step of Adam on a batch of rows; its mean loss and target tokens."""
    letters, lengths = padded_letters([row[0] for row in batch])
    sequences = rnn_utils.pad_sequence(
        [row[1] for row in batch], batch_first=True, padding_value=PAD
    )
    inputs, targets = sequences[:, :-1], sequences[:, 1:]
    outputs, mask, state = model.encode(letters, lengths)
    logits, _ = model.decode(inputs, state, outputs, mask)
    loss = nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=PAD
    )
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item(), int((targets != PAD).sum())


def train_epochs(model, rows, budget, seed):
    """Train until ``budget`` seconds of training; yield a record per epoch.

    Each record holds ``epoch``, ``seconds`` (of training), ``loss`` (mean
    over the epoch's target tokens), ``tokens``, ``fraction`` (of the epoch's
    batches run: below 1 for the last epoch when the budget ends it).
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    rng = np.random.default_rng(seed)
    trained, epoch = 0.0, 0
    while trained < budget:
        epoch += 1
        order = rng.permutation(len(rows))
        starts = range(0, len(order), BATCH)
        seconds = loss_sum = 0.0
        tokens = batches = 0
        model.train()
        for start in starts:
            begin = time.perf_counter()
            loss, n = train_step(
                model, optimizer, [rows[i] for i in order[start : start + BATCH]]
            )
            elapsed = time.perf_counter() - begin
            seconds, trained = seconds + elapsed, trained + elapsed
            loss_sum, tokens, batches = loss_sum + loss * n, tokens + n, batches + 1
            if trained >= budget:
                break
        yield dict(
            epoch=epoch,
            seconds=seconds,
            loss=loss_sum / tokens,
            tokens=tokens,
            fraction=batches / len(starts),
        )


# -------------------------------------------------------------- decoding
@torch.no_grad()
def greedy_decode(model, letters, max_length=None):
    """Greedy predictions (lists of symbol codes, no ``<eos>``) of words.

    Parameters
    ----------
    letters : list of Tensor
        The words' letter codes.
    max_length : int, default=None
        The most phonemes of a prediction; None: ``len(word) + 10``.
    """
    model.eval()
    predictions = []
    for start in range(0, len(letters), DECODE_BATCH):
        chunk, lengths = padded_letters(letters[start : start + DECODE_BATCH])
        outputs, mask, state = model.encode(chunk, lengths)
        if max_length is None:
            caps = lengths + EXTRA_LENGTH
        else:
            caps = torch.full_like(lengths, max_length)
        inputs = torch.full((len(lengths), 1), BOS)
        steps, done = [], torch.zeros(len(lengths), dtype=torch.bool)
        for _ in range(int(caps.max())):
            logits, state = model.decode(inputs, state, outputs, mask)
            logits[:, -1, [PAD, BOS]] = float("-inf")
            inputs = logits[:, -1].argmax(dim=-1, keepdim=True)
            steps.append(inputs[:, 0])
            done |= inputs[:, 0] == EOS
            if bool(done.all()):
                break
        codes = torch.stack(steps, dim=1).tolist()
        for row, cap in zip(codes, caps.tolist(), strict=True):
            end = row.index(EOS) if EOS in row else len(row)
            predictions.append(row[: min(end, cap)])
    return predictions


def score(model, split, vocabulary, max_length):
    """WER, PER and word count of greedy predictions on a split."""
    predicted = greedy_decode(model, split["letters"], max_length)
    phonemes = [[vocabulary[k] for k in row] for row in predicted]
    return g2p_scores(phonemes, split["pronunciations"])


# ---------------------------------------------------------------- driver
def parse_args(argv):
    """The command line (see the module's docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attention", choices=["general", "none"], default="general")
    parser.add_argument(
        "--time-budget",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="seconds of training (stops mid-epoch at the budget; default 600)",
    )
    parser.add_argument("--threads", type=int, choices=[1, 2], default=1)
    parser.add_argument("--seed", type=int, default=0, help="initialisation, order")
    parser.add_argument(
        "--max-length",
        type=int,
        metavar="N",
        help="cut every prediction at N phonemes (default: word length + 10)",
    )
    parser.add_argument(
        "--evaluate",
        choices=["dev", "test"],
        default="dev",
        help="the split scored at the end (tune on dev; report test once)",
    )
    parser.add_argument("--data-home", help="the loader's cache (sklearn's default)")
    parser.add_argument(
        "--shared-data",
        metavar="DIR",
        help="read cmudict/cmudict.dict from DIR (e.g. ../shared/data) into the "
        "data home (a temporary one unless --data-home) instead of downloading",
    )
    parser.add_argument(
        "--limit",
        type=int,
        metavar="N",
        help="train on N train words and score N words, drawn at random: a "
        "smoke run, not figures",
    )
    args = parser.parse_args(argv)
    if args.time_budget <= 0:
        parser.error("--time-budget must be positive")
    if args.max_length is not None and args.max_length < 1:
        parser.error("--max-length must be at least 1")
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    return args


def print_setup(args, data, model):
    """The comment lines that say what is measured, and on what."""
    print(describe(environment()))
    n_parameters = sum(p.numel() for p in model.parameters())
    print(
        f"# CMUdict G2P: train {data['train_words']:,} words / "
        f"{len(data['train']):,} rows (one per pronunciation), dev "
        f"{len(data['dev']['words']):,} words; attention {args.attention}; "
        f"{n_parameters:,} parameters; Adam {LEARNING_RATE:g}, batch {BATCH}; "
        f"budget {args.time_budget:g} s of training; torch threads "
        f"{args.threads}; seed {args.seed}"
        + ("; LIMIT: a smoke run, not figures" if args.limit else ""),
        flush=True,
    )


def print_epoch(record, dev):
    """One line: an epoch's training and its dev scores."""
    partial = "" if record["fraction"] == 1 else f" ({record['fraction']:.0%} of it)"
    print(
        f"epoch {record['epoch']:>2}{partial}: {record['seconds']:6.1f} s  loss "
        f"{record['loss']:.4f}  {record['tokens'] / record['seconds']:8,.0f} "
        f"tokens/s  dev WER {dev['wer']:.4f} PER {dev['per']:.4f} "
        f"({dev['seconds']:.1f} s)",
        flush=True,
    )


def run(args, data_home):
    """Train, score dev after each epoch, score ``--evaluate`` once."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    data = load_data(args, data_home)
    vocabulary = data["phonemes"]
    model = Seq2Seq(len(LETTERS) + 1, len(vocabulary), args.attention)
    print_setup(args, data, model)
    records = []
    for record in train_epochs(model, data["train"], args.time_budget, args.seed):
        begin = time.perf_counter()
        dev = score(model, data["dev"], vocabulary, args.max_length)
        dev["seconds"] = time.perf_counter() - begin
        print_epoch(record, dev)
        records.append(dict(record, dev_wer=dev["wer"], dev_per=dev["per"]))
    if args.evaluate == "dev":
        final = dev
    else:
        final = score(model, data["test"], vocabulary, args.max_length)
    seconds = sum(r["seconds"] for r in records)
    result = dict(
        bench="g2p_torch",
        attention=args.attention,
        evaluate=args.evaluate,
        wer=final["wer"],
        per=final["per"],
        n_words=final["n_words"],
        train_seconds=seconds,
        epochs=sum(r["fraction"] for r in records),
        tokens_per_second=sum(r["tokens"] for r in records) / seconds,
        train_rows=len(data["train"]),
        time_budget=args.time_budget,
        threads=args.threads,
        seed=args.seed,
        limit=args.limit,
        max_length=args.max_length,
        torch=torch.__version__,
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
