# Shared by the bench scripts: the busybox bundle and the private mount
# namespace every runtime is measured in.

# bench_bundle DIR ARGS_JSON RUNTIME: a bundle in DIR whose rootfs is
# busybox-static and its applets, config.json the runc spec template (made
# by RUNTIME spec) with no terminal and ARGS_JSON (e.g. '["/bin/true"]') as
# the process.
bench_bundle() {
	local b=$1 args=$2 spec_rt=$3 a
	mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/dev" "$b/rootfs/sys" "$b/rootfs/tmp"
	cp "${BUSYBOX:-/usr/bin/busybox}" "$b/rootfs/bin/busybox"
	for a in $("$b/rootfs/bin/busybox" --list); do
		[ "$a" = busybox ] || ln -sf busybox "$b/rootfs/bin/$a"
	done
	"$spec_rt" spec --bundle "$b"
	jq --argjson args "$args" '.process.terminal = false | .process.args = $args' "$b/config.json" >"$b/config.json.new"
	mv "$b/config.json.new" "$b/config.json"
}

# The preamble of every script run under `unshare -m`: Debian's crun
# refuses the host's hybrid cgroup layout, so the cgroup2 mount is hidden
# (in this namespace only) and every runtime sees the same host.
BENCH_NS_PREAMBLE='umount /sys/fs/cgroup/unified 2>/dev/null || true'
