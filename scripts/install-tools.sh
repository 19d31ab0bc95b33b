#!/usr/bin/env bash
# Installs what the tests and the demo need, when missing: fuse3
# (fusermount3, via apt-get), systemd-analyze (the systemd package, via
# apt-get) and the pinned MinIO (via go install into the objfs tool
# cache). Idempotent, and silent when everything is there.
#
# Environment (the Makefile sets both from internal/testenv/minio.version):
#   MINIO_VERSION  Go module version of github.com/minio/minio
#   MINIO_DIR      directory that receives the minio binary
set -euo pipefail

: "${MINIO_VERSION:?set MINIO_VERSION (see internal/testenv/minio.version)}"
: "${MINIO_DIR:?set MINIO_DIR}"

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

# The integration tests drive the mount with real tools; rsync is the one
# a minimal Debian lacks.
install_test_tools() {
	[[ $(uname -s) == Linux ]] || return 0
	command -v rsync >/dev/null && return 0
	echo "install-tools: installing rsync (apt-get)"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rsync >/dev/null
	command -v rsync >/dev/null || { echo "install-tools: rsync installed but not found" >&2; return 1; }
}

install_minio() {
	[[ -x $MINIO_DIR/minio ]] && return 0
	echo "install-tools: building MinIO $MINIO_VERSION into $MINIO_DIR (several minutes the first time)"
	mkdir -p "$MINIO_DIR"
	# go install writes the binary only once it is fully built, so an
	# interrupted install leaves nothing that looks installed.
	GOBIN="$MINIO_DIR" go install "github.com/minio/minio@$MINIO_VERSION"
	[[ -x $MINIO_DIR/minio ]] || { echo "install-tools: go install did not produce $MINIO_DIR/minio" >&2; return 1; }
}

install_fuse
install_systemd_analyze
install_test_tools
install_minio
