#!/usr/bin/env bats
# Rootless mode: the runtime run by an unprivileged user (made here with
# useradd, with /etc/subuid and /etc/subgid entries), through runuser.
# Covers `spec --rootless` -> run, automatic detection and the state root,
# ids of written files, newuidmap/newgidmap ranges, exec/kill/delete,
# cgroups that are not ours, joining a user namespace by path, and the
# errors that say what is missing.  Runs against runc as well
# (RUNTIME=/usr/sbin/runc), which works rootless too.

load helpers

RL_USER=holo-rootless   # a regular user: useradd gives it subordinate ids
RL_NOSUB=holo-nosubid   # a system user: no subordinate ids

setup_file() {
	[ "$(id -u)" = 0 ] || return 0
	id "$RL_USER" >/dev/null 2>&1 || useradd -m -s /bin/sh "$RL_USER"
	id "$RL_NOSUB" >/dev/null 2>&1 || useradd -r -M -s /bin/sh "$RL_NOSUB"
	local f
	for f in /etc/subuid /etc/subgid; do
		touch "$f"
		# flock: other test files may edit them too.
		(
			flock 9
			grep -q "^$RL_USER:" "$f" || echo "$RL_USER:1100000:65536" >>"$f"
			sed -i "/^$RL_NOSUB:/d" "$f"
		) 9>>"$f.holo-test-lock"
	done
}

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root to create the unprivileged test user"
	setup_common
	RL_UID=$(id -u "$RL_USER")
	RL_GID=$(id -g "$RL_USER")
	SUB_UID=$(awk -F: -v u="$RL_USER" '$1 == u {print $2; exit}' /etc/subuid)
	SUB_GID=$(awk -F: -v u="$RL_USER" '$1 == u {print $2; exit}' /etc/subgid)
	# bats' temp dirs are 0700: the user gets a directory of its own.
	RLDIR=$(mktemp -d /tmp/holo-rootless.XXXXXX)
	chmod 755 "$RLDIR"
	RLROOT=$RLDIR/state
	RLBUNDLE=$RLDIR/bundle
	mkdir -p "$RLDIR/xdg" "$RLBUNDLE"
	chmod 700 "$RLDIR/xdg"
	cp -a "$BASE_ROOTFS" "$RLBUNDLE/rootfs"
	chown -R "$RL_USER:" "$RLDIR"
	HOLDER_PID=
	DELEGATED=()
	# The user must reach the runtime: a checkout under a 0700 directory
	# gets a copy of it.
	if ! runuser -u "$RL_USER" -- test -x "$RUNTIME"; then
		cp "$RUNTIME" "$RLDIR/$(basename "$RUNTIME")"
		chmod 755 "$RLDIR/$(basename "$RUNTIME")"
		RUNTIME=$RLDIR/$(basename "$RUNTIME")
	fi
}

teardown() {
	local id
	if [ -n "${RLDIR:-}" ]; then
		for id in $(cat "$BATS_TEST_TMPDIR/ids" 2>/dev/null); do
			rl delete --force "$id" >/dev/null 2>&1
			RL_ROOT_ARGS=none rl delete --force "$id" >/dev/null 2>&1
		done
	fi
	[ -n "$HOLDER_PID" ] && kill -9 "$HOLDER_PID" 2>/dev/null
	teardown_common
	# The last processes may still be on their way out.
	local d i
	for d in "${DELEGATED[@]}"; do
		for ((i = 0; i < 30; i++)); do
			find "$d" -depth -mindepth 1 -type d -exec rmdir {} + 2>/dev/null
			rmdir "$d" 2>/dev/null || [ ! -d "$d" ] && break
			sleep 0.1
		done
	done
	[ -n "${RLDIR:-}" ] && rm -rf "$RLDIR"
	return 0
}

