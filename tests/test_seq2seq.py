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


def test_input_feeding_learns_decodes_and_pickles():
    model, words = _reversal(input_feeding=True, max_iter=30)
    new = [w for w in _words(200, seed=1) if w not in set(words)][:50]
    assert model.score(new, [w[::-1] for w in new]) >= 0.9
    # the decoder's first layer reads the codes, then the fed state (2 x 32)
    assert model.params_["decoder.W_xh_l0"].shape == (len(LETTERS) + 1 + 64, 4 * 64)
    greedy = model.predict(new)
    assert model.set_params(beam_size=3).predict(new) == greedy  # confident
    (weights,) = model.attention_weights(["abcd"], ["dcba"])
    np.testing.assert_allclose(weights.sum(axis=1), 1, rtol=1e-5)
    restored = pickle.loads(pickle.dumps(model))
    assert restored.predict(new) == model.predict(new)
    with pytest.raises(ValueError, match="input_feeding=True .* needs attention"):
        RNNSeq2Seq(attention=None, input_feeding=True, max_iter=1).fit(words, words)
    # without a source to attend to (vectors), there is nothing to feed
    X, y = make_digit_strips(40, random_state=0)
    vectors = RNNSeq2Seq(vector_input=True, input_feeding=True, max_iter=1)
    assert vectors.fit(X, y)._net.input_feeding is False


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


# ------------------------------------------------------- regression tests
# Each reproduces an example that tests/test_properties.py found.

_SMALL = dict(hidden_size=4, max_iter=1, random_state=0)
_SOURCES = ["aba", "ca", "bcr", "a", "bb", "cabc"]


def _small_reverser(**params):
    return RNNSeq2Seq(**_SMALL, **params).fit(_SOURCES, [w[::-1] for w in _SOURCES])


@pytest.mark.parametrize(
    "target_vocabulary, error, match",
    [
        (np.array(0), TypeError, r"target_vocabulary must be a str .*shape \(\)"),
        ([["a", "b"], ["c", "d"]], TypeError, r"must be a str .*shape \(2, 2\)"),
        ([], ValueError, "target_vocabulary is empty"),
        (["ab", "c"], ValueError, "must hold characters .* got 'ab'"),
        (["a", np.nan], ValueError, "target_vocabulary must hold characters"),
    ],
)
def test_partial_fit_names_a_target_vocabulary_that_is_no_list_of_symbols(
    target_vocabulary, error, match
):
    # Found: partial_fit(X, [""], target_vocabulary=np.array(0)) failed with
    # "iteration over a 0-d array"; a NaN or an unhashable symbol failed
    # with messages that did not name target_vocabulary, and ["ab"] for
    # outputs of characters became the vocabulary ['a'] (truncated).
    with pytest.raises(error, match=match):
        RNNSeq2Seq(**_SMALL).partial_fit(
            ["ab"], ["ba"], target_vocabulary=target_vocabulary
        )
    model = RNNSeq2Seq(**_SMALL).partial_fit(
        [["a"]], [["B"]], target_vocabulary={"B", "C"}
    )
    assert model.target_vocabulary_.tolist() == ["B", "C"]
    for bad in ([np.nan], [{}]):
        with pytest.raises((TypeError, ValueError), match="target_vocabulary"):
            model.partial_fit([["a"]], [["B"]], target_vocabulary=bad)


def test_an_output_of_nested_sequences_of_different_lengths_is_named():
    # Found: log_likelihood(["a"], [[["a"], ["b", "c"]]]) failed with NumPy's
    # "setting an array element with a sequence ... inhomogeneous shape",
    # naming neither y nor the sample.
    model = _small_reverser()
    y = [[["a"], ["b", "c"]]]
    with pytest.raises(ValueError, match=r"y\[0\] is not a sequence of symbols"):
        model.log_likelihood(["a"], y)
    with pytest.raises(ValueError, match=r"y\[0\] is not a sequence of symbols"):
        RNNSeq2Seq(**_SMALL).fit(["a"], y)


@pytest.mark.parametrize(
    "y, error, match",
    [
        ([[]], ValueError, r"fitted on y of str \(characters\)"),
        (None, TypeError, "y must be a list of output sequences"),
        (["a", "b"], ValueError, "y has 2 output sequences but X has 1"),
        ([["a", np.nan]], ValueError, "fitted on y of str"),
    ],
)
def test_score_checks_y_as_the_other_methods_do(y, error, match):
    # Found: score(["a"], [[]]) on a model of str outputs returned 0.0 (an
    # output of another form, silently a miss), and score(["a"], None)
    # failed with "iteration over a 0-d array". A symbol the model never
    # outputs is still a miss, not an error.
    model = _small_reverser()
    with pytest.raises(error, match=match):
        model.score(["a"], y)
    assert model.score(["a"], ["z"]) == 0.0
    symbols = RNNSeq2Seq(**_SMALL).fit(np.ones((4, 2, 1)), np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError, match="NaN or infinity"):
        symbols.score(np.ones((2, 2, 1)), np.array([0.0, np.nan]))


