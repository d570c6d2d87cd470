#!/usr/bin/env bats
# holo-vm-systemd
# The systemd cgroup driver (--systemd-cgroup) and NOTIFY_SOCKET against a
# real systemd: PID 1 of the test VM booted by `tests/vm/run-tests.sh
# --systemd` (systemd 252, cgroup v2, the D-Bus system bus).  The unit, its
# properties and its cgroup are read back through systemctl and the cgroup
# files; runc under the same systemd is the reference.  Anywhere else (no
# systemd as PID 1 with cgroup v2) every test skips.

load ../integration/helpers

setup() {
	[ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] && [ -f /sys/fs/cgroup/cgroup.controllers ] ||
		skip "needs systemd as PID 1 with cgroup v2 (tests/vm/run-tests.sh --systemd)"
	setup_common
	UNIT=holotest-$CID.scope
	UNITS=("$UNIT")
	update_config '.linux.cgroupsPath = $p | .process.args = ["sleep", "1000"]' --arg p "system.slice:holotest:$CID"
}

teardown() {
	if [ -n "${SHIM_ENV:-}" ]; then
		# containerd's unit first: stopping it kills its shims (and what
		# they run) with it, so nothing below waits on a stuck shim.
		[ -n "${CTRD_UNIT:-}" ] && timeout 60 systemctl stop "$CTRD_UNIT"
		shim_env_cleanup
		# The shim ran under runc's shim name (its -address is this test's).
		local p
		for p in $(pgrep -f "containerd-shim-runc-v2 .*-address $SHIM_ENV/containerd.sock"); do
			kill -9 "$p" 2>/dev/null
		done
		rm -rf "$SHIM_ENV"
	fi
	teardown_common
	local u
	for u in "${UNITS[@]}"; do
		systemctl stop "$u" >/dev/null 2>&1
		systemctl reset-failed "$u" >/dev/null 2>&1
	done
	return 0
}

# sdprop UNIT PROPERTY: the property's value as systemctl shows it.
sdprop() {
	systemctl show -P "$2" "$1"
}

# sd_detached CMD [FLAGS...] ID: holo --systemd-cgroup CMD --bundle $BUNDLE,
# the container's stdio on files (see rt_create).
sd_detached() {
	local cmd=$1 f rc=0
	shift
	[ "$cmd" = run ] && cmd="run -d"
	f=$(stdio_file "${*: -1}")
	# shellcheck disable=SC2086
	rt --systemd-cgroup $cmd --bundle "$BUNDLE" "$@" >"$f.out" 2>"$f.err" </dev/null 3>&- || rc=$?
	cat "$f.err" >&2
	return $rc
}

# unit_gone UNIT: systemd does not know UNIT any more (waits up to 5 s).
unit_gone() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(sdprop "$1" LoadState)" = not-found ] && return 0
		sleep 0.1
	done
	echo "unit $1 is still there: $(systemctl show -p LoadState -p ActiveState "$1" | tr '\n' ' ')"
	return 1
}

@test "systemd: systemd is PID 1 with cgroup v2, and holo has its driver" {
	run -0 systemctl is-system-running
	[[ "$output" == running || "$output" == degraded ]]
	run -0 stat -f -c %T /sys/fs/cgroup
	check_output cgroup2fs
	run -0 "$RUNTIME" --version
	check_holo_text "+SYSTEMD"
	if [ "$RUNTIME_KIND" = holo ]; then
		run -0 bash -c '"$0" features | jq -c .linux.cgroup' "$RUNTIME"
		check_output '{"v1":true,"v2":true,"systemd":true,"systemdUser":true}'
	fi
}

