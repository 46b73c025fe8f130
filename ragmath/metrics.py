"""Evaluating retrieval: reciprocal rank, DCG and NDCG, and their uncertainty (chapter 7).

Every function cites the label of the equation it implements in
``book/07-evaluation.md``; the chapter checks each one numerically.

Notation (as in the chapter): a ranking of n documents is given by its
*grades* r_1, ..., r_n **in ranked order** (r_i is the relevance grade of the
document at rank i, rank 1 first). Grades are real numbers; a grade ≤ 0 means
"not relevant" (gain 0), and an unjudged document counts as grade 0. ``k`` is a
cutoff (only ranks 1..k count). Logarithms in discounts are base 2.

The conventions of ``trec_eval``
--------------------------------
:func:`evaluate` follows the conventions of NIST's ``trec_eval`` (version 9,
files ``form_res_rels.c``, ``m_recip_rank.c`` and ``m_ndcg_cut.c`` of
https://github.com/usnistgov/trec_eval), so that its numbers can be compared
with published ones:

* A run gives each retrieved document a **score**; the rank column of a TREC run
  file is ignored. Documents are sorted by decreasing score, and **equal scores
  by decreasing document id** (``strcmp``, byte order; Python's ``str`` order is
  the same for UTF-8 ids). trec_eval reads scores with ``atof``, so scores
  written with few digits can tie there although they differ here.
* ``recip_rank`` is 1/rank of the first retrieved document with grade ≥ 1
  (trec_eval's default relevance level, option ``-l``), with no cutoff, and 0 if
  there is none. :func:`reciprocal_rank` uses "grade > 0", the same thing for
  integer grades.
* ``ndcg_cut.k`` uses the **linear** gain (the grade itself), the discount
  log2(rank + 1) (older releases of trec_eval did not discount ranks 1 and 2),
  and an ideal DCG built from **all** the judged grades of the query, cut at k.
  ``evaluate(..., gain="linear")`` reproduces it; ragmath's **default gain is
  exponential**, 2^r − 1 (Burges et al. 2005). To get the exponential version
  out of trec_eval, replace every grade r of the qrels by 2^r − 1.
* trec_eval evaluates only the queries that are both in the run and in the
  qrels; with ``-c`` a query of the qrels missing from the run counts 0.
  :func:`evaluate` has one row per query of the qrels and scores a missing
  query 0 (like ``-c``). Both use the whole run (trec_eval's ``-M`` can cut it).

Uncertainty: :func:`bootstrap_ci` (percentile bootstrap of a mean over
queries), :func:`paired_randomization_test` (sign-flip permutation test of the
per-query differences of two systems) and :func:`paired_t_test`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from ._validation import as_float_array, check_choice, check_positive_int

__all__ = [
    "GAINS",
    "reciprocal_rank",
    "mean_reciprocal_rank",
    "gain_values",
    "rank_discounts",
    "dcg_at_k",
    "idcg_at_k",
    "ndcg_at_k",
    "ranked_doc_ids",
    "run_from_scores",
    "evaluate",
    "tie_averaged_reciprocal_rank",
    "tie_averaged_dcg_at_k",
    "BootstrapResult",
    "bootstrap_means",
    "bootstrap_ci",
    "RandomizationResult",
    "sign_flip_means",
    "paired_randomization_test",
    "TTestResult",
    "paired_t_test",
]

#: The two gain functions of DCG (equation ``eval-gain``).
GAINS = ("exponential", "linear")

_U = 2.0**-53  # unit round-off of float64


# ------------------------------------------------------------------ validation
def _grades(relevances, name: str, func: str) -> np.ndarray:
    """A 1-D float64 array of finite grades (possibly empty)."""
    if isinstance(relevances, Mapping):
        raise TypeError(
            f"{func}: {name} must be a list of grades in ranked order, got a dict; "
            f"for a run {{doc_id: score}} use evaluate (or ranked_doc_ids)"
        )
    arr = as_float_array(relevances, name, func, ndim=1, allow_empty=True)
    return arr.astype(np.float64, copy=False)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _check_k(k, func: str, *, optional: bool = False):
    if optional and k is None:
        return None
    return check_positive_int(k, "k", func)


def _check_seed(seed, func: str) -> np.random.Generator:
    """An int seed (≥ 0) or a numpy Generator, as everywhere in ragmath."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"{func}: seed must be an int or a numpy.random.Generator, got {type(seed).__name__} {seed!r}"
        )
    if seed < 0:
        raise ValueError(f"{func}: seed must be non-negative, got {seed}")
    return np.random.default_rng(int(seed))


