"""Product quantization (Jégou, Douze & Schmid 2011) and the memory of an index (chapter 5).

Every public function cites the equation of ``book/05-quantization.md`` (or,
for the index memory and the inner products of chapter 10, of
``book/10-capstone.md``) that it implements::

    ProductQuantizer(m, k).fit(X)         -> codebooks_ (m, k, d/m)
        .encode(X)                        -> codes (n, m), uint8 (uint16 if k > 256)
        .decode(codes)                    -> (n, d)
        .distance_tables(q)               -> (m, k) squared distances
        .search(queries, codes, k)        -> (indices, squared distances), best first
        .inner_product_scores(q, codes)   -> q · x̂ for every code
    pq_distortion(X, X̂)                  -> mean squared error
    pq_memory_bytes(n, d, m, k)           -> {"codes", "codebooks", "total", "raw"}
    dense_index_bytes, sparse_index_bytes, lsh_index_bytes: the other indexes
"""

from __future__ import annotations

import math

import numpy as np

from .._core import NonFinite, select_top
from .._validation import (
    as_float_array,
    check_choice,
    check_is_fitted,
    check_positive_int,
    check_random_state,
    first_bad_index,
)
from ._kernels import nearest, run_in_parts
from .kmeans import INITS, _init_centroids_many, _kmeans_many

__all__ = [
    "ProductQuantizer",
    "pq_distortion",
    "pq_memory_bytes",
    "popular_pq_memory_formula",
    "adc_cost",
    "bytes_per_vector",
    "dense_index_bytes",
    "sparse_index_bytes",
    "lsh_index_bytes",
]

_ADC_CHUNK = 1024  # codes per block of the ADC scan: its (block, queries) sums stay in cache


