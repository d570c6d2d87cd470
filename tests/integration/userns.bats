#!/usr/bin/env bats
# User namespaces run by a privileged runtime: multi-range mappings,
# setgroups, ids of files written through bind mounts, devices, joining a
# user namespace by path, and idmapped mounts (mounts[].uidMappings,
# "idmap"/"ridmap").  Rootless mode is in rootless.bats.

load helpers

setup() {
	setup_common
	HOLDER_PID=
	SUBMOUNT=
}

teardown() {
	teardown_common
	[ -n "$HOLDER_PID" ] && kill -9 "$HOLDER_PID" 2>/dev/null
	[ -n "$SUBMOUNT" ] && umount -l "$SUBMOUNT" 2>/dev/null
	return 0
}

# The container's root is an unprivileged host uid: it must be able to walk
# down to the bundle (bats makes its temp dirs 0700).
allow_walk_to() {
	local d=$1
	while [ "$d" != / ] && [ "$d" != "${BATS_RUN_TMPDIR%/*}" ]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
}

# set_userns UIDMAPS GIDMAPS: a new user namespace with these mappings, each
# a JSON array of {containerID, hostID, size}.
set_userns() {
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = $u | .linux.gidMappings = $g' \
		--argjson u "$1" --argjson g "$2"
	allow_walk_to "$BUNDLE"
}

MAP_0_100000='[{"containerID": 0, "hostID": 100000, "size": 65536}]'

# The lines of a uid_map/gid_map file with single spaces.
normalize_map() {
	awk '{print $1, $2, $3}'
}

# requires_idmap: the runtime says it makes idmapped mounts (runc 1.1 ignores
# mounts[].uidMappings and the idmap option silently).
requires_idmap() {
	local enabled
	enabled=$("$RUNTIME" features 2>/dev/null | jq -r '.linux.mountExtensions.idmap.enabled // false')
	[ "$enabled" = true ] || skip "$RUNTIME_KIND does not report idmapped mounts in features"
	# The sources live in the test's temp dir: tmpfs takes an idmap since
	# Linux 6.3.
	local fs version
	fs=$(stat -f -c %T "$BATS_TEST_TMPDIR")
	version=$(uname -r | awk -F. '{print $1 * 1000 + $2}')
	if [ "$fs" = tmpfs ] && [ "$version" -lt 6003 ]; then
		skip "tmpfs can not be idmapped before Linux 6.3"
	fi
}

# A host directory owned by 1000:1000 with a file in it; sets $IDDIR.
make_owned_dir() {
	IDDIR=$TESTDIR/owned
	mkdir -p "$IDDIR"
	echo data >"$IDDIR/file"
	chown -R 1000:1000 "$IDDIR"
	chmod 755 "$IDDIR"
	allow_walk_to "$IDDIR"
}

# add_idmapped DEST SOURCE UIDMAPS GIDMAPS OPTION...
add_idmapped() {
	local dest=$1 src=$2 u=$3 g=$4
	shift 4
	update_config '.mounts += [{destination: $d, type: "bind", source: $s, options: $o,
		uidMappings: $u, gidMappings: $g}]' \
		--arg d "$dest" --arg s "$src" --argjson u "$u" --argjson g "$g" \
		--argjson o "$(json_array "$@")"
}

# ------------------------------------------------------------ mappings

@test "userns: a three-range mapping is what the container sees in uid_map and gid_map" {
	local u='[{"containerID": 0, "hostID": 100000, "size": 1000},
	          {"containerID": 1000, "hostID": 300000, "size": 1},
	          {"containerID": 1001, "hostID": 101001, "size": 1000}]'
	local g='[{"containerID": 0, "hostID": 200000, "size": 1000},
	          {"containerID": 1000, "hostID": 310000, "size": 5},
	          {"containerID": 1005, "hostID": 201005, "size": 1000}]'
	set_userns "$u" "$g"
	set_args sh -c 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	local want_u want_g
	want_u=$(printf '0 100000 1000\n1000 300000 1\n1001 101001 1000')
	want_g=$(printf '0 200000 1000\n1000 310000 5\n1005 201005 1000')
	[ "$(sed -n '1,/^--$/p' <<<"$output" | grep -v -- -- | normalize_map)" = "$want_u" ] || {
		show_run
		false
	}
	[ "$(sed -n '/^--$/,$p' <<<"$output" | grep -v -- -- | normalize_map)" = "$want_g" ] || {
		show_run
		false
	}
}

