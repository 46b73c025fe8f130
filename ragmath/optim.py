"""Gradient descent and Adam (chapter 6, "Gradient descent and Adam").

Every public function cites the label of the equation it implements in
``book/06-optimisation.md`` in its summary line; the chapter checks each one
numerically.

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

The chapter's experiments are computed here too: the test problems
(:data:`PROBLEMS`, :func:`problem`, :func:`problem_contours`), the three
optimisers on them (:func:`run_optimisers`), gradient descent against momentum
at their best tuning (:func:`convergence_curves`), and Adam's moments and steps
with and without bias correction (:func:`bias_correction_curves`,
:func:`adam_single_gradient_step`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validation import (
    as_float_array,
    check_choice,
    check_interval,
    check_positive_float,
    check_positive_int,
    check_random_state,
    first_bad_index,
)

__all__ = [
    "ArgumentTypeError",
    "gradient_descent",
    "momentum",
    "nesterov",
    "adam",
    "Adam",
    "amsgrad",
    "adamw",
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
    "Problem",
    "PROBLEMS",
    "problem",
    "contour_lines",
    "problem_contours",
    "run_optimisers",
    "convergence_curves",
    "bias_correction_curves",
    "adam_single_gradient_step",
    "reddi_counterexample",
]

#: The placements of ε that :func:`adam` and :class:`Adam` implement.
EPS_PLACEMENTS = ("algorithm1", "epsilon_hat", "inside_sqrt")


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type (a non-callable ``grad``, a float ``steps``).

    It is both a :class:`TypeError` (the package's convention for a wrong type)
    and a :class:`ValueError` (the convention for any bad argument), so either
    ``except`` clause catches it.

    Examples
    --------
    >>> try:
    ...     gradient_descent(lambda x: x, [1.0], lr=0.1, steps=2.5)
    ... except ValueError as error:
    ...     print(type(error).__name__, isinstance(error, TypeError))
    ArgumentTypeError True
    """


# ----------------------------------------------------------------------- validation
def _typed(check, *args, **kwargs):
    """A check of :mod:`ragmath._validation` whose wrong-type TypeError becomes an ArgumentTypeError."""
    try:
        return check(*args, **kwargs)
    except TypeError as exc:
        raise ArgumentTypeError(str(exc)) from None


def _check_lr(lr, func: str, name: str = "lr") -> float:
    """The step size: a finite number > 0."""
    return _typed(check_positive_float, lr, name, func)


def _check_beta(beta, name: str, func: str) -> float:
    """A decay rate in [0, 1)."""
    return _typed(check_interval, beta, name, func, 0.0, 1.0, closed="left")


def _check_eps(eps, func: str) -> float:
    return _typed(check_positive_float, eps, "eps", func, allow_zero=True)


def _check_steps(steps, func: str) -> int:
    return _typed(check_positive_int, steps, "steps", func, minimum=0)


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
    """Gradient descent x_{t+1} = x_t − η ∇f(x_t) (``opt-gd``, ``opt-gd-quadratic``, ``opt-gd-stability``).

    On the quadratic ½xᵀAx the iterates are x_t = (I − ηA)^t x0: they
    converge for every x0 if and only if 0 < η < 2/λ_max.

    Parameters
    ----------
    grad : callable
        ``grad(x)`` returns ∇f(x), an array of the shape of x.
    x0 : array-like, (d,)
        The start; a scalar is a vector of dimension 1.
    lr : float > 0
        The step size η (learning rate).
    steps : int ≥ 0

    Returns
    -------
    ndarray, (steps + 1, d)
        The trajectory, in x0's float dtype; row 0 is x0.

    Raises
    ------
    ValueError
        For a gradient that is not finite or of the wrong shape (naming grad
        and the step: a diverging iteration ends this way), a bad lr or x0.
    ArgumentTypeError
        For a grad that is not callable or a steps that is not an integer.

    Examples
    --------
    >>> print(gradient_descent(lambda x: 2 * x, [1.0], lr=0.25, steps=3).ravel())
    [1.    0.5   0.25  0.125]
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
    """Heavy-ball momentum, x_{t+1} = x_t − η ∇f(x_t) + β (x_t − x_{t−1}) (equation ``opt-momentum``).

    Polyak (1964).

    x_{−1} = x0 (no initial velocity); β = 0 is gradient descent.
    Equivalently, with the velocity u_{t+1} = β u_t − η ∇f(x_t) and u_0 = 0,
    x_{t+1} = x_t + u_{t+1}.

    Parameters
    ----------
    grad, x0, lr, steps
        As in :func:`gradient_descent`.
    beta : float in [0, 1)

    Returns
    -------
    ndarray, (steps + 1, d)
        The trajectory; row 0 is x0.

    Raises
    ------
    ValueError, ArgumentTypeError
        As :func:`gradient_descent`, and for a beta outside [0, 1).

    Examples
    --------
    >>> print(momentum(lambda x: 2 * x, [1.0], lr=0.25, beta=0.5, steps=3).ravel())
    [ 1.    0.5   0.   -0.25]
    """
    return _momentum_loop("momentum", grad, x0, lr, beta, steps, look_ahead=False)


# ----------------------------------------------------------------- Nesterov's method
def nesterov(grad, x0, lr, beta, steps):
    """Nesterov's method: x_{t+1} = y_t − η ∇f(y_t), y_t = x_t + β(x_t − x_{t−1}) (``opt-nesterov``).

    Nesterov (1983), in the momentum form of Sutskever et al. (2013): the
    gradient is taken at the look-ahead point y_t, not at x_t as in
    :func:`momentum`. x_{−1} = x0; β = 0 is gradient descent.

    Parameters
    ----------
    grad, x0, lr, steps
        As in :func:`gradient_descent`.
    beta : float in [0, 1)

    Returns
    -------
    ndarray, (steps + 1, d)
        The iterates x_t; row 0 is x0.

    Raises
    ------
    ValueError, ArgumentTypeError
        As :func:`momentum`.

    Examples
    --------
    >>> print(nesterov(lambda x: 2 * x, [1.0], lr=0.25, beta=0.5, steps=3).ravel())
    [ 1.       0.5      0.125   -0.03125]
    """
    return _momentum_loop("nesterov", grad, x0, lr, beta, steps, look_ahead=True)


def _momentum_loop(func, grad, x0, lr, beta, steps, *, look_ahead):
    """The loop of :func:`momentum` and :func:`nesterov`: they differ only in where ∇f is taken.

    Heavy ball (``opt-momentum``): x_{t+1} = x_t − η ∇f(x_t) + β (x_t − x_{t−1}).
    Nesterov (``opt-nesterov``, ``look_ahead=True``): the gradient at the look-ahead
    point y_t = x_t + β (x_t − x_{t−1}), then x_{t+1} = y_t − η ∇f(y_t).
    """
    _check_grad(grad, func)
    x = _start(x0, func)
    lr = _check_lr(lr, func)
    beta = _check_beta(beta, "beta", func)
    steps = _check_steps(steps, func)
    trajectory = np.empty((steps + 1, x.size), dtype=x.dtype)
    trajectory[0] = x
    previous = x
    for t in range(steps):
        if look_ahead:
            with np.errstate(over="ignore", invalid="ignore"):
                y = x + beta * (x - previous)
            _check_iterate(y, t, func)
            g = _gradient(grad, y, t, func)
            with np.errstate(over="ignore", invalid="ignore"):
                x, previous = y - lr * g, x
        else:
            g = _gradient(grad, x, t, func)
            with np.errstate(over="ignore", invalid="ignore"):
                x, previous = x - lr * g + beta * (x - previous), x
        _check_iterate(x, t + 1, func)
        trajectory[t + 1] = x
    return trajectory


# --------------------------------------------------------------------------- Adam
def _adam_update(m, v, t, g, lr, beta1, beta2, eps, bias_correction, eps_placement, v_max=None):
    """One step of Adam: the new moments and the step −α·(direction).

    Follows Algorithm 1 of Kingma & Ba line by line (equations
    ``opt-adam-moments``, ``opt-adam-correction``, ``opt-adam-update``), with the
    same order of operations. Where the denominator is 0 (only possible with
    eps = 0, when every gradient so far was 0, and then m is 0 too) the step
    is 0, the limit of 0/(0 + ε) as ε → 0.

    AMSGrad (``opt-amsgrad``) passes ``v_max``, the running maximum v̄_{t−1}:
    it becomes v̄_t = max(v̄_{t−1}, v_t) and takes the place of v_t in the
    denominator. Returns (m_t, v_t, v̄_t or None, step).
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * (g * g)  # an overflow is reported by the caller
        if v_max is not None:
            v_max = np.maximum(v_max, v)
        v_den = v if v_max is None else v_max  # the v of the denominator
        if eps_placement == "epsilon_hat":
            # α_t = α √(1 − β2^t) / (1 − β1^t);  θ ← θ − α_t m_t / (√v_t + ε̂)
            if bias_correction:
                lr_t = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)
            else:
                lr_t = lr
            numerator, denominator = m, np.sqrt(v_den) + eps
            step = lr_t * (numerator / denominator)
        else:
            if bias_correction:
                m_hat = m / (1 - beta1**t)
                v_hat = v_den / (1 - beta2**t)
            else:
                m_hat, v_hat = m, v_den
            if eps_placement == "algorithm1":
                denominator = np.sqrt(v_hat) + eps
            else:  # "inside_sqrt"
                denominator = np.sqrt(v_hat + eps)
            numerator = m_hat
            step = lr * (numerator / denominator)
        if eps == 0:
            step = np.where((numerator == 0) & (denominator == 0), 0, step).astype(step.dtype)
    return m, v, v_max, step


