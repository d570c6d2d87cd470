#!/usr/bin/env bats
# Podman 4.3 (Debian's podman + conmon) with holo and with runc side by
# side, rootful and rootless, as the README tells users to run it:
# `podman --runtime PATH run --network none …`, the cgroupfs manager.
#
# Rootful podman runs in a mount namespace of its own, with a fresh tmpfs
# on /run and on /var/lib/containers (under an overlay of /var/lib whose
# upper layer is ours): its storage, its tmp dir and the runtimes' default
# state roots (/run/runc, /run/holo) are private to this file and vanish
# with it, yet podman and the runtimes use their defaults, as on a user's
# machine.
# Rootless podman runs as a regular user with /etc/subuid and /etc/subgid
# ranges, HOME and XDG_RUNTIME_DIR in a private directory.
#
# containers.conf: the cgroupfs manager, rlimits within this host's hard
# limits (no CAP_SYS_RESOURCE here), k8s-file logs, file events and locks.
# runtime_supports_json lists both runtimes in one file and neither in the
# other: Podman passes `--log-format=json --log FILE` only to those listed,
# and otherwise makes the runtime's stderr part of the container's log.

load lib

IMG=localhost/holo-bb:test
RL_USER=holo-rootless # shared with tests/integration/rootless.bats

# conf_head: what every containers.conf here has; conf_engine: the keys of
# its [engine] table.
conf_head() {
	cat <<-TOML
		[containers]
		default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
		log_driver = "k8s-file"
		netns = "none"
	TOML
}

conf_engine() {
	cat <<-TOML
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		lock_type = "file"
	TOML
}

write_conf() {
	{
		conf_head
		echo "[engine]"
		conf_engine
		echo "runtime_supports_json = [$2]"
	} >"$1"
}

# The README's containers.conf, with this build's holo, and ours merged in.
write_readme_conf() {
	{
		conf_head
		doc_snippet README.md containers.conf | sed "s#/usr/local/bin/holo#$2#" |
			awk -v engine="$(conf_engine)" '{ print } $0 == "[engine]" { print engine }'
	} >"$1"
}

# Subordinate ids: the rootless user's own, and "containers" (what rootful
# --userns=auto allocates from).
add_subids() {
	id "$RL_USER" >/dev/null 2>&1 || useradd -m -s /bin/sh "$RL_USER"
	local f
	for f in /etc/subuid /etc/subgid; do
		touch "$f"
		(
			flock 9
			grep -q "^$RL_USER:" "$f" || echo "$RL_USER:1100000:65536" >>"$f"
			grep -q "^containers:" "$f" || echo "containers:2147483647:2147483648" >>"$f"
		) 9>>"$f.holo-test-lock"
	done
}

