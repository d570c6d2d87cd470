#!/bin/bash
# libFuzzer targets under AddressSanitizer + UBSan, each for a bounded time.
#
#   bash tests/fuzz/run.sh                 every tests/fuzz/fuzz-*.c
#   bash tests/fuzz/run.sh spec witness    only these targets
#   HOLO_FUZZ_SECONDS=300 bash tests/fuzz/run.sh spec
#
# A target is tests/fuzz/fuzz-NAME.c defining LLVMFuzzerTestOneInput, whose
# first lines say what it links beside libholo.a (repository paths, may be
# empty; every generated source, e.g. src/shim/proto/x.pb-c.c, is made first):
#   /* fuzz-sources: src/shim/ttrpc/frame.c src/shim/proto/ttrpc.pb-c.c */
#   /* fuzz-libs: -lprotobuf-c */
# and whose seed corpus is tests/fuzz/corpus/NAME/.  Every file there is run
# first, so a crash once found stays a regression test as a corpus file.
#
# One TAP line per target on stdout ("ok fuzz-NAME: ..." or "not ok ...").
# libholo is built by clang in its own copy of the tree ($HOLO_FUZZ_BUILD,
# default build-fuzz/, kept between runs so a rerun only rebuilds changes).
# The targets run $HOLO_FUZZ_JOBS at a time, one core each: the wall time
# is about ceil(targets / jobs) * HOLO_FUZZ_SECONDS, plus the build.
# Environment:
#   HOLO_FUZZ_SECONDS  time per target (default 45)
#   HOLO_FUZZ_JOBS     targets run at once (default: the number of cores)
#   HOLO_FUZZ_BUILD    build directory
#   HOLO_TEST_LOGS     where logs and crash artifacts go (tests/work/logs)
set -uo pipefail

