# SPDX-License-Identifier: BSD-3-Clause
"""The per-position SVC baseline for captioning strips of handwritten digits.

Issue 14's real-data check of ``RNNSeq2Seq`` in its vector-to-sequence mode
("image captioning"): strips of 1 to ``max_digits`` digits of
``sklearn.datasets.load_digits`` side by side, captioned with their digit
string (:func:`skrnn.datasets.make_digit_strips`; train strips from the train
images, test strips from the held-out images). This script is the baseline a
sequence model is compared with; it trains no recurrent network.

The baseline
------------
For each position ``k = 0 .. max_digits - 1``, one RBF
``sklearn.svm.SVC`` predicts, from the whole strip vector
(``64 * max_digits`` pixels in [0, 1]), the digit at position ``k`` or the
class "end" (no digit there). The predicted caption is the digits before the
first predicted "end". It knows where each digit sits (the strips are
left-aligned, 8 columns per digit), which a sequence model has to learn.

Tuning, then one test
---------------------
Each position's ``C`` and ``gamma`` are chosen on the train strips alone:
they are split 80 / 20 into a fitting part and a validation part (by strip;
both parts are made of the same train images, so validation is a little
optimistic, which only matters for the choice). Every pair of
``C`` in ``C_GRID`` and ``gamma`` in ``GAMMA_FACTORS`` times
``'scale'`` (``1 / (n_features * X.var())`` of the fitting part) is fitted on
the fitting part and scored (accuracy at that position) on the validation
part; the best pair (the first in grid order on ties) is refitted on all the
train strips (gamma: the same multiple of their ``'scale'``), and the test
strips are predicted once.

Reported on the test strips: exact-match caption accuracy, the character
error rate (the sum over strips of the Levenshtein distance between the
predicted and the true caption, divided by the number of true characters),
the accuracy of each position's SVC, and the seconds of the grid search, of
the final fits and of the test predictions, at one thread
(``threadpool_limits(1)``; libsvm itself is single-threaded).

Usage::

    OPENBLAS_NUM_THREADS=1 python benchmarks/digit_strips_baseline.py
    python benchmarks/digit_strips_baseline.py --n-train 300 --n-test 100
    python benchmarks/digit_strips_baseline.py --max-digits 6 --json r.json

The train and test strips are drawn from one ``RandomState(--seed)``, train
first, so their captions differ too.

Results
-------
Measured on 2 AMD EPYC cores shared with other jobs, one thread, NumPy 2.4.6
with OpenBLAS, scikit-learn 1.9.1; 5,000 train and 1,000 test strips of 1 to 4
digits (the default sizes), ``OPENBLAS_NUM_THREADS=1``::

    seed  exact match  CER     test accuracy, position 0 1 2 3
    0     0.9430       0.0229  0.977  0.987  0.985  0.993
    1     0.9480       0.0214  0.988  0.975  0.990  0.994
    2     0.9350       0.0279  0.977  0.978  0.987  0.991

    seed  chosen (C, gamma / 'scale'), position 0 1 2 3
    0     (100, 1/8)  (10, 1/2)   (100, 1/8)  (10, 1/4)
    1     (100, 1/8)  (100, 1/8)  (100, 1/4)  (10, 1/4)
    2     (100, 1/8)  (100, 1/8)  (10, 1)     (100, 1/4)

``'scale'`` is about 0.035 (``X.var()`` of 4-digit strips is about 0.11).
Seconds per run: grid search 36 to 45 (60 fits on 4,000 strips), final fits
1.6 to 1.9, test predictions 0.8 to 0.9. The validation surface is flat: with
C of 10 or 100 and gamma from 1/8 to 1 times ``'scale'``, every pair is within
0.015 of the best at every position, so the choice matters little; the best
pairs sit on a ridge of high C and low gamma. Validation accuracy (0.991 to
1.000) is above test accuracy (0.975 to 0.994) because the validation strips
reuse the fitting part's images.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
from _g2p import edit_distance
from _harness import describe, environment
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from skrnn.datasets import make_digit_strips

#: The class of a position after the caption's last digit.
END = 10
C_GRID = (1.0, 10.0, 100.0)
#: ``gamma`` is searched as these multiples of SVC's ``'scale'`` value.
GAMMA_FACTORS = (0.125, 0.25, 0.5, 1.0, 2.0)
VALIDATION_FRACTION = 0.2


def position_labels(captions, max_digits):
    """The class at each position: the digit there, or ``END`` after the last.

    Returns an int array of shape ``(len(captions), max_digits)``.
    """
    labels = np.full((len(captions), max_digits), END)
    for row, caption in enumerate(captions):
        labels[row, : len(caption)] = [int(char) for char in caption]
    return labels


def captions_from_labels(labels):
    """The caption of each row of position classes: the digits before an END."""
    captions = []
    for row in labels:
        ends = np.flatnonzero(row == END)
        length = ends[0] if len(ends) else len(row)
        captions.append("".join(str(digit) for digit in row[:length]))
    return captions


def character_error_rate(predicted, true):
    """Total edit distance over the total number of true characters."""
    distance = sum(edit_distance(p, t) for p, t in zip(predicted, true, strict=True))
    return distance / sum(len(t) for t in true)


def exact_match_accuracy(predicted, true):
    """The fraction of captions predicted exactly."""
    return float(np.mean([p == t for p, t in zip(predicted, true, strict=True)]))


def scale_gamma(X):
    """The value of SVC's ``gamma='scale'`` for ``X``."""
    return 1.0 / (X.shape[1] * X.var())


