"""Benchmark: how long a reader waits after moving a slider of every widget.

The widgets are found, not listed: every chapter notebook (notebooks/NN-*.ipynb)
is executed in this process with ``SliderFigure`` instrumented, so every widget
a chapter builds is caught with the arguments the chapter gives it; then every
public factory of ``ragmath/widgets/*.py`` that no chapter called is built with
its default arguments (a factory that needs arguments and is used by no chapter
is reported as skipped). A new widget module is therefore picked up without
editing this file.

Each widget is then driven from Python: 20 slider moves, round robin over its
sliders, each to the next value of its range. A move is timed from setting the
slider's value to having the PNG the reader sees: the plot function, plus the
PNG rendering. If ``SliderFigure`` renders the PNG itself (it does when it has an
``image`` attribute, an ``ipywidgets.Image``) that is already in the time;
otherwise the PNG is rendered here exactly as the notebook's inline backend does
(``IPython.core.pylabtools.print_figure(fig, "png", bbox_inches="tight")``).

    .venv/bin/python benchmarks/bench_widgets.py [--moves 20]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import io
import json
import os
import pkgutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402

if __package__ in (None, ""):
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from common import check, print_section, row  # noqa: E402
else:
    from .common import check, print_section, row  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
BUDGET_MS = 50.0  # median time of a slider move
EXPLORER_BUILD_BUDGET_S = 120.0  # all explorers, from nothing, on the machine's cores (make book's share)
SITE_BUDGET_MB = 60.0
PAGE_BUDGET_MB = 8.0  # a page with its frames

sys.path.insert(0, str(ROOT / "tools"))
import explorers  # noqa: E402  (tools/explorers.py: the notebook runner and the explorer build)


def widgets_in_notebook(path: Path) -> tuple[list, list[str]]:
    """Execute a notebook's code here (no kernel): (factory, widget, chapter) of every widget it built,
    and errors.

    The runner is the explorer build's (tools/explorers.py), so both see the same widgets.
    """
    found, errors = explorers.widgets_in_notebook(path)
    return [(name, widget, path.stem) for _, name, widget in found], errors


def widget_factories() -> dict[str, object]:
    """Every public factory of ragmath/widgets/*.py, as "module.function" -> function."""
    import ragmath.widgets as package

    out = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"ragmath.widgets.{info.name}")
        for name in getattr(module, "__all__", []):
            func = getattr(module, name)
            if inspect.isfunction(func) and func.__module__ == module.__name__:
                out[f"{info.name}.{name}"] = func
    return out


def _next_values(control, count: int) -> list:
    """``count`` successive values for a slider, walking its range up and back down."""
    if hasattr(control, "options") and control.options:
        values = [v[1] if isinstance(v, tuple) and len(v) == 2 else v for v in control.options]
        if hasattr(control, "_options_values"):
            values = list(control._options_values)
    elif isinstance(control.value, bool):
        values = [not control.value, control.value]
    elif not (hasattr(control, "min") and hasattr(control, "max")):
        return []  # a text box, not a slider: not moved
    else:
        lo, hi = control.min, control.max
        step = getattr(control, "step", None) or (hi - lo) / 10
        n = int(round((hi - lo) / step))
        stride = max(1, n // 10)  # ~10 positions across the range
        values = [lo + i * step for i in range(0, n + 1, stride)]
        if hasattr(control, "base"):  # FloatLogSlider: min, max and step are exponents
            values = [control.base**v for v in values]
        if isinstance(control.value, int):
            values = [int(round(v)) for v in values]
    if len(values) < 2:
        return []
    cycle = values + values[-2:0:-1]  # up and back down
    start = cycle.index(control.value) if control.value in cycle else 0
    return [cycle[(start + 1 + i) % len(cycle)] for i in range(count)]


def _inline_png(fig) -> bytes:
    """The PNG the inline backend makes of a figure (default InlineBackend settings)."""
    from IPython.core.pylabtools import print_figure

    return print_figure(fig, "png", bbox_inches="tight")


def time_widget(widget, moves: int, cache=None) -> np.ndarray:
    """Seconds per slider move (value set -> PNG ready), ``moves`` moves round robin.

    ``cache``: the FrameCache the widget may serve frames from; by default none,
    so every move draws (the time of a value off the explorer's grid).

    A move that leaves the slider where it was (a value the slider rounds to
    its current one) triggers no redraw; it is skipped, not timed. When the
    widget renders its own PNG, the move ends when its image receives the PNG
    (that is when ipywidgets sends it to the browser); work done after that,
    such as a garbage collection SliderFigure postpones, is not waited for.
    """
    controls = [c for c in widget.controls.values() if _next_values(c, 1)]
    if not controls:
        return np.array([])
    plans = {id(c): iter(_next_values(c, 4 * moves)) for c in controls}
    renders_itself = hasattr(widget, "image")
    shown = []  # when the widget's image received its new PNG (sent to the browser at that moment)
    if renders_itself:
        widget.image.observe(lambda change: shown.append(time.perf_counter()), names="value")
    times = []
    from ragmath.widgets import _base

    saved, _base.FRAMES = _base.FRAMES, cache if cache is not None else _base.FrameCache(size=0, directory="")
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        for i in range(4 * moves):
            if len(times) == moves:
                break
            control = controls[i % len(controls)]
            value = next(plans[id(control)])
            before = dict(widget.params)
            shown.clear()
            start = time.perf_counter()
            control.value = value
            if widget.params == before:
                continue  # no redraw
            if renders_itself:  # (an identical PNG is no change: then the call's end counts)
                end = shown[-1] if shown else time.perf_counter()
            else:
                _inline_png(widget.figure)
                end = time.perf_counter()
            times.append(end - start)
    _base.FRAMES = saved
    return np.array(times)


def time_grid_moves(widget, frames: Path, moves: int) -> np.ndarray:
    """Seconds per move to values of the explorer's grid, frames read from ``frames`` (as after make book).

    Each slider in turn walks its grid values, the others at their defaults; the
    memory cache starts empty, so each frame comes from disk the first time.
    """
    from ragmath.widgets import _base
    from ragmath.widgets._explorer import explorer_grid

    grid = explorer_grid(widget.controls)
    default = tuple(a.default for a in grid.axes)
    plan = [default[:i] + (j,) + default[i + 1:] for i, a in enumerate(grid.axes) for j in range(len(a))
            if j != a.default]
    saved, _base.FRAMES = _base.FRAMES, _base.FrameCache(directory=frames)
    times = []
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            for point in plan[:moves]:
                for name, value in grid.values(default).items():  # back to the defaults, not timed
                    widget.controls[name].value = value
                name, value = next((n, v) for n, v in grid.values(point).items()
                                   if widget.controls[n].value != v)
                start = time.perf_counter()
                widget.controls[name].value = value
                times.append(time.perf_counter() - start)
        hits = dict(_base.FRAMES.hits)
    finally:
        _base.FRAMES = saved
    return np.array(times), hits


def time_explorer_build(jobs: int = 2) -> tuple[float, float, dict]:
    """(seconds from nothing, seconds when nothing changed, sizes) of tools/explorers.py, built in a
    temporary folder."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="explorers-"))
    env = {**os.environ, "RAGMATH_EXPLORERS": str(folder)}
    command = [sys.executable, str(ROOT / "tools" / "explorers.py"), "--jobs", str(jobs)]
    seconds = []
    for _ in range(2):
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True, text=True)
        seconds.append(time.perf_counter() - start)
    frames = list((folder / "frames").glob("*.png"))
    sizes = {"folder": folder, "frames": len(frames), "bytes": sum(f.stat().st_size for f in frames)}
    return seconds[0], seconds[1], sizes


def site_sizes(site: Path) -> dict | None:
    """Bytes of the whole built site and of its heaviest page with the frames it loads; None if not built."""
    if not (site / "index.html").is_file():
        return None
    from bs4 import BeautifulSoup

    total = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
    heaviest = (0, "")
    for page in (site / "notebooks").glob("*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        urls = {u for e in soup.select("script.rm-explorer-data")
                for u in json.loads(e.string)["frames"].values()}
        weight = page.stat().st_size + sum((page.parent / u).resolve().stat().st_size for u in urls)
        heaviest = max(heaviest, (weight, page.name))
    return {"total": total, "page": heaviest[0], "page_name": heaviest[1]}


def collect(notebooks: list[Path]) -> tuple[list, list[str]]:
    """(factory, widget, where) for every widget of the chapters and every other factory."""
    found, notes = [], []
    for path in notebooks:
        widgets, errors = widgets_in_notebook(path)
        found += widgets
        notes += errors
    seen = {name for name, _, _ in found}
    for name, factory in widget_factories().items():
        if name in seen:
            continue
        required = [p.name for p in inspect.signature(factory).parameters.values()
                    if p.default is inspect.Parameter.empty
                    and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        if required:
            notes.append(f"{name}: used by no chapter and needs {', '.join(required)}; skipped")
            continue
        with contextlib.redirect_stdout(io.StringIO()):
            found.append((name, factory(), "defaults"))
    return found, notes


def _reference_png_time(repeats: int) -> np.ndarray:
    """Seconds to draw an empty 2-panel figure and render it as the inline backend does.

    A yardstick of the machine's matplotlib speed: no widget can be faster
    than its axes.
    """
    from ragmath.viz._style import new_figure

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fig, _ = new_figure(1, 2)
        _inline_png(fig)
        times.append(time.perf_counter() - start)
    return np.array(times)


def run(moves: int = 20, notebooks: list[Path] | None = None, explorers_build: bool = True) -> dict:
    """The widget section: slider moves drawn live and served from the explorer's frames; the explorer
    build; the site.

    For each widget: the median and 95th percentile of ``moves`` moves that draw
    (values off the grid, no cache), and of moves to grid values served from the
    frames the explorer build drew (the live widget's cache after ``make book``);
    the 50 ms budget is on the latter, the values a reader of the notebook meets
    first. Then the explorer build, from nothing and unchanged, and the sizes of
    the built site.
    """
    notebooks = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")) if notebooks is None else notebooks
    rows, checks, reference, notes = [], [], [], []
    frames = explorers.FRAMES
    if explorers_build:
        cold, warm, built = time_explorer_build()
        frames = built["folder"] / "frames"
        rows.append(row("explorer build (tools/explorers.py)", "from nothing, 2 processes", cold,
                        ragmath=True, note=f"{built['frames']} frames, {built['bytes'] / 1e6:.1f} MB"))
        rows.append(row("explorer build (tools/explorers.py)", "nothing changed", warm, ragmath=True))
        checks.append(check("explorer build from nothing", cold, EXPLORER_BUILD_BUDGET_S, unit="s",
                            case="explorer build (tools/explorers.py)"))
    sizes = site_sizes(ROOT / "_build" / "html")
    if sizes is None:
        notes.append("the site is not built (make book): its size is not checked")
    else:
        checks.append(check("the whole site (MB)", sizes["total"] / 1e6, SITE_BUDGET_MB, unit="MB"))
        checks.append(check(f"the heaviest page with its frames, {sizes['page_name']} (MB)",
                            sizes["page"] / 1e6, PAGE_BUDGET_MB, unit="MB"))
    found, more = collect(notebooks)
    notes += more
    yardstick = "yardstick: an empty 2-panel figure"
    for name, widget, where in found:
        # the grid moves first: the grid is built around the controls' current values, which
        # must still be the chapter's (the values the explorer build drew the frames around)
        served, hits = time_grid_moves(widget, frames, moves) if where != "defaults" else (None, None)
        local = _reference_png_time(5)  # measured next to each widget: the load of a shared machine drifts
        times = time_widget(widget, moves)
        if times.size == 0:
            notes.append(f"{name}: no slider to move (a text box only); skipped")
            continue
        reference.append(local)
        rows.append(row(name, "slider move, drawn", times, reference_times=local, reference=yardstick,
                        ragmath=True, note=where))
        if served is None:  # a widget no chapter shows has no explorer frames
            checks.append(check(f"widget {name} drawn (median)", float(np.median(times)), BUDGET_MS / 1e3,
                                unit="s", case=name))
            continue
        rows.append(row(name, "slider move, grid value (frame cache)", served, ragmath=True,
                        note=f"{hits['disk']} from disk, {hits['memory']} from memory, "
                             f"{hits['drawn']} drawn"))
        checks.append(check(f"widget {name} on the grid (median)", float(np.median(served)), BUDGET_MS / 1e3,
                            unit="s", case=name))
    reference = np.concatenate(reference) if reference else _reference_png_time(moves)
    rows.append(row(yardstick, "yardstick", reference, reference_times=reference, reference=yardstick,
                    note="rendered as the inline backend does: the machine's matplotlib speed; each "
                         "widget's ratio is to 5 of these measured just before it"))
    rows[-1]["yardstick"] = True
    return {
        "name": "Widgets",
        "key": "widgets",
        "setup": f"{moves} slider moves per widget, round robin over its sliders, timed from setting "
                 "the value to having the PNG: drawn (plot function plus SliderFigure's palette PNG, no "
                 "cache) and, for grid values, served from the frames the explorer build drew (budget on "
                 "these); the explorer build from nothing in a temporary folder; the built site's size",
        "rows": rows,
        "checks": checks,
        "notes": notes,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--moves", type=int, default=20)
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args()
    return print_section(run(args.moves, [p.resolve() for p in args.notebooks] or None))


if __name__ == "__main__":
    sys.exit(main())
