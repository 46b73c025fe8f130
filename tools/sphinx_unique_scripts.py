"""Sphinx extension: write each inline <script> of a page once.

With Sphinx 7.4, an inline script that an extension adds after the HTML builder is
initialised (sphinx-togglebutton's `togglebuttonSelector`, sphinx-thebe's
`const THEBE_JS_URL = ...`) reaches the page twice, and the second copy of the
`const` declarations is a SyntaxError in the reader's console on every page.
This drops the repeated copies (same body, same attributes) just before the page
is written. Loaded by `_config.yml` (sphinx: local_extensions).
"""

from __future__ import annotations


def _key(script) -> tuple:
    attributes = getattr(script, "attributes", {}) or {}
    return (getattr(script, "filename", script) or "", tuple(sorted(attributes.items())))


def unique_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", unique_scripts, priority=900)  # after the extensions add theirs
    return {"parallel_read_safe": True, "parallel_write_safe": True}
