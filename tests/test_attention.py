"""Tests of :mod:`ragmath.attention` against its contract (``shared/API.md``).

Expected values come from hand-worked examples or from an independent
reference written here in plain Python: the softmax by its definition
e^{x_i} / Σ_j e^{x_j} with :func:`math.exp` and :func:`math.fsum`, attention
by loops over queries and keys, multi-head attention by a loop over heads,
Jacobians by central finite differences. The module's own functions are never
used to compute an expected value.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, localcontext

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ragmath import top_k
from ragmath.attention import (
    DK_CHOICES,
    TOY_TOKENS,
    attention_gradients,
    attention_parameter_count,
    attention_scores,
    blockwise_attention,
    causal_mask,
    entropy_by_scale,
    entropy_curve,
    hard_lookup,
    kv_cache_bytes,
    kv_cache_decode,
    merge_heads,
    multi_head_attention,
    online_softmax,
    padding_mask,
    scaled_dot_product_attention,
    score_scaling_summary,
    soft_lookup,
    softmax,
    softmax_entropy,
    softmax_jacobian,
    softmax_with_temperature,
    split_heads,
    toy_attention_weights,
    toy_sentence,
)

# The contract forbids warnings as much as silent nans: every warning fails a test.
pytestmark = pytest.mark.filterwarnings("error")


# ------------------------------------------------------------------ independent reference
def ref_softmax(x) -> list[float]:
    """The definition e^{x_i} / Σ_j e^{x_j}, for moderate logits (|x| < 700)."""
    e = [math.exp(float(v)) for v in x]
    total = math.fsum(e)
    return [v / total for v in e]


def ref_softmax_rows(X) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    return np.array([ref_softmax(row) for row in X.reshape(-1, X.shape[-1])]).reshape(X.shape)


def ref_entropy(p) -> float:
    return -math.fsum(v * math.log(v) for v in p if v > 0)


def ref_attention(Q, K, V, mask=None):
    """softmax(QKᵀ/√d_k)V for 2-D Q, K, V, one query and one key at a time."""
    Q, K, V = (np.asarray(a, dtype=np.float64) for a in (Q, K, V))
    d_k = Q.shape[1]
    out = np.zeros((Q.shape[0], V.shape[1]))
    W = np.zeros((Q.shape[0], K.shape[0]))
    for i, q in enumerate(Q):
        allowed = [j for j in range(K.shape[0]) if mask is None or mask[i][j]]
        scores = [math.fsum(a * b for a, b in zip(q, K[j])) / math.sqrt(d_k) for j in allowed]
        weights = ref_softmax(scores)
        for w, j in zip(weights, allowed):
            W[i, j] = w
        for c in range(V.shape[1]):
            out[i, c] = math.fsum(w * V[j, c] for w, j in zip(weights, allowed))
    return out, W


def ref_multi_head(X_q, X_k, X_v, W_q, W_k, W_v, W_o, h, mask=None):
    """A loop over heads: slice the projection matrices, attend, concatenate, project."""
    d_k = W_q.shape[1] // h
    heads, weights = [], []
    for head in range(h):
        cols = slice(head * d_k, (head + 1) * d_k)
        out, W = ref_attention(X_q @ W_q[:, cols], X_k @ W_k[:, cols], X_v @ W_v[:, cols], mask)
        heads.append(out)
        weights.append(W)
    return np.hstack(heads) @ W_o, np.array(weights)


def names(func: str, arg: str) -> str:
    """Regex for an error message of the documented shape '<function>: <argument> ...'."""
    return rf"^{re.escape(func)}: {re.escape(arg)}\b"


MODERATE = st.floats(-30, 30, allow_nan=False)


# ======================================================================== softmax
class TestSoftmaxWorkedExamples:
    def test_two_equal_logits(self):
        np.testing.assert_array_equal(softmax([0.0, 0.0]), [0.5, 0.5])

    def test_logits_log_1_2_3_give_one_two_three_sixths(self):
        p = softmax([math.log(1), math.log(2), math.log(3)])
        np.testing.assert_allclose(p, [1 / 6, 2 / 6, 3 / 6], rtol=1e-15)

    def test_zero_and_log_3_give_a_quarter_and_three_quarters(self):
        np.testing.assert_allclose(softmax([0.0, math.log(3)]), [0.25, 0.75], rtol=1e-15)

    def test_contract_logits_of_plus_minus_1e4(self):
        p = softmax([1e4, -1e4, 0.0])
        assert np.isfinite(p).all()
        np.testing.assert_array_equal(p, [1.0, 0.0, 0.0])
        np.testing.assert_array_equal(softmax([1e4, 1e4]), [0.5, 0.5])
        np.testing.assert_array_equal(softmax([-1e4, -1e4]), [0.5, 0.5])

    def test_float32_logits_of_plus_minus_1e4(self):
        p = softmax(np.array([1e4, -1e4, 1e4 - 1], dtype=np.float32))
        assert p.dtype == np.float32 and np.isfinite(p).all()
        e = math.exp(-1)
        np.testing.assert_allclose(p, [1 / (1 + e), 0, e / (1 + e)], rtol=1e-6)

    def test_the_most_extreme_finite_logits(self):
        p = softmax([1e308, -1e308, 1e308])
        np.testing.assert_array_equal(p, [0.5, 0.0, 0.5])

    def test_large_negative_logits_do_not_underflow_to_nan(self):
        # naively e^{-1000} = 0 for both, and 0/0 = nan
        np.testing.assert_allclose(softmax([-1000.0, -1001.0]), [1 / (1 + math.exp(-1)), math.exp(-1) / (1 + math.exp(-1))])


@given(hnp.arrays(np.float64, st.integers(1, 12), elements=MODERATE))
def test_softmax_matches_the_definition(x):
    p = softmax(x)
    np.testing.assert_allclose(p, ref_softmax(x), rtol=1e-12, atol=1e-300)
    assert (p >= 0).all() and math.isclose(math.fsum(p), 1.0, abs_tol=1e-12)


@given(hnp.arrays(np.float64, st.integers(1, 12), elements=MODERATE), st.floats(-1e4, 1e4))
def test_softmax_is_invariant_to_adding_a_constant(x, c):
    # the logits x + c are rounded, so only agreement to about |c|·u is possible
    np.testing.assert_allclose(softmax(x + c), ref_softmax(x), rtol=1e-9, atol=1e-12)


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=3, max_side=5), elements=MODERATE))
def test_softmax_along_every_axis(X):
    for axis in range(-X.ndim, X.ndim):
        expected = np.moveaxis(ref_softmax_rows(np.moveaxis(X, axis, -1)), -1, axis)
        np.testing.assert_allclose(softmax(X, axis=axis), expected, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize(("dtype", "expected"), [
    (np.float32, np.float32), (np.float64, np.float64), (np.int64, np.float64), (np.float16, np.float64),
])
def test_softmax_dtypes(dtype, expected):
    assert softmax(np.array([1, 2, 3], dtype=dtype)).dtype == expected


class TestSoftmaxBadInput:
    @pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
    def test_nan_and_inf_are_refused_with_their_position(self, bad):
        X = np.zeros((3, 2))
        X[2, 0] = bad
        with pytest.raises(ValueError, match=names("softmax", "x") + r".*nan or inf.*row 2, column 0"):
            softmax(X)

    def test_scalar(self):
        with pytest.raises(ValueError, match=names("softmax", "x") + ".*scalar"):
            softmax(3.0)

    def test_empty(self):
        with pytest.raises(ValueError, match=names("softmax", "x")):
            softmax([])

    @pytest.mark.parametrize("axis", [1, -2, 5])
    def test_axis_out_of_range(self, axis):
        with pytest.raises(ValueError, match=names("softmax", "axis")):
            softmax([1.0, 2.0], axis=axis)

    @pytest.mark.parametrize("axis", [0.0, "0", None, True])
    def test_axis_not_an_integer(self, axis):
        with pytest.raises(TypeError, match=names("softmax", "axis")):
            softmax([1.0, 2.0], axis=axis)

    @pytest.mark.parametrize("bad", [None, "logits", [1j, 0], ["a", "b"]])
    def test_wrong_types(self, bad):
        with pytest.raises(TypeError, match=names("softmax", "x")):
            softmax(bad)


# ============================================================== temperature
@given(hnp.arrays(np.float64, st.integers(1, 10), elements=MODERATE), st.floats(0.05, 50))
def test_softmax_with_temperature_is_the_softmax_of_x_over_t(x, t):
    np.testing.assert_allclose(
        softmax_with_temperature(x, t), ref_softmax(x / t), rtol=1e-10, atol=1e-300
    )


def test_temperature_one_is_the_plain_softmax():
    x = [0.3, -1.2, 2.5, 0.0]
    np.testing.assert_allclose(softmax_with_temperature(x, 1.0), ref_softmax(x), rtol=1e-15)


def test_temperature_zero_is_one_hot_on_a_unique_maximum():
    np.testing.assert_array_equal(softmax_with_temperature([1.0, 3.0, 2.0], 0), [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(softmax_with_temperature([1.0, 3.0, 2.0], 1e-3), [0.0, 1.0, 0.0])


def test_temperature_zero_splits_a_tie_evenly():
    # lim_{T→0} softmax(x/T) is uniform over the maxima, not one-hot
    x = [2.0, 5.0, 5.0, -1.0]
    np.testing.assert_array_equal(softmax_with_temperature(x, 0), [0.0, 0.5, 0.5, 0.0])
    np.testing.assert_allclose(softmax_with_temperature(x, 1e-2), [0.0, 0.5, 0.5, 0.0], atol=1e-100)


def test_temperature_infinity_is_uniform():
    np.testing.assert_array_equal(softmax_with_temperature([1.0, 30.0, -4.0, 0.0], math.inf), [0.25] * 4)
    np.testing.assert_allclose(softmax_with_temperature([1.0, 30.0, -4.0, 0.0], 1e12), [0.25] * 4, rtol=1e-9)


def test_tiny_temperature_does_not_overflow():
    p = softmax_with_temperature([1.0, 3.0, 2.9999], 1e-300)
    np.testing.assert_array_equal(p, [0.0, 1.0, 0.0])


@given(hnp.arrays(np.float64, st.integers(2, 10), elements=MODERATE, unique=True), st.floats(0.01, 10))
def test_the_gap_bound_of_the_temperature_limit(x, t):
    # 1 − p_max ≤ (n − 1) e^{−Δ/T}, Δ the gap between the two largest logits
    p = softmax_with_temperature(x, t)
    top2 = np.sort(x)[-2:]
    gap = top2[1] - top2[0]
    assert 1 - p.max() <= (len(x) - 1) * math.exp(-gap / t) * (1 + 1e-12) + 1e-15


def test_softmax_with_temperature_keeps_float32():
    out = softmax_with_temperature(np.array([1, 2, 3], dtype=np.float32), 0.5)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, ref_softmax([2, 4, 6]), rtol=1e-6)


@pytest.mark.parametrize("t", [-1.0, math.nan, -math.inf])
def test_temperature_must_be_non_negative(t):
    with pytest.raises(ValueError, match=names("softmax_with_temperature", "temperature")):
        softmax_with_temperature([1.0, 2.0], t)


@pytest.mark.parametrize("t", [None, "1", True, [1.0], 1j])
def test_temperature_must_be_a_real_number(t):
    with pytest.raises(TypeError, match=names("softmax_with_temperature", "temperature")):
        softmax_with_temperature([1.0, 2.0], t)


# ================================================================== entropy
def test_entropy_of_a_uniform_row_is_log_n():
    for n in (1, 2, 7, 100):
        assert softmax_entropy(np.zeros(n)) == pytest.approx(math.log(n), rel=1e-14, abs=1e-15)


def test_entropy_of_a_saturated_row_is_zero():
    assert softmax_entropy([1e4, 0.0, -1e4]) == 0.0
    assert softmax_entropy([0.0, -1e300]) == 0.0


def test_entropy_worked_example():
    # p = (1/4, 3/4): H = (1/4) log 4 + (3/4) log(4/3)
    expected = 0.25 * math.log(4) + 0.75 * math.log(4 / 3)
    assert softmax_entropy([0.0, math.log(3)]) == pytest.approx(expected, rel=1e-14)


@given(hnp.arrays(np.float64, st.integers(1, 10), elements=MODERATE), st.floats(0.1, 10))
def test_entropy_matches_the_definition_and_its_bounds(x, t):
    h = softmax_entropy(x, temperature=t)
    assert isinstance(h, float)
    assert h == pytest.approx(ref_entropy(ref_softmax(x / t)), rel=1e-9, abs=1e-12)
    assert -1e-15 <= h <= math.log(len(x)) + 1e-12


@given(hnp.arrays(np.float64, st.integers(2, 8), elements=MODERATE), st.lists(st.floats(0.05, 20), min_size=2, max_size=6))
def test_entropy_never_decreases_with_the_temperature(x, temperatures):
    values = [softmax_entropy(x, temperature=t) for t in sorted(temperatures)]
    assert all(b >= a - 1e-10 for a, b in zip(values, values[1:])), values


def test_entropy_of_a_confident_row_keeps_the_small_term():
    """z = (0, −37): H = log(1 + e^−37) + 37 e^−37 / (1 + e^−37); log(1 + e^−37) rounds to 0.

    Taking log of the rounded sum 1 + e^−37 = 1 loses the first term, 2.6 % of H;
    log1p keeps it. The exact value is computed with 50 decimal digits.
    """
    with localcontext() as ctx:
        ctx.prec = 50
        e = Decimal(-37).exp()
        exact = float((1 + e).ln() + 37 * e / (1 + e))
    assert softmax_entropy([0.0, -37.0]) == pytest.approx(exact, rel=1e-14)
    assert softmax_entropy([37.0, 0.0]) == pytest.approx(exact, rel=1e-14)  # the shift is exact


def test_entropy_limits():
    assert softmax_entropy([1.0, 3.0, 3.0, 0.0], temperature=0) == pytest.approx(math.log(2))
    assert softmax_entropy([1.0, 3.0, 2.0], temperature=0) == 0.0
    assert softmax_entropy([1.0, 3.0, 2.0, 7.0], temperature=math.inf) == pytest.approx(math.log(4))


def test_entropy_of_rows():
    X = np.array([[0.0, 0.0, 0.0], [0.0, math.log(3), -1e4]])
    h = softmax_entropy(X)
    assert h.shape == (2,)
    np.testing.assert_allclose(h, [math.log(3), 0.25 * math.log(4) + 0.75 * math.log(4 / 3)], rtol=1e-12)
    np.testing.assert_allclose(softmax_entropy(X.T, axis=0), h, rtol=1e-12)


# ================================================================== Jacobian
def test_jacobian_worked_example():
    np.testing.assert_allclose(softmax_jacobian([0.0, 0.0]), [[0.25, -0.25], [-0.25, 0.25]], rtol=1e-15)


@given(hnp.arrays(np.float64, st.integers(1, 8), elements=st.floats(-5, 5)))
def test_jacobian_matches_central_differences(x):
    h = 1e-6
    numeric = np.empty((len(x), len(x)))
    for j in range(len(x)):
        up, down = x.copy(), x.copy()
        up[j] += h
        down[j] -= h
        numeric[:, j] = (np.array(ref_softmax(up)) - np.array(ref_softmax(down))) / (2 * h)
    np.testing.assert_allclose(softmax_jacobian(x), numeric, atol=1e-8)


@given(hnp.arrays(np.float64, st.integers(1, 8), elements=MODERATE))
def test_jacobian_is_symmetric_psd_with_null_vector_one(x):
    J = softmax_jacobian(x)
    np.testing.assert_array_equal(J, J.T)
    np.testing.assert_allclose(J.sum(axis=1), 0, atol=1e-15)
    assert np.linalg.eigvalsh(J).min() >= -1e-15
    # Σ_ij |J_ij| = 2(1 − Σ p_i²) ≤ 4(1 − max p)
    p = np.array(ref_softmax(x))
    total = np.abs(J).sum()
    assert total == pytest.approx(2 * (1 - math.fsum(p * p)), abs=1e-12)
    assert total <= 4 * (1 - p.max()) + 1e-12


def test_jacobian_collapses_as_the_logits_grow():
    s = np.array([1.3, -0.2, 0.4, 0.9, -1.1])
    norms = [np.linalg.norm(softmax_jacobian(a * s)) for a in (1, 4, 16, 64)]
    assert all(b < a for a, b in zip(norms, norms[1:]))
    assert norms[-1] < 1e-10


def test_jacobian_of_a_batch():
    X = np.arange(12.0).reshape(3, 4) / 5
    J = softmax_jacobian(X)
    assert J.shape == (3, 4, 4)
    for r in range(3):
        p = np.array(ref_softmax(X[r]))
        np.testing.assert_allclose(J[r], np.diag(p) - np.outer(p, p), rtol=1e-13, atol=1e-16)


# ================================================================== masks
def test_causal_mask():
    np.testing.assert_array_equal(
        causal_mask(3), [[True, False, False], [True, True, False], [True, True, True]]
    )
    assert causal_mask(1).tolist() == [[True]]


@pytest.mark.parametrize(("n", "error"), [(0, ValueError), (-2, ValueError), (2.0, TypeError), (True, TypeError)])
def test_causal_mask_bad_n(n, error):
    with pytest.raises(error, match=names("causal_mask", "n")):
        causal_mask(n)


def test_padding_mask():
    m = padding_mask([2, 4, 0], 4)
    assert m.shape == (3, 1, 4) and m.dtype == bool
    np.testing.assert_array_equal(
        m[:, 0], [[True, True, False, False], [True, True, True, True], [False] * 4]
    )


@pytest.mark.parametrize(("lengths", "n", "error", "arg"), [
    ([1, 5], 4, ValueError, "lengths"),
    ([-1], 4, ValueError, "lengths"),
    ([1.5, 2.0], 4, TypeError, "lengths"),
    ([True], 4, TypeError, "lengths"),
    ([[1, 2]], 4, ValueError, "lengths"),
    ([], 4, TypeError, "lengths"),
    ("12", 4, TypeError, "lengths"),
    ([1], 0, ValueError, "n"),
])
def test_padding_mask_bad_input(lengths, n, error, arg):
    with pytest.raises(error, match=names("padding_mask", arg)):
        padding_mask(lengths, n)


# ================================================================== attention
def test_attention_worked_example():
    # d_k = 4: q·k_1/√4 = 2 ln 3 / 2 = ln 3 and q·k_2 = 0, so the weights are (3/4, 1/4)
    Q = [[1.0, 1.0, 0.0, 0.0]]
    K = [[math.log(3), math.log(3), 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    V = [[4.0, 0.0], [0.0, 8.0]]
    out, w = scaled_dot_product_attention(Q, K, V)
    np.testing.assert_allclose(w, [[0.75, 0.25]], rtol=1e-15)
    np.testing.assert_allclose(out, [[3.0, 2.0]], rtol=1e-15)


@st.composite
def attention_problems(draw, with_mask=False):
    n_q, n_k, d_k, d_v = (draw(st.integers(1, 5)) for _ in range(4))
    el = st.floats(-3, 3)
    Q = draw(hnp.arrays(np.float64, (n_q, d_k), elements=el))
    K = draw(hnp.arrays(np.float64, (n_k, d_k), elements=el))
    V = draw(hnp.arrays(np.float64, (n_k, d_v), elements=el))
    mask = None
    if with_mask:
        mask = draw(hnp.arrays(np.bool_, (n_q, n_k)))
        for i in range(n_q):  # every query keeps at least one key
            if not mask[i].any():
                mask[i, draw(st.integers(0, n_k - 1))] = True
    return Q, K, V, mask


@given(attention_problems(with_mask=True))
def test_attention_matches_the_loop_reference(problem):
    Q, K, V, mask = problem
    out, w = scaled_dot_product_attention(Q, K, V, mask=mask)
    ref_out, ref_w = ref_attention(Q, K, V, mask)
    np.testing.assert_allclose(w, ref_w, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(out, ref_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(w[~mask], 0.0)  # masked keys get weight exactly 0
    np.testing.assert_allclose(w.sum(axis=-1), 1.0, rtol=1e-14)


@given(attention_problems())
def test_attention_without_mask_matches_the_loop_reference(problem):
    Q, K, V, _ = problem
    out, w = scaled_dot_product_attention(Q, K, V)
    ref_out, ref_w = ref_attention(Q, K, V)
    np.testing.assert_allclose(w, ref_w, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(out, ref_out, rtol=1e-10, atol=1e-12)


def test_attention_divides_by_the_square_root_of_d_k():
    rng = np.random.default_rng(0)
    Q, K, V = rng.standard_normal((3, 4, 9))
    _, w = scaled_dot_product_attention(Q * 3.0, K, V)  # √9 = 3 cancels the scaling
    np.testing.assert_allclose(w, ref_softmax_rows(Q @ K.T), rtol=1e-12)


def test_attention_over_batches_matches_each_batch_element():
    rng = np.random.default_rng(1)
    Q = rng.standard_normal((2, 3, 4, 5))
    K = rng.standard_normal((3, 6, 5))  # broadcasts over the first batch axis
    V = rng.standard_normal((1, 3, 6, 2))
    out, w = scaled_dot_product_attention(Q, K, V)
    assert out.shape == (2, 3, 4, 2) and w.shape == (2, 3, 4, 6)
    for a in range(2):
        for b in range(3):
            ref_out, ref_w = ref_attention(Q[a, b], K[b], V[0, b])
            np.testing.assert_allclose(out[a, b], ref_out, rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(w[a, b], ref_w, rtol=1e-10, atol=1e-14)


def test_contract_scores_of_plus_minus_1e4():
    out, w = scaled_dot_product_attention([[100.0]], [[100.0], [-100.0]], [[1.0], [2.0]])
    np.testing.assert_array_equal(w, [[1.0, 0.0]])
    np.testing.assert_array_equal(out, [[1.0]])


def test_causal_attention_does_not_look_ahead():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((6, 4))
    out, w = scaled_dot_product_attention(X, X, X, mask=causal_mask(6))
    np.testing.assert_array_equal(np.triu(w, k=1), 0.0)
    X2 = X.copy()
    X2[4:] = rng.standard_normal((2, 4))  # change the future of token 3
    out2, _ = scaled_dot_product_attention(X2, X2, X2, mask=causal_mask(6))
    np.testing.assert_array_equal(out2[:4], out[:4])
    assert not np.allclose(out2[4:], out[4:])


def test_padding_gives_the_attention_of_the_unpadded_sequences():
    rng = np.random.default_rng(3)
    lengths, n, d = [3, 5], 5, 4
    X = rng.standard_normal((2, n, d))
    X[0, 3:] = 1e3  # padding that would dominate the scores if it were not masked
    out, w = scaled_dot_product_attention(X, X, X, mask=padding_mask(lengths, n))
    np.testing.assert_array_equal(w[0, :, 3:], 0.0)
    for b, length in enumerate(lengths):
        real = X[b, :length]
        ref_out, _ = ref_attention(real, real, real)
        np.testing.assert_allclose(out[b, :length], ref_out, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mask_shape", [(4,), (1, 4), (3, 4), (2, 3, 4), (2, 1, 4), (1, 1, 4)])
def test_masks_broadcast(mask_shape):
    rng = np.random.default_rng(4)
    Q, K, V = rng.standard_normal((2, 3, 5)), rng.standard_normal((2, 4, 5)), rng.standard_normal((2, 4, 2))
    mask = np.ones(mask_shape, dtype=bool)
    mask[..., 1] = False
    out, w = scaled_dot_product_attention(Q, K, V, mask=mask)
    full = np.broadcast_to(mask, (2, 3, 4))
    for b in range(2):
        ref_out, ref_w = ref_attention(Q[b], K[b], V[b], full[b])
        np.testing.assert_allclose(out[b], ref_out, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(w[b], ref_w, rtol=1e-10, atol=1e-14)


def test_mask_as_a_nested_list():
    out, w = scaled_dot_product_attention([[1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], [[1.0], [2.0]], mask=[[False, True]])
    np.testing.assert_array_equal(w, [[0.0, 1.0]])
    np.testing.assert_array_equal(out, [[2.0]])


def test_attention_dtypes():
    rng = np.random.default_rng(5)
    Q, K, V = (rng.standard_normal((3, 4)).astype(np.float32) for _ in range(3))
    out, w = scaled_dot_product_attention(Q, K, V)
    assert out.dtype == np.float32 and w.dtype == np.float32
    ref_out, ref_w = ref_attention(Q, K, V)
    np.testing.assert_allclose(out, ref_out, rtol=1e-5, atol=1e-6)
    out64, _ = scaled_dot_product_attention(Q, K, V.astype(np.float64))
    assert out64.dtype == np.float64
    out_int, _ = scaled_dot_product_attention([[1, 0]], [[1, 0], [0, 1]], [[1], [2]])
    assert out_int.dtype == np.float64


class TestAttentionBadInput:
    Q = np.ones((2, 3))
    K = np.ones((4, 3))
    V = np.ones((4, 2))
    F = "scaled_dot_product_attention"

    def test_contract_a_row_with_nothing_to_attend_to(self):
        mask = np.ones((2, 4), dtype=bool)
        mask[1] = False
        with pytest.raises(ValueError, match=rf"^{self.F}: mask.*query row 1\b.*nothing to attend to"):
            scaled_dot_product_attention(self.Q, self.K, self.V, mask=mask)

    def test_a_row_with_nothing_to_attend_to_in_a_batch(self):
        with pytest.raises(ValueError, match=rf"^{self.F}: mask.*query row 0 of batch element \(1,\)"):
            scaled_dot_product_attention(np.ones((2, 2, 3)), self.K, self.V, mask=padding_mask([4, 0], 4))

    @pytest.mark.parametrize("mask", [np.ones((2, 4)), np.zeros((2, 4), dtype=int), [[0.0, -np.inf]]])
    def test_a_numeric_mask_is_refused(self, mask):
        with pytest.raises(TypeError, match=names(self.F, "mask") + ".*boolean"):
            scaled_dot_product_attention(self.Q, self.K, self.V, mask=mask)

    @pytest.mark.parametrize("shape", [(3,), (2, 3), (3, 4), (5, 2, 4), (2, 2, 4, 1)])
    def test_a_mask_that_does_not_broadcast(self, shape):
        with pytest.raises(ValueError, match=names(self.F, "mask") + ".*cannot be broadcast"):
            scaled_dot_product_attention(self.Q, self.K, self.V, mask=np.ones(shape, dtype=bool))

    def test_a_mask_may_not_add_batch_dimensions(self):
        with pytest.raises(ValueError, match=names(self.F, "mask")):
            scaled_dot_product_attention(self.Q, self.K, self.V, mask=np.ones((3, 2, 4), dtype=bool))

    def test_d_k_mismatch(self):
        with pytest.raises(ValueError, match=names(self.F, "Q") + r".*\bK\b"):
            scaled_dot_product_attention(np.ones((2, 5)), self.K, self.V)

    def test_keys_and_values_mismatch(self):
        with pytest.raises(ValueError, match=names(self.F, "K") + r".*\bV\b"):
            scaled_dot_product_attention(self.Q, self.K, np.ones((3, 2)))

    @pytest.mark.parametrize("arg", ["Q", "K", "V"])
    def test_one_dimensional_arguments(self, arg):
        args = {"Q": self.Q, "K": self.K, "V": self.V}
        args[arg] = np.ones(3 if arg != "V" else 4)
        with pytest.raises(ValueError, match=names(self.F, arg) + ".*at least 2 dimensions"):
            scaled_dot_product_attention(**args)

    @pytest.mark.parametrize("arg", ["Q", "K", "V"])
    def test_nan_and_inf(self, arg):
        args = {"Q": self.Q.copy(), "K": self.K.copy(), "V": self.V.copy()}
        args[arg][1, 1] = math.nan
        with pytest.raises(ValueError, match=names(self.F, arg) + ".*nan or inf"):
            scaled_dot_product_attention(**args)

    def test_batch_dimensions_that_do_not_broadcast(self):
        with pytest.raises(ValueError, match=rf"^{self.F}: Q \(batch dimensions \(2,\)\), K \(batch dimensions \(3,\)\) and V .* cannot be broadcast"):
            scaled_dot_product_attention(np.ones((2, 2, 3)), np.ones((3, 4, 3)), self.V)

    def test_overflowing_scores(self):
        with pytest.raises(ValueError, match=rf"^{self.F}: the scores .*overflow"):
            scaled_dot_product_attention([[1e200, 1e200]], [[1e200, 1e200]], [[1.0]])

    @pytest.mark.parametrize("bad", [None, "QKV", [[1j]]])
    def test_wrong_types(self, bad):
        with pytest.raises(TypeError, match=names(self.F, "Q")):
            scaled_dot_product_attention(bad, self.K, self.V)


# ================================================================== heads
def test_split_and_merge_heads():
    X = np.arange(24.0).reshape(3, 8)
    H = split_heads(X, 4)
    assert H.shape == (4, 3, 2)
    for h in range(4):
        np.testing.assert_array_equal(H[h], X[:, 2 * h : 2 * h + 2])
    np.testing.assert_array_equal(merge_heads(H), X)
    batch = np.arange(48.0).reshape(2, 3, 8)
    np.testing.assert_array_equal(merge_heads(split_heads(batch, 2)), batch)


def test_split_heads_bad_input():
    with pytest.raises(ValueError, match=names("split_heads", "num_heads") + ".*divide"):
        split_heads(np.ones((3, 8)), 3)
    with pytest.raises(ValueError, match=names("split_heads", "X")):
        split_heads(np.ones(8), 2)
    with pytest.raises(ValueError, match=names("merge_heads", "H")):
        merge_heads(np.ones((3, 8)))


def _mha_problem(seed, n_q=5, n_k=5, d_model=8):
    rng = np.random.default_rng(seed)
    X_q = rng.standard_normal((n_q, d_model))
    X_kv = rng.standard_normal((n_k, d_model))
    Ws = [rng.standard_normal((d_model, d_model)) / math.sqrt(d_model) for _ in range(4)]
    return X_q, X_kv, Ws


@pytest.mark.parametrize("num_heads", [1, 2, 4, 8])
def test_multi_head_attention_matches_a_loop_over_heads(num_heads):
    X_q, X_kv, Ws = _mha_problem(6, n_q=4, n_k=6)
    out, w = multi_head_attention(X_q, X_kv, X_kv, *Ws, num_heads)
    ref_out, ref_w = ref_multi_head(X_q, X_kv, X_kv, *Ws, num_heads)
    assert out.shape == (4, 8) and w.shape == (num_heads, 4, 6)
    np.testing.assert_allclose(out, ref_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w, ref_w, rtol=1e-10, atol=1e-14)


def test_multi_head_attention_with_a_causal_mask():
    X, _, Ws = _mha_problem(7)
    out, w = multi_head_attention(X, X, X, *Ws, 2, mask=causal_mask(5))
    ref_out, ref_w = ref_multi_head(X, X, X, *Ws, 2, mask=causal_mask(5))
    np.testing.assert_allclose(out, ref_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(np.triu(w, k=1), 0.0)


def test_multi_head_attention_with_one_mask_per_head():
    X, _, Ws = _mha_problem(8)
    mask = np.stack([causal_mask(5), causal_mask(5).T])
    _, w = multi_head_attention(X, X, X, *Ws, 2, mask=mask)
    np.testing.assert_array_equal(np.triu(w[0], k=1), 0.0)
    np.testing.assert_array_equal(np.tril(w[1], k=-1), 0.0)


def test_one_head_is_plain_attention_followed_by_w_o():
    X, _, (W_q, W_k, W_v, W_o) = _mha_problem(9)
    out, w = multi_head_attention(X, X, X, W_q, W_k, W_v, W_o, 1)
    ref_out, ref_w = ref_attention(X @ W_q, X @ W_k, X @ W_v)
    np.testing.assert_allclose(out, ref_out @ W_o, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w[0], ref_w, rtol=1e-10, atol=1e-14)


def test_multi_head_attention_keeps_float32():
    X, _, Ws = _mha_problem(10)
    out, w = multi_head_attention(*(a.astype(np.float32) for a in (X, X, X, *Ws)), 2)
    assert out.dtype == np.float32 and w.dtype == np.float32
    ref_out, _ = ref_multi_head(X.astype(np.float32).astype(np.float64), X, X, *Ws, 2)
    np.testing.assert_allclose(out, ref_out, rtol=1e-4, atol=1e-5)


class TestMultiHeadBadInput:
    F = "multi_head_attention"

    def args(self):
        X, _, Ws = _mha_problem(11)
        return [X, X, X, *Ws, 2]

    @pytest.mark.parametrize(("position", "name"), [(3, "W_q"), (4, "W_k"), (5, "W_v"), (6, "W_o")])
    def test_wrong_shape_of_a_projection(self, position, name):
        args = self.args()
        args[position] = np.ones((8, 4))
        with pytest.raises(ValueError, match=names(self.F, name) + r".*\(8, 8\)"):
            multi_head_attention(*args)

    def test_heads_that_do_not_divide_d_model(self):
        args = self.args()
        args[7] = 3
        with pytest.raises(ValueError, match=names(self.F, "num_heads") + ".*divide"):
            multi_head_attention(*args)

    @pytest.mark.parametrize("h", [2.0, True, "2", None])
    def test_num_heads_not_an_integer(self, h):
        args = self.args()
        args[7] = h
        with pytest.raises(TypeError, match=names(self.F, "num_heads")):
            multi_head_attention(*args)

    def test_num_heads_zero(self):
        args = self.args()
        args[7] = 0
        with pytest.raises(ValueError, match=names(self.F, "num_heads")):
            multi_head_attention(*args)

    @pytest.mark.parametrize(("position", "name"), [(1, "X_k"), (2, "X_v")])
    def test_inputs_of_another_dimension(self, position, name):
        args = self.args()
        args[position] = np.ones((5, 6))
        with pytest.raises(ValueError, match=names(self.F, name) + ".*X_q"):
            multi_head_attention(*args)

    def test_keys_and_values_of_different_lengths(self):
        args = self.args()
        args[2] = np.ones((4, 8))
        with pytest.raises(ValueError, match=names(self.F, "X_k") + r".*\bX_v\b"):
            multi_head_attention(*args)

    def test_three_dimensional_input(self):
        args = self.args()
        args[0] = np.ones((1, 5, 8))
        with pytest.raises(ValueError, match=names(self.F, "X_q")):
            multi_head_attention(*args)

    def test_a_row_with_nothing_to_attend_to(self):
        mask = np.ones((5, 5), dtype=bool)
        mask[2] = False
        with pytest.raises(ValueError, match=rf"^{self.F}: mask.*query row 2\b"):
            multi_head_attention(*self.args(), mask=mask)

    def test_nan_in_a_projection(self):
        args = self.args()
        args[4] = args[4].copy()
        args[4][0, 0] = math.nan
        with pytest.raises(ValueError, match=names(self.F, "W_k") + ".*nan"):
            multi_head_attention(*args)


# ================================================================== parameter count
def test_parameter_count_of_the_transformer_base():
    # d_model = 512, 8 heads (Vaswani et al. 2017): 4 · 512² = 1,048,576
    assert attention_parameter_count(512, 8) == 1_048_576
    assert attention_parameter_count(512, 8, bias=True) == 1_048_576 + 4 * 512


@pytest.mark.parametrize("d_model", [4, 12, 64])
def test_parameter_count_is_the_number_of_entries_whatever_the_heads(d_model):
    for h in [1, 2, 4]:
        # per head: three d_model × d_k projections, and d_k rows of W_o
        d_k = d_model // h
        per_head = 3 * d_model * d_k + d_k * d_model
        assert attention_parameter_count(d_model, h) == h * per_head == 4 * d_model**2
        assert attention_parameter_count(d_model, h, bias=True) == h * per_head + 3 * d_model + d_model


@pytest.mark.parametrize(("args", "error", "arg"), [
    ((12, 5), ValueError, "num_heads"),
    ((0, 1), ValueError, "d_model"),
    ((12.0, 2), TypeError, "d_model"),
    ((12, 0), ValueError, "num_heads"),
])
def test_parameter_count_bad_input(args, error, arg):
    with pytest.raises(error, match=names("attention_parameter_count", arg)):
        attention_parameter_count(*args)


def test_parameter_count_bias_must_be_a_bool():
    with pytest.raises(TypeError, match=names("attention_parameter_count", "bias")):
        attention_parameter_count(8, 2, bias=1)


# ================================================================== look-up
KEYS = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [-1.0, 0.0]])
VALUES = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]])


def test_soft_lookup_is_one_row_of_attention():
    rng = np.random.default_rng(12)
    q, K, V = rng.standard_normal(6), rng.standard_normal((9, 6)), rng.standard_normal((9, 3))
    out, w = soft_lookup(q, K, V, temperature=math.sqrt(6))
    ref_out, ref_w = ref_attention(q[None, :], K, V)
    np.testing.assert_allclose(out, ref_out[0], rtol=1e-12)
    np.testing.assert_allclose(w, ref_w[0], rtol=1e-12)


def test_soft_lookup_tends_to_the_hard_lookup():
    q = np.array([0.9, 0.5])  # scores 0.9, 0.94, 0.5, −0.9: key 1 is the best
    value, index = hard_lookup(q, KEYS, VALUES)
    assert index == 1
    np.testing.assert_array_equal(value, VALUES[1])
    missing = [1 - soft_lookup(q, KEYS, VALUES, t)[1][1] for t in (1.0, 0.1, 0.01, 0.001)]
    assert all(b < a for a, b in zip(missing, missing[1:]))
    assert missing[-1] < 1e-15
    np.testing.assert_allclose(soft_lookup(q, KEYS, VALUES, 0.001)[0], VALUES[1], rtol=1e-15)
    np.testing.assert_array_equal(soft_lookup(q, KEYS, VALUES, 0)[0], VALUES[1])


def test_lookups_agree_with_top_1_retrieval():
    rng = np.random.default_rng(13)
    corpus, queries = rng.standard_normal((50, 8)), rng.standard_normal((10, 8))
    ids = np.arange(50.0)
    for q in queries:
        best, _ = top_k(q, corpus, 1, metric="dot")
        value, index = hard_lookup(q, corpus, ids)
        assert index == best[0] and value == float(best[0])
        assert isinstance(value, float)
        soft_value, _ = soft_lookup(q, corpus, ids, temperature=0)
        assert soft_value == float(best[0])


def test_ties_hard_takes_the_lower_index_soft_the_average():
    keys = [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]
    values = [5.0, 7.0, 9.0]
    assert hard_lookup([1.0, 0.0], keys, values) == (5.0, 0)
    out, w = soft_lookup([1.0, 0.0], keys, values, temperature=0)
    assert out == 7.0
    np.testing.assert_array_equal(w, [0.5, 0.0, 0.5])


def test_soft_lookup_at_infinite_temperature_is_the_mean():
    out, w = soft_lookup([1.0, 0.0], KEYS, VALUES, temperature=math.inf)
    np.testing.assert_allclose(out, VALUES.mean(axis=0), rtol=1e-15)


@pytest.mark.parametrize("func", [soft_lookup, hard_lookup])
def test_lookup_bad_input(func):
    name = func.__name__
    with pytest.raises(ValueError, match=names(name, "query")):
        func([1.0, 0.0, 0.0], KEYS, VALUES)
    with pytest.raises(ValueError, match=names(name, "keys")):
        func([1.0, 0.0], KEYS, VALUES[:3])
    with pytest.raises(ValueError, match=names(name, "query")):
        func([[1.0, 0.0]], KEYS, VALUES)
    with pytest.raises(ValueError, match=names(name, "keys")):
        func([1.0, 0.0], [[math.inf, 0.0]] * 4, VALUES)
    with pytest.raises(TypeError, match=names(name, "values")):
        func([1.0, 0.0], KEYS, ["a", "b", "c", "d"])


def test_soft_lookup_bad_temperature():
    with pytest.raises(ValueError, match=names("soft_lookup", "temperature")):
        soft_lookup([1.0, 0.0], KEYS, VALUES, temperature=-0.5)


# ================================================================== hypothesis: settings
@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4).flatmap(lambda h: st.tuples(st.just(h), st.integers(1, 3))), st.integers(0, 2**16))
def test_multi_head_attention_property(heads_and_width, seed):
    h, width = heads_and_width
    d_model = h * width
    rng = np.random.default_rng(seed)
    n_q, n_k = rng.integers(1, 5, size=2)
    X_q, X_k, X_v = rng.standard_normal((n_q, d_model)), rng.standard_normal((n_k, d_model)), rng.standard_normal((n_k, d_model))
    Ws = [rng.standard_normal((d_model, d_model)) for _ in range(4)]
    out, w = multi_head_attention(X_q, X_k, X_v, *Ws, h)
    ref_out, ref_w = ref_multi_head(X_q, X_k, X_v, *Ws, h)
    np.testing.assert_allclose(w, ref_w, rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(out, ref_out, rtol=1e-9, atol=1e-11)


# ------------------------------------------------------- the chapter's experiments
def plain_softmax(z: np.ndarray) -> np.ndarray:
    """e^z / Σ e^z along the last axis, for moderate z."""
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def plain_entropy(p: np.ndarray) -> np.ndarray:
    return -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0), axis=-1)


def independent_scores(d_k, n_keys, n_draws, seed):
    """The same draws as attention_scores, the dot products by an explicit loop over keys."""
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((n_draws, d_k))
    K = rng.standard_normal((n_draws, n_keys, d_k))
    return np.stack([np.sum(q * K[:, j, :], axis=1) for j in range(n_keys)], axis=1)


def independent_toy_weights(temperature):
    toy = toy_sentence()
    X = toy["X"]
    weights = []
    for h in range(2):
        cols = slice(4 * h, 4 * h + 4)
        Q, K = X @ toy["W_q"][:, cols], X @ toy["W_k"][:, cols]
        weights.append(plain_softmax(Q @ K.T / (2.0 * temperature)))
    return np.array(weights)


@pytest.mark.parametrize("d_k", [1, 16, 300])
def test_attention_scores_match_an_independent_computation(d_k):
    expected = independent_scores(d_k, 5, 40, 3)
    np.testing.assert_allclose(attention_scores(d_k, 5, 40, 3), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        attention_scores(d_k, 5, 40, 3, scaled=True), expected / math.sqrt(d_k), rtol=1e-12, atol=1e-12
    )


def test_attention_scores_are_not_shared_mutable_state():
    a = attention_scores(8, 4, 10, 0)
    a[:] = 0
    assert np.any(attention_scores(8, 4, 10, 0) != 0)


@pytest.mark.parametrize("d_k", [4, 64, 1024])
def test_score_variance_is_d_k_unscaled_and_one_scaled(d_k):
    # 200 rows of 16 scores: the sample variance is within about 10 % of the theory
    raw = score_scaling_summary(d_k, scaled=False)
    scaled = score_scaling_summary(d_k, scaled=True)
    assert raw["variance"] == pytest.approx(d_k, rel=0.12)
    assert scaled["variance"] == pytest.approx(1.0, rel=0.12)
    assert abs(scaled["mean"]) < 0.1


def test_summary_entropies_and_example_row():
    s = score_scaling_summary(32, scaled=True, n_keys=8, n_draws=30, seed=2)
    expected_scores = independent_scores(32, 8, 30, 2) / math.sqrt(32)
    p = plain_softmax(expected_scores)
    np.testing.assert_allclose(s["entropy"], plain_entropy(p), rtol=1e-10)
    assert s["mean_entropy"] == pytest.approx(plain_entropy(p).mean(), rel=1e-10)
    np.testing.assert_allclose(s["example"], p[0], rtol=1e-12)


def test_unscaled_entropy_falls_with_d_k_and_scaled_entropy_does_not():
    unscaled = entropy_curve(DK_CHOICES, scaled=False)
    scaled = entropy_curve(DK_CHOICES, scaled=True)
    assert np.all(np.diff(unscaled) < 0), unscaled
    assert unscaled[0] > 2.0 and unscaled[-1] < 0.2
    assert scaled.max() - scaled.min() < 0.2
    assert np.all(scaled < math.log(16))
    assert unscaled[0] == pytest.approx(scaled[0])  # d_k = 1: nothing to scale


def test_toy_sentence_structure():
    toy = toy_sentence()
    X = toy["X"]
    assert toy["tokens"] == list(TOY_TOKENS) and X.shape == (8, 8) and toy["num_heads"] == 2
    np.testing.assert_allclose(np.linalg.norm(X[:, :4], axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(X[0, :4], X[3, :4])  # "the" means the same at positions 0 and 3
    for i in range(8):
        np.testing.assert_allclose(X[i, 4:], [math.cos(i), math.sin(i), math.cos(i / 2), math.sin(i / 2)], atol=1e-15)

def test_toy_heads_read_separate_subspaces():
    toy = toy_sentence()
    for W in (toy["W_q"], toy["W_k"]):
        assert not W[4:, :4].any() and not W[:4, 4:].any()  # head 0 ← meaning, head 1 ← position


@pytest.mark.parametrize("t", [0.25, 1.0, 4.0])
def test_toy_attention_weights_match_an_independent_computation(t):
    np.testing.assert_allclose(toy_attention_weights(t), independent_toy_weights(t), rtol=1e-10, atol=1e-15)


def test_the_two_heads_attend_differently():
    w = toy_attention_weights(1.0)
    tokens = list(TOY_TOKENS)
    # head 1: every token after the first looks at the previous one
    np.testing.assert_array_equal(w[1].argmax(axis=1)[1:], np.arange(7))
    # head 0: every token puts most of its weight on tokens of its own kind
    kind = {"the": 0, "cat": 1, "dog": 1, "mat": 1, "saw": 2, "on": 3}
    same = np.array([[kind[a] == kind[b] for b in tokens] for a in tokens])
    assert np.all((w[0] * same).sum(axis=1) > 0.8)
    assert np.all((w[1] * same).sum(axis=1)[1:] < 0.5)


def test_attention_scores_take_a_generator_and_check_the_seed():
    expected = independent_scores(4, 3, 5, 7)
    np.testing.assert_allclose(attention_scores(4, 3, 5, np.random.default_rng(7)), expected, rtol=1e-12)
    with pytest.raises(ValueError, match=names("attention_scores", "seed")):
        attention_scores(4, seed=-1)
    with pytest.raises(TypeError, match=names("attention_scores", "seed")):
        attention_scores(4, seed=1.5)
    with pytest.raises(ValueError, match=names("attention_scores", "d_k")):
        attention_scores(0)


def test_toy_attention_weights_bad_temperature():
    with pytest.raises(ValueError, match=names("toy_attention_weights", "temperature")):
        toy_attention_weights(0.0)


# ====================================================== issue 15: gradients, streaming, decoding
def _loss(Q, K, V, G):
    out, _ = ref_attention(Q, K, V)
    return math.fsum((out * G).ravel())


def test_attention_gradients_match_central_differences():
    rng = np.random.default_rng(0)
    Q, K, V = rng.standard_normal((3, 5)), rng.standard_normal((4, 5)), rng.standard_normal((4, 2))
    G = rng.standard_normal((3, 2))
    grads = attention_gradients(Q, K, V, G)
    h = 1e-6
    for which, grad in enumerate(grads):
        assert grad.shape == (Q, K, V)[which].shape
        for index in np.ndindex(grad.shape):
            up, down = [Q.copy(), K.copy(), V.copy()], [Q.copy(), K.copy(), V.copy()]
            up[which][index] += h
            down[which][index] -= h
            numeric = (_loss(*up, G) - _loss(*down, G)) / (2 * h)
            assert grad[index] == pytest.approx(numeric, rel=1e-6, abs=1e-8)


def test_value_gradient_is_the_weights_transposed_times_g():
    rng = np.random.default_rng(1)
    Q, K, V = rng.standard_normal((3, 4)), rng.standard_normal((6, 4)), rng.standard_normal((6, 3))
    G = rng.standard_normal((3, 3))
    _, W = ref_attention(Q, K, V)
    np.testing.assert_allclose(attention_gradients(Q, K, V, G)[2], W.T @ G, rtol=1e-12, atol=1e-14)


def test_saturated_rows_starve_queries_and_keys_not_values():
    rng = np.random.default_rng(2)
    K, V = np.eye(6, 8), rng.standard_normal((6, 3))
    Q = np.zeros((4, 8))
    Q[:, :6] = [rng.permutation(6) for _ in range(4)]  # the scores of a row differ by ≥ 1/√8
    G = rng.standard_normal((4, 3))
    dQ, dK, dV = attention_gradients(300.0 * Q, K, V, G)  # gaps ≥ 106: e^{−106} ≈ 1e-46
    assert np.abs(dQ).max() < 1e-12 and np.abs(dK).max() < 1e-12
    # each saturated row hands its whole g_i to the value of its best key
    expected = np.zeros_like(V)
    for i, winner in enumerate(Q.argmax(axis=1)):
        expected[winner] += G[i]
    np.testing.assert_allclose(dV, expected, rtol=1e-12, atol=1e-40)


def test_attention_gradients_batched_equals_one_by_one():
    rng = np.random.default_rng(3)
    Q, K, V = rng.standard_normal((5, 2, 4)), rng.standard_normal((5, 3, 4)), rng.standard_normal((5, 3, 2))
    G = rng.standard_normal((5, 2, 2))
    batched = attention_gradients(Q, K, V, G)
    for b in range(5):
        single = attention_gradients(Q[b], K[b], V[b], G[b])
        for x, y in zip(batched, single):
            np.testing.assert_allclose(x[b], y, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("args, arg", [
    ((np.ones((2, 3)), np.ones((4, 2)), np.ones((4, 1)), np.ones((2, 1))), "Q"),
    ((np.ones((2, 3)), np.ones((4, 3)), np.ones((5, 1)), np.ones((2, 1))), "K"),
    ((np.ones((2, 3)), np.ones((4, 3)), np.ones((4, 1)), np.ones((2, 2))), "grad_output"),
    ((np.ones((2, 3)), np.ones((4, 3)), np.ones((4, 1)), [1.0, 2.0]), "grad_output"),
])
def test_attention_gradients_bad_input(args, arg):
    with pytest.raises(ValueError, match=names("attention_gradients", arg)):
        attention_gradients(*args)


@pytest.mark.parametrize("block", [1, 2, 5, 100])
def test_online_softmax_matches_the_definition(block):
    x = np.random.default_rng(4).normal(scale=5.0, size=23)
    w, m, ell = online_softmax(x, block)
    np.testing.assert_allclose(w, ref_softmax(x), rtol=1e-13)
    assert len(m) == math.ceil(23 / block) and m[-1] == x.max()
    for k, (m_k, l_k) in enumerate(zip(m, ell)):
        seen = x[: (k + 1) * block]
        assert m_k == seen.max()
        assert l_k == pytest.approx(math.fsum(math.exp(v - seen.max()) for v in seen), rel=1e-13)


def test_online_softmax_does_not_overflow_and_rescales():
    w, m, ell = online_softmax([1000.0, 1001.0, 1002.0])
    e = math.e
    np.testing.assert_allclose(w, [1 / (1 + e + e**2), e / (1 + e + e**2), e**2 / (1 + e + e**2)], rtol=1e-14)
    np.testing.assert_allclose(ell, [1.0, 1 + 1 / e, 1 + 1 / e + 1 / e**2], rtol=1e-14)


@pytest.mark.parametrize("x, block, error, arg", [
    ([], 1, ValueError, "x"), ([[1.0]], 1, ValueError, "x"), ([1.0, math.inf], 1, ValueError, "x"),
    ([1.0], 0, ValueError, "block_size"), ([1.0], 1.5, TypeError, "block_size"),
])
def test_online_softmax_bad_input(x, block, error, arg):
    with pytest.raises(error, match=names("online_softmax", arg)):
        online_softmax(x, block)


@pytest.mark.parametrize("bq, bk", [(1, 1), (3, 4), (7, 7), (64, 2)])
def test_blockwise_attention_matches_the_loop(bq, bk):
    rng = np.random.default_rng(5)
    Q, K, V = rng.standard_normal((7, 3)), rng.standard_normal((9, 3)), rng.standard_normal((9, 2))
    out, lse = blockwise_attention(Q, K, V, bq, bk)
    expected, _ = ref_attention(Q, K, V)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-14)
    for i, q in enumerate(Q):
        scores = [math.fsum(q * k) / math.sqrt(3) for k in K]
        assert lse[i] == pytest.approx(math.log(math.fsum(math.exp(s) for s in scores)), rel=1e-13)


def test_blockwise_attention_with_causal_and_random_masks():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((10, 4))
    for mask in (causal_mask(10), rng.random((10, 10)) < 0.3):
        mask = mask | np.eye(10, dtype=bool)  # every row keeps one key
        out, _ = blockwise_attention(X, X, X, 3, 4, mask=mask)
        expected, _ = ref_attention(X, X, X, mask)
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-14)


def test_blockwise_attention_scores_that_overflow_a_naive_softmax():
    Q = np.array([[30.0, 0.0]])
    K = np.array([[40.0, 0.0], [39.0, 0.0], [0.0, 1.0]])
    V = np.array([[1.0], [2.0], [3.0]])
    out, _ = blockwise_attention(Q, K, V, 1, 1)  # scores 848.5, 827.3, 0: e^848 overflows
    expected, _ = scaled_dot_product_attention(Q, K, V)
    np.testing.assert_allclose(out, expected, rtol=1e-14)


def test_blockwise_attention_bad_input():
    X = np.ones((3, 2))
    with pytest.raises(ValueError, match=names("blockwise_attention", "block_q")):
        blockwise_attention(X, X, X, block_q=0)
    with pytest.raises(TypeError, match=names("blockwise_attention", "block_k")):
        blockwise_attention(X, X, X, block_k=2.0)
    with pytest.raises(ValueError, match=names("blockwise_attention", "mask")):
        blockwise_attention(X, X, X, mask=np.array([[True, False, True], [True, True, False]]))
    with pytest.raises(ValueError, match="query row 1 with nothing to attend to"):
        blockwise_attention(X, X, X, mask=np.array([[True] * 3, [False] * 3, [True] * 3]))
    with pytest.raises(ValueError, match=names("blockwise_attention", "Q")):
        blockwise_attention(X, np.ones((3, 5)), X)


def test_kv_cache_bytes_counts_keys_and_values_of_every_layer():
    assert kv_cache_bytes(1, 1, 1) == 2 * 2  # one key and one value, 2 bytes each
    assert kv_cache_bytes(6, 384, 256, bytes_per_number=4) == 2 * 6 * 384 * 256 * 4
    assert kv_cache_bytes(12, 768, 1024, batch_size=8) == 8 * kv_cache_bytes(12, 768, 1024)


@pytest.mark.parametrize("kwargs, error, arg", [
    ({"num_layers": 0}, ValueError, "num_layers"), ({"d_model": 1.5}, TypeError, "d_model"),
    ({"n_tokens": 0}, ValueError, "n_tokens"), ({"bytes_per_number": True}, TypeError, "bytes_per_number"),
    ({"batch_size": -1}, ValueError, "batch_size"),
])
def test_kv_cache_bytes_bad_input(kwargs, error, arg):
    args = {"num_layers": 2, "d_model": 8, "n_tokens": 4} | kwargs
    with pytest.raises(error, match=names("kv_cache_bytes", arg)):
        kv_cache_bytes(**args)


@pytest.mark.parametrize("num_heads", [1, 2, 4])
def test_kv_cache_decode_is_causal_attention(num_heads):
    rng = np.random.default_rng(7)
    X = rng.standard_normal((6, 8))
    W = rng.standard_normal((4, 8, 8)) / math.sqrt(8)
    out, keys, values = kv_cache_decode(X, *W, num_heads=num_heads)
    expected, _ = ref_multi_head(X, X, X, *W, num_heads, mask=np.tril(np.ones((6, 6), dtype=bool)))
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-13)
    d_k = 8 // num_heads
    for h in range(num_heads):
        np.testing.assert_allclose(keys[h], X @ W[1][:, h * d_k:(h + 1) * d_k], rtol=1e-13)
        np.testing.assert_allclose(values[h], X @ W[2][:, h * d_k:(h + 1) * d_k], rtol=1e-13)


def test_kv_cache_decode_outputs_do_not_depend_on_later_tokens():
    rng = np.random.default_rng(8)
    X = rng.standard_normal((6, 4))
    W = rng.standard_normal((4, 4, 4))
    out, _, _ = kv_cache_decode(X, *W, num_heads=2)
    out_prefix, _, _ = kv_cache_decode(X[:4], *W, num_heads=2)
    np.testing.assert_array_equal(out[:4], out_prefix)


def test_kv_cache_decode_bad_input():
    X, W = np.ones((3, 4)), np.eye(4)
    with pytest.raises(ValueError, match=names("kv_cache_decode", "W_k")):
        kv_cache_decode(X, W, np.eye(3), W, W, 2)
    with pytest.raises(ValueError, match=names("kv_cache_decode", "num_heads")):
        kv_cache_decode(X, W, W, W, W, 3)
    with pytest.raises(ValueError, match=names("kv_cache_decode", "X")):
        kv_cache_decode(np.ones(4), W, W, W, W, 2)


def test_entropy_by_scale_is_the_mean_row_entropy():
    S = np.random.default_rng(9).standard_normal((5, 7))
    scales = [0.5, 1.0, 3.0]
    got = entropy_by_scale(S, scales)
    for value, lam in zip(got, scales):
        expected = np.mean([ref_entropy(ref_softmax(lam * row)) for row in S])
        assert value == pytest.approx(expected, rel=1e-12)
    assert np.all(np.diff(entropy_by_scale(S, np.geomspace(0.1, 100, 30))) < 0)


def test_entropy_by_scale_bad_input():
    with pytest.raises(ValueError, match=names("entropy_by_scale", "scales")):
        entropy_by_scale([[0.0, 1.0]], [1.0, 0.0])
    with pytest.raises(ValueError, match=names("entropy_by_scale", "scores")):
        entropy_by_scale([[0.0, math.inf]], [1.0])


@pytest.mark.parametrize("gap", [1.0, 10.0, 30.0, 37.0, 40.0, 100.0, 300.0, 700.0])
def test_softmax_entropy_of_a_near_one_hot_row_against_400_digits(gap):
    with localcontext() as context:
        context.prec = 400  # 1 + e^{-700} needs more than 304 digits
        z = [Decimal(0), Decimal(-gap), Decimal(-gap - 0.5), Decimal(-2 * gap)]
        total = sum(v.exp() for v in z)
        reference = float(-sum(v.exp() / total * (v - total.ln()) for v in z))
    assert softmax_entropy([0.0, -gap, -gap - 0.5, -2 * gap]) == pytest.approx(reference, rel=1e-13)
    # the same row shifted and at a temperature: only differences of scores matter
    assert softmax_entropy([5.0, 5.0 - gap, 4.5 - gap, 5.0 - 2 * gap]) == pytest.approx(reference, rel=1e-12)
