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

.PHONY: help venv run test bench openapi lint cfn unit integration local e2e build deploy deploy-prod clean

help:
	@echo "make run      start the local stack on 127.0.0.1:\$${PORT:-3000} (moto, gateway, streams)"
	@echo "make test     lint, template checks, unit, integration, local-stack and e2e tests"
	@echo "make bench    DynamoDB requests, capacity and throughput per operation vs the raw store"
	@echo "make openapi  regenerate docs/openapi.json from the functions' code"
	@echo "make build    sam build"
	@echo "make deploy   sam build + sam deploy --config-env dev (deploy-prod for prod)"

$(VENV)/.installed: pyproject.toml shared/requirements.txt requirements-dev.txt
	@test -n "$(PYTHON)" || { echo "Python 3.13 is required (pyenv install 3.13, or set PYTHON=/path/to/python3.13)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r shared/requirements.txt -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

venv: $(VENV)/.installed

run: venv
	$(BIN)/python -m clientele_local

test: lint cfn unit integration local e2e

bench: venv
	$(BIN)/python -m bench.run

openapi: venv
	$(BIN)/python -m clientele_local.openapi

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

cfn: venv
	$(BIN)/cfn-lint template.yaml
	$(BIN)/sam validate --lint --template template.yaml

unit: venv
	$(PYTEST) tests/unit -q

integration: venv
	$(PYTEST) tests/integration -q

local: venv
	$(PYTEST) tests/local -q

e2e: venv
	$(PYTEST) tests/e2e -q

build: venv
	$(BIN)/sam build

deploy: build
	$(BIN)/sam deploy --config-env dev

deploy-prod: build
	$(BIN)/sam deploy --config-env prod

clean:
	rm -rf .aws-sam .pytest_cache .ruff_cache .mypy_cache
