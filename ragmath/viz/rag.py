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
    "plot_prior_posterior",
    "plot_in_batch_matrix",
    "plot_seed_study",
    "plot_training_curve",
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
    ax.set_xlabel("scale s (the cosines are multiplied by s; τ_c = 1/s)")
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


# ------------------------------------------------------------ training RAG: prior vs posterior
def plot_prior_posterior(prior, posterior, labels=None, temperature: float = 1.0) -> Figure:
    """The gradient of RAG's marginal NLL in the scores as prior minus posterior (``rag-marginal-grad``).

    Left: the retriever's prior p_η(z | x) and the posterior p(z | x, y) as
    side-by-side bars (``ax.patches``: the prior's bars first, then the
    posterior's). Right: the gradient step −∂L/∂s_z = (posterior − prior)/τ,
    one bar per document, green where the step raises the score, red where it
    lowers it.

    Parameters
    ----------
    prior, posterior : array-like, shape (n_docs,)
        Probability vectors over the same documents.
    labels : list of str, optional
        Document names.
    temperature : float, optional
        The retriever's τ (it scales the gradient).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        When the two arrays differ in length, a value lies outside [0, 1], a
        vector does not sum to 1, or labels has the wrong length.

    Examples
    --------
    >>> fig = plot_prior_posterior([0.5, 0.5], [0.9, 0.1])
    >>> len(fig.axes[0].patches), len(fig.axes[1].patches)
    (4, 2)
    """
    func = "plot_prior_posterior"
    p, q = as_same_shape_arrays({"prior": prior, "posterior": posterior}, func, ndim=1, shape="(n_docs,)")
    for name, v in (("prior", p), ("posterior", q)):
        if ((v < 0) | (v > 1)).any() or not np.isclose(v.sum(), 1.0, atol=1e-9):
            raise ValueError(f"{func}: {name} must be a probability vector (entries in [0, 1], sum 1)")
    tau = check_positive_float(temperature, "temperature", func)
    labels = [f"z{i + 1}" for i in range(len(p))] if labels is None else list(labels)
    if len(labels) != len(p):
        raise ValueError(f"{func}: labels has {len(labels)} entries but there are {len(p)} documents")
    fig, (ax, ax_g) = new_figure(1, 2, figsize=(10, 3.6))
    x = np.arange(len(p))
    ax.bar(x - 0.2, p, width=0.4, color=_GREY, label="prior p(z | x), retriever")
    ax.bar(x + 0.2, q, width=0.4, color=_BLUE, label="posterior p(z | x, y)")
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("probability")
    ax.legend(fontsize=8, frameon=False)
    ax.set_title("what the retriever expected, and what the answer says", fontsize=9)
    step = (q - p) / tau
    ax_g.bar(x, step, color=[_GREEN if v >= 0 else _RED for v in step], width=0.6)
    ax_g.axhline(0, color="0.3", lw=0.8)
    ax_g.set_xticks(x, labels, fontsize=8)
    ax_g.set_ylabel("−∂L/∂s(z) = (posterior − prior)/τ")
    ax_g.set_title("the gradient step on each score", fontsize=9)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.9, wspace=0.3)
    return fig


