"""Tests of chapter 9's query adapter on a frozen encoder (ragmath.adaptation, ragmath.viz.adaptation).

Every equation against an independent computation (loops, finite differences, plain gradient
descent on the full matrix), the span property, the experiment's splits and measures, bad inputs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from ragmath.adaptation import (
    AdapterFit,
    _gold_reciprocal_rank,
    _kl_and_score_grad,
    adapter_scores,
    fit_query_adapter,
    lsr_distribution_from_log,
    query_adapter_experiment,
    query_adapter_objective,
    retriever_kl_grad,
    retriever_kl_loss,
)
from ragmath.metrics import paired_randomization_test, score_matrix_metrics
from ragmath.viz.adaptation import plot_adapter_gains, plot_adapter_training


def unit_rows(X):
    return X / np.linalg.norm(X, axis=-1, keepdims=True)


@pytest.fixture
def problem():
    """B = 4 queries, k = 3 candidates each, d = 5 dimensions, a target with no zero."""
    rng = np.random.default_rng(3)
    Q = unit_rows(rng.standard_normal((4, 5)))
    C = unit_rows(rng.standard_normal((4, 3, 5)))
    p = rng.dirichlet(np.ones(3), size=4)
    return Q, C, p


def softmax_loop(values):
    m = max(values)
    e = [math.exp(v - m) for v in values]
    return [x / math.fsum(e) for x in e]


def objective_loop(A, Q, C, p, tau, lam):
    """J(A) of ada-adapter-objective with plain loops over queries, candidates and entries."""
    B, k, d = C.shape
    kls = []
    for x in range(B):
        qa = [math.fsum(Q[x, i] * A[i, j] for i in range(d)) for j in range(d)]
        s = [math.fsum(qa[j] * C[x, c, j] for j in range(d)) / tau for c in range(k)]
        pr = softmax_loop(s)
        kls.append(math.fsum(a * math.log(a / b) for a, b in zip(pr, p[x])))
    reg = math.fsum((A[i, j] - (i == j)) ** 2 for i in range(d) for j in range(d))
    return math.fsum(kls) / B + lam * reg


# ------------------------------------------------------------------ adapter_scores (ada-adapter-score)
def test_adapter_scores_identity_gives_cosines_over_tau():
    rng = np.random.default_rng(0)
    Q, D = unit_rows(rng.standard_normal((3, 6))), unit_rows(rng.standard_normal((7, 6)))
    assert np.allclose(adapter_scores(Q, np.eye(6), D, tau=0.05), Q @ D.T / 0.05, rtol=1e-14, atol=0)


def test_adapter_scores_double_sum_and_candidates():
    rng = np.random.default_rng(1)
    Q, D = rng.standard_normal((2, 4)), rng.standard_normal((5, 4))
    A = rng.standard_normal((4, 4))
    S = adapter_scores(Q, A, D, tau=0.5)
    for x in range(2):
        for c in range(5):
            s = math.fsum(Q[x, i] * A[i, j] * D[c, j] for i in range(4) for j in range(4)) / 0.5
            assert math.isclose(S[x, c], s, rel_tol=1e-12, abs_tol=1e-12)
    cand = np.array([[4, 0, 2], [1, 1, 3]])
    per_query = adapter_scores(Q, A, D[cand], tau=0.5)
    assert per_query.shape == (2, 3)
    assert np.allclose(per_query, np.take_along_axis(S, cand, axis=1), rtol=1e-13, atol=1e-13)


def test_adapter_scores_fold_into_the_index():
    """(q A) · d = q · (d Aᵀ): moving the passages instead gives the same scores."""
    rng = np.random.default_rng(2)
    Q, D, A = rng.standard_normal((3, 5)), rng.standard_normal((6, 5)), rng.standard_normal((5, 5))
    assert np.allclose(adapter_scores(Q, A, D, 1.0), adapter_scores(Q, np.eye(5), D @ A.T, 1.0), atol=1e-12)


@pytest.mark.parametrize(
    "args, match",
    [
        ((np.ones((2, 3)), np.eye(4), np.ones((5, 3))), "adapter must have shape"),
        ((np.ones((2, 3)), np.eye(3), np.ones((5, 4))), "passages have dimension"),
        ((np.ones((2, 3)), np.eye(3), np.ones((3, 4, 3))), "candidates for 3 queries"),
        ((np.ones(3), np.eye(3), np.ones((5, 3))), "queries must be 2-D"),
        ((np.ones((2, 3)), np.eye(3), np.ones((5, 3)), 0.0), "tau must be a finite positive"),
        ((np.full((2, 3), np.nan), np.eye(3), np.ones((5, 3))), "queries contains nan"),
    ],
)
def test_adapter_scores_bad_inputs(args, match):
    with pytest.raises(ValueError, match=match):
        adapter_scores(*args)


# ------------------------------------------------------------------ query_adapter_objective
def test_objective_against_loops(problem):
    Q, C, p = problem
    A = np.eye(5) + 0.3 * np.random.default_rng(4).standard_normal((5, 5))
    J, _ = query_adapter_objective(A, Q, C, p, tau=0.2, lam=0.7)
    assert math.isclose(J, objective_loop(A, Q, C, p, 0.2, 0.7), rel_tol=1e-12)


def test_objective_is_the_kl_loss_plus_the_pull(problem):
    Q, C, p = problem
    A = np.eye(5) + 0.1 * np.random.default_rng(5).standard_normal((5, 5))
    J0, G0 = query_adapter_objective(A, Q, C, p, tau=0.3, lam=0.0)
    s = adapter_scores(Q, A, C, tau=0.3)
    e = np.exp(s - s.max(axis=1, keepdims=True))
    assert math.isclose(J0, retriever_kl_loss(e / e.sum(axis=1, keepdims=True), p), rel_tol=1e-12)
    J1, G1 = query_adapter_objective(A, Q, C, p, tau=0.3, lam=2.0)
    assert math.isclose(J1 - J0, 2.0 * np.sum((A - np.eye(5)) ** 2), rel_tol=1e-12)
    assert np.allclose(G1 - G0, 4.0 * (A - np.eye(5)), atol=1e-13)
    # the chain rule ada-adapter-grad with the score gradient ada-adapter-ds, as explicit outer products
    g = retriever_kl_grad(s, p)
    by_outer = sum(g[x, c] * np.outer(Q[x], C[x, c]) / 0.3 for x in range(4) for c in range(3))
    assert np.allclose(G0, by_outer, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("lam", [0.0, 0.5])
def test_objective_gradient_finite_differences(problem, lam):
    Q, C, p = problem
    A = np.eye(5) + 0.2 * np.random.default_rng(6).standard_normal((5, 5))
    _, G = query_adapter_objective(A, Q, C, p, tau=0.25, lam=lam)
    h = 1e-6
    for i in range(5):
        for j in range(5):
            E = np.zeros((5, 5))
            E[i, j] = h
            up = query_adapter_objective(A + E, Q, C, p, tau=0.25, lam=lam)[0]
            down = query_adapter_objective(A - E, Q, C, p, tau=0.25, lam=lam)[0]
            assert abs((up - down) / (2 * h) - G[i, j]) < 1e-7


def test_objective_gradient_zero_at_the_target():
    """A one-query problem whose target is the frozen retriever's own distribution: J = 0, ∇J = 0 at I."""
    Q = np.array([[1.0, 0.0]])
    C = np.array([[[0.6, 0.8], [0.0, 1.0], [-1.0, 0.0]]])
    s = adapter_scores(Q, np.eye(2), C, tau=0.5)
    p = np.exp(s - s.max())
    p /= p.sum()
    J, G = query_adapter_objective(np.eye(2), Q, C, p, tau=0.5, lam=3.0)
    assert abs(J) < 1e-15 and np.abs(G).max() < 1e-15


