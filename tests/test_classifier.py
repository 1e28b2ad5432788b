# SPDX-License-Identifier: BSD-3-Clause
"""RNNClassifier: labels, probabilities, partial_fit classes, weights, search."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.class_weight import compute_sample_weight

from skrnn import RNNClassifier

SMALL = dict(hidden_size=8, max_iter=5, learning_rate_init=0.01, random_state=0)
#: Full batch (the default 'auto' on fewer than 200 sequences) in float64:
#: weighted fits can then be compared with their unweighted equivalents.
EXACT = dict(SMALL, dtype=np.float64, max_iter=10)


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _first_step_task(n=60, n_classes=2, seed=0):
    """Label = which bin the first step falls in: it must be remembered."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 6, 2))
    edges = np.quantile(X[:, 0, 0], np.linspace(0, 1, n_classes + 1)[1:-1])
    return X, np.digitize(X[:, 0, 0], edges)


def _assert_same_params(a, b, atol=0.0):
    for name, value in a.params_.items():
        assert_allclose(value, b.params_[name], rtol=0, atol=atol, err_msg=name)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_learns_to_remember_the_first_step(cell):
    X, y = _first_step_task()
    clf = RNNClassifier(
        cell=cell, hidden_size=8, learning_rate_init=0.02, max_iter=100, random_state=0
    ).fit(X, y)
    assert clf.score(X, y) > 0.9


@pytest.mark.parametrize("n_classes", [2, 3])
def test_predict_proba_is_a_distribution_over_classes(n_classes):
    X, y = _first_step_task(n_classes=n_classes)
    clf = RNNClassifier(**SMALL).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), n_classes)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert (proba >= 0).all()
    assert_allclose(clf.predict_log_proba(X), np.log(proba), rtol=1e-5, atol=1e-6)
    assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])


def test_string_labels_come_back_as_labels():
    X, y = _first_step_task(n_classes=3)
    labels = np.array(["cat", "dog", "eel"])[y]
    clf = RNNClassifier(**SMALL).fit(X, labels)
    assert_array_equal(clf.classes_, ["cat", "dog", "eel"])
    assert set(clf.predict(X)) <= set(labels)


def test_string_labels_with_early_stopping():
    # as MLP's test_mlp_early_stopping_string_labels
    X, y = _first_step_task(n=40)
    labels = np.array(["no", "yes"])[y]
    clf = RNNClassifier(**SMALL, early_stopping=True).fit(X, labels)
    assert len(clf.validation_scores_) == clf.n_iter_


def test_score_is_accuracy():
    X, y = _first_step_task()
    clf = RNNClassifier(**SMALL).fit(X, y)
    assert clf.score(X, y) == np.mean(clf.predict(X) == y)


def test_validation_scores_are_accuracies():
    X, y = _first_step_task(n=50)
    clf = RNNClassifier(**SMALL, early_stopping=True, validation_fraction=0.2)
    clf.fit(X, y)
    # 10 validation sequences: accuracies are multiples of 1/10
    scores = np.array(clf.validation_scores_) * 10
    assert_allclose(scores, np.round(scores), atol=1e-9)


# partial_fit ----------------------------------------------------------------------


def test_partial_fit_requires_classes_on_the_first_call():
    X, y = _first_step_task()
    clf = RNNClassifier(**SMALL)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    assert not hasattr(clf, "classes_")


def test_partial_fit_learns_every_class_given_up_front():
    X, y = _first_step_task(n_classes=2)
    clf = RNNClassifier(**SMALL).partial_fit(X, y, classes=[0, 1, 2])
    assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.predict_proba(X).shape == (len(X), 3)
    # a later batch may bring the class not seen so far: it trains the third
    # output, whose loss is -log p(2) (plus the L2 penalty) at the weights
    # the call starts from, and it makes class 2 more likely
    X_new = X[:5]
    before = clf.predict_proba(X_new)[:, 2]
    weights = np.concatenate([w.ravel() for k, w in clf.params_.items() if k[0] == "W"])
    penalty = 0.5 * clf.alpha / len(X_new) * float(np.dot(weights, weights))
    clf.partial_fit(X_new, np.full(5, 2))
    assert_array_equal(clf.classes_, [0, 1, 2])
    expected_loss = -np.mean(np.log(before.astype(np.float64))) + penalty
    assert clf.loss_curve_[-1] == pytest.approx(expected_loss, rel=1e-5)
    assert np.all(clf.predict_proba(X_new)[:, 2] > before)


def test_partial_fit_rejects_other_classes_later():
    X, y = _first_step_task()
    clf = RNNClassifier(**SMALL).partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="is not the same as on the last call"):
        clf.partial_fit(X, y, classes=[0, 1, 2])


