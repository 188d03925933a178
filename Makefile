# Two commands for a fresh clone: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app shop

.PHONY: run test test-fast check bench soak dtds migrate seed clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## run: the demo: install, migrate, seed the demo shop if empty, serve it on
## http://127.0.0.1:5000 with the outbox worker beside it (Ctrl+C stops both)
# Demo only: order documents may go to the sandbox's inbox on 127.0.0.1
# (SHOP_OUTBOX_ALLOW_PRIVATE); production runs gunicorn and `flask outbox run` as services.
run: $(VENV)/.installed
	$(FLASK) db upgrade
	$(PY) seed_catalog.py
	export SHOP_OUTBOX_ALLOW_PRIVATE="$${SHOP_OUTBOX_ALLOW_PRIVATE:-1}"; \
	$(FLASK) outbox run & outbox=$$!; \
	trap 'kill $$outbox 2>/dev/null' EXIT; \
	$(VENV)/bin/gunicorn -c gunicorn.conf.py 'shop:create_app()'

# axe-core for the browser journeys' accessibility check, from tests/browser/package-lock.json;
# installed only where the journeys can run (Chromium, or SHOP_CHROMIUM, and npm present).
BROWSER_JS := tests/browser/node_modules/.installed
CHROMIUM := $(or $(SHOP_CHROMIUM),/usr/bin/chromium)
BROWSER_DEPS := $(if $(wildcard $(CHROMIUM)),$(if $(shell command -v npm 2>/dev/null),$(BROWSER_JS)))

$(BROWSER_JS): tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## test: the whole suite (browser journeys run when Chromium is installed)
test: $(VENV)/.dev-installed $(BROWSER_DEPS)
	$(PY) -m pytest $(PYTEST_ARGS)

## test-fast: everything except browser journeys and slow server tests
test-fast: $(VENV)/.dev-installed
	$(PY) -m pytest -m "not browser and not slow" $(PYTEST_ARGS)

# Strictly typed: the pure protocol layers and the security building blocks.
MYPY_PATHS := shop/cxml shop/oci shop/secrets_store.py shop/redaction.py shop/text_guard.py \
	shop/logging_setup.py shop/body_limit.py shop/ratelimit/limiter.py shop/ratelimit/stores.py

## check: lint, type check of the protocol layers, dependency audit, fast tests
check: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy $(MYPY_PATHS)
	@# --strict: a dependency the vulnerability service cannot look up fails the audit
	@# instead of passing silently.
	@$(VENV)/bin/pip-audit --progress-spinner off --strict -r requirements.txt || { \
	  echo "make check: the dependency audit failed. Either a dependency above has a known" >&2; \
	  echo "vulnerability (upgrade it in requirements.txt), or the audit could not reach the" >&2; \
	  echo "PyPI vulnerability service (https://pypi.org/pypi/<name>/<version>/json): lines" >&2; \
	  echo "saying 'Dependency not found on PyPI' or a connection error mean no network access." >&2; \
	  exit 1; }
	$(PY) -m pytest -q -m "not browser and not slow"

## bench: speed against a bare Flask route under the same gunicorn settings
bench: $(VENV)/.dev-installed
	$(PY) bench/run.py

## soak: mixed traffic for a few minutes with workers killed, the database down and the
## buyer's endpoint failing; exits non-zero unless the books balance (SOAK_ARGS, SOAK_DATABASE_URL)
soak: $(VENV)/.dev-installed
	$(PY) bench/soak.py $(SOAK_ARGS)

## dtds: fetch the official cXML DTDs into instance/dtd (needs internet access)
dtds: $(VENV)/.installed
	$(PY) -m shop.cxml.fetch_dtds instance/dtd

migrate: $(VENV)/.installed
	$(FLASK) db upgrade

seed: $(VENV)/.installed
	$(PY) seed_catalog.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache tests/browser/node_modules test-artifacts
