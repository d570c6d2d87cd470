#!/usr/bin/env bats
# linux.sysctl: only sysctls of namespaces the container has of its own.

load helpers

# sysctl_refused JSON_OBJECT: create with that linux.sysctl fails cleanly
# and the host's values are untouched.
sysctl_refused() {
	local key before=()
	for key in $(jq -r 'keys[]' <<<"$1"); do
		before+=("$key=$(cat "/proc/sys/${key//.//}" 2>/dev/null)")
	done
	update_config '.linux.sysctl = $s' --argjson s "$1"
	run -1 --separate-stderr rt_create "$CID"
	check_holo_text "linux.sysctl" stderr
	check_nothing_left "$CID"
	local kv
	for kv in "${before[@]}"; do
		key=${kv%%=*}
		[ "$(cat "/proc/sys/${key//.//}" 2>/dev/null)" = "${kv#*=}" ] || {
			echo "host's $key changed"
			false
		}
	done
}

@test "sysctl: network, ipc and uts sysctls are set in the container's namespaces" {
	local fwd shmmax somaxconn queues
	fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	shmmax=$(cat /proc/sys/kernel/shmmax)
	somaxconn=$(cat /proc/sys/net/core/somaxconn)
	queues=$(cat /proc/sys/fs/mqueue/queues_max)
	update_config '.linux.sysctl = {
		"net.ipv4.ip_forward": "1", "net.core.somaxconn": "777",
		"kernel.shmmax": "123456789", "fs.mqueue.queues_max": "77",
		"kernel.domainname": "sysctl.example"}'
	set_args sh -c 'for k in net.ipv4.ip_forward net.core.somaxconn kernel.shmmax fs.mqueue.queues_max kernel.domainname; do
		echo "$k=$(holo-check sysctl $k)"; done'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_output "$(printf '%s\n' net.ipv4.ip_forward=1 net.core.somaxconn=777 kernel.shmmax=123456789 \
		fs.mqueue.queues_max=77 kernel.domainname=sysctl.example)"
	# The host's values are untouched.
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$fwd" ]
	[ "$(cat /proc/sys/kernel/shmmax)" = "$shmmax" ]
	[ "$(cat /proc/sys/net/core/somaxconn)" = "$somaxconn" ]
	[ "$(cat /proc/sys/fs/mqueue/queues_max)" = "$queues" ]
}

@test "sysctl: keys may be written with slashes" {
	update_config '.linux.sysctl = {"net/ipv4/conf/all/forwarding": "1"}'
	set_args holo-check sysctl net.ipv4.conf.all.forwarding
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_output 1
}

@test "sysctl: /proc/sys stays read-only after the sysctls are written" {
	update_config '.linux.sysctl = {"net.core.somaxconn": "555"}'
	set_args sh -c 'holo-check sysctl net.core.somaxconn; holo-check write /proc/sys/net/core/somaxconn 999'
	run -1 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_output "$(printf '%s\n' 555 "EROFS: /proc/sys/net/core/somaxconn: Read-only file system")"
}

@test "sysctl: a sysctl of no namespace is refused" {
	sysctl_refused '{"vm.swappiness": "13"}'
}

@test "sysctl: kernel.hostname is refused (the hostname field sets it)" {
	sysctl_refused '{"kernel.hostname": "from-sysctl"}'
}

@test "sysctl: an ipc sysctl without an ipc namespace is refused" {
	remove_namespace ipc
	sysctl_refused '{"kernel.shmmax": "10"}'
}

@test "sysctl: a net sysctl without a network namespace is refused" {
	remove_namespace network
	sysctl_refused '{"net.ipv4.ip_forward": "1"}'
}

@test "sysctl: kernel.domainname without a uts namespace is refused" {
	remove_namespace uts
	update_config 'del(.hostname)'
	sysctl_refused '{"kernel.domainname": "x.example"}'
}
