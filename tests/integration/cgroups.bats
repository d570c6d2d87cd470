#!/usr/bin/env bats
# The container's cgroup and the commands that work on it: pause/resume,
# ps, events, kill --all, update's command line, delete's cleanup, and
# --cgroup-manager disabled.  Runs on v1/hybrid hosts and in the v2 VM.
# holo-vm

load helpers
load cgroup_helpers

# A container whose init bumps a counter in /shared/counter ten times a
# second; ready when /shared/counter exists.
run_counter() {
	add_shared_dir
	cg_set_args sh -c 'i=0; while :; do i=$((i+1)); echo $i >/shared/counter; sleep 0.1; done'
	run -0 rt_run_d "$CID"
	wait_for_file "$SHARED/counter"
}

counter() {
	cat "$SHARED/counter"
}

# Whether every process of the container is frozen, as the kernel says.
frozen() {
	if cgroup_v2; then
		grep -qx "frozen 1" "$(cgroup_file "$CID" "" cgroup.events)"
	else
		[ "$(cgroup_value "$CID" freezer freezer.state)" = FROZEN ]
	fi
}

@test "cgroups: pause freezes every process, state says paused, resume thaws" {
	run_counter
	run -0 rt pause "$CID"
	[ "$(state_field "$CID" status)" = paused ]
	frozen
	local before
	before=$(counter)
	sleep 0.5
	[ "$(counter)" = "$before" ]
	run -0 rt resume "$CID"
	[ "$(state_field "$CID" status)" = running ]
	! frozen || false
	sleep 0.5
	[ "$(counter)" != "$before" ]
}

@test "cgroups: pause and resume refuse the wrong state" {
	run_counter
	run -1 --separate-stderr rt resume "$CID"
	check_contains "container not paused" stderr
	run -0 rt pause "$CID"
	run -1 --separate-stderr rt pause "$CID"
	check_contains "container not running" stderr
	run -0 rt resume "$CID"
	run -0 rt kill "$CID" KILL
	wait_for_status "$CID" stopped
	run -1 --separate-stderr rt pause "$CID"
	check_contains "container not running" stderr
	run -1 --separate-stderr rt pause no-such-container
	check_contains "container does not exist" stderr
}

@test "cgroups: a created container can be paused and resumed" {
	cg_set_args true
	run -0 rt_create "$CID"
	run -0 rt pause "$CID"
	[ "$(state_field "$CID" status)" = paused ]
	run -0 rt resume "$CID"
	[ "$(state_field "$CID" status)" = created ]
}

@test "cgroups: delete --force of a paused container kills it and removes its cgroup" {
	run_counter
	local dirs
	dirs=$(cgroup_dirs "$CID")
	[ -n "$dirs" ]
	run -0 rt pause "$CID"
	run -1 rt delete "$CID"
	run -0 rt delete --force "$CID"
	run -1 rt state "$CID"
	check_no_processes
	check_dirs_gone $dirs
}

@test "cgroups: delete removes the cgroup from every hierarchy" {
	cg_set_args true
	run -0 rt_create "$CID"
	local dirs
	dirs=$(cgroup_dirs "$CID")
	[ -n "$dirs" ]
	for d in $dirs; do [ -d "$d" ]; done
	run -0 rt delete --force "$CID"
	check_dirs_gone $dirs
}

@test "cgroups: delete removes child cgroups made under the container's too" {
	cg_set_args true
	run -0 rt_create "$CID"
	local dirs d
	dirs=$(cgroup_dirs "$CID")
	[ -n "$dirs" ]
	# A sub-cgroup (as an engine or the workload might make) in every
	# hierarchy: the container's own cannot be removed before it.
	for d in $dirs; do mkdir "$d/child" "$d/child/grandchild"; done
	run -0 rt delete --force "$CID"
	check_dirs_gone $dirs
}

