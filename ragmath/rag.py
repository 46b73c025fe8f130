"""The probabilistic RAG model (chapter 8, "The RAG model: retriever and generator").

Every function cites the label of the equation it implements in
``book/08-rag-model.md``; the chapter checks each one numerically.

The model of Lewis et al. (2020) has two parts:

- a **retriever** p_η(z | x): a softmax of the dot products d(z)·q(x) of a
  dual encoder (Karpukhin et al. 2020) over the top-k passages
  (:func:`retrieval_distribution`, :func:`truncated_mass`), trained with the
  in-batch contrastive loss (:func:`in_batch_contrastive_loss`,
  :class:`DualEncoder`);
- a **generator** p_θ(y_i | x, z, y_<i) (here the small, fully explicit
  :class:`PassageNGramGenerator`), combined with the retriever by one of two
  marginalisations: RAG-Sequence (:func:`rag_sequence_likelihood`) or
  RAG-Token (:func:`rag_token_likelihood`).

:func:`document_distribution` and :func:`rag_marginals` gather these numbers
for the chapter's figures (:mod:`ragmath.viz.rag` only draws them).

Shapes: ``doc_probs`` is a probability vector (n_docs,); ``token_probs`` is
(n_docs, n_tokens), entry (z, i) = p(y_i | x, z, y_<i). The softmax, the
log-sum-exp and the top-k selection are those of the package's lower layer
(:mod:`ragmath._core`); the tokens and the TF-IDF features are those of
:mod:`ragmath.lexical`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from ._core import log_softmax, log_sum_exp, select_top, softmax
from ._validation import (
    as_float_array,
    check_positive_float,
    check_positive_int,
    check_probability_vectors,
    check_random_state,
    check_same_dimension,
    first_bad_index,
)
from .lexical import document_frequency, idf, tfidf_vectors, tokenize
from .optim import Adam

__all__ = [
    "retrieval_distribution",
    "truncated_mass",
    "document_distribution",
    "sequence_log_likelihood",
    "rag_sequence_likelihood",
    "rag_token_likelihood",
    "rag_sequence_log_likelihood",
    "rag_token_log_likelihood",
    "rag_marginals",
    "in_batch_contrastive_loss",
    "in_batch_loss_lower_bound",
    "contrastive_loss_curve",
    "in_batch_false_negatives",
    "masked_in_batch_contrastive_loss",
    "rag_marginal_nll",
    "rag_token_decode",
    "rag_sequence_decode",
    "fid_cross_attention",
    "query_overlap",
    "DualEncoder",
    "PassageNGramGenerator",
]


# --------------------------------------------------------------------------- helpers
def _check_temperature(temperature, func: str) -> float:
    return check_positive_float(temperature, "temperature", func)


def _dot_scores(query, docs, func: str) -> np.ndarray:
    """d(z)·q(x) for every row of docs, validated; overflow is an error."""
    q = as_float_array(query, "query", func, ndim=1)
    D = as_float_array(docs, "docs", func, ndim=2)
    check_same_dimension(q, D, ("query", "docs"), func)
    dtype = np.result_type(q.dtype, D.dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        scores = D.astype(dtype, copy=False) @ q.astype(dtype, copy=False)
    if not np.isfinite(scores).all():
        raise ValueError(f"{func}: the dot products d(z)·q(x) overflow; scale query and docs down")
    return scores


def _check_k(k, n_docs: int, func: str) -> int:
    if k is None:
        return n_docs
    k = check_positive_int(k, "k", func)
    if k > n_docs:
        raise ValueError(f"{func}: k = {k} is larger than the number of documents ({n_docs})")
    return k


def _scaled(scores: np.ndarray, tau: float, func: str) -> np.ndarray:
    """scores / τ, or a ValueError when the division overflows."""
    with np.errstate(over="ignore"):
        z = scores / tau
    if not np.isfinite(z).all():
        raise ValueError(f"{func}: the scores divided by temperature overflow; use a larger temperature")
    return z


def _best_first(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest scores, best first, ties by the lower index."""
    return select_top(scores[None, :], k)[0][0]


def _retriever(scores: np.ndarray, k: int, tau: float, func: str) -> tuple[np.ndarray, np.ndarray]:
    idx = _best_first(scores, k)
    return idx, np.exp(log_softmax(_scaled(scores[idx], tau, func)))


def _dropped(scores: np.ndarray, k: int, tau: float, func: str) -> float:
    z = _scaled(scores, tau, func)
    rest = np.ones(len(z), dtype=bool)
    rest[_best_first(scores, k)] = False
    return float(np.exp(log_softmax(z)[rest]).sum()) if rest.any() else 0.0


# --------------------------------------------------------------------------- retriever
def retrieval_distribution(query, docs, k=None, temperature=1.0):
    """The retriever p_η(z | x) on the top-k (``rag-retriever``, ``rag-temperature``, ``ada-retriever``).

    p_η(z | x) = exp(d(z)·q(x)/τ) / Σ_{z' ∈ top-k} exp(d(z')·q(x)/τ) for the k
    documents with the largest dot product d(z)·q(x) (all documents when k is
    None), and 0 for the others. Computed stably, by the shifted log-softmax.
    Chapter 9 recalls it as ``ada-retriever``.

    Parameters
    ----------
    query : array-like, shape (d,)
        The query embedding q(x).
    docs : array-like, shape (n_docs, d)
        The document embeddings d(z), one per row.
    k : int or None, optional
        How many documents keep probability (1 ≤ k ≤ n_docs); None keeps all.
    temperature : float, optional
        τ > 0; τ → 0 concentrates all mass on the best document, τ → ∞
        spreads it evenly over the k documents.

    Returns
    -------
    indices : ndarray of int, shape (k,)
        The k document indices, best first (ties by the lower index).
    probs : ndarray, shape (k,)
        Their probabilities, which sum to 1.

    Raises
    ------
    ValueError
        On shapes that do not match, nan or inf, k out of range, a
        non-positive temperature, or scores that overflow.
    TypeError
        When k is not an integer or an input is not numeric.

    Examples
    --------
    >>> idx, p = retrieval_distribution([1.0, 0.0], [[0.0, 1.0], [2.0, 0.0], [1.0, 5.0]], k=2)
    >>> idx.tolist(), [round(float(v), 4) for v in p]
    ([1, 2], [0.7311, 0.2689])
    """
    func = "retrieval_distribution"
    scores = _dot_scores(query, docs, func)
    k = _check_k(k, scores.shape[0], func)
    tau = _check_temperature(temperature, func)
    return _retriever(scores, k, tau, func)


def truncated_mass(query, docs, k, temperature=1.0) -> float:
    """The mass that truncating to the top-k drops (equation ``rag-dropped-mass``).

    δ_k = Σ_{z ∉ top-k} p_all(z | x), where p_all is the softmax of
    d(z)·q(x)/τ over *all* documents. It is 0 when k = n_docs and decreases as
    k grows; the top-k distribution is p_all conditioned on the top-k,
    p_all / (1 − δ_k) there (``rag-renormalise``).

    Parameters
    ----------
    query : array-like, shape (d,)
        The query embedding q(x).
    docs : array-like, shape (n_docs, d)
        The document embeddings d(z).
    k : int
        The number of documents kept, 1 ≤ k ≤ n_docs.
    temperature : float, optional
        τ > 0.

    Returns
    -------
    float
        δ_k, in [0, 1).

    Raises
    ------
    ValueError, TypeError
        As :func:`retrieval_distribution`.

    Examples
    --------
    >>> print(f"{truncated_mass([1.0], [[2.0], [1.0], [0.0]], k=2):.4f}")
    0.0900
    """
    func = "truncated_mass"
    scores = _dot_scores(query, docs, func)
    k = _check_k(k, scores.shape[0], func)
    tau = _check_temperature(temperature, func)
    return _dropped(scores, k, tau, func)


def document_distribution(query, docs, k=None, temperature=1.0) -> dict:
    """The retriever's distribution over all documents and over the top-k, side by side.

    What the chapter's figure of p(z | x) draws: the softmax of d(z)·q(x)/τ
    over every document (``rag-retriever`` with k = n_docs), the same
    renormalised over the top-k (``rag-retriever``), and the mass δ_k that the
    truncation drops (``rag-dropped-mass``). The dot products are computed
    once, so a large ``docs`` matrix is read once.

    Parameters
    ----------
    query, docs, k, temperature
        As in :func:`retrieval_distribution`.

    Returns
    -------
    dict
        "order": every document index, best first (ties by the lower index);
        "full": the softmax over all documents, in that order; "truncated":
        p over the top-k in that order, 0 beyond (length n_docs); "dropped":
        δ_k, a float.

    Raises
    ------
    ValueError, TypeError
        As :func:`retrieval_distribution`.

    Examples
    --------
    >>> d = document_distribution([1.0], [[0.0], [2.0], [1.0]], k=2)
    >>> d["order"].tolist(), [round(float(v), 4) for v in d["truncated"]]
    ([1, 2, 0], [0.7311, 0.2689, 0.0])
    >>> print(f"{d['dropped']:.4f}")
    0.0900
    """
    func = "document_distribution"
    scores = _dot_scores(query, docs, func)
    n_docs = scores.shape[0]
    k = _check_k(k, n_docs, func)
    tau = _check_temperature(temperature, func)
    order, full = _retriever(scores, n_docs, tau, func)
    idx, probs = _retriever(scores, k, tau, func)
    truncated = np.zeros(n_docs)
    truncated[: len(idx)] = probs
    return {"order": order, "full": full, "truncated": truncated, "dropped": _dropped(scores, k, tau, func)}


