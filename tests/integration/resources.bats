#!/usr/bin/env bats
# linux.resources: each limit set in config.json is read back from the host's
# cgroup files and from inside the container, changed with `update`, and
# (memory, pids, devices) enforced.  Runs on cgroup v1/hybrid hosts and in the
# cgroup v2 VM; the same bundles are compared with runc.
# holo-vm

load helpers
load cgroup_helpers

# A container that stays up; its cgroup is then inspected.
run_sleeper() {
	cg_set_args sleep 1000
	run -0 rt_run_d "${1:-$CID}"
}

# in_container FILE: FILE's first line, read inside the running $CID.
in_container() {
	rt exec "$CID" head -n1 "$1"
}

# in_container_cg CONTROLLER FILE: the container's own cgroup FILE as it
# reads it through /sys/fs/cgroup without a cgroup namespace: on v1 its own
# cgroup is bind-mounted per controller; on v2 the whole hierarchy is
# mounted and it finds itself through /proc/self/cgroup.
in_container_cg() {
	if cgroup_v2; then
		rt exec "$CID" sh -c 'p=$(sed -n "s/^0:://p" /proc/self/cgroup); head -n1 "/sys/fs/cgroup${p%/}/$1"' sh "$2"
	else
		rt exec "$CID" head -n1 "/sys/fs/cgroup/$1/$2"
	fi
}

@test "resources: memory limit, reservation and swap" {
	set_resources '{"memory": {"limit": 67108864, "reservation": 33554432, "swap": 134217728}}'
	run_sleeper
	if cgroup_v2; then
		check_value 67108864 "$CID" memory memory.max
		check_value 33554432 "$CID" memory memory.low
		# v2 counts swap alone: memory+swap minus memory
		check_value 67108864 "$CID" memory memory.swap.max
		run -0 in_container_cg memory memory.max
	else
		check_value 67108864 "$CID" memory memory.limit_in_bytes
		check_value 33554432 "$CID" memory memory.soft_limit_in_bytes
		check_value 134217728 "$CID" memory memory.memsw.limit_in_bytes
		run -0 in_container_cg memory memory.limit_in_bytes
	fi
	check_output 67108864
}

@test "resources: inside a cgroup namespace the container reads its own limits at the mount's root" {
	add_cgroupns
	set_resources '{"memory": {"limit": 67108864}, "pids": {"limit": 42}}'
	run_sleeper
	run -0 in_container "$(ctr_cgroup_file memory "$(v1_v2 memory.limit_in_bytes memory.max)")"
	check_output 67108864
	run -0 in_container "$(ctr_cgroup_file pids pids.max)"
	check_output 42
	run -0 rt exec "$CID" cat /proc/self/cgroup
	check_matches "(^|"$'\n'")0::/"$'\n'"|0::/$"
}

@test "resources: memory swappiness, disableOOMKiller, kernelTCP (v1)" {
	cgroup_v2 && skip "cgroup v1 only"
	set_resources '{"memory": {"limit": 67108864, "swappiness": 10, "disableOOMKiller": true}}'
	[ "$RUNTIME_KIND" = runc ] || set_resources '{"memory": {"kernelTCP": 16777216}}'
	run_sleeper
	check_value 10 "$CID" memory memory.swappiness
	check_value "oom_kill_disable 1" "$CID" memory memory.oom_control
	if [ "$RUNTIME_KIND" != runc ]; then
		check_value 16777216 "$CID" memory memory.kmem.tcp.limit_in_bytes
	fi
}

@test "resources: update changes memory and swap, in either direction" {
	set_resources '{"memory": {"limit": 67108864, "swap": 134217728}}'
	run_sleeper
	run -0 rt update --memory 100m --memory-swap 200m "$CID"
	if cgroup_v2; then
		check_value 104857600 "$CID" memory memory.max
		check_value 104857600 "$CID" memory memory.swap.max
	else
		check_value 104857600 "$CID" memory memory.limit_in_bytes
		check_value 209715200 "$CID" memory memory.memsw.limit_in_bytes
	fi
	# Down again: the order of the two writes matters on v1.
	run -0 rt update --memory 40m --memory-swap 50m "$CID"
	if cgroup_v2; then
		check_value 41943040 "$CID" memory memory.max
		check_value 10485760 "$CID" memory memory.swap.max
	else
		check_value 41943040 "$CID" memory memory.limit_in_bytes
		check_value 52428800 "$CID" memory memory.memsw.limit_in_bytes
	fi
	# -1 alone lifts both limits.
	run -0 rt update -r - "$CID" <<<'{"memory": {"limit": -1}}'
	if cgroup_v2; then
		check_value max "$CID" memory memory.max
		check_value max "$CID" memory memory.swap.max
	else
		[ "$(cgroup_value "$CID" memory memory.limit_in_bytes)" -gt 1000000000000 ]
		[ "$(cgroup_value "$CID" memory memory.memsw.limit_in_bytes)" -gt 1000000000000 ]
	fi
	run -0 rt update --memory-reservation 10m "$CID"
	check_value 10485760 "$CID" memory "$(v1_v2 memory.soft_limit_in_bytes memory.low)"
}

