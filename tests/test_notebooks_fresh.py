"""The committed notebooks are the executed form of their current MyST sources.

Authors edit book/NN-*.md; `make notebooks` regenerates notebooks/NN-*.ipynb.
These tests fail when someone edits a source and forgets to regenerate, or
commits a notebook without its outputs.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT

_spec = importlib.util.spec_from_file_location("build_notebooks", ROOT / "tools" / "build_notebooks.py")
build_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_notebooks)

SOURCES = build_notebooks.chapter_sources()


def test_there_are_chapters():
    assert SOURCES, "no chapter sources book/NN-*.md"


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_notebook_is_up_to_date(source: Path):
    reasons = build_notebooks.stale_reasons(source, build_notebooks.notebook_for(source))
    assert not reasons, "run `make notebooks`:\n" + "\n".join(reasons)


def test_every_notebook_has_a_source():
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert (ROOT / "book" / f"{notebook.stem}.md").exists(), f"{notebook.name} has no source in book/"


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_widget_state_is_stored(source: Path):
    """Notebooks with widgets carry their state, so the site can show them."""
    nb = nbformat.read(build_notebooks.notebook_for(source), as_version=4)
    has_widgets = any(
        "application/vnd.jupyter.widget-view+json" in out.get("data", {})
        for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
    )
    if has_widgets:
        state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
        assert state.get("state"), f"{source.stem}: widget outputs but no stored widget state"


def test_freshness_check_detects_an_edit(tmp_path):
    """The check can fail: editing one line of a source makes its notebook stale."""
    source = SOURCES[0]
    notebook = build_notebooks.notebook_for(source)
    assert build_notebooks.stale_reasons(source, notebook) == []
    edited = tmp_path / source.name
    edited.write_text(source.read_text(encoding="utf-8").replace("\n## ", "\n## Edited ", 1), encoding="utf-8")
    copy = tmp_path / notebook.name
    shutil.copy(notebook, copy)
    reasons = build_notebooks.stale_reasons(edited, copy)
    assert any("another version" in r for r in reasons)
    assert any("differs" in r for r in reasons)


def test_freshness_check_detects_missing_outputs(tmp_path):
    source = SOURCES[0]
    nb = nbformat.read(build_notebooks.notebook_for(source), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.execution_count = None
            cell.outputs = []
    copy = tmp_path / f"{source.stem}.ipynb"
    nbformat.write(nb, copy)
    assert any("unexecuted" in r for r in build_notebooks.stale_reasons(source, copy))
