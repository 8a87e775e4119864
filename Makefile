# changebus: build, test, demo and benchmark against a private RabbitMQ node.
#
#   make test    install what is missing, build, start the broker, run every test
#   make demo    the end-to-end demo (release build)
#   make bench   the publish benchmark (release build)
#
# The broker is scripts/broker (a RabbitMQ node on 127.0.0.1:5673, data in var/broker);
# see `scripts/broker help` for its settings (CHANGEBUS_BROKER_DIR, CHANGEBUS_AMQP_PORT, ...).
# Tests read CHANGEBUS_TEST_AMQP_URL (default: that node's URL) and
# CHANGEBUS_TEST_AMQPS_URL (default: its TLS URL with the generated CA and client
# certificate). Pass extra `swift test` arguments with SWIFT_TEST_ARGS, e.g.
#   make test SWIFT_TEST_ARGS='--filter AMQPTests'

SHELL := /bin/bash
SWIFT ?= swift
SWIFT_TEST_ARGS ?=
BROKER := scripts/broker

.PHONY: all deps build broker broker-stop test demo bench clean

all: build

deps:
	scripts/deps

build: deps
	$(SWIFT) build

broker: deps
	$(BROKER) start

broker-stop:
	$(BROKER) stop

# --no-parallel: the integration tests block threads while real agents, git and brokers
# run; in parallel they starve the timing-sensitive convergence tests on 2 cores.
test: build broker
	CHANGEBUS_TEST_AMQP_URL="$${CHANGEBUS_TEST_AMQP_URL:-$$($(BROKER) url)}" \
	CHANGEBUS_TEST_AMQPS_URL="$${CHANGEBUS_TEST_AMQPS_URL:-$$($(BROKER) url tls)}" \
	$(SWIFT) test --no-parallel $(SWIFT_TEST_ARGS)

# The demo starts the broker itself (and stops it again if it started it).
demo: deps
	$(SWIFT) build -c release --product changebus
	scripts/demo

bench: deps broker
	$(SWIFT) build -c release
	@[[ -x bench/publish ]] || { echo "make bench: bench/publish does not exist yet" >&2; exit 1; }
	bench/publish

# Stops the default node first: deleting var/ under a running node would orphan it.
clean: broker-stop
	rm -rf .build var
