"""What every benchmark shares: timing helpers, result rows, budget checks, the machine.

A benchmark's ``run(...)`` returns a *section*: a dict with

- ``name``: the title of the section;
- ``setup``: one sentence on the data and the parameters;
- ``rows``: one dict per timed case: ``case`` (what was timed), ``measure``
  (``"fit"``, ``"query"``, ...), ``median_s`` and optionally ``p95_s``, ``ratio``
  (median over the reference's median), ``reference`` (the case it is compared
  with), ``ragmath`` (true for ragmath's own rows), ``note``;
- ``checks``: budgets and agreement checks, each ``name``, ``measured``,
  ``limit``, ``unit`` and ``ok``;
- ``notes``: sentences worth printing;
- optionally ``tables``: further tables that are not timings (e.g. retrieval
  quality), each ``title``, ``columns`` and ``rows`` (lists of strings).

``benchmarks/run.py`` runs every section and writes them to one results file;
``benchmarks/report.py`` turns a results file into the Markdown table, the
budget list and the chart of the appendix page.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable

import numpy as np


def timed(f: Callable):
    """(f(), seconds it took)."""
    start = time.perf_counter()
    out = f()
    return out, time.perf_counter() - start


def interleaved(cases: dict[str, Callable], repeats: int, warm_up: bool = True,
                settle: dict[str, float] | None = None) -> dict[str, np.ndarray]:
    """Seconds per call of every case, the cases interleaved so that drifts of a
    shared machine hit all of them alike.

    ``settle`` gives, for some cases, seconds to wait (untimed) after each of
    their calls: OpenMP libraries such as faiss leave their threads spinning for
    a while after a call, which would slow down whichever case comes next.
    """
    settle = settle or {}
    if warm_up:
        for f in cases.values():
            f()
    times = {name: [] for name in cases}
    for _ in range(repeats):
        for name, f in cases.items():
            start = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - start)
            if name in settle:
                time.sleep(settle[name])
    return {name: np.array(ts) for name, ts in times.items()}


OPENMP_SETTLE_S = 0.3  # longer than the 200 ms an OpenMP thread may spin after a parallel region


def row(case: str, measure: str, times, *, reference_times=None, reference: str | None = None,
        ragmath: bool = False, note: str = "") -> dict:
    """A result row from an array of seconds (or one number)."""
    ts = np.atleast_1d(np.asarray(times, dtype=float))
    out = {"case": case, "measure": measure, "median_s": float(np.median(ts)), "ragmath": ragmath}
    if ts.size > 1:
        out["p95_s"] = float(np.percentile(ts, 95))
        out["samples"] = int(ts.size)
    if reference_times is not None:
        out["ratio"] = out["median_s"] / float(np.median(np.atleast_1d(reference_times)))
        out["reference"] = reference
    if note:
        out["note"] = note
    return out


def check(name: str, measured: float, limit: float, unit: str = "×", *, at_most: bool = True,
          case: str | None = None) -> dict:
    """A budget (or tolerance): ``measured`` must be at most (or at least) ``limit``.

    ``case`` names the result row the budget is about (the chart colours it).
    """
    ok = bool(measured <= limit) if at_most else bool(measured >= limit)
    return {"name": name, "measured": float(measured), "limit": float(limit), "unit": unit,
            "at_most": at_most, "ok": ok, "case": case}


def agreement(name: str, ok: bool, detail: str) -> dict:
    """An agreement check between implementations (no number to budget)."""
    return {"name": name, "measured": None, "limit": None, "unit": "", "ok": bool(ok), "detail": detail}


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def machine(libraries: dict[str, str] | None = None) -> dict:
    """The machine a run happened on: CPU, cores, OS, Python, library versions."""
    import matplotlib

    libs = {"numpy": np.__version__, "matplotlib": matplotlib.__version__}
    libs.update(libraries or {})
    return {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "libraries": libs,
    }


def print_section(section: dict) -> int:
    """Print a section as a plain-text table; return 1 if a check failed, else 0."""
    print(f"\n== {section['name']}")
    if section.get("setup"):
        print(section["setup"])
    print(f"{'case':44s} {'measure':10s} {'median':>10s} {'p95':>10s} {'ratio':>7s}  reference")
    for r in section["rows"]:
        p95 = format_seconds(r["p95_s"]) if "p95_s" in r else ""
        ratio = f"{r['ratio']:.2f}x" if "ratio" in r else ""
        print(f"{r['case']:44s} {r['measure']:10s} {format_seconds(r['median_s']):>10s} {p95:>10s} "
              f"{ratio:>7s}  {r.get('reference') or ''}{'  (' + r['note'] + ')' if r.get('note') else ''}")
    for note in section.get("notes", []):
        print("note:", note)
    for table in section.get("tables", []):
        print_table(table)
    status = 0
    for c in section.get("checks", []):
        print(check_line(c))
        status |= not c["ok"]
    return status


def print_table(table: dict) -> None:
    """Print a section's extra table ({"title", "columns", "rows"}: rows of strings), columns aligned."""
    cells = [table["columns"], *table["rows"]]
    widths = [max(len(str(r[j])) for r in cells) for j in range(len(table["columns"]))]
    print(f"\n{table['title']}")
    for i, r in enumerate(cells):
        print("  ".join(f"{str(c):{w}s}" for c, w in zip(r, widths)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def check_line(c: dict) -> str:
    if c["measured"] is None:
        return f"{'agree' if c['ok'] else 'DISAGREE'}: {c['name']}: {c.get('detail', '')}"
    verdict = "within budget" if c["ok"] else "OVER BUDGET"
    relation = "≤" if c["at_most"] else "≥"
    return (f"{verdict}: {c['name']}: {format_value(c['measured'], c['unit'])} "
            f"(budget {relation} {format_value(c['limit'], c['unit'])})")


def format_value(x: float, unit: str) -> str:
    if unit == "×":
        return f"{x:.2f}×"
    if unit == "s":
        return format_seconds(x)
    if unit == "cosine":
        return f"{x:.7f}"
    return f"{x:.3f}{(' ' + unit) if unit else ''}"


def format_seconds(s: float) -> str:
    """A duration with a unit that keeps 3 significant digits readable."""
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    return f"{s * 1e6:.0f} µs"
