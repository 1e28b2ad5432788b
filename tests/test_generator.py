# SPDX-License-Identifier: BSD-3-Clause
"""CharRNNGenerator: a language model over characters, words or any tokens.

Tiny models with fixed seeds; each test runs well under two seconds. The
slow real-data quality test (Shakespeare) lives in ``test_quality.py``.

What holds between a batch of seeds and each seed alone (``generate``):
greedy generation (``temperature=0``, or ``top_k=1``, or a tiny ``top_p``)
gives exactly the same tokens. Sampled generation with a fixed
``random_state`` is reproducible for the same list of seeds, but a seed's
sample inside a batch is not the sample it gets alone: the batch draws one
uniform number per row and step from one Generator, so the rows share, and
interleave, its stream. Matching them would also need the batch's
probabilities to be bitwise those of the seed alone, which BLAS does not
promise (a row of a matrix product may round differently with other rows
around it; see ``test_a_context_does_not_depend_on_the_other_contexts``).
"""

import pickle
import re
import warnings

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skrnn import CharRNNGenerator
from skrnn import generator as generator_module
from skrnn._engine import Ragged
from skrnn._engine.streams import Streams
from skrnn._tokens import encode_documents

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

PERIODIC = "abcd" * 30
WORDS = [["the", "rose", "is", "red"], ["the", "sky", "is", "blue"]] * 10


def _gen(**kwargs):
    params = dict(hidden_size=16, seq_length=8, learning_rate_init=0.01, max_iter=40)
    params.update(kwargs)
    params.setdefault("random_state", 0)
    return CharRNNGenerator(**params)


@pytest.fixture(scope="module")
def periodic():
    """A character LSTM that has learned 'abcd' repeated (do not modify)."""
    return _gen(hidden_size=32).fit(PERIODIC)


@pytest.fixture(scope="module")
def words():
    """A word-level model of two four-word sentences (do not modify)."""
    return _gen(seq_length=4, max_iter=100, learning_rate_init=0.03).fit(WORDS)


@pytest.fixture(scope="module")
def text_model():
    """A small model of a less regular text: many plausible continuations."""
    text = "the cat sat on the mat. the dog sat on the log. " * 4
    return _gen(cell="gru", max_iter=15, random_state=1).fit(text)


def _equal_params(a, b):
    pa, pb = a.params_, b.params_
    return pa.keys() == pb.keys() and all(np.array_equal(pa[k], pb[k]) for k in pa)


# ------------------------------------------------------------------ fitting
def test_fit_on_a_str_learns_a_sorted_character_vocabulary():
    gen = _gen(max_iter=2).fit("banana bread")
    assert_array_equal(gen.classes_, sorted(set("banana bread")))
    assert gen.classes_.dtype == np.dtype("<U1")
    assert not hasattr(gen, "n_features_in_")
    counts = np.array([("banana bread").count(c) for c in gen.classes_])
    assert_allclose(gen.token_prior_, counts / counts.sum())
    assert gen.params_["W_xh_l0"].shape == (len(gen.classes_), 4 * 16)
    assert gen.params_["W_hy"].shape == (16, len(gen.classes_))


def test_fit_on_a_list_of_documents_counts_targets_within_documents():
    docs = ["abcab", "ba", "c", "cccba"]
    gen = _gen(max_iter=3, tol=0, n_iter_no_change=99).fit(docs)
    assert_array_equal(gen.classes_, ["a", "b", "c"])
    # every token after a document's first is a target; none across documents
    assert gen.n_iter_ == 3
    assert gen.t_ == 3 * sum(len(d) - 1 for d in docs) == 3 * 9
    assert len(gen.loss_curve_) == 3


