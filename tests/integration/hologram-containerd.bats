#!/usr/bin/env bats
# Hologram under containerd, through containerd-shim-holo-v2 (HOLOGRAM.md
# 7.4): each container gets a new overlay mount of the image's layers, and
# the digest cache must still know its files.  A private containerd
# (tests/shim/env.sh) with Hologram configured in its environment (the shim
# and holo inherit it), a large image made offline (HOLO_BIG_FILES files,
# default 50000) and its witness served by a local endpoint.
#
# The image's UOR-ID is computed by hologram_image.py from the layer it
# writes, so the first container also checks holo against an independent
# implementation on what containerd unpacked.  Cost: the image (written
# straight into a tar) and containerd's unpacking of it are most of it.

bats_require_minimum_version 1.5.0

load helpers
load hologram_helpers
load ../shim/helpers

BIG_FILES=${HOLO_BIG_FILES:-50000}
BIG_IMAGE=docker.io/library/holo-big:hologram

setup_file() {
	local t0=$SECONDS
	command -v containerd >/dev/null || skip "containerd is not installed (apt-get install containerd)"
	ensure_tools
	hologram_setup_file
	local d=$BATS_FILE_TMPDIR
	# The image (the suite's busybox rootfs plus BIG_FILES small files),
	# written straight into a tar, and its UOR-ID computed from the layer.
	HOLO_BIG_ID=$(python3 "$BATS_TEST_DIRNAME/hologram_image.py" "$d/big.tar" "$BIG_IMAGE" "$BASE_ROOTFS" "$BIG_FILES")
	export HOLO_BIG_ID
	echo "# image: $((SECONDS - t0)) s" >&3
	# Its witness on a local endpoint.
	mkdir -p "$d/srv"
	echo 200 >"$d/srv/mode"
	python3 "$BATS_TEST_DIRNAME/hologram_server.py" "$d/srv" </dev/null >/dev/null 2>&1 3>&- &
	echo $! >"$d/srv.pid"
	wait_for_file "$d/srv/port"
	TESTDIR=$d make_witness "$d/good.pem" "$HOLO_BIG_ID" >"$d/srv/witness.json"
	jq -n --arg t "$d/trust.d" --arg e "http://127.0.0.1:$(cat "$d/srv/port")" \
		'{mode: "enforce", verbose: true, trust_dir: $t, witness_endpoint: $e}' >"$d/policy.json"
	# containerd, and so the shims and holo, get the policy.
	unset_hologram_env
	export HOLOGRAM_POLICY=$d/policy.json
	shim_setup_file
	CTR_TIMEOUT=600 ctrt image import "$d/big.tar" >/dev/null
	rm -f "$d/big.tar"
	echo "# import: $((SECONDS - t0)) s" >&3
	# Digests of files changed in the last 2 s are not cached (cache.c):
	# the snapshot was unpacked just now.
	sleep 2.1
}

teardown_file() {
	local l
	for l in $(cat "$BATS_FILE_TMPDIR/sealed" 2>/dev/null); do
		chattr -R -i "$l" 2>/dev/null || true
	done
	shim_teardown_file
	kill "$(cat "$BATS_FILE_TMPDIR/srv.pid")" 2>/dev/null || true
}

# The Hologram lines holo wrote in the task's log.json.
hologram_log() {
	jq -r 'select(.msg | startswith("hologram: ")) | .msg' \
		"$SHIM_ENV_DIR/state/io.containerd.runtime.v2.task/$SHIM_NS/$1/log.json"
}

run_big() {
	local t0=$SECONDS
	ctrt run -d $RUNTIME_FLAGS "$BIG_IMAGE" "$1" sleep 1000
	wait_status "$1" 10 RUNNING
	local t1=$SECONDS
	# The image's layers: the lowerdirs of the task's rootfs mount.
	LOWER=$(awk -v m="/$1/rootfs" '$5 ~ m"$" { for (i = 1; i <= NF; i++) if ($i == "-") { print $(i + 3); exit } }' \
		/proc/self/mountinfo | tr ',' '\n' | sed -n 's/^lowerdir=//p')
	run -0 hologram_log "$1"
	ctrt task kill -s KILL "$1"
	wait_status "$1" 10 STOPPED
	ctrt task rm "$1" >/dev/null
	ctrt container rm "$1"
	echo "# $1: run -d $((t1 - t0)) s, stop and remove $((SECONDS - t1)) s" >&3
}

# "N files, M from the cache, B bytes read" of the create line.
create_counts() {
	local re="hologram: enforce: $1: $HOLO_BIG_ID, witness from endpoint[^;]*; ([0-9]+) entries, ([0-9]+) files, ([0-9]+) from the cache, ([0-9]+) bytes read"
	[[ "$output" =~ $re ]] || {
		echo "no create line for $1 in: $output"
		return 1
	}
	FILES=${BASH_REMATCH[2]} CACHED=${BASH_REMATCH[3]} READ=${BASH_REMATCH[4]}
}

@test "hologram containerd: the second container of a large image reads no file contents" {
	need_holo
	run_big big1
	create_counts big1
	echo "# first container: $FILES files, $CACHED from the cache, $READ bytes read" >&3
	[ "$FILES" -ge "$BIG_FILES" ]
	[ "$READ" -gt 0 ]
	run_big big2
	create_counts big2
	echo "# second container: $FILES files, $CACHED from the cache, $READ bytes read" >&3
	[ "$CACHED" -eq "$FILES" ]
	[ "$READ" -eq 0 ]
	# Verified again at start (enforce), from the cache too.
	check_contains "hologram: enforce: big2: verified again at start: $HOLO_BIG_ID;"
	[[ "$output" == *"verified again at start"*"from the cache, 0 bytes read, "* ]]
}

@test "hologram containerd: with the image's layers sealed, a container needs no walk at all" {
	need_holo
	run_big seal1
	local l
	[ -n "$LOWER" ]
	for l in ${LOWER//:/ }; do
		echo "$l" >>"$BATS_FILE_TMPDIR/sealed"
		"$HOLO_SRC/holo" hologram seal "$l" >/dev/null
	done
	# Sealing changed every file's ctime: the first container after it reads
	# them again, finds the layers sealed and remembers the tree.
	sleep 2.1
	run_big seal2
	create_counts seal2
	run_big seal3
	create_counts seal3
	echo "# sealed layers: $FILES files, $CACHED from the cache, $READ bytes read" >&3
	[ "$READ" -eq 0 ]
	check_contains "bytes read, "
	[[ "$output" == *"(a sealed tree, known)"*"verified again at start"*"(a sealed tree, known)"* ]]
	# The merged tree itself is not sealed (its upper layer is writable).
	ctrt run -d $RUNTIME_FLAGS "$BIG_IMAGE" seal4 sleep 1000
	wait_status seal4 10 RUNNING
	run -0 "$HOLO_SRC/holo" --root "$SHIM_ENV_DIR/holo-root/$SHIM_NS" state seal4
	[ "$(jq -r .XHologram.sealed <<<"$output")" = false ]
	[ "$(jq -r .XHologram.uor_id <<<"$output")" = "$HOLO_BIG_ID" ]
	ctrt task kill -s KILL seal4
	wait_status seal4 10 STOPPED
	ctrt task rm seal4 >/dev/null
	ctrt container rm seal4
	for l in ${LOWER//:/ }; do
		"$HOLO_SRC/holo" hologram unseal "$l" >/dev/null
	done
}
