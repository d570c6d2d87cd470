#!/usr/bin/env bats
# Invalid bundles and config.json: create (and run) must fail with status 1
# and leave nothing behind (no state, not listed, no process).  holo also
# promises to name the JSON path of the bad value in its message; runc's
# texts differ, so that part is only checked when RUNTIME is holo.

load helpers

# config_error JQ_FILTER PATH_TEXT [JQ_ARGS...]: applies FILTER to
# config.json, then create must fail cleanly, naming PATH_TEXT (on holo).
config_error() {
	local filter=$1 path=$2
	shift 2
	add_shared_dir
	update_config '.process.args = ["touch", "/shared/ran"]'
	update_config "$filter" "$@"

	run -1 --separate-stderr rt_create "$CID"
	check_holo_text "$path" stderr
	check_nothing_left "$CID"

	run -1 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_holo_text "$path" stderr
	check_nothing_left "$CID"
	[ ! -e "$SHARED/ran" ]
}

@test "config: malformed JSON" {
	echo '{"ociVersion": "1.0.2", "process": {' >"$BUNDLE/config.json"
	run -1 --separate-stderr rt_create "$CID"
	check_holo_text "config.json" stderr
	check_nothing_left "$CID"
}

@test "config: config.json is not an object" {
	echo '["not", "an", "object"]' >"$BUNDLE/config.json"
	run -1 --separate-stderr rt_create "$CID"
	check_nothing_left "$CID"
}

@test "config: missing config.json" {
	rm "$BUNDLE/config.json"
	run -1 --separate-stderr rt_create "$CID"
	check_holo_text "config.json" stderr
	check_nothing_left "$CID"
}

@test "config: bundle directory does not exist" {
	run -1 --separate-stderr rt create --bundle "$TESTDIR/no-such-bundle" "$CID" </dev/null
	check_nothing_left "$CID"
}

@test "config: process missing" {
	config_error 'del(.process)' "process"
}

@test "config: process.args missing" {
	config_error 'del(.process.args)' "process.args"
}

@test "config: process.args empty" {
	config_error '.process.args = []' "process.args"
}

@test "config: process.cwd relative" {
	config_error '.process.cwd = "relative/dir"' "process.cwd"
}

@test "config: process.user.uid not a number" {
	config_error '.process.user.uid = "abc"' "process.user.uid"
}

@test "config: unknown rlimit type" {
	config_error '.process.rlimits = [{type: "RLIMIT_BOGUS", soft: 1, hard: 1}]' "process.rlimits[0].type"
}

@test "config: oomScoreAdj out of range" {
	config_error '.process.oomScoreAdj = 5000' "process.oomScoreAdj"
}

@test "config: ociVersion not a string" {
	config_error '.ociVersion = 5' "ociVersion"
}

@test "config: root missing" {
	config_error 'del(.root)' "root"
}

@test "config: root.path does not exist" {
	config_error '.root.path = "no-such-rootfs"' "root.path"
}

@test "config: unknown namespace type" {
	config_error '.linux.namespaces += [{type: "bogus"}]' "linux.namespaces[5].type"
}

@test "config: duplicate namespace" {
	config_error '.linux.namespaces += [{type: "pid"}]' "linux.namespaces[5].type"
}

@test "config: a key given twice is refused, naming its JSON path" {
	# Another tool reading the first of the two would see another config.
	# (runc 1.1.5 takes the last one; holo refuses, as later runcs do.)
	[ "$RUNTIME_KIND" = holo ] || skip "runc 1.1 takes the last value"
	add_shared_dir
	update_config '.process.args = ["touch", "/shared/ran"]'
	sed -i 's|"cwd": "/"|"cwd": "/", "cwd": "/tmp"|' "$BUNDLE/config.json"
	grep -q '"cwd": "/tmp"' "$BUNDLE/config.json"
	run -1 --separate-stderr rt_create "$CID"
	check_contains "config.json: process.cwd: duplicate key" stderr
	check_nothing_left "$CID"
	[ ! -e "$SHARED/ran" ]
}

