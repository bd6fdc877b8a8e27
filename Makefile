# Tasuki: the two commands are `make run` and `make test`; the rest are helpers.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint format messages check-messages bench system-deps demo open-period clean

# The stamps make a second `make run` skip installing when pyproject.toml has not changed.
$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py createcachetable
	$(PY) manage.py load_demo
	$(PY) manage.py reindex_entries --missing
	$(PY) manage.py collectstatic --no-input -v 0
	@echo ""
	@echo "  Tasuki is starting: open http://$(HOST):$(PORT)/ in your browser (Ctrl-C stops it)."
	@echo ""
	@SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} $(PY) manage.py demo_staff --no-qr | sed 's/^/  /'
	@echo ""
	HOST=$(HOST) PORT=$(PORT) SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} \
	  $(BIN)/honcho start --no-prefix -f Procfile

# What the suite needs outside Python: Chromium for the browser tests, gettext
# for the catalogue check, Japanese fonts for screenshots and the typography
# test, Redis for the test of the production cache (.ci/run
# starts it; a test that finds it down fails with the command to start it).
# Installed when we may (root with apt), else we say how.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || [ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	fc-list 2>/dev/null | grep -q "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing$$missing with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "The test suite needs:$$missing. Install with: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

# ruff; the import direction (import-linter contracts in pyproject.toml); bandit
# over the application code (its configuration and justified skips are there too).
lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/lint-imports --no-cache
	$(BIN)/bandit -c pyproject.toml -r src -q

format: $(VENV)/.installed-test
	$(BIN)/ruff format src tests bench scripts
	$(BIN)/ruff check --fix src tests bench scripts

messages: $(VENV)/.installed-test
	$(PY) scripts/messages.py update

check-messages: $(VENV)/.installed-test
	$(PY) scripts/messages.py check

test: $(VENV)/.installed-test system-deps lint check-messages
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	$(PY) bench/photo_renditions.py
	$(PY) bench/submit_load.py

demo: $(VENV)/.installed-run
	$(PY) manage.py load_demo

open-period: $(VENV)/.installed-run
	$(PY) manage.py open_demo_period

clean:
	rm -rf $(VENV) var
