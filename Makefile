# manualkit — two commands do everything on a fresh Debian machine:
#   make        set up (.venv, pinned Python deps, Debian packages), then build HTML, PDF, DOCX
#   make test   lint, type-check and run the whole test suite (browser and LibreOffice included)
# The Makefile stays thin: every target is one `manualkit` subcommand.

SHELL := /bin/bash
# The interpreter of .venv: the system's own python3 when it is 3.11 or newer, else the first
# python3 on PATH.  Debian builds its CPython with profile-guided and link-time optimisation; an
# interpreter compiled without them (pyenv's default build, first on PATH on some machines) ran
# every build 7-9 % slower (`manualkit build docx`, runs of the two interleaved: real manual
# 1.07 -> 0.98 s, 10x manual 3.94 -> 3.58 s).  PYTHON=... overrides the choice; an existing
# .venv keeps its interpreter.
SYSTEM_PYTHON := /usr/bin/python3
PYTHON ?= $(shell $(SYSTEM_PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& echo $(SYSTEM_PYTHON) || echo python3)
VENV := .venv
BIN := $(VENV)/bin
MANUALKIT := $(BIN)/manualkit
STAMP := $(VENV)/.installed
SYSTEM_STAMP := $(VENV)/.system-packages
export SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)

.PHONY: all setup system html pdf docx check lint test bench serve release redline clean distclean

# One check and one shared Sphinx read for the three outputs.
all: setup
	$(MANUALKIT) build all

setup: $(STAMP) $(SYSTEM_STAMP)

# Debian packages (python3-venv, fonts, graphviz, chromium, libreoffice, poppler): re-checked when
# the list changes.  First: the venv needs python3-venv.
$(SYSTEM_STAMP): tools/scripts/ensure-system-packages.sh
	bash tools/scripts/ensure-system-packages.sh
	mkdir -p $(VENV)
	touch $@

$(STAMP): pyproject.toml constraints.txt | $(SYSTEM_STAMP)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $@

system: $(SYSTEM_STAMP)

html: setup
	$(MANUALKIT) build html

pdf: setup
	$(MANUALKIT) build pdf

docx: setup
	$(MANUALKIT) build docx

check: setup
	$(MANUALKIT) check

lint: setup
	$(BIN)/ruff check tools tests
	$(BIN)/ruff format --check tools tests
	$(BIN)/mypy
	$(MANUALKIT) check --select MK6
	@if command -v vale >/dev/null 2>&1; then vale manual; else echo "vale not on PATH: house style checked by manualkit (MK6xx) only"; fi

test: setup
	$(BIN)/ruff check tools tests
	$(BIN)/ruff format --check tools tests
	$(BIN)/mypy
	$(BIN)/python -m pytest

# The bench's reference pipelines need sphinx-simplepdf (tools/bench-requirements.txt): installed
# here only, within the same constraints, so `make` and `make test` never depend on it.
bench: setup
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -r tools/bench-requirements.txt
	$(BIN)/python -m manualkit.bench

serve: setup
	$(MANUALKIT) serve

release: setup
	@test -n "$(VERSION)" || { echo "usage: make release VERSION=X.Y" >&2; exit 2; }
	$(MANUALKIT) release $(VERSION)

redline: setup
	@test -n "$(FROM)" -a -n "$(TO)" || { echo "usage: make redline FROM=1.0 TO=1.1" >&2; exit 2; }
	$(MANUALKIT) redline $(FROM) $(TO)

clean:
	find build -mindepth 1 -maxdepth 1 ! -name .gitkeep -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
