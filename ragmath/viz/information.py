"""Pure plotting functions for chapter 3, "Cross-entropy, perplexity and KL divergence".

Each ``plot_*`` function takes plain parameters, gets every number it draws
from :mod:`ragmath.information`, and returns a new :class:`matplotlib.figure.Figure`
(never touching pyplot). The widgets of :mod:`ragmath.widgets.information`
only connect sliders to these functions; the ``*_grid`` functions draw the
static small multiples that follow each widget on the website.

Two pictures:

- a model's predicted next-token distribution q = softmax(z / T) against a
  target distribution p, with the cross-entropy H(p, q) = H(p) + KL(p ‖ q) and
  the perplexity e^{H(p, q)} (:func:`plot_prediction`);
- the surprisal −log p(w_i | w_{i−1}) of every token of a sentence under an
  add-α bigram model, with the running perplexity (:func:`plot_sentence_surprisal`).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from .._validation import check_positive_float
from ..information import (
    bigram_surprisal,
    cross_entropy_curve,
    entropy,
    perplexity_curve,
    prediction_summary,
)
from ._style import COLORS, new_figure

__all__ = [
    "TOKENS",
    "TARGET",
    "LOGITS",
    "plot_prediction",
    "plot_prediction_sliders",
    "plot_prediction_grid",
    "plot_sentence_surprisal",
    "plot_sentence_surprisal_grid",
]

# "the cat sat on the ___": the next word's target distribution, and a model's logits
TOKENS = ("mat", "sofa", "floor", "bed", "roof", "moon")
TARGET = (0.40, 0.25, 0.15, 0.10, 0.10, 0.00)
LOGITS = (2.0, 0.5, 1.5, 0.0, -1.0, -0.5)

_TARGET_COLOR = "0.55"
_MODEL_COLOR = COLORS["a"]
_KL_COLOR = COLORS["distance"]
_H_COLOR = COLORS["similarity"]
_UNSEEN_COLOR = COLORS["distance"]
_PPL_TICKS = [1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]


# ------------------------------------------------------------- prediction vs target
def _draw_distributions(ax, summary: dict, tokens, legend: bool = True) -> None:
    x = np.arange(len(tokens))
    ax.bar(x - 0.2, summary["p"], width=0.4, color=_TARGET_COLOR, label="target p")
    ax.bar(x + 0.2, summary["q"], width=0.4, color=_MODEL_COLOR, label="model q")
    ax.set_xticks(x)
    ax.set_xticklabels(tokens, fontsize=9)
    ax.set_ylim(0, 1.02)
    if legend:
        ax.legend(fontsize=9, loc="upper right", frameon=False)


def _nats_to_perplexity(n):
    with np.errstate(over="ignore"):
        return np.exp(n)


def _perplexity_to_nats(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(np.maximum(x, 1e-300))


_PLAIN = FuncFormatter(lambda x, _: f"{x:g}")


def _plain_log_ticks(axis, ticks) -> None:
    """Fixed ticks with plain labels on a log axis: mathtext labels (10⁻³) and minor ticks are slow."""
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(_PLAIN)
    axis.set_minor_locator(NullLocator())


def _perplexity_axis(ax, which: str, top_nats: float):
    """A second axis on ``which`` side reading nats n as the perplexity e^n."""
    if which in ("top", "bottom"):
        sec = ax.secondary_xaxis(which, functions=(_nats_to_perplexity, _perplexity_to_nats))
        axis = sec.xaxis
    else:
        sec = ax.secondary_yaxis(which, functions=(_nats_to_perplexity, _perplexity_to_nats))
        axis = sec.yaxis
    ticks = [t for t in _PPL_TICKS if math.log(t) <= top_nats]
    _plain_log_ticks(axis, ticks)
    return sec


def plot_prediction(logits=LOGITS, temperature: float = 1.0, target=TARGET, tokens=TOKENS) -> Figure:
    """The target p and the model's q = softmax(z / T) (left), and H(p, q) = H(p) + KL(p ‖ q) (right).

    Left: one pair of bars per token, p (grey) then q (blue). Right: one
    stacked horizontal bar, the entropy H(p) (green, what no model can remove)
    followed by KL(p ‖ q) (orange, what the model adds); their total is the
    cross-entropy (``info-ce-decomposition``), in nats on the bottom axis and
    as the perplexity e^{H(p, q)} on the top axis. The bar segments are
    ``fig.axes[1].patches`` [H(p), KL].
    """
    summary = prediction_summary(logits, temperature, target)
    tokens = [str(t) for t in tokens]
    if len(tokens) != summary["p"].size:
        raise ValueError(
            f"plot_prediction: tokens has {len(tokens)} names but there are {summary['p'].size} logits"
        )
    fig, (ax_dist, ax_ce) = new_figure(1, 2, figsize=(9.5, 3.6), width_ratios=(1.35, 1))
    _draw_distributions(ax_dist, summary, tokens)
    ax_dist.set_ylabel("probability")
    ax_dist.set_title(f"next word after “the cat sat on the”, T = {temperature:g}", fontsize=10)

    h, kl, ce = summary["entropy"], summary["kl"], summary["cross_entropy"]
    ax_ce.barh([0], [h], height=0.5, color=_H_COLOR, label="H(p)")
    ax_ce.barh([0], [kl], left=[h], height=0.5, color=_KL_COLOR, label="KL(p ‖ q)")
    right = max(3.0, 1.12 * ce)
    ax_ce.set_xlim(0, right)
    ax_ce.set_ylim(-0.6, 1.1)
    ax_ce.set_yticks([])
    ax_ce.set_xlabel("nats")
    ax_ce.text(0.02 * right, 0.5, f"H(p) = {h:.3f}", color=_H_COLOR, fontsize=10, va="center")
    ax_ce.text(0.02 * right, 0.8, f"KL(p ‖ q) = {kl:.3f}", color=_KL_COLOR, fontsize=10, va="center")
    ax_ce.text(
        0.02 * right, -0.45,
        f"H(p, q) = {ce:.3f} nats, perplexity {summary['perplexity']:.2f}\n"
        f"(lowest possible: e^H(p) = {summary['min_perplexity']:.2f})",
        fontsize=9, va="center",
    )
    sec = _perplexity_axis(ax_ce, "top", right)
    sec.set_xlabel("perplexity", fontsize=9)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.82, wspace=0.12)
    return fig


def plot_prediction_sliders(temperature: float = 1.0, target=TARGET, tokens=TOKENS, **logits) -> Figure:
    """:func:`plot_prediction` with one keyword per logit, z1 … zV, so that one slider can drive each.

    Missing keywords take the default ``LOGITS`` (when V = 6).
    """
    size = len(tokens)
    defaults = {f"z{i}": z for i, z in enumerate(LOGITS, start=1)} if size == len(LOGITS) else {}
    names = [f"z{i}" for i in range(1, size + 1)]
    unknown = sorted(set(logits) - set(names))
    if unknown:
        raise TypeError(
            f"plot_prediction_sliders: unexpected keyword(s) {unknown}; the logits are z1 … z{size}"
        )
    values = {**defaults, **logits}
    missing = [n for n in names if n not in values]
    if missing:
        raise TypeError(f"plot_prediction_sliders: missing logit(s) {missing}")
    return plot_prediction([values[n] for n in names], temperature, target, tokens)


def plot_prediction_grid(
    temperatures=(0.25, 0.5, 1.0, 2.0, 8.0), logits=LOGITS, target=TARGET, tokens=TOKENS
) -> Figure:
    """Small multiples of :func:`plot_prediction`'s left panel, one per temperature, and H(p, q_T) against T.

    Each panel's title gives H(p, q), the perplexity and KL(p ‖ q). The last
    panel draws the cross-entropy against the temperature (log scale) with
    the panels' temperatures marked and H(p), its floor, dashed.
    """
    temperatures = [
        check_positive_float(float(t), "temperatures", "plot_prediction_grid") for t in temperatures
    ]
    tokens = [str(t) for t in tokens]
    n = len(temperatures)
    ncols = 3
    nrows = -(-(n + 1) // ncols)  # the panels and the curve, three per row
    fig, grid_axes = new_figure(nrows, ncols, figsize=(9.0, 3.3 * nrows), squeeze=False)
    axes = list(grid_axes.ravel())
    for ax in axes[n + 1 :]:
        ax.set_visible(False)
    for i, (ax, t) in enumerate(zip(axes[:n], temperatures)):
        s = prediction_summary(logits, t, target)
        _draw_distributions(ax, s, tokens, legend=i == 0)
        ax.tick_params(axis="x", labelsize=9)
        if i % ncols:
            ax.set_yticklabels([])
        ax.set_title(
            f"T = {t:g}: H(p,q) = {s['cross_entropy']:.2f}\n"
            f"PPL {s['perplexity']:.2f}, KL(p‖q) = {s['kl']:.2f}",
            fontsize=10,
        )
    ax = axes[n]
    grid = np.geomspace(min(temperatures) / 1.5, 3 * max(temperatures), 80)
    ax.plot(grid, cross_entropy_curve(grid, logits, target), color=_MODEL_COLOR, label="H(p, q_T)")
    marks = cross_entropy_curve(temperatures, logits, target)
    ax.plot(temperatures, marks, "o", color=COLORS["diff"], ms=5)
    h = entropy(target)
    ax.axhline(h, color=_H_COLOR, ls="--", lw=1.2, label="H(p)")
    ax.axhline(math.log(len(tokens)), color="0.5", ls=":", lw=1.2, label="log V")
    ax.set_xscale("log")
    _plain_log_ticks(ax.xaxis, [0.1, 1, 10])
    ax.set_ylim(0, max(3.0, 1.05 * float(marks.max())))
    ax.set_xlabel("temperature T")
    ax.set_title("cross-entropy (nats) against T", fontsize=10)
    ax.legend(fontsize=9, frameon=False)
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.08, top=0.91, wspace=0.15, hspace=0.55)
    return fig


# ---------------------------------------------------------------- a bigram model
@lru_cache(maxsize=32)
def _perplexity_curve(training: tuple, sentence: str, alphas: tuple) -> np.ndarray:
    """:func:`ragmath.information.perplexity_curve`, cached: the widget redraws it at every move."""
    curve = perplexity_curve(training, sentence, alphas)
    curve.flags.writeable = False
    return curve


_ALPHA_GRID = tuple(np.logspace(-3, 2, 31).tolist())


def _draw_surprisal(ax, result: dict, top: float, legend: bool = True, ppl_axis: bool = True) -> None:
    s = result["surprisal"]
    x = np.arange(len(s))
    heights = np.where(np.isfinite(s), s, top)
    colors = [_MODEL_COLOR if seen else _UNSEEN_COLOR for seen in result["seen"]]
    bars = ax.bar(x, heights, width=0.7, color=colors)
    for bar, value in zip(bars, s):
        if not np.isfinite(value):
            bar.set_hatch("//")
            ax.text(bar.get_x() + bar.get_width() / 2, 0.95 * top, "∞", ha="center", va="top", fontsize=12)
    running = np.log(result["running_perplexity"])  # the running mean of the surprisal
    ax.plot(x, running, "o-", color=COLORS["diff"], ms=4, lw=1.5,
            label="running mean (right axis: running perplexity)")
    ax.set_xticks(x)
    ax.set_xticklabels(result["tokens"], rotation=45, ha="right", fontsize=9)
    ax.set_xlim(-0.6, len(s) - 0.4)
    ax.set_ylim(0, top)
    if legend:
        ax.legend(handles=_legend_handles(ax), fontsize=8, loc="upper left", frameon=False)
    if ppl_axis:
        sec = _perplexity_axis(ax, "right", top)
        sec.set_ylabel("perplexity", fontsize=9)


def _legend_handles(ax) -> list:
    return [
        Patch(color=_MODEL_COLOR, label="bigram seen in training"),
        Patch(color=_UNSEEN_COLOR, label="unseen bigram"),
        ax.lines[0],
    ]


def _surprisal_top(results) -> float:
    finite = [v for r in results for v in r["surprisal"] if np.isfinite(v)]
    return max(1.0, 1.15 * max(finite, default=1.0))


def plot_sentence_surprisal(training, sentence: str, alpha: float = 1.0) -> Figure:
    """Surprisal −log p(w_i | w_{i−1}) of each token of a sentence (left) and perplexity against α (right).

    Left: one bar per predicted token (blue: the bigram occurs in training;
    orange: it does not, and only the smoothing gives it probability), with
    the running mean of the surprisal (purple line), which the right-hand axis
    reads as the running perplexity. Right: the sentence's perplexity for α
    from 0.001 to 100 (log-log), the current α marked and |V| (the perplexity
    of the uniform model that α → ∞ tends to) dotted. An infinite surprisal
    (α = 0 and an unseen bigram) is drawn as a hatched bar marked ∞.
    """
    result = bigram_surprisal(training, sentence, alpha)
    fig, (ax, ax_curve) = new_figure(1, 2, figsize=(10, 3.9), width_ratios=(2.1, 1))
    top = max(_surprisal_top([result]), math.log(result["vocabulary_size"]) + 1)
    _draw_surprisal(ax, result, top)
    ax.set_ylabel("surprisal −log p (nats)")
    ax.set_title(
        f"α = {alpha:g}: log-likelihood {result['log_likelihood']:.2f} nats over "
        f"{len(result['tokens'])} tokens, perplexity {result['perplexity']:.2f}",
        fontsize=10,
    )
    alphas = np.array(_ALPHA_GRID)
    curve = _perplexity_curve(tuple(training), sentence, _ALPHA_GRID)
    size = result["vocabulary_size"]
    ax_curve.plot(alphas, curve, color=_MODEL_COLOR, lw=1.5, label="perplexity")
    if alpha > 0:
        ax_curve.plot([alpha], [result["perplexity"]], "o", color=COLORS["diff"], ms=8,
                      label=f"α = {alpha:g}")
    ax_curve.axhline(size, color="0.5", ls=":", lw=1.2, label=f"|V| = {size}")
    ax_curve.set_xscale("log")
    _plain_log_ticks(ax_curve.xaxis, [0.001, 0.01, 0.1, 1, 10, 100])
    finite = curve[np.isfinite(curve)]
    ax_curve.set_ylim(0, 1.15 * max(size, float(finite.max(initial=0.0))))
    ax_curve.set_xlabel("smoothing α")
    ax_curve.set_title("perplexity of the sentence", fontsize=10)
    ax_curve.legend(fontsize=8, frameon=False, loc="lower right")
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.24, top=0.9, wspace=0.3)
    return fig


def plot_sentence_surprisal_grid(training, sentence: str, alphas=(0.01, 0.1, 1.0, 10.0)) -> Figure:
    """Small multiples of :func:`plot_sentence_surprisal`'s bars, one panel per α, on one scale.

    What moving the widget's slider shows: small α makes seen bigrams cheap
    and unseen ones very expensive; large α flattens every surprisal towards
    log |V|. Each title gives α and the sentence's perplexity.
    """
    alphas = [
        check_positive_float(float(a), "alphas", "plot_sentence_surprisal_grid", allow_zero=True)
        for a in alphas
    ]
    results = [bigram_surprisal(training, sentence, a) for a in alphas]
    n = len(alphas)
    ncols = 2 if n > 1 else 1
    nrows = -(-n // ncols)
    fig, grid_axes = new_figure(nrows, ncols, figsize=(9.0, 3.3 * nrows + 0.5), sharey=True, squeeze=False)
    axes = list(grid_axes.ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    top = _surprisal_top(results)
    for i, (ax, a, r) in enumerate(zip(axes, alphas, results)):
        _draw_surprisal(ax, r, top, legend=False, ppl_axis=i % ncols == ncols - 1)
        ax.set_title(f"α = {a:g}: perplexity {r['perplexity']:.2f}", fontsize=10)
        if i % ncols == 0:
            ax.set_ylabel("surprisal −log p (nats)")
    fig.legend(handles=_legend_handles(axes[0]), loc="upper center", ncol=3, fontsize=9, frameon=False)
    fig.subplots_adjust(left=0.08, right=0.92, bottom=0.1, top=1 - 0.75 / fig.get_figheight(),
                        wspace=0.08, hspace=0.6)
    return fig
