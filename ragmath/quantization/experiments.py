"""The experiments of chapter 5: its synthetic corpus, recall, and the sweeps its figures draw.

- :func:`~ragmath.quantization.gaussian_mixture`: the seeded stand-in for a corpus of embeddings;
- :func:`~ragmath.quantization.recall_at_k` (equation ``pq-recall``): approximate against exact search;
- :func:`~ragmath.quantization.pq_tradeoff` and
  :func:`~ragmath.quantization.pq_tradeoff_table`: memory, distortion and recall
  of product quantization over a grid of (m, k);
- :func:`~ragmath.quantization.lsh_experiment` and :func:`~ragmath.quantization.lsh_curve`:
  banded LSH on a seeded corpus, candidates and recall for b = 1, ..., ``LSH_B_MAX`` bands.

The tables are computed once and cached (``functools.lru_cache``), so the
chapter's cells, its figures (:mod:`ragmath.viz.quantization`) and its widgets
share one computation. The cached results are shared: do not modify them.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .._validation import (
    as_float_array,
    check_positive_float,
    check_positive_int,
    check_random_state,
    check_same_dimension,
)
from ..similarity import top_k
from .lsh import RandomHyperplaneLSH, hyperplane_collision_probability, lsh_recall_curve
from .pq import ProductQuantizer, bytes_per_vector, pq_distortion

__all__ = [
    "gaussian_mixture",
    "recall_at_k",
    "pq_tradeoff",
    "pq_tradeoff_table",
    "lsh_experiment",
    "lsh_curve",
    "PQ_MS",
    "PQ_KS",
    "LSH_R_MAX",
    "LSH_B_MAX",
]

#: The grid of the chapter's PQ table and widget: sub-spaces m and centroids k.
PQ_MS = (1, 2, 4, 8, 16)
PQ_KS = (4, 16, 64, 256)
#: The largest bits per band r and bands b of the chapter's LSH experiment.
LSH_R_MAX = 16
LSH_B_MAX = 64


# -------------------------------------------------------------------------- data
def gaussian_mixture(n, d, n_clusters=32, spread=1.0, decay=0.5, seed=0, dtype=np.float32):
    """n points of a seeded, clustered Gaussian mixture in R^d (rows), and their clusters.

    Cluster centres are drawn from N(0, I_d). Cluster c has a scale
    s_c ∈ [0.5, 1.5]·``spread`` and a random linear map A_c = s_c·G_c·diag(λ)/√d
    (G_c with N(0, 1) entries, λ_i ∝ i^(−decay) with mean square 1), and its
    points are centre + A_c z with z ~ N(0, I_d): every cluster is an
    ellipsoid of its own orientation whose spread is concentrated in fewer
    directions as ``decay`` grows, as the clusters of real embeddings are.
    Cluster sizes are random (Dirichlet weights). The book's synthetic
    stand-in for a corpus of embeddings (no equation).

    Parameters
    ----------
    n, d : int
        The number of points and their dimension.
    n_clusters : int, default 32
    spread : float, default 1.0
        The scale of the clusters (≥ 0).
    decay : float, default 0.5
        How fast the spectrum of each cluster falls (≥ 0; 0 gives round
        clusters).
    seed : int or numpy.random.Generator, default 0
    dtype : numpy dtype, default numpy.float32

    Returns
    -------
    points : numpy.ndarray, shape (n, d)
    cluster : numpy.ndarray of int, shape (n,)
        The cluster of each point.

    Raises
    ------
    ValueError, TypeError
        If an argument is out of range or of the wrong type.

    Examples
    --------
    >>> points, cluster = gaussian_mixture(1000, 8, n_clusters=4, seed=0)
    >>> points.shape, points.dtype, sorted(set(cluster.tolist()))
    ((1000, 8), dtype('float32'), [0, 1, 2, 3])
    """
    func = "gaussian_mixture"
    n = check_positive_int(n, "n", func)
    d = check_positive_int(d, "d", func)
    n_clusters = check_positive_int(n_clusters, "n_clusters", func)
    spread = check_positive_float(spread, "spread", func, allow_zero=True)
    decay = check_positive_float(decay, "decay", func, allow_zero=True)
    rng = check_random_state(seed, func)
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



# ------------------------------------------------------------------------ recall
def recall_at_k(found, truth) -> float:
    """Recall@k: the mean over queries of |found ∩ truth| / |truth| (equation ``pq-recall``).

    The order inside a row does not matter.

    Parameters
    ----------
    found : array-like of int, shape (k',) or (q, k')
        The indices an approximate search returned.
    truth : array-like of int, shape (k,) or (q, k)
        The true k nearest neighbours of each query (exact search, e.g.
        :func:`ragmath.top_k`), no index repeated in a row; the same number of
        queries as ``found``.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If an array is empty or not 1-D or 2-D, the numbers of queries
        differ, or truth repeats an index in a row.
    TypeError
        If the indices are not integers.

    Examples
    --------
    >>> recall_at_k([3, 1, 7], [1, 2, 3])
    0.6666666666666666
    >>> recall_at_k([[0, 1], [5, 6]], [[1, 0], [6, 9]])
    0.75
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


