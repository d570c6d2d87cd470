#!/usr/bin/env bats
# containerd-shim-holo-v2 under a real containerd (Debian's 1.6): a private
# containerd per file (tests/shim/env.sh) with the shim and holo from the
# build tree on its PATH and a busybox image imported offline.

bats_require_minimum_version 1.5.0

load ../shim/helpers

setup_file() {
	# For the hung-runtime test: containerd passes its environment to the
	# shims, and the fake runtime (tests/shim/fake-runtime.sh, put in
	# holo's place on the shims' PATH for that test) reads these.
	export HOLO_SHIM_TIMEOUTS=pause=4s
	export FAKE_RUNTIME_DIR=$BATS_FILE_TMPDIR/fake FAKE_RUNTIME_HANG=pause FAKE_RUNTIME_REAL=$HOLO_BINARY
	mkdir -p "$FAKE_RUNTIME_DIR"
	shim_setup_file
}

teardown_file() {
	shim_teardown_file
}

teardown() {
	# The hung-runtime test swaps holo for the fake runtime: never beyond it.
	ln -sf "$HOLO_BINARY" "$SHIM_ENV_DIR/bin/holo"
}

@test "shim: ctr run prints the output and returns the exit code" {
	run --separate-stderr ctrt run --rm --runtime "$RUNTIME_NAME" "$SHIM_IMAGE" run-out sh -c 'echo hello; echo oops >&2; exit 7'
	[ "$status" -eq 7 ]
	[ "$output" = "hello" ]
	[[ "$stderr" == *oops* ]]
}

@test "shim: ctr run --rm leaves no task, container, shim or socket" {
	run ctrt run --rm --runtime "$RUNTIME_NAME" "$SHIM_IMAGE" run-rm true
	[ "$status" -eq 0 ]
	run ctrt container ls -q
	[[ "$output" != *run-rm* ]]
	sleep 0.5
	[ -z "$(shim_pid_of run-rm)" ]
	[ ! -e "$SHIM_ENV_DIR/state/io.containerd.runtime.v2.task/$SHIM_NS/run-rm" ]
}

@test "shim: stdin reaches the container and its end closes it" {
	run --separate-stderr bash -c "printf 'line1\nline2\n' | timeout $CTR_TIMEOUT ctr --address $SHIM_ENV_DIR/containerd.sock -n $SHIM_NS run --rm --runtime $RUNTIME_NAME $SHIM_IMAGE run-stdin sh -c 'cat; echo done'"
	echo "status $status output: $output stderr: $stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'line1\nline2\ndone')" ]
}

@test "shim: a megabyte through stdin arrives whole (relay backpressure)" {
	run --separate-stderr bash -c "head -c 1048576 /dev/urandom | timeout $CTR_TIMEOUT ctr --address $SHIM_ENV_DIR/containerd.sock -n $SHIM_NS run --rm --runtime $RUNTIME_NAME $SHIM_IMAGE run-stdin-big wc -c"
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = 1048576 ]
}

@test "shim: stdin of an exec process, then its end" {
	require_holo exec
	ctrt run -d --runtime "$RUNTIME_NAME" "$SHIM_IMAGE" exin sleep 1000
	run --separate-stderr bash -c "printf 'a\nb\nc\n' | timeout $CTR_TIMEOUT ctr --address $SHIM_ENV_DIR/containerd.sock -n $SHIM_NS task exec --exec-id in1 exin wc -l"
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = 3 ]
	remove_task exin
}

@test "shim: --log-uri binary:// starts the logging binary with the output on fds 3 and 4" {
	local d=$BATS_TEST_TMPDIR
	cat >"$d/logger.sh" <<-'LOGGER'
		#!/bin/sh
		out=$2
		exec 5>&-
		cat <&3 >"$out.stdout" &
		cat <&4 >"$out.stderr"
		wait
		echo "id=$CONTAINER_ID ns=$CONTAINER_NAMESPACE" >"$out.env"
	LOGGER
	chmod +x "$d/logger.sh"
	run ctrt run --rm --log-uri "binary://$d/logger.sh?file=$d/log" --runtime "$RUNTIME_NAME" "$SHIM_IMAGE" logbin sh -c 'echo to-out; echo to-err >&2; exit 2'
	[ "$status" -eq 2 ]
	for _ in $(seq 50); do
		[ -s "$d/log.env" ] && break
		sleep 0.1
	done
	[ "$(cat "$d/log.stdout")" = to-out ]
	grep -qx to-err "$d/log.stderr"
	[ "$(cat "$d/log.env")" = "id=logbin ns=$SHIM_NS" ]
}

