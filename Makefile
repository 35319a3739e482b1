# Every target sets up what it needs: the virtual environment and its packages.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Stage and region of `make deploy` and `make destroy`; REGION defaults to the AWS CLI's.
STAGE ?= dev
REGION ?=

.PHONY: venv local demo test lint format clean deploy destroy bench bench-service

venv: $(STAMP)

$(STAMP): requirements.txt requirements-api.txt requirements-runner.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

local: venv
	$(PY) -m infra.local_stack

demo: venv
	$(PY) -m infra.demo

test: venv lint
	$(PY) -m pytest -q

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/cfn-lint infra/template.yaml

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

deploy: venv
	$(PY) -m infra.deploy deploy --stage $(STAGE) $(if $(REGION),--region $(REGION))

destroy: venv
	$(PY) -m infra.deploy destroy --stage $(STAGE) $(if $(REGION),--region $(REGION))

# Optimiser benchmark, not part of `make test`; its results go to docs/benchmarks.md.
bench: venv
	$(PY) -m benchmarks.optimizers

# Service benchmarks (cold start, trial overhead, parallel throughput, 10,000 trials),
# not part of `make test`. They print their results, and docs/benchmarks.md records them.
bench-service: venv
	$(PY) -m benchmarks.cold_start
	$(PY) -m benchmarks.trial_overhead --optimizer random
	$(PY) -m benchmarks.trial_overhead --optimizer bayesopt
	$(PY) -m benchmarks.parallel_throughput
	$(PY) -m benchmarks.scale

clean:
	rm -rf $(VENV) .paropt .pytest_cache .hypothesis
