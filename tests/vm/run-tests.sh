#!/bin/bash
# Runs bats files inside the cgroup v2 test VM (tests/vm/run.sh) against
# $RUNTIME (default: the repo's ./holo) and prints their TAP on stdout, each
# test's name prefixed with "[v2] " so that a suite running the same files on
# the host can tell the two apart:
#   ok 1 [v2] cgroups: memory limit
#   not ok 2 [v2] cgroups: pids limit
#
# Usage: tests/vm/run-tests.sh [OPTIONS] [BATS_FILE...]
#   With no file: $HOLO_VM_TESTS (space-separated; $HOLO_VM_SYSTEMD_TESTS
#   with --systemd) if set, else
#   tests/vm/smoke.bats and every tests/integration/*.bats that opts in with
#   a line "# holo-vm" (alone, or followed by a space and a comment).
# Options:
#   --filter REGEX    only tests whose name matches (bats --filter)
#   --criu            load CRIU's kernel modules in the VM first
#   --systemd         boot real systemd as PID 1 (run.sh --systemd); with no
#                     file: the files that opt in with "# holo-vm-systemd";
#                     names are prefixed "[systemd] "
#   --timeout SECS    limit for the whole VM (default $HOLO_VM_TIMEOUT, or
#                     120 s + 45 s a test as bats --count counts them, at
#                     least 900 s)
#   --prefix TEXT     the prefix for test names (default "[v2] ")
#   --timing          each test's duration after its name (bats --timing)
#   --test-timeout S  limit for one test (BATS_TEST_TIMEOUT; default 300, or
#                     $HOLO_VM_TEST_TIMEOUT; 0 for none): a hung test fails
#                     as "not ok ... # timeout after Ss" and the rest run
# Environment: RUNTIME (passed into the VM), RUNTIME_KIND, REF_RUNTIME,
# RT_TIMEOUT, HOLO_* (all passed through; see run.sh).
# Exit status: 0 when every test passed (or was skipped), 1 when one
# failed, 125/124 when the VM failed or ran out of time (then a "not ok"
# line says so, so a TAP counter sees the failure too).

set -uo pipefail

# All of it in one block: bash parses it whole before running it, so editing
# this file while a run is going does not break that run.
{

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)

# The VM suite: what only a cgroup v2 host (or the VM's 6.1 kernel) can
# test.  Keep it short: everything is 5-10 times slower in the VM.
default_tests() {
	if [ "$SYSTEMD" = 1 ]; then
		grep -lE '^# holo-vm-systemd( |$)' tests/vm/*.bats tests/integration/*.bats 2>/dev/null
		return 0
	fi
	echo tests/vm/smoke.bats
	grep -lE '^# holo-vm( |$)' tests/integration/*.bats 2>/dev/null
}

FILTER=
CRIU=()
SYSTEMD=0
PREFIX_SET=0
TIMEOUT=${HOLO_VM_TIMEOUT:-}
PREFIX="[v2] "
TIMING=0
TEST_TIMEOUT=${HOLO_VM_TEST_TIMEOUT:-300}
while [ $# -gt 0 ]; do
	case $1 in
	--filter) FILTER=$2; shift ;;
	--filter=*) FILTER=${1#*=} ;;
	--criu) CRIU=(--criu) ;;
	--systemd) SYSTEMD=1 ;;
	--timeout) TIMEOUT=$2; shift ;;
	--timeout=*) TIMEOUT=${1#*=} ;;
	--prefix) PREFIX=$2; PREFIX_SET=1; shift ;;
	--prefix=*) PREFIX=${1#*=}; PREFIX_SET=1 ;;
	--timing) TIMING=1 ;;
	--test-timeout) TEST_TIMEOUT=$2; shift ;;
	--test-timeout=*) TEST_TIMEOUT=${1#*=} ;;
	-h | --help)
		sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	--) shift; break ;;
	-*) echo "run-tests.sh: unknown option: $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done

cd "$SRC" || exit 125
VM_MODE=()
if [ "$SYSTEMD" = 1 ]; then
	VM_MODE=(--systemd)
	[ "$PREFIX_SET" = 1 ] || PREFIX="[systemd] "
fi
files=()
if [ $# -gt 0 ]; then
	files=("$@")
elif [ "$SYSTEMD" = 1 ] && [ -n "${HOLO_VM_SYSTEMD_TESTS:-}" ]; then
	read -r -a files <<<"$HOLO_VM_SYSTEMD_TESTS"
elif [ "$SYSTEMD" = 0 ] && [ -n "${HOLO_VM_TESTS:-}" ]; then
	read -r -a files <<<"$HOLO_VM_TESTS"
else
	mapfile -t files < <(default_tests)
fi
abs=()
for f in "${files[@]}"; do
	[ -f "$f" ] || {
		echo "run-tests.sh: no such bats file: $f" >&2
		exit 2
	}
	abs+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
done
if [ ${#abs[@]} -eq 0 ]; then
	echo "# ${PREFIX}no VM test files"
	echo "1..0"
	exit 0
fi

export RUNTIME=${RUNTIME:-$SRC/holo}
case $RUNTIME in
/*) ;;
*/*) RUNTIME=$(cd "$(dirname "$RUNTIME")" && pwd)/$(basename "$RUNTIME") ;;
*) RUNTIME=$(command -v "$RUNTIME" || echo "$RUNTIME") ;;
esac
if [ ! -x "$RUNTIME" ]; then
	echo "run-tests.sh: RUNTIME=$RUNTIME is not an executable (build holo first)" >&2
	echo "not ok 1 ${PREFIX}VM tests: RUNTIME=$RUNTIME is not an executable"
	echo "1..1"
	exit 1
