# `make run` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: run test install services chromium migrate demo lint format messages bench clean

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --disable-pip-version-check -r requirements.lock
	touch $@

install: $(VENV)/.installed

services:
	@scripts/ensure-services.sh
	@scripts/ensure-pdf-font.sh

chromium:
	@scripts/ensure-chromium.sh

migrate: install services
	$(PY) manage.py migrate --noinput
	$(PY) manage.py sync_roles

demo: migrate
	$(PY) manage.py load_demo

run: migrate demo
	$(PY) manage.py compilemessages -v0 --ignore=.venv || true
	@echo "Serving on http://127.0.0.1:8000 with a Celery worker and beat (Ctrl-C stops all)."
	$(VENV)/bin/honcho start -f Procfile

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

messages: install
	# One run from the root: makemessages writes each string to the nearest locale/ dir above
	# its file (tickets/locale, engineers/locale, ...; templates/ and config/ go to ./locale).
	# Ignoring app names here would also skip templates/dispatch and templates/engineers.
	$(PY) manage.py makemessages -l zh_Hans -l en --no-obsolete --ignore=.venv --ignore=tests \
	  --ignore=bench --ignore=staticfiles --ignore=media --ignore=node_modules
	@for po in $$(find . -path ./.venv -prune -o -path '*/locale/*/LC_MESSAGES/*.po' -print | sort); do \
	  printf '%-55s %s\n' "$$po" "$$(grep -c '^msgid ' $$po)"; done

test: install services chromium
	$(PY) manage.py compilemessages -v0 --ignore=.venv
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q -n 2 $(PYTEST_ARGS)

bench: install services
	$(PY) -m bench $(BENCH)

clean:
	rm -rf $(VENV) staticfiles

# Backups (kpis/scripts): a consistent database dump and the media files; restore into a
# fresh database: `make restore BACKUP=backups/<time> DATABASE_URL=.../new_name`.
backup: services
	@kpis/scripts/backup.sh

restore: services
	@kpis/scripts/restore.sh $(BACKUP)
