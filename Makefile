# TiDB Binlog: build, test and check targets. `make help` lists them.
SHELL := /usr/bin/env bash
GO ?= go
PKG := github.com/openbinlog/tidb-binlog
BINARIES := $(notdir $(wildcard cmd/*))

RELEASE_VERSION ?= $(shell git describe --tags --dirty --always 2>/dev/null || echo None)
GIT_HASH ?= $(shell git rev-parse HEAD 2>/dev/null || echo None)
GIT_BRANCH ?= $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null || echo None)
BUILD_TS ?= $(shell date -u '+%Y-%m-%d %H:%M:%S')
LDFLAGS := -X '$(PKG)/pkg/version.ReleaseVersion=$(RELEASE_VERSION)' \
	-X '$(PKG)/pkg/version.GitHash=$(GIT_HASH)' \
	-X '$(PKG)/pkg/version.GitBranch=$(GIT_BRANCH)' \
	-X '$(PKG)/pkg/version.BuildTS=$(BUILD_TS)'

.PHONY: all help build $(BINARIES) test unit_test race_test compat_test integration_test check fmt vet lint tidy-check \
	proto proto-check bench playground run clean

all: build

help:
	@echo "build            every binary of cmd/ into bin/ ($(BINARIES))"
	@echo "playground       build what changed, then run pd-lite, tidb-lite, pump and drainer locally"
	@echo "run              the test cluster of tests/run.sh --debug (the original's ports), left up for you"
	@echo "test             every test: unit, wire-compatibility and integration (what CI runs)"
	@echo "check            gofmt, go vet, staticcheck, proto freshness, go mod tidy"
	@echo "bench            benchmarks (pump write/pull)"
	@echo "proto            regenerate proto/ Go code"
	@echo "clean            remove bin/ and test output"

build: $(BINARIES)

$(BINARIES):
	CGO_ENABLED=1 $(GO) build -ldflags "$(LDFLAGS)" -o bin/$@ ./cmd/$@

# The playground builds only the binaries whose sources changed.
playground:
	scripts/playground.sh

# The test cluster of tests/run.sh, started and left up for a person to use.
run:
	tests/run.sh --debug

# The README's test command. Runs every test tier; needs MariaDB on 127.0.0.1:3306
# (started or installed by scripts/ensure-mariadb.sh) and protoc for the checks.
test: check unit_test race_test compat_test integration_test

unit_test:
	scripts/ensure-mariadb.sh
	$(GO) test -p 2 -timeout 15m ./...

# The concurrent core under the race detector.
race_test:
	scripts/ensure-mariadb.sh
	$(GO) test -race -p 2 -timeout 20m ./pump/... ./pkg/pumpclient/... ./pkg/registry/... ./pkg/pdlite/... \
		./pkg/portmux/... ./pkg/loader/... ./pkg/binlogfile/... ./pkg/kafkareader/... ./drainer/... ./reparo/... ./arbiter/...

# Cross-encoding against the original generated types, which register the same
# protobuf names as ours: they live behind a build tag in their own test binary.
compat_test:
	GOLANG_PROTOBUF_REGISTRATION_CONFLICT=warn $(GO) test -tags tipbcompat -count=1 ./proto/...

integration_test: build
	scripts/ensure-mariadb.sh
	$(GO) test -tags integration -count=1 -timeout 15m ./tests/...
	tests/run.sh

check: fmt vet lint proto-check tidy-check

fmt:
	@out=$$(gofmt -s -l $$(git ls-files '*.go' --cached --others --exclude-standard)); \
	if [ -n "$$out" ]; then echo "gofmt -s needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	$(GO) vet -tags tipbcompat ./proto/...
	@if [ -d tests ]; then $(GO) vet -tags integration ./tests/...; fi

lint:
	$(GO) tool staticcheck ./...

proto:
	scripts/ensure-tools.sh
	scripts/genproto.sh

proto-check:
	scripts/ensure-tools.sh
	scripts/check-proto.sh

tidy-check:
	@cp go.mod /tmp/tidb-binlog.go.mod.bak; cp go.sum /tmp/tidb-binlog.go.sum.bak; \
	$(GO) mod tidy; \
	if ! cmp -s go.mod /tmp/tidb-binlog.go.mod.bak || ! cmp -s go.sum /tmp/tidb-binlog.go.sum.bak; then \
		cp /tmp/tidb-binlog.go.mod.bak go.mod; cp /tmp/tidb-binlog.go.sum.bak go.sum; \
		echo "go.mod/go.sum are not tidy: run 'go mod tidy'"; exit 1; fi

bench:
	scripts/bench.sh

clean:
	rm -rf bin /tmp/tidb_binlog_test
