"""Shared fixtures: where the repository, the built site and the tools are."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"
MATHJAX = ROOT / "tools" / "mathjax"


def _required(variable: str) -> bool:
    return os.environ.get(variable, "") not in ("", "0")


@pytest.fixture(scope="session")
def site_dir() -> Path:
    """The built site; skipped when absent, unless RAGMATH_SITE_REQUIRED=1 (make test sets it)."""
    if not (SITE / "index.html").exists():
        message = f"the site is not built ({SITE}); run `make book` first"
        if _required("RAGMATH_SITE_REQUIRED"):
            pytest.fail(message)
        pytest.skip(message)
    return SITE


@pytest.fixture(scope="session")
def mathjax_command() -> list[str]:
    """The Node command that runs MathJax 3 (tools/mathjax/check.mjs).

    Skipped, with the reason, when Node or the npm package is missing, unless
    RAGMATH_REQUIRE_MATHJAX=1 (.ci/run sets it, so CI always runs the check).
    """
    node = shutil.which("node")
    problem = None
    if node is None:
        problem = "Node.js is not installed (needed to run MathJax 3)"
    elif not (MATHJAX / "node_modules" / "mathjax-full").is_dir():
        problem = "MathJax is not installed: run `npm ci --prefix tools/mathjax` (make test does)"
    if problem:
        if _required("RAGMATH_REQUIRE_MATHJAX"):
            pytest.fail(problem)
        pytest.skip(problem)
    return [node, str(MATHJAX / "check.mjs")]
