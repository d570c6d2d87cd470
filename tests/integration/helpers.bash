# Shared setup for the integration tests.  Every .bats file does
#   load helpers
# and gets, per test: a fresh busybox bundle in $BUNDLE (config.json made by
# "$RUNTIME spec", then adjusted with jq), a unique container id in $CID, a
# private state directory in $ROOT (passed as --root), and a teardown that
# force-deletes whatever the test created and kills anything left behind.
#
# The runtime under test comes from $RUNTIME (default: the repo's ./holo), so
# the same tests run against holo, runc and crun:
#   RUNTIME=/usr/sbin/runc bats tests/integration
#
# Tools the tests need that are built from this repo (the in-container
# checker, the console-socket receiver) are compiled here with gcc into
# $HOLO_TEST_WORK (default tests/work/) when missing or out of date, so the
# suite does not depend on the runtime's own build working.

bats_require_minimum_version 1.5.0

HOLO_SRC=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
HOLO_TEST_WORK=${HOLO_TEST_WORK:-$HOLO_SRC/tests/work}
RUNTIME=${RUNTIME:-$HOLO_SRC/holo}
# Resolve to an absolute path: tests cd around.
case "$RUNTIME" in
/*) ;;
*/*) RUNTIME="$(cd "$(dirname "$RUNTIME")" && pwd)/$(basename "$RUNTIME")" ;;
*) RUNTIME=$(command -v "$RUNTIME" || echo "$RUNTIME") ;;
esac
# Which runtime this is: holo, runc or crun (tests that check holo's own
# error texts, or compare against runc, look at this).
RUNTIME_KIND=${RUNTIME_KIND:-$(basename "$RUNTIME")}
case "$RUNTIME_KIND" in
*holo*) RUNTIME_KIND=holo ;;
*runc*) RUNTIME_KIND=runc ;;
*crun*) RUNTIME_KIND=crun ;;
esac
# The reference runtime for compare.bats.
REF_RUNTIME=${REF_RUNTIME:-/usr/sbin/runc}
# Seconds any single runtime command may take before the test fails.
RT_TIMEOUT=${RT_TIMEOUT:-60}

CHECKER=$HOLO_TEST_WORK/bin/holo-check
RECVTTY=$HOLO_TEST_WORK/bin/recvtty
BASE_ROOTFS=$HOLO_TEST_WORK/rootfs-base

# ---------------------------------------------------------------- building

# Compiles SRC into OUT with gcc if OUT is missing or older than SRC.
build_tool() {
	local src=$1 out=$2
	shift 2
	if [ ! -x "$out" ] || [ "$src" -nt "$out" ]; then
		mkdir -p "$(dirname "$out")"
		gcc -O2 -Wall -Wextra "$@" -o "$out.tmp.$$" "$src" || return 1
		mv -f "$out.tmp.$$" "$out"
	fi
}

# The busybox rootfs every bundle copies: busybox and its applet links in
# /bin, holo-check in /bin, a passwd/group with a few users, and the empty
# directories a container needs.  Rebuilt when holo-check changes.
build_base_rootfs() {
	local busybox=${BUSYBOX:-/usr/bin/busybox}
	if [ -x "$BASE_ROOTFS/bin/busybox" ] && cmp -s "$CHECKER" "$BASE_ROOTFS/bin/holo-check"; then
		return 0
	fi
	rm -rf "$BASE_ROOTFS.tmp.$$"
	local r=$BASE_ROOTFS.tmp.$$
	mkdir -p "$r"/{bin,dev,proc,sys,tmp,etc,root,run,var,home/user}
	chmod 1777 "$r/tmp"
	cp "$busybox" "$r/bin/busybox"
	local applet
	for applet in $("$r/bin/busybox" --list); do
		# --list includes "busybox" itself: linking it would replace the binary.
		[ "$applet" = busybox ] && continue
		ln -sf busybox "$r/bin/$applet"
	done
	ln -s bin "$r/sbin"
	mkdir -p "$r/usr"
	ln -s ../bin "$r/usr/bin"
	ln -s ../bin "$r/usr/sbin"
	cp "$CHECKER" "$r/bin/holo-check"
	cat >"$r/etc/passwd" <<-'EOF'
		root:x:0:0:root:/root:/bin/sh
		daemon:x:1:1:daemon:/usr/sbin:/bin/false
		user:x:1000:1000:user:/home/user:/bin/sh
		nobody:x:65534:65534:nobody:/nonexistent:/bin/false
	EOF
	cat >"$r/etc/group" <<-'EOF'
		root:x:0:
		daemon:x:1:
		tty:x:5:
		user:x:1000:
		nogroup:x:65534:
	EOF
	chown 1000:1000 "$r/home/user"
	rm -rf "$BASE_ROOTFS"
	mv "$r" "$BASE_ROOTFS"
}

