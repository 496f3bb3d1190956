# `make run` serves the PARS petition on http://127.0.0.1:5000/ (SQLite, emails in the log);
# `make test` runs the whole suite. Both install what they need into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := APP_ENV=development $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test lint bench clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

run: install
	$(FLASK) db upgrade
	$(FLASK) petitions seed-pars
	@echo "Serving on http://$(HOST):$(PORT)/ ; emails are printed below. Ctrl-C stops."
	@trap 'kill 0' INT TERM EXIT; \
	$(FLASK) outbox send & \
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check app config.py tests bench
	$(BIN)/bandit --quiet --recursive app config.py

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
