# SPDX-License-Identifier: BSD-3-Clause
"""
=============================================
Generating Shakespeare with a character LSTM
=============================================

:class:`~skrnn.CharRNNGenerator` is a language model over characters: it
learns to predict the next character at every position of the text, then
writes new text one character at a time (the one-to-many topology). The
whole recipe is ``CharRNNGenerator().fit(text).generate(seed, 40)``.

Here it reads the first 300,000 characters of the bundled Shakespeare corpus
(9 plays, 1.2 million characters) for 3 epochs, which takes about ten
seconds on a laptop's CPU. The text it writes is not yet Shakespeare, but it already
has his layout: speakers' names in capitals followed by a colon, lines of
verse, frequent English words.
"""

import matplotlib.pyplot as plt
import numpy as np

from skrnn import CharRNNGenerator
from skrnn.datasets import load_shakespeare

# %%
# The corpus
# ----------
# Speeches are a ``SPEAKER:`` line followed by lines of verse or prose,
# separated by blank lines. We train on the first 300,000 characters and
# keep the last 20,000 as held-out text.

text = load_shakespeare()
train, held_out = text[:300_000], text[-20_000:]
print(f"corpus: {len(text):,} characters, {len(set(text))} distinct")
print(train[:200])

# %%
# Training
# --------
# An LSTM with 128 hidden units (the default cell and size) reads the text
# in 16 parallel streams, 32 characters at a time, with its state carried
# from one window to the next (truncated backpropagation through time).
# ``verbose=1`` prints a line per epoch with the time left.
#
# The held-out text holds a character that the training text never shows
# (a backslash); ``handle_unknown="ignore"`` skips such characters wherever
# text enters the fitted model (seeds, ``score``, ``predict``) instead of
# raising an error that names them.

generator = CharRNNGenerator(
    hidden_size=128,
    seq_length=32,
    batch_size=16,
    learning_rate_init=0.005,
    max_iter=3,
    random_state=0,
    verbose=1,
    handle_unknown="ignore",
)
generator.fit(train)

# %%
# ``score`` is the mean log-likelihood per character of a text (higher is
# better) and ``perplexity`` its exponential of the negative: the effective
# number of characters the model hesitates between. A model that knew only
# the characters' frequencies would hesitate between about 27 of the 68.

prior_entropy = -np.sum(generator.token_prior_ * np.log(generator.token_prior_))
print(f"perplexity on held-out text: {generator.perplexity(held_out):.1f}")
print(f"perplexity of the character frequencies alone: {np.exp(prior_entropy):.1f}")

# %%
# Samples
# -------
# ``generate(seed, n)`` returns the seed followed by ``n`` new characters.
# The ``temperature`` divides the model's logits before sampling: 0 is
# greedy (always the most likely character), 1 samples from the model's own
# distribution, and in between trades variety for safety.

for temperature in (0.5, 1.0):
    sample = generator.generate(
        "ROMEO:\n", 200, temperature=temperature, random_state=0
    )
    print(f"--- temperature {temperature} ---")
    print(sample)

# %%
# Temperature and diversity
# -------------------------
# Several seeds generate together as one batch. For each temperature we
# write 8 samples of 300 characters and measure how varied they are: the
# entropy of their character frequencies (in bits), and how many distinct
# words they use per 100 words. Greedy text repeats itself; high
# temperatures spread the probability over rare characters until the
# text is noise.

seeds = ["ROMEO:\n", "JULIET:\n", "KING RICHARD III:\n", "PROSPERO:\n"] * 2
temperatures = [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5]


def char_entropy(s):
    _, counts = np.unique(list(s), return_counts=True)
    p = counts / counts.sum()
    return float(-np.sum(p * np.log2(p)))


def distinct_words(s):
    words = s.split()
    return 100 * len(set(words)) / max(1, len(words))


entropies, word_variety = [], []
for temperature in temperatures:
    samples = generator.generate(seeds, 300, temperature=temperature, random_state=0)
    new_text = "".join(s[len(seed) :] for s, seed in zip(samples, seeds, strict=True))
    entropies.append(char_entropy(new_text))
    word_variety.append(distinct_words(new_text))
    print(
        f"temperature {temperature:4.2f}: entropy {entropies[-1]:.2f} bits, "
        f"{word_variety[-1]:.0f} distinct words per 100"
    )

fig, ax1 = plt.subplots(figsize=(7, 4))
ax1.plot(temperatures, entropies, "o-", color="C0", label="generated text")
ax1.axhline(char_entropy(held_out), color="C0", ls=":", label="Shakespeare (held out)")
ax1.set_xlabel("temperature")
ax1.set_ylabel("character entropy (bits)", color="C0")
ax2 = ax1.twinx()
ax2.plot(temperatures, word_variety, "s--", color="C1")
ax2.set_ylabel("distinct words per 100 words", color="C1")
ax1.legend(loc="lower right")
ax1.set_title("Sampling temperature against diversity")
fig.tight_layout()
