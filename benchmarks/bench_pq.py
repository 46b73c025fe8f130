"""Benchmark: ragmath.quantization.ProductQuantizer against faiss IndexPQ.

Both quantize the same seeded data: 100,000 database vectors of dimension 128
(float32) from a clustered Gaussian mixture (ragmath.quantization.gaussian_mixture),
and 100 queries from the same mixture; m = 16 sub-spaces, k = 256 centroids
each (8-bit codes), 25 k-means iterations, the same 65,536 training rows (faiss
would sub-sample to 256·k = 65,536 rows itself). Prints train, encode and
search times (search: median over interleaved repetitions, 100 queries at a
time, top 10) and recall@10 against exact search (ragmath.top_k), and exits
non-zero if ragmath's search takes more than 2x faiss's, or if the two
recalls differ by more than 0.02.

    pip install -r requirements-bench.txt      # faiss-cpu
    .venv/bin/python benchmarks/bench_pq.py [--repeats 15]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

import ragmath as rm
from ragmath.quantization import ProductQuantizer, gaussian_mixture, recall_at_k

if __package__ in (None, ""):
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from common import OPENMP_SETTLE_S, check, interleaved, print_section, row
else:
    from .common import OPENMP_SETTLE_S, check, interleaved, print_section, row

TIME_BUDGET = 2.0
RECALL_TOLERANCE = 0.02


def run(repeats: int = 15, n: int = 100_000, d: int = 128, n_queries: int = 100, m: int = 16,
        n_train: int = 65_536, k: int = 10) -> dict:
    """The PQ section: train, encode and search times and recall@k, ragmath vs faiss IndexPQ."""
    import faiss

    points, _ = gaussian_mixture(n + n_queries, d, seed=0)
    database, queries = points[:n], points[n:]
    train = database[:n_train]
    truth, _ = rm.top_k(queries, database, k, metric="euclidean")

    start = time.perf_counter()
    pq = ProductQuantizer(m, 256, n_iter=25, seed=0).fit(train)
    rm_train = time.perf_counter() - start
    start = time.perf_counter()
    codes = pq.encode(database)
    rm_encode = time.perf_counter() - start

    index = faiss.IndexPQ(d, m, 8)
    index.pq.cp.niter = 25
    index.pq.cp.seed = 0
    start = time.perf_counter()
    index.train(train)
    fa_train = time.perf_counter() - start
    start = time.perf_counter()
    index.add(database)
    fa_encode = time.perf_counter() - start

    searches = {
        "ragmath": lambda: pq.search(queries, codes, k),
        "faiss": lambda: index.search(queries, k)[::-1],  # (distances, indices) -> (indices, distances)
    }
    results = {name: search() for name, search in searches.items()}  # also the warm-up
    times = interleaved(searches, repeats, warm_up=False, settle={"faiss": OPENMP_SETTLE_S})
    recall = {name: recall_at_k(np.asarray(res[0], dtype=np.int64), truth) for name, res in results.items()}
    same = float(np.mean(np.asarray(results["ragmath"][0]) == np.asarray(results["faiss"][0])))
    rows = [
        row("ragmath ProductQuantizer.fit", "train", rm_train, reference_times=fa_train,
            reference="faiss IndexPQ.train", ragmath=True),
        row("faiss IndexPQ.train", "train", fa_train, reference_times=fa_train,
            reference="faiss IndexPQ.train"),
        row("ragmath ProductQuantizer.encode", "encode", rm_encode, reference_times=fa_encode,
            reference="faiss IndexPQ.add", ragmath=True),
        row("faiss IndexPQ.add", "encode", fa_encode, reference_times=fa_encode,
            reference="faiss IndexPQ.add"),
        row("ragmath ProductQuantizer.search", "search", times["ragmath"], reference_times=times["faiss"],
            reference="faiss IndexPQ.search", ragmath=True, note=f"recall@{k} {recall['ragmath']:.3f}"),
        row("faiss IndexPQ.search", "search", times["faiss"], reference_times=times["faiss"],
            reference="faiss IndexPQ.search", note=f"recall@{k} {recall['faiss']:.3f}"),
    ]
    checks = [
        check("PQ search vs faiss IndexPQ", float(np.median(times["ragmath"]) / np.median(times["faiss"])),
              TIME_BUDGET, case="ragmath ProductQuantizer.search"),
        check(f"|recall@{k} of ragmath - recall@{k} of faiss|", abs(recall["ragmath"] - recall["faiss"]),
              RECALL_TOLERANCE, unit=""),
    ]
    return {
        "name": "Product quantization",
        "key": "pq",
        "setup": f"{n:,} x {d} float32 (clustered Gaussian mixture), m = {m}, k = 256, "
                 f"{n_train:,} training rows, 25 k-means iterations; {n_queries} queries, top {k}; "
                 f"search: median of {repeats} interleaved repetitions",
        "rows": rows,
        "checks": checks,
        "recall": recall,
        "notes": [f"faiss {faiss.__version__} with {faiss.omp_get_max_threads()} threads",
                  f"identical result lists (position by position): {same:.1%} "
                  f"(the two k-means runs differ, so the codebooks differ)"],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--d", type=int, default=128)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--m", type=int, default=16)
    parser.add_argument("--train", type=int, default=65_536)
    parser.add_argument("--k", type=int, default=10, help="results per query")
    args = parser.parse_args()
    try:
        import faiss  # noqa: F401
    except ImportError:
        print("faiss-cpu not installed: .venv/bin/pip install -r requirements-bench.txt", file=sys.stderr)
        return 2
    return print_section(run(args.repeats, args.n, args.d, args.queries, args.m, args.train, args.k))


if __name__ == "__main__":
    sys.exit(main())
