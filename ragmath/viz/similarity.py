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

from .._validation import check_positive_int
from ..similarity import (
    distance_concentration,
    explained_variance_ratio,
    n_components,
    pairwise_cosines,
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