def test_fit_on_words_generates_arrays_of_words(words):
    assert_array_equal(words.classes_, ["blue", "is", "red", "rose", "sky", "the"])
    assert words.classes_.dtype.kind == "U"
    out = words.generate(["the", "sky"], 2, temperature=0)
    assert isinstance(out, np.ndarray) and out.dtype.kind == "U"
    assert out.tolist() == ["the", "sky", "is", "blue"]
    assert words.generate(["the", "rose"], 2, temperature=0).tolist() == [
        "the",
        "rose",
        "is",
        "red",
    ]


def test_short_documents_are_read_whole_with_their_context(words):
    # 'is' is followed by 'red' or 'blue' depending on the word two steps
    # back: the state must be carried through each four-word document.
    assert words.predict([["the", "rose", "is"], ["the", "sky", "is"]]).tolist() == [
        "red",
        "blue",
    ]
    # the best possible loss is ln(2) / 3 (only 'rose' or 'sky' is uncertain)
    assert words.loss_curve_[-1] < np.log(2) / 3 + 0.03


def test_fit_on_a_2d_numeric_array_keeps_numbers():
    X = np.array([[1, 2, 3, 4, 1, 2, 3, 4], [4, 3, 2, 1, 4, 3, 2, 1]] * 10)
    gen = _gen(seq_length=4, max_iter=60, learning_rate_init=0.03).fit(X)
    assert_array_equal(gen.classes_, [1, 2, 3, 4])
    assert gen.classes_.dtype.kind == "i"
    assert gen.n_features_in_ == 8
    out = gen.generate([4, 3], 4, temperature=0)
    assert out.dtype.kind == "i" and out.tolist() == [4, 3, 2, 1, 4, 3]
    assert gen.predict(X[:2]).tolist() == [1, 4]
    assert gen.predict([[1, 2, 3], [4, 3]]).tolist() == [4, 2]  # any length
    with pytest.raises(ValueError, match="3 features"):
        gen.predict(X[:2, :3])  # the 2-D form keeps the fitted width


def _spy_on_corpora(monkeypatch):
    corpora = []

    def spy(*args, **kwargs):
        corpora.append(encode_documents(*args, **kwargs))
        return corpora[-1]

    monkeypatch.setattr(generator_module, "encode_documents", spy)
    return corpora


@pytest.mark.parametrize(
    "text, dtype",
    [
        ("abcd" * 10, np.uint8),
        ("".join(map(chr, range(0x400, 0x400 + 300))) * 2, np.uint16),
        ("\U0001f600a\U0001f680b" * 10, np.uint8),
    ],
)
def test_the_corpus_is_held_as_codes_of_the_smallest_dtype(monkeypatch, text, dtype):
    corpora = _spy_on_corpora(monkeypatch)
    gen = _gen(hidden_size=4, max_iter=1).fit(text)
    (corpus,) = corpora
    assert corpus.data.dtype == dtype and corpus.data.shape == (len(text),)
    assert len(gen.classes_) == len(set(text))
    assert "".join(gen.classes_[corpus.data]) == text


def test_unfittable_corpora_raise():
    with pytest.raises(ValueError, match="fewer than 2 tokens"):
        _gen().fit(["a", "b"])
    with pytest.raises(ValueError, match="empty"):
        _gen().fit([])
    with pytest.raises(TypeError):
        _gen().fit(42)
    with pytest.raises(ValueError, match="NaN"):
        _gen().fit([[1.0, float("nan"), 2.0]])


# ------------------------------------------------- truncated BPTT: Streams
def _corpus(lengths):
    lengths = np.asarray(lengths, dtype=np.intp)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return Ragged(np.zeros(lengths.sum(), np.uint8), starts, lengths)


def _read_streams(streams):
    """Per stream, its windows in order: [(start, length, reset), ...]."""
    per_stream = {s: [] for s in range(streams.n_streams)}
    for live, starts, lengths, resets in streams.batches():
        assert len(live) == len(starts) == len(lengths) == len(resets)
        assert np.all(np.diff(live) > 0)
        for s, a, n, r in zip(live, starts, lengths, resets, strict=True):
            per_stream[int(s)].append((int(a), int(n), bool(r)))
    return per_stream


