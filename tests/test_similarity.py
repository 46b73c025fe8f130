"""Tests of :mod:`ragmath.similarity` against its contract (``shared/API.md``).

Expected values come from hand-worked examples or from an independent
reference written here in plain Python: exact :class:`fractions.Fraction`
arithmetic for dot products and sums of squares, and one square root taken
at the end (:func:`sqrt_fraction`). For corpora of thousands of rows with
integer coordinates, the exact arithmetic is done on Python (or NumPy int64)
integers instead. The module's own helpers are never used to compute an
expected value.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ragmath.similarity import (
    cosine_similarity,
    distance_concentration,
    distance_to_similarity,
    euclidean_distance,
    relative_contrast_curve,
    row_norms,
    top_k,
    vector_pair,
)

# The contract forbids warnings as much as silent nans: every warning fails a test.
pytestmark = pytest.mark.filterwarnings("error")

METRICS = ("cosine", "dot", "euclidean")
PAIR_FUNCTIONS = {"cosine_similarity": cosine_similarity, "euclidean_distance": euclidean_distance}


# ------------------------------------------------------------------ independent reference
def exact_dot(x, y) -> Fraction:
    """x·y in exact rational arithmetic (every float is a rational number)."""
    return sum((Fraction(float(a)) * Fraction(float(b)) for a, b in zip(x, y)), Fraction(0))


def sqrt_fraction(s: Fraction) -> float:
    """√s for an exact non-negative rational s of any magnitude, to about one ulp.

    s is scaled by a power of 4 into [1/4, 4] so that neither the conversion to
    float nor the square root can overflow or underflow.
    """
    if s == 0:
        return 0.0
    e = (s.numerator.bit_length() - s.denominator.bit_length()) // 2
    return math.ldexp(math.sqrt(float(s / Fraction(4) ** e)), e)


def ref_norm(x) -> float:
    return sqrt_fraction(exact_dot(x, x))


def ref_distance(x, y) -> float:
    """‖x − y‖ from the exact differences (the direct formula, done exactly)."""
    return sqrt_fraction(
        sum(((Fraction(float(a)) - Fraction(float(b))) ** 2 for a, b in zip(x, y)), Fraction(0))
    )


def ref_cosine(x, y) -> float:
    """x·y / (‖x‖‖y‖), computed as ±√((x·y)² / (‖x‖²‖y‖²)) with exact rationals."""
    dot = exact_dot(x, y)
    if dot == 0:
        return 0.0
    cos = sqrt_fraction(dot * dot / (exact_dot(x, x) * exact_dot(y, y)))
    return cos if dot > 0 else -cos


REFERENCE = {
    "cosine_similarity": ref_cosine,
    "euclidean_distance": ref_distance,
}


def ref_matrix(func_name: str, A, B) -> np.ndarray:
    """The reference value for every pair of rows, with plain loops."""
    ref = REFERENCE[func_name]
    return np.array([[ref(a, b) for b in B] for a in A])


def ref_scores(query, corpus, metric: str) -> np.ndarray:
    """The score of every corpus row against one query, independently computed."""
    if metric == "cosine":
        return np.array([ref_cosine(query, c) for c in corpus])
    if metric == "dot":
        return np.array([float(exact_dot(query, c)) for c in corpus])
    return np.array([ref_distance(query, c) for c in corpus])


def int_ref_scores(query, corpus, metric: str) -> np.ndarray:
    """ref_scores for integer-valued vectors, with exact Python integers (much faster)."""
    q = [int(x) for x in query]
    rows = [[int(x) for x in c] for c in corpus]
    if metric == "dot":
        return np.array([float(sum(a * b for a, b in zip(q, c))) for c in rows])
    if metric == "euclidean":
        return np.array([math.sqrt(sum((a - b) ** 2 for a, b in zip(q, c))) for c in rows])
    qq = sum(a * a for a in q)
    return np.array(
        [sum(a * b for a, b in zip(q, c)) / math.sqrt(qq * sum(b * b for b in c)) for c in rows]
    )


def score_tolerance(query, corpus, metric: str) -> tuple[float, float]:
    """(rtol, atol) allowed between the module's scores and the exact ones.

    Cosines are bounded, so an absolute tolerance; a dot product is only known
    to within a few ulps of ‖q‖‖c‖; distances are computed from a − b and must
    be accurate relative to themselves.
    """
    if metric == "cosine":
        return 0.0, 1e-12
    if metric == "dot":
        scale = math.sqrt(float(exact_dot(query, query))) * max(
            math.sqrt(float(exact_dot(c, c))) for c in corpus
        )
        return 0.0, 1e-12 * max(scale, 1.0)
    return 1e-12, 0.0


def assert_top_k_matches(idx, scores, query, corpus, k, metric, ref=None):
    """One query's top_k result agrees with a stable full argsort of the reference scores.

    * the scores are the k best reference scores, best first, and each is the
      score of the index returned next to it;
    * the indices are exactly those of the stable argsort, except that two
      different vectors whose exact scores agree to within rounding may come in
      either order (their computed scores cannot be told apart);
    * identical corpus rows tie exactly and must come lowest index first.

    ``ref`` (the reference scores) is computed with :func:`ref_scores` if not given.
    """
    corpus = np.asarray(corpus, dtype=np.float64)
    ref = ref_scores(query, corpus, metric) if ref is None else np.asarray(ref)
    rtol, atol = score_tolerance(query, corpus, metric)
    order_key = ref if metric == "euclidean" else -ref
    expected = np.argsort(order_key, kind="stable")[:k]

    assert idx.shape == (k,) and scores.shape == (k,)
    assert np.issubdtype(idx.dtype, np.integer)
    assert len(set(idx.tolist())) == k, f"repeated indices {idx}"
    np.testing.assert_allclose(scores, ref[expected], rtol=rtol, atol=atol)
    np.testing.assert_allclose(scores, ref[idx], rtol=rtol, atol=atol)
    for got, want in zip(idx, expected):
        if got != want:
            assert math.isclose(ref[got], ref[want], rel_tol=rtol, abs_tol=atol), (
                f"top_k returned {idx.tolist()}, the stable argsort gives {expected.tolist()}"
            )
    returned = set(idx.tolist())
    for pos, i in enumerate(idx):
        twins = np.flatnonzero((corpus == corpus[i]).all(axis=1))
        lower_twins = twins[twins < i]
        assert set(lower_twins.tolist()) <= returned, (
            f"row {i} is returned but its identical, lower-index twin(s) {lower_twins} are not"
        )
        later = idx[pos + 1 :]
        assert not np.isin(lower_twins, later).any(), (
            f"identical rows out of index order in {idx.tolist()}"
        )


# -------------------------------------------------------------------- hypothesis data
_MAGNITUDE = st.floats(1e-3, 1e3)
# |x| ≤ 1e3 and no tiny non-zero entries, which would make cosines ill-conditioned.
SANE = st.one_of(st.just(0.0), _MAGNITUDE, _MAGNITUDE.map(lambda x: -x))
SMALL_INTS = st.integers(-3, 3).map(float)


def _nonzero_rows(X: np.ndarray) -> np.ndarray:
    """Replace each all-zero row by one with a 1 in front (cosine needs non-zero vectors)."""
    X = X.copy()
    X[~X.any(axis=1), 0] = 1.0
    return X


@st.composite
def row_batches(draw, d, max_rows=5, elements=SANE, nonzero=False):
    n = draw(st.integers(1, max_rows))
    X = draw(hnp.arrays(np.float64, (n, d), elements=elements))
    return _nonzero_rows(X) if nonzero else X


@st.composite
def search_problems(draw, metric, elements=SANE, max_rows=12):
    """(queries, corpus, k) with deliberate ties: copies of corpus rows inserted anywhere."""
    cosine = metric == "cosine"
    d = draw(st.integers(1, 6))
    base = draw(row_batches(d, max_rows=max_rows, elements=elements, nonzero=cosine))
    corpus = list(base)
    for source in draw(st.lists(st.integers(0, len(base) - 1), max_size=6)):
        corpus.insert(draw(st.integers(0, len(corpus))), base[source].copy())
    corpus = np.array(corpus)
    queries = draw(row_batches(d, max_rows=3, elements=elements, nonzero=cosine))
    if draw(st.booleans()):  # a query that is one of the corpus rows
        queries[0] = corpus[draw(st.integers(0, len(corpus) - 1))]
    k = draw(st.integers(1, len(corpus)))
    return queries, corpus, k


def names(func: str, arg: str) -> str:
    """Regex for an error message of the documented shape '<function>: <argument> ...'."""
    return rf"^{re.escape(func)}: {re.escape(arg)}\b"


# ====================================================================== worked examples
class TestWorkedExamples:
    """Values worked out by hand."""

    def test_cosine_of_45_degrees(self):
        assert cosine_similarity([1, 0], [1, 1]) == pytest.approx(1 / math.sqrt(2), rel=1e-15)

    def test_cosine_of_orthogonal_parallel_and_opposite_vectors(self):
        assert cosine_similarity([1, 0], [0, 1]) == pytest.approx(0.0, abs=1e-16)
        assert cosine_similarity([3, 4], [6, 8]) == pytest.approx(1.0, rel=1e-15)
        assert cosine_similarity([1, 1], [-2, -2]) == pytest.approx(-1.0, rel=1e-15)

    def test_cosine_of_123_and_456(self):
        # 1·4 + 2·5 + 3·6 = 32, ‖(1,2,3)‖² = 14, ‖(4,5,6)‖² = 77
        expected = 32 / math.sqrt(14 * 77)
        assert cosine_similarity([1, 2, 3], [4, 5, 6]) == pytest.approx(expected, rel=1e-15)

    def test_distance_of_a_3_4_5_triangle(self):
        assert euclidean_distance([0, 0], [3, 4]) == pytest.approx(5.0, rel=1e-15)
        assert euclidean_distance([1, 2, 7], [4, 6, 7]) == pytest.approx(5.0, rel=1e-15)

    def test_distance_of_a_point_to_itself_is_zero(self):
        assert euclidean_distance([1.5, -2.0, 3.25], [1.5, -2.0, 3.25]) == 0.0

    def test_distance_to_similarity_values(self):
        assert distance_to_similarity(0) == 1.0
        assert distance_to_similarity(1) == 0.5
        assert distance_to_similarity(3.0) == 0.25
        np.testing.assert_array_equal(distance_to_similarity([0, 1, 3]), [1.0, 0.5, 0.25])

    def test_row_norms_of_pythagorean_rows(self):
        assert row_norms([3, 4]) == pytest.approx(5.0, rel=1e-15)
        np.testing.assert_allclose(row_norms([[3, 4], [5, 12], [0, 0]]), [5, 13, 0], rtol=1e-15)

    def test_top_k_cosine(self):
        # cosines with [1, 0]: 1, 0, 1/√2, −1
        idx, scores = top_k([1, 0], [[1, 0], [0, 1], [1, 1], [-1, 0]], k=2)
        np.testing.assert_array_equal(idx, [0, 2])
        np.testing.assert_allclose(scores, [1.0, 1 / math.sqrt(2)], rtol=1e-15)

    def test_top_k_dot_breaks_a_tie_by_the_lower_index(self):
        # dot products with [1, 0]: 2, 0, 3, 3 -> indices 2 and 3 tie for first
        idx, scores = top_k([1, 0], [[2, 0], [0, 1], [3, 1], [3, -5]], k=3, metric="dot")
        np.testing.assert_array_equal(idx, [2, 3, 0])
        np.testing.assert_array_equal(scores, [3.0, 3.0, 2.0])

    def test_top_k_euclidean_returns_ascending_distances(self):
        # distances from [1, 0]: 0, √2, 1, 2
        idx, dist = top_k([1, 0], [[1, 0], [0, 1], [1, 1], [-1, 0]], k=3, metric="euclidean")
        np.testing.assert_array_equal(idx, [0, 2, 1])
        np.testing.assert_allclose(dist, [0.0, 1.0, math.sqrt(2)], rtol=1e-15)

    def test_top_k_euclidean_breaks_an_exact_tie_by_the_lower_index(self):
        # (3,1,1,1) and (2,2,2,0) are both at distance exactly √12 from the origin
        idx, dist = top_k([0, 0, 0, 0], [[3, 1, 1, 1], [2, 2, 2, 0]], k=2, metric="euclidean")
        np.testing.assert_array_equal(idx, [0, 1])
        np.testing.assert_allclose(dist, [math.sqrt(12)] * 2, rtol=1e-15)

    def test_top_k_with_k_equal_to_len_corpus_ranks_everything(self):
        idx, scores = top_k([0, 1], [[0, 1], [0, 3], [0, -1], [0, 2]], k=4, metric="dot")
        np.testing.assert_array_equal(idx, [1, 3, 0, 2])
        np.testing.assert_array_equal(scores, [3.0, 2.0, 1.0, -1.0])

    def test_zero_vectors_are_fine_for_euclidean_and_dot(self):
        assert euclidean_distance([0, 0], [0, 0]) == 0.0
        idx, scores = top_k([0, 0], [[1, 2], [0, 0]], k=2, metric="dot")
        np.testing.assert_array_equal(idx, [0, 1])  # two zero scores: lower index first
        np.testing.assert_array_equal(scores, [0.0, 0.0])
        idx, dist = top_k([0, 0], [[3, 4], [0, 0]], k=1, metric="euclidean")
        np.testing.assert_array_equal(idx, [1])
        np.testing.assert_array_equal(dist, [0.0])


# ==================================================================== shapes and types
SHAPE_CASES = [
    # (shape of a, shape of b, expected shape; None = Python float)
    ((3,), (3,), None),
    ((4, 3), (5, 3), (4, 5)),
    ((3,), (5, 3), (5,)),
    ((4, 3), (3,), (4,)),
    ((1, 3), (1, 3), (1, 1)),
]


@pytest.mark.parametrize("func_name", sorted(PAIR_FUNCTIONS))
@pytest.mark.parametrize(("shape_a", "shape_b", "expected_shape"), SHAPE_CASES)
def test_pair_functions_follow_the_shape_table(func_name, shape_a, shape_b, expected_shape):
    """Every row of the shape table, with the entries in the right places."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape_a)
    b = rng.standard_normal(shape_b)
    out = PAIR_FUNCTIONS[func_name](a, b)
    expected = ref_matrix(func_name, np.atleast_2d(a), np.atleast_2d(b))
    if expected_shape is None:
        assert type(out) is float
        assert out == pytest.approx(expected[0, 0], rel=1e-12)
        return
    assert isinstance(out, np.ndarray)
    assert out.shape == expected_shape
    np.testing.assert_allclose(out, expected.reshape(expected_shape), rtol=1e-12, atol=1e-15)


