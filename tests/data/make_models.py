# SPDX-License-Identifier: BSD-3-Clause
"""Write small fitted models of every recurrent estimator, with their outputs.

``tests/data/models_0.1.0.dev0_39a8c79.pkl`` was written by the skrnn of
commit 39a8c79 (before the estimator layer's redesign), with NumPy 2.4 and
scikit-learn 1.9::

    git worktree add /tmp/old 39a8c79
    PYTHONPATH=/tmp/old python tests/data/make_models.py OUT.pkl

``tests/test_persistence.py`` loads them with the current skrnn: each must
give the outputs recorded here, bit for bit, and train on.
"""

import pickle
import sys
import warnings

import numpy as np

from skrnn import CharRNNGenerator, RNNClassifier, RNNRegressor, RNNSequenceTagger


def main(out):
    """Fit the models and write them, with their outputs, to ``out``."""
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((24, 6, 2))
    X_list = [rng.standard_normal((n, 2)) for n in rng.integers(2, 7, size=20)]
    TEXT = "to be or not to be, that is the question. " * 6
    SMALL = dict(hidden_size=8, max_iter=3, learning_rate_init=0.01, random_state=0)
    y_class = (X[:, 0, 0] > 0).astype(int)
    y_value = X[:, :, 0].mean(axis=1)
    y_tags = [(x[:, 0] > 0).astype(int) for x in X_list]
    models = {
        "classifier": (
            RNNClassifier(**SMALL, cell="gru", bidirectional=True).fit(X, y_class),
            X,
            y_class,
        ),
        "regressor": (
            RNNRegressor(**SMALL, num_layers=2, solver="sgd").fit(X, y_value),
            X,
            y_value,
        ),
        "tagger": (
            RNNSequenceTagger(
                **SMALL, early_stopping=True, validation_fraction=0.2
            ).fit(X_list, y_tags),
            X_list,
            y_tags,
        ),
        "generator": (
            CharRNNGenerator(**SMALL, seq_length=8).fit(TEXT),
            "to be",
            None,
        ),
        "word_generator": (
            CharRNNGenerator(**SMALL, seq_length=4, cell="rnn").fit([TEXT.split()] * 3),
            [["to", "be", "or"]],
            None,
        ),
    }
    written = {}
    for name, (model, X_in, y) in models.items():
        if "generator" in name:
            seed = "to b" if name == "generator" else ["to", "be"]
            outputs = [
                model.predict_proba(X_in),
                model.generate(seed, 10, temperature=0),
            ]
        else:
            outputs = [model.predict(X_in), model.score(X_in, y)]
        written[name] = (pickle.dumps(model), X_in, y, outputs)
    with open(out, "wb") as f:
        pickle.dump(written, f)


if __name__ == "__main__":
    main(sys.argv[1])
