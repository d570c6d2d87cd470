#!/bin/bash
# Prepares everything tests/vm/run.sh needs to boot a cgroup v2 VM:
#   - Debian packages: qemu-system-x86, cpio, busybox-static, kmod (depmod),
#     and the test tools the VM uses through the host's root (bats, jq, runc,
#     crun, criu);
#   - the Debian 6.1 kernel package (the version linux-image-amd64 depends
#     on), downloaded with apt-get and unpacked with dpkg -x under $CACHE,
#     with depmod run on its modules;
#   - an initramfs: static busybox, the virtio/9p/overlay modules and
#     tests/vm/initramfs-init as /init.
# Idempotent and quick when nothing changed.  Nothing is fetched but
# Debian packages through apt.
#
# Usage: tests/vm/setup.sh [--refresh-kernel] [--quiet]
#   --refresh-kernel  download the kernel again even if one is cached (takes
#                     whatever version linux-image-amd64 depends on now)
# Environment: HOLO_VM_CACHE (default /var/cache/holo-vm).

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${HOLO_VM_CACHE:-/var/cache/holo-vm}
REFRESH=0
QUIET=0
for a in "$@"; do
	case $a in
	--refresh-kernel) REFRESH=1 ;;
	--quiet) QUIET=1 ;;
	-h | --help)
		sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "setup.sh: unknown argument: $a" >&2
		exit 2
		;;
	esac
done

