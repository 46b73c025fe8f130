"""Every slider of every page moved in Chromium, with the network cut off: the figure must follow.

For each chapter page of the built site, every control a reader can move (every
``input[type=range]``, every element with ``role=slider``, and the explorers'
menus and checkboxes) is moved twice: once by the keyboard (focus, arrow key)
and once by setting its value (as a script or assistive technology would), and
after each move the figure must show the frame the page's grid assigns to the
new positions: the ``<img>`` has loaded exactly that frame's URL. The expected
positions are computed here, independently of explorer.js, from the page's grid
(which controls may be off their defaults at once). A slider outside any
explorer can change no figure and is reported as dead.

The checker is proved able to fail: on a copy of a chapter page whose explorer
script is missing, every slider moves but no figure changes, and every one of
them is reported. The frames themselves are checked against the plot functions
in tests/test_explorers.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import urljoin

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import explorers  # noqa: E402  (tools/explorers.py)
import serve  # noqa: E402  (tools/serve.py)
from test_browser import new_context  # noqa: E402  (the context with every other host cut off)

CONTROLS = 'input[type="range"], [role="slider"], select, input[type="checkbox"]'
STATE_JS = """(root) => {
  const img = root.querySelector('.rm-explorer-card img');
  return {src: img.getAttribute('src'), loaded: img.complete && img.naturalWidth > 0,
          alt: img.getAttribute('alt') || ''};
}"""


def expected_point(point: list[int], moved: list[int], axes: list[dict], free: int, n: int, j: int) -> None:
    """Control n moved to position j: the grid's rule, applied to point and moved in place."""
    point[n] = j
    if n in moved:
        moved.remove(n)
    if j != axes[n]["default"]:
        moved.append(n)
    while len(moved) > free:
        oldest = moved.pop(0)
        point[oldest] = axes[oldest]["default"]


def _wait_for(page, root, url: str) -> dict:
    try:
        page.wait_for_function(
            """([root, url]) => { const img = root.querySelector('.rm-explorer-card img');
                 return img.getAttribute('src') === url && img.complete && img.naturalWidth > 0; }""",
            arg=[root, url], timeout=1500)
    except Exception:  # noqa: BLE001 - the state is compared and reported below
        pass
    return root.evaluate(STATE_JS)


def check_explorers(page) -> tuple[list[str], int]:
    """Move every control of the open page; (problems, number of sliders moved)."""
    problems, sliders = [], 0
    outside = page.evaluate(
        """() => Array.from(document.querySelectorAll('input[type="range"], [role="slider"]'))
             .filter((c) => !c.closest('[data-rm-explorer]')).length""")
    if outside:
        problems.append(f"{outside} slider(s) outside any explorer: moving them changes no figure")
    for e, root in enumerate(page.query_selector_all("[data-rm-explorer]")):
        data = json.loads(root.query_selector("script.rm-explorer-data").text_content())
        axes, free = data["axes"], data["free"]
        point = [a["default"] for a in axes]
        moved: list[int] = []
        for n, axis in enumerate(axes):
            control = root.query_selector(f'[data-axis="{n}"]:not(output)')
            if control is None or not control.evaluate(f"(c) => c.matches('{CONTROLS}')"):
                problems.append(f"explorer {e} ({data['plot']}): control {axis['label']} is missing")
                continue
            last = len(axis["labels"]) - 1
            where = f"explorer {e} ({data['plot'].rsplit('.', 1)[-1]}), {axis['label']}"
            moves = []
            if axis["kind"] == "range":
                sliders += 1
                key = "ArrowRight" if point[n] < last else "ArrowLeft"
                moves.append(("keyboard " + key, point[n] + (1 if key == "ArrowRight" else -1), key))
                target = last if point[n] + 1 != last else 0
                moves.append((f"value set to {target}", target, None))
            elif axis["kind"] == "checkbox":
                moves.append(("click", 1 - point[n], None))
            else:
                moves.append((f"option {last}", last, None))
                moves.append(("option 0", 0, None))
            for how, j, key in moves:
                before = root.evaluate(STATE_JS)["src"]
                if axis["kind"] == "range" and key:
                    control.focus()
                    page.keyboard.press(key)
                elif axis["kind"] == "range":
                    control.evaluate(
                        "(c, v) => { c.value = String(v); c.dispatchEvent(new Event('input', {bubbles: true})); }", j)
                elif axis["kind"] == "checkbox":
                    control.click()
                else:
                    control.select_option(index=j)
                expected_point(point, moved, axes, free, n, j)
                url = data["frames"][",".join(map(str, point))]
                state = _wait_for(page, root, url)
                label = axis["labels"][j]
                if state["src"] != url:
                    stuck = " (the figure did not change)" if state["src"] == before else ""
                    problems.append(f"{where}, {how}: shows {state['src']}, not the frame of "
                                    f"{axis['label']} = {label} ({url}){stuck}")
                elif not state["loaded"]:
                    problems.append(f"{where}, {how}: the frame {url} did not load")
                if f"{axis['label']} = {label}" not in state["alt"]:
                    problems.append(f"{where}, {how}: the figure's alt text does not name {axis['label']} = {label}")
                if axis["kind"] == "range":
                    text = control.get_attribute("aria-valuetext") or ""
                    if not text.endswith(f"= {label}"):
                        problems.append(f"{where}, {how}: aria-valuetext is {text!r}, not {label!r}")
    return problems, sliders


