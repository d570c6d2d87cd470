#!/usr/bin/env bats
# linux.seccomp and the LSM fields.  Every test sets its own profile on a
# bundle without one ("holo spec" writes a default profile, "runc spec"
# none), so the same tests run against runc:
#   RUNTIME=/usr/sbin/runc bats tests/integration/seccomp.bats
# Where runc 1.1 behaves differently on purpose (holo follows the
# runtime-spec or fails earlier), the test says so and skips on runc.
#
# In the container, seccomp-syscall (seccomp-syscall.c) makes one raw
# syscall and prints "NAME: ok" or "NAME: ERRNO (N)".

load helpers

SYSCALL_TOOL=$HOLO_TEST_WORK/bin/seccomp-syscall
LISTENER_TOOL=$HOLO_TEST_WORK/bin/seccomp-listener

build_seccomp_tools() {
	(
		flock 9
		build_tool "$BATS_TEST_DIRNAME/seccomp-syscall.c" "$SYSCALL_TOOL" -static &&
			build_tool "$BATS_TEST_DIRNAME/seccomp-listener.c" "$LISTENER_TOOL"
	) 9>"$HOLO_TEST_WORK/.lock"
}

setup() {
	setup_common
	build_seccomp_tools || {
		echo "could not build the seccomp test tools" >&2
		return 1
	}
	cp "$SYSCALL_TOOL" "$BUNDLE/rootfs/bin/seccomp-syscall"
	# A writable root: mkdir failing for another reason would hide the filter.
	update_config 'del(.linux.seccomp) | .root.readonly = false'
}

teardown() {
	teardown_common
}

# set_seccomp JSON: linux.seccomp = JSON.
set_seccomp() {
	update_config '.linux.seccomp = $p' --argjson p "$1"
}

# run_container ARGS...: runs ARGS as the container process in the
# foreground ($output is what it printed on stdout).
run_container() {
	set_args "$@"
	run --separate-stderr rt run --bundle "$BUNDLE" "$CID" </dev/null 3>&-
}

# The profile "holo spec" writes (from this tree's holo, whatever RUNTIME is).
holo_default_profile() {
	local dir=$TESTDIR/holo-spec
	mkdir -p "$dir"
	[ -x "$HOLO_SRC/holo" ] || skip "holo is not built"
	"$HOLO_SRC/holo" spec --bundle "$dir" >/dev/null
	jq -c .linux.seccomp "$dir/config.json"
}

skip_on_runc() {
	if [ "$RUNTIME_KIND" = runc ]; then
		skip "$1"
	fi
}

# ------------------------------------------------------------ actions

@test "seccomp: a denied syscall fails with errnoRet" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30}]}'
	run_container seccomp-syscall mkdir /tmp/x
	check_status 1
	check_output "mkdir: EROFS (30)"
}

@test "seccomp: SCMP_ACT_ERRNO without errnoRet is EPERM; other syscalls are untouched" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["chmod", "fchmodat"], "action": "SCMP_ACT_ERRNO"}]}'
	run_container sh -c 'seccomp-syscall chmod /tmp 0777; seccomp-syscall mkdir /tmp/x'
	check_status 0
	check_output "chmod: EPERM (1)
mkdir: ok"
}

@test "seccomp: defaultErrnoRet is what syscalls outside an allow-list get" {
	local profile
	profile=$(holo_default_profile)
	set_seccomp "$(jq -c '.defaultErrnoRet = 95' <<<"$profile")"
	# unshare is not in the list: the filter answers before the kernel's
	# capability check would (which says EPERM).
	run_container sh -c 'seccomp-syscall unshare 0x04000000; seccomp-syscall getpid'
	check_status 0
	check_output "unshare: EOPNOTSUPP (95)
getpid: ok"
}

@test "seccomp: SCMP_ACT_KILL kills the process with SIGSYS (exit 128+31)" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["getcwd"], "action": "SCMP_ACT_KILL"}]}'
	run_container seccomp-syscall getcwd
	check_status 159
	check_output ""
}

@test "seccomp: SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD and SCMP_ACT_TRAP end in SIGSYS too" {
	local action
	for action in SCMP_ACT_KILL_PROCESS SCMP_ACT_KILL_THREAD SCMP_ACT_TRAP; do
		set_seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\",
			\"syscalls\": [{\"names\": [\"getcwd\"], \"action\": \"$action\"}]}"
		run_container seccomp-syscall getcwd
		echo "$action"
		check_status 159
		CID=$(new_id)
	done
}

