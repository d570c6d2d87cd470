#!/usr/bin/env bats
# What must not cross from the host into the container: file descriptors,
# the working directory, the host's root and mounts, the runtime's binary
# and state, the host's processes, privileges.

load helpers

# A host-only file: it exists on the host and must never be reachable from
# inside a container (through any path).
host_only_file() {
	echo "$HOLO_SRC/tests/checker/holo-check.c"
}

@test "security: no host file descriptor leaks into the container (run)" {
	set_args holo-check fds
	# Extra descriptors open in the caller, not close-on-exec.
	exec 5</etc/passwd 7>"$TESTDIR/fd7" 9</dev/null
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	exec 5<&- 7>&- 9<&-
	check_output ""
}

@test "security: no host file descriptor leaks into the container (create, start)" {
	set_args holo-check fds
	exec 5</etc/passwd 7>"$TESTDIR/fd7"
	run -0 rt_create "$CID"
	run -0 rt start "$CID"
	exec 5<&- 7>&-
	wait_for_status "$CID" stopped
	run container_output "$CID"
	check_output ""
}

@test "security: the created init holds no descriptor to a host directory" {
	set_args holo-check loop
	exec 5</etc/passwd
	run -0 rt_create "$CID"
	exec 5<&-
	local pid fd target bad=""
	pid=$(state_field "$CID" pid)
	# Whatever the waiting init holds open, it is not a directory or file of
	# the host (the user process would inherit what is not close-on-exec).
	for fd in /proc/$pid/fd/*; do
		target=$(readlink "$fd")
		case $target in
		/etc/passwd | "$HOLO_SRC"* | /sys/fs/cgroup*) bad+=" ${fd##*/}->$target" ;;
		esac
	done
	[ -z "$bad" ] || {
		echo "init holds:$bad"
		false
	}
}

@test "security: a cwd through /proc/self/fd cannot reach the host (CVE-2024-21626)" {
	local fd hostfile
	hostfile=$(host_only_file)
	for fd in 3 4 5 6 7 8 9; do
		update_config '.process.cwd = $c' --arg c "/proc/self/fd/$fd"
		set_args sh -c "holo-check cwd; test -e ../../../../../../../..$hostfile && echo HOST-VISIBLE; true"
		run --separate-stderr rt run --bundle "$BUNDLE" "$CID"
		check_not_contains "HOST-VISIBLE"
		check_not_contains "/sys/fs/cgroup"
		rt delete --force "$CID" >/dev/null 2>&1 || true
	done
}

@test "security: the process's root and cwd are the container's, the host's root is gone" {
	local hostfile
	hostfile=$(host_only_file)
	update_config '.process.cwd = "/tmp"'
	set_args sh -c "holo-check cwd; holo-check readlink /proc/self/root; test -e $hostfile && echo HOST-VISIBLE;
		test -e ../../../../..$hostfile && echo HOST-VISIBLE; ls /"
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_not_contains "HOST-VISIBLE"
	[ "$(sed -n 1p <<<"$output")" = /tmp ]
	[ "$(sed -n 2p <<<"$output")" = / ]
	check_contains "$(printf '%s\n' bin dev etc)"
}