def _per_query(values, name: str, func: str, *, minimum: int = 1) -> np.ndarray:
    arr = as_float_array(values, name, func, ndim=1).astype(np.float64, copy=False)
    if len(arr) < minimum:
        raise ValueError(f"{func}: {name} needs at least {minimum} values (one per query), got {len(arr)}")
    return arr


def _paired(a, b, func: str, *, minimum: int = 1) -> tuple[np.ndarray, np.ndarray]:
    a = _per_query(a, "a", func, minimum=minimum)
    b = _per_query(b, "b", func, minimum=minimum)
    if len(a) != len(b):
        raise ValueError(
            f"{func}: a has {len(a)} values and b has {len(b)}; a paired test needs one value "
            f"of each system per query, in the same query order"
        )
    return a, b


# ------------------------------------------------------------ reciprocal rank
def reciprocal_rank(relevances, k=None) -> float:
    """Reciprocal rank of a ranking (equation ``eval-rr``).

    ``relevances`` are the grades in ranked order. Returns 1/i for the smallest
    rank i whose grade is > 0, and 0.0 if there is none (or, with a cutoff
    ``k``, none among the first k: "RR@k", as in MS MARCO's MRR@10). Without
    ``k`` this is trec_eval's ``recip_rank`` for integer grades.
    """
    func = "reciprocal_rank"
    r = _grades(relevances, "relevances", func)
    k = _check_k(k, func, optional=True)
    hits = np.flatnonzero(r > 0)
    if len(hits) == 0 or (k is not None and hits[0] >= k):
        return 0.0
    return 1.0 / (int(hits[0]) + 1)


def mean_reciprocal_rank(rankings, k=None) -> float:
    """Mean reciprocal rank over queries (equation ``eval-mrr``).

    ``rankings`` is a list with one ranking (a list of grades in ranked order)
    per query; the result is the mean of their :func:`reciprocal_rank`.
    """
    func = "mean_reciprocal_rank"
    if isinstance(rankings, (str, bytes, Mapping)) or not isinstance(rankings, (Sequence, np.ndarray)):
        raise TypeError(
            f"{func}: rankings must be a list of rankings (one list of grades per query), "
            f"got {type(rankings).__name__}"
        )
    if len(rankings) == 0:
        raise ValueError(f"{func}: rankings is empty; the mean over no queries is undefined")
    k = _check_k(k, func, optional=True)
    values = []
    for q, ranking in enumerate(rankings):
        if isinstance(ranking, numbers.Number) or (isinstance(ranking, np.ndarray) and ranking.ndim == 0):
            raise TypeError(
                f"{func}: rankings[{q}] must be a list of grades (one ranking per query), got "
                f"{type(ranking).__name__} {ranking!r}; for a single ranking use reciprocal_rank"
            )
        values.append(reciprocal_rank(_grades(ranking, f"rankings[{q}]", func), k))
    return math.fsum(values) / len(values)


# ------------------------------------------------------------------------ DCG
def gain_values(relevances, gain: str = "exponential") -> np.ndarray:
    """The gain of each grade (equation ``eval-gain``).

    "exponential": 2^r − 1; "linear": r; both 0 for r ≤ 0 (not relevant).
    Returns a float64 array of the shape of ``relevances``.
    """
    func = "gain_values"
    gain = check_choice(gain, "gain", func, GAINS)
    r = _grades(relevances, "relevances", func)
    return _gain(r, gain, func, "relevances")


def _gain(r: np.ndarray, gain: str, func: str, name: str) -> np.ndarray:
    positive = np.where(r > 0, r, 0.0)
    if gain == "linear":
        return positive
    if positive.size and positive.max() >= 1024:  # 2**1024 overflows float64
        raise ValueError(
            f"{func}: {name} has a grade of {positive.max():g}; the exponential gain 2^r − 1 "
            f"overflows for grades ≥ 1024 (use gain='linear')"
        )
    return np.exp2(positive) - 1.0  # exact for integer grades


def rank_discounts(n: int) -> np.ndarray:
    """The discounts log2(i + 1) of ranks i = 1..n (equation ``eval-dcg``)."""
    n = check_positive_int(n, "n", "rank_discounts", minimum=0)
    return np.log2(np.arange(2, n + 2, dtype=np.float64))


