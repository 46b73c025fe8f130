"""Widgets of chapter 2: thin slider wrappers around :mod:`ragmath.viz.attention`."""

from __future__ import annotations

import ipywidgets as widgets

from ..attention import DK_CHOICES
from ..viz.attention import plot_attention_heatmap, plot_score_scaling
from ._base import SliderFigure

__all__ = ["score_scaling_explorer", "attention_heatmap_explorer"]

_STYLE = {"description_width": "initial"}


def score_scaling_explorer(
    d_k: int = 64, scaled: bool = False, n_keys: int = 16, n_draws: int = 200, seed: int = 0
) -> SliderFigure:
    """A d_k slider and a "scaled" checkbox driving :func:`ragmath.viz.attention.plot_score_scaling`."""
    return SliderFigure(
        plot_score_scaling,
        {
            "d_k": widgets.SelectionSlider(
                options=list(DK_CHOICES), value=d_k, description="dimension d_k", style=_STYLE
            ),
            "scaled": widgets.Checkbox(value=scaled, description="scaled by 1/√d_k", style=_STYLE),
        },
        n_keys=n_keys,
        n_draws=n_draws,
        seed=seed,
    )


def attention_heatmap_explorer(head: int = 0, temperature: float = 1.0, seed: int = 0) -> SliderFigure:
    """Head and temperature sliders driving :func:`ragmath.viz.attention.plot_attention_heatmap`."""
    return SliderFigure(
        plot_attention_heatmap,
        {
            "head": widgets.IntSlider(value=head, min=0, max=1, description="head", style=_STYLE),
            "temperature": widgets.FloatLogSlider(
                value=temperature, base=10, min=-1, max=1, step=0.05,
                description="temperature T", readout_format=".2f", style=_STYLE,
            ),
        },
        seed=seed,
    )
