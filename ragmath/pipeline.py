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
  (:func:`reciprocal_rank_fusion`);
- the **indexes**: inner products from PQ codes (:func:`pq_inner_product_scores`),
  LSH candidates re-ranked exactly (:func:`lsh_rerank_scores`), and the
  **memory** of each index in bytes (:func:`dense_index_bytes`,
  :func:`sparse_index_bytes`, :func:`lsh_index_bytes`);
- **latency** as measured (:func:`time_per_query`): a number for a figure,
  never printed into a notebook output that is compared;
- the **answer likelihood** over the top-k chunks (:func:`answer_log_likelihood`)
  and LSR fine-tuning of the query encoder (:func:`lsr_finetune_query_matrix`);
- :class:`RAGPipeline`, which composes chunk → embed → index → retrieve → generate.
"""

from __future__ import annotations

import numbers
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ._validation import (
    as_float_array,
    check_choice,
    check_positive_float,
    check_positive_int,
    check_same_dimension,
)
from .adaptation import lsr_distribution_from_log, retriever_kl_grad, retriever_kl_loss
from .lexical import BM25, tfidf_matrix, tfidf_vectors, tokenize
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
    "pq_inner_product_scores",
    "lsh_rerank_scores",
    "dense_index_bytes",
    "sparse_index_bytes",
    "lsh_index_bytes",
    "time_per_query",
    "answer_log_likelihood",
    "lsr_finetune_query_matrix",
    "RAGPipeline",
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
    Returns an int64 array of n starts, increasing.
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
    """The chunks of a collection (``cap-chunk-starts``): one entry per chunk, in passage order.

    ``texts`` (the chunk's tokens joined by spaces), ``parent`` (index of its
    passage), ``start`` (its first token in the passage), ``ids``
    ("p001#0", ...), and the window ``size`` and ``overlap``.
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
    """Cut every passage into overlapping windows of tokens (equation ``cap-chunk-starts``).

    Tokens are those of :func:`ragmath.lexical.tokenize`; chunk j of a passage
    holds tokens start_j, ..., start_j + w − 1 (fewer if the passage is
    shorter than w). ``size=None`` keeps each passage whole (one chunk each).
    Chunks are listed passage by passage, so the chunks of one passage are
    contiguous and ``parent`` is non-decreasing.
    """
    func = "chunk_corpus"
    if isinstance(texts, (str, bytes)) or not isinstance(texts, Sequence) or len(texts) == 0:
        raise TypeError(f"{func}: texts must be a non-empty list of str passages")
    if passage_ids is None:
        passage_ids = [str(i) for i in range(len(texts))]
    passage_ids = list(passage_ids)
    if len(passage_ids) != len(texts):
        raise ValueError(f"{func}: passage_ids has {len(passage_ids)} ids but texts has {len(texts)} passages")
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
        raise ValueError(f"{func}: parent must be non-decreasing and non-negative (chunks listed passage by passage)")
    return P.astype(np.int64)


def passage_scores_from_chunks(chunk_scores, parent, n_passages=None) -> np.ndarray:
    """The score of a passage is the best score of its chunks, "MaxP" (equation ``cap-maxp``).

    S(p) = max_{c : parent(c) = p} s(c). ``chunk_scores`` is (n_chunks,) or
    (n_queries, n_chunks) and may hold −inf (a chunk the index did not
    return); ``parent`` gives each chunk's passage, non-decreasing (as
    :func:`chunk_corpus` lists them). A passage without chunks scores −inf.
    Ranking passages by S is ranking the chunks and keeping the first chunk of
    each passage (``cap-maxp-first``).
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
    1-D (one query) or (n_queries, n_docs).
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
    """
    S = _scores(scores, "scores", "zscore_normalize")
    mu = S.mean(axis=-1, keepdims=True)
    sd = S.std(axis=-1, keepdims=True)
    safe = np.where(sd > 0, sd, 1.0)
    return np.where(sd > 0, (S - mu) / safe, 0.0)


_NORMALIZERS = {"minmax": minmax_normalize, "zscore": zscore_normalize}