# ----------------------------------------------------------- product quantization
class ProductQuantizer:
    """Product quantization (Jégou, Douze & Schmid 2011): m sub-vectors, k centroids each.

    A vector x ∈ R^d is cut into m sub-vectors of d/m coordinates (uses
    ``pq-split``); sub-space j has its own codebook of k centroids, trained
    by :func:`ragmath.quantization.kmeans` on the j-th sub-vectors of the
    training rows. The code of x is the index of the nearest centroid in
    every sub-space, m small integers (``pq-encode``), and x is
    reconstructed by concatenating those centroids (``pq-reconstruction``).

    Parameters
    ----------
    m : int
        The number of sub-spaces; the dimension d must be divisible by m.
    k : int, default 256
        Centroids per sub-space, 1 ≤ k ≤ 65536 (codes are uint8 for
        k ≤ 256, uint16 above).
    n_iter : int, default 25
        Passed to :func:`ragmath.quantization.kmeans`.
    seed : int or numpy.random.Generator, default 0
        With an int, sub-space j is trained with seed + j; a Generator is
        drawn from by one sub-space after the other.
    init : {"k-means++", "random"}, default "k-means++"
        Passed to :func:`ragmath.quantization.kmeans`.

    Attributes
    ----------
    codebooks_ : numpy.ndarray, shape (m, k, d/m)
        After :meth:`fit` (None before); the dtype of the training data.
    d_, dsub_ : int
        The dimension d and the sub-vector length d/m, after :meth:`fit`.

    Raises
    ------
    ValueError
        If an argument is out of range (k > 65536, a negative seed, ...).
    TypeError
        If an argument has the wrong type.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [4.0, 0.0], [4.0, 1.0]])
    >>> pq = ProductQuantizer(m=2, k=2, seed=0).fit(X)
    >>> pq.codebooks_.shape
    (2, 2, 1)
    >>> bool(np.array_equal(pq.decode(pq.encode(X)), X))
    True
    """

    def __init__(self, m, k=256, n_iter=25, seed=0, init="k-means++"):
        func = "ProductQuantizer"
        self.m = check_positive_int(m, "m", func)
        self.k = check_positive_int(k, "k", func)
        if self.k > 65536:
            raise ValueError(f"{func}: k must be at most 65536 (codes are uint16), got {self.k}")
        self.n_iter = check_positive_int(n_iter, "n_iter", func, minimum=0)
        check_random_state(seed, func)  # an int ≥ 0 or a Generator
        self.seed = seed if isinstance(seed, np.random.Generator) else int(seed)
        self.init = check_choice(init, "init", func, INITS)
        self.codebooks_ = None

    def __repr__(self) -> str:
        return f"ProductQuantizer(m={self.m}, k={self.k}, n_iter={self.n_iter}, seed={self.seed})"

    @property
    def code_dtype(self):
        """uint8 when k ≤ 256, else uint16: the smallest unsigned integer holding 0..k−1.

        Examples
        --------
        >>> ProductQuantizer(2, k=300).code_dtype
        <class 'numpy.uint16'>
        """
        return np.uint8 if self.k <= 256 else np.uint16

    # ------------------------------------------------------------------ fitting
    def _check_dimension(self, d: int, func: str) -> None:
        if d % self.m:
            raise ValueError(
                f"{func}: m = {self.m} must divide the dimension d = {d} of the vectors "
                f"(each sub-vector has d/m coordinates)"
            )

    def fit(self, X):
        """Train the m codebooks, one k-means per sub-space (equations ``pq-split``, ``pq-distortion-split``).

        The squared error of a code is the sum of the sub-spaces' errors
        (``pq-distortion-split``), so each codebook is trained alone, by
        k-means on its sub-vectors.

        Parameters
        ----------
        X : array-like, shape (n, d)
            The training vectors, n ≥ k; d must be divisible by m.

        Returns
        -------
        ProductQuantizer
            self, with ``codebooks_`` (m, k, d/m), ``d_`` and ``dsub_``.

        Raises
        ------
        ValueError
            If X is not a finite 2-D array, m does not divide d, or X has
            fewer than k rows.

        Examples
        --------
        >>> X = np.arange(12.0).reshape(6, 2)
        >>> ProductQuantizer(m=2, k=3).fit(X).codebooks_.shape
        (2, 3, 1)
        """
        func = "ProductQuantizer.fit"
        X = as_float_array(X, "X", func, ndim=2)
        self._check_dimension(X.shape[1], func)
        if X.shape[0] < self.k:
            raise ValueError(
                f"{func}: X has {X.shape[0]} rows but k = {self.k} centroids per sub-space "
                f"need at least k training rows"
            )
        subs = self._subspaces(X)
        shared = isinstance(self.seed, np.random.Generator)
        rngs = [self.seed if shared else np.random.default_rng(self.seed + j) for j in range(self.m)]
        starts = _init_centroids_many(subs, self.k, self.init, rngs)  # as kmeans would draw them
        return self._fit_from_starts(X, subs, starts)

    def _subspaces(self, X: np.ndarray) -> np.ndarray:
        """The m sub-spaces' points of validated X, (m, n, d/m) in float64, contiguous."""
        dsub = X.shape[1] // self.m
        # m k-means of the same shape, run at once (_kmeans_many gives, bit for bit, what
        # kmeans gives on each sub-space alone)
        subs = X.astype(np.float64).reshape(X.shape[0], self.m, dsub).transpose(1, 0, 2)
        return np.ascontiguousarray(subs)

    def _fit_from_starts(self, X: np.ndarray, subs: np.ndarray, starts: np.ndarray):
        """Lloyd's algorithm on every sub-space from the row indices ``starts`` (m, k); returns self."""
        self.codebooks_ = _kmeans_many(subs, X.dtype, self.k, self.n_iter, starts)
        self.d_ = X.shape[1]
        self.dsub_ = X.shape[1] // self.m
        return self

    def _fitted(self, func: str) -> np.ndarray:
        check_is_fitted(self, "codebooks_", func)
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

        Ties between equally near centroids go to the lower index.

        Parameters
        ----------
        X : array-like, shape (n, d) or (d,)
            Vectors of the dimension the quantizer was fitted on.

        Returns
        -------
        numpy.ndarray, shape (n, m) or (m,)
            uint8 when k ≤ 256, uint16 otherwise (:attr:`code_dtype`).

        Raises
        ------
        NotFittedError
            (a ValueError) Before :meth:`fit`.
        ValueError
            If X is not finite or has the wrong dimension.

        Examples
        --------
        >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [4.0, 0.0], [4.0, 1.0]])
        >>> pq = ProductQuantizer(m=2, k=2, seed=0).fit(X)
        >>> codes = pq.encode(X)
        >>> codes.shape, codes.dtype
        ((4, 2), dtype('uint8'))
        >>> bool(np.array_equal(pq.encode(X[3]), codes[3]))
        True
        """
        books, X = self._vectors(X, "X", "ProductQuantizer.encode")
        X2 = np.atleast_2d(X)
        codes = np.empty((X2.shape[0], self.m), dtype=self.code_dtype)
        dsub = self.dsub_
        for j in range(self.m):
            sub = X2[:, j * dsub : (j + 1) * dsub].astype(np.float64)
            codes[:, j] = nearest(sub, books[j].astype(np.float64))
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

        Parameters
        ----------
        codes : array-like of int, shape (n, m) or (m,)
            Codes from :meth:`encode`, every entry in [0, k).

        Returns
        -------
        numpy.ndarray, shape (n, d) or (d,)
            In the dtype of the codebooks.

        Raises
        ------
        NotFittedError
            (a ValueError) Before :meth:`fit`.
        ValueError
            If codes is empty, has the wrong shape, or an entry outside [0, k).
        TypeError
            If codes are not integers.

        Examples
        --------
        >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [4.0, 0.0], [4.0, 1.0]])
        >>> pq = ProductQuantizer(m=2, k=2, seed=0).fit(X)
        >>> print(pq.decode(pq.encode([3.9, 0.2])))
        [4. 0.]
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

        Parameters
        ----------
        query : array-like, shape (d,) or (q, d)

        Returns
        -------
        numpy.ndarray, shape (m, k) or (q, m, k)
            Entry [j, l] is ‖q_j − c_{j,l}‖².

        Raises
        ------
        NotFittedError
            (a ValueError) Before :meth:`fit`.
        ValueError
            If the query is not finite, has the wrong dimension, or its
            squared distances overflow.

        Examples
        --------
        >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [4.0, 0.0], [4.0, 1.0]])
        >>> pq = ProductQuantizer(m=2, k=2, seed=0).fit(X)
        >>> print(np.sort(pq.distance_tables([1.0, 0.0]), axis=1))
        [[1. 9.]
         [0. 1.]]
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
        distances per sub-space and per query (uses ``pq-tables``), then m
        look-ups and additions per database vector (``pq-adc-cost``). The
        tables are laid out as one (m·k, q) matrix, so that every code gathers
        m contiguous rows (see ``_table_sums``); the k best of each query are
        then selected as in :func:`ragmath.top_k`.

        Parameters
        ----------
        queries : array-like, shape (d,) or (q, d)
        codes : array-like of int, shape (n, m)
            The database, encoded by :meth:`encode`.
        k : int
            The number of results (1 ≤ k ≤ n), not the codebook size.

        Returns
        -------
        indices : numpy.ndarray of intp, shape (k,) or (q, k)
            Best first (smallest distance), ties by the lower index.
        distances : numpy.ndarray, shape (k,) or (q, k)
            The estimated squared distances ‖q − x̂‖².

        Raises
        ------
        NotFittedError
            (a ValueError) Before :meth:`fit`.
        ValueError
            If an argument has the wrong shape or values, k > n, or the
            distances overflow.
        TypeError
            If codes are not integers or k is not an int.

        Examples
        --------
        >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [4.0, 0.0], [4.0, 1.0]])
        >>> pq = ProductQuantizer(m=2, k=2, seed=0).fit(X)
        >>> indices, distances = pq.search([1.0, 0.2], pq.encode(X), 2)
        >>> print(indices, distances.round(2))
        [0 1] [1.04 1.64]
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
            S = _table_sums(-T[s : s + batch], arr)  # negated: the best is the largest
            try:
                i, v = select_top(S, k)
            except NonFinite:
                raise ValueError(
                    f"{func}: the summed distances overflow {T.dtype}; rescale the vectors"
                ) from None
            idx[s : s + batch], dist[s : s + batch] = i, -v
        if single:
            return idx[0], dist[0]
        return idx, dist

    def inner_product_scores(self, queries, codes):
        """Inner products q·x̂ with the decoded codes, from one table per sub-space (equation ``cap-pq-ip``).

        q·x̂ = Σ_j q_j · c_{j, code_j(x)} = Σ_j T_j[code_j(x)] with the tables
        T_j[l] = q_j · c_{j,l}: k·d multiply-adds per query fill them, then
        every code costs m look-ups and additions, as in ADC for distances
        (``pq-adc``). The tables are in the dtype of the queries (the
        codebooks are converted to it).

        Parameters
        ----------
        queries : array-like, shape (d,) or (q, d)
        codes : array-like of int, shape (n, m)
            The database, encoded by :meth:`encode`.

        Returns
        -------
        numpy.ndarray, shape (n,) or (q, n)
            Entry [r, i] is queries[r] · decode(codes[i]).

        Raises
        ------
        NotFittedError
            (a ValueError) Before :meth:`fit`.
        ValueError
            If an argument has the wrong shape or values, or the inner
            products overflow.
        TypeError
            If codes are not integers.

        Examples
        --------
        >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [4.0, 0.0], [4.0, 1.0]])
        >>> pq = ProductQuantizer(m=2, k=2, seed=0).fit(X)
        >>> print(pq.inner_product_scores([1.0, 2.0], pq.encode(X)))
        [0. 2. 4. 6.]
        """
        func = "ProductQuantizer.inner_product_scores"
        books, Q = self._vectors(queries, "queries", func)
        arr = self._codes(codes, func)
        if arr.ndim != 2:
            raise ValueError(f"{func}: codes must be 2-D (n, m) = (n, {self.m}), got shape {arr.shape}")
        Q2 = np.atleast_2d(Q)
        sub = Q2.reshape(Q2.shape[0], self.m, self.dsub_)
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is caught below
            T = np.einsum("qjs,jls->qjl", sub, books.astype(Q2.dtype, copy=False))  # (q, m, k)
            S = _table_sums(T, arr)
        if not np.isfinite(S).all():
            raise ValueError(f"{func}: the inner products overflow {S.dtype}; rescale the vectors")
        return S if Q.ndim == 2 else S[0]

def _table_sums(T: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """S[r, i] = Σ_j T[r, j, codes[i, j]] for a batch of tables T (q, m, k) (``pq-adc``, ``cap-pq-ip``).

    The tables are laid out as one (m·k, q) matrix, row j·k + l holding
    T[:, j, l]; each code then selects m rows by the flat index code_j + j·k
    (computed once per block of codes, as intp), and they are added in the
    dtype of T, sub-space 0 first: a gather of contiguous rows, on the
    package's threads.
    """
    nq, m, kc = T.shape
    n = codes.shape[0]
    flat_tables = np.ascontiguousarray(T.transpose(1, 2, 0)).reshape(m * kc, nq)
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

    run_in_parts(work, n, chunk)
    return S


def pq_distortion(X, reconstruction) -> float:
    """Mean squared reconstruction error (1/n) Σ_i ‖x_i − x̂_i‖² (equation ``pq-distortion``).

    Computed in float64 from the differences.

    Parameters
    ----------
    X : array-like, shape (n, d)
        The vectors.
    reconstruction : array-like, shape (n, d)
        Their reconstructions x̂ (e.g. ``pq.decode(pq.encode(X))``).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the arrays are not finite, not 2-D, or of different shapes.

    Examples
    --------
    >>> pq_distortion([[0.0, 0.0], [1.0, 1.0]], [[0.0, 1.0], [1.0, 1.0]])
    0.5
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


