# The single entry point. `make demo` and `make test` do everything on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python
ENV ?= local
DURATION ?= 60
export PYTHONDONTWRITEBYTECODE := 1
# The project's own Node (from `make setup`) first: jsii, under the CDK bindings, runs `node`.
export PATH := $(CURDIR)/.tools/bin:$(PATH)

.PHONY: help setup up down status test test-unit test-spark test-integration test-infra demo bench bench-curve lint \
        synth plan deploy destroy backend reap scan simulate run smoke powerbi dashboard clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

setup: ## Install everything into the project (venv, jars, Node, CLIs); idempotent
	@bash scripts/setup.sh

up: setup ## Start the local Kafka broker (idempotent) and create the topic
	@$(PY) -m scripts.broker up --env local

down: ## Stop the local Kafka broker
	@[ -x $(PY) ] && $(PY) -m scripts.broker down || true

status: setup ## The local broker, records and seconds behind, recent rejects (exit 1: down or stalled)
	@$(PY) -m scripts.status --env local

test: setup ## Every test: unit, integration (real broker, Spark, Delta), infrastructure and scans
	@$(PY) -m pytest tests

test-unit: setup ## Fast tests, no JVM: contract, simulator, config, dashboard data, CLIs
	@$(PY) -m pytest tests/unit

test-spark: setup ## Transformations and Delta I/O on small data, in real local Spark
	@$(PY) -m pytest tests/spark

test-integration: setup ## Real broker + Spark + Delta
	@$(PY) -m pytest tests/integration

test-infra: setup ## Synthesize every environment, assert it, scan it
	@$(PY) -m pytest tests/infra

demo: setup ## Run the whole pipeline locally for about a minute, with a live summary
	@$(PY) -m scripts.demo

bench: setup ## Measure throughput, freshness and synth time; prints numbers
	@$(PY) -m scripts.bench

bench-curve: setup ## The scale curve: freshness per input rate, drain time and heap per backlog (~1 h)
	@$(PY) -m scripts.bench_curve

lint: setup ## ruff, and the workflows: actionlint (with shellcheck) and zizmor
	@.venv/bin/ruff check . && .venv/bin/ruff format --check .
	@.tools/bin/actionlint -shellcheck .tools/zizmor/bin/shellcheck -pyflakes=
	@.tools/zizmor/bin/zizmor --offline --strict-collection -q .github/workflows

synth: setup ## Synthesize ENV's stacks into cdktf.out/
	@$(PY) -m infra.cli synth --env $(ENV)

plan: setup ## Plan ENV: the platform stack, then the workspace stack once the platform exists
	@$(PY) -m infra.cli plan --env $(ENV)

deploy: setup ## Deploy ENV in one cdktn call: platform stack, then workspace stack
	@$(PY) -m infra.cli deploy --env $(ENV)

destroy: setup ## Destroy ENV in one cdktn call: workspace stack, then platform stack
	@$(PY) -m infra.cli destroy --env $(ENV)

backend: setup ## Create ENV's remote Terraform state storage (once, before its first deploy)
	@$(PY) -m infra.cli backend --env $(ENV)

reap: setup ## Destroy every demo copy whose expires-on has passed (DRY_RUN=1: list them only)
	@$(PY) -m infra.cli reap $(if $(DRY_RUN),--dry-run)

scan: setup ## Policy scan (checkov) and secret scan of every environment's stacks (SARIF=dir: also SARIF)
	@$(PY) -m infra.scan $(if $(SARIF),--sarif $(SARIF))

simulate: setup ## Send DURATION seconds (60) of orders to ENV's deployed Event Hubs
	@$(PY) -m scripts.ops simulate --env $(ENV) --duration $(DURATION)

run: setup ## Trigger ENV's pipeline job now and follow it to the end
	@$(PY) -m scripts.ops run --env $(ENV)

smoke: setup ## Check ENV's jobs, last runs, and gold row count via the SQL warehouse
	@$(PY) -m scripts.ops smoke --env $(ENV)

powerbi: setup ## Write artifacts/<env>.pbids for Power BI Desktop from ENV's SQL warehouse
	@$(PY) -m scripts.ops powerbi --env $(ENV)

dashboard: setup ## Serve the local dashboard on 127.0.0.1 (PORT= to override)
	@$(PY) -m dashboard

clean: down ## Remove local data (tables, checkpoints, broker log)
	rm -rf data
