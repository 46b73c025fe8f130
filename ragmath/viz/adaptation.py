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

from .._validation import as_float_array, check_positive_float, check_positive_int, check_probability_vectors
from ..adaptation import (
    GRID,
    MEANS,
    bimodal_target,
    gaussian_on_grid,
    kl_curves,
    lsr_distribution,
    lsr_distribution_from_log,
    retriever_forward_kl_grad,
    retriever_kl_grad,
    retriever_kl_loss,
)
from ._style import new_figure

__all__ = [
    "DEFAULT_LOG_LIKELIHOODS",
    "plot_lsr",
    "plot_lsr_grid",
    "plot_kl_directions",
    "plot_kl_directions_grid",
    "plot_kl_fits",
    "plot_kl_gradients",
    "plot_jensen_gap",
    "plot_index_age",
    "plot_candidate_drift",
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
    """A Gaussian fit p = N(mean, std²) against the two-peaked target q; both KL directions against the mean.

    The chapter's notation: p is the distribution being fitted (the
    retriever's p_R), q the fixed target. Left: the densities (per grid cell).
    Right: KL(p ‖ q) (mode-seeking, the direction of ``ada-kl-loss``) and
    KL(q ‖ p) (mass-covering) as the mean of p moves, for the current std;
    the dot marks the current mean.
    """
    func = "plot_kl_directions"
    mean = float(as_float_array(mean, "mean", func, ndim=0))
    std = check_positive_float(std, "std", func)
    q = bimodal_target()
    p = gaussian_on_grid(GRID, mean, std)
    rev_now, fwd_now = retriever_kl_loss(p, q), retriever_kl_loss(q, p)
    rev, fwd = kl_curves(std)
    fig, (a, b) = new_figure(1, 2, figsize=(8.0, 3.0))
    a.plot(GRID, q, color=GREY, lw=2, label="target q")
    a.plot(GRID, p, color=BLUE, lw=1.5, label="fit p")
    a.set_yticks([])
    a.set_xlim(-6, 6)
    a.set_xlabel("x")
    a.legend(fontsize=8, loc="upper left")
    a.set_title(f"p = N({mean:.2f}, {std:.2f}²)", fontsize=9)
    b.plot(MEANS, rev, color=RED, label="KL(p ‖ q), mode-seeking")
    b.plot(MEANS, fwd, color=GREEN, label="KL(q ‖ p), mass-covering")
    b.plot([mean], [rev_now], "o", color=RED)
    b.plot([mean], [fwd_now], "o", color=GREEN)
    b.set_ylim(0, 12)
    b.set_xlabel("mean of p")
    b.set_ylabel("nats")
    b.legend(fontsize=8, loc="upper center")
    b.set_title(f"KL(p‖q) = {rev_now:.2f}, KL(q‖p) = {fwd_now:.2f}", fontsize=9)
    fig.subplots_adjust(left=0.04, right=0.98, bottom=0.16, top=0.9, wspace=0.22)
    return fig


def plot_kl_directions_grid(means=(-2.0, 0.0, 2.0), stds=(0.7, 2.2)) -> Figure:
    """Small multiples: the fit p = N(mean, std²) against the target q, with both KL values in each title."""
    func = "plot_kl_directions_grid"
    stds = [check_positive_float(float(s), "stds", func) for s in stds]
    q = bimodal_target()
    fig, axes = new_figure(len(stds), len(means), figsize=(2.6 * len(means), 2.1 * len(stds)), squeeze=False)
    for i, s in enumerate(stds):
        for j, m in enumerate(means):
            p = gaussian_on_grid(GRID, float(m), s)
            ax = axes[i, j]
            ax.plot(GRID, q, color=GREY, lw=2)
            ax.plot(GRID, p, color=BLUE, lw=1.5)
            ax.set_yticks([])
            ax.set_xlim(-6, 6)
            ax.set_title(f"N({m:g}, {s:g}²): KL(p‖q)={retriever_kl_loss(p, q):.2f}\n"
                         f"KL(q‖p)={retriever_kl_loss(q, p):.2f}", fontsize=8)
    fig.subplots_adjust(left=0.03, right=0.98, bottom=0.08, top=0.86, wspace=0.12, hspace=0.7)
    return fig


def plot_kl_fits(reverse, forward) -> Figure:
    """The best Gaussian fits to the two-peaked target in each direction of the KL (``ada-kl-directions``).

    ``reverse`` and ``forward`` are the (mean, std, …) of
    :func:`ragmath.adaptation.fit_gaussian_kl` in the directions "reverse"
    (min KL(p ‖ q), mode-seeking) and "forward" (min KL(q ‖ p),
    mass-covering), q being :func:`ragmath.adaptation.bimodal_target`.

    Parameters
    ----------
    reverse, forward : sequence of float
        (mean, std) of each fit, possibly followed by its KL (ignored); std > 0.

    Returns
    -------
    matplotlib.figure.Figure
        One axes with three lines: the target, the reverse fit, the forward fit.

    Raises
    ------
    ValueError
        If a fit has fewer than two numbers or a std is not positive.

    Examples
    --------
    >>> fig = plot_kl_fits((2.0, 0.7), (0.0, 2.1))
    >>> len(fig.axes[0].lines)
    3
    """
    func = "plot_kl_fits"
    fits = []
    for name, fit in (("reverse", reverse), ("forward", forward)):
        values = as_float_array(fit, name, func, ndim=1)
        if len(values) < 2:
            raise ValueError(f"{func}: {name} must be (mean, std[, kl]), got {len(values)} number(s)")
        fits.append((float(values[0]), check_positive_float(float(values[1]), name, func)))
    q = bimodal_target()
    fig, ax = new_figure(figsize=(6.4, 2.8))
    ax.plot(GRID, q, color=GREY, lw=2.5, label="target q (two peaks)")
    (m_r, s_r), (m_f, s_f) = fits
    ax.plot(GRID, gaussian_on_grid(GRID, m_r, s_r), color=RED,
            label=f"min KL(p‖q), mode-seeking: N({m_r:+.2f}, {s_r:.2f}²)")
    ax.plot(GRID, gaussian_on_grid(GRID, m_f, s_f), color=GREEN,
            label=f"min KL(q‖p), mass-covering: N({m_f:+.2f}, {s_f:.2f}²)")
    ax.set_yticks([])
    ax.set_xlim(-6, 6)
    ax.set_xlabel("x")
    ax.set_title("Best Gaussian fits p to a two-peaked target q, in each direction of the KL", fontsize=9)
    ax.legend(fontsize=8)
    fig.subplots_adjust(left=0.04, right=0.98, bottom=0.17, top=0.9)
    return fig


def plot_kl_gradients(target=(0.1, 0.9), scores=None) -> Figure:
    """Both KL directions and their gradients as the retriever lowers the score of a wanted candidate.

    Two candidates with scores (0, s₂) and a fixed target q = ``target``;
    p = softmax(0, s₂). Left: KL(p ‖ q) (``ada-kl-loss``) and KL(q ‖ p) against
    s₂. Right: |∂/∂s₂| of each, the size of the push gradient descent gives s₂
    (``ada-kl-grad`` and ``ada-kl-forward-grad``), on a log scale floored at
    1e-8 (both vanish at the optimum s₂ = log(q₂/q₁)): the reverse direction's
    push vanishes like p₂ as s₂ → −∞, the forward one tends to q₂.

    Parameters
    ----------
    target : sequence of two floats
        q, a probability vector with q₂ > 0.
    scores : array-like, 1-D, optional
        The values of s₂ (increasing); default 241 points from −14 to 4.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: two curves each (and, on the right, a dotted line at the optimum).

    Raises
    ------
    ValueError
        If ``target`` is not a probability vector of two entries with a
        positive second one, or ``scores`` is not increasing.

    Examples
    --------
    >>> fig = plot_kl_gradients()
    >>> [len(ax.lines) for ax in fig.axes]
    [2, 3]
    """
    func = "plot_kl_gradients"
    q = check_probability_vectors(target, "target", func).astype(np.float64)
    if q.shape != (2,) or q[1] <= 0 or q[0] <= 0:
        raise ValueError(f"{func}: target must be two positive probabilities, "
                         f"got {np.asarray(target).tolist()}")
    s2 = np.linspace(-14.0, 4.0, 241) if scores is None else as_float_array(scores, "scores", func, ndim=1)
    if len(s2) < 2 or (np.diff(s2) <= 0).any():
        raise ValueError(f"{func}: scores must be increasing, with at least two values")
    S = np.stack([np.zeros_like(s2), s2], axis=1)
    P = np.exp(S - S.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    Q = np.broadcast_to(q, P.shape)
    reverse = [retriever_kl_loss(p, q) for p in P]
    forward = [retriever_kl_loss(q, p) for p in P]
    push_rev = -np.array([retriever_kl_grad(s, q)[1] for s in S])
    push_fwd = -retriever_forward_kl_grad(S, Q)[:, 1] * len(S)  # undo the batch mean: one row each
    fig, (a, b) = new_figure(1, 2, figsize=(8.0, 3.0))
    a.plot(s2, reverse, color=RED, label="KL(p ‖ q), reverse")
    a.plot(s2, forward, color=GREEN, label="KL(q ‖ p), forward")
    a.set_xlabel("score s₂ of the candidate the target wants (s₁ = 0)")
    a.set_ylabel("loss (nats)")
    a.legend(fontsize=8)
    a.set_title(f"target q = ({q[0]:g}, {q[1]:g})", fontsize=9)
    tiny = 1e-8  # the floor of the log axis (both gradients pass through 0 at the optimum)
    b.semilogy(s2, np.maximum(np.abs(push_rev), tiny), color=RED, label="reverse: |p₂(log(p₂/q₂) − KL)|")
    b.semilogy(s2, np.maximum(np.abs(push_fwd), tiny), color=GREEN, label="forward: |p₂ − q₂|")
    b.axvline(float(np.log(q[1] / q[0])), color=GREY, lw=0.8, ls=":")
    b.set_ylim(tiny, 3.0)
    b.set_xlabel("score s₂ (s₁ = 0; dotted: the optimum, p = q)")
    b.set_ylabel("|∂ loss / ∂s₂| (log scale)")
    b.legend(fontsize=8, loc="lower left")
    b.set_title("the size of the push on s₂ in gradient descent", fontsize=9)
    fig.subplots_adjust(left=0.08, right=0.99, bottom=0.17, top=0.9, wspace=0.3)
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


def plot_index_age(refresh_every: int, lag: int, steps: int = 100) -> Figure:
    """How old the index is at every training step, for a synchronous and an asynchronous refresh.

    The index is rebuilt every T = ``refresh_every`` steps (``ada-stale``). A
    synchronous rebuild installs the index of the current encoder, so at step t
    its age is t mod T (0 to T − 1, 0 at each refresh); an asynchronous one, as
    in REALM, installs at step t the index of the encoder of step t − L, L =
    ``lag``, so its age runs from L to L + T − 1 (and until the first refresh
    the index is the initial one, of age t). The steps run 0, …, ``steps`` − 1.

    Parameters
    ----------
    refresh_every : int
        T ≥ 1.
    lag : int
        L, with 0 ≤ L ≤ T.
    steps : int
        The number of steps drawn, ≥ 2.

    Returns
    -------
    matplotlib.figure.Figure
        One axes with two step lines (synchronous, asynchronous).

    Raises
    ------
    TypeError
        If an argument is not an integer.
    ValueError
        If an argument is out of range.

    Examples
    --------
    >>> fig = plot_index_age(20, 20, steps=100)
    >>> print(fig.axes[0].lines[1].get_ydata()[[19, 20, 39, 40]].tolist())
    [19, 20, 39, 20]
    """
    func = "plot_index_age"
    T = check_positive_int(refresh_every, "refresh_every", func)
    L = check_positive_int(lag, "lag", func, minimum=0)
    if L > T:
        raise ValueError(f"{func}: lag must be at most refresh_every={T}, got {L}")
    n = check_positive_int(steps, "steps", func, minimum=2)
    t = np.arange(n)
    last = (t // T) * T  # the last refresh step (0: the initial index)
    sync = t - last
    built_from = np.where(last > 0, last - L, 0)
    async_age = t - built_from
    fig, ax = new_figure(figsize=(6.4, 2.6))
    ax.step(t, sync, where="post", color=BLUE, label="synchronous rebuild (L = 0)")
    ax.step(t, async_age, where="post", color=RED, label=f"asynchronous rebuild, L = {L} steps")
    for r in range(T, n, T):
        ax.axvline(r, color=GREY, lw=0.6, ls=":")
    ax.set_xlabel("training step t (dotted: a new index is installed)")
    ax.set_ylabel("age of the index (steps)")
    ax.set_title(f"Refresh every T = {T} steps: the index lags the encoder", fontsize=9)
    ax.legend(fontsize=8, loc="upper left")
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.19, top=0.89)
    return fig


def plot_candidate_drift(steps, overlaps) -> Figure:
    """How many of the fixed candidates the current retriever would still return, during training.

    ``overlaps`` maps a label to the mean over queries of
    :func:`ragmath.adaptation.candidate_overlap` (``ada-candidate-overlap``) at
    every step of ``steps``: 1 while the fixed candidates are the current
    top-k, lower as they go stale.

    Parameters
    ----------
    steps : array-like, shape (c,)
        The training steps, increasing.
    overlaps : dict of str to array-like, shape (c,)
        The mean overlap at each step, in [0, 1], one curve per label.

    Returns
    -------
    matplotlib.figure.Figure
        One axes with one line per label.

    Raises
    ------
    ValueError
        If ``overlaps`` is empty, a curve has the wrong length, a value is
        outside [0, 1], or ``steps`` is not increasing.

    Examples
    --------
    >>> fig = plot_candidate_drift([0, 1, 2], {"training": [1.0, 0.8, 0.6]})
    >>> len(fig.axes[0].lines)
    1
    """
    func = "plot_candidate_drift"
    x = as_float_array(steps, "steps", func, ndim=1)
    if len(x) < 1 or (np.diff(x) <= 0).any():
        raise ValueError(f"{func}: steps must be increasing, with at least one value")
    if not overlaps:
        raise ValueError(f"{func}: overlaps is empty; give at least one curve")
    fig, ax = new_figure(figsize=(6.4, 2.8))
    for (label, curve), color in zip(overlaps.items(), (BLUE, RED, GREEN, GREY)):
        y = as_float_array(curve, "overlaps", func, ndim=1)
        if y.shape != x.shape:
            raise ValueError(f"{func}: overlaps[{label!r}] must have {len(x)} values, got {len(y)}")
        if (y < 0).any() or (y > 1).any():
            raise ValueError(f"{func}: overlaps[{label!r}] has a value outside [0, 1]")
        ax.plot(x, y, color=color, lw=1.8, label=f"{label}: {y[-1]:.0%} at the end")
    ax.set_ylim(0, 1.03)
    ax.set_xlabel("training step")
    ax.set_ylabel("share of the current top-k\namong the fixed candidates")
    ax.set_title("The fixed candidates go stale as the query encoder moves", fontsize=9)
    ax.legend(fontsize=8, loc="lower left")
    fig.subplots_adjust(left=0.13, right=0.98, bottom=0.17, top=0.9)
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


def plot_jensen_gap(mixture_nll, average_nll, likelihoods=(0.05, 0.6), weights=(0.5, 0.5)) -> Figure:
    """Jensen's inequality for the mixture NLL (``ada-jensen``): the picture and the data.

    Left: the concave curve log ℓ, two likelihoods ℓ₁, ℓ₂ with weights w, and
    the chord: log of the average likelihood (on the curve) lies above the
    average of the logs (on the chord). Right: for every question, the mixture
    NLL −log Σ_c p_R(c) ℓ_c against its bound −Σ_c p_R(c) log ℓ_c, the two
    outputs of :func:`ragmath.adaptation.mixture_nll_bound`; every point lies
    on or above the diagonal.

    Parameters
    ----------
    mixture_nll, average_nll : array-like, shape (n,)
        The two sides per question, in nats.
    likelihoods : sequence of two floats
        ℓ₁ < ℓ₂ in (0, 1] for the left panel.
    weights : sequence of two floats
        Their weights (a probability vector).

    Returns
    -------
    matplotlib.figure.Figure
        Two axes.

    Raises
    ------
    ValueError
        If the shapes differ, a value is nan or inf, or the likelihoods or
        weights are invalid.

    Examples
    --------
    >>> fig = plot_jensen_gap([1.0, 2.0], [1.5, 2.0])
    >>> len(fig.axes)
    2
    """
    func = "plot_jensen_gap"
    mix = as_float_array(mixture_nll, "mixture_nll", func, ndim=1)
    avg = as_float_array(average_nll, "average_nll", func, ndim=1)
    if mix.shape != avg.shape or len(mix) == 0:
        raise ValueError(f"{func}: mixture_nll and average_nll must have the same non-empty shape, "
                         f"got {mix.shape} and {avg.shape}")
    lik = as_float_array(likelihoods, "likelihoods", func, ndim=1)
    if lik.shape != (2,) or not (0 < lik[0] < lik[1] <= 1):
        raise ValueError(f"{func}: likelihoods must be two numbers 0 < l1 < l2 <= 1, got {lik.tolist()}")
    w = check_probability_vectors(weights, "weights", func).astype(np.float64)
    if w.shape != (2,):
        raise ValueError(f"{func}: weights must be two probabilities, got shape {w.shape}")
    fig, (a, b) = new_figure(1, 2, figsize=(8.0, 3.2))
    x = np.linspace(0.02, 1.0, 200)
    a.plot(x, np.log(x), color=GREY, lw=2, label="log ℓ (concave)")
    a.plot(lik, np.log(lik), "-", color=BLUE, lw=1, label="chord")
    a.plot(lik, np.log(lik), "o", color=BLUE)
    mean_lik = float(w @ lik)
    mean_log = float(w @ np.log(lik))
    a.plot([mean_lik], [np.log(mean_lik)], "o", color=RED, label=f"log Σ w ℓ = {np.log(mean_lik):.2f}")
    a.plot([mean_lik], [mean_log], "o", color=GREEN, label=f"Σ w log ℓ = {mean_log:.2f}")
    a.vlines(mean_lik, mean_log, np.log(mean_lik), color=RED, lw=1, ls=":")
    a.set_xlabel("likelihood ℓ")
    a.set_ylabel("log ℓ")
    a.set_title(f"ℓ = ({lik[0]:g}, {lik[1]:g}), w = ({w[0]:g}, {w[1]:g})", fontsize=9)
    a.legend(fontsize=7, loc="lower right")
    lo, hi = float(min(mix.min(), avg.min())), float(max(mix.max(), avg.max()))
    b.plot([lo, hi], [lo, hi], color=GREY, lw=1, ls=":")
    b.plot(mix, avg, "o", color=BLUE, ms=3.5)
    b.set_xlabel("mixture NLL  −log Σ p_R ℓ  (nats)")
    b.set_ylabel("bound  −Σ p_R log ℓ  (nats)")
    b.set_title(f"{len(mix)} questions: mean gap {float(np.mean(avg - mix)):.2f} nats", fontsize=9)
    fig.subplots_adjust(left=0.08, right=0.99, bottom=0.16, top=0.9, wspace=0.28)
    return fig
