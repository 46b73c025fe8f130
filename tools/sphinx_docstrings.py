"""Sphinx extension: keep the plain-text mathematics of ragmath's docstrings literal.

The docstrings are read in a terminal (``help()``) as often as on the site, so they
write a document's length as ``|d|`` and a set's size as ``|V|``, as the chapters do.
In reStructuredText ``|d|`` is a substitution reference, which fails the ``-W``
build ("Undefined substitution referenced"). This extension escapes such pairs of
bars before autodoc and napoleon parse a docstring, so the API reference shows
``|d|`` exactly as ``help()`` does. Inline literals (````...````), roles
(``:math:`|x|```), literal blocks (after ``::``) and doctest blocks are left alone,
and so is a bar with a space on its inner side (``int | None``, a line block).

Loaded by ``_config.yml`` (sphinx: local_extensions).
"""

from __future__ import annotations

import re

# |x| with no space just inside either bar, not part of a role, a word or a ``literal``
_BARS = re.compile(r"(?<![\\`|\w])\|(?=[^\s|`])([^|`\n]*?[^\s|`\\])\|(?![\w`|])")
_INLINE_LITERAL = re.compile(r"(``.+?``)")


def escape_bars(lines: list[str]) -> list[str]:
    """The docstring's lines with every ``|x|`` outside literals written ``\\|x\\|``."""
    out: list[str] = []
    literal_indent: int | None = None  # inside a literal block indented deeper than this
    in_doctest = False
    for line in lines:
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if literal_indent is not None:
            if not stripped or indent > literal_indent:
                out.append(line)
                continue
            literal_indent = None
        if in_doctest:
            if stripped:
                out.append(line)
                continue
            in_doctest = False
        if stripped.startswith(">>>"):
            in_doctest = True
            out.append(line)
            continue
        parts = _INLINE_LITERAL.split(line)
        out.append("".join(part if part.startswith("``") else _BARS.sub(r"\\|\1\\|", part)
                           for part in parts))
        if line.rstrip().endswith("::"):
            literal_indent = indent
    return out


def _process_docstring(app, what, name, obj, options, lines: list[str]) -> None:
    lines[:] = escape_bars(lines)


def setup(app):
    app.setup_extension("sphinx.ext.autodoc")  # its event must exist, whatever the config lists
    # before napoleon (priority 500) turns the numpydoc sections into fields
    app.connect("autodoc-process-docstring", _process_docstring, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
