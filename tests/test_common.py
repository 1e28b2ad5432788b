# SPDX-License-Identifier: BSD-3-Clause
"""scikit-learn's common estimator checks on every public skrnn estimator.

Estimators are discovered automatically, so a new one is enrolled without
editing this file. Each runs with small, default-like parameters (as
scikit-learn runs ``MLPClassifier(max_iter=100)``): the checks' toy data must
be learnt quickly. No tag lowers a bar (no ``poor_score``, no
``non_deterministic``).

The deliberate departures, all in the open:

* ``check_sample_weight_equivalence_on_dense_data`` runs in float64 with
  plain SGD, as scikit-learn runs it on its own MLP with per-check
  parameters (``solver='lbfgs'`` for the classifier, ``'sgd'`` for the
  regressor). It compares a fit with integer weights against a fit on
  repeated rows at a relative tolerance of 1e-7. The two fits differ only in
  the rounding of their gradient sums (about 1e-16 in float64); SGD carries
  that through a hundred epochs unchanged (the predictions agree to 5e-16),
  while Adam, which divides every gradient component by its own running
  scale, turns it into differences of up to 6e-7 (measured with numpy 2.5),
  and float32 starts at 1e-7. Full-batch training is what makes a weight of
  2 the same as a repeated row.
* With scikit-learn < 1.7 only (our ``oldest`` environment),
  ``OneHotCharEncoder``'s ``check_positive_only_tag_during_fit`` is an
  expected failure: that version of the check crashes on its own data for
  categorical estimators (fixed in scikit-learn by PR #31556).
* ``SlidingWindowTransformer`` declares the two order-dependence checks as
  expected failures: a row's window is made of the rows before it, so its
  output cannot be invariant to the order or the subset of rows.
* ``RNNSeq2Seq``'s output sequences have no place in the checks, which
  pass a 1-D ``y``: they run under its reading of a 1-D ``y`` of symbols as
  outputs of exactly one symbol (documented in its ``fit``), where
  ``predict`` returns a 1-D array. Its sequence outputs are tested in
  tests/test_seq2seq.py.
* ``TextTokenizer`` takes text only (``input_tags.string=True``,
  ``two_d_array=False``, as CountVectorizer): scikit-learn's generator yields
  its clone check alone and skips the rest with a ``SkipTestWarning``. The
  API checks that do not read X run in tests/test_text.py.
"""

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.utils.estimator_checks import _check_name, estimator_checks_generator
from sklearn.utils.fixes import parse_version

from skrnn.preprocessing import SLIDING_WINDOW_EXPECTED_FAILURES
from skrnn.utils.discovery import all_estimators

#: Small but default-like parameters per estimator (recurrent models only).
SMALL_RECURRENT = dict(hidden_size=16, max_iter=100, learning_rate_init=0.01)
TEST_PARAMS = {
    "RNNClassifier": SMALL_RECURRENT,
    "RNNRegressor": SMALL_RECURRENT,
    "RNNSequenceTagger": SMALL_RECURRENT,
    "RNNSeq2Seq": SMALL_RECURRENT,
    # The checks' data are random floats: as tokens, most of those in a test
    # split are unseen, which the default handle_unknown='error' refuses.
    "CharRNNGenerator": dict(
        hidden_size=16, max_iter=5, seq_length=4, handle_unknown="ignore"
    ),
}
#: Parameters that one check runs with (see the module docstring).
PER_CHECK_PARAMS = {
    "check_sample_weight_equivalence_on_dense_data": dict(
        dtype=np.float64, solver="sgd"
    ),
}
EXPECTED_FAILED = {"SlidingWindowTransformer": SLIDING_WINDOW_EXPECTED_FAILURES}
if parse_version(sklearn.__version__) < parse_version("1.7"):
    # A bug of the check itself, fixed by scikit-learn PR #31556: for an
    # estimator tagged categorical (without allow_nan) it builds an int32 X,
    # then subtracts a float mean from it in place, which NumPy refuses.
    EXPECTED_FAILED["OneHotCharEncoder"] = {
        "check_positive_only_tag_during_fit": (
            "scikit-learn < 1.7's check subtracts a float mean in place from "
            "the int32 X it builds for categorical estimators"
        )
    }


def _instance(name, cls):
    est = cls(**TEST_PARAMS.get(name, {}))
    if "random_state" in est.get_params():
        est.set_params(random_state=0)
    return est


def _all_checks():
    for name, cls in all_estimators():
        est = _instance(name, cls)
        for item in estimator_checks_generator(
            est,
            legacy=True,
            expected_failed_checks=EXPECTED_FAILED.get(name),
            mark="xfail",
        ):
            # expected failures come as pytest.param(..., marks=xfail)
            marks = getattr(item, "marks", ())
            estimator, check = getattr(item, "values", item)
            check_name = _check_name(check)
            override = PER_CHECK_PARAMS.get(check_name)
            if override and set(override) <= set(estimator.get_params()):
                # a copy: the generator hands the same instance to every check
                estimator = clone(estimator).set_params(**override)
            yield pytest.param(estimator, check, marks=marks, id=f"{name}-{check_name}")


ALL_CHECKS = list(_all_checks())


def test_every_public_estimator_is_checked():
    names = {p.id.split("-")[0] for p in ALL_CHECKS}
    assert names == {name for name, _ in all_estimators()}
    # discovery finds them all (a new estimator is added here on purpose)
    assert names == {
        "CharRNNGenerator",
        "OneHotCharEncoder",
        "RNNClassifier",
        "RNNRegressor",
        "RNNSeq2Seq",
        "RNNSequenceTagger",
        "SlidingWindowTransformer",
        "TextTokenizer",
    }


@pytest.mark.parametrize("estimator, check", ALL_CHECKS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