# rl ARGS...: the runtime as $RL_USER (or $RL_AS), with --root $RLROOT
# (none when RL_ROOT_ARGS=none), XDG_RUNTIME_DIR in $RLDIR, PATH=$RL_PATH
# when set, a time limit and the test marker.
rl() {
	local root_args=(--root "$RLROOT")
	[ "${RL_ROOT_ARGS:-}" = none ] && root_args=()
	# From a directory the user may be in.
	(cd / && runuser -u "${RL_AS:-$RL_USER}" -- /usr/bin/env PATH="${RL_PATH:-$PATH}" \
		HOLO_TEST_MARKER="$TEST_MARKER" XDG_RUNTIME_DIR="$RLDIR/xdg" \
		/usr/bin/timeout --kill-after=5 "$RT_TIMEOUT" "$RUNTIME" "${root_args[@]}" "$@")
}

# rl_run_d ID: "run -d" of $RLBUNDLE with the container's stdio on files.
rl_run_d() {
	local f rc=0
	f=$(stdio_file "$1")
	rl run -d --bundle "$RLBUNDLE" "$1" >"$f.out" 2>"$f.err" </dev/null 3>&- || rc=$?
	cat "$f.err" >&2
	return $rc
}

# rl_spec: `spec --rootless` written by the user, then the test's process.
rl_spec() {
	rm -f "$RLBUNDLE/config.json"
	runuser -u "$RL_USER" -- "$RUNTIME" spec --rootless --bundle "$RLBUNDLE"
	rl_config '.process.terminal = false | .process.args = ["holo-check", "ids"]
		| .process.env += ["HOLO_TEST_MARKER=" + $m]' --arg m "$TEST_MARKER"
}

rl_config() {
	CONFIG_BUNDLE=$RLBUNDLE update_config "$@"
}

rl_args() {
	rl_config '.process.args = $a' --argjson a "$(json_array "$@")"
}

# rl_subid_maps: uid and gid maps with the user's own id as 0 and 65536
# subordinate ids as 1..65536.
rl_subid_maps() {
	rl_config '.linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}, {containerID: 1, hostID: $su, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: $g, size: 1}, {containerID: 1, hostID: $sg, size: 65536}]' \
		--argjson u "$RL_UID" --argjson g "$RL_GID" --argjson su "$SUB_UID" --argjson sg "$SUB_GID"
}

# -------------------------------------------------------------- running

@test "rootless: spec --rootless, then run: root of a user namespace mapping only our ids" {
	rl_spec
	rl_args sh -c 'holo-check ids; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups'
	run -0 --separate-stderr rl run --bundle "$RLBUNDLE" "$CID"
	check_contains "uid=0 gid=0 euid=0 egid=0"
	[ "$(sed -n 2p <<<"$output" | awk '{print $1, $2, $3}')" = "0 $RL_UID 1" ]
	[ "$(sed -n 3p <<<"$output" | awk '{print $1, $2, $3}')" = "0 $RL_GID 1" ]
	# A gid map written without newgidmap requires setgroups to be denied.
	[ "$(sed -n 4p <<<"$output")" = deny ]
	check_no_processes
}

@test "rootless: the spec's config has a user namespace and no network namespace" {
	rl_spec
	# (plus a cgroup namespace on a cgroup v2 host, as runc's)
	run -0 jq -c '[.linux.namespaces[].type | select(. != "cgroup")] | sort' "$RLBUNDLE/config.json"
	check_output '["ipc","mount","pid","user","uts"]'
	run -0 jq -c '.linux.uidMappings' "$RLBUNDLE/config.json"
	check_output "[{\"containerID\":0,\"hostID\":$RL_UID,\"size\":1}]"
}

@test "rootless: detected without --rootless; state under \$XDG_RUNTIME_DIR/<runtime>" {
	rl_spec
	rl_config '.process.args = ["holo-check", "loop"]'
	RL_ROOT_ARGS=none
	run -0 rl_run_d "$CID"
	[ -d "$RLDIR/xdg/$RUNTIME_KIND/$CID" ] || {
		ls -laR "$RLDIR/xdg"
		false
	}
	[ "$(stat -c %U "$RLDIR/xdg/$RUNTIME_KIND")" = "$RL_USER" ]
	run -0 rl state "$CID"
	[ "$(jq -r .status <<<"$output")" = running ]
	run -0 rl kill "$CID" KILL
	wait_for_status_rl "$CID" stopped
	run -0 rl delete "$CID"
	[ ! -e "$RLDIR/xdg/$RUNTIME_KIND/$CID" ]
}

