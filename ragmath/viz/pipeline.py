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
from matplotlib.patches import FancyBboxPatch, Rectangle
from matplotlib.ticker import NullFormatter

from .._validation import as_same_shape_arrays, check_interval, check_positive_int
from ..pipeline import chunk_starts, hybrid_curve, hybrid_ranking, span_chunk
from ._style import new_figure

__all__ = [
    "plot_hybrid",
    "plot_hybrid_grid",
    "plot_configurations",
    "plot_rag_pipeline",
    "plot_chunk_windows",
    "plot_pq_adc",
    "plot_attribution",
    "plot_context_positions",
    "plot_answer_recall",
    "plot_answer_recall_grid",
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


# --------------------------------------------------------------------------- explanatory figures
_PIPELINE_STEPS = (
    ("chunk", "windows of w tokens,\noverlap o"),
    ("embed", "BM25 · MiniLM\n· dual encoder"),
    ("index", "exact · PQ · LSH\n(bytes counted)"),
    ("retrieve", "score, fuse\n(min-max, RRF), MaxP"),
    ("post-process", "de-duplicate, re-rank,\norder the top k"),
    ("generate / read", "log p(y | x),\nextract, cite"),
    ("evaluate", "NDCG, MRR, EM, F1,\nanswer recall@k"),
)


def plot_rag_pipeline(steps=None) -> Figure:
    """The RAG pipeline as a flow of boxes: one box per step, arrows between them.

    ``steps`` is a sequence of (name, detail) pairs of strings, drawn left to
    right (defaults: the seven steps of chapter 10). The axes hold one
    rectangle patch per step and one arrow annotation between consecutive
    steps; the names are bold texts, the details smaller texts below them.
    Above the flow, the offline part (chunk, embed, index: once per corpus) and
    the online part (once per query) are bracketed.
    """
    func = "plot_rag_pipeline"
    steps = _PIPELINE_STEPS if steps is None else steps
    if isinstance(steps, str) or len(steps) == 0 or not all(
            len(s) == 2 and all(isinstance(x, str) for x in s) for s in steps):
        raise ValueError(f"{func}: steps must be a non-empty sequence of (name, detail) pairs of str")
    n = len(steps)
    fig, ax = new_figure(figsize=(1.55 * n + 0.4, 2.5))
    w, gap = 1.25, 0.3
    for i, (name, detail) in enumerate(steps):
        x = i * (w + gap)
        online = i >= 3
        ax.add_patch(FancyBboxPatch(
            (x, 0), w, 1, boxstyle="round,pad=0.03", facecolor="#eaf2fb" if online else "#fdf0e3",
            edgecolor=_BLUE if online else _ORANGE, lw=1.2))
        ax.text(x + w / 2, 0.72, name, ha="center", va="center", fontsize=9, fontweight="bold")
        ax.text(x + w / 2, 0.33, detail, ha="center", va="center", fontsize=7)
        if i:
            ax.annotate("", xy=(x - 0.02, 0.5), xytext=(x - gap + 0.02, 0.5),
                        arrowprops={"arrowstyle": "->", "color": "0.3", "lw": 1.2})
    n_off = min(3, n)
    for start, stop, label, color in ((0, n_off, "offline: once per corpus", _ORANGE),
                                      (n_off, n, "online: once per query", _BLUE)):
        if stop > start:
            x0, x1 = start * (w + gap), (stop - 1) * (w + gap) + w
            ax.plot([x0, x0, x1, x1], [1.12, 1.2, 1.2, 1.12], color=color, lw=1)
            ax.text((x0 + x1) / 2, 1.27, label, ha="center", va="bottom", fontsize=8, color=color)
    ax.set_xlim(-0.1, n * (w + gap) - gap + 0.1)
    ax.set_ylim(-0.1, 1.5)
    ax.axis("off")
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.98)
    return fig


