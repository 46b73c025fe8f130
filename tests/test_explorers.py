"""Static explorers: grids from a widget's controls, frames, cache keys, and the built site's frames.

The browser half (every slider of every page moved in Chromium) is in
tests/test_explorers_browser.py.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
from bs4 import BeautifulSoup

from ragmath.widgets import _base, _explorer
from ragmath.widgets._base import FrameCache, SliderFigure
from ragmath.widgets._explorer import (
    control_axis,
    explorer_grid,
    frame_key,
    frame_png,
    plot_source_hash,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import explorers  # noqa: E402  (tools/explorers.py)
import sphinx_explorers  # noqa: E402  (tools/sphinx_explorers.py)

VIEW = "application/vnd.jupyter.widget-view+json"


# ---------------------------------------------------------------- one control


def test_an_int_slider_gives_its_values_and_labels():
    axis = control_axis("k", widgets.IntSlider(value=7, min=1, max=10, step=3, description="top k"))
    assert axis.values == (1, 4, 7, 10) and axis.labels == ("1", "4", "7", "10")
    assert axis.default == 2 and axis.kind == "range" and axis.label == "top k" and axis.positions == 4


def test_a_float_slider_gives_clean_values_formatted_as_its_readout():
    axis = control_axis("b", widgets.FloatSlider(value=0.3, min=0.0, max=1.0, step=0.1, readout_format=".1f"))
    assert axis.values[3] == 0.3  # not 0.30000000000000004
    assert len(axis) == 11 and axis.values[-1] == 1.0 and axis.default == 3
    assert axis.labels[:3] == ("0.0", "0.1", "0.2")


def test_a_log_slider_gives_powers_of_its_base():
    axis = control_axis("a", widgets.FloatLogSlider(value=0.01, base=10, min=-3, max=0, step=1))
    assert axis.values == (0.001, 0.01, 0.1, 1.0) and axis.default == 1


def test_selections_checkboxes_and_comboboxes():
    slider = control_axis("s", widgets.SelectionSlider(options=[("low", 1), ("high", 2)], value=2))
    assert (slider.kind, slider.values, slider.labels, slider.default) == ("range", (1, 2), ("low", "high"), 1)
    menu = control_axis("m", widgets.Dropdown(options=["a", "b", "c"], value="b"))
    assert (menu.kind, menu.values, menu.default) == ("select", ("a", "b", "c"), 1)
    box = control_axis("c", widgets.Checkbox(value=True))
    assert (box.kind, box.values, box.default) == ("checkbox", (False, True), 1)
    combo = control_axis("q", widgets.Combobox(value="x y", options=["u", "x y"], ensure_option=False))
    assert (combo.kind, combo.values, combo.default) == ("select", ("x y", "u"), 0)


def test_a_control_with_no_finite_values_is_refused_by_name():
    with pytest.raises(ValueError, match="'query'.*Text"):
        control_axis("query", widgets.Text(value="free text"))
    with pytest.raises(ValueError, match="controls is empty"):
        explorer_grid({})
    with pytest.raises(ValueError, match="budget"):
        explorer_grid({"k": widgets.IntSlider()}, budget=0)


def test_coarsening_keeps_both_ends_and_the_default():
    axis = control_axis("t", widgets.IntSlider(value=37, min=0, max=180, step=1))
    coarse = axis.coarsened(10)
    assert len(coarse) <= 10 and coarse.values[0] == 0 and coarse.values[-1] == 180
    assert coarse.values[coarse.default] == 37 and coarse.positions == 181
    assert list(coarse.values) == sorted(coarse.values)
    assert axis.coarsened(500) is axis


# ---------------------------------------------------------------- the grid


def _sliders(*sizes, defaults=None):
    defaults = defaults or [0] * len(sizes)
    return {f"x{i}": widgets.IntSlider(value=d, min=0, max=n - 1) for i, (n, d) in enumerate(zip(sizes, defaults))}


@pytest.mark.parametrize("sizes", [(5,), (4, 6), (9, 9, 9), (60, 100, 100), (31, 2, 7, 40)])
def test_the_grid_fits_the_budget_and_leaves_no_slider_dead(sizes):
    defaults = [n // 2 for n in sizes]
    grid = explorer_grid(_sliders(*sizes, defaults=defaults), budget=100)
    assert len(grid.points) <= 100 or grid.free == 1
    assert len(set(grid.points)) == len(grid.points) == _explorer._count([len(a) for a in grid.axes], grid.free)
    default = tuple(a.default for a in grid.axes)
    assert grid.points[0] == default
    assert [grid.axes[i].values[default[i]] for i in range(len(sizes))] == defaults
    for i, axis in enumerate(grid.axes):  # every position of every slider, the others at their defaults
        assert len(axis) >= 2
        for j in range(len(axis)):
            assert default[:i] + (j,) + default[i + 1:] in grid.points
    if grid.free < len(sizes):  # not the product: no point has more than `free` sliders moved
        assert max(sum(p != d for p, d in zip(point, default)) for point in grid.points) == grid.free


def test_small_widgets_get_the_full_product_grid():
    grid = explorer_grid(_sliders(4, 6), budget=100)
    assert grid.product and len(grid.points) == 24
    assert grid.describe((1, 2)) == "x0 = 1, x1 = 2"
    assert grid.values((1, 2)) == {"x0": 1, "x1": 2}


def test_large_widgets_move_one_slider_at_a_time():
    grid = explorer_grid(_sliders(100, 100, 100), budget=100)
    assert grid.free == 1 and len(grid.points) <= 100
    assert all(len(a) <= _explorer.MAX_POINTS for a in grid.axes)


# ---------------------------------------------------------------- frames and the live widget


def _plot(a: float, b: int = 1, title: str = "") -> plt.Figure:
    fig, ax = plt.subplots(figsize=(3, 2))
    x = np.linspace(0, 1, 50)
    ax.plot(x, a * x**b)
    ax.set_title(f"{title} a = {a:.2f}, b = {b}")
    return fig


def _widget(cache, monkeypatch):
    monkeypatch.setattr(_base, "FRAMES", cache)
    return SliderFigure(_plot, {"a": widgets.FloatSlider(value=0.5, min=0, max=1, step=0.25),
                                "b": widgets.IntSlider(value=1, min=1, max=3)}, title="t")


def test_the_live_widget_shows_exactly_the_frame_of_its_values(monkeypatch):
    widget = _widget(FrameCache(directory=""), monkeypatch)
    grid = explorer_grid(widget.controls)
    for point in grid.points[:5]:
        values = grid.values(point)
        for name, value in values.items():
            widget.controls[name].value = value
        fig, data = widget.render(values)
        assert widget.image.value == data == frame_png(fig)
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        plt.close(fig)
    assert len({widget.image.value, widget.render({"a": 0.0, "b": 1})[1]}) == 2


def test_a_frame_drawn_once_is_served_from_the_cache(monkeypatch, tmp_path):
    cache = FrameCache(directory=tmp_path)
    widget = _widget(cache, monkeypatch)  # its first frame (a = 0.5, b = 1) is drawn
    assert cache.hits == {"memory": 0, "disk": 0, "drawn": 1}
    first = widget.image.value
    widget.controls["a"].value = 1.0
    widget.controls["a"].value = 0.5
    assert cache.hits["drawn"] == 2 and cache.hits["memory"] == 1
    assert widget.image.value == first and widget.figure.axes[0].get_title() == "t a = 0.50, b = 1"
    # a frame the site build stored on disk is served without drawing
    values = {"a": 0.25, "b": 3}
    (tmp_path / f"{widget.frame_key(values)}.png").write_bytes(widget.render(values)[1])
    widget.controls["b"].value = 3
    widget.controls["a"].value = 0.25
    assert cache.hits["disk"] == 1 and widget.image.value == widget.render(values)[1]


def test_the_cache_key_follows_values_fixed_arguments_and_source():
    source = plot_source_hash(_plot)
    key = frame_key(source, _explorer.fixed_digest({"title": "t"}), {"a": 0.5, "b": 1})
    assert key == frame_key(source, _explorer.fixed_digest({"title": "t"}), {"b": 1, "a": 0.5})
    assert key != frame_key(source, _explorer.fixed_digest({"title": "u"}), {"a": 0.5, "b": 1})
    assert key != frame_key(source, _explorer.fixed_digest({"title": "t"}), {"a": 0.75, "b": 1})
    assert frame_key(source, None, {"a": 1}) is None
    from ragmath.viz.lexical import plot_bm25_curves
    from ragmath.viz.similarity import plot_vector_pair

    assert plot_source_hash(plot_vector_pair) != plot_source_hash(plot_bm25_curves)
    # the hash covers the modules the plot module imports (ragmath.similarity for viz.similarity)
    closure = _explorer._imports(Path(_explorer.__file__).parents[1] / "viz/similarity.py", "ragmath.viz.similarity")
    assert any(name.startswith("ragmath.similarity") for name in closure), closure


def test_the_bm25_explorer_offers_its_example_queries():
    from ragmath.lexical import BM25
    from ragmath.widgets.lexical import bm25_query_explorer

    model = BM25().fit([["bm25", "ranks"], ["k1", "saturates", "tf"], ["dense", "vectors"]])
    widget = bm25_query_explorer(model, ["d0", "d1", "d2"], query="bm25", k=2, examples=["k1", "bm25"])
    axis = control_axis("query", widget.controls["query"])
    assert axis.values == ("bm25", "k1") and axis.kind == "select"


# ---------------------------------------------------------------- the page markup


def test_the_mode_note_says_how_the_controls_move():
    entry = {"free": 1, "frames": {"0,0": "k"}, "axes": [
        {"label": "θ", "labels": ["0", "10"], "positions": 19}, {"label": "b", "labels": ["1", "2"], "positions": 2}]}
    text = sphinx_explorers.mode_text(entry)
    assert "One control at a time" in text and "θ: 2 of the notebook's 19 positions" in text
    assert "b:" not in text and "notebook the widget recomputes" in text
    entry["free"] = 2
    assert "every combination of the 2 controls" in sphinx_explorers.mode_text(entry)


# ---------------------------------------------------------------- the built site


def _manifests() -> list[dict]:
    return [json.loads(f.read_text(encoding="utf-8")) for f in sorted(explorers.OUT.glob("[0-9][0-9]-*.json"))]


def _page_explorers(page: Path) -> list[dict]:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    return [json.loads(e.select_one("script.rm-explorer-data").string) for e in soup.select("[data-rm-explorer]")]


def test_every_widget_of_the_notebooks_has_an_explorer_on_its_page(site_dir):
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    total = 0
    for notebook in notebooks:
        views = explorers.displayed_views(notebook)
        page = site_dir / "notebooks" / f"{notebook.stem}.html"
        html = page.read_text(encoding="utf-8")
        assert VIEW not in html and "widget-state+json" not in html, f"{page.name} still holds ipywidgets state"
        assert len(_page_explorers(page)) == len(views), f"{page.name}: {len(views)} widgets in the notebook"
        total += len(views)
    assert total >= 19


def test_the_page_shows_for_each_point_the_frame_the_build_drew(site_dir):
    """Page JSON point -> site file, whose bytes are the frame of that point's cache key."""
    for manifest in _manifests():
        page = site_dir / "notebooks" / f"{manifest['chapter']}.html"
        for entry, data in zip(manifest["widgets"], _page_explorers(page), strict=True):
            assert set(data["frames"]) == set(entry["frames"])
            assert [a["labels"] for a in data["axes"]] == [a["labels"] for a in entry["axes"]]
            for point, key in entry["frames"].items():
                url = data["frames"][point]
                served = (page.parent / url).resolve().read_bytes()
                assert served == (explorers.FRAMES / f"{key}.png").read_bytes(), (entry["plot"], point)
                assert Path(url).stem == hashlib.sha256(served).hexdigest()[:20]