@test "systemd: a container is a transient scope in its slice, with the init and exec'd processes in it" {
	# A nested slice: a-b.slice lives in a.slice.
	update_config '.linux.cgroupsPath = $p' --arg p "holo-vmtest.slice:holotest:$CID"
	sd_detached run "$CID"
	local pid cg
	pid=$(state_field "$CID" pid)
	[ "$(sdprop "$UNIT" ActiveState)" = active ]
	[ "$(sdprop "$UNIT" Transient)" = yes ]
	[ "$(sdprop "$UNIT" Slice)" = holo-vmtest.slice ]
	[ "$(sdprop "$UNIT" Delegate)" = yes ]
	cg=$(sdprop "$UNIT" ControlGroup)
	[ "$cg" = "/holo.slice/holo-vmtest.slice/$UNIT" ] || {
		echo "ControlGroup=$cg"
		false
	}
	run -0 cat "/proc/$pid/cgroup"
	check_output "0::$cg"
	run -0 systemd-cgls --no-pager -u holo-vmtest.slice
	check_contains "$UNIT"
	check_contains "$pid sleep 1000"
	run -0 systemctl status --no-pager "$UNIT"
	check_contains "Active: active (running)"
	# exec joins the same scope.
	# (its stdio on files: the process outlives the command)
	rt exec -d --pid-file "$TESTDIR/exec.pid" "$CID" sleep 999 </dev/null >"$TESTDIR/exec.out" 2>&1 3>&-
	run -0 cat "/proc/$(cat "$TESTDIR/exec.pid")/cgroup"
	check_output "0::$cg"
	[ "$(sdprop "$UNIT" TasksCurrent)" = 2 ]
}

@test "systemd: linux.resources land in the unit's properties and in the cgroup" {
	update_config '.linux.resources.memory = {limit: 104857600, swap: 209715200}
		| .linux.resources.cpu = {quota: 50000, period: 100000, shares: 1024, cpus: "0"}
		| .linux.resources.pids = {limit: 42}
		| .linux.resources.blockIO = {weight: 500}
		| .linux.devices += [{path: "/dev/kmsg", type: "c", major: 1, minor: 11}]'
	sd_detached run "$CID"
	run -0 systemctl show -p MemoryMax -p MemorySwapMax -p TasksMax -p CPUQuotaPerSecUSec -p CPUQuotaPeriodUSec \
		-p CPUWeight -p AllowedCPUs -p IOWeight -p DevicePolicy -p MemoryAccounting -p TasksAccounting "$UNIT"
	check_contains "MemoryMax=104857600"
	check_contains "MemorySwapMax=104857600"
	check_contains "TasksMax=42"
	check_contains "CPUQuotaPerSecUSec=500ms"
	check_contains "CPUQuotaPeriodUSec=100ms"
	check_contains "CPUWeight=100"
	check_contains "AllowedCPUs=0"
	check_contains "IOWeight=4950"
	check_contains "DevicePolicy=strict"
	check_contains "TasksAccounting=yes"
	local dir=/sys/fs/cgroup$(sdprop "$UNIT" ControlGroup)
	[ "$(cat "$dir/memory.max")" = 104857600 ]
	[ "$(cat "$dir/memory.swap.max")" = 104857600 ]
	[ "$(cat "$dir/pids.max")" = 42 ]
	[ "$(cat "$dir/cpu.max")" = "50000 100000" ]
	[ "$(cat "$dir/cpuset.cpus")" = 0 ]
	# What the container sees of its own cgroup (its cgroup namespace).
	run -0 rt exec "$CID" cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max
	check_output $'104857600\n42'
	# The device rules hold inside: /dev/null yes, /dev/kmsg (c 1:11, in
	# linux.devices but not allowed by linux.resources.devices) no.
	run -0 rt exec "$CID" sh -c 'echo x >/dev/null && echo null-ok'
	check_output null-ok
	run rt exec "$CID" head -c1 /dev/kmsg
	check_failed
	check_contains "Operation not permitted"
}

@test "systemd: update sets the unit's properties, which survive a daemon-reload" {
	update_config '.linux.resources.memory = {limit: 104857600} | .linux.resources.pids = {limit: 42}
		| .linux.resources.cpu = {quota: 50000, period: 100000}'
	sd_detached run "$CID"
	run -0 rt --systemd-cgroup update --memory 209715200 --pids-limit 50 --cpu-quota 20000 "$CID"
	run -0 systemctl show -p MemoryMax -p TasksMax -p CPUQuotaPerSecUSec "$UNIT"
	check_contains "MemoryMax=209715200"
	check_contains "TasksMax=50"
	check_contains "CPUQuotaPerSecUSec=200ms"
	local dir=/sys/fs/cgroup$(sdprop "$UNIT" ControlGroup)
	# systemd writes a unit's cgroup again from its properties on a reload:
	# the new limits stay because they are the unit's own.
	systemctl daemon-reload
	[ "$(cat "$dir/memory.max")" = 209715200 ]
	[ "$(cat "$dir/pids.max")" = 50 ]
	[ "$(cat "$dir/cpu.max")" = "20000 100000" ]
	# A resources document (what engines send) too.
	echo '{"pids": {"limit": 60}}' | rt --systemd-cgroup update --resources - "$CID"
	[ "$(sdprop "$UNIT" TasksMax)" = 60 ]
	[ "$(cat "$dir/pids.max")" = 60 ]
}