# wait_for_status_rl ID STATUS: wait_for_status through rl.
wait_for_status_rl() {
	local i got
	for ((i = 0; i < 100; i++)); do
		got=$(rl state "$1" 2>/dev/null | jq -r .status)
		[ "$got" = "$2" ] && return 0
		sleep 0.1
	done
	echo "status '$got', wanted '$2'"
	return 1
}

# rl_in_userns ARGS...: the runtime as rootless Podman runs it: uid 0 of a
# user namespace (of its own mount namespace too) that maps the user's id,
# with XDG_RUNTIME_DIR set, no --root.
rl_in_userns() {
	(cd / && runuser -u "$RL_USER" -- /usr/bin/env HOLO_TEST_MARKER="$TEST_MARKER" XDG_RUNTIME_DIR="$RLDIR/xdg" \
		USER="${RL_USER_ENV:-$RL_USER}" /usr/bin/timeout --kill-after=5 "$RT_TIMEOUT" unshare --user --map-root-user --mount \
		"$RUNTIME" "$@")
}

@test "rootless: as root of a user namespace with XDG_RUNTIME_DIR (rootless Podman), no --root needed (runc's rule)" {
	# Already in a user namespace: the config has none of its own.
	rm -f "$RLBUNDLE/config.json"
	runuser -u "$RL_USER" -- "$RUNTIME" spec --bundle "$RLBUNDLE"
	# (gid=5 of devpts is not mapped: runc 1.1 would fail on it; holo drops it)
	rl_config '.process.terminal = false | del(.linux.resources) | .process.args = ["sh", "-c",
		"holo-check ids; ls /dev/null"] | .process.env += ["HOLO_TEST_MARKER=" + $m]
		| .mounts |= map(if .type == "devpts" then .options -= ["gid=5"] else . end)' --arg m "$TEST_MARKER"
	run -0 --separate-stderr rl_in_userns run --bundle "$RLBUNDLE" "$CID"
	check_contains "uid=0 gid=0"
	check_contains "/dev/null"
	[ -d "$RLDIR/xdg/$RUNTIME_KIND" ] || {
		ls -laR "$RLDIR/xdg"
		false
	}
	# holo also drops an unmapped devpts gid (and binds devices) in a user
	# namespace it runs in, not only in one of the container's own.
	if [ "$RUNTIME_KIND" = holo ]; then
		rl_config '.mounts |= map(if .type == "devpts" then .options += ["gid=5"] else . end)'
		run -0 --separate-stderr rl_in_userns run --bundle "$RLBUNDLE" "$(new_id)"
		check_contains "/dev/null"
	fi
	# USER=root keeps the real root's default, as with runc.
	RL_USER_ENV=root run -1 --separate-stderr rl_in_userns create --bundle "$RLBUNDLE" "$(new_id)" </dev/null
	check_contains "/run/$RUNTIME_KIND" stderr
}

@test "rootless: without XDG_RUNTIME_DIR the state goes to a directory of the user's" {
	[ "$RUNTIME_KIND" = holo ] || skip "runc falls back to /run/runc, which a user can not create"
	rl_spec
	local expected=/tmp/holo-$RL_UID existed=false
	[ -d "/run/user/$RL_UID" ] && expected=/run/user/$RL_UID/holo
	[ -e "$expected" ] && existed=true
	run -0 runuser -u "$RL_USER" -- env -u XDG_RUNTIME_DIR HOLO_TEST_MARKER="$TEST_MARKER" \
		"$RUNTIME" --debug run --bundle "$RLBUNDLE" "$CID"
	[ "$(stat -c '%U %a' "$expected")" = "$RL_USER 700" ]
	$existed || rm -rf "$expected"
}

@test "rootless: files written to a bind-mounted dir belong to the user on the host" {
	rl_spec
	mkdir -p "$RLDIR/shared"
	chown "$RL_USER:" "$RLDIR/shared"
	rl_config '.mounts += [{destination: "/shared", type: "bind", source: $s, options: ["rbind", "rw"]}]' \
		--arg s "$RLDIR/shared"
	rl_args holo-check write /shared/by-root
	run -0 --separate-stderr rl run --bundle "$RLBUNDLE" "$CID"
	[ "$(stat -c %u:%g "$RLDIR/shared/by-root")" = "$RL_UID:$RL_GID" ]
}

