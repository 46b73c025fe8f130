"""Static explorers: the grid of slider values a widget's frames are drawn at, and the frames.

A :class:`~ragmath.widgets.SliderFigure` is defined by its plot function and its
controls. The website cannot run Python, so at build time the plot function is
evaluated on a grid of the controls' values and each figure is stored as a small
PNG (a *frame*); the page's own script shows the frame of the values a reader
picks. Everything here is derived from the controls alone, so every widget gets
its explorer with no code of its own:

- :func:`control_axis` reads one control (its min, max and step, or its options)
  into an :class:`Axis`: the values the live control can take, their labels as the
  control shows them, and the position of its current value;
- :func:`explorer_grid` coarsens the axes and chooses which combinations of values
  get a frame, within a budget of frames per widget (see :class:`Grid`);
- :func:`frame_png` turns a figure into the bytes of a frame. The live widget
  shows exactly these bytes too, so a frame on the site is byte-identical to what
  the widget shows in a notebook for the same values.
"""

from __future__ import annotations

import ast
import hashlib
import io
import itertools
import math
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import ipywidgets as widgets
import numpy as np
from PIL import Image

__all__ = [
    "Axis",
    "Grid",
    "FRAME_BUDGET",
    "control_axis",
    "explorer_grid",
    "frame_png",
    "frame_key",
    "plot_source_hash",
    "fixed_digest",
]

FRAME_BUDGET = 64  # frames per widget at most (rendering time and the site's size)
MAX_POINTS = 25  # positions of one slider on the site, at most
MIN_POINTS = 7  # a slider moved together with others keeps at least this many (or all it has)
PALETTE_COLORS = 128  # colours of a frame's palette (figures have few; antialiasing adds shades)
FRAME_FORMAT = 2  # bumped when frame_png changes what it writes (part of every cache key)


# ---------------------------------------------------------------- one control


@dataclass(frozen=True)
class Axis:
    """The values of one control, as the explorer offers them.

    ``values`` are passed to the plot function, ``labels`` shown to the reader
    (formatted as the live control formats its readout), ``default`` is the
    position of the control's value, ``kind`` the HTML control that stands for it
    on the site ("range", "select" or "checkbox"), ``positions`` how many values the
    live control has (more than ``len(values)`` when the explorer coarsened it).
    """

    name: str
    label: str
    kind: str
    values: tuple
    labels: tuple
    default: int
    positions: int

    def __len__(self) -> int:
        return len(self.values)

    def coarsened(self, points: int) -> Axis:
        """At most about ``points`` values: every s-th one, the last one and the default kept."""
        n = len(self.values)
        if n <= points:
            return self
        stride = max(1, math.ceil((n - 1) / max(1, points - 1)))
        keep = sorted(set(range(0, n, stride)) | {n - 1, self.default})
        while len(keep) > points and stride < n:
            stride += 1
            keep = sorted(set(range(0, n, stride)) | {n - 1, self.default})
        return Axis(self.name, self.label, self.kind, tuple(self.values[i] for i in keep),
                    tuple(self.labels[i] for i in keep), keep.index(self.default), self.positions)


def _clean(value: float) -> float:
    """A float without the last-bit noise of min + i·step (0.30000000000000004 -> 0.3)."""
    return float(f"{value:.12g}")


def _fmt(value, spec: str) -> str:
    """A readout as ipywidgets formats it (d3-format specs such as '.2f', '.3g', 'd')."""
    try:
        text = format(value, spec.replace("~", ""))
    except (TypeError, ValueError):
        text = str(value)
    return text


def _label(control) -> str:
    return (getattr(control, "description", "") or "").strip()