@test "shim: --log-uri file:// appends the output to the file" {
	run ctrt run --rm --log-uri "file://$BATS_TEST_TMPDIR/out.log" --runtime "$RUNTIME_NAME" "$SHIM_IMAGE" logfile sh -c 'echo one; echo two >&2'
	[ "$status" -eq 0 ]
	grep -qx one "$BATS_TEST_TMPDIR/out.log"
	grep -qx two "$BATS_TEST_TMPDIR/out.log"
}

@test "shim: a failing create reports the runtime's error" {
	run ctrt run --rm --runtime "$RUNTIME_NAME" "$SHIM_IMAGE" run-bad /no/such/binary
	[ "$status" -ne 0 ]
	[[ "$output" == *holo* ]]
	remove_task run-bad
	sleep 0.5
	[ -z "$(shim_pid_of run-bad)" ]
}

@test "shim: detached task, ctr task exec output and exit code" {
	require_holo exec
	ctrt run -d --runtime "$RUNTIME_NAME" "$SHIM_IMAGE" det sleep 1000
	[ "$(task_status det)" = RUNNING ]
	run --separate-stderr ctrt task exec --exec-id e1 det sh -c 'echo in-exec; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = "in-exec" ]
	# The same exec id can be used again once the first one is gone.
	run --separate-stderr ctrt task exec --exec-id e1 det cat /proc/1/cmdline
	[ "$status" -eq 0 ]
	[[ "$output" == sleep* ]]
	remove_task det
}

@test "shim: ctr task kill stops the task with the signal's status" {
	ctrt run -d --runtime "$RUNTIME_NAME" "$SHIM_IMAGE" kill1 sleep 1000
	pid=$(task_pid kill1)
	ctrt task kill -s KILL kill1
	wait_status kill1 10 STOPPED
	run ! kill -0 "$pid"
	run ctrt task rm kill1
	[ "$status" -eq 0 ]
	[[ "$output" == *137* ]]
	ctrt container rm kill1
	sleep 0.5
	[ -z "$(shim_pid_of kill1)" ]
}

@test "shim: ctr task kill --all reaches exec processes too" {
	require_holo exec
	ctrt run -d --runtime "$RUNTIME_NAME" "$SHIM_IMAGE" killall sleep 1000
	ctrt task exec -d --exec-id bg killall sleep 999
	ctrt task kill -a -s KILL killall
	wait_status killall 10 STOPPED
	remove_task killall
}

@test "shim: without a pid namespace of its own, exec processes die with the init" {
	require_holo exec
	# The annotation named "type" must not pass for a namespace entry.
	ctrt run -d --with-ns "pid:/proc/$$/ns/pid" --annotation type=pid --runtime "$RUNTIME_NAME" "$SHIM_IMAGE" hostpid sleep 1000
	ctrt task exec -d --exec-id bg hostpid sleep 999
	local e
	e=$(ctrt task ps hostpid | awk '/bg/ { print $1 }')
	[ -n "$e" ]
	kill -0 "$e"
	ctrt task kill -s KILL hostpid
	wait_status hostpid 10 STOPPED
	for _ in $(seq 50); do
		kill -0 "$e" 2>/dev/null || break
		sleep 0.1
	done
	run ! kill -0 "$e"
	remove_task hostpid
}

@test "shim: ctr task pause and resume" {
	require_holo pause
	ctrt run -d --runtime "$RUNTIME_NAME" "$SHIM_IMAGE" pz sh -c 'while :; do sleep 0.1; done'
	ctrt task pause pz
	[ "$(task_status pz)" = PAUSED ]
	pid=$(task_pid pz)
	grep -q '^State:.*T\|^State:.*D\|^State:.*S' "/proc/$pid/status"
	ctrt task resume pz
	[ "$(task_status pz)" = RUNNING ]
	remove_task pz
}

