# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
MANAGE := $(BIN)/python manage.py

.PHONY: run test install dev lint format migrate demo serve worker beat messages clean bench bench-data

# ---------------------------------------------------------------- install
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed
dev: $(VENV)/.dev-installed

# ---------------------------------------------------------------- run
# Development server on the embedded SQLite database under var/, with the demo
# province loaded (idempotent: a second run keeps the data and adds nothing).
# bin/dev-server starts a Celery worker and beat beside it when Redis answers
# at CELERY_BROKER_URL, and otherwise runs tasks eagerly (and says so).
run: install
	@mkdir -p var
	DEBUG=1 $(MANAGE) migrate --no-input
	DEBUG=1 $(MANAGE) load_demo
	DEBUG=1 $(BIN)/python bin/dev-server 127.0.0.1:$(PORT)

migrate: install
	@mkdir -p var
	DEBUG=1 $(MANAGE) migrate --no-input

demo: migrate
	DEBUG=1 $(MANAGE) load_demo

# ---------------------------------------------------------------- quality
lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: dev lint
	PORTAL_TESTING=1 $(MANAGE) makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

# Vietnamese catalogue: extract, then compile (needs gettext's msgfmt).
messages: dev
	PORTAL_TESTING=1 $(MANAGE) makemessages -l vi --no-obsolete \
		--ignore='.venv/*' --ignore='var/*' --ignore='static/*' --ignore='staticfiles/*' \
		--ignore='tests/*' --ignore='bench/*' --ignore='build/*'
	PORTAL_TESTING=1 $(MANAGE) compilemessages --ignore='.venv/*'

# ---------------------------------------------------------------- background work
worker: install
	$(BIN)/celery -A portal worker --loglevel=INFO

beat: install
	@mkdir -p var
	$(BIN)/celery -A portal beat --loglevel=INFO --schedule=var/celerybeat-schedule

# ---------------------------------------------------------------- benchmark
# Not part of `make test` (the suite runs there at the tiny scale only).
# `createdb -h 127.0.0.1 -U postgres portal_bench_province`, then
# `make bench-data SCALE=province` (or nation) and `make bench SCALE=province`;
# results in bench/RESULTS.md. The throughput runs need wrk (apt install wrk).
SCALE    ?= province
BENCH_DB ?= postgres://postgres@127.0.0.1/portal_bench_$(SCALE)

bench-data: install
	DATABASE_URL=$(BENCH_DB) PORTAL_TESTING=1 $(MANAGE) generate_scale --scale $(SCALE)

bench: install
	DATABASE_URL=$(BENCH_DB) $(BIN)/python bench/run.py --scale $(SCALE) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache
