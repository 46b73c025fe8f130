"""Tests of ragmath.adaptation: worked examples, independent loops, properties, bad inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ragmath.adaptation import (
    GRID,
    MEANS,
    bimodal_target,
    candidate_overlap,
    fit_gaussian_kl,
    gaussian_on_grid,
    kl_curves,
    lm_loss,
    lsr_distribution,
    lsr_distribution_from_log,
    mixture_likelihood,
    mixture_nll_bound,
    refresh_tradeoff,
    retriever_forward_kl_grad,
    retriever_kl_grad,
    retriever_kl_loss,
    stale_index_simulation,
)


def softmax_loop(values):
    m = max(values)
    e = [math.exp(v - m) for v in values]
    total = math.fsum(e)
    return [x / total for x in e]


def kl_loop(p, q):
    total = []
    for a, b in zip(p, q):
        if a > 0:
            if b == 0:
                return math.inf
            total.append(a * math.log(a / b))
    return math.fsum(total)


# ------------------------------------------------------------------ lsr_distribution
def test_lsr_worked_example():
    lik = [0.5, 0.25, 0.25]
    got = lsr_distribution(lik, 0.5)
    e = [math.exp(1.0), math.exp(0.5), math.exp(0.5)]
    expected = [x / math.fsum(e) for x in e]
    assert np.allclose(got, expected, rtol=1e-13, atol=0)


def test_lsr_batch_rows_independent():
    L = np.array([[0.1, 0.2, 0.7], [1e-20, 3e-20, 2e-20]])
    got = lsr_distribution(L, 0.1)
    for row, lik in zip(got, L):
        assert np.allclose(row, softmax_loop(list(lik / 0.1)), rtol=1e-12)


def test_lsr_tiny_likelihoods_are_uniform():
    got = lsr_distribution([1e-20, 5e-20, 1e-21], 0.01)
    assert np.allclose(got, 1 / 3, atol=1e-15)


def test_lsr_limits():
    lik = [0.3, 0.6, 0.1]
    assert np.allclose(lsr_distribution(lik, 1e-4), [0, 1, 0], atol=1e-12)
    assert np.allclose(lsr_distribution(lik, 1e6), 1 / 3, atol=1e-6)


def test_lsr_from_log_is_power_posterior():
    lik = np.array([1e-20, 4e-20, 5e-21])
    got = lsr_distribution_from_log(np.log(lik), 1.0)
    assert np.allclose(got, lik / lik.sum(), rtol=1e-12)
    got2 = lsr_distribution_from_log(np.log(lik), 2.0)
    root = np.sqrt(lik)
    assert np.allclose(got2, root / root.sum(), rtol=1e-12)


def test_lsr_float32_kept():
    assert lsr_distribution(np.array([0.2, 0.3], dtype=np.float32), 1.0).dtype == np.float32


@given(arrays(np.float64, st.integers(1, 8), elements=st.floats(0, 1)), st.floats(1e-3, 1e3))
@settings(max_examples=60, deadline=None)
def test_lsr_is_a_distribution_monotone(lik, tau):
    p = lsr_distribution(lik, tau)
    assert abs(p.sum() - 1) < 1e-12 and (p >= 0).all()
    order = np.argsort(lik, kind="stable")
    assert (np.diff(p[order]) >= -1e-15).all()


@pytest.mark.parametrize("args, match", [
    (([0.2, -0.1], 1.0), "lm_likelihoods has a negative"),
    (([0.2, 1.5], 1.0), "lm_likelihoods has a likelihood above 1"),
    (([0.2, np.nan], 1.0), "lm_likelihoods contains nan"),
    (([0.2, 0.3], 0.0), "tau must be"),
    (([0.2, 0.3], -1.0), "tau must be"),
    (([], 1.0), "lm_likelihoods is empty"),
    ((np.zeros((2, 2, 2)), 1.0), "lm_likelihoods must be 1-D or 2-D"),
])
def test_lsr_bad_inputs(args, match):
    with pytest.raises(ValueError, match=match):
        lsr_distribution(*args)


def test_lsr_bad_types():
    with pytest.raises(TypeError, match="lm_likelihoods"):
        lsr_distribution("abc", 1.0)
    with pytest.raises(TypeError, match="tau"):
        lsr_distribution([0.1], "1")
    with pytest.raises(ValueError, match="log_likelihoods has a positive"):
        lsr_distribution_from_log([-1.0, 0.5], 1.0)


# ------------------------------------------------------------------ KL loss
def test_kl_worked_example():
    assert math.isclose(retriever_kl_loss([0.5, 0.5], [0.25, 0.75]),
                        0.5 * math.log(2) + 0.5 * math.log(2 / 3), rel_tol=1e-13)


def test_kl_batch_mean_and_zero_conventions():
    P = [[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]]
    Q = [[0.2, 0.3, 0.5], [0.5, 0.25, 0.25]]
    expected = (kl_loop(P[0], Q[0]) + kl_loop(P[1], Q[1])) / 2
    assert math.isclose(retriever_kl_loss(P, Q), expected, rel_tol=1e-13)
    assert retriever_kl_loss([0.5, 0.5], [1.0, 0.0]) == math.inf
    assert retriever_kl_loss([1.0, 0.0], [1.0, 0.0]) == 0.0


def test_kl_not_symmetric():
    p, q = [0.9, 0.1], [0.5, 0.5]
    assert not math.isclose(retriever_kl_loss(p, q), retriever_kl_loss(q, p))


@given(st.integers(2, 6), st.integers(0, 10_000))
@settings(max_examples=40, deadline=None)
def test_kl_nonnegative_and_matches_loop(n, seed):
    rng = np.random.default_rng(seed)
    p, q = rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(n))
    got = retriever_kl_loss(p, q)
    assert got >= 0 and math.isclose(got, kl_loop(p, q), rel_tol=1e-10, abs_tol=1e-14)


@pytest.mark.parametrize("p, q, match", [
    ([0.5, 0.6], [0.5, 0.5], "p_r must sum to 1"),
    ([0.5, 0.5], [-0.5, 1.5], "p_lsr has a negative"),
    ([0.5, 0.5], [0.2, 0.3, 0.5], "shape"),
    (np.full((1, 1, 2), 0.5), np.full((1, 1, 2), 0.5), "1-D"),
])
def test_kl_bad_inputs(p, q, match):
    with pytest.raises(ValueError, match=match):
        retriever_kl_loss(p, q)


# ------------------------------------------------------------------ KL gradient
def test_kl_grad_matches_finite_differences():
    rng = np.random.default_rng(3)
    s = rng.standard_normal(6)
    q = rng.dirichlet(np.ones(6))
    g = retriever_kl_grad(s, q)
    h = 1e-6
    for c in range(6):
        up, down = s.copy(), s.copy()
        up[c] += h
        down[c] -= h
        fd = (kl_loop(softmax_loop(up), q) - kl_loop(softmax_loop(down), q)) / (2 * h)
        assert abs(fd - g[c]) < 1e-8
    assert abs(g.sum()) < 1e-14


def test_kl_grad_batch_is_gradient_of_mean():
    rng = np.random.default_rng(4)
    S = rng.standard_normal((3, 4))
    Q = rng.dirichlet(np.ones(4), size=3)
    G = retriever_kl_grad(S, Q)
    h = 1e-6
    for b in range(3):
        for c in range(4):
            up, down = S.copy(), S.copy()
            up[b, c] += h
            down[b, c] -= h
            f = lambda M: np.mean([kl_loop(softmax_loop(r), qq) for r, qq in zip(M, Q)])  # noqa: E731
            assert abs((f(up) - f(down)) / (2 * h) - G[b, c]) < 1e-8


def test_kl_grad_zero_at_target_and_stable():
    q = np.array([0.2, 0.3, 0.5])
    assert np.allclose(retriever_kl_grad(np.log(q) + 7.0, q), 0, atol=1e-15)
    g = retriever_kl_grad([1e4, -1e4, 0.0], [0.2, 0.3, 0.5])
    assert np.isfinite(g).all()


def test_kl_grad_bad_inputs():
    with pytest.raises(ValueError, match="p_lsr has a zero"):
        retriever_kl_grad([0.0, 1.0], [1.0, 0.0])
    with pytest.raises(ValueError, match="scores has shape"):
        retriever_kl_grad([0.0, 1.0, 2.0], [0.5, 0.5])
    with pytest.raises(ValueError, match="scores contains nan"):
        retriever_kl_grad([np.nan, 1.0], [0.5, 0.5])


# ------------------------------------------------------------------ mixture and lm loss
def test_mixture_worked_example():
    assert math.isclose(mixture_likelihood([0.1, 0.5], [0.75, 0.25]), 0.2, rel_tol=1e-13)
    got = mixture_likelihood([[0.1, 0.5], [0.2, 0.2]], [[0.75, 0.25], [0.5, 0.5]])
    assert np.allclose(got, [0.2, 0.2], rtol=1e-13) and got.shape == (2,)


def test_mixture_bad_inputs():
    with pytest.raises(ValueError, match="p_r must sum to 1"):
        mixture_likelihood([0.1, 0.5], [0.5, 0.6])
    with pytest.raises(ValueError, match="must match"):
        mixture_likelihood([0.1, 0.5], [1.0])
    with pytest.raises(ValueError, match="lm_likelihoods has a likelihood above 1"):
        mixture_likelihood([2.0, 0.5], [0.5, 0.5])


def test_lm_loss_worked_example_and_inf():
    L = np.log([[0.5, 0.25], [0.125, 1.0]])
    assert math.isclose(lm_loss(L), 6 * math.log(2), rel_tol=1e-13)
    assert lm_loss([[-1.0, -np.inf]]) == math.inf
    assert lm_loss([-1.0, -2.0]) == 3.0


@pytest.mark.parametrize("bad, match", [
    ([[-1.0, 0.5]], "positive value"),
    ([[-1.0, np.nan]], "contains nan"),
    ([[-1.0, np.inf]], "positive value"),
    ([], "empty"),
])
def test_lm_loss_bad_inputs(bad, match):
    with pytest.raises(ValueError, match=match):
        lm_loss(bad)


# ------------------------------------------------------------------ KL directions
def test_forward_fit_matches_moments():
    x = np.linspace(-8, 8, 801)
    target = 0.5 * gaussian_on_grid(x, -2.0, 0.7) + 0.5 * gaussian_on_grid(x, 2.0, 0.7)
    mu, sd, _ = fit_gaussian_kl(target, x, "forward", np.linspace(-3, 3, 61), np.linspace(0.2, 4, 77))
    mean = float(target @ x)
    std = math.sqrt(float(target @ (x - mean) ** 2))
    assert abs(mu - mean) < 0.05 and abs(sd - std) < 0.05  # moment matching
    mu_r, sd_r, _ = fit_gaussian_kl(target, x, "reverse", np.linspace(-3, 3, 61), np.linspace(0.2, 4, 77))
    assert abs(abs(mu_r) - 2.0) < 0.11 and abs(sd_r - 0.7) < 0.1  # one mode


def test_gaussian_and_fit_bad_inputs():
    with pytest.raises(ValueError, match="std must be"):
        gaussian_on_grid([0.0, 1.0], 0.0, 0.0)
    with pytest.raises(ValueError, match="direction must be one of"):
        fit_gaussian_kl([0.5, 0.5], [0.0, 1.0], "sideways", [0.0], [1.0])
    with pytest.raises(ValueError, match="stds must be positive"):
        fit_gaussian_kl([0.5, 0.5], [0.0, 1.0], "forward", [0.0], [0.0])


def test_fit_rejects_a_gaussian_with_no_mass_on_the_grid():
    # N(1e6, 0.1²) underflows to 0 at every grid point: it is not a distribution there, and
    # must not win the reverse fit with a KL of 0
    for direction in ("reverse", "forward"):
        with pytest.raises(ValueError, match=r"means\[1\] and stds\[0\] has no mass on the grid"):
            fit_gaussian_kl([0.5, 0.5], [0.0, 1.0], direction, [0.5, 1e6], [0.1])


# ------------------------------------------------------------------ stale index
def test_stale_index_costs_and_quality():
    fresh = stale_index_simulation(1, steps=60)
    stale = stale_index_simulation(60, steps=60)
    assert fresh["reencodings"] == 59 * 400 and fresh["refreshes"] == 59
    assert stale["reencodings"] == 0
    assert fresh["mrr_start"] == stale["mrr_start"]
    assert fresh["mrr"] > fresh["mrr_start"]
    assert fresh["hit_rate"] >= stale["hit_rate"]
    assert len(fresh["curve"]) == 3


def test_stale_index_bad_inputs():
    with pytest.raises(ValueError, match="refresh_every must be at least 1"):
        stale_index_simulation(0)
    with pytest.raises(TypeError, match="refresh_every must be an integer"):
        stale_index_simulation(2.5)
    with pytest.raises(ValueError, match="k must be at most"):
        stale_index_simulation(1, n_passages=5, k=6)


def test_kl_curves_independent():
    p = bimodal_target()
    rev, fwd = kl_curves(1.0)
    i = int(np.argmin(np.abs(MEANS - 1.0)))
    q = np.exp(-0.5 * (GRID - MEANS[i]) ** 2)
    q /= q.sum()
    ind_rev = math.fsum(a * math.log(a / b) for a, b in zip(q, p) if a > 0)
    ind_fwd = math.fsum(a * math.log(a / b) for a, b in zip(p, q) if a > 0)
    assert math.isclose(rev[i], ind_rev, rel_tol=1e-9) and math.isclose(fwd[i], ind_fwd, rel_tol=1e-9)
    # mode seeking: the reverse KL is smaller at a peak than between the peaks; forward the other way
    centre, peak = int(np.argmin(np.abs(MEANS))), int(np.argmin(np.abs(MEANS - 2.0)))
    rev7, fwd7 = kl_curves(0.7)
    assert rev7[peak] < rev7[centre]
    assert fwd[centre] < fwd[peak]
    with pytest.raises(ValueError, match="kl_curves: std must be"):
        kl_curves(0.0)


def test_bimodal_target():
    p = bimodal_target()
    assert p.shape == GRID.shape and abs(p.sum() - 1) < 1e-12
    assert np.allclose(p, p[::-1], rtol=0, atol=1e-15)  # symmetric about 0
    assert GRID[np.argmax(p)] == pytest.approx(-2.0)
    with pytest.raises(ValueError, match="bimodal_target: std must be"):
        bimodal_target(std=0)
    with pytest.raises(ValueError, match="bimodal_target: separation must lie in"):
        bimodal_target(separation=np.inf)


def test_refresh_tradeoff_runs_the_simulation_once_per_interval():
    runs = refresh_tradeoff((1, 10), steps=40)
    assert list(runs) == [1, 10]
    one = stale_index_simulation(10, steps=40)
    assert runs[10]["mrr"] == one["mrr"] and np.array_equal(runs[10]["curve"], one["curve"])
    assert refresh_tradeoff((1, 10), steps=40) is runs  # cached
    with pytest.raises(ValueError, match="refresh_tradeoff: intervals must be at least 1"):
        refresh_tradeoff((0,), steps=10)


def test_stale_index_seed():
    a = stale_index_simulation(5, steps=20, seed=3)
    b = stale_index_simulation(5, steps=20, seed=np.random.default_rng(3))
    assert a["mrr"] == b["mrr"] and a["hit_rate"] == b["hit_rate"]
    with pytest.raises(ValueError, match="stale_index_simulation: seed must be non-negative"):
        stale_index_simulation(5, steps=20, seed=-1)


# ------------------------------------------------------------------ added for issue 15
def test_forward_grad_is_p_minus_q_and_matches_finite_differences():
    s, q = np.array([0.4, -1.0, 2.0]), np.array([0.2, 0.0, 0.8])  # a zero in the target is fine

    def forward(v):
        p = softmax_loop(v)
        return math.fsum(a * math.log(a / b) for a, b in zip(q, p) if a > 0)

    g = retriever_forward_kl_grad(s, q)
    for c in range(3):
        e = np.eye(3)[c] * 1e-6
        assert abs((forward(s + e) - forward(s - e)) / 2e-6 - g[c]) < 1e-8
    batch = retriever_forward_kl_grad(np.stack([s, s]), np.stack([q, q]))
    assert np.allclose(batch, g / 2, rtol=0, atol=1e-15)  # the mean over rows


def test_reverse_gradient_vanishes_forward_does_not():
    s, q = np.array([0.0, -10.0]), np.array([0.1, 0.9])
    rev, fwd = retriever_kl_grad(s, q), retriever_forward_kl_grad(s, q)
    assert rev[1] == pytest.approx(-5.537e-4, rel=1e-3) and fwd[1] == pytest.approx(-0.89995, rel=1e-4)
    deeper = retriever_kl_grad(np.array([0.0, -20.0]), q)
    assert abs(deeper[1]) < 1e-6 < abs(rev[1])  # shrinks like p_2 as s_2 → −∞


def test_forward_grad_bad_inputs():
    with pytest.raises(ValueError, match="scores has shape"):
        retriever_forward_kl_grad([0.0, 1.0], [1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="target"):
        retriever_forward_kl_grad([0.0, 1.0], [0.7, 0.7])


def test_mixture_nll_bound_identity():
    rng = np.random.default_rng(3)
    log_lik = np.log(rng.random((5, 4)))
    p = rng.dirichlet(np.ones(4), size=5)
    mix, avg = mixture_nll_bound(log_lik, p)
    lik = np.exp(log_lik)
    by_loop = [-math.log(math.fsum(a * b for a, b in zip(row_p, row_l))) for row_p, row_l in zip(p, lik)]
    assert np.allclose(mix, by_loop, rtol=1e-13)
    posterior = p * lik / (p * lik).sum(axis=1, keepdims=True)
    gap = [kl_loop(a, b) for a, b in zip(p, posterior)]
    assert np.allclose(avg - mix, gap, rtol=1e-10, atol=1e-14)  # the gap is KL(p_R ‖ posterior)
    uniform = np.full((5, 4), 0.25)
    assert np.allclose(mixture_nll_bound(log_lik, uniform)[1] * 4, [lm_loss(r) for r in log_lik], rtol=1e-13)
    mix1, avg1 = mixture_nll_bound(np.log([0.3, 0.3]), [0.9, 0.1])
    assert math.isclose(mix1, avg1, rel_tol=1e-14)  # equal likelihoods: no gap


def test_mixture_nll_bound_bad_inputs():
    with pytest.raises(ValueError, match="positive value"):
        mixture_nll_bound([0.1, -1.0], [0.5, 0.5])
    with pytest.raises(ValueError, match="p_r"):
        mixture_nll_bound([-0.1, -1.0], [0.5, 0.6])
    with pytest.raises(ValueError, match="must match"):
        mixture_nll_bound([-0.1, -1.0], [0.5, 0.25, 0.25])


def test_candidate_overlap_counts_and_errors():
    S = np.array([[0.9, 0.1, 0.8, 0.7], [0.0, 0.5, 0.2, 0.9], [1.0, 1.0, 0.0, 0.0]])
    out = candidate_overlap([[0, 2], [0, 1], [1, 3]], S)
    assert out.tolist() == [1.0, 0.5, 0.5]  # row 3: ties go to the lower index, top 2 = {0, 1}
    with pytest.raises(TypeError, match="candidates must hold integers"):
        candidate_overlap([[0.0, 1.0]], S[:1])
    with pytest.raises(ValueError, match="repeats"):
        candidate_overlap([[1, 1]], S[:1])
    with pytest.raises(ValueError, match="outside"):
        candidate_overlap([[0, 4]], S[:1])
    with pytest.raises(ValueError, match="must have shape"):
        candidate_overlap([[0, 1]], S)


def test_stale_index_lag():
    sync = stale_index_simulation(10, steps=40, seed=2)
    same = stale_index_simulation(10, steps=40, seed=2, lag=0)
    assert same["mrr"] == sync["mrr"] and same["hit_rate"] == sync["hit_rate"]
    lagged = stale_index_simulation(10, steps=40, seed=2, lag=10)
    assert lagged["reencodings"] == sync["reencodings"] == 3 * 400  # the cost does not depend on the lag
    assert lagged["mrr"] != sync["mrr"]
    never = stale_index_simulation(40, steps=40, seed=2)
    first_stale = stale_index_simulation(10, steps=20, seed=2, lag=10)
    no_refresh = stale_index_simulation(20, steps=20, seed=2)
    assert first_stale["mrr"] == no_refresh["mrr"]  # the refresh at step 10 installs the initial index
    assert never["refreshes"] == 0
    with pytest.raises(ValueError, match="lag must be at most refresh_every"):
        stale_index_simulation(10, steps=40, lag=11)
