"""Self-check questions (book/selfcheck/NN-name.yml, shown by the {selfcheck} directive).

- every file follows the format (tools/sphinx_selfcheck.load_questions) and every question's
  ``check`` computes, with ragmath or NumPy, the answer the file states (a wrong answer fails:
  tested on a deliberately wrong copy);
- every chapter has a "Self-check" section just before its Exercises showing its own file;
- the directive renders: a tiny Sphinx build in tmp (HTML forms; text builder: numbered
  questions and an "Answers" list), a malformed file fails the build naming the file and id;
  the notebook Markdown round-trips to the directive;
- in Chromium (network cut off), a choice and a number question answered wrong then right on the
  built site change their feedback line and reveal the explanation.
"""

from __future__ import annotations

import copy
import math
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from urllib.parse import urljoin

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import sphinx_selfcheck  # noqa: E402

SELFCHECK = ROOT / "book" / "selfcheck"
FILES = sorted(SELFCHECK.glob("[0-9][0-9]-*.yml"))
CHAPTERS = sorted((ROOT / "book").glob("[0-9][0-9]-*.md"))


def run_check(question: dict) -> object:
    """Run a question's ``check`` in a fresh namespace; its ``result``."""
    namespace: dict = {}
    exec(compile(question["check"], f"check of {question['id']}", "exec"), namespace)  # noqa: S102
    assert "result" in namespace, f"{question['id']}: the check sets no `result`"
    return namespace["result"]


def agrees(question: dict, result: object) -> bool:
    if question["kind"] == "choice":
        return isinstance(result, int) and not isinstance(result, bool) and result == question["answer"]
    try:
        value = float(result)
    except (TypeError, ValueError):
        return False
    return math.isfinite(value) and abs(value - question["answer"]) <= question["tolerance"] + 1e-12


def test_there_are_selfcheck_files():
    assert FILES, "no book/selfcheck/NN-*.yml"
    chapter_stems = {c.stem for c in CHAPTERS}
    for path in FILES:
        assert path.stem in chapter_stems, f"{path.name} names no chapter book/{path.stem}.md"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_file_follows_the_format(path):
    questions = sphinx_selfcheck.load_questions(path)
    assert 3 <= len(questions) <= 5, f"{path.name}: {len(questions)} questions (3-5 per chapter)"


def test_ids_are_unique_in_the_book():
    seen: dict[str, str] = {}
    for path in FILES:
        for q in sphinx_selfcheck.load_questions(path):
            assert q["id"] not in seen, f"id {q['id']!r} in {path.name} and {seen[q['id']]}"
            seen[q["id"]] = path.name


QUESTIONS = [(p, q) for p in FILES for q in sphinx_selfcheck.load_questions(p)]


@pytest.mark.parametrize("path,question", QUESTIONS, ids=[f"{p.stem}:{q['id']}" for p, q in QUESTIONS])
def test_check_computes_the_stated_answer(path, question):
    assert "ragmath" in question["check"] or "numpy" in question["check"], (
        f"{path.name} {question['id']}: the check must compute with ragmath or NumPy")
    assert not re.search(r"^\s*result\s*=\s*-?[\d.]+\s*$", question["check"], re.M), (
        f"{path.name} {question['id']}: result is a literal")
    start = time.perf_counter()
    result = run_check(question)
    seconds = time.perf_counter() - start
    assert agrees(question, result), (
        f"{path.name} {question['id']}: the check computed {result!r}, the file says {question['answer']!r}")
    assert seconds < 2.0, f"{path.name} {question['id']}: the check took {seconds:.2f} s (< 0.5 s intended)"


