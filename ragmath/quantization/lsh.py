"""Random-hyperplane locality-sensitive hashing (Charikar 2002) and banding (chapter 5).

Every public function cites the equation of ``book/05-quantization.md`` it
implements (prefix ``lsh-``)::

    RandomHyperplaneLSH(n_bits, dim).hash(X)   -> (n, n_bits) bool
    hyperplane_collision_probability(theta)    -> 1 − θ/π
    angle_estimate(H, n_bits)                  -> π·H / n_bits
    s_curve(p, r, b)                           -> 1 − (1 − p^r)^b
    lsh_candidates(Hq, Hd, r, b)               -> (q, N) bool, sharing a band

The hyperplanes come only from ``seed``: an int, as
``numpy.random.default_rng(seed)``, or a ``numpy.random.Generator``.
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import (
    as_float_array,
    check_positive_float,
    check_positive_int,
    check_random_state,
    check_same_dimension,
    first_bad_index,
)

__all__ = [
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


def _seed_value(seed):
    """The seed as stored on a model (and shown by its repr): an int, or the Generator itself."""
    return seed if isinstance(seed, np.random.Generator) else int(seed)


class RandomHyperplaneLSH:
    """Random-hyperplane LSH: bit i of x is [a_i · x ≥ 0] (equation ``lsh-hyperplane-hash``).

    The normals a_1, ..., a_{n_bits} ∈ R^dim have independent N(0, 1)
    entries, drawn once from the seed. Two vectors at angle θ agree on each
    bit with probability 1 − θ/π (``lsh-collision``).

    Parameters
    ----------
    n_bits : int
        The number of bits (hyperplanes).
    dim : int
        The dimension of the vectors.
    seed : int or numpy.random.Generator, default 0

    Attributes
    ----------
    planes_ : numpy.ndarray, shape (n_bits, dim), float64
        The normals a_i.

    Raises
    ------
    ValueError, TypeError
        If n_bits or dim is not an int ≥ 1, or seed is not a non-negative
        int or a Generator.

    Examples
    --------
    >>> lsh = RandomHyperplaneLSH(n_bits=16, dim=3, seed=0)
    >>> lsh.planes_.shape
    (16, 3)
    >>> bool((lsh.hash([1.0, 2.0, 3.0]) == lsh.hash([2.0, 4.0, 6.0])).all())
    True
    """

    def __init__(self, n_bits, dim, seed=0):
        func = "RandomHyperplaneLSH"
        self.n_bits = check_positive_int(n_bits, "n_bits", func)
        self.dim = check_positive_int(dim, "dim", func)
        rng = check_random_state(seed, func)
        self.seed = _seed_value(seed)
        self.planes_ = rng.standard_normal((self.n_bits, self.dim))

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
        """The hash bits of every row, bit i = [a_i · x ≥ 0].

        The projections are computed in the dtype of X (float32 stays float32).

        Parameters
        ----------
        X : array-like, shape (n, dim) or (dim,)

        Returns
        -------
        numpy.ndarray of bool, shape (n, n_bits) or (n_bits,)

        Raises
        ------
        ValueError
            If X is not finite or has the wrong dimension.

        Examples
        --------
        >>> lsh = RandomHyperplaneLSH(n_bits=8, dim=2, seed=0)
        >>> bits = lsh.hash([[1.0, 0.0], [-1.0, 0.0]])
        >>> bits.shape, bool((bits[0] != bits[1]).all())
        ((2, 8), True)
        """
        return self._projections(X, "X", "RandomHyperplaneLSH.hash") >= 0

    def hamming(self, X, Y):
        """The number of differing bits between the hashes of the rows of X and of Y.

        H, the Hamming distance that estimates the angle (uses
        ``lsh-angle-estimate``: θ̂ = π·H/n_bits, :func:`angle_estimate`).
        One-dimensional arguments drop their axis as in
        :mod:`ragmath.similarity`.

        Parameters
        ----------
        X : array-like, shape (n, dim) or (dim,)
        Y : array-like, shape (m, dim) or (dim,)

        Returns
        -------
        numpy.ndarray of int64, shape (n, m), (n,) or (m,); or int
            An int for two 1-D vectors.

        Raises
        ------
        ValueError
            If X or Y is not finite or has the wrong dimension.

        Examples
        --------
        >>> lsh = RandomHyperplaneLSH(n_bits=8, dim=2, seed=0)
        >>> lsh.hamming([1.0, 0.0], [-1.0, 0.0]), lsh.hamming([1.0, 0.0], [2.0, 0.0])
        (8, 0)
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

    a_i has N(0, 1) entries and δ_i ~ N(0, offset_scale²). The collision
    probability then depends on the lengths of the vectors, not only on their
    angle (``lsh-offset-collision``, :func:`offset_collision_probability`).

    Parameters
    ----------
    n_bits, dim : int
        The number of bits and the dimension.
    offset_scale : float, default 1.0
        σ, the standard deviation of the offsets (> 0).
    seed : int or numpy.random.Generator, default 0

    Attributes
    ----------
    planes_ : numpy.ndarray, shape (n_bits, dim)
    offsets_ : numpy.ndarray, shape (n_bits,)

    Raises
    ------
    ValueError, TypeError
        If an argument is out of range or of the wrong type.

    Examples
    --------
    >>> lsh = OffsetHyperplaneLSH(n_bits=4, dim=2, offset_scale=1.0, seed=0)
    >>> lsh.hash([[0.0, 0.0]]).shape
    (1, 4)
    """

    def __init__(self, n_bits, dim, offset_scale=1.0, seed=0):
        func = "OffsetHyperplaneLSH"
        self.n_bits = check_positive_int(n_bits, "n_bits", func)
        self.dim = check_positive_int(dim, "dim", func)
        self.offset_scale = check_positive_float(offset_scale, "offset_scale", func)
        rng = check_random_state(seed, func)
        self.seed = _seed_value(seed)
        self.planes_ = rng.standard_normal((self.n_bits, self.dim))
        self.offsets_ = self.offset_scale * rng.standard_normal(self.n_bits)

    def hash(self, X):
        """The hash bits of every row, bit i = [a_i · x + δ_i ≥ 0].

        Parameters
        ----------
        X : array-like, shape (n, dim) or (dim,)

        Returns
        -------
        numpy.ndarray of bool, shape (n, n_bits) or (n_bits,)

        Raises
        ------
        ValueError
            If X is not finite or has the wrong dimension.

        Examples
        --------
        >>> lsh = OffsetHyperplaneLSH(n_bits=4, dim=2, seed=0)
        >>> bool((lsh.hash([0.0, 0.0]) == (lsh.offsets_ >= 0)).all())
        True
        """
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

    Parameters
    ----------
    theta : float or array-like
        The angle between u and v, in radians, in [0, π] (elementwise).

    Returns
    -------
    float or numpy.ndarray
        A float for a scalar theta.

    Raises
    ------
    ValueError
        If an angle lies outside [0, π].

    Examples
    --------
    >>> hyperplane_collision_probability(math.pi / 2)
    0.5
    >>> print(hyperplane_collision_probability([0.0, math.pi]))
    [1. 0.]
    """
    arr = _angle_argument(theta, "hyperplane_collision_probability")
    out = 1.0 - arr / math.pi
    return float(out) if arr.ndim == 0 else out


