"""Pure plotting functions for chapter 1, "Vectors and similarity".

Each ``plot_*`` function takes plain parameters, gets its numbers from
:mod:`ragmath.similarity` (:func:`~ragmath.similarity.vector_pair`,
:func:`~ragmath.similarity.distance_concentration`,
:func:`~ragmath.similarity.relative_contrast_curve`), and returns a new
:class:`matplotlib.figure.Figure`
(never touching pyplot's global state). The widgets of
:mod:`ragmath.widgets.similarity` only connect sliders to these functions, and
the ``*_grid`` functions draw the static small multiples that follow each
widget on the website. :func:`plot_cosine_histograms` and
:func:`plot_explained_variance` draw the section on real embeddings from
:func:`~ragmath.similarity.pairwise_cosines` and
:func:`~ragmath.similarity.explained_variance_ratio`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

from .._validation import check_interval, check_positive_float, check_positive_int
from ..similarity import (
    distance_concentration,
    explained_variance_ratio,
    jl_dimension,
    k_occurrence,
    n_components,
    near_duplicate_experiment,
    pairwise_cosines,
    pairwise_distortions,
    random_projection,
    relative_contrast_curve,
    vector_pair,
)
from ._style import COLORS, new_figure

__all__ = [
    "plot_vector_pair",
    "plot_vector_pair_grid",
    "plot_distance_concentration",
    "plot_distance_concentration_grid",
    "plot_cosine_histograms",
    "plot_explained_variance",
    "plot_law_of_cosines",
    "plot_near_duplicates",
    "plot_k_occurrence",
    "plot_jl_distortion",
]


# ------------------------------------------------------------------ two 2-D vectors
def _draw_pair(ax, values: dict, limit: float, title: bool = True) -> None:
    a, b = values["a"], values["b"]
    for vec, color, name in ((a, COLORS["a"], "a"), (b, COLORS["b"], "b")):
        ax.annotate(
            "", xy=vec, xytext=(0, 0),
            arrowprops=dict(arrowstyle="-|>", color=color, lw=2.2, shrinkA=0, shrinkB=0),
        )
        ax.plot([0, vec[0]], [0, vec[1]], color=color, lw=0, label=name)  # data for tests
        ax.text(*(vec * 1.08), f"${name}$", color=color, fontsize=12, ha="center", va="center")
    ax.plot([a[0], b[0]], [a[1], b[1]], ls="--", color=COLORS["diff"], lw=1.5, label="a - b")
    theta = np.arctan2(b[1], b[0])
    arc = np.linspace(0, theta, 50)
    r = 0.25 * min(np.linalg.norm(a), np.linalg.norm(b))
    ax.plot(r * np.cos(arc), r * np.sin(arc), color="0.4", lw=1, label="angle")
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-0.3 * limit, limit)  # the angles run from 0° to 180°: b is never far below
    ax.set_aspect("equal")
    ax.axhline(0, color="0.85", lw=0.8, zorder=0)
    ax.axvline(0, color="0.85", lw=0.8, zorder=0)
    if title:
        ax.set_title(
            f"θ = {np.rad2deg(theta) % 360:.0f}°\ncos = {values['cosine']:.2f}\n"
            f"‖a − b‖ = {values['distance']:.2f}",
            fontsize=10,
        )


def plot_vector_pair(angle_deg: float = 60.0, length_a: float = 1.0, length_b: float = 1.0) -> Figure:
    """Two 2-D vectors (left) and their cosine, distance and 1/(1+d) (right).

    The bars on the right are, top to bottom: cosine similarity (``sim-cosine``),
    Euclidean distance (``sim-euclidean``) and the similarity 1/(1 + d)
    (``sim-dist-to-sim``), labelled 1 / (1 + dist); their lengths are the values (``ax.patches``),
    from :func:`ragmath.similarity.vector_pair`.
    """
    values = vector_pair(angle_deg, length_a, length_b)
    fig, (ax_vec, ax_bar) = new_figure(1, 2, figsize=(9, 4), width_ratios=(1, 1.15))
    limit = 1.25 * max(length_a, length_b)
    _draw_pair(ax_vec, values, limit, title=False)
    ax_vec.set_title("the vectors", fontsize=11)
    names = ["cosine", "distance", "1 / (1 + dist)"]
    keys = ["cosine", "distance", "similarity"]
    heights = [values[key] for key in keys]
    colors = [COLORS["cosine"], COLORS["distance"], COLORS["similarity"]]
    bars = ax_bar.barh(names[::-1], heights[::-1], color=colors[::-1])
    for bar, h in zip(bars, heights[::-1]):
        ax_bar.text(
            max(h, 0) + 0.04, bar.get_y() + bar.get_height() / 2, f"{h:.3f}",
            va="center", ha="left", fontsize=10,
        )
    right = max(2.2, 1.2 * values["distance"] + 0.4)
    ax_bar.set_xlim(-1.3, right)
    ax_bar.axvline(0, color="0.3", lw=0.8)
    ax_bar.set_title(
        f"θ = {angle_deg:.0f}°, ‖a‖ = {length_a:.2f}, ‖b‖ = {length_b:.2f}", fontsize=11
    )
    fig.subplots_adjust(left=0.05, right=0.97, bottom=0.08, top=0.9, wspace=0.35)
    return fig


def plot_vector_pair_grid(
    angles=(0, 45, 90, 135, 180), lengths=((1.0, 1.0), (1.0, 2.0))
) -> Figure:
    """Small multiples of :func:`plot_vector_pair`: one row per (‖a‖, ‖b‖), one column per angle.

    What moving the widget's sliders shows, on a static page: along a row the
    cosine falls from 1 to −1 while the distance grows; down a column the
    cosine stays the same while the distance changes with the lengths.
    """
    angles = [float(x) for x in angles]
    lengths = [tuple(map(float, pair)) for pair in lengths]
    fig, axes = new_figure(
        len(lengths), len(angles), figsize=(2.3 * len(angles), 2.9 * len(lengths)), squeeze=False
    )
    limit = 1.2 * max(max(pair) for pair in lengths)
    for row, (la, lb) in enumerate(lengths):
        for col, angle in enumerate(angles):
            _draw_pair(axes[row, col], vector_pair(angle, la, lb), limit)
            axes[row, col].set_xticks([])
            axes[row, col].set_yticks([])
        axes[row, 0].set_ylabel(f"‖a‖ = {la:g}, ‖b‖ = {lb:g}", fontsize=10)
    fig.tight_layout()
    return fig


# -------------------------------------------------------- distance concentration
def _draw_histogram(ax, result: dict, dim: int) -> None:
    d = result["distances"]
    scaled = d / d.mean()
    ax.hist(scaled, bins=np.linspace(0, 2, 41), color=COLORS["distance"], alpha=0.85)
    for x in (scaled[0], scaled[-1]):  # the nearest and the farthest
        ax.axvline(x, color=COLORS["diff"], lw=1.5)
    ax.set_xlim(0, 2)
    ax.set_title(f"d = {dim}: contrast {result['contrast']:.2f}", fontsize=10)
    ax.set_xlabel("distance / mean distance")


def plot_distance_concentration(dim: int = 2, n_points: int = 1000, seed: int = 0) -> Figure:
    """Histogram of the distances (scaled by their mean) at one dimension, and the contrast curve.

    Left: the distances from a random query to n_points random points, divided
    by their mean, with the nearest and the farthest marked; as ``dim`` grows
    the histogram narrows around 1. Right: the relative contrast
    (max − min) / min against the dimension (log-log), the current one marked.
    """
    result = distance_concentration(dim, n_points, seed)
    fig, (ax_hist, ax_curve) = new_figure(1, 2, figsize=(9, 3.6))
    _draw_histogram(ax_hist, result, dim)
    ax_hist.set_ylabel("number of points")
    dims = np.unique(np.round(np.logspace(0, 3, 13)).astype(int))
    curve = relative_contrast_curve(dims, n_points, seed)
    ax_curve.loglog(dims, curve, "o-", color=COLORS["cosine"], ms=4, label="relative contrast")
    ax_curve.loglog([dim], [result["contrast"]], "o", color=COLORS["diff"], ms=9, label=f"d = {dim}")
    for axis in (ax_curve.xaxis, ax_curve.yaxis):  # minor log ticks cost more than the plot
        axis.set_minor_locator(NullLocator())
    ax_curve.set_xlabel("dimension d")
    ax_curve.set_ylabel("(max − min) / min")
    ax_curve.legend(fontsize=9)
    ax_curve.set_title("contrast shrinks as d grows", fontsize=10)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.9, wspace=0.3)
    return fig


def plot_distance_concentration_grid(dims=(2, 10, 100, 1000), n_points: int = 1000, seed: int = 0) -> Figure:
    """Small multiples of the histogram of :func:`plot_distance_concentration`, one per dimension."""
    dims = [check_positive_int(int(d), "dims", "plot_distance_concentration_grid") for d in dims]
    fig, axes = new_figure(1, len(dims), figsize=(2.6 * len(dims), 2.9), sharey=True, squeeze=False)
    for ax, dim in zip(axes[0], dims):
        _draw_histogram(ax, distance_concentration(dim, n_points, seed), dim)
    axes[0, 0].set_ylabel("number of points")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------- real embeddings
_SERIES_COLORS = (COLORS["cosine"], "0.45", COLORS["distance"], COLORS["similarity"], COLORS["diff"])


def _named_sets(embeddings, func: str) -> list[tuple[str, np.ndarray]]:
    if not isinstance(embeddings, Mapping) or not embeddings:
        raise TypeError(f"{func}: embeddings must be a non-empty dict {{label: (n, d) array}}")
    if len(embeddings) > len(_SERIES_COLORS):
        raise ValueError(f"{func}: at most {len(_SERIES_COLORS)} sets of embeddings, got {len(embeddings)}")
    return [(str(label), X) for label, X in embeddings.items()]


def plot_cosine_histograms(embeddings, bins: int = 80) -> Figure:
    """Histograms of the pairwise cosines of several sets of embeddings, overlaid.

    One step histogram (a density, so sets of different sizes compare) per entry
    of ``embeddings``, in its order, of the n(n − 1)/2 numbers of
    :func:`ragmath.similarity.pairwise_cosines`, with a dashed line at their
    mean; the legend gives each set's mean and standard deviation. The
    histograms are ``ax.patches`` and the means ``ax.lines``, labelled, for tests.

    Parameters
    ----------
    embeddings : dict
        {label: (n, d) array of non-zero rows}, at most five entries.
    bins : int, default 80
        The number of bins, shared by all the histograms (equal widths on the
        range of all the cosines).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        If ``embeddings`` is not a non-empty dict, or ``bins`` not an integer.
    ValueError
        If there are more than five sets, ``bins`` < 1, or a set is not a valid
        argument of :func:`~ragmath.similarity.pairwise_cosines`.

    Examples
    --------
    >>> from ragmath.similarity import random_unit_vectors
    >>> fig = plot_cosine_histograms({"isotropic": random_unit_vectors(50, 16)})
    >>> len(fig.axes), fig.axes[0].lines[0].get_label()
    (1, 'mean of isotropic')
    """
    func = "plot_cosine_histograms"
    sets = _named_sets(embeddings, func)
    bins = check_positive_int(bins, "bins", func)
    cosines = [(label, pairwise_cosines(X)) for label, X in sets]
    low = min(float(c.min()) for _, c in cosines)
    high = max(float(c.max()) for _, c in cosines)
    edges = np.linspace(low, high if high > low else low + 1e-9, bins + 1)
    fig, ax = new_figure(figsize=(7.5, 3.8))
    for (label, c), color in zip(cosines, _SERIES_COLORS):
        mean, sd = float(c.mean()), float(c.std())
        ax.hist(c, bins=edges, density=True, histtype="step", lw=1.8, color=color,
                label=f"{label}: mean {mean:.3f}, sd {sd:.3f}")
        ax.axvline(mean, color=color, ls="--", lw=1.2, label=f"mean of {label}")
    ax.axvline(0, color="0.8", lw=0.8, zorder=0)
    handles = [h for h in ax.get_legend_handles_labels()[0] if not h.get_label().startswith("mean of ")]
    ax.legend(handles=handles, fontsize=9, loc="upper right")
    ax.set_xlabel("cosine similarity of a pair")
    ax.set_ylabel("density")
    ax.set_title("pairwise cosines", fontsize=11)
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.14, top=0.9)
    return fig


def plot_explained_variance(embeddings, fraction: float = 0.9) -> Figure:
    """The share of the variance on each principal axis (left) and its cumulative sum (right).

    For each entry of ``embeddings``, :func:`ragmath.similarity.explained_variance_ratio`
    (``sim-explained-variance``) on a log scale, and the cumulative share against
    the number of axes k, with the smallest k that reaches ``fraction``
    (:func:`ragmath.similarity.n_components`) marked and given in the legend. The
    curves are ``ax.lines``, labelled, for tests.

    Parameters
    ----------
    embeddings : dict
        {label: (n, d) array}, at most five entries.
    fraction : float, default 0.9
        In (0, 1].

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        If ``embeddings`` is not a non-empty dict, or ``fraction`` not a real number.
    ValueError
        If there are more than five sets, ``fraction`` is not in (0, 1], or a set
        is not a valid argument of :func:`~ragmath.similarity.explained_variance_ratio`.

    Examples
    --------
    >>> from ragmath.similarity import random_unit_vectors
    >>> fig = plot_explained_variance({"isotropic": random_unit_vectors(50, 16)})
    >>> len(fig.axes), fig.axes[1].lines[0].get_label()
    (2, 'isotropic')
    """
    func = "plot_explained_variance"
    sets = _named_sets(embeddings, func)
    fig, (ax_share, ax_cum) = new_figure(1, 2, figsize=(10, 3.8))
    for (label, X), color in zip(sets, _SERIES_COLORS):
        ratios = explained_variance_ratio(X)
        k = n_components(ratios, fraction)
        axes_k = np.arange(1, ratios.size + 1)
        positive = ratios > 1e-12 * ratios[0]  # the zero shares of n − 1 < d cannot go on a log scale
        ax_share.semilogy(axes_k[positive], ratios[positive], color=color, lw=1.6, label=label)
        cumulative = np.cumsum(ratios)
        ax_cum.plot(axes_k, cumulative, color=color, lw=1.8, label=label)
        ax_cum.plot([k], [cumulative[k - 1]], "o", color=color, ms=7,
                    label=f"{label}: {k} axes hold {fraction:.0%}")
    for axis in (ax_share.yaxis,):
        axis.set_minor_locator(NullLocator())
    ax_share.set_xlabel("principal axis j")
    ax_share.set_ylabel("share of the variance")
    ax_share.set_title("share of each axis", fontsize=11)
    ax_share.legend(fontsize=9)
    ax_cum.axhline(fraction, color="0.6", ls=":", lw=1)
    ax_cum.set_ylim(0, 1.02)
    ax_cum.set_xlabel("number of axes k")
    ax_cum.set_ylabel("cumulative share")
    ax_cum.set_title(f"how many axes hold {fraction:.0%} of the variance", fontsize=11)
    ax_cum.legend(handles=ax_cum.lines[1::2], fontsize=9, loc="lower right")
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.9, wspace=0.25)
    return fig


# ------------------------------------------------------ explanatory figures
def plot_law_of_cosines(alpha: float = 3.0, beta: float = 5.0, theta_deg: float = 60.0) -> Figure:
    """The triangle of the law of cosines: sides α and β at angle θ, and the third side.

    The corner at the origin, p = α·e₁ and r = β(cos θ·e₁ + sin θ·e₂), the
    third side p − r (dashed), the foot of r on the first axis (the projection
    β cos θ, dotted) and the angle's arc; the title gives
    ‖p − r‖² = α² + β² − 2αβ cos θ with its value (``sim-law-of-cosines``). The
    sides are ``ax.lines`` labelled "p", "r", "p - r", "projection" and "foot" (the
    segment of length β cos θ), for tests.

    Parameters
    ----------
    alpha, beta : float, default 3 and 5
        The lengths of the two sides at the origin, positive.
    theta_deg : float, default 60
        The angle between them, in degrees, in (0, 180).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        If an argument is not a real number.
    ValueError
        If a length is not positive or the angle not in (0, 180).

    Examples
    --------
    >>> fig = plot_law_of_cosines()
    >>> sorted(line.get_label() for line in fig.axes[0].lines)
    ['angle', 'foot', 'p', 'p - r', 'projection', 'r']
    """
    func = "plot_law_of_cosines"
    alpha = check_positive_float(alpha, "alpha", func)
    beta = check_positive_float(beta, "beta", func)
    theta_deg = check_interval(theta_deg, "theta_deg", func, 0.0, 180.0, closed="neither")
    theta = np.deg2rad(theta_deg)
    p = np.array([alpha, 0.0])
    r = beta * np.array([np.cos(theta), np.sin(theta)])
    third2 = alpha**2 + beta**2 - 2 * alpha * beta * np.cos(theta)
    fig, ax = new_figure(figsize=(6.4, 4.2))
    ax.plot([0, p[0]], [0, p[1]], color=COLORS["a"], lw=2.5, label="p")
    ax.plot([0, r[0]], [0, r[1]], color=COLORS["b"], lw=2.5, label="r")
    ax.plot([p[0], r[0]], [p[1], r[1]], color=COLORS["diff"], lw=2, ls="--", label="p - r")
    ax.plot([r[0], r[0]], [0, r[1]], color="0.5", lw=1, ls=":", label="projection")
    arc = np.linspace(0, theta, 60)
    radius = 0.22 * min(alpha, beta)
    ax.plot(radius * np.cos(arc), radius * np.sin(arc), color="0.3", lw=1.2, label="angle")
    mid = theta / 2
    ax.text(1.45 * radius * np.cos(mid), 1.45 * radius * np.sin(mid), "θ", fontsize=13,
            ha="center", va="center")
    ax.text(p[0] / 2, -0.07 * max(alpha, beta), f"α = ‖p‖ = {alpha:g}", color=COLORS["a"],
            ha="center", va="top", fontsize=11)
    ax.text(r[0] / 2 - 0.05 * beta, r[1] / 2, f"β = ‖r‖ = {beta:g}", color=COLORS["b"],
            ha="right", va="bottom", fontsize=11)
    mid_side = (p + r) / 2
    ax.text(mid_side[0] + 0.05 * max(alpha, beta), mid_side[1], f"‖p − r‖ = {np.sqrt(third2):.3f}",
            color=COLORS["diff"], ha="left", va="bottom", fontsize=11)
    ax.plot([0, r[0]], [-0.2 * max(alpha, beta)] * 2, color="0.5", lw=1, marker="|", label="foot")
    ax.text(r[0] / 2, -0.21 * max(alpha, beta), "β cos θ", color="0.4", ha="center", va="top", fontsize=9)
    ax.set_title(f"‖p − r‖² = α² + β² − 2αβ cos θ = {alpha**2:g} + {beta**2:g} − "
                 f"{2 * alpha * beta * np.cos(theta):.3g} = {third2:.3g}", fontsize=11)
    span = max(alpha, beta)
    ax.set_xlim(min(0.0, r[0]) - 0.25 * span, max(alpha, r[0]) + 0.6 * span)
    ax.set_ylim(-0.32 * span, r[1] + 0.2 * span)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.9)
    return fig


def plot_near_duplicates(n: int = 20, dim: int = 384, seed: int = 0) -> Figure:
    """What float32 scores see of near-duplicates, and why arccos cannot recover the angle.

    From :func:`ragmath.similarity.near_duplicate_experiment` (float32, distances
    1e-4 to 5e-4). Left: 1 − cos θ from the float32 cosine (dots on a few
    steps: the multiples of the spacing of float32 below 1) and ‖q − x‖²/2 from the
    float32 distance by subtraction (on the line of the exact value), against the
    exact distance (``sim-one-minus-cos``). Middle: the angle from arccos of the
    float32 cosine and from :func:`~ragmath.similarity.angle_between`, against the
    exact angle. Right: the condition number of arccos at cos θ (``sim-arccos-condition``),
    with its asymptote 1/θ², log-log. Labelled ``ax.lines`` for tests.

    Parameters
    ----------
    n : int, default 20
    dim : int, default 384
    seed : int, default 0
        As :func:`~ragmath.similarity.near_duplicate_experiment`.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError, ValueError
        As :func:`~ragmath.similarity.near_duplicate_experiment`.

    Examples
    --------
    >>> fig = plot_near_duplicates()
    >>> len(fig.axes), fig.axes[0].lines[0].get_label()
    (3, 'float32 cosine: 1 − cos')
    """
    e = near_duplicate_experiment(n=n, dim=dim, seed=seed, dtype="float32")
    true = e["true"]
    order = np.argsort(true)
    exact_angle = 2 * np.arcsin(true / 2)
    fig, (ax_cos, ax_angle, ax_cond) = new_figure(1, 3, figsize=(12, 3.9))
    one_minus = 1 - e["cosine"].astype(np.float64)
    ax_cos.plot(true[order], one_minus[order], "o", color=COLORS["cosine"], ms=5,
                label="float32 cosine: 1 − cos")
    half_sq = e["subtraction"].astype(np.float64) ** 2 / 2
    ax_cos.plot(true[order], half_sq[order], "s", color=COLORS["distance"], ms=4, mfc="none",
                label="float32 subtraction: ‖q − x‖²/2")
    ax_cos.plot(true[order], true[order] ** 2 / 2, "-", color="0.5", lw=1, label="exact ‖q − x‖²/2")
    spacing = float(np.finfo(np.float32).eps) / 2  # the spacing of float32 just below 1
    for m in range(0, int(one_minus.max() / spacing) + 2):
        ax_cos.axhline(m * spacing, color="0.88", lw=0.8, zorder=0)
    ax_cos.set_xlabel("exact distance ‖q − x‖")
    ax_cos.set_ylabel("1 − cos θ")
    distinct = len(np.unique(e["cosine"]))
    ax_cos.set_title(f"{n} points, {distinct} distinct float32 cosine value{'s' * (distinct > 1)}",
                     fontsize=10)
    ax_cos.legend(fontsize=8, loc="upper left")
    ax_angle.plot(exact_angle[order], e["arccos"].astype(np.float64)[order], "o", color=COLORS["cosine"],
                  ms=5, label="arccos(cos θ), float32")
    ax_angle.plot(exact_angle[order], e["angle"].astype(np.float64)[order], "s", color=COLORS["similarity"],
                  ms=4, mfc="none", label="2·atan2(‖â − b̂‖, ‖â + b̂‖), float32")
    ax_angle.plot(exact_angle[order], exact_angle[order], "-", color="0.5", lw=1, label="exact angle")
    ax_angle.set_xlabel("exact angle θ (radians)")
    ax_angle.set_ylabel("computed angle (radians)")
    ax_angle.set_title("the angle from the cosine, and from the chord", fontsize=10)
    ax_angle.legend(fontsize=8, loc="upper left")
    thetas = np.logspace(-6, 0, 200)
    c = np.cos(thetas)
    kappa = np.abs(c) / (np.sin(thetas) * thetas)
    ax_cond.loglog(thetas, kappa, color=COLORS["diff"], lw=2, label="κ = |x| / (√(1 − x²) arccos x)")
    ax_cond.loglog(thetas, 1 / thetas**2, ":", color="0.3", lw=1.2, label="1/θ²")
    for axis in (ax_cond.xaxis, ax_cond.yaxis):
        axis.set_minor_locator(NullLocator())
    ax_cond.set_xlabel("θ (radians), x = cos θ")
    ax_cond.set_ylabel("condition number of arccos")
    ax_cond.set_title("arccos is ill-conditioned near x = 1", fontsize=10)
    ax_cond.legend(fontsize=8, loc="upper right")
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.15, top=0.9, wspace=0.3)
    return fig


def plot_k_occurrence(embeddings, k: int = 10, metric: str = "cosine") -> Figure:
    """Histograms of the k-occurrence N_k of several sets of points: hubness as a long right tail.

    One step histogram per entry of ``embeddings`` of
    :func:`ragmath.similarity.k_occurrence` (``sim-k-occurrence``), with its
    skewness (``sim-hubness-skewness``) in the legend and a dotted line at the
    mean k that every set shares. A symmetric histogram around k means no hubs;
    a long right tail means a few points are the neighbours of many, and a bar
    at 0 that many are nobody's. The histograms are ``ax.patches``, labelled.

    Parameters
    ----------
    embeddings : dict
        {label: (n, d) array}, at most five entries.
    k : int, default 10
    metric : {"cosine", "euclidean"} or dict, default "cosine"
        One metric for all sets, or {label: metric}, one per set.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        If ``embeddings`` is not a non-empty dict, or ``k`` not an integer.
    ValueError
        If there are more than five sets, a dict ``metric`` lacks a set's label, or a
        set, ``k`` or a metric is not a valid argument of
        :func:`~ragmath.similarity.k_occurrence`.

    Examples
    --------
    >>> from ragmath.similarity import random_unit_vectors
    >>> fig = plot_k_occurrence({"isotropic": random_unit_vectors(60, 8)}, k=5)
    >>> len(fig.axes), fig.axes[0].patches[0].get_label().startswith("isotropic")
    (1, True)
    """
    func = "plot_k_occurrence"
    sets = _named_sets(embeddings, func)
    k = check_positive_int(k, "k", func)
    metrics = metric if isinstance(metric, Mapping) else {label: metric for label, _ in sets}
    missing = [label for label, _ in sets if label not in metrics]
    if missing:
        raise ValueError(f"{func}: metric has no entry for the set {missing[0]!r}")
    counts = [(label, k_occurrence(X, k, metrics[label])) for label, X in sets]
    top = max(int(c.max()) for _, c in counts)
    edges = np.arange(-0.5, top + 1.5, 1.0)
    fig, ax = new_figure(figsize=(7.5, 3.8))
    for (label, c), color in zip(counts, _SERIES_COLORS):
        centred = c - c.mean()
        skew = float(np.mean(centred**3) / np.mean(centred**2) ** 1.5)
        ax.hist(c, bins=edges, histtype="step", lw=1.8, color=color,
                label=f"{label}: skewness {skew:.2f}, max {int(c.max())}, {int((c == 0).sum())} at 0")
    ax.axvline(k, color="0.5", ls=":", lw=1.2)
    ax.set_xlabel(f"N_{k}: how many points have it among their {k} nearest neighbours")
    ax.set_ylabel("number of points")
    ax.set_title(f"k-occurrence, k = {k} (the mean is {k} for every set)", fontsize=11)
    ax.legend(fontsize=9, loc="upper right")
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.14, top=0.9)
    return fig


def plot_jl_distortion(X, ks=(32, 128, 276), eps: float = 0.5, seed: int = 0) -> Figure:
    """How a random projection to k dimensions distorts the squared distances of a set of points.

    For each k, a histogram (a density) of :func:`ragmath.similarity.pairwise_distortions`
    between ``X`` and :func:`~ragmath.similarity.random_projection` (``X``, k, ``seed``),
    the ratios ‖f(u) − f(v)‖²/‖u − v‖² of all pairs, with the band
    [1 − ε, 1 + ε] of the Johnson–Lindenstrauss lemma (``sim-jl``) shaded and the
    lemma's k for ε (``sim-jl-dimension``) in the title. The histograms are
    ``ax.patches``, labelled with k, the extreme ratios and the sd.

    Parameters
    ----------
    X : array-like, (n, d)
        n ≥ 2 distinct points.
    ks : sequence of int, default (32, 128, 276)
        Target dimensions, each at least 1, at most five.
    eps : float, default 0.5
        The distortion whose band is shaded, in (0, 1).
    seed : int, default 0

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        If a k is not an integer, or ``X`` not an array-like of real numbers.
    ValueError
        If ``ks`` is empty or has more than five entries, a k is < 1, ``eps`` is
        not in (0, 1), or ``X`` is not a valid argument of
        :func:`~ragmath.similarity.pairwise_distortions`.

    Examples
    --------
    >>> from ragmath.similarity import random_unit_vectors
    >>> fig = plot_jl_distortion(random_unit_vectors(40, 50), ks=(8, 32))
    >>> len(fig.axes), len(fig.axes[0].patches) >= 2
    (1, True)
    """
    func = "plot_jl_distortion"
    ks = list(ks)
    if not 1 <= len(ks) <= len(_SERIES_COLORS):
        raise ValueError(f"{func}: ks must hold 1 to {len(_SERIES_COLORS)} dimensions, got {len(ks)}")
    ks = [check_positive_int(k, "ks", func) for k in ks]
    eps = check_interval(eps, "eps", func, 0.0, 1.0, closed="neither")
    X = np.asarray(X)
    ratios = [(k, pairwise_distortions(X, random_projection(X, k, seed=seed))) for k in ks]
    high = max(float(r.max()) for _, r in ratios)
    edges = np.linspace(0, max(high, 1 + eps) * 1.02, 90)
    fig, ax = new_figure(figsize=(7.5, 3.8))
    ax.axvspan(1 - eps, 1 + eps, color="0.93", zorder=0)
    for (k, r), color in zip(ratios, _SERIES_COLORS):
        ax.hist(r, bins=edges, density=True, histtype="step", lw=1.8, color=color,
                label=f"k = {k}: {r.min():.2f} to {r.max():.2f}, "
                      f"sd {r.std():.3f} (√(2/k) = {np.sqrt(2 / k):.3f})")
    ax.axvline(1, color="0.4", lw=0.8)
    n = X.shape[0]
    ax.set_xlabel("‖f(u) − f(v)‖² / ‖u − v‖²  (all pairs)")
    ax.set_ylabel("density")
    ax.set_title(f"random projection of {n} points; shaded: 1 ± ε, ε = {eps:g} "
                 f"(the lemma asks for k ≥ {jl_dimension(n, eps)})", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.14, top=0.9)
    return fig
