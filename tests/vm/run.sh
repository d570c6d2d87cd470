#!/bin/bash
# Boots the cgroup v2 test VM (Debian 6.1 kernel, qemu TCG) and runs COMMAND
# in it as root, by bash, in the current directory (the host's root is the
# VM's root, read-only through 9p with a tmpfs overlay on top: every host
# path is there, writes go to RAM and vanish with the VM).  COMMAND's stdout
# and stderr come back on run.sh's stdout and stderr (as they are written),
# and its exit status is run.sh's.
#
# Usage: tests/vm/run.sh [OPTIONS] [--] COMMAND [ARG...]
#   (several words are joined with spaces into one bash command, like ssh)
# Options:
#   --criu            load the kernel modules CRIU needs before COMMAND
#   --timeout SECS    limit for the whole VM, boot included (default 900,
#                     or $HOLO_VM_TIMEOUT); COMMAND itself gets SECS-30
#   --mem MB          guest memory (default 2048, or $HOLO_VM_MEM)
#   --env NAME[=VAL]  pass a variable into the VM (repeatable); RUNTIME,
#                     RUNTIME_KIND, REF_RUNTIME, RT_TIMEOUT and HOLO_* (but
#                     HOLO_VM_*) are passed by default
#   --cgroup PATH     the cgroup COMMAND runs in (default test.scope; ""
#                     for the root cgroup)
#   --out DIR         keep the run's files (stdout, stderr, status,
#                     console.log) in DIR instead of a removed temp dir
#   --console         copy the VM's console (kernel messages) to stderr
#   --shell           an interactive bash on the serial console instead
#                     (needs a terminal; ends when the shell exits)
#   --systemd         boot real systemd as PID 1 (cgroup v2, D-Bus system
#                     bus) and run COMMAND as the unit holo-vm-test.service
# Exit status: COMMAND's; 124 when the VM ran out of time; 125 when the VM
# failed (setup missing, boot failure, crash) -- with the reason on stderr.
#
# Needs tests/vm/setup.sh (run automatically when something is missing).

set -uo pipefail

# All of it in one block: bash parses it whole before running it, so editing
# this file while a run is going does not break that run.
{

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${HOLO_VM_CACHE:-/var/cache/holo-vm}
TIMEOUT=${HOLO_VM_TIMEOUT:-900}
MEM=${HOLO_VM_MEM:-2048}
CRIU=0
CGROUP=test.scope
KEEP_OUT=
CONSOLE=0
SHELL_MODE=0
SYSTEMD=0
ENV_NAMES=()
ENV_SETS=()

die() {
	echo "holo-vm: error: $*" >&2
	exit 125
}

while [ $# -gt 0 ]; do
	case $1 in
	--criu) CRIU=1 ;;
	--timeout) TIMEOUT=$2; shift ;;
	--timeout=*) TIMEOUT=${1#*=} ;;
	--mem) MEM=$2; shift ;;
	--mem=*) MEM=${1#*=} ;;
	--env) ENV_SETS+=("$2"); shift ;;
	--env=*) ENV_SETS+=("${1#*=}") ;;
	--cgroup) CGROUP=$2; shift ;;
	--cgroup=*) CGROUP=${1#*=} ;;
	--out) KEEP_OUT=$2; shift ;;
	--out=*) KEEP_OUT=${1#*=} ;;
	--console) CONSOLE=1 ;;
	--shell) SHELL_MODE=1 ;;
	--systemd) SYSTEMD=1 ;;
	-h | --help)
		sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	--) shift; break ;;
	-*) die "unknown option: $1 (see --help)" ;;
	*) break ;;
	esac
	shift
