# The two commands a person needs are `make run` and `make test`; everything else here serves them.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# The stamp changes whenever pyproject.toml does, so an edited dependency list reinstalls.
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
SONG ?=
OUT ?= output
EXAMPLE := $(OUT)/example/example-song.mp3
PYTEST_ARGS ?=

.PHONY: run test test-fast lint schema system-deps install clean

## run: install if needed, analyse SONG (or a generated example song) and print its Song Map summary
run: install system-deps
	@if [ -z "$(SONG)" ]; then \
		$(BIN)/performia example $(EXAMPLE) && \
		$(BIN)/performia analyze $(EXAMPLE) --out $(OUT)/example; \
	else \
		$(BIN)/performia analyze "$(SONG)" --out "$(OUT)/$$(basename "$(SONG)" | sed 's/\.[^.]*$$//')"; \
	fi

## test: install what the tests need and run the whole suite (lint included)
test: install system-deps
	$(BIN)/ruff check common tests functions
	$(BIN)/ruff format --check common tests functions
	@set +e; $(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing on purpose"; exit 1; fi; \
	exit $$rc

## test-fast: the unit tests only (seconds), for the edit-run loop
test-fast: install
	$(BIN)/python -m pytest -m "not slow and not emulator and not browser" -q

lint: install
	$(BIN)/ruff check common tests functions && $(BIN)/ruff format --check common tests functions

## schema: regenerate the committed Song Map JSON Schema after changing the models
schema: install
	$(BIN)/performia schema --write

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

## system-deps: Debian packages the synthesised test audio needs (espeak-ng speaks the test lyrics)
system-deps:
	@command -v espeak-ng >/dev/null || { \
		echo "installing espeak-ng (Debian package)"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq espeak-ng >/dev/null; \
	}

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache
