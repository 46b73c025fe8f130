# The Mathematics of RAG: two commands on a fresh machine (python3 >= 3.11 and make).
#   make book   install into .venv and build the site into _build/html
#   make test   install, build the site, run every test
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HTML := _build/html
MATHJAX := tools/mathjax
PYTEST_FLAGS ?= -n 2 --dist loadscope

.PHONY: help install book test lab notebooks equation-index clean mathjax-tool serve

help:
	@echo "make book       install (.venv) and build the site into $(HTML)"
	@echo "make test       install, build the site, run every test"
	@echo "make notebooks  regenerate notebooks/*.ipynb from book/*.md (execute, store outputs)"
	@echo "make equation-index  regenerate book/equation-index.md (equations, functions, tests)"
	@echo "make lab        open the notebooks in JupyterLab"
	@echo "make clean      remove the build, the virtual environment and caches"

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=python3.x")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . --builder html -W -n --keep-going
	@echo
	@echo "The book is at $(CURDIR)/$(HTML)/index.html"

notebooks: $(STAMP)
	$(BIN)/python tools/build_notebooks.py
	$(BIN)/python tools/equation_index.py

equation-index: $(STAMP)
	$(BIN)/python tools/equation_index.py

# MathJax 3 from the npm registry, run by Node, renders every formula of the
# built site (tests/test_site.py). Without npm the check is skipped and says so.
mathjax-tool:
	@if command -v npm >/dev/null 2>&1; then \
		test -d $(MATHJAX)/node_modules/mathjax-full || npm ci --silent --prefix $(MATHJAX); \
	else \
		echo "npm not found: the MathJax check of the site will be skipped"; \
	fi

test: book mathjax-tool
	RAGMATH_SITE_REQUIRED=1 $(BIN)/python -m pytest $(PYTEST_FLAGS) \
		--nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
		tests notebooks

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks

clean:
	rm -rf _build $(VENV) $(MATHJAX)/node_modules .pytest_cache .hypothesis ragmath.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
