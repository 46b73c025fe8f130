"""k-means by Lloyd's algorithm (chapter 5, the first half of product quantization).

Every public function cites the equation of ``book/05-quantization.md`` it
implements (labels ``pq-kmeans-*``, ``pq-assign-step``, ``pq-update-step``)::

    kmeans(X, k)              -> (centroids (k, d), labels (n,))
    kmeans_objective(X, C, c) -> J, the within-cluster sum of squares
    kmeans_history(X, k)      -> every half-step of kmeans, with its J

Randomness (the initial centroids) comes only from ``seed``: an int, as
``numpy.random.default_rng(seed)``, or a ``numpy.random.Generator``.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from .._validation import (
    as_float_array,
    check_choice,
    check_positive_int,
    check_random_state,
    check_same_dimension,
    first_bad_index,
)
from ._kernels import nearest, squared_distances_to

__all__ = ["kmeans", "kmeans_history", "kmeans_objective", "INITS"]

#: The ways of choosing the initial centroids.
INITS = ("k-means++", "random")


def _validate_data(X, k: int, func: str) -> np.ndarray:
    X = as_float_array(X, "X", func, ndim=2)
    if X.shape[0] < k:
        raise ValueError(
            f"{func}: X has {X.shape[0]} rows but k = {k} centroids need at least k rows"
        )
    return X

def kmeans_objective(X, centroids, labels) -> float:
    """Within-cluster sum of squares J = Σ_i ‖x_i − μ_{c(i)}‖² (equation ``pq-kmeans-objective``).

    Computed in float64 from the differences x_i − μ_{c(i)}, so no
    cancellation.

    Parameters
    ----------
    X : array-like, shape (n, d)
        The points, one per row.
    centroids : array-like, shape (k, d)
        The centroids μ_1, ..., μ_k.
    labels : array-like of int, shape (n,)
        ``labels[i]`` is the cluster c(i) ∈ [0, k) of row i.

    Returns
    -------
    float
        J, the total squared distance of the points to their centroids.

    Raises
    ------
    ValueError
        If X or centroids are not finite 2-D arrays of the same dimension, or
        labels has the wrong shape or a value outside [0, k).
    TypeError
        If labels are not integers.

    Examples
    --------
    >>> X = [[0.0, 0.0], [0.0, 2.0], [5.0, 0.0]]
    >>> kmeans_objective(X, [[0.0, 1.0], [5.0, 0.0]], [0, 0, 1])
    2.0
    """
    func = "kmeans_objective"
    X = as_float_array(X, "X", func, ndim=2)
    C = as_float_array(centroids, "centroids", func, ndim=2)
    check_same_dimension(X, C, ("X", "centroids"), func)
    labels = _check_labels(labels, X.shape[0], C.shape[0], func)
    return float(squared_distances_to(X.astype(np.float64), C.astype(np.float64), labels).sum())


def _check_labels(labels, n: int, k: int, func: str) -> np.ndarray:
    arr = np.asarray(labels)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{func}: labels must be integers, got an array of dtype {arr.dtype}")
    if arr.shape != (n,):
        raise ValueError(f"{func}: labels must have shape ({n},) (one per row of X), got {arr.shape}")
    bad = (arr < 0) | (arr >= k)
    if bad.any():
        i = first_bad_index(bad)[0]
        raise ValueError(
            f"{func}: labels must lie in [0, {k}) (one of the k centroids), got {arr[i]} at index {i}"
        )
    return arr.astype(np.intp)


def _init_centroids(X64: np.ndarray, k: int, init: str, rng: np.random.Generator) -> np.ndarray:
    """Indices of the k rows of X that start Lloyd's algorithm.

    "random": k distinct rows drawn uniformly. "k-means++" (Arthur &
    Vassilvitskii 2007): the first row uniformly, then each next row with
    probability proportional to its squared distance D(x)² to the nearest
    row already chosen (uniformly again if every D(x) is 0).
    """
    n = X64.shape[0]
    if init == "random":
        return rng.choice(n, size=k, replace=False)
    chosen = np.empty(k, dtype=np.intp)
    chosen[0] = rng.integers(n)

    def sq_dist(i):  # ‖x − x_i‖² for every row, from the differences
        diff = X64 - X64[i]
        return np.einsum("ij,ij->i", diff, diff)

    d2 = sq_dist(chosen[0])
    d2[chosen[0]] = 0.0
    for c in range(1, k):
        cumulative = np.cumsum(d2)
        total = cumulative[-1]
        if total > 0:
            i = int(np.searchsorted(cumulative, rng.random() * total, side="right"))
            i = min(i, n - 1)
            while d2[i] == 0:  # rounding at the very end of the cumulative sum
                i -= 1
        else:  # every row coincides with a chosen one
            i = int(rng.integers(n))
        chosen[c] = i
        d2 = np.minimum(d2, sq_dist(i))
        d2[i] = 0.0
    return chosen


def _update(X64, labels, C, dtype):
    """The update step (equation ``pq-update-step``): every centroid becomes the mean of its cluster.

    Means are computed in float64 and rounded to ``dtype``. Rounding to the
    nearest representable vector cannot undo the decrease: by the bias–variance
    identity the cost of a centre is n_c‖μ − centre‖² above its minimum, and the
    rounded mean is at least as close to μ as the old centroid, which is also
    representable. An empty cluster keeps no points, so its centroid is moved
    to the point farthest from its own cluster's new mean (the farthest
    points, in decreasing order of distance, ties by lower index, for several
    empty clusters); this does not change J, and the next assignment step then
    lowers it.
    """
    k, d = C.shape
    counts = np.bincount(labels, minlength=k)
    sums = np.empty((k, d))
    for j in range(d):
        sums[:, j] = np.bincount(labels, weights=X64[:, j], minlength=k)
    new = C.astype(np.float64, copy=True)
    full = counts > 0
    new[full] = sums[full] / counts[full, None]
    new = new.astype(dtype)
    empty = np.flatnonzero(~full)
    if empty.size:
        dist = squared_distances_to(X64, new.astype(np.float64), labels)
        farthest = np.lexsort((np.arange(X64.shape[0]), -dist))[: empty.size]
        new[empty] = X64[farthest].astype(dtype)
    return new


def _assign(X64, C, labels):
    """The assignment step (equation ``pq-assign-step``): every point to its nearest centroid.

    The candidate labels come from the fast expansion (``_kernels.nearest``). A
    point changes cluster only if its new centroid is strictly nearer than the
    old one, measured exactly from the differences, or equally near with a
    lower index. So J never increases; it strictly decreases when a point moves
    to a strictly nearer centroid, and a move on an exact tie lowers the label
    instead, which is what makes Lloyd's algorithm stop.
    """
    C64 = C.astype(np.float64)
    new = nearest(X64, C64)
    moved = np.flatnonzero(new != labels)
    if moved.size:
        d_new = squared_distances_to(X64[moved], C64, new[moved])
        d_old = squared_distances_to(X64[moved], C64, labels[moved])
        better = (d_new < d_old) | ((d_new == d_old) & (new[moved] < labels[moved]))
        keep_old = moved[~better]
        new[keep_old] = labels[keep_old]
    return new


def _lloyd(X, k, n_iter, seed, init, func):
    """Lloyd's algorithm, one state per half-step: ("init" | "update" | "assign", C, labels)."""
    k = check_positive_int(k, "k", func)
    X = _validate_data(X, k, func)
    n_iter = check_positive_int(n_iter, "n_iter", func, minimum=0)
    rng = check_random_state(seed, func)
    init = check_choice(init, "init", func, INITS)
    X64 = X.astype(np.float64)
    C = X[_init_centroids(X64, k, init, rng)].copy()
    labels = nearest(X64, C.astype(np.float64))
    yield "init", C, labels
    for _ in range(n_iter):
        C = _update(X64, labels, C, X.dtype)
        yield "update", C, labels
        new = _assign(X64, C, labels)
        if np.array_equal(new, labels):
            return  # the assignments no longer change: a fixed point
        labels = new
        yield "assign", C, labels


