"""The pure plotting functions of chapter 3 and their slider wrappers.

The figures are checked through their data (bar heights and widths, line
data, titles), against values computed here independently: softmax and the
information quantities with :mod:`math`, and the bigram model re-counted with
exact :class:`fractions.Fraction` probabilities.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure
from test_information import ODD, TRAINING  # the shared references
from test_information import ref_softmax_t as ref_softmax

from ragmath.information import bigram_surprisal, cross_entropy_curve, perplexity_curve, prediction_summary
from ragmath.viz.information import (
    LOGITS,
    TARGET,
    TOKENS,
    plot_prediction,
    plot_prediction_grid,
    plot_prediction_sliders,
    plot_sentence_surprisal,
    plot_sentence_surprisal_grid,
)
from ragmath.widgets import SliderFigure
from ragmath.widgets.information import prediction_explorer, sentence_perplexity_explorer

pytestmark = pytest.mark.filterwarnings("error")

def bar_heights(ax):
    return [p.get_height() for p in ax.patches]


# ====================================================================== prediction
def test_plot_prediction_draws_p_q_entropy_and_kl():
    fig = plot_prediction(LOGITS, 0.5, TARGET, TOKENS)
    assert isinstance(fig, Figure)
    ax_dist, ax_ce = fig.axes[0], fig.axes[1]
    heights = bar_heights(ax_dist)
    q = ref_softmax(LOGITS, 0.5)
    np.testing.assert_allclose(heights[:6], TARGET, rtol=1e-12)  # p first, then q
    np.testing.assert_allclose(heights[6:12], q, rtol=1e-12)
    assert [t.get_text() for t in ax_dist.get_xticklabels()] == list(TOKENS)
    h_bar, kl_bar = ax_ce.patches[:2]
    s = prediction_summary(LOGITS, 0.5, TARGET)
    assert h_bar.get_width() == pytest.approx(s["entropy"])
    assert kl_bar.get_x() == pytest.approx(s["entropy"])
    assert kl_bar.get_width() == pytest.approx(s["kl"])
    texts = " ".join(t.get_text() for t in ax_ce.texts)
    assert f"perplexity {s['perplexity']:.2f}" in texts
    assert "T = 0.5" in ax_dist.get_title()


def test_plot_prediction_sliders_passes_the_logits_in_order():
    fig = plot_prediction_sliders(2.0, z1=1, z2=2, z3=3, z4=4, z5=5, z6=6)
    q = ref_softmax([1, 2, 3, 4, 5, 6], 2.0)
    np.testing.assert_allclose(bar_heights(fig.axes[0])[6:12], q, rtol=1e-12)


def test_plot_prediction_sliders_rejects_unknown_or_missing_logits():
    with pytest.raises(TypeError, match="plot_prediction_sliders: unexpected"):
        plot_prediction_sliders(1.0, z7=1.0)
    with pytest.raises(TypeError, match="plot_prediction_sliders: missing"):
        plot_prediction_sliders(1.0, target=(0.5, 0.5), tokens=("a", "b"), z1=0.0)


def test_plot_prediction_rejects_mismatched_tokens():
    with pytest.raises(ValueError, match="plot_prediction: tokens"):
        plot_prediction(LOGITS, 1.0, TARGET, TOKENS[:3])


def test_plot_prediction_grid_is_small_multiples():
    temps = (0.5, 1.0, 4.0)
    fig = plot_prediction_grid(temps)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == len(temps) + 1
    for ax, t in zip(visible, temps):
        s = prediction_summary(LOGITS, t, TARGET)
        assert f"T = {t:g}" in ax.get_title()
        assert f"H(p,q) = {s['cross_entropy']:.2f}" in ax.get_title()
    curve_ax = visible[-1]
    marks = curve_ax.lines[1].get_ydata()
    np.testing.assert_allclose(marks, cross_entropy_curve(temps, LOGITS, TARGET), rtol=1e-12)
    floor = curve_ax.lines[2].get_ydata()[0]
    assert floor == pytest.approx(-math.fsum(x * math.log(x) for x in TARGET if x > 0))


# ====================================================================== bigram model
def test_the_cached_perplexity_curve_is_the_chapter_module_result():
    from ragmath.viz import information as viz

    curve = viz._perplexity_curve(tuple(TRAINING), ODD, viz._ALPHA_GRID)
    np.testing.assert_array_equal(curve, perplexity_curve(TRAINING, ODD, viz._ALPHA_GRID))
    assert viz._perplexity_curve(tuple(TRAINING), ODD, viz._ALPHA_GRID) is curve and not curve.flags.writeable


def test_plot_sentence_surprisal_draws_bars_and_running_perplexity():
    fig = plot_sentence_surprisal(TRAINING, ODD, 0.5)
    r = bigram_surprisal(TRAINING, ODD, 0.5)
    ax = fig.axes[0]
    np.testing.assert_allclose(bar_heights(ax), r["surprisal"], rtol=1e-12)
    running = ax.lines[0].get_ydata()
    np.testing.assert_allclose(np.exp(running), r["running_perplexity"], rtol=1e-12)
    assert [t.get_text() for t in ax.get_xticklabels()] == r["tokens"]
    assert f"perplexity {r['perplexity']:.2f}" in ax.get_title()
    curve_ax = next(a for a in fig.axes if a.get_title() == "perplexity of the sentence")
    marker = curve_ax.lines[1]
    assert marker.get_xdata()[0] == 0.5
    assert marker.get_ydata()[0] == pytest.approx(r["perplexity"])


def test_plot_sentence_surprisal_with_an_infinite_bar():
    fig = plot_sentence_surprisal(TRAINING, ODD, 0.0)
    ax = fig.axes[0]
    assert all(np.isfinite(bar_heights(ax)))
    assert any(t.get_text() == "∞" for t in ax.texts)
    assert "perplexity inf" in ax.get_title()


@pytest.mark.parametrize("alphas", [(0.1, 1.0), (0.01, 0.1, 1.0), (2.0,)])
def test_plot_sentence_surprisal_grid(alphas):
    fig = plot_sentence_surprisal_grid(TRAINING, ODD, alphas)
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.patches]
    assert len(panels) == len(alphas)
    for a, ax in zip(alphas, panels):
        r = bigram_surprisal(TRAINING, ODD, a)
        assert ax.get_title() == f"α = {a:g}: perplexity {r['perplexity']:.2f}"
        np.testing.assert_allclose(bar_heights(ax), r["surprisal"], rtol=1e-12)


# ====================================================================== the widgets
def test_prediction_explorer_redraws_on_slider_moves():
    w = prediction_explorer()
    assert isinstance(w, SliderFigure)
    assert set(w.controls) == {"temperature", "z1", "z2", "z3", "z4", "z5", "z6"}
    first = w.figure
    w.controls["temperature"].value = 2.0
    assert w.figure is not first
    assert w.params["temperature"] == pytest.approx(2.0)
    w.controls["z6"].value = 4.0
    logits = list(LOGITS[:5]) + [4.0]
    q = ref_softmax(logits, w.params["temperature"])
    np.testing.assert_allclose(bar_heights(w.figure.axes[0])[6:12], q, rtol=1e-12)


def test_prediction_explorer_uses_given_target_and_tokens():
    w = prediction_explorer(logits=(0.0, 1.0), target=(0.5, 0.5), tokens=("yes", "no"))
    assert set(w.controls) == {"temperature", "z1", "z2"}


def test_sentence_perplexity_explorer_redraws_on_slider_moves():
    w = sentence_perplexity_explorer(TRAINING, ODD)
    w.controls["alpha"].value = 0.1
    assert w.params == {"alpha": 0.1}
    r = bigram_surprisal(TRAINING, ODD, 0.1)
    np.testing.assert_allclose(bar_heights(w.figure.axes[0]), r["surprisal"], rtol=1e-12)
