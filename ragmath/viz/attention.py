"""Pure plotting functions for chapter 2, "Attention".

Each ``plot_*`` function takes plain parameters, gets its numbers from
:mod:`ragmath.attention` (which also computes the two experiments below), and
returns a new :class:`matplotlib.figure.Figure` (never touching pyplot's global
state). The widgets of
:mod:`ragmath.widgets.attention` only connect sliders to these functions, and
the ``*_grid`` functions draw the static small multiples that follow each
widget on the website.

Two experiments:

- **score scaling**: random queries and keys with independent standard normal
  components; the scores q·k have mean 0 and variance d_k (``att-score-variance``),
  so without the factor 1/√d_k the softmax of a row saturates as d_k grows.
- **a toy sentence**: eight tokens with seeded embeddings, half "meaning", half
  "position", and two heads whose projections read one half each, so that the
  two heads attend differently (``att-mha``).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator

from .._validation import check_positive_float, check_positive_int
from ..attention import (
    DK_CHOICES,
    entropy_curve,
    score_scaling_summary,
    softmax_entropy,
    toy_attention_weights,
    toy_sentence,
)
from ..information import entropy
from ._style import new_figure

__all__ = [
    "plot_score_scaling",
    "plot_score_scaling_grid",
    "plot_attention_heatmap",
    "plot_attention_heatmap_grid",
]

COLORS = {"unscaled": "#d62728", "scaled": "#1f77b4", "current": "#7f3c8d", "uniform": "0.45"}


# ------------------------------------------------------------------ score scaling
@lru_cache(maxsize=16)
def _entropy_curve(dims: tuple, scaled: bool, n_keys: int, n_draws: int, seed: int) -> np.ndarray:
    """:func:`ragmath.attention.entropy_curve`, cached: every redraw of the widget shows it."""
    curve = entropy_curve(dims, scaled, n_keys, n_draws, seed)
    curve.flags.writeable = False
    return curve


def _score_label(scaled: bool) -> str:
    return "q·k/√d_k" if scaled else "q·k"


def _draw_histogram(ax, summary: dict, d_k: int, scaled: bool, xmax: float) -> None:
    sigma = 1.0 if scaled else math.sqrt(d_k)
    color = COLORS["scaled" if scaled else "unscaled"]
    edges = np.linspace(-4 * sigma, 4 * sigma, 33)
    scores = summary["scores"].ravel()
    counts, _ = np.histogram(scores, bins=edges)
    ax.stairs(counts, edges, fill=True, color=color, alpha=0.8)  # one patch: fast to draw
    x = np.linspace(-4 * sigma, 4 * sigma, 101)
    width = edges[1] - edges[0]
    density = scores.size * width * np.exp(-0.5 * (x / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))
    ax.plot(x, density, color="0.2", lw=1, label=f"normal, variance {sigma**2:g}")
    ax.set_xlim(-xmax, xmax)
    step = 10 ** math.floor(math.log10(xmax))
    ax.xaxis.set_major_locator(FixedLocator(np.arange(-1, 2) * step * math.floor(xmax / step)))
    ax.yaxis.set_major_locator(NullLocator())


def plot_score_scaling(
    d_k: int = 64, scaled: bool = False, n_keys: int = 16, n_draws: int = 200, seed: int = 0
) -> Figure:
    """Scores, one softmax row, and the entropy against d_k, with or without 1/√d_k.

    Left: histogram of the n_draws × n_keys scores q·k (or q·k/√d_k when
    ``scaled``) with the normal curve of the theoretical variance d_k (or 1);
    the x-axis is fixed, so the unscaled scores visibly spread as d_k grows.
    Middle: the softmax weights of one row of n_keys scores, largest first.
    Right: the mean entropy of a row against d_k, unscaled and scaled, with
    log n_keys (the uniform row) dashed and the current d_k marked.
    """
    func = "plot_score_scaling"
    d_k = check_positive_int(d_k, "d_k", func)
    summary = score_scaling_summary(d_k, scaled, n_keys, n_draws, seed)
    fig, (ax_hist, ax_row, ax_curve) = new_figure(1, 3, figsize=(11, 3.4), width_ratios=(1.2, 1, 1.2))
    xmax = 4 * math.sqrt(max(DK_CHOICES[-1], d_k))
    _draw_histogram(ax_hist, summary, d_k, scaled, xmax)
    ax_hist.set_xlabel(_score_label(scaled))
    ax_hist.set_title(
        f"d_k = {d_k}: mean {summary['mean']:+.2f}, variance {summary['variance']:.1f}\n"
        f"(theory: 0 and {1 if scaled else d_k})",
        fontsize=10,
    )
    example = np.sort(summary["example"])[::-1]
    color = COLORS["scaled" if scaled else "unscaled"]
    ax_row.vlines(np.arange(1, example.size + 1), 0, example, color=color, lw=9)  # bars, as one artist
    ax_row.set_xlim(0.3, example.size + 0.7)
    ax_row.set_ylim(0, 1)
    ax_row.xaxis.set_major_locator(FixedLocator([1, example.size // 2, example.size]))
    ax_row.yaxis.set_major_locator(FixedLocator([0, 0.5, 1]))
    ax_row.set_xlabel("key, by decreasing weight")
    ax_row.set_ylabel("softmax weight")
    h0 = softmax_entropy(summary["scores"][0])
    ax_row.set_title(f"one row: largest weight {example[0]:.2f}\nentropy {h0:.2f} nats", fontsize=10)
    dims = DK_CHOICES
    for which in (False, True):
        curve = _entropy_curve(dims, which, int(n_keys), int(n_draws), int(seed))
        color = COLORS["scaled" if which else "unscaled"]
        ax_curve.plot(dims, curve, "o-", ms=3, color=color, label="scaled" if which else "unscaled")
        ax_curve.text(dims[-1], curve[-1] + 0.12, "scaled" if which else "unscaled",
                      color=color, ha="right", va="bottom", fontsize=9)
    ax_curve.plot([d_k], [summary["mean_entropy"]], "o", ms=9, color=COLORS["current"], label=f"d_k = {d_k}")
    log_n = math.log(n_keys)
    ax_curve.axhline(log_n, ls="--", lw=1, color=COLORS["uniform"], label=f"log {n_keys} (uniform)")
    ax_curve.text(1, log_n + 0.05, f"log {n_keys}: uniform", color=COLORS["uniform"], fontsize=8, va="bottom")
    ax_curve.set_xscale("log", base=2)
    ax_curve.xaxis.set_major_locator(FixedLocator([1, 4, 16, 64, 256, 1024]))
    ax_curve.xaxis.set_minor_locator(NullLocator())
    ax_curve.xaxis.set_major_formatter("{x:g}")
    ax_curve.set_ylim(0, 1.15 * log_n)
    ax_curve.yaxis.set_major_locator(FixedLocator([0, 1, 2, 3]))
    ax_curve.set_xlabel("d_k")
    ax_curve.set_ylabel("mean entropy of a row (nats)")
    ax_curve.set_title(f"mean entropy {summary['mean_entropy']:.2f} nats", fontsize=10)
    fig.subplots_adjust(left=0.03, right=0.98, bottom=0.15, top=0.83, wspace=0.32)
    return fig


def plot_score_scaling_grid(
    d_ks=(4, 64, 1024), n_keys: int = 16, n_draws: int = 200, seed: int = 0
) -> Figure:
    """Small multiples of the score histogram: rows unscaled / scaled, one column per d_k.

    Each title gives the sample variance and the mean entropy of a row.
    """
    d_ks = [check_positive_int(int(d), "d_ks", "plot_score_scaling_grid") for d in d_ks]
    fig, axes = new_figure(2, len(d_ks), figsize=(3.2 * len(d_ks), 5.4), squeeze=False)
    xmax = 4 * math.sqrt(max(d_ks))
    for row, scaled in enumerate((False, True)):
        for col, d_k in enumerate(d_ks):
            ax = axes[row, col]
            summary = score_scaling_summary(d_k, scaled, n_keys, n_draws, seed)
            _draw_histogram(ax, summary, d_k, scaled, xmax)
            ax.set_title(
                f"d_k = {d_k}, {'scaled' if scaled else 'unscaled'}\n"
                f"variance {summary['variance']:.1f}, entropy {summary['mean_entropy']:.2f}",
                fontsize=10,
            )
        axes[row, 0].set_ylabel(_score_label(scaled), fontsize=10)
    fig.subplots_adjust(left=0.05, right=0.98, bottom=0.06, top=0.9, wspace=0.15, hspace=0.55)
    return fig


# -------------------------------------------------------------------- toy sentence
@lru_cache(maxsize=64)
def _toy_weights(temperature: float, seed: int) -> np.ndarray:
    """:func:`ragmath.attention.toy_attention_weights`, cached (read-only) for the widget's redraws."""
    weights = toy_attention_weights(temperature, seed)
    weights.flags.writeable = False
    return weights


