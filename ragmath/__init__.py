"""ragmath: the helper package of *The Mathematics of RAG*.

Every equation the book derives has one function here, and every function's
docstring cites the label of its equation. Submodules follow the chapters:

- :mod:`ragmath.similarity` (chapter 1): cosine, Euclidean distance, exact top-k.
- :mod:`ragmath.viz` and :mod:`ragmath.widgets`: the pure plotting functions
  behind the book's figures, and the thin ipywidgets wrappers around them.

The public API is a contract (``shared/API.md``): names, signatures and error
behaviour do not change.
"""

from . import similarity
from .similarity import (
    cosine_similarity,
    distance_to_similarity,
    euclidean_distance,
    top_k,
)

__version__ = "0.1.0"

__all__ = [
    "similarity",
    "cosine_similarity",
    "distance_to_similarity",
    "euclidean_distance",
    "top_k",
    "__version__",
]