@test "systemd: delete stops the unit and leaves nothing, created, running or exited" {
	# Created (the init waits in the scope for start).
	sd_detached create "$CID"
	[ "$(sdprop "$UNIT" ActiveState)" = active ]
	local cg
	cg=$(sdprop "$UNIT" ControlGroup)
	run -0 rt delete --force "$CID"
	unit_gone "$UNIT"
	[ ! -d "/sys/fs/cgroup$cg" ]
	check_nothing_left "$CID"
	# Exited by itself: the empty scope is gone already; delete is fine.
	local id2
	id2=$(new_id)
	UNITS+=("holotest-$id2.scope")
	update_config '.linux.cgroupsPath = $p | .process.args = ["true"]' --arg p "system.slice:holotest:$id2"
	sd_detached run "$id2"
	wait_for_status "$id2" stopped
	run -0 rt delete "$id2"
	unit_gone "holotest-$id2.scope"
	check_nothing_left "$id2"
}

@test "systemd: a holo killed during create leaves no unit behind after delete --force" {
	# The createRuntime hook runs once the unit exists; it reports holo's
	# pid and its own, and waits.
	update_config '.hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", $s]}]' \
		--arg s "echo \$PPID \$\$ >$TESTDIR/hook.pids; exec sleep 60"
	rt_bg "$TESTDIR/create.out" --systemd-cgroup create --bundle "$BUNDLE" "$CID"
	wait_for_file "$TESTDIR/hook.pids" 60
	sleep 0.2
	local holo hook
	read -r holo hook <"$TESTDIR/hook.pids"
	[ "$(sdprop "$UNIT" ActiveState)" = active ]
	kill -9 "$holo"
	kill -9 "$hook"
	run -0 rt delete --force "$CID"
	unit_gone "$UNIT"
	[ -z "$(find /sys/fs/cgroup -name "$UNIT")" ]
	check_nothing_left "$CID"
}

@test "systemd: a unit of that name already exists: a clear error, the other unit untouched, nothing left" {
	systemd-run --quiet --unit "holotest-$CID" --scope -- sleep 1000 </dev/null >/dev/null 2>&1 &
	BACKGROUND_PIDS+=($!)
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(sdprop "$UNIT" ActiveState)" = active ] && break
		sleep 0.1
	done
	run sd_detached create "$CID"
	check_status 1
	check_holo_text "unit \`$UNIT\` already exists"
	check_nothing_left "$CID"
	[ "$(sdprop "$UNIT" ActiveState)" = active ]
}

@test "systemd: a failing start job: a clear error, no unit, nothing left" {
	# A slice systemd cannot start (an assertion fails): the scope's job
	# fails with it.
	local slice=holofail${BATS_TEST_NUMBER}.slice
	UNITS+=("$slice")
	printf '[Unit]\nAssertPathExists=/nonexistent-holo-test\n' >"/run/systemd/system/$slice"
	systemctl daemon-reload
	update_config '.linux.cgroupsPath = $p' --arg p "$slice:holotest:$CID"
	run sd_detached create "$CID"
	rm -f "/run/systemd/system/$slice"
	systemctl daemon-reload
	check_status 1
	check_holo_text "the job to start unit \`$UNIT\` ended with result \`dependency\`"
	unit_gone "$UNIT"
	check_nothing_left "$CID"
}

@test "systemd: no bus to reach systemd: a clear error, nothing left" {
	DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent-holo-bus run sd_detached create "$CID"
	check_status 1
	check_holo_text "cannot connect to systemd on the system bus (unix:path=/nonexistent-holo-bus)"
	check_nothing_left "$CID"
	unit_gone "$UNIT"
}

