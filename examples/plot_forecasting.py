# SPDX-License-Identifier: BSD-3-Clause
"""
=========================================
Forecasting the next value of a series
=========================================

Forecasting one step ahead is regression on windows of the past: the input
is the last ``seq_length`` observations, the target the next one.
:class:`~skrnn.SlidingWindowTransformer` turns a series stored as
time-ordered rows into one window per row, so a scikit-learn pipeline goes
from the raw series to an :class:`~skrnn.RNNRegressor`, and the window
length is a parameter of the pipeline like any other.

The series is an hourly load curve: a daily cycle on top of a weekly one, a
slow trend and noise. We train on the first 900 hours and
forecast the remaining 300, each hour from the true history before it.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.metrics import mean_absolute_error, r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skrnn import RNNRegressor, SlidingWindowTransformer

# %%
# The series
# ----------
# One value per hour for 50 days. ``X`` holds the series as a column (one row
# per hour) and ``y`` the value of the hour after each row: row ``i`` is
# hour ``i`` and its target hour ``i + 1``.

rng = np.random.default_rng(0)
hours = np.arange(1200)
daily = np.sin(2 * np.pi * hours / 24)
weekly = np.sin(2 * np.pi * hours / (24 * 7))
series = 50 + 0.01 * hours + 10 * daily + 4 * weekly + rng.normal(0, 1.5, hours.size)

X, y = series[:-1].reshape(-1, 1), series[1:]
n_train = 900
X_train, y_train = X[:n_train], y[:n_train]
print(f"X: {X.shape}, y: {y.shape}; {n_train} training rows")

# %%
# The model
# ---------
# The pipeline standardizes the series, gives every row the window of the
# last 24 hours ending at it (the first 23 rows have shorter histories and
# are read as such), and fits a GRU regressor on the windows.
# :class:`~sklearn.compose.TransformedTargetRegressor` standardizes the
# target as well, and maps the predictions back.

model = TransformedTargetRegressor(
    regressor=make_pipeline(
        StandardScaler(),
        SlidingWindowTransformer(seq_length=24),
        RNNRegressor(
            cell="gru",
            hidden_size=32,
            learning_rate_init=0.01,
            batch_size=32,
            max_iter=30,
            random_state=0,
        ),
    ),
    transformer=StandardScaler(),
)
model.fit(X_train, y_train)

# %%
# One-step-ahead forecasts
# ------------------------
# Each forecast may use every observation up to the hour before it, so we
# predict on the whole series and keep the test hours: the first test rows'
# windows then reach back into the training hours, as they should (a window
# never includes the value it predicts).
#
# The naive forecast repeats the last value; the seasonal naive forecast
# repeats the value of the same hour the day before.

y_test = y[n_train:]
forecast = model.predict(X)[n_train:]
naive = X[n_train:, 0]
seasonal_naive = series[n_train + 1 - 24 : -24]

print(f"{'forecast':>15}  {'R^2':>6}  {'MAE':>5}")
for name, prediction in [
    ("RNNRegressor", forecast),
    ("last value", naive),
    ("same hour -24h", seasonal_naive),
]:
    r2 = r2_score(y_test, prediction)
    mae = mean_absolute_error(y_test, prediction)
    print(f"{name:>15}  {r2:6.3f}  {mae:5.2f}")
print("the noise alone gives an MAE of about", round(1.5 * np.sqrt(2 / np.pi), 2))

# %%
# The network learns the daily cycle, so it forecasts the turns that the
# last value misses, and it averages out the noise that both naive
# forecasts copy.

fig, ax = plt.subplots(figsize=(10, 4))
t = hours[1:]
ax.plot(t[n_train - 72 : n_train], y[n_train - 72 : n_train], color="gray", lw=1)
ax.plot(t[n_train:], y_test, color="k", lw=1, label="truth")
ax.plot(t[n_train:], forecast, color="C1", label="RNNRegressor")
ax.plot(t[n_train:], naive, color="C0", ls=":", label="last value")
ax.axvline(t[n_train], color="gray", ls="--")
ax.set_xlim(t[n_train - 72], t[n_train + 168])
ax.set_xlabel("hour")
ax.set_ylabel("load")
ax.set_title("One-step-ahead forecasts on the first week after training")
ax.legend(loc="upper left")
fig.tight_layout()
