"""Tests of :mod:`ragmath.information` against its contract (``shared/API.md``).

Expected values come from hand-worked examples or from an independent
reference written here in plain Python: loops with :func:`math.log` and
:func:`math.fsum`, exact :class:`fractions.Fraction` arithmetic, and the
:mod:`decimal` module at 60 significant digits for log-sum-exp and
log-softmax (its exp and ln do not overflow at e^1000). The module's own
functions are never used to compute an expected value.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ragmath.information import (
    bigram_surprisal,
    cross_entropy,
    cross_entropy_curve,
    cross_entropy_from_logits,
    empirical_distribution,
    entropy,
    kl_divergence,
    log_softmax,
    log_sum_exp,
    perplexity,
    perplexity_curve,
    prediction_summary,
    to_bits,
)

# The contract forbids warnings as much as silent nans: every warning fails a test.
pytestmark = pytest.mark.filterwarnings("error")


# ------------------------------------------------------------------ independent reference
def ref_entropy(p) -> float:
    return -math.fsum(x * math.log(x) for x in p if x > 0)


def ref_cross_entropy(p, q) -> float:
    """−Σ p log q with 0·log q = 0 and p·log 0 = −∞ for p > 0."""
    if any(x > 0 and y == 0 for x, y in zip(p, q)):
        return math.inf
    return -math.fsum(x * math.log(y) for x, y in zip(p, q) if x > 0)


def ref_log_ratio(x: float, y: float) -> float:
    """log(x / y) from the exact ratio, correctly rounded before the log unless out of range."""
    r = Fraction(x) / Fraction(y)
    if Fraction(1, 10**300) < r < 10**300:
        return math.log(float(r))
    return math.log(x) - math.log(y)


def ref_kl(p, q) -> float:
    p, q = [float(x) for x in p], [float(y) for y in q]
    if any(x > 0 and y == 0 for x, y in zip(p, q)):
        return math.inf
    return math.fsum(x * ref_log_ratio(x, y) for x, y in zip(p, q) if x > 0)


def dec_lse(z) -> float:
    """log Σ e^z in 60-digit decimal arithmetic, no shift needed."""
    with localcontext() as ctx:
        ctx.prec = 60
        return float(sum(Decimal(float(x)).exp() for x in z).ln())


def dec_log_softmax(z) -> list[float]:
    with localcontext() as ctx:
        ctx.prec = 60
        lse = sum(Decimal(float(x)).exp() for x in z).ln()
        return [float(Decimal(float(x)) - lse) for x in z]


def ref_perplexity(probs) -> float:
    """(Π 1/p_i)^(1/N), the geometric mean of the inverse probabilities (info-ppl-geometric)."""
    return math.exp(-math.fsum(math.log(p) for p in probs) / len(probs))


def names(func: str, arg: str) -> str:
    """Regex for an error message of the documented shape '<function>: <argument> ...'."""
    return rf"^{re.escape(func)}: {re.escape(arg)}\b"


# -------------------------------------------------------------------- hypothesis data
@st.composite
def prob_vectors(draw, v=None, zeros=True, min_v=1, max_v=8):
    """A probability vector of length v (drawn if None), possibly with exact zeros."""
    v = draw(st.integers(min_v, max_v)) if v is None else v
    low = 0.0 if zeros else 1e-3
    w = np.array(draw(st.lists(st.floats(low, 1.0), min_size=v, max_size=v)))
    assume(w.sum() > 1e-3)
    return w / w.sum()


@st.composite
def prob_pairs(draw, zeros=True, positive_q=False):
    v = draw(st.integers(1, 8))
    return draw(prob_vectors(v, zeros)), draw(prob_vectors(v, zeros and not positive_q))


LOGITS = hnp.arrays(
    np.float64,
    st.tuples(st.integers(1, 5), st.integers(1, 8)),
    elements=st.floats(-50, 50),
)
FAST = settings(max_examples=80, deadline=None)


# ====================================================================== worked examples
class TestWorkedExamples:
    def test_entropy_of_a_fair_coin_is_log_2(self):
        assert entropy([0.5, 0.5]) == pytest.approx(math.log(2), rel=1e-15)
        assert to_bits(entropy([0.5, 0.5])) == pytest.approx(1.0, rel=1e-15)

    @pytest.mark.parametrize("v", [1, 2, 6, 50_000])
    def test_entropy_of_the_uniform_distribution_is_log_v(self, v):
        assert entropy(np.full(v, 1 / v)) == pytest.approx(math.log(v), rel=1e-12, abs=1e-15)

    def test_entropy_of_a_one_hot_vector_is_zero(self):
        assert entropy([0.0, 1.0, 0.0]) == 0.0

    def test_entropy_of_quarters_in_bits(self):
        # (1/2, 1/4, 1/8, 1/8): 1/2·1 + 1/4·2 + 2·1/8·3 = 1.75 bits
        assert to_bits(entropy([0.5, 0.25, 0.125, 0.125])) == pytest.approx(1.75, rel=1e-15)

    def test_kl_is_not_symmetric(self):
        p, q = [0.5, 0.5], [0.9, 0.1]
        # ½ log(½/0.9) + ½ log(½/0.1) = ½ log(25/9) = log(5/3)
        assert kl_divergence(p, q) == pytest.approx(math.log(5 / 3), rel=1e-14)
        assert kl_divergence(q, p) == pytest.approx(0.9 * math.log(1.8) + 0.1 * math.log(0.2), rel=1e-14)
        assert kl_divergence(p, q) != pytest.approx(kl_divergence(q, p), rel=0.1)

    def test_kl_of_a_distribution_with_itself_is_exactly_zero(self):
        p = [0.1, 0.2, 0.3, 0.4, 0.0]
        assert kl_divergence(p, p) == 0.0

    def test_kl_infinite_where_q_misses_mass_of_p(self):
        assert kl_divergence([0.5, 0.5], [1.0, 0.0]) == math.inf
        assert kl_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(math.log(2), rel=1e-15)

    def test_cross_entropy_with_labels(self):
        q = [[0.5, 0.5, 0.0], [0.1, 0.2, 0.7]]
        expected = -math.log(0.5) - math.log(0.7)
        assert cross_entropy([0, 2], q) == pytest.approx(expected, rel=1e-15)
        assert cross_entropy([0, 2], q, reduction="mean") == pytest.approx(expected / 2, rel=1e-15)
        assert cross_entropy(np.array([0, 2], dtype=np.uint8), q) == pytest.approx(expected, rel=1e-15)

    def test_cross_entropy_with_one_hot_rows_equals_labels(self):
        q = [[0.5, 0.5, 0.0], [0.1, 0.2, 0.7]]
        one_hot = [[1, 0, 0], [0, 0, 1]]
        assert cross_entropy(one_hot, q) == pytest.approx(cross_entropy([0, 2], q), rel=1e-15)

    def test_cross_entropy_zero_predicted_probability(self):
        q = [[0.5, 0.5, 0.0]]
        assert cross_entropy([2], q) == math.inf
        assert cross_entropy([[0.0, 0.0, 1.0]], q) == math.inf
        # 0·log 0 = 0: no mass of the target on the zero
        assert cross_entropy([[0.5, 0.5, 0.0]], q) == pytest.approx(math.log(2), rel=1e-15)

    def test_cross_entropy_single_row_and_single_label(self):
        q = [0.25, 0.25, 0.5]
        assert cross_entropy(2, q) == pytest.approx(math.log(2), rel=1e-15)
        assert cross_entropy(np.int64(0), q) == pytest.approx(math.log(4), rel=1e-15)
        assert cross_entropy([0.5, 0.5, 0.0], q) == pytest.approx(math.log(4), rel=1e-15)

    def test_soft_targets(self):
        p, q = [[0.5, 0.25, 0.25]], [[0.25, 0.25, 0.5]]
        expected = -(0.5 * math.log(0.25) + 0.25 * math.log(0.25) + 0.25 * math.log(0.5))
        assert cross_entropy(p, q) == pytest.approx(expected, rel=1e-15)

    def test_log_sum_exp_of_large_and_small_logits(self):
        assert log_sum_exp([1000.0, 1000.0]) == pytest.approx(1000 + math.log(2), rel=1e-15)
        assert log_sum_exp([-1000.0, -1001.0]) == pytest.approx(
            -1000 + math.log1p(math.exp(-1)), rel=1e-15
        )
        assert log_sum_exp([0.0]) == 0.0

    def test_log_softmax_of_extreme_logits(self):
        out = log_softmax([1e4, -1e4])
        np.testing.assert_array_equal(out, [0.0, -2e4])
        out = log_softmax([[1e4, 1e4], [-1e4, -1e4]])
        np.testing.assert_allclose(out, np.full((2, 2), -math.log(2)), rtol=1e-15)

    def test_cross_entropy_from_logits_of_a_very_wrong_prediction(self):
        # true loss: LSE(0, 1000) − 0 = 1000 + log(1 + e^−1000) = 1000 in float64
        assert cross_entropy_from_logits([[0.0, 1000.0]], [0]) == 1000.0
        assert cross_entropy_from_logits([0.0, 1000.0], 0) == 1000.0
        assert cross_entropy_from_logits([[0.0, 1000.0]], [1]) == 0.0

    def test_cross_entropy_from_logits_of_a_confident_right_prediction_keeps_its_digits(self):
        # LSE(20, 0) − 20 = log(1 + e^−20) ≈ 2.06e-9: log1p, not log(1.00000000206)
        assert cross_entropy_from_logits([[20.0, 0.0]], [0]) == pytest.approx(
            math.log1p(math.exp(-20.0)), rel=1e-15
        )
        assert log_softmax([40.0, 0.0])[0] == pytest.approx(-math.exp(-40.0), rel=1e-15)

    def test_cross_entropy_from_logits_worked_example(self):
        z = [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]
        lse0 = math.log(math.e + math.e**2 + math.e**3)
        expected = [lse0 - 1.0, math.log(3)]
        assert cross_entropy_from_logits(z, [0, 2]) == pytest.approx(sum(expected) / 2, rel=1e-15)
        assert cross_entropy_from_logits(z, [0, 2], reduction="sum") == pytest.approx(sum(expected), rel=1e-15)

    def test_cross_entropy_from_logits_soft_labels(self):
        z = [1.0, 2.0, 3.0]
        p = [0.2, 0.3, 0.5]
        lsm = dec_log_softmax(z)
        expected = -math.fsum(a * b for a, b in zip(p, lsm))
        assert cross_entropy_from_logits(z, p) == pytest.approx(expected, rel=1e-14)

    def test_perplexity_is_the_geometric_mean_of_inverse_probabilities(self):
        # (2 · 4 · 8)^(1/3) = 4
        assert perplexity(np.log([0.5, 0.25, 0.125])) == pytest.approx(4.0, rel=1e-15)

    @pytest.mark.parametrize("v", [2, 10, 50_257])
    def test_perplexity_of_a_uniform_model_is_v(self, v):
        assert perplexity(np.full(17, -math.log(v))) == pytest.approx(v, rel=1e-13)

    def test_perplexity_of_certain_predictions_is_one(self):
        assert perplexity([0.0, 0.0]) == 1.0

    def test_perplexity_with_a_zero_probability_token_is_inf(self):
        assert perplexity([-1.0, -math.inf, -2.0]) == math.inf

    def test_perplexity_overflow_gives_inf(self):
        assert perplexity([-800.0, -800.0]) == math.inf
        # the sum of the log-probabilities overflows too: inf, not an OverflowError
        assert perplexity([-1e308, -1e308]) == math.inf
        # a mean just inside the range still gives a finite perplexity
        assert perplexity([-700.0, -1e-300]) == pytest.approx(math.exp(350.0), rel=1e-14)

    def test_logits_whose_differences_overflow(self):
        # z − max z = −2e308 overflows to −inf: that term is 0 next to e⁰ = 1, with no warning
        assert log_sum_exp([-1e308, 1e308]) == 1e308
        np.testing.assert_array_equal(log_softmax([-1e308, 1e308]), [-math.inf, 0.0])
        # the loss is 2e308 > the largest float64: inf, and no nan or warning on the way
        assert cross_entropy_from_logits([[1e308, -1e308]], [1]) == math.inf
        assert cross_entropy_from_logits([[1e308, -1e308]], [0]) == 0.0

    def test_to_bits(self):
        assert to_bits(math.log(2)) == 1.0
        assert to_bits(math.log(8)) == pytest.approx(3.0, rel=1e-15)
        np.testing.assert_allclose(to_bits(np.log([2.0, 4.0, 0.5])), [1.0, 2.0, -1.0], rtol=1e-15)
        assert to_bits(math.inf) == math.inf
        assert type(to_bits(1.0)) is float

    def test_empirical_distribution(self):
        out = empirical_distribution([0, 1, 1, 3], 4)
        np.testing.assert_array_equal(out, [0.25, 0.5, 0.0, 0.25])
        assert out.dtype == np.float64


# ==================================================================== shapes and types
def test_entropy_and_kl_shapes():
    P = np.array([[0.5, 0.5], [1.0, 0.0], [0.25, 0.75]])
    assert type(entropy(P[0])) is float
    out = entropy(P)
    assert isinstance(out, np.ndarray) and out.shape == (3,)
    np.testing.assert_allclose(out, [ref_entropy(p) for p in P], rtol=1e-15)
    assert type(kl_divergence(P[0], P[2])) is float
    kl = kl_divergence(P, [0.5, 0.5])  # one q broadcast against three p
    assert kl.shape == (3,)
    np.testing.assert_allclose(kl, [ref_kl(p, [0.5, 0.5]) for p in P], rtol=1e-14)
    assert entropy(np.full((2, 3, 4), 0.25)).shape == (2, 3)


def test_losses_return_python_floats():
    q = [[0.5, 0.5]]
    assert type(cross_entropy([1], q)) is float
    assert type(cross_entropy_from_logits([[1.0, 2.0]], [1])) is float
    assert type(perplexity([-1.0])) is float
    assert type(log_sum_exp([1.0, 2.0])) is float


def test_log_sum_exp_along_an_axis():
    z = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(log_sum_exp(z), [dec_lse(r) for r in z], rtol=1e-15)
    np.testing.assert_allclose(log_sum_exp(z, axis=0), [dec_lse(c) for c in z.T], rtol=1e-15)


def test_log_softmax_along_axis_zero():
    z = np.array([[1.0, 5.0], [2.0, -3.0], [0.5, 0.0]])
    out = log_softmax(z, axis=0)
    for j in range(2):
        np.testing.assert_allclose(out[:, j], dec_log_softmax(z[:, j]), rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtypes_are_kept(dtype):
    z = np.array([[1.0, 2.0, 3.0]], dtype=dtype)
    assert log_softmax(z).dtype == dtype
    P = np.array([[0.25, 0.75], [0.5, 0.5]], dtype=dtype)
    assert entropy(P).dtype == dtype
    assert kl_divergence(P, P[::-1]).dtype == dtype
    assert to_bits(P).dtype == dtype


def test_integers_become_float64():
    assert log_softmax([1, 2, 3]).dtype == np.float64
    assert entropy(np.array([[1, 0]])).dtype == np.float64


def test_float32_log_softmax_is_accurate_and_finite():
    z = np.array([1e4, -1e4, 3.0], dtype=np.float32)
    out = log_softmax(z)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, dec_log_softmax(z), rtol=1e-6)


# ==================================================================== property tests
@FAST
@given(prob_vectors())
def test_entropy_matches_the_reference_and_lies_in_0_log_v(p):
    h = entropy(p)
    assert h == pytest.approx(ref_entropy(p), rel=1e-12, abs=1e-15)
    assert 0.0 <= h <= math.log(len(p)) + 1e-12


@FAST
@given(prob_pairs())
def test_kl_is_non_negative_and_matches_the_reference(pq):
    p, q = pq
    kl = kl_divergence(p, q)
    assert kl >= 0.0
    ref = ref_kl(p, q)
    if math.isinf(ref):
        assert kl == math.inf
    else:
        assert kl == pytest.approx(max(ref, 0.0), rel=1e-10, abs=1e-14)


@FAST
@given(prob_vectors())
def test_kl_of_p_with_itself_is_zero(p):
    assert kl_divergence(p, p) == 0.0


@FAST
@given(prob_pairs(positive_q=True))
def test_cross_entropy_is_entropy_plus_kl(pq):
    p, q = pq
    ce = cross_entropy(p, q)
    assert ce == pytest.approx(ref_cross_entropy(p, q), rel=1e-12, abs=1e-14)
    assert ce == pytest.approx(entropy(p) + kl_divergence(p, q), rel=1e-10, abs=1e-12)
    assert ce >= entropy(p) - 1e-12  # Gibbs: q = p is the best prediction


@FAST
@given(st.integers(1, 8).flatmap(lambda v: st.tuples(
    st.lists(prob_vectors(v), min_size=1, max_size=5),
    st.data(),
)))
def test_cross_entropy_with_one_hot_is_minus_log_q(args):
    rows, data = args
    Q = np.array(rows)
    n, v = Q.shape
    labels = np.array([data.draw(st.integers(0, v - 1)) for _ in range(n)])
    expected = [-math.log(Q[i, y]) if Q[i, y] > 0 else math.inf for i, y in enumerate(labels)]
    total = math.fsum(expected) if all(map(math.isfinite, expected)) else math.inf
    assert cross_entropy(labels, Q) == pytest.approx(total, rel=1e-12)
    assert cross_entropy(np.eye(v)[labels], Q) == pytest.approx(total, rel=1e-12)
    mean = cross_entropy(labels, Q, reduction="mean")
    assert mean == pytest.approx(total / n, rel=1e-12)


@FAST
@given(st.integers(1, 2000), st.integers(1, 40))
def test_perplexity_of_the_uniform_model_over_v_tokens_is_v(v, n_tokens):
    assert perplexity(np.full(n_tokens, math.log(1 / v))) == pytest.approx(v, rel=1e-12)


@FAST
@given(st.lists(st.floats(1e-6, 1.0), min_size=1, max_size=30))
def test_perplexity_is_the_geometric_mean_and_at_least_one(probs):
    out = perplexity(np.log(probs))
    assert out == pytest.approx(ref_perplexity(probs), rel=1e-12)
    assert out >= 1.0


@FAST
@given(LOGITS)
def test_log_softmax_agrees_with_log_of_softmax_where_finite(Z):
    out = log_softmax(Z)
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    naive = np.log(E / E.sum(axis=1, keepdims=True))  # finite here: |z| ≤ 50
    np.testing.assert_allclose(out, naive, rtol=1e-12, atol=1e-12)
    for row, got in zip(Z, out):
        np.testing.assert_allclose(got, dec_log_softmax(row), rtol=1e-13, atol=1e-14)


@FAST
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 6)),
                  elements=st.sampled_from([1e4, -1e4, 0.0, 9999.5, -9999.0])))
def test_log_softmax_stays_finite_for_logits_of_1e4(Z):
    out = log_softmax(Z)
    assert np.isfinite(out).all()
    assert (out <= 0).all()
    for row, got in zip(Z, out):
        np.testing.assert_allclose(got, dec_log_softmax(row), rtol=1e-15, atol=1e-12)


@FAST
@given(LOGITS, st.floats(-1e3, 1e3))
def test_log_softmax_is_invariant_to_shifting_the_logits(Z, c):
    np.testing.assert_allclose(log_softmax(Z + c), log_softmax(Z), rtol=1e-9, atol=1e-9)


@FAST
@given(hnp.arrays(np.float64, st.integers(1, 8), elements=st.floats(-1e5, 1e5)))
def test_log_sum_exp_matches_decimal_and_lies_between_max_and_max_plus_log_v(z):
    lse = log_sum_exp(z)
    assert lse == pytest.approx(dec_lse(z), rel=1e-14, abs=1e-14)
    assert z.max() <= lse <= z.max() + math.log(len(z)) + 1e-9


@FAST
@given(LOGITS, st.data())
def test_cross_entropy_from_logits_equals_cross_entropy_of_the_softmax(Z, data):
    n, v = Z.shape
    labels = np.array([data.draw(st.integers(0, v - 1)) for _ in range(n)])
    expected = [dec_lse(row) - row[y] for row, y in zip(Z, labels)]
    assert cross_entropy_from_logits(Z, labels, reduction="sum") == pytest.approx(
        math.fsum(expected), rel=1e-12, abs=1e-12
    )
    assert cross_entropy_from_logits(Z, labels) == pytest.approx(
        math.fsum(expected) / n, rel=1e-12, abs=1e-12
    )
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    Q = E / E.sum(axis=1, keepdims=True)
    if (Q[np.arange(n), labels] > 1e-300).all():
        assert cross_entropy_from_logits(Z, labels, reduction="sum") == pytest.approx(
            cross_entropy(labels, Q), rel=1e-9, abs=1e-9
        )


@FAST
@given(st.lists(prob_vectors(4), min_size=1, max_size=6), st.lists(prob_vectors(4, zeros=False), min_size=6, max_size=6))
def test_reduction_sum_is_n_times_mean(P, Q):
    P = np.array(P)
    Q = np.array(Q[: len(P)])
    s = cross_entropy(P, Q, reduction="sum")
    m = cross_entropy(P, Q, reduction="mean")
    assert s == pytest.approx(len(P) * m, rel=1e-12, abs=1e-15)


@FAST
@given(prob_vectors(zeros=False), st.floats(0.01, 1.0))
def test_mixing_with_uniform_bounds_the_cross_entropy(p, lam):
    """−log((1 − λ)q + λ/V) ≤ log(V/λ): the mixture's perplexity is at most V/λ."""
    v = len(p)
    q = np.eye(v)[0]  # a terrible model: all its mass on token 0
    mixed = (1 - lam) * q + lam / v
    mixed /= mixed.sum()
    assert cross_entropy(p, mixed) <= math.log(v / lam) + 1e-9


