# SPDX-License-Identifier: BSD-3-Clause
"""Token corpora: the vocabulary, and documents as integer codes.

A corpus is a :class:`~skrnn._engine.Ragged` of codes: one flat array in
the smallest unsigned dtype that fits the vocabulary (uint8 for up to 256
symbols) plus each document's start and length, so N characters cost N
bytes. Character text is encoded
through its code points in chunks, so the peak memory stays near the size
of the codes whatever the size of the text.
"""

from numbers import Number

import numpy as np

from ._engine import Ragged

__all__ = ["read_documents", "build_vocabulary", "encode_documents", "decode"]

_CHUNK = 1 << 20  # characters encoded at a time


def _code_dtype(n_symbols):
    for dtype in (np.uint8, np.uint16, np.uint32):
        if n_symbols <= np.iinfo(dtype).max + 1:
            return np.dtype(dtype)
    return np.dtype(np.int64)


def read_documents(X):
    """Classify ``X`` and return ``(documents, char_level)``.

    ``X`` is a str (one document of characters), a list of str (documents of
    characters), or a 2-D array / list of sequences of tokens (any hashable
    symbols). Returns a list of documents (str or 1-D arrays of symbols).
    """
    if isinstance(X, str):
        return [X], True
    if isinstance(X, np.ndarray) and X.ndim == 2:
        return list(X), False
    if isinstance(X, np.ndarray) and X.ndim != 2:
        raise ValueError(
            f"Expected a str, a list of str or a 2-D array of tokens; got an "
            f"array with {X.ndim} dimensions."
        )
    if not isinstance(X, (list, tuple)):
        raise TypeError(
            f"Expected a str, a list of str, or a list of token sequences; got "
            f"{type(X).__name__}."
        )
    if len(X) == 0:
        raise ValueError("X is empty: at least one document is required.")
    if all(isinstance(d, str) for d in X):
        return list(X), True
    docs = []
    for i, d in enumerate(X):
        if isinstance(d, str) or np.ndim(d) != 1:
            raise ValueError(
                f"Document {i} is not a sequence of tokens: a token-level corpus "
                "is a list of sequences of tokens (e.g. [['a', 'rose'], ...])."
            )
        docs.append(d)
    return docs, False


def _is_non_finite_number(s):
    """NaN or infinity of any number type (NumPy scalars, Decimal, complex)."""
    if not isinstance(s, Number):
        return False
    try:
        return not np.isfinite(complex(s))
    except ValueError:  # Decimal('sNaN'): a signaling NaN
        return True
    except (TypeError, OverflowError):  # e.g. an int past float: finite
        return False


def _token_list(document):
    """The symbols of a token document as a list of hashable scalars.

    A 0-d array is the scalar it holds. NaN or infinity of any number type
    raises a ValueError; a masked value, or anything unhashable (a list, a
    dict, a 1-D array inside a document), is not a token and raises a
    TypeError naming it.
    """
    symbols = np.asarray(document, dtype=object).tolist()
    for j, s in enumerate(symbols):
        if isinstance(s, np.ma.MaskedArray):
            raise TypeError(
                "A document holds a masked value; masked values are not tokens "
                "(remove them, or fill them with a symbol of your own)."
            )
        if isinstance(s, np.ndarray) and s.ndim == 0:
            symbols[j] = s = s.item()
        if _is_non_finite_number(s):
            raise ValueError("Input contains NaN or infinity, which are not tokens.")
        try:
            hash(s)
        except TypeError:
            raise TypeError(
                f"Tokens must be hashable symbols (str, int, ...); got a token "
                f"of type {type(s).__name__}: {s!r:.60}."
            ) from None
    return symbols


