#!/usr/bin/env bats
# mounts, root.readonly, maskedPaths, readonlyPaths, and mount destinations
# that try to leave the rootfs.

load helpers

teardown() {
	# Host mounts a test made under its directory.
	if [ -n "${HOST_MOUNTS:-}" ]; then
		local m
		for m in $HOST_MOUNTS; do
			umount -l "$m" 2>/dev/null || true
		done
	fi
	teardown_common
}

# in_container ARGS...: run ARGS as the container process (foreground).
in_container() {
	set_args "$@"
	rt run --bundle "$BUNDLE" "$CID"
}

@test "mounts: the default mounts have the template's types and flags" {
	set_args sh -c 'for d in / /proc /dev /dev/pts /dev/shm /dev/mqueue /sys; do
		echo "$d $(holo-check mountinfo $d)"; done'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_matches $'(^|\n)/proc fstype=proc '
	check_matches $'(^|\n)/dev fstype=tmpfs opts=rw,nosuid[ ,]'
	check_matches $'(^|\n)/dev/pts fstype=devpts opts=rw,nosuid,noexec[ ,]'
	check_matches $'(^|\n)/dev/shm fstype=tmpfs opts=rw,nosuid,nodev,noexec[ ,]'
	check_matches $'(^|\n)/dev/mqueue fstype=mqueue opts=rw,nosuid,nodev,noexec[ ,]'
	check_matches $'(^|\n)/sys fstype=sysfs opts=ro,nosuid,nodev,noexec[ ,]'
	# The template's root is read-only.
	check_matches $'(^|\n)/ fstype=[a-z0-9]+ opts=ro[ ,]'
	# The devpts instance is a new one with the template's options.
	check_matches $'(^|\n)/dev/pts [^\n]*super=[^\n]*mode=620'
	check_matches $'(^|\n)/dev/pts [^\n]*ptmxmode=666'
}

@test "mounts: tmpfs with size, mode and flags on a destination the rootfs lacks" {
	[ ! -e "$BUNDLE/rootfs/mnt" ]
	add_mount /mnt/a/tmp tmpfs tmpfs nosuid nodev noexec size=1m mode=750
	run -0 --separate-stderr in_container sh -c 'holo-check mountinfo /mnt/a/tmp; holo-check stat /mnt/a/tmp'
	check_matches "fstype=tmpfs opts=rw,nosuid,nodev,noexec[ ,]"
	check_matches "super=[^ ]*size=1024k"
	check_matches "super=[^ ]*mode=750"
	check_contains "type=d mode=0750"
	# The missing destination was made in the rootfs.
	[ -d "$BUNDLE/rootfs/mnt/a/tmp" ]
}

@test "mounts: a read-only bind mount cannot be written, the host dir is intact" {
	mkdir -p "$TESTDIR/data"
	echo hostdata >"$TESTDIR/data/file"
	add_bind /data "$TESTDIR/data" ro
	run -1 --separate-stderr in_container sh -c 'cat /data/file; holo-check mountinfo /data; holo-check write /data/file x'
	check_contains "hostdata"
	check_matches "opts=ro[ ,]"
	check_contains "EROFS"
	[ "$(cat "$TESTDIR/data/file")" = hostdata ]
	run -1 --separate-stderr in_container holo-check write /data/new
	check_contains "EROFS"
	[ ! -e "$TESTDIR/data/new" ]
}

@test "mounts: a read-write bind mount writes through to the host" {
	mkdir -p "$TESTDIR/data"
	add_bind /data "$TESTDIR/data" rw
	run -0 --separate-stderr in_container holo-check write /data/new from-container
	[ "$(cat "$TESTDIR/data/new")" = from-container ]
}

@test "mounts: bind mount of a single file onto a destination the rootfs lacks" {
	echo filedata >"$TESTDIR/file"
	add_bind /etc/holo/file.conf "$TESTDIR/file" ro
	run -0 --separate-stderr in_container sh -c 'cat /etc/holo/file.conf; holo-check stat /etc/holo/file.conf'
	check_contains "filedata"
	check_contains "type=f"
	[ -f "$BUNDLE/rootfs/etc/holo/file.conf" ]
}

@test "mounts: bind without rbind leaves out submounts, rbind takes them" {
	mkdir -p "$TESTDIR/src/sub"
	mount -t tmpfs holo-sub "$TESTDIR/src/sub"
	HOST_MOUNTS="$TESTDIR/src/sub"
	echo insub >"$TESTDIR/src/sub/f"
	update_config '.mounts += [{destination: "/nonrec", type: "bind", source: $s, options: ["bind"]},
	                           {destination: "/rec", type: "bind", source: $s, options: ["rbind"]}]' \
		--arg s "$TESTDIR/src"
	run -0 --separate-stderr in_container sh -c 'ls /nonrec/sub; echo ---; cat /rec/sub/f'
	check_output "$(printf '%s\n' --- insub)"
}

@test "mounts: noexec and nosuid on a bind mount are enforced" {
	mkdir -p "$TESTDIR/bin"
	cp "$BUNDLE/rootfs/bin/holo-check" "$TESTDIR/bin/"
	add_bind /xbin "$TESTDIR/bin" noexec nosuid
	run --separate-stderr in_container sh -c 'holo-check mountinfo /xbin; /xbin/holo-check pid'
	check_status 126
	check_matches "opts=[^ ]*nosuid"
	check_matches "opts=[^ ]*noexec"
}

@test "mounts: a bind mount whose source does not exist fails the create" {
	add_bind /data "$TESTDIR/no-such-source"
	run -1 --separate-stderr rt_create "$CID"
	check_holo_text "no-such-source" stderr
	check_nothing_left "$CID"
}

