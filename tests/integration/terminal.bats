#!/usr/bin/env bats
# process.terminal: the pty handed over through --console-socket (as
# containerd and conmon use it), /dev/console, console size, and the
# argument checks around it.

load helpers

setup() {
	setup_common
	update_config '.process.terminal = true'
	SOCK=$TESTDIR/console.sock
}

# start_recvtty [INPUT]: the receiving end of --console-socket, in the
# background; what the container writes to its terminal ends up in
# $TESTDIR/tty.out.
start_recvtty() {
	local input=()
	[ $# -gt 0 ] && input=(-i "$1")
	"$RECVTTY" "${input[@]}" -m "$TESTDIR/tty.received" "$SOCK" >"$TESTDIR/tty.out" 2>"$TESTDIR/tty.err" 3>&- &
	RECV_PID=$!
	BACKGROUND_PIDS+=("$RECV_PID")
	local i
	for ((i = 0; i < 50; i++)); do
		[ -S "$SOCK" ] && return 0
		sleep 0.1
	done
	echo "recvtty did not come up: $(cat "$TESTDIR/tty.err")"
	return 1
}

# tty_output: waits for recvtty to see the terminal closed; prints what it
# got, without the carriage returns the pty adds.
tty_output() {
	local i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$RECV_PID" 2>/dev/null || break
		sleep 0.1
	done
	tr -d '\r' <"$TESTDIR/tty.out"
}

@test "terminal: run -d --console-socket hands over a pty that is the process's stdio" {
	start_recvtty
	set_args holo-check tty
	run -0 rt_run_d --console-socket "$SOCK" "$CID"
	run tty_output
	check_output "$(printf '%s\n' "0: /dev/pts/0" "1: /dev/pts/0" "2: /dev/pts/0")"
	grep -q "^fd-received " "$TESTDIR/tty.received"
}

@test "terminal: create --console-socket, then start" {
	start_recvtty
	set_args sh -c 'echo hello from the pty'
	run -0 rt_create --console-socket "$SOCK" "$CID"
	# The pty was handed over at create, before the process runs.
	wait_for_file "$TESTDIR/tty.received"
	[ "$(state_field "$CID" status)" = created ]
	run -0 rt start "$CID"
	run tty_output
	check_output "hello from the pty"
	wait_for_status "$CID" stopped
}

@test "terminal: /dev/console is the pty, owned by the process user and group tty" {
	start_recvtty
	update_config '.process.user = {uid: 1000, gid: 1000}'
	set_args sh -c 'holo-check stat /dev/console; holo-check stat /dev/pts/0; holo-check mountinfo /dev/console'
	run -0 rt_run_d --console-socket "$SOCK" "$CID"
	run tty_output
	check_contains "$(printf '%s\n' "type=c mode=0620 uid=1000 gid=5 major=136 minor=0 size=0" \
		"type=c mode=0620 uid=1000 gid=5 major=136 minor=0 size=0")"
	check_contains "fstype=devpts"
}

@test "terminal: consoleSize sets the window size" {
	start_recvtty
	update_config '.process.consoleSize = {height: 40, width: 123}'
	set_args stty size
	run -0 rt_run_d --console-socket "$SOCK" "$CID"
	run tty_output
	check_output "40 123"
}

@test "terminal: input written to the pty reaches the process" {
	start_recvtty $'hello-input\n'
	set_args sh -c 'read line; echo "got:$line"'
	run -0 rt_run_d --console-socket "$SOCK" "$CID"
	run tty_output
	check_contains "got:hello-input"
}

@test "terminal: run in the foreground with a terminal relays it (under script(1) for a tty)" {
	command -v script >/dev/null || skip "script(1) is not installed"
	set_args sh -c 'holo-check tty; exit 7'
	run script -qec "$(printf '%q ' env HOLO_TEST_MARKER="$TEST_MARKER" "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$CID")" /dev/null </dev/null
	check_status 7
	check_contains "0: /dev/pts/0"
	check_contains "2: /dev/pts/0"
	check_nothing_left "$CID"
}

@test "terminal: detaching with a terminal but no console socket is refused" {
	run -1 --separate-stderr rt_create "$CID"
	check_nothing_left "$CID"
	run -1 --separate-stderr rt_run_d "$CID"
	check_nothing_left "$CID"
}

@test "terminal: a console socket without a terminal is refused" {
	update_config '.process.terminal = false'
	start_recvtty
	run -1 --separate-stderr rt_create --console-socket "$SOCK" "$CID"
	check_nothing_left "$CID"
}

@test "terminal: a console socket path nobody listens on fails the create" {
	run -1 --separate-stderr rt_create --console-socket "$TESTDIR/nobody.sock" "$CID"
	check_nothing_left "$CID"
}

@test "terminal: without a terminal the process gets the caller's stdio, not a tty" {
	update_config '.process.terminal = false'
	set_args holo-check tty
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_output "$(printf '%s\n' "0: not a tty" "1: not a tty" "2: not a tty")"
}
