"""The array kernels that k-means and product quantization share (private to the package).

Nearest centroids by blocks of rows, squared distances to assigned centroids
from the differences, and a loop split over the package's thread pool
(:func:`ragmath._core.thread_pool`). Nothing here validates its arguments:
the public functions of :mod:`ragmath.quantization` do that first.
"""

from __future__ import annotations

import numpy as np

from .._core import WORKERS, thread_pool

__all__ = ["nearest", "rows_per_chunk", "run_in_parts", "squared_distances_to"]


def rows_per_chunk(width: int, budget: int = 2**20) -> int:
    """Rows of a (rows, width) float64 block of about ``budget`` entries (8 MiB)."""
    return max(1, budget // max(1, width))


def nearest(X64: np.ndarray, C64: np.ndarray) -> np.ndarray:
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

    run_in_parts(blocks, n, rows)
    return out


def run_in_parts(work, n: int, granule: int) -> None:
    """work(start, stop) over [0, n), in a few parts on the thread pool when n is large.

    Parts are whole multiples of ``granule`` rows, about 4 per thread, so
    that a busy core delays only a small part of the work.
    """
    parts = 4 * WORKERS
    if WORKERS == 1 or n < 8 * granule:
        work(0, n)
        return
    size = -(-n // parts)
    size = -(-size // granule) * granule
    bounds = [(s, min(n, s + size)) for s in range(0, n, size)]
    for future in [thread_pool().submit(work, s, e) for s, e in bounds]:
        future.result()


def squared_distances_to(X64: np.ndarray, C64: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """‖x_i − c_{labels[i]}‖² for every row, by subtracting first (no cancellation)."""
    out = np.empty(X64.shape[0])
    rows = rows_per_chunk(X64.shape[1])
    for s in range(0, X64.shape[0], rows):
        diff = X64[s : s + rows] - C64[labels[s : s + rows]]
        out[s : s + rows] = np.einsum("ij,ij->i", diff, diff)
    return out
