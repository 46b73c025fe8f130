"""ragmath: the helper package of *The Mathematics of RAG*.

Every equation the book derives has one function here, and every function's
docstring cites the label of its equation. Submodules follow the chapters:

- :mod:`ragmath.similarity` (chapter 1): cosine, Euclidean distance, exact top-k.
- :mod:`ragmath.attention` (chapter 2): softmax, scaled dot-product and multi-head attention.
- :mod:`ragmath.encoder` (chapter 2): all-MiniLM-L6-v2, a real sentence encoder, in NumPy.
- :mod:`ragmath.information` (chapter 3): cross-entropy, perplexity, entropy, KL.
- :mod:`ragmath.lexical` (chapter 4): tokenization, TF-IDF, BM25.
- :mod:`ragmath.quantization` (chapter 5): k-means, product quantization, LSH.
- :mod:`ragmath.optim` (chapter 6): gradient descent, momentum, Adam.
- :mod:`ragmath.metrics` (chapter 7): RR, MRR, DCG, NDCG, significance tests.
- :mod:`ragmath.rag` (chapter 8): retriever and generator probabilities, contrastive loss.
- :mod:`ragmath.pipeline` (chapter 10): chunking, hybrid fusion, index memory, the whole pipeline.
- :mod:`ragmath.data`: the book's own corpus, queries, judgements and questions.
- :mod:`ragmath.viz` and :mod:`ragmath.widgets`: the pure plotting functions
  behind the book's figures, and the thin ipywidgets wrappers around them.

Submodules are imported on first use (``ragmath.lexical`` works after a plain
``import ragmath``), so importing the package stays fast.

The public API is a contract (``shared/API.md``, copied into the book as
``book/api/contract.md``): names, signatures and error behaviour do not change.
The book's API reference (``book/api/``) documents every public name, with a link
to its source; the Examples sections of the docstrings run as doctests in ``make test``.
"""

import importlib

from . import similarity as similarity  # (the alias marks it re-exported)
from .similarity import (
    cosine_similarity,
    distance_to_similarity,
    euclidean_distance,
    top_k,
)

__version__ = "0.1.0"

# The modules that implement the book's equations, one per chapter, in order
# (tools/equation_index.py reads this tuple to find the functions that cite them).
_CHAPTER_MODULES = (
    "similarity",
    "attention",
    "encoder",
    "information",
    "lexical",
    "quantization",
    "optim",
    "metrics",
    "rag",
    "adaptation",
    "pipeline",
)
_SUBMODULES = (*_CHAPTER_MODULES, "data", "viz", "widgets")

__all__ = [
    *_SUBMODULES,
    "cosine_similarity",
    "distance_to_similarity",
    "euclidean_distance",
    "top_k",
    "__version__",
]


def __getattr__(name: str):
    """Import a chapter's submodule the first time it is used (PEP 562)."""
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'ragmath' has no attribute {name!r}")
