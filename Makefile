# sotong — two commands: `make demo` serves the demo government, `make test` runs every test.
# Needs only python3 and make; the system packages the tests need (chromium for the browser tests,
# wrk for the intake bench's smoke test) are installed by `make system-deps` (called by `make test`
# and `make test-fast` when one is missing and we are root).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
HOST   ?= 127.0.0.1
WORKERS ?= 3
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install demo test test-fast test-e2e lint format messages system-deps clean

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

system-deps:
	@need=""; \
	command -v chromium >/dev/null 2>&1 || need="$$need chromium fonts-noto-cjk"; \
	command -v wrk >/dev/null 2>&1 || need="$$need wrk"; \
	if [ -n "$$need" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need >/dev/null; \
	  else echo "missing system packages: run 'sudo apt-get install$$need'"; exit 1; fi; \
	fi

demo: install
	@bash scripts/demo.sh "$(HOST)" "$(PORT)" "$(WORKERS)"

test: install system-deps
	SOTONG_ENV=test $(PY) -m pytest $(PYTEST_ARGS)

test-fast: install system-deps
	SOTONG_ENV=test $(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

test-e2e: install system-deps
	SOTONG_ENV=test $(PY) -m pytest -m e2e $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	SOTONG_ENV=test $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports --no-cache --no-logo

format: install
	$(VENV)/bin/ruff check --fix src tests bench
	$(VENV)/bin/ruff format src tests bench

# English catalogues (msgids are the Korean source text). Run from src/sotong, makemessages puts
# each text in the catalogue of the nearest locale/ above it: accounts/ in accounts/locale, the rest
# in locale/ (settings.LOCALE_PATHS); texts no longer in the source are dropped (git keeps them).
# compilemessages finds both catalogues the same way. The last step lists what still needs an
# English text (untranslated or fuzzy entries are not compiled); tests/core/test_english.py fails
# until there is none.
CATALOGUES := src/sotong/locale/en/LC_MESSAGES/django.po src/sotong/accounts/locale/en/LC_MESSAGES/django.po

messages: install
	cd src/sotong && ../../$(PY) ../../manage.py makemessages -l en --no-obsolete --ignore 'static/vendor/*'
	cd src/sotong && ../../$(PY) ../../manage.py compilemessages -l en --ignore 'static/vendor/*'
	@for po in $(CATALOGUES); do printf '%s: ' "$$po"; msgfmt --check --statistics -o /dev/null "$$po" 2>&1; done

clean:
	rm -rf $(VENV) var/sotong.sqlite3* var/static
