"""Generate book/equation-index.md: every labelled equation of the book, with the
``ragmath`` functions implementing it and the tests checking them.

Sources of truth:

- the chapter sources ``book/NN-*.md``: every ``{math}`` block with a ``:label:``;
  a block with ``:class: derivation-step`` is a step of a derivation (or a property
  used in a proof), every other labelled block is a *defining* equation, which a
  ``ragmath`` function implements;
- the core modules of ``ragmath`` (``CORE_MODULES``, ``ragmath._CHAPTER_MODULES``; a module
  may be a package, such as ``ragmath/quantization/``): the labels that the docstrings of
  their public functions, classes and methods cite as ````label```` (read with ``ast``,
  nothing is imported). A function *implements* the labels cited in its summary line
  (the docstring's first line); it *uses* those cited further down;
- ``tests/test_*.py``: the test functions that call (or reference) each of them.

The same functions are used by ``tests/test_equation_index.py`` to check that the
page is fresh, that every defining equation is implemented, that every public
function cites an equation and that every cited label exists.

It also writes the pages of the API reference, ``book/api/<module>.md`` (one per module:
a summary table and one Sphinx autodoc entry per public function and class, from the
module's ``__all__``), which ``tests/test_api_reference.py`` checks the same way.

Usage: python tools/equation_index.py [--check]
(``make equation-index``; ``--check`` exits 1 if a page on disk is stale).
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
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "_CHAPTER_MODULES"
                                                for t in node.targets):
            return tuple(ast.literal_eval(node.value))
    raise SystemExit("ragmath/__init__.py defines no _CHAPTER_MODULES tuple")


# The modules that implement the book's equations (not viz, widgets, data, _validation).
CORE_MODULES = _chapter_modules()

# A core module that belongs to the chapter of another one (ragmath.encoder: chapter 2's real
# transformer, beside ragmath.attention); every other core module is one chapter, in order.
SHARED_CHAPTER = {"encoder": "attention"}


def chapter_number(module: str) -> int:
    """The chapter of a core module (1 for similarity, 2 for attention and encoder, ...)."""
    primary = [m for m in CORE_MODULES if m not in SHARED_CHAPTER]
    return primary.index(SHARED_CHAPTER.get(module, module)) + 1


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
    module: str  # e.g. "similarity" (or "quantization.pq" for a name its package does not re-export)
    qualname: str  # "cosine_similarity" or "BM25.scores"
    kind: str  # "function", "class" or "method"
    labels: tuple[str, ...]  # every label the docstring cites
    line: int
    summary: tuple[str, ...] = ()  # the labels its summary line (first line) cites: what it implements
    source: str = ""  # the file it is defined in, e.g. "ragmath/quantization/pq.py"

    @property
    def dotted(self) -> str:
        return f"ragmath.{self.module}.{self.qualname}"


def core_module_paths(package: Path = PACKAGE) -> dict[str, Path]:
    """The core modules present in the package: ``ragmath/<m>.py``, or the directory
    ``ragmath/<m>/`` of a module that is a package (``ragmath.quantization``)."""
    paths: dict[str, Path] = {}
    for m in CORE_MODULES:
        if (package / m / "__init__.py").exists():
            paths[m] = package / m
        elif (package / f"{m}.py").exists():
            paths[m] = package / f"{m}.py"
    return paths


def cited_labels(docstring: str | None) -> tuple[str, ...]:
    """The labels a docstring cites, in order of first citation."""
    seen: dict[str, None] = {}
    for label in CITATION.findall(docstring or ""):
        seen.setdefault(label, None)
    return tuple(seen)


def summary_line(docstring: str | None) -> str:
    """The first line of a (cleaned) docstring: the numpydoc summary line."""
    return (docstring or "").strip().split("\n", 1)[0]


def summary_paragraph(docstring: str | None) -> str:
    """The first paragraph of a docstring (a summary wrapped over two lines is still one line short)."""
    return " ".join((docstring or "").strip().split("\n\n", 1)[0].split())


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


def _definitions(module: str, tree: ast.Module, source: str = "") -> list[Implementation]:
    """The public functions, classes and methods defined in a module, with their citations."""
    found: list[Implementation] = []

    def add(qualname: str, kind: str, node: ast.AST) -> None:
        doc = ast.get_docstring(node)
        found.append(Implementation(module, qualname, kind, cited_labels(doc), node.lineno,
                                    cited_labels(summary_line(doc)), source))

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
            add(node.name, "function", node)
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            add(node.name, "class", node)
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and not item.name.startswith(
                        "_"):
                    add(f"{node.name}.{item.name}", "method", item)
    return found


def _defined_names(tree: ast.Module) -> set[str]:
    return {node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def scan_module(module: str, source: str, path: str = "") -> tuple[list[Implementation], list[str]]:
    """The public functions, classes and methods of a module with their cited labels,
    and the public functions and classes of its API (``__all__``, else its public
    top-level definitions), for the "every public name cites an equation" check."""
    tree = ast.parse(source)
    defined = _defined_names(tree)
    # constants and re-exported names of ``__all__`` are not functions or classes of the module
    public = [name for name in public_names(tree) if name in defined]
    return _definitions(module, tree, path), public


def _relative_imports(tree: ast.Module) -> dict[str, str]:
    """``name`` -> the submodule it is imported from, for ``from .sub import name`` in a package."""
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            for alias in node.names:
                found[alias.asname or alias.name] = node.module
    return found


def scan_package_module(module: str, sources: dict[str, str],
                        paths: dict[str, str] | None = None) -> tuple[list[Implementation], list[str]]:
    """:func:`scan_module` for a module that is a package (``ragmath/quantization/``).

    ``sources`` maps ``"__init__"`` and each public submodule's name (``"pq"``) to its
    source. The public API is the package's ``__all__`` (else its public definitions and
    the names it imports from its submodules): a name it re-exports is documented as
    ``ragmath.<module>.<name>``, wherever it is defined; a public name of a submodule that
    the package does not re-export keeps its submodule (``ragmath.<module>.<sub>.<name>``).
    """
    paths = paths or {}
    init = ast.parse(sources.get("__init__", ""))
    imported = {name: sub for name, sub in _relative_imports(init).items() if sub in sources}
    names = _dunder_all(init)
    if names is None:
        names = [node.name for node in init.body
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                 and not node.name.startswith("_")]
        names += [name for name in imported if not name.startswith("_") and name not in names]
    exported = set(names)
    found: list[Implementation] = []
    defined = _defined_names(init)
    found.extend(_definitions(module, init, paths.get("__init__", "")))
    for sub, source in sources.items():
        if sub == "__init__":
            continue
        tree = ast.parse(source)
        for imp in _definitions(f"{module}.{sub}", tree, paths.get(sub, "")):
            top = imp.qualname.split(".")[0]
            reexported = top in exported and imported.get(top) == sub
            if sub.startswith("_") and not reexported:
                continue  # a private submodule's names are public only through the package
            if reexported:
                imp = Implementation(module, imp.qualname, imp.kind, imp.labels, imp.line,
                                     imp.summary, imp.source)
                defined.add(top)
            found.append(imp)
    public = [name for name in names if name in defined]
    return found, public


def _read_package_module(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    sources: dict[str, str] = {}
    paths: dict[str, str] = {}
    for file in sorted(path.glob("*.py")):
        sources[file.stem] = file.read_text(encoding="utf-8")
        paths[file.stem] = file.relative_to(ROOT).as_posix() if file.is_relative_to(ROOT) else str(file)
    return sources, paths


def scan_package(package: Path = PACKAGE) -> tuple[list[Implementation], dict[str, list[str]]]:
    implementations: list[Implementation] = []
    public: dict[str, list[str]] = {}
    for module, path in core_module_paths(package).items():
        if path.is_dir():
            found, names = scan_package_module(module, *_read_package_module(path))
        else:
            rel = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
            found, names = scan_module(module, path.read_text(encoding="utf-8"), rel)
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
    """Where a public name is documented, for each other name it is reachable by:
    ``ragmath.<name>`` re-exported from a submodule -> ``ragmath.<module>.<name>``, and
    ``ragmath.<module>.<sub>.<name>`` of a module that is a package and re-exports it
    -> ``ragmath.<module>.<name>``."""
    result: dict[str, str] = {}
    init = package / "__init__.py"
    if init.exists():
        for node in ast.parse(init.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                for alias in node.names:
                    result[f"ragmath.{alias.asname or alias.name}"] = f"ragmath.{node.module}.{alias.name}"
    for module, path in core_module_paths(package).items():
        if path.is_dir():
            tree = ast.parse((path / "__init__.py").read_text(encoding="utf-8"))
            for name, sub in _relative_imports(tree).items():
                result[f"ragmath.{module}.{sub}.{name}"] = f"ragmath.{module}.{name}"
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


def _referenced(node: ast.AST, aliases: dict[str, str],
                reexports: dict[str, str]) -> tuple[set[str], set[str], set[str]]:
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
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith(
                            "test"):
                        tests_found.append((f"{node.name}.{item.name}", item))
        refs = {name: _referenced(node, aliases, reexports) for name, node in functions.items()}

        def closure(node: ast.AST, aliases=aliases, functions=functions,
                    refs=refs) -> tuple[set[str], set[str]]:
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
    """label -> the public functions, classes and methods that *implement* it: those whose
    docstring's summary line (first line) cites it. Citations further down the docstring
    ("uses ``label``") do not count."""
    result: dict[str, list[Implementation]] = {}
    for imp in implementations:
        for label in imp.summary:
            result.setdefault(label, []).append(imp)
    return result


def multiply_implemented(implementations: list[Implementation], equation_labels: set[str] | None = None,
                         ) -> list[str]:
    """One line per label cited in the summary lines of more than one public function,
    class or method, naming all of them (each equation has one implementation)."""
    lines = []
    for label, imps in sorted(implementations_by_label(implementations).items()):
        if len(imps) > 1 and (equation_labels is None or label in equation_labels):
            names = ", ".join(sorted(f"{i.dotted} ({i.source or i.module}:{i.line})" for i in imps))
            lines.append(f"``{label}`` is cited in the summary lines of {len(imps)}: {names}")
    return lines


def problems(chapters: list[Chapter], implementations: list[Implementation],
             public: dict[str, list[str]], *, allow_unimplemented: frozenset[str] = frozenset(),
             allow_uncited: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    """What is wrong, by check: duplicate labels, defining equations that no function
    implements (cites in its summary line), equations implemented by more than one
    function, public functions and classes citing no equation anywhere in their
    docstrings, citations of labels that exist in no chapter (equations, exercises or
    other targets)."""
    labels: dict[str, Equation] = {}
    duplicates = []
    for chapter in chapters:
        for eq in chapter.equations:
            if eq.label in labels:
                duplicates.append(f"{eq.label} ({eq.source}:{eq.line}) is also in {labels[eq.label].source}")
            labels[eq.label] = eq
    by_label = implementations_by_label(implementations)
    cited_further_down: dict[str, list[str]] = {}
    for imp in implementations:
        for label in imp.labels:
            if label not in imp.summary:
                cited_further_down.setdefault(label, []).append(imp.dotted)
    unimplemented = []
    for chapter in chapters:
        for eq in chapter.equations:
            if eq.is_step or eq.label in by_label or eq.label in allow_unimplemented:
                continue
            hint = ""
            if eq.label in cited_further_down:
                users = ", ".join(sorted(cited_further_down[eq.label]))
                hint = f"; cited, but not in a summary line, by {users}"
            unimplemented.append(f"{eq.label} ({eq.source}:{eq.line}, under {eq.heading!r}){hint}")
    uncited = [name for name in uncited_public_names(implementations, public, set(labels))
               if name not in allow_uncited]
    known = set(labels) | {label for chapter in chapters for label in chapter.other_labels}
    unknown = [f"{imp.dotted} cites ``{label}``"
               for imp in implementations for label in imp.labels if label not in known]
    return {"duplicate labels": duplicates, "defining equations no function implements": unimplemented,
            "equations implemented more than once": multiply_implemented(implementations),
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
is one the book computes: the `ragmath` function, class or method whose docstring cites
it in its summary line implements it (its name links to its entry in the
{doc}`API reference <api/index>`, which links to its source), and the last column names
the tests that call it: for each test file, the number of its tests and the first few of
their names. A *step of a derivation* (an intermediate line of a derivation, or a property
used in a proof) has no function of its own.

This page is generated by `tools/equation_index.py` (`make equation-index`, or
`.venv/bin/python tools/equation_index.py`) from the chapter sources, the docstrings of
`ragmath` and the tests; do not edit it by hand.
"""

