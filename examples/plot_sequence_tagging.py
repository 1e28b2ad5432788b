# SPDX-License-Identifier: BSD-3-Clause
"""
=================================================
Sequence tagging with a bidirectional LSTM
=================================================

:class:`~skrnn.RNNSequenceTagger` gives a label to every step of a sequence
(the aligned many-to-many topology). Here the sequences are noisy signals of
different lengths that switch between three regimes, ``low``, ``normal`` and
``high``; the tag of a step is the regime the signal is in at that step.

A single value says little about its regime (the noise is nearly as large
as the gap between the regimes), but its neighbours say a lot: a regime lasts
several steps. A bidirectional LSTM reads each sequence in both directions,
so the tag of step ``t`` sees the steps before and after it.
"""

import numpy as np
from sklearn.linear_model import LogisticRegression

from skrnn import RNNSequenceTagger

try:
    import matplotlib.pyplot as plt
except ImportError:  # matplotlib is optional: the figure is skipped
    plt = None

# %%
# Synthetic data: noisy piecewise-constant signals
# ------------------------------------------------
# Every sequence has between 30 and 80 steps; each regime lasts 5 to 20 steps.
# The input is a list of 1-D arrays (one feature per step) and the target a
# list of 1-D arrays of labels of the same lengths.

REGIMES = np.array(["low", "normal", "high"])
LEVELS = np.array([-1.0, 0.0, 1.0])


def make_signals(n_sequences, rng):
    X, y = [], []
    for _ in range(n_sequences):
        length = rng.integers(30, 81)
        regimes = []
        while len(regimes) < length:
            regimes += [rng.integers(3)] * int(rng.integers(5, 21))
        regimes = np.array(regimes[:length])
        X.append(LEVELS[regimes] + rng.normal(0.0, 0.9, size=length))
        y.append(REGIMES[regimes])
    return X, y


rng = np.random.default_rng(0)
X_train, y_train = make_signals(150, rng)
X_test, y_test = make_signals(100, rng)
print(f"{len(X_train)} training sequences, {sum(map(len, X_train))} steps")

# %%
# A baseline without context
# --------------------------
# A logistic regression on the value of each step alone: the best one can do
# without looking at the neighbours.

baseline = LogisticRegression().fit(
    np.concatenate(X_train)[:, None], np.concatenate(y_train)
)
baseline_accuracy = baseline.score(
    np.concatenate(X_test)[:, None], np.concatenate(y_test)
)
print(f"per-step accuracy of the baseline:  {baseline_accuracy:.3f}")

# %%
# The bidirectional LSTM tagger
# -----------------------------
# ``bidirectional=True`` is the tagger's default. With ``early_stopping``,
# 10% of the training sequences are held out and training stops once their
# per-step accuracy has not improved for ``n_iter_no_change`` epochs (the
# best weights are kept). ``score`` is the per-step accuracy over every step
# of every held-out sequence.

tagger = RNNSequenceTagger(
    cell="lstm",
    hidden_size=16,
    batch_size=20,
    learning_rate_init=0.01,
    max_iter=60,
    early_stopping=True,
    n_iter_no_change=5,
    random_state=0,
)
tagger.fit(X_train, y_train)
print(f"per-step accuracy of the tagger:    {tagger.score(X_test, y_test):.3f}")
print(f"({tagger.n_iter_} epochs)")

# %%
# Reading forwards only, the tag of a step cannot use the steps after it, so
# the start of every new regime is recognised later.

forward_only = RNNSequenceTagger(
    cell="lstm",
    hidden_size=16,
    bidirectional=False,
    batch_size=20,
    learning_rate_init=0.01,
    max_iter=60,
    early_stopping=True,
    n_iter_no_change=5,
    random_state=0,
)
forward_only.fit(X_train, y_train)
print(f"per-step accuracy, forwards only:   {forward_only.score(X_test, y_test):.3f}")

# %%
# Predictions keep the layout of the input: a list of sequences gives a list
# of label arrays, and ``predict_proba`` one ``(n_steps_i, n_classes)`` array
# per sequence.

tags = tagger.predict(X_test[:3])
proba = tagger.predict_proba(X_test[:3])
print([t.shape for t in tags], [p.shape for p in proba])
print("classes:", tagger.classes_)

# %%
# Tag probabilities along one sequence
# ------------------------------------
# The first held-out sequence that visits all three regimes. The top panel
# shows the signal, coloured by its true regime; the bottom panel the
# probability of each regime at every step.

if plt is not None:
    i = next(i for i, t in enumerate(y_test) if len(np.unique(t)) == 3)
    x, truth, p = X_test[i], y_test[i], tagger.predict_proba([X_test[i]])[0]
    steps = np.arange(len(x))
    colors = {"low": "tab:blue", "normal": "tab:gray", "high": "tab:red"}
    fig, (ax_signal, ax_proba) = plt.subplots(2, 1, sharex=True, figsize=(8, 5))
    ax_signal.plot(steps, x, color="black", linewidth=0.8)
    for regime, color in colors.items():
        here = truth == regime
        ax_signal.scatter(steps[here], x[here], color=color, s=12, label=regime)
    ax_signal.set_ylabel("signal")
    ax_signal.legend(
        loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, title="true regime"
    )
    for k, regime in enumerate(tagger.classes_):
        ax_proba.plot(steps, p[:, k], color=colors[regime], label=regime)
    ax_proba.set_ylim(-0.05, 1.05)
    ax_proba.set_xlabel("step")
    ax_proba.set_ylabel("P(regime)")
    ax_proba.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3)
    fig.tight_layout()
