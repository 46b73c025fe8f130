"""Render the frames of every widget's static explorer (run by `make book`, before Sphinx).

For each chapter notebook (notebooks/NN-*.ipynb) the code cells are executed in a
fresh process, without a kernel, with ``SliderFigure`` instrumented: every widget
a chapter displays is caught with the arguments the chapter gives it. For each,
:func:`ragmath.widgets._explorer.explorer_grid` chooses the grid of values from its
controls, and every grid point is drawn by ``SliderFigure.render`` (the code path
of the live widget) into ``_build/explorers/frames/<key>.png``. The key is a hash
of the plot function's source (its module and every ragmath module that imports),
of the fixed arguments and of the values, so a frame is drawn once and reused by
later builds, and by the live widget in a local copy (``FrameCache``).

A chapter whose inputs (its code cells, the ragmath sources and data, the
versions) have not changed since the last build is not executed at all. Each
chapter writes ``_build/explorers/<chapter>.json``, which the Sphinx extension
``tools/sphinx_explorers.py`` turns into the explorers of the page.

Chapters run two at a time (one process each, one BLAS thread each).

Usage: python tools/explorers.py [--jobs 2] [notebooks/NN-name.ipynb ...]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import multiprocessing
import os
import pickle
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
# (the benchmark builds elsewhere)
OUT = Path(os.environ.get("RAGMATH_EXPLORERS") or ROOT / "_build" / "explorers")
FRAMES = OUT / "frames"
VIEW = "application/vnd.jupyter.widget-view+json"
MANIFEST_VERSION = 1


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
        if module.startswith("ragmath.widgets.") and module not in ("ragmath.widgets._base",):
            return f"{module.rsplit('.', 1)[1]}.{frame.f_code.co_name}"
        frame = frame.f_back
    return None


@contextlib.contextmanager
def recording(found: list, cell: list):
    """Every SliderFigure built inside the block is appended to ``found`` as (cell, factory, widget)."""
    from ragmath.widgets._base import SliderFigure

    original = SliderFigure.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        found.append((cell[0], _factory_name(sys._getframe(1)), self))

    SliderFigure.__init__ = init
    try:
        yield
    finally:
        SliderFigure.__init__ = original


def widgets_in_notebook(path: Path, stop: int | None = None) -> tuple[list, list[str]]:
    """Execute a notebook's code here (no kernel): (cell index, factory, widget) of every widget built,
    and errors.

    ``stop``: the last cell to run (the cells after a chapter's last widget are not needed for it).
    """
    import nbformat
    from IPython.core.inputtransformer2 import TransformerManager

    nb = nbformat.read(path, as_version=4)
    transform = TransformerManager().transform_cell
    namespace = {"__name__": "__main__", "get_ipython": _NoShell}
    found, errors, cell = [], [], [None]
    cwd = os.getcwd()
    os.chdir(path.parent)
    try:
        with recording(found, cell), warnings.catch_warnings(), \
                contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            for n, source in enumerate(nb.cells):
                if stop is not None and n > stop:
                    break
                if source.cell_type != "code":
                    continue
                tags = source.get("metadata", {}).get("tags", [])
                if "raises-exception" in tags or "nbval-skip" in tags:
                    continue
                cell[0] = n
                try:
                    exec(compile(transform(source.source), f"{path.name}[{n}]", "exec"), namespace)
                except Exception as exc:  # reported: the other widgets still count
                    errors.append(f"{path.name} cell {n}: {type(exc).__name__}: {exc}")
    finally:
        os.chdir(cwd)
    return found, errors


def displayed_views(path: Path) -> dict[int, str]:
    """Cell index -> model id of the widget view the committed notebook displays in that cell."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    views = {}
    for n, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if VIEW in data:
                views[n] = data[VIEW]["model_id"]
    return views


def _tree_hash(digest, folder: Path, patterns: tuple[str, ...]) -> None:
    for pattern in patterns:
        for file in sorted(folder.rglob(pattern)):
            if "__pycache__" in file.parts:
                continue
            digest.update(file.relative_to(ROOT).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")


def chapter_inputs(path: Path) -> str:
    """SHA-256 of everything a chapter's explorers depend on: its code, ragmath, the versions."""
    import matplotlib
    import nbformat
    import numpy
    import PIL

    nb = nbformat.read(path, as_version=4)
    digest = hashlib.sha256(
        f"{MANIFEST_VERSION} {matplotlib.__version__} {numpy.__version__} {PIL.__version__}".encode())
    for n, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            digest.update(f"{n}\0{cell.source}\0".encode())
    digest.update(json.dumps(displayed_views(path), sort_keys=True).encode())
    _tree_hash(digest, ROOT / "ragmath", ("*.py", "*.jsonl", "*.tsv", "*.csv", "*.npy", "*.json"))
    return digest.hexdigest()


def manifest_path(path: Path) -> Path:
    return OUT / f"{path.stem}.json"


def _up_to_date(path: Path, inputs: str) -> bool:
    try:
        manifest = json.loads(manifest_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if manifest.get("inputs") != inputs:
        return False
    return all((FRAMES / f"{key}.png").is_file() for w in manifest["widgets"] for key in w["frames"].values())


def explorer_of(widget, budget: int | None = None) -> tuple[dict, list[tuple[str, dict]]]:
    """The manifest entry of one widget and the (key, values) of the frames it needs."""
    from ragmath.widgets._explorer import FRAME_BUDGET, explorer_grid

    grid = explorer_grid(widget.controls, FRAME_BUDGET if budget is None else budget)
    frames, todo = {}, []
    for point in grid.points:
        values = grid.values(point)
        key = widget.frame_key(values)
        if key is None:
            raise ValueError(f"{widget.plot.__qualname__}: its fixed arguments cannot be pickled, "
                             "so its frames have no key")
        frames[",".join(map(str, point))] = key
        todo.append((key, values))
    entry = {
        "plot": f"{widget.plot.__module__}.{widget.plot.__qualname__}",
        "free": grid.free,
        "axes": [
            {"name": a.name, "label": a.label, "kind": a.kind, "labels": list(a.labels),
             "default": a.default, "positions": a.positions, "values": [repr(v) for v in a.values]}
            for a in grid.axes
        ],
        "frames": frames,
    }
    return entry, todo


def run_chapter(path: Path, force: bool = False) -> dict:
    """Execute one chapter; its manifest entries and the frames they miss, as render jobs.

    A job is (pickled (plot, fixed arguments), [(key, values), ...]): the frames of one
    widget that are not in FRAMES yet, to be drawn by :func:`render_job`.
    """
    os.environ.setdefault("MPLBACKEND", "Agg")
    started = time.perf_counter()
    inputs = chapter_inputs(path)
    summary = {"chapter": path.stem, "inputs": inputs, "skipped": False, "errors": [], "jobs": [],
               "entries": []}
    if not force and _up_to_date(path, inputs):
        manifest = json.loads(manifest_path(path).read_text(encoding="utf-8"))
        summary.update(skipped=True, entries=manifest["widgets"], executed=time.perf_counter() - started)
        return summary
    os.environ["RAGMATH_FRAMES"] = ""  # the chapter's own widgets draw live here: nothing read from disk
    views = displayed_views(path)
    found, errors = widgets_in_notebook(path, stop=max(views, default=-1))
    shown = {}
    for cell, factory, widget in found:  # the last widget a cell builds is the one it displays
        if cell in views:
            shown[cell] = (factory, widget)
    missing = sorted(set(views) - set(shown))
    errors += [f"{path.name} cell {n}: displays a widget, but no SliderFigure was built there"
               for n in missing]
    for cell in sorted(shown):
        factory, widget = shown[cell]
        try:
            entry, todo = explorer_of(widget)
        except ValueError as exc:
            errors.append(f"{path.name} cell {cell}: {exc}")
            continue
        summary["entries"].append({"cell": cell, "model_id": views[cell], "factory": factory, **entry})
        todo = [(key, values) for key, values in todo if not (FRAMES / f"{key}.png").is_file()]
        if not todo:
            continue
        try:
            blob = pickle.dumps((widget.plot, widget.fixed), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - a plot closure (hybrid_explorer's cache): drawn here instead
            summary["local"] = summary.get("local", 0) + _render(widget.plot, widget.fixed, todo)
            continue
        summary["jobs"].append((blob, todo))
    summary.update(errors=errors, executed=time.perf_counter() - started)
    return summary


def _render(plot, fixed, todo) -> int:
    import matplotlib.pyplot as plt

    from ragmath.widgets._base import render_frame

    FRAMES.mkdir(parents=True, exist_ok=True)
    for key, values in todo:
        fig, data = render_frame(plot, values, fixed)
        plt.close(fig)
        target = FRAMES / f"{key}.png"
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(data)
        temporary.replace(target)
    return len(todo)


def render_job(job) -> tuple[int, float]:
    """Draw the frames of one job into FRAMES (by ``render_frame``, the live widget's code path)."""
    import matplotlib

    matplotlib.use("Agg")
    started = time.perf_counter()
    plot, fixed = pickle.loads(job[0])
    return _render(plot, fixed, job[1]), time.perf_counter() - started


CHUNK = 8  # frames per render job: small enough to share the work evenly between the cores


def _chunks(job) -> list:
    blob, todo = job
    return [(blob, todo[i : i + CHUNK]) for i in range(0, len(todo), CHUNK)]


def _recorded_seconds(path: Path) -> float:
    """Seconds the chapter took when tools/build_notebooks.py last executed it (0 if not recorded)."""
    import nbformat

    return float(nbformat.read(path, as_version=4).metadata.get("ragmath", {}).get("execution_seconds", 0.0))


def _job(args):
    return run_chapter(*args)


def build(paths: list[Path], jobs: int = 2, force: bool = False) -> list[dict]:
    """Build the explorers of ``paths``: chapters run ``jobs`` at a time, each in a fresh process;
    the frames they miss are drawn, as soon as a chapter has run, by ``jobs`` other processes."""
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    # the slowest chapters first: by their last build, else by the run time stored in the notebook
    def weight(path):
        try:
            return json.loads(manifest_path(path).read_text(encoding="utf-8")).get("seconds", 0.0)
        except (OSError, ValueError):
            return _recorded_seconds(path)
    order = sorted(paths, key=weight, reverse=True)
    # fork: the workers start with numpy, matplotlib, ipywidgets and ragmath already imported
    # (spawning 12 processes that import them again cost about 25 s of CPU); nothing runs in
    # threads here before the pools start. spawn where fork does not exist.
    import ipywidgets  # noqa: F401
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401
    import nbformat  # noqa: F401

    import ragmath.viz  # noqa: F401
    import ragmath.widgets  # noqa: F401

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    results = []
    with context.Pool(processes=max(1, jobs), maxtasksperchild=1) as runner, \
            context.Pool(processes=max(1, jobs)) as renderer:
        for summary in runner.imap_unordered(_job, [(p, force) for p in order]):
            summary["async"] = [renderer.apply_async(render_job, (chunk,))
                                for job in summary["jobs"] for chunk in _chunks(job)]
            results.append(summary)
        for summary in results:
            done = [task.get() for task in summary.pop("async")]
            summary["drawn"] = sum(n for n, _ in done) + summary.get("local", 0)
            summary["render_seconds"] = sum(t for _, t in done)
            summary.pop("jobs")
            summary["seconds"] = summary["executed"] + summary["render_seconds"]
            summary["frames"] = sum(len(e["frames"]) for e in summary["entries"])
            if not summary["errors"] and not summary["skipped"]:
                manifest = {"version": MANIFEST_VERSION, "chapter": summary["chapter"],
                            "inputs": summary["inputs"], "seconds": round(summary["seconds"], 1),
                            "widgets": summary["entries"]}
                OUT.mkdir(parents=True, exist_ok=True)
                target = OUT / f"{summary['chapter']}.json"
                target.write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    return sorted(results, key=lambda r: r["chapter"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--force", action="store_true", help="execute every chapter even if unchanged")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
    started = time.perf_counter()
    results = build(paths, args.jobs, args.force)
    seconds = time.perf_counter() - started
    failed = False
    for r in results:
        state = "unchanged" if r["skipped"] else f"{r['drawn']} drawn"
        print(f"explorers {r['chapter']:18s} {len(r['entries']):2d} widgets {r['frames']:4d} frames "
              f"({state}): "
              f"chapter run {r['executed']:5.1f} s, frames drawn in {r['render_seconds']:5.1f} s")
        for error in r["errors"]:
            failed = True
            print(f"  error: {error}")
    total = sum(r["frames"] for r in results)
    drawn = sum(r["drawn"] for r in results)
    size = sum(f.stat().st_size for f in FRAMES.glob("*.png")) if FRAMES.is_dir() else 0
    print(f"explorers: {sum(len(r['entries']) for r in results)} widgets, {total} frames ({drawn} drawn), "
          f"{size / 1e6:.1f} MB in {FRAMES}, {seconds:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