@pytest.mark.parametrize(
    "lengths, n_streams, seq_length, phase",
    [
        ([200], 4, 8, 0),
        ([200], 4, 8, 3),
        ([200], 64, 8, 5),
        ([50, 1, 30, 2, 40], 3, 7, 0),
        ([50, 1, 30, 2, 40], 3, 7, 6),
        ([5] * 40, 64, 3, 2),
        ([3, 9, 4, 100, 2, 7], 5, 4, 1),
        ([2] * 10, 64, 1, 1),
    ],
)
def test_streams_read_every_target_once_within_documents(
    lengths, n_streams, seq_length, phase
):
    corpus = _corpus(lengths)
    streams = Streams(corpus, n_streams, seq_length, phase)
    doc_of = np.repeat(np.arange(len(lengths)), lengths)
    doc_start = corpus.starts[doc_of]
    doc_end = doc_start + corpus.lengths[doc_of]
    usable = sum(n - 1 for n in lengths if n > 1)
    assert streams.n_targets == usable
    assert 1 <= streams.n_streams <= n_streams
    seen = np.zeros(len(doc_of), dtype=int)
    for s, windows in _read_streams(streams).items():
        assert windows, "an empty stream"
        # the first window is the phase (or seq_length) clipped to the segment
        first_segment = streams.segments[s][0][1]
        assert windows[0][1] == min(phase or seq_length, first_segment)
        for j, (a, n, reset) in enumerate(windows):
            assert 1 <= n <= seq_length
            # inputs a..a+n-1 and targets a+1..a+n lie in one document
            assert doc_of[a] == doc_of[a + n]
            assert a + n < doc_end[a]
            seen[a : a + n] += 1
            starts_document = a == doc_start[a]
            if j == 0:
                assert reset  # a stream starts from the zero state
            else:
                prev_a, prev_n, _ = windows[j - 1]
                continues = prev_a + prev_n == a and doc_of[prev_a] == doc_of[a]
                # the state is carried exactly when the window continues the
                # previous one within a document; reset at every document start
                assert reset == (not continues)
                assert reset == starts_document
    # every position with a next token is read exactly once
    has_next = np.ones(len(doc_of), dtype=bool)
    has_next[corpus.starts + corpus.lengths - 1] = False
    assert_array_equal(seen, has_next.astype(int))


def test_the_phase_shifts_window_boundaries():
    corpus = _corpus([100])
    cuts = {}
    for phase in (0, 3):
        streams = Streams(corpus, 1, 8, phase)
        (windows,) = _read_streams(streams).values()
        cuts[phase] = [a for a, _, _ in windows]
    assert cuts[0] == list(range(0, 99, 8))
    assert cuts[3] == [0] + list(range(3, 99, 8))


def test_streams_cut_at_document_boundaries_when_documents_are_short():
    # 20 documents of 4 tokens and 64 streams asked for: no document is cut
    corpus = _corpus([4] * 20)
    streams = Streams(corpus, 64, 4, 0)
    for windows in _read_streams(streams).values():
        first = windows[0][0]
        assert first % 4 == 0  # a stream starts at a document start
    # one long document is cut into the streams asked for
    streams = Streams(_corpus([1000]), 8, 10, 0)
    assert streams.n_streams == 8
    assert [len(s) for s in streams.segments] == [1] * 8


def test_carried_state_learns_a_pattern_longer_than_a_window():
    # In 'aab' repeated, what follows 'a' depends on the token before it. With
    # one-token windows, only the state carried from the previous window can
    # tell: without it the loss could not go below (2/3) ln 2 = 0.46.
    gen = _gen(seq_length=1, batch_size=8, max_iter=150, learning_rate_init=0.03)
    gen.fit("aab" * 100)
    assert gen.loss_curve_[-1] < 0.1
    assert gen.generate("aab", 12, temperature=0) == "aab" * 5