def plot_chunk_windows(n_tokens: int, size: int, overlap: int, span=None) -> Figure:
    """The windows of ``cap-chunk-starts`` over a text of n_tokens tokens, the overlaps shaded.

    One horizontal bar per window (``ax.patches``: the windows first, in
    order), at the starts of :func:`ragmath.pipeline.chunk_starts`; the
    tokens that two consecutive windows share are shaded (further patches),
    the moved-back last window is hatched, and an optional answer ``span`` =
    (first token, number of tokens) is a vertical band, green where a window
    holds it whole (``cap-span-cover``), red where none does.
    """
    func = "plot_chunk_windows"
    starts = chunk_starts(n_tokens, size, overlap)
    L, s = int(n_tokens), size - overlap
    fig, ax = new_figure(figsize=(8, 0.45 * len(starts) + 1.3))
    for j, a in enumerate(starts):
        moved = j == len(starts) - 1 and j > 0 and a != j * s
        ax.add_patch(Rectangle(
            (a, j - 0.35), min(size, L), 0.7, facecolor="#c6dbef", edgecolor=_BLUE,
            hatch="//" if moved else None, lw=1))
        label = f"chunk {j}: tokens {a}–{a + min(size, L) - 1}" + (" (moved back)" if moved else "")
        ax.text(a + 0.5, j, label, va="center", fontsize=7)
    for j in range(1, len(starts)):
        lo, hi = starts[j], starts[j - 1] + size
        if hi > lo:
            ax.add_patch(Rectangle((lo, j - 1.35), hi - lo, 1.7, facecolor=_ORANGE, alpha=0.25, lw=0))
    if span is not None:
        if len(span) != 2:
            raise ValueError(f"{func}: span must be (first token, number of tokens)")
        i, a = int(span[0]), int(span[1])
        if i < 0 or a < 1 or i + a > L:
            raise ValueError(f"{func}: span = {tuple(span)} does not lie in a text of {L} tokens")
        held = span_chunk(i, a, starts, size) >= 0
        ax.axvspan(i, i + a, color=_GREEN if held else _RED, alpha=0.35, lw=0)
        ax.text(i + a / 2, len(starts) - 0.3, f"span of {a} tokens" + ("" if held else ": cut"),
                ha="center", va="bottom", fontsize=7, color=_GREEN if held else _RED)
    ax.set_xlim(0, L)
    ax.set_ylim(len(starts) + 0.2, -0.8)
    ax.set_yticks([])
    ax.set_xlabel("token position")
    ax.set_title(f"L = {L} tokens, w = {size}, o = {overlap}, stride s = {s}: {len(starts)} windows "
                 f"(shared tokens shaded)", fontsize=9)
    fig.subplots_adjust(left=0.03, right=0.98, bottom=0.3 if len(starts) < 4 else 0.18, top=0.85)
    return fig


def plot_pq_adc(tables, codes, names=None, exact=None) -> Figure:
    """Asymmetric distance computation drawn: the query's tables T_j[l] and the look-ups of a few codes.

    ``tables`` is (m, k): T_j[l] = q_j · c_{j,l} (``cap-pq-ip``) for one
    query; ``codes`` is (n, m) of integers in [0, k). Axes 0: the tables as a
    heat map (sub-space j down, centroid l across), each code's cells marked;
    axes 1: the looked-up values T_j[i_j], one row per code; axes 2: their
    sums, the approximate scores q · x̂, as bars (and ``exact`` scores q · x,
    if given, as dots).
    """
    func = "plot_pq_adc"
    T = np.asarray(tables, dtype=float)
    C = np.asarray(codes)
    if T.ndim != 2 or T.size == 0:
        raise ValueError(f"{func}: tables must be a non-empty (m, k) array")
    if C.ndim != 2 or C.shape[1] != T.shape[0] or C.dtype.kind not in "iu" or C.size == 0:
        raise ValueError(f"{func}: codes must be an (n, m = {T.shape[0]}) integer array")
    if C.min() < 0 or C.max() >= T.shape[1]:
        raise ValueError(f"{func}: codes must lie in [0, k = {T.shape[1]})")
    m, k = T.shape
    n = C.shape[0]
    looked = T[np.arange(m)[None, :], C]
    fig, axes = new_figure(1, 3, figsize=(11, 3.4), width_ratios=(1.6, 1.6, 0.8))
    lim = np.abs(T).max() or 1.0
    axes[0].imshow(T, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim)
    markers = "o^sDvP*X"
    for r in range(n):
        axes[0].scatter(C[r], np.arange(m), s=14, marker=markers[r % len(markers)], facecolor="none",
                        edgecolor="black", lw=0.8)
    axes[0].set_xlabel("centroid l")
    axes[0].set_ylabel("sub-space j")
    axes[0].set_title("tables T_j[l] = q_j · c_{j,l} (one query)", fontsize=9)
    axes[1].imshow(looked, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim)
    axes[1].set_xlabel("sub-space j")
    labels = [str(x) for x in names] if names is not None else [f"code {r}" for r in range(n)]
    if len(labels) != n:
        raise ValueError(f"{func}: names has {len(labels)} entries for {n} codes")
    axes[1].set_yticks(range(n))
    axes[1].set_yticklabels(labels, fontsize=7)
    axes[1].set_title("looked up: T_j[i_j] for each code", fontsize=9)
    sums = looked.sum(axis=1)
    axes[2].barh(range(n), sums, color=_BLUE, label="Σ_j T_j[i_j] = q · x̂")
    if exact is not None:
        e = np.asarray(exact, dtype=float)
        if e.shape != (n,):
            raise ValueError(f"{func}: exact must hold one score per code, shape ({n},)")
        axes[2].scatter(e, range(n), color=_RED, zorder=3, s=12, label="q · x (exact)")
    axes[2].set_yticks(range(n))
    axes[2].set_yticklabels([])
    axes[2].set_ylim(n - 0.5, -0.5)
    axes[2].set_title("sum = score", fontsize=9)
    axes[2].legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.1))
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.25, top=0.88, wspace=0.3)
    return fig


