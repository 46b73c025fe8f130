"""A complete RAG system in NumPy (chapter 10, "Capstone").

Every function cites the label of the equation it implements in
``book/10-capstone.md``; the chapter checks each one numerically. The
pieces of the earlier chapters are reused, not rewritten: TF-IDF and BM25
(:mod:`ragmath.lexical`), product quantization and LSH
(:mod:`ragmath.quantization`), the dual encoder and the generator
(:mod:`ragmath.rag`), the LSR loss (:mod:`ragmath.adaptation`), Adam
(:mod:`ragmath.optim`). What is new here:

- **chunking** with overlap (:func:`chunk_starts`, :func:`chunk_corpus`), the
  chunk that holds an answer span (:func:`span_chunk`), and passage scores
  from chunk scores (:func:`passage_scores_from_chunks`, "MaxP");
- **hybrid fusion**: min-max and z-score normalisation, their convex
  combination (:func:`convex_fusion`) and reciprocal rank fusion
  (:func:`reciprocal_rank_fusion`); the metrics of the fusion over its weight
  and one query's fused ranking (:func:`hybrid_curve`, :func:`hybrid_ranking`),
  which :mod:`ragmath.viz.pipeline` draws;
- the **indexes**: LSH candidates re-ranked exactly (:func:`lsh_rerank_scores`);
  the inner products from PQ codes
  (:meth:`ragmath.quantization.ProductQuantizer.inner_product_scores`) and the
  **memory** of each index in bytes (:func:`ragmath.quantization.dense_index_bytes`,
  ``sparse_index_bytes``, ``lsh_index_bytes``, ``pq_memory_bytes``) live in
  :mod:`ragmath.quantization`;
- **latency** as measured (:func:`time_per_query`): a number for a figure,
  never printed into a notebook output that is compared;
- the **answer likelihood** over the top-k chunks (:func:`answer_log_likelihood`)
  and LSR fine-tuning of the query encoder (:func:`lsr_finetune_query_matrix`);
- :class:`RAGPipeline`, which composes chunk → embed → index → retrieve → generate,
  with the trained dual encoder of :mod:`ragmath.rag` or, through
  :class:`PrecomputedEncoder`, the stored all-MiniLM-L6-v2 embeddings of
  :func:`ragmath.data.load_embeddings` (and :mod:`ragmath.encoder` for new texts).
"""

from __future__ import annotations

import functools
import numbers
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ._core import select_top, softmax
from ._validation import (
    NotFittedError,
    as_float_array,
    as_same_shape_arrays,
    check_choice,
    check_interval,
    check_positive_float,
    check_positive_int,
    check_same_dimension,
)
from .adaptation import lsr_distribution_from_log, retriever_kl_grad, retriever_kl_loss
from .lexical import BM25, document_frequency, idf, tfidf_matrix, tfidf_vectors, tokenize
from .metrics import score_matrix_metrics
from .optim import Adam
from .quantization import ProductQuantizer, RandomHyperplaneLSH, lsh_candidates
from .rag import rag_sequence_log_likelihood

__all__ = [
    "chunk_starts",
    "Chunks",
    "chunk_corpus",
    "span_chunk",
    "passage_scores_from_chunks",
    "minmax_normalize",
    "zscore_normalize",
    "convex_fusion",
    "ranks_from_scores",
    "reciprocal_rank_fusion",
    "hybrid_curve",
    "hybrid_ranking",
    "lsh_rerank_scores",
    "time_per_query",
    "answer_log_likelihood",
    "lsr_finetune_query_matrix",
    "PrecomputedEncoder",
    "RAGPipeline",
    "normalize_answer",
    "exact_match",
    "token_f1",
    "answer_in_text",
    "answer_recall_at_k",
    "extract_answer",
    "answer_support",
    "top_k_distinct_parents",
    "mmr_select",
    "maxsim_scores",
    "ends_first_order",
]


# --------------------------------------------------------------------------- chunking
def _check_window(size, overlap, func: str) -> tuple[int, int]:
    size = check_positive_int(size, "size", func)
    if isinstance(overlap, bool) or not isinstance(overlap, numbers.Integral):
        raise TypeError(f"{func}: overlap must be an integer, got {type(overlap).__name__} {overlap!r}")
    overlap = int(overlap)
    if not 0 <= overlap < size:
        raise ValueError(f"{func}: overlap must satisfy 0 ≤ overlap < size = {size}, got {overlap}")
    return size, overlap


def chunk_starts(n_tokens, size, overlap=0) -> np.ndarray:
    """First token of every chunk of a text of n_tokens tokens (equation ``cap-chunk-starts``).

    Windows of ``size`` tokens advance by the stride s = size − overlap:
    start_j = min(j·s, L − w) for j = 0, ..., n − 1, with
    n = 1 + ⌈max(L − w, 0) / s⌉ chunks (L = n_tokens, w = size). The last
    window is moved back so that it ends exactly at the end of the text (no
    short fragment); a text of at most w tokens is one chunk, starting at 0.

    Parameters
    ----------
    n_tokens : int
        L ≥ 1, the length of the text in tokens.
    size : int
        w ≥ 1, the window.
    overlap : int, optional
        o, with 0 ≤ o < w.

    Returns
    -------
    ndarray of int64, shape (n,)
        The starts, increasing.

    Raises
    ------
    ValueError
        When n_tokens or size is below 1, or the overlap is not in [0, size).
    TypeError
        When an argument is not an integer.

    Examples
    --------
    >>> chunk_starts(100, 40, 10).tolist(), chunk_starts(101, 40, 10).tolist()
    ([0, 30, 60], [0, 30, 60, 61])
    """
    func = "chunk_starts"
    L = check_positive_int(n_tokens, "n_tokens", func)
    w, o = _check_window(size, overlap, func)
    s = w - o
    if L <= w:
        return np.zeros(1, dtype=np.int64)
    n = 1 + -(-(L - w) // s)  # 1 + ceil((L − w)/s), in integers
    return np.minimum(np.arange(n, dtype=np.int64) * s, L - w)


@dataclass(frozen=True)
class Chunks:
    """The chunks of a collection, one entry per chunk, in passage order.

    What :func:`chunk_corpus` returns: windows placed by ``cap-chunk-starts``.

    Attributes
    ----------
    texts : list of str
        Each chunk's tokens joined by spaces.
    parent : ndarray of int64
        The index of each chunk's passage (non-decreasing).
    start : ndarray of int64
        Each chunk's first token in its passage.
    ids : list of str
        "p001#0", ...: the passage id and the chunk's number in it.
    size, overlap : int
        The window (−1 when passages were kept whole) and the overlap.

    Examples
    --------
    >>> ch = chunk_corpus(["one two three four five"], ["p"], size=3, overlap=1)
    >>> len(ch), ch.ids, ch.start.tolist()
    (2, ['p#0', 'p#1'], [0, 2])
    """

    texts: list
    parent: np.ndarray
    start: np.ndarray
    ids: list
    size: int
    overlap: int

    def __len__(self) -> int:
        return len(self.texts)


def chunk_corpus(texts, passage_ids=None, size=40, overlap=10) -> Chunks:
    """Cut every passage into overlapping windows of tokens.

    Tokens are those of :func:`ragmath.lexical.tokenize`; chunk j of a passage
    holds tokens start_j, ..., start_j + w − 1 (fewer if the passage is
    shorter than w), with the starts of :func:`chunk_starts`
    (``cap-chunk-starts``). Chunks are listed passage by passage, so the
    chunks of one passage are contiguous and ``parent`` is non-decreasing.

    Parameters
    ----------
    texts : list of str
        The passages, each with at least one token.
    passage_ids : list of str, optional
        One id per passage (default "0", "1", ...).
    size : int or None, optional
        The window w; None keeps each passage whole (one chunk each).
    overlap : int, optional
        The overlap o, 0 ≤ o < w.

    Returns
    -------
    Chunks

    Raises
    ------
    TypeError
        When texts is not a non-empty list of str.
    ValueError
        When passage_ids has another length, a passage has no tokens, or the
        window is invalid.

    Examples
    --------
    >>> ch = chunk_corpus(["The cat sat on the mat.", "Dogs run."], ["a", "b"], size=4, overlap=2)
    >>> ch.texts, ch.parent.tolist()
    (['the cat sat on', 'sat on the mat', 'dogs run'], [0, 0, 1])
    """
    func = "chunk_corpus"
    if isinstance(texts, (str, bytes)) or not isinstance(texts, Sequence) or len(texts) == 0:
        raise TypeError(f"{func}: texts must be a non-empty list of str passages")
    if passage_ids is None:
        passage_ids = [str(i) for i in range(len(texts))]
    passage_ids = list(passage_ids)
    if len(passage_ids) != len(texts):
        raise ValueError(
            f"{func}: passage_ids has {len(passage_ids)} ids but texts has {len(texts)} passages"
        )
    if size is not None:
        _check_window(size, overlap, func)
    out_texts, parent, start, ids = [], [], [], []
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"{func}: texts[{i}] must be a str, got {type(text).__name__}")
        tokens = tokenize(text)
        if not tokens:
            raise ValueError(f"{func}: texts[{i}] has no tokens; every passage needs at least one")
        w = len(tokens) if size is None else size
        starts = chunk_starts(len(tokens), w, 0 if size is None else overlap)
        for j, s in enumerate(starts.tolist()):
            out_texts.append(" ".join(tokens[s : s + w]))
            parent.append(i)
            start.append(s)
            ids.append(f"{passage_ids[i]}#{j}")
    return Chunks(out_texts, np.array(parent, dtype=np.int64), np.array(start, dtype=np.int64), ids,
                  size=-1 if size is None else int(size), overlap=0 if size is None else int(overlap))


