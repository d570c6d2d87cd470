#!/usr/bin/env bats
# The same bundle run by the reference runtime (runc, $REF_RUNTIME) and by
# $RUNTIME must look the same from inside: ids, capabilities, rlimits,
# names, mounts, /dev.  Differences are printed as a diff.

load helpers

setup() {
	setup_common
	if [ "$RUNTIME_KIND" = runc ] || [ "$RUNTIME" -ef "$REF_RUNTIME" ]; then
		skip "RUNTIME is the reference runtime: nothing to compare"
	fi
	[ -x "$REF_RUNTIME" ] || skip "no reference runtime at $REF_RUNTIME"
}

# The container process: every fact holo-check knows that two runtimes
# must agree on, then every node under /dev.
compare_args() {
	# holo-check last, by exec, so that it reports itself as pid 1.
	set_args sh -c 'echo "[dev]";
		for f in /dev/* /dev/pts/* /dev/mqueue /dev/shm; do echo "$f $(holo-check stat $f)"; done
		exec holo-check all'
}

# compare_runs: runs the bundle under both runtimes and diffs the outputs.
compare_runs() {
	local ref_id
	ref_id=$(new_id)
	run -0 --separate-stderr rt_as "$REF_RUNTIME" run --bundle "$BUNDLE" "$ref_id"
	local expected=$output
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	if [ "$output" != "$expected" ]; then
		echo "$(basename "$REF_RUNTIME") (<) and $RUNTIME_KIND (>) differ:"
		diff <(echo "$expected") <(echo "$output") || true
		return 1
	fi
}

@test "compare: the template bundle" {
	compare_args
	compare_runs
}

@test "compare: a non-root user with groups, umask, capabilities, rlimits and cwd" {
	compare_args
	update_config '.process.user = {uid: 1000, gid: 1000, additionalGids: [5, 1001], umask: 18}
		| .process.cwd = "/home/user"
		| .process.noNewPrivileges = false
		| .process.oomScoreAdj = 100
		| .process.capabilities = {
			bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID"],
			permitted: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
			effective: ["CAP_CHOWN", "CAP_KILL"],
			inheritable: ["CAP_NET_BIND_SERVICE"],
			ambient: ["CAP_NET_BIND_SERVICE"]}
		| .process.rlimits = [{type: "RLIMIT_NOFILE", soft: 512, hard: 1000},
		                      {type: "RLIMIT_NPROC", soft: 300, hard: 400}]
		| .hostname = "compare-host"'
	compare_runs
}

@test "compare: extra mounts, masked and read-only paths, writable root" {
	compare_args
	mkdir -p "$TESTDIR/data"
	mkdir -p "$BUNDLE/rootfs/srv/secret" "$BUNDLE/rootfs/srv/ro"
	update_config '.root.readonly = false
		| .linux.maskedPaths += ["/srv/secret"]
		| .linux.readonlyPaths += ["/srv/ro"]'
	add_mount /mnt/tmp tmpfs tmpfs nosuid nodev size=1m mode=700
	add_bind /mnt/data "$TESTDIR/data" ro
	compare_runs
}

@test "compare: a user namespace" {
	compare_args
	local d=$BUNDLE
	while [ "$d" != / ] && [ "$d" != "${BATS_RUN_TMPDIR%/*}" ]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	compare_runs
}

@test "compare: no pid, ipc or uts namespace of its own" {
	compare_args
	update_config 'del(.hostname)'
	remove_namespace pid
	remove_namespace ipc
	remove_namespace uts
	# Without a pid namespace the pid differs run to run: leave it out.
	set_args sh -c 'holo-check all | grep -v "^\[pid\]"'
	compare_runs
}