def _wrap_tokens(tokens, width):
    lines, line, n = [], [], 0
    for i, t in enumerate(tokens):
        if line and n + len(t) + 1 > width:
            lines.append(line)
            line, n = [], 0
        line.append((i, t))
        n += len(t) + 1
    if line:
        lines.append(line)
    return lines


def plot_attribution(question: str, chunk_texts, prediction_span, answer_span, cited: int,
                     width: int = 140) -> Figure:
    """A question, its retrieved chunks, the extracted answer and the true one, as highlighted tokens.

    ``chunk_texts`` are the retrieved chunks (token strings, best first);
    ``prediction_span`` and ``answer_span`` are (chunk index, first token,
    number of tokens), or None; ``cited`` is the chunk the answer cites. The
    predicted tokens get an orange box, the true answer's tokens a green box
    (``ax.texts`` with a bbox), and the cited chunk a bold label.
    """
    func = "plot_attribution"
    if not isinstance(question, str):
        raise ValueError(f"{func}: question must be a str")
    if isinstance(chunk_texts, str) or len(chunk_texts) == 0:
        raise ValueError(f"{func}: chunk_texts must be a non-empty list of str")
    tokens = [str(t).split() for t in chunk_texts]
    spans = {}
    for name, sp in (("prediction_span", prediction_span), ("answer_span", answer_span)):
        if sp is None:
            continue
        if len(sp) != 3 or not 0 <= sp[0] < len(tokens) or sp[1] < 0 or sp[2] < 1 or \
                sp[1] + sp[2] > len(tokens[sp[0]]):
            raise ValueError(f"{func}: {name} must be (chunk, first token, length) inside a chunk")
        spans[name] = sp
    if not -1 <= cited < len(tokens):
        raise ValueError(f"{func}: cited must index a chunk (or be -1 for none)")
    lines = [_wrap_tokens(t, width) for t in tokens]
    n_lines = sum(len(x) for x in lines) + 2 * len(tokens) + 2
    fig, ax = new_figure(figsize=(9, 0.2 * n_lines + 0.6))
    ax.axis("off")
    y, dy, cw = 0, 1, 1.0 / width
    ax.text(0, y, f"question: {question}", fontsize=8, fontweight="bold", va="top", family="monospace")
    y += 1.6 * dy
    for c, chunk_lines in enumerate(lines):
        ax.text(0, y, f"[{c + 1}]" + (" cited" if c == cited else ""), fontsize=7, va="top",
                fontweight="bold" if c == cited else "normal", color=_BLUE if c == cited else "0.3",
                family="monospace")
        y += dy
        for line in chunk_lines:
            x = 0
            for i, t in line:
                box = None
                for name, color in (("answer_span", "#b7e4b0"), ("prediction_span", "#fdd0a2")):
                    sp = spans.get(name)
                    if sp is not None and sp[0] == c and sp[1] <= i < sp[1] + sp[2]:
                        box = {"facecolor": color, "edgecolor": "none", "pad": 0.8}
                ax.text(x * cw, y, t, fontsize=7, va="top", family="monospace", bbox=box)
                x += len(t) + 1
            y += dy
        y += 0.6 * dy
    ax.set_xlim(0, 1)
    ax.set_ylim(y + 0.5, -0.5)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.99)
    return fig


