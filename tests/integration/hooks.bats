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
	# The pid as seen where the hook runs: the host's for the runtime
	# namespace, the container's (1, a new pid namespace) for the others.
	for k in prestart createRuntime poststart; do
		[ "$(jq -r .pid "$HOOKS/$k.json")" -gt 1 ]
	done
	for k in createContainer startContainer; do
		[ "$(jq -r .pid "$HOOKS/$k.json")" = 1 ] || {
			echo "$k: pid $(jq -r .pid "$HOOKS/$k.json"), expected 1"
			false
		}
	done
	# The runtime-spec's lifecycle runs prestart, createRuntime and
	# createContainer (steps 3-5) after the runtime environment is created
	# (step 2): "created".  runc 1.1 gives them "creating".
	for k in prestart createRuntime createContainer startContainer; do
		[ "$RUNTIME_KIND" = runc ] && [ $k != startContainer ] && continue
		[ "$(jq -r .status "$HOOKS/$k.json")" = created ] || {
			echo "$k: status $(jq -r .status "$HOOKS/$k.json"), expected created"
			false
		}
	done
	if supports poststart; then
		[ "$(jq -r .status "$HOOKS/poststart.json")" = running ]
	fi
	[ "$(jq -r .status "$HOOKS/poststop.json")" = stopped ]
}

@test "hooks: a state with 200 KB of annotations reaches every hook whole" {
	# Kubernetes' last-applied-configuration alone can be that big; the
	# state the init gets for createContainer/startContainer does not fit in
	# one message of the sync channel.
	local big
	big=$(head -c 200000 /dev/zero | tr '\0' x)
	update_config '.annotations = {"big": $b, "org.holo.after": "end"}' --rawfile b <(printf %s "$big")
	add_all_hooks
	set_args sh -c 'holo-check wait-file /shared/poststart.done 20'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	local k
	for k in prestart createRuntime createContainer startContainer poststart poststop; do
		run -0 jq -r '"\(.annotations.big | length) \(.annotations["org.holo.after"]) \(.id)"' "$HOOKS/$k.json"
		check_output "200000 end $CID"
	done
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

# env_hook NAME DIR: saves its environment to DIR/NAME.env.
env_hook() {
	jq -nc --arg n "$1" --arg d "$2" '{path: "/bin/sh", args: ["sh", "-c", "env > \($d)/\($n).env"]}'
}

@test "hooks: without env, runtime hooks get the runtime's environment, container hooks the process's (runc)" {
	update_config '.process.env += ["HOLO_PROCESS_VAR=in-process"]'
	local k
	for k in prestart createRuntime createContainer poststart poststop; do
		add_hook "$k" "$(env_hook "$k" "$HOOKS")"
	done
	add_hook startContainer "$(env_hook startContainer /shared)"
	# "env": [] is an empty environment.
	add_hook prestart "$(jq -nc --arg d "$HOOKS" '{path: "/bin/sh", args: ["sh", "-c", "env > \($d)/empty.env"], env: []}')"
	set_args true
	HOLO_RUNTIME_VAR=in-runtime run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	for k in prestart createRuntime poststart poststop; do
		[ "$k" = poststart ] && ! supports poststart && continue
		grep -qx "HOLO_RUNTIME_VAR=in-runtime" "$HOOKS/$k.env" || {
			echo "$k: not the runtime's environment"
			false
		}
	done
	for k in createContainer startContainer; do
		grep -qx "HOLO_PROCESS_VAR=in-process" "$HOOKS/$k.env" || {
			echo "$k: not the process's environment"
			false
		}
		! grep -q "HOLO_RUNTIME_VAR" "$HOOKS/$k.env" || false
	done
	! grep -q "HOLO_RUNTIME_VAR\|HOLO_PROCESS_VAR" "$HOOKS/empty.env" || false
}

@test "hooks: a hook that cannot be executed: its error and holo's are separate lines" {
	add_hook createRuntime '{"path": "/nonexistent/hook"}'
	run -1 --separate-stderr rt_create "$CID"
	check_nothing_left "$CID"
	[ "$RUNTIME_KIND" = holo ] || return 0
	run -0 grep -c "createRuntime hook #0" <<<"$stderr"
	grep -qx "exec hook: /nonexistent/hook: no such file or directory" <<<"$stderr" || {
		echo "stderr: $stderr"
		false
	}
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
