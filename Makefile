# The README's two commands:  make run  (install, then check and report the shipped ledger)
#                             make test (install with test extras, then the whole test suite)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
LEDGER ?= main.beancount

.PHONY: run test lint check bench clean chromium bytecode

run: $(VENV)/.installed bytecode
	$(BIN)/aipo-budget check $(LEDGER)
	$(BIN)/aipo-budget report $(LEDGER) --table fund-statement --table budget

check: run

# Without root or apt-get, chromium is not installed and pytest's summary ends with
# "SKIPPED ... tests/test_browser.py ...: run `sudo bash scripts/install-chromium.sh` ...";
# with CI=true that is a failure instead.
# The tests run on every core (pytest-xdist, each worker taking the next test it is free for);
# `.venv/bin/python -m pytest tests/test_x.py` runs some in this one process.
test: $(VENV)/.installed-test chromium bytecode
	$(BIN)/ruff check aipo_budget tests
	$(BIN)/python -m pytest -n auto --dist worksteal

# Pyflakes and McCabe complexity <= 10 (settings in pyproject.toml)
lint: $(VENV)/.installed-test
	$(BIN)/ruff check aipo_budget tests

# tests/test_browser.py needs Debian's chromium (apt-get, as root; nothing to do when installed)
chromium:
	bash scripts/install-chromium.sh

# the version is read from aipo_budget/__init__.py: reinstall when it changes
$(VENV)/.installed: pyproject.toml aipo_budget/__init__.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

# The performance benchmark (not part of the tests): profiles standard and cofunded, sizes 50k-200k, 5 rounds (about an hour), see benchmarks/README.md
bench: $(VENV)/.installed bytecode
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/signatures.py

# An editable install leaves the tool's modules uncompiled, as pip does not for an ordinary one:
# Python compiles them on each start when it may not write __pycache__ (PYTHONDONTWRITEBYTECODE,
# as on these machines), about 100 ms a run, tests' subprocesses included. Up-to-date files are
# skipped.
bytecode: $(VENV)/.installed
	$(BIN)/python -m compileall -q aipo_budget

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
