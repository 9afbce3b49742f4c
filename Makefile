# manualkit — two commands do everything on a fresh Debian machine:
#   make        set up (.venv, pinned Python deps, Debian packages), then build HTML, PDF, DOCX
#   make test   lint, type-check and run the whole test suite (browser and LibreOffice included)
# The Makefile stays thin: every target is one `manualkit` subcommand.

SHELL := /bin/bash
PYTHON ?= python3
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

# Debian packages (fonts, graphviz, chromium, libreoffice, poppler): re-checked when the list changes.
$(SYSTEM_STAMP): tools/scripts/ensure-system-packages.sh | $(STAMP)
	bash tools/scripts/ensure-system-packages.sh
	touch $@

$(STAMP): pyproject.toml constraints.txt
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