# Builds everything once per run (serialized: bats may run files in parallel).
ensure_tools() {
	mkdir -p "$HOLO_TEST_WORK"
	(
		flock 9
		build_tool "$HOLO_SRC/tests/checker/holo-check.c" "$CHECKER" -static &&
			build_tool "$HOLO_SRC/tests/integration/recvtty.c" "$RECVTTY" &&
			build_base_rootfs
	) 9>"$HOLO_TEST_WORK/.lock"
}

# ------------------------------------------------------------- per test

# Called from each file's setup(): fresh bundle, id, state root, marker.
setup_common() {
	ensure_tools || {
		echo "could not build the test tools" >&2
		return 1
	}
	[ -x "$RUNTIME" ] || {
		echo "RUNTIME=$RUNTIME is not an executable" >&2
		return 1
	}
	TESTDIR=$BATS_TEST_TMPDIR
	ROOT=$TESTDIR/state
	mkdir -p "$ROOT"
	# Every runtime command and every container process of this test carries
	# this string in its environment, which is how the tests find (and
	# teardown kills) processes a runtime left behind.
	TEST_MARKER=holo-test-$$-$BATS_TEST_NUMBER-$RANDOM$RANDOM
	CID=$(new_id)
	BACKGROUND_PIDS=()
	BUNDLE=$(make_bundle "$TESTDIR/bundle")
}

# A container id unique to this test (and recorded for teardown).
new_id() {
	local id="t${BATS_TEST_NUMBER}-$RANDOM$RANDOM"
	echo "$id" >>"$BATS_TEST_TMPDIR/ids"
	echo "$id"
}

# make_bundle DIR: a busybox bundle in DIR whose process is
# "holo-check ids" without a terminal.  Prints DIR.
make_bundle() {
	local dir=$1
	mkdir -p "$dir"
	cp -a "$BASE_ROOTFS" "$dir/rootfs"
	"$RUNTIME" spec --bundle "$dir" >/dev/null || {
		echo "$RUNTIME spec failed" >&2
		return 1
	}
	jq --arg m "HOLO_TEST_MARKER=$TEST_MARKER" \
		'.process.terminal = false
		 | .process.args = ["holo-check", "ids"]
		 | .process.env += [$m]' "$dir/config.json" >"$dir/config.json.new" &&
		mv "$dir/config.json.new" "$dir/config.json"
	echo "$dir"
}

# update_config JQ_FILTER [JQ_ARGS...]: edits $BUNDLE/config.json in place
# (or $CONFIG_BUNDLE's if set).
update_config() {
	local b=${CONFIG_BUNDLE:-$BUNDLE}
	local filter=$1
	shift
	# The filter first: after --args every word is a positional argument.
	jq "$filter" "$@" <"$b/config.json" >"$b/config.json.new" || {
		echo "jq failed: $filter" >&2
		return 1
	}
	mv "$b/config.json.new" "$b/config.json"
}

# json_array WORD...: the words as a JSON array of strings.  (jq's --args
# would still parse words like "-c" as its own options.)
json_array() {
	local -a jqargs=()
	local expr="" i=0 a
	for a in "$@"; do
		jqargs+=(--arg "a$i" "$a")
		expr+="${expr:+,}\$a$i"
		i=$((i + 1))
	done
	jq -nc "${jqargs[@]}" "[$expr]"
}

