#!/bin/bash
# Hologram performance: cold UOR-ID throughput on a copy of /usr against
# sha256sum over the same files, warm (digest-cached) verification of a
# busybox rootfs and of /usr, and the latency enforce mode adds to `holo run`.
#
#   bench/hologram.sh [--append]    (--append: write the section into bench/RESULTS.md,
#                                    between its markers, touching nothing else)
#
# Environment: HOLO (default ./holo), WORK (default /var/tmp/holo-bench-hologram,
# holds the /usr copy; reused between runs), USR_SRC (default /usr),
# RUNS (hyperfine runs, default 20), BUSYBOX (default /usr/bin/busybox).
# Needs root (run), hyperfine, jq, openssl.  "Cold" means the digest cache is
# empty; the page cache is warmed first for both holo and sha256sum, so the
# numbers compare hashing, not the disk.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
HOLO=${HOLO:-$HERE/../holo}
HOLO=$(cd "$(dirname "$HOLO")" && pwd)/$(basename "$HOLO")
WORK=${WORK:-/var/tmp/holo-bench-hologram}
USR_SRC=${USR_SRC:-/usr}
RUNS=${RUNS:-20}
BUSYBOX=${BUSYBOX:-/usr/bin/busybox}
APPEND=false
[ "${1:-}" = --append ] && APPEND=true

for tool in hyperfine jq openssl sha256sum; do
	command -v "$tool" >/dev/null || {
		echo "bench/hologram.sh: needs $tool" >&2
		exit 1
	}
done

mkdir -p "$WORK"
USR=$WORK/usr
STATE=$WORK/state
log() { echo "# $*" >&2; }

# ------------------------------------------------------------------ trees

if [ ! -d "$USR" ]; then
	log "copying $USR_SRC to $USR"
	cp -a "$USR_SRC" "$USR.tmp"
	mv "$USR.tmp" "$USR"