def test_pair_functions_accept_nested_lists_and_tuples():
    assert cosine_similarity((1, 0), [[1, 1], (0, 2)]) == pytest.approx(
        [1 / math.sqrt(2), 0.0], abs=1e-15
    )
    np.testing.assert_allclose(euclidean_distance([[0, 0]], ((3, 4), (6, 8))), [[5.0, 10.0]])


def test_row_norms_shapes():
    assert type(row_norms([3.0, 4.0])) is float
    out = row_norms(np.ones((4, 9)))
    assert isinstance(out, np.ndarray) and out.shape == (4,)
    np.testing.assert_allclose(out, [3.0] * 4, rtol=1e-15)


def test_distance_to_similarity_shapes():
    assert type(distance_to_similarity(2)) is float
    assert type(distance_to_similarity(np.float64(2.0))) is float
    assert type(distance_to_similarity(np.array(2.0))) is float
    d = np.arange(6.0).reshape(2, 3)
    out = distance_to_similarity(d)
    assert isinstance(out, np.ndarray) and out.shape == (2, 3)
    expected = [[float(1 / (1 + Fraction(x))) for x in row] for row in d.tolist()]
    np.testing.assert_allclose(out, expected, rtol=1e-15)


@pytest.mark.parametrize("metric", METRICS)
def test_top_k_shapes_for_a_1d_query(metric):
    rng = np.random.default_rng(1)
    idx, scores = top_k(rng.standard_normal(4), rng.standard_normal((9, 4)), 3, metric=metric)
    assert isinstance(idx, np.ndarray) and isinstance(scores, np.ndarray)
    assert idx.shape == (3,) and scores.shape == (3,)
    assert np.issubdtype(idx.dtype, np.integer)


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("n_queries", [1, 5])
def test_top_k_shapes_for_a_2d_query(metric, n_queries):
    rng = np.random.default_rng(2)
    queries = rng.standard_normal((n_queries, 4))
    idx, scores = top_k(queries, rng.standard_normal((9, 4)), 3, metric=metric)
    assert idx.shape == (n_queries, 3) and scores.shape == (n_queries, 3)
    assert np.issubdtype(idx.dtype, np.integer)