@test "seccomp: SCMP_ACT_LOG and SCMP_ACT_TRACE (no tracer: ENOSYS)" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["getcwd"], "action": "SCMP_ACT_LOG"},
		{"names": ["uname"], "action": "SCMP_ACT_TRACE"}]}'
	run_container sh -c 'seccomp-syscall getcwd; seccomp-syscall uname'
	check_status 1
	check_output "getcwd: ok
uname: ENOSYS (38)"
}

# ------------------------------------------------------------ arguments

@test "seccomp: args: only the matching value is filtered" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["personality"],
		"action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}]}]}'
	run_container sh -c 'seccomp-syscall personality 0xffffffff; seccomp-syscall personality 0'
	check_status 0
	check_output "personality: EPERM (1)
personality: ok"
}

@test "seccomp: args: conditions on one argument are ORed, on different arguments ANDed (runc)" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "args": [
			{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"},
			{"index": 0, "value": 131072, "op": "SCMP_CMP_EQ"}]},
		{"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "args": [
			{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"},
			{"index": 1, "value": 2, "op": "SCMP_CMP_EQ"}]}]}'
	run_container sh -c '
		seccomp-syscall personality 8; seccomp-syscall personality 0x20000; seccomp-syscall personality 0
		seccomp-syscall socket 2 2; seccomp-syscall socket 2 1; seccomp-syscall socket 1 2'
	check_status 0
	check_output "personality: EACCES (13)
personality: EACCES (13)
personality: ok
socket: EACCES (13)
socket: ok
socket: ok"
}

@test "seccomp: args: SCMP_CMP_MASKED_EQ, SCMP_CMP_GT and SCMP_CMP_NE" {
	# unshare(CLONE_NEWUTS) is filtered; unshare(CLONE_NEWNS) reaches the
	# kernel, which refuses it for lack of CAP_SYS_ADMIN (EPERM).
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["unshare"], "action": "SCMP_ACT_ERRNO", "errnoRet": 95, "args": [
			{"index": 0, "value": 67108864, "valueTwo": 67108864, "op": "SCMP_CMP_MASKED_EQ"}]},
		{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22, "args": [
			{"index": 0, "value": 131072, "op": "SCMP_CMP_GT"}]},
		{"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 97, "args": [
			{"index": 0, "value": 1, "op": "SCMP_CMP_NE"}]}]}'
	run_container sh -c '
		seccomp-syscall unshare 0x04000000; seccomp-syscall unshare 0x00020000
		seccomp-syscall personality 0x20008; seccomp-syscall personality 8
		seccomp-syscall socket 2 1; seccomp-syscall socket 1 1'
	check_status 0
	check_output "unshare: EOPNOTSUPP (95)
unshare: EPERM (1)
personality: EINVAL (22)
personality: ok
socket: EAFNOSUPPORT (97)
socket: ok"
}

# ------------------------------------------------------- profile handling

@test "seccomp: syscall names libseccomp does not know are ignored" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["holo_no_such_syscall", "mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30}]}'
	run_container seccomp-syscall mkdir /tmp/x
	check_status 1
	check_output "mkdir: EROFS (30)"
}

@test "seccomp: a rule whose action is the default action is skipped" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["getpid"], "action": "SCMP_ACT_ALLOW"},
		{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
	run_container sh -c 'seccomp-syscall getpid; seccomp-syscall mkdir /tmp/x'
	check_status 1
	check_output "getpid: ok
mkdir: EPERM (1)"
}

@test "seccomp: the filter is installed with noNewPrivileges false (before capabilities are dropped)" {
	update_config '.process.noNewPrivileges = false'
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30}]}'
	run_container sh -c 'seccomp-syscall mkdir /tmp/x; grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status'
	check_status 0
	check_output "mkdir: EROFS (30)
NoNewPrivs:	0
Seccomp:	2"
}

@test "seccomp: a profile that denies execve makes the container fail" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["execve", "execveat"], "action": "SCMP_ACT_ERRNO"}]}'
	set_args seccomp-syscall getpid
	# "run !": holo exits 127 (exec failed), which plain "run" warns about.
	run ! --separate-stderr rt run --bundle "$BUNDLE" "$CID" </dev/null 3>&-
	check_not_contains "getpid: ok"
}

@test "seccomp: filter flags SECCOMP_FILTER_FLAG_LOG, SPEC_ALLOW, TSYNC are accepted" {
	skip_on_runc "runc 1.1.5: seccomp flags are not yet supported"
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"],
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30}]}'
	run_container seccomp-syscall mkdir /tmp/x
	check_status 1
	check_output "mkdir: EROFS (30)"
}