# --------------------------------------------------------------------------- likelihoods
def _token_probs(token_probs, func: str, ndim=(1, 2)) -> np.ndarray:
    P = as_float_array(token_probs, "token_probs", func, ndim=ndim)
    if ((P < 0) | (P > 1)).any():
        bad = first_bad_index((P < 0) | (P > 1))
        where = f" (at row {bad[0]}, column {bad[1]})" if P.ndim == 2 else f" (at index {bad[0]})"
        raise ValueError(f"{func}: token_probs must lie in [0, 1]{where}; they are probabilities")
    return P


def sequence_log_likelihood(token_probs):
    """log p_θ(y | x, z) = Σ_i log p_θ(y_i | x, z, y_<i) (equations ``rag-seq-loglik``, ``info-seq-loglik``).

    Summing logarithms avoids the underflow of the product of many small
    probabilities. Without x and z it is the chain rule of chapter 3
    (``info-seq-loglik``), which chapter 3 computes with this function.

    Parameters
    ----------
    token_probs : array-like, shape (n_tokens,) or (n_docs, n_tokens)
        The probabilities of the tokens of one sequence, in [0, 1]; 2-D gives
        one sequence per row (one per document).

    Returns
    -------
    float or ndarray, shape (n_docs,)
        The log-likelihood (of every row). A token of probability 0 gives
        −inf (the sequence is impossible).

    Raises
    ------
    ValueError
        When a probability lies outside [0, 1], or on nan, inf or a wrong shape.

    Examples
    --------
    >>> print(f"{sequence_log_likelihood([0.5, 0.25]):.4f}")
    -2.0794
    """
    func = "sequence_log_likelihood"
    P = _token_probs(token_probs, func)
    with np.errstate(divide="ignore"):
        out = np.log(P).sum(axis=-1)
    return float(out) if P.ndim == 1 else out


def _doc_and_tokens(doc_probs, token_probs, func: str) -> tuple[np.ndarray, np.ndarray]:
    p = check_probability_vectors(doc_probs, "doc_probs", func)
    if p.ndim != 1:
        raise ValueError(f"{func}: doc_probs must be 1-D, got a {p.ndim}-D array of shape {p.shape}")
    P = _token_probs(token_probs, func, ndim=2)
    if P.shape[0] != p.shape[0]:
        raise ValueError(
            f"{func}: token_probs has {P.shape[0]} rows but doc_probs has {p.shape[0]} "
            f"documents; token_probs must have one row per document"
        )
    return p, P


def _sequence_log(doc_probs, token_probs, func: str) -> float:
    p, P = _doc_and_tokens(doc_probs, token_probs, func)
    with np.errstate(divide="ignore"):
        terms = np.log(p) + np.log(P).sum(axis=1)
    return float(log_sum_exp(terms))


def rag_sequence_log_likelihood(doc_probs, token_probs) -> float:
    """log p_RAG-Sequence(y | x), by log-sum-exp over the documents.

    log Σ_z exp(log p(z|x) + Σ_i log p(y_i|x,z,y_<i)), the logarithm of
    ``rag-sequence``: exact even when every product underflows to 0 in
    floating point.
    Parameters
    ----------
    doc_probs : array-like, shape (n_docs,)
        The retriever's p_η(z | x), a probability vector.
    token_probs : array-like, shape (n_docs, n_tokens)
        Entry (z, i) is p_θ(y_i | x, z, y_<i), in [0, 1].
    Returns
    -------
    float
        The log-likelihood, −inf when y is impossible under every document.
    Raises
    ------
    ValueError
        When doc_probs is not a 1-D probability vector, or token_probs is not
        2-D with one row per document, or holds values outside [0, 1].
    Examples
    --------
    >>> print(f"{rag_sequence_log_likelihood([0.5, 0.5], [[0.9, 0.9], [0.1, 0.1]]):.4f}")
    -0.8916
    """
    return _sequence_log(doc_probs, token_probs, "rag_sequence_log_likelihood")


def rag_sequence_likelihood(doc_probs, token_probs) -> float:
    """RAG-Sequence: p(y | x) = Σ_z p_η(z | x) Π_i p_θ(y_i | x, z, y_<i) (equation ``rag-sequence``).

    One document generates the whole sequence; the documents are marginalised
    once, at the end. Computed in log space
    (:func:`rag_sequence_log_likelihood`) and exponentiated.
    Parameters
    ----------
    doc_probs : array-like, shape (n_docs,)
        The retriever's p_η(z | x), a probability vector.
    token_probs : array-like, shape (n_docs, n_tokens)
        Entry (z, i) is p_θ(y_i | x, z, y_<i), in [0, 1].
    Returns
    -------
    float
        The likelihood (it may underflow to 0 for long sequences; use the log).
    Raises
    ------
    ValueError
        When doc_probs is not a 1-D probability vector, or token_probs is not
        2-D with one row per document, or holds values outside [0, 1].
    Examples
    --------
    >>> print(f"{rag_sequence_likelihood([0.5, 0.5], [[0.9, 0.9], [0.1, 0.1]]):.4f}")
    0.4100
    """
    return math.exp(_sequence_log(doc_probs, token_probs, "rag_sequence_likelihood"))


def _token_log(doc_probs, token_probs, func: str) -> float:
    p, P = _doc_and_tokens(doc_probs, token_probs, func)
    mixture = p @ P  # (n_tokens,): p(y_i | x, y_<i), a mixture per token
    with np.errstate(divide="ignore"):
        return float(np.log(mixture).sum())


def rag_token_log_likelihood(doc_probs, token_probs) -> float:
    """log p_RAG-Token(y | x) = Σ_i log Σ_z p(z|x) p(y_i|x,z,y_<i).

    The logarithm of ``rag-token``, a sum of logarithms of the per-token
    mixtures, so that it does not underflow for long sequences.
    Parameters
    ----------
    doc_probs : array-like, shape (n_docs,)
        The retriever's p_η(z | x), a probability vector.
    token_probs : array-like, shape (n_docs, n_tokens)
        Entry (z, i) is p_θ(y_i | x, z, y_<i), in [0, 1].
    Returns
    -------
    float
        The log-likelihood.
    Raises
    ------
    ValueError
        When doc_probs is not a 1-D probability vector, or token_probs is not
        2-D with one row per document, or holds values outside [0, 1].
    Examples
    --------
    >>> print(f"{rag_token_log_likelihood([0.5, 0.5], [[0.9, 0.9], [0.1, 0.1]]):.4f}")
    -1.3863
    """
    return _token_log(doc_probs, token_probs, "rag_token_log_likelihood")


def rag_token_likelihood(doc_probs, token_probs) -> float:
    """RAG-Token: p(y | x) = Π_i Σ_z p_η(z | x) p_θ(y_i | x, z, y_<i) (equation ``rag-token``).

    Every token may come from another document: the documents are
    marginalised at every position. Computed as the exponential of
    :func:`rag_token_log_likelihood`.
    Parameters
    ----------
    doc_probs : array-like, shape (n_docs,)
        The retriever's p_η(z | x), a probability vector.
    token_probs : array-like, shape (n_docs, n_tokens)
        Entry (z, i) is p_θ(y_i | x, z, y_<i), in [0, 1].
    Returns
    -------
    float
        The likelihood.
    Raises
    ------
    ValueError
        When doc_probs is not a 1-D probability vector, or token_probs is not
        2-D with one row per document, or holds values outside [0, 1].
    Examples
    --------
    >>> print(f"{rag_token_likelihood([0.5, 0.5], [[0.9, 0.9], [0.1, 0.1]]):.4f}")
    0.2500
    """
    return math.exp(_token_log(doc_probs, token_probs, "rag_token_likelihood"))


def rag_marginals(doc_scores, token_probs, temperature: float = 1.0) -> dict:
    """The retriever's p(z | x) from scores, and both marginal log-likelihoods.

    p(z | x) = softmax(scores/τ) over the given documents (``rag-retriever``
    with their scores as given), the RAG-Token mixture of every token
    Σ_z p(z|x) p(y_i|x,z,y_<i), and the logarithms of the RAG-Sequence
    (``rag-sequence``) and RAG-Token (``rag-token``) likelihoods: the numbers
    of the chapter's figure comparing the two marginalisations.

    Parameters
    ----------
    doc_scores : array-like, shape (n_docs,)
        The retrieval scores d(z)·q(x) of the documents.
    token_probs : array-like, shape (n_docs, n_tokens)
        Entry (z, i) is p_θ(y_i | x, z, y_<i), in [0, 1].
    temperature : float, optional
        τ > 0.

    Returns
    -------
    dict
        "doc_probs" (n_docs,), "token_mixture" (n_tokens,), "log_sequence"
        and "log_token" (floats).

    Raises
    ------
    ValueError
        On shapes that do not match (one row of token_probs per score), nan
        or inf, a non-positive temperature, or scores/τ that overflow.

    Examples
    --------
    >>> m = rag_marginals([0.0, 0.0], [[0.9, 0.9], [0.1, 0.1]])
    >>> m["doc_probs"].tolist(), round(m["log_sequence"], 4), round(m["log_token"], 4)
    ([0.5, 0.5], -0.8916, -1.3863)
    """
    func = "rag_marginals"
    s = as_float_array(doc_scores, "doc_scores", func, ndim=1)
    P = as_float_array(token_probs, "token_probs", func, ndim=2)
    tau = _check_temperature(temperature, func)
    if P.shape[0] != s.shape[0]:
        raise ValueError(
            f"{func}: token_probs has {P.shape[0]} rows but doc_scores has {s.shape[0]} documents"
        )
    p = softmax(_scaled(s, tau, func))
    return {
        "doc_probs": p,
        "token_mixture": p @ P,
        "log_sequence": rag_sequence_log_likelihood(p, P),
        "log_token": rag_token_log_likelihood(p, P),
    }


