"""The linter and the doctests.

- `ruff check` is clean on the package, the tools, the tests and the benchmarks. The rules
  are in pyproject.toml ([tool.ruff]); ruff is pinned in requirements.txt. Run
  `.venv/bin/ruff check ragmath tools tests benchmarks` to see the findings, and
  `.venv/bin/ruff check --fix ...` to sort imports.
- `make test` runs the Examples sections of ragmath's docstrings as doctests
  (`--doctest-modules` on the `ragmath` path), and a failing example fails it. Run them
  alone with `.venv/bin/python -m pytest --doctest-modules ragmath -q -n 2`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

PATHS = ("ragmath", "tools", "tests", "benchmarks")


def _ruff() -> list[str]:
    """The ruff command of this environment (the venv's, else one on PATH); skip if there is none."""
    beside = Path(sys.executable).with_name("ruff")
    if beside.exists():
        return [str(beside)]
    try:
        import ruff  # noqa: F401  (the package ships the binary and a `python -m ruff` entry)
    except ImportError:
        found = shutil.which("ruff")
        if found is None:
            pytest.skip("ruff is not installed (it is pinned in requirements.txt: `make install`)")
        return [found]
    return [sys.executable, "-m", "ruff"]


def test_ruff_check_is_clean():
    command = [*_ruff(), "check", "--no-cache", "--output-format", "concise", *PATHS]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (
        f"`ruff check {' '.join(PATHS)}` found problems:\n{result.stdout}{result.stderr}")


def _make_test_command() -> str:
    """The pytest command of the Makefile's ``test`` target, continuation lines joined."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe, "the Makefile has no test target"
    return " ".join(recipe.group(1).split())


def test_make_test_runs_the_doctests_of_ragmath():
    command = _make_test_command()
    assert "-m pytest" in command and "--doctest-modules" in command, command
    paths = command.split("--doctest-modules", 1)[1].split()
    assert "ragmath" in paths, f"the ragmath package is not among the paths of `make test`: {command}"


def test_a_failing_example_fails_pytest(tmp_path: Path):
    """What `make test` relies on: a wrong Examples output is a failed test (exit status 1)."""
    package = tmp_path / "demo"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "maths.py").write_text('''
def double(x):
    """Twice x.

    Examples
    --------
    >>> double(2)
    5
    """
    return 2 * x
''', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "--doctest-modules", "demo"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "demo.maths.double" in result.stdout and "Expected:" in result.stdout
