"""The PDF edition (``make pdf``): what the LaTeX build needs beyond the site's configuration.

- A widget has no PDF form: its stored output falls back to its text repr
  (``SliderFigure(children=(HBox(...``). In a non-HTML build that repr is replaced by a sentence
  that says where the widget runs; the static small multiples that follow every widget (a book
  rule, checked by the tests) show in print what moving its sliders shows.
- sphinx-jupyterbook-latex's ``jupyterBook`` class requires ``bbm.sty``, which Debian ships only
  in the 500 MB ``texlive-fonts-extra``: tools/latex/bbm.sty stands in for it (the book uses no
  ``\\mathbbm``), copied next to the .tex by ``latex_additional_files``. The TeX packages the
  build needs are ``PDF_PACKAGES`` (the Makefile and the README name the same list).
- The site offers the PDF: the ``{pdf-edition}`` directive (on the home page and in "How to use this
  book") links it when ``make pdf`` has written it, and the HTML build copies it into the site.
  With no PDF built, the directive says how to build one instead of showing a link that would
  fail. The page notes the PDF as a dependency, so a PDF built later brings the link in at the next
  build (``make pdf`` rebuilds the site when there is one). In the PDF itself it says so.
"""

from __future__ import annotations

import posixpath
import re
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

# Debian packages of `make pdf` (xelatex, latexmk, the fonts, pdftotext for the test).
PDF_PACKAGES = ("texlive-xetex", "texlive-latex-recommended", "texlive-latex-extra",
                "texlive-fonts-recommended", "lmodern", "fonts-freefont-otf", "latexmk", "poppler-utils")
# the text repr of an ipywidgets container: ClassName(children=(...
WIDGET_REPR = re.compile(r"^[A-Z]\w*\((children|layout)=")
NOTE = ("Interactive figure: its sliders move on the website and in the notebook. "
        "The small multiples below show what moving them shows.")


def replace_widget_reprs(app, doctree, docname) -> None:
    if app.builder.format == "html":
        return
    for block in list(doctree.findall(nodes.literal_block)):
        parent = block.parent
        if not (isinstance(parent, nodes.container) and "cell_output" in parent.get("classes", [])):
            continue
        if WIDGET_REPR.match(block.astext()):
            note = nodes.paragraph("", "", nodes.emphasis("", NOTE))
            block.replace_self(note)


PDF_NAME = "mathematics-of-rag.pdf"


def built_pdf(app) -> Path:
    """Where ``make pdf`` writes the PDF: _build/latex/ beside the site's _build/html/."""
    return Path(app.outdir).parent / "latex" / PDF_NAME


class pdf_edition(nodes.General, nodes.Element):
    """Placeholder resolved per builder (the link is relative to the page that shows it)."""


class PdfEditionDirective(SphinxDirective):
    has_content = False

    def run(self):
        pdf = built_pdf(self.env.app)
        # a dependency (relative to the source directory): a PDF built, rebuilt or removed later
        # makes this page outdated, so the next build shows the right sentence
        self.env.note_dependency(posixpath.relpath(pdf.as_posix(), Path(self.env.srcdir).as_posix()))
        return [pdf_edition()]


def resolve_pdf_edition(app, doctree, docname) -> None:
    pdf = built_pdf(app)
    for node in list(doctree.findall(pdf_edition)):
        paragraph = nodes.paragraph()
        if app.builder.format != "html":
            paragraph += nodes.emphasis("", "You are reading the PDF edition: the website has the same "
                                            "pages, with sliders that move.")
        elif pdf.is_file():
            size = pdf.stat().st_size / 1e6
            uri = posixpath.relpath(PDF_NAME, posixpath.dirname(docname) or ".")
            link = nodes.reference("", "", nodes.strong("", "Download the whole book as one PDF"),
                                   refuri=uri, internal=False)
            paragraph += link
            paragraph += nodes.Text(f" ({size:.1f} MB): every chapter, equation numbers as here, the "
                                    "static figures in place of the sliders, and the bibliography.")
        else:
            paragraph += nodes.Text("The book also exists as one PDF, built from these pages by ")
            paragraph += nodes.literal("", "make pdf")
            paragraph += nodes.Text(" (it needs TeX: see the README). This copy of the site was built "
                                    "without it, so there is no PDF to download here.")
        node.replace_self(paragraph)


def copy_pdf_into_site(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    pdf = built_pdf(app)
    target = Path(app.outdir) / PDF_NAME
    if pdf.is_file():
        shutil.copy2(pdf, target)
    elif target.exists():
        target.unlink()   # no stale PDF that no page links


def setup(app):
    app.connect("doctree-resolved", replace_widget_reprs)
    app.add_node(pdf_edition)
    app.add_directive("pdf-edition", PdfEditionDirective)
    app.connect("doctree-resolved", resolve_pdf_edition)
    app.connect("build-finished", copy_pdf_into_site)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