@test "userns: every range is usable: a process in the single-id range runs as it" {
	local u='[{"containerID": 0, "hostID": 100000, "size": 1000},
	          {"containerID": 1000, "hostID": 300000, "size": 1},
	          {"containerID": 1001, "hostID": 101001, "size": 1000}]'
	set_userns "$u" "$u"
	update_config '.process.user = {uid: 1000, gid: 1000}'
	update_config '.process.args = ["holo-check", "loop"]'
	run -0 rt_run_d "$CID"
	local pid
	pid=$(state_field "$CID" pid)
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = 300000 ]
	[ "$(awk '/^Gid:/ {print $2}' "/proc/$pid/status")" = 300000 ]
}

@test "userns: setgroups is allowed and additionalGids apply (privileged runtime)" {
	set_userns "$MAP_0_100000" "$MAP_0_100000"
	update_config '.process.user = {uid: 1000, gid: 1000, additionalGids: [5, 100]}'
	set_args sh -c 'cat /proc/self/setgroups; holo-check ids'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_output "$(printf 'allow\nuid=1000 gid=1000 euid=1000 egid=1000 groups=5,100')"
}

@test "userns: files written to a bind-mounted host dir get the mapped host ids" {
	set_userns '[{"containerID": 0, "hostID": 100000, "size": 2000}]' \
		'[{"containerID": 0, "hostID": 200000, "size": 2000}]'
	add_shared_dir
	allow_walk_to "$SHARED"
	# The rootfs belongs to host root: its root can not make mount points.
	mkdir -p "$BUNDLE/rootfs/shared"
	set_args holo-check write /shared/by-root
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	[ "$(stat -c %u:%g "$SHARED/by-root")" = 100000:200000 ]
	update_config '.process.user = {uid: 1000, gid: 1000}'
	set_args holo-check write /shared/by-user
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$(new_id)"
	[ "$(stat -c %u:%g "$SHARED/by-user")" = 101000:201000 ]
}

@test "userns: a bind source under a root-only directory is looked up as the runtime (runc)" {
	set_userns "$MAP_0_100000" "$MAP_0_100000"
	local locked=$TESTDIR/locked
	mkdir -p "$locked/inner"
	echo reachable >"$locked/inner/file"
	chmod 755 "$locked/inner"
	chmod 000 "$locked"
	mkdir -p "$BUNDLE/rootfs/data"
	add_bind /data "$locked/inner" ro
	set_args cat /data/file
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_output reachable
	chmod 755 "$locked"
}

@test "userns: host files of unmapped ids show as the overflow id" {
	set_userns "$MAP_0_100000" "$MAP_0_100000"
	make_owned_dir
	chown 0:0 "$IDDIR/file"
	mkdir -p "$BUNDLE/rootfs/owned"
	add_bind /owned "$IDDIR" ro
	set_args sh -c 'holo-check stat /owned/file'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_contains "uid=65534 gid=65534"
}

# ------------------------------------------------------------ devices

@test "userns: devices are bind-mounted from the host (no mknod in a user namespace)" {
	set_userns "$MAP_0_100000" "$MAP_0_100000"
	[ -c /dev/fuse ] || skip "no /dev/fuse on this host"
	update_config '.linux.devices = [{path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 438}]'
	set_args sh -c 'holo-check stat /dev/null; holo-check stat /dev/fuse; holo-check mountinfo /dev/null; holo-check write /dev/null x'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_contains "type=c mode=0666"
	check_contains "major=1 minor=3"
	check_contains "major=10 minor=229"
	# /dev/null is a mount (the host's node), not a node made in the rootfs.
	check_not_contains "not a mount point"
	check_contains "ok"
}

# ------------------------------------------------------------ joining

