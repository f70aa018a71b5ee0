# make up: install what is missing, start PostGIS, load the data, serve on http://127.0.0.1:8000
# make test: the same base, then the test suite against the real database and HTTP.
SHELL := /bin/bash
PY := .venv/bin/python
VNGEO := .venv/bin/vngeo
STATE := .vngeo
HOST ?= 127.0.0.1
PORT ?= 8000

ROOT := $(shell id -u)

.PHONY: up down test test-loaded check bench system venv db load serve-bg assets chromium a11y nginx fuzz soak clients qgis

up: system venv db load serve-bg
	@echo "vn-geodata is serving on http://$(HOST):$(PORT) (make down to stop)"

# System packages (only what is missing; only as root; never with DATABASE_URL for PostgreSQL).
system:
	@missing=""; \
	if [ -z "$$DATABASE_URL" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then missing="$$missing postgresql"; fi; \
	command -v ogr2ogr >/dev/null || missing="$$missing gdal-bin"; \
	if [ -n "$$missing" ]; then \
	  if [ "$(ROOT)" != 0 ]; then echo "missing system packages:$$missing (install them as root: apt-get install$$missing)"; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi; \
	if [ -z "$$DATABASE_URL" ]; then \
	  v=$$(ls /usr/lib/postgresql | sort -n | tail -1); \
	  if [ ! -f /usr/share/postgresql/$$v/extension/postgis.control ]; then \
	    if [ "$(ROOT)" != 0 ]; then echo "PostGIS missing: apt-get install postgresql-$$v-postgis-3"; exit 1; fi; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-$$v-postgis-3 >/dev/null; fi; \
	fi

venv: .venv/.installed assets
.venv/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

db: venv
	$(VNGEO) db start

load: db
	$(VNGEO) etl load --if-changed

serve-bg: venv
	@if [ -f $(STATE)/serve.pid ] && kill -0 $$(cat $(STATE)/serve.pid) 2>/dev/null; then kill $$(cat $(STATE)/serve.pid); sleep 1; fi
	@mkdir -p $(STATE); nohup $(VNGEO) serve --host $(HOST) --port $(PORT) > $(STATE)/serve.log 2>&1 & echo $$! > $(STATE)/serve.pid
	@for i in $$(seq 1 60); do curl -sf http://$(HOST):$(PORT)/healthz >/dev/null && exit 0; sleep 0.5; done; \
	  echo "the service did not answer; see $(STATE)/serve.log"; tail -20 $(STATE)/serve.log; exit 1

# Browser assets (MapLibre, Leaflet) from npm into maps/static/vendor (git-ignored): no CDN at run time.
assets: maps/static/vendor/.installed
maps/static/vendor/.installed: maps/package.json maps/package-lock.json maps/vendor.mjs
	@command -v npm >/dev/null || { [ "$(ROOT)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; } || { echo "install nodejs and npm"; exit 1; }
	cd maps && npm ci --no-audit --no-fund --loglevel=error && node vendor.mjs
	touch $@

# nginx for tests/test_deploy.py (deploy/nginx.conf run in front of the service; not started as a daemon).
nginx:
	@command -v nginx >/dev/null || { [ "$(ROOT)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; } || { echo "install nginx for the deployment tests (apt-get install nginx-light)"; exit 1; }

# Debian's Chromium for the browser tests (tests/test_viewer.py drives it with Playwright).
chromium:
	@command -v chromium >/dev/null || { [ "$(ROOT)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || { echo "install chromium for the browser tests (apt-get install chromium)"; exit 1; }

# QGIS for the real-client tests (a large install, so not part of `make test`'s prerequisites).
qgis:
	@{ command -v qgis >/dev/null && /usr/bin/python3 -c 'import qgis.core' 2>/dev/null; } || { [ "$(ROOT)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qgis python3-qgis gdal-bin >/dev/null; } || { echo "install QGIS: apt-get install qgis python3-qgis"; exit 1; }

# The GIS clients against the real service: GDAL (ogr2ogr/ogrinfo with -where; the OAPIF and OGCAPI
# drivers), OWSLib, and QGIS headless (OGC API layer, vector tiles, PostGIS view, a PNG in .vngeo/shots).
clients: system venv db load qgis
	$(PY) -m pytest -q tests/test_gis_clients.py tests/test_qgis.py tests/test_exports.py

# Test-only browser tools from npm (axe-core, Lighthouse) for tests/test_viewer_a11y.py.
a11y: tests/a11y/node_modules/.installed
tests/a11y/node_modules/.installed: tests/a11y/package.json tests/a11y/package-lock.json
	cd tests/a11y && npm ci --no-audit --no-fund --loglevel=error
	touch $@

down:
	@if [ -f $(STATE)/serve.pid ]; then kill $$(cat $(STATE)/serve.pid) 2>/dev/null || true; rm -f $(STATE)/serve.pid; fi
	-$(VNGEO) db stop

test: system venv db load chromium a11y nginx
	$(PY) -m pytest -q $(PYTEST_ARGS)

# The fast tier, before a commit: lint, format check and the pure tests (no database, server, browser
# or network; tests/conftest.py lists them). Needs only the venv: no `make db`, no npm.
check: .venv/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest -q -m pure

# make test on a busy machine: two CPU busy loops run beside it from start to end (the setup and the
# load included), then stop. PYTEST_ARGS narrows it (e.g. PYTEST_ARGS=tests/test_reliability.py).
test-loaded:
	@hogs=""; for i in 1 2; do ( while :; do :; done ) & hogs="$$hogs $$!"; done; \
	trap 'kill $$hogs 2>/dev/null' EXIT; t0=$$(date +%s); \
	$(MAKE) --no-print-directory test PYTEST_ARGS="$(PYTEST_ARGS)"; rc=$$?; \
	echo "make test-loaded: exit $$rc after $$(( $$(date +%s) - t0 )) s beside two busy loops"; exit $$rc

bench: system venv db load
	@command -v wrk >/dev/null || { [ "$(ROOT)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || { echo "install wrk"; exit 1; }
	$(PY) -m bench

fuzz: system venv db load  # long schemathesis run (issue 9): examples per operation; prints the figures
	VNGEO_FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-150} VNGEO_FUZZ_RANDOM=1 $(PY) -m pytest -q -s tests/test_fuzz.py

soak: system venv db load  # 5 minutes at 80% of the measured peak single-lookup rate: p99, RSS, errors
	$(PY) -m bench.soak
