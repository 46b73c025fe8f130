"""One setting, ``repository.url`` in ``_config.yml``, drives every button that leaves the site.

Jupyter Book refuses the repository and issues buttons when no URL is set, and the theme would
draw Binder, Colab and JupyterHub buttons that point nowhere. So ``_config.yml`` leaves those
buttons off and lists the launch services, and this extension decides from the URL alone:

- URL set: the repository and issues buttons, and a launch button per service of
  ``launch_buttons``, each pointing at the chapter's notebook in that repository;
- URL empty (the default): none of them; the download buttons (.ipynb, .md) stay, and the first
  cell of every chapter says how to install ``ragmath`` (tools/install_cell.py renders it from
  the same setting).
"""

from __future__ import annotations

from typing import Any

# the services that fetch the notebook from the repository (a JupyterLite build would be the
# site's own and needs no repository)
LAUNCH_SERVICES = ("binderhub_url", "colab_url", "jupyterhub_url", "thebe")


def theme_options(options: dict[str, Any]) -> dict[str, Any]:
    """The theme options with the outward buttons set from ``repository_url`` alone."""
    options = dict(options)
    url = (options.get("repository_url") or "").strip()
    options["use_repository_button"] = bool(url)
    options["use_issues_button"] = bool(url)
    if not url:
        launch = dict(options.get("launch_buttons") or {})
        for service in LAUNCH_SERVICES:
            launch.pop(service, None)
        options["launch_buttons"] = launch
    return options


def _config_inited(app, config) -> None:
    config.html_theme_options = theme_options(config.html_theme_options or {})


def setup(app):
    app.connect("config-inited", _config_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