# set_args ARG...: sets process.args.
set_args() {
	update_config '.process.args = $a' --argjson a "$(json_array "$@")"
}

# add_mount DEST TYPE SOURCE [OPTION...]
add_mount() {
	local dest=$1 type=$2 src=$3
	shift 3
	update_config '.mounts += [{destination: $d, type: $t, source: $s, options: $o}]' \
		--arg d "$dest" --arg t "$type" --arg s "$src" --argjson o "$(json_array "$@")"
}

# add_bind DEST SOURCE [OPTION...]: a bind mount (rbind plus OPTIONs).
add_bind() {
	local dest=$1 src=$2
	shift 2
	add_mount "$dest" bind "$src" rbind "$@"
}

# A host directory bind-mounted read-write at /shared in the container:
# the way a container reports back, and the way a test sees whether the
# container process has run yet.  Sets $SHARED.
add_shared_dir() {
	SHARED=$TESTDIR/shared
	mkdir -p "$SHARED"
	chmod 777 "$SHARED"
	add_bind /shared "$SHARED" rw
}

# remove_namespace TYPE
remove_namespace() {
	update_config '.linux.namespaces |= map(select(.type != $t))' --arg t "$1"
}

# rt ARGS...: the runtime under test with this test's --root, a time limit,
# and the marker in its environment.  Use as "run rt state $CID".
rt() {
	HOLO_TEST_MARKER=$TEST_MARKER timeout --kill-after=5 "$RT_TIMEOUT" "$RUNTIME" --root "$ROOT" "$@"
}

# rt_as RUNTIME ARGS...: another runtime binary, with its own state root
# (recorded so teardown cleans it up too).
rt_as() {
	local r=$1
	shift
	local root=$ROOT-$(basename "$r")
	if [ ! -d "$root" ]; then
		mkdir -p "$root"
		echo "$r $root" >>"$BATS_TEST_TMPDIR/other-runtimes"
	fi
	HOLO_TEST_MARKER=$TEST_MARKER timeout --kill-after=5 "$RT_TIMEOUT" "$r" --root "$root" "$@"
}

# rt_create [FLAGS...] ID: "rt create --bundle $BUNDLE FLAGS ID" with the
# container's stdio on files ($(stdio_file ID).out/.err, stdin /dev/null): a
# created container holds its stdio open, so it must not be bats' pipe.
# What the runtime printed is shown on stderr afterwards.
rt_create() {
	_rt_detached create --bundle "$BUNDLE" "$@"
}

# rt_run_d [FLAGS...] ID: "rt run -d --bundle $BUNDLE FLAGS ID", stdio as above.
rt_run_d() {
	_rt_detached run -d --bundle "$BUNDLE" "$@"
}

_rt_detached() {
	local f rc=0
	f=$(stdio_file "${*: -1}")
	rt "$@" >"$f.out" 2>"$f.err" </dev/null 3>&- || rc=$?
	cat "$f.err" >&2
	return $rc
}

# stdio_file ID: where rt_create/rt_run_d put ID's stdio (any id, even an
# invalid one, maps to a plain file name in $TESTDIR).
stdio_file() {
	echo "$TESTDIR/stdio-$(printf '%s' "$1" | tr -c 'A-Za-z0-9._+-' _)"
}

# container_output ID: what the container printed on stdout so far.
container_output() {
	cat "$(stdio_file "$1").out"
}

# rt_bg OUTFILE ARGS...: runs "rt ARGS" in the background with stdout and
# stderr in OUTFILE; sets $BG_PID and records it for teardown.
rt_bg() {
	local out=$1
	shift
	rt "$@" >"$out" 2>&1 </dev/null 3>&- &
	BG_PID=$!
	BACKGROUND_PIDS+=("$BG_PID")
}

