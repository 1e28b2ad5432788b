# SPDX-License-Identifier: BSD-3-Clause
"""
===========================================
Tuning window length and network size
===========================================

skrnn's estimators are scikit-learn estimators, so
:class:`~sklearn.model_selection.GridSearchCV` tunes them like any other.
This example tunes two models of the same text, the bundled Shakespeare
corpus:

1. a pipeline that cuts one long text into windows
   (:class:`~skrnn.SlidingWindowTransformer`), one-hot encodes them
   (:class:`~skrnn.OneHotCharEncoder`) and predicts the next character with
   an :class:`~skrnn.RNNClassifier`. The window length ``seq_length`` is a
   parameter of the pipeline, so it is searched like the network's size;
2. a :class:`~skrnn.CharRNNGenerator` language model over a list of
   documents (the corpus's speeches), scored by its log-likelihood per
   character on held-out speeches.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV, KFold, TimeSeriesSplit
from sklearn.pipeline import make_pipeline

from skrnn import (
    CharRNNGenerator,
    OneHotCharEncoder,
    RNNClassifier,
    SlidingWindowTransformer,
)
from skrnn.datasets import load_shakespeare

corpus = load_shakespeare()


def show_results(search, row_param, col_param, ax, title):
    """Print cv_results_ as a table and draw the mean scores as a heatmap."""
    results = search.cv_results_
    rows = sorted({p[row_param] for p in results["params"]})
    cols = sorted({p[col_param] for p in results["params"]})
    scores = np.full((len(rows), len(cols)), np.nan)
    w1, w2 = len(row_param), len(col_param)
    print(f"{row_param:>{w1}} {col_param:>{w2}}  mean score   std  fit (s)")
    for params, mean, std, fit_time in zip(
        results["params"],
        results["mean_test_score"],
        results["std_test_score"],
        results["mean_fit_time"],
        strict=True,
    ):
        scores[rows.index(params[row_param]), cols.index(params[col_param])] = mean
        print(
            f"{params[row_param]:>{w1}} {params[col_param]:>{w2}}  {mean:10.3f} "
            f"{std:5.3f} {fit_time:8.2f}"
        )
    print("best:", search.best_params_)
    image = ax.imshow(scores, cmap="viridis")
    middle = (np.nanmin(scores) + np.nanmax(scores)) / 2
    for (i, j), value in np.ndenumerate(scores):
        color = "k" if value > middle else "w"
        ax.text(j, i, f"{value:.3f}", ha="center", va="center", color=color)
    ax.set_xticks(range(len(cols)), labels=cols)
    ax.set_yticks(range(len(rows)), labels=rows)
    ax.set_xlabel(col_param)
    ax.set_ylabel(row_param)
    ax.set_title(title)
    ax.figure.colorbar(image, ax=ax, shrink=0.8)


# %%
# 1. Next-character classification on one long text
# -------------------------------------------------
# The text is one sequence stored as a table of time-ordered rows: a single
# column of characters. Row ``i`` of ``X`` is character ``i``; its label is
# the character that follows it, ``i + 1``. The transformer gives row ``i``
# the window of the ``seq_length`` characters ending at character ``i``, so
# every window is labelled with the character right after it. The first
# rows have shorter histories: they are read as the shorter sequences they
# are.

text = corpus[:8_000]
chars = np.array(list(text)).reshape(-1, 1)
X, y = chars[:-1], chars[1:, 0]
print(f"X: {X.shape}, y: {y.shape}")
print(f"row 4 and its label: {str(X[4, 0])!r} -> {str(y[4])!r}")

# %%
# Rows are in time order, so the folds must be too:
# :class:`~sklearn.model_selection.TimeSeriesSplit` trains on the past and
# tests on what follows. A test fold is transformed on its own, so its first
# ``seq_length - 1`` rows see a shorter history; characters never seen in
# training (``handle_unknown="ignore"``) are encoded as all-zero vectors.
# The score is the accuracy of the predicted next character.

pipeline = make_pipeline(
    SlidingWindowTransformer(),
    OneHotCharEncoder(handle_unknown="ignore"),
    RNNClassifier(
        cell="gru", learning_rate_init=0.01, batch_size=64, max_iter=5, random_state=0
    ),
)
grid = {
    "slidingwindowtransformer__seq_length": [1, 4, 12],
    "rnnclassifier__hidden_size": [32, 64],
}
window_search = GridSearchCV(pipeline, grid, cv=TimeSeriesSplit(n_splits=3))
window_search.fit(X, y)

# %%
# With a window of one character the model can only learn which character
# tends to follow which; a few characters of context are worth much more.

fig, axes = plt.subplots(1, 2, figsize=(11, 4))
show_results(
    window_search,
    "slidingwindowtransformer__seq_length",
    "rnnclassifier__hidden_size",
    axes[0],
    "next-character accuracy",
)

# %%
# 2. A language model over documents
# ----------------------------------
# :class:`~skrnn.CharRNNGenerator` takes a list of documents; each is read
# from the zero state. Its ``score`` is the mean log-likelihood per character
# (higher is better), so ``GridSearchCV`` compares models by how well they
# predict speeches they have not seen. Here the documents are the first 300
# speeches of the corpus, cut at blank lines.

speeches = corpus.split("\n\n")[:300]
print(f"{len(speeches)} speeches, {sum(map(len, speeches)):,} characters")

generator_search = GridSearchCV(
    CharRNNGenerator(
        batch_size=16,
        learning_rate_init=0.01,
        max_iter=5,
        random_state=0,
        handle_unknown="ignore",
    ),
    {"hidden_size": [32, 64], "seq_length": [8, 32]},
    cv=KFold(n_splits=3),
)
generator_search.fit(speeches)
show_results(
    generator_search,
    "hidden_size",
    "seq_length",
    axes[1],
    "log-likelihood per character",
)
fig.tight_layout()

# %%
# The two parameters pull in opposite directions within a fixed number of
# epochs: a longer window lets gradients flow further back, but each window
# is one update, so it makes fewer updates per epoch. ``GridSearchCV`` refits
# the best candidate on all the speeches, ready to score or generate text:

best = generator_search.best_estimator_
perplexity = best.perplexity(corpus[-5_000:])
print(f"perplexity of the best model on speeches it never saw: {perplexity:.1f}")
