"""Turn a results file of benchmarks/run.py into the appendix's table, budget list and chart.

    .venv/bin/python benchmarks/report.py [benchmarks/results/latest.json]

writes, next to the results file, ``<name>.md`` (the Markdown the page
book/performance.md includes: the machine, one table of every timing, the
budgets, and where ragmath is slower than a comparison library) and
``<name>.svg`` (the log-scale chart; ``<name>.pdf`` the same for the PDF edition). All depend
only on the results file,
so the page can be rebuilt without re-running the benchmarks.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from common import format_seconds, format_value
else:
    from .common import format_seconds, format_value

RAGMATH_COLOR = "#1f77b4"
OTHER_COLOR = "#9a9a9a"
OVER_COLOR = "#d62728"


def failed_checks(results: dict) -> list[dict]:
    """Every budget or agreement check of the results that failed, with its section."""
    return [dict(c, section=s["name"]) for s in results["sections"] for c in s.get("checks", [])
            if not c["ok"]]


def _nbsp(text: str) -> str:
    """A number and its unit kept on one line."""
    return text.replace(" ", "\u00a0")


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|")


def markdown_table(results: dict) -> str:
    """The table of every timed case: one block per section, with its setup.

    Columns that no row of a section fills (p95, ratio) are left out; a
    reference that is the section's yardstick row is shown as "yardstick".
    """
    blocks = []
    for section in results["sections"]:
        rows = section["rows"]
        names = {r["case"]: r for r in rows}
        has_p95 = any("p95_s" in r for r in rows)
        has_ratio = any("ratio" in r for r in rows)
        header = (["Case", "Median"] + (["p95"] if has_p95 else [])
                  + (["× reference", "Reference"] if has_ratio else []))
        align = ["---", "---:"] + (["---:"] if has_p95 else []) + (["---:", "---"] if has_ratio else [])
        lines = [f"**{_cell(section['name'])}.** {_cell(section.get('setup', ''))}".rstrip()]
        if rows:
            lines += ["", "| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
        several = len({r["measure"] for r in rows if not r.get("yardstick")}) > 1
        for r in rows:
            case = f"**{_cell(r['case'])}**" if r.get("ragmath") else _cell(r["case"])
            details = ([r["measure"]] if several else []) + ([_cell(r["note"])] if r.get("note") else [])
            if details:
                case += f" ({'; '.join(details)})"
            cells = [case, _nbsp(format_seconds(r["median_s"]))]
            if has_p95:
                cells.append(_nbsp(format_seconds(r["p95_s"])) if "p95_s" in r else "")
            if has_ratio:
                ref = r.get("reference") or ""
                if names.get(ref, {}).get("yardstick"):
                    ref = "yardstick"
                cells += [f"{r['ratio']:.2f}" if "ratio" in r else "", _cell(ref)]
            lines.append("| " + " | ".join(cells) + " |")
        if section.get("notes"):
            lines += [""] + [f"- {_cell(n)}" for n in section["notes"]]
        for table in section.get("tables", []):
            lines += ["", extra_table(table)]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def extra_table(table: dict) -> str:
    """A section's table that is not timings ({"title", "columns", "rows"}) as Markdown, its title above."""
    n = len(table["columns"])
    lines = [f"*{_cell(table['title'])}*", "", "| " + " | ".join(_cell(c) for c in table["columns"]) + " |",
             "|" + "|".join(["---"] + ["---:"] * (n - 1)) + "|"]
    for r in table["rows"]:
        if len(r) != n:
            raise ValueError(f"extra_table: a row of {table['title']!r} has {len(r)} cells, not {n}")
        lines.append("| " + " | ".join(_cell(c) for c in r) + " |")
    return "\n".join(lines)


def budget_table(results: dict) -> str:
    """One Markdown table of every budget and agreement check, with its verdict."""
    lines = ["| Check | Measured | Budget | Verdict |", "|---|---:|---:|---|"]
    for section in results["sections"]:
        for c in section.get("checks", []):
            if c["measured"] is None:
                lines.append(f"| {_cell(c['name'])}: {_cell(c.get('detail', ''))} | | agree | "
                             f"{'agree' if c['ok'] else '**disagree**'} |")
                continue
            relation = "≤" if c["at_most"] else "≥"
            lines.append(f"| {_cell(c['name'])} | {_nbsp(format_value(c['measured'], c['unit']))} | "
                         f"{_nbsp(relation + ' ' + format_value(c['limit'], c['unit']))} | "
                         f"{'within' if c['ok'] else '**over**'} |")
    return "\n".join(lines)


def slower_than_others(results: dict) -> list[str]:
    """Sentences: every ragmath row slower than the comparison library it is measured against."""
    out = []
    for section in results["sections"]:
        names = {r["case"]: r for r in section["rows"]}
        for r in section["rows"]:
            ref = names.get(r.get("reference"))
            if (r.get("ragmath") and ref is not None and not ref.get("ragmath") and not ref.get("yardstick")
                    and r["ratio"] > 1.05):
                out.append(f"{section['name']}, {r['measure']}: {r['case']} takes {r['ratio']:.2f}× "
                           f"the time of {r['reference']} ({format_seconds(r['median_s'])} against "
                           f"{format_seconds(ref['median_s'])}).")
    return out


