"""The pure plotting functions of chapter 10 and their slider wrapper, checked through their data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from ragmath.metrics import score_matrix_metrics
from ragmath.pipeline import convex_fusion, hybrid_curve, hybrid_ranking
from ragmath.viz.pipeline import plot_configurations, plot_hybrid, plot_hybrid_grid
from ragmath.widgets.pipeline import hybrid_explorer

RNG = np.random.default_rng(0)
LEX = RNG.random((6, 25)) * 15
DENSE = RNG.standard_normal((6, 25))
GRADES = RNG.integers(0, 4, size=(6, 25)) * (RNG.random((6, 25)) < 0.3)
LABELS = [f"p{i:02d}" for i in range(25)]


def test_plot_hybrid_draws_the_curves_the_marker_and_the_ranked_list():
    fig = plot_hybrid(0.35, 6, LEX, DENSE, GRADES, query_index=2, labels=LABELS, query_label="a query")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    ax_c, ax_r = fig.axes
    curve = hybrid_curve(LEX, DENSE, GRADES, 6)
    lines = {line.get_label(): line for line in ax_c.lines}
    assert np.allclose(lines["NDCG@6"].get_ydata(), curve["ndcg"])
    assert np.allclose(lines["MRR"].get_ydata(), curve["mrr"])
    vertical = [line for line in ax_c.lines if line.get_label().startswith("_")]
    assert any(np.allclose(line.get_xdata(), 0.35) for line in vertical)
    r = hybrid_ranking(LEX[2], DENSE[2], 0.35, 6)
    widths = [p.get_width() for p in ax_r.patches]
    assert np.allclose(widths[:6], r["lexical"]) and np.allclose(widths[6:12], r["dense"])
    labels = [t.get_text() for t in ax_r.get_yticklabels()]
    assert labels[0] == f"{LABELS[r['order'][0]]}  g={GRADES[2, r['order'][0]]}"
    assert "a query" in ax_r.get_title() and "α = 0.35" in ax_c.get_title()


def test_plot_hybrid_grid_has_a_panel_per_alpha():
    fig = plot_hybrid_grid(LEX, DENSE, GRADES, query_index=1, labels=LABELS, alphas=(0, 0.5, 1), k=4)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 4  # the curve and one panel per α, in rows of three
    one = score_matrix_metrics(convex_fusion(LEX[1:2], DENSE[1:2], 0.5), GRADES[1:2], 4)
    assert f"NDCG@4 {one['ndcg'][0]:.2f}" in visible[2].get_title()
    assert "α = 0.5" in visible[2].get_title() and "α = 1" in visible[3].get_title()
    assert len(visible[1].patches) == 8
    assert all(line.get_xdata()[0] in (0, 0.5, 1) for line in visible[0].lines[2:])  # one marker per α


def test_plot_configurations_bars_are_the_table():
    table = pd.DataFrame({"NDCG@10": [0.7, 0.6], "memory (bytes)": [1e3, 1e6], "latency (ms/query)": [0.2, 1.5]},
                         index=["a", "b"])
    fig = plot_configurations(table)
    for ax, col in zip(fig.axes, table.columns):
        assert [p.get_width() for p in ax.patches] == pytest.approx(table[col].tolist())
    assert fig.axes[1].get_xscale() == "log"
    labels = [[t.get_text().strip() for t in ax.texts] for ax in fig.axes]
    assert labels == [["0.700", "0.600"], ["1 kB", "1 MB"], ["0.2 ms", "1.5 ms"]]
    assert all(ax.get_xlim()[1] > table[col].max() for ax, col in zip(fig.axes, table.columns))  # room for them
    with pytest.raises(ValueError, match="plot_configurations: table has no column 'NDCG@10'"):
        plot_configurations(table.drop(columns="NDCG@10"))


@pytest.mark.parametrize("call,words", [
    (lambda: plot_hybrid(1.5, 5, LEX, DENSE, GRADES), "plot_hybrid: alpha"),
    (lambda: plot_hybrid(0.5, 5, LEX, DENSE[:, :-1], GRADES), "plot_hybrid: lexical_scores"),
    (lambda: plot_hybrid(0.5, 5, LEX, DENSE, GRADES, query_index=6), "plot_hybrid: query_index"),
])
def test_bad_inputs(call, words):
    with pytest.raises(ValueError, match=words):
        call()


def test_widget_redraws_when_the_sliders_move():
    w = hybrid_explorer(LEX, DENSE, GRADES, query_index=3, labels=LABELS, alpha=0.5, k=5)
    assert w.params == {"alpha": 0.5, "k": 5}
    w.controls["alpha"].value = 0.8
    assert w.params["alpha"] == 0.8
    assert "α = 0.80" in w.figure.axes[0].get_title()
    w.controls["k"].value = 3
    labels = {line.get_label() for line in w.figure.axes[0].lines}
    assert "NDCG@3" in labels
    assert len(w.figure.axes[1].patches) == 6