class Adam:
    """Adam, keeping its state between steps; other places of ε (``opt-adam-eps-hat``, ``opt-adam-eps-sqrt``).

    Kingma & Ba (2015), Algorithm 1: the moments m_t, v_t (``opt-adam-moments``),
    their bias correction (``opt-adam-correction``) and the update
    θ_t = θ_{t−1} − α m̂_t / (√v̂_t + ε) (``opt-adam-update``). Each call of
    :meth:`step` is one step t → t + 1; the shape of ``params`` must stay the
    same from call to call, and :meth:`reset` forgets the state.

    Parameters
    ----------
    lr : float > 0, default 1e-3
        The step size α.
    beta1, beta2 : float in [0, 1), defaults 0.9 and 0.999
        Decay rates of the moment estimates m_t and v_t.
    eps : float ≥ 0, default 1e-8
        Added to √v̂_t after the bias correction, as in Algorithm 1.
    bias_correction : bool, keyword only, default True
        False skips the division by 1 − β^t, for the chapter's comparison;
        Adam itself always corrects.
    eps_placement : {"algorithm1", "epsilon_hat", "inside_sqrt"}, keyword only
        "algorithm1" (the default): α m̂_t / (√v̂_t + ε). "epsilon_hat":
        α_t m_t / (√v_t + ε) with α_t = α √(1 − β2^t)/(1 − β1^t), the
        reformulation at the end of Section 2 of the paper, where ε is the
        paper's ε̂. "inside_sqrt": α m̂_t / √(v̂_t + ε).

    Attributes
    ----------
    t : int
        Number of steps taken so far.
    m, v : ndarray or None
        The first and second moment estimates m_t and v_t (before bias correction).

    Raises
    ------
    ValueError
        For a hyperparameter out of its range or an unknown eps_placement.
    ArgumentTypeError
        For a hyperparameter of the wrong type.

    Examples
    --------
    >>> opt = Adam(lr=0.1)
    >>> print(opt.step([1.0, -2.0], [3.0, -0.5]), opt.t)  # the first step moves every coordinate by α
    [ 0.9 -1.9] 1
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
        """Forget the moments and the step count: t = 0, m = v = None.

        The next step starts again from m_0 = v_0 = 0 (``opt-adam-moments``).

        Returns
        -------
        None

        Examples
        --------
        >>> opt = Adam()
        >>> _ = opt.step([1.0], [1.0])
        >>> opt.reset()
        >>> print(opt.t, opt.m)
        0 None
        """
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
        """One Adam step from the current state.

        θ_t = θ_{t−1} − α m̂_t / (√v̂_t + ε) (``opt-adam-update``) with the
        default placement of ε.

        Parameters
        ----------
        params, grads : array-like of one shape (any number of dimensions)
            θ_{t−1} and g_t = ∇f(θ_{t−1}).

        Returns
        -------
        ndarray or float
            The new parameters θ_t, a new array of params' float dtype (a
            float for a scalar); ``params`` is not modified.

        Raises
        ------
        ValueError
            For nan or inf, grads of another shape than params, params of
            another shape than in the previous steps, or a step that overflows
            (the state is then left unchanged).

        Examples
        --------
        >>> opt = Adam(lr=0.5)
        >>> x = 2.0
        >>> for _ in range(3):
        ...     x = opt.step(x, 2 * x)  # f(x) = x²
        >>> print(f"{x:.4f}")
        0.5370
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
        m, v, _, step = _adam_update(
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
         bias_correction=True, eps_placement="algorithm1", bounds=None):
    """Adam, exactly Kingma & Ba's Algorithm 1: θ_t = θ_{t−1} − α m̂_t / (√v̂_t + ε) (``opt-adam-update``).

    m_t = β1 m_{t−1} + (1 − β1) g_t,  v_t = β2 v_{t−1} + (1 − β2) g_t²
    (``opt-adam-moments``), m̂_t = m_t / (1 − β1^t),  v̂_t = v_t / (1 − β2^t)
    (``opt-adam-correction``), with g_t = ∇f(θ_{t−1}), m_0 = v_0 = 0, all
    operations elementwise. ε is added to √v̂_t after the bias correction.

    Parameters
    ----------
    grad : callable
        ``grad(x)`` returns ∇f(x).
    x0 : array-like, (d,)
    lr, beta1, beta2, eps : float
        α, β1, β2 and ε of the paper; the defaults are the paper's.
    steps : int ≥ 0, default 100
    bias_correction, eps_placement : keyword only
        See :class:`Adam`.
    bounds : None or (low, high), keyword only
        Project every iterate on the box [low, high]^d (clipping), as in
        the online setting of Kingma & Ba's Section 4 and of
        :func:`amsgrad`; None (the default) for no constraint.

    Returns
    -------
    ndarray, (steps + 1, d)
        The trajectory; row 0 is x0 (projected on the box).

    Raises
    ------
    ValueError, ArgumentTypeError
        As :func:`gradient_descent` and :class:`Adam`, when the second
        moment or the iterate overflows, and for bad bounds.

    Examples
    --------
    >>> print(adam(lambda x: 2 * x, [1.0, -3.0], lr=0.1, steps=2).round(4))  # about α per step
    [[ 1.     -3.    ]
     [ 0.9    -2.9   ]
     [ 0.8004 -2.8001]]
    """
    return _adam_loop("adam", grad, x0, lr, beta1, beta2, eps, steps, bias_correction=bias_correction,
                      eps_placement=eps_placement, bounds=bounds)


