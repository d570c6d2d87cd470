#!/bin/bash
# The whole test suite, on a fresh Debian 12 machine, as root:
#   sudo bash tests/run.sh
# It installs what it needs from Debian's archive, builds holo with
# -Werror, runs the unit tests (plain, then under AddressSanitizer and
# UBSan), the integration tests against real containers on this host
# (cgroup v1/hybrid here), the OCI runtime-tools validation suite, the
# engine suites (Docker, Podman, containerd, CRI: tests/engines), the cgroup
# v2 / CRIU suite inside a VM, then the systemd suite in the VM booted with
# systemd as PID 1.
# The last line is "N passed, N failed, N skipped", counting every test.
#
#   tests/run.sh --integration-only   skip install, build and unit tests
#                                     (e.g. RUNTIME=/usr/sbin/runc to check
#                                     the tests themselves against runc)
#   HOLO_SKIP_VM=1 tests/run.sh       no VM suite
#   HOLO_SKIP_FUZZ=1 tests/run.sh     no fuzzing (HOLO_FUZZ_SECONDS: time per target)
#   HOLO_TESTS="a.bats b.bats"        only these integration files (and no
#                                     engine suite unless HOLO_ENGINES names one;
#                                     HOLO_TESTS=none: no integration file)
#   HOLO_SKIP_OCI=1 tests/run.sh      no OCI runtime-tools validation suite
#   HOLO_ENGINES="docker.bats cri.bats"  only these engine suites (tests/engines)
#   HOLO_SKIP_ENGINES=1               no engine suite
set -uo pipefail

cd "$(dirname "$0")/.."
SRC=$(pwd)
LOG_DIR=${HOLO_TEST_LOGS:-$SRC/tests/work/logs}
mkdir -p "$LOG_DIR"
MODE=all
[ "${1:-}" = --integration-only ] && MODE=integration

PACKAGES=(build-essential autoconf automake libtool pkg-config
	libyajl-dev libseccomp-dev libcap-dev libcurl4-openssl-dev libssl-dev
	libselinux1-dev libapparmor-dev protobuf-c-compiler libprotobuf-c-dev
	busybox-static bats jq runc crun criu containerd uidmap iproute2
	iptables python3 openssl curl procps psmisc util-linux strace libcap2-bin e2fsprogs
	qemu-system-x86 cpio kmod clang-format clang libclang-rt-14-dev golang-go
	libsystemd-dev systemd dbus dbus-user-session
	docker.io docker-compose podman conmon catatonit
	python3-grpcio python3-protobuf protobuf-compiler)

step() { printf '\n=== %s\n' "$*"; }

install_deps() {
	local missing=()
	local p
	for p in "${PACKAGES[@]}"; do
		dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	step "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# Packages with daemons (docker.io, containerd) must not start them on
	# the host's default sockets: the tests start their own. Debian's
	# maintainer scripts ask policy-rc.d; one that says no is put in place
	# for the install if the machine has none.
	local policy=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		policy=/usr/sbin/policy-rc.d
		printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
	fi
	local rc=0
	apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$LOG_DIR/apt.log" 2>&1 || rc=1
	[ -n "$policy" ] && rm -f "$policy"
	if [ "$rc" != 0 ]; then
		tail -20 "$LOG_DIR/apt.log"
		return 1
	fi
}

build() {
	step "building holo"
	{ [ -x configure ] || ./autogen.sh; } >"$LOG_DIR/build.log" 2>&1 &&
		./configure --enable-werror >>"$LOG_DIR/build.log" 2>&1 &&
		make -j"$(nproc)" >>"$LOG_DIR/build.log" 2>&1 || {
		tail -40 "$LOG_DIR/build.log"
		return 1
	}
}

# TAP-ish lines from every runner go to one file; the summary counts them.
RESULTS=$LOG_DIR/results.tap
: >"$RESULTS"

record() {
	# stdin: lines "ok ...", "not ok ...", "ok ... # skip ..."
	grep -E '^(not )?ok ' | tee -a "$RESULTS" >/dev/null
}

unit_tests() {
	local dir=$1 label=$2
	step "unit tests ($label)"
	(cd "$dir" && make -j"$(nproc)" check >"$LOG_DIR/unit-$label.log" 2>&1)
	local t
	for t in "$dir"/tests/unit/test-*.log; do
		[ -f "$t" ] || continue
		sed -n 's/^\(not ok\|ok\) - /\1 '"$(basename "$t" .log)"': /p' "$t"
	done | record
	# A unit program that crashed (e.g. a sanitizer report) prints no final
	# "not ok": count it from automake's summary.
	if grep -qE '^# (FAIL|ERROR): +[1-9]' "$LOG_DIR/unit-$label.log"; then
		grep -E '^(FAIL|ERROR):' "$LOG_DIR/unit-$label.log" | sed 's/^/not ok unit program /' | record
	fi
	grep -E '^(not ok|# )' "$dir"/tests/unit/test-*.log | head -20
}

