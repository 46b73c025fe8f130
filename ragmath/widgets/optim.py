"""Widgets of chapter 6: thin slider wrappers around :mod:`ragmath.viz.optim`."""

from __future__ import annotations

import ipywidgets as widgets

from ..optim import PROBLEMS
from ..viz.optim import plot_bias_correction, plot_trajectories
from ._base import SliderFigure

__all__ = ["trajectory_explorer", "bias_correction_explorer"]

_STYLE = {"description_width": "initial"}


def trajectory_explorer(
    problem: str = "quadratic",
    lr_times_L: float = 1.0,
    beta: float = 0.7,
    adam_lr: float = 0.05,
    beta1: float = 0.9,
    steps: int = 300,
) -> SliderFigure:
    """A problem selector, learning-rate and β sliders driving :func:`ragmath.viz.optim.plot_trajectories`."""
    return SliderFigure(
        plot_trajectories,
        {
            "problem": widgets.Dropdown(
                options=list(PROBLEMS), value=problem, description="problem", style=_STYLE
            ),
            "lr_times_L": widgets.FloatSlider(
                value=lr_times_L, min=0.05, max=3.0, step=0.05,
                description="GD and momentum: η × L", style=_STYLE,
            ),
            "beta": widgets.FloatSlider(
                value=beta, min=0.0, max=0.99, step=0.01, description="momentum β", style=_STYLE
            ),
            "adam_lr": widgets.FloatLogSlider(
                value=adam_lr, base=10, min=-3, max=0, step=0.1, description="Adam α", style=_STYLE
            ),
            "beta1": widgets.FloatSlider(
                value=beta1, min=0.0, max=0.99, step=0.01, description="Adam β1", style=_STYLE
            ),
        },
        steps=steps,
    )


def bias_correction_explorer(
    beta1: float = 0.9, beta2: float = 0.999, noise: float = 0.0, steps: int = 2000, seed: int = 0
) -> SliderFigure:
    """β1, β2 and gradient-noise sliders driving :func:`ragmath.viz.optim.plot_bias_correction`."""
    return SliderFigure(
        plot_bias_correction,
        {
            "beta1": widgets.SelectionSlider(
                options=[0.0, 0.5, 0.8, 0.9, 0.95, 0.99], value=beta1, description="β1", style=_STYLE
            ),
            "beta2": widgets.SelectionSlider(
                options=[0.9, 0.99, 0.999, 0.9999], value=beta2, description="β2", style=_STYLE
            ),
            "noise": widgets.FloatSlider(
                value=noise, min=0.0, max=3.0, step=0.25, description="gradient noise σ", style=_STYLE
            ),
        },
        steps=steps,
        seed=seed,
    )
