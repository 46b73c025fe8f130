"""The pure plotting functions of chapter 6 and their slider wrappers.

The figures are checked through their data (line coordinates, titles, legends)
against values computed here independently: closed forms on quadratics and
plain loops for the moving averages.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from ragmath.optim import PROBLEMS, bias_correction_curves, run_optimisers
from ragmath.viz.optim import (
    plot_adam_step_bound,
    plot_bias_correction,
    plot_bias_correction_grid,
    plot_convergence,
    plot_trajectories,
    plot_trajectories_grid,
    plot_zigzag,
)
from ragmath.widgets import SliderFigure
from ragmath.widgets.optim import bias_correction_explorer, trajectory_explorer


def lines_by_label(ax) -> dict:
    return {line.get_label(): line.get_xydata() for line in ax.lines}


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: plot_zigzag(kappas=(2, 0.5)), "plot_zigzag: kappas"),
        (lambda: plot_zigzag(kappas=(float("nan"),)), "plot_zigzag: kappas"),
        (lambda: plot_convergence(kappa=0.5), "plot_convergence: kappa"),
        (lambda: plot_convergence(kappa=-3.0), "plot_convergence: kappa"),
        (lambda: plot_trajectories_grid(settings=((1.0,),)), "plot_trajectories_grid: settings"),
        (lambda: plot_trajectories_grid(settings=(1.0, 0.05)), "plot_trajectories_grid: settings"),
    ],
)
def test_plot_functions_name_their_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_the_cached_contours_are_the_chapter_module_contours(name):
    from ragmath.optim import problem_contours
    from ragmath.viz import optim as viz

    lines = viz._contours(name)
    assert viz._contours(name) is lines  # computed once
    expected = problem_contours(name)
    assert len(lines) == len(expected)
    for a, b in zip(lines, expected):
        np.testing.assert_array_equal(a, b)


# -------------------------------------------------------------------- trajectories
def test_plot_trajectories_draws_the_runs():
    fig = plot_trajectories("rosenbrock", lr_times_L=0.5, beta=0.8, adam_lr=0.02, beta1=0.9, steps=120)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    runs = run_optimisers("rosenbrock", 0.5, 0.8, 0.02, 0.9, 120)
    paths = lines_by_label(fig.axes[0])
    for method, run in runs.items():
        np.testing.assert_array_equal(paths[method], run["trajectory"])
        gaps = lines_by_label(fig.axes[1])[method]
        np.testing.assert_allclose(gaps[:, 1], np.maximum(run["gap"], 1e-16))
    assert "α = 0.02" in fig.axes[1].get_title() and "β = 0.80" in fig.axes[1].get_title()
    assert len(fig.axes[0].collections) == 1  # the cached contour lines, one collection


def test_plot_trajectories_marks_divergence_in_the_legend():
    fig = plot_trajectories("quadratic", lr_times_L=2.5)
    labels = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert "gradient descent (diverged)" in labels and "Adam" in labels


def test_plot_trajectories_grid_is_small_multiples():
    fig = plot_trajectories_grid(("quadratic", "rosenbrock"), ((0.5, 0.01), (2.05, 0.1)), steps=50)
    assert len(fig.axes) == 4
    assert fig.axes[0].get_title() == "η = 0.5/L, Adam α = 0.01"
    assert fig.axes[0].get_ylabel() == "quadratic" and fig.axes[2].get_ylabel() == "rosenbrock"


def test_plot_zigzag_flips_the_stiff_coordinate():
    fig = plot_zigzag(kappas=(4, 9), steps=10, start=(-4.0, 1.0))
    assert len(fig.axes) == 2
    for ax, kappa in zip(fig.axes, (4, 9)):
        path = ax.lines[0].get_xydata()
        t = np.arange(11)
        # η = 2/(1 + κ): x × (κ − 1)/(κ + 1), y × (1 − 2κ/(1 + κ)) = −(κ − 1)/(κ + 1)
        rho = (kappa - 1) / (kappa + 1)
        np.testing.assert_allclose(path[:, 0], -4.0 * rho**t, rtol=1e-12)
        np.testing.assert_allclose(path[:, 1], (-rho) ** t, rtol=1e-12)
        assert f"{rho:.3f}" in ax.get_title()


def test_plot_convergence_draws_the_convergence_curves():
    from ragmath.optim import convergence_curves

    fig = plot_convergence(kappa=20.0, steps=50, seed=4)
    lines = lines_by_label(fig.axes[0])
    c = convergence_curves(20.0, 50, 4)
    for method in ("gradient descent", "momentum"):
        np.testing.assert_array_equal(lines[method][:, 1], np.maximum(c[method]["error"], 1e-300))


def test_plot_convergence_shows_both_rates():
    fig = plot_convergence(kappa=49.0, steps=100)
    lines = lines_by_label(fig.axes[0])
    t = np.arange(101)
    np.testing.assert_allclose(lines["ρ^t, ρ = 0.960"][:, 1], (48 / 50) ** t, rtol=1e-12)
    np.testing.assert_allclose(lines["ρ^t, ρ = 0.750"][:, 1], (6 / 8) ** t, rtol=1e-12)
    gd, hb = lines["gradient descent"][:, 1], lines["momentum"][:, 1]
    assert np.all(gd <= (48 / 50) ** t * (1 + 1e-9))  # ‖x_t‖ ≤ ρ^t ‖x_0‖
    assert hb[-1] < 1e-6 < gd[-1]


# ------------------------------------------------------------------ bias correction
def test_plot_bias_correction_draws_the_curves():
    fig = plot_bias_correction(beta1=0.9, beta2=0.99, noise=0.5, steps=500)
    assert len(fig.axes) == 2
    c = bias_correction_curves(0.9, 0.99, 0.5, 500)
    moments = lines_by_label(fig.axes[0])
    np.testing.assert_allclose(10 ** moments["m_t / E[g]"][:, 0], np.arange(1, 501), rtol=1e-12)
    np.testing.assert_array_equal(moments["m_t / E[g]"][:, 1], c["m"])
    np.testing.assert_allclose(moments["v̂_t / E[g²]"][:, 1], c["v_hat"] / 1.25, rtol=1e-15)
    steps = lines_by_label(fig.axes[1])
    np.testing.assert_array_equal(steps["without bias correction"][:, 1], c["step_uncorrected"])
    assert "β2 = 0.99" in fig.axes[0].get_title() and "σ = 0.5" in fig.axes[1].get_title()
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["1", "10", "10²"]


def test_plot_bias_correction_grid():
    fig = plot_bias_correction_grid(beta2s=(0.9, 0.999), noises=(0.0,), steps=200)
    assert [ax.get_title() for ax in fig.axes] == ["β2 = 0.9, noise 0", "β2 = 0.999, noise 0"]
    # β2 = 0.9 < ... : the uncorrected first step is (1 − β1)/√(1 − β2) = 0.1/√0.1
    first = lines_by_label(fig.axes[0])["without bias correction"][0, 1]
    assert first == pytest.approx(0.1 / math.sqrt(0.1), rel=1e-7)


def test_plot_adam_step_bound():
    fig = plot_adam_step_bound(beta1=0.9, beta2=0.999, steps=1000)
    lines = lines_by_label(fig.axes[0])
    log_t, bound = lines["largest possible step B_t"].T
    t = np.rint(10**log_t)
    r = 0.81 / 0.999
    expected = [
        0.1 / (1 - 0.9**k) * math.sqrt((1 - 0.999**k) / 0.001) * math.sqrt((1 - r**k) / (1 - r))
        for k in t
    ]
    np.testing.assert_allclose(bound, expected, rtol=1e-10)
    paper = lines["paper: (1 − β1)/√(1 − β2)"][0, 1]
    assert paper == pytest.approx(0.1 / math.sqrt(0.001))


# ---------------------------------------------------------------------- widgets
def test_trajectory_explorer_redraws_on_slider_moves():
    w = trajectory_explorer(steps=60)
    assert isinstance(w, SliderFigure)
    assert set(w.controls) == {"problem", "lr_times_L", "beta", "adam_lr", "beta1"}
    first = w.figure
    w.controls["problem"].value = "rosenbrock"
    assert w.figure is not first
    assert w.figure.axes[0].get_title().startswith("Rosenbrock")
    w.controls["lr_times_L"].value = 2.5
    w.controls["problem"].value = "quadratic"
    labels = [t.get_text() for t in w.figure.axes[1].get_legend().get_texts()]
    assert "gradient descent (diverged)" in labels
    w.controls["adam_lr"].value = 0.01
    assert w.params["adam_lr"] == pytest.approx(0.01)
    assert "α = 0.01" in w.figure.axes[1].get_title()


def test_bias_correction_explorer_redraws_on_slider_moves():
    w = bias_correction_explorer(steps=300)
    w.controls["beta2"].value = 0.9
    assert w.params["beta2"] == 0.9
    first = lines_by_label(w.figure.axes[1])["without bias correction"][0, 1]
    assert first == pytest.approx(0.1 / math.sqrt(0.1), rel=1e-7)
    w.controls["noise"].value = 1.0
    assert "σ = 1" in w.figure.axes[1].get_title()
    c = bias_correction_curves(0.9, 0.9, 1.0, 300)
    np.testing.assert_array_equal(lines_by_label(w.figure.axes[0])["m̂_t / E[g]"][:, 1], c["m_hat"])


# ------------------------------------------------------ the stability diagram, AMSGrad
from ragmath.viz.optim import plot_amsgrad_counterexample, plot_stability_factors  # noqa: E402


def test_stability_factors_draw_the_envelope_and_the_best_step():
    fig = plot_stability_factors((1.0, 4.0))
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    envelope = ax.lines[2]
    x, y = envelope.get_xdata(), envelope.get_ydata()  # x = η L
    assert np.allclose(y, np.maximum(np.abs(1 - x / 4), np.abs(1 - x)))
    best = [line for line in ax.lines if line.get_marker() == "o"][0]
    assert np.allclose(best.get_xydata(), [[2 / 5 * 4, 3 / 5]])  # η* = 2/5, ρ* = 3/5
    for bad in [(), (1.0, -2.0), (float("nan"),)]:
        with pytest.raises(ValueError, match="plot_stability_factors: eigenvalues"):
            plot_stability_factors(bad)
    with pytest.raises(ValueError, match="plot_stability_factors: n"):
        plot_stability_factors(n=1)


def test_amsgrad_counterexample_figure():
    fig = plot_amsgrad_counterexample(steps=300)
    left, right = fig.axes
    lines = lines_by_label(left)
    assert lines["Adam"][-1, 1] > 0.9 and lines["AMSGrad"][-1, 1] < -0.5
    assert right.get_yscale() == "log" and len(right.lines) == 2
    with pytest.raises(ValueError, match="plot_amsgrad_counterexample: C"):
        plot_amsgrad_counterexample(C=1.5)
    with pytest.raises(ValueError, match="plot_amsgrad_counterexample: steps"):
        plot_amsgrad_counterexample(steps=0)
