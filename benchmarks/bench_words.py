# SPDX-License-Identifier: BSD-3-Clause
"""Word-level training and inference throughput: skrnn vs PyTorch.

Two tasks on real text, each timed as one epoch of training and as
prediction over the same sentences; the figure is tokens (words) per second.

``tag``
    Part-of-speech tagging of the UD English-EWT training sentences (the
    FORM and UPOS of every line whose first field is an integer; a blank
    line ends a sentence; 17 tags). One token column, the word lowercased,
    embedded in 100 dimensions; vocabulary: the words seen at least twice,
    the others share the unknown code 0. A bidirectional LSTM of hidden 128
    per direction and a linear head over 17 tags at every step,
    cross-entropy per token. skrnn: ``RNNSequenceTagger(hidden_size=128,
    embedding_dim=100, batch_size=32, max_iter=1, random_state=0)``
    (bidirectional by default).
``classify``
    SST-2 sentiment of its training sentences (``label<TAB>text``, the text
    split on spaces). A bidirectional LSTM of hidden 64, embedding 100, a
    head on the final states of both directions. skrnn:
    ``RNNClassifier(hidden_size=64, bidirectional=True, embedding_dim=100,
    batch_size=32, max_iter=1, random_state=0)``.

Both sides: Adam at 1e-3, batch 32, the sentences shuffled every epoch,
gradient clipping at a global norm of 5 and an L2 penalty on the weight
matrices (skrnn's defaults ``clip_norm=5.0``, ``alpha=1e-4``; PyTorch's
``clip_grad_norm_`` and Adam's ``weight_decay`` on the same matrices, not
on the biases nor the embedding, at ``alpha`` over the mean batch's
normaliser: the same work, and nearly the same model).

What each timed region holds
----------------------------

Training (``fit`` rows):

``skrnn`` (the ``skrnn_tok_per_s`` column)
    the whole ``fit`` of a new estimator on the lists of words and labels:
    input validation, learning the vocabulary, encoding the words to codes,
    encoding the labels, the memory check, the weights' initialisation,
    then one epoch (shuffle, pack each batch, forward, backward, L2 penalty,
    clipping, Adam with the embedding table updated lazily: only the rows
    of the batch's words, as PyTorch's ``SparseAdam``).
``skrnn_encode`` (``skrnn_encode_s``)
    what ``fit`` does before training, alone: ``_prepare_fit`` of a new
    estimator (validation, vocabulary, word and label encoding), timed as
    its own contender in the same rounds.
``skrnn loop`` (``skrnn_loop_tok_per_s``)
    tokens over (``skrnn`` - ``skrnn_encode``): the training loop, plus
    the weights' initialisation and the memory check. The ``ratio`` column
    compares this with PyTorch's loop; ``ratio_with_encode`` compares the
    whole ``fit``.
``torch_adam<n>``, ``torch_sparse<n>`` (``n`` threads)
    one epoch of a PyTorch trainer over precomputed integer codes: the
    vocabulary, the codes of every sentence (one int64 tensor each) and the
    labels' codes are made once, outside every timed region. Inside: a
    permutation of the sentences, then per batch of 32 ``pad_sequence``,
    ``pack_padded_sequence(enforce_sorted=False)``, ``nn.Embedding`` on the
    packed codes (no padding embedded), ``nn.LSTM(bidirectional=True,
    batch_first=True)`` on the ``PackedSequence``, ``nn.Linear`` on the
    packed outputs (``tag``) or on ``h_n`` of both directions
    (``classify``), cross-entropy, ``zero_grad``, ``backward``, clipping,
    the optimizer's step. ``adam``: one ``torch.optim.Adam`` over
    everything, the embedding's gradient dense (every row updated every
    step); ``sparse``: ``nn.Embedding(sparse=True)`` with
    ``torch.optim.SparseAdam`` for it and ``Adam`` for the rest (the
    clipping norm then sums the dense gradients' and the coalesced sparse
    gradient's norms). The trainer is made once and keeps training from
    round to round.

Inference (``predict`` rows):

``skrnn``
    ``predict`` of the fitted estimator on the lists of words: encoding
    with the learned vocabulary, forward passes over chunks of 512
    sentences in length order (skrnn's inference chunks), the argmax, the
    labels (one array per sentence for ``tag``).
``skrnn_encode``
    the encoding alone (``check_sequences``, what ``predict`` calls first).
``torch<n>``
    ``torch.inference_mode`` forward passes of the trained PyTorch model
    over the precomputed codes, in the same chunks of 512 sentences in
    length order (made outside the timed region): pad, pack, embed, LSTM,
    head, argmax, giving the predicted codes (no mapping back to labels or
    per-sentence arrays).

PyTorch runs at 1 and 2 threads (``torch.set_num_threads``); every ratio is
skrnn's tokens per second over those of the **fastest** PyTorch contender
(above 1: skrnn is faster), and the printed table says which it was. The
contenders alternate in the same process (skrnn, skrnn's encoding, each
PyTorch contender, skrnn, ...), warm-up rounds excluded, each figure the
median over the repeats.

The data is read from ``<repository>/../shared/data`` (``--data`` to point
elsewhere): ``ud-english-ewt/en_ewt-ud-train.conllu`` and
``sentiment/sst2-train.tsv``. Without them the script runs on synthetic
token data of the same shape (Zipf-distributed words), and says so in the
``data`` column.

Usage::

    python benchmarks/bench_words.py                   # both tasks, everything
    python benchmarks/bench_words.py --task tag --repeats 5
    python benchmarks/bench_words.py --quick           # smoke run, seconds
    python benchmarks/bench_words.py --unpinned        # no OPENBLAS_CORETYPE
"""