# bad_profile JSON PATH_TEXT: create with linux.seccomp = JSON fails with
# status 1, names PATH_TEXT (on holo) and leaves nothing behind.
bad_profile() {
	set_seccomp "$1"
	add_shared_dir
	set_args touch /shared/ran
	run -1 --separate-stderr rt_create "$CID"
	check_holo_text "$2" stderr
	check_nothing_left "$CID"
	[ ! -e "$SHARED/ran" ]
}

@test "seccomp: an unknown action fails create, naming the JSON path" {
	bad_profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ALLOW"},
		{"names": ["mkdir"], "action": "SCMP_ACT_FOO"}]}' \
		'config.json: linux.seccomp.syscalls[1].action: unknown action "SCMP_ACT_FOO"'
}

@test "seccomp: unknown defaultAction, architecture, operator, flag fail create" {
	bad_profile '{"defaultAction": "SCMP_ACT_NOPE"}' \
		'linux.seccomp.defaultAction: unknown action "SCMP_ACT_NOPE"'
	CID=$(new_id)
	bad_profile '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_PDP11"]}' \
		'linux.seccomp.architectures[1]: unknown architecture "SCMP_ARCH_PDP11"'
	CID=$(new_id)
	bad_profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["personality"],
		"action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_ALMOST"}]}]}' \
		'linux.seccomp.syscalls[0].args[0].op: unknown operator "SCMP_CMP_ALMOST"'
	CID=$(new_id)
	bad_profile '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_NOPE"]}' \
		'linux.seccomp.flags[0]: unknown flag "SECCOMP_FILTER_FLAG_NOPE"'
}

@test "seccomp: a syscall argument index above 5 fails create" {
	bad_profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["personality"],
		"action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}' \
		'linux.seccomp.syscalls[0].args[0].index: must be an integer between 0 and 5'
}

@test "seccomp: SCMP_ACT_NOTIFY without listenerPath, as default action, or on write fails create" {
	bad_profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}' \
		'linux.seccomp.listenerPath: must be set when SCMP_ACT_NOTIFY is used'
	CID=$(new_id)
	bad_profile '{"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/nonexistent"}' \
		'linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be used as the default action'
	CID=$(new_id)
	bad_profile '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/nonexistent",
		"syscalls": [{"names": ["mkdir", "write"], "action": "SCMP_ACT_NOTIFY"}]}' \
		'linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for the write syscall'
}

@test "seccomp: errnoRet with an action that takes none fails create (runtime-spec)" {
	skip_on_runc "runc 1.1 ignores errnoRet there"
	bad_profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_KILL", "errnoRet": 5}]}' \
		'linux.seccomp.syscalls[0].errnoRet: not allowed with SCMP_ACT_KILL'
}

@test "seccomp: a listener that cannot be reached fails create" {
	bad_profile "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$TESTDIR/nobody-listens\",
		\"syscalls\": [{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}" \
		"connect to the seccomp listener"
}

# ------------------------------------------------------------ notify

# notify_test NNP: a listener answers mkdir with EOPNOTSUPP and sees the
# container process state.
notify_test() {
	local sock=$TESTDIR/agent.sock payload=$TESTDIR/payload.json log=$TESTDIR/agent.log
	"$LISTENER_TOOL" "$sock" "$payload" 95 >"$log" 2>&1 &
	local agent=$!
	BACKGROUND_PIDS+=("$agent")
	wait_for_file "$sock"
	update_config ".process.noNewPrivileges = $1"
	set_seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$sock\",
		\"listenerMetadata\": \"holo-test-metadata\",
		\"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
	run_container sh -c 'seccomp-syscall mkdir /tmp/x; seccomp-syscall getpid'
	check_status 0
	check_output "mkdir: EOPNOTSUPP (95)
getpid: ok"

	local i
	for ((i = 0; i < 50; i++)); do
		kill -0 "$agent" 2>/dev/null || break
		sleep 0.1
	done
	run cat "$log"
	check_contains "fds: 1"
	# The runtime-spec wants the connection closed after the state is sent.
	if [ "$RUNTIME_KIND" != runc ]; then
		check_contains "closed by the runtime: yes"
	fi
	check_contains "notification: syscall"
	check_contains "notifications: 1"
	run -0 jq -c '[.ociVersion != null, .fds, .metadata, .state.id, (.pid > 0), (.state.pid == .pid), .state.bundle]' "$payload"
	check_output "[true,[\"seccompFd\"],\"holo-test-metadata\",\"$CID\",true,true,\"$BUNDLE\"]"
}

