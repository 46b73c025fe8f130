"""Widgets of chapter 4: thin wrappers around :mod:`ragmath.viz.lexical`."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets

from ..lexical import BM25
from ..viz.lexical import plot_bm25_curves, plot_query_breakdown
from ._base import SliderFigure

__all__ = ["bm25_curves_explorer", "bm25_query_explorer"]

_STYLE = {"description_width": "initial"}


def bm25_curves_explorer(k1: float = 1.5, b: float = 0.75) -> SliderFigure:
    """k1 and b sliders driving :func:`ragmath.viz.lexical.plot_bm25_curves`."""
    return SliderFigure(
        plot_bm25_curves,
        {
            "k1": widgets.FloatSlider(
                value=k1, min=0.0, max=3.0, step=0.1, description="k1 (saturation)", style=_STYLE
            ),
            "b": widgets.FloatSlider(
                value=b, min=0.0, max=1.0, step=0.05, description="b (length normalisation)",
                style=_STYLE,
            ),
        },
    )


def bm25_query_explorer(
    model: BM25, labels: Sequence[str], query: str = "", k: int = 5, examples: Sequence[str] = ()
) -> SliderFigure:
    """A query box driving :func:`ragmath.viz.lexical.plot_query_breakdown`.

    Type a query and press Enter (or leave the box): the top-k documents of the
    fitted ``model`` are redrawn with their scores split term by term. The box
    suggests ``query`` and the ``examples`` (a Combobox); the website's explorer,
    which cannot run BM25, offers exactly those queries.
    """
    return SliderFigure(
        plot_query_breakdown,
        {
            "query": widgets.Combobox(
                value=query, options=list(dict.fromkeys([query, *examples])), ensure_option=False,
                description="query", continuous_update=False, style=_STYLE,
                layout=widgets.Layout(width="32em"),
            ),
        },
        model=model,
        labels=list(labels),
        k=k,
    )
