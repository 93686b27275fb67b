# Two commands do everything: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python manage.py

SERVE_PORT ?= 8080
APP_PORT ?= 8001

.PHONY: run test install setup demo-accounts lint format check clean serve bench lighthouse tools

# Emailed links lead to this server (the Site's domain is set on migrate),
# unless DJANGO_SITE_DOMAIN is set in the environment.
run setup: export DJANGO_SITE_DOMAIN ?= 127.0.0.1:$(PORT)

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
	$(MANAGE) load_posts --keep-existing content/
	$(MANAGE) create_demo_accounts

demo-accounts: install ## Print new passwords for the demo accounts
	$(MANAGE) create_demo_accounts --reset

# Backups of the database (copied safely while the site runs) and of
# MEDIA_ROOT, with the settings of the environment (DATABASE_URL): see
# README.md, "Operations". `make backup` writes var/backups/<UTC time>/, or BACKUP=<folder>.
.PHONY: backup restore
backup: install ## Back up the database and media into a new folder (BACKUP=<folder> to choose it)
	$(MANAGE) backup_site "$(or $(BACKUP),var/backups/$(shell date -u +%Y%m%d-%H%M%S))"

restore: install ## Replace the database and media with a backup: make restore BACKUP=<folder> (asks first)
	@test -n "$(BACKUP)" || { echo "Usage: make restore BACKUP=var/backups/<folder>"; exit 2; }
	$(MANAGE) restore_site "$(BACKUP)"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install ## Django's checks and a missing-migrations check
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

tools: ## nginx and wrk from Debian packages, where missing
	@sh deploy/ensure-packages.sh nginx=nginx-light wrk=wrk

# The production stack on 127.0.0.1 (deploy/stack.py): nginx on SERVE_PORT in
# front of gunicorn on APP_PORT, and the task worker; Ctrl-C stops all three.
serve: install ## Serve with production settings: nginx, gunicorn, the task worker (README: Production)
	@sh deploy/ensure-packages.sh nginx=nginx-light
	$(BIN)/python -m deploy.stack --port $(SERVE_PORT) --app-port $(APP_PORT)

bench: install tools ## Benchmark: throughput (wrk), render times, HTML sizes, queries (docs/performance.md)
	$(BIN)/python -m bench $(BENCH_ARGS)

lighthouse: install ## Lighthouse scores (mobile) of the article, home, tag and author pages
	$(BIN)/python -m bench.lighthouse $(LIGHTHOUSE_ARGS)

clean:
	rm -rf $(VENV) var db.sqlite3*