@test "cgroups: on cgroup2 the init and exec'd processes are cloned into their cgroup (CLONE_INTO_CGROUP), never moved" {
	cgroup_v2 || skip "a cgroup2 host only (the test VM)"
	[ "$RUNTIME_KIND" = holo ] || skip "how holo clones"
	command -v strace >/dev/null || skip "strace is not installed"
	cg_set_args holo-check loop
	# exec clones into the cgroup only without a cgroup namespace to join
	# (the kernel refuses a clone into a cgroup from outside the namespace).
	remove_namespace cgroup
	# create: the clone3 of the init (holo's own, not followed further).
	HOLO_TEST_MARKER=$TEST_MARKER strace -qq -e trace=clone3,openat -o "$TESTDIR/create.strace" \
		"$RUNTIME" --root "$ROOT" create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1 3>&-
	run -0 cat "$TESTDIR/create.strace"
	check_contains "CLONE_INTO_CGROUP"
	check_not_contains "/$CID/cgroup.procs\", O_WRONLY"
	local pid
	pid=$(state_field "$CID" pid)
	[ "$(sed -n 's/^0:://p' "/proc/$pid/cgroup")" = "/$CID" ]
	run -0 rt start "$CID"
	# exec: the process stage1 clones, followed.
	run -0 strace -f -qq -e trace=clone3,openat -o "$TESTDIR/exec.strace" "$RUNTIME" --root "$ROOT" exec "$CID" \
		sh -c 'cat /proc/self/cgroup /proc/1/cgroup'
	# In the init's cgroup.
	[ "${#lines[@]}" -eq 2 ] && [ "${lines[0]}" = "${lines[1]}" ]
	run -0 cat "$TESTDIR/exec.strace"
	check_contains "CLONE_INTO_CGROUP"
	check_not_contains "/$CID/cgroup.procs\", O_WRONLY"
}

@test "cgroups: a cgroupsPath ending in /. is cleaned as runc does, and delete removes it" {
	local p
	for p in "/$CID/." "$CID/./." "/holo-no-such-parent/../$CID//"; do
		update_config '.linux.cgroupsPath = $p' --arg p "$p"
		cg_set_args holo-check loop
		run -0 rt_run_d "$CID"
		local dir
		dir=$(cgroup_dir "$CID" pids)
		# The container sits in the cleaned cgroup, not in "x/.".
		[ "$(basename "$dir")" = "$CID" ]
		local dirs
		dirs=$(cgroup_dirs "$CID")
		run -0 rt delete --force "$CID"
		run -1 rt state "$CID"
		check_dirs_gone $dirs
	done
}

@test "cgroups: kill --all reaches every process and leaves the cgroup thawed" {
	add_shared_dir
	cg_set_args sh -c 'sleep 1000 & sleep 1000 & touch /shared/ready; exec holo-check loop'
	run -0 rt_run_d "$CID"
	wait_for_file "$SHARED/ready"
	run -0 rt ps --format json "$CID"
	[ "$(jq length <<<"$output")" -eq 3 ]
	# The init (pid 1 of its namespace, no handler) does not get TERM from
	# outside; its children die of it.
	run -0 rt kill --all "$CID" TERM
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(rt ps --format json "$CID" | jq length)" -eq 1 ] && break
		sleep 0.1
	done
	[ "$(rt ps --format json "$CID" | jq length)" -eq 1 ]
	[ "$(state_field "$CID" status)" = running ]
	! frozen || false
	run -0 rt kill --all "$CID" KILL
	wait_for_status "$CID" stopped
}

@test "cgroups: kill --all KILL of a paused container kills it" {
	run_counter
	run -0 rt pause "$CID"
	run -0 rt kill --all "$CID" KILL
	wait_for_status "$CID" stopped
}

@test "cgroups: kill KILL of a paused container kills it and thaws the cgroup (runc)" {
	run_counter
	run -0 rt pause "$CID"
	run -0 rt kill "$CID" KILL
	# cgroup v1: a frozen task dies only once thawed.
	wait_for_status "$CID" stopped
	! frozen || false
}

@test "cgroups: a paused container whose init was killed stays paused until resumed (runc)" {
	run_counter
	local pid
	pid=$(state_field "$CID" pid)
	run -0 rt pause "$CID"
	kill -KILL "$pid"
	# cgroup v2 kills a frozen task at once, v1 once thawed: either way the
	# container is "paused" while its cgroup is frozen, and resume works
	# (what containerd's shim does for a paused init that exited).
	sleep 0.3
	[ "$(state_field "$CID" status)" = paused ]
	run -0 rt resume "$CID"
	wait_for_status "$CID" stopped
	! frozen || false
}

