"""The API reference of the book (book/api/): generated pages, the contract, the Sphinx setup.

tools/equation_index.py writes one page per module (a summary table and one autodoc
entry per public function and class of its ``__all__``). These tests fail when

(a) a page of book/api/ is not what the tool generates now (run `make equation-index`);
(b) book/api/contract.md is not a byte-for-byte copy of the shared API.md;
(c) the table of contents or _config.yml lose a page or an extension the reference needs;
(d) in a built site, an API page lacks its entries or their links to the source (viewcode),
    or the equation index does not link to the API entries.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

_spec = importlib.util.spec_from_file_location("equation_index", ROOT / "tools" / "equation_index.py")
equation_index = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("equation_index", equation_index)
_spec.loader.exec_module(equation_index)

_spec = importlib.util.spec_from_file_location("sphinx_docstrings", ROOT / "tools" / "sphinx_docstrings.py")
sphinx_docstrings = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sphinx_docstrings)

API = ROOT / "book" / "api"
# The contract every helper and every outside check works from; the repository keeps a copy.
SHARED_CONTRACT = Path(os.environ.get("RAGMATH_SHARED_API", "/work/shared/API.md"))


@pytest.fixture(scope="module")
def pages() -> dict[Path, str]:
    return equation_index.api_pages()


def test_the_api_pages_are_up_to_date(pages):
    """(a) every generated page on disk is what the tool writes now, and no page is left over."""
    stale = [str(path.relative_to(ROOT)) for path, text in pages.items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    assert not stale, f"stale or missing (run `make equation-index`): {stale}"
    generated = {p for p in API.glob("*.md") if "GENERATED FILE" in p.read_text(encoding="utf-8")}
    leftover = sorted(str(p.relative_to(ROOT)) for p in generated - set(pages))
    assert not leftover, f"pages of modules that no longer exist: {leftover}"


def test_every_chapter_module_has_a_page_with_its_public_names(pages):
    for module in equation_index.CORE_MODULES:
        page = pages.get(API / f"{module}.md")
        assert page is not None, f"ragmath.{module} has no API page"
        entries = equation_index.api_entries(module)
        assert entries, f"ragmath.{module}: no public function or class found"
        for name, kind in entries:
            directive = "autoclass" if kind == "class" else "autofunction"
            assert f".. {directive}:: {name}\n" in page, f"ragmath.{module}.{name} is not documented"
        assert "{doc}`Chapter" in page, f"ragmath.{module}: the page does not link to its chapter"


def test_the_contract_is_a_copy_of_the_shared_api():
    """(b) book/api/contract.md is the shared API.md, byte for byte."""
    copy = API / "contract.md"
    assert copy.exists(), "book/api/contract.md is missing"
    if not SHARED_CONTRACT.exists():
        pytest.skip(f"{SHARED_CONTRACT} is not on this machine")
    assert copy.read_bytes() == SHARED_CONTRACT.read_bytes(), (
        f"book/api/contract.md differs from {SHARED_CONTRACT}: copy it again")


def test_the_toc_lists_every_api_page(pages):
    """(c) every page of book/api/ is in the table of contents (only_build_toc_files drops the rest)."""
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    listed = set(re.findall(r"file:\s*(book/api/\S+)", toc))
    expected = {f"book/api/{p.stem}" for p in pages} | {"book/api/contract"}
    assert expected <= listed, f"not in _toc.yml: {sorted(expected - listed)}"
    assert listed <= {f"book/api/{p.stem}" for p in API.glob("*.md")}, "the toc lists a missing page"


def test_the_sphinx_configuration_renders_numpydoc_and_links_the_source():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["sphinx"]
    extensions = set(config["extra_extensions"])
    assert {"sphinx.ext.autodoc", "sphinx.ext.autosummary", "sphinx.ext.napoleon",
            "sphinx.ext.viewcode"} <= extensions
    assert config["local_extensions"]["sphinx_docstrings"] == "tools/"
    assert config["config"]["napoleon_numpy_docstring"] is True
    # only references to names outside ragmath may go unresolved under -n
    for _kind, pattern in config["config"]["nitpick_ignore_regex"]:
        assert not re.fullmatch(pattern, "ragmath.similarity.cosine_similarity")
        assert re.fullmatch(pattern, "numpy.ndarray")


@pytest.mark.parametrize(("line", "expected"), [
    ("the length |d| of a document", r"the length \|d\| of a document"),
    ("|q ∩ d| terms, |V| words", r"\|q ∩ d\| terms, \|V\| words"),
    ("a literal ``|d|`` and :math:`|x|`", "a literal ``|d|`` and :math:`|x|`"),
    ("x : int | None", "x : int | None"),
    ("| a line block", "| a line block"),
])
def test_bars_in_docstrings_stay_literal(line, expected):
    assert sphinx_docstrings.escape_bars([line]) == [expected]


def test_bars_in_literal_and_doctest_blocks_are_left_alone():
    lines = ["Example::", "", "    |d| = 3", "", ">>> abs(-1)  # |x|", "1", "", "after |d|"]
    assert sphinx_docstrings.escape_bars(lines) == [*lines[:-1], r"after \|d\|"]


# ---------------------------------------------------------------- the built site


@pytest.mark.site
def test_the_built_api_pages_link_every_entry_to_its_source(site_dir):
    """(d) each documented name of a chapter module has an entry with a [source] link."""
    for module in equation_index.CORE_MODULES:
        html = (site_dir / "book" / "api" / f"{module}.html").read_text(encoding="utf-8")
        for name, _kind in equation_index.api_entries(module):
            if equation_index.defined_elsewhere(module, name):
                continue  # shown on the page, its entry is where it is defined
            assert f'id="ragmath.{module}.{name}"' in html, f"no entry for ragmath.{module}.{name}"
        assert "_modules/ragmath/" in html, f"ragmath.{module}: no link to the source"
    assert (site_dir / "_modules" / "ragmath" / "similarity.html").exists()


@pytest.mark.site
def test_the_built_equation_index_links_to_the_api_entries(site_dir):
    html = (site_dir / "book" / "equation-index.html").read_text(encoding="utf-8")
    assert 'href="api/similarity.html#ragmath.similarity.cosine_similarity"' in html
