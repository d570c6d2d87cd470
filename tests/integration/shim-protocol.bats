#!/usr/bin/env bats
# containerd-shim-holo-v2's launch contract and ttrpc server, driven
# directly (no containerd): start/delete actions, the socket name, the
# bootstrap output, Task service calls over raw ttrpc (tests/shim/ttrpc.py).

bats_require_minimum_version 1.5.0

SHIM_SRC=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
SHIM=${SHIM_BINARY:-$SHIM_SRC/containerd-shim-holo-v2}
TTRPC="python3 $SHIM_SRC/tests/shim/ttrpc.py"

setup() {
	[ -x "$SHIM" ] || skip "$SHIM is not built"
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	mkdir -p "$BUNDLE"
	ADDR=$BATS_TEST_TMPDIR/containerd.sock
	ID=proto-$BATS_TEST_NUMBER-$$
	# Events go nowhere: no containerd here (and never the host's).
	export TTRPC_ADDRESS=$BATS_TEST_TMPDIR/no-containerd.ttrpc
}

teardown() {
	# A command the fake runtime hung on (if the shim did not kill it).
	[ -f "$BATS_TEST_TMPDIR/fake/hung.pid" ] && kill -9 "$(cat "$BATS_TEST_TMPDIR/fake/hung.pid")" 2>/dev/null
	# An events peer a test started.
	[ -f "$BATS_TEST_TMPDIR/peer.pid" ] && kill "$(cat "$BATS_TEST_TMPDIR/peer.pid")" 2>/dev/null
	# The server this test started, by the pid it wrote.
	if [ -f "$BUNDLE/shim.pid" ]; then
		kill -9 "$(cat "$BUNDLE/shim.pid")" 2>/dev/null || true
	fi
	# A FUSE filesystem a test mounted (it unmounts itself on SIGTERM),
	# then whatever is left on the rootfs once no mount(2) can come.
	if [ -f "$BATS_TEST_TMPDIR/fuse.pid" ]; then
		kill "$(cat "$BATS_TEST_TMPDIR/fuse.pid")" 2>/dev/null
		sleep 0.3
		umount -l "$BATS_TEST_TMPDIR/fuse" 2>/dev/null
		umount -R -l "$BUNDLE/rootfs" 2>/dev/null
	fi
	[ -f "$BUNDLE/address" ] && rm -f "$(sed 's|^unix://||' "$BUNDLE/address")"
	# A container a failed test left behind (its processes, its cgroups).
	local holo=${HOLO_BINARY:-$SHIM_SRC/holo} st
	for st in "$BATS_TEST_TMPDIR"/state/testns/*/; do
		[ -d "$st" ] && "$holo" --root "$BATS_TEST_TMPDIR/state/testns" delete --force "$(basename "$st")" >/dev/null 2>&1
	done
	true
}

start_shim() {
	(cd "$BUNDLE" && "$SHIM" -namespace testns -address "$ADDR" -publish-binary /bin/true -id "$ID" "$@" start </dev/null)
}

# A busybox bundle in $BUNDLE whose process runs the JSON array $1.
make_bundle() {
	local holo=${HOLO_BINARY:-$SHIM_SRC/holo}
	[ -x "$holo" ] || skip "$holo is not built"
	command -v jq >/dev/null || skip "jq is not installed"
	mkdir -p "$BUNDLE/rootfs/bin"
	cp /usr/bin/busybox "$BUNDLE/rootfs/bin/busybox"
	local a
	for a in sh sleep cat true; do ln -sf busybox "$BUNDLE/rootfs/bin/$a"; done
	(cd "$BUNDLE" && "$holo" spec)
	jq --argjson args "$1" '.process.terminal = false | .process.args = $args' "$BUNDLE/config.json" >"$BUNDLE/c.json"
	mv "$BUNDLE/c.json" "$BUNDLE/config.json"
}

# Starts the shim with tests/shim/fake-runtime.sh as its runtime (over the
# real holo); FAKE_RUNTIME_HANG / FAKE_RUNTIME_OK name the commands it
# hangs on or fakes.  Sets SOCK.
start_fake_shim() {
	export FAKE_RUNTIME_DIR=$BATS_TEST_TMPDIR/fake
	export FAKE_RUNTIME_REAL=${HOLO_BINARY:-$SHIM_SRC/holo}
	mkdir -p "$FAKE_RUNTIME_DIR"
	$TTRPC options "$SHIM_SRC/tests/shim/fake-runtime.sh" "$BATS_TEST_TMPDIR/state" >"$BATS_TEST_TMPDIR/opts"
	(cd "$BUNDLE" && "$SHIM" -namespace testns -address "$ADDR" -id "$ID" start <"$BATS_TEST_TMPDIR/opts" >/dev/null)
	SOCK=$(cat "$BUNDLE/address")
}

# Create and Start of the bundle's container over $SOCK.
create_and_start() {
	run $TTRPC call "$SOCK" containerd.task.v2.Task Create 1="$ID" 2="$BUNDLE"
	[[ "$output" == *code=0* ]] || {
		echo "Create: $output" >&2
		return 1
	}
	run $TTRPC call "$SOCK" containerd.task.v2.Task Start 1="$ID"
	[[ "$output" == *code=0* ]] || {
		echo "Start: $output" >&2
		return 1
	}
}

# Adds and starts exec process $1 running the JSON array $2 over $SOCK.
exec_and_start() {
	printf '{"args":%s,"cwd":"/","user":{"uid":0,"gid":0},"env":["PATH=/bin"]}' "$2" >"$BATS_TEST_TMPDIR/$1.json"
	run $TTRPC call "$SOCK" containerd.task.v2.Task Exec 1="$ID" 2="$1" \
		7="any:types.containerd.io/opencontainers/runtime-spec/1/Process:@$BATS_TEST_TMPDIR/$1.json"
	[[ "$output" == *code=0* ]] || {
		echo "Exec: $output" >&2
		return 1
	}
	run $TTRPC call "$SOCK" containerd.task.v2.Task Start 1="$ID" 2="$1"
	[[ "$output" == *code=0* ]] || {
		echo "Start $1: $output" >&2
		return 1
	}
}

# Waits up to 5 s for the fake runtime to hang.
wait_hung() {
	for _ in $(seq 50); do
		[ -s "$FAKE_RUNTIME_DIR/hung.pid" ] && return 0
		sleep 0.1
	done
	echo "the fake runtime did not hang" >&2
	return 1
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# Runs a ttrpc call ($@) and fails when its answer took more than $1 ms
# (from connect to answer, not counting the client's own start).
answered_within() {
	local limit=$1 took
	shift
	TTRPC_TIME=1 run $TTRPC call "$SOCK" "$@"
	took=$(echo "$output" | sed -n 's/^elapsed_ms=//p')
	echo "$2: ${took} ms: $output" | head -3 >&2
	[ "$took" -le "$limit" ] || {
		echo "$2 took ${took} ms (limit ${limit} ms)" >&2
		return 1
	}
}

# Starts tests/shim/events-peer.py on $BATS_TEST_TMPDIR/events.sock (the
# shim's TTRPC_ADDRESS: export_events_peer); it holds every request while
# $PEER_HOLD exists, which "hold" as $1 makes.
export_events_peer() {
	PEER_LOG=$BATS_TEST_TMPDIR/events.log
	PEER_HOLD=$BATS_TEST_TMPDIR/hold
	export TTRPC_ADDRESS=$BATS_TEST_TMPDIR/events.sock
}

start_events_peer() {
	export_events_peer
	[ "${1:-}" != hold ] || : >"$PEER_HOLD"
	python3 "$SHIM_SRC/tests/shim/events-peer.py" "$BATS_TEST_TMPDIR/events.sock" "$PEER_LOG" "$PEER_HOLD" &
	echo $! >"$BATS_TEST_TMPDIR/peer.pid"
	for _ in $(seq 50); do
		[ -S "$BATS_TEST_TMPDIR/events.sock" ] && break
		sleep 0.1
	done
}

expected_address() {
	echo "unix:///run/containerd/s/$(printf '%s' "$ADDR/testns/$ID" | sha256sum | cut -d' ' -f1)"
}

@test "shim protocol: -v prints the version" {
	run "$SHIM" -v
	[ "$status" -eq 0 ]
	[[ "$output" == *containerd-shim-holo-v2* ]]
}

@test "shim protocol: start prints the socket address (plain for containerd 1.6), nothing on stderr" {
	run --separate-stderr start_shim
	[ "$status" -eq 0 ]
	[ "$output" = "$(expected_address)" ]
	[ -z "$stderr" ]
	[ "$(cat "$BUNDLE/address")" = "$output" ]
	[ -S "${output#unix://}" ]
	kill -0 "$(cat "$BUNDLE/shim.pid")"
}

@test "shim protocol: start prints the JSON bootstrap when MAX_SHIM_VERSION is set (1.7+)" {
	MAX_SHIM_VERSION=2 run --separate-stderr start_shim
	[ "$status" -eq 0 ]
	[ "$output" = "{\"version\":2,\"address\":\"$(expected_address)\",\"protocol\":\"ttrpc\"}" ]
}

@test "shim protocol: a second start finds the running shim" {
	start_shim >/dev/null
	local first
	first=$(cat "$BUNDLE/shim.pid")
	run start_shim
	[ "$status" -eq 0 ]
	[ "$output" = "$(expected_address)" ]
	[ "$(cat "$BUNDLE/shim.pid")" = "$first" ]
	[ "$(pgrep -cf -- "-id $ID start")" -eq 1 ]
}

@test "shim protocol: start does not keep the caller's stdout open" {
	# A caller reading to EOF (containerd's CombinedOutput) must not wait
	# for the long-lived server.
	run timeout 5 bash -c "cd '$BUNDLE' && '$SHIM' -namespace testns -address '$ADDR' -id '$ID' start </dev/null | cat"
	[ "$status" -eq 0 ]
	[ "$output" = "$(expected_address)" ]
}

@test "shim protocol: Connect over task v2 and v3, Unimplemented for the unknown" {
	start_shim >/dev/null
	local sock
	sock=$(cat "$BUNDLE/address")
	run $TTRPC call "$sock" containerd.task.v2.Task Connect 1="$ID"
	[ "$status" -eq 0 ]
	[[ "$output" == *code=0* ]]
	[[ "$output" == *"1=$(cat "$BUNDLE/shim.pid")"* ]]
	run $TTRPC call "$sock" containerd.task.v3.Task Connect 1="$ID"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$sock" containerd.task.v2.Task Frobnicate
	[[ "$output" == *code=12* ]]
	run $TTRPC call "$sock" some.Other Service
	[[ "$output" == *code=12* ]]
}

@test "shim protocol: requests for a container it does not have are NotFound" {
	start_shim >/dev/null
	local sock
	sock=$(cat "$BUNDLE/address")
	for m in State Start Kill Delete Wait Pids Stats Pause; do
		run $TTRPC call "$sock" containerd.task.v2.Task "$m" 1=nope
		[[ "$output" == *code=5* ]] || {
			echo "$m: $output" >&2
			return 1
		}
	done
}

@test "shim protocol: Shutdown with nothing left ends the server and removes its socket" {
	start_shim >/dev/null
	local sock pid
	sock=$(cat "$BUNDLE/address")
	pid=$(cat "$BUNDLE/shim.pid")
	run $TTRPC call "$sock" containerd.task.v2.Task Shutdown 1="$ID"
	[[ "$output" == *code=0* ]]
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	run ! kill -0 "$pid"
	[ ! -e "${sock#unix://}" ]
}

@test "shim protocol: delete prints a DeleteResponse with status 137" {
	run bash -c "cd '$BUNDLE' && '$SHIM' -namespace testns -address '$ADDR' -id '$ID' -bundle '$BUNDLE' delete 2>/dev/null | $TTRPC decode"
	[ "$status" -eq 0 ]
	[[ "$output" == *"2=137"* ]]
	[[ "$output" == *"3="* ]]
}

@test "shim protocol: a malformed request gets InvalidArgument, an oversize frame a hangup; the server goes on" {
	start_shim >/dev/null
	local sock
	sock=$(cat "$BUNDLE/address")
	run $TTRPC garbage "$sock"
	echo "garbage: $output"
	[[ "$output" == *code=3* ]]
	run $TTRPC oversize "$sock"
	[ "$output" = closed ]
	run $TTRPC call "$sock" containerd.task.v2.Task Connect 1="$ID"
	[[ "$output" == *code=0* ]]
}

@test "shim protocol: Create/Start/Wait/Delete over ttrpc with runtime options from start's stdin" {
	local holo=${HOLO_BINARY:-$SHIM_SRC/holo}
	[ -x "$holo" ] || skip "$holo is not built"
	command -v jq >/dev/null || skip "jq is not installed"
	# A wrapper that records being used, as BinaryName.
	cat >"$BATS_TEST_TMPDIR/holo-wrap" <<-WRAP
		#!/bin/sh
		echo "\$*" >>"$BATS_TEST_TMPDIR/wrap.log"
		exec "$holo" "\$@"
	WRAP
	chmod +x "$BATS_TEST_TMPDIR/holo-wrap"
	mkdir -p "$BUNDLE/rootfs/bin"
	cp /usr/bin/busybox "$BUNDLE/rootfs/bin/busybox"
	ln -s busybox "$BUNDLE/rootfs/bin/sh"
	(cd "$BUNDLE" && "$holo" spec)
	jq '.process.terminal = false | .process.args = ["sh", "-c", "echo created-by-ttrpc; exit 3"]' \
		"$BUNDLE/config.json" >"$BUNDLE/config.json.new"
	mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"

	$TTRPC options "$BATS_TEST_TMPDIR/holo-wrap" "$BATS_TEST_TMPDIR/state" >"$BATS_TEST_TMPDIR/opts"
	(cd "$BUNDLE" && "$SHIM" -namespace testns -address "$ADDR" -id "$ID" start <"$BATS_TEST_TMPDIR/opts" >/dev/null)
	local sock
	sock=$(cat "$BUNDLE/address")
	run $TTRPC call "$sock" containerd.task.v2.Task Create 1="$ID" 2="$BUNDLE" 6="$BATS_TEST_TMPDIR/out"
	echo "$output"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$sock" containerd.task.v2.Task Start 1="$ID"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$sock" containerd.task.v2.Task Wait 1="$ID"
	[[ "$output" == *code=0* ]]
	[[ "$output" == *"1=3"* ]]
	run $TTRPC call "$sock" containerd.task.v2.Task State 1="$ID"
	[[ "$output" == *"4=3"* ]] # STOPPED
	run $TTRPC call "$sock" containerd.task.v2.Task Delete 1="$ID"
	[[ "$output" == *code=0* ]]
	[[ "$output" == *"2=3"* ]]
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = created-by-ttrpc ]
	grep -q -- "--root $BATS_TEST_TMPDIR/state/testns .*create --bundle $BUNDLE" "$BATS_TEST_TMPDIR/wrap.log"
	grep -q "delete --force $ID" "$BATS_TEST_TMPDIR/wrap.log"
	run $TTRPC call "$sock" containerd.task.v2.Task Shutdown 1="$ID"
	[[ "$output" == *code=0* ]]
}

@test "shim protocol: the ShimCgroup option puts the server in that cgroup" {
	local cg=holo-shim-test-$$ dirs=() d
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		dirs=(/sys/fs/cgroup/$cg)
	else
		dirs=(/sys/fs/cgroup/memory/$cg /sys/fs/cgroup/pids/$cg)
	fi
	for d in "${dirs[@]}"; do mkdir "$d" || skip "cannot make cgroup $d"; done
	$TTRPC options /bin/false /tmp/none "/$cg" >"$BATS_TEST_TMPDIR/opts"
	(cd "$BUNDLE" && "$SHIM" -namespace testns -address "$ADDR" -id "$ID" start <"$BATS_TEST_TMPDIR/opts" >/dev/null)
	local pid ok=0
	pid=$(cat "$BUNDLE/shim.pid")
	for _ in $(seq 20); do
		grep -q ":/$cg\$" "/proc/$pid/cgroup" && ok=1 && break
		sleep 0.1
	done
	kill -9 "$pid"
	sleep 0.2
	for d in "${dirs[@]}"; do rmdir "$d"; done
	[ "$ok" -eq 1 ]
}

@test "shim protocol: Update, Pids, Kill and Wait on a running container over ttrpc" {
	local holo=${HOLO_BINARY:-$SHIM_SRC/holo}
	[ -x "$holo" ] || skip "$holo is not built"
	command -v jq >/dev/null || skip "jq is not installed"
	"$holo" update --help >/dev/null 2>&1 || skip "holo update is not implemented yet"
	mkdir -p "$BUNDLE/rootfs/bin"
	cp /usr/bin/busybox "$BUNDLE/rootfs/bin/busybox"
	ln -s busybox "$BUNDLE/rootfs/bin/sh"
	ln -s busybox "$BUNDLE/rootfs/bin/sleep"
	(cd "$BUNDLE" && "$holo" spec)
	jq '.process.terminal = false | .process.args = ["sleep", "1000"]' "$BUNDLE/config.json" >"$BUNDLE/c.json"
	mv "$BUNDLE/c.json" "$BUNDLE/config.json"
	$TTRPC options "$holo" "$BATS_TEST_TMPDIR/state" >"$BATS_TEST_TMPDIR/opts"
	(cd "$BUNDLE" && "$SHIM" -namespace testns -address "$ADDR" -id "$ID" start <"$BATS_TEST_TMPDIR/opts" >/dev/null)
	local sock pid mem
	sock=$(cat "$BUNDLE/address")
	run $TTRPC call "$sock" containerd.task.v2.Task Create 1="$ID" 2="$BUNDLE"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$sock" containerd.task.v2.Task Start 1="$ID"
	[[ "$output" == *code=0* ]]
	pid=$(echo "$output" | sed -n 's/^1=//p')
	kill -0 "$pid"

	run $TTRPC call "$sock" containerd.task.v2.Task Update 1="$ID" \
		2='any:types.containerd.io/opencontainers/runtime-spec/1/LinuxResources:{"memory":{"limit":67108864}}'
	[[ "$output" == *code=0* ]]
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		mem=/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$pid/cgroup")/memory.max
	else
		mem=/sys/fs/cgroup/memory$(sed -n 's/^[0-9]*:memory://p' "/proc/$pid/cgroup")/memory.limit_in_bytes
	fi
	[ "$(cat "$mem")" = 67108864 ]

	run $TTRPC call "$sock" containerd.task.v2.Task Pids 1="$ID"
	[[ "$output" == *code=0* ]]
	[[ "$output" == *"1="* ]]

	run $TTRPC call "$sock" containerd.task.v2.Task Kill 1="$ID" 3=9
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$sock" containerd.task.v2.Task Wait 1="$ID"
	[[ "$output" == *"1=137"* ]]
	run $TTRPC call "$sock" containerd.task.v2.Task Kill 1="$ID" 3=9
	[[ "$output" == *code=5* ]] # process already finished
	run $TTRPC call "$sock" containerd.task.v2.Task Delete 1="$ID"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$sock" containerd.task.v2.Task Shutdown 1="$ID"
	[[ "$output" == *code=0* ]]
}

@test "shim protocol: Checkpoint, then Create from the checkpoint and Start restores it" {
	local holo=${HOLO_BINARY:-$SHIM_SRC/holo}
	[ -x "$holo" ] || skip "$holo is not built"
	command -v jq >/dev/null || skip "jq is not installed"
	command -v criu >/dev/null && criu check >/dev/null 2>&1 || skip "criu check fails on this kernel (runs in the VM: tests/vm/run-tests.sh --criu)"
	mkdir -p "$BUNDLE/rootfs/bin"
	cp /usr/bin/busybox "$BUNDLE/rootfs/bin/busybox"
	ln -s busybox "$BUNDLE/rootfs/bin/sh"
	(cd "$BUNDLE" && "$holo" spec)
	jq '.process.terminal = false | .process.args = ["sh", "-c", "while :; do sleep 0.1; done"] | .root.readonly = false' \
		"$BUNDLE/config.json" >"$BUNDLE/c.json"
	mv "$BUNDLE/c.json" "$BUNDLE/config.json"
	$TTRPC options "$holo" "$BATS_TEST_TMPDIR/state" >"$BATS_TEST_TMPDIR/opts"
	(cd "$BUNDLE" && "$SHIM" -namespace testns -address "$ADDR" -id "$ID" start <"$BATS_TEST_TMPDIR/opts" >/dev/null)
	local sock image=$BATS_TEST_TMPDIR/image
	sock=$(cat "$BUNDLE/address")
	run $TTRPC call "$sock" containerd.task.v2.Task Create 1="$ID" 2="$BUNDLE"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$sock" containerd.task.v2.Task Start 1="$ID"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$sock" containerd.task.v2.Task Checkpoint 1="$ID" 2="$image"
	echo "$output"
	[[ "$output" == *code=0* ]]
	[ -n "$(ls "$image")" ]
	$TTRPC call "$sock" containerd.task.v2.Task Kill 1="$ID" 3=9
	$TTRPC call "$sock" containerd.task.v2.Task Wait 1="$ID"
	$TTRPC call "$sock" containerd.task.v2.Task Delete 1="$ID"
	$TTRPC call "$sock" containerd.task.v2.Task Shutdown 1="$ID"

	# A second shim, a second id, the same bundle: restored at Start.
	local id2=$ID-restored
	rm -f "$BUNDLE/address" "$BUNDLE/shim.pid"
	(cd "$BUNDLE" && "$SHIM" -namespace testns -address "$ADDR" -id "$id2" start <"$BATS_TEST_TMPDIR/opts" >/dev/null)
	sock=$(cat "$BUNDLE/address")
	run $TTRPC call "$sock" containerd.task.v2.Task Create 1="$id2" 2="$BUNDLE" 8="$image"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$sock" containerd.task.v2.Task Start 1="$id2"
	echo "$output"
	[[ "$output" == *code=0* ]]
	pid=$(echo "$output" | sed -n 's/^1=//p')
	kill -0 "$pid"
	run $TTRPC call "$sock" containerd.task.v2.Task State 1="$id2"
	[[ "$output" == *"4=2"* ]] # RUNNING
	$TTRPC call "$sock" containerd.task.v2.Task Kill 1="$id2" 3=9
	run $TTRPC call "$sock" containerd.task.v2.Task Wait 1="$id2"
	[[ "$output" == *"1=137"* ]]
	$TTRPC call "$sock" containerd.task.v2.Task Delete 1="$id2"
	$TTRPC call "$sock" containerd.task.v2.Task Shutdown 1="$id2"
}

@test "shim protocol: Checkpoint passes every empty namespace on (no fixed-size argv)" {
	make_bundle '["sleep", "1000"]'
	FAKE_RUNTIME_OK=checkpoint start_fake_shim
	create_and_start
	local words=() i
	for i in $(seq 1 40); do words+=("6=ns$i"); done
	$TTRPC encode 1=1 "${words[@]}" 9="$BATS_TEST_TMPDIR/work" >"$BATS_TEST_TMPDIR/ckopts"
	run $TTRPC call "$SOCK" containerd.task.v2.Task Checkpoint 1="$ID" 2="$BATS_TEST_TMPDIR/image" \
		3="any:containerd.runc.v1.CheckpointOptions:@$BATS_TEST_TMPDIR/ckopts"
	[[ "$output" == *code=0* ]]
	local line
	line=$(grep -- " checkpoint " "$FAKE_RUNTIME_DIR/argv.log")
	echo "$line"
	[ "$(echo "$line" | grep -o -- '--empty-ns=ns[0-9]*' | wc -l)" -eq 40 ]
	[[ "$line" == *" --empty-ns=ns40 $ID" ]]
	[[ "$line" != *--leave-running* ]] # exit=true
	$TTRPC call "$SOCK" containerd.task.v2.Task Kill 1="$ID" 3=9
	$TTRPC call "$SOCK" containerd.task.v2.Task Wait 1="$ID"
	$TTRPC call "$SOCK" containerd.task.v2.Task Delete 1="$ID"
}

@test "shim protocol: a hung runtime command gets DeadlineExceeded; State and Kill are served meanwhile" {
	make_bundle '["sleep", "1000"]'
	HOLO_SHIM_TIMEOUTS="pause=5s" FAKE_RUNTIME_HANG=pause start_fake_shim
	create_and_start
	exec_and_start side '["sleep", "999"]'
	local side_pid t0 t1 hung
	side_pid=$(echo "$output" | sed -n 's/^1=//p')
	t0=$(now_ms)
	$TTRPC call "$SOCK" containerd.task.v2.Task Pause 1="$ID" >"$BATS_TEST_TMPDIR/pause.out" 2>&1 &
	local pause_client=$!
	wait_hung
	hung=$(cat "$FAKE_RUNTIME_DIR/hung.pid")
	# While `pause` hangs: the init is PAUSING (5), and so is the exec
	# process (as containerd reports it), which is served, killed, and its
	# exit is seen.
	t1=$(now_ms)
	run $TTRPC call "$SOCK" containerd.task.v2.Task State 1="$ID"
	[[ "$output" == *code=0* ]]
	[[ "$output" == *"4=5"* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task State 1="$ID" 2=side
	[[ "$output" == *"4=5"* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Kill 1="$ID" 2=side 3=9
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Wait 1="$ID" 2=side
	[[ "$output" == *code=0* ]]
	[[ "$output" == *"1=137"* ]]
	run kill -0 "$side_pid"
	[ "$status" -ne 0 ]
	# ... all that while the Pause was still waiting for its answer.
	echo "served in $(($(now_ms) - t1)) ms"
	kill -0 "$pause_client"
	[ ! -s "$BATS_TEST_TMPDIR/pause.out" ]
	# The hung call ends at its deadline, killed with its process group.
	wait "$pause_client"
	cat "$BATS_TEST_TMPDIR/pause.out"
	grep -q '^code=4$' "$BATS_TEST_TMPDIR/pause.out"
	grep -q 'pause: no answer within 5s, killed: context deadline exceeded' "$BATS_TEST_TMPDIR/pause.out"
	local took=$(($(now_ms) - t0))
	[ "$took" -ge 5000 ] && [ "$took" -lt 8000 ]
	for _ in $(seq 20); do
		kill -0 "$hung" 2>/dev/null || break
		sleep 0.1
	done
	run kill -0 "$hung"
	[ "$status" -ne 0 ]
	# Not paused: the init runs on, and everything still works.
	run $TTRPC call "$SOCK" containerd.task.v2.Task State 1="$ID"
	[[ "$output" == *"4=2"* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Kill 1="$ID" 3=9
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Wait 1="$ID"
	[[ "$output" == *"1=137"* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Delete 1="$ID"
	[[ "$output" == *code=0* ]]
}

@test "shim protocol: a request's own timeout is a deadline for its runtime command; a hung start leaves a deletable task" {
	make_bundle '["sleep", "1000"]'
	FAKE_RUNTIME_HANG=start start_fake_shim
	run $TTRPC call "$SOCK" containerd.task.v2.Task Create 1="$ID" 2="$BUNDLE"
	[[ "$output" == *code=0* ]]
	local t0
	t0=$(now_ms)
	TTRPC_TIMEOUT_MS=1500 run $TTRPC call "$SOCK" containerd.task.v2.Task Start 1="$ID"
	echo "$output"
	[[ "$output" == *code=4* ]]
	[[ "$output" == *"start: no answer within 1."*"s, killed: context deadline exceeded"* ]]
	[ $(($(now_ms) - t0)) -lt 4000 ]
	# Still created, and a second start is refused by state, not by a
	# start in flight.
	run $TTRPC call "$SOCK" containerd.task.v2.Task State 1="$ID"
	[[ "$output" == *"4=1"* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Delete 1="$ID"
	echo "$output"
	[[ "$output" == *code=0* ]]
	[[ "$output" == *"2=137"* ]]
}

@test "shim protocol: a runtime command that cannot be forked fails cleanly, leaving no fd behind" {
	make_bundle '["sleep", "1000"]'
	start_fake_shim
	create_and_start
	local pid cg procs orig
	pid=$(cat "$BUNDLE/shim.pid")
	# A pids cgroup that holds the shim alone, at its limit: fork fails.
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		cg=/sys/fs/cgroup/holo-shim-fork-$$
		orig=/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
	else
		cg=/sys/fs/cgroup/pids/holo-shim-fork-$$
		orig=/sys/fs/cgroup/pids$(sed -n 's/^[0-9]*:pids://p' "/proc/$pid/cgroup")
	fi
	mkdir "$cg" || skip "cannot make a pids cgroup $cg"
	[ -f "$cg/pids.max" ] || {
		rmdir "$cg"
		skip "no pids controller in $cg"
	}
	echo "$pid" >"$cg/cgroup.procs"
	echo 1 >"$cg/pids.max"
	local before after
	before=$(ls "/proc/$pid/fd" | wc -l)
	local k
	for k in 1 2 3; do
		run $TTRPC call "$SOCK" containerd.task.v2.Task Kill 1="$ID" 3=0
		echo "$output"
		[[ "$output" == *"fork: resource temporarily unavailable"* ]] || break
	done
	after=$(ls "/proc/$pid/fd" | wc -l)
	echo max >"$cg/pids.max"
	echo "$pid" >"$orig/cgroup.procs"
	rmdir "$cg"
	echo "fds before $before, after $after"
	[ "$after" -eq "$before" ]
	[[ "$output" == *code=2* ]]
	[[ "$output" == *"kill: fork: resource temporarily unavailable"* ]]
	# The shim serves on, and the same command works again.
	run $TTRPC call "$SOCK" containerd.task.v2.Task Kill 1="$ID" 3=9
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Wait 1="$ID"
	[[ "$output" == *"1=137"* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Delete 1="$ID"
	[[ "$output" == *code=0* ]]
}

@test "shim protocol: a HOLO_SHIM_TIMEOUTS that does not parse fails start, naming the entry, leaving nothing" {
	HOLO_SHIM_TIMEOUTS="kill=2,start=soon" run --separate-stderr start_shim
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == *'HOLO_SHIM_TIMEOUTS: "start=soon": the duration must be seconds'* ]]
	[ ! -e "$BUNDLE/address" ]
	[ ! -e "$BUNDLE/shim.pid" ]
	[ ! -e "$(expected_address | sed 's|^unix://||')" ]
}

@test "shim protocol: requests the process's state does not allow get containerd's codes and texts" {
	make_bundle '["sleep", "1000"]'
	start_fake_shim
	run $TTRPC call "$SOCK" containerd.task.v2.Task Create 1="$ID" 2="$BUNDLE"
	[[ "$output" == *code=0* ]]
	# created
	run $TTRPC call "$SOCK" containerd.task.v2.Task Pause 1="$ID"
	[[ "$output" == *code=2* && "$output" == *"message=cannot pause task in created state"* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Checkpoint 1="$ID" 2="$BATS_TEST_TMPDIR/img"
	[[ "$output" == *code=2* && "$output" == *"message=cannot checkpoint a task in created state"* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Start 1="$ID"
	[[ "$output" == *code=0* ]]
	# running
	run $TTRPC call "$SOCK" containerd.task.v2.Task Start 1="$ID"
	[[ "$output" == *code=2* && "$output" == *"message=cannot start a running process"* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Resume 1="$ID"
	[[ "$output" == *code=2* && "$output" == *"message=cannot resume a running process"* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Delete 1="$ID"
	[[ "$output" == *code=2* && "$output" == *"message=cannot delete a running process"* ]]
	# an exec process not started yet
	printf '{"args":["sleep","5"],"cwd":"/","user":{"uid":0,"gid":0}}' >"$BATS_TEST_TMPDIR/p.json"
	run $TTRPC call "$SOCK" containerd.task.v2.Task Exec 1="$ID" 2=e1 \
		7="any:types.containerd.io/opencontainers/runtime-spec/1/Process:@$BATS_TEST_TMPDIR/p.json"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Kill 1="$ID" 2=e1 3=9
	[[ "$output" == *code=9* && "$output" == *"message=process not created: failed precondition"* ]]
	# paused
	if "${HOLO_BINARY:-$SHIM_SRC/holo}" pause --help >/dev/null 2>&1; then
		run $TTRPC call "$SOCK" containerd.task.v2.Task Pause 1="$ID"
		[[ "$output" == *code=0* ]]
		run $TTRPC call "$SOCK" containerd.task.v2.Task State 1="$ID"
		[[ "$output" == *"4=4"* ]]
		run $TTRPC call "$SOCK" containerd.task.v2.Task Pause 1="$ID"
		[[ "$output" == *code=2* && "$output" == *"message=cannot pause a paused container"* ]]
		run $TTRPC call "$SOCK" containerd.task.v2.Task Exec 1="$ID" 2=e2 \
			7="any:types.containerd.io/opencontainers/runtime-spec/1/Process:@$BATS_TEST_TMPDIR/p.json"
		[[ "$output" == *code=2* && "$output" == *"message=cannot exec in a paused state"* ]]
		run $TTRPC call "$SOCK" containerd.task.v2.Task Resume 1="$ID"
		[[ "$output" == *code=0* ]]
	fi
	# stopped
	run $TTRPC call "$SOCK" containerd.task.v2.Task Kill 1="$ID" 3=9
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Wait 1="$ID"
	[[ "$output" == *"1=137"* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Pause 1="$ID"
	[[ "$output" == *code=2* && "$output" == *"message=cannot pause a stopped container"* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Update 1="$ID" 2='any:x/LinuxResources:{}'
	[[ "$output" == *code=2* && "$output" == *"message=cannot update a stopped container"* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Exec 1="$ID" 2=e3 \
		7="any:types.containerd.io/opencontainers/runtime-spec/1/Process:@$BATS_TEST_TMPDIR/p.json"
	[[ "$output" == *code=2* && "$output" == *"message=cannot exec in a stopped state"* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Kill 1="$ID" 3=9
	[[ "$output" == *code=5* && "$output" == *"message=process already finished: not found"* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Delete 1="$ID" 2=e1
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Delete 1="$ID"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Delete 1="$ID"
	[[ "$output" == *code=5* ]]
}

@test "shim protocol: a Create carrying a field protobuf-c takes but cannot write back is served (fuzz regression)" {
	# tests/fuzz/corpus/ttrpc/regress-field0-roundtrip: field number 0 in
	# a two-byte tag, which protobuf-c keeps as an unknown field and packs
	# into a message it then refuses.  The shim once kept its copy of the
	# Create that way and crashed publishing TaskCreate.
	make_bundle '["true"]'
	start_fake_shim
	printf '\x81\x00\x00\x00\x00\x00\x00\x00\x6d\x67' >"$BATS_TEST_TMPDIR/field0"
	run $TTRPC call "$SOCK" containerd.task.v2.Task Create 1="$ID" 2="$BUNDLE" "@$BATS_TEST_TMPDIR/field0"
	echo "$output"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Start 1="$ID"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Wait 1="$ID"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Delete 1="$ID"
	[[ "$output" == *code=0* ]]
	kill -0 "$(cat "$BUNDLE/shim.pid")"
}

@test "shim protocol: a containerd that takes events and never answers holds back the events, not the Task service; they arrive in order" {
	make_bundle '["sleep", "1000"]'
	start_events_peer hold
	start_fake_shim
	# Each event's try waits 5 s for an answer that never comes: none of
	# it may keep a request waiting.
	answered_within 2000 containerd.task.v2.Task Create 1="$ID" 2="$BUNDLE"
	[[ "$output" == *code=0* ]]
	answered_within 2000 containerd.task.v2.Task Start 1="$ID"
	[[ "$output" == *code=0* ]]
	local i
	for i in 1 2 3 4 5 6; do
		answered_within 1000 containerd.task.v2.Task State 1="$ID"
		[[ "$output" == *"4=2"* ]] # RUNNING
		sleep 0.5
	done
	answered_within 1500 containerd.task.v2.Task Kill 1="$ID" 3=9
	[[ "$output" == *code=0* ]]
	answered_within 2000 containerd.task.v2.Task Wait 1="$ID"
	[[ "$output" == *"1=137"* ]]
	answered_within 2000 containerd.task.v2.Task Delete 1="$ID"
	[[ "$output" == *code=0* ]]
	grep -qx "held /tasks/create" "$PEER_LOG"
	# containerd answers again: everything arrives, once, in order.
	rm "$PEER_HOLD"
	for _ in $(seq 150); do
		[ "$(grep -vc '^held' "$PEER_LOG")" -ge 4 ] && break
		sleep 0.1
	done
	cat "$PEER_LOG"
	[ "$(grep -v '^held' "$PEER_LOG" | tr '\n' ' ')" = "/tasks/create /tasks/start /tasks/exit /tasks/delete " ]
	# Shutdown sends what is left, then the server goes.
	run $TTRPC call "$SOCK" containerd.task.v2.Task Shutdown 1="$ID"
	[[ "$output" == *code=0* ]]
}

@test "shim protocol: events queued while containerd is away are sent at Shutdown, before the server leaves" {
	make_bundle '["true"]'
	# Nobody listens yet: every try fails at once, and waits for the next.
	export_events_peer
	start_fake_shim
	create_and_start
	run $TTRPC call "$SOCK" containerd.task.v2.Task Wait 1="$ID"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Delete 1="$ID"
	[[ "$output" == *code=0* ]]
	local pid
	pid=$(cat "$BUNDLE/shim.pid")
	start_events_peer
	run $TTRPC call "$SOCK" containerd.task.v2.Task Shutdown 1="$ID"
	[[ "$output" == *code=0* ]]
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	run ! kill -0 "$pid"
	cat "$PEER_LOG"
	[ "$(grep -v '^held' "$PEER_LOG" | tr '\n' ' ')" = "/tasks/create /tasks/start /tasks/exit /tasks/delete " ]
}

@test "shim protocol: a terminal's output drained at exit does not hold the Task service (a client that does not read)" {
	make_bundle '["sh", "-c", "while :; do echo 0123456789abcdef0123456789abcdef; done"]'
	jq '.process.terminal = true' "$BUNDLE/config.json" >"$BUNDLE/c.json"
	mv "$BUNDLE/c.json" "$BUNDLE/config.json"
	# The client's stdout FIFO, which nobody reads: the shim's relay from
	# the pty fills it and then waits.
	mkfifo "$BATS_TEST_TMPDIR/out"
	start_fake_shim
	run $TTRPC call "$SOCK" containerd.task.v2.Task Create 1="$ID" 2="$BUNDLE" 4=1 6="$BATS_TEST_TMPDIR/out"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Start 1="$ID"
	[[ "$output" == *code=0* ]]
	sleep 0.5
	local t0 i
	t0=$(now_ms)
	run $TTRPC call "$SOCK" containerd.task.v2.Task Kill 1="$ID" 3=9
	[[ "$output" == *code=0* ]]
	# The drain of what the pty still holds waits for the FIFO (up to 2 s):
	# the shim answers meanwhile.
	$TTRPC call "$SOCK" containerd.task.v2.Task Wait 1="$ID" >"$BATS_TEST_TMPDIR/wait.out" &
	local waiter=$!
	for i in 1 2 3 4 5 6 7 8; do
		answered_within 500 containerd.task.v2.Task State 1="$ID"
		[[ "$output" == *code=0* ]]
		sleep 0.2
	done
	wait "$waiter"
	cat "$BATS_TEST_TMPDIR/wait.out"
	grep -qx "1=137" "$BATS_TEST_TMPDIR/wait.out"
	echo "Wait answered after $(($(now_ms) - t0)) ms"
	run $TTRPC call "$SOCK" containerd.task.v2.Task State 1="$ID"
	[[ "$output" == *"4=3"* ]] # STOPPED
	run $TTRPC call "$SOCK" containerd.task.v2.Task Delete 1="$ID"
	[[ "$output" == *code=0* ]]
	[[ "$output" == *"2=137"* ]]
}

@test "shim protocol: output nobody reads, drained at exit from the pipes, does not hold the Task service" {
	make_bundle '["sh", "-c", "while :; do echo 0123456789abcdef0123456789abcdef; done"]'
	# The client's stdout FIFO, which nobody reads: the relay from the
	# process's pipe fills it, then waits; so does the process.
	mkfifo "$BATS_TEST_TMPDIR/out"
	start_fake_shim
	run $TTRPC call "$SOCK" containerd.task.v2.Task Create 1="$ID" 2="$BUNDLE" 6="$BATS_TEST_TMPDIR/out"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Start 1="$ID"
	[[ "$output" == *code=0* ]]
	sleep 0.5
	run $TTRPC call "$SOCK" containerd.task.v2.Task Kill 1="$ID" 3=9
	[[ "$output" == *code=0* ]]
	$TTRPC call "$SOCK" containerd.task.v2.Task Wait 1="$ID" >"$BATS_TEST_TMPDIR/wait.out" &
	local waiter=$! i
	for i in 1 2 3 4 5 6 7 8; do
		answered_within 500 containerd.task.v2.Task State 1="$ID"
		[[ "$output" == *code=0* ]]
		sleep 0.2
	done
	wait "$waiter"
	cat "$BATS_TEST_TMPDIR/wait.out"
	grep -qx "1=137" "$BATS_TEST_TMPDIR/wait.out"
	run $TTRPC call "$SOCK" containerd.task.v2.Task Delete 1="$ID"
	[[ "$output" == *code=0* ]]
	[[ "$output" == *"2=137"* ]]
}

@test "shim protocol: a failed create's error is in its answer only: not in the process's stdout, stderr or logging binary" {
	make_bundle '["/nosuch"]'
	local d=$BATS_TEST_TMPDIR
	start_fake_shim
	run $TTRPC call "$SOCK" containerd.task.v2.Task Create 1="$ID" 2="$BUNDLE" 6="$d/out" 7="$d/err"
	echo "$output"
	[[ "$output" == *code=2* ]]
	[[ "$output" == *'exec: "/nosuch": stat /nosuch: no such file or directory'* ]]
	[ -e "$d/out" ] && [ ! -s "$d/out" ]
	[ -e "$d/err" ] && [ ! -s "$d/err" ]
	cat >"$d/logger.sh" <<-LOGGER
		#!/bin/sh
		exec 5>&-
		cat <&3 >"$d/log.out" &
		cat <&4 >"$d/log.err"
		wait
		echo done >"$d/log.done"
	LOGGER
	chmod +x "$d/logger.sh"
	run $TTRPC call "$SOCK" containerd.task.v2.Task Create 1="$ID" 2="$BUNDLE" 6="binary://$d/logger.sh"
	echo "$output"
	[[ "$output" == *code=2* ]]
	[[ "$output" == *'exec: "/nosuch": stat /nosuch: no such file or directory'* ]]
	# The logger's pipes are closed: it ends, having read nothing.
	for _ in $(seq 50); do
		[ -e "$d/log.done" ] && break
		sleep 0.1
	done
	[ -e "$d/log.done" ]
	[ ! -s "$d/log.out" ] && [ ! -s "$d/log.err" ]
	# The shim serves on: no container.
	run $TTRPC call "$SOCK" containerd.task.v2.Task State 1="$ID"
	[[ "$output" == *code=5* ]]
}

# Moves pid $1 out of its frozen cgroup (thawing it alone), so that it
# can exit while its container stays paused; on cgroup v2 a frozen
# process dies of SIGKILL anyway, on v1 it would not.
thaw_alone() {
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		echo "$1" >/sys/fs/cgroup/cgroup.procs
	else
		echo "$1" >/sys/fs/cgroup/freezer/cgroup.procs
	fi
}

@test "shim protocol: an init that exits while paused is resumed before its exit is reported, as containerd's shim does" {
	"${HOLO_BINARY:-$SHIM_SRC/holo}" pause --help >/dev/null 2>&1 || skip "holo pause is not implemented yet"
	make_bundle '["sleep", "1000"]'
	start_fake_shim
	create_and_start
	local pid
	pid=$(echo "$output" | sed -n 's/^1=//p')
	run $TTRPC call "$SOCK" containerd.task.v2.Task Pause 1="$ID"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task State 1="$ID"
	[[ "$output" == *"4=4"* ]] # PAUSED
	thaw_alone "$pid"
	kill -9 "$pid"
	run $TTRPC call "$SOCK" containerd.task.v2.Task Wait 1="$ID"
	[[ "$output" == *code=0* ]]
	[[ "$output" == *"1=137"* ]]
	# `resume` ran after `pause`, before the exit was out.
	cat "$FAKE_RUNTIME_DIR/argv.log"
	grep -A100 " pause $ID\$" "$FAKE_RUNTIME_DIR/argv.log" | grep -q " resume $ID\$"
	run $TTRPC call "$SOCK" containerd.task.v2.Task State 1="$ID"
	[[ "$output" == *"4=3"* ]] # STOPPED
	run $TTRPC call "$SOCK" containerd.task.v2.Task Delete 1="$ID"
	[[ "$output" == *code=0* ]]
	[[ "$output" == *"2=137"* ]]
}

@test "shim protocol: CloseIO with stdin a process does not read answers at once; the pipe closes within a second" {
	make_bundle '["sh", "-c", "sleep 3; cat >/dev/null; echo eof"]'
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_fake_shim
	run $TTRPC call "$SOCK" containerd.task.v2.Task Create 1="$ID" 2="$BUNDLE" 5="$BATS_TEST_TMPDIR/in" 6="$BATS_TEST_TMPDIR/out"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Start 1="$ID"
	[[ "$output" == *code=0* ]]
	# More than the stdin pipe and the FIFO hold: the relay waits for the
	# process, the writer for the relay; then the client gives up writing.
	head -c 1000000 /dev/zero >"$BATS_TEST_TMPDIR/in" &
	local writer=$!
	sleep 0.5
	kill "$writer"
	wait "$writer" || true
	answered_within 500 containerd.task.v2.Task CloseIO 1="$ID" 3=1
	[[ "$output" == *code=0* ]]
	answered_within 500 containerd.task.v2.Task State 1="$ID"
	[[ "$output" == *code=0* ]]
	# The process reads what the pipe held, then EOF.
	run $TTRPC call "$SOCK" containerd.task.v2.Task Wait 1="$ID"
	echo "Wait: $output; out: $(cat "$BATS_TEST_TMPDIR/out")"
	[[ "$output" == *code=0* ]]
	[ -z "$(echo "$output" | sed -n 's/^1=//p')" ] # exit status 0
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = eof ]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Delete 1="$ID"
	[[ "$output" == *code=0* ]]
}

@test "shim protocol: a logging binary slow to get ready holds back its process's create, not the Task service" {
	make_bundle '["sh", "-c", "echo logged"]'
	local d=$BATS_TEST_TMPDIR
	cat >"$d/slow-logger.sh" <<-LOGGER
		#!/bin/sh
		sleep 2
		exec 5>&-
		cat <&3 >"$d/log.out"
	LOGGER
	chmod +x "$d/slow-logger.sh"
	start_fake_shim
	local t0
	t0=$(now_ms)
	$TTRPC call "$SOCK" containerd.task.v2.Task Create 1="$ID" 2="$BUNDLE" 6="binary://$d/slow-logger.sh" >"$d/create.out" &
	local creator=$!
	sleep 0.3
	answered_within 500 containerd.task.v2.Task Connect 1="$ID"
	[[ "$output" == *code=0* ]]
	answered_within 500 containerd.task.v2.Task State 1="$ID"
	[[ "$output" == *code=5* ]] # not created yet
	wait "$creator"
	cat "$d/create.out"
	grep -qx code=0 "$d/create.out"
	[ $(($(now_ms) - t0)) -ge 1500 ]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Start 1="$ID"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Wait 1="$ID"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Delete 1="$ID"
	[[ "$output" == *code=0* ]]
	for _ in $(seq 30); do
		[ -s "$d/log.out" ] && break
		sleep 0.1
	done
	[ "$(cat "$d/log.out")" = logged ]
}

@test "shim protocol: a logging binary that never gets ready fails the create at the logger deadline and is killed" {
	make_bundle '["true"]'
	local d=$BATS_TEST_TMPDIR
	cat >"$d/stuck-logger.sh" <<-LOGGER
		#!/bin/sh
		echo \$\$ >"$d/logger.pid"
		exec sleep 1000
	LOGGER
	chmod +x "$d/stuck-logger.sh"
	HOLO_SHIM_TIMEOUTS=logger=1500ms start_fake_shim
	local t0 took
	t0=$(now_ms)
	run $TTRPC call "$SOCK" containerd.task.v2.Task Create 1="$ID" 2="$BUNDLE" 6="binary://$d/stuck-logger.sh"
	took=$(($(now_ms) - t0))
	echo "$output (${took} ms)"
	[[ "$output" == *code=2* ]]
	[[ "$output" == *"logging binary $d/stuck-logger.sh did not get ready within 1500 ms"* ]]
	[ "$took" -ge 1400 ] && [ "$took" -lt 5000 ]
	for _ in $(seq 30); do
		kill -0 "$(cat "$d/logger.pid")" 2>/dev/null || break
		sleep 0.1
	done
	run ! kill -0 "$(cat "$d/logger.pid")"
	# The runtime was never asked to create it; the shim serves on.
	[ ! -e "$FAKE_RUNTIME_DIR/argv.log" ] || run ! grep -q " create " "$FAKE_RUNTIME_DIR/argv.log"
	run $TTRPC call "$SOCK" containerd.task.v2.Task State 1="$ID"
	[[ "$output" == *code=5* ]]
}

@test "shim protocol: a terminal's output goes to a binary:// logging binary" {
	make_bundle '["sh", "-c", "echo on-the-tty"]'
	jq '.process.terminal = true' "$BUNDLE/config.json" >"$BUNDLE/c.json"
	mv "$BUNDLE/c.json" "$BUNDLE/config.json"
	local d=$BATS_TEST_TMPDIR
	cat >"$d/logger.sh" <<-LOGGER
		#!/bin/sh
		exec 5>&-
		cat <&3 >"$d/log.out"
	LOGGER
	chmod +x "$d/logger.sh"
	start_fake_shim
	run $TTRPC call "$SOCK" containerd.task.v2.Task Create 1="$ID" 2="$BUNDLE" 4=1 6="binary://$d/logger.sh"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Start 1="$ID"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Wait 1="$ID"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Delete 1="$ID"
	[[ "$output" == *code=0* ]]
	for _ in $(seq 30); do
		grep -q on-the-tty "$d/log.out" 2>/dev/null && break
		sleep 0.1
	done
	grep -q on-the-tty "$d/log.out"
}

# Mounts tests/shim/slow-fuse.c on $BATS_TEST_TMPDIR/fuse: a lookup of
# "slow" there takes $1 ms (-1: forever).  Moves the bundle's busybox to
# $BATS_TEST_TMPDIR/real and writes the Create's rootfs mounts: the slow
# directory, then the real rootfs over it (MOUNTS, for ttrpc.py).
slow_rootfs() {
	local d=$BATS_TEST_TMPDIR
	command -v gcc >/dev/null || skip "gcc is not installed"
	[ -c /dev/fuse ] || skip "no /dev/fuse"
	gcc -O2 -o "$d/slow-fuse" "$SHIM_SRC/tests/shim/slow-fuse.c"
	mkdir -p "$d/fuse"
	"$d/slow-fuse" "$d/fuse" "$1" >"$d/fuse.out" 2>&1 &
	echo $! >"$d/fuse.pid"
	for _ in $(seq 50); do
		grep -q ready "$d/fuse.out" && break
		sleep 0.1
	done
	grep -q ready "$d/fuse.out" || {
		cat "$d/fuse.out"
		return 1
	}
	mv "$BUNDLE/rootfs" "$d/real"
	mkdir "$BUNDLE/rootfs"
	$TTRPC encode 1=bind 2="$d/fuse/slow" 4=rbind >"$d/m1"
	$TTRPC encode 1=bind 2="$d/real" 4=rbind >"$d/m2"
	MOUNTS="3=@$d/m1 3=@$d/m2"
}

@test "shim protocol: a rootfs mount that takes its time in Create holds back that Create, not the Task service" {
	make_bundle '["sh", "-c", "echo mounted"]'
	slow_rootfs 2000
	start_fake_shim
	local d=$BATS_TEST_TMPDIR t0
	t0=$(now_ms)
	$TTRPC call "$SOCK" containerd.task.v2.Task Create 1="$ID" 2="$BUNDLE" $MOUNTS 6="$d/out" >"$d/create.out" &
	local creator=$!
	sleep 0.3
	answered_within 500 containerd.task.v2.Task Connect 1="$ID"
	[[ "$output" == *code=0* ]]
	answered_within 500 containerd.task.v2.Task State 1="$ID"
	[[ "$output" == *code=5* ]] # not created yet
	wait "$creator"
	cat "$d/create.out"
	grep -qx code=0 "$d/create.out"
	[ $(($(now_ms) - t0)) -ge 1500 ]
	grep -q " $BUNDLE/rootfs " /proc/self/mounts
	run $TTRPC call "$SOCK" containerd.task.v2.Task Start 1="$ID"
	[[ "$output" == *code=0* ]]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Wait 1="$ID"
	[[ "$output" == *code=0* ]]
	[ "$(cat "$d/out")" = mounted ]
	run $TTRPC call "$SOCK" containerd.task.v2.Task Delete 1="$ID"
	[[ "$output" == *code=0* ]]
	run ! grep -q " $BUNDLE/rootfs " /proc/self/mounts
}

@test "shim protocol: a rootfs mount stuck in the kernel fails the Create at the mount deadline; the shim serves on" {
	make_bundle '["true"]'
	slow_rootfs -1
	HOLO_SHIM_TIMEOUTS=mount=1500ms start_fake_shim
	local d=$BATS_TEST_TMPDIR t0 took
	t0=$(now_ms)
	run $TTRPC call "$SOCK" containerd.task.v2.Task Create 1="$ID" 2="$BUNDLE" $MOUNTS
	took=$(($(now_ms) - t0))
	echo "$output (${took} ms)"
	[[ "$output" == *code=4* ]]
	[[ "$output" == *"mount rootfs: not done within 1500 ms, killed: context deadline exceeded"* ]]
	[ "$took" -ge 1400 ] && [ "$took" -lt 5000 ]
	# The killed child waits in the kernel for the filesystem; the shim
	# does not.
	answered_within 500 containerd.task.v2.Task State 1="$ID"
	[[ "$output" == *code=5* ]]
	# ... and that child holds none of the shim's sockets: stdio and its
	# report pipe only.
	local child
	child=$(pgrep -P "$(cat "$BUNDLE/shim.pid")" -f containerd-shim-holo-v2 | head -1)
	[ -n "$child" ]
	ls -l "/proc/$child/fd"
	[ "$(ls "/proc/$child/fd" | sort -n | tr '\n' ' ')" = "0 1 2 3 " ]
	[ ! -e "$FAKE_RUNTIME_DIR/argv.log" ] || run ! grep -q " create " "$FAKE_RUNTIME_DIR/argv.log"
	# The filesystem goes away: the child ends, nothing is left mounted.
	kill "$(cat "$d/fuse.pid")"
	sleep 0.5
	run ! grep -q " $BUNDLE/rootfs " /proc/self/mounts
	answered_within 500 containerd.task.v2.Task Connect 1="$ID"
	[[ "$output" == *code=0* ]]
}

@test "shim protocol: a rootfs mount the kernel finishes after its deadline is undone once its child is gone" {
	make_bundle '["true"]'
	slow_rootfs 2500
	HOLO_SHIM_TIMEOUTS=mount=1s start_fake_shim
	run $TTRPC call "$SOCK" containerd.task.v2.Task Create 1="$ID" 2="$BUNDLE" $MOUNTS
	[[ "$output" == *code=4* ]]
	# The lookup is answered at 2.5 s, the mount(2) then goes through.
	sleep 2.5
	for _ in $(seq 30); do
		grep -q " $BUNDLE/rootfs " /proc/self/mounts || break
		sleep 0.1
	done
	run ! grep -q " $BUNDLE/rootfs " /proc/self/mounts
}
