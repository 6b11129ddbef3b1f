# The two commands a person needs are `make run` and `make test`; everything else here serves them.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# The stamp changes whenever pyproject.toml does, so an edited dependency list reinstalls.
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
# The commercial profile's beat network; --no-deps: see pyproject.toml's rhythm extra.
BEATNET := BeatNet==1.1.3
SONG ?=
OUT ?= output
EXAMPLE := $(OUT)/example/example-song.mp3
PYTEST_ARGS ?=
PORT ?= 8765
NPM := npm --prefix frontend
# The frontend's packages reinstall whenever its lock file changes.
FRONTEND_STAMP := frontend/node_modules/.installed-$(shell sha1sum frontend/package-lock.json | cut -c1-12)

.PHONY: run test test-fast lint schema system-deps install frontend frontend-deps bench-anchors clean

## run: install if needed, analyse SONG (or a generated example song), build the help index,
## then serve the Living Chart (Ctrl-C stops it)
run: install system-deps frontend
	@set -e; if [ -z "$(SONG)" ]; then \
		dir="$(OUT)/example"; \
		$(BIN)/performia example $(EXAMPLE); \
		$(BIN)/performia analyze $(EXAMPLE) --out "$$dir"; \
	else \
		dir="$(OUT)/$$(basename "$(SONG)" | sed 's/\.[^.]*$$//')"; \
		$(BIN)/performia analyze "$(SONG)" --out "$$dir"; \
	fi; \
	$(BIN)/performia kb ingest; \
	$(BIN)/performia view "$$dir" --port $(PORT)

## test: install what the tests need and run the whole suite (lint, frontend, pytest, browser)
test: install system-deps frontend
	$(BIN)/ruff check common tests functions
	$(BIN)/ruff format --check common tests functions
	$(BIN)/mypy
	$(NPM) run typecheck
	$(NPM) run lint
	$(NPM) run types:check
	$(NPM) test
	@set +e; $(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing on purpose"; exit 1; fi; \
	exit $$rc
	$(BIN)/performia kb ingest
	$(NPM) run e2e

## frontend: install the frontend's packages if needed and build it into frontend/dist
frontend: frontend-deps
	$(NPM) run build

frontend-deps: $(FRONTEND_STAMP)

$(FRONTEND_STAMP): frontend/package-lock.json
	$(NPM) ci --no-audit --no-fund
	@touch $@

## test-fast: the unit tests only (seconds), for the edit-run loop
test-fast: install
	$(BIN)/python -m pytest -m "not slow and not emulator and not browser" -q

lint: install
	$(BIN)/ruff check common tests functions && $(BIN)/ruff format --check common tests functions
	$(BIN)/mypy

## schema: regenerate the committed Song Map JSON Schema after changing the models
schema: install
	$(BIN)/performia schema --write

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps $(BEATNET)
	@rm -f $(VENV)/.installed-* && touch $@

## bench-anchors: the real-recordings benchmark's optional anchors: Chordino (the vamp host,
## which builds against numpy, and chord-extractor's compiled plugin) and MSAF in an environment
## of its own (it needs librosa 0.8 and numpy < 1.24)
bench-anchors: install
	$(BIN)/python -m pip install --quiet --no-build-isolation vamp==1.1.0
	$(BIN)/python -m pip install --quiet --no-deps chord-extractor==0.1.3
	@test -x .venv-msaf/bin/python || $(PYTHON) -m venv .venv-msaf
	.venv-msaf/bin/python -m pip install --quiet -r common/performia/bench/msaf-requirements.txt
	.venv-msaf/bin/python -m pip install --quiet --no-deps msaf==0.1.80 vmo==0.30.5 cvxopt==1.3.3

## system-deps: Debian packages: espeak-ng speaks the test lyrics, chromium runs the browser tests
system-deps:
	@missing=""; \
	command -v espeak-ng >/dev/null || missing="$$missing espeak-ng"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing (Debian packages)"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

clean:
	rm -rf $(VENV) .venv-msaf $(OUT) .pytest_cache .ruff_cache frontend/node_modules frontend/dist
