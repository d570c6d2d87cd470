#!/usr/bin/env bats
# The command line itself: version/help, argument errors, ids, list, spec,
# features, logging.  No container process runs here except in the list
# and duplicate-id tests.

load helpers

@test "cli: --version and -v print the version and the spec version" {
	run -0 rt --version
	check_matches "^[a-z]+ version [0-9]+\.[0-9]+"
	check_matches $'(^|\n)spec: [0-9]+\.[0-9]+\.[0-9]+'
	local long=$output
	run -0 rt -v
	check_output "$long"
}

@test "cli: --help and no arguments list the commands" {
	local cmd
	run -0 rt --help
	for cmd in create start run state kill delete list spec; do
		check_matches "(^|[[:space:]])$cmd([[:space:],]|$)"
	done
	check_contains "--root"
	run -0 rt
	check_contains "create"
	check_contains "delete"
}

@test "cli: an unknown command fails and names it" {
	run rt no-such-command
	check_failed
	check_contains "no-such-command"
}

@test "cli: an unknown flag fails and names it" {
	run rt --no-such-global-flag list
	check_failed
	check_contains "no-such-global-flag"
	run -1 rt_create --no-such-flag "$CID"
	check_contains "no-such-flag"
	check_nothing_left "$CID"
}

@test "cli: a command missing its container id fails with status 1" {
	local cmd
	for cmd in state start kill delete create; do
		run -1 rt $cmd
	done
}

@test "cli: state/start/kill/delete of an unknown container: status 1, 'container does not exist'" {
	local cmd
	for cmd in state start kill delete; do
		run -1 --separate-stderr rt $cmd no-such-container
		check_contains "container does not exist" stderr
	done
	run -1 --separate-stderr rt kill no-such-container KILL
	check_contains "container does not exist" stderr
}

@test "cli: delete --force of an unknown container succeeds" {
	run -0 rt delete --force no-such-container
}

@test "cli: invalid container ids are rejected and create nothing" {
	local id
	add_shared_dir
	update_config '.process.args = ["touch", "/shared/ran"]'
	for id in "" ".." "." "../$CID" "a/b" "/abs" "with space" "x:y"; do
		run -1 rt_create "$id"
		run -1 rt_run_d "$id"
		run -1 --separate-stderr rt run --bundle "$BUNDLE" "$id"
		[ ! -e "$SHARED/ran" ]
	done
	# Nothing was written beside or under the state root.
	[ ! -e "$(dirname "$ROOT")/$CID" ]
	run -0 find "$ROOT" -mindepth 1
	check_output ""
	run -0 rt list -q
	check_output ""
	check_no_processes
}

@test "cli: valid ids with dots, dashes, underscores and plus are accepted" {
	local id=a.b-c_d+e$RANDOM
	echo "$id" >>"$BATS_TEST_TMPDIR/ids"
	run -0 rt_create "$id"
	run -0 rt state "$id"
	[ "$(jq -r .id <<<"$output")" = "$id" ]
	run -0 rt delete --force "$id"
}

@test "cli: a duplicate id is refused and the first container is untouched" {
	update_config '.process.args = ["holo-check", "loop"]'
	run -0 rt_create "$CID"
	local pid
	pid=$(state_field "$CID" pid)
	[ "$pid" -gt 0 ]
	run -1 rt_create "$CID"
	run -1 rt_run_d "$CID"
	run -1 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	[ "$(state_field "$CID" status)" = created ]
	[ "$(state_field "$CID" pid)" = "$pid" ]
	kill -0 "$pid"
	run -0 rt delete --force "$CID"
}

@test "cli: list with no containers" {
	run -0 rt list -q
	check_output ""
	run -0 rt list --format json
	[ "$(jq length <<<"$output")" -eq 0 ]
	run -0 rt list
	check_matches "^ID +PID +STATUS +BUNDLE +CREATED +OWNER"
}

@test "cli: list shows every container with -q, table and json formats" {
	local other
	other=$(new_id)
	update_config '.process.args = ["holo-check", "loop"]'
	run -0 rt_create "$CID"
	run -0 rt_run_d "$other"

	run -0 rt list -q
	[ "$(sort <<<"$output")" = "$(printf '%s\n' "$CID" "$other" | sort)" ]

	run -0 rt list
	grep -E "^$CID +[0-9]+ +created +$BUNDLE +[0-9]{4}-" <<<"$output"
	grep -E "^$other +[0-9]+ +running +$BUNDLE +[0-9]{4}-" <<<"$output"

	run -0 rt list --format json
	[ "$(jq length <<<"$output")" -eq 2 ]
	[ "$(jq -r --arg id "$CID" '.[] | select(.id == $id) | .status' <<<"$output")" = created ]
	[ "$(jq -r --arg id "$other" '.[] | select(.id == $id) | .status' <<<"$output")" = running ]
	[ "$(jq -r --arg id "$CID" '.[] | select(.id == $id) | .bundle' <<<"$output")" = "$BUNDLE" ]
	[ "$(jq -r --arg id "$CID" '.[] | select(.id == $id) | .pid' <<<"$output")" -gt 0 ]

	run -1 rt list --format no-such-format
}

