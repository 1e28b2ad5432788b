# SPDX-License-Identifier: BSD-3-Clause
"""TextTokenizer: scikit-learn's word analyzer as a pipeline stage of skrnn."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils import estimator_checks
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils._tags import get_tags
from sklearn.utils.validation import check_is_fitted

import skrnn
from skrnn import RNNClassifier, TextTokenizer
from skrnn._text import DEFAULT_TOKEN_PATTERN, SKLEARN_TOKEN_PATTERN
from skrnn.exceptions import InconsistentVersionWarning

DOCS = [
    "A fine film!",
    "I did NOT like it... at all?",
    "Café crème, très bon: 10/10",
    "don't   stop\tthe\nmusic",
    "The the THE movie",
    "x marks the spot",
]

#: Parameter sets shared by TextTokenizer and CountVectorizer.
SHARED_PARAMS = [
    {},
    dict(lowercase=False),
    dict(token_pattern=SKLEARN_TOKEN_PATTERN),
    dict(strip_accents="ascii"),
    dict(strip_accents="unicode", lowercase=False),
    dict(stop_words="english"),
    dict(stop_words=["the", "a", "i"]),
    dict(token_pattern=r"(?u)\b(\w)\w*"),  # one capturing group
    dict(tokenizer=str.split, token_pattern=None),
    dict(preprocessor=str.upper),
]


def _sklearn_tokens(documents, **params):
    params.setdefault("token_pattern", DEFAULT_TOKEN_PATTERN)
    analyzer = CountVectorizer(**params).build_analyzer()
    return [analyzer(doc) for doc in documents]


# Tokens ------------------------------------------------------------------


@pytest.mark.parametrize("params", SHARED_PARAMS, ids=repr)
def test_tokens_are_those_of_countvectorizers_analyzer(params):
    with warnings.catch_warnings():
        # 'english' warns the same in both: its stop words are inconsistent
        # with some tokenizations (CountVectorizer's own warning).
        warnings.simplefilter("ignore", UserWarning)
        expected = _sklearn_tokens(DOCS, **params)
        got = TextTokenizer(**params).fit_transform(DOCS)
    assert got == expected
    assert type(got) is list and all(type(t) is list for t in got)
    assert all(isinstance(tok, str) for t in got for tok in t)


def test_sklearn_token_pattern_gives_countvectorizer_defaults():
    expected = _sklearn_tokens(DOCS, token_pattern=SKLEARN_TOKEN_PATTERN)
    assert expected == [CountVectorizer().build_analyzer()(doc) for doc in DOCS]
    got = TextTokenizer(token_pattern=SKLEARN_TOKEN_PATTERN).fit_transform(DOCS)
    assert got == expected


def test_default_pattern_keeps_short_words_and_punctuation():
    tokens = TextTokenizer().fit_transform(["I loved it! Not a 2/10 film, 10/10."])
    assert tokens == [
        ["i", "loved", "it", "!", "not", "a", "2", "/", "10", "film", ",", "10",
         "/", "10", "."]
    ]  # fmt: skip
    # scikit-learn's default drops "i", "a", "2" and every punctuation mark
    short = TextTokenizer(token_pattern=SKLEARN_TOKEN_PATTERN)
    assert short.fit_transform(["I loved it! Not a 2/10 film"]) == [
        ["loved", "it", "not", "10", "film"]
    ]


def test_order_and_repetitions_are_kept():
    assert TextTokenizer().transform(["b a b a a"]) == [["b", "a", "b", "a", "a"]]


def test_lowercase_takes_effect():
    assert TextTokenizer().transform(["Good FILM"]) == [["good", "film"]]
    assert TextTokenizer(lowercase=False).transform(["Good FILM"]) == [["Good", "FILM"]]


def test_strip_accents_takes_effect():
    assert TextTokenizer().transform(["café"]) == [["café"]]
    assert TextTokenizer(strip_accents="unicode").transform(["café"]) == [["cafe"]]
    unaccent = TextTokenizer(strip_accents=lambda s: s.replace("é", "e"))
    assert unaccent.transform(["Café"]) == [["cafe"]]


def test_stop_words_take_effect():
    assert TextTokenizer(stop_words=["the"]).transform(["The end"]) == [["end"]]
    tokens = TextTokenizer(stop_words="english").transform(["this is not a film"])
    assert tokens == [["film"]]  # 'english' drops "not": documented


def test_token_pattern_takes_effect():
    tok = TextTokenizer(token_pattern=r"[a-z]+")
    assert tok.transform(["ab1cd ef"]) == [["ab", "cd", "ef"]]


def test_tokenizer_takes_effect_and_replaces_token_pattern():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the default pattern does not warn
        tok = TextTokenizer(tokenizer=str.split)
        assert tok.fit_transform(["a,b c!"]) == [["a,b", "c!"]]
    with pytest.warns(UserWarning, match="'token_pattern' will not be used"):
        TextTokenizer(tokenizer=str.split, token_pattern=r"\w+").fit(["a b"])


def test_preprocessor_takes_effect_and_replaces_lowercase():
    tok = TextTokenizer(preprocessor=lambda s: s.replace("-", " "))
    # As in CountVectorizer: a preprocessor replaces lowercase/strip_accents.
    assert tok.transform(["Well-Made"]) == [["Well", "Made"]]


def test_bytes_documents_are_decoded():
    docs = ["café".encode(), "naïve".encode("latin-1")]
    with pytest.raises(ValueError, match=r"Document 1 is not valid 'utf-8'"):
        TextTokenizer().fit_transform(docs)
    assert TextTokenizer(encoding="latin-1").fit_transform(docs[1:]) == [["naïve"]]
    assert TextTokenizer(decode_error="ignore").fit_transform(docs) == [
        ["café"],
        ["nave"],
    ]
    assert TextTokenizer().transform(np.array([b"to be"])) == [["to", "be"]]


def test_input_forms():
    expected = [["a", "b"], ["c"]]
    for X in (
        ["a b", "c"],
        ("a b", "c"),
        np.array(["a b", "c"]),
        np.array(["a b", "c"], dtype=object),
        (d for d in ["a b", "c"]),
    ):
        assert TextTokenizer().fit_transform(X) == expected
    pd = pytest.importorskip("pandas")
    series = pd.Series(["a b", "c"], index=[10, 20])
    assert TextTokenizer().fit_transform(series) == expected
    tokens = [["x"]]
    assert all(type(t) is str for t in TextTokenizer().transform(np.array(["x"]))[0])
    assert TextTokenizer().transform(np.array(["x"])) == tokens


# Empty documents -----------------------------------------------------------


@pytest.mark.parametrize("method", ["transform", "fit_transform"])
def test_empty_documents_raise_naming_their_indices(method):
    docs = ["good", "", "fine", "   ", "the"]
    tok = TextTokenizer(stop_words=["the"])
    msg = (
        r"3 document\(s\) have no token, at index 1, 3, 4 \(e\.g\. document 1: ''\)"
        r".*empty_token"
    )
    with pytest.raises(ValueError, match=msg):
        getattr(tok, method)(docs)


def test_many_empty_documents_are_summarized():
    with pytest.raises(ValueError, match=r"index 0, 1, .*, 9 and 5 more"):
        TextTokenizer().transform([""] * 15)


def test_sklearn_pattern_makes_punctuation_only_documents_empty():
    TextTokenizer().transform(["!!!"])  # fine: "!" is a token
    with pytest.raises(ValueError, match="have no token, at index 0"):
        TextTokenizer(token_pattern=SKLEARN_TOKEN_PATTERN).transform(["!!!"])


def test_empty_token_fills_empty_documents():
    tok = TextTokenizer(stop_words=["the"], empty_token="<empty>")
    assert tok.fit_transform(["good", "", "the", "the end"]) == [
        ["good"],
        ["<empty>"],
        ["<empty>"],
        ["end"],
    ]


def test_empty_document_never_reaches_the_estimator_as_an_empty_sequence():
    texts = ["good fun", "bad film", "great fun", "awful film"]
    y = [1, 0, 1, 0]
    model = make_pipeline(
        TextTokenizer(), RNNClassifier(embedding_dim=4, hidden_size=4, max_iter=1)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(texts, y)
        with pytest.raises(ValueError, match="at index 1 .*empty_token"):
            model.predict(["good", " "])
        model.set_params(texttokenizer__empty_token="<empty>")
        assert model.predict(["good", " "]).shape == (2,)


# Bad input ---------------------------------------------------------------


@pytest.mark.parametrize("method", ["fit", "transform", "fit_transform"])
@pytest.mark.parametrize(
    "X, error, match",
    [
        ("a fine film", TypeError, r"X is a single str.*pass \[text\]"),
        (b"a fine film", TypeError, r"X is a single bytes.*pass \[text\]"),
        (["ok", 3], TypeError, r"Document 1 is a int \(3\), not a str"),
        (["ok", None], TypeError, r"Document 1 is None, a missing value"),
        (["ok", np.nan], TypeError, r"Document 1 is nan, a missing value"),
        ([["a", "b"]], TypeError, r"Document 0 is a list.*tokenized already"),
        (np.array([["a"], ["b"]]), ValueError, r"1-D .*shape \(2, 1\)"),
        ({"a": 1}, TypeError, r"X is a dict, whose order"),
        ({"a"}, TypeError, r"X is a set, whose order"),
        (5, TypeError, r"X must be an iterable of documents .*got int"),
        (None, TypeError, r"X must be an iterable of documents .*got NoneType"),
        ([], ValueError, r"X is empty: at least one document"),
    ],
    ids=[
        "str",
        "bytes",
        "int-item",
        "None-item",
        "nan-item",
        "tokens",
        "2-D",
        "dict",
        "set",
        "int",
        "None",
        "empty",
    ],
)
def test_bad_input_errors_name_the_problem(method, X, error, match):
    with pytest.raises(error, match=match):
        getattr(TextTokenizer(), method)(X)


def test_dataframe_is_refused():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"text": ["a b", "c"]})
    with pytest.raises(ValueError, match=r"DataFrame of shape \(2, 1\).*df\['text'\]"):
        TextTokenizer().fit(df)


def test_non_str_tokens_from_a_tokenizer_are_refused():
    tok = TextTokenizer(tokenizer=lambda s: [len(s)], token_pattern=None)
    with pytest.raises(TypeError, match=r"returned a int \(3\) for document 0"):
        tok.transform(["abc"])


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(lowercase="yes"), "'lowercase' parameter"),
        (dict(stop_words="french"), "'stop_words' parameter"),
        (dict(decode_error="skip"), "'decode_error' parameter"),
        (dict(tokenizer="split"), "'tokenizer' parameter"),
        (dict(empty_token=0), "'empty_token' parameter"),
        (dict(token_pattern=3), "'token_pattern' parameter"),
    ],
)
@pytest.mark.parametrize("method", ["fit", "transform", "fit_transform"])
def test_invalid_parameters(params, match, method):
    with pytest.raises(InvalidParameterError, match=match):
        getattr(TextTokenizer(**params), method)(["a b"])


def test_token_pattern_errors():
    with pytest.raises(ValueError, match="token_pattern=None needs a tokenizer"):
        TextTokenizer(token_pattern=None).fit(["a"])
    with pytest.raises(ValueError, match=r"token_pattern='\(' is not a valid"):
        TextTokenizer(token_pattern="(").fit(["a"])
    with pytest.raises(ValueError, match="More than 1 capturing group"):
        TextTokenizer(token_pattern=r"(a)(b)").fit(["ab"])


# scikit-learn API ------------------------------------------------------------


def test_fit_returns_self_learns_nothing_and_transform_needs_no_fit():
    tok = TextTokenizer()
    assert tok.transform(["a b"]) == [["a", "b"]]  # stateless
    check_is_fitted(tok)
    before = dict(vars(tok))
    assert tok.fit(["x y"], [1]) is tok
    assert vars(tok) == before
    assert not hasattr(tok, "n_features_in_")


def test_tags_describe_text_input():
    tags = get_tags(TextTokenizer())
    assert tags.input_tags.string and not tags.input_tags.two_d_array
    assert not tags.requires_fit
    assert not tags.non_deterministic
    # CountVectorizer's input tags
    sk = get_tags(CountVectorizer()).input_tags
    assert (sk.string, sk.two_d_array) == (True, False)


def test_no_feature_names_and_no_set_output():
    tok = TextTokenizer()
    assert not hasattr(tok, "get_feature_names_out")
    assert not hasattr(tok, "set_output")


def test_estimator_checks_generator_skips_it_as_a_text_transformer():
    # scikit-learn's checks need a 2-D X: for two_d_array=False they yield
    # the clone check only, and warn that the rest is skipped.
    with pytest.warns(estimator_checks.SkipTestWarning, match="Can't test"):
        checks = list(estimator_checks.estimator_checks_generator(TextTokenizer()))
    assert [c.func.__name__ for _, c in checks] == ["check_estimator_cloneable"]


# The API checks of scikit-learn that do not read X: run here, since
# check_estimator skips every check for text input.
API_CHECKS = [
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_estimator_tags_renamed",
    "check_valid_tag_types",
    "check_no_attributes_set_in_init",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_mixin_order",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_param_validation",
]


@pytest.mark.parametrize("check", API_CHECKS)
def test_sklearn_api_checks_that_do_not_read_x(check):
    getattr(estimator_checks, check)("TextTokenizer", TextTokenizer())


def test_subset_and_order_invariance_and_idempotence():
    tok = TextTokenizer()
    full = tok.fit_transform(DOCS)
    assert tok.fit(DOCS).transform(DOCS) == full
    assert tok.transform(DOCS) == full
    assert [tok.transform([d])[0] for d in DOCS] == full
    order = np.random.default_rng(0).permutation(len(DOCS))
    assert tok.transform([DOCS[i] for i in order]) == [full[i] for i in order]


def test_pickle_round_trip():
    tok = TextTokenizer(stop_words=["the"], lowercase=False, empty_token="<e>")
    tok.fit(DOCS)
    restored = pickle.loads(pickle.dumps(tok))
    assert restored.get_params() == tok.get_params()
    assert restored.transform(DOCS + [""]) == tok.transform(DOCS + [""])
    state = tok.__getstate__()
    assert state["_skrnn_version"] == skrnn.__version__
    state["_skrnn_version"] = "0.0.1"
    with pytest.warns(InconsistentVersionWarning):
        TextTokenizer().__setstate__(state)


def test_clone_keeps_params():
    tok = TextTokenizer(token_pattern=r"\w+", stop_words=["a"], empty_token="?")
    twin = clone(tok)
    assert twin is not tok and twin.get_params() == tok.get_params()


# In a pipeline -------------------------------------------------------------

TEXTS = [
    "A fine film!",
    "Great fun, loved it",
    "Truly great acting",
    "Loved the music",
    "Bad film.",
    "Awful, I hated it",
    "Truly awful acting",
    "Hated the music",
] * 2
LABELS = [1, 1, 1, 1, 0, 0, 0, 0] * 2


def _pipeline():
    return make_pipeline(
        TextTokenizer(),
        RNNClassifier(embedding_dim=8, hidden_size=8, max_iter=5, random_state=0),
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_pipeline_with_rnn_classifier():
    model = _pipeline().fit(TEXTS, LABELS)
    pred = model.predict(["loved the fun film", "hated the awful music"])
    assert pred.shape == (2,) and set(pred) <= {0, 1}
    assert model.predict_proba(TEXTS).shape == (16, 2)
    assert 0 <= model.score(TEXTS, LABELS) <= 1
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(TEXTS), model.predict(TEXTS))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_grid_search_over_lowercase():
    search = GridSearchCV(
        _pipeline(), {"texttokenizer__lowercase": [True, False]}, cv=2
    )
    search.fit(TEXTS, LABELS)
    assert len(search.cv_results_["params"]) == 2
    assert not np.isnan(search.cv_results_["mean_test_score"]).any()
    assert search.best_params_["texttokenizer__lowercase"] in (True, False)
    assert search.predict(["great music"]).shape == (1,)