fi

# Build the tests' helpers (checker, recvtty, base rootfs) on the host: the
# VM sees them through its read-only view of the host, and compiling in the
# emulated VM is slow.  If this fails, the VM builds them itself.
bash -c '
	bats_require_minimum_version() { :; }
	BATS_TEST_DIRNAME=$1
	. "$1/helpers.bash" && ensure_tools
' _ "$SRC/tests/integration" >/dev/null 2>&1 || true

# The systemd suite's containerd test imports a busybox image: made here
# (hundreds of symlinks are slow to make in the VM).
if [ "$SYSTEMD" = 1 ] && [ ! -f tests/work/shim-image.tar ]; then
	bash tests/shim/make-image.sh tests/work/shim-image.tar.tmp >/dev/null 2>&1 &&
		mv tests/work/shim-image.tar.tmp tests/work/shim-image.tar
fi

if [ -z "$TIMEOUT" ]; then
	count=$(bats --count ${FILTER:+--filter "$FILTER"} "${abs[@]}" 2>/dev/null) || count=
	[[ "$count" =~ ^[0-9]+$ ]] || count=30
	TIMEOUT=$((120 + 45 * count))
	[ "$TIMEOUT" -ge 900 ] || TIMEOUT=900
fi

bats_args=(--tap)
[ -n "$FILTER" ] && bats_args+=(--filter "$FILTER")
[ "$TIMING" = 1 ] && bats_args+=(--timing)
cmd=$(printf '%q ' bats "${bats_args[@]}" "${abs[@]}")

start=$(date +%s)
tap=$(mktemp "${TMPDIR:-/tmp}/holo-vm-tap.XXXXXX")
trap 'rm -f "$tap"' EXIT

# Prefix test names; keep everything else (plan, comments) as it is.
vm_env=()
[ "$TEST_TIMEOUT" != 0 ] && vm_env=(--env "BATS_TEST_TIMEOUT=$TEST_TIMEOUT")
"$HERE/run.sh" "${CRIU[@]}" "${VM_MODE[@]}" "${vm_env[@]}" --timeout "$TIMEOUT" -- "$cmd" |
	sed -u -E "s/^(ok|not ok) ([0-9]+) /\\1 \\2 $(printf '%s' "$PREFIX" | sed 's/[\/&]/\\&/g')/" |
	tee "$tap"
st=${PIPESTATUS[0]}
elapsed=$(($(date +%s) - start))

pass=$(grep -cE '^ok [0-9]+ ' "$tap")
skip=$(grep -cE '^ok [0-9]+ .*# skip' "$tap")
fail=$(grep -cE '^not ok [0-9]+ ' "$tap")
pass=$((pass - skip))
# Tests the plan announced but that never reported (bats killed in a
# teardown, say) are failures too.
plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$tap" | head -n1)
got=$(grep -cE '^(ok|not ok) [0-9]+ ' "$tap")
if [ -n "$plan" ] && [ "$plan" -gt "$got" ] && [ "$st" -lt 124 ]; then
	echo "not ok $((got + 1)) ${PREFIX}VM run: $((plan - got)) of $plan tests never reported"
	fail=$((fail + 1))
fi
if [ "$st" -ge 124 ]; then
	n=$(grep -cE '^(ok|not ok) [0-9]+ ' "$tap")
	why="the VM failed (status $st)"
	[ "$st" = 124 ] && why="the VM ran out of time (${TIMEOUT}s)"
	echo "not ok $((n + 1)) ${PREFIX}VM run: $why"
	fail=$((fail + 1))
fi
echo "holo-vm: ${PREFIX}${pass} passed, ${fail} failed, ${skip} skipped in ${elapsed}s (${#abs[@]} files, RUNTIME=$RUNTIME)" >&2
if [ "$st" -ge 124 ]; then
	exit "$st"
fi
[ "$st" = 0 ] && [ "$fail" = 0 ] && exit 0
exit 1
exit
}