@test "cli: owner: empty in state (as runc's), the state directory's user in list" {
	set_args holo-check loop
	run -0 rt_create "$CID"
	[ "$(state_field "$CID" owner)" = "" ]
	local me
	me=$(id -un)
	run -0 rt list
	grep -E "^$CID +[0-9]+ +created +.* $me\$" <<<"$output"
	run -0 rt list --format json
	[ "$(jq -r --arg id "$CID" '.[] | select(.id == $id) | .owner' <<<"$output")" = "$me" ]
}

@test "cli: spec writes runc's template and refuses to overwrite it" {
	local dir=$TESTDIR/spec
	mkdir -p "$dir"
	cd "$dir"
	run -0 rt spec
	[ -f config.json ]
	run -0 jq -c '[.process.terminal, .process.args, .root.path, .process.cwd]' config.json
	check_output '[true,["sh"],"rootfs","/"]'
	run -0 jq -r '[.linux.namespaces[].type] | sort | join(",")' config.json
	check_output "ipc,mount,network,pid,uts"
	run -0 jq -r '.mounts | map(.destination) | join(",")' config.json
	check_contains "/proc,/dev,/dev/pts,/dev/shm"
	run -1 rt spec
	run -0 jq -r .process.args[0] config.json
	check_output "sh"

	# --bundle writes into another directory.
	mkdir -p "$dir/other"
	run -0 rt spec --bundle "$dir/other"
	[ -f "$dir/other/config.json" ]
}

@test "cli: spec --rootless adds a user namespace with mappings and drops the network namespace" {
	run -0 rt spec --rootless --bundle "$TESTDIR"
	run -0 jq -r '[.linux.namespaces[].type] | sort | join(",")' "$TESTDIR/config.json"
	check_output "ipc,mount,pid,user,uts"
	run -0 jq -r '.linux.uidMappings | length' "$TESTDIR/config.json"
	check_output 1
	run -0 jq -r '.linux.gidMappings | length' "$TESTDIR/config.json"
	check_output 1
	run -0 jq -r ".linux.uidMappings[0].hostID" "$TESTDIR/config.json"
	check_output "$(id -u)"
}

@test "cli: features prints JSON describing hooks, mount options and namespaces" {
	run -0 rt features
	run -0 jq -r '.ociVersionMin, .ociVersionMax' <<<"$output"
	check_matches "^1\.0\."
	run -0 rt features
	local features=$output
	run -0 jq -r '.hooks | join(",")' <<<"$features"
	check_output "prestart,createRuntime,createContainer,startContainer,poststart,poststop"
	run -0 jq -r '.mountOptions | index("rbind") != null and index("ro") != null' <<<"$features"
	check_output true
	run -0 jq -r '.linux.namespaces[]' <<<"$features"
	local ns
	for ns in mount network pid user uts ipc cgroup; do
		grep -qx "$ns" <<<"$output"
	done
}

@test "cli: --log with --log-format json records the error as a JSON line" {
	local log=$TESTDIR/log.json
	run -1 rt --log "$log" --log-format json state no-such-container
	[ -s "$log" ]
	run -0 jq -r 'select(.level == "error") | .msg' "$log"
	check_contains "container does not exist"
	# Every line is a JSON object with level, msg and an RFC 3339 time.
	run -0 jq -r '[.level, .msg, .time] | map(type) | join(",")' "$log"
	check_matches "^string,string,string$"
	run -0 jq -r .time "$log"
	check_matches "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
}

@test "cli: --root is created when missing" {
	local root=$TESTDIR/new/state/root
	run -0 timeout 30 "$RUNTIME" --root "$root" list -q
	check_output ""
	HOLO_TEST_MARKER=$TEST_MARKER timeout 30 "$RUNTIME" --root "$root" create --bundle "$BUNDLE" "$CID" \
		</dev/null >/dev/null 2>&1 3>&-
	[ -d "$root" ]
	run -0 timeout 30 "$RUNTIME" --root "$root" list -q
	check_output "$CID"
	run -0 timeout 30 "$RUNTIME" --root "$root" delete --force "$CID"
}

@test "cli: HOLO_TRACE=FILE records the start path's phases, from holo and from the container's init" {
	[ "$RUNTIME_KIND" = holo ] || skip "HOLO_TRACE is holo's"
	local trace=$TESTDIR/trace
	set_args true
	HOLO_TRACE=$trace run -0 rt run --bundle "$BUNDLE" "$CID"
	# "PID MICROSECONDS PHASE", one line per trace point, in time order
	# within each process.
	run -0 awk 'NF < 3 || $1 !~ /^[0-9]+$/ || $2 !~ /^[0-9]+$/ { print "bad: " $0 }' "$trace"
	check_output ""
	run -0 awk '{ $1 = $2 = ""; sub(/^  /, ""); print }' "$trace"
	check_matches $'(^|\n)main\n'
	check_matches $'(^|\n)create: init cloned\n'
	check_matches $'(^|\n)create: init ready\n'
	check_matches $'(^|\n)delete: store removed\n'
	check_matches $'(^|\n)exit$'
	# The init traces too: pid 1 of its pid namespace.
	run -0 awk '$1 == 1 && $3 == "init:" { n++ } END { print n + 0 }' "$trace"
	[ "$output" -ge 2 ]
}
