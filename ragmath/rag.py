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

Shapes: ``doc_probs`` is a probability vector (n_docs,); ``token_probs`` is
(n_docs, n_tokens), entry (z, i) = p(y_i | x, z, y_<i).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from ._validation import (
    as_float_array,
    check_positive_float,
    check_positive_int,
    check_probability_vectors,
    check_same_dimension,
    first_bad_index,
)
from .optim import Adam

__all__ = [
    "retrieval_distribution",
    "truncated_mass",
    "sequence_log_likelihood",
    "rag_sequence_likelihood",
    "rag_token_likelihood",
    "rag_sequence_log_likelihood",
    "rag_token_log_likelihood",
    "in_batch_contrastive_loss",
    "DualEncoder",
    "PassageNGramGenerator",
]


# --------------------------------------------------------------------------- helpers
def _log_softmax_rows(S: np.ndarray) -> np.ndarray:
    """Stable log-softmax along the last axis: S − max − log(1 + Σ' exp(S − max)).

    Σ' leaves out one maximal entry (whose exp is exactly 1), and log1p keeps
    full relative accuracy when the other entries are tiny, so that a nearly
    certain row gives a log-probability (and a loss) accurate to the last
    digits instead of a rounding error of log(1 + ε).
    """
    m = S.max(axis=-1, keepdims=True)
    shifted = S - m
    e = np.exp(shifted)
    np.put_along_axis(e, np.argmax(S, axis=-1)[..., None], 0.0, axis=-1)
    return shifted - np.log1p(e.sum(axis=-1, keepdims=True))


def _log_sum_exp(x: np.ndarray, axis: int = -1) -> np.ndarray:
    m = np.max(x, axis=axis, keepdims=True)
    finite_m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.exp(x - finite_m).sum(axis=axis, keepdims=True)) + finite_m
    return np.squeeze(out, axis=axis)


def _check_temperature(temperature, func: str) -> float:
    return check_positive_float(temperature, "temperature", func)