def test_kl_is_accurate_for_nearly_equal_distributions():
    """KL ≈ Σ (p − q)² / (2q) when q is close to p; exact rationals give the reference."""
    p = np.array([0.25, 0.75])
    q = np.array([0.25 + 2.0**-20, 0.75 - 2.0**-20])  # both exact binary fractions, sum exactly 1
    d = Fraction(2**-20)
    # Σ p log(p/q) to second order: Σ (p−q)²/(2q) (the first-order terms cancel)
    approx = float(d * d / (2 * Fraction(q[0])) + d * d / (2 * Fraction(q[1])))
    assert kl_divergence(p, q) == pytest.approx(approx, rel=1e-5)


def test_kl_with_extreme_ratios():
    p = [1e-300, 1 - 1e-300]
    q = [0.5, 0.5]
    assert kl_divergence(p, q) == pytest.approx(ref_kl(p, q), rel=1e-14)
    p, q = [0.5, 0.5], [1e-320, 1.0]  # a subnormal q: log p − log q
    assert kl_divergence(p, q) == pytest.approx(0.5 * (math.log(0.5) - math.log(1e-320)) + 0.5 * math.log(0.5), rel=1e-3)


# ======================================================================== bad input
class TestProbabilityValidation:
    @pytest.mark.parametrize(("func", "args", "arg"), [
        (entropy, ([0.5, 0.6],), "p"),
        (kl_divergence, ([0.5, 0.6], [0.5, 0.5]), "p"),
        (kl_divergence, ([0.5, 0.5], [0.2, 0.2]), "q"),
        (cross_entropy, ([0, 1], [[0.5, 0.5], [0.5, 0.6]]), "y_pred"),
        (cross_entropy, ([[0.5, 0.6]], [[0.5, 0.5]]), "y_true"),
        (cross_entropy_from_logits, ([[1.0, 2.0]], [[0.4, 0.4]]), "labels"),
    ])
    def test_rows_that_do_not_sum_to_one(self, func, args, arg):
        with pytest.raises(ValueError, match=names(func.__name__, arg) + ".*sum to 1"):
            func(*args)

    @pytest.mark.parametrize(("func", "args", "arg"), [
        (entropy, ([1.5, -0.5],), "p"),
        (kl_divergence, ([0.5, 0.5], [1.5, -0.5]), "q"),
        (cross_entropy, ([0], [[1.5, -0.5]]), "y_pred"),
        (cross_entropy, ([[1.5, -0.5]], [[0.5, 0.5]]), "y_true"),
    ])
    def test_negative_probabilities(self, func, args, arg):
        with pytest.raises(ValueError, match=names(func.__name__, arg) + ".*negative"):
            func(*args)

    def test_a_sum_within_1e_6_is_accepted(self):
        assert entropy([0.5, 0.5 + 5e-7]) == pytest.approx(math.log(2), rel=1e-6)

    @pytest.mark.parametrize("bad", [math.nan, math.inf])
    def test_nan_and_inf(self, bad):
        with pytest.raises(ValueError, match=names("entropy", "p")):
            entropy([bad, 0.5])
        with pytest.raises(ValueError, match=names("cross_entropy", "y_pred")):
            cross_entropy([0], [[bad, 0.5]])

    def test_wrong_types(self):
        with pytest.raises(TypeError, match=names("entropy", "p")):
            entropy("0.5 0.5")
        with pytest.raises(TypeError, match=names("kl_divergence", "q")):
            kl_divergence([1.0], None)


