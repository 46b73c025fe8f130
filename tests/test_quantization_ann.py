"""Tests of the inverted file with residual codes (IVFADC) and of HNSW (chapter 5).

Expected values come from hand-worked examples, explicit formulas written
here, brute-force searches over decoded vectors, and simulation with enough
draws that a wrong formula fails by many standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import ragmath as rm
from ragmath._validation import NotFittedError
from ragmath.quantization import (
    HNSW,
    IVFPQ,
    gaussian_mixture,
    hnsw_ef_table,
    hnsw_expected_top_level,
    hnsw_levels,
    ivf_nprobe_table,
    ivfadc_cost,
    ivfpq_memory_bytes,
    recall_at_k,
)


@pytest.fixture(scope="module")
def data():
    points, _ = gaussian_mixture(1230, 16, n_clusters=12, seed=3, dtype=np.float64)
    return points[:1200], points[1200:]


@pytest.fixture(scope="module")
def index(data):
    X, _ = data
    return IVFPQ(n_lists=10, m=4, k=16, n_iter=10, seed=0).fit(X).add(X)


# ------------------------------------------------------------------------- IVFADC
def test_ivf_lists_hold_every_vector_once_in_its_nearest_cell(index, data):
    X, _ = data
    nearest = ((X[:, None, :] - index.coarse_[None]) ** 2).sum(axis=2).argmin(axis=1)
    ids = np.concatenate(index.list_ids_)
    assert np.array_equal(np.sort(ids), np.arange(len(X)))
    for i, list_ids in enumerate(index.list_ids_):
        assert np.all(nearest[list_ids] == i)
    assert index.list_sizes_.sum() == len(X) == index.ntotal_


def test_ivf_codes_are_the_pq_codes_of_the_residuals(index, data):
    X, _ = data
    for i, (list_ids, codes) in enumerate(zip(index.list_ids_, index.list_codes_)):
        if len(list_ids):
            assert np.array_equal(codes, index.pq_.encode(X[list_ids] - index.coarse_[i]))


def test_ivf_all_lists_is_exhaustive_adc_over_residuals(index, data):
    X, Q = data
    a = ((X[:, None, :] - index.coarse_[None]) ** 2).sum(axis=2).argmin(axis=1)
    x_hat = index.coarse_[a] + index.pq_.decode(index.pq_.encode(X - index.coarse_[a]))
    est = ((Q[:, None, :] - x_hat[None]) ** 2).sum(axis=2)  # ‖q − c − r̂‖², by brute force
    expected = np.argsort(est, axis=1, kind="stable")[:, :10]
    ids, dist = index.search(Q, 10, nprobe=10)
    assert np.array_equal(ids, expected)
    assert np.allclose(dist, np.take_along_axis(est, expected, axis=1), rtol=1e-9)


def test_ivf_search_looks_only_at_the_visited_lists(index, data):
    X, Q = data
    for q in Q[:10]:
        C = index.coarse_
        order = np.argsort(((C - q) ** 2).sum(axis=1), kind="stable")[:3]
        assert np.array_equal(index.probe(q, 3), order)
        ids, _ = index.search(q, 10, nprobe=3)
        allowed = np.concatenate([index.list_ids_[i] for i in order])
        assert np.isin(ids, allowed).all()
        assert index.n_scanned(q, 3) == len(allowed)


def test_ivf_recall_rises_with_nprobe(index, data):
    X, Q = data
    truth, _ = rm.top_k(Q, X, 10, metric="euclidean")
    recalls = [recall_at_k(index.search(Q, 10, p)[0], truth) for p in (1, 3, 10)]
    assert recalls[0] < recalls[2] and recalls[1] <= recalls[2]


def test_ivf_pads_with_minus_one_when_the_lists_hold_fewer_than_k():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [9.0, 0.0], [9.0, 1.0]])
    index = IVFPQ(n_lists=2, m=1, k=2).fit(X).add(X)
    ids, dist = index.search([8.0, 0.2], 3, nprobe=1)
    assert ids.tolist() == [2, 3, -1] and math.isinf(dist[2])
    ids, dist = index.search([8.0, 0.2], 6, nprobe=2)
    assert ids.tolist()[:4] == [2, 3, 0, 1] and ids.tolist()[4:] == [-1, -1]


def test_ivf_add_in_two_calls_numbers_the_ids_on():
    X = np.random.default_rng(0).standard_normal((100, 4))
    one = IVFPQ(4, 2, 8, seed=1).fit(X).add(X)
    two = IVFPQ(4, 2, 8, seed=1).fit(X).add(X[:60]).add(X[60:])
    q = X[:5] + 0.01
    assert np.array_equal(one.search(q, 5, 2)[0], two.search(q, 5, 2)[0])


def test_ivf_rejects_bad_arguments():
    X = np.random.default_rng(0).standard_normal((50, 4))
    with pytest.raises(ValueError, match="n_lists"):
        IVFPQ(0, 2)
    with pytest.raises(ValueError, match="m = 3 must divide"):
        IVFPQ(2, 3, 4).fit(X)
    with pytest.raises(ValueError, match="need at least"):
        IVFPQ(60, 2, 4).fit(X)
    with pytest.raises(NotFittedError):
        IVFPQ(2, 2, 4).search(X[0], 1)
    index = IVFPQ(2, 2, 4).fit(X)
    with pytest.raises(ValueError, match="empty"):
        index.search(X[0], 1)
    index.add(X)
    with pytest.raises(ValueError, match="nprobe"):
        index.search(X[0], 1, nprobe=3)
    with pytest.raises(ValueError, match="dimension"):
        index.search(np.zeros(5), 1)


def test_ivfadc_cost_by_hand():
    cost = ivfadc_cost(384, 32, 4, 16, 16, 100)
    assert cost == {"coarse": 32 * 384, "tables": 4 * 16 * 384, "scan": 16 * 100,
                    "total": 32 * 384 + 4 * 16 * 384 + 1600}
    assert ivfadc_cost(8, 4, 2, 2, 4, np.array([10, 20]))["scan"] == 2 * 15.0
    with pytest.raises(ValueError, match="nprobe"):
        ivfadc_cost(8, 4, 5, 2, 4, 10)
    with pytest.raises(ValueError, match="scanned"):
        ivfadc_cost(8, 4, 2, 2, 4, -1)


def test_ivfpq_memory_by_hand():
    mem = ivfpq_memory_bytes(1_000_000, 768, 1024, 96, 256)
    assert mem == {"codes": 96_000_000, "ids": 8_000_000, "coarse": 1024 * 768 * 4,
                   "codebooks": 256 * 768 * 4,
                   "total": 96_000_000 + 8_000_000 + 1024 * 768 * 4 + 256 * 768 * 4,
                   "raw": 1_000_000 * 768 * 4}
    # the centroids are stored once: doubling N doubles only the per-vector part
    double = ivfpq_memory_bytes(2_000_000, 768, 1024, 96, 256)
    assert double["coarse"] == mem["coarse"] and double["codebooks"] == mem["codebooks"]
    assert ivfpq_memory_bytes(3, 3, 1, 3, 8, id_bytes=0)["codes"] == math.ceil(27 / 8)
    with pytest.raises(ValueError, match="divide"):
        ivfpq_memory_bytes(10, 10, 2, 3, 4)


def test_ivf_nprobe_table_small():
    rows = ivf_nprobe_table(n_lists=(4,), nprobes=(1, 4, 8), seeds=(0, 1))
    row = rows[0]
    assert row["nprobe"] == (1, 4) and row["recall"].shape == (2, 2)
    assert np.all(row["scanned"][:, 1] == 859) and np.all(row["recall"][:, 0] <= row["recall"][:, 1])
    assert not row["recall"].flags.writeable


# --------------------------------------------------------------------------- HNSW
def test_hnsw_levels_are_geometric():
    levels = hnsw_levels(400_000, 4, seed=1)
    for level in range(5):
        p = 4.0**-level
        assert abs((levels >= level).mean() - p) <= 5 * math.sqrt(p * (1 - p) / 400_000)
    assert levels.dtype == np.int64 and levels.min() == 0


def test_hnsw_expected_top_level_matches_simulation_and_the_bound():
    for n, M in ((1, 2), (1, 5), (100, 4), (859, 8)):
        tops = np.array([hnsw_levels(n, M, seed=s).max() for s in range(3000)])
        value = hnsw_expected_top_level(n, M)
        assert abs(tops.mean() - value) < 5 * max(tops.std(ddof=1), 1e-9) / math.sqrt(3000)
        assert value <= math.ceil(math.log(n, M)) + 1 / (M - 1) + 1e-12
    assert math.isclose(hnsw_expected_top_level(1, 5), 1 / 4)


def test_hnsw_rejects_bad_arguments():
    with pytest.raises(ValueError, match="M must be at least 2"):
        HNSW(M=1)
    with pytest.raises(ValueError, match="ef_construction"):
        HNSW(ef_construction=0)
    with pytest.raises(ValueError, match="selection"):
        HNSW(selection="best")
    with pytest.raises(NotFittedError):
        HNSW().search(np.zeros(3), 1)
    graph = HNSW(M=4).build(np.random.default_rng(0).standard_normal((30, 3)))
    with pytest.raises(ValueError, match="k must be at most"):
        graph.search(np.zeros(3), 31)
    with pytest.raises(ValueError, match="dimension"):
        graph.search(np.zeros(4), 1)
    with pytest.raises(ValueError, match="at least 2 rows"):
        HNSW().build(np.zeros((1, 3)))


@pytest.mark.parametrize("n, selection", [(500, "simple"), (5000, "simple"), (500, "heuristic")])
def test_hnsw_graph_invariants_and_recall(n, selection):
    X, _ = gaussian_mixture(n + 40, 8, seed=2, dtype=np.float64)
    database, queries = X[:n], X[n:]
    graph = HNSW(M=6, ef_construction=40, seed=0, selection=selection).build(database)
    for layer, nodes in enumerate(graph.layers_):
        assert set(nodes) == set(np.flatnonzero(graph.levels_ >= layer).tolist())
        cap = 12 if layer == 0 else 6
        assert all(len(v) <= cap and node not in v for node, v in nodes.items())
    assert graph.levels_[graph.entry_point_] == graph.top_ == graph.levels_.max()
    truth, _ = rm.top_k(queries, database, 10, metric="euclidean")
    recalls = [recall_at_k(graph.search(queries, 10, ef)[0], truth) for ef in (10, 40, 160)]
    assert recalls[0] <= recalls[1] <= recalls[2] and recalls[2] >= 0.95
    ids, dist = graph.search(queries, 10, ef=40)
    assert np.allclose(dist, ((queries[:, None, :] - database[ids]) ** 2).sum(axis=2))
    assert np.all(np.diff(dist, axis=1) >= 0)


def test_hnsw_greedy_path_descends_to_a_local_minimum():
    X = np.random.default_rng(4).random((400, 2))
    graph = HNSW(M=5, seed=3).build(X)
    q = np.array([0.9, 0.1])
    path = graph.greedy_path(q)
    layers = [layer for layer, _ in path]
    assert layers == sorted(layers, reverse=True) and layers[-1] == 0
    d = [((X[node] - q) ** 2).sum() for _, node in path]
    assert all(b <= a for a, b in zip(d, d[1:]))  # never farther from the query
    end = path[-1][1]
    assert all(((X[u] - q) ** 2).sum() >= d[-1] for u in graph.layers_[0][end])


def test_hnsw_ef_table_small():
    table = hnsw_ef_table(efs=(5, 50), params=(4, 16), seeds=(0,))
    assert table["recall"].shape == (1, 2) and table["recall"][0, 0] <= table["recall"][0, 1]
    assert table["distances"][0, 0] < table["distances"][0, 1]


def test_hnsw_heuristic_selection_by_hand():
    # base node 0 at x = 0; candidates at 1, 1.1 and -1 (squared distances 1, 1.21, 1)
    X = np.array([[0.0], [1.0], [1.1], [-1.0], [5.0]])
    found = [(1.0, 1), (1.0, 3), (1.21, 2)]
    heuristic = HNSW(M=2, selection="heuristic").build(X)
    # 1 is kept; 3 is nearer to 0 (1) than to 1 (4): kept; 2 is nearer to 1 than to 0: dropped
    assert heuristic._select(found, 3) == [1, 3]
    # 2 is nearer to 1 (0.01) than to 0 (1.21): dropped even with room left
    assert heuristic._select([(1.0, 1), (1.21, 2), (1.0, 3)], 3) == [1, 3]
    simple = HNSW(M=2, selection="simple").build(X)
    assert simple._select([(1.0, 1), (1.21, 2), (1.0, 3)], 2) == [1, 2]


def test_hnsw_heuristic_beats_simple_on_separated_clusters():
    X, _ = gaussian_mixture(1540, 16, n_clusters=32, spread=0.3, seed=4, dtype=np.float64)
    database, queries = X[:1500], X[1500:]
    truth, _ = rm.top_k(queries, database, 10, metric="euclidean")
    recall = {sel: recall_at_k(HNSW(4, 16, 0, selection=sel).build(database).search(queries, 10, 10)[0],
                               truth) for sel in ("simple", "heuristic")}
    assert recall["heuristic"] > recall["simple"]
