"""Pure plotting functions for chapter 7, "Evaluating retrieval: MRR and NDCG".

Each ``plot_*`` function takes plain parameters, gets every number it draws
from :mod:`ragmath.metrics` (:func:`~ragmath.metrics.ranking_breakdown`,
:func:`~ragmath.metrics.significance_summary`, ...), and returns a new
:class:`matplotlib.figure.Figure` without touching pyplot. The widgets of :mod:`ragmath.widgets.metrics` only
connect controls to these functions; the ``*_grid`` functions draw the static
small multiples that follow each widget on the website.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from .._validation import check_choice, check_positive_int
from ..metrics import (
    GAINS,
    exact_sign_flip_means,
    gain_values,
    idcg_at_k,
    move_document,
    rank_discounts,
    ranking_breakdown,
    significance_summary,
)
from ._style import COLORS, new_figure

__all__ = [
    "DEFAULT_GRADES",
    "DEFAULT_RANKING",
    "GRADE_COLORS",
    "plot_ranking_metrics",
    "plot_ranking_metrics_grid",
    "plot_per_query",
    "plot_significance",
    "plot_significance_grid",
    "plot_discount_curves",
    "plot_precision_recall",
    "plot_metric_at_k",
    "plot_exact_null",
]

#: The judged documents of the small example: name -> grade (0 to 3).
DEFAULT_GRADES: dict[str, int] = {"A": 3, "B": 2, "C": 2, "D": 1, "E": 1, "F": 0, "G": 0, "H": 0}
#: A system's ranking of them, best first.
DEFAULT_RANKING: tuple[str, ...] = ("D", "A", "F", "B", "G", "E", "C", "H")
#: One colour per grade, from "not relevant" (grey) to "answers the query" (dark green).
GRADE_COLORS = ("#d9d9d9", "#c7e9c0", "#74c476", "#238b45")
_SYSTEM_COLORS = ("#1f77b4", "#ff7f0e")


def _grade_color(grade: float) -> str:
    return GRADE_COLORS[int(np.clip(np.floor(grade), 0, len(GRADE_COLORS) - 1))]


# ------------------------------------------------------------ one ranked list
def _draw_contributions(ax, values: dict, k: int, gain: str, highlight: str | None = None, ymax=None,
                        curves: bool = False) -> None:
    """Bars of g(r_i)/log2(i+1) per rank, coloured by grade; dotted bars: the undiscounted gain.

    With ``curves``, also the cumulated DCG@i and IDCG@i (i ≤ k) as step lines.
    """
    n = len(values["ranking"])
    ranks = np.arange(1, n + 1)
    colors = [_grade_color(g) for g in values["grades"]]
    gains = gain_values(values["grades"], gain)
    ax.bar(ranks, gains, width=0.8, facecolor="none", edgecolor="0.55", lw=0.8, ls=":", label="gain g(r)")
    ax.bar(ranks, values["contributions"], width=0.8, color=colors, edgecolor="0.3", lw=0.6,
           label="g(r) / log2(i + 1)")
    if curves:
        last = min(k, n)
        cut = np.arange(1, last + 1)
        ax.step(cut, np.cumsum(values["contributions"][:last]), where="mid", color=COLORS["distance"], lw=2,
                label=f"DCG@i: {values['dcg']:.2f} at k")
        ax.step(cut, np.cumsum(values["ideal_contributions"][:last]), where="mid", color="0.35", lw=1.5,
                ls="--", label=f"IDCG@i: {values['idcg']:.2f} at k")
    if k < n:
        ax.axvspan(k + 0.5, n + 0.6, color="0.93", zorder=0)
        ax.axvline(k + 0.5, color="0.4", lw=1, ls="--")
    ax.set_xlim(0.4, n + 0.6)
    top = ymax if ymax is not None else max(1.0, float(gains.max(initial=0.0)))
    ax.set_ylim(0, (1.45 if curves else 1.12) * top)  # room for the legend above the curves
    ax.set_xticks(ranks)
    ax.set_xticklabels([f"{d}\n{g:g}" for d, g in zip(values["ranking"], values["grades"])], fontsize=8)
    if highlight is not None and highlight in values["ranking"]:
        label = ax.get_xticklabels()[values["ranking"].index(highlight)]
        label.set_color(COLORS["b"])
        label.set_fontweight("bold")


def plot_ranking_metrics(
    doc: str = "A",
    position: int = 2,
    gain: str = "exponential",
    k: int = 5,
    ranking: Sequence[str] = DEFAULT_RANKING,
    grades: Mapping[str, float] = DEFAULT_GRADES,
) -> Figure:
    """Move one document of a ranked list and read RR, DCG@k and NDCG@k.

    Left: the ranking after moving ``doc`` to rank ``position`` (document name
    and grade under each bar, the moved one in red), each bar the rank's
    contribution g(r_i)/log2(i + 1) to DCG (``eval-dcg``), dotted outlines the
    undiscounted gains, ranks beyond k shaded; the step lines accumulate DCG@i
    and the ideal IDCG@i (``eval-idcg``) up to k, labelled with DCG@k and IDCG@k.
    Right: bars for RR (``eval-rr``), NDCG@k (``eval-ndcg``) and DCG@k/IDCG@k's
    two terms are in the title. The bar heights are the values (``ax.patches``).
    """
    func = "plot_ranking_metrics"
    gain = check_choice(gain, "gain", func, GAINS)
    k = check_positive_int(k, "k", func)
    values = ranking_breakdown(move_document(ranking, doc, position), grades, k, gain)
    fig, (ax_list, ax_bars) = new_figure(1, 2, figsize=(10, 3.6), width_ratios=(2.6, 1))
    ideal_max = idcg_at_k(list(grades.values()), len(grades), gain)
    _draw_contributions(ax_list, values, k, gain, highlight=doc, ymax=ideal_max, curves=True)
    ax_list.set_title(f"{doc} moved to rank {position}; {gain} gain, cut at k = {k}", fontsize=10)
    ax_list.legend(fontsize=8, loc="upper left", ncol=2, frameon=False)

    heights = [values["rr"], values["ndcg"]]
    colors = [COLORS["cosine"], COLORS["similarity"]]
    bars = ax_bars.bar(["RR", f"NDCG@{k}"], heights, color=colors, width=0.6)
    for bar, v in zip(bars, heights):
        ax_bars.text(bar.get_x() + bar.get_width() / 2, v + 0.02, f"{v:.3f}", ha="center", fontsize=9)
    ax_bars.set_ylim(0, 1.12)
    ax_bars.set_yticks([0, 0.5, 1.0])
    ax_bars.set_title(f"NDCG@{k} = {values['dcg']:.2f} / {values['idcg']:.2f}", fontsize=10)
    fig.subplots_adjust(left=0.04, right=0.99, bottom=0.17, top=0.9, wspace=0.15)
    return fig


def plot_ranking_metrics_grid(
    orderings: Mapping[str, Sequence[str]] | None = None,
    gains: Sequence[str] = GAINS,
    k: int = 5,
    grades: Mapping[str, float] = DEFAULT_GRADES,
) -> Figure:
    """Small multiples of the ranked list: one row per gain, one column per ordering.

    Each panel shows the contributions g(r_i)/log2(i + 1) of
    :func:`plot_ranking_metrics` and, in its title, RR, NDCG@k and DCG@k/IDCG@k.
    The default orderings are the ideal one, the system's ranking, the
    system's ranking with its best document moved to the last rank, and the
    ideal one reversed.
    """
    func = "plot_ranking_metrics_grid"
    if orderings is None:
        ideal = tuple(sorted(grades, key=lambda d: (-grades[d], d)))
        orderings = {
            "ideal": ideal,
            "the system's": DEFAULT_RANKING,
            "A moved to the end": move_document(DEFAULT_RANKING, "A", len(DEFAULT_RANKING)),
            "ideal reversed": ideal[::-1],
        }
    gains = [check_choice(g, "gains", func, GAINS) for g in gains]
    k = check_positive_int(k, "k", func)
    fig, axes = new_figure(len(gains), len(orderings), figsize=(2.75 * len(orderings), 2.55 * len(gains)),
                           squeeze=False)
    for row, gain in enumerate(gains):
        top_gain = float(gain_values(list(grades.values()), gain).max(initial=1.0))
        for col, (name, ranking) in enumerate(orderings.items()):
            ax = axes[row, col]
            values = ranking_breakdown(ranking, grades, k, gain)
            _draw_contributions(ax, values, k, gain, ymax=top_gain)
            ax.set_title(
                f"{name}\nRR {values['rr']:.2f}  NDCG@{k} {values['ndcg']:.3f}\n"
                f"DCG {values['dcg']:.2f} / IDCG {values['idcg']:.2f}",
                fontsize=8.5,
            )
            ax.tick_params(axis="x", labelsize=7)
            ax.tick_params(axis="y", labelsize=7)
        axes[row, 0].set_ylabel(f"{gain} gain", fontsize=10)
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.09, top=0.86, wspace=0.22, hspace=0.95)
    return fig


# -------------------------------------------------------------- per-query scatter
def plot_per_query(
    results: Sequence[pd.DataFrame], names: Sequence[str] = ("system A", "system B"), columns=None
) -> Figure:
    """Per-query scatter of two systems' metrics: one panel per column of :func:`ragmath.metrics.evaluate`.

    Each point is a query (x: the first system, y: the second); identical
    points are merged into one marker whose area grows with their number. Points
    above the diagonal are queries on which the second system does better; the
    title counts them.
    """
    func = "plot_per_query"
    if len(results) != 2 or len(names) != 2:
        raise ValueError(f"{func}: results and names must each hold two systems")
    first, second = results
    if not first.index.equals(second.index):
        raise ValueError(f"{func}: the two results must have the same queries in the same order")
    columns = list(first.columns) if columns is None else list(columns)
    fig, axes = new_figure(1, len(columns), figsize=(4.2 * len(columns), 4.1), squeeze=False)
    for ax, column in zip(axes[0], columns):
        x = first[column].to_numpy(dtype=float)
        y = second[column].to_numpy(dtype=float)
        points, counts = np.unique(np.round(np.column_stack([x, y]), 12), axis=0, return_counts=True)
        ax.scatter(points[:, 0], points[:, 1], s=18 * counts, color=COLORS["cosine"], alpha=0.6,
                   edgecolor="white", lw=0.5)
        ax.plot([0, 1], [0, 1], color="0.5", lw=1, ls="--")
        ax.set_xlim(-0.04, 1.04)
        ax.set_ylim(-0.04, 1.04)
        ax.set_aspect("equal")
        ax.set_xlabel(f"{names[0]}: {column}")
        ax.set_ylabel(f"{names[1]}: {column}")
        better, worse = int(np.sum(y > x)), int(np.sum(y < x))
        ax.set_title(
            f"{column}: {names[1]} better on {better},\nworse on {worse}, tied on {len(x) - better - worse}",
            fontsize=10,
        )
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.13, top=0.87, wspace=0.3)
    return fig


# ------------------------------------------------------------- significance
def _bootstrap_range(summaries) -> np.ndarray:
    """Common bins for the bootstrap histograms of several summaries: their range, padded."""
    draws = np.concatenate([np.concatenate([s["boot_a"], s["boot_b"]]) for s in summaries])
    low, high = float(draws.min()), float(draws.max())
    pad = max(0.02, 0.08 * (high - low))
    return np.linspace(max(0.0, low - pad), min(1.0, high + pad) if high <= 1 else high + pad, 61)


def _draw_bootstrap(ax, summary: dict, names, bins) -> None:
    """Histograms of the two systems' bootstrap means; their 95 % intervals as bars above them."""
    top = max(np.histogram(summary[key], bins=bins)[0].max() for key in ("boot_a", "boot_b"))
    systems = (("a", summary["boot_a"], names[0], _SYSTEM_COLORS[0]),
               ("b", summary["boot_b"], names[1], _SYSTEM_COLORS[1]))
    for row, (key, boot, name, color) in enumerate(systems):
        mean, low, high = summary["means"][key]
        ax.hist(boot, bins=bins, histtype="stepfilled", color=color, alpha=0.45, label=f"{name} {mean:.3f}")
        y = top * (1.1 + 0.12 * row)
        ax.plot([low, high], [y, y], color=color, lw=3, solid_capstyle="butt")
        ax.plot([mean], [y], "o", color=color, ms=4)
    ax.set_xlim(bins[0], bins[-1])
    ax.set_ylim(0, top * 1.32)
    ax.set_yticks([])


