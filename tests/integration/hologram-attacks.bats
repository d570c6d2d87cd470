#!/usr/bin/env bats
# Hologram v1.1, section 7: what enforce guarantees, tried the way an
# attacker would.  The tree verified is the tree mounted (a swap of paths
# with renameat2 during `run`), verified again at start (create, change,
# start), sealed trees cannot change (a write loop), sealing never opens a
# device or a fifo, missing mount points never silently change a verified
# tree, and the verification has a deadline.
#
# HOLO_ATTACK_RUNS (default 200) runs per attack.

load helpers
load hologram_helpers

ATTACK_RUNS=${HOLO_ATTACK_RUNS:-200}
SWAP=$HOLO_TEST_WORK/bin/hologram-swap

setup_file() {
	hologram_setup_file
}

setup() {
	hologram_setup
	need_holo
	SEALED=()
}

teardown() {
	local t
	for t in "${SEALED[@]}"; do
		chattr -R -i "$t" 2>/dev/null || true
	done
	hologram_teardown
}

# The bundle's rootfs says which tree it is in /marker; the container
# prints it.
marked_bundle() {
	echo good >"$BUNDLE/rootfs/marker"
	update_config '.process.args = ["cat", "/marker"]'
}

witness_bundle() {
	make_witness "$GOOD" "$(bundle_id)" >"$BUNDLE/hologram.witness.json"
}

start_swapper() {
	build_tool "$BATS_TEST_DIRNAME/hologram-swap.c" "$SWAP"
	"$SWAP" "$@" </dev/null >/dev/null 2>&1 3>&- &
	SWAPPER=$!
	BACKGROUND_PIDS+=("$SWAPPER")
	disown "$SWAPPER"
}

stop_swapper() {
	kill "$SWAPPER"
	# Leave the good tree at its name.
	if [ "$(cat "$BUNDLE/rootfs/marker")" != good ]; then
		"$SWAP" "$BUNDLE/rootfs" "$BUNDLE/rootfs-evil" 0 &
		sleep 0.001
		kill $! 2>/dev/null || true
	fi
}

@test "hologram attack: trees swapped with renameat2 during enforced runs: no run of the unwitnessed tree" {
	marked_bundle
	witness_bundle
	cp -a "$BUNDLE/rootfs" "$BUNDLE/rootfs-evil"
	echo evil >"$BUNDLE/rootfs-evil/marker"
	start_swapper "$BUNDLE/rootfs" "$BUNDLE/rootfs-evil" 100
	local i good=0 evil=0 refused=0 other=0
	for i in $(seq "$ATTACK_RUNS"); do
		run env HOLOGRAM_ENFORCE=1 timeout 60 "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$CID-$i"
		case "$output" in
		evil) evil=$((evil + 1)) ;;
		good) good=$((good + 1)) ;;
		*"hologram: enforce: "*) refused=$((refused + 1)) ;;
		*)
			other=$((other + 1))
			echo "run $i: status $status: $output"
			;;
		esac
	done
	kill "$SWAPPER"
	echo "# swap: $ATTACK_RUNS runs: $good ran the witnessed tree, $refused refused, $evil ran the other tree, $other failed otherwise" >&3
	[ "$evil" -eq 0 ]
	[ "$other" -eq 0 ]
	# The attack happened: both trees were seen at the path.
	[ "$good" -gt 0 ]
	[ "$refused" -gt 0 ]
}

