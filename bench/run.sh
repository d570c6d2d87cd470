#!/bin/bash
# Container lifecycle latency and memory of holo, runc and crun, in one run.
#
#   sudo bash bench/run.sh [--runs N] [--warmup N] [--state-dir DIR] [--update]
#
# Workloads, on a busybox bundle (bench/lib.sh), timed by bench/interleave.c:
#   run    `RT run --bundle B ID` of /bin/true: create, start, wait for the
#          process, delete, all in one command
#   exec   `RT exec ID /bin/true` into a running container (busybox sleep)
#   csd    `RT create --bundle B ID`, `RT start ID`, `RT delete -f ID`: three
#          commands in a row (bench/runseq.c chains them without a shell)
# and the peak RSS of `RT run` (the largest ru_maxrss of the runtime and the
# processes it reaped, median of RUNS runs).
#
# The load of a shared machine drifts within seconds, so the runtimes are
# interleaved run by run (holo, runc, crun, then runc, crun, holo, ...):
# each of RUNS rounds times one run of every runtime.  (hyperfine, used
# before, times one command's runs back to back: a burst of load then
# lands on one runtime only.)
#
# All three run inside one private mount namespace whose cgroup2 mount
# /sys/fs/cgroup/unified is unmounted: Debian's crun refuses the host's
# hybrid cgroup layout otherwise, and every runtime must see the same host.
# Their state roots (--root) are on a tmpfs mounted in that namespace, as
# /run is on a systemd host (engines keep runtime state under /run; these
# machines have /run on ext4 without a journal, where creating and deleting
# files in a tight loop gets slower and slower: ext4 skips recently freed
# inodes).  --state-dir DIR puts them in DIR instead (e.g. on ext4).
#
# Prints markdown tables (medians, ratios to crun and runc, the issue's
# goals met or not); --update also rewrites bench/RESULTS.md's section.  A
# runtime whose binary is missing or does not run a container is reported
# as "pending" and left out.
#
# Environment: HOLO (default ./holo), RUNC (/usr/sbin/runc), CRUN
# (/usr/bin/crun), BUSYBOX (/usr/bin/busybox), BENCH_DIR (a temp dir).
set -euo pipefail

cd "$(dirname "$0")/.."
SRC=$(pwd)
. "$SRC/bench/lib.sh"
RUNS=60
WARMUP=5
UPDATE=0
STATE_DIR=
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--warmup) WARMUP=$2; shift 2 ;;
	--update) UPDATE=1; shift ;;
	--state-dir) STATE_DIR=$2; shift 2 ;;
	*) echo "usage: $0 [--runs N] [--warmup N] [--state-dir DIR] [--update]" >&2; exit 2 ;;
	esac
done

HOLO=${HOLO:-$SRC/holo}
RUNC=${RUNC:-/usr/sbin/runc}
CRUN=${CRUN:-/usr/bin/crun}
for tool in jq unshare cc "${BUSYBOX:-/usr/bin/busybox}"; do
	command -v "$tool" >/dev/null || {
		echo "bench: $tool is missing (apt-get install jq busybox-static gcc)" >&2
		exit 1
	}
done

if [ -n "${BENCH_DIR:-}" ]; then
	WORK=$BENCH_DIR
	mkdir -p "$WORK"
else
	WORK=$(mktemp -d /tmp/holo-bench.XXXXXX)
	trap 'rm -rf "$WORK"' EXIT
fi
bench_bundle "$WORK/bundle" '["/bin/true"]' "$RUNC" >/dev/null
bench_bundle "$WORK/bundle-sleep" '["/bin/sleep", "1000000"]' "$RUNC" >/dev/null
cc -O2 -o "$WORK/runseq" "$SRC/bench/runseq.c"
cc -O2 -o "$WORK/interleave" "$SRC/bench/interleave.c"

# name -> binary, for the runtimes that are there.
declare -A BIN=([holo]=$HOLO [runc]=$RUNC [crun]=$CRUN)
NAMES=()
PENDING=()
for name in holo runc crun; do
	if [ -x "${BIN[$name]}" ]; then
		NAMES+=("$name")
	else
		PENDING+=("$name")
	fi
done
WORKLOADS=(run exec csd)

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# Everything below runs in the private mount namespace.
cat >"$WORK/inner.sh" <<EOF
$BENCH_NS_PREAMBLE
EOF
cat >>"$WORK/inner.sh" <<'EOF'
set -u
WORK=$1 RUNS=$2 WARMUP=$3 STATE=$4
shift 4
if [ -z "$STATE" ]; then
	STATE=$WORK/state
	mkdir -p "$STATE"
	mount -t tmpfs -o mode=0700 holo-bench-state "$STATE" || exit 1
