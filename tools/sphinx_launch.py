"""One setting, ``repository.url`` in ``_config.yml``, drives every button that leaves the site.

Jupyter Book refuses the repository and issues buttons when no URL is set, and the theme would
draw Binder, Colab and JupyterHub buttons that point nowhere. So ``_config.yml`` leaves those
buttons off and lists the launch services, and this extension decides from the URL alone:

- URL set: the repository and issues buttons, and a launch button per service of
  ``launch_buttons``, each pointing at the chapter's notebook in that repository;
- URL empty (the default): none of them; the download buttons (.ipynb, .md) stay, and the first
  cell of every chapter says how to install ``ragmath`` (tools/install_cell.py renders it from
  the same setting).

Whatever the URL, the "Run in your browser" button (``launch_buttons.jupyterlite_url``, the
JupyterLite site that ``make lite`` builds inside this site, tools/lite.py) stays: it needs no
repository. The theme draws its JupyterLite button only when a repository is set, with the
configured URL as it is (so a relative one would resolve against each page's folder); this
extension takes the setting away from the theme and adds the button itself, relative to each
chapter page (``../lite/lab/index.html?path=01-similarity.ipynb``), with a note at the top of
the page: the browser copy loads Pyodide from its CDN (it needs the internet; this page does
not) and the sections whose cells run the real encoder cannot run there.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

# the services that fetch the notebook from the repository (a JupyterLite build would be the
# site's own and needs no repository)
LAUNCH_SERVICES = ("binderhub_url", "colab_url", "jupyterhub_url", "thebe")


LITE_KEY = "jupyterlite_url"
LITE_TEXT = "Run in your browser"
LITE_TOOLTIP = ("Run this chapter in your browser "
                "(JupyterLite: Pyodide loads from its CDN, needs the internet)")
CHAPTER = re.compile(r"notebooks/(\d\d-[\w-]+)$")


def theme_options(options: dict[str, Any]) -> dict[str, Any]:
    """The theme options with the outward buttons set from ``repository_url`` alone (the
    JupyterLite URL is taken out: this extension draws that button, see the module docstring)."""
    options = dict(options)
    url = (options.get("repository_url") or "").strip()
    options["use_repository_button"] = bool(url)
    options["use_issues_button"] = bool(url)
    if not url:
        launch = dict(options.get("launch_buttons") or {})
        for service in LAUNCH_SERVICES:
            launch.pop(service, None)
        options["launch_buttons"] = launch
    launch = dict(options.get("launch_buttons") or {})
    launch.pop(LITE_KEY, None)
    options["launch_buttons"] = launch
    return options


def lite_url(options: dict[str, Any]) -> str:
    """The JupyterLite site's lab page, relative to the site's root ("" when not configured)."""
    url = str((options.get("launch_buttons") or {}).get(LITE_KEY) or "").strip()
    if url.startswith(("/", "http://", "https://")) or ".." in url:
        raise ValueError(f"_config.yml: launch_buttons.{LITE_KEY} must be a path inside the site "
                         f"(like lite/lab/index.html), got {url!r}")
    return url


def lite_note(href: str, sections: list[str]) -> str:
    """The note at the top of a chapter page: what the browser copy needs and cannot run."""
    if sections:
        names = ", ".join(f"“{html.escape(name.replace('$', '').replace('`', ''))}”" for name in sections)
        encoder = (f"The cells that load the real encoder ({names}) cannot run there: it needs "
                   "the tokenizers library and 91 MB of weights; they stop with a message saying so. "
                   "Run the chapter locally or on Colab for them.")
    else:
        encoder = "Every cell of this chapter runs there."
    return (
        '<div class="admonition tip rm-lite-note">\n'
        '<p class="admonition-title">Run in your browser</p>\n'
        f'<p><a class="reference external rm-lite-link" href="{html.escape(href)}">Open this chapter in '
        "JupyterLite</a> (also the rocket button above): a notebook that runs in your browser, nothing "
        "to install. It loads Python (Pyodide) and numpy, scipy, matplotlib and pandas from Pyodide’s "
        "CDN, so it needs the internet; this page does not. "
        f"{encoder}</p>\n</div>\n"
    )


def _lite_sections(app, pagename: str) -> list[str]:
    import lite  # tools/lite.py (tools/ is on sys.path: it holds the local extensions)
    import nbformat

    path = Path(app.env.doc2path(pagename))
    return lite.encoder_sections(nbformat.read(path, as_version=4)) if path.suffix == ".ipynb" else []


def _add_lite_button(app, pagename, templatename, context, doctree) -> None:
    url = app.config.rm_lite_url
    chapter = CHAPTER.match(pagename)
    if not url or not chapter or "header_buttons" not in context:
        return
    href = f"{context['pathto'](url, 1)}?path={chapter.group(1)}.ipynb"
    button = {"type": "link", "text": LITE_TEXT, "tooltip": LITE_TOOLTIP,
              "icon": "_static/images/logo_jupyterlite.svg", "url": href, "label": "launch-jupyterlite"}
    buttons = context["header_buttons"]
    group = next((b for b in buttons if b.get("type") == "group" and b.get("icon") == "fas fa-rocket"), None)
    if group is None:
        buttons.insert(0, {"type": "group", "tooltip": "Launch interactive content", "icon": "fas fa-rocket",
                           "buttons": [button], "label": "launch-buttons"})
    else:
        group["buttons"].append(button)
    body = context.get("body", "")
    end = body.find("</h1>")
    if end >= 0:
        end += len("</h1>")
        context["body"] = body[:end] + "\n" + lite_note(href, _lite_sections(app, pagename)) + body[end:]


def _config_inited(app, config) -> None:
    options = config.html_theme_options or {}
    config.rm_lite_url = lite_url(options)
    config.html_theme_options = theme_options(options)


def setup(app):
    app.add_config_value("rm_lite_url", "", "html")
    app.connect("config-inited", _config_inited)
    # after the theme's launch, source and header buttons (priority 501)
    app.connect("html-page-context", _add_lite_button, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
