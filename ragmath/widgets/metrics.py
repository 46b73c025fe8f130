"""Widgets of chapter 7: thin wrappers around :mod:`ragmath.viz.metrics`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ipywidgets as widgets

from ..metrics import GAINS
from ..viz.metrics import DEFAULT_GRADES, DEFAULT_RANKING, plot_ranking_metrics, plot_significance
from ._base import SliderFigure

__all__ = ["ranking_explorer", "significance_explorer"]

_STYLE = {"description_width": "initial"}


def ranking_explorer(
    doc: str = "A",
    position: int = 2,
    gain: str = "exponential",
    k: int = 5,
    ranking: Sequence[str] = DEFAULT_RANKING,
    grades: Mapping[str, float] = DEFAULT_GRADES,
) -> SliderFigure:
    """Move one document of a ranked list: :func:`ragmath.viz.metrics.plot_ranking_metrics`.

    A dropdown picks the document, a slider its new rank, toggle buttons the
    gain (exponential or linear) and a second slider the cutoff k.
    """
    ranking = tuple(ranking)
    n = len(ranking)
    return SliderFigure(
        plot_ranking_metrics,
        {
            "doc": widgets.Dropdown(
                options=[(f"{d} (grade {grades[d]:g})", d) for d in ranking], value=doc,
                description="move document", style=_STYLE,
            ),
            "position": widgets.IntSlider(value=position, min=1, max=n, description="to rank", style=_STYLE),
            "gain": widgets.ToggleButtons(options=list(GAINS), value=gain, description="gain", style=_STYLE),
            "k": widgets.IntSlider(value=k, min=1, max=n, description="cutoff k", style=_STYLE),
        },
        ranking=ranking,
        grades=dict(grades),
    )


def significance_explorer(
    a, b, names: Sequence[str] = ("A", "B"), metric: str = "RR", n_queries: int | None = None,
    n_resamples: int = 2000, seed: int = 0,
) -> SliderFigure:
    """A slider for the number of queries: :func:`ragmath.viz.metrics.plot_significance`.

    ``a`` and ``b`` hold one value of the metric per query for each system.
    """
    n_total = len(a)
    value = n_total if n_queries is None else n_queries
    return SliderFigure(
        plot_significance,
        {
            "n_queries": widgets.IntSlider(
                value=value, min=min(5, n_total), max=n_total, step=1, description="number of queries",
                style=_STYLE, continuous_update=False,
            ),
        },
        a=list(a),
        b=list(b),
        names=tuple(names),
        metric=metric,
        n_resamples=n_resamples,
        seed=seed,
    )