def test_partial_fit_rejects_labels_outside_the_classes():
    X, y = _first_step_task()
    clf = RNNClassifier(**SMALL)
    with pytest.raises(ValueError, match="`y` has classes \\[7\\] not in `classes`"):
        clf.partial_fit(X, np.where(y == 1, 7, 0), classes=[0, 1])
    clf.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="`y` has classes not in `self.classes_`"):
        clf.partial_fit(X, np.where(y == 1, 7, 0))


def test_warm_start_with_a_new_class_raises():
    X, y = _first_step_task()
    clf = RNNClassifier(**SMALL, warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="`y` has classes not in `self.classes_`"):
        clf.fit(X, np.where(y == 1, 2, 0))


# class_weight and sample_weight --------------------------------------------------


def test_zero_sample_weight_is_removing_the_sample():
    X, y = _first_step_task(n=30)
    weights = np.ones(30)
    weights[[2, 9, 17]] = 0
    weighted = RNNClassifier(**EXACT).fit(X, y, sample_weight=weights)
    kept = RNNClassifier(**EXACT).fit(X[weights > 0], y[weights > 0])
    assert_allclose(weighted.loss_curve_, kept.loss_curve_, rtol=1e-12)
    _assert_same_params(weighted, kept, atol=1e-12)


def test_integer_sample_weight_is_repeating_the_sample():
    X, y = _first_step_task(n=30)
    weights = np.random.default_rng(1).integers(1, 4, size=30)
    weighted = RNNClassifier(**EXACT).fit(X, y, sample_weight=weights)
    repeated = RNNClassifier(**EXACT).fit(
        np.repeat(X, weights, axis=0), np.repeat(y, weights)
    )
    assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-12)
    _assert_same_params(weighted, repeated, atol=1e-12)


@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 3.0}])
def test_class_weight_is_the_matching_sample_weight(class_weight):
    X, y = _first_step_task(n=40)
    y[:8] = 1  # imbalanced
    by_class = RNNClassifier(**EXACT, class_weight=class_weight).fit(X, y)
    weights = compute_sample_weight(class_weight, y)
    by_sample = RNNClassifier(**EXACT).fit(X, y, sample_weight=weights)
    assert by_class.loss_curve_ == by_sample.loss_curve_
    _assert_same_params(by_class, by_sample)


def test_class_weight_multiplies_sample_weight():
    X, y = _first_step_task(n=40)
    sample_weight = np.random.default_rng(1).uniform(0.5, 2.0, size=40)
    class_weight = {0: 1.0, 1: 3.0}
    both = RNNClassifier(**EXACT, class_weight=class_weight)
    both.fit(X, y, sample_weight=sample_weight)
    product = sample_weight * np.where(y == 1, 3.0, 1.0)
    one = RNNClassifier(**EXACT).fit(X, y, sample_weight=product)
    _assert_same_params(both, one, atol=1e-12)


def test_balanced_class_weight_helps_the_minority_class():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 5, 1))
    y = (X[:, 0, 0] > 1.0).astype(int)  # about 16% ones
    params = dict(SMALL, max_iter=30, learning_rate_init=0.02)
    plain = RNNClassifier(**params).fit(X, y)
    balanced = RNNClassifier(**params, class_weight="balanced").fit(X, y)
    assert balanced.predict(X).sum() > plain.predict(X).sum()


# Use case 4: variable-length multivariate sequences, bidirectional GRU ----------


def _two_rhythms(n=80, seed=0):
    """Class k oscillates in feature k at its own frequency; lengths 4 to 12."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for i in range(n):
        k = i % 2
        length = rng.integers(4, 13)
        seq = 0.5 * rng.standard_normal((length, 2))
        seq[:, k] += np.sin(np.arange(length) * (0.5 + k))
        X.append(seq)
        y.append(k)
    return X, np.array(y)


def _double(X):
    return [2.0 * seq for seq in X]


def _use_case_4_pipeline(**params):
    return make_pipeline(
        FunctionTransformer(_double),
        RNNClassifier(
            cell="gru",
            bidirectional=True,
            hidden_size=8,
            max_iter=30,
            learning_rate_init=0.02,
            random_state=0,
            **params,
        ),
    )


def test_cross_val_score_on_variable_length_sequences():
    X, y = _two_rhythms()
    scores = cross_val_score(_use_case_4_pipeline(), X, y, cv=StratifiedKFold(3))
    assert scores.shape == (3,)
    assert scores.mean() > 0.85  # about 0.99 measured; chance is 0.5


def test_grid_search_on_variable_length_sequences():
    X, y = _two_rhythms()
    search = GridSearchCV(
        _use_case_4_pipeline(),
        {"rnnclassifier__hidden_size": [2, 8]},
        cv=StratifiedKFold(3),
    ).fit(X, y)
    assert search.best_score_ > 0.85
    assert search.best_estimator_.predict(X[:5]).shape == (5,)
    assert search.score(X, y) > 0.85
