#!/usr/bin/env bats
# Smoke tests of the cgroup v2 VM itself (tests/vm/run-tests.sh runs them
# first): the VM looks like a systemd-managed cgroup v2 host, and the runtime
# under test (and runc, as the reference) can run a container there with its
# resources applied.  Outside the VM they skip.
# holo-vm

load ../integration/helpers

setup() {
	[ "${HOLO_VM:-}" = 1 ] || skip "only inside the test VM (tests/vm/run-tests.sh)"
	setup_common
}

@test "vm: cgroup2 on /sys/fs/cgroup, every controller enabled at the root" {
	run -0 stat -f -c %T /sys/fs/cgroup
	check_output "cgroup2fs"
	local c want
	want=$(cat /sys/fs/cgroup/cgroup.controllers)
	for c in cpu memory pids io cpuset; do
		[[ " $want " == *" $c "* ]] || {
			echo "controller $c missing: $want"
			return 1
		}
	done
	run -0 cat /sys/fs/cgroup/cgroup.subtree_control
	check_output "$want"
	# The tests run in a leaf cgroup, as in a login session.
	run -0 cat /proc/self/cgroup
	check_output "0::/test.scope"
}

@test "vm: the runtime runs a busybox container" {
	set_args sh -c 'echo hello; cat /proc/self/cgroup'
	cd "$BUNDLE"
	run -0 rt run "$CID"
	check_contains "hello"
	check_matches $'(^|\n)0::/'
}

# check_limits RUNTIME ID: creates ID with RUNTIME (its stdio on files: a
# created container holds it open) and inspects its cgroup from outside.
# Sets WEIGHT to its cpu.weight.
check_limits() {
	local runtime=$1 id=$2
	local pid cg
	cd "$BUNDLE"
	update_config '.linux.cgroupsPath = $p' --arg p "/holo-vm-smoke/$id"
	if [ "$runtime" = "$RUNTIME" ]; then
		rt create "$id" </dev/null >"$TESTDIR/$id.out" 2>&1 3>&- || {
			echo "$runtime create failed:"
			cat "$TESTDIR/$id.out"
			return 1
		}
		pid=$(state_field "$id" pid)
	else
		rt_as "$runtime" create "$id" </dev/null >"$TESTDIR/$id.out" 2>&1 3>&- || {
			echo "$runtime create failed:"
			cat "$TESTDIR/$id.out"
			return 1
		}
		pid=$(rt_as "$runtime" state "$id" | jq -r .pid)
	fi
	[ -n "$pid" ] && [ "$pid" != null ] || {
		echo "$runtime: no pid for $id"
		return 1
	}
	cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
	[ "$cg" = "/holo-vm-smoke/$id" ] || {
		echo "$runtime: container in cgroup '$cg', wanted /holo-vm-smoke/$id"
		return 1
	}
	run -0 cat "/sys/fs/cgroup$cg/memory.max"
	check_output 67108864
	run -0 cat "/sys/fs/cgroup$cg/pids.max"
	check_output 42
	WEIGHT=$(cat "/sys/fs/cgroup$cg/cpu.weight")
}

@test "vm: memory, pids and cpu limits land in the container's v2 cgroup" {
	set_args sleep 100
	update_config '.linux.resources.memory.limit = 67108864
		| .linux.resources.pids.limit = 42
		| .linux.resources.cpu.shares = 400'
	# The reference first: if runc disagrees, the test itself is wrong.
	local ref=r-$CID
	echo "$ref" >>"$BATS_TEST_TMPDIR/ids"
	check_limits "$REF_RUNTIME" "$ref"
	check_limits "$RUNTIME" "$CID"
	# cpu.shares has no v2 file: it becomes some cpu.weight (runc 1.1's
	# linear conversion and crun's/newer runc's differ), never the default.
	[ "$WEIGHT" != 100 ] && [ "$WEIGHT" -ge 1 ] && [ "$WEIGHT" -le 10000 ] || {
		echo "cpu.shares 400: cpu.weight $WEIGHT"
		return 1
	}
}

teardown() {
	teardown_common
	rmdir /sys/fs/cgroup/holo-vm-smoke/* /sys/fs/cgroup/holo-vm-smoke 2>/dev/null || true
}
