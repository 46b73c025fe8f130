"""The one thin wrapper that connects ipywidgets sliders to a pure plot function."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import ipywidgets as widgets
from IPython.display import display
from matplotlib.figure import Figure

__all__ = ["SliderFigure"]


class SliderFigure(widgets.VBox):
    """Sliders above the figure drawn by ``plot(**slider_values)``.

    All the computing and drawing happens in ``plot``, a pure function that is
    tested on its own; this class only reads the sliders, calls ``plot`` and
    shows the figure it returns. The latest figure is kept in ``.figure`` and
    the values that drew it in ``.params``, so tests can move a slider and
    check what was drawn.

    Parameters
    ----------
    plot : callable returning a matplotlib Figure
    controls : mapping of parameter name to an ipywidgets value widget
    fixed : extra keyword arguments passed to ``plot`` unchanged
    """

    def __init__(self, plot: Callable[..., Figure], controls: Mapping[str, widgets.ValueWidget], **fixed):
        self.plot = plot
        self.controls = dict(controls)
        self.fixed = fixed
        self.output = widgets.Output()
        self.figure: Figure | None = None
        self.params: dict = {}
        box = widgets.HBox(list(self.controls.values()), layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([box, self.output])
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.update()

    def _on_change(self, change) -> None:
        self.update()

    def update(self) -> Figure:
        """Redraw with the current slider values; return the new figure."""
        self.params = {name: control.value for name, control in self.controls.items()}
        self.figure = self.plot(**self.params, **self.fixed)
        with self.output:
            self.output.clear_output(wait=True)
            display(self.figure)
        return self.figure
