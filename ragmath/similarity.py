"""Vectors and similarity (chapter 1, "Vectors and similarity").

Every function cites the label of the equation it implements in
``book/01-similarity.md``; the chapter checks each one numerically.

Shapes (vectors are rows)::

    a 1-D,    b 1-D     -> float
    a (n, d), b (m, d)  -> (n, m)
    a 1-D,    b (m, d)  -> (m,)
    a (n, d), b 1-D     -> (n,)

The chapter's two experiments are here too: :func:`vector_pair` (two 2-D
vectors and their three scores) and :func:`distance_concentration` (the
relative contrast of random points, which shrinks as the dimension grows);
:mod:`ragmath.viz.similarity` only draws them. So are the tools of its section on
real embeddings: :func:`pairwise_cosines` and :func:`mean_pairwise_cosine`
(anisotropy), :func:`random_unit_vectors` (the isotropic baseline),
:func:`center_embeddings`, :func:`explained_variance_ratio` with
:func:`n_components` (intrinsic dimension) and :func:`relative_contrasts`; hubness
(:func:`k_occurrence`, :func:`k_occurrence_skewness`) and the Johnson–Lindenstrauss
lemma (:func:`random_projection`, :func:`jl_dimension`, :func:`pairwise_distortions`).
Near-duplicates: :func:`near_duplicate_experiment` (what float32 cosines lose) and
:func:`angle_between` (the angle from the chord, accurate where arccos is not).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from . import _core
from ._core import NonFinite, candidates, power_of_two_below, select_top, squared_norms, unit_rows
from ._validation import (
    as_float_array,
    check_choice,
    check_interval,
    check_positive_float,
    check_positive_int,
    check_random_state,
    check_same_dimension,
    first_bad_index,
)

__all__ = [
    "cosine_similarity",
    "euclidean_distance",
    "distance_to_similarity",
    "row_norms",
    "top_k",
    "vector_pair",
    "distance_concentration",
    "relative_contrast_curve",
    "pairwise_cosines",
    "mean_pairwise_cosine",
    "random_unit_vectors",
    "center_embeddings",
    "explained_variance_ratio",
    "relative_contrasts",
    "n_components",
    "angle_between",
    "near_duplicate_experiment",
    "k_occurrence",
    "k_occurrence_skewness",
    "random_projection",
    "jl_dimension",
    "pairwise_distortions",
]

_METRICS = ("cosine", "dot", "euclidean")


# --------------------------------------------------------------------------- helpers
# The expansion's value is kept only where its rounding-error bound is at most
# 2**12 units of round-off relative to it: at most 12 of the significand's bits lost.
_KEEP_TOLERANCE_ULPS = 2.0**12


def _pair(a, b, func: str) -> tuple[np.ndarray, np.ndarray, bool, bool]:
    """Validate a pair of vector arguments and promote them to 2-D, one dtype."""
    a = as_float_array(a, "a", func, ndim=(1, 2))
    b = as_float_array(b, "b", func, ndim=(1, 2))
    check_same_dimension(a, b, ("a", "b"), func)
    dtype = np.result_type(a.dtype, b.dtype)
    return (
        np.atleast_2d(a).astype(dtype, copy=False),
        np.atleast_2d(b).astype(dtype, copy=False),
        a.ndim == 1,
        b.ndim == 1,
    )


def _shape_result(out: np.ndarray, a1: bool, b1: bool):
    """Undo the promotion of 1-D arguments, following the module's shape table."""
    if a1 and b1:
        return float(out[0, 0])
    if a1:
        return out[0]
    if b1:
        return out[:, 0]
    return out


def row_norms(X):
    """Euclidean norm of every row, ‖x‖ = √(x·x) (equation ``sim-norm``).

    Computed as √(Σ x_i²) with one fast pass; rows whose squares overflow or
    underflow are recomputed as s·‖x/s‖ with s = max |x_i|, so a vector of
    1e200s or of 1e-200s still gets its true norm, not inf or 0.

    Parameters
    ----------
    X : array-like, (d,) or (n, d)
        One vector, or one vector per row (finite).

    Returns
    -------
    float or numpy.ndarray of shape (n,)
        A float for a 1-D ``X``, one norm per row for a 2-D ``X``.

    Raises
    ------
    TypeError
        If ``X`` is not an array-like of real numbers.
    ValueError
        If ``X`` is empty, not 1-D or 2-D, or holds nan or inf.

    Examples
    --------
    >>> row_norms([3.0, 4.0])
    5.0
    >>> print(row_norms([[3.0, 4.0], [1e200, 1e200]]) / [1, 1e200])
    [5.         1.41421356]
    """
    X = as_float_array(X, "X", "row_norms", ndim=(1, 2))
    norms = _core.row_norms(np.atleast_2d(X))
    return norms if X.ndim == 2 else float(norms[0])


# ------------------------------------------------------------------- public functions
def cosine_similarity(a, b):
    """Cosine of the angle, a·b / (‖a‖‖b‖), in [-1, 1] (equations ``sim-cosine``, ``sim-cauchy-schwarz``).

    Each vector is first divided by its own norm (computed without overflow,
    see :func:`~ragmath.similarity.row_norms`), and the dot products of the unit vectors are
    clipped to [-1, 1], the range proved by Cauchy–Schwarz, so rounding never returns 1.0000000000000002.

    Parameters
    ----------
    a : array-like, (d,) or (n, d)
    b : array-like, (d,) or (m, d)
        Same dimension d as ``a``.

    Returns
    -------
    float or numpy.ndarray
        A float for two vectors; (m,) for a vector and a batch, (n,) for a
        batch and a vector, (n, m) for two batches (the module's shape table).

    Raises
    ------
    TypeError
        If an argument is not an array-like of real numbers.
    ValueError
        If either argument holds a zero vector (the angle, and so the cosine,
        is undefined there), nan or inf, is not 1-D or 2-D, or the dimensions differ.

    Examples
    --------
    >>> print(f"{cosine_similarity([1, 0], [1, 1]):.4f}")
    0.7071
    >>> print(cosine_similarity([[1, 0], [0, 2]], [[1, 1], [0, -1], [3, 0]]).round(4))
    [[ 0.7071  0.      1.    ]
     [ 0.7071 -1.      0.    ]]
    """
    func = "cosine_similarity"
    A, B, a1, b1 = _pair(a, b, func)
    ua = unit_rows(A, "a", func, one_vector=a1)
    ub = unit_rows(B, "b", func, one_vector=b1)
    out = np.clip(ua @ ub.T, -1.0, 1.0)
    return _shape_result(out, a1, b1)


