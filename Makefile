# `make run` serves the PARS petition on http://127.0.0.1:5000/ (SQLite, emails in the log);
# `make test` runs the whole suite. Both install what they need into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# HOST and PORT reach every command: the worker writes emailed links on them (config.py).
FLASK := APP_ENV=development HOST=$(HOST) PORT=$(PORT) $(BIN)/flask --app app

CATALOGS := $(patsubst %.po,%.mo,$(wildcard app/translations/*/LC_MESSAGES/messages.po))

.PHONY: install install-prod run test lint docs bench messages clean

# The virtualenv with every dependency, and the translations compiled (.mo files are built,
# never committed).
install: $(VENV)/.installed $(CATALOGS)

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# A server's virtualenv: what the application needs to run (requirements.txt) and nothing of
# the tests' or benchmarks'; the translations compiled.
install-prod:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	for po in app/translations/*/LC_MESSAGES/messages.po; do \
		$(BIN)/pybabel compile --statistics -i $$po -o $${po%.po}.mo || exit 1; done

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

# After changing user-facing strings: extract them and merge them into every catalog.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output --width=100 \
		-o app/translations/messages.pot app templates
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete --width=100

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
	$(BIN)/ruff check app config.py gunicorn.conf.py tests bench
	$(BIN)/bandit --quiet --recursive app config.py
	$(BIN)/mypy

# The documentation (docs/, mkdocs.yml) into site/; --strict fails on any warning: a broken
# link or anchor, a page missing from the nav. (NO_MKDOCS_2_WARNING: Material's notice about
# its own end of life, printed at every build otherwise.)
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# `make bench BENCH="surge throughput nginx"` runs those alone (bench/__main__.py names them).
bench: install
	$(BIN)/python -m bench $(BENCH)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .mypy_cache site $(CATALOGS)
