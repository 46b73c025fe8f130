"""Benchmark: ragmath.lexical.BM25 against a naive Python loop, rank_bm25 and bm25s.

A seeded synthetic corpus: 100,000 documents of 100 tokens each, drawn from a
Zipf law (p_r ∝ 1/r) over a vocabulary of 50,000 terms, and 200 queries of 2
to 5 terms drawn from the same law (so most queries contain frequent terms
with long posting lists: the hard case for a sparse scorer). Every library
indexes the same token lists with k1 = 1.5, b = 0.75.

Prints a table of fit (index) times and per-query times (median and 95th
percentile, top-10 search), checks that the libraries' scores agree where
their formulas agree (and says where and why they differ), and exits
non-zero if ragmath's median query time exceeds 1.2x that of bm25s (the
budget). The naive loop and rank_bm25 score every document in Python, so
only the first 20 queries are timed for them (said in the table).

The comparison libraries are pinned in requirements-bench.txt:

    .venv/bin/pip install -r requirements-bench.txt
    .venv/bin/python benchmarks/bench_bm25.py [--docs 100000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import math
import platform
import sys
import time
from collections import Counter

import numpy as np

from ragmath.lexical import BM25

BUDGET = 1.2
K1, B, TOP = 1.5, 0.75, 10


def zipf_corpus(n_docs: int, doc_len: int, vocab: int, n_queries: int, seed: int = 0):
    """Documents and queries as lists of str tokens "w<rank>", ranks drawn from p_r ∝ 1/r."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, vocab + 1)
    p /= p.sum()
    names = [f"w{r}" for r in range(vocab)]
    ranks = rng.choice(vocab, size=(n_docs, doc_len), p=p)
    docs = [list(map(names.__getitem__, row)) for row in ranks.tolist()]
    queries = [
        [names[r] for r in rng.choice(vocab, size=int(rng.integers(2, 6)), p=p)]
        for _ in range(n_queries)
    ]
    return docs, queries


# ---------------------------------------------------------------- the naive loop
class NaiveBM25:
    """BM25 from the formula: one Counter per document, a Python loop per query."""

    def __init__(self, corpus, k1=K1, b=B):
        self.k1, self.b = k1, b
        self.tf = [Counter(doc) for doc in corpus]
        self.lengths = [len(doc) for doc in corpus]
        self.avgdl = sum(self.lengths) / len(corpus)
        df = Counter()
        for counts in self.tf:
            df.update(counts.keys())
        n = len(corpus)
        self.idf = {t: math.log(1 + (n - m + 0.5) / (m + 0.5)) for t, m in df.items()}

    def scores(self, query):
        k1, b, avgdl = self.k1, self.b, self.avgdl
        out = []
        for tf, length in zip(self.tf, self.lengths):
            s = 0.0
            for term in query:
                f = tf.get(term, 0)
                if f:
                    s += self.idf[term] * f * (k1 + 1) / (f + k1 * (1 - b + b * length / avgdl))
            out.append(s)
        return np.array(out)

    def search(self, query, k):
        s = self.scores(query)
        idx = np.argsort(-s, kind="stable")[:k]
        return idx, s[idx]


# ------------------------------------------------------------------------ timing
def time_queries(search, queries, repeats: int) -> np.ndarray:
    times = []
    for _ in range(repeats):
        for q in queries:
            start = time.perf_counter()
            search(q)
            times.append(time.perf_counter() - start)
    return np.array(times)


