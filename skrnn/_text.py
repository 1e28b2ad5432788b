# SPDX-License-Identifier: BSD-3-Clause
"""Raw text to token sequences: the first stage of a pipeline on documents.

:class:`TextTokenizer` turns each document (a ``str``) into the list of its
word tokens, which the skrnn estimators read as token input (a vocabulary is
learnt in their ``fit``). The tokenization is scikit-learn's own: the
analyzer of :class:`~sklearn.feature_extraction.text.CountVectorizer` built
with the same parameters, so that a document is split exactly as
``CountVectorizer(...).build_analyzer()`` splits it, in the same order and
with repetitions, instead of being counted.
"""

import re
import warnings
from collections.abc import Mapping, Set

from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer

from ._param_validation import StrOptions, _fit_context
from ._persistence import VersionedPickleMixin

__all__ = ["TextTokenizer"]

#: Every word (letters, digits or underscores, one character or more) and
#: every other non-space character (punctuation, symbols) as its own token.
DEFAULT_TOKEN_PATTERN = r"(?u)\b\w+\b|[^\w\s]"

#: scikit-learn's CountVectorizer default: words of two characters or more.
SKLEARN_TOKEN_PATTERN = r"(?u)\b\w\w+\b"

# How many document indices an error message lists.
_N_SHOWN = 10


def _is_missing(value):
    """None or a float NaN (how pandas and numpy mark a missing text)."""
    return value is None or (isinstance(value, float) and value != value)


def _bad_document_error(i, doc):
    """The TypeError for document ``i``, which is neither str nor bytes."""
    if _is_missing(doc):
        return TypeError(
            f"Document {i} is {doc!r}, a missing value; every document must be "
            "a str. Drop the missing texts, or fill them with a text of your "
            "own, before tokenizing."
        )
    hint = ""
    if isinstance(doc, (list, tuple)) and all(isinstance(t, str) for t in doc):
        hint = (
            " X looks tokenized already (a list of token lists): pass it to "
            "the estimator directly, without TextTokenizer."
        )
    return TypeError(
        f"Document {i} is a {type(doc).__name__} ({doc!r:.60}), not a str: "
        "every document must be a str (or bytes, decoded with `encoding`)."
        f"{hint}"
    )


def _check_documents(X):
    """X as a non-empty list of documents (str or bytes), or an error.

    X may be any ordered iterable (list, tuple, 1-D array, pandas Series,
    generator); a single str or bytes, a mapping, a set, a 2-D array (or
    DataFrame) and items that are not str or bytes are refused.
    """
    if isinstance(X, (str, bytes)):
        raise TypeError(
            f"X is a single {type(X).__name__}; TextTokenizer takes an iterable "
            "of documents: pass [text] for one document."
        )
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) != 1:
        raise ValueError(
            "X must be a 1-D iterable of documents (str); got "
            f"{type(X).__name__} of shape {tuple(shape)}. Select the column that "
            "holds the text, e.g. df['text'] or X[:, 0]."
        )
    if isinstance(X, (Mapping, Set)):
        raise TypeError(
            f"X is a {type(X).__name__}, whose order is not the order of the "
            "samples; pass a list of documents (str)."
        )
    try:
        documents = list(X)
    except TypeError:
        raise TypeError(
            "X must be an iterable of documents (str), e.g. a list of str; got "
            f"{type(X).__name__}."
        ) from None
    if not documents:
        raise ValueError("X is empty: at least one document is required.")
    for i, doc in enumerate(documents):
        if not isinstance(doc, (str, bytes)):
            raise _bad_document_error(i, doc)
    return documents


def _describe_indices(indices):
    """The first indices of a list for an error message, and how many more."""
    shown = ", ".join(map(str, indices[:_N_SHOWN]))
    more = len(indices) - _N_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