def kmeans(X, k, n_iter=25, seed=0, init="k-means++"):
    """k-means by Lloyd's algorithm: steps ``pq-assign-step`` and ``pq-update-step``, alternated.

    Minimises the within-cluster sum of squares J (``pq-kmeans-objective``):
    each row goes to its nearest centroid, then each centroid moves to the
    mean of its rows. Neither step increases J, so the algorithm stops after
    finitely many steps (``pq-kmeans-monotone``); it stops early, before
    ``n_iter`` updates, as soon as the assignments no longer change. An empty
    cluster is re-seeded with the row farthest from its centroid. The result
    is a local minimum: a fixed point of the two steps, not the best
    partition.

    Parameters
    ----------
    X : array-like, shape (n, d)
        The points; float32 stays float32 (the centroids too).
    k : int
        The number of clusters, 1 ≤ k ≤ n.
    n_iter : int, default 25
        The largest number of update steps (≥ 0).
    seed : int or numpy.random.Generator, default 0
        Seeds the initial centroids.
    init : {"k-means++", "random"}, default "k-means++"
        D² seeding (Arthur & Vassilvitskii 2007), or k distinct rows drawn
        uniformly.

    Returns
    -------
    centroids : numpy.ndarray, shape (k, d)
    labels : numpy.ndarray of intp, shape (n,)
        The nearest centroid of each row, ties by the lower index.

    Raises
    ------
    ValueError
        If X is not a finite 2-D array, has fewer than k rows, or an argument
        is out of range.
    TypeError
        If k, n_iter or seed has the wrong type.

    Examples
    --------
    >>> X = [[0.0, 0.0], [0.0, 1.0], [4.0, 0.0], [4.0, 1.0]]
    >>> centroids, labels = kmeans(X, 2, seed=0)
    >>> print(centroids[np.argsort(centroids[:, 0])])
    [[0.  0.5]
     [4.  0.5]]
    >>> bool(labels[0] == labels[1] != labels[2] == labels[3])
    True
    """
    # the last state: the fixed point, or the state after the n_iter-th update
    ((_step, C, labels),) = deque(_lloyd(X, k, n_iter, seed, init, "kmeans"), maxlen=1)
    return C, labels


