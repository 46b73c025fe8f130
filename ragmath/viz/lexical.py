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

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .._validation import as_float_array, check_positive_float, check_positive_int
from ..lexical import BM25, bm25_plus_tf, bm25_tf, bm25l_tf, query_breakdown, wand_pivot
from ._style import COLORS, new_figure

__all__ = [
    "plot_bm25_curves",
    "plot_bm25_curves_grid",
    "plot_query_breakdown",
    "plot_query_breakdown_grid",
    "plot_tf_variants",
    "plot_bim_table",
    "plot_wand_pivot",
    "plot_per_query_comparison",
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


# ------------------------------------------------------- BM25, BM25+ and BM25L
_VARIANT_COLORS = {"BM25": COLORS["a"], "BM25+": COLORS["b"], "BM25L": COLORS["similarity"]}


def plot_tf_variants(
    k1: float = 1.5,
    b: float = 0.75,
    delta_plus: float = 1.0,
    delta_l: float = 0.5,
    long_ratio: float = 4.0,
    max_ratio: float = 12.0,
) -> Figure:
    """BM25's term-frequency factor beside BM25+'s and BM25L's lower-bounded ones.

    Left: the factor (term weight / IDF) against f for a document
    ``long_ratio`` times the average length (``lex-bm25-tf``, ``lex-bm25-plus``,
    ``lex-bm25l``). Right: the factor of a single occurrence (f = 1) against
    |D|/avgdl up to ``max_ratio``: BM25's tends to 0, BM25+'s stays above δ,
    BM25L's above (k1 + 1)δ/(k1 + δ) (dotted lines). Values from
    :func:`~ragmath.lexical.bm25_tf`, :func:`~ragmath.lexical.bm25_plus_tf` and
    :func:`~ragmath.lexical.bm25l_tf`.

    Raises
    ------
    ValueError
        If ``long_ratio`` or ``max_ratio`` is not positive (and as the three functions).
    """
    func = "plot_tf_variants"
    long_ratio = check_positive_float(long_ratio, "long_ratio", func)
    max_ratio = check_positive_float(max_ratio, "max_ratio", func)
    curves = {
        "BM25": lambda f, r: bm25_tf(f, k1, b, r),
        "BM25+": lambda f, r: bm25_plus_tf(f, k1, b, r, delta_plus),
        "BM25L": lambda f, r: bm25l_tf(f, k1, b, r, delta_l),
    }
    fig, (ax_f, ax_r) = new_figure(1, 2, figsize=(9.6, 3.7), sharey=True)
    f = np.arange(0, 21)
    ratio = np.linspace(0.05, max_ratio, 160)
    for name, curve in curves.items():
        color = _VARIANT_COLORS[name]
        ax_f.plot(f, curve(f.astype(float), long_ratio), "o-", ms=3, lw=1.6, color=color, label=name)
        ax_r.plot(ratio, curve(1.0, ratio), lw=2, color=color, label=name)
    floor_l = (k1 + 1) * delta_l / (k1 + delta_l)
    ax_r.axhline(delta_plus, color=_VARIANT_COLORS["BM25+"], ls=":", lw=1)
    ax_r.axhline(floor_l, color=_VARIANT_COLORS["BM25L"], ls=":", lw=1)
    ax_r.axvline(1.0, color="0.6", lw=0.8, ls=":")
    ax_f.axhline(k1 + 1, color=COLORS["diff"], ls="--", lw=1.0, label=f"k1 + 1 = {k1 + 1:g}")
    ax_f.set_xlabel("term frequency f")
    ax_f.set_ylabel("term weight / IDF")
    ax_f.set_title(f"a long document, |D| = {long_ratio:g} avgdl (k1 = {k1:g}, b = {b:g})", fontsize=10)
    ax_r.set_xlabel("document length |D| / avgdl")
    ax_r.set_title("one occurrence (f = 1): the lower bounds", fontsize=10)
    ax_f.set_xlim(0, 20)
    ax_r.set_xlim(0, max_ratio)
    ax_f.set_ylim(0, max(k1 + 1, delta_plus + k1 + 1) * 1.08)
    ax_f.legend(fontsize=8, loc="lower right")
    ax_r.legend(fontsize=8, loc="upper right")
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.9, wspace=0.08)
    return fig


