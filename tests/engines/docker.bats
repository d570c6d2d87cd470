#!/usr/bin/env bats
# Docker 20.10 (Debian's docker.io) with holo and with runc side by side:
# one private dockerd for the file (its own data root, exec root, socket,
# key and config; no iptables, no bridge), both runtimes registered, an
# image made offline with `docker import`; dockerd in a mount namespace of
# its own. Every case runs under `--runtime runc` and `--runtime holo` and
# must look the same.

load lib

IMG=holo-bb:test

dk() {
	timeout -k 5 "$ENGINE_TIMEOUT" docker "$@"
}

# dockerd runs in a mount namespace of its own (ns_start): what it makes
# in /run whatever its --exec-root (/run/docker/plugins) stays private.
dockerd_start() {
	ns "$DK" dockerd --config-file "$DK/daemon.json" --data-root "$DK/data" --exec-root "$DK/exec" \
		--pidfile "$DK/dockerd.pid" -H "unix://$DK/docker.sock" --iptables=false --bridge=none \
		</dev/null >>"$DK/dockerd.log" 2>&1 3>&- &
	wait_for 30 docker version || {
		tail -20 "$DK/dockerd.log"
		return 1
	}
}

setup_file() {
	engines_require dockerd docker
	export DK
	DK=$(engines_tmpdir docker)
	export DOCKER_HOST=unix://$DK/docker.sock DOCKER_CONFIG=$DK/cli
	# Debian's client, whatever else is on PATH.
	mkdir -p "$DK/bin"
	ln -s /usr/bin/docker "$DK/bin/docker"
	export PATH=$DK/bin:$PATH
	# The README's daemon.json with this build's holo, and what keeps this
	# dockerd apart: its key, its cgroup parent; live-restore for the case
	# that restarts it; and the runtimeType form the README warns about.
	doc_snippet README.md docker-daemon.json | sed "s#/usr/local/bin/holo#$HOLO#" >"$DK/readme.json"
	jq --arg key "$DK/key.json" '. * {
		"live-restore": true, "cgroup-parent": "holo-eng-docker", "deprecated-key-path": $key,
		"runtimes": {"holo-shim": {"runtimeType": "io.containerd.holo.v2"}}}' "$DK/readme.json" >"$DK/daemon.json"
	ns_start "$DK"
	dockerd_start
	busybox_rootfs_tar "$DK/rootfs.tar"
	dk import "$DK/rootfs.tar" "$IMG" >/dev/null
}

