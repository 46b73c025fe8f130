"""The equation index (book/equation-index.md) and the equation <-> function contract.

tools/equation_index.py reads the labelled ``{math}`` blocks of the chapters, the
labels cited by the docstrings of the core ``ragmath`` modules (a module may be a
package: ``ragmath/quantization/*.py``) and the tests calling them. A public function,
class or method *implements* the labels its summary line (the docstring's first line)
cites; it *uses* those it cites further down. These tests fail when

(a) book/equation-index.md is not what the tool generates now (run `make equation-index`);
(b) a defining equation (a labelled ``{math}`` block without ``:class: derivation-step``)
    has no ``ragmath`` function implementing it;
(c) a public function or class of a core module cites no equation label anywhere;
(d) a docstring cites a label that exists in no chapter;
(e) a label is cited in the summary lines of more than one public function, class or
    method (each equation has one implementation; the others say "uses ``label``").
"""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT

_spec = importlib.util.spec_from_file_location("equation_index", ROOT / "tools" / "equation_index.py")
equation_index = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("equation_index", equation_index)
_spec.loader.exec_module(equation_index)

# (b) Defining equations that no function of the core modules implements, with the reason.
ALLOW_UNIMPLEMENTED = {
    "lex-lucene-score": "Lucene's score is computed only as an independent check in chapter 4; ragmath.lexical.BM25 scores by lex-bm25",
    "ada-query-grad": "the chain rule through chapter 8's dual encoder, computed in chapter 9's fine-tuning loop and checked there by finite differences",
    "eval-dcg-jk": "the historical discount of old trec_eval, computed by a loop in chapter 7 for comparison; ragmath implements eval-dcg",
}

# (c) Public functions and classes that implement no equation, with the reason.
ALLOW_UNCITED = {
    "optim.ArgumentTypeError": "error class",
    "encoder.LayerWeights": "a container of one block's weight arrays",
    "encoder.load_minilm": "reads files and checks their SHA-256, no equation",
    "encoder.file_sha256": "a hash of a file, no equation",
    "quantization.gaussian_mixture": "synthetic data generator (the stand-in corpus of chapter 5), no equation",
    "quantization.popular_pq_memory_formula": "the wrong formula of chapter 5's warning, kept to show how far off it is",
}


@pytest.fixture(scope="module")
def parsed():
    chapters = equation_index.parse_chapters()
    implementations, public = equation_index.scan_package()
    return chapters, implementations, public


@pytest.fixture(scope="module")
def found(parsed):
    chapters, implementations, public = parsed
    return equation_index.problems(chapters, implementations, public,
                                   allow_unimplemented=frozenset(ALLOW_UNIMPLEMENTED),
                                   allow_uncited=frozenset(ALLOW_UNCITED))


def test_the_index_is_up_to_date():
    """(a) the committed page is what the tool generates now."""
    page = ROOT / "book" / "equation-index.md"
    assert page.exists(), "book/equation-index.md is missing: run `make equation-index`"
    assert page.read_text(encoding="utf-8") == equation_index.generate(), (
        "book/equation-index.md is stale: run `make equation-index`")


def test_every_chapter_has_labelled_equations(parsed):
    chapters, _, _ = parsed
    assert chapters
    for chapter in chapters:
        assert chapter.title, chapter.source
        assert chapter.equations, f"{chapter.source}: no labelled equations found"


def test_labels_are_unique(found):
    assert not found["duplicate labels"], "\n".join(found["duplicate labels"])


def test_every_defining_equation_is_implemented(found):
    """(b) every defining equation has a function citing it in its summary line (or mark it a
    derivation step)."""
    assert not found["defining equations no function implements"], (
        "cite these in the summary line (first line) of the docstring of the ragmath function "
        "that computes them, as ``label``, or mark a genuine derivation step with "
        "`:class: derivation-step`:\n" + "\n".join(found["defining equations no function implements"]))


def test_no_equation_is_implemented_twice(found):
    """(e) a label is cited in the summary line of at most one public function, class or method."""
    assert not found["equations implemented more than once"], (
        "keep the label in the summary line of the one function that computes the equation; "
        "the others cite it further down (\"uses ``label``\"):\n"
        + "\n".join(found["equations implemented more than once"]))


