"""Tests of :mod:`ragmath.optim` against its contract (``shared/API.md``).

Expected values come from steps worked out by hand, from closed forms on
quadratics (x_t = (I − ηA)^t x0 for gradient descent), and from an independent
plain-Python loop of Algorithm 1 of Kingma & Ba (2015), written here from the
paper with Python floats and ``math.sqrt``. The module's own functions are never
used to compute an expected value.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ragmath.optim import (
    EPS_PLACEMENTS,
    PROBLEMS,
    Adam,
    ArgumentTypeError,
    adam,
    adam_moments,
    adam_single_gradient_step,
    adam_step_bound,
    bias_correction_curves,
    contour_lines,
    convergence_curves,
    gd_contraction_factors,
    gradient_descent,
    heavy_ball_parameters,
    momentum,
    optimal_step_size,
    problem,
    problem_contours,
    quadratic,
    rosenbrock,
    rosenbrock_grad,
    rosenbrock_hessian,
    run_optimisers,
)

# The contract forbids warnings as much as silent nans: every warning fails a test.
pytestmark = pytest.mark.filterwarnings("error")


def names(func: str, arg: str) -> str:
    """Regex for an error message of the documented shape '<function>: <argument> ...'."""
    return rf"^{re.escape(func)}: {re.escape(arg)}\b"


# ------------------------------------------------------------------ independent references
def algorithm1(grad, theta0, alpha=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, steps=10,
               correct=True, placement="algorithm1"):
    """Kingma & Ba, Algorithm 1, coordinate by coordinate in plain Python floats.

    With placement="epsilon_hat", the last three lines are replaced by the
    paper's reformulation α_t = α√(1 − β2^t)/(1 − β1^t), θ ← θ − α_t m_t/(√v_t + ε̂);
    with "inside_sqrt", the denominator is √(v̂_t + ε).
    """
    theta = [float(x) for x in theta0]
    m = [0.0] * len(theta)
    v = [0.0] * len(theta)
    out = [list(theta)]
    for t in range(1, steps + 1):
        g = [float(x) for x in grad(np.array(theta))]
        for i in range(len(theta)):
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] ** 2
            if placement == "epsilon_hat":
                alpha_t = alpha * math.sqrt(1 - beta2**t) / (1 - beta1**t) if correct else alpha
                theta[i] = theta[i] - alpha_t * m[i] / (math.sqrt(v[i]) + eps)
                continue
            m_hat = m[i] / (1 - beta1**t) if correct else m[i]
            v_hat = v[i] / (1 - beta2**t) if correct else v[i]
            if placement == "algorithm1":
                theta[i] = theta[i] - alpha * m_hat / (math.sqrt(v_hat) + eps)
            else:
                theta[i] = theta[i] - alpha * m_hat / math.sqrt(v_hat + eps)
        out.append(list(theta))
    return np.array(out)


def random_spd(rng, d, low=0.5, high=10.0):
    """A random symmetric positive definite matrix with eigenvalues in [low, high], and them."""
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    lam = np.sort(rng.uniform(low, high, d))
    lam[0], lam[-1] = low, high
    return (Q * lam) @ Q.T, lam, Q


def linear_grad(A):
    A = np.asarray(A, dtype=float)
    return lambda x: A @ x


# ====================================================================== worked examples
class TestWorkedExamples:
    def test_gradient_descent_on_half_x_squared(self):
        # f = ½x², ∇f = x, η = 1/2: every step halves x
        traj = gradient_descent(lambda x: x, [1.0], 0.5, 3)
        np.testing.assert_array_equal(traj, [[1.0], [0.5], [0.25], [0.125]])

    def test_gradient_descent_two_coordinates(self):
        # ∇f = (x, 4y), η = 1/4: x is multiplied by 3/4, y by 1 − 1 = 0
        traj = gradient_descent(lambda x: np.array([x[0], 4 * x[1]]), [4.0, 2.0], 0.25, 2)
        np.testing.assert_array_equal(traj, [[4.0, 2.0], [3.0, 0.0], [2.25, 0.0]])

    def test_momentum_by_hand(self):
        # f = ½x², η = 1/2, β = 1/2, x_{-1} = x_0 = 1:
        # x1 = 1 − 0.5 + 0 = 0.5; x2 = 0.5 − 0.25 + 0.5(0.5 − 1) = 0; x3 = 0 − 0 + 0.5(0 − 0.5) = −0.25
        traj = momentum(lambda x: x, [1.0], 0.5, 0.5, 3)
        np.testing.assert_array_equal(traj[:, 0], [1.0, 0.5, 0.0, -0.25])

    def test_momentum_with_beta_zero_is_gradient_descent(self):
        grad = linear_grad([[2.0, 0.5], [0.5, 1.0]])
        np.testing.assert_array_equal(
            momentum(grad, [1.0, -1.0], 0.3, 0.0, 20), gradient_descent(grad, [1.0, -1.0], 0.3, 20)
        )

    def test_adam_first_step_by_hand(self):
        # m1 = 0.1 g, v1 = 0.001 g², m̂1 = g, v̂1 = g²: θ1 = θ0 − α g/(|g| + ε)
        g = np.array([3.0, -0.5, 2e-3])
        traj = adam(lambda x: g, [0.0, 0.0, 0.0], lr=0.1, steps=1)
        expected = [-0.1 * 3.0 / (3.0 + 1e-8), 0.1 * 0.5 / (0.5 + 1e-8), -0.1 * 2e-3 / (2e-3 + 1e-8)]
        np.testing.assert_allclose(traj[1], expected, rtol=1e-15)

    def test_adam_second_step_by_hand_with_eps_zero(self):
        # g1 = 1, g2 = 3, β1 = 1/2, β2 = 3/4, ε = 0:
        # m2 = ½(½·1) + ½·3 = 7/4, v2 = ¾(¼·1) + ¼·9 = 39/16,
        # m̂2 = (7/4)/(3/4) = 7/3, v̂2 = (39/16)/(7/16) = 39/7, step = α (7/3)/√(39/7)
        opt = Adam(lr=1.0, beta1=0.5, beta2=0.75, eps=0.0)
        p1 = opt.step([0.0], [1.0])
        p2 = opt.step(p1, [3.0])
        assert p1[0] == -1.0
        m2, v2 = Fraction(7, 4), Fraction(39, 16)
        m_hat, v_hat = m2 / Fraction(3, 4), v2 / Fraction(7, 16)
        assert (m_hat, v_hat) == (Fraction(7, 3), Fraction(39, 7))
        assert p2[0] == pytest.approx(-1.0 - float(m_hat) / math.sqrt(float(v_hat)), rel=1e-15)
        assert opt.m[0] == pytest.approx(float(m2), rel=1e-15)
        assert opt.v[0] == pytest.approx(float(v2), rel=1e-15)
        assert opt.t == 2

    def test_quadratic_values(self):
        f, grad = quadratic([[2.0, 1.0], [1.0, 3.0]])
        # ½ (2·1 + 2·1·(−2) + 3·4) = ½ (2 − 4 + 12) = 5
        assert f([1.0, -2.0]) == 5.0
        np.testing.assert_array_equal(grad([1.0, -2.0]), [0.0, -5.0])
        np.testing.assert_array_equal(f([[1.0, -2.0], [0.0, 0.0]]), [5.0, 0.0])

    def test_rosenbrock_values(self):
        assert rosenbrock([1.0, 1.0]) == 0.0
        assert rosenbrock([0.0, 0.0]) == 1.0
        # (1 − (−1))² + 100 (1 − 1)² = 4
        assert rosenbrock([-1.0, 1.0]) == 4.0
        assert rosenbrock([2.0, 3.0], a=2.0, b=10.0) == 10.0  # 0 + 10·(3 − 4)²
        np.testing.assert_array_equal(rosenbrock_grad([1.0, 1.0]), [0.0, 0.0])
        # at (0, 0): (−2(1 − 0) − 0, 0) = (−2, 0)
        np.testing.assert_array_equal(rosenbrock_grad([0.0, 0.0]), [-2.0, 0.0])
        np.testing.assert_array_equal(rosenbrock_hessian([1.0, 1.0]), [[802.0, -400.0], [-400.0, 200.0]])

    def test_optimal_step_and_heavy_ball_by_hand(self):
        # μ = 1, L = 9: η* = 2/10, rate 8/10; √κ = 3: η = 4/16, β = (2/4)², rate 1/2
        assert optimal_step_size(1, 9) == pytest.approx((0.2, 0.8), rel=1e-15)
        assert heavy_ball_parameters(1, 9) == pytest.approx((0.25, 0.25, 0.5), rel=1e-15)
        np.testing.assert_allclose(gd_contraction_factors([1.0, 9.0], 0.2), [0.8, 0.8], rtol=1e-15)
        assert gd_contraction_factors(9.0, 0.3) == pytest.approx(1.7, rel=1e-15)

    def test_step_bound_by_hand(self):
        # t = 1: (1−β1)/(1−β1) · √((1−β2)/(1−β2)) · √1 = 1
        assert adam_step_bound(1) == 1.0
        # t = 2, β1 = β2 = 1/2 (r = 1/2): (1/2)/(3/4) · √((3/4)/(1/2)) · √(3/2) = (2/3)(3/2) = 1
        assert adam_step_bound(2, 0.5, 0.5) == pytest.approx(1.0, rel=1e-15)
        # t = 2, β1 = 1/2, β2 = 1/4 (r = 1): (2/3) · √((15/16)/(3/4)) · √2 = (2/3)·√(5/4)·√2
        assert adam_step_bound(2, 0.5, 0.25) == pytest.approx(2 / 3 * math.sqrt(2.5), rel=1e-15)


# ==================================================================== gradient descent
class TestGradientDescent:
    @pytest.mark.parametrize("seed", range(5))
    def test_closed_form_on_quadratics(self, seed):
        rng = np.random.default_rng(seed)
        A, lam, _ = random_spd(rng, 4)
        x0 = rng.standard_normal(4)
        lr = 1.5 / lam[-1]
        traj = gradient_descent(linear_grad(A), x0, lr, 30)
        M = np.eye(4) - lr * A
        for t in (0, 1, 7, 30):
            np.testing.assert_allclose(traj[t], np.linalg.matrix_power(M, t) @ x0, rtol=1e-10, atol=1e-13)

    def test_each_eigen_direction_contracts_by_one_minus_eta_lambda(self):
        rng = np.random.default_rng(1)
        A, lam, Q = random_spd(rng, 3, 1.0, 5.0)
        lr = 0.3
        y = gradient_descent(linear_grad(A), Q[:, 2] * 2.0, lr, 10) @ Q  # eigen-coordinates
        np.testing.assert_allclose(y[:, 2], 2.0 * (1 - lr * lam[2]) ** np.arange(11), rtol=1e-10)
        np.testing.assert_allclose(y[:, :2], 0, atol=1e-12)

    @settings(max_examples=40, deadline=None)
    @given(st.integers(0, 10**6), st.floats(0.05, 0.95))
    def test_converges_for_eta_below_2_over_L(self, seed, fraction):
        rng = np.random.default_rng(seed)
        A, lam, _ = random_spd(rng, 3)
        lr = fraction * 2 / lam[-1]
        x0 = rng.standard_normal(3)
        steps = 400
        traj = gradient_descent(linear_grad(A), x0, lr, steps)
        rate = max(abs(1 - lr * lam[0]), abs(1 - lr * lam[-1]))
        # ‖x_t‖ ≤ ρ^t ‖x0‖ (Q is orthogonal), for every t
        norms = np.linalg.norm(traj, axis=1)
        assert np.all(norms <= rate ** np.arange(steps + 1) * np.linalg.norm(x0) * (1 + 1e-9) + 1e-300)
        assert rate < 1

    @settings(max_examples=40, deadline=None)
    @given(st.integers(0, 10**6), st.floats(1.02, 1.5))
    def test_diverges_for_eta_above_2_over_L(self, seed, fraction):
        rng = np.random.default_rng(seed)
        A, lam, Q = random_spd(rng, 3)
        lr = fraction * 2 / lam[-1]
        x0 = rng.standard_normal(3)
        x0 += np.sign(Q[:, -1] @ x0 or 1.0) * Q[:, -1]  # a component along the top eigenvector
        traj = gradient_descent(linear_grad(A), x0, lr, 200)
        top = traj @ Q[:, -1]
        growth = abs(1 - lr * lam[-1])
        assert growth > 1
        np.testing.assert_allclose(np.abs(top[-1]), np.abs(top[0]) * growth**200, rtol=1e-6)
        assert np.linalg.norm(traj[-1]) > 10 * np.linalg.norm(traj[0])

    def test_keeps_float32(self):
        traj = gradient_descent(lambda x: 2 * x, np.array([1.0, 2.0], dtype=np.float32), 0.1, 3)
        assert traj.dtype == np.float32
        assert gradient_descent(lambda x: x, [1, 2], 0.1, 1).dtype == np.float64

    def test_scalar_start_and_scalar_gradient(self):
        traj = gradient_descent(lambda x: float(x[0]), 2.0, 0.5, 2)
        assert traj.shape == (3, 1)
        np.testing.assert_array_equal(traj[:, 0], [2.0, 1.0, 0.5])

    def test_zero_steps(self):
        traj = gradient_descent(lambda x: x, [1.0, 2.0], 0.1, 0)
        np.testing.assert_array_equal(traj, [[1.0, 2.0]])

    def test_grad_gets_a_copy(self):
        def grad(x):
            g = x.copy()
            x[:] = 1e9  # vandalism must not reach the trajectory
            return g

        traj = gradient_descent(grad, [1.0], 0.5, 2)
        np.testing.assert_array_equal(traj[:, 0], [1.0, 0.5, 0.25])


# ============================================================================= momentum
class TestMomentum:
    def test_velocity_form(self):
        """x_{t+1} = x_t + u_{t+1}, u_{t+1} = β u_t − η ∇f(x_t), u_0 = 0."""
        A = np.array([[3.0, 1.0], [1.0, 2.0]])
        x, u, lr, beta = np.array([1.0, -2.0]), np.zeros(2), 0.1, 0.8
        expected = [x.copy()]
        for _ in range(25):
            u = beta * u - lr * (A @ x)
            x = x + u
            expected.append(x.copy())
        np.testing.assert_allclose(momentum(linear_grad(A), [1.0, -2.0], lr, beta, 25), expected, rtol=1e-12, atol=1e-14)

    def test_polyak_parameters_reach_the_predicted_rate(self):
        lam = np.array([1.0, 3.0, 10.0, 30.0, 100.0])
        lr, beta, rate = heavy_ball_parameters(1.0, 100.0)
        traj = momentum(linear_grad(np.diag(lam)), np.ones(5), lr, beta, 400)
        norms = np.linalg.norm(traj, axis=1)
        # the eigenvalues at the ends give a repeated root: ‖x_t‖ ≈ C·t·ρ^t
        assert norms[400] < 400 * 10 * rate**400 * norms[0]
        measured = (norms[400] / norms[300]) ** (1 / 100)
        assert rate < measured < rate * (400 / 300) ** (1 / 100) * 1.001
        gd_rate = optimal_step_size(1.0, 100.0)[1]
        assert rate < gd_rate  # (√κ − 1)/(√κ + 1) < (κ − 1)/(κ + 1)

    def test_companion_matrices_have_spectral_radius_sqrt_beta(self):
        mu, L = 2.0, 50.0
        lr, beta, rate = heavy_ball_parameters(mu, L)
        for lam in np.linspace(mu, L, 101):
            # (y_{t+1}, y_t) = [[1 + β − ηλ, −β], [1, 0]] (y_t, y_{t−1})
            M = np.array([[1 + beta - lr * lam, -beta], [1.0, 0.0]])
            assert np.abs(np.linalg.eigvals(M)).max() == pytest.approx(rate, rel=1e-6)


# ================================================================================= Adam
def quadratic_problem(seed=0, d=3):
    rng = np.random.default_rng(seed)
    A, _, _ = random_spd(rng, d, 0.1, 20.0)
    return linear_grad(A), rng.standard_normal(d)


class TestAdamMatchesAlgorithm1:
    @pytest.mark.parametrize("placement", EPS_PLACEMENTS)
    @pytest.mark.parametrize("correct", [True, False])
    @pytest.mark.parametrize(("lr", "beta1", "beta2", "eps"), [
        (1e-3, 0.9, 0.999, 1e-8),
        (0.05, 0.8, 0.99, 1e-3),
        (0.1, 0.0, 0.5, 0.0),
    ])
    def test_trajectory_equals_the_plain_python_loop(self, placement, correct, lr, beta1, beta2, eps):
        grad, x0 = quadratic_problem()
        expected = algorithm1(grad, x0, lr, beta1, beta2, eps, 60, correct, placement)
        got = adam(grad, x0, lr, beta1, beta2, eps, 60, bias_correction=correct, eps_placement=placement)
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)

    def test_class_equals_function(self):
        grad, x0 = quadratic_problem(1)
        traj = adam(grad, x0, lr=0.01, steps=50)
        opt = Adam(lr=0.01)
        x = np.array(x0)
        for t in range(1, 51):
            x = opt.step(x, grad(x))
            np.testing.assert_array_equal(x, traj[t])
        assert opt.t == 50

    def test_defaults_are_the_papers(self):
        grad, x0 = quadratic_problem(2)
        np.testing.assert_allclose(adam(grad, x0), algorithm1(grad, x0, 1e-3, 0.9, 0.999, 1e-8, 100), rtol=1e-13)
        opt = Adam()
        assert (opt.lr, opt.beta1, opt.beta2, opt.eps) == (1e-3, 0.9, 0.999, 1e-8)

    def test_state_is_kept_and_reset(self):
        opt = Adam(lr=0.1)
        p = opt.step([1.0, 1.0], [1.0, -1.0])
        p = opt.step(p, [2.0, 0.0])
        fresh = Adam(lr=0.1).step(p, [2.0, 0.0])
        assert not np.allclose(opt.step(p, [2.0, 0.0]), fresh)
        opt.reset()
        assert opt.t == 0 and opt.m is None
        np.testing.assert_array_equal(opt.step(p, [2.0, 0.0]), fresh)

    def test_step_does_not_modify_its_arguments(self):
        params = np.array([1.0, 2.0])
        grads = np.array([0.5, -0.5])
        new = Adam(lr=0.1).step(params, grads)
        np.testing.assert_array_equal(params, [1.0, 2.0])
        np.testing.assert_array_equal(grads, [0.5, -0.5])
        assert new is not params

    def test_step_accepts_matrices_and_scalars(self):
        opt = Adam(lr=0.5)
        W = opt.step(np.ones((2, 3)), np.full((2, 3), 2.0))
        assert W.shape == (2, 3)
        np.testing.assert_allclose(W, 0.5, rtol=1e-7)
        assert type(Adam(lr=0.5).step(1.0, 3.0)) is float

    def test_keeps_float32(self):
        opt = Adam(lr=0.1)
        out = opt.step(np.ones(3, dtype=np.float32), np.ones(3))
        assert out.dtype == np.float32
        traj = adam(lambda x: x, np.ones(2, dtype=np.float32), lr=0.1, steps=3)
        assert traj.dtype == np.float32


class TestAdamProperties:
    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.floats(1e-3, 1e3).flatmap(lambda x: st.sampled_from([x, -x])), min_size=1, max_size=6),
           st.floats(1e-4, 1.0))
    def test_first_step_has_size_lr_up_to_eps(self, g, lr):
        g = np.array(g)
        traj = adam(lambda x: g, np.zeros(g.size), lr=lr, steps=1)
        step = traj[1] - traj[0]
        np.testing.assert_array_equal(np.sign(step), -np.sign(g))
        # |Δ| = α|g|/(|g| + ε), so α − |Δ| = αε/(|g| + ε) ≤ αε/|g|
        assert np.all(np.abs(np.abs(step) - lr) <= lr * 1e-8 / np.abs(g) + 4 * lr * 2.0**-53)

    @settings(max_examples=40, deadline=None)
    @given(st.floats(-1e3, 1e3).filter(lambda x: abs(x) > 1e-6), st.integers(1, 300),
           st.sampled_from([0.0, 0.5, 0.9, 0.99]), st.sampled_from([0.5, 0.9, 0.999]))
    def test_bias_corrected_moments_equal_a_constant_gradient(self, g, steps, beta1, beta2):
        mom = adam_moments(np.full(steps, g), beta1, beta2)
        np.testing.assert_allclose(mom["m_hat"], g, rtol=1e-12)
        np.testing.assert_allclose(mom["v_hat"], g * g, rtol=1e-12)
        t = np.arange(1, steps + 1)
        np.testing.assert_allclose(mom["m"], (1 - beta1**t) * g, rtol=1e-12)

    def test_constant_gradient_gives_steps_of_exactly_lr_with_eps_zero(self):
        traj = adam(lambda x: np.array([0.3, -7.0]), [0.0, 0.0], lr=0.01, eps=0.0, steps=200)
        np.testing.assert_allclose(np.diff(traj, axis=0), np.tile([-0.01, 0.01], (200, 1)), rtol=1e-12)

    def test_without_bias_correction_first_step(self):
        # m1 = (1 − β1) g, v1 = (1 − β2) g²: Δ = −α (1 − β1) g / (√(1 − β2) |g| + ε)
        traj = adam(lambda x: np.array([2.0]), [0.0], lr=1.0, eps=0.0, steps=1, bias_correction=False)
        assert traj[1, 0] == pytest.approx(-0.1 / math.sqrt(0.001), rel=1e-14)

    @pytest.mark.parametrize("seed", range(3))
    def test_invariant_to_a_diagonal_rescaling_of_the_gradient(self, seed):
        rng = np.random.default_rng(seed)
        D = np.exp(rng.uniform(-6, 6, 4))
        grad, x0 = quadratic_problem(seed, 4)
        plain = adam(grad, x0, lr=0.01, eps=0.0, steps=100)
        scaled = adam(lambda x: D * grad(x), x0, lr=0.01, eps=0.0, steps=100)
        np.testing.assert_allclose(scaled, plain, rtol=1e-9, atol=1e-12)
        different = gradient_descent(lambda x: D * grad(x), x0, 1e-6, 5)
        assert not np.allclose(different, gradient_descent(grad, x0, 1e-6, 5))

    def test_eps_placements_differ_for_tiny_gradients(self):
        g = np.array([1e-8])
        first = {p: adam(lambda x: g, [0.0], eps_placement=p, steps=1)[1, 0] for p in EPS_PLACEMENTS}
        # α g/(|g| + ε) = α/2;  α g/(|g| + ε/√(1 − β2)) = α/(1 + √1000);  α g/√(g² + ε) ≈ α·1e-4
        assert first["algorithm1"] == pytest.approx(-1e-3 / 2, rel=1e-12)
        assert first["epsilon_hat"] == pytest.approx(-1e-3 / (1 + math.sqrt(1000)), rel=1e-12)
        assert first["inside_sqrt"] == pytest.approx(-1e-3 * 1e-8 / math.sqrt(1e-16 + 1e-8), rel=1e-12)

    @settings(max_examples=30, deadline=None)
    @given(st.integers(0, 10**6), st.integers(1, 40))
    def test_epsilon_hat_is_algorithm1_with_eps_over_sqrt_one_minus_beta2_t(self, seed, steps):
        rng = np.random.default_rng(seed)
        grads = rng.standard_normal((steps, 2)) * 10.0 ** rng.uniform(-9, 0, (steps, 2))
        eps = 1e-8
        hat = Adam(lr=1.0, eps=eps, eps_placement="epsilon_hat")
        p = np.zeros(2)
        mom = adam_moments(grads, 0.9, 0.999)
        for t in range(1, steps + 1):
            new = hat.step(p, grads[t - 1])
            eps_t = eps / math.sqrt(1 - 0.999**t)
            expected = mom["m_hat"][t - 1] / (np.sqrt(mom["v_hat"][t - 1]) + eps_t)
            np.testing.assert_allclose(p - new, expected, rtol=1e-10)
            p = new


class TestStepBound:
    @pytest.mark.parametrize("T", [1, 2, 10, 100, 1000, 3000])
    @pytest.mark.parametrize(("beta1", "beta2"), [(0.9, 0.999), (0.5, 0.9), (0.99, 0.999)])
    def test_attained_by_geometrically_growing_gradients(self, T, beta1, beta2):
        # g_i = (β2/β1)^(i − T): Cauchy–Schwarz holds with equality
        i = np.arange(1, T + 1)
        grads = np.exp((i - T) * math.log(beta2 / beta1))
        grads[grads < 1e-150] = 0.0  # their squares would underflow; their weight is below 1e-150
        opt = Adam(lr=1.0, beta1=beta1, beta2=beta2, eps=0.0)
        p = np.zeros(1)
        for g in grads:
            new = opt.step(p, [g])
            step, p = abs(new[0] - p[0]), new
        r = beta1**2 / beta2
        expected = (
            (1 - beta1) / (1 - beta1**T) * math.sqrt((1 - beta2**T) / (1 - beta2))
            * math.sqrt(math.fsum(r**k for k in range(T)))
        )
        assert adam_step_bound(T, beta1, beta2) == pytest.approx(expected, rel=1e-12)
        assert step == pytest.approx(expected, rel=1e-9)

    @settings(max_examples=60, deadline=None)
    @given(st.integers(0, 10**6), st.integers(1, 200))
    def test_never_exceeded(self, seed, T):
        rng = np.random.default_rng(seed)
        grads = rng.standard_normal(T) * np.exp(rng.uniform(-5, 5, T))
        opt = Adam(lr=1.0, eps=0.0)
        p = np.zeros(1)
        for t, g in enumerate(grads, start=1):
            new = opt.step(p, [g])
            assert abs(new[0] - p[0]) <= adam_step_bound(t) * (1 + 1e-12)
            p = new

    def test_limit_and_papers_value(self):
        limit = 0.1 / math.sqrt(0.001 * (1 - 0.81 / 0.999))
        assert adam_step_bound(10**6) == pytest.approx(limit, rel=1e-9)
        assert limit > 2.29 * 0.1 / math.sqrt(0.001)  # the paper's (1 − β1)/√(1 − β2) is exceeded

    def test_single_spike_reaches_the_papers_value(self):
        opt = Adam(lr=1.0)
        p = np.zeros(1)
        for _ in range(30_000):
            p = opt.step(p, [0.0])
        step = abs(opt.step(p, [1.0])[0] - p[0])
        assert step == pytest.approx(0.1 / math.sqrt(0.001), rel=1e-6)

    def test_arrays(self):
        out = adam_step_bound(np.array([1, 2, 3]))
        assert out.shape == (3,) and out[0] == 1.0
        assert adam_step_bound(5, 0.0, 0.9) == pytest.approx(math.sqrt((1 - 0.9**5) / 0.1), rel=1e-14)


# ======================================================================== rates and sizes
class TestRates:
    @pytest.mark.parametrize(("mu", "L"), [(1.0, 1.0), (1.0, 10.0), (0.01, 3.0)])
    def test_optimal_step_beats_a_grid_of_steps(self, mu, L):
        lr, rate = optimal_step_size(mu, L)
        grid = np.linspace(1e-4, 2 / L, 20001)
        worst = np.maximum(np.abs(1 - grid * mu), np.abs(1 - grid * L))
        assert rate <= worst.min() + 1e-12
        assert rate == pytest.approx(max(abs(1 - lr * mu), abs(1 - lr * L)), rel=1e-12, abs=1e-15)

    def test_contraction_factors_of_the_hessian_eigenvalues(self):
        lam = np.array([0.5, 2.0, 3.9, 4.1])
        np.testing.assert_allclose(gd_contraction_factors(lam, 0.5), [0.75, 0.0, 0.95, 1.05], atol=1e-15)


# ======================================================================== test problems
class TestProblems:
    def test_rosenbrock_gradient_and_hessian_by_finite_differences(self):
        rng = np.random.default_rng(0)
        for x in rng.uniform(-2, 2, (5, 4)):
            h = 1e-6
            fd = [(rosenbrock(x + h * e) - rosenbrock(x - h * e)) / (2 * h) for e in np.eye(4)]
            np.testing.assert_allclose(rosenbrock_grad(x), fd, rtol=1e-6, atol=1e-4)
            H = np.array([(rosenbrock_grad(x + h * e) - rosenbrock_grad(x - h * e)) / (2 * h) for e in np.eye(4)])
            np.testing.assert_allclose(rosenbrock_hessian(x), H, rtol=1e-6, atol=1e-3)

    def test_rosenbrock_batches(self):
        X = np.array([[1.0, 1.0], [0.0, 0.0], [-1.0, 1.0]])
        np.testing.assert_array_equal(rosenbrock(X), [0.0, 1.0, 4.0])
        assert rosenbrock_grad(X).shape == (3, 2)

    def test_quadratic_gradient_by_finite_differences(self):
        rng = np.random.default_rng(3)
        A, _, _ = random_spd(rng, 3)
        f, grad = quadratic(A)
        x = rng.standard_normal(3)
        h = 1e-6
        fd = [(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(3)]
        np.testing.assert_allclose(grad(x), fd, rtol=1e-6)


# ======================================================================== bad input

@pytest.mark.parametrize(("func", "call"), [
    ("gradient_descent", lambda **kw: gradient_descent(**{"grad": lambda x: x, "x0": [1.0], "lr": 0.1, "steps": 3, **kw})),
    ("momentum", lambda **kw: momentum(**{"grad": lambda x: x, "x0": [1.0], "lr": 0.1, "beta": 0.5, "steps": 3, **kw})),
    ("adam", lambda **kw: adam(**{"grad": lambda x: x, "x0": [1.0], "steps": 3, **kw})),
])
class TestTrajectoryBadInput:
    @pytest.mark.parametrize("lr", [0, -0.1, math.nan, math.inf])
    def test_bad_lr(self, func, call, lr):
        with pytest.raises(ValueError, match=names(func, "lr")):
            call(lr=lr)

    @pytest.mark.parametrize("lr", ["0.1", None, [0.1]])
    def test_lr_of_the_wrong_type(self, func, call, lr):
        with pytest.raises((TypeError, ValueError), match=names(func, "lr")) as info:
            call(lr=lr)
        assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)

    @pytest.mark.parametrize("steps", [-1, 2.5, True, "3", None, np.float64(3.0)])
    def test_bad_steps(self, func, call, steps):
        with pytest.raises(ValueError, match=names(func, "steps")):
            call(steps=steps)

    def test_numpy_integer_steps_are_fine(self, func, call):
        assert call(steps=np.int64(2)).shape == (3, 1)

    @pytest.mark.parametrize("grad", [None, "x", 3.0, [1.0]])
    def test_grad_not_callable(self, func, call, grad):
        with pytest.raises(ValueError, match=names(func, "grad")) as info:
            call(grad=grad)
        assert isinstance(info.value, TypeError)

    @pytest.mark.parametrize("x0", [[1.0, math.nan], [[1.0, 2.0]], [], "1.0"])
    def test_bad_x0(self, func, call, x0):
        with pytest.raises((ValueError, TypeError), match=names(func, "x0")):
            call(x0=x0)

    @pytest.mark.parametrize("returned", [[1.0, 2.0], [[1.0]], np.ones((2, 1)), []])
    def test_gradient_of_the_wrong_shape(self, func, call, returned):
        with pytest.raises(ValueError, match=names(func, "grad") + r".*shape"):
            call(grad=lambda x: returned)

    @pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
    def test_gradient_with_nan_or_inf(self, func, call, bad):
        with pytest.raises(ValueError, match=names(func, "grad") + r".*\b(nan|inf)\b"):
            call(grad=lambda x: np.array([bad]))

    @pytest.mark.parametrize("returned", [None, "abc", [1j]])
    def test_gradient_that_is_not_real_numbers(self, func, call, returned):
        with pytest.raises(ValueError, match=names(func, "grad")):
            call(grad=lambda x: returned)

    def test_divergence_is_reported_not_returned(self, func, call):
        def grad(x):  # ∇f of f = ½·1e10·x²: with lr = 0.9 the iterates overflow
            with np.errstate(over="ignore"):
                return 1e10 * x

        if func == "adam":  # Adam's steps are bounded (opt-adam-step-sup): it cannot blow up
            traj = call(grad=grad, lr=0.9, steps=200)
            assert np.all(np.abs(np.diff(traj[:, 0])) <= 0.9 * adam_step_bound(np.arange(1, 201)) * (1 + 1e-12))
            return
        with pytest.raises(ValueError, match=rf"^{func}: .*(grad\(x_\d+\) contains nan or inf|overflow)"):
            call(grad=grad, lr=0.9, steps=200)


@pytest.mark.parametrize("placement", EPS_PLACEMENTS)
def test_adam_on_a_gradient_whose_square_overflows(placement):
    with pytest.raises(ValueError, match=r"^adam: the second moment v overflowed"):
        adam(lambda x: np.full(1, 1e200), [1.0], lr=1.0, steps=10, eps_placement=placement)


class TestAdamBadInput:
    @pytest.mark.parametrize(("kwargs", "arg"), [
        ({"lr": 0.0}, "lr"), ({"lr": -1.0}, "lr"), ({"lr": math.nan}, "lr"),
        ({"beta1": -0.1}, "beta1"), ({"beta1": 1.0}, "beta1"), ({"beta1": 1.5}, "beta1"),
        ({"beta2": -0.1}, "beta2"), ({"beta2": 1.0}, "beta2"), ({"beta2": math.inf}, "beta2"),
        ({"eps": -1e-8}, "eps"), ({"eps": math.nan}, "eps"),
        ({"eps_placement": "outside"}, "eps_placement"),
    ])
    def test_bad_hyperparameters(self, kwargs, arg):
        with pytest.raises(ValueError, match=names("Adam", arg)):
            Adam(**kwargs)
        with pytest.raises(ValueError, match=names("adam", arg)):
            adam(lambda x: x, [1.0], **kwargs)

    @pytest.mark.parametrize(("kwargs", "arg"), [
        ({"beta": 1.0}, "beta"), ({"beta": -0.5}, "beta"), ({"beta": "0.9"}, "beta"),
    ])
    def test_bad_momentum_beta(self, kwargs, arg):
        with pytest.raises(ValueError, match=names("momentum", arg)):
            momentum(lambda x: x, [1.0], 0.1, steps=2, **kwargs)

    def test_bias_correction_must_be_a_bool(self):
        with pytest.raises(ValueError, match=names("Adam", "bias_correction")):
            Adam(bias_correction="yes")

    def test_params_of_another_shape_between_calls(self):
        opt = Adam()
        opt.step([1.0, 2.0], [0.1, 0.1])
        with pytest.raises(ValueError, match=names("Adam.step", "params") + r".*previous"):
            opt.step([1.0, 2.0, 3.0], [0.1, 0.1, 0.1])
        assert opt.t == 1  # the failed call changed nothing

    def test_grads_of_another_shape_than_params(self):
        with pytest.raises(ValueError, match=names("Adam.step", "grads")):
            Adam().step([1.0, 2.0], [0.1])

    @pytest.mark.parametrize(("params", "grads", "arg"), [
        ([1.0, math.nan], [0.1, 0.1], "params"),
        ([1.0, 1.0], [0.1, math.inf], "grads"),
        ([1.0, 1.0], None, "grads"),
        ("ab", [0.1, 0.1], "params"),
        ([], [], "params"),
    ])
    def test_bad_arrays(self, params, grads, arg):
        with pytest.raises((ValueError, TypeError), match=names("Adam.step", arg)):
            Adam().step(params, grads)

    def test_step_overflow_is_an_error_and_keeps_the_state(self):
        opt = Adam(lr=1.0)
        p = opt.step([1.0], [1.0])
        with pytest.raises(ValueError, match=r"^Adam.step: .*overflow"):
            opt.step(p, [1e200])  # g² overflows
        assert opt.t == 1

    def test_eps_zero_with_zero_gradients_is_no_step(self):
        traj = adam(lambda x: np.zeros(2), [1.0, -1.0], eps=0.0, steps=3)
        np.testing.assert_array_equal(traj, [[1.0, -1.0]] * 4)


class TestOtherBadInput:
    def test_quadratic_needs_a_symmetric_square_matrix(self):
        with pytest.raises(ValueError, match=names("quadratic", "A") + r".*symmetric"):
            quadratic([[1.0, 2.0], [0.0, 1.0]])
        with pytest.raises(ValueError, match=names("quadratic", "A") + r".*square"):
            quadratic(np.ones((2, 3)))
        f, grad = quadratic(np.eye(2))
        with pytest.raises(ValueError, match=r"^quadratic grad: x\b"):
            grad([1.0, 2.0, 3.0])
        with pytest.raises(ValueError, match=r"^quadratic f: x\b"):
            f([math.nan, 1.0])

    def test_rosenbrock_needs_two_coordinates(self):
        with pytest.raises(ValueError, match=names("rosenbrock", "x")):
            rosenbrock([1.0])
        with pytest.raises(ValueError, match=names("rosenbrock_grad", "b")):
            rosenbrock_grad([1.0, 1.0], b=0.0)
        with pytest.raises(ValueError, match=names("rosenbrock_hessian", "x")):
            rosenbrock_hessian(np.ones((2, 2)))

    def test_rates_need_sensible_eigenvalues(self):
        with pytest.raises(ValueError, match=names("optimal_step_size", "mu")):
            optimal_step_size(0.0, 1.0)
        with pytest.raises(ValueError, match=names("heavy_ball_parameters", "L")):
            heavy_ball_parameters(2.0, 1.0)
        with pytest.raises(ValueError, match=names("gd_contraction_factors", "lr")):
            gd_contraction_factors([1.0], -1.0)

    @pytest.mark.parametrize("t", [0, -1, 1.5, np.array([1, 0])])
    def test_step_bound_needs_positive_integer_steps(self, t):
        with pytest.raises(ValueError, match=names("adam_step_bound", "t")):
            adam_step_bound(t)

    def test_adam_moments_bad_input(self):
        with pytest.raises(ValueError, match=names("adam_moments", "grads")):
            adam_moments([[[1.0]]])
        with pytest.raises(ValueError, match=names("adam_moments", "beta2")):
            adam_moments([1.0], beta2=1.0)


def test_argument_type_error_is_both_kinds():
    assert issubclass(ArgumentTypeError, TypeError) and issubclass(ArgumentTypeError, ValueError)


# ------------------------------------------------------- the chapter's experiments
def ema(values, beta):
    out, m = [], 0.0
    for g in values:
        m = beta * m + (1 - beta) * g
        out.append(m)
    return np.array(out)


def test_problems_have_their_documented_minima_and_curvatures():
    quad = problem("quadratic")
    assert (quad.mu, quad.L) == pytest.approx((1.0, 25.0))
    rot = problem("rotated quadratic")
    assert (rot.mu, rot.L) == pytest.approx((1.0, 25.0))
    ros = problem("rosenbrock")
    # Hessian [[802, −400], [−400, 200]]: λ = 501 ± √(301² + 400²)
    assert ros.L == pytest.approx(501 + math.hypot(301, 400))
    assert ros.mu == pytest.approx(501 - math.hypot(301, 400))
    for p in PROBLEMS.values():
        assert p.f(np.array(p.minimum)) == pytest.approx(0.0, abs=1e-15)
        np.testing.assert_allclose(p.grad(np.array(p.minimum)), 0.0, atol=1e-12)


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_each_problem_has_one_gradient_and_it_matches_central_differences(name):
    p = problem(name)
    points = np.random.default_rng(0).uniform(-2, 2, (20, 2))
    h = 1e-6
    for x in points:
        fd = [(p.f(x + h * e) - p.f(x - h * e)) / (2 * h) for e in np.eye(2)]
        np.testing.assert_allclose(p.grad(x), fd, rtol=1e-6, atol=1e-5)
    # the chapter module's public gradient, not a copy of it
    assert p.grad is rosenbrock_grad if name == "rosenbrock" else p.grad.A is p.f.A


def test_problem_gradients_are_the_analytic_forms():
    x, y = 0.7, -0.3
    np.testing.assert_allclose(problem("quadratic").grad([x, y]), [x, 25 * y], rtol=1e-15)
    inner = y - x * x
    np.testing.assert_allclose(problem("rosenbrock").grad([x, y]), [-2 * (1 - x) - 400 * x * inner, 200 * inner],
                               rtol=1e-15)


def test_problem_rejects_unknown_names():
    with pytest.raises(ValueError, match="problem"):
        problem("himmelblau")


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_contours_lie_on_their_levels(name):
    lines = problem_contours(name)
    p = problem(name)
    levels = np.array(p.levels)
    # linear interpolation on the grid: close on the ellipses, rougher in Rosenbrock's steep valley
    rtol = 0.35 if name == "rosenbrock" else 0.05
    assert rtol < math.sqrt(levels[1] / levels[0]) - 1  # still closer to its level than to the next
    for seg in lines[:: max(1, len(lines) // 10)]:
        values = np.asarray(p.f(seg))
        nearest = levels[np.abs(np.log(values[:, None] / levels[None, :])).argmin(axis=1)]
        np.testing.assert_allclose(values, nearest, rtol=rtol)


def test_run_optimisers_are_the_ragmath_optimisers():
    p = problem("rotated quadratic")
    runs = run_optimisers("rotated quadratic", lr_times_L=1.2, beta=0.6, adam_lr=0.1, beta1=0.8, steps=50)
    lr = 1.2 / p.L
    np.testing.assert_array_equal(runs["gradient descent"]["trajectory"], gradient_descent(p.grad, p.x0, lr, 50))
    np.testing.assert_array_equal(runs["momentum"]["trajectory"], momentum(p.grad, p.x0, lr, 0.6, 50))
    np.testing.assert_array_equal(runs["Adam"]["trajectory"], adam(p.grad, p.x0, 0.1, 0.8, steps=50))
    A = p.grad.A  # the matrix of the quadratic
    for run in runs.values():
        tr = run["trajectory"]
        np.testing.assert_allclose(run["gap"], 0.5 * np.einsum("ti,ij,tj->t", tr, A, tr), rtol=1e-12)
        assert not run["diverged"]


def test_gradient_descent_on_the_quadratic_follows_the_closed_form():
    runs = run_optimisers("quadratic", lr_times_L=1.9, steps=40)
    x0 = np.array(problem("quadratic").x0)
    t = np.arange(41)
    expected = np.column_stack([x0[0] * (1 - 1.9 / 25) ** t, x0[1] * (1 - 1.9) ** t])
    np.testing.assert_allclose(runs["gradient descent"]["trajectory"], expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["quadratic", "rotated quadratic"])
def test_a_step_above_2_over_L_diverges_and_is_stopped(name):
    runs = run_optimisers(name, lr_times_L=2.05, steps=300)
    gd = runs["gradient descent"]
    assert gd["diverged"]
    tr = gd["trajectory"]
    assert np.abs(tr[-1]).max() > 1e3 and np.abs(tr[-2]).max() <= 1e3
    # |1 − ηL| = 1.05 per step: from a top-eigenvector component of 1.5 to 3.6, it takes
    # ln(1e3 / 3.6) / ln 1.05 ≈ 115 to ln(1e3 / 1.5) / ln 1.05 ≈ 133 steps to leave the box
    assert 110 < len(tr) < 140
    assert not run_optimisers(name, lr_times_L=1.95, steps=300)["gradient descent"]["diverged"]


def test_bias_correction_curves_by_plain_loops():
    c = bias_correction_curves(beta1=0.8, beta2=0.99, noise=0.5, steps=300, seed=3)
    g = 1 + 0.5 * np.random.default_rng(3).standard_normal(300)
    t = np.arange(1, 301)
    np.testing.assert_array_equal(c["g"], g)
    np.testing.assert_allclose(c["m"], ema(g, 0.8), rtol=1e-12)
    np.testing.assert_allclose(c["v"], ema(g**2, 0.99), rtol=1e-12)
    np.testing.assert_allclose(c["m_hat"], ema(g, 0.8) / (1 - 0.8**t), rtol=1e-12)
    np.testing.assert_allclose(c["v_hat"], ema(g**2, 0.99) / (1 - 0.99**t), rtol=1e-12)


def test_constant_gradient_steps():
    c = bias_correction_curves(beta1=0.9, beta2=0.999, noise=0.0, steps=1000)
    t = np.arange(1, 1001)
    # ε = 1e-8 against √v ≥ √0.001: relative differences below 1e-6
    np.testing.assert_allclose(c["step_corrected"], 1.0, rtol=1e-7)
    np.testing.assert_allclose(c["step_uncorrected"], (1 - 0.9**t) / np.sqrt(1 - 0.999**t), rtol=1e-6)
    assert c["step_uncorrected"][0] == pytest.approx(0.1 / math.sqrt(0.001), rel=1e-6)


def test_run_optimisers_name_their_bad_arguments():
    with pytest.raises(ValueError, match=names("run_optimisers", "lr_times_L")):
        run_optimisers("quadratic", lr_times_L=-1.0)
    with pytest.raises(ValueError, match=names("run_optimisers", "adam_lr")):
        run_optimisers("quadratic", adam_lr=0.0)
    with pytest.raises(ValueError, match=names("problem", "problem")):
        run_optimisers("himmelblau")


def test_convergence_curves_follow_their_rates():
    c = convergence_curves(kappa=49.0, steps=100)
    t = np.arange(101)
    assert c["gradient descent"]["rate"] == pytest.approx(48 / 50)
    assert c["momentum"]["rate"] == pytest.approx(6 / 8)
    assert np.all(c["gradient descent"]["error"] <= (48 / 50) ** t * (1 + 1e-9))  # ‖x_t‖ ≤ ρ^t ‖x_0‖
    assert c["momentum"]["error"][-1] < 1e-6 < c["gradient descent"]["error"][-1]
    x0 = np.random.default_rng(5).standard_normal(10)
    lam = np.geomspace(1.0, 49.0, 10)
    expected = np.abs(1 - 2 / 50 * lam) ** 7 * np.abs(x0)  # diagonal A: each coordinate by its factor
    ratio = np.linalg.norm(expected) / np.linalg.norm(x0)
    assert convergence_curves(49.0, 7, seed=5)["gradient descent"]["error"][7] == pytest.approx(ratio, rel=1e-12)
    with pytest.raises(ValueError, match=names("convergence_curves", "kappa")):
        convergence_curves(kappa=0.5)
    with pytest.raises(TypeError, match=names("convergence_curves", "seed")):
        convergence_curves(seed=1.5)


def test_bias_correction_curves_take_a_generator_and_check_the_seed():
    a = bias_correction_curves(noise=1.0, steps=20, seed=np.random.default_rng(8))
    np.testing.assert_array_equal(a["g"], bias_correction_curves(noise=1.0, steps=20, seed=8)["g"])
    with pytest.raises(ValueError, match=names("bias_correction_curves", "seed")):
        bias_correction_curves(seed=-1)
    with pytest.raises(ValueError, match=names("bias_correction_curves", "noise")):
        bias_correction_curves(noise=-1.0)


def test_adam_single_gradient_step_is_adam_after_zero_gradients():
    for t in (1, 2, 7, 50):
        grads = iter([0.0] * (t - 1) + [3.0])
        trajectory = adam(lambda x, g=grads: np.array([next(g)]), [0.0], lr=1.0, eps=0.0, steps=t)
        assert abs(trajectory[-1, 0]) == pytest.approx(adam_single_gradient_step(t), rel=1e-12)
        assert adam_single_gradient_step(t) <= adam_step_bound(t) * (1 + 1e-12)
    assert adam_single_gradient_step(10**7) == pytest.approx(0.1 / math.sqrt(0.001), rel=1e-6)
    np.testing.assert_allclose(adam_single_gradient_step(np.array([1, 2])), [adam_single_gradient_step(1),
                                                                            adam_single_gradient_step(2)])
    with pytest.raises(ValueError, match=names("adam_single_gradient_step", "t")):
        adam_single_gradient_step(0)


def test_contour_lines_of_a_circle():
    f, _ = quadratic(np.eye(2))
    lines = contour_lines(f, (-2, 2), (-2, 2), [0.5, 1.0], n=(301, 201))
    assert len(lines) == 2
    for seg, r in zip(lines, (1.0, math.sqrt(2))):
        np.testing.assert_allclose(np.hypot(seg[:, 0], seg[:, 1]), r, rtol=2e-3)
    with pytest.raises(ValueError, match=names("contour_lines", "n")):
        contour_lines(f, (-1, 1), (-1, 1), [0.5], n=1)


# ------------------------------------------------- Nesterov, AMSGrad, AdamW, bounds
from ragmath.optim import adamw, amsgrad, nesterov, reddi_counterexample  # noqa: E402


def test_nesterov_by_hand_and_as_the_sutskever_velocity_form():
    # f = x², η = 0.25, β = 0.5: y0 = 1, x1 = 0.5; y1 = 0.25, x2 = 0.125; y2 = -0.0625, x3 = -0.03125
    run = nesterov(lambda x: 2 * x, [1.0], 0.25, 0.5, 3)[:, 0]
    assert list(run) == [1.0, 0.5, 0.125, -0.03125]
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    x, u = np.array([1.0, -1.0]), np.zeros(2)
    expected = [x.copy()]
    for _ in range(20):  # u ← βu − η∇f(x + βu), x ← x + u
        u = 0.6 * u - 0.1 * (A @ (x + 0.6 * u))
        x = x + u
        expected.append(x.copy())
    assert np.allclose(nesterov(lambda z: A @ z, [1.0, -1.0], 0.1, 0.6, 20), expected, rtol=1e-12)
    assert np.array_equal(nesterov(lambda z: 2 * z, [1.0], 0.1, 0.0, 5),
                          gradient_descent(lambda z: 2 * z, [1.0], 0.1, 5))


def test_nesterov_rejects_bad_arguments():
    with pytest.raises(ValueError, match="nesterov: beta"):
        nesterov(lambda x: x, [1.0], 0.1, 1.0, 3)
    with pytest.raises(ValueError, match="nesterov: lr"):
        nesterov(lambda x: x, [1.0], -0.1, 0.5, 3)


def test_amsgrad_is_a_plain_loop_of_reddi_algorithm_2():
    grads = [3.0, -1.0, -1.0, 0.5, 2.0, -4.0]
    feed = iter(grads)
    run = amsgrad(lambda x: np.array([next(feed)]), [0.0], lr=0.1, beta1=0.5, beta2=0.9,
                  steps=len(grads))[:, 0]
    x, m, v, vmax, expected = 0.0, 0.0, 0.0, 0.0, [0.0]
    for g in grads:
        m = 0.5 * m + 0.5 * g
        v = 0.9 * v + 0.1 * g * g
        vmax = max(vmax, v)
        x = x - 0.1 * m / math.sqrt(vmax)
        expected.append(x)
    assert np.allclose(run, expected, rtol=1e-13)


def test_bounds_project_by_clipping_and_are_checked():
    run = amsgrad(lambda x: -np.ones(2), [0.0, 0.5], lr=0.3, beta1=0.0, beta2=0.0, steps=5,
                  bounds=(-1, 1))
    assert np.array_equal(run[-1], [1.0, 1.0]) and run.max() == 1.0
    ad = adam(lambda x: -np.ones(1), [5.0], lr=0.3, steps=2, bounds=(-1, 1))
    assert ad[0, 0] == 1.0  # x0 is projected too
    for bad in [(1, -1), (0, 0), "ab", (0, float("nan"))]:
        with pytest.raises(ValueError, match="bounds"):
            amsgrad(lambda x: x, [0.0], bounds=bad)
        with pytest.raises(ValueError, match="bounds"):
            adam(lambda x: x, [0.0], bounds=bad)


def test_adamw_decays_without_loss_and_is_adam_without_decay():
    run = adamw(lambda x: np.zeros(3), [1.0, -2.0, 4.0], weight_decay=0.1, steps=10)
    assert np.allclose(run, np.outer(0.9 ** np.arange(11), [1.0, -2.0, 4.0]), rtol=1e-13)
    g = lambda x: np.array([2 * x[0] - 1, 0.5 * x[1]])  # noqa: E731
    assert np.allclose(adamw(g, [1.0, 1.0], lr=0.01, weight_decay=0.0, steps=50),
                       adam(g, [1.0, 1.0], lr=0.01, steps=50), rtol=1e-14)
    # one step by hand: the first Adam step is α·sign(g), then −λ x_0
    first = adamw(lambda x: np.array([3.0]), [2.0], lr=0.1, eps=0.0, weight_decay=0.25, steps=1)
    assert math.isclose(first[1, 0], 2.0 - 0.1 - 0.25 * 2.0, rel_tol=1e-15)
    for bad in [-0.1, 1.0, float("nan")]:
        with pytest.raises(ValueError, match="adamw: weight_decay"):
            adamw(g, [1.0, 1.0], weight_decay=bad)


def test_reddi_counterexample_adam_goes_to_the_worst_point():
    out = reddi_counterexample(steps=3000, C=3.0, lr=0.01)
    assert out["Adam"]["x"][-1] == 1.0 and out["AMSGrad"]["x"][-1] < -0.95
    assert np.all(np.diff(out["AMSGrad"]["step_size"]) <= 1e-15)  # never grows
    assert np.any(np.diff(out["Adam"]["step_size"]) > 0)
    assert list(out["gradients"][:4]) == [3.0, -1.0, -1.0, 3.0]
    for kwargs, name in [({"C": 2.0}, "C"), ({"steps": 0}, "steps"), ({"lr": 0.0}, "lr")]:
        with pytest.raises(ValueError, match=f"reddi_counterexample: {name}"):
            reddi_counterexample(**kwargs)
