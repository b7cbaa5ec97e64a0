# The two commands a new user runs: `make up` (the whole system) and `make test` (the suite).
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
WEB_URL := http://127.0.0.1:8000

# `make up KAFKA_BROKERS=3`: a three-node Kafka cluster instead of one broker; the system then
# uses all three, with replication factor 3 and min.insync.replicas 2.
KAFKA_BROKERS ?= 1
export KAFKA_BROKERS
ifeq ($(KAFKA_BROKERS),3)
export KAFKA_BOOTSTRAP_SERVERS ?= 127.0.0.1:9092,127.0.0.1:9094,127.0.0.1:9096
export KAFKA_REPLICATION_FACTOR ?= 3
export KAFKA_MIN_INSYNC_REPLICAS ?= 2
endif

.PHONY: help venv services services-stop status up down test lint format migrate logs

help:
	@echo "make up      run the whole system locally (services, migrations, every process)"
	@echo "make down    stop everything that make up started"
	@echo "make test    run the whole test suite against real PostgreSQL, Redis and Kafka"
	@echo "make status  show the services and each process: state, pid, uptime, restarts"
	@echo "make logs    follow every process's log"
	@echo "make lint    ruff check and format check"

venv:
	@ops/venv.sh

services: venv
	@ops/services.sh start

services-stop:
	@ops/services.sh stop

migrate: services
	@$(MANAGE) migrate --noinput

up: services
	@ops/system.sh start

down:
	@ops/system.sh stop
	@ops/services.sh stop

status:
	@ops/services.sh status || true
	@ops/system.sh status || true

logs:
	@ops/system.sh logs

lint: venv
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

format: venv
	@$(VENV)/bin/ruff format .
	@$(VENV)/bin/ruff check --fix .

# The suite on both cores (pytest-xdist; an idle worker takes tests queued for the other, so
# the long system tests do not leave one core waiting). `make test PYTEST_WORKERS=0` runs it
# in one process.
PYTEST_WORKERS ?= 2

test: services
	@ops/browser.sh >/dev/null
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/pytest $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist worksteal)
