#!/usr/bin/env bats
# linux.namespaces: new ones, joined ones, user namespace mappings,
# hostname and domainname.

load helpers

# In a user namespace the container's root is an unprivileged host uid: it
# must be able to walk down to the rootfs (bats makes its temp dirs 0700).
allow_userns_path() {
	local d=$BUNDLE
	while [ "$d" != / ] && [ "$d" != "${BATS_RUN_TMPDIR%/*}" ]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
}

# use_userns HOSTUID HOSTGID SIZE: a user namespace mapping container ids
# 0..SIZE-1 to host ids from HOSTUID/HOSTGID.
use_userns() {
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: $u, size: $n}]
		| .linux.gidMappings = [{containerID: 0, hostID: $g, size: $n}]' \
		--argjson u "$1" --argjson g "$2" --argjson n "$3"
	allow_userns_path
}

# ns_of PID TYPE: "type:[inode]" of a process's namespace, as seen from here.
ns_of() {
	readlink "/proc/$1/ns/$2"
}

@test "namespaces: the process is pid 1 of a new pid namespace" {
	set_args holo-check pid
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_output 1
}

@test "namespaces: every listed namespace is new, every unlisted one is the host's" {
	update_config '.linux.namespaces = [{type: "pid"}, {type: "network"}, {type: "mount"}, {type: "cgroup"}]'
	update_config 'del(.hostname)'
	set_args sh -c 'for t in pid net mnt cgroup ipc uts; do echo "$t $(holo-check ns $t)"; done'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	local t line
	for t in pid net mnt cgroup; do
		line=$(grep "^$t " <<<"$output")
		[ -n "$line" ]
		[ "${line#* }" != "$(ns_of $$ $t)" ] || {
			echo "$t namespace is the host's: $line"
			false
		}
	done
	for t in ipc uts; do
		line=$(grep "^$t " <<<"$output")
		[ "${line#* }" = "$(ns_of $$ $t)" ] || {
			echo "$t namespace should be the host's: $line, host $(ns_of $$ $t)"
			false
		}
	done
}

@test "namespaces: a created container's init is already in its namespaces" {
	update_config '.process.args = ["holo-check", "loop"]'
	run -0 rt_create "$CID"
	local pid t
	pid=$(state_field "$CID" pid)
	for t in pid net ipc uts mnt; do
		[ "$(ns_of "$pid" $t)" != "$(ns_of $$ $t)" ]
	done
}

@test "namespaces: hostname and domainname are set in the new uts namespace" {
	requires domainname
	update_config '.hostname = "holo-host" | .domainname = "holo.example"'
	set_args sh -c 'holo-check hostname; holo-check domainname'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_output "$(printf '%s\n' holo-host holo.example)"
	# The host's names are untouched.
	[ "$(hostname)" != holo-host ]
	[ "$(cat /proc/sys/kernel/domainname)" != holo.example ]
}

@test "namespaces: a hostname without a uts namespace is refused" {
	remove_namespace uts
	update_config '.hostname = "holo-host"'
	run -1 --separate-stderr rt_create "$CID"
	check_holo_text "hostname" stderr
	check_nothing_left "$CID"
	[ "$(hostname)" != holo-host ]
}

@test "namespaces: joining a network namespace by path" {
	local name=holo-$CID
	NETNS_NAMES="$name"
	ip netns add "$name"
	# Something to recognise it by: a per-netns sysctl set to an odd value.
	ip netns exec "$name" sysctl -qw net.ipv4.ip_default_ttl=77
	update_config '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
		--arg p "/run/netns/$name"
	set_args sh -c 'holo-check ns net; holo-check sysctl net.ipv4.ip_default_ttl'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_output "$(printf 'net:[%s]\n77' "$(stat -L -c %i "/run/netns/$name")")"
}

@test "namespaces: joining another container's namespaces by path" {
	update_config '.process.args = ["holo-check", "loop"]'
	run -0 rt_run_d "$CID"
	local pid
	pid=$(state_field "$CID" pid)

	local second
	second=$(new_id)
	local b2
	b2=$(make_bundle "$TESTDIR/bundle2")
	CONFIG_BUNDLE=$b2 update_config 'del(.hostname)
		| .linux.namespaces = [{type: "pid", path: "/proc/\($p)/ns/pid"},
		                       {type: "network", path: "/proc/\($p)/ns/net"},
		                       {type: "ipc", path: "/proc/\($p)/ns/ipc"},
		                       {type: "uts", path: "/proc/\($p)/ns/uts"},
		                       {type: "mount"}]' --arg p "$pid"
	CONFIG_BUNDLE=$b2 update_config '.process.args = ["sh", "-c",
		"for t in pid net ipc uts mnt; do echo \"$t $(holo-check ns $t)\"; done; echo \"pid $(holo-check pid)\""]'
	run -0 --separate-stderr rt run --bundle "$b2" "$second"
	local t
	for t in pid net ipc uts; do
		grep -qxF "$t $(ns_of "$pid" $t)" <<<"$output" || {
			echo "$t not joined"
			show_run
			false
		}
	done
	grep -qxF "mnt $(ns_of "$pid" mnt)" <<<"$output" && false
	# Not the first process of the pid namespace it joined.
	! grep -qx "pid 1" <<<"$output" || false
}

