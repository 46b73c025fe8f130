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


# ============================================================ explanatory figures (issue 15)
from ragmath.viz.information import (  # noqa: E402
    plot_ce_decomposition,
    plot_code_lengths,
    plot_information_diagram,
    plot_reliability_diagram,
    plot_tokenization_rates,
)

P4 = (0.5, 0.225, 0.125, 0.15)
Q4 = (0.4, 0.3, 0.2, 0.1)


def ref_kl_bits(p, q):
    return math.fsum(a * math.log2(a / b) for a, b in zip(p, q) if a > 0)


def ref_h_bits(p):
    return -math.fsum(a * math.log2(a) for a in p if a > 0)


def test_plot_ce_decomposition_draws_terms_and_both_directions():
    fig = plot_ce_decomposition(P4, Q4, ["a", "b", "c", "d"], unit="bits")
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    terms = bar_heights(fig.axes[1])
    np.testing.assert_allclose(terms, [a * math.log2(a / b) for a, b in zip(P4, Q4)], rtol=1e-12)
    widths = [bar.get_width() for bar in fig.axes[2].patches]
    np.testing.assert_allclose(widths, [ref_h_bits(P4), ref_kl_bits(P4, Q4), ref_h_bits(Q4), ref_kl_bits(Q4, P4)],
                               rtol=1e-12)
    assert fig.axes[2].patches[1].get_x() == pytest.approx(ref_h_bits(P4))


def test_plot_ce_decomposition_rejects_bad_input():
    with pytest.raises(ValueError, match="plot_ce_decomposition: q has shape"):
        plot_ce_decomposition(P4, (0.5, 0.5), list("abcd"))
    with pytest.raises(ValueError, match="plot_ce_decomposition: tokens"):
        plot_ce_decomposition(P4, Q4, list("abc"))
    with pytest.raises(ValueError, match="plot_ce_decomposition: unit"):
        plot_ce_decomposition(P4, Q4, list("abcd"), unit="hartleys")
    with pytest.raises(ValueError, match="plot_ce_decomposition: p"):
        plot_ce_decomposition((0.5, 0.6, 0.0, 0.0), Q4, list("abcd"))


def test_plot_code_lengths_draws_both_codes_and_their_expected_lengths():
    p, q = (0.5, 0.25, 0.125, 0.125), (0.125, 0.125, 0.25, 0.5)
    fig = plot_code_lengths(p, q, list("abcd"))
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert bar_heights(fig.axes[0]) == [1, 2, 3, 3, 3, 3, 2, 1]
    words = {t.get_text() for t in fig.axes[0].texts}
    assert {"0", "10", "110", "111"} <= words
    contributions = bar_heights(fig.axes[1])
    assert math.fsum(contributions[:4]) == pytest.approx(1.75)
    assert math.fsum(contributions[4:]) == pytest.approx(2.625)
    dashed = sorted(line.get_ydata()[0] for line in fig.axes[1].lines)
    assert dashed == pytest.approx([1.75, 2.625])


def test_plot_code_lengths_rejects_bad_input():
    with pytest.raises(ValueError, match="plot_code_lengths: symbols"):
        plot_code_lengths((0.5, 0.5), (0.5, 0.5), ["a"])
    with pytest.raises(ValueError, match="plot_code_lengths: q has shape"):
        plot_code_lengths((0.5, 0.5), (0.2, 0.3, 0.5), ["a", "b"])


def test_plot_information_diagram_bars_are_to_scale():
    joint = np.array([[0.3, 0.1], [0.05, 0.55]])
    fig = plot_information_diagram(joint, ("X", "Y"))
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    px, py = joint.sum(axis=1), joint.sum(axis=0)
    mi = math.fsum(joint[i, j] * math.log(joint[i, j] / (px[i] * py[j])) for i in range(2) for j in range(2))
    h_x, h_y = -math.fsum(a * math.log(a) for a in px), -math.fsum(a * math.log(a) for a in py)
    h_xy = -math.fsum(a * math.log(a) for a in joint.ravel())
    widths = [bar.get_width() for bar in fig.axes[1].patches]
    np.testing.assert_allclose(widths, [h_x - mi, mi, mi, h_y - mi, h_xy], rtol=1e-10)
    lefts = [bar.get_x() for bar in fig.axes[1].patches]
    assert lefts[1] == pytest.approx(lefts[2])  # the two I segments line up
    assert any(f"{mi:.3f}" in t.get_text() for t in fig.axes[0].texts)


def test_plot_information_diagram_rejects_bad_input():
    with pytest.raises(ValueError, match="conditional_entropy: joint must sum to 1"):
        plot_information_diagram([[0.2, 0.2]])
    with pytest.raises(ValueError, match="plot_information_diagram: names"):
        plot_information_diagram([[0.5, 0.5]], names=("X",))


def test_plot_reliability_diagram_draws_accuracy_and_gaps():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(3), size=200)
    labels = rng.integers(0, 3, size=200)
    fig = plot_reliability_diagram([probs, probs], labels, ["one", "two"], n_bins=5)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    bins = np.clip(np.ceil(conf * 5).astype(int) - 1, 0, 4)
    acc = [correct[bins == b].mean() for b in range(5) if np.any(bins == b)]
    heights = bar_heights(fig.axes[0])
    np.testing.assert_allclose(heights[: len(acc)], acc, rtol=1e-12)
    assert "ECE = " in fig.axes[0].get_title()


def test_plot_reliability_diagram_rejects_bad_input():
    with pytest.raises(ValueError, match="plot_reliability_diagram: titles"):
        plot_reliability_diagram([np.full((2, 2), 0.5)], [0, 1], ["a", "b"])
    with pytest.raises(ValueError, match="plot_reliability_diagram: probs_list is empty"):
        plot_reliability_diagram([], [0], [])


def test_plot_tokenization_rates_draws_means():
    rates = {"words": {"perplexity": [100.0, 300.0], "bits_per_byte": [2.0, 2.2]},
             "chars": {"perplexity": [5.0, 7.0], "bits_per_byte": [2.4, 2.6]}}
    fig = plot_tokenization_rates(rates)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert bar_heights(fig.axes[0]) == pytest.approx([200.0, 6.0])
    assert bar_heights(fig.axes[1]) == pytest.approx([2.1, 2.5])
    assert fig.axes[0].get_yscale() == "log"


def test_plot_tokenization_rates_rejects_bad_input():
    with pytest.raises(ValueError, match="plot_tokenization_rates: rates must be"):
        plot_tokenization_rates({})
    with pytest.raises(ValueError, match=r"plot_tokenization_rates: rates\['w'\] needs the arrays"):
        plot_tokenization_rates({"w": {"perplexity": [2.0]}})
    with pytest.raises(ValueError, match=r"plot_tokenization_rates: rates\['w'\] has a perplexity below 1"):
        plot_tokenization_rates({"w": {"perplexity": [0.5], "bits_per_byte": [1.0]}})