def test_objective_bad_inputs(problem):
    Q, C, p = problem
    with pytest.raises(ValueError, match="p_lsr has a zero"):
        query_adapter_objective(np.eye(5), Q, C, np.tile([0.5, 0.5, 0.0], (4, 1)))
    with pytest.raises(ValueError, match="p_lsr must have shape"):
        query_adapter_objective(np.eye(5), Q, C, p[:, :2] / p[:, :2].sum(axis=1, keepdims=True))
    with pytest.raises(ValueError, match="candidates must have shape"):
        query_adapter_objective(np.eye(5), Q, C[:3], p)
    with pytest.raises(ValueError, match="p_lsr must sum to 1"):
        query_adapter_objective(np.eye(5), Q, C, 2 * p)
    with pytest.raises(ValueError, match="lam must be a finite non-negative"):
        query_adapter_objective(np.eye(5), Q, C, p, lam=-1.0)
    with pytest.raises(ValueError, match="adapter must have shape"):
        query_adapter_objective(np.eye(4), Q, C, p)
    with pytest.raises(TypeError, match="tau must be a real number"):
        query_adapter_objective(np.eye(5), Q, C, p, tau="0.1")


# ------------------------------------------------------------------ fit_query_adapter (ada-adapter-span)
@pytest.mark.parametrize("lam", [0.0, 0.3])
def test_fit_equals_gradient_descent_on_the_matrix(problem, lam):
    Q, C, p = problem
    fit = fit_query_adapter(Q, C, p, tau=0.2, lam=lam, lr=0.05, steps=30, record_every=10)
    assert isinstance(fit, AdapterFit)
    A = np.eye(5)
    history = []
    for t in range(31):
        J, G = query_adapter_objective(A, Q, C, p, tau=0.2, lam=lam)
        history.append(J)
        if t == 10:
            assert np.allclose(np.eye(5) + Q.T @ fit.checkpoints[1], A, atol=1e-12)
        if t < 30:
            A = A - 0.05 * G
    assert np.allclose(fit.adapter, A, rtol=0, atol=1e-12)
    assert np.allclose(fit.history, history, rtol=1e-10, atol=1e-13)
    assert np.allclose(fit.adapter, np.eye(5) + Q.T @ fit.coefficients, atol=1e-14)
    assert fit.checkpoints.shape == (4, 4, 5)  # steps 0, 10, 20, 30
    assert not fit.checkpoints[0].any()
    assert fit.history[-1] < fit.history[0]