class TestCrossEntropyBadInput:
    Q = [[0.5, 0.25, 0.25], [0.1, 0.2, 0.7]]

    @pytest.mark.parametrize("labels", [[0, 3], [-1, 0], [0, 99]])
    def test_labels_out_of_range(self, labels):
        with pytest.raises(ValueError, match=names("cross_entropy", "y_true") + ".*out of range"):
            cross_entropy(labels, self.Q)

    def test_single_label_out_of_range(self):
        with pytest.raises(ValueError, match=names("cross_entropy", "y_true")):
            cross_entropy(3, [0.5, 0.25, 0.25])

    @pytest.mark.parametrize("labels", [[0.0, 1.0], [True, False], ["0", "1"]])
    def test_labels_that_are_not_integers(self, labels):
        with pytest.raises(TypeError, match=names("cross_entropy", "y_true")):
            cross_entropy(labels, self.Q)

    def test_wrong_number_of_labels(self):
        with pytest.raises(ValueError, match=names("cross_entropy", "y_true")):
            cross_entropy([[0, 1, 2]][0], self.Q)
        with pytest.raises(ValueError, match=names("cross_entropy", "y_true")):
            cross_entropy([0], self.Q)

    def test_shape_mismatch_of_probability_rows(self):
        with pytest.raises(ValueError, match=names("cross_entropy", "y_true")):
            cross_entropy([[1.0, 0.0]] * 2, self.Q)
        with pytest.raises(ValueError, match=names("cross_entropy", "y_true")):
            cross_entropy([[1.0, 0.0, 0.0]], self.Q)

    @pytest.mark.parametrize("reduction", ["none", "Mean", "", None])
    def test_bad_reduction(self, reduction):
        with pytest.raises(ValueError, match=names("cross_entropy", "reduction")):
            cross_entropy([0, 1], self.Q, reduction=reduction)
        with pytest.raises(ValueError, match=names("cross_entropy_from_logits", "reduction")):
            cross_entropy_from_logits([[1.0, 2.0]], [0], reduction=reduction)

    def test_3d_predictions(self):
        with pytest.raises(ValueError, match=names("cross_entropy", "y_pred")):
            cross_entropy(np.zeros((1, 2), dtype=int), np.full((1, 2, 2), 0.5))

    def test_empty(self):
        with pytest.raises(ValueError, match=names("cross_entropy", "y_pred")):
            cross_entropy([], np.empty((0, 3)))