def test_masked_outputs_and_vectors_are_refused_not_read_under_the_mask():
    # Found: a vector model read a masked X, and log_likelihood a masked y,
    # as their data: the symbol 'bbb' under the mask of X gave another
    # output than 'b'. Masked values are refused; a masked array without
    # any is an array like any other.
    vectors = RNNSeq2Seq(**_SMALL, vector_input=True).fit(np.eye(3), ["ab", "b", "ba"])
    X = np.ma.MaskedArray([[1.0, 0.0, 0.0]], mask=[[False, True, False]])
    for method in ("predict", "transform"):
        with pytest.raises(TypeError, match="masked"):
            getattr(vectors, method)(X)
    plain = np.ma.MaskedArray(np.eye(3)[:1])
    assert vectors.predict(plain) == vectors.predict(plain.data)
    y = np.ma.MaskedArray(["a"], mask=[True])
    with pytest.raises(TypeError, match="y is a masked array"):
        vectors.log_likelihood(np.eye(3)[:1], y)
    entry = np.ma.MaskedArray(["a", "b"], mask=[False, True])
    with pytest.raises(TypeError, match=r"y\[0\] is a masked array"):
        RNNSeq2Seq(**_SMALL).fit([["a"]], [entry])


def test_vector_input_is_named_when_x_is_not_vectors():
    # Found: RNNSeq2Seq(vector_input=True).fit(words, ...) failed with "could
    # not convert string to float: 'aba'", which does not say that vectors
    # were expected.
    with pytest.raises(ValueError, match="With vector_input=True, X is one"):
        _small_reverser(vector_input=True)


def test_sample_weight_too_large_for_the_dtype_is_named():
    # Found: fit(["aaaa", "a"], ["", "a"], sample_weight=[3.4e38] * 2) (finite
    # weights whose sum is not, in float32) failed with a non-finite loss
    # advising to lower learning_rate_init.
    with pytest.raises(ValueError, match="sample_weight .* too large for float32"):
        RNNSeq2Seq(**_SMALL).fit(
            ["aaaa", "a"], ["", "a"], sample_weight=[3.40282357e38] * 2
        )


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(max_length=10**30), r"max_length=10{30}\) .*memory"),
        (dict(max_length=2**62), r"max_length=4611686018427387904\) .*memory"),
        (dict(beam_size=10**20), r"beam_size=10{20}.*memory"),
        (dict(beam_size=2**40), r"beam_size=1099511627776.*memory"),
    ],
)
def test_decoding_past_memory_is_refused_naming_the_parameter(params, match):
    # Found: max_length=10**30 made predict fail with "OverflowError: Python
    # int too large to convert to C long", max_length=2**62 decode without
    # end (an untrained model that never writes the end), beam_size=10**20
    # fail with an OverflowError and beam_size=2**40 with a MemoryError.
    model = _small_reverser(**params)
    with pytest.raises(ValueError, match=match):
        model.predict(["ab"])
    model.set_params(max_length=3, beam_size=2)
    with pytest.raises(ValueError, match="n_best=1099511627776, beam_size=2 "):
        model.predict_n_best(["ab"], n_best=2**40)


@pytest.mark.parametrize("param", ["attention_size", "embedding_dim"])
def test_a_fit_past_memory_names_the_sizes(param):
    # Found: RNNSeq2Seq(embedding_dim=69876) on 64 MiB was refused naming
    # hidden_size and num_layers only, neither of which was the cause
    # (attention_size=10**20 likewise).
    model = RNNSeq2Seq(**_SMALL, attention="additive", **{param: 10**20})
    with pytest.raises(ValueError, match=rf"{param}=10{{20}}.*memory"):
        model.fit(_SOURCES, _SOURCES)


@pytest.mark.parametrize(
    "X, y, vector_input",
    [
        (np.arange(12.0).reshape(6, 2, 1), np.array([0, 1] * 3), False),
        (np.arange(12.0).reshape(6, 2), _SOURCES, True),
        (_SOURCES, _SOURCES, False),
    ],
    ids=["numbers", "vectors", "characters"],
)
def test_inference_ignores_hyperparameters_changed_after_fit(X, y, vector_input):
    # Found: after set_params(dtype="float64") without a refit, a model of
    # numeric sequences failed with "Dense input must have dtype float32";
    # after set_params(vector_input=...) every model read X the other way.
    # A fitted model reads X as it was fitted; the new values act at the
    # next fit.
    model = RNNSeq2Seq(**_SMALL, vector_input=vector_input).fit(X, y)
    expected = model.transform(X), model.log_likelihood(X, y)
    model.set_params(dtype="float64", vector_input=not vector_input)
    got = model.transform(X), model.log_likelihood(X, y)
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize("length_penalty", [2**63, 1e300, 324])
def test_a_huge_length_penalty_ranks_without_overflow(length_penalty):
    words = _words(30)
    model = RNNSeq2Seq(
        hidden_size=4, max_iter=1, beam_size=2, length_penalty=length_penalty
    ).fit(words, words)
    for greedy in (False, True):
        model.set_params(beam_size=1 if greedy else 2)
        assert len(model.predict(words[:3])) == 3
    (ranked,) = model.predict_n_best(words[:1], n_best=2)
    assert len(ranked) == 2