def build_vocabulary(documents, char_level):
    """Sorted array of the distinct symbols of the documents."""
    if char_level:
        symbols = set()
        for d in documents:
            symbols.update(d)
        return np.array(sorted(symbols), dtype="<U1")
    symbols = set()
    for d in documents:
        symbols.update(_token_list(d))
    try:
        ordered = sorted(symbols)
    except TypeError as exc:
        raise TypeError(
            f"The tokens cannot be sorted into a vocabulary (mixed types?): {exc}"
        ) from None
    # Numbers stay numbers and strings strings, when a typed array holds every
    # token exactly (not 2**53 + 1 next to a float, which float64 rounds);
    # anything else is an object array.
    candidate = np.array(ordered) if ordered else np.array([], dtype=object)
    if (
        candidate.ndim == 1
        and candidate.dtype.kind in "biufUS"
        and candidate.tolist() == ordered
    ):
        return candidate
    vocabulary = np.empty(len(ordered), dtype=object)
    vocabulary[:] = ordered
    return vocabulary


def _encode_characters(documents, vocabulary, dtype, unknown):
    """Codes of character documents (unknown characters added to ``unknown``).

    Returns the flat codes and each document's length. One output array is
    filled chunk by chunk: the peak is the codes plus one chunk's
    temporaries, never a second copy of the codes.
    """
    points = np.array([ord(c) for c in vocabulary.tolist()], dtype=np.int64)
    size = int(points.max()) + 1 if len(points) else 1
    table = np.full(size, -1, dtype=np.int64)
    table[points] = np.arange(len(points))
    out = np.empty(sum(len(d) for d in documents), dtype=dtype)
    pos, lengths = 0, []
    for d in documents:
        begin = pos
        for start in range(0, len(d), _CHUNK):
            # surrogatepass: a lone surrogate (text decoded with
            # errors='surrogateescape') is a code point like any other.
            cp = np.frombuffer(
                d[start : start + _CHUNK].encode("utf-32-le", "surrogatepass"),
                dtype=np.uint32,
            )
            inside = cp < size
            codes = np.full(cp.shape, -1, dtype=np.int64)
            codes[inside] = table[cp[inside]]
            bad = codes < 0
            if bad.any():
                unknown.update(chr(c) for c in np.unique(cp[bad]).tolist())
                codes = codes[~bad]
            out[pos : pos + len(codes)] = codes
            pos += len(codes)
        lengths.append(pos - begin)
    return out[:pos], lengths  # shorter than the text if symbols were skipped


def _encode_tokens(documents, vocabulary, dtype, unknown):
    """Codes of token documents (unknown symbols added to ``unknown``)."""
    index = {s: i for i, s in enumerate(vocabulary.tolist())}
    encoded = []
    for d in documents:
        symbols = _token_list(d)
        codes = [index.get(s, -1) for s in symbols]
        unknown.update(s for s, c in zip(symbols, codes, strict=True) if c < 0)
        encoded.append(np.array([c for c in codes if c >= 0], dtype=dtype))
    codes = np.concatenate(encoded) if encoded else np.empty(0, dtype=dtype)
    return codes, [len(e) for e in encoded]


def encode_documents(documents, vocabulary, char_level, handle_unknown):
    """Encode documents as a ``Ragged`` of codes over ``vocabulary``.

    Unknown symbols raise a ValueError listing them (``handle_unknown=
    'error'``) or are dropped (``'ignore'``).
    """
    dtype, unknown = _code_dtype(len(vocabulary)), set()
    encode = _encode_characters if char_level else _encode_tokens
    codes, lengths = encode(documents, vocabulary, dtype, unknown)
    if unknown and handle_unknown == "error":
        shown = sorted(map(repr, unknown))
        more = f" and {len(shown) - 10} more" if len(shown) > 10 else ""
        raise ValueError(
            f"Found {len(shown)} unknown symbol(s): {', '.join(shown[:10])}{more}. "
            "Set handle_unknown='ignore' to skip unknown symbols."
        )
    lengths = np.array(lengths, dtype=np.intp)
    starts = np.cumsum(lengths) - lengths
    return Ragged(codes.astype(dtype, copy=False), starts, lengths)


def decode(codes, vocabulary, char_level):
    """Symbols of ``codes``: a str for a character vocabulary, else an array."""
    symbols = vocabulary[np.asarray(codes, dtype=np.intp)]
    return "".join(symbols.tolist()) if char_level else symbols
