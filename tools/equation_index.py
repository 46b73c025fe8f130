"""Generate book/equation-index.md: every labelled equation of the book, with the
``ragmath`` functions implementing it and the tests checking them.

Sources of truth:

- the chapter sources ``book/NN-*.md``: every ``{math}`` block with a ``:label:``;
  a block with ``:class: derivation-step`` is a step of a derivation (or a property
  used in a proof), every other labelled block is a *defining* equation, which a
  ``ragmath`` function implements;
- the core modules of ``ragmath`` (``CORE_MODULES``, ``ragmath._CHAPTER_MODULES``): the labels that the docstrings
  of their public functions, classes and methods cite as ````label```` (read with
  ``ast``, nothing is imported);
- ``tests/test_*.py``: the test functions that call (or reference) each of them.

The same functions are used by ``tests/test_equation_index.py`` to check that the
page is fresh, that every defining equation is implemented, that every public
function cites an equation and that every cited label exists.

Usage: python tools/equation_index.py [--check]
(``make equation-index``; ``--check`` exits 1 if the page on disk is stale).
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
PACKAGE = ROOT / "ragmath"
TESTS = ROOT / "tests"
OUTPUT = BOOK / "equation-index.md"


def _chapter_modules() -> tuple[str, ...]:
    """ragmath._CHAPTER_MODULES, read from ragmath/__init__.py without importing the package."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "_CHAPTER_MODULES" for t in node.targets):
            return tuple(ast.literal_eval(node.value))
    raise SystemExit("ragmath/__init__.py defines no _CHAPTER_MODULES tuple")


# The modules that implement the book's equations (not viz, widgets, data, _validation).
CORE_MODULES = _chapter_modules()

STEP_CLASS = "derivation-step"