# The sanitizer build lives in its own copy of the sources (automake
# refuses a second, VPATH build of an already configured tree).
asan_build() {
	step "building with AddressSanitizer + UBSan"
	rm -rf build-asan
	mkdir -p build-asan
	git ls-files -co --exclude-standard | grep -v '^build-asan/' | tar -cf - -T - | tar -xf - -C build-asan
	(cd build-asan && ./autogen.sh >"$LOG_DIR/asan-build.log" 2>&1 &&
		./configure --enable-werror --enable-sanitizers >>"$LOG_DIR/asan-build.log" 2>&1 &&
		make -j"$(nproc)" >>"$LOG_DIR/asan-build.log" 2>&1) || {
		tail -30 "$LOG_DIR/asan-build.log"
		echo "not ok asan build" | record
		return 1
	}
}

# run_bats FILE [LOG-PREFIX]: one bats file, its results recorded.
run_bats() {
	local f=$1 name
	name=$(basename "$f" .bats)
	local tap=$LOG_DIR/${2:-}$name.tap t0=$SECONDS
	RUNTIME=${RUNTIME:-$SRC/holo} timeout 1200 bats --tap "$f" >"$tap" 2>&1
	# Prefix each result with the file's name unless the test names it already.
	sed -E "/^(not )?ok [0-9]+ $name[ :]/I! s/^((not )?ok [0-9]+ )/\\1$name: /" "$tap" | record
	# Tests that never reported (the file hit its time limit, bats died, or
	# the file does not parse) are failures too.
	local plan got
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$tap" | head -1)
	got=$(grep -cE '^(not )?ok ' "$tap")
	if [ -z "$plan" ]; then
		echo "not ok $name: bats produced no TAP plan (see $tap)" | record
	elif [ "$plan" -gt "$got" ]; then
		echo "not ok $name: $((plan - got)) of $plan tests never reported (time limit or crash)" | record
	fi
	grep -A15 '^not ok' "$tap" | head -60
	printf '%-20s %s\n' "$name" "$(grep -c '^ok' "$tap") ok, $(grep -c '^not ok' "$tap") not ok ($((SECONDS - t0)) s)"
}

# libFuzzer targets (tests/fuzz/fuzz-*.c), each HOLO_FUZZ_SECONDS (45 s).
fuzz_tests() {
	[ "${HOLO_SKIP_FUZZ:-0}" = 1 ] && return 0
	step "fuzzing (${HOLO_FUZZ_SECONDS:-45} s per target)"
	HOLO_TEST_LOGS=$LOG_DIR bash tests/fuzz/run.sh >"$LOG_DIR/fuzz.tap" 2>&1
	record <"$LOG_DIR/fuzz.tap"
	grep -E '^(ok|not ok|# )' "$LOG_DIR/fuzz.tap" | head -20
}