@test "seccomp: SCMP_ACT_NOTIFY hands the notify fd and the process state to listenerPath (noNewPrivileges)" {
	notify_test true
}

@test "seccomp: SCMP_ACT_NOTIFY with noNewPrivileges false" {
	notify_test false
}

@test "seccomp: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV with a listener" {
	skip_on_runc "runc 1.1.5: seccomp flags are not yet supported"
	# notify_test builds the profile: add the flag on the way in.
	set_seccomp() {
		update_config '.linux.seccomp = ($p + {flags: ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]})' --argjson p "$1"
	}
	notify_test true
}

# ---------------------------------------------------- the default profile

@test "seccomp: the profile of holo spec lets busybox sh and common commands run" {
	set_seccomp "$(holo_default_profile)"
	add_shared_dir
	run_container sh -c '
		set -e
		echo hello >/tmp/f; cat /tmp/f; cp /tmp/f /tmp/g; mv /tmp/g /tmp/h; ls /tmp >/dev/null
		mkdir -p /tmp/d/e; rm -r /tmp/d; ln -s /tmp/f /tmp/l; readlink /tmp/l
		chmod 600 /tmp/f; stat -c %a /tmp/f; touch /shared/ok
		ps >/dev/null; id -u; date >/dev/null; sleep 0.1; uname -s
		echo a b c | sed s/b/x/ | grep x | wc -w; seq 3 | sort -r | head -1
		(exit 3) || echo subshell=$?
		sh -c "kill -TERM \$\$" || echo killed=$?
		seccomp-syscall personality 0xffffffff
		seccomp-syscall unshare 0x04000000 || true
		seccomp-syscall socket 38 5 || true
		grep -E "^Seccomp:" /proc/self/status'
	check_status 0
	check_output "hello
/tmp/f
600
0
Linux
3
3
subshell=3
killed=143
personality: ok
unshare: EPERM (1)
socket: EPERM (1)
Seccomp:	2"
	[ -e "$SHARED/ok" ]
}

# ------------------------------------------------------ compiled cache
# holo keeps compiled profiles in the state root (seccomp_cache.c): a
# cached program must be the one the profile compiles to, and nobody but
# the user holo runs as may be able to put one there.

DENY_MKDIR='{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30}]}'
DENY_CHMOD='{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["chmod", "fchmodat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30}]}'
SECCOMP_CACHE_DIR=.seccomp:cache

# run_debug ARGS...: runs ARGS in the container with holo's --debug log
# ($output: the container's stdout; $stderr: holo's log).
run_debug() {
	set_args "$@"
	run --separate-stderr rt --debug run --bundle "$BUNDLE" "$(new_id)" </dev/null 3>&-
}

# The cache entries, newest last.
cache_entries() {
	ls -tr "$ROOT/$SECCOMP_CACHE_DIR"
}

@test "seccomp cache: a profile compiled once comes from the cache the next time, as the same filter" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's cache"
	set_seccomp "$DENY_MKDIR"
	run_debug seccomp-syscall mkdir /tmp/x
	check_output "mkdir: EROFS (30)"
	[[ $stderr == *"seccomp cache: stored profile"* ]]
	run_debug seccomp-syscall mkdir /tmp/x
	check_output "mkdir: EROFS (30)"
	[[ $stderr == *"seccomp cache: using the compiled profile"* ]]
	# exec compiles the container's profile too: from the cache.
	set_args sh -c 'sleep 1000'
	run -0 rt_run_d "$CID"
	run --separate-stderr rt --debug exec "$CID" seccomp-syscall mkdir /tmp/y
	check_output "mkdir: EROFS (30)"
	[[ $stderr == *"seccomp cache: using the compiled profile"* ]]
}

@test "seccomp cache: another profile never gets the first one's program" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's cache"
	set_seccomp "$DENY_MKDIR"
	run_debug seccomp-syscall mkdir /tmp/x
	check_output "mkdir: EROFS (30)"
	set_seccomp "$DENY_CHMOD"
	run_debug sh -c 'seccomp-syscall mkdir /tmp/x; seccomp-syscall chmod /tmp 0777'
	check_output "mkdir: ok
chmod: EROFS (30)"
	[[ $stderr == *"seccomp cache: stored profile"* ]]
	[ "$(cache_entries | wc -l)" -eq 2 ]
}