class TestFromLogitsBadInput:
    @pytest.mark.parametrize("labels", [[2], [-1]])
    def test_labels_out_of_range(self, labels):
        with pytest.raises(ValueError, match=names("cross_entropy_from_logits", "labels") + ".*out of range"):
            cross_entropy_from_logits([[1.0, 2.0]], labels)

    def test_float_labels(self):
        with pytest.raises(TypeError, match=names("cross_entropy_from_logits", "labels")):
            cross_entropy_from_logits([[1.0, 2.0]], [1.0])

    @pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
    def test_nan_and_inf_logits(self, bad):
        with pytest.raises(ValueError, match=names("cross_entropy_from_logits", "logits")):
            cross_entropy_from_logits([[1.0, bad]], [0])

    def test_3d_logits(self):
        with pytest.raises(ValueError, match=names("cross_entropy_from_logits", "logits")):
            cross_entropy_from_logits(np.zeros((1, 2, 2)), [[0, 0]])


class TestLogSoftmaxBadInput:
    @pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
    def test_nan_and_inf(self, bad):
        with pytest.raises(ValueError, match=names("log_softmax", "logits") + ".*nan or inf"):
            log_softmax([0.0, bad])
        with pytest.raises(ValueError, match=names("log_sum_exp", "x")):
            log_sum_exp([0.0, bad])

    def test_scalar_and_empty(self):
        with pytest.raises(ValueError, match=names("log_softmax", "logits")):
            log_softmax(3.0)
        with pytest.raises(ValueError, match=names("log_softmax", "logits")):
            log_softmax([])
        with pytest.raises(ValueError, match=names("log_sum_exp", "x")):
            log_sum_exp(1.0)

    def test_bad_axis(self):
        with pytest.raises(ValueError, match=r"^log_softmax: axis"):
            log_softmax([1.0, 2.0], axis=1)
        with pytest.raises(TypeError, match=r"^log_sum_exp: axis"):
            log_sum_exp([1.0, 2.0], axis=0.0)

    def test_wrong_types(self):
        with pytest.raises(TypeError, match=names("log_softmax", "logits")):
            log_softmax(["a", "b"])