import argparse
import sys
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
from _harness import (
    TORCH_THREADS,
    add_output_arguments,
    alternate,
    apply_quick,
    describe,
    environment,
    fastest,
    import_torch,
    output_path,
    rerun_unpinned,
    save_json,
    torch_contenders,
)
from sklearn.exceptions import ConvergenceWarning

from skrnn import RNNClassifier, RNNSequenceTagger
from skrnn._engine.batched import CHUNK
from skrnn._sequences import check_sequences

#: ``../shared/data`` next to the repository (as CI lays it out)
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
UD_TRAIN = Path("ud-english-ewt") / "en_ewt-ud-train.conllu"
SST2_TRAIN = Path("sentiment") / "sst2-train.tsv"

#: the settings of each task (see the module's docstring)
TASKS = {
    "tag": dict(hidden=128, embedding_dim=100, file=UD_TRAIN, name="UD English-EWT"),
    "classify": dict(hidden=64, embedding_dim=100, file=SST2_TRAIN, name="SST-2"),
}
PHASES = ("fit", "predict")
#: PyTorch's optimizer forms in training (see the module's docstring)
FORMS = ("adam", "sparse")
#: skrnn's defaults that PyTorch's trainers match
ALPHA, CLIP = 1e-4, 5.0
LEARNING_RATE, MIN_COUNT = 1e-3, 2


