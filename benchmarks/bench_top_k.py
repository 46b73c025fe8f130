"""Benchmark: ragmath.top_k against the bare matrix product it is built on.

100 queries over a corpus of 100,000 x 256 float32 vectors (seeded Gaussian),
k = 10. Prints a table of median times over interleaved repetitions and the
ratio to the bare product Q @ C.T (and faiss IndexFlatIP's time, when faiss
is installed), and exits non-zero if the default metric (dot) or cosine misses
the budget of 1.3x. Cosine needs more than dot: the corpus norms, and the
scaling of the scores by them.

    .venv/bin/python benchmarks/bench_top_k.py [--repeats 25]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

import ragmath as rm

if __package__ in (None, ""):
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from common import OPENMP_SETTLE_S, check, interleaved, print_section, row
else:
    from .common import OPENMP_SETTLE_S, check, interleaved, print_section, row

BUDGET = 1.3


def run(repeats: int = 25, n: int = 100_000, d: int = 256, n_queries: int = 100, k: int = 10) -> dict:
    """The top-k section: ragmath.top_k, the bare product, a full sort and faiss IndexFlatIP."""
    rng = np.random.default_rng(0)
    corpus = rng.standard_normal((n, d), dtype=np.float32)
    queries = rng.standard_normal((n_queries, d), dtype=np.float32)
    bare = "bare product Q @ C.T"
    cases = {
        bare: lambda: queries @ corpus.T,
        "ragmath top_k cosine": lambda: rm.top_k(queries, corpus, k, metric="cosine"),
        "ragmath top_k dot": lambda: rm.top_k(queries, corpus, k, metric="dot"),
        "ragmath top_k euclidean": lambda: rm.top_k(queries, corpus, k, metric="euclidean"),
        "argsort (full sort) of Q @ C.T": lambda: np.argsort(-(queries @ corpus.T), axis=1)[:, :k],
    }
    notes = []
    try:
        import faiss

        index = faiss.IndexFlatIP(d)
        index.add(corpus)
        cases["faiss IndexFlatIP (dot)"] = lambda: index.search(queries, k)
        notes.append(f"faiss {faiss.__version__} with {faiss.omp_get_max_threads()} threads")
    except ImportError:
        notes.append("faiss not installed: its row is missing (pip install -r requirements-bench.txt)")
    times = interleaved(cases, repeats, settle={"faiss IndexFlatIP (dot)": OPENMP_SETTLE_S})
    rows = [
        row(name, "search", ts, reference_times=times[bare], reference=bare,
            ragmath=name.startswith("ragmath"))
        for name, ts in times.items()
    ]
    if "faiss IndexFlatIP (dot)" in times:
        same, _ = rm.top_k(queries, corpus, k, metric="dot"), None
        theirs = index.search(queries, k)[1]
        agree = float(np.mean(np.sort(same[0], axis=1) == np.sort(theirs, axis=1)))
        notes.append(f"ragmath top_k dot and faiss IndexFlatIP return the same top-{k} sets for "
                     f"{agree:.1%} of the positions (float32 sums in another order can swap near-ties)")
    checks = [
        check(f"{name} vs the bare matrix product", float(np.median(times[name]) / np.median(times[bare])),
              BUDGET, case=name)
        for name in ("ragmath top_k dot", "ragmath top_k cosine")
    ]
    return {
        "name": "Exact top-k search",
        "key": "top_k",
        "setup": f"{n_queries} queries over {n:,} x {d} float32 (seeded Gaussian), k = {k}; "
                 f"median of {repeats} interleaved repetitions",
        "rows": rows,
        "checks": checks,
        "notes": notes,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=25)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--d", type=int, default=256)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    return print_section(run(args.repeats, args.n, args.d, args.queries, args.k))


if __name__ == "__main__":
    sys.exit(main())
