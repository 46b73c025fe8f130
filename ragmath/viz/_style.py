"""Shared look of the book's figures: one palette, figures made without pyplot."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

COLORS = {
    "a": "#1f77b4",
    "b": "#d62728",
    "diff": "#7f3c8d",
    "cosine": "#1f77b4",
    "distance": "#ff7f0e",
    "similarity": "#2ca02c",
}


def new_figure(nrows=1, ncols=1, *, figsize=(6.4, 4.0), squeeze=True, sharey=False, width_ratios=None):
    """A new Figure and its axes, not registered with pyplot (so never shown twice)."""
    fig = Figure(figsize=figsize, dpi=100)
    gridspec_kw = {"width_ratios": width_ratios} if width_ratios is not None else None
    axes = fig.subplots(nrows, ncols, squeeze=squeeze, sharey=sharey, gridspec_kw=gridspec_kw)
    return fig, axes if not isinstance(axes, np.ndarray) or not squeeze else axes