# --------------------------------------------------------------------------- training
def _scaled_scores(Q: np.ndarray, P: np.ndarray, tau: float, func: str) -> np.ndarray:
    """S = Q Pᵀ / τ, or a ValueError when it overflows."""
    with np.errstate(over="ignore", invalid="ignore"):
        S = (Q @ P.T) / tau
    if not np.isfinite(S).all():
        raise ValueError(f"{func}: the scores Q Pᵀ / temperature overflow; scale Q and P down")
    return S


def _in_batch_loss(S: np.ndarray):
    """The loss of scores S with the positives on the diagonal, and G = ∂L/∂S.

    L = (1/B) Σ_i [log Σ_j exp(S_ij) − S_ii] (``rag-contrastive``) and
    G = (softmax(S) − [I 0]) / B, row by row (``rag-contrastive-grad-s``). A score
    of −∞ (an entry left out by a mask) gets probability 0 and gradient 0.
    """
    rows = np.arange(S.shape[0])
    log_p = log_softmax(S, axis=-1)
    G = np.exp(log_p)
    G[rows, rows] -= 1.0
    G /= S.shape[0]
    return float(-log_p[rows, rows].mean()), G


def in_batch_contrastive_loss(Q, P, temperature=1.0):
    """DPR's in-batch loss and its gradients (equations ``rag-contrastive``, ``rag-contrastive-grad``).

    S = Q Pᵀ / τ; row i of P is the positive passage of query i (the
    diagonal), every other row of P a negative. P may have more rows than Q
    (extra passages are negatives for every query, as DPR's hard negatives).

    L = (1/B) Σ_i [ log Σ_j exp(S_ij) − S_ii ]   (mean over the B queries)

    ∂L/∂S = (softmax(S) − [I 0]) / B, row by row (``rag-contrastive-grad-s``), so
    ∂L/∂Q = (∂L/∂S) P / τ and ∂L/∂P = (∂L/∂S)ᵀ Q / τ.

    Parameters
    ----------
    Q : array-like, shape (B, d)
        The query embeddings q(x_i).
    P : array-like, shape (n_passages, d), n_passages ≥ B
        The passage embeddings; row i is the positive of query i.
    temperature : float, optional
        τ > 0.

    Returns
    -------
    loss : float
        L, computed by the shifted log-softmax (accurate also when it is tiny).
    grad_Q : ndarray, shape (B, d)
        ∂L/∂Q.
    grad_P : ndarray, shape (n_passages, d)
        ∂L/∂P.

    Raises
    ------
    ValueError
        On dimensions that do not match, P with fewer rows than Q, nan or
        inf, a non-positive temperature, or scores that overflow.

    Examples
    --------
    >>> loss, gQ, gP = in_batch_contrastive_loss([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]])
    >>> print(f"{loss:.4f}", gQ.shape, gP.shape)
    0.3133 (2, 2) (2, 2)
    """
    func = "in_batch_contrastive_loss"
    Q = as_float_array(Q, "Q", func, ndim=2)
    P = as_float_array(P, "P", func, ndim=2)
    check_same_dimension(Q, P, ("Q", "P"), func)
    B = Q.shape[0]
    if P.shape[0] < B:
        raise ValueError(
            f"{func}: P has {P.shape[0]} rows but Q has {B}; P needs at least one row "
            f"(the positive passage) per query"
        )
    tau = _check_temperature(temperature, func)
    dtype = np.result_type(Q.dtype, P.dtype)
    Q = Q.astype(dtype, copy=False)
    P = P.astype(dtype, copy=False)
    loss, G = _in_batch_loss(_scaled_scores(Q, P, tau, func))
    grad_Q = (G @ P) / tau
    grad_P = (G.T @ Q) / tau
    return loss, grad_Q.astype(dtype, copy=False), grad_P.astype(dtype, copy=False)


def in_batch_loss_lower_bound(batch_size, scale):
    """The least in-batch loss of unit vectors at scale s, log(1 + (B − 1)e^{−2s}) (``rag-scale-bound``).

    With unit rows the scores are S_ij = s cos(q_i, p_j) and every cosine lies
    in [−1, 1], so S_ij − S_ii ≥ −2s and each term of ``rag-contrastive``,
    log(1 + Σ_{j≠i} exp(S_ij − S_ii)), is at least log(1 + (B − 1) e^{−2s}).
    The bound is log B at s = 0 and falls to 0 as s grows; it is attained for
    B ≤ 2 (q_1 = p_1 = −q_2 = −p_2), never for B ≥ 3 at s > 0.

    Parameters
    ----------
    batch_size : int
        B ≥ 1, the number of passages each query is scored against (its
        positive and B − 1 negatives; the number of rows of P).
    scale : float or array-like of float
        s ≥ 0, the factor the cosines are multiplied by (s = 1/τ).

    Returns
    -------
    float or ndarray
        The bound, of the shape of ``scale``; computed as log1p, accurate also
        when it is tiny.

    Raises
    ------
    TypeError
        When batch_size is not an integer or scale is not numeric.
    ValueError
        When batch_size < 1, or a scale is negative, nan or inf.

    Examples
    --------
    >>> print(f"{in_batch_loss_lower_bound(16, 1.0):.4f}")
    1.1086
    >>> print(in_batch_loss_lower_bound(2, [0.0, 20.0]).round(4))
    [0.6931 0.    ]
    """
    func = "in_batch_loss_lower_bound"
    B = check_positive_int(batch_size, "batch_size", func)
    s = as_float_array(scale, "scale", func, ndim=(0, 1))
    if (s < 0).any():
        raise ValueError(f"{func}: scale must be non-negative (s = 1/τ), got {s[s < 0].flat[0]}")
    out = np.log1p((B - 1) * np.exp(-2.0 * s.astype(np.float64)))
    return float(out) if out.ndim == 0 else out


def contrastive_loss_curve(Q, P, scales):
    """The in-batch loss of the cosines of Q and P at every scale s (equation ``rag-cosine-loss``).

    L_s = (1/B) Σ_i [ log Σ_j exp(s c_ij) − s c_ii ], with c_ij the cosine of
    row i of Q and row j of P: the loss of :func:`in_batch_contrastive_loss`
    on the normalised rows at τ = 1/s (``rag-contrastive``), the
    MultipleNegativesRankingLoss of sentence-transformers, whose default scale
    is s = 20. The cosines are computed once and every scale is evaluated at
    once, by the shifted log-softmax. Every value is at least
    :func:`in_batch_loss_lower_bound` with B = n_passages (uses
    ``rag-scale-bound``); it tends to log n_passages as s → 0.

    Parameters
    ----------
    Q : array-like, shape (B, d)
        The query embeddings; row i's positive is row i of P.
    P : array-like, shape (n_passages, d), n_passages ≥ B
        The passage embeddings.
    scales : array-like of float, shape (n_scales,)
        The scales s > 0.

    Returns
    -------
    ndarray, shape (n_scales,)
        The loss at each scale.

    Raises
    ------
    ValueError
        When a row of Q or P is zero (it has no direction), P has fewer rows
        than Q, the dimensions differ, a scale is not positive, or on nan/inf.

    Examples
    --------
    >>> curve = contrastive_loss_curve([[2.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 3.0]], [1.0, 20.0])
    >>> print(curve.round(4))
    [0.3133 0.    ]
    """
    func = "contrastive_loss_curve"
    Q = as_float_array(Q, "Q", func, ndim=2).astype(np.float64)
    P = as_float_array(P, "P", func, ndim=2).astype(np.float64)
    check_same_dimension(Q, P, ("Q", "P"), func)
    B = Q.shape[0]
    if P.shape[0] < B:
        raise ValueError(f"{func}: P has {P.shape[0]} rows but Q has {B}; "
                         f"P needs the positive of every query")
    s = as_float_array(scales, "scales", func, ndim=1)
    if (s <= 0).any():
        raise ValueError(f"{func}: scales must be positive, got {s[s <= 0][0]}")
    unit = []
    for name, X in (("Q", Q), ("P", P)):
        norms = np.linalg.norm(X, axis=1)
        if (norms == 0).any():
            raise ValueError(f"{func}: row {int(np.flatnonzero(norms == 0)[0])} of {name} is zero; "
                             f"a cosine needs a non-zero vector")
        unit.append(X / norms[:, None])
    C = np.clip(unit[0] @ unit[1].T, -1.0, 1.0)  # (B, n_passages) cosines: |s c| ≤ s, never inf
    log_p = log_softmax(s.astype(np.float64)[:, None, None] * C[None], axis=-1)
    rows = np.arange(B)
    return -log_p[:, rows, rows].mean(axis=1)


