# settlebot: `make run` runs the main job, `make test` runs the tests; each sets itself up.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run run-stripe test lint typecheck browser bench bench-quick clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

# Debian's Chromium and its driver for the browser tests, and CJK fonts so that the zh-CN
# screenshots show Chinese rather than empty boxes (a fresh machine lacks all three).
BROWSER_PACKAGES := chromium chromium-driver fonts-noto-cjk
browser:
	@if ! dpkg -s $(BROWSER_PACKAGES) >/dev/null 2>&1; then \
	  echo "installing $(BROWSER_PACKAGES) (apt-get)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null; \
	fi

run: $(STAMP)
	@$(VENV)/bin/python -m bot.quickstart

run-stripe: $(STAMP)
	@$(VENV)/bin/python -m bot.quickstart --billing stripe

test: $(STAMP) browser
	@$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	@$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	@$(VENV)/bin/mypy

# Benchmarks of the real app (real HTTP server, SQLite and PostgreSQL, fake Slack on loopback):
# tables in bench/RESULTS.md, figures in bench/results.json. PostgreSQL: BENCH_POSTGRES_URL
# (default postgresql+psycopg://postgres@127.0.0.1:5432/test; skipped when unreachable).
bench: $(STAMP)
	@$(PY) -m bench

# The same code at smaller sizes (under 2 minutes); results go to a temporary directory.
bench-quick: $(STAMP)
	@$(PY) -m bench --quick

clean:
	rm -rf $(VENV) settlebot.db* settlebot.delivery.lock sandbox.db* sandbox.delivery.lock sandbox.log artifacts .pytest_cache
