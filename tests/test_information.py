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
