#!/usr/bin/env bats
# create / start / state / kill / delete / run, as engines drive them.

load helpers

# A process that reports each signal it gets into /shared/signals and says
# it is ready by creating /shared/ready.
signal_recorder() {
	add_shared_dir
	set_args sh -c 'for s in TERM HUP USR1 USR2; do trap "echo $s >>/shared/signals" $s; done
		touch /shared/ready
		while :; do sleep 0.1; done'
}

# wait_for_signals N: until signal_recorder has recorded N signals.
wait_for_signals() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(cat "$SHARED/signals" 2>/dev/null | wc -l)" -ge "$1" ] && return 0
		sleep 0.1
	done
	echo "signals recorded: $(cat "$SHARED/signals" 2>/dev/null | paste -sd,), wanted $1"
	return 1
}

@test "lifecycle: create makes a created container whose process has not run yet" {
	add_shared_dir
	set_args touch /shared/ran
	run -0 rt_create "$CID"
	run -0 rt state "$CID"
	[ "$(jq -r .status <<<"$output")" = created ]
	local pid
	pid=$(jq -r .pid <<<"$output")
	[ "$pid" -gt 0 ]
	kill -0 "$pid"
	sleep 1
	# The user process must not have run before start.
	[ ! -e "$SHARED/ran" ]
	[ "$(state_field "$CID" status)" = created ]

	run -0 rt start "$CID"
	wait_for_file "$SHARED/ran"
	wait_for_status "$CID" stopped
	run -0 rt delete "$CID"
	run -1 rt state "$CID"
	check_no_processes
}

