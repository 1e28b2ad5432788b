# SPDX-License-Identifier: BSD-3-Clause
"""Text generation speed: ``CharRNNGenerator.generate`` vs PyTorch and Keras.

A :class:`~skrnn.CharRNNGenerator` (LSTM with 256 hidden units by default) is
fitted briefly on a slice of the bundled Shakespeare corpus (one epoch: the
weights do not matter for speed). Each contender then continues one seed,
and a list of 32 seeds at once, with ``n`` new characters each (200 by
default), sampling at temperature 1.0. The figure is new characters per
second (``n_seeds * n / time``).

The contenders:

skrnn
    ``generate(seeds, n, temperature=1.0)``: the seeds are read once, then
    one step of the network per new character, the state carried.
torch1, torch2
    The same per-step loop in PyTorch with the same weights copied in
    (``nn.LSTM``/``nn.GRU``/``nn.RNN`` fed one-hot characters, and an
    ``nn.Linear`` head), under ``torch.inference_mode``: the seeds are read
    once, then each step feeds the sampled character back, drawn with
    ``torch.multinomial(softmax(logits / T))``; the codes are decoded into
    strings as ``generate`` does. At 1 and 2 threads; the ratio is taken
    against the better.
keras1, keras2
    The seed tutorial's loop (where Keras is importable): one
    ``model.predict`` call per new character on the one-hot window of the
    last ``--keras-window`` characters (3, the tutorial's ``seq_length``),
    with a Keras model of the same architecture and the same weights
    (``Sequential``: the recurrent layer and a ``Dense`` softmax). The 32
    seeds go through ``predict`` as one batch of 32 windows per step, and
    ``verbose=0`` spares the progress bar the tutorial prints. Keras runs on
    PyTorch here, at PyTorch's 1 and 2 threads. Each step costs the same
    whatever ``n`` is (a window of fixed length), so Keras generates only
    ``--keras-n`` characters (50 by default) to keep the run short.

Before timing, the script checks that the comparison is like for like: with
``temperature=0`` (greedy), PyTorch's continuation of the single seed must be
skrnn's, character for character, and Keras' next-character probabilities
after a few windows must be skrnn's ``predict_proba`` of the same windows;
it raises otherwise.

The contenders run in the same process, alternating, warm-up excluded; each
figure is the median over the repeats.

Usage::

    python benchmarks/bench_generation.py                   # LSTM, hidden 256
    python benchmarks/bench_generation.py --cell gru --hidden 128 --repeats 7
    python benchmarks/bench_generation.py --json results/generation.json
    python benchmarks/bench_generation.py --quick          # smoke run, seconds
    python benchmarks/bench_generation.py --unpinned        # no OPENBLAS_CORETYPE
"""

import argparse
import os
import sys
import warnings

