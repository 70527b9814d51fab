# Clientele: `make run` serves the whole stack locally, `make test` proves it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
# Lambda runs python3.13, so do the tests and `sam build` (which needs the same interpreter on PATH).
PYTHON ?= $(shell command -v python3.13 2>/dev/null || ls -d $(HOME)/.pyenv/versions/3.13*/bin/python3.13 2>/dev/null | tail -n 1)
export PATH := $(abspath $(BIN)):$(PATH)
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= us-east-1
PYTEST := $(BIN)/python -m pytest

.PHONY: help venv console chromium run test bench openapi lint cfn lock unit integration local e2e browser fuzz-smoke fuzz build deploy deploy-prod clean

help:
	@echo "make run      start the local stack on 127.0.0.1:\$${PORT:-3000} (moto, gateway, streams)"
	@echo "make test     lint, template checks, unit, integration, local-stack, e2e, fuzz-smoke and browser tests"
	@echo "make console  build the staff console (served at /app/customers by make run)"
	@echo "make bench    DynamoDB requests, capacity and throughput per operation vs the raw store"
	@echo "make fuzz     schemathesis (>= 1,000 cases, every operation) + tenant-isolation property, local stack"
	@echo "make openapi  regenerate docs/openapi.json from the functions' code (ACCEPT=\"why\" for a breaking change)"
	@echo "make lock     regenerate the layer's lock shared/requirements.txt from shared/requirements.in"
	@echo "make build    sam build"
	@echo "make deploy   sam build + sam deploy --config-env dev (deploy-prod for prod)"

# The layer's lock and the dev pins go in two pip calls: the lock's hashes put a whole call in
# require-hashes mode, which the dev pins (no hashes) would fail.
$(VENV)/.installed: pyproject.toml shared/requirements.txt requirements-dev.txt
	@test -n "$(PYTHON)" || { echo "Python 3.13 is required (pyenv install 3.13, or set PYTHON=/path/to/python3.13)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r shared/requirements.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

venv: $(VENV)/.installed

# The console (console/, docs/console.md): npm packages from the committed lock, then the bundle, built
# into the function that serves it (functions/serve_console/static, not committed).
CONSOLE_MODULES := console/node_modules/.installed
CONSOLE_BUILT := functions/serve_console/static/index.html
$(CONSOLE_MODULES): console/package-lock.json
	cd console && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(CONSOLE_BUILT): $(CONSOLE_MODULES) docs/openapi.json $(shell find console/src console/index.html console/vite.config.ts console/tsconfig.json -type f -not -name schema.d.ts 2>/dev/null)
	cd console && npm run --silent build

console: $(CONSOLE_BUILT)

# The browser tests drive Debian's Chromium (Playwright's own download does not work here).
chromium:
	@test -x /usr/bin/chromium || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

run: venv console
	$(BIN)/python -m clientele_local

# Two workers where a tier gains from them (integration, local, e2e: 2 cores here and on CI; unit is
# faster alone); e2e carries the fuzz smoke in the same session, so one local stack serves both.
test: lint cfn unit integration local e2e browser

bench: venv console chromium
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.webhooks   # outbound events published and delivered per second
	$(BIN)/python -m bench.merges     # a merge of a source with 1,000 orders, beside the same moves done bare
	$(BIN)/python -m bench.shopify    # a full Shopify sync of 100,000 customers (about 20 minutes)

# A document that breaks clients of the committed one is refused, with the list of breaks. Deliberate:
# make openapi ACCEPT="why" writes it and records the breaks and the reason in docs/api-changes.md.
openapi: venv
	$(BIN)/python -m clientele_local.openapi $(if $(ACCEPT),--accept "$(ACCEPT)")

lint: venv $(CONSOLE_MODULES)
	cd console && npm run --silent check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m clientele_local.openapi --check

# checkov lives in its own environment (requirements-checkov.txt says why).
CHECKOV := $(VENV)/checkov
$(CHECKOV)/.installed: requirements-checkov.txt | $(VENV)/.installed
	test -x $(CHECKOV)/bin/python || $(BIN)/python -m venv $(CHECKOV)
	$(CHECKOV)/bin/python -m pip install --quiet -r requirements-checkov.txt
	touch $@

cfn: venv $(CHECKOV)/.installed
	$(BIN)/cfn-lint template.yaml
	$(BIN)/sam validate --lint --template template.yaml
	$(CHECKOV)/bin/checkov -f template.yaml --framework cloudformation --compact --skip-download \
		--check CKV_AWS_76,CKV_AWS_119,CKV_AWS_158,CKV_AWS_18

# The layer's lock: every runtime package pinned with hashes (the command is also at the top of the lock).
lock: venv
	$(BIN)/pip-compile --allow-unsafe --generate-hashes --no-emit-find-links --no-emit-index-url --strip-extras \
		--output-file=shared/requirements.txt shared/requirements.in

unit: venv
	$(PYTEST) tests/unit -q

integration: venv
	$(PYTEST) tests/integration -q -n 2

local: venv
	$(PYTEST) tests/local -q -n 2

# e2e and the fuzz smoke (below) in one session, on two workers: each worker starts the session stack
# once, for its share of both tiers (a stack's moto is one process, bound by its GIL: one per worker is
# what lets two run side by side). loadgroup keeps test_bulk.py on one worker, so its own stack for the
# large imports starts once. --durations: the slowest.
e2e: venv
	$(FUZZ_SMOKE) $(PYTEST) tests/e2e tests/fuzz -q -n 2 --dist loadgroup --durations=10

# The console in Chromium (Playwright), on a local stack of its own; screenshots land in docs/.
browser: venv console chromium
	$(PYTEST) tests/browser -q --durations=5

# Fuzz tier (tests/fuzz) on its own local stack: schemathesis against docs/openapi.json, every operation,
# and the tenant-isolation property. Seeded, so a run is repeatable; the summary prints the figures.
# fuzz-smoke (part of `make test`, in the e2e session): 2 schema-following + 1 schema-breaking case per operation, 6 short sequences.
FUZZ_SMOKE := FUZZ_POSITIVE=2 FUZZ_NEGATIVE=1 FUZZ_MIN_CASES=0 ISOLATION_EXAMPLES=6 ISOLATION_STEPS=25
fuzz-smoke: venv
	$(FUZZ_SMOKE) $(PYTEST) tests/fuzz -q

# make fuzz: 20 + 10 cases per operation (>= 1,000 in all), 25 sequences of up to 30 steps.
# Override any of them: make fuzz FUZZ_POSITIVE=50 FUZZ_SEED=7
FUZZ_POSITIVE ?= 20
FUZZ_NEGATIVE ?= 10
FUZZ_SEED ?= 20261123
ISOLATION_EXAMPLES ?= 25
ISOLATION_STEPS ?= 30
fuzz: venv
	FUZZ_POSITIVE=$(FUZZ_POSITIVE) FUZZ_NEGATIVE=$(FUZZ_NEGATIVE) FUZZ_SEED=$(FUZZ_SEED) FUZZ_MIN_CASES=1000 \
	ISOLATION_EXAMPLES=$(ISOLATION_EXAMPLES) ISOLATION_STEPS=$(ISOLATION_STEPS) $(PYTEST) tests/fuzz -q

build: venv console
	$(BIN)/sam build

deploy: build
	$(BIN)/sam deploy --config-env dev

deploy-prod: build
	$(BIN)/sam deploy --config-env prod

clean:
	rm -rf .aws-sam .pytest_cache .ruff_cache .mypy_cache