def test_no_explorer_has_a_slider_whose_frames_never_change(site_dir):
    """A control whose every position draws the same figure (with the others at their defaults) is dead."""
    for manifest in _manifests():
        for entry in manifest["widgets"]:
            default = [a["default"] for a in entry["axes"]]
            for i, axis in enumerate(entry["axes"]):
                keys = set()
                for j in range(len(axis["labels"])):
                    point = default[:i] + [j] + default[i + 1:]
                    keys.add((explorers.FRAMES / f"{entry['frames'][','.join(map(str, point))]}.png").read_bytes())
                assert len(keys) > 1, f"{manifest['chapter']} {entry['plot']}: {axis['label']} never changes the figure"


def test_frames_are_rendered_by_the_live_widgets_code_path(site_dir, monkeypatch):
    """Chapter 1's widgets, rebuilt from the notebook: their frames for some grid points are the site's bytes.

    The widgets draw every frame here (no cache on disk), as in a fresh kernel.
    """
    monkeypatch.setattr(_base, "FRAMES", FrameCache(directory=""))
    notebook = ROOT / "notebooks" / "01-similarity.ipynb"
    views = explorers.displayed_views(notebook)
    found, errors = explorers.widgets_in_notebook(notebook, stop=max(views))
    assert not errors
    shown = {cell: widget for cell, _, widget in found if cell in views}
    manifest = json.loads(explorers.manifest_path(notebook).read_text(encoding="utf-8"))
    rng = np.random.default_rng(0)
    for entry in manifest["widgets"]:
        widget = shown[entry["cell"]]
        points = list(entry["frames"])
        for point in [points[0], *rng.choice(points[1:], size=3, replace=False)]:
            index = [int(i) for i in point.split(",")]
            for axis, i in zip(entry["axes"], index):  # move the live widget's controls there
                control = widget.controls[axis["name"]]
                control.value = _value(control, axis, i)
            expected = (explorers.FRAMES / f"{entry['frames'][point]}.png").read_bytes()
            assert widget.image.value == expected, (entry["plot"], point)
            fig, data = widget.render(widget.params)
            assert data == expected
            plt.close(fig)