# ------------------------------------------------------------ in-batch false negatives
def plot_in_batch_matrix(scores, false_negatives, labels=None) -> Figure:
    """The in-batch softmax of each row, with the positives and the false negatives marked.

    The image (``ax.images[0]``) is the softmax of each row of ``scores``
    (S_ij = q_i·p_j/τ_c): row i is the distribution of ``rag-contrastive``
    over the passages of the batch for query i. The diagonal (the positives)
    is outlined in green; the entries of ``false_negatives`` (negatives that
    are positives too, ``rag-contrastive-masked``) are crossed in red
    (``ax.lines[0]``, one marker per entry).

    Parameters
    ----------
    scores : array-like, shape (B, B)
        The score matrix S.
    false_negatives : array-like of bool, shape (B, B)
        The mask M (False on the diagonal).
    labels : list of str, optional
        The names of the B pairs.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        When scores is not square, the mask has another shape or marks the
        diagonal, or labels has the wrong length.

    Examples
    --------
    >>> fig = plot_in_batch_matrix([[2.0, 2.0], [0.0, 1.0]], [[False, True], [False, False]])
    >>> fig.axes[0].images[0].get_array().shape
    (2, 2)
    """
    func = "plot_in_batch_matrix"
    S = as_float_array(scores, "scores", func, ndim=2)
    if S.shape[0] != S.shape[1]:
        raise ValueError(f"{func}: scores must be square (B, B), got shape {S.shape}")
    M = np.asarray(false_negatives, dtype=bool)
    if M.shape != S.shape:
        raise ValueError(f"{func}: false_negatives must have the shape of scores {S.shape}, got {M.shape}")
    if np.diag(M).any():
        raise ValueError(f"{func}: false_negatives marks a positive (the diagonal)")
    B = S.shape[0]
    labels = [str(i + 1) for i in range(B)] if labels is None else list(labels)
    if len(labels) != B:
        raise ValueError(f"{func}: labels has {len(labels)} entries but the batch has {B} pairs")
    E = np.exp(S - S.max(axis=1, keepdims=True))
    pi = E / E.sum(axis=1, keepdims=True)
    fig, ax = new_figure(figsize=(5.8, 4.8))
    image = ax.imshow(pi, cmap="Blues", vmin=0, vmax=1)
    fig.colorbar(image, ax=ax, label="softmax of row i, π_ij")
    rows, cols = np.nonzero(M)
    ax.plot(cols, rows, "x", color=_RED, ms=14, mew=2.5)
    for i in range(B):
        ax.add_patch(FancyBboxPatch((i - 0.45, i - 0.45), 0.9, 0.9, boxstyle="square,pad=0",
                                    fc="none", ec=_GREEN, lw=2.2))
    ax.set_xticks(range(B), labels, fontsize=7, rotation=90)
    ax.set_yticks(range(B), labels, fontsize=7)
    ax.set_xlabel("passage j of the batch (the positive of pair j)")
    ax.set_ylabel("query i")
    ax.set_title(f"green: positives; red ×: {len(rows)} false negatives (also positives)", fontsize=9)
    fig.subplots_adjust(left=0.14, right=0.95, bottom=0.25, top=0.93)
    return fig


# ------------------------------------------------------------ seeds and epochs
def plot_seed_study(results, baseline_name=None, measure: str = "NDCG@10") -> Figure:
    """Held-out scores of several training conditions, one point per seed, paired by lines.

    Each condition is a column of points (``ax.collections``, one per
    condition, offsets = (column, value) in seed order), the same seed joined
    by a thin grey line across the conditions (the comparison is paired), and
    a black bar of mean ± one standard deviation beside each column. A
    dashed line marks the mean of ``baseline_name`` if given.

    Parameters
    ----------
    results : dict of str to array-like, shape (n_seeds,)
        Per condition, the mean held-out score of every seed (same seeds).
    baseline_name : str, optional
        A key of results to draw as a horizontal reference.
    measure : str, optional
        The name of the measure (axis label).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        When the arrays differ in length, hold fewer than 2 seeds, or
        baseline_name is not a key.
    TypeError
        When results is not a non-empty dict.

    Examples
    --------
    >>> fig = plot_seed_study({"a": [0.7, 0.72], "b": [0.71, 0.75]}, baseline_name="a")
    >>> len(fig.axes[0].collections)
    2
    """
    func = "plot_seed_study"
    if not isinstance(results, dict) or not results:
        raise TypeError(f"{func}: results must be a non-empty dict of condition to per-seed scores")
    arrays = {name: as_float_array(v, f"results[{name!r}]", func, ndim=1) for name, v in results.items()}
    lengths = {len(v) for v in arrays.values()}
    if len(lengths) != 1 or lengths.pop() < 2:
        raise ValueError(f"{func}: results must hold the same number (≥ 2) of seeds for every condition")
    if baseline_name is not None and baseline_name not in arrays:
        raise ValueError(f"{func}: baseline_name {baseline_name!r} is not a key of results")
    names = list(arrays)
    V = np.vstack([arrays[n] for n in names])  # (n_conditions, n_seeds)
    fig, ax = new_figure(figsize=(8.4, 4.0))
    x = np.arange(len(names))
    for s in range(V.shape[1]):
        ax.plot(x, V[:, s], color="0.8", lw=0.8, zorder=1)
    colours = [_GREY, _BLUE, _ORANGE, _GREEN, _RED]
    for c in range(len(names)):
        ax.scatter(np.full(V.shape[1], c), V[c], color=colours[c % len(colours)], s=22, zorder=3,
                   edgecolor="0.2", lw=0.4)
        mean, sd = V[c].mean(), V[c].std(ddof=1)
        ax.plot([c + 0.18] * 2, [mean - sd, mean + sd], color="black", lw=1.5, zorder=4)
        ax.plot([c + 0.18], [mean], "_", color="black", ms=12, mew=2, zorder=4)
        ax.text(c + 0.26, mean, f"{mean:.3f}\n± {sd:.3f}", fontsize=7.5, va="center")
    if baseline_name is not None:
        ax.axhline(arrays[baseline_name].mean(), color=_GREY, ls="--", lw=1)
    ax.set_xticks(x, names, fontsize=8)
    ax.set_xlim(-0.4, len(names) - 0.2)
    ax.set_ylabel(f"held-out {measure} (mean over queries)")
    ax.set_title(f"{V.shape[1]} seeds; a grey line joins the runs of one seed", fontsize=9)
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.12, top=0.92)
    return fig