# ------------------------------------------------------------------ memory of an index
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
    """Memory of a PQ index of n vectors, in bytes (equation ``pq-memory``).

    The codes are counted packed: ``ProductQuantizer.encode`` returns one
    uint8 or uint16 per sub-code for convenience, the formula counts
    ⌈log₂ k⌉ bits each.

    Parameters
    ----------
    n, d : int
        The number of vectors and their dimension.
    m, k : int
        Sub-spaces (m must divide d) and centroids per sub-space.
    float_bytes : int, default 4
        Bytes of one stored float (4 for float32).

    Returns
    -------
    dict
        "codes": n·m·⌈log₂ k⌉ bits, rounded up to whole bytes; "codebooks":
        k·d·float_bytes (m codebooks of k centroids of d/m floats, stored once
        for the whole index); "total": their sum; "raw": the vectors
        themselves, n·d·float_bytes.

    Raises
    ------
    ValueError
        If an argument is below 1 or m does not divide d.
    TypeError
        If an argument is not an int.

    Examples
    --------
    >>> pq_memory_bytes(1_000_000, 768, 96, 256)
    {'codes': 96000000, 'codebooks': 786432, 'total': 96786432, 'raw': 3072000000}
    """
    func = "pq_memory_bytes"
    n, d, m, k = _memory_arguments(n, d, m, k, func)
    float_bytes = check_positive_int(float_bytes, "float_bytes", func)
    code_bits = n * m * _bits_per_index(k)
    codes = -(-code_bits // 8)  # ceiling division, exact in integers
    codebooks = k * d * float_bytes
    return {"codes": codes, "codebooks": codebooks, "total": codes + codebooks, "raw": n * d * float_bytes}


def bytes_per_vector(m, k) -> float:
    """Bytes of one packed PQ code, m·⌈log₂ k⌉ / 8.

    The per-vector part of ``pq-memory`` (:func:`pq_memory_bytes` counts the
    whole index).

    Parameters
    ----------
    m, k : int
        Sub-spaces and centroids per sub-space.

    Returns
    -------
    float

    Raises
    ------
    ValueError, TypeError
        If m or k is not an int ≥ 1.

    Examples
    --------
    >>> bytes_per_vector(8, 256), bytes_per_vector(4, 16)
    (8.0, 2.0)
    """
    m = check_positive_int(m, "m", "bytes_per_vector")
    k = check_positive_int(k, "k", "bytes_per_vector")
    return m * _bits_per_index(k) / 8


def popular_pq_memory_formula(n, d, m, k) -> float:
    """A tempting but wrong formula, N × (d/m × log₂ k + m × k × d/m) (see the warning in chapter 5).

    Returned only to show how far it is from :func:`pq_memory_bytes`: it
    counts log₂ k bits d/m times per vector instead of m times, it charges
    the codebooks once per vector instead of once per index, and it adds
    those bits to a number of floats. Its "unit" is neither bits nor bytes.

    Parameters
    ----------
    n, d, m, k : int
        As for :func:`pq_memory_bytes` (m must divide d).

    Returns
    -------
    float

    Raises
    ------
    ValueError, TypeError
        As for :func:`pq_memory_bytes`.

    Examples
    --------
    >>> popular_pq_memory_formula(1000, 8, 2, 16)
    144000.0
    """
    func = "popular_pq_memory_formula"
    n, d, m, k = _memory_arguments(n, d, m, k, func)
    return float(n * (d / m * math.log2(k) + m * k * d / m))


def adc_cost(n, d, m, k) -> dict:
    """Operation counts of one query, by tables and by exact search (equation ``pq-adc-cost``).

    Parameters
    ----------
    n, d, m, k : int
        Database size, dimension, sub-spaces (m must divide d), centroids.

    Returns
    -------
    dict
        "tables": k·d, the squared differences that fill the m tables of k
        entries (each a sum over d/m coordinates); "scan": n·m, one look-up
        and addition per sub-space and database vector; "exact": n·d, the
        multiply-adds of exact search over the raw vectors.

    Raises
    ------
    ValueError, TypeError
        As for :func:`pq_memory_bytes`.

    Examples
    --------
    >>> adc_cost(1_000_000, 128, 8, 256)
    {'tables': 32768, 'scan': 8000000, 'exact': 128000000}
    """
    n, d, m, k = _memory_arguments(n, d, m, k, "adc_cost")
    return {"tables": k * d, "scan": n * m, "exact": n * d}


def dense_index_bytes(n, d, float_bytes=4) -> int:
    """Bytes of an exact index of n vectors of dimension d, n·d·b (equation ``cap-mem-dense``).

    Parameters
    ----------
    n, d : int
        The number of vectors and their dimension.
    float_bytes : int, default 4
        Bytes of one stored float b (4 for float32).

    Returns
    -------
    int

    Raises
    ------
    ValueError, TypeError
        If an argument is not an int ≥ 1.

    Examples
    --------
    >>> dense_index_bytes(859, 64)
    219904
    """
    func = "dense_index_bytes"
    return (check_positive_int(n, "n", func) * check_positive_int(d, "d", func)
            * check_positive_int(float_bytes, "float_bytes", func))


def sparse_index_bytes(nnz, n_columns, value_bytes=8, index_bytes=4, pointer_bytes=4) -> int:
    """Bytes of a compressed sparse index, an inverted index (equation ``cap-mem-sparse``).

    nnz·(b_v + b_i) + (n_columns + 1)·b_p: one value and one row index per
    stored entry (a posting), and one pointer per column (term) plus one, as
    :mod:`scipy.sparse` stores a CSC matrix (float64 values, int32 indices).

    Parameters
    ----------
    nnz : int
        The number of stored entries (≥ 0).
    n_columns : int
        The number of columns (terms), ≥ 1.
    value_bytes, index_bytes, pointer_bytes : int, defaults 8, 4, 4
        b_v, b_i and b_p.

    Returns
    -------
    int

    Raises
    ------
    ValueError, TypeError
        If an argument is not an int in range.

    Examples
    --------
    >>> sparse_index_bytes(nnz=1000, n_columns=99)
    12400
    """
    func = "sparse_index_bytes"
    nnz = check_positive_int(nnz, "nnz", func, minimum=0)
    n_columns = check_positive_int(n_columns, "n_columns", func)
    vb = check_positive_int(value_bytes, "value_bytes", func)
    ib = check_positive_int(index_bytes, "index_bytes", func)
    pb = check_positive_int(pointer_bytes, "pointer_bytes", func)
    return nnz * (vb + ib) + (n_columns + 1) * pb


def lsh_index_bytes(n, n_bits, d, float_bytes=4, plane_bytes=8, rerank=True) -> dict:
    """Bytes of a random-hyperplane LSH index (equation ``cap-mem-lsh``).

    Parameters
    ----------
    n, n_bits, d : int
        The number of vectors, bits per hash and the dimension.
    float_bytes : int, default 4
        Bytes of one float of the stored vectors.
    plane_bytes : int, default 8
        Bytes of one float of the hyperplanes
        (:class:`ragmath.quantization.RandomHyperplaneLSH` keeps them in
        float64).
    rerank : bool, default True
        Whether the vectors are stored to re-rank the candidates exactly.

    Returns
    -------
    dict
        "hashes": n·⌈n_bits/8⌉ (the bits packed by rows); "planes":
        n_bits·d·plane_bytes (needed to hash a query); "vectors":
        n·d·float_bytes if ``rerank``, else 0; "total": the sum.

    Raises
    ------
    ValueError, TypeError
        If an argument is not an int ≥ 1.

    Examples
    --------
    >>> lsh_index_bytes(1000, 128, 64)
    {'hashes': 16000, 'planes': 65536, 'vectors': 256000, 'total': 337536}
    """
    func = "lsh_index_bytes"
    n = check_positive_int(n, "n", func)
    n_bits = check_positive_int(n_bits, "n_bits", func)
    d = check_positive_int(d, "d", func)
    fb = check_positive_int(float_bytes, "float_bytes", func)
    pb = check_positive_int(plane_bytes, "plane_bytes", func)
    hashes = n * -(-n_bits // 8)
    planes = n_bits * d * pb
    vectors = n * d * fb if rerank else 0
    return {"hashes": hashes, "planes": planes, "vectors": vectors, "total": hashes + planes + vectors}