def _dcg(r: np.ndarray, k: int, gain: str, func: str, name: str) -> float:
    top = r[:k]
    if top.size == 0:
        return 0.0
    g = _gain(top, gain, func, name)
    return float(np.sum(g / np.log2(np.arange(2, len(top) + 2, dtype=np.float64))))


def dcg_at_k(relevances, k, gain: str = "exponential") -> float:
    """Discounted cumulative gain at cutoff k (equation ``eval-dcg``).

    DCG@k = Σ_{i=1}^{min(k, n)} g(r_i) / log2(i + 1), with g the gain of
    :func:`gain_values` ("exponential" 2^r − 1 by default, or "linear" r).
    An empty ranking has DCG 0.
    """
    func = "dcg_at_k"
    r = _grades(relevances, "relevances", func)
    k = _check_k(k, func)
    gain = check_choice(gain, "gain", func, GAINS)
    return _dcg(r, k, gain, func, "relevances")


def idcg_at_k(ideal, k, gain: str = "exponential") -> float:
    """Ideal DCG at cutoff k (equation ``eval-idcg``).

    The DCG@k of the grades ``ideal`` sorted in decreasing order: the best
    possible DCG@k of any ranking of those documents. ``ideal`` must hold the
    grades of **all** the judged documents of the query, not only of the
    retrieved ones.
    """
    func = "idcg_at_k"
    r = _grades(ideal, "ideal", func)
    k = _check_k(k, func)
    gain = check_choice(gain, "gain", func, GAINS)
    return _dcg(-np.sort(-r), k, gain, func, "ideal")


def ndcg_at_k(relevances, k, gain: str = "exponential", ideal=None) -> float:
    """Normalised DCG at cutoff k (equation ``eval-ndcg``).

    DCG@k(relevances) / IDCG@k(ideal), where the ideal ranking sorts
    ``ideal`` (all judged grades of the query; defaults to ``relevances``) in
    decreasing order; 0.0 when IDCG@k is 0 (no relevant document). The value
    lies in [0, 1] (``ex-eval-ndcg-bound``); it is clipped to 1 against rounding.

    ``ideal`` must contain every relevant document of ``relevances``: sorted in
    decreasing order, the j-th positive grade of ``relevances`` may not exceed
    the j-th grade of ``ideal``. Otherwise a ValueError is raised (NDCG could
    exceed 1): typically ``ideal`` was not built from all judged documents.
    """
    func = "ndcg_at_k"
    r = _grades(relevances, "relevances", func)
    k = _check_k(k, func)
    gain = check_choice(gain, "gain", func, GAINS)
    if ideal is None:
        best = -np.sort(-r)
    else:
        best = -np.sort(-_grades(ideal, "ideal", func))
        mine = -np.sort(-r[r > 0])
        n_best = int(np.count_nonzero(best > 0))
        detail = None
        if len(mine) > n_best:
            detail = f"it has {len(mine)} relevant documents, ideal only {n_best}"
        else:
            worse = np.flatnonzero(mine > best[: len(mine)])
            if len(worse):
                j = int(worse[0])
                which = "largest grade" if j == 0 else f"{_ordinal(j + 1)} largest grade"
                detail = f"its {which}, {mine[j]:g}, exceeds ideal's, {best[j]:g}"
        if detail is not None:
            raise ValueError(
                f"{func}: relevances has more, or more relevant, documents than ideal ({detail}); "
                f"ideal must hold the grades of all the judged documents of the query"
            )
    idcg = _dcg(best, k, gain, func, "ideal")
    if idcg == 0.0:
        return 0.0
    return min(1.0, _dcg(r, k, gain, func, "relevances") / idcg)


# ---------------------------------------------------------------- runs, ties
def _check_doc_id(doc_id, where: str, func: str) -> None:
    if not isinstance(doc_id, str):
        raise TypeError(
            f"{func}: {where} has a document id {doc_id!r} of type {type(doc_id).__name__}; "
            f"document ids must be str (trec_eval compares them as strings)"
        )