def test_top_k_accepts_a_numpy_integer_k():
    idx, _ = top_k([1, 0], [[1, 0], [0, 1], [1, 1]], np.int64(2))
    np.testing.assert_array_equal(idx, [0, 2])


# ---------------------------------------------------------------------------- dtypes
@pytest.mark.parametrize("func_name", sorted(PAIR_FUNCTIONS))
@pytest.mark.parametrize(("shape_a", "shape_b"), [((4, 3), (5, 3)), ((3,), (5, 3)), ((4, 3), (3,))])
def test_pair_functions_keep_float32(func_name, shape_a, shape_b):
    rng = np.random.default_rng(3)
    a = rng.standard_normal(shape_a).astype(np.float32)
    b = rng.standard_normal(shape_b).astype(np.float32)
    out = PAIR_FUNCTIONS[func_name](a, b)
    assert out.dtype == np.float32
    expected = ref_matrix(func_name, np.atleast_2d(a), np.atleast_2d(b)).reshape(out.shape)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("func_name", sorted(PAIR_FUNCTIONS))
def test_pair_functions_turn_integers_into_float64(func_name):
    out = PAIR_FUNCTIONS[func_name]([[1, 2], [3, 4]], np.array([[5, 6]], dtype=np.int32))
    assert out.dtype == np.float64


@pytest.mark.parametrize("func_name", sorted(PAIR_FUNCTIONS))
def test_pair_functions_promote_float32_with_float64_to_float64(func_name):
    a = np.ones((2, 3), dtype=np.float32)
    b = np.arange(1.0, 7.0).reshape(2, 3)
    assert PAIR_FUNCTIONS[func_name](a, b).dtype == np.float64
    assert PAIR_FUNCTIONS[func_name](b, a).dtype == np.float64


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [(np.float32, np.float32), (np.float64, np.float64), (np.int64, np.float64)],
)
def test_row_norms_and_distance_to_similarity_dtypes(dtype, expected):
    X = np.array([[3, 4], [6, 8]], dtype=dtype)
    assert row_norms(X).dtype == expected
    assert distance_to_similarity(X).dtype == expected


@pytest.mark.parametrize("metric", METRICS)
def test_top_k_keeps_float32(metric):
    rng = np.random.default_rng(4)
    Q = rng.standard_normal((2, 5)).astype(np.float32)
    C = rng.standard_normal((8, 5)).astype(np.float32)
    _, scores = top_k(Q, C, 3, metric=metric)
    assert scores.dtype == np.float32


@pytest.mark.parametrize("metric", METRICS)
def test_top_k_promotes_mixed_float32_float64(metric):
    rng = np.random.default_rng(5)
    Q = rng.standard_normal((2, 5)).astype(np.float32)
    C = rng.standard_normal((8, 5))
    assert top_k(Q, C, 3, metric=metric)[1].dtype == np.float64
    _, scores = top_k(Q.astype(np.float64), C.astype(np.float32), 3, metric=metric)
    assert scores.dtype == np.float64


@pytest.mark.parametrize("metric", METRICS)
def test_top_k_turns_integers_into_float64(metric):
    assert top_k([1, 2], [[1, 2], [3, 5], [2, 1]], 2, metric=metric)[1].dtype == np.float64


# ==================================================================== property tests
FAST = settings(max_examples=60, deadline=None)
NO_SHRINKING = [Phase.explicit, Phase.reuse, Phase.generate]


@FAST
@given(st.integers(1, 8).flatmap(lambda d: st.tuples(
    row_batches(d, nonzero=True), row_batches(d, nonzero=True))))
def test_cosine_matches_the_reference_and_lies_in_minus_one_one(pair):
    A, B = pair
    out = cosine_similarity(A, B)
    assert ((out >= -1.0) & (out <= 1.0)).all()
    np.testing.assert_allclose(out, ref_matrix("cosine_similarity", A, B), rtol=0, atol=1e-12)


@FAST
@given(st.integers(1, 8).flatmap(lambda d: st.tuples(
    row_batches(d, nonzero=True), row_batches(d, nonzero=True))))
def test_cosine_is_symmetric(pair):
    A, B = pair
    np.testing.assert_allclose(cosine_similarity(A, B), cosine_similarity(B, A).T, atol=1e-14)


@FAST
@given(
    st.integers(1, 8).flatmap(lambda d: st.tuples(
        row_batches(d, nonzero=True), row_batches(d, nonzero=True))),
    st.floats(1e-3, 1e3),
    st.floats(1e-3, 1e3),
)
def test_cosine_is_invariant_under_positive_scaling(pair, s, t):
    A, B = pair
    np.testing.assert_allclose(
        cosine_similarity(s * A, t * B), cosine_similarity(A, B), rtol=0, atol=1e-12
    )


@FAST
@given(st.integers(1, 8).flatmap(lambda d: row_batches(d, nonzero=True)))
def test_cosine_of_a_vector_with_itself_is_one_and_with_its_opposite_minus_one(A):
    for a in A:
        assert cosine_similarity(a, a) == pytest.approx(1.0, abs=1e-14)
        assert cosine_similarity(a, -a) == pytest.approx(-1.0, abs=1e-14)
    np.testing.assert_allclose(np.diag(cosine_similarity(A, A)), 1.0, atol=1e-14)


@FAST
@given(st.integers(1, 8).flatmap(lambda d: st.tuples(row_batches(d), row_batches(d))))
def test_euclidean_matches_the_direct_difference_formula(pair):
    A, B = pair
    np.testing.assert_allclose(
        euclidean_distance(A, B), ref_matrix("euclidean_distance", A, B), rtol=1e-12, atol=0
    )


@FAST
@given(st.integers(1, 8).flatmap(lambda d: st.tuples(row_batches(d), row_batches(d))))
def test_euclidean_is_symmetric_and_non_negative(pair):
    A, B = pair
    D = euclidean_distance(A, B)
    assert (D >= 0).all()
    np.testing.assert_allclose(D, euclidean_distance(B, A).T, rtol=1e-12, atol=0)


@FAST
@given(st.integers(1, 8).flatmap(lambda d: row_batches(d)))
def test_euclidean_is_zero_exactly_on_identical_inputs(A):
    assert (np.diag(euclidean_distance(A, A)) == 0.0).all()
    for a in A:
        assert euclidean_distance(a, a.copy()) == 0.0


