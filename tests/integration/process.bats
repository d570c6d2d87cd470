#!/usr/bin/env bats
# The process object: args, env, cwd, user, umask, capabilities, rlimits,
# noNewPrivileges, oomScoreAdj, and the newer personality, ioPriority and
# scheduler fields.

load helpers

# in_container ARGS...: run ARGS as the container process (foreground).
in_container() {
	set_args "$@"
	rt run --bundle "$BUNDLE" "$CID"
}

@test "process: args are passed verbatim and looked up in PATH" {
	run -0 --separate-stderr in_container sh -c 'printf "[%s]" "$@"' argv0 "a b" "" '$HOME' "'q'"
	check_output "[a b][][\$HOME]['q']"
	run -0 --separate-stderr in_container /bin/holo-check pid
	check_output 1
}

@test "process: env is exactly the configured list (plus HOME)" {
	update_config '.process.env = ["PATH=/bin", "HOLO_A=1", "HOLO_B=with space", "HOLO_C=", $m]' \
		--arg m "HOLO_TEST_MARKER=$TEST_MARKER"
	run -0 --separate-stderr in_container sh -c 'env | sort'
	check_output "$(printf '%s\n' "HOLO_A=1" "HOLO_B=with space" "HOLO_C=" "HOLO_TEST_MARKER=$TEST_MARKER" \
		"HOME=/root" "PATH=/bin" "PWD=/" "SHLVL=1" | sort)"
	# Nothing of the caller's environment leaks in.
	export HOLO_LEAK=yes
	run -1 --separate-stderr in_container holo-check env HOLO_LEAK
	unset HOLO_LEAK
}

@test "process: HOME comes from the rootfs's passwd when not set" {
	update_config '.process.user = {uid: 1000, gid: 1000}'
	run -0 --separate-stderr in_container holo-check env HOME
	check_output /home/user
	update_config '.process.user = {uid: 4242, gid: 4242}'
	run -0 --separate-stderr in_container holo-check env HOME
	check_output /
	update_config '.process.env += ["HOME=/custom"]'
	run -0 --separate-stderr in_container holo-check env HOME
	check_output /custom
}

@test "process: cwd is entered, and created when missing" {
	update_config '.process.cwd = "/tmp"'
	run -0 --separate-stderr in_container holo-check cwd
	check_output /tmp
	update_config '.process.cwd = "/work/dir"'
	run -0 --separate-stderr in_container holo-check cwd
	check_output /work/dir
}

@test "process: uid, gid and additionalGids" {
	update_config '.process.user = {uid: 1000, gid: 1000, additionalGids: [5, 1001]}'
	run -0 --separate-stderr in_container holo-check ids
	check_output "uid=1000 gid=1000 euid=1000 egid=1000 groups=5,1001"
	update_config '.process.user = {uid: 4242, gid: 4343}'
	run -0 --separate-stderr in_container holo-check ids
	check_output "uid=4242 gid=4343 euid=4242 egid=4343 groups="
}

@test "process: umask defaults to 0022 and follows process.user.umask" {
	run -0 --separate-stderr in_container holo-check umask
	check_output 0022
	update_config '.process.user.umask = 63'
	run -0 --separate-stderr in_container sh -c 'holo-check umask; touch /dev/shm/f; holo-check stat /dev/shm/f'
	check_output "$(printf '%s\n' 0077 "type=f mode=0600 uid=0 gid=0 major=0 minor=0 size=0")"
}

@test "process: the template's capabilities for root" {
	run -0 --separate-stderr in_container holo-check caps
	# CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE; ambient needs inheritable.
	check_output "$(printf '%s\n' "CapInh: 0000000000000000" "CapPrm: 0000000020000420" \
		"CapEff: 0000000020000420" "CapBnd: 0000000020000420" "CapAmb: 0000000000000000")"
}

