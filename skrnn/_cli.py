# SPDX-License-Identifier: BSD-3-Clause
"""The command line: ``skrnn`` or ``python -m skrnn``.

Subcommands:

- ``train TEXTFILE --out MODEL``: train a character model on a text file,
  one epoch at a time, saving the best model so far after every epoch;
- ``generate MODEL --seed TEXT``: continue a text;
- ``score MODEL TEXTFILE``: nats per character and perplexity of a text;
- ``demo``: train on the bundled Shakespeare for a few minutes, printing
  progress and a sample after every epoch, then print generated text.

Errors are one line on stderr (``skrnn: error: ...``) and a non-zero exit
status: 2 for a bad command line, 1 for anything else, 130 if interrupted.
"""

import argparse
import contextlib
import math
import os
import sys
import time
import warnings

__all__ = ["main"]

#: Characters of the held-out tail scored after every epoch, in pieces
#: (read in parallel, each from the zero state): cheap next to an epoch.
HELD_OUT_CHARS, HELD_OUT_PIECE = 10_000, 1_000


class _Error(Exception):
    """A user error: reported as one line, exit status 1."""


def _warn(message, category, filename, lineno, file=None, line=None):
    """Show a warning (such as a model saved by another version) on one line."""
    print(f"skrnn: warning: {' '.join(str(message).split())}", file=sys.stderr)


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Help with the defaults shown, but for options that default to none."""

    def _get_help_string(self, action):
        if action.default is None:
            return action.help
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line (no usage block)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, formatter_class=_Formatter, **kwargs)

    def error(self, message):
        self.exit(2, f"skrnn: error: {message} (see '{self.prog} --help')\n")


# ---------------------------------------------------------------- option types
def _number(kind, low, high=math.inf, low_open=False, high_open=False):
    """An argparse type: a ``kind`` (int or float) between ``low`` and ``high``."""
    left, right = "(" if low_open else "[", ")" if high_open else "]"
    rule = f"in {left}{low:g}, {high:g}{right}"

    def convert(text):
        try:
            value = kind(text)
        except ValueError:
            value = math.nan
        above = value > low if low_open else value >= low
        below = value < high if high_open else value <= high
        if not (above and below and math.isfinite(value)):
            what = "an integer" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"must be {what} {rule}, got {text!r}")
        return value

    return convert


_positive_int = _number(int, 1)
_count = _number(int, 0)
_positive = _number(float, 0, low_open=True)


# ---------------------------------------------------------------- files
def _check_readable(path):
    """Fail early (before the slow imports) on a missing or unreadable file."""
    try:
        open(path, "rb").close()
    except OSError as e:
        raise _Error(f"cannot read {path!r}: {e.strerror}") from None


def _read_text(path):
    _check_readable(path)
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except UnicodeDecodeError as e:
        where = f"{e.reason} at byte {e.start}"
        raise _Error(f"{path!r} is not UTF-8 text ({where})") from None


def _load_model(path):
    """A fitted character-level CharRNNGenerator from a joblib file."""
    _check_readable(path)
    import joblib

    try:
        model = joblib.load(path)
    except Exception as e:  # pickle, EOF, key errors...: whatever the bytes were
        why = f"joblib.load failed: {type(e).__name__}"
        raise _Error(f"{path!r} is not a skrnn model file ({why})") from None
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    from .generator import CharRNNGenerator

    if not isinstance(model, CharRNNGenerator):
        raise _Error(f"{path!r} holds a {type(model).__name__}, not a CharRNNGenerator")
    try:
        check_is_fitted(model)
    except NotFittedError:
        raise _Error(f"{path!r} holds a CharRNNGenerator that is not fitted") from None
    if not getattr(model, "_char_level", False):
        raise _Error(f"{path!r} holds a token-level model, not a character model")
    return model


def _save_model(model, path):
    """``joblib.dump`` to ``path`` atomically: a temporary file, then rename.

    The temporary file is named before it exists (this process's id in its
    name), so that an interruption at any moment, even while it is being
    created, finds it to delete.
    """
    import joblib

    tmp = f"{os.path.abspath(path)}.{os.getpid()}.tmp"
    try:
        joblib.dump(model, tmp)
        os.replace(tmp, path)
    except BaseException:  # an interruption or full disk leaves the old file
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _check_writable(path):
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path) or not os.path.isdir(folder):
        raise _Error(f"cannot write {path!r}: not a file in an existing folder")


# ---------------------------------------------------------------- training
def _split(text, fraction):
    """Training text, and held-out pieces of the tail (for cheap scoring)."""
    cut = len(text) - int(len(text) * fraction)
    tail = text[cut : cut + HELD_OUT_CHARS]
    pieces = [tail[i : i + HELD_OUT_PIECE] for i in range(0, len(tail), HELD_OUT_PIECE)]
    return text[:cut], [p for p in pieces if len(p) >= 2]


def _epochs(gen, train, held_out, max_epochs, budget):
    """Train one epoch at a time; yield ``(epoch, held_out_loss, elapsed, left)``.

    The held-out loss is in nats per character (the training loss when
    there is no held-out text). With a time ``budget`` (seconds), training
    stops when the longest epoch so far would not fit in what is left.
    """
    start, durations, epoch = time.perf_counter(), [], 0
    gen._validate_params()  # as partial_fit does, whose loop runs below
    while True:
        t0 = time.perf_counter()
        # partial_fit's training loop, told how it ended: a Ctrl-C during the
        # epoch leaves the model as after the last one
        if gen._run_fit(train, None, None, incremental=True).interrupted:
            raise KeyboardInterrupt
        if epoch == 0:  # a character first seen in the tail is not scorable
            known = set(gen.classes_)
            held_out = ["".join(c for c in p if c in known) for p in held_out]
            held_out = [p for p in held_out if len(p) >= 2]
        held = -gen.score(held_out) if held_out else gen.loss_
        epoch += 1
        now = time.perf_counter()
        durations.append(now - t0)
        elapsed = now - start
        more = math.inf if max_epochs is None else max_epochs - epoch
        if budget is not None:
            more = min(more, int((budget - elapsed) // max(durations)))
        more = max(more, 0)
        yield epoch, held, elapsed, more * sum(durations) / len(durations)
        if more == 0:
            return


def _clock(seconds):
    seconds = round(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


def _train(args):
    _check_writable(args.out)
    text = _read_text(args.textfile)
    train, held_out = _split(text, args.validation_fraction)
    if len(train) < 2:
        raise _Error(f"{args.textfile!r} is too short to learn from")
    from .generator import CharRNNGenerator

    names = ["cell", "hidden_size", "num_layers", "seq_length", "batch_size"]
    gen = CharRNNGenerator(
        learning_rate_init=args.learning_rate,
        random_state=args.random_state,
        **{name: getattr(args, name) for name in names},
    )
    budget = None if args.minutes is None else 60.0 * args.minutes
    epochs = None if budget else args.epochs
    what = "held-out" if held_out else "training"  # the loss that picks the best
    print(
        f"Training a {args.num_layers}-layer {args.cell.upper()} (hidden "
        f"{args.hidden_size}) on {len(train):,} characters, "
        f"{len(text) - len(train):,} held out, for "
        + (f"{args.minutes:g} minutes" if budget else f"{epochs} epoch(s)")
        + ". Ctrl-C stops and keeps the best model.",
        flush=True,
    )
    best, best_epoch = math.inf, 0
    try:
        for epoch, held, elapsed, left in _epochs(gen, train, held_out, epochs, budget):
            saved = held < best
            if saved:
                _save_model(gen, args.out)
                best, best_epoch = held, epoch
            print(
                f"epoch {epoch}: loss {gen.loss_:.4f}"
                + (f", held-out {held:.4f}" if held_out else "")
                + f" nats/char, {_clock(elapsed)} elapsed, {_clock(left)} left"
                + (" (saved)" if saved else ""),
                flush=True,
            )
        status = 0
    except KeyboardInterrupt:
        print("\nInterrupted.", flush=True)
        status = 130
    if best_epoch:
        print(f"Best model (epoch {best_epoch}, {what} loss {best:.4f} nats/char)")
        print(f"saved to {args.out}")
    else:
        print("No epoch finished: no model saved.")
    return status


def _demo(args):
    from .datasets import load_shakespeare
    from .generator import CharRNNGenerator

    train, held_out = _split(load_shakespeare(), 0.05)
    gen = CharRNNGenerator(hidden_size=args.hidden_size, random_state=args.random_state)
    print(
        f"Training a character LSTM (hidden {args.hidden_size}) on {len(train):,} "
        f"characters of Shakespeare for at most {args.minutes:g} minutes "
        "(Ctrl-C stops early).",
        flush=True,
    )
    epoch, epochs = 0, _epochs(gen, train, held_out, None, 60 * args.minutes)
    try:
        for epoch, held, elapsed, _ in epochs:
            sample = gen.generate("\n", 60, temperature=0.7, random_state=epoch)
            print(
                f"epoch {epoch}: loss {gen.loss_:.3f}, held-out {held:.3f} "
                f"nats/char, {elapsed:.0f}s elapsed | {sample.strip()!r}",
                flush=True,
            )
    except KeyboardInterrupt:
        if not epoch:
            raise
        print("Interrupted: generating with the model so far.")
    print()
    return _print_generated(gen, args)


# ---------------------------------------------------------------- using a model
def _print_generated(model, args):
    kwargs = dict(temperature=args.temperature, top_k=args.top_k, top_p=args.top_p)
    print(model.generate(args.seed, args.n, random_state=args.random_state, **kwargs))
    return 0


def _generate(args):
    return _print_generated(_load_model(args.model), args)


def _score(args):
    text = _read_text(args.textfile)
    model = _load_model(args.model)
    nats = -model.score(text)
    print(
        f"{nats:.4f} nats/char ({nats / math.log(2):.4f} bits/char), "
        f"perplexity {math.exp(nats):.3f}"
    )
    return 0


# ---------------------------------------------------------------- parser
def _add_train(sub):
    train = sub.add_parser(
        "train",
        help="train a character model on a text file",
        description="Train a CharRNNGenerator on a UTF-8 text file, one epoch at "
        "a time. After every epoch that lowers the loss on the held-out tail of "
        "the text, the model is saved to MODEL; Ctrl-C stops and keeps it.",
    )
    add = train.add_argument
    add("textfile", help="UTF-8 text to learn from")
    add("--out", required=True, metavar="MODEL", help="model file to write")
    add("--cell", choices=["lstm", "gru", "rnn"], default="lstm", help="cell type")
    add("--hidden-size", type=_positive_int, default=256, metavar="H", help="units")
    add("--num-layers", type=_positive_int, default=1, metavar="L", help="layers")
    add("--seq-length", type=_positive_int, default=64, metavar="T",
        help="characters per training window")  # fmt: skip
    add("--batch-size", type=_positive_int, default=64, metavar="B",
        help="parallel streams through the text")  # fmt: skip
    stop = train.add_mutually_exclusive_group()
    stop.add_argument("--epochs", type=_positive_int, default=10, metavar="N",
                      help="epochs to train")  # fmt: skip
    stop.add_argument("--minutes", type=_positive, metavar="M",
                      help="train for at most M minutes instead")  # fmt: skip
    add(
        "--learning-rate", type=_positive, default=0.002, metavar="LR", help="step size"
    )
    add("--validation-fraction", type=_number(float, 0, 1, high_open=True),
        default=0.05, metavar="F", help="tail of the text held out")  # fmt: skip
    add("--random-state", type=int, metavar="R", help="seed of the training")
    train.set_defaults(func=_train)


def _add_sampling(parser, seed, n, temperature, random_state):
    add = parser.add_argument
    add(
        "--seed",
        default=seed,
        metavar="TEXT",
        help="text to continue (default: %(default)r)",
    )
    add("-n", type=_count, default=n, help="characters to generate")
    add("--temperature", type=_number(float, 0), default=temperature, metavar="T",
        help="0 is greedy; higher is more varied")  # fmt: skip
    add("--top-k", type=_positive_int, metavar="K",
        help="sample among the K likeliest characters only")  # fmt: skip
    add("--top-p", type=_number(float, 0, 1, low_open=True), metavar="P",
        help="sample among the likeliest holding probability P")  # fmt: skip
    add("--random-state", type=int, default=random_state, metavar="R",
        help="seed of the sampling")  # fmt: skip


def _parser():
    parser = _Parser(
        prog="skrnn",
        description="Recurrent neural networks in NumPy: character language models.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    model = "a file written by 'skrnn train' (a pickle: load only trusted files)"
    _add_train(sub)

    generate = sub.add_parser(
        "generate",
        help="continue a text with a trained model",
        description="Print the seed followed by generated characters.",
    )
    generate.add_argument("model", help=model)
    _add_sampling(generate, "", n=200, temperature=0.8, random_state=None)
    generate.set_defaults(func=_generate)

    score = sub.add_parser(
        "score",
        help="nats per character and perplexity of a text",
        description="Print the mean negative log-likelihood per character of a "
        "UTF-8 text (in nats and bits) and its perplexity.",
    )
    score.add_argument("model", help=model)
    score.add_argument("textfile", help="UTF-8 text to score")
    score.set_defaults(func=_score)

    demo = sub.add_parser(
        "demo",
        help="train on the bundled Shakespeare and print generated text",
        description="Train a character LSTM on the bundled Shakespeare, printing "
        "the loss and a sample after every epoch, then print generated text.",
    )
    demo.add_argument(
        "--minutes", type=_positive, default=2.0, metavar="M", help="time budget"
    )
    demo.add_argument(
        "--hidden-size", type=_positive_int, default=256, metavar="H", help="units"
    )
    _add_sampling(demo, "ROMEO:\n", n=400, temperature=0.7, random_state=0)
    demo.set_defaults(func=_demo)
    return parser


def main(argv=None):
    """Run the command line.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments after the program name; None reads ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status: 0 on success, 1 after an error (reported as one
        line on stderr), 130 if interrupted. A bad command line exits with
        status 2 (``SystemExit``), as argparse does.
    """
    args = _parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _warn
            return args.func(args)
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130
    except (_Error, OSError, ValueError) as e:  # ValueError: the estimators'
        print(f"skrnn: error: {' '.join(str(e).split())}", file=sys.stderr)
        return 1
