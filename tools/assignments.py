"""Graded assignments: build them with otter-grader and grade submissions locally.

The instructor sources are notebooks/assignments/NN-name.ipynb, in otter-grader's
assign format (book/instructor-guide.md explains it). Two subcommands:

    python tools/assignments.py assign [NN-name ...]
        runs `otter assign` for every assignment (or the ones named) into
        _build/assignments/NN-name/: student/NN-name.ipynb (the notebook to release)
        and autograder/NN-name-autograder_<timestamp>.zip (for Gradescope or grading).

    python tools/assignments.py grade --assignment NN-name --submissions DIR [--output CSV]
        grades every .ipynb under DIR with the autograder zip, without Docker
        (otter's non-containerised runner, in this Python environment), and writes
        one CSV (default _build/grades/NN-name.csv): one row per submission, one
        column per autograded question, the autograded total, and an empty column
        per question graded by hand.

The module also holds what the tests use to prove that a release leaks nothing:
``secret_lines`` (the lines of a source that only the instructor may see) and
``find_leaks`` (which of them occur in a directory of released files).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import csv
import io
import json
import re
import shutil
import subprocess
import sys
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "notebooks" / "assignments"
BUILD = ROOT / "_build" / "assignments"
GRADES = ROOT / "_build" / "grades"
BOOK = ROOT / "book"


# ----------------------------------------------------------------- the sources
def assignment_sources(directory: Path = SOURCES) -> list[Path]:
    """The instructor sources notebooks/assignments/NN-*.ipynb, in chapter order."""
    return sorted(directory.glob("[0-9][0-9]-*.ipynb"))


def source_for(name: str, directory: Path = SOURCES) -> Path:
    path = directory / f"{name}.ipynb"
    if not path.exists():
        known = ", ".join(p.stem for p in assignment_sources(directory)) or "none"
        raise SystemExit(f"no assignment {name!r} in {directory} (known: {known})")
    return path


@dataclass
class Question:
    name: str
    points: float
    manual: bool
    public_tests: int = 0
    hidden_tests: int = 0


@dataclass
class SourceParts:
    """A source notebook split into what a student may see and what only the instructor sees.

    ``published``: every line of the markdown, the given code, the prompts and the public tests.
    ``solutions``: the lines otter removes from answers (solution blocks, ``# SOLUTION`` lines,
    written answers of manual questions). ``hidden``: the lines of hidden test cells.
    """

    questions: list[Question] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    solutions: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)


def _marker(cell, word: str) -> bool:
    first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    return cell.cell_type == "raw" and re.fullmatch(rf"#\s*{word}", first.strip(), re.IGNORECASE) is not None


def _solution_code_lines(source: str) -> tuple[list[str], list[str]]:
    """(solution lines, other lines) of a code cell inside a solution block, as otter strips it."""
    secret, kept, inside = [], [], False
    for line in source.splitlines():
        stripped = line.strip()
        if re.fullmatch(r"#\s*BEGIN SOLUTION( NO PROMPT)?", stripped):
            inside = True
        elif re.fullmatch(r"#\s*END SOLUTION", stripped):
            inside = False
        elif inside:
            secret.append(line)
        elif re.search(r"#\s*SOLUTION( NO PROMPT)?\s*$", line):
            secret.append(re.sub(r"#\s*SOLUTION( NO PROMPT)?\s*$", "", line))
        else:
            kept.append(line)
    return secret, kept


def split_source(path: Path) -> SourceParts:
    """Read an otter-assign source and sort its lines (see :class:`SourceParts`)."""
    nb = nbformat.read(path, as_version=4)
    parts = SourceParts()
    question, in_solution, in_tests = None, False, False
    for cell in nb.cells:
        if cell.cell_type == "raw":
            if _marker(cell, r"BEGIN\s+QUESTION"):
                config = yaml.safe_load("\n".join(cell.source.strip().splitlines()[1:])) or {}
                question = Question(str(config["name"]), float(config.get("points", 1)),
                                    bool(config.get("manual", False)))
                parts.questions.append(question)
            elif _marker(cell, r"END\s+QUESTION"):
                question = None
            elif _marker(cell, r"BEGIN\s+SOLUTION"):
                in_solution = True
            elif _marker(cell, r"END\s+SOLUTION"):
                in_solution = False
            elif _marker(cell, r"BEGIN\s+TESTS"):
                in_tests = True
            elif _marker(cell, r"END\s+TESTS"):
                in_tests = False
            elif not _marker(cell, r"ASSIGNMENT\s+CONFIG"):
                parts.published.extend(cell.source.splitlines())
            continue
        lines = cell.source.splitlines()
        if in_tests and cell.cell_type == "code":
            first = lines[0].strip() if lines else ""
            if first.startswith("#") and re.search(r"\bhidden\b", first, re.IGNORECASE):
                if question is not None:
                    question.hidden_tests += 1
                parts.hidden.extend(lines[1:])
                # otter stores tests reformatted by ast.unparse: keep that form too
                with contextlib.suppress(SyntaxError):
                    parts.hidden.extend(ast.unparse(ast.parse(cell.source)).splitlines())
            else:
                if question is not None:
                    question.public_tests += 1
                parts.published.extend(lines)
        elif in_solution and cell.cell_type == "code":
            secret, kept = _solution_code_lines(cell.source)
            parts.solutions.extend(secret)
            parts.published.extend(kept)
        elif in_solution:
            parts.solutions.extend(lines)
        else:
            parts.published.extend(lines)
    return parts


# ------------------------------------------------------------- the secret lines
def normalise(line: str) -> str:
    """A line as compared: doctest prompt dropped, all whitespace removed, one kind of quote."""
    line = re.sub(r"^\s*(>>>|\.\.\.)( |$)", "", line)
    return re.sub(r"\s+", "", line).replace('"', "'")


def _is_import(line: str) -> bool:
    try:
        tree = ast.parse(line.strip())
    except SyntaxError:
        return False
    return len(tree.body) == 1 and isinstance(tree.body[0], (ast.Import, ast.ImportFrom))


def book_lines(book: Path = BOOK) -> set[str]:
    """The normalised lines of the book's pages (book/*.md) and of ``ragmath``'s source.

    Both are public by definition: the pages are the book, and the package's source is
    installed with it and shown on the site (the API reference links every function to
    its source), so a line such as ``except ValueError:`` that a solution shares with the
    library reveals nothing.
    """
    pages = sorted(book.glob("*.md")) + sorted((book.parent / "ragmath").rglob("*.py"))
    return {normalise(line) for page in pages
            for line in page.read_text(encoding="utf-8").splitlines()}


def secret_lines(parts: SourceParts, public: set[str] = frozenset()) -> dict[str, str]:
    """The lines that must never reach a student or the site, as {normalised: original}.

    The rule: a line of a solution or of a hidden test is secret unless
    (1) it holds no letter or digit (blank, ``...``, ``)``, ``else:`` has letters so stays),
    (2) it is an import statement (it names a module, it reveals no answer), or
    (3) its normalised form also occurs in the published part of the source or in
        ``public`` (the lines of the book's pages): a line the book already shows
        cannot leak anything.
    """
    published = {normalise(line) for line in parts.published} | set(public)
    secrets = {}
    for line in parts.solutions + parts.hidden:
        key = normalise(line)
        if not re.search(r"[A-Za-z0-9]", key) or _is_import(line) or key in published:
            continue
        secrets.setdefault(key, line.strip())
    return secrets


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)] + [k for k in value if isinstance(k, str)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def file_lines(path: Path) -> set[str]:
    """The normalised lines of a released file, read every way a reader could read it:
    raw text; JSON strings (notebooks, search indexes); the text of HTML pages; escaped
    newlines (``\\n`` inside JavaScript strings) expanded; zip members, recursively."""
    data = path.read_bytes()
    if path.suffix == ".zip":
        found = set()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                text = archive.read(member).decode("utf-8", errors="ignore")
                found |= _text_lines(text, Path(member).suffix)
        return found
    if b"\0" in data[:4096]:  # images, fonts
        return set()
    return _text_lines(data.decode("utf-8", errors="ignore"), path.suffix)


def _text_lines(text: str, suffix: str) -> set[str]:
    texts = [text, text.replace("\\n", "\n").replace('\\"', '"')]
    if suffix in {".ipynb", ".json"}:
        with contextlib.suppress(ValueError):
            texts.extend(_strings(json.loads(text)))
    if suffix in {".html", ".htm"}:
        from bs4 import BeautifulSoup

        texts.append(BeautifulSoup(text, "html.parser").get_text())
    return {normalise(line) for t in texts for line in t.splitlines()}


def find_leaks(directory: Path, secrets: dict[str, str]) -> dict[str, list[str]]:
    """{file (relative to directory): [secret lines found in it]} over every file under directory."""
    leaks = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        found = sorted(secrets[key] for key in file_lines(path) if key in secrets)
        if found:
            leaks[str(path.relative_to(directory))] = found
    return leaks


# ------------------------------------------------------------------ otter assign
def assign(source: Path, output: Path, run_tests: bool = True) -> tuple[Path, Path]:
    """Run `otter assign` on ``source`` into ``output`` (emptied first).

    With ``run_tests`` otter executes the solutions against every test while it builds,
    so a broken reference solution fails here (the tests skip this and grade the
    solution notebook with the autograder instead, which checks the same and more).
    Returns (student notebook, autograder zip).
    """
    if output.exists():
        shutil.rmtree(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [sys.executable, "-m", "otter", "assign", "--no-pdfs", *([] if run_tests else ["--no-run-tests"]),
         str(source.resolve()), str(output.resolve())],
        capture_output=True, text=True, check=False, cwd=source.parent,
    )
    if result.returncode != 0:
        raise RuntimeError(f"otter assign failed for {source.name}:\n{result.stdout}\n{result.stderr}")
    return output / "student" / source.name, autograder_zip(output)


def autograder_zip(output: Path) -> Path:
    zips = sorted((output / "autograder").glob("*-autograder_*.zip"))
    if len(zips) != 1:
        raise RuntimeError(f"expected one autograder zip in {output / 'autograder'}, found {len(zips)}")
    return zips[0]


# ------------------------------------------------------------------------ grading
def grade_one(submission: Path, autograder: Path) -> dict:
    """Grade one notebook without Docker: {question: score}, plus "error" when grading broke."""
    from otter.api import grade_submission

    with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # otter 7.0 calls pandas APIs deprecated in pandas 3
        results = grade_submission(str(submission), str(autograder), quiet=True)
    scores = {name: float(results.get_score(name)) for name in results.test_files}
    error = results.catastrophic_error
    scores["error"] = "" if error is None else f"{type(error).__name__}: {error}"
    return scores


def grade(source: Path, autograder: Path, submissions: list[Path], output: Path) -> list[dict]:
    """Grade ``submissions`` and write one CSV row per submission into ``output``."""
    questions = split_source(source).questions
    auto = [q for q in questions if not q.manual]
    manual = [q for q in questions if q.manual]
    rows = []
    for submission in submissions:
        scores = grade_one(submission, autograder)
        row = {"submission": submission.name}
        row.update({q.name: scores.get(q.name, 0.0) for q in auto})
        row["autograded"] = sum(scores.get(q.name, 0.0) for q in auto)
        row["autograded_possible"] = sum(q.points for q in auto)
        row.update({f"{q.name} (by hand, /{q.points:g})": "" for q in manual})
        row["error"] = scores["error"]
        rows.append(row)
    output.parent.mkdir(parents=True, exist_ok=True)
    fieldnames = (["submission"] + [q.name for q in auto] + ["autograded", "autograded_possible"]
                  + [f"{q.name} (by hand, /{q.points:g})" for q in manual] + ["error"])
    with output.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(rows)
    return rows


# ---------------------------------------------------------------------------- CLI
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_assign = sub.add_parser("assign", help="build student notebooks and autograder zips")
    p_assign.add_argument("names", nargs="*", help="assignments (default: all), e.g. 01-similarity")
    p_grade = sub.add_parser("grade", help="grade a folder of submitted notebooks into a CSV")
    p_grade.add_argument("--assignment", required=True, help="e.g. 01-similarity")
    p_grade.add_argument("--submissions", required=True, type=Path, help="folder of .ipynb files")
    p_grade.add_argument("--output", type=Path, help="CSV path (default _build/grades/NAME.csv)")
    args = parser.parse_args(argv)

    if args.command == "assign":
        sources = [source_for(n) for n in args.names] or assignment_sources()
        for source in sources:
            student, zip_path = assign(source, BUILD / source.stem)
            print(f"{source.stem}: {student.relative_to(ROOT)}  {zip_path.relative_to(ROOT)}")
        return 0

    source = source_for(args.assignment)
    built = BUILD / args.assignment
    if not (built / "autograder").is_dir():
        assign(source, built)
    submissions = sorted(args.submissions.rglob("*.ipynb"))
    submissions = [s for s in submissions if ".ipynb_checkpoints" not in s.parts]
    if not submissions:
        raise SystemExit(f"no .ipynb files under {args.submissions}")
    output = args.output or GRADES / f"{args.assignment}.csv"
    rows = grade(source, autograder_zip(built), submissions, output)
    for row in rows:
        status = f"  ({row['error']})" if row["error"] else ""
        print(f"{row['submission']}: {row['autograded']:g} / {row['autograded_possible']:g}{status}")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
