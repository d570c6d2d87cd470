# Shared by tests/integration/shim*.bats: one private containerd per file
# (setup_file / teardown_file), the shim and holo from the build tree.

SHIM_SRC=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
export SHIM_BINARY=${SHIM_BINARY:-$SHIM_SRC/containerd-shim-holo-v2}
export HOLO_BINARY=${HOLO_BINARY:-$SHIM_SRC/holo}
RUNTIME_NAME=io.containerd.holo.v2
# Seconds any single ctr command may take.
CTR_TIMEOUT=${CTR_TIMEOUT:-60}

. "$SHIM_SRC/tests/shim/env.sh"

shim_setup_file() {
	command -v containerd >/dev/null || skip "containerd is not installed (apt-get install containerd)"
	[ -x "$SHIM_BINARY" ] || skip "$SHIM_BINARY is not built"
	[ -x "$HOLO_BINARY" ] || skip "$HOLO_BINARY is not built"
	# Short: unix socket paths under it must stay below 108 bytes.
	export SHIM_ENV_DIR=$(mktemp -d /tmp/holo-shim-test.XXXXXX)
	# Private to this run, so that two runs at once do not meet: holo's
	# state root (the Root option, from the runtime options file that every
	# `ctr run $RUNTIME_FLAGS` names, as CRI's ConfigPath would) and the
	# namespace, which also names the containers' cgroups (/NS/ID).
	export SHIM_NS=holo-test-${SHIM_ENV_DIR##*.}
	printf 'Root = "%s"\n' "$SHIM_ENV_DIR/holo-root" >"$SHIM_ENV_DIR/holo-options.toml"
	export RUNTIME_FLAGS="--runtime $RUNTIME_NAME --runtime-config-path $SHIM_ENV_DIR/holo-options.toml"
	shim_env_start "$SHIM_ENV_DIR"
}

shim_teardown_file() {
	[ -n "${SHIM_ENV_DIR:-}" ] || return 0
	SHIM_ENV=$SHIM_ENV_DIR
	shim_env_cleanup
	rm -rf "$SHIM_ENV_DIR"
	# The namespace's parent cgroups, left empty by the deleted containers.
	local d
	for d in /sys/fs/cgroup/"$SHIM_NS" /sys/fs/cgroup/*/"$SHIM_NS"; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
	return 0
}

# ctr against the private containerd, bounded in time.
ctrt() {
	timeout "$CTR_TIMEOUT" ctr --address "$SHIM_ENV_DIR/containerd.sock" --namespace "$SHIM_NS" "$@"
}

# Skips the test unless `holo CMD --help` works.
require_holo() {
	"$HOLO_BINARY" "$1" --help >/dev/null 2>&1 || skip "holo $1 is not implemented yet"
}

task_status() {
	ctrt task ls | awk -v id="$1" '$1 == id { print $3 }'
}

task_pid() {
	ctrt task ls | awk -v id="$1" '$1 == id { print $2 }'
}

shim_pid_of() {
	pgrep -f "containerd-shim-holo-v2 .*-address $SHIM_ENV_DIR/containerd.sock .*-id $1( |$)" || true
}

# Waits up to $2 seconds (default 10) for task $1 to reach STATUS $3.
wait_status() {
	local id=$1 want=$3 i
	for i in $(seq $((${2:-10} * 10))); do
		[ "$(task_status "$id")" = "$want" ] && return 0
		sleep 0.1
	done
	echo "task $id: status $(task_status "$id"), wanted $want" >&2
	return 1
}

# Kills and removes task and container $1 whatever their state.
remove_task() {
	ctrt task kill -s KILL "$1" >/dev/null 2>&1 || true
	local st
	st=$(task_status "$1")
	[ -z "$st" ] || wait_status "$1" 10 STOPPED >/dev/null 2>&1 || true
	ctrt task rm -f "$1" >/dev/null 2>&1 || true
	ctrt container rm "$1" >/dev/null 2>&1 || true
}

# Shims still running for ids starting with $1.
shim_env_shims_for() {
	pgrep -f "containerd-shim-holo-v2 .*-address $SHIM_ENV_DIR/containerd.sock .*-id $1" || true
}