# -------------------------------------------------------------- training
def test_a_periodic_text_is_learned_and_generated_exactly(periodic):
    assert periodic.generate("ab", 30, temperature=0) == ("abcd" * 9)[:32]
    assert periodic.generate("d", 7, temperature=0) == "dabcdabc"
    curve = np.array(periodic.loss_curve_)
    assert curve[-1] < 0.05 < np.log(4) - 0.1 < curve[0]
    assert np.all(np.diff(curve[:10]) < 0)
    assert curve[-5:].mean() < curve[:5].mean() / 10
    assert periodic.best_loss_ == min(periodic.loss_curve_)
    assert periodic.loss_ == periodic.loss_curve_[-1]
    assert periodic.t_ == periodic.n_iter_ * (len(PERIODIC) - 1)


def test_loss_decreases_with_every_cell():
    for cell in ("rnn", "gru", "lstm"):
        gen = _gen(cell=cell, max_iter=10, tol=0).fit(PERIODIC)
        curve = gen.loss_curve_
        assert curve[-1] < curve[0] - 0.3, (cell, curve)


# -------------------------------------------------------------- generate
@pytest.mark.parametrize("seed", ["t", "the ", "sat on th", ""])
def test_greedy_generation_equals_predicting_on_the_growing_context(text_model, seed):
    # generate carries the state one step per token; predict re-reads the
    # whole context from the zero state: the same tokens come out.
    context = seed
    for _ in range(25):
        context += text_model.predict([context])[0]
    assert text_model.generate(seed, 25, temperature=0) == context


def test_greedy_word_generation_equals_predicting_on_the_growing_context(words):
    context = ["the"]
    for _ in range(9):
        context.append(words.predict([context])[0])
    assert words.generate(["the"], 9, temperature=0).tolist() == context


def test_generate_returns_the_seed_and_n_new_tokens(text_model):
    out = text_model.generate("the ", 17, random_state=0)
    assert isinstance(out, str) and len(out) == 4 + 17 and out.startswith("the ")
    assert set(out) <= set(text_model.classes_)
    assert text_model.generate("the ", 0) == "the "


def test_sampling_is_reproducible_and_leaves_the_model_alone(text_model):
    before = {k: v.copy() for k, v in text_model.params_.items()}
    a = text_model.generate("the ", 60, temperature=1.5, random_state=0)
    b = text_model.generate("the ", 60, temperature=1.5, random_state=0)
    c = text_model.generate("the ", 60, temperature=1.5, random_state=1)
    assert a == b and a != c
    rs = np.random.RandomState(0)
    d = text_model.generate("the ", 60, temperature=1.5, random_state=rs)
    e = text_model.generate("the ", 60, temperature=1.5, random_state=rs)
    assert d != e  # a RandomState instance moves on
    for k, v in text_model.params_.items():
        assert_array_equal(v, before[k])


def test_temperature_zero_top_k_one_and_a_tiny_top_p_are_greedy(text_model):
    greedy = text_model.generate("the ", 30, temperature=0)
    for kwargs in (
        {"top_k": 1},
        {"top_p": 1e-6},
        {"temperature": 1e-6},
        {"temperature": 2.0, "top_k": 1},
    ):
        for seed in (0, 1):
            assert text_model.generate("the ", 30, random_state=seed, **kwargs) == (
                greedy
            ), kwargs


def test_a_list_of_seeds_generates_a_list(text_model):
    seeds = ["the ", "d", "", "sat on"]
    batch = text_model.generate(seeds, 20, temperature=0)
    assert isinstance(batch, list) and len(batch) == len(seeds)
    # greedy: each seed's text is exactly what it generates alone
    assert batch == [text_model.generate(s, 20, temperature=0) for s in seeds]
    # sampling: reproducible for the same list (see the module docstring for
    # why a seed's sample in a batch is not its sample alone)
    a = text_model.generate(seeds, 20, random_state=3)
    assert a == text_model.generate(seeds, 20, random_state=3)
    assert [len(t) for t in a] == [len(s) + 20 for s in seeds]
    assert [t[: len(s)] for t, s in zip(a, seeds, strict=True)] == seeds
    assert text_model.generate(["the "], 5, temperature=0) == [
        text_model.generate("the ", 5, temperature=0)
    ]


