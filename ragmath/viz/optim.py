"""Pure plotting functions for chapter 6, "Gradient descent and Adam".

Each ``plot_*`` function takes plain parameters, gets every number it draws
from :mod:`ragmath.optim` (which holds the test problems and the experiments),
and returns a new :class:`matplotlib.figure.Figure`
(never touching pyplot). The widgets of :mod:`ragmath.widgets.optim` only
connect sliders to these functions; the ``*_grid`` functions draw the static
small multiples that follow each widget on the website.

The contour lines of every test problem are computed once and cached here
(:func:`ragmath.optim.problem_contours`), so a slider move only reruns the
optimisers (a few hundred steps each) and redraws.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from .._validation import check_choice, check_positive_float, check_positive_int
from ..optim import (
    PROBLEMS,
    adam_single_gradient_step,
    adam_step_bound,
    bias_correction_curves,
    contour_lines,
    convergence_curves,
    gradient_descent,
    optimal_step_size,
    problem,
    problem_contours,
    quadratic,
    reddi_counterexample,
    run_optimisers,
)
from ._style import new_figure

__all__ = [
    "plot_trajectories",
    "plot_trajectories_grid",
    "plot_zigzag",
    "plot_convergence",
    "plot_bias_correction",
    "plot_bias_correction_grid",
    "plot_adam_step_bound",
    "plot_stability_factors",
    "plot_amsgrad_counterexample",
]

METHOD_COLORS = {"gradient descent": "#1f77b4", "momentum": "#ff7f0e", "Adam": "#2ca02c"}
_CONTOUR_COLOR = "0.75"


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_of_ten(value, _position=None) -> str:
    """'10⁻⁸' for 1e-8: plain text, so the renderer need not typeset mathtext (much faster)."""
    if value <= 0:
        return ""
    exponent = round(math.log10(value))
    if exponent in (0, 1):
        return "1" if exponent == 0 else "10"
    return "10" + str(exponent).translate(_SUPERSCRIPT)


def _log_y(ax, low_exp: int, high_exp: int, every: int = 4) -> None:
    """A log y-axis from 10^low to 10^high, labelled every ``every`` decades, no minor ticks."""
    ax.set_yscale("log")
    ax.set_ylim(10.0**low_exp, 10.0**high_exp)
    ax.yaxis.set_major_locator(FixedLocator([10.0**e for e in range(low_exp, high_exp + 1, every)]))
    ax.yaxis.set_major_formatter(FuncFormatter(_power_of_ten))
    ax.yaxis.set_minor_locator(NullLocator())


# -------------------------------------------------------------------- the problems
@cache
def _contours(name: str) -> tuple:
    """:func:`ragmath.optim.problem_contours`, computed once per problem: every redraw shows them."""
    return problem_contours(name)


def _draw_contours(ax, name: str) -> None:
    p = problem(name)
    ax.add_collection(LineCollection(_contours(name), colors=_CONTOUR_COLOR, linewidths=0.8))
    ax.plot(*p.minimum, marker="*", color="k", ms=11, ls="none", label="minimum", zorder=5)
    ax.set_xlim(*p.xlim)
    ax.set_ylim(*p.ylim)


def _draw_paths(ax, runs: dict, legend: bool) -> None:
    for method, run in runs.items():
        tr = run["trajectory"]
        label = f"{method} (diverged)" if run["diverged"] else method
        ax.plot(tr[:, 0], tr[:, 1], "-", color=METHOD_COLORS[method], lw=1.4, label=label)
    start = next(iter(runs.values()))["trajectory"][0]
    ax.plot(*start, "o", color="k", ms=5, label="start", zorder=5)
    if legend:
        ax.legend(fontsize=8, loc="upper right", framealpha=0.9)


def plot_trajectories(
    problem="quadratic", lr_times_L=1.0, beta=0.7, adam_lr=0.05, beta1=0.9, steps=300
) -> Figure:
    """Trajectories on the contour plot (left) and f(x_t) − f(x*) against t (right, log scale).

    See :func:`ragmath.optim.run_optimisers` for the parameters. The contour lines are cached;
    only the three runs are recomputed.
    """
    name = problem
    p = PROBLEMS[check_choice(name, "problem", "plot_trajectories", tuple(PROBLEMS))]
    runs = run_optimisers(name, lr_times_L, beta, adam_lr, beta1, steps)
    fig, (ax, ax_gap) = new_figure(1, 2, figsize=(9, 3.8), width_ratios=(1.2, 1))
    _draw_contours(ax, name)
    _draw_paths(ax, runs, legend=False)
    ax.set_title(p.title, fontsize=10)
    ax.set_xticks([])  # fewer texts to lay out: the widget redraws faster
    ax.set_yticks([])
    floor = 1e-16
    for method, run in runs.items():
        gap = np.maximum(run["gap"], floor)
        label = f"{method} (diverged)" if run["diverged"] else method
        ax_gap.plot(np.arange(gap.size), gap, color=METHOD_COLORS[method], lw=1.4, label=label)
    _log_y(ax_gap, -16, 8)
    ax_gap.set_xlim(0, steps)
    ax_gap.set_xlabel("step t")
    ax_gap.set_ylabel("f(x_t) − f(x*)")
    ax_gap.set_title(
        f"η = {lr_times_L:.2f}/L, β = {beta:.2f};  Adam α = {adam_lr:.3g}, β1 = {beta1:.2f}", fontsize=10
    )
    ax_gap.legend(fontsize=8, loc="lower left")
    fig.subplots_adjust(left=0.01, right=0.98, bottom=0.13, top=0.92, wspace=0.2)
    return fig


def plot_trajectories_grid(
    problems=("quadratic", "rotated quadratic", "rosenbrock"),
    settings=((0.3, 0.01), (1.0, 0.05), (1.9, 0.2), (2.05, 0.5)),
    beta=0.7,
    beta1=0.9,
    steps=300,
) -> Figure:
    """Small multiples of the left panel of :func:`plot_trajectories`.

    One row per problem, one column per (η·L, Adam's α) in ``settings``: what
    moving the widget's learning-rate sliders shows.
    """
    problems = [check_choice(n, "problems", "plot_trajectories_grid", tuple(PROBLEMS)) for n in problems]
    if not all(np.ndim(pair) == 1 and len(pair) == 2 for pair in settings):
        raise ValueError(f"plot_trajectories_grid: settings must be (η·L, Adam's α) pairs, got {settings!r}")
    settings = [(float(a), float(b)) for a, b in settings]
    fig, axes = new_figure(
        len(problems), len(settings), figsize=(3.1 * len(settings), 2.7 * len(problems)), squeeze=False
    )
    for row, name in enumerate(problems):
        for col, (lr_times_L, adam_lr) in enumerate(settings):
            ax = axes[row, col]
            _draw_contours(ax, name)
            runs = run_optimisers(name, lr_times_L, beta, adam_lr, beta1, steps)
            _draw_paths(ax, runs, legend=False)
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(f"η = {lr_times_L:g}/L, Adam α = {adam_lr:g}", fontsize=10)
        axes[row, 0].set_ylabel(name, fontsize=10)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    handles = [h for h, lab in zip(handles, labels) if lab != "minimum"]
    labels = [lab.replace(" (diverged)", "") for lab in labels if lab != "minimum"]
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=9, frameon=False)
    fig.subplots_adjust(left=0.04, right=0.99, bottom=0.07, top=0.94, wspace=0.05, hspace=0.08)
    return fig


# -------------------------------------------------------------------- zig-zagging
def plot_zigzag(kappas=(2, 10, 50), steps=40, start=(-4.5, 1.5)) -> Figure:
    """Gradient descent with the best fixed step 2/(μ + L) on ½(x² + κy²), one panel per κ.

    The y-coordinate is multiplied by 1 − ηκ = −(κ − 1)/(κ + 1) at every step
    (``opt-gd-eigen``, ``opt-gd-best-step``): it flips sign each time, and the
    larger κ, the closer that factor is to −1 and the slower the x-coordinate
    (factor (κ − 1)/(κ + 1)) creeps towards 0.
    """
    kappas = [check_positive_float(k, "kappas", "plot_zigzag") for k in kappas]
    if min(kappas, default=0.0) < 1:
        raise ValueError(f"plot_zigzag: kappas must be condition numbers ≥ 1, got {kappas}")
    steps = check_positive_int(steps, "steps", "plot_zigzag")
    fig, axes = new_figure(1, len(kappas), figsize=(3.4 * len(kappas), 2.9), squeeze=False)
    for ax, kappa in zip(axes[0], kappas):
        f, grad = quadratic(np.diag([1.0, kappa]))
        lr, rate = optimal_step_size(1.0, kappa)
        trajectory = gradient_descent(grad, start, lr, steps)
        levels = [0.5 * r * r for r in np.geomspace(0.3, 6, 9)]
        segments = contour_lines(f, (-5, 5), (-2.5, 2.5), levels, n=(161, 81))
        ax.add_collection(LineCollection(segments, colors=_CONTOUR_COLOR, linewidths=0.8))
        ax.plot(trajectory[:, 0], trajectory[:, 1], "o-", color=METHOD_COLORS["gradient descent"],
                ms=2.5, lw=1.1)
        ax.plot(0, 0, marker="*", color="k", ms=10)
        ax.set_xlim(-5, 5)
        ax.set_ylim(-2.5, 2.5)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"κ = {kappa:g}: rate (κ−1)/(κ+1) = {rate:.3f}", fontsize=10)
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.03, top=0.88, wspace=0.06)
    return fig


def plot_convergence(kappa=100.0, steps=300, seed=0) -> Figure:
    """‖x_t‖ / ‖x_0‖ against t on ½xᵀAx with eigenvalues from 1 to κ (log scale).

    Gradient descent with η = 2/(μ + L) and heavy-ball momentum with Polyak's
    η and β (``opt-momentum-rate``), each next to its predicted rate ρ^t.
    A is diagonal with eigenvalues spread from 1 to κ (10 of them), and x0 is
    a seeded random vector: the runs of :func:`ragmath.optim.convergence_curves`.
    """
    kappa = check_positive_float(kappa, "kappa", "plot_convergence")
    if kappa < 1:
        raise ValueError(f"plot_convergence: kappa must be a condition number ≥ 1, got {kappa}")
    steps = check_positive_int(steps, "steps", "plot_convergence")
    curves = convergence_curves(kappa, steps, seed)
    t = curves["t"]
    fig, ax = new_figure(figsize=(6.4, 3.6))
    for method in ("gradient descent", "momentum"):
        rate = curves[method]["rate"]
        err = np.maximum(curves[method]["error"], 1e-300)
        ax.plot(t, err, color=METHOD_COLORS[method], lw=1.6, label=f"{method}")
        ax.plot(t, rate**t, color=METHOD_COLORS[method], lw=1, ls="--", label=f"ρ^t, ρ = {rate:.3f}")
    _log_y(ax, -16, 0)
    ax.set_xlim(0, steps)
    ax.set_xlabel("step t")
    ax.set_ylabel("‖x_t‖ / ‖x_0‖")
    ax.set_title(f"quadratic with condition number κ = {kappa:g}", fontsize=10)
    ax.legend(fontsize=8, loc="lower left")  # the lower left stays empty; the lines start at 1
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.14, top=0.9)
    return fig


# ---------------------------------------------------------------- bias correction
def _log_t_axis(ax, steps):
    """A logarithmic time axis, drawn as log10(t) on a linear axis (much faster to redraw)."""
    ax.set_xlim(0, math.log10(steps))
    decades = list(range(0, int(math.log10(steps)) + 1))
    ax.xaxis.set_major_locator(FixedLocator(decades))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _power_of_ten(10.0**v)))
    ax.set_xlabel("step t (log scale)")


def _draw_steps(ax, c: dict, steps: int, title: str) -> None:
    """|Δ_t|/α with and without bias correction; x data are log10(t)."""
    log_t = np.log10(c["t"])
    ax.plot(log_t, c["step_uncorrected"], color="#d62728", lw=1.4, label="without bias correction")
    ax.plot(log_t, c["step_corrected"], color="#2ca02c", lw=1.4, label="with bias correction")
    ax.axhline(1.0, color="0.5", lw=0.8, ls=":")
    _log_t_axis(ax, steps)
    ax.yaxis.set_major_locator(MaxNLocator(5, steps=[1, 2, 5, 10]))
    ax.set_ylim(0, max(1.5, 1.1 * float(c["step_uncorrected"].max())))
    ax.set_title(title, fontsize=10)


def plot_bias_correction(beta1=0.9, beta2=0.999, noise=0.0, steps=2000, seed=0) -> Figure:
    """Moment estimates and effective step of Adam, with and without bias correction.

    Left: m_t / E[g] and v_t / E[g²] (red, uncorrected) and m̂_t / E[g] and
    v̂_t / E[g²] (green, corrected) against t; the corrected ones start at the
    right value. Right: the step |Δ_t|/α with and without the correction. The
    gradients are g_t = 1 + noise·ξ_t (see :func:`ragmath.optim.bias_correction_curves`).
    The time axes are logarithmic: the x data of every line are log10(t).
    """
    c = bias_correction_curves(beta1, beta2, noise, steps, seed)
    fig, (ax_m, ax_s) = new_figure(1, 2, figsize=(9.5, 3.4))
    log_t = np.log10(c["t"])
    ax_m.plot(log_t, c["m"] / c["E_g"], color="#d62728", lw=1.4, label="m_t / E[g]")
    ax_m.plot(log_t, c["v"] / c["E_g2"], color="#d62728", lw=1.4, ls="--", label="v_t / E[g²]")
    ax_m.plot(log_t, c["m_hat"] / c["E_g"], color="#2ca02c", lw=1.4, label="m̂_t / E[g]")
    ax_m.plot(log_t, c["v_hat"] / c["E_g2"], color="#2ca02c", lw=1.4, ls="--", label="v̂_t / E[g²]")
    ax_m.axhline(1.0, color="k", lw=0.8, ls=":")
    _log_t_axis(ax_m, steps)
    ax_m.yaxis.set_major_locator(MaxNLocator(5, steps=[1, 2, 5, 10]))
    top = 1.4 if noise == 0 else 2.0 + float(noise)
    ax_m.set_ylim(-0.05 if noise == 0 else -1.0 - float(noise), top)
    ax_m.set_title(f"moment estimates, β1 = {beta1:g}, β2 = {beta2:g}", fontsize=10)
    ax_m.legend(fontsize=8, loc="upper left", ncol=2)
    _draw_steps(ax_s, c, steps, f"step size |Δ_t| / α, gradient noise σ = {noise:g}")
    ax_s.legend(fontsize=8, loc="upper right")
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.16, top=0.9, wspace=0.2)
    return fig


def plot_bias_correction_grid(
    beta2s=(0.9, 0.99, 0.999), noises=(0.0, 1.0), beta1=0.9, steps=2000, seed=0
) -> Figure:
    """Small multiples of the step panel of :func:`plot_bias_correction`.

    One column per β2, one row per noise level: what moving the widget's
    sliders shows.
    """
    beta2s = [float(b) for b in beta2s]
    noises = [float(s) for s in noises]
    fig, axes = new_figure(
        len(noises), len(beta2s), figsize=(3.4 * len(beta2s), 2.6 * len(noises)), squeeze=False
    )
    for row, noise in enumerate(noises):
        for col, beta2 in enumerate(beta2s):
            c = bias_correction_curves(beta1, beta2, noise, steps, seed)
            _draw_steps(axes[row, col], c, steps, f"β2 = {beta2:g}, noise {noise:g}")
            if row < len(noises) - 1:
                axes[row, col].set_xlabel("")
        axes[row, 0].set_ylabel("|Δ_t| / α")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=9, frameon=False)
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.16, top=0.93, wspace=0.22, hspace=0.45)
    return fig


# ---------------------------------------------------------------- Adam's step size
def plot_adam_step_bound(beta1=0.9, beta2=0.999, steps=10_000) -> Figure:
    """The largest possible Adam step B_t (``opt-adam-step-sup``) against t, and the paper's value.

    Also drawn: the step after a single non-zero gradient at step t (all earlier
    gradients 0), (1 − β1)/(1 − β1^t) · √((1 − β2^t)/(1 − β2)), which tends to
    the paper's α(1 − β1)/√(1 − β2); and the constant-gradient step, 1.
    """
    steps = check_positive_int(steps, "steps", "plot_adam_step_bound")
    t = np.unique(np.geomspace(1, steps, 400).astype(int))
    bound = adam_step_bound(t, beta1, beta2)
    spike = adam_single_gradient_step(t, beta1, beta2)
    paper = (1 - beta1) / math.sqrt(1 - beta2)
    fig, ax = new_figure(figsize=(6.4, 3.6))
    log_t = np.log10(t)  # a logarithmic time axis (see _log_t_axis)
    ax.plot(log_t, bound, color="#d62728", lw=1.8, label="largest possible step B_t")
    ax.plot(log_t, spike, color="#ff7f0e", lw=1.4, label="one non-zero gradient, at step t")
    ax.plot(log_t, np.ones_like(bound), color="#2ca02c", lw=1.4, label="constant gradient")
    ax.axhline(paper, color="k", lw=0.9, ls="--", label="paper: (1 − β1)/√(1 − β2)")
    _log_t_axis(ax, steps)
    ax.set_ylim(0, 1.1 * float(bound.max()))
    ax.set_xlabel("step t")
    ax.set_ylabel("|Δ_t| / α")
    ax.set_title(f"β1 = {beta1:g}, β2 = {beta2:g}, ε = 0", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    fig.subplots_adjust(left=0.1, right=0.97, bottom=0.14, top=0.9)
    return fig


# ------------------------------------------------------------ the stability diagram
def plot_stability_factors(eigenvalues=(0.5, 1.0, 2.0, 4.0, 8.0), n=801) -> Figure:
    """The contraction factors |1 − ηλ_i| against η, with 2/L, η* and ρ* marked (``opt-gd-stability``).

    One line per eigenvalue (``opt-gd-eigen``); their upper envelope is the
    rate ρ(η) of the slowest direction, below 1 exactly for 0 < η < 2/L, and
    smallest, ρ* = (κ − 1)/(κ + 1), at η* = 2/(μ + L) (``opt-gd-best-step``),
    where the lines of μ and L cross.

    Parameters
    ----------
    eigenvalues : sequence of float > 0
        The spectrum of A (at least one value).
    n : int ≥ 2
        Number of step sizes drawn, from 0 to 2.3/L.
    """
    func = "plot_stability_factors"
    lam = np.array([check_positive_float(v, "eigenvalues", func) for v in eigenvalues], dtype=float)
    if lam.size == 0:
        raise ValueError(f"{func}: eigenvalues must hold at least one positive number")
    n = check_positive_int(n, "n", func)
    if n < 2:
        raise ValueError(f"{func}: n must be at least 2, got {n}")
    mu, L = float(lam.min()), float(lam.max())
    etas = np.linspace(0.0, 2.3 / L, n)
    factors = np.abs(1 - np.outer(etas, lam))
    fig, ax = new_figure(figsize=(6.4, 3.6))
    shades = np.linspace(0.35, 0.85, lam.size)
    for j in np.argsort(lam):
        ax.plot(etas * L, factors[:, j], color=str(1 - shades[j]), lw=1.0, label=f"λ = {lam[j]:g}")
    ax.plot(etas * L, factors.max(axis=1), color="#d62728", lw=2.2, label="ρ(η) = max_i |1 − ηλ_i|")
    ax.axhline(1.0, color="k", lw=0.8, ls=":")
    ax.axvline(2.0, color="k", lw=1.0, ls="--", label="η = 2/L: stability limit")
    if L > mu:
        eta_star, rho_star = optimal_step_size(mu, L)
        ax.plot([eta_star * L], [rho_star], "o", color="#1f77b4", ms=7,
                label=f"η* = 2/(μ+L), ρ* = {rho_star:.3f}")
    ax.axvspan(2.0, 2.3, color="#d62728", alpha=0.08, lw=0)
    ax.set_xlim(0, 2.3)
    ax.set_ylim(0, 1.9)
    ax.set_xlabel("step size η, in units of 1/L")
    ax.set_ylabel("factor per step |1 − ηλ|")
    ax.set_title(f"gradient descent on a quadratic, κ = L/μ = {L / mu:g}", fontsize=10)
    ax.legend(fontsize=7.5, loc="upper left", ncol=2)
    fig.subplots_adjust(left=0.1, right=0.97, bottom=0.14, top=0.9)
    return fig


# -------------------------------------------------------- the AMSGrad counterexample
def plot_amsgrad_counterexample(steps=90, C=3.0, lr=0.05) -> Figure:
    """Adam and AMSGrad on Reddi, Kale & Kumar's online problem: x_t and the effective step (``opt-amsgrad``).

    The runs of :func:`ragmath.optim.reddi_counterexample`: left, the
    iterates (Adam climbs to +1, the worst point; AMSGrad goes to −1, the
    best); right, the effective step sizes on a log scale (Adam's grows after
    every large gradient has left v_t; AMSGrad's never grows).
    """
    func = "plot_amsgrad_counterexample"
    steps = check_positive_int(steps, "steps", func)
    C = check_positive_float(C, "C", func)
    if not C > 2:
        raise ValueError(f"{func}: C must be > 2, got {C!r}")
    lr = check_positive_float(lr, "lr", func)
    out = reddi_counterexample(steps, C, lr)
    colors = {"Adam": METHOD_COLORS["Adam"], "AMSGrad": "#7f3c8d"}
    fig, (left, right) = new_figure(1, 2, figsize=(8.6, 3.3))
    for name, color in colors.items():
        left.plot(out["t"], out[name]["x"], color=color, lw=1.5, label=name)
        right.plot(out["t"][1:], out[name]["step_size"], color=color, lw=1.2, label=name)
    left.axhline(-1.0, color="k", lw=0.8, ls="--")
    left.text(steps, -0.93, "best point x = −1", ha="right", fontsize=8)
    left.set_ylim(-1.1, 1.1)
    left.set_xlim(0, steps)
    left.set_xlabel("step t")
    left.set_ylabel("x_t")
    left.set_title(f"f_t = {C:g}x (t mod 3 = 1), −x otherwise", fontsize=10)
    left.legend(fontsize=8, loc="center right")
    right.set_yscale("log")
    low = min(float(out[name]["step_size"].min()) for name in colors)
    right.set_ylim(0.5 * low, None)
    right.set_xlim(0, min(steps, 30))
    right.set_xlabel("step t")
    right.set_ylabel("effective step α/√v̂_t, α/√v̄_t")
    right.set_title(f"α = {lr:g}, β1 = 0, β2 = 1/(1 + C²)", fontsize=10)
    right.legend(fontsize=8, loc="lower right")
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.89, wspace=0.28)
    return fig