@test "systemd: no libsystemd to load: a clear error, nothing left" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo loads libsystemd on first use"
	local lib
	lib=$(ldconfig -p | awk '/libsystemd\.so\.0 / {print $NF; exit}')
	[ -n "$lib" ]
	# In a mount namespace of its own, the library is not an ELF file.
	run unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' _ "$lib" \
		env HOLO_TEST_MARKER="$TEST_MARKER" "$RUNTIME" --root "$ROOT" --systemd-cgroup run --bundle "$BUNDLE" "$CID"
	check_status 1
	check_contains "--systemd-cgroup: cannot load libsystemd.so.0"
	check_nothing_left "$CID"
	unit_gone "$UNIT"
}

@test "systemd: org.systemd.property annotations are unit properties (Sec in microseconds)" {
	update_config '.annotations = {"org.systemd.property.TimeoutStopSec": "uint64 7",
		"org.systemd.property.CollectMode": "'"'"'inactive-or-failed'"'"'",
		"org.systemd.property.Description": "'"'"'from an annotation'"'"'"}'
	sd_detached run "$CID"
	run -0 systemctl show -p TimeoutStopUSec -p CollectMode -p Description "$UNIT"
	check_contains "TimeoutStopUSec=7s"
	check_contains "CollectMode=inactive-or-failed"
	# The annotations come last: they override the runtime's own.
	check_contains "Description=from an annotation"
}

@test "systemd: runc and holo make the same unit (name, slice, properties, limits)" {
	[ -x "$REF_RUNTIME" ] || skip "no reference runtime $REF_RUNTIME"
	update_config '.linux.cgroupsPath = $p
		| .linux.resources.memory = {limit: 104857600, swap: 209715200}
		| .linux.resources.cpu = {quota: 50000, period: 100000, cpus: "0"}
		| .linux.resources.pids = {limit: 42}' --arg p "system.slice:holocmp:$CID"
	local unit=holocmp-$CID.scope f=$TESTDIR/ref
	UNITS+=("$unit")
	# CPUWeight is left out: runc 1.1 converts cpu.shares linearly, holo
	# as runc >= 1.3.2 does; DeviceAllow too: runc 1.1 lacks /dev/net/tun
	# and names the pts major "char-pts" where holo says "char-136".
	local props=(-p Slice -p Delegate -p DefaultDependencies -p MemoryAccounting -p CPUAccounting -p IOAccounting
		-p TasksAccounting -p MemoryMax -p MemorySwapMax -p TasksMax -p CPUQuotaPerSecUSec -p CPUQuotaPeriodUSec
		-p AllowedCPUs -p DevicePolicy -p ControlGroup)
	rt_as "$REF_RUNTIME" --systemd-cgroup run -d --bundle "$BUNDLE" "$CID" </dev/null >"$f.out" 2>&1 3>&- || {
		cat "$f.out"
		false
	}
	systemctl show "${props[@]}" "$unit" >"$f.props"
	local dir=/sys/fs/cgroup$(sdprop "$unit" ControlGroup)
	cat "$dir/memory.max" "$dir/memory.swap.max" "$dir/pids.max" "$dir/cpu.max" "$dir/cpuset.cpus" >"$f.files"
	rt_as "$REF_RUNTIME" delete --force "$CID"
	unit_gone "$unit"
	sd_detached run "$CID"
	run -0 systemctl show "${props[@]}" "$unit"
	if [ "$output" != "$(cat "$f.props")" ]; then
		diff <(cat "$f.props") <(echo "$output")
		false
	fi
	run -0 cat "$dir/memory.max" "$dir/memory.swap.max" "$dir/pids.max" "$dir/cpu.max" "$dir/cpuset.cpus"
	check_output "$(cat "$f.files")"
}

@test "systemd: NOTIFY_SOCKET: a Type=notify service running a container is active once the container says READY=1" {
	add_shared_dir
	# The container says READY (and a status) once the test lets it.
	set_args sh -c 'while [ ! -e /shared/go ]; do sleep 0.1; done; holo-check notify "$(printf "READY=1\nSTATUS=serving")"; exec sleep 1000'
	local svc=holonotify-$CID.service
	UNITS+=("$svc")
	systemd-run --quiet --no-block --unit "$svc" -p Type=notify -p NotifyAccess=all -p TimeoutStartSec=120 \
		--setenv "HOLO_TEST_MARKER=$TEST_MARKER" -- \
		"$RUNTIME" --root "$ROOT" --systemd-cgroup run -d --bundle "$BUNDLE" "$CID"
	wait_for_status "$CID" running 60
	# holo waits for READY without holding the container: state answers.
	[ "$(sdprop "$svc" ActiveState)" = activating ]
	touch "$SHARED/go"
	local i
	for ((i = 0; i < 300; i++)); do
		[ "$(sdprop "$svc" ActiveState)" = active ] && break
		sleep 0.1
	done
	[ "$(sdprop "$svc" ActiveState)" = active ]
	# The main process is the container's init, as runc reports it.
	[ "$(sdprop "$svc" MainPID)" = "$(state_field "$CID" pid)" ]
	[ "$(sdprop "$svc" StatusText)" = serving ]
}