# start_holder: a process in a new user namespace whose uid and gid maps
# are "0 100000 65536"; sets $HOLDER_PID.
start_holder() {
	unshare -U sleep 1000 3>&- &
	HOLDER_PID=$!
	disown "$HOLDER_PID" # no "Killed" notice from teardown
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(readlink /proc/$HOLDER_PID/ns/user)" != "$(readlink /proc/$$/ns/user)" ] && break
		sleep 0.1
	done
	echo "0 100000 65536" >"/proc/$HOLDER_PID/uid_map"
	echo "0 100000 65536" >"/proc/$HOLDER_PID/gid_map"
}

@test "userns: exec into the container applies the process's oomScoreAdj (set before it joins)" {
	# The exec'd process is non-dumpable until execve: in the container's
	# user namespace its /proc/self files belong to the host's root, so
	# holo sets oom_score_adj before the process joins.
	[ "$RUNTIME_KIND" = runc ] && skip "runc 1.1's exec leaves oom_score_adj as it is (0)"
	set_userns "$MAP_0_100000" "$MAP_0_100000"
	set_args holo-check loop
	run -0 rt_run_d "$CID"
	wait_for_status "$CID" running
	cat >"$TESTDIR/process.json" <<-'EOF2'
		{"args": ["holo-check", "oom"], "cwd": "/", "env": ["PATH=/bin"],
		 "user": {"uid": 0, "gid": 0}, "oomScoreAdj": 300}
	EOF2
	run -0 --separate-stderr rt exec --process "$TESTDIR/process.json" "$CID"
	check_output 300
	run -0 --separate-stderr rt exec "$CID" holo-check ids
	check_contains "uid=0 gid=0"
}

@test "userns: joining an existing user namespace by path, with new mount and pid namespaces" {
	start_holder
	allow_walk_to "$BUNDLE"
	# runc 1.1 wants the mappings of the joined namespace repeated.
	update_config '.linux.namespaces += [{type: "user", path: $p}]
		| .linux.uidMappings = $m | .linux.gidMappings = $m' \
		--arg p "/proc/$HOLDER_PID/ns/user" --argjson m "$MAP_0_100000"
	set_args sh -c 'holo-check ns user; echo "pid=$$"; holo-check ids; cat /proc/self/uid_map'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_contains "$(readlink /proc/$HOLDER_PID/ns/user)"
	# A new pid namespace inside the joined user namespace.
	check_contains "pid=1"
	check_contains "uid=0 gid=0 euid=0 egid=0"
	[ "$(tail -n1 <<<"$output" | normalize_map)" = "0 100000 65536" ]
}

@test "userns: joining by path works without repeating the mappings" {
	[ "$RUNTIME_KIND" = runc ] && skip "runc 1.1 requires the mappings"
	start_holder
	allow_walk_to "$BUNDLE"
	update_config '.linux.namespaces += [{type: "user", path: $p}]' --arg p "/proc/$HOLDER_PID/ns/user"
	set_args holo-check ns user
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_output "$(readlink /proc/$HOLDER_PID/ns/user)"
}

@test "userns: mappings that differ from the joined namespace's are refused" {
	[ "$RUNTIME_KIND" = runc ] && skip "runc 1.1 does not compare them (1.2 does)"
	start_holder
	allow_walk_to "$BUNDLE"
	update_config '.linux.namespaces += [{type: "user", path: $p}]
		| .linux.uidMappings = [{containerID: 0, hostID: 500000, size: 10}]
		| .linux.gidMappings = [{containerID: 0, hostID: 500000, size: 10}]' \
		--arg p "/proc/$HOLDER_PID/ns/user"
	run ! --separate-stderr rt_create "$CID"
	check_holo_text "do not match the mappings of the joined user namespace" stderr
	check_nothing_left "$CID"
}

# ------------------------------------------------------------ idmapped mounts

