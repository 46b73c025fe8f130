"""The graded assignments of notebooks/assignments/ (otter-grader), end to end.

For every instructor source NN-name.ipynb: the source executes cleanly; `otter assign`
builds it (once per test session, into a temporary directory); the reference solutions
get full marks from the autograder and an untouched student notebook gets zero on every
autograded question without crashing the grader; the student release and the built
site contain no solution line and no hidden-test line (the rule deciding which lines are
secret is tools/assignments.py:secret_lines, itself tested below).
"""

from __future__ import annotations

import csv
import importlib.util
import json
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("assignments", ROOT / "tools" / "assignments.py")
assignments = importlib.util.module_from_spec(_spec)
sys.modules["assignments"] = assignments
_spec.loader.exec_module(assignments)

SOURCES = assignments.assignment_sources()
IDS = [p.stem for p in SOURCES]


class Built:
    """One assignment built by otter assign, and its solution and student notebooks graded."""

    def __init__(self, source: Path, directory: Path):
        self.source = source
        self.parts = assignments.split_source(source)
        self.output = directory / source.stem
        self.student, self.zip = assignments.assign(source, self.output, run_tests=False)
        self.solution = self.output / "autograder" / source.name
        submissions = directory / f"{source.stem}-submissions"
        submissions.mkdir()
        shutil.copy(self.solution, submissions / "reference.ipynb")
        shutil.copy(self.student, submissions / "untouched.ipynb")
        self.csv = directory / f"{source.stem}.csv"
        assignments.grade(source, self.zip, sorted(submissions.glob("*.ipynb")), self.csv)
        with self.csv.open(newline="", encoding="utf-8") as handle:
            self.rows = {row["submission"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="session")
def public_lines() -> set[str]:
    return assignments.book_lines()


def test_assignments_exist():
    assert len(SOURCES) >= 2, "notebooks/assignments/ should hold one assignment per chapter"
    chapters = {p.stem for p in (ROOT / "book").glob("[0-9][0-9]-*.md")}
    for source in SOURCES:
        assert source.stem in chapters, f"{source.name} is not named like a chapter (book/NN-name.md)"


class AssignmentChecks:
    """The checks of one assignment; one subclass per source (below), so that
    pytest-xdist's --dist loadscope spreads the assignments over the workers
    (a module-level parametrized fixture would put them all on one)."""

    source: Path

    @pytest.fixture(scope="class")
    @classmethod
    def built(cls, tmp_path_factory) -> Built:
        return Built(cls.source, tmp_path_factory.mktemp("assignments"))

    # ------------------------------------------------------------- the source itself
    def test_source_structure(self):
        """3 to 6 questions; each autograded one has public and hidden tests; one graded by hand."""
        source = self.source
        nb = nbformat.read(source, as_version=4)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
            "store the source without outputs (otter takes a test cell's output as its expected output)"
        )
        config = yaml.safe_load(nb.cells[0].source.split("\n", 1)[1])
        assert config["name"] == source.stem
        assert config.get("init_cell", True), "students need the otter init cell to run grader.check"
        questions = assignments.split_source(source).questions
        assert 3 <= len(questions) <= 6
        manual = [q for q in questions if q.manual]
        assert len(manual) >= 1, "one short open question is graded by hand (manual: true)"
        for q in questions:
            assert q.points > 0, q
            if not q.manual:
                assert q.public_tests >= 1 and q.hidden_tests >= 1, f"{q.name}: needs public and hidden tests"
        assert len({q.name for q in questions}) == len(questions)


    def test_source_executes_cleanly(self, tmp_path):
        """Every code cell of the instructor source (solutions and all tests) runs without error."""
        source = self.source
        nb = nbformat.read(source, as_version=4)
        NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
        assert not errors


    # ---------------------------------------------------------------- the autograder
    def test_reference_solutions_get_full_marks(self, built):
        row = built.rows["reference.ipynb"]
        auto = [q for q in built.parts.questions if not q.manual]
        assert row["error"] == ""
        for q in auto:
            assert float(row[q.name]) == pytest.approx(q.points), f"{q.name}: {row[q.name]} of {q.points}"
        assert float(row["autograded"]) == pytest.approx(sum(q.points for q in auto))
        assert float(row["autograded_possible"]) == pytest.approx(sum(q.points for q in auto))


    def test_untouched_student_notebook_gets_zero(self, built):
        row = built.rows["untouched.ipynb"]
        assert row["error"] == "", f"the grader crashed on the untouched notebook: {row['error']}"
        for q in built.parts.questions:
            if not q.manual:
                assert float(row[q.name]) == 0.0, f"{q.name} gives points for an empty answer"
        assert float(row["autograded_possible"]) > 0


    def test_csv_has_a_column_per_question(self, built):
        header = next(csv.reader(built.csv.open(encoding="utf-8")))
        for q in built.parts.questions:
            assert any(h == q.name or h.startswith(f"{q.name} (by hand") for h in header), q.name


    def test_student_notebook_has_init_and_checks(self, built):
        nb = nbformat.read(built.student, as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "grader = otter.Notebook(" in code
        for q in built.parts.questions:
            if not q.manual:
                assert f'grader.check("{q.name}")' in code


    def test_students_can_run_the_public_checks(self, built, tmp_path):
        """The untouched student notebook runs top to bottom; each grader.check reports a failure."""
        shutil.copy(built.student, tmp_path / built.student.name)
        nb = nbformat.read(tmp_path / built.student.name, as_version=4)
        NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
        assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
        reports = {}
        for c in nb.cells:
            if c.cell_type == "code" and "grader.check(" in c.source:
                text = "".join(o.get("data", {}).get("text/plain", "") for o in c.outputs)
                reports[text.split(" results:")[0]] = text
        for q in built.parts.questions:
            if not q.manual:
                assert q.name in reports and "failed" in reports[q.name] and "All test cases passed" not in reports[q.name]


    # ----------------------------------------------------------------- no leaks
    def test_student_release_holds_no_secret(self, built, public_lines):
        secrets = assignments.secret_lines(built.parts, public_lines)
        assert len(secrets) >= len(built.parts.questions), "too few secret lines: is the source parsed?"
        leaks = assignments.find_leaks(built.student.parent, secrets)
        assert leaks == {}, f"solution or hidden-test lines in the student release: {leaks}"


    def test_leak_scan_finds_an_injected_secret(self, built, public_lines, tmp_path):
        """The scan can fail: a solution line and a hidden-test line planted in a copy of the release."""
        secrets = assignments.secret_lines(built.parts, public_lines)
        solution = next(line for line in built.parts.solutions if assignments.normalise(line) in secrets)
        hidden = next(line for line in built.parts.hidden if assignments.normalise(line) in secrets)
        release = tmp_path / "student"
        shutil.copytree(built.student.parent, release)
        nb = nbformat.read(release / built.source.name, as_version=4)
        nb.cells[-1].source += "\n" + solution
        nb.metadata["otter"]["tests"]["planted"] = {"code": ">>> " + hidden.strip() + "\n"}
        nbformat.write(nb, release / built.source.name)
        found = assignments.find_leaks(release, secrets)[built.source.name]
        assert solution.strip() in found and len(found) == 2, found


    def test_the_autograder_keeps_the_hidden_tests(self, built, public_lines):
        """Hidden tests do exist where they belong: in the instructor's autograder notebook."""
        secrets = assignments.secret_lines(built.parts, public_lines)
        found = assignments.find_leaks(built.solution.parent, secrets)
        assert len(found.get(built.source.name, [])) >= len(secrets) // 2


for _source in SOURCES:
    _name = "TestAssignment_" + _source.stem.replace("-", "_")
    globals()[_name] = type(_name, (AssignmentChecks,), {"source": _source})


def test_secret_line_rule(tmp_path):
    """Blank lines, `...`, imports and lines the source publishes anyway are not secrets."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4
    nb.cells = [
        cell.new_raw_cell("# ASSIGNMENT CONFIG\nname: 99-toy"),
        cell.new_markdown_cell("Start from\n\n    x = np.zeros(3)\n"),
        cell.new_code_cell("import numpy as np"),
        cell.new_raw_cell("# BEGIN QUESTION\nname: q1\npoints: 2"),
        cell.new_raw_cell("# BEGIN SOLUTION"),
        cell.new_code_cell("def f(x):\n    # BEGIN SOLUTION\n    import numpy as np\n\n    x = np.zeros(3)\n"
                           "    return np.cumsum(x) * 7\n    ...\n    # END SOLUTION\n"),
        cell.new_code_cell("answer = 41 + 1  # SOLUTION"),
        cell.new_raw_cell("# END SOLUTION"),
        cell.new_raw_cell("# BEGIN TESTS"),
        cell.new_code_cell("assert f(1) is not None"),
        cell.new_code_cell("# HIDDEN\nassert f(2).shape == (3,)\n)"),
        cell.new_raw_cell("# END TESTS"),
        cell.new_raw_cell("# END QUESTION"),
    ]
    path = tmp_path / "99-toy.ipynb"
    nbformat.write(nb, path)
    parts = assignments.split_source(path)
    assert parts.questions[0].public_tests == 1 and parts.questions[0].hidden_tests == 1
    secrets = set(assignments.secret_lines(parts).values())
    assert secrets == {"return np.cumsum(x) * 7", "answer = 41 + 1", "assert f(2).shape == (3,)"}
    # a published line of the book is not a secret either
    book = {assignments.normalise("answer = 41 + 1")}
    assert "answer = 41 + 1" not in set(assignments.secret_lines(parts, book).values())


def test_leak_scan_reads_html_and_json(tmp_path):
    """A secret split by syntax-highlighting spans, or escaped inside JSON or JavaScript, is found."""
    secrets = {assignments.normalise('return np.cumsum(x) * 7'): 'return np.cumsum(x) * 7'}
    (tmp_path / "page.html").write_text(
        '<pre><span class="k">return</span> <span class="n">np</span>.cumsum(x) <span>*</span> 7\n</pre>')
    (tmp_path / "data.json").write_text(json.dumps({"source": ["def f(x):\n", "    return np.cumsum(x) * 7\n"]}))
    (tmp_path / "index.js").write_text('Search.setIndex("def f(x):\\n    return np.cumsum(x) * 7\\n")')
    (tmp_path / "clean.html").write_text("<p>return np.cumsum(x) * 8</p>")
    assert sorted(assignments.find_leaks(tmp_path, secrets)) == ["data.json", "index.js", "page.html"]


# -------------------------------------------------------------------- the site
def test_book_build_excludes_assignments():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert "notebooks/assignments/**" in config["exclude_patterns"]
    assert "notebooks/assignments" not in (ROOT / "_toc.yml").read_text(encoding="utf-8")


def test_site_publishes_no_assignment_secret(site_dir, public_lines):
    """Every file of the built site (pages, _sources, downloads) is free of solution and hidden-test lines."""
    assert not [p for p in site_dir.rglob("*") if "assignments" in p.parts]
    secrets = {}
    for source in SOURCES:
        secrets.update(assignments.secret_lines(assignments.split_source(source), public_lines))
    assert secrets
    leaks = assignments.find_leaks(site_dir, secrets)
    assert leaks == {}, f"the site publishes assignment solutions or hidden tests: {leaks}"