# A cited label: ``prefix-name`` in double backticks (lower case, digits, hyphens).
CITATION = re.compile(r"``([a-z][a-z0-9]*(?:-[a-z0-9]+)+)``")
_FENCE = re.compile(r"^(`{3,}|~{3,}|:{3,})\s*(.*?)\s*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_OPTION = re.compile(r"^:([A-Za-z_-]+):\s*(.*?)\s*$")
_TARGET = re.compile(r"^\(([^()\s]+)\)=\s*$")
_RAW_DIRECTIVES = {"math", "code-cell", "code", "raw"}


# --------------------------------------------------------------------------- chapters


@dataclass(frozen=True)
class Equation:
    label: str
    chapter: int
    chapter_title: str
    source: str  # book/NN-name.md
    line: int  # 1-based line of the opening fence
    heading: str  # the section heading the equation is under
    latex: str
    classes: tuple[str, ...] = ()

    @property
    def is_step(self) -> bool:
        return STEP_CLASS in self.classes

    @property
    def kind(self) -> str:
        return "step" if self.is_step else "defining"


@dataclass
class Chapter:
    number: int
    title: str
    source: str
    stem: str
    equations: list[Equation] = field(default_factory=list)
    other_labels: list[str] = field(default_factory=list)  # exercises, sections, figures


def _toc_chapter_stems(toc: Path) -> set[str] | None:
    """The NN-name stems of the chapters the table of contents publishes (None: no toc)."""
    if not toc.exists():
        return None
    return set(re.findall(r"file:\s*notebooks/([0-9][0-9]-[^\s/]+)", toc.read_text(encoding="utf-8")))


def chapter_sources(book: Path = BOOK) -> list[Path]:
    """The sources book/NN-*.md of the chapters published in _toc.yml, in order.

    A chapter being drafted (a source not yet in the table of contents) is left
    out, so the index always describes the book that the site shows.
    """
    published = _toc_chapter_stems(book.parent / "_toc.yml")
    sources = sorted(book.glob("[0-9][0-9]-*.md"))
    return [s for s in sources if published is None or s.stem in published]


def parse_chapter(path: Path, text: str | None = None) -> Chapter:
    """Every labelled ``{math}`` block of a MyST chapter source, with its heading.

    Fenced blocks are tracked (backticks, tildes and colon fences, nested directives
    included), so that a ``#`` comment in a code cell is not taken for a heading.
    """
    if text is None:
        text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    number = int(path.name[:2])
    title = ""
    heading = ""
    equations: list[Equation] = []
    other_labels: list[str] = []
    stack: list[tuple[str, int, str]] = []  # (fence char, fence length, directive)
    math: dict | None = None
    in_front_matter = bool(lines) and lines[0].strip() == "---"
    for n, line in enumerate(lines, start=1):
        if in_front_matter:
            if n > 1 and line.strip() == "---":
                in_front_matter = False
            continue
        fence = _FENCE.match(line)
        raw = bool(stack) and stack[-1][2] in _RAW_DIRECTIVES
        if fence:
            char, length, info = fence.group(1)[0], len(fence.group(1)), fence.group(2)
            if stack and not info and char == stack[-1][0] and length >= stack[-1][1]:
                _, _, directive = stack.pop()
                if math is not None and directive == "math":
                    if math["label"]:
                        equations.append(Equation(
                            label=math["label"], chapter=number, chapter_title=title,
                            source=f"book/{path.name}", line=math["line"], heading=heading,
                            latex="\n".join(math["body"]).strip(), classes=tuple(math["classes"]),
                        ))
                    math = None
                continue
            if not raw and info:
                directive = re.match(r"\{([^}]*)\}", info)
                name = directive.group(1) if directive else info.split()[0]
                if char == ":" and not directive:
                    name = info.split()[0]
                stack.append((char, length, name))
                if name == "math":
                    math = {"label": None, "classes": [], "body": [], "line": n, "options": True}
                continue
        if stack and not raw and math is None:
            other = _OPTION.match(line)
            if other and other.group(1) == "label":
                other_labels.append(other.group(2))
        if math is not None and stack and stack[-1][2] == "math":
            option = _OPTION.match(line) if math["options"] else None
            if option:
                key, value = option.groups()
                if key == "label":
                    math["label"] = value
                elif key == "class":
                    math["classes"].extend(value.split())
            else:
                math["options"] = False
                math["body"].append(line)
            continue
        if raw:
            continue
        target = _TARGET.match(line)
        if target:
            other_labels.append(target.group(1))
        heading_match = _HEADING.match(line)
        if heading_match:
            level, heading_text = len(heading_match.group(1)), heading_match.group(2)
            if level == 1 and not title:
                title = heading_text
            heading = heading_text
    if stack:
        raise ValueError(f"{path.name}: unclosed fence {stack[-1]!r}")
    return Chapter(number=number, title=title, source=f"book/{path.name}", stem=path.stem,
                   equations=[Equation(**{**e.__dict__, "chapter_title": title}) for e in equations],
                   other_labels=other_labels)


def parse_chapters(sources: list[Path] | None = None) -> list[Chapter]:
    return [parse_chapter(p) for p in (chapter_sources() if sources is None else sources)]


# --------------------------------------------------------------------------- ragmath


@dataclass(frozen=True)
class Implementation:
    module: str  # e.g. "similarity"
    qualname: str  # "cosine_similarity" or "BM25.scores"
    kind: str  # "function", "class" or "method"
    labels: tuple[str, ...]
    line: int

    @property
    def dotted(self) -> str:
        return f"ragmath.{self.module}.{self.qualname}"


def core_module_paths(package: Path = PACKAGE) -> dict[str, Path]:
    """The core modules present in the package (chapter 9's module once it exists)."""
    return {m: package / f"{m}.py" for m in CORE_MODULES if (package / f"{m}.py").exists()}


def cited_labels(docstring: str | None) -> tuple[str, ...]:
    """The labels a docstring cites, in order of first citation."""
    seen: dict[str, None] = {}
    for label in CITATION.findall(docstring or ""):
        seen.setdefault(label, None)
    return tuple(seen)


def _dunder_all(tree: ast.Module) -> list[str] | None:
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else [])
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            try:
                return list(ast.literal_eval(node.value))
            except ValueError:
                return None
    return None


def public_names(tree: ast.Module) -> list[str]:
    """The public API of a module: ``__all__`` if it has one, else its public top-level defs."""
    names = _dunder_all(tree)
    if names is not None:
        return names
    return [node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and not node.name.startswith("_")]


