# Two commands: `make run` (a working system on http://127.0.0.1:5000) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test install install-dev translations extract-messages lint bench worker beat

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Compiled catalogues are build products (not committed).
translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d core/translations -D messages

# After changing user-visible text: update the catalogue, then translate the new entries.
extract-messages: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --omit-header --sort-output \
	  --ignore-dirs='.venv migrations tests bench instance' -o core/translations/messages.pot .
	$(BIN)/pybabel update -i core/translations/messages.pot -d core/translations --no-fuzzy-matching

run: install translations
	$(BIN)/flask db upgrade
	$(BIN)/flask calendar import
	$(BIN)/flask demo seed
	$(BIN)/flask demo cases
	$(BIN)/flask demo surveys
	FEEDBACK_IN_PROCESS_SCHEDULER=1 $(BIN)/flask run --host 127.0.0.1 --port 5000

test: install-dev translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .

worker: install
	$(BIN)/celery -A wsgi.celery worker --loglevel INFO

beat: install
	$(BIN)/celery -A wsgi.celery beat --loglevel INFO