def test_the_quantization_package_is_read(parsed):
    """A chapter module that is a package is read file by file, its names as the package's."""
    _, implementations, public = parsed
    assert public.get("quantization"), "no public names found for ragmath.quantization"
    names = {i.qualname for i in implementations if i.module == "quantization"}
    assert {"kmeans", "ProductQuantizer", "RandomHyperplaneLSH"} <= names


def test_every_public_function_cites_an_equation(found):
    """(c) every public function and class of a core module cites an equation label."""
    assert not found["public names citing no equation"], "\n".join(found["public names citing no equation"])


def test_every_cited_label_exists(found):
    """(d) no docstring cites a label that no chapter defines."""
    assert not found["citations of unknown labels"], "\n".join(found["citations of unknown labels"])


def test_allow_lists_are_needed(parsed):
    """An allow-list entry that is no longer an exception must be removed."""
    chapters, implementations, public = parsed
    unallowed = equation_index.problems(chapters, implementations, public)
    unimplemented = {item.split()[0] for item in unallowed["defining equations no function implements"]}
    assert set(ALLOW_UNIMPLEMENTED) <= unimplemented, set(ALLOW_UNIMPLEMENTED) - unimplemented
    assert set(ALLOW_UNCITED) <= set(unallowed["public names citing no equation"]), (
        set(ALLOW_UNCITED) - set(unallowed["public names citing no equation"]))


def test_steps_have_a_class_and_no_function_is_required(parsed):
    chapters, implementations, _ = parsed
    steps = [e for c in chapters for e in c.equations if e.is_step]
    assert steps and all(e.kind == "step" for e in steps)


# ---------------------------------------------------------------- the checks can fail

CHAPTER = """\
---
jupytext:
  text_representation:
    format_name: myst
---

# A synthetic chapter

## Definitions

```{math}
:label: syn-defined
y = f(x)
```

```{code-cell} ipython3
# a comment, not a heading
x = 1
```

### Uncited

```{math}
:label: syn-uncited
z = g(x)
```

```{math}
:label: syn-step
:class: derivation-step
g(x) = f(x) + 1
```

:::{exercise} Something
:label: ex-syn-one
Prove it.
:::
"""

MODULE = '''\
__all__ = ["f", "helper", "Thing", "CONSTANT", "g", "uses"]
CONSTANT = 3

def f(x):
    """f (equation ``syn-defined``)."""

def helper(x):
    """Cites nothing."""

class Thing:
    """A thing (see ``ex-syn-one``)."""

    def method(self):
        """A method citing a label that does not exist (``syn-missing``)."""

def g(x):
    """The same equation again (``syn-defined``), a second implementation."""

def uses(x):
    """A function that uses an equation.

    It cites ``syn-uncited`` below its summary line, which does not implement it.
    """

def _private():
    """Not public."""
'''


def test_the_checks_can_fail(tmp_path: Path):
    source = tmp_path / "01-synthetic.md"
    source.write_text(CHAPTER, encoding="utf-8")
    chapter = equation_index.parse_chapter(source)
    assert chapter.title == "A synthetic chapter"
    assert [(e.label, e.heading, e.kind) for e in chapter.equations] == [
        ("syn-defined", "Definitions", "defining"),
        ("syn-uncited", "Uncited", "defining"),
        ("syn-step", "Uncited", "step"),
    ]
    assert chapter.equations[0].latex == "y = f(x)"
    assert "ex-syn-one" in chapter.other_labels
    implementations, public = equation_index.scan_module("synthetic", MODULE)
    assert public == ["f", "helper", "Thing", "g", "uses"]  # the constant is no function or class
    assert {i.qualname for i in implementations} == {"f", "helper", "Thing", "Thing.method", "g", "uses"}
    found = equation_index.problems([chapter], implementations, {"synthetic": public})
    # cited only below a summary line: not implemented, and the message says where it is cited
    (unimplemented,) = found["defining equations no function implements"]
    assert unimplemented.startswith("syn-uncited ") and "ragmath.synthetic.uses" in unimplemented
    # Thing cites only an exercise label and an unknown one: no equation
    assert found["public names citing no equation"] == ["synthetic.helper", "synthetic.Thing"]
    assert found["citations of unknown labels"] == ["ragmath.synthetic.Thing.method cites ``syn-missing``"]
    (twice,) = found["equations implemented more than once"]
    assert "``syn-defined``" in twice and "ragmath.synthetic.f " in twice and "ragmath.synthetic.g " in twice
    allowed = equation_index.problems([chapter], implementations, {"synthetic": public},
                                      allow_unimplemented=frozenset({"syn-uncited"}),
                                      allow_uncited=frozenset({"synthetic.helper", "synthetic.Thing"}))
    assert not allowed["defining equations no function implements"]
    assert not allowed["public names citing no equation"]


