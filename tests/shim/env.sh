# A private containerd for the shim tests and benchmarks: its own root,
# state, sockets and config; containerd-shim-holo-v2 and holo from the
# build tree first on PATH; a busybox image imported offline.
#
#   . tests/shim/env.sh
#   shim_env_start DIR     # starts containerd, imports the image
#   ctrd run --rm --runtime io.containerd.holo.v2 "$SHIM_IMAGE" ID echo hi
#   shim_env_stop          # stops containerd (running shims stay)
#   shim_env_cleanup       # kills what is left, removes DIR

SHIM_SRC=${SHIM_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SHIM_IMAGE=${SHIM_IMAGE:-docker.io/library/busybox:holo-test}
SHIM_NS=${SHIM_NS:-holo-test}

ctrd() {
	ctr --address "$SHIM_ENV/containerd.sock" --namespace "$SHIM_NS" "$@"
}

shim_env_write_config() {
	local d=$1
	mkdir -p "$d/root" "$d/state" "$d/opt" "$d/bin"
	cat >"$d/config.toml" <<-TOML
		version = 2
		root = "$d/root"
		state = "$d/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]

		[grpc]
		  address = "$d/containerd.sock"

		[debug]
		  level = "${SHIM_ENV_LOG_LEVEL:-info}"

		[plugins."io.containerd.internal.v1.opt"]
		  path = "$d/opt"

		# The runtime as CRI would use it (the CRI plugin itself is off here:
		# ctr names the runtime directly, and containerd resolves
		# io.containerd.holo.v2 to containerd-shim-holo-v2 on PATH, where the
		# shim also finds holo).
		[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.holo]
		  runtime_type = "io.containerd.holo.v2"
	TOML
}

# Starts containerd with DIR as its home; PATH gets DIR/bin, where the
# shim and holo from the build tree are linked.
shim_env_start() {
	SHIM_ENV=$1
	export SHIM_ENV
	shim_env_write_config "$SHIM_ENV"
	ln -sf "${SHIM_BINARY:-$SHIM_SRC/containerd-shim-holo-v2}" "$SHIM_ENV/bin/containerd-shim-holo-v2"
	ln -sf "${HOLO_BINARY:-$SHIM_SRC/holo}" "$SHIM_ENV/bin/holo"
	shim_env_containerd_up
	if ! ctrd image ls -q | grep -qx "$SHIM_IMAGE"; then
		[ -f "$SHIM_ENV/image.tar" ] || bash "$SHIM_SRC/tests/shim/make-image.sh" "$SHIM_ENV/image.tar" "$SHIM_IMAGE"
		ctrd image import "$SHIM_ENV/image.tar" >/dev/null
	fi
}

shim_env_containerd_up() {
	# Started in $SHIM_ENV: containerd 1.6 looks for a shim in its working
	# directory before PATH, which from the source tree would take the
	# tree's shim over SHIM_BINARY.
	(cd "$SHIM_ENV" && PATH="$SHIM_ENV/bin:$PATH" exec containerd --config "$SHIM_ENV/config.toml" </dev/null >>"$SHIM_ENV/containerd.log" 2>&1 3>&-) &
	echo $! >"$SHIM_ENV/containerd.pid"
	local i
	for i in $(seq 100); do
		ctrd version >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "containerd did not come up; log:" >&2
	tail -20 "$SHIM_ENV/containerd.log" >&2
	return 1
}

shim_env_stop() {
	local pid
	pid=$(cat "$SHIM_ENV/containerd.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	rm -f "$SHIM_ENV/containerd.pid"
}

# Pids of the shims started for this environment (by their -address).
shim_env_shims() {
	pgrep -f "containerd-shim-holo-v2 .*-address $SHIM_ENV/containerd.sock" || true
}

shim_env_cleanup() {
	local c
	for c in $(ctrd task ls -q 2>/dev/null); do
		ctrd task kill -s KILL "$c" >/dev/null 2>&1 || true
		ctrd task rm -f "$c" >/dev/null 2>&1 || true
	done
	for c in $(ctrd container ls -q 2>/dev/null); do
		ctrd container rm "$c" >/dev/null 2>&1 || true
	done
	shim_env_stop
	local p
	for p in $(shim_env_shims); do
		kill -9 "$p" 2>/dev/null || true
	done
	# Rootfs mounts of tasks whose shim died with containerd down.
	grep -o " $SHIM_ENV/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
}