@test "security: only the configured mounts are in the container (the old root is gone)" {
	set_args holo-check mountinfo
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	local dest rest
	while read -r dest rest; do
		case $dest in
		/ | /proc | /proc/* | /dev | /dev/* | /sys | /sys/*) ;;
		*)
			echo "unexpected mount: $dest $rest"
			false
			;;
		esac
	done <<<"$output"
	check_not_contains "$BUNDLE"
}

@test "security: --no-pivot still confines the process to the rootfs" {
	local hostfile
	hostfile=$(host_only_file)
	set_args sh -c "holo-check readlink /proc/self/root; test -e $hostfile && echo HOST-VISIBLE;
		test -e ../../../../..$hostfile && echo HOST-VISIBLE; ls /"
	run -0 rt_run_d --no-pivot "$CID"
	wait_for_status "$CID" stopped
	run container_output "$CID"
	check_not_contains "HOST-VISIBLE"
	check_contains "$(printf '%s\n' bin dev etc)"
}

@test "security: the host's processes are invisible in the container" {
	set_args sh -c 'ls -d /proc/[0-9]*'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	# The shell (pid 1) and ls.
	[ "$(wc -l <<<"$output")" -le 2 ]
	check_contains "/proc/1"
}

@test "security: the state directory is not visible in the container" {
	update_config '.process.args = ["holo-check", "loop"]'
	run -0 rt_run_d "$CID"
	set_args sh -c "test -e '$ROOT' && echo STATE-VISIBLE; true"
	local other
	other=$(new_id)
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$other"
	check_not_contains "STATE-VISIBLE"
}

@test "security: the runtime binary a created container's init runs cannot be written through it (CVE-2019-5736)" {
	set_args holo-check loop
	run -0 rt_create "$CID"
	local pid
	pid=$(state_field "$CID" pid)
	# While created, the init is still the runtime: its /proc/PID/exe is what
	# a container process could get a handle on (and, once the runtime has
	# exec'd the user process, reopen for writing).  Keep such a handle,
	# start the container, then try what the attacker would.
	local fd rt_id exe_id
	exec {fd}<"/proc/$pid/exe"
	rt_id=$(stat -L -c %d:%i "$RUNTIME")
	exe_id=$(stat -L -c %d:%i "/proc/self/fd/$fd")
	run -0 rt start "$CID"
	wait_for_status "$CID" running
	[ "$(stat -L -c %d:%i /proc/$pid/exe)" = "$(stat -c %d:%i "$BUNDLE/rootfs/bin/holo-check")" ]
	if [ "$exe_id" = "$rt_id" ]; then
		# The host's runtime file itself (runc 1.1: through a read-only bind
		# mount): opening it for writing must fail.  Nothing is written even
		# if it were to succeed.
		run bash -c ": >>/proc/self/fd/$fd"
	else
		# Another file (holo: a private read-only overlayfs view, or a sealed
		# memfd copy): it must not take a write either.
		run bash -c "printf x >>/proc/self/fd/$fd"
	fi
	exec {fd}<&-
	check_failed
	check_matches "Read-only file system|Operation not permitted|Text file busy|Permission denied"
}

# attack_runtime_exe BINARY MODE: CVE-2019-5736 from inside the container,
# against holo run as BINARY, which must protect itself by MODE ("overlayfs"
# or "memfd", as its --debug log says).  A process exec'd into the created
# container holds /proc/1/exe (the init: still holo) and, once start has
# made the init exec the container's process, reopens it for writing
# (holo-check reopen-exe).  That must fail, and BINARY must be unchanged.
attack_runtime_exe() {
	local bin=$1 mode=$2 before i
	update_config '.root.readonly = false'
	set_args holo-check loop
	before=$(sha256sum <"$bin")
	HOLO_TEST_MARKER=$TEST_MARKER timeout 60 "$bin" --root "$ROOT" --debug create --bundle "$BUNDLE" "$CID" \
		</dev/null >"$TESTDIR/create.out" 2>"$TESTDIR/create.err" 3>&-
	run cat "$TESTDIR/create.err"
	case $mode in
	overlayfs) check_contains "re-executing through a private read-only overlayfs" ;;
	memfd) check_contains "using a sealed memfd copy" ;;
	esac
	HOLO_TEST_MARKER=$TEST_MARKER timeout 60 "$bin" --root "$ROOT" exec -d "$CID" \
		sh -c 'holo-check reopen-exe 1 >/tmp/attack.tmp 2>&1; mv /tmp/attack.tmp /tmp/attack' </dev/null >/dev/null 2>&1 3>&-
	for ((i = 0; i < 100; i++)); do
		grep -q held "$BUNDLE/rootfs/tmp/attack.tmp" 2>/dev/null && break
		sleep 0.1
	done
	HOLO_TEST_MARKER=$TEST_MARKER timeout 60 "$bin" --root "$ROOT" start "$CID"
	wait_for_file "$BUNDLE/rootfs/tmp/attack" 40
	run cat "$BUNDLE/rootfs/tmp/attack"
	# The handle was taken (the attack had its chance), the write refused.
	[ "${lines[0]}" = held ]
	case $mode in
	overlayfs) check_matches $'\nEROFS: ' ;;
	memfd) check_matches $'\nEPERM: ' ;;
	esac
	[ "$(sha256sum <"$bin")" = "$before" ]
}

@test "security: a container cannot write holo's binary through /proc/1/exe: private read-only overlayfs (CVE-2019-5736)" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's protection modes"
	attack_runtime_exe "$RUNTIME" overlayfs
}

@test "security: a container cannot write holo's binary through /proc/1/exe: sealed memfd fallback (CVE-2019-5736)" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's protection modes"
	# The overlay needs a second layer that does not overlap holo's
	# directory: holo uses its state root, so a holo inside the state root
	# must fall back to the memfd copy.
	mkdir -p "$ROOT/bin"
	cp "$RUNTIME" "$ROOT/bin/holo"
	attack_runtime_exe "$ROOT/bin/holo" memfd
}

@test "security: the private overlayfs works for a holo in a directory whose name has ':' and '\\' (escaped lowerdir)" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's protection modes"
	local dir="$TESTDIR/odd:dir\\name"
	mkdir -p "$dir"
	cp "$RUNTIME" "$dir/holo"
	attack_runtime_exe "$dir/holo" overlayfs
}

@test "security: the cgroup warm-up child keeps none of the caller's descriptors and moves only itself, within its cgroup" {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's warm-up (cgroups/warmup.c)"
	command -v strace >/dev/null || skip "strace is not installed"
	# The cgroup.procs it must use: its own cgroup's, in the v1 pids
	# hierarchy, else in cgroup2.
	local own procs
	own=$(awk -F: '$2 == "pids" { print $3 }' /proc/self/cgroup)
	if [ -n "$own" ]; then
		procs=/sys/fs/cgroup/pids${own%/}/cgroup.procs
	elif [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		own=$(awk -F: '$1 == 0 { print $3 }' /proc/self/cgroup)
		procs=/sys/fs/cgroup${own%/}/cgroup.procs
	else
		skip "neither a v1 pids hierarchy nor a cgroup2 host"
	fi
	set_args true
	run -0 strace -f -qq -e trace=close_range,openat,write -o "$TESTDIR/strace" "$RUNTIME" --root "$ROOT" run \
		--bundle "$BUNDLE" "$CID"
	# The child: the process that opens its own pids cgroup.procs.
	local pid
	pid=$(awk -v f="\"$procs\"" 'index($0, f) && /openat/ { print $1; exit }' "$TESTDIR/strace")
	[ -n "$pid" ]
	run -0 awk -v p="$pid" '$1 == p { $1 = ""; print substr($0, 2) }' "$TESTDIR/strace"
	# First it closes every descriptor it inherited, then writes "0" (itself)
	# into the cgroup it is in, and that is all.
	[[ ${lines[0]} == "close_range(0, 4294967295, 0"* ]]
	check_matches $'\nwrite\\([0-9]+, "0", 1'
	[ "$(grep -c 'cgroup.procs' <<<"$output")" -eq 1 ]
}

@test "security: the container's process cannot write to /proc/1/exe or the rootfs's binaries in use" {
	update_config '.root.readonly = false'
	set_args sh -c 'holo-check write /proc/1/exe; holo-check write /proc/self/exe; true'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_not_contains "ok"
	check_contains "ETXTBSY"
}

@test "security: without CAP_SYS_ADMIN the container cannot mount" {
	set_args sh -c 'mount -t tmpfs none /tmp && echo MOUNTED; holo-check caps'
	run --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_not_contains "MOUNTED"
}

@test "security: a setuid-root binary does not raise privileges with noNewPrivileges" {
	update_config '.root.readonly = false | .process.user = {uid: 1000, gid: 1000} | .process.noNewPrivileges = true'
	cp "$BUNDLE/rootfs/bin/holo-check" "$BUNDLE/rootfs/bin/suid-check"
	chmod 4755 "$BUNDLE/rootfs/bin/suid-check"
	set_args suid-check ids
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_output "uid=1000 gid=1000 euid=1000 egid=1000 groups="
	# Without noNewPrivileges the setuid bit works (the contrast).
	update_config '.process.noNewPrivileges = false'
	run -0 --separate-stderr rt run --bundle "$BUNDLE" "$CID"
	check_output "uid=1000 gid=1000 euid=0 egid=1000 groups="
}