@test "rootless: subordinate ids through newuidmap/newgidmap" {
	command -v newuidmap >/dev/null || skip "newuidmap is not installed (package uidmap)"
	rl_spec
	rl_subid_maps
	mkdir -p "$RLDIR/shared"
	chown "$RL_USER:" "$RLDIR/shared"
	chmod 777 "$RLDIR/shared"
	rl_config '.mounts += [{destination: "/shared", type: "bind", source: $s, options: ["rbind", "rw"]}]
		| .process.user = {uid: 1000, gid: 1000}' --arg s "$RLDIR/shared"
	# runc refuses additionalGids in any rootless container; holo takes
	# them whenever newgidmap left setgroups allowed.
	[ "$RUNTIME_KIND" = runc ] || rl_config '.process.user.additionalGids = [5]'

	rl_args sh -c 'cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; holo-check ids; holo-check write /shared/by-1000'
	run -0 --separate-stderr rl run --bundle "$RLBUNDLE" "$CID"
	local maps
	maps=$(sed -n 1,4p <<<"$output" | awk '{print $1, $2, $3}')
	[ "$maps" = "$(printf '0 %s 1\n1 %s 65536\n0 %s 1\n1 %s 65536' "$RL_UID" "$SUB_UID" "$RL_GID" "$SUB_GID")" ] || {
		show_run
		false
	}
	# newgidmap leaves setgroups allowed: additionalGids work.
	check_contains "allow"
	check_contains "uid=1000 gid=1000 euid=1000 egid=1000"
	[ "$RUNTIME_KIND" = runc ] || check_contains "uid=1000 gid=1000 euid=1000 egid=1000 groups=5"
	[ "$(stat -c %u:%g "$RLDIR/shared/by-1000")" = "$((SUB_UID + 999)):$((SUB_GID + 999))" ]
}

@test "rootless: exec, kill and delete a running container" {
	command -v newuidmap >/dev/null || skip "newuidmap is not installed (package uidmap)"
	rl_spec
	rl_subid_maps
	rl_config '.process.args = ["holo-check", "loop"]'
	run -0 rl_run_d "$CID"
	run -0 --separate-stderr rl exec "$CID" holo-check ids
	# runc keeps the caller's groups (its own gid, 0 inside); holo sets
	# the config's: none.
	check_contains "uid=0 gid=0 euid=0 egid=0 groups="
	[ "$RUNTIME_KIND" = runc ] || check_output "uid=0 gid=0 euid=0 egid=0 groups="
	run -0 --separate-stderr rl exec --user 1000:1000 "$CID" holo-check ids
	check_contains "uid=1000 gid=1000 euid=1000 egid=1000 groups="
	[ "$RUNTIME_KIND" = runc ] || check_output "uid=1000 gid=1000 euid=1000 egid=1000 groups="
	local pid
	pid=$(rl state "$CID" | jq -r .pid)
	# Seen from the host, the init runs as our id (container root).
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = "$RL_UID" ]
	run -0 rl kill "$CID" KILL
	wait_for_status_rl "$CID" stopped
	run -0 rl delete "$CID"
	check_no_processes
}

@test "rootless: a cgroup that is not ours is skipped, also with --cgroup-manager cgroupfs" {
	rl_spec
	local flags=()
	# runc has no --cgroup-manager (crun's flag, which holo takes too).
	[ "$RUNTIME_KIND" = runc ] || flags=(--cgroup-manager cgroupfs)
	run -0 --separate-stderr rl "${flags[@]}" run --bundle "$RLBUNDLE" "$CID"
	check_contains "uid=0 gid=0 euid=0 egid=0"
	local d
	for d in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
		[ ! -e "$d$CID" ] || {
			echo "cgroup $d$CID left behind"
			false
		}
	done
}

