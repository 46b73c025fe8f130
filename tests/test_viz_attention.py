"""The pure plotting functions of chapter 2 and their slider wrappers.

The figures are checked through their data (histogram bars, bar heights, image
arrays, line data, titles), against values computed here independently with
plain NumPy and the math module.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from ragmath.viz.attention import (
    DK_CHOICES,
    TOY_TOKENS,
    attention_scores,
    entropy_curve,
    plot_attention_heatmap,
    plot_attention_heatmap_grid,
    plot_score_scaling,
    plot_score_scaling_grid,
    score_scaling_summary,
    toy_attention_weights,
    toy_sentence,
)
from ragmath.widgets import SliderFigure
from ragmath.widgets.attention import attention_heatmap_explorer, score_scaling_explorer


def plain_softmax(z: np.ndarray) -> np.ndarray:
    """e^z / Σ e^z along the last axis, for moderate z."""
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def plain_entropy(p: np.ndarray) -> np.ndarray:
    return -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0), axis=-1)


def independent_scores(d_k, n_keys, n_draws, seed):
    """The same draws as attention_scores, the dot products by an explicit loop over keys."""
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((n_draws, d_k))
    K = rng.standard_normal((n_draws, n_keys, d_k))
    return np.stack([np.sum(q * K[:, j, :], axis=1) for j in range(n_keys)], axis=1)


# ---------------------------------------------------------------- score scaling
@pytest.mark.parametrize("d_k", [1, 16, 300])
def test_attention_scores_match_an_independent_computation(d_k):
    expected = independent_scores(d_k, 5, 40, 3)
    np.testing.assert_allclose(attention_scores(d_k, 5, 40, 3), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        attention_scores(d_k, 5, 40, 3, scaled=True), expected / math.sqrt(d_k), rtol=1e-12, atol=1e-12
    )


def test_attention_scores_are_not_shared_mutable_state():
    a = attention_scores(8, 4, 10, 0)
    a[:] = 0
    assert np.any(attention_scores(8, 4, 10, 0) != 0)


@pytest.mark.parametrize("d_k", [4, 64, 1024])
def test_score_variance_is_d_k_unscaled_and_one_scaled(d_k):
    # 200 rows of 16 scores: the sample variance is within about 10 % of the theory
    raw = score_scaling_summary(d_k, scaled=False)
    scaled = score_scaling_summary(d_k, scaled=True)
    assert raw["variance"] == pytest.approx(d_k, rel=0.12)
    assert scaled["variance"] == pytest.approx(1.0, rel=0.12)
    assert abs(scaled["mean"]) < 0.1


def test_summary_entropies_and_example_row():
    s = score_scaling_summary(32, scaled=True, n_keys=8, n_draws=30, seed=2)
    expected_scores = independent_scores(32, 8, 30, 2) / math.sqrt(32)
    p = plain_softmax(expected_scores)
    np.testing.assert_allclose(s["entropy"], plain_entropy(p), rtol=1e-10)
    assert s["mean_entropy"] == pytest.approx(plain_entropy(p).mean(), rel=1e-10)
    np.testing.assert_allclose(s["example"], p[0], rtol=1e-12)


def test_unscaled_entropy_falls_with_d_k_and_scaled_entropy_does_not():
    unscaled = entropy_curve(DK_CHOICES, scaled=False)
    scaled = entropy_curve(DK_CHOICES, scaled=True)
    assert np.all(np.diff(unscaled) < 0), unscaled
    assert unscaled[0] > 2.0 and unscaled[-1] < 0.2
    assert scaled.max() - scaled.min() < 0.2
    assert np.all(scaled < math.log(16))
    assert unscaled[0] == pytest.approx(scaled[0])  # d_k = 1: nothing to scale


def test_plot_score_scaling_shows_the_data():
    fig = plot_score_scaling(64, scaled=False, n_keys=16, n_draws=200, seed=0)
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    ax_hist, ax_row, ax_curve = fig.axes
    scores = independent_scores(64, 16, 200, 0)
    sigma = 8.0
    counts, edges, _ = ax_hist.patches[0].get_data()  # the histogram, drawn as stairs
    np.testing.assert_allclose(edges, np.linspace(-4 * sigma, 4 * sigma, 33))
    for lo, hi, count in zip(edges[:-1], edges[1:], counts):
        assert count == np.sum((scores >= lo) & (scores < hi)) + (hi == edges[-1]) * np.sum(scores == hi)
    assert counts.sum() == np.sum(np.abs(scores) <= 4 * sigma)
    assert f"variance {scores.var():.1f}" in ax_hist.get_title()
    assert "theory: 0 and 64" in ax_hist.get_title()
    heights = [segment[1, 1] for segment in ax_row.collections[0].get_segments()]  # bar tops
    np.testing.assert_allclose(heights, np.sort(plain_softmax(scores[0]))[::-1], rtol=1e-12)
    lines = {line.get_label(): line for line in ax_curve.lines}
    np.testing.assert_array_equal(lines["unscaled"].get_xdata(), DK_CHOICES)
    marker = lines["d_k = 64"]
    assert marker.get_xdata()[0] == 64
    assert marker.get_ydata()[0] == pytest.approx(plain_entropy(plain_softmax(scores)).mean(), rel=1e-10)
    assert lines["log 16 (uniform)"].get_ydata()[0] == pytest.approx(math.log(16))


def test_plot_score_scaling_scaled_title():
    fig = plot_score_scaling(256, scaled=True)
    assert "theory: 0 and 1)" in fig.axes[0].get_title()
    assert fig.axes[0].get_xlabel() == "q·k/√d_k"


def test_plot_score_scaling_rejects_bad_d_k():
    with pytest.raises(ValueError, match="plot_score_scaling: d_k"):
        plot_score_scaling(0)


def test_plot_score_scaling_grid():
    fig = plot_score_scaling_grid((4, 256))
    titles = [ax.get_title() for ax in fig.axes]
    assert len(titles) == 4
    assert titles[0].startswith("d_k = 4, unscaled") and titles[3].startswith("d_k = 256, scaled")
    var = (independent_scores(256, 16, 200, 0) / 16).var()
    assert f"variance {var:.1f}" in titles[3]


# ---------------------------------------------------------------- toy sentence
def test_toy_sentence_structure():
    toy = toy_sentence()
    X = toy["X"]
    assert toy["tokens"] == list(TOY_TOKENS) and X.shape == (8, 8) and toy["num_heads"] == 2
    np.testing.assert_allclose(np.linalg.norm(X[:, :4], axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(X[0, :4], X[3, :4])  # "the" means the same at positions 0 and 3
    for i in range(8):
        np.testing.assert_allclose(X[i, 4:], [math.cos(i), math.sin(i), math.cos(i / 2), math.sin(i / 2)], atol=1e-15)

def test_toy_heads_read_separate_subspaces():
    toy = toy_sentence()
    for W in (toy["W_q"], toy["W_k"]):
        assert not W[4:, :4].any() and not W[:4, 4:].any()  # head 0 ← meaning, head 1 ← position


def independent_toy_weights(temperature):
    toy = toy_sentence()
    X = toy["X"]
    weights = []
    for h in range(2):
        cols = slice(4 * h, 4 * h + 4)
        Q, K = X @ toy["W_q"][:, cols], X @ toy["W_k"][:, cols]
        weights.append(plain_softmax(Q @ K.T / (2.0 * temperature)))
    return np.array(weights)


@pytest.mark.parametrize("t", [0.25, 1.0, 4.0])
def test_toy_attention_weights_match_an_independent_computation(t):
    np.testing.assert_allclose(toy_attention_weights(t), independent_toy_weights(t), rtol=1e-10, atol=1e-15)


def test_the_two_heads_attend_differently():
    w = toy_attention_weights(1.0)
    tokens = list(TOY_TOKENS)
    # head 1: every token after the first looks at the previous one
    np.testing.assert_array_equal(w[1].argmax(axis=1)[1:], np.arange(7))
    # head 0: every token puts most of its weight on tokens of its own kind
    kind = {"the": 0, "cat": 1, "dog": 1, "mat": 1, "saw": 2, "on": 3}
    same = np.array([[kind[a] == kind[b] for b in tokens] for a in tokens])
    assert np.all((w[0] * same).sum(axis=1) > 0.8)
    assert np.all((w[1] * same).sum(axis=1)[1:] < 0.5)


def test_plot_attention_heatmap_draws_the_weights():
    fig = plot_attention_heatmap(1, 0.5)
    ax = fig.axes[0]
    image = ax.get_images()[0].get_array()
    np.testing.assert_allclose(image, independent_toy_weights(0.5)[1], rtol=1e-10, atol=1e-15)
    assert [t.get_text() for t in ax.get_xticklabels()] == list(TOY_TOKENS)
    assert ax.get_title().startswith("head 1 (previous token), T = 0.5")


def test_plot_attention_heatmap_bad_head():
    with pytest.raises(ValueError, match="plot_attention_heatmap: head"):
        plot_attention_heatmap(2)
    with pytest.raises(ValueError, match="toy_attention_weights: temperature"):
        plot_attention_heatmap(0, 0.0)


def test_plot_attention_heatmap_grid():
    fig = plot_attention_heatmap_grid((0, 1), (0.25, 4.0))
    assert len(fig.axes) == 4
    expected = independent_toy_weights(4.0)[0]
    np.testing.assert_allclose(fig.axes[1].get_images()[0].get_array(), expected, rtol=1e-10)
    assert fig.axes[2].get_title().startswith("head 1 (previous token), T = 0.25")


# ---------------------------------------------------------------- the widgets
def test_score_scaling_explorer_redraws_on_slider_moves():
    w = score_scaling_explorer()
    assert isinstance(w, SliderFigure)
    assert set(w.controls) == {"d_k", "scaled"}
    first = w.figure
    w.controls["d_k"].value = 256
    assert w.figure is not first and w.params == {"d_k": 256, "scaled": False}
    assert "theory: 0 and 256" in w.figure.axes[0].get_title()
    w.controls["scaled"].value = True
    assert w.params == {"d_k": 256, "scaled": True}
    assert "theory: 0 and 1)" in w.figure.axes[0].get_title()


def test_attention_heatmap_explorer_redraws_on_slider_moves():
    w = attention_heatmap_explorer()
    assert set(w.controls) == {"head", "temperature"}
    w.controls["head"].value = 1
    w.controls["temperature"].value = 0.5
    assert w.params["head"] == 1 and w.params["temperature"] == pytest.approx(0.5)
    image = w.figure.axes[0].get_images()[0].get_array()
    np.testing.assert_allclose(image, independent_toy_weights(w.params["temperature"])[1], rtol=1e-10, atol=1e-15)