@test "hologram attack: create, change the tree, start: start fails and nothing runs" {
	marked_bundle
	witness_bundle
	local i id out
	for i in $(seq "$ATTACK_RUNS"); do
		id=$CID-$i
		out=$TESTDIR/out.$i
		HOLOGRAM_ENFORCE=1 rt create --bundle "$BUNDLE" "$id" </dev/null >"$out" 2>&1 3>&-
		echo evil >"$BUNDLE/rootfs/marker"
		run env HOLOGRAM_ENFORCE=1 "$RUNTIME" --root "$ROOT" start "$id"
		[ "$status" -ne 0 ] || {
			echo "run $i: start succeeded"
			return 1
		}
		[[ "$output" == *"hologram: enforce: the rootfs changed after create: its UOR-ID is now"* ]] || {
			echo "run $i: $output"
			return 1
		}
		# As after a failing startContainer hook: stopped, nothing ran.
		run -0 rt state "$id"
		[ "$(jq -r .status <<<"$output")" = stopped ]
		run -0 rt delete "$id"
		if grep -qE 'good|evil' "$out"; then
			echo "run $i: the container ran: $(cat "$out")"
			return 1
		fi
		echo good >"$BUNDLE/rootfs/marker"
	done
	# Unchanged, the same sequence runs the witnessed tree.
	HOLOGRAM_ENFORCE=1 rt create --bundle "$BUNDLE" "$CID" </dev/null >"$TESTDIR/out" 2>&1 3>&-
	run -0 env HOLOGRAM_ENFORCE=1 "$RUNTIME" --root "$ROOT" start "$CID"
	wait_for_status "$CID" stopped
	grep -qx good "$TESTDIR/out"
}

@test "hologram attack: start re-verifies only in enforce mode, and says so when verbose" {
	marked_bundle
	witness_bundle
	# Files changed in the last 2 s are not cached (cache.c).
	sleep 2.1
	HOLOGRAM_VERBOSE=1 HOLOGRAM_ENFORCE=1 rt create --bundle "$BUNDLE" "$CID" </dev/null >"$TESTDIR/out" 2>&1 3>&-
	run -0 env HOLOGRAM_VERBOSE=1 HOLOGRAM_ENFORCE=1 "$RUNTIME" --root "$ROOT" start "$CID"
	check_contains "hologram: enforce: $CID: verified again at start: $(bundle_id)"
	# The digest cache makes the second verification read nothing.
	check_contains " 0 bytes read, "
	# Permissive: no check at start (the tree may change, as the man page
	# says of unsealed trees).
	local cid2
	cid2=$(new_id)
	rt create --bundle "$BUNDLE" "$cid2" </dev/null >"$TESTDIR/out2" 2>&1 3>&-
	echo evil >"$BUNDLE/rootfs/marker"
	run -0 "$RUNTIME" --root "$ROOT" start "$cid2"
	wait_for_status "$cid2" stopped
	grep -qx evil "$TESTDIR/out2"
}

# ----------------------------------------------------------------- sealing

seal() {
	run -0 "$HOLO" --root "$ROOT" hologram seal "$1"
	SEALED+=("$1")
}

@test "hologram seal: a write loop cannot change a sealed tree; unseal, then rm -rf works" {
	marked_bundle
	local t=$BUNDLE/rootfs id
	mkdir -p "$t/etc/deep"
	echo x >"$t/etc/deep/file"
	id=$(bundle_id)
	run -0 hid --sealed "$t"
	check_contains "unsealed: ."
	seal "$t"
	check_contains "sealed: "
	run -0 hid --sealed "$t"
	check_output "$id"$'\n'"sealed"
	# Even root cannot write, add, rename, remove, chmod or link.
	local i n=0
	for i in $(seq 50); do
		echo evil >"$t/marker" 2>/dev/null && n=$((n + 1))
		echo evil >>"$t/etc/deep/file" 2>/dev/null && n=$((n + 1))
		touch "$t/new" 2>/dev/null && n=$((n + 1))
		mv "$t/marker" "$t/marker2" 2>/dev/null && n=$((n + 1))
		rm -f "$t/etc/deep/file" 2>/dev/null && n=$((n + 1))
		rm -rf "$t/etc" 2>/dev/null && n=$((n + 1))
		chmod 0777 "$t/marker" 2>/dev/null && n=$((n + 1))
		ln "$t/marker" "$t/hard" 2>/dev/null && n=$((n + 1))
		truncate -s 0 "$t/marker" 2>/dev/null && n=$((n + 1))
	done
	[ "$n" -eq 0 ]
	run -0 hid "$t"
	check_output "$id"
	# Enforce with sealing required, and the verbose state says sealed.
	witness_bundle
	update_config '.annotations["org.hologram.require-sealed"] = "true" | .process.args = ["holo-check", "loop"]'
	HOLOGRAM_VERBOSE=1 HOLOGRAM_ENFORCE=1 rt create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1 3>&-
	run -0 rt state "$CID"
	[ "$(jq -c .XHologram.sealed <<<"$output")" = true ]
	run -0 rt delete --force "$CID"
	# A sealed tree cannot be removed until it is unsealed.
	run -0 "$HOLO" --root "$ROOT" hologram unseal "$t"
	run -0 hid --sealed "$t"
	check_contains "unsealed"
	rm -rf "$t"
	[ ! -e "$t" ]
}

