"""Tests of :mod:`ragmath.quantization` against its contract (``shared/API.md``).

Expected values come from hand-worked examples, from exact arithmetic
(:class:`fractions.Fraction`, Python integers) or from plain loops written
here; statistical checks (collision rates, the angle estimator) use enough
draws that a wrong formula fails by many standard errors. The module's own
helpers are never used to compute an expected value.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from itertools import product

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ragmath as rm
import ragmath.quantization as quantization
from ragmath._validation import NotFittedError
from ragmath.lexical import BM25, tokenize
from ragmath.quantization import (
    LSH_B_MAX,
    LSH_R_MAX,
    OffsetHyperplaneLSH,
    ProductQuantizer,
    RandomHyperplaneLSH,
    adc_cost,
    angle_estimate,
    angle_estimate_variance,
    bytes_per_vector,
    dense_index_bytes,
    gaussian_mixture,
    hyperplane_collision_probability,
    kmeans,
    kmeans_history,
    kmeans_objective,
    lsh_candidates,
    lsh_curve,
    lsh_experiment,
    lsh_index_bytes,
    lsh_recall_curve,
    offset_collision_probability,
    popular_pq_memory_formula,
    pq_distortion,
    pq_memory_bytes,
    pq_tradeoff,
    pq_tradeoff_table,
    recall_at_k,
    s_curve,
    s_curve_inflection,
    s_curve_threshold,
    sparse_index_bytes,
)

pytestmark = pytest.mark.filterwarnings("error")
FAST = settings(max_examples=40, deadline=None)


def names(func: str, arg: str) -> str:
    """Regex for an error message of the documented shape '<function>: <argument> ...'."""
    return rf"^{re.escape(func)}: {re.escape(arg)}\b"


# ----------------------------------------------------------------- references
def sq_dist(x, c) -> float:
    """‖x − c‖² with a plain loop, in exact rationals."""
    return float(sum((Fraction(float(a)) - Fraction(float(b))) ** 2 for a, b in zip(x, c)))


def loop_objective(X, C, labels) -> float:
    return math.fsum(sq_dist(x, C[j]) for x, j in zip(X, labels))


def brute_nearest_distances(X, C) -> np.ndarray:
    """For every row, the squared distance to its nearest centroid (loops, exact)."""
    return np.array([min(sq_dist(x, c) for c in C) for x in X])


# ====================================================================== k-means
class TestKMeansWorkedExamples:
    def test_two_obvious_clusters_on_a_line(self):
        X = np.array([[0.0], [1.0], [10.0], [11.0]])
        C, labels = kmeans(X, 2, seed=0)
        order = np.argsort(C[:, 0])
        np.testing.assert_array_equal(C[order, 0], [0.5, 10.5])
        assert labels[0] == labels[1] != labels[2] == labels[3]
        assert kmeans_objective(X, C, labels) == 4 * 0.25

    def test_k_equal_n_puts_a_centroid_on_every_distinct_point(self):
        X = np.array([[0.0, 0.0], [3.0, 1.0], [-2.0, 5.0], [7.0, 7.0]])
        C, labels = kmeans(X, 4, seed=3)
        assert kmeans_objective(X, C, labels) == 0.0
        np.testing.assert_array_equal(C[labels], X)

    def test_k_one_is_the_mean(self):
        X = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 1.0]])
        C, labels = kmeans(X, 1)
        np.testing.assert_allclose(C, [[3.0, 3.0]], rtol=1e-15)
        np.testing.assert_array_equal(labels, [0, 0, 0])

    def test_objective_by_hand(self):
        X = [[0.0, 0.0], [2.0, 0.0], [0.0, 4.0]]
        C = [[1.0, 0.0], [0.0, 3.0]]
        # 1 + 1 + 1 = 3
        assert kmeans_objective(X, C, [0, 0, 1]) == 3.0
        assert kmeans_objective(X, C, [1, 0, 0]) == 9.0 + 1.0 + 17.0


@FAST
@given(
    seed=st.integers(0, 2**31),
    n=st.integers(3, 60),
    d=st.integers(1, 5),
    k=st.integers(1, 6),
    duplicates=st.booleans(),
    init=st.sampled_from(["k-means++", "random"]),
)
def test_kmeans_properties(seed, n, d, k, duplicates, init):
    """Labels are nearest, J never increases, centroids of a fixed point are means."""
    rng = np.random.default_rng(seed)
    X = rng.integers(-4, 5, size=(n, d)).astype(np.float64)
    if duplicates:  # many identical rows: ties and empty clusters
        X[rng.integers(0, n, n // 2)] = X[0]
    k = min(k, n)
    history = kmeans_history(X, k, n_iter=30, seed=seed % 1000, init=init)
    objectives = [state["objective"] for state in history]
    for before, after in zip(objectives, objectives[1:]):
        assert after <= before * (1 + 1e-12) + 1e-12, objectives
    C, labels = kmeans(X, k, n_iter=30, seed=seed % 1000, init=init)
    np.testing.assert_array_equal(C, history[-1]["centroids"])
    np.testing.assert_array_equal(labels, history[-1]["labels"])
    assert C.shape == (k, d) and labels.shape == (n,)
    own = np.array([sq_dist(x, C[j]) for x, j in zip(X, labels)])
    np.testing.assert_allclose(own, brute_nearest_distances(X, C), rtol=1e-12, atol=1e-12)
    assert objectives[-1] == pytest.approx(loop_objective(X, C, labels), rel=1e-12, abs=1e-12)
    if len(history) < 1 + 2 * 30:  # stopped early: a fixed point, every centroid the mean of its rows
        for j in range(k):
            rows = X[labels == j]
            if len(rows):
                np.testing.assert_allclose(C[j], rows.mean(axis=0), rtol=1e-12, atol=1e-12)


def test_kmeans_alternates_update_and_assign_and_stops_when_nothing_changes():
    X, _ = gaussian_mixture(400, 3, n_clusters=4, seed=1, dtype=np.float64)
    history = kmeans_history(X, 4, n_iter=100, seed=0)
    steps = [state["step"] for state in history]
    assert steps[0] == "init"
    assert all(s == ("update" if i % 2 else "assign") for i, s in enumerate(steps) if i > 0)
    assert steps[-1] == "update" and len(history) < 201  # converged before 100 updates
    last = history[-1]
    C64 = last["centroids"]
    nearest = np.argmin(((X[:, None, :] - C64[None]) ** 2).sum(-1), axis=1)
    np.testing.assert_array_equal(nearest, last["labels"])  # the assignment would change nothing


def test_kmeans_update_step_is_the_mean_and_lowers_the_objective():
    X, _ = gaussian_mixture(300, 2, n_clusters=3, seed=2, dtype=np.float64)
    history = kmeans_history(X, 3, n_iter=5, seed=1)
    for before, after in zip(history, history[1:]):
        if after["step"] == "update":
            np.testing.assert_array_equal(before["labels"], after["labels"])
            for j in range(3):
                rows = X[after["labels"] == j]
                np.testing.assert_allclose(after["centroids"][j], rows.mean(axis=0), rtol=1e-13)


def test_kmeans_stops_after_n_iter_updates():
    X, _ = gaussian_mixture(2000, 4, n_clusters=30, seed=3, dtype=np.float64)
    history = kmeans_history(X, 30, n_iter=2, seed=0)
    assert [s["step"] for s in history] == ["init", "update", "assign", "update", "assign"]
    C, labels = kmeans(X, 30, n_iter=2, seed=0)
    np.testing.assert_array_equal(labels, history[-1]["labels"])
    C0, labels0 = kmeans(X, 30, n_iter=0, seed=0)
    np.testing.assert_array_equal(C0, history[0]["centroids"])


def test_kmeans_reseeds_an_empty_cluster_with_the_farthest_point():
    # Five copies of the origin and one far point; a random start on two copies
    # of the origin leaves cluster 1 empty (ties go to the lower index).
    X = np.array([[0.0, 0.0]] * 5 + [[10.0, 0.0]])
    for seed in range(20):
        history = kmeans_history(X, 2, seed=seed, init="random")
        C, labels = history[-1]["centroids"], history[-1]["labels"]
        assert history[-1]["objective"] == 0.0
        assert sorted(map(tuple, C)) == [(0.0, 0.0), (10.0, 0.0)]
        assert labels[5] != labels[0]


def test_kmeans_with_fewer_distinct_points_than_k():
    X = np.array([[1.0], [1.0], [1.0], [2.0]])
    C, labels = kmeans(X, 3, seed=0)
    assert kmeans_objective(X, C, labels) == 0.0
    np.testing.assert_array_equal(C[labels], X)


def test_kmeans_is_deterministic_and_keeps_float32():
    X, _ = gaussian_mixture(500, 6, seed=4)
    assert X.dtype == np.float32
    C1, l1 = kmeans(X, 7, seed=11)
    C2, l2 = kmeans(X, 7, seed=11)
    np.testing.assert_array_equal(C1, C2)
    np.testing.assert_array_equal(l1, l2)
    assert C1.dtype == np.float32
    assert kmeans(X.astype(np.float64), 7, seed=11)[0].dtype == np.float64
    assert kmeans(X.astype(np.int64), 2)[0].dtype == np.float64


def test_kmeans_plus_plus_beats_a_random_start_on_separated_clusters():
    """D² seeding almost always puts one seed in each of well-separated clusters."""
    rng = np.random.default_rng(5)
    centres = 100.0 * np.eye(8)
    X = np.concatenate([c + rng.standard_normal((50, 8)) for c in centres])
    plus = [kmeans_history(X, 8, n_iter=0, seed=s)[0]["objective"] for s in range(10)]
    rand = [kmeans_history(X, 8, n_iter=0, seed=s, init="random")[0]["objective"] for s in range(10)]
    assert np.median(plus) < np.median(rand)


class TestKMeansBadInput:
    def test_fewer_rows_than_k(self):
        with pytest.raises(ValueError, match=names("kmeans", "X") + ".*k = 5"):
            kmeans(np.zeros((4, 2)), 5)

    @pytest.mark.parametrize("k", [0, -1])
    def test_k_below_one(self, k):
        with pytest.raises(ValueError, match=names("kmeans", "k")):
            kmeans(np.zeros((4, 2)), k)

    @pytest.mark.parametrize("k", [2.0, "2", None, True])
    def test_k_not_an_integer(self, k):
        with pytest.raises(TypeError, match=names("kmeans", "k")):
            kmeans(np.zeros((4, 2)), k)

    def test_n_iter_negative(self):
        with pytest.raises(ValueError, match=names("kmeans", "n_iter")):
            kmeans(np.zeros((4, 2)), 2, n_iter=-1)

    def test_bad_init_and_seed(self):
        with pytest.raises(ValueError, match=names("kmeans", "init")):
            kmeans(np.zeros((4, 2)), 2, init="kmeans++")
        with pytest.raises(TypeError, match=names("kmeans", "seed")):
            kmeans(np.zeros((4, 2)), 2, seed=1.5)

    @pytest.mark.parametrize("X", [[1.0, 2.0, 3.0], np.zeros((2, 2, 2)), [[1.0, math.nan]], [[]]])
    def test_bad_X(self, X):
        with pytest.raises(ValueError, match=names("kmeans", "X")):
            kmeans(X, 1)

    def test_objective_arguments(self):
        X = np.zeros((3, 2))
        with pytest.raises(ValueError, match=names("kmeans_objective", "labels")):
            kmeans_objective(X, np.zeros((2, 2)), [0, 1, 2])
        with pytest.raises(ValueError, match=names("kmeans_objective", "labels")):
            kmeans_objective(X, np.zeros((2, 2)), [0, 1])
        with pytest.raises(TypeError, match=names("kmeans_objective", "labels")):
            kmeans_objective(X, np.zeros((2, 2)), [0.0, 1.0, 1.0])
        with pytest.raises(ValueError, match=names("kmeans_objective", "X")):
            kmeans_objective(X, np.zeros((2, 3)), [0, 1, 1])


# ======================================================== product quantization
@pytest.fixture(scope="module")
def fitted():
    X, _ = gaussian_mixture(3000, 12, seed=6, dtype=np.float64)
    pq = ProductQuantizer(m=3, k=16, n_iter=10, seed=0).fit(X)
    return pq, X


def test_pq_codebooks_are_one_kmeans_per_sub_space(fitted):
    pq, X = fitted
    assert pq.codebooks_.shape == (3, 16, 4)
    for j in range(3):
        C, _ = kmeans(X[:, 4 * j : 4 * j + 4], 16, n_iter=10, seed=0 + j)
        np.testing.assert_array_equal(pq.codebooks_[j], C)


@pytest.mark.parametrize("init", ["k-means++", "random"])
@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("duplicates", [False, True])
def test_pq_fit_runs_the_m_kmeans_together_but_equals_them_bit_for_bit(init, shared, duplicates):
    # fit runs the m k-means of the sub-spaces at once; each codebook must be exactly what
    # kmeans gives on its sub-space alone, also with ties and empty clusters (duplicates),
    # stops at different steps, and one Generator drawn from by one sub-space after the other
    rng = np.random.default_rng(11)
    X = rng.standard_normal((240, 12)).astype(np.float32)
    if duplicates:
        X = np.round(X[rng.integers(0, 30, 240)])
    seed = np.random.default_rng(4) if shared else 4
    pq = ProductQuantizer(m=4, k=24, n_iter=6, seed=seed, init=init).fit(X)
    stream = np.random.default_rng(4)
    for j in range(4):
        C, _ = kmeans(X[:, 3 * j : 3 * j + 3], 24, n_iter=6, seed=stream if shared else 4 + j, init=init)
        np.testing.assert_array_equal(pq.codebooks_[j], C)
        assert pq.codebooks_.dtype == C.dtype


def test_pq_encode_picks_the_nearest_centroid_of_every_sub_vector(fitted):
    pq, X = fitted
    codes = pq.encode(X[:200])
    assert codes.dtype == np.uint8 and codes.shape == (200, 3)
    for x, code in zip(X[:200], codes):
        for j in range(3):
            sub = x[4 * j : 4 * j + 4]
            dists = [sq_dist(sub, c) for c in pq.codebooks_[j]]
            assert sq_dist(sub, pq.codebooks_[j][code[j]]) == pytest.approx(min(dists), rel=1e-12)
    np.testing.assert_array_equal(pq.encode(X[7]), codes[7])


def test_pq_decode_concatenates_centroids(fitted):
    pq, X = fitted
    codes = np.array([[0, 5, 15], [3, 3, 3]])
    out = pq.decode(codes)
    B = pq.codebooks_
    np.testing.assert_array_equal(out[0], np.concatenate([B[0][0], B[1][5], B[2][15]]))
    np.testing.assert_array_equal(out[1], np.concatenate([B[0][3], B[1][3], B[2][3]]))
    np.testing.assert_array_equal(pq.decode([0, 5, 15]), out[0])


def test_pq_distortion_is_the_sum_of_the_sub_space_objectives(fitted):
    pq, X = fitted
    codes = pq.encode(X)
    total = 0.0
    for j in range(3):
        total += kmeans_objective(X[:, 4 * j : 4 * j + 4], pq.codebooks_[j], codes[:, j].astype(int))
    assert pq_distortion(X, pq.decode(codes)) == pytest.approx(total / len(X), rel=1e-12)
    X_hat = pq.decode(codes)
    expected = math.fsum(sq_dist(x, y) for x, y in zip(X[:50], X_hat[:50])) / 50
    assert pq_distortion(X[:50], X_hat[:50]) == pytest.approx(expected, rel=1e-12)


def test_pq_distance_tables_by_loops(fitted):
    pq, X = fitted
    q = X[0] + 0.3
    T = pq.distance_tables(q)
    assert T.shape == (3, 16)
    for j in range(3):
        for c in range(16):
            assert T[j, c] == pytest.approx(sq_dist(q[4 * j : 4 * j + 4], pq.codebooks_[j][c]), rel=1e-12, abs=1e-12)
    batch = pq.distance_tables(X[:5])
    assert batch.shape == (5, 3, 16)
    np.testing.assert_allclose(batch[0], pq.distance_tables(X[0]), rtol=1e-15)


def test_pq_adc_distance_is_the_distance_to_the_reconstruction(fitted):
    pq, X = fitted
    codes = pq.encode(X)
    queries = X[:4] + 0.1
    idx, dist = pq.search(queries, codes, 20)
    recon = pq.decode(codes)
    for r, q in enumerate(queries):
        adc = np.array([sq_dist(q, y) for y in recon])
        np.testing.assert_allclose(dist[r], adc[idx[r]], rtol=1e-12)
        np.testing.assert_allclose(dist[r], np.sort(adc)[:20], rtol=1e-12)
        assert np.all(np.diff(dist[r]) >= 0)


def test_pq_search_breaks_exact_ties_by_the_lower_index():
    # k = n distinct points: every point is its own centroid, all values are small
    # integers, the tables and their sums are exact, and repeated codes tie exactly.
    X = np.array([[0, 0, 0, 0], [1, 0, 2, 0], [0, 3, 0, 1], [2, 2, 1, 1]], dtype=np.float32)
    pq = ProductQuantizer(m=2, k=4, seed=0).fit(X)
    codes = pq.encode(np.array([[1, 0, 2, 0], [0, 0, 0, 0], [1, 0, 2, 0], [2, 2, 1, 1], [1, 0, 2, 0]], dtype=np.float32))
    idx, dist = pq.search(np.array([1, 0, 2, 0], dtype=np.float32), codes, 5)
    np.testing.assert_array_equal(idx, [0, 2, 4, 1, 3])
    np.testing.assert_array_equal(dist, [0, 0, 0, 5, 7])  # 1 + 4 and 1 + 4 + 1 + 1
    assert dist.dtype == np.float32


def test_pq_search_on_thousands_of_codes_matches_a_full_sort():
    """Large enough for the blocked, threaded scan; float32 sums against float64 ones."""
    X, _ = gaussian_mixture(20_000, 16, seed=7)
    pq = ProductQuantizer(m=4, k=32, n_iter=5, seed=1).fit(X[:3000])
    codes = pq.encode(X)
    assert codes.dtype == np.uint8
    queries = X[:40] + 0.05
    idx, dist = pq.search(queries, codes, 10)
    assert idx.shape == (40, 10) and dist.dtype == np.float32
    B = pq.codebooks_.astype(np.float64)
    for r, q in enumerate(queries):
        tables = [((q[4 * j : 4 * j + 4].astype(np.float64) - B[j]) ** 2).sum(1) for j in range(4)]
        adc = sum(tables[j][codes[:, j]] for j in range(4))
        np.testing.assert_allclose(dist[r], np.sort(adc)[:10], rtol=1e-5)
        np.testing.assert_allclose(adc[idx[r]], dist[r], rtol=1e-5)


def test_pq_search_1d_query_and_shapes(fitted):
    pq, X = fitted
    codes = pq.encode(X[:100])
    idx, dist = pq.search(X[3], codes, 4)
    assert idx.shape == (4,) and dist.shape == (4,)
    idx2, dist2 = pq.search(X[3:4], codes, 4)
    np.testing.assert_array_equal(idx, idx2[0])
    np.testing.assert_array_equal(dist, dist2[0])


def test_pq_uses_uint16_codes_above_256_centroids():
    X, _ = gaussian_mixture(600, 4, seed=8)
    pq = ProductQuantizer(m=2, k=300, n_iter=2).fit(X)
    codes = pq.encode(X)
    assert codes.dtype == np.uint16 and codes.max() >= 256
    idx, _ = pq.search(X[:2], codes, 3)
    assert idx.shape == (2, 3)


def test_pq_recall_improves_with_more_bytes():
    X, _ = gaussian_mixture(4100, 16, seed=9)
    rows = pq_tradeoff(X[:4000], X[4000:], ms=(2, 8), ks=(16,), n_iter=5)
    assert [(r["m"], r["k"]) for r in rows] == [(2, 16), (8, 16)]
    assert rows[0]["bytes_per_vector"] == 1.0 and rows[1]["bytes_per_vector"] == 4.0
    assert rows[1]["recall"] > rows[0]["recall"]
    assert rows[1]["distortion"] < rows[0]["distortion"]
    pq = ProductQuantizer(8, 16, n_iter=5).fit(X[:4000])
    truth, _ = rm.top_k(X[4000:], X[:4000], 10, metric="euclidean")
    found, _ = pq.search(X[4000:], pq.encode(X[:4000]), 10)
    assert rows[1]["recall"] == recall_at_k(found, truth)


class TestProductQuantizerBadInput:
    def test_m_must_divide_d(self):
        with pytest.raises(ValueError, match=r"^ProductQuantizer\.fit: m = 3 must divide the dimension d = 8"):
            ProductQuantizer(m=3, k=2).fit(np.zeros((4, 8)))

    def test_fewer_rows_than_k(self):
        with pytest.raises(ValueError, match=r"^ProductQuantizer\.fit: X has 3 rows but k = 4"):
            ProductQuantizer(m=1, k=4).fit(np.zeros((3, 2)))

    @pytest.mark.parametrize("kwargs, arg", [
        ({"m": 0}, "m"), ({"m": 2, "k": 0}, "k"), ({"m": 2, "k": 70000}, "k"),
        ({"m": 2, "n_iter": -1}, "n_iter"), ({"m": 2, "init": "x"}, "init"),
    ])
    def test_constructor_values(self, kwargs, arg):
        with pytest.raises(ValueError, match=names("ProductQuantizer", arg)):
            ProductQuantizer(**kwargs)

    @pytest.mark.parametrize("kwargs, arg", [({"m": 2.0}, "m"), ({"m": 2, "k": "8"}, "k"), ({"m": 2, "seed": None}, "seed")])
    def test_constructor_types(self, kwargs, arg):
        with pytest.raises(TypeError, match=names("ProductQuantizer", arg)):
            ProductQuantizer(**kwargs)

    def test_not_fitted(self):
        pq = ProductQuantizer(m=2, k=2)
        for call in (lambda: pq.encode(np.zeros((1, 4))), lambda: pq.decode([[0, 1]]),
                     lambda: pq.distance_tables(np.zeros(4)), lambda: pq.search(np.zeros(4), [[0, 0]], 1)):
            with pytest.raises(ValueError, match="not fitted"):
                call()
            with pytest.raises(NotFittedError, match=r"this ProductQuantizer is not fitted yet; call \.fit\(X\)"):
                call()
        with pytest.raises(NotFittedError, match=r"^ProductQuantizer\.inner_product_scores: .*not fitted"):
            pq.inner_product_scores(np.zeros(4), [[0, 0]])

    def test_wrong_dimension_after_fit(self, fitted):
        pq, X = fitted
        with pytest.raises(ValueError, match=names("ProductQuantizer.encode", "X") + ".*dimension 12"):
            pq.encode(np.zeros((2, 10)))
        with pytest.raises(ValueError, match=names("ProductQuantizer.search", "queries")):
            pq.search(np.zeros(11), pq.encode(X[:5]), 1)

    def test_bad_codes(self, fitted):
        pq, X = fitted
        with pytest.raises(ValueError, match=names("ProductQuantizer.decode", "codes") + r".*\[0, 16\)"):
            pq.decode([[0, 16, 1]])
        with pytest.raises(ValueError, match=names("ProductQuantizer.decode", "codes")):
            pq.decode([[0, -1, 1]])
        with pytest.raises(ValueError, match=names("ProductQuantizer.decode", "codes") + ".*shape"):
            pq.decode([[0, 1]])
        with pytest.raises(TypeError, match=names("ProductQuantizer.decode", "codes")):
            pq.decode([[0.0, 1.0, 2.0]])
        with pytest.raises(ValueError, match=names("ProductQuantizer.search", "codes")):
            pq.search(X[0], [0, 1, 2], 1)

    def test_search_k(self, fitted):
        pq, X = fitted
        codes = pq.encode(X[:5])
        with pytest.raises(ValueError, match=names("ProductQuantizer.search", "k")):
            pq.search(X[0], codes, 6)
        with pytest.raises(ValueError, match=names("ProductQuantizer.search", "k")):
            pq.search(X[0], codes, 0)
        with pytest.raises(TypeError, match=names("ProductQuantizer.search", "k")):
            pq.search(X[0], codes, 2.0)

    def test_nan_query(self, fitted):
        pq, X = fitted
        with pytest.raises(ValueError, match=names("ProductQuantizer.search", "queries") + ".*nan"):
            pq.search([math.nan] + [0.0] * 11, pq.encode(X[:5]), 1)

    def test_overflow_is_reported(self):
        X = np.array([[0.0, 0.0], [1.0, 1.0]], dtype=np.float32)
        pq = ProductQuantizer(m=1, k=2).fit(X)
        with pytest.raises(ValueError, match="overflow"):
            pq.search(np.array([3e38, 3e38], dtype=np.float32), pq.encode(X), 1)


# ======================================================================= memory
def test_pq_memory_of_a_million_768_dimensional_vectors():
    out = pq_memory_bytes(1_000_000, 768, 96, 256)
    assert out == {
        "codes": 96_000_000,  # 96 sub-codes of 8 bits = 96 bytes per vector
        "codebooks": 786_432,  # 256 · 768 floats of 4 bytes, once
        "total": 96_786_432,
        "raw": 3_072_000_000,
    }
    assert all(type(v) is int for v in out.values())


@pytest.mark.parametrize("n, m, k, code_bytes", [
    (1, 3, 8, 2),  # 9 bits -> 2 bytes
    (8, 3, 8, 9),  # 72 bits
    (10, 4, 4096, 60),  # 12-bit codes: 480 bits
    (10, 4, 1000, 50),  # ⌈log2 1000⌉ = 10 bits
    (10, 4, 1025, 55),  # 11 bits
    (5, 2, 1, 0),  # one centroid: nothing to store
    (3, 1, 2, 1),  # 3 bits -> 1 byte
])
def test_pq_memory_packs_codes_and_rounds_up(n, m, k, code_bytes):
    out = pq_memory_bytes(n, 4 * m, m, k, float_bytes=2)
    bits = n * m * math.ceil(math.log2(k)) if k > 1 else 0
    assert out["codes"] == code_bytes == -(-bits // 8)
    assert out["codebooks"] == k * 4 * m * 2
    assert out["total"] == out["codes"] + out["codebooks"]
    assert out["raw"] == n * 4 * m * 2


def test_popular_formula_and_its_gap():
    value = popular_pq_memory_formula(1_000_000, 768, 96, 256)
    assert value == 1_000_000 * (8 * 8 + 96 * 256 * 8)
    assert bytes_per_vector(96, 256) == 96.0 and bytes_per_vector(8, 4096) == 12.0


def test_adc_cost():
    assert adc_cost(1_000_000, 768, 96, 256) == {"tables": 196_608, "scan": 96_000_000, "exact": 768_000_000}


@pytest.mark.parametrize("func", [pq_memory_bytes, adc_cost, popular_pq_memory_formula])
def test_memory_functions_need_m_to_divide_d(func):
    with pytest.raises(ValueError, match=rf"^{func.__name__}: m = 5 must divide"):
        func(10, 768, 5, 256)
    with pytest.raises(ValueError, match=names(func.__name__, "n")):
        func(0, 768, 8, 256)
    with pytest.raises(TypeError, match=names(func.__name__, "k")):
        func(10, 768, 8, 256.0)


# ======================================================================= recall
def test_recall_worked_examples():
    assert recall_at_k([1, 2, 3], [3, 4, 1]) == pytest.approx(2 / 3)
    assert recall_at_k([[0, 1], [5, 6]], [[1, 0], [7, 8]]) == 0.5
    assert recall_at_k([[9, 8, 7, 1]], [[1, 2]]) == 0.5
    assert type(recall_at_k([1], [1])) is float


def test_recall_bad_input():
    with pytest.raises(TypeError, match=names("recall_at_k", "found")):
        recall_at_k([1.0, 2.0], [1, 2])
    with pytest.raises(ValueError, match=names("recall_at_k", "found")):
        recall_at_k([[1, 2]], [[1, 2], [3, 4]])
    with pytest.raises(ValueError, match=names("recall_at_k", "truth")):
        recall_at_k([1, 2], [2, 2])
    with pytest.raises(ValueError, match=names("recall_at_k", "truth")):
        recall_at_k([1, 2], [])


# ========================================================================== LSH
def pair_at_angle(theta, d, rng, lengths=(1.0, 1.0)):
    """Two vectors of R^d at angle theta, in a random plane."""
    Q, _ = np.linalg.qr(rng.standard_normal((d, 2)))
    e1, e2 = Q[:, 0], Q[:, 1]
    return lengths[0] * e1, lengths[1] * (math.cos(theta) * e1 + math.sin(theta) * e2)


def test_hash_bits_are_signs_of_seeded_gaussian_projections():
    lsh = RandomHyperplaneLSH(n_bits=64, dim=5, seed=3)
    planes = np.random.default_rng(3).standard_normal((64, 5))
    X = np.random.default_rng(0).standard_normal((7, 5))
    H = lsh.hash(X)
    assert H.dtype == np.bool_ and H.shape == (7, 64)
    for i in range(7):
        for b in range(64):
            assert H[i, b] == (math.fsum(planes[b] * X[i]) >= 0)
    np.testing.assert_array_equal(lsh.hash(X[2]), H[2])
    assert lsh.hash(np.zeros(5)).all()  # a·0 = 0 ≥ 0


def test_hash_depends_on_the_seed_only_through_the_planes():
    X = np.random.default_rng(1).standard_normal((3, 4))
    np.testing.assert_array_equal(RandomHyperplaneLSH(32, 4, seed=5).hash(X), RandomHyperplaneLSH(32, 4, seed=5).hash(X))
    assert not np.array_equal(RandomHyperplaneLSH(32, 4, seed=5).hash(X), RandomHyperplaneLSH(32, 4, seed=6).hash(X))


@pytest.mark.parametrize("theta_deg", [0, 20, 60, 90, 135, 180])
def test_collision_rate_is_one_minus_theta_over_pi(theta_deg):
    theta = math.radians(theta_deg)
    u, v = pair_at_angle(theta, 10, np.random.default_rng(theta_deg))
    n_bits = 40_000
    lsh = RandomHyperplaneLSH(n_bits, 10, seed=theta_deg)
    rate = float(np.mean(lsh.hash(u) == lsh.hash(v)))
    p = 1 - theta / math.pi
    assert hyperplane_collision_probability(theta) == pytest.approx(p, abs=1e-15)
    se = math.sqrt(p * (1 - p) / n_bits)
    assert abs(rate - p) <= 5 * se + 1e-12


def test_hamming_counts_differing_bits():
    lsh = RandomHyperplaneLSH(n_bits=48, dim=6, seed=2)
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((4, 6)), rng.standard_normal((5, 6))
    HX, HY = lsh.hash(X), lsh.hash(Y)
    H = lsh.hamming(X, Y)
    assert H.shape == (4, 5) and H.dtype == np.int64
    for i, j in product(range(4), range(5)):
        assert H[i, j] == sum(a != b for a, b in zip(HX[i], HY[j]))
    assert lsh.hamming(X[1], Y[2]) == H[1, 2] and type(lsh.hamming(X[1], Y[2])) is int
    np.testing.assert_array_equal(lsh.hamming(X[1], Y), H[1])
    np.testing.assert_array_equal(lsh.hamming(X, Y[2]), H[:, 2])
    assert lsh.hamming(X[0], X[0]) == 0 and lsh.hamming(X[0], -X[0]) <= 48


def test_collision_probability_values_and_errors():
    assert hyperplane_collision_probability(0.0) == 1.0
    assert hyperplane_collision_probability(math.pi / 2) == 0.5
    assert hyperplane_collision_probability(math.pi) == 0.0
    np.testing.assert_allclose(hyperplane_collision_probability([0, math.pi / 4]), [1.0, 0.75])
    for bad in (-0.1, 3.2, [0.0, 4.0]):
        with pytest.raises(ValueError, match=names("hyperplane_collision_probability", "theta")):
            hyperplane_collision_probability(bad)


@pytest.mark.parametrize("lengths", [(0.3, 0.3), (1.0, 1.0), (5.0, 5.0), (0.5, 4.0)])
def test_offset_collision_probability_matches_simulation(lengths):
    rng = np.random.default_rng(4)
    u, v = pair_at_angle(math.radians(60), 6, rng, lengths)
    n_bits = 40_000
    lsh = OffsetHyperplaneLSH(n_bits, 6, offset_scale=1.0, seed=8)
    rate = float(np.mean(lsh.hash(u) == lsh.hash(v)))
    p = offset_collision_probability(u, v, 1.0)
    # lifted vectors (u, 1), (v, 1): the angle between them, by hand
    uu, vv, uv = lengths[0] ** 2, lengths[1] ** 2, lengths[0] * lengths[1] * 0.5
    expected = 1 - math.acos((uv + 1) / math.sqrt((uu + 1) * (vv + 1))) / math.pi
    assert p == pytest.approx(expected, rel=1e-12)
    assert abs(rate - p) <= 5 * math.sqrt(p * (1 - p) / n_bits)


def test_offset_collision_depends_on_length_but_tends_to_the_angle_rule():
    rng = np.random.default_rng(5)
    short = offset_collision_probability(*pair_at_angle(1.0, 3, rng, (0.2, 0.2)))
    long = offset_collision_probability(*pair_at_angle(1.0, 3, rng, (1e4, 1e4)))
    assert short > 0.9 and long == pytest.approx(1 - 1.0 / math.pi, abs=1e-6)
    with pytest.raises(ValueError, match=names("offset_collision_probability", "offset_scale")):
        offset_collision_probability([1.0], [1.0], 0.0)
    with pytest.raises(ValueError, match=names("OffsetHyperplaneLSH", "offset_scale")):
        OffsetHyperplaneLSH(4, 2, offset_scale=-1.0)


def test_angle_estimate_is_unbiased_with_the_binomial_variance():
    theta, n_bits, trials = math.radians(50), 64, 400
    u, v = pair_at_angle(theta, 8, np.random.default_rng(6))
    lsh = RandomHyperplaneLSH(n_bits * trials, 8, seed=9)
    differ = (lsh.hash(u) != lsh.hash(v)).reshape(trials, n_bits).sum(axis=1)
    estimates = angle_estimate(differ, n_bits)
    variance = angle_estimate_variance(theta, n_bits)
    assert variance == pytest.approx(theta * (math.pi - theta) / n_bits)
    assert abs(estimates.mean() - theta) <= 5 * math.sqrt(variance / trials)
    assert 0.75 < estimates.var(ddof=1) / variance < 1.3  # sd of this ratio ≈ √(2/399) = 0.07
    assert angle_estimate(32, 64) == math.pi / 2
    with pytest.raises(ValueError, match=names("angle_estimate", "hamming")):
        angle_estimate(65, 64)


def test_s_curve_exact_values():
    for p, r, b in [(Fraction(1, 2), 3, 4), (Fraction(9, 10), 5, 20), (Fraction(1, 10), 2, 7)]:
        exact = 1 - (1 - p**r) ** b
        assert s_curve(float(p), r, b) == pytest.approx(float(exact), rel=1e-14)
    assert s_curve(0.0, 3, 5) == 0.0 and s_curve(1.0, 3, 5) == 1.0
    assert s_curve(1e-5, 4, 10) == pytest.approx(10 * 1e-20, rel=1e-9)  # no cancellation
    out = s_curve([0.1, 0.5, 0.9], 2, 3)
    assert out.shape == (3,) and np.all(np.diff(out) > 0)


@FAST
@given(r=st.integers(1, 20), b=st.integers(1, 100))
def test_s_curve_is_increasing_and_its_inflection_is_the_steepest_point(r, b):
    p = np.linspace(0, 1, 2001)
    S = s_curve(p, r, b)
    assert np.all(np.diff(S) >= 0)
    t = s_curve_threshold(r, b)
    assert t == pytest.approx((1 / b) ** (1 / r))
    assert s_curve(t, r, b) == pytest.approx(1 - (1 - 1 / b) ** b, rel=1e-12)
    star = s_curve_inflection(r, b)
    slope = np.diff(S) / np.diff(p)
    if r == 1:  # 1 − (1 − p)^b is concave: steepest at p = 0
        assert star == 0.0 and np.all(np.diff(slope) <= 1e-9)
    else:
        steepest = (p[:-1] + p[1:])[np.argmax(slope)] / 2
        assert abs(steepest - star) <= 1e-3


def test_s_curve_bad_input():
    with pytest.raises(ValueError, match=names("s_curve", "p")):
        s_curve(1.5, 2, 2)
    with pytest.raises(ValueError, match=names("s_curve", "r")):
        s_curve(0.5, 0, 2)
    with pytest.raises(TypeError, match=names("s_curve", "b")):
        s_curve(0.5, 2, 2.0)


def brute_candidates(Hq, Hd, r, b):
    out = np.zeros((len(Hq), len(Hd)), dtype=bool)
    for i, j in product(range(len(Hq)), range(len(Hd))):
        out[i, j] = any(np.array_equal(Hq[i, t * r : (t + 1) * r], Hd[j, t * r : (t + 1) * r]) for t in range(b))
    return out


@pytest.mark.parametrize("r, b", [(1, 1), (3, 4), (8, 2), (70, 1), (13, 3)])
def test_lsh_candidates_by_brute_force(r, b):
    rng = np.random.default_rng(r * 100 + b)
    Hd = rng.random((40, r * b + 5)) < 0.5
    Hq = rng.random((6, r * b + 5)) < 0.5
    Hq[0] = Hd[3]  # a query identical to a database row
    Hq[1, :r] = Hd[7, :r]  # shares the first band only
    out = lsh_candidates(Hq, Hd, r, b)
    np.testing.assert_array_equal(out, brute_candidates(Hq, Hd, r, b))
    assert out[0, 3] and out[1, 7]
    np.testing.assert_array_equal(lsh_candidates(Hq[2], Hd, r, b), out[2])


def test_lsh_candidates_bad_input():
    H = np.zeros((3, 8), dtype=bool)
    with pytest.raises(ValueError, match=r"^lsh_candidates: r·b = 9"):
        lsh_candidates(H, H, 3, 3)
    with pytest.raises(TypeError, match=names("lsh_candidates", "query_hashes")):
        lsh_candidates(H.astype(int), H, 2, 2)
    with pytest.raises(ValueError, match=names("lsh_candidates", "query_hashes")):
        lsh_candidates(np.zeros((3, 7), dtype=bool), H, 2, 2)


def test_lsh_recall_curve_agrees_with_lsh_candidates():
    X, _ = gaussian_mixture(520, 8, seed=10)
    db, Q = X[:500], X[500:]
    truth, _ = rm.top_k(Q, db, 5, metric="cosine")
    lsh = RandomHyperplaneLSH(4 * 6, 8, seed=1)
    Hq, Hd = lsh.hash(Q), lsh.hash(db)
    curve = lsh_recall_curve(Hq, Hd, truth, r=4, b_max=6)
    np.testing.assert_array_equal(curve["b"], np.arange(1, 7))
    for b in range(1, 7):
        cand = lsh_candidates(Hq, Hd, 4, b)
        assert curve["candidates"][b - 1] == pytest.approx(cand.sum(axis=1).mean())
        hits = np.mean([cand[i, truth[i]].mean() for i in range(len(Q))])
        assert curve["recall"][b - 1] == pytest.approx(hits)
    assert np.all(np.diff(curve["candidates"]) >= 0) and np.all(np.diff(curve["recall"]) >= 0)


# ========================================================================= data
def test_gaussian_mixture_is_seeded_and_clustered():
    X1, c1 = gaussian_mixture(1000, 5, n_clusters=4, seed=3)
    X2, c2 = gaussian_mixture(1000, 5, n_clusters=4, seed=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(c1, c2)
    assert X1.shape == (1000, 5) and X1.dtype == np.float32 and set(c1) <= {0, 1, 2, 3}
    assert not np.array_equal(gaussian_mixture(1000, 5, n_clusters=4, seed=4)[0], X1)
    # tight clusters: the points of a cluster are nearer their own mean than the global mean
    tight, cl = gaussian_mixture(2000, 5, n_clusters=4, spread=0.05, seed=1, dtype=np.float64)
    within = np.mean([((tight[cl == c] - tight[cl == c].mean(0)) ** 2).sum(1).mean() for c in set(cl)])
    assert within < 0.05 * ((tight - tight.mean(0)) ** 2).sum(1).mean()
    with pytest.raises(ValueError, match=names("gaussian_mixture", "n")):
        gaussian_mixture(0, 3)


@FAST
@given(hnp.arrays(np.float64, (6, 4), elements=st.floats(-10, 10)))
def test_kmeans_objective_matches_a_loop(X):
    C = X[:2] + 0.5
    labels = np.array([0, 1, 1, 0, 1, 0])
    assert kmeans_objective(X, C, labels) == pytest.approx(loop_objective(X, C, labels), rel=1e-12, abs=1e-12)


def test_offset_collision_probability_does_not_overflow_for_huge_vectors():
    # Perpendicular vectors of length 1e200: the offset (σ = 1) is negligible, so the
    # lifted angle is 90° to double precision and the probability is 1/2 (‖u‖² overflows).
    assert offset_collision_probability([1e200, 0.0], [0.0, 1e200]) == pytest.approx(0.5, abs=1e-15)
    assert offset_collision_probability([1e200, 0.0], [-1e200, 0.0]) == pytest.approx(0.0, abs=1e-15)
    # tiny vectors lift to nearly (0, σ): they almost always collide, whatever their angle
    assert offset_collision_probability([1e-300, 0.0], [-1e-300, 0.0]) == 1.0


# ================================================= inner products from codes (chapter 10)
def test_pq_inner_products_equal_dot_products_with_the_decoded_vectors():
    rng = np.random.default_rng(6)
    X, Q = rng.standard_normal((300, 12)), rng.standard_normal((5, 12))
    pq = ProductQuantizer(4, 16, n_iter=5, seed=0).fit(X)
    codes = pq.encode(X)
    by_loop = [[math.fsum(q[j * 3 + t] * pq.codebooks_[j, c[j], t] for j in range(4) for t in range(3))
                for c in codes] for q in Q]
    assert np.allclose(pq.inner_product_scores(Q, codes), by_loop, rtol=1e-10, atol=1e-12)
    assert np.allclose(pq.inner_product_scores(Q[0], codes), by_loop[0], rtol=1e-10, atol=1e-12)
    assert pq.inner_product_scores(Q, codes).shape == (5, 300)


def test_pq_inner_products_keep_float32_and_cover_several_blocks_of_codes():
    # 2500 codes: more than two blocks of the table scan; float32 queries give float32 scores
    rng = np.random.default_rng(11)
    X = rng.standard_normal((2500, 8)).astype(np.float32)
    pq = ProductQuantizer(2, 8, n_iter=3, seed=0).fit(X)
    codes = pq.encode(X)
    Q = rng.standard_normal((3, 8)).astype(np.float32)
    S = pq.inner_product_scores(Q, codes)
    assert S.dtype == np.float32
    expected = Q.astype(np.float64) @ pq.decode(codes).astype(np.float64).T
    np.testing.assert_allclose(S, expected, rtol=1e-5, atol=1e-5)


def test_pq_inner_product_bad_inputs():
    rng = np.random.default_rng(7)
    pq = ProductQuantizer(2, 4, n_iter=2).fit(rng.standard_normal((20, 4)))
    codes = pq.encode(rng.standard_normal((3, 4)))
    func = "ProductQuantizer.inner_product_scores"
    with pytest.raises(ValueError, match=names(func, "queries") + ".*dimension 3"):
        pq.inner_product_scores(np.ones(3), codes)
    with pytest.raises(ValueError, match=names(func, "codes") + r".*\[0, 4\)"):
        pq.inner_product_scores(np.ones(4), codes + 4)
    with pytest.raises(ValueError, match=names(func, "codes") + r".*\[0, 4\)"):
        pq.inner_product_scores(np.ones(4), codes.astype(np.int64) - 1)
    with pytest.raises(ValueError, match=names(func, "codes") + ".*2-D"):
        pq.inner_product_scores(np.ones(4), codes[0])
    with pytest.raises(TypeError, match=names(func, "codes")):
        pq.inner_product_scores(np.ones(4), codes.astype(float))
    with pytest.raises(ValueError, match=names(func, "queries") + ".*nan"):
        pq.inner_product_scores([1.0, math.nan, 0.0, 0.0], codes)
    wide = ProductQuantizer(2, 4, n_iter=2).fit(100 + rng.standard_normal((20, 4)))  # centroids near 100
    with pytest.raises(ValueError, match=rf"^{re.escape(func)}: the inner products overflow"):
        wide.inner_product_scores(np.full(4, 1e307), wide.encode(np.full((3, 4), 100.0)))


# ================================================================ memory of every index
def test_memory_formulas_against_what_is_allocated():
    X = np.zeros((37, 11), dtype=np.float32)
    assert dense_index_bytes(37, 11, 4) == X.nbytes
    M = sp.random(50, 30, density=0.2, format="csc", random_state=0, dtype=np.float64)
    M.indices = M.indices.astype(np.int32)
    M.indptr = M.indptr.astype(np.int32)
    assert sparse_index_bytes(M.nnz, M.shape[1]) == M.data.nbytes + M.indices.nbytes + M.indptr.nbytes
    texts = ["the codes of a vector", "a vector of floats", "every code is an index", "bits per code"]
    W = BM25().fit([tokenize(t) for t in texts]).matrix_
    assert sparse_index_bytes(W.nnz, W.shape[1]) == W.data.nbytes + W.indices.nbytes + W.indptr.nbytes
    lsh = RandomHyperplaneLSH(13, 11, seed=0)
    H = lsh.hash(np.random.default_rng(0).standard_normal((37, 11)))
    mem = lsh_index_bytes(37, 13, 11)
    assert mem["hashes"] == np.packbits(H, axis=1).nbytes == 37 * 2
    assert mem["planes"] == lsh.planes_.nbytes and mem["vectors"] == X.nbytes
    assert mem["total"] == mem["hashes"] + mem["planes"] + mem["vectors"]
    assert lsh_index_bytes(37, 13, 11, rerank=False)["vectors"] == 0


@pytest.mark.parametrize("call,words", [
    (lambda: dense_index_bytes(0, 3), "dense_index_bytes: n"),
    (lambda: sparse_index_bytes(-1, 3), "sparse_index_bytes: nnz"),
    (lambda: sparse_index_bytes(5, 0), "sparse_index_bytes: n_columns"),
    (lambda: lsh_index_bytes(3, 0, 2), "lsh_index_bytes: n_bits"),
])
def test_memory_bad_inputs(call, words):
    with pytest.raises(ValueError, match=words):
        call()


# ============================================================ seeds and the package
def test_a_generator_is_accepted_as_seed_and_ints_give_the_same_results_as_before():
    X, _ = gaussian_mixture(300, 4, seed=2, dtype=np.float64)
    C_int, labels_int = kmeans(X, 5, seed=7)
    C_gen, labels_gen = kmeans(X, 5, seed=np.random.default_rng(7))
    np.testing.assert_array_equal(C_int, C_gen)
    np.testing.assert_array_equal(labels_int, labels_gen)
    lsh = RandomHyperplaneLSH(8, 4, seed=np.random.default_rng(3))
    np.testing.assert_array_equal(lsh.planes_, np.random.default_rng(3).standard_normal((8, 4)))
    # an int seed s trains sub-space j with s + j, as always
    pq = ProductQuantizer(2, 4, n_iter=5, seed=3).fit(X)
    for j in range(2):
        np.testing.assert_array_equal(pq.codebooks_[j], kmeans(X[:, 2 * j:2 * j + 2], 4, 5, seed=3 + j)[0])
    # a Generator is drawn from by one sub-space after the other
    pq_gen = ProductQuantizer(2, 4, n_iter=5, seed=np.random.default_rng(3)).fit(X)
    rng = np.random.default_rng(3)
    for j in range(2):
        np.testing.assert_array_equal(pq_gen.codebooks_[j], kmeans(X[:, 2 * j:2 * j + 2], 4, 5, seed=rng)[0])
    assert repr(ProductQuantizer(2, 4, seed=np.int64(5))) == "ProductQuantizer(m=2, k=4, n_iter=25, seed=5)"
    with pytest.raises(ValueError, match=names("RandomHyperplaneLSH", "seed")):
        RandomHyperplaneLSH(8, 4, seed=-1)
    with pytest.raises(TypeError, match=names("gaussian_mixture", "seed")):
        gaussian_mixture(10, 2, seed="0")


def test_every_public_name_is_importable_from_the_package():
    for name in quantization.__all__:
        assert hasattr(quantization, name), name
    assert len(set(quantization.__all__)) == len(quantization.__all__)
    assert quantization.kmeans is kmeans and quantization.ProductQuantizer is ProductQuantizer


# ================================================================ the chapter's sweeps
SMALL = {"ms": (2, 4), "ks": (4, 16), "n": 800, "d": 8, "n_queries": 20, "n_train": 400, "n_iter": 5, "seed": 1}


def test_pq_tradeoff_table_by_an_independent_route():
    small_table = pq_tradeoff_table(**SMALL)
    assert [(r["m"], r["k"]) for r in small_table] == [(2, 4), (2, 16), (4, 4), (4, 16)]
    points, _ = gaussian_mixture(820, 8, seed=1)
    database, queries = points[:800], points[800:]
    row = small_table[3]
    pq = ProductQuantizer(4, 16, n_iter=5, seed=1).fit(database[:400])
    codes = pq.encode(database)
    recon = pq.decode(codes).astype(np.float64)
    errors = [math.fsum((x - y) ** 2) for x, y in zip(database.astype(np.float64), recon)]
    assert row["distortion"] == pytest.approx(math.fsum(errors) / 800, rel=1e-9)
    assert row["bytes_per_vector"] == 4 * 4 / 8
    exact = [np.argsort(((database.astype(np.float64) - q) ** 2).sum(1), kind="stable")[:10] for q in queries]
    found, _ = pq.search(queries, codes, 10)
    hits = [len(set(f) & set(t)) / 10 for f, t in zip(found.tolist(), exact)]
    assert row["recall"] == pytest.approx(np.mean(hits))
    assert pq_tradeoff_table(**SMALL) is small_table  # cached


def test_fit_sharing_starts_is_bit_for_bit_fit():
    # pq_tradeoff draws one k-means++ seeding per m and gives each k its first k rows:
    # the codebooks must equal those of fitting every quantizer on its own
    from ragmath.quantization.experiments import _fit_sharing_starts

    points, _ = gaussian_mixture(600, 8, seed=3)
    for m, seed in ((1, 0), (2, 5), (4, 7)):
        ks = (4, 32, 9, 64)  # not sorted: the largest k decides the seeding
        fitted = list(_fit_sharing_starts([ProductQuantizer(m, k, n_iter=6, seed=seed) for k in ks], points))
        assert [pq.k for pq in fitted] == list(ks)
        for pq, k in zip(fitted, ks):
            alone = ProductQuantizer(m, k, n_iter=6, seed=seed).fit(points)
            assert np.array_equal(pq.codebooks_, alone.codebooks_)
            assert pq.codebooks_.dtype == alone.codebooks_.dtype
            assert (pq.d_, pq.dsub_) == (alone.d_, alone.dsub_)
            assert np.array_equal(pq.encode(points), alone.encode(points))
    # not shareable (a shared Generator, uniform rows): each fitted on its own, as before
    for make in (lambda k: ProductQuantizer(2, k, n_iter=4, seed=np.random.default_rng(1)),
                 lambda k: ProductQuantizer(2, k, n_iter=4, seed=1, init="random")):
        fitted = list(_fit_sharing_starts([make(4), make(16)], points))
        again = [make(4).fit(points), make(16).fit(points)]
        for pq, alone in zip(fitted, again):
            assert np.array_equal(pq.codebooks_, alone.codebooks_)
    # too few rows for the largest k: the error of ProductQuantizer.fit
    with pytest.raises(ValueError, match="k = 64"):
        list(_fit_sharing_starts([ProductQuantizer(2, 4, seed=0), ProductQuantizer(2, 64, seed=0)], points[:40]))
    # pq_tradeoff through the shared seeding agrees with fitting each (m, k) alone
    database, queries = points[:560], points[560:]
    rows = pq_tradeoff(database, queries, ms=(2,), ks=(4, 16), n_iter=5, seed=2)
    pq = ProductQuantizer(2, 16, n_iter=5, seed=2).fit(database)
    assert rows[1]["distortion"] == pq_distortion(database, pq.decode(pq.encode(database)))


def test_lsh_curve_agrees_with_lsh_candidates():
    exp = lsh_experiment()
    curve = lsh_curve(6)
    for b in (1, 5, 40):
        cand = lsh_candidates(exp["query_hashes"], exp["database_hashes"], 6, b)
        assert curve["candidates"][b - 1] == pytest.approx(cand.sum(1).mean())
        found = [np.flatnonzero(row) for row in cand]
        hits = [np.isin(t, f).mean() for t, f in zip(exp["truth"], found)]
        assert curve["recall"][b - 1] == pytest.approx(np.mean(hits))
    assert exp["truth"].shape == (50, 10)
    assert exp["database_hashes"].shape == (5000, LSH_R_MAX * LSH_B_MAX)
    assert curve["b"].tolist() == list(range(1, LSH_B_MAX + 1))


def test_lsh_experiment_truth_is_exact_cosine_search_and_p_is_one_minus_theta_over_pi():
    exp = lsh_experiment(n=300, d=6, n_queries=4, n_neighbours=3, seed=2)
    points, _ = gaussian_mixture(304, 6, seed=2)
    db, Q = points[:300].astype(np.float64), points[300:].astype(np.float64)
    cos = (Q @ db.T) / np.outer(np.linalg.norm(Q, axis=1), np.linalg.norm(db, axis=1))
    for i in range(4):
        order = sorted(range(300), key=lambda j: (-cos[i, j], j))[:3]
        assert exp["truth"][i].tolist() == order
        theta = np.arccos(np.clip(cos[i, order], -1, 1))
        np.testing.assert_allclose(exp["p_neighbours"][3 * i:3 * i + 3], 1 - theta / math.pi, atol=1e-6)


def test_lsh_curve_bad_r():
    with pytest.raises(ValueError, match=names("lsh_curve", "r")):
        lsh_curve(LSH_R_MAX + 1)
    with pytest.raises(ValueError, match=names("lsh_curve", "r")):
        lsh_curve(0)
    with pytest.raises(TypeError, match=names("lsh_curve", "r")):
        lsh_curve("2")