@test "shim: a hung runtime command fails with DeadlineExceeded while ctr goes on working" {
	require_holo pause
	# `holo` on the shims' PATH is the fake one for this test.
	ln -sf "$SHIM_SRC/tests/shim/fake-runtime.sh" "$SHIM_ENV_DIR/bin/holo"
	run ctrt run -d --runtime "$RUNTIME_NAME" "$SHIM_IMAGE" hung sleep 1000
	echo "ctr run: $output"
	[ "$status" -eq 0 ]
	local t0=$SECONDS
	ctrt task pause hung >"$BATS_TEST_TMPDIR/pause.out" 2>&1 &
	local pause_client=$!
	for _ in $(seq 50); do
		[ -s "$FAKE_RUNTIME_DIR/hung.pid" ] && break
		sleep 0.1
	done
	[ -s "$FAKE_RUNTIME_DIR/hung.pid" ]
	# containerd and the shim serve the task while `pause` hangs.
	[ "$(task_status hung)" = PAUSING ]
	run --separate-stderr ctrt task exec --exec-id during hung echo still-served
	[ "$status" -eq 0 ]
	[ "$output" = still-served ]
	kill -0 "$pause_client"
	local pause_status=0
	wait "$pause_client" || pause_status=$?
	[ "$pause_status" -ne 0 ]
	echo "ctr task pause: $(cat "$BATS_TEST_TMPDIR/pause.out")"
	grep -q "deadline exceeded" "$BATS_TEST_TMPDIR/pause.out"
	[ $((SECONDS - t0)) -ge 3 ]
	run kill -0 "$(cat "$FAKE_RUNTIME_DIR/hung.pid")"
	[ "$status" -ne 0 ]
	[ "$(task_status hung)" = RUNNING ]
	remove_task hung
	ln -sf "$HOLO_BINARY" "$SHIM_ENV_DIR/bin/holo"
	rm -f "$FAKE_RUNTIME_DIR/hung.pid"
}

@test "shim: ctr task ps lists the init and exec processes" {
	require_holo exec
	ctrt run -d --runtime "$RUNTIME_NAME" "$SHIM_IMAGE" ps1 sleep 1000
	ctrt task exec -d --exec-id side ps1 sleep 999
	run ctrt task ps ps1
	[ "$status" -eq 0 ]
	[[ "$output" == *"$(task_pid ps1)"* ]]
	[[ "$output" == *side* ]]
	[ "$(echo "$output" | tail -n +2 | wc -l)" -eq 2 ]
	remove_task ps1
}

@test "shim: ctr task metrics reports the container's cgroup" {
	ctrt run -d --runtime "$RUNTIME_NAME" "$SHIM_IMAGE" met sleep 1000
	run ctrt task metrics met
	[ "$status" -eq 0 ]
	[[ "$output" == *memory* ]]
	[[ "$output" == *pids.current* || "$output" == *pids* ]]
	remove_task met
}

@test "shim: ctr task update changes the memory limit" {
	require_holo update
	ctrt task update --help >/dev/null 2>&1 || skip "this ctr has no 'task update' (containerd 1.6)"
	ctrt run -d --runtime "$RUNTIME_NAME" "$SHIM_IMAGE" upd sleep 1000
	ctrt task update --memory-limit 67108864 upd
	run ctrt task metrics upd
	[ "$status" -eq 0 ]
	[[ "$output" == *67108864* ]]
	remove_task upd
}

