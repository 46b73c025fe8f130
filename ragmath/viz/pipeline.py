"""Pure plotting functions for chapter 10, "Capstone: a complete RAG system in NumPy".

Each ``plot_*`` function takes plain parameters (score matrices, grades, a
table), gets its numbers from :mod:`ragmath.pipeline`
(:func:`ragmath.pipeline.hybrid_curve`, :func:`ragmath.pipeline.hybrid_ranking`),
and returns a new :class:`matplotlib.figure.Figure` (never touching pyplot's
global state): nothing is computed here. The widget of
:mod:`ragmath.widgets.pipeline` only connects sliders to :func:`plot_hybrid`;
:func:`plot_hybrid_grid` draws the static small multiples that follow it.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from .._validation import as_same_shape_arrays, check_interval, check_positive_int
from ..pipeline import hybrid_curve, hybrid_ranking
from ._style import new_figure

__all__ = [
    "plot_hybrid",
    "plot_hybrid_grid",
    "plot_configurations",
]

_BLUE, _ORANGE, _GREEN, _RED, _GREY = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "0.55"
_GRADE_COLORS = {0: "0.45", 1: "#4292c6", 2: "#2171b5", 3: "#08306b"}


def _check_inputs(lexical_scores, dense_scores, grades, func: str):
    arrays = {"lexical_scores": lexical_scores, "dense_scores": dense_scores, "grades": grades}
    return as_same_shape_arrays(arrays, func, shape="(n_queries, n_passages)")


def _check_alpha(alpha, func: str) -> float:
    return check_interval(alpha, "alpha", func, 0.0, 1.0)


def _draw_ranking(ax, lexical_row, dense_row, grade_row, alpha, k, labels, legend=True):
    r = hybrid_ranking(lexical_row, dense_row, alpha, k)
    y = np.arange(len(r["order"]))
    ax.barh(y, r["lexical"], color=_ORANGE, label="α·ŝ BM25")
    ax.barh(y, r["dense"], left=r["lexical"], color=_BLUE, label="(1 − α)·ŝ dense")
    names = [str(labels[i]) if labels is not None else str(i) for i in r["order"]]
    grades = [int(grade_row[i]) for i in r["order"]]
    ax.set_yticks(y)
    ax.set_yticklabels([f"{n}  g={g}" for n, g in zip(names, grades)], fontsize=7)
    for tick, g in zip(ax.get_yticklabels(), grades):
        tick.set_color(_GRADE_COLORS.get(g, "black") if g > 0 else "0.45")
        tick.set_fontweight("bold" if g > 0 else "normal")
    ax.set_ylim(len(y) - 0.5, -0.5)
    ax.set_xlim(0, 1.02)
    ax.set_xlabel("fused score", fontsize=8)
    if legend:
        ax.legend(fontsize=7, loc="lower right", frameon=False)
    return r


def plot_hybrid(alpha: float, k: int, lexical_scores, dense_scores, grades, query_index: int = 0,
                labels=None, query_label=None, curve=None) -> Figure:
    """Left: mean MRR and NDCG@k against α, the current α marked; right: one query's top-k at α.

    ``lexical_scores``, ``dense_scores`` and ``grades`` are (n_queries,
    n_passages). The left axes hold two lines labelled "MRR" and "NDCG@k"
    (from :func:`ragmath.pipeline.hybrid_curve`) and a vertical line at α; the right axes hold
    the k best passages of row ``query_index`` as stacked bars (the first k
    patches the BM25 parts, the next k the dense parts), each labelled with its
    passage id and grade. ``curve`` may pass a precomputed
    :func:`ragmath.pipeline.hybrid_curve` for this k (a widget does, to stay fast).
    """
    func = "plot_hybrid"
    a = _check_alpha(alpha, func)
    k = check_positive_int(k, "k", func)
    L, D, G = _check_inputs(lexical_scores, dense_scores, grades, func)
    qi = check_positive_int(query_index, "query_index", func, minimum=0)
    if qi >= L.shape[0]:
        raise ValueError(f"{func}: query_index = {qi} but there are {L.shape[0]} queries")
    c = hybrid_curve(L, D, G, k) if curve is None else curve
    fig, (ax_c, ax_r) = new_figure(1, 2, figsize=(10, 3.8), width_ratios=(1.0, 1.15))
    ax_c.plot(c["alpha"], c["mrr"], color=_GREEN, marker="o", ms=3, label="MRR")
    ax_c.plot(c["alpha"], c["ndcg"], color=_BLUE, marker="o", ms=3, label=f"NDCG@{k}")
    ax_c.axvline(a, color=_RED, lw=1.2)
    now = hybrid_curve(L, D, G, k, alphas=[a])
    ax_c.set_title(f"α = {a:.2f}: MRR {now['mrr'][0]:.3f}, NDCG@{k} {now['ndcg'][0]:.3f}", fontsize=10)
    ax_c.set_xlabel("α (weight of BM25; 0 = dense only, 1 = BM25 only)")
    ax_c.set_xlim(-0.02, 1.02)
    ax_c.legend(fontsize=8, frameon=False, loc="lower center")
    _draw_ranking(ax_r, L[qi], D[qi], G[qi], a, k, labels)
    title = f"query {query_label!r}" if query_label is not None else f"query {qi}"
    ax_r.set_title(f"{title}: top {min(k, L.shape[1])} at α = {a:.2f}", fontsize=10)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.15, top=0.9, wspace=0.45)
    return fig


def plot_hybrid_grid(lexical_scores, dense_scores, grades, query_index: int = 0, labels=None,
                     alphas=(0.0, 0.25, 0.5, 0.75, 1.0), k: int = 6, query_label=None) -> Figure:
    """Small multiples of :func:`plot_hybrid`: the curve with every α marked, then one query's top-k per α.

    Panels are laid out in rows of three (unused panels hidden). The first axes hold the MRR
    and NDCG@k curves (:func:`ragmath.pipeline.hybrid_curve`) with a vertical line per α;
    then one axes per α with the ranked list (as in :func:`plot_hybrid`), its
    title giving α and the query's reciprocal rank and NDCG@k.
    """
    func = "plot_hybrid_grid"
    L, D, G = _check_inputs(lexical_scores, dense_scores, grades, func)
    k = check_positive_int(k, "k", func)
    alphas = [_check_alpha(a, func) for a in alphas]
    ncols = min(3, len(alphas) + 1)
    nrows = -(-(len(alphas) + 1) // ncols)
    fig, grid = new_figure(nrows, ncols, figsize=(3.6 * ncols + 0.4, 3.1 * nrows + 0.4), squeeze=False)
    axes = grid.ravel()
    for ax in axes[len(alphas) + 1:]:
        ax.set_visible(False)
    c = hybrid_curve(L, D, G, k)
    ax = axes[0]
    ax.plot(c["alpha"], c["mrr"], color=_GREEN, label="MRR")
    ax.plot(c["alpha"], c["ndcg"], color=_BLUE, label=f"NDCG@{k}")
    for a in alphas:
        ax.axvline(a, color="0.8", lw=0.8, zorder=0)
    ax.set_xlabel("α", fontsize=8)
    ax.set_title("mean over queries", fontsize=9)
    ax.legend(fontsize=7, frameon=False, loc="lower center")
    for ax, a in zip(axes[1 : len(alphas) + 1], alphas):
        _draw_ranking(ax, L[query_index], D[query_index], G[query_index], a, k, labels, legend=False)
        rows = slice(query_index, query_index + 1)
        one = hybrid_curve(L[rows], D[rows], G[rows], k, alphas=[a])
        ax.set_title(f"α = {a:g}\nRR {one['mrr'][0]:.2f}, NDCG@{k} {one['ndcg'][0]:.2f}", fontsize=9)
        ax.set_xlabel("")
    if query_label is not None:
        fig.suptitle(f"query {query_label!r}", fontsize=10)
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.08, top=0.88, wspace=0.55, hspace=0.45)
    return fig


def _format_bytes(v: float) -> str:
    """A byte count for a bar label: bytes, kB or MB (10^3 and 10^6 bytes), three significant digits."""
    if v >= 1e6:
        return f"{v / 1e6:.3g} MB"
    if v >= 1e3:
        return f"{v / 1e3:.3g} kB"
    return f"{v:.0f} B"


def plot_configurations(table, metric: str = "NDCG@10", memory: str = "memory (bytes)",
                        latency: str = "latency (ms/query)") -> Figure:
    """Three bar charts of a comparison table, one bar per row (configuration).

    ``table`` is a pandas DataFrame indexed by configuration name with the
    columns ``metric``, ``memory`` and ``latency``. Axes 0: the metric; axes 1:
    the memory of the index in bytes (log scale); axes 2: the measured latency.
    The bar heights are the table's values, in its row order (``ax.patches``),
    and each bar is labelled with its value (``ax.texts``: the metric to three
    decimals, the memory in kB or MB, the latency in ms to two significant
    digits). The latency is shown only here, never printed: it differs at every
    run, and a figure's text form (all that a notebook test compares) omits it.
    """
    func = "plot_configurations"
    for col in (metric, memory, latency):
        if col not in getattr(table, "columns", ()):
            raise ValueError(f"{func}: table has no column {col!r}")
    names = [str(i) for i in table.index]
    y = np.arange(len(names))
    fig, axes = new_figure(1, 3, figsize=(12, 0.32 * len(names) + 1.6), sharey=True)
    colors = [_BLUE, _ORANGE, _GREEN]
    formats = (lambda v: f"{v:.3f}", _format_bytes, lambda v: f"{v:.2g} ms")
    for ax, col, color, fmt in zip(axes, (metric, memory, latency), colors, formats):
        values = table[col].to_numpy(dtype=float)
        ax.barh(y, values, color=color)
        ax.set_title(col, fontsize=10)
        ax.grid(axis="x", color="0.9")
        for yi, v in zip(y, values):
            if np.isfinite(v):
                ax.text(v, yi, " " + fmt(v), va="center", ha="left", fontsize=7)
    axes[1].set_xscale("log")
    finite = [table[c].to_numpy(dtype=float) for c in (metric, memory, latency)]
    finite = [v[np.isfinite(v)] for v in finite]
    if finite[0].size and finite[0].max() > 0:
        axes[0].set_xlim(0, 1.25 * finite[0].max())  # room for the labels
    if finite[1].size and finite[1].min() > 0:
        axes[1].set_xlim(finite[1].min() / 3, finite[1].max() * 12)
    if finite[2].size and finite[2].max() > 0:
        axes[2].set_xlim(0, 1.3 * finite[2].max())
    axes[1].xaxis.set_minor_formatter(NullFormatter())  # decades only: minor labels overlap
    axes[0].set_yticks(y)
    axes[0].set_yticklabels(names, fontsize=8)
    axes[0].set_ylim(len(names) - 0.5, -0.5)
    fig.subplots_adjust(left=0.2, right=0.98, bottom=0.12, top=0.9, wspace=0.15)
    return fig