def machine_line(results: dict) -> str:
    m = results["machine"]
    libs = ", ".join(f"{k} {v}" for k, v in m["libraries"].items())
    return (f"Measured on {m['cpu']} ({m['cores']} cores), {m['system']}, Python {m['python']}; {libs}.")


def _load(values) -> str:
    return ", ".join(f"{x:.1f}" for x in values) if values else "unknown"


def runs_table(results: dict) -> str:
    """When each section ran, for how long, and how loaded the machine was (load averages, 1/5/15 min)."""
    lines = ["| Section | Ran | Took | Load before | Load after |", "|---|---|---:|---|---|"]
    for s in results["sections"]:
        ran = s.get("ran")
        if ran:
            lines.append(f"| {_cell(s['name'])} | {ran['date']} | {ran['elapsed_s'] / 60:.1f} min | "
                         f"{_load(ran.get('load_before'))} | {_load(ran.get('load_after'))} |")
    return "\n".join(lines)


def markdown(results: dict) -> str:
    """The Markdown included by book/performance.md."""
    parts = [machine_line(results), "The load average is the number of processes wanting a core "
             f"({results['machine']['cores']} "
             "here): above that, the timings of the run are inflated.", "", runs_table(results), "",
             markdown_table(results), "", "Budgets and agreement checks:", "", budget_table(results)]
    slower = slower_than_others(results)
    parts += ["", "Where ragmath is slower than the library it is compared with:", ""]
    parts += [f"- {s}" for s in slower] if slower else ["- nowhere in this run."]
    return "\n".join(parts) + "\n"


def chart(results: dict):
    """A log-scale bar chart of every median time, one panel per section; a Figure."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import LogLocator, NullFormatter

    sections = [s for s in results["sections"] if s["rows"]]
    heights = [len(s["rows"]) for s in sections]
    fig = Figure(figsize=(9, 0.26 * sum(heights) + 0.9 * len(sections)), dpi=100)
    axes = fig.subplots(len(sections), 1, squeeze=False, gridspec_kw={"height_ratios": heights})[:, 0]
    over = {(c["section"], c.get("case")) for c in failed_checks(results)}
    for ax, section in zip(axes, sections):
        rows = section["rows"]
        labels = [f"{r['case']} ({r['measure']})" for r in rows]
        values = np.array([r["median_s"] for r in rows])
        colors = [RAGMATH_COLOR if r.get("ragmath") else OTHER_COLOR for r in rows]
        missed = [(section["name"], r["case"]) in over for r in rows]
        colors = [OVER_COLOR if m else c for c, m in zip(colors, missed)]
        y = np.arange(len(rows))[::-1]
        ax.barh(y, values, color=colors, height=0.7)
        ax.set_xscale("log")
        ax.set_yticks(y, labels, fontsize=8)
        ax.set_xlim(values.min() / 3, values.max() * 12)
        for yi, v in zip(y, values):
            ax.text(v * 1.15, yi, format_seconds(v), va="center", fontsize=7)
        for limit in sorted({c["limit"] for c in section.get("checks", []) if c.get("unit") == "s"}):
            ax.axvline(limit, color=OVER_COLOR, lw=1, ls="--")
            ax.text(limit * 1.05, y[0] + 0.5, f"budget {format_seconds(limit)}", color=OVER_COLOR,
                    fontsize=7, va="bottom")
            ax.set_xlim(right=max(ax.get_xlim()[1], limit * 4))
        ax.set_title(section["name"], fontsize=10, loc="left")
        ax.xaxis.set_major_locator(LogLocator(base=10, numticks=12))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.tick_params(axis="x", labelsize=8)
    axes[-1].set_xlabel("median time (seconds, log scale); blue: ragmath, grey: the others, red: over budget",
                        fontsize=8)
    fig.subplots_adjust(left=0.42, right=0.98, top=1 - 0.35 / fig.get_figheight(),
                        bottom=0.6 / fig.get_figheight(), hspace=0.9 * 5 / sum(heights) + 0.25)
    return fig


def write(results: dict, json_path: Path) -> tuple[Path, Path]:
    """Write <name>.md, <name>.svg (the site's chart) and <name>.pdf (the same chart for the PDF
    edition: the LaTeX build takes no SVG) next to the results file; return the .md and .svg."""
    md_path, svg_path = json_path.with_suffix(".md"), json_path.with_suffix(".svg")
    md_path.write_text(markdown(results), encoding="utf-8")
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "ragmath-bench", "svg.fonttype": "none"}):
        fig = chart(results)
        fig.savefig(svg_path, format="svg", metadata={"Date": None})
        fig.savefig(json_path.with_suffix(".pdf"), format="pdf",
                    metadata={"CreationDate": None, "ModDate": None})
    return md_path, svg_path


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "results" / "latest.json")
    results = json.loads(path.read_text(encoding="utf-8"))
    for p in write(results, path):
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
