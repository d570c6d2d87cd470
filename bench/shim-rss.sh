#!/bin/bash
# Memory of one idle container's shim: containerd-shim-holo-v2 against
# Debian's containerd-shim-runc-v2, each serving a busybox `sleep` under a
# private containerd (tests/shim/env.sh).  Reports the median over N
# containers per shim of VmRSS and Pss (smaps_rollup: shared library pages
# split among the processes that map them), and appends the table to
# bench/RESULTS.md as its own section (replacing an earlier run's).
#
#   bench/shim-rss.sh [N]        (default N=5; run as root from the build tree)
set -euo pipefail
N=${1:-5}
SHIM_SRC=$(cd "$(dirname "$0")/.." && pwd)
RESULTS=${RESULTS:-$SHIM_SRC/bench/RESULTS.md}
. "$SHIM_SRC/tests/shim/env.sh"

dir=$(mktemp -d /tmp/holo-shim-bench.XXXXXX)
cleanup() {
	SHIM_ENV=$dir shim_env_cleanup || true
	# runc shims too (shim_env_cleanup knows the holo ones).
	for p in $(pgrep -f "containerd-shim-runc-v2 .*-address $dir/containerd.sock" || true); do kill -9 "$p" 2>/dev/null || true; done
	rm -rf "$dir"
}
trap cleanup EXIT
shim_env_start "$dir"

# kB of FIELD in FILE for PID.
field() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/$3"
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

measure() {
	local runtime=$1 binary=$2 tag=$3 i pid
	: >"$dir/$tag.rss"
	: >"$dir/$tag.pss"
	for i in $(seq "$N"); do
		ctrd run -d --runtime "$runtime" "$SHIM_IMAGE" "$tag$i" sleep 100000 >/dev/null 2>&1
	done
	sleep 2 # let the shims settle (the Go runtime grows its heap at start)
	for i in $(seq "$N"); do
		# The server shim of this task (runc's re-executes itself with its
		# flags in another order).
		pid=
		for p in $(pgrep -f "$binary .*-id $tag$i( |$)"); do
			tr '\0' ' ' <"/proc/$p/cmdline" | grep -q -- "-address $dir/containerd.sock" && pid=$p
		done
		[ -n "$pid" ] || { echo "no shim found for $tag$i" >&2; exit 1; }
		field "$pid" VmRSS status >>"$dir/$tag.rss"
		field "$pid" Pss smaps_rollup >>"$dir/$tag.pss"
	done
	for i in $(seq "$N"); do
		ctrd task kill -s KILL "$tag$i" >/dev/null 2>&1 || true
	done
	sleep 1
	for i in $(seq "$N"); do
		ctrd task rm -f "$tag$i" >/dev/null 2>&1 || true
		ctrd container rm "$tag$i" >/dev/null 2>&1 || true
	done
}

measure io.containerd.holo.v2 containerd-shim-holo-v2 holo
measure io.containerd.runc.v2 containerd-shim-runc-v2 runc

holo_rss=$(median <"$dir/holo.rss")
holo_pss=$(median <"$dir/holo.pss")
runc_rss=$(median <"$dir/runc.rss")
runc_pss=$(median <"$dir/runc.pss")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b / a }'; }

section=$(
	cat <<-EOF
		<!-- shim-rss: begin (bench/shim-rss.sh) -->
		## containerd shim memory (bench/shim-rss.sh)

		One idle busybox \`sleep\` per shim under a private containerd $(containerd --version | awk '{print $3}'),
		median of $N containers each, measured $(date -u +%Y-%m-%d) on $(nproc) cores, kernel $(uname -r).

		| shim | VmRSS (KiB) | Pss (KiB) |
		| --- | ---: | ---: |
		| containerd-shim-holo-v2 | $holo_rss | $holo_pss |
		| containerd-shim-runc-v2 (Debian) | $runc_rss | $runc_pss |
		| runc-v2 / holo-v2 | $(ratio "$holo_rss" "$runc_rss")× | $(ratio "$holo_pss" "$runc_pss")× |

		All samples (KiB) — holo VmRSS: $(tr '\n' ' ' <"$dir/holo.rss")/ Pss: $(tr '\n' ' ' <"$dir/holo.pss");
		runc VmRSS: $(tr '\n' ' ' <"$dir/runc.rss")/ Pss: $(tr '\n' ' ' <"$dir/runc.pss")
		<!-- shim-rss: end -->
	EOF
)
echo "$section"

# Replace our own earlier section, leave everything else as it is.
touch "$RESULTS"
tmp=$(mktemp)
awk '/<!-- shim-rss: begin/ { skip = 1 } !skip { print } /<!-- shim-rss: end -->/ { skip = 0 }' "$RESULTS" >"$tmp"
# Drop trailing blank lines before appending.
sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$tmp"
{
	cat "$tmp"
	[ -s "$tmp" ] && echo
	echo "$section"
} >"$RESULTS"
rm -f "$tmp"
