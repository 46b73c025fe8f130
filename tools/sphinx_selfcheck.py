"""Sphinx extension: the ``{selfcheck}`` directive, a chapter's self-check questions.

The questions live in ``book/selfcheck/NN-name.yml`` (the format is in README.md, "Self-check
questions"); a chapter shows them with

````
```{selfcheck} selfcheck/01-similarity.yml
```
````

(the path relative to book/). Each entry is validated when the page is read: a malformed one
fails the build with a message naming the file and the question's id.

- HTML: each question is a small form (fieldset and legend, radio buttons or a text box for a
  number, a Check button, a feedback line read out by screen readers (aria-live), the explanation
  shown once the reader has answered). The script and the style are written into the page (no
  file from another host, no kernel); MathJax typesets the questions with the rest of the page.
- Other builders (the PDF): the questions as a numbered list with their options, then an
  "Answers" list with each answer and its explanation.
- Notebooks: tools/build_notebooks.py writes the questions as Markdown (``notebook_markdown``),
  the answers in ``<details>``, between two HTML comments that name the YAML file; when the site
  reads the notebook (``source-read``), the block between the comments becomes the directive again.
"""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path
from typing import Any

import yaml
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

KINDS = ("choice", "number")
ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
REQUIRED = {"choice": {"id", "kind", "question", "options", "answer", "explanation", "check"},
            "number": {"id", "kind", "question", "answer", "tolerance", "explanation", "check"}}
ALLOWED = {"choice": REQUIRED["choice"], "number": REQUIRED["number"]}


class SelfCheckError(ValueError):
    """A malformed self-check file (the message names the file and the question)."""


