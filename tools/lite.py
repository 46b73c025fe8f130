""""Run in your browser": a JupyterLite copy of the chapters, served by the book's own site.

``make lite`` (part of ``make book``) writes ``_build/html/lite/``: JupyterLite's lab with the
Pyodide kernel, the ten chapter notebooks, and a local package index holding the ``ragmath``
wheel (built here from this checkout, pure Python) and the pure-Python wheels of ipywidgets that
Pyodide does not ship (fetched at install time into ``.venv/lite-wheels`` from
``tools/lite/wheels.txt``). Each chapter page's launch button (tools/sphinx_launch.py) opens its
copy at ``lite/lab/index.html?path=NN-name.ipynb``.

Nothing is downloaded here. Pyodide itself (Python 3.14 in WebAssembly) and the packages it
ships (numpy, scipy, matplotlib, pandas) are loaded from Pyodide's CDN by the reader's browser
when the kernel starts: this path needs the internet; the rest of the site does not. The
versions that release ships are recorded in requirements-pyodide.txt (``make test-pyodide``
runs ragmath's unit tests against them).

The Lite copies differ from notebooks/ in three ways (the committed notebooks are unchanged):

- the first cell installs ``ragmath`` from the bundled wheel (``%pip install``, which the
  Pyodide kernel hands to piplite) instead of the install cell of tools/install_cell.py;
- outputs and stored widget state are removed (the site shows them; a reader runs the copy),
  and the kernel is the Pyodide kernel (``python``);
- a cell that loads the real encoder (``load_minilm(``: tokenizers, safetensors and 91 MB of
  weights, none of which runs in the browser) starts with a comment saying so; run there,
  ``load_minilm`` stops with a message saying why and what to do (ragmath/encoder.py).

    python tools/lite.py          # build _build/html/lite (about 10 s)
    python tools/lite.py --check  # list what the build would contain, build nothing
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import install_cell  # noqa: E402  (tools/install_cell.py: the committed first cell)

NOTEBOOKS = ROOT / "notebooks"
LITE_DIR = ROOT / "_build" / "lite"  # the JupyterLite project (generated: config, files, wheels)
OUTPUT = ROOT / "_build" / "html" / "lite"  # the Lite site, inside the book's site
CONFIG_DIR = ROOT / "tools" / "lite"  # committed: wheels.txt, jupyter-lite.json
LITE_WHEELS = ROOT / ".venv" / "lite-wheels"  # ipywidgets & co., fetched by make install
LABEXTENSIONS = Path(sys.prefix) / "share" / "jupyter" / "labextensions"
# the only front-end extensions the Lite site carries: the kernel and the widget manager
FEDERATED_EXTENSIONS = ("@jupyterlite/pyodide-kernel-extension", "@jupyter-widgets/jupyterlab-manager")
KERNEL_NAME = "python"  # the Pyodide kernel's name in JupyterLite
KERNELSPEC = {"name": KERNEL_NAME, "display_name": "Python (Pyodide)", "language": "python"}
ENCODER_CALL = "load_minilm("
ENCODER_COMMENT = (
    "# In the browser this cell cannot run: it loads the real encoder (tokenizers, safetensors\n"
    "# and 91 MB of weights, none of which Pyodide has). Run the chapter locally or on Colab.\n"
)
LITE_MARKER = "# Run in your browser (JupyterLite): Python here is Pyodide,"


def lite_cell() -> str:
    """The first cell of every Lite copy: install ragmath from the wheel the site bundles."""
    return (
        f"{LITE_MARKER}\n"
        "# loaded with numpy, scipy, matplotlib and pandas from Pyodide's CDN (this\n"
        "# needs the internet). This cell installs ragmath and ipywidgets from the\n"
        "# wheels this site bundles; the real encoder (ragmath.encoder.load_minilm)\n"
        "# cannot run here: its cells stop with a message saying so.\n"
        "%pip install --quiet ragmath\n"
        "import ragmath\n"
        "print(f'ragmath {ragmath.__version__} in the browser')"
    )


def project_version() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return re.search(r'^version\s*=\s*"([^"]+)"', text, re.M).group(1)


def chapters() -> list[Path]:
    """The chapter notebooks, notebooks/NN-*.ipynb (one per book/NN-*.md)."""
    return [NOTEBOOKS / f"{source.stem}.ipynb" for source in install_cell.chapters()]


def encoder_sections(notebook: nbformat.NotebookNode) -> list[str]:
    """The headings of the sections whose code cells load the real encoder, in order."""
    sections: list[str] = []
    heading = ""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                match = re.match(r"#{1,4}\s+(.*)", line)
                if match:
                    heading = match.group(1).strip()
        elif cell.cell_type == "code" and ENCODER_CALL in cell.source and heading not in sections:
            sections.append(heading)
    return sections


def lite_notebook(path: Path) -> nbformat.NotebookNode:
    """The browser copy of a chapter notebook (see the module docstring)."""
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    if not code or not code[0].source.startswith(install_cell.MARKER):
        raise ValueError(f"{path.name}: the first code cell is not the install cell of tools/install_cell.py")
    code[0].source = lite_cell()
    for cell in code:
        cell.outputs = []
        cell.execution_count = None
        if ENCODER_CALL in cell.source:
            cell.source = ENCODER_COMMENT + cell.source
    notebook.metadata.pop("widgets", None)
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata.setdefault("ragmath", {})["lite"] = True
    return notebook


def build_ragmath_wheel(dest: Path) -> Path:
    """``pip wheel --no-deps --no-build-isolation`` of a clean copy of the package (no network)."""
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("ragmath-*.whl"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="ragmath-wheel-") as tmp:
        source = Path(tmp) / "src"
        source.mkdir()
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            shutil.copy2(ROOT / name, source / name)
        shutil.copytree(ROOT / "ragmath", source / "ragmath",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        # no index (nothing to download); fixed timestamps in the zip (2026-01-01)
        env = dict(os.environ, PIP_NO_INDEX="1")
        env.setdefault("SOURCE_DATE_EPOCH", "1767225600")
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                        "--wheel-dir", str(dest), str(source)], check=True, env=env)
    [wheel] = dest.glob("ragmath-*.whl")
    if not wheel.name.endswith("-py3-none-any.whl"):
        raise RuntimeError(f"{wheel.name} is not a pure-Python wheel: Pyodide could not install it")
    return wheel


def pinned_wheels() -> dict[str, str]:
    """name -> version of tools/lite/wheels.txt (the wheels fetched by make install)."""
    pins = {}
    for line in (CONFIG_DIR / "wheels.txt").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line)
        if match:
            pins[re.sub(r"[-_.]+", "_", match.group(1)).lower()] = match.group(2)
    return pins


def bundled_wheels() -> list[Path]:
    """The pinned ipywidgets wheels of .venv/lite-wheels; a clear error when one is missing."""
    found = []
    for name, version in pinned_wheels().items():
        matches = sorted(LITE_WHEELS.glob(f"{name}-{version}-*none-any.whl"), key=lambda p: p.name)
        if not matches:
            raise FileNotFoundError(
                f"{LITE_WHEELS}/{name}-{version}-*.whl is missing: `make install` fetches the wheels of "
                "tools/lite/wheels.txt (rm .venv/.installed-lite to fetch them again)")
        found.append(matches[0])
    return found


def lite_config(extensions: list[Path]) -> dict:
    return {
        "LiteBuildConfig": {
            "apps": ["lab"],
            "contents": ["files"],
            "ignore_sys_prefix": True,  # not every labextension of .venv: only these two
            "federated_extensions": [str(p) for p in extensions],
            "no_sourcemaps": True,
            "no_unused_shared_packages": True,
            "output_dir": str(OUTPUT),
        },
    }


def prepare() -> dict:
    """Write the JupyterLite project into _build/lite; what it holds."""
    extensions = [LABEXTENSIONS / name for name in FEDERATED_EXTENSIONS]
    for extension in extensions:
        if not (extension / "package.json").is_file():
            raise FileNotFoundError(f"{extension} is missing: make install (requirements.txt) installs it")
    if LITE_DIR.exists():
        shutil.rmtree(LITE_DIR)
    (LITE_DIR / "files").mkdir(parents=True)
    wheel = build_ragmath_wheel(LITE_DIR / "pypi")
    others = bundled_wheels()
    for other in others:
        shutil.copy2(other, LITE_DIR / "pypi" / other.name)
    notebooks = []
    for path in chapters():
        nbformat.write(lite_notebook(path), LITE_DIR / "files" / path.name)
        notebooks.append(path.name)
    (LITE_DIR / "jupyter_lite_config.json").write_text(json.dumps(lite_config(extensions), indent=2) + "\n")
    shutil.copy2(CONFIG_DIR / "jupyter-lite.json", LITE_DIR / "jupyter-lite.json")
    return {"wheels": [wheel.name, *(p.name for p in others)], "notebooks": notebooks}


def build() -> None:
    started = time.monotonic()
    contents = prepare()
    if OUTPUT.exists():
        shutil.rmtree(OUTPUT)
    # Pyodide is not fetched at build time: no pyodide_url (and none from the environment)
    env = {k: v for k, v in os.environ.items() if k != "JUPYTERLITE_PYODIDE_URL"}
    jupyter = Path(sys.executable).parent / "jupyter"
    result = subprocess.run([str(jupyter), "lite", "build", "--lite-dir", str(LITE_DIR)],
                            cwd=LITE_DIR, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"jupyter lite build failed (exit {result.returncode})")
    size = sum(p.stat().st_size for p in OUTPUT.rglob("*") if p.is_file())
    print(f"JupyterLite: {len(contents['notebooks'])} notebooks, wheels {', '.join(contents['wheels'])}; "
          f"{OUTPUT.relative_to(ROOT)} {size / 1e6:.1f} MB in {time.monotonic() - started:.1f} s")


def main(argv: list[str]) -> int:
    if "--check" in argv:
        for path in chapters():
            sections = encoder_sections(nbformat.read(path, as_version=4))
            print(f"{path.name}: the real encoder in {sections or 'no section'}")
        others = ", ".join(f"{name} {version}" for name, version in pinned_wheels().items())
        print(f"wheels: ragmath {project_version()}, {others}")
        return 0
    build()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