# supports FEATURE: false when RUNTIME is a reference runtime release that
# does not implement FEATURE (it silently ignores the field, or, for
# poststart, runs those hooks at create: runc before 1.2).  holo implements
# all of them.  Features: domainname personality ioPriority scheduler
# timens poststart.
supports() {
	[ "$RUNTIME_KIND" = holo ] && return 0
	local version
	version=$("$RUNTIME" --version 2>/dev/null | awk 'NR == 1 {print $3}')
	case "$RUNTIME_KIND:$version" in
	runc:1.0.* | runc:1.1.*)
		case $1 in domainname | personality | ioPriority | scheduler | timens | poststart) return 1 ;; esac
		;;
	crun:1.[0-8].* | crun:1.[0-8])
		case $1 in ioPriority | scheduler | timens) return 1 ;; esac
		;;
	esac
	return 0
}

# requires FEATURE...: skips the test unless the runtime supports every
# FEATURE (see supports); on holo nothing is skipped.
requires() {
	local f missing=""
	for f in "$@"; do
		supports "$f" || missing+=" $f"
	done
	if [ -n "$missing" ]; then
		skip "$RUNTIME_KIND $("$RUNTIME" --version 2>/dev/null | awk 'NR == 1 {print $3}') does not implement:$missing"
	fi
}

# ------------------------------------------------------------ assertions

# Shows what a failing test saw.  Call after "run".
show_run() {
	echo "# status=$status"
	echo "# output:"
	printf '%s\n' "$output" | sed 's/^/#   /'
	if [ -n "${stderr+x}" ]; then
		echo "# stderr:"
		printf '%s\n' "$stderr" | sed 's/^/#   /'
	fi
}

# check_status N: the last "run" exited N.
check_status() {
	if [ "$status" -ne "$1" ]; then
		echo "expected exit status $1, got $status"
		show_run
		return 1
	fi
}

# check_failed: the last "run" exited non-zero.
check_failed() {
	if [ "$status" -eq 0 ]; then
		echo "expected a failure, got exit status 0"
		show_run
		return 1
	fi
}

# check_output EXPECTED: $output is exactly EXPECTED.
check_output() {
	if [ "$output" != "$1" ]; then
		echo "expected output: $1"
		show_run
		return 1
	fi
}

# check_contains TEXT [WHAT]: TEXT occurs in $output (or in $WHAT's value,
# e.g. check_contains "does not exist" stderr).
check_contains() {
	local what=${2:-output}
	if [[ "${!what}" != *"$1"* ]]; then
		echo "expected $what to contain: $1"
		show_run
		return 1
	fi
}

check_not_contains() {
	local what=${2:-output}
	if [[ "${!what}" == *"$1"* ]]; then
		echo "expected $what NOT to contain: $1"
		show_run
		return 1
	fi
}

# check_matches REGEX [WHAT]
check_matches() {
	local what=${2:-output}
	if ! [[ "${!what}" =~ $1 ]]; then
		echo "expected $what to match: $1"
		show_run
		return 1
	fi
}

# The exact error text holo promises (runc's differs): only checked on holo.
check_holo_text() {
	if [ "$RUNTIME_KIND" = holo ]; then
		check_contains "$@"
	fi
}

# ----------------------------------------------------------- state, pids

# The value of a field of "rt state ID" (e.g. status, pid).
state_field() {
	rt state "$1" 2>/dev/null | jq -r ".$2"
}

# wait_for_status ID STATUS [SECONDS]
wait_for_status() {
	local id=$1 want=$2 secs=${3:-10} i got
	for ((i = 0; i < secs * 10; i++)); do
		got=$(state_field "$id" status)
		[ "$got" = "$want" ] && return 0
		sleep 0.1
	done
	echo "container $id: status '$got', waited ${secs}s for '$want'"
	return 1
}

# wait_for_file PATH [SECONDS]
wait_for_file() {
	local f=$1 secs=${2:-10} i
	for ((i = 0; i < secs * 10; i++)); do
		[ -e "$f" ] && return 0
		sleep 0.1
	done
	echo "timed out waiting for $f"
	return 1
}

