"""The pure plotting functions of chapter 4 and their widget wrappers.

The figures are checked through their data (line data, bar widths, titles,
tick labels), against values computed here from the formulas with plain
Python arithmetic, and the widgets are driven by setting their controls.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from ragmath.lexical import BM25, tokenize
from ragmath.viz.lexical import (
    plot_bm25_curves,
    plot_bm25_curves_grid,
    plot_query_breakdown,
    plot_query_breakdown_grid,
)
from ragmath.widgets import SliderFigure
from ragmath.widgets.lexical import bm25_curves_explorer, bm25_query_explorer

TEXTS = [
    "The cat sat on the mat.",
    "Dogs and cats are pets; a dog is not a cat.",
    "Stock prices fell on Monday.",
    "A cat, a cat, a cat: the cat of cats.",
    "Markets rallied as stock prices rose.",
    "The mat was red.",
]
DOCS = [tokenize(t) for t in TEXTS]


def weight_over_idf(f, k1, b, ratio):
    """f(k1 + 1) / (f + k1(1 − b + b·ratio)), 0 at f = 0."""
    return 0.0 if f == 0 else f * (k1 + 1) / (f + k1 * (1 - b + b * ratio))


def naive_contribution(term, doc, query_count, k1=1.5, b=0.75):
    """One term's contribution to one document's Lucene-IDF BM25 score, from the formula."""
    N = len(DOCS)
    avgdl = sum(map(len, DOCS)) / N
    n = sum(term in d for d in DOCS)
    idf = math.log(1 + (N - n + 0.5) / (n + 0.5))
    return query_count * idf * weight_over_idf(DOCS[doc].count(term), k1, b, len(DOCS[doc]) / avgdl)


def lines_by_label(ax) -> dict:
    return {line.get_label(): line.get_xydata() for line in ax.lines}


# ------------------------------------------------------------------------ the curves
@pytest.mark.parametrize(("k1", "b"), [(1.5, 0.75), (0.5, 0.0), (3.0, 1.0), (0.0, 0.3)])
def test_plot_bm25_curves_draws_the_formula(k1, b):
    fig = plot_bm25_curves(k1, b)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    saturation, length = (lines_by_label(ax) for ax in fig.axes)
    for ratio in (0.5, 1.0, 2.0):
        xy = saturation[f"|D|/avgdl = {ratio:g}"]
        expected = [weight_over_idf(f, k1, b, ratio) for f in xy[:, 0]]
        np.testing.assert_allclose(xy[:, 1], expected, rtol=1e-13, atol=1e-15)
    limit = saturation[f"limit k1 + 1 = {k1 + 1:.2f}"]
    assert np.all(limit[:, 1] == k1 + 1)
    for f in (1.0, 3.0, 10.0):
        xy = length[f"f = {f:g}"]
        expected = [weight_over_idf(f, k1, b, r) for r in xy[:, 0]]
        np.testing.assert_allclose(xy[:, 1], expected, rtol=1e-13, atol=1e-15)
    assert f"k1 = {k1:.2f}, b = {b:.2f}" in fig.axes[0].get_title()


def test_length_curves_are_flat_for_b_zero():
    fig = plot_bm25_curves(1.2, 0.0)
    for xy in lines_by_label(fig.axes[1]).values():
        if len(xy) > 2:
            assert np.ptp(xy[:, 1]) == 0


def test_plot_bm25_curves_rejects_bad_parameters():
    with pytest.raises(ValueError, match="bm25_tf: k1"):
        plot_bm25_curves(-1.0, 0.5)
    with pytest.raises(ValueError, match="bm25_tf: b"):
        plot_bm25_curves(1.0, 1.5)
    with pytest.raises(ValueError, match="plot_bm25_curves: max_f"):
        plot_bm25_curves(max_f=0)


def test_plot_bm25_curves_grid_is_small_multiples():
    fig = plot_bm25_curves_grid(k1_values=(0.5, 2.0), b_values=(0.0, 0.5, 1.0))
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 5
    titles = [ax.get_title() for ax in visible]
    assert titles == ["k1 = 0.5 (b = 0.75)", "k1 = 2 (b = 0.75)",
                      "b = 0 (k1 = 1.5)", "b = 0.5 (k1 = 1.5)", "b = 1 (k1 = 1.5)"]
    # top-right panel: k1 = 2, b = 0.75, the average-length line
    xy = lines_by_label(visible[1])["|D|/avgdl = 1"]
    np.testing.assert_allclose(xy[:, 1], [weight_over_idf(f, 2.0, 0.75, 1.0) for f in xy[:, 0]])


# ------------------------------------------------------------------ the breakdown
@pytest.fixture(scope="module")
def model():
    return BM25().fit(DOCS)


def test_plot_query_breakdown_bars_are_the_contributions(model):
    fig = plot_query_breakdown("cat mat", model, TEXTS, k=5)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # documents with a non-zero score only: 0 (cat, mat), 3 (cat ×4), 5 (mat), 1 (cat ×2)
    shown = [int(label.split("]")[0][1:]) for label in labels]
    assert sorted(shown) == [0, 1, 3, 5]
    by_term = {}
    for container in ax.containers:
        by_term[container.get_label()] = [bar.get_width() for bar in container]
    assert set(by_term) == {"cat", "mat"}
    ys = [t.get_position()[1] for t in ax.get_yticklabels()]
    for y, doc in zip(ys, shown):
        row = list(np.arange(len(shown))[::-1]).index(y)
        assert by_term["cat"][row] == pytest.approx(naive_contribution("cat", doc, 1), abs=1e-12)
        assert by_term["mat"][row] == pytest.approx(naive_contribution("mat", doc, 1), abs=1e-12)
    assert "“cat mat”" in ax.get_title(loc="left")


def test_plot_query_breakdown_with_unknown_terms(model):
    fig = plot_query_breakdown("unicorn cat", model, TEXTS)
    assert "no score from: unicorn" in fig.axes[0].get_title(loc="left")
    fig = plot_query_breakdown("unicorn", model, TEXTS)
    ax = fig.axes[0]
    assert not ax.patches and "no document has a non-zero score" in ax.texts[0].get_text()
    fig = plot_query_breakdown("", model, TEXTS)
    assert not fig.axes[0].patches


def test_plot_query_breakdown_grid(model):
    fig = plot_query_breakdown_grid(["cat", "stock prices", "zebra"], model, TEXTS, k=2)
    assert len(fig.axes) == 3
    assert [ax.get_title(loc="left").split("”")[0] for ax in fig.axes] == ["query: “cat", "query: “stock prices", "query: “zebra"]


def test_plot_query_breakdown_bad_input(model):
    with pytest.raises(ValueError, match="plot_query_breakdown: labels"):
        plot_query_breakdown("cat", model, TEXTS[:3])
    with pytest.raises(TypeError, match="query_breakdown: query"):
        plot_query_breakdown(["cat"], model, TEXTS)
    with pytest.raises(TypeError, match="query_breakdown: model"):
        plot_query_breakdown("cat", object(), TEXTS)
    with pytest.raises(ValueError, match="plot_query_breakdown_grid: queries"):
        plot_query_breakdown_grid([], model, TEXTS)


# ---------------------------------------------------------------------- widgets
def test_bm25_curves_explorer_redraws_on_slider_moves():
    w = bm25_curves_explorer()
    assert isinstance(w, SliderFigure) and set(w.controls) == {"k1", "b"}
    first = w.figure
    w.controls["k1"].value = 2.5
    assert w.figure is not first and w.params == {"k1": 2.5, "b": 0.75}
    limit = lines_by_label(w.figure.axes[0])["limit k1 + 1 = 3.50"]
    assert np.all(limit[:, 1] == 3.5)
    w.controls["b"].value = 0.0
    for xy in lines_by_label(w.figure.axes[1]).values():
        if len(xy) > 2:
            assert np.ptp(xy[:, 1]) == 0


def test_bm25_query_explorer_redraws_when_the_text_changes(model):
    w = bm25_query_explorer(model, TEXTS, query="cat")
    assert isinstance(w, SliderFigure) and set(w.controls) == {"query"}
    assert "“cat”" in w.figure.axes[0].get_title(loc="left")
    w.controls["query"].value = "stock prices"
    assert w.params == {"query": "stock prices"}
    labels = [t.get_text() for t in w.figure.axes[0].get_yticklabels()]
    assert {label.split("]")[0] for label in labels} == {"[2", "[4"}


# --------------------------------------------------- the explanatory figures
from ragmath.lexical import bm25_plus_tf, bm25l_tf  # noqa: E402
from ragmath.viz.lexical import (  # noqa: E402
    plot_bim_table,
    plot_per_query_comparison,
    plot_tf_variants,
    plot_wand_pivot,
)


def test_plot_tf_variants_draws_the_three_factors():
    fig = plot_tf_variants(k1=1.2, b=0.75, delta_plus=1.0, delta_l=0.5, long_ratio=4.0)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    left, right = fig.axes
    lines = {line.get_label(): line for line in left.get_lines()}
    assert {"BM25", "BM25+", "BM25L"} <= set(lines)
    f = lines["BM25+"].get_xdata()
    assert np.allclose(lines["BM25+"].get_ydata(), bm25_plus_tf(f, 1.2, 0.75, 4.0, 1.0))
    assert np.allclose(lines["BM25"].get_ydata(), [weight_over_idf(x, 1.2, 0.75, 4.0) for x in f])
    right_lines = {line.get_label(): line for line in right.get_lines()}
    r = right_lines["BM25L"].get_xdata()
    assert np.allclose(right_lines["BM25L"].get_ydata(), bm25l_tf(1.0, 1.2, 0.75, r, 0.5))
    assert right_lines["BM25+"].get_ydata().min() > 1.0 > right_lines["BM25"].get_ydata().min()
    with pytest.raises(ValueError, match="long_ratio"):
        plot_tf_variants(long_ratio=0.0)


def test_plot_bim_table_shows_the_estimates():
    fig = plot_bim_table(308, 40, 10, 6)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    heights = sorted(round(p.get_height(), 6) for p in fig.axes[0].patches)
    p, p_bar = 6.5 / 11, 34.5 / 299
    assert round(p, 6) in heights and round(p_bar, 6) in heights
    texts = " ".join(t.get_text() for t in fig.axes[1].texts)
    weight = math.log(p * (1 - p_bar) / (p_bar * (1 - p)))
    assert f"{weight:.3f}" in texts and "N − n − R + r = 264" in texts
    no_info = plot_bim_table(308, 40)
    rsj = math.log((308 - 40 + 0.5) / 40.5)
    assert f"{rsj:.3f}" in " ".join(t.get_text() for t in no_info.axes[1].texts)
    with pytest.raises(ValueError, match="n_relevant_with"):
        plot_bim_table(10, 3, 2, 3)
    with pytest.raises(ValueError, match="df"):
        plot_bim_table(10, 11)


def test_plot_wand_pivot_marks_the_pivot():
    postings = {"x": [0, 4, 9], "y": [2, 5, 9], "z": [1, 9]}
    bounds = {"x": 1.0, "y": 0.5, "z": 2.0}
    fig = plot_wand_pivot(postings, bounds, {"x": 1, "y": 0, "z": 1}, threshold=1.2, n_docs=10)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    # cursor documents: y -> 2, x -> 4, z -> 9; running sums 0.5, 1.5, 3.5: the pivot is x, document 4
    title = fig.axes[0].get_title()
    assert "“x”, document 4" in title
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert labels[0].startswith("y:") and "sum = 1.50" in labels[1]
    stop = plot_wand_pivot(postings, bounds, {"x": 1, "y": 0, "z": 1}, threshold=10.0, n_docs=10)
    assert "stops" in stop.axes[0].get_title()
    with pytest.raises(ValueError, match="cursors"):
        plot_wand_pivot(postings, bounds, {"x": 5, "y": 0, "z": 1}, threshold=1.0, n_docs=10)
    with pytest.raises(ValueError, match="postings"):
        plot_wand_pivot(postings, bounds, {"x": 0, "y": 0, "z": 0}, threshold=1.0, n_docs=5)


def test_plot_per_query_comparison_draws_every_query():
    a, b = np.array([0.2, 0.5, 0.9, 0.4]), np.array([0.3, 0.5, 0.7, 0.6])
    fig = plot_per_query_comparison(a, b, names=("BM25", "QL"))
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    scatter = fig.axes[0].collections[0].get_offsets()
    assert np.allclose(np.asarray(scatter), np.column_stack([a, b]))
    heights = [p.get_height() for p in fig.axes[1].patches]
    assert np.allclose(heights, np.sort(b - a))
    assert "1 queries better with BM25, 2 with QL" == fig.axes[0].get_title()
    with pytest.raises(ValueError, match="a and b"):
        plot_per_query_comparison([0.1, 0.2], [0.3])
    with pytest.raises(ValueError, match="names"):
        plot_per_query_comparison(a, b, names=("one",))
