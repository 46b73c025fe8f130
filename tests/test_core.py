"""The lower layer shared by every chapter module (ragmath._core, ragmath._validation)."""

import math
import re

import numpy as np
import pytest

from ragmath import _core
from ragmath._validation import (
    NotFittedError,
    check_interval,
    check_is_fitted,
    check_random_state,
)


# ------------------------------------------------------------------ top-k
@pytest.mark.parametrize("seed", range(6))
def test_select_top_matches_a_stable_full_sort_on_long_rows(seed):
    """Block maxima, the partial-sort path, ties and zeros, on rows of 10^4 to 2·10^5 scores."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(10_000, 200_000))
    kind = seed % 3
    if kind == 0:  # few distinct values: ties everywhere
        scores = rng.integers(0, 5, (2, n)).astype(float)
    elif kind == 1:  # mostly zeros, a few matches (a rare query term)
        scores = np.zeros((2, n))
        scores[:, rng.choice(n, 7, replace=False)] = rng.random(7)
    else:  # continuous, with some exact duplicates
        scores = rng.gamma(2.0, 1.0, (2, n))
        scores[:, rng.choice(n, 50)] = scores[:, rng.choice(n, 50)]
    for k in (1, 3, 10, 37, 200):
        idx, top = _core.select_top(scores.copy(), k)
        for r in range(2):
            expected = np.argsort(-scores[r], kind="stable")[:k]
            np.testing.assert_array_equal(idx[r], expected)
            np.testing.assert_array_equal(top[r], scores[r, expected])


@pytest.mark.parametrize("n", [1, 5, 300, 5000])
def test_select_top_on_short_rows_and_k_equal_to_n(n):
    rng = np.random.default_rng(n)
    S = rng.integers(0, 3, (3, n)).astype(float)
    for k in sorted({1, min(4, n), n}):
        idx, top = _core.select_top(S.copy(), k)
        expected = np.argsort(-S, axis=1, kind="stable")[:, :k]
        np.testing.assert_array_equal(idx, expected)
        np.testing.assert_array_equal(top, np.take_along_axis(S, expected, axis=1))


def test_select_top_with_a_column_scale_selects_the_scaled_scores():
    rng = np.random.default_rng(3)
    S = rng.standard_normal((2, 70_000))
    scale = rng.random(70_000) + 0.5
    idx, top = _core.select_top(S.copy(), 5, scale=scale)
    expected = np.argsort(-(S * scale), axis=1, kind="stable")[:, :5]
    np.testing.assert_array_equal(idx, expected)
    np.testing.assert_allclose(top, np.take_along_axis(S * scale, expected, axis=1), rtol=1e-15)


def test_select_top_raises_nonfinite_for_nan():
    S = np.zeros((1, 10))
    S[0, 4] = np.nan
    with pytest.raises(_core.NonFinite):
        _core.select_top(S, 2)


# -------------------------------------------------------------- tokenizer
@pytest.mark.parametrize("text", ["Café au lait", "e-mail 3.14 snake_case", "", "ÉCOLE  Straße", "a\tb\nc"])
def test_word_tokens_is_the_contract_regex(text):
    assert _core.word_tokens(text) == re.findall(r"[^\W_]+", text.lower())


# ------------------------------------------------------- log-sum-exp, softmax
def test_log_sum_exp_against_exact_sums():
    z = np.array([[1000.0, 1000.0], [0.0, -37.0], [-np.inf, -np.inf]])
    out = _core.log_sum_exp(z, axis=1)
    assert out[0] == 1000 + math.log(2)
    assert out[1] == math.log1p(math.exp(-37.0))  # log(1 + e^-37) would round to 0
    assert out[2] == -np.inf


def test_log_softmax_and_softmax_agree():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((4, 7)) * 30
    np.testing.assert_allclose(np.exp(_core.log_softmax(z, axis=1)), _core.softmax(z, axis=1), rtol=1e-12)
    np.testing.assert_allclose(_core.softmax(z, axis=0).sum(axis=0), 1.0, rtol=1e-15)


# ---------------------------------------------------------------- row norms
def test_row_norms_do_not_overflow_or_underflow():
    X = np.array([[1e200, 1e200], [1e-200, 1e-200], [3.0, 4.0]])
    np.testing.assert_allclose(_core.row_norms(X), [math.sqrt(2) * 1e200, math.sqrt(2) * 1e-200, 5.0], rtol=1e-15)


def test_unit_rows_names_the_zero_row():
    with pytest.raises(ValueError, match=r"f: X has a zero-norm row \(row 1\)"):
        _core.unit_rows(np.array([[1.0, 0.0], [0.0, 0.0]]), "X", "f")


# --------------------------------------------------------------- validation
def test_check_random_state_rules():
    g = np.random.default_rng(5)
    assert check_random_state(g, "f") is g
    assert check_random_state(7, "f").random() == np.random.default_rng(7).random()
    with pytest.raises(TypeError, match="f: seed must be an int or a numpy.random.Generator"):
        check_random_state(1.5, "f")
    with pytest.raises(TypeError):
        check_random_state(True, "f")
    with pytest.raises(ValueError, match="f: seed must be non-negative"):
        check_random_state(-1, "f")


@pytest.mark.parametrize(
    "value, low, high, closed, ok",
    [
        (0.0, 0.0, 1.0, "both", True),
        (0.0, 0.0, 1.0, "right", False),
        (1.0, 0.0, 1.0, "left", False),
        (0.5, 0.0, 1.0, "neither", True),
        (math.inf, 0.0, None, "left", False),
        (math.nan, None, None, "both", False),
        (-3.0, None, 0.0, "both", True),
    ],
)
def test_check_interval(value, low, high, closed, ok):
    if ok:
        assert check_interval(value, "x", "f", low, high, closed=closed) == value
    else:
        with pytest.raises(ValueError, match="f: x must lie in"):
            check_interval(value, "x", "f", low, high, closed=closed)


def test_check_interval_refuses_bools_and_strings():
    for bad in (True, "0.5", None):
        with pytest.raises(TypeError, match="f: x must be a real number"):
            check_interval(bad, "x", "f", 0.0, 1.0)


def test_not_fitted_error_is_a_value_error_and_an_attribute_error():
    class Model:
        codebooks_ = None

    with pytest.raises(NotFittedError, match=r"Model.search: this Model is not fitted yet; call .fit\(X\) first"):
        check_is_fitted(Model(), "codebooks_", "Model.search")
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)
