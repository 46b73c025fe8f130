"""`make bench`: every benchmark of ragmath in one run, one table, one results file.

Sections (each also runs on its own: benchmarks/bench_<name>.py):

- bm25:      BM25 fit and per-query time, 100,000 Zipf documents of 100 tokens:
             ragmath vs a naive Python loop, rank_bm25 and bm25s;
- top_k:     exact top-k, 100 queries over 100,000 x 256 float32: ragmath.top_k
             vs the bare matrix product and faiss IndexFlatIP;
- pq:        product quantization (m = 16, k = 256): train, encode, search, recall@10,
             vs faiss IndexPQ;
- ann:       IVFADC (ragmath IVFPQ vs faiss IndexIVFPQ) and HNSW (ragmath HNSW vs faiss
             IndexHNSWFlat) on the chunk embeddings and a synthetic set: build, query, recall@10;
- encoder:   all-MiniLM-L6-v2 encoding the corpus's 308 passages and 859 chunks: ragmath.encoder
             (NumPy) vs sentence-transformers (PyTorch), same threads, and their agreement;
- cranfield: retrieval quality on the Cranfield collection (read at run time, skipped when
             absent): BM25, MiniLM, RRF and convex fusion, NDCG@10 / MAP / MRR, paired tests;
- widgets:   every widget's slider move (median and p95 of 20), driven from Python;
- notebooks: the execution time of every chapter notebook and of the whole book.

Writes benchmarks/results/latest.json (the machine, every timing, every
check), then latest.md and latest.svg from it (benchmarks/report.py: the table
and the chart of the appendix "How fast is ragmath?"), prints the table, and
exits non-zero after printing every figure that misses its budget (or an
agreement check that fails). The budgets are stated in README.md.

    .venv/bin/python benchmarks/run.py [--only bm25,top_k] [--update] [--quick] [--out PATH] [--make-test]

--update keeps, from the existing results file, the sections this run does
not redo (e.g. --only widgets --update after a change to a widget; the
machine line then describes the latest run). --quick shrinks every size (a smoke test of the
machinery, minutes -> seconds; its numbers mean nothing: never commit them). --make-test also times
`make test` (budget: 10 minutes on 2 cores); it is off by default because it
rebuilds the site into _build/.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_ann  # noqa: E402
import bench_bm25  # noqa: E402
import bench_cranfield  # noqa: E402
import bench_encoder  # noqa: E402
import bench_notebooks  # noqa: E402
import bench_pq  # noqa: E402
import bench_top_k  # noqa: E402
import bench_widgets  # noqa: E402
import report  # noqa: E402
from common import check, check_line, load_average, machine, print_section, row  # noqa: E402

MAKE_TEST_BUDGET_S = 600.0
SECTIONS = ("bm25", "top_k", "pq", "ann", "encoder", "cranfield", "widgets", "notebooks")


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def run_section(name: str, quick: bool) -> dict:
    if name == "bm25":
        return bench_bm25.run(**({"n_docs": 5_000, "n_queries": 50, "slow_queries": 5, "repeats": 1}
                                 if quick else {}))
    if name == "top_k":
        return bench_top_k.run(**({"repeats": 3, "n": 20_000} if quick else {}))
    if name == "pq":
        return bench_pq.run(**({"repeats": 3, "n": 20_000, "n_train": 10_000} if quick else {}))
    if name == "ann":
        return bench_ann.run(**({"repeats": 1, "n": 2_000, "n_queries": 20} if quick else {}))
    if name == "encoder":
        return bench_encoder.run(**({"repeats": 1, "kinds": ("passages",)} if quick else {}))
    if name == "cranfield":
        return bench_cranfield.run()
    if name == "widgets":
        notebooks = sorted(bench_widgets.NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
        quick_sizes = {"moves": 5, "notebooks": notebooks[:1], "explorers_build": False}
        return bench_widgets.run(**(quick_sizes if quick else {}))
    if name == "notebooks":
        notebooks = sorted(bench_notebooks.NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
        return bench_notebooks.run(notebooks[:1] if quick else None)
    raise ValueError(f"unknown section {name!r}; choose from {', '.join(SECTIONS)}")


def time_make_test() -> dict:
    start = time.perf_counter()
    done = subprocess.run(["make", "test"], cwd=HERE.parent, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    return {
        "name": "make test",
        "key": "make_test",
        "setup": "`make test` on an installed checkout (site build, every test, nbval)",
        "rows": [row("make test", "run", elapsed, ragmath=True,
                     note="passed" if done.returncode == 0 else f"FAILED (exit {done.returncode})")],
        "checks": [check("make test", elapsed, MAKE_TEST_BUDGET_S, unit="s", case="make test")],
        "notes": [],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections, from {', '.join(SECTIONS)}")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test, not a measurement")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.json")
    parser.add_argument("--make-test", action="store_true", help="also time `make test` (10-minute budget)")
    parser.add_argument("--update", action="store_true",
                        help="keep the sections of the existing results file that this run does not redo")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    for name in names:
        if name not in SECTIONS:
            parser.error(f"unknown section {name!r}; choose from {', '.join(SECTIONS)}")
    missing = [d for d in ("bm25s", "rank-bm25", "faiss-cpu") if _version(d) == "not installed"]
    if missing:
        print(f"missing comparison libraries ({', '.join(missing)}): "
              f".venv/bin/pip install -r requirements-bench.txt (make bench does it)", file=sys.stderr)
        return 2

    started = time.perf_counter()
    load_before = load_average()
    sections, status = [], 0
    for name in names:
        print(f"\n[{datetime.datetime.now():%H:%M:%S}] running {name} ...", flush=True)
        ran = {"date": _now(), "load_before": load_average()}
        start = time.perf_counter()
        section = run_section(name, args.quick)
        section["ran"] = dict(ran, elapsed_s=time.perf_counter() - start, load_after=load_average())
        status |= print_section(section)
        sections.append(section)
    if args.make_test:
        section = time_make_test()
        status |= print_section(section)
        sections.append(section)

    if args.update and args.out.exists():
        kept = json.loads(args.out.read_text(encoding="utf-8"))["sections"]
        done = {s["key"] for s in sections}
        sections = [s for s in kept if s["key"] not in done] + sections
        sections.sort(key=lambda s: SECTIONS.index(s["key"]) if s["key"] in SECTIONS else len(SECTIONS))
    results = {
        "date": _now(),
        "quick": args.quick,
        "elapsed_s": time.perf_counter() - started,
        "machine": machine({
            "ragmath": _version("ragmath"),
            "bm25s": _version("bm25s"),
            "rank-bm25": _version("rank-bm25"),
            "faiss-cpu": _version("faiss-cpu"),
            "torch": _version("torch"),
            "sentence-transformers": _version("sentence-transformers"),
            "ipywidgets": _version("ipywidgets"),
        }),
        "load_average": {"before": load_before, "after": load_average()} if load_before else None,
        "sections": sections,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path, svg_path = report.write(results, args.out)

    print("\n" + report.markdown(results))
    print(f"wrote {args.out}, {md_path.name} and {svg_path.name}")
    if args.quick:
        print("--quick: small sizes, the numbers mean nothing; do not commit these files")
    failed = report.failed_checks(results)
    if failed:
        print(f"\n{len(failed)} figure(s) miss their budget or check:")
        for c in failed:
            print(f"  [{c['section']}] {check_line(c)}")
    else:
        print("\nevery figure is within its budget")
    return 1 if failed or status else 0


if __name__ == "__main__":
    sys.exit(main())
