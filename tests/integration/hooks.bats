#!/usr/bin/env bats
# OCI hooks: every kind runs, in order, at its point of the lifecycle, with
# the container state on stdin; failures of the hooks that gate creation
# fail create and leave nothing; timeouts.

load helpers

setup() {
	setup_common
	add_shared_dir
	HOOKS=$SHARED
}

# hook_json NAME DIR: a hook that saves the state it gets on
# stdin to DIR/NAME.json, appends NAME to DIR/order, then creates
# DIR/NAME.done.  Host hooks run the host's /bin/sh and write through the
# host path; startContainer runs in the container and writes via /shared.
hook_json() {
	local name=$1 dir=$2
	jq -nc --arg n "$name" --arg d "$dir" \
		'{path: "/bin/sh", args: ["sh", "-c", "cat > \($d)/\($n).json; echo \($n) >> \($d)/order; touch \($d)/\($n).done"]}'
}

add_hook() {
	local kind=$1 json=$2
	update_config '.hooks[$k] += [$h]' --arg k "$kind" --argjson h "$json"
}

add_all_hooks() {
	local k
	for k in prestart createRuntime createContainer poststart poststop; do
		add_hook "$k" "$(hook_json "$k" "$HOOKS")"
	done
	add_hook startContainer "$(hook_json startContainer /shared)"
}

@test "hooks: every kind runs once, in lifecycle order" {
	requires poststart
	add_all_hooks
	# The process waits for poststart so the order is fixed.
	set_args sh -c 'holo-check wait-file /shared/poststart.done 20; echo process >>/shared/order'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	run cat "$HOOKS/order"
	check_output "$(printf '%s\n' prestart createRuntime createContainer startContainer poststart process poststop)"
}

@test "hooks: each hook gets the container state on stdin" {
	update_config '.annotations = {"org.holo.hook": "yes"}'
	add_all_hooks
	set_args sh -c 'holo-check wait-file /shared/poststart.done 20'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	local k f
	for k in prestart createRuntime createContainer startContainer poststart poststop; do
		f=$HOOKS/$k.json
		[ -s "$f" ] || {
			echo "$k got no state"
			false
		}
		[ "$(jq -r .id "$f")" = "$CID" ]
		[ "$(jq -r .bundle "$f")" = "$BUNDLE" ]
		[ -n "$(jq -r .ociVersion "$f")" ]
		[ "$(jq -r '.annotations["org.holo.hook"]' "$f")" = yes ]
	done
	# The container's process exists from createRuntime on.
	for k in prestart createRuntime createContainer startContainer poststart; do
		[ "$(jq -r .pid "$HOOKS/$k.json")" -gt 0 ]
	done
	[ "$(jq -r .status "$HOOKS/createRuntime.json")" = creating ]
	[ "$(jq -r .status "$HOOKS/createContainer.json")" = creating ]
	[ "$(jq -r .status "$HOOKS/startContainer.json")" = created ]
	if supports poststart; then
		[ "$(jq -r .status "$HOOKS/poststart.json")" = running ]
	fi
	[ "$(jq -r .status "$HOOKS/poststop.json")" = stopped ]
}

@test "hooks: create runs the creation hooks, start the start hooks, delete poststop" {
	requires poststart
	add_all_hooks
	set_args holo-check loop
	run -0 rt_create "$CID"
	run cat "$HOOKS/order"
	check_output "$(printf '%s\n' prestart createRuntime createContainer)"
	run -0 rt start "$CID"
	run cat "$HOOKS/order"
	check_output "$(printf '%s\n' prestart createRuntime createContainer startContainer poststart)"
	run -0 rt kill "$CID" KILL
	wait_for_status "$CID" stopped
	[ ! -e "$HOOKS/poststop.json" ]
	run -0 rt delete "$CID"
	[ -s "$HOOKS/poststop.json" ]
	[ "$(tail -n1 "$HOOKS/order")" = poststop ]
}