# All of it in one block: bash parses it whole before running it, so editing
# this file while a run is going does not break that run.
{

cd "$(dirname "$0")/../.."
SRC=$(pwd)
SECONDS_PER_TARGET=${HOLO_FUZZ_SECONDS:-45}
JOBS=${HOLO_FUZZ_JOBS:-$(nproc)}
BUILD=${HOLO_FUZZ_BUILD:-$SRC/build-fuzz}
LOG_DIR=${HOLO_TEST_LOGS:-$SRC/tests/work/logs}
mkdir -p "$LOG_DIR"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"

targets() {
	if [ $# -gt 0 ]; then
		local n
		for n in "$@"; do echo "tests/fuzz/fuzz-$n.c"; done
	else
		ls tests/fuzz/fuzz-*.c 2>/dev/null
	fi
}

# The value of a "/* fuzz-KEY: ... */" line among the first lines of FILE.
header_value() {
	head -n 20 "$2" | sed -n "s|^/\* *fuzz-$1: *\(.*\)\*/ *\$|\1|p" | head -1 | sed 's/ *$//'
}

# A copy of the tree (as tests/run.sh's sanitizer build), configured with
# clang and libholo.a instrumented for coverage and the sanitizers.
build_libholo() {
	mkdir -p "$BUILD"
	git ls-files -co --exclude-standard | grep -vE '^build-[^/]*/' | tar -cf - -T - | tar -xf - -C "$BUILD" || return 1
	(
		cd "$BUILD" || exit 1
		if [ ! -f Makefile ]; then
			./autogen.sh && ./configure --enable-werror CC=clang \
				CFLAGS="-g -O1 -fsanitize=fuzzer-no-link $SAN" || exit 1
		fi
		make -j"$(nproc)" libholo.a
	) >"$LOG_DIR/fuzz-build.log" 2>&1 || return 1
	# Every generated source (the .pb-c.c/.h of the shim and CRIU), so that a
	# target can link one whose header includes another.
	# shellcheck disable=SC2046 # a list of files
	make -C "$BUILD" $(make_var BUILT_SOURCES) >>"$LOG_DIR/fuzz-build.log" 2>&1
}

# A variable of the configured Makefile (LIB_CFLAGS, LIB_LIBS, ...).
make_var() {
	make -s -C "$BUILD" -f Makefile -f - "print-$1" <<EOF 2>/dev/null
print-%:
	@echo \$(\$*)
EOF
}

build_target() {
	local src=$1 out=$2 log=$3
	local sources libs s
	sources=$(header_value sources "$src")
	libs=$(header_value libs "$src")
	local files=()
	for s in $sources; do
		if [ ! -f "$BUILD/$s" ]; then
			make -C "$BUILD" "$s" >>"$log" 2>&1 || return 1
		fi
		files+=("$BUILD/$s")
	done
	# shellcheck disable=SC2086 # flag lists split on purpose
	clang -g -O1 -fsanitize=fuzzer $SAN $(make_var WARN_CFLAGS) \
		-include "$BUILD/config.h" -I"$BUILD/src" -I"$BUILD/src/shim/proto" -I"$BUILD/src/libcontainer/criu" \
		$(make_var LIB_CFLAGS) $(make_var PROTOBUF_C_CFLAGS) \
		-o "$out" "$SRC/$src" "${files[@]}" "$BUILD/libholo.a" $libs $(make_var LIB_LIBS) >>"$log" 2>&1
}

# Runs one built target; prints its TAP line.
run_target() {
	local name=$1 bin=$2 log=$3
	local seeds=$SRC/tests/fuzz/corpus/$name
	local work=$BUILD/corpus/$name
	mkdir -p "$work" "$seeds"
	local artifacts=$LOG_DIR/fuzz-$name-artifacts
	rm -rf "$artifacts"
	mkdir -p "$artifacts"
	# Leaks count as failures: a parser that leaks on bad input is a bug too.
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		timeout -k 10 $((SECONDS_PER_TARGET + 120)) "$bin" -max_total_time="$SECONDS_PER_TARGET" \
		-timeout=10 -rss_limit_mb=2048 -close_fd_mask=3 -print_final_stats=1 -artifact_prefix="$artifacts/" \
		"$work" "$seeds" >>"$log" 2>&1
	local rc=$?
	local runs
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	local corpus
	corpus=$(find "$work" "$seeds" -type f | wc -l)
	if [ "$rc" -eq 0 ]; then
		echo "ok fuzz-$name: ${runs:-?} runs in ${SECONDS_PER_TARGET} s, corpus $corpus, no crash"
	else
		local what
		what=$(grep -m1 -oE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer): [a-zA-Z-]+|runtime error: .*' "$log")
		echo "not ok fuzz-$name: exit $rc ${what:+($what) }after ${runs:-?} runs; input in $artifacts, log $log"
	fi
}

if ! command -v clang >/dev/null; then
	echo "not ok fuzz: clang is not installed (apt-get install clang libclang-rt-14-dev)"
	exit 1
fi
list=$(targets "$@")
if [ -z "$list" ]; then
	echo "not ok fuzz: no target tests/fuzz/fuzz-*.c"
	exit 1
fi
if ! build_libholo; then
	echo "not ok fuzz: building libholo with clang failed (see $LOG_DIR/fuzz-build.log)"
	tail -20 "$LOG_DIR/fuzz-build.log" | sed 's/^/# /'
	exit 1
fi
# Builds one target (one at a time: generated sources are made on the
# way); on failure its TAP line goes to $BUILD/tests/fuzz/NAME.tap.
build_one() {
	local src=$1 name=$2
	local log=$LOG_DIR/fuzz-$name.log tap=$BUILD/tests/fuzz/$name.tap
	: >"$log"
	if [ ! -f "$src" ]; then
		echo "not ok fuzz-$name: no file $src" >"$tap"
		return 1
	fi
	if ! build_target "$src" "$BUILD/tests/fuzz/fuzz-$name" "$log"; then
		{
			echo "not ok fuzz-$name: build failed (see $log)"
			grep -m5 -E 'error|undefined reference' "$log" | sed 's/^/# /'
		} >"$tap"
		return 1
	fi
}

mkdir -p "$BUILD/tests/fuzz"
names=()
built=()
for src in $list; do
	name=$(basename "$src" .c)
	name=${name#fuzz-}
	names+=("$name")
	rm -f "$BUILD/tests/fuzz/$name.tap"
	build_one "$src" "$name" && built+=("$name")
done
# The runs, $JOBS at a time.
running=0
for name in "${built[@]}"; do
	run_target "$name" "$BUILD/tests/fuzz/fuzz-$name" "$LOG_DIR/fuzz-$name.log" >"$BUILD/tests/fuzz/$name.tap" &
	running=$((running + 1))
	if [ "$running" -ge "$JOBS" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait
failed=0
for name in "${names[@]}"; do
	if [ -s "$BUILD/tests/fuzz/$name.tap" ]; then
		cat "$BUILD/tests/fuzz/$name.tap"
	else
		echo "not ok fuzz-$name: no result (the runner died)"
	fi
	grep -q '^not ok' "$BUILD/tests/fuzz/$name.tap" 2>/dev/null && failed=1
	[ -s "$BUILD/tests/fuzz/$name.tap" ] || failed=1
done
exit $failed
}
