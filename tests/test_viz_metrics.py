"""The pure plotting functions of chapter 7 and their widgets.

The figures are checked through their data (bar heights, step lines,
titles, tick labels), against values computed here independently with plain
Python loops over the formulas.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from ragmath.metrics import significance_summary
from ragmath.viz.metrics import (
    DEFAULT_GRADES,
    DEFAULT_RANKING,
    plot_per_query,
    plot_ranking_metrics,
    plot_ranking_metrics_grid,
    plot_significance,
    plot_significance_grid,
)
from ragmath.widgets import SliderFigure
from ragmath.widgets.metrics import ranking_explorer, significance_explorer

pytestmark = pytest.mark.filterwarnings("error")


def ref_gain(r, gain):
    return (2.0**r - 1.0 if gain == "exponential" else float(r)) if r > 0 else 0.0


def ref_dcg(grades, k, gain):
    return math.fsum(ref_gain(r, gain) / math.log2(i + 1) for i, r in enumerate(grades[:k], start=1))


def ref_values(ranking, grades, k, gain):
    r = [grades[d] for d in ranking]
    idcg = ref_dcg(sorted(grades.values(), reverse=True), k, gain)
    rr = next((1.0 / i for i, g in enumerate(r, start=1) if g > 0), 0.0)
    return {"rr": rr, "dcg": ref_dcg(r, k, gain), "idcg": idcg, "ndcg": ref_dcg(r, k, gain) / idcg}


# ------------------------------------------------------------- the ranked list
@pytest.mark.parametrize("doc, position, gain, k", [("A", 2, "exponential", 5), ("A", 8, "linear", 3), ("H", 1, "exponential", 8)])
def test_plot_ranking_metrics_draws_the_values(doc, position, gain, k):
    fig = plot_ranking_metrics(doc, position, gain, k)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    ranking = [d for d in DEFAULT_RANKING if d != doc]
    ranking.insert(position - 1, doc)
    expected = ref_values(ranking, DEFAULT_GRADES, k, gain)
    ax_list, ax_bars = fig.axes
    heights = [p.get_height() for p in ax_bars.patches]
    assert heights == pytest.approx([expected["rr"], expected["ndcg"]], rel=1e-13)
    assert [t.get_text() for t in ax_bars.get_xticklabels()] == ["RR", f"NDCG@{k}"]
    # left: first the dotted gain bars, then the contributions, one per rank
    n = len(ranking)
    contributions = [p.get_height() for p in ax_list.patches[n : 2 * n]]
    expected_contributions = [
        ref_gain(DEFAULT_GRADES[d], gain) / math.log2(i + 1) if i <= k else 0.0
        for i, d in enumerate(ranking, start=1)
    ]
    assert contributions == pytest.approx(expected_contributions, rel=1e-13, abs=1e-15)
    labels = [t.get_text().split("\n")[0] for t in ax_list.get_xticklabels()]
    assert labels == ranking
    red = [t.get_text().split("\n")[0] for t in ax_list.get_xticklabels() if t.get_color() != "black"]
    assert red == [doc]
    dcg_line = ax_list.lines[0].get_ydata()
    assert dcg_line[-1] == pytest.approx(expected["dcg"], rel=1e-13)
    assert f"{expected['dcg']:.2f} / {expected['idcg']:.2f}" in ax_bars.get_title()


def test_plot_ranking_metrics_grid_is_small_multiples():
    fig = plot_ranking_metrics_grid(k=5)
    assert len(fig.axes) == 2 * 4
    ideal = sorted(DEFAULT_GRADES, key=lambda d: (-DEFAULT_GRADES[d], d))
    for ax in (fig.axes[0], fig.axes[4]):  # the ideal ordering, exponential and linear gain
        assert "NDCG@5 1.000" in ax.get_title()
    system = ref_values(DEFAULT_RANKING, DEFAULT_GRADES, 5, "exponential")
    assert f"NDCG@5 {system['ndcg']:.3f}" in fig.axes[1].get_title()
    reversed_ = ref_values(ideal[::-1], DEFAULT_GRADES, 5, "linear")
    assert f"RR {reversed_['rr']:.2f}" in fig.axes[7].get_title()
    assert fig.axes[0].get_ylabel() == "exponential gain" and fig.axes[4].get_ylabel() == "linear gain"


# ----------------------------------------------------------- per-query scatter
def test_plot_per_query_counts_queries():
    index = pd.Index([f"q{i}" for i in range(6)], name="query_id")
    a = pd.DataFrame({"rr": [1, 1, 0.5, 0, 1, 1], "ndcg@10": [0.2, 0.4, 0.6, 0.8, 1.0, 0.1]}, index=index)
    b = pd.DataFrame({"rr": [1, 0.5, 1, 0, 1, 1], "ndcg@10": [0.3, 0.4, 0.5, 0.9, 1.0, 0.0]}, index=index)
    fig = plot_per_query([a, b], ("one", "two"))
    assert len(fig.axes) == 2
    assert fig.axes[0].get_title() == "rr: two better on 1,\nworse on 1, tied on 4"
    assert fig.axes[1].get_title() == "ndcg@10: two better on 2,\nworse on 2, tied on 2"
    sizes = fig.axes[0].collections[0].get_sizes()
    assert sizes.sum() == 18 * 6 and sizes.max() == 18 * 3  # (1, 1) three times
    with pytest.raises(ValueError, match="plot_per_query: the two results must have the same queries"):
        plot_per_query([a, b.iloc[::-1]], ("one", "two"))


# ----------------------------------------------------------------- significance
def test_plot_significance_titles():
    rng = np.random.default_rng(1)
    a, b = rng.random(40), rng.random(40)
    summary = significance_summary(a, b, 25, n_resamples=400)
    fig = plot_significance(a, b, 25, names=("X", "Y"), n_resamples=400)
    assert len(fig.axes) == 2
    assert fig.axes[0].get_title().startswith("25 queries")
    assert f"p = {summary['p_value']:.3f}" in fig.axes[1].get_title()
    assert f"observed {summary['diff']:+.3f}" in fig.axes[1].get_title()
    red = sorted(line.get_xdata()[0] for line in fig.axes[1].lines)
    assert red == pytest.approx(sorted([summary["diff"], -summary["diff"]]))


def test_plot_significance_grid():
    rng = np.random.default_rng(2)
    a, b = rng.random(30), rng.random(30)
    fig = plot_significance_grid(a, b, sizes=(10, None), n_resamples=300)
    assert len(fig.axes) == 4
    assert [fig.axes[i].get_title() for i in (0, 1)] == ["n = 10 queries", "n = 30 queries"]


# -------------------------------------------------------------------- widgets
def test_ranking_explorer_redraws_on_control_changes():
    w = ranking_explorer()
    assert isinstance(w, SliderFigure)
    assert set(w.controls) == {"doc", "position", "gain", "k"}
    first = w.figure
    w.controls["position"].value = 8
    assert w.figure is not first and w.params["position"] == 8
    ranking = [d for d in DEFAULT_RANKING if d != "A"] + ["A"]
    expected = ref_values(ranking, DEFAULT_GRADES, 5, "exponential")
    assert w.figure.axes[1].patches[1].get_height() == pytest.approx(expected["ndcg"], rel=1e-13)
    w.controls["gain"].value = "linear"
    w.controls["k"].value = 8
    expected = ref_values(ranking, DEFAULT_GRADES, 8, "linear")
    assert w.params == {"doc": "A", "position": 8, "gain": "linear", "k": 8}
    assert w.figure.axes[1].patches[1].get_height() == pytest.approx(expected["ndcg"], rel=1e-13)
    w.controls["doc"].value = "H"
    w.controls["position"].value = 1
    assert w.figure.axes[1].patches[0].get_height() == 0.5  # H (grade 0) first: D at rank 2


def test_significance_explorer_slider():
    rng = np.random.default_rng(3)
    a, b = rng.random(30), rng.random(30)
    w = significance_explorer(a, b, names=("X", "Y"), n_resamples=300)
    assert w.controls["n_queries"].value == 30 and w.controls["n_queries"].max == 30
    w.controls["n_queries"].value = 12
    assert w.figure.axes[0].get_title().startswith("12 queries")


# ------------------------------------------ discounts, precision-recall, metric@k, exact null
from ragmath.metrics import precision_recall_at_k  # noqa: E402
from ragmath.viz.metrics import (  # noqa: E402
    plot_discount_curves,
    plot_exact_null,
    plot_metric_at_k,
    plot_precision_recall,
)


def test_discount_curves_draw_the_four_weights():
    fig = plot_discount_curves(12)
    assert isinstance(fig, Figure)
    lines = fig.axes[0].lines
    assert len(lines) == 4
    i = np.arange(1, 13)
    assert np.allclose(lines[0].get_ydata(), [1 / math.log2(r + 1) for r in i])
    assert np.allclose(lines[1].get_ydata(), [1 / max(1.0, math.log2(r)) for r in i])
    # b = 10: ranks 1 to 10 undiscounted (log10 10 = 1), rank 11 the first discounted
    assert np.allclose(lines[2].get_ydata()[:10], 1.0) and lines[2].get_ydata()[10] < 1.0
    with pytest.raises(ValueError, match="plot_discount_curves: max_rank"):
        plot_discount_curves(1)


def test_precision_recall_legend_is_the_average_precision():
    curves = {"A": precision_recall_at_k([1, 0, 1, 0, 0, 1], 4), "B": precision_recall_at_k([0, 1], 4)}
    fig = plot_precision_recall(curves, highlight="A")
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ap_a = (1 + 2 / 3 + 3 / 6) / 4
    assert texts == [f"A: AP = {ap_a:.3f}", f"B: AP = {0.5 / 4:.3f}"]
    assert len(fig.axes[0].collections) == 1  # the shaded area of A
    with pytest.raises(ValueError, match="plot_precision_recall: highlight"):
        plot_precision_recall(curves, highlight="C")
    with pytest.raises(ValueError, match="plot_precision_recall: curves"):
        plot_precision_recall({"A": ([1.0, 0.5], [0.5])})
    with pytest.raises(ValueError, match="plot_precision_recall: curves"):
        plot_precision_recall({})


def test_metric_at_k_draws_the_means():
    rng = np.random.default_rng(0)
    values = rng.uniform(size=(30, 5))
    fig = plot_metric_at_k({"A": {"m": values}, "B": {"m": values / 2}}, ks=[1, 2, 3, 4, 5])
    ax = fig.axes[0]
    assert np.allclose(ax.lines[0].get_ydata(), values.mean(axis=0))
    assert np.allclose(ax.lines[1].get_ydata(), values.mean(axis=0) / 2)
    with pytest.raises(ValueError, match="plot_metric_at_k: ks"):
        plot_metric_at_k({"A": {"m": values}}, ks=[1])
    with pytest.raises(ValueError, match="plot_metric_at_k: curves"):
        plot_metric_at_k({"A": {"m": values[:, :3]}}, ks=[1, 2, 3, 4, 5])


def test_exact_null_counts_the_extreme_patterns():
    a, b = [1.0, 1.0, 0.5], [0.0, 0.5, 0.5]  # d = (1, 0.5, 0): 8 patterns
    fig = plot_exact_null(a, b)
    ax = fig.axes[0]
    red = [p for p in ax.patches if p.get_facecolor()[:3] != ax.patches[0].get_facecolor()[:3]]
    # |mean| >= 0.5 for s = ±(1, 1, ±1): 4 of the 8 patterns
    assert sum(p.get_height() for p in ax.patches) == 8
    assert "exact p = 0.5000" in ax.get_title()
    assert sum(p.get_height() for p in red) in (4, 4.0)
    with pytest.raises(ValueError, match="plot_exact_null: a"):
        plot_exact_null([1.0], [1.0, 2.0])
