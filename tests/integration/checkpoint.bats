#!/usr/bin/env bats
# checkpoint and restore with CRIU: a process with state (a shell counting
# into a bind-mounted file and onto its stdout pipe) is checkpointed and
# restored and goes on counting where it stopped; --leave-running; restore
# under a new id; hooks; pre-dump; the errors.
#
# CRIU (Debian's 3.17) does not work on every kernel: where `criu check`
# fails (the hosts' 6.x kernel: "Failed to fill self vdso symtable") the
# tests that need it skip, saying why.  They run in the cgroup v2 VM, with
# CRIU's kernel modules loaded:
#   tests/vm/run-tests.sh --criu tests/integration/checkpoint.bats
# The error tests (not running, no criu binary) run everywhere.
# holo-vm

load helpers

# Whether CRIU works here, asked once per file.
setup_file() {
	local out
	if ! command -v criu >/dev/null 2>&1; then
		export CRIU_SKIP="criu is not installed (apt-get install criu)"
	elif ! out=$(criu check 2>&1); then
		export CRIU_SKIP="\`criu check\` fails on this kernel ($(uname -r)): $(printf '%s\n' "$out" | grep -m1 -i error | cut -c1-160); run this file in the VM: tests/vm/run-tests.sh --criu tests/integration/checkpoint.bats"
	else
		export CRIU_SKIP=
	fi
}

requires_criu() {
	[ -z "${CRIU_SKIP:-}" ] || skip "$CRIU_SKIP"
}

# The counter: /shared/count holds the last value, and every value is also
# printed as "tick N" on stdout.  Ready when /shared/count exists.
setup_counter() {
	add_shared_dir
	set_args sh -c 'i=0; while :; do i=$((i+1)); echo $i >/shared/count.new; mv /shared/count.new /shared/count; echo "tick $i"; sleep 0.1; done'
}

counter() {
	cat "$SHARED/count"
}

# wait_counter_above N: until the counter exceeds N (20 s: the VM is slow).
wait_counter_above() {
	local n=$1 i
	for ((i = 0; i < 200; i++)); do
		[ -f "$SHARED/count" ] && [ "$(counter)" -gt "$n" ] && return 0
		sleep 0.1
	done
	echo "counter stuck at $(counter 2>/dev/null) (waited for > $n)"
	return 1
}

# rt_piped LOG ARGS...: "rt ARGS" with stdout and stderr on a pipe whose
# reader copies it to LOG, as a shim's pipes would be.  CRIU restores
# pipes (the restored process writes to the restoring runtime's stdout);
# regular files it would refuse when their size changed.  Returns rt's
# status; the reader lives as long as a container holds the pipe.
rt_piped() {
	local log=$1
	shift
	# The reader must not hold what `run` captures (its stderr) or bats' fd 3.
	rt "$@" </dev/null 3>&- > >(exec cat >>"$log" 2>/dev/null 3>&-) 2>&1
}

# The first "tick N" in LOG.
first_tick() {
	grep -m1 '^tick ' "$1" | awk '{print $2}'
}

last_tick() {
	grep '^tick ' "$1" | tail -n1 | awk '{print $2}'
}

# Waits until ID is gone from `state` (checkpoint deletes it, as runc).
wait_gone() {
	local id=$1 i
	for ((i = 0; i < 100; i++)); do
		rt state "$id" >/dev/null 2>&1 || return 0
		sleep 0.1
	done
	echo "container $id still exists"
	return 1
}

# Kills ID, waits for "stopped", deletes it and checks nothing is left.
kill_and_delete() {
	local id=$1
	run -0 rt kill "$id" KILL
	wait_for_status "$id" stopped 20
	run -0 rt delete "$id"
	run rt state "$id"
	check_failed
	local left
	left=$(find /sys/fs/cgroup -maxdepth 3 -type d -name "$id" 2>/dev/null)
	[ -z "$left" ] || {
		echo "cgroup left behind: $left"
		return 1
	}
}

