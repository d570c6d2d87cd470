#!/usr/bin/env bats
# The systemd cgroup driver (--systemd-cgroup) where no systemd runs, as on
# these test machines: what is checked before systemd is asked, the config's
# errors and the host's, each saying what and where, nothing left behind;
# --systemd-cgroup never falls back to cgroupfs.  Against a running systemd
# the driver is tested in the VM (tests/vm/systemd.bats, run-tests.sh
# --systemd).

load helpers

setup() {
	setup_common
	set_args true
}

no_systemd() {
	[ ! -d /run/systemd/system ] || skip "systemd runs here: tests/vm/systemd.bats covers it"
}

# sd_run ID: run --systemd-cgroup, its output in $output.
sd_run() {
	run rt --systemd-cgroup run --bundle "$BUNDLE" "$1"
}

@test "systemd: holo is built with the systemd driver and says so" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's --version and features"
	run -0 "$RUNTIME" --version
	check_contains "+SYSTEMD"
	run -0 bash -c '"$0" features | jq -c "[.linux.cgroup.systemd, .linux.cgroup.systemdUser]"' "$RUNTIME"
	check_output "[true,true]"
}

@test "systemd: --systemd-cgroup on a host without systemd: a clear error, no cgroupfs fallback, nothing left" {
	no_systemd
	update_config '.linux.cgroupsPath = $p' --arg p "system.slice:holotest:$CID"
	sd_run "$CID"
	check_failed
	check_holo_text "systemd is not running on this host (no /run/systemd/system)"
	check_nothing_left "$CID"
	# Not made by hand on cgroupfs either.
	[ -z "$(find /sys/fs/cgroup -maxdepth 4 -name "holotest-$CID.scope" 2>/dev/null)" ]
}

@test "systemd: a malformed slice:prefix:name is an error naming linux.cgroupsPath, nothing left" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's error texts"
	local p id
	for p in "bad" "a:b" "system.slice:p:n:x" "a--b.slice:p:n" "-x.slice:p:n" "notaslice:p:n" \
		"system.slice:p:" "system.slice:p:c.slice" "system.slice:p:a b"; do
		id=$(new_id)
		update_config '.linux.cgroupsPath = $p' --arg p "$p"
		sd_run "$id"
		check_failed
		check_contains "config.json: linux.cgroupsPath"
		check_nothing_left "$id"
	done
	update_config '.linux.cgroupsPath = "bad"'
	sd_run "$CID"
	check_contains 'expected "slice:prefix:name" for systemd cgroups, got `bad`'
	update_config '.linux.cgroupsPath = "a--b.slice:p:n"'
	sd_run "$CID"
	check_contains 'invalid systemd slice name `a--b.slice`'
	update_config '.linux.cgroupsPath = "system.slice:p:c.slice"'
	sd_run "$CID"
	check_contains 'a container needs a scope'
}

@test "systemd: a bad org.systemd.property annotation is an error naming it, nothing left" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's error texts"
	update_config '.annotations["org.systemd.property.TimeoutStopSec"] = "soon"'
	sd_run "$CID"
	check_failed
	check_contains "config.json: annotations: \`org.systemd.property.TimeoutStopSec=soon\`: value parse error"
	check_nothing_left "$CID"
	update_config '.annotations = {"org.systemd.property.Bad1": "1"}'
	sd_run "$CID"
	check_failed
	check_contains "\`org.systemd.property.Bad1\`: the property name contains a non-alphabetic character"
	check_nothing_left "$CID"
}

@test "systemd: linux.resources the unit cannot take are an error before anything exists" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's error texts"
	# The kernel would be asked about cpuset.cpus only later; AllowedCPUs
	# must be built before the unit is.
	update_config '.linux.cgroupsPath = "system.slice:holotest:x" | .linux.resources.cpu = {cpus: "0-99999"}'
	sd_run "$CID"
	check_failed
	check_contains "config.json: linux.resources.cpu.cpus \`0-99999\`: CPU or node 99999 is out of range"
	check_nothing_left "$CID"
}
