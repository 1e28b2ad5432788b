# SPDX-License-Identifier: BSD-3-Clause
"""Token input (words, categorical steps) for the classifier, regressor and tagger.

The reading and the vocabularies are tested in ``test_categorical.py``, the
engine's embeddings in ``engine/test_embedding.py``; here the estimators: every
form, embeddings or direct input, unknown and rare symbols, the lazy update
of the tables, warm starts, persistence and bad input.
"""

import pickle
import tracemalloc

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning

from skrnn import RNNClassifier, RNNRegressor, RNNSequenceTagger

pytestmark = pytest.mark.filterwarnings("ignore", category=ConvergenceWarning)

WORDS = np.array(["good", "bad", "the", "movie", "was", "very", "not", "fun"])
SMALL = dict(hidden_size=8, max_iter=3, random_state=0, learning_rate_init=0.02)


def _corpus(n=60, seed=0):
    """Sentences of WORDS (and one rare word); a label, a value, tags per word."""
    rng = np.random.default_rng(seed)
    X = [list(rng.choice(WORDS, size=rng.integers(2, 7))) for _ in range(n)]
    X[0] = X[0] + ["rare"]  # seen once: shares the unknown code
    labels = np.array([int("good" in s or "fun" in s) for s in X])
    tags = [["POS" if w in ("good", "fun") else "O" for w in s] for s in X]
    return X, labels, tags


def _fit(Est, X, **params):
    _, labels, tags = _corpus()
    y = {RNNClassifier: labels, RNNRegressor: labels.astype(float)}.get(Est, tags)
    return Est(**{**SMALL, **params}).fit(X, y)


def _outputs(est, X):
    if isinstance(est, RNNRegressor):
        return est.predict(X)
    if isinstance(est, RNNSequenceTagger):
        return np.concatenate(est.predict_proba(X))
    return est.predict_proba(X)


ESTIMATORS = [RNNClassifier, RNNRegressor, RNNSequenceTagger]


@pytest.mark.parametrize("embedding_dim", [None, 4, [4]])
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_sentences_of_words_fit_and_predict(Est, embedding_dim):
    X, _, _ = _corpus()
    est = _fit(Est, X, embedding_dim=embedding_dim)
    assert [c.tolist() for c in est.categories_] == [sorted(WORDS)]
    assert [c.tolist() for c in est.infrequent_categories_] == [["rare"]]
    assert est.n_features_in_ == 1
    names = set(est.params_)
    assert ("E_0" in names) == (embedding_dim is not None)
    assert est.params_["W_xh_l0"].shape[0] == (9 if embedding_dim is None else 4)
    out = _outputs(est, X[:5])
    assert np.isfinite(out).all()
    if Est is RNNSequenceTagger:
        pred = est.predict(X[:5])
        assert [len(p) for p in pred] == [len(s) for s in X[:5]]
        assert set(np.concatenate(pred)) <= {"POS", "O"}


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_columns_of_symbols_have_their_own_vocabularies(Est):
    X, _, _ = _corpus()
    X2 = [np.stack([s, [w[-2:] for w in s]], axis=1) for s in X]
    est = _fit(Est, X2, embedding_dim=[4, 2])
    assert len(est.categories_) == 2 and est.n_features_in_ == 2
    assert est.params_["E_1"].shape == (len(est.categories_[1]) + 1, 2)
    assert est.params_["W_xh_l0"].shape[0] == 6
    with pytest.raises(ValueError, match="1 token column.* fitted with 2"):
        est.predict(X[:2])


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_an_unseen_symbol_reads_as_a_rare_one(Est):
    """Both share the unknown code: the same outputs, exactly."""
    X, _, _ = _corpus()
    est = _fit(Est, X, embedding_dim=4)
    unseen = [["good", "zebra", "movie"], ["ocelot"]]
    rare = [["good", "rare", "movie"], ["rare"]]
    assert_array_equal(_outputs(est, unseen), _outputs(est, rare))
    est.set_params(handle_unknown="error")
    with pytest.raises(ValueError, match="unknown to the model.*'ocelot'.*'zebra'"):
        est.predict(unseen)
    _outputs(est, rare)  # a rare training symbol is known: no error