@test "resources: update refuses a memory limit below the usage (v1) and a malformed size" {
	run_sleeper
	if ! cgroup_v2; then
		run -1 --separate-stderr rt update --memory 4096 "$CID"
		check_contains "unable to set memory limit to 4096" stderr
	fi
	run -1 --separate-stderr rt update --memory 1x "$CID"
	check_contains "invalid" stderr
	[ "$(state_field "$CID" status)" = running ]
}

@test "resources: a memory hog is OOM-killed at the limit" {
	add_shared_dir
	set_resources '{"memory": {"limit": 33554432, "swap": 33554432}}'
	cg_set_args sh -c 'while [ ! -e /shared/go ]; do sleep 0.1; done
		dd if=/dev/zero of=/dev/null bs=64M count=1; echo $? >/shared/status'
	run -0 rt_run_d "$CID"
	local dir
	dir=$(cgroup_dir "$CID" memory)
	touch "$SHARED/go"
	wait_for_status "$CID" stopped 30
	# dd died of SIGKILL (128 + 9); the shell, smaller, lived on
	[ "$(cat "$SHARED/status")" = 137 ]
	if cgroup_v2; then
		[ "$(awk '$1 == "oom_kill" {print $2}' "$dir/memory.events")" -ge 1 ]
	else
		[ "$(awk '$1 == "oom_kill" {print $2}' "$dir/memory.oom_control")" -ge 1 ]
	fi
}

@test "resources: cpu shares, quota, period, cpus, mems" {
	set_resources '{"cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0", "mems": "0"}}'
	run_sleeper
	if cgroup_v2; then
		# holo uses the quadratic shares->weight mapping (1024 -> 100), runc
		# before 1.3.2 the linear one.
		local w linear=$((1 + (512 - 2) * 9999 / 262142))
		w=$(cgroup_value "$CID" cpu cpu.weight)
		[ "$w" = "$(shares_to_weight 512)" ] || [ "$w" = "$linear" ]
		check_value "50000 100000" "$CID" cpu cpu.max
		run -0 in_container_cg cpu cpu.max
		check_output "50000 100000"
	else
		check_value 512 "$CID" cpu cpu.shares
		check_value 50000 "$CID" cpu cpu.cfs_quota_us
		check_value 100000 "$CID" cpu cpu.cfs_period_us
		run -0 in_container_cg cpu cpu.shares
		check_output 512
	fi
	check_value 0 "$CID" cpuset cpuset.cpus
	check_value 0 "$CID" cpuset cpuset.mems
	run -0 in_container_cg cpuset cpuset.cpus
	check_output 0
}

@test "resources: update changes cpu quota, period, shares and cpuset" {
	set_resources '{"cpu": {"shares": 512, "quota": 50000, "period": 100000}}'
	run_sleeper
	run -0 rt update --cpu-quota 20000 --cpu-period 50000 --cpu-share 2048 "$CID"
	if cgroup_v2; then
		check_value "20000 50000" "$CID" cpu cpu.max
		local w
		w=$(cgroup_value "$CID" cpu cpu.weight)
		[ "$w" = "$(shares_to_weight 2048)" ] || [ "$w" = $((1 + (2048 - 2) * 9999 / 262142)) ]
	else
		check_value 20000 "$CID" cpu cpu.cfs_quota_us
		check_value 50000 "$CID" cpu cpu.cfs_period_us
		check_value 2048 "$CID" cpu cpu.shares
	fi
	# A period alone keeps the quota.
	run -0 rt update --cpu-period 40000 "$CID"
	check_value "$(v1_v2 40000 "20000 40000")" "$CID" cpu "$(v1_v2 cpu.cfs_period_us cpu.max)"
	run -0 rt update --cpu-quota -1 "$CID"
	check_value "$(v1_v2 -1 "max 40000")" "$CID" cpu "$(v1_v2 cpu.cfs_quota_us cpu.max)"
	local cpus
	cpus=$(cat /sys/fs/cgroup/cpuset.cpus.effective 2>/dev/null || cat "$(v1_mountpoint cpuset)/cpuset.cpus")
	run -0 rt update --cpuset-cpus "$cpus" "$CID"
	check_value "$cpus" "$CID" cpuset cpuset.cpus
}