def _check_bounds(bounds, func: str):
    """None, or a pair (low, high) of numbers with low < high (a box for every coordinate)."""
    if bounds is None:
        return None
    try:
        low, high = bounds
    except (TypeError, ValueError):
        raise ValueError(f"{func}: bounds must be None or a pair (low, high), got {bounds!r}") from None
    low = _typed(check_interval, low, "bounds[0]", func)
    high = _typed(check_interval, high, "bounds[1]", func)
    if not low < high:
        raise ValueError(f"{func}: bounds must have low < high, got {bounds!r}")
    return low, high


def amsgrad(grad, x0, lr=1e-3, beta1=0.9, beta2=0.999, eps=0.0, steps=100, *, bounds=None):
    """AMSGrad, x_t = Π(x_{t−1} − α m_t / (√v̄_t + ε)) with v̄_t = max(v̄_{t−1}, v_t) (``opt-amsgrad``).

    Reddi, Kale & Kumar (2018), Algorithm 2 with a constant step size α:
    the moments m_t and v_t of :func:`adam` (``opt-adam-moments``) without
    bias correction, and the running maximum v̄_t of v_t in the denominator
    (the paper's v̂_t), so that the effective step α/√v̄_t never grows. Π is the projection on
    the box ``bounds`` (for a box, the paper's projection in the norm of
    √v̄_t is coordinate-wise clipping). PyTorch's ``Adam(amsgrad=True)``
    differs: it also divides m and the maximum by the bias corrections.

    Parameters
    ----------
    grad, x0, steps
        As in :func:`adam`.
    lr, beta1, beta2 : float
        α, β1, β2.
    eps : float ≥ 0, default 0
        Added to √v̄_t (the paper has none); a step whose numerator and
        denominator are both 0 is 0.
    bounds : None or (low, high), keyword only
        The feasible box [low, high]^d; None for no constraint.

    Returns
    -------
    ndarray, (steps + 1, d)
        The trajectory; row 0 is x0 (projected on the box).

    Raises
    ------
    ValueError, ArgumentTypeError
        As :func:`adam`, and for bounds that are not a pair low < high.

    Examples
    --------
    >>> # β1 = β2 = 0: the step is α g_t / max_i |g_i|, which shrinks with the gradient
    >>> print(amsgrad(lambda x: 2 * x, [1.0], lr=0.1, beta1=0.0, beta2=0.0, steps=3).ravel())
    [1.    0.9   0.81  0.729]
    """
    return _adam_loop("amsgrad", grad, x0, lr, beta1, beta2, eps, steps, bias_correction=False,
                      bounds=bounds, amsgrad=True)


def adamw(grad, x0, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, steps=100, weight_decay=0.01):
    """AdamW, Adam with decoupled weight decay: x_t = x_{t−1} − α m̂_t/(√v̂_t + ε) − λ x_{t−1} (``opt-adamw``).

    Loshchilov & Hutter (2019), Algorithm 2 without a schedule (η_t = 1): the
    decay λ x_{t−1} is applied to the parameters directly and does not pass
    through Adam's moments, unlike an L2 penalty ½λ'‖x‖² added to the loss.
    PyTorch's ``AdamW(lr, weight_decay)`` multiplies its decay by lr:
    its ``weight_decay`` is λ/α in this notation.

    Parameters
    ----------
    grad, x0, lr, beta1, beta2, eps, steps
        As in :func:`adam`.
    weight_decay : float ≥ 0, default 0.01
        λ, the fraction of x_{t−1} removed at every step; 0 is :func:`adam`.

    Returns
    -------
    ndarray, (steps + 1, d)
        The trajectory; row 0 is x0.

    Raises
    ------
    ValueError, ArgumentTypeError
        As :func:`adam`, and for a weight_decay outside [0, 1).

    Examples
    --------
    >>> print(adamw(lambda x: 0 * x, [1.0, -2.0], weight_decay=0.5, steps=2))  # no loss: x halves
    [[ 1.   -2.  ]
     [ 0.5  -1.  ]
     [ 0.25 -0.5 ]]
    """
    decay = _typed(check_interval, weight_decay, "weight_decay", "adamw", 0.0, 1.0, closed="left")
    return _adam_loop("adamw", grad, x0, lr, beta1, beta2, eps, steps, weight_decay=decay)


