# The two commands of the README: `make run` (set up, run the demo on the embedded default)
# and `make test` (set up, lint, run the whole test suite). Everything is installed from
# PyPI (and Debian's packages, once a capability needs them) by these targets.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup native run test lint bench bench-quick presidio-env clean

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/setup-system.sh
	bash scripts/setup-system.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/python scripts/build_native.py || echo "note: the detector's compiled modules were not built; its sources run (slower)"
	touch $@

# after editing a compiled module (src/piwarden/forensics/anomalies, piwarden.native): its sources run until rebuilt
native: setup
	$(BIN)/python scripts/build_native.py

run: setup
	$(BIN)/piwarden demo
	$(BIN)/piwarden vault demo
	$(BIN)/piwarden evidence demo

lint: setup
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q -n 2 --dist loadfile

presidio-env:
	bash benchmarks/presidio_env.sh

bench: setup presidio-env
	$(BIN)/python benchmarks/detect_vs_presidio.py

bench-quick: setup presidio-env
	$(BIN)/python benchmarks/detect_vs_presidio.py --quick

clean:
	rm -rf $(VENV) .venv-presidio .pytest_cache .ruff_cache build/native
	rm -f src/piwarden_native__mypyc*.so src/piwarden/forensics/anomalies/*.so src/piwarden/forensics/anomalies/native.json