@test "resources: cpu shares out of range fail like runc's" {
	cgroup_v2 && skip "cgroup v2 converts shares to a weight"
	set_resources '{"cpu": {"shares": 1}}'
	run -1 --separate-stderr rt_create "$CID"
	check_contains "the minimum allowed cpu-shares is 2" stderr
	check_nothing_left "$CID"
	[ -z "$(find /sys/fs/cgroup -maxdepth 4 -name "$CID" 2>/dev/null)" ]
}

@test "resources: cpu realtime runtime and period (v1), idle" {
	if cgroup_v2; then
		[ "$RUNTIME_KIND" = holo ] || skip "holo's v2 error"
		set_resources '{"cpu": {"realtimeRuntime": 1000, "realtimePeriod": 100000}}'
		run -1 --separate-stderr rt_create "$CID"
		check_contains "realtime" stderr
		check_nothing_left "$CID"
		return
	fi
	[ -e "$(v1_mountpoint cpu)/cpu.rt_runtime_us" ] || skip "no CONFIG_RT_GROUP_SCHED"
	set_resources '{"cpu": {"realtimeRuntime": 1000, "realtimePeriod": 100000}}'
	# runc 1.1 predates cpu.idle
	local idle=
	[ -e "$(v1_mountpoint cpu)/cpu.idle" ] && [ "$RUNTIME_KIND" != runc ] && idle=1
	[ -z "$idle" ] || set_resources '{"cpu": {"idle": 1}}'
	run_sleeper
	check_value 1000 "$CID" cpu cpu.rt_runtime_us
	check_value 100000 "$CID" cpu cpu.rt_period_us
	if [ -n "$idle" ]; then
		check_value 1 "$CID" cpu cpu.idle
	fi
}

@test "resources: pids limit, update, and a fork bomb stops at pids.max" {
	add_shared_dir
	set_resources '{"pids": {"limit": 10}}'
	# A subshell forks until EAGAIN (ash then gives up); the init lives on
	# without forking again.
	cg_set_args sh -c '(for i in $(seq 30); do sleep 100 & done) 2>/dev/null; touch /shared/ready; exec sleep 100'
	run -0 rt_run_d "$CID"
	wait_for_file "$SHARED/ready"
	check_value 10 "$CID" pids pids.max
	local i events
	for ((i = 0; i < 50; i++)); do
		events=$(awk '$1 == "max" {print $2}' "$(cgroup_file "$CID" pids pids.events)")
		[ "${events:-0}" -ge 1 ] && break
		sleep 0.1
	done
	[ "${events:-0}" -ge 1 ]
	[ "$(cgroup_value "$CID" pids pids.current)" -le 10 ]
	run -0 rt update --pids-limit 50 "$CID"
	check_value 50 "$CID" pids pids.max
	run -0 rt update --pids-limit -1 "$CID"
	check_value max "$CID" pids pids.max
}

@test "resources: blockIO weight and read bps throttle" {
	local dev
	dev=$(block_device)
	set_resources '{"blockIO": {"weight": 500}}'
	if [ -n "$dev" ]; then
		set_resources "{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": ${dev%:*}, \"minor\": ${dev#*:}, \"rate\": 1048576}]}}"
	fi
	run_sleeper
	local dir
	dir=$(cgroup_dir "$CID" "$(v1_v2 blkio io)")
	if cgroup_v2; then
		if [ -e "$dir/io.bfq.weight" ]; then
			grep -qx "default 500" "$dir/io.bfq.weight"
		elif [ -e "$dir/io.weight" ]; then
			grep -qx "default $((1 + 490 * 9999 / 990))" "$dir/io.weight"
		fi
		[ -z "$dev" ] || grep -q "^$dev rbps=1048576 " "$dir/io.max"
	else
		if [ -e "$dir/blkio.bfq.weight" ]; then
			grep -qE "^(default )?500$" "$dir/blkio.bfq.weight"
		elif [ -e "$dir/blkio.weight" ]; then
			grep -qx 500 "$dir/blkio.weight"
		fi
		[ -z "$dev" ] || grep -qx "$dev 1048576" "$dir/blkio.throttle.read_bps_device"
	fi
	run -0 rt update --blkio-weight 300 "$CID"
	# 10-1000, as the help says (runc 1.1 leaves it to the kernel, whose
	# bfq takes 1-1000); 0 means "no weight" and changes nothing.
	if [ "$RUNTIME_KIND" = holo ]; then
		local w
		for w in 1 9 1001; do
			run -1 --separate-stderr rt update --blkio-weight "$w" "$CID"
			check_contains "invalid value for blkio-weight: must be between 10 and 1000: '$w'" stderr
		done
		run -0 rt update --blkio-weight 0 "$CID"
		run -0 rt update --blkio-weight 10 "$CID"
	fi
}

