"""Shared fixtures: where the repository, the built site and the tools are."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
# RAGMATH_SITE_DIR: check a site built elsewhere (e.g. jupyter-book build --path-output /tmp/x).
SITE = Path(os.environ.get("RAGMATH_SITE_DIR") or ROOT / "_build" / "html")
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


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _chromium() -> str | None:
    for candidate in (os.environ.get("RAGMATH_CHROMIUM"), "chromium", "chromium-browser"):
        path = candidate and shutil.which(candidate)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (tests/test_browser.py).

    No browser is downloaded: Playwright drives the system's `chromium` (or
    RAGMATH_CHROMIUM). Skipped, with the reason, when Chromium or Playwright is
    missing, unless RAGMATH_REQUIRE_BROWSER=1 (.ci/run sets it, so CI always runs it).
    """
    problem = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "Playwright is not installed: pip install -r requirements.txt (make install does)"
    executable = _chromium()
    if executable is None:
        problem = "Chromium is not installed (Debian: apt-get install chromium chromium-driver)"
    if problem:
        if _required("RAGMATH_REQUIRE_BROWSER"):
            pytest.fail(problem)
        pytest.skip(problem)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