def test_fit_stays_in_the_span_of_the_training_queries():
    rng = np.random.default_rng(7)
    Q = unit_rows(rng.standard_normal((3, 8)))
    C = unit_rows(rng.standard_normal((3, 4, 8)))
    p = rng.dirichlet(np.ones(4), size=3)
    fit = fit_query_adapter(Q, C, p, tau=0.1, lam=0.01, lr=0.1, steps=50)
    assert np.linalg.matrix_rank(fit.adapter - np.eye(8)) == 3
    basis, _ = np.linalg.qr(Q.T)
    v = rng.standard_normal(8)
    v_perp = v - basis @ (basis.T @ v)
    assert np.linalg.norm(v_perp) > 0.1
    assert np.allclose(v_perp @ fit.adapter, v_perp, atol=1e-12)  # orthogonal to the queries: unmoved
    assert not np.allclose(v @ fit.adapter, v, atol=1e-6)


def test_fit_follows_the_target():
    """One query, two orthogonal candidates: s_1 − s_2 reaches log(p_1 / p_2)."""
    Q = np.array([[1.0, 0.0]])
    C = np.array([[[1.0, 0.0], [0.0, 1.0]]])
    fit = fit_query_adapter(Q, C, [[0.2, 0.8]], tau=1.0, lam=0.0, lr=1.0, steps=300)
    s = adapter_scores(Q, fit.adapter, C, tau=1.0)[0]
    assert math.isclose(s[0] - s[1], math.log(0.25), rel_tol=1e-8)
    assert math.isclose(s[0] + s[1], 1.0, rel_tol=1e-12)  # the gradient (g, −g) keeps the sum
    assert fit.checkpoints.shape == (0, 1, 2)


def test_fit_bad_inputs(problem):
    Q, C, p = problem
    with pytest.raises(ValueError, match="diverged"):
        fit_query_adapter(Q, C, p, tau=0.01, lam=100.0, lr=10.0, steps=500)
    with pytest.raises(ValueError, match="steps must be at least 1"):
        fit_query_adapter(Q, C, p, steps=0)
    with pytest.raises(ValueError, match="record_every must be at least 0"):
        fit_query_adapter(Q, C, p, record_every=-1)
    with pytest.raises(TypeError, match="steps must be an integer"):
        fit_query_adapter(Q, C, p, steps=2.5)
    with pytest.raises(ValueError, match="lr must be a finite positive"):
        fit_query_adapter(Q, C, p, lr=0.0)