# ------------------------------------------------------ the BIM contingency table
def plot_bim_table(n_docs: int, df: int, n_relevant: int = 0, n_relevant_with: int = 0) -> Figure:
    """The binary independence model's contingency table for one term, as a mosaic.

    The N documents are split into relevant (width R) and non-relevant
    (width N − R) columns, and each column into the documents that contain the
    term (r of the relevant, n − r of the others) and those that do not; the
    heights of the shaded parts are the estimates p_t = (r + 0.5)/(R + 1) and
    p̄_t = (n − r + 0.5)/(N − R + 1) of ``lex-rsj-weight``, and the title gives
    the weight. With R = r = 0 (no relevance information) the relevant column
    has width 0 and p_t = 1/2: the weight is the RSJ IDF ``lex-idf-rsj``.

    Raises
    ------
    ValueError
        If the counts are not consistent: 0 ≤ r ≤ R ≤ N, r ≤ n ≤ N − R + r.
    """
    func = "plot_bim_table"
    N = check_positive_int(n_docs, "n_docs", func)
    n = check_positive_int(df, "df", func, minimum=0)
    R = check_positive_int(n_relevant, "n_relevant", func, minimum=0)
    r = check_positive_int(n_relevant_with, "n_relevant_with", func, minimum=0)
    if R > N:
        raise ValueError(f"{func}: n_relevant must be at most n_docs = {N}, got {R}")
    if r > R:
        raise ValueError(f"{func}: n_relevant_with must be at most n_relevant = {R}, got {r}")
    if n > N or n < r or n - r > N - R:
        raise ValueError(f"{func}: df = {n} is inconsistent with n_docs = {N}, n_relevant = {R} "
                         f"and n_relevant_with = {r}")
    p = (r + 0.5) / (R + 1)
    p_bar = (n - r + 0.5) / (N - R + 1)
    weight = np.log(p * (1 - p_bar) / (p_bar * (1 - p)))
    fig, (ax, ax_t) = new_figure(1, 2, figsize=(9.6, 3.8), width_ratios=(1.1, 1.4))
    # mosaic: the relevant column at least a sliver wide, so that it can be seen
    w_rel = max(R / N, 0.04)
    columns = [(0.0, w_rel, p, "relevant", r, R), (w_rel + 0.02, 1.0 - w_rel - 0.02, p_bar, "non-relevant",
                                                    n - r, N - R)]
    for x0, width, height, name, with_t, total in columns:
        ax.add_patch(Rectangle((x0, 0), width, height, color=COLORS["a"], alpha=0.75))
        ax.add_patch(Rectangle((x0, height), width, 1 - height, color="0.85"))
        label = f"{name}\n{with_t} of {total} contain t"
        ax.text(x0 + width / 2, -0.06, label, ha="center", va="top", fontsize=8.5)
        symbol = "p" if name == "relevant" else "p̄"
        ax.text(x0 + width / 2, height / 2, f"{symbol} = {height:.3f}", ha="center", va="center",
                fontsize=8.5, color="white" if width > 0.1 else "black", rotation=0 if width > 0.1 else 90)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xticks([])
    ax.set_ylabel("share of the column that contains t")
    ax.set_title(f"N = {N} documents, n = {n} contain t", fontsize=10)
    ax_t.axis("off")
    rows = [("", "relevant", "non-relevant", "all"),
            ("contains t", f"r = {r}", f"n − r = {n - r}", f"n = {n}"),
            ("lacks t", f"R − r = {R - r}", f"N − n − R + r = {N - n - R + r}", f"N − n = {N - n}"),
            ("all", f"R = {R}", f"N − R = {N - R}", f"N = {N}")]
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            ax_t.text((0.0, 0.2, 0.43, 0.82)[j], 0.88 - 0.17 * i, cell, fontsize=8.5,
                      fontweight="bold" if i == 0 or j == 0 else "normal", transform=ax_t.transAxes)
    ax_t.text(0.0, 0.12, f"weight log[p(1 − p̄) / (p̄(1 − p))] = {weight:.3f}", fontsize=9,
              transform=ax_t.transAxes)
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.2, top=0.9, wspace=0.08)
    return fig