def _adam_loop(func, grad, x0, lr, beta1, beta2, eps, steps, *, bias_correction=True,
               eps_placement="algorithm1", bounds=None, amsgrad=False, weight_decay=None):
    """The loop of :func:`adam`, :func:`amsgrad` and :func:`adamw`: Algorithm 1, step by step.

    Each step is :func:`_adam_update` (the moments ``opt-adam-moments`` and the
    step of ``opt-adam-update``); the two variants change one line each.
    AMSGrad (``amsgrad=True``) keeps the running maximum v̄_t and divides by it
    (``opt-amsgrad``); AdamW subtracts the decoupled decay λ x_{t−1} after the
    step (``opt-adamw``; None for Adam and AMSGrad). ``bounds`` projects every
    iterate on a box.
    """
    _check_grad(grad, func)
    x = _start(x0, func)
    lr = _check_lr(lr, func)
    beta1 = _check_beta(beta1, "beta1", func)
    beta2 = _check_beta(beta2, "beta2", func)
    eps = _check_eps(eps, func)
    steps = _check_steps(steps, func)
    bias_correction = _check_bool(bias_correction, "bias_correction", func)
    eps_placement = check_choice(eps_placement, "eps_placement", func, EPS_PLACEMENTS)
    box = _check_bounds(bounds, func)
    if box is not None:
        x = np.clip(x, *box)
    trajectory = np.empty((steps + 1, x.size), dtype=x.dtype)
    trajectory[0] = x
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    v_max = np.zeros_like(x) if amsgrad else None
    for t in range(1, steps + 1):
        g = _gradient(grad, x, t - 1, func)
        m, v, v_max, step = _adam_update(m, v, t, g, lr, beta1, beta2, eps, bias_correction,
                                         eps_placement, v_max)
        with np.errstate(over="ignore", invalid="ignore"):
            if weight_decay is not None:  # AdamW: x_t = x_{t−1} − step − λ x_{t−1}
                x = (x - step - weight_decay * x).astype(x.dtype, copy=False)
            else:
                x = (x - step).astype(x.dtype, copy=False)
        if box is not None:
            x = np.clip(x, *box)
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
    """Adam's moments of given gradients, corrected or not (``opt-adam-moments``, ``opt-adam-correction``).

    These are the quantities :class:`Adam` computes, for studying the moving
    averages without taking steps: m_t, v_t from m_0 = v_0 = 0, and m̂_t, v̂_t
    divided by 1 − β1^t and 1 − β2^t.

    Parameters
    ----------
    grads : array-like, (T,) or (T, d)
        The gradients g_1, ..., g_T, for one coordinate or for d.
    beta1, beta2 : float in [0, 1)

    Returns
    -------
    dict of ndarray
        "m", "v", "m_hat" and "v_hat", each of the shape of grads; row t − 1
        holds step t.

    Raises
    ------
    ValueError
        For nan or inf gradients or a beta outside [0, 1).

    Examples
    --------
    >>> mom = adam_moments([1.0, 1.0, 1.0])
    >>> print(mom["m"].round(3), mom["m_hat"].round(12))  # m̂_t = g for a constant gradient
    [0.1   0.19  0.271] [1. 1. 1.]
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

    A must be symmetric (within 1e-12 relative), otherwise ½xᵀAx has gradient
    ½(A + Aᵀ)x, not Ax. Both functions carry the (read-only) matrix as ``.A``.

    Parameters
    ----------
    A : array-like, (d, d)
        A symmetric matrix.

    Returns
    -------
    f : callable
        ``f(x)`` gives a float for x of shape (d,), an (n,) array for a batch (n, d).
    grad : callable
        ``grad(x)`` gives an array of x's shape.

    Raises
    ------
    ValueError
        For a matrix that is not square or not symmetric; f and grad raise for
        an x of the wrong dimension.

    Examples
    --------
    >>> f, grad = quadratic([[2.0, 0.0], [0.0, 4.0]])
    >>> print(f([1.0, 1.0]), grad([1.0, 1.0]))
    3.0 [2. 4.]
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
    a = _typed(check_interval, a, "a", func)
    b = _typed(check_positive_float, b, "b", func)
    return x, a, b


def rosenbrock(x, a=1.0, b=100.0):
    """Rosenbrock's function Σ_i [(a − x_i)² + b (x_{i+1} − x_i²)²] (equation ``opt-rosenbrock``).

    For d = 2 it is (a − x)² + b (y − x²)², with its minimum 0 at (a, a²) at
    the bottom of a curved, narrow valley.

    Parameters
    ----------
    x : array-like, (d,) or (n, d), d ≥ 2
    a : float, default 1
    b : float > 0, default 100

    Returns
    -------
    float or ndarray
        A float for one point, one value per row for a batch.

    Raises
    ------
    ValueError
        For fewer than 2 coordinates, nan or inf, or b ≤ 0.

    Examples
    --------
    >>> print(rosenbrock([1.0, 1.0]), round(rosenbrock([-1.2, 1.0]), 2))
    0.0 24.2
    """
    x, a, b = _rosenbrock_args(x, a, b, "rosenbrock")
    head, tail = x[..., :-1], x[..., 1:]
    values = ((a - head) ** 2 + b * (tail - head**2) ** 2).sum(axis=-1)
    return float(values) if x.ndim == 1 else values


def rosenbrock_grad(x, a=1.0, b=100.0):
    """Gradient of :func:`rosenbrock`, of the shape of x.

    For d = 2: (−2(a − x) − 4bx(y − x²), 2b(y − x²)), the derivative of
    ``opt-rosenbrock``. This is the one gradient of the chapter's Rosenbrock
    problem (:data:`PROBLEMS`).

    Parameters
    ----------
    x : array-like, (d,) or (n, d), d ≥ 2
    a : float, default 1
    b : float > 0, default 100

    Returns
    -------
    ndarray
        Of the shape of x.

    Raises
    ------
    ValueError
        As :func:`rosenbrock`.

    Examples
    --------
    >>> print(rosenbrock_grad([1.0, 1.0]), rosenbrock_grad([-1.2, 1.0]).round(1))
    [0. 0.] [-215.6  -88. ]
    """
    x, a, b = _rosenbrock_args(x, a, b, "rosenbrock_grad")
    head, tail = x[..., :-1], x[..., 1:]
    inner = tail - head**2
    g = np.zeros_like(x)
    g[..., :-1] += -2 * (a - head) - 4 * b * head * inner
    g[..., 1:] += 2 * b * inner
    return g


def rosenbrock_hessian(x, a=1.0, b=100.0):
    """Hessian of Rosenbrock's function at one point x (d,), a (d, d) tridiagonal matrix.

    The second derivatives of ``opt-rosenbrock``. For d = 2:
    [[2 − 4b(y − x²) + 8bx², −4bx], [−4bx, 2b]]; at the minimum (1, 1) with
    b = 100 it is [[802, −400], [−400, 200]], with condition number ≈ 2508.

    Parameters
    ----------
    x : array-like, (d,), d ≥ 2
    a : float, default 1
        Does not enter the Hessian; accepted to match the other two functions.
    b : float > 0, default 100

    Returns
    -------
    ndarray, (d, d)

    Raises
    ------
    ValueError
        For a batch of points, or as :func:`rosenbrock`.

    Examples
    --------
    >>> print(rosenbrock_hessian([1.0, 1.0]))
    [[ 802. -400.]
     [-400.  200.]]
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
    every factor is < 1.

    Parameters
    ----------
    eigenvalues : float or array-like
    lr : float > 0

    Returns
    -------
    float or ndarray
        A float for a scalar.

    Raises
    ------
    ValueError
        For nan or inf eigenvalues or a bad lr.

    Examples
    --------
    >>> print(gd_contraction_factors([1.0, 10.0, 25.0], lr=0.1))
    [0.9 0.  1.5]
    """
    func = "gd_contraction_factors"
    lam = as_float_array(eigenvalues, "eigenvalues", func)
    lr = _check_lr(lr, func)
    factors = np.abs(1 - lr * lam)
    return float(factors) if factors.ndim == 0 else factors


def _mu_L(mu, L, func):
    """The extreme eigenvalues: 0 < mu ≤ L < ∞."""
    mu = _typed(check_positive_float, mu, "mu", func)
    L = _typed(check_interval, L, "L", func, mu)
    return mu, L


def optimal_step_size(mu, L):
    """Best fixed step η* = 2/(μ + L) of gradient descent on a quadratic, and its rate (``opt-gd-best-step``).

    With eigenvalues in [μ, L], μ > 0, η* minimises max_i |1 − ηλ_i|, and the
    minimum is (κ − 1)/(κ + 1) with κ = L/μ.

    Parameters
    ----------
    mu : float > 0
        The smallest eigenvalue.
    L : float ≥ mu
        The largest.

    Returns
    -------
    lr, rate : float

    Raises
    ------
    ValueError
        For mu ≤ 0 or L < mu.

    Examples
    --------
    >>> print(optimal_step_size(1.0, 9.0))
    (0.2, 0.8)
    """
    mu, L = _mu_L(mu, L, "optimal_step_size")
    return 2.0 / (mu + L), (L - mu) / (L + mu)


def heavy_ball_parameters(mu, L):
    """Polyak's tuning of heavy-ball momentum on a quadratic (equation ``opt-momentum-rate``).

    η = 4/(√L + √μ)², β = ((√κ − 1)/(√κ + 1))², for which every
    eigen-direction with λ in [μ, L] contracts at the asymptotic rate
    √β = (√κ − 1)/(√κ + 1) per step.

    Parameters
    ----------
    mu : float > 0
    L : float ≥ mu

    Returns
    -------
    lr, beta, rate : float

    Raises
    ------
    ValueError
        For mu ≤ 0 or L < mu.

    Examples
    --------
    >>> print(heavy_ball_parameters(1.0, 9.0))
    (0.25, 0.25, 0.5)
    """
    mu, L = _mu_L(mu, L, "heavy_ball_parameters")
    sm, sL = math.sqrt(mu), math.sqrt(L)
    rate = (sL - sm) / (sL + sm)
    return 4.0 / (sL + sm) ** 2, rate * rate, rate


def adam_step_bound(t, beta1=0.9, beta2=0.999):
    """The largest |Δ_t|/α of Adam with ε = 0 over all gradient histories (equation ``opt-adam-step-sup``).

    B_t = (1 − β1)/(1 − β1^t) · √((1 − β2^t)/(1 − β2)) · √(Σ_{k<t} r^k),
    with r = β1²/β2. The supremum is attained (Cauchy–Schwarz is an equality)
    when g_i ∝ (β2/β1)^i, all of one sign. B_1 = 1. For β1² < β2,
    B_t → (1 − β1)/√((1 − β2)(1 − β1²/β2)) as t → ∞.

    Parameters
    ----------
    t : int ≥ 1 or array-like of them
    beta1 : float in [0, 1), default 0.9
    beta2 : float in (0, 1), default 0.999

    Returns
    -------
    float or ndarray
        A float for an integer t.

    Raises
    ------
    ValueError
        For t < 1 or not an integer, a beta out of range, or beta2 = 0.

    Examples
    --------
    >>> print(adam_step_bound(1), round(adam_step_bound(10**6), 2))
    1.0 7.27
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