def in_batch_false_negatives(positive_ids, query_ids=None) -> np.ndarray:
    """The in-batch negatives that are in fact positives: the mask M of the masked in-batch loss.

    Entry (i, j), i ≠ j, is True when passage j of the batch is also a
    positive of query i (the M of ``rag-contrastive-masked``), that is when
    some pair l of the batch has the query of pair i and the passage of pair
    j (``query_ids[l] == query_ids[i]`` and ``positive_ids[l] ==
    positive_ids[j]``). This covers pairs i and j with the same positive
    passage (l = i), the same query (l = j, a duplicate question with two
    positives), and a query repeated in pair l whose passage is also the
    positive of another query j. The diagonal is always False.

    Parameters
    ----------
    positive_ids : sequence of hashable, length B
        An identifier of the positive passage of each pair of the batch.
    query_ids : sequence of hashable, length B, optional
        An identifier (e.g. the text) of each query.

    Returns
    -------
    ndarray of bool, shape (B, B)

    Raises
    ------
    ValueError
        When the lists are empty or differ in length.

    Examples
    --------
    >>> in_batch_false_negatives(["p1", "p2", "p1"]).astype(int)
    array([[0, 0, 1],
           [0, 0, 0],
           [1, 0, 0]])
    """
    func = "in_batch_false_negatives"
    pos = list(positive_ids)
    if not pos:
        raise ValueError(f"{func}: positive_ids is empty")
    same = np.array([[a == b for b in pos] for a in pos], dtype=bool)  # same passage, (l, j)
    if query_ids is not None:
        qs = list(query_ids)
        if len(qs) != len(pos):
            raise ValueError(f"{func}: query_ids has {len(qs)} entries but positive_ids has {len(pos)}")
        same_query = np.array([[a == b for b in qs] for a in qs], dtype=bool)  # same query, (i, l)
        # M_ij = OR over l of [query_l = query_i] AND [passage_l = passage_j]
        same = (same_query.astype(np.int64) @ same.astype(np.int64)) > 0
    np.fill_diagonal(same, False)
    return same


def masked_in_batch_contrastive_loss(Q, P, mask, temperature=1.0):
    """The in-batch loss without false negatives, and its gradients (``rag-contrastive-masked``).

    As :func:`in_batch_contrastive_loss`, with S = Q Pᵀ / τ_c and the
    positive of query i in row i of P, but the entries (i, j) with
    ``mask[i, j]`` True are left out of the softmax of row i:

    L = (1/B) Σ_i [ log Σ_{j : not M_ij} exp(S_ij) − S_ii ],

    so a passage that is also a positive of query i is no longer pushed away
    from it. Its gradient is again softmax minus one-hot, row by row, with
    the softmax over the unmasked entries (masked entries get gradient 0).
    With an all-False mask it is :func:`in_batch_contrastive_loss`.

    Parameters
    ----------
    Q : array-like, shape (B, d)
    P : array-like, shape (n_passages, d), n_passages ≥ B
    mask : array-like of bool, shape (B, n_passages)
        The entries to leave out, e.g. :func:`in_batch_false_negatives`; its
        diagonal (the positives) must be False.
    temperature : float, optional
        τ_c > 0.

    Returns
    -------
    loss : float
    grad_Q : ndarray, shape (B, d)
    grad_P : ndarray, shape (n_passages, d)

    Raises
    ------
    ValueError
        As :func:`in_batch_contrastive_loss`; also when mask has the wrong
        shape or masks a positive.

    Examples
    --------
    >>> Q = P = [[1.0, 0.0], [1.0, 0.0]]  # a duplicate pair
    >>> plain = in_batch_contrastive_loss(Q, P)[0]
    >>> masked = masked_in_batch_contrastive_loss(Q, P, [[False, True], [True, False]])[0]
    >>> print(f"{plain:.4f} {masked:.4f}")
    0.6931 0.0000
    """
    func = "masked_in_batch_contrastive_loss"
    Q = as_float_array(Q, "Q", func, ndim=2)
    P = as_float_array(P, "P", func, ndim=2)
    check_same_dimension(Q, P, ("Q", "P"), func)
    B = Q.shape[0]
    if P.shape[0] < B:
        raise ValueError(f"{func}: P has {P.shape[0]} rows but Q has {B}; P needs a positive per query")
    M = np.asarray(mask)
    if M.shape != (B, P.shape[0]) or M.dtype != bool:
        raise ValueError(f"{func}: mask must be a boolean array of shape {(B, P.shape[0])}, got "
                         f"{M.dtype} of shape {M.shape}")
    rows = np.arange(B)
    if M[rows, rows].any():
        raise ValueError(f"{func}: mask leaves out the positive of query {int(np.argmax(M[rows, rows]))}")
    tau = _check_temperature(temperature, func)
    loss, G = _in_batch_loss(np.where(M, -np.inf, _scaled_scores(Q, P, tau, func)))
    return loss + 0.0, (G @ P) / tau, (G.T @ Q) / tau  # + 0.0: a loss of exactly 0 prints as 0, not −0


def query_overlap(query, passages, ignore=()) -> float:
    """The fraction of a query's distinct words that occur in its passages (equation ``rag-overlap``).

    o(x, R) = |T(x) ∩ ∪_{z ∈ R} T(z)| / |T(x)|, where T(t) is the set of
    tokens of :func:`ragmath.lexical.tokenize` of t, minus the words of
    ``ignore`` (e.g. the words found in more than half of the passages). It is
    0 when no word of the query is in any passage: BM25 then scores each of
    them 0 (if ``ignore`` is empty) and cannot rank them above any other passage.

    Parameters
    ----------
    query : str
        The query x.
    passages : str or list of str
        The passages R (one or several; their words are pooled).
    ignore : iterable of str, optional
        Words left out of both sides.

    Returns
    -------
    float
        o in [0, 1].

    Raises
    ------
    TypeError
        When query is not a str or passages not a str or a list of str.
    ValueError
        When the query has no word left once ``ignore`` is removed.

    Examples
    --------
    >>> print(f"{query_overlap('how do cats purr', ['cats purr when content']):.2f}")
    0.50
    >>> query_overlap("the kitten", "a young cat", ignore={"the", "a"})
    0.0
    """
    func = "query_overlap"
    if not isinstance(query, str):
        raise TypeError(f"{func}: query must be a str, got {type(query).__name__}")
    passages = [passages] if isinstance(passages, str) else _check_texts(passages, func, "passages")
    ignore = set(ignore)
    words = set(tokenize(query)) - ignore
    if not words:
        raise ValueError(f"{func}: query {query!r} has no word once ignore is removed")
    found = set().union(*(set(tokenize(p)) for p in passages))
    return len(words & found) / len(words)


def _check_texts(texts, func: str, name: str, *, allow_empty: bool = False) -> list[str]:
    """A list of str texts (non-empty unless ``allow_empty``)."""
    if isinstance(texts, (str, bytes)) or not isinstance(texts, Sequence):
        raise TypeError(f"{func}: {name} must be a list of str texts, got {type(texts).__name__}")
    texts = list(texts)
    if not texts and not allow_empty:
        raise TypeError(f"{func}: {name} must be a non-empty list of str texts")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"{func}: {name}[{i}] must be a str, got {type(text).__name__}")
    return texts