@test "idmap: a dir owned by 1000 appears as the id the mount maps it to" {
	requires_idmap
	set_userns "$MAP_0_100000" "$MAP_0_100000"
	make_owned_dir
	mkdir -p "$BUNDLE/rootfs/same" "$BUNDLE/rootfs/shifted" "$BUNDLE/rootfs/plain"
	# The container's own mapping: 1000 on disk is 1000 inside.
	add_idmapped /same "$IDDIR" "$MAP_0_100000" "$MAP_0_100000" rbind idmap
	# Disk 1000 -> host 100005/100007 -> 5/7 inside.
	add_idmapped /shifted "$IDDIR" '[{"containerID": 1000, "hostID": 100005, "size": 1}]' \
		'[{"containerID": 1000, "hostID": 100007, "size": 1}]' rbind idmap
	add_bind /plain "$IDDIR"
	set_args sh -c 'holo-check stat /same/file; holo-check stat /shifted/file; holo-check stat /plain/file'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	[ "$(sed -n 1p <<<"$output" | grep -o 'uid=[0-9]* gid=[0-9]*')" = "uid=1000 gid=1000" ]
	[ "$(sed -n 2p <<<"$output" | grep -o 'uid=[0-9]* gid=[0-9]*')" = "uid=5 gid=7" ]
	# Without an idmap the same dir is nobody's.
	[ "$(sed -n 3p <<<"$output" | grep -o 'uid=[0-9]* gid=[0-9]*')" = "uid=65534 gid=65534" ]
	# Nothing changed on disk.
	[ "$(stat -c %u:%g "$IDDIR/file")" = 1000:1000 ]
}

@test "idmap: the idmap option without mappings takes the container's" {
	requires_idmap
	set_userns "$MAP_0_100000" "$MAP_0_100000"
	make_owned_dir
	mkdir -p "$BUNDLE/rootfs/owned"
	add_mount /owned bind "$IDDIR" rbind idmap
	update_config '.process.user = {uid: 1000, gid: 1000}'
	set_args sh -c 'holo-check stat /owned/file; holo-check write /owned/new'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_contains "uid=1000 gid=1000"
	check_contains "ok"
	# Written as container uid 1000: on disk it is 1000 again.
	[ "$(stat -c %u:%g "$IDDIR/new")" = 1000:1000 ]
}

@test "idmap: without a user namespace, root writes land on disk as the mapped id" {
	requires_idmap
	make_owned_dir
	add_idmapped /owned "$IDDIR" '[{"containerID": 1000, "hostID": 0, "size": 1}]' \
		'[{"containerID": 1000, "hostID": 0, "size": 1}]' bind idmap
	set_args sh -c 'holo-check stat /owned/file; holo-check write /owned/by-root'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_contains "uid=0 gid=0"
	[ "$(stat -c %u:%g "$IDDIR/by-root")" = 1000:1000 ]
}

@test "idmap: ridmap maps submounts too, idmap only the top mount" {
	requires_idmap
	make_owned_dir
	mkdir -p "$IDDIR/sub"
	mount -t tmpfs -o mode=755,uid=1000,gid=1000 holo-test "$IDDIR/sub"
	SUBMOUNT=$IDDIR/sub
	local m='[{"containerID": 1000, "hostID": 0, "size": 1}]'
	add_idmapped /top "$IDDIR" "$m" "$m" rbind idmap
	add_idmapped /all "$IDDIR" "$m" "$m" rbind ridmap
	set_args sh -c 'holo-check stat /top/sub; holo-check stat /all/sub'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	[ "$(sed -n 1p <<<"$output" | grep -o 'uid=[0-9]*')" = uid=1000 ]
	[ "$(sed -n 2p <<<"$output" | grep -o 'uid=[0-9]*')" = uid=0 ]
}

@test "idmap: only bind mounts can be idmapped" {
	requires_idmap
	set_userns "$MAP_0_100000" "$MAP_0_100000"
	add_mount /scratch tmpfs tmpfs idmap
	run ! --separate-stderr rt_create "$CID"
	check_holo_text "idmapped mounts are only supported for bind mounts" stderr
	check_nothing_left "$CID"
}

@test "idmap: the idmap option needs mappings or a user namespace" {
	requires_idmap
	make_owned_dir
	add_mount /owned bind "$IDDIR" rbind idmap
	run ! --separate-stderr rt_create "$CID"
	check_holo_text "idmap needs uidMappings and gidMappings" stderr
	check_nothing_left "$CID"
}

@test "idmap: features report idmapped mounts and the idmap options" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's own features document"
	run -0 rt features
	[ "$(jq -r '.linux.mountExtensions.idmap.enabled' <<<"$output")" = true ]
	jq -e '.mountOptions | index("idmap") and index("ridmap")' <<<"$output" >/dev/null
}