def tune_position(X_fit, labels_fit, X_val, labels_val):
    """The (C, gamma factor) pair of best validation accuracy at one position.

    Returns the pair and a list of ``(C, gamma_factor, accuracy)`` records,
    in grid order. Ties go to the first pair.
    """
    gamma = scale_gamma(X_fit)
    records = []
    for C in C_GRID:
        for factor in GAMMA_FACTORS:
            model = SVC(C=C, gamma=factor * gamma).fit(X_fit, labels_fit)
            records.append((C, factor, model.score(X_val, labels_val)))
    best = max(records, key=lambda record: record[2])
    return best[:2], records


def tune(X_train, labels_train, seed):
    """Each position's (C, gamma factor), chosen on a validation part of train."""
    X_fit, X_val, labels_fit, labels_val = train_test_split(
        X_train, labels_train, test_size=VALIDATION_FRACTION, random_state=seed
    )
    choices, searches = [], []
    for k in range(labels_train.shape[1]):
        choice, records = tune_position(
            X_fit, labels_fit[:, k], X_val, labels_val[:, k]
        )
        choices.append(choice)
        searches.append(records)
    return choices, searches


def fit_positions(X_train, labels_train, choices):
    """One SVC per position, fitted on all the train strips with its choice."""
    gamma = scale_gamma(X_train)
    return [
        SVC(C=C, gamma=factor * gamma).fit(X_train, labels_train[:, k])
        for k, (C, factor) in enumerate(choices)
    ]


def predict_positions(models, X):
    """The predicted class at every position, of shape (n_strips, n_positions)."""
    return np.column_stack([model.predict(X) for model in models])


def run(n_train, n_test, max_digits, seed):
    """Tune, fit and test the baseline; a dict of the figures."""
    rng = np.random.RandomState(seed)
    X_train, y_train = make_digit_strips(
        n_train, max_digits=max_digits, subset="train", random_state=rng
    )
    X_test, y_test = make_digit_strips(
        n_test, max_digits=max_digits, subset="test", random_state=rng
    )
    labels_train = position_labels(y_train, max_digits)
    labels_test = position_labels(y_test, max_digits)

    start = time.perf_counter()
    choices, searches = tune(X_train, labels_train, seed)
    tune_seconds = time.perf_counter() - start
    start = time.perf_counter()
    models = fit_positions(X_train, labels_train, choices)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    predicted_labels = predict_positions(models, X_test)
    predict_seconds = time.perf_counter() - start

    predicted = captions_from_labels(predicted_labels)
    gamma = scale_gamma(X_train)
    return {
        "n_train": n_train,
        "n_test": n_test,
        "max_digits": max_digits,
        "seed": seed,
        "exact_match": exact_match_accuracy(predicted, y_test),
        "character_error_rate": character_error_rate(predicted, y_test),
        "position_accuracy": (predicted_labels == labels_test).mean(axis=0).tolist(),
        "chosen": [
            {"C": C, "gamma_factor": factor, "gamma": factor * gamma}
            for C, factor in choices
        ],
        "validation": [
            [{"C": C, "gamma_factor": f, "accuracy": a} for C, f, a in records]
            for records in searches
        ],
        "tune_seconds": tune_seconds,
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
    }


def report(results):
    """Print the figures as a small table."""
    print(describe(environment()))
    print(
        f"# {results['n_train']} train / {results['n_test']} test strips, "
        f"max_digits={results['max_digits']}, seed={results['seed']}"
    )
    print("position  C      gamma (x scale)  val acc  test acc")
    for k, (chosen, records, accuracy) in enumerate(
        zip(
            results["chosen"],
            results["validation"],
            results["position_accuracy"],
            strict=True,
        )
    ):
        best = max(record["accuracy"] for record in records)
        gamma = f"{chosen['gamma']:.4f} ({chosen['gamma_factor']:g})"
        print(f"{k:<8d}  {chosen['C']:<5g}  {gamma:<15}  {best:.4f}   {accuracy:.4f}")
    print(f"exact-match accuracy   {results['exact_match']:.4f}")
    print(f"character error rate   {results['character_error_rate']:.4f}")
    print(
        f"seconds: grid search {results['tune_seconds']:.1f}, "
        f"final fit {results['fit_seconds']:.1f}, "
        f"predict {results['predict_seconds']:.2f}"
    )


def positive_int(text):
    """An argparse type: an int of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n-train", type=positive_int, default=5000)
    parser.add_argument("--n-test", type=positive_int, default=1000)
    parser.add_argument("--max-digits", type=positive_int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", metavar="PATH", help="also write the figures here")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    with threadpool_limits(1):
        results = run(args.n_train, args.n_test, args.max_digits, args.seed)
    report(results)
    if args.json:
        results["environment"] = environment()
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