def _draw_null(ax, summary: dict, bins) -> None:
    ax.hist(summary["null"], bins=bins, histtype="stepfilled", color="0.7", label="sign flips (H0)")
    d = summary["diff"]
    for x in (d, -d):
        ax.axvline(x, color=COLORS["b"], lw=1.5)
    ax.set_xlim(bins[0], bins[-1])
    ax.set_yticks([])


def plot_significance(
    a, b, n_queries: int | None = None, names: Sequence[str] = ("A", "B"), metric: str = "RR",
    n_resamples: int = 2000, seed: int = 0,
) -> Figure:
    """Bootstrap distributions of two systems' mean metric, and the paired randomization test.

    Left: the bootstrap means (``eval-bootstrap``) of each system on the first
    ``n_queries`` queries (see :func:`ragmath.metrics.significance_summary`), each with its
    95 % percentile interval and its mean drawn above it (``eval-bootstrap-ci``).
    Right: the null distribution of the mean difference under sign flips
    (``eval-randomization``), the observed difference ±d in red, the p-value
    in the title.
    """
    summary = significance_summary(a, b, n_queries, n_resamples, seed)
    fig, (ax_boot, ax_null) = new_figure(1, 2, figsize=(10, 3.5))
    _draw_bootstrap(ax_boot, summary, names, _bootstrap_range([summary]))
    ax_boot.legend(fontsize=8, loc="center left", frameon=False)
    ax_boot.set_xlabel(f"mean {metric} over a bootstrap resample")
    ax_boot.set_title(f"{summary['n']} queries: bootstrap means, 95 % intervals above", fontsize=10)
    width = max(0.05, 1.1 * max(np.abs(summary["null"]).max(), abs(summary["diff"])))
    _draw_null(ax_null, summary, np.linspace(-width, width, 61))
    ax_null.set_xlabel(f"mean difference in {metric} ({names[0]} − {names[1]})")
    ax_null.set_title(f"observed {summary['diff']:+.3f}, paired randomization p = {summary['p_value']:.3f}",
                      fontsize=10)
    fig.subplots_adjust(left=0.03, right=0.99, bottom=0.16, top=0.88, wspace=0.12)
    return fig


