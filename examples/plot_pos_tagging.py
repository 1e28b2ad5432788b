# SPDX-License-Identifier: BSD-3-Clause
"""
=====================================================
Part-of-speech tagging of real sentences (UD English)
=====================================================

:class:`~skrnn.RNNSequenceTagger` reads sentences of words and gives every
word its part of speech, one of the 17 universal tags of the Universal
Dependencies English Web Treebank (weblogs, reviews, emails, answers): the
"named entity recognition" shape of problem of the tutorial, where a
bidirectional network reads the words on both sides of each word.

Each word is given to the network as several categorical columns, each with
its own vocabulary and embedding: the lowercased word, its last one to four
letters, its first three, and its shape (``"Xxxx"``, ``"dd"``...). The word
column knows only the words of the training sentences; for a word it has
never seen (about one word in eleven here), the suffix and shape columns
still say a lot ("-ly" is an adverb, "Xxxx" in mid-sentence a proper noun).
"""

import re
import time
import warnings
from collections import Counter

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import confusion_matrix

from skrnn import RNNSequenceTagger
from skrnn.datasets import fetch_ud_treebank

# A fixed number of epochs, chosen on dev: stopping there is the point.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

try:
    import matplotlib.pyplot as plt
except ImportError:  # matplotlib is optional: the figure is skipped
    plt = None

# %%
# The treebank
# ------------
# :func:`~skrnn.datasets.fetch_ud_treebank` downloads the official split once
# (checking its SHA-256) and caches it in scikit-learn's data home. Each
# sentence is a list of words, and its target the list of their tags.

X_train, y_train = fetch_ud_treebank("train", return_X_y=True)
X_dev, y_dev = fetch_ud_treebank("dev", return_X_y=True)
X_test, y_test = fetch_ud_treebank("test", return_X_y=True)
print(f"{len(X_train)} training sentences, {sum(map(len, X_train))} words")
print(X_train[1][:8], y_train[1][:8])

# %%
# Columns per word
# ----------------
# A step of a sequence may be a row of symbols, one per column: here a 2-D
# array of ``str`` of shape ``(n_words, 7)`` per sentence.


def word_shape(word):
    """Letters to X/x, digits to d, runs shortened: 'McDonald2' -> 'XxXxxd'."""
    shape = re.sub("[A-Z]", "X", word)
    shape = re.sub("[a-z]", "x", shape)
    shape = re.sub("[0-9]", "d", shape)
    return re.sub(r"(.)\1+", r"\1\1", shape)


def columns(sentence):
    rows = []
    for word in sentence:
        w = word.lower()
        rows.append([w, w[-1:], w[-2:], w[-3:], w[-4:], w[:3], word_shape(word)])
    return np.array(rows)


F_train = [columns(s) for s in X_train]
F_dev = [columns(s) for s in X_dev]
F_test = [columns(s) for s in X_test]
print(F_train[1][:3])

# %%
# A baseline: the most frequent tag of each word
# ----------------------------------------------
# Words never seen in training get the most frequent tag overall (NOUN).

counts = {}
for sentence, tags in zip(X_train, y_train, strict=True):
    for word, tag in zip(sentence, tags, strict=True):
        counts.setdefault(word, Counter())[tag] += 1
best_tag = {word: c.most_common(1)[0][0] for word, c in counts.items()}


def baseline_accuracy(X, y):
    right = sum(
        best_tag.get(word, "NOUN") == tag
        for sentence, tags in zip(X, y, strict=True)
        for word, tag in zip(sentence, tags, strict=True)
    )
    return right / sum(map(len, y))


print(f"most frequent tag, dev: {baseline_accuracy(X_dev, y_dev):.3f}")

# %%
# A bidirectional LSTM tagger
# ---------------------------
# Words seen once in training share the unknown vector (``min_frequency=2``,
# the default), which is what stands for new words at prediction time. The
# learning rate and the number of epochs were chosen on the dev set.

tagger = RNNSequenceTagger(
    hidden_size=128,
    embedding_dim=[100, 10, 20, 30, 30, 20, 20],
    batch_size=32,
    learning_rate_init=2e-3,
    max_iter=5,
    random_state=0,
)
start = time.perf_counter()
tagger.fit(F_train, y_train)
print(f"trained {tagger.n_iter_} epochs in {time.perf_counter() - start:.0f} s")
print(f"vocabulary sizes: {[len(c) for c in tagger.categories_]}")
print(f"tagger, dev accuracy: {tagger.score(F_dev, y_dev):.3f}")

# %%
# Test accuracy, on known and unknown words
# ------------------------------------------
# The test set is read once, at the end.

predicted = tagger.predict(F_test)
known_words = set(tagger.categories_[0])
flat_pred = np.concatenate(predicted)
flat_true = np.concatenate([np.asarray(t) for t in y_test])
known = np.array([w.lower() in known_words for s in X_test for w in s])
print(f"tagger, test accuracy: {np.mean(flat_pred == flat_true):.3f}")
print(f"most frequent tag, test: {baseline_accuracy(X_test, y_test):.3f}")
print(
    f"known words ({known.mean():.1%} of the test): "
    f"{np.mean(flat_pred[known] == flat_true[known]):.3f}; unknown words: "
    f"{np.mean(flat_pred[~known] == flat_true[~known]):.3f}"
)

# %%
# Per-tag accuracy and confusions
# -------------------------------

tags = tagger.classes_
matrix = confusion_matrix(flat_true, flat_pred, labels=tags)
recall = matrix.diagonal() / np.maximum(matrix.sum(axis=1), 1)
support = matrix.sum(axis=1)
for k in np.argsort(recall):
    print(f"{tags[k]:6s} {recall[k]:.3f}  ({support[k]} words)")

if plt is not None:
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(7, 6))
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(tags)), tags, rotation=90)
    ax.set_yticks(range(len(tags)), tags)
    ax.set_xlabel("predicted tag")
    ax.set_ylabel("true tag")
    ax.set_title("Test confusions (row-normalised)")
    fig.colorbar(image)
    fig.tight_layout()
    plt.show()