@test "shim: tty (-t) gets the client's size and follows a resize" {
	command -v script >/dev/null || skip "script(1) is not installed"
	local c="ctr --address $SHIM_ENV_DIR/containerd.sock -n $SHIM_NS"
	run timeout "$CTR_TIMEOUT" script -qec "stty rows 33 cols 77; $c run -t --rm --runtime $RUNTIME_NAME $SHIM_IMAGE tty1 sh -c 'sleep 0.5; stty size; tty; exit 5'" /dev/null
	[ "$status" -eq 5 ]
	[[ "$output" == *"33 77"* ]]
	[[ "$output" == */dev/pts/* ]]
	# (ctr sends its size with ResizePty right after Start: the sleep lets
	# it land first.)  SIGWINCH makes ctr send ResizePty; the container sees the new size.
	run timeout "$CTR_TIMEOUT" script -qec "stty rows 33 cols 77; $c run -t --rm --runtime $RUNTIME_NAME $SHIM_IMAGE tty2 sh -c 'sleep 2; stty size' </dev/tty & p=\$!; sleep 1; stty rows 50 cols 90 </dev/tty; kill -WINCH \$p; wait \$p" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"50 90"* ]]
}

@test "shim: tty exec (ctr task exec -t)" {
	require_holo exec
	command -v script >/dev/null || skip "script(1) is not installed"
	ctrt run -d --runtime "$RUNTIME_NAME" "$SHIM_IMAGE" ttyx sleep 1000
	local c="ctr --address $SHIM_ENV_DIR/containerd.sock -n $SHIM_NS"
	run timeout "$CTR_TIMEOUT" script -qec "stty rows 21 cols 61; $c task exec -t --exec-id t ttyx sh -c 'sleep 0.5; stty size; exit 4'" /dev/null
	[ "$status" -eq 4 ]
	[[ "$output" == *"21 61"* ]]
	remove_task ttyx
}

@test "shim: events arrive in order create, start, exit, delete" {
	ctrt events >"$BATS_TEST_TMPDIR/events" 2>&1 &
	local ev=$!
	sleep 0.5
	ctrt run --rm --runtime "$RUNTIME_NAME" "$SHIM_IMAGE" evt true
	sleep 1
	kill "$ev"
	run grep -o '/tasks/[a-z-]*' "$BATS_TEST_TMPDIR/events"
	[ "$(echo "$output" | tr '\n' ' ')" = "/tasks/create /tasks/start /tasks/exit /tasks/delete " ]
}

@test "shim: exec events (exec-added, exec-started, exit)" {
	require_holo exec
	ctrt run -d --runtime "$RUNTIME_NAME" "$SHIM_IMAGE" evx sleep 1000
	ctrt events >"$BATS_TEST_TMPDIR/events" 2>&1 &
	local ev=$!
	sleep 0.5
	ctrt task exec --exec-id x1 evx true
	sleep 1
	kill "$ev"
	run grep -o '/tasks/[a-z-]*' "$BATS_TEST_TMPDIR/events"
	[ "$(echo "$output" | tr '\n' ' ')" = "/tasks/exec-added /tasks/exec-started /tasks/exit " ]
	remove_task evx
}

@test "shim: an exit while containerd is down reaches it when it is back" {
	ctrt run -d --runtime "$RUNTIME_NAME" "$SHIM_IMAGE" down1 sleep 1000
	local pid
	pid=$(task_pid down1)
	SHIM_ENV=$SHIM_ENV_DIR shim_env_stop
	kill -9 "$pid"
	sleep 0.5
	SHIM_ENV=$SHIM_ENV_DIR shim_env_containerd_up
	wait_status down1 10 STOPPED
	run ctrt task rm down1
	[ "$status" -eq 0 ]
	[[ "$output" == *137* ]]
	ctrt container rm down1
}

@test "shim: containerd restarts while a task runs; the shim serves it again" {
	ctrt run -d --runtime "$RUNTIME_NAME" "$SHIM_IMAGE" rst sleep 1000
	local shim
	shim=$(shim_pid_of rst)
	[ -n "$shim" ]
	SHIM_ENV=$SHIM_ENV_DIR shim_env_stop
	kill -0 "$shim"
	SHIM_ENV=$SHIM_ENV_DIR shim_env_containerd_up
	[ "$(task_status rst)" = RUNNING ]
	[ "$(shim_pid_of rst)" = "$shim" ]
	if "$HOLO_BINARY" exec --help >/dev/null 2>&1; then
		run --separate-stderr ctrt task exec --exec-id after rst echo again
		[ "$status" -eq 0 ]
		[ "$output" = again ]
	fi
	ctrt task kill -s KILL rst
	wait_status rst 10 STOPPED
	remove_task rst
	sleep 0.5
	[ -z "$(shim_pid_of rst)" ]
}

@test "shim: a killed shim is cleaned up by containerd (delete action)" {
	ctrt run -d --runtime "$RUNTIME_NAME" "$SHIM_IMAGE" dead sleep 1000
	local shim pid sock
	shim=$(shim_pid_of dead)
	pid=$(task_pid dead)
	sock=$(sed 's|^unix://||' "$SHIM_ENV_DIR/state/io.containerd.runtime.v2.task/$SHIM_NS/dead/address")
	[ -S "$sock" ]
	kill -9 "$shim"
	for _ in $(seq 50); do
		[ -z "$(task_status dead)" ] && break
		sleep 0.1
	done
	[ -z "$(task_status dead)" ]
	# The delete action force-deleted the container and unmounted its rootfs.
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	run ! kill -0 "$pid"
	run ! grep -q "io.containerd.runtime.v2.task/$SHIM_NS/dead/rootfs" /proc/self/mounts
	# ... and removed the dead shim's socket.
	[ ! -e "$sock" ]
	ctrt container rm dead
}

@test "shim: 20 containers in parallel, every exit code right, no shim left" {
	local i pids=()
	for i in $(seq 1 20); do
		ctrt run --rm --runtime "$RUNTIME_NAME" "$SHIM_IMAGE" par$i sh -c "exit $i" >/dev/null 2>&1 &
		pids+=($!)
	done
	for i in $(seq 1 20); do
		local st=0
		wait "${pids[$((i - 1))]}" || st=$?
		[ "$st" -eq "$i" ] || {
			echo "par$i exited $st, wanted $i" >&2
			return 1
		}
	done
	sleep 1
	[ -z "$(shim_env_shims_for par)" ]
	run ctrt container ls -q
	[[ "$output" != *par* ]]
}