class TestPerplexityBadInput:
    def test_nan(self):
        with pytest.raises(ValueError, match=names("perplexity", "log_probs") + ".*nan"):
            perplexity([-1.0, math.nan])

    @pytest.mark.parametrize("bad", [[0.5], [-1.0, math.inf]])
    def test_positive_log_probabilities(self, bad):
        with pytest.raises(ValueError, match=names("perplexity", "log_probs") + ".*≤ 0"):
            perplexity(bad)

    def test_rounding_above_zero_is_tolerated(self):
        assert perplexity([1e-9, -1e-9]) == pytest.approx(1.0)

    @pytest.mark.parametrize("bad", [[], [[-1.0, -2.0]], -1.0])
    def test_shape(self, bad):
        with pytest.raises(ValueError, match=names("perplexity", "log_probs")):
            perplexity(bad)


class TestOtherBadInput:
    def test_kl_dimension_mismatch(self):
        with pytest.raises(ValueError, match=names("kl_divergence", "p") + r".*\bq\b"):
            kl_divergence([0.5, 0.5], [0.2, 0.3, 0.5])

    def test_kl_shapes_that_do_not_broadcast(self):
        with pytest.raises(ValueError, match=names("kl_divergence", "p") + r".*\bq\b"):
            kl_divergence(np.full((2, 2), 0.5), np.full((3, 2), 0.5))

    def test_to_bits_nan(self):
        with pytest.raises(ValueError, match=names("to_bits", "nats")):
            to_bits([1.0, math.nan])

    def test_empirical_distribution(self):
        with pytest.raises(ValueError, match=names("empirical_distribution", "labels")):
            empirical_distribution([0, 4], 4)
        with pytest.raises(ValueError, match=names("empirical_distribution", "labels")):
            empirical_distribution([], 4)
        with pytest.raises(TypeError, match=names("empirical_distribution", "labels")):
            empirical_distribution([0.5], 4)
        with pytest.raises(ValueError, match=names("empirical_distribution", "n_classes")):
            empirical_distribution([0], 0)


# ====================================================== the chapter's prediction example
# "the cat sat on the ___": the target and logits that chapter 3's widget starts from
EXAMPLE_LOGITS = (2.0, 0.5, 1.5, 0.0, -1.0, -0.5)
EXAMPLE_TARGET = (0.40, 0.25, 0.15, 0.10, 0.10, 0.00)

TRAINING = [
    "the cat sat on the mat",
    "the dog sat on the rug",
    "a cat saw the dog",
]
SENTENCE = "the cat sat on the rug"  # bigram "the rug" seen, "cat sat" seen, all seen
ODD = "the dog saw a cat"  # "dog saw", "saw a", "a cat"(seen): some unseen


def ref_softmax_t(z, t=1.0):
    m = max(z)
    e = [math.exp((x - m) / t) for x in z]
    s = math.fsum(e)
    return [x / s for x in e]


def ref_bigram(training, sentence, alpha):
    """Exact add-α probabilities of every predicted token, as Fractions."""
    pairs = Counter()
    for s in training:
        w = ["<s>", *re.findall(r"[^\W_]+", s.lower()), "</s>"]
        pairs.update(zip(w, w[1:]))
    context = Counter()
    for (v, _), c in pairs.items():
        context[v] += c
    vocab = {w for _, w in pairs}
    a = Fraction(alpha)
    w = ["<s>", *re.findall(r"[^\W_]+", sentence.lower()), "</s>"]
    probs = [(pairs[(v, x)] + a) / (context[v] + a * len(vocab)) for v, x in zip(w, w[1:])]
    return probs, vocab, pairs, context


@pytest.mark.parametrize("t", [0.25, 1.0, 3.0])
def test_prediction_summary_matches_math(t):
    s = prediction_summary(EXAMPLE_LOGITS, t, EXAMPLE_TARGET)
    q = ref_softmax_t(EXAMPLE_LOGITS, t)
    p = list(EXAMPLE_TARGET)
    np.testing.assert_allclose(s["q"], q, rtol=1e-13)
    h = -math.fsum(x * math.log(x) for x in p if x > 0)
    ce = -math.fsum(x * math.log(y) for x, y in zip(p, q) if x > 0)
    kl = math.fsum(x * math.log(x / y) for x, y in zip(p, q) if x > 0)
    assert s["entropy"] == pytest.approx(h, rel=1e-13)
    assert s["cross_entropy"] == pytest.approx(ce, rel=1e-12)
    assert s["kl"] == pytest.approx(kl, rel=1e-10)
    assert s["cross_entropy"] == pytest.approx(s["entropy"] + s["kl"], rel=1e-12)
    assert s["perplexity"] == pytest.approx(math.exp(ce), rel=1e-12)
    assert s["min_perplexity"] == pytest.approx(math.exp(h), rel=1e-13)


def test_prediction_matching_the_target_has_zero_kl():
    p = [0.5, 0.3, 0.2]
    s = prediction_summary(np.log(p), 1.0, p)
    assert s["kl"] == pytest.approx(0.0, abs=1e-15)
    assert s["perplexity"] == pytest.approx(s["min_perplexity"], rel=1e-13)


def test_high_temperature_tends_to_the_uniform_model():
    s = prediction_summary(EXAMPLE_LOGITS, 1e6, EXAMPLE_TARGET)
    np.testing.assert_allclose(s["q"], 1 / 6, rtol=1e-5)
    assert s["perplexity"] == pytest.approx(6.0, rel=1e-4)  # uniform over V = 6 tokens


def test_prediction_summary_rejects_bad_input():
    with pytest.raises(ValueError, match="prediction_summary: temperature"):
        prediction_summary(EXAMPLE_LOGITS, 0.0, EXAMPLE_TARGET)
    with pytest.raises(ValueError, match="prediction_summary: target"):
        prediction_summary([1.0, 2.0], 1.0, [0.5, 0.6])
    with pytest.raises(ValueError, match="prediction_summary: target"):
        prediction_summary([1.0, 2.0, 3.0], 1.0, [0.5, 0.5])