def test_a_list_of_word_seeds_generates_a_list(words):
    out = words.generate([["the", "sky"], ["the"], []], 2, temperature=0)
    assert isinstance(out, list) and len(out) == 3
    assert [o.tolist() for o in out] == [
        words.generate(s, 2, temperature=0).tolist()
        for s in (["the", "sky"], ["the"], [])
    ]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": -1},
        {"n": 2.5},
        {"n": "3"},
        {"temperature": -0.1},
        {"temperature": float("nan")},
        {"temperature": "hot"},
        {"top_k": 0},
        {"top_k": 1.5},
        {"top_p": 0},
        {"top_p": 1.1},
        {"top_p": -0.5},
        {"top_p": float("nan")},
    ],
)
def test_invalid_generation_parameters_raise(periodic, kwargs):
    params = {"n": 5, **kwargs}
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=name):
        periodic.generate("ab", **params)


def test_an_empty_seed_starts_from_the_token_prior():
    gen = _gen(max_iter=3).fit("aaab" * 20)
    assert_allclose(gen.token_prior_, [0.75, 0.25])
    assert_allclose(gen.predict_proba("")[0], gen.token_prior_, rtol=1e-6)
    assert gen.predict("") == ["a"]
    assert gen.generate("", 1, temperature=0) == "a"
    # the first sampled token follows the prior
    first = gen.generate([""] * 4000, 1, random_state=0)
    share = np.mean([t == "b" for t in first])
    assert abs(share - 0.25) < 0.03


def test_generate_before_fit_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        CharRNNGenerator().generate("a", 3)


# -------------------------------------------------------- unknown symbols
def test_unknown_symbols_raise_naming_them_everywhere(periodic):
    for call in (
        lambda: periodic.generate("abXd", 3),
        lambda: periodic.generate(["ab", "cZ"], 3),
        lambda: periodic.predict(["abX"]),
        lambda: periodic.predict_proba("aXb"),
        lambda: periodic.predict_log_proba(["ab", "X"]),
        lambda: periodic.score("abcdX"),
        lambda: periodic.perplexity("abcdX"),
    ):
        with pytest.raises(ValueError, match="unknown symbol.*'[XZ]'"):
            call()
    with pytest.raises(ValueError, match=re.escape("'X', 'Y', '\U0001f600'")):
        periodic.predict(["aXbY\U0001f600"])


def test_ignored_unknown_symbols_are_skipped(periodic):
    gen = clone(periodic).set_params(handle_unknown="ignore")
    gen.fit(PERIODIC)
    assert_array_equal(gen.predict_proba("abXc"), gen.predict_proba("abc"))
    assert gen.predict(["aXb", "cd"]).tolist() == gen.predict(["ab", "cd"]).tolist()
    assert gen.score("abcdXabcd") == gen.score("abcdabcd")
    # the seed is read without its unknown symbols but returned verbatim
    out = gen.generate("abX", 5, temperature=0)
    assert out == "abX" + gen.generate("ab", 5, temperature=0)[2:]
    # a context of unknown symbols only is an empty context
    assert_allclose(gen.predict_proba("XYZ")[0], gen.token_prior_, rtol=1e-6)


def test_word_models_check_unknown_words_too(words):
    with pytest.raises(ValueError, match="'tulip'"):
        words.predict([["the", "tulip"]])
    with pytest.raises(ValueError, match="'tulip'"):
        words.generate(["the", "tulip"], 2)
    with pytest.raises(ValueError, match="fitted on tokens"):
        words.predict(["the rose"])