@test "seccomp cache: the directory is 0700 and entries 0600, owned by root: another user cannot add one" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's cache"
	[ "$(id -u)" = 0 ] || skip "needs root"
	set_seccomp "$DENY_MKDIR"
	run_debug seccomp-syscall mkdir /tmp/x
	[ "$(stat -c %u:%a "$ROOT/$SECCOMP_CACHE_DIR")" = 0:700 ]
	[ "$(stat -c %u:%a "$ROOT/$SECCOMP_CACHE_DIR/$(cache_entries)")" = 0:600 ]
	# The state root itself may be open to others (chmod 0777 here): the
	# cache directory still is not.
	chmod 0777 "$ROOT"
	run setpriv --reuid 65534 --regid 65534 --clear-groups touch "$ROOT/$SECCOMP_CACHE_DIR/0123456789abcdef"
	check_failed
	check_contains "Permission denied"
}

# poison_entry: overwrites the deny-mkdir profile's entry with its key and
# the program of a profile that denies chmod instead: a well-formed entry
# that would let mkdir through.  The format is seccomp_cache.c's: "HOLOSC01",
# u32 key length, key, then the program and its fields.
poison_entry() {
	set_seccomp "$DENY_CHMOD"
	run_debug true
	set_seccomp "$DENY_MKDIR"
	run_debug true
	local weak strong
	weak=$(cache_entries | head -1)
	strong=$(cache_entries | tail -1)
	python3 - "$ROOT/$SECCOMP_CACHE_DIR/$strong" "$ROOT/$SECCOMP_CACHE_DIR/$weak" <<-'PY'
		import struct, sys
		strong, weak = (open(p, "rb").read() for p in sys.argv[1:3])
		head = lambda b: 12 + struct.unpack_from("<I", b, 8)[0]
		open(sys.argv[1], "wb").write(strong[:head(strong)] + weak[head(weak):])
	PY
	POISONED=$ROOT/$SECCOMP_CACHE_DIR/$strong
}

@test "seccomp cache: a well-formed entry that is not root's own is never used (poisoning)" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's cache"
	[ "$(id -u)" = 0 ] || skip "needs root"
	poison_entry
	# Written by root (as if holo itself had): it is used, and mkdir gets
	# through, which is what a poisoned entry would do.
	run_debug seccomp-syscall mkdir /tmp/x
	check_output "mkdir: ok"
	# Owned by another user: ignored, compiled, the profile holds.
	poison_entry
	chown 65534:65534 "$POISONED"
	run_debug seccomp-syscall mkdir /tmp/y
	check_output "mkdir: EROFS (30)"
	[[ $stderr == *"belongs to uid 65534, not to us: ignored"* ]]
	# Root's, but writable by others.
	poison_entry
	chmod 0666 "$POISONED"
	run_debug seccomp-syscall mkdir /tmp/z
	check_output "mkdir: EROFS (30)"
	[[ $stderr == *"accessible to group or others"* ]]
	# A symlink to it.
	poison_entry
	mv "$POISONED" "$ROOT/elsewhere"
	ln -s "$ROOT/elsewhere" "$POISONED"
	run_debug seccomp-syscall mkdir /tmp/w
	check_output "mkdir: EROFS (30)"
	rm -f "$ROOT/elsewhere"
	# The whole directory handed to another user.
	poison_entry
	chown 65534:65534 "$ROOT/$SECCOMP_CACHE_DIR"
	run_debug seccomp-syscall mkdir /tmp/v
	check_output "mkdir: EROFS (30)"
	[[ $stderr == *"$SECCOMP_CACHE_DIR belongs to uid 65534, not to us: ignored"* ]]
}

@test "seccomp cache: a damaged entry is compiled again and replaced" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's cache"
	set_seccomp "$DENY_MKDIR"
	run_debug true
	local entry
	entry=$ROOT/$SECCOMP_CACHE_DIR/$(cache_entries)
	truncate -s 100 "$entry"
	run_debug seccomp-syscall mkdir /tmp/x
	check_output "mkdir: EROFS (30)"
	[[ $stderr == *"is for another profile or damaged: compiling"* ]]
	[[ $stderr == *"seccomp cache: stored profile"* ]]
	[ "$(stat -c %s "$entry")" -gt 100 ]
}

# ------------------------------------------------------------- LSMs
# On a host without AppArmor/SELinux enabled, asking for a profile or a
# label fails create (runc 1.1 fails too: at validation for selinuxLabel,
# in its init for apparmorProfile, at mount time for mountLabel).

