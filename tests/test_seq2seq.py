# SPDX-License-Identifier: BSD-3-Clause
"""RNNSeq2Seq: what it learns, the forms it reads and writes, its errors.

scikit-learn's common checks run in tests/test_common.py (on outputs of one
symbol); the engine's gradients, decoding and PyTorch parity in
tests/engine/test_seq2seq_*.py and tests/engine/test_decoding.py.
"""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skrnn import RNNSeq2Seq
from skrnn.datasets import make_digit_strips

# small fits stop at max_iter on purpose
pytestmark = pytest.mark.filterwarnings("ignore", category=ConvergenceWarning)

LETTERS = "abcd"


def _words(n, seed=0, longest=5):
    rng = np.random.default_rng(seed)
    return [
        "".join(rng.choice(list(LETTERS), rng.integers(1, longest + 1)))
        for _ in range(n)
    ]


def _reversal(**params):
    """A model fitted to reverse words of a-d (a task attention makes easy)."""
    words = _words(300)
    defaults = dict(
        hidden_size=32,
        learning_rate_init=0.01,
        max_iter=40,
        bidirectional=True,
        random_state=0,
    )
    model = RNNSeq2Seq(**{**defaults, **params})
    return model.fit(words, [w[::-1] for w in words]), words


@pytest.fixture(scope="module")
def reverser():
    model, _ = _reversal()
    return model


def test_learns_to_reverse_unseen_words(reverser):
    new = [w for w in _words(200, seed=1) if w not in set(_words(300))][:50]
    assert len(new) >= 30
    predicted = reverser.predict(new)
    assert all(isinstance(p, str) for p in predicted)
    assert reverser.score(new, [w[::-1] for w in new]) >= 0.9
    assert reverser.target_vocabulary_.tolist() == list(LETTERS)
    assert reverser.max_target_length_ == 5


def test_beam_search_and_n_best(reverser):
    words = ["abcd", "dcb", "a"]
    n_best = reverser.predict_n_best(words, n_best=3)
    for word, ranked in zip(words, n_best, strict=True):
        assert len(ranked) == 3
        assert ranked[0][0] == word[::-1]
        outputs = [o for o, _ in ranked]
        log_probs = reverser.log_likelihood([word] * 3, outputs)
        np.testing.assert_allclose([lp for _, lp in ranked], log_probs, rtol=1e-4)
    beam = reverser.set_params(beam_size=4).predict(words)
    reverser.set_params(beam_size=1)
    assert beam == [w[::-1] for w in words]


def test_log_likelihood_prefers_the_right_output(reverser):
    right = reverser.log_likelihood(["abc", "dd"], ["cba", "dd"])
    wrong = reverser.log_likelihood(["abc", "dd"], ["abc", "d"])
    assert right.shape == (2,)
    assert np.all(right <= 0) and np.all(right > wrong)


def test_sampling_is_reproducible(reverser):
    first = reverser.sample(["abcd"] * 5, temperature=2.0, random_state=0)
    assert first == reverser.sample(["abcd"] * 5, temperature=2.0, random_state=0)
    assert reverser.sample(["abc"], temperature=0) == reverser.predict(["abc"])


def test_attention_weights_are_distributions(reverser):
    (weights,) = reverser.attention_weights(["abcd"], ["dcba"])
    assert weights.shape == (5, 4)  # 4 symbols and the end, over 4 letters
    np.testing.assert_allclose(weights.sum(axis=1), 1, rtol=1e-5)
    # reversing: the first output symbol looks mostly at the last letter
    assert np.argmax(weights[0]) == 3


def test_transform_feeds_another_estimator(reverser):
    words = _words(120, seed=2)
    summary = reverser.transform(words)
    assert summary.shape == (120, 64)  # the decoder: 2 x 32
    starts_with_a = [w[0] == "a" for w in words]
    # a Pipeline refits its steps: here on the labels, as outputs of one symbol
    pipe = make_pipeline(clone(reverser), LogisticRegression(max_iter=500))
    assert pipe.fit(words, starts_with_a).score(words, starts_with_a) > 0.8


def test_token_outputs_and_inputs():
    rng = np.random.default_rng(0)
    vocab = ["red", "green", "blue"]
    X = [list(rng.choice(vocab, rng.integers(1, 4))) for _ in range(200)]
    y = [[{"red": "R", "green": "G", "blue": "B"}[w] for w in x] for x in X]
    model = RNNSeq2Seq(
        hidden_size=16, learning_rate_init=0.02, max_iter=30, random_state=0
    ).fit(X, y)
    predicted = model.predict(X[:5])
    assert all(isinstance(p, list) for p in predicted)
    assert model.score(X, y) > 0.9
    assert model.categories_[0].tolist() == sorted(vocab)


def test_vector_to_sequence_reads_digit_strips():
    X, y = make_digit_strips(n_samples=1500, max_digits=2, random_state=0)
    X_test, y_test = make_digit_strips(
        n_samples=200, max_digits=2, subset="test", random_state=1
    )
    model = RNNSeq2Seq(
        vector_input=True,
        hidden_size=64,
        learning_rate_init=0.005,
        max_iter=30,
        random_state=0,
    ).fit(X, y)
    assert model.n_features_in_ == 128
    predicted = model.predict(X_test)
    assert all(1 <= len(p) <= 4 for p in predicted)
    assert model.score(X_test, y_test) > 0.6
    with pytest.raises(ValueError, match="features"):
        model.predict(X_test[:, :10])