def plot_significance_grid(
    a, b, sizes: Sequence[int | None] = (10, 20, 40, None), names: Sequence[str] = ("A", "B"),
    metric: str = "RR", n_resamples: int = 2000, seed: int = 0,
) -> Figure:
    """Small multiples of :func:`plot_significance`: one column per number of queries.

    Top row: the bootstrap distributions of the two means and their 95 %
    intervals; bottom row: the sign-flip null distribution of the mean
    difference with the observed difference. With more queries both narrow
    about as 1/√n.
    """
    summaries = [significance_summary(a, b, n, n_resamples, seed) for n in sizes]
    fig, axes = new_figure(2, len(sizes), figsize=(2.7 * len(sizes), 4.6), squeeze=False)
    boot_bins = _bootstrap_range(summaries)
    width = max(0.05, 1.1 * max(max(np.abs(s["null"]).max(), abs(s["diff"])) for s in summaries))
    for col, summary in enumerate(summaries):
        _draw_bootstrap(axes[0, col], summary, names, boot_bins)
        axes[0, col].set_title(f"n = {summary['n']} queries", fontsize=10)
        _draw_null(axes[1, col], summary, np.linspace(-width, width, 61))
        axes[1, col].set_title(f"p = {summary['p_value']:.3f}", fontsize=10)
        axes[0, col].tick_params(labelsize=7)
        axes[1, col].tick_params(labelsize=7)
    axes[0, 0].set_ylabel(f"bootstrap mean {metric}", fontsize=9)
    axes[1, 0].set_ylabel("null: sign flips", fontsize=9)
    handles = [Patch(color=_SYSTEM_COLORS[0], alpha=0.45, label=names[0]),
               Patch(color=_SYSTEM_COLORS[1], alpha=0.45, label=names[1]),
               Patch(color="0.7", label=f"mean difference under H0 ({names[0]} − {names[1]})")]
    fig.legend(handles=handles, loc="upper center", ncol=3, fontsize=8.5, frameon=False)
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.07, top=0.86, wspace=0.12, hspace=0.45)
    return fig


