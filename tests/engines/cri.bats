#!/usr/bin/env bats
# containerd 1.6's CRI plugin, driven as the kubelet drives it, by the
# project's CRI client (tests/engines/cri/cri.py, runtime.v1 from its own
# api.proto), with three runtime handlers side by side:
#   runc       io.containerd.runc.v2 with Debian's runc (the reference)
#   holo       io.containerd.holo.v2 (doc/kubernetes.md)
#   holo-runc  io.containerd.runc.v2 with BinaryName holo (doc/kubernetes.md)
# and, for the ConfigPath cases only, holo-conf (the holo handler's
# documented options file) and holo-badconf (a file the shim refuses).
# The handlers for holo are read from doc/kubernetes.md, so the documented
# configuration is the tested one. One private containerd in a mount
# namespace of its own (a tmpfs on /run), pods in the host network
# namespace under a cgroup parent of their own, images imported offline.

load lib

IMG=docker.io/library/busybox:holo-test
PAUSE=docker.io/library/holo-pause:test
CG_PARENT=holo-eng-cri
ENGINE_RUNTIMES="runc holo holo-runc"

setup_file() {
	engines_require containerd ctr protoc nsenter "$PY"
	"$PY" -c 'import grpc, google.protobuf' 2>/dev/null || skip "python3-grpcio is not installed"
	[ -x "$HOLO_SHIM" ] || skip "$HOLO_SHIM is not built"
	export CR
	CR=$(engines_tmpdir cri)
	mkdir -p "$CR/bin" "$CR/root" "$CR/gen" "$CR/cni/bin" "$CR/cni/conf" "$CR/logs"
	ln -s "$HOLO_SHIM" "$CR/bin/containerd-shim-holo-v2"
	ln -s "$HOLO" "$CR/bin/holo"
	protoc -I "$ENGINES_SRC/tests/engines/cri" --python_out="$CR/gen" "$ENGINES_SRC/tests/engines/cri/api.proto"
	cat >"$CR/config.toml" <<-TOML
		version = 2
		root = "$CR/root"
		disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]

		[plugins."io.containerd.grpc.v1.cri"]
		  sandbox_image = "$PAUSE"
		  # The sandbox asks for oom_score_adj -998: CAP_SYS_RESOURCE, which
		  # processes here lack.
		  restrict_oom_score_adj = true
		  stream_server_address = "127.0.0.1"
		  stream_server_port = "0"
		  [plugins."io.containerd.grpc.v1.cri".cni]
		    bin_dir = "$CR/cni/bin"
		    conf_dir = "$CR/cni/conf"
		  [plugins."io.containerd.grpc.v1.cri".containerd]
		    default_runtime_name = "runc"
		    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
		      runtime_type = "io.containerd.runc.v2"
		      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
		        BinaryName = "$RUNC"
	TOML
	# The documented handlers, with this build's holo.
	{
		doc_snippet doc/kubernetes.md containerd-holo-handler
		doc_snippet doc/kubernetes.md containerd-holo-runc-handler
	} | sed "s#/usr/local/bin/holo#$HOLO#" >>"$CR/config.toml"
	conf_handlers >>"$CR/config.toml"
	ns_start "$CR"
	containerd_start
	bash "$ENGINES_SRC/tests/shim/make-image.sh" "$CR/busybox.tar" "$IMG"
	bash "$ENGINES_SRC/tests/shim/make-image.sh" "$CR/pause.tar" "$PAUSE" '["sleep","2147483647"]'
	c image import "$CR/busybox.tar" >/dev/null
	c image import "$CR/pause.tar" >/dev/null
	wait_for 30 cri image-status "$PAUSE"
	wait_for 30 cri image-status "$IMG"
}

# The documented options of the holo handler (doc/kubernetes.md) under
# handlers of their own: holo-conf with the documented file, whose
# BinaryName is a wrapper that records its arguments and runs this build's
# holo; holo-badconf with a file that has an unknown option.
conf_handlers() {
	local h file
	for h in holo-conf holo-badconf; do
		file=$CR/$h.toml
		echo "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.$h]"
		echo '  runtime_type = "io.containerd.holo.v2"'
		doc_snippet doc/kubernetes.md containerd-holo-options |
			sed "s#runtimes\.holo\.options#runtimes.$h.options#; s#/etc/containerd/holo.toml#$file#"
	done
	cat >"$CR/holo-wrap" <<-WRAP
		#!/bin/sh
		echo "\$*" >>"$CR/holo-wrap.argv"
		exec "$HOLO" "\$@"
	WRAP
	chmod +x "$CR/holo-wrap"
	doc_snippet doc/kubernetes.md holo-options-file | sed "s#/usr/local/bin/holo#$CR/holo-wrap#" >"$CR/holo-conf.toml"
	printf 'Root = "/run/containerd/holo-bad"\nBinaryNme = "%s"\n' "$HOLO" >"$CR/holo-badconf.toml"
}

