"""Lexical retrieval: tokenization, TF-IDF and BM25 (chapter 4, "TF-IDF and BM25").

Every function cites the label of the equation it implements in
``book/04-lexical.md``; the chapter checks each one numerically.

Notation (as in the chapter): a corpus of N documents D, each a list of
tokens; f_{t,D} is the number of times term t occurs in D, |D| the length of
D (its number of tokens), avgdl the mean length, n_t (the document frequency,
df) the number of documents that contain t. Natural logarithms.

The :class:`BM25` model precomputes the sparse document–term matrix W of BM25
term weights (``lex-bm25-matrix``), stored column by column (CSC), so that the
scores of a query are a sum of a few sparse columns: O(Σ_t n_t) work for the
query's terms t, not O(N·|q|).
"""

from __future__ import annotations

import itertools
import numbers
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

# A measured fast path through a private name of scipy: the compiled kernel behind
# a CSC matrix times a vector, run on one column at a time, adds a query term's
# column to the scores 5.6 times faster than NumPy's fancy-indexed ``+=``
# (34 us against 193 us for a column of 30,000 documents, this machine). The
# public path stays below and is tested to give the same scores
# (tests/test_lexical.py, test_the_fallback_without_the_compiled_kernel_gives_the_same_scores).
try:
    from scipy.sparse._sparsetools import csc_matvec as _csc_matvec
except ImportError:  # pragma: no cover - a future scipy may move it: the public path
    _csc_matvec = None

from ._core import select_top, word_tokens
from ._validation import (
    NotFittedError,
    as_float_array,
    broadcast_shape,
    check_choice,
    check_interval,
    check_is_fitted,
    check_positive_float,
    check_positive_int,
)

__all__ = [
    "tokenize",
    "term_frequency",
    "document_frequency",
    "idf",
    "tfidf_matrix",
    "tfidf_vectors",
    "bm25_idf",
    "bm25_length_norm",
    "bm25_tf",
    "bm25_term_weight",
    "BM25",
    "query_breakdown",
    "bm25_query_tf",
    "bm25_plus_tf",
    "bm25l_tf",
    "pivoted_norm",
    "BM25F",
    "dirichlet_smoothed",
    "QueryLikelihood",
    "wand_pivot",
    "wand_search",
    "NotFittedError",
]

_IDF_VARIANTS = ("lucene", "robertson")
_TF_VARIANTS = ("bm25", "bm25+", "bm25l")
_DEFAULT_DELTA = {"bm25": 0.0, "bm25+": 1.0, "bm25l": 0.5}


# ------------------------------------------------------------------ tokenization
def tokenize(text: str) -> list[str]:
    """Split a text into tokens (equation ``lex-tokenize``).

    Lowercase the text, then keep the maximal runs of letters and digits:
    ``re.findall(r"[^\\W_]+", text.lower())``. ``[^\\W_]`` is "a word character
    that is not the underscore", that is a Unicode letter or digit, so accented
    letters stay inside their word ("café" is one token), while punctuation,
    spaces, underscores and symbols separate tokens ("e-mail" gives "e" and
    "mail", "3.14" gives "3" and "14"). No stemming: "cats" and "cat" are
    different tokens.

    Parameters
    ----------
    text : str
        The text to split.

    Returns
    -------
    list of str
        The tokens, in order.

    Raises
    ------
    TypeError
        If ``text`` is not a str.

    Examples
    --------
    >>> tokenize("Café au lait, e-mail 3.14!")
    ['café', 'au', 'lait', 'e', 'mail', '3', '14']
    """
    if not isinstance(text, str):
        raise TypeError(f"tokenize: text must be a str, got {type(text).__name__}")
    return word_tokens(text)


# ------------------------------------------------------------ corpus validation
def _describe(x) -> str:
    text = repr(x)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_corpus(corpus, func: str, name: str = "corpus") -> list:
    """A non-empty list (or tuple) of documents, each a list (or tuple) of str tokens.

    Returns the documents as a list. The type of every token is checked on
    the vocabulary later (one check per distinct term, not per token).
    """
    if isinstance(corpus, (str, bytes)) or not isinstance(corpus, Sequence):
        raise TypeError(
            f"{func}: {name} must be a list of documents, each a list of str tokens, "
            f"got {type(corpus).__name__}"
        )
    docs = list(corpus)
    if not docs:
        raise ValueError(f"{func}: {name} is empty; it needs at least one document")
    for i, doc in enumerate(docs):
        if isinstance(doc, str):
            raise TypeError(
                f"{func}: {name}[{i}] is a str, not a list of tokens; "
                f"tokenize the texts first, e.g. [tokenize(text) for text in texts]"
            )
        if not isinstance(doc, (list, tuple)):
            raise TypeError(
                f"{func}: {name}[{i}] must be a list of str tokens, got {type(doc).__name__}"
            )
    return docs


def _bad_token(docs: list, func: str, name: str) -> TypeError:
    """The error for the first token of the corpus that is not a str."""
    for i, doc in enumerate(docs):
        for j, token in enumerate(doc):
            if not isinstance(token, str):
                return TypeError(
                    f"{func}: {name}[{i}][{j}] must be a str token, "
                    f"got {type(token).__name__} {_describe(token)}"
                )
    return TypeError(f"{func}: {name} must hold str tokens only")  # pragma: no cover


class _Counts:
    """The term counts of a corpus, as a sparse document–term matrix in CSC form.

    Column t (a term of the sorted vocabulary) holds, for every document D
    that contains t, its row index D (ascending) and the count f_{t,D}:
    ``rows[indptr[t]:indptr[t + 1]]`` and ``counts[indptr[t]:indptr[t + 1]]``.
    """

    __slots__ = ("vocabulary", "lengths", "indptr", "rows", "counts", "df")

    def __init__(self, corpus, func: str, name: str = "corpus"):
        docs = _check_corpus(corpus, func, name)
        n_docs = len(docs)
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=n_docs)
        total = int(lengths.sum())
        if total == 0:
            raise ValueError(
                f"{func}: every document of {name} is empty; there are no terms to index"
            )
        # One pass over the tokens: each new term gets the next integer id.
        ids = defaultdict()
        ids.default_factory = ids.__len__
        try:
            term_ids = np.fromiter(
                map(ids.__getitem__, itertools.chain.from_iterable(docs)),
                dtype=np.int64,
                count=total,
            )
        except TypeError:  # an unhashable token (a list, a dict, ...)
            raise _bad_token(docs, func, name) from None
        if not all(isinstance(term, str) for term in ids):
            raise _bad_token(docs, func, name)
        # Renumber the terms in sorted order (the vocabulary is sorted).
        first_seen = list(ids)
        order = sorted(range(len(first_seen)), key=first_seen.__getitem__)
        rank = np.empty(len(order), dtype=np.int32)
        rank[order] = np.arange(len(order), dtype=np.int32)
        self.vocabulary = [first_seen[i] for i in order]
        # Tokens grouped by document are a CSR matrix with one entry per token;
        # summing duplicate entries counts f_{t,D}; CSC then groups by term.
        indptr = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        per_token = sp.csr_matrix(
            (np.ones(total, dtype=np.int32), rank[term_ids], indptr),
            shape=(n_docs, len(order)),
        )
        per_token.sum_duplicates()
        csc = per_token.tocsc()
        csc.sort_indices()
        # one index type for indptr and rows (the compiled kernel needs it)
        index_dtype = np.int32 if csc.nnz < 2**31 - 1 else np.int64
        self.lengths = lengths
        self.indptr = csc.indptr.astype(index_dtype, copy=False)
        self.rows = csc.indices.astype(index_dtype, copy=False)
        self.counts = csc.data.astype(np.int32, copy=False)
        self.df = np.diff(self.indptr).astype(np.int64)

    @property
    def n_docs(self) -> int:
        return len(self.lengths)

    def term_of_entries(self) -> np.ndarray:
        """The column (term) of every stored entry."""
        return np.repeat(np.arange(len(self.df), dtype=np.int32), self.df)


# ----------------------------------------------------------------------- TF-IDF
def term_frequency(document) -> dict[str, float]:
    """Term frequencies of one document, tf = f_{t,D} / |D| (equation ``lex-tf``).

    The fraction of the document's tokens that are t. An empty document has no
    term frequencies (an empty dict).

    Parameters
    ----------
    document : list of str
        The tokens of one document.

    Returns
    -------
    dict
        term -> f_{t,D} / |D| for the terms of the document, in order of first
        occurrence; the values sum to 1.

    Raises
    ------
    TypeError
        If ``document`` is not a list (or tuple) of str tokens (a str must be
        tokenized first).

    Examples
    --------
    >>> term_frequency(["the", "cat", "the", "mat"])
    {'the': 0.5, 'cat': 0.25, 'mat': 0.25}
    """
    func = "term_frequency"
    if isinstance(document, str) or not isinstance(document, (list, tuple)):
        raise TypeError(
            f"{func}: document must be a list of str tokens, got {type(document).__name__}"
            + ("; tokenize it first" if isinstance(document, str) else "")
        )
    for j, token in enumerate(document):
        if not isinstance(token, str):
            raise TypeError(
                f"{func}: document[{j}] must be a str token, got {type(token).__name__} {_describe(token)}"
            )
    length = len(document)
    return {term: f / length for term, f in Counter(document).items()}