@test "rootless: without a cgroup, device rules alone go unapplied silently (Podman's config); limits are warned about" {
	rl_spec
	rl_config '.linux.resources = {devices: [{allow: false, access: "rwm"}]}'
	run -0 --separate-stderr rl run --bundle "$RLBUNDLE" "$CID"
	check_contains "uid=0 gid=0 euid=0 egid=0"
	# Nothing from the runtime on what is the container's stderr (runc: the same).
	[ -z "$stderr" ] || {
		echo "stderr: $stderr"
		false
	}
	[ "$RUNTIME_KIND" = holo ] || return 0
	rl_config '.linux.resources.pids = {limit: 100}'
	run -0 --separate-stderr rl run --bundle "$RLBUNDLE" "$(new_id)"
	check_contains "running without a cgroup, linux.resources not applied" stderr
}

# delegate_cgroups NAME: a cgroup NAME in every hierarchy, owned by the
# user (what systemd's Delegate= gives a user session); lists them in
# $DELEGATED for teardown.
delegate_cgroups() {
	local d
	DELEGATED=()
	for d in /sys/fs/cgroup /sys/fs/cgroup/*; do
		# The root of each hierarchy (not the cgroups under a v2 root).
		[ -e "$d/cgroup.procs" ] && mountpoint -q "$d" || continue
		mkdir "$d/$1"
		if [ -e "$d/cpuset.cpus" ] && [ -e "$d/$1/cpuset.cpus" ]; then
			cat "$d/cpuset.cpus" >"$d/$1/cpuset.cpus"
			cat "$d/cpuset.mems" >"$d/$1/cpuset.mems"
		fi
		chown -R "$RL_USER" "$d/$1"
		DELEGATED+=("$d/$1")
	done
}

# rl_in_delegated ARGS...: rl from inside the delegated cgroups (where root
# puts it, as a session manager would), so that it may move the container
# below them.  A subshell: only it moves.
rl_in_delegated() (
	for d in "${DELEGATED[@]}"; do
		echo "$BASHPID" >"$d/cgroup.procs"
	done
	rl "$@"
)

@test "rootless: a delegated cgroup is used" {
	rl_spec
	delegate_cgroups "holo-rl-$CID"
	rl_config '.linux.cgroupsPath = $p | .process.args = ["holo-check", "loop"]' --arg p "/holo-rl-$CID/c"
	# (the container's stdio on a file: it outlives the command)
	rl_in_delegated run -d --bundle "$RLBUNDLE" "$CID" </dev/null >"$TESTDIR/out" 2>&1 3>&- || {
		cat "$TESTDIR/out"
		false
	}
	local pid line
	pid=$(rl state "$CID" | jq -r .pid)
	# Seen from the host: every hierarchy puts it in the delegated cgroup.
	for line in $(cat "/proc/$pid/cgroup"); do
		[ "${line##*:}" = "/holo-rl-$CID/c" ] || {
			echo "not in the delegated cgroup: $line"
			cat "/proc/$pid/cgroup"
			false
		}
	done
	# exec from outside the delegated cgroups: cgroup v2 refuses the move
	# (no write access to the common ancestor); the process runs anyway.
	run -0 --separate-stderr rl exec "$CID" holo-check ids
	check_contains "uid=0 gid=0"
	run -0 rl delete --force "$CID"
}

@test "rootless: joining a user namespace the user made, by path" {
	rl_spec
	runuser -u "$RL_USER" -- unshare -U --map-root-user sh -c "echo \$\$ >$RLDIR/holder.pid; exec sleep 1000" 3>&- &
	disown $!
	wait_for_file "$RLDIR/holder.pid"
	sleep 0.2
	HOLDER_PID=$(cat "$RLDIR/holder.pid")
	rl_config '.linux.namespaces |= map(if .type == "user" then .path = $p else . end)' \
		--arg p "/proc/$HOLDER_PID/ns/user"
	rl_args sh -c 'holo-check ns user; holo-check ids'
	run -0 --separate-stderr rl run --bundle "$RLBUNDLE" "$CID"
	check_contains "$(readlink "/proc/$HOLDER_PID/ns/user")"
	check_contains "uid=0 gid=0"
}

# --------------------------------------------------------------- errors

@test "rootless: a config without a user namespace is refused" {
	rl_spec
	rl_config '.linux.namespaces |= map(select(.type != "user")) | del(.linux.uidMappings, .linux.gidMappings)'
	run ! --separate-stderr rl run --bundle "$RLBUNDLE" "$CID"
	# runc says the same.
	check_contains "rootless container requires user namespaces" stderr
	check_nothing_left_rl "$CID"
}

# check_nothing_left_rl ID: no container ID, no state, no process.
check_nothing_left_rl() {
	run rl state "$1"
	[ "$status" -ne 0 ] || {
		echo "container $1 still exists"
		false
	}
	[ -z "$(find "$RLROOT" -name "*$1*" 2>/dev/null)" ]
	check_no_processes
}

@test "rootless: user namespaces disabled in the kernel are named in the error" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's own check of user.max_user_namespaces"
	rl_spec
	echo 0 >"$RLDIR/zero"
	chmod 644 "$RLDIR/zero"
	# Only this command sees the 0: a bind mount in a private mount namespace.
	run ! --separate-stderr unshare -m sh -c 'mount --bind "$1" /proc/sys/user/max_user_namespaces && shift && exec "$@"' \
		sh "$RLDIR/zero" runuser -u "$RL_USER" -- "$RUNTIME" --root "$RLROOT" run --bundle "$RLBUNDLE" "$CID"
	check_contains "rootless container requires user namespaces, but they are disabled: user.max_user_namespaces is 0" stderr
}

@test "rootless: a user without subordinate ids gets told so" {
	rl_spec
	rl_config '.linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}, {containerID: 1, hostID: 1200000, size: 1000}]' \
		--argjson u "$(id -u "$RL_NOSUB")"
	rl_config '.linux.gidMappings = [{containerID: 0, hostID: $g, size: 1}]' --argjson g "$(id -g "$RL_NOSUB")"
	chown -R "$RL_NOSUB" "$RLDIR"
	RL_AS=$RL_NOSUB
	run ! --separate-stderr rl run --bundle "$RLBUNDLE" "$CID"
	check_holo_text "no subordinate ids for user $RL_NOSUB in /etc/subuid" stderr
	# runc: newuidmap's own refusal.
	[ "$RUNTIME_KIND" != runc ] || check_contains "newuidmap" stderr
	check_nothing_left_rl "$CID"
}

@test "rootless: ids outside the user's subordinate range are refused" {
	rl_spec
	rl_config '.linux.uidMappings += [{containerID: 1, hostID: 1500000, size: 10}]'
	run ! --separate-stderr rl run --bundle "$RLBUNDLE" "$CID"
	check_holo_text "linux.uidMappings[1]: host ids 1500000-1500009 are not subordinate ids of user $RL_USER in /etc/subuid" stderr
	check_nothing_left_rl "$CID"
}

@test "rootless: without newuidmap the error says which package to install" {
	rl_spec
	rl_subid_maps
	RL_PATH=/nonexistent
	run ! --separate-stderr rl run --bundle "$RLBUNDLE" "$CID"
	# runc: "mapping tool not present".
	check_holo_text "newuidmap not found: install the uidmap package" stderr
	check_nothing_left_rl "$CID"
}

@test "rootless: additionalGids need setgroups, which a single-id gid map denies" {
	rl_spec
	rl_config '.process.user.additionalGids = [0]'
	run ! --separate-stderr rl run --bundle "$RLBUNDLE" "$CID"
	check_holo_text "process.user.additionalGids: setgroups is denied in this user namespace" stderr
	check_nothing_left_rl "$CID"
}

@test "rootless: idmapped mounts are refused with the reason" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's own error (runc 1.1 ignores idmap)"
	rl_spec
	mkdir -p "$RLDIR/src"
	chown "$RL_USER:" "$RLDIR/src"
	rl_config '.mounts += [{destination: "/mnt", type: "bind", source: $s, options: ["rbind", "idmap"]}]' \
		--arg s "$RLDIR/src"
	run ! --separate-stderr rl run --bundle "$RLBUNDLE" "$CID"
	check_contains "idmapped mounts need a privileged runtime" stderr
	check_nothing_left_rl "$CID"
}