def _draw_heatmap(ax, weights: np.ndarray, tokens, annotate: bool = True, fontsize: int = 8) -> None:
    n = len(tokens)
    ax.imshow(weights, cmap="Blues", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xticklabels(tokens, rotation=90, fontsize=fontsize + 1)
    ax.set_yticklabels(tokens, fontsize=fontsize + 1)
    ax.tick_params(length=0)
    if annotate:
        for i in range(n):
            for j in range(n):
                w = weights[i, j]
                if w >= 0.05:
                    ax.text(j, i, f"{w:.2f}"[1:] if w < 1 else "1", ha="center", va="center",
                            fontsize=fontsize, color="white" if w > 0.6 else "0.15")


def plot_attention_heatmap(head: int = 0, temperature: float = 1.0, seed: int = 0) -> Figure:
    """The attention weights of one head of the toy sentence, rows = queries, columns = keys.

    Each row is a probability vector (``att-softmax``); the title gives the
    head, the temperature and the mean entropy of a row (``att-entropy``).
    """
    func = "plot_attention_heatmap"
    toy = toy_sentence(seed)
    head = check_positive_int(head, "head", func, minimum=0)
    if head >= toy["num_heads"]:
        raise ValueError(f"{func}: head must be 0 or 1 (the toy sentence has 2 heads), got {head}")
    weights = _toy_weights(temperature, seed)[head]
    fig, ax = new_figure(1, 1, figsize=(5.2, 5.0))
    _draw_heatmap(ax, weights, toy["tokens"])
    ax.set_xlabel("key (attended to)")
    ax.set_ylabel("query (attending)")
    mean_entropy = float(np.mean(entropy(weights)))
    ax.set_title(
        f"head {head} ({toy['head_names'][head]}), T = {temperature:g}\n"
        f"mean entropy of a row {mean_entropy:.2f} nats",
        fontsize=10,
    )
    fig.subplots_adjust(left=0.14, right=0.98, bottom=0.14, top=0.88)
    return fig


def plot_attention_heatmap_grid(heads=(0, 1), temperatures=(0.25, 1.0, 4.0), seed: int = 0) -> Figure:
    """Small multiples of :func:`plot_attention_heatmap`: one row per head, one column per temperature."""
    func = "plot_attention_heatmap_grid"
    toy = toy_sentence(seed)
    heads = [check_positive_int(int(h), "heads", func, minimum=0) for h in heads]
    temperatures = [check_positive_float(t, "temperatures", func) for t in temperatures]
    fig, axes = new_figure(
        len(heads), len(temperatures), figsize=(3.4 * len(temperatures), 3.5 * len(heads)), squeeze=False
    )
    for row, head in enumerate(heads):
        for col, t in enumerate(temperatures):
            weights = _toy_weights(t, seed)[head]
            ax = axes[row, col]
            _draw_heatmap(ax, weights, toy["tokens"], annotate=False)
            ax.set_title(
                f"head {head} ({toy['head_names'][head]}), T = {t:g}\n"
                f"entropy {np.mean(entropy(weights)):.2f} nats",
                fontsize=10,
            )
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.08, top=0.92, wspace=0.3, hspace=0.45)
    return fig