def kmeans_history(X, k, n_iter=25, seed=0, init="k-means++"):
    """Every half-step of :func:`kmeans`, to watch J fall (equation ``pq-kmeans-monotone``).

    The arguments are those of :func:`kmeans`; the last state is what
    :func:`kmeans` returns.

    Parameters
    ----------
    X, k, n_iter, seed, init
        As for :func:`kmeans`.

    Returns
    -------
    list of dict
        One dict per state, with "step" ("init", then alternately "update"
        and "assign"), "centroids", "labels" and "objective" (J of that
        state, :func:`kmeans_objective`).

    Raises
    ------
    ValueError, TypeError
        As for :func:`kmeans`.

    Examples
    --------
    >>> X = [[0.0], [1.0], [9.0], [10.0]]
    >>> history = kmeans_history(X, 2, seed=0, init="random")
    >>> [h["step"] for h in history][:3]
    ['init', 'update', 'assign']
    >>> J = [h["objective"] for h in history]
    >>> all(a >= b for a, b in zip(J, J[1:]))
    True
    """
    history = []
    for step, C, labels in _lloyd(X, k, n_iter, seed, init, "kmeans_history"):
        history.append({
            "step": step,
            "centroids": C,
            "labels": labels,
            "objective": kmeans_objective(X, C, labels),
        })
    return history



# ------------------------------------------- many k-means at once (product quantization)
def _nearest_many(Xs: np.ndarray, C64: np.ndarray) -> np.ndarray:
    """:func:`~._kernels.nearest` for a stack of problems: row i of Xs[j] against C64[j].

    The same arithmetic as ``nearest`` (‖c‖² − 2x·c in float64, argmin, ties by
    the lower index), one problem after the other on this thread (a batched
    ``matmul`` of such thin matrices is slower than a loop of products).
    """
    c_sq = np.einsum("jld,jld->jl", C64, C64)
    minus_2ct = -2.0 * C64.transpose(0, 2, 1)  # exact: a power of two
    out = np.empty(Xs.shape[:2], dtype=np.intp)
    for j, X64 in enumerate(Xs):
        G = X64 @ minus_2ct[j]
        G += c_sq[j]
        G.argmin(axis=1, out=out[j])
    return out


def _update_many(Xs, labels, C, dtype):
    """:func:`_update` (``pq-update-step``) for a stack of problems, by one bincount per coordinate.

    Bin j·k + l collects the rows of problem j in cluster l, in the order of
    the rows, so every sum is added in the same order as in ``_update``.
    """
    g, k, d = C.shape
    flat = (labels + (np.arange(g, dtype=np.intp) * k)[:, None]).ravel()
    counts = np.bincount(flat, minlength=g * k).reshape(g, k)
    sums = np.empty((g, k, d))
    for c in range(d):
        sums[:, :, c] = np.bincount(flat, weights=Xs[:, :, c].ravel(), minlength=g * k).reshape(g, k)
    new = C.astype(np.float64, copy=True)
    full = counts > 0
    new[full] = sums[full] / counts[full][:, None]
    new = new.astype(dtype)
    for j in np.flatnonzero(~full.all(axis=1)):  # a problem with an empty cluster: as _update does
        new[j] = _update(Xs[j], labels[j], C[j], dtype)
    return new


