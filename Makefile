# The two commands of the README: `make crawl` runs the crawl, `make test` runs every test.
# Each installs what it needs into .venv (and, for the tests, Debian's chromium and redis-server).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
ARGS ?=

.PHONY: crawl test demo bench quality lint system-deps clean

$(VENV)/.installed-base: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip 'setuptools>=77,<81'  # PEP 639 license
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-demo: pyproject.toml $(VENV)/.installed-base
	$(BIN)/python -m pip install --quiet -e '.[demo]'
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed-base
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

crawl: $(VENV)/.installed-base  ## crawl the default feed list (or ARGS='-a feeds=my.opml')
	$(BIN)/scrapy crawl feeds $(ARGS)

demo: $(VENV)/.installed-demo  ## a complete crawl of the simulated news web, offline
	$(BIN)/python -m simweb.demo

system-deps:
	scripts/install-system-deps.sh

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

test: system-deps $(VENV)/.installed-test lint  ## every test, with real servers on loopback
	$(BIN)/python -m pytest $(ARGS)

bench: system-deps $(VENV)/.installed-test  ## the performance benchmark (bench/README in README.md)
	$(BIN)/python -m bench.run $(ARGS)

quality: $(VENV)/.installed-test  ## extraction quality against ../shared/corpus/zyte and fundus
	$(BIN)/python -m bench.quality $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