def document_frequency(corpus) -> tuple[np.ndarray, list[str]]:
    """Document frequencies n_t of every term of a corpus, and the sorted vocabulary.

    n_t, the number of documents that contain t at least once, is the count in
    the idf of equation ``lex-idf``.

    Parameters
    ----------
    corpus : list of list of str
        The documents, each a list of tokens (at least one token in all).

    Returns
    -------
    df : numpy.ndarray of int64, shape (n_terms,)
        df[j] is the number of documents that contain vocabulary[j].
    vocabulary : list of str
        The distinct terms, sorted.

    Raises
    ------
    TypeError
        If ``corpus`` is not a list of token lists, or a token is not a str.
    ValueError
        If ``corpus`` is empty or all its documents are empty.

    Examples
    --------
    >>> df, vocabulary = document_frequency([["the", "cat"], ["the", "dog", "the"]])
    >>> vocabulary, df.tolist()
    (['cat', 'dog', 'the'], [1, 1, 2])
    """
    counts = _Counts(corpus, "document_frequency")
    return counts.df.copy(), counts.vocabulary


def idf(df, n_docs):
    """Inverse document frequency log(N / n_t) (equation ``lex-idf``).

    The self-information −log P of the event "a document chosen uniformly at
    random contains t", whose probability is P = n_t / N. Needs 1 ≤ n_t ≤ N: a
    term in no document has no idf (P = 0), and a term cannot be in more than
    N documents.

    Parameters
    ----------
    df : int or array-like of int
        Document frequencies n_t, whole numbers in [1, n_docs].
    n_docs : int
        The number N of documents of the corpus, at least 1.

    Returns
    -------
    float or numpy.ndarray
        log(N / n_t), elementwise (a float for a scalar ``df``).

    Raises
    ------
    TypeError
        If ``n_docs`` is not an integer.
    ValueError
        If ``n_docs`` < 1, or a df is not a whole number in [1, n_docs].

    Examples
    --------
    >>> print(f"{idf(1, 4):.4f}")
    1.3863
    >>> print(idf([1, 2, 4], 4).round(4))
    [1.3863 0.6931 0.    ]
    """
    func = "idf"
    n_docs = check_positive_int(n_docs, "n_docs", func)
    arr = as_float_array(df, "df", func)
    if (arr < 1).any() or (arr > n_docs).any() or (arr != np.floor(arr)).any():
        raise ValueError(
            f"{func}: df must hold whole numbers between 1 and n_docs = {n_docs}, "
            f"got values from {arr.min():g} to {arr.max():g}"
        )
    out = np.log(n_docs / arr)
    return float(out) if arr.ndim == 0 else out


def tfidf_matrix(corpus):
    """TF-IDF document vectors of a corpus (equation ``lex-tfidf``).

    Entry (D, t) is tf_{t,D} · idf_t with tf_{t,D} = f_{t,D} / Σ_{t'} f_{t',D}
    (uses ``lex-tf``: the fraction of D's tokens that are t) and
    idf_t = log(N / n_t) (uses ``lex-idf``). Entries that are 0 (terms absent
    from D, and terms in every document, whose idf is 0) are not stored. An
    empty document gives a row of zeros.

    Parameters
    ----------
    corpus : list of list of str
        The documents, each a list of tokens (at least one token in all).

    Returns
    -------
    matrix : scipy.sparse.csr_matrix, float64, shape (n_docs, n_terms)
        The TF-IDF vectors, one row per document.
    vocabulary : list of str
        The sorted terms: the column order of ``matrix``.

    Raises
    ------
    TypeError
        If ``corpus`` is not a list of token lists, or a token is not a str.
    ValueError
        If ``corpus`` is empty or all its documents are empty.

    Examples
    --------
    >>> matrix, vocabulary = tfidf_matrix([["the", "cat"], ["the", "dog", "dog"]])
    >>> vocabulary
    ['cat', 'dog', 'the']
    >>> print(matrix.toarray().round(4))
    [[0.3466 0.     0.    ]
     [0.     0.4621 0.    ]]
    """
    counts = _Counts(corpus, "tfidf_matrix")
    term = counts.term_of_entries()
    idf_t = np.log(counts.n_docs / counts.df)
    values = counts.counts / counts.lengths[counts.rows] * idf_t[term]
    matrix = sp.csc_matrix(
        (values, counts.rows, counts.indptr), shape=(counts.n_docs, len(counts.df))
    ).tocsr()
    matrix.eliminate_zeros()
    return matrix, counts.vocabulary


def tfidf_vectors(documents, vocabulary, idf_values):
    """TF-IDF vectors of new token lists (queries) in the vocabulary of a corpus.

    The vectors of :func:`tfidf_matrix` (uses ``lex-tfidf``) for texts that were
    not part of the corpus, with the corpus's idf: entry (i, t) is
    f_{t,i} / |document i| · idf_t. Tokens outside the vocabulary count in the
    length |document i| but get no coordinate.

    Parameters
    ----------
    documents : list of list of str
        The token lists to embed (at least one).
    vocabulary : list of str
        The sorted terms returned by :func:`tfidf_matrix`.
    idf_values : array-like, shape (len(vocabulary),)
        The idf of each term, for instance ``idf(df, len(corpus))`` with
        ``df, _ = document_frequency(corpus)``.

    Returns
    -------
    scipy.sparse.csr_matrix, float64, shape (len(documents), len(vocabulary))

    Raises
    ------
    TypeError
        If ``documents`` is not a list of token lists, a token is not a str, or
        ``vocabulary`` is not a list of terms.
    ValueError
        If ``documents`` is empty, or ``idf_values`` and ``vocabulary`` differ
        in length.

    Examples
    --------
    >>> corpus = [["the", "cat"], ["the", "dog", "dog"]]
    >>> _, vocabulary = tfidf_matrix(corpus)
    >>> df, _ = document_frequency(corpus)
    >>> query = tfidf_vectors([["cat", "zebra"]], vocabulary, idf(df, len(corpus)))
    >>> print(query.toarray().round(4))
    [[0.3466 0.     0.    ]]
    """
    func = "tfidf_vectors"
    docs = _check_corpus(documents, func, "documents")
    if isinstance(vocabulary, (str, bytes)) or not isinstance(vocabulary, Sequence):
        raise TypeError(f"{func}: vocabulary must be a list of str terms")
    vocabulary = list(vocabulary)
    idf_values = as_float_array(idf_values, "idf_values", func, ndim=1)
    if len(idf_values) != len(vocabulary):
        raise ValueError(
            f"{func}: idf_values has {len(idf_values)} entries but vocabulary has "
            f"{len(vocabulary)} terms; they must match"
        )
    column = {term: j for j, term in enumerate(vocabulary)}
    rows, cols, vals = [], [], []
    for i, doc in enumerate(docs):
        for j, token in enumerate(doc):
            if not isinstance(token, str):
                raise TypeError(
                    f"{func}: documents[{i}][{j}] must be a str token, got {type(token).__name__}"
                )
        for term, f in Counter(doc).items():
            j = column.get(term)
            if j is not None:
                rows.append(i)
                cols.append(j)
                vals.append(f / len(doc) * idf_values[j])
    return sp.csr_matrix((vals, (rows, cols)), shape=(len(docs), len(vocabulary)), dtype=np.float64)


# ------------------------------------------------------------ BM25, elementwise
def _check_k1_b(k1, b, func: str) -> tuple[float, float]:
    """k1 a finite real number ≥ 0, b a real number in [0, 1]."""
    k1 = check_positive_float(k1, "k1", func, allow_zero=True)
    b = check_interval(b, "b", func, 0.0, 1.0)
    return k1, b


def _scalar_or_array(out: np.ndarray):
    return float(out) if out.ndim == 0 else out


def _saturate(f: np.ndarray, k1: float, length_norm: np.ndarray) -> np.ndarray:
    """f(k1 + 1) / (f + k1·B) for f > 0 (``lex-bm25-tf``), 0 where f = 0, never nan.

    The formula as written is evaluated first; where it overflows (k1, f or B
    near the largest float) the same quotient is recomputed with numerator
    and denominator divided by k1 + 1, f / (f/(k1 + 1) + B·k1/(k1 + 1)),
    whose terms cannot overflow.
    """
    positive = f > 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        denominator = f + k1 * length_norm
        out = np.where(positive, f * (k1 + 1.0) / np.where(positive, denominator, 1.0), 0.0)
        bad = ~np.isfinite(out)
        if bad.any():
            fb, bb = f[bad], length_norm[bad]
            out[bad] = fb / (fb / (k1 + 1.0) + bb * (k1 / (k1 + 1.0)))
    return out


