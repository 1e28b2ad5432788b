# SPDX-License-Identifier: BSD-3-Clause
"""
==========================================================
Reading strips of digits: a caption from a vector
==========================================================

The tutorial's "image captioning" shape of problem, one-to-many: a single
input, here the pixels of an image, and a sequence of symbols of its own
length as output. :func:`~skrnn.datasets.make_digit_strips` puts one to four
of scikit-learn's 8 x 8 handwritten digits side by side; the caption is the
string of those digits. :class:`~skrnn.RNNSeq2Seq` with
``vector_input=True`` reads each strip as one vector that starts its
decoder, which then writes the digits one by one and decides itself when the
caption ends.

Training strips are made of training images and test strips of test images
only, so the score below is for images never seen in training.
"""

import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import SVC

from skrnn import RNNSeq2Seq
from skrnn.datasets import make_digit_strips

# A fixed number of epochs (the cosine schedule ends there).
warnings.filterwarnings("ignore", category=ConvergenceWarning)

try:
    import matplotlib.pyplot as plt
except ImportError:  # matplotlib is optional: the figure is skipped
    plt = None

X_train, y_train = make_digit_strips(20_000, random_state=0)
X_test, y_test = make_digit_strips(1_000, subset="test", random_state=1)
print(X_train.shape, y_train[:5])

# %%
# The model
# ---------
# The decoder's initial state is ``tanh`` of a dense layer of the pixels.
# Output dropout and decoupled weight decay keep it from learning the
# training images by heart; the cosine schedule anneals the learning rate
# over the 12 epochs.

model = RNNSeq2Seq(
    vector_input=True,
    hidden_size=128,
    output_dropout=0.3,
    weight_decay=0.01,
    learning_rate="cosine",
    learning_rate_init=0.005,
    max_iter=12,
    random_state=0,
)
start = time.perf_counter()
model.fit(X_train, y_train)
print(f"fitted in {time.perf_counter() - start:.0f} s")
print("exact-match accuracy on test strips:", model.score(X_test, y_test))

# %%
# A baseline that knows the layout
# --------------------------------
# One SVC per position predicts the digit in that 8-column block, or "none";
# the caption is the digits before the first "none". It is told where the
# digits are, which the recurrent model had to learn.


def per_position_targets(captions, n_positions=4):
    return np.array(
        [[c[k] if k < len(c) else "-" for c in captions] for k in range(n_positions)]
    )


positions = per_position_targets(y_train[:5_000])
svcs = [SVC(C=10).fit(X_train[:5_000], target) for target in positions]
columns = np.array([svc.predict(X_test) for svc in svcs]).T
baseline = ["".join(row).split("-")[0] for row in columns]
print(
    "per-position SVC:",
    np.mean([b == t for b, t in zip(baseline, y_test, strict=True)]),
)

# %%
# Some test strips and their captions
# -----------------------------------

predicted = model.predict(X_test[:8])
if plt is not None:
    fig, axes = plt.subplots(4, 2, figsize=(7, 4))
    for ax, strip, caption in zip(axes.ravel(), X_test[:8], predicted, strict=True):
        ax.imshow(strip.reshape(8, 32), cmap="gray_r")
        ax.set_title(f"read: {caption}", fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    plt.show()
