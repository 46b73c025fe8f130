"""Pure plotting functions for chapter 3, "Cross-entropy, perplexity and KL divergence".

Each ``plot_*`` function takes plain parameters, gets every number it draws
from :mod:`ragmath.information`, and returns a new :class:`matplotlib.figure.Figure`
(never touching pyplot). The widgets of :mod:`ragmath.widgets.information`
only connect sliders to these functions; the ``*_grid`` functions draw the
static small multiples that follow each widget on the website.

Two pictures:

- a model's predicted next-token distribution q = softmax(z / T) against a
  target distribution p, with the cross-entropy H(p, q) = H(p) + KL(p ‖ q) and
  the perplexity e^{H(p, q)} (:func:`plot_prediction`);
- the surprisal −log p(w_i | w_{i−1}) of every token of a sentence under an
  add-α bigram model, with the running perplexity (:func:`plot_sentence_surprisal`).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from .._validation import check_positive_float, check_probability_vectors
from ..information import (
    bigram_surprisal,
    cross_entropy_curve,
    entropy,
    kl_divergence,
    perplexity_curve,
    prediction_summary,
)
from ._style import COLORS, new_figure

__all__ = [
    "TOKENS",
    "TARGET",
    "LOGITS",
    "plot_prediction",
    "plot_prediction_sliders",
    "plot_prediction_grid",
    "plot_sentence_surprisal",
    "plot_sentence_surprisal_grid",
    "plot_ce_decomposition",
    "plot_code_lengths",
    "plot_information_diagram",
    "plot_reliability_diagram",
    "plot_tokenization_rates",
]

# "the cat sat on the ___": the next word's target distribution, and a model's logits
TOKENS = ("mat", "sofa", "floor", "bed", "roof", "moon")
TARGET = (0.40, 0.25, 0.15, 0.10, 0.10, 0.00)
LOGITS = (2.0, 0.5, 1.5, 0.0, -1.0, -0.5)

_TARGET_COLOR = "0.55"
_MODEL_COLOR = COLORS["a"]
_KL_COLOR = COLORS["distance"]
_H_COLOR = COLORS["similarity"]
_UNSEEN_COLOR = COLORS["distance"]
_PPL_TICKS = [1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]


# ------------------------------------------------------------- prediction vs target
def _draw_distributions(ax, summary: dict, tokens, legend: bool = True) -> None:
    x = np.arange(len(tokens))
    ax.bar(x - 0.2, summary["p"], width=0.4, color=_TARGET_COLOR, label="target p")
    ax.bar(x + 0.2, summary["q"], width=0.4, color=_MODEL_COLOR, label="model q")
    ax.set_xticks(x)
    ax.set_xticklabels(tokens, fontsize=9)
    ax.set_ylim(0, 1.02)
    if legend:
        ax.legend(fontsize=9, loc="upper right", frameon=False)


def _nats_to_perplexity(n):
    with np.errstate(over="ignore"):
        return np.exp(n)


def _perplexity_to_nats(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(np.maximum(x, 1e-300))


_PLAIN = FuncFormatter(lambda x, _: f"{x:g}")


def _plain_log_ticks(axis, ticks) -> None:
    """Fixed ticks with plain labels on a log axis: mathtext labels (10⁻³) and minor ticks are slow."""
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(_PLAIN)
    axis.set_minor_locator(NullLocator())


def _perplexity_axis(ax, which: str, top_nats: float):
    """A second axis on ``which`` side reading nats n as the perplexity e^n."""
    if which in ("top", "bottom"):
        sec = ax.secondary_xaxis(which, functions=(_nats_to_perplexity, _perplexity_to_nats))
        axis = sec.xaxis
    else:
        sec = ax.secondary_yaxis(which, functions=(_nats_to_perplexity, _perplexity_to_nats))
        axis = sec.yaxis
    ticks = [t for t in _PPL_TICKS if math.log(t) <= top_nats]
    _plain_log_ticks(axis, ticks)
    return sec


def plot_prediction(logits=LOGITS, temperature: float = 1.0, target=TARGET, tokens=TOKENS) -> Figure:
    """The target p and the model's q = softmax(z / T) (left), and H(p, q) = H(p) + KL(p ‖ q) (right).

    Left: one pair of bars per token, p (grey) then q (blue). Right: one
    stacked horizontal bar, the entropy H(p) (green, what no model can remove)
    followed by KL(p ‖ q) (orange, what the model adds); their total is the
    cross-entropy (``info-ce-decomposition``), in nats on the bottom axis and
    as the perplexity e^{H(p, q)} on the top axis. The bar segments are
    ``fig.axes[1].patches`` [H(p), KL].
    """
    summary = prediction_summary(logits, temperature, target)
    tokens = [str(t) for t in tokens]
    if len(tokens) != summary["p"].size:
        raise ValueError(
            f"plot_prediction: tokens has {len(tokens)} names but there are {summary['p'].size} logits"
        )
    fig, (ax_dist, ax_ce) = new_figure(1, 2, figsize=(9.5, 3.6), width_ratios=(1.35, 1))
    _draw_distributions(ax_dist, summary, tokens)
    ax_dist.set_ylabel("probability")
    ax_dist.set_title(f"next word after “the cat sat on the”, T = {temperature:g}", fontsize=10)

    h, kl, ce = summary["entropy"], summary["kl"], summary["cross_entropy"]
    ax_ce.barh([0], [h], height=0.5, color=_H_COLOR, label="H(p)")
    ax_ce.barh([0], [kl], left=[h], height=0.5, color=_KL_COLOR, label="KL(p ‖ q)")
    right = max(3.0, 1.12 * ce)
    ax_ce.set_xlim(0, right)
    ax_ce.set_ylim(-0.6, 1.1)
    ax_ce.set_yticks([])
    ax_ce.set_xlabel("nats")
    ax_ce.text(0.02 * right, 0.5, f"H(p) = {h:.3f}", color=_H_COLOR, fontsize=10, va="center")
    ax_ce.text(0.02 * right, 0.8, f"KL(p ‖ q) = {kl:.3f}", color=_KL_COLOR, fontsize=10, va="center")
    ax_ce.text(
        0.02 * right, -0.45,
        f"H(p, q) = {ce:.3f} nats, perplexity {summary['perplexity']:.2f}\n"
        f"(lowest possible: e^H(p) = {summary['min_perplexity']:.2f})",
        fontsize=9, va="center",
    )
    sec = _perplexity_axis(ax_ce, "top", right)
    sec.set_xlabel("perplexity", fontsize=9)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.82, wspace=0.12)
    return fig


def plot_prediction_sliders(temperature: float = 1.0, target=TARGET, tokens=TOKENS, **logits) -> Figure:
    """:func:`plot_prediction` with one keyword per logit, z1 … zV, so that one slider can drive each.

    Missing keywords take the default ``LOGITS`` (when V = 6).
    """
    size = len(tokens)
    defaults = {f"z{i}": z for i, z in enumerate(LOGITS, start=1)} if size == len(LOGITS) else {}
    names = [f"z{i}" for i in range(1, size + 1)]
    unknown = sorted(set(logits) - set(names))
    if unknown:
        raise TypeError(
            f"plot_prediction_sliders: unexpected keyword(s) {unknown}; the logits are z1 … z{size}"
        )
    values = {**defaults, **logits}
    missing = [n for n in names if n not in values]
    if missing:
        raise TypeError(f"plot_prediction_sliders: missing logit(s) {missing}")
    return plot_prediction([values[n] for n in names], temperature, target, tokens)


def plot_prediction_grid(
    temperatures=(0.25, 0.5, 1.0, 2.0, 8.0), logits=LOGITS, target=TARGET, tokens=TOKENS
) -> Figure:
    """Small multiples of :func:`plot_prediction`'s left panel, one per temperature, and H(p, q_T) against T.

    Each panel's title gives H(p, q), the perplexity and KL(p ‖ q). The last
    panel draws the cross-entropy against the temperature (log scale) with
    the panels' temperatures marked and H(p), its floor, dashed.
    """
    temperatures = [
        check_positive_float(float(t), "temperatures", "plot_prediction_grid") for t in temperatures
    ]
    tokens = [str(t) for t in tokens]
    n = len(temperatures)
    ncols = 3
    nrows = -(-(n + 1) // ncols)  # the panels and the curve, three per row
    fig, grid_axes = new_figure(nrows, ncols, figsize=(9.0, 3.3 * nrows), squeeze=False)
    axes = list(grid_axes.ravel())
    for ax in axes[n + 1 :]:
        ax.set_visible(False)
    for i, (ax, t) in enumerate(zip(axes[:n], temperatures)):
        s = prediction_summary(logits, t, target)
        _draw_distributions(ax, s, tokens, legend=i == 0)
        ax.tick_params(axis="x", labelsize=9)
        if i % ncols:
            ax.set_yticklabels([])
        ax.set_title(
            f"T = {t:g}: H(p,q) = {s['cross_entropy']:.2f}\n"
            f"PPL {s['perplexity']:.2f}, KL(p‖q) = {s['kl']:.2f}",
            fontsize=10,
        )
    ax = axes[n]
    grid = np.geomspace(min(temperatures) / 1.5, 3 * max(temperatures), 80)
    ax.plot(grid, cross_entropy_curve(grid, logits, target), color=_MODEL_COLOR, label="H(p, q_T)")
    marks = cross_entropy_curve(temperatures, logits, target)
    ax.plot(temperatures, marks, "o", color=COLORS["diff"], ms=5)
    h = entropy(target)
    ax.axhline(h, color=_H_COLOR, ls="--", lw=1.2, label="H(p)")
    ax.axhline(math.log(len(tokens)), color="0.5", ls=":", lw=1.2, label="log V")
    ax.set_xscale("log")
    _plain_log_ticks(ax.xaxis, [0.1, 1, 10])
    ax.set_ylim(0, max(3.0, 1.05 * float(marks.max())))
    ax.set_xlabel("temperature T")
    ax.set_title("cross-entropy (nats) against T", fontsize=10)
    ax.legend(fontsize=9, frameon=False)
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.08, top=0.91, wspace=0.15, hspace=0.55)
    return fig


# ---------------------------------------------------------------- a bigram model
@lru_cache(maxsize=32)
def _perplexity_curve(training: tuple, sentence: str, alphas: tuple) -> np.ndarray:
    """:func:`ragmath.information.perplexity_curve`, cached: the widget redraws it at every move."""
    curve = perplexity_curve(training, sentence, alphas)
    curve.flags.writeable = False
    return curve


_ALPHA_GRID = tuple(np.logspace(-3, 2, 31).tolist())


def _draw_surprisal(ax, result: dict, top: float, legend: bool = True, ppl_axis: bool = True) -> None:
    s = result["surprisal"]
    x = np.arange(len(s))
    heights = np.where(np.isfinite(s), s, top)
    colors = [_MODEL_COLOR if seen else _UNSEEN_COLOR for seen in result["seen"]]
    bars = ax.bar(x, heights, width=0.7, color=colors)
    for bar, value in zip(bars, s):
        if not np.isfinite(value):
            bar.set_hatch("//")
            ax.text(bar.get_x() + bar.get_width() / 2, 0.95 * top, "∞", ha="center", va="top", fontsize=12)
    running = np.log(result["running_perplexity"])  # the running mean of the surprisal
    ax.plot(x, running, "o-", color=COLORS["diff"], ms=4, lw=1.5,
            label="running mean (right axis: running perplexity)")
    ax.set_xticks(x)
    ax.set_xticklabels(result["tokens"], rotation=45, ha="right", fontsize=9)
    ax.set_xlim(-0.6, len(s) - 0.4)
    ax.set_ylim(0, top)
    if legend:
        ax.legend(handles=_legend_handles(ax), fontsize=8, loc="upper left", frameon=False)
    if ppl_axis:
        sec = _perplexity_axis(ax, "right", top)
        sec.set_ylabel("perplexity", fontsize=9)


def _legend_handles(ax) -> list:
    return [
        Patch(color=_MODEL_COLOR, label="bigram seen in training"),
        Patch(color=_UNSEEN_COLOR, label="unseen bigram"),
        ax.lines[0],
    ]


def _surprisal_top(results) -> float:
    finite = [v for r in results for v in r["surprisal"] if np.isfinite(v)]
    return max(1.0, 1.15 * max(finite, default=1.0))


def plot_sentence_surprisal(training, sentence: str, alpha: float = 1.0) -> Figure:
    """Surprisal −log p(w_i | w_{i−1}) of each token of a sentence (left) and perplexity against α (right).

    Left: one bar per predicted token (blue: the bigram occurs in training;
    orange: it does not, and only the smoothing gives it probability), with
    the running mean of the surprisal (purple line), which the right-hand axis
    reads as the running perplexity. Right: the sentence's perplexity for α
    from 0.001 to 100 (log-log), the current α marked and |V| (the perplexity
    of the uniform model that α → ∞ tends to) dotted. An infinite surprisal
    (α = 0 and an unseen bigram) is drawn as a hatched bar marked ∞.
    """
    result = bigram_surprisal(training, sentence, alpha)
    fig, (ax, ax_curve) = new_figure(1, 2, figsize=(10, 3.9), width_ratios=(2.1, 1))
    top = max(_surprisal_top([result]), math.log(result["vocabulary_size"]) + 1)
    _draw_surprisal(ax, result, top)
    ax.set_ylabel("surprisal −log p (nats)")
    ax.set_title(
        f"α = {alpha:g}: log-likelihood {result['log_likelihood']:.2f} nats over "
        f"{len(result['tokens'])} tokens, perplexity {result['perplexity']:.2f}",
        fontsize=10,
    )
    alphas = np.array(_ALPHA_GRID)
    curve = _perplexity_curve(tuple(training), sentence, _ALPHA_GRID)
    size = result["vocabulary_size"]
    ax_curve.plot(alphas, curve, color=_MODEL_COLOR, lw=1.5, label="perplexity")
    if alpha > 0:
        ax_curve.plot([alpha], [result["perplexity"]], "o", color=COLORS["diff"], ms=8,
                      label=f"α = {alpha:g}")
    ax_curve.axhline(size, color="0.5", ls=":", lw=1.2, label=f"|V| = {size}")
    ax_curve.set_xscale("log")
    _plain_log_ticks(ax_curve.xaxis, [0.001, 0.01, 0.1, 1, 10, 100])
    finite = curve[np.isfinite(curve)]
    ax_curve.set_ylim(0, 1.15 * max(size, float(finite.max(initial=0.0))))
    ax_curve.set_xlabel("smoothing α")
    ax_curve.set_title("perplexity of the sentence", fontsize=10)
    ax_curve.legend(fontsize=8, frameon=False, loc="lower right")
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.24, top=0.9, wspace=0.3)
    return fig


def plot_sentence_surprisal_grid(training, sentence: str, alphas=(0.01, 0.1, 1.0, 10.0)) -> Figure:
    """Small multiples of :func:`plot_sentence_surprisal`'s bars, one panel per α, on one scale.

    What moving the widget's slider shows: small α makes seen bigrams cheap
    and unseen ones very expensive; large α flattens every surprisal towards
    log |V|. Each title gives α and the sentence's perplexity.
    """
    alphas = [
        check_positive_float(float(a), "alphas", "plot_sentence_surprisal_grid", allow_zero=True)
        for a in alphas
    ]
    results = [bigram_surprisal(training, sentence, a) for a in alphas]
    n = len(alphas)
    ncols = 2 if n > 1 else 1
    nrows = -(-n // ncols)
    fig, grid_axes = new_figure(nrows, ncols, figsize=(9.0, 3.3 * nrows + 0.5), sharey=True, squeeze=False)
    axes = list(grid_axes.ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    top = _surprisal_top(results)
    for i, (ax, a, r) in enumerate(zip(axes, alphas, results)):
        _draw_surprisal(ax, r, top, legend=False, ppl_axis=i % ncols == ncols - 1)
        ax.set_title(f"α = {a:g}: perplexity {r['perplexity']:.2f}", fontsize=10)
        if i % ncols == 0:
            ax.set_ylabel("surprisal −log p (nats)")
    fig.legend(handles=_legend_handles(axes[0]), loc="upper center", ncol=3, fontsize=9, frameon=False)
    fig.subplots_adjust(left=0.08, right=0.92, bottom=0.1, top=1 - 0.75 / fig.get_figheight(),
                        wspace=0.08, hspace=0.6)
    return fig


# ============================================================ explanatory figures
def _check_names(names, size: int, func: str, arg: str = "tokens") -> list[str]:
    names = [str(t) for t in names]
    if len(names) != size:
        raise ValueError(f"{func}: {arg} has {len(names)} names but there are {size} probabilities")
    return names


def _to_unit(x: float, unit: str) -> float:
    return x / math.log(2) if unit == "bits" else x


def _check_unit(unit, func: str) -> str:
    if unit not in ("bits", "nats"):
        raise ValueError(f"{func}: unit must be 'bits' or 'nats', got {unit!r}")
    return unit


def _stacked(ax, y: float, parts, colors, labels, right: float) -> None:
    """One horizontal bar made of segments; an infinite segment runs to the edge, marked ∞."""
    left = 0.0
    for width, color, label in zip(parts, colors, labels):
        w = right - left if not math.isfinite(width) else width
        ax.barh([y], [w], left=[left], height=0.55, color=color, label=label)
        text = "∞" if not math.isfinite(width) else f"{width:.3f}"
        if w > 0.06 * right:
            ax.text(left + w / 2, y, text, ha="center", va="center", fontsize=9, color="white")
        left += w


def plot_ce_decomposition(p, q, tokens, unit: str = "bits") -> Figure:
    """H(p, q) = H(p) + KL(p ‖ q) as bars, term by term and in both directions.

    Left: p (grey) and q (blue) per token. Middle: the terms
    p(v) log(p(v)/q(v)) of KL(p ‖ q), some negative, with their sum (dashed),
    which Gibbs' inequality makes ≥ 0 (``info-kl``, ``info-gibbs``). Right: two
    stacked bars, H(p) + KL(p ‖ q) = H(p, q) and H(q) + KL(q ‖ p) = H(q, p)
    (``info-ce-decomposition``): the entropies are the parts no model removes,
    and the two KL segments differ. ``fig.axes[2].patches`` are the segments
    [H(p), KL(p‖q), H(q), KL(q‖p)].

    Raises
    ------
    ValueError
        For p or q that are not probability vectors of one size, a tokens
        list of another size, or a unit other than "bits" and "nats".
    """
    func = "plot_ce_decomposition"
    unit = _check_unit(unit, func)
    p = check_probability_vectors(p, "p", func).astype(np.float64)
    q_arr = check_probability_vectors(q, "q", func).astype(np.float64)
    if p.ndim != 1 or q_arr.shape != p.shape:
        raise ValueError(f"{func}: q has shape {q_arr.shape} but p has shape {p.shape}; they must match")
    h_p, h_q = entropy(p), entropy(q_arr)
    kl_pq, kl_qp = kl_divergence(p, q_arr), kl_divergence(q_arr, p)
    tokens = _check_names(tokens, p.size, func)
    fig, (ax_pq, ax_terms, ax_bar) = new_figure(1, 3, figsize=(10.5, 3.6), width_ratios=(1.1, 1.1, 1.3))
    x = np.arange(p.size)
    ax_pq.bar(x - 0.2, p, width=0.4, color=_TARGET_COLOR, label="p (data)")
    ax_pq.bar(x + 0.2, q_arr, width=0.4, color=_MODEL_COLOR, label="q (model)")
    ax_pq.set_xticks(x)
    ax_pq.set_xticklabels(tokens, fontsize=9)
    ax_pq.set_ylabel("probability")
    ax_pq.legend(fontsize=8, frameon=False)
    ax_pq.set_title("two distributions", fontsize=10)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p / q_arr), 0.0)
    terms = np.array([_to_unit(t, unit) for t in terms])
    finite = np.isfinite(terms)
    ax_terms.bar(x, np.where(finite, terms, 0.0),
                 color=[_KL_COLOR if t >= 0 else _H_COLOR for t in np.where(finite, terms, 0.0)])
    ax_terms.axhline(0, color="0.3", lw=0.8)
    ax_terms.axhline(_to_unit(kl_pq, unit) if math.isfinite(kl_pq) else 0.0, color=COLORS["diff"],
                     ls="--", lw=1.3, label=f"sum = KL(p‖q) = {_to_unit(kl_pq, unit):.3f}")
    ax_terms.set_xticks(x)
    ax_terms.set_xticklabels(tokens, fontsize=9)
    ax_terms.set_ylabel(f"p(v) log(p(v)/q(v)) ({unit})")
    ax_terms.legend(fontsize=8, frameon=False, loc="upper right")
    ax_terms.set_title("the terms of KL(p‖q): some negative", fontsize=10)
    finite_total = [v for v in (h_p + kl_pq, h_q + kl_qp) if math.isfinite(v)]
    right = 1.15 * _to_unit(max(finite_total + [h_p, h_q]), unit)
    _stacked(ax_bar, 1.0, [_to_unit(h_p, unit), _to_unit(kl_pq, unit)], [_H_COLOR, _KL_COLOR],
             ["H(p)", "KL(p ‖ q)"], right)
    _stacked(ax_bar, 0.0, [_to_unit(h_q, unit), _to_unit(kl_qp, unit)], ["#98df8a", "#ffbb78"],
             ["H(q)", "KL(q ‖ p)"], right)
    ax_bar.set_yticks([1.0, 0.0])
    ax_bar.set_yticklabels([f"H(p,q) = {_to_unit(h_p + kl_pq, unit):.3f}",
                            f"H(q,p) = {_to_unit(h_q + kl_qp, unit):.3f}"], fontsize=9)
    ax_bar.set_xlim(0, right)
    ax_bar.set_ylim(-0.6, 1.9)
    ax_bar.set_xlabel(unit)
    ax_bar.legend(fontsize=8, frameon=False, ncol=2, loc="upper center")
    ax_bar.set_title("cross-entropy = entropy + KL", fontsize=10)
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.14, top=0.88, wspace=0.55)
    return fig


def plot_code_lengths(p, q, symbols) -> Figure:
    """Codes built for p and for q, used on data from p: lengths, codewords, expected lengths in bits.

    Left: per symbol, the Huffman codeword lengths of the code built for p
    (grey) and of the code built for q (blue), codewords written on the bars,
    and the ideal lengths −log₂ p(v) and −log₂ q(v) as markers
    (``info-shannon-code``). Right: the expected lengths Σ p(v) ℓ(v)
    (``info-expected-length``) of both codes as stacked bars of the symbols'
    contributions p(v) ℓ(v), with H₂(p) and H₂(p, q) dashed: the code built
    for the wrong distribution costs H₂(p, q) − H₂(p) = KL₂(p ‖ q) extra bits
    per symbol when the lengths are ideal. ``fig.axes[1].patches`` are the
    contributions of the code for p, then of the code for q.

    Raises
    ------
    ValueError
        For p or q that are not probability vectors of one size, or a symbols
        list of another size.
    """
    func = "plot_code_lengths"
    from ..information import cross_entropy, huffman_code_lengths, prefix_code

    ell_p = huffman_code_lengths(p)
    ell_q = huffman_code_lengths(q)
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    if p.shape != q.shape:
        raise ValueError(f"{func}: q has shape {q.shape} but p has shape {p.shape}; they must match")
    symbols = _check_names(symbols, p.size, func, "symbols")
    codes_p, codes_q = prefix_code(ell_p), prefix_code(ell_q)
    fig, (ax, ax_sum) = new_figure(1, 2, figsize=(10, 3.8), width_ratios=(1.5, 1))
    x = np.arange(p.size)
    bars_p = ax.bar(x - 0.2, ell_p, width=0.4, color=_TARGET_COLOR, label="code built for p")
    bars_q = ax.bar(x + 0.2, ell_q, width=0.4, color=_MODEL_COLOR, label="code built for q")
    for bars, codes in ((bars_p, codes_p), (bars_q, codes_q)):
        for bar, code in zip(bars, codes):
            ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height() + 0.08, code, ha="center",
                    va="bottom", fontsize=8, family="monospace", rotation=90)
    with np.errstate(divide="ignore"):
        ax.plot(x - 0.2, -np.log2(p), "_", color="k", ms=14, mew=2, label="−log₂ p(v)")
        ax.plot(x + 0.2, -np.log2(q), "_", color=COLORS["b"], ms=14, mew=2, label="−log₂ q(v)")
    ax.set_xticks(x)
    ax.set_xticklabels([f"{s}\np={pv:.3g}" for s, pv in zip(symbols, p)], fontsize=8)
    ax.set_ylabel("codeword length (bits)")
    ax.set_ylim(0, max(ell_p.max(), ell_q.max()) + 2.2)
    ax.legend(fontsize=8, frameon=False, loc="upper left", ncol=2)
    ax.set_title("codeword lengths of two Huffman codes", fontsize=10)
    palette = [COLORS["a"], COLORS["distance"], COLORS["similarity"], COLORS["b"], COLORS["diff"], "0.5"]
    for col, ell in ((0, ell_p), (1, ell_q)):
        bottom = 0.0
        for i, (pv, lv) in enumerate(zip(p, ell)):
            ax_sum.bar([col], [pv * lv], bottom=[bottom], width=0.6, color=palette[i % len(palette)],
                       edgecolor="white", label=symbols[i] if col == 0 else None)
            bottom += pv * lv
        ax_sum.text(col, bottom + 0.05, f"{bottom:.3f} bits", ha="center", va="bottom", fontsize=9)
    h2 = entropy(p) / math.log(2)
    h2pq = cross_entropy(p, q, reduction="sum") / math.log(2)
    ax_sum.axhline(h2, color=_H_COLOR, ls="--", lw=1.3, label=f"H₂(p) = {h2:.3f}")
    ax_sum.axhline(h2pq, color=_KL_COLOR, ls="--", lw=1.3, label=f"H₂(p, q) = {h2pq:.3f}")
    ax_sum.set_xticks([0, 1])
    ax_sum.set_xticklabels(["code for p", "code for q"], fontsize=9)
    ax_sum.set_xlim(-0.6, 2.7)
    ax_sum.set_ylim(0, 1.3 * max(h2pq, float(np.dot(p, ell_q)), float(np.dot(p, ell_p))))
    ax_sum.set_ylabel("expected bits per symbol, data from p")
    ax_sum.legend(fontsize=8, frameon=False, loc="lower right")
    ax_sum.set_title("expected length Σ p(v) ℓ(v)", fontsize=10)
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.16, top=0.9, wspace=0.25)
    return fig


def plot_information_diagram(joint, names=("X", "Y")) -> Figure:
    """The information diagram of two variables: H(X|Y), I(X;Y), H(Y|X) as a Venn sketch and exact bars.

    Left: two overlapping circles for H(X) and H(Y), the overlap labelled
    I(X; Y) and the two crescents H(X | Y) and H(Y | X), with their values
    (a sketch: the areas are not to scale). Right, to scale: the bar H(X) =
    H(X | Y) + I(X; Y) above the bar H(Y) = I(X; Y) + H(Y | X), aligned so
    that the I segments coincide, and below them H(X, Y), the whole span
    (``info-cond-entropy``, ``info-mutual-information``, ``info-entropy-chain``).
    ``fig.axes[1].patches`` are [H(X|Y), I, I, H(Y|X), H(X,Y)].

    Raises
    ------
    ValueError
        For a joint that is not a 2-D distribution, or names that are not two.
    """
    func = "plot_information_diagram"
    from matplotlib.patches import Circle

    from ..information import conditional_entropy, mutual_information

    h_y_given_x = conditional_entropy(joint)
    pxy = np.asarray(joint, dtype=float)
    h_x_given_y = conditional_entropy(pxy.T)
    mi = mutual_information(pxy)
    names = [str(n) for n in names]
    if len(names) != 2:
        raise ValueError(f"{func}: names must be two names (for the rows and the columns), got {len(names)}")
    nx, ny = names
    h_x = entropy(pxy.sum(axis=1))
    h_y = entropy(pxy.sum(axis=0))
    h_xy = entropy(pxy.ravel() / pxy.sum())
    fig, (ax_v, ax_b) = new_figure(1, 2, figsize=(10, 3.6), width_ratios=(1, 1.35))
    for cx, color in ((-0.55, COLORS["a"]), (0.55, COLORS["b"])):
        ax_v.add_patch(Circle((cx, 0), 1.0, facecolor=color, alpha=0.25, edgecolor=color, lw=2))
    ax_v.text(-1.02, 0, f"H({nx}|{ny})\n{h_x_given_y:.3f}", ha="center", va="center", fontsize=8)
    ax_v.text(0, 0, f"I\n{mi:.3f}", ha="center", va="center", fontsize=9, weight="bold")
    ax_v.text(1.02, 0, f"H({ny}|{nx})\n{h_y_given_x:.3f}", ha="center", va="center", fontsize=8)
    ax_v.text(-0.55, 1.12, f"H({nx}) = {h_x:.3f}", ha="center", color=COLORS["a"], fontsize=10)
    ax_v.text(0.55, -1.22, f"H({ny}) = {h_y:.3f}", ha="center", color=COLORS["b"], fontsize=10)
    ax_v.set_xlim(-1.7, 1.7)
    ax_v.set_ylim(-1.45, 1.4)
    ax_v.set_aspect("equal")
    ax_v.axis("off")
    ax_v.set_title(f"sketch (areas not to scale), nats; I = I({nx}; {ny})", fontsize=10)
    seg = dict(height=0.5, edgecolor="white")
    ax_b.barh([2], [h_x_given_y], color=COLORS["a"], alpha=0.55, **seg)
    ax_b.barh([2], [mi], left=[h_x_given_y], color=COLORS["diff"], alpha=0.8, **seg)
    ax_b.barh([1], [mi], left=[h_x_given_y], color=COLORS["diff"], alpha=0.8, **seg)
    ax_b.barh([1], [h_y_given_x], left=[h_x_given_y + mi], color=COLORS["b"], alpha=0.55, **seg)
    ax_b.barh([0], [h_xy], color="0.6", **seg)
    labels = (
        (2, 0, h_x_given_y, f"H({nx}|{ny})"),
        (2, h_x_given_y, mi, "I"),
        (1, h_x_given_y, mi, "I"),
        (1, h_x_given_y + mi, h_y_given_x, f"H({ny}|{nx})"),
        (0, 0, h_xy, f"H({nx},{ny}) = {h_xy:.3f}"),
    )
    for y, left, width, text in labels:
        if width > 0.05 * h_xy:
            ax_b.text(left + width / 2, y, text, ha="center", va="center", fontsize=9)
    ax_b.set_yticks([2, 1, 0])
    ax_b.set_yticklabels([f"H({nx}) = {h_x:.3f}", f"H({ny}) = {h_y:.3f}", f"H({nx},{ny})"], fontsize=9)
    ax_b.set_xlim(0, 1.05 * h_xy)
    ax_b.set_xlabel("nats")
    ax_b.set_title(f"to scale: H({nx},{ny}) = H({nx}|{ny}) + I + H({ny}|{nx})", fontsize=10)
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.15, top=0.88, wspace=0.35)
    return fig


def plot_reliability_diagram(probs_list, labels, titles, n_bins: int = 15) -> Figure:
    """Reliability diagrams: accuracy against confidence per bin, one panel per predictor.

    Each panel bins the predictions by confidence (their largest
    probability, :func:`ragmath.information.reliability_bins`) and draws each
    bin's accuracy (blue bars), the gap to its mean confidence (red, hatched)
    and the diagonal of perfect calibration (dashed); the title gives the
    expected calibration error (``info-ece``). Bars below the diagonal mean
    over-confidence. ``ax.patches`` of each panel are the accuracy bars,
    then the gap bars, one per non-empty bin.

    Raises
    ------
    ValueError
        For probability rows or labels that are invalid, titles of another
        number than probs_list, or an empty probs_list.
    """
    func = "plot_reliability_diagram"
    from ..information import expected_calibration_error, reliability_bins

    probs_list = list(probs_list)
    titles = [str(t) for t in titles]
    if not probs_list:
        raise ValueError(f"{func}: probs_list is empty; give at least one array of probability rows")
    if len(titles) != len(probs_list):
        raise ValueError(f"{func}: titles has {len(titles)} entries but probs_list has {len(probs_list)}")
    n = len(probs_list)
    fig, axes = new_figure(1, n, figsize=(3.6 * n + 0.6, 3.7), squeeze=False, sharey=True)
    for ax, probs, title in zip(axes[0], probs_list, titles):
        b = reliability_bins(probs, labels, n_bins)
        ece = expected_calibration_error(probs, labels, n_bins)
        full = b["count"] > 0
        centres = ((b["edges"][:-1] + b["edges"][1:]) / 2)[full]
        width = 1.0 / n_bins
        acc, conf = b["accuracy"][full], b["confidence"][full]
        ax.bar(centres, acc, width=width, color=COLORS["a"], edgecolor="white", label="accuracy")
        ax.bar(centres, conf - acc, bottom=acc, width=width, color=COLORS["b"], alpha=0.35,
               hatch="//", edgecolor=COLORS["b"], label="gap to confidence")
        ax.plot([0, 1], [0, 1], "--", color="0.3", lw=1.2, label="perfect calibration")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.set_xlabel("confidence (largest probability)")
        ax.set_title(f"{title}\nECE = {ece:.3f}", fontsize=10)
    axes[0][0].set_ylabel("accuracy in the bin")
    axes[0][0].legend(fontsize=8, frameon=False, loc="upper left")
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.85, wspace=0.12)
    return fig


def plot_tokenization_rates(rates) -> Figure:
    """One text, two tokenizers: per-token perplexity (left, log scale) and bits per byte (right).

    ``rates`` maps a model's name to a dict with arrays "perplexity" (per
    token) and "bits_per_byte", one value per held-out split. Each split is
    a dot; the bar is the mean, with ± one standard deviation. The left
    panel's values differ by orders of magnitude because the tokens differ;
    the right panel puts both on one unit (``info-bits-per-byte``). The bars
    are ``ax.patches`` of each panel, in the order of ``rates``.

    Raises
    ------
    ValueError
        For an empty ``rates``, or arrays that are missing, empty, of
        different lengths or not positive.
    """
    func = "plot_tokenization_rates"
    if not isinstance(rates, dict) or not rates:
        raise ValueError(f"{func}: rates must be a non-empty dict name -> {{'perplexity', 'bits_per_byte'}}")
    data = {}
    for name, r in rates.items():
        try:
            ppl = np.asarray(r["perplexity"], dtype=float)
            bpb = np.asarray(r["bits_per_byte"], dtype=float)
        except (KeyError, TypeError):
            raise ValueError(
                f"{func}: rates[{name!r}] needs the arrays 'perplexity' and 'bits_per_byte'"
            ) from None
        if ppl.ndim != 1 or ppl.size == 0 or ppl.shape != bpb.shape:
            raise ValueError(f"{func}: rates[{name!r}] needs two 1-D arrays of the same, non-zero length")
        if not (np.all(ppl >= 1) and np.all(bpb > 0) and np.isfinite(ppl).all() and np.isfinite(bpb).all()):
            raise ValueError(f"{func}: rates[{name!r}] has a perplexity below 1 or bits per byte ≤ 0")
        data[str(name)] = (ppl, bpb)
    fig, (ax_ppl, ax_bpb) = new_figure(1, 2, figsize=(9, 3.6))
    palette = [COLORS["a"], COLORS["distance"], COLORS["similarity"], COLORS["b"]]
    rng = np.random.default_rng(0)  # horizontal jitter of the dots only
    for i, (ppl, bpb) in enumerate(data.values()):
        color = palette[i % len(palette)]
        for ax, values in ((ax_ppl, ppl), (ax_bpb, bpb)):
            sd = float(np.std(values, ddof=1)) if values.size > 1 else 0.0
            ax.bar([i], [float(np.mean(values))], width=0.6, color=color, alpha=0.35)
            ax.errorbar([i], [float(np.mean(values))], yerr=[sd], color="k", capsize=5, lw=1.2)
            ax.plot(i + rng.uniform(-0.15, 0.15, values.size), values, "o", color=color, ms=4)
    ax_ppl.set_yscale("log")
    _plain_log_ticks(ax_ppl.yaxis, [1, 2, 5, 10, 100, 1000, 10000, 100000])
    for ax in (ax_ppl, ax_bpb):
        ax.set_xticks(range(len(data)))
        ax.set_xticklabels(list(data), fontsize=9)
    ax_ppl.set_ylabel("perplexity per token")
    ax_ppl.set_title("per-token perplexity: not comparable", fontsize=10)
    ax_bpb.set_ylabel("bits per byte")
    ax_bpb.set_ylim(0, 1.25 * max(float(b.max()) for _, b in data.values()))
    ax_bpb.set_title("bits per byte: one unit for both", fontsize=10)
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.12, top=0.9, wspace=0.3)
    return fig
