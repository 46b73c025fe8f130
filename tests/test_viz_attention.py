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
from test_attention import independent_scores, plain_entropy, plain_softmax  # the shared references

from ragmath.attention import DK_CHOICES, TOY_TOKENS, entropy_curve, toy_attention_weights, toy_sentence
from ragmath.viz.attention import (
    plot_attention_heatmap,
    plot_attention_heatmap_grid,
    plot_score_scaling,
    plot_score_scaling_grid,
)
from ragmath.widgets import SliderFigure
from ragmath.widgets.attention import attention_heatmap_explorer, score_scaling_explorer


# ---------------------------------------------------------------- score scaling
def test_the_cached_drawing_inputs_are_the_chapter_module_results():
    from ragmath.viz import attention as viz

    curve = viz._entropy_curve(DK_CHOICES, True, 16, 200, 0)
    np.testing.assert_array_equal(curve, entropy_curve(DK_CHOICES, scaled=True))
    assert viz._entropy_curve(DK_CHOICES, True, 16, 200, 0) is curve and not curve.flags.writeable
    weights = viz._toy_weights(0.5, 0)
    np.testing.assert_array_equal(weights, toy_attention_weights(0.5))
    assert not weights.flags.writeable


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


def independent_toy_weights(temperature):
    toy = toy_sentence()
    X = toy["X"]
    weights = []
    for h in range(2):
        cols = slice(4 * h, 4 * h + 4)
        Q, K = X @ toy["W_q"][:, cols], X @ toy["W_k"][:, cols]
        weights.append(plain_softmax(Q @ K.T / (2.0 * temperature)))
    return np.array(weights)


# ---------------------------------------------------------------- toy sentence
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


# ------------------------------------------------ the explanatory figures of issue 15
def _names(func: str, arg: str) -> str:
    return rf"^{func}: {arg}\b"


def test_plot_attention_flow_draws_one_band_per_weight():
    from matplotlib.collections import LineCollection

    from ragmath.viz.attention import plot_attention_flow

    W = np.array([[[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]], [[0.2, 0.3, 0.5], [0.0, 0.0, 1.0]]])
    fig = plot_attention_flow(W, ["a", "b"], ["x", "y", "z"], titles=["one", "two"], threshold=0.1)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    for ax, weights in zip(fig.axes, W):
        bands = [c for c in ax.collections if isinstance(c, LineCollection)][0]
        kept = np.sort(weights[weights >= 0.1])
        widths = np.sort(np.asarray(bands.get_linewidths()))
        np.testing.assert_allclose(widths, 0.4 + 7.0 * kept)
        for (x0, y0), (x1, y1) in bands.get_segments():
            assert (y0, y1) == (0.0, 1.0) and weights[int(x1), int(x0)] >= 0.1
    assert [ax.get_title() for ax in fig.axes] == ["one", "two"]


@pytest.mark.parametrize("kwargs, arg", [
    ({"weights": [[0.5, 0.4]]}, "weights"),
    ({"query_tokens": ["a", "b", "c"]}, "query_tokens"),
    ({"titles": ["x", "y"]}, "titles"),
    ({"threshold": 1.0}, "threshold"),
])
def test_plot_attention_flow_bad_input(kwargs, arg):
    from ragmath.viz.attention import plot_attention_flow

    args = {"weights": [[1.0, 0.0]], "query_tokens": ["a"], "key_tokens": ["x", "y"]} | kwargs
    with pytest.raises(ValueError, match=_names("plot_attention_flow", arg)):
        plot_attention_flow(**args)


def test_plot_online_softmax_tiles_numbers_the_tiles_and_draws_the_state():
    from ragmath.viz.attention import plot_online_softmax_tiles

    S = np.random.default_rng(0).normal(size=(6, 8))
    fig = plot_online_softmax_tiles(S, block_q=3, block_k=3, row=4)
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    ax, ax_state, twin = fig.axes
    numbers = sorted(int(t.get_text()) for t in ax.texts)
    assert numbers == list(range(1, 2 * 3 + 1))  # 2 row blocks × 3 key blocks
    m_line = ax_state.lines[0]
    x = S[4]
    expected_m = [x[:3].max(), x[:6].max(), x.max()]
    np.testing.assert_allclose(m_line.get_ydata(), expected_m)
    ell = twin.lines[0].get_ydata()
    assert ell[-1] == pytest.approx(np.exp(x - x.max()).sum(), rel=1e-12)
    assert twin.lines[1].get_ydata()[0] == pytest.approx(ell[-1], rel=1e-12)
    causal = plot_online_softmax_tiles(S[:6, :6], 2, 2, row=5, causal=True)
    assert sorted(int(t.get_text()) for t in causal.axes[0].texts) == list(range(1, 7))  # 6 of 9