done
CGROUP=${CGROUP#/}
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] && [ "$TIMEOUT" -ge 30 ] || die "--timeout wants whole seconds, at least 30"
[[ "$MEM" =~ ^[0-9]+$ ]] || die "--mem wants megabytes"
if [ "$SHELL_MODE" = 1 ]; then
	[ $# -eq 0 ] || die "--shell takes no COMMAND"
	[ -t 0 ] || die "--shell needs a terminal on stdin"
	set -- exec bash -i
fi
[ $# -gt 0 ] || die "no COMMAND (see --help)"
[ "$(id -u)" = 0 ] || die "must run as root"

# ------------------------------------------------------------ setup
ready() {
	local v
	v=$(cat "$CACHE/kernel/VERSION" 2>/dev/null) &&
		[ -f "$CACHE/kernel/boot/vmlinuz-$v" ] &&
		[ -f "$CACHE/kernel/vmlinux" ] &&
		[ -f "$CACHE/initramfs.cpio" ] &&
		command -v qemu-system-x86_64 >/dev/null
}
# setup.sh decides by content (its stamp) whether the initramfs is stale; a
# fresh checkout's newer mtimes must not count as a change.
"$HERE/setup.sh" --quiet || die "tests/vm/setup.sh failed"
if ! ready; then
	"$HERE/setup.sh" --quiet || die "tests/vm/setup.sh failed"
	ready || die "tests/vm/setup.sh did not leave a kernel and initramfs in $CACHE"
fi
VER=$(cat "$CACHE/kernel/VERSION")
# The uncompressed ELF boots much faster (PVH entry, no xz under TCG).
KERNEL=$CACHE/kernel/vmlinux
[ -f "$KERNEL" ] || KERNEL=$CACHE/kernel/boot/vmlinuz-$VER
INITRD=$CACHE/initramfs.cpio
MODULES=$(cd "$CACHE/kernel/lib/modules" && pwd -P)

# ------------------------------------------------------------ the run's files
if [ -n "$KEEP_OUT" ]; then
	mkdir -p "$KEEP_OUT" || die "cannot create $KEEP_OUT"
	OUT=$(cd "$KEEP_OUT" && pwd)
	rm -f "$OUT"/{stdout,stderr,status,console.log,cmd,config,stage2.sh}
else
	OUT=$(mktemp -d "${TMPDIR:-/tmp}/holo-vm.XXXXXX") || die "mktemp failed"
fi
TAILS=()
QEMU_PID=
cleanup() {
	[ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null
	local p
	for p in "${TAILS[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "$KEEP_OUT" ] || rm -rf "$OUT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$SYSTEMD" = 1 ]; then
	[ "$SHELL_MODE" = 0 ] || die "--systemd and --shell do not go together"
	cp "$HERE/vm-init-systemd.sh" "$OUT/stage2.sh"
else
	cp "$HERE/vm-init.sh" "$OUT/stage2.sh"
fi
: >"$OUT/stdout"
: >"$OUT/stderr"
: >"$OUT/console.log"
chmod 0666 "$OUT/stdout" "$OUT/stderr"

{
	case $PWD in
	/tmp/*)
		# The VM has its own /tmp: bring the host's directory back in.
		printf 'mkdir -p -- %q && mount --bind -- %q %q || exit 125\n' "$PWD" "/.host-tmp/${PWD#/tmp/}" "$PWD"
		;;
	esac
	printf 'cd -- %q || exit 125\n' "$PWD"
	while IFS='=' read -r name _; do
		case $name in
		HOLO_VM_*) ;;
		RUNTIME | RUNTIME_KIND | REF_RUNTIME | RT_TIMEOUT | HOLO_*)
			printf 'export %s=%q\n' "$name" "${!name}"
			;;
		esac
	done < <(env -0 | tr '\0\n' '\n\1' | grep -a '^[A-Za-z_][A-Za-z0-9_]*=')
	for e in "${ENV_SETS[@]}"; do
		name=${e%%=*}
		[[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "--env: bad name: $name"
		if [[ "$e" == *=* ]]; then
			printf 'export %s=%q\n' "$name" "${e#*=}"
		elif [ -n "${!name+x}" ]; then
			printf 'export %s=%q\n' "$name" "${!name}"
		fi
	done
	printf '%s\n' "$*"
} >"$OUT/cmd"

# COMMAND's own limit, so that its output and status still come back.
INNER=0
[ "$SHELL_MODE" = 1 ] || INNER=$((TIMEOUT - 30))
{
	printf 'CRIU=%s\n' "$CRIU"
	printf 'MODULES=%q\n' "$MODULES"
	printf 'CGROUP=%q\n' "$CGROUP"
	printf 'INTERACTIVE=%s\n' "$SHELL_MODE"
	printf 'INNER_TIMEOUT=%s\n' "$INNER"
} >"$OUT/config"

# ------------------------------------------------------------ boot
QEMU=(qemu-system-x86_64
	-accel tcg,thread=single -smp 1 -m "$MEM"
	-nodefaults -no-user-config -display none -no-reboot -nic none
	-kernel "$KERNEL" -initrd "$INITRD"
	-append "console=ttyS0 cgroup_no_v1=all panic=-1 loglevel=3 norandmaps ${HOLO_VM_APPEND:-}"
	-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap
	-virtfs "local,path=$OUT,mount_tag=out,security_model=none"
	${HOLO_VM_QEMU_ARGS:-})

start=$(date +%s)
if [ "$SHELL_MODE" = 1 ]; then
	"${QEMU[@]}" -chardev stdio,id=con,signal=off -serial chardev:con
	exit $?
fi

timeout --kill-after=10 "$TIMEOUT" "${QEMU[@]}" -serial "file:$OUT/console.log" </dev/null &
QEMU_PID=$!
tail --pid="$QEMU_PID" -n +1 -f "$OUT/stdout" &
TAILS+=($!)
tail --pid="$QEMU_PID" -n +1 -f "$OUT/stderr" >&2 &
TAILS+=($!)
if [ "$CONSOLE" = 1 ]; then
	tail --pid="$QEMU_PID" -n +1 -f "$OUT/console.log" >&2 &
	TAILS+=($!)
fi
wait "$QEMU_PID"
qst=$?
QEMU_PID=
# Let the tails print the last of the output and stop (they watch QEMU_PID).
for p in "${TAILS[@]}"; do wait "$p" 2>/dev/null; done
TAILS=()
elapsed=$(($(date +%s) - start))

if [ -s "$OUT/status" ]; then
	st=$(cat "$OUT/status")
	[[ "$st" =~ ^[0-9]+$ ]] || die "bad status file: $st"
	[ "${HOLO_VM_VERBOSE:-0}" = 1 ] && echo "holo-vm: exit status $st after ${elapsed}s" >&2
	if [ "$st" = 124 ] && [ "$INNER" -gt 0 ]; then
		echo "holo-vm: error: COMMAND stopped by its time limit (${INNER}s, --timeout less 30 s)" >&2
	fi
	exit "$st"
fi
if [ "$qst" = 124 ] || [ "$qst" = 137 ]; then
	echo "holo-vm: error: the VM did not finish within ${TIMEOUT}s (--timeout); last console lines:" >&2
	tail -n 20 "$OUT/console.log" | sed 's/^/holo-vm:   /' >&2
	exit 124
fi
echo "holo-vm: error: the VM stopped after ${elapsed}s (qemu status $qst) without an exit status; last console lines:" >&2
tail -n 30 "$OUT/console.log" | sed 's/^/holo-vm:   /' >&2
exit 125
exit
}