# ------------------------------------------------------------------ data
def read_conllu(path):
    """``(words, tags)``: one list of FORMs and one of UPOS per sentence."""
    sentences, words, tags = [], [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                if words:
                    sentences.append((words, tags))
                words, tags = [], []
                continue
            fields = line.split("\t")
            if len(fields) > 3 and fields[0].isdigit():
                words.append(fields[1])
                tags.append(fields[3])
    if words:
        sentences.append((words, tags))
    return [s[0] for s in sentences], [s[1] for s in sentences]


def read_sst2(path):
    """``(words, labels)``: the space-split text and the int label of each line."""
    words, labels = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            label, sep, text = line.rstrip("\n").partition("\t")
            tokens = text.split()
            if sep and tokens:
                words.append(tokens)
                labels.append(int(label))
    return words, np.array(labels, dtype=np.int64)


def synthetic(task, n, seed=0):
    """Token data of the task's shape: Zipf-distributed words, random labels."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(3, 41, size=n)
    ids = np.minimum(rng.zipf(1.3, size=int(lengths.sum())), 20_000)
    words = [f"w{k}" for k in ids.tolist()]
    bounds = np.cumsum(lengths)[:-1]
    sentences = [list(s) for s in np.split(np.array(words, dtype=object), bounds)]
    if task == "tag":
        tags = [[f"T{int(w[1:]) % 17}" for w in s] for s in sentences]
        return sentences, tags
    return sentences, rng.integers(0, 2, size=n).astype(np.int64)


def load(task, data_dir, n_sentences, seed=0):
    """The task's sentences (lowercased words for ``tag``) and labels.

    Returns ``(words, labels, source)``; ``n_sentences`` (None: all) are
    drawn at random, in a fixed order.
    """
    path = Path(data_dir) / TASKS[task]["file"]
    if path.is_file():
        words, labels = (read_conllu if task == "tag" else read_sst2)(path)
        source = TASKS[task]["name"]
    else:
        words, labels = synthetic(task, n_sentences or 10_000, seed)
        source = "synthetic"
    if task == "tag":
        words = [[w.lower() for w in s] for s in words]
    order = np.random.default_rng(seed).permutation(len(words))[:n_sentences]
    words = [words[i] for i in order]
    labels = [labels[i] for i in order] if task == "tag" else labels[order]
    return words, labels, source


def vocabulary(sentences, min_count=MIN_COUNT):
    """Codes of the words seen ``min_count`` times or more (from 1; 0 unknown)."""
    counts = Counter(w for s in sentences for w in s)
    kept = sorted(w for w, c in counts.items() if c >= min_count)
    return {w: k for k, w in enumerate(kept, start=1)}


# ----------------------------------------------------------------- torch
class TorchModel:
    """The PyTorch model and trainer of a task, in one optimizer form.

    ``head='all'``: a linear head on every step's output (tagging);
    ``'last'``: on the final states of both directions (classification).
    """

    def __init__(self, torch, vocab, n_out, embedding_dim, hidden, head, form, decay):
        self.torch, self.head_kind, self.form = torch, head, form
        nn = torch.nn
        torch.manual_seed(0)
        self.sparse = form == "sparse"
        self.embed = nn.Embedding(vocab, embedding_dim, sparse=self.sparse)
        self.rnn = nn.LSTM(embedding_dim, hidden, bidirectional=True, batch_first=True)
        self.head = nn.Linear(2 * hidden, n_out)
        self.loss_fn = nn.CrossEntropyLoss()
        # L2 on the weight matrices, as skrnn's alpha (not biases, not tables)
        weights = [p for n, p in self.rnn.named_parameters() if n.startswith("weight")]
        weights.append(self.head.weight)
        biases = [p for n, p in self.rnn.named_parameters() if n.startswith("bias")]
        biases.append(self.head.bias)
        groups = [{"params": weights, "weight_decay": decay}, {"params": biases}]
        self.dense = weights + biases
        if self.sparse:
            self.sparse_opt = torch.optim.SparseAdam(
                list(self.embed.parameters()), lr=LEARNING_RATE
            )
        else:
            groups.append({"params": list(self.embed.parameters())})
            self.dense = self.dense + list(self.embed.parameters())
        self.opt = torch.optim.Adam(groups, lr=LEARNING_RATE)

    def _logits(self, seqs):
        """Pad, pack, embed the packed codes, run the LSTM and the head.

        For tagging each sequence is ``(n_steps, 2)``: codes and tags, packed
        together, so that the targets come out in the packed order.
        """
        torch = self.torch
        rnn_utils = torch.nn.utils.rnn
        lengths = torch.tensor([len(s) for s in seqs])
        padded = rnn_utils.pad_sequence(seqs, batch_first=True)
        packed = rnn_utils.pack_padded_sequence(
            padded, lengths, batch_first=True, enforce_sorted=False
        )
        data = packed.data
        codes, targets = (data[:, 0], data[:, 1]) if data.ndim == 2 else (data, None)
        x = rnn_utils.PackedSequence(
            self.embed(codes),
            packed.batch_sizes,
            packed.sorted_indices,
            packed.unsorted_indices,
        )
        out, (h_n, _) = self.rnn(x)
        if self.head_kind == "all":
            return self.head(out.data), targets
        return self.head(torch.cat([h_n[-2], h_n[-1]], dim=1)), None

    def step(self, seqs, labels=None):
        logits, targets = self._logits(seqs)
        loss = self.loss_fn(logits, targets if labels is None else labels)
        self.opt.zero_grad()
        if self.sparse:
            self.sparse_opt.zero_grad()
        loss.backward()
        self._clip()
        self.opt.step()
        if self.sparse:
            self.sparse_opt.step()
        return loss.item()

    def _clip(self):
        """Global-norm clipping at 5 (``clip_grad_norm_`` refuses sparse grads)."""
        torch = self.torch
        if not self.sparse:
            torch.nn.utils.clip_grad_norm_(self.dense, CLIP)
            return
        weight = self.embed.weight
        grad = weight.grad.coalesce()
        dense = [p for p in self.dense if p.grad is not None]
        total = torch.sqrt(
            torch.nn.utils.get_total_norm([p.grad for p in dense]) ** 2
            + grad.values().pow(2).sum()
        )
        torch.nn.utils.clip_grads_with_norm_(dense, CLIP, total)
        weight.grad = grad * torch.clamp(CLIP / (total + 1e-6), max=1.0)

    def predict(self, seqs):
        """The predicted codes: of every packed step, or of every sequence."""
        with self.torch.inference_mode():
            logits, _ = self._logits(seqs)
            return logits.argmax(dim=1)


# ------------------------------------------------------------------ tasks
class Task:
    """One task's data, in skrnn's form and in PyTorch's precomputed codes."""

    def __init__(self, task, args):
        self.task = task
        self.settings = TASKS[task]
        words, labels, self.source = load(task, args.data, args.sentences)
        self.words, self.labels = words, labels
        self.n_tokens = sum(len(s) for s in words)
        self.batch = args.batch
        self.model = None  # the last skrnn model fitted (for predict)
        self.torch_models = {}  # form -> TorchModel, trained in the fit phase
        # PyTorch's inputs: made once, outside every timed region
        self.codes = vocabulary(words)
        self.vocab = len(self.codes) + 1
        if task == "tag":
            tagset = sorted({t for s in labels for t in s})
            self.n_out = len(tagset)
            tag_code = {t: k for k, t in enumerate(tagset)}
            self.torch_seqs = [
                np.array(
                    [
                        [self.codes.get(w, 0), tag_code[t]]
                        for w, t in zip(s, y, strict=True)
                    ],
                    dtype=np.int64,
                )
                for s, y in zip(words, labels, strict=True)
            ]
            self.torch_labels = None
        else:
            self.n_out = int(labels.max()) + 1
            self.torch_seqs = [
                np.array([self.codes.get(w, 0) for w in s], dtype=np.int64)
                for s in words
            ]
            self.torch_labels = labels
        self.lengths = np.array([len(s) for s in words])
        # skrnn's normaliser per batch: its tokens (tag) or sentences (classify)
        per_batch = args.batch
        if task == "tag":
            per_batch *= self.n_tokens / len(words)
        self.decay = ALPHA / per_batch

    def make_skrnn(self):
        common = dict(
            hidden_size=self.settings["hidden"],
            embedding_dim=self.settings["embedding_dim"],
            batch_size=self.batch,
            max_iter=1,
            random_state=0,
        )
        if self.task == "tag":
            return RNNSequenceTagger(**common)
        return RNNClassifier(bidirectional=True, **common)

    def make_torch(self, torch, form):
        torch_seqs = [torch.from_numpy(s) for s in self.torch_seqs]
        head = "all" if self.task == "tag" else "last"
        model = TorchModel(
            torch,
            self.vocab,
            self.n_out,
            self.settings["embedding_dim"],
            self.settings["hidden"],
            head,
            form,
            self.decay,
        )
        labels = None
        if self.torch_labels is not None:
            labels = torch.from_numpy(self.torch_labels)
        return model, torch_seqs, labels

    # ----------------------------------------------------------- contenders
    def fit_contenders(self, torch):
        def skrnn_fit():
            self.model = self.make_skrnn().fit(self.words, self.labels)

        def skrnn_encode():
            self.make_skrnn()._prepare_fit(self.words, self.labels, None, True, None)

        contenders = {"skrnn": skrnn_fit, "skrnn_encode": skrnn_encode}
        if torch is None:
            return contenders
        for form in FORMS:
            model, seqs, labels = self.make_torch(torch, form)
            self.torch_models[form] = (model, seqs)
            rng = np.random.default_rng(0)

            def epoch(model=model, seqs=seqs, labels=labels, rng=rng):
                order = rng.permutation(len(seqs))
                for start in range(0, len(order), self.batch):
                    idx = order[start : start + self.batch]
                    batch = [seqs[i] for i in idx]
                    model.step(batch, None if labels is None else labels[idx])

            contenders.update(torch_contenders(torch, epoch, f"torch_{form}"))
        return contenders

    def predict_contenders(self, torch):
        model = self.model

        def skrnn_predict():
            model.predict(self.words)

        def skrnn_encode():
            check_sequences(model, self.words, reset=False, dtype=model._net.dtype)

        contenders = {"skrnn": skrnn_predict, "skrnn_encode": skrnn_encode}
        if torch is None:
            return contenders
        trained, seqs = self.torch_models["adam"]
        # skrnn's inference chunks: CHUNK sentences at a time, by length
        order = np.argsort(self.lengths, kind="stable")
        chunks = [
            [seqs[i] for i in order[start : start + CHUNK]]
            for start in range(0, len(order), CHUNK)
        ]

        def run():
            for chunk in chunks:
                trained.predict(chunk)

        contenders.update(torch_contenders(torch, run, "torch"))
        return contenders


def torch_names(phase):
    """The PyTorch contenders of a phase."""
    if phase == "fit":
        return [f"torch_{form}{n}" for form in FORMS for n in TORCH_THREADS]
    return [f"torch{n}" for n in TORCH_THREADS]


def describe_torch(name):
    """``'torch_sparse2'`` -> ``'sparse, 2 thr'``; ``'torch1'`` -> ``'1 thr'``."""
    form, threads = name[len("torch") : -1].lstrip("_"), name[-1]
    return f"{form}, {threads} thr" if form else f"{threads} thr"


def bench(task, phase, torch, args):
    """Time one phase of a task; return its row of results."""
    contenders = (
        task.fit_contenders(torch) if phase == "fit" else task.predict_contenders(torch)
    )
    times = alternate(contenders, args.repeats, warmup=args.warmup)
    tokens = task.n_tokens
    rates = {name: tokens / t for name, t in times.items() if name != "skrnn_encode"}
    loop = max(times["skrnn"] - times["skrnn_encode"], 1e-9)
    row = {
        "task": task.task,
        "phase": phase,
        "data": task.source,
        "sentences": len(task.words),
        "tokens": tokens,
        "vocab": task.vocab,
        "hidden": task.settings["hidden"],
        "embedding_dim": task.settings["embedding_dim"],
        "batch": task.batch,
        "skrnn_tok_per_s": rates["skrnn"],
        "skrnn_loop_tok_per_s": tokens / loop,
        "skrnn_encode_s": times["skrnn_encode"],
    }
    best = None
    if torch:
        names = torch_names(phase)
        best, rate = fastest(rates, names)
        row.update({f"{name}_tok_per_s": rates[name] for name in names})
        row["ratio"] = row["skrnn_loop_tok_per_s"] / rate
        row["ratio_with_encode"] = rates["skrnn"] / rate
    return row, best


def print_header(phase, torch):
    header = (
        f"{'task':>8} {'data':>14} {'tokens':>8} {'skrnn tok/s':>12}"
        f" {'skrnn loop':>11} {'encode s':>9}"
    )
    if torch:
        header += "".join(f" {describe_torch(n):>14}" for n in torch_names(phase))
        header += f" {'fastest torch':>14} {'ratio':>6} {'w/ enc':>6}"
    print(header)


def print_row(row, best):
    line = (
        f"{row['task']:>8} {row['data']:>14} {row['tokens']:>8,}"
        f" {row['skrnn_tok_per_s']:>12,.0f} {row['skrnn_loop_tok_per_s']:>11,.0f}"
        f" {row['skrnn_encode_s']:>9.3f}"
    )
    if best:
        line += "".join(
            f" {row[f'{n}_tok_per_s']:>14,.0f}" for n in torch_names(row["phase"])
        )
        line += (
            f" {describe_torch(best):>14} {row['ratio']:>6.2f}"
            f" {row['ratio_with_encode']:>6.2f}"
        )
    print(line, flush=True)


def avx512():
    """Whether the CPU has AVX-512 (``avx512f`` in /proc/cpuinfo), or None."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return "avx512f" in line.split()
    except OSError:
        pass
    return None


#: what ``--quick`` sets: both tasks and phases, every contender, tiny
QUICK = dict(sentences=300, repeats=1, warmup=0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", nargs="+", default=list(TASKS), choices=list(TASKS))
    parser.add_argument(
        "--phase", nargs="+", default=list(PHASES), choices=list(PHASES)
    )
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument(
        "--sentences", type=int, help="sentences of each task (default: all)"
    )
    parser.add_argument(
        "--data", default=str(DATA), help=f"the shared data directory ({DATA})"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds")
    parser.add_argument("--no-torch", action="store_true")
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    if args.unpinned:
        return rerun_unpinned(__file__, sys.argv[1:] if argv is None else argv)
    apply_quick(args, QUICK)
    if "predict" in args.phase and "fit" not in args.phase:
        parser.error("--phase predict needs fit too (it predicts with its models)")
    warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=1 on purpose
    torch = None if args.no_torch else import_torch()
    info = environment()
    info["avx512"] = avx512()
    print(describe(info))
    has = {True: "yes", False: "no", None: "unknown"}[info["avx512"]]
    print(f"# AVX-512 on this CPU: {has}")
    if torch is None and not args.no_torch:
        print("# torch is not importable: skrnn figures only")
    tasks = [Task(name, args) for name in args.task]
    for task in tasks:
        s = task.settings
        print(
            f"# {task.task}: {task.source}, {len(task.words):,} sentences, "
            f"{task.n_tokens:,} tokens, vocabulary {task.vocab:,} (seen >= "
            f"{MIN_COUNT} times, + unknown), {task.n_out} classes; bidirectional "
            f"LSTM, hidden {s['hidden']}, embedding {s['embedding_dim']}"
        )
    print(
        f"# tokens per second, float32, batch {args.batch}, one epoch per timing; "
        f"medians of {args.repeats}"
        + ("; QUICK: a smoke run, not figures" if args.quick else "")
    )
    if torch:
        print(
            "# ratio: skrnn's loop (its fit or predict less its encoding) over the "
            "fastest PyTorch contender; w/ enc: skrnn's whole fit or predict"
        )
    rows = []
    for phase in args.phase:
        print(f"# {phase}")
        print_header(phase, torch)
        for task in tasks:
            row, best = bench(task, phase, torch, args)
            print_row(row, best)
            rows.append(row)
    name = "words"
    save_json(output_path(args, name), name, rows, info, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
