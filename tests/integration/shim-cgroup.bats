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
