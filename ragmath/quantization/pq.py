"""Product quantization and locality-sensitive hashing (chapter 5).

Every function cites the label of the equation it implements in
``book/05-quantization.md`` (prefix ``pq-`` for k-means and product
quantization, ``lsh-`` for locality-sensitive hashing); the chapter checks
each one numerically.

k-means and product quantization (Jégou, Douze & Schmid 2011)::

    kmeans(X, k)                    -> (centroids (k, d), labels (n,))
    ProductQuantizer(m, k).fit(X)   -> codebooks_ (m, k, d/m)
        .encode(X)                  -> codes (n, m), uint8 (uint16 if k > 256)
        .decode(codes)              -> (n, d)
        .distance_tables(q)         -> (m, k) squared distances
        .search(queries, codes, k)  -> (indices, squared distances), best first
    pq_memory_bytes(n, d, m, k)     -> {"codes", "codebooks", "total", "raw"}

Random-hyperplane LSH (Charikar 2002)::

    RandomHyperplaneLSH(n_bits, dim).hash(X)   -> (n, n_bits) bool
    hyperplane_collision_probability(theta)    -> 1 − θ/π
    s_curve(p, r, b)                           -> 1 − (1 − p^r)^b

Nothing here uses NumPy's global random state: every random choice comes
from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._validation import (
    as_float_array,
    check_choice,
    check_positive_float,
    check_positive_int,
    check_same_dimension,
    first_bad_index,
)
from ._core import WORKERS as _WORKERS, NonFinite as _NonFinite, select_top as _select_top, thread_pool as _pool

__all__ = [
    "gaussian_mixture",
    "kmeans",
    "kmeans_history",
    "kmeans_objective",
    "ProductQuantizer",
    "pq_distortion",
    "pq_memory_bytes",
    "popular_pq_memory_formula",
    "adc_cost",
    "bytes_per_vector",
    "pq_tradeoff",
    "recall_at_k",
    "RandomHyperplaneLSH",
    "OffsetHyperplaneLSH",
    "hyperplane_collision_probability",
    "offset_collision_probability",
    "angle_estimate",
    "angle_estimate_variance",
    "s_curve",
    "s_curve_threshold",
    "s_curve_inflection",
    "lsh_candidates",
    "lsh_recall_curve",
]

_INITS = ("k-means++", "random")
_ADC_CHUNK = 1024  # codes per block of the ADC scan: its (block, queries) sums stay in cache


# ------------------------------------------------------------------------ helpers
def _check_seed(seed, func: str) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{func}: seed must be an integer, got {type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"{func}: seed must be non-negative, got {seed}")
    return int(seed)


def _rows_per_chunk(width: int, budget: int = 2**20) -> int:
    """Rows of a (rows, width) float64 block of about ``budget`` entries (8 MiB)."""
    return max(1, budget // max(1, width))


def _nearest(X64: np.ndarray, C64: np.ndarray) -> np.ndarray:
    """Index of the nearest row of C for every row of X (float64 arrays).

    argmin over c of ‖x − c‖² = ‖x‖² − 2x·c + ‖c‖²; the term ‖x‖² is the same
    for every c, so it is left out: argmin of ‖c‖² − 2x·c, one matrix product
    per block of rows, in float64. Ties go to the lower index (argmin).

    The blocks are small enough for OpenBLAS to multiply each on one thread
    (at most 2^18 multiply-adds), and they are spread over a few threads
    here: on a busy machine, BLAS's own threads wait for each other at every
    small product, while independent blocks do not.
    """
    c_sq = np.einsum("ij,ij->i", C64, C64)
    minus_2ct = -2.0 * C64.T  # exact: a power of two
    n = X64.shape[0]
    out = np.empty(n, dtype=np.intp)
    rows = max(32, 2**18 // C64.size)

    def blocks(start, stop):
        for s in range(start, stop, rows):
            e = min(stop, s + rows)
            G = X64[s:e] @ minus_2ct
            G += c_sq
            out[s:e] = G.argmin(axis=1)

    _run_in_parts(blocks, n, rows)
    return out


def _run_in_parts(work, n: int, granule: int) -> None:
    """work(start, stop) over [0, n), in a few parts on the thread pool when n is large.

    Parts are whole multiples of ``granule`` rows, about 4 per thread, so
    that a busy core delays only a small part of the work.
    """
    parts = 4 * _WORKERS
    if _WORKERS == 1 or n < 8 * granule:
        work(0, n)
        return
    size = -(-n // parts)
    size = -(-size // granule) * granule
    bounds = [(s, min(n, s + size)) for s in range(0, n, size)]
    for future in [_pool().submit(work, s, e) for s, e in bounds]:
        future.result()


def _squared_distances_to(X64: np.ndarray, C64: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """‖x_i − c_{labels[i]}‖² for every row, by subtracting first (no cancellation)."""
    out = np.empty(X64.shape[0])
    rows = _rows_per_chunk(X64.shape[1])
    for s in range(0, X64.shape[0], rows):
        diff = X64[s : s + rows] - C64[labels[s : s + rows]]
        out[s : s + rows] = np.einsum("ij,ij->i", diff, diff)
    return out


def _validate_data(X, k: int, func: str) -> np.ndarray:
    X = as_float_array(X, "X", func, ndim=2)
    if X.shape[0] < k:
        raise ValueError(
            f"{func}: X has {X.shape[0]} rows but k = {k} centroids need at least k rows"
        )
    return X


# -------------------------------------------------------------------------- data
def gaussian_mixture(n, d, n_clusters=32, spread=1.0, decay=0.5, seed=0, dtype=np.float32):
    """n points of a seeded, clustered Gaussian mixture in R^d (rows), and their clusters.

    Cluster centres are drawn from N(0, I_d). Cluster c has a scale
    s_c ∈ [0.5, 1.5]·``spread`` and a random linear map A_c = s_c·G_c·diag(λ)/√d
    (G_c with N(0, 1) entries, λ_i ∝ i^(−decay) with mean square 1), and its
    points are centre + A_c z with z ~ N(0, I_d): every cluster is an
    ellipsoid of its own orientation whose spread is concentrated in fewer
    directions as ``decay`` grows, as the clusters of real embeddings are.
    Cluster sizes are random (Dirichlet weights). Returns
    ``(points (n, d), cluster (n,))``: the book's synthetic stand-in for a
    corpus of embeddings.
    """
    func = "gaussian_mixture"
    n = check_positive_int(n, "n", func)
    d = check_positive_int(d, "d", func)
    n_clusters = check_positive_int(n_clusters, "n_clusters", func)
    spread = check_positive_float(spread, "spread", func, allow_zero=True)
    decay = check_positive_float(decay, "decay", func, allow_zero=True)
    seed = _check_seed(seed, func)
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n_clusters, d))
    scales = spread * rng.uniform(0.5, 1.5, n_clusters)
    spectrum = np.arange(1, d + 1, dtype=np.float64) ** (-decay)
    spectrum /= math.sqrt(float(np.mean(spectrum**2)))
    maps = rng.standard_normal((n_clusters, d, d)) * (spectrum / math.sqrt(d))
    maps *= scales[:, None, None]
    weights = rng.dirichlet(np.full(n_clusters, 2.0))
    cluster = rng.choice(n_clusters, size=n, p=weights)
    points = np.empty((n, d))
    z = rng.standard_normal((n, d))
    for c in range(n_clusters):  # one matrix product per cluster
        rows = np.flatnonzero(cluster == c)
        points[rows] = centres[c] + z[rows] @ maps[c].T
    return points.astype(dtype), cluster


# ------------------------------------------------------------------------ k-means
def kmeans_objective(X, centroids, labels) -> float:
    """Within-cluster sum of squares J = Σ_i ‖x_i − μ_{c(i)}‖² (equation ``pq-kmeans-objective``).

    ``labels[i]`` is the cluster c(i) of row i. Computed in float64 from the
    differences x_i − μ_{c(i)} (no cancellation).
    """
    func = "kmeans_objective"
    X = as_float_array(X, "X", func, ndim=2)
    C = as_float_array(centroids, "centroids", func, ndim=2)
    check_same_dimension(X, C, ("X", "centroids"), func)
    labels = _check_labels(labels, X.shape[0], C.shape[0], func)
    return float(_squared_distances_to(X.astype(np.float64), C.astype(np.float64), labels).sum())


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
        dist = _squared_distances_to(X64, new.astype(np.float64), labels)
        farthest = np.lexsort((np.arange(X64.shape[0]), -dist))[: empty.size]
        new[empty] = X64[farthest].astype(dtype)
    return new


def _assign(X64, C, labels):
    """The assignment step (equation ``pq-assign-step``): every point to its nearest centroid.

    The candidate labels come from the fast expansion (:func:`_nearest`). A
    point changes cluster only if its new centroid is strictly nearer than the
    old one, measured exactly from the differences, or equally near with a
    lower index. So J never increases; it strictly decreases when a point moves
    to a strictly nearer centroid, and a move on an exact tie lowers the label
    instead, which is what makes Lloyd's algorithm stop.
    """
    C64 = C.astype(np.float64)
    new = _nearest(X64, C64)
    moved = np.flatnonzero(new != labels)
    if moved.size:
        d_new = _squared_distances_to(X64[moved], C64, new[moved])
        d_old = _squared_distances_to(X64[moved], C64, labels[moved])
        better = (d_new < d_old) | ((d_new == d_old) & (new[moved] < labels[moved]))
        keep_old = moved[~better]
        new[keep_old] = labels[keep_old]
    return new


def _lloyd(X, k, n_iter, seed, init, func):
    """Lloyd's algorithm, one state per half-step: ("init" | "update" | "assign", C, labels)."""
    k = check_positive_int(k, "k", func)
    X = _validate_data(X, k, func)
    n_iter = check_positive_int(n_iter, "n_iter", func, minimum=0)
    seed = _check_seed(seed, func)
    init = check_choice(init, "init", func, _INITS)
    rng = np.random.default_rng(seed)
    X64 = X.astype(np.float64)
    C = X[_init_centroids(X64, k, init, rng)].copy()
    labels = _nearest(X64, C.astype(np.float64))
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
    """k-means by Lloyd's algorithm: ``(centroids (k, d), labels (n,))``.

    Minimises the within-cluster sum of squares J (equation
    ``pq-kmeans-objective``) by alternating the assignment step (each row to
    its nearest centroid, ``pq-assign-step``) and the update step (each
    centroid to the mean of its rows, ``pq-update-step``). Neither step
    increases J, so the algorithm stops after finitely many steps
    (``pq-kmeans-monotone``); it stops early, before ``n_iter`` updates, as
    soon as the assignments no longer change. The returned labels are the
    nearest centroid of each row (ties by the lower index).

    Parameters
    ----------
    X : array-like (n, d); float32 stays float32 (the centroids too)
    k : int, 1 ≤ k ≤ n (n < k raises ValueError)
    n_iter : int ≥ 0, the largest number of update steps
    seed : int, seeds the initialisation
    init : "k-means++" (D² seeding, Arthur & Vassilvitskii 2007) or "random"
        (k distinct rows)

    An empty cluster is re-seeded deterministically with the row farthest
    from its centroid. Local minimum only: k-means finds a fixed point of the
    two steps, not the best partition.
    """
    for _step, C, labels in _lloyd(X, k, n_iter, seed, init, "kmeans"):
        pass
    return C, labels