fi
n_files=$(find "$USR" -type f | wc -l)
bytes=$(find "$USR" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.0f", s}')
n_entries=$(find "$USR" -mindepth 1 | wc -l)
mb=$(awk -v b="$bytes" 'BEGIN {printf "%.0f", b / 1e6}')
log "$USR: $n_entries entries, $n_files files, $mb MB"

BUNDLE=$WORK/bundle
if [ ! -d "$BUNDLE/rootfs" ]; then
	mkdir -p "$BUNDLE/rootfs/bin" "$BUNDLE/rootfs"/{dev,proc,sys,tmp,etc}
	cp "$BUSYBOX" "$BUNDLE/rootfs/bin/busybox"
	for a in $("$BUSYBOX" --list); do
		[ "$a" = busybox ] || ln -sf busybox "$BUNDLE/rootfs/bin/$a"
	done
	(cd "$BUNDLE" && "$HOLO" spec >/dev/null)
	jq '.process.terminal = false | .process.args = ["true"]' "$BUNDLE/config.json" >"$BUNDLE/c" &&
		mv "$BUNDLE/c" "$BUNDLE/config.json"
	# Digests of files changed within 2 s are not cached: age the tree.
	sleep 2.5
fi

# ----------------------------------------------------------------- helpers

# The machine may be shared: every figure is given as wall time and as CPU
# time (user + system, children included), which other jobs disturb less.
measure() { # measure FUNCTION: "wall cpu" seconds of one run
	local out
	out=$({ /usr/bin/time -f "%e %U %S" bash -c "$(declare -f "$1"); $1 >/dev/null" 2>&1 1>/dev/null; } | tail -1)
	awk '{printf "%.2f %.2f", $1, $2 + $3}' <<<"$out"
}
mbps() { awk -v b="$bytes" -v s="$1" 'BEGIN {printf "%.0f", b / 1e6 / s}'; }
median_ms() { # median_ms NAME CMD: "median-wall-ms mean-cpu-ms" from hyperfine
	local json=$WORK/hf-$1.json
	shift
	hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$json" "$@" >/dev/null 2>&1 ||
		hyperfine --warmup 2 --runs "$RUNS" --export-json "$json" "$@" >/dev/null
	jq -r '.results[0] | "\(.median * 10000 | round / 10) \((.user + .system) * 10000 | round / 10)"' "$json"
}

cat_all() { find "$USR" -type f -print0 | xargs -0 cat; }
sha_all() { find "$USR" -type f -print0 | xargs -0 sha256sum; }
sha_all_parallel() { find "$USR" -type f -print0 | xargs -0 -P "$(nproc)" -n 500 sha256sum; }
holo_cold() { "$HOLO" --root "$STATE" hologram id --no-cache "$USR"; }
holo_cold_1() { HOLOGRAM_UOR_THREADS=1 "$HOLO" --root "$STATE" hologram id --no-cache "$USR"; }

# ------------------------------------------------------------ cold /usr

log "warming the page cache"
find "$USR" -type f -print0 | xargs -0 cat >/dev/null
sha_all >/dev/null

log "cold UOR-ID vs sha256sum (best of 3)"
export USR HOLO STATE
best() { # best FUNCTION: "wall cpu" of the run with the least CPU time
	local b="" m i
	for i in 1 2 3; do
		m=$(measure "$1")
		if [ -z "$b" ] || awk -v a="${b#* }" -v c="${m#* }" 'BEGIN {exit !(c < a)}'; then
			b=$m
		fi
	done
	echo "$b"
}
t_cat=$(best cat_all)
t_sha=$(best sha_all)
t_sha_p=$(best sha_all_parallel)
t_holo_1=$(best holo_cold_1)
t_holo=$(best holo_cold)

# ------------------------------------------------------------ warm (cached)

rm -rf "$STATE"
"$HOLO" --root "$STATE" hologram id "$USR" >/dev/null
"$HOLO" --root "$STATE" hologram id "$BUNDLE" >/dev/null
log "warm verification"
warm_usr=$(median_ms usr "$HOLO --root $STATE hologram id $USR")
warm_bb=$(median_ms bb "$HOLO --root $STATE hologram id $BUNDLE")
cold_bb=$(median_ms bbcold "$HOLO --root $STATE hologram id --no-cache $BUNDLE")
bb_entries=$(find "$BUNDLE/rootfs" -mindepth 1 | wc -l)

# ------------------------------------------------- enforce latency on run

log "holo run latency"
openssl genpkey -algorithm ed25519 -out "$WORK/key.pem" 2>/dev/null
mkdir -p "$WORK/trust.d"
openssl pkey -in "$WORK/key.pem" -pubout -out "$WORK/trust.d/bench.pem"
"$HOLO" --root "$STATE" hologram sign --key "$WORK/key.pem" "$BUNDLE" >/dev/null
RUNROOT=$WORK/runroot
common="HOLOGRAM_POLICY_FILE=/nonexistent HOLOGRAM_TRUST_DIR=$WORK/trust.d HOLOGRAM_WITNESS_ENDPOINT=http://127.0.0.1:9"
run_off=$(median_ms off "env $common HOLOGRAM_DISABLE=1 $HOLO --root $RUNROOT run -b $BUNDLE bench-off")
run_enf=$(median_ms enforce "env $common HOLOGRAM_ENFORCE=1 $HOLO --root $RUNROOT run -b $BUNDLE bench-enf")
run_enf_cold=$(median_ms enforcecold \
	--prepare "rm -rf $RUNROOT/hologram-cache" \
	"env $common HOLOGRAM_ENFORCE=1 $HOLO --root $RUNROOT run -b $BUNDLE bench-enfc")
mv "$BUNDLE/hologram.witness.json" "$WORK/witness.json"
run_perm=$(median_ms permissive "env $common $HOLO --root $RUNROOT run -b $BUNDLE bench-perm")
mv "$WORK/witness.json" "$BUNDLE/hologram.witness.json"

# ------------------------------------------------------------------ report

row() { # row LABEL WALL CPU
	printf '| %s | %s | %s | %s | %s |' "$1" "$2" "$(mbps "$2")" "$3" "$(mbps "$3")"
}
diff_ms() { awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN {split(a, x, " "); split(b, y, " "); printf "%.1f", x[f] - y[f]}'; }

section() {
	cat <<-EOF

		## Hologram (bench/hologram.sh, $(date -u +%Y-%m-%d))

		Host: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), $(uname -r),
		load average at the end $(cut -d' ' -f1-3 /proc/loadavg) (other jobs share the machine).
		Tree: a copy of $USR_SRC, $n_entries entries, $n_files regular files, $mb MB. Page cache warm
		for every tool ("cold" = empty digest cache); best of 3.

		| cold UOR-ID of the $USR_SRC copy | wall (s) | MB/s wall | CPU (s) | MB/s per CPU-s |
		| --- | ---: | ---: | ---: | ---: |
		$(row "cat (reading only, for reference)" $t_cat)
		$(row "sha256sum, one process (find \| xargs)" $t_sha)
		$(row "sha256sum, $(nproc) processes (xargs -P)" $t_sha_p)
		$(row "holo hologram id --no-cache, 1 thread" $t_holo_1)
		$(row "holo hologram id --no-cache, default threads" $t_holo)

		| verification (hyperfine, $RUNS runs) | median wall (ms) | mean CPU (ms) |
		| --- | ---: | ---: |
		| busybox rootfs ($bb_entries entries), digest cache cold | ${cold_bb% *} | ${cold_bb#* } |
		| busybox rootfs, digest cache warm | ${warm_bb% *} | ${warm_bb#* } |
		| $USR_SRC copy ($n_entries entries), digest cache warm | ${warm_usr% *} | ${warm_usr#* } |

		| holo run of the busybox bundle (\`true\`), $RUNS runs | median wall (ms) | mean CPU (ms) |
		| --- | ---: | ---: |
		| HOLOGRAM_DISABLE=1 (off) | ${run_off% *} | ${run_off#* } |
		| HOLOGRAM_ENFORCE=1, witness in the bundle, digest cache warm | ${run_enf% *} | ${run_enf#* } |
		| HOLOGRAM_ENFORCE=1, witness in the bundle, digest cache emptied before each run | ${run_enf_cold% *} | ${run_enf_cold#* } |
		| permissive, no witness (endpoint refused), cache warm | ${run_perm% *} | ${run_perm#* } |

		Added by enforce mode (warm cache): $(diff_ms "$run_enf" "$run_off" 1) ms wall, $(diff_ms "$run_enf" "$run_off" 2) ms CPU.
	EOF
}

section
if $APPEND; then
	# Our section only, between markers: replaced if there, else appended.
	results=$HERE/RESULTS.md
	{
		echo "<!-- hologram: begin (bench/hologram.sh) -->"
		section | sed '1{/^$/d}'
		echo "<!-- hologram: end -->"
	} >"$WORK/section.md"
	touch "$results"
	if grep -q '^<!-- hologram: begin' "$results"; then
		awk -v f="$WORK/section.md" '
			/^<!-- hologram: begin/ { while ((getline l < f) > 0) print l; skip = 1; next }
			/^<!-- hologram: end/ { skip = 0; next }
			!skip' "$results" >"$results.new"
	else
		{
			cat "$results"
			echo
			cat "$WORK/section.md"
		} >"$results.new"
	fi
	mv "$results.new" "$results"
	log "section written to $results"
fi