# ------------------------------------------------------- the chapter's test problems
@dataclass(frozen=True)
class Problem:
    """A 2-D test problem of the chapter: f, its gradient, a start and a view.

    A quadratic (``opt-quadratic``) or Rosenbrock's function (``opt-rosenbrock``).

    ``f`` and ``grad`` are the chapter module's own functions (:func:`quadratic`,
    :func:`rosenbrock`, :func:`rosenbrock_grad`): one gradient per problem.

    Parameters
    ----------
    name, title : str
        The key in :data:`PROBLEMS` and a title for figures.
    f, grad : callable
        f on one point (a float) or on a batch of rows (an array), and its gradient.
    x0, minimum : tuple of float
        The start of the optimisers and the minimiser x*.
    xlim, ylim : tuple of float
        The view of the contour plots.
    levels : tuple of float
        The values of f at the contour lines.
    L, mu : float
        The largest and smallest eigenvalues of the Hessian (at the minimum, for Rosenbrock).

    Examples
    --------
    >>> p = problem("quadratic")
    >>> print(p.x0, p.mu, p.L, p.f(np.array(p.minimum)))
    (-4.5, 1.5) 1.0 25.0 0.0
    """

    name: str
    title: str
    f: object
    grad: object
    x0: tuple
    minimum: tuple
    xlim: tuple
    ylim: tuple
    levels: tuple
    L: float
    mu: float