# PIDs of this test's processes that are still alive: those carrying the
# test's marker in their environment (runtime commands, container
# processes), those whose environment names this test's --root (runc's
# "runc init" gets a clean environment with _LIBCONTAINER_STATEDIR), and
# those in a cgroup named after one of this test's container ids.
marker_pids() {
	local m=${1:-$TEST_MARKER} f pid ids st
	ids=$(sed 's/[.+]/\\&/g' "$BATS_TEST_TMPDIR/ids" 2>/dev/null | paste -sd '|')
	{
		grep -lsz -e "^HOLO_TEST_MARKER=$m\$" -e "=$ROOT/" /proc/[0-9]*/environ
		[ -n "$ids" ] && grep -lsE "/($ids)(/|\$)" /proc/[0-9]*/cgroup
	} | sort -u | while read -r f; do
		pid=${f#/proc/}
		pid=${pid%%/*}
		[ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] && continue
		# Only live ones count (not zombies, not ones gone meanwhile).
		st=$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
		[ -n "$st" ] && [ "$st" != Z ] && echo "$pid"
	done
	return 0
}

# process_alive PID: the process exists and is not a zombie (a container's
# init killed by holo stays a zombie until whoever inherited it reaps it).
process_alive() {
	local st
	st=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

# cgroup directories named after one of this test's container ids.
leftover_cgroups() {
	local id
	for id in $(cat "$BATS_TEST_TMPDIR/ids" 2>/dev/null); do
		find /sys/fs/cgroup -maxdepth 3 -type d -name "$id" 2>/dev/null
	done
}

# check_no_processes: nothing of this test is still running (waits up to
# 3 s for processes on their way out).
check_no_processes() {
	local i pids
	for ((i = 0; i < 30; i++)); do
		pids=$(marker_pids)
		[ -z "$pids" ] && return 0
		sleep 0.1
	done
	echo "processes left behind:"
	local p
	for p in $pids; do
		echo "  $p: $(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null)"
	done
	return 1
}

# check_nothing_left ID: after a failed create/run, no trace of ID: the
# runtime does not know it, no file under --root is named after it, and
# no process of this test runs.
check_nothing_left() {
	local id=$1
	run rt state "$id"
	if [ "$status" -eq 0 ]; then
		echo "container $id still exists:"
		show_run
		return 1
	fi
	run rt list -q
	if [[ "$output" == *"$id"* ]]; then
		echo "container $id still listed:"
		show_run
		return 1
	fi
	local left
	# (find fails when a directory goes away under it: other tests run.)
	left=$(find "$ROOT" -name "*$id*" 2>/dev/null || true)
	if [ -n "$left" ]; then
		echo "state left under --root: $left"
		return 1
	fi
	check_no_processes || return 1
	left=$(find /sys/fs/cgroup -maxdepth 3 -type d -name "$id" 2>/dev/null || true)
	if [ -n "$left" ]; then
		echo "cgroups left behind: $left"
		return 1
	fi
}

# ------------------------------------------------------------- teardown

teardown_common() {
	local pid id
	if [ -d "${ROOT:-/nonexistent}" ]; then
		{
			cat "$BATS_TEST_TMPDIR/ids" 2>/dev/null
			rt list -q 2>/dev/null
		} | sort -u | while read -r id; do
			[ -n "$id" ] && rt delete --force "$id" >/dev/null 2>&1
		done
		local r root
		while read -r r root; do
			for id in $(cat "$BATS_TEST_TMPDIR/ids" 2>/dev/null); do
				"$r" --root "$root" delete --force "$id" >/dev/null 2>&1
			done
		done < <(cat "$BATS_TEST_TMPDIR/other-runtimes" 2>/dev/null)
	fi
	for pid in "${BACKGROUND_PIDS[@]}"; do
		kill -9 "$pid" 2>/dev/null || true
	done
	# Whatever survived (a broken runtime's leftovers) must not pile up.
	if [ -n "${TEST_MARKER:-}" ]; then
		for pid in $(marker_pids); do
			kill -9 "$pid" 2>/dev/null || true
		done
	fi
	# And their cgroups (deepest first).
	for id in $(leftover_cgroups | sort -r); do
		rmdir "$id" 2>/dev/null || true
	done
	# Named network namespaces a test made.
	for id in ${NETNS_NAMES:-}; do
		ip netns delete "$id" 2>/dev/null || true
	done
	return 0
}

# Default setup/teardown; files that need more define their own and call these.
setup() {
	setup_common
}

teardown() {
	teardown_common
}