def test_cross_entropy_has_a_minimum_between_cold_and_hot():
    curve = cross_entropy_curve([0.1, 1.5, 50.0], EXAMPLE_LOGITS, EXAMPLE_TARGET)
    assert curve[1] < curve[0] and curve[1] < curve[2]



# ====================================================================== bigram model
def test_bigram_sentences_are_tokenized_like_chapter_4():
    from ragmath.lexical import tokenize

    r = bigram_surprisal(["The cat, the MAT!"], "THE mat!", 1.0)
    assert r["tokens"] == [*tokenize("THE mat!"), "</s>"] == ["the", "mat", "</s>"]
    assert r["vocabulary_size"] == len({*tokenize("The cat, the MAT!"), "</s>"})
    with pytest.raises(TypeError, match="bigram_surprisal: sentence"):
        bigram_surprisal(TRAINING, ["the"])
    with pytest.raises(TypeError, match="perplexity_curve: sentence"):
        perplexity_curve(TRAINING, None, [1.0])
    with pytest.raises(ValueError, match="perplexity_curve: alphas"):
        perplexity_curve(TRAINING, SENTENCE, [1.0, -2.0])


@pytest.mark.parametrize("alpha", [0.1, 1.0, 2.5])
@pytest.mark.parametrize("sentence", [SENTENCE, ODD])
def test_bigram_surprisal_matches_exact_counts(alpha, sentence):
    r = bigram_surprisal(TRAINING, sentence, alpha)
    probs, vocab, pairs, _ = ref_bigram(TRAINING, sentence, alpha)
    np.testing.assert_allclose(r["log_probs"], [math.log(p) for p in probs], rtol=1e-14)
    np.testing.assert_allclose(r["surprisal"], [-math.log(p) for p in probs], rtol=1e-14)
    assert r["vocabulary_size"] == len(vocab)
    words = ["<s>", *sentence.split(), "</s>"]
    assert r["tokens"] == words[1:] and r["contexts"] == words[:-1]
    assert r["seen"].tolist() == [pairs[(v, w)] > 0 for v, w in zip(words, words[1:])]
    log_likelihood = math.fsum(math.log(p) for p in probs)
    assert r["log_likelihood"] == pytest.approx(log_likelihood, rel=1e-14)
    assert r["perplexity"] == pytest.approx(math.exp(-log_likelihood / len(probs)), rel=1e-13)
    running = [math.exp(-math.fsum(math.log(p) for p in probs[: i + 1]) / (i + 1)) for i in range(len(probs))]
    np.testing.assert_allclose(r["running_perplexity"], running, rtol=1e-13)


def model_conditional(v, alpha):
    """p_α(· | v) read off bigram_surprisal: one two-token sentence per predicted word."""
    _, vocab, _, _ = ref_bigram(TRAINING, SENTENCE, 1)
    probs = {}
    for w in sorted(vocab):
        if v == "<s>":  # p(w | <s>) is the first prediction of the sentence "w"
            r = bigram_surprisal(TRAINING, "" if w == "</s>" else w, alpha)
            probs[w] = math.exp(r["log_probs"][0])
        else:  # p(w | v) is the second prediction of the sentence "v w"
            r = bigram_surprisal(TRAINING, v if w == "</s>" else f"{v} {w}", alpha)
            probs[w] = math.exp(r["log_probs"][1])
    return probs


@pytest.mark.parametrize("alpha", [0.0, 1 / 3, 1.0, 7.0])
def test_add_alpha_probabilities_sum_to_one_in_every_context(alpha):
    _, vocab, pairs, context = ref_bigram(TRAINING, SENTENCE, 1)
    for v in context:
        probs = model_conditional(v, alpha)
        assert set(probs) == vocab
        assert math.fsum(probs.values()) == pytest.approx(1.0, rel=1e-14)
        a = Fraction(alpha)
        for w, p in probs.items():
            expected = (pairs[(v, w)] + a) / (context[v] + a * len(vocab))
            assert p == pytest.approx(float(expected), rel=1e-14, abs=0.0)


def test_unsmoothed_model_gives_an_unseen_bigram_infinite_surprisal():
    r = bigram_surprisal(TRAINING, ODD, 0.0)
    assert not r["seen"].all()
    assert np.isinf(r["surprisal"][~r["seen"]]).all()
    assert r["perplexity"] == math.inf
    assert np.isfinite(bigram_surprisal(TRAINING, SENTENCE, 0.0)["perplexity"])


def test_large_alpha_tends_to_the_uniform_model():
    r = bigram_surprisal(TRAINING, ODD, 1e9)
    assert r["perplexity"] == pytest.approx(r["vocabulary_size"], rel=1e-6)


def test_perplexity_curve():
    alphas = [0.01, 1.0, 100.0]
    curve = perplexity_curve(TRAINING, ODD, alphas)
    expected = []
    for a in alphas:
        probs = ref_bigram(TRAINING, ODD, a)[0]
        expected.append(math.exp(-math.fsum(math.log(p) for p in probs) / len(probs)))
    np.testing.assert_allclose(curve, expected, rtol=1e-13)


def test_bigram_surprisal_rejects_bad_input():
    with pytest.raises(ValueError, match="bigram_surprisal: sentence .*'zebra'"):
        bigram_surprisal(TRAINING, "the zebra sat", 1.0)
    with pytest.raises(ValueError, match="bigram_surprisal: alpha"):
        bigram_surprisal(TRAINING, SENTENCE, -1.0)
    with pytest.raises(TypeError, match="bigram_surprisal: training"):
        bigram_surprisal("the cat sat", SENTENCE)
    with pytest.raises(ValueError, match="bigram_surprisal: training"):
        bigram_surprisal([], SENTENCE)


# ====================================================================== codes (issue 15)
from ragmath.information import (  # noqa: E402
    bits_per_byte,
    conditional_entropy,
    expected_calibration_error,
    expected_code_length,
    fit_temperature,
    held_out_rate,
    huffman_code_lengths,
    kraft_sum,
    mutual_information,
    ngram_log_probs,
    prefix_code,
    reliability_bins,
    shannon_code_lengths,
    spelled_unigram_log_probs,
)


def ref_huffman_cost(p) -> Fraction:
    """The optimal expected length, by the merge-cost identity: Σ of the merged weights (exact)."""
    weights = sorted(Fraction(x) for x in p)
    cost = Fraction(0)
    while len(weights) > 1:
        a, b = weights[0], weights[1]
        weights = sorted(weights[2:] + [a + b])
        cost += a + b
    return cost


def test_kraft_sum_is_exact_and_accepts_inf():
    assert kraft_sum([1, 2, 3, 3]) == 1.0
    assert kraft_sum([1, 1, 2]) == 1.25
    assert kraft_sum([1, math.inf]) == 0.5


@pytest.mark.parametrize("bad", [[-1, 2], [1.5, 2], [math.nan], [[1, 2]]])
def test_kraft_sum_rejects_bad_lengths(bad):
    with pytest.raises(ValueError, match="kraft_sum: lengths"):
        kraft_sum(bad)


