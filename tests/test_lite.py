"""The "Run in your browser" copy (make lite, tools/lite.py): a JupyterLite site inside the book's site.

Checked on the built site (_build/html/lite): every chapter notebook is there, as the committed
notebook with its first cell installing the bundled wheel; the ragmath wheel is pure Python,
holds every module and data file and has the project's version; the ipywidgets wheels are
bundled at their pins; the configuration loads Pyodide from its CDN at the version of the pinned
kernel (nothing of Pyodide is copied into the site) and indexes the bundled wheels; each chapter
page's button points at its copy. And, without the site: the Lite cell, the notebook transform,
the encoder's browser message (on the wheel, in a Python where tokenizers is missing and
sys.platform is Pyodide's), and the recorded Pyodide versions against the kernel's.
"""

from __future__ import annotations

import email
import hashlib
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import install_cell  # noqa: E402
import lite  # noqa: E402
import sphinx_launch  # noqa: E402

LITE_BUDGET_MB = 30  # the JupyterLite app is ~19 MB of it; a chapter's copy is small


def _pins(path: Path) -> dict[str, str]:
    return {re.sub(r"[-_.]+", "_", name).lower(): version
            for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", path.read_text(), re.M)}


@pytest.fixture(scope="module")
def lite_dir(site_dir) -> Path:
    out = site_dir / "lite"
    if not (out / "jupyter-lite.json").is_file():
        pytest.fail(f"{out} is not built: make book runs make lite (tools/lite.py)")
    return out


# ---------------------------------------------------------------- without the site


def test_the_lite_cell_installs_the_bundled_wheel_and_is_valid_ipython():
    cell = lite.lite_cell()
    assert cell.startswith(lite.LITE_MARKER)
    lines = [line.strip() for line in cell.splitlines()]
    assert "%pip install --quiet ragmath" in lines
    assert "internet" in cell and "load_minilm" in cell
    python = TransformerManager().transform_cell(cell)
    assert "get_ipython().run_line_magic('pip', 'install --quiet ragmath')" in python
    compile(python, "cell", "exec")


def test_the_lite_copy_is_the_notebook_with_the_browser_changes():
    path = lite.chapters()[0]
    original = nbformat.read(path, as_version=4)
    copy = lite.lite_notebook(path)
    assert [c.cell_type for c in copy.cells] == [c.cell_type for c in original.cells]
    code = [(a, b) for a, b in zip(original.cells, copy.cells) if a.cell_type == "code"]
    assert code[0][0].source == install_cell.render(*install_cell.repository()).rstrip("\n")
    assert code[0][1].source == lite.lite_cell()
    encoder = 0
    for before, after in code[1:]:
        assert after.outputs == [] and after.execution_count is None
        if lite.ENCODER_CALL in before.source:
            encoder += 1
            assert after.source == lite.ENCODER_COMMENT + before.source
        else:
            assert after.source == before.source
    assert encoder >= 1, "chapter 1 loads the real encoder: the comment was not added"
    assert copy.metadata.kernelspec == lite.KERNELSPEC and "widgets" not in copy.metadata
    assert original.metadata.kernelspec["name"] == "python3", "the committed notebook was modified"


def test_a_notebook_without_the_install_cell_is_refused(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import ragmath")])
    nbformat.write(notebook, tmp_path / "01-x.ipynb")
    with pytest.raises(ValueError, match="install cell"):
        lite.lite_notebook(tmp_path / "01-x.ipynb")


def test_encoder_sections_name_the_sections_that_load_the_model():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Chapter\n\n## Cosines"),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_markdown_cell("## Real embeddings"),
        nbformat.v4.new_code_cell("enc = load_minilm()"),
        nbformat.v4.new_code_cell("enc2 = load_minilm()"),
        nbformat.v4.new_markdown_cell("### After"),
        nbformat.v4.new_code_cell("y = 2"),
    ])
    assert lite.encoder_sections(notebook) == ["Real embeddings"]
    assert "Real embeddings" in sphinx_launch.lite_note("x", ["Real embeddings"])
    assert "Every cell of this chapter runs there" in sphinx_launch.lite_note("x", [])


def test_the_lite_button_setting_is_a_path_in_the_site_and_kept_from_the_theme():
    options = {"repository_url": "", "launch_buttons": {"notebook_interface": "jupyterlab",
                                                        "jupyterlite_url": "lite/lab/index.html"}}
    assert sphinx_launch.lite_url(options) == "lite/lab/index.html"
    assert "jupyterlite_url" not in sphinx_launch.theme_options(options)["launch_buttons"]
    for bad in ("/lite/lab/index.html", "https://example.org/lite", "../lite/lab/index.html"):
        with pytest.raises(ValueError, match="jupyterlite_url"):
            sphinx_launch.lite_url({"launch_buttons": {"jupyterlite_url": bad}})


