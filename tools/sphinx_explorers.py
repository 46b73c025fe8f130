"""Sphinx extension: show each widget of a chapter as its static explorer.

The committed notebooks display every widget as an ipywidgets view, which on a
static site has sliders that move and a figure that never changes. This
extension replaces each view with the explorer that ``tools/explorers.py``
(run by ``make book`` before Sphinx) built for it: HTML controls over the grid
of values the frames were drawn at, the default frame as an ``<img>``, and the
grid as JSON that ``explorer.js`` (served by the site, no CDN) reads to swap
frames when a control moves. The ipywidgets state and the widget manager's
scripts are dropped from pages whose widgets all have explorers.

Frames are copied into ``_explorers/<sha-256 of the bytes>.png`` of the output,
so identical frames are stored once. A widget view with no explorer (a chapter
run without ``tools/explorers.py``, or a stale manifest) is a warning, which
fails the ``-W`` build of ``make book``.

Loaded by ``_config.yml`` (sphinx: local_extensions).
"""

from __future__ import annotations

import hashlib
import html
import json
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
EXPLORERS = ROOT / "_build" / "explorers"
VIEW = '<script type="application/vnd.jupyter.widget-view+json">'
OUTPUT = "_explorers"


def _load_manifests(app) -> None:
    by_model = {}
    for file in sorted(EXPLORERS.glob("*.json")):
        try:
            manifest = json.loads(file.read_text(encoding="utf-8"))
        except ValueError as exc:
            logger.warning(f"explorers: cannot read {file}: {exc}")
            continue
        for entry in manifest.get("widgets", []):
            by_model[entry["model_id"]] = (manifest["chapter"], entry)
    app.env_explorers = by_model  # not pickled with the environment: read again each build
    app.explorer_pages = set()


def mode_text(entry: dict) -> str:
    """What the reader can do with this explorer, said on the page."""
    axes, free = entry["axes"], entry["free"]
    frames = len(entry["frames"])
    coarse = [f"{a['label']}: {len(a['labels'])} of the notebook's {a['positions']} positions"
              for a in axes if a["positions"] > len(a["labels"])]
    if len(axes) == 1:
        moves = "Pre-computed figures: one for each value of the control"
    elif free >= len(axes):
        moves = f"Pre-computed figures for every combination of the {len(axes)} controls"
    elif free == 1:
        moves = ("One control at a time: moving one returns the others to their starting values "
                 "(the figures exist for each control moved alone)")
    else:
        moves = (f"At most {free} controls away from their starting values at once: moving another "
                 "returns the one moved longest ago to its start")
    text = f"{moves} ({frames} frames)."
    if coarse:
        text += " Sliders snap to the values that have a figure (" + "; ".join(coarse) + ")."
    text += " In a notebook the widget recomputes the figure for any value."
    return text


def explorer_html(entry: dict, index: int, urls: dict[str, str]) -> str:
    """The explorer's markup: it works without its script as a still figure of the default values."""
    axes = entry["axes"]
    default = ",".join(str(a["default"]) for a in axes)
    ident = f"rm-explorer-{index}"
    describe = ", ".join(f"{a['label']} = {a['labels'][a['default']]}" for a in axes)
    controls = []
    for n, axis in enumerate(axes):
        cid = f"{ident}-{n}"
        label = html.escape(axis["label"])
        current = axis["labels"][axis["default"]]
        if axis["kind"] == "range":
            control = (f'<input type="range" id="{cid}" data-axis="{n}" min="0" '
                       f'max="{len(axis["labels"]) - 1}" '
                       f'step="1" value="{axis["default"]}" '
                       f'aria-valuetext="{html.escape(axis["label"] + " = " + current)}">'
                       f'<output for="{cid}" data-axis="{n}">{html.escape(current)}</output>')
        elif axis["kind"] == "checkbox":
            checked = " checked" if axis["default"] == 1 else ""
            control = f'<input type="checkbox" id="{cid}" data-axis="{n}"{checked}>'
        else:
            options = "".join(
                f'<option value="{i}"{" selected" if i == axis["default"] else ""}>'
                f'{html.escape(text)}</option>'
                for i, text in enumerate(axis["labels"]))
            control = f'<select id="{cid}" data-axis="{n}">{options}</select>'
        controls.append(f'<div class="rm-control"><label for="{cid}">{label}</label>{control}</div>')
    data = {"free": entry["free"], "plot": entry["plot"],
            "axes": [{"label": a["label"], "labels": a["labels"], "default": a["default"], "kind": a["kind"]}
                     for a in axes],
            "frames": urls}
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    plot = entry["plot"].rsplit(".", 1)[-1]
    alt = html.escape(f"Figure drawn by {plot} for {describe}")
    return (
        f'<figure class="rm-explorer" id="{ident}" data-rm-explorer>'
        f'<p class="rm-explorer-mode">{html.escape(mode_text(entry))}</p>'
        f'<div class="rm-explorer-controls">{"".join(controls)}</div>'
        f'<div class="rm-explorer-card"><img class="dark-light" src="{urls[default]}" alt="{alt}" '
        f'data-point="{default}"'
        f' decoding="sync"></div>'
        f'<script type="application/json" class="rm-explorer-data">{payload}</script>'
        f"</figure>"
    )


def _frame_url(app, docname: str, key: str) -> str:
    source = EXPLORERS / "frames" / f"{key}.png"
    data = source.read_bytes()
    name = hashlib.sha256(data).hexdigest()[:20] + ".png"
    target = Path(app.outdir) / OUTPUT / name
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return "../" * docname.count("/") + f"{OUTPUT}/{name}"


def replace_views(app, doctree, docname) -> None:
    if app.builder.format != "html":
        return
    count, missing = 0, 0
    for node in list(doctree.findall(nodes.raw)):
        text = node.astext()
        if not text.startswith(VIEW):
            continue
        model_id = json.loads(text[len(VIEW):].rsplit("</script>", 1)[0])["model_id"]
        found = app.env_explorers.get(model_id)
        if found is None:
            missing += 1
            logger.warning(f"explorers: the widget {model_id} of {docname} has no explorer: run "
                           "`make book` (tools/explorers.py builds them)", location=(docname, node.line))
            continue
        entry = found[1]
        try:
            urls = {point: _frame_url(app, docname, key) for point, key in entry["frames"].items()}
        except OSError as exc:
            missing += 1
            logger.warning(f"explorers: a frame of {entry['plot']} on {docname} is missing ({exc})")
            continue
        node.parent.replace(node, nodes.raw("", explorer_html(entry, count, urls), format="html"))
        count += 1
    if count and not missing:
        app.explorer_pages.add(docname)


def drop_widget_scripts(app, pagename, templatename, context, doctree) -> None:
    """Pages whose widgets are all explorers need neither the ipywidgets state nor its manager."""
    if pagename not in app.explorer_pages or "script_files" not in context:
        return
    kept = []
    for script in context["script_files"]:
        filename = str(getattr(script, "filename", script) or "")
        attributes = getattr(script, "attributes", {}) or {}
        if attributes.get("type") == "application/vnd.jupyter.widget-state+json":
            continue
        if "jupyter-widgets" in filename or filename.endswith("require.js"):
            continue
        kept.append(script)
    context["script_files"] = kept


def setup(app):
    app.connect("builder-inited", _load_manifests)
    app.connect("doctree-resolved", replace_views)
    app.connect("html-page-context", drop_widget_scripts, priority=800)  # after myst-nb adds them (500)
    app.add_js_file("explorer.js", defer="defer")
    app.add_css_file("explorer.css")
    return {"parallel_read_safe": True, "parallel_write_safe": False}
