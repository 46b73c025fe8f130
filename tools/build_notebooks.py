"""Generate notebooks/NN-*.ipynb from the MyST Markdown sources book/NN-*.md.

For every chapter: jupytext reads the MyST notebook, the notebook is executed
top to bottom in a fresh kernel with its working directory in notebooks/, the
widget state is stored (so the site can show the widgets), and the result is
written with the SHA-256 of its source in its metadata (``ragmath.source_sha256``),
which the freshness test compares. A ``{selfcheck}`` directive becomes readable Markdown
(questions, options, the answers folded in ``<details>``; tools/sphinx_selfcheck.py), which the
site turns back into the directive when it reads the notebook.

Usage: python tools/build_notebooks.py [book/01-similarity.md ...]
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT / "tools"))
import sphinx_selfcheck  # noqa: E402  (tools/sphinx_selfcheck.py)

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def chapter_sources() -> list[Path]:
    """The chapter sources: book/NN-*.md, in order."""
    return sorted(BOOK.glob("[0-9][0-9]-*.md"))


def source_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def notebook_for(source: Path) -> Path:
    return NOTEBOOKS / f"{source.stem}.ipynb"


def convert(source: Path) -> nbformat.NotebookNode:
    """The unexecuted notebook of a chapter source (also used by the freshness test)."""
    nb = jupytext.read(source, fmt="md:myst")
    nb.metadata.pop("jupytext", None)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "{selfcheck}" in cell.source:
            cell.source = sphinx_selfcheck.render_directives(cell.source, BOOK)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["ragmath"] = {"source": f"book/{source.name}", "source_sha256": source_hash(source)}
    return nb


def _cell_signature(cell) -> tuple:
    tags = tuple(cell.get("metadata", {}).get("tags", []))
    return (cell.cell_type, cell.source.strip(), tags)


def stale_reasons(source: Path, notebook: Path) -> list[str]:
    """Why ``notebook`` is not the executed form of ``source`` (empty if it is)."""
    if not notebook.exists():
        return [f"{notebook.name} does not exist: run `make notebooks`"]
    nb = nbformat.read(notebook, as_version=4)
    reasons = []
    recorded = nb.metadata.get("ragmath", {}).get("source_sha256")
    if recorded != source_hash(source):
        reasons.append(f"{notebook.name} was generated from another version of {source.name}")
    expected = [_cell_signature(c) for c in convert(source).cells]
    actual = [_cell_signature(c) for c in nb.cells]
    if len(expected) != len(actual):
        reasons.append(f"{notebook.name} has {len(actual)} cells, {source.name} has {len(expected)}")
    for n, (e, a) in enumerate(zip(expected, actual)):
        if e != a:
            reasons.append(f"cell {n} of {notebook.name} differs from {source.name}: {e[1][:60]!r}")
            break
    unexecuted = [n for n, c in enumerate(nb.cells) if c.cell_type == "code" and c.execution_count is None]
    if unexecuted:
        reasons.append(f"{notebook.name} has unexecuted code cells: {unexecuted[:5]}")
    return reasons


def build(source: Path) -> float:
    nb = convert(source)
    start = time.perf_counter()
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=600,
        store_widget_state=True,
        record_timing=False,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()
    elapsed = time.perf_counter() - start
    # how long the chapter ran: tools/explorers.py starts the slowest chapters first
    nb.metadata["ragmath"]["execution_seconds"] = round(elapsed, 1)
    NOTEBOOKS.mkdir(exist_ok=True)
    nbformat.write(nb, notebook_for(source))
    return elapsed


def main(argv: list[str]) -> int:
    sources = [Path(a).resolve() for a in argv] if argv else chapter_sources()
    for source in sources:
        elapsed = build(source)
        print(f"{source.relative_to(ROOT)} -> {notebook_for(source).relative_to(ROOT)}  ({elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