@test "process: each capability set is applied" {
	update_config '.process.capabilities = {
		bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID"],
		permitted: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
		effective: ["CAP_CHOWN", "CAP_KILL"],
		inheritable: ["CAP_NET_BIND_SERVICE", "CAP_KILL"],
		ambient: ["CAP_NET_BIND_SERVICE"]}'
	# As a non-root user only the ambient set survives execve.
	update_config '.process.user = {uid: 1000, gid: 1000}'
	run -0 --separate-stderr in_container holo-check caps
	check_output "$(printf '%s\n' "CapInh: 0000000000000420" "CapPrm: 0000000000000400" \
		"CapEff: 0000000000000400" "CapBnd: 00000000000004a1" "CapAmb: 0000000000000400")"
	# As root with noNewPrivileges (the template's), execve cannot add to
	# the permitted set...
	update_config '.process.user = {uid: 0, gid: 0} | .process.noNewPrivileges = true'
	run -0 --separate-stderr in_container holo-check caps
	check_output "$(printf '%s\n' "CapInh: 0000000000000420" "CapPrm: 0000000000000421" \
		"CapEff: 0000000000000421" "CapBnd: 00000000000004a1" "CapAmb: 0000000000000400")"
	# ...without it, root gets every capability of the bounding set back.
	update_config '.process.noNewPrivileges = false'
	run -0 --separate-stderr in_container holo-check caps
	check_output "$(printf '%s\n' "CapInh: 0000000000000420" "CapPrm: 00000000000004a1" \
		"CapEff: 00000000000004a1" "CapBnd: 00000000000004a1" "CapAmb: 0000000000000400")"
}

@test "process: no capabilities at all" {
	update_config '.process.capabilities = {bounding: [], permitted: [], effective: [], inheritable: [], ambient: []}'
	run -0 --separate-stderr in_container holo-check caps
	check_output "$(printf '%s\n' "CapInh: 0000000000000000" "CapPrm: 0000000000000000" \
		"CapEff: 0000000000000000" "CapBnd: 0000000000000000" "CapAmb: 0000000000000000")"
	# Without CAP_CHOWN root cannot give a file away.
	run -1 --separate-stderr in_container sh -c 'touch /tmp/f && chown 1000 /tmp/f'
}

@test "process: capability sets the kernel refuses name the set and the capability" {
	# capset(2) only says EPERM; holo says which rule was broken.
	update_config '.process.capabilities.effective += ["CAP_SYS_ADMIN"]'
	run -1 --separate-stderr rt_create "$CID"
	check_holo_text "process.capabilities.effective: CAP_SYS_ADMIN is not in process.capabilities.permitted" stderr
	check_nothing_left "$CID"
	# An inheritable capability must be in the bounding set.
	update_config '.process.capabilities.effective -= ["CAP_SYS_ADMIN"]
		| .process.capabilities.bounding = ["CAP_KILL"] | .process.capabilities.inheritable = ["CAP_KILL", "CAP_CHOWN"]'
	run -1 --separate-stderr rt_create "$CID"
	check_holo_text "process.capabilities.inheritable: CAP_CHOWN is not in the bounding set: Operation not permitted" stderr
	check_nothing_left "$CID"
	# A capability the runtime itself does not hold.
	update_config '.process.capabilities = {bounding: ["CAP_KILL", "CAP_SYS_TIME"],
		permitted: ["CAP_KILL", "CAP_SYS_TIME"], effective: ["CAP_KILL"]}'
	run -1 --separate-stderr setpriv --bounding-set -sys_time -- env HOLO_TEST_MARKER="$TEST_MARKER" \
		timeout "$RT_TIMEOUT" "$RUNTIME" --root "$ROOT" create --bundle "$BUNDLE" "$CID" </dev/null
	check_holo_text "process.capabilities.permitted: CAP_SYS_TIME is not permitted to the runtime" stderr
	check_nothing_left "$CID"
}

@test "process: rlimits are applied" {
	update_config '.process.rlimits = [
		{type: "RLIMIT_NOFILE", soft: 512, hard: 1000},
		{type: "RLIMIT_CORE", soft: 0, hard: 4096},
		{type: "RLIMIT_NPROC", soft: 300, hard: 301}]'
	run -0 --separate-stderr in_container sh -c 'holo-check rlimit NOFILE; holo-check rlimit CORE; holo-check rlimit NPROC'
	check_output "$(printf '%s\n' "512 1000" "0 4096" "300 301")"
}