# ------------------------------------------------------------------ private helpers, held to the public ones
def test_kl_and_score_grad_match_the_public_functions(problem):
    _, _, p = problem
    s = np.random.default_rng(8).standard_normal((4, 3)) * 5
    kl, G = _kl_and_score_grad(s, np.log(p))
    e = np.exp(s - s.max(axis=1, keepdims=True))
    assert math.isclose(kl, retriever_kl_loss(e / e.sum(axis=1, keepdims=True), p), rel_tol=1e-12)
    assert np.allclose(G, retriever_kl_grad(s, p), rtol=1e-12, atol=1e-16)


def test_gold_reciprocal_rank_matches_score_matrix_metrics():
    rng = np.random.default_rng(9)
    S = np.round(rng.standard_normal((50, 12)), 1)  # many ties
    gold = rng.integers(12, size=50)
    grades = np.zeros_like(S)
    grades[np.arange(50), gold] = 1
    assert np.array_equal(_gold_reciprocal_rank(S, gold), score_matrix_metrics(S, grades, k=1)["rr"])


# ------------------------------------------------------------------ query_adapter_experiment
@pytest.fixture
def synthetic():
    rng = np.random.default_rng(10)
    P = unit_rows(rng.standard_normal((30, 8)))
    gold = rng.integers(30, size=15)
    X = unit_rows(P[gold] + 0.6 * rng.standard_normal((15, 8)))
    cand = np.argsort(-(X @ P.T), axis=1, kind="stable")[:, :5]
    LL = -rng.random((15, 5)) * 5 - 0.01
    return X, P, gold, cand, LL


def test_experiment_splits_and_measures(synthetic):
    X, P, gold, cand, LL = synthetic
    out = query_adapter_experiment(X, P, gold, cand, LL, seeds=[0, 3], steps=20, record_every=5,
                                   n_resamples=200)
    assert out["seeds"].tolist() == [0, 3]
    for s, seed in enumerate((0, 3)):
        perm = np.random.default_rng(seed).permutation(15)
        assert np.array_equal(out["test"][s], np.sort(perm[:5]))
        assert np.array_equal(out["train"][s], np.sort(perm[5:]))
        test, train = out["test"][s], out["train"][s]
        grades = np.zeros((5, 30))
        grades[np.arange(5), gold[test]] = 1
        assert np.allclose(out["rr_before"][s], score_matrix_metrics(X[test] @ P.T, grades, k=1)["rr"])
        fit = fit_query_adapter(X[train], P[cand[train]], lsr_distribution_from_log(LL[train], 1.0),
                                tau=0.05, lam=0.1, lr=0.05, steps=20)
        assert np.allclose(out["rr_after"][s],
                           score_matrix_metrics(X[test] @ fit.adapter @ P.T, grades, k=1)["rr"])
        # the answer's log-likelihood, from probabilities (ada-mixture)
        sc = adapter_scores(X[test], fit.adapter, P[cand[test]], 0.05)
        pr = np.exp(sc - sc.max(axis=1, keepdims=True))
        pr /= pr.sum(axis=1, keepdims=True)
        assert np.allclose(out["ll_after"][s], np.log((np.exp(LL[test]) * pr).sum(axis=1)), atol=1e-12)
        assert math.isclose(out["mrr_gain"][s], out["rr_after"][s].mean() - out["rr_before"][s].mean())
        test_p = paired_randomization_test(out["rr_after"][s], out["rr_before"][s], 200, seed=seed).p_value
        assert out["p_value"][s] == test_p
        assert out["ci"][s, 0] <= out["mrr_gain"][s] <= out["ci"][s, 1]
        assert np.allclose(out["history"][s], fit.history)
        assert math.isclose(out["adapter_change"][s], np.sqrt(np.sum((fit.adapter - np.eye(8)) ** 2)))
    assert out["curve_steps"].tolist() == [0, 5, 10, 15, 20]
    assert out["curve_test"].shape == (2, 5)
    assert np.allclose(out["curve_test"][:, 0], out["rr_before"].mean(axis=1))
    assert np.allclose(out["curve_test"][:, -1], out["rr_after"].mean(axis=1))
    assert np.allclose(out["curve_train"][:, 0], out["train_mrr_before"])
    assert np.allclose(out["curve_train"][:, -1], out["train_mrr_after"])


