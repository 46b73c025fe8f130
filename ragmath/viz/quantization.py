"""Pure plotting functions for chapter 5, "Product quantization and locality-sensitive hashing".

Each ``plot_*`` function takes plain parameters, calls
:mod:`ragmath.quantization` for every number it draws, and returns a new
:class:`matplotlib.figure.Figure` (never touching pyplot's global state). The
expensive parts (fitting product quantizers over a grid of (m, k), hashing a
corpus) are :func:`ragmath.quantization.pq_tradeoff_table`,
:func:`~ragmath.quantization.lsh_experiment` and
:func:`~ragmath.quantization.lsh_curve`, computed once and cached there, so
that the widgets of :mod:`ragmath.widgets.quantization` redraw instantly; the
``*_grid`` functions draw the static small multiples that follow each widget
on the website.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FixedLocator, MaxNLocator, NullLocator

from .._validation import check_positive_int
from ..quantization import (
    LSH_B_MAX,
    LSH_R_MAX,
    OffsetHyperplaneLSH,
    ProductQuantizer,
    RandomHyperplaneLSH,
    gaussian_mixture,
    hyperplane_collision_probability,
    kmeans,
    lsh_curve,
    lsh_experiment,
    offset_collision_probability,
    pq_distortion,
    pq_tradeoff_table,
    s_curve,
    s_curve_threshold,
)
from ..quantization.experiments import EMBEDDING_DATA, embedding_lsh_table, embedding_pq_table
from ._style import COLORS, new_figure

__all__ = [
    "plot_product_quantization_2d",
    "plot_pq_tradeoff",
    "plot_pq_tradeoff_grid",
    "plot_collision_probability",
    "plot_lsh_tradeoff",
    "plot_lsh_grid",
    "plot_embedding_pq",
    "plot_embedding_lsh",
    "plot_adc_tables",
    "plot_ivf_cells",
    "plot_hnsw_layers",
    "plot_ann_recall",
    "plot_ivf_tradeoff",
    "plot_ivf_tradeoff_grid",
]

# one colour per value of k (PQ) or of r (LSH), in increasing order
_SERIES = ("#9ecae1", "#4292c6", "#2171b5", "#08306b", "#6a51a3", "#cb181d")
_FAINT = "0.75"


def _no_minor_ticks(ax) -> None:
    """Minor ticks of log axes cost more to draw than the rest of a small plot."""
    ax.xaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_minor_locator(NullLocator())


def _log2_axis(ax, values) -> None:
    """A log₂ x axis with one tick per power of two in the range of ``values``."""
    ax.set_xscale("log", base=2)
    low, high = min(values), max(values)
    ticks = [2.0**e for e in range(math.floor(math.log2(low)), math.ceil(math.log2(high)) + 1)]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.set_xticklabels([f"{t:g}" for t in ticks])
    _no_minor_ticks(ax)


# ------------------------------------------------------------- PQ in the plane
def plot_product_quantization_2d(k: int = 4, n: int = 1500, seed: int = 0) -> Figure:
    """k-means with k² centroids (left) and product quantization with m = 2, k each (right).

    On 2-D data with m = 2, each coordinate is a sub-vector: PQ runs k-means
    on the x coordinates and on the y coordinates separately, and its k²
    reconstruction points are the grid of all pairs (``pq-reconstruction``).
    The titles give the distortion (``pq-distortion``) of both. The vertical
    and horizontal lines of the right panel are the two codebooks.
    """
    func = "plot_product_quantization_2d"
    k = check_positive_int(k, "k", func)
    X, _ = gaussian_mixture(n, 2, n_clusters=6, spread=0.5, seed=seed, dtype=np.float64)
    C, labels = kmeans(X, k * k, n_iter=50, seed=seed)
    pq = ProductQuantizer(m=2, k=k, n_iter=50, seed=seed).fit(X)
    codes = pq.encode(X)
    grid = np.array([[cx, cy] for cx in pq.codebooks_[0][:, 0] for cy in pq.codebooks_[1][:, 0]])
    fig, (ax_km, ax_pq) = new_figure(1, 2, figsize=(9.5, 4.3), sharey=True)
    for ax in (ax_km, ax_pq):
        ax.scatter(X[:, 0], X[:, 1], s=3, color="0.7", lw=0, label="data")
    ax_km.plot(C[:, 0], C[:, 1], "o", color=COLORS["b"], ms=6, label="centroids")
    d_km = pq_distortion(X, C[labels])
    ax_km.set_title(f"k-means, {k * k} centroids: distortion {d_km:.3f}", fontsize=10)
    for cx in pq.codebooks_[0][:, 0]:
        ax_pq.axvline(cx, color=COLORS["a"], lw=0.8, alpha=0.6, label="codebook 1")
    for cy in pq.codebooks_[1][:, 0]:
        ax_pq.axhline(cy, color=COLORS["a"], lw=0.8, alpha=0.6, label="codebook 2")
    ax_pq.plot(grid[:, 0], grid[:, 1], "s", color=COLORS["b"], ms=5, label="reconstructions")
    d_pq = pq_distortion(X, pq.decode(codes))
    ax_pq.set_title(f"PQ, m = 2, k = {k}: {k}×{k} grid, distortion {d_pq:.3f}", fontsize=10)
    for ax in (ax_km, ax_pq):
        ax.set_xlabel("$x_1$ (sub-vector 1)")
        ax.set_aspect("equal", adjustable="datalim")
    ax_km.set_ylabel("$x_2$ (sub-vector 2)")
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.13, top=0.9, wspace=0.15)
    return fig


# ----------------------------------------------------- memory / distortion / recall
def _table(table) -> tuple:
    return pq_tradeoff_table() if table is None else tuple(table)


def _lookup(table, m, k) -> dict:
    for row in table:
        if row["m"] == m and row["k"] == k:
            return row
    raise ValueError(f"plot_pq_tradeoff: (m, k) = ({m}, {k}) is not in the table of the grid")


def _draw_tradeoff_lines(ax, table, key: str, faint: bool) -> None:
    ks = sorted({row["k"] for row in table})
    for colour, k in zip(_SERIES, ks):
        rows = sorted((row for row in table if row["k"] == k), key=lambda row: row["m"])
        x = [row["bytes_per_vector"] for row in rows]
        y = [row[key] for row in rows]
        ax.plot(x, y, "o-", color=_FAINT if faint else colour, ms=3 if faint else 4, lw=1,
                label=f"k = {k}", zorder=1)


def plot_pq_tradeoff(m: int = 8, k: int = 256, table=None, d: int = 32) -> Figure:
    """Memory, distortion and recall@10 of PQ with m sub-spaces of k centroids.

    Left: bytes per vector of the code, m·⌈log₂ k⌉/8 (``pq-memory``), next to
    the 4d bytes of a raw float32 vector. Middle and right: distortion
    (``pq-distortion``) and recall@10 (``pq-recall``) against bytes per vector
    for the whole grid (grey), the current (m, k) marked (label "current").
    ``table`` defaults to :func:`ragmath.quantization.pq_tradeoff_table`
    (cached: a slider move only redraws).
    """
    table = _table(table)
    row = _lookup(table, m, k)
    fig, (ax_mem, ax_dist, ax_rec) = new_figure(1, 3, figsize=(10.5, 3.3), width_ratios=(0.8, 1, 1))
    raw = 4 * d
    bars = ax_mem.barh(["raw float32", "PQ code"], [raw, row["bytes_per_vector"]],
                       color=[_FAINT, COLORS["a"]])
    ax_mem.set_xscale("log")
    ax_mem.set_xlim(0.1, raw * 8)
    ticks = [10.0**e for e in range(0, math.ceil(math.log10(raw * 8)), 1)]
    ax_mem.xaxis.set_major_locator(FixedLocator(ticks))
    ax_mem.set_xticklabels([f"{t:g}" for t in ticks])  # plain text: no mathtext to parse
    _no_minor_ticks(ax_mem)
    for bar in bars:
        ax_mem.text(bar.get_width() * 1.15, bar.get_y() + bar.get_height() / 2, f"{bar.get_width():g} B",
                    va="center", fontsize=9)
    ax_mem.set_xlabel("bytes per vector (log scale)")
    ax_mem.set_title(f"m = {m}, k = {k}: {raw / row['bytes_per_vector']:.0f}× smaller", fontsize=10)
    for ax, key, label in ((ax_dist, "distortion", "mean squared error"), (ax_rec, "recall", "recall@10")):
        _draw_tradeoff_lines(ax, table, key, faint=True)
        ax.plot([row["bytes_per_vector"]], [row[key]], "o", color=COLORS["b"], ms=9, label="current",
                zorder=3)
        _log2_axis(ax, [r["bytes_per_vector"] for r in table])
        ax.set_xlabel("bytes per vector")
        ax.set_ylabel(label)
    ax_dist.set_title(f"distortion {row['distortion']:.3f}", fontsize=10)
    ax_dist.yaxis.set_major_locator(MaxNLocator(4))
    ax_rec.set_title(f"recall@10 = {row['recall']:.2f}", fontsize=10)
    ax_rec.set_ylim(-0.03, 1.03)
    ax_rec.yaxis.set_major_locator(FixedLocator([0, 0.5, 1]))
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.17, top=0.9, wspace=0.38)
    return fig


def plot_pq_tradeoff_grid(table=None) -> Figure:
    """The whole (m, k) grid: recall@10 (left) and distortion (right) against bytes per vector.

    One line per k (label "k = ..."), one point per m along it, each point
    annotated with its m. What moving both sliders of the widget shows at once.
    """
    table = _table(table)
    fig, (ax_rec, ax_dist) = new_figure(1, 2, figsize=(10, 4.2))
    for ax, key, label in ((ax_rec, "recall", "recall@10"), (ax_dist, "distortion", "mean squared error")):
        _draw_tradeoff_lines(ax, table, key, faint=False)
        for row in table:
            ax.annotate(f"{row['m']}", (row["bytes_per_vector"], row[key]), textcoords="offset points",
                        xytext=(3, 4), fontsize=7, color="0.3")
        _log2_axis(ax, [r["bytes_per_vector"] for r in table])
        ax.set_xlabel("bytes per vector (numbers: m)")
        ax.set_ylabel(label)
    ax_rec.legend(fontsize=8, loc="upper left")
    ax_rec.set_title("recall@10 against exact search", fontsize=10)
    ax_dist.set_title("reconstruction error", fontsize=10)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.9, wspace=0.25)
    return fig


# ------------------------------------------------------------ collision probability
def _pair(theta: float, lengths=(1.0, 1.0)) -> tuple[np.ndarray, np.ndarray]:
    return (np.array([lengths[0], 0.0]),
            lengths[1] * np.array([math.cos(theta), math.sin(theta)]))


def plot_collision_probability(n_bits: int = 2000, lengths=(0.25, 1.0, 4.0), seed: int = 0) -> Figure:
    """Collision probability of one hash bit against the angle θ between two vectors.

    Left: random hyperplanes through the origin, 1 − θ/π (``lsh-collision``,
    line "1 − θ/π") and the fraction of n_bits hyperplanes on which the two
    vectors agree (dots, "simulated"). Right: hyperplanes with a random offset
    (``lsh-offset-collision``), for pairs of vectors of equal length ℓ: one
    curve per length (label "ℓ = ..."), dots simulated; the dashed line is 1 − θ/π.
    """
    func = "plot_collision_probability"
    n_bits = check_positive_int(n_bits, "n_bits", func)
    thetas = np.linspace(0, math.pi, 181)
    sim_thetas = np.linspace(0, math.pi, 13)
    fig, (ax0, ax1) = new_figure(1, 2, figsize=(10, 3.8), sharey=True)
    ax0.plot(np.degrees(thetas), hyperplane_collision_probability(thetas), color=COLORS["a"], label="1 − θ/π")
    lsh = RandomHyperplaneLSH(n_bits, 2, seed=seed)
    sim = [np.mean(lsh.hash(u) == lsh.hash(v)) for u, v in (_pair(t) for t in sim_thetas)]
    ax0.plot(np.degrees(sim_thetas), sim, "o", color=COLORS["b"], ms=5, label="simulated")
    ax0.set_title(f"sign(a·v): {n_bits} random hyperplanes", fontsize=10)
    ax0.set_ylabel("P[same bit]")
    ax0.legend(fontsize=8)
    offset = OffsetHyperplaneLSH(n_bits, 2, offset_scale=1.0, seed=seed)
    ax1.plot(np.degrees(thetas), hyperplane_collision_probability(thetas), "--", color="0.5", lw=1,
             label="1 − θ/π")
    for colour, length in zip(_SERIES[1::2], lengths):
        curve = [offset_collision_probability(*_pair(t, (length, length))) for t in thetas]
        ax1.plot(np.degrees(thetas), curve, color=colour, label=f"ℓ = {length:g}")
        pairs = (_pair(t, (length, length)) for t in sim_thetas)
        sim = [np.mean(offset.hash(u) == offset.hash(v)) for u, v in pairs]
        ax1.plot(np.degrees(sim_thetas), sim, "o", color=colour, ms=4)
    ax1.set_title("sign(a·v + δ), δ ~ N(0, 1): length matters", fontsize=10)
    ax1.legend(fontsize=8)
    for ax in (ax0, ax1):
        ax.set_xlabel("angle θ (degrees)")
        ax.set_xticks([0, 45, 90, 135, 180])
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.9, wspace=0.08)
    return fig


# ------------------------------------------------------------------- LSH banding
_P = np.linspace(0, 1, 201)


@lru_cache(maxsize=1)
def _neighbour_histogram() -> np.ndarray:
    """Histogram of p over the true neighbours, 40 bins on [0, 1], scaled to a peak of 0.9."""
    counts, _ = np.histogram(lsh_experiment()["p_neighbours"], bins=np.linspace(0, 1, 41))
    return 0.9 * counts / counts.max()


def _draw_s_curve(ax, r: int, b: int, colour, label=None) -> None:
    ax.plot(_P, s_curve(_P, r, b), color=colour, lw=1.6, label=label or f"b = {b}")


def plot_lsh_tradeoff(r: int = 8, b: int = 8) -> Figure:
    """Banded LSH with b bands of r bits: the S-curve (left) and recall against candidates (right).

    Left: P[candidate] = 1 − (1 − p^r)^b (``lsh-s-curve``) against the one-bit
    collision probability p, with the threshold (1/b)^{1/r} (``lsh-threshold``,
    dashed, label "threshold") and a histogram of p over the true
    neighbours of the experiment's queries (scaled to a peak of 0.9). Right: recall@10 against the mean
    number of candidates (as a fraction of the corpus) for b = 1..64 at this
    r (line), the current b marked (label "current").
    """
    func = "plot_lsh_tradeoff"
    r = check_positive_int(r, "r", func)
    b = check_positive_int(b, "b", func)
    if b > LSH_B_MAX or r > LSH_R_MAX:
        raise ValueError(
            f"{func}: r ≤ {LSH_R_MAX} and b ≤ {LSH_B_MAX} in this experiment, got r = {r}, b = {b}"
        )
    exp = lsh_experiment()
    curve = lsh_curve(r)
    fig, (ax_s, ax_r) = new_figure(1, 2, figsize=(10, 3.8))
    ax_s.stairs(_neighbour_histogram(), np.linspace(0, 1, 41), fill=True, color=_FAINT,
                label="true neighbours' p")
    _draw_s_curve(ax_s, r, b, COLORS["a"], label="1 − (1 − pʳ)ᵇ")
    t = s_curve_threshold(r, b)
    ax_s.axvline(t, ls="--", color=COLORS["b"], lw=1, label="threshold")
    ax_s.set_xlim(0, 1)
    ax_s.set_ylim(0, 1.02)
    ax_s.xaxis.set_major_locator(FixedLocator([0, 0.25, 0.5, 0.75, 1]))
    ax_s.yaxis.set_major_locator(FixedLocator([0, 0.5, 1]))
    ax_s.set_xlabel("p = P[one bit agrees] = 1 − θ/π")
    ax_s.set_ylabel("P[candidate]")
    ax_s.set_title(f"r = {r}, b = {b}: threshold (1/b)^(1/r) = {t:.2f}", fontsize=10)
    ax_s.legend(fontsize=8, loc="upper left")
    fraction = curve["candidates"] / exp["n"]
    ax_r.plot(fraction, curve["recall"], "-", color=COLORS["a"], lw=1.2, label=f"r = {r}, b = 1..{LSH_B_MAX}")
    ax_r.plot([fraction[b - 1]], [curve["recall"][b - 1]], "o", color=COLORS["b"], ms=9, label="current")
    ax_r.set_xscale("log")
    ax_r.set_xlim(1e-4, 1.5)
    ax_r.xaxis.set_major_locator(FixedLocator([1e-4, 1e-3, 1e-2, 1e-1, 1]))
    ax_r.set_xticklabels(["0.01%", "0.1%", "1%", "10%", "100%"])
    _no_minor_ticks(ax_r)
    ax_r.set_ylim(-0.03, 1.03)
    ax_r.yaxis.set_major_locator(FixedLocator([0, 0.5, 1]))
    ax_r.set_xlabel("candidates (fraction of the corpus)")
    ax_r.set_ylabel("recall@10")
    ax_r.set_title(
        f"{curve['candidates'][b - 1]:.0f} candidates of {exp['n']}, "
        f"recall@10 = {curve['recall'][b - 1]:.2f}",
        fontsize=10,
    )
    ax_r.legend(fontsize=8, loc="lower right")
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.9, wspace=0.25)
    return fig


def plot_lsh_grid(rs=(2, 4, 8, 16), bs=(1, 4, 16, 64)) -> Figure:
    """Small multiples of the widget: one S-curve panel per r (one curve per b), then recall.

    The last panel plots recall@10 against the fraction of the corpus that
    becomes a candidate, one line per r (label "r = ..."), one point per b.
    """
    rs = [check_positive_int(int(r), "rs", "plot_lsh_grid") for r in rs]
    bs = [check_positive_int(int(b), "bs", "plot_lsh_grid") for b in bs]
    fig, axes = new_figure(1, len(rs) + 1, figsize=(2.6 * (len(rs) + 1), 3.2), squeeze=False)
    axes = axes[0]
    exp = lsh_experiment()
    for ax, r in zip(axes, rs):
        for colour, b in zip(_SERIES, bs):
            _draw_s_curve(ax, r, b, colour)
        ax.set_title(f"r = {r}", fontsize=10)
        ax.set_xlabel("p")
        ax.set_ylim(0, 1.02)
    axes[0].set_ylabel("P[candidate]")
    axes[0].legend(fontsize=7, loc="upper left")
    ax = axes[-1]
    for colour, r in zip(_SERIES[1:], rs):
        curve = lsh_curve(r)
        idx = [b - 1 for b in bs]
        ax.plot(curve["candidates"][idx] / exp["n"], curve["recall"][idx], "o-", color=colour, ms=3,
                label=f"r = {r}")
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(FixedLocator([1e-3, 1e-2, 1e-1, 1]))
    ax.set_xticklabels(["0.1%", "1%", "10%", "100%"])
    _no_minor_ticks(ax)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("candidates")
    ax.set_title("recall@10", fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.16, top=0.88, wspace=0.3)
    return fig


# ------------------------------------------------- real embeddings against the sphere
_DATA_LABEL = {"chunks": "chunks", "isotropic": "isotropic"}
_PALETTE = (_SERIES[1], _SERIES[3], _SERIES[4], _SERIES[5], _SERIES[0])
_DATA_STYLE = {"chunks": {"ls": "-", "marker": "o"}, "isotropic": {"ls": "--", "marker": "s"}}


def _embedding_tables(tables, default, func: str) -> dict:
    """{data: table} for both data sets, from the cached experiment unless given."""
    if tables is None:
        return {data: default(data) for data in EMBEDDING_DATA}
    if not isinstance(tables, dict) or set(tables) != set(EMBEDDING_DATA):
        raise ValueError(f"{func}: tables must be a dict with the keys {', '.join(EMBEDDING_DATA)}")
    return tables


def plot_embedding_pq(tables=None) -> Figure:
    """PQ on the corpus's chunk embeddings and on isotropic unit vectors: recall@10 and distortion.

    Left: recall@10 (``pq-recall``) against bytes per vector (``pq-memory``),
    one line per k and data set (label "chunks, k = ..." or "isotropic, k =
    ..."), the mean over the seeds with ±1 standard deviation as error bars.
    Right: the distortion divided by that of a single centroid
    (``pq-distortion``), the same lines. ``tables`` defaults to
    :func:`ragmath.quantization.embedding_pq_table` of both data
    sets (``{"chunks": ..., "isotropic": ...}``, cached).

    Parameters
    ----------
    tables : dict, optional
        ``{"chunks": rows, "isotropic": rows}``, each as
        :func:`~ragmath.quantization.embedding_pq_table` returns it.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If tables is not a dict with exactly those two keys.

    Examples
    --------
    >>> from ragmath.quantization.experiments import embedding_pq_table
    >>> small = {d: embedding_pq_table(d, configs=((8, 16), (16, 16)), seeds=(0,))
    ...          for d in ("chunks", "isotropic")}
    >>> len(plot_embedding_pq(small).axes)
    2
    """
    func = "plot_embedding_pq"
    tables = _embedding_tables(tables, embedding_pq_table, func)
    fig, (ax_rec, ax_dist) = new_figure(1, 2, figsize=(10, 4.0))
    every_bytes = []
    for data, table in tables.items():
        ks = sorted({row["k"] for row in table})
        for i, k in enumerate(ks):
            colour = _PALETTE[i % len(_PALETTE)]
            rows = sorted((row for row in table if row["k"] == k), key=lambda row: row["m"])
            x = [row["bytes_per_vector"] for row in rows]
            every_bytes += x
            for ax, key in ((ax_rec, "recall"), (ax_dist, "relative_distortion")):
                mean = [float(np.mean(row[key])) for row in rows]
                sd = [float(np.std(row[key], ddof=1)) if len(row[key]) > 1 else 0.0 for row in rows]
                ax.errorbar(x, mean, yerr=sd, color=colour, ms=4, lw=1.2, capsize=2,
                            label=f"{_DATA_LABEL[data]}, k = {k}", **_DATA_STYLE[data])
    for ax in (ax_rec, ax_dist):
        _log2_axis(ax, every_bytes)
        ax.set_xlabel("bytes per vector (d = 384: 1536 bytes in float32)")
    ax_rec.set_ylim(-0.03, 1.03)
    ax_rec.yaxis.set_major_locator(FixedLocator([0, 0.25, 0.5, 0.75, 1]))
    ax_rec.set_ylabel("recall@10")
    ax_rec.set_title("recall@10 against exact inner-product search", fontsize=10)
    ax_rec.legend(fontsize=8, loc="upper left")
    ax_dist.set_ylim(0, 1)
    ax_dist.set_ylabel("distortion / distortion of one centroid")
    ax_dist.set_title("relative reconstruction error", fontsize=10)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.9, wspace=0.25)
    return fig


def plot_embedding_lsh(tables=None, bins: int = 60) -> Figure:
    """Banded LSH on the corpus's chunk embeddings and on isotropic unit vectors.

    Left: the one-bit collision probability p = 1 − θ/π (``lsh-collision``)
    of every (query, database vector) pair and of every (query, true
    neighbour) pair, for both data sets (labels "chunks, all pairs",
    "chunks, top 10", "isotropic, all pairs", "isotropic, top 10"; densities of
    the first seed). Right: recall@10 against the mean fraction of the
    database that becomes a candidate (``lsh-s-curve``), one line per r and
    data set, one point per b, means over the seeds. ``tables`` defaults to
    :func:`ragmath.quantization.embedding_lsh_table` of both data
    sets (cached).

    Parameters
    ----------
    tables : dict, optional
        ``{"chunks": table, "isotropic": table}``, each as
        :func:`~ragmath.quantization.embedding_lsh_table` returns it.
    bins : int, default 60
        Histogram bins on [0.4, 0.9].

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If tables is not a dict with exactly those two keys, or bins < 1.
    TypeError
        If bins is not an int.

    Examples
    --------
    >>> from ragmath.quantization.experiments import embedding_lsh_table
    >>> small = {d: embedding_lsh_table(d, rs=(8,), bs=(1, 4), seeds=(0,))
    ...          for d in ("chunks", "isotropic")}
    >>> [ax.get_xlabel() for ax in plot_embedding_lsh(small, bins=10).axes]
    ['p = P[one bit agrees] = 1 − θ/π', 'candidates (fraction of the database)']
    """
    func = "plot_embedding_lsh"
    bins = check_positive_int(bins, "bins", func)  # on [0.4, 0.9]
    tables = _embedding_tables(tables, embedding_lsh_table, func)
    fig, (ax_p, ax_r) = new_figure(1, 2, figsize=(10, 4.0))
    edges = np.linspace(0.4, 0.9, bins + 1)
    for data, table in tables.items():
        p_all = hyperplane_collision_probability(np.arccos(table["cosines"][0]))
        p_top = hyperplane_collision_probability(np.arccos(np.clip(table["neighbour_cosines"][0], -1, 1)))
        colour = COLORS["a"] if data == "chunks" else COLORS["b"]
        ls = _DATA_STYLE[data]["ls"]
        for values, what, lw in ((p_all, "all pairs", 1.0), (p_top, "top 10", 2.0)):
            density, _ = np.histogram(values.ravel(), bins=edges, density=True)
            ax_p.stairs(density, edges, color=colour, ls=ls, lw=lw, label=f"{_DATA_LABEL[data]}, {what}")
        for i, r in enumerate(table["r"]):
            colour_r = _PALETTE[i % len(_PALETTE)]
            x = table["candidates"][i].mean(axis=0)
            y = table["recall"][i].mean(axis=0)
            ax_r.plot(x, y, color=colour_r, ms=4, lw=1.2, label=f"{_DATA_LABEL[data]}, r = {r}",
                      **_DATA_STYLE[data])
    ax_p.set_xlabel("p = P[one bit agrees] = 1 − θ/π")
    ax_p.set_ylabel("density")
    ax_p.set_title("collision probability of query pairs", fontsize=10)
    ax_p.legend(fontsize=8, loc="upper right")
    ax_r.set_xscale("log")
    ax_r.xaxis.set_major_locator(FixedLocator([1e-4, 1e-3, 1e-2, 1e-1, 1]))
    ax_r.set_xticklabels(["0.01%", "0.1%", "1%", "10%", "100%"])
    _no_minor_ticks(ax_r)
    ax_r.set_ylim(-0.03, 1.03)
    ax_r.yaxis.set_major_locator(FixedLocator([0, 0.5, 1]))
    ax_r.set_xlabel("candidates (fraction of the database)")
    ax_r.set_ylabel("recall@10")
    ax_r.set_title("recall against candidates, b = " + ", ".join(str(b) for b in tables["chunks"]["b"]),
                   fontsize=10)
    ax_r.legend(fontsize=7, loc="upper left")
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.9, wspace=0.25)
    return fig


# -------------------------------------------------------- ADC tables as a picture
def plot_adc_tables(m: int = 4, k: int = 8, n_codes: int = 3, seed: int = 0) -> Figure:
    """The distance tables of one query as an m × k grid, and the look-ups of a few codes.

    A quantizer with m sub-spaces of k centroids is trained on a seeded
    Gaussian mixture in d = 2m dimensions. Left: the tables T_j[l] =
    ‖q_j − c_{j,l}‖² of one query (``pq-tables``), one row per sub-space,
    one column per centroid, with the entry each of ``n_codes`` database
    codes picks in every row outlined in its colour. Right: for each of
    those vectors, its estimated squared distance as a stack of the m
    entries it picked (``pq-adc``), beside its true squared distance (a
    black tick).

    Parameters
    ----------
    m : int, default 4
        Sub-spaces, 1 ≤ m ≤ 16.
    k : int, default 8
        Centroids per sub-space, 2 ≤ k ≤ 32.
    n_codes : int, default 3
        Database codes shown, 1 ≤ n_codes ≤ 5.
    seed : int, default 0

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If m, k or n_codes is out of range.

    Examples
    --------
    >>> fig = plot_adc_tables(m=3, k=4, n_codes=2)
    >>> len(fig.axes), len(fig.axes[1].patches)
    (2, 6)
    """
    func = "plot_adc_tables"
    m = check_positive_int(m, "m", func)
    k = check_positive_int(k, "k", func)
    n_codes = check_positive_int(n_codes, "n_codes", func)
    if m > 16:
        raise ValueError(f"{func}: m must be at most 16 (one row per sub-space), got {m}")
    if not 2 <= k <= 32:
        raise ValueError(f"{func}: k must lie in [2, 32] (one column per centroid), got {k}")
    if n_codes > 5:
        raise ValueError(f"{func}: n_codes must be at most 5, got {n_codes}")
    points, _ = gaussian_mixture(401, 2 * m, n_clusters=8, seed=seed, dtype=np.float64)
    database, q = points[:400], points[400]
    pq = ProductQuantizer(m, k, n_iter=20, seed=seed).fit(database)
    T = pq.distance_tables(q)
    codes = pq.encode(database[:n_codes])
    true_sq = ((database[:n_codes] - q) ** 2).sum(axis=1)
    fig, (ax_t, ax_s) = new_figure(1, 2, figsize=(10, 3.6), width_ratios=(1.6, 1))
    ax_t.imshow(T, cmap="Greys", aspect="auto")
    colours = _PALETTE
    for i, code in enumerate(codes):
        for j, col in enumerate(code.tolist()):
            pad = 0.42 - 0.08 * i
            ax_t.add_patch(Rectangle((col - pad, j - pad), 2 * pad, 2 * pad, fill=False, lw=2,
                                     edgecolor=colours[i % len(colours)]))
    ax_t.set_xticks(range(k))
    ax_t.set_yticks(range(m))
    ax_t.set_yticklabels([f"$T_{{{j + 1}}}$" for j in range(m)])
    ax_t.set_xlabel("centroid l of the sub-space")
    ax_t.set_title(f"distance tables of one query: m = {m} rows of k = {k} entries", fontsize=10)
    for i, code in enumerate(codes):
        bottom = 0.0
        for j, col in enumerate(code.tolist()):
            value = float(T[j, col])
            ax_s.add_patch(Rectangle((i - 0.3, bottom), 0.6, value, facecolor=colours[i % len(colours)],
                                     edgecolor="white", alpha=0.55 + 0.45 * (j % 2)))
            bottom += value
        ax_s.plot([i - 0.4, i + 0.4], [true_sq[i]] * 2, color="black", lw=2)
    top = max(float(T[np.arange(m), codes].sum(axis=1).max()), float(true_sq.max()))
    ax_s.set_xlim(-0.6, n_codes - 0.4)
    ax_s.set_ylim(0, 1.1 * top)
    ax_s.set_xticks(range(n_codes))
    ax_s.set_xticklabels([f"x{i + 1}\ncode {tuple(int(c) for c in code)}" for i, code in enumerate(codes)],
                         fontsize=8)
    ax_s.set_ylabel("squared distance")
    ax_s.set_title("m look-ups, added (black: true ‖q − x‖²)", fontsize=10)
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.2, top=0.9, wspace=0.25)
    return fig


# ------------------------------------------------------------ IVF cells in the plane
def plot_ivf_cells(n_lists: int = 12, nprobes=(1, 3), n_neighbours: int = 10, seed: int = 0) -> Figure:
    """The cells of a coarse quantizer in the plane, a query, its nprobe nearest cells and its neighbours.

    A coarse k-means of ``n_lists`` centroids on a seeded 2-D Gaussian
    mixture partitions the plane into cells (the inverted lists). The query
    is put where several cells meet, in the densest one. One panel per value
    of ``nprobes``: the query visits the nprobe cells whose centroids are
    nearest to it (shaded), and only the points inside them are compared
    with it (``ivf-cost``). Its true ``n_neighbours`` nearest points are
    ringed in red if they lie in a visited cell, crossed in black if not
    (they are lost, whatever the codes). One residual r = x − c(x) is drawn
    as an arrow (``ivf-residual``).

    Parameters
    ----------
    n_lists : int, default 12
        2 ≤ n_lists ≤ 64.
    nprobes : tuple of int, default (1, 3)
        One panel each, 1 ≤ nprobe ≤ n_lists; at most 4 panels.
    n_neighbours : int, default 10
    seed : int, default 0

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If an argument is out of range.

    Examples
    --------
    >>> fig = plot_ivf_cells(n_lists=6, nprobes=(2,))
    >>> len(fig.axes), "2 of 6 cells" in fig.axes[0].get_title()
    (1, True)
    """
    func = "plot_ivf_cells"
    n_lists = check_positive_int(n_lists, "n_lists", func)
    n_neighbours = check_positive_int(n_neighbours, "n_neighbours", func)
    if not 2 <= n_lists <= 64:
        raise ValueError(f"{func}: n_lists must lie in [2, 64], got {n_lists}")
    nprobes = tuple(check_positive_int(p, "nprobes", func) for p in nprobes)
    if not 1 <= len(nprobes) <= 4 or max(nprobes) > n_lists:
        raise ValueError(f"{func}: nprobes must hold 1 to 4 values, each at most n_lists = {n_lists}, "
                         f"got {nprobes}")
    X, _ = gaussian_mixture(1200, 2, n_clusters=6, spread=0.6, seed=seed, dtype=np.float64)
    C, labels = kmeans(X, n_lists, n_iter=30, seed=seed)
    # the query: the point of the densest cell whose distances to its 3 nearest centroids are most alike
    to_c = np.sort(np.sqrt(((X[:, None, :] - C[None]) ** 2).sum(axis=2)), axis=1)
    dense = np.bincount(labels, minlength=n_lists).argmax()
    corner = np.where(labels == dense, to_c[:, min(2, n_lists - 1)] - to_c[:, 0], np.inf)
    q = X[int(np.argmin(corner))] + 1e-3
    order = np.argsort(((C - q) ** 2).sum(axis=1), kind="stable")
    true_nn = np.argsort(((X - q) ** 2).sum(axis=1), kind="stable")[:n_neighbours]
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 300), np.linspace(lo[1], hi[1], 300))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    cell = (((grid[:, None, :] - C[None]) ** 2).sum(axis=2)).argmin(axis=1).reshape(gx.shape)
    fig, axes = new_figure(1, len(nprobes), figsize=(4.9 * len(nprobes), 4.6), squeeze=False)
    far = int(np.flatnonzero(labels == dense)[np.argmax(((X - C[dense]) ** 2).sum(axis=1)[labels == dense])])
    for ax, nprobe in zip(axes[0], nprobes):
        probed = order[:nprobe]
        ax.imshow(np.isin(cell, probed), origin="lower", extent=(lo[0], hi[0], lo[1], hi[1]),
                  cmap="Blues", vmin=0, vmax=3, aspect="auto", interpolation="nearest")
        ax.contour(gx, gy, cell, levels=np.arange(n_lists) + 0.5, colors="0.45", linewidths=0.6)
        ax.scatter(X[:, 0], X[:, 1], s=3, color="0.55", lw=0)
        ax.plot(C[:, 0], C[:, 1], "^", color=COLORS["a"], ms=6, label="coarse centroids $c_i$")
        inside = np.isin(labels[true_nn], probed)
        ax.scatter(X[true_nn[inside], 0], X[true_nn[inside], 1], s=40, facecolor="none",
                   edgecolor=COLORS["b"], lw=1.5, label="true neighbours, in a visited cell")
        if (~inside).any():
            ax.scatter(X[true_nn[~inside], 0], X[true_nn[~inside], 1], s=40, marker="x", color="black",
                       lw=1.5, label="true neighbours missed")
        ax.plot(*q, "*", color=COLORS["b"], ms=14, mec="black", label="query q")
        ax.annotate("", xy=X[far], xytext=C[dense],
                    arrowprops={"arrowstyle": "->", "color": "black", "lw": 1.2})
        ax.text(*(0.5 * (X[far] + C[dense])), " r = x − c(x)", fontsize=8)
        scanned = int(np.isin(labels, probed).sum())
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_title(f"{nprobe} of {n_lists} cells visited: {scanned} of {len(X)} points compared,\n"
                     f"{int(inside.sum())} of {n_neighbours} true neighbours inside", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, -1].legend(fontsize=7, loc="lower left")
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.03, top=0.88, wspace=0.05)
    return fig


# --------------------------------------------------------------- HNSW layers
def plot_hnsw_layers(n: int = 300, M: int = 6, seed: int = 0) -> Figure:
    """The layers of an HNSW graph on 2-D points, and the greedy route of one query down them.

    An :class:`~ragmath.quantization.HNSW` graph (M links, ef_construction
    32) is built on ``n`` seeded 2-D points; one panel per layer, the top
    layer first, shows its nodes and links, and the route of a query from
    the entry point (``hnsw-greedy``): long hops on the sparse upper layers,
    short ones at the bottom. Each layer holds about 1/M of the nodes of the
    layer below (``hnsw-level``).

    Parameters
    ----------
    n : int, default 300
        20 ≤ n ≤ 2000.
    M : int, default 6
        2 ≤ M ≤ 16.
    seed : int, default 0

    Returns
    -------
    matplotlib.figure.Figure
        One axes per layer.

    Raises
    ------
    ValueError
        If n or M is out of range.

    Examples
    --------
    >>> fig = plot_hnsw_layers(n=100, M=3, seed=1)
    >>> fig.axes[-1].get_title().startswith("layer 0")
    True
    """
    from ..quantization import HNSW

    func = "plot_hnsw_layers"
    n = check_positive_int(n, "n", func)
    M = check_positive_int(M, "M", func)
    if not 20 <= n <= 2000:
        raise ValueError(f"{func}: n must lie in [20, 2000], got {n}")
    if not 2 <= M <= 16:
        raise ValueError(f"{func}: M must lie in [2, 16], got {M}")
    X = np.random.default_rng(seed).random((n, 2))
    graph = HNSW(M, 32, seed).build(X)
    q = 1.0 - X[graph.entry_point_]  # across the square from the entry point
    path = graph.greedy_path(q)
    n_layers = graph.top_ + 1
    fig, axes = new_figure(1, n_layers, figsize=(3.0 * n_layers, 3.4), squeeze=False)
    for col, layer in enumerate(range(graph.top_, -1, -1)):
        ax = axes[0, col]
        nodes = sorted(graph.layers_[layer])
        links = {(min(u, v), max(u, v)) for u in nodes for v in graph.layers_[layer][u]}
        ax.add_collection(LineCollection([(X[u], X[v]) for u, v in sorted(links)], colors="0.75",
                                         linewidths=0.5, zorder=1))
        ax.scatter(X[nodes, 0], X[nodes, 1], s=8 if layer == 0 else 18, color=COLORS["a"], zorder=2)
        route = [node for lay, node in path if lay == layer]
        ax.plot(X[route, 0], X[route, 1], "-o", color=COLORS["b"], ms=4, lw=1.8, zorder=3)
        ax.plot(*q, "*", color=COLORS["b"], ms=13, mec="black", zorder=4)
        hops = len(route) - 1
        ax.set_title(f"layer {layer}: {len(nodes)} node{'s' * (len(nodes) != 1)}, "
                     f"{hops} hop{'s' * (hops != 1)}", fontsize=9)
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.03, top=0.9, wspace=0.08)
    return fig


# --------------------------------------------------- IVFADC and HNSW on the chunks
def _ivf_rows(table, func: str) -> tuple:
    from ..quantization.experiments import ivf_nprobe_table

    rows = ivf_nprobe_table() if table is None else tuple(table)
    if not rows:
        raise ValueError(f"{func}: table must hold at least one row")
    return rows


def plot_ann_recall(ivf_table=None, hnsw_table=None) -> Figure:
    """Recall@10 against the work per query: IVFADC for every n_lists, HNSW for every ef.

    Left: IVFADC on the chunk embeddings (:func:`~ragmath.quantization.ivf_nprobe_table`),
    recall@10 (``pq-recall``) against the fraction of the database whose
    codes are scanned, one line per n_lists, points labelled by nprobe, mean
    ± sd over the seeds. Right: HNSW (:func:`~ragmath.quantization.hnsw_ef_table`),
    recall@10 against the distance computations per query, points labelled
    by ef; both x axes relative to exact search (859 distances).

    Parameters
    ----------
    ivf_table, hnsw_table : optional
        As the two experiment functions return them (default: their cached
        results).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ivf_table is empty.

    Examples
    --------
    >>> from ragmath.quantization import ivf_nprobe_table, hnsw_ef_table
    >>> fig = plot_ann_recall(ivf_nprobe_table(n_lists=(4,), nprobes=(1, 2), seeds=(0,)),
    ...                       hnsw_ef_table(efs=(10, 20), params=(4, 8), seeds=(0,)))
    >>> len(fig.axes)
    2
    """
    from ..quantization.experiments import hnsw_ef_table

    func = "plot_ann_recall"
    rows = _ivf_rows(ivf_table, func)
    hnsw = hnsw_ef_table() if hnsw_table is None else hnsw_table
    n = 859
    fig, (ax_i, ax_h) = new_figure(1, 2, figsize=(10, 3.9), sharey=True)
    for i, row in enumerate(rows):
        x = row["scanned"].mean(axis=0) / n
        y, sd = row["recall"].mean(axis=0), _sd(row["recall"])
        ax_i.errorbar(x, y, yerr=sd, fmt="o-", color=_PALETTE[i % len(_PALETTE)], ms=4, capsize=2,
                      label=f"{row['n_lists']} lists")
        for xi, yi, p in zip(x, y, row["nprobe"]):
            ax_i.annotate(f"{p}", (xi, yi), textcoords="offset points", xytext=(3, -10), fontsize=7)
    ax_i.set_xscale("log")
    _no_minor_ticks(ax_i)
    ax_i.xaxis.set_major_locator(FixedLocator([0.05, 0.1, 0.2, 0.5, 1.0]))
    ax_i.set_xticklabels(["0.05", "0.1", "0.2", "0.5", "1"])
    ax_i.set_xlabel("fraction of the codes scanned (labels: nprobe)")
    ax_i.set_ylabel("recall@10")
    m, k = rows[0]["m"], rows[0]["k"]
    ax_i.set_title(f"IVFADC, residuals coded with m = {m}, k = {k}", fontsize=10)
    ax_i.legend(fontsize=8, loc="lower right")
    x = hnsw["distances"].mean(axis=0) / n
    y, sd = hnsw["recall"].mean(axis=0), _sd(hnsw["recall"])
    ax_h.errorbar(x, y, yerr=sd, fmt="o-", color=COLORS["b"], ms=4, capsize=2)
    for xi, yi, ef in zip(x, y, hnsw["ef"]):
        ax_h.annotate(f"ef = {ef}", (xi, yi), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax_h.set_xlabel("distance computations / N (exact search: 1)")
    ax_h.set_title(f"HNSW, M = {hnsw['M']}, ef_construction = {hnsw['ef_construction']}, exact distances",
                   fontsize=10)
    ax_h.set_xlim(0, 1)
    ax_i.set_ylim(0, 1.02)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.9, wspace=0.08)
    return fig


def _sd(values) -> np.ndarray:
    values = np.asarray(values)
    return values.std(axis=0, ddof=1) if values.shape[0] > 1 else np.zeros(values.shape[1:])


def plot_ivf_tradeoff(n_lists: int = 16, nprobe: int = 4, table=None) -> Figure:
    """IVFADC with n_lists lists and nprobe visited: recall, codes scanned and operations.

    Left: recall@10 on the chunk embeddings against nprobe, every n_lists of
    the table in grey and the chosen one in colour (mean ± sd over the
    seeds), the chosen nprobe marked. Right: the operations per query of
    ``ivf-cost`` (coarse scan, tables, code scan) beside exact search (N·d),
    and, in the title, the memory of ``ivf-memory`` for the 859 chunks and
    for ten million vectors.

    Parameters
    ----------
    n_lists : int, default 16
        A value of the table (``IVF_N_LISTS``).
    nprobe : int, default 4
        A value of the table (``IVF_NPROBES``), at most n_lists.
    table : optional
        As :func:`~ragmath.quantization.ivf_nprobe_table` returns it.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If (n_lists, nprobe) is not in the table.

    Examples
    --------
    >>> from ragmath.quantization import ivf_nprobe_table
    >>> small = ivf_nprobe_table(n_lists=(4,), nprobes=(1, 2), seeds=(0,))
    >>> len(plot_ivf_tradeoff(4, 2, small).axes)
    2
    """
    from ..quantization import ivfadc_cost, ivfpq_memory_bytes

    func = "plot_ivf_tradeoff"
    rows = _ivf_rows(table, func)
    by_lists = {row["n_lists"]: row for row in rows}
    if n_lists not in by_lists:
        raise ValueError(f"{func}: n_lists must be one of {sorted(by_lists)}, got {n_lists}")
    row = by_lists[n_lists]
    if nprobe not in row["nprobe"]:
        raise ValueError(f"{func}: nprobe must be one of {list(row['nprobe'])} for n_lists = {n_lists}, "
                         f"got {nprobe}")
    i = row["nprobe"].index(nprobe)
    fig, (ax_r, ax_c) = new_figure(1, 2, figsize=(10, 3.8), width_ratios=(1.3, 1))
    for other in rows:
        if other is not row:
            ax_r.plot(other["nprobe"], other["recall"].mean(axis=0), "o-", color=_FAINT, ms=3, lw=1,
                      label=f"{other['n_lists']} lists")
    ax_r.errorbar(row["nprobe"], row["recall"].mean(axis=0), yerr=_sd(row["recall"]), fmt="o-",
                  color=COLORS["a"], ms=4, capsize=2, label=f"{n_lists} lists")
    recall = float(row["recall"][:, i].mean())
    ax_r.plot([nprobe], [recall], "o", ms=11, mfc="none", mec=COLORS["b"], mew=2)
    ax_r.set_xscale("log", base=2)
    _no_minor_ticks(ax_r)
    probes = sorted({p for r in rows for p in r["nprobe"]})
    ax_r.xaxis.set_major_locator(FixedLocator(probes))
    ax_r.set_xticklabels([str(p) for p in probes])
    ax_r.set_ylim(0.3, 0.7)
    ax_r.set_xlabel("nprobe (lists visited)")
    ax_r.set_ylabel("recall@10")
    scanned = row["scanned"][:, i].mean()
    ax_r.set_title(f"recall@10 {recall:.3f}, {scanned:.0f} of 859 codes scanned", fontsize=10)
    ax_r.legend(fontsize=8, loc="lower right")
    m, k, d = row["m"], row["k"], 384
    cost = ivfadc_cost(d, n_lists, nprobe, m, k, int(round(scanned)))
    parts = [("coarse", cost["coarse"]), ("tables", cost["tables"]), ("scan", cost["scan"])]
    left = 0.0
    for (name, value), colour in zip(parts, (_SERIES[1], _SERIES[3], COLORS["b"])):
        ax_c.barh([1], [value], left=left, color=colour, label=name)
        left += value
    ax_c.barh([0], [859 * d], color="0.6", label="exact: N·d")
    ax_c.set_yticks([0, 1])
    ax_c.set_yticklabels(["exact", "IVFADC"])
    ax_c.set_xlim(0, 859 * d * 1.05)
    ax_c.xaxis.set_major_locator(FixedLocator([0, 1e5, 2e5, 3e5]))
    ax_c.set_xticklabels(["0", "100k", "200k", "300k"])
    ax_c.set_xlabel("operations per query (ivf-cost)")
    small = ivfpq_memory_bytes(859, d, n_lists, m, k)
    large = ivfpq_memory_bytes(10_000_000, d, n_lists, m, k)
    ax_c.set_title(f"memory {small['total'] / 1e3:.0f} kB (raw {small['raw'] / 1e3:.0f} kB); "
                   f"at N = 10^7: {large['total'] / large['raw']:.1%} of raw", fontsize=9)
    ax_c.legend(fontsize=8, loc="center right")
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.9, wspace=0.3)
    return fig


def plot_ivf_tradeoff_grid(table=None) -> Figure:
    """The whole IVFADC grid the widget moves through: one panel per n_lists, recall against nprobe.

    Each panel shows recall@10 on the chunk embeddings (mean ± sd over the
    seeds) against nprobe, every point labelled with the fraction of the
    codes scanned (uses ``ivf-cost``, ``pq-recall``).

    Parameters
    ----------
    table : optional
        As :func:`~ragmath.quantization.ivf_nprobe_table` returns it.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per n_lists.

    Raises
    ------
    ValueError
        If the table is empty.

    Examples
    --------
    >>> from ragmath.quantization import ivf_nprobe_table
    >>> small = ivf_nprobe_table(n_lists=(4,), nprobes=(1, 2), seeds=(0,))
    >>> len(plot_ivf_tradeoff_grid(small).axes)
    1
    """
    func = "plot_ivf_tradeoff_grid"
    rows = _ivf_rows(table, func)
    fig, axes = new_figure(1, len(rows), figsize=(3.4 * len(rows), 3.2), squeeze=False, sharey=True)
    for ax, row in zip(axes[0], rows):
        recall = row["recall"].mean(axis=0)
        ax.errorbar(row["nprobe"], recall, yerr=_sd(row["recall"]), fmt="o-", color=COLORS["a"], ms=4,
                    capsize=2)
        for p, r, f in zip(row["nprobe"], recall, row["scanned"].mean(axis=0) / 859):
            ax.annotate(f"{f:.0%}", (p, r), textcoords="offset points", xytext=(0, -14), ha="center",
                        fontsize=7, color=COLORS["b"])
        ax.set_xscale("log", base=2)
        _no_minor_ticks(ax)
        ax.xaxis.set_major_locator(FixedLocator(list(row["nprobe"])))
        ax.set_xticklabels([str(p) for p in row["nprobe"]])
        ax.set_xlabel("nprobe (labels: codes scanned)")
        ax.set_title(f"{row['n_lists']} lists", fontsize=10)
    axes[0, 0].set_ylabel("recall@10")
    axes[0, 0].set_ylim(0.35, 0.65)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.17, top=0.88, wspace=0.08)
    return fig