# ------------------------------------------------------------ the WAND pivot
def plot_wand_pivot(postings: Mapping, upper_bounds: Mapping, cursors: Mapping, threshold: float,
                    n_docs: int) -> Figure:
    """An inverted index at one step of WAND: postings, cursors, bounds and the pivot.

    One row per query term, sorted by the document its cursor points to
    (``cursors[t]`` is a position in ``postings[t]``); each posting is a dot
    on the document axis, the cursor's document a ringed dot, the passed
    postings grey. The left column shows each term's upper bound U_t and the
    running sum; the pivot (``lex-wand-pivot``, from
    :func:`~ragmath.lexical.wand_pivot`) is the first row whose running sum
    exceeds ``threshold``, and the shaded band marks the documents that the
    cursors above it skip without scoring.

    Raises
    ------
    ValueError
        If the three mappings do not have the same terms, a cursor is out of
        range, a posting is outside [0, n_docs), or ``n_docs`` < 1.
    """
    func = "plot_wand_pivot"
    n_docs = check_positive_int(n_docs, "n_docs", func)
    terms = list(postings)
    if not terms or set(terms) != set(upper_bounds) or set(terms) != set(cursors):
        raise ValueError(f"{func}: postings, upper_bounds and cursors must name the same (non-empty) terms")
    lists = {}
    for t in terms:
        docs = np.asarray(postings[t], dtype=int)
        if docs.ndim != 1 or docs.size == 0 or (docs < 0).any() or (docs >= n_docs).any():
            raise ValueError(f"{func}: postings[{t!r}] must be a non-empty list of document ids "
                             f"in [0, {n_docs})")
        pos = cursors[t]
        if not 0 <= pos < docs.size:
            raise ValueError(f"{func}: cursors[{t!r}] = {pos} is outside the {docs.size} postings "
                             "of the term")
        lists[t] = (docs, int(pos))
    order = sorted(terms, key=lambda t: lists[t][0][lists[t][1]])
    bounds = as_float_array([upper_bounds[t] for t in order], "upper_bounds", func, ndim=1)
    pivot = wand_pivot(bounds, threshold)
    fig, ax = new_figure(1, 1, figsize=(9.6, 0.7 * len(order) + 1.6))
    m = len(order)
    running = np.cumsum(bounds)
    for row, t in enumerate(order):
        y = m - 1 - row
        docs, pos = lists[t]
        ax.plot(docs[:pos], [y] * pos, "o", color="0.75", ms=6)
        ax.plot(docs[pos:], [y] * (docs.size - pos), "o", color=COLORS["a"], ms=6)
        ax.plot([docs[pos]], [y], "o", ms=13, mfc="none", mec=COLORS["b"] if row == pivot else "0.2", mew=1.8)
        ax.text(-0.02 * n_docs, y, f"{t}:  U = {bounds[row]:.2f},  sum = {running[row]:.2f}", ha="right",
                va="center", fontsize=9, fontweight="bold" if row == pivot else "normal")
    if pivot is not None:
        pivot_doc = lists[order[pivot]][0][lists[order[pivot]][1]]
        first = min(lists[t][0][lists[t][1]] for t in order)
        ax.axvline(pivot_doc, color=COLORS["b"], lw=1.2, ls="--")
        ax.axvspan(first - 0.5, pivot_doc - 0.5, color=COLORS["b"], alpha=0.08)
        ax.set_title(f"threshold θ = {threshold:.2f}: the pivot is “{order[pivot]}”, document {pivot_doc}; "
                     "the shaded documents are skipped unscored", fontsize=9.5)
    else:
        ax.set_title(f"threshold θ = {threshold:.2f}: no sum of bounds exceeds it, the search stops",
                     fontsize=9.5)
    ax.set_xlim(-0.5, n_docs - 0.5)
    ax.set_ylim(-0.7, m - 0.3)
    ax.set_yticks([])
    ax.set_xlabel("document id (postings sorted by document)")
    height = fig.get_figheight()
    fig.subplots_adjust(left=0.3, right=0.98, bottom=0.9 / height, top=1 - 0.5 / height)
    return fig


# ---------------------------------------------------- two systems, query by query
def plot_per_query_comparison(a, b, names: Sequence[str] = ("BM25", "QL"), metric: str = "NDCG@10") -> Figure:
    """Two retrieval systems compared query by query.

    Left: one dot per query at (value of ``a``, value of ``b``), with the
    diagonal; dots below it are queries that system ``a`` does better on.
    Right: the differences b − a sorted, as bars, with their mean dashed.

    Raises
    ------
    ValueError
        If ``a`` and ``b`` are empty, not 1-D, differ in length or are not finite,
        or ``names`` does not hold two names.
    """
    func = "plot_per_query_comparison"
    a = as_float_array(a, "a", func, ndim=1)
    b = as_float_array(b, "b", func, ndim=1)
    if a.shape != b.shape:
        raise ValueError(f"{func}: a and b must have one value per query each, got {a.size} and {b.size}")
    names = list(names)
    if len(names) != 2:
        raise ValueError(f"{func}: names must hold two names, got {len(names)}")
    fig, (ax_s, ax_d) = new_figure(1, 2, figsize=(9.6, 3.9), width_ratios=(1.0, 1.4))
    low, high = min(a.min(), b.min(), 0.0), max(a.max(), b.max(), 1.0)
    ax_s.plot([low, high], [low, high], color="0.5", lw=1)
    ax_s.scatter(a, b, s=16, color=COLORS["a"], alpha=0.7, edgecolor="none")
    ax_s.set_xlabel(f"{metric}, {names[0]}")
    ax_s.set_ylabel(f"{metric}, {names[1]}")
    ax_s.set_aspect("equal")
    better_a, better_b = int(np.sum(a > b)), int(np.sum(b > a))
    ax_s.set_title(f"{better_a} queries better with {names[0]}, {better_b} with {names[1]}", fontsize=9.5)
    d = np.sort(b - a)
    colors = np.where(d > 0, COLORS["similarity"], np.where(d < 0, COLORS["b"], "0.6"))
    ax_d.bar(np.arange(d.size), d, color=colors, width=1.0)
    ax_d.axhline(d.mean(), color=COLORS["diff"], ls="--", lw=1.2, label=f"mean {d.mean():+.3f}")
    ax_d.axhline(0, color="0.3", lw=0.8)
    ax_d.set_xlabel("queries, sorted by the difference")
    ax_d.set_ylabel(f"{metric}: {names[1]} − {names[0]}")
    ax_d.set_xlim(-0.5, d.size - 0.5)
    ax_d.legend(fontsize=8, loc="upper left")
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.9, wspace=0.3)
    return fig
