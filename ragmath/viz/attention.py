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

And three figures of the real encoder of :mod:`ragmath.encoder` (section "A real
transformer"): the attention maps of chosen heads on one text, the cosine
similarities of position vectors (``enc-offset-similarity``), and the permutation
check (the token states of two sentences compared, with and without positions).

And five explanatory figures: attention weights as a flow from keys to queries,
the gradients of queries, keys and values as the logits grow, the tiles and
running state of blockwise (online-softmax) attention, the growth of a
key-value cache, and attention entropy against the logit scale.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator

from .._validation import as_float_array, check_positive_float, check_positive_int
from ..attention import (
    DK_CHOICES,
    entropy_curve,
    score_scaling_summary,
    softmax_entropy,
    toy_attention_weights,
    toy_sentence,
)
from ..encoder import position_offset_similarity
from ..information import entropy
from ..similarity import cosine_similarity
from ._style import new_figure

__all__ = [
    "plot_score_scaling",
    "plot_score_scaling_grid",
    "plot_attention_heatmap",
    "plot_attention_heatmap_grid",
    "plot_encoder_attention",
    "plot_position_similarity",
    "plot_permutation_check",
    "plot_attention_flow",
    "plot_online_softmax_tiles",
    "plot_kv_cache_growth",
    "plot_entropy_collapse",
    "plot_saturation_gradients",
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



# -------------------------------------------------------------- the real encoder
def plot_encoder_attention(attention, tokens, heads, ncols: int = 3) -> Figure:
    """Attention maps of chosen heads of a real encoder on one text, tokens as tick labels.

    Parameters
    ----------
    attention : array-like, (layers, num_heads, T, T)
        The weights of one text, e.g. ``np.stack(enc.forward([text])["attention"])[:, 0]``:
        row i of each map is the distribution of query token i over the keys.
    tokens : list of str, length T
    heads : list of (layer, head) pairs
        Counted from 0; one panel each, titled with the layer, the head and the mean
        entropy of a row (``att-entropy``).
    ncols : int ≥ 1
        Panels per row.

    Returns
    -------
    Figure
        One image axis per head (unused panels of the last row are removed).

    Raises
    ------
    ValueError
        For an attention array that is not 4-D with square (T, T) maps of len(tokens)
        tokens, rows that are not probability vectors, or a (layer, head) out of range.

    Examples
    --------
    >>> A = np.full((2, 3, 4, 4), 0.25)  # 2 layers, 3 heads, 4 tokens: uniform rows
    >>> fig = plot_encoder_attention(A, ["[CLS]", "a", "b", "[SEP]"], [(0, 1), (1, 2)])
    >>> len(fig.axes), fig.axes[1].get_title().splitlines()[0]
    (2, 'layer 1, head 2')
    """
    func = "plot_encoder_attention"
    A = as_float_array(attention, "attention", func, ndim=4)
    tokens = [str(t) for t in tokens]
    T = len(tokens)
    if A.shape[2:] != (T, T):
        raise ValueError(f"{func}: attention must be (layers, heads, {T}, {T}) for {T} tokens, got {A.shape}")
    if not np.allclose(A.sum(axis=-1), 1.0, atol=1e-4) or (A < 0).any():
        raise ValueError(f"{func}: every row of attention must be a probability vector")
    pairs = [tuple(int(x) for x in pair) for pair in heads]
    if not pairs:
        raise ValueError(f"{func}: heads must name at least one (layer, head) pair")
    for layer, head in pairs:
        if not (0 <= layer < A.shape[0] and 0 <= head < A.shape[1]):
            raise ValueError(
                f"{func}: heads has ({layer}, {head}), outside the {A.shape[0]} layers × {A.shape[1]} heads"
            )
    ncols = min(check_positive_int(ncols, "ncols", func), len(pairs))
    nrows = math.ceil(len(pairs) / ncols)
    fig, axes = new_figure(nrows, ncols, figsize=(3.6 * ncols, 3.8 * nrows), squeeze=False)
    for k, ax in enumerate(axes.ravel()):
        if k >= len(pairs):
            fig.delaxes(ax)
            continue
        layer, head = pairs[k]
        weights = A[layer, head]
        _draw_heatmap(ax, weights, tokens, annotate=False, fontsize=7)
        ax.set_title(
            f"layer {layer}, head {head}\nmean entropy of a row {np.mean(entropy(weights)):.2f} nats",
            fontsize=10,
        )
    fig.subplots_adjust(left=0.08, right=0.99, bottom=0.1, top=0.93, wspace=0.45, hspace=0.55)
    return fig


def plot_position_similarity(learned, sinusoidal, max_offset: int = 300) -> Figure:
    """Cosine similarities of position vectors: a learned table, a sinusoidal one, and by offset.

    Left and middle: the n × n matrices cos(p_s, p_t) of the two tables (rows are
    positions). Right: the mean cosine of positions k apart (``enc-offset-similarity``)
    against k, for both.

    Parameters
    ----------
    learned, sinusoidal : array-like, (n, d) and (n', d')
        E.g. all-MiniLM-L6-v2's ``position_embeddings`` and
        ``sinusoidal_positions(512, 384)``.
    max_offset : int ≥ 1
        The last offset of the right panel.

    Returns
    -------
    Figure
        Three axes.

    Raises
    ------
    ValueError
        For tables that are not 2-D or hold a zero row.

    Examples
    --------
    >>> from ragmath.encoder import sinusoidal_positions
    >>> P = sinusoidal_positions(64, 16)
    >>> fig = plot_position_similarity(P[::-1], P, max_offset=40)
    >>> len(fig.axes)  # two matrices, the profiles and a colorbar
    4
    """
    func = "plot_position_similarity"
    max_offset = check_positive_int(max_offset, "max_offset", func)
    tables = {
        "learned (all-MiniLM-L6-v2)": as_float_array(learned, "learned", func, ndim=2),
        "sinusoidal": as_float_array(sinusoidal, "sinusoidal", func, ndim=2),
    }
    for (_, P), arg in zip(tables.items(), ("learned", "sinusoidal")):
        if not np.all(np.any(P != 0, axis=1)):
            row = int(np.flatnonzero(~np.any(P != 0, axis=1))[0])
            raise ValueError(f"{func}: {arg} has a zero row (row {row}); its cosine is undefined")
    fig, axes = new_figure(1, 3, figsize=(14, 4.4), width_ratios=(1, 1, 1.3))
    colors = ("#d62728", "#1f77b4")
    for ax, (name, P) in zip(axes[:2], tables.items()):
        S = cosine_similarity(P, P)
        image = ax.imshow(S, cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
        ax.set_title(f"{name}\ncos(p_s, p_t), {P.shape[0]} × {P.shape[1]}", fontsize=10)
        ax.set_xlabel("position t")
    axes[0].set_ylabel("position s")
    fig.subplots_adjust(left=0.05, right=0.98, bottom=0.13, top=0.88, wspace=0.3)
    fig.colorbar(image, ax=list(axes[:2]), shrink=0.8, pad=0.02, label="cosine")
    ax = axes[2]
    lowest = -0.2
    for (name, P), color in zip(tables.items(), colors):
        profile = position_offset_similarity(P)[: max_offset + 1]
        ax.plot(np.arange(profile.size), profile, color=color, lw=1.2, label=name)
        lowest = min(lowest, float(profile.min()) - 0.05)
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_xlim(0, max_offset)
    ax.set_ylim(lowest, 1.02)
    ax.set_xlabel("offset k = t − s")
    ax.set_ylabel(r"mean $\cos(p_s, p_{s+k})$")
    ax.set_title("mean cosine of positions k apart", fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    return fig


def plot_permutation_check(with_positions, without_positions, tokens_a, tokens_b) -> Figure:
    """The last layer's token states of two sentences compared, with and without positions.

    Each panel is the matrix of cosines between the token vectors of sentence a
    (rows) and sentence b (columns); the title gives the cosine of the two
    mean-pooled vectors (``enc-mean-pool``, the padding-free case). Without
    positions, when b is a permutation of a, the matrix holds a permutation matrix of
    ones (``enc-perm-equivariance``).

    Parameters
    ----------
    with_positions, without_positions : pair of array-like, (T_a, d) and (T_b, d)
        The hidden states (H_a, H_b) of the two sentences in each setting.
    tokens_a, tokens_b : list of str
        The word pieces, for the tick labels.

    Returns
    -------
    Figure
        Two image axes.

    Raises
    ------
    ValueError
        When a pair does not hold two 2-D arrays of len(tokens_a) and len(tokens_b) rows.

    Examples
    --------
    >>> H = np.eye(3)
    >>> fig = plot_permutation_check((H, H + 0.5), (H, H[[0, 2, 1]]), ["x", "y", "z"], ["x", "z", "y"])
    >>> fig.axes[1].get_title().splitlines()[1]
    'cosine of the mean-pooled vectors 1.0000'
    """
    func = "plot_permutation_check"
    tokens_a, tokens_b = [str(t) for t in tokens_a], [str(t) for t in tokens_b]
    settings = {"with positions": with_positions, "without positions": without_positions}
    fig, axes = new_figure(1, 2, figsize=(9.5, 4.4))
    for ax, (name, pair) in zip(axes, settings.items()):
        if len(pair) != 2:
            raise ValueError(f"{func}: {name.replace(' ', '_')} must be a pair (H_a, H_b)")
        H_a = as_float_array(pair[0], f"{name} H_a", func, ndim=2)
        H_b = as_float_array(pair[1], f"{name} H_b", func, ndim=2)
        if H_a.shape[0] != len(tokens_a) or H_b.shape[0] != len(tokens_b):
            raise ValueError(
                f"{func}: {name}: H_a has {H_a.shape[0]} rows for {len(tokens_a)} tokens_a, "
                f"H_b {H_b.shape[0]} rows for {len(tokens_b)} tokens_b; they must match"
            )
        C = cosine_similarity(H_a, H_b)
        ax.imshow(C, cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
        for i in range(C.shape[0]):
            for j in range(C.shape[1]):
                ax.text(j, i, f"{C[i, j]:.2f}", ha="center", va="center", fontsize=8,
                        color="white" if abs(C[i, j]) > 0.7 else "0.15")
        ax.set_xticks(range(len(tokens_b)))
        ax.set_yticks(range(len(tokens_a)))
        ax.set_xticklabels(tokens_b, rotation=90, fontsize=9)
        ax.set_yticklabels(tokens_a, fontsize=9)
        ax.tick_params(length=0)
        pooled = cosine_similarity(H_a.mean(axis=0), H_b.mean(axis=0))
        ax.set_title(f"{name}\ncosine of the mean-pooled vectors {pooled:.4f}", fontsize=10)
    fig.subplots_adjust(left=0.12, right=0.98, bottom=0.2, top=0.88, wspace=0.4)
    return fig


# ---------------------------------------------------- explanatory figures (issue 15)
def plot_attention_flow(weights, query_tokens, key_tokens, titles=None, threshold: float = 0.02) -> Figure:
    """Attention weights as a flow: keys on the bottom line, queries on the top, one band per α_ij.

    Each panel draws, for one matrix of weights (``att-sdpa``), a line from key j
    (bottom) to query i (top) whose width and opacity grow with α_ij: the lines
    arriving at a query have widths summing to the same total (its row sums to 1),
    and its output is the mix of the values they carry.

    Parameters
    ----------
    weights : array-like, (n_q, n_k) or (panels, n_q, n_k)
        Rows that are probability vectors.
    query_tokens, key_tokens : list of str, lengths n_q and n_k
    titles : list of str, optional
        One per panel.
    threshold : float in [0, 1), default 0.02
        Weights below it are not drawn.

    Returns
    -------
    Figure
        One axis per panel; each holds one LineCollection of the drawn weights.

    Raises
    ------
    ValueError
        For rows that are not probability vectors, token lists of the wrong length,
        a wrong number of titles or a threshold outside [0, 1).

    Examples
    --------
    >>> fig = plot_attention_flow([[1.0, 0.0], [0.5, 0.5]], ["a", "b"], ["a", "b"])
    >>> len(fig.axes), len(fig.axes[0].collections[0].get_segments())
    (1, 3)
    """
    from matplotlib.collections import LineCollection

    func = "plot_attention_flow"
    A = as_float_array(weights, "weights", func, ndim=(2, 3))
    if A.ndim == 2:
        A = A[None]
    if (A < 0).any() or not np.allclose(A.sum(axis=-1), 1.0, atol=1e-6):
        raise ValueError(f"{func}: weights must hold probability vectors, one per row (query)")
    n_q, n_k = A.shape[1:]
    query_tokens, key_tokens = [str(t) for t in query_tokens], [str(t) for t in key_tokens]
    if len(query_tokens) != n_q or len(key_tokens) != n_k:
        raise ValueError(
            f"{func}: query_tokens has {len(query_tokens)} and key_tokens {len(key_tokens)} entries "
            f"for weights of shape ({n_q}, {n_k})"
        )
    if titles is not None and len(titles) != A.shape[0]:
        raise ValueError(f"{func}: titles has {len(titles)} entries for {A.shape[0]} panels")
    threshold = float(threshold)
    if not 0 <= threshold < 1:
        raise ValueError(f"{func}: threshold must lie in [0, 1), got {threshold}")
    fig, axes = new_figure(1, A.shape[0], figsize=(4.8 * A.shape[0], 3.6), squeeze=False)
    xq, xk = np.arange(n_q, dtype=float), np.arange(n_k, dtype=float)
    for p, ax in enumerate(axes[0]):
        i, j = np.nonzero(A[p] >= threshold)
        w = A[p][i, j]
        segments = [[(xk[b], 0.0), (xq[a], 1.0)] for a, b in zip(i, j)]
        colors = np.zeros((len(w), 4))
        colors[:, :3] = (0.12, 0.47, 0.71)
        colors[:, 3] = 0.15 + 0.85 * w
        ax.add_collection(LineCollection(segments, linewidths=0.4 + 7.0 * w, colors=colors))
        ax.scatter(xk, np.zeros(n_k), s=30, color="0.25", zorder=3)
        ax.scatter(xq, np.ones(n_q), s=30, color=COLORS["current"], zorder=3)
        for x, t in zip(xk, key_tokens):
            ax.text(x, -0.08, t, ha="center", va="top", fontsize=8, rotation=90)
        for x, t in zip(xq, query_tokens):
            ax.text(x, 1.08, t, ha="center", va="bottom", fontsize=8, rotation=90)
        ax.set_xlim(-0.7, max(n_q, n_k) - 0.3)
        ax.set_ylim(-0.45, 1.45)
        ax.set_yticks([0, 1])
        ax.set_yticklabels(["keys j\n(values)", "queries i\n(outputs)"], fontsize=8)
        ax.set_xticks([])
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        if titles is not None:
            ax.set_title(str(titles[p]), fontsize=10, pad=28)
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.05, top=0.82, wspace=0.3)
    return fig


def plot_online_softmax_tiles(scores, block_q: int, block_k: int, row: int = 0,
                              causal: bool = False) -> Figure:
    """The tiles of blockwise attention and the online-softmax state of one query row.

    Left: the (n_q, n_k) score matrix cut into tiles of block_q × block_k, each
    numbered in the order blockwise attention (``att-flash-tile``) reads it;
    with ``causal=True`` the tiles above the diagonal, never read, are grey.
    Right: for query ``row``, the running maximum m and the running sum ℓ after
    each block of keys (``att-online-softmax``): each time m jumps, ℓ is rescaled
    by e^{m − m'}; the final ℓ equals Σ_j e^{s_j − max s} (dashed).

    Parameters
    ----------
    scores : array-like, (n_q, n_k)
    block_q, block_k : int ≥ 1
    row : int, default 0
        The query row whose state is drawn.
    causal : bool, default False
        Mask keys j > i (square scores only).

    Returns
    -------
    Figure
        Two axes (plus a twin axis for ℓ).

    Raises
    ------
    ValueError
        For scores that are not 2-D and finite, a bad block size or row, or a
        causal mask on non-square scores.

    Examples
    --------
    >>> S = np.arange(12.0).reshape(3, 4)
    >>> fig = plot_online_softmax_tiles(S, 2, 2, row=1)
    >>> len(fig.axes)
    3
    """
    from matplotlib.patches import Rectangle

    from ..attention import online_softmax

    func = "plot_online_softmax_tiles"
    S = as_float_array(scores, "scores", func, ndim=2)
    n_q, n_k = S.shape
    bq = check_positive_int(block_q, "block_q", func)
    bk = check_positive_int(block_k, "block_k", func)
    if isinstance(row, bool) or not isinstance(row, (int, np.integer)) or not 0 <= row < n_q:
        raise ValueError(f"{func}: row must be an integer in 0 … {n_q - 1}, got {row!r}")
    if causal and n_q != n_k:
        raise ValueError(f"{func}: causal needs square scores, got shape {S.shape}")
    fig, (ax, ax_state) = new_figure(1, 2, figsize=(11, 4.4), width_ratios=(1, 1.2))
    shown = np.where(np.tril(np.ones_like(S, dtype=bool)) | (not causal), S, np.nan)
    ax.imshow(shown, cmap="viridis", interpolation="nearest", aspect="auto")
    order = 0
    for r0 in range(0, n_q, bq):
        for c0 in range(0, n_k, bk):
            skipped = causal and c0 > min(r0 + bq, n_q) - 1
            face = "0.85" if skipped else "none"
            ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), min(bk, n_k - c0), min(bq, n_q - r0),
                                   facecolor=face, edgecolor="white", lw=2))
            if not skipped:
                order += 1
                ax.text(c0 + min(bk, n_k - c0) / 2 - 0.5, r0 + min(bq, n_q - r0) / 2 - 0.5, str(order),
                        ha="center", va="center", color="white", fontsize=11, fontweight="bold")
    ax.add_patch(Rectangle((-0.5, row - 0.5), n_k, 1, facecolor="none", edgecolor="#d62728", lw=2))
    ax.set_xlabel("key j")
    ax.set_ylabel("query i")
    ax.set_title(f"scores in tiles of {bq} × {bk}, numbered in reading order", fontsize=10)
    x = S[row, : row + 1] if causal else S[row]
    _, m, ell = online_softmax(x, bk)
    steps = np.arange(1, m.size + 1)
    ax_state.step(steps, m, where="post", color=COLORS["unscaled"], lw=1.8, marker="o", label="running max m")
    ax_state.set_xlabel("key blocks read")
    ax_state.set_ylabel("m", color=COLORS["unscaled"])
    ax_state.set_xticks(steps)
    twin = ax_state.twinx()
    twin.plot(steps, ell, color=COLORS["scaled"], lw=1.8, marker="s", label="running sum ℓ")
    final = float(np.exp(x - x.max()).sum())
    twin.axhline(final, color=COLORS["scaled"], ls="--", lw=1, label="final sum Σ exp(s − max s)")
    twin.set_ylabel("ℓ", color=COLORS["scaled"])
    twin.set_ylim(0, max(float(ell.max()), final) * 1.15)
    lines = ax_state.get_lines() + twin.get_lines()
    ax_state.legend(lines, [line.get_label() for line in lines], fontsize=8, frameon=False, loc="lower right")
    ax_state.set_title(f"query row {row}: the state after each block", fontsize=10)
    fig.subplots_adjust(left=0.07, right=0.93, bottom=0.13, top=0.9, wspace=0.3)
    return fig


def plot_kv_cache_growth(models, max_tokens: int = 4096, bytes_per_number: int = 2) -> Figure:
    """Key-value cache memory, and the work of one decoding step with and without it.

    Left: the cache size 2·L·n·d_model·b (``att-kv-cache-size``) against the
    number of tokens n, one line per model shape. Right, for the first model:
    the multiply-adds of the attention sub-layers to produce the token at
    position t. Without a cache every step re-runs the whole prefix,
    4·t·d² + 2·t²·d per layer (projections, then all scores and weighted sums,
    counted in full); with it, only the new token's, 4·d² + 2·t·d per layer.

    Parameters
    ----------
    models : dict of str → (num_layers, d_model)
    max_tokens : int ≥ 2, default 4096
    bytes_per_number : int ≥ 1, default 2

    Returns
    -------
    Figure
        Two axes, one line per model on the left, two on the right.

    Raises
    ------
    ValueError
        For an empty ``models``, a shape that is not two positive integers, or max_tokens < 2.

    Examples
    --------
    >>> fig = plot_kv_cache_growth({"tiny": (2, 64)}, max_tokens=100)
    >>> len(fig.axes), len(fig.axes[0].lines)
    (2, 1)
    """
    from ..attention import kv_cache_bytes

    func = "plot_kv_cache_growth"
    if not isinstance(models, dict) or not models:
        raise ValueError(f"{func}: models must be a non-empty dict of name → (num_layers, d_model)")
    shapes = {}
    for name, shape in models.items():
        if len(shape) != 2:
            raise ValueError(f"{func}: models[{name!r}] must be (num_layers, d_model), got {shape!r}")
        shapes[str(name)] = (check_positive_int(shape[0], "models num_layers", func),
                             check_positive_int(shape[1], "models d_model", func))
    n_max = check_positive_int(max_tokens, "max_tokens", func, minimum=2)
    b = check_positive_int(bytes_per_number, "bytes_per_number", func)
    n = np.unique(np.geomspace(1, n_max, 60).astype(int))
    fig, (ax, ax_work) = new_figure(1, 2, figsize=(11, 4.2))
    palette = ("#1f77b4", "#d62728", "#2ca02c", "#7f3c8d", "#ff7f0e")
    for (name, (L, d)), color in zip(shapes.items(), palette):
        mib = np.array([kv_cache_bytes(L, d, int(t), b) for t in n]) / 2**20
        ax.plot(n, mib, color=color, lw=1.8, label=f"{name} (L = {L}, d = {d}): {mib[-1]:,.0f} MiB")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("tokens in the cache n")
    ax.set_ylabel(f"cache size (MiB, {8 * b}-bit numbers)")
    ax.set_title("the cache grows linearly with the context", fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    L, d = next(iter(shapes.values()))
    without = L * (4 * n * d * d + 2 * n * n * d)  # the whole prefix, causal scores counted fully
    with_cache = L * (4 * d * d + 2 * n * d)
    ax_work.plot(n, without, color=COLORS["unscaled"], lw=1.8, label="no cache: recompute the prefix")
    ax_work.plot(n, with_cache, color=COLORS["scaled"], lw=1.8, label="with the cache: the new token only")
    ax_work.set_xscale("log")
    ax_work.set_yscale("log")
    ax_work.set_xlabel("position t of the token generated")
    ax_work.set_ylabel("multiply-adds in the attention sub-layers")
    ax_work.set_title(f"work per generated token, {next(iter(shapes))}", fontsize=10)
    ax_work.legend(fontsize=8, frameon=False)
    for a in (ax, ax_work):  # no minor ticks: their labels make the figure slow to draw
        a.xaxis.set_minor_locator(NullLocator())
        a.yaxis.set_minor_locator(NullLocator())
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.13, top=0.9, wspace=0.3)
    return fig


def plot_entropy_collapse(scales, curves, n_keys=None) -> Figure:
    """Mean attention entropy against the logit scale λ: curves with a band of ± one sd.

    Each curve is a set of samples (e.g. texts, or seeds) × scales of mean row
    entropies (``att-entropy``, computed by :func:`ragmath.attention.entropy_by_scale`);
    the line is their mean over the samples, the band ± one standard deviation.
    λ = 1 (the trained or standard scale) is marked.

    Parameters
    ----------
    scales : 1-D array-like of float > 0
    curves : dict of str → array-like, (n_samples, len(scales))
    n_keys : int, optional
        When given, log n_keys (the uniform row) is drawn.

    Returns
    -------
    Figure
        One axis, one line per curve.

    Raises
    ------
    ValueError
        For an empty ``curves``, non-positive scales or curves of the wrong shape.

    Examples
    --------
    >>> fig = plot_entropy_collapse([0.5, 1, 2], {"x": [[1.0, 0.8, 0.3], [1.1, 0.7, 0.2]]}, n_keys=4)
    >>> len(fig.axes[0].lines) >= 1
    True
    """
    func = "plot_entropy_collapse"
    lam = as_float_array(scales, "scales", func, ndim=1)
    if (lam <= 0).any():
        raise ValueError(f"{func}: scales must be positive")
    if not isinstance(curves, dict) or not curves:
        raise ValueError(f"{func}: curves must be a non-empty dict of name → (n_samples, n_scales) arrays")
    fig, ax = new_figure(figsize=(7.2, 4.2))
    palette = ("#1f77b4", "#d62728", "#2ca02c", "#7f3c8d")
    for (name, values), color in zip(curves.items(), palette):
        H = as_float_array(values, "curves", func, ndim=2)
        if H.shape[1] != lam.size:
            raise ValueError(f"{func}: curves[{name!r}] has {H.shape[1]} columns for {lam.size} scales")
        mean, sd = H.mean(axis=0), H.std(axis=0)
        ax.plot(lam, mean, color=color, lw=1.8, label=f"{name} ({H.shape[0]} samples)")
        ax.fill_between(lam, mean - sd, mean + sd, color=color, alpha=0.2, lw=0)
    if n_keys is not None:
        n_keys = check_positive_int(n_keys, "n_keys", func)
        ax.axhline(math.log(n_keys), color=COLORS["uniform"], ls=":", lw=1,
                   label=f"log {n_keys} (uniform row)")
    ax.axvline(1.0, color="0.5", ls="--", lw=0.8)
    ax.set_xscale("log")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("logit scale λ (scores multiplied by λ)")
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_ylabel("mean entropy of a row (nats)")
    ax.set_title("attention entropy collapses as the logits grow", fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    return fig


def plot_saturation_gradients(scales, ratios) -> Figure:
    """Gradients as the logits grow: those of the queries and keys collapse, the values' do not.

    For each logit scale λ (scores λ·q·k/√d_k), the median over rows of
    ‖∂L/∂X‖ at λ divided by its value at the first scale, for X = q, K, V
    (``att-sdpa-grad``): one thin line per seed and a thick line through their
    mean, on logarithmic axes.

    Parameters
    ----------
    scales : 1-D array-like of float > 0
    ratios : dict "q", "K", "V" → array-like, (n_seeds, len(scales))
        Positive.

    Returns
    -------
    Figure
        One axis.

    Raises
    ------
    ValueError
        For missing keys, arrays of the wrong shape, or non-positive values.

    Examples
    --------
    >>> fig = plot_saturation_gradients([1, 4], {"q": [[1, 0.5]], "K": [[1, 0.4]], "V": [[1, 1]]})
    >>> len(fig.axes), len(fig.axes[0].lines)  # three seeds' lines, three means, the line at 1
    (1, 7)
    """
    func = "plot_saturation_gradients"
    lam = as_float_array(scales, "scales", func, ndim=1)
    if (lam <= 0).any():
        raise ValueError(f"{func}: scales must be positive")
    if not isinstance(ratios, dict) or set(ratios) != {"q", "K", "V"}:
        raise ValueError(f"{func}: ratios must be a dict with the keys 'q', 'K' and 'V'")
    fig, ax = new_figure(figsize=(7.2, 4.2))
    colors = {"q": COLORS["unscaled"], "K": "#ff7f0e", "V": COLORS["scaled"]}
    for name in ("q", "K", "V"):
        R = as_float_array(ratios[name], "ratios", func, ndim=2)
        if R.shape[1] != lam.size or (R <= 0).any():
            raise ValueError(f"{func}: ratios[{name!r}] must be positive, of shape (n_seeds, {lam.size})")
        for r in R:
            ax.plot(lam, r, color=colors[name], lw=0.5, alpha=0.35)
        ax.plot(lam, R.mean(axis=0), color=colors[name], lw=2, marker="o",
                label=f"∂L/∂{name}, mean of {R.shape[0]} seeds")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.axhline(1.0, color="0.5", lw=0.8)
    ax.set_xlabel("logit scale λ (scores λ·q·k/√d_k)")
    ax.set_ylabel(f"median ‖gradient‖ / its value at λ = {lam[0]:g}")
    ax.set_title("saturation starves the queries and keys, not the values", fontsize=10)
    ax.xaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_minor_locator(NullLocator())
    ax.legend(fontsize=9, frameon=False, loc="lower left")
    return fig
