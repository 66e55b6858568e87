# Two commands on a fresh machine: `make run` (set up, ingest the demo, open the app) and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
LLM ?=
PORT ?= 8501
DEMO := demo/helpcenter
export DEFLECT_DATA_DIR ?= data
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
# New top-level packages need a re-install too: an editable install maps the packages it saw.
HASH := $(shell { cat pyproject.toml requirements.lock; ls -d */__init__.py; } 2>/dev/null | cksum | cut -d' ' -f1)

.PHONY: docs setup setup-local run test test-fast lint audit bench eval gate lock browser-deps clean help

help:  ## List targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

setup: $(VENV)/.setup-$(if $(filter local,$(LLM)),local,dev)-$(HASH)  ## Create .venv and install pinned dependencies (CPU torch first); LLM=local adds the local LLM

setup-local: $(VENV)/.setup-local-$(HASH)  ## setup + the local LLM (llama-cpp-python compiles once, ~8 min)

$(VENV)/.setup-%-$(HASH): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade "pip==25.3"
	# CPU torch first, by exact version: pip takes the local CPU wheel and nothing can pull CUDA after it.
	$(BIN)/pip install -q --disable-pip-version-check "torch==2.13.0"
	$(BIN)/pip install -q --disable-pip-version-check -c requirements.lock -e ".[$(if $(filter local,$*),dev$(comma)local,dev)]"
	$(if $(filter local,$*),touch $(VENV)/.setup-dev-$(HASH),)
	touch $@

comma := ,
# apt needs root: sudo when make runs as another user.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# The demo help center's own base rate from the packaged calibration (a deployment calibrates its own).
run: export DEFLECT_CALIBRATION_PROFILE ?= tickets
run: setup  ## Set up, ingest the demo help center, open the app (LLM=local for SmolLM2; API=1 also serves the HTTP API on :8700)
	$(BIN)/deflect ingest $(DEMO)
	$(if $(API),$(BIN)/deflect api & trap 'kill $$!' EXIT;) $(BIN)/deflect ui --port $(PORT) --demo-admin $(if $(LLM),--provider $(LLM))

browser-deps:  ## Debian chromium for the browser tests (never a Playwright browser download)
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: setup-local browser-deps  ## Every test, slow, server and browser ones included
	$(BIN)/pytest -m "unit or integration or slow or browser or server or not unit" -p no:cacheprovider

test-fast: setup  ## The fast default selection (what plain `pytest -q` runs)
	$(BIN)/pytest

lint: setup  ## ruff
	$(BIN)/ruff check .

# pip-audit lives in its own venv, installed by this target only (never by setup or test: it asks an online
# vulnerability service). Keep the pin equal to PIP_AUDIT_VERSION in deflectkit/depaudit.py.
PIP_AUDIT_VERSION := 2.10.1
PIP_AUDIT_SERVICE ?= pypi
AUDIT_VENV := .venv-audit

audit:  ## Check requirements.lock for known vulnerabilities (pinned pip-audit; says so when its service is unreachable)
	@test -f $(AUDIT_VENV)/.pip-audit-$(PIP_AUDIT_VERSION) || { rm -rf $(AUDIT_VENV) && $(PY) -m venv $(AUDIT_VENV) && \
	  $(AUDIT_VENV)/bin/pip install -q --disable-pip-version-check "pip-audit==$(PIP_AUDIT_VERSION)" && \
	  touch $(AUDIT_VENV)/.pip-audit-$(PIP_AUDIT_VERSION); } || \
	  { echo "Could not install pip-audit==$(PIP_AUDIT_VERSION) (no package index?): nothing was checked."; \
	    $(PY) deflectkit/depaudit.py --pip-audit /nonexistent requirements.lock; exit 0; }
	$(AUDIT_VENV)/bin/python deflectkit/depaudit.py --pip-audit $(AUDIT_VENV)/bin/pip-audit \
	  --service $(PIP_AUDIT_SERVICE) requirements.lock

bench: setup  ## Speed figures as ratios against baselines measured in the same run
	$(BIN)/python -m evals.bench

eval: setup  ## Retrieval baselines and drafted answers on demo, demo tickets, emanual and TechQA; HTML reports and the risk-coverage plot in reports/
	@mkdir -p reports
	for ds in demo tickets emanual techqa; do \
	  $(BIN)/deflect eval baselines --dataset $$ds --answers --report reports/$$ds.html --json --no-progress > reports/$$ds.json || exit 1; \
	done
	$(BIN)/python -m evals.figures reports/tickets.json reports/techqa.json reports/demo.json reports/emanual.json --out reports/risk_coverage.png

gate: setup  ## Release gate: demo retrieval must not regress beyond doubt against evals/baselines/demo-hybrid.json
	@RUN=$$($(BIN)/deflect eval --dataset demo --no-baselines --json --no-progress | $(BIN)/python -c 'import json,sys; print(json.load(sys.stdin)["run_id"])') && \
	$(BIN)/deflect eval compare evals/baselines/demo-hybrid.json $$RUN --fail-on-regression --limit 5

docs: setup browser-deps  ## Regenerate the README's settings and command tables, and docs/screenshot.png
	$(BIN)/python -m deflectkit.docs
	SCREENSHOT_PATH=$(CURDIR)/docs/screenshot.png $(BIN)/pytest -m browser -p no:cacheprovider tests/ui/test_browser.py

lock:  ## Re-pin requirements.lock from a fresh resolve of pyproject.toml
	rm -rf /tmp/deflect-lock && $(PY) -m venv /tmp/deflect-lock
	/tmp/deflect-lock/bin/pip install -q "pip==25.3" && /tmp/deflect-lock/bin/pip install -q "torch==2.13.0" && /tmp/deflect-lock/bin/pip install -q -e ".[dev,local]"
	{ echo "# Full pin set (pip constraints) for every install path; regenerate with make lock."; /tmp/deflect-lock/bin/pip freeze --exclude-editable | sed 's/^torch==2.13.0+cpu/torch==2.13.0/'; } > requirements.lock

clean:  ## Remove the venv and app data
	rm -rf $(VENV) $(AUDIT_VENV) data reports
