# SPDX-License-Identifier: BSD-3-Clause
"""RNNRegressor: targets, output dtypes, weights and forecasting (use case 6)."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.pipeline import make_pipeline

from skrnn import RNNRegressor, SlidingWindowTransformer

SMALL = dict(hidden_size=8, max_iter=5, learning_rate_init=0.01, random_state=0)
EXACT = dict(SMALL, dtype=np.float64, max_iter=10)


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _running_mean(n=40, n_outputs=None, seed=0):
    """The mean of the first feature (and more targets from the others)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 6, 3))
    means = X.mean(axis=1)
    y = means[:, 0] if n_outputs is None else means[:, :n_outputs]
    return X, y


def _assert_same_params(a, b, atol=0.0):
    for name, value in a.params_.items():
        assert_allclose(value, b.params_[name], rtol=0, atol=atol, err_msg=name)


def test_1d_y_gives_1d_predictions():
    X, y = _running_mean()
    reg = RNNRegressor(**SMALL).fit(X, y)
    assert reg.n_outputs_ == 1
    assert reg.predict(X).shape == (len(X),)


def test_column_y_gives_column_predictions():
    X, y = _running_mean()
    reg = RNNRegressor(**SMALL).fit(X, y[:, None])
    assert reg.predict(X).shape == (len(X), 1)


def test_multi_output_y():
    X, y = _running_mean(n_outputs=3)
    reg = RNNRegressor(**{**SMALL, "max_iter": 150, "learning_rate_init": 0.02})
    reg.fit(X, y)
    assert reg.n_outputs_ == 3
    assert reg.params_["W_hy"].shape == (8, 3)
    assert reg.predict(X).shape == (len(X), 3)
    assert reg.score(X, y) > 0.8  # every output learned (uniform average R^2)


@pytest.mark.parametrize(
    "y_dtype, expected",
    [(np.float64, np.float64), (np.float32, np.float32), (np.int64, np.float64)],
)
@pytest.mark.parametrize("model_dtype", [np.float32, np.float64])
def test_predictions_have_the_targets_floating_dtype(y_dtype, expected, model_dtype):
    X, y = _running_mean()
    y = (10 * y).astype(y_dtype)
    reg = RNNRegressor(**SMALL, dtype=model_dtype).fit(X, y)
    assert reg.predict(X).dtype == expected


def test_score_is_r2():
    X, y = _running_mean()
    reg = RNNRegressor(**SMALL).fit(X, y)
    assert reg.score(X, y) == pytest.approx(r2_score(y, reg.predict(X)))


def test_validation_scores_are_r2():
    X, y = _running_mean(n=60)
    reg = RNNRegressor(**{**SMALL, "max_iter": 60, "learning_rate_init": 0.02})
    reg.set_params(early_stopping=True, validation_fraction=0.2).fit(X, y)
    assert max(reg.validation_scores_) > 0.5
    assert all(score <= 1.0 for score in reg.validation_scores_)


def test_warm_start_with_another_number_of_outputs_raises_and_keeps_the_model():
    X, y = _running_mean()
    reg = RNNRegressor(**SMALL, warm_start=True).fit(X, y)
    predictions = reg.predict(X)
    with pytest.raises(ValueError, match="y has 3 outputs but the fitted model has 1"):
        reg.fit(X, np.tile(y[:, None], 3).astype(np.float32))
    # still predicting 1-D float64 values, the same ones
    assert_array_equal(reg.predict(X), predictions)


def test_partial_fit_with_another_number_of_outputs_raises():
    X, y = _running_mean(n_outputs=2)
    reg = RNNRegressor(**SMALL).partial_fit(X, y)
    with pytest.raises(ValueError, match="y has 1 outputs but the fitted model has 2"):
        reg.partial_fit(X, y[:, 0])


def test_y_must_match_the_number_of_sequences():
    X, y = _running_mean()
    with pytest.raises(ValueError, match="X has 40 sequences but y has 39 entries"):
        RNNRegressor(**SMALL).fit(X, y[:-1])


def test_y_with_nan_is_rejected():
    X, y = _running_mean()
    y[3] = np.nan
    with pytest.raises(ValueError, match="Input y contains NaN"):
        RNNRegressor(**SMALL).fit(X, y)


def test_y_none_is_rejected():
    X, _ = _running_mean()
    with pytest.raises(ValueError, match="requires y to be passed"):
        RNNRegressor(**SMALL).fit(X, None)


# sample_weight -----------------------------------------------------------------------


def test_zero_sample_weight_is_removing_the_sample():
    X, y = _running_mean(n=30)
    weights = np.ones(30)
    weights[[0, 11, 29]] = 0
    weighted = RNNRegressor(**EXACT).fit(X, y, sample_weight=weights)
    kept = RNNRegressor(**EXACT).fit(X[weights > 0], y[weights > 0])
    assert_allclose(weighted.loss_curve_, kept.loss_curve_, rtol=1e-12)
    _assert_same_params(weighted, kept, atol=1e-12)


def test_integer_sample_weight_is_repeating_the_sample():
    X, y = _running_mean(n=30, n_outputs=2)
    weights = np.random.default_rng(1).integers(1, 4, size=30)
    weighted = RNNRegressor(**EXACT).fit(X, y, sample_weight=weights)
    repeated = RNNRegressor(**EXACT).fit(
        np.repeat(X, weights, axis=0), np.repeat(y, weights, axis=0)
    )
    assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-12)
    _assert_same_params(weighted, repeated, atol=1e-12)


# Use case 6: forecasting the next value of a series ----------------------------------


def _sine_rows(n=300):
    series = np.sin(0.2 * np.arange(n + 1))
    return series[:-1].reshape(-1, 1), series[1:]  # rows, and the next value


def _forecaster(seq_length=6, random_state=0):
    return make_pipeline(
        SlidingWindowTransformer(seq_length=seq_length),
        RNNRegressor(
            hidden_size=12,
            max_iter=60,
            learning_rate_init=0.02,
            random_state=random_state,
        ),
    )


def test_forecasts_the_next_value_of_a_sine_wave():
    rows, next_value = _sine_rows()
    model = _forecaster().fit(rows[:240], next_value[:240])
    # measured: R^2 from 0.991 to 0.997 over random_state 0-4 on the held-out tail
    assert model.score(rows[240:], next_value[240:]) > 0.95


def test_forecast_of_the_first_rows_uses_their_shorter_history():
    rows, next_value = _sine_rows(n=60)
    model = _forecaster(seq_length=6).fit(rows, next_value)
    reg = model[-1]
    expected = reg.predict([rows[: i + 1] for i in range(5)])
    assert_allclose(model.predict(rows[:5]), expected, rtol=0, atol=1e-6)