teardown_file() {
	[ -n "${DK:-}" ] || return 0
	dk ps -aq | xargs -r docker rm -f >/dev/null 2>&1
	stop_daemon "$DK/dockerd.pid"
	ns_stop "$DK"
	unmount_under "$DK"
	rm -rf "$DK"
	rmdir /sys/fs/cgroup/*/holo-eng-docker 2>/dev/null || true
}

teardown() {
	dk ps -aq | xargs -r docker rm -f >/dev/null 2>&1 || true
}

# The runtime's own view of container $1: its state in the root Docker's
# shim gives it (one per runtime name).
runtime_status() {
	local bin=$RUNC
	[ "$R" = holo ] && bin=$HOLO
	# Docker 20.10 gives every runtime the root of the one named runc.
	"$bin" --root "$DK/exec/runtime-runc/moby" state "$1" | jq -r .status
}

# Runs a detached container under $R; prints its id.
drun() {
	dk run -d --network none --runtime "$R" "$@"
}

# Waits for the log of container $1 to have a line $2.
wait_log() {
	wait_for 20 sh -c "docker logs '$1' 2>&1 | grep -qxF '$2'"
}

c_run() {
	local script='echo hello; echo oops >&2; exit 3'
	dk run --rm --network none --runtime "$R" "$IMG" sh -c "$script" 2>/dev/null
	echo "run: $?"
	dk run --rm --network none --runtime "$R" "$IMG" sh -c "$script" 2>&1 >/dev/null
	local id
	id=$(drun "$IMG" sleep 60)
	echo "the runtime says: $(runtime_status "$id")"
	[ "$(dk inspect -f '{{.HostConfig.Runtime}}' "$id")" = "$R" ] && echo "docker names the runtime"
}
@test "docker: run prints stdout and stderr, exits with the status, under the runtime named" {
	both c_run
	ref_has hello oops "run: 3" "the runtime says: running" "docker names the runtime"
}

c_exit_codes() {
	local cmd
	for cmd in nosuch /nosuch /etc/passwd /tmp; do
		dk run --rm --network none --runtime "$R" "$IMG" "$cmd" >/dev/null 2>&1
		echo "$cmd: $?"
	done
}
@test "docker: exit codes 127 (no such command or path), 126 (not executable)" {
	both c_exit_codes
	ref_has "nosuch: 127" "/nosuch: 127" "/etc/passwd: 126" "/tmp: 126"
}

c_detached_logs() {
	local id
	id=$(drun "$IMG" sh -c 'echo out; echo err >&2; exit 5')
	echo "wait: $(dk wait "$id")"
	echo "stdout: $(dk logs "$id" 2>/dev/null)"
	echo "stderr: $(dk logs "$id" 2>&1 >/dev/null)"
}
@test "docker: -d, then wait gives the status and logs keep stdout and stderr apart" {
	both c_detached_logs
	ref_has "wait: 5" "stdout: out" "stderr: err"
}

# Prints the terminal's size once the engine has set it (the client sends
# it right after the start, so the first look may see 0 0).
winsize='for i in $(seq 50); do s=$(stty size 2>/dev/null); [ -n "$s" ] && [ "$s" != "0 0" ] && break; sleep 0.1; done; echo "$s"'

c_interactive() {
	ptyrun --size 33x101 --input $'typed\n' -- docker run -it --rm --network none --runtime "$R" "$IMG" \
		sh -c "tty; $winsize; read x; echo \"read: \$x\"; exit 6"
	echo "run -it: $?"
}
@test "docker: run -it gets a real terminal of the client's size, input reaches it" {
	both c_interactive
	ref_has /dev/pts/0 "33 101" "read: typed" "run -it: 6"
}

c_exec() {
	local id
	id=$(drun "$IMG" sleep 60)
	dk exec "$id" sh -c 'echo in exec; echo exec err >&2; exit 4' 2>/dev/null
	echo "exec: $?"
	dk exec "$id" sh -c 'echo in exec; echo exec err >&2; exit 4' 2>&1 >/dev/null
	dk exec -u 65534 -w /tmp -e V=1 "$id" sh -c 'echo "$(id -u) $(pwd) $V"'
	ptyrun --size 20x60 -- docker exec -it "$id" sh -c "tty; $winsize; exit 2"
	echo "exec -it: $?"
	dk exec "$id" nosuch >/dev/null 2>&1
	echo "exec of a missing command: $?"
}
@test "docker: exec and exec -it (status, user, cwd, env, terminal)" {
	both c_exec
	ref_has "in exec" "exec err" "exec: 4" "65534 /tmp 1" /dev/pts/0 "20 60" "exec -it: 2" \
		"exec of a missing command: 126"
}

c_stop() {
	local id t0
	id=$(drun "$IMG" sh -c 'trap "echo got TERM; exit 7" TERM; echo ready; while :; do sleep 0.1; done')
	wait_log "$id" ready
	dk stop -t 20 "$id" >/dev/null
	dk inspect -f 'trapped: {{.State.ExitCode}}' "$id"
	dk logs "$id" | tail -1
	id=$(drun "$IMG" sh -c 'trap "" TERM; echo ready; while :; do sleep 0.1; done')
	wait_log "$id" ready
	t0=$(date +%s%N)
	dk stop -t 1 "$id" >/dev/null
	dk inspect -f 'ignored: {{.State.ExitCode}}' "$id"
	[ $(($(date +%s%N) - t0)) -ge 1000000000 ] && echo "killed after the timeout"
}
@test "docker: stop sends SIGTERM to a trap, and SIGKILL after the timeout" {
	both c_stop
	ref_has "trapped: 7" "got TERM" "ignored: 137" "killed after the timeout"
}

c_kill() {
	local id
	id=$(drun "$IMG" sh -c 'trap "echo got USR1; exit 5" USR1; echo ready; while :; do sleep 0.1; done')
	wait_log "$id" ready
	dk kill -s USR1 "$id" >/dev/null
	echo "USR1: $(dk wait "$id")"
	dk logs "$id" | tail -1
	id=$(drun "$IMG" sleep 60)
	dk kill "$id" >/dev/null
	echo "default: $(dk wait "$id")"
}
@test "docker: kill -s delivers the signal; kill without -s is SIGKILL" {
	both c_kill
	ref_has "USR1: 5" "got USR1" "default: 137"
}

c_restart() {
	local id
	id=$(drun --restart on-failure:2 "$IMG" sh -c 'echo run; exit 1')
	wait_for 30 sh -c "[ \"\$(docker inspect -f '{{.RestartCount}} {{.State.Status}}' $id)\" = '2 exited' ]"
	dk inspect -f 'restarts: {{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}' "$id"
	echo "runs: $(dk logs "$id" | grep -c run)"
	id=$(drun --restart always "$IMG" sh -c 'echo run; sleep 0.2; exit 0')
	wait_for 30 sh -c "[ \"\$(docker inspect -f '{{.RestartCount}}' $id)\" -ge 2 ]"
	dk stop -t 1 "$id" >/dev/null
	dk inspect -f 'always: {{.State.Status}}' "$id"
}
@test "docker: restart policies on-failure:2 and always" {
	both c_restart
	ref_has "restarts: 2 exited 1" "runs: 3" "always: exited"
}

c_pause() {
	local w id a b c
	w=$(mktemp -d)
	# (Written aside and renamed: a reader never sees the file empty.)
	id=$(drun -v "$w:/w" "$IMG" sh -c 'i=0; while :; do i=$((i+1)); echo $i >/w/n.new; mv /w/n.new /w/n; sleep 0.05; done')
	wait_for 10 test -s "$w/n"
	dk pause "$id" >/dev/null
	dk inspect -f '{{.State.Status}}' "$id"
	echo "the runtime says: $(runtime_status "$id")"
	a=$(cat "$w/n")
	sleep 0.5
	b=$(cat "$w/n")
	[ "$a" = "$b" ] && echo "frozen"
	dk unpause "$id" >/dev/null
	sleep 0.5
	c=$(cat "$w/n")
	[ "$c" -gt "$b" ] && echo "thawed"
	dk inspect -f '{{.State.Status}}' "$id"
	rm -rf "$w"
}
@test "docker: pause freezes the container, unpause thaws it" {
	both c_pause
	ref_has paused "the runtime says: paused" frozen thawed running
}

c_top_stats() {
	local id
	id=$(drun --memory 64m "$IMG" sh -c 'sleep 100 & sleep 101')
	wait_for 10 sh -c "docker top $id -o pid,args | grep -q 'sleep 100'"
	dk top "$id" -o pid,args | awk 'NR > 1 { $1 = ""; sub(/^ /, ""); print }' | sort
	dk stats --no-stream --format '{{.PIDs}} {{.MemUsage}}' "$id" | sed 's/^\([0-9]*\) .* \/ /pids \1, limit /'
}
@test "docker: top lists the container's processes, stats its pids and memory limit" {
	both c_top_stats
	ref_has "sleep 100" "sleep 101" "pids 2, limit 64MiB"
}

# The container's own cgroup files, as a process in it sees them.
cg='cd /sys/fs/cgroup && cat memory/memory.limit_in_bytes cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us cpu/cpu.shares pids/pids.max cpuset/cpuset.cpus'

c_resources() {
	dk run --rm --network none --runtime "$R" --memory 64m --cpus 0.5 --pids-limit 50 \
		--cpuset-cpus 0 --cpu-shares 512 "$IMG" sh -c "$cg"
}
@test "docker: --memory --cpus --pids-limit --cpuset-cpus --cpu-shares reach the cgroup" {
	both c_resources
	[ "$(head -6 <<<"$ref" | tr '\n' ' ')" = "67108864 50000 100000 512 50 0 " ]
}

c_update() {
	local id
	id=$(drun --memory 64m --cpu-shares 512 "$IMG" sleep 100)
	dk update --memory 32m --memory-swap 64m --cpus 0.25 --cpu-shares 256 --pids-limit 20 "$id" >/dev/null
	echo "update: $?"
	dk exec "$id" sh -c "$cg"
	dk inspect -f '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}' "$id"
}
@test "docker: update changes the limits of a running container" {
	both c_update
	ref_has "update: 0" 33554432 25000 256 20 "33554432 250000000"
}

c_caps() {
	dk run --rm --network none --runtime "$R" "$IMG" grep Cap /proc/self/status
	dk run --rm --network none --runtime "$R" --cap-drop ALL --cap-add NET_ADMIN --cap-add CHOWN \
		"$IMG" grep Cap /proc/self/status
	dk run --rm --network none --runtime "$R" --cap-drop CHOWN "$IMG" chown 1 /tmp
	echo "chown without CAP_CHOWN: $?"
}
@test "docker: --cap-add and --cap-drop set the capabilities" {
	both c_caps
	ref_has "CapEff:	00000000a80425fb" "CapEff:	0000000000001001" "chown without CAP_CHOWN: 1"
}

c_readonly_tmpfs() {
	dk run --rm --network none --runtime "$R" --read-only --tmpfs /run:size=1m,mode=1777 "$IMG" sh -c '
		touch /x 2>&1; touch /run/x && echo "wrote /run/x"; grep " /run " /proc/mounts; grep " / " /proc/mounts | cut -d" " -f4 | cut -d, -f1'
}
@test "docker: --read-only root, --tmpfs writable" {
	both c_readonly_tmpfs
	ref_has "touch: /x: Read-only file system" "wrote /run/x" ro
	ref_matches '^tmpfs /run tmpfs rw,.*size=1024k'
}

c_volumes() {
	local h
	h=$(mktemp -d)
	echo from-host >"$h/in"
	dk run --rm --network none --runtime "$R" -v "$h:/data" -v "$h:/ro:ro" "$IMG" sh -c '
		cat /data/in; echo from-container >/data/out; touch /ro/x 2>&1'
	cat "$h/out"
	dk volume create "vol-$R" >/dev/null
	dk run --rm --network none --runtime "$R" -v "vol-$R:/v" "$IMG" sh -c 'echo kept >/v/f'
	dk run --rm --network none --runtime "$R" -v "vol-$R:/v" "$IMG" cat /v/f
	dk volume rm "vol-$R" >/dev/null
	rm -rf "$h"
}
@test "docker: bind mounts (rw and ro) and a named volume across containers" {
	both c_volumes
	ref_has from-host "touch: /ro/x: Read-only file system" from-container kept
}

c_user_env() {
	dk run --rm --network none --runtime "$R" --user 1000:1000 -w /new/dir -e FOO=bar "$IMG" sh -c '
		id; pwd; echo "FOO=$FOO"; touch /x 2>&1'
	dk run --rm --network none --runtime "$R" --user nobody --group-add 10 "$IMG" id
}
@test "docker: --user, --group-add, -w (created) and -e" {
	both c_user_env
	ref_has "uid=1000 gid=1000 groups=1000" /new/dir FOO=bar "touch: /x: Permission denied" \
		"uid=65534(nobody) gid=65534(nogroup) groups=10,65534(nogroup)"
}

c_ulimit() {
	dk run --rm --network none --runtime "$R" --ulimit nofile=512:1024 --ulimit nproc=100:200 "$IMG" \
		sh -c 'echo "nofile $(ulimit -Sn) $(ulimit -Hn)"; echo "nproc $(ulimit -Su) $(ulimit -Hu)"'
}
@test "docker: --ulimit sets soft and hard limits" {
	both c_ulimit
	ref_has "nofile 512 1024" "nproc 100 200"
}

c_seccomp() {
	local p
	p=$(mktemp)
	echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}' >"$p"
	dk run --rm --network none --runtime "$R" "$IMG" grep Seccomp: /proc/self/status
	dk run --rm --network none --runtime "$R" --security-opt seccomp=unconfined "$IMG" grep Seccomp: /proc/self/status
	dk run --rm --network none --runtime "$R" --security-opt "seccomp=$p" "$IMG" sh -c 'mkdir /tmp/d 2>&1; touch /tmp/f && echo touch works'
	rm -f "$p"
}
@test "docker: seccomp default, unconfined and a custom profile" {
	both c_seccomp
	ref_has "Seccomp:	2" "Seccomp:	0" "mkdir: can't create directory '/tmp/d': Operation not permitted" "touch works"
}

c_nnp() {
	dk run --rm --network none --runtime "$R" "$IMG" grep NoNewPrivs /proc/self/status
	dk run --rm --network none --runtime "$R" --security-opt no-new-privileges "$IMG" grep NoNewPrivs /proc/self/status
}
@test "docker: --security-opt no-new-privileges" {
	both c_nnp
	ref_has "NoNewPrivs:	0" "NoNewPrivs:	1"
}

c_device() {
	dk run --rm --network none --runtime "$R" --device /dev/zero:/dev/myzero "$IMG" sh -c '
		stat -c "%F %t:%T" /dev/myzero; head -c 3 /dev/myzero | od -An -tx1
		mknod /dev/mem c 1 1 && head -c 1 /dev/mem 2>&1'
}
@test "docker: --device adds the device and its cgroup rule, others stay denied" {
	both c_device
	ref_has "character special file 1:5" " 00 00 00" "head: /dev/mem: Operation not permitted"
}

c_init() {
	dk run --rm --network none --runtime "$R" --init "$IMG" sh -c 'cat /proc/1/comm; echo "parent $PPID"; exit 9'
	echo "status: $?"
}
@test "docker: --init runs docker-init as pid 1 and passes the status on" {
	both c_init
	ref_has docker-init "parent 1" "status: 9"
}

c_cp_export_commit() {
	local id f
	f=$(mktemp)
	echo copied-in >"$f"
	id=$(drun "$IMG" sleep 100)
	dk cp "$f" "$id:/tmp/f"
	dk exec "$id" cat /tmp/f
	dk cp "$id:/etc/group" - | tar -xO
	dk export "$id" | tar -t | grep -E '^(\./)?(bin/busybox|tmp/f)$' | sed 's,^\./,,' | sort
	dk commit "$id" "committed-$R" >/dev/null
	echo "commit: $?"
	dk inspect -f '{{.State.Status}}' "$id"
	dk run --rm --network none --runtime "$R" "committed-$R" cat /tmp/f
	dk rmi "committed-$R" >/dev/null
	rm -f "$f"
}
@test "docker: cp in and out, export, commit (which pauses the container)" {
	both c_cp_export_commit
	ref_has "copied-in" "root:x:0:" "bin/busybox" "tmp/f" "commit: 0" running
	[ "$(grep -c copied-in <<<"$ref")" = 2 ]
}

c_healthcheck() {
	local id
	id=$(drun --health-cmd 'test -f /tmp/ok' --health-interval 1s --health-retries 1 "$IMG" \
		sh -c 'touch /tmp/ok; sleep 100')
	wait_for 30 sh -c "docker inspect -f '{{.State.Health.Status}}' $id | grep -qx healthy"
	dk inspect -f '{{.State.Health.Status}}' "$id"
	dk exec "$id" rm /tmp/ok
	wait_for 30 sh -c "docker inspect -f '{{.State.Health.Status}}' $id | grep -qx unhealthy"
	dk inspect -f '{{.State.Health.Status}}' "$id"
}
@test "docker: a healthcheck turns healthy, then unhealthy" {
	both c_healthcheck
	ref_has healthy unhealthy
}

c_oom() {
	local id
	id=$(drun --memory 16m --memory-swap 16m "$IMG" sh -c 'tail /dev/zero')
	dk wait "$id"
	dk inspect -f 'OOMKilled={{.State.OOMKilled}} exit={{.State.ExitCode}}' "$id"
}
@test "docker: an OOM kill shows OOMKilled=true and exit 137" {
	both c_oom
	ref_has 137 "OOMKilled=true exit=137"
}

c_shm_sysctl() {
	dk run --rm --network none --runtime "$R" --shm-size 8m --sysctl net.ipv4.ip_forward=1 \
		--sysctl kernel.shm_rmid_forced=1 "$IMG" sh -c '
		grep " /dev/shm " /proc/mounts | cut -d" " -f4; cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shm_rmid_forced'
}
@test "docker: --shm-size and --sysctl" {
	both c_shm_sysctl
	ref_matches 'size=8192k'
	ref_has 1
}

c_compose() {
	local d
	d=$(mktemp -d)
	cat >"$d/docker-compose.yml" <<-YAML
		version: "2.4"
		services:
		  writer:
		    image: $IMG
		    runtime: $R
		    network_mode: none
		    command: sh -c 'echo shared >/v/f; echo writer done'
		    volumes: [data:/v]
		  reader:
		    image: $IMG
		    runtime: $R
		    network_mode: none
		    depends_on: [writer]
		    command: sh -c 'while ! test -s /v/f; do sleep 0.1; done; echo "reader read $\$(cat /v/f)"'
		    volumes: [data:/v]
		volumes:
		  data: {}
	YAML
	(cd "$d" && timeout -k 5 "$ENGINE_TIMEOUT" docker-compose -p "eng$R" up --no-color 2>/dev/null |
		grep -oE '(writer done|reader read shared)' | sort)
	dk ps -a --filter "label=com.docker.compose.project=eng$R" --format '{{.Names}} {{.Status}}' |
		sed "s/ (\([0-9]*\)).*/ \1/; s/^eng$R/PROJECT/" | sort
	[ "$(dk inspect -f '{{.HostConfig.Runtime}}' "eng${R}_reader_1")" = "$R" ] && echo "ran under the runtime named"
	(cd "$d" && timeout -k 5 "$ENGINE_TIMEOUT" docker-compose -p "eng$R" down -v >/dev/null 2>&1)
	echo "left: $(dk ps -aq --filter "label=com.docker.compose.project=eng$R" | wc -l)"
	rm -rf "$d"
}
@test "docker: docker-compose with two services sharing a volume" {
	command -v docker-compose >/dev/null || skip "docker-compose is not installed"
	both c_compose
	ref_has "reader read shared" "writer done" "PROJECT_reader_1 Exited 0" "ran under the runtime named" "left: 0"
}

