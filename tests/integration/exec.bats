#!/usr/bin/env bats
# exec: a new process in a running container, as engines drive it.

load helpers

# A running container whose init loops; started detached.
start_looping() {
	set_args holo-check loop
	run -0 rt_run_d "$CID"
	wait_for_status "$CID" running
}

@test "exec: runs in the container's namespaces and cgroup" {
	start_looping
	local pid
	pid=$(state_field "$CID" pid)
	local t
	for t in mnt pid net ipc uts; do
		run -0 rt exec "$CID" holo-check ns "$t"
		[ "$output" = "$(readlink /proc/$pid/ns/$t)" ] || {
			echo "ns $t: exec sees $output, init has $(readlink /proc/$pid/ns/$t)"
			return 1
		}
	done
	run -0 rt exec "$CID" holo-check cgroup
	local init_cg
	init_cg=$(grep -E '^[0-9]+:pids:' /proc/$pid/cgroup)
	check_contains "$init_cg"
	# In the container's pid namespace: its init is pid 1, so exec's is not.
	run -0 rt exec "$CID" holo-check pid
	[ "$output" -gt 1 ]
}

@test "exec: env, cwd and user from the flags" {
	start_looping
	run -0 rt exec --env FOO=bar --cwd /home/user --user 1000:1000 "$CID" sh -c 'echo $FOO; pwd; holo-check ids'
	[ "${lines[0]}" = bar ]
	[ "${lines[1]}" = /home/user ]
	check_contains "uid=1000 gid=1000 euid=1000 egid=1000"
}

@test "exec: --env overrides a variable of the config" {
	update_config '.process.env += ["FOO=fromconfig"]'
	start_looping
	run -0 rt exec "$CID" holo-check env FOO
	check_contains fromconfig
	run -0 rt exec --env FOO=override "$CID" holo-check env FOO
	check_contains override
	check_not_contains fromconfig
}

