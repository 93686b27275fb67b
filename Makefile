# Two commands do everything: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python manage.py

.PHONY: run test install setup demo-accounts lint format check clean

# The task worker (it sends the emails) runs next to the server. Both run in
# the background and the shell waits: a trapped signal (Ctrl-C, or the TERM
# make passes on) interrupts `wait`, and on exit the shell stops both.
run: setup ## Set up from nothing and serve the blog on http://127.0.0.1:$(PORT)/ with the task worker
	@trap 'kill $$worker $$server 2>/dev/null; wait' EXIT; trap 'exit 130' INT TERM; \
	$(MANAGE) db_worker --queue-name '*' & worker=$$!; \
	$(MANAGE) runserver 127.0.0.1:$(PORT) & server=$$!; \
	wait $$server

test: install ## Run the test suite (SQLite by default; DATABASE_URL selects another database)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null || { \
		echo "skolr_blog needs Python 3.12 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)."; \
		echo "Install Python 3.12+ and run: make run PYTHON=python3.12"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements-dev.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	@touch $@

install: $(VENV)/.installed

setup: install
	$(MANAGE) migrate --noinput
	$(MANAGE) load_posts content/
	$(MANAGE) create_demo_accounts

demo-accounts: install ## Print new passwords for the demo accounts
	$(MANAGE) create_demo_accounts --reset

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install ## Django's checks and a missing-migrations check
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var db.sqlite3*