def offset_collision_probability(u, v, offset_scale=1.0) -> float:
    """Collision probability of one offset hyperplane, [a·x + δ ≥ 0] (equation ``lsh-offset-collision``).

    With δ ~ N(0, σ²), a·x + δ = (a, δ/σ)·(x, σ): the offset hash of x is the
    random-hyperplane hash of the lifted vector (x, σ) ∈ R^{d+1}. So the
    probability is 1 − θ̃/π, θ̃ the angle between (u, σ) and (v, σ). It is
    computed in float64 on the lifted vectors divided by their largest entry
    (the angle does not change), so huge vectors cannot overflow.

    Parameters
    ----------
    u, v : array-like, shape (d,)
    offset_scale : float, default 1.0
        σ (> 0).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If u and v are not finite 1-D vectors of one dimension, or σ ≤ 0.

    Examples
    --------
    >>> print(f"{offset_collision_probability([1.0, 0.0], [0.0, 1.0]):.4f}")
    0.6667
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

    Unbiased: E[θ̂] = θ (its variance is :func:`angle_estimate_variance`).

    Parameters
    ----------
    hamming : float or array-like
        H, in [0, n_bits] (elementwise).
    n_bits : int

    Returns
    -------
    float or numpy.ndarray
        Radians; a float for a scalar H.

    Raises
    ------
    ValueError
        If H lies outside [0, n_bits].
    TypeError
        If n_bits is not an int.

    Examples
    --------
    >>> print(f"{angle_estimate(16, 64):.4f}")
    0.7854
    """
    func = "angle_estimate"
    n_bits = check_positive_int(n_bits, "n_bits", func)
    H = as_float_array(hamming, "hamming", func)
    if ((H < 0) | (H > n_bits)).any():
        raise ValueError(f"{func}: hamming must lie in [0, n_bits] = [0, {n_bits}]")
    out = math.pi * H / n_bits
    return float(out) if out.ndim == 0 else out


