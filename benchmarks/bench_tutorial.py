# SPDX-License-Identifier: BSD-3-Clause
"""The seed tutorial end to end: skrnn vs Keras, in seconds.

The tutorial this project grew from trains a character-level vanilla RNN on
one line of text (``skrnn.datasets.load_seed_text()``, 92 characters) to
predict the character after every window of 3, then generates 40 characters
greedily from ``"Kurudusonnehalli"``. One timed unit is the whole of it:
making the windows, building the model, 100 epochs of training and the 40
generated characters (imports excluded).

The contenders:

pipeline
    skrnn as in ``examples/plot_seed_tutorial.py``: ``sliding_windows(text,
    3)``, ``make_pipeline(OneHotCharEncoder(categories=sorted(set(text))),
    RNNClassifier(cell='rnn', activation='relu', hidden_size=50,
    learning_rate_init=1e-3, batch_size=32, max_iter=100))``, then the
    tutorial's loop: 40 calls of ``predict`` on the last 3 characters.
generator
    skrnn's own language model, as in the same example:
    ``CharRNNGenerator(cell='rnn', activation='relu', hidden_size=50,
    seq_length=3, learning_rate_init=1e-3, batch_size=32, max_iter=100)``
    fitted on the text, then ``generate("Kurudusonnehalli", 40,
    temperature=0)``.
keras1, keras2
    The tutorial's code as it is written (where Keras is importable; Keras 3
    runs on PyTorch here, at PyTorch's 1 and 2 threads): ``Sequential`` of
    ``SimpleRNN(50, activation='relu')`` and ``Dense(softmax)``, one-hot
    windows of 3 characters, ``compile(optimizer='adam',
    loss='categorical_crossentropy', metrics=['accuracy'])``, ``fit(...,
    epochs=100, batch_size=32, verbose=0)``, then 40 greedy
    ``model.predict`` calls (``verbose=0``: no progress bars). The one-hot
    arrays are made with NumPy instead of ``tf.one_hot`` (TensorFlow is not
    needed).

Both skrnn models are given ``n_iter_no_change=100`` so that, like Keras,
they run exactly 100 epochs (their early stop on a training loss that has
stopped improving could otherwise end them sooner); the other settings are
the example's. The figure is seconds per run and the ratio is Keras' time
(its better thread setting) over skrnn's. The contenders run in the same
process, alternating, warm-up excluded; each figure is the median over the
repeats.

Usage::

    python benchmarks/bench_tutorial.py                      # 3 repeats
    python benchmarks/bench_tutorial.py --repeats 5 --json results/tutorial.json
    python benchmarks/bench_tutorial.py --unpinned           # no OPENBLAS_CORETYPE
"""

import argparse
import os
import sys
import warnings

# Keras 3 runs on PyTorch here; the backend is chosen when keras is imported
os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
from _harness import (  # noqa: E402
    alternate,
    describe,
    environment,
    import_torch,
    rerun_unpinned,
    save_json,
    torch_contenders,
)
from sklearn.pipeline import make_pipeline  # noqa: E402

from skrnn import (  # noqa: E402
    CharRNNGenerator,
    OneHotCharEncoder,
    RNNClassifier,
    sliding_windows,
)
from skrnn.datasets import load_seed_text  # noqa: E402

START = "Kurudusonnehalli"
SEQ_LENGTH = 3
HIDDEN = 50
EPOCHS = 100
BATCH = 32
LEARNING_RATE = 1e-3
N_NEW = 40
#: the project's target for Keras' time over skrnn's
TARGET = 20


def import_keras():
    """``keras`` if importable (on any backend), else None."""
    try:
        import keras
    except ImportError:
        return None
    return keras