def test_one_symbol_per_sample_returns_an_array():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 4, 2))
    y = np.where(X[:, 0, 0] > 0, 7, 3)
    model = RNNSeq2Seq(
        hidden_size=8, max_iter=50, learning_rate_init=0.02, random_state=0
    ).fit(X, y)
    predicted = model.predict(X)
    assert isinstance(predicted, np.ndarray) and predicted.shape == (100,)
    assert set(predicted.tolist()) <= {3, 7}
    assert model.score(X, y) > 0.9


def test_partial_fit_keeps_the_vocabulary_and_refuses_new_symbols():
    words = _words(100)
    model = RNNSeq2Seq(hidden_size=8, random_state=0)
    model.partial_fit(words, words)
    model.partial_fit(words[:10], words[:10])
    assert model.n_iter_ == 1 and len(model.loss_curve_) == 2
    assert model.t_ == 110
    with pytest.raises(ValueError, match="no output for: 'z'"):
        model.partial_fit(["abc"], ["abz"])
    with pytest.raises(ValueError, match="fitted on y of str"):
        model.partial_fit(["abc"], [["a", "b"]])
    assert len(model.loss_curve_) == 2  # the failed calls changed nothing


def test_warm_start_keeps_the_architecture():
    words = _words(50)
    model = RNNSeq2Seq(hidden_size=8, max_iter=2, warm_start=True, random_state=0)
    model.fit(words, words)
    model.set_params(attention="additive")
    with pytest.raises(ValueError, match="attention='additive' differs"):
        model.fit(words, words)


def test_reproducible_float64_and_pickled():
    words = _words(60)
    kwargs = dict(hidden_size=8, max_iter=3, random_state=0, dtype=np.float64)
    a = RNNSeq2Seq(**kwargs).fit(words, words)
    b = RNNSeq2Seq(**kwargs).fit(words, words)
    for name, value in a.params_.items():
        np.testing.assert_array_equal(value, b.params_[name])
        assert value.dtype == np.float64
    assert {"encoder.W_hh_l0", "decoder.W_hh_l0", "W_a", "W_c", "W_hy"} <= set(
        a.params_
    )
    restored = pickle.loads(pickle.dumps(a))
    assert restored.predict(words[:10]) == a.predict(words[:10])


def test_early_stopping_scores_exact_matches():
    words = _words(200)
    model = RNNSeq2Seq(
        hidden_size=16,
        max_iter=15,
        learning_rate_init=0.02,
        early_stopping=True,
        n_iter_no_change=3,
        random_state=0,
    )
    model.fit(words, words)
    scores = model.validation_scores_
    assert len(scores) == model.n_iter_ and all(0 <= s <= 1 for s in scores)
    assert model.best_validation_score_ == max(scores)


def test_sample_weight_zero_leaves_samples_out():
    words = _words(80)
    targets = [w[::-1] for w in words]
    noise = ["abcd"] * 20
    kwargs = dict(
        hidden_size=8,
        max_iter=3,
        random_state=0,
        shuffle=False,
        batch_size=200,
        dtype=np.float64,
    )
    kept = RNNSeq2Seq(**kwargs).fit(words, targets)
    weighted = RNNSeq2Seq(**kwargs).fit(
        words + noise,
        targets + ["dddd"] * 20,
        sample_weight=[1.0] * 80 + [0.0] * 20,
    )
    for name, value in kept.params_.items():
        np.testing.assert_allclose(value, weighted.params_[name], atol=1e-12)


@pytest.mark.parametrize(
    "X, y, match",
    [
        (["ab", ""], ["a", "b"], "Sequence 1 is empty"),
        (["ab", "c"], ["a"], "y has 1 output sequences but X has 2"),
        (["ab", "c"], ["a", ["b"]], r"y\[0\] is not a sequence of symbols"),
        (["ab", "c"], ["", ""], "Every sequence of y is empty"),
    ],
)
def test_bad_fit_input_is_refused_by_name(X, y, match):
    with pytest.raises(ValueError, match=match):
        RNNSeq2Seq(hidden_size=4, max_iter=1).fit(X, y)


def test_bad_decoding_arguments_are_refused(reverser):
    with pytest.raises(ValueError, match="n_best"):
        reverser.predict_n_best(["ab"], n_best=0)
    with pytest.raises(ValueError, match="temperature"):
        reverser.sample(["ab"], temperature=-1)
    words = _words(20)
    plain = RNNSeq2Seq(hidden_size=4, max_iter=1, attention=None)
    plain.fit(words, words)
    with pytest.raises(ValueError, match="no attention"):
        plain.attention_weights(["ab"], ["ab"])
    vectors = RNNSeq2Seq(
        hidden_size=4, max_iter=1, vector_input=True, max_length=lambda n: n
    )
    vectors.fit(np.ones((3, 2)), ["a", "b", "ab"])
    with pytest.raises(ValueError, match="no length"):
        vectors.predict(np.ones((1, 2)))


def test_max_length_bounds_the_outputs(reverser):
    reverser.set_params(max_length=2)
    try:
        assert all(len(p) <= 2 for p in reverser.predict(["abcd", "abc"]))
        reverser.set_params(max_length=lambda n: n - 1)
        assert [len(p) for p in reverser.predict(["abcd", "ab"])] <= [3, 1]
    finally:
        reverser.set_params(max_length=None)
