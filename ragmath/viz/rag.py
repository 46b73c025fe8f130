"""Pure plotting functions for chapter 8, "The RAG model: retriever and generator".

Each ``plot_*`` function takes plain parameters, gets its numbers from
:mod:`ragmath.rag` (:func:`ragmath.rag.document_distribution`,
:func:`ragmath.rag.rag_marginals`), and returns a new
:class:`matplotlib.figure.Figure` (never touching pyplot's global state):
nothing is computed here. The widgets of :mod:`ragmath.widgets.rag` only
connect sliders to these functions, and the ``*_grid`` functions draw the
static small multiples that follow each widget.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .._validation import as_float_array, check_positive_float, check_positive_int
from ..rag import document_distribution, rag_marginals
from ._style import new_figure

__all__ = [
    "plot_rag_pipeline",
    "plot_retrieval_distribution",
    "plot_retrieval_distribution_grid",
    "plot_rag_marginals",
    "plot_rag_marginals_grid",
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