def control_axis(name: str, control: widgets.ValueWidget) -> Axis:
    """The :class:`Axis` of one ipywidgets control (sliders, selections, checkboxes, comboboxes).

    Raises ``ValueError`` naming the control for a control with no finite set of
    values (a free text box without ``options``): the site could not show it.
    """
    label = _label(control) or name
    if isinstance(control, widgets.Checkbox):
        values, labels, kind = (False, True), ("off", "on"), "checkbox"
        return Axis(name, label, kind, values, labels, values.index(bool(control.value)), 2)
    if isinstance(control, widgets.Combobox):
        options = tuple(dict.fromkeys([control.value, *control.options]))
        return Axis(name, label, "select", options, options, 0, len(options))
    if hasattr(control, "_options_values"):  # SelectionSlider, Dropdown, ToggleButtons, ...
        values = tuple(control._options_values)
        labels = tuple(str(x) for x in control._options_labels)
        kind = "range" if isinstance(control, widgets.SelectionSlider) else "select"
        return Axis(name, label, kind, values, labels, values.index(control.value), len(values))
    if isinstance(control, (widgets.IntSlider, widgets.BoundedIntText)):
        step = int(getattr(control, "step", 1) or 1)
        values = tuple(range(control.min, control.max + 1, step))
        spec = getattr(control, "readout_format", "d") or "d"
        labels = tuple(_fmt(v, spec) for v in values)
        default = min(range(len(values)), key=lambda i: abs(values[i] - control.value))
        return Axis(name, label, "range", values, labels, default, len(values))
    if isinstance(control, (widgets.FloatSlider, widgets.FloatLogSlider)):
        lo, hi, step = float(control.min), float(control.max), float(control.step)
        count = int(round((hi - lo) / step)) + 1
        exponents = [_clean(lo + i * step) for i in range(count)]
        if isinstance(control, widgets.FloatLogSlider):
            values = tuple(_clean(control.base**e) for e in exponents)
            spec = control.readout_format or ".3g"
        else:
            values = tuple(exponents)
            spec = control.readout_format or ".2f"
        labels = tuple(_fmt(v, spec) for v in values)
        default = min(range(len(values)), key=lambda i: abs(values[i] - control.value))
        return Axis(name, label, "range", values, labels, default, len(values))
    raise ValueError(
        f"control {name!r} ({type(control).__name__}): the static explorer needs a finite set of values "
        "(a slider, a selection, a checkbox, or a Combobox with options)"
    )


# ---------------------------------------------------------------- the grid


@dataclass
class Grid:
    """Which combinations of values get a frame.

    ``free`` is the number of controls that may differ from their defaults at
    once: ``len(axes)`` is the full product grid; fewer means a frame exists for
    every combination in which at most ``free`` controls are away from their
    default values (``free = 1``: one control moves at a time around the
    defaults). ``points`` lists the index tuples, defaults first.
    """

    axes: list[Axis]
    free: int
    points: list[tuple[int, ...]] = field(default_factory=list)

    @property
    def product(self) -> bool:
        return self.free >= len(self.axes)

    def values(self, point: Sequence[int]) -> dict:
        return {a.name: a.values[i] for a, i in zip(self.axes, point)}

    def describe(self, point: Sequence[int]) -> str:
        return ", ".join(f"{a.label} = {a.labels[i]}" for a, i in zip(self.axes, point))


def _count(sizes: Sequence[int], free: int) -> int:
    """Points with at most ``free`` coordinates away from the default (sizes n_i)."""
    total = 0
    for r in range(0, min(free, len(sizes)) + 1):
        for subset in itertools.combinations(sizes, r):
            total += math.prod(n - 1 for n in subset)
    return total


def _points(axes: Sequence[Axis], free: int) -> list[tuple[int, ...]]:
    default = tuple(a.default for a in axes)
    points = [default]
    for r in range(1, min(free, len(axes)) + 1):
        for subset in itertools.combinations(range(len(axes)), r):
            choices = [[j for j in range(len(axes[i])) if j != axes[i].default] for i in subset]
            for combo in itertools.product(*choices):
                point = list(default)
                for i, j in zip(subset, combo):
                    point[i] = j
                points.append(tuple(point))
    return points


def _fit(axes: list[Axis], free: int, budget: int, floor: int) -> list[Axis] | None:
    """The sliders coarsened alike (at most p positions each, p as large as fits the budget).

    None when even p = floor (or all its positions, for a slider with fewer) is too many.
    """
    longest = max((len(a) for a in axes if a.kind == "range"), default=0)
    for points in range(longest, min(floor, longest) - 1, -1):
        fitted = [a.coarsened(points) if a.kind == "range" else a for a in axes]
        if any(len(f) < min(floor, len(a)) for f, a in zip(fitted, axes)):
            break  # (coarsening can keep fewer than `points`)
        if _count([len(a) for a in fitted], free) <= budget:
            return fitted
    if longest == 0 and _count([len(a) for a in axes], free) <= budget:
        return list(axes)
    return None


