"""Widgets of chapter 1: thin slider wrappers around :mod:`ragmath.viz.similarity`."""

from __future__ import annotations

import ipywidgets as widgets

from ..viz.similarity import plot_distance_concentration, plot_vector_pair
from ._base import SliderFigure

__all__ = ["vector_pair_explorer", "concentration_explorer"]

_STYLE = {"description_width": "initial"}


def vector_pair_explorer(
    angle_deg: float = 60.0, length_a: float = 1.0, length_b: float = 1.0
) -> SliderFigure:
    """Angle and length sliders driving :func:`ragmath.viz.similarity.plot_vector_pair`."""
    return SliderFigure(
        plot_vector_pair,
        {
            "angle_deg": widgets.FloatSlider(
                value=angle_deg, min=0, max=180, step=5, description="angle θ (degrees)", style=_STYLE
            ),
            "length_a": widgets.FloatSlider(
                value=length_a, min=0.25, max=3, step=0.25, description="‖a‖", style=_STYLE
            ),
            "length_b": widgets.FloatSlider(
                value=length_b, min=0.25, max=3, step=0.25, description="‖b‖", style=_STYLE
            ),
        },
    )


def concentration_explorer(dim: int = 2, n_points: int = 1000, seed: int = 0) -> SliderFigure:
    """A dimension slider driving :func:`ragmath.viz.similarity.plot_distance_concentration`."""
    return SliderFigure(
        plot_distance_concentration,
        {
            "dim": widgets.SelectionSlider(
                options=[1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000],
                value=dim, description="dimension d", style=_STYLE,
            ),
        },
        n_points=n_points,
        seed=seed,
    )
