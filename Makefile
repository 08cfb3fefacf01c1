# Ankommen: `make run` starts the bot, `make test` runs every test. `make help` lists the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.ONESHELL:
.SHELLFLAGS := -eu -o pipefail -c

VENV := .venv
RASA_VENV := .venv-rasa
export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: help setup run test train kb-build kb-check kb-report validate lint format bench-langid bench-answers bench-crossval bench-latency bench-booking clean

help: ## Show the targets and what they do
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

# --- set-up ---------------------------------------------------------------------------------------------------
# Each virtualenv is rebuilt only when its lock file changes, so a second `make setup` takes about a second.
$(VENV)/.stamp: requirements/app.lock pyproject.toml
	py=$$(scripts/find-python310.sh)
	if ! $(VENV)/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
	  echo "Creating $(VENV) with $$py"; "$$py" -m venv --clear $(VENV)
	fi
	$(VENV)/bin/python -m pip install -q --disable-pip-version-check -r requirements/app.lock
	$(VENV)/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

$(RASA_VENV)/.stamp: requirements/rasa.lock
	py=$$(scripts/find-python310.sh)
	if ! $(RASA_VENV)/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
	  echo "Creating $(RASA_VENV) with $$py (Rasa and TensorFlow: a few minutes the first time)"
	  "$$py" -m venv --clear $(RASA_VENV)
	fi
	$(RASA_VENV)/bin/python -m pip install -q --disable-pip-version-check -r requirements/rasa.lock
	touch $@

setup: $(VENV)/.stamp $(RASA_VENV)/.stamp ## Create both Python 3.10 virtualenvs from the lock files

# --- knowledge and model --------------------------------------------------------------------------------------
kb-build: $(VENV)/.stamp ## Turn knowledge/ into Rasa training data (nlu/generated/, domain.yml's intent block)
	$(VENV)/bin/ankommen kb build

kb-check: $(VENV)/.stamp ## Validate every knowledge entry and message
	$(VENV)/bin/ankommen kb check

kb-report: $(VENV)/.stamp ## Print the coverage table: entries x languages, machine or reviewed, stale entries
	$(VENV)/bin/ankommen kb report

train: setup kb-build ## Train the Rasa model if its training data changed (cached by fingerprint)
	$(VENV)/bin/python scripts/train.py

validate: setup kb-build ## rasa data validate
	$(RASA_VENV)/bin/rasa data validate --data nlu --domain domain.yml --config config.yml --fail-on-warnings

# --- the two commands -----------------------------------------------------------------------------------------
run: train ## Set up, train if needed, start engine + actions + gateway; web chat on http://127.0.0.1:8080
	exec $(VENV)/bin/ankommen run

test: train ## Run the whole test suite: lint, kb check, unit, Rasa stories, PostgreSQL, end-to-end
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/ankommen kb check
	set +e; $(VENV)/bin/python -m pytest $(PYTEST_ARGS); rc=$$?; set -e
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure" >&2; exit 1; fi
	exit $$rc

# --- quality and numbers --------------------------------------------------------------------------------------
lint: $(VENV)/.stamp ## ruff (lint + format check) and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.stamp ## Format the code with ruff
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench-langid: $(VENV)/.stamp ## Language-ID accuracy table on ../shared/data/langid
	$(VENV)/bin/python bench/langid.py

bench-answers: train ## Right / wrong / fallback rates on the two held-out question sets (tests/data/answers*), per language
	$(VENV)/bin/python bench/answers.py

bench-crossval: setup kb-build ## rasa test nlu, 3-fold cross-validation on the training data (a few minutes)
	$(VENV)/bin/python bench/nlu_crossval.py

bench-latency: train ## WhatsApp webhook path against Rasa alone: latency and throughput for 1, 10, 50 users
	$(VENV)/bin/python bench/latency.py --users 1,10,50

bench-booking: train ## Time per booking step through the real stack (SQLite)
	$(VENV)/bin/python bench/booking.py

clean: ## Remove virtualenvs, models, the embedding cache and local data (var/)
	rm -rf $(VENV) $(RASA_VENV) models results .cache .pytest_cache .mypy_cache .ruff_cache