def skrnn_pipeline(text, epochs=EPOCHS, random_state=0):
    """The tutorial with the example's Pipeline; returns (text, epochs)."""
    X, y = sliding_windows(text, SEQ_LENGTH)
    model = make_pipeline(
        OneHotCharEncoder(categories=sorted(set(text))),
        RNNClassifier(
            cell="rnn",
            activation="relu",
            hidden_size=HIDDEN,
            learning_rate_init=LEARNING_RATE,
            batch_size=BATCH,
            max_iter=epochs,
            n_iter_no_change=epochs,
            random_state=random_state,
        ),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter
        model.fit(X, y)
    generated = START
    for _ in range(N_NEW):
        window = np.array([list(generated[-SEQ_LENGTH:])])
        generated += model.predict(window)[0]
    return generated, model[-1].n_iter_


def skrnn_generator(text, epochs=EPOCHS, random_state=0):
    """The example's CharRNNGenerator; returns (text, epochs)."""
    gen = CharRNNGenerator(
        cell="rnn",
        activation="relu",
        hidden_size=HIDDEN,
        seq_length=SEQ_LENGTH,
        learning_rate_init=LEARNING_RATE,
        batch_size=BATCH,
        max_iter=epochs,
        n_iter_no_change=epochs,
        random_state=random_state,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gen.fit(text)
    return gen.generate(START, N_NEW, temperature=0), gen.n_iter_


def keras_tutorial(keras, text, epochs=EPOCHS, random_state=0):
    """The tutorial's Keras code, as written; returns (text, epochs)."""
    from keras.layers import Dense, SimpleRNN
    from keras.models import Sequential

    keras.utils.set_random_seed(random_state)
    chars = sorted(list(set(text)))
    char_to_index = {char: i for i, char in enumerate(chars)}
    index_to_char = {i: char for i, char in enumerate(chars)}
    seq_length = SEQ_LENGTH
    sequences = []
    labels = []
    for i in range(len(text) - seq_length):
        seq = text[i : i + seq_length]
        label = text[i + seq_length]
        sequences.append([char_to_index[char] for char in seq])
        labels.append(char_to_index[label])
    X = np.array(sequences)
    y = np.array(labels)
    eye = np.eye(len(chars), dtype=np.float32)  # tf.one_hot
    X_one_hot = eye[X]
    y_one_hot = eye[y]
    model = Sequential()
    model.add(keras.Input((seq_length, len(chars))))  # the input_shape argument
    model.add(SimpleRNN(HIDDEN, activation="relu"))
    model.add(Dense(len(chars), activation="softmax"))
    model.compile(
        optimizer="adam",  # Keras' default learning rate: 1e-3
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(
        X_one_hot, y_one_hot, epochs=epochs, batch_size=BATCH, verbose=0
    )
    generated_text = START
    for _ in range(N_NEW):
        x = np.array([[char_to_index[char] for char in generated_text[-seq_length:]]])
        x_one_hot = eye[x]
        prediction = model.predict(x_one_hot, verbose=0)
        next_index = np.argmax(prediction)
        generated_text += index_to_char[next_index]
    return generated_text, len(history.history["loss"])


def run(args):
    torch = import_torch()
    keras = None if args.no_keras else import_keras()
    info = environment()
    print(describe(info))
    text = load_seed_text()
    print(
        f"# {len(text)} characters, vocabulary {len(set(text))}; windows of "
        f"{SEQ_LENGTH}, hidden {HIDDEN}, Adam {LEARNING_RATE:g}, batch {BATCH}, "
        f"{args.epochs} epochs, {N_NEW} greedy characters from {START!r}; "
        f"{args.repeats} repeats, medians"
    )
    results = {}  # the last run's (generated text, epochs) of each contender

    def pipeline_work():
        results["pipeline"] = skrnn_pipeline(text, args.epochs)

    def generator_work():
        results["generator"] = skrnn_generator(text, args.epochs)

    def keras_work():
        results["keras"] = keras_tutorial(keras, text, args.epochs)

    contenders = {"pipeline": pipeline_work, "generator": generator_work}
    keras_names = []
    if keras is None:
        print(
            "# Keras skipped (--no-keras)"
            if args.no_keras
            else "# keras is not importable: skrnn figures only"
        )
    else:
        print(f"# keras {info['keras']}")
        if torch is not None and keras.backend.backend() == "torch":
            keras_contenders = torch_contenders(torch, keras_work, "keras")
        else:
            keras_contenders = {"keras": keras_work}
        contenders.update(keras_contenders)
        keras_names = list(keras_contenders)
    times = alternate(contenders, args.repeats)
    keras_best = min(times[name] for name in keras_names) if keras_names else None
    print(f"{'contender':>10} {'seconds':>9} {'epochs':>6} {'keras/this':>10}  text")
    rows = []
    for name, seconds in times.items():
        generated, epochs = results["keras" if name in keras_names else name]
        ratio = None
        if keras_best is not None and not name.startswith("keras"):
            ratio = keras_best / seconds
        rows.append(
            {
                "contender": name,
                "seconds": seconds,
                "epochs": epochs,
                "keras_time_over_this": ratio,
                "generated": generated,
            }
        )
        shown = f"{ratio:>10.1f}" if ratio is not None else f"{'':>10}"
        print(f"{name:>10} {seconds:>9.3f} {epochs:>6} {shown}  {generated!r}")
    if keras_best is not None:
        met = [
            f"{row['contender']} {row['keras_time_over_this']:.0f}x"
            + ("" if row["keras_time_over_this"] >= TARGET else " (NOT met)")
            for row in rows
            if row["keras_time_over_this"] is not None
        ]
        print(
            f"# keras/this: Keras' time (its better thread setting) over skrnn's; "
            f"the project's target is >= {TARGET}x: " + ", ".join(met)
        )
    return rows, info


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--epochs", type=int, default=EPOCHS, help="the tutorial's are 100"
    )
    parser.add_argument("--no-keras", action="store_true")
    parser.add_argument("--json", metavar="PATH", help="write the results here")
    parser.add_argument(
        "--unpinned",
        action="store_true",
        help="run without OPENBLAS_CORETYPE in the environment",
    )
    args = parser.parse_args(argv)
    if args.unpinned and "OPENBLAS_CORETYPE" in os.environ:
        return rerun_unpinned(__file__, sys.argv[1:] if argv is None else argv)
    rows, info = run(args)
    save_json(args.json, "tutorial", rows, info)
    return 0


if __name__ == "__main__":
    sys.exit(main())