def plot_context_positions(rates, labels=("by rank", "best at both ends")) -> Figure:
    """Where the answer-bearing chunk sits in the generator's context under orderings of the top k.

    ``rates`` is (n_orders, k): for each ordering, the fraction of questions
    whose first chunk containing the answer is at context position 1..k.
    One bar group per position (``ax.patches``: order 0's k bars, then order
    1's, ...); the middle positions, where long-context models read worst
    (lost in the middle), are shaded.
    """
    func = "plot_context_positions"
    R = np.asarray(rates, dtype=float)
    if R.ndim != 2 or R.size == 0 or not np.all((R >= 0) & (R <= 1)):
        raise ValueError(f"{func}: rates must be a non-empty (n_orders, k) array of fractions in [0, 1]")
    if len(labels) != R.shape[0]:
        raise ValueError(f"{func}: labels has {len(labels)} entries for {R.shape[0]} orderings")
    n, k = R.shape
    fig, ax = new_figure(figsize=(6.5, 3.2))
    x = np.arange(1, k + 1)
    width = 0.8 / n
    lo, hi = 1 + k / 4, k - k / 4
    ax.axvspan(lo, hi, color="0.92", zorder=0)
    ax.text((lo + hi) / 2, 0.98, "the middle", transform=ax.get_xaxis_transform(), ha="center",
            va="top", fontsize=8, color="0.4")
    for r, (row, lab) in enumerate(zip(R, labels)):
        ax.bar(x + (r - (n - 1) / 2) * width, row, width, label=lab, color=(_BLUE, _ORANGE, _GREEN)[r % 3])
    ax.set_xticks(x)
    ax.set_xlabel("position in the generator's context (1 = first)")
    ax.set_ylabel("fraction of questions")
    ax.set_title("where the first chunk holding the answer is placed", fontsize=9)
    ax.legend(fontsize=8, frameon=False)
    fig.subplots_adjust(left=0.11, right=0.98, bottom=0.16, top=0.9)
    return fig


# --------------------------------------------------------------------------- the answer-recall explorer
def _check_recall_grid(grid, func: str):
    keys = ("windows", "overlaps", "k", "recall", "bytes")
    if not isinstance(grid, dict) or any(key not in grid for key in keys):
        raise ValueError(f"{func}: grid must be a dict with the keys {', '.join(keys)}")
    R, B = np.asarray(grid["recall"], dtype=float), np.asarray(grid["bytes"], dtype=float)
    shape = (len(grid["windows"]), len(grid["overlaps"]))
    if R.shape != shape + (len(grid["k"]),) or B.shape != shape:
        want = shape + (len(grid["k"]),)
        raise ValueError(f"{func}: grid['recall'] must be {want} and grid['bytes'] {shape}")
    return R, B