@test "systemd: checkpoint and restore: the restored container is in a scope of its own again" {
	command -v criu >/dev/null && criu check >/dev/null 2>&1 ||
		skip "criu check fails here (run-tests.sh --systemd --criu loads CRIU's modules)"
	add_shared_dir
	set_args sh -c 'i=0; while :; do i=$((i+1)); echo $i >/shared/count; sleep 0.1; done'
	# stdio on a pipe (as a shim's): CRIU restores pipes onto the restoring
	# runtime's stdio (see checkpoint.bats).
	piped() {
		rt "$@" </dev/null 3>&- > >(exec cat >>"$TESTDIR/log" 2>/dev/null 3>&-) 2>&1
	}
	run -0 piped --systemd-cgroup run -d --bundle "$BUNDLE" "$CID"
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(cat "$SHARED/count" 2>/dev/null || echo 0)" -gt 3 ] && break
		sleep 0.1
	done
	run -0 rt checkpoint --image-path "$TESTDIR/image" "$CID"
	# The scope went with its processes.
	unit_gone "$UNIT"
	local c
	c=$(cat "$SHARED/count")
	run -0 piped --systemd-cgroup restore -d --image-path "$TESTDIR/image" --bundle "$BUNDLE" \
		--pid-file "$TESTDIR/pid" "$CID"
	[ "$(sdprop "$UNIT" ActiveState)" = active ]
	run -0 cat "/proc/$(cat "$TESTDIR/pid")/cgroup"
	check_output "0::/system.slice/$UNIT"
	for ((i = 0; i < 200; i++)); do
		[ "$(cat "$SHARED/count")" -gt $((c + 3)) ] && break
		sleep 0.1
	done
	[ "$(cat "$SHARED/count")" -gt $((c + 3)) ]
	run -0 rt delete --force "$CID"
	unit_gone "$UNIT"
}

@test "systemd: containerd with SystemdCgroup = true through containerd-shim-holo-v2" {
	command -v containerd >/dev/null || skip "containerd is not installed"
	. "$HOLO_SRC/tests/shim/env.sh"
	SHIM_ENV=$(mktemp -d /tmp/holo-sd-ctr.XXXXXX)
	export SHIM_ENV
	shim_env_write_config "$SHIM_ENV"
	# containerd 1.6 decodes SystemdCgroup only for the runc runtime type
	# (ctr --runc-systemd-cgroup, CRI's [options] SystemdCgroup = true), so
	# that type is what reaches the holo shim here: "io.containerd.runc.v2"
	# resolves to containerd-shim-runc-v2 on containerd's PATH, which is
	# holo's shim (CRI: runtime_path = the shim).
	ln -sf "$HOLO_SRC/containerd-shim-holo-v2" "$SHIM_ENV/bin/containerd-shim-runc-v2"
	ln -sf "$RUNTIME" "$SHIM_ENV/bin/holo"
	# As Debian's containerd.service runs it: a Type=notify unit, whose
	# NOTIFY_SOCKET containerd passes on to its shims.
	CTRD_UNIT=holo-containerd-$CID.service
	systemd-run --quiet --unit "$CTRD_UNIT" -p Type=notify --setenv "PATH=$SHIM_ENV/bin:$PATH" -- \
		containerd --config "$SHIM_ENV/config.toml"
	# Made on the host by run-tests.sh --systemd (slow in the VM).
	local image=$HOLO_TEST_WORK/shim-image.tar
	if [ ! -f "$image" ]; then
		image=$SHIM_ENV/image.tar
		bash "$HOLO_SRC/tests/shim/make-image.sh" "$image" "$SHIM_IMAGE" >/dev/null
	fi
	ctrd image import "$image" >/dev/null
	local unit=holoctr-$CID.scope
	UNITS+=("$unit")
	run -0 timeout 120 ctr --address "$SHIM_ENV/containerd.sock" --namespace "$SHIM_NS" run -d \
		--runtime io.containerd.runc.v2 --runc-systemd-cgroup --cgroup "system.slice:holoctr:$CID" \
		"$SHIM_IMAGE" "$CID" sleep 1000
	local pid
	pid=$(ctrd task ls | awk -v id="$CID" '$1 == id {print $2}')
	[ "$(sdprop "$unit" ActiveState)" = active ]
	[ "$(sdprop "$unit" Delegate)" = yes ]
	run -0 cat "/proc/$pid/cgroup"
	check_output "0::/system.slice/$unit"
	# holo ran it (the shim's state root), not runc.
	[ "$("$RUNTIME" --root "/run/containerd/holo/$SHIM_NS" state "$CID" | jq -r .pid)" = "$pid" ]
	ctrd task kill -s KILL "$CID"
	for ((i = 0; i < 100; i++)); do
		ctrd task ls | grep -q "^$CID .*STOPPED" && break
		sleep 0.1
	done
	run -0 ctrd task rm "$CID"
	run -0 ctrd container rm "$CID"
	unit_gone "$unit"
}