def kmeans_history(X, k, n_iter=25, seed=0, init="k-means++"):
    """Every half-step of :func:`kmeans`, to watch the objective fall (``pq-kmeans-monotone``).

    Returns a list of dicts with "step" ("init", then alternately "update" and
    "assign"), "centroids", "labels" and "objective" (J of that state, by
    :func:`kmeans_objective`). The last state is what :func:`kmeans` returns.
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


# ----------------------------------------------------------- product quantization
class ProductQuantizer:
    """Product quantization (Jégou, Douze & Schmid 2011): m sub-vectors, k centroids each.

    A vector x ∈ R^d is cut into m sub-vectors of d/m coordinates
    (equation ``pq-split``); sub-space j has its own codebook of k centroids,
    trained by :func:`kmeans` on the j-th sub-vectors of the training rows. The
    code of x is the index of the nearest centroid in every sub-space, m small
    integers (``pq-encode``), and x is reconstructed by concatenating those
    centroids (``pq-reconstruction``).

    Parameters
    ----------
    m : int, the number of sub-spaces; the dimension d must be divisible by m
    k : int, 1 ≤ k ≤ 65536, centroids per sub-space (codes are uint8 for
        k ≤ 256, uint16 above)
    n_iter, seed, init : passed to :func:`kmeans` (sub-space j uses seed + j)

    Attributes (after ``fit``): ``codebooks_`` (m, k, d/m), ``d_``, ``dsub_``.
    """

    def __init__(self, m, k=256, n_iter=25, seed=0, init="k-means++"):
        func = "ProductQuantizer"
        self.m = check_positive_int(m, "m", func)
        self.k = check_positive_int(k, "k", func)
        if self.k > 65536:
            raise ValueError(f"{func}: k must be at most 65536 (codes are uint16), got {self.k}")
        self.n_iter = check_positive_int(n_iter, "n_iter", func, minimum=0)
        self.seed = _check_seed(seed, func)
        self.init = check_choice(init, "init", func, _INITS)
        self.codebooks_ = None

    def __repr__(self) -> str:
        return f"ProductQuantizer(m={self.m}, k={self.k}, n_iter={self.n_iter}, seed={self.seed})"

    @property
    def code_dtype(self):
        """uint8 when k ≤ 256, else uint16: the smallest unsigned integer holding 0..k−1."""
        return np.uint8 if self.k <= 256 else np.uint16

    # ------------------------------------------------------------------ fitting
    def _check_dimension(self, d: int, func: str) -> None:
        if d % self.m:
            raise ValueError(
                f"{func}: m = {self.m} must divide the dimension d = {d} of the vectors "
                f"(each sub-vector has d/m coordinates)"
            )

    def fit(self, X):
        """Train the m codebooks, one k-means per sub-space (``pq-split``, ``pq-distortion-split``)."""
        func = "ProductQuantizer.fit"
        X = as_float_array(X, "X", func, ndim=2)
        self._check_dimension(X.shape[1], func)
        if X.shape[0] < self.k:
            raise ValueError(
                f"{func}: X has {X.shape[0]} rows but k = {self.k} centroids per sub-space "
                f"need at least k training rows"
            )
        dsub = X.shape[1] // self.m
        books = np.empty((self.m, self.k, dsub), dtype=X.dtype)
        for j in range(self.m):
            sub = np.ascontiguousarray(X[:, j * dsub : (j + 1) * dsub])
            books[j], _ = kmeans(sub, self.k, self.n_iter, self.seed + j, self.init)
        self.codebooks_ = books
        self.d_ = X.shape[1]
        self.dsub_ = dsub
        return self

    def _fitted(self, func: str) -> np.ndarray:
        if self.codebooks_ is None:
            raise ValueError(f"{func}: this ProductQuantizer is not fitted yet; call fit(X) first")
        return self.codebooks_

    def _vectors(self, X, name: str, func: str):
        books = self._fitted(func)
        X = as_float_array(X, name, func, ndim=(1, 2))
        if X.shape[-1] != self.d_:
            raise ValueError(
                f"{func}: {name} has vectors of dimension {X.shape[-1]}, but the quantizer "
                f"was fitted on dimension {self.d_}"
            )
        return books, X

    # ----------------------------------------------------------- encode / decode
    def encode(self, X):
        """Codes (n, m): the nearest centroid of each sub-vector (equation ``pq-encode``).

        uint8 when k ≤ 256, uint16 otherwise; a 1-D vector gives (m,).
        """
        books, X = self._vectors(X, "X", "ProductQuantizer.encode")
        X2 = np.atleast_2d(X)
        codes = np.empty((X2.shape[0], self.m), dtype=self.code_dtype)
        dsub = self.dsub_
        for j in range(self.m):
            sub = X2[:, j * dsub : (j + 1) * dsub].astype(np.float64)
            codes[:, j] = _nearest(sub, books[j].astype(np.float64))
        return codes if X.ndim == 2 else codes[0]

    def _codes(self, codes, func: str) -> np.ndarray:
        arr = np.asarray(codes)
        if arr.dtype.kind not in "iu":
            raise TypeError(f"{func}: codes must be integers, got an array of dtype {arr.dtype}")
        if arr.ndim not in (1, 2) or arr.shape[-1] != self.m:
            raise ValueError(
                f"{func}: codes must have shape (n, m) = (n, {self.m}) or ({self.m},), got {arr.shape}"
            )
        if arr.size == 0:
            raise ValueError(f"{func}: codes is empty (shape {arr.shape}); it needs at least one code")
        if arr.dtype.kind == "i" or np.iinfo(arr.dtype).max >= self.k:
            bad = (arr < 0) | (arr >= self.k)
            if bad.any():
                where = first_bad_index(bad)
                raise ValueError(
                    f"{func}: codes must lie in [0, k) = [0, {self.k}), got {arr[where]} at {where}"
                )
        return arr

    def decode(self, codes):
        """Reconstruction x̂: the concatenated centroids of a code (equation ``pq-reconstruction``).

        codes (n, m) → (n, d); a 1-D code (m,) → (d,).
        """
        func = "ProductQuantizer.decode"
        books = self._fitted(func)
        arr = self._codes(codes, func)
        c2 = np.atleast_2d(arr).astype(np.intp)
        out = np.concatenate([books[j][c2[:, j]] for j in range(self.m)], axis=1)
        return out if arr.ndim == 2 else out[0]

    # --------------------------------------------------------------- searching
    def _tables(self, Q: np.ndarray, books: np.ndarray) -> np.ndarray:
        """T[r, j, l] = ‖q_rj − c_jl‖² for a batch of queries (equation ``pq-tables``).

        One batched matrix product per sub-space, ‖q_j‖² − 2 q_j·c_jl + ‖c_jl‖²,
        in float64 (so the expansion loses nothing that matters: its rounding
        error is about 1e-16 of the squared lengths), clamped at 0, then
        rounded to the dtype of the queries and codebooks.
        """
        dtype = np.result_type(Q.dtype, books.dtype)
        q, dsub = Q.shape[0], self.dsub_
        Qs = Q.astype(np.float64).reshape(q, self.m, dsub).transpose(1, 0, 2)  # (m, q, dsub)
        B = books.astype(np.float64)  # (m, k, dsub)
        q_sq = np.einsum("jqd,jqd->jq", Qs, Qs)
        c_sq = np.einsum("jld,jld->jl", B, B)
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is caught by the caller
            T = np.matmul(Qs, B.transpose(0, 2, 1))  # (m, q, k)
            T *= -2.0
            T += q_sq[:, :, None]
            T += c_sq[:, None, :]
        np.maximum(T, 0.0, out=T)
        with np.errstate(over="ignore"):  # beyond float32: inf, caught by the caller
            return T.transpose(1, 0, 2).astype(dtype)  # (q, m, k)

    def distance_tables(self, query):
        """Squared distances from each query sub-vector to every centroid (equation ``pq-tables``).

        A 1-D query (d,) gives (m, k): entry [j, l] = ‖q_j − c_{j,l}‖². A batch
        (q, d) gives (q, m, k).
        """
        func = "ProductQuantizer.distance_tables"
        books, Q = self._vectors(query, "query", func)
        T = self._tables(np.atleast_2d(Q), books)
        if not np.isfinite(T).all():
            raise ValueError(f"{func}: the squared distances overflow {T.dtype}; rescale the vectors")
        return T if Q.ndim == 2 else T[0]

    def search(self, queries, codes, k):
        """Nearest codes by asymmetric distance computation (ADC, equation ``pq-adc``).

        The distance from a query q to a database vector x is estimated as
        ‖q − x̂‖² = Σ_j T_j[code_j(x)] (squared L2): one table of k squared
        distances per sub-space and per query (``pq-tables``), then m table
        look-ups and additions per database vector (``pq-adc-cost``).

        Returns ``(indices, distances)``, best first (smallest distance), ties
        by the lower index; shapes (k,) for a 1-D query, (q, k) for (q, d).
        ``k`` is the number of results here (at most len(codes)), not the
        codebook size.

        Implementation: the tables of a batch of queries are laid out as one
        (m·k, q) matrix, row j·k + l holding −T_j[l] for every query; each
        code then selects m rows by the flat index code_j + j·k (computed once
        per block of codes, as intp), and they are added in float32 (or the
        query's float64): a gather of contiguous rows, on all cores. The k best
        of each query are then selected as in :func:`ragmath.top_k`.
        """
        func = "ProductQuantizer.search"
        books, Q = self._vectors(queries, "queries", func)
        arr = self._codes(codes, func)
        if arr.ndim != 2:
            raise ValueError(f"{func}: codes must be 2-D (n, m) = (n, {self.m}), got shape {arr.shape}")
        k = check_positive_int(k, "k", func)
        n = arr.shape[0]
        if k > n:
            raise ValueError(f"{func}: k must be at most len(codes) = {n}, got {k}")
        single = Q.ndim == 1
        Q = np.atleast_2d(Q)
        T = self._tables(Q, books)
        if not np.isfinite(T).all():
            raise ValueError(f"{func}: the squared distances overflow {T.dtype}; rescale the vectors")
        nq = Q.shape[0]
        idx = np.empty((nq, k), dtype=np.intp)
        dist = np.empty((nq, k), dtype=T.dtype)
        batch = max(16, min(256, 2**24 // n))  # queries per pass: S stays below ~64 MB
        for s in range(0, nq, batch):
            S = self._negative_adc(T[s : s + batch], arr)
            try:
                i, v = _select_top(S, k)
            except _NonFinite:
                raise ValueError(
                    f"{func}: the summed distances overflow {T.dtype}; rescale the vectors"
                ) from None
            idx[s : s + batch], dist[s : s + batch] = i, -v
        if single:
            return idx[0], dist[0]
        return idx, dist

    def _negative_adc(self, T: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """S[r, i] = −Σ_j T[r, j, codes[i, j]] for a batch of queries (negated: best = largest)."""
        nq, m, kc = T.shape
        n = codes.shape[0]
        flat_tables = np.ascontiguousarray(-T.transpose(1, 2, 0)).reshape(m * kc, nq)
        offsets = np.arange(m, dtype=np.intp) * kc
        S = np.empty((nq, n), dtype=T.dtype)
        chunk = _ADC_CHUNK

        def work(begin, end):
            buf = np.empty((chunk, nq), dtype=T.dtype)
            for start in range(begin, end, chunk):
                stop = min(end, start + chunk)
                flat = codes[start:stop].astype(np.intp)
                flat += offsets  # the flat index code_j + j·k
                flat = flat.T.copy()  # one contiguous run of indices per sub-space
                acc = np.take(flat_tables, flat[0], axis=0)
                part = buf[: stop - start]
                for j in range(1, m):
                    np.take(flat_tables, flat[j], axis=0, out=part, mode="clip")  # all in range
                    acc += part
                S[:, start:stop] = acc.T

        _run_in_parts(work, n, chunk)
        return S


def pq_distortion(X, reconstruction) -> float:
    """Mean squared reconstruction error (1/n) Σ_i ‖x_i − x̂_i‖² (equation ``pq-distortion``).

    Computed in float64 from the differences.
    """
    func = "pq_distortion"
    X = as_float_array(X, "X", func, ndim=2)
    R = as_float_array(reconstruction, "reconstruction", func, ndim=2)
    if X.shape != R.shape:
        raise ValueError(
            f"{func}: X has shape {X.shape} but reconstruction has shape {R.shape}; they must match"
        )
    diff = X.astype(np.float64) - R.astype(np.float64)
    return float(np.einsum("ij,ij->", diff, diff) / X.shape[0])


# ------------------------------------------------------------------------ memory
def _bits_per_index(k: int) -> int:
    """⌈log₂ k⌉: the bits that number k different centroids (0 for k = 1)."""
    return (k - 1).bit_length()


def _memory_arguments(n, d, m, k, func):
    n = check_positive_int(n, "n", func)
    d = check_positive_int(d, "d", func)
    m = check_positive_int(m, "m", func)
    k = check_positive_int(k, "k", func)
    if d % m:
        raise ValueError(f"{func}: m = {m} must divide the dimension d = {d}")
    return n, d, m, k


def pq_memory_bytes(n, d, m, k, float_bytes=4) -> dict:
    """Memory of a PQ index of n vectors (equation ``pq-memory``), in bytes.

    - "codes": n·m·⌈log₂ k⌉ bits, packed, rounded up to whole bytes;
    - "codebooks": m codebooks of k centroids of d/m floats, k·d·float_bytes,
      stored once for the whole index;
    - "total": their sum; "raw": the vectors themselves, n·d·float_bytes.

    (``ProductQuantizer.encode`` returns one uint8 or uint16 per sub-code for
    convenience; this is the packed size.) d must be divisible by m.
    """
    func = "pq_memory_bytes"
    n, d, m, k = _memory_arguments(n, d, m, k, func)
    float_bytes = check_positive_int(float_bytes, "float_bytes", func)
    code_bits = n * m * _bits_per_index(k)
    codes = -(-code_bits // 8)  # ceiling division, exact in integers
    codebooks = k * d * float_bytes
    return {"codes": codes, "codebooks": codebooks, "total": codes + codebooks, "raw": n * d * float_bytes}


def popular_pq_memory_formula(n, d, m, k) -> float:
    """A tempting but wrong formula, N × (d/m × log₂ k + m × k × d/m) (see the warning in chapter 5).

    Returned only to show how far it is from :func:`pq_memory_bytes`: it
    counts log₂ k bits d/m times per vector instead of m times, it charges
    the codebooks once per vector instead of once per index, and it adds
    those bits to a number of floats. Its "unit" is neither bits nor bytes.
    """
    func = "popular_pq_memory_formula"
    n, d, m, k = _memory_arguments(n, d, m, k, func)
    return float(n * (d / m * math.log2(k) + m * k * d / m))


def adc_cost(n, d, m, k) -> dict:
    """Operation counts of one query (equation ``pq-adc-cost``).

    - "tables": k·d, the squared differences that fill the m tables of k
      entries (each a sum over d/m coordinates);
    - "scan": n·m, one table look-up and addition per sub-space and database
      vector;
    - "exact": n·d, the multiply-adds of exact search over the raw vectors.
    """
    n, d, m, k = _memory_arguments(n, d, m, k, "adc_cost")
    return {"tables": k * d, "scan": n * m, "exact": n * d}


# ------------------------------------------------------------------------ recall
def recall_at_k(found, truth) -> float:
    """Recall@k: the mean over queries of |found ∩ truth| / |truth| (equation ``pq-recall``).

    ``truth`` holds the indices of the true k nearest neighbours of each query
    (exact search, e.g. :func:`ragmath.top_k`), ``found`` those returned by an
    approximate search; 1-D for one query, (q, k) for a batch (``found`` may
    return a different number of results per query than ``truth``, but the
    same number of queries). The order inside a row does not matter.
    """
    func = "recall_at_k"
    F = np.asarray(found)
    G = np.asarray(truth)
    for arr, name in ((F, "found"), (G, "truth")):
        if arr.ndim not in (1, 2) or arr.size == 0:
            raise ValueError(
                f"{func}: {name} must be a non-empty 1-D or 2-D array of indices, got shape {arr.shape}"
            )
        if arr.dtype.kind not in "iu":
            raise TypeError(f"{func}: {name} must hold integer indices, got dtype {arr.dtype}")
    F2, G2 = np.atleast_2d(F), np.atleast_2d(G)
    if F.ndim != G.ndim or F2.shape[0] != G2.shape[0]:
        raise ValueError(
            f"{func}: found has shape {F.shape} but truth has shape {G.shape}; "
            f"they must hold the same number of queries"
        )
    for r, row in enumerate(G2):
        if np.unique(row).size != row.size:
            raise ValueError(f"{func}: truth has a repeated index in row {r}")
    hits = [np.isin(g, f).sum() / g.size for f, g in zip(F2, G2)]
    return float(np.mean(hits))


def bytes_per_vector(m, k) -> float:
    """Bytes of one packed PQ code, m·⌈log₂ k⌉ / 8 (the per-vector part of ``pq-memory``)."""
    m = check_positive_int(m, "m", "bytes_per_vector")
    k = check_positive_int(k, "k", "bytes_per_vector")
    return m * _bits_per_index(k) / 8


def pq_tradeoff(database, queries, ms, ks, n_neighbours=10, n_iter=10, seed=0, train=None) -> list:
    """Memory, distortion and recall of product quantization over a grid of (m, k).

    For every m in ``ms`` and k in ``ks``: a :class:`ProductQuantizer` is fitted
    on ``train`` (default: the database), the database is encoded, and the
    queries are searched by ADC. Returns one dict per (m, k), in the order of
    ``ms`` then ``ks``, with "m", "k", "bytes_per_vector" (m·⌈log₂ k⌉/8),
    "distortion" (``pq-distortion`` on the database) and "recall"
    (``pq-recall``: recall@n_neighbours against exact Euclidean search,
    :func:`ragmath.top_k`).
    """
    from .similarity import top_k

    func = "pq_tradeoff"
    database = as_float_array(database, "database", func, ndim=2)
    queries = as_float_array(queries, "queries", func, ndim=2)
    check_same_dimension(queries, database, ("queries", "database"), func)
    train = database if train is None else as_float_array(train, "train", func, ndim=2)
    n_neighbours = check_positive_int(n_neighbours, "n_neighbours", func)
    truth, _ = top_k(queries, database, n_neighbours, metric="euclidean")
    rows = []
    for m in ms:
        for k in ks:
            pq = ProductQuantizer(m, k, n_iter=n_iter, seed=seed).fit(train)
            codes = pq.encode(database)
            found, _ = pq.search(queries, codes, n_neighbours)
            rows.append({
                "m": int(m),
                "k": int(k),
                "bytes_per_vector": bytes_per_vector(m, k),
                "distortion": pq_distortion(database, pq.decode(codes)),
                "recall": recall_at_k(found, truth),
            })
    return rows


# ---------------------------------------------------------------------------- LSH
class RandomHyperplaneLSH:
    """Random-hyperplane LSH (Charikar 2002): bit i of x is [a_i · x ≥ 0] (equation ``lsh-hyperplane-hash``).

    The normals a_1, ..., a_{n_bits} ∈ R^dim have independent N(0, 1) entries
    (``planes_``, (n_bits, dim), seeded). Two vectors at angle θ agree on each
    bit with probability 1 − θ/π (``lsh-collision``).
    """

    def __init__(self, n_bits, dim, seed=0):
        func = "RandomHyperplaneLSH"
        self.n_bits = check_positive_int(n_bits, "n_bits", func)
        self.dim = check_positive_int(dim, "dim", func)
        self.seed = _check_seed(seed, func)
        self.planes_ = np.random.default_rng(self.seed).standard_normal((self.n_bits, self.dim))

    def __repr__(self) -> str:
        return f"RandomHyperplaneLSH(n_bits={self.n_bits}, dim={self.dim}, seed={self.seed})"

    def _projections(self, X, name: str, func: str) -> np.ndarray:
        X = as_float_array(X, name, func, ndim=(1, 2))
        if X.shape[-1] != self.dim:
            raise ValueError(
                f"{func}: {name} has vectors of dimension {X.shape[-1]}, expected dim = {self.dim}"
            )
        return X @ self.planes_.T.astype(np.result_type(X.dtype, np.float32), copy=False)

    def hash(self, X):
        """Hash bits (n, n_bits) bool, bit i = [a_i · x ≥ 0]; a 1-D x gives (n_bits,)."""
        return self._projections(X, "X", "RandomHyperplaneLSH.hash") >= 0

    def hamming(self, X, Y):
        """Number of differing bits between the hashes of the rows of X and of Y (``lsh-angle-estimate``).

        (n, d), (m, d) → (n, m) int64; 1-D arguments drop their axis as in
        :mod:`ragmath.similarity` (two 1-D vectors give an int).
        """
        func = "RandomHyperplaneLSH.hamming"
        HX = self._projections(X, "X", func) >= 0
        HY = self._projections(Y, "Y", func) >= 0
        out = _hamming(np.atleast_2d(HX), np.atleast_2d(HY))
        if HX.ndim == 1 and HY.ndim == 1:
            return int(out[0, 0])
        if HX.ndim == 1:
            return out[0]
        if HY.ndim == 1:
            return out[:, 0]
        return out


def _hamming(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Differing bits of every pair of rows of two bool matrices.

    With s = 2h − 1 ∈ {−1, +1}, s·t = (agreements) − (disagreements) = n − 2H,
    so H = (n − s·t)/2: one matrix product, exact in float64 for n < 2^53.
    """
    sa = A.astype(np.float64) * 2 - 1
    sb = B.astype(np.float64) * 2 - 1
    return np.rint((A.shape[1] - sa @ sb.T) / 2).astype(np.int64)


class OffsetHyperplaneLSH:
    """Hyperplanes that miss the origin: bit i of x is [a_i · x + δ_i ≥ 0] (equation ``lsh-offset``).

    a_i has N(0, 1) entries and δ_i ~ N(0, offset_scale²) (``offsets_``). The collision
    probability then depends on the lengths of the vectors, not only on their
    angle (``lsh-offset-collision``, :func:`offset_collision_probability`).
    """

    def __init__(self, n_bits, dim, offset_scale=1.0, seed=0):
        func = "OffsetHyperplaneLSH"
        self.n_bits = check_positive_int(n_bits, "n_bits", func)
        self.dim = check_positive_int(dim, "dim", func)
        self.offset_scale = check_positive_float(offset_scale, "offset_scale", func)
        self.seed = _check_seed(seed, func)
        rng = np.random.default_rng(self.seed)
        self.planes_ = rng.standard_normal((self.n_bits, self.dim))
        self.offsets_ = self.offset_scale * rng.standard_normal(self.n_bits)

    def hash(self, X):
        """Hash bits (n, n_bits) bool, bit i = [a_i · x + δ_i ≥ 0]; a 1-D x gives (n_bits,)."""
        func = "OffsetHyperplaneLSH.hash"
        X = as_float_array(X, "X", func, ndim=(1, 2))
        if X.shape[-1] != self.dim:
            raise ValueError(f"{func}: X has vectors of dimension {X.shape[-1]}, expected dim = {self.dim}")
        return X @ self.planes_.T + self.offsets_ >= 0


def _angle_argument(theta, func: str):
    arr = as_float_array(theta, "theta", func)
    if ((arr < 0) | (arr > math.pi)).any():
        where = first_bad_index(np.atleast_1d((arr < 0) | (arr > math.pi)))
        value = float(np.atleast_1d(arr)[where])
        raise ValueError(f"{func}: theta must be an angle in [0, π] (radians), got {value:g}")
    return arr


def hyperplane_collision_probability(theta):
    """P[h(u) = h(v)] = 1 − θ/π for one random hyperplane (equation ``lsh-collision``).

    θ ∈ [0, π] is the angle between u and v, in radians (elementwise; a
    scalar gives a float).
    """
    arr = _angle_argument(theta, "hyperplane_collision_probability")
    out = 1.0 - arr / math.pi
    return float(out) if arr.ndim == 0 else out


def offset_collision_probability(u, v, offset_scale=1.0) -> float:
    """Collision probability of one offset hyperplane, [a·x + δ ≥ 0] (equation ``lsh-offset-collision``).

    With δ ~ N(0, σ²), a·x + δ = (a, δ/σ)·(x, σ): the offset hash of x is the
    random-hyperplane hash of the lifted vector (x, σ) ∈ R^{d+1}. So the
    probability is 1 − θ̃/π, θ̃ the angle between (u, σ) and (v, σ):
    cos θ̃ = (u·v + σ²) / √((‖u‖² + σ²)(‖v‖² + σ²)).

    Computed in float64 on the lifted vectors divided by their largest
    entry (the angle does not change), so that huge vectors cannot
    overflow the dot products.
    """
    func = "offset_collision_probability"
    u = as_float_array(u, "u", func, ndim=1)
    v = as_float_array(v, "v", func, ndim=1)
    check_same_dimension(u, v, ("u", "v"), func)
    sigma = float(check_positive_float(offset_scale, "offset_scale", func))
    lu = np.append(u.astype(np.float64), sigma)
    lv = np.append(v.astype(np.float64), sigma)
    scale = max(float(np.abs(lu).max()), float(np.abs(lv).max()))
    lu, lv = lu / scale, lv / scale
    cos = float(lu @ lv) / math.sqrt(float(lu @ lu) * float(lv @ lv))
    return 1.0 - math.acos(max(-1.0, min(1.0, cos))) / math.pi


def angle_estimate(hamming, n_bits):
    """θ̂ = π·H / n_bits, the angle estimated from a Hamming distance (equation ``lsh-angle-estimate``).

    Unbiased: E[θ̂] = θ. Elementwise; a scalar gives a float.
    """
    func = "angle_estimate"
    n_bits = check_positive_int(n_bits, "n_bits", func)
    H = as_float_array(hamming, "hamming", func)
    if ((H < 0) | (H > n_bits)).any():
        raise ValueError(f"{func}: hamming must lie in [0, n_bits] = [0, {n_bits}]")
    out = math.pi * H / n_bits
    return float(out) if out.ndim == 0 else out


def angle_estimate_variance(theta, n_bits):
    """Var[θ̂] = θ(π − θ) / n_bits (equation ``lsh-angle-variance``), from the binomial variance."""
    func = "angle_estimate_variance"
    n_bits = check_positive_int(n_bits, "n_bits", func)
    arr = _angle_argument(theta, func)
    out = arr * (math.pi - arr) / n_bits
    return float(out) if arr.ndim == 0 else out


def _check_band_shape(r, b, func):
    return check_positive_int(r, "r", func), check_positive_int(b, "b", func)


def s_curve(p, r, b):
    """P[candidate] = 1 − (1 − p^r)^b: AND of r bits in a band, OR of b bands (equation ``lsh-s-curve``).

    p ∈ [0, 1] is the collision probability of one bit (elementwise; a scalar
    gives a float). Computed as −expm1(b·log1p(−p^r)), accurate for tiny p^r.
    """
    func = "s_curve"
    r, b = _check_band_shape(r, b, func)
    P = as_float_array(p, "p", func)
    if ((P < 0) | (P > 1)).any():
        raise ValueError(f"{func}: p must be a probability in [0, 1]")
    pr = P.astype(np.float64) ** r
    with np.errstate(divide="ignore"):  # p = 1: log1p(−1) = −inf, and the result is exactly 1
        out = -np.expm1(b * np.log1p(-pr))
    return float(out) if out.ndim == 0 else out


def s_curve_threshold(r, b) -> float:
    """The usual threshold of the S-curve, t = (1/b)^{1/r}, where p^r = 1/b (equation ``lsh-threshold``)."""
    r, b = _check_band_shape(r, b, "s_curve_threshold")
    return (1.0 / b) ** (1.0 / r)


def s_curve_inflection(r, b) -> float:
    """The inflection point of the S-curve, p* = ((r − 1)/(rb − 1))^{1/r} (equation ``lsh-inflection``).

    Where the S-curve is steepest. For r = 1 the curve 1 − (1 − p)^b is
    concave, steepest at p = 0, and 0.0 is returned.
    """
    r, b = _check_band_shape(r, b, "s_curve_inflection")
    if r == 1:
        return 0.0
    return ((r - 1) / (r * b - 1)) ** (1.0 / r)


def lsh_candidates(query_hashes, database_hashes, r, b):
    """Which database rows share at least one band with each query (equation ``lsh-s-curve``).

    Band i (i = 0, ..., b − 1) is the run of bits i·r, ..., i·r + r − 1; a
    database row is a candidate of a query when all r bits of some band agree
    (AND within a band, OR over bands). Both arguments are bool hash matrices
    (rows, n_bits) with n_bits ≥ r·b (a 1-D query gives a 1-D result).
    Returns a bool matrix (q, N).
    """
    func = "lsh_candidates"
    r, b = _check_band_shape(r, b, func)
    Hq = np.asarray(query_hashes)
    Hd = np.asarray(database_hashes)
    for arr, name in ((Hq, "query_hashes"), (Hd, "database_hashes")):
        if arr.dtype != np.bool_:
            raise TypeError(f"{func}: {name} must be a bool array of hash bits, got dtype {arr.dtype}")
    if Hq.ndim not in (1, 2) or Hd.ndim != 2:
        raise ValueError(f"{func}: query_hashes must be 1-D or 2-D and database_hashes 2-D")
    if Hq.shape[-1] != Hd.shape[-1]:
        raise ValueError(
            f"{func}: query_hashes has {Hq.shape[-1]} bits but database_hashes has {Hd.shape[-1]}"
        )
    if r * b > Hd.shape[1]:
        raise ValueError(f"{func}: r·b = {r * b} bits are needed but the hashes have {Hd.shape[1]}")
    Q2 = np.atleast_2d(Hq)
    out = np.zeros((Q2.shape[0], Hd.shape[0]), dtype=bool)
    for q_ids, d_ids in _band_ids(Q2, Hd, r, b):
        out |= q_ids[:, None] == d_ids[None, :]
    return out if Hq.ndim == 2 else out[0]


def _band_ids(Q2: np.ndarray, D2: np.ndarray, r: int, b: int):
    """For every band, integer ids of its r bits (equal ids ⇔ equal bits), queries and database."""
    both = np.concatenate([Q2, D2])
    nq = Q2.shape[0]
    for i in range(b):
        packed = np.packbits(both[:, i * r : (i + 1) * r], axis=1)
        if packed.shape[1] <= 8:
            wide = np.zeros((packed.shape[0], 8), dtype=np.uint8)
            wide[:, : packed.shape[1]] = packed
            ids = wide.view(np.uint64)[:, 0]
        else:
            ids = np.unique(packed, axis=0, return_inverse=True)[1].ravel()
        yield ids[:nq], ids[nq:]


def lsh_recall_curve(query_hashes, database_hashes, truth, r, b_max) -> dict:
    """Candidates and recall of banded LSH for b = 1, ..., b_max bands of r bits.

    The candidates of a query with b bands are those of :func:`lsh_candidates`
    (bands are nested: b + 1 bands add one band to the first b). ``truth``
    (q, n_neighbours) holds the true nearest neighbours of each query; if the
    candidates are re-ranked exactly, the true neighbours found are exactly
    those among the candidates, so the recall is |truth ∩ candidates| /
    n_neighbours (``pq-recall``). Returns a dict of arrays over b: "b",
    "candidates" (mean number of candidates per query) and "recall".
    """
    func = "lsh_recall_curve"
    r = check_positive_int(r, "r", func)
    b_max = check_positive_int(b_max, "b_max", func)
    Hq = np.atleast_2d(np.asarray(query_hashes))
    Hd = np.asarray(database_hashes)
    lsh_candidates(Hq[:1], Hd[:1], r, b_max)  # validates the hashes and r·b_max
    G = np.asarray(truth)
    if G.dtype.kind not in "iu" or G.ndim != 2 or G.shape[0] != Hq.shape[0]:
        raise ValueError(
            f"{func}: truth must be an integer array (q, n_neighbours) with one row per query, "
            f"got shape {G.shape} and dtype {G.dtype}"
        )
    if G.size and (G.min() < 0 or G.max() >= Hd.shape[0]):
        raise ValueError(f"{func}: truth holds indices outside [0, {Hd.shape[0]})")
    matched = np.zeros((Hq.shape[0], Hd.shape[0]), dtype=bool)
    rows = np.arange(Hq.shape[0])[:, None]
    candidates = np.empty(b_max)
    recall = np.empty(b_max)
    for i, (q_ids, d_ids) in enumerate(_band_ids(Hq, Hd, r, b_max)):
        matched |= q_ids[:, None] == d_ids[None, :]
        candidates[i] = matched.sum(axis=1).mean()
        recall[i] = matched[rows, G].mean()
    return {"b": np.arange(1, b_max + 1), "candidates": candidates, "recall": recall}