def _rotation(degrees: float) -> np.ndarray:
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return np.array([[c, -s], [s, c]])


def _quadratic_problem(name, title, A, x0, xlim, ylim) -> Problem:
    f, grad = quadratic(A)
    lam = np.linalg.eigvalsh(A)
    levels = tuple(0.5 * float(lam[0]) * r**2 for r in np.geomspace(0.4, 6.0, 10))
    return Problem(name, title, f, grad, x0, (0.0, 0.0), xlim, ylim, levels, float(lam[-1]), float(lam[0]))


def _build_problems() -> dict:
    kappa = 25.0
    A = np.diag([1.0, kappa])
    R = _rotation(30.0)
    A_rot = R @ A @ R.T
    A_rot = (A_rot + A_rot.T) / 2  # exactly symmetric
    lam = np.linalg.eigvalsh(rosenbrock_hessian([1.0, 1.0]))
    problems = [
        _quadratic_problem("quadratic", "½(x² + 25y²), κ = 25", A, (-4.5, 1.5), (-5, 5), (-2.5, 2.5)),
        _quadratic_problem(
            "rotated quadratic", "the same, rotated by 30°", A_rot, (-4.5, 1.5), (-5, 5), (-2.5, 2.5)
        ),
        Problem(
            "rosenbrock", "Rosenbrock, (1 − x)² + 100(y − x²)²", rosenbrock, rosenbrock_grad,
            (-1.2, 1.0), (1.0, 1.0), (-2.0, 2.0), (-1.0, 3.0),
            tuple(float(v) for v in np.geomspace(0.25, 1000, 11)), float(lam[-1]), float(lam[0]),
        ),
    ]
    return {p.name: p for p in problems}


#: The chapter's test problems by name: "quadratic" ½(x² + 25y²), the same
#: "rotated quadratic" (by 30°), and "rosenbrock" (a = 1, b = 100).
PROBLEMS = _build_problems()


def problem(name):
    """The test problem called ``name``, one of :data:`PROBLEMS`.

    Two quadratics (``opt-quadratic``) and Rosenbrock's function (``opt-rosenbrock``).

    Parameters
    ----------
    name : {"quadratic", "rotated quadratic", "rosenbrock"}

    Returns
    -------
    Problem

    Raises
    ------
    ValueError
        For an unknown name.

    Examples
    --------
    >>> print(problem("rosenbrock").minimum, round(problem("rosenbrock").L, 1))
    (1.0, 1.0) 1001.6
    """
    return PROBLEMS[check_choice(name, "problem", "problem", tuple(PROBLEMS))]


def contour_lines(f, xlim, ylim, levels, n=201):
    """The level sets {x : f(x) = c} of a function of two variables.

    For the contour plots of the chapter's functions (``opt-quadratic``,
    ``opt-rosenbrock``).

    f is evaluated on an n × n grid (or nx × ny), and every level set is
    traced by contourpy's marching squares (linear interpolation between the
    grid points).

    Parameters
    ----------
    f : callable
        f of a batch of points (N, 2), giving N values.
    xlim, ylim : (float, float)
        The rectangle of the grid.
    levels : sequence of float
    n : int ≥ 2 or (int, int), default 201
        The number of grid points along x and y.

    Returns
    -------
    tuple of ndarray
        One (N_i, 2) array of points per line piece, level by level.

    Raises
    ------
    ValueError, TypeError
        For a grid of fewer than 2 points along an axis.

    Examples
    --------
    >>> f, _ = quadratic(np.eye(2))
    >>> (circle,) = contour_lines(f, (-2, 2), (-2, 2), [0.5])  # the unit circle
    >>> print(round(float(np.abs(np.hypot(*circle.T) - 1).max()), 3))
    0.0
    """
    import contourpy  # a dependency of matplotlib, needed only here

    nx, ny = (n, n) if np.ndim(n) == 0 else n
    nx = check_positive_int(nx, "n", "contour_lines", minimum=2)
    ny = check_positive_int(ny, "n", "contour_lines", minimum=2)
    xs = np.linspace(*xlim, nx)
    ys = np.linspace(*ylim, ny)
    X, Y = np.meshgrid(xs, ys)
    Z = np.asarray(f(np.column_stack([X.ravel(), Y.ravel()]))).reshape(X.shape)
    generator = contourpy.contour_generator(X, Y, Z)
    lines = []
    for level in levels:
        lines.extend(np.asarray(seg) for seg in generator.lines(level) if len(seg) > 1)
    return tuple(lines)


def problem_contours(name, n=201):
    """The contour lines of a test problem at its levels, on an n × n grid.

    :func:`contour_lines` of the problem's f (``opt-quadratic`` or ``opt-rosenbrock``).

    Parameters
    ----------
    name : str
        One of :data:`PROBLEMS`.
    n : int ≥ 2, default 201

    Returns
    -------
    tuple of ndarray
        See :func:`contour_lines`.

    Raises
    ------
    ValueError
        For an unknown name.

    Examples
    --------
    >>> lines = problem_contours("quadratic", n=101)
    >>> print(len(lines), lines[0].shape[1])
    11 2
    """
    p = problem(name)
    return contour_lines(p.f, p.xlim, p.ylim, p.levels, n)


_DIVERGENCE_BOX = 1e3  # an iterate farther than this from the origin counts as diverged