@test "checkpoint: round trip, the restored process counts on from where it stopped" {
	requires_criu
	setup_counter
	local log1=$TESTDIR/run.log log2=$TESTDIR/restore.log img=$TESTDIR/image
	run -0 rt_piped "$log1" run -d --bundle "$BUNDLE" "$CID"
	wait_counter_above 5

	run -0 rt checkpoint --image-path "$img" "$CID"
	# As with runc, the checkpointed container is gone; its process too.
	wait_gone "$CID"
	local c
	c=$(counter)
	sleep 0.5
	[ "$(counter)" = "$c" ] || {
		echo "still counting after the checkpoint: $c -> $(counter)"
		return 1
	}
	[ -f "$img/inventory.img" ]
	[ "$(last_tick "$log1")" -ge $((c - 1)) ]

	run -0 rt_piped "$log2" restore -d --image-path "$img" --bundle "$BUNDLE" --pid-file "$TESTDIR/pid" "$CID"
	[ "$(state_field "$CID" status)" = running ]
	[ "$(state_field "$CID" id)" = "$CID" ]
	[ "$(state_field "$CID" pid)" = "$(cat "$TESTDIR/pid")" ]
	kill -0 "$(cat "$TESTDIR/pid")"
	# holo's scaffolding for CRIU is gone (holo only).
	if [ "$RUNTIME_KIND" = holo ]; then
		! grep -q criu-root /proc/self/mountinfo || false
		[ ! -e "$ROOT/$CID/criu-root" ]
	fi
	wait_counter_above $((c + 3))
	# Not from 1: the shell's variable came back with the process.  (The
	# dump may have caught it between the file and the echo.)
	local first
	first=$(first_tick "$log2")
	[ "$first" -eq "$c" ] || [ "$first" -eq $((c + 1)) ] || {
		echo "first tick after restore: $first, counter at checkpoint: $c"
		cat "$log2"
		return 1
	}
	# Same namespaces as before: pid 1 of its own pid namespace.
	run -0 rt exec "$CID" sh -c 'echo $$; cat /proc/1/cmdline | tr "\0" " "'
	check_contains "while :"
	# Its cgroup is the container's.
	grep -q "/$CID\$" "/proc/$(cat "$TESTDIR/pid")/cgroup"

	kill_and_delete "$CID"
}

@test "checkpoint: --leave-running keeps the container, restore under a new id runs a copy" {
	requires_criu
	setup_counter
	local img=$TESTDIR/image log2=$TESTDIR/copy.log
	run -0 rt_piped "$TESTDIR/run.log" run -d --bundle "$BUNDLE" "$CID"
	wait_counter_above 3

	run -0 rt checkpoint --leave-running --image-path "$img" --work-path "$TESTDIR/work" "$CID"
	[ -f "$TESTDIR/work/dump.log" ]
	[ "$(state_field "$CID" status)" = running ]
	local c
	c=$(counter)
	wait_counter_above $((c + 2))

	local copy
	copy=$(new_id)
	run -0 rt_piped "$log2" restore -d --image-path "$img" --work-path "$TESTDIR/work" --bundle "$BUNDLE" "$copy"
	[ -f "$TESTDIR/work/restore.log" ]
	[ "$(state_field "$copy" status)" = running ]
	[ "$(state_field "$CID" status)" = running ]
	[ "$(state_field "$copy" pid)" != "$(state_field "$CID" pid)" ]
	# The copy counts from the checkpoint, on its own stdout.
	local i
	for ((i = 0; i < 100; i++)); do
		[ -n "$(first_tick "$log2")" ] && break
		sleep 0.2
	done
	[ "$(first_tick "$log2")" -gt 1 ]
	# In its own cgroup, not the original's (runc 1.1 leaves it there).
	if [ "$RUNTIME_KIND" = holo ]; then
		grep -q "/$copy\$" "/proc/$(state_field "$copy" pid)/cgroup"
	fi

	kill_and_delete "$copy"
	[ "$(state_field "$CID" status)" = running ]
	kill_and_delete "$CID"
}

@test "checkpoint: restore in the foreground waits for the process and deletes the container" {
	requires_criu
	setup_counter
	local img=$TESTDIR/image log2=$TESTDIR/fg.log
	run -0 rt_piped "$TESTDIR/run.log" run -d --bundle "$BUNDLE" "$CID"
	wait_counter_above 3
	run -0 rt checkpoint --image-path "$img" "$CID"
	wait_gone "$CID"

	rt_piped "$log2" restore --image-path "$img" --bundle "$BUNDLE" "$CID" &
	local fg=$!
	BACKGROUND_PIDS+=("$fg")
	wait_for_status "$CID" running 30
	local c
	c=$(counter)
	wait_counter_above "$c"
	# (SIGKILL: the shell is pid 1 of its namespace and ignores SIGTERM.)
	run -0 rt kill "$CID" KILL
	local st=0
	wait "$fg" || st=$?
	# 128 + SIGKILL, and the container is deleted.
	[ "$st" -eq 137 ] || {
		echo "foreground restore exited $st"
		cat "$log2"
		return 1
	}
	run rt state "$CID"
	check_failed
}

