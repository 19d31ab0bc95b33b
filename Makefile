# objfs build, test and demo. `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
GO    ?= go

BIN := bin/objfs

# The pinned MinIO: internal/testenv/minio.version is the one place the
# version is written; testenv derives the same install directory from it.
MINIO_VERSION := $(shell cat internal/testenv/minio.version)
MINIO_DATE    := $(shell echo '$(MINIO_VERSION)' | cut -d- -f2 | cut -c1-8)
CACHE_HOME    := $(if $(XDG_CACHE_HOME),$(XDG_CACHE_HOME),$(HOME)/.cache)
MINIO_DIR     := $(CACHE_HOME)/objfs/tools/minio-$(MINIO_DATE)

# The pinned golangci-lint, written only here. Its directory names the Go
# version too: the linter type-checks with the toolchain that built it, so
# a new Go rebuilds it.
GOLANGCI_LINT_VERSION := v2.15.0
GOLANGCI_LINT_DIR     := $(CACHE_HOME)/objfs/tools/golangci-lint-$(GOLANGCI_LINT_VERSION)-$(shell $(GO) env GOVERSION)
GOLANGCI_LINT         := $(GOLANGCI_LINT_DIR)/golangci-lint
TOOLS_ENV := MINIO_VERSION='$(MINIO_VERSION)' MINIO_DIR='$(MINIO_DIR)' \
	GOLANGCI_LINT_VERSION='$(GOLANGCI_LINT_VERSION)' GOLANGCI_LINT_DIR='$(GOLANGCI_LINT_DIR)'

TEST_TIMEOUT ?= 25m
# How long `make test` fuzzes the connectors path matcher (acl.FuzzMatcher).
FUZZ_TIME ?= 60s
# Tests fail instead of skipping when FUSE is missing; REQUIRE_FUSE=0 lets
# them skip on a machine without /dev/fuse.
REQUIRE_FUSE ?= 1

.PHONY: build tools lint test demo bench clean

# The commit objfs was built from, for `objfs version` where Go records
# no VCS stamp itself (a git worktree, GOFLAGS=-buildvcs=false).
GIT_COMMIT   := $(shell git rev-parse HEAD 2>/dev/null)
GIT_MODIFIED := $(shell test -n "$$(git status --porcelain --untracked-files=no 2>/dev/null)" && echo true || echo false)
# The pseudo-version go build derives from a clone (v0.0.0-TIME-COMMIT).
GIT_VERSION  := $(shell TZ=UTC git log -1 --abbrev=12 --date=format-local:%Y%m%d%H%M%S --format=v0.0.0-%cd-%h 2>/dev/null)$(if $(filter true,$(GIT_MODIFIED)),+dirty)
LDFLAGS      := -X main.version=$(GIT_VERSION) -X main.commit=$(GIT_COMMIT) -X main.modified=$(GIT_MODIFIED)

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/objfs

tools:
	@$(TOOLS_ENV) scripts/install-tools.sh

# golangci-lint with .golangci.yml: depguard keeps the layering (README,
# Design), plus a few linters that stay quiet on correct code.
lint:
	@$(TOOLS_ENV) scripts/install-tools.sh golangci-lint
	$(GOLANGCI_LINT) run ./...

# The file system and cache packages, whose tests also run on one P, as
# go-fuse's CI does: scheduling differences there shake out lock-order and
# wake-up bugs.
ONE_P_PKGS := ./fs/... ./vfs/... ./cache/...

test: tools build
	$(GO) vet ./...
	$(GOLANGCI_LINT) run ./...
	OBJFS_REQUIRE_MINIO=1 OBJFS_REQUIRE_FUSE=$(REQUIRE_FUSE) \
		$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...
	GOMAXPROCS=1 $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) $(ONE_P_PKGS)
	$(GO) test -run='^$$' -fuzz=FuzzMatcher -fuzztime=$(FUZZ_TIME) ./acl/
	GOOS=darwin $(GO) build ./...

# objfs against the raw S3 ceiling, measured in the same run on this machine
# (bench/doc.go); BENCH_ARGS="-big 256M" for a quick run. PEERS="rclone s3fs"
# also runs the workloads on those file systems (installed with apt-get when
# missing) and prints them as extra columns.
PEERS ?=
bench: tools build
	$(if $(strip $(PEERS)),@$(TOOLS_ENV) scripts/install-tools.sh peers $(PEERS))
	$(GO) run ./bench -objfs $(BIN) $(if $(strip $(PEERS)),-peers '$(strip $(PEERS))') $(BENCH_ARGS)

demo: tools build
	OBJFS=$(BIN) scripts/demo.sh

clean:
	rm -rf bin .demo
	@if [ -d mnt ] && ! grep -qs " $(CURDIR)/mnt " /proc/self/mountinfo; then rmdir mnt; fi