# ------------------------------------------------ predict / predict_proba
def test_prediction_shapes_and_consistency(text_model):
    contexts = ["the ", "t", "sat on the m", "", "dog"]
    proba = text_model.predict_proba(contexts)
    log_proba = text_model.predict_log_proba(contexts)
    pred = text_model.predict(contexts)
    n = len(text_model.classes_)
    assert proba.shape == log_proba.shape == (5, n)
    assert proba.dtype == log_proba.dtype == np.float32
    assert pred.shape == (5,) and pred.dtype == text_model.classes_.dtype
    assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert_allclose(np.exp(log_proba), proba)
    assert_array_equal(pred, text_model.classes_[proba.argmax(axis=1)])
    # a str is one context
    assert text_model.predict_proba("the ").shape == (1, n)
    assert_allclose(text_model.predict_proba("the "), proba[:1], rtol=0, atol=1e-6)
    assert text_model.predict("the ").tolist() == pred[:1].tolist()


def test_a_context_does_not_depend_on_the_other_contexts(text_model):
    rng = np.random.default_rng(0)
    alphabet = text_model.classes_
    contexts = ["".join(rng.choice(alphabet, rng.integers(0, 30))) for _ in range(60)]
    batch = text_model.predict_proba(contexts)
    # the order of X changes nothing, to the bit
    perm = rng.permutation(len(contexts))
    assert_array_equal(
        text_model.predict_proba([contexts[i] for i in perm]), batch[perm]
    )
    # alone or among others: BLAS may round a row of a product differently
    # with other rows around it, so agreement is to float32 rounding
    alone = np.vstack([text_model.predict_proba(c) for c in contexts])
    assert_allclose(alone, batch, rtol=0, atol=1e-6)
    assert_array_equal(alone.argmax(1), batch.argmax(1))


def test_a_context_does_not_depend_on_the_other_contexts_float64():
    gen = _gen(dtype=np.float64, max_iter=5).fit("the cat sat on the mat. " * 4)
    contexts = ["the", "cat sat", "", "on the mat. the cat"]
    batch = gen.predict_proba(contexts)
    assert batch.dtype == np.float64
    alone = np.vstack([gen.predict_proba(c) for c in contexts])
    assert_allclose(alone, batch, rtol=0, atol=1e-12)


# -------------------------------------------------------------- score
def _manual_score(gen, docs):
    index = {c: i for i, c in enumerate(gen.classes_)}
    logps = [
        gen.predict_log_proba(d[:t])[0, index[d[t]]].astype(np.float64)
        for d in docs
        for t in range(1, len(d))
    ]
    return float(np.mean(logps))


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-5), (np.float64, 1e-12)])
def test_score_is_the_mean_log_likelihood_per_token(dtype, rtol):
    gen = _gen(dtype=dtype, max_iter=5).fit("abcab acb bca")
    for docs in (["abcab"], ["abc", "b", "cab a", "ca"]):
        expected = _manual_score(gen, docs)
        X = docs[0] if len(docs) == 1 else docs
        assert_allclose(gen.score(X), expected, rtol=rtol)
        assert_allclose(gen.perplexity(X), np.exp(-gen.score(X)), rtol=1e-12)
    # pooled over tokens, not averaged over documents
    a, b = "abcabca", "ba"
    pooled = (6 * gen.score(a) + 1 * gen.score(b)) / 7
    assert_allclose(gen.score([a, b]), pooled, rtol=rtol)


def test_score_of_a_long_document_is_read_in_chunks(monkeypatch):
    gen = _gen(max_iter=3).fit("the cat sat on the mat. " * 4)
    text = "the cat sat on the mat. " * 3
    whole = gen.score(text)
    monkeypatch.setattr(generator_module, "SCORE_CHUNK", 5)
    assert_allclose(gen.score(text), whole, rtol=1e-5)