# --------------------------------------------------------------------------- RAG training
def rag_marginal_nll(doc_scores, token_probs, temperature=1.0, model="sequence"):
    """RAG's training loss and its gradients (``rag-marginal-nll``, ``rag-marginal-grad``, ``rag-token-nll``).

    The retriever is p_η(z | x) = softmax(s/τ) over the given (top-k)
    documents. With model="sequence" the loss is RAG-Sequence's marginal
    negative log-likelihood

        L = −log Σ_z p_η(z | x) p_θ(y | x, z),   p_θ(y | x, z) = Π_i p_θ(y_i | x, z, y_<i),

    and its gradient in the scores is prior minus posterior,
    ∂L/∂s_z = (p_η(z | x) − p(z | x, y)) / τ, with the posterior
    p(z | x, y) ∝ p_η(z | x) p_θ(y | x, z); in the generator's token
    log-probabilities it is ∂L/∂log p_θ(y_i | x, z, y_<i) = −p(z | x, y).
    With model="token" the loss is RAG-Token's
    −Σ_i log Σ_z p_η(z | x) p_θ(y_i | x, z, y_<i), whose gradient in s_z is
    Σ_i (p_η(z | x) − p_i(z | x, y)) / τ with the per-token posteriors
    p_i(z | x, y) ∝ p_η(z | x) p_θ(y_i | x, z, y_<i). Everything is computed
    in log space (log-sum-exp), so it is exact when every product underflows.

    Parameters
    ----------
    doc_scores : array-like, shape (n_docs,)
        The retrieval scores s_z = d(z)·q(x) of the retrieved documents.
    token_probs : array-like, shape (n_docs, n_tokens)
        Entry (z, i) is p_θ(y_i | x, z, y_<i), in (0, 1].
    temperature : float, optional
        The retriever's temperature τ > 0.
    model : {"sequence", "token"}, optional
        RAG-Sequence or RAG-Token.

    Returns
    -------
    loss : float
        L (nats).
    grad_scores : ndarray, shape (n_docs,)
        ∂L/∂s_z.
    grad_log_token_probs : ndarray, shape (n_docs, n_tokens)
        ∂L/∂log p_θ(y_i | x, z, y_<i): minus the posterior (the same in every
        column for "sequence", the per-token posterior for "token").

    Raises
    ------
    ValueError
        On shapes that do not match, a probability outside (0, 1], nan or
        inf, a non-positive temperature, scores/τ that overflow, or an
        unknown model.

    Examples
    --------
    >>> loss, g, _ = rag_marginal_nll([0.0, 0.0], [[0.9, 0.9], [0.1, 0.1]])
    >>> print(f"{loss:.4f}", g.round(4))
    0.8916 [-0.4878  0.4878]
    """
    func = "rag_marginal_nll"
    s = as_float_array(doc_scores, "doc_scores", func, ndim=1)
    P = _token_probs(token_probs, func, ndim=2)
    tau = _check_temperature(temperature, func)
    if P.shape[0] != s.shape[0]:
        raise ValueError(
            f"{func}: token_probs has {P.shape[0]} rows but doc_scores has {s.shape[0]} documents"
        )
    if (P == 0).any():
        bad = first_bad_index(P == 0)
        raise ValueError(
            f"{func}: token_probs is 0 at row {bad[0]}, column {bad[1]}; the log-likelihood and its "
            f"gradient need probabilities in (0, 1]"
        )
    if model not in ("sequence", "token"):
        raise ValueError(f"{func}: model must be 'sequence' or 'token', got {model!r}")
    log_prior = log_softmax(_scaled(s, tau, func))
    log_P = np.log(P)
    prior = np.exp(log_prior)
    if model == "sequence":
        joint = log_prior + log_P.sum(axis=1)  # log p_η(z|x) + log p_θ(y|x,z)
        log_marginal = log_sum_exp(joint)
        posterior = np.exp(joint - log_marginal)
        grad_scores = (prior - posterior) / tau
        grad_tokens = np.repeat(-posterior[:, None], P.shape[1], axis=1)
        return float(-log_marginal), grad_scores, grad_tokens
    joint = log_prior[:, None] + log_P  # (n_docs, n_tokens)
    log_marginals = log_sum_exp(joint, axis=0)
    posteriors = np.exp(joint - log_marginals)
    grad_scores = (P.shape[1] * prior - posteriors.sum(axis=1)) / tau
    return float(-log_marginals.sum()), grad_scores, -posteriors


# --------------------------------------------------------------------------- decoding
def _check_decoding(doc_probs, next_token_probs, n_tokens, beam_size, func):
    p = check_probability_vectors(doc_probs, "doc_probs", func)
    if p.ndim != 1:
        raise ValueError(f"{func}: doc_probs must be 1-D, got shape {p.shape}")
    if not callable(next_token_probs):
        raise TypeError(f"{func}: next_token_probs must be callable as next_token_probs(z, prefix)")
    return p, check_positive_int(n_tokens, "n_tokens", func), check_positive_int(beam_size, "beam_size", func)


def _next(next_token_probs, z: int, prefix: tuple, func: str) -> np.ndarray:
    q = as_float_array(next_token_probs(z, prefix), "next_token_probs(z, prefix)", func, ndim=1)
    if (q < 0).any() or not math.isclose(float(q.sum()), 1.0, rel_tol=1e-9, abs_tol=1e-9):
        raise ValueError(f"{func}: next_token_probs({z}, {prefix}) is not a probability distribution")
    return q


def _beam(log_step, n_tokens: int, beam_size: int) -> list[tuple[tuple, float]]:
    """Standard beam search: log_step(prefix) → log-probabilities of the next token."""
    beams = [((), 0.0)]
    for _ in range(n_tokens):
        candidates = []
        for prefix, score in beams:
            logq = log_step(prefix)
            top = np.argsort(-logq, kind="stable")[:beam_size]
            candidates += [(prefix + (int(w),), score + float(logq[w])) for w in top]
        candidates.sort(key=lambda c: (-c[1], c[0]))
        beams = candidates[:beam_size]
    return beams


def rag_token_decode(doc_probs, next_token_probs, n_tokens, beam_size=4):
    """Beam search for RAG-Token: the next token is drawn from the mixture of ``rag-token-mixture``.

    At every step the next-token distribution is
    p'(w | x, y_<i) = Σ_z p(z | x) p_θ(w | x, z, y_<i), an ordinary
    autoregressive model, so a standard beam search applies: keep the
    ``beam_size`` best prefixes by Σ log p', extend each by its
    ``beam_size`` best tokens, keep the best ``beam_size`` again.
    Sequences have the fixed length ``n_tokens`` (the book's generator has no
    end-of-sequence token).

    Parameters
    ----------
    doc_probs : array-like, shape (n_docs,)
        p(z | x) of the retrieved documents.
    next_token_probs : callable
        ``next_token_probs(z, prefix)`` → p_θ(· | x, z, prefix), an array over
        the vocabulary (token ids), for document index z and a tuple of ids.
    n_tokens : int
        The length of the answers.
    beam_size : int, optional

    Returns
    -------
    list of (tuple of int, float)
        The final beam, best first: (token ids, log p_RAG-Token(y | x)).

    Raises
    ------
    TypeError
        When next_token_probs is not callable.
    ValueError
        On a doc_probs that is not a probability vector, n_tokens or beam_size
        < 1, or a next_token_probs that does not return a distribution.

    Examples
    --------
    >>> table = [[0.6, 0.4], [0.0, 1.0]]  # p(w | z), the same at every position
    >>> best = rag_token_decode([0.5, 0.5], lambda z, prefix: table[z], 2, beam_size=2)
    >>> [(ids, round(lp, 4)) for ids, lp in best]
    [((1, 1), -0.7133), ((0, 1), -1.5606)]
    """
    func = "rag_token_decode"
    p, n, b = _check_decoding(doc_probs, next_token_probs, n_tokens, beam_size, func)

    def log_step(prefix):
        mixture = sum(p[z] * _next(next_token_probs, z, prefix, func) for z in range(len(p)) if p[z] > 0)
        with np.errstate(divide="ignore"):
            return np.log(mixture)

    return _beam(log_step, n, b)


def rag_sequence_decode(doc_probs, next_token_probs, n_tokens, beam_size=4, method="thorough"):
    """RAG-Sequence decoding, "thorough" or "fast": a beam per document, then re-scoring.

    RAG-Sequence's likelihood (uses ``rag-sequence``) does not split into per-token factors, so one
    beam search per document z gives a set of hypotheses Y_z, scored by
    p_θ(y | x, z). Every hypothesis y of Y = ∪_z Y_z is then scored by
    ``rag-sequence``, Σ_z p(z | x) p_θ(y | x, z). "thorough" computes
    p_θ(y | x, z) for every z, running the generator again on documents
    whose beam did not hold y; "fast" takes p_θ(y | x, z) ≈ 0 there, and
    skips those extra forward passes.

    Parameters
    ----------
    doc_probs : array-like, shape (n_docs,)
        p(z | x) of the retrieved documents.
    next_token_probs : callable
        As in :func:`rag_token_decode`.
    n_tokens : int
        The length of the answers.
    beam_size : int, optional
        The beam of each document.
    method : {"thorough", "fast"}, optional

    Returns
    -------
    list of (tuple of int, float)
        Every hypothesis of Y with its (approximate, for "fast")
        p_RAG-Sequence(y | x), best first (ties by the token ids).

    Raises
    ------
    TypeError, ValueError
        As :func:`rag_token_decode`; also on an unknown method.

    Examples
    --------
    >>> table = [[0.6, 0.4], [0.0, 1.0]]
    >>> out = rag_sequence_decode([0.5, 0.5], lambda z, prefix: table[z], 2, beam_size=1)
    >>> [(ids, round(p, 4)) for ids, p in out]
    [((1, 1), 0.58), ((0, 0), 0.18)]
    """
    func = "rag_sequence_decode"
    p, n, b = _check_decoding(doc_probs, next_token_probs, n_tokens, beam_size, func)
    if method not in ("thorough", "fast"):
        raise ValueError(f"{func}: method must be 'thorough' or 'fast', got {method!r}")
    docs = [z for z in range(len(p)) if p[z] > 0]

    def seq_prob(z, y):
        return math.prod(float(_next(next_token_probs, z, y[:i], func)[w]) for i, w in enumerate(y))

    beams = {}
    for z in docs:
        def log_step(prefix, z=z):
            with np.errstate(divide="ignore"):
                return np.log(_next(next_token_probs, z, prefix, func))
        beams[z] = {y: math.exp(lp) for y, lp in _beam(log_step, n, b)}
    hypotheses = sorted({y for z in docs for y in beams[z]})
    scored = []
    for y in hypotheses:
        total = 0.0
        for z in docs:
            if y in beams[z]:
                total += float(p[z]) * beams[z][y]
            elif method == "thorough":
                total += float(p[z]) * seq_prob(z, y)  # the extra forward pass
        scored.append((y, float(total)))
    scored.sort(key=lambda c: (-c[1], c[0]))
    return scored