def test_shannon_code_lengths_are_the_ceiling_of_the_surprisal():
    rng = np.random.default_rng(0)
    for _ in range(50):
        q = rng.dirichlet(np.ones(7))
        expected = [math.ceil(-math.log2(x)) for x in q]  # no x is a power of 2 here
        assert shannon_code_lengths(q).tolist() == expected
        assert kraft_sum(shannon_code_lengths(q)) <= 1
    assert shannon_code_lengths([0.5, 0.25, 0.25, 0.0]).tolist() == [1, 2, 2, math.inf]
    assert shannon_code_lengths([1.0]).tolist() == [0]
    with pytest.raises(ValueError, match="shannon_code_lengths: q"):
        shannon_code_lengths([0.5, 0.6])


def test_huffman_is_optimal_and_complete():
    rng = np.random.default_rng(1)
    for size in [2, 3, 5, 9]:
        for _ in range(20):
            p = rng.dirichlet(np.ones(size))
            lengths = huffman_code_lengths(p)
            assert kraft_sum(lengths) == 1.0
            fractions = [Fraction(x) for x in p.tolist()]
            cost = sum(f * int(n) for f, n in zip(fractions, lengths))
            assert cost == ref_huffman_cost(fractions)
            h2 = ref_entropy(p) / math.log(2)
            assert h2 - 1e-12 <= float(cost) < h2 + 1
    assert huffman_code_lengths([1.0]).tolist() == [0]
    with pytest.raises(ValueError, match="huffman_code_lengths: p"):
        huffman_code_lengths([[0.5, 0.5]])


def test_prefix_code_is_prefix_free_with_the_lengths():
    rng = np.random.default_rng(2)
    for _ in range(30):
        lengths = huffman_code_lengths(rng.dirichlet(np.ones(8)))
        codes = prefix_code(lengths)
        assert [len(c) for c in codes] == lengths.tolist()
        for a in codes:
            assert set(a) <= {"0", "1"}
            assert not any(b != a and b.startswith(a) for b in codes)
    assert prefix_code([2, math.inf, 1]) == ["10", "", "0"]
    with pytest.raises(ValueError, match="prefix_code: lengths have Kraft sum 1.25"):
        prefix_code([1, 1, 2])
    with pytest.raises(ValueError, match="prefix_code: lengths have Kraft sum 1.5"):
        prefix_code([0, 1])  # an empty codeword is a prefix of every other
    assert prefix_code([0]) == [""]


def test_expected_code_length():
    assert expected_code_length([0.5, 0.5, 0.0], [1, 1, math.inf]) == 1.0
    assert expected_code_length([0.5, 0.25, 0.25], [1, 2, math.inf]) == math.inf
    with pytest.raises(ValueError, match="expected_code_length: p has shape"):
        expected_code_length([0.5, 0.5], [1, 1, 1])


# ============================================================ two variables (issue 15)
def ref_cond_entropy(joint) -> float:
    """−Σ p(x,y) log(p(x,y)/p(x)) by loops."""
    out = []
    for row in joint:
        px = math.fsum(row)
        out.extend(-v * math.log(v / px) for v in row if v > 0)
    return math.fsum(out)


def test_conditional_entropy_and_mutual_information_against_loops():
    rng = np.random.default_rng(3)
    for _ in range(50):
        joint = rng.dirichlet(np.ones(12)).reshape(3, 4) * (rng.random((3, 4)) > 0.2)
        joint /= joint.sum()
        rows, cols = joint.sum(axis=1), joint.sum(axis=0)
        assert conditional_entropy(joint) == pytest.approx(ref_cond_entropy(joint), rel=1e-12, abs=1e-15)
        mi_loop = math.fsum(joint[i, j] * math.log(joint[i, j] / (rows[i] * cols[j]))
                            for i in range(3) for j in range(4) if joint[i, j] > 0)
        assert mutual_information(joint) == pytest.approx(mi_loop, rel=1e-10, abs=1e-14)
        h_x = ref_entropy(rows)
        assert mutual_information(joint) == pytest.approx(h_x - ref_cond_entropy(joint.T), abs=1e-12)


def test_mutual_information_limiting_cases():
    assert mutual_information(np.outer([0.3, 0.7], [0.2, 0.5, 0.3])) < 1e-15
    assert mutual_information(np.diag([0.25, 0.75])) == pytest.approx(ref_entropy([0.25, 0.75]))
    assert conditional_entropy(np.diag([0.25, 0.75])) == 0.0
    assert conditional_entropy([[0.0, 0.0], [0.5, 0.5]]) == pytest.approx(math.log(2))  # empty row


@pytest.mark.parametrize("func", [conditional_entropy, mutual_information])
def test_two_variable_functions_reject_bad_joints(func):
    name = func.__name__
    with pytest.raises(ValueError, match=f"{name}: joint must sum to 1"):
        func([[0.5, 0.4]])
    with pytest.raises(ValueError, match=f"{name}: joint has a negative"):
        func([[1.5, -0.5]])
    with pytest.raises(ValueError, match=f"{name}: joint must be 2-D"):
        func([0.5, 0.5])


# ============================================================ rates (issue 15)
def test_bits_per_byte():
    assert bits_per_byte(16 * math.log(2), 8) == pytest.approx(2.0, rel=1e-15)
    assert bits_per_byte(math.inf, 3) == math.inf
    with pytest.raises(ValueError, match="bits_per_byte: total_nats"):
        bits_per_byte(-1.0, 3)
    with pytest.raises(ValueError, match="bits_per_byte: n_bytes"):
        bits_per_byte(1.0, 0)
    with pytest.raises(TypeError, match="bits_per_byte: n_bytes"):
        bits_per_byte(1.0, 2.5)


def test_held_out_rate_against_the_formula_and_a_bootstrap():
    rng = np.random.default_rng(4)
    n = rng.integers(5, 40, size=200).astype(float)
    s = n * 2.0 + rng.normal(scale=3.0, size=200) ** 2
    rate, se = held_out_rate(s, n)
    ref_rate = math.fsum(s) / math.fsum(n)
    ref_var = 200 / 199 * math.fsum((si - ref_rate * ni) ** 2 for si, ni in zip(s, n))
    assert rate == pytest.approx(ref_rate, rel=1e-14)
    assert se == pytest.approx(math.sqrt(ref_var) / math.fsum(n), rel=1e-12)
    idx = rng.integers(0, 200, size=(4000, 200))
    boot = s[idx].sum(axis=1) / n[idx].sum(axis=1)
    assert np.std(boot) == pytest.approx(se, rel=0.1)


def test_held_out_rate_rejects_bad_input():
    with pytest.raises(ValueError, match="held_out_rate: losses needs at least 2"):
        held_out_rate([1.0], [1])
    with pytest.raises(ValueError, match="held_out_rate: losses has 2 units but sizes has 3"):
        held_out_rate([1.0, 2.0], [1, 2, 3])
    with pytest.raises(ValueError, match="held_out_rate: sizes must be positive"):
        held_out_rate([1.0, 2.0], [1, 0])
    with pytest.raises(ValueError, match="held_out_rate: losses must be non-negative"):
        held_out_rate([-1.0, 2.0], [1, 1])


