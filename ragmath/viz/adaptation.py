"""Pure plotting functions for chapter 9, "Adapting RAG to a domain".

Each ``plot_*`` function takes plain parameters, gets every number it draws
from :mod:`ragmath.adaptation` (the target p, the KL curves and the
refresh-interval runs included), and returns a new :class:`matplotlib.figure.Figure`
(never touching pyplot). The widgets of :mod:`ragmath.widgets.adaptation`
connect sliders to them; the ``*_grid`` functions draw the static small
multiples that follow each widget on the website.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .._validation import as_float_array, check_positive_float
from ..adaptation import (
    GRID,
    MEANS,
    bimodal_target,
    gaussian_on_grid,
    kl_curves,
    lsr_distribution,
    lsr_distribution_from_log,
    retriever_kl_loss,
)
from ._style import new_figure

__all__ = [
    "DEFAULT_LOG_LIKELIHOODS",
    "plot_lsr",
    "plot_lsr_grid",
    "plot_kl_directions",
    "plot_kl_directions_grid",
    "plot_refresh",
    "plot_refresh_grid",
    "plot_adapter_gains",
    "plot_adapter_training",
]

BLUE, RED, GREEN, GREY = "#1f77b4", "#d62728", "#2ca02c", "#7f7f7f"

#: log-likelihoods (nats) of a long answer under five contexts: likelihoods 1e-20 … 1e-23
DEFAULT_LOG_LIKELIHOODS = tuple(float(v) for v in np.log([1e-20, 4e-21, 1e-21, 2e-22, 1e-23]))


# ------------------------------------------------------------------ p_LSR and τ
def _bars(ax, probs, color, title):
    n = len(probs)
    ax.bar(np.arange(n), probs, color=color)
    ax.set_ylim(0, 1.05)
    ax.set_xticks(np.arange(n), [f"c{i + 1}" for i in range(n)])
    ax.set_title(title, fontsize=9)


def plot_lsr(tau: float, log_likelihoods=DEFAULT_LOG_LIKELIHOODS) -> Figure:
    """The LSR target at temperature τ, from likelihoods and from log-likelihoods.

    Left: ``ada-lsr`` (:func:`ragmath.adaptation.lsr_distribution`); right:
    ``ada-lsr-log`` (:func:`ragmath.adaptation.lsr_distribution_from_log`).
    ``log_likelihoods`` are natural logs of p_LM(y | c∘x), one per candidate.
    """
    func = "plot_lsr"
    tau = check_positive_float(tau, "tau", func)
    log_lik = as_float_array(log_likelihoods, "log_likelihoods", func, ndim=1)
    p_lik = lsr_distribution(np.exp(log_lik), tau)
    p_log = lsr_distribution_from_log(log_lik, tau)
    fig, (a, b) = new_figure(1, 2, figsize=(7.6, 2.9), sharey=True)
    _bars(a, p_lik, BLUE, f"softmax(likelihood / τ), τ = {tau:.3g}")
    _bars(b, p_log, RED, f"softmax(log-likelihood / τ), τ = {tau:.3g}")
    a.set_ylabel("p_LSR(c | x, y)")
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.12, top=0.88, wspace=0.08)
    return fig


def plot_lsr_grid(
    taus=(1e-22, 1e-21, 1e-20, 0.3, 1.0, 10.0), log_likelihoods=DEFAULT_LOG_LIKELIHOODS
) -> Figure:
    """Small multiples of :func:`plot_lsr`: one column per τ, likelihood row above log-likelihood row."""
    func = "plot_lsr_grid"
    taus = [check_positive_float(float(t), "taus", func) for t in taus]
    if not taus:
        raise ValueError(f"{func}: taus is empty; give at least one temperature")
    log_lik = as_float_array(log_likelihoods, "log_likelihoods", func, ndim=1)
    fig, axes = new_figure(2, len(taus), figsize=(1.6 * len(taus) + 0.8, 3.8), squeeze=False, sharey=True)
    for j, tau in enumerate(taus):
        _bars(axes[0, j], lsr_distribution(np.exp(log_lik), tau), BLUE, f"τ = {tau:.3g}")
        _bars(axes[1, j], lsr_distribution_from_log(log_lik, tau), RED, "")
    axes[0, 0].set_ylabel("likelihood")
    axes[1, 0].set_ylabel("log-likelihood")
    fig.subplots_adjust(left=0.08, right=0.99, bottom=0.08, top=0.92, wspace=0.1, hspace=0.3)
    return fig


# ------------------------------------------------------------------ direction of the KL
def plot_kl_directions(mean: float, std: float) -> Figure:
    """A Gaussian q = N(mean, std²) against the two-peaked p; both KL directions as functions of the mean.

    Left: the densities (per grid cell). Right: KL(q ‖ p) (mode-seeking, the
    direction of ``ada-kl-loss``) and KL(p ‖ q) (mass-covering) as the mean of q
    moves, for the current std; the dot marks the current mean.
    """
    func = "plot_kl_directions"
    mean = float(as_float_array(mean, "mean", func, ndim=0))
    std = check_positive_float(std, "std", func)
    p = bimodal_target()
    q = gaussian_on_grid(GRID, mean, std)
    rev_now, fwd_now = retriever_kl_loss(q, p), retriever_kl_loss(p, q)
    rev, fwd = kl_curves(std)
    fig, (a, b) = new_figure(1, 2, figsize=(8.0, 3.0))
    a.plot(GRID, p, color=GREY, lw=2, label="target p")
    a.plot(GRID, q, color=BLUE, lw=1.5, label="fit q")
    a.set_yticks([])
    a.set_xlim(-6, 6)
    a.set_xlabel("x")
    a.legend(fontsize=8, loc="upper left")
    a.set_title(f"q = N({mean:.2f}, {std:.2f}²)", fontsize=9)
    b.plot(MEANS, rev, color=RED, label="KL(q ‖ p), mode-seeking")
    b.plot(MEANS, fwd, color=GREEN, label="KL(p ‖ q), mass-covering")
    b.plot([mean], [rev_now], "o", color=RED)
    b.plot([mean], [fwd_now], "o", color=GREEN)
    b.set_ylim(0, 12)
    b.set_xlabel("mean of q")
    b.set_ylabel("nats")
    b.legend(fontsize=8, loc="upper center")
    b.set_title(f"KL(q‖p) = {rev_now:.2f}, KL(p‖q) = {fwd_now:.2f}", fontsize=9)
    fig.subplots_adjust(left=0.04, right=0.98, bottom=0.16, top=0.9, wspace=0.22)
    return fig


def plot_kl_directions_grid(means=(-2.0, 0.0, 2.0), stds=(0.7, 2.2)) -> Figure:
    """Small multiples: q = N(mean, std²) against p, with both KL values in each title."""
    func = "plot_kl_directions_grid"
    stds = [check_positive_float(float(s), "stds", func) for s in stds]
    p = bimodal_target()
    fig, axes = new_figure(len(stds), len(means), figsize=(2.6 * len(means), 2.1 * len(stds)), squeeze=False)
    for i, s in enumerate(stds):
        for j, m in enumerate(means):
            q = gaussian_on_grid(GRID, float(m), s)
            ax = axes[i, j]
            ax.plot(GRID, p, color=GREY, lw=2)
            ax.plot(GRID, q, color=BLUE, lw=1.5)
            ax.set_yticks([])
            ax.set_xlim(-6, 6)
            ax.set_title(f"N({m:g}, {s:g}²): KL(q‖p)={retriever_kl_loss(q, p):.2f}\n"
                         f"KL(p‖q)={retriever_kl_loss(p, q):.2f}", fontsize=8)
    fig.subplots_adjust(left=0.03, right=0.98, bottom=0.08, top=0.86, wspace=0.12, hspace=0.7)
    return fig


# ------------------------------------------------------------------ refresh interval
def plot_refresh(refresh_every: int, results: dict) -> Figure:
    """Quality (held-out MRR) and cost (passage re-encodings) against the refresh interval T.

    ``results`` is the dict of :func:`ragmath.adaptation.refresh_tradeoff`;
    ``refresh_every`` one of its keys.
    The title of the right panel gives the cost; the fraction of training
    questions whose gold passage was among the stale candidates is in the left title.
    """
    func = "plot_refresh"
    if refresh_every not in results:
        raise ValueError(f"{func}: refresh_every must be one of {sorted(results)}, got {refresh_every!r}")
    Ts = np.array(sorted(results))
    mrr = np.array([results[T]["mrr"] for T in Ts])
    cost = np.array([results[T]["reencodings"] for T in Ts])
    now = results[refresh_every]
    fig, (a, b) = new_figure(1, 2, figsize=(7.6, 2.8))
    x_log = np.log10(Ts)  # a linear axis in log10(T): faster to draw than a log axis
    here = np.log10(refresh_every)
    a.plot(x_log, mrr, "-", color=BLUE)
    a.plot([here], [now["mrr"]], "o", color=RED)
    a.axhline(now["mrr_start"], color=GREY, ls=":", lw=1)
    a.set_xlabel("refresh every T steps")
    a.set_ylabel("held-out MRR at the end")
    a.set_title(f"T = {refresh_every}: MRR {now['mrr']:.3f} (gold found {now['hit_rate']:.0%})", fontsize=9)
    b.plot(x_log, cost / 1000, "-", color=GREEN)
    b.plot([here], [now["reencodings"] / 1000], "o", color=RED)
    b.set_xlabel("refresh every T steps")
    b.set_ylabel("passage re-encodings (thousands)")
    b.set_title(f"{now['reencodings']:,} re-encodings", fontsize=9)
    for ax in (a, b):
        ax.set_xticks(x_log, [str(T) for T in Ts], fontsize=7)
    fig.subplots_adjust(left=0.09, right=0.99, bottom=0.17, top=0.9, wspace=0.3)
    return fig


def plot_refresh_grid(results: dict, show=(1, 20, 200)) -> Figure:
    """Small multiples: held-out MRR during training for a few refresh intervals, cost in the titles."""
    missing = [T for T in show if T not in results]
    if not show or missing:
        raise ValueError(f"plot_refresh_grid: show must be a non-empty selection of {sorted(results)}, "
                         f"got {tuple(show)!r}")
    fig, axes = new_figure(1, len(show), figsize=(2.8 * len(show), 2.6), squeeze=False, sharey=True)
    for ax, T in zip(axes[0], show):
        r = results[T]
        x = 20 * np.arange(1, len(r["curve"]) + 1)
        ax.plot(x, r["curve"], color=RED)
        ax.axhline(r["mrr_start"], color=GREY, ls=":", lw=1)
        ax.set_title(f"T = {T}: MRR {r['mrr']:.3f},\n{r['reencodings']:,} re-encodings", fontsize=9)
        ax.set_xlabel("training step")
    axes[0, 0].set_ylabel("held-out MRR")
    fig.subplots_adjust(left=0.08, right=0.99, bottom=0.18, top=0.82, wspace=0.1)
    return fig


# ------------------------------------------------------------------ the query adapter
def plot_adapter_gains(gains, intervals, label: str = "held-out MRR") -> Figure:
    """The gain of the query adapter on each split, with its interval, and their mean ± sd.

    ``gains`` and ``intervals`` are the "mrr_gain" and "ci" of
    :func:`ragmath.adaptation.query_adapter_experiment`: one mean paired
    difference (after − before) per seed, with its 95 % bootstrap interval
    over the held-out questions. The band is the mean over seeds ± one
    standard deviation across seeds (ddof = 1).

    Parameters
    ----------
    gains : array-like, shape (S,)
        The gain of every seed.
    intervals : array-like, shape (S, 2)
        (low, high) of every seed, low ≤ high.
    label : str
        The measure, for the axis label.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If the shapes do not fit, a value is nan or inf, or a low end exceeds its high end.

    Examples
    --------
    >>> fig = plot_adapter_gains([0.01, -0.02], [[-0.01, 0.03], [-0.05, 0.0]])
    >>> len(fig.axes[0].collections) > 0
    True
    """
    func = "plot_adapter_gains"
    g = as_float_array(gains, "gains", func, ndim=1)
    ci = as_float_array(intervals, "intervals", func, ndim=2)
    if ci.shape != (len(g), 2):
        raise ValueError(f"{func}: intervals must have shape ({len(g)}, 2), got {ci.shape}")
    if (ci[:, 0] > ci[:, 1]).any():
        raise ValueError(f"{func}: intervals has a low end above its high end "
                         f"(at row {int(np.argmax(ci[:, 0] > ci[:, 1]))})")
    mean = float(g.mean())
    sd = float(g.std(ddof=1)) if len(g) > 1 else 0.0
    x = np.arange(len(g))
    fig, ax = new_figure(figsize=(6.4, 2.9))
    ax.axhspan(mean - sd, mean + sd, color=GREY, alpha=0.2, lw=0, label="mean ± sd over splits")
    ax.axhline(mean, color=GREY, lw=1.5)
    ax.axhline(0.0, color="black", lw=0.8, ls=":")
    ax.errorbar(x, g, yerr=[g - ci[:, 0], ci[:, 1] - g], fmt="o", color=BLUE, ecolor=BLUE,
                capsize=3, label="gain of one split, 95% bootstrap interval")
    ax.set_xticks(x, [str(i) for i in x])
    ax.set_xlabel("split (seed)")
    ax.set_ylabel(f"gain in {label}")
    ax.set_title(f"after − before, held-out questions: mean {mean:+.3f} ± {sd:.3f} (sd over splits)",
                 fontsize=9)
    ax.legend(fontsize=8, loc="lower right")
    fig.subplots_adjust(left=0.12, right=0.98, bottom=0.16, top=0.9)
    return fig


def plot_adapter_training(history, curve_steps, curve_train, curve_test) -> Figure:
    """The query adapter's training: the objective, and the MRR on training and held-out questions.

    The inputs are the "history", "curve_steps", "curve_train" and
    "curve_test" of :func:`ragmath.adaptation.query_adapter_experiment`, one
    row per seed. Left: J(A_t) (``ada-adapter-objective``) of every seed (thin)
    and their mean; right: the mean over seeds of the training and held-out
    MRR at the recorded steps, each with a band of ± one sd across seeds, and
    their values at step 0 (the frozen encoder, dotted).

    Parameters
    ----------
    history : array-like, shape (S, T + 1)
        The objective at steps 0, …, T.
    curve_steps : array-like, shape (c,)
        The recorded steps, in [0, T].
    curve_train, curve_test : array-like, shape (S, c)
        The MRR at the recorded steps.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If the shapes do not fit, a value is nan or inf, or a step is outside [0, T].

    Examples
    --------
    >>> fig = plot_adapter_training([[3.0, 2.0, 1.0]], [0, 2], [[0.8, 0.9]], [[0.8, 0.7]])
    >>> [len(ax.lines) for ax in fig.axes]
    [2, 4]
    """
    func = "plot_adapter_training"
    h = as_float_array(history, "history", func, ndim=2)
    steps = as_float_array(curve_steps, "curve_steps", func, ndim=1)
    tr = as_float_array(curve_train, "curve_train", func, ndim=2)
    te = as_float_array(curve_test, "curve_test", func, ndim=2)
    for name, arr in (("curve_train", tr), ("curve_test", te)):
        if arr.shape != (h.shape[0], len(steps)):
            raise ValueError(f"{func}: {name} must have shape ({h.shape[0]}, {len(steps)}) "
                             f"(one row per seed, one column per recorded step), got {arr.shape}")
    if (steps < 0).any() or (steps > h.shape[1] - 1).any():
        raise ValueError(f"{func}: curve_steps must lie in [0, {h.shape[1] - 1}]")
    fig, (a, b) = new_figure(1, 2, figsize=(8.0, 3.0))
    t = np.arange(h.shape[1])
    for row in h:
        a.plot(t, row, color=GREY, lw=0.6, alpha=0.6)
    a.plot(t, h.mean(axis=0), color="black", lw=1.8)
    a.set_xlabel("gradient step")
    a.set_ylabel("J(A) on the training questions (nats)")
    a.set_title(f"objective: {h[:, 0].mean():.2f} → {h[:, -1].mean():.2f} (mean over splits)", fontsize=9)
    for arr, color, name in ((tr, BLUE, "training questions"), (te, RED, "held-out questions")):
        mean = arr.mean(axis=0)
        sd = arr.std(axis=0, ddof=1) if len(arr) > 1 else np.zeros_like(mean)
        b.fill_between(steps, mean - sd, mean + sd, color=color, alpha=0.15, lw=0)
        b.plot(steps, mean, color=color, lw=1.8, label=name)
        b.axhline(mean[0], color=color, lw=0.8, ls=":")
    b.set_xlabel("gradient step")
    b.set_ylabel("MRR of the gold passage")
    b.set_title(f"training {tr[:, 0].mean():.3f} → {tr[:, -1].mean():.3f}, "
                f"held-out {te[:, 0].mean():.3f} → {te[:, -1].mean():.3f}", fontsize=9)
    b.legend(fontsize=8, loc="lower left")
    fig.subplots_adjust(left=0.08, right=0.99, bottom=0.16, top=0.9, wspace=0.28)
    return fig