@FAST
@given(st.integers(1, 8).flatmap(
    lambda d: hnp.arrays(np.float64, (3, d), elements=SANE)))
def test_euclidean_satisfies_the_triangle_inequality(xyz):
    x, y, z = xyz
    dxy, dyz, dxz = euclidean_distance(x, y), euclidean_distance(y, z), euclidean_distance(x, z)
    assert dxz <= (dxy + dyz) * (1 + 1e-12)


@FAST
@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=10))
def test_distance_to_similarity_is_in_0_1_decreasing_and_exact(ds):
    out = distance_to_similarity(ds)
    expected = [float(1 / (1 + Fraction(d))) for d in ds]
    np.testing.assert_allclose(out, expected, rtol=1e-15)
    assert ((out > 0) & (out <= 1)).all()
    order = np.argsort(ds)
    assert (np.diff(out[order]) <= 0).all()


@FAST
@given(st.integers(1, 8).flatmap(lambda d: row_batches(d, max_rows=6)))
def test_row_norms_match_the_reference(X):
    np.testing.assert_allclose(row_norms(X), [ref_norm(x) for x in X], rtol=1e-14)


@pytest.mark.parametrize("metric", METRICS)
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_top_k_agrees_with_a_stable_argsort_of_the_reference(metric, data):
    queries, corpus, k = data.draw(search_problems(metric))
    single = data.draw(st.booleans())
    if single:
        idx, scores = top_k(queries[0], corpus, k, metric=metric)
        assert idx.shape == (k,) and scores.shape == (k,)
        assert_top_k_matches(idx, scores, queries[0], corpus, k, metric)
        return
    idx, scores = top_k(queries, corpus, k, metric=metric)
    assert idx.shape == (len(queries), k) and scores.shape == (len(queries), k)
    for r, query in enumerate(queries):
        assert_top_k_matches(idx[r], scores[r], query, corpus, k, metric)


@pytest.mark.parametrize("metric", ["dot", "euclidean"])
@settings(max_examples=150, deadline=None, phases=NO_SHRINKING)
@given(data=st.data())
def test_top_k_breaks_exact_ties_of_integer_vectors_by_the_lower_index(metric, data):
    """With small integer coordinates, dot products and squared distances are exact
    in float64, so ties between *different* vectors are exact ties too, and the
    result must be exactly the stable argsort (lower index first).
    (Shrinking is off: it takes tens of seconds on this test.)"""
    queries, corpus, k = data.draw(search_problems(metric, elements=SMALL_INTS, max_rows=30))
    idx, scores = top_k(queries, corpus, k, metric=metric)
    for r, q in enumerate(queries):
        if metric == "dot":
            exact = [sum(int(a) * int(b) for a, b in zip(q, c)) for c in corpus]
            expected = sorted(range(len(corpus)), key=lambda j: -exact[j])[:k]
            np.testing.assert_array_equal(scores[r], [exact[j] for j in expected])
        else:
            exact = [sum((int(a) - int(b)) ** 2 for a, b in zip(q, c)) for c in corpus]
            expected = sorted(range(len(corpus)), key=lambda j: exact[j])[:k]
            expected_distances = [math.sqrt(exact[j]) for j in expected]
            np.testing.assert_allclose(scores[r], expected_distances, rtol=1e-15)
        assert idx[r].tolist() == expected  # sorted() is stable: ties keep index order


@pytest.mark.parametrize("metric", METRICS)
@settings(max_examples=12, deadline=None, phases=NO_SHRINKING)
@given(
    data=st.data(), seed=st.integers(0, 2**32 - 1), n=st.integers(2100, 3000), k=st.integers(1, 2)
)
def test_top_k_on_a_corpus_of_thousands_of_rows(metric, data, seed, n, k):
    """Large enough for the block-wise candidate search (N ≥ 1024·k), with some
    duplicated rows, and the query and twice the query planted anywhere, often
    among the last rows. Integer coordinates keep the reference exact and fast.
    (No shrinking: the example is a seed, and shrinking thousands of rows is slow.)
    """
    rng = np.random.default_rng(seed)
    d = int(rng.integers(3, 7))
    corpus = rng.integers(-50, 51, size=(n, d)).astype(np.float64)
    corpus[rng.integers(0, n, size=20)] = corpus[rng.integers(0, n, size=20)]  # twins
    corpus[~corpus.any(axis=1), 0] = 1.0
    query = rng.integers(-50, 51, size=d).astype(np.float64)
    if not query.any():
        query[0] = 1.0
    anywhere_or_near_the_end = st.integers(0, n - 1) | st.integers(n - 64, n - 1)
    corpus[data.draw(anywhere_or_near_the_end, label="row of the query")] = query
    corpus[data.draw(anywhere_or_near_the_end, label="row of twice the query")] = 2 * query
    idx, scores = top_k(query, corpus, k, metric=metric)
    ref = int_ref_scores(query, corpus, metric)
    assert_top_k_matches(idx, scores, query, corpus, k, metric, ref=ref)


@pytest.mark.parametrize("n", [1025, 1300, 2049, 5000])
@pytest.mark.parametrize("best_row", ["first", "last"])
def test_top_k_cosine_finds_the_best_row_at_either_end_of_a_long_corpus(n, best_row):
    """All rows at 45° from the query except one parallel to it (cosine 1)."""
    corpus = np.tile([1.0, 0.0], (n, 1))
    best = 0 if best_row == "first" else n - 1
    corpus[best] = [3.0, 3.0]
    idx, scores = top_k([1.0, 1.0], corpus, 2)
    np.testing.assert_array_equal(idx, [best, 1 if best == 0 else 0])
    np.testing.assert_allclose(scores, [1.0, 1 / math.sqrt(2)], rtol=1e-15)


@pytest.mark.parametrize("metric", METRICS)
def test_top_k_on_a_corpus_large_enough_for_the_threaded_passes(metric):
    """A corpus and a score matrix of more than 2**21 entries, the size from which
    the module splits its passes over them across threads. Integer coordinates
    make the reference exact: NumPy's int64 product (no BLAS, no rounding), then
    one division or square root per score.
    """
    rng = np.random.default_rng(7)
    n, d, q, k = 2**15 + 123, 64, 64, 5
    Ci = rng.integers(-2, 3, size=(n, d))
    Qi = rng.integers(-2, 3, size=(q, d))
    Ci[~Ci.any(axis=1), 0] = 1
    dots = Qi @ Ci.T  # exact
    if metric == "dot":
        ref = dots.astype(np.float64)
    elif metric == "cosine":
        sq_c, sq_q = (Ci * Ci).sum(axis=1), (Qi * Qi).sum(axis=1)
        ref = dots / np.sqrt(sq_q[:, None] * sq_c[None, :]).astype(np.float64)
    else:
        sq = (Qi * Qi).sum(axis=1)[:, None] + (Ci * Ci).sum(axis=1)[None, :] - 2 * dots
        ref = np.sqrt(sq.astype(np.float64))
    key = ref if metric == "euclidean" else -ref
    expected = np.argsort(key, axis=1, kind="stable")[:, :k]
    idx, scores = top_k(Qi.astype(np.float64), Ci.astype(np.float64), k, metric=metric)
    for columns in (expected, idx):  # the k best scores, each the score of its index
        np.testing.assert_allclose(
            scores, np.take_along_axis(ref, columns, axis=1), rtol=1e-12, atol=1e-14
        )
    if metric == "dot":  # exact scores: the order must be exactly the stable argsort
        np.testing.assert_array_equal(idx, expected)


# ================================================================ numerical accuracy
def test_contract_cancellation_example():
    x, y = [1e8, 1e8 + 1], [1e8 + 1, 1e8]
    assert euclidean_distance(x, y) == pytest.approx(math.sqrt(2), rel=1e-12)


