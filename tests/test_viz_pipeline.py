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


# ----------------------------------------------------------------- the explanatory figures (issue 15)
from ragmath.pipeline import chunk_starts, ends_first_order  # noqa: E402
from ragmath.viz.pipeline import (  # noqa: E402
    plot_answer_recall,
    plot_answer_recall_grid,
    plot_attribution,
    plot_chunk_windows,
    plot_context_positions,
    plot_pq_adc,
    plot_rag_pipeline,
)
from ragmath.widgets.pipeline import answer_recall_explorer  # noqa: E402


def test_plot_rag_pipeline_draws_one_box_per_step_and_arrows_between():
    fig = plot_rag_pipeline()
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    assert len(ax.patches) == 7
    assert len([c for c in ax.get_children() if type(c).__name__ == "Annotation"]) == 6  # the arrows
    assert "chunk" in [t.get_text() for t in ax.texts]
    fig = plot_rag_pipeline([("a", "x"), ("b", "y")])
    assert len(fig.axes[0].patches) == 2
    with pytest.raises(ValueError, match="plot_rag_pipeline: steps"):
        plot_rag_pipeline([("a",)])


def test_plot_chunk_windows_draws_the_starts_and_the_overlaps():
    fig = plot_chunk_windows(101, 40, 10, span=(29, 12))
    ax = fig.axes[0]
    starts = chunk_starts(101, 40, 10)
    windows = ax.patches[: len(starts)]
    assert [p.get_x() for p in windows] == starts.tolist()
    assert windows[-1].get_hatch() == "//" and windows[0].get_hatch() is None  # the moved-back window
    shared = ax.patches[len(starts) : 2 * len(starts) - 1]
    assert [p.get_width() for p in shared] == [10, 10, 39]
    assert any("cut" in t.get_text() for t in ax.texts)  # 12 > o + 1 tokens from s − 1: no window holds it
    fig = plot_chunk_windows(101, 40, 10, span=(30, 11))
    assert not any("cut" in t.get_text() for t in fig.axes[0].texts)
    with pytest.raises(ValueError, match="overlap"):
        plot_chunk_windows(50, 10, 10)
    with pytest.raises(ValueError, match="plot_chunk_windows: span"):
        plot_chunk_windows(50, 10, 2, span=(45, 10))


def test_plot_pq_adc_sums_the_looked_up_cells():
    rng = np.random.default_rng(1)
    T, C = rng.standard_normal((8, 4)), rng.integers(0, 4, (5, 8))
    fig = plot_pq_adc(T, C, names=list("abcde"), exact=np.zeros(5))
    assert len(fig.axes) == 3
    looked = fig.axes[1].images[0].get_array()
    assert np.allclose(looked, T[np.arange(8)[None, :], C])
    assert np.allclose([p.get_width() for p in fig.axes[2].patches], T[np.arange(8)[None, :], C].sum(axis=1))
    with pytest.raises(ValueError, match="plot_pq_adc: codes"):
        plot_pq_adc(T, C[:, :3])
    with pytest.raises(ValueError, match="plot_pq_adc: codes"):
        plot_pq_adc(T, C + 4)
    with pytest.raises(ValueError, match="plot_pq_adc: exact"):
        plot_pq_adc(T, C, exact=[1.0])


def test_plot_attribution_highlights_both_spans():
    chunks = ["the index holds a postings list per term", "okapi was built at city"]
    fig = plot_attribution("what list does an index hold", chunks, (0, 3, 1), (0, 4, 2), cited=0)
    boxed = {t.get_text(): t.get_bbox_patch().get_facecolor() for t in fig.axes[0].texts
             if t.get_bbox_patch() is not None}
    assert set(boxed) == {"a", "postings", "list"}
    assert boxed["postings"] != boxed["a"]
    assert any("cited" in t.get_text() for t in fig.axes[0].texts)
    with pytest.raises(ValueError, match="plot_attribution: prediction_span"):
        plot_attribution("q", chunks, (0, 7, 3), None, cited=0)
    with pytest.raises(ValueError, match="plot_attribution: cited"):
        plot_attribution("q", chunks, None, None, cited=5)


def test_plot_context_positions_draws_a_bar_per_position_and_order():
    rates = np.zeros((2, 6))
    rates[0, :2] = 0.5
    rates[1, [0, 5]] = 0.5
    assert np.array_equal(np.argsort(ends_first_order(6))[[0, 1]], [0, 5])  # ranks 1, 2 go to the two ends
    fig = plot_context_positions(rates)
    heights = [p.get_height() for bars in fig.axes[0].containers for p in bars]
    assert np.allclose(heights, rates.ravel())
    with pytest.raises(ValueError, match="plot_context_positions: rates"):
        plot_context_positions([[1.5, 0.0]])
    with pytest.raises(ValueError, match="plot_context_positions: labels"):
        plot_context_positions(rates, labels=("one",))


def _grid():
    rng = np.random.default_rng(2)
    recall = np.sort(rng.random((3, 2, 5)), axis=2)
    return {"windows": (20, 40, 60), "overlaps": (0.0, 0.25), "k": (1, 2, 3, 4, 5), "recall": recall,
            "bytes": rng.random((3, 2)) * 1e5}


def test_plot_answer_recall_highlights_the_chosen_chunking():
    grid = _grid()
    fig = plot_answer_recall(40, 0.25, grid)
    ax, bx = fig.axes
    chosen = [line for line in ax.lines if line.get_label().startswith("w = 40")]
    assert len(chosen) == 1 and np.allclose(chosen[0].get_ydata(), grid["recall"][1, 1])
    assert len(ax.lines) == 6
    assert len(bx.lines) == 2 and np.allclose(bx.lines[1].get_ydata(), grid["bytes"][:, 1] / 1e3)
    with pytest.raises(ValueError, match="plot_answer_recall: window"):
        plot_answer_recall(30, 0.25, grid)
    with pytest.raises(ValueError, match="plot_answer_recall: grid"):
        plot_answer_recall(40, 0.25, {**grid, "bytes": np.zeros((2, 2))})


def test_plot_answer_recall_grid_and_the_widget():
    grid = _grid()
    fig = plot_answer_recall_grid(grid)
    assert len(fig.axes) == 3 and len([x for x in fig.axes[0].lines if x.get_label().startswith("w = ")]) == 3
    assert np.allclose(fig.axes[1].lines[2].get_ydata(), grid["recall"][2, 1])
    with pytest.raises(ValueError, match="plot_answer_recall_grid: grid"):
        plot_answer_recall_grid({"windows": (20,)})
    w = answer_recall_explorer(grid, window=40, overlap=0.25)
    assert w.params == {"window": 40, "overlap": 0.25}
    w.controls["window"].value = 60
    assert "w = 60" in w.figure.axes[0].get_title()
