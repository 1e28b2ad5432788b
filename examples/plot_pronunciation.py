# SPDX-License-Identifier: BSD-3-Clause
"""
============================================================
Pronouncing words: spelling to sound with an encoder-decoder
============================================================

:class:`~skrnn.RNNSeq2Seq` learns to pronounce English words from the CMU
Pronouncing Dictionary: the letters of a word in, its phonemes (ARPAbet,
with stress marks) out. The two sequences have different lengths and no
alignment is given ("knight" has six letters and three phonemes,
``N AY1 T``): the many-to-many shape of translation. An encoder reads the
letters, a decoder writes the phonemes one at a time, and attention lets
each phoneme look at the letters that spell it; the attention maps at the
end show that it learns where to look.

This example trains briefly on part of the dictionary so that it runs in
about a minute; ``benchmarks/g2p_skrnn.py`` trains on all of it, beside a
PyTorch reference, and reports the word and phoneme error rates.
"""

import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skrnn import RNNSeq2Seq
from skrnn.datasets import fetch_cmudict

# A fixed number of epochs: stopping there is the point of a short example.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

try:
    import matplotlib.pyplot as plt
except ImportError:  # matplotlib is optional: the figure is skipped
    plt = None

# %%
# The dictionary
# --------------
# :func:`~skrnn.datasets.fetch_cmudict` downloads the dictionary once and
# splits it by word (so no dev or test word is seen in training). With
# ``expand_variants=True`` a word with two pronunciations gives two training
# rows; a prediction counts as right if it equals any of them.

train = fetch_cmudict("train", expand_variants=True)
dev = fetch_cmudict("dev")
rng = np.random.default_rng(0)
rows = rng.choice(len(train.data), 40_000, replace=False)
words = [train.data[i] for i in rows]
phonemes = [train.target[i] for i in rows]
print(
    f"{len(words)} training rows of {len(train.data)}; e.g. {words[0]!r}:", *phonemes[0]
)

# %%
# The model
# ---------
# Words are ``str``: read as sequences of characters (embedded in 32
# dimensions); the targets are lists of phonemes, so predictions are lists
# too. A bidirectional LSTM encoder of 128 units per direction, an LSTM
# decoder of 256 started from its final states, Luong's "general" attention.

model = RNNSeq2Seq(
    hidden_size=128,
    bidirectional=True,
    attention="general",
    embedding_dim=32,
    min_frequency=1,
    learning_rate_init=0.003,
    max_iter=3,
    max_length=lambda n: n + 10,
    random_state=0,
)
start = time.perf_counter()
model.fit(words, phonemes)
print(
    f"{model.n_iter_} epochs in {time.perf_counter() - start:.0f} s; "
    f"loss per phoneme {model.loss_:.3f}"
)

# %%
# Word error rate on unseen words
# -------------------------------
# The share of dev words whose predicted pronunciation is none of the
# listed ones (greedy decoding, on 1,000 dev words; the test words are kept
# for the benchmark's one final score).

listed = dev.pronunciations[:1000]
predicted = model.predict(dev.data[:1000])
errors = [p not in options for p, options in zip(predicted, listed, strict=True)]
print(f"word error rate: {np.mean(errors):.3f}")
for word, p in list(zip(dev.data, predicted, strict=False))[:6]:
    print(f"{word:>12}  {' '.join(p)}")

# %%
# Several candidates
# ------------------
# Beam search keeps the few most likely outputs; their log-probabilities say
# how sure the model is. Words it has never seen get a plausible reading.

for word in ["skrnn", "tomato", "recurrent"]:
    for output, log_prob in model.predict_n_best([word], n_best=3)[0]:
        print(f"{word:>10}  {' '.join(output):<28} log p = {log_prob:.2f}")

# %%
# Where the decoder looks
# -----------------------
# Row ``t`` of an attention map is the weight of each letter when the
# decoder writes phoneme ``t`` (the last row: the end). The weights follow
# the spelling from left to right, and a silent letter ("k" of "knight")
# gets little weight of its own.

examples = ["knight", "thought", "phoneme"]
outputs = model.predict(examples)
maps = model.attention_weights(examples, outputs)
if plt is not None:
    fig, axes = plt.subplots(1, len(examples), figsize=(10, 3.6))
    for ax, word, output, weights in zip(axes, examples, outputs, maps, strict=True):
        ax.imshow(weights, cmap="Greys", vmin=0, vmax=1)
        ax.set_xticks(range(len(word)), list(word))
        ax.set_yticks(range(len(output) + 1), [*output, "</s>"])
        ax.set_title(word)
    fig.tight_layout()
    plt.show()