def test_rare_symbols_train_the_unknown_vector_and_absent_rows_stay():
    """Lazy updates: a row moves only in the batches where its symbol is."""
    X, labels, _ = _corpus()
    est = RNNClassifier(**SMALL, embedding_dim=4, min_frequency=1, alpha=0.0)
    est.partial_fit(X, labels, classes=[0, 1])
    code = {w: i + 1 for i, w in enumerate(est.categories_[0])}
    before = est.params_["E_0"].copy()
    without = [s for s in X if "fun" not in s and "rare" not in s]
    est.partial_fit(without, labels[: len(without)])
    after = est.params_["E_0"]
    assert_array_equal(after[code["fun"]], before[code["fun"]])
    assert_array_equal(after[code["rare"]], before[code["rare"]])
    assert not np.array_equal(after[code["good"]], before[code["good"]])
    assert_array_equal(after[0], before[0])  # no unknown symbol was read


def test_the_unknown_vector_is_trained_by_rare_symbols():
    X, labels, _ = _corpus()
    est = RNNClassifier(**SMALL, embedding_dim=4, min_frequency=2)
    est.partial_fit(X[1:], labels[1:], classes=[0, 1])  # no rare word: row 0 idle
    before = est.params_["E_0"][0].copy()
    est.partial_fit(X[1:], labels[1:])
    assert_array_equal(est.params_["E_0"][0], before)
    est.partial_fit(X[:1], labels[:1])  # "rare" is read as the unknown code
    assert not np.array_equal(est.params_["E_0"][0], before)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_min_frequency_and_max_categories_size_the_vocabulary(Est):
    X, _, _ = _corpus()
    est = _fit(Est, X, min_frequency=1)
    assert len(est.categories_[0]) == len(WORDS) + 1
    est = _fit(Est, X, max_categories=3)
    assert len(est.categories_[0]) == 3
    assert len(est.infrequent_categories_[0]) == len(WORDS) - 2
    assert est.params_["W_xh_l0"].shape[0] == 4


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_token_models_pickle_and_warm_start(Est):
    X, _, _ = _corpus()
    est = _fit(Est, X, embedding_dim=4)
    loaded = pickle.loads(pickle.dumps(est))
    assert_array_equal(_outputs(loaded, X[:4]), _outputs(est, X[:4]))
    est.set_params(warm_start=True)
    _, labels, tags = _corpus()
    y = {RNNClassifier: labels, RNNRegressor: labels.astype(float)}.get(Est, tags)
    est.fit(X, y)  # the same embedding_dim: continues
    assert len(est.loss_curve_) == 2 * SMALL["max_iter"]
    est.set_params(embedding_dim=6)
    with pytest.raises(ValueError, match="embedding_dim=6 differs from the fitted"):
        est.fit(X, y)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_numbers_and_tokens_are_not_mixed_up(Est):
    X, _, _ = _corpus()
    est = _fit(Est, X)
    with pytest.raises(ValueError, match="fitted on token sequences"):
        est.predict([np.zeros((3, 1))])
    numeric = _fit(Est, [np.ones((len(s), 1)) * len(s) for s in X])
    with pytest.raises(ValueError, match="fitted on numeric sequences"):
        numeric.predict(X[:2])


def test_embedding_dim_per_column_must_match_the_columns():
    X, labels, _ = _corpus()
    with pytest.raises(ValueError, match="embedding_dim must be .* one per token"):
        RNNClassifier(**SMALL, embedding_dim=[4, 4]).fit(X, labels)
    with pytest.raises(ValueError, match="embedding_dim"):
        RNNClassifier(**SMALL, embedding_dim=0).fit(X, labels)


@pytest.mark.parametrize(
    ("X", "error", "match"),
    [
        ([["a", "b"], []], ValueError, "[Ss]equence 1 is empty"),
        ([["a", 1.5], ["b"]], ValueError, "mixed types"),
        ([["a", float("nan")], ["b"]], ValueError, "mixed types|NaN"),
        ([["a", None], ["b"]], ValueError, "None"),
        (
            [np.array([["a", "x"]]), np.array([["b", "y", "z"]])],
            ValueError,
            "column",
        ),
        (["a text", "another"], TypeError, r"str.*split\(\)"),
    ],
    ids=["empty", "mixed", "nan", "none", "columns", "str-documents"],
)
@pytest.mark.parametrize("Est", [RNNClassifier, RNNRegressor])
def test_bad_token_input_is_refused_by_name(Est, X, error, match):
    with pytest.raises(error, match=match):
        Est(**SMALL).fit(X, [0, 1])


def test_tags_of_another_length_than_their_sentence_are_refused():
    with pytest.raises(ValueError, match="Sequence 1 of X has 2 steps but y\\[1\\]"):
        RNNSequenceTagger(**SMALL).fit([["a"], ["b", "c"]], [["A"], ["B"]])