def span_chunk(span_start, span_length, starts, size) -> int:
    """The first chunk that contains a whole span of tokens, or −1 (equation ``cap-span-cover``).

    The span is tokens i, ..., i + a − 1 (i = span_start, a = span_length) of
    a passage whose chunks start at ``starts`` (from :func:`chunk_starts`) and
    hold ``size`` tokens; chunk j contains it when
    start_j ≤ i and i + a ≤ start_j + w. With overlap o, a span of
    a ≤ o + 1 tokens is always contained in some chunk (``cap-overlap-guarantee``).

    Parameters
    ----------
    span_start : int
        i ≥ 0.
    span_length : int
        a ≥ 1.
    starts : array-like of int, shape (n_chunks,)
        The chunk starts of the passage.
    size : int
        w, the window.

    Returns
    -------
    int
        The index of the first chunk that holds the span, or −1.

    Raises
    ------
    ValueError
        When span_start < 0, span_length or size < 1, or starts is not a
        non-empty 1-D integer array.

    Examples
    --------
    >>> starts = chunk_starts(20, 10, 3)
    >>> starts.tolist(), span_chunk(6, 4, starts, 10), span_chunk(6, 5, starts, 10)
    ([0, 7, 10], 0, -1)
    """
    func = "span_chunk"
    i = check_positive_int(span_start, "span_start", func, minimum=0)
    a = check_positive_int(span_length, "span_length", func)
    w = check_positive_int(size, "size", func)
    S = np.asarray(starts)
    if S.ndim != 1 or S.size == 0 or S.dtype.kind not in "iu":
        raise ValueError(f"{func}: starts must be a non-empty 1-D array of integer chunk starts")
    inside = np.flatnonzero((S <= i) & (i + a <= S + w))
    return int(inside[0]) if inside.size else -1


def _groups(parent, n_items: int, func: str) -> np.ndarray:
    P = np.asarray(parent)
    if P.ndim != 1 or P.dtype.kind not in "iu":
        raise ValueError(f"{func}: parent must be a 1-D array of integer passage indices")
    if P.size != n_items:
        raise ValueError(f"{func}: parent has {P.size} entries but chunk_scores has {n_items} columns")
    if P.size and (np.any(np.diff(P) < 0) or P[0] < 0):
        raise ValueError(
            f"{func}: parent must be non-decreasing and non-negative (chunks listed passage by passage)"
        )
    return P.astype(np.int64)


def passage_scores_from_chunks(chunk_scores, parent, n_passages=None) -> np.ndarray:
    """The score of a passage is the best score of its chunks, "MaxP" (equation ``cap-maxp``).

    S(p) = max_{c : parent(c) = p} s(c). ``chunk_scores`` is (n_chunks,) or
    (n_queries, n_chunks) and may hold −inf (a chunk the index did not
    return); ``parent`` gives each chunk's passage, non-decreasing (as
    :func:`chunk_corpus` lists them). A passage without chunks scores −inf.
    Ranking passages by S is ranking the chunks and keeping the first chunk of
    each passage (``cap-maxp-first``).

    Parameters
    ----------
    chunk_scores : array-like, shape (n_chunks,) or (n_queries, n_chunks)
        Finite scores or −inf.
    parent : array-like of int, shape (n_chunks,)
        Each chunk's passage, non-decreasing and non-negative.
    n_passages : int, optional
        The number of passages (default: the last parent + 1).

    Returns
    -------
    ndarray, shape (n_passages,) or (n_queries, n_passages)

    Raises
    ------
    ValueError
        On nan or +inf, a parent of another length or not non-decreasing, or
        a parent ≥ n_passages.

    Examples
    --------
    >>> passage_scores_from_chunks([0.2, 0.9, 0.4, -np.inf], [0, 0, 1, 3], n_passages=4).tolist()
    [0.9, 0.4, -inf, -inf]
    """
    func = "passage_scores_from_chunks"
    S = as_float_array(chunk_scores, "chunk_scores", func, ndim=(1, 2), finite=False)
    if np.isnan(S).any() or (S == np.inf).any():
        raise ValueError(f"{func}: chunk_scores contains nan or +inf (−inf marks a chunk not retrieved)")
    P = _groups(parent, S.shape[-1], func)
    n = int(P.max()) + 1 if n_passages is None else check_positive_int(n_passages, "n_passages", func)
    if P.max() >= n:
        raise ValueError(f"{func}: parent holds passage {int(P.max())} but n_passages = {n}")
    S2 = np.atleast_2d(S)
    out = np.full((S2.shape[0], n), -np.inf, dtype=S2.dtype)
    present, first = np.unique(P, return_index=True)
    out[:, present] = np.maximum.reduceat(S2, first, axis=1)
    return out if S.ndim == 2 else out[0]


# --------------------------------------------------------------------------- fusion
def _scores(x, name: str, func: str) -> np.ndarray:
    return as_float_array(x, name, func, ndim=(1, 2))


def minmax_normalize(scores) -> np.ndarray:
    """Min-max normalisation of each row, (s − min)/(max − min) (equation ``cap-minmax``).

    Maps the best score of every query to 1 and the worst to 0; invariant to
    any positive affine change a·s + b of the scores (``cap-affine-invariance``).
    A row whose scores are all equal carries no ranking and becomes all 0.

    Parameters
    ----------
    scores : array-like, shape (n_docs,) or (n_queries, n_docs)
        Finite scores, one row per query.

    Returns
    -------
    ndarray of the same shape, in [0, 1]

    Raises
    ------
    ValueError
        On nan, inf or a wrong number of dimensions.

    Examples
    --------
    >>> minmax_normalize([2.0, 4.0, 3.0]).tolist()
    [0.0, 1.0, 0.5]
    """
    S = _scores(scores, "scores", "minmax_normalize")
    lo = S.min(axis=-1, keepdims=True)
    span = S.max(axis=-1, keepdims=True) - lo
    safe = np.where(span > 0, span, 1.0)
    return np.where(span > 0, (S - lo) / safe, 0.0)


def zscore_normalize(scores) -> np.ndarray:
    """Z-score normalisation of each row, (s − μ)/σ (equation ``cap-zscore``).

    μ and σ are the mean and the (population) standard deviation of the row's
    scores; also invariant to positive affine changes. A constant row becomes 0.

    Parameters
    ----------
    scores : array-like, shape (n_docs,) or (n_queries, n_docs)
        Finite scores, one row per query.

    Returns
    -------
    ndarray of the same shape

    Raises
    ------
    ValueError
        On nan, inf or a wrong number of dimensions.

    Examples
    --------
    >>> print(zscore_normalize([1.0, 2.0, 3.0]).round(4))
    [-1.2247  0.      1.2247]
    """
    S = _scores(scores, "scores", "zscore_normalize")
    mu = S.mean(axis=-1, keepdims=True)
    sd = S.std(axis=-1, keepdims=True)
    safe = np.where(sd > 0, sd, 1.0)
    return np.where(sd > 0, (S - mu) / safe, 0.0)


_NORMALIZERS = {"minmax": minmax_normalize, "zscore": zscore_normalize}


def _check_alpha(alpha, func: str) -> float:
    return check_interval(alpha, "alpha", func, 0.0, 1.0)


def convex_fusion(lexical_scores, dense_scores, alpha, normalization="minmax") -> np.ndarray:
    """The convex combination α ŝ_lex + (1 − α) ŝ_dense of normalised scores (equation ``cap-convex``).

    Both score arrays have the same shape (one row per query); each is first
    normalised row by row (``"minmax"``, ``cap-minmax``, or ``"zscore"``,
    ``cap-zscore``). α = 1 ranks as the lexical scores, α = 0 as the dense ones.

    Parameters
    ----------
    lexical_scores, dense_scores : array-like, shape (n_docs,) or (n_queries, n_docs)
        The two systems' scores, of the same shape.
    alpha : float
        α in [0, 1], the weight of the lexical scores.
    normalization : {"minmax", "zscore"}, optional

    Returns
    -------
    ndarray of the same shape

    Raises
    ------
    ValueError
        On shapes that differ, alpha outside [0, 1] (or not a number), an
        unknown normalization, nan or inf.

    Examples
    --------
    >>> convex_fusion([1.0, 3.0, 2.0], [0.0, 0.0, 4.0], alpha=0.5).tolist()
    [0.0, 0.5, 0.75]
    """
    func = "convex_fusion"
    L = _scores(lexical_scores, "lexical_scores", func)
    D = _scores(dense_scores, "dense_scores", func)
    if L.shape != D.shape:
        raise ValueError(f"{func}: lexical_scores has shape {L.shape} but dense_scores has shape {D.shape}")
    a = _check_alpha(alpha, func)
    norm = _NORMALIZERS[check_choice(normalization, "normalization", func, tuple(_NORMALIZERS))]
    return a * norm(L) + (1.0 - a) * norm(D)


