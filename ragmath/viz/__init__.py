"""Pure plotting functions behind the book's figures and widgets (one module per chapter).

Every ``plot_*`` function returns a new :class:`matplotlib.figure.Figure` and has
no side effects, so it can be tested, timed and reused by the static figures.
The numbers a figure shows come from the chapter modules (``ragmath.similarity``,
``ragmath.lexical``, ...), where the equation index finds them: ``viz`` only draws.
"""

from ._style import COLORS, new_figure
from .similarity import (
    plot_distance_concentration,
    plot_distance_concentration_grid,
    plot_vector_pair,
    plot_vector_pair_grid,
)

__all__ = [
    "COLORS",
    "new_figure",
    "plot_distance_concentration",
    "plot_distance_concentration_grid",
    "plot_vector_pair",
    "plot_vector_pair_grid",
]
