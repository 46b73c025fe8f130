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
from matplotlib.figure import Figure
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
