"""Checks of the built site, _build/html, as a reader receives it.

Broken LaTeX gives no Sphinx warning: MathJax draws a red error box in the
reader's browser instead. So every formula of every page is rendered here
with MathJax 3, the version the site loads, and any error fails the test.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from bs4 import BeautifulSoup
from conftest import ROOT

SKIP_PAGES = {"genindex.html", "search.html", "py-modindex.html"}


def site_pages(site: Path) -> list[Path]:
    return sorted(
        p for p in site.rglob("*.html")
        if p.name not in SKIP_PAGES and not {"_static", "_sources", "_images", "reports"} & set(p.parts)
    )


def formulas_of(html: str) -> list[tuple[str, bool]]:
    """The TeX of every formula on a page, with whether it is displayed.

    Sphinx writes inline math as <span class="math">\\(...\\)</span> and display
    math as <div class="math">\\[...\\]</div> (amsmath environments unwrapped).
    """
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for node in soup.select("span.math, div.math"):
        for number in node.select("span.eqno"):  # "(1.1)" and its "#" permalink
            number.decompose()
        text = node.get_text().strip()
        display = node.name == "div"
        for opening, closing in (("\\(", "\\)"), ("\\[", "\\]")):
            if text.startswith(opening) and text.endswith(closing):
                text = text[len(opening) : -len(closing)]
        found.append((text.strip(), display))
    return found


def run_mathjax(command: list[str], items: list[dict]) -> dict:
    result = subprocess.run(
        command, input=json.dumps(items), capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, f"the MathJax checker crashed:\n{result.stderr}"
    return json.loads(result.stdout)


def test_mathjax_checker_reports_broken_formulas(mathjax_command):
    """The check can fail: a missing brace and an undefined macro are both reported."""
    items = [
        {"id": "good", "tex": r"\cos\theta = \frac{\mathbf a \cdot \mathbf b}{\lVert \mathbf a \rVert}", "display": True},
        {"id": "brace", "tex": r"\frac{1}{", "display": False},
        {"id": "macro", "tex": r"\notamacro x", "display": True},
    ]
    report = run_mathjax(mathjax_command, items)
    assert report["rendered"] == 1
    assert [e["id"] for e in report["errors"]] == ["brace", "macro"]
    assert "brace" in report["errors"][0]["message"].lower()
    assert "notamacro" in report["errors"][1]["message"]


def test_formula_extraction_reads_sphinx_markup():
    html = (
        '<p><span class="math notranslate nohighlight">\\(a \\cdot b\\)</span></p>'
        '<div class="math notranslate nohighlight" id="eq"><span class="eqno">(1.1)'
        '<a class="headerlink" href="#eq">#</a></span>\\[\\lVert a \\rVert\\]</div>'
    )
    assert formulas_of(html) == [("a \\cdot b", False), ("\\lVert a \\rVert", True)]


def test_every_formula_of_the_site_renders(site_dir, mathjax_command):
    items = []
    for page in site_pages(site_dir):
        for n, (tex, display) in enumerate(formulas_of(page.read_text(encoding="utf-8"))):
            items.append({"id": f"{page.relative_to(site_dir)}#{n}", "tex": tex, "display": display})
    assert len(items) >= 50, f"only {len(items)} formulas found: is the extraction still right?"
    report = run_mathjax(mathjax_command, items)
    errors = "\n".join(f"{e['id']}: {e['message']}\n    {e['tex']}" for e in report["errors"])
    assert not report["errors"], f"{len(report['errors'])} formulas do not render:\n{errors}"
    assert report["rendered"] == len(items)


def test_chapter_pages_exist_with_download_buttons_and_launch_buttons_only_where_a_url_is_set(site_dir):
    """repository.url (tools/sphinx_launch.py): set, Binder and Colab buttons; unset, none at all."""
    sys.path.insert(0, str(ROOT / "tools"))
    import install_cell

    url, _ = install_cell.repository()
    chapters = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    assert chapters, "no chapter notebooks"
    for notebook in chapters:
        page = site_dir / "notebooks" / f"{notebook.stem}.html"
        assert page.exists(), f"{notebook.name} has no page"
        html = page.read_text(encoding="utf-8")
        for service in ("mybinder.org", "colab.research.google.com"):
            if url:
                assert service in html, f"{page.name}: no {service} launch button"
            else:
                assert service not in html, f"{page.name}: a {service} button with no repository.url"
        assert re.search(rf'href="[^"]*{re.escape(notebook.stem)}\.ipynb"', html), (
            f"{page.name}: no .ipynb download link"
        )


def test_equation_references_resolve(site_dir):
    """Every {eq} reference became a link to an equation anchor that exists on its page."""
    ids_of: dict[Path, set[str]] = {}  # each page parsed once

    def ids(page: Path) -> set[str]:
        page = page.resolve()
        if page not in ids_of:
            html = page.read_text(encoding="utf-8")
            ids_of[page] = set(re.findall(r'\bid="([^"]+)"', html))
        return ids_of[page]

    checked = 0
    for page in site_pages(site_dir):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for anchor in soup.select("a[href*='#equation-']"):
            target, _, fragment = anchor["href"].partition("#")
            target_page = (page.parent / target) if target else page
            assert fragment in ids(target_page), f"{page.name}: reference to missing equation #{fragment}"
            checked += 1
    assert checked >= 100, f"only {checked} equation references found: is the selector still right?"


def test_bibliography_lists_the_cited_papers(site_dir):
    page = site_dir / "book" / "bibliography.html"
    html = page.read_text(encoding="utf-8")
    assert html.count('role="doc-biblioentry"') + html.count("citation") >= 5
    assert "Karpukhin" in html and "Lewis" in html