@test "lifecycle: state reports ociVersion, id, pid, status, bundle, rootfs, created, owner, annotations" {
	update_config '.annotations = {"org.holo.test": "value", "other": "x"}'
	update_config '.process.args = ["holo-check", "loop"]'
	# A relative --bundle is reported as an absolute path.
	cd "$TESTDIR"
	rt create --bundle bundle "$CID" </dev/null >/dev/null 2>&1 3>&-
	run -0 rt state "$CID"
	local s=$output
	jq -e 'type == "object"' <<<"$s"
	[ "$(jq -r '.ociVersion | type' <<<"$s")" = string ]
	[ -n "$(jq -r .ociVersion <<<"$s")" ]
	[ "$(jq -r .id <<<"$s")" = "$CID" ]
	[ "$(jq -r .pid <<<"$s")" -gt 0 ]
	[ "$(jq -r .status <<<"$s")" = created ]
	[ "$(jq -r .bundle <<<"$s")" = "$BUNDLE" ]
	[ "$(jq -r .rootfs <<<"$s")" = "$BUNDLE/rootfs" ]
	[[ "$(jq -r .created <<<"$s")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$ ]]
	[ "$(jq -r '.owner | type' <<<"$s")" = string ]
	[ "$(jq -c .annotations <<<"$s")" = '{"org.holo.test":"value","other":"x"}' ]
}

@test "lifecycle: start runs the process; kill stops it; delete removes it" {
	update_config '.process.args = ["holo-check", "loop"]'
	run -0 rt_create "$CID"
	local pid
	pid=$(state_field "$CID" pid)
	run -0 rt start "$CID"
	wait_for_status "$CID" running
	# Same process: start execs the user process in the init created by create.
	[ "$(state_field "$CID" pid)" = "$pid" ]
	[ "$(stat -L -c %d:%i /proc/$pid/exe)" = "$(stat -c %d:%i "$BUNDLE/rootfs/bin/holo-check")" ]

	run -0 rt kill "$CID" KILL
	wait_for_status "$CID" stopped
	[ "$(state_field "$CID" pid)" = 0 ]
	! process_alive "$pid" || false

	run -0 rt delete "$CID"
	run -1 --separate-stderr rt state "$CID"
	check_contains "container does not exist" stderr
	run -0 rt list -q
	check_output ""
	check_no_processes
}

@test "lifecycle: start of a running or stopped container fails" {
	add_shared_dir
	set_args sh -c 'touch /shared/started; exec holo-check loop'
	run -0 rt_create "$CID"
	run -0 rt start "$CID"
	wait_for_status "$CID" running
	run -1 rt start "$CID"
	[ "$(state_field "$CID" status)" = running ]
	run -0 rt kill "$CID" KILL
	wait_for_status "$CID" stopped
	rm -f "$SHARED/started"
	run -1 rt start "$CID"
	sleep 0.5
	[ ! -e "$SHARED/started" ]
	[ "$(state_field "$CID" status)" = stopped ]
}

@test "lifecycle: a process that exits by itself leaves a stopped container with pid 0" {
	set_args holo-check exit 0
	run -0 rt_create "$CID"
	run -0 rt start "$CID"
	wait_for_status "$CID" stopped
	[ "$(state_field "$CID" pid)" = 0 ]
	run -0 rt delete "$CID"
	check_nothing_left "$CID"
}

@test "lifecycle: delete of a running container fails without --force and kills it with --force" {
	update_config '.process.args = ["holo-check", "loop"]'
	run -0 rt_run_d "$CID"
	local pid
	pid=$(state_field "$CID" pid)
	run -1 rt delete "$CID"
	[ "$(state_field "$CID" status)" = running ]
	kill -0 "$pid"
	run -0 rt delete --force "$CID"
	run -1 rt state "$CID"
	! process_alive "$pid" || false
	check_nothing_left "$CID"
}

@test "lifecycle: delete of a created container removes it and its process never runs" {
	add_shared_dir
	set_args touch /shared/ran
	run -0 rt_create "$CID"
	local pid
	pid=$(state_field "$CID" pid)
	run -0 rt delete "$CID"
	check_nothing_left "$CID"
	! process_alive "$pid" || false
	[ ! -e "$SHARED/ran" ]
}

@test "lifecycle: run in the foreground passes stdio and exits with the process's status" {
	set_args sh -c 'read line; echo "out:$line"; echo "err:$line" >&2; exit 0'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID" <<<"hello"
	check_output "out:hello"
	check_contains "err:hello" stderr
	# run deletes the container when the process exits.
	run -1 rt state "$CID"
	check_nothing_left "$CID"

	set_args holo-check exit 3
	run -3 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_nothing_left "$CID"
}

@test "lifecycle: run exits 128+N when the process dies of signal N" {
	# SIGSEGV from a real fault: delivered even to a pid namespace's init.
	set_args holo-check signal-exit
	run -139 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_nothing_left "$CID"

	# SIGKILL sent to itself: only possible outside a new pid namespace.
	remove_namespace pid
	set_args holo-check signal-exit 9
	run -137 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_not_contains "still alive"
	check_nothing_left "$CID"
}

@test "lifecycle: run exits 137 when the container is killed with SIGKILL from outside" {
	set_args holo-check loop
	rt_bg "$TESTDIR/run.out" run --bundle "$BUNDLE" "$CID"
	wait_for_status "$CID" running
	run -0 rt kill "$CID" KILL
	local rc=0
	wait "$BG_PID" || rc=$?
	[ "$rc" -eq 137 ] || {
		echo "run exited $rc"
		cat "$TESTDIR/run.out"
		false
	}
	check_nothing_left "$CID"
}

@test "lifecycle: run --keep leaves a stopped container to delete" {
	set_args holo-check exit 0
	run -0 --separate-stderr rt run --keep --bundle "$BUNDLE" "$CID"
	run -0 rt state "$CID"
	[ "$(jq -r .status <<<"$output")" = stopped ]
	run -0 rt delete "$CID"
	check_nothing_left "$CID"
}

@test "lifecycle: run -d returns while the process runs" {
	add_shared_dir
	set_args sh -c 'touch /shared/started; exec holo-check loop'
	run -0 rt_run_d "$CID"
	wait_for_file "$SHARED/started"
	[ "$(state_field "$CID" status)" = running ]
	local pid
	pid=$(state_field "$CID" pid)
	kill -0 "$pid"
	run -0 rt kill "$CID" KILL
	wait_for_status "$CID" stopped
	run -0 rt delete "$CID"
	check_nothing_left "$CID"
}

@test "lifecycle: --pid-file holds the container's pid (create and run -d, absolute and relative)" {
	update_config '.process.args = ["holo-check", "loop"]'
	run -0 rt_create --pid-file "$TESTDIR/create.pid" "$CID"
	[ "$(cat "$TESTDIR/create.pid")" = "$(state_field "$CID" pid)" ]

	local other
	other=$(new_id)
	cd "$TESTDIR"
	run -0 rt_run_d --pid-file run.pid "$other"
	[ -f "$TESTDIR/run.pid" ]
	[ "$(cat "$TESTDIR/run.pid")" = "$(state_field "$other" pid)" ]
	kill -0 "$(cat "$TESTDIR/run.pid")"
}

@test "lifecycle: kill sends SIGTERM by default and accepts signal names, SIG names and numbers" {
	signal_recorder
	run -0 rt_run_d "$CID"
	wait_for_file "$SHARED/ready"

	# One at a time: pending signals would be handled in numeric order.
	run -0 rt kill "$CID"
	wait_for_signals 1
	run -0 rt kill "$CID" HUP
	wait_for_signals 2
	run -0 rt kill "$CID" SIGUSR1
	wait_for_signals 3
	run -0 rt kill "$CID" 12 # SIGUSR2
	wait_for_signals 4
	run cat "$SHARED/signals"
	check_output "$(printf '%s\n' TERM HUP USR1 USR2)"
	[ "$(state_field "$CID" status)" = running ]
}

@test "lifecycle: kill with an unknown signal fails and leaves the container running" {
	signal_recorder
	run -0 rt_run_d "$CID"
	wait_for_file "$SHARED/ready"
	run -1 rt kill "$CID" NOSUCHSIGNAL
	run -1 rt kill "$CID" 999
	[ "$(state_field "$CID" status)" = running ]
	sleep 0.3
	[ ! -e "$SHARED/signals" ]
}

@test "lifecycle: kill of a stopped container fails with 'container not running'" {
	set_args holo-check exit 0
	run -0 rt_create "$CID"
	run -0 rt start "$CID"
	wait_for_status "$CID" stopped
	run -1 --separate-stderr rt kill "$CID" KILL
	check_contains "container not running" stderr
}

@test "lifecycle: kill --all reaches every process of a container without its own pid namespace" {
	add_shared_dir
	remove_namespace pid
	set_args sh -c 'holo-check loop & holo-check loop & touch /shared/ready; wait'
	run -0 rt_run_d "$CID"
	wait_for_file "$SHARED/ready"
	# The init and its two children carry the test marker.
	[ "$(marker_pids | wc -l)" -ge 3 ]
	run -0 rt kill --all "$CID" KILL
	wait_for_status "$CID" stopped
	check_no_processes
	run -0 rt delete "$CID"
}

@test "lifecycle: a created container can be killed, then deleted" {
	add_shared_dir
	set_args touch /shared/ran
	run -0 rt_create "$CID"
	run -0 rt kill "$CID" KILL
	wait_for_status "$CID" stopped
	run -0 rt delete "$CID"
	check_nothing_left "$CID"
	[ ! -e "$SHARED/ran" ]
}
