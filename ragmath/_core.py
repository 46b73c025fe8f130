"""The lower layer of :mod:`ragmath`: the computations that several chapters share.

Each of these is written once, here, and every chapter module calls it:

- the tokenizer's pattern (:func:`word_tokens`, equation ``lex-tokenize``);
- the shifted log-sum-exp and the softmax and log-softmax built on it
  (:func:`log_sum_exp`, :func:`log_softmax`, :func:`softmax`; equations
  ``info-lse-shift`` and ``att-softmax-stable``);
- the Euclidean norm of every row without overflow, and unit rows
  (:func:`row_norms`, :func:`unit_rows`; equation ``sim-norm``);
- the top-k selection with one tie rule, the lower index first
  (:func:`select_top`; equation ``sim-top-k``);
- the one thread pool of the package (:func:`in_parallel`, :func:`thread_pool`).

Nothing here validates its arguments: the public functions of the chapter
modules do that (with :mod:`ragmath._validation`) before they call in.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = [
    "TOKEN_PATTERN",
    "WORKERS",
    "NonFinite",
    "candidates",
    "in_parallel",
    "log_softmax",
    "log_sum_exp",
    "power_of_two_below",
    "row_norms",
    "select_top",
    "shifted_log_sum",
    "softmax",
    "squared_norms",
    "thread_pool",
    "unit_rows",
    "word_tokens",
]

# ------------------------------------------------------------------ tokenizer
#: A letter or digit (a word character that is not the underscore), repeated.
TOKEN_PATTERN = re.compile(r"[^\W_]+")


def word_tokens(text: str) -> list[str]:
    """The maximal runs of letters and digits of ``text``, lowercased (``lex-tokenize``)."""
    return TOKEN_PATTERN.findall(text.lower())


# --------------------------------------------------------------- thread pool
#: How many threads the package's parallel passes use (at most 4).
WORKERS = max(1, min(4, os.cpu_count() or 1))
_POOL: ThreadPoolExecutor | None = None


def thread_pool() -> ThreadPoolExecutor:
    """The package's one thread pool, created on first use (``WORKERS`` threads).

    NumPy releases the GIL inside its loops and BLAS calls, so chunks of an
    array submitted here run on several cores.
    """
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(WORKERS, thread_name_prefix="ragmath")
    return _POOL


def in_parallel(func, X: np.ndarray, *args) -> np.ndarray:
    """``func`` applied to chunks of rows of ``X`` on the pool, results stacked.

    Chunks of about 1 MiB stay in cache between two passes over them. Small
    inputs (under 2 MiB of elements, or fewer rows than threads) are done inline.
    """
    if WORKERS == 1 or X.size < 2**21 or X.shape[0] < WORKERS:
        return func(X, *args)
    rows = max(1, 2**20 // max(1, X.shape[1] * X.itemsize))
    starts = range(0, X.shape[0], rows)
    return np.concatenate(list(thread_pool().map(lambda a: func(X[a : a + rows], *args), starts)))


# ------------------------------------------------------ log-sum-exp, softmax
def shifted_log_sum(z: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """(m, log Σ_j e^{z_j − m}) along ``axis``, m = max z, both keepdims (``info-lse-shift``).

    The shifted sum is 1 + r, where r sums the terms other than one maximal
    entry (that one is e⁰ = 1 exactly); ``log1p(r)`` keeps its digits when r
    is tiny, as for a confident prediction, where log(1 + r) would round r away.
    A slice that is all −∞ gives m = −∞ and a log-sum of 0.
    """
    arg = np.expand_dims(np.argmax(z, axis=axis), axis)
    m = np.take_along_axis(z, arg, axis=axis)
    shift = np.where(np.isfinite(m), m, 0)
    # z − m overflowing to −inf and e^(z − m) underflowing to 0 are harmless:
    # such a term is below u next to the maximal term e⁰ = 1
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        terms = np.exp(z - shift)
    np.put_along_axis(terms, arg, 0.0, axis=axis)
    return m, np.log1p(np.sum(terms, axis=axis, keepdims=True))


def log_sum_exp(z: np.ndarray, axis: int = -1, *, keepdims: bool = False) -> np.ndarray:
    """log Σ exp(z) along ``axis``: m + log1p(Σ' e^{z − m}) (``info-lse-shift``)."""
    m, log_sum = shifted_log_sum(z, axis)
    out = m + log_sum
    return out if keepdims else np.squeeze(out, axis=axis)


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """z − log Σ exp(z) along ``axis`` (``info-log-softmax``), from the shifted sum."""
    m, log_sum = shifted_log_sum(z, axis)
    with np.errstate(over="ignore", invalid="ignore"):  # z − m < −1.8e308 rounds to −inf
        return (z - m) - log_sum


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """softmax(z − max z) along ``axis`` (``att-softmax-stable``).

    The largest exponent is e⁰ = 1, so the sum lies in [1, n]: no overflow, no
    division by zero. Entries of −∞ get weight exactly 0.
    """
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        e = z - z.max(axis=axis, keepdims=True)
        np.exp(e, out=e)  # in place: the same numbers, one array instead of three
    e /= e.sum(axis=axis, keepdims=True)
    return e


# ----------------------------------------------------------------- row norms
def power_of_two_below(x: np.ndarray) -> np.ndarray:
    """The power of two p with p ≤ x < 2p (1 where x is 0).

    Dividing by it is exact (ties stay ties) and brings x into [1, 2).
    """
    _, exponent = np.frexp(x)
    return np.where(x > 0, np.ldexp(np.ones_like(x), exponent - 1), 1).astype(x.dtype)


def squared_norms(X2: np.ndarray) -> np.ndarray:
    """Σ_i x_i² of every row of a 2-D array, one pass (inf or 0 on over- or underflow)."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        return np.einsum("ij,ij->i", X2, X2)


def row_norms(X2: np.ndarray) -> np.ndarray:
    """‖x‖ of every row of a 2-D float array (``sim-norm``), without overflow.

    One fast pass √(Σ x_i²); rows whose squares overflow or underflow are
    recomputed as s·‖x/s‖ with s a power of two near max |x_i|. A row holding
    nan or inf gets a non-finite norm.
    """
    sq = squared_norms(X2)  # memory-bound: threads do not help here
    norms = np.sqrt(sq)
    tiny = np.finfo(X2.dtype).tiny
    redo = ~np.isfinite(norms) | (sq < tiny * 1e6)
    if redo.any():
        redo &= np.isfinite(X2).all(axis=1)  # over- or underflow, not nan/inf
    if redo.any():
        rows = X2[redo]
        scale = power_of_two_below(np.abs(rows).max(axis=1))
        scaled = rows / scale[:, None]
        norms[redo] = scale * np.sqrt(np.einsum("ij,ij->i", scaled, scaled))
    return norms


def unit_rows(X2: np.ndarray, name: str, func: str, *, one_vector: bool = False) -> np.ndarray:
    """Every row of X2 divided by its norm; a zero row raises ValueError naming ``name``."""
    norms = row_norms(X2)
    zero = norms == 0
    if zero.any():
        row = int(np.flatnonzero(zero)[0])
        raise ValueError(
            f"{func}: {name} is the zero vector; cosine is undefined"
            if one_vector
            else f"{func}: {name} has a zero-norm row (row {row}); cosine is undefined"
        )
    return X2 / norms[:, None]


# --------------------------------------------------------------------- top-k
class NonFinite(Exception):
    """A score is nan or inf: the caller finds out why and raises a ValueError."""


def _block_max(S: np.ndarray, n_blocks: int, block: int, scale) -> np.ndarray:
    width = n_blocks * block
    S = S[:, :width]
    if scale is not None:
        # Scaled into a temporary the size of this chunk of rows, which stays in
        # cache: S itself is not written back to memory (the candidates' values
        # are scaled again, the same products giving the same numbers).
        S = S * scale[:width]
    return S.reshape(S.shape[0], n_blocks, block).max(axis=2)


def _lowest_ties(cols: np.ndarray, values: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Of many candidates (``cols`` ascending), every value above the k-th and the lowest-indexed ties."""
    kth = np.partition(values, values.size - k)[values.size - k]
    above = values > kth
    ties = np.flatnonzero(values == kth)[: k - int(above.sum())]
    keep = np.sort(np.concatenate([np.flatnonzero(above), ties]))
    return cols[keep], values[keep]


def candidates(S: np.ndarray, k: int, margin=None, scale=None):
    """For every row of S, the columns that can hold its k largest entries.

    The row is cut into blocks and the maximum of every block is taken (one
    fast reduction). The k-th largest block maximum t is a lower bound on the
    row's k-th largest value, because those k maxima are k distinct entries of
    the row. So only entries ≥ t can be in the top k, and they all lie in the
    blocks whose maximum is ≥ t: typically about k blocks out of hundreds.
    Short rows take their candidates from a partial sort (``np.partition``,
    O(N)) instead. When many entries tie at the threshold (a sparse row of
    zeros), only the entries above the k-th value and the lowest-indexed of
    its ties are kept.

    With ``margin`` (one number per row), every entry ≥ t − margin is kept,
    for scores known only to within ± margin / 2 (then nothing is trimmed).
    With ``scale`` (one number per column), the entries of S times it are
    selected: S is left unscaled for long rows (the scaling is folded into the
    block maxima and the candidates' values), scaled in place for short ones.
    A nan or inf anywhere in S raises :class:`NonFinite`.
    Yields (row, columns ascending, values).
    """
    nq, n = S.shape
    block = 1024 if n >= 64 * 1024 else 256
    n_blocks = n // block
    trim = margin is None
    if n_blocks < 4 * k:  # short rows: candidates from a partial sort of the whole row
        if scale is not None:
            S *= scale
        if not np.isfinite(S).all():
            raise NonFinite
        if trim and k == n:
            for r in range(nq):
                yield r, np.arange(n), S[r]
            return
        kth = np.partition(S, n - k, axis=1)[:, n - k]
        if margin is not None:
            kth = kth - margin
        for r in range(nq):
            cols = np.flatnonzero(S[r] >= kth[r])
            values = S[r, cols]
            if trim and cols.size > k:
                cols, values = _lowest_ties(cols, values, k)
            yield r, cols, values
        return
    block_max = in_parallel(_block_max, S, n_blocks, block, scale)
    tail = np.arange(n_blocks * block, n)
    if tail.size:
        tail_scores = S[:, tail] if scale is None else S[:, tail] * scale[tail]
        block_max = np.concatenate([block_max, tail_scores.max(axis=1, keepdims=True)], axis=1)
    if not np.isfinite(block_max).all():
        raise NonFinite
    threshold = np.partition(block_max, block_max.shape[1] - k, axis=1)[:, block_max.shape[1] - k]
    if margin is not None:
        threshold = threshold - margin
    hot = block_max[:, :n_blocks] >= threshold[:, None]
    offsets = np.arange(block)
    for r in range(nq):
        cols = (np.flatnonzero(hot[r])[:, None] * block + offsets).ravel()
        if tail.size:
            cols = np.concatenate([cols, tail])
        v = S[r, cols] if scale is None else S[r, cols] * scale[cols]
        keep = v >= threshold[r]
        cols, v = cols[keep], v[keep]
        if trim and cols.size > 16 * block:
            cols, v = _lowest_ties(cols, v, k)
        yield r, cols, v


def select_top(S: np.ndarray, k: int, scale=None) -> tuple[np.ndarray, np.ndarray]:
    """The k largest entries of every row of S (times ``scale``), largest first (``sim-top-k``).

    Ties are broken by the lower index, the one rule of the whole package.
    S is (q, N) with 1 ≤ k ≤ N; returns (indices (q, k), values (q, k)).
    O(N) per row for the selection, O(k log k) for sorting the few candidates.
    """
    nq = S.shape[0]
    idx = np.empty((nq, k), dtype=np.intp)
    val = np.empty((nq, k), dtype=S.dtype)
    for r, cols, v in candidates(S, k, scale=scale):
        order = np.lexsort((cols, -v))[:k]
        idx[r], val[r] = cols[order], v[order]
    return idx, val