def _chapters(site: Path) -> list[Path]:
    return sorted((site / "notebooks").glob("[0-9][0-9]-*.html"))


@pytest.fixture(scope="module")
def served(site_dir):
    server, base_url = serve.start(site_dir)
    yield base_url
    server.shutdown()
    server.server_close()


def test_every_slider_of_every_chapter_changes_its_figure_to_the_right_frame(site_dir, browser, served):
    context = new_context(browser)
    failed_requests, report = [], {}
    sliders = explorers_total = 0
    try:
        for path in _chapters(site_dir):
            page = context.new_page()
            page.on("requestfailed", lambda r: failed_requests.append(r.url))
            page.goto(urljoin(served, f"notebooks/{path.name}"), wait_until="load")
            page.wait_for_function("() => document.querySelectorAll('[data-rm-explorer]').length === "
                                   "document.querySelectorAll('.rm-explorer-ready').length")
            problems, count = check_explorers(page)
            found = page.locator("[data-rm-explorer]").count()
            views = len(explorers.displayed_views(ROOT / "notebooks" / f"{path.stem}.ipynb"))
            if found != views:
                problems.append(f"{views} widgets in the notebook, {found} explorers on the page")
            report[path.name] = problems
            sliders += count
            explorers_total += found
            page.close()
    finally:
        context.close()
    print(f"\nexplorers: {explorers_total} on {len(report)} pages, {sliders} sliders moved by keyboard and by value")
    assert explorers_total >= 19 and sliders >= 30
    assert not failed_requests, failed_requests
    bad = {page: p for page, p in report.items() if p}
    assert not bad, "\n".join(f"{page}:\n  " + "\n  ".join(p) for page, p in bad.items())


def test_the_check_catches_a_dead_slider(site_dir, browser, served):
    """The chapter 1 page without its explorer script: sliders move, figures do not; all reported."""
    original = (site_dir / "notebooks" / "01-similarity.html").read_text(encoding="utf-8")
    broken = original.replace('src="../_static/explorer.js', 'data-removed="../_static/explorer.js')
    assert broken != original, "the page does not load explorer.js as expected"
    context = new_context(browser)
    context.route("**/notebooks/dead-slider.html",
                  lambda route, request: route.fulfill(status=200, content_type="text/html", body=broken))
    try:
        page = context.new_page()
        page.goto(urljoin(served, "notebooks/dead-slider.html"), wait_until="load")
        problems, sliders = check_explorers(page)
    finally:
        context.close()
    assert sliders >= 4
    stuck = [p for p in problems if "the figure did not change" in p]
    assert len(stuck) >= sliders, problems  # every slider, by keyboard and by value (or more)
    # and a slider outside any explorer (a live ipywidget's, say) is reported as dead
    context = new_context(browser)
    page = context.new_page()
    page.set_content('<input type="range" min="0" max="3"><div role="slider" tabindex="0"></div>')
    problems, _ = check_explorers(page)
    context.close()
    assert problems == ["2 slider(s) outside any explorer: moving them changes no figure"]