def test_score_of_a_learned_text_is_near_zero(periodic):
    assert -0.05 < periodic.score(PERIODIC) <= 0
    assert 1 <= periodic.perplexity(PERIODIC) < 1.05
    assert periodic.score("abdc" * 5) < -1  # an unlikely text scores low


def test_score_needs_a_document_of_two_tokens(periodic):
    with pytest.raises(ValueError, match="2 or more tokens"):
        periodic.score("a")
    with pytest.raises(ValueError, match="2 or more tokens"):
        periodic.score(["a", "b", ""])


# ----------------------------------------------------------- early stopping
def test_early_stopping_holds_out_the_tail_and_restores_the_best_weights(
    monkeypatch,
):
    snapshots = []
    make_scorer = CharRNNGenerator._scorer

    def spy(self, net, params, val):
        score = make_scorer(self, net, params, val)
        return lambda: snapshots.append(params.copy()) or score()

    monkeypatch.setattr(CharRNNGenerator, "_scorer", spy)
    text = "the cat sat on the mat. the dog sat on the log. " * 4  # 192
    gen = _gen(
        early_stopping=True,
        validation_fraction=0.25,
        learning_rate_init=0.2,
        max_iter=12,
        n_iter_no_change=50,
        random_state=0,
    ).fit(text)
    assert gen.n_iter_ == len(gen.loss_curve_) == len(gen.validation_scores_) == 12
    assert gen.best_validation_score_ == max(gen.validation_scores_)
    assert gen.best_loss_ is None
    best = int(np.argmax(gen.validation_scores_))
    assert best < 11, "this seed must peak before the last epoch to test anything"
    assert_array_equal(gen._params, snapshots[best])
    # the held-out tail is never trained on: 144 tokens give 143 targets
    assert gen.t_ == 12 * (round(len(text) * 0.75) - 1)


def test_early_stopping_stops_when_the_validation_score_stalls():
    gen = _gen(early_stopping=True, n_iter_no_change=2, tol=10.0, max_iter=30)
    gen.fit(PERIODIC)
    # as MLP: stop after n_iter_no_change + 1 epochs without improvement
    assert gen.n_iter_ == 4 == len(gen.validation_scores_)


def test_early_stopping_needs_a_validation_set():
    with pytest.raises(ValueError, match="validation set is too small"):
        _gen(early_stopping=True, validation_fraction=0.01).fit("abcdabcd")


# ------------------------------------------------- warm start, partial_fit
def test_warm_start_continues_training():
    gen = _gen(max_iter=5, warm_start=True, tol=0).fit(PERIODIC)
    first = list(gen.loss_curve_)
    params = {k: v.copy() for k, v in gen.params_.items()}
    gen.fit(PERIODIC)
    assert gen.n_iter_ == 5 and len(gen.loss_curve_) == 10
    assert gen.loss_curve_[:5] == first
    assert gen.loss_curve_[5] < first[0]
    assert gen.t_ == 10 * (len(PERIODIC) - 1)
    assert not np.array_equal(gen.params_["W_hh_l0"], params["W_hh_l0"])
    # without warm_start, fit starts again
    cold = _gen(max_iter=5, tol=0).fit(PERIODIC)
    assert cold.loss_curve_ == first
    cold.fit(PERIODIC)
    assert cold.loss_curve_ == first