class TextTokenizer(VersionedPickleMixin, TransformerMixin, BaseEstimator):
    r"""Split each text document into its sequence of word tokens.

    The first stage of a pipeline on raw text:
    ``make_pipeline(TextTokenizer(), RNNClassifier(embedding_dim=64))``
    fits on a list of ``str``. Each document becomes the list of its tokens,
    in order and with repetitions, which the skrnn estimators read as token
    input (their ``fit`` learns the vocabulary: see ``embedding_dim``,
    ``min_frequency``, ``max_categories`` and ``handle_unknown``).

    The tokens are exactly those of scikit-learn's word analyzer,
    ``CountVectorizer(...).build_analyzer()`` with the same parameters
    (``analyzer='word'``, ``ngram_range=(1, 1)``: the output is a sequence,
    so there are no n-grams); the parameters have CountVectorizer's names and
    meanings, and all defaults but ``token_pattern``'s.

    Parameters
    ----------
    encoding : str, default='utf-8'
        Encoding used to decode documents given as ``bytes``.

    decode_error : {'strict', 'ignore', 'replace'}, default='strict'
        What to do with ``bytes`` that are not valid in ``encoding``:
        'strict' raises a ValueError naming the document, 'ignore' drops the
        invalid bytes and 'replace' puts U+FFFD in their place.

    strip_accents : {'ascii', 'unicode'} or callable, default=None
        Remove accents and perform other character normalization during the
        preprocessing step, as in CountVectorizer. None does nothing.

    lowercase : bool, default=True
        Convert all characters to lowercase before tokenizing.

    preprocessor : callable, default=None
        Override the preprocessing (string transformation) stage while
        preserving the tokenizing and stop-word removal steps. As in
        CountVectorizer, a preprocessor replaces ``strip_accents`` and
        ``lowercase``, which are then ignored.

    tokenizer : callable, default=None
        Override the string tokenization step (``token_pattern`` is then
        ignored) while preserving the preprocessing and stop-word removal
        steps. It must return the tokens of a str as str.

    stop_words : {'english'}, list, default=None
        Tokens removed from the output, as in CountVectorizer. 'english' is
        scikit-learn's built-in list, which has known issues (see "Using
        stop words" in scikit-learn's user guide); note that it holds
        negations such as "not", "no" and "nor", which a sequence model of
        sentiment needs.

    token_pattern : str or None, default=r"(?u)\b\w+\b|[^\w\s]"
        Regular expression denoting what constitutes a "token", used when
        ``tokenizer`` is None. If it has a capturing group, the group's
        content becomes the token (at most one group).

        The default differs from CountVectorizer's ``r"(?u)\b\w\w+\b"``
        (words of two characters or more, nothing else) on purpose: it keeps
        one-character words ("a", "I", "2") and makes every punctuation mark
        or symbol a token of its own ("!", "?", "(", ":"). CountVectorizer
        counts words in a bag, where such tokens are mostly noise; here the
        output is a sequence read in order, where "!" or "?" carry meaning
        (sentiment, questions), and the estimator's vocabulary parameters
        (``min_frequency``, ``max_categories``) are there to drop rare
        tokens. Keeping every non-space character also means a document is
        empty only if it is blank or all stop words. Pass
        ``token_pattern=r"(?u)\b\w\w+\b"`` for CountVectorizer's tokens.

    empty_token : str or None, default=None
        What to do with a document that has no token (a blank document, or
        one whose tokens are all stop words). The skrnn estimators need at
        least one step per sequence, so None (the default) raises a
        ValueError in ``transform`` naming the indices of such documents,
        instead of handing on an empty sequence. A str makes such a document
        the one-token sequence ``[empty_token]``, e.g. ``'<empty>'``; the
        estimators learn it as any other token (or read it as unknown if no
        training document was empty).

    See Also
    --------
    sklearn.feature_extraction.text.CountVectorizer : The same analyzer,
        counting tokens into a document-term matrix.
    OneHotCharEncoder : One-hot encode sequences of symbols.

    Notes
    -----
    Nothing is learnt: ``fit`` only validates the parameters and X, and
    ``transform`` works without ``fit`` (the estimator tag ``requires_fit``
    is False, as for
    :class:`~sklearn.feature_extraction.text.HashingVectorizer`). There is no
    ``n_features_in_`` (X is not a table, as for CountVectorizer).

    X is an iterable of documents (list, tuple, 1-D array, pandas Series);
    each is a ``str``, or ``bytes`` decoded with ``encoding``. A single str,
    a 2-D array or DataFrame, and items that are not text (None, NaN,
    numbers, token lists) are refused with an error naming the problem.

    The output is a list of lists of str, not a table: this transformer has
    no ``get_feature_names_out`` and therefore no ``set_output``. Its tags
    describe its input as text (``input_tags.string=True``,
    ``input_tags.two_d_array=False``), as CountVectorizer's do.

    Examples
    --------
    >>> from skrnn import TextTokenizer
    >>> docs = ["A fine film!", "I did not like it..."]
    >>> TextTokenizer().fit_transform(docs)
    [['a', 'fine', 'film', '!'], ['i', 'did', 'not', 'like', 'it', '.', '.', '.']]
    >>> TextTokenizer(token_pattern=r"(?u)\b\w\w+\b").fit_transform(docs)
    [['fine', 'film'], ['did', 'not', 'like', 'it']]
    >>> TextTokenizer(stop_words=["a", "it"], lowercase=False).transform(docs)
    [['A', 'fine', 'film', '!'], ['I', 'did', 'not', 'like', '.', '.', '.']]
    >>> TextTokenizer(empty_token="<empty>").transform(["Good.", "  "])
    [['good', '.'], ['<empty>']]

    In a pipeline, before a recurrent model that embeds the tokens:

    >>> from sklearn.pipeline import make_pipeline
    >>> from skrnn import RNNClassifier
    >>> texts = ["a fine film", "bad film", "great fun!", "awful, awful"] * 3
    >>> y = [1, 0, 1, 0] * 3
    >>> model = make_pipeline(
    ...     TextTokenizer(),
    ...     RNNClassifier(embedding_dim=8, hidden_size=8, max_iter=5, random_state=0),
    ... )
    >>> model.fit(texts, y).predict(["a fine fun film"]).shape
    (1,)
    """

    _parameter_constraints: dict = {
        "encoding": [str],
        "decode_error": [StrOptions({"strict", "ignore", "replace"})],
        "strip_accents": [StrOptions({"ascii", "unicode"}), None, callable],
        "lowercase": ["boolean"],
        "preprocessor": [callable, None],
        "tokenizer": [callable, None],
        "stop_words": [StrOptions({"english"}), list, None],
        "token_pattern": [str, None],
        "empty_token": [str, None],
    }

    def __init__(
        self,
        *,
        encoding="utf-8",
        decode_error="strict",
        strip_accents=None,
        lowercase=True,
        preprocessor=None,
        tokenizer=None,
        stop_words=None,
        token_pattern=DEFAULT_TOKEN_PATTERN,
        empty_token=None,
    ):
        self.encoding = encoding
        self.decode_error = decode_error
        self.strip_accents = strip_accents
        self.lowercase = lowercase
        self.preprocessor = preprocessor
        self.tokenizer = tokenizer
        self.stop_words = stop_words
        self.token_pattern = token_pattern
        self.empty_token = empty_token

    def _build_analyzer(self):
        """Return the callable that turns one document into its tokens.

        It is ``CountVectorizer(...).build_analyzer()`` for the parameters of
        this transformer, with ``analyzer='word'`` and ``ngram_range=(1,
        1)``. Built anew at each call, from the current parameters.

        Returns
        -------
        analyzer : callable
            A function of one document (str or bytes) returning its list of
            tokens (possibly empty: ``empty_token`` is applied by
            ``transform``, not by the analyzer).
        """
        try:
            # (b"".decode returns "" without looking the encoding up)
            b"a".decode(self.encoding)
        except UnicodeError:
            pass  # a text encoding in which b"a" alone is not valid (UTF-16)
        except (LookupError, ValueError) as exc:
            # unknown, or not a text encoding ('hex', 'zlib'): bytes.decode
            # raises LookupError, which is neither a ValueError nor a
            # TypeError, and only once a document is bytes
            raise ValueError(
                f"encoding={self.encoding!r} is not a text encoding: {exc}. "
                "Give the encoding of the documents given as bytes, e.g. "
                "'utf-8' or 'latin-1'."
            ) from None
        if self.tokenizer is None:
            if self.token_pattern is None:
                raise ValueError(
                    "token_pattern=None needs a tokenizer: give a regular "
                    "expression as token_pattern, or a callable as tokenizer."
                )
            try:
                re.compile(self.token_pattern)
            except re.error as exc:
                raise ValueError(
                    f"token_pattern={self.token_pattern!r} is not a valid "
                    f"regular expression: {exc}."
                ) from None
        elif self.token_pattern not in (None, DEFAULT_TOKEN_PATTERN):
            # CountVectorizer warns even for its default pattern; here only a
            # pattern chosen by the user, which would silently do nothing.
            warnings.warn(
                "The parameter 'token_pattern' will not be used since "
                "'tokenizer' is not None.",
                UserWarning,
                stacklevel=2,
            )
        vectorizer = CountVectorizer(
            input="content",
            encoding=self.encoding,
            decode_error=self.decode_error,
            strip_accents=self.strip_accents,
            lowercase=self.lowercase,
            preprocessor=self.preprocessor,
            tokenizer=self.tokenizer,
            stop_words=self.stop_words,
            token_pattern=self.token_pattern,
            ngram_range=(1, 1),
            analyzer="word",
        )
        return vectorizer.build_analyzer()

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the parameters and X; nothing is learnt.

        Parameters
        ----------
        X : iterable of str
            The documents (str, or bytes decoded with ``encoding``).

        y : None
            Ignored.

        Returns
        -------
        self : object
            The transformer.
        """
        _check_documents(X)
        self._build_analyzer()
        return self

    def transform(self, X):
        """Split each document into its list of tokens.

        Parameters
        ----------
        X : iterable of str
            The documents (str, or bytes decoded with ``encoding``).

        Returns
        -------
        X_tokens : list of list of str
            One list of tokens per document, in the order of X. None is empty:
            see ``empty_token``.
        """
        self._validate_params()
        return self._tokenize(_check_documents(X))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Validate the parameters, then split each document into its tokens.

        The same as ``fit(X).transform(X)``, reading X once (X may be a
        generator).

        Parameters
        ----------
        X : iterable of str
            The documents (str, or bytes decoded with ``encoding``).

        y : None
            Ignored.

        Returns
        -------
        X_tokens : list of list of str
            One list of tokens per document, in the order of X.
        """
        return self._tokenize(_check_documents(X))

    def _callables(self):
        """The callable parameters the analyzer calls, as ``name=value``."""
        named = [("tokenizer", self.tokenizer)]
        if self.preprocessor is not None:  # then strip_accents is not used
            named.insert(0, ("preprocessor", self.preprocessor))
        elif callable(self.strip_accents):
            named.insert(0, ("strip_accents", self.strip_accents))
        return [f"{name}={value!r:.60}" for name, value in named if value is not None]

    def _tokenize(self, documents):
        """The token lists of validated documents, empty ones handled."""
        analyze = self._build_analyzer()
        out, empty = [], []
        for i, doc in enumerate(documents):
            try:
                tokens = list(analyze(doc))
            except UnicodeDecodeError as exc:
                raise ValueError(
                    f"Document {i} is not valid {self.encoding!r}: {exc}. Set "
                    "`encoding` to the documents' encoding, or "
                    "decode_error='replace' (or 'ignore')."
                ) from exc
            except (ValueError, TypeError) as exc:
                # The documents are valid: the error is a callable's of the
                # user (a strip_accents, preprocessor or tokenizer that fails
                # on a str, or returns what the next step cannot read).
                given = self._callables()
                if not given:
                    raise
                error = TypeError if isinstance(exc, TypeError) else ValueError
                raise error(
                    f"Document {i} could not be tokenized with "
                    f"{', '.join(given)}: {type(exc).__name__}: {exc}"
                ) from exc
            for token in tokens:
                if not isinstance(token, str):
                    raise TypeError(
                        f"The tokenizer returned a {type(token).__name__} "
                        f"({token!r:.60}) for document {i}; tokens must be str."
                    )
            if not tokens:
                if self.empty_token is None:
                    empty.append(i)
                    continue
                tokens = [self.empty_token]
            out.append(tokens)
        if empty:
            # what found no token: the parameter to look at, if not the text
            if self.tokenizer is not None:
                source = f"tokenizer={self.tokenizer!r:.60}"
            else:
                source = f"token_pattern={self.token_pattern!r}"
            if self.stop_words is not None:
                source += " (once the stop_words are removed)"
            raise ValueError(
                f"{len(empty)} document(s) have no token, at index "
                f"{_describe_indices(empty)} (e.g. document {empty[0]}: "
                f"{documents[empty[0]]!r:.60}): {source} finds none in them. "
                "The skrnn estimators need at least one token per sequence: "
                "drop these documents, or set empty_token (e.g. "
                "empty_token='<empty>') to give each of them that one token."
            )
        return out

    def __sklearn_is_fitted__(self):
        """Always True: TextTokenizer is stateless."""
        return True

    # No get_feature_names_out, as in OneHotCharEncoder: the output is a list
    # of token lists, not a table with named columns, so set_output does not
    # apply.

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Text input, as CountVectorizer declares it.
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = []
        return tags
