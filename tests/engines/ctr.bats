#!/usr/bin/env bats
# containerd 1.6 driven by ctr, three ways, side by side:
#   runc       io.containerd.runc.v2 with Debian's runc (the reference)
#   holo       io.containerd.holo.v2: containerd-shim-holo-v2 driving holo
#   holo-runc  io.containerd.runc.v2 with holo as its binary (BinaryName)
# One private containerd (CRI plugin off) in a mount namespace of its own
# (a tmpfs on /run: its socket, the shims' sockets in /run/containerd/s and
# the runtimes' roots are private), its root in a temporary directory, the
# shim and holo of this build on its PATH, as the README tells users to
# install them. The image is an OCI layout made offline (ctr image import).

load lib

IMG=docker.io/library/busybox:holo-test
NSP=holo-eng
ENGINE_RUNTIMES="runc holo holo-runc"

setup_file() {
	engines_require containerd ctr containerd-shim-runc-v2 nsenter
	[ -x "$HOLO_SHIM" ] || skip "$HOLO_SHIM is not built"
	export CT
	CT=$(engines_tmpdir ctr)
	mkdir -p "$CT/bin" "$CT/root"
	ln -s "$HOLO_SHIM" "$CT/bin/containerd-shim-holo-v2"
	ln -s "$HOLO" "$CT/bin/holo"
	cat >"$CT/config.toml" <<-TOML
		version = 2
		root = "$CT/root"
		disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
	TOML
	ns_start "$CT"
	containerd_start
	bash "$ENGINES_SRC/tests/shim/make-image.sh" "$CT/image.tar" "$IMG"
	c image import "$CT/image.tar" >/dev/null
}

containerd_start() {
	ns "$CT" env PATH="$CT/bin:$PATH" containerd --config "$CT/config.toml" </dev/null >>"$CT/containerd.log" 2>&1 3>&- &
	wait_for 30 c version || {
		tail -20 "$CT/containerd.log"
		return 1
	}
}

containerd_stop() {
	local pid
	pid=$(pgrep -f "containerd --config $CT/config.toml" || true)
	[ -n "$pid" ] || return 0
	kill "$pid"
	local i
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
}