def _check_number(value, where: str, func: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{func}: {where} must be a real number ({what}), got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{func}: {where} is {value}; {what} must be finite")
    return value


def _check_scores(doc_scores, name: str, func: str) -> dict[str, float]:
    if not isinstance(doc_scores, Mapping):
        raise TypeError(
            f"{func}: {name} must be a dict {{doc_id: score}}, got {type(doc_scores).__name__}"
        )
    out = {}
    for doc_id, score in doc_scores.items():
        _check_doc_id(doc_id, name, func)
        out[doc_id] = _check_number(score, f"{name}[{doc_id!r}]", func, "a score")
    return out


def _trec_order(doc_scores: Mapping[str, float]) -> list[str]:
    # decreasing score, then decreasing doc id: trec_eval's comp_sim_docno
    return [d for d, _ in sorted(doc_scores.items(), key=lambda item: (item[1], item[0]), reverse=True)]


def ranked_doc_ids(doc_scores) -> list[str]:
    """The document ids of one query's run in trec_eval's order (equation ``eval-order``).

    ``doc_scores`` is a dict {doc_id: score}. Sorted by decreasing score; equal
    scores by **decreasing** document id (string order), as trec_eval does.
    """
    return _trec_order(_check_scores(doc_scores, "doc_scores", "ranked_doc_ids"))


def run_from_scores(scores, doc_ids, query_ids=None, k=None) -> dict:
    """A run {query_id: {doc_id: score}} from a matrix of scores (the input of ``eval-order``).

    ``scores`` is (n_queries, n_docs) (or 1-D for one query, which returns
    {doc_id: score}); ``doc_ids`` names the columns (str, distinct);
    ``query_ids`` names the rows (default "0", "1", ...). With ``k``, only the k
    best documents of each query are kept, in trec_eval's order (equal scores
    by decreasing doc id), so a cut never depends on the order of the columns.
    """
    func = "run_from_scores"
    S = as_float_array(scores, "scores", func, ndim=(1, 2))
    one = S.ndim == 1
    S = np.atleast_2d(S)
    if isinstance(doc_ids, (str, bytes)) or not isinstance(doc_ids, (Sequence, np.ndarray, pd.Index, pd.Series)):
        raise TypeError(f"{func}: doc_ids must be a list of str document ids, got {type(doc_ids).__name__}")
    doc_ids = list(doc_ids)
    for doc_id in doc_ids:
        _check_doc_id(doc_id, "doc_ids", func)
    if len(doc_ids) != S.shape[1]:
        raise ValueError(f"{func}: scores has {S.shape[1]} columns but doc_ids has {len(doc_ids)} ids")
    if len(set(doc_ids)) != len(doc_ids):
        raise ValueError(f"{func}: doc_ids has duplicates; every document needs its own id")
    if query_ids is None:
        query_ids = [str(i) for i in range(S.shape[0])]
    else:
        if isinstance(query_ids, (str, bytes)):
            raise TypeError(f"{func}: query_ids must be a list of str query ids, got a str")
        query_ids = list(query_ids)
        for qid in query_ids:
            if not isinstance(qid, str):
                raise TypeError(f"{func}: query_ids has {qid!r} of type {type(qid).__name__}; query ids must be str")
        if len(query_ids) != S.shape[0]:
            raise ValueError(f"{func}: scores has {S.shape[0]} rows but query_ids has {len(query_ids)} ids")
        if len(set(query_ids)) != len(query_ids):
            raise ValueError(f"{func}: query_ids has duplicates")
    k = _check_k(k, func, optional=True)
    run = {}
    for qid, row in zip(query_ids, S):
        doc_scores = dict(zip(doc_ids, row.tolist()))
        if k is not None and k < len(doc_ids):
            doc_scores = {d: doc_scores[d] for d in _trec_order(doc_scores)[:k]}
        run[qid] = doc_scores
    return run[query_ids[0]] if one else run


def _check_nested(obj, name: str, func: str, what: str) -> dict[str, dict[str, float]]:
    if not isinstance(obj, Mapping):
        raise TypeError(
            f"{func}: {name} must be a dict of dicts {{query_id: {{doc_id: {what}}}}}, got {type(obj).__name__}"
        )
    out = {}
    for qid, docs in obj.items():
        if not isinstance(qid, str):
            raise TypeError(f"{func}: {name} has a query id {qid!r} of type {type(qid).__name__}; query ids must be str")
        if not isinstance(docs, Mapping):
            raise TypeError(
                f"{func}: {name}[{qid!r}] must be a dict {{doc_id: {what}}}, got {type(docs).__name__}"
            )
        inner = {}
        for doc_id, value in docs.items():
            _check_doc_id(doc_id, f"{name}[{qid!r}]", func)
            inner[doc_id] = _check_number(value, f"{name}[{qid!r}][{doc_id!r}]", func, f"a {what}")
        out[qid] = inner
    return out


def evaluate(qrels, run, k=10, gain: str = "exponential") -> pd.DataFrame:
    """Reciprocal rank and NDCG@k of every query (equations ``eval-rr`` and ``eval-ndcg``).

    ``qrels`` is {query_id: {doc_id: grade}} and ``run`` {query_id: {doc_id: score}}
    (the TREC dict convention; ids are str). For each query of ``qrels``, the
    run's documents are ranked as trec_eval ranks them (decreasing score, equal
    scores by decreasing doc id, ``eval-order``), unjudged documents get grade 0,
    grades ≤ 0 count as not relevant, and the ideal ranking uses **all** the
    query's judged grades. A query missing from ``run`` scores 0.

    Returns a DataFrame indexed by query id (name "query_id", in the order of
    ``qrels``) with columns "rr" (trec_eval's ``recip_rank``: no cutoff) and
    f"ndcg@{k}" (with ``gain="linear"``, trec_eval's ``ndcg_cut_k``; the default
    gain is exponential, 2^r − 1).
    """
    func = "evaluate"
    qrels = _check_nested(qrels, "qrels", func, "grade")
    run = _check_nested(run, "run", func, "score")
    k = _check_k(k, func)
    gain = check_choice(gain, "gain", func, GAINS)
    if not qrels:
        raise ValueError(f"{func}: qrels is empty; there is no query to evaluate")
    rr, ndcg = [], []
    for qid, judged in qrels.items():
        ranking = _trec_order(run.get(qid, {}))
        grades = np.array([judged.get(doc_id, 0.0) for doc_id in ranking], dtype=np.float64)
        hits = np.flatnonzero(grades > 0)
        rr.append(1.0 / (int(hits[0]) + 1) if len(hits) else 0.0)
        best = -np.sort(-np.array(list(judged.values()), dtype=np.float64))
        idcg = _dcg(best, k, gain, func, f"qrels[{qid!r}]")
        ndcg.append(0.0 if idcg == 0.0 else min(1.0, _dcg(grades, k, gain, func, f"qrels[{qid!r}]") / idcg))
    index = pd.Index(list(qrels), name="query_id")
    return pd.DataFrame({"rr": rr, f"ndcg@{k}": ndcg}, index=index, dtype=np.float64)


def _tie_groups(scores, grades, func: str):
    """Grades grouped by equal score, best score first: a list of grade arrays."""
    s = as_float_array(scores, "scores", func, ndim=1, allow_empty=True).astype(np.float64, copy=False)
    r = _grades(grades, "grades", func)
    if len(s) != len(r):
        raise ValueError(f"{func}: scores has {len(s)} values but grades has {len(r)}; one grade per document")
    order = np.argsort(-s, kind="stable")
    s, r = s[order], r[order]
    bounds = np.flatnonzero(np.diff(s) != 0) + 1
    return np.split(r, bounds)


def tie_averaged_reciprocal_rank(scores, grades) -> float:
    """Reciprocal rank averaged over all orders of the tied documents (``eval-rr-ties``).

    ``scores`` and ``grades`` describe every retrieved document (any order).
    Documents with equal scores form a tie group; each order of each group is
    equally likely. If the first group with a relevant document is preceded by
    t documents, has m documents and R relevant ones, the first relevant one is
    at position J of the group with P(J = j) = C(m − j, R − 1) / C(m, R), and
    the result is E[1 / (t + J)] (McSherry and Najork, 2008).
    """
    func = "tie_averaged_reciprocal_rank"
    start = 1
    for group in _tie_groups(scores, grades, func):
        m, R = len(group), int(np.count_nonzero(group > 0))
        if R:
            p = R / m  # P(J = 1); then P(J = j + 1) = P(J = j)·(m − j − R + 1)/(m − j)
            total = 0.0
            for j in range(1, m - R + 2):
                total += p / (start - 1 + j)
                p *= (m - j - R + 1) / (m - j) if j < m else 0.0
            return total
        start += m
    return 0.0


def tie_averaged_dcg_at_k(scores, grades, k, gain: str = "exponential") -> float:
    """DCG@k averaged over all orders of the tied documents (``eval-dcg-ties``).

    A tie group of m documents preceded by t documents occupies ranks
    t + 1..t + m and puts each of its documents at each of those ranks with
    probability 1/m, so by linearity of expectation
    E[DCG@k] = Σ_groups (Σ_group g(r)) · (1/m) Σ_{i=t+1}^{min(t+m,k)} 1/log2(i + 1).
    Divide by :func:`idcg_at_k` for the tie-averaged NDCG@k.
    """
    func = "tie_averaged_dcg_at_k"
    groups = _tie_groups(scores, grades, func)
    k = _check_k(k, func)
    gain = check_choice(gain, "gain", func, GAINS)
    total, start = 0.0, 1
    for group in groups:
        m = len(group)
        end = min(start + m - 1, k)
        if start > k:
            break
        weight = float(np.sum(1.0 / np.log2(np.arange(start + 1, end + 2, dtype=np.float64)))) / m
        total += float(np.sum(_gain(group, gain, func, "grades"))) * weight
        start += m
    return total


# ---------------------------------------------------------------- uncertainty
class BootstrapResult(NamedTuple):
    """A percentile bootstrap confidence interval of a mean (``eval-bootstrap-ci``)."""

    mean: float
    low: float
    high: float


def bootstrap_means(values, n_resamples: int = 10000, seed=0) -> np.ndarray:
    """Means of bootstrap resamples of ``values`` (equation ``eval-bootstrap``).

    Each resample draws len(values) values **with replacement** (uniformly, the
    empirical distribution of the queries) and takes their mean. Returns the
    ``n_resamples`` means (float64). ``seed``: an int or a numpy Generator.
    """
    func = "bootstrap_means"
    x = _per_query(values, "values", func)
    n_resamples = check_positive_int(n_resamples, "n_resamples", func)
    rng = _check_seed(seed, func)
    n = len(x)
    out = np.empty(n_resamples, dtype=np.float64)
    chunk = max(1, 2_000_000 // n)  # bound the memory of the index matrix
    for start in range(0, n_resamples, chunk):
        stop = min(start + chunk, n_resamples)
        idx = rng.integers(0, n, size=(stop - start, n))
        out[start:stop] = x[idx].mean(axis=1)
    return out


def bootstrap_ci(values, n_resamples: int = 10000, confidence: float = 0.95, seed=0) -> BootstrapResult:
    """Percentile bootstrap confidence interval of the mean of ``values`` (``eval-bootstrap-ci``).

    ``values`` holds one number per query (e.g. its reciprocal rank). Draws
    :func:`bootstrap_means` and returns the sample mean and the
    (1 − confidence)/2 and (1 + confidence)/2 quantiles of the bootstrap means
    (``numpy.quantile``, linear interpolation), as ``BootstrapResult(mean, low, high)``
    (Efron and Tibshirani 1993, chapter 13). Seeded: the same seed gives the same interval.
    """
    func = "bootstrap_ci"
    x = _per_query(values, "values", func)
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real):
        raise TypeError(f"{func}: confidence must be a real number in (0, 1), got {type(confidence).__name__}")
    confidence = float(confidence)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"{func}: confidence must lie strictly between 0 and 1, got {confidence}")
    means = bootstrap_means(x, n_resamples, seed)
    alpha = 1.0 - confidence
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return BootstrapResult(float(np.mean(x)), float(low), float(high))


