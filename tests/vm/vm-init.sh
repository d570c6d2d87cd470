#!/bin/sh
# Stage 2 of the holo test VM: PID 1 after switch_root, run by the host's
# /bin/sh from the run's output share (run.sh copies this file there as
# stage2.sh; the initramfs mounts that share at /.holo-vm).
#
# Sets the VM up like a cgroup v2 host with systemd would have it: proc,
# sysfs, devtmpfs, devpts, /dev/shm, /dev/mqueue, tmpfs /tmp and /run,
# cgroup2 on /sys/fs/cgroup (nsdelegate) with every controller enabled in
# the root's cgroup.subtree_control, PID 1 in /init.scope, "/" rshared, lo
# up, the kernel package's modules on /lib/modules.  Then runs the command
# (/run/holo-vm/cmd, by bash, in the cgroup /test.scope unless told
# otherwise), writes its output to /run/holo-vm/{stdout,stderr} and its
# exit status to /run/holo-vm/status (and "HOLO-VM-EXIT=N" on the console),
# and powers off.

OUT=/run/holo-vm
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
# Tests can tell they run in the VM.
export HOLO_VM=1

log() { echo "holo-vm: $*" >/dev/console; }

# reboot(2) with POWER_OFF does not return (sysrq "o" powers off
# asynchronously: the script would go on while devices go away).
poweroff_now() {
	sync
	busybox poweroff -f 2>/dev/null
	echo o >/proc/sysrq-trigger
	sleep 5
	echo b >/proc/sysrq-trigger
	sleep 10
}

mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mount -t devtmpfs -o nosuid,mode=0755 devtmpfs /dev
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o nosuid,noexec,gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /dev/shm
mount -t mqueue -o nosuid,nodev,noexec mqueue /dev/mqueue
# The host's /tmp stays reachable at /.host-tmp: a checkout under /tmp (CI
# clones land there) is bound back at its own path by the command (run.sh).
mkdir -p /.host-tmp && mount --bind /tmp /.host-tmp
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /tmp
mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /run
ln -sfn /proc/self/fd /dev/fd 2>/dev/null
ln -sfn /proc/self/fd/0 /dev/stdin 2>/dev/null
ln -sfn /proc/self/fd/1 /dev/stdout 2>/dev/null
ln -sfn /proc/self/fd/2 /dev/stderr 2>/dev/null

# The output share, from /.holo-vm to /run/holo-vm.
mkdir -p "$OUT"
mount --move /.holo-vm "$OUT" && rmdir /.holo-vm 2>/dev/null

# Settings from run.sh: CRIU, MODULES, CGROUP, INTERACTIVE, INNER_TIMEOUT.
CRIU=0 MODULES= CGROUP=test.scope INTERACTIVE=0 INNER_TIMEOUT=0
[ -f "$OUT/config" ] && . "$OUT/config"

mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup 2>/dev/null ||
	mount -t cgroup2 cgroup2 /sys/fs/cgroup ||
	log "cannot mount cgroup2 on /sys/fs/cgroup"
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
	echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control ||
		log "cannot enable the $c controller"
done
mkdir -p /sys/fs/cgroup/init.scope
echo $$ >/sys/fs/cgroup/init.scope/cgroup.procs

hostname holo-vm
ip link set lo up 2>/dev/null || busybox ip link set lo up

# The kernel package's modules (depmod'ed by setup.sh) for modprobe.
if [ -n "$MODULES" ] && [ -d "$MODULES" ]; then
	mkdir -p /lib/modules
	mount --bind "$MODULES" /lib/modules || log "cannot bind $MODULES on /lib/modules"
fi
if [ "$CRIU" = 1 ]; then
	for m in nf_tables nft_ct nf_conntrack nft_compat tun veth ip_tables \
		iptable_filter nf_nat nft_chain_nat unix_diag inet_diag tcp_diag netlink_diag; do
		modprobe "$m" || log "modprobe $m failed"
	done
fi

# Like systemd: mounts propagate (after the move above, which a shared
# parent would refuse).
mount --make-rshared /

# The command, in its own leaf cgroup (like a login session's scope).
run_cmd() {
	if [ -n "$CGROUP" ]; then
		mkdir -p "/sys/fs/cgroup/$CGROUP" &&
			echo 0 >"/sys/fs/cgroup/$CGROUP/cgroup.procs" ||
			log "cannot move the command into /$CGROUP"
	fi
	if [ "$INTERACTIVE" = 1 ]; then
		# A session with the serial line as its controlling terminal.
		exec setsid -c bash "$OUT/cmd"
	fi
	if [ "$INNER_TIMEOUT" -gt 0 ] 2>/dev/null; then
		exec timeout -k 10 "$INNER_TIMEOUT" bash "$OUT/cmd"
	fi
	exec bash "$OUT/cmd"
}

if [ "$INTERACTIVE" = 1 ]; then
	(run_cmd) </dev/ttyS0 >/dev/ttyS0 2>&1 &
else
	(run_cmd) </dev/null >>"$OUT/stdout" 2>>"$OUT/stderr" &
fi
pid=$!
# PID 1 reaps orphans as well; wait for the command itself.
wait $pid
st=$?
echo "$st" >"$OUT/status.tmp" && mv "$OUT/status.tmp" "$OUT/status"
echo "HOLO-VM-EXIT=$st" >/dev/console
poweroff_now