containerd_start() {
	ns "$CR" env PATH="$CR/bin:$PATH" containerd --config "$CR/config.toml" </dev/null >>"$CR/containerd.log" 2>&1 3>&- &
	wait_for 30 cri version || {
		tail -20 "$CR/containerd.log"
		return 1
	}
}

teardown_file() {
	[ -n "${CR:-}" ] || return 0
	remove_all_pods
	ns_stop "$CR"
	unmount_under "$CR"
	rm -rf "$CR"
	local d
	for d in /sys/fs/cgroup/*/"$CG_PARENT"; do
		[ -d "$d" ] || continue
		find "$d" -depth -mindepth 1 -type d -exec rmdir {} + 2>/dev/null
		rmdir "$d" 2>/dev/null
	done
	return 0
}

teardown() {
	remove_all_pods
}

remove_all_pods() {
	local p
	for p in $(cri pods 2>/dev/null | jq -r '.items[].id'); do
		cri stopp "$p" >/dev/null 2>&1
		cri rmp "$p" >/dev/null 2>&1
	done
}

# ctr in containerd's namespace for CRI (k8s.io), for the images.
c() {
	timeout -k 5 "$ENGINE_TIMEOUT" nsenter -t "$(cat "$CR/holder.pid")" -m -- ctr -n k8s.io "$@" </dev/null
}

# The project's CRI client against the private containerd.
cri() {
	timeout -k 5 "$ENGINE_TIMEOUT" nsenter -t "$(cat "$CR/holder.pid")" -m -- \
		"$PY" "$ENGINES_SRC/tests/engines/cri/cri.py" --socket /run/containerd/containerd.sock --gen "$CR/gen" "$@"
}

# Writes the pod config for a pod named $1 under handler R; prints its path.
pod_config() {
	local f=$BATS_TEST_TMPDIR/pod-$1-$R.json
	cat >"$f" <<-JSON
		{
		  "metadata": {"name": "$1-$R", "uid": "uid-$1-$R-$BATS_TEST_NUMBER", "namespace": "holo-eng"},
		  "log_directory": "$CR/logs/$1-$R-$BATS_TEST_NUMBER",
		  "linux": {
		    "cgroup_parent": "/$CG_PARENT",
		    "security_context": {"namespace_options": {"network": "NODE"}}
		  }
		}
	JSON
	echo "$f"
}

# ctr_config NAME COMMAND-JSON [LINUX-JSON]: a container config; prints its path.
ctr_config() {
	local f=$BATS_TEST_TMPDIR/ctr-$1-$R.json
	cat >"$f" <<-JSON
		{
		  "metadata": {"name": "$1"},
		  "image": {"image": "$IMG"},
		  "command": $2,
		  "log_path": "$1.log",
		  "linux": ${3:-{\}}
		}
	JSON
	echo "$f"
}

# run_pod NAME: RunPodSandbox under handler R; prints the pod id.
run_pod() {
	cri runp "$(pod_config "$1")" --runtime "$R"
}

# start_ctr POD-ID POD-NAME NAME COMMAND-JSON [LINUX-JSON]: CreateContainer
# and StartContainer in the pod run_pod POD-NAME made; prints the id.
start_ctr() {
	local id
	id=$(cri create "$1" "$(ctr_config "$3" "$4" "${5:-}")" "$BATS_TEST_TMPDIR/pod-$2-$R.json") || return 1
	cri start "$id" || return 1
	echo "$id"
}

ctr_state() {
	cri inspect "$1" | jq -r '.status.state'
}

is_state() {
	[ "$(ctr_state "$1")" = "$2" ]
}

# The runtime's own state of container $1, in the root its shim gives it.
runtime_status() {
	case $R in
	runc) ns "$CR" "$RUNC" --root /run/containerd/runc/k8s.io state "$1" ;;
	holo) ns "$CR" "$HOLO" --root /run/containerd/holo/k8s.io state "$1" ;;
	holo-conf) ns "$CR" "$HOLO" --root "$(conf_root)/k8s.io" state "$1" ;;
	holo-runc) ns "$CR" "$HOLO" --root /run/containerd/runc/k8s.io state "$1" ;;
	esac | jq -r .status
}

c_lifecycle() {
	local pod id
	pod=$(run_pod life) || return 1
	cri inspectp "$pod" | jq -r '"\(.status.state) \(.status.runtime_handler == env.R)"'
	echo "the runtime says the sandbox is $(runtime_status "$pod")"
	id=$(cri create "$pod" "$(ctr_config main '["sh", "-c", "echo out; echo err >&2; exit 3"]')" \
		"$BATS_TEST_TMPDIR/pod-life-$R.json")
	echo "created: $(ctr_state "$id")"
	cri start "$id"
	wait_for 30 is_state "$id" CONTAINER_EXITED
	cri inspect "$id" | jq -r '"\(.status.state) exit \(.status.exit_code) \(.status.reason)"'
	echo "stdout: $(cri logs "$id" --stream stdout)"
	echo "stderr: $(cri logs "$id" --stream stderr)"
}
@test "CRI: RunPodSandbox (host network) under the handler, Create/StartContainer, exit code, logs" {
	both c_lifecycle
	ref_has "SANDBOX_READY true" "the runtime says the sandbox is running" "created: CONTAINER_CREATED" \
		"CONTAINER_EXITED exit 3 Error" "stdout: out" "stderr: err"
}

# A container whose command cannot start: StartContainer fails with the
# runtime's error, and that error is not in the container's log (the
# runtime prints it on its stderr too, which containerd's runc shim never
# copies to the container's output).
c_start_error() {
	local pod id
	pod=$(run_pod bad) || return 1
	id=$(cri create "$pod" "$(ctr_config bad '["/nosuch"]')" "$BATS_TEST_TMPDIR/pod-bad-$R.json") || return 1
	cri start "$id" >/dev/null 2>"$BATS_TEST_TMPDIR/start.$R"
	echo "StartContainer: $?"
	grep -oE 'exec: "/nosuch": stat /nosuch: no such file or directory' "$BATS_TEST_TMPDIR/start.$R" | sort -u
	cri inspect "$id" | jq -r '"\(.status.state) exit \(.status.exit_code) \(.status.reason)"'
	echo "log: $(cri logs "$id" | wc -l) line(s)"
}
@test "CRI: a StartContainer that cannot start the command fails with the runtime's error; the container's log stays empty" {
	both c_start_error
	ref_has "StartContainer: 1" 'exec: "/nosuch": stat /nosuch: no such file or directory' "log: 0 line(s)"
}

c_exec() {
	local pod id
	pod=$(run_pod exec) || return 1
	id=$(start_ctr "$pod" exec sleeper '["sleep", "1000"]') || return 1
	cri exec-sync "$id" -- sh -c 'echo sync out; echo sync err >&2; exit 4'
	echo "ExecSync: $?"
	# (stdout and stderr are two streams: which comes first is open.)
	cri exec "$id" -- sh -c 'echo stream out; echo stream err >&2; exit 5' >"$BATS_TEST_TMPDIR/o.$R" 2>"$BATS_TEST_TMPDIR/e.$R"
	echo "Exec: $?"
	cat "$BATS_TEST_TMPDIR/o.$R" "$BATS_TEST_TMPDIR/e.$R"
	cri exec --tty "$id" -- sh -c 'tty; exit 6' >"$BATS_TEST_TMPDIR/tty.$R"
	echo "Exec tty: $?"
	tr -d '\r' <"$BATS_TEST_TMPDIR/tty.$R"
	cri exec-sync "$id" -- nosuch >/dev/null 2>&1
	echo "ExecSync of a missing command: $?"
}
@test "CRI: ExecSync and Exec (streaming, with and without a tty)" {
	both c_exec
	ref_has "sync out" "sync err" "ExecSync: 4" "stream out" "stream err" "Exec: 5" /dev/pts/0 "Exec tty: 6" \
		"ExecSync of a missing command: 1"
}

cg_files='cd /sys/fs/cgroup && cat memory/memory.limit_in_bytes cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us cpu/cpu.shares'

c_stats_update() {
	local pod id
	pod=$(run_pod res) || return 1
	id=$(start_ctr "$pod" res worker '["sh", "-c", "sleep 1000"]' \
		'{"resources": {"memory_limit_in_bytes": 67108864, "cpu_period": 100000, "cpu_quota": 50000, "cpu_shares": 512}}') || return 1
	cri exec-sync "$id" -- sh -c "$cg_files"
	cri stats "$id" | jq -r '"stats of \(.stats.attributes.metadata.name): memory \(.stats.memory.working_set_bytes.value > 0), cpu \(.stats.cpu.timestamp > 0)"'
	cri update "$id" --memory 33554432 --cpu-quota 20000 --cpu-period 100000 --cpu-shares 256
	echo "update: $?"
	cri exec-sync "$id" -- sh -c "$cg_files"
}
@test "CRI: ContainerStats and UpdateContainerResources" {
	both c_stats_update
	ref_has "stats of worker: memory true, cpu true" "update: 0"
	[ "$(grep -E '^[0-9]+$' <<<"$ref" | tr '\n' ' ')" = "67108864 50000 100000 512 33554432 20000 100000 256 " ]
}

c_security_context() {
	local pod id
	pod=$(run_pod sec) || return 1
	id=$(start_ctr "$pod" sec locked '["sh", "-c", "id; touch /x 2>&1; grep -E \"^(CapEff|CapBnd|NoNewPrivs):\" /proc/self/status; sleep 1000"]' \
		'{"security_context": {"run_as_user": {"value": 1000}, "run_as_group": {"value": 1000}, "readonly_rootfs": true,
		  "capabilities": {"drop_capabilities": ["ALL"]}, "no_new_privs": true}}') || return 1
	wait_for 10 log_matches "$id" '^NoNewPrivs'
	cri logs "$id"
	cri exec-sync "$id" -- id -u
}
@test "CRI: a securityContext (non-root uid, read-only root, drop ALL, no_new_privs)" {
	both c_security_context
	ref_has "uid=1000 gid=1000 groups=1000" "touch: /x: Read-only file system" "CapEff:	0000000000000000" \
		"CapBnd:	0000000000000000" "NoNewPrivs:	1" 1000
}

c_stop() {
	local pod id t0
	pod=$(run_pod stop) || return 1
	id=$(start_ctr "$pod" stop trapper '["sh", "-c", "trap \"echo got TERM; exit 7\" TERM; echo ready; while :; do sleep 0.1; done"]') || return 1
	wait_for 20 log_matches "$id" '^ready$'
	cri stop "$id" --timeout 20
	cri inspect "$id" | jq -r '"trapped: \(.status.state) exit \(.status.exit_code)"'
	cri logs "$id" | tail -1
	id=$(start_ctr "$pod" stop stubborn '["sh", "-c", "trap \"\" TERM; echo ready; while :; do sleep 0.1; done"]') || return 1
	wait_for 20 log_matches "$id" '^ready$'
	t0=$(date +%s%N)
	cri stop "$id" --timeout 1
	[ $(($(date +%s%N) - t0)) -ge 1000000000 ] && echo "killed after the timeout"
	cri inspect "$id" | jq -r '"ignored: \(.status.state) exit \(.status.exit_code)"'
}
log_matches() {
	cri logs "$1" | grep -qE "$2"
}
@test "CRI: StopContainer sends SIGTERM to a trap, SIGKILL after the timeout" {
	both c_stop
	ref_has "trapped: CONTAINER_EXITED exit 7" "got TERM" "killed after the timeout" "ignored: CONTAINER_EXITED exit 137"
}

c_remove() {
	local pod id
	pod=$(run_pod rm) || return 1
	id=$(start_ctr "$pod" rm doomed '["sleep", "1000"]') || return 1
	cri stop "$id" --timeout 0
	cri rm "$id"
	echo "RemoveContainer: $?"
	start_ctr "$pod" rm second '["sleep", "1000"]' >/dev/null
	cri stopp "$pod"
	echo "StopPodSandbox: $?"
	cri inspectp "$pod" | jq -r .status.state
	cri rmp "$pod"
	echo "RemovePodSandbox: $?"
	cri rmp "$pod"
	echo "RemovePodSandbox again: $?"
	echo "pods: $(cri pods | jq '.items | length'), containers: $(cri ps | jq '.containers | length')"
	echo "shims: $(pgrep -f "containerd-shim-.*-id $pod( |$)" | wc -l)"
	# (holo keeps its Hologram digest cache in its state root, by design.)
	echo "state: $(ns "$CR" find /run/containerd/runc/k8s.io /run/containerd/holo/k8s.io -mindepth 1 -maxdepth 1 \
		-not -name hologram-cache 2>/dev/null | wc -l)"
	echo "mounts: $(grep -c "$pod" /proc/"$(cat "$CR/holder.pid")"/mounts)"
	echo "cgroups: $(ls -d /sys/fs/cgroup/*/"$CG_PARENT"/*"$pod"* 2>/dev/null | wc -l)"
}
@test "CRI: RemoveContainer, StopPodSandbox, RemovePodSandbox leave nothing behind" {
	both c_remove
	ref_has "RemoveContainer: 0" "StopPodSandbox: 0" SANDBOX_NOTREADY "RemovePodSandbox: 0" "RemovePodSandbox again: 0" \
		"pods: 0, containers: 0" "shims: 0" "state: 0" "mounts: 0" "cgroups: 0"
}

# The Root of the documented options file.
conf_root() {
	sed -n 's/^Root = "\(.*\)"$/\1/p' "$CR/holo-conf.toml"
}

c_config_path() {
	local pod id
	pod=$(run_pod conf) || return 1
	echo "the runtime says the sandbox is $(runtime_status "$pod")"
	id=$(start_ctr "$pod" conf main '["sh", "-c", "echo out; sleep 1000"]') || return 1
	wait_for 10 log_matches "$id" '^out$'
	cri logs "$id"
	echo "the runtime says the container is $(runtime_status "$id")"
	cri exec-sync "$id" -- echo exec
	cri stop "$id" --timeout 0
	cri rm "$id"
	echo "RemoveContainer: $?"
	cri stopp "$pod"
	cri rmp "$pod"
	echo "RemovePodSandbox: $?"
	echo "containers: $(cri ps | jq '.containers | length')"
	echo "$pod $id" >"$BATS_TEST_TMPDIR/ids.$R"
}
@test "CRI: the holo handler's options from ConfigPath (doc/kubernetes.md): BinaryName and Root are the file's" {
	: >"$CR/holo-wrap.argv"
	ENGINE_RUNTIMES="runc holo-conf" both c_config_path
	ref_has "the runtime says the sandbox is running" out "the runtime says the container is running" exec \
		"RemoveContainer: 0" "RemovePodSandbox: 0" "containers: 0"
	local pod id root cmd
	read -r pod id <"$BATS_TEST_TMPDIR/ids.holo-conf"
	root=$(conf_root)
	[ -n "$root" ] && [ "$root" != /run/containerd/holo ]
	cat "$CR/holo-wrap.argv"
	# Every command of both shims went through the file's BinaryName, in
	# the file's Root (go-runc's argv: --root ROOT/NAMESPACE --log ...).
	for cmd in "create --bundle .* $pod\$" "start $pod\$" "create --bundle .* $id\$" "start $id\$" \
		"exec --process .* $id\$" "delete --force $id\$" "delete --force $pod\$"; do
		grep -qE -- "^--root $root/k8s.io --log .* --log-format json $cmd" "$CR/holo-wrap.argv" || {
			echo "no '$cmd' through the wrapper in $root"
			return 1
		}
	done
	[ "$(grep -vc -- "^--root $root/k8s.io " "$CR/holo-wrap.argv")" = 0 ]
	# Nothing in the default root.
	[ "$(ns "$CR" sh -c "ls /run/containerd/holo/k8s.io 2>/dev/null | grep -cE '^($pod|$id)\$'")" = 0 ]
}

@test "CRI: a ConfigPath file the shim cannot use fails RunPodSandbox, naming the file, the line and the option" {
	R=holo-badconf
	run cri runp "$(pod_config badconf)" --runtime holo-badconf
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"runtime options: $CR/holo-badconf.toml:2: unknown option \"BinaryNme\""* ]]
	[ "$(cri pods | jq '.items | length')" = 0 ]
	[ "$(ns "$CR" sh -c 'ls /run/containerd/holo-bad 2>/dev/null | wc -l')" = 0 ]
}

@test "CRI: the documented RuntimeClass names the handler the CRI tests run" {
	local handler
	handler=$(doc_snippet doc/kubernetes.md runtimeclass | awk '$1 == "handler:" { print $2 }')
	[ "$handler" = holo ]
	doc_snippet doc/kubernetes.md containerd-holo-handler | grep -qF "runtimes.$handler]"
	grep -qF "runtimes.$handler]" "$CR/config.toml"
}

@test "CRI: the README's Kubernetes snippets are doc/kubernetes.md's" {
	local s
	for s in containerd-holo-handler runtimeclass; do
		diff <(doc_snippet README.md "$s") <(doc_snippet doc/kubernetes.md "$s")
	done
}