def ranks_from_scores(scores) -> np.ndarray:
    """The rank of every document, 1 for the best, 0 for a document not returned.

    The r_i(d) of ``cap-rrf``: decreasing score, ties by the lower index (the
    book's convention, a stable sort of the whole row: every document gets a
    rank, which a top-k selection does not give); −inf entries (documents a
    system did not return) get rank ∞, stored as 0 to mean "absent".

    Parameters
    ----------
    scores : array-like, shape (n_docs,) or (n_queries, n_docs)
        Finite scores or −inf.

    Returns
    -------
    ndarray of int64, of the same shape

    Raises
    ------
    ValueError
        On nan or +inf.

    Examples
    --------
    >>> ranks_from_scores([1.0, 3.0, 3.0, -np.inf, 0.0]).tolist()
    [3, 1, 2, 0, 4]
    """
    func = "ranks_from_scores"
    S = as_float_array(scores, "scores", func, ndim=(1, 2), finite=False)
    if np.isnan(S).any() or (S == np.inf).any():
        raise ValueError(f"{func}: scores contains nan or +inf")
    S2 = np.atleast_2d(S)
    order = np.argsort(-S2, axis=1, kind="stable")
    ranks = np.empty(S2.shape, dtype=np.int64)
    np.put_along_axis(ranks, order, np.arange(1, S2.shape[1] + 1)[None, :].repeat(S2.shape[0], 0), axis=1)
    ranks[np.isneginf(S2)] = 0
    return ranks if S.ndim == 2 else ranks[0]


def reciprocal_rank_fusion(score_lists, k=60, depth=None) -> np.ndarray:
    """Reciprocal rank fusion, RRF(d) = Σ_i 1/(k + r_i(d)) (equation ``cap-rrf``).

    ``score_lists`` holds the scores of m systems, arrays of one shape
    (n_docs,) or (n_queries, n_docs); r_i(d) is the rank of d by system i
    (:func:`ranks_from_scores`). With ``depth``, each system contributes only
    for its ``depth`` best documents (a document beyond, or with score −inf,
    adds 0), as when each system returns a list of ``depth`` results. Only
    ranks are used, so RRF is invariant to any increasing transform of any
    system's scores (Cormack et al. 2009).

    Parameters
    ----------
    score_lists : list of array-like
        m arrays of one shape, (n_docs,) or (n_queries, n_docs).
    k : float, optional
        The constant k ≥ 0 (60 in the paper).
    depth : int, optional
        How many results each system returns (default: all).

    Returns
    -------
    ndarray of float64, of the shape of the scores

    Raises
    ------
    TypeError
        When score_lists is not a non-empty list.
    ValueError
        On shapes that differ, k < 0, depth < 1, nan or +inf.

    Examples
    --------
    >>> out = reciprocal_rank_fusion([np.array([0.9, 0.5, 0.1]), np.array([0.2, 0.8, -np.inf])], k=60)
    >>> print(out.round(6))
    [0.032522 0.032522 0.015873]
    """
    func = "reciprocal_rank_fusion"
    if isinstance(score_lists, np.ndarray) or not isinstance(score_lists, Sequence) or len(score_lists) == 0:
        raise TypeError(f"{func}: score_lists must be a non-empty list of score arrays")
    k = check_positive_float(k, "k", func, allow_zero=True)
    depth = None if depth is None else check_positive_int(depth, "depth", func)
    total = None
    for i, s in enumerate(score_lists):
        r = ranks_from_scores(s)
        if total is not None and r.shape != total.shape:
            raise ValueError(
                f"{func}: score_lists[{i}] has shape {r.shape}, score_lists[0] has {total.shape}"
            )
        keep = r > 0 if depth is None else (r > 0) & (r <= depth)
        part = np.where(keep, 1.0 / (k + np.where(keep, r, 1)), 0.0)
        total = part if total is None else total + part
    return total


def _fusion_inputs(lexical_scores, dense_scores, grades, func: str):
    arrays = {"lexical_scores": lexical_scores, "dense_scores": dense_scores, "grades": grades}
    return as_same_shape_arrays(arrays, func, shape="(n_queries, n_passages)")


def hybrid_curve(lexical_scores, dense_scores, grades, k: int = 10, alphas=None) -> dict:
    """Mean MRR and NDCG@k of the convex fusion of two systems, at every weight α.

    For every α, the fusion α ŝ_lex + (1 − α) ŝ_dense of the min-max
    normalised scores (``cap-convex``, :func:`convex_fusion`; each system is
    normalised once, not once per α) is evaluated by
    :func:`ragmath.metrics.score_matrix_metrics` (``eval-rr``, ``eval-ndcg``,
    with the tie rule of :func:`ragmath.metrics.evaluate`), and the metrics
    are averaged over the queries (rows). What the chapter's α curve draws.

    Parameters
    ----------
    lexical_scores, dense_scores : array-like, shape (n_queries, n_passages)
        The two systems' scores.
    grades : array-like, shape (n_queries, n_passages)
        The judged grades (a :func:`ragmath.metrics.grade_matrix`).
    k : int, optional
        The NDCG cutoff.
    alphas : array-like, optional
        The weights, each in [0, 1] (default: 21 values from 0 to 1).

    Returns
    -------
    dict
        "alpha", "mrr", "ndcg": arrays over the alphas.

    Raises
    ------
    ValueError
        On shapes that differ, k < 1, an α outside [0, 1], nan or inf.

    Examples
    --------
    >>> c = hybrid_curve([[3.0, 1.0, 2.0]], [[0.0, 1.0, 0.5]], [[0, 1, 0]], k=3, alphas=[0.0, 1.0])
    >>> c["mrr"].tolist()
    [1.0, 0.3333333333333333]
    """
    func = "hybrid_curve"
    L, D, G = _fusion_inputs(lexical_scores, dense_scores, grades, func)
    k = check_positive_int(k, "k", func)
    alphas = np.linspace(0.0, 1.0, 21) if alphas is None else np.asarray(alphas, dtype=float)
    nl, nd = minmax_normalize(L), minmax_normalize(D)
    mrr, ndcg = [], []
    for a in alphas:
        _check_alpha(float(a), func)
        m = score_matrix_metrics(a * nl + (1 - a) * nd, G, k)
        mrr.append(m["rr"].mean())
        ndcg.append(m["ndcg"].mean())
    return {"alpha": alphas, "mrr": np.array(mrr), "ndcg": np.array(ndcg)}


def hybrid_ranking(lexical_row, dense_row, alpha: float, k: int = 10) -> dict:
    """The k best passages of one query under the convex fusion at α, and each score's two parts.

    The fused score (``cap-convex``, min-max) is the sum of α·ŝ_lex and
    (1 − α)·ŝ_dense; the passages are its top k, best first, ties by the
    lower index (the selection of the lower layer, ``sim-top-k``).

    Parameters
    ----------
    lexical_row, dense_row : array-like, shape (n_passages,)
        One query's scores by the two systems.
    alpha : float
        α in [0, 1].
    k : int, optional
        At least 1; at most n_passages are returned.

    Returns
    -------
    dict
        "order" (k,) passage indices best first; "lexical" α·ŝ_lex and
        "dense" (1 − α)·ŝ_dense of those passages.

    Raises
    ------
    ValueError
        On shapes that differ, alpha outside [0, 1], k < 1, nan or inf.

    Examples
    --------
    >>> r = hybrid_ranking([3.0, 1.0, 2.0], [0.0, 1.0, 0.5], alpha=0.5, k=2)  # three fused scores of 0.5
    >>> r["order"].tolist(), r["lexical"].tolist(), r["dense"].tolist()
    ([0, 1], [0.5, 0.0], [0.0, 0.5])
    """
    func = "hybrid_ranking"
    a = _check_alpha(alpha, func)
    lex = as_float_array(lexical_row, "lexical_row", func, ndim=1)
    den = as_float_array(dense_row, "dense_row", func, ndim=1)
    if lex.shape != den.shape:
        raise ValueError(f"{func}: lexical_row has shape {lex.shape} but dense_row has {den.shape}")
    k = min(check_positive_int(k, "k", func), lex.size)
    order = select_top(convex_fusion(lex, den, a)[None, :], k)[0][0]
    return {"order": order, "lexical": a * minmax_normalize(lex)[order],
            "dense": (1 - a) * minmax_normalize(den)[order]}


# --------------------------------------------------------------------------- indexes
def lsh_rerank_scores(query_vectors, item_vectors, lsh: RandomHyperplaneLSH, item_hashes, r, b) -> np.ndarray:
    """Exact scores of the LSH candidates, −inf for the rest (equation ``cap-lsh-rerank``).

    A chunk is a candidate of a query when their hashes agree on all r bits of
    at least one of b bands (:func:`ragmath.quantization.lsh_candidates`,
    ``lsh-s-curve``); only the candidates are scored, by the exact dot product,
    the others get −inf (not retrieved).

    Parameters
    ----------
    query_vectors : array-like, shape (n_queries, d)
    item_vectors : array-like, shape (n_items, d)
    lsh : ragmath.quantization.RandomHyperplaneLSH
        The hash of the items.
    item_hashes : ndarray of bool, shape (n_items, n_bits)
        ``lsh.hash(item_vectors)``.
    r, b : int
        Bits per band and number of bands (r·b ≤ n_bits).

    Returns
    -------
    ndarray, shape (n_queries, n_items)

    Raises
    ------
    ValueError
        On dimensions or row counts that do not match, or bad r, b.
    TypeError
        When lsh is not a RandomHyperplaneLSH.

    Examples
    --------
    >>> from ragmath.quantization import RandomHyperplaneLSH
    >>> X = np.array([[1.0, 0.1], [-1.0, 0.2], [0.9, -0.1]])
    >>> lsh = RandomHyperplaneLSH(8, 2, seed=0)
    >>> S = lsh_rerank_scores(X[:1], X, lsh, lsh.hash(X), r=8, b=1)
    >>> print(S[0, 0], bool(np.isneginf(S[0, 1])))
    1.01 True
    """
    func = "lsh_rerank_scores"
    Q = as_float_array(query_vectors, "query_vectors", func, ndim=2)
    X = as_float_array(item_vectors, "item_vectors", func, ndim=2)
    check_same_dimension(Q, X, ("query_vectors", "item_vectors"), func)
    if not isinstance(lsh, RandomHyperplaneLSH):
        raise TypeError(f"{func}: lsh must be a RandomHyperplaneLSH")
    H = np.asarray(item_hashes)
    if H.shape[0] != X.shape[0]:
        raise ValueError(f"{func}: item_hashes has {H.shape[0]} rows but item_vectors has {X.shape[0]}")
    cand = lsh_candidates(lsh.hash(Q), H, r, b)
    out = np.full((Q.shape[0], X.shape[0]), -np.inf, dtype=np.result_type(Q.dtype, X.dtype))
    for q in range(Q.shape[0]):  # only the candidates are scored: the point of LSH
        idx = np.flatnonzero(cand[q])
        if idx.size:
            out[q, idx] = X[idx] @ Q[q]
    return out


