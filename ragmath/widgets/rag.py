"""Widgets of chapter 8: thin slider wrappers around :mod:`ragmath.viz.rag`."""

from __future__ import annotations

import ipywidgets as widgets

from ..viz.rag import plot_rag_marginals, plot_retrieval_distribution
from ._base import SliderFigure

__all__ = ["retrieval_explorer", "rag_marginals_explorer"]

_STYLE = {"description_width": "initial"}


def retrieval_explorer(query, docs, labels=None, k: int = 5, temperature: float = 0.05,
                       n_show: int = 15) -> SliderFigure:
    """k and temperature sliders driving :func:`ragmath.viz.rag.plot_retrieval_distribution`."""
    return SliderFigure(
        plot_retrieval_distribution,
        {
            "k": widgets.IntSlider(value=k, min=1, max=n_show, step=1, description="k", style=_STYLE),
            "temperature": widgets.FloatLogSlider(
                value=temperature, base=10, min=-2.5, max=0.5, step=0.05,
                description="temperature τ", readout_format=".3f", style=_STYLE,
            ),
        },
        query=query,
        docs=docs,
        labels=labels,
        n_show=n_show,
    )


def rag_marginals_explorer(doc_scores, token_probs, tokens=None, doc_labels=None,
                           temperature: float = 0.05) -> SliderFigure:
    """A retriever-temperature slider driving :func:`ragmath.viz.rag.plot_rag_marginals`."""
    return SliderFigure(
        plot_rag_marginals,
        {
            "temperature": widgets.FloatLogSlider(
                value=temperature, base=10, min=-2.5, max=0.5, step=0.05,
                description="retriever temperature τ", readout_format=".3f", style=_STYLE,
            ),
        },
        doc_scores=doc_scores,
        token_probs=token_probs,
        tokens=tokens,
        doc_labels=doc_labels,
    )
