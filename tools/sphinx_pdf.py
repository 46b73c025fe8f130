"""The PDF edition (``make pdf``): what the LaTeX build needs beyond the site's configuration.

- A widget has no PDF form: its stored output falls back to its text repr
  (``SliderFigure(children=(HBox(...``). In a non-HTML build that repr is replaced by a sentence
  that says where the widget runs; the static small multiples that follow every widget (a book
  rule, checked by the tests) show in print what moving its sliders shows.
- sphinx-jupyterbook-latex's ``jupyterBook`` class requires ``bbm.sty``, which Debian ships only
  in the 500 MB ``texlive-fonts-extra``: tools/latex/bbm.sty stands in for it (the book uses no
  ``\\mathbbm``), copied next to the .tex by ``latex_additional_files``. The TeX packages the
  build needs are ``PDF_PACKAGES`` (the Makefile and the README name the same list).
"""

from __future__ import annotations

import re

from docutils import nodes

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


def setup(app):
    app.connect("doctree-resolved", replace_widget_reprs)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