def test_partial_fit_runs_one_epoch_with_a_fixed_vocabulary():
    gen = _gen(handle_unknown="error")
    gen.partial_fit(["abcab", "cba"])
    classes = gen.classes_.copy()
    assert gen.n_iter_ == 1 and gen.t_ == 6 and len(gen.loss_curve_) == 1
    for i in range(2, 5):
        gen.partial_fit(["bca", "abc"])
        assert gen.n_iter_ == 1 and len(gen.loss_curve_) == i
    assert gen.t_ == 6 + 3 * 4
    assert_array_equal(gen.classes_, classes)
    assert_allclose(gen.token_prior_.sum(), 1)
    # an unknown symbol later raises and changes nothing
    params = gen._params.copy()
    prior = gen.token_prior_.copy()
    with pytest.raises(ValueError, match="'d'"):
        gen.partial_fit(["abd"])
    with pytest.raises(ValueError, match="fewer than 2 tokens"):
        gen.partial_fit(["a"])
    with pytest.raises(ValueError, match="characters"):
        gen.partial_fit([["a", "b"]])
    assert_array_equal(gen._params, params)
    assert_array_equal(gen.token_prior_, prior)
    assert_array_equal(gen.classes_, classes)
    assert len(gen.loss_curve_) == 4
    # with 'ignore' the unknown symbols are skipped
    gen.set_params(handle_unknown="ignore").partial_fit(["abdcd"])
    assert_array_equal(gen.classes_, classes)
    assert gen.t_ == 18 + 2


def test_partial_fit_keeps_the_architecture():
    gen = _gen().partial_fit("abcabc")
    with pytest.raises(ValueError, match="hidden_size"):
        gen.set_params(hidden_size=8).partial_fit("abcabc")


def test_a_rejected_refit_keeps_the_fitted_model(periodic):
    gen = clone(periodic).fit(PERIODIC)
    with pytest.raises(ValueError, match="fewer than 2 tokens"):
        gen.fit(["x", "y"])
    assert_array_equal(gen.classes_, ["a", "b", "c", "d"])
    assert gen.generate("ab", 6, temperature=0) == "abcdabcd"


# ------------------------------------------------------------ determinism
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"num_layers": 2, "dropout": 0.3},
        {"cell": "gru", "num_layers": 2, "dropout": 0.5, "early_stopping": True},
        {"cell": "rnn", "activation": "relu", "solver": "sgd", "shuffle": False},
    ],
)
def test_same_random_state_gives_the_same_model_bit_for_bit(kwargs):
    text = ["hello world, hello there. ", "the world says hello. " * 2]
    a = _gen(max_iter=6, random_state=3, **kwargs).fit(text)
    b = _gen(max_iter=6, random_state=3, **kwargs).fit(text)
    assert _equal_params(a, b)
    assert a.loss_curve_ == b.loss_curve_
    assert a.validation_scores_ == b.validation_scores_
    sample = a.generate("hel", 20, random_state=0)
    assert sample == b.generate("hel", 20, random_state=0)
    c = _gen(max_iter=6, random_state=4, **kwargs).fit(text)
    assert not _equal_params(a, c)


def test_pickle_and_joblib_round_trips_give_identical_outputs(text_model, tmp_path):
    path = tmp_path / "gen.joblib"
    joblib.dump(text_model, path)
    for copy in (pickle.loads(pickle.dumps(text_model)), joblib.load(path)):
        assert _equal_params(copy, text_model)
        for seed in (0, 1):
            assert copy.generate("the ", 40, random_state=seed) == (
                text_model.generate("the ", 40, random_state=seed)
            )
        contexts = ["the ", "", "sat o"]
        assert_array_equal(
            copy.predict_proba(contexts), text_model.predict_proba(contexts)
        )
        assert copy.score("the cat sat.") == text_model.score("the cat sat.")


# ------------------------------------------------------------ model selection
def test_grid_search_over_documents_picks_by_score():
    docs = ["abcd" * 10, "abcd" * 8, "bcda" * 9, "dabc" * 10] * 2
    search = GridSearchCV(
        _gen(max_iter=10),
        {"hidden_size": [1, 16], "seq_length": [2, 8]},
        cv=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(docs)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)) and np.all(scores < 0)
    assert search.best_index_ == int(np.argmax(scores))
    assert search.best_params_["hidden_size"] == 16
    assert search.best_score_ == scores.max()
    assert search.score(docs) == search.best_estimator_.score(docs)