@pytest.mark.parametrize("path,question", QUESTIONS, ids=[f"{p.stem}:{q['id']}" for p, q in QUESTIONS])
def test_a_wrong_answer_fails(path, question):
    """A deliberately wrong copy of the question is caught by the same comparison."""
    wrong = copy.deepcopy(question)
    if wrong["kind"] == "choice":
        wrong["answer"] = (wrong["answer"] + 1) % len(wrong["options"])
    else:
        wrong["answer"] = wrong["answer"] + 10 * wrong["tolerance"] + 0.5 * max(abs(wrong["answer"]), 1)
    assert not agrees(wrong, run_check(question)), f"{question['id']}: a wrong answer would pass"


def _write(tmp_path: Path, entries) -> Path:
    path = tmp_path / "99-x.yml"
    path.write_text(yaml.safe_dump(entries, sort_keys=False), encoding="utf-8")
    return path


GOOD = {"id": "a-b", "kind": "number", "question": "q", "answer": 2.0, "tolerance": 0.01,
        "explanation": "e", "check": "result = 2.0"}


@pytest.mark.parametrize("change,message", [
    ({"id": "A b"}, "id must be"),
    ({"kind": "essay"}, "kind must be"),
    ({"tolerance": None}, "tolerance must be a finite number"),
    ({"tolerance": 5.0}, "tolerance must be"),
    ({"answer": "two"}, "answer must be a finite number"),
    ({"kind": "choice", "options": ["x", "y"], "answer": 1}, "unknown key.*tolerance"),  # a choice has none
    ({"explanation": ""}, "explanation must be"),
])
def test_malformed_entries_are_refused_naming_file_and_id(tmp_path, change, message):
    entry = {**GOOD, **change}
    path = _write(tmp_path, [entry])
    with pytest.raises(sphinx_selfcheck.SelfCheckError, match=message) as error:
        sphinx_selfcheck.load_questions(path)
    assert "99-x.yml" in str(error.value)


def test_choice_answer_out_of_range_and_duplicate_ids_are_refused(tmp_path):
    choice = {**GOOD, "kind": "choice", "options": ["x", "y"], "answer": 2}
    del choice["tolerance"]
    with pytest.raises(sphinx_selfcheck.SelfCheckError, match=r"99-x.yml, question 'a-b': answer must be an index"):
        sphinx_selfcheck.load_questions(_write(tmp_path, [choice]))
    with pytest.raises(sphinx_selfcheck.SelfCheckError, match="duplicate id"):
        sphinx_selfcheck.load_questions(_write(tmp_path, [GOOD, GOOD]))


def test_a_wrong_answer_in_a_file_fails_the_check(tmp_path):
    """End to end: a copy of a real file with one answer changed no longer agrees with its check."""
    path = FILES[0]
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    q = entries[0]
    if q["kind"] == "choice":
        q["answer"] = (q["answer"] + 1) % len(q["options"])
    else:
        q["answer"] += 1 + 10 * q["tolerance"]
    broken = sphinx_selfcheck.load_questions(_write(tmp_path, entries))  # still well-formed
    assert not agrees(broken[0], run_check(broken[0]))


# The chapters -------------------------------------------------------------------------------

def _missing_selfcheck(chapter: Path) -> str | None:
    text = chapter.read_text(encoding="utf-8")
    heads = [m.group(1).strip() for m in re.finditer(r"^## (.+)$", text, re.M)]
    if "Self-check" not in heads:
        return "no '## Self-check' section"
    if "Exercises" not in heads or heads.index("Exercises") != heads.index("Self-check") + 1:
        return "'## Self-check' is not the section just before '## Exercises'"
    section = text.split("\n## Self-check", 1)[1].split("\n## ", 1)[0]
    expected = f"selfcheck/{chapter.stem}.yml"
    if not re.search(r"^```\{selfcheck\}\s+" + re.escape(expected) + r"\s*$", section, re.M):
        return f"its Self-check section does not show {expected}"
    if not (ROOT / "book" / expected).is_file():
        return f"book/{expected} does not exist"
    return None


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_every_chapter_has_a_selfcheck_section_before_its_exercises(chapter):
    """One test per chapter, so a failure names the chapter that misses its section."""
    problem = _missing_selfcheck(chapter)
    assert problem is None, f"{chapter.name}: {problem}"


