"""The plot functions of chapter 9 checked through their data, and the widgets driven by their sliders."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from ragmath.adaptation import GRID, bimodal_target, gaussian_on_grid, kl_curves, refresh_tradeoff
from ragmath.viz.adaptation import (
    DEFAULT_LOG_LIKELIHOODS,
    plot_candidate_drift,
    plot_index_age,
    plot_jensen_gap,
    plot_kl_directions,
    plot_kl_directions_grid,
    plot_kl_fits,
    plot_kl_gradients,
    plot_lsr,
    plot_lsr_grid,
    plot_refresh,
    plot_refresh_grid,
)
from ragmath.widgets import SliderFigure
from ragmath.widgets.adaptation import kl_direction_explorer, lsr_explorer, refresh_explorer


def heights(ax):
    return np.array([p.get_height() for p in ax.patches])


def power_posterior(log_lik, tau):
    w = [math.exp((v - max(log_lik)) / tau) for v in log_lik]
    return np.array(w) / math.fsum(w)


@pytest.mark.parametrize("tau", [1e-21, 0.5, 1.0, 5.0])
def test_plot_lsr_bars(tau):
    fig = plot_lsr(tau)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    lik = np.exp(DEFAULT_LOG_LIKELIHOODS)
    w = np.exp((lik - lik.max()) / tau)
    assert np.allclose(heights(fig.axes[0]), w / w.sum(), atol=1e-12)
    assert np.allclose(heights(fig.axes[1]), power_posterior(DEFAULT_LOG_LIKELIHOODS, tau), atol=1e-12)


def test_plot_lsr_uniform_for_ordinary_tau():
    fig = plot_lsr(0.1)
    assert np.allclose(heights(fig.axes[0]), 0.2, atol=1e-12)
    assert heights(fig.axes[1])[0] > 0.99


def test_plot_lsr_grid_shape_and_errors():
    fig = plot_lsr_grid(taus=(1e-20, 1.0))
    assert len(fig.axes) == 4
    with pytest.raises(ValueError, match="tau"):
        plot_lsr(0.0)
    with pytest.raises(ValueError, match="plot_lsr_grid: taus is empty"):
        plot_lsr_grid(taus=())


def test_plot_kl_directions_title_and_lines():
    fig = plot_kl_directions(2.0, 0.7)
    title = fig.axes[1].get_title()
    assert "KL(p‖q) = " in title and "KL(q‖p) = " in title
    p = bimodal_target()
    q_line = fig.axes[0].lines[1].get_ydata()
    assert np.allclose(q_line.sum(), 1.0) and np.allclose(fig.axes[0].lines[0].get_ydata(), p)
    rev, fwd = kl_curves(0.7)
    assert np.array_equal(fig.axes[1].lines[0].get_ydata(), rev) and np.array_equal(fig.axes[1].lines[1].get_ydata(), fwd)
    assert len(plot_kl_directions_grid().axes) == 6


@pytest.fixture(scope="module")
def results():
    return refresh_tradeoff((1, 10, 100), steps=100)


def test_plot_refresh_data(results):
    fig = plot_refresh(10, results)
    x, y = fig.axes[1].lines[0].get_data()
    assert np.allclose(x, np.log10([1, 10, 100]))
    assert [t.get_text() for t in fig.axes[1].get_xticklabels()] == ["1", "10", "100"]
    assert np.allclose(y * 1000, [99 * 400, 9 * 400, 0])
    assert fig.axes[1].get_title() == "3,600 re-encodings"
    with pytest.raises(ValueError, match="refresh_every must be one of"):
        plot_refresh(7, results)
    assert len(plot_refresh_grid(results, show=(1, 100)).axes) == 2
    with pytest.raises(ValueError, match="plot_refresh_grid: show must be"):
        plot_refresh_grid(results, show=(1, 20))


def test_widgets_move(results):
    w = lsr_explorer()
    assert isinstance(w, SliderFigure)
    w.controls["tau"].value = 1e-21
    assert w.params["tau"] == pytest.approx(1e-21)
    assert heights(w.figure.axes[0]).max() > 0.3
    k = kl_direction_explorer()
    k.controls["mean"].value = 2.0
    assert "N(2.00" in k.figure.axes[0].get_title()
    r = refresh_explorer(10, results)
    r.controls["refresh_every"].value = 100
    assert "T = 100" in r.figure.axes[0].get_title()


# ------------------------------------------------------------------ the explanatory figures
def test_plot_kl_fits_lines_and_errors():
    fig = plot_kl_fits((2.0, 0.7, 0.69), (0.0, 2.12))
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    lines = fig.axes[0].lines
    assert len(lines) == 3
    assert np.allclose(lines[0].get_ydata(), bimodal_target())
    assert GRID[np.argmax(lines[1].get_ydata())] == pytest.approx(2.0)  # the reverse fit sits on a peak
    assert np.allclose(lines[2].get_ydata(), gaussian_on_grid(GRID, 0.0, 2.12))
    with pytest.raises(ValueError, match="forward"):
        plot_kl_fits((2.0, 0.7), (0.0, -1.0))
    with pytest.raises(ValueError, match="reverse must be"):
        plot_kl_fits((2.0,), (0.0, 1.0))


def test_plot_kl_gradients_values():
    s2 = np.array([-10.0, 0.0])
    fig = plot_kl_gradients((0.1, 0.9), scores=s2)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    rev, fwd = fig.axes[1].lines[:2]  # then the dotted optimum
    p2 = 1 / (1 + math.exp(10))
    p1 = 1 - p2
    kl = p1 * math.log(p1 / 0.1) + p2 * math.log(p2 / 0.9)
    assert rev.get_ydata()[0] == pytest.approx(-p2 * (math.log(p2 / 0.9) - kl), rel=1e-9)  # 5.5e-4
    assert fwd.get_ydata()[0] == pytest.approx(0.9 - p2, rel=1e-12)
    assert fig.axes[0].lines[0].get_ydata()[1] == pytest.approx(
        0.5 * math.log(0.5 / 0.1) + 0.5 * math.log(0.5 / 0.9), rel=1e-12)
    with pytest.raises(ValueError, match="target"):
        plot_kl_gradients((1.0, 0.0))
    with pytest.raises(ValueError, match="scores must be increasing"):
        plot_kl_gradients(scores=[0.0, -1.0])


def test_plot_index_age_sync_and_async():
    fig = plot_index_age(10, 10, steps=40)
    sync, lagged = (line.get_ydata() for line in fig.axes[0].lines[:2])  # then the dotted refresh marks
    assert sync.tolist() == [t % 10 for t in range(40)]
    assert lagged[:10].tolist() == list(range(10)) and lagged[10:20].tolist() == list(range(10, 20))
    assert lagged[20:].min() == 10 and lagged[20:].max() == 19  # ages L to L + T − 1
    assert np.array_equal(plot_index_age(10, 0, steps=40).axes[0].lines[1].get_ydata(), sync)
    with pytest.raises(ValueError, match="lag must be at most refresh_every"):
        plot_index_age(10, 11)
    with pytest.raises(ValueError, match="steps"):
        plot_index_age(10, 5, steps=1)


def test_plot_candidate_drift_and_errors():
    fig = plot_candidate_drift([0, 10, 20], {"training": [1.0, 0.7, 0.54], "held out": [1.0, 0.9, 0.8]})
    assert isinstance(fig, Figure) and len(fig.axes[0].lines) == 2
    assert np.allclose(fig.axes[0].lines[0].get_ydata(), [1.0, 0.7, 0.54])
    assert "54%" in fig.axes[0].get_legend().get_texts()[0].get_text()
    with pytest.raises(ValueError, match="overlaps is empty"):
        plot_candidate_drift([0, 1], {})
    with pytest.raises(ValueError, match="outside"):
        plot_candidate_drift([0, 1], {"a": [1.0, 1.2]})
    with pytest.raises(ValueError, match="steps must be increasing"):
        plot_candidate_drift([1, 0], {"a": [1.0, 1.0]})


def test_plot_jensen_gap_panels_and_errors():
    fig = plot_jensen_gap([1.0, 2.0, 3.0], [1.5, 2.0, 3.5], likelihoods=(0.1, 0.9), weights=(0.5, 0.5))
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    a = fig.axes[0]
    mean_lik = 0.5
    log_point = [ln for ln in a.lines if ln.get_label().startswith("log Σ")][0]
    assert log_point.get_ydata()[0] == pytest.approx(math.log(mean_lik))
    chord_point = [ln for ln in a.lines if ln.get_label().startswith("Σ w")][0]
    assert chord_point.get_ydata()[0] == pytest.approx(0.5 * (math.log(0.1) + math.log(0.9)))
    assert "mean gap 0.33" in fig.axes[1].get_title()
    with pytest.raises(ValueError, match="mixture_nll and average_nll"):
        plot_jensen_gap([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="likelihoods"):
        plot_jensen_gap([1.0], [1.0], likelihoods=(0.5, 0.2))
    with pytest.raises(ValueError, match="weights"):
        plot_jensen_gap([1.0], [1.0], weights=(0.5, 0.6))