say() { [ "$QUIET" = 1 ] || echo "vm-setup: $*" >&2; }
die() {
	echo "vm-setup: error: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "must run as root (apt-get, the cache in $CACHE)"

export DEBIAN_FRONTEND=noninteractive

# ------------------------------------------------------------ packages
# The host packages (qemu, cpio, busybox, kmod) and the tools the tests use
# inside the VM through the read-only 9p view of the host's root.
# systemd, dbus and dbus-user-session: run-tests.sh --systemd boots the
# host's systemd as the VM's PID 1, with the system and the user's bus.
PACKAGES=(qemu-system-x86 cpio busybox-static kmod xz-utils bats jq runc crun criu iptables iproute2 gcc libc6-dev
	systemd dbus dbus-user-session)

APT_UPDATED=0
apt_update() {
	if [ "$APT_UPDATED" = 0 ]; then
		say "apt-get update"
		apt-get update -qq >&2 || die "apt-get update failed"
		APT_UPDATED=1
	fi
}

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing: ${missing[*]}"
	# Try with the lists we have first; update only if that fails.
	if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2; then
		apt_update
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
			die "apt-get install ${missing[*]} failed"
	fi
fi

# ------------------------------------------------------------ kernel
# $CACHE/kernel is a symlink to $CACHE/kernel-VERSION: the unpacked package
# (boot/vmlinuz-VERSION, lib/modules/VERSION with modules.dep).
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9

kernel_ok() {
	local k=$CACHE/kernel
	[ -d "$k" ] || return 1
	local v
	v=$(cat "$k/VERSION" 2>/dev/null) || return 1
	[ -f "$k/boot/vmlinuz-$v" ] && [ -f "$k/lib/modules/$v/modules.dep" ]
}

# The uncompressed kernel (an ELF with a PVH entry point, which qemu boots
# directly): under TCG, the bzImage's own xz decompression takes 10-15 s of
# every boot.  run.sh falls back to the bzImage when this is missing.
extract_vmlinux() {
	local img=$1 out=$2 pos
	pos=$(LC_ALL=C grep -abo $'\xfd7zXZ' "$img" | head -n1 | cut -d: -f1) || true
	if [ -n "$pos" ]; then
		# The payload is followed by other data: xz complains, the ELF is whole.
		tail -c+$((pos + 1)) "$img" | xz -dc 2>/dev/null >"$out.tmp" || true
		if [ "$(head -c4 "$out.tmp" | od -An -c | tr -d ' ')" = '177ELF' ]; then
			mv -f "$out.tmp" "$out"
			return 0
		fi
	fi
	rm -f "$out.tmp"
	say "note: could not extract an uncompressed vmlinux from $img (boots slower)"
}

if [ "$REFRESH" = 1 ] || ! kernel_ok; then
	pkg=
	find_pkg() {
		pkg=$(apt-cache depends --important linux-image-amd64 2>/dev/null |
			awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
	}
	find_pkg
	if [ -z "$pkg" ]; then
		apt_update
		find_pkg
	fi
	[ -n "$pkg" ] || die "cannot tell which kernel linux-image-amd64 depends on (apt-cache depends)"
	dl=$CACHE/download
	rm -rf "$dl"
	mkdir -p "$dl"
	# apt's download sandbox user must be able to write there.
	chown _apt "$dl" 2>/dev/null || true
	say "downloading $pkg"
	if ! (cd "$dl" && apt-get download -qq "$pkg" >&2); then
		# An old package list names a kernel the mirror no longer has.
		apt_update
		find_pkg
		say "downloading $pkg"
		(cd "$dl" && apt-get download -qq "$pkg" >&2) || die "apt-get download $pkg failed"
	fi
	ver=${pkg#linux-image-}
	deb=$(ls "$dl"/*.deb | head -n1)
	dest=$CACHE/kernel-$ver
	rm -rf "$dest.tmp"
	mkdir -p "$dest.tmp"
	say "unpacking $(basename "$deb")"
	dpkg -x "$deb" "$dest.tmp"
	[ -f "$dest.tmp/boot/vmlinuz-$ver" ] || die "no boot/vmlinuz-$ver in $deb"
	[ -d "$dest.tmp/lib/modules/$ver" ] || die "no lib/modules/$ver in $deb"
	say "depmod $ver"
	depmod -b "$dest.tmp" "$ver"
	extract_vmlinux "$dest.tmp/boot/vmlinuz-$ver" "$dest.tmp/vmlinux"
	echo "$ver" >"$dest.tmp/VERSION"
	rm -rf "$dest"
	mv "$dest.tmp" "$dest"
	ln -sfn "kernel-$ver" "$CACHE/kernel.new"
	mv -T "$CACHE/kernel.new" "$CACHE/kernel"
	rm -rf "$dl"
	# Older kernels we no longer point at.
	for old in "$CACHE"/kernel-*; do
		[ "$old" = "$dest" ] || rm -rf "$old"
	done
	rm -f "$CACHE/initramfs.cpio"
fi
VER=$(cat "$CACHE/kernel/VERSION")
KDIR=$CACHE/kernel
[ -f "$KDIR/vmlinux" ] || extract_vmlinux "$KDIR/boot/vmlinuz-$VER" "$KDIR/vmlinux"
MODDIR=$KDIR/lib/modules/$VER

# ------------------------------------------------------------ initramfs
# Modules the initramfs loads, in order (dependencies first): virtio PCI
# transport, 9p over virtio, overlayfs.
INITRD_MODULES="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay"
# Not compressed: decompressing is slow under TCG, and it is small.
INITRD=$CACHE/initramfs.cpio
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || BUSYBOX=/usr/bin/busybox
# Rebuilt when /init, busybox or the kernel changed.
stamp="$VER $(sha256sum "$HERE/initramfs-init" "$BUSYBOX" | awk '{print $1}' | tr '\n' ' ')"
if [ ! -f "$INITRD" ] || [ "$(cat "$INITRD.stamp" 2>/dev/null)" != "$stamp" ]; then
	say "building initramfs"
	w=$(mktemp -d "$CACHE/initramfs.XXXXXX")
	trap 'rm -rf "$w"' EXIT
	mkdir -p "$w"/{bin,dev,proc,sys,newroot,lower,rw,modules}
	# The kernel opens /dev/console for /init before /init mounts devtmpfs.
	mknod -m 600 "$w/dev/console" c 5 1
	cp "$BUSYBOX" "$w/bin/busybox"
	for a in sh mount umount mkdir insmod switch_root cat echo sleep ls mknod; do
		ln -s busybox "$w/bin/$a"
	done
	n=0
	for m in $INITRD_MODULES; do
		# modules.dep names each module by its path; "-" and "_" are the same.
		rel=$(awk -F: -v m="$m" '{ f = $1; sub(/.*\//, "", f); sub(/\.ko(\..*)?$/, "", f); gsub(/-/, "_", f)
			if (f == m) { print $1; exit } }' "$MODDIR/modules.dep")
		if [ -z "$rel" ]; then
			# Built into this kernel: nothing to load.
			grep -qE "/$m\.ko" "$MODDIR/modules.builtin" 2>/dev/null ||
				say "note: module $m neither in modules.dep nor modules.builtin"
			continue
		fi
		n=$((n + 1))
		out=$w/modules/$(printf '%02d' "$n")-$m.ko
		case $rel in
		*.xz) xz -dc "$MODDIR/$rel" >"$out" ;;
		*.zst) zstd -dqc "$MODDIR/$rel" >"$out" ;;
		*.gz) gzip -dc "$MODDIR/$rel" >"$out" ;;
		*) cp "$MODDIR/$rel" "$out" ;;
		esac
	done
	install -m 0755 "$HERE/initramfs-init" "$w/init"
	(cd "$w" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) >"$INITRD.tmp"
	mv -f "$INITRD.tmp" "$INITRD"
	echo "$stamp" >"$INITRD.stamp"
	rm -rf "$w"
	trap - EXIT
fi

say "ready: kernel $VER, $INITRD"
