"""Widgets of chapter 9: thin slider wrappers around :mod:`ragmath.viz.adaptation`."""

from __future__ import annotations

import ipywidgets as widgets

from ..adaptation import refresh_tradeoff
from ..viz.adaptation import plot_kl_directions, plot_lsr, plot_refresh
from ._base import SliderFigure

__all__ = ["lsr_explorer", "kl_direction_explorer", "refresh_explorer"]

_STYLE = {"description_width": "initial"}


def lsr_explorer(tau: float = 1.0) -> SliderFigure:
    """A log-scaled τ slider driving :func:`ragmath.viz.adaptation.plot_lsr`."""
    return SliderFigure(
        plot_lsr,
        {"tau": widgets.FloatLogSlider(value=tau, base=10, min=-23, max=2, step=0.25,
                                       description="temperature τ", style=_STYLE, readout_format=".2g")},
    )


def kl_direction_explorer(mean: float = 0.0, std: float = 1.0) -> SliderFigure:
    """Mean and width sliders driving :func:`ragmath.viz.adaptation.plot_kl_directions`."""
    return SliderFigure(
        plot_kl_directions,
        {
            "mean": widgets.FloatSlider(value=mean, min=-4, max=4, step=0.1, description="mean of p",
                                        style=_STYLE),
            "std": widgets.FloatSlider(value=std, min=0.3, max=3, step=0.1, description="std of p",
                                       style=_STYLE),
        },
    )


def refresh_explorer(refresh_every: int = 20, results: dict | None = None) -> SliderFigure:
    """A refresh-interval slider over a precomputed :func:`ragmath.adaptation.refresh_tradeoff`.

    It drives :func:`ragmath.viz.adaptation.plot_refresh`.
    """
    results = refresh_tradeoff() if results is None else results
    return SliderFigure(
        plot_refresh,
        {"refresh_every": widgets.SelectionSlider(options=sorted(results), value=refresh_every,
                                                  description="refresh every T steps", style=_STYLE)},
        results=results,
    )
