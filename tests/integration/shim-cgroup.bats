#!/usr/bin/env bats
# holo-vm (cgroup v2: metrics as io.containerd.cgroups.v2.Metrics, OOM from memory.events)
# containerd-shim-holo-v2 against the host's cgroup layout: on this host
# (hybrid, v1 controllers) and, through tests/vm/run-tests.sh, on cgroup v2.

bats_require_minimum_version 1.5.0

load ../shim/helpers

setup_file() {
	shim_setup_file
}

teardown_file() {
	shim_teardown_file
}

cgroup2() {
	[ -f /sys/fs/cgroup/cgroup.controllers ]
}

@test "shim cgroup: ctr task metrics has the memory, cpu and pids of the container" {
	ctrt run -d $RUNTIME_FLAGS "$SHIM_IMAGE" cgm sleep 1000
	run ctrt task metrics cgm
	[ "$status" -eq 0 ]
	if cgroup2; then
		[[ "$output" == *memory.usage* ]]
		[[ "$output" == *cpu.usage_usec* ]]
	else
		[[ "$output" == *memory.usage_in_bytes* ]]
		[[ "$output" == *cpuacct.usage* ]]
	fi
	[[ "$output" =~ pids.current[[:space:]]+1 ]]
	remove_task cgm
}

@test "shim cgroup: an OOM kill sends /tasks/oom" {
	ctrt events >"$BATS_TEST_TMPDIR/events" 2>&1 &
	local ev=$!
	sleep 0.5
	run ctrt run --rm --memory-limit 16777216 $RUNTIME_FLAGS "$SHIM_IMAGE" cgoom sh -c 'dd if=/dev/zero of=/dev/null bs=64M count=1; echo after'
	sleep 1
	kill "$ev"
	[[ "$output" == *after* ]]
	grep -q '/tasks/oom' "$BATS_TEST_TMPDIR/events"
}

@test "shim cgroup: pause and resume freeze the container" {
	require_holo pause
	ctrt run -d $RUNTIME_FLAGS "$SHIM_IMAGE" cgp sleep 1000
	ctrt task pause cgp
	[ "$(task_status cgp)" = PAUSED ]
	ctrt task resume cgp
	[ "$(task_status cgp)" = RUNNING ]
	remove_task cgp
}

# Moves pid $1 out of its frozen cgroup (thawing it alone), so that it can
# exit while its container stays paused (on cgroup v1 a frozen process
# cannot die).
thaw_alone() {
	if cgroup2; then
		echo "$1" >/sys/fs/cgroup/cgroup.procs
	else
		echo "$1" >/sys/fs/cgroup/freezer/cgroup.procs
	fi
}

# Whether pid $1 is gone (or a zombie: it died, nobody reaped it yet).
gone() {
	[ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status"
}

@test "shim cgroup: an init that exits paused is resumed, so what was frozen with it dies and delete works (runc as the runtime)" {
	# Debian's runc, the reference: it reports a container whose cgroup
	# is frozen as paused, and resumes it.
	[ -x /usr/sbin/runc ] || skip "runc is not installed"
	printf 'BinaryName = "/usr/sbin/runc"\nRoot = "%s"\n' "$SHIM_ENV_DIR/runc-root" >"$BATS_TEST_TMPDIR/runc.toml"
	# No pid namespace of its own: its exec processes outlive the init
	# unless killed, and they are frozen with the cgroup.
	ctrt run -d --runtime "$RUNTIME_NAME" --runtime-config-path "$BATS_TEST_TMPDIR/runc.toml" \
		--with-ns "pid:/proc/$$/ns/pid" "$SHIM_IMAGE" cgpx sleep 1000
	ctrt task exec -d --exec-id side cgpx sleep 999
	local init side
	init=$(task_pid cgpx)
	side=$(ctrt task ps cgpx | awk '/side/ { print $1 }')
	[ -n "$side" ]
	ctrt task pause cgpx
	[ "$(task_status cgpx)" = PAUSED ]
	thaw_alone "$init"
	kill -9 "$init"
	wait_status cgpx 10 STOPPED
	for _ in $(seq 50); do
		gone "$side" && break
		sleep 0.1
	done
	gone "$side"
	run ctrt task rm cgpx
	[ "$status" -eq 0 ]
	[[ "$output" == *137* ]]
	ctrt container rm cgpx
}