@test "checkpoint: restore runs the prestart and createRuntime hooks" {
	requires_criu
	setup_counter
	local img=$TESTDIR/image
	run -0 rt_piped "$TESTDIR/run.log" run -d --bundle "$BUNDLE" "$CID"
	wait_counter_above 2
	run -0 rt checkpoint --image-path "$img" "$CID"
	wait_gone "$CID"

	update_config '.hooks = {prestart: [{path: "/bin/sh", args: ["sh", "-c", $p]}],
	                         createRuntime: [{path: "/bin/sh", args: ["sh", "-c", $c]}]}' \
		--arg p "cat >$TESTDIR/prestart.json" --arg c "cat >$TESTDIR/createRuntime.json"
	run -0 rt_piped "$TESTDIR/restore.log" restore -d --image-path "$img" --bundle "$BUNDLE" "$CID"
	local h
	for h in prestart createRuntime; do
		[ "$(jq -r .id "$TESTDIR/$h.json")" = "$CID" ]
		[ "$(jq -r .pid "$TESTDIR/$h.json")" -gt 0 ]
	done
	kill_and_delete "$CID"
}

@test "checkpoint: --pre-dump, then a dump on top of it (--parent-path)" {
	requires_criu
	setup_counter
	run -0 rt_piped "$TESTDIR/run.log" run -d --bundle "$BUNDLE" "$CID"
	wait_counter_above 2
	run -0 rt checkpoint --pre-dump --image-path "$TESTDIR/pre" "$CID"
	[ "$(state_field "$CID" status)" = running ]
	run -0 rt checkpoint --image-path "$TESTDIR/final" --parent-path ../pre "$CID"
	wait_gone "$CID"
	local c
	c=$(counter)
	run -0 rt_piped "$TESTDIR/restore.log" restore -d --image-path "$TESTDIR/final" --bundle "$BUNDLE" "$CID"
	wait_counter_above "$c"
	kill_and_delete "$CID"
}

# recvtty_on SOCKET OUT: a console-socket receiver copying the terminal to
# OUT, in the background.
recvtty_on() {
	local sock=$1 out=$2 i
	"$RECVTTY" "$sock" >"$out" 2>"$out.err" 3>&- &
	BACKGROUND_PIDS+=("$!")
	for ((i = 0; i < 50; i++)); do
		[ -S "$sock" ] && return 0
		sleep 0.1
	done
	echo "recvtty did not come up: $(cat "$out.err")"
	return 1
}