@test "systemd: rootless: the scope is made by the user's own systemd instance" {
	local user=holo-sd-user uid dir
	id "$user" >/dev/null 2>&1 || useradd -m -s /bin/sh "$user"
	uid=$(id -u "$user")
	systemctl start "user@$uid.service"
	local i bus=/run/user/$uid/bus
	for ((i = 0; i < 300; i++)); do
		[ -S "$bus" ] && break
		sleep 0.1
	done
	[ -S "$bus" ] || {
		echo "no session bus at $bus"
		false
	}
	dir=$(mktemp -d /tmp/holo-sd-rootless.XXXXXX)
	chmod 755 "$dir"
	mkdir -p "$dir/bundle"
	cp -a "$BASE_ROOTFS" "$dir/bundle/rootfs"
	"$RUNTIME" spec --rootless --bundle "$dir/bundle"
	local runtime=$RUNTIME
	if ! runuser -u "$user" -- test -x "$RUNTIME"; then
		cp "$RUNTIME" "$dir/holo"
		runtime=$dir/holo
	fi
	CONFIG_BUNDLE=$dir/bundle update_config '.process.args = ["sleep", "1000"] | .process.terminal = false
		| .linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}]
		| .linux.gidMappings = [{containerID: 0, hostID: $g, size: 1}]
		| .linux.resources.pids = {limit: 20} | .process.env += [$m]' \
		--arg m "HOLO_TEST_MARKER=$TEST_MARKER" --argjson u "$uid" --argjson g "$(id -g "$user")"
	chown -R "$user:" "$dir"
	as_user() {
		runuser -u "$user" -- env XDG_RUNTIME_DIR="/run/user/$uid" DBUS_SESSION_BUS_ADDRESS="unix:path=$bus" \
			HOLO_TEST_MARKER="$TEST_MARKER" "$@"
	}
	as_user "$runtime" --root "$dir/state" --systemd-cgroup run -d --bundle "$dir/bundle" "$CID" \
		</dev/null >"$dir/out" 2>&1 3>&- || {
		cat "$dir/out"
		false
	}
	local unit=holo-$CID.scope cg pid
	run -0 as_user systemctl --user show -P ControlGroup "$unit"
	cg=$output
	[ "$cg" = "/user.slice/user-$uid.slice/user@$uid.service/user.slice/$unit" ] || {
		echo "ControlGroup=$cg"
		false
	}
	run -0 as_user systemctl --user show -P TasksMax "$unit"
	check_output 20
	[ "$(cat "/sys/fs/cgroup$cg/pids.max")" = 20 ]
	pid=$(as_user "$runtime" --root "$dir/state" state "$CID" | jq -r .pid)
	run -0 cat "/proc/$pid/cgroup"
	check_output "0::$cg"
	run -0 as_user "$runtime" --root "$dir/state" delete --force "$CID"
	run -0 as_user systemctl --user show -P LoadState "$unit"
	check_output not-found
	[ ! -d "/sys/fs/cgroup$cg" ]
	systemctl stop "user@$uid.service"
	rm -rf "$dir"
}