# Test names shown per test file in the "Tested by" column (the rest are counted).
NAMES_SHOWN = 3

_ROLES = {"function": "py:func", "class": "py:class", "method": "py:meth"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def _reference(imp: Implementation, documented: bool) -> str:
    """The implementation's name, linked to its API entry when the API reference has one."""
    short = f"{imp.module}.{imp.qualname}"
    if not documented:
        return f"`ragmath.{short}`"
    return f"{{{_ROLES[imp.kind]}}}`{short} <{imp.dotted}>`"


def _relevance(test_id: str, imps: list[Implementation]) -> tuple:
    """Tests whose names say what they test first: those naming the implementing function,
    then those naming its first word (``cosine`` of ``cosine_similarity``), then the rest."""
    name = test_id.rpartition(".")[2].lower()  # without the test class
    full = {i.qualname.rpartition(".")[2].lower() for i in imps}
    first = {f.split("_")[0] for f in full if f.split("_")[0]}
    rank = 0 if any(f in name for f in full) else 1 if any(w in name for w in first) else 2
    return (rank, name, test_id)


def _tests_cell(tests: list[str], imps: list[Implementation] = ()) -> str:
    """The test file of the module (or the one with most tests) with its number of tests and
    the first few names, then every other file with its number of tests."""
    if not tests:
        return ""
    by_file: dict[str, list[str]] = {}
    for test_id in tests:
        file, _, name = test_id.partition("::")
        by_file.setdefault(file, []).append(name)
    own = {f"test_{i.module.split('.')[0]}.py" for i in imps}
    files = sorted(by_file, key=lambda f: (f not in own, -len(by_file[f]), f))
    names = sorted(by_file[files[0]], key=lambda n: _relevance(n, list(imps)))
    shown = ", ".join(f"`{n}`" for n in names[:NAMES_SHOWN])
    more = f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else ""
    parts = [f"`{files[0]}` ({len(names)}): {shown}{more}"]
    parts += [f"`{f}` ({len(by_file[f])})" for f in files[1:]]
    return "; ".join(parts)


def render(chapters: list[Chapter], implementations: list[Implementation],
           tests: dict[str, list[str]], public: dict[str, list[str]] | None = None) -> str:
    """The page. ``public`` (module -> its public names, as :func:`scan_package` returns
    it) says which names the API reference documents: those are linked with a
    ``{py:func}``/``{py:class}``/``{py:meth}`` role; with ``public=None`` every name is."""
    by_label = implementations_by_label(implementations)

    def documented(imp: Implementation) -> bool:
        return public is None or imp.qualname.split(".")[0] in public.get(imp.module, ())

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
                implemented = ", ".join(_reference(i, documented(i)) for i in imps) or (
                    "no function of the core modules")
                ids = sorted({t for i in imps for t in tests.get(i.dotted, [])})
                tested = _tests_cell(ids, imps)
            out.append(f"| {{eq}}`{eq.label}` | `{eq.label}` | {_cell(eq.heading)} | {implemented} "
                       f"| {tested} |\n")
    return "".join(out)


def generate() -> str:
    chapters = parse_chapters()
    implementations, public = scan_package()
    return render(chapters, implementations, scan_tests(), public)


# --------------------------------------------------------------------------- API reference

API = BOOK / "api"
API_HEADER = """\
<!--
  GENERATED FILE: do not edit by hand.
  Regenerate with `make equation-index` (or `.venv/bin/python tools/equation_index.py`);
  tests/test_api_reference.py fails when this page is stale.
-->
"""
# The pages of the API reference besides the chapter modules: the corpus, and the plotting
# and widget layers (documented module by module).
EXTRA_MODULES = ("data", "viz", "widgets")
# The lower layer every chapter module uses (private modules: documented for readers of the
# source, not part of the API contract), on one page.
LOWER_LAYER = ("_core", "_validation")


def _module_tree(package: Path, module: str) -> tuple[ast.Module, Path]:
    """The syntax tree of ``ragmath.<module>`` (dotted below ragmath) and its file."""
    base = package.joinpath(*module.split("."))
    path = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
    return ast.parse(path.read_text(encoding="utf-8")), path


def _kind_of(package: Path, module: str, name: str, depth: int = 0) -> str | None:
    """``"function"``/``"class"`` for a name of ``ragmath.<module>``, defined there or imported
    from another ragmath module (followed through relative imports); None for anything else."""
    found = _definition_of(package, module, name, depth)
    return found[0] if found else None


def _definition_of(package: Path, module: str, name: str, depth: int = 0) -> tuple[str, str] | None:
    """(kind, the module below ragmath that defines it) for a name of ``ragmath.<module>``."""
    tree, path = _module_tree(package, module)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return "function", module
        if isinstance(node, ast.ClassDef) and node.name == name:
            return "class", module
    if depth > 3:
        return None
    parts = module.split(".")
    here = parts if path.name == "__init__.py" else parts[:-1]  # the package the module is in
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level >= 1:
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    base = here[:len(here) - (node.level - 1)] if node.level > 1 else here
                    target = ".".join([*base, *(node.module.split(".") if node.module else [])])
                    if not target:
                        return None
                    return _definition_of(package, target, alias.name, depth + 1)
    return None


def api_entries(module: str, package: Path = PACKAGE) -> list[tuple[str, str]]:
    """``(name, kind)`` of the functions and classes of ``ragmath.<module>``'s public API
    (``__all__``, in its order; else its public definitions): what its API page documents."""
    tree, _ = _module_tree(package, module)
    names = public_names(tree)
    found = [(name, _kind_of(package, module, name)) for name in names]
    return [(name, kind) for name, kind in found if kind is not None]


def defined_elsewhere(module: str, name: str, package: Path = PACKAGE) -> bool:
    """Whether a public name of ``ragmath.<module>`` is re-exported from outside the module
    (NotFittedError from the lower layer): its API page shows it, but its entry (the target
    of references) is where it is defined, so that a reference to it is not ambiguous."""
    found = _definition_of(package, module, name)
    return found is not None and found[1].split(".")[0] != module.split(".")[0]


def _first_line(tree: ast.Module) -> str:
    """A module docstring's first line, its reST roles (:mod:`x`) as code for a MyST table."""
    return re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", summary_line(ast.get_docstring(tree))).rstrip(".")


def _submodules(package: Path, module: str) -> list[str]:
    return [f"{module}.{p.stem}" for p in sorted((package / module).glob("*.py"))
            if not p.stem.startswith("_")]


def _chapter_link(module: str, chapters: list[Chapter]) -> str:
    if module not in CORE_MODULES:
        return ""
    number = chapter_number(module)
    for chapter in chapters:
        if chapter.number == number:
            return f"{{doc}}`Chapter {number}: {chapter.title} <../../notebooks/{chapter.stem}>`"
    return ""


def render_api_page(module: str, chapters: list[Chapter], package: Path = PACKAGE) -> str:
    """The API page of ``ragmath.<module>``: its docstring, a summary table and one autodoc
    entry per public function and class (every entry links to its source, sphinx.ext.viewcode)."""
    tree, path = _module_tree(package, module)
    source = path.read_text(encoding="utf-8")
    dotted = f"ragmath.{module}"
    out = [API_HEADER, f"\n# `{dotted}`\n\n"]
    link = _chapter_link(module, chapters)
    if link:
        out.append(f"{link}. The equations its functions implement, and their tests, are listed in the "
                   "{doc}`equation index <../equation-index>`; the names, signatures and error behaviour "
                   "below are the {doc}`API contract <contract>`.\n\n")
    out.append(f"```{{eval-rst}}\n.. automodule:: {dotted}\n\n.. currentmodule:: {dotted}\n")
    if module in ("viz", "widgets"):
        # what the package re-exports from a private module (SliderFigure), then each public submodule
        private = {name for name, sub in _relative_imports(tree).items() if sub.startswith("_")}
        for name, kind in api_entries(module, package):
            if name in private:
                directive = "autoclass" if kind == "class" else "autofunction"
                out.append(f"\n.. {directive}:: {name}\n" + ("   :members:\n" if kind == "class" else ""))
        for sub in _submodules(package, module):
            out.append(f"\n.. automodule:: ragmath.{sub}\n   :members:\n   :member-order: bysource\n")
        out.append("```\n")
        return "".join(out)
    entries = api_entries(module, package)

    def elsewhere(name: str) -> bool:
        return defined_elsewhere(module, name, package)

    if entries:
        out.append("\n.. autosummary::\n   :nosignatures:\n\n")
        out.extend(f"   {name}\n" for name, _ in entries if not elsewhere(name))
    for name, kind in entries:
        no_index = "   :no-index:\n" if elsewhere(name) else ""
        if kind == "class":
            out.append(f"\n.. autoclass:: {name}\n   :members:\n   :member-order: bysource\n{no_index}")
        else:
            out.append(f"\n.. autofunction:: {name}\n{no_index}")
    # the constants of ``__all__`` that carry a ``#:`` documentation comment
    lines = source.splitlines()
    for node in tree.body:
        target = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        elif isinstance(node, ast.AnnAssign):
            target = node.target
        if (isinstance(target, ast.Name) and target.id in public_names(tree) and node.lineno > 1
                and lines[node.lineno - 2].strip().startswith("#:")):
            out.append(f"\n.. autodata:: {target.id}\n   :no-value:\n")
    if path.name == "__init__.py":  # the submodules of a module that is a package
        names = {name for name, _ in entries}
        for sub in _submodules(package, module):
            # a submodule named like a function it defines (kmeans) is shown without an entry
            clash = "   :no-index:\n" if sub.rpartition(".")[2] in names else ""
            out.append(f"\n.. automodule:: ragmath.{sub}\n{clash}")
    out.append("```\n")
    return "".join(out)


def api_modules(package: Path = PACKAGE) -> list[str]:
    """The modules with an API page, in the book's order."""
    return [m for m in (*CORE_MODULES, *EXTRA_MODULES)
            if (package / m / "__init__.py").exists() or (package / f"{m}.py").exists()]


def render_api_index(chapters: list[Chapter], package: Path = PACKAGE) -> str:
    out = [API_HEADER, "\n# API reference\n\n",
           "One page per module of `ragmath`: each public function and class with its parameters, "
           "what it returns and raises, and a short example (run as a doctest by `make test`). "
           "Every entry has a link to its source code, and the summary line of a function that "
           "implements an equation cites its label; the {doc}`equation index <../equation-index>` "
           "goes the other way, from each equation to its function and tests. "
           "{doc}`The API contract <contract>` is the list of names, signatures and error behaviour "
           "that do not change.\n\n",
           "| Module | Chapter | What it holds |\n|---|---|---|\n"]
    for module in api_modules(package):
        tree, _ = _module_tree(package, module)
        number = f"{chapter_number(module)}" if module in CORE_MODULES else ""
        out.append(f"| {{doc}}`ragmath.{module} <{module}>` | {number} | {_cell(_first_line(tree))} |\n")
    out.append("| {doc}`ragmath._core, ragmath._validation <lower-layer>` |  | "
               "The lower layer the chapter modules are built on (private) |\n")
    tree = ast.parse((package / "__init__.py").read_text(encoding="utf-8"))
    reexported = [(alias.asname or alias.name, _kind_of(package, node.module, alias.name))
                  for node in tree.body
                  if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
                  for alias in node.names]
    out.append("\n## The package\n\n```{eval-rst}\n.. automodule:: ragmath\n")
    if reexported:
        out.append("\nThe package re-exports these names of its submodules:\n")
        for name, kind in reexported:
            directive = "autoclass" if kind == "class" else "autofunction"
            out.append(f"\n.. {directive}:: ragmath.{name}\n")
    out.append("```\n")
    return "".join(out)


def render_lower_layer_page(package: Path = PACKAGE) -> str:
    """The page of ``ragmath._core`` and ``ragmath._validation``."""
    out = [API_HEADER, "\n# The lower layer: `ragmath._core` and `ragmath._validation`\n\n",
           "The helpers every chapter module is built on: one tokenizer, one stable log-sum-exp "
           "and softmax, one top-k selection (ties to the lower index), one thread pool, and one "
           "way to check arguments and word errors. They are private (not in the "
           "{doc}`API contract <contract>`): a chapter module calls them, a reader calls the "
           "chapter modules.\n"]
    for module in LOWER_LAYER:
        if (package / f"{module}.py").exists():
            out.append(f"\n```{{eval-rst}}\n.. automodule:: ragmath.{module}\n   :members:\n"
                       "   :member-order: bysource\n```\n")
    return "".join(out)


def api_pages(chapters: list[Chapter] | None = None, package: Path = PACKAGE) -> dict[Path, str]:
    """Every generated page of the API reference (book/api/), path -> text (the contract,
    book/api/contract.md, is a copy of the shared API.md and not generated)."""
    if chapters is None:
        chapters = parse_chapters()
    pages = {API / "index.md": render_api_index(chapters, package)}
    for module in api_modules(package):
        pages[API / f"{module}.md"] = render_api_page(module, chapters, package)
    pages[API / "lower-layer.md"] = render_lower_layer_page(package)
    return pages


def main(argv: list[str]) -> int:
    text = generate()
    pages = {OUTPUT: text, **api_pages()}
    if "--check" in argv:
        stale = [path for path, page in pages.items()
                 if not path.exists() or path.read_text(encoding="utf-8") != page]
        for path in stale:
            print(f"{path.relative_to(ROOT)} is stale: run `make equation-index`", file=sys.stderr)
        return 1 if stale else 0
    API.mkdir(exist_ok=True)
    for path, page in pages.items():
        if not path.exists() or path.read_text(encoding="utf-8") != page:
            path.write_text(page, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