def _tf_factor(f: np.ndarray, k1: float, length_norm: np.ndarray, variant: str, delta: float) -> np.ndarray:
    """The term-frequency factor of BM25, BM25+ or BM25L at f > 0 (0 at f = 0)."""
    if variant == "bm25":
        return _saturate(f, k1, length_norm)
    if variant == "bm25+":
        return np.where(f > 0, _saturate(f, k1, length_norm) + delta, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(f > 0, f / np.where(length_norm > 0, length_norm, 1.0), 0.0)
    return np.where(f > 0, _saturate(c + delta, k1, np.ones_like(c)), 0.0)


def bm25_idf(df, n_docs, variant: str = "lucene"):
    """The IDF of BM25 (equations ``lex-idf-rsj`` and ``lex-idf-lucene``).

    variant "robertson": the Robertson–Spärck Jones weight without relevance
    information, log((N − n + 0.5) / (n + 0.5)), negative for n > N/2.
    variant "lucene": log(1 + (N − n + 0.5) / (n + 0.5)) = log((N + 1) / (n + 0.5)),
    always positive.

    Parameters
    ----------
    df : int or array-like
        Document frequencies n, 0 ≤ n ≤ N (n = 0 is allowed: a term in no
        document).
    n_docs : int
        The number N of documents, at least 1.
    variant : {"lucene", "robertson"}, default "lucene"

    Returns
    -------
    float or numpy.ndarray
        The IDF, elementwise (a float for a scalar ``df``).

    Raises
    ------
    TypeError
        If ``n_docs`` is not an integer.
    ValueError
        If ``variant`` is unknown, ``n_docs`` < 1 or a df lies outside [0, n_docs].

    Examples
    --------
    >>> print(f"{bm25_idf(1, 10):.4f} {bm25_idf(1, 10, 'robertson'):.4f}")
    1.9924 1.8458
    >>> print(bm25_idf([0, 5, 10], 10, "robertson").round(4))
    [ 3.0445  0.     -3.0445]
    """
    func = "bm25_idf"
    variant = check_choice(variant, "variant", func, _IDF_VARIANTS)
    n_docs = check_positive_int(n_docs, "n_docs", func)
    n = as_float_array(df, "df", func)
    if (n < 0).any() or (n > n_docs).any():
        raise ValueError(
            f"{func}: df must lie between 0 and n_docs = {n_docs}, "
            f"got values from {n.min():g} to {n.max():g}"
        )
    odds = (n_docs - n + 0.5) / (n + 0.5)
    return _scalar_or_array(np.log1p(odds) if variant == "lucene" else np.log(odds))


def bm25_length_norm(length_ratio, b: float = 0.75):
    """Document-length normalisation 1 − b + b·|D|/avgdl (equation ``lex-length-norm``).

    b = 0: no normalisation (always 1); b = 1: full normalisation (the ratio
    itself).

    Parameters
    ----------
    length_ratio : float or array-like
        |D| / avgdl, non-negative.
    b : float in [0, 1], default 0.75

    Returns
    -------
    float or numpy.ndarray
        1 − b + b·length_ratio, elementwise (a float for a scalar).

    Raises
    ------
    TypeError
        If ``b`` is not a real number.
    ValueError
        If ``b`` lies outside [0, 1] or a length ratio is negative.

    Examples
    --------
    >>> print(bm25_length_norm([0.5, 1.0, 2.0]))
    [0.625 1.    1.75 ]
    >>> bm25_length_norm(2.0, b=0.0)
    1.0
    """
    func = "bm25_length_norm"
    _, b = _check_k1_b(0.0, b, func)
    r = as_float_array(length_ratio, "length_ratio", func)
    if (r < 0).any():
        raise ValueError(f"{func}: length_ratio (|D| / avgdl) must be non-negative")
    return _scalar_or_array(1.0 - b + b * r)


def _frequencies_and_ratios(f, length_ratio, func: str):
    """Term frequencies f ≥ 0 and length ratios |D|/avgdl ≥ 0, broadcast against each other."""
    f = as_float_array(f, "f", func)
    r = as_float_array(length_ratio, "length_ratio", func)
    if (f < 0).any():
        raise ValueError(f"{func}: f (a term frequency) must be non-negative")
    if (r < 0).any():
        raise ValueError(f"{func}: length_ratio (|D| / avgdl) must be non-negative")
    shape = broadcast_shape({"f": f.shape, "length_ratio": r.shape}, func)
    return np.broadcast_to(f, shape), np.broadcast_to(r, shape)


def bm25_tf(f, k1: float = 1.5, b: float = 0.75, length_ratio=1.0):
    """The saturating term-frequency factor of BM25 (equation ``lex-bm25-tf``).

    f·(k1 + 1) / (f + k1·(1 − b + b·|D|/avgdl)), with the length normalisation
    of ``lex-length-norm``. It is 0 at f = 0, increasing in f, and tends to
    k1 + 1 as f → ∞ (saturation); for k1 = 0 it is 1 for every f > 0 (presence
    only). At f = 0 the value is 0 even where the formula reads 0/0 (k1 = 0,
    or b = 1 and |D| = 0), and no overflow turns into nan for huge k1 or f.

    Parameters
    ----------
    f : float or array-like
        Term frequencies f_{t,D} ≥ 0.
    k1 : float ≥ 0, default 1.5
    b : float in [0, 1], default 0.75
    length_ratio : float or array-like, default 1.0
        |D| / avgdl ≥ 0, broadcast against ``f``. A Python number keeps a
        float32 ``f`` in float32.

    Returns
    -------
    float or numpy.ndarray
        The factor, elementwise over the broadcast shape (a float for scalars).

    Raises
    ------
    TypeError
        If ``k1`` or ``b`` is not a real number.
    ValueError
        If k1 < 0, b lies outside [0, 1], an f or a length ratio is negative,
        or ``f`` and ``length_ratio`` cannot be broadcast together.

    Examples
    --------
    >>> print(bm25_tf([0, 1, 2, 10]).round(4))
    [0.     1.     1.4286 2.1739]
    >>> print(f"{bm25_tf(3, k1=1.2, b=0.75, length_ratio=2.0):.4f}")
    1.2941
    """
    func = "bm25_tf"
    k1, b = _check_k1_b(k1, b, func)
    f, r = _frequencies_and_ratios(f, length_ratio, func)
    if isinstance(length_ratio, numbers.Real) and not isinstance(length_ratio, np.generic):
        r = r.astype(f.dtype)  # a Python number (the default 1.0) does not promote float32 f
    out = _saturate(f, k1, 1.0 - b + b * r)
    return _scalar_or_array(out)


def bm25_term_weight(f, idf_value, k1: float = 1.5, b: float = 0.75, length_ratio=1.0):
    """The BM25 weight of one term in one document (equation ``lex-bm25-term``).

    idf · f·(k1 + 1) / (f + k1·(1 − b + b·|D|/avgdl)): the idf (of
    :func:`bm25_idf`) times the saturating factor of :func:`bm25_tf`.

    Parameters
    ----------
    f : float or array-like
        Term frequencies f_{t,D} ≥ 0.
    idf_value : float or array-like
        The IDF of the term.
    k1 : float ≥ 0, default 1.5
    b : float in [0, 1], default 0.75
    length_ratio : float or array-like, default 1.0
        |D| / avgdl ≥ 0.

    Returns
    -------
    float or numpy.ndarray
        The weights, elementwise over the broadcast shape of all three arrays.

    Raises
    ------
    TypeError
        If ``k1`` or ``b`` is not a real number.
    ValueError
        As :func:`bm25_tf`, and if ``idf_value`` does not broadcast with the others.

    Examples
    --------
    >>> print(f"{bm25_term_weight(2, 1.5):.4f}")
    2.1429
    """
    func = "bm25_term_weight"
    w = as_float_array(idf_value, "idf_value", func)
    s = np.asarray(bm25_tf(f, k1, b, length_ratio))
    shape = broadcast_shape({"idf_value": w.shape, "f and length_ratio": s.shape}, func)
    return _scalar_or_array(np.asarray(w * s).reshape(shape))


# ------------------------------------------------------------------------ BM25
class BM25:
    """Okapi BM25 ranking of the documents of a corpus (equation ``lex-bm25``).

    The score of document D for a query q = (q_1, ..., q_m) is

        score(D, q) = Σ_{i=1..m} IDF(q_i) · f(q_i, D)·(k1 + 1) / (f(q_i, D) + k1·(1 − b + b·|D|/avgdl))

    (the full textbook term weight, uses ``lex-bm25-term``): a term repeated in
    the query counts once per occurrence, and a term that is not in the corpus
    adds 0. Cost: ``fit`` is O(total number of tokens); ``scores`` is
    O(Σ_t n_t) over the distinct query terms t (plus O(N) to allocate the
    result), a sum of columns of the precomputed matrix (``matrix_``).

    Parameters
    ----------
    k1 : float ≥ 0, default 1.5
        Term-frequency saturation (uses ``lex-bm25-tf``): the weight of a term
        tends to IDF·(k1 + 1) as its frequency grows; k1 = 0 counts presence only.
    b : float in [0, 1], default 0.75
        Length normalisation (uses ``lex-length-norm``): 0 none, 1 full.
    idf : {"lucene", "robertson"}, default "lucene"
        "lucene": log(1 + (N − n + 0.5)/(n + 0.5)), always positive
        (``lex-idf-lucene``); "robertson": log((N − n + 0.5)/(n + 0.5)), the
        Robertson–Spärck Jones weight, negative for terms in more than half the
        documents (``lex-idf-rsj``); see :func:`bm25_idf`.
    variant : {"bm25", "bm25+", "bm25l"}, default "bm25", keyword only
        The term-frequency factor: BM25's s(f) (``lex-bm25-tf``), BM25+'s
        s(f) + δ (uses ``lex-bm25-plus``, :func:`bm25_plus_tf`) or BM25L's
        (uses ``lex-bm25l``, :func:`bm25l_tf`); the last two are Lv and
        Zhai's lower-bounded variants.
    delta : float ≥ 0, optional, keyword only
        δ of BM25+ (default 1.0) or BM25L (default 0.5); ignored by "bm25".

    Attributes
    ----------
    idf_ : dict
        term -> IDF (after ``fit``).
    matrix_ : scipy.sparse.csc_matrix, shape (n_docs, n_terms)
        The term weights w_{D,t}; ``scores(q)`` is ``matrix_ @ c`` for the
        vector c of query-term counts.
    vocabulary_ : list of str
        The sorted terms of the corpus (the columns of ``matrix_``).
    df_ : numpy.ndarray, shape (n_terms,)
        Document frequencies.
    doc_lengths_ : numpy.ndarray, shape (n_docs,)
        Document lengths |D|.
    avgdl_ : float
        Mean document length.
    n_docs_ : int
        Number of documents.

    Raises
    ------
    TypeError
        If ``k1`` or ``b`` is not a real number.
    ValueError
        If k1 < 0 (or not finite), b lies outside [0, 1], or ``idf`` is unknown.

    Examples
    --------
    >>> model = BM25().fit([["the", "cat", "sat"], ["the", "dog"], ["a", "cat", "and", "a", "dog"]])
    >>> model
    BM25(k1=1.5, b=0.75, idf='lucene')
    >>> print(model.scores(["cat", "dog"]).round(4))
    [0.4922 0.5732 0.7674]
    """

    def __init__(self, k1: float = 1.5, b: float = 0.75, idf: str = "lucene", *,
                 variant: str = "bm25", delta: float | None = None):
        self.k1, self.b = _check_k1_b(k1, b, "BM25")
        self.idf = check_choice(idf, "idf", "BM25", _IDF_VARIANTS)
        self.variant = check_choice(variant, "variant", "BM25", _TF_VARIANTS)
        if delta is None:
            delta = _DEFAULT_DELTA[self.variant]
        self.delta = check_positive_float(delta, "delta", "BM25", allow_zero=True)

    def __repr__(self) -> str:
        text = f"BM25(k1={self.k1:g}, b={self.b:g}, idf={self.idf!r}"
        if self.variant != "bm25":
            text += f", variant={self.variant!r}, delta={self.delta:g}"
        return text + ")"

    # -------------------------------------------------------------- fitting
    def fit(self, corpus) -> BM25:
        """Index a corpus and precompute its matrix W of BM25 term weights.

        W has one column per term and one row per document; its entry
        w_{D,t} = IDF(t)·f_{t,D}(k1 + 1)/(f_{t,D} + k1(1 − b + b|D|/avgdl))
        (uses ``lex-bm25-term``) is stored only where f_{t,D} > 0 (uses
        ``lex-bm25-matrix``). Fitting again replaces the previous corpus.

        Parameters
        ----------
        corpus : list of list of str
            The documents, each a list of tokens (at least one token in all).

        Returns
        -------
        BM25
            self, fitted.

        Raises
        ------
        TypeError
            If ``corpus`` is not a list of token lists, or a token is not a str.
        ValueError
            If ``corpus`` is empty or all its documents are empty.

        Examples
        --------
        >>> model = BM25().fit([["the", "cat"], ["the", "dog", "dog"]])
        >>> model.n_docs_, model.avgdl_, model.vocabulary_
        (2, 2.5, ['cat', 'dog', 'the'])
        """
        counts = _Counts(corpus, "BM25.fit")
        n_docs = counts.n_docs
        avgdl = float(counts.lengths.mean())
        idf_t = bm25_idf(counts.df, n_docs, self.idf)
        f = counts.counts.astype(np.float64)
        length_norm = 1.0 - self.b + self.b * (counts.lengths / avgdl)
        weights = idf_t[counts.term_of_entries()] * _tf_factor(
            f, self.k1, length_norm[counts.rows], self.variant, self.delta)
        self._counts = counts
        self._weights = weights
        self._column = {term: j for j, term in enumerate(counts.vocabulary)}
        self._idf_array = idf_t
        self._idf_dict = None
        self.vocabulary_ = counts.vocabulary
        self.df_ = counts.df
        self.doc_lengths_ = counts.lengths
        self.avgdl_ = avgdl
        self._matrix = None
        self.n_docs_ = n_docs  # set last: check_is_fitted looks for it
        return self

    def _check_fitted(self, what: str) -> None:
        check_is_fitted(self, "n_docs_", f"BM25.{what}", fit="fit(corpus)")

    @property
    def idf_(self) -> dict:
        """The IDF of every term of the fitted corpus, as a dict term -> IDF.

        The variant chosen by ``idf`` (uses ``lex-idf-lucene`` or ``lex-idf-rsj``,
        see :func:`bm25_idf`), built on first access.

        Raises
        ------
        NotFittedError
            Before ``fit``.

        Examples
        --------
        >>> model = BM25().fit([["the", "cat"], ["the", "dog"], ["a", "dog"]])
        >>> print(f"{model.idf_['cat']:.4f} {model.idf_['dog']:.4f}")
        0.9808 0.4700
        """
        self._check_fitted("idf_")
        if self._idf_dict is None:
            self._idf_dict = dict(zip(self.vocabulary_, self._idf_array.tolist()))
        return self._idf_dict

    @property
    def matrix_(self) -> sp.csc_matrix:
        """The document–term matrix W of BM25 term weights (equation ``lex-bm25-matrix``).

        Entry (D, t) is the weight w_{D,t} of term t in document D (uses
        ``lex-bm25-term``), stored only where t occurs in D; the scores of a
        query are W c for the vector c of its term counts. Built on first access
        (CSC: a column per term, so W c sums a few columns).

        Returns
        -------
        scipy.sparse.csc_matrix, shape (n_docs, n_terms)
            Columns in the order of ``vocabulary_``.

        Raises
        ------
        NotFittedError
            Before ``fit``.

        Examples
        --------
        >>> model = BM25().fit([["the", "cat"], ["the", "dog", "dog"]])
        >>> W = model.matrix_
        >>> W.shape, W.nnz
        ((2, 3), 4)
        >>> import numpy as np
        >>> c = np.array([1, 1, 0])  # the counts of "cat dog" in vocabulary_ order
        >>> print((W @ c).round(4), model.scores(["cat", "dog"]).round(4))
        [0.7617 0.9304] [0.7617 0.9304]
        """
        self._check_fitted("matrix_")
        if self._matrix is None:
            c = self._counts
            self._matrix = sp.csc_matrix(
                (self._weights, c.rows, c.indptr), shape=(c.n_docs, len(c.df)), copy=False
            )
        return self._matrix

    # ------------------------------------------------------------- querying
    def _query_counts(self, query, what: str) -> Counter:
        self._check_fitted(what)
        if isinstance(query, str):
            raise TypeError(
                f"BM25.{what}: query must be a list of str tokens, got a str; "
                f"tokenize it first, e.g. tokenize({_describe(query)})"
            )
        if not isinstance(query, (list, tuple)):
            raise TypeError(
                f"BM25.{what}: query must be a list of str tokens, got {type(query).__name__}"
            )
        for j, token in enumerate(query):
            if not isinstance(token, str):
                raise TypeError(
                    f"BM25.{what}: query[{j}] must be a str token, "
                    f"got {type(token).__name__} {_describe(token)}"
                )
        return Counter(query)

    def _scores(self, counts: Counter) -> np.ndarray:
        """W c for the query-term counts c: add count × column t of W for each query term t."""
        c = self._counts
        scores = np.zeros(c.n_docs, dtype=np.float64)
        for term, count in counts.items():
            j = self._column.get(term)
            if j is None:  # not in the corpus: adds 0
                continue
            if _csc_matvec is not None:
                # scores[rows] += count * weights over column j only: indptr[j:j+2]
                # holds the column's start and end in the full arrays (no copy)
                _csc_matvec(
                    c.n_docs, 1, c.indptr[j : j + 2], c.rows, self._weights,
                    np.array([float(count)]), scores,
                )
            else:  # a future scipy without the kernel (tested by removing it)
                start, end = c.indptr[j], c.indptr[j + 1]
                # the rows of one CSC column are distinct, so += adds each once
                scores[c.rows[start:end]] += count * self._weights[start:end]
        return scores

    def scores(self, query) -> np.ndarray:
        """BM25 scores of every document of the corpus for a query.

        The sum over the query's terms of the term weights (uses ``lex-bm25``),
        that is W c: a sum of the columns of W of the query's terms, each times
        the number of times the term occurs in the query (uses
        ``lex-bm25-matrix``). Terms absent from the corpus add 0; an empty query
        scores 0 everywhere.

        Parameters
        ----------
        query : list of str
            The query's tokens (tokenize a text first, with :func:`tokenize`).

        Returns
        -------
        numpy.ndarray of float64, shape (n_docs,)

        Raises
        ------
        NotFittedError
            Before ``fit``.
        TypeError
            If ``query`` is a str or not a list of str tokens.

        Examples
        --------
        >>> model = BM25().fit([["the", "cat"], ["the", "dog"], ["a", "dog"]])
        >>> print(model.scores(["dog", "unicorn"]).round(4))
        [0.   0.47 0.47]
        """
        return self._scores(self._query_counts(query, "scores"))

    def search(self, query, k: int):
        """The k best documents for a query, best first.

        Ranked by the scores of :meth:`scores` (uses ``lex-bm25``); ties are
        broken by the lower index. Only the k best are sorted (a partial
        selection finds them in O(N)).

        Parameters
        ----------
        query : list of str
            The query's tokens.
        k : int
            How many documents, 1 ≤ k ≤ n_docs.

        Returns
        -------
        indices : numpy.ndarray of int, shape (k,)
        scores : numpy.ndarray of float64, shape (k,)
            Decreasing.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        TypeError
            If ``query`` is not a list of str tokens or ``k`` is not an integer.
        ValueError
            If k < 1 or k > n_docs.

        Examples
        --------
        >>> model = BM25().fit([["the", "cat"], ["the", "dog"], ["a", "dog"]])
        >>> indices, scores = model.search(["dog"], k=2)
        >>> print(indices, scores.round(4))
        [1 2] [0.47 0.47]
        """
        counts = self._query_counts(query, "search")
        k = check_positive_int(k, "k", "BM25.search")
        if k > self.n_docs_:
            raise ValueError(
                f"BM25.search: k must be at most the number of documents ({self.n_docs_}), got {k}"
            )
        scores = self._scores(counts)
        indices, top = select_top(scores[None, :], k)
        return indices[0], top[0]

    def explain(self, query, doc_index: int) -> pd.DataFrame:
        """Term-by-term breakdown of one document's BM25 score.

        Each distinct query term's part of the sum ``lex-bm25``: its term
        weight (uses ``lex-bm25-term``) times its number of occurrences in the
        query. A term absent from the corpus has df 0, the idf its formula
        gives for n = 0, and weight 0.

        Parameters
        ----------
        query : list of str
            The query's tokens.
        doc_index : int
            The document, 0 ≤ doc_index < n_docs.

        Returns
        -------
        pandas.DataFrame
            One row per distinct query term, in order of first occurrence, with
            columns term, query_count (occurrences in the query), tf (f_{t,D}),
            df (n_t), idf, length_norm (1 − b + b|D|/avgdl), weight (0 if t is
            not in D) and contribution (query_count × weight). The contributions
            sum to ``scores(query)[doc_index]``.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        TypeError
            If ``query`` is not a list of str tokens or ``doc_index`` is not an integer.
        ValueError
            If ``doc_index`` is out of range.

        Examples
        --------
        >>> model = BM25().fit([["the", "cat"], ["the", "dog"], ["a", "dog"]])
        >>> table = model.explain(["dog", "dog", "zebra"], 1)
        >>> table["term"].tolist(), table["tf"].tolist(), table["contribution"].round(4).tolist()
        (['dog', 'zebra'], [1, 0], [0.94, 0.0])
        """
        counts = self._query_counts(query, "explain")
        n = self.n_docs_
        if isinstance(doc_index, bool) or not isinstance(doc_index, numbers.Integral):
            raise TypeError(
                f"BM25.explain: doc_index must be an integer, got {type(doc_index).__name__}"
            )
        if not 0 <= doc_index < n:
            raise ValueError(
                f"BM25.explain: doc_index must lie in [0, {n - 1}], got {doc_index}"
            )
        doc_index = int(doc_index)
        c = self._counts
        length_norm = 1.0 - self.b + self.b * c.lengths[doc_index] / self.avgdl_
        records = []
        for term, count in counts.items():
            j = self._column.get(term)
            tf, weight = 0, 0.0
            if j is None:
                df = 0
                idf_t = float(bm25_idf(0, n, self.idf))
            else:
                df = int(c.df[j])
                idf_t = float(self._idf_array[j])
                start, end = c.indptr[j], c.indptr[j + 1]
                pos = start + int(np.searchsorted(c.rows[start:end], doc_index))
                if pos < end and c.rows[pos] == doc_index:
                    tf = int(c.counts[pos])
                    weight = float(self._weights[pos])
            records.append(
                {
                    "term": term,
                    "query_count": count,
                    "tf": tf,
                    "df": df,
                    "idf": idf_t,
                    "length_norm": float(length_norm),
                    "weight": weight,
                    "contribution": count * weight,
                }
            )
        columns = ["term", "query_count", "tf", "df", "idf", "length_norm", "weight", "contribution"]
        return pd.DataFrame.from_records(records, columns=columns)


# ------------------------------------------------------- a query, term by term
def query_breakdown(query: str, model: BM25, k: int = 5) -> dict:
    """The k best documents for a typed query, each score split into its terms.

    The text is tokenized (uses ``lex-tokenize``) and searched with ``model``
    (:meth:`BM25.search`, ranked by ``lex-bm25``); each document's score is
    then split by :meth:`BM25.explain` into the contributions of the query's
    terms (query count × term weight), which sum to the score. What the
    chapter's query explorer draws.

    Parameters
    ----------
    query : str
        The query text (not yet tokenized).
    model : BM25
        A fitted model.
    k : int, default 5
        How many documents; more than the corpus holds gives them all.

    Returns
    -------
    dict
        "tokens" (the query's tokens), "terms" (its distinct tokens, in order
        of first occurrence), "indices" and "scores" (best first, as
        :meth:`BM25.search`), and "contributions", an array of shape
        (len(indices), len(terms)): the contribution of each term to each
        document's score.

    Raises
    ------
    TypeError
        If ``query`` is not a str, ``model`` is not a BM25, or ``k`` is not an integer.
    NotFittedError
        If ``model`` is not fitted.
    ValueError
        If k < 1.

    Examples
    --------
    >>> model = BM25().fit([["the", "cat"], ["the", "dog"], ["a", "dog"]])
    >>> result = query_breakdown("The dog, the DOG!", model, k=2)
    >>> result["terms"], result["indices"].tolist()
    (['the', 'dog'], [1, 0])
    >>> print(result["contributions"].round(4))
    [[0.94 0.94]
     [0.94 0.  ]]
    """
    func = "query_breakdown"
    if not isinstance(query, str):
        raise TypeError(f"{func}: query must be a str (the typed text), got {type(query).__name__}")
    if not isinstance(model, BM25):
        raise TypeError(f"{func}: model must be a fitted ragmath.lexical.BM25, got {type(model).__name__}")
    k = check_positive_int(k, "k", func)
    check_is_fitted(model, "n_docs_", func, fit="fit(corpus)")
    tokens = tokenize(query)
    terms = list(dict.fromkeys(tokens))
    indices, scores = model.search(tokens, min(k, model.n_docs_))
    contributions = np.zeros((len(indices), len(terms)))
    if terms:
        for row, doc in enumerate(indices):
            contributions[row] = model.explain(tokens, int(doc))["contribution"].to_numpy()
    return {
        "tokens": tokens,
        "terms": terms,
        "indices": indices,
        "scores": scores,
        "contributions": contributions,
    }


# ------------------------------------------------- beyond BM25: k3, BM25+, BM25L
def bm25_query_tf(count, k3):
    """Saturation of the query-term frequency, (k3 + 1)·c / (k3 + c) (equation ``lex-bm25-k3``).

    The factor by which the Okapi weighting multiplies the weight of a term
    that occurs c times in the query. c = 0 gives 0; k3 = 0 counts presence only
    (1 for every c > 0); k3 = ∞ (``math.inf``) gives c itself, the linear count
    of ``lex-bm25`` that :class:`BM25` uses.

    Parameters
    ----------
    count : float or array-like
        Query-term counts c ≥ 0.
    k3 : float ≥ 0 or math.inf

    Returns
    -------
    float or numpy.ndarray
        The factor, elementwise (a float for a scalar).

    Raises
    ------
    TypeError
        If ``k3`` is not a real number.
    ValueError
        If k3 < 0 or nan, or a count is negative.

    Examples
    --------
    >>> print(bm25_query_tf([0, 1, 2, 10], k3=8.0).round(4))
    [0.  1.  1.8 5. ]
    >>> print(bm25_query_tf([0, 1, 3], k3=float("inf")))
    [0. 1. 3.]
    """
    func = "bm25_query_tf"
    if isinstance(k3, bool) or not isinstance(k3, numbers.Real):
        raise TypeError(f"{func}: k3 must be a real number (or math.inf), got {type(k3).__name__}")
    k3 = float(k3)
    if np.isnan(k3) or k3 < 0:
        raise ValueError(f"{func}: k3 must be non-negative (or math.inf), got {k3}")
    c = as_float_array(count, "count", func)
    if (c < 0).any():
        raise ValueError(f"{func}: count (a query-term frequency) must be non-negative")
    if np.isinf(k3):
        return _scalar_or_array(c.copy())
    return _scalar_or_array(_saturate(c, k3, np.ones_like(c)))


def _tf_inputs(f, k1, b, length_ratio, delta, func: str):
    k1, b = _check_k1_b(k1, b, func)
    delta = check_positive_float(delta, "delta", func, allow_zero=True)
    f, r = _frequencies_and_ratios(f, length_ratio, func)
    return f, k1, 1.0 - b + b * r, delta


def bm25_plus_tf(f, k1: float = 1.5, b: float = 0.75, length_ratio=1.0, delta: float = 1.0):
    """BM25+'s term-frequency factor, s(f) + δ for f > 0 and 0 at f = 0 (equation ``lex-bm25-plus``).

    Lv and Zhai's lower bound: a term that occurs at least once weighs at least
    δ·IDF, however long the document, where BM25's s(f) (``lex-bm25-tf``)
    tends to 0 as |D| grows.

    Parameters
    ----------
    f : float or array-like
        Term frequencies ≥ 0.
    k1 : float ≥ 0, default 1.5
    b : float in [0, 1], default 0.75
    length_ratio : float or array-like, default 1.0
        |D| / avgdl ≥ 0, broadcast against ``f``.
    delta : float ≥ 0, default 1.0

    Returns
    -------
    float or numpy.ndarray

    Raises
    ------
    TypeError
        If ``k1``, ``b`` or ``delta`` is not a real number.
    ValueError
        As :func:`bm25_tf`, and if delta < 0.

    Examples
    --------
    >>> print(bm25_plus_tf([0, 1, 2], length_ratio=1.0).round(4))
    [0.     2.     2.4286]
    >>> print(f"{bm25_plus_tf(1, length_ratio=100.0):.4f}")
    1.0220
    """
    f, k1, length_norm, delta = _tf_inputs(f, k1, b, length_ratio, delta, "bm25_plus_tf")
    return _scalar_or_array(_tf_factor(f, k1, length_norm, "bm25+", delta))


def bm25l_tf(f, k1: float = 1.5, b: float = 0.75, length_ratio=1.0, delta: float = 0.5):
    """BM25L's term-frequency factor, (k1 + 1)(c + δ)/(k1 + c + δ), c = f/B_D (equation ``lex-bm25l``).

    For f > 0, with the normalised frequency c = f / (1 − b + b|D|/avgdl) of
    ``lex-normalised-tf`` shifted by δ before saturation; 0 at f = 0. Its value
    for f > 0 is at least (k1 + 1)δ/(k1 + δ), whatever the length.

    Parameters
    ----------
    f : float or array-like
        Term frequencies ≥ 0.
    k1 : float ≥ 0, default 1.5
    b : float in [0, 1], default 0.75
    length_ratio : float or array-like, default 1.0
        |D| / avgdl ≥ 0, broadcast against ``f``.
    delta : float ≥ 0, default 0.5

    Returns
    -------
    float or numpy.ndarray

    Raises
    ------
    TypeError
        If ``k1``, ``b`` or ``delta`` is not a real number.
    ValueError
        As :func:`bm25_tf`, and if delta < 0.

    Examples
    --------
    >>> print(bm25l_tf([0, 1, 2]).round(4))
    [0.     1.25   1.5625]
    >>> print(f"{bm25l_tf(1, length_ratio=100.0):.4f}")
    0.6374
    """
    f, k1, length_norm, delta = _tf_inputs(f, k1, b, length_ratio, delta, "bm25l_tf")
    return _scalar_or_array(_tf_factor(f, k1, length_norm, "bm25l", delta))


def pivoted_norm(old_norm, pivot, slope):
    """Pivoted length normalisation, (1 − s)·p + s·norm (equation ``lex-pivoted``).

    Singhal, Buckley and Mitra's correction of a normalisation factor (the
    document length, the cosine norm, ...): the line through the point
    (p, p) with slope s < 1, tilted from the identity around the pivot p.
    Divided by p it is BM25's length factor ``lex-length-norm`` with b = s
    when the old factor is the length and the pivot is avgdl.

    Parameters
    ----------
    old_norm : float or array-like
        The old normalisation factors, ≥ 0.
    pivot : float > 0
    slope : float in [0, 1]

    Returns
    -------
    float or numpy.ndarray

    Raises
    ------
    TypeError
        If ``pivot`` or ``slope`` is not a real number.
    ValueError
        If pivot ≤ 0, slope lies outside [0, 1], or a factor is negative.

    Examples
    --------
    >>> print(pivoted_norm([40.0, 80.0, 160.0], pivot=80.0, slope=0.75))
    [ 50.  80. 140.]
    """
    func = "pivoted_norm"
    pivot = check_positive_float(pivot, "pivot", func)
    slope = check_interval(slope, "slope", func, 0.0, 1.0)
    x = as_float_array(old_norm, "old_norm", func)
    if (x < 0).any():
        raise ValueError(f"{func}: old_norm must be non-negative")
    return _scalar_or_array((1.0 - slope) * pivot + slope * x)


# ------------------------------------------------------------------------ BM25F
def _count_matrix(docs: list, column: dict, n_terms: int) -> sp.csr_matrix:
    """Document–term counts (CSR) of token lists in a given vocabulary."""
    indptr, indices, data = [0], [], []
    for doc in docs:
        for term, f in Counter(doc).items():
            indices.append(column[term])
            data.append(f)
        indptr.append(len(indices))
    return sp.csr_matrix((np.array(data, dtype=np.float64), np.array(indices, dtype=np.int64),
                          np.array(indptr, dtype=np.int64)), shape=(len(docs), n_terms))


class BM25F:
    """BM25F: field-weighted frequencies, normalised per field, saturated once (equation ``lex-bm25f``).

    For fields φ (title, text, ...) with weights v_φ and length parameters b_φ,
    the frequency of t in D is f̃ = Σ_φ v_φ f_{t,D,φ} / B_{D,φ}, with
    B_{D,φ} = 1 − b_φ + b_φ|D_φ|/avgdl_φ (uses ``lex-length-norm``, per field),
    and the score is Σ_i IDF(q_i)·f̃(k1 + 1)/(f̃ + k1): one saturation of the
    combined frequency, with the IDF of the whole documents (a document
    contains t if any of its fields does). One field with weight 1 is BM25.

    Parameters
    ----------
    k1 : float ≥ 0, default 1.5
    b : float in [0, 1] or dict, default 0.75
        One b for every field, or a dict field -> b.
    weights : dict, optional
        field -> v_φ > 0 (default 1 for every field).
    idf : {"lucene", "robertson"}, default "lucene"

    Attributes
    ----------
    fields_ : list of str
    vocabulary_ : list of str
    idf_ : dict
    matrix_ : scipy.sparse.csc_matrix, shape (n_docs, n_terms)
        The term weights; ``scores(q)`` is ``matrix_ @ c``.
    n_docs_ : int

    Raises
    ------
    TypeError
        If ``k1`` is not a real number, or ``b`` or ``weights`` has a wrong type.
    ValueError
        If k1 < 0, a b lies outside [0, 1], a weight is not positive, or ``idf`` is unknown.

    Examples
    --------
    >>> model = BM25F(weights={"title": 2.0, "text": 1.0}).fit(
    ...     {"title": [["cat"], ["dog"]], "text": [["the", "cat", "sat"], ["a", "cat"]]})
    >>> print(model.scores(["cat"]).round(4), model.scores(["dog"]).round(4))
    [0.2993 0.2004] [0.     0.9902]
    """

    def __init__(self, k1: float = 1.5, b=0.75, weights=None, idf: str = "lucene"):
        func = "BM25F"
        self.k1 = check_positive_float(k1, "k1", func, allow_zero=True)
        if isinstance(b, dict):
            self.b = {str(k): check_interval(v, f"b[{k!r}]", func, 0.0, 1.0) for k, v in b.items()}
        else:
            self.b = check_interval(b, "b", func, 0.0, 1.0)
        if weights is not None and not isinstance(weights, dict):
            raise TypeError(f"{func}: weights must be a dict field -> weight, got {type(weights).__name__}")
        self.weights = None if weights is None else {
            str(k): check_positive_float(v, f"weights[{k!r}]", func) for k, v in weights.items()}
        self.idf = check_choice(idf, "idf", func, _IDF_VARIANTS)

    def __repr__(self) -> str:
        return f"BM25F(k1={self.k1:g}, b={self.b!r}, weights={self.weights!r}, idf={self.idf!r})"

    def fit(self, fields) -> BM25F:
        """Index the fields of a corpus and precompute the matrix of BM25F weights.

        The weights are those of ``lex-bm25f`` (uses ``lex-bm25f``).

        Parameters
        ----------
        fields : dict
            field name -> list of token lists, one per document, the same
            number of documents in every field.

        Returns
        -------
        BM25F
            self, fitted.

        Raises
        ------
        TypeError
            If ``fields`` is not a dict of token-list corpora.
        ValueError
            If it is empty, the fields differ in length, a field is empty in
            every document, or ``weights`` / ``b`` name a field that is not there.

        Examples
        --------
        >>> BM25F().fit({"text": [["a", "b"], ["b"]]}).vocabulary_
        ['a', 'b']
        """
        func = "BM25F.fit"
        if not isinstance(fields, dict) or not fields:
            raise TypeError(f"{func}: fields must be a non-empty dict field -> list of token lists")
        names = [str(k) for k in fields]
        corpora = [_check_corpus(fields[k], func, f"fields[{k!r}]") for k in fields]
        n_docs = len(corpora[0])
        for name, docs in zip(names, corpora):
            if len(docs) != n_docs:
                raise ValueError(f"{func}: field {name!r} has {len(docs)} documents, "
                                 f"field {names[0]!r} {n_docs}; every field needs one entry per document")
        for what, given in (("weights", self.weights), ("b", self.b if isinstance(self.b, dict) else None)):
            unknown = sorted(set(given or ()) - set(names))
            if unknown:
                raise ValueError(f"{func}: {what} names fields that are not in fields: {unknown}")
        for docs, name in zip(corpora, names):
            for j, doc in enumerate(docs):
                for token in doc:
                    if not isinstance(token, str):
                        raise TypeError(f"{func}: fields[{name!r}][{j}] holds a {type(token).__name__}, "
                                        "not a str token")
        vocabulary = sorted({t for docs in corpora for doc in docs for t in doc})
        if not vocabulary:
            raise ValueError(f"{func}: every field of every document is empty; there are no terms to index")
        column = {t: j for j, t in enumerate(vocabulary)}
        combined = sp.csr_matrix((n_docs, len(vocabulary)))
        for name, docs in zip(names, corpora):
            counts = _count_matrix(docs, column, len(vocabulary))
            lengths = np.asarray(counts.sum(axis=1)).ravel()
            if lengths.sum() == 0:
                raise ValueError(f"{func}: field {name!r} is empty in every document")
            b = self.b.get(name, 0.75) if isinstance(self.b, dict) else self.b
            weight = 1.0 if self.weights is None else self.weights.get(name, 1.0)
            norm = 1.0 - b + b * lengths / lengths.mean()
            scale = np.where(norm > 0, weight / np.where(norm > 0, norm, 1.0), 0.0)
            combined = combined + sp.diags(scale) @ counts
        combined = sp.csc_matrix(combined)
        combined.sort_indices()
        df = np.diff(combined.indptr)
        idf_t = bm25_idf(df, n_docs, self.idf)
        terms_of_entries = np.repeat(np.arange(len(vocabulary)), df)
        weights = idf_t[terms_of_entries] * _saturate(combined.data, self.k1, np.ones_like(combined.data))
        self._matrix = sp.csc_matrix((weights, combined.indices, combined.indptr), shape=combined.shape)
        self._column = column
        self.fields_ = names
        self.vocabulary_ = vocabulary
        self.idf_ = dict(zip(vocabulary, idf_t.tolist()))
        self.pseudo_tf_ = combined
        self.n_docs_ = n_docs
        return self

    @property
    def matrix_(self) -> sp.csc_matrix:
        """The document–term matrix of BM25F term weights.

        Entry (D, t) is IDF(t)·f̃(k1 + 1)/(f̃ + k1) (uses ``lex-bm25f``).
        """
        check_is_fitted(self, "n_docs_", "BM25F.matrix_", fit="fit(fields)")
        return self._matrix

    def scores(self, query) -> np.ndarray:
        """BM25F scores of every document for a query.

        The sum over the query's tokens of the BM25F weights (uses ``lex-bm25f``).

        Parameters
        ----------
        query : list of str

        Returns
        -------
        numpy.ndarray, shape (n_docs,)

        Raises
        ------
        NotFittedError
            Before ``fit``.
        TypeError
            If ``query`` is not a list of str tokens.

        Examples
        --------
        >>> BM25F().fit({"text": [["a", "b"], ["b"]]}).scores(["a", "zebra"]).round(4).tolist()
        [0.6027, 0.0]
        """
        check_is_fitted(self, "n_docs_", "BM25F.scores", fit="fit(fields)")
        c = _query_vector(query, self._column, "BM25F.scores")
        return self._matrix @ c

    def search(self, query, k: int):
        """The k best documents for a query, best first, ties by the lower index.

        Ranked by the BM25F scores (uses ``lex-bm25f``).

        Parameters
        ----------
        query : list of str
        k : int
            1 ≤ k ≤ n_docs.

        Returns
        -------
        indices, scores : numpy.ndarray, shape (k,)

        Raises
        ------
        NotFittedError
            Before ``fit``.
        ValueError
            If k < 1 or k > n_docs.

        Examples
        --------
        >>> BM25F().fit({"text": [["a", "b"], ["b"]]}).search(["b"], k=1)[0].tolist()
        [1]
        """
        scores = self.scores(query)
        return _top(scores, k, "BM25F.search")


def _check_query(query, func: str) -> Counter:
    if isinstance(query, str) or not isinstance(query, (list, tuple)):
        raise TypeError(f"{func}: query must be a list of str tokens, got {type(query).__name__}; "
                        "tokenize a text first")
    for j, token in enumerate(query):
        if not isinstance(token, str):
            raise TypeError(f"{func}: query[{j}] must be a str token, got {type(token).__name__}")
    return Counter(query)


def _query_vector(query, column: dict, func: str) -> np.ndarray:
    """The query's term counts c over a vocabulary {term: column}; terms not in it are dropped."""
    c = np.zeros(len(column))
    for term, count in _check_query(query, func).items():
        j = column.get(term)
        if j is not None:
            c[j] = count
    return c


def _top(scores: np.ndarray, k, func: str):
    k = check_positive_int(k, "k", func)
    if k > len(scores):
        raise ValueError(f"{func}: k must be at most the number of documents ({len(scores)}), got {k}")
    indices, top = select_top(scores[None, :], k)
    return indices[0], top[0]


# ---------------------------------------------------------------- query likelihood
def dirichlet_smoothed(f, doc_length, p_collection, mu: float = 2000.0):
    """Dirichlet-smoothed term probability ``(f + μ·p(t|C)) / (|D| + μ)`` (equation ``lex-dirichlet``).

    The posterior mean of the document's word distribution under a Dirichlet
    prior of mass μ centred on the collection's distribution ``p(·|C)``.

    Parameters
    ----------
    f : float or array-like
        Term frequencies f_{t,D} ≥ 0.
    doc_length : float or array-like
        ``|D| ≥ 0``, broadcast against ``f``.
    p_collection : float or array-like
        ``p(t|C)`` in [0, 1], broadcast against the others.
    mu : float > 0, default 2000.0

    Returns
    -------
    float or numpy.ndarray

    Raises
    ------
    TypeError
        If ``mu`` is not a real number.
    ValueError
        If mu ≤ 0, an f or a length is negative, f exceeds the length, or a
        probability lies outside [0, 1].

    Examples
    --------
    >>> print(f"{dirichlet_smoothed(2, 10, 0.01, mu=10):.4f}")
    0.1050
    >>> print(f"{dirichlet_smoothed(0, 10, 0.01, mu=10):.4f}")
    0.0050
    """
    func = "dirichlet_smoothed"
    mu = check_positive_float(mu, "mu", func)
    f = as_float_array(f, "f", func)
    n = as_float_array(doc_length, "doc_length", func)
    p = as_float_array(p_collection, "p_collection", func)
    if (f < 0).any() or (n < 0).any():
        raise ValueError(f"{func}: f and doc_length must be non-negative")
    if ((p < 0) | (p > 1)).any():
        raise ValueError(f"{func}: p_collection must lie in [0, 1]")
    shape = broadcast_shape({"f": f.shape, "doc_length": n.shape, "p_collection": p.shape}, func)
    f, n, p = (np.broadcast_to(x, shape) for x in (f, n, p))
    if (f > n).any():
        raise ValueError(f"{func}: f cannot exceed doc_length (a term occurs at most |D| times)")
    return _scalar_or_array((f + mu * p) / (n + mu))


class QueryLikelihood:
    """Query likelihood with Dirichlet smoothing, log P(q | D) (equation ``lex-ql``).

    score(D, q) = Σ_i log p_μ(q_i | D), with p_μ of ``lex-dirichlet`` and
    p(t|C) the fraction of the collection's tokens that are t. Query tokens
    that are not in the collection are skipped (their p(t|C) = 0 would give
    log 0 to every document alike). Computed in the rank-preserving split of
    ``lex-ql-sparse``: a sparse matrix of log(1 + f/(μ p(t|C))) for the
    matched terms plus a per-document term m'·log(μ/(|D| + μ)) and a constant,
    so that the value is the full log-likelihood.

    Parameters
    ----------
    mu : float > 0, default 2000.0

    Attributes
    ----------
    vocabulary_ : list of str
    p_collection_ : numpy.ndarray, shape (n_terms,)
    doc_lengths_ : numpy.ndarray, shape (n_docs,)
    n_docs_ : int

    Raises
    ------
    TypeError
        If ``mu`` is not a real number.
    ValueError
        If mu ≤ 0.

    Examples
    --------
    >>> model = QueryLikelihood(mu=2.0).fit([["a", "b", "a"], ["b", "c"]])
    >>> print(model.scores(["a", "zebra"]).round(4))
    [-0.5798 -1.6094]
    """

    def __init__(self, mu: float = 2000.0):
        self.mu = check_positive_float(mu, "mu", "QueryLikelihood")

    def __repr__(self) -> str:
        return f"QueryLikelihood(mu={self.mu:g})"

    def fit(self, corpus) -> QueryLikelihood:
        """Index a corpus: collection probabilities and the sparse matched-term matrix.

        The parts of ``lex-ql`` in the split ``lex-ql-sparse`` (uses ``lex-ql``).

        Parameters
        ----------
        corpus : list of list of str

        Returns
        -------
        QueryLikelihood
            self, fitted.

        Raises
        ------
        TypeError
            If ``corpus`` is not a list of token lists.
        ValueError
            If ``corpus`` is empty or all its documents are empty.

        Examples
        --------
        >>> QueryLikelihood().fit([["a", "b"], ["b"]]).p_collection_.round(4).tolist()
        [0.3333, 0.6667]
        """
        counts = _Counts(corpus, "QueryLikelihood.fit")
        cf = np.bincount(counts.term_of_entries(), weights=counts.counts, minlength=len(counts.df))
        p_c = cf / counts.lengths.sum()
        terms = counts.term_of_entries()
        values = np.log1p(counts.counts / (self.mu * p_c[terms]))
        self._matrix = sp.csc_matrix((values, counts.rows, counts.indptr),
                                     shape=(counts.n_docs, len(counts.df)))
        self._column = {t: j for j, t in enumerate(counts.vocabulary)}
        self._log_p = np.log(p_c)
        self._log_alpha = np.log(self.mu) - np.log(counts.lengths + self.mu)  # log(μ / (|D| + μ))
        self.vocabulary_ = counts.vocabulary
        self.p_collection_ = p_c
        self.doc_lengths_ = counts.lengths
        self.n_docs_ = counts.n_docs
        return self

    def scores(self, query) -> np.ndarray:
        """log P(q | D) for every document.

        The query likelihood of ``lex-ql`` with p_μ of ``lex-dirichlet``, computed
        as ``lex-ql-sparse`` (uses ``lex-ql``).

        Parameters
        ----------
        query : list of str

        Returns
        -------
        numpy.ndarray, shape (n_docs,)
            Log-likelihoods (≤ 0); all 0 when no query token is in the collection.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        TypeError
            If ``query`` is not a list of str tokens.

        Examples
        --------
        >>> model = QueryLikelihood(mu=2.0).fit([["a", "b", "a"], ["b", "c"]])
        >>> print(model.scores(["b"]).round(4))
        [-1.0217 -0.7985]
        """
        check_is_fitted(self, "n_docs_", "QueryLikelihood.scores", fit="fit(corpus)")
        c = _query_vector(query, self._column, "QueryLikelihood.scores")
        m_known = c.sum()
        return self._matrix @ c + m_known * self._log_alpha + float(c @ self._log_p)

    def search(self, query, k: int):
        """The k most likely documents for a query, best first, ties by the lower index.

        Ranked by log P(q | D) (uses ``lex-ql``).

        Parameters
        ----------
        query : list of str
        k : int
            1 ≤ k ≤ n_docs.

        Returns
        -------
        indices, scores : numpy.ndarray, shape (k,)

        Raises
        ------
        NotFittedError
            Before ``fit``.
        ValueError
            If k < 1 or k > n_docs.

        Examples
        --------
        >>> model = QueryLikelihood(mu=2.0).fit([["a", "b", "a"], ["b", "c"]])
        >>> model.search(["a"], k=2)[0].tolist()
        [0, 1]
        """
        return _top(self.scores(query), k, "QueryLikelihood.search")


# ------------------------------------------------------------------- WAND top-k
def wand_pivot(upper_bounds, threshold):
    """The pivot of WAND: the first p with U_1 + ... + U_p > θ (equation ``lex-wand-pivot``).

    ``upper_bounds`` are the score upper bounds of the query terms, listed in
    the order of the documents their postings cursors point to (smallest
    first). No document before the pivot's can score more than θ.

    Parameters
    ----------
    upper_bounds : array-like, shape (m,)
        Non-negative upper bounds U_j.
    threshold : float
        θ, the score a document must beat (−inf: every document).

    Returns
    -------
    int or None
        The 0-based position p of the pivot, or None if even the sum of all
        bounds does not exceed θ (no remaining document can enter the top k).

    Raises
    ------
    ValueError
        If a bound is negative or not finite, or ``threshold`` is nan.

    Examples
    --------
    >>> wand_pivot([0.5, 1.0, 2.0], threshold=1.2)
    1
    >>> wand_pivot([0.5, 1.0], threshold=1.5) is None
    True
    """
    func = "wand_pivot"
    u = as_float_array(upper_bounds, "upper_bounds", func, ndim=1, allow_empty=True)
    if (u < 0).any():
        raise ValueError(f"{func}: upper_bounds must be non-negative (the argument needs weights ≥ 0)")
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real) or np.isnan(threshold):
        raise ValueError(f"{func}: threshold must be a real number or -inf, got {threshold!r}")
    above = np.flatnonzero(np.cumsum(u) > threshold)
    return int(above[0]) if above.size else None