apparmor_enabled() {
	[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]
}

selinux_enabled() {
	[ -e /sys/fs/selinux/enforce ]
}

@test "lsm: process.apparmorProfile without AppArmor on the host fails create" {
	apparmor_enabled && skip "AppArmor is enabled on this host"
	update_config '.process.apparmorProfile = "holo-test-profile"'
	run -1 --separate-stderr rt_create "$CID"
	check_holo_text "process.apparmorProfile" stderr
	check_nothing_left "$CID"
}

@test "lsm: process.selinuxLabel without SELinux on the host fails create" {
	selinux_enabled && skip "SELinux is enabled on this host"
	update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0"'
	run -1 --separate-stderr rt_create "$CID"
	check_holo_text "process.selinuxLabel" stderr
	check_nothing_left "$CID"
}

@test "lsm: linux.mountLabel without SELinux on the host fails create" {
	selinux_enabled && skip "SELinux is enabled on this host"
	update_config '.linux.mountLabel = "system_u:object_r:container_file_t:s0"'
	run -1 --separate-stderr rt_create "$CID"
	check_holo_text "linux.mountLabel" stderr
	check_nothing_left "$CID"
}

# holo loads libapparmor/libselinux only for a config that asks for them
# (src/libcontainer/security/lsm.c): a library that cannot be used is a
# create error naming it.  A stand-in without the functions, found first
# through LD_LIBRARY_PATH, makes the load fail.
fake_lsm_library() {
	mkdir -p "$TESTDIR/lib"
	echo 'int holo_test_not_the_library;' >"$TESTDIR/lib/fake.c"
	gcc -shared -fPIC -o "$TESTDIR/lib/$1" "$TESTDIR/lib/fake.c"
}

@test "lsm: an unusable libapparmor fails create and names the library (holo loads it on demand)" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's loading"
	rt --version | grep -q -- "+APPARMOR" || skip "built without AppArmor"
	fake_lsm_library libapparmor.so.1
	update_config '.process.apparmorProfile = "holo-test-profile"'
	LD_LIBRARY_PATH=$TESTDIR/lib run -1 --separate-stderr rt_create "$CID"
	check_holo_text "process.apparmorProfile: cannot load libapparmor.so.1: libapparmor.so.1 has no aa_is_enabled" stderr
	check_nothing_left "$CID"
}

@test "lsm: an unusable libselinux fails create and names the library (holo loads it on demand)" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's loading"
	rt --version | grep -q -- "+SELINUX" || skip "built without SELinux"
	fake_lsm_library libselinux.so.1
	update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0"'
	LD_LIBRARY_PATH=$TESTDIR/lib run -1 --separate-stderr rt_create "$CID"
	check_holo_text "process.selinuxLabel: cannot load libselinux.so.1: libselinux.so.1 has no is_selinux_enabled" stderr
	check_nothing_left "$CID"
}

@test "lsm: exec --apparmor loads libapparmor on the host; unusable, exec fails naming it" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's loading"
	rt --version | grep -q -- "+APPARMOR" || skip "built without AppArmor"
	set_args holo-check loop
	run -0 rt_run_d "$CID"
	fake_lsm_library libapparmor.so.1
	# 255: exec failed before the process ran (as runc).
	LD_LIBRARY_PATH=$TESTDIR/lib run -255 --separate-stderr rt exec --apparmor holo-test-profile "$CID" true
	check_holo_text "process.apparmorProfile: cannot load libapparmor.so.1" stderr
}

@test "lsm: exec --apparmor without AppArmor on the host fails" {
	apparmor_enabled && skip "AppArmor is enabled on this host"
	set_args holo-check loop
	run -0 rt_run_d "$CID"
	run --separate-stderr rt exec --apparmor holo-test-profile "$CID" true
	check_failed
}

@test "lsm: empty profile and labels mean none" {
	update_config '.process.apparmorProfile = "" | .process.selinuxLabel = "" | .linux.mountLabel = ""'
	run_container seccomp-syscall getpid
	check_status 0
	check_output "getpid: ok"
}

# ------------------------------------------------------------ reporting

@test "seccomp: --version and features report seccomp" {
	skip_on_runc "holo's own version line"
	run -0 rt --version
	check_contains "+SECCOMP"
	run -0 rt features
	run -0 jq -c '.linux.seccomp | [.enabled, (.actions | index("SCMP_ACT_NOTIFY") != null), (.knownFlags | length > 0)]' <<<"$output"
	check_output "[true,true,true]"
}