teardown_file() {
	[ -n "${CT:-}" ] || return 0
	local t
	for t in $(c task ls -q 2>/dev/null); do
		c task kill -s KILL "$t" >/dev/null 2>&1
	done
	sleep 0.5
	for t in $(c task ls -q 2>/dev/null); do
		c task rm -f "$t" >/dev/null 2>&1
	done
	for t in $(c container ls -q 2>/dev/null); do
		c container rm "$t" >/dev/null 2>&1
	done
	ns_stop "$CT"
	unmount_under "$CT"
	rm -rf "$CT"
	# The parent cgroup containerd made for the namespace, now empty.
	rmdir /sys/fs/cgroup/*/"$NSP" 2>/dev/null || true
}

teardown() {
	local t
	for t in $(c task ls -q 2>/dev/null); do
		c task kill -s KILL "$t" >/dev/null 2>&1
	done
	for t in $(c task ls -q 2>/dev/null); do
		wait_for 10 task_is "$t" STOPPED
		c task rm -f "$t" >/dev/null 2>&1
	done
	for t in $(c container ls -q 2>/dev/null); do
		c container rm "$t" >/dev/null 2>&1
	done
}

# ctr in containerd's namespace, bounded in time. ctr run and ctr task
# exec always forward their stdin: c gives them none, ci ours.
c() {
	ci "$@" </dev/null
}

ci() {
	# -k: ctr passes SIGTERM on to the container.
	timeout -k 5 "$ENGINE_TIMEOUT" nsenter -t "$(cat "$CT/holder.pid")" -m -- ctr -n "$NSP" "$@"
}

# The ctr run flags that pick runtime R.
rt_flags() {
	case $R in
	runc) echo "--runtime io.containerd.runc.v2 --runc-binary $RUNC" ;;
	holo) echo "--runtime io.containerd.holo.v2" ;;
	holo-runc) echo "--runtime io.containerd.runc.v2 --runc-binary $HOLO" ;;
	esac
}

# crun ARGS…: ctr run with the runtime R, then ARGS (image, id, command);
# stdin only with WITH_STDIN=1.
crun() {
	local a=() f
	while [ "${1#-}" != "$1" ]; do
		a+=("$1")
		shift
	done
	if [ -n "${WITH_STDIN:-}" ]; then
		# shellcheck disable=SC2046
		ci run $(rt_flags) "${a[@]}" "$@"
	else
		# shellcheck disable=SC2046
		c run $(rt_flags) "${a[@]}" "$@"
	fi
}

# The runtime's own view of container $1, in the root its shim gives it.
runtime_status() {
	case $R in
	runc) ns "$CT" "$RUNC" --root "/run/containerd/runc/$NSP" state "$1" ;;
	holo) ns "$CT" "$HOLO" --root "/run/containerd/holo/$NSP" state "$1" ;;
	holo-runc) ns "$CT" "$HOLO" --root "/run/containerd/runc/$NSP" state "$1" ;;
	esac | jq -r .status
}

task_is() {
	[ "$(c task ls | awk -v id="$1" '$1 == id { print $3 }')" = "$2" ]
}

ps_count_is() {
	[ "$(c task ps "$1" | sed 1d | wc -l)" = "$2" ]
}

task_pid() {
	c task ls | awk -v id="$1" '$1 == id { print $2 }'
}

c_run() {
	crun --rm "$IMG" "run-$R" sh -c 'echo hello; echo oops >&2; exit 3' 2>/dev/null
	echo "run: $?"
	crun --rm "$IMG" "run-$R" sh -c 'echo hello; echo oops >&2; exit 3' 2>&1 >/dev/null
	crun -d "$IMG" "d-$R" sleep 60
	echo "the runtime says: $(runtime_status "d-$R")"
	c task ls | awk -v id="d-$R" '$1 == id { print $3 }'
}
@test "ctr: run prints stdout and stderr, exits with the status, under the runtime named" {
	both c_run
	ref_has hello oops "run: 3" "the runtime says: running" RUNNING
}

c_create_errors() {
	local cmd
	for cmd in nosuch /nosuch /etc/passwd; do
		crun --rm "$IMG" "err-$R" "$cmd" 2>"$BATS_TEST_TMPDIR/err" >/dev/null
		echo "$cmd: $?"
		# The runtime's error, without the prefixes each shim adds.
		tail -1 "$BATS_TEST_TMPDIR/err" | grep -oE 'exec: "[^"]*": .*' | sed 's/: unknown$//' 
	done
	echo "left: $(c container ls -q | wc -l)"
}
@test "ctr: a command that cannot start: the runtime's error, status 1, nothing left" {
	both c_create_errors
	ref_has "nosuch: 1" "/nosuch: 1" "/etc/passwd: 1" 'exec: "nosuch": executable file not found in $PATH' \
		'exec: "/nosuch": stat /nosuch: no such file or directory' 'exec: "/etc/passwd": permission denied' "left: 0"
}

# What the runtime prints on its stderr during a create that fails (runc
# and holo both print the error there, besides log.json) must not reach
# the container's output: containerd's runc shim copies the container's
# pipes to the client only once the create has succeeded.
c_create_error_once() {
	crun --rm "$IMG" "once-$R" /nosuch 2>"$BATS_TEST_TMPDIR/once.$R" >/dev/null
	echo "status $?, stderr: $(wc -l <"$BATS_TEST_TMPDIR/once.$R") line(s)"
	grep -c '^ctr: ' "$BATS_TEST_TMPDIR/once.$R"
}
@test "ctr: a failed create prints its error once (ctr's own line, nothing on the container's stderr)" {
	both c_create_error_once
	ref_has "status 1, stderr: 1 line(s)" 1
}

# The same for an exec that cannot start, and for a file:// log: the
# runtime's error is ctr's line, not the process's output.
c_exec_error_once() {
	local f=$BATS_TEST_TMPDIR/once-log.$R
	crun -d "$IMG" "xe-$R" sleep 60
	c task exec --exec-id bad "xe-$R" /nosuch 2>"$BATS_TEST_TMPDIR/xonce.$R" >/dev/null
	echo "exec: status $?, stderr: $(wc -l <"$BATS_TEST_TMPDIR/xonce.$R") line(s)"
	grep -c '^ctr: ' "$BATS_TEST_TMPDIR/xonce.$R"
	crun --rm --log-uri "file://$f" "$IMG" "fe-$R" /nosuch 2>/dev/null
	echo "log-uri: status $?, log: $(cat "$f" 2>/dev/null | wc -l) line(s)"
}
@test "ctr: a failed exec prints its error once, a failed create writes nothing to a file:// log" {
	both c_exec_error_once
	ref_has "exec: status 1, stderr: 1 line(s)" "log-uri: status 1, log: 0 line(s)"
}

# The process's output pipes outlive the client: a detached task that
# writes after ctr is gone is not killed by SIGPIPE (the shim holds them,
# for the container's whole life), and what an exec's child writes after
# the exec exited still reaches ctr (the shim goes on copying it for a
# moment, as containerd's does).
c_output_lifetime() {
	crun -d "$IMG" "lt-$R" sh -c 'sleep 1; echo out; echo err >&2; touch /tmp/wrote; sleep 60'
	wait_for 10 c task exec --exec-id w "lt-$R" test -e /tmp/wrote
	sleep 0.3
	echo "after writing: $(c task ls | awk -v id="lt-$R" '$1 == id { print $3 }')"
	c task exec --exec-id late "lt-$R" sh -c 'echo now; (sleep 1; echo late) &'
	echo "exec: $?"
}
@test "ctr: output pipes outlive the client (no SIGPIPE), an exec's child's late output arrives" {
	both c_output_lifetime
	ref_has "after writing: RUNNING" now late "exec: 0"
}

c_stdin() {
	# (The input comes after the start: with runc's shim, an end of input
	# that ctr sees before the task runs is lost and the task waits forever.)
	(sleep 1 && printf 'a\nb\nc\n') | WITH_STDIN=1 crun --rm "$IMG" "in-$R" sh -c 'wc -l; cat >/dev/null; echo eof'
	(sleep 1 && head -c 1048576 /dev/zero) | WITH_STDIN=1 crun --rm "$IMG" "in-$R" wc -c
}
@test "ctr: stdin reaches the container, a megabyte whole, and its end closes it" {
	both c_stdin
	ref_has 3 eof 1048576
}

c_exec_ps() {
	crun -d "$IMG" "x-$R" sleep 60
	c task exec --exec-id e1 "x-$R" sh -c 'echo in exec; exit 4'
	echo "exec: $?"
	c task exec --exec-id e2 --cwd /tmp --user 65534 "x-$R" sh -c 'echo "$(id -u) $(pwd)"'
	(sleep 1 && printf 'via stdin\n') | ci task exec --exec-id e3 "x-$R" cat
	c task exec --exec-id e4 "x-$R" sleep 30 &
	wait_for 10 ps_count_is "x-$R" 2
	echo "ps: $(c task ps "x-$R" | sed 1d | wc -l) processes"
	c task kill -a -s KILL "x-$R"
	wait "$!"
	echo "exec killed with --all: $?"
}
@test "ctr: task exec (status, cwd, stdin), task ps, kill --all" {
	both c_exec_ps
	ref_has "in exec" "exec: 4" "65534 /tmp" "via stdin" "ps: 2 processes" "exec killed with --all: 137"
}

c_kill() {
	local p
	crun --rm "$IMG" "k-$R" sh -c 'trap "echo got TERM; exit 7" TERM; echo ready; while :; do sleep 0.1; done' >"$BATS_TEST_TMPDIR/k.$R.out" &
	p=$!
	wait_for 20 grep -q ready "$BATS_TEST_TMPDIR/k.$R.out"
	c task kill "k-$R"
	wait "$p"
	echo "SIGTERM trapped: $?"
	tail -1 "$BATS_TEST_TMPDIR/k.$R.out"
	crun --rm "$IMG" "k-$R" sleep 60 &
	p=$!
	wait_for 20 task_is "k-$R" RUNNING
	c task kill -s KILL "k-$R"
	wait "$p"
	echo "SIGKILL: $?"
}
@test "ctr: task kill delivers SIGTERM to a trap, SIGKILL gives 137" {
	both c_kill
	ref_has "SIGTERM trapped: 7" "got TERM" "SIGKILL: 137"
}

c_pause() {
	crun -d "$IMG" "p-$R" sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/n.new; mv /tmp/n.new /tmp/n; sleep 0.05; done'
	sleep 0.3
	c task pause "p-$R"
	c task ls | awk -v id="p-$R" '$1 == id { print $3 }'
	echo "the runtime says: $(runtime_status "p-$R")"
	c task resume "p-$R"
	c task ls | awk -v id="p-$R" '$1 == id { print $3 }'
	local a b
	a=$(c task exec --exec-id r1 "p-$R" cat /tmp/n)
	sleep 0.3
	b=$(c task exec --exec-id r2 "p-$R" cat /tmp/n)
	[ "$b" -gt "$a" ] && echo "runs again"
}
@test "ctr: task pause and resume" {
	both c_pause
	ref_has PAUSED "the runtime says: paused" RUNNING "runs again"
}

c_metrics() {
	crun -d --memory-limit 67108864 "$IMG" "m-$R" sh -c 'sleep 100 & sleep 101'
	sleep 0.3
	c task metrics "m-$R" | awk '$1 == "memory.limit_in_bytes" || $1 == "pids.current" { print $1, $2 }'
}
@test "ctr: task metrics has the container's memory limit and pids" {
	both c_metrics
	ref_has "memory.limit_in_bytes 67108864" "pids.current 2"
}

c_tty() {
	ptyrun --size 33x77 -- nsenter -t "$(cat "$CT/holder.pid")" -m -- ctr -n "$NSP" run -t --rm $(rt_flags) "$IMG" "t-$R" \
		sh -c "tty; $winsize; exit 5"
	echo "run -t: $?"
	crun -d "$IMG" "tx-$R" sleep 60
	ptyrun --size 21x61 -- nsenter -t "$(cat "$CT/holder.pid")" -m -- ctr -n "$NSP" task exec -t --exec-id t "tx-$R" \
		sh -c "tty; $winsize; exit 4"
	echo "exec -t: $?"
}
# The client sends its size right after the start: wait for it.
winsize='for i in $(seq 50); do s=$(stty size 2>/dev/null); [ -n "$s" ] && [ "$s" != "0 0" ] && break; sleep 0.1; done; echo "$s"'
@test "ctr: run -t and task exec -t get a terminal of the client's size" {
	both c_tty
	ref_has "33 77" "run -t: 5" "21 61" "exec -t: 4"
	[ "$(grep -c '^/dev/pts/' <<<"$ref")" = 2 ]
}

c_oom() {
	c events >"$BATS_TEST_TMPDIR/events.$R" 2>&1 &
	local ev=$!
	sleep 0.3
	crun --rm --memory-limit 16777216 "$IMG" "o-$R" sh -c 'tail /dev/zero'
	echo "OOM: $?"
	sleep 0.5
	kill "$ev"
	grep -o '/tasks/oom' "$BATS_TEST_TMPDIR/events.$R" | sort -u
}
@test "ctr: an OOM kill exits 137 and sends /tasks/oom" {
	both c_oom
	ref_has "OOM: 137" /tasks/oom
}

c_settings() {
	local h
	h=$(mktemp -d)
	echo from-host >"$h/in"
	crun --rm --env FOO=bar --cwd /tmp --read-only --cap-drop CAP_CHOWN --seccomp \
		--mount "type=bind,src=$h,dst=/data,options=rbind:ro" "$IMG" "s-$R" sh -c '
		echo "FOO=$FOO $(pwd)"; cat /data/in; touch /data/x /y 2>&1; touch /dev/f; chown 1 /dev/f 2>&1
		grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status'
	crun --rm --allow-new-privs "$IMG" "s-$R" grep NoNewPrivs: /proc/self/status
	rm -rf "$h"
}
@test "ctr: env, cwd, read-only root, a read-only bind mount, cap-drop, seccomp, no_new_privs" {
	both c_settings
	ref_has "FOO=bar /tmp" from-host "touch: /data/x: Read-only file system" "touch: /y: Read-only file system" \
		"chown: /dev/f: Operation not permitted" "Seccomp:	2" "NoNewPrivs:	1" "NoNewPrivs:	0"
}

c_log_uri() {
	local f=$BATS_TEST_TMPDIR/log.$R
	# (The pause after the output: containerd 1.6's runc shim closes the
	# file when the stdout copy ends, and stderr that is copied after that
	# is lost, about one run in eight here.)
	crun --rm --log-uri "file://$f" "$IMG" "l-$R" sh -c 'echo to the log; echo err too >&2; sleep 0.3'
	echo "run: $?"
	# The shim may still be copying when ctr returns.
	wait_for 5 sh -c "[ \$(wc -l <'$f') -ge 2 ]"
	sort "$f"
}
@test "ctr: --log-uri file:// gets the container's output" {
	both c_log_uri
	ref_has "run: 0" "to the log" "err too"
}

c_restart() {
	local pid
	crun -d "$IMG" "r-$R" sh -c 'trap "exit 8" TERM; while :; do sleep 0.1; done'
	pid=$(task_pid "r-$R")
	containerd_stop
	kill -0 "$pid" && echo "alive while containerd is down"
	containerd_start
	c task ls | awk -v id="r-$R" '$1 == id { print $3 }'
	[ "$(task_pid "r-$R")" = "$pid" ] && echo "same process"
	c task exec --exec-id after "r-$R" echo exec after the restart
	c task kill "r-$R"
	wait_for 10 task_is "r-$R" STOPPED
	c task rm "r-$R" 2>&1 | grep -oE 'exit (status|code) [0-9]+' | sed 's/code/status/'
}
@test "ctr: containerd restarts while a task runs; the shim serves it again" {
	both c_restart
	ref_has "alive while containerd is down" RUNNING "same process" "exec after the restart"
}

c_leaves_nothing() {
	crun --rm "$IMG" "n-$R" true
	echo "run: $?"
	echo "tasks: $(c task ls -q | wc -l), containers: $(c container ls -q | wc -l)"
	echo "shims: $(pgrep -f "containerd-shim-.*-id n-$R( |$)" | wc -l)"
	echo "state: $(ns "$CT" sh -c "ls -d /run/containerd/*/$NSP/n-$R 2>/dev/null" | wc -l)"
}
@test "ctr: run --rm leaves no task, container, shim or runtime state" {
	both c_leaves_nothing
	ref_has "run: 0" "tasks: 0, containers: 0" "shims: 0" "state: 0"
}

@test "ctr: the README's snippets (holo's shim, and runc's shim with holo as its binary)" {
	local line out
	doc_snippet README.md ctr-run >"$BATS_TEST_TMPDIR/snippet"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/snippet")" = 2 ]
	while read -r line; do
		line=${line//\/usr\/local\/bin\/holo/$HOLO}
		line=${line//docker.io\/library\/busybox:latest/$IMG}
		out=$(eval "c ${line#ctr }")
		[ "$out" = "hello from holo" ]
	done <"$BATS_TEST_TMPDIR/snippet"
}
