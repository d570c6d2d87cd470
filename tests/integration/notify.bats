#!/usr/bin/env bats
# NOTIFY_SOCKET (sd_notify(3)) for create/start/run, as runc does it: the
# container gets a socket of its own, bind-mounted read-only at
# /run/notify/notify.sock with NOTIFY_SOCKET set in its environment, and what
# it sends there reaches the caller's socket after start, READY=1 followed
# by MAINPID= and BARRIER=1.  The caller's socket is notify_listener.py
# here; a real systemd service is tested in the VM (tests/vm/systemd.bats).
# Runs against runc too (RUNTIME=/usr/sbin/runc), which relays the READY
# line only; what holo adds (the other lines, its errors) is checked on
# holo alone.

load helpers

LISTENER=$BATS_TEST_DIRNAME/notify_listener.py

setup() {
	command -v python3 >/dev/null || skip "needs python3"
	setup_common
	NOTIFY=$TESTDIR/notify.sock
	HEARD=$TESTDIR/heard
}

# listen [PATH] [TIMEOUT]: the caller's notify socket, in the background.
listen() {
	local path=${1:-$NOTIFY}
	python3 "$LISTENER" "$path" "$HEARD" "${2:-20}" 3>&- &
	LISTENER_PID=$!
	BACKGROUND_PIDS+=("$LISTENER_PID")
	wait_for_file "$HEARD.ready"
}

# heard: what the listener got, once it has finished (BARRIER=1 or its
# time limit).  (Polled: "run heard" is a subshell, which cannot wait.)
heard() {
	local i
	while [ -d "/proc/$LISTENER_PID" ] && [ "$(awk '/^State:/ {print $2}' "/proc/$LISTENER_PID/status" 2>/dev/null)" != Z ]; do
		sleep 0.1
	done
	cat "$HEARD"
}

@test "notify: the container has its own socket at /run/notify/notify.sock, mounted read-only, in NOTIFY_SOCKET" {
	listen
	set_args sh -c 'echo "NOTIFY_SOCKET=$NOTIFY_SOCKET"; holo-check mountinfo /run/notify; holo-check stat /run/notify/notify.sock; holo-check notify READY=1; exec sleep 1000'
	NOTIFY_SOCKET=$NOTIFY rt_run_d "$CID"
	run -0 container_output "$CID"
	check_contains "NOTIFY_SOCKET=/run/notify/notify.sock"
	check_matches "opts=ro,nosuid,nodev,noexec"
	check_matches "type=s mode=0777"
	run -0 heard
	check_contains '"READY=1'
}

@test "notify: READY=1 reaches the caller's socket, then MAINPID= (the container's init) and a barrier" {
	listen
	set_args sh -c 'holo-check notify STATUS=starting; holo-check notify "$(printf "READY=1\nMAINPID=424242\nSTATUS=up")"; exec sleep 1000'
	NOTIFY_SOCKET=$NOTIFY rt_run_d "$CID"
	local pid
	pid=$(state_field "$CID" pid)
	run -0 heard
	check_contains '"READY=1'
	check_contains "\"MAINPID=$pid\\n\""
	# The container's own MAINPID= means nothing outside its pid namespace.
	check_not_contains "MAINPID=424242"
	# holo relays every line (runc 1.1 the READY line only) and ends with a
	# barrier (sd_notify_barrier(3), as runc >= 1.2 does).
	if [ "$RUNTIME_KIND" = holo ]; then
		check_output "$(printf '%s\n' '"STATUS=starting"' '"READY=1\nSTATUS=up"' "\"MAINPID=$pid\\n\"" '"BARRIER=1" +fd')"
	fi
}

@test "notify: start waits for READY=1 without holding the container" {
	listen
	add_shared_dir
	set_args sh -c 'while [ ! -e /shared/go ]; do sleep 0.1; done; holo-check notify READY=1; exec sleep 1000'
	NOTIFY_SOCKET=$NOTIFY rt_create "$CID"
	NOTIFY_SOCKET=$NOTIFY rt_bg "$TESTDIR/start.out" start "$CID"
	wait_for_status "$CID" running
	# start is still waiting, and the container answers meanwhile.
	sleep 0.5
	kill -0 "$BG_PID"
	run -0 rt state "$CID"
	touch "$SHARED/go"
	wait "$BG_PID"
	run -0 heard
	check_contains '"READY=1'
	check_contains "\"MAINPID=$(state_field "$CID" pid)\\n\""
}

@test "notify: run in the foreground says MAINPID= of the runtime itself" {
	listen
	set_args sh -c 'holo-check notify READY=1; exec sleep 1000'
	NOTIFY_SOCKET=$NOTIFY rt_bg "$TESTDIR/run.out" run --bundle "$BUNDLE" "$CID"
	run -0 heard
	check_contains '"READY=1'
	local main
	main=$(sed -n 's/^"MAINPID=\([0-9]*\)\\n"$/\1/p' "$HEARD")
	[ -n "$main" ]
	# The foreground runtime, which the caller watches (it exits with the
	# container): its command line is ours.
	run -0 bash -c 'tr "\0" " " <"/proc/$0/cmdline"' "$main"
	check_contains "--root $ROOT run --bundle $BUNDLE $CID"
	kill -0 "$main"
	rt kill "$CID" KILL
	wait "$BG_PID" || true
}

@test "notify: an abstract socket (@name) works too" {
	local name=@holo-test-notify-$CID
	listen "$name"
	set_args sh -c 'holo-check notify READY=1; exec sleep 1000'
	NOTIFY_SOCKET=$name rt_run_d "$CID"
	run -0 heard
	check_contains '"READY=1'
	check_contains "\"MAINPID=$(state_field "$CID" pid)\\n\""
}

@test "notify: a container that exits without READY=1: start returns, nothing relayed" {
	listen "$NOTIFY" 3
	set_args true
	NOTIFY_SOCKET=$NOTIFY rt_create "$CID"
	NOTIFY_SOCKET=$NOTIFY run -0 rt start "$CID"
	wait_for_status "$CID" stopped
	run -0 heard
	check_output timeout
}

@test "notify: NOTIFY_SOCKET at start but not at create: a clear error, the container stays created" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's error text"
	listen "$NOTIFY" 3
	rt_create "$CID"
	NOTIFY_SOCKET=$NOTIFY run rt start "$CID"
	check_status 1
	check_contains "NOTIFY_SOCKET is set, but the container was created without it"
	[ "$(state_field "$CID" status)" = created ]
	run -0 rt delete --force "$CID"
	check_nothing_left "$CID"
}

@test "notify: a NOTIFY_SOCKET nobody listens on: start fails before the process runs" {
	[ "$RUNTIME_KIND" = holo ] || skip "runc starts the process, then fails"
	add_shared_dir
	set_args sh -c 'touch /shared/ran'
	NOTIFY_SOCKET=$TESTDIR/nobody.sock rt_create "$CID"
	NOTIFY_SOCKET=$TESTDIR/nobody.sock run rt start "$CID"
	check_status 1
	check_contains "NOTIFY_SOCKET \`$TESTDIR/nobody.sock\`: connect: no such file or directory"
	[ "$(state_field "$CID" status)" = created ]
	[ ! -e "$SHARED/ran" ]
	run -0 rt delete --force "$CID"
	check_nothing_left "$CID"
}