# (offset, gap): coordinates offset + gap·(small integer); the expansion
# ‖a‖² + ‖b‖² − 2a·b would lose about log10((offset/gap)²) digits.
CANCELLATION_CASES = [
    (1.0, 2.0**-10),
    (1e2, 2.0**-3),
    (1e3, 1.0),
    (1e4, 1.0),
    (1e6, 2.0**-4),
    (1e8, 1.0),
    (1e12, 2.0**8),
]


def _near_points(offset, gap, shape, seed):
    rng = np.random.default_rng(seed)
    return offset + gap * rng.integers(-8, 9, size=shape)


@pytest.mark.parametrize(("offset", "gap"), CANCELLATION_CASES)
def test_euclidean_is_accurate_for_large_nearly_equal_vectors(offset, gap):
    A = _near_points(offset, gap, (4, 3), seed=10)
    B = _near_points(offset, gap, (5, 3), seed=11)
    D = euclidean_distance(A, B)
    np.testing.assert_allclose(D, ref_matrix("euclidean_distance", A, B), rtol=1e-12, atol=0)
    for a in A:
        for b in B:
            assert euclidean_distance(a, b) == pytest.approx(ref_distance(a, b), rel=1e-12, abs=0)


@pytest.mark.parametrize(("offset", "gap"), CANCELLATION_CASES)
def test_top_k_euclidean_is_accurate_for_large_nearly_equal_vectors(offset, gap):
    corpus = _near_points(offset, gap, (40, 3), seed=12)
    queries = _near_points(offset, gap, (3, 3), seed=13)
    idx, dist = top_k(queries, corpus, 5, metric="euclidean")
    for r, q in enumerate(queries):
        assert_top_k_matches(idx[r], dist[r], q, corpus, 5, "euclidean")


@pytest.mark.parametrize("offset", [1e2, 1e3, 1e4, 1e6])
def test_float32_euclidean_has_no_catastrophic_cancellation(offset):
    x = np.array([offset, offset + 1], dtype=np.float32)
    y = np.array([offset + 1, offset], dtype=np.float32)
    assert euclidean_distance(x, y) == pytest.approx(math.sqrt(2), rel=1e-6)
    _, dist = top_k(x, np.stack([y, y + 1]), 1, metric="euclidean")
    assert dist.dtype == np.float32
    assert float(dist[0]) == pytest.approx(math.sqrt(2), rel=1e-6)


# ---------------------------------------------------------------- huge and tiny values
EXTREME_SCALES = [1e200, 1e300, 1e-200, 1e-300]


@pytest.mark.parametrize("scale", EXTREME_SCALES)
def test_row_norms_of_huge_and_tiny_vectors(scale):
    X = scale * np.array([[3.0, 4.0], [5.0, 12.0], [1.0, 1.0]])
    out = row_norms(X)
    assert np.isfinite(out).all() and (out > 0).all()
    np.testing.assert_allclose(out, [ref_norm(x) for x in X], rtol=1e-14)
    assert row_norms(X[0]) == pytest.approx(ref_norm(X[0]), rel=1e-14)


@pytest.mark.parametrize("scale", [1e30, 1e-30])
def test_row_norms_of_huge_and_tiny_float32_vectors(scale):
    X = (scale * np.array([[3.0, 4.0], [5.0, 12.0]])).astype(np.float32)
    out = row_norms(X)
    assert out.dtype == np.float32 and np.isfinite(out).all()
    np.testing.assert_allclose(out, [ref_norm(x) for x in X], rtol=1e-6)


@pytest.mark.parametrize("scale_a", EXTREME_SCALES + [1.0])
@pytest.mark.parametrize("scale_b", EXTREME_SCALES + [1.0])
def test_cosine_of_huge_and_tiny_vectors(scale_a, scale_b):
    a = scale_a * np.array([1.0, 2.0, 3.0])
    b = scale_b * np.array([4.0, 5.0, 6.0])
    out = cosine_similarity(a, b)
    assert out == pytest.approx(32 / math.sqrt(14 * 77), rel=1e-14)
    assert cosine_similarity(a, a) == pytest.approx(1.0, abs=1e-15)


def test_cosine_matrix_mixing_huge_normal_and_tiny_rows():
    A = np.array([[1e200, 2e200], [1.0, 2.0], [1e-200, 2e-200], [3e-300, -4e-300]])
    B = np.array([[2e250, 1e250], [-1e-250, 3e-250]])
    out = cosine_similarity(A, B)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, ref_matrix("cosine_similarity", A, B), atol=1e-14)


@pytest.mark.parametrize(
    ("scale", "dtype"),
    [(1e200, np.float64), (1e-150, np.float64), (1e-160, np.float64), (1e-200, np.float64),
     (1e-300, np.float64), (1e30, np.float32), (1e-25, np.float32)],
)
def test_euclidean_distance_of_huge_and_tiny_vectors(scale, dtype):
    A = (scale * np.array([[1.0, 0.0], [1.0, 2.0], [3.0, 0.5]])).astype(dtype)
    B = (scale * np.array([[0.0, 1.0], [1.5, 0.25]])).astype(dtype)
    D = euclidean_distance(A, B)
    assert D.dtype == dtype and np.isfinite(D).all()
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(D, ref_matrix("euclidean_distance", A, B), rtol=rtol, atol=0)


def test_euclidean_distance_of_opposite_vectors_near_the_float_maximum():
    # a − b = 1.6e308 still fits in a float64, although 8e307 + 8e307 needs care
    assert euclidean_distance([8e307, 0.0], [-8e307, 0.0]) == pytest.approx(1.6e308, rel=1e-15)


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
@pytest.mark.parametrize("scale", [1e200, 1e-200, 1e-161])
def test_top_k_of_huge_and_tiny_vectors(metric, scale):
    rng = np.random.default_rng(20)
    corpus = scale * rng.standard_normal((30, 4))
    queries = scale * rng.standard_normal((2, 4))
    idx, scores = top_k(queries, corpus, 4, metric=metric)
    assert np.isfinite(scores).all()
    for r, q in enumerate(queries):
        assert_top_k_matches(idx[r], scores[r], q, corpus, 4, metric)


def test_top_k_euclidean_finds_the_nearest_of_two_tiny_vectors():
    s = 1e-161
    query = [s, s]
    corpus = [[1.001 * s, s], [s, 0.99 * s]]  # distances 1e-164 and 1e-163
    idx, dist = top_k(query, corpus, 1, metric="euclidean")
    assert idx.tolist() == [0]
    assert dist[0] == pytest.approx(ref_distance(query, corpus[0]), rel=1e-12)


# ======================================================================== bad input
class TestCosineZeroVectors:
    def test_zero_1d_a(self):
        with pytest.raises(ValueError, match=names("cosine_similarity", "a") + ".*zero"):
            cosine_similarity([0.0, 0.0], [1.0, 2.0])

    def test_zero_1d_b(self):
        with pytest.raises(ValueError, match=names("cosine_similarity", "b") + ".*zero"):
            cosine_similarity([1.0, 2.0], [0, 0])

    def test_zero_row_of_a_is_named(self):
        A = np.ones((5, 3))
        A[3] = 0.0
        with pytest.raises(ValueError, match=names("cosine_similarity", "a") + r".*\brow 3\b"):
            cosine_similarity(A, np.ones((2, 3)))

    def test_zero_row_of_b_is_named(self):
        B = np.ones((4, 3))
        B[2] = 0.0
        with pytest.raises(ValueError, match=names("cosine_similarity", "b") + r".*\brow 2\b"):
            cosine_similarity([1, 2, 3], B)

    def test_zero_query_in_top_k(self):
        with pytest.raises(ValueError, match=names("top_k", "queries") + ".*zero"):
            top_k([0.0, 0.0], [[1.0, 2.0], [3.0, 4.0]], 1)

    def test_zero_row_of_a_2d_query_in_top_k_is_named(self):
        with pytest.raises(ValueError, match=names("top_k", "queries") + r".*\brow 1\b"):
            top_k([[1.0, 0.0], [0.0, 0.0]], [[1.0, 2.0], [3.0, 4.0]], 1, metric="cosine")

    def test_zero_corpus_row_in_top_k_is_named(self):
        corpus = np.ones((6, 2))
        corpus[4] = 0.0
        with pytest.raises(ValueError, match=names("top_k", "corpus") + r".*\brow 4\b"):
            top_k([1.0, 2.0], corpus, 2, metric="cosine")