def test_the_section_check_can_fail(tmp_path):
    chapter = tmp_path / "01-x.md"
    chapter.write_text("# X\n\n## Exercises\n\nsome\n", encoding="utf-8")
    assert "no '## Self-check'" in _missing_selfcheck(chapter)


# Rendering ----------------------------------------------------------------------------------

def test_notebook_markdown_round_trips_to_the_directive():
    path = FILES[0]
    argument = f"selfcheck/{path.name}"
    cell = f"## Self-check\n\nIntro.\n\n```{{selfcheck}} {argument}\n```\n\n## Exercises\n"
    rendered = sphinx_selfcheck.render_directives(cell, ROOT / "book")
    assert "{selfcheck}" not in rendered and "<details>" in rendered and "{eq}" not in rendered
    for n, q in enumerate(sphinx_selfcheck.load_questions(path), 1):
        assert f"**Question {n}.**" in rendered
        assert q["explanation"].split()[0] in rendered
        assert f"Answer to question {n}" in rendered
    assert sphinx_selfcheck.restore_directives(rendered) == cell


def _tiny_site(tmp_path: Path, yml: str, builder: str = "html") -> subprocess.CompletedProcess:
    src = tmp_path / "src"
    (src / "book" / "selfcheck").mkdir(parents=True, exist_ok=True)
    (src / "book" / "selfcheck" / "01-x.yml").write_text(yml, encoding="utf-8")
    (src / "conf.py").write_text(textwrap.dedent(f"""\
        import sys
        sys.path.insert(0, {str(ROOT / 'tools')!r})
        extensions = ["myst_parser", "sphinx_selfcheck"]
        myst_enable_extensions = ["dollarmath", "amsmath"]
        math_numfig = True
        numfig = True
        """), encoding="utf-8")
    (src / "index.md").write_text(textwrap.dedent("""\
        # Tiny

        ```{math}
        :label: tiny-eq
        x^2 = 4
        ```

        ## Self-check

        ```{selfcheck} selfcheck/01-x.yml
        ```
        """), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "sphinx", "-W", "-q", "-b", builder, str(src),
                           str(tmp_path / builder)], capture_output=True, text=True, timeout=300)


TINY = textwrap.dedent("""\
    - id: tiny-choice
      kind: choice
      question: Which root of {eq}`tiny-eq` is positive, $x = ?$
      options: ["$-2$", "$2$"]
      answer: 1
      explanation: The square of $2$ is $4$.
      check: result = 1
    - id: tiny-number
      kind: number
      question: What is $x^2$?
      answer: 4
      tolerance: 0.001
      explanation: By {eq}`tiny-eq`.
      check: result = 4
    """)