def test_a_token_fit_is_reproducible_and_float64_works():
    X, labels, _ = _corpus()
    a = RNNClassifier(**SMALL, embedding_dim=4).fit(X, labels)
    b = RNNClassifier(**SMALL, embedding_dim=4).fit(X, labels)
    assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = RNNClassifier(**SMALL, embedding_dim=4, dtype=np.float64).fit(X, labels)
    assert c.params_["E_0"].dtype == np.float64
    assert_allclose(c.predict_proba(X), a.predict_proba(X), atol=0.05)


def test_a_large_vocabulary_costs_its_tables_not_one_hot_rows():
    """50,000 words: the fit's memory is the tables and their copies.

    The table is 50,001 x 16 float32 (3.2 MB); the fit keeps it with its
    gradient, Adam's moments and scratch, and checkpoints (about ten copies).
    One batch of one-hot rows alone would be 64 x 9 x 50,001 floats (115 MB).
    """
    rng = np.random.default_rng(0)
    vocab = np.array([f"w{i}" for i in range(50_000)])
    X = [list(vocab[rng.integers(0, 50_000, size=8)]) for _ in range(400)]
    X += [[w, w] for w in vocab]  # every word seen twice at least
    y = np.arange(len(X)) % 2
    est = RNNClassifier(hidden_size=8, embedding_dim=16, max_iter=1, batch_size=64)
    tracemalloc.start()
    try:
        est.fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    table_bytes = 50_001 * 16 * 4
    assert est.params_["E_0"].shape == (50_001, 16)
    assert est._params.nbytes < table_bytes + 10_000
    assert peak < 20 * table_bytes  # 64 MB, about half a batch of one-hot rows


def test_pretrained_vectors_start_the_embedding_and_can_stay_frozen():
    X, labels, _ = _corpus()
    rng = np.random.default_rng(1)
    vectors = {w: rng.standard_normal(4) for w in ["good", "bad", "absent"]}
    est = RNNClassifier(**SMALL, embedding_dim=4, pretrained_embeddings=vectors)
    est.set_params(max_iter=1)
    frozen = clone_with(est, freeze_embeddings=True).fit(X, labels)
    code = {w: i + 1 for i, w in enumerate(frozen.categories_[0])}
    for word in ("good", "bad"):
        assert_allclose(frozen.params_["E_0"][code[word]], vectors[word], rtol=1e-6)
    trained = clone_with(est, freeze_embeddings=False).fit(X, labels)
    assert not np.allclose(trained.params_["E_0"][code["good"]], vectors["good"])
    # the same start: the two differ only by the frozen table's updates
    assert_array_equal(
        clone_with(est, max_iter=1).fit(X, labels).params_["E_0"],
        trained.params_["E_0"],
    )


def test_pretrained_vectors_of_several_columns_and_bad_ones():
    X, labels, _ = _corpus()
    X2 = [np.stack([s, [w[-2:] for w in s]], axis=1) for s in X]
    pairs = (["od", "ad"], np.ones((2, 2)))
    est = RNNClassifier(
        **SMALL, embedding_dim=[4, 2], pretrained_embeddings={1: pairs}
    ).fit(X2, labels)
    code = {w: i + 1 for i, w in enumerate(est.categories_[1])}
    assert est.params_["E_1"][code["od"]].shape == (2,)
    bad = [
        (dict(embedding_dim=4, pretrained_embeddings={"good": np.ones(3)}), "size"),
        (dict(embedding_dim=4, pretrained_embeddings={2: {}}), "column 2"),
        (dict(pretrained_embeddings={"good": np.ones(3)}), "need embeddings"),
        (
            dict(embedding_dim=4, pretrained_embeddings=(["a"], np.ones((2, 4)))),
            "one row",
        ),
    ]
    for params, match in bad:
        with pytest.raises(ValueError, match=match):
            RNNClassifier(**SMALL, **params).fit(X, labels)


def clone_with(est, **params):
    from sklearn.base import clone

    return clone(est).set_params(**params)


def test_alpha_penalises_the_weights_but_not_the_tables():
    """One full-batch SGD step: the tables' step is the same with any alpha."""
    X, labels, _ = _corpus()
    kwargs = dict(SMALL, max_iter=1, solver="sgd", momentum=0.0, batch_size=100)
    kwargs.update(embedding_dim=4, dtype=np.float64)
    plain = RNNClassifier(**kwargs, alpha=0.0).fit(X, labels)
    penalised = RNNClassifier(**kwargs, alpha=10.0).fit(X, labels)
    assert_array_equal(plain.params_["E_0"], penalised.params_["E_0"])
    assert not np.allclose(plain.params_["W_hh_l0"], penalised.params_["W_hh_l0"])