@test "cgroups: ps lists the container's processes (table, json, ps options)" {
	add_shared_dir
	cg_set_args sh -c 'sleep 1000 & touch /shared/ready; wait'
	run -0 rt_run_d "$CID"
	wait_for_file "$SHARED/ready"
	local pid procs
	pid=$(state_field "$CID" pid)
	procs=$(sort -n "$(cgroup_file "$CID" pids cgroup.procs)" | tr '\n' ' ')
	run -0 rt ps --format json "$CID"
	[ "$(jq -r 'sort | map(tostring) | join(" ")' <<<"$output") " = "$procs" ]
	jq -e --argjson p "$pid" 'index($p) != null' <<<"$output"
	run -0 rt ps "$CID"
	[ "${#lines[@]}" -eq 3 ]
	check_matches "^UID +PID +PPID"
	check_contains "sleep 1000"
	run -0 rt ps "$CID" -o pid,comm
	[ "${lines[0]}" = "$(ps -o pid,comm | head -n1)" ]
	check_matches "(^|"$'\n'")[[:space:]]*$pid sh"
	run -0 rt ps -f json "$CID"
	[ "$(jq length <<<"$output")" -eq 2 ]
}

@test "cgroups: ps of a stopped container lists nothing; of an unknown one fails" {
	cg_set_args true
	cd "$BUNDLE"
	run -0 rt_run_d "$CID"
	wait_for_status "$CID" stopped
	run -0 rt ps --format json "$CID"
	[ "$(jq length <<<"$output")" -eq 0 ]
	run -1 --separate-stderr rt ps --format json no-such-container
	check_contains "container does not exist" stderr
}

@test "cgroups: events --stats prints one stats event with memory, cpu and pids" {
	set_resources '{"memory": {"limit": 67108864}, "pids": {"limit": 42}}'
	cg_set_args sleep 1000
	run -0 rt_run_d "$CID"
	run -0 --separate-stderr rt events --stats "$CID"
	[ "${#lines[@]}" -eq 1 ]
	jq -e --arg id "$CID" '.type == "stats" and .id == $id' <<<"$output"
	jq -e '.data.memory.usage.usage > 0 and .data.memory.usage.limit == 67108864' <<<"$output"
	jq -e '.data.pids.current >= 1 and .data.pids.limit == 42' <<<"$output"
	jq -e '.data.cpu.usage.total > 0' <<<"$output"
}

@test "cgroups: events streams stats every interval and ends when the container stops" {
	[ "$RUNTIME_KIND" = holo ] || skip "runc's events keeps streaming after the container stops"
	cg_set_args sleep 3
	run -0 rt_run_d "$CID"
	local out=$TESTDIR/events
	rt_bg "$out" events --interval 500ms "$CID"
	wait_for_status "$CID" stopped 10
	local i
	for ((i = 0; i < 50; i++)); do
		process_alive "$BG_PID" || break
		sleep 0.1
	done
	! process_alive "$BG_PID" || false
	wait "$BG_PID"
	[ "$(grep -c '"type":"stats"' "$out")" -ge 3 ]
}

@test "cgroups: events reports an OOM kill" {
	add_shared_dir
	set_resources '{"memory": {"limit": 33554432, "swap": 33554432}}'
	cg_set_args sh -c 'while [ ! -e /shared/go ]; do sleep 0.1; done
		dd if=/dev/zero of=/dev/null bs=64M count=1; sleep 1000'
	run -0 rt_run_d "$CID"
	local out=$TESTDIR/events
	rt_bg "$out" events --interval 1s "$CID"
	sleep 0.5
	touch "$SHARED/go"
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q '"type":"oom"' "$out" && break
		sleep 0.1
	done
	grep -q "\"type\":\"oom\",\"id\":\"$CID\"" "$out" || {
		cat "$out"
		return 1
	}
}

