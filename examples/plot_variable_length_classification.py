# SPDX-License-Identifier: BSD-3-Clause
"""
==================================================
Classifying trajectories of different lengths
==================================================

A recurrent network reads a sequence of any length, so sequences of
different lengths need no padding or resampling: pass them as a list of
arrays, one ``(n_steps_i, n_features)`` array per sequence, and each is read
as exactly the steps it has.

Here the sequences are pen strokes: noisy 2-D trajectories of four shapes
(circle, line, zigzag, spiral), each drawn at a random size, position and
angle, sampled at 10 to 80 points. A bidirectional GRU in a
:class:`~sklearn.pipeline.Pipeline` tells the shapes apart, evaluated with
:func:`~sklearn.model_selection.cross_val_score`.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import StratifiedKFold, cross_val_predict, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skrnn import RNNClassifier

# %%
# The data
# --------
# Each trajectory is an array of shape ``(n_steps, 2)``: the (x, y) position
# of the pen at each step. The number of steps varies from one trajectory to
# the next.

SHAPES = np.array(["circle", "line", "zigzag", "spiral"])


def make_trajectory(shape, rng):
    n_steps = int(rng.integers(10, 81))
    s = np.linspace(0, 1, n_steps)
    if shape == "circle":  # most of a circle
        angle = 2 * np.pi * s * rng.uniform(0.6, 1.0)
        points = rng.uniform(1, 3) * np.c_[np.cos(angle), np.sin(angle)]
    elif shape == "line":
        points = np.c_[s * rng.uniform(2, 6), np.zeros(n_steps)]
    elif shape == "zigzag":  # 2 to 5 teeth
        teeth = rng.integers(2, 6)
        wave = 2 * np.abs((s * teeth) % 1 - 0.5) - 0.5
        points = np.c_[s * rng.uniform(2, 6), wave * rng.uniform(0.5, 1.5)]
    else:  # a spiral: 1.2 to 2 turns, the radius growing outwards
        angle = 2 * np.pi * s * rng.uniform(1.2, 2.0)
        radius = rng.uniform(1, 3) * (0.2 + s)
        points = radius[:, None] * np.c_[np.cos(angle), np.sin(angle)]
    a = rng.uniform(0, 2 * np.pi)
    rotation = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    points = points @ rotation.T + rng.uniform(-5, 5, size=2)
    return points + rng.normal(0, 0.05, size=points.shape)


rng = np.random.default_rng(0)
y = SHAPES[np.arange(200) % 4]
X = [make_trajectory(shape, rng) for shape in y]
lengths = np.array([len(x) for x in X])
print(f"{len(X)} trajectories of {lengths.min()} to {lengths.max()} steps")

fig, axes = plt.subplots(1, 4, figsize=(12, 3))
for ax, shape in zip(axes, SHAPES, strict=True):
    for i in np.flatnonzero(y == shape)[:3]:
        ax.plot(X[i][:, 0], X[i][:, 1], ".-", ms=3)
    ax.set_title(shape)
    ax.set_aspect("equal")
fig.tight_layout()

# %%
# The pipeline
# ------------
# Where a shape is drawn and how big it is say nothing about what it is, so
# the first step turns positions into the moves between them, scaled to an
# average move of 1 (any function of a list of arrays fits in a
# :class:`~sklearn.preprocessing.FunctionTransformer`). The moves are still
# a list of arrays of different lengths.
#
# The classifier is a GRU reading every sequence in both directions
# (``bidirectional=True``); the final states of the two directions go to the
# softmax layer. Each sequence is read as its own number of steps: the
# result for a trajectory is the same as if it were passed alone.


def moves(trajectories):
    out = []
    for points in trajectories:
        steps = np.diff(points, axis=0)
        out.append(steps / np.abs(steps).mean())
    return out


model = make_pipeline(
    FunctionTransformer(moves),
    RNNClassifier(
        cell="gru",
        bidirectional=True,
        hidden_size=16,
        learning_rate_init=0.01,
        batch_size=16,
        max_iter=25,
        random_state=0,
    ),
)

# %%
# Cross-validation
# ----------------
# The list ``X`` is split into folds like any array. Four shapes in equal
# numbers make 0.25 the accuracy of chance.

cv = StratifiedKFold(n_splits=4, shuffle=True, random_state=0)
scores = cross_val_score(model, X, y, cv=cv)
print(f"accuracy per fold: {np.round(scores, 3)}")
print(f"mean accuracy: {scores.mean():.3f} (chance: 0.25)")

# %%
# Which shapes get confused?
# --------------------------
# :func:`~sklearn.model_selection.cross_val_predict` gives each trajectory
# the prediction of the model that did not see it in training.

y_pred = cross_val_predict(model, X, y, cv=cv)
fig, ax = plt.subplots(figsize=(5, 4.5))
ConfusionMatrixDisplay.from_predictions(y, y_pred, labels=SHAPES, ax=ax)
ax.set_title("Bidirectional GRU, 4-fold cross-validation")
fig.tight_layout()

# %%
# Most errors are between lines and zigzags: a zigzag with shallow teeth,
# sampled at few points, is hard to tell from a noisy line.

for shape in SHAPES:
    recall = np.mean(y_pred[y == shape] == shape)
    print(f"{shape:>7}: {recall:.0%} recognised")
