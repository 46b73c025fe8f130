"""Gradient descent and Adam (chapter 6, "Gradient descent and Adam").

Every function cites the label of the equation it implements in
``book/06-optimisation.md``; the chapter checks each one numerically.

Optimisers that run for a number of steps take the gradient as a function::

    gradient_descent(grad, x0, lr, steps)            -> (steps + 1, d) trajectory
    momentum(grad, x0, lr, beta, steps)              -> (steps + 1, d) trajectory
    adam(grad, x0, lr, beta1, beta2, eps, steps)     -> (steps + 1, d) trajectory

``grad(x)`` receives a copy of the current iterate, a 1-D array of shape (d,),
and must return the gradient there, an array of the same shape. The first row of
a trajectory is ``x0`` itself. For training loops that compute their own
gradients, :class:`Adam` keeps the optimiser's state between calls of
``.step(params, grads)``.

ragmath's Adam is exactly Algorithm 1 of Kingma & Ba (2015): ε is added to
√v̂_t, *after* the bias correction (equation ``opt-adam-update``). Two other
placements of ε, used by other implementations, are available with
``eps_placement`` (equations ``opt-adam-eps-hat`` and ``opt-adam-eps-sqrt``).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._validation import as_float_array, check_choice, first_bad_index

__all__ = [
    "ArgumentTypeError",
    "gradient_descent",
    "momentum",
    "adam",
    "Adam",
    "adam_moments",
    "quadratic",
    "rosenbrock",
    "rosenbrock_grad",
    "rosenbrock_hessian",
    "gd_contraction_factors",
    "optimal_step_size",
    "heavy_ball_parameters",
    "adam_step_bound",
    "EPS_PLACEMENTS",
]

#: The placements of ε that :func:`adam` and :class:`Adam` implement.
EPS_PLACEMENTS = ("algorithm1", "epsilon_hat", "inside_sqrt")


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type (a non-callable ``grad``, a float ``steps``).

    It is both a :class:`TypeError` (the package's convention for a wrong type)
    and a :class:`ValueError` (the convention for any bad argument), so either
    ``except`` clause catches it.
    """


# ----------------------------------------------------------------------- validation
def _real(value, name: str, func: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(
            f"{func}: {name} must be a real number, got {type(value).__name__} {value!r}"
        )
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{func}: {name} must be finite, got {value}")
    return value


def _check_lr(lr, func: str, name: str = "lr") -> float:
    lr = _real(lr, name, func)
    if lr <= 0:
        raise ValueError(f"{func}: {name} (the step size) must be positive, got {lr}")
    return lr


def _check_beta(beta, name: str, func: str) -> float:
    beta = _real(beta, name, func)
    if not 0 <= beta < 1:
        raise ValueError(f"{func}: {name} must lie in [0, 1), got {beta}")
    return beta


def _check_eps(eps, func: str) -> float:
    eps = _real(eps, "eps", func)
    if eps < 0:
        raise ValueError(f"{func}: eps must be non-negative, got {eps}")
    return eps


def _check_steps(steps, func: str) -> int:
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral):
        raise ArgumentTypeError(
            f"{func}: steps must be a non-negative integer, got {type(steps).__name__} {steps!r}"
        )
    if steps < 0:
        raise ValueError(f"{func}: steps must be a non-negative integer, got {steps}")
    return int(steps)