def test_a_module_that_is_a_package_is_read_as_one_module():
    sources = {
        "__init__": '''"""A package."""\nfrom .first import f\nfrom ._hidden import h\n__all__ = ["f", "h"]\n''',
        "first": '''def f(x):\n    """f (``syn-defined``)."""\n\ndef extra(x):\n    """Not re-exported."""\n''',
        "_hidden": '''def h(x):\n    """h (``syn-uncited``)."""\n\ndef inner(x):\n    """Private."""\n''',
    }
    implementations, public = equation_index.scan_package_module("synthetic", sources)
    assert public == ["f", "h"]
    assert {(i.module, i.qualname) for i in implementations} == {
        ("synthetic", "f"), ("synthetic", "h"), ("synthetic.first", "extra")}
    assert {i.dotted: i.summary for i in implementations}["ragmath.synthetic.f"] == ("syn-defined",)


def test_the_page_has_one_table_per_chapter_and_marks_steps(tmp_path: Path):
    source = tmp_path / "01-synthetic.md"
    source.write_text(CHAPTER, encoding="utf-8")
    chapter = equation_index.parse_chapter(source)
    implementations, _ = equation_index.scan_module("synthetic", MODULE)
    tests = {"ragmath.synthetic.f": ["test_synthetic.py::test_other", "test_synthetic.py::test_f_values",
                                     "test_synthetic.py::TestF.test_a", "test_synthetic.py::test_b",
                                     "test_z.py::test_f"]}
    page = equation_index.render([chapter], implementations, tests, {"synthetic": ["f"]})
    assert page == equation_index.render([chapter], implementations, tests, {"synthetic": ["f"]})
    assert "## Chapter 1: A synthetic chapter" in page
    # linked to its API entry; the module's own test file first, tests naming f first, then a count
    assert ("| {eq}`syn-defined` | `syn-defined` | Definitions | "
            "{py:func}`synthetic.f <ragmath.synthetic.f>`, `ragmath.synthetic.g` | "
            "`test_synthetic.py` (4): `test_f_values`, `TestF.test_a`, `test_b` and 1 more; "
            "`test_z.py` (1) |") in page
    assert "| {eq}`syn-step` | `syn-step` | Uncited | step of a derivation |  |" in page
    assert "do not edit it by hand" in page


def test_tests_are_found_through_imports_and_helpers(tmp_path: Path):
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_demo.py").write_text(textwrap.dedent('''\
        import ragmath.similarity as sim
        from ragmath.attention import softmax
        from ragmath import top_k

        def _check(x):
            return softmax(x)

        def test_direct():
            sim.cosine_similarity([1.0], [1.0])

        def test_through_a_helper():
            _check([1.0])

        def test_reexport():
            top_k([[1.0]], [[1.0]], 1)

        def test_nothing():
            pass
        '''), encoding="utf-8")
    credited = equation_index.scan_tests(tests)
    assert credited["ragmath.similarity.cosine_similarity"] == ["test_demo.py::test_direct"]
    assert credited["ragmath.attention.softmax"] == ["test_demo.py::test_through_a_helper"]
    assert credited["ragmath.similarity.top_k"] == ["test_demo.py::test_reexport"]
    assert not any("test_nothing" in t for ids in credited.values() for t in ids)


def test_the_tool_handles_a_new_chapter(tmp_path: Path):
    """A chapter 09 (or any NN-*.md) is picked up without changing the tool."""
    (tmp_path / "01-a.md").write_text(CHAPTER, encoding="utf-8")
    (tmp_path / "09-adaptation.md").write_text(CHAPTER.replace("syn-", "ada-"), encoding="utf-8")
    (tmp_path / "notation.md").write_text("# Notation\n", encoding="utf-8")
    sources = equation_index.chapter_sources(tmp_path)
    assert [s.name for s in sources] == ["01-a.md", "09-adaptation.md"]
    chapters = equation_index.parse_chapters(sources)
    assert [c.number for c in chapters] == [1, 9]
    assert "## Chapter 9: A synthetic chapter" in equation_index.render(chapters, [], {})