def pq_tradeoff(database, queries, ms, ks, n_neighbours=10, n_iter=10, seed=0, train=None) -> list:
    """Memory, distortion and recall of product quantization over a grid of (m, k).

    For every m in ``ms`` and k in ``ks``: a :class:`ProductQuantizer` is
    fitted on ``train``, the database is encoded, and the queries are
    searched by ADC (``pq-adc``); the recall is measured against exact
    Euclidean search (:func:`ragmath.top_k`, ties by the lower index).

    Parameters
    ----------
    database : array-like, shape (n, d)
    queries : array-like, shape (q, d)
    ms, ks : iterables of int
        The numbers of sub-spaces and of centroids.
    n_neighbours : int, default 10
        The k of recall@k.
    n_iter, seed : int, defaults 10 and 0
        Passed to :class:`ProductQuantizer`.
    train : array-like, shape (n_train, d), optional
        The training vectors (default: the database).

    Returns
    -------
    list of dict
        One per (m, k), m-major, with "m", "k", "bytes_per_vector"
        (m·⌈log₂ k⌉/8, ``pq-memory``), "distortion" (``pq-distortion`` on the
        database) and "recall" (``pq-recall``).

    Raises
    ------
    ValueError, TypeError
        If an array or an argument is invalid (as for the functions called).

    Examples
    --------
    >>> points, _ = gaussian_mixture(420, 8, seed=0)
    >>> rows = pq_tradeoff(points[:400], points[400:], ms=(2, 4), ks=(16,), n_iter=5)
    >>> [(r["m"], r["bytes_per_vector"]) for r in rows]
    [(2, 1.0), (4, 2.0)]
    >>> rows[0]["distortion"] > rows[1]["distortion"]
    True
    """
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


# ------------------------------------------------------------- the chapter's sweeps
@lru_cache(maxsize=8)
def pq_tradeoff_table(
    ms=PQ_MS, ks=PQ_KS, n=10_000, d=32, n_queries=100, n_train=4096, n_iter=10, seed=0
) -> tuple:
    """The chapter's (m, k) grid of :func:`pq_tradeoff`, computed once and cached.

    Data: n database vectors and n_queries queries of dimension d from
    :func:`gaussian_mixture` (seeded), quantizers trained on the first
    n_train database vectors; uses ``pq-memory``, ``pq-distortion`` and
    ``pq-recall`` (recall@10 of ADC search against exact search).

    Parameters
    ----------
    ms, ks : tuple of int, defaults ``PQ_MS`` and ``PQ_KS``
    n, d, n_queries, n_train, n_iter, seed : int
        The data and the training (defaults: the chapter's experiment).

    Returns
    -------
    tuple of dict
        As :func:`pq_tradeoff` returns them (one per (m, k), m-major).

    Raises
    ------
    ValueError, TypeError
        As for :func:`pq_tradeoff` (the arguments must be hashable).

    Examples
    --------
    >>> table = pq_tradeoff_table(ms=(2,), ks=(4, 16), n=300, d=8, n_queries=10, n_train=200, n_iter=3)
    >>> [(row["m"], row["k"], row["bytes_per_vector"]) for row in table]
    [(2, 4, 0.5), (2, 16, 1.0)]
    """
    points, _ = gaussian_mixture(n + n_queries, d, seed=seed)
    database, queries = points[:n], points[n:]
    rows = pq_tradeoff(database, queries, ms, ks, n_iter=n_iter, seed=seed, train=database[:n_train])
    return tuple(rows)