fi
ok=()
for spec in "$@"; do
	name=${spec%%=*}
	bin=${spec#*=}
	r="$bin --root $STATE/$name"
	# A runtime that cannot run the bundle yet is left out, not fatal.
	if ! $r run --bundle "$WORK/bundle" "bench-$name" >"$WORK/check-$name.log" 2>&1; then
		echo "bench: $name failed a first run: $(tail -3 "$WORK/check-$name.log")" >&2
		continue
	fi
	if ! $r run -d --bundle "$WORK/bundle-sleep" "bench-$name-exec" </dev/null >/dev/null 2>"$WORK/check-$name.log"; then
		echo "bench: $name could not start the exec container: $(tail -3 "$WORK/check-$name.log")" >&2
		continue
	fi
	ok+=("$name")
	echo "$r" >"$WORK/cmd-$name"
done
echo "${ok[*]}" >"$WORK/ran"
[ ${#ok[@]} -gt 0 ] || exit 1

command_for() { # WORKLOAD NAME
	local r
	r=$(cat "$WORK/cmd-$2")
	case $1 in
	run) echo "$r run --bundle $WORK/bundle bench-$2" ;;
	exec) echo "$r exec bench-$2-exec /bin/true" ;;
	csd) echo "$WORK/runseq $r create --bundle $WORK/bundle bench-$2 ; $r start bench-$2 ; $r delete -f bench-$2" ;;
	esac
}

for workload in run exec csd; do
	args=()
	for name in "${ok[@]}"; do
		args+=("$name=$(command_for "$workload" "$name")")
	done
	echo "--- $workload: $RUNS rounds of ${ok[*]}, interleaved"
	"$WORK/interleave" "$RUNS" "$WARMUP" "$WORK/times-$workload" "${args[@]}" || exit 1
done

# Peak RSS of `run`, interleaved.
for ((i = 0; i < RUNS; i++)); do
	for name in "${ok[@]}"; do
		# shellcheck disable=SC2046
		"$WORK/runseq" --rss "$WORK/rss-$name" $(command_for run "$name") >/dev/null 2>&1 || exit 1
	done
done

for name in "${ok[@]}"; do
	$(cat "$WORK/cmd-$name") delete -f "bench-$name-exec" >/dev/null 2>&1
done
exit 0
EOF
specs=()
for name in "${NAMES[@]}"; do
	specs+=("$name=${BIN[$name]}")
done
unshare -m bash "$WORK/inner.sh" "$WORK" "$RUNS" "$WARMUP" "$STATE_DIR" "${specs[@]}"
for name in "${NAMES[@]}"; do
	grep -qw "$name" "$WORK/ran" || PENDING+=("$name")
done

# Per workload and runtime: median, mean, stddev, min (s), from every run.
for workload in "${WORKLOADS[@]}"; do
	jq -R -s 'split("\n") | map(select(length > 0) | split(" ") | {command: .[0], t: (.[1] | tonumber)})
		| group_by(.command) | map({command: .[0].command, times: (map(.t) | sort)})
		| map(. + {n: (.times | length)})
		| map(. + {median: (if .n % 2 == 1 then .times[(.n - 1) / 2] else (.times[.n / 2 - 1] + .times[.n / 2]) / 2 end),
		           mean: ((.times | add) / .n), min: .times[0]})
		| map(. + {stddev: ((((.times | map(. * .) | add) / .n) - .mean * .mean) | if . > 0 then sqrt else 0 end)})
		| map(del(.times))' "$WORK/times-$workload" >"$WORK/pooled-$workload.json"
done

