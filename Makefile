# Tandem: one command runs the stack, one runs the tests. See README.md.
SHELL := /bin/bash
PY := .venv/bin/python
RASA := PYTHONPATH=$(CURDIR) RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 .venv-rasa/bin/rasa
RASA_DATA := --config config.yml --domain bot/domain --data training_data/nlu training_data/stories

.PHONY: run test security bootstrap lint format train rasa-test validate shell actions index bench

run: bootstrap  ## set everything up and run the whole stack
	scripts/system_packages.sh
	$(PY) -m tandem up

test: bootstrap  ## the whole test suite, lint and format check included (.ci/run calls this)
	scripts/system_packages.sh
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	$(PY) -m pytest

security: bootstrap  ## only the security checks (pytest -m security), counted into benchmarks/results.json
	scripts/system_packages.sh
	$(PY) -m benchmarks.security_checks

bootstrap:
	scripts/bootstrap.sh

format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .

# --- the conversation designer's loop -----------------------------------------------------------
train: bootstrap  ## train the Rasa model (skipped when nothing it depends on changed)
	$(PY) -c "from tandem.config import *; from tandem.training import ensure_model; s=settings(); print(ensure_model(config_path(), s.resolve(s.data_dir) / 'logs' / 'train.log'))"

validate: bootstrap  ## rasa data validate
	$(RASA) data validate $(RASA_DATA)

rasa-test: train  ## NLU cross-validation plus the test stories in tests/stories
	$(RASA) test nlu --config config.yml --nlu training_data/nlu --cross-validation --folds 3 --out var/results/nlu
	$(RASA) test core --e2e --model $$(ls -t models/tandem-*.tar.gz | head -1) --stories tests/stories --endpoints bot/endpoints.yml --out var/results/core --fail-on-prediction-errors

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