def _direct_distances(A: np.ndarray, B: np.ndarray, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
    """‖A[ia] − B[ib]‖ by subtracting first (equation ``sim-euclidean``), with scaling.

    Subtracting first has no cancellation; dividing each difference by a power
    of two near its largest component keeps the squares from overflowing or
    underflowing, and is exact, so equal distances stay exactly equal.
    """
    out = np.empty(len(ia), dtype=A.dtype)
    chunk = max(1, 2**22 // max(1, A.shape[1]))
    with np.errstate(over="ignore"):
        for s in range(0, len(ia), chunk):
            diff = A[ia[s : s + chunk]] - B[ib[s : s + chunk]]
            if not np.isfinite(diff).all():  # a − b itself overflows: work in halves
                diff = A[ia[s : s + chunk]] / 2 - B[ib[s : s + chunk]] / 2
                factor = 2.0
            else:
                factor = 1.0
            scale = power_of_two_below(np.abs(diff).max(axis=1))
            scaled = diff / scale[:, None]
            out[s : s + chunk] = factor * scale * np.sqrt(np.einsum("ij,ij->i", scaled, scaled))
    return out


def _squared_distances_expanded(A, B, na2, nb2):
    """‖a‖² + ‖b‖² − 2a·b for every pair (equation ``sim-expansion``): fast, one BLAS call."""
    with np.errstate(over="ignore", invalid="ignore"):
        return na2[:, None] + nb2[None, :] - 2 * (A @ B.T)


def _cancellation_bound(A: np.ndarray, na2, nb2):
    """Worst-case rounding error of the expansion for each pair (equation ``sim-cancellation``).

    Each squared norm (a sum of d products, never a rounded norm squared
    again) is computed with error at most γ_d·‖x‖², and the dot product with
    error at most γ_d·‖a‖‖b‖ ≤ γ_d·(‖a‖² + ‖b‖²)/2, where γ_d ≈ d·u
    (u = unit round-off); the final additions add at most 3u·(‖a‖² + ‖b‖²).
    In all, to first order, (2d + 3)·u·(‖a‖² + ‖b‖²).
    """
    u = np.finfo(A.dtype).eps / 2
    with np.errstate(over="ignore"):
        return (2 * A.shape[1] + 3) * u * (na2[:, None] + nb2[None, :])


def euclidean_distance(a, b):
    """Euclidean distance ‖a − b‖ (equations ``sim-euclidean``, ``sim-expansion``, ``sim-cancellation``).

    ‖a − b‖ = √(Σ (a_i − b_i)²). For speed, all pairs are first computed with the expansion
    ‖a − b‖² = ‖a‖² + ‖b‖² − 2a·b, a single matrix
    product. The expansion subtracts nearly equal large numbers when a and b
    are close compared with their length (catastrophic cancellation), so every
    pair whose worst-case rounding error,
    E = (2d + 3)·u·(‖a‖² + ‖b‖²), exceeds 2¹²·u times the computed squared
    distance is recomputed directly from a − b (and so is every pair whose
    squares come near underflow). A kept pair has lost at most 12 of the
    significand's bits: a relative error of at most about 2¹¹·u in the distance
    (2.3e-13 in float64, 1.2e-4 in float32, worst case). A recomputed pair is
    accurate to a few units of round-off.

    Parameters
    ----------
    a : array-like, (d,) or (n, d)
    b : array-like, (d,) or (m, d)
        Same dimension d as ``a``.

    Returns
    -------
    float or numpy.ndarray
        Shapes as :func:`cosine_similarity` (the module's shape table).

    Raises
    ------
    TypeError
        If an argument is not an array-like of real numbers.
    ValueError
        If an argument holds nan or inf, is not 1-D or 2-D, or the dimensions differ.

    Examples
    --------
    >>> euclidean_distance([0, 0], [3, 4])
    5.0
    >>> x, y = [1e8, 1e8 + 1], [1e8 + 1, 1e8]  # the plain expansion gives 0 here
    >>> print(f"{euclidean_distance(x, y):.12f}")
    1.414213562373
    >>> print(euclidean_distance([[0, 0], [1, 1]], [[3, 4], [1, 1], [0, 1]]).round(4))
    [[5.     1.4142 1.    ]
     [3.6056 0.     1.    ]]
    """
    func = "euclidean_distance"
    A, B, a1, b1 = _pair(a, b, func)
    out, _ = _distances_and_recomputed(A, B)
    return _shape_result(out, a1, b1)


def _distances_and_recomputed(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All distances of two 2-D arrays, and which pairs were recomputed from a − b.

    The one code path of :func:`euclidean_distance`: the expansion for every pair,
    its bound ``sim-cancellation`` from the summed squares, and the direct formula
    for every pair whose bound exceeds 2¹²·u times the computed squared distance
    (or whose values are not finite, or whose squares come near underflow).
    """
    na2 = squared_norms(A)  # sums of squares, never a rounded norm squared again
    nb2 = squared_norms(B)
    d2 = _squared_distances_expanded(A, B, na2, nb2)
    bound = _cancellation_bound(A, na2, nb2)
    info = np.finfo(A.dtype)
    u = info.eps / 2
    with np.errstate(invalid="ignore", over="ignore"):
        risky = (
            ~np.isfinite(d2)
            | ~np.isfinite(bound)
            | (bound > _KEEP_TOLERANCE_ULPS * u * d2)
            # squared lengths near underflow have lost their digits
            | ((na2[:, None] + nb2[None, :]) < info.tiny / u)
        )
    out = np.sqrt(np.maximum(d2, 0))
    if risky.any():
        ia, ib = np.nonzero(risky)
        out[ia, ib] = _direct_distances(A, B, ia, ib)
    return out.astype(A.dtype, copy=False), risky


def _recomputed_pairs(a, b):
    """Which pairs :func:`euclidean_distance` recomputes from a − b instead of keeping the expansion.

    The decision of its one code path (``sim-cancellation``), exposed so that a
    reader, or a test, can check it: True where the worst-case rounding error of
    the expansion, (2d + 3)·u·(‖a‖² + ‖b‖²), exceeds 2¹²·u times the computed
    squared distance. Private but importable; shapes as :func:`euclidean_distance`
    (a bool for two vectors).

    Examples
    --------
    >>> _recomputed_pairs([1e8, 1e8 + 1], [1e8 + 1, 1e8])  # near-duplicates: recomputed
    True
    >>> _recomputed_pairs([1.0, 0.0], [-1.0, 0.0])  # far apart for their length: kept
    False
    """
    A, B, a1, b1 = _pair(a, b, "euclidean_distance")
    _, risky = _distances_and_recomputed(A, B)
    if a1 and b1:
        return bool(risky[0, 0])
    return _shape_result(risky, a1, b1)


def distance_to_similarity(d):
    """Map a distance d ≥ 0 to a similarity 1 / (1 + d) in (0, 1] (equation ``sim-dist-to-sim``).

    In exact arithmetic the map is strictly decreasing, so it keeps the
    ranking of neighbours, and equals 1 only at d = 0. In floating point it can
    merge distances that differ only in their last bits into one similarity
    (1 / (1 + 1e-17) rounds to 1.0), so rank by the distance itself when such
    ties matter.

    Parameters
    ----------
    d : float or array-like
        Distances, non-negative.

    Returns
    -------
    float or numpy.ndarray
        1 / (1 + d), elementwise (a float for a scalar).

    Raises
    ------
    TypeError
        If ``d`` is not a real number or an array-like of them.
    ValueError
        If a distance is negative (the message gives the first one and its
        index), nan or inf.

    Examples
    --------
    >>> print(distance_to_similarity([0.0, 1.0, 3.0]))
    [1.   0.5  0.25]
    >>> distance_to_similarity(1e-17)  # a distance > 0, merged with 0 by rounding
    1.0
    """
    func = "distance_to_similarity"
    arr = as_float_array(d, "d", func)
    if (arr < 0).any():
        where = first_bad_index(np.atleast_1d(arr < 0))
        value = float(np.atleast_1d(arr)[where])
        at = f" (at index {where[0] if len(where) == 1 else where})" if arr.ndim else ""
        raise ValueError(f"{func}: d (a distance) must be non-negative, got {value:g}{at}")
    out = 1.0 / (1.0 + arr)
    return float(out) if arr.ndim == 0 else out


# ------------------------------------------------------------------------------ top-k
def _explain_nonfinite(Q: np.ndarray, C: np.ndarray, func: str, what: str) -> ValueError:
    """The error to raise when scores came out nan or inf: bad input, or overflow."""
    for X, name in ((C, "corpus"), (Q, "queries")):
        rows = np.flatnonzero(~np.isfinite(_core.row_norms(X)))
        if rows.size:
            nonfinite = ~np.isfinite(X[rows])
            if nonfinite.any():
                r, c = first_bad_index(nonfinite)
                return ValueError(f"{func}: {name} contains nan or inf (at row {rows[r]}, column {c})")
    return ValueError(
        f"{func}: the {what} of queries and corpus overflow {Q.dtype}; "
        f"rescale the vectors (or convert them to float64)"
    )


def top_k(queries, corpus, k, metric="cosine"):
    """Exact top-k search by ``sim-dot``, cosine or distance (equations ``sim-score-matrix``, ``sim-top-k``).

    Scores every corpus vector against every query with one matrix product
    S = Q Cᵀ, then keeps the k best of each row without sorting the whole row.
    Cost: O(N·d) time per query for the product and O(N) for the selection;
    the corpus itself takes O(N·d) memory (chapter 1, "Exact search").

    Parameters
    ----------
    queries : array-like, (d,) or (q, d)
    corpus : array-like, (N, d)
    k : int
        1 ≤ k ≤ N.
    metric : {"cosine", "dot", "euclidean"}, default "cosine"
        "dot" scores by the dot product a·b, "cosine" by
        :func:`cosine_similarity`; both return the k largest scores.
        "euclidean" returns the k smallest distances of :func:`euclidean_distance`
        (the scores are then distances, ascending).

    Returns
    -------
    indices : numpy.ndarray of int, (k,) for a 1-D query, else (q, k)
    scores : numpy.ndarray, same shape
        Best first; ties are broken by the lower index.

    Raises
    ------
    ValueError
        If ``metric`` is unknown, k < 1 or k > N, the dimensions differ, an
        argument holds nan or inf, the scores overflow, or (for "cosine") a
        vector is zero.
    TypeError
        If ``k`` is not an integer, or an array is not made of real numbers.

    Examples
    --------
    >>> corpus = [[1, 0], [0.6, 0.8], [0, 1], [-1, 0]]
    >>> indices, scores = top_k([1, 0.2], corpus, k=2)
    >>> print(indices, scores.round(4))
    [0 1] [0.9806 0.7452]
    >>> indices, distances = top_k([1, 0.2], corpus, k=2, metric="euclidean")
    >>> print(indices, distances.round(4))
    [0 1] [0.2    0.7211]
    """
    func = "top_k"
    metric = check_choice(metric, "metric", func, _METRICS)
    Q = as_float_array(queries, "queries", func, ndim=(1, 2))
    C = as_float_array(corpus, "corpus", func, ndim=2, finite=False)
    check_same_dimension(Q, C, ("queries", "corpus"), func)
    k = check_positive_int(k, "k", func)
    n = C.shape[0]
    if k > n:
        raise ValueError(f"top_k: k must be at most len(corpus) = {n}, got {k}")
    single = Q.ndim == 1
    dtype = np.result_type(Q.dtype, C.dtype)
    Q = np.atleast_2d(Q).astype(dtype, copy=False)
    C = C.astype(dtype, copy=False)
    try:
        if metric == "dot":
            with np.errstate(all="ignore"):  # nan/inf are detected and explained below
                S = Q @ C.T
            idx, val = select_top(S, k)
        elif metric == "cosine":
            idx, val = _top_k_cosine(Q, C, k, func)
        else:  # euclidean: candidates from the expansion, distances from a − b
            idx, val = _top_k_euclidean(Q, C, k)
    except NonFinite:
        raise _explain_nonfinite(Q, C, func, "scores") from None
    if single:
        return idx[0], val[0]
    return idx, val


def _top_k_cosine(Q, C, k, func):
    """Rank by q·c / ‖c‖ (the query's norm does not change its ranking), then divide by ‖q‖."""
    qn = _core.row_norms(Q)
    cn = _core.row_norms(C)
    if not (np.isfinite(qn).all() and np.isfinite(cn).all()):
        raise NonFinite
    for norms, name in ((qn, "queries"), (cn, "corpus")):
        if (norms == 0).any():
            row = first_bad_index(norms == 0)[0]
            raise ValueError(f"{func}: {name} has a zero-norm row (row {row}); cosine is undefined")
    info = np.finfo(Q.dtype)
    # Python floats: these products may overflow or underflow, silently
    no_overflow = float(qn.max()) * float(cn.max()) < float(info.max) / 4
    no_underflow = float(qn.min()) * float(cn.min()) > float(info.tiny) / float(info.eps)
    if no_overflow and no_underflow and float(cn.min()) * float(info.max) > 1:
        idx, val = select_top(Q @ C.T, k, scale=(1 / cn).astype(Q.dtype))
        return idx, np.clip(val / qn[:, None], -1.0, 1.0)
    # extreme magnitudes (products would overflow or underflow): unit rows first
    idx, val = select_top((Q / qn[:, None]) @ (C / cn[:, None]).T, k)
    return idx, np.clip(val, -1.0, 1.0)


def _top_k_euclidean(Q, C, k):
    """Candidates from the expansion, distances and order from a − b.

    Rank by s = 2q·c − ‖c‖² = ‖q‖² − ‖q − c‖² (larger is closer), with ‖c‖² the
    sum of squares Σ c_i² (one inner product, never the square of a rounded
    norm). Its rounding error is then at most E = (2d + 3)·u·(‖q‖² + max ‖c‖²)
    (``sim-cancellation``: γ_d·2‖q‖‖c‖ for the dot product, γ_d·‖c‖² for the sum
    of squares, u·|s| for the subtraction, and 2‖q‖‖c‖ ≤ ‖q‖² + ‖c‖²). With t the
    k-th largest computed s, every true top-k neighbour has a computed s ≥ t − 2E;
    only those candidates are measured exactly, from a − b.
    """
    qn = _core.row_norms(Q)
    cn = _core.row_norms(C)
    if not (np.isfinite(qn).all() and np.isfinite(cn).all()):
        raise NonFinite
    nq = Q.shape[0]
    idx = np.empty((nq, k), dtype=np.intp)
    val = np.empty((nq, k), dtype=Q.dtype)
    info = np.finfo(Q.dtype)
    largest = max(float(qn.max()), float(cn.max()))
    largest2 = largest * largest  # Python floats: inf on overflow, no warning
    if largest2 >= float(info.max) / 8 or largest2 < float(info.tiny) / float(info.eps):
        # squares overflow, or all lie near underflow: exact distances for every pair
        D = euclidean_distance(Q, C)
        idx = np.argsort(D, axis=1, kind="stable")[:, :k]
        return idx, np.take_along_axis(D, idx, axis=1)
    u = np.finfo(Q.dtype).eps / 2
    qn2 = squared_norms(Q)  # sums of squares: the bound counts no rounded norm squared again
    cn2 = squared_norms(C)
    S = 2 * (Q @ C.T)
    S -= cn2[None, :]
    margin = 2 * (2 * Q.shape[1] + 3) * u * (qn2.astype(np.float64) + float(cn2.max()))
    for r, cols, _ in candidates(S, k, margin):
        exact = _direct_distances(Q, C, np.full(cols.size, r), cols)
        order = np.lexsort((cols, exact))[:k]
        idx[r], val[r] = cols[order], exact[order]
    return idx, val


# --------------------------------------------------------------- the experiments
def vector_pair(angle_deg: float, length_a: float = 1.0, length_b: float = 1.0) -> dict:
    """Two 2-D vectors at a given angle, and their four similarity scores.

    a = length_a·(1, 0) and b = length_b·(cos θ, sin θ), scored by the dot
    product (uses ``sim-dot``), :func:`cosine_similarity` (uses ``sim-cosine``),
    :func:`euclidean_distance` (uses ``sim-euclidean``) and
    :func:`distance_to_similarity` (uses ``sim-dist-to-sim``): the cosine depends
    on θ only, the distance on the lengths too. What the chapter's first
    explorer draws.

    Parameters
    ----------
    angle_deg : float
        The angle θ between a and b, in degrees.
    length_a, length_b : float, default 1.0
        The lengths ‖a‖ and ‖b‖, positive.

    Returns
    -------
    dict
        "a" and "b" (arrays of shape (2,)), and the floats "dot", "cosine",
        "distance" (‖a − b‖) and "similarity" (1 / (1 + distance)).

    Raises
    ------
    TypeError
        If a length is not a real number.
    ValueError
        If ``angle_deg`` is not a finite number or a length is not positive.

    Examples
    --------
    >>> pair = vector_pair(60, 1.0, 2.0)
    >>> print(f"{pair['cosine']:.4f} {pair['dot']:.4f} {pair['distance']:.4f}")
    0.5000 1.0000 1.7321
    """
    func = "vector_pair"
    theta = np.deg2rad(float(as_float_array(angle_deg, "angle_deg", func, ndim=0)))
    length_a = check_positive_float(length_a, "length_a", func)
    length_b = check_positive_float(length_b, "length_b", func)
    a = np.array([length_a, 0.0])
    b = length_b * np.array([np.cos(theta), np.sin(theta)])
    distance = euclidean_distance(a, b)
    return {
        "a": a,
        "b": b,
        "dot": float(a @ b),
        "cosine": cosine_similarity(a, b),
        "distance": distance,
        "similarity": distance_to_similarity(distance),
    }


def _sorted_distances(dim: int, n_points: int, rng: np.random.Generator) -> np.ndarray:
    """n_points uniform points of [0, 1]^dim, then one query: its sorted distances to them."""
    points = rng.random((n_points, dim))
    query = rng.random(dim)
    return np.sort(euclidean_distance(query, points))


@lru_cache(maxsize=64)
def _cached_sorted_distances(dim: int, n_points: int, seed: int) -> np.ndarray:
    """Read-only (callers get a copy): the explorer's slider revisits the same dimensions."""
    d = _sorted_distances(dim, n_points, np.random.default_rng(seed))
    d.setflags(write=False)
    return d


def distance_concentration(dim: int, n_points: int = 1000, seed=0) -> dict:
    """Relative contrast of random distances in the unit cube (equation ``sim-relative-contrast``).

    Draws n_points points, then one query, uniformly in [0, 1]^dim, and measures
    the distances from the query to the points (:func:`euclidean_distance`).
    The relative contrast (D_max − D_min) / D_min tends to 0 as dim grows:
    nearest and farthest neighbours become almost equally far away. An int
    seed gives the same draw every time (and is cached: the chapter's
    explorer revisits the same dimensions).

    Parameters
    ----------
    dim : int
        The dimension d, at least 1.
    n_points : int, default 1000
        The number of points, at least 2.
    seed : int or numpy.random.Generator, default 0
        An int ≥ 0 seeds ``numpy.random.default_rng``; a Generator is used as it is.

    Returns
    -------
    dict
        "distances" (sorted, shape (n_points,)), "min" and "max" (floats) and
        "contrast", the relative contrast (a float).

    Raises
    ------
    TypeError
        If ``dim`` or ``n_points`` is not an integer, or ``seed`` is neither
        an int nor a Generator.
    ValueError
        If dim < 1, n_points < 2, or the seed is negative.

    Examples
    --------
    >>> low, high = distance_concentration(2, seed=0), distance_concentration(1000, seed=0)
    >>> low["contrast"] > 10 > 1 > high["contrast"]
    True
    >>> print(f"{high['min']:.3f} {high['max']:.3f} {high['contrast']:.3f}")
    12.289 13.753 0.119
    """
    func = "distance_concentration"
    dim = check_positive_int(dim, "dim", func)
    n_points = check_positive_int(n_points, "n_points", func, minimum=2)
    rng = check_random_state(seed, func)
    if isinstance(seed, np.random.Generator):  # a stream: draw afresh
        d = _sorted_distances(dim, n_points, rng)
    else:  # a fixed seed: the same draw every time, cached
        d = _cached_sorted_distances(dim, n_points, int(seed)).copy()
    return {
        "distances": d,
        "min": float(d[0]),
        "max": float(d[-1]),
        "contrast": float((d[-1] - d[0]) / d[0]),
    }


def relative_contrast_curve(dims, n_points: int = 1000, seed=0) -> np.ndarray:
    """The relative contrast of random distances at each of several dimensions.

    One :func:`distance_concentration` experiment per dimension (uses
    ``sim-relative-contrast``), each with the same ``seed`` (a Generator is
    drawn from in turn): the curve that shows the contrast shrink.

    Parameters
    ----------
    dims : sequence of int
        The dimensions, each at least 1.
    n_points : int, default 1000
    seed : int or numpy.random.Generator, default 0

    Returns
    -------
    numpy.ndarray of float64, shape (len(dims),)

    Raises
    ------
    TypeError, ValueError
        As :func:`distance_concentration`, for any of the dimensions.

    Examples
    --------
    >>> curve = relative_contrast_curve([2, 20, 200], n_points=300)
    >>> bool(curve[0] > curve[1] > curve[2])
    True
    """
    return np.array(
        [distance_concentration(dim, n_points, seed)["contrast"] for dim in dims], dtype=np.float64
    )


# ------------------------------------------------- real embeddings: anisotropy
def pairwise_cosines(X) -> np.ndarray:
    """The cosine of every pair of distinct rows i < j, in the order of ``numpy.triu_indices(n, 1)``.

    Uses ``sim-cosine`` (:func:`cosine_similarity` of the matrix with itself,
    computed in float64, in O(n² + n·d) memory): the n(n − 1)/2 numbers whose
    histogram shows how a set of embeddings spreads over the sphere. Their mean
    is :func:`mean_pairwise_cosine`.

    Parameters
    ----------
    X : array-like, (n, d)
        n ≥ 2 non-zero vectors, one per row.

    Returns
    -------
    numpy.ndarray of float64, shape (n(n − 1)/2,)
        cos(x_i, x_j) for i < j: pair (0, 1) first, then (0, 2), ..., (n − 2, n − 1).

    Raises
    ------
    TypeError
        If ``X`` is not an array-like of real numbers.
    ValueError
        If ``X`` is not 2-D, has fewer than 2 rows, holds nan or inf or a zero row.

    Examples
    --------
    >>> print(pairwise_cosines([[1, 0], [0, 2], [-3, 0]]))
    [ 0. -1.  0.]
    """
    func = "pairwise_cosines"
    X = as_float_array(X, "X", func, ndim=2).astype(np.float64, copy=False)
    if X.shape[0] < 2:
        raise ValueError(f"{func}: X needs at least 2 rows (pairs of vectors), got {X.shape[0]}")
    U = unit_rows(X, "X", func)
    i, j = np.triu_indices(X.shape[0], 1)
    # The (n, n) matrix of cosines, then its upper triangle: O(n² + n·d) memory. (Gathering the
    # rows of every pair first, U[i] and U[j], would take two (n(n − 1)/2, d) arrays: 290 MB
    # for 308 vectors of dimension 384, 100 GB for 5000.)
    return np.clip(U @ U.T, -1.0, 1.0)[i, j]


def mean_pairwise_cosine(X) -> float:
    """Mean cosine of all pairs of rows, (n‖μ‖² − 1)/(n − 1) (equation ``sim-mean-pairwise-cosine``).

    The rows are first scaled to unit length, and μ is the mean of the unit
    rows: the mean of the n(n − 1)/2 cosines then follows from one mean vector,
    in O(n·d) time instead of the O(n²·d) of :func:`pairwise_cosines`. Computed
    in float64. The result is at least −1/(n − 1), with equality exactly when
    μ = 0; for isotropic (uniformly random) unit vectors it is about 0.

    Parameters
    ----------
    X : array-like, (n, d)
        n ≥ 2 non-zero vectors, one per row.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``X`` is not an array-like of real numbers.
    ValueError
        If ``X`` is not 2-D, has fewer than 2 rows, holds nan or inf or a zero row.

    Examples
    --------
    >>> print(f"{mean_pairwise_cosine([[1, 0], [0, 2], [-3, 0]]):.4f}")  # cosines 0, −1, 0
    -0.3333
    """
    func = "mean_pairwise_cosine"
    X = as_float_array(X, "X", func, ndim=2).astype(np.float64, copy=False)
    n = X.shape[0]
    if n < 2:
        raise ValueError(f"{func}: X needs at least 2 rows (pairs of vectors), got {n}")
    mu = unit_rows(X, "X", func).mean(axis=0)
    return float((n * (mu @ mu) - 1.0) / (n - 1))


def random_unit_vectors(n: int, dim: int, seed=0) -> np.ndarray:
    """n independent vectors drawn uniformly from the unit sphere of R^dim: isotropic embeddings.

    Each row is a standard Gaussian vector divided by its norm; the Gaussian
    density depends on the norm only, so the direction is uniform. Two such
    vectors have a cosine of mean 0 and variance 1/dim (equation
    ``sim-isotropic-cosine``): the baseline against which chapter 1 measures
    the anisotropy of real embeddings.

    Parameters
    ----------
    n : int
        The number of vectors, at least 1.
    dim : int
        The dimension, at least 1.
    seed : int or numpy.random.Generator, default 0
        An int ≥ 0 seeds ``numpy.random.default_rng``; a Generator is used as it is.

    Returns
    -------
    numpy.ndarray of float64, shape (n, dim)
        Unit rows.

    Raises
    ------
    TypeError
        If ``n`` or ``dim`` is not an integer, or ``seed`` is neither an int nor a Generator.
    ValueError
        If n < 1, dim < 1 or the seed is negative.

    Examples
    --------
    >>> U = random_unit_vectors(3, 384, seed=0)
    >>> U.shape, bool(np.allclose(np.linalg.norm(U, axis=1), 1))
    ((3, 384), True)
    """
    func = "random_unit_vectors"
    n = check_positive_int(n, "n", func)
    dim = check_positive_int(dim, "dim", func)
    rng = check_random_state(seed, func)
    G = rng.standard_normal((n, dim))
    norms = _core.row_norms(G)
    while (norms == 0).any():  # probability 0, but a 1-D draw can be exactly 0.0 in principle
        zero = norms == 0
        G[zero] = rng.standard_normal((int(zero.sum()), dim))
        norms = _core.row_norms(G)
    return G / norms[:, None]


def center_embeddings(X, mean=None) -> np.ndarray:
    """Subtract a mean vector and rescale to unit rows, (x − μ)/‖x − μ‖ (equation ``sim-centring``).

    With ``mean=None``, μ is the mean of the rows of ``X``. To compare queries
    with centred passages, centre the queries with the **passages'** mean, so
    that both move by the same translation.

    Parameters
    ----------
    X : array-like, (d,) or (n, d)
        The vectors.
    mean : array-like, (d,), optional
        The vector μ to subtract; default the mean of the rows of ``X``.

    Returns
    -------
    numpy.ndarray
        The same shape and float dtype as ``X``: unit rows.

    Raises
    ------
    TypeError
        If an argument is not an array-like of real numbers.
    ValueError
        If ``X`` is not 1-D or 2-D, ``mean`` is not 1-D of the same dimension,
        either holds nan or inf, ``mean`` is None with a single vector (which
        would be its own mean), or a row equals μ (it has no direction left).

    Examples
    --------
    >>> print(center_embeddings([[2.0, 1.0], [0.0, 1.0]]))
    [[ 1.  0.]
     [-1.  0.]]
    >>> print(center_embeddings([3.0, 1.0], mean=[0.0, 1.0]))
    [1. 0.]
    """
    func = "center_embeddings"
    X = as_float_array(X, "X", func, ndim=(1, 2))
    single = X.ndim == 1
    X2 = np.atleast_2d(X)
    if mean is None:
        if single:
            raise ValueError(f"{func}: a single vector X is its own mean; pass mean= to centre it")
        mu = X2.astype(np.float64).mean(axis=0)
    else:
        mu = as_float_array(mean, "mean", func, ndim=1)
        check_same_dimension(X2, np.atleast_2d(mu), ("X", "mean"), func)
    Y = X2 - mu.astype(X2.dtype)
    norms = _core.row_norms(Y)
    if (norms == 0).any():
        row = first_bad_index(norms == 0)[0]
        raise ValueError(f"{func}: row {row} of X equals the mean; it has no direction after centring")
    out = (Y / norms[:, None]).astype(X.dtype, copy=False)
    return out[0] if single else out


def explained_variance_ratio(X) -> np.ndarray:
    """Share of the variance on each principal axis, λ_j / Σ_k λ_k (equation ``sim-explained-variance``).

    λ_1 ≥ … ≥ λ_d (largest first) are the eigenvalues of the covariance matrix
    Σ = (1/n) Σ_i (x_i − μ)(x_i − μ)ᵀ of the rows, computed in float64 from the
    singular values s_j of the centred matrix (λ_j = s_j²/n). The cumulative
    sum of the result says how many directions hold a given share of the
    variance: a linear measure of the data's intrinsic dimension.

    Parameters
    ----------
    X : array-like, (n, d)
        n ≥ 2 rows, not all equal.

    Returns
    -------
    numpy.ndarray of float64, shape (d,)
        Non-negative, non-increasing, sums to 1; when n − 1 < d the last
        d − (n − 1) entries are (numerically) 0: n centred points span at most
        n − 1 dimensions.

    Raises
    ------
    TypeError
        If ``X`` is not an array-like of real numbers.
    ValueError
        If ``X`` is not 2-D, has fewer than 2 rows, holds nan or inf, or all
        its rows are equal (no variance to share).

    Examples
    --------
    >>> X = [[-2.0, -1.0], [2.0, 1.0], [-2.0, 1.0], [2.0, -1.0]]
    >>> print(explained_variance_ratio(X))  # variances 4 and 1
    [0.8 0.2]
    """
    func = "explained_variance_ratio"
    X = as_float_array(X, "X", func, ndim=2).astype(np.float64, copy=False)
    n, d = X.shape
    if n < 2:
        raise ValueError(f"{func}: X needs at least 2 rows, got {n}")
    s = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    variances = np.zeros(d)
    variances[: s.size] = s**2 / n
    total = variances.sum()
    if total == 0:
        raise ValueError(f"{func}: all rows of X are equal; there is no variance to share")
    return variances / total


def relative_contrasts(queries, corpus) -> np.ndarray:
    """The relative contrast of each query's distances to a corpus, (D_max − D_min)/D_min.

    Uses ``sim-relative-contrast`` (the quantity of
    :func:`distance_concentration`) on given vectors instead of random
    points: one number per query, from its :func:`euclidean_distance` to
    every row of ``corpus``. A query that coincides with a corpus row has
    D_min = 0 and a contrast of inf.

    Parameters
    ----------
    queries : array-like, (d,) or (q, d)
    corpus : array-like, (N, d)
        N ≥ 2 rows, same dimension d.

    Returns
    -------
    float or numpy.ndarray of shape (q,)
        A float for a 1-D query.

    Raises
    ------
    TypeError
        If an argument is not an array-like of real numbers.
    ValueError
        If the dimensions differ, ``corpus`` has fewer than 2 rows, an argument
        holds nan or inf, or every corpus row equals a query (0/0: undefined).

    Examples
    --------
    >>> print(relative_contrasts([[0.0, 0.0], [1.0, 0.0]], [[1.0, 0.0], [3.0, 0.0]]))
    [ 2. inf]
    """
    func = "relative_contrasts"
    Q = as_float_array(queries, "queries", func, ndim=(1, 2))
    C = as_float_array(corpus, "corpus", func, ndim=2)
    check_same_dimension(Q, C, ("queries", "corpus"), func)
    if C.shape[0] < 2:
        raise ValueError(f"{func}: corpus needs at least 2 rows, got {C.shape[0]}")
    D = np.atleast_2d(euclidean_distance(np.atleast_2d(Q), C)).astype(np.float64)
    d_min, d_max = D.min(axis=1), D.max(axis=1)
    if (d_max == 0).any():
        row = first_bad_index(d_max == 0)[0]
        raise ValueError(f"{func}: every corpus row equals query {row}; its relative contrast is 0/0")
    with np.errstate(divide="ignore"):
        out = (d_max - d_min) / d_min
    return float(out[0]) if Q.ndim == 1 else out


def n_components(ratios, fraction: float = 0.9) -> int:
    """The fewest principal axes that together hold a share ``fraction`` of the variance.

    Uses ``sim-explained-variance``: with r_1 ≥ r_2 ≥ … the shares of
    :func:`explained_variance_ratio`, the smallest k with r_1 + … + r_k ≥ fraction
    (at most len(ratios), whatever the rounding of the cumulative sum).

    Parameters
    ----------
    ratios : array-like, (d,)
        Non-negative shares in non-increasing order, summing to 1 (within 1e-6).
    fraction : float, default 0.9
        In (0, 1].

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If ``ratios`` is not an array-like of real numbers or ``fraction`` not a real number.
    ValueError
        If ``ratios`` is not 1-D, is negative, increasing somewhere or does not sum to 1,
        or ``fraction`` is not in (0, 1].

    Examples
    --------
    >>> n_components([0.5, 0.3, 0.15, 0.05], fraction=0.9)
    3
    >>> n_components([0.5, 0.3, 0.15, 0.05], fraction=0.8)
    2
    """
    func = "n_components"
    r = as_float_array(ratios, "ratios", func, ndim=1).astype(np.float64, copy=False)
    fraction = check_positive_float(fraction, "fraction", func)
    if fraction > 1:
        raise ValueError(f"{func}: fraction must be in (0, 1], got {fraction:g}")
    if (r < 0).any():
        raise ValueError(f"{func}: ratios must be non-negative (at index {first_bad_index(r < 0)[0]})")
    if (np.diff(r) > 1e-12).any():
        raise ValueError(f"{func}: ratios must be in non-increasing order (largest share first)")
    if abs(r.sum() - 1.0) > 1e-6:
        raise ValueError(f"{func}: ratios must sum to 1, got {r.sum():.6g}")
    k = int(np.searchsorted(np.cumsum(r), fraction, side="left")) + 1
    return min(k, r.size)


# ------------------------------------------------------- near-duplicates and the angle
def angle_between(a, b):
    """The angle between two vectors, θ = 2·atan2(‖â − b̂‖, ‖â + b̂‖) (equation ``sim-angle-chord``).

    â and b̂ are the unit vectors of a and b. In exact arithmetic this is
    2·asin(‖â − b̂‖/2) = arccos(cos θ), but it is computed from differences
    and sums of the unit vectors, which cancel nothing, so small angles (near-duplicates)
    keep their relative accuracy, where arccos of a rounded cosine cannot: its
    condition number grows like 1/θ² (``sim-arccos-condition``). The arctangent of
    the two half-chords (instead of the arcsine of one) stays accurate near 180° too.

    Parameters
    ----------
    a : array-like, (d,) or (n, d)
    b : array-like, (d,) or (m, d)
        Same dimension d as ``a``; no zero vectors.

    Returns
    -------
    float or numpy.ndarray
        Angles in radians, in [0, π], in the dtype of the inputs; shapes as
        :func:`cosine_similarity` (the module's shape table).

    Raises
    ------
    TypeError
        If an argument is not an array-like of real numbers.
    ValueError
        If either argument holds a zero vector (it has no direction), nan or
        inf, is not 1-D or 2-D, or the dimensions differ.

    Examples
    --------
    >>> print(f"{angle_between([1, 0], [1, 1]):.6f}")  # π/4
    0.785398
    >>> a, b = [1.0, 0.0], [1.0, 1e-9]  # cos θ rounds to exactly 1: arccos gives 0
    >>> print(f"{angle_between(a, b):.6e}   {np.arccos(cosine_similarity(a, b)):.1e}")
    1.000000e-09   0.0e+00
    """
    func = "angle_between"
    A, B, a1, b1 = _pair(a, b, func)
    ua = unit_rows(A, "a", func, one_vector=a1)
    ub = unit_rows(B, "b", func, one_vector=b1)
    ia, ib = (g.ravel() for g in np.meshgrid(np.arange(len(ua)), np.arange(len(ub)), indexing="ij"))
    minus = _direct_distances(ua, ub, ia, ib)
    plus = _direct_distances(ua, -ub, ia, ib)  # ‖â + b̂‖ = ‖â − (−b̂)‖
    out = (2 * np.arctan2(minus, plus)).reshape(len(ua), len(ub)).astype(A.dtype, copy=False)
    return _shape_result(out, a1, b1)


def near_duplicate_experiment(n: int = 20, dim: int = 384, low: float = 1e-4, high: float = 5e-4,
                              seed=0, dtype="float32") -> dict:
    """Near-duplicates of a unit query, stored in ``dtype``, and how each score ranks them.

    Uses ``sim-one-minus-cos``: for unit vectors 1 − cos θ = ‖â − b̂‖²/2, so near a
    cosine of 1 the cosine (and the dot product) carries the squared distance in
    its last bits, which rounding to ``dtype`` removes. A random unit query q and
    n unit vectors x_i = (q + δ_i w_i)/‖q + δ_i w_i‖, with w_i random unit vectors
    perpendicular to q and the distances δ_i evenly spaced from ``low`` to
    ``high`` in a random order; then everything is rounded to ``dtype`` and
    scored in ``dtype``.

    Parameters
    ----------
    n : int, default 20
        The number of near-duplicates, at least 2.
    dim : int, default 384
        The dimension, at least 2.
    low, high : float, default 1e-4 and 5e-4
        The smallest and the largest distance, 0 < low < high ≤ 1.
    seed : int or numpy.random.Generator, default 0
    dtype : {"float32", "float64"}, default "float32"

    Returns
    -------
    dict
        "query" (dim,) and "points" (n, dim) as stored; "true" (float64, (n,)):
        the distances of the stored vectors, ‖q − x_i‖ computed in float64 from
        the stored values; and one array (n,) per score computed in ``dtype``:
        "dot" (q·x_i), "cosine" (:func:`cosine_similarity`), "expansion" (the
        distance √max(0, ‖q‖² + ‖x_i‖² − 2q·x_i)), "subtraction" (the distance
        ‖q − x_i‖ by :func:`euclidean_distance`), "arccos" (arccos of the
        cosine) and "angle" (:func:`angle_between`).

    Raises
    ------
    TypeError
        If ``n`` or ``dim`` is not an integer, ``low`` or ``high`` not a real
        number, or ``seed`` neither an int nor a Generator.
    ValueError
        If n < 2, dim < 2, the distances are not 0 < low < high ≤ 1, or ``dtype`` is unknown.

    Examples
    --------
    >>> e = near_duplicate_experiment(seed=0)
    >>> true_order = np.argsort(e["true"])
    >>> len(np.unique(e["cosine"])) < 6, bool(np.all(np.argsort(e["subtraction"]) == true_order))
    (True, True)
    """
    func = "near_duplicate_experiment"
    n = check_positive_int(n, "n", func, minimum=2)
    dim = check_positive_int(dim, "dim", func, minimum=2)
    low = check_positive_float(low, "low", func)
    high = check_positive_float(high, "high", func)
    if not low < high <= 1:
        raise ValueError(f"{func}: low and high must satisfy 0 < low < high <= 1, got {low:g} and {high:g}")
    dtype = np.dtype(check_choice(dtype, "dtype", func, ("float32", "float64")))
    rng = check_random_state(seed, func)
    q = rng.standard_normal(dim)
    q /= _core.row_norms(q[None, :])[0]
    W = rng.standard_normal((n, dim))
    W -= (W @ q)[:, None] * q[None, :]  # perpendicular to q
    W /= _core.row_norms(W)[:, None]
    deltas = rng.permutation(np.linspace(low, high, n))
    X = q[None, :] + deltas[:, None] * W
    X /= _core.row_norms(X)[:, None]
    q_s, X_s = q.astype(dtype), X.astype(dtype)
    true = _direct_distances(X_s.astype(np.float64), q_s.astype(np.float64)[None, :],
                             np.arange(n), np.zeros(n, dtype=np.intp))
    dot = X_s @ q_s
    cosine = cosine_similarity(q_s, X_s)
    expanded = (q_s @ q_s) + squared_norms(X_s) - 2 * dot
    return {
        "query": q_s,
        "points": X_s,
        "true": true,
        "dot": dot,
        "cosine": cosine,
        "expansion": np.sqrt(np.maximum(expanded, 0)).astype(dtype),
        "subtraction": euclidean_distance(q_s, X_s),
        "arccos": np.arccos(cosine).astype(dtype),
        "angle": angle_between(q_s, X_s),
    }


# ----------------------------------------------------------------------- hubness
def _neighbour_scores(X: np.ndarray, metric: str, func: str) -> np.ndarray:
    """Scores of every row against every other (larger is nearer), the diagonal below them all."""
    if metric == "cosine":
        U = unit_rows(X, "X", func)
        S = np.clip(U @ U.T, -1.0, 1.0)
        np.fill_diagonal(S, -2.0)  # below every cosine: a point is not its own neighbour
    else:
        S = -euclidean_distance(X, X).astype(np.float64)
        np.fill_diagonal(S, S.min() - 1.0)
    return S


def k_occurrence(X, k: int = 10, metric: str = "cosine") -> np.ndarray:
    """How often a point is among the k nearest neighbours of the others, N_k (equation ``sim-k-occurrence``).

    Each row's k nearest neighbours among the *other* rows, by the largest
    cosine or the smallest :func:`euclidean_distance` (ties broken by the lower
    index, as everywhere), then one count per row: the number of rows that
    list it. The counts sum to n·k, so their mean is k whatever the data; their
    **skewness** (:func:`k_occurrence_skewness`) measures hubness, a few points
    that are near neighbours of many (Radovanović, Nanopoulos and Ivanović, 2010).

    Parameters
    ----------
    X : array-like, (n, d)
        n ≥ 2 rows (no zero rows for "cosine").
    k : int, default 10
        1 ≤ k ≤ n − 1.
    metric : {"cosine", "euclidean"}, default "cosine"

    Returns
    -------
    numpy.ndarray of int, shape (n,)

    Raises
    ------
    TypeError
        If ``X`` is not an array-like of real numbers or ``k`` not an integer.
    ValueError
        If ``X`` is not 2-D, has fewer than 2 rows, holds nan, inf or (for
        "cosine") a zero row, k is not in 1 … n − 1, or ``metric`` is unknown.

    Examples
    --------
    >>> X = [[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]]  # two pairs
    >>> print(k_occurrence(X, k=1))
    [1 1 1 1]
    >>> print(k_occurrence([[0.0], [1.0], [2.0], [3.5]], k=1, metric="euclidean"))
    [1 2 1 0]
    """
    func = "k_occurrence"
    metric = check_choice(metric, "metric", func, ("cosine", "euclidean"))
    X = as_float_array(X, "X", func, ndim=2).astype(np.float64, copy=False)
    n = X.shape[0]
    if n < 2:
        raise ValueError(f"{func}: X needs at least 2 rows, got {n}")
    k = check_positive_int(k, "k", func)
    if k > n - 1:
        raise ValueError(f"{func}: k must be at most n − 1 = {n - 1} (the other rows), got {k}")
    neighbours, _ = select_top(_neighbour_scores(X, metric, func), k)
    return np.bincount(neighbours.ravel(), minlength=n)


def k_occurrence_skewness(X, k: int = 10, metric: str = "cosine") -> float:
    """Skewness of the k-occurrences, E[(N_k − k)³] / sd(N_k)³ (equation ``sim-hubness-skewness``).

    The measure of hubness of Radovanović, Nanopoulos and Ivanović (2010): 0
    for a symmetric distribution of :func:`k_occurrence` (which has mean k),
    large and positive when a few points (hubs) are the neighbours of many and
    many points (anti-hubs) of none. Population moments (divided by n).

    Parameters
    ----------
    X : array-like, (n, d)
    k : int, default 10
    metric : {"cosine", "euclidean"}, default "cosine"
        As :func:`k_occurrence`.

    Returns
    -------
    float

    Raises
    ------
    TypeError, ValueError
        As :func:`k_occurrence`; ValueError also if every point has the same
        k-occurrence (sd 0: the skewness is undefined).

    Examples
    --------
    >>> print(f"{k_occurrence_skewness([[0.0], [1.0], [2.0], [3.5]], k=1, metric='euclidean'):.4f}")
    0.0000
    """
    counts = k_occurrence(X, k, metric).astype(np.float64)
    centred = counts - counts.mean()
    sd = float(np.sqrt(np.mean(centred**2)))
    if sd == 0:
        raise ValueError("k_occurrence_skewness: every point has the same k-occurrence; the skewness is 0/0")
    return float(np.mean(centred**3) / sd**3)


# ------------------------------------------------------ Johnson–Lindenstrauss
def random_projection(X, k: int, seed=0) -> np.ndarray:
    """Project onto k dimensions, f(x) = R x / √k, R_ji iid N(0, 1) (equation ``sim-random-projection``).

    The map of the Johnson–Lindenstrauss lemma in its Gaussian form: for every
    x, E‖f(x)‖² = ‖x‖², and ‖f(x)‖²/‖x‖² is a χ²_k variable divided by k, which
    concentrates around 1 as k grows (``sim-jl``). One matrix R, shape (k, d),
    drawn from ``seed``, is applied to every row (the same map for all points).

    Parameters
    ----------
    X : array-like, (d,) or (n, d)
    k : int
        The target dimension, at least 1.
    seed : int or numpy.random.Generator, default 0

    Returns
    -------
    numpy.ndarray of float64, shape (k,) or (n, k)

    Raises
    ------
    TypeError
        If ``X`` is not an array-like of real numbers, ``k`` not an integer or
        ``seed`` neither an int nor a Generator.
    ValueError
        If ``X`` is not 1-D or 2-D or holds nan or inf, or k < 1.

    Examples
    --------
    >>> Y = random_projection(np.eye(3), k=2, seed=0)
    >>> Y.shape
    (3, 2)
    """
    func = "random_projection"
    X = as_float_array(X, "X", func, ndim=(1, 2)).astype(np.float64, copy=False)
    k = check_positive_int(k, "k", func)
    rng = check_random_state(seed, func)
    R = rng.standard_normal((k, X.shape[-1]))
    return (X @ R.T) / np.sqrt(k)


def jl_dimension(n: int, eps: float) -> int:
    """The Johnson–Lindenstrauss target dimension, ⌈4 ln n / (ε²/2 − ε³/3)⌉ (equation ``sim-jl-dimension``).

    The bound of Dasgupta and Gupta (2003): for k at least this, a random
    projection (:func:`random_projection`) keeps every squared distance of n
    given points within a factor 1 ± ε (``sim-jl``) with probability at least
    1/n (and much more in practice). It depends on n and ε, not on the
    original dimension.

    Parameters
    ----------
    n : int
        The number of points, at least 2.
    eps : float
        The distortion, in (0, 1).

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If ``n`` is not an integer or ``eps`` not a real number.
    ValueError
        If n < 2 or eps is not in (0, 1).

    Examples
    --------
    >>> jl_dimension(308, 0.5), jl_dimension(308, 0.1), jl_dimension(10**6, 0.1)
    (276, 4912, 11842)
    """
    func = "jl_dimension"
    n = check_positive_int(n, "n", func, minimum=2)
    eps = check_interval(eps, "eps", func, 0.0, 1.0, closed="neither")
    return int(np.ceil(4 * np.log(n) / (eps**2 / 2 - eps**3 / 3)))


def pairwise_distortions(X, Y) -> np.ndarray:
    """The ratio ‖y_i − y_j‖² / ‖x_i − x_j‖² of every pair i < j (equation ``sim-jl``).

    How much a map x_i ↦ y_i (a projection, a quantizer) stretches (> 1) or
    shrinks (< 1) each squared distance of a set of points; the
    Johnson–Lindenstrauss lemma bounds all of them within [1 − ε, 1 + ε]. Pairs in
    the order of ``numpy.triu_indices(n, 1)``; distances by :func:`euclidean_distance`,
    in float64.

    Parameters
    ----------
    X : array-like, (n, d)
        n ≥ 2 distinct points.
    Y : array-like, (n, k)
        Their images, one row per row of ``X`` (any dimension k).

    Returns
    -------
    numpy.ndarray of float64, shape (n(n − 1)/2,)

    Raises
    ------
    TypeError
        If an argument is not an array-like of real numbers.
    ValueError
        If an argument is not 2-D or holds nan or inf, the numbers of rows
        differ or are below 2, or two rows of ``X`` coincide (0/0).

    Examples
    --------
    >>> print(pairwise_distortions([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]], [[0.0], [2.0], [2.0]]))
    [4. 1. 0.]
    """
    func = "pairwise_distortions"
    X = as_float_array(X, "X", func, ndim=2).astype(np.float64, copy=False)
    Y = as_float_array(Y, "Y", func, ndim=2).astype(np.float64, copy=False)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(
            f"{func}: X and Y must have the same number of rows, got {X.shape[0]} and {Y.shape[0]}"
        )
    if X.shape[0] < 2:
        raise ValueError(f"{func}: X needs at least 2 rows (pairs of points), got {X.shape[0]}")
    i, j = np.triu_indices(X.shape[0], 1)
    dx = euclidean_distance(X, X)[i, j]
    if (dx == 0).any():
        w = int(np.flatnonzero(dx == 0)[0])
        raise ValueError(f"{func}: rows {i[w]} and {j[w]} of X coincide; their distortion is 0/0")
    dy = euclidean_distance(Y, Y)[i, j]
    return (dy / dx) ** 2