def test_directive_renders_forms_in_html(tmp_path):
    result = _tiny_site(tmp_path, TINY)
    assert result.returncode == 0, result.stderr[-3000:]
    page = (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    assert page.count('<fieldset class="rm-sc-question"') == 2
    assert page.count('type="radio"') == 2 and 'class="rm-sc-number"' in page
    assert page.count('aria-live="polite"') == 2 and page.count("<legend>") == 2
    assert 'data-answer="1"' in page and 'data-tolerance="0.001"' in page
    assert page.count('class="rm-sc-explanation"') == 2 and " hidden>" in page
    assert page.count("if (window.rmSelfCheck) return") == 1, "the script is written once per page"
    assert "#equation-tiny-eq" in page, "the {eq} reference was not resolved"


def test_directive_renders_lists_with_answers_elsewhere(tmp_path):
    result = _tiny_site(tmp_path, TINY, builder="text")
    assert result.returncode == 0, result.stderr[-3000:]
    text = (tmp_path / "text" / "index.txt").read_text(encoding="utf-8")
    assert "1. Which root of (1) is positive" in text and "(a) -2" in text and "(b) 2" in text and "2. What is x^2?" in text
    assert "(a) (a)" not in text, "an option's letter written twice"
    answers = text.split("Answers", 1)[1]
    assert re.search(r"\(b\)\W* 2\n", answers) and "The square of 2 is 4." in answers and "4 (±0.001 accepted)" in answers


def test_directive_renders_lists_with_answers_in_latex(tmp_path):
    """The PDF's builder: the questions, their options and the answers, and no form."""
    result = _tiny_site(tmp_path, TINY, builder="latex")
    assert result.returncode == 0, result.stderr[-3000:]
    tex = next((tmp_path / "latex").glob("*.tex")).read_text(encoding="utf-8")
    section = tex.split("Self\\sphinxhyphen{}check", 1)[1]
    assert section.count("(a) \\(-2\\)") == 1 and section.count("(b) \\(2\\)") == 1
    questions, answers = section.split("\\sphinxstylestrong{Answers}", 1)
    assert "\\eqref{equation:index:tiny-eq}" in questions and "The square of" not in questions
    assert "\\sphinxstylestrong{(b)} \\(2\\)" in answers and "The square of \\(2\\) is \\(4\\)." in answers
    assert "fieldset" not in tex and "Check" not in tex


def test_a_malformed_file_fails_the_build_naming_file_and_id(tmp_path):
    result = _tiny_site(tmp_path, TINY.replace("answer: 1", "answer: 7"))
    assert result.returncode != 0
    assert "01-x.yml, question 'tiny-choice': answer must be an index" in result.stderr


# On the built site, in Chromium ----------------------------------------------------------------

def test_answering_on_the_built_site_changes_the_feedback(site_dir, browser):
    import serve  # tools/serve.py
    from test_browser import new_context

    pages = [p for p in sorted(site_dir.glob("notebooks/*.html")) if "rm-sc-question" in p.read_text(encoding="utf-8")]
    if not pages:
        pytest.fail("no page of the built site has a self-check: rebuild the site (make book)")
    server, base_url = serve.start(site_dir)
    try:
        context = new_context(browser)
        page = context.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(urljoin(base_url, pages[0].relative_to(site_dir).as_posix()))
        page.wait_for_function("() => !window.MathJax || !MathJax.startup || MathJax.startup.promise", timeout=60_000)
        page.evaluate("() => MathJax.startup.promise")
        choice = page.locator('fieldset.rm-sc-question[data-kind="choice"]').first
        answer = int(choice.get_attribute("data-answer"))
        n_options = choice.locator('input[type="radio"]').count()
        feedback = choice.locator(".rm-sc-feedback")
        assert feedback.text_content().strip() == ""
        assert choice.locator(".rm-sc-explanation").is_hidden()
        choice.locator('input[type="radio"]').nth((answer + 1) % n_options).check()
        choice.locator("button.rm-sc-check").click()
        assert "Not quite" in feedback.text_content() and choice.get_attribute("data-result") == "wrong"
        assert choice.locator(".rm-sc-explanation").is_visible()
        choice.locator('input[type="radio"]').nth(answer).check()
        choice.locator("button.rm-sc-check").click()
        assert "Right" in feedback.text_content() and choice.get_attribute("data-result") == "right"

        number = page.locator('fieldset.rm-sc-question[data-kind="number"]').first
        value = float(number.get_attribute("data-answer"))
        tolerance = float(number.get_attribute("data-tolerance"))
        box = number.locator("input.rm-sc-number")
        box.fill(repr(value + 10 * tolerance + 1))
        number.locator("button.rm-sc-check").click()
        assert "Not quite" in number.locator(".rm-sc-feedback").text_content()
        box.fill(f"{value + tolerance / 2:.10g}")
        box.press("Enter")
        assert "Right" in number.locator(".rm-sc-feedback").text_content()
        assert number.get_attribute("data-result") == "right"
        assert not errors, errors
        context.close()
    finally:
        server.shutdown()