def test_experiment_with_a_strong_pull_changes_nothing(synthetic):
    X, P, gold, cand, LL = synthetic
    out = query_adapter_experiment(X, P, gold, cand, LL, seeds=2, lam=1e6, lr=1e-7, steps=5,
                                   n_resamples=100)
    assert np.allclose(out["rr_after"], out["rr_before"]) and np.allclose(out["mrr_gain"], 0)
    assert (out["p_value"] == 1.0).all()


def test_experiment_is_reproducible(synthetic):
    X, P, gold, cand, LL = synthetic
    a = query_adapter_experiment(X, P, gold, cand, LL, seeds=2, steps=10, n_resamples=100)
    b = query_adapter_experiment(X, P, gold, cand, LL, seeds=2, steps=10, n_resamples=100)
    for key in a:
        assert np.array_equal(a[key], b[key]), key


def test_experiment_bad_inputs(synthetic):
    X, P, gold, cand, LL = synthetic
    with pytest.raises(ValueError, match="gold holds a row outside"):
        query_adapter_experiment(X, P, gold + 30, cand, LL)
    with pytest.raises(TypeError, match="gold must hold integers"):
        query_adapter_experiment(X, P, gold.astype(float), cand, LL)
    with pytest.raises(ValueError, match="candidates must have shape"):
        query_adapter_experiment(X, P, gold, cand[:3], LL)
    with pytest.raises(ValueError, match="log_likelihoods has a positive value"):
        query_adapter_experiment(X, P, gold, cand, -LL)
    with pytest.raises(ValueError, match="log_likelihoods must have the shape"):
        query_adapter_experiment(X, P, gold, cand, LL[:, :2])
    with pytest.raises(ValueError, match="at least 3 questions"):
        query_adapter_experiment(X[:2], P, gold[:2], cand[:2], LL[:2])
    with pytest.raises(ValueError, match="passage_vectors have dimension"):
        query_adapter_experiment(X, P[:, :4], gold, cand, LL)
    with pytest.raises(ValueError, match="seeds is empty"):
        query_adapter_experiment(X, P, gold, cand, LL, seeds=[])
    with pytest.raises(ValueError, match="record_every must be at least 1"):
        query_adapter_experiment(X, P, gold, cand, LL, record_every=0)


# ------------------------------------------------------------------ the plots
def test_plot_adapter_gains_draws_the_data():
    gains = np.array([0.01, -0.02, 0.0])
    ci = np.array([[-0.01, 0.03], [-0.05, 0.0], [-0.02, 0.02]])
    fig = plot_adapter_gains(gains, ci)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    points = [line for line in ax.lines if len(line.get_xdata()) == 3]
    assert np.allclose(points[0].get_ydata(), gains)
    assert f"{gains.mean():+.3f} ± {gains.std(ddof=1):.3f}" in ax.get_title()


def test_plot_adapter_gains_bad_inputs():
    with pytest.raises(ValueError, match="intervals must have shape"):
        plot_adapter_gains([0.1, 0.2], [[0.0, 0.2]])
    with pytest.raises(ValueError, match="low end above its high end"):
        plot_adapter_gains([0.1], [[0.2, 0.0]])


def test_plot_adapter_training_draws_the_means():
    history = np.array([[3.0, 2.0, 1.0], [4.0, 2.0, 0.5]])
    train, test = np.array([[0.8, 0.9], [0.7, 1.0]]), np.array([[0.8, 0.7], [0.9, 0.8]])
    fig = plot_adapter_training(history, [0, 2], train, test)
    left, right = fig.axes
    assert np.allclose(left.lines[-1].get_ydata(), history.mean(axis=0))
    means = [line.get_ydata() for line in right.lines if len(line.get_xdata()) == 2
             and line.get_linestyle() == "-"]
    assert any(np.allclose(m, train.mean(axis=0)) for m in means)
    assert any(np.allclose(m, test.mean(axis=0)) for m in means)


def test_plot_adapter_training_bad_inputs():
    with pytest.raises(ValueError, match="curve_test must have shape"):
        plot_adapter_training([[3.0, 2.0]], [0, 1], [[0.8, 0.9]], [[0.8]])
    with pytest.raises(ValueError, match="curve_steps must lie in"):
        plot_adapter_training([[3.0, 2.0]], [0, 5], [[0.8, 0.9]], [[0.8, 0.7]])
