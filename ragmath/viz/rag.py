"""Pure plotting functions for chapter 8, "The RAG model: retriever and generator".

Each ``plot_*`` function takes plain parameters, gets its numbers from
:mod:`ragmath.rag` (:func:`ragmath.rag.document_distribution`,
:func:`ragmath.rag.rag_marginals`, :func:`ragmath.rag.in_batch_loss_lower_bound`)
or from the caller (the loss curves and per-query NDCG of the real bi-encoder's
section), and returns a new
:class:`matplotlib.figure.Figure` (never touching pyplot's global state):
nothing is computed here. The widgets of :mod:`ragmath.widgets.rag` only
connect sliders to these functions, and the ``*_grid`` functions draw the
static small multiples that follow each widget.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .._validation import as_float_array, as_same_shape_arrays, check_positive_float, check_positive_int
from ..rag import document_distribution, in_batch_loss_lower_bound, rag_marginals
from ._style import new_figure

__all__ = [
    "plot_rag_pipeline",
    "plot_retrieval_distribution",
    "plot_retrieval_distribution_grid",
    "plot_rag_marginals",
    "plot_rag_marginals_grid",
    "plot_contrastive_scale",
    "plot_ndcg_scatter",
]

_BLUE, _ORANGE, _GREEN, _RED, _GREY = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "0.55"


# ------------------------------------------------------------------ architecture
_BOXES = {
    # name: (x, y, width, height, text, colour)
    "chunks": (0.02, 0.62, 0.17, 0.22, "chunks z\n(the collection)", "#dbe9f6"),
    "penc": (0.25, 0.62, 0.17, 0.22, "passage encoder\nd(z)", "#fde2c8"),
    "index": (0.48, 0.62, 0.17, 0.22, "index of\nvectors d(z)", "#dbe9f6"),
    "query": (0.02, 0.16, 0.17, 0.22, "question x", "#dbe9f6"),
    "qenc": (0.25, 0.16, 0.17, 0.22, "query encoder\nq(x)", "#fde2c8"),
    "retr": (0.48, 0.16, 0.17, 0.22, "top-k by d(z)·q(x)\np(z | x)", "#d9f0d3"),
    "prompt": (0.70, 0.16, 0.11, 0.22, "prompt\n[z ; x]", "#ececec"),
    "gen": (0.86, 0.16, 0.13, 0.22, "generator\np(y | x, z)", "#f6d5d5"),
}
_ARROWS = [
    ("chunks", "penc", "1"),
    ("penc", "index", ""),
    ("query", "qenc", "2"),
    ("qenc", "retr", ""),
    ("index", "retr", "3"),
    ("retr", "prompt", "4"),
    ("prompt", "gen", "5"),
]


def plot_rag_pipeline() -> Figure:
    """The RAG pipeline in five numbered steps, as boxes and arrows.

    1 encode the chunks, 2 encode the query, 3 retrieve the most similar
    chunks, 4 add them to the prompt, 5 generate. Box labels are the texts of
    ``ax.texts``; the arrows are ``ax.patches`` of type FancyArrowPatch.
    """
    fig, ax = new_figure(figsize=(10, 3.4))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    centre = {}
    for name, (x, y, w, h, text, colour) in _BOXES.items():
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.01", fc=colour, ec="0.3", lw=1.2))
        ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=9.5)
        centre[name] = (x, y, w, h)
    for start, end, label in _ARROWS:
        x0, y0, w0, h0 = centre[start]
        x1, y1, w1, h1 = centre[end]
        if abs(y0 - y1) < 1e-9:  # same row: left to right
            a, b = (x0 + w0 + 0.005, y0 + h0 / 2), (x1 - 0.005, y1 + h1 / 2)
        else:  # index (top) down to retrieval (bottom)
            a, b = (x0 + w0 / 2, y0 - 0.01), (x1 + w1 / 2, y1 + h1 + 0.01)
        ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=14, color="0.25", lw=1.4))
        if label:
            mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
            ax.text(mx + (0.015 if a[0] == b[0] else 0), my + (0.0 if a[0] == b[0] else 0.1), label,
                    ha="center", va="center", fontsize=10, fontweight="bold", color=_RED,
                    bbox=dict(boxstyle="circle,pad=0.2", fc="white", ec=_RED, lw=1))
    ax.text(0.67, 0.73, "step 1 runs offline,\nonce for the collection", fontsize=8.5, color="0.35",
            ha="left", va="center", style="italic")
    ax.text(0.925, 0.08, "answer y", fontsize=9.5, ha="center", va="center")
    ax.text(0.02, 0.96, "1 encode the chunks   2 encode the query   3 retrieve the top-k   "
            "4 add them to the prompt   5 generate", fontsize=9, va="top", color="0.2")
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.98)
    return fig


# ------------------------------------------------------------ the retriever p(z|x)
def _draw_distribution(ax, dist: dict, k: int, temperature: float, labels, n_show: int, title=True):
    n = min(n_show, len(dist["order"]))
    x = np.arange(n)
    ax.bar(x, dist["full"][:n], width=0.8, color="none", edgecolor=_GREY, lw=1.2, label="all documents")
    ax.bar(x, dist["truncated"][:n], width=0.5, color=_BLUE, label=f"top-{k}, renormalised")
    ax.set_xticks(x)
    shown = dist["order"][:n]
    names = [str(labels[i]) for i in shown] if labels is not None else [str(i) for i in shown]
    ax.set_xticklabels(names, rotation=90, fontsize=7)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("p(z | x)")
    if title:
        ax.set_title(f"τ = {temperature:.3g}, k = {k}: dropped mass {dist['dropped']:.3f}", fontsize=10)


def plot_retrieval_distribution(query, docs, k: int = 5, temperature: float = 1.0, labels=None,
                                n_show: int = 15) -> Figure:
    """Bars of p(z | x) over the best ``n_show`` documents (``rag-retriever``, ``rag-temperature``).

    Grey outlines: the softmax of d(z)·q(x)/τ over all documents; blue bars:
    the same renormalised over the top-k (0 beyond). Their heights are the
    patches of ``fig.axes[0]``: first the n_show outlines, then the n_show bars.
    The title gives the mass δ_k that the truncation drops (``rag-dropped-mass``).
    The numbers are those of :func:`ragmath.rag.document_distribution`.
    """
    func = "plot_retrieval_distribution"
    k = check_positive_int(k, "k", func)
    temperature = check_positive_float(temperature, "temperature", func)
    n_show = check_positive_int(n_show, "n_show", func)
    dist = document_distribution(query, docs, k, temperature)
    fig, ax = new_figure(figsize=(8, 3.6))
    _draw_distribution(ax, dist, k, temperature, labels, n_show)
    ax.legend(fontsize=8, loc="upper right", frameon=False)
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.2, top=0.9)
    return fig


def plot_retrieval_distribution_grid(query, docs, temperatures=(0.02, 0.05, 0.2), ks=(3, 10),
                                     labels=None, n_show: int = 12) -> Figure:
    """Small multiples of :func:`plot_retrieval_distribution`: one row per k, one column per τ."""
    temperatures = [float(t) for t in temperatures]
    ks = [int(k) for k in ks]
    fig, axes = new_figure(len(ks), len(temperatures), figsize=(3.3 * len(temperatures), 2.9 * len(ks)),
                           squeeze=False, sharey=True)
    for r, k in enumerate(ks):
        for c, t in enumerate(temperatures):
            ax = axes[r, c]
            dist = document_distribution(query, docs, k, t)
            _draw_distribution(ax, dist, k, t, labels, n_show)
            ax.set_title(f"τ = {t:g}, k = {k}\ndropped {dist['dropped']:.3f}", fontsize=9)
            if c:
                ax.set_ylabel("")
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.14, top=0.9, wspace=0.12, hspace=0.75)
    return fig


# ------------------------------------------------------ RAG-Sequence and RAG-Token
def plot_rag_marginals(doc_scores, token_probs, temperature: float = 1.0, tokens=None,
                       doc_labels=None) -> Figure:
    """Heat-map of p(y_i | x, z, y_<i), the retriever's p(z | x) and both marginals.

    Left: one row per document and a last row "RAG-Token mixture" Σ_z p(z|x)
    p(y_i|x,z,y_<i), one column per token, each cell annotated (the image
    array is ``fig.axes[0].images[0].get_array()``). Middle: bars of p(z | x)
    (``ax.patches`` of ``fig.axes[1]``). Right: log p(y | x) under
    RAG-Sequence and RAG-Token (``ax.patches`` of ``fig.axes[2]``, in that order).
    """
    P = np.asarray(as_float_array(token_probs, "token_probs", "plot_rag_marginals", ndim=2))
    m = rag_marginals(doc_scores, P, temperature)
    n_docs, n_tokens = P.shape
    tokens = list(tokens) if tokens is not None else [f"y{i + 1}" for i in range(n_tokens)]
    doc_labels = list(doc_labels) if doc_labels is not None else [f"z{j + 1}" for j in range(n_docs)]
    fig, (ax_h, ax_p, ax_l) = new_figure(1, 3, figsize=(10.5, 0.45 * (n_docs + 1) + 2.2),
                                         width_ratios=(max(n_tokens, 2) * 0.9, 1.6, 1.8))
    table = np.vstack([P, m["token_mixture"]])
    ax_h.imshow(table, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for (r, c), v in np.ndenumerate(table):
        ax_h.text(c, r, f"{v:.2f}", ha="center", va="center", fontsize=8,
                  color="white" if v > 0.6 else "black")
    ax_h.axhline(n_docs - 0.5, color=_RED, lw=2)
    ax_h.set_xticks(range(n_tokens))
    ax_h.set_xticklabels(tokens, rotation=30, fontsize=8, ha="right")
    ax_h.set_yticks(range(n_docs + 1))
    ax_h.set_yticklabels(doc_labels + ["RAG-Token mixture"], fontsize=8)
    ax_h.set_title("p(y_i | x, z, y_<i)", fontsize=10)
    y = np.arange(n_docs)
    ax_p.barh(y, m["doc_probs"], color=_BLUE)
    ax_p.set_ylim(n_docs - 0.5 + 1, -0.5)
    ax_p.set_yticks(y)
    ax_p.set_yticklabels([])
    ax_p.set_xlim(0, 1)
    ax_p.set_title(f"p(z | x), τ = {temperature:.3g}", fontsize=10)
    values = [m["log_sequence"], m["log_token"]]
    ax_l.bar([0, 1], values, color=[_ORANGE, _GREEN])
    ax_l.set_xticks([0, 1])
    ax_l.set_xticklabels(["RAG-\nSequence", "RAG-\nToken"], fontsize=8)
    low = min(values)
    finite_low = low if np.isfinite(low) else -50.0
    ax_l.set_ylim(1.25 * finite_low - 0.5, 0)
    for i, v in enumerate(values):
        ax_l.text(i, (v if np.isfinite(v) else finite_low) / 2, f"{v:.2f}", ha="center", va="center",
                  fontsize=9)
    ax_l.set_title("log p(y | x)", fontsize=10)
    fig.subplots_adjust(left=0.16, right=0.98, bottom=0.2, top=0.88, wspace=0.35)
    return fig


def plot_rag_marginals_grid(doc_scores, token_probs, temperatures=(0.01, 0.05, 0.2, 1.0),
                            doc_labels=None) -> Figure:
    """Small multiples: p(z | x) at each temperature, and both log-likelihoods against τ.

    One panel per temperature (bars of p(z|x), the two log-likelihoods in the
    title), and a last panel with log p(y|x) of RAG-Sequence and RAG-Token as
    curves over τ (``lines`` labelled "RAG-Sequence", "RAG-Token"), the grid's
    temperatures marked.
    """
    temperatures = [float(t) for t in temperatures]
    P = as_float_array(token_probs, "token_probs", "plot_rag_marginals_grid", ndim=2)
    n_docs = P.shape[0]
    doc_labels = list(doc_labels) if doc_labels is not None else [f"z{j + 1}" for j in range(n_docs)]
    fig, axes = new_figure(1, len(temperatures) + 1, figsize=(2.5 * (len(temperatures) + 1) + 1, 3.1))
    for ax, t in zip(axes[:-1], temperatures):
        m = rag_marginals(doc_scores, P, t)
        ax.bar(range(n_docs), m["doc_probs"], color=_BLUE)
        ax.set_xticks(range(n_docs))
        ax.set_xticklabels(doc_labels, rotation=90, fontsize=7)
        ax.set_ylim(0, 1.05)
        ax.set_title(f"τ = {t:g}\nseq {m['log_sequence']:.2f}, tok {m['log_token']:.2f}", fontsize=9)
    axes[0].set_ylabel("p(z | x)")
    grid = np.geomspace(min(temperatures) / 2, max(temperatures) * 2, 60)
    curves = np.array([[rag_marginals(doc_scores, P, t)[key] for key in ("log_sequence", "log_token")]
                       for t in grid])
    ax = axes[-1]
    ax.plot(grid, curves[:, 0], color=_ORANGE, label="RAG-Sequence")
    ax.plot(grid, curves[:, 1], color=_GREEN, label="RAG-Token")
    for t in temperatures:
        ax.axvline(t, color="0.85", lw=0.8, zorder=0)
    ax.set_xscale("log")
    ax.set_xlabel("temperature τ")
    ax.set_title("log p(y | x)", fontsize=9)
    ax.legend(fontsize=7, frameon=False)
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.3, top=0.82, wspace=0.35)
    return fig


# ------------------------------------------------- the real bi-encoder's loss and ranking
def plot_contrastive_scale(scales, losses, batch_size: int, train_scale: float = 20.0) -> Figure:
    """The in-batch loss against the scale s of the cosines, with its lower bound (``rag-scale-bound``).

    One curve per model: the mean over batches of
    :func:`ragmath.rag.contrastive_loss_curve`, with a band of ± one standard
    deviation (``ax.lines`` labelled by the model names, in the order of
    ``losses``). A dashed black curve labelled "lower bound" is
    :func:`ragmath.rag.in_batch_loss_lower_bound` (B = ``batch_size``), a grey
    horizontal line labelled "log B" the loss of a model that scores every
    passage alike, and a dotted vertical line the scale ``train_scale``.
    Logarithmic s axis.

    Parameters
    ----------
    scales : array-like, shape (n_scales,)
        The scales s > 0, increasing.
    losses : dict of str to array-like, shape (n_batches, n_scales) or (n_scales,)
        Per model, the loss of every batch at every scale.
    batch_size : int
        B, the number of passages each query is scored against.
    train_scale : float, optional
        The scale to mark (sentence-transformers' default, 20).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        When a loss array does not have one column per scale, or on bad scales.
    TypeError
        When losses is not a dict, or batch_size is not an integer.

    Examples
    --------
    >>> fig = plot_contrastive_scale([1.0, 10.0], {"model": [[2.0, 1.0], [2.2, 0.8]]}, batch_size=8)
    >>> [line.get_label() for line in fig.axes[0].lines][:2]
    ['model', 'lower bound']
    """
    func = "plot_contrastive_scale"
    s = as_float_array(scales, "scales", func, ndim=1)
    if (s <= 0).any():
        raise ValueError(f"{func}: scales must be positive")
    B = check_positive_int(batch_size, "batch_size", func)
    train_scale = check_positive_float(train_scale, "train_scale", func)
    if not isinstance(losses, dict) or not losses:
        raise TypeError(f"{func}: losses must be a non-empty dict of model name to loss array")
    fig, ax = new_figure(figsize=(9.0, 4.2))
    colours = [_BLUE, _ORANGE, _GREEN, _RED, "#9467bd"]
    for c, (name, values) in enumerate(losses.items()):
        L = as_float_array(values, f"losses[{name!r}]", func, ndim=(1, 2))
        L = L[None, :] if L.ndim == 1 else L
        if L.shape[1] != len(s):
            raise ValueError(f"{func}: losses[{name!r}] has {L.shape[1]} columns but there are "
                             f"{len(s)} scales")
        mean = L.mean(axis=0)
        colour = colours[c % len(colours)]
        ax.plot(s, mean, color=colour, lw=2, label=name)
        if L.shape[0] > 1:
            sd = L.std(axis=0, ddof=1)
            ax.fill_between(s, mean - sd, mean + sd, color=colour, alpha=0.15, lw=0)
    ax.plot(s, in_batch_loss_lower_bound(B, s), color="black", ls="--", lw=1.4, label="lower bound")
    ax.axhline(np.log(B), color=_GREY, lw=1, label="log B")
    ax.axvline(train_scale, color="0.3", ls=":", lw=1)
    ax.text(train_scale * 1.05, np.log(B) * 0.97, f"s = {train_scale:g}", fontsize=8, va="top", color="0.3")
    ax.set_xscale("log")
    ax.set_ylim(0, np.log(B) * 1.25)
    ax.set_xlabel("scale s (the cosines are multiplied by s; τ = 1/s)")
    ax.set_ylabel(f"in-batch loss, B = {B}")
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.subplots_adjust(left=0.08, right=0.72, bottom=0.13, top=0.96)
    return fig


def plot_ndcg_scatter(ndcg_x, ndcg_y, overlap, names=("BM25", "all-MiniLM-L6-v2")) -> Figure:
    """Per-query NDCG of two retrievers, one point per query, coloured by word overlap.

    x is the first retriever's NDCG, y the second's (``ax.collections[0]``,
    offsets in query order), the colour the query's word overlap with its
    most relevant passages (``rag-overlap``, a colour bar from 0 to 1), and the
    diagonal y = x. The title counts the queries above, on and below it.

    Parameters
    ----------
    ndcg_x, ndcg_y : array-like, shape (n_queries,)
        The per-query values, in [0, 1].
    overlap : array-like, shape (n_queries,)
        Each query's overlap, in [0, 1].
    names : pair of str, optional
        The two retrievers (x, then y).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        When the three arrays differ in length or a value lies outside [0, 1].

    Examples
    --------
    >>> fig = plot_ndcg_scatter([0.5, 1.0, 0.2], [0.7, 1.0, 0.1], [0.2, 0.9, 1.0])
    >>> fig.axes[0].collections[0].get_offsets().shape
    (3, 2)
    """
    func = "plot_ndcg_scatter"
    x, y, o = as_same_shape_arrays({"ndcg_x": ndcg_x, "ndcg_y": ndcg_y, "overlap": overlap}, func, ndim=1,
                                   shape="(n_queries,)")
    for name, v in (("ndcg_x", x), ("ndcg_y", y), ("overlap", o)):
        if ((v < 0) | (v > 1)).any():
            raise ValueError(f"{func}: {name} must lie in [0, 1]")
    fig, ax = new_figure(figsize=(5.6, 4.8))
    points = ax.scatter(x, y, c=o, cmap="viridis", vmin=0, vmax=1, s=28, edgecolor="0.2", lw=0.4)
    ax.plot([0, 1], [0, 1], color=_GREY, lw=1)
    fig.colorbar(points, ax=ax, label="word overlap with the most relevant passages")
    above, below = int((y > x).sum()), int((y < x).sum())
    ax.set_title(f"{names[1]} higher on {above}, equal on {len(x) - above - below}, "
                 f"lower on {below} queries", fontsize=9)
    ax.set_xlabel(f"NDCG@10, {names[0]}")
    ax.set_ylabel(f"NDCG@10, {names[1]}")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_aspect("equal")
    fig.subplots_adjust(left=0.12, right=0.96, bottom=0.11, top=0.93)
    return fig
