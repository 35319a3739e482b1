# Every target sets up what it needs: the virtual environment and its packages.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Stage and region of `make deploy` and `make destroy`; REGION defaults to the AWS CLI's.
STAGE ?= dev
REGION ?=

# The dashboard's chart library: npm installs the version pinned in package-lock.json,
# and its one dist file is copied into the Chalice package, which serves it.
NPM ?= npm
CHART_JS := api/chalicelib/static/chart.umd.min.js

.PHONY: venv assets browser local demo test lint format clean deploy destroy bench bench-service screenshot

venv: $(STAMP)

$(STAMP): requirements.txt requirements-api.txt requirements-runner.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

assets: $(CHART_JS)

$(CHART_JS): package.json package-lock.json
	$(NPM) ci --ignore-scripts --no-audit --no-fund
	cp node_modules/chart.js/dist/chart.umd.min.js $@

# Debian's Chromium for the browser tests; Playwright's own browser download does not work here.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	fi

local: venv assets
	$(PY) -m infra.local_stack

demo: venv assets
	$(PY) -m infra.demo

test: venv assets browser lint
	$(PY) -m pytest -q

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/cfn-lint infra/template.yaml

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

deploy: venv assets
	$(PY) -m infra.deploy deploy --stage $(STAGE) $(if $(REGION),--region $(REGION))

destroy: venv
	$(PY) -m infra.deploy destroy --stage $(STAGE) $(if $(REGION),--region $(REGION))

# Optimiser benchmark, not part of `make test`; its results go to docs/benchmarks.md.
bench: venv
	$(PY) -m benchmarks.optimizers

# Runs the demo's two runs on a fresh local stack and saves docs/dashboard.png for the README.
screenshot: venv assets browser
	$(PY) -m infra.dashboard_screenshot

# Service benchmarks (cold start, trial overhead, parallel throughput, 10,000 trials),
# not part of `make test`. They print their results, and docs/benchmarks.md records them.
bench-service: venv
	$(PY) -m benchmarks.cold_start
	$(PY) -m benchmarks.trial_overhead --optimizer random
	$(PY) -m benchmarks.trial_overhead --optimizer bayesopt
	$(PY) -m benchmarks.parallel_throughput
	$(PY) -m benchmarks.scale

clean:
	rm -rf $(VENV) .paropt .pytest_cache .hypothesis node_modules $(CHART_JS)