class TestDistanceToSimilarityBadInput:
    def test_negative_scalar(self):
        message = names("distance_to_similarity", "d") + ".*non-negative"
        with pytest.raises(ValueError, match=message):
            distance_to_similarity(-0.5)

    def test_negative_entry_of_an_array(self):
        with pytest.raises(ValueError, match=names("distance_to_similarity", "d")):
            distance_to_similarity([0.0, 1.0, -1e-9])

    @pytest.mark.parametrize("bad", [math.nan, math.inf, [1.0, math.nan], [[0.0], [math.inf]]])
    def test_nan_and_inf(self, bad):
        with pytest.raises(ValueError, match=names("distance_to_similarity", "d")):
            distance_to_similarity(bad)

    @pytest.mark.parametrize("bad", [None, "1.0", [1j], 2 + 0j, ["a", "b"]])
    def test_wrong_types(self, bad):
        with pytest.raises(TypeError, match=names("distance_to_similarity", "d")):
            distance_to_similarity(bad)


class TestTopKArguments:
    Q = [1.0, 0.0]
    C = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]

    @pytest.mark.parametrize("metric", METRICS)
    def test_k_larger_than_the_corpus(self, metric):
        with pytest.raises(ValueError, match=names("top_k", "k")):
            top_k(self.Q, self.C, 4, metric=metric)

    @pytest.mark.parametrize("k", [0, -1])
    def test_k_below_one(self, k):
        with pytest.raises(ValueError, match=names("top_k", "k")):
            top_k(self.Q, self.C, k)

    @pytest.mark.parametrize("k", [2.0, np.float64(2.0), True, False, "2", None])
    def test_k_not_an_integer(self, k):
        with pytest.raises(TypeError, match=names("top_k", "k")):
            top_k(self.Q, self.C, k)

    @pytest.mark.parametrize("metric", ["manhattan", "Cosine", "", "l2"])
    def test_unknown_metric(self, metric):
        with pytest.raises(ValueError, match=names("top_k", "metric")):
            top_k(self.Q, self.C, 1, metric=metric)

    @pytest.mark.parametrize("metric", METRICS)
    def test_dimension_mismatch(self, metric):
        with pytest.raises(ValueError, match=names("top_k", "queries") + r".*\bcorpus\b"):
            top_k([1.0, 2.0, 3.0], self.C, 1, metric=metric)

    @pytest.mark.parametrize("metric", METRICS)
    @pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
    def test_nan_or_inf_in_the_query(self, metric, bad):
        with pytest.raises(ValueError, match=names("top_k", "queries")):
            top_k([[1.0, 0.0], [bad, 1.0]], self.C, 1, metric=metric)

    @pytest.mark.parametrize("metric", METRICS)
    @pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
    def test_nan_or_inf_in_the_corpus(self, metric, bad):
        corpus = np.ones((5, 2))
        corpus[3, 1] = bad
        with pytest.raises(ValueError, match=names("top_k", "corpus")):
            top_k(self.Q, corpus, 1, metric=metric)

    def test_1d_corpus(self):
        with pytest.raises(ValueError, match=names("top_k", "corpus")):
            top_k(self.Q, [1.0, 0.0], 1)

    @pytest.mark.parametrize(("queries", "corpus", "arg"), [
        (np.ones((2, 2, 2)), C, "queries"),
        (Q, np.ones((3, 2, 2)), "corpus"),
        (3.0, C, "queries"),
    ])
    def test_wrong_number_of_dimensions(self, queries, corpus, arg):
        with pytest.raises(ValueError, match=names("top_k", arg)):
            top_k(queries, corpus, 1)

    @pytest.mark.parametrize(("queries", "corpus", "arg"), [
        ([], C, "queries"),
        (np.empty((0, 2)), C, "queries"),
        (Q, np.empty((0, 2)), "corpus"),
        (np.empty((1, 0)), np.empty((3, 0)), "queries"),
    ])
    def test_empty_arrays(self, queries, corpus, arg):
        with pytest.raises(ValueError, match=names("top_k", arg)):
            top_k(queries, corpus, 1)

    @pytest.mark.parametrize("bad", [None, "query", [1j, 0], ["1", "0"]])
    def test_wrong_type_of_queries(self, bad):
        with pytest.raises(TypeError, match=names("top_k", "queries")):
            top_k(bad, self.C, 1)

    @pytest.mark.parametrize("bad", [None, "corpus", [[1j, 0]], [["1", "0"]]])
    def test_wrong_type_of_corpus(self, bad):
        with pytest.raises(TypeError, match=names("top_k", "corpus")):
            top_k(self.Q, bad, 1)

    def test_ragged_corpus(self):
        with pytest.raises(ValueError, match=names("top_k", "corpus")):
            top_k(self.Q, [[1.0, 0.0], [1.0]], 1)


@pytest.mark.parametrize("func_name", sorted(PAIR_FUNCTIONS))
class TestPairFunctionsBadInput:
    def test_dimension_mismatch(self, func_name):
        func = PAIR_FUNCTIONS[func_name]
        for a, b in [([1, 2], [1, 2, 3]), ([[1, 2]], [[1, 2, 3]]), ([1, 2], [[1, 2, 3]])]:
            with pytest.raises(ValueError, match=names(func_name, "a") + r".*\bb\b"):
                func(a, b)

    @pytest.mark.parametrize("arg", ["a", "b"])
    @pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
    def test_nan_and_inf(self, func_name, arg, bad):
        good = np.ones((3, 2))
        broken = good.copy()
        broken[1, 0] = bad
        args = {"a": good, "b": good, arg: broken}
        with pytest.raises(ValueError, match=names(func_name, arg) + r".*\b(nan|inf)\b"):
            PAIR_FUNCTIONS[func_name](args["a"], args["b"])
        args = {"a": [1.0, 1.0], "b": [1.0, 1.0], arg: [bad, 1.0]}
        with pytest.raises(ValueError, match=names(func_name, arg)):
            PAIR_FUNCTIONS[func_name](args["a"], args["b"])

    @pytest.mark.parametrize("arg", ["a", "b"])
    @pytest.mark.parametrize("bad", [None, "1, 2", b"12", [1 + 2j, 3], 1j, ["1", "2"]])
    def test_wrong_types(self, func_name, arg, bad):
        args = {"a": [1.0, 2.0], "b": [3.0, 4.0], arg: bad}
        with pytest.raises(TypeError, match=names(func_name, arg)):
            PAIR_FUNCTIONS[func_name](args["a"], args["b"])

    @pytest.mark.parametrize("arg", ["a", "b"])
    def test_ragged_lists(self, func_name, arg):
        args = {"a": [[1.0, 2.0]], "b": [[3.0, 4.0]], arg: [[1.0, 2.0], [3.0]]}
        with pytest.raises(ValueError, match=names(func_name, arg)):
            PAIR_FUNCTIONS[func_name](args["a"], args["b"])

    @pytest.mark.parametrize("arg", ["a", "b"])
    @pytest.mark.parametrize("bad", [np.ones((2, 2, 2)), 3.0])
    def test_wrong_number_of_dimensions(self, func_name, arg, bad):
        args = {"a": [1.0, 2.0], "b": [3.0, 4.0], arg: bad}
        with pytest.raises(ValueError, match=names(func_name, arg)):
            PAIR_FUNCTIONS[func_name](args["a"], args["b"])

    @pytest.mark.parametrize("arg", ["a", "b"])
    @pytest.mark.parametrize("empty", [[], np.empty((0, 2)), np.empty((2, 0))])
    def test_empty_arrays(self, func_name, arg, empty):
        args = {"a": np.ones((1, 2)), "b": np.ones((1, 2)), arg: empty}
        with pytest.raises(ValueError, match=names(func_name, arg)):
            PAIR_FUNCTIONS[func_name](args["a"], args["b"])


