# Tandem: one command runs the stack, one runs the tests. See README.md.
SHELL := /bin/bash
PY := .venv/bin/python
RASA := PYTHONPATH=$(CURDIR) RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 .venv-rasa/bin/rasa
RASA_DATA := --config config.yml --domain bot/domain --data training_data/nlu training_data/stories

.PHONY: help run test security bootstrap lint format train rasa-test validate stories shell actions index bench

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /  \1\t/' | expand -t 14

run: bootstrap  ## set everything up and run the whole stack
	scripts/system_packages.sh
	$(PY) -m tandem up

test: bootstrap  ## the whole test suite, lint and format check, Rasa data and test stories included (.ci/run calls this)
	scripts/system_packages.sh
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	$(MAKE) --no-print-directory validate stories
	$(PY) -m pytest

security: bootstrap  ## only the security checks (pytest -m security), counted into benchmarks/results.json
	scripts/system_packages.sh
	$(PY) -m benchmarks.security_checks

bootstrap:  ## install the venvs and pinned dependencies (make run and make test do it first)
	scripts/bootstrap.sh

format:  ## reformat the code and apply ruff's safe fixes
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .

# --- the conversation designer's loop -----------------------------------------------------------
train: bootstrap  ## train the Rasa model, with its progress here (skipped when nothing it depends on changed)
	$(PY) -m tandem.training

validate: bootstrap  ## rasa data validate
	$(RASA) data validate $(RASA_DATA)

# Actions are not run: each story's events stand for them, so no action server is needed.
stories: train  ## the test stories in tests/stories with the trained model; a wrong prediction fails
	$(RASA) test core --e2e --model $$($(PY) -m tandem.training) --stories tests/stories --out var/results/core --fail-on-prediction-errors

rasa-test: stories  ## NLU cross-validation plus the test stories in tests/stories
	$(RASA) test nlu --config config.yml --nlu training_data/nlu --cross-validation --folds 3 --out var/results/nlu

shell: train  ## talk to the assistant in the terminal (starts the action server alongside)
	$(PY) -m bot.bank seed
	export TANDEM_ACTIONS_TOKEN=$$($(PY) -c "import secrets; print(secrets.token_urlsafe(32))"); \
	$(PY) -m bot.action_server > var/logs/actions-shell.log 2>&1 & trap "kill $$!" EXIT; \
	TANDEM_ACTIONS_URL=http://127.0.0.1:5055 TANDEM_RASA_TRACKER_DB=$(CURDIR)/var/rasa_tracker.sqlite \
	$(RASA) shell --model $$(ls -t models/tandem-*.tar.gz | head -1) --endpoints bot/endpoints.yml

index: bootstrap  ## build or update the knowledge index
	$(PY) -m knowledge_index build

bench: bootstrap  ## every benchmark; figures go to benchmarks/results.json and benchmarks/RESULTS.md
	$(PY) -m benchmarks.run_all
