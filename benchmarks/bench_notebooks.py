"""Benchmark: how long each chapter notebook, and the whole book, takes to execute.

Every notebooks/NN-*.ipynb is executed top to bottom in a fresh kernel with
nbclient, as `make notebooks` and nbval do, its working directory in
notebooks/; the time includes starting the kernel. The whole book is the sum
over the chapters (they run one after the other). Budgets: every chapter
under 20 s, the whole book under 2 minutes. The committed notebooks are not
modified.

    .venv/bin/python benchmarks/bench_notebooks.py [notebooks/01-similarity.ipynb ...]
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from common import agreement, check, print_section, row
else:
    from .common import agreement, check, print_section, row

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CHAPTER_BUDGET_S = 20.0
BOOK_BUDGET_S = 120.0


def execute(path: Path) -> float:
    """Seconds to execute a notebook in a fresh kernel (kernel start included).

    The kernel's own log (stderr of its process) is discarded; a failing cell
    still raises here.
    """
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, kernel_name="python3", timeout=600, record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute(stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def run(notebooks: list[Path] | None = None) -> dict:
    notebooks = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")) if notebooks is None else notebooks
    times, failed = {}, {}
    for path in notebooks:
        try:
            times[path.stem] = execute(path)
        except Exception as exc:  # a failing chapter is reported, and fails the run
            last = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip().splitlines()[-1:] or [""]
            failed[path.stem] = f"{type(exc).__name__}: {last[0]}"
    total = sum(times.values())
    rows = [row(f"chapter {name}", "execute", t, ragmath=True) for name, t in times.items()]
    rows.append(row("the whole book", "execute", total, ragmath=True, note=f"{len(times)} chapters in a row"))
    checks = [check(f"chapter {name}", t, CHAPTER_BUDGET_S, unit="s", case=f"chapter {name}")
              for name, t in times.items()]
    checks.append(check("the whole book", total, BOOK_BUDGET_S, unit="s", case="the whole book"))
    checks += [agreement(f"chapter {name} executes", False, f"failed: {why}") for name, why in failed.items()]
    return {
        "name": "Chapter notebooks",
        "key": "notebooks",
        "setup": "each chapter notebook executed top to bottom in a fresh kernel (nbclient), "
                 "kernel start included",
        "rows": rows,
        "checks": checks,
        "notes": [],
    }


def main() -> int:
    paths = [Path(a).resolve() for a in sys.argv[1:]] or None
    return print_section(run(paths))


if __name__ == "__main__":
    sys.exit(main())
