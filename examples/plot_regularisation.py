# SPDX-License-Identifier: BSD-3-Clause
"""
===========================================================
Learning curves with and without dropout and weight decay
===========================================================

A bidirectional LSTM that tags the words of English sentences with their part
of speech (UD English Web Treebank) fits its training sentences almost
perfectly within a few epochs, while its accuracy on held-out sentences stops
improving: it overfits. This example trains the same tagger twice, epoch by
epoch, and draws both learning curves:

* **plain**: no regularisation;
* **regularised**: dropout on the word vectors (``input_dropout``), inside
  the recurrence (``recurrent_dropout``, one mask per sentence) and before
  the output layer (``output_dropout``), with decoupled weight decay
  (``weight_decay``, AdamW) and a cosine learning-rate schedule
  (``learning_rate='cosine'``).

See :ref:`regularisation` in the user guide for what each of these does.
"""

import time

import numpy as np

from skrnn import RNNSequenceTagger
from skrnn.datasets import fetch_ud_treebank

try:
    import matplotlib.pyplot as plt
except ImportError:  # matplotlib is optional: the figure is skipped
    plt = None

# %%
# The data
# --------
# A quarter of the training sentences, to keep the example short; the dev
# set measures the accuracy on sentences never trained on. Each sentence is a
# list of words, its target the list of their tags.

X_train, y_train = fetch_ud_treebank("train", return_X_y=True)
X_dev, y_dev = fetch_ud_treebank("dev", return_X_y=True)
n_train = len(X_train) // 4
X_train, y_train = X_train[:n_train], y_train[:n_train]
X_train = [[w.lower() for w in s] for s in X_train]
X_dev = [[w.lower() for w in s] for s in X_dev]
print(f"{len(X_train)} training sentences, {len(X_dev)} dev sentences")

# %%
# Two taggers, trained one epoch per ``partial_fit`` call
# -------------------------------------------------------
# ``partial_fit`` trains one epoch per call; each call shuffles the
# sentences and draws new dropout masks. The cosine schedule counts its
# ``max_iter`` epochs over the calls.

N_EPOCHS = 12
common = dict(
    hidden_size=64,
    embedding_dim=64,
    bidirectional=True,
    batch_size=32,
    learning_rate_init=3e-3,
    max_iter=N_EPOCHS,
    random_state=0,
)
taggers = {
    "plain": RNNSequenceTagger(**common),
    "regularised": RNNSequenceTagger(
        **common,
        input_dropout=0.25,
        recurrent_dropout=0.25,
        output_dropout=0.25,
        weight_decay=1e-3,
        learning_rate="cosine",
    ),
}
tags = sorted({tag for sentence in y_train for tag in sentence})
curves = {name: {"train": [], "dev": []} for name in taggers}
for name, tagger in taggers.items():
    start = time.perf_counter()
    for _ in range(N_EPOCHS):
        tagger.partial_fit(X_train, y_train, classes=tags)
        curves[name]["train"].append(tagger.score(X_train, y_train))
        curves[name]["dev"].append(tagger.score(X_dev, y_dev))
    seconds = time.perf_counter() - start
    train, dev = curves[name]["train"], curves[name]["dev"]
    print(
        f"{name:12s} train accuracy {train[-1]:.3f}, dev accuracy {dev[-1]:.3f} "
        f"(best {max(dev):.3f} at epoch {int(np.argmax(dev)) + 1}), {seconds:.0f} s"
    )

# %%
# The learning curves
# -------------------
# The gap between the training and the dev curve is the overfitting; the
# regularised tagger keeps it smaller and ends higher on the dev set.

if plt is not None:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    epochs = np.arange(1, N_EPOCHS + 1)
    for (name, curve), color in zip(curves.items(), ["C0", "C1"], strict=True):
        ax.plot(epochs, curve["train"], "--", color=color, label=f"{name}, train")
        ax.plot(epochs, curve["dev"], "-", color=color, label=f"{name}, dev")
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy per word")
    ax.set_ylim(0.85, 1.0)
    ax.set_title("UD English-EWT part-of-speech tagging, bidirectional LSTM")
    ax.legend()
    fig.tight_layout()
    plt.show()
