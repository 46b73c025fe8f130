"""benchmarks/bench_ann.py and its registration as the section "ann" of benchmarks/run.py.

A small run (2,000 synthetic vectors, one repetition) checks the shape of the
section, that every recall is a real recall against exact search, and that
the budgets are the ones the module states; the timings are not judged here.
"""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT

BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(BENCH))

faiss = pytest.importorskip("faiss")

import bench_ann  # noqa: E402
import run as bench_run  # noqa: E402


def test_ann_is_a_section_of_run_py(monkeypatch):
    assert "ann" in bench_run.SECTIONS
    seen = {}
    monkeypatch.setattr(bench_ann, "run", lambda **kwargs: seen.update(kwargs) or {"key": "ann"})
    assert bench_run.run_section("ann", quick=True) == {"key": "ann"}
    assert seen == {"repeats": 1, "n": 2_000, "n_queries": 20}


def test_a_small_ann_run_has_rows_checks_and_recalls():
    section = bench_ann.run(repeats=1, n=2_000, n_queries=20, datasets=("synthetic",))
    assert section["key"] == "ann" and section["rows"] and section["checks"]
    cases = [r["case"] for r in section["rows"]]
    for nprobe in bench_ann.NPROBES:
        assert f"synthetic: ragmath IVFPQ.search nprobe={nprobe}" in cases
    for ef in bench_ann.EFS:
        assert f"synthetic: faiss IndexHNSWFlat.search ef={ef}" in cases
    for r in section["rows"]:
        assert r["median_s"] > 0 and r["measure"] in {"build", "query"}
    (table,) = section["tables"]
    assert len(table["rows"]) == len(bench_ann.NPROBES) + len(bench_ann.EFS)
    for data, index, _, ours, theirs in table["rows"]:
        assert data == "synthetic" and index in {"IVFADC", "HNSW"}
        assert 0.0 <= float(ours) <= 1.0 and 0.0 <= float(theirs) <= 1.0
    hnsw = [row for row in table["rows"] if row[1] == "HNSW"]
    assert float(hnsw[-1][3]) >= 0.5  # a real graph search, not a random list
    limits = {c["limit"] for c in section["checks"]}
    assert set(bench_ann.TIME_BUDGET.values()) | set(bench_ann.RECALL_TOLERANCE.values()) >= limits
