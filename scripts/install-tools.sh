#!/usr/bin/env bash
# Installs what the tests and the demo need, when missing: fuse3
# (fusermount3, via apt-get), systemd-analyze (the systemd package, via
# apt-get), the tools the integration tests drive (rsync, git, rclone,
# getfattr from attr; apt-get), the pinned MinIO and the pinned golangci-lint (both via go
# install into the objfs tool cache). Idempotent, and silent when
# everything is there.
#
# Usage: install-tools.sh [golangci-lint | peers NAME...]
#   With no argument, installs everything; with `golangci-lint`, only the
#   linter (what `make lint` needs); with `peers rclone s3fs`, the Debian
#   packages of the peer file systems `make bench PEERS=...` runs.
#
# Environment (the Makefile sets them; MinIO's version comes from
# internal/testenv/minio.version, golangci-lint's from the Makefile):
#   MINIO_VERSION          Go module version of github.com/minio/minio
#   MINIO_DIR              directory that receives the minio binary
#   GOLANGCI_LINT_VERSION  version of github.com/golangci/golangci-lint/v2
#   GOLANGCI_LINT_DIR      directory that receives the golangci-lint binary
set -euo pipefail

as_root() {
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		echo "install-tools: need root for: $*" >&2
		return 1
	fi
}

install_fuse() {
	command -v fusermount3 >/dev/null && return 0
	if [[ $(uname -s) != Linux ]]; then
		echo "install-tools: no fusermount3; on macOS install macFUSE (https://macfuse.github.io)" >&2
		return 0
	fi
	echo "install-tools: installing fuse3 (apt-get)"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fuse3 >/dev/null
	command -v fusermount3 >/dev/null || { echo "install-tools: fuse3 installed but no fusermount3" >&2; return 1; }
}

# systemd-analyze verifies the unit files in contrib/systemd (integration
# tests); Debian ships it in the systemd package.
install_systemd_analyze() {
	command -v systemd-analyze >/dev/null && return 0
	[[ $(uname -s) == Linux ]] || return 0
	echo "install-tools: installing systemd (apt-get) for systemd-analyze"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd >/dev/null
	command -v systemd-analyze >/dev/null || { echo "install-tools: systemd installed but no systemd-analyze" >&2; return 1; }
}

# The integration tests drive the mount with real tools; rsync, git (a
# clone with links and an executable through the mount), rclone (which
# reads back objfs's links and modes) and getfattr (the attr package: the
# user.s3.* extended attributes) are the ones a minimal Debian lacks.
# Each entry is TOOL:PACKAGE.
install_test_tools() {
	[[ $(uname -s) == Linux ]] || return 0
	local missing=() tools=()
	for entry in rsync:rsync git:git rclone:rclone getfattr:attr; do
		command -v "${entry%%:*}" >/dev/null && continue
		tools+=("${entry%%:*}")
		missing+=("${entry#*:}")
	done
	[[ ${#missing[@]} -eq 0 ]] && return 0
	echo "install-tools: installing ${missing[*]} (apt-get)"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	for tool in "${tools[@]}"; do
		command -v "$tool" >/dev/null || { echo "install-tools: $tool installed but not found" >&2; return 1; }
	done
}

install_minio() {
	: "${MINIO_VERSION:?set MINIO_VERSION (see internal/testenv/minio.version)}"
	: "${MINIO_DIR:?set MINIO_DIR}"
	[[ -x $MINIO_DIR/minio ]] && return 0
	echo "install-tools: building MinIO $MINIO_VERSION into $MINIO_DIR (several minutes the first time)"
	mkdir -p "$MINIO_DIR"
	# go install writes the binary only once it is fully built, so an
	# interrupted install leaves nothing that looks installed.
	GOBIN="$MINIO_DIR" go install "github.com/minio/minio@$MINIO_VERSION"
	[[ -x $MINIO_DIR/minio ]] || { echo "install-tools: go install did not produce $MINIO_DIR/minio" >&2; return 1; }
}

# golangci-lint from source through the Go module proxy, like MinIO: no
# release tarball from elsewhere. Its directory names the Go version too,
# since the linter type-checks with the toolchain it was built with.
install_golangci_lint() {
	: "${GOLANGCI_LINT_VERSION:?set GOLANGCI_LINT_VERSION (see the Makefile)}"
	: "${GOLANGCI_LINT_DIR:?set GOLANGCI_LINT_DIR}"
	[[ -x $GOLANGCI_LINT_DIR/golangci-lint ]] && return 0
	echo "install-tools: building golangci-lint $GOLANGCI_LINT_VERSION into $GOLANGCI_LINT_DIR (a few minutes the first time)"
	mkdir -p "$GOLANGCI_LINT_DIR"
	GOBIN="$GOLANGCI_LINT_DIR" go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$GOLANGCI_LINT_VERSION"
	[[ -x $GOLANGCI_LINT_DIR/golangci-lint ]] || { echo "install-tools: go install did not produce $GOLANGCI_LINT_DIR/golangci-lint" >&2; return 1; }
}

# The peers `make bench PEERS="rclone s3fs"` compares with: each name is
# its Debian package and its command.
install_peers() {
	[[ $(uname -s) == Linux ]] || { echo "install-tools: the bench runs on Linux only" >&2; return 1; }
	local missing=()
	for peer in "$@"; do
		case $peer in
		rclone | s3fs) command -v "$peer" >/dev/null || missing+=("$peer") ;;
		*) echo "install-tools: unknown peer $peer (known: rclone s3fs)" >&2; return 1 ;;
		esac
	done
	[[ ${#missing[@]} -eq 0 ]] && return 0
	echo "install-tools: installing ${missing[*]} (apt-get)"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	for peer in "${missing[@]}"; do
		command -v "$peer" >/dev/null || { echo "install-tools: $peer installed but not found" >&2; return 1; }
	done
}

case "${1:-all}" in
all)
	install_fuse
	install_systemd_analyze
	install_test_tools
	install_minio
	install_golangci_lint
	;;
golangci-lint)
	install_golangci_lint
	;;
peers)
	shift
	install_peers "$@"
	;;
*)
	echo "usage: $0 [golangci-lint | peers NAME...]" >&2
	exit 2
	;;
esac