class _Diverged(Exception):
    """Raised by the watched gradient when an iterate leaves the box |x_i| ≤ 1e3."""


def _watched(method, grad, x0, **kwargs):
    """Run an optimiser; stop it when an iterate leaves the divergence box.

    Returns (trajectory, diverged). The optimisers evaluate the gradient at
    every iterate but the last, in order, so the points seen by the gradient
    are the trajectory up to the point where it left the box.
    """
    seen = []

    def watched_grad(x):
        seen.append(x)
        if np.abs(x).max() > _DIVERGENCE_BOX:
            raise _Diverged
        return grad(x)

    try:
        return method(watched_grad, x0, **kwargs), False
    except _Diverged:
        return np.array(seen), True


def run_optimisers(name="quadratic", lr_times_L=1.0, beta=0.7, adam_lr=0.05, beta1=0.9, steps=300):
    """Gradient descent, momentum and Adam on a test problem.

    :func:`gradient_descent` (``opt-gd``), :func:`momentum` (``opt-momentum``)
    and :func:`adam` (``opt-adam-update``) from the problem's start.

    Gradient descent and momentum use the step η = lr_times_L / L, with L the
    largest Hessian eigenvalue of the problem (at the minimum, for
    Rosenbrock), so lr_times_L < 2 is gradient descent's stability condition
    on the quadratics (``opt-gd-stability``); momentum uses β = beta. Adam
    uses α = adam_lr, β1 = beta1, β2 = 0.999, ε = 1e-8. A run that leaves the
    box |x_i| ≤ 1000 is stopped there and marked diverged.

    Parameters
    ----------
    name : str, default "quadratic"
        One of :data:`PROBLEMS`.
    lr_times_L : float > 0, default 1
    beta : float in [0, 1), default 0.7
    adam_lr : float > 0, default 0.05
    beta1 : float in [0, 1), default 0.9
    steps : int ≥ 1, default 300

    Returns
    -------
    dict
        {method: {"trajectory": (n, 2), "gap": f(x_t) − f(x*) (n,), "diverged": bool}}
        for the methods "gradient descent", "momentum" and "Adam".

    Raises
    ------
    ValueError
        For an unknown problem or a bad parameter.

    Examples
    --------
    >>> runs = run_optimisers("quadratic", lr_times_L=2.05)
    >>> print(runs["gradient descent"]["diverged"], runs["Adam"]["diverged"])
    True False
    """
    func = "run_optimisers"
    p = problem(name)
    steps = check_positive_int(steps, "steps", func)
    lr = check_positive_float(lr_times_L, "lr_times_L", func) / p.L
    adam_lr = check_positive_float(adam_lr, "adam_lr", func)
    runs = {
        "gradient descent": _watched(gradient_descent, p.grad, p.x0, lr=lr, steps=steps),
        "momentum": _watched(momentum, p.grad, p.x0, lr=lr, beta=beta, steps=steps),
        "Adam": _watched(adam, p.grad, p.x0, lr=adam_lr, beta1=beta1, steps=steps),
    }
    f_min = float(p.f(np.array(p.minimum)))
    out = {}
    for method, (trajectory, diverged) in runs.items():
        with np.errstate(over="ignore"):
            gap = np.asarray(p.f(trajectory)) - f_min
        out[method] = {"trajectory": trajectory, "gap": gap, "diverged": diverged}
    return out


def convergence_curves(kappa=100.0, steps=300, seed=0):
    """‖x_t‖ / ‖x_0‖ of gradient descent and heavy-ball momentum at their best tuning.

    The steps of ``opt-gd-best-step`` and ``opt-momentum-rate``.

    The problem is ½xᵀAx with A diagonal, its 10 eigenvalues spread
    geometrically from 1 to κ, from a seeded random start. Gradient descent
    uses η = 2/(μ + L) and momentum Polyak's η and β; each comes with its
    predicted rate ρ, so that ‖x_t‖/‖x_0‖ ≤ ρ^t for gradient descent.

    Parameters
    ----------
    kappa : float ≥ 1, default 100
        The condition number L/μ.
    steps : int ≥ 1, default 300
    seed : int ≥ 0 or numpy.random.Generator, default 0
        The start is ``default_rng(seed).standard_normal(10)``.

    Returns
    -------
    dict
        "t" (steps + 1,) and, for "gradient descent" and "momentum", a dict
        with "error" (steps + 1,), ‖x_t‖/‖x_0‖, and "rate" ρ.

    Raises
    ------
    ValueError, TypeError
        For κ < 1, not finite, a bad steps or seed.

    Examples
    --------
    >>> c = convergence_curves(kappa=49.0, steps=100)
    >>> print(round(c["gradient descent"]["rate"], 3), round(c["momentum"]["rate"], 3))
    0.96 0.75
    >>> print(bool(c["momentum"]["error"][-1] < 1e-6 < c["gradient descent"]["error"][-1]))
    True
    """
    func = "convergence_curves"
    kappa = check_interval(kappa, "kappa", func, 1.0)
    steps = check_positive_int(steps, "steps", func)
    rng = check_random_state(seed, func)
    lam = np.geomspace(1.0, kappa, 10)
    _, grad = quadratic(np.diag(lam))
    x0 = rng.standard_normal(lam.size)
    lr_gd, rate_gd = optimal_step_size(1.0, kappa)
    lr_hb, beta_hb, rate_hb = heavy_ball_parameters(1.0, kappa)
    out = {"t": np.arange(steps + 1)}
    for method, trajectory, rate in (
        ("gradient descent", gradient_descent(grad, x0, lr_gd, steps), rate_gd),
        ("momentum", momentum(grad, x0, lr_hb, beta_hb, steps), rate_hb),
    ):
        out[method] = {"error": np.linalg.norm(trajectory, axis=1) / np.linalg.norm(x0), "rate": rate}
    return out