def test_the_recorded_pyodide_is_the_one_the_pinned_kernel_loads():
    from jupyterlite_pyodide_kernel import constants

    record = (ROOT / "requirements-pyodide.txt").read_text()
    assert f"Pyodide {constants.PYODIDE_VERSION} " in record, (
        f"the kernel now loads Pyodide {constants.PYODIDE_VERSION}: record its versions in requirements-pyodide.txt")
    [line] = re.findall(r"^# pyodide: (.*)$", record, re.M)
    shipped = dict(item.split("==") for item in line.split())
    assert shipped["python"].startswith(constants.PYODIDE_PYTHON_VERSION + ".")
    tested = _pins(ROOT / "requirements-pyodide.txt")
    ours = _pins(ROOT / "requirements.txt")
    for name in ("numpy", "matplotlib", "pandas"):
        assert tested[name] == shipped[name], f"make test-pyodide tests {name} {tested[name]}, Pyodide has {shipped[name]}"
    # scipy: Pyodide's 1.18 needs Python >= 3.12; the venv keeps ours (requirements-pyodide.txt says so)
    assert tested["scipy"] == ours["scipy"] or tested["scipy"] == shipped["scipy"]
    assert f"scipy is newer in Pyodide ({shipped['scipy']} vs {ours['scipy']})" in record
    config = json.loads((lite.CONFIG_DIR / "jupyter-lite.json").read_text())
    settings = config["jupyter-config-data"]["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert settings["pyodideUrl"] == f"{constants.PYODIDE_CDN_URL}/pyodide.mjs"


def test_the_bundled_widget_wheels_are_pinned_as_the_book_pins_them():
    bundled = lite.pinned_wheels()
    assert {"ipywidgets", "comm", "jupyterlab_widgets"} <= set(bundled)
    assert bundled["ipywidgets"] == _pins(ROOT / "requirements.txt")["ipywidgets"]
    from importlib.metadata import version

    for name, pinned in bundled.items():
        assert version(name) == pinned, f"{name}: {pinned} bundled for the browser, {version(name)} installed"


def test_the_wheel_runs_without_tokenizers_and_the_encoder_says_why_in_the_browser(lite_dir, tmp_path):
    [wheel] = (lite_dir / "pypi").glob("ragmath-*.whl")
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    site_packages = [p for p in sys.path if p.endswith("site-packages")]
    script = f"""
import sys
sys.path[:0] = [{str(tmp_path / 'site')!r}]
sys.path += {site_packages!r}
sys.modules['tokenizers'] = None      # Pyodide has no tokenizers
sys.modules['safetensors'] = None
import ragmath, ragmath.encoder, ragmath.lexical, ragmath.data
assert ragmath.__file__.startswith({str(tmp_path)!r}), ragmath.__file__
print(ragmath.data.load_embeddings().shape if hasattr(ragmath.data, 'load_embeddings') else '')
sys.platform = 'emscripten'
try:
    ragmath.encoder.load_minilm()
except ModuleNotFoundError as error:
    print('MESSAGE', error)
"""
    # -S: no site hooks, so the editable install of this checkout cannot shadow the wheel
    result = subprocess.run([sys.executable, "-S", "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    message = result.stdout.split("MESSAGE", 1)[1]
    assert "cannot run in the browser" in message and "tokenizers" in message and "Colab" in message


# ---------------------------------------------------------------- the built Lite site


def test_every_chapter_is_in_the_lite_site_as_its_browser_copy(lite_dir):
    chapters = lite.chapters()
    assert len(chapters) == 10
    for path in chapters:
        built = lite_dir / "files" / path.name
        assert built.is_file(), f"{built} is missing"
        copy = nbformat.read(built, as_version=4)
        expected = lite.lite_notebook(path)
        assert [c.source for c in copy.cells] == [c.source for c in expected.cells], (
            f"{path.name}: the Lite copy is stale (make lite)")
        first = next(c for c in copy.cells if c.cell_type == "code")
        assert "%pip install --quiet ragmath" in first.source
        assert all(not c.get("outputs") for c in copy.cells if c.cell_type == "code")
        assert copy.metadata.kernelspec["name"] == lite.KERNEL_NAME
    listed = json.loads((lite_dir / "api" / "contents" / "all.json").read_text())
    assert {c["name"] for c in listed["content"]} >= {p.name for p in chapters}


def test_the_ragmath_wheel_is_pure_python_complete_and_of_the_project_version(lite_dir):
    [wheel] = (lite_dir / "pypi").glob("ragmath-*.whl")
    version = lite.project_version()
    assert wheel.name == f"ragmath-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = email.message_from_bytes(archive.read(f"ragmath-{version}.dist-info/METADATA"))
        tags = archive.read(f"ragmath-{version}.dist-info/WHEEL").decode()
    assert "Tag: py3-none-any" in tags and "Root-Is-Purelib: true" in tags
    assert metadata["Version"] == version
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "ragmath").rglob("*.py") if "__pycache__" not in p.parts}
    assert modules and modules <= names, f"modules missing from the wheel: {sorted(modules - names)[:5]}"
    data = {p.relative_to(ROOT).as_posix() for p in (ROOT / "ragmath" / "data").iterdir()
            if p.suffix in {".jsonl", ".tsv", ".csv", ".npy", ".json"}}
    assert data and data <= names, f"data files missing from the wheel: {sorted(data - names)[:5]}"
    from packaging.requirements import Requirement

    browser = {"sys_platform": "emscripten", "platform_system": "Emscripten"}
    needed = {Requirement(r).name for r in metadata.get_all("Requires-Dist")
              if not Requirement(r).marker or Requirement(r).marker.evaluate(browser)}
    assert {"numpy", "scipy", "matplotlib", "pandas", "ipywidgets"} <= needed
    assert not needed & {"tokenizers", "safetensors"}, "the browser would try to install the compiled encoder libraries"


def test_the_widget_wheels_are_bundled_and_indexed(lite_dir):
    index = json.loads((lite_dir / "pypi" / "all.json").read_text())
    for name, version in {"ragmath": lite.project_version(), **lite.pinned_wheels()}.items():
        key = name.replace("_", "-")
        assert key in index and version in index[key]["releases"], f"{name} {version} is not in pypi/all.json"
        [release] = index[key]["releases"][version]
        wheel = lite_dir / "pypi" / release["filename"]
        assert wheel.is_file() and release["filename"].endswith("-py3-none-any.whl")
        assert hashlib.sha256(wheel.read_bytes()).hexdigest() == release["digests"]["sha256"]


def test_the_config_loads_pyodide_from_its_cdn_and_indexes_the_wheels(lite_dir):
    from jupyterlite_pyodide_kernel import constants

    config = json.loads((lite_dir / "jupyter-lite.json").read_text())["jupyter-config-data"]
    settings = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert settings["pyodideUrl"] == f"https://cdn.jsdelivr.net/pyodide/v{constants.PYODIDE_VERSION}/full/pyodide.mjs"
    assert not (lite_dir / "static" / "pyodide").exists(), "Pyodide was copied into the site"
    index = lite_dir / "pypi" / "all.json"
    ours = f"./pypi/all.json?sha256={hashlib.sha256(index.read_bytes()).hexdigest()}"
    assert settings["pipliteUrls"][0] == ours, settings["pipliteUrls"]
    extensions = {e["name"] for e in config["federated_extensions"]}
    assert extensions == set(lite.FEDERATED_EXTENSIONS), extensions
    assert (lite_dir / "lab" / "index.html").is_file()


def test_the_lite_site_fits_its_budget(lite_dir):
    size = sum(p.stat().st_size for p in lite_dir.rglob("*") if p.is_file())
    assert size < LITE_BUDGET_MB * 1e6, f"the JupyterLite copy is {size / 1e6:.1f} MB (budget {LITE_BUDGET_MB} MB)"


def test_each_chapter_page_launches_its_lite_copy(site_dir, lite_dir):
    for path in lite.chapters():
        page = site_dir / "notebooks" / f"{path.stem}.html"
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        href = f"../lite/lab/index.html?path={path.name}"
        buttons = [a for a in soup.select("a.btn[href]") if a["href"] == href]
        assert buttons, f"{page.name}: no launch button to {href}"
        note = soup.select_one("div.rm-lite-note")
        assert note is not None and note.select_one(f'a[href="{href}"]') is not None
        text = note.get_text(" ")
        assert "CDN" in text and "needs the internet" in text
        sections = lite.encoder_sections(nbformat.read(path, as_version=4))
        for section in sections:
            assert section.replace("$", "").replace("`", "") in text, f"{page.name}: '{section}' not named"
        target = (page.parent / href.split("?")[0]).resolve()
        assert target == (lite_dir / "lab" / "index.html").resolve() and target.is_file()
        assert (lite_dir / "files" / path.name).is_file()
