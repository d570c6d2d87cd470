#!/bin/bash
# Where the time of `RT run` of busybox `true` goes, phase by phase.
#
#   sudo bash bench/phases.sh [--runs N] [--strace-runs M] [--update]
#
# 1. holo's own phases: holo is built with trace points (src/libcontainer/
#    trace.h); HOLO_TRACE=FILE makes it append "PID µs PHASE" lines.  A tiny
#    launcher (bench/trace-launch.c) adds the moment before execve and the
#    moment the runtime was reaped, so dynamic loading and exit show too.
#    Median over N runs of each phase's length (from the previous trace
#    point, in time order, whichever process wrote it).
# 2. holo next to crun, as far as it can be seen from outside: `strace -f
#    -ttt` of M runs each (interleaved), median time between landmark
#    syscalls (the self re-exec, the clone of the init, the last write to a
#    cgroup.procs, the execve of the container's process, exits).  strace
#    slows every syscall down, so only the proportions mean something.
#
# Everything runs in one private mount namespace with the cgroup2 mount
# hidden (bench/lib.sh) and the state roots on a tmpfs (as bench/run.sh).  --update rewrites the "phases" section of
# bench/RESULTS.md.  Environment: HOLO (./holo), CRUN (/usr/bin/crun).
set -euo pipefail

cd "$(dirname "$0")/.."
SRC=$(pwd)
. "$SRC/bench/lib.sh"
RUNS=30
STRACE_RUNS=10
UPDATE=0
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--strace-runs) STRACE_RUNS=$2; shift 2 ;;
	--update) UPDATE=1; shift ;;
	*) echo "usage: $0 [--runs N] [--strace-runs M] [--update]" >&2; exit 2 ;;
	esac
done
HOLO=${HOLO:-$SRC/holo}
CRUN=${CRUN:-/usr/bin/crun}
for tool in jq strace python3 cc unshare; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done

# BENCH_DIR (kept afterwards, with every trace and strace log) or a
# temporary directory.
if [ -n "${BENCH_DIR:-}" ]; then
	WORK=$BENCH_DIR
	mkdir -p "$WORK"
else
	WORK=$(mktemp -d /tmp/holo-phases.XXXXXX)
	trap 'rm -rf "$WORK"' EXIT
fi
bench_bundle "$WORK/bundle" '["/bin/true"]' "${RUNC:-/usr/sbin/runc}" >/dev/null
bench_bundle "$WORK/bundle-sleep" '["/bin/sleep", "1000000"]' "${RUNC:-/usr/sbin/runc}" >/dev/null
cc -O2 -o "$WORK/launch" "$SRC/bench/trace-launch.c"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

cat >"$WORK/inner.sh" <<EOF
$BENCH_NS_PREAMBLE
set -e
W=$WORK
# State roots on a tmpfs, as bench/run.sh (and /run on a systemd host).
mkdir -p "\$W/state"
mount -t tmpfs -o mode=0700 holo-bench-state "\$W/state"
run_holo() { "\$W/launch" "$HOLO" --root "\$W/state/holo" run --bundle "\$W/bundle" ph-holo; }
run_crun() { "$CRUN" --root "\$W/state/crun" run --bundle "\$W/bundle" ph-crun; }
# Warm-up: page cache, dentries, the first cgroup creation.
for i in 1 2 3; do HOLO_TRACE=\$W/warm run_holo; run_crun; done
for i in \$(seq $RUNS); do HOLO_TRACE=\$W/trace.\$i run_holo; done
# exec into a running container, traced the same way.
"$HOLO" --root "\$W/state/holo" run -d --bundle "\$W/bundle-sleep" ph-exec </dev/null >/dev/null
for i in 1 2 3; do "$HOLO" --root "\$W/state/holo" exec ph-exec /bin/true; done
for i in \$(seq $RUNS); do HOLO_TRACE=\$W/exec-trace.\$i "\$W/launch" "$HOLO" --root "\$W/state/holo" exec ph-exec /bin/true; done
"$HOLO" --root "\$W/state/holo" delete -f ph-exec
for i in \$(seq $STRACE_RUNS); do
	strace -f -ttt -o "\$W/strace-holo.\$i" "$HOLO" --root "\$W/state/holo" run --bundle "\$W/bundle" ph-holo
	strace -f -ttt -o "\$W/strace-crun.\$i" "$CRUN" --root "\$W/state/crun" run --bundle "\$W/bundle" ph-crun
done
EOF
unshare -m bash "$WORK/inner.sh" 2>"$WORK/stderr" || { cat "$WORK/stderr" >&2; exit 1; }

holo_files=$(ls "$WORK"/trace.*)
exec_files=$(ls "$WORK"/exec-trace.*)
strace_holo=$(ls "$WORK"/strace-holo.* | paste -sd,)
strace_crun=$(ls "$WORK"/strace-crun.* | paste -sd,)
table1=$(python3 "$SRC/bench/phases.py" trace $holo_files)
table_exec=$(python3 "$SRC/bench/phases.py" trace $exec_files)
table2=$(python3 "$SRC/bench/phases.py" strace "holo=$strace_holo" "crun=$strace_crun")
echo "$table1"
echo
echo "$table_exec"
echo
echo "$table2"

if [ "$UPDATE" = 1 ]; then
	section=$(
		cat <<-EOF
			<!-- phases: begin (bench/phases.sh) -->
			## Where the time goes (bench/phases.sh)

			\`holo run\` of busybox \`true\` (the bench/run.sh workload), $RUNS runs with
			\`HOLO_TRACE\` set, median per phase; measured $(date -u +%Y-%m-%d), $(nproc) cores,
			kernel $(uname -r), load average $LOAD_BEFORE before, $(cut -d' ' -f1-3 /proc/loadavg) after.
			Each line is the time from the previous trace point to this one, whichever
			process (holo, or the container's init, pid 1 in its namespace) reached it.

			    sudo bash bench/phases.sh --runs $RUNS --strace-runs $STRACE_RUNS --update

			$table1

			\`holo exec\` of /bin/true into a running container (busybox sleep), $RUNS runs:

			$table_exec

			Next to crun, from outside: \`strace -f -ttt\`, $STRACE_RUNS runs each, interleaved,
			median time between landmark syscalls (strace inflates every syscall: compare
			proportions, not absolute values).

			$table2
			<!-- phases: end -->
		EOF
	)
	others=$(awk '/<!-- phases: begin/ { skip = 1 } !skip { print } /<!-- phases: end -->/ { skip = 0 }' "$SRC/bench/RESULTS.md")
	printf '%s\n\n%s\n' "$others" "$section" | cat -s >"$SRC/bench/RESULTS.md.new"
	mv "$SRC/bench/RESULTS.md.new" "$SRC/bench/RESULTS.md"
	echo "bench: wrote bench/RESULTS.md"
fi