def _value(control, axis: dict, i: int):
    """The value of a control at position i of an explorer axis (the values are stored as repr)."""
    full = control_axis(axis["name"], control)
    by_repr = {repr(v): v for v in full.values}
    return by_repr[axis["values"][i]]


def test_the_site_and_its_pages_fit_their_budgets(site_dir):
    # the pages, their assets and frames; the PDF download (make pdf) and the JupyterLite copy
    # (lite/, tests/test_lite.py gives it its own budget) are counted on their own
    pdf = site_dir / "mathematics-of-rag.pdf"
    pages = [f for f in site_dir.rglob("*") if f.is_file() and f != pdf
             and (site_dir / "lite") not in f.parents]
    size = sum(f.stat().st_size for f in pages)
    assert size < 60e6, f"the site is {size / 1e6:.1f} MB without lite/ and the PDF (budget 60 MB)"
    if pdf.exists():
        assert pdf.stat().st_size < 15e6, f"the PDF is {pdf.stat().st_size / 1e6:.1f} MB (budget 15 MB)"
    for page in sorted((site_dir / "notebooks").glob("*.html")):
        frames = {u for data in _page_explorers(page) for u in data["frames"].values()}
        weight = page.stat().st_size + sum((page.parent / u).resolve().stat().st_size for u in frames)
        assert weight < 8e6, f"{page.name}: {weight / 1e6:.1f} MB with its frames (budget 8 MB)"
