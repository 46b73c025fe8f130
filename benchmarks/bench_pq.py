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
import os
import platform
import sys
import time

import numpy as np

import ragmath as rm
from ragmath.quantization import ProductQuantizer, gaussian_mixture, recall_at_k

TIME_BUDGET = 2.0
RECALL_TOLERANCE = 0.02


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
        import faiss
    except ImportError:
        print("faiss-cpu not installed: pip install -r requirements-bench.txt")
        return 0

    points, _ = gaussian_mixture(args.n + args.queries, args.d, seed=0)
    database, queries = points[: args.n], points[args.n :]
    train = database[: args.train]
    truth, _ = rm.top_k(queries, database, args.k, metric="euclidean")

    times: dict[str, dict[str, float | list[float]]] = {"ragmath": {}, "faiss": {}}
    results = {}

    start = time.perf_counter()
    pq = ProductQuantizer(args.m, 256, n_iter=25, seed=0).fit(train)
    times["ragmath"]["train"] = time.perf_counter() - start
    start = time.perf_counter()
    codes = pq.encode(database)
    times["ragmath"]["encode"] = time.perf_counter() - start

    index = faiss.IndexPQ(args.d, args.m, 8)
    index.pq.cp.niter = 25
    index.pq.cp.seed = 0
    start = time.perf_counter()
    index.train(train)
    times["faiss"]["train"] = time.perf_counter() - start
    start = time.perf_counter()
    index.add(database)
    times["faiss"]["encode"] = time.perf_counter() - start

    searches = {
        "ragmath": lambda: pq.search(queries, codes, args.k),
        "faiss": lambda: index.search(queries, args.k)[::-1],  # (distances, indices) -> (indices, distances)
    }
    for name, search in searches.items():  # warm up: thread pools, caches
        results[name] = search()
        times[name]["search"] = []
    for _ in range(args.repeats):  # interleaved, so drifts of a shared machine hit both
        for name, search in searches.items():
            start = time.perf_counter()
            search()
            times[name]["search"].append(time.perf_counter() - start)

    recall = {name: recall_at_k(np.asarray(res[0], dtype=np.int64), truth) for name, res in results.items()}
    search_ms = {name: float(np.median(times[name]["search"])) * 1e3 for name in times}
    print(
        f"PQ: {args.n:,} x {args.d} float32 (clustered Gaussian mixture), m={args.m}, k=256, "
        f"{args.train:,} training rows, {args.queries} queries, top {args.k}; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"numpy {np.__version__}, faiss {faiss.__version__} ({faiss.omp_get_max_threads()} threads)"
    )
    print(f"{'':8s} {'train s':>8s} {'encode s':>9s} {'search ms':>10s} {'p95 ms':>7s} {'recall@10':>10s}")
    for name in ("ragmath", "faiss"):
        t = times[name]
        p95 = float(np.percentile(t["search"], 95)) * 1e3
        print(f"{name:8s} {t['train']:8.2f} {t['encode']:9.2f} {search_ms[name]:10.1f} {p95:7.1f} "
              f"{recall[name]:10.3f}")

    same = float(np.mean(np.asarray(results["ragmath"][0]) == np.asarray(results["faiss"][0])))
    print(f"identical result lists (position by position): {same:.1%} "
          f"(the two k-means runs differ, so the codebooks differ)")
    ratio = search_ms["ragmath"] / search_ms["faiss"]
    gap = abs(recall["ragmath"] - recall["faiss"])
    status = 0
    verdict = "within budget" if ratio <= TIME_BUDGET else "OVER BUDGET"
    print(f"{verdict}: ragmath search is {ratio:.2f}x faiss IndexPQ (budget {TIME_BUDGET}x)")
    status |= ratio > TIME_BUDGET
    verdict = "within tolerance" if gap <= RECALL_TOLERANCE else "OUT OF TOLERANCE"
    print(f"{verdict}: recall@10 differs by {gap:.3f} (tolerance {RECALL_TOLERANCE})")
    status |= gap > RECALL_TOLERANCE
    return int(status)


if __name__ == "__main__":
    sys.exit(main())