def ref_ngram(train, test, order, alpha, vocab):
    size = len(set(vocab) | {"</s>"})
    grams, ctx = Counter(), Counter()
    for seq in train:
        s = ["<s>"] * (order - 1) + list(seq) + ["</s>"]
        for i in range(order - 1, len(s)):
            grams[tuple(s[i - order + 1 : i + 1])] += 1
            ctx[tuple(s[i - order + 1 : i])] += 1
    out = []
    for seq in test:
        s = ["<s>"] * (order - 1) + list(seq) + ["</s>"]
        out.append([math.log(Fraction(grams[tuple(s[i - order + 1 : i + 1])] + Fraction(alpha),
                                      ctx[tuple(s[i - order + 1 : i])] + Fraction(alpha) * size))
                    for i in range(order - 1, len(s))])
    return out


@pytest.mark.parametrize("order", [1, 2, 3, 5])
def test_ngram_log_probs_against_a_counter_of_tuples(order):
    rng = np.random.default_rng(order)
    train = ["".join(rng.choice(list("abcd"), size=rng.integers(1, 25))) for _ in range(40)]
    test = ["".join(rng.choice(list("abcde"), size=rng.integers(0, 25))) for _ in range(15)]
    got = ngram_log_probs(train, test, order, 0.25, "abcde")
    for g, r in zip(got, ref_ngram(train, test, order, 0.25, "abcde")):
        np.testing.assert_allclose(g, r, rtol=1e-14)


def test_ngram_of_order_2_is_the_bigram_model():
    words = [re.findall(r"[^\W_]+", s) for s in TRAINING]
    vocab = {w for ws in words for w in ws}
    got = ngram_log_probs(words, [ODD.split()], 2, 1.0, vocab)[0]
    np.testing.assert_allclose(got, bigram_surprisal(TRAINING, ODD, alpha=1.0)["log_probs"], rtol=1e-14)


def test_ngram_log_probs_rejects_bad_input():
    with pytest.raises(ValueError, match="ngram_log_probs: test sequence 0 has the token 'z'"):
        ngram_log_probs(["ab"], ["az"], 2, 1.0, "ab")
    with pytest.raises(ValueError, match="ngram_log_probs: alpha"):
        ngram_log_probs(["ab"], ["ab"], 2, 0.0, "ab")
    with pytest.raises(ValueError, match="ngram_log_probs: order"):
        ngram_log_probs(["ab"], ["ab"], 0, 1.0, "ab")
    with pytest.raises(ValueError, match="ngram_log_probs: train is empty"):
        ngram_log_probs([], ["ab"], 2, 1.0, "ab")
    with pytest.raises(TypeError, match="ngram_log_probs: train"):
        ngram_log_probs("ab", ["ab"], 2, 1.0, "ab")


def test_spelled_unigram_by_hand_and_normalised_over_known_words():
    lp = spelled_unigram_log_probs(["x x y z z z"], ["x q"], alpha=0.5, char_alpha=1.0)[0]
    # known: x (2), z (3); <unk> = 1 (y once); </s> = 1; total 7, |V| = 4 → denominators 9
    p_x, p_unk, p_end = Fraction(5, 18), Fraction(3, 18), Fraction(3, 18)
    # characters of the training words with an end mark: x x y z z z + 6 ends = 12;
    # alphabet {x, y, z, end, q} = 5 → p(q) = 1/17, p(end) = 7/17
    assert np.exp(lp).tolist() == pytest.approx([float(p_x), float(p_unk * Fraction(1, 17) * Fraction(7, 17)),
                                                  float(p_end)], rel=1e-13)
    with pytest.raises(TypeError, match="spelled_unigram_log_probs: train"):
        spelled_unigram_log_probs("x", ["x"])
    with pytest.raises(ValueError, match="spelled_unigram_log_probs: alpha"):
        spelled_unigram_log_probs(["x"], ["x"], alpha=-1.0)


# ============================================================ calibration (issue 15)
def ref_mean_nll(z, y, t) -> float:
    return math.fsum(
        math.log(math.fsum(math.exp((v - max(row)) / t) for v in row)) - (row[k] - max(row)) / t
        for row, k in zip(z.tolist(), y.tolist())
    ) / len(y)


def test_fit_temperature_minimises_the_held_out_nll():
    rng = np.random.default_rng(5)
    z_true = rng.normal(scale=1.5, size=(800, 5))
    p = np.exp(z_true - z_true.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    y = np.array([rng.choice(5, p=row) for row in p])
    t = fit_temperature(3.0 * z_true, y)
    assert 2.5 < t < 3.5  # the logits were inflated threefold
    best = ref_mean_nll(3.0 * z_true, y, t)
    for other in (0.99 * t, 1.01 * t, 0.5 * t, 2 * t):
        assert best < ref_mean_nll(3.0 * z_true, y, other)


def test_fit_temperature_rejects_data_without_a_finite_optimum():
    perfect = np.array([[5.0, 0.0], [0.0, 5.0]])
    with pytest.raises(ValueError, match="fit_temperature: the NLL keeps falling as T → 0"):
        fit_temperature(perfect, [0, 1])
    with pytest.raises(ValueError, match="fit_temperature: the NLL keeps falling as T grows"):
        fit_temperature(perfect, [1, 0])
    with pytest.raises(ValueError, match="fit_temperature: labels"):
        fit_temperature(perfect, [0, 2])


def ref_ece(probs, labels, n_bins):
    total = []
    rows = [(max(r), int(np.argmax(r)) == y) for r, y in zip(probs.tolist(), labels.tolist())]
    for b in range(n_bins):
        lo, hi = Fraction(b, n_bins), Fraction(b + 1, n_bins)
        members = [(c, ok) for c, ok in rows if (lo < Fraction(c) <= hi) or (b == 0 and c == 0)]
        if members:
            acc = sum(ok for _, ok in members) / len(members)
            conf = math.fsum(c for c, _ in members) / len(members)
            total.append(len(members) / len(rows) * abs(acc - conf))
    return math.fsum(total)


def test_ece_and_bins_against_exact_bin_membership():
    rng = np.random.default_rng(6)
    probs = rng.dirichlet(np.ones(4) * 0.5, size=300)
    labels = rng.integers(0, 4, size=300)
    for n_bins in (1, 5, 15):
        assert expected_calibration_error(probs, labels, n_bins) == pytest.approx(
            ref_ece(probs, labels, n_bins), rel=1e-12, abs=1e-15)
    b = reliability_bins(probs, labels, 15)
    assert b["count"].sum() == 300 and b["edges"].size == 16
    edge = np.array([[0.8, 0.2], [0.6, 0.4]])  # 0.8 lies on an edge of 10 bins: in (0.7, 0.8]
    assert reliability_bins(edge, [0, 0], 10)["count"].tolist() == [0, 0, 0, 0, 0, 1, 0, 1, 0, 0]
    with pytest.raises(ValueError, match="reliability_bins: probs must be 2-D"):
        reliability_bins([0.5, 0.5], [0], 5)
    with pytest.raises(ValueError, match="expected_calibration_error: probs"):
        expected_calibration_error([[0.5, 0.6]], [0], 5)