def scan_module(module: str, source: str) -> tuple[list[Implementation], list[str]]:
    """The public functions, classes and methods of a module with their cited labels,
    and the public functions and classes of its API (``__all__``, else its public
    top-level definitions), for the "every public name cites an equation" check."""
    tree = ast.parse(source)
    defined = {node.name for node in tree.body
               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    # constants and re-exported names of ``__all__`` are not functions or classes of the module
    public = [name for name in public_names(tree) if name in defined]
    found: list[Implementation] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
            found.append(Implementation(module, node.name, "function",
                                        cited_labels(ast.get_docstring(node)), node.lineno))
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            found.append(Implementation(module, node.name, "class",
                                        cited_labels(ast.get_docstring(node)), node.lineno))
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and not item.name.startswith("_"):
                    found.append(Implementation(module, f"{node.name}.{item.name}", "method",
                                                cited_labels(ast.get_docstring(item)), item.lineno))
    return found, public


def scan_package(package: Path = PACKAGE) -> tuple[list[Implementation], dict[str, list[str]]]:
    implementations: list[Implementation] = []
    public: dict[str, list[str]] = {}
    for module, path in core_module_paths(package).items():
        found, names = scan_module(module, path.read_text(encoding="utf-8"))
        implementations.extend(found)
        public[module] = names
    return implementations, public


def uncited_public_names(implementations: list[Implementation], public: dict[str, list[str]],
                         equation_labels: set[str]) -> list[str]:
    """``module.name`` of every public function or class citing no equation label (a class
    counts as citing when its docstring or one of its public methods' docstrings does)."""
    labels: dict[tuple[str, str], set[str]] = {}
    for imp in implementations:
        top = imp.qualname.split(".")[0]
        labels.setdefault((imp.module, top), set()).update(set(imp.labels) & equation_labels)
    return [f"{module}.{name}" for module, names in public.items() for name in names
            if not labels.get((module, name))]


# --------------------------------------------------------------------------- tests


def _package_reexports(package: Path = PACKAGE) -> dict[str, str]:
    """``ragmath.<name>`` re-exported from a submodule -> ``ragmath.<module>.<name>``."""
    init = package / "__init__.py"
    result: dict[str, str] = {}
    if not init.exists():
        return result
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            for alias in node.names:
                result[f"ragmath.{alias.asname or alias.name}"] = f"ragmath.{node.module}.{alias.name}"
    return result


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _referenced(node: ast.AST, aliases: dict[str, str], reexports: dict[str, str]) -> tuple[set[str], set[str], set[str]]:
    """The ``ragmath.…`` objects a node refers to, the attribute names it uses (for
    methods called on instances) and the plain names it uses (for local helpers)."""
    objects: set[str] = set()
    attributes: set[str] = set()
    names: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute):
            attributes.add(sub.attr)
        if isinstance(sub, ast.Name):
            names.add(sub.id)
        if isinstance(sub, (ast.Name, ast.Attribute)):
            dotted = _dotted(sub)
            if dotted is None:
                continue
            head, _, rest = dotted.partition(".")
            if head in aliases:
                full = aliases[head] + ("." + rest if rest else "")
                objects.add(full)
                objects.add(reexports.get(full, full))
    return objects, attributes, names


def scan_tests(tests: Path = TESTS, package: Path = PACKAGE) -> dict[str, list[str]]:
    """``ragmath.<module>.<qualname>`` -> the tests (``file::name``) that call or reference it.

    A test is credited with what its body and decorators reference, and with what the
    module-level helper functions it calls reference (transitively). A method
    ``Class.meth`` is credited to a test that references ``Class`` and uses ``.meth``.
    """
    reexports = _package_reexports(package)
    credited: dict[str, set[str]] = {}
    for path in sorted(tests.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == "ragmath" or alias.name.startswith("ragmath."):
                        if alias.asname:
                            aliases[alias.asname] = alias.name
                        else:
                            aliases["ragmath"] = "ragmath"
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and (
                    node.module == "ragmath" or node.module.startswith("ragmath.")):
                for alias in node.names:
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        if not aliases:
            continue
        functions: dict[str, ast.AST] = {}
        tests_found: list[tuple[str, ast.AST]] = []
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions[node.name] = node
                if node.name.startswith("test"):
                    tests_found.append((node.name, node))
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"):
                        tests_found.append((f"{node.name}.{item.name}", item))
        refs = {name: _referenced(node, aliases, reexports) for name, node in functions.items()}

        def closure(node: ast.AST) -> tuple[set[str], set[str]]:
            objects, attributes, names = _referenced(node, aliases, reexports)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):  # fixtures it requests
                names |= {a.arg for a in node.args.args + node.args.kwonlyargs}
            seen: set[str] = set()
            todo = [n for n in names if n in functions]
            while todo:
                helper = todo.pop()
                if helper in seen or helper.startswith("test"):
                    continue
                seen.add(helper)
                o, a, nm = refs[helper]
                objects |= o
                attributes |= a
                todo.extend(n for n in nm if n in functions)
            return objects, attributes

        for name, node in tests_found:
            objects, attributes = closure(node)
            test_id = f"{path.name}::{name}"
            for obj in objects:
                credited.setdefault(obj, set()).add(test_id)
                # methods used on an instance of a referenced class
                for attr in attributes:
                    credited.setdefault(f"{obj}.{attr}", set()).add(test_id)
    return {obj: sorted(ids) for obj, ids in credited.items()}


# --------------------------------------------------------------------------- checks


def label_prefixes(chapters: list[Chapter]) -> set[str]:
    return {e.label.split("-")[0] for c in chapters for e in c.equations}


def implementations_by_label(implementations: list[Implementation]) -> dict[str, list[Implementation]]:
    result: dict[str, list[Implementation]] = {}
    for imp in implementations:
        for label in imp.labels:
            result.setdefault(label, []).append(imp)
    return result