# --------------------------------------------------------------------------- Fusion-in-Decoder
def fid_cross_attention(query, keys, values):
    """One Fusion-in-Decoder cross-attention step over k encoded passages (``rag-fid``).

    The k passages are encoded separately (each with the question); the
    decoder attends over all k·L encoder outputs at once, as one sequence:
    α = softmax(q·k_{z,l} / √d) over every position (z, l) of every passage, and
    the output is c = Σ_z Σ_l α_{z,l} v_{z,l}. The mass each passage gets,
    w_z = Σ_l α_{z,l}, is returned too: it depends on the token being
    generated and on the content, and it is not a retrieval probability.

    Parameters
    ----------
    query : array-like, shape (d,)
        The decoder's query vector for the next token.
    keys, values : array-like, shape (k, L, d) and (k, L, d_v)
        The encoder outputs of the k passages (L positions each), projected
        to keys and values.

    Returns
    -------
    context : ndarray, shape (d_v,)
        c, the vector passed on to predict the next token.
    weights : ndarray, shape (k, L)
        α, summing to 1 over all k·L positions.
    passage_weights : ndarray, shape (k,)
        w_z = Σ_l α_{z,l}.

    Raises
    ------
    ValueError
        On shapes that do not match, nan or inf.

    Examples
    --------
    >>> keys = [[[1.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]]  # 2 passages of 2 positions
    >>> context, alpha, w = fid_cross_attention([2.0, 0.0], keys, keys)
    >>> print(w.round(4), context.round(4))
    [0.7188 0.2812] [0.5783 0.    ]
    """
    func = "fid_cross_attention"
    q = as_float_array(query, "query", func, ndim=1)
    K = as_float_array(keys, "keys", func, ndim=3)
    V = as_float_array(values, "values", func, ndim=3)
    if K.shape[2] != q.shape[0]:
        raise ValueError(f"{func}: keys have dimension {K.shape[2]} but query has {q.shape[0]}")
    if V.shape[:2] != K.shape[:2]:
        raise ValueError(f"{func}: values have shape {V.shape} but keys have {K.shape}; the first two "
                         f"axes (passages, positions) must match")
    logits = (K @ q) / math.sqrt(q.shape[0])  # (k, L)
    alpha = softmax(logits.reshape(-1)).reshape(K.shape[:2])
    context = np.einsum("zl,zlv->v", alpha, V)
    return context, alpha, alpha.sum(axis=1)


_SMALL_PASSAGES = ["cats purr when content", "dogs bark at the postman", "a kitten is a young cat"]


