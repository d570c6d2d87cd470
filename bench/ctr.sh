#!/bin/bash
# `ctr run --rm` of busybox `true` under a private containerd, through
# containerd-shim-holo-v2 (and holo) against Debian's containerd-shim-runc-v2
# (and runc): the whole engine path of a short-lived container, the two
# interleaved run by run (bench/interleave.c), RUNS runs each; ratio of the
# medians.  --update rewrites bench/RESULTS.md's "ctr" section.
#
#   sudo bash bench/ctr.sh [--runs N] [--update]
#
# containerd runs on the host as it is (hybrid cgroups: both shims drive v1
# controllers); tests/shim/env.sh sets up its root, socket and image.
set -euo pipefail
RUNS=40
WARMUP=3
UPDATE=0
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--update) UPDATE=1; shift ;;
	*) echo "usage: $0 [--runs N] [--update]" >&2; exit 2 ;;
	esac
done
SHIM_SRC=$(cd "$(dirname "$0")/.." && pwd)
RESULTS=${RESULTS:-$SHIM_SRC/bench/RESULTS.md}
. "$SHIM_SRC/tests/shim/env.sh"
for tool in cc jq containerd ctr containerd-shim-runc-v2; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done

dir=$(mktemp -d /tmp/holo-ctr-bench.XXXXXX)
cleanup() {
	SHIM_ENV=$dir shim_env_cleanup || true
	for p in $(pgrep -f "containerd-shim-runc-v2 .*-address $dir/containerd.sock" || true); do kill -9 "$p" 2>/dev/null || true; done
	rm -rf "$dir"
}
trap cleanup EXIT
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
shim_env_start "$dir"

ctr_cmd() { # RUNTIME-TYPE NAME
	echo "ctr --address $dir/containerd.sock --namespace $SHIM_NS run --rm --runtime $1 $SHIM_IMAGE bench-$2 true"
}
holo_cmd=$(ctr_cmd io.containerd.holo.v2 holo)
runc_cmd=$(ctr_cmd io.containerd.runc.v2 runc)
# Both must work before anything is timed.
$holo_cmd
$runc_cmd

cc -O2 -o "$dir/interleave" "$SHIM_SRC/bench/interleave.c"
"$dir/interleave" "$RUNS" "$WARMUP" "$dir/times" "holo=$holo_cmd" "runc=$runc_cmd"

jq -R -s 'split("\n") | map(select(length > 0) | split(" ") | {command: .[0], t: (.[1] | tonumber)})
	| group_by(.command) | map({command: .[0].command, times: (map(.t) | sort)})
	| map(. + {n: (.times | length)})
	| map(. + {median: (if .n % 2 == 1 then .times[(.n - 1) / 2] else (.times[.n / 2 - 1] + .times[.n / 2]) / 2 end),
	           mean: ((.times | add) / .n), min: .times[0]})
	| map(del(.times))' "$dir/times" >"$dir/pooled.json"
med() { jq -r --arg n "$1" '.[] | select(.command == $n) | .median' "$dir/pooled.json"; }
field() { jq -r --arg n "$1" --arg f "$2" '.[] | select(.command == $n) | .[$f]' "$dir/pooled.json"; }
ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }
h=$(med holo)
r=$(med runc)
ratio=$(awk -v a="$h" -v b="$r" 'BEGIN { printf "%.2f", a / b }')
goal=$(awk -v x="$ratio" 'BEGIN { print (x <= 0.7 ? "met" : "not met") }')

section=$(
	cat <<-EOF
		<!-- ctr: begin (bench/ctr.sh) -->
		## containerd: \`ctr run --rm\` (bench/ctr.sh)

		\`ctr run --rm IMAGE ID true\` of busybox under a private containerd $(containerd --version | awk '{print $3}'),
		interleaved run by run (bench/interleave.c): $WARMUP warm-up and $RUNS timed runs per shim;
		measured $(date -u +%Y-%m-%d), $(nproc) cores, kernel $(uname -r), load average
		$LOAD_BEFORE before, $(cut -d' ' -f1-3 /proc/loadavg) after.

		    sudo bash bench/ctr.sh --runs $RUNS --update

		| shim (runtime) | runs | median | mean | min |
		| --- | ---: | ---: | ---: | ---: |
		| containerd-shim-holo-v2 (holo) | $(field holo n) | $(ms "$h") ms | $(ms "$(field holo mean)") ms | $(ms "$(field holo min)") ms |
		| containerd-shim-runc-v2 (runc $(runc --version | awk 'NR == 1 {print $3}')) | $(field runc n) | $(ms "$r") ms | $(ms "$(field runc mean)") ms | $(ms "$(field runc min)") ms |

		holo's shim / runc's shim: **${ratio}×** (goal ≤ 0.7×: $goal).
		<!-- ctr: end -->
	EOF
)
echo "$section"

if [ "$UPDATE" = 1 ]; then
	tmp=$(mktemp)
	awk '/<!-- ctr: begin/ { skip = 1 } !skip { print } /<!-- ctr: end -->/ { skip = 0 }' "$RESULTS" >"$tmp"
	sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$tmp"
	{
		cat "$tmp"
		[ -s "$tmp" ] && echo
		echo "$section"
	} >"$RESULTS"
	rm -f "$tmp"
	echo "bench: wrote $RESULTS"
fi
