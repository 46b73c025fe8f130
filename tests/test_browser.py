"""The site as a reader gets it: every page in headless Chromium, with the network cut off.

The built site (_build/html) is served on 127.0.0.1 by tools/serve.py and every page is
opened in Debian's Chromium, driven by Playwright, with every request to another host
aborted. So a page that needs anything from the internet to be read fails here. For
every page:

- no failed request (blocked, unreachable or HTTP status >= 400) and no console error;
- MathJax has finished, every formula of the page's HTML (Sphinx's span.math / div.math)
  became an <mjx-container>, and none holds an error (<mjx-merror>);
- every image loads and has alt text (not just its file name);
- every display formula fits the width of the text column (nothing cut off or scrolled out
  of sight at 1280 px), reported by equation number, label and TeX;
- every equation reference (a[href*="#equation-"]) points at an id that exists on its page;
- every widget is a static explorer whose script started (no ipywidgets view is left), a
  {note} saying what works on the website and in a notebook precedes it, and a static
  figure (<img>) follows it before the next widget (tests/test_explorers_browser.py moves
  every slider);
- a full-page screenshot is written to _build/screenshots/ for review.

And, read from the HTML: no page refers to a script, style, font or image on another host
(launch buttons and links are not fetched, so they may point anywhere).

One browser for the session and one page at a time; the pages are visited once (the
`site_report` fixture) and each property is its own test. The checker is proved able to
fail on a one-page book built with broken formulas and a request to another host.

Skipped, with the reason, when Chromium or Playwright is missing, unless
RAGMATH_REQUIRE_BROWSER=1 (.ci/run sets it).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import serve  # noqa: E402  (tools/serve.py, the server of `make serve`)

# lite/: the JupyterLite copy of the chapters (make lite), which is online by design (Pyodide
# loads from its CDN); tests/test_lite.py checks it, and the chapter pages that link it are
# checked here like every page
SKIP_DIRECTORIES = {"_static", "_sources", "_images", "reports", "lite"}
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
WIDTH = 1280
TIMEOUT_MS = 60_000

# Collects, in the page, everything the checks need once MathJax and the widgets are done.
INSPECT_JS = """
() => {
  const inWidget = (node) => Boolean(node.closest('.widget-subarea, .jupyter-widgets'));
  const images = Array.from(document.querySelectorAll('img')).map((img) => ({
    src: img.currentSrc || img.src,
    attribute: img.getAttribute('src') || '',
    alt: img.getAttribute('alt'),
    loaded: img.complete && img.naturalWidth > 0,
    inWidget: inWidget(img),
  }));
  const errors = Array.from(document.querySelectorAll('mjx-merror, [data-mjx-error]')).map(
    (node) => node.getAttribute('data-mjx-error') || node.textContent);
  const references = Array.from(document.querySelectorAll('a[href*="#equation-"]')).map((a) => a.href);
  const ids = Array.from(document.querySelectorAll('[id]')).map((node) => node.id);

  // Widgets: on the site each is a static explorer (tools/sphinx_explorers.py); each needs
  // its own {note} before it and a static figure after it. An ipywidgets view left on a
  // page is reported: on a static site its controls would be dead.
  const views = Array.from(document.querySelectorAll(
    '[data-rm-explorer], script[type="application/vnd.jupyter.widget-view+json"]'));
  const notes = Array.from(document.querySelectorAll('div.admonition.note'));
  const figures = Array.from(document.querySelectorAll('.cell_output img, figure img'))
    .filter((img) => !inWidget(img) && !img.closest('.rm-explorer'));
  const before = (a, b) => Boolean(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
  const widgets = views.map((view, i) => {
    const previous = views[i - 1];
    const next = views[i + 1];
    const note = notes.filter((n) => before(n, view) && (!previous || before(previous, n))).pop();
    const figure = figures.find((f) => before(view, f) && (!next || before(f, next)));
    const heading = (view.closest('section') || document.body).querySelector('h1, h2, h3');
    const explorer = view.hasAttribute('data-rm-explorer');
    return {
      model: explorer ? view.id : 'ipywidgets view ' + JSON.parse(view.textContent).model_id,
      section: heading ? heading.textContent.replace(/[#¶]/g, '').trim() : '',
      rendered: explorer && view.classList.contains('rm-explorer-ready'),
      explorer,
      note: note ? note.textContent.replace(/\\s+/g, ' ').trim() : null,
      figure: figure ? (figure.getAttribute('alt') || figure.getAttribute('src')) : null,
    };
  });
  return {
    // formulas of the page itself (a widget label could also hold math, typeset on rendering)
    containers: Array.from(document.querySelectorAll('mjx-container')).filter((n) => !inWidget(n)).length,
    errors, images, references, ids, widgets,
  };
}
"""

# Every display formula against the box it is drawn in. In this theme div.math is a flex row
# (the equation number, then the mjx-container with overflow: auto), so a formula wider than
# its container is cut off behind a scroll bar. Formulas inside a closed dropdown (a solution)
# are laid out at full width, only hidden, so they are measured as well.
WIDE_FORMULAS_JS = """
(slack) => {
  const tex = new Map();
  if (window.MathJax && MathJax.startup && MathJax.startup.document) {
    for (const item of MathJax.startup.document.math) {
      if (item.typesetRoot) tex.set(item.typesetRoot, item.math);
    }
  }
  return Array.from(document.querySelectorAll('mjx-container[display="true"]'))
    .filter((c) => !c.closest('.widget-subarea, .jupyter-widgets'))
    .map((container) => {
      const math = container.querySelector('mjx-math');
      const box = container.closest('div.math');
      const number = box ? box.querySelector('.eqno') : null;
      return {
        label: box && box.id ? box.id.replace(/^equation-/, '') : '',
        number: number ? number.textContent.replace(/[#¶]/g, '').trim() : '',
        tex: (tex.get(container) || '').replace(/\\s+/g, ' ').trim().slice(0, 100),
        math: math ? math.getBoundingClientRect().width : 0,
        available: container.clientWidth,
        scrolls: container.scrollWidth - container.clientWidth,
      };
    })
    .filter((f) => f.math > f.available + slack || f.scrolls > slack);
}
"""
WIDTH_SLACK_PX = 2  # sub-pixel widths are rounded


@dataclass
class PageReport:
    """What a reader's browser met on one page."""

    page: str
    url: str
    formulas: int = 0  # in the page's HTML, before MathJax
    containers: int = 0  # rendered by MathJax
    mathjax: str = "absent"  # "absent", "done", or what went wrong
    failed_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    math_errors: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    widgets: list[dict] = field(default_factory=list)
    wide_formulas: list[dict] = field(default_factory=list)  # display formulas wider than their column
    screenshot: Path | None = None
    redirect: str | None = None  # a page that only forwards the reader (the root index.html)
    seconds: float = 0.0

    def math_problems(self) -> list[str]:
        problems = []
        if self.formulas and self.mathjax != "done":
            problems.append(f"MathJax did not finish: {self.mathjax}")
        if self.containers != self.formulas:
            problems.append(
                f"{self.formulas} formulas in the HTML but {self.containers} rendered by MathJax "
                "(a formula MathJax did not recognise stays raw TeX, e.g. an unbalanced brace)"
            )
        problems += [f"MathJax error: {message}" for message in self.math_errors]
        return problems

    def image_problems(self) -> list[str]:
        problems = []
        for image in self.images:
            name = image["attribute"][:80]
            if not image["loaded"]:
                problems.append(f"image does not load: {name}")
            # The live rendering of a widget's stored output carries no alt text of its
            # own; the static figure that follows every widget is checked instead.
            if image["inWidget"]:
                continue
            alt = (image["alt"] or "").strip()
            if not alt:
                problems.append(f"image without alt text: {name}")
            elif alt == image["attribute"] or alt.rsplit("/", 1)[-1] == image["attribute"].rsplit("/", 1)[-1]:
                problems.append(f"image whose alt text is its file name: {name}")
        return problems

    def width_problems(self) -> list[str]:
        problems = []
        for formula in self.wide_formulas:
            name = " ".join(filter(None, [formula["number"], formula["label"]])) or "unnumbered"
            problems.append(
                f"display formula {name} is {formula['math']:.0f} px wide in a {formula['available']} px "
                f"column (scrolls {formula['scrolls']} px): {formula['tex']}"
            )
        return problems

    def widget_problems(self) -> list[str]:
        problems = []
        for widget in self.widgets:
            where = f"widget {widget['model'][:40]} in '{widget['section']}'"
            if not widget["explorer"]:
                problems.append(f"{where} is an ipywidgets view, not a static explorer (its controls are dead here)")
            elif not widget["rendered"]:
                problems.append(f"{where}: its explorer script did not start (explorer.js)")
            note = (widget["note"] or "").lower()
            if "website" not in note or "notebook" not in note:
                problems.append(f"{where}: no {{note}} before it saying what works on the website and in a notebook")
            if widget["figure"] is None:
                problems.append(f"{where}: no static figure (<img>) after it before the next widget")
        return problems


def site_pages(site: Path) -> list[Path]:
    """Every HTML page a reader can open (search and index pages included)."""
    return sorted(p for p in site.rglob("*.html") if not SKIP_DIRECTORIES & set(p.relative_to(site).parts))


def formula_count(html: str) -> int:
    """Formulas Sphinx wrote for MathJax: inline <span class="math">, display <div class="math">."""
    return len(BeautifulSoup(html, "html.parser").select("span.math, div.math"))


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"data", "blob", "about"} or parts.hostname in LOCAL_HOSTS


def new_context(browser):
    """A browser context in which every request to a host other than localhost is aborted."""
    context = browser.new_context(viewport={"width": WIDTH, "height": 900}, service_workers="block")

    def route(route_, request):
        if is_local(request.url):
            route_.continue_()
        else:
            route_.abort("blockedbyclient")

    context.route("**/*", route)
    return context


def check_page(context, site: Path, base_url: str, page_path: Path, screenshots: Path | None) -> PageReport:
    """Open one page as a reader would and record everything the checks look at."""
    relative = page_path.relative_to(site).as_posix()
    report = PageReport(page=relative, url=urljoin(base_url, relative))
    html = page_path.read_text(encoding="utf-8")
    refresh = BeautifulSoup(html, "html.parser").select_one('meta[http-equiv="Refresh" i]')
    report.formulas = formula_count(html)
    started = time.monotonic()
    page = context.new_page()
    page.on("console", lambda m: report.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: report.console_errors.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda r: report.failed_requests.append(f"{r.url[:120]} ({r.failure})"))
    page.on(
        "response",
        lambda r: report.failed_requests.append(f"{r.url[:120]} (HTTP {r.status})") if r.status >= 400 else None,
    )
    try:
        page.goto(report.url, wait_until="load", timeout=TIMEOUT_MS)
        if refresh is not None:  # "0; url=book/index.html": follow it; the target is checked as a page
            report.redirect = urljoin(report.url, refresh["content"].split("url=", 1)[1].strip())
            page.wait_for_url(report.redirect, wait_until="load", timeout=TIMEOUT_MS)
            return report
        has_mathjax = page.evaluate("() => Boolean(document.querySelector('script[src*=\"mathjax\" i]'))")
        if has_mathjax or report.formulas:
            try:
                # MathJax is a deferred script: once the page has loaded, it is there or it failed
                page.wait_for_function(
                    "() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=10_000
                )
                page.evaluate("() => MathJax.startup.promise.then(() => true)")
                report.mathjax = "done"
            except Exception as error:  # noqa: BLE001 - recorded and reported per page
                report.mathjax = f"{type(error).__name__}: {str(error).splitlines()[0]}"
        if page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count() and page.evaluate(
            "() => typeof window.requirejs !== 'undefined'"  # without it, nothing will render
        ):
            try:  # the HTML manager inserts a .widget-subarea before each view it renders
                page.wait_for_function(
                    """() => Array.from(document.querySelectorAll(
                         'script[type="application/vnd.jupyter.widget-view+json"]')).every((s) =>
                         s.previousElementSibling && s.previousElementSibling.classList.contains('widget-subarea')
                         && s.previousElementSibling.childElementCount > 0)""",
                    timeout=TIMEOUT_MS // 2,
                )
            except Exception:  # noqa: BLE001 - the widget check reports which view did not render
                pass
            # widget labels are typeset after the page (chained on MathJax.startup.promise)
            page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise.then(() => true) : true")
        # Lazy images load only when scrolled to: load them all before looking.
        page.evaluate(
            """() => Promise.all(Array.from(document.images).map((img) => {
                 img.loading = 'eager';
                 return img.complete ? null : new Promise((done) => {
                   img.addEventListener('load', done); img.addEventListener('error', done);
                   setTimeout(done, 10000); });
               }))"""
        )
        found = page.evaluate(INSPECT_JS)
        report.containers = found["containers"]
        report.math_errors = found["errors"]
        report.images = found["images"]
        report.references = found["references"]
        report.ids = set(found["ids"])
        report.widgets = found["widgets"]
        report.wide_formulas = page.evaluate(WIDE_FORMULAS_JS, WIDTH_SLACK_PX)
        if screenshots is not None:
            report.screenshot = screenshots / (relative.removesuffix(".html").replace("/", "__") + ".png")
            report.screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(report.screenshot), full_page=True, timeout=TIMEOUT_MS)
    finally:
        page.close()
        report.seconds = time.monotonic() - started
    return report


def check_site(browser, site: Path, screenshots: Path | None) -> list[PageReport]:
    server, base_url = serve.start(site)
    context = new_context(browser)
    try:
        return [check_page(context, site, base_url, page, screenshots) for page in site_pages(site)]
    finally:
        context.close()
        server.shutdown()
        server.server_close()


def unresolved_references(reports: list[PageReport]) -> list[str]:
    """Equation links whose target id is not on the target page (pages known from the reports)."""
    ids_at = {urldefrag(r.url)[0]: r.ids for r in reports}
    problems = []
    for report in reports:
        for href in report.references:
            target, fragment = urldefrag(href)
            if target not in ids_at:
                problems.append(f"{report.page}: link to a page that was not checked: {href}")
            elif fragment not in ids_at[target]:
                problems.append(f"{report.page}: reference to missing equation #{fragment} on {target}")
    return problems


def listing(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{page}:\n  " + "\n  ".join(items) for page, items in problems.items() if items)


# ---------------------------------------------------------------- the built site


@pytest.fixture(scope="module")
def site_report(site_dir, browser) -> list[PageReport]:
    started = time.monotonic()
    reports = check_site(browser, site_dir, site_dir.parent / "screenshots")
    seconds = time.monotonic() - started
    slowest = max(reports, key=lambda r: r.seconds)
    print(f"\nbrowser check: {len(reports)} pages in {seconds:.1f} s (slowest {slowest.page}, {slowest.seconds:.1f} s)")
    return reports


def test_the_whole_site_is_checked(site_report):
    pages = {r.page for r in site_report}
    assert len(pages) >= 15, f"only {len(pages)} pages found"
    assert "index.html" in pages and any(p.startswith("notebooks/") for p in pages)
    assert sum(r.formulas for r in site_report) >= 500, "too few formulas found: is the selector still right?"
    assert sum(len(r.widgets) for r in site_report) >= 5, "too few widget views found"


def test_no_failed_request_and_no_console_error(site_report):
    """Every request is to localhost and succeeds: the site is self-contained."""
    problems = {r.page: r.failed_requests + [f"console: {e}" for e in r.console_errors] for r in site_report}
    assert not any(problems.values()), "pages that need the network or log errors:\n" + listing(problems)


def test_mathjax_renders_every_formula_without_error(site_report):
    problems = {r.page: r.math_problems() for r in site_report}
    assert not any(problems.values()), "formulas that do not render in the browser:\n" + listing(problems)
    assert sum(r.containers for r in site_report) == sum(r.formulas for r in site_report)


def test_every_image_loads_and_has_alt_text(site_report):
    problems = {r.page: r.image_problems() for r in site_report}
    assert not any(problems.values()), "images that do not load or have no alt text:\n" + listing(problems)


def test_every_equation_reference_resolves_in_the_browser(site_report):
    assert sum(len(r.references) for r in site_report) >= 100, "too few equation references found"
    problems = unresolved_references(site_report)
    assert not problems, "\n".join(problems)


def test_every_display_formula_fits_the_text_column(site_report):
    """At the width of a laptop screen no display formula is cut off or needs scrolling."""
    problems = {r.page: r.width_problems() for r in site_report}
    assert not any(problems.values()), f"display formulas wider than the text column at {WIDTH} px:\n" + listing(problems)


def test_every_widget_has_a_note_before_and_a_static_figure_after(site_report):
    problems = {r.page: r.widget_problems() for r in site_report}
    assert not any(problems.values()), "widgets without their fallbacks:\n" + listing(problems)


def test_a_screenshot_of_every_page(site_report):
    for report in site_report:
        if report.redirect:
            continue
        assert report.screenshot is not None and report.screenshot.is_file(), f"{report.page}: no screenshot"
        with report.screenshot.open("rb") as png:
            header = png.read(24)
        assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{report.screenshot} is not a PNG"
        width = int.from_bytes(header[16:20], "big")
        assert width == WIDTH, f"{report.screenshot}: {width} px wide, expected {WIDTH}"


def test_chapter_pages_link_their_browser_copy_and_stay_offline(site_report, site_dir):
    """Each chapter page has its "Run in your browser" button and note (tools/sphinx_launch.py),
    and with them still needs nothing from the network: the browser copy loads only when clicked."""
    chapters = [r for r in site_report if r.page.startswith("notebooks/") and r.page[10:12].isdigit()]
    assert len(chapters) == 10, [r.page for r in chapters]
    for report in chapters:
        soup = BeautifulSoup((site_dir / report.page).read_text(encoding="utf-8"), "html.parser")
        stem = Path(report.page).stem
        links = [a["href"] for a in soup.select("a[href]") if "lite/lab/index.html" in a["href"]]
        assert f"../lite/lab/index.html?path={stem}.ipynb" in links, f"{report.page}: no browser-copy link ({links})"
        note = soup.select_one("div.rm-lite-note")
        assert note is not None and "needs the internet" in note.get_text(), f"{report.page}: no note"
        assert not report.failed_requests and not report.console_errors, (report.page, report.failed_requests)


def external_resources(html: str) -> list[str]:
    """What a page's HTML would fetch from another host (links a reader clicks are not fetched)."""
    soup = BeautifulSoup(html, "html.parser")
    found = [node.get("src", "") for node in soup.select("script[src], img[src], iframe[src], source[src], video[src], audio[src], embed[src]")]
    found += [node.get("href", "") for node in soup.select("link[href]") if not {"canonical", "alternate"} & set(node.get("rel", []))]
    return [url for url in found if url.startswith(("http://", "https://", "//"))]


def test_no_page_refers_to_a_resource_on_another_host(site_dir):
    """The static counterpart of the network check: no script, style, font or image URL of another host."""
    pages = site_pages(site_dir)
    problems = {p.relative_to(site_dir).as_posix(): external_resources(p.read_text(encoding="utf-8")) for p in pages}
    assert not any(problems.values()), listing(problems)
    assert external_resources('<script src="https://cdn.example.org/x.js"></script><a href="https://mybinder.org">')


def test_the_widget_manager_matches_ipywidgets():
    """The HTML manager the site serves is built on the same widget packages as the installed ipywidgets.

    ipywidgets ships its JupyterLab manager (jupyterlab_widgets) built on @jupyter-widgets/base,
    controls and output; the HTML manager pinned in tools/mathjax/package.json must depend on the
    same versions, or the stored widget state could name models the page cannot draw.
    """
    import json

    manager = ROOT / "tools/mathjax/node_modules/@jupyter-widgets/html-manager/package.json"
    if not manager.exists():
        pytest.skip("the npm packages are not installed: npm ci --prefix tools/mathjax (make book does)")
    lab = Path(sys.prefix) / "share/jupyter/labextensions/@jupyter-widgets/jupyterlab-manager/package.json"
    html_dependencies = json.loads(manager.read_text(encoding="utf-8"))["dependencies"]
    lab_dependencies = json.loads(lab.read_text(encoding="utf-8"))["dependencies"]
    for package in ("@jupyter-widgets/base", "@jupyter-widgets/controls", "@jupyter-widgets/output"):
        assert html_dependencies[package] == lab_dependencies[package], (
            f"{package}: the HTML manager wants {html_dependencies[package]}, "
            f"ipywidgets' JupyterLab manager {lab_dependencies[package]}"
        )


# ---------------------------------------------------------------- the checker can fail


BROKEN_PAGE = r"""
# A page with broken mathematics

A good formula: $\cos\theta = \frac{\mathbf a \cdot \mathbf b}{\lVert \mathbf a \rVert \, \lVert \mathbf b \rVert}$.

A missing brace: $\frac{1}{$ and an undefined macro: $\undefinedmacro x$.

```{math}
:label: good-one
a^2 + b^2 = c^2
```

```{math}
:label: too-wide
\begin{aligned}
S &= x_1 + x_2 + x_3 + x_4 + x_5 + x_6 + x_7 + x_8 + x_9 + x_{10} + x_{11} + x_{12} + x_{13} + x_{14}
  && \text{(a reason long enough to push this line past the right edge of the text column)}
\end{aligned}
```

A reference to {eq}`good-one`, and a link to an equation that does not exist:
<a href="#equation-not-there">broken</a>.

<img src="https://example.org/figure.png" alt="a figure from another host">
"""


def build_broken_book(tmp_path: Path) -> Path:
    """A one-page Jupyter Book with this book's MathJax and asset settings, built into tmp_path."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    sphinx_config = dict(config["sphinx"]["config"])
    static = [str((ROOT / p).resolve()) for p in sphinx_config.get("html_static_path", [])]
    extensions = {name: str((ROOT / path).resolve()) for name, path in config["sphinx"].get("local_extensions", {}).items()}
    keep = ("mathjax_path", "mathjax3_config", "nb_ipywidgets_js", "myst_dmath_double_inline", "math_numfig")
    book = tmp_path / "book"
    book.mkdir()
    (book / "_config.yml").write_text(
        yaml.safe_dump(
            {
                "title": "Broken",
                "execute": {"execute_notebooks": "off"},
                "parse": config["parse"],
                "sphinx": {"local_extensions": extensions, "config": {"html_static_path": static, **{k: sphinx_config[k] for k in keep if k in sphinx_config}}},
            }
        ),
        encoding="utf-8",
    )
    (book / "_toc.yml").write_text("format: jb-book\nroot: index\n", encoding="utf-8")
    (book / "index.md").write_text(textwrap.dedent(BROKEN_PAGE), encoding="utf-8")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run(
        [str(jupyter_book), "build", str(book), "--builder", "html", "--path-output", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300, check=False,
    )
    site = tmp_path / "out" / "_build" / "html"
    assert (site / "index.html").exists(), f"the one-page book did not build:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return site


def test_the_checker_reports_a_broken_page(tmp_path, browser):
    site = build_broken_book(tmp_path)
    [report] = [r for r in check_site(browser, site, tmp_path / "screenshots") if r.page == "index.html"]
    assert report.mathjax == "done"
    # the page loads MathJax from the site itself, with this book's settings
    assert report.formulas == 5 and report.containers == 4  # \frac{1}{ stays raw TeX
    assert any("Undefined control sequence \\undefinedmacro" in e for e in report.math_errors), report.math_errors
    problems = report.math_problems()
    assert any("5 formulas in the HTML but 4 rendered" in p for p in problems), problems
    # the over-wide derivation is reported, by number and label; the short formulas are not
    [wide] = report.width_problems()
    assert wide.startswith("display formula (2) too-wide is "), wide
    assert "S &= x_1 + x_2" in wide and "scrolls" in wide
    assert any("example.org/figure.png" in f for f in report.failed_requests), report.failed_requests
    assert "image does not load: https://example.org/figure.png" in report.image_problems()
    assert any("#equation-not-there" in p for p in unresolved_references([report]))
    assert not any("good-one" in p for p in unresolved_references([report]))
    assert report.screenshot.is_file()