def plot_training_curve(train_loss, held_out, stop_epoch=None) -> Figure:
    """The training loss and held-out measures of one training run, epoch by epoch.

    Left: the mean in-batch loss of every epoch (``axes[0].lines[0]``).
    Right: one line per held-out measure (``axes[1].lines``, in the order of
    ``held_out``). A dotted vertical line in both marks ``stop_epoch``.

    Parameters
    ----------
    train_loss : array-like, shape (n_epochs,)
    held_out : dict of str to array-like, shape (n_epochs,)
        Per measure, its value after every epoch.
    stop_epoch : int, optional
        The epoch to mark (1-based).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        When an array does not have one value per epoch, or stop_epoch is
        outside 1..n_epochs.
    TypeError
        When held_out is not a dict.

    Examples
    --------
    >>> fig = plot_training_curve([1.0, 0.5, 0.4], {"NDCG@10": [0.7, 0.72, 0.71]}, stop_epoch=2)
    >>> len(fig.axes[0].lines), len(fig.axes[1].lines)
    (2, 2)
    """
    func = "plot_training_curve"
    loss = as_float_array(train_loss, "train_loss", func, ndim=1)
    if not isinstance(held_out, dict):
        raise TypeError(f"{func}: held_out must be a dict of measure name to per-epoch values")
    curves = {name: as_float_array(v, f"held_out[{name!r}]", func, ndim=1) for name, v in held_out.items()}
    for name, v in curves.items():
        if len(v) != len(loss):
            raise ValueError(f"{func}: held_out[{name!r}] has {len(v)} values but there are "
                             f"{len(loss)} epochs")
    if stop_epoch is not None:
        stop_epoch = check_positive_int(stop_epoch, "stop_epoch", func)
        if stop_epoch > len(loss):
            raise ValueError(f"{func}: stop_epoch = {stop_epoch} is after the last epoch ({len(loss)})")
    epochs = np.arange(1, len(loss) + 1)
    fig, (ax, ax_h) = new_figure(1, 2, figsize=(10, 3.6))
    ax.plot(epochs, loss, "o-", color=_BLUE, ms=4)
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean training loss of the epoch")
    ax.set_ylim(0, None)
    colours = [_ORANGE, _GREEN, _RED, "#9467bd"]
    for c, (name, v) in enumerate(curves.items()):
        ax_h.plot(epochs, v, "o-", color=colours[c % len(colours)], ms=4, label=name)
    ax_h.set_xlabel("epoch")
    ax_h.set_ylabel("held-out value")
    ax_h.legend(fontsize=8, frameon=False)
    if stop_epoch is not None:
        for a in (ax, ax_h):
            a.axvline(stop_epoch, color="0.3", ls=":", lw=1)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.95, wspace=0.28)
    return fig