@test "hooks: start and delete read the saved config only when it has poststart or poststop hooks" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's state directory"
	set_args holo-check loop
	# No such hooks: a damaged saved config is never read.
	run -0 rt_create "$CID"
	echo '{' >"$ROOT/$CID/config.json"
	run -0 --separate-stderr rt start "$CID"
	check_output ""
	[ -z "$stderr" ]
	run -0 --separate-stderr rt delete --force "$CID"
	[ -z "$stderr" ]
	# With a poststart hook it is read (and its damage reported).
	local other
	other=$(new_id)
	add_hook poststart "$(hook_json poststart "$HOOKS")"
	run -0 rt_create "$other"
	echo '{' >"$ROOT/$other/config.json"
	run -0 --separate-stderr rt start "$other"
	[[ $stderr == *"poststart hooks not run"* ]]
	[ ! -e "$HOOKS/poststart.done" ]
}

@test "hooks: poststop runs on delete --force of a running container" {
	add_hook poststop "$(hook_json poststop "$HOOKS")"
	set_args holo-check loop
	run -0 rt_run_d "$CID"
	[ ! -e "$HOOKS/poststop.json" ]
	run -0 rt delete --force "$CID"
	[ -s "$HOOKS/poststop.json" ]
	check_nothing_left "$CID"
}

@test "hooks: several hooks of a kind run in the order given, with their args and env" {
	add_hook prestart '{"path": "/bin/sh", "args": ["sh", "-c", "echo first >> '"$HOOKS"'/order"]}'
	add_hook prestart "$(jq -nc --arg d "$HOOKS" '{path: "/bin/sh",
		args: ["hook-argv0", "-c", "echo \"second $0 $1\" >> \($d)/order; env > \($d)/env", "zero", "one"],
		env: ["HOLO_HOOK_VAR=hook value", "PATH=/usr/bin:/bin"]}')"
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	run cat "$HOOKS/order"
	check_output "$(printf '%s\n' first "second zero one")"
	# A hook's env is exactly its own list: nothing of the runtime's.
	grep -qx "HOLO_HOOK_VAR=hook value" "$HOOKS/env"
	! grep -q "HOLO_TEST_MARKER" "$HOOKS/env" || false
}

# hook_fails KIND: a failing hook of KIND makes create fail and leaves nothing.
hook_fails() {
	local kind=$1
	add_hook "$kind" '{"path": "/bin/sh", "args": ["sh", "-c", "echo hook-failed >&2; exit 3"]}'
	set_args touch /shared/ran
	run -1 --separate-stderr rt_create "$CID"
	check_nothing_left "$CID"
	run -1 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_nothing_left "$CID"
	[ ! -e "$SHARED/ran" ]
}

@test "hooks: a failing prestart hook fails create and leaves nothing" {
	hook_fails prestart
}

@test "hooks: a failing createRuntime hook fails create and leaves nothing" {
	hook_fails createRuntime
}

@test "hooks: a failing createContainer hook fails create and leaves nothing" {
	hook_fails createContainer
}

@test "hooks: a failing startContainer hook stops the container; the process never runs" {
	add_hook startContainer '{"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]}'
	set_args touch /shared/ran
	run -0 rt_create "$CID"
	# Whether start itself reports it varies: runc's start returns once the
	# init is told to go, and the error is in its log.  What must hold: the
	# container stops and its process never runs.
	run rt start "$CID"
	wait_for_status "$CID" stopped
	[ ! -e "$SHARED/ran" ]
	run -0 rt delete "$CID"
	check_nothing_left "$CID"
}

@test "hooks: a hook that outlives its timeout fails create and is killed" {
	add_hook createRuntime "$(jq -nc --arg d "$HOOKS" '{path: "/bin/sh",
		args: ["sh", "-c", "echo $$ > \($d)/hook.pid; exec sleep 30"], timeout: 1}')"
	set_args touch /shared/ran
	local start=$SECONDS
	run -1 --separate-stderr rt_create "$CID"
	[ $((SECONDS - start)) -lt 20 ]
	check_nothing_left "$CID"
	[ ! -e "$SHARED/ran" ]
	local pid i
	pid=$(cat "$HOOKS/hook.pid")
	for ((i = 0; i < 30; i++)); do
		process_alive "$pid" || break
		sleep 0.1
	done
	! process_alive "$pid" || false
}

@test "hooks: a hook within its timeout succeeds" {
	add_hook createRuntime "$(jq -nc --arg d "$HOOKS" '{path: "/bin/sh",
		args: ["sh", "-c", "sleep 0.2; touch \($d)/done"], timeout: 10}')"
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	[ -e "$HOOKS/done" ]
}