def time_per_query(search: Callable[[], object], n_queries, repeats=5) -> float:
    """Latency as measured: the median of (wall time of one batch)/n_queries (equation ``cap-latency``).

    ``search`` answers a whole batch of ``n_queries`` queries when called.
    The value depends on the machine and its load: draw it in a figure,
    never in a printed or displayed output (a table included) that a
    notebook test compares.

    Parameters
    ----------
    search : callable
        Called with no arguments, answers one batch.
    n_queries : int
        The size of the batch.
    repeats : int, optional
        How many batches are timed.

    Returns
    -------
    float
        Seconds per query.

    Raises
    ------
    TypeError
        When search is not callable.
    ValueError
        When n_queries or repeats is below 1.

    Examples
    --------
    >>> time_per_query(lambda: sum(range(1000)), n_queries=10) > 0
    True
    """
    func = "time_per_query"
    if not callable(search):
        raise TypeError(f"{func}: search must be a callable that answers a batch of queries")
    n_queries = check_positive_int(n_queries, "n_queries", func)
    repeats = check_positive_int(repeats, "repeats", func)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        search()
        times.append((time.perf_counter() - t0) / n_queries)
    return float(np.median(times))


# --------------------------------------------------------------------------- generation
def answer_log_likelihood(generator, chunk_texts, answer) -> float:
    """log p(y | x) with the k retrieved chunks weighted equally (equation ``cap-answer-loglik``).

    RAG-Sequence (``rag-sequence``) with p(z | x) = 1/k on the k chunks (the
    τ → ∞ limit of ``rag-temperature``), so that retrievers whose scores have
    different scales are compared on which chunks they return, not on how
    their scores are scaled.

    Parameters
    ----------
    generator : ragmath.rag.PassageNGramGenerator
    chunk_texts : list of str
        The k retrieved chunks.
    answer : str
        The answer y.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        When chunk_texts is empty (or a str), or the answer has no tokens.

    Examples
    --------
    >>> from ragmath.rag import PassageNGramGenerator
    >>> gen = PassageNGramGenerator(["yeast makes bread rise", "the index maps terms"])
    >>> print(f"{answer_log_likelihood(gen, ['yeast makes bread rise'], 'bread'):.4f}")
    -1.4407
    """
    func = "answer_log_likelihood"
    if isinstance(chunk_texts, str) or len(chunk_texts) == 0:
        raise ValueError(f"{func}: chunk_texts must be a non-empty list of str chunks")
    table = generator.token_probability_matrix(list(chunk_texts), answer)
    k = table.shape[0]
    return rag_sequence_log_likelihood(np.full(k, 1.0 / k), table)


def lsr_finetune_query_matrix(A_q, X, candidate_vectors, log_likelihoods, *, temperature=0.05,
                              steps=30, lr=3e-3):
    """Fine-tune the query matrix A_q by LM-supervised retrieval, as in chapter 9.

    ``X`` (B, n_terms): the TF-IDF features φ(x) of the training questions;
    ``candidate_vectors`` (B, K, n_terms + dim): the fixed index vectors d(c)
    of each question's K candidates; ``log_likelihoods`` (B, K): the
    generator's log p(y | c ∘ x). The target is the log-likelihood LSR
    distribution at τ = 1 (``ada-lsr-log``); the loss KL(p_R ‖ p_LSR), with
    s_c = q(x)·d(c)/temperature and q(x) = [φ(x), φ(x) A_q], is minimised by
    full-batch Adam: the loss ``ada-kl-loss`` of
    :func:`ragmath.adaptation.retriever_kl_loss`, its gradient in the scores
    ``ada-kl-grad`` (:func:`ragmath.adaptation.retriever_kl_grad`), and the
    chain rule through s to A_q (``ada-query-grad``).

    Parameters
    ----------
    A_q : array-like, shape (n_terms, dim)
        The starting query matrix.
    X : array-like, shape (B, n_terms)
    candidate_vectors : array-like, shape (B, K, n_terms + dim)
    log_likelihoods : array-like, shape (B, K)
    temperature : float, optional
        τ > 0 of the retriever.
    steps : int, optional
        Adam steps.
    lr : float, optional
        Adam's step size.

    Returns
    -------
    A_q : ndarray, shape (n_terms, dim)
        The fine-tuned matrix.
    history : list of float
        The loss before each step.

    Raises
    ------
    ValueError
        On shapes that do not match, nan or inf, or bad temperature, steps, lr.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X, D = np.eye(2), rng.standard_normal((2, 3, 3))
    >>> ll = np.log([[0.8, 0.1, 0.1], [0.1, 0.1, 0.8]])
    >>> A, history = lsr_finetune_query_matrix(np.zeros((2, 1)), X, D, ll, temperature=1.0, steps=20, lr=0.1)
    >>> history[-1] < history[0]
    True
    """
    func = "lsr_finetune_query_matrix"
    A = as_float_array(A_q, "A_q", func, ndim=2)
    X = as_float_array(X, "X", func, ndim=2)
    D = as_float_array(candidate_vectors, "candidate_vectors", func, ndim=3)
    ll = as_float_array(log_likelihoods, "log_likelihoods", func, ndim=2)
    if X.shape[1] != A.shape[0] or D.shape[0] != X.shape[0] or D.shape[2] != A.shape[0] + A.shape[1]:
        raise ValueError(
            f"{func}: shapes do not match: A_q {A.shape}, X {X.shape}, candidate_vectors {D.shape}"
        )
    if ll.shape != D.shape[:2]:
        raise ValueError(f"{func}: log_likelihoods has shape {ll.shape}, expected {D.shape[:2]}")
    tau = check_positive_float(temperature, "temperature", func)
    steps = check_positive_int(steps, "steps", func)
    lr = check_positive_float(lr, "lr", func)
    m = A.shape[1]
    p_lsr = lsr_distribution_from_log(ll, tau=1.0)
    opt = Adam(lr=lr)
    history = []
    for _ in range(steps):
        Q = np.hstack([X, X @ A])
        s = np.einsum("be,bke->bk", Q, D) / tau
        history.append(retriever_kl_loss(softmax(s, axis=1), p_lsr))
        G = retriever_kl_grad(s, p_lsr)
        grad = X.T @ (np.einsum("bk,bke->be", G, D[:, :, -m:]) / tau)
        A = opt.step(A, grad)
    return A, history


# --------------------------------------------------------------------------- the pipeline
def _unit_sparse_rows(M):
    """Every row of a sparse matrix divided by its Euclidean norm (zero rows stay zero), CSR."""
    norms = np.sqrt(np.asarray(M.multiply(M).sum(axis=1))).ravel()
    return M.multiply(1.0 / np.where(norms > 0, norms, 1.0)[:, None]).tocsr()