def load_questions(path: str | Path) -> list[dict[str, Any]]:
    """Read and validate one self-check YAML file; raise SelfCheckError naming file and id."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise SelfCheckError(f"{path}: self-check file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise SelfCheckError(f"{name}: not valid YAML: {error}") from None
    if not isinstance(data, list) or not data:
        raise SelfCheckError(f"{name}: expected a non-empty list of questions")
    seen: set[str] = set()
    for n, entry in enumerate(data, 1):
        where = f"{name}, question {n}"
        if not isinstance(entry, dict):
            raise SelfCheckError(f"{where}: expected a mapping, got {type(entry).__name__}")
        qid = entry.get("id")
        if not isinstance(qid, str) or not ID.match(qid):
            raise SelfCheckError(f"{where}: id must be a string of [a-z0-9-], got {qid!r}")
        where = f"{name}, question {qid!r}"
        if qid in seen:
            raise SelfCheckError(f"{where}: duplicate id")
        seen.add(qid)
        kind = entry.get("kind")
        if kind not in KINDS:
            raise SelfCheckError(f"{where}: kind must be one of {KINDS}, got {kind!r}")
        missing = REQUIRED[kind] - set(entry)
        if missing:
            raise SelfCheckError(f"{where}: missing {', '.join(sorted(missing))}")
        extra = set(entry) - ALLOWED[kind]
        if extra:
            raise SelfCheckError(f"{where}: unknown key(s) for a {kind} question: {', '.join(sorted(extra))}")
        for key in ("question", "explanation", "check"):
            if not isinstance(entry[key], str) or not entry[key].strip():
                raise SelfCheckError(f"{where}: {key} must be non-empty text")
        answer = entry["answer"]
        if kind == "choice":
            options = entry["options"]
            if not isinstance(options, list) or not 2 <= len(options) <= 5:
                raise SelfCheckError(f"{where}: options must be a list of 2 to 5 entries")
            if not all(isinstance(o, (str, int, float)) and str(o).strip() for o in options):
                raise SelfCheckError(f"{where}: every option must be non-empty text")
            if len({str(o).strip() for o in options}) != len(options):
                raise SelfCheckError(f"{where}: two options are the same")
            if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer < len(options):
                raise SelfCheckError(f"{where}: answer must be an index 0..{len(options) - 1} "
                                     f"into options, got {answer!r}")
        else:
            tolerance = entry["tolerance"]
            for key, value in (("answer", answer), ("tolerance", tolerance)):
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                    raise SelfCheckError(f"{where}: {key} must be a finite number, got {value!r}")
            if not 0 <= tolerance or (tolerance > 0 and tolerance >= max(abs(answer), 1.0)):
                raise SelfCheckError(f"{where}: tolerance must be >= 0 and smaller than the answer's "
                                     f"size, got {tolerance!r}")
    return data


def resolve(argument: str, srcdir: str | Path, docdir: str | Path | None = None) -> Path:
    """The YAML file of a directive argument (relative to book/, or to the page's folder)."""
    if Path(argument).is_absolute() or ".." in Path(argument).parts:
        raise SelfCheckError(f"selfcheck: give the path relative to book/, got {argument!r}")
    candidates = ([Path(docdir) / argument] if docdir else []) + [Path(srcdir) / "book" / argument,
                                                                   Path(srcdir) / argument]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise SelfCheckError(f"selfcheck: file {argument!r} not found (looked in book/ and next to the page)")


# --------------------------------------------------------------------------------------------
# Notebooks: readable Markdown between two markers, turned back into the directive by the site

BEGIN = "<!-- selfcheck {path} (generated by tools/build_notebooks.py from book/{path}) -->"
END = "<!-- end selfcheck -->"
DIRECTIVE = re.compile(r"^(`{3,}|:{3,})\{selfcheck\}[ \t]+(\S+)[ \t]*\n(.*?)^\1[ \t]*$", re.M | re.S)
BLOCK = re.compile(r"^<!-- selfcheck (\S+) \(generated[^\n]*-->\n.*?^<!-- end selfcheck -->$", re.M | re.S)
LETTERS = "abcde"


def _plain_refs(text: str) -> str:
    """MyST roles a notebook cannot resolve, as readable text."""
    text = re.sub(r"\(\{eq\}`([^`]+)`\)", r"{eq}`\1`", text)
    text = re.sub(r"\{eq\}`([^`]+)`", r"(equation `\1`)", text)
    return re.sub(r"\{(?:ref|numref|doc|cite:\w+|cite)\}`([^`<]*?)(?:\s*<[^`]*>)?`", r"\1", text)


def _answer_text(question: dict[str, Any]) -> str:
    if question["kind"] == "choice":
        return f"({LETTERS[question['answer']]}) {str(question['options'][question['answer']]).strip()}"
    tolerance = question["tolerance"]
    return f"{question['answer']:g}" + (f" (±{tolerance:g} accepted)" if tolerance else "")


def notebook_markdown(path_argument: str, book_dir: str | Path) -> str:
    """The Markdown a notebook shows instead of the directive: questions, options, answers folded."""
    questions = load_questions(Path(book_dir) / path_argument)
    lines = [BEGIN.format(path=path_argument), "",
             "*In the notebook: answer each question, then unfold its answer to check it.*", ""]
    for n, q in enumerate(questions, 1):
        lines.append(f"**Question {n}.** " + _plain_refs(q["question"].strip()))
        lines.append("")
        if q["kind"] == "choice":
            for letter, option in zip(LETTERS, q["options"]):
                lines.append(f"- ({letter}) " + _plain_refs(str(option).strip()))
            lines.append("")
        else:
            lines += ["*(a number)*", ""]
        lines += ["<details>", f"<summary>Answer to question {n}</summary>", "",
                  "**Answer:** " + _plain_refs(_answer_text(q)), "", _plain_refs(q["explanation"].strip()),
                  "", "</details>", ""]
    lines.append(END)
    return "\n".join(lines)


def render_directives(markdown: str, book_dir: str | Path) -> str:
    """A Markdown cell's text with each {selfcheck} directive replaced by its notebook Markdown."""
    return DIRECTIVE.sub(lambda m: notebook_markdown(m.group(2), book_dir), markdown)


def restore_directives(markdown: str) -> str:
    """The inverse, for the site: each generated block back to the directive."""
    return BLOCK.sub(lambda m: f"```{{selfcheck}} {m.group(1)}\n```", markdown)


def _source_read(app, docname: str, source: list[str]) -> None:
    path = app.env.doc2path(docname)
    if not str(path).endswith(".ipynb") or "selfcheck" not in source[0]:
        return
    notebook = json.loads(source[0])
    changed = False
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        restored = restore_directives(text)
        if restored != text:
            cell["source"] = restored
            changed = True
    if changed:
        source[0] = json.dumps(notebook, ensure_ascii=False)


# --------------------------------------------------------------------------------------------
# The directive and its nodes


class selfcheck(nodes.General, nodes.Element):
    """All the questions of one file."""


class selfcheck_question(nodes.General, nodes.Element):
    """One question: attributes qid, kind, answer, tolerance, number."""


class selfcheck_part(nodes.General, nodes.Element):
    """Parsed MyST of one part: attribute role = question | option | explanation."""


class SelfCheckDirective(SphinxDirective):
    required_arguments = 1
    has_content = False

    def _parse(self, text: str, role: str, **attributes) -> selfcheck_part:
        part = selfcheck_part(role=role, **attributes)
        self.state.nested_parse(StringList(str(text).strip().splitlines(), source=self.arguments[0]),
                                self.content_offset, part)
        return part

    def run(self):
        docdir = Path(self.env.doc2path(self.env.docname)).parent
        try:
            path = resolve(self.arguments[0], self.env.srcdir, docdir)
            questions = load_questions(path)
        except SelfCheckError as error:
            raise self.error(str(error)) from None
        self.env.note_dependency(str(path))
        block = selfcheck(file=self.arguments[0])
        prefix = re.sub(r"[^a-z0-9]+", "-", self.env.docname.lower()).strip("-")
        for n, q in enumerate(questions, 1):
            node = selfcheck_question(qid=q["id"], kind=q["kind"], answer=q["answer"], number=n,
                                      tolerance=q.get("tolerance", 0), htmlid=f"sc-{prefix}-{q['id']}")
            node += self._parse(q["question"], "question")
            if q["kind"] == "choice":
                for i, option in enumerate(q["options"]):
                    node += self._parse(option, "option", index=i)
            node += self._parse(q["explanation"], "explanation")
            block += node
        return [block]


# HTML ----------------------------------------------------------------------------------------

# the style and the script, written into each page that has a self-check (no file from another host)
ASSETS = Path(__file__).resolve().parent / "selfcheck"
STYLE = (ASSETS / "selfcheck.css").read_text(encoding="utf-8")
SCRIPT = (ASSETS / "selfcheck.js").read_text(encoding="utf-8")


def visit_selfcheck_html(self, node):
    self.body.append('<div class="rm-selfcheck">\n')
    if not getattr(self, "_rm_selfcheck_assets", False):
        self._rm_selfcheck_assets = True
        self.body.append(f"<style>{STYLE}</style>\n<script>{SCRIPT}</script>\n")


def depart_selfcheck_html(self, node):
    self.body.append("</div>\n")


def visit_question_html(self, node):
    hid = html.escape(node["htmlid"])
    attributes = f'data-kind="{node["kind"]}" data-answer="{node["answer"]}"'
    if node["kind"] == "number":
        attributes += f' data-tolerance="{node["tolerance"]}"'
    self.body.append(f'<fieldset class="rm-sc-question" id="{hid}" data-qid="{html.escape(node["qid"])}" '
                     f'{attributes} aria-describedby="{hid}-text">\n'
                     f'<legend>Question {node["number"]}</legend>\n')


def depart_question_html(self, node):
    self.body.append("</fieldset>\n")


def visit_part_html(self, node):
    question = node.parent
    hid = html.escape(question["htmlid"])
    role = node["role"]
    if role == "question":
        self.body.append(f'<div class="rm-sc-text" id="{hid}-text">\n')
    elif role == "option":
        i = node["index"]
        self.body.append(f'<label class="rm-sc-option" for="{hid}-{i}">'
                         f'<input type="radio" name="{hid}" id="{hid}-{i}" value="{i}">'
                         '<span class="rm-sc-option-text">')
    else:
        controls = []
        if question["kind"] == "number":
            controls.append(f'<label class="visually-hidden" for="{hid}-input">Your answer</label>'
                            f'<input type="text" inputmode="decimal" autocomplete="off" class="rm-sc-number" '
                            f'id="{hid}-input" placeholder="your answer">')
        controls.append('<button type="button" class="rm-sc-check">Check</button>')
        close = "</div>\n" if question["kind"] == "choice" else ""  # the radiogroup
        self.body.append(f'{close}<div class="rm-sc-controls">{"".join(controls)}</div>\n'
                         f'<p class="rm-sc-feedback" id="{hid}-feedback" aria-live="polite"></p>\n'
                         f'<div class="rm-sc-explanation" id="{hid}-explanation" hidden>\n'
                         '<p class="rm-sc-explanation-title"><strong>Explanation.</strong></p>\n')


def depart_part_html(self, node):
    role = node["role"]
    question = node.parent
    if role == "question":
        self.body.append("</div>\n")
        if question["kind"] == "choice":
            hid = html.escape(question["htmlid"])
            self.body.append(f'<div class="rm-sc-options" role="radiogroup" aria-labelledby="{hid}-text">\n')
    elif role == "option":
        self.body.append("</span></label>\n")
    else:
        self.body.append("</div>\n")


# Other builders (the PDF): plain lists --------------------------------------------------------


def _contents(part: selfcheck_part) -> list[nodes.Node]:
    children = list(part.children)
    return [child.deepcopy() for child in children]


def _inline(part: selfcheck_part) -> list[nodes.Node]:
    """A one-paragraph part as inline nodes (an option in a list item)."""
    if len(part.children) == 1 and isinstance(part.children[0], nodes.paragraph):
        return [child.deepcopy() for child in part.children[0].children]
    return _contents(part)


def plain_nodes(block: selfcheck) -> list[nodes.Node]:
    questions = nodes.enumerated_list(enumtype="arabic", prefix="", suffix=".")
    answers = nodes.enumerated_list(enumtype="arabic", prefix="", suffix=".")
    for question in block.children:
        parts = {p["role"]: p for p in question.children if p["role"] != "option"}
        options = [p for p in question.children if p["role"] == "option"]
        item = nodes.list_item()
        item += _contents(parts["question"])
        if options:
            # the letters written out (not an enumerated list's): the answers refer to them
            choices = nodes.bullet_list(bullet="-")
            for letter, option in zip(LETTERS, options):
                choices += nodes.list_item("", nodes.paragraph("", "", nodes.Text(f"({letter}) "),
                                                               *_inline(option)))
            item += choices
        questions += item
        answer = nodes.list_item()
        if options:
            chosen = options[question["answer"]]
            lead = [nodes.strong("", f"({LETTERS[question['answer']]})"), nodes.Text(" ")] + _inline(chosen)
        else:
            tolerance = question["tolerance"]
            text = f"{question['answer']:g}" + (f" (±{tolerance:g} accepted)" if tolerance else "")
            lead = [nodes.strong("", text)]
        answer += nodes.paragraph("", "", *lead)
        answer += _contents(parts["explanation"])
        answers += answer
    return [questions, nodes.paragraph("", "", nodes.strong("", "Answers")), answers]


class SelfCheckPlain(SphinxPostTransform):
    default_priority = 5

    def run(self, **kwargs) -> None:
        if self.app.builder.format == "html":
            return
        for block in list(self.document.findall(selfcheck)):
            block.replace_self(plain_nodes(block))


def _skip(self, node):
    raise nodes.SkipNode


def setup(app):
    app.add_node(selfcheck, html=(visit_selfcheck_html, depart_selfcheck_html),
                 latex=(_skip, None), text=(_skip, None))
    app.add_node(selfcheck_question, html=(visit_question_html, depart_question_html))
    app.add_node(selfcheck_part, html=(visit_part_html, depart_part_html))
    app.add_directive("selfcheck", SelfCheckDirective)
    app.add_post_transform(SelfCheckPlain)
    app.connect("source-read", _source_read)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
