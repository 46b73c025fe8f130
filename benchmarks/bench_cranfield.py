"""Benchmark: retrieval quality on the Cranfield collection (1,400 abstracts, 225 queries, graded qrels).

Four runs over the same documents (title + abstract) and queries:

- BM25: ``ragmath.lexical.BM25`` (k1 = 1.5, b = 0.75) on ``ragmath.lexical.tokenize``
  tokens (lowercased letter/digit runs, no stemming, no stop list);
- MiniLM: ``ragmath.encoder.load_minilm()`` vectors (truncated at 256 tokens), cosine;
- RRF: ``ragmath.pipeline.reciprocal_rank_fusion`` of the two (k = 60);
- convex: ``ragmath.pipeline.convex_fusion`` (min-max), alpha chosen by two-fold
  cross-validation: on a seeded half of the queries alpha maximises NDCG@10 on
  that half and is applied to the other half, and the other way round, so that
  no query's ranking uses an alpha chosen on that query.

Metrics: NDCG@10 (``ragmath.metrics.score_matrix_metrics``, exponential gain),
MRR (the same function's reciprocal rank), and MAP, computed here
(:func:`average_precision`: ragmath.metrics has no average precision), each
with a percentile bootstrap 95 % interval of the mean over queries
(``ragmath.metrics.bootstrap_ci``), and a paired randomization test between
every pair of runs (``ragmath.metrics.paired_randomization_test``), with Holm's
correction over all the tests.

The collection is read at run time from ``$RAGMATH_CRANFIELD`` (default
/work/shared/data/cranfield: cran.all.1400, cran.qry, cranqrel, the files of
http://ir.dcs.gla.ac.uk/resources/test_collections/cran/); it is never copied
into the repository, and the section is skipped when it is missing. The
document vectors are cached under _build/bench-cache/, keyed by the SHA-256 of
the documents, the queries and the model's weights.

Two facts of the files, checked at every run:

- the ``.I`` numbers of cran.qry are not 1..225 (1, 2, 4, 8, 9, ..., 365);
  cranqrel numbers the queries 1..225 in file order: query i of the qrels is
  the i-th query of cran.qry;
- cranqrel's codes are Cleverdon's: 1 is a complete answer, 4 of minimum
  interest (5, no interest, is not listed); −1, found in some copies, is taken
  as not relevant. :func:`gain_of_grade` maps them to gains, higher meaning more
  relevant: 1 → 4, 2 → 3, 3 → 2, 4 → 1, and −1 or 5 → 0.

    .venv/bin/python benchmarks/bench_cranfield.py [--data DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from common import agreement, print_section, row, timed
else:
    from .common import agreement, print_section, row, timed

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path("/work/shared/data/cranfield")
CACHE = ROOT / "_build" / "bench-cache"
FILES = ("cran.all.1400", "cran.qry", "cranqrel")
SOURCE_URL = "http://ir.dcs.gla.ac.uk/resources/test_collections/cran/"
K = 10
RRF_K = 60
ALPHAS = tuple(round(0.1 * i, 1) for i in range(11))
SPLIT_SEED = 0
N_RESAMPLES = 10_000
RUNS = ("BM25", "MiniLM", "RRF", "convex (CV alpha)")
METRICS = ("NDCG@10", "MAP", "MRR")

#: Cleverdon's relevance codes (cranqrel.readme) -> gains, higher = more relevant.
GAINS = {1: 4, 2: 3, 3: 2, 4: 1, 5: 0, -1: 0}


# ------------------------------------------------------------------ the files
def parse_records(text: str, fields: str = "TABW") -> list[tuple[str, dict[str, str]]]:
    """The records of a SMART-format file (cran.all.1400, cran.qry), in file order.

    A record starts with a line ``.I <id>``; a line ``.X`` (X one of ``fields``)
    starts field X, whose text is the following lines up to the next marker,
    joined by single spaces. A field that occurs twice in a record (a defect of
    a few Cranfield records) is joined to the first occurrence with a space. A
    final ``.I`` with no id and nothing after it (found at the end of some
    copies) is ignored. Carriage returns are dropped.

    Parameters
    ----------
    text : str
        The file's content.
    fields : str
        The field letters allowed.

    Returns
    -------
    list of (str, dict)
        (id as written, {field letter: text}) per record.

    Raises
    ------
    ValueError
        For text before the first ``.I``, an unknown marker, a record without
        an id that holds something, or an id that occurs twice.

    Examples
    --------
    >>> parse_records(".I 1\\n.T\\na wing .\\n.W\\nthe wing\\nin a slipstream .\\n.I\\n")
    [('1', {'T': 'a wing .', 'W': 'the wing in a slipstream .'})]
    """
    records: list[tuple[str | None, dict[str, list[str]]]] = []
    field = None
    for number, raw in enumerate(text.replace("\r", "").split("\n"), start=1):
        line = raw.strip()
        if raw.startswith(".I"):
            parts = raw.split()
            if parts[0] != ".I" or len(parts) > 2:
                raise ValueError(f"parse_records: line {number}: bad record marker {raw!r}")
            records.append((parts[1] if len(parts) == 2 else None, {}))
            field = None
        elif len(line) == 2 and line[0] == "." and line[1].isalpha() and raw.startswith("."):
            if line[1] not in fields:
                raise ValueError(f"parse_records: line {number}: unknown field {line!r} (fields: {fields})")
            if not records:
                raise ValueError(f"parse_records: line {number}: field {line!r} before the first .I")
            field = line[1]
            records[-1][1].setdefault(field, [])
        elif line:
            if field is None:
                where = "before the first .I" if not records else "outside any field"
                raise ValueError(f"parse_records: line {number}: text {where}: {raw[:40]!r}")
            records[-1][1][field].append(line)
    out, seen = [], set()
    for i, (rid, body) in enumerate(records):
        if rid is None:
            if body or i != len(records) - 1:
                raise ValueError(f"parse_records: record {i + 1} has no id")
            continue
        if rid in seen:
            raise ValueError(f"parse_records: id {rid!r} occurs twice")
        seen.add(rid)
        out.append((rid, {f: " ".join(lines) for f, lines in body.items()}))
    return out


def repeated_fields(text: str) -> list[str]:
    """The ids of the records in which a field marker occurs more than once (see parse_records)."""
    out, rid, counts = [], None, {}
    for raw in text.replace("\r", "").split("\n"):
        if raw.startswith(".I"):
            if rid is not None and any(c > 1 for c in counts.values()):
                out.append(rid)
            rid, counts = (raw.split() + [""])[1], {}
        elif len(raw.strip()) == 2 and raw.startswith("."):
            counts[raw.strip()] = counts.get(raw.strip(), 0) + 1
    if rid and any(c > 1 for c in counts.values()):
        out.append(rid)
    return out


def gain_of_grade(grade: int) -> int:
    """The gain of a Cranfield relevance code: 1 → 4, 2 → 3, 3 → 2, 4 → 1, 5 or −1 → 0.

    Cleverdon's codes rank 1 (a complete answer) above 4 (minimum interest);
    gains must grow with relevance (NDCG's 2**g − 1), hence 5 − code, and 0
    for "no interest" (5) and for −1.

    Raises
    ------
    ValueError
        For any other code.

    Examples
    --------
    >>> [gain_of_grade(g) for g in (1, 2, 3, 4, -1)]
    [4, 3, 2, 1, 0]
    """
    if isinstance(grade, bool) or not isinstance(grade, (int, np.integer)) or int(grade) not in GAINS:
        raise ValueError(f"gain_of_grade: grade must be one of {sorted(GAINS)}, got {grade!r}")
    return GAINS[int(grade)]


def parse_qrels(text: str) -> dict[int, dict[int, int]]:
    """cranqrel's lines "query doc code" as {query: {doc: code}} (codes as written).

    Raises
    ------
    ValueError
        For a line that is not three integers, a code gain_of_grade does not
        know, or a (query, doc) pair listed twice.

    Examples
    --------
    >>> parse_qrels("1 184 2\\n1 29 2\\n2 12 -1\\n")
    {1: {184: 2, 29: 2}, 2: {12: -1}}
    """
    out: dict[int, dict[int, int]] = {}
    for number, line in enumerate(text.replace("\r", "").split("\n"), start=1):
        if not line.strip():
            continue
        parts = line.split()
        try:
            q, d, g = (int(p) for p in parts)
        except ValueError:
            raise ValueError(f"parse_qrels: line {number}: expected 'query doc code', got {line!r}") from None
        gain_of_grade(g)
        if d in out.setdefault(q, {}):
            raise ValueError(f"parse_qrels: line {number}: query {q}, document {d} listed twice")
        out[q][d] = g
    return out


def query_numbering(file_ids: list[str], qrels: dict) -> dict:
    """Check that the qrels number the queries 1..n in file order, not by their .I numbers.

    Returns
    -------
    dict
        ``ok`` (the qrels' query numbers are exactly 1..n, n the number of
        queries in the file), ``file_ids_are_positions`` (whether the .I numbers
        happen to be 1..n too, in which case the two readings agree), ``n``.

    Examples
    --------
    >>> query_numbering(["001", "002", "004"], {1: {5: 1}, 2: {6: 2}, 3: {7: 1}})
    {'ok': True, 'file_ids_are_positions': False, 'n': 3}
    """
    n = len(file_ids)
    positions = set(range(1, n + 1))
    return {"ok": set(qrels) == positions, "file_ids_are_positions": [int(i) for i in file_ids] ==
            list(range(1, n + 1)), "n": n}


def load_cranfield(data: Path) -> dict:
    """Read the three files: documents, queries (in file order), qrels as gains, and facts about them."""
    text = {name: (data / name).read_text(encoding="utf-8", errors="strict") for name in FILES}
    docs = parse_records(text["cran.all.1400"])
    queries = parse_records(text["cran.qry"], fields="W")
    codes = parse_qrels(text["cranqrel"])
    doc_ids = [int(i) for i, _ in docs]
    numbering = query_numbering([i for i, _ in queries], codes)
    if not numbering["ok"]:
        raise ValueError(f"cranqrel numbers its queries {sorted(codes)[:5]}..., not 1..{len(queries)}")
    known = set(doc_ids)
    unknown = sorted({d for q in codes.values() for d in q if d not in known})
    gains = {q: {d: gain_of_grade(g) for d, g in judged.items()} for q, judged in codes.items()}
    grade_counts = {}
    for judged in codes.values():
        for g in judged.values():
            grade_counts[g] = grade_counts.get(g, 0) + 1
    return {
        "doc_ids": doc_ids,
        "titles": [body.get("T", "") for _, body in docs],
        "texts": [body.get("W", "") for _, body in docs],
        "query_file_ids": [int(i) for i, _ in queries],
        "queries": [body.get("W", "") for _, body in queries],
        "gains": gains,
        "numbering": numbering,
        "unknown_docs": unknown,
        "grade_counts": dict(sorted(grade_counts.items())),
        "repeated_fields": repeated_fields(text["cran.all.1400"]),
        "sha256": hashlib.sha256("\0".join(text[name] for name in FILES).encode()).hexdigest(),
    }


# ------------------------------------------------------------------ metrics
def average_precision(scores, grades) -> np.ndarray:
    """Average precision of every row: the mean, over the relevant documents, of the precision at their rank.

    AP = (1/R) Σ_{i: rel_i > 0} P@i, with R the number of documents of the row
    with grade > 0 (ranked or not) and P@i the fraction of relevant documents
    among the first i. Documents are ordered as ragmath.metrics.score_matrix_metrics
    orders them (decreasing score, ties by decreasing column); a row with R = 0 has AP 0.

    Examples
    --------
    >>> print(average_precision([[0.9, 0.8, 0.7, 0.6]], [[1, 0, 2, 0]]).round(4))
    [0.8333]
    """
    S = np.asarray(scores, dtype=np.float64)
    G = np.asarray(grades, dtype=np.float64)
    if S.ndim != 2 or S.shape != G.shape:
        raise ValueError(f"average_precision: scores has shape {S.shape} but grades has shape {G.shape}")
    cols = np.broadcast_to(np.arange(S.shape[1]), S.shape)
    order = np.lexsort((-cols, -S), axis=1)
    rel = np.take_along_axis(G, order, axis=1) > 0
    hits = np.cumsum(rel, axis=1)
    precision = hits / np.arange(1, S.shape[1] + 1)
    R = (G > 0).sum(axis=1)
    return np.where(R > 0, (precision * rel).sum(axis=1) / np.maximum(R, 1), 0.0)


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error over all the tests).

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03]).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p_values, dtype=np.float64)
    m = p.size
    order = np.argsort(p, kind="stable")
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(1.0, adjusted)
    return out


def per_query_metrics(scores, grades) -> dict[str, np.ndarray]:
    """NDCG@10, AP and RR of every query (one row of scores and grades each)."""
    from ragmath.metrics import score_matrix_metrics

    m = score_matrix_metrics(scores, grades, k=K)
    return {"NDCG@10": m["ndcg"], "MAP": average_precision(scores, grades), "MRR": m["rr"]}


def cross_validated_convex(bm25, dense, grades, seed: int = SPLIT_SEED):
    """Convex fusion with alpha chosen by two-fold cross-validation over the queries.

    Returns the fused scores (each query's row fused with the alpha chosen on
    the other fold) and the two chosen alphas.
    """
    from ragmath.metrics import score_matrix_metrics
    from ragmath.pipeline import convex_fusion

    n = bm25.shape[0]
    perm = np.random.default_rng(seed).permutation(n)
    folds = [np.sort(perm[: n // 2]), np.sort(perm[n // 2:])]
    fused = np.empty_like(bm25)
    chosen = []
    for train, test in (folds, folds[::-1]):
        means = [score_matrix_metrics(convex_fusion(bm25[train], dense[train], a), grades[train], k=K)["ndcg"]
                 .mean() for a in ALPHAS]
        alpha = ALPHAS[int(np.argmax(means))]  # ties: the smallest alpha
        chosen.append(alpha)
        fused[test] = convex_fusion(bm25[test], dense[test], alpha)
    return fused, chosen, [len(f) for f in folds]


# ------------------------------------------------------------------ the runs
def document_texts(col: dict) -> list[str]:
    """Title and abstract, as one text per document."""
    return [f"{t} {w}".strip() for t, w in zip(col["titles"], col["texts"])]


def dense_vectors(col: dict, encoder, cache: Path = CACHE) -> tuple[np.ndarray, bool]:
    """MiniLM vectors of the documents, from the cache when it holds them; (vectors, from_cache)."""
    key = hashlib.sha256(f"{col['sha256']} {encoder.sha256} title+W v1".encode()).hexdigest()[:20]
    path = cache / f"cranfield-minilm-{key}.npy"
    if path.exists():
        vectors = np.load(path)
        if vectors.shape == (len(col["doc_ids"]), 384):
            return vectors, True
    vectors = encoder.encode(document_texts(col), batch_size=32)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, vectors)
    tmp.replace(path)
    return vectors, False


def skipped(reason: str) -> dict:
    return {"name": "Cranfield retrieval quality", "key": "cranfield", "setup": "", "rows": [], "checks": [],
            "notes": [f"skipped: {reason}"], "skipped": True}


def run(data: Path | None = None) -> dict:
    """The Cranfield section: four runs, three metrics, the paired tests; timings of the cheap steps."""
    from ragmath.encoder import load_minilm
    from ragmath.lexical import BM25, tokenize
    from ragmath.metrics import bootstrap_ci, grade_matrix, paired_randomization_test, score_matrix_metrics
    from ragmath.pipeline import convex_fusion, reciprocal_rank_fusion

    data = Path(data or os.environ.get("RAGMATH_CRANFIELD") or DEFAULT_DATA)
    missing = [name for name in FILES if not (data / name).is_file()]
    if missing:
        return skipped(f"the Cranfield collection is not in {data} (missing {', '.join(missing)}); "
                       f"get cran.all.1400, cran.qry and cranqrel from {SOURCE_URL} "
                       "and set RAGMATH_CRANFIELD")
    col = load_cranfield(data)
    n_docs, n_queries = len(col["doc_ids"]), len(col["queries"])
    qids = list(range(1, n_queries + 1))
    grades = grade_matrix(col["gains"], qids, col["doc_ids"])

    rows, notes, checks = [], [], []
    tokens = [tokenize(t) for t in document_texts(col)]
    bm25, fit_s = timed(lambda: BM25().fit(tokens))
    query_tokens = [tokenize(q) for q in col["queries"]]
    bm25_scores, bm25_s = timed(lambda: np.array([bm25.scores(q) for q in query_tokens]))
    encoder = load_minilm()
    (doc_vectors, cached), doc_s = timed(lambda: dense_vectors(col, encoder))
    query_vectors, query_s = timed(lambda: encoder.encode(col["queries"], batch_size=32))
    dense_scores = query_vectors.astype(np.float64) @ doc_vectors.astype(np.float64).T
    rows += [row(f"ragmath BM25.fit ({n_docs} documents)", "fit", fit_s, ragmath=True),
             row(f"ragmath BM25.scores ({n_queries} queries)", "query", bm25_s, ragmath=True),
             row(f"ragmath encoder.encode ({n_queries} queries)", "encode", query_s, ragmath=True)]
    if not cached:
        rows.append(row(f"ragmath encoder.encode ({n_docs} documents)", "encode", doc_s, ragmath=True))

    scores = {
        "BM25": bm25_scores,
        "MiniLM": dense_scores,
        "RRF": reciprocal_rank_fusion([bm25_scores, dense_scores], k=RRF_K),
    }
    fused, alphas, fold_sizes = cross_validated_convex(bm25_scores, dense_scores, grades)
    scores["convex (CV alpha)"] = fused
    per_query = {name: per_query_metrics(s, grades) for name, s in scores.items()}

    quality = []
    for name in RUNS:
        cells = [name]
        for metric in METRICS:
            ci = bootstrap_ci(per_query[name][metric], n_resamples=N_RESAMPLES, seed=0)
            cells.append(f"{ci.mean:.3f} [{ci.low:.3f}, {ci.high:.3f}]")
        quality.append(cells)

    pairs = [(a, b) for i, a in enumerate(RUNS) for b in RUNS[i + 1:]]
    tests = {(a, b, m): paired_randomization_test(per_query[a][m], per_query[b][m], n_resamples=N_RESAMPLES,
                                                  seed=0)
             for a, b in pairs for m in METRICS}
    adjusted = dict(zip(tests, holm([t.p_value for t in tests.values()])))
    test_rows = []
    for a, b in pairs:
        cells = [f"{a} − {b}"]
        for m in METRICS:
            t = tests[a, b, m]
            star = " *" if adjusted[a, b, m] < 0.05 else ""
            cells.append(f"{t.mean_difference:+.3f} (p {t.p_value:.4f}){star}")
        test_rows.append(cells)

    half = score_matrix_metrics(convex_fusion(bm25_scores, dense_scores, 0.5), grades, k=K)["ndcg"].mean()
    counts = ", ".join(f"{g}: {c}" for g, c in col["grade_counts"].items())
    first = col["query_file_ids"][:5]
    # the numbering check: BM25's NDCG@10 if the qrels were read by the .I numbers instead
    by_file_id = [i for i, f in enumerate(col["query_file_ids"]) if f in col["gains"]]
    wrong = grade_matrix(col["gains"], [col["query_file_ids"][i] for i in by_file_id], col["doc_ids"])
    wrong_ndcg = score_matrix_metrics(bm25_scores[by_file_id], wrong, k=K)["ndcg"].mean()
    right_ndcg = per_query["BM25"]["NDCG@10"][by_file_id].mean()
    notes += [
        f"data: {n_docs} documents, {n_queries} queries, {sum(len(v) for v in col['gains'].values())} "
        f"judgements (codes {counts}); gains 5 − code (1 → 4, ..., 4 → 1; −1 → 0); data SHA-256 "
        f"{col['sha256'][:12]}",
        f"the queries' .I numbers run {', '.join(map(str, first))}, ..., {col['query_file_ids'][-1]}; "
        f"the qrels number them 1..{n_queries} in file order. Check: on the {len(by_file_id)} queries "
        f"whose .I number is also a qrels number, BM25's NDCG@10 is {right_ndcg:.3f} with the "
        f"file-order reading and {wrong_ndcg:.3f} with the .I reading",
        f"records with a field given twice (joined): {', '.join(col['repeated_fields']) or 'none'}",
        f"convex fusion, min-max, alpha from {ALPHAS[0]} to {ALPHAS[-1]} by 0.1, chosen by NDCG@10 on one "
        f"half of the queries (seeded split, {fold_sizes[0]} / {fold_sizes[1]}) and applied to the other: "
        f"alpha = {alphas[0]} and {alphas[1]}; a fixed alpha = 0.5 gives NDCG@10 {half:.3f} on all queries",
        "MAP is computed in the benchmark (benchmarks/bench_cranfield.py: average_precision), binary "
        "relevance (gain > 0), over the full ranking of the 1,400 documents",
        f"document vectors {'from the cache' if cached else 'computed and cached'} (_build/bench-cache/)",
    ]
    checks.append(agreement("cranqrel numbers the queries 1..n in file order", col["numbering"]["ok"]
                            and not col["numbering"]["file_ids_are_positions"],
                            f"qrels queries = 1..{n_queries}; .I numbers "
                            f"{first[0]}, {first[1]}, {first[2]}, ..."))
    checks.append(agreement("every judged document is in the collection", not col["unknown_docs"],
                            f"{len(col['unknown_docs'])} unknown document ids"))
    return {
        "name": "Cranfield retrieval quality",
        "key": "cranfield",
        "setup": f"{n_docs} aeronautics abstracts (title + text), {n_queries} queries, graded qrels; "
                 "timings of the steps (one run each; the quality tables below are the point)",
        "rows": rows,
        "checks": checks,
        "notes": notes,
        "tables": [
            {"title": f"Cranfield, mean over {n_queries} queries [bootstrap 95 % interval]",
             "columns": ["Run", *METRICS], "rows": quality},
            {"title": "Paired randomization tests (10,000 sign flips): mean difference, p-value; "
                      f"* = below 0.05 after Holm's correction over the {len(tests)} tests",
             "columns": ["Runs", *METRICS], "rows": test_rows},
        ],
        "alphas": alphas,
        "means": {name: {m: float(per_query[name][m].mean()) for m in METRICS} for name in RUNS},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=None,
                        help="the folder of cran.all.1400, cran.qry and cranqrel")
    args = parser.parse_args(argv)
    return print_section(run(args.data))


if __name__ == "__main__":
    sys.exit(main())