def _assign_many(Xs, C, labels):
    """:func:`_assign` (``pq-assign-step``) for a stack of problems: a row moves only if strictly nearer."""
    C64 = C.astype(np.float64)
    new = _nearest_many(Xs, C64)
    jj, ii = np.nonzero(new != labels)
    if jj.size:
        x = Xs[jj, ii]
        diff = x - C64[jj, new[jj, ii]]
        d_new = np.einsum("ij,ij->i", diff, diff)
        diff = x - C64[jj, labels[jj, ii]]
        d_old = np.einsum("ij,ij->i", diff, diff)
        worse = ~((d_new < d_old) | ((d_new == d_old) & (new[jj, ii] < labels[jj, ii])))
        new[jj[worse], ii[worse]] = labels[jj[worse], ii[worse]]
    return new


def _init_centroids_many(Xs: np.ndarray, k: int, init: str, rngs: list) -> np.ndarray:
    """:func:`_init_centroids` for a stack of problems (g, n, d): the indices (g, k) of their starts.

    Problem j draws from ``rngs[j]``, in the order ``_init_centroids`` draws. With
    k-means++ and g different generators the problems advance together, one
    chosen row per step for all of them (the same sums, in the same order, as
    one problem alone); otherwise (uniform rows, or one generator shared by
    all, which must serve the problems one after the other) they run in turn.
    """
    g, n, _ = Xs.shape
    if init == "random" or len({id(rng) for rng in rngs}) < g:
        return np.stack([_init_centroids(Xs[j], k, init, rngs[j]) for j in range(g)])
    rows = np.arange(g)
    chosen = np.empty((g, k), dtype=np.intp)

    def sq_dist(idx):  # ‖x − x_i‖² for every row of every problem, from the differences
        diff = Xs - Xs[rows, idx][:, None, :]
        return np.einsum("jnd,jnd->jn", diff, diff)

    chosen[:, 0] = [rng.integers(n) for rng in rngs]
    d2 = sq_dist(chosen[:, 0])
    d2[rows, chosen[:, 0]] = 0.0
    for c in range(1, k):
        cumulative = np.cumsum(d2, axis=1)
        for j, rng in enumerate(rngs):  # the draw of _init_centroids, problem by problem
            total = cumulative[j, -1]
            if total > 0:
                i = int(np.searchsorted(cumulative[j], rng.random() * total, side="right"))
                i = min(i, n - 1)
                while d2[j, i] == 0:  # rounding at the very end of the cumulative sum
                    i -= 1
            else:  # every row coincides with a chosen one
                i = int(rng.integers(n))
            chosen[j, c] = i
        np.minimum(d2, sq_dist(chosen[:, c]), out=d2)
        d2[rows, chosen[:, c]] = 0.0
    return chosen


def _kmeans_many(Xs, dtype, k, n_iter, starts):
    """The centroids :func:`kmeans` returns, for g problems of the same shape at once.

    ``Xs`` (g, n, d) holds the points in float64, ``starts`` (g, k) the
    indices of each problem's initial centroids (:func:`_init_centroids`),
    ``dtype`` the dtype of the original points. Every problem runs the steps
    of ``_lloyd`` and stops at its own fixed point (or after n_iter
    updates); the result is, bit for bit, that of ``kmeans`` run on each
    problem alone, because each step adds and compares the same numbers in
    the same order.
    """
    g = Xs.shape[0]
    rows = np.arange(g)[:, None]
    C = Xs[rows, starts].astype(dtype)
    labels = _nearest_many(Xs, C.astype(np.float64))
    active = np.arange(g)
    for _ in range(n_iter):
        if not active.size:
            break
        X_act = Xs if active.size == g else Xs[active]
        C_act = _update_many(X_act, labels[active], C[active], dtype)
        C[active] = C_act
        new = _assign_many(X_act, C_act, labels[active])
        moving = (new != labels[active]).any(axis=1)
        labels[active[moving]] = new[moving]
        active = active[moving]
    return C
