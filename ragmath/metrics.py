"""Evaluating retrieval: reciprocal rank, DCG and NDCG, and their uncertainty (chapter 7).

Every public function cites the label of the equation it implements in
``book/07-evaluation.md`` in its summary line; the chapter checks each one
numerically.

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

:func:`score_matrix_metrics` computes the same numbers as :func:`evaluate`
from a score matrix and a :func:`grade_matrix`, with no dictionaries (fast
enough for a widget). :func:`ranking_breakdown` and :func:`move_document`
are the computations behind the ranked-list figures and widget.

Uncertainty: :func:`bootstrap_ci` (percentile bootstrap of a mean over
queries), :func:`paired_randomization_test` (sign-flip permutation test of the
per-query differences of two systems), :func:`paired_t_test`, and
:func:`significance_summary` (all of them on a subset of the queries, for the
significance figures).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from ._validation import (
    as_float_array,
    check_choice,
    check_interval,
    check_positive_int,
    check_random_state,
)

__all__ = [
    "GAINS",
    "reciprocal_rank",
    "mean_reciprocal_rank",
    "gain_values",
    "rank_discounts",
    "dcg_at_k",
    "idcg_at_k",
    "ndcg_at_k",
    "ranking_breakdown",
    "move_document",
    "ranked_doc_ids",
    "run_from_scores",
    "evaluate",
    "grade_matrix",
    "score_matrix_metrics",
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
    "significance_summary",
    "precision_recall_at_k",
    "average_precision",
    "holm_adjust",
    "exact_sign_flip_means",
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
def _first_hit_rr(r: np.ndarray, k: int | None = None) -> float:
    """1/i for the first rank i (≤ k) with a grade > 0, else 0 (``eval-rr``, unvalidated)."""
    hits = np.flatnonzero(r > 0)
    if len(hits) == 0 or (k is not None and hits[0] >= k):
        return 0.0
    return 1.0 / (int(hits[0]) + 1)


def reciprocal_rank(relevances, k=None) -> float:
    """Reciprocal rank of a ranking (equation ``eval-rr``).

    1/i for the smallest rank i whose grade is > 0, and 0.0 if there is none.
    Without ``k`` this is trec_eval's ``recip_rank`` for integer grades.

    Parameters
    ----------
    relevances : array-like, shape (n,)
        The grades in ranked order (rank 1 first); may be empty.
    k : int, optional
        A cutoff: only the first k ranks count ("RR@k", as in MS MARCO's MRR@10).

    Returns
    -------
    float
        The reciprocal rank, in [0, 1].

    Raises
    ------
    TypeError
        If ``relevances`` is a dict (a run) or not numeric, or ``k`` is not an integer.
    ValueError
        If ``relevances`` is not 1-D or holds nan/inf, or ``k`` < 1.

    Examples
    --------
    >>> print(f"{reciprocal_rank([0, 0, 1, 0]):.4f}")
    0.3333
    >>> reciprocal_rank([0, 0, 1, 0], k=2)
    0.0
    """
    func = "reciprocal_rank"
    r = _grades(relevances, "relevances", func)
    return _first_hit_rr(r, _check_k(k, func, optional=True))


def mean_reciprocal_rank(rankings, k=None) -> float:
    """Mean reciprocal rank over queries (equation ``eval-mrr``).

    The mean of the :func:`reciprocal_rank` (``eval-rr``) of every query's ranking.

    Parameters
    ----------
    rankings : sequence of array-like
        One ranking (a list of grades in ranked order) per query.
    k : int, optional
        A cutoff applied to every ranking (MRR@k).

    Returns
    -------
    float
        The mean, in [0, 1].

    Raises
    ------
    TypeError
        If ``rankings`` is not a list of rankings (e.g. a single flat ranking).
    ValueError
        If ``rankings`` is empty, or a ranking or ``k`` is invalid.

    Examples
    --------
    >>> mean_reciprocal_rank([[0, 1], [1, 0], [0, 0]])
    0.5
    >>> mean_reciprocal_rank([[0, 0, 1], [0, 1]], k=2)
    0.25
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
        values.append(_first_hit_rr(_grades(ranking, f"rankings[{q}]", func), k))
    return math.fsum(values) / len(values)


# ------------------------------------------------------------------------ DCG
def _gain(r: np.ndarray, gain: str, func: str, name: str) -> np.ndarray:
    """g(r) elementwise, any shape (``eval-gain``, unvalidated apart from overflow)."""
    positive = np.where(r > 0, r, 0.0)
    if gain == "linear":
        return positive
    if positive.size and positive.max() >= 1024:  # 2**1024 overflows float64
        raise ValueError(
            f"{func}: {name} has a grade of {positive.max():g}; the exponential gain 2^r − 1 "
            f"overflows for grades ≥ 1024 (use gain='linear')"
        )
    return np.exp2(positive) - 1.0  # exact for integer grades


def _discounts(n: int) -> np.ndarray:
    """log2(i + 1) for ranks i = 1..n (``eval-dcg``)."""
    return np.log2(np.arange(2, n + 2, dtype=np.float64))


def _dcg(r: np.ndarray, k: int, gain: str, func: str, name: str) -> float:
    top = r[:k]
    if top.size == 0:
        return 0.0
    return float(np.sum(_gain(top, gain, func, name) / _discounts(len(top))))


def gain_values(relevances, gain: str = "exponential") -> np.ndarray:
    """The gain of each grade (equation ``eval-gain``).

    "exponential": 2^r − 1; "linear": r; both 0 for r ≤ 0 (not relevant).

    Parameters
    ----------
    relevances : array-like, shape (n,)
        Grades (any order; may be empty).
    gain : {"exponential", "linear"}
        The gain function.

    Returns
    -------
    numpy.ndarray, shape (n,)
        The gains, float64.

    Raises
    ------
    ValueError
        If ``gain`` is unknown, ``relevances`` is not 1-D or holds nan/inf, or
        an exponential gain would overflow (a grade ≥ 1024).

    Examples
    --------
    >>> print(gain_values([3, 1, 0, -1]))
    [7. 1. 0. 0.]
    >>> print(gain_values([3, 1, 0, -1], "linear"))
    [3. 1. 0. 0.]
    """
    func = "gain_values"
    gain = check_choice(gain, "gain", func, GAINS)
    r = _grades(relevances, "relevances", func)
    return _gain(r, gain, func, "relevances")


def rank_discounts(n: int) -> np.ndarray:
    """The discounts log2(i + 1) of ranks i = 1..n.

    The denominators of DCG, ``eval-dcg``.

    Parameters
    ----------
    n : int
        The number of ranks (0 gives an empty array).

    Returns
    -------
    numpy.ndarray, shape (n,)
        log2(2), log2(3), ..., log2(n + 1), float64.

    Raises
    ------
    TypeError
        If ``n`` is not an integer.
    ValueError
        If ``n`` is negative.

    Examples
    --------
    >>> print(np.round(rank_discounts(3), 4).tolist())
    [1.0, 1.585, 2.0]
    """
    return _discounts(check_positive_int(n, "n", "rank_discounts", minimum=0))


def dcg_at_k(relevances, k, gain: str = "exponential") -> float:
    """Discounted cumulative gain at cutoff k (equation ``eval-dcg``).

    DCG@k = Σ_{i=1}^{min(k, n)} g(r_i) / log2(i + 1), with g the gain of
    :func:`gain_values` (``eval-gain``). An empty ranking has DCG 0.

    Parameters
    ----------
    relevances : array-like, shape (n,)
        The grades in ranked order.
    k : int
        The cutoff, ≥ 1.
    gain : {"exponential", "linear"}
        2^r − 1 (the default) or r.

    Returns
    -------
    float
        DCG@k, ≥ 0.

    Raises
    ------
    TypeError
        If ``k`` is not an integer.
    ValueError
        If ``k`` < 1, ``gain`` is unknown, or ``relevances`` is invalid.

    Examples
    --------
    >>> print(f"{dcg_at_k([3, 2, 0, 1], k=3):.4f}")  # 7/1 + 3/log2(3) + 0/2
    8.8928
    """
    func = "dcg_at_k"
    r = _grades(relevances, "relevances", func)
    k = _check_k(k, func)
    gain = check_choice(gain, "gain", func, GAINS)
    return _dcg(r, k, gain, func, "relevances")


def idcg_at_k(ideal, k, gain: str = "exponential") -> float:
    """Ideal DCG at cutoff k (equation ``eval-idcg``).

    The DCG@k of the grades ``ideal`` sorted in decreasing order: the best
    possible DCG@k of any ranking of those documents.

    Parameters
    ----------
    ideal : array-like, shape (m,)
        The grades of **all** the judged documents of the query, not only of
        the retrieved ones (any order).
    k : int
        The cutoff, ≥ 1.
    gain : {"exponential", "linear"}
        The gain function.

    Returns
    -------
    float
        IDCG@k, ≥ 0.

    Raises
    ------
    TypeError
        If ``k`` is not an integer.
    ValueError
        If ``k`` < 1, ``gain`` is unknown, or ``ideal`` is invalid.

    Examples
    --------
    >>> print(f"{idcg_at_k([0, 1, 3, 2], k=3):.4f}")  # 7/1 + 3/log2(3) + 1/2
    9.3928
    """
    func = "idcg_at_k"
    r = _grades(ideal, "ideal", func)
    k = _check_k(k, func)
    gain = check_choice(gain, "gain", func, GAINS)
    return _dcg(-np.sort(-r), k, gain, func, "ideal")


def ndcg_at_k(relevances, k, gain: str = "exponential", ideal=None) -> float:
    """Normalised DCG at cutoff k (equation ``eval-ndcg``).

    DCG@k(relevances) / IDCG@k(ideal) (``eval-dcg``, ``eval-idcg``); 0.0 when
    IDCG@k is 0 (no relevant document). The value lies in [0, 1]
    (``ex-eval-ndcg-bound``); it is clipped to 1 against rounding.

    Parameters
    ----------
    relevances : array-like, shape (n,)
        The grades in ranked order.
    k : int
        The cutoff, ≥ 1.
    gain : {"exponential", "linear"}
        The gain function.
    ideal : array-like, optional
        All the judged grades of the query (any order); defaults to
        ``relevances``. It must contain every relevant document of
        ``relevances``: sorted decreasingly, the j-th positive grade of
        ``relevances`` may not exceed the j-th grade of ``ideal``.

    Returns
    -------
    float
        NDCG@k in [0, 1].

    Raises
    ------
    TypeError
        If ``k`` is not an integer.
    ValueError
        If ``k``, ``gain``, ``relevances`` or ``ideal`` is invalid, or ``ideal``
        lacks relevant documents of ``relevances`` (NDCG could exceed 1:
        typically ``ideal`` was not built from all judged documents).

    Examples
    --------
    >>> print(f"{ndcg_at_k([0, 1, 3], 3):.4f}")
    0.5413
    >>> print(f"{ndcg_at_k([1, 0], 2, ideal=[1, 2, 0]):.4f}")  # a grade-2 document was not retrieved
    0.2754
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


# ------------------------------------------------------ a ranked list of names
def _check_ranking(ranking, grades, func: str) -> tuple[tuple[str, ...], dict]:
    if not isinstance(grades, Mapping):
        raise TypeError(f"{func}: grades must be a dict {{document: grade}}, got {type(grades).__name__}")
    ranking = tuple(ranking)
    unknown = [doc for doc in ranking if doc not in grades]
    if unknown:
        raise ValueError(f"{func}: ranking has documents without a grade: {unknown}")
    if len(set(ranking)) != len(ranking):
        raise ValueError(f"{func}: ranking lists a document twice")
    return ranking, dict(grades)


def ranking_breakdown(ranking, grades, k, gain: str = "exponential") -> dict:
    """RR, DCG@k, IDCG@k and NDCG@k of a ranking of named documents, rank by rank.

    Applies ``eval-rr``, ``eval-dcg``, ``eval-idcg`` and ``eval-ndcg`` (through
    :func:`reciprocal_rank`, :func:`dcg_at_k`, :func:`idcg_at_k` and
    :func:`ndcg_at_k`) to the grades of ``ranking``, with the ideal ranking
    built from every judged document of ``grades``, and also returns each
    rank's contribution g(r_i)/log2(i + 1) to DCG: what the chapter's
    ranked-list figures draw.

    Parameters
    ----------
    ranking : sequence of str
        Distinct document names, best first; each must have a grade.
    grades : dict
        {document: grade} for **every** judged document of the query.
    k : int
        The cutoff, ≥ 1.
    gain : {"exponential", "linear"}
        The gain function (``eval-gain``).

    Returns
    -------
    dict
        "ranking" (tuple), "grades" (the grades in ranked order),
        "contributions" (per rank, 0 beyond k), "ideal_contributions" (the
        same for the ideal ranking, its first len(ranking) ranks), and the
        floats "rr", "dcg", "idcg", "ndcg".

    Raises
    ------
    TypeError
        If ``grades`` is not a dict or ``k`` is not an integer.
    ValueError
        If a document of ``ranking`` has no grade or is listed twice, or
        ``gain`` or ``k`` is invalid.

    Examples
    --------
    >>> out = ranking_breakdown(["b", "a"], {"a": 2, "b": 0, "c": 1}, k=2)
    >>> print(out["rr"], np.round(out["contributions"], 4).tolist())
    0.5 [0.0, 1.8928]
    >>> print(f"{out['dcg']:.4f} / {out['idcg']:.4f} = {out['ndcg']:.4f}")
    1.8928 / 3.6309 = 0.5213
    """
    func = "ranking_breakdown"
    ranking, grades = _check_ranking(ranking, grades, func)
    gain = check_choice(gain, "gain", func, GAINS)
    k = check_positive_int(k, "k", func)
    r = _grades([grades[d] for d in ranking], "grades", func)
    ideal = _grades(list(grades.values()), "grades", func)
    discounts = _discounts(len(r))
    contributions = _gain(r, gain, func, "grades") / discounts
    contributions[k:] = 0.0
    best = -np.sort(-ideal)[: len(r)]
    ideal_contributions = np.zeros(len(r))
    ideal_contributions[: len(best)] = _gain(best, gain, func, "grades") / discounts[: len(best)]
    ideal_contributions[k:] = 0.0
    return {
        "ranking": ranking,
        "grades": r,
        "contributions": contributions,
        "ideal_contributions": ideal_contributions,
        "rr": _first_hit_rr(r),
        "dcg": _dcg(r, k, gain, func, "grades"),
        "idcg": _dcg(-np.sort(-ideal), k, gain, func, "grades"),
        "ndcg": ndcg_at_k(r, k, gain, ideal=ideal),
    }


def move_document(ranking, doc, position) -> tuple:
    """The ranking with ``doc`` taken out and put back at rank ``position`` (1 = top).

    The move of the chapter's ranked-list widget, which shows how ``eval-rr``
    and ``eval-ndcg`` respond to one document changing rank.

    Parameters
    ----------
    ranking : sequence
        Document names, best first (a string counts as a sequence of names).
    doc
        A document of ``ranking``.
    position : int
        Its new rank, 1 ≤ position ≤ len(ranking).

    Returns
    -------
    tuple
        The new ranking; the other documents keep their relative order.

    Raises
    ------
    TypeError
        If ``position`` is not an integer.
    ValueError
        If ``doc`` is not in ``ranking`` or ``position`` is out of range.

    Examples
    --------
    >>> move_document(["A", "B", "C", "D"], "C", 1)
    ('C', 'A', 'B', 'D')
    """
    func = "move_document"
    ranking = tuple(ranking)
    if doc not in ranking:
        raise ValueError(f"{func}: doc {doc!r} is not in the ranking {ranking}")
    position = check_positive_int(position, "position", func)
    if position > len(ranking):
        raise ValueError(
            f"{func}: position must be at most {len(ranking)} (the length of the ranking), got {position}"
        )
    rest = [d for d in ranking if d != doc]
    rest.insert(position - 1, doc)
    return tuple(rest)


# ---------------------------------------------------------------- runs, ties
def _check_doc_id(doc_id, where: str, func: str) -> None:
    if not isinstance(doc_id, str):
        raise TypeError(
            f"{func}: {where} has a document id {doc_id!r} of type {type(doc_id).__name__}; "
            f"document ids must be str (trec_eval compares them as strings)"
        )


def _check_number(value, where: str, func: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{func}: {where} must be a real number ({what}), got {type(value).__name__} {value!r}"
        )
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

    Sorted by decreasing score; equal scores by **decreasing** document id
    (string order), as trec_eval does.

    Parameters
    ----------
    doc_scores : dict
        {doc_id: score} with str ids and finite real scores.

    Returns
    -------
    list of str
        The ids, best first.

    Raises
    ------
    TypeError
        If ``doc_scores`` is not a dict, an id is not a str or a score not a real number.
    ValueError
        If a score is nan or infinite.

    Examples
    --------
    >>> ranked_doc_ids({"d1": 0.5, "d2": 0.9, "d3": 0.5})
    ['d2', 'd3', 'd1']
    """
    return _trec_order(_check_scores(doc_scores, "doc_scores", "ranked_doc_ids"))


def _check_ids(ids, name: str, func: str, what: str) -> list[str]:
    if isinstance(ids, (str, bytes)) or not isinstance(ids, (Sequence, np.ndarray, pd.Index, pd.Series)):
        raise TypeError(f"{func}: {name} must be a list of str {what} ids, got {type(ids).__name__}")
    return list(ids)


def run_from_scores(scores, doc_ids, query_ids=None, k=None) -> dict:
    """A run {query_id: {doc_id: score}} from a matrix of scores.

    The input that :func:`evaluate` ranks by ``eval-order``. With ``k``, only
    the k best documents of each query are kept, in trec_eval's order (equal
    scores by decreasing doc id), so a cut never depends on the order of the
    columns.

    Parameters
    ----------
    scores : array-like, shape (n_queries, n_docs) or (n_docs,)
        Finite scores; a 1-D array is one query.
    doc_ids : sequence of str
        Distinct names of the columns.
    query_ids : sequence of str, optional
        Distinct names of the rows (default "0", "1", ...).
    k : int, optional
        Keep only the k best documents of each query.

    Returns
    -------
    dict
        {query_id: {doc_id: score}}, or {doc_id: score} for 1-D ``scores``.

    Raises
    ------
    TypeError
        If the ids are not lists of str.
    ValueError
        If the numbers of ids and of rows/columns differ, ids repeat, scores
        hold nan/inf, or ``k`` < 1.

    Examples
    --------
    >>> run_from_scores([[0.1, 0.7, 0.7]], ["a", "b", "c"], k=2)
    {'0': {'c': 0.7, 'b': 0.7}}
    """
    func = "run_from_scores"
    S = as_float_array(scores, "scores", func, ndim=(1, 2))
    one = S.ndim == 1
    S = np.atleast_2d(S)
    doc_ids = _check_ids(doc_ids, "doc_ids", func, "document")
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
                raise TypeError(
                    f"{func}: query_ids has {qid!r} of type {type(qid).__name__}; query ids must be str"
                )
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
            f"{func}: {name} must be a dict of dicts {{query_id: {{doc_id: {what}}}}}, "
            f"got {type(obj).__name__}"
        )
    out = {}
    for qid, docs in obj.items():
        if not isinstance(qid, str):
            raise TypeError(
                f"{func}: {name} has a query id {qid!r} of type {type(qid).__name__}; query ids must be str"
            )
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
    """Reciprocal rank and NDCG@k of every query of a TREC run, numbers as trec_eval gives them.

    For each query of ``qrels``, the run's documents are ranked as trec_eval
    ranks them (decreasing score, equal scores by **decreasing** doc id,
    ``eval-order``: the one exception to the package's lower-index-first tie
    rule), unjudged documents get grade 0, grades ≤ 0 count as not relevant,
    and the ideal ranking uses **all** the query's judged grades; then
    ``eval-rr`` (no cutoff) and ``eval-ndcg`` are applied. A query missing from
    ``run`` scores 0.

    Parameters
    ----------
    qrels : dict
        {query_id: {doc_id: grade}} (str ids, real grades).
    run : dict
        {query_id: {doc_id: score}} (str ids, finite real scores).
    k : int
        The NDCG cutoff, ≥ 1.
    gain : {"exponential", "linear"}
        ``"linear"`` gives trec_eval's ``ndcg_cut_k``; the default is 2^r − 1.

    Returns
    -------
    pandas.DataFrame
        Indexed by query id (name "query_id", in the order of ``qrels``), with
        columns "rr" (trec_eval's ``recip_rank``) and f"ndcg@{k}".

    Raises
    ------
    TypeError
        If ``qrels`` or ``run`` is not a dict of dicts with str ids and real values.
    ValueError
        If ``qrels`` is empty, a value is nan/inf, or ``k`` or ``gain`` is invalid.

    Examples
    --------
    >>> qrels = {"q1": {"d1": 1, "d2": 0}, "q2": {"d3": 2}}
    >>> run = {"q1": {"d1": 0.5, "d2": 0.9}}
    >>> print(evaluate(qrels, run).round(4))  # doctest: +NORMALIZE_WHITESPACE
               rr  ndcg@10
    query_id
    q1        0.5   0.6309
    q2        0.0   0.0000
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
        rr.append(_first_hit_rr(grades))
        best = -np.sort(-np.array(list(judged.values()), dtype=np.float64))
        idcg = _dcg(best, k, gain, func, f"qrels[{qid!r}]")
        ndcg.append(0.0 if idcg == 0.0 else min(1.0, _dcg(grades, k, gain, func, f"qrels[{qid!r}]") / idcg))
    index = pd.Index(list(qrels), name="query_id")
    return pd.DataFrame({"rr": rr, f"ndcg@{k}": ndcg}, index=index, dtype=np.float64)


def grade_matrix(qrels, query_ids, doc_ids) -> np.ndarray:
    """The judged grades as a matrix G[q, d], for :func:`score_matrix_metrics`.

    G[q, d] is the grade of document d for query q (the rel_i of ``eval-rr``
    and ``eval-ndcg``), 0 where the pair is unjudged; judged documents that
    are not in ``doc_ids`` are left out.

    Parameters
    ----------
    qrels : dict
        {query_id: {doc_id: grade}}.
    query_ids : sequence
        The rows, each a query of ``qrels``.
    doc_ids : sequence
        The columns.

    Returns
    -------
    numpy.ndarray, shape (len(query_ids), len(doc_ids))
        The grades, float64.

    Raises
    ------
    TypeError
        If ``qrels`` is not a dict.
    ValueError
        If ``query_ids`` or ``doc_ids`` is empty, or a query has no judgements.

    Examples
    --------
    >>> print(grade_matrix({"q1": {"b": 2, "z": 1}, "q2": {"a": 1}}, ["q1", "q2"], ["a", "b"]))
    [[0. 2.]
     [1. 0.]]
    """
    func = "grade_matrix"
    if not isinstance(qrels, Mapping):
        raise TypeError(f"{func}: qrels must be a dict {{query_id: {{doc_id: grade}}}}")
    query_ids, doc_ids = list(query_ids), list(doc_ids)
    if not query_ids or not doc_ids:
        raise ValueError(f"{func}: query_ids and doc_ids must be non-empty, got {len(query_ids)} query ids "
                         f"and {len(doc_ids)} doc ids")
    col = {d: j for j, d in enumerate(doc_ids)}
    G = np.zeros((len(query_ids), len(col)))
    for i, q in enumerate(query_ids):
        if q not in qrels:
            raise ValueError(f"{func}: query {q!r} has no judgements in qrels")
        for d, g in qrels[q].items():
            if d in col:
                G[i, col[d]] = g
    return G


def score_matrix_metrics(scores, grades, k=10, gain: str = "exponential") -> dict:
    """Reciprocal rank and NDCG@k of every row of a score matrix, as :func:`evaluate` computes them.

    Applies ``eval-rr`` (:func:`reciprocal_rank`, no cutoff) and ``eval-ndcg``
    (:func:`ndcg_at_k`, ideal ranking from all the grades of the row) to every
    row: documents are ordered as :func:`evaluate` orders them (``eval-order``:
    decreasing score, equal scores by **decreasing column**, which is
    decreasing document id when the columns are sorted by id), grades ≤ 0 and
    documents scored −inf (not ranked at all) count as not relevant. The same
    numbers as ``evaluate``, with no dictionaries: fast enough for a widget.

    Parameters
    ----------
    scores : array-like, shape (n_queries, n_docs)
        Scores; −inf marks a document that is not ranked.
    grades : array-like, shape (n_queries, n_docs)
        Finite grades, e.g. a :func:`grade_matrix`.
    k : int
        The NDCG cutoff, ≥ 1.
    gain : {"exponential", "linear"}
        The gain function (``eval-gain``).

    Returns
    -------
    dict
        {"rr": (n_queries,), "ndcg": (n_queries,)}, float64.

    Raises
    ------
    ValueError
        If ``scores`` holds nan or +inf, the shapes differ, ``grades`` holds
        nan/inf, or ``k`` or ``gain`` is invalid.

    Examples
    --------
    >>> S = [[0.2, 0.9, 0.9], [1.0, -np.inf, 0.5]]
    >>> G = [[1, 0, 1], [0, 2, 0]]
    >>> out = score_matrix_metrics(S, G, k=3)
    >>> print(np.round(out["rr"], 4).tolist(), np.round(out["ndcg"], 4).tolist())
    [1.0, 0.0] [0.9197, 0.0]
    """
    func = "score_matrix_metrics"
    S = as_float_array(scores, "scores", func, ndim=2, finite=False)
    G = as_float_array(grades, "grades", func, ndim=2).astype(np.float64, copy=False)
    if np.isnan(S).any() or (S == np.inf).any():
        raise ValueError(f"{func}: scores contains nan or +inf")
    if S.shape != G.shape:
        raise ValueError(f"{func}: scores has shape {S.shape} but grades has shape {G.shape}")
    k = check_positive_int(k, "k", func)
    gain = check_choice(gain, "gain", func, GAINS)
    n_docs = S.shape[1]
    cols = np.broadcast_to(np.arange(n_docs), S.shape)
    order = np.lexsort((-cols, -S), axis=1)  # by −score, then by −column (trec_eval's order)
    ranked_scores = np.take_along_axis(S, order, axis=1)
    g = np.where(np.isneginf(ranked_scores), 0.0, np.take_along_axis(G, order, axis=1))
    hit = g > 0
    rr = np.where(hit.any(axis=1), 1.0 / (np.argmax(hit, axis=1) + 1), 0.0)
    kk = min(k, n_docs)
    discounts = _discounts(kk)
    dcg = (_gain(g[:, :kk], gain, func, "grades") / discounts).sum(axis=1)
    ideal = -np.sort(-G, axis=1)[:, :kk]
    idcg = (_gain(ideal, gain, func, "grades") / discounts).sum(axis=1)
    ndcg = np.where(idcg > 0, np.minimum(1.0, dcg / np.where(idcg > 0, idcg, 1.0)), 0.0)
    return {"rr": rr, "ndcg": ndcg}


def _tie_groups(scores, grades, func: str):
    """Grades grouped by equal score, best score first: a list of grade arrays."""
    s = as_float_array(scores, "scores", func, ndim=1, allow_empty=True).astype(np.float64, copy=False)
    r = _grades(grades, "grades", func)
    if len(s) != len(r):
        raise ValueError(
            f"{func}: scores has {len(s)} values but grades has {len(r)}; one grade per document"
        )
    order = np.argsort(-s, kind="stable")
    s, r = s[order], r[order]
    bounds = np.flatnonzero(np.diff(s) != 0) + 1
    return np.split(r, bounds)


def tie_averaged_reciprocal_rank(scores, grades) -> float:
    """Reciprocal rank averaged over all orders of the tied documents (equation ``eval-rr-ties``).

    Documents with equal scores form a tie group; each order of each group is
    equally likely. If the first group with a relevant document is preceded by
    t documents, has m documents and R relevant ones, the first relevant one is
    at position J of the group with P(J = j) = C(m − j, R − 1) / C(m, R), and
    the result is E[1 / (t + J)] (McSherry and Najork, 2008).

    Parameters
    ----------
    scores : array-like, shape (n,)
        The score of every retrieved document (any order).
    grades : array-like, shape (n,)
        Their grades, in the same order.

    Returns
    -------
    float
        The expected reciprocal rank, in [0, 1].

    Raises
    ------
    ValueError
        If the arrays are not 1-D of equal length or hold nan/inf.

    Examples
    --------
    >>> tie_averaged_reciprocal_rank([0.9, 0.9, 0.1], [0, 1, 0])  # rank 1 or 2, equally likely
    0.75
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
    """DCG@k averaged over all orders of the tied documents (equation ``eval-dcg-ties``).

    A tie group of m documents preceded by t documents occupies ranks
    t + 1..t + m and puts each of its documents at each of those ranks with
    probability 1/m, so by linearity of expectation
    E[DCG@k] = Σ_groups (Σ_group g(r)) · (1/m) Σ_{i=t+1}^{min(t+m,k)} 1/log2(i + 1).
    Divide by :func:`idcg_at_k` for the tie-averaged NDCG@k.

    Parameters
    ----------
    scores : array-like, shape (n,)
        The score of every retrieved document (any order).
    grades : array-like, shape (n,)
        Their grades, in the same order.
    k : int
        The cutoff, ≥ 1.
    gain : {"exponential", "linear"}
        The gain function (``eval-gain``).

    Returns
    -------
    float
        The expected DCG@k.

    Raises
    ------
    TypeError
        If ``k`` is not an integer.
    ValueError
        If the arrays are invalid, or ``k`` or ``gain`` is.

    Examples
    --------
    >>> print(f"{tie_averaged_dcg_at_k([0.9, 0.9, 0.1], [0, 1, 0], k=3):.4f}")  # (1 + 1/log2 3) / 2
    0.8155
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
    """A percentile bootstrap confidence interval of a mean, from :func:`bootstrap_ci`.

    The interval of ``eval-bootstrap-ci``.

    Attributes
    ----------
    mean : float
        The sample mean.
    low, high : float
        The ends of the interval.
    """

    mean: float
    low: float
    high: float


def bootstrap_means(values, n_resamples: int = 10000, seed=0) -> np.ndarray:
    """Means of bootstrap resamples of ``values`` (equation ``eval-bootstrap``).

    Each resample draws len(values) values **with replacement** (uniformly, the
    empirical distribution of the queries) and takes their mean.

    Parameters
    ----------
    values : array-like, shape (n,)
        One number per query, n ≥ 1.
    n_resamples : int
        The number of resamples, ≥ 1.
    seed : int or numpy.random.Generator
        The random stream (the same seed gives the same means).

    Returns
    -------
    numpy.ndarray, shape (n_resamples,)
        The means, float64.

    Raises
    ------
    TypeError
        If ``seed`` or ``n_resamples`` has a wrong type.
    ValueError
        If ``values`` is empty or holds nan/inf, ``n_resamples`` < 1 or ``seed`` < 0.

    Examples
    --------
    >>> means = bootstrap_means([0.2, 0.5, 0.9], n_resamples=4, seed=0)
    >>> print(np.round(means, 4).tolist())
    [0.6333, 0.2, 0.2, 0.7667]
    """
    func = "bootstrap_means"
    x = _per_query(values, "values", func)
    n_resamples = check_positive_int(n_resamples, "n_resamples", func)
    rng = check_random_state(seed, func)
    n = len(x)
    out = np.empty(n_resamples, dtype=np.float64)
    chunk = max(1, 2_000_000 // n)  # bound the memory of the index matrix
    for start in range(0, n_resamples, chunk):
        stop = min(start + chunk, n_resamples)
        idx = rng.integers(0, n, size=(stop - start, n))
        out[start:stop] = x[idx].mean(axis=1)
    return out


def bootstrap_ci(values, n_resamples: int = 10000, confidence: float = 0.95, seed=0) -> BootstrapResult:
    """Percentile bootstrap confidence interval of the mean of ``values`` (equation ``eval-bootstrap-ci``).

    Draws :func:`bootstrap_means` (``eval-bootstrap``) and returns the sample
    mean with the (1 − confidence)/2 and (1 + confidence)/2 quantiles of the
    bootstrap means (``numpy.quantile``, linear interpolation; Efron and
    Tibshirani 1993, chapter 13).

    Parameters
    ----------
    values : array-like, shape (n,)
        One number per query (e.g. its reciprocal rank).
    n_resamples : int
        The number of resamples.
    confidence : float
        The coverage, strictly between 0 and 1.
    seed : int or numpy.random.Generator
        The random stream: the same seed gives the same interval.

    Returns
    -------
    BootstrapResult
        (mean, low, high).

    Raises
    ------
    TypeError
        If ``confidence`` is not a real number, or ``seed`` has a wrong type.
    ValueError
        If ``confidence`` is outside (0, 1), or ``values`` or ``n_resamples`` is invalid.

    Examples
    --------
    >>> ci = bootstrap_ci([0.2, 0.5, 0.9, 0.4, 0.7], n_resamples=2000, seed=0)
    >>> print(f"{ci.mean:.2f} [{ci.low:.2f}, {ci.high:.2f}]")
    0.54 [0.34, 0.74]
    """
    func = "bootstrap_ci"
    x = _per_query(values, "values", func)
    confidence = check_interval(confidence, "confidence", func, 0.0, 1.0, closed="neither")
    means = bootstrap_means(x, n_resamples, seed)
    alpha = 1.0 - confidence
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return BootstrapResult(float(np.mean(x)), float(low), float(high))


class RandomizationResult(NamedTuple):
    """A paired randomization test, from :func:`paired_randomization_test`.

    The test of ``eval-randomization``.

    Attributes
    ----------
    mean_difference : float
        The mean of a − b over the queries.
    p_value : float
        The two-sided p-value.
    n_resamples : int
        The sign vectors used (2**n when exact).
    exact : bool
        True if every sign vector was enumerated.
    """

    mean_difference: float  #: mean of a − b over the queries
    p_value: float  #: two-sided
    n_resamples: int  #: sign vectors used (2**n when exact)
    exact: bool  #: True if every sign vector was enumerated


def _random_signs(n: int, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """An (n_resamples, n) matrix of independent uniform signs ±1."""
    return rng.choice(np.array([1.0, -1.0]), size=(n_resamples, n))


def sign_flip_means(a, b, n_resamples: int = 10000, seed=0) -> np.ndarray:
    """Means of the per-query differences a − b with random signs.

    Draws from the null distribution of the sign-flip test (``eval-randomization``):
    under the null hypothesis that, on every query, the two systems' scores
    are exchangeable, each difference d_q = a_q − b_q is as likely to have
    been −d_q, so the values (1/n) Σ_q s_q d_q, with independent uniform signs
    s_q ∈ {−1, +1}, are draws from the null distribution of the mean difference.

    Parameters
    ----------
    a, b : array-like, shape (n,)
        One value per query for each system, in the same query order.
    n_resamples : int
        The number of draws.
    seed : int or numpy.random.Generator
        The random stream.

    Returns
    -------
    numpy.ndarray, shape (n_resamples,)
        The sign-flipped mean differences.

    Raises
    ------
    TypeError
        If ``seed`` or ``n_resamples`` has a wrong type.
    ValueError
        If ``a`` and ``b`` differ in length, are empty or hold nan/inf.

    Examples
    --------
    >>> draws = sign_flip_means([1, 0.5, 0.8], [0.5, 0.5, 0.2], n_resamples=4, seed=0)
    >>> print(np.round(draws, 4).tolist())
    [-0.3667, 0.3667, 0.3667, -0.3667]
    """
    func = "sign_flip_means"
    a, b = _paired(a, b, func)
    n_resamples = check_positive_int(n_resamples, "n_resamples", func)
    rng = check_random_state(seed, func)
    d = a - b
    out = np.empty(n_resamples, dtype=np.float64)
    chunk = max(1, 2_000_000 // len(d))
    for start in range(0, n_resamples, chunk):
        stop = min(start + chunk, n_resamples)
        out[start:stop] = _random_signs(len(d), stop - start, rng) @ d / len(d)
    return out


def paired_randomization_test(a, b, n_resamples: int = 10000, seed=0) -> RandomizationResult:
    """Two-sided paired randomization (sign-flip) test of mean(a) = mean(b) (equation ``eval-randomization``).

    With d = a − b and T = |Σ d_q|, the p-value is the probability, under
    independent uniform signs s_q, that |Σ s_q d_q| ≥ T:

    * if 2**n ≤ n_resamples, all 2**n sign vectors are enumerated and the
      p-value is exact: #{s : |Σ s_q d_q| ≥ T} / 2**n;
    * otherwise ``n_resamples`` random sign vectors are drawn and
      p = (1 + #{|Σ s_q d_q| ≥ T}) / (1 + n_resamples), which counts the
      observed signs too and is never 0 (Phipson and Smyth 2010).

    Sums that differ from T by less than their rounding error bound
    (2·n·u·Σ|d_q|) count as ties (≥ T), so that mathematically equal sums
    are counted alike.

    Parameters
    ----------
    a, b : array-like, shape (n,)
        One value per query for each system, in the same query order.
    n_resamples : int
        The budget of sign vectors.
    seed : int or numpy.random.Generator
        The random stream (unused when the test is exact).

    Returns
    -------
    RandomizationResult
        (mean_difference, p_value, n_resamples, exact).

    Raises
    ------
    TypeError
        If ``seed`` or ``n_resamples`` has a wrong type.
    ValueError
        If ``a`` and ``b`` differ in length, are empty or hold nan/inf.

    Examples
    --------
    >>> test = paired_randomization_test([1, 0.5, 0.8, 0.9], [0.5, 0.5, 0.2, 0.3])
    >>> print(f"{test.mean_difference:.3f} {test.p_value} {test.n_resamples} {test.exact}")
    0.425 0.25 16 True
    """
    func = "paired_randomization_test"
    a, b = _paired(a, b, func)
    n_resamples = check_positive_int(n_resamples, "n_resamples", func)
    rng = check_random_state(seed, func)
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
    """A paired t-test, from :func:`paired_t_test`.

    The test of ``eval-t``.

    Attributes
    ----------
    t : float
        The t statistic.
    df : int
        The degrees of freedom, n − 1.
    p_value : float
        The two-sided p-value.
    """

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

    Parameters
    ----------
    a, b : array-like, shape (n,)
        One value per query for each system, n ≥ 2, in the same query order.

    Returns
    -------
    TTestResult
        (t, df, p_value).

    Raises
    ------
    ValueError
        If ``a`` and ``b`` differ in length, have fewer than 2 values or hold nan/inf.

    Examples
    --------
    >>> test = paired_t_test([1, 0.5, 0.8, 0.9], [0.5, 0.5, 0.2, 0.3])
    >>> print(f"t = {test.t:.3f}, df = {test.df}, p = {test.p_value:.4f}")
    t = 2.959, df = 3, p = 0.0596
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


def significance_summary(a, b, n_queries=None, n_resamples: int = 2000, seed=0) -> dict:
    """Bootstrap means, intervals and the sign-flip null distribution on a subset of the queries.

    What the chapter's significance figures draw. The queries are put in one
    random order and the first ``n_queries`` are kept (all if None), so that
    smaller subsets are contained in larger ones; then each system's
    :func:`bootstrap_means` (``eval-bootstrap``) and 95 % percentile interval
    (``eval-bootstrap-ci``), :func:`sign_flip_means` and
    :func:`paired_randomization_test` (``eval-randomization``) are computed on
    that subset.

    Parameters
    ----------
    a, b : array-like, shape (n,)
        One value per query for each system, in the same query order.
    n_queries : int, optional
        The subset size, 1 ≤ n_queries ≤ n (default: all).
    n_resamples : int
        Resamples of each bootstrap, sign flips and the test's budget.
    seed : int or numpy.random.Generator
        With an int s, the subset uses seed s and the four random draws seeds
        s + 1, ..., s + 4; a Generator is used for all of them in turn.

    Returns
    -------
    dict
        "n" (the subset size), "means" ({"a": (mean, 2.5 %, 97.5 %), "b": ...}),
        "boot_a", "boot_b" (the bootstrap means), "null" (the sign-flip
        draws), "diff" (the observed mean difference) and "p_value".

    Raises
    ------
    TypeError
        If ``n_queries`` or ``seed`` has a wrong type.
    ValueError
        If ``a`` and ``b`` are invalid or differ in length, or ``n_queries`` is out of range.

    Examples
    --------
    >>> out = significance_summary([1, 0.5, 0.8, 0.9], [0.5, 0.5, 0.2, 0.3], n_resamples=100)
    >>> print(out["n"], f"{out['diff']:.3f}", out["p_value"], out["boot_a"].shape)
    4 0.425 0.25 (100,)
    """
    func = "significance_summary"
    a, b = _paired(a, b, func)
    rng = check_random_state(seed, func)
    n_total = len(a)
    n = n_total if n_queries is None else check_positive_int(n_queries, "n_queries", func)
    if n > n_total:
        raise ValueError(f"{func}: n_queries must be at most {n_total}, got {n}")
    if isinstance(seed, np.random.Generator):
        seeds = (rng,) * 4
    else:  # one seed per draw, so each draw is the same whatever the others
        seeds = tuple(int(seed) + i for i in (1, 2, 3, 4))
    keep = rng.permutation(n_total)[:n]
    a, b = a[keep], b[keep]
    boot_a = bootstrap_means(a, n_resamples, seed=seeds[0])
    boot_b = bootstrap_means(b, n_resamples, seed=seeds[1])
    test = paired_randomization_test(a, b, n_resamples, seed=seeds[2])
    means = {
        name: (float(np.mean(x)), *map(float, np.quantile(boot, [0.025, 0.975])))
        for name, x, boot in (("a", a, boot_a), ("b", b, boot_b))
    }
    return {
        "n": n,
        "means": means,
        "boot_a": boot_a,
        "boot_b": boot_b,
        "null": sign_flip_means(a, b, n_resamples, seed=seeds[3]),
        "diff": test.mean_difference,
        "p_value": test.p_value,
    }


# ------------------------------------------------- precision, recall, average precision
def _n_relevant(n_relevant, r: np.ndarray, func: str) -> int:
    """R, the number of relevant judged documents: at least the relevant ones retrieved."""
    found = int(np.count_nonzero(r > 0))
    if n_relevant is None:
        return found
    if isinstance(n_relevant, (bool, np.bool_)) or not isinstance(n_relevant, (int, np.integer)):
        raise TypeError(f"{func}: n_relevant must be an integer or None, got {n_relevant!r}")
    if n_relevant < found:
        raise ValueError(
            f"{func}: n_relevant = {n_relevant} is smaller than the {found} relevant documents "
            f"of the ranking; it must count every relevant judged document of the query"
        )
    return int(n_relevant)


def precision_recall_at_k(relevances, n_relevant=None) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall at every cutoff k = 1..L of a ranking (equation ``eval-precision-recall``).

    P@k = #{i ≤ k : r_i > 0} / k and R@k = #{i ≤ k : r_i > 0} / R, where R
    is the number of relevant judged documents of the query (``n_relevant``;
    by default the relevant documents of the ranking, which is right only if
    every relevant document was retrieved). Recall is 0 when R = 0.

    Parameters
    ----------
    relevances : array-like, shape (L,)
        Grades in ranked order (> 0: relevant).
    n_relevant : int or None
        R; it may not be smaller than the number of relevant grades given.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Precision and recall, each of shape (L,); entry k − 1 is cutoff k.

    Raises
    ------
    ValueError
        For nan/inf grades or an n_relevant below the relevant grades given.
    TypeError
        For an n_relevant that is not an integer.

    Examples
    --------
    >>> p, r = precision_recall_at_k([1, 0, 2, 0], n_relevant=4)
    >>> print(p.tolist(), r.tolist())
    [1.0, 0.5, 0.6666666666666666, 0.5] [0.25, 0.25, 0.5, 0.5]
    """
    func = "precision_recall_at_k"
    r = _grades(relevances, "relevances", func)
    R = _n_relevant(n_relevant, r, func)
    hits = np.cumsum(r > 0)
    precision = hits / np.arange(1, len(r) + 1)
    recall = hits / R if R > 0 else np.zeros(len(r))
    return precision.astype(np.float64), recall.astype(np.float64)


def average_precision(relevances, n_relevant=None, k=None) -> float:
    """Average precision, (1/R) Σ_{i : r_i > 0} P@i, as trec_eval's ``map`` (equation ``eval-ap``).

    The precision at the rank of each relevant retrieved document, summed and
    divided by R, the number of relevant **judged** documents of the query
    (trec_eval's ``num_rel``): a relevant document that is not retrieved
    contributes precision 0. With ``k``, only the first k ranks count (the
    divisor stays R). 0.0 when R = 0.

    Parameters
    ----------
    relevances : array-like, shape (L,)
        Grades in ranked order (> 0: relevant).
    n_relevant : int or None
        R. By default the relevant grades of the ranking: right only if every
        relevant document was retrieved, otherwise AP is overstated.
    k : int or None
        A cutoff.

    Returns
    -------
    float

    Raises
    ------
    ValueError, TypeError
        As :func:`precision_recall_at_k`, and for a k < 1.

    Examples
    --------
    >>> print(f"{average_precision([1, 0, 1, 0], n_relevant=3):.4f}")  # (1/1 + 2/3) / 3
    0.5556
    >>> print(f"{average_precision([1, 0, 1, 0]):.4f}")  # wrong if a third relevant one exists
    0.8333
    """
    func = "average_precision"
    r = _grades(relevances, "relevances", func)
    R = _n_relevant(n_relevant, r, func)
    k = _check_k(k, func, optional=True)
    if k is not None:
        r = r[:k]
    if R == 0:
        return 0.0
    hits = np.cumsum(r > 0)
    ranks = np.flatnonzero(r > 0)
    return float(math.fsum(hits[ranks] / (ranks + 1)) / R)


def holm_adjust(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values for m tests (equation ``eval-holm``).

    With the p-values sorted, p_(1) ≤ … ≤ p_(m), the adjusted value of the
    j-th smallest is max_{i ≤ j} min(1, (m − i + 1) p_(i)); rejecting the
    hypotheses whose adjusted value is ≤ α controls the probability of any
    false rejection (the family-wise error rate) at α, under any dependence
    between the tests. Returned in the input order.

    Parameters
    ----------
    p_values : array-like, shape (m,)
        p-values in [0, 1].

    Returns
    -------
    numpy.ndarray, shape (m,)

    Raises
    ------
    ValueError
        For an empty input or values outside [0, 1].

    Examples
    --------
    >>> print(holm_adjust([0.01, 0.04, 0.03, 0.5]).tolist())
    [0.04, 0.09, 0.09, 0.5]
    """
    func = "holm_adjust"
    p = as_float_array(p_values, "p_values", func, ndim=1).astype(np.float64, copy=False)
    if np.any((p < 0) | (p > 1)):
        raise ValueError(f"{func}: p_values must lie in [0, 1], got {p.tolist()}")
    m = len(p)
    order = np.argsort(p, kind="stable")
    stepped = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.maximum.accumulate(stepped)
    return adjusted


def exact_sign_flip_means(a, b) -> np.ndarray:
    """All 2**n sign-flipped mean differences of a paired sample: the exact null distribution.

    Uses ``eval-randomization``: the values (1/n) Σ_q s_q (a_q − b_q) for
    every s ∈ {−1, +1}^n, each equally likely under the null hypothesis. The
    first entry is the observed mean difference (all signs +1). For n ≤ 20.

    Parameters
    ----------
    a, b : array-like, shape (n,)
        One value per query for each system, in the same query order.

    Returns
    -------
    numpy.ndarray, shape (2**n,)

    Raises
    ------
    ValueError
        If a and b differ in length, are empty, hold nan/inf, or n > 20.

    Examples
    --------
    >>> print(exact_sign_flip_means([1.0, 0.5], [0.0, 0.0]).tolist())
    [0.75, 0.25, -0.25, -0.75]
    """
    func = "exact_sign_flip_means"
    a, b = _paired(a, b, func)
    n = len(a)
    if n > 20:
        raise ValueError(f"{func}: a has {n} values; listing 2**n sign patterns needs n <= 20")
    bits = (np.arange(2**n)[:, None] >> np.arange(n - 1, -1, -1)) & 1  # 0: +1, 1: −1
    signs = 1.0 - 2.0 * bits
    return signs @ (a - b) / n