class DualEncoder:
    """A linear dual encoder on TF-IDF features, trained with the in-batch loss (``rag-dual-encoder``).

    q(x) = [φ(x), φ(x) A_q] and d(z) = [φ(z), φ(z) A_p], where φ is the
    L2-normalised TF-IDF vector of a text in the vocabulary of ``passages``
    (:func:`ragmath.lexical.tfidf_vectors`, with idf = log(N / df) from
    :func:`ragmath.lexical.idf`) and A_q, A_p are (n_terms, dim) matrices. The
    score is their dot product,

        q(x)·d(z) = φ(x)·φ(z) + (φ(x) A_q)·(φ(z) A_p),

    the TF-IDF cosine plus a learned low-rank term that can match words that
    differ. A_q and A_p start as small Gaussian matrices (entries
    N(0, init_scale²/dim)), so that the untrained encoder ranks almost exactly
    as the TF-IDF cosine: that is the starting point training must beat.
    With ``keep_tfidf=False`` the first block is dropped, q(x) = φ(x) A_q, and
    A_q = A_p = R start as the same Gaussian random projection (entries
    N(0, 1/dim)), so that q(x)·d(z) ≈ φ(x)·φ(z) (in expectation exactly).
    :meth:`fit` minimises :func:`in_batch_contrastive_loss` with
    :class:`ragmath.optim.Adam`; only A_q and A_p are trained.

    Parameters
    ----------
    passages : list of str
        The collection (fixes the vocabulary and the idf).
    dim : int, optional
        The dimension of the learned block.
    seed : int or numpy.random.Generator, optional
        For the initial matrices and, in :meth:`fit`, the batches (an int
        seed starts the same stream in both; a Generator is used as it is).
    keep_tfidf : bool, optional
        Keep the fixed TF-IDF block of the embedding.
    init_scale : float, optional
        The scale (> 0) of the initial A_q, A_p when keep_tfidf.

    Attributes
    ----------
    vocabulary : list of str
        The sorted terms of the passages (the columns of φ).
    idf : ndarray, shape (n_terms,)
        log(N / df) of every term.
    A_q, A_p : ndarray, shape (n_terms, dim)
        The learned matrices.
    loss_history_ : list of float
        The mean loss of every epoch of :meth:`fit`.

    Raises
    ------
    TypeError
        When passages is not a non-empty list of str, or dim, seed are not integers.
    ValueError
        When dim < 1, seed < 0, init_scale ≤ 0, or no passage has a token.

    Examples
    --------
    >>> enc = DualEncoder(["cats purr when content", "dogs bark at the postman"], dim=4)
    >>> len(enc.vocabulary), enc.encode_queries(["why do cats purr"]).shape
    (9, (1, 13))
    """

    def __init__(self, passages: Sequence[str], dim: int = 64, seed=0, *,
                 keep_tfidf: bool = True, init_scale: float = 0.1):
        func = "DualEncoder"
        passages = _check_texts(passages, func, "passages")
        self.dim = check_positive_int(dim, "dim", func)
        rng = check_random_state(seed, func)
        self.seed = seed if isinstance(seed, np.random.Generator) else int(seed)
        self.keep_tfidf = bool(keep_tfidf)
        init_scale = check_positive_float(init_scale, "init_scale", func)
        docs = [tokenize(t) for t in passages]
        if not any(docs):
            raise ValueError(f"{func}: passages have no tokens at all; there is no vocabulary to index")
        df, self.vocabulary = document_frequency(docs)
        self.idf = idf(df, len(docs))
        R = rng.standard_normal((len(self.vocabulary), self.dim)) / math.sqrt(self.dim)
        if self.keep_tfidf:
            self.A_q = init_scale * R
            self.A_p = init_scale * rng.standard_normal(R.shape) / math.sqrt(self.dim)
        else:
            self.A_q = R.copy()
            self.A_p = R.copy()
        self.loss_history_: list[float] = []

    def features(self, texts: Sequence[str]):
        """φ(text): the L2-normalised TF-IDF rows of texts.

        The φ of ``rag-dual-encoder``. The TF-IDF vectors are :func:`ragmath.lexical.tfidf_vectors` in the
        passages' vocabulary; unknown words get no coordinate, and a text
        without a known word (with nonzero idf) is the zero row.

        Parameters
        ----------
        texts : list of str

        Returns
        -------
        scipy.sparse.csr_matrix, shape (n_texts, n_terms)

        Raises
        ------
        TypeError
            When texts is a str, or holds something else than str.

        Examples
        --------
        >>> enc = DualEncoder(["cats purr", "dogs bark"], dim=2)
        >>> print(enc.features(["cats purr", "zebras"]).toarray().round(4))
        [[0.     0.7071 0.     0.7071]
         [0.     0.     0.     0.    ]]
        """
        func = "DualEncoder.features"
        texts = _check_texts(texts, func, "texts", allow_empty=True)
        if not texts:
            return sp.csr_matrix((0, len(self.vocabulary)))
        X = tfidf_vectors([tokenize(t) for t in texts], self.vocabulary, self.idf)
        for i in range(X.shape[0]):  # exactly rounded norms (math.fsum), row by row
            row = X.data[X.indptr[i] : X.indptr[i + 1]]
            norm = math.sqrt(math.fsum(row * row))
            if norm > 0:
                row /= norm
        return X

    def _embed(self, X, A) -> np.ndarray:
        learned = np.asarray(X @ A)
        return np.hstack([X.toarray(), learned]) if self.keep_tfidf else learned

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """q(x) = [φ(x), φ(x) A_q] for every text, the query side of the dual encoder.

        Uses ``rag-dual-encoder``.

        Parameters
        ----------
        texts : list of str

        Returns
        -------
        ndarray, shape (n_texts, n_terms + dim), or (n_texts, dim) without the TF-IDF block

        Raises
        ------
        TypeError
            As :meth:`features`.

        Examples
        --------
        >>> enc = DualEncoder(["cats purr", "dogs bark"], dim=2)
        >>> enc.encode_queries(["cats", "dogs"]).shape
        (2, 6)
        """
        return self._embed(self.features(texts), self.A_q)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """d(z) = [φ(z), φ(z) A_p] for every text, like :meth:`encode_queries` with A_p.

        Uses ``rag-dual-encoder``.

        Parameters
        ----------
        texts : list of str

        Returns
        -------
        ndarray, shape (n_texts, n_terms + dim), or (n_texts, dim) without the TF-IDF block

        Raises
        ------
        TypeError
            As :meth:`features`.

        Examples
        --------
        >>> enc = DualEncoder(["cats purr", "dogs bark"], dim=2, keep_tfidf=False)
        >>> enc.encode_passages(["cats purr"]).shape
        (1, 2)
        """
        return self._embed(self.features(texts), self.A_p)

    def loss_and_gradients(self, X_q, X_p, temperature: float = 1.0):
        """The in-batch loss of feature rows and its gradients in A_q, A_p (``rag-dual-encoder-grad``).

        With Q = [X_q, X_q A_q] and P = [X_p, X_p A_p], only the second blocks
        depend on A, so by the chain rule through
        :func:`in_batch_contrastive_loss` (``rag-contrastive-grad``)
        ∂L/∂A_q = X_qᵀ (∂L/∂Q)[:, learned] and ∂L/∂A_p = X_pᵀ (∂L/∂P)[:, learned].

        Parameters
        ----------
        X_q, X_p : scipy.sparse matrix, shapes (B, n_terms) and (n_passages, n_terms)
            Rows of :meth:`features` of the queries and of their passages.
        temperature : float, optional
            τ > 0.

        Returns
        -------
        loss : float
        grad_A_q, grad_A_p : ndarray, shape (n_terms, dim)

        Raises
        ------
        ValueError
            As :func:`in_batch_contrastive_loss`.

        Examples
        --------
        >>> enc = DualEncoder(["cats purr", "dogs bark"], dim=2)
        >>> X = enc.features(["cats purr", "dogs bark"])
        >>> loss, g_q, g_p = enc.loss_and_gradients(X, X)
        >>> g_q.shape == enc.A_q.shape, loss < 0.7
        (True, True)
        """
        Q, P = self._embed(X_q, self.A_q), self._embed(X_p, self.A_p)
        loss, g_Q, g_P = in_batch_contrastive_loss(Q, P, temperature)
        return loss, np.asarray(X_q.T @ g_Q[:, -self.dim:]), np.asarray(X_p.T @ g_P[:, -self.dim:])

    def _sparse_loss_and_gradients(self, X_q, X_p, tau: float):
        """loss_and_gradients through S = X_q X_pᵀ + L_q L_pᵀ (keep_tfidf only), up to rounding."""
        L_q, L_p = np.asarray(X_q @ self.A_q), np.asarray(X_p @ self.A_p)
        with np.errstate(over="ignore", invalid="ignore"):
            S = (np.asarray((X_q @ X_p.T).todense()) + L_q @ L_p.T) / tau
        if not np.isfinite(S).all():
            raise ValueError("DualEncoder.fit_features: the scores overflow; use a larger temperature")
        loss, G = _in_batch_loss(S)
        return loss, np.asarray(X_q.T @ (G @ L_p)) / tau, np.asarray(X_p.T @ (G.T @ L_q)) / tau

    def fit(self, queries: Sequence[str], positives: Sequence[str], *, epochs: int = 10,
            batch_size: int = 32, lr: float = 1e-2, temperature: float = 0.05,
            callback=None) -> DualEncoder:
        """Train A_q and A_p on (query, positive passage) pairs with in-batch negatives and Adam.

        Each epoch shuffles the pairs (with the encoder's seed) and takes one
        Adam step per batch of at most ``batch_size`` pairs, with the
        gradients of :meth:`loss_and_gradients`. A passage that is the
        positive of two queries of one batch would be a "negative" of itself:
        such duplicates are moved to a later batch. The mean loss of every
        epoch is appended to ``loss_history_``. The loss minimised is
        ``rag-contrastive``.

        Parameters
        ----------
        queries, positives : list of str, the same length (at least 2)
            The training pairs.
        epochs : int, optional
        batch_size : int, optional
            At least 2.
        lr : float, optional
            Adam's step size.
        temperature : float, optional
            τ_c > 0 of the loss.
        callback : callable, optional
            Called as ``callback(epoch, self)`` after every epoch (epoch = 1,
            2, …), e.g. to record held-out metrics along training; it does not
            change the training.

        Returns
        -------
        DualEncoder
            self, trained.

        Raises
        ------
        ValueError
            When the lists differ in length or hold fewer than 2 pairs, or on
            bad epochs, batch_size or temperature.

        Examples
        --------
        >>> passages = ["cats purr when content", "dogs bark at the postman", "bread rises with yeast"]
        >>> enc = DualEncoder(passages, dim=4).fit(["why do cats purr", "what barks", "yeast"], passages,
        ...                                         epochs=20, batch_size=3, lr=0.05, temperature=0.1)
        >>> enc.loss_history_[-1] < enc.loss_history_[0]
        True
        """
        func = "DualEncoder.fit"
        if len(queries) != len(positives) or len(queries) < 2:
            raise ValueError(f"{func}: queries and positives must be lists of the same length (at least 2)")
        X_q, X_p = self.features(list(queries)), self.features(list(positives))
        positive_ids = np.unique(np.asarray(list(positives), dtype=object), return_inverse=True)[1]
        return self.fit_features(X_q, X_p, positive_ids, epochs=epochs, batch_size=batch_size, lr=lr,
                                 temperature=temperature, callback=callback)

    def fit_features(self, X_q, X_p, positive_ids, *, epochs: int = 10, batch_size: int = 32,
                     lr: float = 1e-2, temperature: float = 0.05, callback=None,
                     sparse_scores: bool = False) -> DualEncoder:
        """:meth:`fit` on feature rows computed once, e.g. for many runs on subsets of one set of pairs.

        The same training, step for step, as :meth:`fit`, which computes
        X_q = features(queries), X_p = features(positives) and labels equal
        positive texts with equal ids, then calls this method. Useful when
        many encoders are trained on subsets of the same pairs: compute the
        features once and pass rows of them. The loss minimised is ``rag-contrastive``.

        Parameters
        ----------
        X_q, X_p : scipy.sparse matrix, shape (n_pairs, n_terms)
            Rows of :meth:`features` of the queries and of their positives.
        positive_ids : array-like of int, shape (n_pairs,)
            Equal for pairs with the same positive passage (no batch holds
            two of them).
        epochs, batch_size, lr, temperature, callback
            As in :meth:`fit`.
        sparse_scores : bool, optional
            Compute each batch's scores as S = (X_q X_pᵀ + (X_q A_q)(X_p A_p)ᵀ)/τ_c
            and the gradients as X_qᵀ (G X_p A_p)/τ_c, X_pᵀ (Gᵀ X_q A_q)/τ_c, with
            G = ∂L/∂S of ``rag-contrastive-grad-s``, without forming the dense
            embeddings [φ, φA], and keep A_q, A_p and Adam's moments in float32
            during training (the scores and the loss in float64): the same
            loss and gradients (``rag-dual-encoder-grad``) up to rounding (of
            float32, about 1e-7 relative per step), several times faster on a
            large vocabulary. The default (False) is :meth:`fit`'s arithmetic,
            bit for bit.

        Returns
        -------
        DualEncoder
            self, trained.

        Raises
        ------
        ValueError
            When the shapes do not match or there are fewer than 2 pairs, or
            on bad epochs, batch_size or temperature.

        Examples
        --------
        >>> passages = ["cats purr when content", "dogs bark at the postman", "bread rises with yeast"]
        >>> enc = DualEncoder(passages, dim=4)
        >>> X = enc.features(passages)
        >>> X_q = enc.features(["cats", "barks", "yeast"])
        >>> _ = enc.fit_features(X_q, X, [0, 1, 2], epochs=3, batch_size=3)
        >>> len(enc.loss_history_)
        3
        """
        func = "DualEncoder.fit_features"
        ids = np.asarray(positive_ids)
        if not (sp.issparse(X_q) and sp.issparse(X_p)):
            raise ValueError(f"{func}: X_q and X_p must be sparse feature rows (DualEncoder.features)")
        n = X_q.shape[0]
        if X_p.shape[0] != n or ids.shape != (n,) or n < 2:
            raise ValueError(f"{func}: X_q, X_p and positive_ids must have the same number of rows "
                             f"(at least 2), got {X_q.shape[0]}, {X_p.shape[0]} and {ids.shape}")
        if X_q.shape[1] != len(self.vocabulary) or X_p.shape[1] != len(self.vocabulary):
            raise ValueError(f"{func}: X_q and X_p must have {len(self.vocabulary)} columns (the vocabulary)")
        epochs = check_positive_int(epochs, "epochs", func)
        batch_size = check_positive_int(batch_size, "batch_size", func, minimum=2)
        tau = _check_temperature(temperature, func)
        X_q, X_p, positive_ids = sp.csr_matrix(X_q), sp.csr_matrix(X_p), ids
        fast = sparse_scores and self.keep_tfidf
        opt_q, opt_p = (_InPlaceAdam(lr), _InPlaceAdam(lr)) if fast else (Adam(lr=lr), Adam(lr=lr))
        if fast:  # parameters and moments in float32: half the memory traffic of Adam's updates
            self.A_q, self.A_p = self.A_q.astype(np.float32), self.A_p.astype(np.float32)
        rng = check_random_state(self.seed, "DualEncoder.fit")
        for _ in range(epochs):
            losses = []
            for batch in _batches(rng.permutation(X_q.shape[0]), positive_ids, batch_size):
                if fast:
                    loss, g_q, g_p = self._sparse_loss_and_gradients(X_q[batch], X_p[batch], tau)
                else:
                    loss, g_q, g_p = self.loss_and_gradients(X_q[batch], X_p[batch], tau)
                self.A_q = opt_q.step(self.A_q, g_q)
                self.A_p = opt_p.step(self.A_p, g_p)
                losses.append(loss)
            self.loss_history_.append(float(np.mean(losses)))
            if callback is not None:
                callback(len(self.loss_history_), self)
        self.A_q, self.A_p = self.A_q.astype(np.float64), self.A_p.astype(np.float64)
        return self