@test "cgroups: events of a stopped container fails" {
	cg_set_args true
	run -0 rt_run_d "$CID"
	wait_for_status "$CID" stopped
	run -1 --separate-stderr rt events --stats "$CID"
	check_contains "not running" stderr
}

@test "cgroups: update refuses a stopped container and an unknown one" {
	cg_set_args true
	run -0 rt_run_d "$CID"
	wait_for_status "$CID" stopped
	run -1 --separate-stderr rt update --pids-limit 10 "$CID"
	check_contains "not running" stderr
	run -1 --separate-stderr rt update --pids-limit 10 no-such-container
	check_contains "container does not exist" stderr
}

@test "cgroups: update --resources FILE and - apply the document; other flags are then ignored" {
	set_resources '{"pids": {"limit": 10}}'
	cg_set_args sleep 1000
	run -0 rt_run_d "$CID"
	echo '{"pids": {"limit": 20}}' >"$TESTDIR/r.json"
	run -0 rt update --resources "$TESTDIR/r.json" --pids-limit 30 "$CID"
	check_value 20 "$CID" pids pids.max
	run -0 rt update -r - "$CID" <<<'{"pids": {"limit": 25}}'
	check_value 25 "$CID" pids pids.max
	run -1 --separate-stderr rt update -r - "$CID" <<<'{"pids": {"limit": "x"}}'
	check_value 25 "$CID" pids pids.max
	run -1 --separate-stderr rt update -r "$TESTDIR/missing.json" "$CID"
	if [ "$RUNTIME_KIND" = holo ]; then
		run -1 --separate-stderr rt update -r - "$CID" <<<'{"pids": {"limit": "x"}}'
		check_contains "resources: pids.limit: must be an integer" stderr
		run -0 rt update --cpu-shares 512 "$CID"
	fi
}

@test "cgroups: the container's device program replaces every one attached to its cgroup before (v2)" {
	cgroup_v2 || skip "cgroup v2 device programs (the VM suite runs this)"
	local tool=$HOLO_TEST_WORK/bin/bpf-devices
	build_tool "$HOLO_SRC/tests/integration/bpf-devices.c" "$tool"
	# A cgroup that already holds programs denying everything (another
	# manager's, or a previous container's).  The kernel takes at most 64;
	# runc 1.1 attaches its own beside them first, so it fails on a full list.
	local n=64
	[ "$RUNTIME_KIND" = holo ] || n=3
	local dir=/sys/fs/cgroup/$CID
	mkdir "$dir"
	local i
	for ((i = 0; i < n; i++)); do "$tool" deny-all "$dir"; done
	run -0 "$tool" count "$dir"
	check_output "$n"
	update_config '.linux.cgroupsPath = $p' --arg p "/$CID"
	cg_set_args sleep 1000
	run -0 rt_run_d "$CID"
	run -0 "$tool" count "$dir"
	check_output 1
	# Only the container's rules apply: /dev/null opens again.
	run -0 rt exec "$CID" sh -c 'echo x >/dev/null'
	run -0 rt delete --force "$CID"
	[ ! -d "$dir" ]
}

@test "cgroups: pause/resume/update/events on a container created without a cgroup fail cleanly" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's --cgroup-manager disabled"
	cg_set_args sleep 1000
	set_resources '{"pids": {"limit": 10}}'
	run -0 _rt_detached --cgroup-manager disabled run -d --bundle "$BUNDLE" "$CID"
	local pid
	pid=$(state_field "$CID" pid)
	# Still in the caller's cgroup: nothing was created for it.
	[ "$(grep -E '^[0-9]+:pids:' "/proc/$pid/cgroup")" = "$(grep -E '^[0-9]+:pids:' /proc/self/cgroup)" ] ||
		[ "$(sed -n 's/^0:://p' "/proc/$pid/cgroup")" = "$(sed -n 's/^0:://p' /proc/self/cgroup)" ]
	run -1 --separate-stderr rt pause "$CID"
	check_contains "without a cgroup" stderr
	run -1 --separate-stderr rt update --pids-limit 5 "$CID"
	check_contains "without a cgroup" stderr
	run -0 rt ps --format json "$CID"
	[ "$(jq length <<<"$output")" -eq 1 ]
	run -0 rt delete --force "$CID"
}