c_live_restore() {
	local id pid
	id=$(drun "$IMG" sh -c 'trap "echo got TERM; exit 8" TERM; echo ready; while :; do sleep 0.1; done')
	wait_log "$id" ready
	pid=$(dk inspect -f '{{.State.Pid}}' "$id")
	stop_daemon "$DK/dockerd.pid"
	kill -0 "$pid" && echo "alive while dockerd is down"
	echo "the runtime says: $(runtime_status "$id")"
	dockerd_start
	dk inspect -f '{{.State.Status}}' "$id"
	[ "$(dk inspect -f '{{.State.Pid}}' "$id")" = "$pid" ] && echo "same process"
	dk exec "$id" echo exec after restore
	dk stop -t 20 "$id" >/dev/null
	dk inspect -f 'exit {{.State.ExitCode}}' "$id"
}
@test "docker: dockerd restarted with --live-restore keeps the container and serves it" {
	both c_live_restore
	ref_has "alive while dockerd is down" "the runtime says: running" running "same process" \
		"exec after restore" "exit 8"
}

@test "docker: the README's snippet (daemon.json, docker run --runtime holo)" {
	local line out
	doc_snippet README.md docker-run >"$BATS_TEST_TMPDIR/snippet"
	while read -r line; do
		out=$(eval "${line/ busybox / $IMG }")
		[ "$out" = "hello from holo" ]
	done <"$BATS_TEST_TMPDIR/snippet"
	# And the run was holo's: its state stays readable by holo while it runs.
	local id
	id=$(dk run -d --runtime holo "$IMG" sleep 60)
	R=holo
	[ "$(runtime_status "$id")" = running ]
}

@test "docker: 20.10 ignores runtimeType (the README says so): the container runs under runc" {
	local id
	id=$(dk run -d --network none --runtime holo-shim "$IMG" sleep 60)
	# runc's state, not holo's, in the root Docker gives every runtime; and
	# no shim of holo's was started.
	R=runc
	[ "$(runtime_status "$id")" = running ]
	R=holo
	run runtime_status "$id"
	[ "$output" != running ]
	! pgrep -f "containerd-shim-holo-v2 .*$id" >/dev/null || false
}
