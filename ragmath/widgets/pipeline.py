"""Widgets of chapter 10: thin slider wrappers around :mod:`ragmath.viz.pipeline`."""

from __future__ import annotations

import ipywidgets as widgets

from ..pipeline import hybrid_curve
from ..viz.pipeline import plot_answer_recall, plot_hybrid
from ._base import SliderFigure

__all__ = ["hybrid_explorer", "answer_recall_explorer"]

_STYLE = {"description_width": "initial"}


class _HybridPlot:
    """plot_hybrid with the curve over α computed once per k (a class, not a closure, so that the
    explorer build can send it to another process)."""

    def __init__(self):
        self.curves: dict = {}
        self.__qualname__ = "hybrid_explorer.plot"  # what the explorer's manifest and cache key name

    def __call__(self, alpha, k, **fixed):
        if k not in self.curves:
            self.curves[k] = hybrid_curve(fixed["lexical_scores"], fixed["dense_scores"], fixed["grades"], k)
        return plot_hybrid(alpha, k, curve=self.curves[k], **fixed)


def hybrid_explorer(lexical_scores, dense_scores, grades, query_index: int = 0, labels=None,
                    query_label=None, alpha: float = 0.5, k: int = 10) -> SliderFigure:
    """α and k sliders driving :func:`ragmath.viz.pipeline.plot_hybrid`.

    The curves over α depend only on k, so they are computed once per k and
    kept: moving α redraws the figure without re-evaluating every α.
    """
    plot = _HybridPlot()
    return SliderFigure(
        plot,
        {
            "alpha": widgets.FloatSlider(value=alpha, min=0.0, max=1.0, step=0.05,
                                         description="α (BM25 weight)", readout_format=".2f", style=_STYLE),
            "k": widgets.IntSlider(value=k, min=1, max=20, step=1, description="k", style=_STYLE),
        },
        lexical_scores=lexical_scores,
        dense_scores=dense_scores,
        grades=grades,
        query_index=query_index,
        labels=labels,
        query_label=query_label,
    )


def answer_recall_explorer(grid: dict, window=40, overlap=0.25) -> SliderFigure:
    """Window and overlap sliders over a precomputed grid, driving
    :func:`ragmath.viz.pipeline.plot_answer_recall`.

    ``grid`` is the dict that function takes (computed once, in the chapter);
    the sliders offer its windows and overlaps, so every position is a value
    of the grid and moving a slider computes nothing but the figure.
    """
    windows = [w for w in grid["windows"] if w is not None]
    return SliderFigure(
        plot_answer_recall,
        {
            "window": widgets.SelectionSlider(options=windows, value=window, description="window w",
                                              style=_STYLE),
            "overlap": widgets.SelectionSlider(options=list(grid["overlaps"]), value=overlap,
                                               description="overlap (fraction of w)", style=_STYLE),
        },
        grid=grid,
    )