@test "mounts: root.readonly makes the rootfs read-only, false leaves it writable" {
	update_config '.root.readonly = true'
	run -1 --separate-stderr in_container holo-check write /newfile
	check_contains "EROFS"
	[ ! -e "$BUNDLE/rootfs/newfile" ]

	update_config '.root.readonly = false'
	run -0 --separate-stderr in_container holo-check write /newfile data
	[ "$(cat "$BUNDLE/rootfs/newfile")" = data ]
}

@test "mounts: maskedPaths hide files (as /dev/null) and directories (as an empty read-only dir)" {
	mkdir -p "$BUNDLE/rootfs/secret-dir"
	echo s >"$BUNDLE/rootfs/secret-dir/s"
	echo s >"$BUNDLE/rootfs/secret-file"
	update_config '.root.readonly = false
		| .linux.maskedPaths = ["/secret-file", "/secret-dir", "/proc/keys", "/proc/acpi", "/no/such/path"]'
	run -0 --separate-stderr in_container sh -c 'for p in /secret-file /proc/keys; do holo-check stat $p; holo-check read $p; done
		ls -A /secret-dir /proc/acpi | wc -w
		holo-check write /secret-dir/x || true'
	check_output "$(printf '%s\n' \
		"type=c mode=0666 uid=0 gid=0 major=1 minor=3 size=0" "read 0 bytes" \
		"type=c mode=0666 uid=0 gid=0 major=1 minor=3 size=0" "read 0 bytes" \
		"2" "EROFS: /secret-dir/x: Read-only file system")"
	# ls printed the two directory names: nothing inside either.
	[ -f "$BUNDLE/rootfs/secret-dir/s" ]
}

@test "mounts: the template's maskedPaths are applied" {
	run -0 --separate-stderr in_container sh -c 'holo-check stat /proc/keys; holo-check stat /proc/timer_list; ls -A /proc/acpi | wc -l'
	check_output "$(printf '%s\n' \
		"type=c mode=0666 uid=0 gid=0 major=1 minor=3 size=0" \
		"type=c mode=0666 uid=0 gid=0 major=1 minor=3 size=0" "0")"
}

@test "mounts: readonlyPaths cannot be written, other paths can" {
	mkdir -p "$BUNDLE/rootfs/srv/ro" "$BUNDLE/rootfs/srv/rw"
	update_config '.root.readonly = false | .linux.readonlyPaths += ["/srv/ro", "/no/such/path"]'
	run -0 --separate-stderr in_container sh -c 'holo-check write /srv/ro/x; holo-check write /srv/rw/x; holo-check mountinfo /srv/ro;
		holo-check write /proc/sys/kernel/hostname x; true'
	check_contains "EROFS: /srv/ro/x"
	check_contains "ok"
	check_matches "fstype=[a-z0-9]+ opts=ro[ ,]"
	check_contains "EROFS: /proc/sys/kernel/hostname"
	[ ! -e "$BUNDLE/rootfs/srv/ro/x" ]
	[ -e "$BUNDLE/rootfs/srv/rw/x" ]
}

@test "mounts: a destination through an absolute symlink pointing out of the rootfs stays inside" {
	local outside=$TESTDIR/outside
	mkdir -p "$outside"
	ln -s "/../../../../../../..$outside" "$BUNDLE/rootfs/escape"
	add_mount /escape tmpfs tmpfs size=1m
	run -0 --separate-stderr in_container sh -c 'holo-check write /escape/marker && holo-check mountinfo "$(readlink -f /escape)"'
	check_contains "fstype=tmpfs"
	# Nothing was mounted on, or written into, the host directory.
	[ ! -e "$outside/marker" ]
	! grep -q " $outside " /proc/self/mountinfo || false
	# The symlink was resolved inside the rootfs.
	[ -d "$BUNDLE/rootfs$outside" ]
}

@test "mounts: a destination through a relative symlink pointing out of the rootfs stays inside" {
	local outside=$TESTDIR/outside2
	mkdir -p "$outside" "$BUNDLE/rootfs/dir"
	# From rootfs/dir, enough ../ reach the host's /; then down to $outside.
	ln -s "../../../../../../../../../../..$outside" "$BUNDLE/rootfs/dir/escape"
	mkdir -p "$TESTDIR/data"
	echo bound >"$TESTDIR/data/f"
	add_bind /dir/escape "$TESTDIR/data" ro
	run -0 --separate-stderr in_container sh -c 'cat /dir/escape/f'
	check_output bound
	[ ! -e "$outside/f" ]
	! grep -q " $outside " /proc/self/mountinfo || false
}

@test "mounts: a bind source inside the rootfs that is a symlink out of it is not followed on the host" {
	# Mount destinations are what the runtime resolves in the rootfs; here the
	# destination path has a symlink component in the middle.
	local outside=$TESTDIR/outside3
	mkdir -p "$outside"
	ln -s "$outside" "$BUNDLE/rootfs/link"
	add_mount /link/sub/tmp tmpfs tmpfs size=1m
	run -0 --separate-stderr in_container holo-check write /link/sub/tmp/marker
	[ ! -e "$outside/sub" ]
}

@test "mounts: /sys/fs/cgroup is mounted read-only" {
	run -0 --separate-stderr in_container holo-check mountinfo /sys/fs/cgroup
	run -1 --separate-stderr in_container holo-check write /sys/fs/cgroup/x
	check_matches "EROFS|EACCES|EPERM"
}
