#!/bin/bash
# Container start-to-exit latency: `RT run --bundle B ID` of busybox `true`,
# for holo, runc and crun in the same run, timed with hyperfine.
#
#   sudo bash bench/run.sh [--runs N] [--warmup N] [--rounds N] [--update]
#
# hyperfine times one command after the other; on a shared machine the load
# drifts meanwhile.  So the whole comparison is repeated ROUNDS times, each
# round in a rotated order, and the statistics pool every round's samples
# (ROUNDS x RUNS timings per runtime).
#
# All three run inside one private mount namespace whose cgroup2 mount
# /sys/fs/cgroup/unified is unmounted: Debian's crun refuses the host's hybrid
# cgroup layout otherwise (tests/TESTING notes), and every runtime must see
# the same host.  `run` in the foreground deletes the container when its
# process exits, so one id per runtime is reused run after run.
#
# Prints a markdown table (medians, and ratios to crun and runc); --update
# also rewrites bench/RESULTS.md with it.  A runtime whose binary is missing
# or does not run a container is reported as "pending" and left out.
#
# Environment: HOLO (default ./holo), RUNC (/usr/sbin/runc), CRUN
# (/usr/bin/crun), BUSYBOX (/usr/bin/busybox), BENCH_DIR (a temp dir).
set -euo pipefail

cd "$(dirname "$0")/.."
SRC=$(pwd)
RUNS=30
WARMUP=3
ROUNDS=3
UPDATE=0
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--warmup) WARMUP=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--update) UPDATE=1; shift ;;
	*) echo "usage: $0 [--runs N] [--warmup N] [--rounds N] [--update]" >&2; exit 2 ;;
	esac
done

HOLO=${HOLO:-$SRC/holo}
RUNC=${RUNC:-/usr/sbin/runc}
CRUN=${CRUN:-/usr/bin/crun}
BUSYBOX=${BUSYBOX:-/usr/bin/busybox}
for tool in hyperfine jq unshare "$BUSYBOX"; do
	command -v "$tool" >/dev/null || {
		echo "bench: $tool is missing (apt-get install hyperfine jq busybox-static)" >&2
		exit 1
	}
done

WORK=${BENCH_DIR:-$(mktemp -d /tmp/holo-bench.XXXXXX)}
trap 'rm -rf "$WORK"' EXIT

# The bundle: busybox-static and its applets, the runc spec template with
# no terminal and `true` as the process.
B=$WORK/bundle
mkdir -p "$B/rootfs/bin" "$B/rootfs/proc" "$B/rootfs/dev" "$B/rootfs/sys" "$B/rootfs/tmp"
cp "$BUSYBOX" "$B/rootfs/bin/busybox"
for a in $("$B/rootfs/bin/busybox" --list); do
	[ "$a" = busybox ] || ln -s busybox "$B/rootfs/bin/$a"
