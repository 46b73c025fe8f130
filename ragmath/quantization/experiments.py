"""The experiments of chapter 5: its synthetic corpus, recall, and the sweeps its figures draw.

- :func:`~ragmath.quantization.gaussian_mixture`: the seeded stand-in for a corpus of embeddings;
- :func:`~ragmath.quantization.recall_at_k` (equation ``pq-recall``): approximate against exact search;
- :func:`~ragmath.quantization.pq_tradeoff` and
  :func:`~ragmath.quantization.pq_tradeoff_table`: memory, distortion and recall
  of product quantization over a grid of (m, k);
- :func:`~ragmath.quantization.lsh_experiment` and :func:`~ragmath.quantization.lsh_curve`:
  banded LSH on a seeded corpus, candidates and recall for b = 1, ..., ``LSH_B_MAX`` bands;
- :func:`~ragmath.quantization.embedding_benchmark`, :func:`~ragmath.quantization.embedding_pq_table`,
  :func:`~ragmath.quantization.embedding_lsh_table` and
  :func:`~ragmath.quantization.expected_candidate_fraction` (equation ``lsh-expected``): the same
  methods on the corpus's real 384-dimensional chunk embeddings, beside isotropic random unit vectors
  (:func:`ragmath.similarity.random_unit_vectors`).

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
    check_choice,
    check_positive_float,
    check_positive_int,
    check_random_state,
    check_same_dimension,
)
from ..similarity import random_unit_vectors, top_k
from .kmeans import _init_centroids_many
from .lsh import RandomHyperplaneLSH, hyperplane_collision_probability, lsh_recall_curve, s_curve
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
    "embedding_benchmark",
    "embedding_pq_table",
    "expected_candidate_fraction",
    "embedding_lsh_table",
    "EMBEDDING_DATA",
    "EMBEDDING_SEEDS",
    "EMBEDDING_PQ_CONFIGS",
    "EMBEDDING_LSH_RS",
    "EMBEDDING_LSH_BS",
    "ivf_nprobe_table",
    "hnsw_ef_table",
    "IVF_N_LISTS",
    "IVF_NPROBES",
    "IVF_PQ",
    "HNSW_EFS",
    "HNSW_PARAMS",
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
        quantizers = [ProductQuantizer(m, k, n_iter=n_iter, seed=seed) for k in ks]
        for pq in _fit_sharing_starts(quantizers, train):
            k = pq.k
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


def _fit_sharing_starts(quantizers: list, train: np.ndarray):
    """Fit each quantizer on ``train`` (the same m, seed and init, various k), yielding it fitted.

    Bit for bit what ``pq.fit(train)`` gives for each one, with the k-means++
    seeding drawn once. With an int seed, sub-space j draws from
    ``default_rng(seed + j)`` one row per step (``_init_centroids``), each
    step depending only on the rows already chosen: the first k rows of the
    seeding for the largest k are the seeding for k. In any other case
    (a shared Generator, uniform rows, too few rows, m not dividing d) every
    quantizer is fitted on its own, which also raises its errors.
    """
    first = quantizers[0] if quantizers else None
    shareable = (
        first is not None
        and not isinstance(first.seed, np.random.Generator)
        and first.init == "k-means++"
        and all((pq.m, pq.seed, pq.init) == (first.m, first.seed, first.init) for pq in quantizers)
        and train.shape[1] % first.m == 0
        and max(pq.k for pq in quantizers) <= train.shape[0]
    )
    if not shareable:
        for pq in quantizers:
            yield pq.fit(train)
        return
    subs = first._subspaces(train)
    rngs = [np.random.default_rng(first.seed + j) for j in range(first.m)]
    starts = _init_centroids_many(subs, max(pq.k for pq in quantizers), first.init, rngs)
    for pq in quantizers:
        yield pq._fit_from_starts(train, subs, starts[:, : pq.k])


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


# ----------------------------------------------------- real embeddings (chapter 5)
#: The data sets of the chapter's experiments on 384-dimensional unit vectors.
EMBEDDING_DATA = ("chunks", "isotropic")
#: The seeds of those experiments (k-means, training split, hyperplanes, Gaussian data).
EMBEDDING_SEEDS = (0, 1, 2, 3, 4)
#: The (m, k) of the PQ experiment on 384-dimensional embeddings.
EMBEDDING_PQ_CONFIGS = ((8, 16), (16, 16), (48, 16), (8, 256), (16, 256))
#: Bits per band r of the LSH experiment on 384-dimensional embeddings.
EMBEDDING_LSH_RS = (4, 8, 12)
#: Numbers of bands b at which that experiment is reported.
EMBEDDING_LSH_BS = (1, 2, 4, 8, 16, 32, 64)

_EMBEDDING_TRAIN = ("all", "half")


def _seed_list(seeds, func: str) -> tuple:
    try:
        values = tuple(seeds)
    except TypeError:
        raise TypeError(f"{func}: seeds must be a tuple of ints, got {type(seeds).__name__}") from None
    if not values:
        raise ValueError(f"{func}: seeds must hold at least one seed")
    return tuple(check_positive_int(s, "seeds", func, minimum=0) for s in values)


def _streams(seed: int) -> list:
    """Four independent seed sequences of one seed: data, training split, k-means, hyperplanes."""
    return np.random.SeedSequence(seed).spawn(4)


def embedding_benchmark(data="chunks", seed=0) -> tuple:
    """The database and the queries of chapter 5's experiments on 384-dimensional unit vectors.

    "chunks": the stored all-MiniLM-L6-v2 embeddings of the corpus's 859
    chunks (:func:`ragmath.data.load_embeddings`, kind "chunks") and of its
    93 queries; ``seed`` is not used. "isotropic": as many database and query
    vectors of the same dimension, isotropic (normalised standard Gaussian
    vectors, :func:`ragmath.similarity.random_unit_vectors`: cosines of
    mean 0 and variance 1/d, uses ``sim-isotropic-cosine``), drawn from the
    first of the four streams of ``numpy.random.SeedSequence(seed).spawn(4)``
    (data, training split, k-means, hyperplanes) and rounded to float32.

    Parameters
    ----------
    data : {"chunks", "isotropic"}, default "chunks"
    seed : int, default 0

    Returns
    -------
    database : numpy.ndarray of float32, shape (859, 384)
    queries : numpy.ndarray of float32, shape (93, 384)
        Unit rows (fresh arrays: the caller may modify them).

    Raises
    ------
    ValueError
        If data is unknown or seed is negative.
    TypeError
        If seed is not an int.

    Examples
    --------
    >>> database, queries = embedding_benchmark("chunks")
    >>> database.shape, queries.shape, database.dtype
    ((859, 384), (93, 384), dtype('float32'))
    >>> iso, _ = embedding_benchmark("isotropic", seed=1)
    >>> iso.shape, bool(np.allclose(np.linalg.norm(iso, axis=1), 1, atol=1e-6))
    ((859, 384), True)
    """
    func = "embedding_benchmark"
    data = check_choice(data, "data", func, EMBEDDING_DATA)
    seed = check_positive_int(seed, "seed", func, minimum=0)
    from ..data import load_embeddings  # the corpus loads only when it is asked for

    database, queries = load_embeddings("chunks"), load_embeddings("queries")
    if data == "chunks":
        return database, queries
    n, d = database.shape
    rng = np.random.default_rng(_streams(seed)[0])
    points = random_unit_vectors(n + len(queries), d, seed=rng).astype(np.float32)
    return points[:n], points[n:]


def _frozen(values) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    array.flags.writeable = False
    return array


@lru_cache(maxsize=32)
def _benchmark_and_truth(data: str, seed: int, n_neighbours: int) -> tuple:
    """The data of :func:`embedding_benchmark` and its true neighbours by exact inner product.

    Shared by the chapter's tables on those data (read-only arrays; for unit
    rows the inner product ranks as the Euclidean distance does): the chunks
    are the same for every seed, so one exact search serves all of them.
    """
    if data == "chunks" and seed != 0:
        return _benchmark_and_truth(data, 0, n_neighbours)
    database, queries = embedding_benchmark(data, seed)
    truth, _ = top_k(queries, database, n_neighbours, metric="dot")
    for array in (database, queries, truth):
        array.flags.writeable = False
    return database, queries, truth


def _recall_per_query(found: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """|found ∩ truth| / |truth| of every query (the terms of ``pq-recall``; rows without repeats)."""
    return (found[:, :, None] == truth[:, None, :]).any(axis=1).mean(axis=1)


@lru_cache(maxsize=8)
def embedding_pq_table(data="chunks", train="all", configs=EMBEDDING_PQ_CONFIGS, seeds=EMBEDDING_SEEDS,
                       n_neighbours=10, n_iter=5) -> tuple:
    """Recall and distortion of PQ on 384-dimensional unit vectors, per (m, k) and seed (cached).

    For every seed: the data of :func:`embedding_benchmark`, the true
    neighbours by exact inner product (:func:`ragmath.top_k`, metric "dot",
    ties by the lower index; for unit rows the same ranking as the Euclidean
    distance), a :class:`ProductQuantizer` (``init="random"``, seeded by the
    third stream of ``SeedSequence(seed).spawn(4)``) trained on all the
    database (``train="all"``) or on a random half of it (``train="half"``,
    the rows chosen by the second stream); the whole database is encoded and
    searched by ADC (``pq-adc``). Uses ``pq-memory`` (bytes per vector),
    ``pq-distortion`` and ``pq-recall``.

    Parameters
    ----------
    data : {"chunks", "isotropic"}, default "chunks"
    train : {"all", "half"}, default "all"
    configs : tuple of (m, k), default ``EMBEDDING_PQ_CONFIGS``
        m must divide 384; k at most the number of training rows.
    seeds : tuple of int, default ``EMBEDDING_SEEDS``
    n_neighbours : int, default 10
        The k of recall@k.
    n_iter : int, default 5
        Lloyd's iterations per sub-space.

    Returns
    -------
    tuple of dict
        One per (m, k), in the order of ``configs``, with "m", "k",
        "bytes_per_vector" and, as read-only float arrays with one entry per
        seed: "recall"; "recall_per_query" (seeds, queries);
        "distortion" (on the whole database); "relative_distortion" (divided
        by the mean squared distance to the database mean, the distortion of
        a single centroid); "distortion_train" and "distortion_heldout" (on
        the training rows and on the others; the latter NaN for
        ``train="all"``).

    Raises
    ------
    ValueError
        If data, train or a config is invalid (as for :class:`ProductQuantizer`).
    TypeError
        If an argument has the wrong type or is not hashable (lists are not:
        pass tuples).

    Examples
    --------
    >>> rows = embedding_pq_table(configs=((8, 16),), seeds=(0,))
    >>> rows[0]["m"], rows[0]["bytes_per_vector"], rows[0]["recall"].shape
    (8, 4.0, (1,))
    """
    func = "embedding_pq_table"
    data = check_choice(data, "data", func, EMBEDDING_DATA)
    train = check_choice(train, "train", func, _EMBEDDING_TRAIN)
    seeds = _seed_list(seeds, func)
    n_neighbours = check_positive_int(n_neighbours, "n_neighbours", func)
    configs = tuple((check_positive_int(m, "configs", func), check_positive_int(k, "configs", func))
                    for m, k in configs)
    keys = ("recall", "recall_per_query", "distortion", "relative_distortion", "distortion_train",
            "distortion_heldout")
    results = [{key: [] for key in keys} for _ in configs]
    for seed in seeds:
        database, queries, truth = _benchmark_and_truth(data, seed, n_neighbours)
        n = len(database)
        if train == "half":
            order = np.random.default_rng(_streams(seed)[1]).permutation(n)
            train_rows, held = np.sort(order[: n // 2]), np.sort(order[n // 2 :])
        else:
            train_rows, held = np.arange(n), np.arange(0)
        centred = database.astype(np.float64) - database.astype(np.float64).mean(axis=0)
        spread = float(np.einsum("ij,ij->i", centred, centred).mean())
        for (m, k), out in zip(configs, results):
            pq = ProductQuantizer(m, k, n_iter=n_iter, seed=np.random.default_rng(_streams(seed)[2]),
                                  init="random").fit(database[train_rows])
            codes = pq.encode(database)
            reconstruction = pq.decode(codes)
            found, _ = pq.search(queries, codes, n_neighbours)
            per_query = _recall_per_query(found, truth)
            distortion = pq_distortion(database, reconstruction)
            out["recall"].append(float(per_query.mean()))  # pq-recall
            out["recall_per_query"].append(per_query)
            out["distortion"].append(distortion)
            out["relative_distortion"].append(distortion / spread)
            out["distortion_train"].append(pq_distortion(database[train_rows], reconstruction[train_rows]))
            out["distortion_heldout"].append(
                pq_distortion(database[held], reconstruction[held]) if held.size else math.nan)
    return tuple(
        {"m": m, "k": k, "bytes_per_vector": bytes_per_vector(m, k),
         **{key: _frozen(values) for key, values in out.items()}}
        for (m, k), out in zip(configs, results)
    )


def expected_candidate_fraction(cosines, r, b) -> float:
    """Expected candidate fraction or recall of banded LSH: mean S(1 − θ/π) (equation ``lsh-expected``).

    For a query and N database vectors at angles θ_j, the expected fraction
    of the database that becomes a candidate with b bands of r bits is
    (1/N) Σ_j S(1 − θ_j/π), with S(p) = 1 − (1 − p^r)^b (``lsh-s-curve``)
    and 1 − θ/π the one-bit collision probability (``lsh-collision``); over
    the pairs (query, true neighbour) the same mean is the expected recall.
    Linearity of expectation: it holds although the pairs share hyperplanes.

    Parameters
    ----------
    cosines : array-like of float, any shape
        Cosines of the angles of the pairs, in [−1, 1] (rounding up to 1e-6
        beyond is clipped).
    r, b : int
        Bits per band and bands (≥ 1).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If cosines is empty, not finite or outside [−1, 1].
    TypeError
        If r or b is not an int, or cosines is not numeric.

    Examples
    --------
    >>> expected_candidate_fraction([1.0, 0.0, -1.0], r=1, b=1)  # p = 1, 1/2, 0
    0.5
    >>> round(expected_candidate_fraction([0.0], r=2, b=3), 6)  # 1 − (1 − 1/4)³
    0.578125
    """
    func = "expected_candidate_fraction"
    c = as_float_array(cosines, "cosines", func).astype(np.float64, copy=False)
    if c.size == 0:
        raise ValueError(f"{func}: cosines must not be empty")
    if np.any(np.abs(c) > 1 + 1e-6):
        worst = float(np.abs(c).max())
        raise ValueError(f"{func}: cosines must lie in [-1, 1], got a value of magnitude {worst:.6g}")
    r = check_positive_int(r, "r", func)
    b = check_positive_int(b, "b", func)
    p = hyperplane_collision_probability(np.arccos(np.clip(c.ravel(), -1.0, 1.0)))
    return float(np.mean(s_curve(p, r, b)))


@lru_cache(maxsize=4)
def embedding_lsh_table(data="chunks", rs=EMBEDDING_LSH_RS, bs=EMBEDDING_LSH_BS, seeds=EMBEDDING_SEEDS,
                        n_neighbours=10) -> dict:
    """Candidates and recall of banded LSH on 384-dimensional unit vectors, per seed (cached).

    For every seed: the data of :func:`embedding_benchmark`, the true
    neighbours by exact inner product (:func:`ragmath.top_k`, metric "dot"),
    one :class:`RandomHyperplaneLSH` of max(rs)·max(bs) bits (seeded by the
    fourth stream of ``SeedSequence(seed).spawn(4)``), and for each r the
    candidates and recall of b bands of r bits (:func:`lsh_recall_curve`,
    uses ``lsh-s-curve`` and ``pq-recall``). The cosines it returns are what
    :func:`expected_candidate_fraction` (``lsh-expected``) needs for the
    expectations, and 1 − arccos(cos)/π (``lsh-collision``) is what
    "agreement" estimates.

    Parameters
    ----------
    data : {"chunks", "isotropic"}, default "chunks"
    rs, bs : tuple of int, defaults ``EMBEDDING_LSH_RS`` and ``EMBEDDING_LSH_BS``
    seeds : tuple of int, default ``EMBEDDING_SEEDS``
    n_neighbours : int, default 10

    Returns
    -------
    dict
        "r", "b" (the tuples), "n" (the database size); read-only float
        arrays: "candidates" and "recall", shape (len(rs), len(seeds),
        len(bs)), the mean fraction of the database that becomes a
        candidate and the recall@k; "cosines", shape (len(seeds), queries,
        n), of every (query, database vector) pair; "neighbour_cosines",
        shape (len(seeds), queries, n_neighbours), of the true neighbours;
        "agreement", shape (len(seeds),), the fraction of (query, database
        vector, bit) triples whose bits agree.

    Raises
    ------
    ValueError
        If data is unknown, rs, bs or seeds is empty, or an r or b is below 1.
    TypeError
        If an argument has the wrong type or is not hashable.

    Examples
    --------
    >>> table = embedding_lsh_table(rs=(8,), bs=(16,), seeds=(0,))
    >>> table["candidates"].shape, table["cosines"].shape
    ((1, 1, 1), (1, 93, 859))
    """
    func = "embedding_lsh_table"
    data = check_choice(data, "data", func, EMBEDDING_DATA)
    seeds = _seed_list(seeds, func)
    rs = tuple(check_positive_int(r, "rs", func) for r in rs)
    bs = tuple(check_positive_int(b, "bs", func) for b in bs)
    n_neighbours = check_positive_int(n_neighbours, "n_neighbours", func)
    if not rs or not bs:
        raise ValueError(f"{func}: rs and bs must not be empty")
    b_max = max(bs)
    candidates = np.empty((len(rs), len(seeds), len(bs)))
    recall = np.empty_like(candidates)
    all_cosines, neighbour_cosines, agreement = [], [], []
    columns = [b - 1 for b in bs]
    for s, seed in enumerate(seeds):
        database, queries, truth = _benchmark_and_truth(data, seed, n_neighbours)
        n = len(database)
        cosines = np.clip(queries.astype(np.float64) @ database.astype(np.float64).T, -1.0, 1.0)
        all_cosines.append(cosines)
        neighbour_cosines.append(np.take_along_axis(cosines, truth, axis=1))
        lsh = RandomHyperplaneLSH(max(rs) * b_max, database.shape[1],
                                  seed=np.random.default_rng(_streams(seed)[3]))
        Hq, Hd = lsh.hash(queries), lsh.hash(database)
        ones = Hq.astype(np.float64) @ Hd.T.astype(np.float64)  # bits that are 1 in both
        zeros = (~Hq).astype(np.float64) @ (~Hd).T.astype(np.float64)  # and 0 in both
        agreement.append(float((ones + zeros).sum() / (Hq.shape[0] * n * Hq.shape[1])))
        for i, r in enumerate(rs):
            curve = lsh_recall_curve(Hq, Hd, truth, r, b_max)
            candidates[i, s] = curve["candidates"][columns] / n
            recall[i, s] = curve["recall"][columns]
    return {"r": rs, "b": bs, "n": n, "candidates": _frozen(candidates), "recall": _frozen(recall),
            "cosines": _frozen(all_cosines), "neighbour_cosines": _frozen(neighbour_cosines),
            "agreement": _frozen(agreement)}


# ------------------------------------------------------- IVFADC and HNSW on the chunks
#: The grid of the chapter's IVFADC sweep and widget: coarse lists and lists visited.
IVF_N_LISTS = (8, 16, 32)
IVF_NPROBES = (1, 2, 4, 8)
#: The residual quantizer of the sweep: m sub-spaces of k centroids (8 bytes per vector).
IVF_PQ = (16, 16)
#: The beam widths of the chapter's HNSW sweep, and its graph: M links, ef_construction.
HNSW_EFS = (10, 20, 40, 80)
HNSW_PARAMS = (8, 20)


@lru_cache(maxsize=4)
def ivf_nprobe_table(data="chunks", n_lists=IVF_N_LISTS, nprobes=IVF_NPROBES, pq=IVF_PQ,
                     seeds=EMBEDDING_SEEDS, n_neighbours=10, n_iter=5) -> tuple:
    """Recall@k, codes scanned and operations of IVFADC against nprobe, per n_lists and seed (cached).

    For every seed: the data of :func:`embedding_benchmark`, the true
    neighbours by exact inner product (:func:`ragmath.top_k`, metric "dot";
    for unit rows the ranking of the Euclidean distance), and for every
    number of lists an :class:`~ragmath.quantization.IVFPQ` (coarse k-means
    and residual PQ, ``init="random"``, seeded by the seed) fitted on and
    filled with the whole database, searched with every nprobe ≤ n_lists
    (uses ``ivf-adc``, ``ivf-cost``, ``ivf-memory`` and ``pq-recall``).

    Parameters
    ----------
    data : {"chunks", "isotropic"}, default "chunks"
    n_lists : tuple of int, default ``IVF_N_LISTS``
    nprobes : tuple of int, default ``IVF_NPROBES``
        The values above a row's n_lists are left out of that row.
    pq : (m, k), default ``IVF_PQ``
        The residual quantizer.
    seeds : tuple of int, default ``EMBEDDING_SEEDS``
    n_neighbours : int, default 10
    n_iter : int, default 5
        Lloyd's iterations of both k-means.

    Returns
    -------
    tuple of dict
        One per n_lists, with "n_lists", "nprobe" (the values used), "m",
        "k", "memory" (:func:`~ragmath.quantization.ivfpq_memory_bytes` of
        the database) and read-only arrays (seeds, nprobes): "recall",
        "scanned" (mean codes per query), "operations" (mean of
        :func:`~ragmath.quantization.ivfadc_cost`'s total); and
        "recall_per_query" (seeds, nprobes, queries).

    Raises
    ------
    ValueError
        If an argument is out of range.
    TypeError
        If an argument has the wrong type or is not hashable (pass tuples).

    Examples
    --------
    >>> rows = ivf_nprobe_table(n_lists=(4,), nprobes=(1, 4), seeds=(0,))
    >>> rows[0]["nprobe"], rows[0]["recall"].shape, bool(rows[0]["scanned"][0, 1] == 859)
    ((1, 4), (1, 2), True)
    """
    from .ivf import IVFPQ, ivfadc_cost, ivfpq_memory_bytes

    func = "ivf_nprobe_table"
    data = check_choice(data, "data", func, EMBEDDING_DATA)
    seeds = _seed_list(seeds, func)
    n_lists = tuple(check_positive_int(v, "n_lists", func) for v in n_lists)
    nprobes = tuple(check_positive_int(v, "nprobes", func) for v in nprobes)
    m, k = (check_positive_int(v, "pq", func) for v in pq)
    n_neighbours = check_positive_int(n_neighbours, "n_neighbours", func)
    rows = [{"recall": [], "scanned": [], "operations": [], "recall_per_query": []} for _ in n_lists]
    for seed in seeds:
        database, queries, truth = _benchmark_and_truth(data, seed, n_neighbours)
        d = database.shape[1]
        for L, out in zip(n_lists, rows):
            index = IVFPQ(L, m, k, n_iter=n_iter, seed=seed, init="random").fit(database).add(database)
            per_seed = {key: [] for key in out}
            for p in (p for p in nprobes if p <= L):
                found, _ = index.search(queries, n_neighbours, p)
                per_query = _recall_per_query(found, truth)
                scanned = index.n_scanned(queries, p)
                per_seed["recall"].append(float(per_query.mean()))
                per_seed["recall_per_query"].append(per_query)
                per_seed["scanned"].append(float(scanned.mean()))
                per_seed["operations"].append(ivfadc_cost(d, L, p, m, k, scanned)["total"])
            for key, values in per_seed.items():
                out[key].append(values)
    n, d = _benchmark_and_truth(data, seeds[0], n_neighbours)[0].shape
    return tuple(
        {"n_lists": L, "nprobe": tuple(p for p in nprobes if p <= L), "m": m, "k": k,
         "memory": ivfpq_memory_bytes(n, d, L, m, k),
         **{key: _frozen(values) for key, values in out.items()}}
        for L, out in zip(n_lists, rows)
    )


@lru_cache(maxsize=4)
def hnsw_ef_table(data="chunks", efs=HNSW_EFS, params=HNSW_PARAMS, seeds=EMBEDDING_SEEDS,
                  n_neighbours=10) -> dict:
    """Recall@k and distance computations of HNSW against the beam width ef, per seed (cached).

    For every seed: the data of :func:`embedding_benchmark`, the true
    neighbours by exact inner product, one :class:`~ragmath.quantization.HNSW`
    graph (M and ef_construction from ``params``, seeded by the seed) built
    on the database, searched with every ef (uses ``hnsw-search``,
    ``hnsw-level`` and ``pq-recall``).

    Parameters
    ----------
    data : {"chunks", "isotropic"}, default "chunks"
    efs : tuple of int, default ``HNSW_EFS``
    params : (M, ef_construction), default ``HNSW_PARAMS``
    seeds : tuple of int, default ``EMBEDDING_SEEDS``
    n_neighbours : int, default 10

    Returns
    -------
    dict
        "ef", "M", "ef_construction"; read-only arrays "recall" and
        "distances" (mean distance computations per query), (seeds, efs);
        "recall_per_query" (seeds, efs, queries); "top_level" (seeds,),
        the highest layer of each graph; "build_distances" (seeds,).

    Raises
    ------
    ValueError
        If an argument is out of range.
    TypeError
        If an argument has the wrong type or is not hashable (pass tuples).

    Examples
    --------
    >>> table = hnsw_ef_table(efs=(10,), params=(4, 8), seeds=(0,))
    >>> table["recall"].shape, bool(0 < table["recall"][0, 0] <= 1)
    ((1, 1), True)
    """
    from .hnsw import HNSW

    func = "hnsw_ef_table"
    data = check_choice(data, "data", func, EMBEDDING_DATA)
    seeds = _seed_list(seeds, func)
    efs = tuple(check_positive_int(v, "efs", func) for v in efs)
    M, efc = (check_positive_int(v, "params", func) for v in params)
    n_neighbours = check_positive_int(n_neighbours, "n_neighbours", func)
    out = {"recall": [], "distances": [], "recall_per_query": [], "top_level": [], "build_distances": []}
    for seed in seeds:
        database, queries, truth = _benchmark_and_truth(data, seed, n_neighbours)
        graph = HNSW(M, efc, seed).build(database)
        out["top_level"].append(graph.top_)
        out["build_distances"].append(graph.n_distances)
        recall, distances, per_queries = [], [], []
        for ef in efs:
            found, _ = graph.search(queries, n_neighbours, ef)
            per_query = _recall_per_query(found, truth)
            recall.append(float(per_query.mean()))
            per_queries.append(per_query)
            distances.append(graph.n_distances / len(queries))
        out["recall"].append(recall)
        out["distances"].append(distances)
        out["recall_per_query"].append(per_queries)
    return {"ef": efs, "M": M, "ef_construction": efc, **{key: _frozen(v) for key, v in out.items()}}
