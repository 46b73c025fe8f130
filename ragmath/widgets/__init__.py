"""Thin ipywidgets wrappers: sliders connected to the pure functions of :mod:`ragmath.viz`."""

from ._base import SliderFigure
from .similarity import concentration_explorer, vector_pair_explorer

__all__ = ["SliderFigure", "concentration_explorer", "vector_pair_explorer"]