@test "resources: hugepage limits where the hugetlb controller is available, else an error" {
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2MB huge pages"
	set_resources '{"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]}'
	if have_controller hugetlb; then
		run_sleeper
		check_value 4194304 "$CID" hugetlb "$(v1_v2 hugetlb.2MB.limit_in_bytes hugetlb.2MB.max)"
	else
		run -1 --separate-stderr rt_create "$CID"
		check_contains "hugetlb" stderr
		check_nothing_left "$CID"
	fi
}

@test "resources: a bad hugepage size names its JSON path" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's error text"
	set_resources '{"hugepageLimits": [{"pageSize": "2M", "limit": 1}]}'
	run -1 --separate-stderr rt_create "$CID"
	check_contains "linux.resources.hugepageLimits[0].pageSize" stderr
	check_nothing_left "$CID"
}

@test "resources: network classID needs net_cls (v1)" {
	cgroup_v2 && skip "no net_cls on cgroup v2"
	set_resources '{"network": {"classID": 1048577}}'
	if have_controller net_cls; then
		run_sleeper
		check_value 1048577 "$CID" net_cls net_cls.classid
	else
		run -1 --separate-stderr rt_create "$CID"
		check_contains "net_cls" stderr
		check_nothing_left "$CID"
	fi
}

@test "resources: unified on cgroup v2, refused on v1" {
	set_resources '{"unified": {"memory.high": "67108864", "pids.max": "42"}}'
	if cgroup_v2; then
		run_sleeper
		check_value 67108864 "$CID" memory memory.high
		check_value 42 "$CID" pids pids.max
	else
		run -1 --separate-stderr rt_create "$CID"
		check_contains "cannot use unified on cgroup v1" stderr
		check_nothing_left "$CID"
	fi
}

@test "resources: invalid values fail at create with their JSON path, leaving nothing" {
	local bad
	local bads=('{"memory": {"limit": "1g"}}' '{"pids": {"limit": "many"}}')
	# runc on cgroup v2 ignores swappiness, valid or not
	[ "$RUNTIME_KIND" = holo ] || ! cgroup_v2 && bads+=('{"memory": {"swappiness": 101}}')
	for bad in "${bads[@]}"; do
		update_config '.linux.resources = ($r | fromjson)' --arg r "$bad"
		run -1 --separate-stderr rt_create "$CID"
		check_nothing_left "$CID"
	done
	[ "$RUNTIME_KIND" = holo ] || return 0
	update_config '.linux.resources = {"memory": {"limit": "1g"}}'
	run -1 --separate-stderr rt_create "$CID"
	check_contains "config.json: linux.resources.memory.limit: must be an integer" stderr
	update_config '.linux.resources = {"devices": [{"allow": true, "access": "r"}, {"allow": true, "access": "rwx"}]}'
	run -1 --separate-stderr rt_create "$CID"
	check_contains "linux.resources.devices[1].access" stderr
}

# ---- devices ----

# mknod needs CAP_MKNOD, which the default spec does not grant.
grant_mknod() {
	update_config '.process.capabilities |= with_entries(.value += ["CAP_MKNOD"])'
}

@test "devices: the defaults allow null/zero/tty, mknod of anything, and deny other devices" {
	grant_mknod
	cg_set_args sh -c 'echo x >/dev/null && head -c1 /dev/zero >/dev/null && echo defaults-ok
		mknod /dev/xkmsg c 1 11 && echo mknod-ok
		(: >/dev/xkmsg) 2>&1 || echo open-denied'
	cd "$BUNDLE"
	run -0 --separate-stderr rt run "$CID"
	check_contains "defaults-ok"
	check_contains "mknod-ok"
	check_contains "open-denied"
	check_contains "Operation not permitted"
}