class PrecomputedEncoder:
    """A dense encoder given by a table of stored vectors, and optionally an encoder for other texts.

    For a **symmetric** encoder, one function v of the text on both sides,
    q(x) = d(x) = v(x) (all-MiniLM-L6-v2, ``enc-sentence``, is one), the
    vectors of known texts can be computed once and looked up: this class
    holds the table text → v(text) and gives :class:`RAGPipeline` the two
    methods it calls, :meth:`encode_queries` and :meth:`encode_passages`,
    which are the same lookup. A text that is not in the table is passed to
    ``encode`` (e.g. :meth:`ragmath.encoder.SentenceEncoder.encode`), all
    missing texts of one call in one batch; without ``encode`` it is an
    error. ``n_encoded_`` counts the texts encoded that way, so that a chapter
    can check that nothing stored was recomputed.

    Parameters
    ----------
    texts : list of str
        The texts of the table. A text may appear more than once only with
        the same vector (within 1e-6), as an encoder gives it.
    vectors : array-like, shape (n_texts, dim)
        Their vectors, finite; float32 and float64 keep their dtype.
    encode : callable, optional
        Maps a list of m str to an array of shape (m, dim).

    Attributes
    ----------
    dim : int
        The dimension of the vectors.
    n_encoded_ : int
        How many texts ``encode`` has been asked for so far.

    Raises
    ------
    TypeError
        When texts is not a list of str, or encode is not callable.
    ValueError
        When vectors is not 2-D and finite, its rows are not one per text, or
        a repeated text comes with different vectors.

    Examples
    --------
    >>> enc = PrecomputedEncoder(["cats purr", "dogs bark"], [[1.0, 0.0], [0.0, 1.0]])
    >>> enc.encode_queries(["dogs bark"]).tolist(), enc.encode_passages(["cats purr"]).tolist()
    ([[0.0, 1.0]], [[1.0, 0.0]])
    >>> live = PrecomputedEncoder(["cats purr"], [[1.0, 0.0]], encode=lambda t: [[0.6, 0.8]] * len(t))
    >>> live.encode(["cats purr", "birds sing"]).tolist(), live.n_encoded_
    ([[1.0, 0.0], [0.6, 0.8]], 1)
    """

    def __init__(self, texts, vectors, encode=None):
        func = "PrecomputedEncoder"
        texts = _text_list(texts, "texts", func)
        V = as_float_array(vectors, "vectors", func, ndim=2)
        if V.shape[0] != len(texts):
            raise ValueError(f"{func}: vectors has {V.shape[0]} rows but texts has {len(texts)} texts")
        if encode is not None and not callable(encode):
            raise TypeError(f"{func}: encode must be a callable from a list of str to vectors, or None")
        row: dict = {}
        for i, t in enumerate(texts):
            j = row.setdefault(t, i)
            if j != i and not np.allclose(V[i], V[j], rtol=0, atol=1e-6):
                raise ValueError(f"{func}: texts[{j}] and texts[{i}] are the same text {t!r} "
                                 "with different vectors")
        self._row, self._vectors, self._encode = row, V, encode
        self.dim = int(V.shape[1])
        self.n_encoded_ = 0

    def __len__(self) -> int:
        return len(self._row)

    def __contains__(self, text) -> bool:
        return text in self._row

    def encode(self, texts) -> np.ndarray:
        """The vectors of a list of texts: looked up in the table, or computed by ``encode``.

        Parameters
        ----------
        texts : list of str

        Returns
        -------
        ndarray, shape (n_texts, dim), in the dtype of the stored vectors

        Raises
        ------
        TypeError
            When texts is not a list of str.
        ValueError
            When a text is not in the table and there is no ``encode``, or
            ``encode`` returns an array of the wrong shape or with nan or inf.

        Examples
        --------
        >>> enc = PrecomputedEncoder(["a b", "c d"], np.eye(2))
        >>> enc.encode(["c d", "a b", "c d"]).tolist()
        [[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]
        """
        func = "PrecomputedEncoder.encode"
        texts = _text_list(texts, "texts", func, allow_empty=True)
        out = np.empty((len(texts), self.dim), dtype=self._vectors.dtype)
        missing = [i for i, t in enumerate(texts) if t not in self._row]
        known = [i for i in range(len(texts)) if texts[i] in self._row]
        out[known] = self._vectors[[self._row[texts[i]] for i in known]]
        if missing:
            if self._encode is None:
                raise ValueError(f"{func}: texts[{missing[0]}] = {texts[missing[0]]!r} is not in the table "
                                 "and no encode function was given")
            new = as_float_array(self._encode([texts[i] for i in missing]), "encode(texts)", func, ndim=2)
            if new.shape != (len(missing), self.dim):
                raise ValueError(f"{func}: encode returned shape {new.shape} for {len(missing)} texts, "
                                 f"expected {(len(missing), self.dim)}")
            out[missing] = new
            self.n_encoded_ += len(missing)
        return out

    def encode_queries(self, texts) -> np.ndarray:
        """q(x) = v(x): :meth:`encode` (a symmetric encoder has one function for both sides).

        Parameters
        ----------
        texts : list of str

        Returns
        -------
        ndarray, shape (n_texts, dim)

        Raises
        ------
        TypeError, ValueError
            As :meth:`encode`.

        Examples
        --------
        >>> PrecomputedEncoder(["q"], [[0.5, 0.5]]).encode_queries(["q"]).tolist()
        [[0.5, 0.5]]
        """
        return self.encode(texts)

    def encode_passages(self, texts) -> np.ndarray:
        """d(z) = v(z): :meth:`encode`, the same function as :meth:`encode_queries`.

        Parameters
        ----------
        texts : list of str

        Returns
        -------
        ndarray, shape (n_texts, dim)

        Raises
        ------
        TypeError, ValueError
            As :meth:`encode`.

        Examples
        --------
        >>> PrecomputedEncoder(["z"], [[0.0, 2.0]]).encode_passages(["z"]).tolist()
        [[0.0, 2.0]]
        """
        return self.encode(texts)


def _text_list(texts, name: str, func: str, allow_empty: bool = False) -> list:
    if isinstance(texts, (str, bytes)) or not isinstance(texts, Sequence):
        raise TypeError(f"{func}: {name} must be a list of str, got {type(texts).__name__}")
    texts = list(texts)
    if not texts and not allow_empty:
        raise ValueError(f"{func}: {name} is empty; it needs at least one text")
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"{func}: {name}[{i}] must be a str, got {type(t).__name__}")
    return texts


