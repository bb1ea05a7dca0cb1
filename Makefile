# The README's two commands:  make run  (install, then check and report the shipped ledger)
#                             make test (install with test extras, then the whole test suite)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
LEDGER ?= main.beancount

.PHONY: run test check bench clean chromium

run: $(VENV)/.installed
	$(BIN)/aipo-budget check $(LEDGER)
	$(BIN)/aipo-budget report $(LEDGER) --table fund-statement --table budget

check: run

test: $(VENV)/.installed-test chromium
	$(BIN)/python -m pytest

# tests/test_browser.py needs Debian's chromium (apt-get, as root; skipped when installed)
chromium:
	bash scripts/install-chromium.sh

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

# The performance benchmark (not part of the tests): sizes 25k-200k, see benchmarks/README.md
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
