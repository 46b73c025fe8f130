"""Widgets of chapter 3: thin slider wrappers around :mod:`ragmath.viz.information`."""

from __future__ import annotations

import ipywidgets as widgets

from ..viz.information import LOGITS, TARGET, TOKENS, plot_prediction_sliders, plot_sentence_surprisal
from ._base import SliderFigure

__all__ = ["prediction_explorer", "sentence_perplexity_explorer"]

_STYLE = {"description_width": "initial"}
_ALPHAS = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]


def prediction_explorer(
    logits=LOGITS, temperature: float = 1.0, target=TARGET, tokens=TOKENS
) -> SliderFigure:
    """A temperature slider and a slider per logit driving :func:`ragmath.viz.information.plot_prediction`."""
    controls = {
        "temperature": widgets.FloatLogSlider(
            value=temperature, base=10, min=-1.3, max=1.5, step=0.05,
            description="temperature T", style=_STYLE,
        )
    }
    for i, (name, z) in enumerate(zip(tokens, logits), start=1):
        controls[f"z{i}"] = widgets.FloatSlider(
            value=z, min=-5, max=5, step=0.25, description=f"logit “{name}”", style=_STYLE
        )
    return SliderFigure(plot_prediction_sliders, controls, target=target, tokens=tokens)


def sentence_perplexity_explorer(training, sentence: str, alpha: float = 1.0) -> SliderFigure:
    """A smoothing slider α driving :func:`ragmath.viz.information.plot_sentence_surprisal`."""
    return SliderFigure(
        plot_sentence_surprisal,
        {
            "alpha": widgets.SelectionSlider(
                options=_ALPHAS, value=alpha, description="smoothing α", style=_STYLE
            ),
        },
        training=list(training),
        sentence=sentence,
    )
