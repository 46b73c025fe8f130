"""The inverted file with product-quantized residuals, IVFADC (Jégou, Douze & Schmid 2011) (chapter 5).

A coarse k-means quantizer of ``n_lists`` centroids cuts the space into cells
(the *inverted lists*); every database vector is stored in the list of its
nearest coarse centroid c(x), as the PQ code of its *residual* r = x − c(x)
(``ivf-residual``). A query visits only the ``nprobe`` lists whose centroids
are nearest to it, and within list i compares itself with the codes through
one set of distance tables of the residual query q − c_i (``ivf-adc``)::

    IVFPQ(n_lists, m, k).fit(X)          -> coarse_ (n_lists, d), pq_ (on the residuals)
        .add(X)                          -> self (codes and ids appended to the lists)
        .probe(queries, nprobe)          -> (q, nprobe) nearest lists, nearest first
        .search(queries, k, nprobe)      -> (indices, squared distances), best first
        .n_scanned(queries, nprobe)      -> (q,) codes compared per query
    ivfadc_cost(d, n_lists, nprobe, m, k, scanned)   -> operations per query
    ivfpq_memory_bytes(n, d, n_lists, m, k)           -> bytes of the index
"""

from __future__ import annotations

import numpy as np

from .._core import select_top
from .._validation import (
    as_float_array,
    check_choice,
    check_is_fitted,
    check_positive_int,
    check_random_state,
)
from ._kernels import nearest
from .kmeans import INITS, kmeans
from .pq import ProductQuantizer, _bits_per_index

__all__ = ["IVFPQ", "ivfadc_cost", "ivfpq_memory_bytes"]

_UNSEEN = -np.finfo(np.float64).max  # the score of a (query, vector) pair whose list is not visited


