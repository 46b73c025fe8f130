"""Pure plotting functions for chapter 4, "TF-IDF and BM25".

Each ``plot_*`` function takes plain parameters (and, for the rankings, a
fitted :class:`ragmath.lexical.BM25`), gets its numbers from
:mod:`ragmath.lexical` (:func:`~ragmath.lexical.bm25_tf`,
:func:`~ragmath.lexical.query_breakdown`), and returns a new
:class:`matplotlib.figure.Figure` without touching pyplot.
The widgets of :mod:`ragmath.widgets.lexical` only connect controls to these
functions; the ``*_grid`` functions draw the static small multiples that
follow each widget on the website.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from .._validation import check_positive_float
from ..lexical import BM25, bm25_tf, query_breakdown
from ._style import COLORS, new_figure

__all__ = [
    "plot_bm25_curves",
    "plot_bm25_curves_grid",
    "plot_query_breakdown",
    "plot_query_breakdown_grid",
]

# lines of the curves, darkest for the longest documents / the largest f
_RATIO_COLORS = ("#9ecae1", "#4292c6", "#08519c", "#08306b")
_F_COLORS = ("#fdae6b", "#f16913", "#a63603", "#7f2704")
# one colour per query term, in order of first occurrence
_TERM_COLORS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5",
    "#c49c94", "#f7b6d2", "#393b79", "#637939", "#843c39",
)


# ------------------------------------------------------------------- the curves
def _limit_y(ax, k1: float) -> None:
    top = max(4.2, 1.08 * (k1 + 1))
    ax.set_ylim(0, top)
    ax.set_yticks(np.arange(0, top, 1.0 if top < 6 else 2.0))


def _draw_saturation(ax, k1: float, b: float, max_f: float, ratios, title: str | None = None) -> None:
    """Weight / IDF against f (``lex-bm25-tf``), one line per |D|/avgdl, and the limit k1 + 1."""
    f = np.linspace(0.0, max_f, 121)
    for ratio, color in zip(ratios, _RATIO_COLORS[-len(ratios):]):
        ax.plot(f, bm25_tf(f, k1, b, ratio), color=color, lw=2, label=f"|D|/avgdl = {ratio:g}")
    ax.axhline(k1 + 1, color=COLORS["diff"], ls="--", lw=1.2, label=f"limit k1 + 1 = {k1 + 1:.2f}")
    ax.set_xlim(0, max_f)
    _limit_y(ax, k1)
    ax.set_xticks(np.linspace(0, max_f, 5))  # few fixed ticks: text is what costs time
    ax.set_xlabel("term frequency f in the document")
    ax.set_title(title or f"saturation: k1 = {k1:.2f}, b = {b:.2f}", fontsize=10)


def _draw_length(ax, k1: float, b: float, max_ratio: float, f_values, title: str | None = None) -> None:
    """Weight / IDF against |D|/avgdl (``lex-length-norm``), one line per f."""
    r = np.linspace(0.0, max_ratio, 121)
    for f, color in zip(f_values, _F_COLORS[-len(f_values):]):
        ax.plot(r, bm25_tf(f, k1, b, r), color=color, lw=2, label=f"f = {f:g}")
    ax.axvline(1.0, color="0.6", lw=0.8, ls=":")
    ax.set_xlim(0, max_ratio)
    _limit_y(ax, k1)
    ax.set_xticks(np.linspace(0, max_ratio, 5))
    ax.set_xlabel("document length |D| / avgdl")
    ax.set_title(title or f"length normalisation: k1 = {k1:.2f}, b = {b:.2f}", fontsize=10)


def plot_bm25_curves(
    k1: float = 1.5,
    b: float = 0.75,
    max_f: float = 20.0,
    ratios: Sequence[float] = (0.5, 1.0, 2.0),
    f_values: Sequence[float] = (1.0, 3.0, 10.0),
    max_ratio: float = 4.0,
) -> Figure:
    """The BM25 term weight divided by the IDF, f(k1+1)/(f + k1(1 − b + b|D|/avgdl)).

    Left, saturation (``lex-bm25-tf``): against the term frequency f, one line
    per document length |D|/avgdl in ``ratios``, with the limit k1 + 1 dashed.
    Right, length normalisation (``lex-length-norm``): against |D|/avgdl, one
    line per f in ``f_values``. The line data are the values of
    :func:`ragmath.lexical.bm25_tf`.
    """
    func = "plot_bm25_curves"
    max_f = check_positive_float(max_f, "max_f", func)
    max_ratio = check_positive_float(max_ratio, "max_ratio", func)
    ratios = [float(x) for x in ratios][:4]
    f_values = [float(x) for x in f_values][:4]
    fig, (ax_f, ax_r) = new_figure(1, 2, figsize=(9.6, 3.7), sharey=True)
    _draw_saturation(ax_f, k1, b, max_f, ratios)
    _draw_length(ax_r, k1, b, max_ratio, f_values)
    ax_f.set_ylabel("term weight / IDF")
    ax_f.legend(fontsize=8, loc="lower right")
    ax_r.legend(fontsize=8, loc="upper right")
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.9, wspace=0.12)
    return fig


def plot_bm25_curves_grid(
    k1_values: Sequence[float] = (0.5, 1.2, 3.0),
    b_values: Sequence[float] = (0.0, 0.5, 1.0),
    b_fixed: float = 0.75,
    k1_fixed: float = 1.5,
) -> Figure:
    """Small multiples of :func:`plot_bm25_curves`.

    Top row: the saturation curves for each k1 of ``k1_values`` (b = ``b_fixed``);
    bottom row: the length-normalisation curves for each b of ``b_values``
    (k1 = ``k1_fixed``).
    """
    k1_values = [float(x) for x in k1_values]
    b_values = [float(x) for x in b_values]
    ncols = max(len(k1_values), len(b_values))
    fig, axes = new_figure(2, ncols, figsize=(3.3 * ncols, 6.0), squeeze=False)
    for col in range(ncols):
        if col < len(k1_values):
            k1 = k1_values[col]
            _draw_saturation(axes[0, col], k1, b_fixed, 20.0, (0.5, 1.0, 2.0),
                             title=f"k1 = {k1:g} (b = {b_fixed:g})")
        else:
            axes[0, col].set_visible(False)
        if col < len(b_values):
            b = b_values[col]
            _draw_length(axes[1, col], k1_fixed, b, 4.0, (1.0, 3.0, 10.0),
                         title=f"b = {b:g} (k1 = {k1_fixed:g})")
        else:
            axes[1, col].set_visible(False)
    axes[0, 0].set_ylabel("term weight / IDF")
    axes[1, 0].set_ylabel("term weight / IDF")
    axes[0, 0].legend(fontsize=7, loc="lower right")
    axes[1, 0].legend(fontsize=7, loc="upper right")
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.08, top=0.95, wspace=0.22, hspace=0.38)
    return fig


# ------------------------------------------------------------ ranking breakdown
def _check_labels(labels, model: BM25, func: str) -> None:
    if isinstance(labels, str) or not isinstance(labels, Sequence):
        raise TypeError(f"{func}: labels must be a list of str, one per document")
    if len(labels) != model.n_docs_:
        raise ValueError(
            f"{func}: labels has {len(labels)} entries but the model has "
            f"{model.n_docs_} documents; they must match"
        )


def _shorten(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _draw_breakdown(ax, result: dict, labels, query: str) -> None:
    """Stacked bars of the documents with a non-zero contribution, best at the top."""
    terms = result["terms"]
    matched = np.any(result["contributions"] != 0, axis=1)
    indices = result["indices"][matched]
    scores = result["scores"][matched]
    contributions = result["contributions"][matched]
    known = [t for j, t in enumerate(terms) if np.any(contributions[:, j] != 0)]
    missing = [t for t in terms if t not in known]
    title = f"query: “{_shorten(query, 80)}”"
    if missing:
        title += f"\nno score from: {_shorten(', '.join(missing), 80)}"
    ax.set_title(title, fontsize=9.5, loc="left")
    if not known:
        ax.text(0.5, 0.5, "no document has a non-zero score for this query", transform=ax.transAxes,
                ha="center", va="center", fontsize=9, color="0.35")
        ax.set_xticks([])
        ax.set_yticks([])
        return
    n = len(indices)
    y = np.arange(n)[::-1]  # best at the top
    left_pos = np.zeros(n)
    left_neg = np.zeros(n)
    for j, term in enumerate(terms):
        values = contributions[:, j]
        if term not in known:
            continue
        color = _TERM_COLORS[known.index(term) % len(_TERM_COLORS)]
        start = np.where(values >= 0, left_pos, left_neg)
        ax.barh(y, values, left=start, color=color, edgecolor="white", height=0.7, label=term)
        left_pos += np.maximum(values, 0)
        left_neg += np.minimum(values, 0)
    top = max(float(left_pos.max()), 1e-9)
    for yy, total, right in zip(y, scores, left_pos):
        ax.text(right + 0.01 * top, yy, f"{total:.2f}", va="center", ha="left", fontsize=8)
    ax.set_yticks(y)
    ax.set_yticklabels([_shorten(f"[{i}] {labels[i]}", 42) for i in indices], fontsize=8)
    ax.set_ylim(-0.6, max(n, 3) - 0.4)
    ax.set_xlim(min(float(left_neg.min()), 0.0) * 1.1, top * 1.12)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="term",
              title_fontsize=8, frameon=False)


def plot_query_breakdown(query: str, model: BM25, labels: Sequence[str], k: int = 5) -> Figure:
    """The top-k documents of a typed query, each score a stacked bar of its terms.

    One horizontal bar per document with a non-zero score (best at the top,
    labelled "[index] label"; documents that contain no query term are left out),
    split into one segment per query term: its contribution to the BM25 score
    (``lex-bm25``), from :func:`ragmath.lexical.query_breakdown`. The total is written at the
    end of the bar. ``labels[i]`` names document i (a title, say).
    """
    result = query_breakdown(query, model, k)
    _check_labels(labels, model, "plot_query_breakdown")
    fig, ax = new_figure(1, 1, figsize=(9.0, 0.45 * len(result["indices"]) + 1.3))
    _draw_breakdown(ax, result, labels, query)
    ax.set_xlabel("BM25 score (stacked: one segment per query term)")
    fig.subplots_adjust(left=0.33, right=0.86, bottom=0.8 / fig.get_figheight(),
                        top=1 - 0.6 / fig.get_figheight())
    return fig


def plot_query_breakdown_grid(
    queries: Sequence[str], model: BM25, labels: Sequence[str], k: int = 5
) -> Figure:
    """Small multiples of :func:`plot_query_breakdown`: one panel per query, stacked vertically."""
    queries = list(queries)
    if not queries:
        raise ValueError("plot_query_breakdown_grid: queries is empty; give at least one query")
    results = [query_breakdown(q, model, k) for q in queries]
    _check_labels(labels, model, "plot_query_breakdown_grid")
    height = sum(0.45 * max(len(r["indices"]), 3) + 0.9 for r in results) + 0.5
    fig, axes = new_figure(len(queries), 1, figsize=(9.0, height), squeeze=False)
    for ax, result, query in zip(axes[:, 0], results, queries):
        _draw_breakdown(ax, result, labels, query)
    axes[-1, 0].set_xlabel("BM25 score (stacked: one segment per query term)")
    fig.subplots_adjust(left=0.33, right=0.86, bottom=0.6 / height, top=1 - 0.6 / height,
                        hspace=0.6)
    return fig
