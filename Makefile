# The two commands of the quick start:
#   make demo   set everything up, archive a page (URL=...), explore it in Datasette
#   make test   set everything up, run the linters and the whole test suite
# Everything lives in .venv; the browser is Playwright's Chromium, or Debian's `chromium`
# where Playwright cannot download its own (see `archiver setup --help`).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYWB_VENV ?= .venv-pywb
URL ?= https://en.wikipedia.org/wiki/Web_archiving
PORT ?= 8001

.PHONY: setup browser demo test lint lint-js clean

setup: $(VENV)/.installed browser $(PYWB_VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# pywb, Webrecorder's wayback machine, in a venv of its own (its pins of werkzeug, redis and
# brotlipy do not mix with the archiver's): the tests replay an exported WACZ with it.
$(PYWB_VENV)/.installed:
	$(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/python -m pip install --quiet 'pywb==2.10.0'
	touch $@

# Playwright's own Chromium first; where that cannot be downloaded, Debian's package.
browser: $(VENV)/.installed
	@$(BIN)/archiver setup || { \
	  echo "Falling back to the system Chromium (apt-get install chromium) ..." >&2; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null && \
	  $(BIN)/archiver setup; }

demo: setup
	-$(BIN)/archiver save $(URL)
	$(BIN)/archiver serve --port $(PORT)

lint: $(VENV)/.installed lint-js
	$(BIN)/ruff check .
	$(BIN)/mypy archiver/

# The browser extension: ESLint, Mozilla's web-ext lint (MV3 manifest, permissions, code), and
# the unit tests of extension/lib/ under Node's own test runner (extension/test/).
lint-js:
	@command -v npm >/dev/null || { echo "The extension's lint needs Node.js 20+ and npm" \
	  "(https://nodejs.org/, or your system's nodejs and npm packages)." >&2; exit 1; }
	cd extension && npm ci --silent --no-audit --no-fund && npx eslint . && node tools/web-ext-lint.js
	cd extension && node --test test/

test: setup lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) $(PYWB_VENV) .pytest_cache .mypy_cache .ruff_cache
