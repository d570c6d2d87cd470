#!/usr/bin/env bats
# The runtime-spec's MUST and SHOULD statements that the OCI runtime-tools
# suite does not check (or checks with a broken program), each against a
# real container.  README.md lists every statement and the test that covers
# it, here or in tests/integration/.  Runs against runc too:
#   RUNTIME=/usr/sbin/runc bats tests/oci-validation/spec.bats
# where runc 1.1.5 does not follow a statement, the test says so and skips.

load ../integration/helpers

skip_unless_holo() {
	[ "$RUNTIME_KIND" = holo ] || skip "$1"
}

# ------------------------------------------------------------ runtime.md

@test "spec: create with the ID of an existing container MUST fail and MUST NOT create a container" {
	set_args holo-check loop
	run -0 rt_create "$CID"
	local pid
	pid=$(state_field "$CID" pid)
	run -1 --separate-stderr rt_create "$CID"
	# The first one is untouched.
	[ "$(state_field "$CID" pid)" = "$pid" ]
	[ "$(state_field "$CID" status)" = created ]
}

@test "spec: create with an ID that is not valid MUST fail and create nothing" {
	local id
	for id in "../escape" "a/b" "." ".."; do
		run -1 --separate-stderr rt create --bundle "$BUNDLE" "$id" </dev/null 3>&-
		[ ! -e "$ROOT/escape" ] && [ ! -e "$TESTDIR/escape" ]
	done
	run -0 rt list -q
	check_output ""
}

@test "spec: a failing createRuntime hook fails create, the container is destroyed, poststop hooks run (lifecycle 4, 12, 13)" {
	add_shared_dir
	update_config '.hooks = {createRuntime: [{path: "/bin/false"}],
		poststop: [{path: "/bin/sh", args: ["sh", "-c", "cat > \($d)/poststop.json"]}]}' --arg d "$SHARED"
	run -1 --separate-stderr rt_create "$CID"
	check_nothing_left "$CID"
	[ -s "$SHARED/poststop.json" ]
	run -0 jq -r '"\(.id) \(.status)"' "$SHARED/poststop.json"
	check_output "$CID stopped"
}

@test "spec: a failing poststart hook is a warning: start succeeds and the process runs (lifecycle 9)" {
	requires poststart
	add_shared_dir
	update_config '.hooks.poststart = [{path: "/bin/false"}]'
	set_args sh -c 'touch /shared/ran; holo-check loop'
	run -0 rt_create "$CID"
	run -0 --separate-stderr rt start "$CID"
	wait_for_file "$SHARED/ran"
	[ "$(state_field "$CID" status)" = running ]
}

@test "spec: a failing poststop hook is a warning: delete succeeds (lifecycle 13)" {
	update_config '.hooks.poststop = [{path: "/bin/false"}]'
	set_args true
	run -0 rt_create "$CID"
	run -0 rt start "$CID"
	wait_for_status "$CID" stopped
	run -0 --separate-stderr rt delete "$CID"
	check_nothing_left "$CID"
}

# ------------------------------------------------------------- config.md

@test "spec: unknown properties MUST be ignored, not an error (extensibility)" {
	update_config '.holoUnknown = {"a": 1} | .process.holoUnknown = true | .linux.holoUnknown = [1]
		| .mounts[0].holoUnknown = "x"'
	set_args true
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
}

@test "spec: unknown annotation keys MUST NOT be an error; an empty key is invalid and MUST be one" {
	update_config '.annotations = {"org.example.unknown": "", "com.example.x": "y"}'
	set_args true
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	skip_unless_holo "runc 1.1.5 accepts an empty annotation key"
	CID=$(new_id)
	update_config '.annotations = {"": "empty key"}'
	run -1 --separate-stderr rt_create "$CID"
	check_contains "annotations: a key must not be empty" stderr
	check_nothing_left "$CID"
}

@test "spec: a relative mount destination MUST be taken as relative to / (runc too)" {
	update_config '.mounts += [{destination: "relative/dir", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]'
	set_args holo-check mountinfo /relative/dir
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_matches "^fstype=tmpfs "
}

@test "spec: unknown mount options SHOULD go to mount(2) as filesystem data" {
	update_config '.mounts += [{destination: "/data", type: "tmpfs", source: "tmpfs", options: ["size=2m", "nr_inodes=1234"]}]'
	set_args sh -c 'grep " /data " /proc/self/mountinfo'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_matches "size=2048k"
	check_matches "nr_inodes=1234"
}

@test "spec: consoleSize MUST be ignored when terminal is false" {
	update_config '.process.terminal = false | .process.consoleSize = {height: 10, width: 20}'
	set_args holo-check tty
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
}

@test "spec: without oomScoreAdj the runtime MUST NOT change oom_score_adj" {
	update_config 'del(.process.oomScoreAdj)'
	set_args cat /proc/self/oom_score_adj
	run -0 --separate-stderr bash -c 'echo 123 >/proc/self/oom_score_adj && exec "$@"' bash \
		env HOLO_TEST_MARKER="$TEST_MARKER" "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$CID"
	check_output 123
}

@test "spec: duplicate rlimits MUST be an error; every listed rlimit MUST match (soft and hard)" {
	update_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 100, hard: 200},
		{type: "RLIMIT_NOFILE", soft: 50, hard: 60}]'
	if [ "$RUNTIME_KIND" = holo ]; then # runc 1.1.5 takes the last one
		run -1 --separate-stderr rt_create "$CID"
		check_contains "duplicate rlimit" stderr
		check_nothing_left "$CID"
	fi
	update_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 100, hard: 200},
		{type: "RLIMIT_CORE", soft: 4096, hard: 8192}]'
	set_args sh -c 'holo-check rlimit NOFILE; holo-check rlimit CORE'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_output "$(printf '%s\n' "100 200" "4096 8192")"
}

