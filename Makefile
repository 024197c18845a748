# shuyu — the two commands of the README: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SHUYU := $(VENV)/bin/shuyu
export SHUYU_DATA_DIR ?= $(CURDIR)/var
# PostgreSQL runs only where SHUYU_DATABASE_URL says so (.ci/run sets it); the default is SQLite.

.PHONY: demo test install system-deps lint serve seed clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

# Debian packages the tests need: Chromium (page tests), CJK fonts (or screenshots show boxes),
# bubblewrap (the sandbox jail), Debian's python3.11 (the jail's interpreter: the venv's may sit under an
# unreadable home). Installed only when missing, and only when we are root.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing="$$missing fonts-noto-cjk"; \
	command -v bwrap >/dev/null || missing="$$missing bubblewrap"; \
	[ -x /usr/bin/python3.11 ] || missing="$$missing python3.11"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing Debian packages (run as root or install them):$$missing"; fi; \
	fi

demo: install
	$(SHUYU) migrate
	$(SHUYU) demo seed
	@echo ""
	@echo "  数域 shuyu 演示 / demo:  http://127.0.0.1:8000/   (API: http://127.0.0.1:8000/api/docs)"
	@$(SHUYU) demo accounts
	@# The sandbox worker runs jobs in the jail, never in the web process; it stops with the server.
	$(SHUYU) worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(SHUYU) serve --host 127.0.0.1 --port 8000

test: install system-deps
	$(VENV)/bin/ruff check src tests conftest.py bench
	$(VENV)/bin/ruff format --check src tests conftest.py bench
	@$(VENV)/bin/lint-imports --no-cache > var-lint-imports.log 2>&1 || { cat var-lint-imports.log; exit 1; }; rm -f var-lint-imports.log
	$(PY) -m django makemigrations --check --dry-run --settings=shuyu.settings >/dev/null
	$(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check --fix src tests conftest.py bench
	$(VENV)/bin/ruff format src tests conftest.py bench

clean:
	rm -rf $(VENV) var test-artifacts
