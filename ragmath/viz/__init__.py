"""Pure plotting functions behind the book's figures and widgets (one module per chapter).

Every ``plot_*`` function returns a new :class:`matplotlib.figure.Figure` and has
no side effects, so it can be tested, timed and reused by the static figures.
"""

from .similarity import (
    distance_concentration,
    plot_distance_concentration,
    plot_distance_concentration_grid,
    plot_vector_pair,
    plot_vector_pair_grid,
    relative_contrast_curve,
    vector_pair,
)

__all__ = [
    "distance_concentration",
    "plot_distance_concentration",
    "plot_distance_concentration_grid",
    "plot_vector_pair",
    "plot_vector_pair_grid",
    "relative_contrast_curve",
    "vector_pair",
]