setup_file() {
	engines_require podman conmon newuidmap nsenter
	export PM
	PM=$(engines_tmpdir podman)
	chmod 755 "$PM"
	add_subids
	write_conf "$PM/json.conf" '"runc", "holo"'
	write_conf "$PM/plain.conf" ''
	write_readme_conf "$PM/readme.conf" "$HOLO"
	busybox_rootfs_tar "$PM/rootfs.tar"
	chmod 644 "$PM"/*.conf "$PM/rootfs.tar"

	# The rootful namespace (see ns_start), and /var/lib/containers private.
	mkdir -p "$PM/varlib/upper" "$PM/varlib/work"
	ns_start "$PM" 'mount -t overlay -o "lowerdir=/var/lib,upperdir=$0/varlib/upper,workdir=$0/varlib/work" overlay /var/lib &&
		mkdir -p /var/lib/containers && mount -t tmpfs -o mode=700 tmpfs /var/lib/containers'

	# The rootless user's home, runtime dir, and a holo it can reach (a
	# checkout under a 0700 directory gets a copy).
	mkdir -p "$PM/rl/home" "$PM/rl/xdg"
	chmod 700 "$PM/rl/xdg"
	export RL_HOLO=$HOLO
	if ! runuser -u "$RL_USER" -- test -x "$HOLO"; then
		cp "$HOLO" "$PM/rl/holo"
		RL_HOLO=$PM/rl/holo
	fi
	chown -R "$RL_USER:" "$PM/rl"

	MODE=rootful pm import "$PM/rootfs.tar" "$IMG" >/dev/null
	MODE=rootless pm import "$PM/rootfs.tar" "$IMG" >/dev/null
}

teardown_file() {
	[ -n "${PM:-}" ] || return 0
	MODE=rootful pm rm -af -t 0 >/dev/null 2>&1
	MODE=rootful pm pod rm -af >/dev/null 2>&1
	MODE=rootless pm rm -af -t 0 >/dev/null 2>&1
	MODE=rootless pm pod rm -af >/dev/null 2>&1
	ns_stop "$PM"
	# Files of the rootless storage belong to subordinate ids.
	MODE=rootless pm unshare rm -rf "$PM/rl/home" >/dev/null 2>&1
	# Rootless podman's pause process (it keeps the user namespace): ours
	# are those with our XDG_RUNTIME_DIR.
	for p in $(pgrep -u "$RL_USER"); do
		grep -qzx "XDG_RUNTIME_DIR=$PM/rl/xdg" "/proc/$p/environ" 2>/dev/null && kill "$p"
	done
	rm -rf "$PM"
}

teardown() {
	pm rm -af -t 0 >/dev/null 2>&1 || true
	pm pod rm -af >/dev/null 2>&1 || true
}

# podman as MODE (rootful, rootless) runs it, with R (runc, holo) as the
# runtime and CONF (json, plain) as containers.conf.
pm() {
	local rt=$RUNC
	if [ "${MODE:-rootful}" = rootful ]; then
		[ "${R:-runc}" = holo ] && rt=$HOLO
		ns "$PM" timeout -k 5 "$ENGINE_TIMEOUT" env CONTAINERS_CONF="$PM/${CONF:-json}.conf" podman --runtime "$rt" "$@"
	elif [ "$MODE" = plain ]; then
		# podman as the README has it: the runtime from containers.conf or
		# the command line.
		ns "$PM" timeout -k 5 "$ENGINE_TIMEOUT" env CONTAINERS_CONF="$PM/${CONF:-json}.conf" podman "$@"
	else
		[ "${R:-runc}" = holo ] && rt=$RL_HOLO
		(cd "$PM/rl" && timeout -k 5 "$ENGINE_TIMEOUT" runuser -u "$RL_USER" -- env HOME="$PM/rl/home" \
			XDG_RUNTIME_DIR="$PM/rl/xdg" CONTAINERS_CONF="$PM/${CONF:-json}.conf" \
			podman --runtime "$rt" "$@")
	fi
}

# pmpty ARGS…: podman ARGS on a new terminal (see ptyrun).
pmpty() {
	local size=$1
	shift
	if [ "$MODE" = rootful ]; then
		ptyrun --size "$size" -- nsenter -t "$(cat "$PM/holder.pid")" -m -- env CONTAINERS_CONF="$PM/json.conf" podman --runtime "$([ "$R" = holo ] && echo "$HOLO" || echo "$RUNC")" "$@"
	else
		(cd "$PM/rl" && ptyrun --size "$size" -- runuser -u "$RL_USER" -- env HOME="$PM/rl/home" \
			XDG_RUNTIME_DIR="$PM/rl/xdg" CONTAINERS_CONF="$PM/json.conf" \
			podman --runtime "$([ "$R" = holo ] && echo "$RL_HOLO" || echo "$RUNC")" "$@")
	fi
}

# The runtime's own view of container $1, from its default state root
# (rootless: inside podman's user namespace, with XDG_RUNTIME_DIR set).
runtime_status() {
	local bin=$RUNC
	if [ "$MODE" = rootful ]; then
		[ "$R" = holo ] && bin=$HOLO
		ns "$PM" "$bin" state "$1" | jq -r .status
	else
		[ "$R" = holo ] && bin=$RL_HOLO
		pm unshare "$bin" state "$1" | jq -r .status
	fi
}

prun() {
	pm run --network none "$@"
}

drun() {
	pm run -d --network none "$@"
}

wait_log() {
	local i
	for i in $(seq 200); do
		pm logs "$1" 2>&1 | grep -qxF "$2" && return 0
		sleep 0.1
	done
	return 1
}

# The cgroup v1 controllers are not delegated to a regular user here:
# rootless Podman then runs containers without cgroups, so limits, pause
# and stats cannot work there, for either runtime.
need_cgroups() {
	if [ "$MODE" = rootless ] && [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]; then
		skip "rootless podman has no cgroups on a cgroup v1 host (for runc and holo alike)"
	fi
}

c_run() {
	local id
	prun --rm "$IMG" sh -c 'echo hello; echo oops >&2; exit 3' 2>/dev/null
	echo "run: $?"
	prun --rm "$IMG" sh -c 'echo hello; echo oops >&2; exit 3' 2>&1 >/dev/null
	id=$(drun "$IMG" sleep 60)
	echo "the runtime says: $(runtime_status "$id")"
	pm inspect -f '{{.State.Status}}' "$id"
	[ "$(basename "$(pm inspect -f '{{.OCIRuntime}}' "$id")")" = "$R" ] && echo "podman names the runtime"
}
run_case() {
	both c_run
	ref_has hello oops "run: 3" "the runtime says: running" "podman names the runtime"
}

c_exit_codes() {
	local cmd
	for cmd in nosuch /nosuch /etc/passwd; do
		prun --rm "$IMG" "$cmd" >/dev/null 2>&1
		echo "$cmd: $?"
	done
}
exit_codes_case() {
	both c_exit_codes
	ref_has "nosuch: 127" "/nosuch: 127" "/etc/passwd: 126"
}

# podman logs shows what the container wrote, and nothing else.
c_logs() {
	local id
	id=$(drun "$IMG" sh -c 'echo out; echo err >&2; exit 5')
	echo "wait: $(pm wait "$id")"
	echo "stdout: $(pm logs "$id" 2>/dev/null)"
	echo "stderr: $(pm logs "$id" 2>&1 >/dev/null)"
	id=$(drun --user 65534 -w /tmp --read-only --cap-drop ALL --security-opt no-new-privileges "$IMG" \
		sh -c 'echo quiet')
	pm wait "$id" >/dev/null
	echo "all of the log: [$(pm logs "$id" 2>&1)]"
}
logs_case() {
	CONF=json both c_logs
	ref_has "wait: 5" "stdout: out" "stderr: err" "all of the log: [quiet]"
	CONF=plain both c_logs
	ref_has "wait: 5" "stdout: out" "stderr: err" "all of the log: [quiet]"
}

# Waits until the terminal has a size, then prints it (the client sets it
# right after the start).
winsize='for i in $(seq 50); do s=$(stty size 2>/dev/null); [ -n "$s" ] && [ "$s" != "0 0" ] && break; sleep 0.1; done; echo "$s"'

c_interactive() {
	pmpty 33x101 run -it --rm --network none "$IMG" sh -c "tty; $winsize; exit 6"
	echo "run -it: $?"
}
interactive_case() {
	both c_interactive
	ref_has /dev/pts/0 "33 101" "run -it: 6"
}

c_exec() {
	local id
	id=$(drun "$IMG" sleep 60)
	pm exec "$id" sh -c 'echo in exec; exit 4'
	echo "exec: $?"
	pm exec -u 65534 -w /tmp -e V=1 "$id" sh -c 'echo "$(id -u) $(pwd) $V"'
	pmpty 20x60 exec -it "$id" sh -c "tty; $winsize; exit 2"
	echo "exec -it: $?"
	pm exec "$id" nosuch >/dev/null 2>&1
	echo "exec of a missing command: $?"
}
exec_case() {
	both c_exec
	ref_has "in exec" "exec: 4" "65534 /tmp 1" /dev/pts/0 "20 60" "exec -it: 2" "exec of a missing command: 127"
}

c_stop_kill() {
	local id
	id=$(drun "$IMG" sh -c 'trap "echo got TERM; exit 7" TERM; echo ready; while :; do sleep 0.1; done')
	wait_log "$id" ready
	pm stop -t 20 "$id" >/dev/null
	pm inspect -f 'trapped: {{.State.ExitCode}}' "$id"
	pm logs "$id" | tail -1
	id=$(drun "$IMG" sh -c 'trap "" TERM; echo ready; while :; do sleep 0.1; done')
	wait_log "$id" ready
	pm stop -t 1 "$id" >/dev/null 2>&1
	pm inspect -f 'ignored: {{.State.ExitCode}}' "$id"
	id=$(drun "$IMG" sh -c 'trap "echo got USR1; exit 5" USR1; echo ready; while :; do sleep 0.1; done')
	wait_log "$id" ready
	pm kill -s USR1 "$id" >/dev/null
	echo "USR1: $(pm wait "$id")"
	pm logs "$id" | tail -1
}
stop_kill_case() {
	both c_stop_kill
	ref_has "trapped: 7" "got TERM" "ignored: 137" "USR1: 5" "got USR1"
}

c_pause() {
	local id
	id=$(drun "$IMG" sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/n.new; mv /tmp/n.new /tmp/n; sleep 0.05; done')
	sleep 0.3
	pm pause "$id" >/dev/null
	pm inspect -f '{{.State.Status}}' "$id"
	echo "the runtime says: $(runtime_status "$id")"
	pm unpause "$id" >/dev/null
	pm inspect -f '{{.State.Status}}' "$id"
	local a b
	a=$(pm exec "$id" cat /tmp/n)
	sleep 0.3
	b=$(pm exec "$id" cat /tmp/n)
	[ "$b" -gt "$a" ] && echo "runs again"
}
pause_case() {
	need_cgroups
	both c_pause
	ref_has paused "the runtime says: paused" running "runs again"
}

top_has() {
	pm top "$1" args | grep -q "$2"
}

c_top_inspect() {
	local id
	id=$(drun "$IMG" sh -c 'sleep 100 & sleep 101')
	wait_for 10 top_has "$id" 'sleep 100'
	pm top "$id" args | sed "1d; s/ *$//" | sort
	pm inspect -f '{{.State.Running}} {{.State.Status}} {{.Config.Cmd}}' "$id"
}
top_inspect_case() {
	both c_top_inspect
	ref_has "sleep 100" "sleep 101" "true running [sh -c sleep 100 & sleep 101]"
}

c_stats() {
	local id
	id=$(drun --memory 64m "$IMG" sh -c 'sleep 100 & sleep 101')
	sleep 0.5
	pm stats --no-stream --format '{{.PIDs}} {{.MemUsage}}' "$id" | sed 's/^\([0-9]*\) .* \/ /pids \1, limit /'
	pm inspect -f '{{.HostConfig.Memory}}' "$id"
}
stats_case() {
	need_cgroups
	both c_stats
	ref_has "pids 2, limit 67.11MB" 67108864
}

c_limits() {
	prun --rm --memory 64m --cpus 0.5 --pids-limit 50 --cpu-shares 512 --ulimit nofile=512:800 --ulimit nproc=1024:1024 "$IMG" sh -c '
		cd /sys/fs/cgroup && cat memory/memory.limit_in_bytes cpu/cpu.cfs_quota_us cpu/cpu.shares pids/pids.max
		echo "nofile $(ulimit -Sn) $(ulimit -Hn)"'
}
limits_case() {
	need_cgroups
	both c_limits
	[ "$(head -4 <<<"$ref" | tr '\n' ' ')" = "67108864 50000 512 50 " ]
	ref_has "nofile 512 800"
}

c_security() {
	prun --rm --cap-drop ALL --cap-add NET_ADMIN "$IMG" grep CapEff /proc/self/status
	prun --rm --cap-drop CHOWN "$IMG" chown 1 /tmp
	echo "chown without CAP_CHOWN: $?"
	prun --rm --read-only "$IMG" sh -c 'touch /x 2>&1; touch /tmp/x && echo "/tmp is writable"'
	prun --rm --ulimit nofile=512:800 --ulimit nproc=1024:1024 "$IMG" sh -c 'echo "nofile $(ulimit -Sn) $(ulimit -Hn)"'
}
security_case() {
	both c_security
	ref_has "CapEff:	0000000000001000" "chown without CAP_CHOWN: 1" "touch: /x: Read-only file system" \
		"/tmp is writable" "nofile 512 800"
}

c_userns_auto() {
	prun --rm --userns=auto "$IMG" sh -c '
		awk "{ print \$1, \$3 }" /proc/self/uid_map; id -u; touch /tmp/f && stat -c "%u" /tmp/f'
}
userns_auto_case() {
	both c_userns_auto
	ref_matches '^0 [0-9]+$'
	ref_has 0
	[ "$(head -1 <<<"$ref" | cut -d' ' -f2)" -ge 1024 ]
}

c_pod() {
	local a b
	pm pod create --name "pod-$R" --hostname podhost --network none >/dev/null
	echo "pod create: $?"
	pm run -d --name "a-$R" --pod "pod-$R" "$IMG" sleep 100 >/dev/null
	echo "run in the pod: $?"
	a=$(pm exec "a-$R" sh -c 'hostname; readlink /proc/self/ns/ipc')
	b=$(pm run --rm --pod "pod-$R" "$IMG" sh -c 'hostname; readlink /proc/self/ns/ipc')
	echo "$a" | head -1
	[ "$a" = "$b" ] && echo "one hostname and IPC namespace"
	pm pod ps --format '{{.Name}} {{.Status}} {{.NumberOfContainers}}' | sed "s/^pod-$R/POD/"
	pm pod rm -f -t 0 "pod-$R" >/dev/null
	echo "pod rm: $?"
	echo "left: $(pm ps -aq | wc -l)"
}
pod_case() {
	both c_pod
	ref_has "pod create: 0" "run in the pod: 0" podhost "one hostname and IPC namespace" "POD Running 2" "pod rm: 0" "left: 0"
}

@test "podman: run prints stdout and stderr, exits with the status, under the runtime named" {
	MODE=rootful
	run_case
}

@test "podman: exit codes 127 (no such command or path), 126 (not executable)" {
	MODE=rootful
	exit_codes_case
}

@test "podman: podman logs shows only what the container wrote (runtime_supports_json with and without the runtimes)" {
	MODE=rootful
	logs_case
}

@test "podman: run -it gets a real terminal of the client's size" {
	MODE=rootful
	interactive_case
}

@test "podman: exec and exec -it (status, user, cwd, env, terminal)" {
	MODE=rootful
	exec_case
}

@test "podman: stop (a SIGTERM trap; SIGKILL after the timeout) and kill -s" {
	MODE=rootful
	stop_kill_case
}

@test "podman: pause and unpause" {
	MODE=rootful
	pause_case
}

@test "podman: top and inspect" {
	MODE=rootful
	top_inspect_case
}

@test "podman: stats: pids and the memory limit" {
	MODE=rootful
	stats_case
}

@test "podman: --memory --cpus --pids-limit --cpu-shares reach the cgroup" {
	MODE=rootful
	limits_case
}

@test "podman: --cap-drop, --read-only, --ulimit" {
	MODE=rootful
	security_case
}

@test "podman: --userns=auto maps root to a range of its own" {
	MODE=rootful
	userns_auto_case
}

@test "podman: a pod with two containers shares hostname and IPC" {
	MODE=rootful
	pod_case
}

@test "podman rootless: run prints stdout and stderr, exits with the status, under the runtime named" {
	MODE=rootless
	run_case
}

@test "podman rootless: exit codes 127 (no such command or path), 126 (not executable)" {
	MODE=rootless
	exit_codes_case
}

@test "podman rootless: podman logs shows only what the container wrote (runtime_supports_json with and without the runtimes)" {
	MODE=rootless
	logs_case
}

@test "podman rootless: run -it gets a real terminal of the client's size" {
	MODE=rootless
	interactive_case
}

@test "podman rootless: exec and exec -it (status, user, cwd, env, terminal)" {
	MODE=rootless
	exec_case
}

@test "podman rootless: stop (a SIGTERM trap; SIGKILL after the timeout) and kill -s" {
	MODE=rootless
	stop_kill_case
}

@test "podman rootless: pause and unpause" {
	MODE=rootless
	pause_case
}

@test "podman rootless: top and inspect" {
	MODE=rootless
	top_inspect_case
}

@test "podman rootless: stats: pids and the memory limit" {
	MODE=rootless
	stats_case
}

@test "podman rootless: --memory --cpus --pids-limit --cpu-shares reach the cgroup" {
	MODE=rootless
	limits_case
}

@test "podman rootless: --cap-drop, --read-only, --ulimit" {
	MODE=rootless
	security_case
}

@test "podman rootless: --userns=auto maps root to a range of its own" {
	MODE=rootless
	userns_auto_case
}

@test "podman rootless: a pod with two containers shares hostname and IPC" {
	MODE=rootless
	pod_case
}

@test "podman: the README's snippets (podman --runtime, containers.conf)" {
	local line out id
	MODE=plain
	doc_snippet README.md podman-run >"$BATS_TEST_TMPDIR/snippet"
	while read -r line; do
		line=${line/\/usr\/local\/bin\/holo/$HOLO}
		line=${line/ busybox / $IMG }
		out=$(eval "pm ${line#podman }")
		[ "$out" = "hello from holo" ]
	done <"$BATS_TEST_TMPDIR/snippet"
	# containers.conf naming holo the runtime: no --runtime needed.
	id=$(CONF=readme pm run -d "$IMG" sleep 60)
	[ "$(basename "$(CONF=readme pm inspect -f '{{.OCIRuntime}}' "$id")")" = holo ]
	R=holo MODE=rootful
	[ "$(runtime_status "$id")" = running ]
	# Removed by the podman that knows its runtime by that name.
	MODE=plain CONF=readme pm rm -f -t 0 "$id" >/dev/null
}
