#!/usr/bin/env bash
# make demo: start a local MinIO (data in ./.demo), fill it with sample
# buckets and files, mount s3:// at ./mnt with objfs, show the tree, and
# serve until Ctrl-C; then unmount and stop MinIO and exit 0.
#
# On a terminal, Ctrl-C is read as a key (stty -isig) rather than
# delivered as SIGINT: SIGINT reaches the whole foreground process group,
# make included, which would then report "Error 130" and exit non-zero
# however cleanly the demo ended.
#
# Environment: OBJFS (objfs binary, default bin/objfs), OBJFS_MINIO (minio
# binary, default: the pinned install of `make tools`, else $PATH),
# DEMO_PORT (MinIO port, default 9000 or the next free one).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
DEMO=$ROOT/.demo
MNT=$ROOT/mnt
OBJFS=${OBJFS:-bin/objfs}

if [[ -t 1 ]]; then
	say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
else
	say() { printf '==> %s\n' "$*"; }
fi
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

# --- tools -----------------------------------------------------------------
version=$(cat internal/testenv/minio.version)
minio_dir=${XDG_CACHE_HOME:-$HOME/.cache}/objfs/tools/minio-$(echo "$version" | cut -d- -f2 | cut -c1-8)
find_minio() {
	if [[ -n ${OBJFS_MINIO:-} ]]; then echo "$OBJFS_MINIO"
	elif [[ -x $minio_dir/minio ]]; then echo "$minio_dir/minio"
	else command -v minio || true
	fi
}
if [[ ! -x $OBJFS || -z $(find_minio) ]] || ! command -v fusermount3 >/dev/null; then
	say "installing tools and building objfs (make tools build)"
	make --no-print-directory tools build
fi
MINIO=$(find_minio)
[[ -x $MINIO ]] || die "no minio binary (run: make tools)"

# --- ports -------------------------------------------------------------------
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port_from() {
	local p=$1
	while port_busy "$p"; do p=$((p + 1)); done
	echo "$p"
}
PORT=${DEMO_PORT:-$(free_port_from 9000)}
CONSOLE_PORT=$(free_port_from $((PORT + 1)))
ENDPOINT=http://127.0.0.1:$PORT

# Local demo credentials, for MinIO and objfs alike, passed in the
# environment only (never on a command line).
export AWS_ACCESS_KEY_ID=objfs-demo
export AWS_SECRET_ACCESS_KEY=objfs-demo-secret
export AWS_REGION=us-east-1

# --- mountpoint --------------------------------------------------------------
is_mounted() { grep -qs " $MNT " /proc/self/mountinfo; }
if is_mounted; then
	if ls "$MNT" >/dev/null 2>&1; then
		die "$MNT is already mounted (another demo running?); unmount it with: fusermount3 -u $MNT"
	fi
	fusermount3 -u -z "$MNT" # stale mount of a demo that crashed
fi
mkdir -p "$DEMO/data" "$MNT"

# --- clean-up, whatever happens ------------------------------------------------
MINIO_PID= OBJFS_PID= TTY_STATE=
cleanup() {
	trap - EXIT INT TERM
	if [[ -n $TTY_STATE ]]; then stty "$TTY_STATE" 2>/dev/null || true; fi
	echo
	if [[ -n $OBJFS_PID ]] && kill -0 "$OBJFS_PID" 2>/dev/null; then
		say "unmounting $MNT"
		kill -TERM "$OBJFS_PID" 2>/dev/null || true
		wait "$OBJFS_PID" 2>/dev/null || true
	fi
	if is_mounted; then fusermount3 -u -z "$MNT" || true; fi
	if [[ -n $MINIO_PID ]] && kill -0 "$MINIO_PID" 2>/dev/null; then
		say "stopping MinIO"
		kill -TERM "$MINIO_PID" 2>/dev/null || true
		wait "$MINIO_PID" 2>/dev/null || true
	fi
	say "done (MinIO data kept in $DEMO; make clean removes it)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM # until serving; then Ctrl-C is the way to stop

# --- MinIO -------------------------------------------------------------------
say "starting MinIO on $ENDPOINT (data in .demo/data, log in .demo/minio.log)"
MINIO_ROOT_USER=$AWS_ACCESS_KEY_ID MINIO_ROOT_PASSWORD=$AWS_SECRET_ACCESS_KEY \
	MINIO_BROWSER=off MINIO_UPDATE=off \
	"$MINIO" server --address "127.0.0.1:$PORT" --console-address "127.0.0.1:$CONSOLE_PORT" \
	--certs-dir "$DEMO/certs" "$DEMO/data" >"$DEMO/minio.log" 2>&1 &
MINIO_PID=$!
live() {
	exec 3<>"/dev/tcp/127.0.0.1/$PORT" || return 1
	printf 'GET /minio/health/live HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
	local status
	read -r _ status _ <&3 || true
	exec 3<&-
	[[ $status == 200 ]]
}
for _ in $(seq 600); do
	live 2>/dev/null && break
	kill -0 "$MINIO_PID" 2>/dev/null || { tail -20 "$DEMO/minio.log" >&2; die "MinIO exited"; }
	sleep 0.1
done
live 2>/dev/null || die "MinIO did not answer within 60 s (see .demo/minio.log)"

say "seeding sample buckets"
go run ./integration/cmd/seed --endpoint "$ENDPOINT"

# --- objfs ---------------------------------------------------------------------
say "mounting s3:// at ./mnt (log in .demo/objfs.log)"
"$OBJFS" mount --foreground --endpoint "$ENDPOINT" --region us-east-1 --path-style s3:// "$MNT" >"$DEMO/objfs.log" 2>&1 &
OBJFS_PID=$!
for _ in $(seq 200); do
	is_mounted && break
	kill -0 "$OBJFS_PID" 2>/dev/null || { cat "$DEMO/objfs.log" >&2; die "objfs exited"; }
	sleep 0.1
done
is_mounted || die "mnt not mounted within 20 s (see .demo/objfs.log)"

say "the tree under ./mnt"
(cd "$MNT" && find . -mindepth 1 | sort | head -n 60)
cat <<EOT

objfs is serving every bucket of $ENDPOINT at ./mnt. In another terminal, try:

  ls -l mnt/demo-datasets/mnist/train
  cat mnt/demo-docs/hello.txt
  md5sum mnt/demo-datasets/mnist/train/*.bin
  tail mnt/demo-logs/nginx/access.log

MinIO's credentials, for the aws CLI or another objfs:
  AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY

Press Ctrl-C to unmount and stop MinIO.
EOT
trap 'exit 0' INT TERM # the expected way to end the demo
if [[ -t 0 ]] && TTY_STATE=$(stty -g 2>/dev/null) && stty -isig -icanon -echo min 0 time 10 2>/dev/null; then
	# Ctrl-C arrives as the byte 0x03 (q works too). Not bash's read -n,
	# which turns signals back on; dd returns after 1 s with nothing.
	while kill -0 "$OBJFS_PID" 2>/dev/null; do
		key=$(dd bs=1 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')
		case $key in 03 | 71) break ;; esac
	done
else
	wait "$OBJFS_PID" || true
fi
exit 0