@test "hologram seal: required sealing refuses an unsealed tree, naming the entry" {
	marked_bundle
	witness_bundle
	run_container HOLOGRAM_ENFORCE=1 HOLOGRAM_REQUIRE_SEALED=1
	check_refused
	check_contains "hologram: enforce: unsealed tree where sealing is required: \`.\`"
	# The annotation tightens the same way.
	update_config '.annotations["org.hologram.require-sealed"] = "true"'
	witness_bundle
	run_container HOLOGRAM_ENFORCE=1
	check_refused
	check_contains "unsealed tree where sealing is required"
	# One entry left unsealed is named.
	seal "$BUNDLE/rootfs"
	chattr -i "$BUNDLE/rootfs/marker"
	run_container HOLOGRAM_ENFORCE=1
	check_refused
	check_contains "unsealed tree where sealing is required: \`./marker\` and 0 more entries"
	chattr +i "$BUNDLE/rootfs/marker"
	run_container HOLOGRAM_ENFORCE=1
	check_status 0
	check_output "good"
}

@test "hologram seal: devices and fifos are never opened, and sealing never blocks on them" {
	local t=$TESTDIR/tree
	mkdir -p "$t/sub"
	echo a >"$t/sub/file"
	mkfifo "$t/fifo"
	# No driver behind 240:0 (a local/experimental major): opening it
	# would fail with ENXIO, so sealing succeeds only if it never opens it.
	mknod "$t/nodev" c 240 0
	mknod "$t/blk" b 240 1
	ln -s /etc/passwd "$t/link"
	# A writer waiting for a reader: it finishes only if the fifo is opened.
	timeout 20 sh -c "echo x >'$t/fifo'" &
	local writer=$!
	BACKGROUND_PIDS+=("$writer")
	run -0 timeout 10 "$HOLO" --root "$ROOT" hologram seal "$t"
	SEALED+=("$t")
	check_contains "sealed: 3 entries changed, 4 left alone"
	kill -0 "$writer"
	run -0 timeout 10 "$HOLO" --root "$ROOT" hologram id --sealed "$t"
	check_contains "sealed"
	kill -0 "$writer"
	lsattr -d "$t" "$t/sub" "$t/sub/file" | grep -c -- '----i' | grep -qx 3
	run -0 "$HOLO" --root "$ROOT" hologram unseal "$t"
	kill -0 "$writer"
	kill "$writer"
}

@test "hologram seal: errors name the entry; a missing path fails" {
	run -1 "$HOLO" --root "$ROOT" hologram seal "$TESTDIR/none"
	check_contains "$TESTDIR/none"
	run -1 "$HOLO" --root "$ROOT" hologram seal
	check_contains "requires exactly 1 argument"
	# Without CAP_LINUX_IMMUTABLE.
	local t=$TESTDIR/tree
	mkdir -p "$t"
	echo a >"$t/file"
	run -1 capsh --drop=cap_linux_immutable -- -c "'$HOLO' --root '$ROOT' hologram seal '$t'"
	check_contains "the immutable flag of \`./file\` (this needs CAP_LINUX_IMMUTABLE)"
}

# ---------------------------------------------------------- mount points

