#!/bin/sh
# Stage 2 of the holo test VM when it boots real systemd (run.sh --systemd):
# PID 1 after switch_root, run by the host's /bin/sh from the run's output
# share (run.sh copies this file there as stage2.sh).
#
# Prepares the writable overlay root (empty fstab, a unit that runs the
# command and powers off), mounts what systemd would not leave alone (the
# output share under /run, the host's /tmp at /.host-tmp, a fresh /tmp), and
# execs /lib/systemd/systemd as PID 1 with holo-vm.target as its default
# unit.  systemd mounts cgroup2 on /sys/fs/cgroup itself (the unified
# hierarchy: the kernel has cgroup_no_v1=all), starts journald, udev and the
# D-Bus system bus, then runs the command as holo-vm-test.service:
# /run/holo-vm/{stdout,stderr} get its output, /run/holo-vm/status its exit
# status, and the unit's SuccessAction/FailureAction power the VM off.

OUT=/run/holo-vm
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mount -t devtmpfs -o nosuid,mode=0755 devtmpfs /dev

log() { echo "holo-vm: $*" >/dev/console; }

mkdir -p /.host-tmp && mount --bind /tmp /.host-tmp
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /tmp
mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /run
mkdir -p "$OUT"
mount --move /.holo-vm "$OUT" && rmdir /.holo-vm 2>/dev/null

CRIU=0 MODULES= CGROUP=test.scope INTERACTIVE=0 INNER_TIMEOUT=0
[ -f "$OUT/config" ] && . "$OUT/config"

# The kernel package's modules (depmod'ed by setup.sh) for modprobe; a bind
# mount systemd keeps.
if [ -n "$MODULES" ] && [ -d "$MODULES" ]; then
	mkdir -p /lib/modules
	mount --bind "$MODULES" /lib/modules || log "cannot bind $MODULES on /lib/modules"
fi
# run.sh --criu: CRIU's modules, as vm-init.sh loads them.
if [ "$CRIU" = 1 ]; then
	for m in nf_tables nft_ct nf_conntrack nft_compat tun veth ip_tables \
		iptable_filter nf_nat nft_chain_nat unix_diag inet_diag tcp_diag netlink_diag; do
		modprobe "$m" || log "modprobe $m failed"
	done
fi

# The overlay root is the host's: nothing in its fstab is in the VM, and
# the host's enabled services (containerd, databases, timers) are not
# wanted here.  holo-vm.target pulls in only sysinit, the D-Bus socket and
# the command.
: >/etc/fstab
echo holo-vm >/etc/hostname
U=/etc/systemd/system
mkdir -p $U
# Whatever the host enabled locally (its /etc/systemd/system/*.wants:
# databases, containerd, timers, gettys) is masked, and a few units that
# would wait for hardware or the network the VM does not have.
for w in $U/*.wants/*; do
	[ -e "$w" ] || [ -L "$w" ] || continue
	ln -sfn /dev/null "$U/${w##*/}"
done
for u in serial-getty@ttyS0.service systemd-networkd.service systemd-resolved.service \
	systemd-networkd-wait-online.service; do
	ln -sfn /dev/null "$U/$u"
done

cat >$U/holo-vm.target <<'EOF'
[Unit]
Description=holo test VM
Requires=holo-vm-test.service dbus.socket
After=holo-vm-test.service
AllowIsolate=yes
EOF

# The command, by bash, under its own time limit; the status file is
# written before the unit ends (and its action powers the VM off).
cat >"$OUT/run-cmd.sh" <<EOF
#!/bin/sh
if [ "$INNER_TIMEOUT" -gt 0 ] 2>/dev/null; then
	timeout -k 10 "$INNER_TIMEOUT" bash "$OUT/cmd"
else
	bash "$OUT/cmd"
fi
st=\$?
echo "\$st" >"$OUT/status.tmp" && mv "$OUT/status.tmp" "$OUT/status"
echo "HOLO-VM-EXIT=\$st" >/dev/console
sync
exit 0
EOF

cat >$U/holo-vm-test.service <<EOF
[Unit]
Description=holo VM test command
Requires=dbus.socket
After=dbus.socket basic.target
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=exec
ExecStart=/bin/sh $OUT/run-cmd.sh
StandardInput=null
StandardOutput=append:$OUT/stdout
StandardError=append:$OUT/stderr
Environment=HOME=/root LANG=C.UTF-8 TERM=dumb HOLO_VM=1 HOLO_VM_SYSTEMD=1
TimeoutStartSec=infinity
EOF

exec /lib/systemd/systemd --unit=holo-vm.target --show-status=no --log-level=notice --log-target=console