def wand_search(model: BM25, query, k: int):
    """Exact BM25 top-k by WAND, scoring only the documents that can enter the top k.

    Uses the bound ``lex-wand-bound`` and the pivot ``lex-wand-pivot``.

    Document-at-a-time over the postings of the query's terms (in increasing
    document order), with each term's upper bound U_t = c_t · max_D w_{D,t}.
    While the current top k has a k-th score θ, the cursors of the terms before
    the pivot (``lex-wand-pivot``) jump to the pivot's document, skipping every
    document in between unscored; a document is scored in full only when all
    the cursors before the pivot point to it. Scores are summed in the order of
    :meth:`BM25.scores`, so they, and the ranking with ties by the lower index,
    are those of ``model.search`` bit for bit.

    Parameters
    ----------
    model : BM25
        A fitted model whose weights are all ≥ 0 (Lucene's IDF, say).
    query : list of str
    k : int
        1 ≤ k ≤ n_docs.

    Returns
    -------
    indices : numpy.ndarray of int, shape (k,)
    scores : numpy.ndarray of float64, shape (k,)
    n_scored : int
        How many documents were scored in full.

    Raises
    ------
    TypeError
        If ``model`` is not a BM25, or ``query`` not a list of str tokens.
    NotFittedError
        If ``model`` is not fitted.
    ValueError
        If the model has a negative weight, or k < 1 or k > n_docs.

    Examples
    --------
    >>> model = BM25().fit([["a", "b"], ["b"], ["a", "a", "c"], ["c"]])
    >>> idx, sc, n_scored = wand_search(model, ["a", "c"], k=1)
    >>> idx.tolist(), n_scored, model.search(["a", "c"], k=1)[0].tolist()
    ([2], 2, [2])
    """
    import heapq

    func = "wand_search"
    if not isinstance(model, BM25):
        raise TypeError(f"{func}: model must be a fitted ragmath.lexical.BM25, got {type(model).__name__}")
    check_is_fitted(model, "n_docs_", func, fit="fit(corpus)")
    counts = _check_query(query, func)
    k = check_positive_int(k, "k", func)
    n_docs = model.n_docs_
    if k > n_docs:
        raise ValueError(f"{func}: k must be at most the number of documents ({n_docs}), got {k}")
    if model._weights.size and model._weights.min() < 0:
        raise ValueError(f"{func}: model has negative term weights (idf={model.idf!r}); the "
                         "upper-bound argument of WAND needs weights ≥ 0: use idf='lucene'")
    c = model._counts
    lists = []  # per distinct query term, in the order of BM25.scores: rows, weights, count, bound
    for term, count in counts.items():
        j = model._column.get(term)
        if j is None:
            continue
        start, end = c.indptr[j], c.indptr[j + 1]
        rows, w = c.rows[start:end], model._weights[start:end]
        lists.append((rows, w, count, float(count * w.max())))
    cursor = [0] * len(lists)
    heap: list = []  # the k best so far as (score, -doc): heap[0] is the k-th best
    n_scored = 0
    while True:
        current = [int(rows[p]) if p < len(rows) else n_docs for (rows, *_), p in zip(lists, cursor)]
        live = sorted((i for i in range(len(lists)) if current[i] < n_docs), key=current.__getitem__)
        theta = heap[0][0] if len(heap) == k else -np.inf
        # a relative margin, so that rounding in the bound's sum never skips a document
        safe = theta - 1e-9 * abs(theta) if np.isfinite(theta) else theta
        pivot = wand_pivot([lists[i][3] for i in live], safe)
        if pivot is None:
            break
        doc = current[live[pivot]]
        if current[live[0]] == doc:  # every cursor before the pivot is on doc: score it
            score = 0.0
            for i, (_, w, count, _) in enumerate(lists):
                if current[i] == doc:
                    score += count * w[cursor[i]]
                    cursor[i] += 1
            n_scored += 1
            entry = (float(score), -doc)
            if len(heap) < k:
                heapq.heappush(heap, entry)
            elif entry > heap[0]:
                heapq.heapreplace(heap, entry)
        else:  # skip: move the cursors before the pivot to its document
            for i in live[:pivot]:
                rows = lists[i][0]
                cursor[i] = int(np.searchsorted(rows, doc))
    best = sorted(heap, key=lambda e: (-e[0], -e[1]))
    indices = [-d for _, d in best]
    scores = [s for s, _ in best]
    if len(indices) < k:  # fewer than k documents match: the lowest-index zeros, as search does
        taken = set(indices)
        zeros = [d for d in range(n_docs) if d not in taken][: k - len(indices)]
        indices += zeros
        scores += [0.0] * len(zeros)
    return np.array(indices, dtype=np.intp), np.array(scores, dtype=np.float64), n_scored