def convex_fusion(lexical_scores, dense_scores, alpha, normalization="minmax") -> np.ndarray:
    """The convex combination α ŝ_lex + (1 − α) ŝ_dense of normalised scores (equation ``cap-convex``).

    Both score arrays have the same shape (one row per query); each is first
    normalised row by row (``"minmax"``, ``cap-minmax``, or ``"zscore"``,
    ``cap-zscore``). α = 1 ranks as the lexical scores, α = 0 as the dense ones.
    """
    func = "convex_fusion"
    L = _scores(lexical_scores, "lexical_scores", func)
    D = _scores(dense_scores, "dense_scores", func)
    if L.shape != D.shape:
        raise ValueError(f"{func}: lexical_scores has shape {L.shape} but dense_scores has shape {D.shape}")
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0.0 <= float(alpha) <= 1.0:
        raise ValueError(f"{func}: alpha must be a number in [0, 1], got {alpha!r}")
    norm = _NORMALIZERS[check_choice(normalization, "normalization", func, tuple(_NORMALIZERS))]
    a = float(alpha)
    return a * norm(L) + (1.0 - a) * norm(D)


def ranks_from_scores(scores) -> np.ndarray:
    """Rank of every document, 1 for the best (the r_i(d) of equation ``cap-rrf``).

    Decreasing score, ties by the lower index (the book's convention); −inf
    entries (documents a system did not return) get rank ∞, stored as 0 to mean
    "absent". 1-D or (n_queries, n_docs), int64.
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
    """Reciprocal rank fusion, RRF(d) = Σ_i 1/(k + r_i(d)) (equation ``cap-rrf``; Cormack et al. 2009).

    ``score_lists`` holds the scores of m systems, arrays of one shape
    (n_docs,) or (n_queries, n_docs); r_i(d) is the rank of d by system i
    (:func:`ranks_from_scores`). With ``depth``, each system contributes only
    for its ``depth`` best documents (a document beyond, or with score −inf,
    adds 0), as when each system returns a list of ``depth`` results. Only
    ranks are used, so RRF is invariant to any increasing transform of any
    system's scores.
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
            raise ValueError(f"{func}: score_lists[{i}] has shape {r.shape}, score_lists[0] has {total.shape}")
        keep = r > 0 if depth is None else (r > 0) & (r <= depth)
        part = np.where(keep, 1.0 / (k + np.where(keep, r, 1)), 0.0)
        total = part if total is None else total + part
    return total


# --------------------------------------------------------------------------- indexes
def pq_inner_product_scores(pq: ProductQuantizer, queries, codes) -> np.ndarray:
    """Inner products q·x̂ from PQ codes, one table per sub-space (equation ``cap-pq-ip``).

    q·x̂ = Σ_j q_j · c_{j, code_j(x)}: the m tables T_j[l] = q_j · c_{j,l} are
    computed once per query (k·d multiply-adds), then every code costs m
    look-ups and additions, as in ADC for distances (``pq-adc``). ``pq`` is a
    fitted :class:`ragmath.quantization.ProductQuantizer`, ``codes`` (n, m)
    from its ``encode``. Returns (n_queries, n) (or (n,) for a 1-D query).
    """
    func = "pq_inner_product_scores"
    if not isinstance(pq, ProductQuantizer) or pq.codebooks_ is None:
        raise TypeError(f"{func}: pq must be a fitted ProductQuantizer")
    Q = as_float_array(queries, "queries", func, ndim=(1, 2))
    if Q.shape[-1] != pq.d_:
        raise ValueError(f"{func}: queries have dimension {Q.shape[-1]} but pq was fitted on {pq.d_}")
    C = np.asarray(codes)
    if C.ndim != 2 or C.shape[1] != pq.m or C.dtype.kind not in "iu":
        raise ValueError(f"{func}: codes must be an integer array (n, m) = (n, {pq.m}), got {C.shape} {C.dtype}")
    if C.size and C.max() >= pq.k:
        raise ValueError(f"{func}: codes hold a centroid index ≥ k = {pq.k}")
    Q2 = np.atleast_2d(Q)
    books = pq.codebooks_
    sub = Q2.reshape(Q2.shape[0], pq.m, pq.dsub_)
    T = np.einsum("qjs,jls->qjl", sub, books.astype(Q2.dtype, copy=False))  # (q, m, k)
    out = np.zeros((Q2.shape[0], C.shape[0]), dtype=T.dtype)
    for j in range(pq.m):
        out += T[:, j, C[:, j]]
    return out if Q.ndim == 2 else out[0]