@test "checkpoint: a terminal container gets a new pty through restore's --console-socket" {
	requires_criu
	setup_counter
	update_config '.process.terminal = true'
	local img=$TESTDIR/image
	recvtty_on "$TESTDIR/tty1.sock" "$TESTDIR/tty1.out"
	run -0 rt_run_d --console-socket "$TESTDIR/tty1.sock" "$CID"
	wait_counter_above 3
	run -0 rt checkpoint --image-path "$img" "$CID"
	wait_gone "$CID"
	local c
	c=$(counter)

	# A terminal container cannot come back without somewhere for its pty.
	run -1 --separate-stderr rt restore -d --image-path "$img" --bundle "$BUNDLE" "$CID"
	check_holo_text "console-socket" stderr

	recvtty_on "$TESTDIR/tty2.sock" "$TESTDIR/tty2.out"
	run -0 rt restore -d --console-socket "$TESTDIR/tty2.sock" --image-path "$img" --bundle "$BUNDLE" "$CID" </dev/null 3>&-
	wait_counter_above $((c + 2))
	local first
	first=$(tr -d '\r' <"$TESTDIR/tty2.out" | first_tick /dev/stdin)
	[ "$first" -eq "$c" ] || [ "$first" -eq $((c + 1)) ] || {
		echo "first tick on the new terminal: $first, counter at checkpoint: $c"
		return 1
	}
	[[ "$(readlink "/proc/$(state_field "$CID" pid)/fd/1")" == /dev/pts/* ]]
	kill_and_delete "$CID"
}

@test "checkpoint: a container that joined a network namespace by path is restored into it" {
	requires_criu
	local name=holo-$CID
	NETNS_NAMES="$name"
	ip netns add "$name"
	setup_counter
	update_config '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
		--arg p "/run/netns/$name"
	run -0 rt_piped "$TESTDIR/run.log" run -d --bundle "$BUNDLE" "$CID"
	wait_counter_above 2
	run -0 rt checkpoint --image-path "$TESTDIR/image" "$CID"
	wait_gone "$CID"
	local c
	c=$(counter)
	run -0 rt_piped "$TESTDIR/restore.log" restore -d --image-path "$TESTDIR/image" --bundle "$BUNDLE" "$CID"
	wait_counter_above "$c"
	[ "$(readlink "/proc/$(state_field "$CID" pid)/ns/net")" = "net:[$(stat -L -c %i "/run/netns/$name")]" ]
	kill_and_delete "$CID"
}

@test "checkpoint: --empty-ns network leaves the network namespace out of the image" {
	requires_criu
	setup_counter
	run -0 rt_piped "$TESTDIR/run.log" run -d --bundle "$BUNDLE" "$CID"
	wait_counter_above 2
	run -0 rt checkpoint --empty-ns network --image-path "$TESTDIR/image" "$CID"
	wait_gone "$CID"
	[ ! -e "$TESTDIR/image/netdev-"*.img ]
	local c
	c=$(counter)
	run -0 rt_piped "$TESTDIR/restore.log" restore -d --empty-ns network --image-path "$TESTDIR/image" --bundle "$BUNDLE" "$CID"
	wait_counter_above "$c"
	# A network namespace of its own, but a new one.
	[ "$(readlink "/proc/$(state_field "$CID" pid)/ns/net")" != "$(readlink /proc/self/ns/net)" ]
	kill_and_delete "$CID"
}

@test "checkpoint: a failed restore leaves nothing behind" {
	requires_criu
	setup_counter
	mkdir -p "$TESTDIR/empty"
	run -1 --separate-stderr rt restore -d --image-path "$TESTDIR/empty" --work-path "$TESTDIR/work" --bundle "$BUNDLE" "$CID"
	check_holo_text "criu failed" stderr
	check_holo_text "$TESTDIR/work/restore.log" stderr
	check_nothing_left "$CID"
}

@test "checkpoint: a container that is not running cannot be checkpointed" {
	# No CRIU needed: refused before it would run.
	run -0 rt_create "$CID"
	run -1 --separate-stderr rt checkpoint --image-path "$TESTDIR/image" "$CID"
	check_holo_text "container not running" stderr
	# Untouched: still created, and it starts.
	[ "$(state_field "$CID" status)" = created ]
	run -0 rt start "$CID"

	run -1 --separate-stderr rt checkpoint --image-path "$TESTDIR/image" nosuchcontainer
	check_contains "does not exist" stderr
}

@test "checkpoint: without the criu binary, a clear error and nothing changes" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's message"
	setup_counter
	run -0 rt_run_d "$CID"
	wait_counter_above 1
	# PATH without criu (Debian installs it in /usr/sbin).
	local path=/usr/local/bin:/usr/bin:/bin
	! PATH=$path command -v criu >/dev/null || false
	PATH=$path run -1 --separate-stderr rt checkpoint --image-path "$TESTDIR/image" "$CID"
	check_contains "criu not found: install the criu package" stderr
	[ "$(state_field "$CID" status)" = running ]
	[ ! -e "$TESTDIR/image" ]
	run -0 rt delete --force "$CID"

	local other
	other=$(new_id)
	mkdir -p "$TESTDIR/image"
	PATH=$path run -1 --separate-stderr rt restore -d --image-path "$TESTDIR/image" --bundle "$BUNDLE" "$other"
	check_contains "criu not found: install the criu package" stderr
	check_nothing_left "$other"
}

@test "checkpoint: usage errors" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's messages"
	setup_counter
	run -0 rt_run_d "$CID"
	wait_counter_above 1
	run -1 --separate-stderr rt checkpoint --manage-cgroups-mode sometimes --image-path "$TESTDIR/i" "$CID"
	if command -v criu >/dev/null; then
		check_contains "invalid --manage-cgroups-mode" stderr
		[ ! -e "$TESTDIR/i" ]
	fi
	run -1 --separate-stderr rt restore -d --image-path "$TESTDIR/none" --bundle "$BUNDLE" "$CID"
	check_contains "container with id exists" stderr
	run -1 rt checkpoint
	run -1 rt restore
}

@test "checkpoint: features and --version report checkpoint support" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's output"
	run -0 rt features
	[ "$(printf '%s' "$output" | jq -r '.annotations["org.opencontainers.runc.checkpoint.enabled"]')" = true ]
	run -0 rt --version
	check_contains "+CRIU"
}
