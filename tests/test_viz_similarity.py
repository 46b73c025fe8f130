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


# ------------------------------------------------ issue 15: explanatory figures
from ragmath.similarity import (  # noqa: E402
    k_occurrence,
    near_duplicate_experiment,
    random_unit_vectors,
)
from ragmath.viz.similarity import (  # noqa: E402
    plot_jl_distortion,
    plot_k_occurrence,
    plot_law_of_cosines,
    plot_near_duplicates,
)


def test_plot_law_of_cosines_draws_the_triangle():
    fig = plot_law_of_cosines(3.0, 5.0, 60.0)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    lines = {line.get_label(): line.get_xydata() for line in fig.axes[0].lines}
    np.testing.assert_allclose(lines["p"][-1], [3.0, 0.0])
    np.testing.assert_allclose(lines["r"][-1], [2.5, 5 * math.sqrt(3) / 2])
    side = lines["p - r"]
    assert np.linalg.norm(side[0] - side[1]) == pytest.approx(math.sqrt(19))
    assert "= 19" in fig.axes[0].get_title()
    foot = lines["foot"]
    assert foot[1, 0] - foot[0, 0] == pytest.approx(5 * math.cos(math.radians(60)))


@pytest.mark.parametrize("kwargs, name", [
    ({"alpha": 0.0}, "alpha"), ({"beta": -1.0}, "beta"), ({"theta_deg": 180.0}, "theta_deg"),
])
def test_plot_law_of_cosines_rejects_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=f"plot_law_of_cosines: {name}"):
        plot_law_of_cosines(**kwargs)


def test_plot_near_duplicates_shows_the_float32_steps():
    fig = plot_near_duplicates(seed=1)
    e = near_duplicate_experiment(seed=1)
    assert len(fig.axes) == 3
    lines = {line.get_label(): line.get_xydata() for line in fig.axes[0].lines}
    one_minus = lines["float32 cosine: 1 − cos"][:, 1]
    assert len(np.unique(one_minus)) == len(np.unique(e["cosine"]))
    half_sq = lines["float32 subtraction: ‖q − x‖²/2"]
    np.testing.assert_allclose(half_sq[:, 1], half_sq[:, 0] ** 2 / 2, rtol=1e-3)
    assert f"{len(np.unique(e['cosine']))} distinct" in fig.axes[0].get_title()
    kappa = fig.axes[2].lines[0].get_xydata()
    theta, value = kappa[0]
    assert value == pytest.approx(1 / theta**2, rel=1e-3)


def test_plot_near_duplicates_rejects_bad_input():
    with pytest.raises(ValueError, match="near_duplicate_experiment: n must be at least 2"):
        plot_near_duplicates(n=1)


def test_plot_k_occurrence_histograms_the_counts():
    X = random_unit_vectors(60, 8, seed=2)
    G = np.random.default_rng(3).standard_normal((60, 8))
    fig = plot_k_occurrence({"sphere": X, "gauss": G}, k=5, metric={"sphere": "cosine", "gauss": "euclidean"})
    ax = fig.axes[0]
    assert len(ax.patches) == 2
    counts = k_occurrence(G, 5, "euclidean")
    label = ax.patches[1].get_label()
    assert label.startswith("gauss") and f"max {counts.max()}" in label
    assert ax.lines[0].get_xdata()[0] == 5


@pytest.mark.parametrize("kwargs, match", [
    ({"k": 0}, "k must be at least 1"), ({"metric": {"other": "cosine"}}, "metric has no entry"),
])
def test_plot_k_occurrence_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_k_occurrence({"a": random_unit_vectors(20, 4)}, **kwargs)


def test_plot_jl_distortion_draws_one_histogram_per_k():
    X = random_unit_vectors(30, 40, seed=4)
    fig = plot_jl_distortion(X, ks=(4, 16, 64), eps=0.3)
    ax = fig.axes[0]
    assert [p.get_label().split(":")[0] for p in ax.patches[1:]] == ["k = 4", "k = 16", "k = 64"]
    assert "k ≥" in ax.get_title() and "ε = 0.3" in ax.get_title()


@pytest.mark.parametrize("kwargs, match", [
    ({"ks": ()}, "ks must hold 1 to 5"), ({"ks": (0,)}, "ks must be at least 1"),
    ({"eps": 1.0}, "eps must lie in"),
])
def test_plot_jl_distortion_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=f"plot_jl_distortion: {match}"):
        plot_jl_distortion(random_unit_vectors(10, 5), **kwargs)