@test "exec: an unknown --cap is skipped with a warning, the others apply (runc)" {
	start_looping
	run -0 --separate-stderr rt exec --cap CAP_NO_SUCH_THING --cap CAP_SYS_ADMIN "$CID" holo-check caps
	check_contains "ignoring unknown or unavailable capabilities: [CAP_NO_SUCH_THING]" stderr
	local eff
	eff=$(grep CapEff <<<"$output" | awk '{print $2}')
	(( (16#$eff & 16#200000) != 0 ))
}

@test "exec: --additional-gids and --cap" {
	start_looping
	run -0 rt exec --user 1000:1000 --additional-gids 5 --additional-gids 1 "$CID" holo-check ids
	check_contains "groups=1,5"
	run -0 rt exec --cap CAP_SYS_ADMIN "$CID" holo-check caps
	# CAP_SYS_ADMIN is bit 21: 0x200000 in the effective set.
	local eff
	eff=$(grep CapEff <<<"$output" | awk '{print $2}')
	(( (16#$eff & 16#200000) != 0 ))
}

@test "exec: --no-new-privs" {
	update_config '.process.noNewPrivileges = false'
	start_looping
	run -0 rt exec "$CID" holo-check nnp
	check_contains 0
	run -0 rt exec --no-new-privs "$CID" holo-check nnp
	check_contains 1
}

@test "exec: the exit status of the process, and 128+signal" {
	start_looping
	run -3 rt exec "$CID" holo-check exit 3
	run -0 rt exec "$CID" holo-check exit 0
	run -137 rt exec "$CID" sh -c 'kill -9 $$'
}

@test "exec: --process with a process.json" {
	start_looping
	cat >"$TESTDIR/process.json" <<-'EOF2'
		{"args": ["sh", "-c", "echo $HELLO; pwd; exit 4"], "cwd": "/tmp",
		 "env": ["PATH=/bin", "HELLO=from-process-json"], "user": {"uid": 1000, "gid": 1000}}
	EOF2
	run -4 rt exec --process "$TESTDIR/process.json" "$CID"
	[ "${lines[0]}" = from-process-json ]
	[ "${lines[1]}" = /tmp ]
}

@test "exec: --detach with --pid-file" {
	start_looping
	add_shared_dir
	run -0 rt exec --detach --pid-file "$TESTDIR/exec.pid" "$CID" holo-check sleep 30
	[ -s "$TESTDIR/exec.pid" ]
	local pid
	pid=$(cat "$TESTDIR/exec.pid")
	kill -0 "$pid"
	# The detached process is in the container's pid namespace.
	[ "$(readlink /proc/$pid/ns/pid)" = "$(readlink /proc/$(state_field "$CID" pid)/ns/pid)" ]
}

@test "exec: a relative --pid-file is holo's own directory's, and holo's root stays the host's" {
	# holo may join the container's namespaces itself for the clone: it
	# must come back to its own mounts, root and directory before it writes
	# the pid file.
	start_looping
	mkdir -p "$TESTDIR/here"
	run -0 env HOLO_TEST_MARKER="$TEST_MARKER" bash -c 'cd "$1" && shift && "$@"' _ "$TESTDIR/here" "$RUNTIME" --root "$ROOT" exec --pid-file exec.pid "$CID" holo-check pid
	[ -s "$TESTDIR/here/exec.pid" ]
	[ ! -e "$BUNDLE/rootfs/exec.pid" ]
}

@test "exec: holo run inside a user namespace that the container shares (as rootless Podman runs it)" {
	# There holo may join the container's namespaces (that user namespace
	# owns them) but not come back to its own (the host's own them): it
	# must not join them itself around the clone.
	command -v unshare >/dev/null || skip "unshare(1) is not installed"
	# One id mapped (root): devpts' gid=5 is not, and runc refuses it.
	update_config '.linux.resources = {}
		| (.mounts[] | select(.destination == "/dev/pts") | .options) |= map(select(startswith("gid=") | not))'
	set_args holo-check loop
	run -0 --separate-stderr unshare --user --map-root-user --mount bash -c '
		"$1" --root "$2" run -d --bundle "$3" "$4" </dev/null >/dev/null || exit 10
		"$1" --root "$2" exec "$4" holo-check pid
		status=$?
		"$1" --root "$2" delete -f "$4"
		exit $status' _ "$RUNTIME" "$ROOT" "$BUNDLE" "$CID"
	[ "$output" -gt 1 ]
}

@test "exec: a tty through --console-socket" {
	start_looping
	local sock=$TESTDIR/console.sock
	"$RECVTTY" "$sock" >"$TESTDIR/tty.out" 2>&1 &
	BACKGROUND_PIDS+=($!)
	wait_for_file "$sock"
	run -0 rt exec --tty --detach --console-socket "$sock" "$CID" holo-check tty
	sleep 1
	run cat "$TESTDIR/tty.out"
	check_contains "/dev/pts/"
}

# Runs holo-check watch-newborn MODE in the container (exec'd, with CAPS
# as --cap flags) while 60 execs come and go; the watcher must see nothing.
watch_execs() {
	local mode=$1
	shift
	local marker=$BATS_TEST_TMPDIR/host-only-marker
	touch "$marker"
	local caps=() c
	for c in "$@"; do caps+=(--cap "$c"); done
	rt exec "${caps[@]}" "$CID" holo-check watch-newborn "$marker" 6 $mode >"$BATS_TEST_TMPDIR/watch" 2>&1 &
	local watcher=$!
	sleep 0.5
	local i
	for i in $(seq 60); do
		rt exec "$CID" holo-check pid >/dev/null || true
	done
	wait "$watcher" || true
	cat "$BATS_TEST_TMPDIR/watch"
	grep -q '^clean (' "$BATS_TEST_TMPDIR/watch"
}

@test "exec: a container process with CAP_SYS_PTRACE never sees the host's root through an exec'd process" {
	# An exec'd process is born into the container's pid namespace, where
	# the container's processes can see it at once; /proc/PID/root of a
	# process not yet in the container's mount namespace is the host's
	# root (reachable with CAP_SYS_PTRACE, as docker --cap-add SYS_PTRACE
	# gives).  holo's exec process joins every namespace before the one
	# that is born in the container: the watcher never finds the host path.
	start_looping
	watch_execs roots CAP_SYS_PTRACE
}

@test "exec: the exec'd process cannot be ptraced by the container before its execve (non-dumpable)" {
	# With the container's capabilities and uid, the watcher could ptrace
	# (or open /proc/PID/fd of) an exec'd process that has dropped its
	# extra capabilities but not yet executed: holo's code, memory and
	# descriptors.  It is non-dumpable until execve (CVE-2016-9962).
	start_looping
	watch_execs exe
}

@test "exec: no host fd reaches the exec'd process" {
	start_looping
	exec 7</etc/hostname
	run -0 rt exec "$CID" holo-check fds
	exec 7<&-
	check_not_contains "/etc/hostname"
}

@test "exec: into a stopped container fails" {
	set_args holo-check exit 0
	run -0 rt_run_d "$CID"
	wait_for_status "$CID" stopped
	run rt exec "$CID" holo-check ids
	check_failed
	check_contains "cannot exec in a stopped container"
	check_no_processes
}

@test "exec: into a container that does not exist fails" {
	run rt exec nonexistent-"$CID" holo-check ids
	check_failed
	check_contains "container does not exist"
}

@test "exec: a missing executable fails with the runc message" {
	start_looping
	run rt exec "$CID" /no/such/binary
	check_failed
	check_contains "such file or directory"
	run rt exec "$CID" no-such-command
	check_failed
	check_contains "executable file not found in \$PATH"
}

@test "exec: a missing cwd fails" {
	start_looping
	run rt exec --cwd /does/not/exist "$CID" holo-check cwd
	check_failed
	check_contains "/does/not/exist"
}
