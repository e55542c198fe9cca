# The README's words: `make run`, `make test`, `make lint`, `make bench`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

var:
	mkdir -p var

## make run: install, migrate, seed the demo and start web + worker + beat (Ctrl-C stops all)
run: $(STAMP) | var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

## make test: install what the suite needs and run all of it
test: $(STAMP) | var
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## make bench: fill a separate PostgreSQL database and measure key pages and jobs
bench: $(STAMP) | var
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

## make screenshots: refresh the README's screenshots under docs/ from the browser tests
screenshots: $(STAMP) | var
	SCREENSHOT_DIR=docs $(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

clean:
	rm -rf var $(VENV)