def timed(f):
    start = time.perf_counter()
    out = f()
    return out, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--doc-len", type=int, default=100)
    parser.add_argument("--vocab", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--slow-queries", type=int, default=20,
                        help="queries timed for the naive loop and rank_bm25")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    try:
        import bm25s
        import bm25s.selection
        import rank_bm25
    except ImportError as exc:
        print(f"missing a comparison library ({exc.name}): "
              f".venv/bin/pip install -r requirements-bench.txt", file=sys.stderr)
        return 2

    (docs, queries), t_gen = timed(
        lambda: zipf_corpus(args.docs, args.doc_len, args.vocab, args.queries)
    )
    slow = queries[: args.slow_queries]
    print(f"corpus: {len(docs):,} documents x {args.doc_len} tokens, Zipf(1) over "
          f"{args.vocab:,} terms; {len(queries)} queries of 2-5 terms (generated in {t_gen:.1f} s)")
    print(f"k1 = {K1}, b = {B}, top-{TOP}; {args.repeats} passes over the queries; "
          f"{platform.processor() or platform.machine()}, numpy {np.__version__}, "
          f"bm25s {bm25s.__version__}")

    rows = []  # (name, fit seconds, per-query times, note)

    model, t_fit = timed(lambda: BM25(k1=K1, b=B).fit(docs))
    model.search(queries[0], TOP)  # warm-up
    t_rm = time_queries(lambda q: model.search(q, TOP), queries, args.repeats)
    t_rm_scores = time_queries(model.scores, queries, args.repeats)
    rows.append(("ragmath BM25.search", t_fit, t_rm, "all queries"))
    rows.append(("ragmath BM25.scores (no top-k)", None, t_rm_scores, "all queries"))

    retriever = bm25s.BM25(k1=K1, b=B, method="lucene")
    _, t_fit_s = timed(lambda: retriever.index(docs, show_progress=False))

    def bm25s_core(q):
        return bm25s.selection.topk(retriever.get_scores(q), TOP, backend="numpy", sorted=True)

    def bm25s_retrieve(q):
        return retriever.retrieve([q], k=TOP, show_progress=False)

    bm25s_core(queries[0])
    bm25s_retrieve(queries[0])
    t_s = time_queries(bm25s_core, queries, args.repeats)
    t_s_retrieve = time_queries(bm25s_retrieve, queries, args.repeats)
    t_s_scores = time_queries(retriever.get_scores, queries, args.repeats)
    rows.append(("bm25s get_scores + topk", t_fit_s, t_s, "all queries"))
    rows.append(("bm25s retrieve (public API)", None, t_s_retrieve, "all queries"))
    rows.append(("bm25s get_scores (no top-k)", None, t_s_scores, "all queries"))

    okapi, t_fit_r = timed(lambda: rank_bm25.BM25Okapi(docs, k1=K1, b=B))

    def okapi_search(q):
        s = okapi.get_scores(q)
        return np.argsort(s)[::-1][:TOP]

    t_r = time_queries(okapi_search, slow, 1)
    rows.append(("rank_bm25 BM25Okapi", t_fit_r, t_r, f"first {len(slow)} queries, once"))

    naive, t_fit_n = timed(lambda: NaiveBM25(docs))
    t_n = time_queries(lambda q: naive.search(q, TOP), slow, 1)
    rows.append(("naive Python loop", t_fit_n, t_n, f"first {len(slow)} queries, once"))

    print()
    print(f"{'method':32s} {'fit s':>7s} {'median ms':>10s} {'p95 ms':>8s}  timed on")
    for name, fit, ts, note in rows:
        fit_text = f"{fit:7.2f}" if fit is not None else f"{'':7s}"
        print(f"{name:32s} {fit_text} {np.median(ts) * 1e3:10.3f} "
              f"{np.percentile(ts, 95) * 1e3:8.3f}  {note}")

    # ------------------------------------------------------------ agreement
    print()
    status = 0
    # 1. the naive loop computes exactly our formula (Lucene IDF, full weight)
    worst = 0.0
    for q in slow:
        ours, ref = model.scores(q), naive.scores(q)
        worst = max(worst, float(np.max(np.abs(ours - ref)) / max(1.0, np.max(np.abs(ref)))))
        same_top = np.array_equal(model.search(q, TOP)[0], naive.search(q, TOP)[0])
        if not same_top:
            print(f"note: top-{TOP} differs from the naive loop for {q} (a near-tie?)")
    ok = worst < 1e-12
    status |= not ok
    print(f"{'agree' if ok else 'DISAGREE'}: ragmath vs naive loop, {len(slow)} queries, "
          f"max |difference| / max score = {worst:.1e}")

    # 2. bm25s "lucene" = Lucene's BM25: same IDF, but the weight lacks the factor
    #    (k1 + 1), and it is computed in float32. Ours / (k1 + 1) must match.
    worst, same_top, tie_only = 0.0, 0, 0
    for q in queries:
        ours_all = model.scores(q) / (K1 + 1)
        theirs = retriever.get_scores(q).astype(np.float64)
        scale = np.max(np.abs(ours_all))
        worst = max(worst, float(np.max(np.abs(ours_all - theirs)) / scale))
        ours_idx, ours_top = model.search(q, TOP)
        their_scores, their_idx = bm25s_core(q)
        if set(ours_idx.tolist()) == set(their_idx.tolist()):
            same_top += 1
        elif np.all(ours_all[their_idx] >= ours_top[-1] / (K1 + 1) - 1e-5 * scale):
            tie_only += 1  # their extra documents tie with our k-th (within float32)
    ok = worst < 1e-5 and same_top + tie_only == len(queries)  # float32: ~1e-7 relative
    status |= not ok
    print(f"{'agree' if ok else 'DISAGREE'}: ragmath / (k1 + 1) vs bm25s (method='lucene', float32), "
          f"{len(queries)} queries, max difference / max score {worst:.1e}; same top-{TOP} set "
          f"for {same_top}, the same up to ties at the k-th score for {tie_only} (all documents "
          f"have {args.doc_len} tokens, so equal counts give equal scores; bm25s breaks ties "
          f"arbitrarily, ragmath by the lower index)")

    # 3. rank_bm25's BM25Okapi: the Robertson-Spärck Jones IDF, except that a
    #    negative IDF (a term in more than half the documents) is replaced by
    #    0.25 x the mean IDF of the vocabulary. Equal to idf="robertson" on the
    #    queries without such a term.
    rsj = BM25(k1=K1, b=B, idf="robertson").fit(docs)
    clean = [q for q in slow if all(rsj.idf_[t] >= 0 for t in q)]
    worst = 0.0
    for q in clean:
        ours, theirs = rsj.scores(q), okapi.get_scores(q)
        worst = max(worst, float(np.max(np.abs(ours - theirs)) / max(1.0, np.max(np.abs(theirs)))))
    ok = worst < 1e-12
    status |= not ok
    print(f"{'agree' if ok else 'DISAGREE'}: ragmath idf='robertson' vs rank_bm25 BM25Okapi on the "
          f"{len(clean)} of {len(slow)} queries whose terms are in at most half the documents, "
          f"max relative difference {worst:.1e}; the other {len(slow) - len(clean)} contain a term "
          f"whose negative RSJ IDF rank_bm25 replaces by 0.25 x mean IDF = {okapi.epsilon * okapi.average_idf:.3f}")

    # ---------------------------------------------------------------- budget
    ratio = float(np.median(t_rm) / np.median(t_s))
    within = ratio <= BUDGET
    status |= not within
    print()
    print(f"{'within budget' if within else 'OVER BUDGET'}: ragmath's median query time is "
          f"{ratio:.2f}x that of bm25s get_scores + topk (budget {BUDGET}x); "
          f"p95: {np.percentile(t_rm, 95) / np.percentile(t_s, 95):.2f}x")
    return int(status)


if __name__ == "__main__":
    sys.exit(main())