# ------------------------------------------------------------------ discount curves
def plot_discount_curves(max_rank: int = 20) -> Figure:
    """The weight of each rank under the discounts of DCG (``eval-dcg``, ``eval-dcg-jk``) and under RR.

    1/log2(i + 1) (Burges et al., current trec_eval); Järvelin and Kekäläinen's
    1/max(1, log_b i) for b = 2 and b = 10 (ranks 1 to b undiscounted); and
    RR's 1/i (``eval-rr``), for ranks 1 to ``max_rank``.
    """
    func = "plot_discount_curves"
    max_rank = check_positive_int(max_rank, "max_rank", func)
    if max_rank < 2:
        raise ValueError(f"{func}: max_rank must be at least 2, got {max_rank}")
    i = np.arange(1, max_rank + 1, dtype=float)
    weights = {
        "1 / log₂(i + 1)  (eq. eval-dcg)": (1 / rank_discounts(max_rank), "#1f77b4", "-"),
        "1 / max(1, log₂ i)  (JK, b = 2)": (1 / np.maximum(1.0, np.log2(i)), "#ff7f0e", "-"),
        "1 / max(1, log₁₀ i)  (JK, b = 10)": (1 / np.maximum(1.0, np.log10(i)), "#2ca02c", "-"),
        "1 / i  (reciprocal rank)": (1 / i, "0.4", "--"),
    }
    fig, ax = new_figure(figsize=(6.4, 3.6))
    for label, (w, color, ls) in weights.items():
        ax.plot(i, w, marker="o", ms=3, color=color, ls=ls, lw=1.4, label=label)
    ax.set_xlim(0.5, max_rank + 0.5)
    ax.set_ylim(0, 1.08)
    ax.set_xticks([1, 2, 5, 10, 15, 20] if max_rank >= 20 else list(range(1, max_rank + 1)))
    ax.set_xlabel("rank i")
    ax.set_ylabel("weight of rank i")
    ax.set_title("how much a gain at rank i counts", fontsize=10)
    ax.legend(fontsize=8, loc="center right")
    fig.subplots_adjust(left=0.1, right=0.97, bottom=0.14, top=0.9)
    return fig