@test "spec: a capability the kernel does not know MUST be logged as a warning, not an error" {
	update_config '.process.capabilities.bounding += ["CAP_HOLO_NO_SUCH"]'
	set_args true
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_contains "CAP_HOLO_NO_SUCH" stderr
}

@test "spec: prestart and createRuntime run in the runtime namespace, createContainer and startContainer in the container's" {
	add_shared_dir
	local k
	for k in prestart createRuntime; do
		update_config '.hooks[$k] = [{path: "/bin/sh", args: ["sh", "-c", "for n in mnt pid; do readlink /proc/self/ns/$n; done > \($d)/\($k)"]}]' \
			--arg k "$k" --arg d "$SHARED"
	done
	update_config '.hooks.createContainer = [{path: "/bin/sh", args: ["sh", "-c", "for n in mnt pid; do readlink /proc/self/ns/$n; done > \($d)/createContainer"]}]' \
		--arg d "$SHARED"
	# startContainer's path resolves in the container: its own busybox sh.
	update_config '.hooks.startContainer = [{path: "/bin/sh", args: ["sh", "-c", "for n in mnt pid; do readlink /proc/self/ns/$n; done > /shared/startContainer"]}]'
	set_args sh -c 'for n in mnt pid; do readlink /proc/self/ns/$n; done'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	local container=$output host
	host=$(for n in mnt pid; do readlink /proc/self/ns/$n; done)
	for k in prestart createRuntime; do
		[ "$(cat "$SHARED/$k")" = "$host" ] || {
			echo "$k: $(cat "$SHARED/$k"), runtime: $host"
			false
		}
	done
	for k in createContainer startContainer; do
		[ "$(cat "$SHARED/$k")" = "$container" ] || {
			echo "$k: $(cat "$SHARED/$k"), container: $container"
			false
		}
	done
}

# ------------------------------------------------------- config-linux.md

@test "spec: a namespace path MUST be absolute" {
	update_config '.linux.namespaces |= map(if .type == "network" then .path = "proc/1/ns/net" else . end)'
	run -1 --separate-stderr rt_create "$CID"
	check_nothing_left "$CID"
}

@test "spec: a file at a linux.devices path that is not that device MUST be an error; the same device is kept" {
	skip_unless_holo "runc 1.1.5 keeps whatever is there"
	# No /dev tmpfs: the rootfs's own /dev is where the devices go.
	update_config '.mounts |= map(select(.destination != "/dev"))'
	echo not-a-device >"$BUNDLE/rootfs/dev/holo-dev"
	update_config '.linux.devices = [{path: "/dev/holo-dev", type: "c", major: 1, minor: 3}]'
	run -1 --separate-stderr rt_create "$CID"
	check_contains "linux.devices[0] (/dev/holo-dev): \`/dev/holo-dev\` already exists in the rootfs and is not the requested device" stderr
	check_nothing_left "$CID"
	[ "$(cat "$BUNDLE/rootfs/dev/holo-dev")" = not-a-device ]
	rm "$BUNDLE/rootfs/dev/holo-dev"
	mknod "$BUNDLE/rootfs/dev/holo-dev" c 1 3
	set_args holo-check stat /dev/holo-dev
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_contains "type=c"
}

@test "spec: intelRdt set without resctrl support MUST be an error" {
	skip_unless_holo "runc 1.1.5 accepts a closID it does not apply here"
	update_config '.linux.intelRdt = {closID: "holo-test"}'
	run -1 --separate-stderr rt_create "$CID"
	check_contains "linux.intelRdt" stderr
	check_nothing_left "$CID"
}

@test "spec: maskedPaths and readonlyPaths MUST be absolute" {
	skip_unless_holo "runc 1.1.5 accepts relative ones"
	update_config '.linux.maskedPaths = ["proc/kcore"]'
	run -1 --separate-stderr rt_create "$CID"
	check_nothing_left "$CID"
	update_config '.linux.maskedPaths = [] | .linux.readonlyPaths = ["proc/sys"]'
	run -1 --separate-stderr rt_create "$CID"
	check_nothing_left "$CID"
}

@test "spec: listenerMetadata MUST NOT be set without listenerPath" {
	skip_unless_holo "runc 1.1.5 ignores it"
	update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerMetadata: "x"}'
	run -1 --separate-stderr rt_create "$CID"
	check_contains "listenerMetadata" stderr
	check_nothing_left "$CID"
}

@test "spec: the same cgroupsPath MUST always be the same cgroup" {
	update_config '.linux.cgroupsPath = $p' --arg p "/holo-spec-$CID"
	set_args holo-check cgroup
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	local first=$output
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$(new_id)"
	[ "$output" = "$first" ]
	check_contains "holo-spec-$CID"
}

# ------------------------------------------------------ runtime-linux.md

@test "spec: only stdin, stdout and stderr are open in the process by default" {
	set_args holo-check fds
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID" 3>&- 4>&- 5>&-
	# holo-check fds lists every descriptor but 0, 1 and 2.
	check_output ""
}

@test "spec: the /dev symlinks: fd, stdin, stdout, stderr" {
	set_args sh -c 'for l in fd stdin stdout stderr; do echo "$l $(readlink /dev/$l)"; done'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_output "fd /proc/self/fd
stdin /proc/self/fd/0
stdout /proc/self/fd/1
stderr /proc/self/fd/2"
}
