# Resident Index: everything a fresh machine with Python 3.11 and make needs.
#   make demo   build the environment, generate the synthetic council, materialise the whole graph
#   make test   run the test suite (installs Debian's PostgreSQL programs first, see `make postgres`)
#   make ui     the Dagster UI (webserver + daemon) on the same instance and warehouse, and the web app
#   make web    the web app for caseworkers and reviewers (docs/web.md) on http://127.0.0.1:8080
#   make bench  scale benchmarks; figures go to docs/benchmarks.md
PYTHON ?= python3.11
UV_VERSION := 0.13.8
UV := .tools/bin/uv
RESIDENTS ?= 3000
SEED ?= 42

export DAGSTER_HOME := $(CURDIR)
export RESIDENT_INDEX_DATA_DIR ?= $(CURDIR)/data
export GX_ANALYTICS_ENABLED := False
export UV_PYTHON := $(PYTHON)

.PHONY: browser java setup postgres demo test ui web web-users bench clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

# bytecode compiled once at install: every process (Dagster runs, tests, the CLI) imports GX, Splink and
# Dagster, and would otherwise compile them again wherever PYTHONDONTWRITEBYTECODE is set
.venv/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --compile-bytecode
	touch $@

setup: .venv/.synced
	install -d -m 0700 data data/dagster  # personal data: private to this account

demo: setup
	.venv/bin/resident-index synth --residents $(RESIDENTS) --seed $(SEED)
	.venv/bin/resident-index run

# Debian's PostgreSQL server programs, for the test that builds the demo on PostgreSQL instance storage
# (resident_index_tests/scale/test_postgres.py starts its own server in a temporary folder). Installed with
# apt-get where we are root; elsewhere it says so and that test is skipped with the same reason.
postgres:
	@if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql; \
	else echo "make postgres: PostgreSQL is not installed and cannot be installed here (needs root and apt-get):" \
	          "the PostgreSQL instance-storage test will be skipped"; fi

# Debian's chromium, for the browser test (resident_index_tests/ui/test_browser.py), driven by Playwright (a dev
# dependency) through its executable_path, so no browser is downloaded. Installed with apt-get where we are
# root; elsewhere it says so and that test is skipped with the same reason.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	else echo "make browser: chromium is not installed and cannot be installed here (needs root and apt-get):" \
	          "the browser test will be skipped"; fi

# on both cores (pytest-xdist): a test file's tests run on one worker, in order, so each module's fixtures (an
# Eastmere build, a council copy, a server) are made once; the session's builds are shared by the workers, and
# the files that take minutes go first, in the order resident_index_tests/conftest.py gives (RUN_FIRST)
# Debian's Java runtime, for Splink on Spark (resident_index_tests/scale/test_spark.py, RESIDENT_INDEX_SPLINK_ENGINE=spark;
# docs/scaling.md). Installed with apt-get where we are root and there is no java; elsewhere it says so, and
# that test fails saying Java is missing.
java:
	@if command -v java >/dev/null 2>&1 || [ -x "$${JAVA_HOME:-/nonexistent}/bin/java" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends default-jre-headless; \
	else echo "make java: Java is not installed and cannot be installed here (needs root and apt-get):" \
	          "the Spark test will fail"; fi

test: setup postgres browser java
	.venv/bin/pytest -q -n 2 --dist loadfile --no-loadscope-reorder

# the chart server (loopback, port 3001: RESIDENT_INDEX_CHARTS_URL) lets the UI show each chart inline and open
# its interactive page; it stops with the UI
ui: setup web-users
	.venv/bin/python -m resident_index.charts & charts=$$!; .venv/bin/python -m resident_index.web & web=$$!; \
	trap 'kill $$charts $$web' EXIT INT TERM; \
	.venv/bin/dg dev -w workspace.yaml -h 127.0.0.1 -p 3000

# the web app (docs/web.md) on http://127.0.0.1:8080 (RESIDENT_INDEX_WEB_PORT); on the synthetic council's data
# folder only (it holds truth/), every user in protection/access.yaml without a password gets the demo one
web: setup web-users
	.venv/bin/python -m resident_index.web

web-users:
	@if [ -d "$(RESIDENT_INDEX_DATA_DIR)/truth" ]; then .venv/bin/python -m resident_index.cli web-user --demo; \
	else echo "make web: not the synthetic council's data folder: give users passwords with" \
	          "'.venv/bin/resident-index web-user <id>'"; fi

bench: setup
	.venv/bin/python bench/bench_synth.py
	.venv/bin/python bench/bench_public.py
	.venv/bin/python bench/bench_resolution.py --residents 3000 --seed 42
	.venv/bin/python bench/bench_resolution.py --residents 30000
	.venv/bin/python bench/bench_resolution.py --residents 30000 --variant hard
	.venv/bin/python bench/bench_resolution.py --residents 300000
	.venv/bin/python bench/bench_scale.py --residents 1000000

clean:
	rm -rf $(RESIDENT_INDEX_DATA_DIR)/landing $(RESIDENT_INDEX_DATA_DIR)/reference $(RESIDENT_INDEX_DATA_DIR)/truth \
	       $(RESIDENT_INDEX_DATA_DIR)/warehouse.duckdb data/dagster