class RAGPipeline:
    """Chunk → embed → index → retrieve → generate, composed from the book's pieces.

    The chunks are embedded three ways and indexed: BM25
    (``bm25``, :class:`ragmath.lexical.BM25`), TF-IDF (``tfidf_``,
    :func:`ragmath.lexical.tfidf_matrix` with L2-normalised rows), both built
    on first use, and, at construction, the encoder's passage vectors d(c)
    (``dense_``, float32: the exact dense index),
    from a trained :class:`ragmath.rag.DualEncoder` or from stored vectors
    (:class:`PrecomputedEncoder`): both go through the same code.
    :meth:`add_pq` and :meth:`add_lsh` build the approximate indexes of the
    dense vectors. :meth:`chunk_scores` returns the score of every chunk for
    every query by one method (fusions by ``cap-convex`` and ``cap-rrf``);
    :meth:`passage_scores` pools them per passage (``cap-maxp``);
    :meth:`retrieve` and :meth:`answer_log_likelihood` are the last two steps.
    Nothing is computed here that a chapter module does not define.

    Parameters
    ----------
    chunks : Chunks
        The chunks returned by :func:`chunk_corpus`.
    encoder : ragmath.rag.DualEncoder or PrecomputedEncoder
        The dense retriever: any object with ``encode_queries`` and
        ``encode_passages`` (lists of str to arrays of one dimension), e.g. a
        trained dual encoder, or the stored all-MiniLM-L6-v2 vectors of the
        chunks in a :class:`PrecomputedEncoder`.
    generator : ragmath.rag.PassageNGramGenerator
        The generator that scores answers.

    Attributes
    ----------
    bm25 : ragmath.lexical.BM25
    tfidf_ : scipy.sparse.csr_matrix, shape (n_chunks, n_terms)
    dense_ : ndarray of float32, shape (n_chunks, dim)
    pq, codes, lsh, hashes
        The approximate indexes, None until :meth:`add_pq`, :meth:`add_lsh`.

    Raises
    ------
    TypeError
        When chunks is not a :class:`Chunks`.

    Examples
    --------
    >>> texts = ["the inverted index maps terms to postings", "yeast makes bread dough rise",
    ...          "dense retrieval ranks passages by dot product"]
    >>> from ragmath.rag import DualEncoder, PassageNGramGenerator
    >>> pipe = RAGPipeline(chunk_corpus(texts, size=4, overlap=1), DualEncoder(texts, dim=4),
    ...                    PassageNGramGenerator(texts))
    >>> S = pipe.chunk_scores("bm25", ["bread dough"])
    >>> S.shape, [pipe.chunks.ids[i] for i in pipe.retrieve(S[0], 2)]
    ((1, 6), ['1#0', '1#1'])
    """

    METHODS = ("bm25", "tfidf", "dense", "pq", "lsh", "hybrid", "rrf")

    def __init__(self, chunks: Chunks, encoder, generator):
        if not isinstance(chunks, Chunks):
            raise TypeError("RAGPipeline: chunks must be the Chunks returned by chunk_corpus")
        self.chunks = chunks
        self.encoder = encoder
        self.generator = generator
        self.dense_ = np.asarray(encoder.encode_passages(chunks.texts), dtype=np.float32)
        self.pq = self.codes = self.lsh = self.hashes = None
        self._pad = 0

    # The two lexical indexes are built on first use (the same ones, whenever that is): a pipeline
    # that only scores densely, e.g. one per chunking in a study of window sizes, never pays for them.
    @functools.cached_property
    def _tokens(self) -> list[list[str]]:
        return [tokenize(t) for t in self.chunks.texts]

    @functools.cached_property
    def bm25(self) -> BM25:
        return BM25().fit(self._tokens)

    @functools.cached_property
    def _tfidf(self):
        matrix, vocabulary = tfidf_matrix(self._tokens)
        weights = idf(document_frequency(self._tokens)[0], len(self._tokens))
        return _unit_sparse_rows(matrix), vocabulary, weights

    @property
    def tfidf_(self):
        return self._tfidf[0]

    # ---------------------------------------------------------------- indexes
    def add_pq(self, m, k, n_iter=10, seed=0) -> RAGPipeline:
        """Product-quantize the dense vectors, zero-padded to a multiple of m.

        A :class:`ragmath.quantization.ProductQuantizer` (codes by
        ``pq-encode``) fitted on the dense index; the padding zeros change no
        dot product.

        Parameters
        ----------
        m : int
            The number of sub-spaces.
        k : int
            The number of centroids per sub-space.
        n_iter : int, optional
            k-means iterations.
        seed : int, optional
            For k-means.

        Returns
        -------
        RAGPipeline
            self, with ``pq`` and ``codes`` set.

        Raises
        ------
        ValueError, TypeError
            As :class:`ragmath.quantization.ProductQuantizer`.

        Examples
        --------
        >>> texts = ["the inverted index maps terms", "yeast makes bread rise", "dense retrieval by dot"]
        >>> from ragmath.rag import DualEncoder, PassageNGramGenerator
        >>> pipe = RAGPipeline(chunk_corpus(texts, size=None), DualEncoder(texts, dim=4),
        ...                    PassageNGramGenerator(texts)).add_pq(m=3, k=2)
        >>> pipe.codes.shape, pipe.chunk_scores("pq", ["bread"]).shape
        ((3, 3), (1, 3))
        """
        d = self.dense_.shape[1]
        self._pad = (-d) % m
        X = np.hstack([self.dense_, np.zeros((len(self.dense_), self._pad), np.float32)])
        self.pq = ProductQuantizer(m, k, n_iter=n_iter, seed=seed).fit(X)
        self.codes = self.pq.encode(X)
        return self

    def add_lsh(self, n_bits, r, b, seed=0) -> RAGPipeline:
        """Hash the dense vectors with random hyperplanes; candidates share a band of r bits.

        A :class:`ragmath.quantization.RandomHyperplaneLSH` (bits by
        ``lsh-hyperplane-hash``); the "lsh" scores re-rank the candidates of b
        bands of r bits exactly (``cap-lsh-rerank``).

        Parameters
        ----------
        n_bits : int
            The number of hyperplanes (bits per vector), at least r·b.
        r, b : int
            Bits per band and number of bands.
        seed : int, optional
            For the hyperplanes.

        Returns
        -------
        RAGPipeline
            self, with ``lsh`` and ``hashes`` set.

        Raises
        ------
        ValueError, TypeError
            As :class:`ragmath.quantization.RandomHyperplaneLSH`.

        Examples
        --------
        >>> texts = ["the inverted index maps terms", "yeast makes bread rise", "dense retrieval by dot"]
        >>> from ragmath.rag import DualEncoder, PassageNGramGenerator
        >>> pipe = RAGPipeline(chunk_corpus(texts, size=None), DualEncoder(texts, dim=4),
        ...                    PassageNGramGenerator(texts)).add_lsh(8, r=2, b=4)
        >>> pipe.hashes.shape
        (3, 8)
        """
        self.lsh = RandomHyperplaneLSH(n_bits, self.dense_.shape[1], seed=seed)
        self.hashes = self.lsh.hash(self.dense_)
        self.lsh_r, self.lsh_b = r, b
        return self

    # ---------------------------------------------------------------- scores
    def query_vectors(self, queries: Sequence[str]) -> np.ndarray:
        """The query vectors q(x) of the pipeline's encoder, as float32.

        ``encoder.encode_queries``: :meth:`ragmath.rag.DualEncoder.encode_queries`
        (``rag-dual-encoder``) or :meth:`PrecomputedEncoder.encode_queries`,
        in the dtype of the dense index.

        Parameters
        ----------
        queries : list of str

        Returns
        -------
        ndarray of float32, shape (n_queries, dim of the index)

        Raises
        ------
        TypeError, ValueError
            As the encoder's ``encode_queries``.

        Examples
        --------
        >>> texts = ["the inverted index maps terms", "yeast makes bread rise"]
        >>> from ragmath.rag import DualEncoder, PassageNGramGenerator
        >>> pipe = RAGPipeline(chunk_corpus(texts, size=None), DualEncoder(texts, dim=4),
        ...                    PassageNGramGenerator(texts))
        >>> pipe.query_vectors(["bread"]).dtype == pipe.dense_.dtype
        True
        """
        return np.asarray(self.encoder.encode_queries(list(queries)), dtype=np.float32)

    def chunk_scores(self, method: str, queries: Sequence[str], *, alpha=0.5, rrf_k=60) -> np.ndarray:
        """The score of every chunk for every query by one retrieval method.

        "bm25" (``lex-bm25``), "tfidf" (cosine of TF-IDF vectors,
        ``lex-tfidf``), "dense" (exact dot products q(x)·d(z)), "pq"
        (``cap-pq-ip``), "lsh" (``cap-lsh-rerank``; −inf for chunks that are
        not candidates), "hybrid" (:func:`convex_fusion` of bm25 and dense
        with weight α on bm25, min-max, ``cap-convex``), "rrf"
        (:func:`reciprocal_rank_fusion` of bm25 and dense, ``cap-rrf``).

        Parameters
        ----------
        method : {"bm25", "tfidf", "dense", "pq", "lsh", "hybrid", "rrf"}
        queries : list of str
        alpha : float, optional
            The weight of BM25 in "hybrid", in [0, 1].
        rrf_k : float, optional
            The constant k ≥ 0 of "rrf".

        Returns
        -------
        ndarray, shape (n_queries, n_chunks)

        Raises
        ------
        ValueError
            On an unknown method, or a bad alpha or rrf_k.
        ragmath._validation.NotFittedError
            (a ValueError) For "pq" before :meth:`add_pq`, "lsh" before :meth:`add_lsh`.

        Examples
        --------
        >>> texts = ["the inverted index maps terms", "yeast makes bread rise"]
        >>> from ragmath.rag import DualEncoder, PassageNGramGenerator
        >>> pipe = RAGPipeline(chunk_corpus(texts, size=None), DualEncoder(texts, dim=4),
        ...                    PassageNGramGenerator(texts))
        >>> print(pipe.chunk_scores("tfidf", ["bread rise", "index"]).round(4))
        [[0.     0.7071]
         [0.4472 0.    ]]
        """
        func = "RAGPipeline.chunk_scores"
        method = check_choice(method, "method", func, self.METHODS)
        queries = list(queries)
        if method == "bm25":
            return np.vstack([self.bm25.scores(tokenize(q)) for q in queries])
        if method == "tfidf":
            matrix, vocabulary, weights = self._tfidf
            V = _unit_sparse_rows(tfidf_vectors([tokenize(q) for q in queries], vocabulary, weights))
            return (V @ matrix.T).toarray()
        if method == "dense":
            return self.query_vectors(queries) @ self.dense_.T
        if method == "pq":
            if self.pq is None:
                raise NotFittedError(f"{func}: method 'pq' needs the PQ index; call add_pq first")
            Q = self.query_vectors(queries)
            Q = np.hstack([Q, np.zeros((len(Q), self._pad), np.float32)])
            return self.pq.inner_product_scores(Q, self.codes)
        if method == "lsh":
            if self.lsh is None:
                raise NotFittedError(f"{func}: method 'lsh' needs the LSH index; call add_lsh first")
            return lsh_rerank_scores(self.query_vectors(queries), self.dense_, self.lsh, self.hashes,
                                     self.lsh_r, self.lsh_b)
        lex, den = self.chunk_scores("bm25", queries), self.chunk_scores("dense", queries)
        if method == "hybrid":
            return convex_fusion(lex, den, alpha)
        return reciprocal_rank_fusion([lex, den], k=rrf_k)

    def passage_scores(self, method: str, queries: Sequence[str], n_passages=None, **kw) -> np.ndarray:
        """:meth:`chunk_scores` pooled per passage by the maximum.

        :func:`passage_scores_from_chunks` ("MaxP", ``cap-maxp``) of the chunk
        scores, with the chunks' parents.

        Parameters
        ----------
        method, queries, **kw
            As in :meth:`chunk_scores`.
        n_passages : int, optional
            The number of passages (default: the last parent + 1).

        Returns
        -------
        ndarray, shape (n_queries, n_passages)

        Raises
        ------
        ValueError
            As :meth:`chunk_scores` and :func:`passage_scores_from_chunks`.

        Examples
        --------
        >>> texts = ["the inverted index maps terms to postings", "yeast makes bread dough rise"]
        >>> from ragmath.rag import DualEncoder, PassageNGramGenerator
        >>> pipe = RAGPipeline(chunk_corpus(texts, size=3, overlap=1), DualEncoder(texts, dim=4),
        ...                    PassageNGramGenerator(texts))
        >>> len(pipe.chunks), pipe.passage_scores("bm25", ["bread"]).shape
        (5, (1, 2))
        """
        return passage_scores_from_chunks(self.chunk_scores(method, queries, **kw), self.chunks.parent,
                                          n_passages)

    def retrieve(self, chunk_scores_row, k: int) -> np.ndarray:
        """Indices of the k best chunks of one query's scores, best first, ties by the lower index.

        The selection of the lower layer (``sim-top-k``) among the chunks
        that were retrieved at all: −inf marks a chunk an index did not
        return, and fewer than k indices come back when fewer than k chunks
        have a finite score. Ranking chunks and keeping each passage's first
        is ranking passages by MaxP (``cap-maxp-first``).

        Parameters
        ----------
        chunk_scores_row : array-like, shape (n_chunks,)
            One row of :meth:`chunk_scores`.
        k : int
            At least 1.

        Returns
        -------
        ndarray of int, shape (min(k, number of finite scores),)

        Raises
        ------
        ValueError
            When k < 1, or the scores hold nan or +inf.
        TypeError
            When k is not an integer.

        Examples
        --------
        >>> texts = ["the inverted index maps terms", "yeast makes bread rise"]
        >>> from ragmath.rag import DualEncoder, PassageNGramGenerator
        >>> pipe = RAGPipeline(chunk_corpus(texts, size=None), DualEncoder(texts, dim=4),
        ...                    PassageNGramGenerator(texts))
        >>> pipe.retrieve([0.5, 0.5], 2).tolist(), pipe.retrieve([-np.inf, 0.1], 2).tolist()
        ([0, 1], [1])
        """
        func = "RAGPipeline.retrieve"
        s = as_float_array(chunk_scores_row, "chunk_scores_row", func, ndim=1, finite=False)
        k = check_positive_int(k, "k", func)
        if np.isnan(s).any() or (s == np.inf).any():
            raise ValueError(
                f"{func}: chunk_scores_row contains nan or +inf (−inf marks a chunk not retrieved)"
            )
        retrieved = np.flatnonzero(s > -np.inf)
        if retrieved.size == 0:
            return retrieved
        return retrieved[select_top(s[retrieved][None, :], min(k, retrieved.size))[0][0]]

    def answer_log_likelihood(self, chunk_scores_row, answer: str, k: int = 4) -> float:
        """log p(y | x) over the k best chunks of one query, weighted equally.

        :func:`answer_log_likelihood` (``cap-answer-loglik``) of the chunks
        that :meth:`retrieve` returns.

        Parameters
        ----------
        chunk_scores_row : array-like, shape (n_chunks,)
            One row of :meth:`chunk_scores`.
        answer : str
            The answer y.
        k : int, optional
            How many chunks to retrieve.

        Returns
        -------
        float

        Raises
        ------
        ValueError
            When no chunk is retrieved, or as :meth:`retrieve`.

        Examples
        --------
        >>> texts = ["the inverted index maps terms", "yeast makes bread rise"]
        >>> from ragmath.rag import DualEncoder, PassageNGramGenerator
        >>> pipe = RAGPipeline(chunk_corpus(texts, size=None), DualEncoder(texts, dim=4),
        ...                    PassageNGramGenerator(texts))
        >>> print(f"{pipe.answer_log_likelihood([0.0, 1.0], 'bread', k=1):.4f}")
        -1.4459
        """
        top = self.retrieve(chunk_scores_row, k)
        if top.size == 0:
            raise ValueError("RAGPipeline.answer_log_likelihood: the index returned no chunk for this query")
        return answer_log_likelihood(self.generator, [self.chunks.texts[i] for i in top], answer)


