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
import os
import pkgutil
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


class _NoShell:
    """Stands in for get_ipython() while a notebook's code runs outside a kernel."""

    def run_line_magic(self, *args, **kwargs):
        return None

    def run_cell_magic(self, *args, **kwargs):
        return None

    def system(self, *args, **kwargs):
        return None


def _factory_name(frame) -> str | None:
    """The ragmath.widgets factory on the call stack (module.function), if any."""
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith("ragmath.widgets.") and module != "ragmath.widgets._base":
            return f"{module.rsplit('.', 1)[1]}.{frame.f_code.co_name}"
        frame = frame.f_back
    return None


@contextlib.contextmanager
def _recording(found: list):
    """Every SliderFigure built inside the block is appended to ``found`` as (factory, widget)."""
    from ragmath.widgets._base import SliderFigure

    original = SliderFigure.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        found.append((_factory_name(sys._getframe(1)), self))

    SliderFigure.__init__ = init
    try:
        yield
    finally:
        SliderFigure.__init__ = original


def widgets_in_notebook(path: Path) -> tuple[list, list[str]]:
    """Execute a notebook's code here (no kernel) and return the widgets it built, and errors."""
    import nbformat
    from IPython.core.inputtransformer2 import TransformerManager

    nb = nbformat.read(path, as_version=4)
    transform = TransformerManager().transform_cell
    namespace = {"__name__": "__main__", "get_ipython": _NoShell}
    found, errors = [], []
    cwd = os.getcwd()
    os.chdir(path.parent)
    try:
        with _recording(found), warnings.catch_warnings(), \
                contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            for n, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                tags = cell.get("metadata", {}).get("tags", [])
                if "raises-exception" in tags or "nbval-skip" in tags:
                    continue
                try:
                    exec(compile(transform(cell.source), f"{path.name}[{n}]", "exec"), namespace)
                except Exception as exc:  # reported, not fatal: the other widgets still count
                    errors.append(f"{path.name} cell {n}: {type(exc).__name__}: {exc}")
    finally:
        os.chdir(cwd)
    return [(name, widget, path.stem) for name, widget in found], errors


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


def time_widget(widget, moves: int) -> np.ndarray:
    """Seconds per slider move (value set -> PNG ready), ``moves`` moves round robin.

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
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        for i in range(4 * moves):
            if len(times) == moves:
                break
            control = controls[i % len(controls)]
            value = next(plans[id(control)])
            before = widget.figure
            shown.clear()
            start = time.perf_counter()
            control.value = value
            if widget.figure is before:
                continue  # no redraw
            if renders_itself:  # (an identical PNG is no change: then the call's end counts)
                end = shown[-1] if shown else time.perf_counter()
            else:
                _inline_png(widget.figure)
                end = time.perf_counter()
            times.append(end - start)
    return np.array(times)


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


def run(moves: int = 20, notebooks: list[Path] | None = None) -> dict:
    """The widget section: median and 95th percentile time of ``moves`` slider moves per widget."""
    notebooks = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")) if notebooks is None else notebooks
    found, notes = collect(notebooks)
    yardstick = "yardstick: an empty 2-panel figure"
    rows, checks, reference = [], [], []
    for name, widget, where in found:
        local = _reference_png_time(5)  # measured next to each widget: the load of a shared machine drifts
        times = time_widget(widget, moves)
        if times.size == 0:
            notes.append(f"{name}: no slider to move (a text box only); skipped")
            continue
        reference.append(local)
        rows.append(row(name, "slider move", times, reference_times=local, reference=yardstick,
                        ragmath=True, note=where))
        checks.append(check(f"widget {name} (median)", float(np.median(times)), BUDGET_MS / 1e3, unit="s",
                            case=name))
    reference = np.concatenate(reference) if reference else _reference_png_time(moves)
    rows.append(row(yardstick, "yardstick", reference, reference_times=reference, reference=yardstick,
                    note="rendered as the inline backend does: the machine's matplotlib speed; each "
                         "widget's ratio is to 5 of these measured just before it"))
    rows[-1]["yardstick"] = True
    renders = {hasattr(w, "image") for _, w, _ in found}
    how = ("the PNG rendered by SliderFigure itself (one Agg draw, cropped)" if renders == {True}
           else "the PNG rendered here as the inline backend does (bbox_inches='tight')")
    return {
        "name": "Widgets",
        "key": "widgets",
        "setup": f"{moves} slider moves per widget, round robin over its sliders; a move is timed from setting "
                 f"the value to having the PNG: the plot function plus {how}",
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
