# SPDX-License-Identifier: BSD-3-Clause
"""
============================================
The seed tutorial's text generator, in skrnn
============================================

The tutorial this project grew from trains a character-level vanilla RNN
(Keras ``SimpleRNN(50, activation='relu')``, Adam at ``1e-3``, batches of 32,
100 epochs) on one line of text, an address in Bengaluru, to predict the
character that follows every window of 3 characters. It then generates 40
characters greedily from the seed ``"Kurudusonnehalli"``.

Here is the same model with skrnn, in a few lines, followed by
:class:`~skrnn.CharRNNGenerator`, skrnn's own language model, on the same text.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import make_pipeline

from skrnn import CharRNNGenerator, OneHotCharEncoder, RNNClassifier, sliding_windows
from skrnn.datasets import load_seed_text

# %%
# The data: windows of 3 characters and the character after each
# --------------------------------------------------------------
# :func:`~skrnn.sliding_windows` is the tutorial's step 3 ("Creating
# Sequences and Labels"): ``X[i] = text[i:i + 3]`` and ``y[i] = text[i + 3]``.

text = load_seed_text()
X, y = sliding_windows(text, 3)
print(f"{len(text)} characters, {len(set(text))} distinct")
print(f"X: {X.shape}, y: {y.shape}; first sample {''.join(X[0])!r} -> {str(y[0])!r}")

# %%
# The model: one-hot encoding and a vanilla RNN classifier
# --------------------------------------------------------
# :class:`~skrnn.OneHotCharEncoder` is the tutorial's ``tf.one_hot`` and
# :class:`~skrnn.RNNClassifier` its ``SimpleRNN`` + ``Dense(softmax)``
# (many-to-one: a window in, the next character out), with the tutorial's
# settings. Two small differences with Keras remain at their skrnn defaults: a
# tiny L2 penalty (``alpha=1e-4``) and gradient clipping at norm 5; neither
# changes the accuracy it reaches on this text.
#
# The vocabulary is every character of the text, as the tutorial's
# ``chars = sorted(set(text))``. Learnt from the windows alone it would miss
# ``'9'``, the text's last character, which is only ever a label: once the
# model generated a ``'9'``, the next window would hold an unknown symbol.

model = make_pipeline(
    OneHotCharEncoder(categories=sorted(set(text))),
    RNNClassifier(
        cell="rnn",
        activation="relu",
        hidden_size=50,
        learning_rate_init=1e-3,
        batch_size=32,
        max_iter=100,
        random_state=0,
    ),
)
model.fit(X, y)
rnn = model[-1]
print(f"{rnn.n_iter_} epochs, final loss {rnn.loss_curve_[-1]:.3f}")
print(f"training accuracy: {model.score(X, y):.3f}")

# %%
# Four windows (``"uru"``, ``"nne"``, ``"li "`` and ``", K"``) are followed by
# two different characters in the text, so no model can get more than 85 of
# the 89 windows right: an accuracy of 0.955 is the ceiling.
#
# Greedy generation, exactly as the tutorial's loop
# -------------------------------------------------
# Each step reads the last 3 characters, predicts the most likely next one
# (``predict`` is the tutorial's ``argmax``) and appends it.

generated = "Kurudusonnehalli"
for _ in range(40):
    window = np.array([list(generated[-3:])])
    generated += model.predict(window)[0]
print(repr(generated))

# %%
# A 3-character window is all the model ever sees. It follows the address
# while 3 characters are enough to tell where it is, but it cannot know which
# of the two continuations of ``"li "`` it is in, and past the end of the
# text (which never says what follows ``"049"``) it wanders and may loop.
#
# The same text with CharRNNGenerator
# -----------------------------------
# :class:`~skrnn.CharRNNGenerator` is a language model: it is trained to
# predict the next character at *every* position of a window of
# ``seq_length`` characters (not only the last one), and it carries its
# hidden state from one window to the next, so what it remembers is not
# limited to 3 characters. When generating, it reads the seed once and then
# spends one step per new character, its state carrying the context, instead
# of re-reading a 3-character window. ``temperature=0`` is greedy.
#
# First with the tutorial's settings:

settings = dict(
    cell="rnn",
    activation="relu",
    hidden_size=50,
    seq_length=3,
    learning_rate_init=1e-3,
    max_iter=100,
    random_state=0,
)
generator = CharRNNGenerator(batch_size=32, **settings).fit(text)
print(f"{generator.n_iter_} epochs, final loss {generator.loss_curve_[-1]:.3f}")
print(repr(generator.generate("Kurudusonnehalli", 40, temperature=0)))

# %%
# For the generator ``batch_size`` is the number of parallel *streams* that
# read through the text, each carrying its own state. With 32 streams over
# 91 positions every stream reads about 3 characters: one window per epoch,
# one update per epoch and no state carried between windows. A single stream
# reads the whole line, 3 characters at a time with the state carried,
# and makes 31 updates per epoch:

generator_1 = CharRNNGenerator(batch_size=1, **settings).fit(text)
print(f"{generator_1.n_iter_} epochs, final loss {generator_1.loss_curve_[-1]:.3f}")
print(repr(generator_1.generate("Kurudusonnehalli", 40, temperature=0)))

# %%
# With its state carried through the whole line, the generator knows where
# in the address it is and recites the rest of it.
#
# Training curves
# ---------------
# All three losses are the mean cross-entropy per predicted character, in
# nats (the classifier's includes its small L2 penalty). A generator stops
# early once its loss has not improved for 10 epochs (``n_iter_no_change``).
#
# The single stream learns fastest but its loss jumps: its state is carried
# through all 91 characters, and a ReLU state is unbounded, so one update can
# throw the later windows far off before the next ones bring it back (the
# tutorial itself notes that ``tanh`` is the usual choice for this cell).

fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(rnn.loss_curve_, label="RNNClassifier, 3-character windows")
ax.plot(generator.loss_curve_, label="CharRNNGenerator, 32 streams")
ax.plot(generator_1.loss_curve_, label="CharRNNGenerator, 1 stream")
ax.axhline(np.log(len(set(text))), color="gray", ls=":", label="uniform guess")
ax.set_xlabel("epoch")
ax.set_ylabel("training loss (nats per character)")
ax.set_title("The seed tutorial's text, 100 epochs")
ax.legend()
fig.tight_layout()