integration_tests() {
	step "integration tests on the host (RUNTIME=${RUNTIME:-$SRC/holo})"
	local files
	if [ "${HOLO_TESTS:-}" = none ]; then
		return 0
	elif [ -n "${HOLO_TESTS:-}" ]; then
		files=$HOLO_TESTS
	else
		files=$(ls tests/integration/*.bats tests/oci-validation/*.bats)
	fi
	local f
	for f in $files; do
		[ -f "$f" ] || [ ! -f "tests/oci-validation/$f" ] || f=tests/oci-validation/$f
		[ -f "$f" ] || f=tests/integration/$f
		run_bats "$f"
	done
}

# Docker, Podman, containerd (ctr) and its CRI plugin, each with private
# daemons, every case under runc and under holo (tests/engines/).
engine_tests() {
	[ "${HOLO_SKIP_ENGINES:-0}" = 1 ] && return 0
	local files
	if [ -n "${HOLO_ENGINES:-}" ]; then
		files=$HOLO_ENGINES
	elif [ -n "${HOLO_TESTS:-}" ]; then
		return 0 # a chosen set of integration files, and no engine named
	else
		files=$(ls tests/engines/*.bats)
	fi
	step "engines: Docker, Podman, containerd, CRI (holo = ${HOLO_BINARY:-${RUNTIME:-$SRC/holo}}, against runc)"
	local f
	for f in $files; do
		[ -f "$f" ] || f=tests/engines/$f
		HOLO_BINARY=${HOLO_BINARY:-${RUNTIME:-$SRC/holo}} run_bats "$f" engines-
	done
}

# The OCI runtime-tools suite (tests/oci-validation/run.sh): one TAP line
# per program; a program of its expected-pass list that fails is a failure.
# About 2-3 minutes, plus half a minute to build the suite the first time.
oci_validation() {
	[ "${HOLO_SKIP_OCI:-0}" = 1 ] && return 0
	[ -n "${HOLO_TESTS:-}" ] && return 0
	local rt=${RUNTIME:-$SRC/holo}
	step "OCI runtime-tools validation suite (RUNTIME=$rt)"
	case "$(basename "$rt")" in
	*holo*) ;;
	*)
		echo "ok oci-validation # skip its expected-pass list is holo's" | record
		return 0
		;;
	esac
	local t0=$SECONDS
	HOLO_TEST_LOGS=$LOG_DIR bash tests/oci-validation/run.sh "$rt" >"$LOG_DIR/oci-validation.tap" 2>&1
	record <"$LOG_DIR/oci-validation.tap"
	grep -E '^not ok|^# oci-validation' "$LOG_DIR/oci-validation.tap"
	printf '%-20s %s\n' "oci-validation" "$(grep -c '^ok' "$LOG_DIR/oci-validation.tap") ok, $(grep -c '^not ok' "$LOG_DIR/oci-validation.tap") not ok ($((SECONDS - t0)) s)"
}

vm_tests() {
	[ "${HOLO_SKIP_VM:-0}" = 1 ] && return 0
	[ -x tests/vm/run-tests.sh ] || return 0
	step "cgroup v2 + CRIU suite in the VM"
	if ! bash tests/vm/setup.sh >"$LOG_DIR/vm-setup.log" 2>&1; then
		tail -20 "$LOG_DIR/vm-setup.log"
		echo "not ok [v2] VM setup (see $LOG_DIR/vm-setup.log)" | record
		return 0
	fi
	RUNTIME=${RUNTIME:-$SRC/holo} bash tests/vm/run-tests.sh --criu >"$LOG_DIR/vm.tap" 2>"$LOG_DIR/vm.err"
	record <"$LOG_DIR/vm.tap"
	grep -A15 '^not ok' "$LOG_DIR/vm.tap" | head -60
	printf '%-20s %s\n' "vm" "$(grep -c '^ok' "$LOG_DIR/vm.tap") ok, $(grep -c '^not ok' "$LOG_DIR/vm.tap") not ok"
	# A second boot with systemd as PID 1: the systemd cgroup driver and
	# NOTIFY_SOCKET against a real systemd (tests/vm/systemd.bats).
	step "systemd suite in the VM"
	local t0=$SECONDS
	RUNTIME=${RUNTIME:-$SRC/holo} bash tests/vm/run-tests.sh --systemd --criu >"$LOG_DIR/vm-systemd.tap" 2>"$LOG_DIR/vm-systemd.err"
	record <"$LOG_DIR/vm-systemd.tap"
	grep -A15 '^not ok' "$LOG_DIR/vm-systemd.tap" | head -60
	printf '%-20s %s\n' "vm-systemd" "$(grep -c '^ok' "$LOG_DIR/vm-systemd.tap") ok, $(grep -c '^not ok' "$LOG_DIR/vm-systemd.tap") not ok ($((SECONDS - t0)) s)"
}

summary() {
	local skipped passed failed
	skipped=$(grep -cE '^ok .*# (skip|SKIP)' "$RESULTS")
	passed=$(($(grep -c '^ok ' "$RESULTS") - skipped))
	failed=$(grep -c '^not ok ' "$RESULTS")
	if [ "$failed" -gt 0 ]; then
		step "failures"
		grep '^not ok ' "$RESULTS"
	fi
	echo
	echo "(total time $((SECONDS / 60)) min $((SECONDS % 60)) s; logs in $LOG_DIR)"
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
}

lint() {
	step "lint (format, layering, walls, bats negations)"
	{
		bash tests/lint/format.sh
		bash tests/lint/layering.sh
		bash tests/lint/walls.sh
		bash tests/lint/bats-negation.sh
	} >"$LOG_DIR/lint.log" 2>&1
	record <"$LOG_DIR/lint.log"
	grep -A20 '^not ok' "$LOG_DIR/lint.log" | head -20
}

if [ "$MODE" = all ]; then
	install_deps || exit 1
	lint
	build || {
		echo "not ok build" | record
		summary
		exit 1
	}
	unit_tests "$SRC" plain
	asan_build && unit_tests "$SRC/build-asan" asan
	fuzz_tests
fi
if [ "$MODE" = integration ]; then
	# Only what is missing (bats, jq, busybox-static, ...) on a fresh machine.
	install_deps || exit 1
fi
integration_tests
oci_validation
engine_tests
vm_tests
summary