# Keras 3 runs on PyTorch here; the backend is chosen when keras is imported
os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
from _harness import (  # noqa: E402
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

from skrnn import CharRNNGenerator  # noqa: E402
from skrnn.datasets import load_shakespeare  # noqa: E402


def import_keras():
    """``keras`` if importable (on any backend), else None."""
    try:
        import keras
    except ImportError:
        return None
    return keras


def fit_generator(cell, hidden, fit_chars, seed=0):
    """A briefly fitted generator (one epoch over a slice) and its text."""
    text = load_shakespeare()[:fit_chars]
    gen = CharRNNGenerator(cell=cell, hidden_size=hidden, max_iter=1, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one epoch does not converge
        gen.fit(text)
    return gen, text


def pick_seeds(text, n_seeds, length):
    """``n_seeds`` slices of ``length`` characters, spread over ``text``."""
    starts = np.linspace(0, len(text) - length, n_seeds).astype(int)
    return [text[s : s + length] for s in starts]


class TorchGenerator:
    """The per-step generation loop in PyTorch, with a generator's weights.

    Parameters
    ----------
    torch : module
    gen : CharRNNGenerator
        Fitted; its ``params_`` are copied (PyTorch's ``weight_ih`` is
        ``W_xh.T``, ``weight_hh`` is ``W_hh.T``; the single bias ``b_h`` of
        the vanilla and LSTM cells goes into ``bias_ih``, ``bias_hh`` being
        zero; the GRU keeps both biases).
    """

    def __init__(self, torch, gen):
        self.torch = torch
        self.classes = gen.classes_
        self.index = {c: i for i, c in enumerate(gen.classes_.tolist())}
        V, H, L = len(gen.classes_), gen.hidden_size, gen.num_layers
        P = gen.params_
        modules = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}
        kwargs = {"nonlinearity": gen.activation} if gen.cell == "rnn" else {}
        self.rnn = modules[gen.cell](V, H, num_layers=L, batch_first=True, **kwargs)
        self.head = torch.nn.Linear(H, V)
        if gen.cell == "gru":  # both biases kept
            biases = {"bias_ih": "b_xh", "bias_hh": "b_hh"}
        else:  # b_h = bias_ih + bias_hh
            biases = {"bias_ih": "b_h", "bias_hh": None}
        with torch.no_grad():
            for layer in range(L):
                values = {
                    "weight_ih": P[f"W_xh_l{layer}"].T,
                    "weight_hh": P[f"W_hh_l{layer}"].T,
                }
                for theirs, ours in biases.items():
                    values[theirs] = None if ours is None else P[f"{ours}_l{layer}"]
                for theirs, value in values.items():
                    param = getattr(self.rnn, f"{theirs}_l{layer}")
                    if value is None:
                        param.zero_()
                    else:
                        param.copy_(_t(torch, value))
            self.head.weight.copy_(_t(torch, P["W_hy"].T))
            self.head.bias.copy_(_t(torch, P["b_y"]))
        self.rnn.eval()
        self.eye = torch.eye(V)

    def generate(self, seeds, n, temperature=1.0, random_state=0):
        """``seed + continuation`` for each of ``seeds`` (all of one length)."""
        torch = self.torch
        rng = torch.Generator().manual_seed(random_state)
        codes = torch.tensor([[self.index[c] for c in s] for s in seeds])
        out = torch.empty((len(seeds), n), dtype=torch.long)
        with torch.inference_mode():
            y, state = self.rnn(self.eye[codes])
            logits = self.head(y[:, -1])
            for t in range(n):
                if temperature == 0:
                    tokens = torch.argmax(logits, dim=1)
                else:
                    probs = torch.softmax(logits / temperature, dim=1)
                    tokens = torch.multinomial(probs, 1, generator=rng)[:, 0]
                out[:, t] = tokens
                if t + 1 < n:
                    y, state = self.rnn(self.eye[tokens][:, None], state)
                    logits = self.head(y[:, 0])
        new = self.classes[out.numpy()]
        return [s + "".join(row) for s, row in zip(seeds, new, strict=True)]


def _t(torch, array):
    return torch.from_numpy(np.array(array, order="C"))  # a writable copy


class KerasGenerator:
    """The seed tutorial's generation loop, with a generator's weights.

    The model reads the one-hot window of the last ``window`` characters
    from the zero state (the tutorial's ``SimpleRNN`` is many-to-one, its
    ``model.predict`` called once per new character).
    """

    def __init__(self, keras, gen, window):
        self.keras = keras
        self.window = window
        self.chars = gen.classes_.tolist()
        self.index = {c: i for i, c in enumerate(self.chars)}
        V, H, L = len(self.chars), gen.hidden_size, gen.num_layers
        P = gen.params_
        layers = keras.layers
        model = keras.Sequential([keras.Input((window, V))])
        for layer in range(L):
            more = layer + 1 < L  # every layer but the last returns sequences
            suffix = f"_l{layer}"
            W_xh, W_hh = P[f"W_xh{suffix}"], P[f"W_hh{suffix}"]
            if gen.cell == "lstm":  # Keras' gates are i f c o, as ours
                rnn = layers.LSTM(H, return_sequences=more)
                weights = [W_xh, W_hh, P[f"b_h{suffix}"]]
            elif gen.cell == "gru":  # Keras' are z r h, ours r z n
                rnn = layers.GRU(H, return_sequences=more, reset_after=True)
                perm = np.r_[H : 2 * H, 0:H, 2 * H : 3 * H]
                bias = np.stack([P[f"b_xh{suffix}"][perm], P[f"b_hh{suffix}"][perm]])
                weights = [W_xh[:, perm], W_hh[:, perm], bias]
            else:
                rnn = layers.SimpleRNN(
                    H, activation=gen.activation, return_sequences=more
                )
                weights = [W_xh, W_hh, P[f"b_h{suffix}"]]
            model.add(rnn)
            rnn.set_weights([np.array(w) for w in weights])
        head = layers.Dense(V, activation="softmax")
        model.add(head)
        head.set_weights([np.array(P["W_hy"]), np.array(P["b_y"])])
        self.model = model
        self.eye = np.eye(V, dtype=np.float32)

    def probabilities(self, windows):
        """``model.predict`` of the one-hot windows (a list of str)."""
        codes = np.array([[self.index[c] for c in w] for w in windows])
        return self.model.predict(self.eye[codes], verbose=0)

    def generate(self, seeds, n, temperature=1.0, random_state=0):
        """``seed + continuation`` for each seed, one ``predict`` per step."""
        rng = np.random.default_rng(random_state)
        texts = list(seeds)
        for _ in range(n):
            p = self.probabilities([t[-self.window :] for t in texts])
            if temperature == 0:
                nxt = np.argmax(p, axis=1)
            else:
                p = p.astype(np.float64) ** (1.0 / temperature)
                cdf = np.cumsum(p, axis=1)
                u = rng.random(len(texts)) * cdf[:, -1]
                nxt = np.minimum((cdf <= u[:, None]).sum(axis=1), p.shape[1] - 1)
            texts = [t + self.chars[i] for t, i in zip(texts, nxt, strict=True)]
        return texts


def check_like_for_like(gen, torch_gen, keras_gen, seed, n):
    """Raise unless PyTorch and Keras compute what skrnn computes."""
    ours = gen.generate(seed, n, temperature=0)
    if torch_gen is not None:
        theirs = torch_gen.generate([seed], n, temperature=0)[0]
        if theirs != ours:
            at = next(i for i, c in enumerate(ours) if theirs[i] != c)
            raise RuntimeError(
                f"PyTorch's greedy continuation differs from skrnn's at character "
                f"{at - len(seed)} of {n}:\n  skrnn: {ours[len(seed) :]!r}\n"
                f"  torch: {theirs[len(seed) :]!r}"
            )
    if keras_gen is not None:
        w = keras_gen.window
        windows = [ours[i : i + w] for i in range(0, len(ours) - w, len(ours) // 8)]
        expected = gen.predict_proba(windows)
        got = keras_gen.probabilities(windows)
        error = float(np.max(np.abs(got - expected)))
        if not error < 1e-4:
            raise RuntimeError(
                f"Keras' probabilities differ from skrnn's by up to {error:.3g}: "
                "the weights were not copied faithfully."
            )


def run(args):
    torch = None if args.no_torch else import_torch()
    keras = None if args.no_keras else import_keras()
    info = environment()
    print(describe(info))
    if torch is None and not args.no_torch:
        print("# torch is not importable: no PyTorch figures")
    if keras is None:
        print(
            "# keras is not importable: no Keras figures"
            if not args.no_keras
            else "# Keras skipped (--no-keras)"
        )
    else:
        print(f"# keras {info['keras']}")
    gen, text = fit_generator(args.cell, args.hidden, args.fit_chars)
    seeds = pick_seeds(text, args.seeds, args.seed_length)
    keras_note = ""
    if keras is not None:
        keras_note = f" (Keras: {args.keras_n}, window {args.keras_window})"
    print(
        f"# {args.cell} hidden {args.hidden}, vocabulary {len(gen.classes_)} "
        f"(fitted 1 epoch on {len(text):,} characters); seeds of "
        f"{args.seed_length} characters; n={args.n} new characters{keras_note}, "
        f"temperature {args.temperature}; {args.repeats} repeats, medians"
        + ("; QUICK: a smoke run, not figures" if args.quick else "")
    )
    torch_gen = TorchGenerator(torch, gen) if torch is not None else None
    keras_gen = None
    if keras is not None:
        keras_gen = KerasGenerator(keras, gen, args.keras_window)
    if torch is not None:
        torch.set_num_threads(1)
    check_like_for_like(gen, torch_gen, keras_gen, seeds[0], args.n)
    checked = []
    if torch_gen is not None:
        checked.append(f"PyTorch's greedy continuation ({args.n} chars) is skrnn's")
    if keras_gen is not None:
        checked.append("Keras' probabilities are skrnn's")
    if checked:
        print("# checked: " + "; ".join(checked))

    names = ["skrnn"]
    if torch_gen is not None:
        names += ["torch1", "torch2"]
    keras_names = []
    if keras_gen is not None:
        keras_names = ["keras"]
        if keras_on_torch(keras, torch):
            keras_names = ["keras1", "keras2"]
        names += keras_names
    print("# new characters per second; ratios: skrnn over the better setting")
    header = f"{'seeds':>5} " + " ".join(f"{name:>10}" for name in names)
    if torch_gen is not None:
        header += f" {'/torch':>7}"
    if keras_gen is not None:
        header += f" {'/keras':>7}"
    print(header)
    rows = []
    for batch in sorted({1, args.seeds}):
        contenders = make_contenders(
            args, gen, torch, torch_gen, keras, keras_gen, seeds[:batch]
        )
        times = alternate(contenders, args.repeats, warmup=args.warmup)
        rates = {}
        for name, seconds in times.items():
            n = args.keras_n if name.startswith("keras") else args.n
            rates[name] = batch * n / seconds
        row = {
            "cell": args.cell,
            "hidden": args.hidden,
            "vocabulary": len(gen.classes_),
            "seeds": batch,
            "n": args.n,
            "keras_n": args.keras_n if keras_gen is not None else None,
            "temperature": args.temperature,
            **{f"{name}_chars_per_s": rate for name, rate in rates.items()},
        }
        line = f"{batch:>5} " + " ".join(f"{rates[name]:>10,.0f}" for name in names)
        if torch_gen is not None:
            row["skrnn_over_torch"] = rates["skrnn"] / best_torch(rates)
            line += f" {row['skrnn_over_torch']:>7.2f}"
        if keras_gen is not None:
            best = max(rates[name] for name in keras_names)
            row["skrnn_over_keras"] = rates["skrnn"] / best
            line += f" {row['skrnn_over_keras']:>7.1f}"
        print(line, flush=True)
        rows.append(row)
    return rows, info


def make_contenders(args, gen, torch, torch_gen, keras, keras_gen, seeds):
    """The timed units of work for one batch of seeds, by contender name."""
    single = seeds[0] if len(seeds) == 1 else seeds

    def skrnn_work():
        gen.generate(single, args.n, temperature=args.temperature, random_state=0)

    contenders = {"skrnn": skrnn_work}
    if torch_gen is not None:

        def torch_work():
            torch_gen.generate(seeds, args.n, args.temperature)

        contenders.update(torch_contenders(torch, torch_work))
    if keras_gen is not None:

        def keras_work():
            keras_gen.generate(seeds, args.keras_n, args.temperature)

        if keras_on_torch(keras, torch):
            contenders.update(torch_contenders(torch, keras_work, "keras"))
        else:
            contenders["keras"] = keras_work
    return contenders


def keras_on_torch(keras, torch):
    """Whether Keras runs on PyTorch (its threads are then PyTorch's)."""
    return torch is not None and keras.backend.backend() == "torch"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cell", choices=["lstm", "gru", "rnn"], default="lstm")
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--n", type=int, default=200, help="new characters")
    parser.add_argument("--seeds", type=int, default=32, help="seeds of the batch")
    parser.add_argument("--seed-length", type=int, default=32)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument(
        "--fit-chars",
        type=int,
        default=100_000,
        help="characters of Shakespeare fitted on (one epoch)",
    )
    parser.add_argument("--keras-n", type=int, default=50)
    parser.add_argument("--keras-window", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds")
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--no-keras", action="store_true")
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    if args.quick:  # every contender and both batch sizes, tiny
        args.hidden, args.fit_chars, args.n, args.seeds = 32, 2000, 10, 4
        args.seed_length, args.keras_n = 8, 3
        args.repeats, args.warmup = 1, 0
    if args.seed_length < args.keras_window:
        parser.error("--seed-length must be at least --keras-window")
    if args.unpinned and "OPENBLAS_CORETYPE" in os.environ:
        return rerun_unpinned(__file__, sys.argv[1:] if argv is None else argv)
    rows, info = run(args)
    save_json(output_path(args, "generation"), "generation", rows, info, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