# --------------------------------------------------------------------------- answers
_ARTICLES = frozenset({"a", "an", "the"})
# Function words a proximity reader must neither return nor count as evidence (a fixed, short list).
_READER_STOPWORDS = frozenset(
    "a an the of in on at to for by with from and or is are was were be been what which who whom "
    "whose when where why how does do did can could should would will that this these those it its "
    "as into than then there their they one two called name named".split()
)


def normalize_answer(text) -> list[str]:
    """SQuAD-style normalisation: lower-case tokens, no punctuation, no articles (``cap-normalize``).

    Lower-case the text and split it into runs of letters and digits
    (:func:`ragmath.lexical.tokenize`), then drop the articles "a", "an",
    "the". The official SQuAD script deletes punctuation ("4.61" becomes
    "461"); here punctuation separates tokens ("4" "61"), because the chunks
    are stored as tokens: both agree on every answer without punctuation
    inside it.

    Parameters
    ----------
    text : str

    Returns
    -------
    list of str

    Raises
    ------
    TypeError
        When text is not a str.

    Examples
    --------
    >>> normalize_answer("The Okapi system!"), normalize_answer("k1 + 1")
    (['okapi', 'system'], ['k1', '1'])
    """
    if not isinstance(text, str):
        raise TypeError(f"normalize_answer: text must be a str, got {type(text).__name__}")
    return [t for t in tokenize(text) if t not in _ARTICLES]


def _answer_pair(prediction, truth, func: str, names=("prediction", "truth")) -> tuple[list[str], list[str]]:
    for name, value in zip(names, (prediction, truth)):
        if not isinstance(value, str):
            raise TypeError(f"{func}: {name} must be a str, got {type(value).__name__}")
    return normalize_answer(prediction), normalize_answer(truth)


def exact_match(prediction, truth) -> float:
    """Exact match of two answers after normalisation, 1.0 or 0.0 (equation ``cap-exact-match``).

    Parameters
    ----------
    prediction, truth : str

    Returns
    -------
    float

    Raises
    ------
    TypeError
        When prediction or truth is not a str.

    Examples
    --------
    >>> exact_match("the Porter stemmer.", "Porter stemmer"), exact_match("Porter", "Porter stemmer")
    (1.0, 0.0)
    """
    p, t = _answer_pair(prediction, truth, "exact_match")
    return float(p == t)


def _bag_overlap(tokens, pool) -> int:
    """|tokens ∩ pool| of two bags: each token counted min(#tokens, #pool) times."""
    counts: dict[str, int] = {}
    for tok in pool:
        counts[tok] = counts.get(tok, 0) + 1
    overlap = 0
    for tok in tokens:
        if counts.get(tok, 0) > 0:
            counts[tok] -= 1
            overlap += 1
    return overlap


def token_f1(prediction, truth) -> float:
    """Token F1 of a predicted answer against the true one, counts with multiplicity (``cap-token-f1``).

    With the bags (multisets) of normalised tokens P and T, the overlap
    |P ∩ T| counts each token min(#P, #T) times; precision |P ∩ T|/|P|,
    recall |P ∩ T|/|T|, F1 their harmonic mean, and 0 when the overlap is
    empty. Two empty answers match (F1 = 1), as in the SQuAD script.

    Parameters
    ----------
    prediction, truth : str

    Returns
    -------
    float in [0, 1]

    Raises
    ------
    TypeError
        When prediction or truth is not a str.

    Examples
    --------
    >>> print(f"{token_f1('Porter', 'Porter stemmer'):.4f}", token_f1('BM25', 'Okapi'))
    0.6667 0.0
    """
    p, t = _answer_pair(prediction, truth, "token_f1")
    if not p or not t:
        return float(p == t)
    overlap = _bag_overlap(p, t)
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(p), overlap / len(t)
    return 2 * precision * recall / (precision + recall)


def answer_in_text(answer, text) -> bool:
    """Whether the normalised answer is a contiguous run of the normalised text (``cap-answer-contained``).

    Parameters
    ----------
    answer, text : str

    Returns
    -------
    bool
        False for an answer with no tokens.

    Raises
    ------
    TypeError
        When answer or text is not a str.

    Examples
    --------
    >>> answer_in_text("Best Match", "bm stands for best match"), answer_in_text("match best", "best match")
    (True, False)
    """
    a, t = _answer_pair(answer, text, "answer_in_text", ("answer", "text"))
    if not a or len(a) > len(t):
        return False
    return any(t[i : i + len(a)] == a for i in range(len(t) - len(a) + 1))


def answer_recall_at_k(ranked_texts, answers, k) -> np.ndarray:
    """Per question, 1.0 when the answer lies in one of its k first texts, else 0.0 (``cap-answer-recall``).

    The mean of the returned array is answer recall@k; the array itself is
    what a paired test compares.

    Parameters
    ----------
    ranked_texts : list of list of str
        Per question, the retrieved texts, best first (at least k of them).
    answers : list of str
        One answer per question.
    k : int
        At least 1.

    Returns
    -------
    ndarray of float, shape (n_questions,)

    Raises
    ------
    ValueError
        When the lists differ in length, or a question has fewer than k texts, or k < 1.

    Examples
    --------
    >>> answer_recall_at_k([["no", "yes it is 1972"], ["1972 here", "no"]], ["1972", "1972"], 1).tolist()
    [0.0, 1.0]
    """
    func = "answer_recall_at_k"
    k = check_positive_int(k, "k", func)
    if isinstance(ranked_texts, str) or isinstance(answers, str) or len(ranked_texts) != len(answers):
        raise ValueError(f"{func}: ranked_texts and answers must be lists of the same length")
    out = np.empty(len(answers))
    for i, (texts, y) in enumerate(zip(ranked_texts, answers)):
        if isinstance(texts, str) or len(texts) < k:
            raise ValueError(f"{func}: ranked_texts[{i}] must be a list of at least k = {k} texts")
        out[i] = float(any(answer_in_text(y, c) for c in texts[:k]))
    return out


def extract_answer(question, texts, max_length=4, penalty=0.0) -> tuple[str, int]:
    """A proximity reader: the span of the texts nearest the question's words (equation ``cap-reader``).

    Every span of 1 to ``max_length`` tokens that holds no question word and
    no stopword is a candidate; its score is Σ_t 1/(1 + d_t) over the
    distinct content words t of the question that occur in the same text,
    d_t the number of tokens between the span and the nearest occurrence of
    t, minus ``penalty`` per token beyond the first. The best span wins; ties
    go to the earlier text, then the earlier, then the shorter span. A
    baseline with no model of language: it extracts, so every answer it
    gives is a run of the text it cites.

    Parameters
    ----------
    question : str
    texts : list of str
        The retrieved texts, best first.
    max_length : int, optional
        The longest span, at least 1.
    penalty : float, optional
        ≥ 0, subtracted per token beyond the first.

    Returns
    -------
    (str, int)
        The answer (its tokens joined by spaces) and the index of the text it
        comes from; ("", -1) when no text holds a candidate and a question word.

    Raises
    ------
    ValueError
        When texts is empty or a str, or on a bad max_length or penalty.
    TypeError
        When question is not a str.

    Examples
    --------
    >>> extract_answer("which system first used BM25", ["bm25 was first used in the okapi system"], 1)
    ('okapi', 0)
    """
    func = "extract_answer"
    if not isinstance(question, str):
        raise TypeError(f"{func}: question must be a str, got {type(question).__name__}")
    if isinstance(texts, str) or len(texts) == 0:
        raise ValueError(f"{func}: texts must be a non-empty list of str")
    L = check_positive_int(max_length, "max_length", func)
    lam = check_positive_float(penalty, "penalty", func, allow_zero=True)
    q_words = set(tokenize(question))
    content = sorted(q_words - _READER_STOPWORDS)
    best = None  # (score, -text, -start, -length), the largest wins
    answer = ("", -1)
    for j, text in enumerate(texts):
        tokens = np.array(tokenize(text), dtype=object)
        n = tokens.size
        if n == 0:
            continue
        occurs = np.array([tokens == t for t in content], dtype=bool).reshape(len(content), n)
        occurs = occurs[occurs.any(axis=1)]
        if occurs.shape[0] == 0:
            continue
        pos = np.arange(n)
        # last occurrence at or before i, and first at or after i (±inf when none)
        left = np.maximum.accumulate(np.where(occurs, pos, -np.inf), axis=1)
        right = np.minimum.accumulate(np.where(occurs, pos, np.inf)[:, ::-1], axis=1)[:, ::-1]
        bad = np.array([t in q_words or t in _READER_STOPWORDS for t in tokens.tolist()])
        n_bad = np.concatenate([[0], np.cumsum(bad)])  # n_bad[i] = bad tokens before position i
        for a in range(1, min(L, n) + 1):
            s = np.arange(n - a + 1)
            e = s + a - 1
            fine = n_bad[s + a] == n_bad[s]  # no bad token in the span
            if not fine.any():
                continue
            d_left = np.where(s > 0, s[None, :] - 1 - left[:, np.maximum(s - 1, 0)], np.inf)
            d_right = np.where(e < n - 1, right[:, np.minimum(e + 1, n - 1)] - e[None, :] - 1, np.inf)
            score = (1.0 / (1.0 + np.minimum(d_left, d_right))).sum(axis=0) - lam * (a - 1)
            score = np.where(fine, score, -np.inf)
            i = int(np.argmax(score))
            key = (float(score[i]), -j, -i, -a)
            if best is None or key > best:
                best, answer = key, (" ".join(tokens[i : i + a].tolist()), j)
    return answer