def lsh_rerank_scores(query_vectors, item_vectors, lsh: RandomHyperplaneLSH, item_hashes, r, b) -> np.ndarray:
    """Exact scores of the LSH candidates, −inf for the rest (equation ``cap-lsh-rerank``).

    A chunk is a candidate of a query when their hashes agree on all r bits of
    at least one of b bands (:func:`ragmath.quantization.lsh_candidates`,
    ``lsh-s-curve``); only the candidates are scored, by the exact dot product,
    the others get −inf (not retrieved). Returns (n_queries, n_items).
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


def dense_index_bytes(n, d, float_bytes=4) -> int:
    """Bytes of an exact index of n vectors of dimension d, n·d·b (equation ``cap-mem-dense``)."""
    func = "dense_index_bytes"
    return (check_positive_int(n, "n", func) * check_positive_int(d, "d", func)
            * check_positive_int(float_bytes, "float_bytes", func))


def sparse_index_bytes(nnz, n_columns, value_bytes=8, index_bytes=4, pointer_bytes=4) -> int:
    """Bytes of a compressed sparse index (an inverted index) (equation ``cap-mem-sparse``).

    nnz·(b_v + b_i) + (n_columns + 1)·b_p: one value and one row index per
    stored entry (a posting), and one pointer per column (term) plus one, as
    :mod:`scipy.sparse` stores a CSC matrix (float64 values, int32 indices).
    """
    func = "sparse_index_bytes"
    nnz = check_positive_int(nnz, "nnz", func, minimum=0)
    n_columns = check_positive_int(n_columns, "n_columns", func)
    vb = check_positive_int(value_bytes, "value_bytes", func)
    ib = check_positive_int(index_bytes, "index_bytes", func)
    pb = check_positive_int(pointer_bytes, "pointer_bytes", func)
    return nnz * (vb + ib) + (n_columns + 1) * pb


def lsh_index_bytes(n, n_bits, d, float_bytes=4, plane_bytes=8, rerank=True) -> dict:
    """Bytes of an LSH index (equation ``cap-mem-lsh``).

    "hashes": n·⌈n_bits/8⌉ (the bits packed by rows); "planes":
    n_bits·d·plane_bytes (the hyperplanes, needed to hash a query;
    :class:`ragmath.quantization.RandomHyperplaneLSH` keeps them in float64);
    "vectors": n·d·float_bytes when the candidates are re-ranked exactly
    (``rerank``), else 0; "total": the sum.
    """
    func = "lsh_index_bytes"
    n = check_positive_int(n, "n", func)
    n_bits = check_positive_int(n_bits, "n_bits", func)
    d = check_positive_int(d, "d", func)
    fb = check_positive_int(float_bytes, "float_bytes", func)
    pb = check_positive_int(plane_bytes, "plane_bytes", func)
    hashes = n * -(-n_bits // 8)
    planes = n_bits * d * pb
    vectors = n * d * fb if rerank else 0
    return {"hashes": hashes, "planes": planes, "vectors": vectors, "total": hashes + planes + vectors}


def time_per_query(search: Callable[[], object], n_queries, repeats=5) -> float:
    """Latency as measured: the median over repeats of (wall time of one batch)/n_queries (equation ``cap-latency``).

    ``search`` answers a whole batch of ``n_queries`` queries when called.
    Returns seconds per query. The value depends on the machine and its load:
    draw it in a figure, never in a printed or displayed output (a table
    included) that a notebook test compares.
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
    their scores are scaled. ``generator`` is a
    :class:`ragmath.rag.PassageNGramGenerator`.
    """
    func = "answer_log_likelihood"
    if isinstance(chunk_texts, str) or len(chunk_texts) == 0:
        raise ValueError(f"{func}: chunk_texts must be a non-empty list of str chunks")
    table = generator.token_probability_matrix(list(chunk_texts), answer)
    k = table.shape[0]
    return rag_sequence_log_likelihood(np.full(k, 1.0 / k), table)


def lsr_finetune_query_matrix(A_q, X, candidate_vectors, log_likelihoods, *, temperature=0.05,
                              steps=30, lr=3e-3):
    """Fine-tune the query matrix A_q by LM-supervised retrieval, as in chapter 9 (equations ``ada-kl-loss``, ``ada-kl-grad``).

    ``X`` (B, n_terms): the TF-IDF features φ(x) of the training questions;
    ``candidate_vectors`` (B, K, n_terms + dim): the fixed index vectors d(c)
    of each question's K candidates; ``log_likelihoods`` (B, K): the
    generator's log p(y | c ∘ x). The target is the log-likelihood LSR
    distribution at τ = 1 (``ada-lsr-log``); the loss KL(p_R ‖ p_LSR), with
    s_c = q(x)·d(c)/temperature and q(x) = [φ(x), φ(x) A_q], is minimised by
    full-batch Adam. Returns (new A_q, list of the losses before each step).
    """
    func = "lsr_finetune_query_matrix"
    A = as_float_array(A_q, "A_q", func, ndim=2)
    X = as_float_array(X, "X", func, ndim=2)
    D = as_float_array(candidate_vectors, "candidate_vectors", func, ndim=3)
    ll = as_float_array(log_likelihoods, "log_likelihoods", func, ndim=2)
    if X.shape[1] != A.shape[0] or D.shape[0] != X.shape[0] or D.shape[2] != A.shape[0] + A.shape[1]:
        raise ValueError(f"{func}: shapes do not match: A_q {A.shape}, X {X.shape}, candidate_vectors {D.shape}")
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
        p_r = np.exp(s - s.max(axis=1, keepdims=True))
        p_r /= p_r.sum(axis=1, keepdims=True)
        history.append(retriever_kl_loss(p_r, p_lsr))
        G = retriever_kl_grad(s, p_lsr)
        grad = X.T @ (np.einsum("bk,bke->be", G, D[:, :, -m:]) / tau)
        A = opt.step(A, grad)
    return A, history


# --------------------------------------------------------------------------- the pipeline
class RAGPipeline:
    """Chunk → embed → index → retrieve → generate, with the book's pieces (equations ``cap-maxp``, ``cap-convex``, ``cap-rrf``).

    Parameters
    ----------
    chunks : :class:`Chunks` from :func:`chunk_corpus`
    encoder : a trained :class:`ragmath.rag.DualEncoder` (dense retrieval)
    generator : a :class:`ragmath.rag.PassageNGramGenerator`

    At construction the chunks are embedded three ways and indexed: BM25
    (``bm25``), TF-IDF (``tfidf_``, L2-normalised rows) and the dual encoder's
    passage vectors (``dense_``, float32: the exact dense index).
    :meth:`add_pq` and :meth:`add_lsh` build the approximate indexes of the
    dense vectors. :meth:`chunk_scores` returns the score of every chunk for
    every query by one method; :meth:`passage_scores` pools them per passage
    (``cap-maxp``); :meth:`retrieve` and :meth:`answer_log_likelihood` are the
    last two steps.
    """

    METHODS = ("bm25", "tfidf", "dense", "pq", "lsh", "hybrid", "rrf")

    def __init__(self, chunks: Chunks, encoder, generator):
        if not isinstance(chunks, Chunks):
            raise TypeError("RAGPipeline: chunks must be the Chunks returned by chunk_corpus")
        self.chunks = chunks
        self.encoder = encoder
        self.generator = generator
        tokens = [tokenize(t) for t in chunks.texts]
        self.bm25 = BM25().fit(tokens)
        self._tfidf, self._vocabulary = tfidf_matrix(tokens)
        n_docs = len(tokens)
        df = np.diff(self._tfidf.tocsc().indptr)
        self._idf = np.log(n_docs / np.maximum(df, 1))
        norms = np.sqrt(np.asarray(self._tfidf.multiply(self._tfidf).sum(axis=1))).ravel()
        self.tfidf_ = self._tfidf.multiply(1.0 / np.where(norms > 0, norms, 1.0)[:, None]).tocsr()
        self.dense_ = np.asarray(encoder.encode_passages(chunks.texts), dtype=np.float32)
        self.pq = self.codes = self.lsh = self.hashes = None
        self._pad = 0

    # ---------------------------------------------------------------- indexes
    def add_pq(self, m, k, n_iter=10, seed=0) -> RAGPipeline:
        """Product-quantize the dense vectors (``pq-encode``), zero-padded to a multiple of m (padding changes no dot product)."""
        d = self.dense_.shape[1]
        self._pad = (-d) % m
        X = np.hstack([self.dense_, np.zeros((len(self.dense_), self._pad), np.float32)])
        self.pq = ProductQuantizer(m, k, n_iter=n_iter, seed=seed).fit(X)
        self.codes = self.pq.encode(X)
        return self

    def add_lsh(self, n_bits, r, b, seed=0) -> RAGPipeline:
        """Hash the dense vectors with random hyperplanes (``lsh-hyperplane-hash``); candidates share a band of r bits."""
        self.lsh = RandomHyperplaneLSH(n_bits, self.dense_.shape[1], seed=seed)
        self.hashes = self.lsh.hash(self.dense_)
        self.lsh_r, self.lsh_b = r, b
        return self

    # ---------------------------------------------------------------- scores
    def query_vectors(self, queries: Sequence[str]) -> np.ndarray:
        """q(x) of the dual encoder (``rag-dual-encoder``), float32."""
        return np.asarray(self.encoder.encode_queries(list(queries)), dtype=np.float32)

    def chunk_scores(self, method: str, queries: Sequence[str], *, alpha=0.5, rrf_k=60) -> np.ndarray:
        """Score of every chunk for every query, (n_queries, n_chunks) (``cap-convex``, ``cap-rrf``).

        "bm25" (``lex-bm25``), "tfidf" (cosine of TF-IDF vectors), "dense"
        (exact dot products q(x)·d(z)), "pq" (``cap-pq-ip``), "lsh"
        (``cap-lsh-rerank``; −inf for chunks that are not candidates),
        "hybrid" (:func:`convex_fusion` of bm25 and dense with weight α on
        bm25, min-max), "rrf" (:func:`reciprocal_rank_fusion` of bm25 and dense).
        """
        func = "RAGPipeline.chunk_scores"
        method = check_choice(method, "method", func, self.METHODS)
        queries = list(queries)
        if method == "bm25":
            return np.vstack([self.bm25.scores(tokenize(q)) for q in queries])
        if method == "tfidf":
            V = tfidf_vectors([tokenize(q) for q in queries], self._vocabulary, self._idf)
            n = np.sqrt(np.asarray(V.multiply(V).sum(axis=1))).ravel()
            V = V.multiply(1.0 / np.where(n > 0, n, 1.0)[:, None]).tocsr()
            return (V @ self.tfidf_.T).toarray()
        if method == "dense":
            return self.query_vectors(queries) @ self.dense_.T
        if method == "pq":
            if self.pq is None:
                raise ValueError(f"{func}: call add_pq first")
            Q = self.query_vectors(queries)
            Q = np.hstack([Q, np.zeros((len(Q), self._pad), np.float32)])
            return pq_inner_product_scores(self.pq, Q, self.codes)
        if method == "lsh":
            if self.lsh is None:
                raise ValueError(f"{func}: call add_lsh first")
            return lsh_rerank_scores(self.query_vectors(queries), self.dense_, self.lsh, self.hashes,
                                     self.lsh_r, self.lsh_b)
        lex, den = self.chunk_scores("bm25", queries), self.chunk_scores("dense", queries)
        if method == "hybrid":
            return convex_fusion(lex, den, alpha)
        return reciprocal_rank_fusion([lex, den], k=rrf_k)

    def passage_scores(self, method: str, queries: Sequence[str], n_passages=None, **kw) -> np.ndarray:
        """:meth:`chunk_scores` pooled per passage by the maximum (``cap-maxp``)."""
        return passage_scores_from_chunks(self.chunk_scores(method, queries, **kw), self.chunks.parent,
                                          n_passages)

    def retrieve(self, chunk_scores_row, k: int) -> np.ndarray:
        """Indices of the k best chunks of one query's scores, best first, ties by the lower index (``cap-maxp``)."""
        s = as_float_array(chunk_scores_row, "chunk_scores_row", "RAGPipeline.retrieve", ndim=1, finite=False)
        k = check_positive_int(k, "k", "RAGPipeline.retrieve")
        order = np.argsort(-s, kind="stable")[:k]
        return order[np.isfinite(s[order])]

    def answer_log_likelihood(self, chunk_scores_row, answer: str, k: int = 4) -> float:
        """log p(y | x) over the k best chunks, weighted equally (``cap-answer-loglik``)."""
        top = self.retrieve(chunk_scores_row, k)
        if top.size == 0:
            raise ValueError("RAGPipeline.answer_log_likelihood: the index returned no chunk for this query")
        return answer_log_likelihood(self.generator, [self.chunks.texts[i] for i in top], answer)
