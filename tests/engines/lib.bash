# Shared by tests/engines/*.bats: the engines users run holo under (Docker,
# Podman, containerd's ctr and CRI), each case run once with Debian's runc
# (the reference) and once with holo, in the same test, asserting that
# both give the same observable result.
#
# A case is a shell function that prints what a user would see (exit codes,
# output, state), normalised so that it does not depend on ids or timing.
# `both FN ARGS…` runs it with R=runc and then R=holo (R names the runtime
# to the engine), and fails unless holo printed exactly what runc printed.
# The test then checks the reference output itself ($ref), so that a case
# in which both runtimes fail alike cannot pass.

ENGINES_SRC=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
HOLO=${HOLO_BINARY:-$ENGINES_SRC/holo}
HOLO_SHIM=${SHIM_BINARY:-$ENGINES_SRC/containerd-shim-holo-v2}
RUNC=${RUNC_BINARY:-/usr/sbin/runc}
# Seconds any one engine command may take.
ENGINE_TIMEOUT=${ENGINE_TIMEOUT:-90}
# Debian's python3 (python3-grpcio, python3-protobuf), whatever else is on PATH.
PY=${PY:-/usr/bin/python3}

engines_require() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || skip "$c is not installed (tests/run.sh installs it)"
	done
	[ -x "$HOLO" ] || skip "$HOLO is not built"
	[ -x "$RUNC" ] || skip "$RUNC is not installed"
}

# A private directory for one engine's daemon, state and sockets; short,
# because unix socket paths under it must stay below 108 bytes.
engines_tmpdir() {
	mktemp -d "/tmp/holo-$1.XXXXXX"
}

# A busybox root filesystem as a tarball, for `docker import` and
# `podman import`.
busybox_rootfs_tar() {
	local out=$1 work
	work=$(mktemp -d)
	bash "$ENGINES_SRC/tests/engines/busybox-rootfs.sh" "$work/rootfs"
	tar --sort=name --owner=0 --group=0 --numeric-owner -C "$work/rootfs" -cf "$out" .
	rm -rf "$work"
}

# both FN ARGS…: FN with R=runc, then with R=holo (and any other name in
# ENGINE_RUNTIMES after runc: ways of running holo under the same engine).
# Each run's output and final status are kept; the reference (runc's) is
# in $ref, and every other run must have printed exactly the same.
both() {
	local r rc differ=0
	for r in ${ENGINE_RUNTIMES:-runc holo}; do
		rc=0
		R=$r "$@" >"$BATS_TEST_TMPDIR/out.$r" 2>&1 || rc=$?
		echo "status $rc" >>"$BATS_TEST_TMPDIR/out.$r"
	done
	ref=$(cat "$BATS_TEST_TMPDIR/out.runc")
	for r in ${ENGINE_RUNTIMES:-runc holo}; do
		[ "$r" = runc ] && continue
		if [ "$ref" != "$(cat "$BATS_TEST_TMPDIR/out.$r")" ]; then
			echo "$r differs from runc (- runc, + $r):"
			diff -u "$BATS_TEST_TMPDIR/out.runc" "$BATS_TEST_TMPDIR/out.$r" | tail -n +3
			differ=1
		fi
	done
	[ "$differ" = 0 ] || return 1
	echo "every runtime (${ENGINE_RUNTIMES:-runc holo}):"
	echo "$ref"
}

# ref_has LINE…: every LINE is a whole line of the reference output.
ref_has() {
	local l
	for l in "$@"; do
		grep -qxF -- "$l" <<<"$ref" || {
			echo "runc's output lacks the line '$l' (the case or the host is wrong, not holo):"
			echo "$ref"
			return 1
		}
	done
}

# ref_matches ERE: some line of the reference output matches ERE.
ref_matches() {
	grep -qE -- "$1" <<<"$ref" || {
		echo "runc's output has no line matching '$1':"
		echo "$ref"
		return 1
	}
}

# doc_snippet FILE NAME: the fenced block after "<!-- test: NAME -->" in
# FILE (the README, doc/): tests run what the documentation shows.
doc_snippet() {
	awk -v want="<!-- test: $2 -->" '
		$0 == want { found = 1; next }
		found && /^```/ { if (inside) exit; inside = 1; next }
		inside { print }
	' "$ENGINES_SRC/$1" | grep . || {
		echo "no snippet '$2' in $1" >&2
		return 1
	}
}

# wait_for SECONDS CMD…: until CMD succeeds, at most SECONDS.
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	"$@"
}

# ptyrun CMD…: CMD on a new pseudo-terminal (as a user's shell gives it),
# stdin fed from ours; prints what the terminal showed, CRs removed.
ptyrun() {
	timeout -k 5 "$ENGINE_TIMEOUT" "$PY" "$ENGINES_SRC/tests/engines/ptyrun.py" "$@" | tr -d '\r'
	return "${PIPESTATUS[0]}"
}

# stop_daemon PIDFILE: SIGTERM to the daemon we started, then wait for it.
stop_daemon() {
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null || true
	local i
	for i in $(seq 150); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
	rm -f "$1"
}

# ns_start DIR [SCRIPT]: a private mount namespace for an engine, kept by
# a holder process (pid in DIR/holder.pid), with a fresh tmpfs on /run:
# the engine's sockets and the runtimes' default state roots
# (/run/containerd, /run/runc, /run/holo) are then its own and vanish with
# it. SCRIPT (sh, $0 = DIR) mounts more before the namespace is used.
ns_start() {
	local dir=$1 more=${2:-true}
	unshare -m --propagation private -- sh -c "
		mount -t tmpfs -o mode=755 tmpfs /run && $more &&
		touch \"\$0/ns-ready\" && exec sleep infinity" "$dir" </dev/null >"$dir/holder.log" 2>&1 3>&- &
	echo $! >"$dir/holder.pid"
	wait_for 10 test -f "$dir/ns-ready" || {
		cat "$dir/holder.log"
		return 1
	}
}

# ns DIR CMD…: CMD in the namespace of DIR's holder.
ns() {
	local dir=$1
	shift
	nsenter -t "$(cat "$dir/holder.pid")" -m -- "$@"
}

# ns_stop DIR: kills every process left in the namespace (only what the
# tests started lives there: daemons, shims, conmon, containers' init
# processes are in their own), then the holder.
ns_stop() {
	local holder mnt p
	holder=$(cat "$1/holder.pid" 2>/dev/null) || return 0
	mnt=$(readlink "/proc/$holder/ns/mnt") || return 0
	for p in $(ls /proc | grep -E '^[0-9]+$'); do
		[ "$p" = "$holder" ] && continue
		[ "$(readlink "/proc/$p/ns/mnt" 2>/dev/null)" = "$mnt" ] && kill -9 "$p" 2>/dev/null
	done
	kill "$holder" 2>/dev/null
	rm -f "$1/holder.pid"
}

# Unmounts whatever is left mounted under DIR, deepest first.
unmount_under() {
	grep -o " $1/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done
}