def angle_estimate_variance(theta, n_bits):
    """Var[θ̂] = θ(π − θ) / n_bits, from the binomial variance (equation ``lsh-angle-variance``).

    Parameters
    ----------
    theta : float or array-like
        The true angle, in [0, π] (elementwise).
    n_bits : int

    Returns
    -------
    float or numpy.ndarray

    Raises
    ------
    ValueError
        If an angle lies outside [0, π].
    TypeError
        If n_bits is not an int.

    Examples
    --------
    >>> print(f"{angle_estimate_variance(math.pi / 2, 100):.5f}")
    0.02467
    """
    func = "angle_estimate_variance"
    n_bits = check_positive_int(n_bits, "n_bits", func)
    arr = _angle_argument(theta, func)
    out = arr * (math.pi - arr) / n_bits
    return float(out) if arr.ndim == 0 else out


def _check_band_shape(r, b, func):
    return check_positive_int(r, "r", func), check_positive_int(b, "b", func)


def s_curve(p, r, b):
    """P[candidate] = 1 − (1 − p^r)^b: AND of r bits in a band, OR of b bands (equation ``lsh-s-curve``).

    Computed as −expm1(b·log1p(−p^r)), accurate for tiny p^r.

    Parameters
    ----------
    p : float or array-like
        The collision probability of one bit, in [0, 1] (elementwise).
    r, b : int
        Bits per band and bands.

    Returns
    -------
    float or numpy.ndarray
        A float for a scalar p.

    Raises
    ------
    ValueError
        If p lies outside [0, 1] or r, b < 1.
    TypeError
        If r or b is not an int.

    Examples
    --------
    >>> s_curve(0.5, 1, 2)
    0.75
    >>> print(f"{s_curve(0.9, 8, 8):.4f}")
    0.9889
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
    """The usual threshold of the S-curve, t = (1/b)^{1/r}, where p^r = 1/b (equation ``lsh-threshold``).

    Parameters
    ----------
    r, b : int
        Bits per band and bands.

    Returns
    -------
    float

    Raises
    ------
    ValueError, TypeError
        If r or b is not an int ≥ 1.

    Examples
    --------
    >>> print(f"{s_curve_threshold(8, 8):.4f}")
    0.7711
    """
    r, b = _check_band_shape(r, b, "s_curve_threshold")
    return (1.0 / b) ** (1.0 / r)


def s_curve_inflection(r, b) -> float:
    """The inflection point of the S-curve, p* = ((r − 1)/(rb − 1))^{1/r} (equation ``lsh-inflection``).

    Where the S-curve is steepest. For r = 1 the curve 1 − (1 − p)^b is
    concave, steepest at p = 0, and 0.0 is returned.

    Parameters
    ----------
    r, b : int
        Bits per band and bands.

    Returns
    -------
    float

    Raises
    ------
    ValueError, TypeError
        If r or b is not an int ≥ 1.

    Examples
    --------
    >>> print(f"{s_curve_inflection(8, 8):.4f}")
    0.7598
    >>> s_curve_inflection(1, 8)
    0.0
    """
    r, b = _check_band_shape(r, b, "s_curve_inflection")
    if r == 1:
        return 0.0
    return ((r - 1) / (r * b - 1)) ** (1.0 / r)


def _check_hashes(query_hashes, database_hashes, r, b, func):
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
    return Hq, Hd


def lsh_candidates(query_hashes, database_hashes, r, b):
    """Which database rows share at least one band of r bits with each query.

    Band i (i = 0, ..., b − 1) is the run of bits i·r, ..., i·r + r − 1; a
    database row is a candidate of a query when all r bits of some band
    agree: AND within a band, OR over bands, the event whose probability is
    ``lsh-s-curve`` (:func:`s_curve`).

    Parameters
    ----------
    query_hashes : array-like of bool, shape (q, n_bits) or (n_bits,)
    database_hashes : array-like of bool, shape (N, n_bits)
        Hashes from :meth:`RandomHyperplaneLSH.hash`, n_bits ≥ r·b.
    r, b : int
        Bits per band and bands.

    Returns
    -------
    numpy.ndarray of bool, shape (q, N) or (N,)

    Raises
    ------
    TypeError
        If the hashes are not bool arrays, or r or b is not an int.
    ValueError
        If the shapes do not match, or the hashes have fewer than r·b bits.

    Examples
    --------
    >>> Hd = np.array([[True, True, False, False], [False, True, True, True]])
    >>> print(lsh_candidates(np.array([True, True, True, True]), Hd, r=2, b=2))
    [ True  True]
    >>> print(lsh_candidates(np.array([True, False, False, False]), Hd, r=2, b=2))
    [ True False]
    """
    func = "lsh_candidates"
    r, b = _check_band_shape(r, b, func)
    Hq, Hd = _check_hashes(query_hashes, database_hashes, r, b, func)
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

    The candidates with b bands are those of :func:`lsh_candidates` (bands
    are nested: b + 1 bands add one band to the first b). If the candidates
    are re-ranked exactly, the true neighbours found are those among the
    candidates, so the recall (``pq-recall``) is |truth ∩ candidates| /
    n_neighbours; the chance of becoming a candidate is ``lsh-s-curve``.

    Parameters
    ----------
    query_hashes : array-like of bool, shape (q, n_bits)
    database_hashes : array-like of bool, shape (N, n_bits)
        n_bits ≥ r·b_max.
    truth : array-like of int, shape (q, n_neighbours)
        The true nearest neighbours of each query (indices into the database).
    r, b_max : int

    Returns
    -------
    dict of numpy.ndarray, each of shape (b_max,)
        "b" (1, ..., b_max), "candidates" (the mean number of candidates per
        query) and "recall".

    Raises
    ------
    TypeError
        If the hashes are not bool arrays, or r or b_max is not an int.
    ValueError
        If the shapes do not match, or truth holds an index outside the
        database.

    Examples
    --------
    >>> Hd = np.array([[True, True, False, False], [False, True, True, True]])
    >>> curve = lsh_recall_curve([[True, False, True, True]], Hd, [[1]], r=2, b_max=2)
    >>> print(curve["candidates"], curve["recall"])
    [0. 1.] [0. 1.]
    """
    func = "lsh_recall_curve"
    r = check_positive_int(r, "r", func)
    b_max = check_positive_int(b_max, "b_max", func)
    Hq, Hd = _check_hashes(query_hashes, database_hashes, r, b_max, func)
    Hq = np.atleast_2d(Hq)
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