def _dot_scores(query, docs, func: str) -> tuple[np.ndarray, np.ndarray]:
    q = as_float_array(query, "query", func, ndim=1)
    D = as_float_array(docs, "docs", func, ndim=2)
    check_same_dimension(q, D, ("query", "docs"), func)
    dtype = np.result_type(q.dtype, D.dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        scores = D.astype(dtype, copy=False) @ q.astype(dtype, copy=False)
    if not np.isfinite(scores).all():
        raise ValueError(f"{func}: the dot products d(z)·q(x) overflow; scale query and docs down")
    return scores, D


def _check_k(k, n_docs: int, func: str) -> int:
    if k is None:
        return n_docs
    k = check_positive_int(k, "k", func)
    if k > n_docs:
        raise ValueError(f"{func}: k = {k} is larger than the number of documents ({n_docs})")
    return k


def _best_first(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest scores, best first, ties by the lower index."""
    order = np.argsort(-scores, kind="stable")
    return order[:k]


# --------------------------------------------------------------------------- retriever
def retrieval_distribution(query, docs, k=None, temperature=1.0):
    """The retriever p_η(z | x) over the top-k documents (equations ``rag-retriever``, ``rag-temperature``; chapter 9 recalls it as ``ada-retriever``).

    p_η(z | x) = exp(d(z)·q(x)/τ) / Σ_{z' ∈ top-k} exp(d(z')·q(x)/τ) for the k
    documents with the largest dot product d(z)·q(x) (all documents when k is
    None), and 0 for the others.

    Parameters
    ----------
    query : (d,) array-like, the query embedding q(x)
    docs : (n_docs, d) array-like, the document embeddings d(z), one per row
    k : int or None, how many documents keep probability (1 ≤ k ≤ n_docs)
    temperature : float > 0, τ; τ → 0 concentrates all mass on the best
        document, τ → ∞ spreads it evenly over the k documents

    Returns
    -------
    (indices, probs) : the k document indices, best first (ties by the lower
    index), and their probabilities, which sum to 1. Computed stably (the
    largest scaled score is subtracted before exponentiating).
    """
    func = "retrieval_distribution"
    scores, D = _dot_scores(query, docs, func)
    k = _check_k(k, D.shape[0], func)
    tau = _check_temperature(temperature, func)
    idx = _best_first(scores, k)
    with np.errstate(over="ignore"):
        z = scores[idx] / tau
    if not np.isfinite(z).all():
        raise ValueError(f"{func}: the scores divided by temperature overflow; use a larger temperature")
    probs = np.exp(_log_softmax_rows(z))
    return idx, probs


def truncated_mass(query, docs, k, temperature=1.0) -> float:
    """The mass that truncating to the top-k drops (equation ``rag-dropped-mass``).

    δ_k = Σ_{z ∉ top-k} p_all(z | x), where p_all is the softmax of
    d(z)·q(x)/τ over *all* documents. It is 0 when k = n_docs and decreases as
    k grows.
    """
    func = "truncated_mass"
    scores, D = _dot_scores(query, docs, func)
    k = _check_k(k, D.shape[0], func)
    tau = _check_temperature(temperature, func)
    with np.errstate(over="ignore"):
        z = scores / tau
    if not np.isfinite(z).all():
        raise ValueError(f"{func}: the scores divided by temperature overflow; use a larger temperature")
    idx = _best_first(scores, k)
    log_p = _log_softmax_rows(z)
    rest = np.ones(len(z), dtype=bool)
    rest[idx] = False
    return float(np.exp(log_p[rest]).sum()) if rest.any() else 0.0


# --------------------------------------------------------------------------- likelihoods
def _token_probs(token_probs, func: str, ndim=(1, 2)) -> np.ndarray:
    P = as_float_array(token_probs, "token_probs", func, ndim=ndim)
    if ((P < 0) | (P > 1)).any():
        bad = first_bad_index((P < 0) | (P > 1))
        where = f" (at row {bad[0]}, column {bad[1]})" if P.ndim == 2 else f" (at index {bad[0]})"
        raise ValueError(f"{func}: token_probs must lie in [0, 1]{where}; they are probabilities")
    return P


def sequence_log_likelihood(token_probs):
    """log p_θ(y | x, z) = Σ_i log p_θ(y_i | x, z, y_<i) (equation ``rag-seq-loglik``).

    token_probs is 1-D (the probabilities of the tokens of one sequence),
    giving a float, or 2-D (one row per document), giving one log-likelihood
    per row. A token of probability 0 gives −inf (the sequence is impossible).
    Summing logarithms avoids the underflow of the product of many small
    probabilities.
    Without x and z it is the chain rule of chapter 3 (equation ``info-seq-loglik``).
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


def rag_sequence_log_likelihood(doc_probs, token_probs) -> float:
    """log p_RAG-Sequence(y | x) (equation ``rag-sequence``), by log-sum-exp.

    log Σ_z exp(log p(z|x) + Σ_i log p(y_i|x,z,y_<i)): exact even when every
    product underflows to 0 in floating point.
    """
    return _sequence_log(doc_probs, token_probs, "rag_sequence_log_likelihood")


def _sequence_log(doc_probs, token_probs, func: str) -> float:
    p, P = _doc_and_tokens(doc_probs, token_probs, func)
    with np.errstate(divide="ignore"):
        terms = np.log(p) + np.log(P).sum(axis=1)
    return float(_log_sum_exp(terms))


def rag_sequence_likelihood(doc_probs, token_probs) -> float:
    """RAG-Sequence: p(y | x) = Σ_z p_η(z | x) Π_i p_θ(y_i | x, z, y_<i) (equation ``rag-sequence``).

    One document generates the whole sequence; the documents are marginalised
    once, at the end. doc_probs: (n_docs,) probability vector; token_probs:
    (n_docs, n_tokens) in [0, 1]. Computed in log space
    (:func:`rag_sequence_log_likelihood`) and exponentiated.
    """
    return math.exp(_sequence_log(doc_probs, token_probs, "rag_sequence_likelihood"))


def rag_token_log_likelihood(doc_probs, token_probs) -> float:
    """log p_RAG-Token(y | x) = Σ_i log Σ_z p(z|x) p(y_i|x,z,y_<i) (equation ``rag-token``)."""
    return _token_log(doc_probs, token_probs, "rag_token_log_likelihood")


def _token_log(doc_probs, token_probs, func: str) -> float:
    p, P = _doc_and_tokens(doc_probs, token_probs, func)
    mixture = p @ P  # (n_tokens,): p(y_i | x, y_<i), a mixture per token
    with np.errstate(divide="ignore"):
        return float(np.log(mixture).sum())


def rag_token_likelihood(doc_probs, token_probs) -> float:
    """RAG-Token: p(y | x) = Π_i Σ_z p_η(z | x) p_θ(y_i | x, z, y_<i) (equation ``rag-token``).

    Every token may come from another document: the documents are
    marginalised at every position. Shapes as in
    :func:`rag_sequence_likelihood`; computed as the exponential of
    :func:`rag_token_log_likelihood`.
    """
    return math.exp(_token_log(doc_probs, token_probs, "rag_token_likelihood"))


# --------------------------------------------------------------------------- training
def in_batch_contrastive_loss(Q, P, temperature=1.0):
    """DPR's loss with in-batch negatives, and its gradients (equations ``rag-contrastive``, ``rag-contrastive-grad``).

    S = Q Pᵀ / τ; row i of P is the positive passage of query i (the
    diagonal), every other row of P a negative. P may have more rows than Q
    (extra passages are negatives for every query, as DPR's hard negatives).

    L = (1/B) Σ_i [ log Σ_j exp(S_ij) − S_ii ]   (mean over the B queries)

    ∂L/∂S = (softmax(S) − [I 0]) / B, row by row, so
    ∂L/∂Q = (∂L/∂S) P / τ and ∂L/∂P = (∂L/∂S)ᵀ Q / τ.

    Returns
    -------
    (loss, grad_Q, grad_P) : a float and arrays of the shapes of Q and P.
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
    with np.errstate(over="ignore", invalid="ignore"):
        S = (Q @ P.T) / tau
    if not np.isfinite(S).all():
        raise ValueError(f"{func}: the scores Q Pᵀ / temperature overflow; scale Q and P down")
    log_p = _log_softmax_rows(S)
    rows = np.arange(B)
    loss = float(-log_p[rows, rows].mean())
    G = np.exp(log_p)
    G[rows, rows] -= 1.0
    G /= B
    grad_Q = (G @ P) / tau
    grad_P = (G.T @ Q) / tau
    return loss, grad_Q.astype(dtype, copy=False), grad_P.astype(dtype, copy=False)


def _tokens(text) -> list[str]:
    if not isinstance(text, str):
        raise TypeError(f"expected a str text, got {type(text).__name__}")
    return re.findall(r"[^\W_]+", text.lower())


class DualEncoder:
    """A linear dual encoder on TF-IDF features, trained with the in-batch loss (``rag-dual-encoder``).

    q(x) = [φ(x), φ(x) A_q] and d(z) = [φ(z), φ(z) A_p], where φ is the
    L2-normalised TF-IDF vector of a text in the vocabulary of ``passages``
    (idf = log(N / df)) and A_q, A_p are (n_terms, dim) matrices. The score is
    their dot product,

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
    passages : list of str, the collection (fixes the vocabulary and the idf)
    dim : int, the dimension of the learned block
    seed : int, for the initial matrices and the batches
    keep_tfidf : bool, keep the fixed TF-IDF block of the embedding
    init_scale : float > 0, the scale of the initial A_q, A_p when keep_tfidf
    """

    def __init__(self, passages: Sequence[str], dim: int = 64, seed: int = 0, *,
                 keep_tfidf: bool = True, init_scale: float = 0.1):
        func = "DualEncoder"
        if isinstance(passages, (str, bytes)) or not isinstance(passages, Sequence) or len(passages) == 0:
            raise TypeError(f"{func}: passages must be a non-empty list of str texts")
        for i, text in enumerate(passages):
            if not isinstance(text, str):
                raise TypeError(f"{func}: passages[{i}] must be a str, got {type(text).__name__}")
        self.dim = check_positive_int(dim, "dim", func)
        self.seed = check_positive_int(seed, "seed", func, minimum=0)
        self.keep_tfidf = bool(keep_tfidf)
        init_scale = check_positive_float(init_scale, "init_scale", func)
        docs = [_tokens(t) for t in passages]
        df = Counter(term for doc in docs for term in set(doc))
        self.vocabulary = sorted(df)
        self._column = {t: j for j, t in enumerate(self.vocabulary)}
        n = len(docs)
        self.idf = np.array([math.log(n / df[t]) for t in self.vocabulary])
        rng = np.random.default_rng(self.seed)
        R = rng.standard_normal((len(self.vocabulary), self.dim)) / math.sqrt(self.dim)
        if self.keep_tfidf:
            self.A_q = init_scale * R
            self.A_p = init_scale * rng.standard_normal(R.shape) / math.sqrt(self.dim)
        else:
            self.A_q = R.copy()
            self.A_p = R.copy()
        self.loss_history_: list[float] = []

    def features(self, texts: Sequence[str]):
        """φ(text): L2-normalised TF-IDF rows, a CSR matrix (n_texts, n_terms); unknown words are ignored."""
        if isinstance(texts, (str, bytes)):
            raise TypeError("DualEncoder.features: texts must be a list of str, got a str")
        rows, cols, vals = [], [], []
        for i, text in enumerate(texts):
            tokens = _tokens(text)
            entries = [(self._column[t], f / len(tokens) * self.idf[self._column[t]])
                       for t, f in Counter(tokens).items() if t in self._column]
            norm = math.sqrt(math.fsum(v * v for _, v in entries))
            for j, v in entries:
                if norm > 0:
                    rows.append(i)
                    cols.append(j)
                    vals.append(v / norm)
        return sp.csr_matrix((vals, (rows, cols)), shape=(len(texts), len(self.vocabulary)))

    def _embed(self, X, A) -> np.ndarray:
        learned = np.asarray(X @ A)
        return np.hstack([X.toarray(), learned]) if self.keep_tfidf else learned

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """q(x) for every text: (n_texts, n_terms + dim), or (n_texts, dim) without the TF-IDF block."""
        return self._embed(self.features(texts), self.A_q)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """d(z) for every text, like :meth:`encode_queries` with A_p."""
        return self._embed(self.features(texts), self.A_p)

    def loss_and_gradients(self, X_q, X_p, temperature: float = 1.0):
        """The in-batch loss of feature rows X_q, X_p and its gradients in A_q, A_p (chain rule).

        With Q = [X_q, X_q A_q] and P = [X_p, X_p A_p], only the second blocks
        depend on A: ∂L/∂A_q = X_qᵀ (∂L/∂Q)[:, learned] and
        ∂L/∂A_p = X_pᵀ (∂L/∂P)[:, learned] (equation ``rag-dual-encoder-grad``).
        """
        Q, P = self._embed(X_q, self.A_q), self._embed(X_p, self.A_p)
        loss, g_Q, g_P = in_batch_contrastive_loss(Q, P, temperature)
        return loss, np.asarray(X_q.T @ g_Q[:, -self.dim:]), np.asarray(X_p.T @ g_P[:, -self.dim:])

    def fit(self, queries: Sequence[str], positives: Sequence[str], *, epochs: int = 10,
            batch_size: int = 32, lr: float = 1e-2, temperature: float = 0.05) -> DualEncoder:
        """Train on (query, positive passage) pairs with in-batch negatives and Adam.

        Each epoch shuffles the pairs (seeded) and takes one Adam step per batch
        of at most ``batch_size`` pairs. A passage that is the positive of two
        queries of one batch would be a "negative" of itself: such duplicates
        are moved to a later batch. The mean loss of every epoch is appended to
        ``loss_history_``.
        """
        func = "DualEncoder.fit"
        if len(queries) != len(positives) or len(queries) < 2:
            raise ValueError(f"{func}: queries and positives must be lists of the same length (at least 2)")
        epochs = check_positive_int(epochs, "epochs", func)
        batch_size = check_positive_int(batch_size, "batch_size", func, minimum=2)
        tau = _check_temperature(temperature, func)
        X_q, X_p = self.features(list(queries)), self.features(list(positives))
        positive_ids = np.unique(np.asarray(list(positives), dtype=object), return_inverse=True)[1]
        opt_q, opt_p = Adam(lr=lr), Adam(lr=lr)
        rng = np.random.default_rng(self.seed)
        for _ in range(epochs):
            losses = []
            for batch in _batches(rng.permutation(X_q.shape[0]), positive_ids, batch_size):
                loss, g_q, g_p = self.loss_and_gradients(X_q[batch], X_p[batch], tau)
                self.A_q = opt_q.step(self.A_q, g_q)
                self.A_p = opt_p.step(self.A_p, g_p)
                losses.append(loss)
            self.loss_history_.append(float(np.mean(losses)))
        return self


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
    """

    UNK = "<unk>"

    def __init__(self, passages: Sequence[str], lambdas=(0.6, 0.3, 0.1)):
        func = "PassageNGramGenerator"
        if isinstance(passages, (str, bytes)) or not isinstance(passages, Sequence) or len(passages) == 0:
            raise TypeError(f"{func}: passages must be a non-empty list of str texts")
        for i, text in enumerate(passages):
            if not isinstance(text, str):
                raise TypeError(f"{func}: passages[{i}] must be a str, got {type(text).__name__}")
        lam = check_probability_vectors(lambdas, "lambdas", func)
        if lam.shape != (3,):
            raise ValueError(f"{func}: lambdas must hold 3 weights (bigram, unigram, background), got shape {lam.shape}")
        self.lambdas = tuple(float(v) for v in lam)
        counts = Counter(t for text in passages for t in _tokens(text))
        self.vocabulary = sorted(counts) + [self.UNK]
        self._index = {w: j for j, w in enumerate(self.vocabulary)}
        n_tokens = sum(counts.values())
        c = np.array([counts.get(w, 0) for w in self.vocabulary], dtype=float)
        self.background = (c + 1.0) / (n_tokens + len(self.vocabulary))

    def _id(self, token: str) -> int:
        return self._index.get(token, self._index[self.UNK])

    def next_token_distribution(self, passage: str, previous: str | None = None) -> np.ndarray:
        """p_θ(· | x, z, y_<i) over the whole vocabulary (``rag-ngram``); it sums to 1.

        ``passage`` is the text of z; ``previous`` the token y_{i−1} (None for
        the first token).
        """
        z = [self._id(t) for t in _tokens(passage)]
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
        """p_θ(y_i | x, z, y_<i) for every token y_i of ``answer`` given passage z, (n_tokens,)."""
        if not isinstance(passage, str) or not isinstance(answer, str):
            raise TypeError("PassageNGramGenerator.token_probabilities: passage and answer must be str")
        y = _tokens(answer)
        if not y:
            raise ValueError("PassageNGramGenerator.token_probabilities: answer has no tokens")
        z = [self._id(t) for t in _tokens(passage)]
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
        """One row of :meth:`token_probabilities` per passage: (n_passages, n_tokens)."""
        return np.vstack([self.token_probabilities(p, answer) for p in passages])