@test "process: an rlimit above the caller's hard limit needs CAP_SYS_RESOURCE" {
	local hard
	hard=$(ulimit -Hn)
	[ "$hard" != unlimited ] || skip "the caller's RLIMIT_NOFILE hard limit is unlimited"
	update_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 1024, hard: ($h + 1000)}]' --argjson h "$hard"
	set_args holo-check rlimit NOFILE
	local capeff
	capeff=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
	if (((0x$capeff >> 24) & 1)); then
		# CAP_SYS_RESOURCE: the limit may be raised.
		run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
		check_output "1024 $((hard + 1000))"
	else
		run -1 --separate-stderr rt_create "$CID"
		check_nothing_left "$CID"
	fi
	# Without CAP_SYS_RESOURCE (dropped here if the caller has it), the
	# error names the entry, its values and the cause.
	update_config '.process.rlimits = [{type: "RLIMIT_CORE", soft: 0, hard: 0},
		{type: "RLIMIT_NOFILE", soft: 1024, hard: ($h + 1000)}]' --argjson h "$hard"
	run -1 --separate-stderr setpriv --bounding-set -sys_resource -- env HOLO_TEST_MARKER="$TEST_MARKER" \
		timeout "$RT_TIMEOUT" "$RUNTIME" --root "$ROOT" create --bundle "$BUNDLE" "$CID" </dev/null
	check_holo_text "process.rlimits[1]: setrlimit RLIMIT_NOFILE soft 1024 hard $((hard + 1000)): Operation not permitted (a hard limit above the runtime's, $hard, needs CAP_SYS_RESOURCE)" stderr
	check_nothing_left "$CID"
}

@test "process: noNewPrivileges" {
	update_config '.process.noNewPrivileges = true'
	run -0 --separate-stderr in_container holo-check nnp
	check_output 1
	update_config '.process.noNewPrivileges = false'
	run -0 --separate-stderr in_container holo-check nnp
	check_output 0
}

@test "process: oomScoreAdj is set for the container process" {
	update_config '.process.oomScoreAdj = 500 | .process.args = ["holo-check", "loop"]'
	run -0 rt_create "$CID"
	[ "$(cat /proc/"$(state_field "$CID" pid)"/oom_score_adj)" = 500 ]
	run -0 rt delete --force "$CID"
	run -0 --separate-stderr in_container holo-check oom
	check_output 500
}

@test "process: without oomScoreAdj the caller's value is inherited" {
	update_config 'del(.process.oomScoreAdj)'
	echo 123 >/proc/self/oom_score_adj
	run -0 --separate-stderr in_container holo-check oom
	echo 0 >/proc/self/oom_score_adj
	check_output 123
}

@test "process: personality LINUX32" {
	requires personality
	update_config '.linux.personality = {domain: "LINUX32"}'
	run -0 --separate-stderr in_container holo-check personality
	check_output "personality=0x8 machine=i686"
	update_config '.linux.personality = {domain: "LINUX"}'
	run -0 --separate-stderr in_container holo-check personality
	check_output "personality=0x0 machine=x86_64"
}

@test "process: ioPriority" {
	requires ioPriority
	update_config '.process.ioPriority = {class: "IOPRIO_CLASS_BE", priority: 6}'
	run -0 --separate-stderr in_container holo-check ioprio
	check_output "class=IOPRIO_CLASS_BE priority=6"
	update_config '.process.ioPriority = {class: "IOPRIO_CLASS_IDLE", priority: 0}'
	run -0 --separate-stderr in_container holo-check ioprio
	check_output "class=IOPRIO_CLASS_IDLE priority=0"
}

@test "process: scheduler policy and nice" {
	requires scheduler
	update_config '.process.scheduler = {policy: "SCHED_BATCH", nice: 7}'
	run -0 --separate-stderr in_container holo-check sched
	check_matches "^policy=SCHED_BATCH nice=7 priority=0 "
	update_config '.process.scheduler = {policy: "SCHED_IDLE"}'
	run -0 --separate-stderr in_container holo-check sched
	check_matches "^policy=SCHED_IDLE "
}

@test "process: the process is pid 1 and its parent is outside its pid namespace" {
	set_args sh -c 'echo $$; exec holo-check ppid'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	# The runtime that started it is not in the namespace: getppid() is 0.
	check_output "$(printf '%s\n' 1 0)"
}