# ------------------------------------------------------------ precision and recall
def plot_precision_recall(curves: Mapping[str, tuple], highlight: str | None = None,
                          title: str = "") -> Figure:
    """Precision against recall as step curves, one per system (``eval-precision-recall``).

    ``curves`` maps a system's name to ``(precision, recall)`` at every
    cutoff, as :func:`ragmath.metrics.precision_recall_at_k` returns them.
    The legend gives each system's average precision, the area under its
    steps (``eval-ap``, ``eval-ap-area``); the area of ``highlight`` is shaded.
    """
    func = "plot_precision_recall"
    if not isinstance(curves, Mapping) or not curves:
        raise ValueError(f"{func}: curves must map at least one system name to (precision, recall)")
    if highlight is not None and highlight not in curves:
        raise ValueError(f"{func}: highlight must be one of the systems of curves, got {highlight!r}")
    palette = ("#7f7f7f", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728")
    fig, ax = new_figure(figsize=(6.4, 3.8))
    for j, (name, pair) in enumerate(curves.items()):
        try:
            precision, recall = (np.asarray(v, dtype=float) for v in pair)
        except (TypeError, ValueError):
            raise ValueError(f"{func}: curves[{name!r}] must be a pair (precision, recall)") from None
        if precision.shape != recall.shape or precision.ndim != 1 or np.any(np.diff(recall) < 0):
            raise ValueError(f"{func}: curves[{name!r}] needs equal-length precision and recall, "
                             f"recall non-decreasing")
        widths = np.diff(np.concatenate([[0.0], recall]))
        area = float(np.sum(precision * widths))
        hits = widths > 0  # the relevant ranks: precision where recall rises
        r_steps = np.concatenate([[0.0], recall[hits]])
        p_steps = np.concatenate([precision[hits][:1], precision[hits]])
        color = palette[j % len(palette)]
        ax.step(r_steps, p_steps, where="pre", color=color, lw=1.8, label=f"{name}: AP = {area:.3f}")
        if name == highlight:
            ax.fill_between(r_steps, p_steps, step="pre", color=color, alpha=0.18, lw=0)
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("recall R@k")
    ax.set_ylabel("precision P@k at each relevant rank")
    ax.set_title(title or "precision–recall", fontsize=10)
    ax.legend(fontsize=8, loc="lower left")
    fig.subplots_adjust(left=0.1, right=0.97, bottom=0.13, top=0.9)
    return fig


# -------------------------------------------------------- metrics against the cutoff
def plot_metric_at_k(curves: Mapping[str, Mapping[str, np.ndarray]], ks) -> Figure:
    """Mean metric@k over the queries against k, one panel per metric, with ±1.96 standard errors.

    ``curves[system][metric]`` is an (n_queries, len(ks)) array of per-query
    values (e.g. NDCG@k from :func:`ragmath.metrics.ndcg_at_k` (``eval-ndcg``)
    and recall@k from :func:`ragmath.metrics.precision_recall_at_k`); the band
    is the normal interval of the mean over queries.
    """
    func = "plot_metric_at_k"
    ks = np.asarray(ks, dtype=float)
    if ks.ndim != 1 or len(ks) < 2:
        raise ValueError(f"{func}: ks must hold at least two cutoffs")
    if not isinstance(curves, Mapping) or not curves:
        raise ValueError(f"{func}: curves must map system names to {{metric: array}}")
    metrics = list(next(iter(curves.values())).keys())
    palette = ("#7f7f7f", "#1f77b4", "#ff7f0e", "#2ca02c")
    fig, axes = new_figure(1, len(metrics), figsize=(4.3 * len(metrics), 3.5), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for j, (name, by_metric) in enumerate(curves.items()):
            if metric not in by_metric:
                raise ValueError(f"{func}: curves[{name!r}] has no {metric!r}")
            values = np.asarray(by_metric[metric], dtype=float)
            if values.ndim != 2 or values.shape[1] != len(ks):
                raise ValueError(f"{func}: curves[{name!r}][{metric!r}] must have one column per k")
            mean = values.mean(axis=0)
            se = values.std(axis=0, ddof=1) / np.sqrt(len(values))
            color = palette[j % len(palette)]
            ax.plot(ks, mean, color=color, lw=1.6, marker="o", ms=2.5, label=name)
            ax.fill_between(ks, mean - 1.96 * se, mean + 1.96 * se, color=color, alpha=0.15, lw=0)
        ax.set_xlabel("cutoff k")
        ax.set_ylabel(f"mean {metric}")
        ax.set_ylim(0, 1)
        ax.set_xlim(ks[0], ks[-1])
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(f"{metric} (mean over queries, ±1.96 s.e.)", fontsize=10)
    axes[0, 0].legend(fontsize=8, loc="lower right")
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.89, wspace=0.25)
    return fig


# ----------------------------------------------------- the exact null distribution
def plot_exact_null(a, b, metric: str = "RR") -> Figure:
    """The exact sign-flip null distribution of a paired mean difference, with the observed one.

    All 2**n equally likely values (``eval-randomization``), from
    :func:`ragmath.metrics.exact_sign_flip_means`, as a histogram of their
    distinct values; the observed difference and its mirror image in red,
    the patterns counted by the two-sided p-value in red too.
    """
    func = "plot_exact_null"
    try:
        means = exact_sign_flip_means(a, b)
    except ValueError as error:
        raise ValueError(f"{func}: {str(error).split(': ', 1)[-1]}") from None
    observed = float(means[0])
    tol = 1e-12 * max(1.0, float(np.abs(means).max()))
    values, counts = np.unique(np.round(means / tol) * tol, return_counts=True)
    extreme = np.abs(values) >= abs(observed) - tol
    p = float(counts[extreme].sum() / counts.sum())
    width = 0.8 * float(np.min(np.diff(values))) if len(values) > 1 else 0.01
    fig, ax = new_figure(figsize=(6.4, 3.4))
    ax.bar(values[~extreme], counts[~extreme], width=width, color="0.65", label="sign patterns")
    ax.bar(values[extreme], counts[extreme], width=width, color=COLORS["b"],
           label=f"|mean| ≥ observed: {int(counts[extreme].sum())} of {len(means)}")
    for x in (observed, -observed):
        ax.axvline(x, color=COLORS["b"], lw=1.0, ls="--")
    ax.set_xlabel(f"mean difference in {metric} under H0 (all {len(means)} sign patterns)")
    ax.set_ylabel("number of patterns")
    ax.set_title(f"{len(np.asarray(a))} queries: observed {observed:+.3f}, exact p = {p:.4f}",
                 fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    fig.subplots_adjust(left=0.1, right=0.97, bottom=0.15, top=0.9)
    return fig