def answer_support(answer, text) -> float:
    """The share of the answer's normalised tokens that occur in a text (equation ``cap-support``).

    A lexical proxy of attribution: 1 when every token of the answer occurs
    in the cited text, counted with multiplicity (a bag), 0 for an empty
    answer. It cannot see meaning: "not 1972" and "1972" are both supported
    by a text that says 1972.

    Parameters
    ----------
    answer, text : str

    Returns
    -------
    float in [0, 1]

    Raises
    ------
    TypeError
        When answer or text is not a str.

    Examples
    --------
    >>> answer_support("the Okapi system", "bm25 was built for okapi"), answer_support("okapi", "okapi")
    (0.5, 1.0)
    """
    a, t = _answer_pair(answer, text, "answer_support", ("answer", "text"))
    if not a:
        return 0.0
    return _bag_overlap(a, t) / len(a)


def top_k_distinct_parents(chunk_scores_row, parent, k) -> np.ndarray:
    """The k best chunks of one query with at most one chunk per passage, best first.

    De-duplication by passage: walk down the ranking of the chunks (ties by
    the lower index) and keep a chunk only when no better chunk of its
    passage was kept. The passages of the result are the k first of MaxP
    (``cap-maxp-first``).

    Parameters
    ----------
    chunk_scores_row : array-like, shape (n_chunks,)
    parent : array-like of int, shape (n_chunks,)
        The passage of every chunk.
    k : int
        At least 1.

    Returns
    -------
    ndarray of int, shape (min(k, number of passages),)

    Raises
    ------
    ValueError
        When the shapes differ or k < 1.

    Examples
    --------
    >>> top_k_distinct_parents([0.9, 0.8, 0.7, 0.1], [0, 0, 1, 2], 2).tolist()
    [0, 2]
    """
    func = "top_k_distinct_parents"
    s = as_float_array(chunk_scores_row, "chunk_scores_row", func, ndim=1, finite=False)
    P = np.asarray(parent)
    if P.shape != s.shape or P.dtype.kind not in "iu":
        raise ValueError(f"{func}: parent must be integer passage indices, one per chunk score")
    k = check_positive_int(k, "k", func)
    order = np.argsort(-s, kind="stable")
    _, first = np.unique(P[order], return_index=True)
    return order[np.sort(first)[:k]]


def mmr_select(relevance, similarity, k, lam=0.5) -> np.ndarray:
    """Maximal marginal relevance: k items picked greedily for relevance and novelty (``cap-mmr``).

    Each step adds the item c not yet chosen that maximises
    λ·rel(c) − (1 − λ)·max_{c' chosen} sim(c, c') (the first step: the most
    relevant item); ties go to the lower index. λ = 1 ranks by relevance.

    Parameters
    ----------
    relevance : array-like, shape (n,)
        The query's scores of the candidates.
    similarity : array-like, shape (n, n)
        The candidates' similarities to one another.
    k : int
        1 ≤ k ≤ n.
    lam : float, optional
        λ in [0, 1].

    Returns
    -------
    ndarray of int, shape (k,)
        Indices into the candidates, in the order chosen.

    Raises
    ------
    ValueError
        On shapes that do not match, k outside [1, n], or λ outside [0, 1].

    Examples
    --------
    >>> sim = np.array([[1.0, 0.95, 0.1], [0.95, 1.0, 0.2], [0.1, 0.2, 1.0]])
    >>> rel = [0.9, 0.85, 0.6]
    >>> mmr_select(rel, sim, 2, lam=0.5).tolist(), mmr_select(rel, sim, 2, lam=1).tolist()
    ([0, 2], [0, 1])
    """
    func = "mmr_select"
    r = as_float_array(relevance, "relevance", func, ndim=1)
    S = as_float_array(similarity, "similarity", func, ndim=2)
    if S.shape != (r.size, r.size):
        raise ValueError(f"{func}: similarity must be ({r.size}, {r.size}) for {r.size} candidates")
    k = check_positive_int(k, "k", func)
    if k > r.size:
        raise ValueError(f"{func}: k = {k} but there are {r.size} candidates")
    lam = check_interval(lam, "lam", func, 0.0, 1.0)
    chosen = [int(np.argmax(r))]
    redundancy = S[chosen[0]].copy()
    free = np.ones(r.size, bool)
    free[chosen[0]] = False
    while len(chosen) < k:
        value = np.where(free, lam * r - (1 - lam) * redundancy, -np.inf)
        c = int(np.argmax(value))
        chosen.append(c)
        free[c] = False
        redundancy = np.maximum(redundancy, S[c])
    return np.array(chosen)


def maxsim_scores(query_tokens, doc_tokens, doc_mask=None) -> np.ndarray:
    """Late interaction: Σ over query tokens of the best dot product with a document token (``cap-maxsim``).

    s(q, d) = Σ_i max_j E_q[i] · E_d[j], over the document tokens j that
    the mask keeps (ColBERT's MaxSim). Normalise the token vectors first to
    sum cosines, as ColBERT does.

    Parameters
    ----------
    query_tokens : array-like, shape (T_q, h)
    doc_tokens : array-like, shape (n_docs, T_d, h)
    doc_mask : array-like of 0/1 or bool, shape (n_docs, T_d), optional
        1 for a real token, 0 for padding; all tokens when omitted.

    Returns
    -------
    ndarray of float, shape (n_docs,)

    Raises
    ------
    ValueError
        On shapes that do not match, or a document with no token kept.

    Examples
    --------
    >>> Q = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> D = np.array([[[1.0, 0.0], [0.6, 0.8]], [[0.0, 1.0], [0.0, 0.0]]])
    >>> maxsim_scores(Q, D).tolist(), maxsim_scores(Q, D, [[1, 0], [1, 1]]).tolist()
    ([1.8, 1.0], [1.0, 1.0])
    """
    func = "maxsim_scores"
    Q = as_float_array(query_tokens, "query_tokens", func, ndim=2)
    D = as_float_array(doc_tokens, "doc_tokens", func, ndim=3)
    if D.shape[2] != Q.shape[1]:
        raise ValueError(f"{func}: doc_tokens have {D.shape[2]} dimensions but query_tokens {Q.shape[1]}")
    M = np.ones(D.shape[:2], bool) if doc_mask is None else np.asarray(doc_mask).astype(bool)
    if M.shape != D.shape[:2]:
        raise ValueError(f"{func}: doc_mask must be {D.shape[:2]}, got {M.shape}")
    if not M.any(axis=1).all():
        raise ValueError(f"{func}: doc_mask keeps no token of some document")
    sims = np.einsum("ih,njh->nij", Q, D)
    sims = np.where(M[:, None, :], sims, -np.inf)
    return sims.max(axis=2).sum(axis=1)


def ends_first_order(k) -> np.ndarray:
    """Context positions for k ranked chunks, the best at both ends (equation ``cap-ends-first``).

    Rank r = 1, 2, ..., k goes to position (r + 1)/2 when r is odd and
    k + 1 − r/2 when r is even: 1, 3, 5, ... fill the front, ..., 6, 4, 2
    the back, so the weakest chunks sit in the middle, where long-context
    models read worst (lost in the middle). Returns, position by position,
    the 0-based rank of the chunk placed there.

    Parameters
    ----------
    k : int
        At least 1.

    Returns
    -------
    ndarray of int, shape (k,)

    Raises
    ------
    ValueError
        When k < 1.

    Examples
    --------
    >>> ends_first_order(5).tolist(), ends_first_order(4).tolist()
    ([0, 2, 4, 3, 1], [0, 2, 3, 1])
    """
    k = check_positive_int(k, "k", "ends_first_order")
    r = np.arange(1, k + 1)
    position = np.where(r % 2 == 1, (r + 1) // 2, k + 1 - r // 2)  # 1-based
    order = np.empty(k, dtype=np.int64)
    order[position - 1] = r - 1
    return order