class TestRowNormsBadInput:
    @pytest.mark.parametrize("bad", [[1.0, math.nan], [[1.0], [math.inf]]])
    def test_nan_and_inf(self, bad):
        with pytest.raises(ValueError, match=names("row_norms", "X")):
            row_norms(bad)

    @pytest.mark.parametrize("bad", [None, "abc", [1j]])
    def test_wrong_types(self, bad):
        with pytest.raises(TypeError, match=names("row_norms", "X")):
            row_norms(bad)

    @pytest.mark.parametrize("bad", [[], np.ones((2, 2, 2)), [[1.0], [1.0, 2.0]]])
    def test_bad_shapes(self, bad):
        with pytest.raises(ValueError, match=names("row_norms", "X")):
            row_norms(bad)


# ====================================================================== the experiments
def law_of_cosines(theta_deg, la, lb):
    t = math.radians(theta_deg)
    return math.sqrt(la * la + lb * lb - 2 * la * lb * math.cos(t))


@pytest.mark.parametrize("theta, la, lb", [(0, 1, 1), (60, 1, 1), (90, 2, 1), (135, 0.5, 3), (180, 1, 2)])
def test_vector_pair_values(theta, la, lb):
    v = vector_pair(theta, la, lb)
    assert v["cosine"] == pytest.approx(math.cos(math.radians(theta)), abs=1e-12)
    assert v["distance"] == pytest.approx(law_of_cosines(theta, la, lb), abs=1e-12)
    assert v["similarity"] == pytest.approx(1 / (1 + law_of_cosines(theta, la, lb)), abs=1e-12)
    assert v["dot"] == pytest.approx(la * lb * math.cos(math.radians(theta)), abs=1e-12)
    assert np.hypot(*v["a"]) == pytest.approx(la) and np.hypot(*v["b"]) == pytest.approx(lb)


def test_vector_pair_rejects_bad_input():
    with pytest.raises(ValueError, match=names("vector_pair", "length_b")):
        vector_pair(30, 1.0, 0.0)
    with pytest.raises(TypeError, match=names("vector_pair", "length_a")):
        vector_pair(30, "1")
    with pytest.raises(ValueError, match=names("vector_pair", "angle_deg")):
        vector_pair(float("nan"))


def brute_force_distances(dim, n_points, seed):
    """The same draws as distance_concentration (points, then the query), distances by hand."""
    rng = np.random.default_rng(seed)
    points = rng.random((n_points, dim))
    query = rng.random(dim)
    return np.sort(np.sqrt(((points - query) ** 2).sum(axis=1)))


@pytest.mark.parametrize("dim", [1, 7, 300])
def test_distance_concentration_matches_brute_force(dim):
    result = distance_concentration(dim, n_points=200, seed=3)
    expected = brute_force_distances(dim, 200, 3)
    np.testing.assert_allclose(result["distances"], expected, rtol=1e-10)
    assert result["min"] == result["distances"][0] and result["max"] == result["distances"][-1]
    assert result["contrast"] == pytest.approx((expected[-1] - expected[0]) / expected[0])


def test_distance_concentration_seeds():
    first = distance_concentration(5, n_points=50, seed=1)
    first["distances"][0] = -1.0  # the caller's copy: the cached draw is untouched
    again = distance_concentration(5, n_points=50, seed=1)
    np.testing.assert_allclose(again["distances"], brute_force_distances(5, 50, 1), rtol=1e-12)
    from_generator = distance_concentration(5, n_points=50, seed=np.random.default_rng(1))
    np.testing.assert_array_equal(from_generator["distances"], again["distances"])
    rng = np.random.default_rng(1)
    distance_concentration(5, n_points=50, seed=rng)
    assert distance_concentration(5, n_points=50, seed=rng)["contrast"] != again["contrast"]  # a stream


def test_contrast_shrinks_with_dimension():
    curve = relative_contrast_curve([2, 20, 200, 2000], n_points=300, seed=0)
    assert curve.shape == (4,) and curve.dtype == np.float64
    assert np.all(np.diff(curve) < 0), curve
    assert curve[-1] < 0.2 < 1 < curve[0]
    assert curve[1] == distance_concentration(20, n_points=300, seed=0)["contrast"]


def test_distance_concentration_rejects_bad_input():
    with pytest.raises(ValueError, match=names("distance_concentration", "dim")):
        distance_concentration(0)
    with pytest.raises(TypeError, match=names("distance_concentration", "dim")):
        distance_concentration(2.5)
    with pytest.raises(ValueError, match=names("distance_concentration", "n_points")):
        distance_concentration(2, n_points=1)
    with pytest.raises(TypeError, match=names("distance_concentration", "seed")):
        distance_concentration(2, seed=None)
    with pytest.raises(ValueError, match=names("distance_concentration", "seed")):
        distance_concentration(2, seed=-1)
    with pytest.raises(TypeError, match=names("distance_concentration", "dim")):
        relative_contrast_curve([2, 2.5])


# --------------------------------------------------------- issue 15: near-duplicates
from ragmath.similarity import (  # noqa: E402
    _recomputed_pairs,
    angle_between,
    jl_dimension,
    k_occurrence,
    k_occurrence_skewness,
    near_duplicate_experiment,
    pairwise_distortions,
    random_projection,
)