class _InPlaceAdam:
    """Adam with :class:`ragmath.optim.Adam`'s defaults (Algorithm 1), updating arrays in place.

    The same operations in the same order as ``optim._adam_update`` (so the
    same numbers), without its copies and checks: for the many small training
    runs of ``DualEncoder.fit_features(sparse_scores=True)``.
    """

    beta1, beta2, eps = 0.9, 0.999, 1e-8

    def __init__(self, lr: float):
        self.lr, self.t, self.m, self.v = lr, 0, None, None

    def step(self, params: np.ndarray, g: np.ndarray) -> np.ndarray:
        if self.m is None:
            self.m, self.v = np.zeros_like(params), np.zeros_like(params)
        self.t += 1
        g = g.astype(params.dtype, copy=False)
        b1, b2 = self.beta1, self.beta2
        self.m *= b1
        self.m += (1 - b1) * g
        self.v *= b2
        self.v += (1 - b2) * (g * g)
        denominator = np.sqrt(self.v / (1 - b2**self.t))
        denominator += self.eps
        step = self.m / (1 - b1**self.t)
        step /= denominator
        step *= self.lr
        if not np.isfinite(step).all():
            raise ValueError("DualEncoder.fit_features: an Adam step overflowed; lower lr")
        params = params.copy() if not params.flags.writeable else params
        params -= step
        return params


def _batches(order: np.ndarray, positive_ids: np.ndarray, batch_size: int):
    """Split ``order`` into batches in which no positive passage appears twice."""
    pending = list(order)
    while pending:
        batch, seen, rest = [], set(), []
        for i in pending:
            if len(batch) < batch_size and positive_ids[i] not in seen:
                batch.append(i)
                seen.add(positive_ids[i])
            else:
                rest.append(i)
        if len(batch) >= 2:
            yield np.array(batch)
        pending = rest if len(batch) >= 2 else []


# --------------------------------------------------------------------------- generator
class PassageNGramGenerator:
    """A small generator whose every probability is explicit (equation ``rag-ngram``).

    p_θ(y_i | x, z, y_<i) = λ₂ p_z(y_i | y_{i−1}) + λ₁ p_z(y_i) + λ₀ p_bg(y_i)

    - p_z(w) = c_z(w) / |z|: the unigram distribution of the passage z;
    - p_z(w | v) = c_z(v w) / c_z(v •): the passage's bigram distribution,
      replaced by p_z(w) when v is not followed by anything in z (and for the
      first token, which has no predecessor);
    - p_bg(w) = (c(w) + 1) / (N + |V|): the add-one smoothed unigram of the
      whole collection, over the vocabulary V (every word of the collection
      and the out-of-vocabulary token ``<unk>``), so that every word of V has
      a positive probability.

    The weights λ₂, λ₁, λ₀ are non-negative and sum to 1, so each p_θ is a
    mixture of three distributions over V, hence a distribution over V. The
    question x enters only through the passage z retrieved for it: the model
    copies from the passage, which is what a reader model does at its simplest.
    Tokens are those of :func:`ragmath.lexical.tokenize`.

    Parameters
    ----------
    passages : list of str
        The collection (fixes V and p_bg).
    lambdas : sequence of 3 floats, optional
        (λ₂, λ₁, λ₀), non-negative, summing to 1.

    Attributes
    ----------
    vocabulary : list of str
        The sorted words of the collection, then ``<unk>``.
    background : ndarray, shape (len(vocabulary),)
        p_bg over the vocabulary.

    Raises
    ------
    TypeError
        When passages is not a non-empty list of str.
    ValueError
        When lambdas are not 3 weights summing to 1.

    Examples
    --------
    >>> gen = PassageNGramGenerator(["the cat sat on the mat", "dogs run"], lambdas=(0.5, 0.3, 0.2))
    >>> print(gen.token_probabilities("the cat sat on the mat", "the mat").round(4))
    [0.3042 0.325 ]
    """

    UNK = "<unk>"

    def __init__(self, passages: Sequence[str], lambdas=(0.6, 0.3, 0.1)):
        func = "PassageNGramGenerator"
        passages = _check_texts(passages, func, "passages")
        lam = check_probability_vectors(lambdas, "lambdas", func)
        if lam.shape != (3,):
            raise ValueError(
                f"{func}: lambdas must hold 3 weights (bigram, unigram, background), got shape {lam.shape}"
            )
        self.lambdas = tuple(float(v) for v in lam)
        counts = Counter(t for text in passages for t in tokenize(text))
        self.vocabulary = sorted(counts) + [self.UNK]
        self._index = {w: j for j, w in enumerate(self.vocabulary)}
        n_tokens = sum(counts.values())
        c = np.array([counts.get(w, 0) for w in self.vocabulary], dtype=float)
        self.background = (c + 1.0) / (n_tokens + len(self.vocabulary))

    def _id(self, token: str) -> int:
        return self._index.get(token, self._index[self.UNK])

    def _passage_ids(self, passage, func: str) -> list[int]:
        if not isinstance(passage, str):
            raise TypeError(f"{func}: passage must be a str, got {type(passage).__name__}")
        return [self._id(t) for t in tokenize(passage)]

    def next_token_distribution(self, passage: str, previous: str | None = None) -> np.ndarray:
        """p_θ(· | x, z, y_<i) over the whole vocabulary; it sums to 1.

        The mixture of ``rag-ngram``, for every word of the vocabulary at once.

        Parameters
        ----------
        passage : str
            The text of z.
        previous : str or None, optional
            The token y_{i−1} (None for the first token).

        Returns
        -------
        ndarray, shape (len(vocabulary),)

        Raises
        ------
        TypeError
            When passage is not a str.

        Examples
        --------
        >>> gen = PassageNGramGenerator(["the cat sat on the mat", "dogs run"])
        >>> print(f"{gen.next_token_distribution('the cat sat on the mat', 'the').sum():.4f}")
        1.0000
        """
        z = self._passage_ids(passage, "PassageNGramGenerator.next_token_distribution")
        V = len(self.vocabulary)
        uni = np.bincount(z, minlength=V).astype(float) / max(len(z), 1)
        if not z:
            uni = self.background.copy()
        bi = uni
        if previous is not None:
            v = self._id(previous)
            followers = [z[j + 1] for j in range(len(z) - 1) if z[j] == v]
            if followers:
                bi = np.bincount(followers, minlength=V).astype(float) / len(followers)
        l2, l1, l0 = self.lambdas
        return l2 * bi + l1 * uni + l0 * self.background

    def token_probabilities(self, passage: str, answer: str) -> np.ndarray:
        """p_θ(y_i | x, z, y_<i) of every token of ``answer`` given passage z.

        The entries of ``rag-ngram`` that the answer's tokens pick.

        Parameters
        ----------
        passage : str
            The text of z.
        answer : str
            The sequence y (its tokens by :func:`ragmath.lexical.tokenize`).

        Returns
        -------
        ndarray, shape (n_tokens,)

        Raises
        ------
        TypeError
            When passage or answer is not a str.
        ValueError
            When answer has no tokens.

        Examples
        --------
        >>> gen = PassageNGramGenerator(["the cat sat on the mat", "dogs run"])
        >>> print(gen.token_probabilities("the cat sat on the mat", "the cat").round(4))
        [0.3188 0.3625]
        """
        func = "PassageNGramGenerator.token_probabilities"
        if not isinstance(passage, str) or not isinstance(answer, str):
            raise TypeError(f"{func}: passage and answer must be str")
        y = tokenize(answer)
        if not y:
            raise ValueError(f"{func}: answer has no tokens")
        z = self._passage_ids(passage, func)
        V = len(self.vocabulary)
        uni_counts = np.bincount(z, minlength=V).astype(float)
        uni = uni_counts / len(z) if z else self.background
        l2, l1, l0 = self.lambdas
        out = []
        prev = None
        for token in y:
            w = self._id(token)
            p_uni = float(uni[w])
            p_bi = p_uni
            if prev is not None:
                followers = [z[j + 1] for j in range(len(z) - 1) if z[j] == prev]
                if followers:
                    p_bi = followers.count(w) / len(followers)
            out.append(l2 * p_bi + l1 * p_uni + l0 * float(self.background[w]))
            prev = w
        return np.array(out)

    def token_probability_matrix(self, passages: Sequence[str], answer: str) -> np.ndarray:
        """One row of :meth:`token_probabilities` per passage.

        The token_probs table of ``rag-sequence`` and ``rag-token``.

        Parameters
        ----------
        passages : list of str
            The candidate passages z.
        answer : str
            The sequence y.

        Returns
        -------
        ndarray, shape (n_passages, n_tokens)

        Raises
        ------
        TypeError, ValueError
            As :meth:`token_probabilities`.

        Examples
        --------
        >>> gen = PassageNGramGenerator(["the cat sat on the mat", "dogs run"])
        >>> gen.token_probability_matrix(["the cat sat on the mat", "dogs run"], "the cat").shape
        (2, 2)
        """
        return np.vstack([self.token_probabilities(p, answer) for p in passages])
