"""The plot functions of chapter 9 checked through their data, and the widgets driven by their sliders."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from ragmath.adaptation import bimodal_target, kl_curves, refresh_tradeoff
from ragmath.viz.adaptation import (
    DEFAULT_LOG_LIKELIHOODS,
    plot_kl_directions,
    plot_kl_directions_grid,
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
    assert "KL(q‖p) = " in title
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