median_of() { # WORKLOAD NAME -> seconds, or empty
	jq -r --arg n "$2" '.[] | select(.command == $n) | .median' "$WORK/pooled-$1.json"
}
ms() { awk -v s="$1" 'BEGIN { printf "%.2f", s * 1000 }'; }
ratio() {
	if [ -n "$1" ] && [ -n "$2" ]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }'; else echo "–"; fi
}
rss_median() { # NAME -> KiB, or empty
	[ -f "$WORK/rss-$1" ] || return 0
	sort -n "$WORK/rss-$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
# GOAL: holo's median at most LIMIT x crun's.
goal() { # HOLO CRUN LIMIT
	if [ -z "$1" ] || [ -z "$2" ]; then
		echo "not measured"
	elif awk -v a="$1" -v b="$2" -v l="$3" 'BEGIN { exit !(a <= l * b) }'; then
		echo "met"
	else
		echo "not met"
	fi
}

declare -A WHAT=([run]="\`run\` of /bin/true" [exec]="\`exec\` /bin/true into a running container"
	[csd]="\`create\` + \`start\` + \`delete -f\`, three commands")
summary=$(
	echo "| workload | crun | holo | runc | holo / crun | holo / runc | goal (holo ≤ 0.8× crun) |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
	for workload in "${WORKLOADS[@]}"; do
		c=$(median_of "$workload" crun)
		h=$(median_of "$workload" holo)
		r=$(median_of "$workload" runc)
		cell() { if [ -n "$1" ]; then echo "$(ms "$1") ms"; else echo "pending"; fi; }
		printf '| %s | %s | %s | %s | %s | %s | %s |\n' "${WHAT[$workload]}" "$(cell "$c")" "$(cell "$h")" "$(cell "$r")" \
			"$(ratio "$h" "$c")" "$(ratio "$h" "$r")" "$(goal "$h" "$c" 0.8)"
	done
	c=$(rss_median crun)
	h=$(rss_median holo)
	r=$(rss_median runc)
	kib() { if [ -n "$1" ]; then echo "$1 KiB"; else echo "pending"; fi; }
	printf '| peak RSS of `run` (median) | %s | %s | %s | %s | %s | %s (holo ≤ crun) |\n' "$(kib "$c")" "$(kib "$h")" \
		"$(kib "$r")" "$(ratio "$h" "$c")" "$(ratio "$h" "$r")" "$(goal "$h" "$c" 1)"
)
details=$(
	echo "| workload | runtime | version | runs | median | mean ± σ | min |"
	echo "| --- | --- | --- | ---: | ---: | ---: | ---: |"
	for workload in "${WORKLOADS[@]}"; do
		jq -r '.[] | [.command, .median, .mean, .stddev, .min, .n] | @tsv' "$WORK/pooled-$workload.json" |
			while IFS=$'\t' read -r name med mean sd min n; do
				version=$("${BIN[$name]}" --version 2>/dev/null | head -1 | awk '{print $NF}')
				printf '| %s | %s | %s | %s | %s ms | %s ± %s ms | %s ms |\n' "$workload" "$name" "$version" "$n" \
					"$(ms "$med")" "$(ms "$mean")" "$(ms "$sd")" "$(ms "$min")"
			done
	done
	for name in "${PENDING[@]}"; do
		echo "| all | $name | – | – | pending | | |"
	done
)
rss_raw=$(for name in "${NAMES[@]}"; do
	[ -f "$WORK/rss-$name" ] && echo "$name: $(sort -n "$WORK/rss-$name" | paste -sd' ')"
done)
echo
echo "$summary"
echo
echo "$details"
echo
echo "$rss_raw"

if [ -n "$STATE_DIR" ]; then
	STATE_WHERE="in $STATE_DIR ($(stat -f -c %T "$STATE_DIR"))"
else
	STATE_WHERE="a tmpfs, as /run on a systemd host"
fi
if [ -n "${HOLOGRAM_DISABLE:-}${HOLOGRAM_ENFORCE:-}${HOLOGRAM_WITNESS_URL:-}" ]; then
	STATE_WHERE="$STATE_WHERE; Hologram environment: $(env | grep '^HOLOGRAM_' | paste -sd' ')"
fi
if [ "$UPDATE" = 1 ]; then
	# This run's section replaces the previous one; other sections (phases,
	# the shim, Hologram) are kept.
	others=$(awk '/<!-- run: begin/ { skip = 1 } !skip { print } /<!-- run: end -->/ { skip = 0 }' \
		"$SRC/bench/RESULTS.md" 2>/dev/null | sed '/^# Benchmark results$/d')
	{
		cat <<-EOF
			# Benchmark results

			<!-- run: begin (bench/run.sh) -->

			holo, runc and crun on one busybox bundle, interleaved run by run
			(bench/interleave.c: each of $RUNS rounds times one run of every runtime, in a
			rotated order; $WARMUP warm-up rounds first); inside one private mount namespace with
			\`/sys/fs/cgroup/unified\` unmounted (Debian's crun refuses the hybrid cgroup
			layout otherwise).  State roots: $STATE_WHERE.  Lower is better; ratios are
			of medians.  Shared 2-core machines are noisy: compare the ratios of one
			run, not absolute times across runs.

			Command (from the build tree, as root):

			    sudo bash bench/run.sh --runs $RUNS --warmup $WARMUP${STATE_DIR:+ --state-dir $STATE_DIR} --update

			Machine: $(nproc) cores, kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME"), $(date -u +%Y-%m-%d);
			load average before the run: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg).

			$summary

			$details

			Peak RSS samples (KiB, sorted):

			$(sed 's/^/    /' <<<"$rss_raw")
			<!-- run: end -->
		EOF
		printf '%s\n' "$others"
	} >"$SRC/bench/RESULTS.md.new"
	mv "$SRC/bench/RESULTS.md.new" "$SRC/bench/RESULTS.md"
	echo "bench: wrote bench/RESULTS.md"
fi