def test_recomputed_pairs_is_the_decision_euclidean_distance_takes():
    """Kept pairs return exactly the expansion's value; recomputed ones the direct formula's."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((6, 40))
    B = np.vstack([A[:3] + 1e-6 * rng.standard_normal((3, 40)), rng.standard_normal((4, 40))])
    mask = _recomputed_pairs(A, B)
    assert mask.shape == (6, 7) and mask.dtype == bool
    assert mask[np.arange(3), np.arange(3)].all()  # the near-duplicates
    assert not mask[:, 3:].any()  # independent vectors: far apart for their length
    D = euclidean_distance(A, B)
    na2, nb2 = np.einsum("ij,ij->i", A, A), np.einsum("ij,ij->i", B, B)
    expansion = np.sqrt(np.maximum(na2[:, None] + nb2[None, :] - 2 * (A @ B.T), 0))
    assert np.array_equal(D[~mask], expansion[~mask])
    direct = np.sqrt(((A[:, None, :] - B[None, :, :]) ** 2).sum(axis=2))
    assert np.allclose(D[mask], direct[mask], rtol=1e-14, atol=0)
    assert _recomputed_pairs([1e8, 1e8 + 1], [1e8 + 1, 1e8]) is True
    assert _recomputed_pairs(A[0], B[4]) is False
    assert _recomputed_pairs(A[0], B).shape == (7,)


def test_the_bound_criterion_agrees_with_the_mask():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((5, 64)).astype(np.float32)
    B = (A + np.float32(1e-2) * rng.standard_normal((5, 64)).astype(np.float32))
    u = np.finfo(np.float32).eps / 2
    mask = _recomputed_pairs(A, B)
    na2, nb2 = np.einsum("ij,ij->i", A, A), np.einsum("ij,ij->i", B, B)
    fast = na2[:, None] + nb2[None, :] - 2 * (A @ B.T)
    bound = (2 * 64 + 3) * u * (na2[:, None] + nb2[None, :])
    assert np.array_equal(mask, bound > 2**12 * u * fast)


def test_top_k_euclidean_ranks_float32_near_duplicates_exactly():
    for seed in range(5):
        e = near_duplicate_experiment(seed=seed)
        idx, dist = top_k(e["query"], e["points"], k=20, metric="euclidean")
        assert np.array_equal(idx, np.argsort(e["true"], kind="stable"))
        assert np.allclose(dist, np.sort(e["true"]), rtol=1e-5)


def test_near_duplicate_experiment_shows_the_float32_collapse():
    e = near_duplicate_experiment(seed=3)
    assert e["points"].dtype == np.float32 and e["true"].dtype == np.float64
    assert np.allclose(e["true"], np.sort(e["true"])[np.argsort(np.argsort(e["true"]))])
    assert 1e-4 * 0.99 < e["true"].min() and e["true"].max() < 5e-4 * 1.01
    assert len(np.unique(e["cosine"])) <= 6 and len(np.unique(e["dot"])) <= 8
    assert np.array_equal(np.argsort(e["subtraction"], kind="stable"), np.argsort(e["true"]))
    assert np.allclose(e["angle"], 2 * np.arcsin(e["true"] / 2), rtol=1e-4)
    e64 = near_duplicate_experiment(seed=3, dtype="float64")
    assert len(np.unique(e64["cosine"])) == 20


@pytest.mark.parametrize("kwargs, match", [
    ({"n": 1}, "n must be at least 2"), ({"low": 5e-4, "high": 1e-4}, "low and high"),
    ({"dtype": "float16"}, "dtype must be one of"), ({"dim": 1}, "dim must be at least 2"),
])
def test_near_duplicate_experiment_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        near_duplicate_experiment(**kwargs)


def test_angle_between_is_accurate_where_arccos_is_not():
    assert math.isclose(angle_between([1, 0], [0, 3]), math.pi / 2, rel_tol=1e-15)
    assert math.isclose(angle_between([1, 0], [-2, 0]), math.pi, rel_tol=1e-15)
    assert angle_between([1, 0], [5, 0]) == 0.0
    for t in [1e-9, 1e-6, 1e-3]:
        got = angle_between([1.0, 0.0], [math.cos(t), math.sin(t)])
        assert math.isclose(got, t, rel_tol=1e-12)
    # near 180° too: π − t
    t = 1e-7
    got = angle_between([1.0, 0.0], [-math.cos(t), math.sin(t)])
    assert math.isclose(math.pi - got, t, rel_tol=1e-6)
    M = angle_between([[1, 0], [0, 1]], [[1, 1], [-1, 0], [0, 2]])
    assert M.shape == (2, 3) and np.allclose(M, [[math.pi / 4, math.pi, math.pi / 2],
                                                 [math.pi / 4, math.pi / 2, 0]])
    assert angle_between(np.float32([1, 0]), np.float32([[0, 1]])).dtype == np.float32


def test_angle_between_rejects_zero_vectors():
    with pytest.raises(ValueError, match="angle_between: b is the zero vector"):
        angle_between([1, 0], [0, 0])
    with pytest.raises(ValueError, match="angle_between: a has a zero-norm row"):
        angle_between([[1, 0], [0, 0]], [1, 1])


def test_the_angle_is_a_metric_and_one_minus_cos_is_not():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((60, 5))
    T = angle_between(X, X)
    i, j, k = rng.integers(0, 60, (3, 2000))
    assert np.all(T[i, k] <= T[i, j] + T[j, k] + 1e-12)
    a, b, c = [1, 0], [0.5, math.sqrt(3) / 2], [-0.5, math.sqrt(3) / 2]  # 0°, 60°, 120°
    one_minus = lambda x, y: 1 - cosine_similarity(x, y)  # noqa: E731
    assert one_minus(a, c) > one_minus(a, b) + one_minus(b, c) + 0.4


def test_k_occurrence_counts_by_hand():
    X = [[0.0], [1.0], [2.0], [3.5]]
    # nearest of 0 is 1; of 1: 0 and 2 tie at 1, lower index 0; of 2: 1; of 3.5: 2
    assert k_occurrence(X, k=1, metric="euclidean").tolist() == [1, 2, 1, 0]
    counts = k_occurrence(X, k=2, metric="euclidean")
    assert counts.sum() == 8 and counts.tolist() == [1, 3, 3, 1]
    rng = np.random.default_rng(3)
    Y = rng.standard_normal((30, 6))
    U = Y / np.linalg.norm(Y, axis=1)[:, None]
    S = U @ U.T
    np.fill_diagonal(S, -np.inf)
    expected = np.bincount(np.argsort(-S, axis=1, kind="stable")[:, :4].ravel(), minlength=30)
    assert np.array_equal(k_occurrence(Y, k=4), expected)


def test_k_occurrence_skewness_matches_scipy():
    scipy_stats = pytest.importorskip("scipy.stats")
    Y = np.random.default_rng(4).standard_normal((80, 30))
    counts = k_occurrence(Y, k=5, metric="euclidean")
    assert math.isclose(k_occurrence_skewness(Y, k=5, metric="euclidean"),
                        scipy_stats.skew(counts), rel_tol=1e-12)


@pytest.mark.parametrize("args, match", [
    (([[1.0, 0.0]], 1), "at least 2 rows"), (([[1.0], [2.0]], 2), "k must be at most n − 1"),
    (([[1.0], [2.0]], 1, "dot"), "metric must be one of"),
    (([[0.0, 0.0], [1.0, 0.0]], 1), "zero-norm row"),
])
def test_k_occurrence_rejects_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        k_occurrence(*args)


def test_k_occurrence_skewness_rejects_a_constant_count():
    with pytest.raises(ValueError, match="k_occurrence_skewness: every point"):
        k_occurrence_skewness([[0.0], [1.0]], k=1, metric="euclidean")


def test_random_projection_preserves_squared_norms_on_average():
    x = np.zeros(50)
    x[0] = 1.0
    ratios = [np.sum(random_projection(x, 20, seed=s) ** 2) for s in range(400)]
    assert abs(np.mean(ratios) - 1) < 4 * math.sqrt(2 / 20) / math.sqrt(400)
    Y1, Y2 = random_projection(np.eye(5), 3, seed=7), random_projection(np.eye(5), 3, seed=7)
    assert np.array_equal(Y1, Y2) and Y1.shape == (5, 3)
    with pytest.raises(ValueError, match="random_projection: k must be at least 1"):
        random_projection(np.eye(3), 0)


def test_jl_dimension_matches_the_formula():
    assert jl_dimension(308, 0.5) == math.ceil(4 * math.log(308) / (0.125 - 0.125 / 3))
    assert jl_dimension(2, 0.99) >= 1
    for bad in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError, match="jl_dimension: eps must lie in"):
            jl_dimension(100, bad)
    with pytest.raises(ValueError, match="jl_dimension: n must be at least 2"):
        jl_dimension(1, 0.5)


def test_pairwise_distortions_by_hand_and_rejects_duplicates():
    r = pairwise_distortions([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]], [[0.0], [2.0], [2.0]])
    assert np.allclose(r, [4.0, 1.0, 0.0])
    with pytest.raises(ValueError, match="rows 0 and 1 of X coincide"):
        pairwise_distortions([[1.0, 1.0], [1.0, 1.0]], [[0.0], [1.0]])
    with pytest.raises(ValueError, match="same number of rows"):
        pairwise_distortions([[1.0], [2.0]], [[0.0]])