@test "hologram: missing mount points: enforce refuses to change a verified tree; sign and verify report them" {
	marked_bundle
	rmdir "$BUNDLE/rootfs/proc"
	update_config '.process.cwd = "/work/here"'
	run -0 --separate-stderr "$HOLO" --root "$ROOT" hologram sign --key "$GOOD" "$BUNDLE"
	check_contains "warning: the runtime would create /proc in this rootfs" stderr
	check_contains "warning: the runtime would create /work in this rootfs" stderr
	verify_bundle
	check_status 1
	check_contains "violation: the runtime would add /proc, /work to the verified rootfs (missing mount points)"
	run_container HOLOGRAM_ENFORCE=1
	check_refused
	check_contains "hologram: enforce: the runtime would add /proc, /work to the verified rootfs"
	[ ! -e "$BUNDLE/rootfs/proc" ]
	# Permissive says so, and the container runs (the runtime makes them).
	run_container
	check_status 0
	check_contains "hologram: permissive: $CID: the runtime would add /proc, /work"
	check_contains "good"
	# With the mount points in the tree, signed again: enforce runs.
	witness_bundle
	run_container HOLOGRAM_ENFORCE=1
	check_status 0
	check_output "good"
}

# -------------------------------------------------------------- deadline

@test "hologram: the verification deadline: a violation with a clear reason; sparse files are not read" {
	marked_bundle
	truncate -s 8G "$BUNDLE/rootfs/sparse"
	printf 'data' | dd of="$BUNDLE/rootfs/sparse" bs=1 seek=$((4 << 30)) conv=notrunc status=none
	run_container HOLOGRAM_ENFORCE=1 HOLOGRAM_VERIFY_TIMEOUT_MS=300
	check_refused
	check_contains "hologram: enforce: cannot compute the UOR-ID of $BUNDLE/rootfs within the verification deadline of 300 ms (verify_timeout_ms)"
	check_contains "at \`./sparse\`"
	# The holes are hashed as the zeros they read as, never read: the one
	# block of data is all that comes from the file.
	mkdir "$TESTDIR/sparse"
	mv "$BUNDLE/rootfs/sparse" "$TESTDIR/sparse/"
	run -0 --separate-stderr hid --no-cache --stats "$TESTDIR/sparse"
	check_contains "bytes_hashed 4096" stderr
	# ... and give the same UOR-ID as reading them does.
	local id=$output
	truncate -s 3M "$BUNDLE/rootfs/small"
	printf 'data' | dd of="$BUNDLE/rootfs/small" bs=1 seek=$((1 << 20)) conv=notrunc status=none
	run -0 hid --no-cache "$BUNDLE/rootfs"
	local sparse_id=$output
	cp --sparse=never "$BUNDLE/rootfs/small" "$TESTDIR/dense"
	mv "$TESTDIR/dense" "$BUNDLE/rootfs/small"
	run -0 hid --no-cache "$BUNDLE/rootfs"
	check_output "$sparse_id"
	run -0 python3 "$UOR_REF" "$BUNDLE/rootfs"
	check_output "$sparse_id"
	[ "$id" != "$sparse_id" ]
}

@test "hologram seal: a sealed tree's result is known without a walk, until a root is unsealed" {
	marked_bundle
	local t=$BUNDLE/rootfs id
	id=$(bundle_id)
	seal "$t"
	run -0 --separate-stderr hid --stats "$t"
	check_output "$id"
	check_contains "tree_cached 0" stderr
	run -0 --separate-stderr hid --stats "$t"
	check_output "$id"
	check_contains "tree_cached 1" stderr
	check_contains "bytes_hashed 0" stderr
	# Unsealing the root changes its ctime: computed again, and changed.
	chattr -i "$t"
	echo other >"$t/new"
	chattr +i "$t"
	run -0 --separate-stderr hid --stats "$t"
	[ "$output" != "$id" ]
	check_contains "tree_cached 0" stderr
	run -0 python3 "$UOR_REF" "$t"
	local changed=$output
	run -0 --separate-stderr hid --stats "$t"
	check_output "$changed"
	# new is not sealed: nothing is remembered for the tree.
	check_contains "tree_cached 0" stderr
	# A fifo's mode and owner can change in a sealed tree: no shortcut.
	chattr -i "$t"
	rm "$t/new"
	mkfifo "$t/fifo"
	chattr +i "$t"
	run -0 --separate-stderr hid --stats "$t"
	run -0 --separate-stderr hid --stats "$t"
	check_contains "tree_cached 0" stderr
	chmod 0600 "$t/fifo"
	run -0 python3 "$UOR_REF" "$t"
	local after=$output
	run -0 hid "$t"
	check_output "$after"
}
