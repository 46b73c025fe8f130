"""The PDF edition (`make pdf`): checked with pdftotext where it has been built.

The TeX install and the LaTeX build take minutes, so `make test` does not build the PDF; these
checks run on the PDF `make pdf` wrote (skipped when there is none, unless RAGMATH_REQUIRE_PDF=1).
The first tests need no TeX at all.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from docutils import nodes
from docutils.utils import new_document

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import sphinx_pdf  # noqa: E402

PDF = ROOT / "_build" / "latex" / "mathematics-of-rag.pdf"
WIDGET_REPR = re.compile(r"\b[A-Z]\w*\(children=\(")


def test_the_makefile_names_the_packages_of_the_extension():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    listed = re.search(r"^PDF_PACKAGES := (.*)$", makefile, re.M).group(1).split()
    assert tuple(listed) == sphinx_pdf.PDF_PACKAGES
    assert "PDF_PACKAGES" in (ROOT / "README.md").read_text(encoding="utf-8")


class _Builder:
    def __init__(self, format_):
        self.format = format_


class _App:
    def __init__(self, format_):
        self.builder = _Builder(format_)


def _doctree():
    document = new_document("chapter")
    output = nodes.container(classes=["cell_output"])
    output += nodes.literal_block("", "SliderFigure(children=(HBox(children=(FloatSlider(value=60.0, …")
    table = nodes.container(classes=["cell_output"])
    table += nodes.literal_block("", "   m    k  recall\n0  8   64   0.47")
    code = nodes.literal_block("", "SliderFigure(children=(...))  # a source line, not an output")
    document += [output, table, code]
    return document


def test_widget_reprs_become_a_note_in_print_only():
    latex = _doctree()
    sphinx_pdf.replace_widget_reprs(_App("latex"), latex, "chapter")
    text = latex.astext()
    assert sphinx_pdf.NOTE in text
    assert "FloatSlider" not in text, "the widget repr is still there"
    assert "0  8   64   0.47" in text and "# a source line" in text, "a non-widget block was removed"
    html = _doctree()
    sphinx_pdf.replace_widget_reprs(_App("html"), html, "chapter")
    assert "FloatSlider" in html.astext() and sphinx_pdf.NOTE not in html.astext()


def _build_site(tmp_path: Path, with_pdf: bool, again: bool = False) -> str:
    """A two-page Sphinx site with the extension; a PDF at _build/latex/ if asked (after a first build if `again`)."""
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace

    src = tmp_path / "src"
    (src / "book").mkdir(parents=True, exist_ok=True)
    (src / "conf.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / 'tools')!r})\n"
        "extensions = ['sphinx_pdf']\nexclude_patterns = ['_build']\n", encoding="utf-8")
    (src / "index.rst").write_text("Home\n====\n\n.. pdf-edition::\n\n.. toctree::\n\n   book/page\n",
                                   encoding="utf-8")
    (src / "book" / "page.rst").write_text("Page\n====\n\n.. pdf-edition::\n", encoding="utf-8")
    out = src / "_build" / "html"
    pdf = src / "_build" / "latex" / sphinx_pdf.PDF_NAME

    def build():
        with docutils_namespace():   # each build registers its nodes afresh (several builds, one process)
            app = Sphinx(str(src), str(src), str(out), str(src / "_build" / "doctrees"), "html",
                         status=None, warning=None, warningiserror=True)
            app.build()

    if again:
        build()
    if with_pdf:
        pdf.parent.mkdir(parents=True, exist_ok=True)
        pdf.write_bytes(b"%PDF-1.5\n" + b"0" * 150_000)
    build()
    return out


def test_the_site_links_the_pdf_only_when_it_was_built(tmp_path):
    without = _build_site(tmp_path / "without", with_pdf=False)
    home = (without / "index.html").read_text(encoding="utf-8")
    assert "no PDF to download here" in home and sphinx_pdf.PDF_NAME not in home
    assert not (without / sphinx_pdf.PDF_NAME).exists()

    with_ = _build_site(tmp_path / "with", with_pdf=True)
    home = (with_ / "index.html").read_text(encoding="utf-8")
    page = (with_ / "book" / "page.html").read_text(encoding="utf-8")
    assert f'href="{sphinx_pdf.PDF_NAME}"' in home and "Download the whole book" in home
    assert f'href="../{sphinx_pdf.PDF_NAME}"' in page, "the link is not relative to the page"
    assert "0.2 MB" in home
    assert (with_ / sphinx_pdf.PDF_NAME).read_bytes().startswith(b"%PDF")


def test_a_pdf_built_after_the_site_is_linked_at_the_next_build(tmp_path):
    out = _build_site(tmp_path, with_pdf=True, again=True)   # built once without, then PDF, then again
    assert "Download the whole book" in (out / "index.html").read_text(encoding="utf-8")
    assert (out / sphinx_pdf.PDF_NAME).exists()


@pytest.fixture(scope="module")
def pdf_text() -> tuple[str, int]:
    if not PDF.exists() or shutil.which("pdftotext") is None:
        message = f"no PDF at {PDF} (run `make pdf`) or no pdftotext (poppler-utils)"
        if os.environ.get("RAGMATH_REQUIRE_PDF", "") not in ("", "0"):
            pytest.fail(message)
        pytest.skip(message)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(PDF), "-"], capture_output=True, text=True,
                          check=True).stdout
    info = subprocess.run(["pdfinfo", str(PDF)], capture_output=True, text=True, check=True).stdout
    return text, int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def test_pdf_is_the_whole_book(pdf_text):
    text, pages = pdf_text
    assert pages >= 300, f"only {pages} pages"
    for source in sorted((ROOT / "book").glob("[0-9][0-9]-*.md")):
        title = re.search(r"^# (.+)$", source.read_text(encoding="utf-8"), re.M).group(1)
        assert title in text, f"chapter title {title!r} is not in the PDF"
    assert "CONTENTS" in text.upper() and "BIBLIOGRAPHY" in text.upper()


def test_pdf_references_and_citations_resolve(pdf_text):
    text, _ = pdf_text
    unresolved = [text[max(0, m.start() - 60): m.end() + 20] for m in re.finditer(r"\?\?", text)]
    assert not unresolved, f"{len(unresolved)} unresolved references, e.g. {unresolved[:3]}"
    # numbered as on the site: chapter 2's softmax is (2.1), chapter 10's first equation (10.1)
    assert re.search(r"\(2\.1\)", text) and re.search(r"\(10\.1\)", text), "equations are not numbered"
    assert len(re.findall(r"^\[\d+\] ", text, re.M)) >= 100, "the bibliography is missing entries"


def test_pdf_shows_no_widget_repr(pdf_text):
    text, _ = pdf_text
    # the API reference documents `class SliderFigure(*args, **kwargs)`: that is not a repr
    reprs = WIDGET_REPR.findall(text)
    assert not reprs, f"{len(reprs)} widget reprs in the PDF"
    assert text.count(sphinx_pdf.NOTE.split(":")[0]) >= 20, "the widgets' notes are missing"
