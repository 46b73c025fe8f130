"""Copy the site's front-end files from node_modules into tools/mathjax/site-static/.

The site must work with no internet access, so every script, style and font a
page loads is served from _build/html itself. They come from the npm registry,
pinned in tools/mathjax/package-lock.json (`npm ci --prefix tools/mathjax`,
which `make book` runs), and this script copies only what a page needs:

    vendor/mathjax/         MathJax 3 (mathjax-full's es5 component tex-mml-chtml.js,
                            its CHTML fonts, the TeX extensions it loads on demand,
                            and the accessibility components its menu can load)
    vendor/require.js       RequireJS, which the widget manager needs
    vendor/jupyter-widgets/ the ipywidgets HTML manager (embed-amd.js and its fonts),
                            which renders the widget state stored in the notebooks, and
                            setup.js (written here: see WIDGETS_SETUP_JS)

`_config.yml` lists tools/mathjax/site-static in `html_static_path`, so Sphinx copies
it into _build/html/_static/, and points `mathjax_path` and `nb_ipywidgets_js` there.

Usage: python tools/mathjax/site_assets.py [destination]   (default: tools/mathjax/site-static)
Exit status 1, with the reason, when node_modules is missing or holds other versions.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODULES = HERE / "node_modules"
DESTINATION = HERE / "site-static"

# (package, path inside the package, path under vendor/); directories are copied whole.
FILES = [
    ("mathjax-full", "es5/tex-mml-chtml.js", "mathjax/tex-mml-chtml.js"),
    ("mathjax-full", "es5/output/chtml/fonts/woff-v2", "mathjax/output/chtml/fonts/woff-v2"),
    ("mathjax-full", "es5/input/tex/extensions", "mathjax/input/tex/extensions"),
    ("mathjax-full", "es5/a11y", "mathjax/a11y"),
    ("mathjax-full", "es5/sre", "mathjax/sre"),
    ("mathjax-full", "es5/ui", "mathjax/ui"),
    ("requirejs", "require.js", "require.js"),
    ("@jupyter-widgets/html-manager", "dist/embed-amd.js", "jupyter-widgets/embed-amd.js"),
]
FONT_SUFFIXES = {".woff2", ".woff", ".ttf", ".eot", ".svg"}
# Loaded between require.js and embed-amd.js (nb_ipywidgets_js in _config.yml), it fixes two
# things the HTML manager gets wrong on this site (both seen in the browser test):
# 1. embed-amd.js loads the Font Awesome fonts of its CSS from the directory of its RequireJS
#    module URL, by default relative to the page (notebooks/@jupyter-widgets/html-manager/dist/,
#    which does not exist): map that module path to this directory.
# 2. @jupyter-widgets/base typesets widget labels with the MathJax 2 call
#    MathJax.Hub.Queue(["Typeset", MathJax.Hub, node]); the site runs MathJax 3, which has no
#    Hub, so every slider threw "Cannot read properties of undefined (reading 'Queue')".
#    Translate the call to MathJax 3's typesetPromise once MathJax has loaded.
WIDGETS_SETUP_JS = """\
(function () {
  var here = new URL("./", document.currentScript.src).href;
  window.__jupyter_widgets_assets_path__ = here;
  window.requirejs.config({paths: {"@jupyter-widgets/html-manager/dist": here.replace(/\\/$/, "")}});
  document.addEventListener("DOMContentLoaded", function () {
    var mathjax = window.MathJax;
    if (!mathjax || mathjax.Hub || !mathjax.typesetPromise) return;
    mathjax.Hub = {
      Queue: function () {
        Array.prototype.forEach.call(arguments, function (job) {
          if (Array.isArray(job) && job[0] === "Typeset" && job[2]) {
            mathjax.startup.promise = mathjax.startup.promise.then(function () {
              return mathjax.typesetPromise([job[2]]);
            });
          }
        });
      },
    };
  });
})();
"""


def pinned_versions() -> dict[str, str]:
    return json.loads((HERE / "package.json").read_text(encoding="utf-8"))["dependencies"]


def problems_with_node_modules() -> list[str]:
    """Why node_modules cannot be used (empty list when it can)."""
    if not MODULES.is_dir():
        return [
            f"{MODULES} is missing: the site's MathJax, require.js and widget manager come from "
            "the npm registry; install Node.js and npm (Debian: apt-get install nodejs npm), "
            "then run `npm ci --prefix tools/mathjax` (make book does)"
        ]
    found = []
    for package, version in pinned_versions().items():
        manifest = MODULES / package / "package.json"
        if not manifest.exists():
            found.append(f"{package} is not installed: run `npm ci --prefix tools/mathjax`")
            continue
        installed = json.loads(manifest.read_text(encoding="utf-8"))["version"]
        if installed != version:
            found.append(
                f"{package} {installed} is installed but package.json pins {version}: "
                "run `npm ci --prefix tools/mathjax`"
            )
    return found


def _stamp() -> str:
    """What the copy depends on: the installed lock file, this script and the file list."""
    lock = MODULES / ".package-lock.json"
    parts = [lock.read_text(encoding="utf-8") if lock.exists() else "", Path(__file__).read_text(encoding="utf-8")]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def copy_assets(destination: Path = DESTINATION) -> list[Path]:
    """Copy the vendor files into destination/vendor; return the files there.

    Nothing is copied when destination/.stamp says the copy is already up to date
    (Sphinx does not copy dot files into the site).
    """
    problems = problems_with_node_modules()
    if problems:
        raise RuntimeError("\n".join(problems))
    vendor = destination / "vendor"
    stamp = destination / ".stamp"
    if vendor.is_dir() and stamp.exists() and stamp.read_text(encoding="utf-8") == _stamp():
        return sorted(p for p in vendor.rglob("*") if p.is_file())
    if vendor.exists():
        shutil.rmtree(vendor)
    for package, source, target in FILES:
        origin = MODULES / package / source
        goal = vendor / target
        goal.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, goal)
        else:
            shutil.copy2(origin, goal)
    dist = MODULES / "@jupyter-widgets/html-manager/dist"
    for font in sorted(dist.iterdir()):
        if font.suffix in FONT_SUFFIXES:
            shutil.copy2(font, vendor / "jupyter-widgets" / font.name)
    (vendor / "jupyter-widgets" / "setup.js").write_text(WIDGETS_SETUP_JS, encoding="utf-8")
    stamp.write_text(_stamp(), encoding="utf-8")
    return sorted(p for p in vendor.rglob("*") if p.is_file())


def main(argv: list[str]) -> int:
    destination = Path(argv[1]) if len(argv) > 1 else DESTINATION
    try:
        written = copy_assets(destination)
    except RuntimeError as error:
        print(f"site_assets: {error}", file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for p in written) / 2**20
    versions = ", ".join(f"{name} {version}" for name, version in pinned_versions().items())
    print(f"site_assets: {len(written)} files ({size:.1f} MB) of {versions} in {destination}/vendor")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