done
"$RUNC" spec --bundle "$B"
jq '.process.terminal = false | .process.args = ["/bin/true"]' "$B/config.json" >"$B/config.json.new"
mv "$B/config.json.new" "$B/config.json"

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

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# Everything below runs in the private mount namespace.
cat >"$WORK/inner.sh" <<'EOF'
set -u
umount /sys/fs/cgroup/unified 2>/dev/null || true
WORK=$1 RUNS=$2 WARMUP=$3 ROUNDS=$4
shift 4
cmds=()
ok=()
for spec in "$@"; do
	name=${spec%%=*}
	bin=${spec#*=}
	cmd="$bin --root $WORK/state-$name run --bundle $WORK/bundle bench-$name"
	# A runtime that cannot run the bundle yet is left out, not fatal.
	if $cmd >"$WORK/check-$name.log" 2>&1; then
		cmds+=(-n "$name" "$cmd")
		ok+=("$name")
	else
		echo "bench: $name failed a first run: $(tail -3 "$WORK/check-$name.log")" >&2
	fi
done
echo "${ok[*]}" >"$WORK/ran"
[ ${#cmds[@]} -gt 0 ] || exit 1
n=$(( ${#cmds[@]} / 3 ))
for ((round = 0; round < ROUNDS; round++)); do
	# Rotate the order of the runtimes from round to round.
	rotated=()
	for ((i = 0; i < n; i++)); do
		j=$(( (i + round) % n ))
		rotated+=("${cmds[@]:$((j * 3)):3}")
	done
	echo "--- round $((round + 1)) of $ROUNDS"
	hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" \
		--export-json "$WORK/results-$round.json" "${rotated[@]}" || exit 1
done
EOF
specs=()
for name in "${NAMES[@]}"; do
	specs+=("$name=${BIN[$name]}")
done
unshare -m bash "$WORK/inner.sh" "$WORK" "$RUNS" "$WARMUP" "$ROUNDS" "${specs[@]}"
for name in "${NAMES[@]}"; do
	grep -qw "$name" "$WORK/ran" || PENDING+=("$name")
done

# Every round's samples, pooled per runtime: median, mean, stddev, min (s).
jq -s '[.[].results[]] | group_by(.command) | map({command: .[0].command, times: (map(.times) | add | sort)})
	| map(. + {n: (.times | length)})
	| map(. + {median: (if .n % 2 == 1 then .times[(.n - 1) / 2] else (.times[.n / 2 - 1] + .times[.n / 2]) / 2 end),
	           mean: ((.times | add) / .n), min: .times[0]})
	| map(. + {stddev: ((((.times | map(. * .) | add) / .n) - .mean * .mean) | if . > 0 then sqrt else 0 end)})
	| map(del(.times))' "$WORK"/results-*.json >"$WORK/pooled.json"

# The table: median (ms), mean ± stddev, and median ratios to crun and runc.
median() {
	jq -r --arg n "$1" '.[] | select(.command == $n) | .median' "$WORK/pooled.json"
}
ms() { awk -v s="$1" 'BEGIN { printf "%.2f", s * 1000 }'; }
ratio() {
	if [ -n "$2" ]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }'; else echo "–"; fi
}
crun_median=$(median crun)
runc_median=$(median runc)
table=$(
	echo "| runtime | version | runs | median | mean ± σ | min | vs crun | vs runc |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
	jq -r '.[] | [.command, .median, .mean, .stddev, .min, .n] | @tsv' "$WORK/pooled.json" |
		while IFS=$'\t' read -r name med mean sd min n; do
			version=$("${BIN[$name]}" --version 2>/dev/null | head -1 | awk '{print $NF}')
			printf '| %s | %s | %s | %s ms | %s ± %s ms | %s ms | %s | %s |\n' "$name" "$version" "$n" "$(ms "$med")" \
				"$(ms "$mean")" "$(ms "$sd")" "$(ms "$min")" "$(ratio "$med" "$crun_median")" "$(ratio "$med" "$runc_median")"
		done
	for name in "${PENDING[@]}"; do
		echo "| $name | – | – | pending | | | | |"
	done
)
echo
echo "$table"

if [ "$UPDATE" = 1 ]; then
	# This run's section replaces the previous one; other sections (the
	# shim's memory, Hologram) are kept.
	others=$(awk '/<!-- run: begin/ { skip = 1 } !skip { print } /<!-- run: end -->/ { skip = 0 }' \
		"$SRC/bench/RESULTS.md" 2>/dev/null | sed '/^# Benchmark results$/d')
	{
	cat <<EOF
# Benchmark results

<!-- run: begin (bench/run.sh) -->

Start-to-exit latency of a container whose process is busybox \`true\`:
\`RT --root R run --bundle B ID\`, timed by hyperfine (\`-N\`), all runtimes in
the same invocation: $ROUNDS rounds, each in a rotated order of the runtimes,
of $WARMUP warm-up and $RUNS timed runs per runtime, samples pooled over the
rounds; inside one private mount namespace with \`/sys/fs/cgroup/unified\` unmounted
(Debian's crun refuses the hybrid cgroup layout otherwise).  Lower is better;
ratios are of medians.  Shared 2-core machines are noisy: compare the ratios
of one run, not absolute times across runs.

Command:

    sudo bash bench/run.sh --runs $RUNS --warmup $WARMUP --rounds $ROUNDS --update

Machine: $(nproc) cores, kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME"), $(date -u +%Y-%m-%d);
load average before the run: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg).
holo's time includes its Hologram check of the rootfs (UOR-ID from its digest
cache, permissive mode: no witness configured, so it warns and runs).

$table
<!-- run: end -->
EOF
	printf '%s\n' "$others"
	} >"$SRC/bench/RESULTS.md.new"
	mv "$SRC/bench/RESULTS.md.new" "$SRC/bench/RESULTS.md"
	echo "bench: wrote bench/RESULTS.md"
fi