@pytest.mark.parametrize("kwargs, arg", [
    ({"scores": np.ones(4)}, "scores"), ({"block_q": 0}, "block_q"),
    ({"row": 9}, "row"), ({"causal": True}, "causal"),
])
def test_plot_online_softmax_tiles_bad_input(kwargs, arg):
    from ragmath.viz.attention import plot_online_softmax_tiles

    args = {"scores": np.ones((3, 4)), "block_q": 2, "block_k": 2} | kwargs
    with pytest.raises(ValueError, match=_names("plot_online_softmax_tiles", arg)):
        plot_online_softmax_tiles(**args)


def test_plot_kv_cache_growth_draws_equation_sizes():
    from ragmath.viz.attention import plot_kv_cache_growth

    fig = plot_kv_cache_growth({"a": (2, 64), "b": (4, 128)}, max_tokens=1000, bytes_per_number=4)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    ax, ax_work = fig.axes
    assert len(ax.lines) == 2 and len(ax_work.lines) == 2
    n, mib = ax.lines[1].get_data()
    np.testing.assert_allclose(mib, 2 * 4 * 128 * 4 * n / 2**20)
    n, work = ax_work.lines[1].get_data()
    np.testing.assert_allclose(work, 2 * (4 * 64 * 64 + 2 * n * 64))


@pytest.mark.parametrize("kwargs, arg", [
    ({"models": {}}, "models"), ({"models": {"a": (1, 2, 3)}}, "models"),
    ({"models": {"a": (0, 8)}}, "models"), ({"max_tokens": 1}, "max_tokens"),
])
def test_plot_kv_cache_growth_bad_input(kwargs, arg):
    from ragmath.viz.attention import plot_kv_cache_growth

    args = {"models": {"a": (2, 8)}} | kwargs
    with pytest.raises(ValueError, match=_names("plot_kv_cache_growth", arg)):
        plot_kv_cache_growth(**args)


def test_plot_entropy_collapse_draws_means_and_bands():
    from ragmath.viz.attention import plot_entropy_collapse

    H = np.array([[2.0, 1.0, 0.2], [1.6, 0.8, 0.1]])
    fig = plot_entropy_collapse([0.5, 1.0, 2.0], {"model": H}, n_keys=8)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), H.mean(axis=0))
    assert len(ax.collections) == 1  # the ± sd band
    assert any(line.get_ydata()[0] == pytest.approx(math.log(8)) for line in ax.lines[1:])


@pytest.mark.parametrize("kwargs, arg", [
    ({"scales": [0.0, 1.0]}, "scales"), ({"curves": {}}, "curves"),
    ({"curves": {"x": [[1.0, 2.0, 3.0]]}}, "curves"),
])
def test_plot_entropy_collapse_bad_input(kwargs, arg):
    from ragmath.viz.attention import plot_entropy_collapse

    args = {"scales": [0.5, 1.0], "curves": {"x": [[1.0, 0.5]]}} | kwargs
    with pytest.raises(ValueError, match=_names("plot_entropy_collapse", arg)):
        plot_entropy_collapse(**args)


def test_plot_saturation_gradients_draws_the_means():
    from ragmath.viz.attention import plot_saturation_gradients

    ratios = {"q": [[1, 0.1], [1, 0.3]], "K": [[1, 0.2], [1, 0.2]], "V": [[1, 2], [1, 3]]}
    fig = plot_saturation_gradients([1, 8], ratios)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    means = [line for line in fig.axes[0].lines if line.get_label().startswith("∂L/∂")]
    assert [line.get_label().split(",")[0] for line in means] == ["∂L/∂q", "∂L/∂K", "∂L/∂V"]
    np.testing.assert_allclose(means[0].get_ydata(), [1, 0.2])
    np.testing.assert_allclose(means[2].get_ydata(), [1, 2.5])


@pytest.mark.parametrize("kwargs, arg", [
    ({"scales": [-1, 2]}, "scales"), ({"ratios": {"q": [[1, 1]]}}, "ratios"),
    ({"ratios": {"q": [[1, 0]], "K": [[1, 1]], "V": [[1, 1]]}}, "ratios"),
])
def test_plot_saturation_gradients_bad_input(kwargs, arg):
    from ragmath.viz.attention import plot_saturation_gradients

    args = {"scales": [1, 2], "ratios": {"q": [[1, 1]], "K": [[1, 1]], "V": [[1, 1]]}} | kwargs
    with pytest.raises(ValueError, match=_names("plot_saturation_gradients", arg)):
        plot_saturation_gradients(**args)
