"""The pure plotting functions of chapter 1 and their slider wrappers.

The figures are checked through their data (bar lengths, line end points,
titles), against values computed here independently with the math module.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from ragmath.similarity import distance_concentration
from ragmath.viz import (
    plot_distance_concentration,
    plot_distance_concentration_grid,
    plot_vector_pair,
    plot_vector_pair_grid,
)
from ragmath.widgets import SliderFigure, concentration_explorer, vector_pair_explorer


def law_of_cosines(theta_deg, la, lb):
    t = math.radians(theta_deg)
    return math.sqrt(la * la + lb * lb - 2 * la * lb * math.cos(t))


def bar_values(fig: Figure) -> dict:
    """Read the bar chart of plot_vector_pair: label -> bar length."""
    ax = fig.axes[1]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    widths = [p.get_width() for p in ax.patches]
    return dict(zip(labels, widths))


def test_plot_vector_pair_draws_the_scores():
    fig = plot_vector_pair(120, 1.5, 0.5)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    bars = bar_values(fig)
    d = law_of_cosines(120, 1.5, 0.5)
    assert bars["cosine"] == pytest.approx(-0.5)
    assert bars["distance"] == pytest.approx(d)
    assert bars["1 / (1 + dist)"] == pytest.approx(1 / (1 + d))
    lines = {line.get_label(): line.get_xydata() for line in fig.axes[0].lines}
    np.testing.assert_allclose(lines["a"][-1], [1.5, 0.0], atol=1e-12)
    np.testing.assert_allclose(lines["b"][-1], [0.5 * math.cos(math.radians(120)), 0.5 * math.sin(math.radians(120))])


def test_plot_vector_pair_grid_is_small_multiples():
    angles, lengths = (0, 90, 180), ((1, 1), (1, 2))
    fig = plot_vector_pair_grid(angles, lengths)
    assert len(fig.axes) == len(angles) * len(lengths)
    titles = [ax.get_title() for ax in fig.axes]
    assert "cos = 1.00" in titles[0] and "cos = -1.00" in titles[2]
    assert f"‖a − b‖ = {law_of_cosines(180, 1, 2):.2f}" in titles[5]


def test_plot_distance_concentration_marks_nearest_and_farthest():
    fig = plot_distance_concentration(50, n_points=300, seed=1)
    result = distance_concentration(50, n_points=300, seed=1)
    hist = fig.axes[0]
    marks = sorted(line.get_xdata()[0] for line in hist.lines)
    mean = result["distances"].mean()
    assert marks == pytest.approx([result["min"] / mean, result["max"] / mean])
    assert sum(p.get_height() for p in hist.patches) == 300
    assert f"contrast {result['contrast']:.2f}" in hist.get_title()


def test_plot_distance_concentration_grid():
    fig = plot_distance_concentration_grid((2, 100), n_points=100)
    assert [ax.get_title().split(":")[0] for ax in fig.axes] == ["d = 2", "d = 100"]


# ---------------------------------------------------------------- the widgets
def test_vector_pair_explorer_redraws_on_slider_moves():
    w = vector_pair_explorer()
    assert isinstance(w, SliderFigure)
    assert set(w.controls) == {"angle_deg", "length_a", "length_b"}
    first = w.figure
    w.controls["angle_deg"].value = 90
    assert w.figure is not first
    assert w.params["angle_deg"] == 90
    assert bar_values(w.figure)["cosine"] == pytest.approx(0, abs=1e-12)
    w.controls["length_b"].value = 2.0
    assert bar_values(w.figure)["distance"] == pytest.approx(math.sqrt(5))
    assert bar_values(w.figure)["cosine"] == pytest.approx(0, abs=1e-12)


def test_concentration_explorer_redraws_on_slider_moves():
    w = concentration_explorer(n_points=200)
    w.controls["dim"].value = 100
    expected = distance_concentration(100, n_points=200, seed=0)
    assert w.params == {"dim": 100}
    assert f"d = 100: contrast {expected['contrast']:.2f}" == w.figure.axes[0].get_title()


def test_slider_figure_passes_fixed_arguments():
    import ipywidgets as widgets

    calls = []

    def plot(x, scale):
        calls.append((x, scale))
        fig = Figure()
        fig.subplots().plot([0, 1], [0, x * scale])
        return fig

    w = SliderFigure(plot, {"x": widgets.IntSlider(value=1, min=0, max=5)}, scale=10)
    w.controls["x"].value = 3
    assert calls == [(1, 10), (3, 10)]
    assert w.figure.axes[0].lines[0].get_ydata()[-1] == 30