def _check_bool(value, name: str, func: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ArgumentTypeError(f"{func}: {name} must be True or False, got {value!r}")
    return bool(value)


def _check_grad(grad, func: str) -> None:
    if not callable(grad):
        raise ArgumentTypeError(
            f"{func}: grad must be a function x -> gradient at x, got {type(grad).__name__} {grad!r}"
        )


def _start(x0, func: str) -> np.ndarray:
    """x0 as a fresh 1-D float array (a scalar x0 is a vector of dimension 1)."""
    arr = as_float_array(x0, "x0", func, ndim=(0, 1))
    return np.array(arr, ndmin=1, copy=True)


def _gradient(grad, x: np.ndarray, t: int, func: str) -> np.ndarray:
    """grad(x_t), checked: a finite real array of the shape of x, in x's dtype."""
    g = grad(x.copy())
    if g is None:
        raise ValueError(f"{func}: grad(x_{t}) returned None; it must return the gradient at x")
    try:
        arr = np.asarray(g)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{func}: grad(x_{t}) could not be read as an array: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise ValueError(
            f"{func}: grad(x_{t}) must return real numbers, got an array of dtype {arr.dtype}"
        )
    if arr.shape != x.shape:
        if x.shape == (1,) and arr.shape == ():  # a scalar problem: accept a scalar gradient
            arr = arr.reshape(1)
        else:
            raise ValueError(
                f"{func}: grad(x_{t}) returned an array of shape {arr.shape}; "
                f"expected {x.shape}, the shape of x0"
            )
    if not np.isfinite(arr).all():
        bad = first_bad_index(~np.isfinite(arr))[0]
        raise ValueError(
            f"{func}: grad(x_{t}) contains nan or inf (at index {bad}); "
            f"the iteration may have diverged: try a smaller lr"
        )
    return arr.astype(x.dtype, copy=False)


def _check_iterate(x: np.ndarray, t: int, func: str) -> None:
    if not np.isfinite(x).all():
        bad = first_bad_index(~np.isfinite(x))[0]
        raise ValueError(
            f"{func}: x_{t} overflowed to inf or nan (at index {bad}): "
            f"the iteration diverged; try a smaller lr"
        )


# --------------------------------------------------------------- gradient descent
def gradient_descent(grad, x0, lr, steps):
    """Gradient descent with a fixed step, x_{t+1} = x_t − η ∇f(x_t) (equation ``opt-gd``).

    Parameters
    ----------
    grad : callable
        ``grad(x)`` returns ∇f(x), an array of the shape of x.
    x0 : array-like, (d,) (a scalar is a vector of dimension 1)
    lr : float > 0
        The step size η (learning rate).
    steps : int ≥ 0

    Returns
    -------
    trajectory : ndarray, (steps + 1, d), in x0's float dtype; row 0 is x0.

    On the quadratic ½xᵀAx the iterates are x_t = (I − ηA)^t x0
    (``opt-gd-quadratic``): they converge for every x0 if and only if
    0 < η < 2/λ_max (``opt-gd-stability``).
    A gradient that is not finite, or of the wrong shape, raises ValueError
    naming grad and the step (a diverging iteration ends this way).
    """
    func = "gradient_descent"
    _check_grad(grad, func)
    x = _start(x0, func)
    lr = _check_lr(lr, func)
    steps = _check_steps(steps, func)
    trajectory = np.empty((steps + 1, x.size), dtype=x.dtype)
    trajectory[0] = x
    for t in range(steps):
        g = _gradient(grad, x, t, func)
        with np.errstate(over="ignore", invalid="ignore"):
            x = x - lr * g
        _check_iterate(x, t + 1, func)
        trajectory[t + 1] = x
    return trajectory


def momentum(grad, x0, lr, beta, steps):
    """Heavy-ball momentum (Polyak 1964) (equation ``opt-momentum``).

    x_{t+1} = x_t − η ∇f(x_t) + β (x_t − x_{t−1}), with x_{−1} = x0 (no initial
    velocity). β = 0 is gradient descent. Equivalently, with the velocity
    u_{t+1} = β u_t − η ∇f(x_t) and u_0 = 0, x_{t+1} = x_t + u_{t+1}.

    Parameters are those of :func:`gradient_descent`, plus ``beta`` in [0, 1).
    Returns the trajectory, (steps + 1, d), row 0 being x0.
    """
    func = "momentum"
    _check_grad(grad, func)
    x = _start(x0, func)
    lr = _check_lr(lr, func)
    beta = _check_beta(beta, "beta", func)
    steps = _check_steps(steps, func)
    trajectory = np.empty((steps + 1, x.size), dtype=x.dtype)
    trajectory[0] = x
    previous = x
    for t in range(steps):
        g = _gradient(grad, x, t, func)
        with np.errstate(over="ignore", invalid="ignore"):
            x, previous = x - lr * g + beta * (x - previous), x
        _check_iterate(x, t + 1, func)
        trajectory[t + 1] = x
    return trajectory


# --------------------------------------------------------------------------- Adam
def _adam_update(m, v, t, g, lr, beta1, beta2, eps, bias_correction, eps_placement):
    """One step of Adam: the new moments and the step −α·(direction).

    Follows Algorithm 1 of Kingma & Ba line by line (equations
    ``opt-adam-moments``, ``opt-adam-correction``, ``opt-adam-update``), with the
    same order of operations. Where the denominator is 0 (only possible with
    eps = 0, when every gradient so far was 0, and then m is 0 too) the step
    is 0, the limit of 0/(0 + ε) as ε → 0.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * (g * g)  # an overflow is reported by the caller
        if eps_placement == "epsilon_hat":
            # α_t = α √(1 − β2^t) / (1 − β1^t);  θ ← θ − α_t m_t / (√v_t + ε̂)
            if bias_correction:
                lr_t = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)
            else:
                lr_t = lr
            numerator, denominator = m, np.sqrt(v) + eps
            step = lr_t * (numerator / denominator)
        else:
            if bias_correction:
                m_hat = m / (1 - beta1**t)
                v_hat = v / (1 - beta2**t)
            else:
                m_hat, v_hat = m, v
            if eps_placement == "algorithm1":
                denominator = np.sqrt(v_hat) + eps
            else:  # "inside_sqrt"
                denominator = np.sqrt(v_hat + eps)
            numerator = m_hat
            step = lr * (numerator / denominator)
        if eps == 0:
            step = np.where((numerator == 0) & (denominator == 0), 0, step).astype(step.dtype)
    return m, v, step


class Adam:
    """Adam (Kingma & Ba 2015, Algorithm 1), keeping its state between calls of :meth:`step`.

    Parameters
    ----------
    lr : float > 0
        The step size α (equation ``opt-adam-update``).
    beta1, beta2 : float in [0, 1)
        Decay rates of the moment estimates m_t and v_t (``opt-adam-moments``).
    eps : float ≥ 0
        Added to √v̂_t after the bias correction, as in Algorithm 1.
    bias_correction : bool, keyword only
        False skips the division by 1 − β^t (``opt-adam-correction``), for the
        chapter's comparison; Adam itself always corrects.
    eps_placement : {"algorithm1", "epsilon_hat", "inside_sqrt"}, keyword only
        "algorithm1" (the default): α m̂_t / (√v̂_t + ε) (``opt-adam-update``).
        "epsilon_hat": α_t m_t / (√v_t + ε) with α_t = α √(1 − β2^t)/(1 − β1^t),
        the reformulation at the end of Section 2 of the paper, where ε is the
        paper's ε̂ (``opt-adam-eps-hat``). "inside_sqrt": α m̂_t / √(v̂_t + ε)
        (``opt-adam-eps-sqrt``).

    Attributes
    ----------
    t : int
        Number of steps taken so far.
    m, v : ndarray or None
        The first and second moment estimates m_t and v_t (before bias correction).

    ``step(params, grads)`` returns the new parameters θ_t (a new array; the
    argument is not modified). Each call is one step t → t + 1. The shape of
    ``params`` must stay the same from call to call; :meth:`reset` forgets the
    state.
    """

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, *,
                 bias_correction=True, eps_placement="algorithm1"):
        func = "Adam"
        self.lr = _check_lr(lr, func)
        self.beta1 = _check_beta(beta1, "beta1", func)
        self.beta2 = _check_beta(beta2, "beta2", func)
        self.eps = _check_eps(eps, func)
        self.bias_correction = _check_bool(bias_correction, "bias_correction", func)
        self.eps_placement = check_choice(eps_placement, "eps_placement", func, EPS_PLACEMENTS)
        self.reset()

    def reset(self) -> None:
        """Forget the moments and the step count (t = 0, m = v = None)."""
        self.t = 0
        self.m = None
        self.v = None
        self._shape = None

    def __repr__(self) -> str:
        return (
            f"Adam(lr={self.lr!r}, beta1={self.beta1!r}, beta2={self.beta2!r}, eps={self.eps!r}, "
            f"bias_correction={self.bias_correction!r}, eps_placement={self.eps_placement!r}); t={self.t}"
        )

    def step(self, params, grads):
        """One Adam step: θ_t = θ_{t−1} − α m̂_t / (√v̂_t + ε) (equation ``opt-adam-update``).

        params, grads : array-likes of one shape (any number of dimensions).
        Returns the new parameters, an array of params' float dtype.
        """
        func = "Adam.step"
        p = as_float_array(params, "params", func)
        g = as_float_array(grads, "grads", func)
        if g.shape != p.shape:
            raise ValueError(
                f"{func}: grads has shape {g.shape} but params has shape {p.shape}; they must match"
            )
        if self._shape is not None and p.shape != self._shape:
            raise ValueError(
                f"{func}: params has shape {p.shape}, but the previous steps had shape "
                f"{self._shape}; use one Adam per parameter array, or call reset()"
            )
        g = g.astype(p.dtype, copy=False)
        if self.m is None:
            m0 = np.zeros_like(p)
            v0 = np.zeros_like(p)
        else:
            m0, v0 = self.m, self.v
        t = self.t + 1
        m, v, step = _adam_update(
            m0, v0, t, g, self.lr, self.beta1, self.beta2, self.eps,
            self.bias_correction, self.eps_placement,
        )
        with np.errstate(over="ignore", invalid="ignore"):
            new = (p - step).astype(p.dtype, copy=False)
        if not (np.isfinite(new).all() and np.isfinite(v).all()):
            raise ValueError(f"{func}: {_overflow_reason(v, step, t, p.dtype)}")
        self.m, self.v, self.t, self._shape = m, v, t, p.shape
        return new if p.ndim else float(new)


def adam(grad, x0, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, steps=100, *,
         bias_correction=True, eps_placement="algorithm1"):
    """Adam, exactly Kingma & Ba's Algorithm 1 (equations ``opt-adam-moments`` to ``opt-adam-update``).

    m_t = β1 m_{t−1} + (1 − β1) g_t,  v_t = β2 v_{t−1} + (1 − β2) g_t²,
    m̂_t = m_t / (1 − β1^t),  v̂_t = v_t / (1 − β2^t),
    θ_t = θ_{t−1} − α m̂_t / (√v̂_t + ε),   with g_t = ∇f(θ_{t−1}), m_0 = v_0 = 0,
    all operations elementwise. ε is added to √v̂_t after the bias correction.

    Parameters
    ----------
    grad : callable, ``grad(x)`` → ∇f(x)
    x0 : array-like, (d,)
    lr, beta1, beta2, eps, steps : as in the paper (α, β1, β2, ε); defaults are the paper's.
    bias_correction, eps_placement : keyword only; see :class:`Adam`.

    Returns
    -------
    trajectory : ndarray, (steps + 1, d); row 0 is x0.
    """
    func = "adam"
    _check_grad(grad, func)
    x = _start(x0, func)
    lr = _check_lr(lr, func)
    beta1 = _check_beta(beta1, "beta1", func)
    beta2 = _check_beta(beta2, "beta2", func)
    eps = _check_eps(eps, func)
    steps = _check_steps(steps, func)
    bias_correction = _check_bool(bias_correction, "bias_correction", func)
    eps_placement = check_choice(eps_placement, "eps_placement", func, EPS_PLACEMENTS)
    trajectory = np.empty((steps + 1, x.size), dtype=x.dtype)
    trajectory[0] = x
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    for t in range(1, steps + 1):
        g = _gradient(grad, x, t - 1, func)
        m, v, step = _adam_update(m, v, t, g, lr, beta1, beta2, eps, bias_correction, eps_placement)
        with np.errstate(over="ignore", invalid="ignore"):
            x = (x - step).astype(x.dtype, copy=False)
        if not (np.isfinite(x).all() and np.isfinite(v).all()):
            raise ValueError(f"{func}: {_overflow_reason(v, step, t, x.dtype)}")
        trajectory[t] = x
    return trajectory


def _overflow_reason(v, step, t, dtype) -> str:
    """Why an Adam step came out inf or nan: v overflowed, or v underflowed to 0 with eps = 0."""
    if not np.isfinite(v).all():
        return (f"the second moment v overflowed to inf at t = {t}: the gradients are too "
                f"large for {dtype} (g² overflows)")
    if not np.isfinite(step).all():
        return (f"the step is inf at t = {t}: v underflowed to 0 while m did not (gradients "
                f"below √(smallest {dtype}) with eps = 0); use eps > 0")
    return f"the iterate overflowed to inf or nan at t = {t}: the iteration diverged"


def adam_moments(grads, beta1=0.9, beta2=0.999):
    """Adam's moment estimates for a whole sequence of gradients (``opt-adam-moments``, ``opt-adam-correction``).

    grads : array-like, (T,) for one coordinate or (T, d): the gradients g_1, ..., g_T.
    Returns a dict of arrays of the shape of grads: "m" and "v" (m_t, v_t, from
    m_0 = v_0 = 0) and "m_hat" and "v_hat" (divided by 1 − β1^t and 1 − β2^t).
    Row t − 1 holds step t. These are the quantities :class:`Adam` computes, for
    studying the moving averages without taking steps.
    """
    func = "adam_moments"
    g = as_float_array(grads, "grads", func, ndim=(1, 2))
    beta1 = _check_beta(beta1, "beta1", func)
    beta2 = _check_beta(beta2, "beta2", func)
    m = np.empty_like(g)
    v = np.empty_like(g)
    m_prev = np.zeros_like(g[0])
    v_prev = np.zeros_like(g[0])
    for i in range(g.shape[0]):
        m_prev = m[i] = beta1 * m_prev + (1 - beta1) * g[i]
        v_prev = v[i] = beta2 * v_prev + (1 - beta2) * (g[i] * g[i])
    t = np.arange(1, g.shape[0] + 1, dtype=np.float64)
    if g.ndim == 2:
        t = t[:, None]
    correction1 = -np.expm1(t * math.log(beta1)) if beta1 > 0 else np.ones_like(t)
    correction2 = -np.expm1(t * math.log(beta2)) if beta2 > 0 else np.ones_like(t)
    return {
        "m": m,
        "v": v,
        "m_hat": (m / correction1).astype(g.dtype, copy=False),
        "v_hat": (v / correction2).astype(g.dtype, copy=False),
    }


# ------------------------------------------------------------------- test problems
def quadratic(A):
    """The quadratic f(x) = ½ xᵀAx and its gradient ∇f(x) = Ax (equation ``opt-quadratic``).

    A must be a symmetric (d, d) matrix (within 1e-12 relative), otherwise ½xᵀAx
    has gradient ½(A + Aᵀ)x, not Ax. Returns ``(f, grad)``: ``f(x)`` gives a
    float for x of shape (d,) and an (n,) array for a batch (n, d);
    ``grad(x)`` gives an array of x's shape.
    """
    func = "quadratic"
    A = as_float_array(A, "A", func, ndim=2)
    if A.shape[0] != A.shape[1]:
        raise ValueError(f"{func}: A must be a square matrix, got shape {A.shape}")
    scale = float(np.abs(A).max())
    if np.abs(A - A.T).max() > 1e-12 * scale:
        raise ValueError(f"{func}: A must be symmetric (A = Aᵀ); ½xᵀAx has gradient ½(A + Aᵀ)x")
    A = A.copy()
    A.setflags(write=False)
    d = A.shape[0]

    def _x(x, name):
        x = as_float_array(x, "x", name, ndim=(1, 2))
        if x.shape[-1] != d:
            raise ValueError(f"{name}: x has dimension {x.shape[-1]}, but A is {d} × {d}")
        return x

    def f(x):
        """½ xᵀAx (equation ``opt-quadratic``); a batch of rows gives one value per row."""
        x = _x(x, "quadratic f")
        values = 0.5 * np.einsum("...i,ij,...j->...", x, A, x)
        return float(values) if x.ndim == 1 else values

    def grad(x):
        """Ax (equation ``opt-quadratic``), for one x or for every row of a batch."""
        x = _x(x, "quadratic grad")
        return x @ A  # A is symmetric: (Ax)ᵀ = xᵀA

    f.A = grad.A = A
    return f, grad


def _rosenbrock_args(x, a, b, func):
    x = as_float_array(x, "x", func, ndim=(1, 2))
    if x.shape[-1] < 2:
        raise ValueError(f"{func}: x must have at least 2 coordinates, got {x.shape[-1]}")
    a = _real(a, "a", func)
    b = _real(b, "b", func)
    if b <= 0:
        raise ValueError(f"{func}: b must be positive, got {b}")
    return x, a, b


def rosenbrock(x, a=1.0, b=100.0):
    """Rosenbrock's function, Σ_i [(a − x_i)² + b (x_{i+1} − x_i²)²] (equation ``opt-rosenbrock``).

    For d = 2 it is (a − x)² + b (y − x²)², with its minimum 0 at (a, a²) at the
    bottom of a curved, narrow valley. x (d,) gives a float; (n, d) one value per row.
    """
    x, a, b = _rosenbrock_args(x, a, b, "rosenbrock")
    head, tail = x[..., :-1], x[..., 1:]
    values = ((a - head) ** 2 + b * (tail - head**2) ** 2).sum(axis=-1)
    return float(values) if x.ndim == 1 else values


def rosenbrock_grad(x, a=1.0, b=100.0):
    """Gradient of :func:`rosenbrock` (equation ``opt-rosenbrock``), of the shape of x.

    For d = 2: (−2(a − x) − 4bx(y − x²), 2b(y − x²)).
    """
    x, a, b = _rosenbrock_args(x, a, b, "rosenbrock_grad")
    head, tail = x[..., :-1], x[..., 1:]
    inner = tail - head**2
    g = np.zeros_like(x)
    g[..., :-1] += -2 * (a - head) - 4 * b * head * inner
    g[..., 1:] += 2 * b * inner
    return g


def rosenbrock_hessian(x, a=1.0, b=100.0):
    """Hessian of Rosenbrock's function (equation ``opt-rosenbrock``) at one point x (d,).

    A (d, d) tridiagonal matrix, the second derivatives of :func:`rosenbrock`.

    For d = 2: [[2 − 4b(y − x²) + 8bx², −4bx], [−4bx, 2b]]; at the minimum
    (1, 1) with b = 100 it is [[802, −400], [−400, 200]], with condition number ≈ 2508.
    (``a`` does not enter the Hessian; it is accepted to match the other two functions.)
    """
    x, a, b = _rosenbrock_args(x, a, b, "rosenbrock_hessian")
    if x.ndim != 1:
        raise ValueError(f"rosenbrock_hessian: x must be one point (1-D), got shape {x.shape}")
    d = x.size
    H = np.zeros((d, d), dtype=x.dtype)
    for i in range(d - 1):
        xi, xj = x[i], x[i + 1]
        H[i, i] += 2 - 4 * b * (xj - xi**2) + 8 * b * xi**2
        H[i, i + 1] += -4 * b * xi
        H[i + 1, i] += -4 * b * xi
        H[i + 1, i + 1] += 2 * b
    return H


# ----------------------------------------------------------------- rates and bounds
def gd_contraction_factors(eigenvalues, lr):
    """|1 − η λ_i|: how much gradient descent shrinks each eigen-direction per step (``opt-gd-eigen``).

    On ½xᵀAx, the coordinate of x_t along the eigenvector of λ_i is multiplied
    by (1 − ηλ_i) at every step; the iteration converges from every start iff
    every factor is < 1. A scalar gives a float, an array an array.
    """
    func = "gd_contraction_factors"
    lam = as_float_array(eigenvalues, "eigenvalues", func)
    lr = _check_lr(lr, func)
    factors = np.abs(1 - lr * lam)
    return float(factors) if factors.ndim == 0 else factors


def _mu_L(mu, L, func):
    mu = _real(mu, "mu", func)
    L = _real(L, "L", func)
    if mu <= 0:
        raise ValueError(f"{func}: mu (the smallest eigenvalue) must be positive, got {mu}")
    if L < mu:
        raise ValueError(f"{func}: L (the largest eigenvalue) must be at least mu = {mu}, got {L}")
    return mu, L


def optimal_step_size(mu, L):
    """The best fixed step for gradient descent on a quadratic and its rate (``opt-gd-best-step``).

    With eigenvalues in [μ, L], μ > 0: η* = 2/(μ + L) minimises
    max_i |1 − ηλ_i|, and the minimum is (κ − 1)/(κ + 1) with κ = L/μ.
    Returns ``(lr, rate)`` as floats.
    """
    mu, L = _mu_L(mu, L, "optimal_step_size")
    return 2.0 / (mu + L), (L - mu) / (L + mu)


def heavy_ball_parameters(mu, L):
    """Polyak's tuning of heavy-ball momentum on a quadratic (equation ``opt-momentum-rate``).

    η = 4/(√L + √μ)², β = ((√κ − 1)/(√κ + 1))², for which every eigen-direction
    with λ in [μ, L] contracts at the asymptotic rate √β = (√κ − 1)/(√κ + 1)
    per step. Returns ``(lr, beta, rate)`` as floats.
    """
    mu, L = _mu_L(mu, L, "heavy_ball_parameters")
    sm, sL = math.sqrt(mu), math.sqrt(L)
    rate = (sL - sm) / (sL + sm)
    return 4.0 / (sL + sm) ** 2, rate * rate, rate


def adam_step_bound(t, beta1=0.9, beta2=0.999):
    """The largest possible |Δ_t|/α of Adam with ε = 0, over all gradient histories (``opt-adam-step-sup``).

    B_t = (1 − β1)/(1 − β1^t) · √((1 − β2^t)/(1 − β2)) · √(Σ_{k<t} r^k),
    with r = β1²/β2. The supremum is attained (Cauchy–Schwarz is an equality)
    when g_i ∝ (β2/β1)^i, all of one sign. B_1 = 1. t may be an integer or an
    array of integers ≥ 1; a float is returned for an integer.
    For β1² < β2, B_t → (1 − β1)/√((1 − β2)(1 − β1²/β2)) as t → ∞.
    """
    func = "adam_step_bound"
    beta1 = _check_beta(beta1, "beta1", func)
    beta2 = _check_beta(beta2, "beta2", func)
    if beta2 == 0:
        raise ValueError(f"{func}: beta2 must be positive (β1²/β2 is undefined for β2 = 0)")
    ts = np.asarray(t)
    if ts.dtype.kind not in "iu" or (ts < 1).any():
        raise ValueError(f"{func}: t must be an integer ≥ 1 (or an array of them), got {t!r}")
    ts = ts.astype(np.float64)
    r = beta1 * beta1 / beta2
    geometric = ts if r == 1 else -np.expm1(ts * math.log(r)) / (1 - r) if r > 0 else np.ones_like(ts)
    bound = (
        (1 - beta1) / -np.expm1(ts * math.log(beta1)) if beta1 > 0 else np.ones_like(ts)
    ) * np.sqrt(-np.expm1(ts * math.log(beta2)) / (1 - beta2)) * np.sqrt(geometric)
    return float(bound) if bound.ndim == 0 else bound