class IVFPQ:
    """IVFADC: a coarse quantizer and PQ codes of the residuals r = x − c(x) (equation ``ivf-residual``).

    ``fit`` trains the coarse k-means of ``n_lists`` centroids on the
    training rows, then one :class:`~ragmath.quantization.ProductQuantizer`
    (m sub-spaces of k centroids, shared by all the lists) on their
    residuals; ``add`` stores each vector's residual code and id in the list
    of its nearest coarse centroid; ``search`` scans the ``nprobe`` nearest
    lists by asymmetric distances with per-list tables (uses ``ivf-adc``,
    ``pq-tables``). With ``nprobe = n_lists`` it is exhaustive ADC over the
    residuals: every vector x is ranked by ‖q − c(x) − r̂(x)‖².

    Parameters
    ----------
    n_lists : int
        The number of coarse centroids (inverted lists), ≥ 1.
    m : int
        Sub-spaces of the residual quantizer; it must divide d.
    k : int, default 256
        Centroids per sub-space of the residual quantizer.
    n_iter : int, default 25
        Lloyd iterations of both k-means.
    seed : int, default 0
        The coarse quantizer uses ``seed``, the residual quantizer ``seed + 1``
        (and ``seed + 1 + j`` for sub-space j).
    init : {"k-means++", "random"}, default "k-means++"
        The seeding of both k-means.

    Attributes
    ----------
    coarse_ : numpy.ndarray, shape (n_lists, d)
        The coarse centroids, after :meth:`fit`.
    pq_ : ProductQuantizer
        The residual quantizer, after :meth:`fit`.
    list_ids_, list_codes_ : list of numpy.ndarray
        Per list, the ids (int64) and the residual codes of its vectors,
        after :meth:`add` (empty lists after :meth:`fit`).

    Raises
    ------
    ValueError
        If an argument is out of range.
    TypeError
        If an argument has the wrong type.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 8))
    >>> index = IVFPQ(n_lists=4, m=2, k=8, seed=0).fit(X).add(X)
    >>> sorted(int(s) for s in index.list_sizes_) == sorted(np.bincount(
    ...     index.probe(X, 1)[:, 0], minlength=4).tolist())
    True
    >>> ids, dist = index.search(X[:3], 5, nprobe=4)
    >>> ids.shape, bool(np.all(np.diff(dist, axis=1) >= 0))
    ((3, 5), True)
    """

    def __init__(self, n_lists, m, k=256, n_iter=25, seed=0, init="k-means++"):
        func = "IVFPQ"
        self.n_lists = check_positive_int(n_lists, "n_lists", func)
        self.m = check_positive_int(m, "m", func)
        self.k = check_positive_int(k, "k", func)
        if self.k > 65536:
            raise ValueError(f"{func}: k must be at most 65536 (codes are uint16), got {self.k}")
        self.n_iter = check_positive_int(n_iter, "n_iter", func, minimum=0)
        check_random_state(seed, func)
        if isinstance(seed, np.random.Generator):
            raise TypeError(f"{func}: seed must be an int ≥ 0 here (two k-means derive their seeds from it)")
        self.seed = int(seed)
        self.init = check_choice(init, "init", func, INITS)
        self.coarse_ = None

    def __repr__(self) -> str:
        return (f"IVFPQ(n_lists={self.n_lists}, m={self.m}, k={self.k}, n_iter={self.n_iter}, "
                f"seed={self.seed})")

    # ------------------------------------------------------------------ fitting
    def fit(self, X):
        """Train the coarse quantizer, then the residual PQ on the residuals of the training rows.

        Uses ``ivf-residual``; the residual quantizer is trained as in
        ``pq-distortion-split``, one k-means per sub-space.

        Parameters
        ----------
        X : array-like, shape (n, d)
            Training vectors; n ≥ n_lists and n ≥ k; m must divide d.

        Returns
        -------
        IVFPQ
            self, with ``coarse_``, ``pq_`` and empty lists.

        Raises
        ------
        ValueError
            If X is not a finite 2-D array, has too few rows, or m does not
            divide d.

        Examples
        --------
        >>> X = np.random.default_rng(1).standard_normal((64, 4))
        >>> IVFPQ(n_lists=2, m=2, k=4).fit(X).coarse_.shape
        (2, 4)
        """
        func = "IVFPQ.fit"
        X = as_float_array(X, "X", func, ndim=2)
        n, d = X.shape
        if d % self.m:
            raise ValueError(f"{func}: m = {self.m} must divide the dimension d = {d} of the vectors")
        if n < max(self.n_lists, self.k):
            raise ValueError(
                f"{func}: X has {n} rows but n_lists = {self.n_lists} and k = {self.k} "
                f"need at least max(n_lists, k) training rows"
            )
        coarse, labels = kmeans(X, self.n_lists, self.n_iter, self.seed, self.init)
        residuals = X - coarse[labels]
        self.pq_ = ProductQuantizer(self.m, self.k, self.n_iter, self.seed + 1, self.init).fit(residuals)
        self.coarse_ = coarse
        self.d_ = d
        self.list_ids_ = [np.empty(0, dtype=np.int64) for _ in range(self.n_lists)]
        self.list_codes_ = [np.empty((0, self.m), dtype=self.pq_.code_dtype) for _ in range(self.n_lists)]
        self.ntotal_ = 0
        return self

    def _vectors(self, X, name: str, func: str) -> np.ndarray:
        check_is_fitted(self, "coarse_", func)
        X = as_float_array(X, name, func, ndim=(1, 2))
        if X.shape[-1] != self.d_:
            raise ValueError(
                f"{func}: {name} has vectors of dimension {X.shape[-1]}, but the index was "
                f"fitted on dimension {self.d_}"
            )
        return X

    def _assign(self, X64: np.ndarray) -> np.ndarray:
        return nearest(X64, self.coarse_.astype(np.float64))

    def add(self, X):
        """Append vectors: each to the list of its nearest coarse centroid, as the PQ code of its residual.

        Uses ``ivf-residual``.

        The ids are consecutive integers, continuing from the vectors added
        before (the first call numbers the rows 0, 1, ...).

        Parameters
        ----------
        X : array-like, shape (n, d)

        Returns
        -------
        IVFPQ
            self.

        Raises
        ------
        NotFittedError
            (a ValueError) Before :meth:`fit`.
        ValueError
            If X is not finite or has the wrong dimension.

        Examples
        --------
        >>> X = np.random.default_rng(1).standard_normal((64, 4))
        >>> index = IVFPQ(n_lists=2, m=2, k=4).fit(X).add(X).add(X[:10])
        >>> index.ntotal_, sum(len(ids) for ids in index.list_ids_)
        (74, 74)
        """
        func = "IVFPQ.add"
        X = np.atleast_2d(self._vectors(X, "X", func))
        X64 = X.astype(np.float64)
        labels = self._assign(X64)
        codes = self.pq_.encode((X64 - self.coarse_.astype(np.float64)[labels]).astype(X.dtype))
        ids = np.arange(self.ntotal_, self.ntotal_ + X.shape[0], dtype=np.int64)
        order = np.argsort(labels, kind="stable")
        bounds = np.searchsorted(labels[order], np.arange(self.n_lists + 1))
        for i in range(self.n_lists):
            rows = order[bounds[i] : bounds[i + 1]]
            if rows.size:
                self.list_ids_[i] = np.concatenate([self.list_ids_[i], ids[rows]])
                self.list_codes_[i] = np.concatenate([self.list_codes_[i], codes[rows]])
        self.ntotal_ += X.shape[0]
        return self

    @property
    def list_sizes_(self) -> np.ndarray:
        """The number of vectors in every list, (n_lists,).

        The n_i of ``ivf-cost``.

        Examples
        --------
        >>> X = np.random.default_rng(1).standard_normal((64, 4))
        >>> int(IVFPQ(n_lists=2, m=2, k=4).fit(X).add(X).list_sizes_.sum())
        64
        """
        check_is_fitted(self, "coarse_", "IVFPQ.list_sizes_")
        return np.array([len(ids) for ids in self.list_ids_], dtype=np.int64)

    # --------------------------------------------------------------- searching
    def _nprobe(self, nprobe, func: str) -> int:
        nprobe = check_positive_int(nprobe, "nprobe", func)
        if nprobe > self.n_lists:
            raise ValueError(f"{func}: nprobe must be at most n_lists = {self.n_lists}, got {nprobe}")
        return nprobe

    def probe(self, queries, nprobe=1):
        """The nprobe lists whose coarse centroids are nearest to each query.

        The coarse scan of ``ivf-cost``: n_lists distances per query.

        Parameters
        ----------
        queries : array-like, shape (d,) or (q, d)
        nprobe : int, default 1
            1 ≤ nprobe ≤ n_lists.

        Returns
        -------
        numpy.ndarray of intp, shape (nprobe,) or (q, nprobe)
            Nearest first, ties by the lower index.

        Raises
        ------
        NotFittedError
            (a ValueError) Before :meth:`fit`.
        ValueError
            If nprobe is out of range or the queries are bad.

        Examples
        --------
        >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [9.0, 0.0], [9.0, 1.0]])
        >>> index = IVFPQ(n_lists=2, m=1, k=2).fit(X)
        >>> bool(np.allclose(index.coarse_[index.probe([8.0, 0.0], 1)], [[9.0, 0.5]]))
        True
        """
        func = "IVFPQ.probe"
        Q = self._vectors(queries, "queries", func)
        nprobe = self._nprobe(nprobe, func)
        Q2 = np.atleast_2d(Q).astype(np.float64)
        C = self.coarse_.astype(np.float64)
        sq = (Q2**2).sum(axis=1)[:, None] - 2 * Q2 @ C.T + (C**2).sum(axis=1)
        lists = np.argsort(sq, axis=1, kind="stable")[:, :nprobe]  # ties by the lower index
        return lists if Q.ndim == 2 else lists[0]

    def n_scanned(self, queries, nprobe=1):
        """Codes compared per query: the sum of the sizes n_i of its probed lists.

        The scanned codes Σ n_i of ``ivf-cost``.

        Parameters
        ----------
        queries : array-like, shape (d,) or (q, d)
        nprobe : int, default 1

        Returns
        -------
        numpy.ndarray of int64, shape (q,) (a 0-d array for one query)

        Raises
        ------
        NotFittedError
            (a ValueError) Before :meth:`fit`.
        ValueError
            If nprobe is out of range or the queries are bad.

        Examples
        --------
        >>> X = np.random.default_rng(1).standard_normal((64, 4))
        >>> index = IVFPQ(n_lists=4, m=2, k=4).fit(X).add(X)
        >>> int(index.n_scanned(X[0], 4))
        64
        """
        lists = self.probe(queries, nprobe)
        return self.list_sizes_[lists].sum(axis=-1)

    def search(self, queries, k, nprobe=1):
        """Top k by asymmetric distances to the residual codes of the nearest lists (equation ``ivf-adc``).

        For each probed list i, the tables T_j[l] = ‖(q − c_i)_j − c_{j,l}‖²
        of the residual query (``pq-tables``) give every code of the list its
        estimated squared distance ‖(q − c_i) − r̂‖² by m look-ups
        (``pq-adc``). The k smallest over the probed lists are returned;
        when fewer than k vectors lie in them, the missing places hold id −1
        and distance inf (as in FAISS).

        Parameters
        ----------
        queries : array-like, shape (d,) or (q, d)
        k : int
            The number of results, ≥ 1 (not the codebook size).
        nprobe : int, default 1
            The number of lists visited, 1 ≤ nprobe ≤ n_lists.

        Returns
        -------
        indices : numpy.ndarray of int64, shape (k,) or (q, k)
            The ids given by :meth:`add`, best first, ties by the lower id.
        distances : numpy.ndarray of float64, same shape
            The estimated squared distances.

        Raises
        ------
        NotFittedError
            (a ValueError) Before :meth:`fit`.
        ValueError
            If k or nprobe is out of range, the index is empty, or the
            queries are bad.

        Examples
        --------
        >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [9.0, 0.0], [9.0, 1.0]])
        >>> index = IVFPQ(n_lists=2, m=1, k=2).fit(X).add(X)
        >>> ids, dist = index.search([8.0, 0.2], 2, nprobe=1)
        >>> print(ids, dist.round(2))
        [2 3] [1.04 1.64]
        >>> print(index.search([8.0, 0.2], 3, nprobe=1)[0])
        [ 2  3 -1]
        """
        func = "IVFPQ.search"
        Q = self._vectors(queries, "queries", func)
        k = check_positive_int(k, "k", func)
        nprobe = self._nprobe(nprobe, func)
        if self.ntotal_ == 0:
            raise ValueError(f"{func}: the index is empty; add(X) vectors first")
        single = Q.ndim == 1
        Q2 = np.atleast_2d(Q).astype(np.float64)
        lists = np.atleast_2d(self.probe(Q2, nprobe))
        books = self.pq_.codebooks_.astype(np.float64)  # (m, kc, dsub)
        C = self.coarse_.astype(np.float64)
        m, dsub, n = self.m, self.pq_.dsub_, self.ntotal_
        c_sq = np.einsum("jld,jld->jl", books, books)
        sub_index = np.arange(m)
        codes_of = [c.astype(np.intp) for c in self.list_codes_]
        nq = Q2.shape[0]
        out_ids = np.empty((nq, min(k, n)), dtype=np.int64)
        out_dist = np.empty((nq, min(k, n)))
        batch = max(1, 2**22 // n)  # queries per pass: the (batch, n) scores stay below 32 MB
        for s in range(0, nq, batch):
            e = min(nq, s + batch)
            # minus the estimated squared distance of every (query, vector) pair scanned;
            # the pairs of lists a query does not visit keep the lowest float
            neg = np.full((e - s, n), _UNSEEN)
            for i in np.unique(lists[s:e]).tolist():
                if not len(self.list_ids_[i]):
                    continue
                rows = np.flatnonzero((lists[s:e] == i).any(axis=1))  # the queries visiting list i
                R = (Q2[s + rows] - C[i]).reshape(rows.size, m, dsub)  # residual queries q − c_i
                # T[r, j, l] = ‖(q − c_i)_j − c_{j,l}‖² (pq-tables)
                T = (np.einsum("rjd,rjd->rj", R, R)[:, :, None] + c_sq[None]
                     - 2 * np.einsum("rjd,jld->rjl", R, books))
                np.maximum(T, 0.0, out=T)
                D = T[:, sub_index, codes_of[i]].sum(axis=2)  # (rows, n_i): m look-ups each
                neg[rows[:, None], self.list_ids_[i][None, :]] = -D
            if n <= 4096:  # short rows: one stable sort (ties by the lower id)
                idx = np.argsort(-neg, axis=1, kind="stable")[:, : min(k, n)]
                val = np.take_along_axis(neg, idx, axis=1)
            else:
                idx, val = select_top(neg, min(k, n))  # ties by the lower id
            out_ids[s:e], out_dist[s:e] = idx, -val
        unseen = out_dist == -_UNSEEN
        out_ids[unseen], out_dist[unseen] = -1, np.inf
        if k > n:
            pad = k - n
            out_ids = np.pad(out_ids, ((0, 0), (0, pad)), constant_values=-1)
            out_dist = np.pad(out_dist, ((0, 0), (0, pad)), constant_values=np.inf)
        if single:
            return out_ids[0], out_dist[0]
        return out_ids, out_dist


def ivfadc_cost(d, n_lists, nprobe, m, k, scanned) -> dict:
    """Operations per query of IVFADC: n_lists·d + nprobe·k·d + m·Σ n_i (equation ``ivf-cost``).

    The coarse scan compares the query with the n_lists centroids (d
    multiply-adds each); each of the nprobe lists needs its own tables (m·k
    squared distances of dimension d/m, k·d in all) and m look-ups per code
    of the list.

    Parameters
    ----------
    d, n_lists, nprobe, m, k : int
        The dimension, the lists, the lists visited, the sub-spaces and the
        centroids per sub-space.
    scanned : int or array-like of int
        The codes in the probed lists, Σ n_i (e.g. from
        :meth:`IVFPQ.n_scanned`).

    Returns
    -------
    dict
        ``"coarse"``, ``"tables"``, ``"scan"`` and ``"total"`` (floats when
        ``scanned`` is an array, the mean over its entries).

    Raises
    ------
    ValueError
        If an argument is not a positive integer, nprobe > n_lists, or
        scanned is negative.

    Examples
    --------
    >>> ivfadc_cost(384, 32, 4, 16, 16, 100)
    {'coarse': 12288, 'tables': 24576, 'scan': 1600, 'total': 38464}
    """
    func = "ivfadc_cost"
    d = check_positive_int(d, "d", func)
    n_lists = check_positive_int(n_lists, "n_lists", func)
    nprobe = check_positive_int(nprobe, "nprobe", func)
    m = check_positive_int(m, "m", func)
    k = check_positive_int(k, "k", func)
    if nprobe > n_lists:
        raise ValueError(f"{func}: nprobe must be at most n_lists = {n_lists}, got {nprobe}")
    s = np.asarray(scanned)
    if s.dtype.kind not in "iu" or (s < 0).any():
        raise ValueError(f"{func}: scanned must be non-negative integers, got {scanned!r}")
    scan = m * (int(s) if s.ndim == 0 else float(s.mean()))
    out = {"coarse": n_lists * d, "tables": nprobe * k * d, "scan": scan}
    out["total"] = out["coarse"] + out["tables"] + out["scan"]
    return out


def ivfpq_memory_bytes(n, d, n_lists, m, k, id_bytes=8, float_bytes=4) -> dict:
    """Bytes of an IVFADC index: N(m⌈log₂k⌉/8 + id) + (n_lists + k)·d floats (equation ``ivf-memory``).

    Per vector: its residual code, m⌈log₂ k⌉ bits (packed, rounded up to
    whole bytes over the N codes, as in ``pq-memory``), and its id. Once for
    the whole index: the n_lists coarse centroids and the m codebooks of the
    residual quantizer (k·d floats), not multiplied by N.

    Parameters
    ----------
    n, d, n_lists, m, k : int
        Vectors, dimension, lists, sub-spaces, centroids per sub-space.
    id_bytes : int, default 8
        Bytes of a stored id (FAISS stores int64).
    float_bytes : int, default 4
        Bytes of a float of the centroids (4 for float32).

    Returns
    -------
    dict
        ``"codes"``, ``"ids"``, ``"coarse"``, ``"codebooks"``, ``"total"``
        and ``"raw"`` (n·d·float_bytes), in bytes.

    Raises
    ------
    ValueError
        If an argument is not a positive integer or m does not divide d.

    Examples
    --------
    >>> mem = ivfpq_memory_bytes(1_000_000, 768, 1024, 96, 256)
    >>> mem["codes"], mem["ids"], mem["coarse"], mem["codebooks"]
    (96000000, 8000000, 3145728, 786432)
    """
    func = "ivfpq_memory_bytes"
    n = check_positive_int(n, "n", func)
    d = check_positive_int(d, "d", func)
    n_lists = check_positive_int(n_lists, "n_lists", func)
    m = check_positive_int(m, "m", func)
    k = check_positive_int(k, "k", func)
    id_bytes = check_positive_int(id_bytes, "id_bytes", func, minimum=0)
    float_bytes = check_positive_int(float_bytes, "float_bytes", func)
    if d % m:
        raise ValueError(f"{func}: m = {m} must divide d = {d}")
    out = {
        "codes": -(-n * m * _bits_per_index(k) // 8),
        "ids": n * id_bytes,
        "coarse": n_lists * d * float_bytes,
        "codebooks": k * d * float_bytes,
    }
    out["total"] = sum(out.values())
    out["raw"] = n * d * float_bytes
    return out