class RandomizationResult(NamedTuple):
    """A paired randomization test (``eval-randomization``)."""

    mean_difference: float  #: mean of a − b over the queries
    p_value: float  #: two-sided
    n_resamples: int  #: sign vectors used (2**n when exact)
    exact: bool  #: True if every sign vector was enumerated


def _random_signs(n: int, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """An (n_resamples, n) matrix of independent uniform signs ±1."""
    return rng.choice(np.array([1.0, -1.0]), size=(n_resamples, n))


def sign_flip_means(a, b, n_resamples: int = 10000, seed=0) -> np.ndarray:
    """Means of the per-query differences a − b with random signs (``eval-randomization``).

    Under the null hypothesis that, on every query, the two systems' scores
    are exchangeable, each difference d_q = a_q − b_q is as likely to have
    been −d_q: the returned ``n_resamples`` values (1/n) Σ_q s_q d_q, with
    independent uniform signs s_q ∈ {−1, +1}, are draws from the null
    distribution of the mean difference.
    """
    func = "sign_flip_means"
    a, b = _paired(a, b, func)
    n_resamples = check_positive_int(n_resamples, "n_resamples", func)
    rng = _check_seed(seed, func)
    d = a - b
    out = np.empty(n_resamples, dtype=np.float64)
    chunk = max(1, 2_000_000 // len(d))
    for start in range(0, n_resamples, chunk):
        stop = min(start + chunk, n_resamples)
        out[start:stop] = _random_signs(len(d), stop - start, rng) @ d / len(d)
    return out


def paired_randomization_test(a, b, n_resamples: int = 10000, seed=0) -> RandomizationResult:
    """Two-sided paired randomization (sign-flip) test of mean(a) = mean(b) (``eval-randomization``).

    ``a`` and ``b`` hold one value per query for two systems, in the same query
    order. With d = a − b and T = |Σ d_q|, the p-value is the probability,
    under independent uniform signs s_q, that |Σ s_q d_q| ≥ T:

    * if 2**n ≤ n_resamples, all 2**n sign vectors are enumerated and the
      p-value is exact: #{s : |Σ s_q d_q| ≥ T} / 2**n;
    * otherwise ``n_resamples`` random sign vectors are drawn and
      p = (1 + #{|Σ s_q d_q| ≥ T}) / (1 + n_resamples), which counts the
      observed signs too and is never 0 (Phipson and Smyth 2010).

    Sums that differ from T by less than their rounding error bound
    (2·n·u·Σ|d_q|) count as ties (≥ T), so that mathematically equal sums
    are counted alike.
    """
    func = "paired_randomization_test"
    a, b = _paired(a, b, func)
    n_resamples = check_positive_int(n_resamples, "n_resamples", func)
    rng = _check_seed(seed, func)
    d = a - b
    n = len(d)
    T = abs(math.fsum(d))
    tol = 2 * n * _U * float(np.sum(np.abs(d)))
    exact = n <= 30 and 2**n <= n_resamples
    if exact:
        extreme = 0
        for start in range(0, 2**n, 2**16):  # enumerate in blocks of sign vectors
            stop = min(start + 2**16, 2**n)
            codes = np.arange(start, stop, dtype=np.int64)[:, None]
            signs = 1.0 - 2.0 * ((codes >> np.arange(n, dtype=np.int64)) & 1)
            extreme += int(np.count_nonzero(np.abs(signs @ d) >= T - tol))
        return RandomizationResult(float(np.mean(d)), extreme / 2**n, 2**n, True)
    extreme = 0
    chunk = max(1, 2_000_000 // n)
    for start in range(0, n_resamples, chunk):
        stop = min(start + chunk, n_resamples)
        sums = _random_signs(n, stop - start, rng) @ d
        extreme += int(np.count_nonzero(np.abs(sums) >= T - tol))
    return RandomizationResult(float(np.mean(d)), (1 + extreme) / (1 + n_resamples), n_resamples, False)


class TTestResult(NamedTuple):
    """A paired t-test (``eval-t``)."""

    t: float
    df: int
    p_value: float  #: two-sided


def _student_t_sf(t: float, df: int) -> float:
    """P(T ≥ t) for Student's t with df degrees of freedom (t ≥ 0), via the incomplete beta."""
    from scipy.special import betainc  # scipy is a dependency of ragmath (requirements.txt)

    x = df / (df + t * t)
    return 0.5 * float(betainc(df / 2.0, 0.5, x))


def paired_t_test(a, b) -> TTestResult:
    """Two-sided paired t-test of mean(a) = mean(b) (equation ``eval-t``).

    With d = a − b over n ≥ 2 queries, mean d̄ and sample standard deviation
    s_d (divisor n − 1), t = d̄ / (s_d / √n), and under the null hypothesis
    (differences independent, normal, mean 0) t follows Student's t with
    n − 1 degrees of freedom: p = 2·P(T ≥ |t|). If every difference is equal,
    s_d = 0: t = 0 and p = 1 when they are all 0, t = ±inf and p = 0 otherwise.
    """
    func = "paired_t_test"
    a, b = _paired(a, b, func, minimum=2)
    d = a - b
    n = len(d)
    mean = float(np.mean(d))
    sd = float(np.std(d, ddof=1))
    if np.all(d == d[0]):
        if mean == 0.0:
            return TTestResult(0.0, n - 1, 1.0)
        return TTestResult(math.copysign(math.inf, mean), n - 1, 0.0)
    t = mean / (sd / math.sqrt(n))
    return TTestResult(t, n - 1, min(1.0, 2.0 * _student_t_sf(abs(t), n - 1)))
