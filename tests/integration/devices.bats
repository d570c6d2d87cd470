#!/usr/bin/env bats
# /dev inside the container: the default device nodes and links, devpts,
# /dev/shm, and linux.devices.

load helpers

@test "devices: the default device nodes exist with their numbers and mode 0666" {
	set_args sh -c 'for d in null zero full random urandom tty; do echo "$d $(holo-check stat /dev/$d)"; done'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_output "$(printf '%s\n' \
		"null type=c mode=0666 uid=0 gid=0 major=1 minor=3 size=0" \
		"zero type=c mode=0666 uid=0 gid=0 major=1 minor=5 size=0" \
		"full type=c mode=0666 uid=0 gid=0 major=1 minor=7 size=0" \
		"random type=c mode=0666 uid=0 gid=0 major=1 minor=8 size=0" \
		"urandom type=c mode=0666 uid=0 gid=0 major=1 minor=9 size=0" \
		"tty type=c mode=0666 uid=0 gid=0 major=5 minor=0 size=0")"
}

@test "devices: the default devices work" {
	set_args sh -c 'holo-check write /dev/null data && head -c 16 /dev/zero | wc -c &&
		head -c 16 /dev/urandom | wc -c && holo-check write /dev/full data'
	run -1 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_output "$(printf '%s\n' ok 16 16 "ENOSPC: /dev/full: No space left on device")"
}

@test "devices: /dev/fd, stdin, stdout, stderr and ptmx links" {
	set_args sh -c 'for l in fd stdin stdout stderr ptmx; do echo "$l $(holo-check readlink /dev/$l)"; done'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_output "$(printf '%s\n' "fd /proc/self/fd" "stdin /proc/self/fd/0" "stdout /proc/self/fd/1" \
		"stderr /proc/self/fd/2" "ptmx pts/ptmx")"
}

@test "devices: /dev holds only the container's devices, none of the host's" {
	set_args ls -A /dev
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	local dev
	for dev in $output; do
		case $dev in
		null | zero | full | random | urandom | tty | fd | stdin | stdout | stderr | ptmx | pts | shm | mqueue | core) ;;
		*)
			echo "unexpected /dev/$dev"
			show_run
			false
			;;
		esac
	done
	for dev in null zero full random urandom tty fd stdin stdout stderr ptmx pts shm mqueue; do
		grep -qx "$dev" <<<"$output"
	done
}

@test "devices: /dev/pts is a new devpts instance and ptmx opens" {
	set_args sh -c 'holo-check mountinfo /dev/pts; holo-check write /dev/ptmx; ls /dev/pts'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_matches "^fstype=devpts "
	check_contains "ok"
	# A new instance holds no pty but its own ptmx.
	check_matches $'\nptmx$'
}

@test "devices: /dev/shm is a writable tmpfs" {
	set_args sh -c 'holo-check mountinfo /dev/shm; holo-check stat /dev/shm; holo-check write /dev/shm/x data'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_matches "^fstype=tmpfs opts=rw,nosuid,nodev,noexec"
	check_contains "type=d mode=1777"
	check_contains "ok"
}

@test "devices: linux.devices creates nodes with type, numbers, mode, uid and gid" {
	update_config '.linux.devices = [
		{path: "/dev/holonull", type: "c", major: 1, minor: 3, fileMode: 384, uid: 1000, gid: 1001},
		{path: "/dev/holo/sub/blk", type: "b", major: 7, minor: 0, fileMode: 432, uid: 0, gid: 0},
		{path: "/dev/holofifo", type: "p", fileMode: 420}]'
	set_args sh -c 'holo-check stat /dev/holonull; holo-check stat /dev/holo/sub/blk; holo-check stat /dev/holofifo'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_output "$(printf '%s\n' \
		"type=c mode=0600 uid=1000 gid=1001 major=1 minor=3 size=0" \
		"type=b mode=0660 uid=0 gid=0 major=7 minor=0 size=0" \
		"type=p mode=0644 uid=0 gid=0 major=0 minor=0 size=0")"
	# Made in the container's /dev, not in the bundle.
	[ ! -e "$BUNDLE/rootfs/dev/holonull" ]
}

@test "devices: a device node the device cgroup does not allow cannot be opened" {
	# c 1:3 is allowed by the default rules; c 1:4 (/dev/port) is not.
	update_config '.linux.devices = [
		{path: "/dev/holonull", type: "c", major: 1, minor: 3, fileMode: 438},
		{path: "/dev/holoport", type: "c", major: 1, minor: 4, fileMode: 384}]'
	set_args sh -c 'holo-check write /dev/holonull x; holo-check write /dev/holoport'
	run -1 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_output "$(printf '%s\n' ok "EPERM: /dev/holoport: Operation not permitted")"
}

@test "devices: a device with an invalid type is refused" {
	update_config '.linux.devices = [{path: "/dev/bad", type: "x", major: 1, minor: 3}]'
	run -1 --separate-stderr rt_create "$CID"
	check_holo_text "linux.devices[0].type" stderr
	check_nothing_left "$CID"
}

@test "devices: a device below a default device's path is refused as its own error" {
	# /dev/null exists (a default device, made first, as runc does): the
	# error is about linux.devices[0], not a later maskedPaths check of a
	# /dev/null turned into a directory.
	update_config '.linux.devices = [{path: "/dev/null/x", type: "c", major: 1, minor: 3}]'
	run -1 --separate-stderr rt_create "$CID"
	check_holo_text "linux.devices[0] (/dev/null/x): open directory \`/dev/null\` in the container root: Not a directory" stderr
	check_not_contains "maskedPaths" stderr
	check_nothing_left "$CID"
}

@test "devices: /dev/console is absent without a terminal" {
	set_args holo-check stat /dev/console
	run -1 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_contains "ENOENT"
}