@test "namespaces: user namespace with uid and gid mappings" {
	use_userns 100000 200000 65536
	update_config '.process.args = ["holo-check", "loop"]'
	run -0 rt_run_d "$CID"
	local pid
	pid=$(state_field "$CID" pid)
	[ "$(ns_of "$pid" user)" != "$(ns_of $$ user)" ]
	# Seen from the host the process runs as the mapped ids.
	[ "$(awk '/^Uid:/ {print $2}' /proc/$pid/status)" = 100000 ]
	[ "$(awk '/^Gid:/ {print $2}' /proc/$pid/status)" = 200000 ]
	[ "$(awk '{print $1, $2, $3}' /proc/$pid/uid_map)" = "0 100000 65536" ]
	[ "$(awk '{print $1, $2, $3}' /proc/$pid/gid_map)" = "0 200000 65536" ]
	run -0 rt kill "$CID" KILL
	wait_for_status "$CID" stopped
	run -0 rt delete "$CID"

	# Seen from inside, it is root.
	update_config '.process.args = ["sh", "-c", "holo-check ids; cat /proc/self/uid_map"]'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_contains "uid=0 gid=0 euid=0 egid=0"
	check_matches "0 +100000 +65536"
}

@test "namespaces: user namespace mapping a non-root container user" {
	use_userns 100000 100000 2000
	update_config '.process.user = {uid: 1000, gid: 1000}'
	set_args holo-check ids
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_contains "uid=1000 gid=1000 euid=1000 egid=1000"
}

@test "namespaces: cgroup namespace hides the host's cgroup path" {
	update_config '.linux.namespaces += [{type: "cgroup"}]'
	set_args holo-check cgroup
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	# Every hierarchy's path is the namespace root.
	run -0 awk -F: '$3 != "/" {print}' <<<"$output"
	check_output ""
}

@test "namespaces: without a cgroup namespace the host's cgroup path shows" {
	update_config '.linux.namespaces |= map(select(.type != "cgroup"))'
	set_args holo-check cgroup
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	# On this kind of host the runtime puts the container in a cgroup of its
	# own: the path is not the root.
	run -0 awk -F: '$2 ~ /pids/ {print $3}' <<<"$output"
	[ -n "$output" ] && [ "$output" != "/" ]
}

@test "namespaces: a time namespace with monotonic and boottime offsets" {
	requires timens
	update_config '.linux.namespaces += [{type: "time"}]
		| .linux.timeOffsets = {monotonic: {secs: 1000000, nanosecs: 0}, boottime: {secs: 2000000, nanosecs: 0}}'
	set_args sh -c 'cat /proc/self/timens_offsets; holo-check clock'
	local host
	host=$("$CHECKER" clock)
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_matches $'(^|\n)monotonic +1000000 +0\n'
	check_matches $'(^|\n)boottime +2000000 +0\n'
	local hm hb cm cb
	hm=$(sed 's/.*monotonic=\([0-9]*\).*/\1/' <<<"$host")
	hb=$(sed 's/.*boottime=\([0-9]*\).*/\1/' <<<"$host")
	cm=$(tail -n1 <<<"$output" | sed 's/.*monotonic=\([0-9]*\).*/\1/')
	cb=$(tail -n1 <<<"$output" | sed 's/.*boottime=\([0-9]*\).*/\1/')
	((cm - hm >= 1000000 && cm - hm < 1000000 + 60))
	((cb - hb >= 2000000 && cb - hb < 2000000 + 60))
}

@test "namespaces: timeOffsets without a time namespace are refused" {
	requires timens
	update_config '.linux.timeOffsets = {monotonic: {secs: 1000, nanosecs: 0}}'
	run -1 --separate-stderr rt_create "$CID"
	check_holo_text "timeOffsets" stderr
	check_nothing_left "$CID"
}
