#!/bin/bash
# Lays out a busybox root filesystem in DIR, offline (busybox-static):
#   busybox-rootfs.sh DIR
# Shared by every image the tests make: the OCI layout for ctr
# (tests/shim/make-image.sh) and the tarballs `docker import` and
# `podman import` read (tests/engines/lib.bash).
set -euo pipefail
root=$1
busybox=${BUSYBOX:-/usr/bin/busybox}

mkdir -p "$root"/{bin,dev,proc,sys,tmp,etc,root,run,var}
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for a in $("$root/bin/busybox" --list); do
	[ "$a" = busybox ] || ln -sf busybox "$root/bin/$a"
done
ln -sfn bin "$root/sbin"
mkdir -p "$root/usr" && ln -sfn ../bin "$root/usr/bin"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