@test "config: a device cgroup rule without access is refused" {
	config_error '.linux.resources.devices += [{allow: true, type: "c", major: 1, minor: 3}]' \
		"linux.resources.devices[1].access: must be specified"
}

@test "config: a namespace path that does not exist" {
	config_error '.linux.namespaces |= map(if .type == "network" then .path = "/proc/no-such-ns" else . end)' \
		"/proc/no-such-ns"
}

@test "config: a namespace path of another type, or not a namespace, names the path" {
	config_error '.linux.namespaces |= map(if .type == "network" then .path = "/proc/self/ns/ipc" else . end)' \
		"linux.namespaces: the network namespace path \`/proc/self/ns/ipc\` is an ipc namespace"
	local file=$TESTDIR/not-a-namespace
	touch "$file"
	config_error '.linux.namespaces |= map(if .type == "network" then .path = $f else . end)' \
		"linux.namespaces: the network namespace path \`$file\` is not a namespace" --arg f "$file"
	# A namespace of the right type that setns still refuses: the runtime's
	# own user namespace (EINVAL).
	config_error '.linux.namespaces |= map(select(.type != "network")) | .linux.namespaces += [{type: "user", path: "/proc/self/ns/user"}]' \
		"join user namespace \`/proc/self/ns/user\`: Invalid argument"
}

@test "config: control characters of a value are escaped in the message, and the JSON log stays JSON" {
	# A path with a newline, an escape sequence and a C1 control.
	local bad
	bad=$(printf '/no\nsuch\033[31m\302\233x')
	update_config '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' --arg p "$bad"
	local log=$TESTDIR/log.json
	run -1 --separate-stderr rt --log "$log" --log-format json create --bundle "$BUNDLE" "$CID" </dev/null
	check_nothing_left "$CID"
	# A container id from the command line can also hold bytes that are not
	# UTF-8 (config.json cannot: its parser refuses them).
	run -1 --separate-stderr rt --log "$log" --log-format json state $'a\nb\033[31m\xff'
	[ "$RUNTIME_KIND" = holo ] || return 0
	run -1 --separate-stderr rt --log "$log" --log-format json create --bundle "$BUNDLE" "$CID" </dev/null
	check_contains '`/no\nsuch\x1b[31m\u009bx`' stderr
	run -1 --separate-stderr rt --log "$log" --log-format json state $'a\nb\033[31m\xff'
	check_contains 'a\nb\x1b[31m\xff' stderr
	# One line each, no raw control character, only UTF-8.
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	! printf '%s' "$stderr" | LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' || false
	# Every log line is a JSON object (strict UTF-8), saying the same.
	python3 -c '
import json, sys
msgs = [json.loads(line)["msg"] for line in open(sys.argv[1], encoding="utf-8", errors="strict")]
assert any("`/no\\nsuch\\x1b[31m\\u009bx`" in m for m in msgs), msgs
assert any("a\\nb\\x1b[31m\\xff" in m for m in msgs), msgs
' "$log"
	# The text log quotes msg="..." as logrus does.
	run -1 --separate-stderr rt --log "$TESTDIR/log.txt" state $'a"b\nc'
	grep -qF 'msg="invalid id format: a\"b\\nc"' "$TESTDIR/log.txt"
}

@test "config: a sysctl that is not namespaced" {
	config_error '.linux.sysctl = {"kernel.bogus": "1"}' "linux.sysctl"
}

@test "config: a sysctl of a namespace the container does not have" {
	# net.* sysctls need a network namespace of the container's own.
	remove_namespace network
	config_error '.linux.sysctl = {"net.ipv4.ip_forward": "1"}' "linux.sysctl"
}

@test "config: process executable missing in the rootfs" {
	config_error '.process.args = ["/no/such/binary"]' "/no/such/binary"
}

@test "config: soft rlimit above the hard limit" {
	config_error '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 10, hard: 5}]' "RLIMIT_NOFILE"
}