def plot_answer_recall(window, overlap, grid) -> Figure:
    """Answer recall@k against k for one chunking, among all, and the index size of every chunking.

    ``grid`` holds precomputed values: ``windows`` (window sizes, None for
    whole passages), ``overlaps`` (overlaps as fractions of the window),
    ``k`` (cut-offs), ``recall`` (n_windows, n_overlaps, n_k) and ``bytes``
    (n_windows, n_overlaps), the bytes of the inverted index. Axes 0: one
    line per chunking (grey), the chosen one in colour and labelled; axes 1:
    the bytes against the window, one line per overlap, the chosen point
    marked. Nothing is computed here.
    """
    func = "plot_answer_recall"
    R, B = _check_recall_grid(grid, func)
    windows, overlaps, ks = list(grid["windows"]), list(grid["overlaps"]), np.asarray(grid["k"])
    if window not in windows:
        raise ValueError(f"{func}: window = {window!r} is not in the grid's windows {windows}")
    if overlap not in overlaps:
        raise ValueError(f"{func}: overlap = {overlap!r} is not in the grid's overlaps {overlaps}")
    wi, oi = windows.index(window), overlaps.index(overlap)
    fig, (ax, bx) = new_figure(1, 2, figsize=(10, 3.6), width_ratios=(1.3, 1.0))
    for i in range(len(windows)):
        for j in range(len(overlaps)):
            if (i, j) != (wi, oi):
                ax.plot(ks, R[i, j], color="0.82", lw=0.8)
    name = "whole passages" if window is None else f"w = {window}, o = {overlap:g}·w"
    ax.plot(ks, R[wi, oi], color=_BLUE, marker="o", ms=3, lw=2, label=name)
    ax.set_xlabel("k (chunks retrieved)")
    ax.set_ylabel("answer recall@k")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    ax.set_title(f"{name}: recall@{ks[0]} {R[wi, oi, 0]:.2f}, @{ks[-1]} {R[wi, oi, -1]:.2f}", fontsize=9)
    xs = np.arange(len(windows))
    for j, o in enumerate(overlaps):
        bx.plot(xs, B[:, j] / 1e3, marker="o", ms=3, color=(_GREEN, _ORANGE, _RED, _BLUE)[j % 4],
                label=f"o = {o:g}·w")
    bx.scatter([wi], [B[wi, oi] / 1e3], s=80, facecolor="none", edgecolor="black", zorder=3)
    bx.set_xticks(xs)
    bx.set_xticklabels(["whole" if w is None else str(w) for w in windows])
    bx.set_xlabel("window w (tokens)")
    bx.set_ylabel("inverted index (kB)")
    bx.legend(fontsize=7, frameon=False)
    bx.set_title(f"index: {B[wi, oi] / 1e3:.0f} kB", fontsize=9)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.9, wspace=0.3)
    return fig


def plot_answer_recall_grid(grid, k_marks=(1, 4, 10)) -> Figure:
    """Small multiples of :func:`plot_answer_recall`: one panel per overlap, a line per window.

    Panel j holds one line of answer recall@k against k per window at overlap
    ``grid['overlaps'][j]``; the last panel holds the bytes of every chunking;
    vertical lines mark the cut-offs ``k_marks``.
    """
    func = "plot_answer_recall_grid"
    R, B = _check_recall_grid(grid, func)
    windows, overlaps, ks = list(grid["windows"]), list(grid["overlaps"]), np.asarray(grid["k"])
    n = len(overlaps)
    fig, axes = new_figure(1, n + 1, figsize=(3.3 * (n + 1), 3.0), squeeze=False)
    axes = axes[0]
    colors = (_BLUE, _ORANGE, _GREEN, _RED, "#9467bd", "0.3")
    for j, (ax, o) in enumerate(zip(axes, overlaps)):
        for i, w in enumerate(windows):
            ax.plot(ks, R[i, j], color=colors[i % len(colors)], lw=1.2,
                    label="whole" if w is None else f"w = {w}")
        for km in k_marks:
            ax.axvline(km, color="0.85", lw=0.8, zorder=0)
        ax.set_ylim(0, 1.02)
        ax.set_title(f"overlap o = {o:g}·w", fontsize=9)
        ax.set_xlabel("k")
    axes[0].set_ylabel("answer recall@k")
    axes[0].legend(fontsize=7, frameon=False, loc="lower right")
    bx = axes[-1]
    for i in range(len(windows)):
        bx.plot(range(n), B[i] / 1e3, marker="o", ms=3, color=colors[i % len(colors)])
    bx.set_xticks(range(n))
    bx.set_xticklabels([f"{o:g}" for o in overlaps])
    bx.set_xlabel("overlap (fraction of w)")
    bx.set_ylabel("inverted index (kB)")
    bx.set_title("index size", fontsize=9)
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.17, top=0.88, wspace=0.35)
    return fig
