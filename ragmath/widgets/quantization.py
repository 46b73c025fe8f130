"""Widgets of chapter 5: thin slider wrappers around :mod:`ragmath.viz.quantization`."""

from __future__ import annotations

import ipywidgets as widgets

from ..quantization import IVF_N_LISTS, IVF_NPROBES, LSH_B_MAX, LSH_R_MAX, PQ_KS, PQ_MS
from ..viz.quantization import plot_ivf_tradeoff, plot_lsh_tradeoff, plot_pq_tradeoff
from ._base import SliderFigure

__all__ = ["pq_tradeoff_explorer", "lsh_banding_explorer", "ivf_nprobe_explorer"]

_STYLE = {"description_width": "initial"}


def pq_tradeoff_explorer(m: int = 8, k: int = 256) -> SliderFigure:
    """Sliders for the number of sub-spaces m and of centroids k, driving
    :func:`ragmath.viz.quantization.plot_pq_tradeoff` (the fits of the grid are cached)."""
    return SliderFigure(
        plot_pq_tradeoff,
        {
            "m": widgets.SelectionSlider(options=list(PQ_MS), value=m, description="sub-spaces m",
                                         style=_STYLE),
            "k": widgets.SelectionSlider(options=list(PQ_KS), value=k, description="centroids k",
                                         style=_STYLE),
        },
    )


def lsh_banding_explorer(r: int = 8, b: int = 8) -> SliderFigure:
    """Sliders for the bits per band r and the number of bands b, driving
    :func:`ragmath.viz.quantization.plot_lsh_tradeoff`."""
    return SliderFigure(
        plot_lsh_tradeoff,
        {
            "r": widgets.IntSlider(value=r, min=1, max=LSH_R_MAX, description="bits per band r",
                                   style=_STYLE),
            "b": widgets.IntSlider(value=b, min=1, max=LSH_B_MAX, description="bands b", style=_STYLE),
        },
    )


def ivf_nprobe_explorer(n_lists: int = 16, nprobe: int = 4) -> SliderFigure:
    """Sliders for the number of lists and of lists visited of IVFADC, driving
    :func:`ragmath.viz.quantization.plot_ivf_tradeoff` (the sweep on the chunks is cached)."""
    return SliderFigure(
        plot_ivf_tradeoff,
        {
            "n_lists": widgets.SelectionSlider(options=list(IVF_N_LISTS), value=n_lists,
                                               description="lists n_lists", style=_STYLE),
            "nprobe": widgets.SelectionSlider(options=list(IVF_NPROBES), value=nprobe,
                                              description="lists visited nprobe", style=_STYLE),
        },
    )
