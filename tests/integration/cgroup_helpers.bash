# Helpers for the cgroup tests (resources.bats, cgroups.bats), on top of
# helpers.bash.  They run on either layout: a cgroup v2 host (the test VM)
# or a v1/hybrid host (v1 controllers under /sys/fs/cgroup/<controller>).
#
#   cgroup_v2                       true on a unified (cgroup2-only) host
#   cgroup_dir ID CONTROLLER        host directory of ID's cgroup for CONTROLLER
#                                   (v2: the one cgroup2 directory)
#   cgroup_dir_of_pid PID CONTROLLER  the same for any process
#   cgroup_file ID CONTROLLER FILE  host path of FILE there
#   cgroup_value ID CONTROLLER FILE its content (one line)
#   ctr_cgroup_file CONTROLLER FILE the same file as the container sees it
#                                   through its /sys/fs/cgroup mount (with a
#                                   cgroup namespace: add_cgroupns)
#   have_controller CONTROLLER      the host can limit CONTROLLER
#   v1_v2 A B                       A on v1, B on v2

cgroup_v2() {
	[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]
}

v1_v2() {
	if cgroup_v2; then echo "$2"; else echo "$1"; fi
}

# Mount point of the v1 hierarchy holding CONTROLLER (from mountinfo).
v1_mountpoint() {
	awk -v c="$1" '{
		for (i = 1; i <= NF; i++) if ($i == "-") break
		if ($(i + 1) != "cgroup") next
		n = split($(i + 3), opts, ",")
		for (j = 1; j <= n; j++) if (opts[j] == c) { print $5; exit }
	}' /proc/self/mountinfo
}

have_controller() {
	if cgroup_v2; then
		grep -qw "$1" /sys/fs/cgroup/cgroup.controllers
	else
		[ -n "$(v1_mountpoint "$1")" ]
	fi
}

# The pid whose cgroup stands for the container's: the init.
_cgroup_pid() {
	local pid
	pid=$(state_field "$1" pid)
	[ -n "$pid" ] && [ "$pid" != 0 ] || {
		echo "no pid for container $1" >&2
		return 1
	}
	echo "$pid"
}

cgroup_dir() {
	local pid
	pid=$(_cgroup_pid "$1") || return 1
	cgroup_dir_of_pid "$pid" "$2"
}

# cgroup_dir_of_pid PID CONTROLLER: the same for any process.
cgroup_dir_of_pid() {
	local pid=$1 controller=$2 path line
	if cgroup_v2; then
		path=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
		echo "/sys/fs/cgroup${path%/}"
		return
	fi
	line=$(grep -E "^[0-9]+:([^:]*,)?$controller(,[^:]*)?:" "/proc/$pid/cgroup") || {
		echo "no $controller line in /proc/$pid/cgroup" >&2
		return 1
	}
	path=${line#*:*:}
	echo "$(v1_mountpoint "$controller")${path%/}"
}

cgroup_file() {
	echo "$(cgroup_dir "$1" "$2")/$3"
}

cgroup_value() {
	local f
	f=$(cgroup_file "$@") || return 1
	head -n1 "$f"
}

ctr_cgroup_file() {
	if cgroup_v2; then
		echo "/sys/fs/cgroup/$2"
	else
		echo "/sys/fs/cgroup/$1/$2"
	fi
}

add_cgroupns() {
	update_config '.linux.namespaces |= map(select(.type != "cgroup")) + [{"type": "cgroup"}]'
}

# set_resources JQ_EXPR: linux.resources = (linux.resources + EXPR).
set_resources() {
	update_config ".linux.resources = ((.linux.resources // {}) * ($1))"
}

# check_value EXPECTED ID CONTROLLER FILE: the host file holds EXPECTED.
check_value() {
	local want=$1 got
	shift
	got=$(cgroup_value "$@") || return 1
	if [ "$got" != "$want" ]; then
		echo "$(cgroup_file "$@"): '$got', expected '$want'"
		return 1
	fi
}

# The major:minor of a real block device of this host, or nothing.
block_device() {
	local d
	for d in /sys/block/*; do
		case $(basename "$d") in loop* | ram* | zram*) continue ;; esac
		[ -e "$d/dev" ] && cat "$d/dev" && return
	done
	return 0
}

# cgroup v2's cpu.weight for cpu.shares S: 10^((l^2 + 125 l)/612 - 7/34),
# l = log2(S), rounded up.
shares_to_weight() {
	awk -v s="$1" 'BEGIN {
		if (s <= 2) { print 1; exit }
		if (s >= 262144) { print 10000; exit }
		l = log(s) / log(2); e = (l * l + 125 * l - 126) / 612
		w = exp(e * log(10)); c = int(w); if (c < w) c++
		print c }'
}

# cgroup_dirs ID: every directory of ID's cgroup, one per hierarchy.
cgroup_dirs() {
	local pid line ctrls path mnt
	pid=$(_cgroup_pid "$1") || return 1
	while IFS= read -r line; do
		ctrls=${line#*:}
		ctrls=${ctrls%%:*}
		path=${line#*:*:}
		[ "$path" = / ] && continue
		if [ -z "$ctrls" ]; then
			if cgroup_v2; then mnt=/sys/fs/cgroup; else mnt=/sys/fs/cgroup/unified; fi
		else
			mnt=$(v1_mountpoint "${ctrls%%,*}")
		fi
		[ -n "$mnt" ] && echo "$mnt$path"
	done <"/proc/$pid/cgroup"
}

# check_dirs_gone DIR...: none of the directories exists.
check_dirs_gone() {
	local d
	for d in "$@"; do
		if [ -d "$d" ]; then
			echo "cgroup left behind: $d"
			return 1
		fi
	done
}

# cg_set_args ARG...: process.args = ARGs.  (jq 1.6 still parses options
# after --args, so helpers' set_args turns "sh -c SCRIPT" into "sh SCRIPT".)
cg_set_args() {
	local json='[]' a
	for a in "$@"; do
		json=$(jq -c --arg a "$a" '. + [$a]' <<<"$json")
	done
	update_config '.process.args = $a' --argjson a "$json"
}