def explorer_grid(controls: Mapping[str, widgets.ValueWidget], budget: int = FRAME_BUDGET) -> Grid:
    """The frames of a widget's explorer, from its controls alone.

    Every slider is first coarsened to at most ``MAX_POINTS`` positions. Then the
    full product grid is tried, then grids in which fewer controls may move away
    from their defaults at once, down to one at a time; each is coarsened to fit
    the budget, keeping every slider at ``MIN_POINTS`` positions or more (all of
    them if it has fewer). One at a time always fits (sliders coarsened further
    when needed, never below 2 positions). The default values are always a
    grid point, so the explorer opens on the figure the widget opens on.
    """
    if budget < 1:
        raise ValueError(f"explorer_grid: budget must be at least 1, got {budget}")
    axes = [control_axis(name, control) for name, control in controls.items()]
    if not axes:
        raise ValueError("explorer_grid: controls is empty")
    axes = [a.coarsened(MAX_POINTS) if a.kind == "range" else a for a in axes]
    for free in range(len(axes), 0, -1):
        fitted = _fit(axes, free, budget, MIN_POINTS if free > 1 else 2)
        if fitted is not None:
            return Grid(fitted, free, _points(fitted, free))
    # even one at a time does not fit (many options in a selection): keep them all
    return Grid(axes, 1, _points(axes, 1))


# ---------------------------------------------------------------- frames


def frame_png(fig) -> bytes:
    """The bytes the widget shows: the figure cropped as the inline backend does, as a palette PNG.

    The figure is drawn once by Agg (:func:`ragmath.widgets._base.figure_rgba`) and
    reduced to a palette of at most ``PALETTE_COLORS`` colours (fast octree, no
    dithering): a figure's flat colours are kept exactly, only antialiased edges
    lose shades nobody can tell apart. That makes frames 4-5 times smaller than
    full-colour PNGs, which is what lets a page carry hundreds of them.
    """
    from ._base import figure_rgba

    rgba = figure_rgba(fig)
    image = Image.fromarray(np.ascontiguousarray(rgba[:, :, :3]), "RGB")
    image = image.quantize(colors=PALETTE_COLORS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    image.save(buffer, format="png", compress_level=6)
    return buffer.getvalue()


# ---------------------------------------------------------------- cache keys


_PACKAGE = Path(__file__).resolve().parent.parent  # ragmath/


def _module_path(module: str) -> Path | None:
    if module != "ragmath" and not module.startswith("ragmath."):
        return None
    parts = module.split(".")[1:]
    base = _PACKAGE.joinpath(*parts)
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    return None


def _imports(path: Path, module: str) -> set[str]:
    """The ragmath modules ``module`` (at ``path``) imports, relative imports resolved."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found |= {f"{target}.{alias.name}" for alias in node.names}  # from . import lexical
    return {m for m in found if _module_path(m) is not None}


@cache
def _closure_hash(module: str) -> str:
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        if name in seen or _module_path(name) is None:
            continue
        seen.add(name)
        todo += sorted(_imports(_module_path(name), name))
    digest = hashlib.sha256()
    for name in sorted(seen):
        digest.update(name.encode() + b"\0" + _module_path(name).read_bytes() + b"\0")
    return digest.hexdigest()


def plot_source_hash(plot) -> str:
    """SHA-256 of the source of the plot function's module and of every ragmath module it imports."""
    import matplotlib
    import PIL

    module = getattr(plot, "__module__", "") or ""
    base = _closure_hash(module) if _module_path(module) else hashlib.sha256(
        repr(getattr(plot, "__qualname__", plot)).encode()).hexdigest()
    versions = f"{FRAME_FORMAT} {matplotlib.__version__} {np.__version__} {PIL.__version__}"
    return hashlib.sha256(f"{base} {getattr(plot, '__qualname__', '')} {versions}".encode()).hexdigest()


def fixed_digest(fixed: Mapping) -> str | None:
    """SHA-256 of the fixed keyword arguments (pickled), or None when they cannot be pickled."""
    try:
        data = pickle.dumps(sorted(fixed.items()), protocol=4)
    except Exception:  # noqa: BLE001 - an unpicklable argument only means no cache
        return None
    return hashlib.sha256(data).hexdigest()


def frame_key(source_hash: str, fixed: str | None, values: Mapping) -> str | None:
    """The cache key of one frame: plot source, fixed arguments and slider values."""
    if fixed is None:
        return None
    items = sorted((k, repr(v)) for k, v in values.items())
    return hashlib.sha256(f"{source_hash} {fixed} {items}".encode()).hexdigest()