@lru_cache(maxsize=4)
def lsh_experiment(n=5000, d=32, n_queries=50, n_neighbours=10, seed=0) -> dict:
    """Hashes of a seeded corpus for the chapter's banding experiment, computed once and cached.

    Database and queries come from :func:`gaussian_mixture`, the true
    neighbours from exact cosine search (:func:`ragmath.top_k`, ties by the
    lower index), the hashes from one :class:`RandomHyperplaneLSH` of
    LSH_R_MAX·LSH_B_MAX bits; uses ``lsh-collision`` for the collision
    probability of every (query, true neighbour) pair.

    Parameters
    ----------
    n, d, n_queries, n_neighbours, seed : int
        The corpus (defaults: the chapter's experiment).

    Returns
    -------
    dict
        "n" (the corpus size), "truth" (n_queries, n_neighbours) indices,
        "query_hashes" and "database_hashes" (bool, LSH_R_MAX·LSH_B_MAX
        bits), "p_neighbours" (n_queries·n_neighbours,), 1 − θ/π of every
        (query, true neighbour) pair.

    Raises
    ------
    ValueError, TypeError
        If an argument is out of range or of the wrong type.

    Examples
    --------
    >>> exp = lsh_experiment(n=200, n_queries=5)
    >>> exp["truth"].shape, exp["database_hashes"].shape
    ((5, 10), (200, 1024))
    """
    points, _ = gaussian_mixture(n + n_queries, d, seed=seed)
    database, queries = points[:n], points[n:]
    truth, cosines = top_k(queries, database, n_neighbours, metric="cosine")
    lsh = RandomHyperplaneLSH(LSH_R_MAX * LSH_B_MAX, d, seed=seed)
    return {
        "n": n,
        "truth": truth,
        "query_hashes": lsh.hash(queries),
        "database_hashes": lsh.hash(database),
        "p_neighbours": hyperplane_collision_probability(np.arccos(np.clip(cosines, -1, 1))).ravel(),
    }


@lru_cache(maxsize=LSH_R_MAX)
def lsh_curve(r: int) -> dict:
    """Mean candidates and recall@10 of the chapter's experiment for b = 1, ..., LSH_B_MAX bands of r bits.

    :func:`lsh_recall_curve` on the default :func:`lsh_experiment`, cached
    per r; uses ``lsh-s-curve`` (the candidates) and ``pq-recall``.

    Parameters
    ----------
    r : int
        Bits per band, 1 ≤ r ≤ LSH_R_MAX.

    Returns
    -------
    dict of numpy.ndarray
        "b", "candidates" and "recall", each of shape (LSH_B_MAX,).

    Raises
    ------
    ValueError
        If r is out of range.
    TypeError
        If r is not an int.

    Examples
    --------
    >>> curve = lsh_curve(8)
    >>> curve["candidates"].shape
    (64,)
    >>> bool(np.all(np.diff(curve["recall"]) >= 0))
    True
    """
    r = check_positive_int(r, "r", "lsh_curve")
    if r > LSH_R_MAX:
        raise ValueError(f"lsh_curve: r must be at most {LSH_R_MAX}, got {r}")
    exp = lsh_experiment()
    return lsh_recall_curve(exp["query_hashes"], exp["database_hashes"], exp["truth"], r, LSH_B_MAX)