@test "devices: config rules allow and deny, the last match wins" {
	grant_mknod
	cg_set_args sh -c 'mknod /dev/xkmsg c 1 11; (: >/dev/xkmsg) 2>/dev/null && echo write-ok || echo write-denied'
	update_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}]'
	cd "$BUNDLE"
	run -0 --separate-stderr rt run "$CID"
	check_output "write-ok"
	update_config '.linux.resources.devices += [{"allow": false, "type": "c", "major": 1, "minor": 11, "access": "w"}]'
	run -0 --separate-stderr rt run "$(new_id)"
	check_output "write-denied"
	# "allow everything" (a privileged container)
	update_config '.linux.resources.devices = [{"allow": true, "access": "rwm"}]'
	run -0 --separate-stderr rt run "$(new_id)"
	check_output "write-ok"
}

@test "devices: a linux.devices entry is created, and usable once linux.resources.devices allows it" {
	update_config '.linux.devices = [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 438}]'
	cg_set_args sh -c '(: >/dev/kmsg) 2>/dev/null && echo write-ok || echo write-denied'
	cd "$BUNDLE"
	run -0 --separate-stderr rt run "$CID"
	check_output "write-denied"
	update_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "rwm"}]'
	run -0 --separate-stderr rt run "$(new_id)"
	check_output "write-ok"
}

@test "devices: v1 devices.list is runc's default list" {
	cgroup_v2 && skip "cgroup v1 only"
	run_sleeper
	run -0 cat "$(cgroup_file "$CID" devices devices.list)"
	local want
	want=$(printf '%s\n' 'c *:* m' 'b *:* m' 'c 1:3 rwm' 'c 1:5 rwm' 'c 1:7 rwm' 'c 1:8 rwm' 'c 1:9 rwm' \
		'c 5:0 rwm' 'c 5:2 rwm' 'c 136:* rwm' 'c 10:200 rwm' | sort)
	[ "$(sort <<<"$output")" = "$want" ] || {
		echo "devices.list: $output"
		return 1
	}
}

# ---- against runc ----

@test "resources: the cgroup files hold what runc writes for the same bundle" {
	[ -x "$REF_RUNTIME" ] || skip "no reference runtime $REF_RUNTIME"
	[ "$RUNTIME_KIND" != runc ] || skip "the runtime under test is runc"
	set_resources '{"memory": {"limit": 67108864, "reservation": 33554432, "swap": 134217728},
		"cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0", "mems": "0"},
		"pids": {"limit": 100}}'
	cgroup_v2 || set_resources '{"memory": {"swappiness": 30, "disableOOMKiller": true}, "blockIO": {"weight": 500}}'
	cg_set_args sleep 1000
	local ref=$CID-ref
	echo "$ref" >>"$BATS_TEST_TMPDIR/ids"
	run -0 rt_run_d "$CID"
	cd "$BUNDLE"
	rt_as "$REF_RUNTIME" run -d "$ref" </dev/null >/dev/null 2>&1 3>&-
	local ref_pid
	ref_pid=$(rt_as "$REF_RUNTIME" state "$ref" | jq -r .pid)
	local files
	if cgroup_v2; then
		files="memory:memory.max memory:memory.low memory:memory.swap.max cpu:cpu.max cpuset:cpuset.cpus
			cpuset:cpuset.mems pids:pids.max"
	else
		files="memory:memory.limit_in_bytes memory:memory.soft_limit_in_bytes memory:memory.memsw.limit_in_bytes
			memory:memory.swappiness memory:memory.oom_control cpu:cpu.shares cpu:cpu.cfs_quota_us
			cpu:cpu.cfs_period_us cpuset:cpuset.cpus cpuset:cpuset.mems pids:pids.max devices:devices.list"
		[ -e "$(v1_mountpoint blkio)/blkio.weight" ] && files="$files blkio:blkio.weight"
	fi
	local f ours theirs bad=0
	for f in $files; do
		# (devices.list in the order each runtime wrote the rules)
		ours=$(sort "$(cgroup_file "$CID" "${f%%:*}" "${f#*:}")")
		# runc's cgroup, found through its init's /proc/PID/cgroup
		theirs=$(sort "$(cgroup_dir_of_pid "$ref_pid" "${f%%:*}")/${f#*:}")
		if [ "$ours" != "$theirs" ]; then
			echo "${f#*:}: holo '$ours', runc '$theirs'"
			bad=1
		fi
	done
	rt_as "$REF_RUNTIME" delete -f "$ref" >/dev/null 2>&1
	[ "$bad" = 0 ]
}