def problems(chapters: list[Chapter], implementations: list[Implementation],
             public: dict[str, list[str]], *, allow_unimplemented: frozenset[str] = frozenset(),
             allow_uncited: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    """What is wrong, by check: duplicate labels, defining equations with no function
    citing them, public functions and classes citing no equation, citations of labels
    that exist in no chapter (equations, exercises or other targets)."""
    labels: dict[str, Equation] = {}
    duplicates = []
    for chapter in chapters:
        for eq in chapter.equations:
            if eq.label in labels:
                duplicates.append(f"{eq.label} ({eq.source}:{eq.line}) is also in {labels[eq.label].source}")
            labels[eq.label] = eq
    by_label = implementations_by_label(implementations)
    unimplemented = [f"{eq.label} ({eq.source}:{eq.line}, under {eq.heading!r})"
                     for chapter in chapters for eq in chapter.equations
                     if not eq.is_step and eq.label not in by_label and eq.label not in allow_unimplemented]
    uncited = [name for name in uncited_public_names(implementations, public, set(labels))
               if name not in allow_uncited]
    known = set(labels) | {label for chapter in chapters for label in chapter.other_labels}
    unknown = [f"ragmath.{imp.module}.{imp.qualname} cites ``{label}``"
               for imp in implementations for label in imp.labels if label not in known]
    return {"duplicate labels": duplicates, "defining equations no function cites": unimplemented,
            "public names citing no equation": uncited, "citations of unknown labels": unknown}


# --------------------------------------------------------------------------- page


HEADER = """\
<!--
  GENERATED FILE: do not edit by hand.
  Regenerate with `make equation-index` (or `.venv/bin/python tools/equation_index.py`);
  tests/test_equation_index.py fails when this page is stale.
-->

# Equation index

Every labelled equation of the book, chapter by chapter. The number links to the
equation; the description is the heading of the section it is in. A *defining* equation
is one the book computes: the `ragmath` function(s) whose docstrings cite it implement it,
and the last column lists the test files that call those functions, with the number of
tests in each. A *step of a derivation* (an intermediate line of a derivation, or a
property used in a proof) has no function of its own.

This page is generated by `tools/equation_index.py` (`make equation-index`, or
`.venv/bin/python tools/equation_index.py`) from the chapter sources, the docstrings of
`ragmath` and the tests; do not edit it by hand.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def _tests_cell(tests: list[str]) -> str:
    if not tests:
        return ""
    by_file: dict[str, list[str]] = {}
    for test_id in tests:
        file, _, name = test_id.partition("::")
        by_file.setdefault(file, []).append(name)
    # One entry per test file with its number of tests, so a row stays short.
    return ", ".join(f"`{file}` ({len(names)})" for file, names in sorted(by_file.items()))


def render(chapters: list[Chapter], implementations: list[Implementation],
           tests: dict[str, list[str]]) -> str:
    by_label = implementations_by_label(implementations)
    out = [HEADER]
    total = sum(len(c.equations) for c in chapters)
    steps = sum(e.is_step for c in chapters for e in c.equations)
    out.append(f"\n{total} labelled equations: {total - steps} defining, {steps} steps of a derivation.\n")
    for chapter in chapters:
        defining = sum(not e.is_step for e in chapter.equations)
        out.append(f"\n## Chapter {chapter.number}: {chapter.title}\n")
        out.append(f"\n{{doc}}`Chapter {chapter.number} <../notebooks/{chapter.stem}>`: "
                   f"{len(chapter.equations)} labelled equations, {defining} defining, "
                   f"{len(chapter.equations) - defining} steps of a derivation.\n")
        if not chapter.equations:
            continue
        out.append("\n| Equation | Label | Section | Implemented by | Tested by |\n|---|---|---|---|---|\n")
        for eq in chapter.equations:
            if eq.is_step:
                implemented, tested = "step of a derivation", ""
            else:
                imps = sorted(by_label.get(eq.label, []), key=lambda i: (i.module, i.qualname))
                implemented = ", ".join(f"`{i.dotted}`" for i in imps) or "no function of the core modules"
                ids = sorted({t for i in imps for t in tests.get(i.dotted, [])})
                tested = _tests_cell(ids)
            out.append(f"| {{eq}}`{eq.label}` | `{eq.label}` | {_cell(eq.heading)} | {implemented} | {tested} |\n")
    return "".join(out)


def generate() -> str:
    chapters = parse_chapters()
    implementations, _ = scan_package()
    return render(chapters, implementations, scan_tests())


def main(argv: list[str]) -> int:
    text = generate()
    if "--check" in argv:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT.relative_to(ROOT)} is stale: run `make equation-index`", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