# ---------------------------------------------------------------- bias correction
def bias_correction_curves(beta1=0.9, beta2=0.999, noise=0.0, steps=2000, seed=0, eps=1e-8):
    """Adam's moments and step sizes, with and without bias correction, for a noisy gradient stream.

    The correction is that of ``opt-adam-correction``.

    The gradients are g_t = 1 + noise·ξ_t with ξ_t standard normal (seeded),
    so E[g] = 1 and E[g²] = 1 + noise². The moments are those of
    :func:`adam_moments` (``opt-adam-moments``), the effective step sizes
    |Δ_t|/α those of ``opt-adam-update``.

    Parameters
    ----------
    beta1, beta2 : float in [0, 1)
    noise : float ≥ 0, default 0
        The standard deviation of the gradient noise.
    steps : int ≥ 1, default 2000
    seed : int ≥ 0 or numpy.random.Generator, default 0
    eps : float ≥ 0, default 1e-8

    Returns
    -------
    dict
        (steps,) arrays "t", "g", "m", "m_hat", "v", "v_hat",
        "step_corrected" |m̂|/(√v̂ + ε) and "step_uncorrected" |m|/(√v + ε),
        and the floats "E_g" and "E_g2".

    Raises
    ------
    ValueError, TypeError
        For a bad parameter or seed.

    Examples
    --------
    >>> c = bias_correction_curves(steps=3)
    >>> print(c["step_corrected"].round(6), c["step_uncorrected"].round(3))
    [1. 1. 1.] [3.162 4.25  4.95 ]
    """
    func = "bias_correction_curves"
    steps = check_positive_int(steps, "steps", func)
    noise = check_positive_float(noise, "noise", func, allow_zero=True)
    eps = check_positive_float(eps, "eps", func, allow_zero=True)
    rng = check_random_state(seed, func)
    g = 1.0 + noise * rng.standard_normal(steps)
    mom = adam_moments(g, beta1, beta2)
    return {
        "t": np.arange(1, steps + 1),
        "g": g,
        **mom,
        "step_corrected": np.abs(mom["m_hat"]) / (np.sqrt(mom["v_hat"]) + eps),
        "step_uncorrected": np.abs(mom["m"]) / (np.sqrt(mom["v"]) + eps),
        "E_g": 1.0,
        "E_g2": 1.0 + noise**2,
    }


def adam_single_gradient_step(t, beta1=0.9, beta2=0.999):
    """|Δ_t|/α of Adam (ε = 0) when the gradient at step t is the first non-zero one.

    A lower bound on B_t of ``opt-adam-step-sup``.

    With g_1 = … = g_{t−1} = 0, m_t = (1 − β1) g_t and v_t = (1 − β2) g_t², so
    |m̂_t|/√v̂_t = (1 − β1)/(1 − β1^t) · √((1 − β2^t)/(1 − β2)), which tends to
    the paper's bound (1 − β1)/√(1 − β2) as t grows, and stays below
    :func:`adam_step_bound`.

    Parameters
    ----------
    t : int ≥ 1 or array-like of them
    beta1, beta2 : float in [0, 1)

    Returns
    -------
    float or ndarray
        A float for an integer t.

    Raises
    ------
    ValueError
        For t < 1 or not an integer, or a beta out of range.

    Examples
    --------
    >>> print(adam_single_gradient_step(1), round(adam_single_gradient_step(10**6), 4))
    1.0 3.1623
    """
    func = "adam_single_gradient_step"
    beta1 = _check_beta(beta1, "beta1", func)
    beta2 = _check_beta(beta2, "beta2", func)
    ts = np.asarray(t)
    if ts.dtype.kind not in "iu" or (ts < 1).any():
        raise ValueError(f"{func}: t must be an integer ≥ 1 (or an array of them), got {t!r}")
    ts = ts.astype(np.float64)
    step = (1 - beta1) / (1 - beta1**ts) * np.sqrt((1 - beta2**ts) / (1 - beta2))
    return float(step) if step.ndim == 0 else step


def reddi_counterexample(steps=90, C=3.0, lr=0.05):
    """Adam and AMSGrad on Reddi, Kale & Kumar's online problem, with their effective steps.

    Uses ``opt-amsgrad`` and ``opt-adam-update``.
    The losses are f_t(x) = C x when t mod 3 = 1 and −x otherwise, on
    F = [−1, 1], whose best fixed point is x = −1 (for C > 2); both methods
    run with β1 = 0, β2 = 1/(1 + C²), ε = 0 and the projection on F, from
    x0 = 0. The gradients do not depend on x, so the effective step sizes
    α/√v̂_t (bias-corrected v for Adam) and α/√v̄_t (the running maximum of v,
    for AMSGrad)
    are returned too.

    Parameters
    ----------
    steps : int ≥ 1, default 90
    C : float > 2, default 3
    lr : float > 0, default 0.05
        The constant step size α.

    Returns
    -------
    dict
        "t" (0..steps), "gradients" (g_1..g_T), and for "Adam" and "AMSGrad"
        a dict with "x" (the iterates, x_0 first) and "step_size" (α/√v̂_t or
        α/√v̄_t, t = 1..T).

    Raises
    ------
    ValueError
        For steps < 1, C ≤ 2 or a bad lr.

    Examples
    --------
    >>> out = reddi_counterexample(steps=3000, lr=0.01)
    >>> print(out["Adam"]["x"][-1], round(float(out["AMSGrad"]["x"][-1]), 2))
    1.0 -0.99
    """
    func = "reddi_counterexample"
    steps = _typed(check_positive_int, steps, "steps", func, minimum=1)
    C = _typed(check_positive_float, C, "C", func)
    if not C > 2:
        raise ValueError(f"{func}: C must be > 2 (then x = -1 is the best point), got {C!r}")
    lr = _check_lr(lr, func)
    beta2 = 1 / (1 + C * C)
    t = np.arange(1, steps + 1)
    gradients = np.where(t % 3 == 1, C, -1.0)

    def schedule():
        feed = iter(gradients)
        return lambda x: np.array([next(feed)])

    common = dict(lr=lr, beta1=0.0, beta2=beta2, steps=steps, bounds=(-1.0, 1.0))
    x_adam = adam(schedule(), [0.0], eps=0.0, **common)[:, 0]
    x_ams = amsgrad(schedule(), [0.0], **common)[:, 0]
    moments = adam_moments(gradients, 0.0, beta2)
    return {
        "t": np.arange(steps + 1),
        "gradients": gradients,
        "Adam": {"x": x_adam, "step_size": lr / np.sqrt(moments["v_hat"])},
        "AMSGrad": {"x": x_ams, "step_size": lr / np.sqrt(np.maximum.accumulate(moments["v"]))},
    }
