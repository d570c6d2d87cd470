#!/usr/bin/env bats
# Hologram (HOLOGRAM.md): UOR-IDs checked against an independent Python
# implementation (uor_ref.py), witnesses made with the openssl command line,
# the policy through `holo run` and through holo-hologram-hook under runc and
# crun, the witness endpoint and CTP-96 against a local server
# (hologram_server.py), and the digest cache.

load helpers

HOLO=${HOLO:-$HOLO_SRC/holo}
HOOK=${HOLO_HOOK:-$HOLO_SRC/holo-hologram-hook}
UOR_REF=$BATS_TEST_DIRNAME/uor_ref.py
PAYLOAD_TYPE=application/vnd.in-toto+json

setup_file() {
	local k
	for k in good other; do
		openssl genpkey -algorithm ed25519 -out "$BATS_FILE_TMPDIR/$k.pem" 2>/dev/null
		openssl pkey -in "$BATS_FILE_TMPDIR/$k.pem" -pubout -out "$BATS_FILE_TMPDIR/$k.pub.pem"
	done
	mkdir -p "$BATS_FILE_TMPDIR/trust.d"
	cp "$BATS_FILE_TMPDIR/good.pub.pem" "$BATS_FILE_TMPDIR/trust.d/good.pem"
}

setup() {
	setup_common
	GOOD=$BATS_FILE_TMPDIR/good.pem
	OTHER=$BATS_FILE_TMPDIR/other.pem
	TRUST=$BATS_FILE_TMPDIR/trust.d
	MOUNTS=()
	# Nothing from the host's configuration: our own (empty) policy file,
	# which configures Hologram (permissive), our trust store, no endpoint.
	unset_hologram_env
	echo '{}' >"$TESTDIR/policy.json"
	export HOLOGRAM_POLICY=$TESTDIR/policy.json
	export HOLOGRAM_TRUST_DIR=$TRUST
	set_args sh -c 'echo ran'
}

teardown() {
	local m
	for m in "${MOUNTS[@]}"; do
		umount -l "$m" 2>/dev/null || true
	done
	teardown_common
}

# Every variable that configures Hologram (options.c), and the one this
# suite used before v1.1.
unset_hologram_env() {
	unset HOLOGRAM_POLICY HOLOGRAM_ENFORCE HOLOGRAM_DISABLE HOLOGRAM_VERBOSE HOLOGRAM_WITNESS_ENDPOINT \
		HOLOGRAM_WITNESS_TIMEOUT_MS HOLOGRAM_WITNESS_PUBKEY HOLOGRAM_TRUST_DIR HOLOGRAM_REQUIRE_SEALED \
		HOLOGRAM_VERIFY_TIMEOUT_MS HOLOGRAM_NET HOLOGRAM_CTP96_ENDPOINT HOLOGRAM_CTP96_TIMEOUT_MS \
		HOLOGRAM_POLICY_FILE
}

need_holo() {
	[ "$RUNTIME_KIND" = holo ] || skip "holo's built-in policy (RUNTIME is $RUNTIME_KIND)"
}

hid() {
	"$HOLO" --root "$ROOT" hologram id "$@"
}

# ---------------------------------------------------------------- witnesses

# make_witness KEY UOR_ID [EXPIRES] [SUBJECT_ID]: a DSSE envelope made with
# openssl only.
make_witness() {
	local key=$1 id=$2 expires=${3:-} subject=${4:-$2} d keyid
	d=$(mktemp -d "$TESTDIR/w.XXXXXX")
	printf '%s' "$(jq -cn --arg id "$id" --arg sub "${subject#uor:sha256:}" --arg exp "$expires" \
		'{_type: "https://in-toto.io/Statement/v1",
		  subject: [{name: "rootfs", digest: {sha256: $sub}}],
		  predicateType: "urn:hologram:witness:v1",
		  predicate: ({uor_id: $id, issued_at: "2024-01-01T00:00:00Z"}
		              + (if $exp == "" then {} else {expires_at: $exp} end))}')" >"$d/payload"
	{
		printf 'DSSEv1 %d %s %d ' ${#PAYLOAD_TYPE} "$PAYLOAD_TYPE" "$(stat -c %s "$d/payload")"
		cat "$d/payload"
	} >"$d/pae"
	openssl pkeyutl -sign -rawin -inkey "$key" -in "$d/pae" -out "$d/sig"
	keyid=$(openssl pkey -in "$key" -pubout -outform DER | sha256sum | cut -d' ' -f1)
	jq -cn --arg p "$(base64 -w0 "$d/payload")" --arg s "$(base64 -w0 "$d/sig")" --arg k "$keyid" \
		--arg t "$PAYLOAD_TYPE" '{payloadType: $t, payload: $p, signatures: [{keyid: $k, sig: $s}]}'
}

bundle_id() {
	hid "$BUNDLE"
}

# verify_bundle: "holo hologram verify $BUNDLE" into $status/$output.
verify_bundle() {
	run "$HOLO" --root "$ROOT" hologram verify "$BUNDLE"
}

# ----------------------------------------------------------------- trees

# The tree every UOR-ID test starts from: every entry type, odd names,
# modes and owners, a hard link and a file big enough for parallel hashing.
make_tree() {
	local t=$1
	mkdir -p "$t/dir/sub" "$t/empty"
	printf 'hello' >"$t/file"
	printf '' >"$t/zero"
	head -c 12M /dev/urandom >"$t/big"
	printf 'x' >"$t/sp ace"
	printf 'y' >"$t/new"$'\n'"line"
	printf 'z' >"$t/per%cent"
	printf 'w' >"$t/caf"$'\xc3\xa9'
	printf 'v' >"$t/raw"$'\xff\x01\x7f'
	printf 'u' >"$t/dir/sub/deep"
	ln -s file "$t/link"
	ln -s /nonexistent/target "$t/dangling"
	ln -s "../../sp ace" "$t/dir/sub/up"
	ln "$t/file" "$t/dir/hardlink"
	mkfifo "$t/fifo"
	mknod "$t/null" c 1 3
	mknod "$t/loop" b 7 0
	chown 1234:5678 "$t/file" "$t/dir"
	chown -h 42:43 "$t/link"
	chmod 4755 "$t/file"
	chmod 1777 "$t/dir"
	chmod 0000 "$t/zero"
	chmod 0640 "$t/fifo"
	chmod 0700 "$t/empty"
}

# copy_reversed SRC DST: the same tree, created in reverse name order with
# other timestamps and new inodes.
copy_reversed() {
	python3 - "$1" "$2" <<-'EOF'
		import os, shutil, stat, sys
		src, dst = map(os.fsencode, sys.argv[1:3])
		def copy(rel):
		    names = sorted(os.listdir(os.path.join(src, rel) if rel else src), reverse=True)
		    for n in names:
		        r = os.path.join(rel, n) if rel else n
		        sp, dp = os.path.join(src, r), os.path.join(dst, r)
		        st = os.lstat(sp)
		        m = st.st_mode
		        if stat.S_ISDIR(m):
		            os.mkdir(dp)
		            copy(r)
		        elif stat.S_ISREG(m):
		            shutil.copyfile(sp, dp)
		        elif stat.S_ISLNK(m):
		            os.symlink(os.readlink(sp), dp)
		        elif stat.S_ISFIFO(m):
		            os.mkfifo(dp)
		        elif stat.S_ISCHR(m) or stat.S_ISBLK(m):
		            os.mknod(dp, m, st.st_rdev)
		        os.lchown(dp, st.st_uid, st.st_gid)
		        if not stat.S_ISLNK(m):
		            os.chmod(dp, stat.S_IMODE(m))
		        os.utime(dp, ns=(123456789, 987654321), follow_symlinks=False)
		os.mkdir(dst)
		copy(b"")
	EOF
}

# ------------------------------------------------------------------ UOR-ID

@test "hologram: UOR-ID of every entry type, odd names, modes and owners matches the reference" {
	local t=$TESTDIR/tree
	make_tree "$t"
	run -0 hid --no-cache "$t"
	local id=$output
	[[ "$id" =~ ^uor:sha256:[0-9a-f]{64}$ ]]
	run -0 python3 "$UOR_REF" "$t"
	check_output "$id"
	# The lines the reference hashed contain what the spec says.
	run -0 python3 "$UOR_REF" "$t" --lines
	check_contains "f 4755 1234 5678 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824 ./file"
	check_contains "d 1777 1234 5678 - ./dir"
	check_contains "l 0777 42 43 $(printf file | sha256sum | cut -d' ' -f1) ./link"
	check_contains "c 0644 0 0 1,3 ./null"
	check_contains "b 0644 0 0 7,0 ./loop"
	check_contains "p 0640 0 0 - ./fifo"
	check_contains " ./sp%20ace"
	check_contains " ./new%0Aline"
	check_contains " ./per%25cent"
	check_contains " ./caf%C3%A9"
	check_contains " ./raw%FF%01%7F"
}

@test "hologram: UOR-ID ignores timestamps, inode numbers, directory order and sockets" {
	local t=$TESTDIR/tree
	make_tree "$t"
	local id
	id=$(hid --no-cache "$t")
	copy_reversed "$t" "$TESTDIR/copy"
	run -0 hid --no-cache "$TESTDIR/copy"
	check_output "$id"
	touch -d '2001-02-03 04:05:06' "$t/file" "$t/dir"
	python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$t/dir/sock"
	run -0 hid --no-cache "$t"
	check_output "$id"
}

@test "hologram: UOR-ID changes with content, mode, owner, link target and name" {
	local t=$TESTDIR/tree id
	make_tree "$t"
	id=$(hid --no-cache "$t")
	local -a changes=(
		"printf 'hellp' >'$t/file'"
		"chmod 0755 '$t/file'"
		"chown 1234:5679 '$t/file'"
		"ln -sfn other '$t/link'"
		"mv '$t/sp ace' '$t/sp_ace'"
		"mkdir '$t/empty/new'"
		"rm '$t/fifo'"
	)
	local c seen=$id
	for c in "${changes[@]}"; do
		eval "$c"
		run -0 hid --no-cache "$t"
		[ "$output" != "$seen" ] || {
			echo "UOR-ID did not change after: $c"
			return 1
		}
		seen=$output
		run -0 python3 "$UOR_REF" "$t"
		check_output "$seen"
	done
}

@test "hologram: a mount point gets its line but is not descended into" {
	local t=$TESTDIR/tree id
	mkdir -p "$t/mnt"
	printf a >"$t/a"
	id=$(hid --no-cache "$t")
	mount -t tmpfs -o mode=0755 tmpfs "$t/mnt"
	MOUNTS+=("$t/mnt")
	printf hidden >"$t/mnt/inside"
	run -0 hid --no-cache "$t"
	check_output "$id"
	run -0 python3 "$UOR_REF" "$t"
	check_output "$id"
}

@test "hologram: id of a bundle is the id of its root.path" {
	run -0 hid "$BUNDLE/rootfs"
	local id=$output
	run -0 hid "$BUNDLE"
	check_output "$id"
	run -0 python3 "$UOR_REF" "$BUNDLE/rootfs"
	check_output "$id"
	run -1 hid "$TESTDIR/no-such-dir"
}

@test "hologram: the cache never changes a result (same size, mtime put back)" {
	local t=$TESTDIR/tree
	mkdir -p "$t"
	printf '0123456789' >"$t/f"
	printf 'other' >"$t/g"
	# Digests of files changed in the last 2 s are not cached.
	sleep 2.5
	run -0 --separate-stderr hid --stats "$t"
	local id=$output
	check_contains "cached 0" stderr
	run -0 --separate-stderr hid --stats "$t"
	check_output "$id"
	check_contains "files 2 cached 2" stderr
	local mtime
	mtime=$(stat -c %y "$t/f")
	printf '0123456780' >"$t/f"
	touch -d "$mtime" "$t/f"
	[ "$(stat -c %y "$t/f")" = "$mtime" ]
	run -0 --separate-stderr hid --stats "$t"
	[ "$output" != "$id" ]
	check_contains "cached 1" stderr
	local changed=$output
	run -0 hid --no-cache "$t"
	check_output "$changed"
	run -0 python3 "$UOR_REF" "$t"
	check_output "$changed"
	# The cache lives under the state root.
	compgen -G "$ROOT/hologram-cache/uor-*.cache" >/dev/null
}

@test "hologram: the cache keeps one file per tree, the 64 most recently used" {
	local i
	for i in $(seq 1 70); do
		mkdir -p "$TESTDIR/trees/$i"
		echo "$i" >"$TESTDIR/trees/$i/f"
	done
	sleep 2.5
	for i in $(seq 1 70); do
		hid "$TESTDIR/trees/$i" >/dev/null
	done
	[ "$(find "$ROOT/hologram-cache" -name 'uor-*.cache' | wc -l)" -eq 64 ]
	# The most recent trees are still cached.
	run -0 --separate-stderr hid --stats "$TESTDIR/trees/70"
	check_contains "cached 1" stderr
}

@test "hologram: concurrent runs share the cache safely" {
	local t=$TESTDIR/tree i
	make_tree "$t"
	local id
	id=$(hid --no-cache "$t")
	sleep 2.1
	for i in 1 2 3 4 5 6; do
		hid "$t" >"$TESTDIR/out.$i" &
	done
	wait
	for i in 1 2 3 4 5 6; do
		[ "$(cat "$TESTDIR/out.$i")" = "$id" ]
	done
	run -0 hid "$t"
	check_output "$id"
}

# --------------------------------------------------------------- witnesses

@test "hologram: a witness made with openssl verifies; sign writes one openssl accepts" {
	local id
	id=$(bundle_id)
	make_witness "$GOOD" "$id" >"$BUNDLE/hologram.witness.json"
	verify_bundle
	check_status 0
	check_contains "$id"
	check_contains "ok: witness from hologram.witness.json"

	rm "$BUNDLE/hologram.witness.json"
	run -0 "$HOLO" --root "$ROOT" hologram sign --key "$GOOD" --expires 2999-01-01T00:00:00Z "$BUNDLE"
	check_output "$id"
	local w=$BUNDLE/hologram.witness.json
	jq -r .payload "$w" | base64 -d >"$TESTDIR/payload"
	jq -r '.signatures[0].sig' "$w" | base64 -d >"$TESTDIR/sig"
	[ "$(jq -r .payloadType "$w")" = "$PAYLOAD_TYPE" ]
	[ "$(jq -r '.signatures[0].keyid' "$w")" = \
		"$(openssl pkey -in "$GOOD" -pubout -outform DER | sha256sum | cut -d' ' -f1)" ]
	[ "$(jq -r .predicate.uor_id "$TESTDIR/payload")" = "$id" ]
	[ "$(jq -r '.subject[0].digest.sha256' "$TESTDIR/payload")" = "${id#uor:sha256:}" ]
	[ "$(jq -r ._type "$TESTDIR/payload")" = https://in-toto.io/Statement/v1 ]
	[ "$(jq -r .predicateType "$TESTDIR/payload")" = urn:hologram:witness:v1 ]
	[ "$(jq -r .predicate.expires_at "$TESTDIR/payload")" = 2999-01-01T00:00:00Z ]
	{
		printf 'DSSEv1 %d %s %d ' ${#PAYLOAD_TYPE} "$PAYLOAD_TYPE" "$(stat -c %s "$TESTDIR/payload")"
		cat "$TESTDIR/payload"
	} >"$TESTDIR/pae"
	run -0 openssl pkeyutl -verify -rawin -pubin -inkey "$BATS_FILE_TMPDIR/good.pub.pem" \
		-in "$TESTDIR/pae" -sigfile "$TESTDIR/sig"
	verify_bundle
	check_status 0
}

@test "hologram: tampered, untrusted, wrong subject, expired and malformed witnesses are refused" {
	local id w=$BUNDLE/hologram.witness.json good
	id=$(bundle_id)
	good=$(make_witness "$GOOD" "$id")
	local other_payload
	other_payload=$(make_witness "$GOOD" "$id" 2999-01-01T00:00:00Z | jq -r .payload)

	jq -c --arg p "$other_payload" '.payload = $p' <<<"$good" >"$w"
	verify_bundle
	check_status 1
	check_contains "violation: witness from $BUNDLE/hologram.witness.json: bad signature"

	local sig
	sig=$(jq -r '.signatures[0].sig' <<<"$good" | base64 -d | python3 -c \
		'import sys,base64; b=bytearray(sys.stdin.buffer.read()); b[0]^=1; print(base64.b64encode(b).decode())')
	jq -c --arg s "$sig" '.signatures[0].sig = $s' <<<"$good" >"$w"
	verify_bundle
	check_status 1
	check_contains "bad signature"

	make_witness "$OTHER" "$id" >"$w"
	verify_bundle
	check_status 1
	check_contains "untrusted key"

	make_witness "$GOOD" "uor:sha256:$(printf '%064d' 0)" >"$w"
	verify_bundle
	check_status 1
	check_contains "wrong subject"

	# The subject matches but predicate.uor_id names another tree.
	make_witness "$GOOD" "uor:sha256:$(printf '%064d' 0)" "" "$id" >"$w"
	verify_bundle
	check_status 1
	check_contains "wrong subject: predicate.uor_id"

	make_witness "$GOOD" "$id" 2001-01-01T00:00:00Z >"$w"
	verify_bundle
	check_status 1
	check_contains "expired"

	printf '{"payloadType": "x", "payload": ' >"$w"
	verify_bundle
	check_status 1
	check_contains "malformed witness"

	jq -c '.payload = "!!not base64!!"' <<<"$good" >"$w"
	verify_bundle
	check_status 1
	check_contains "malformed witness: payload: invalid base64"

	jq -c '.signatures = []' <<<"$good" >"$w"
	verify_bundle
	check_status 1
	check_contains "malformed witness"

	# No trusted key at all.
	printf '%s' "$good" >"$w"
	HOLOGRAM_TRUST_DIR=$TESTDIR/empty verify_bundle
	check_status 1
	check_contains "no trusted keys"
}

@test "hologram: several signatures, one good, is enough; HOLOGRAM_WITNESS_PUBKEY is trusted too" {
	local id good bad
	id=$(bundle_id)
	good=$(make_witness "$GOOD" "$id")
	bad=$(make_witness "$OTHER" "$id")
	jq -c --argjson b "$bad" '.signatures = $b.signatures + .signatures' <<<"$good" >"$BUNDLE/hologram.witness.json"
	[ "$(jq '.signatures | length' "$BUNDLE/hologram.witness.json")" -eq 2 ]
	verify_bundle
	check_status 0

	make_witness "$OTHER" "$id" >"$BUNDLE/hologram.witness.json"
	verify_bundle
	check_status 1
	HOLOGRAM_WITNESS_PUBKEY=$BATS_FILE_TMPDIR/other.pub.pem verify_bundle
	check_status 0
	HOLOGRAM_WITNESS_PUBKEY=$TESTDIR/missing.pem verify_bundle
	check_status 1
	check_contains "HOLOGRAM_WITNESS_PUBKEY"
}

@test "hologram: a witness in the annotation org.hologram.witness" {
	local id
	id=$(bundle_id)
	update_config '.annotations["org.hologram.witness"] = $w' --arg w "$(make_witness "$GOOD" "$id" | base64 -w0)"
	verify_bundle
	check_status 0
	check_contains "ok: witness from annotation org.hologram.witness"
	update_config '.annotations["org.hologram.witness"] = "%%%"'
	verify_bundle
	check_status 1
	check_contains "annotation org.hologram.witness: malformed witness: invalid base64"
	# A later source that verifies is used.
	make_witness "$GOOD" "$id" >"$BUNDLE/hologram.witness.json"
	verify_bundle
	check_status 0
}

# ------------------------------------------------------------------ policy

# run_container [ENV...]: "holo run" of the bundle with the environment.
run_container() {
	run env "$@" HOLO_TEST_MARKER="$TEST_MARKER" timeout --kill-after=5 "$RT_TIMEOUT" \
		"$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$CID"
}

# check_refused: the last run failed and left nothing (state, cgroup,
# process, hook side effect).
check_refused() {
	check_failed
	local saved_output=$output saved_status=$status
	check_nothing_left "$CID"
	output=$saved_output status=$saved_status
	local cg
	cg=$(find /sys/fs/cgroup -name "*$CID*" 2>/dev/null | head -1)
	[ -z "$cg" ] || {
		echo "cgroup left: $cg"
		return 1
	}
	[ ! -e "$TESTDIR/hook-ran" ] || {
		echo "a hook ran"
		return 1
	}
	output=$saved_output status=$saved_status
}

add_touch_hook() {
	update_config '.hooks[$k] = [{path: "/usr/bin/touch", args: ["touch", $f]}]' \
		--arg k "$1" --arg f "$TESTDIR/hook-ran"
}

# listen_port PORT: records every connection to 127.0.0.1:PORT and
# [::1]:PORT in $TESTDIR/connections; sets LISTENER_READY once listening.
listen_port() {
	python3 - "$1" "$TESTDIR/connections" "$TESTDIR/listening" </dev/null >/dev/null 2>&1 3>&- <<-'EOF' &
		import select, socket, sys
		port, log, ready = int(sys.argv[1]), sys.argv[2], sys.argv[3]
		socks = []
		for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
		    try:
		        s = socket.socket(fam)
		        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		        s.bind((addr, port))
		        s.listen(16)
		        socks.append(s)
		    except OSError:
		        pass
		open(ready, "w").write("%d\n" % len(socks))
		while True:
		    for s in select.select(socks, [], [])[0]:
		        c, peer = s.accept()
		        open(log, "a").write("%s\n" % (peer,))
		        c.close()
	EOF
	BACKGROUND_PIDS+=("$!")
	disown "$!"
	wait_for_file "$TESTDIR/listening"
}

@test "hologram: unconfigured: holo run computes, prints and contacts nothing" {
	need_holo
	[ ! -e /etc/hologram/policy.json ] || skip "this host has /etc/hologram/policy.json"
	unset_hologram_env
	listen_port 8081
	[ "$(cat "$TESTDIR/listening")" -gt 0 ] || skip "port 8081 is in use"
	update_config '.process.args = ["sh", "-c", "echo ran; echo err >&2"]'
	run --separate-stderr "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$CID"
	check_status 0
	check_output "ran"
	# The container's own stderr line, and not one byte from holo.
	[ "$stderr" = err ] || {
		echo "stderr: $stderr"
		return 1
	}
	[ ! -e "$ROOT/hologram-cache" ]
	[ ! -s "$TESTDIR/connections" ]
	# The state JSON is runc's: no XHologram, no hologram annotation.
	update_config '.process.args = ["holo-check", "loop"]'
	rt create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1 3>&-
	run -0 rt state "$CID"
	[ "$(jq -c 'keys' <<<"$output")" = '["annotations","bundle","created","id","ociVersion","owner","pid","rootfs","status"]' ]
	[ "$(jq -c '.annotations | keys' <<<"$output")" = '[]' ]
	run -0 rt delete --force "$CID"
	[ ! -s "$TESTDIR/connections" ]
}

@test "hologram: configured permissive: no witness warns and the container runs" {
	need_holo
	run_container
	check_status 0
	check_contains "ran"
	check_contains "hologram: permissive: $CID: no witness for uor:sha256:"
	check_contains "no witness endpoint is configured"
}

@test "hologram: with --log the permissive warning goes to the log, not to the container's stdio" {
	need_holo
	run --separate-stderr "$RUNTIME" --root "$ROOT" --log "$TESTDIR/log.json" --log-format json \
		run --bundle "$BUNDLE" "$CID"
	check_status 0
	check_output "ran"
	[ -z "$stderr" ] || {
		echo "stderr: $stderr"
		return 1
	}
	run -0 jq -r 'select(.level == "warning") | .msg' "$TESTDIR/log.json"
	check_contains "hologram: permissive: $CID: no witness for uor:sha256:"
}

@test "hologram: an org.hologram.* annotation alone configures Hologram for that container" {
	need_holo
	unset_hologram_env
	update_config '.annotations["org.hologram.uor-id"] = "uor:sha256:0000"'
	run_container
	check_status 0
	check_contains "hologram: permissive: $CID: pinned UOR-ID uor:sha256:0000"
}

@test "hologram: the policy file: every key; environment over file; annotations only tighten" {
	need_holo
	local id
	id=$(bundle_id)
	start_server 200
	make_witness "$GOOD" "$id" >"$SRV/witness.json"
	unset HOLOGRAM_TRUST_DIR
	jq -n --arg t "$TRUST" --arg e "$SRV_URL" '{mode: "enforce", trust_dir: $t, witness_endpoint: $e,
		witness_timeout_ms: 1000, verify_timeout_ms: 60000, require_sealed: false, verbose: false,
		net: "none", ctp96_endpoint: "http://127.0.0.1:9"}' \
		>"$HOLOGRAM_POLICY"
	# trust_dir and witness_endpoint come from the file.
	run_container
	check_status 0
	check_contains "ran"
	grep -q "^GET /v1/witness/$id " "$SRV/requests"
	# The environment overrides the file, key by key.
	run_container HOLOGRAM_WITNESS_ENDPOINT=http://127.0.0.1:9
	check_refused
	check_contains "hologram: enforce: no witness for $id (witness endpoint http://127.0.0.1:9"
	check_contains "(enforced by policy file $HOLOGRAM_POLICY)"
	run_container HOLOGRAM_WITNESS_ENDPOINT=http://127.0.0.1:9 HOLOGRAM_ENFORCE=0
	check_status 0
	check_contains "hologram: permissive: $CID: no witness"
	# An annotation tightens (enforce) but cannot loosen.
	update_config '.annotations["org.hologram.enforce"] = "true"'
	run_container HOLOGRAM_WITNESS_ENDPOINT=http://127.0.0.1:9 HOLOGRAM_ENFORCE=0
	check_refused
	check_contains "(enforced by annotation org.hologram.enforce=true)"
	update_config '.annotations["org.hologram.enforce"] = "false"'
	run_container HOLOGRAM_WITNESS_ENDPOINT=http://127.0.0.1:9
	check_refused
	check_contains "(enforced by policy file $HOLOGRAM_POLICY)"
}

@test "hologram: a bad policy file or variable fails closed, naming the problem" {
	need_holo
	echo '{"mode": "enforce", "witness_endpiont": "http://x"}' >"$HOLOGRAM_POLICY"
	run_container
	check_refused
	check_contains "hologram: enforce: policy file $HOLOGRAM_POLICY: unknown key \`witness_endpiont\`"
	echo '{"mode": "strict"}' >"$HOLOGRAM_POLICY"
	run_container
	check_refused
	check_contains "mode: must be \"off\", \"permissive\" or \"enforce\""
	echo '{"verify_timeout_ms": "soon"}' >"$HOLOGRAM_POLICY"
	run_container
	check_refused
	check_contains "verify_timeout_ms: must be a number of milliseconds"
	# A policy file named by HOLOGRAM_POLICY must exist.
	run_container HOLOGRAM_POLICY="$TESTDIR/missing.json"
	check_refused
	check_contains "policy file $TESTDIR/missing.json: cannot read it"
	echo '{}' >"$HOLOGRAM_POLICY"
	run_container HOLOGRAM_WITNESS_TIMEOUT_MS=soon
	check_refused
	check_contains "HOLOGRAM_WITNESS_TIMEOUT_MS=soon: not a number of milliseconds"
}

@test "hologram: enforce without a witness fails before any hook, leaving nothing behind" {
	need_holo
	add_touch_hook prestart
	add_touch_hook createRuntime
	run_container HOLOGRAM_ENFORCE=1
	check_refused
	check_contains "hologram: enforce: no witness for uor:sha256:"
	check_not_contains "ran"
}

@test "hologram: enforce from the annotation and from the policy file" {
	need_holo
	update_config '.annotations["org.hologram.enforce"] = "true"'
	run_container
	check_refused
	check_contains "hologram: enforce: no witness"
	check_contains "org.hologram.enforce=true"
	# The annotation wins over HOLOGRAM_DISABLE: enforce is never downgraded.
	run_container HOLOGRAM_DISABLE=1
	check_refused

	update_config 'del(.annotations["org.hologram.enforce"])'
	echo '{"mode": "enforce"}' >"$HOLOGRAM_POLICY"
	run_container
	check_refused
	check_contains "policy file $HOLOGRAM_POLICY"
	echo 'garbage' >"$HOLOGRAM_POLICY"
	run_container
	check_refused
	check_contains "invalid"
}

@test "hologram: off (HOLOGRAM_DISABLE=1 or the policy file) computes nothing" {
	need_holo
	run_container HOLOGRAM_DISABLE=1
	check_status 0
	check_not_contains "hologram"
	[ ! -e "$ROOT/hologram-cache" ]
	echo '{"mode": "off"}' >"$HOLOGRAM_POLICY"
	run_container
	check_status 0
	check_not_contains "hologram"
	[ ! -e "$ROOT/hologram-cache" ]
}

@test "hologram: enforce with a valid witness runs the container" {
	need_holo
	make_witness "$GOOD" "$(bundle_id)" >"$BUNDLE/hologram.witness.json"
	run_container HOLOGRAM_ENFORCE=1
	check_status 0
	check_contains "ran"
	check_not_contains "hologram"
	# From the annotation only.
	update_config '.annotations["org.hologram.witness"] = $w' --arg w "$(base64 -w0 "$BUNDLE/hologram.witness.json")"
	rm "$BUNDLE/hologram.witness.json"
	run_container HOLOGRAM_ENFORCE=1
	check_status 0
	check_contains "ran"
}

@test "hologram: enforce refuses an expired or untrusted witness, naming the reason" {
	need_holo
	make_witness "$GOOD" "$(bundle_id)" 2001-01-01T00:00:00Z >"$BUNDLE/hologram.witness.json"
	run_container HOLOGRAM_ENFORCE=1
	check_refused
	check_contains "hologram: enforce: witness from $BUNDLE/hologram.witness.json: expired"
	make_witness "$OTHER" "$(bundle_id)" >"$BUNDLE/hologram.witness.json"
	run_container HOLOGRAM_ENFORCE=1
	check_refused
	check_contains "untrusted key"
	# Permissive: the same witness only warns.
	run_container
	check_status 0
	check_contains "untrusted key"
}

@test "hologram: a pinned UOR-ID that differs is a violation whatever the witness says" {
	need_holo
	local id
	id=$(bundle_id)
	make_witness "$GOOD" "$id" >"$BUNDLE/hologram.witness.json"
	update_config '.annotations["org.hologram.uor-id"] = $p' --arg p "uor:sha256:$(printf '%064d' 1)"
	run_container HOLOGRAM_ENFORCE=1
	check_refused
	check_contains "pinned UOR-ID uor:sha256:$(printf '%064d' 1)"
	check_contains "differs from the computed $id"
	verify_bundle
	check_status 1
	update_config '.annotations["org.hologram.uor-id"] = $p' --arg p "$id"
	run_container HOLOGRAM_ENFORCE=1
	check_status 0
	check_contains "ran"
}

@test "hologram: the rootfs changed after signing is refused in enforce mode" {
	need_holo
	make_witness "$GOOD" "$(bundle_id)" >"$BUNDLE/hologram.witness.json"
	echo evil >"$BUNDLE/rootfs/etc/motd"
	run_container HOLOGRAM_ENFORCE=1
	check_refused
	check_contains "wrong subject"
}

@test "hologram: verbose state has XHologram and the annotations; without verbose it is runc's" {
	need_holo
	local id
	id=$(bundle_id)
	make_witness "$GOOD" "$id" >"$BUNDLE/hologram.witness.json"
	update_config '.process.args = ["holo-check", "loop"]'
	HOLOGRAM_VERBOSE=1 rt create --bundle "$BUNDLE" "$CID" </dev/null >"$TESTDIR/create.out" 2>&1 3>&-
	grep -q "hologram: permissive: $CID: $id, witness from hologram.witness.json" "$TESTDIR/create.out"
	run -0 rt state "$CID"
	[ "$(jq -c .XHologram <<<"$output")" = "{\"uor_id\":\"$id\",\"witness_ok\":true,\"reason\":null,\"sealed\":false,\"vpi_lease\":null}" ]
	[ "$(jq -r '.annotations["org.hologram.uor-id"]' <<<"$output")" = "$id" ]
	[ "$(jq -r '.annotations["org.hologram.witness-ok"]' <<<"$output")" = true ]
	run -0 rt delete --force "$CID"

	rm "$BUNDLE/hologram.witness.json"
	local cid2
	cid2=$(new_id)
	HOLOGRAM_VERBOSE=1 rt create --bundle "$BUNDLE" "$cid2" </dev/null >/dev/null 2>&1 3>&-
	run -0 rt state "$cid2"
	[ "$(jq -r .XHologram.witness_ok <<<"$output")" = false ]
	[[ "$(jq -r .XHologram.reason <<<"$output")" == "no witness for $id"* ]]
	[ "$(jq -r '.annotations["org.hologram.witness-ok"]' <<<"$output")" = false ]
	run -0 rt delete --force "$cid2"

	# Not verbose: exactly runc's fields, no hologram annotation.
	rt create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1 3>&-
	run -0 rt state "$CID"
	[ "$(jq -c 'keys' <<<"$output")" = '["annotations","bundle","created","id","ociVersion","owner","pid","rootfs","status"]' ]
	[ "$(jq -c '.annotations | keys' <<<"$output")" = '[]' ]
}

# ---------------------------------------------------------------- endpoint

# start_server [MODE]: the local witness/CTP-96 server; sets $SRV, $SRV_URL.
start_server() {
	SRV=$TESTDIR/srv
	mkdir -p "$SRV"
	echo "${1:-404}" >"$SRV/mode"
	python3 "$BATS_TEST_DIRNAME/hologram_server.py" "$SRV" </dev/null >/dev/null 2>&1 3>&- &
	BACKGROUND_PIDS+=("$!")
	disown "$!"
	wait_for_file "$SRV/port"
	SRV_URL=http://127.0.0.1:$(cat "$SRV/port")
}

@test "hologram: witness endpoint: 200, 404, 500, timeout, redirect refused, garbage" {
	local id
	id=$(bundle_id)
	start_server 200
	export HOLOGRAM_WITNESS_ENDPOINT=$SRV_URL/
	make_witness "$GOOD" "$id" >"$SRV/witness.json"
	verify_bundle
	check_status 0
	check_contains "ok: witness from endpoint"
	grep -qx "GET /v1/witness/$id " "$SRV/requests"

	echo 404 >"$SRV/mode"
	verify_bundle
	check_status 1
	check_contains "no witness for $id (witness endpoint $SRV_URL: HTTP 404)"

	echo 500 >"$SRV/mode"
	verify_bundle
	check_status 1
	check_contains "HTTP 500"

	echo hang >"$SRV/mode"
	local start=$SECONDS
	HOLOGRAM_WITNESS_TIMEOUT_MS=300 verify_bundle
	check_status 1
	check_contains "no witness"
	[ $((SECONDS - start)) -lt 5 ]

	echo redirect >"$SRV/mode"
	verify_bundle
	check_status 1
	check_contains "HTTP 302 (redirects are not followed)"
	! grep -q "GET /ok/" "$SRV/requests" || false

	echo garbage >"$SRV/mode"
	verify_bundle
	check_status 1
	check_contains "witness from the witness endpoint: malformed witness"

	# Nothing listening: a transport error is "no witness".
	HOLOGRAM_WITNESS_ENDPOINT=http://127.0.0.1:9 verify_bundle
	check_status 1
	check_contains "no witness for $id"
}

@test "hologram: enforce with the witness from the endpoint runs the container" {
	need_holo
	start_server 200
	make_witness "$GOOD" "$(bundle_id)" >"$SRV/witness.json"
	run_container HOLOGRAM_ENFORCE=1 HOLOGRAM_WITNESS_ENDPOINT="$SRV_URL"
	check_status 0
	check_contains "ran"
	echo hang >"$SRV/mode"
	run_container HOLOGRAM_ENFORCE=1 HOLOGRAM_WITNESS_ENDPOINT="$SRV_URL" HOLOGRAM_WITNESS_TIMEOUT_MS=200
	check_refused
	check_contains "hologram: enforce: no witness"
}

# ------------------------------------------------------------------ CTP-96

@test "hologram: CTP-96 lease at create is the vpi_lease; the session is closed at delete" {
	need_holo
	local id
	id=$(bundle_id)
	start_server 404
	make_witness "$GOOD" "$id" >"$BUNDLE/hologram.witness.json"
	update_config '.process.args = ["holo-check", "loop"]'
	HOLOGRAM_NET=ctp96 HOLOGRAM_CTP96_ENDPOINT=$SRV_URL HOLOGRAM_VERBOSE=1 HOLOGRAM_ENFORCE=1 \
		rt create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1 3>&-
	run -0 rt state "$CID"
	local lease sid
	lease=$(jq -r .XHologram.vpi_lease <<<"$output")
	[[ "$lease" == lease-* ]]
	[ "$(jq -r .XHologram.witness_ok <<<"$output")" = true ]
	run -0 grep "^POST /v1/sessions " "$SRV/requests"
	[ "$(cut -d' ' -f3- <<<"$output" | jq -r .uor_id)" = "$id" ]
	[ "$(cut -d' ' -f3- <<<"$output" | jq -r .container_id)" = "$CID" ]
	sid=sess-${lease#lease-}
	! grep -q "^DELETE" "$SRV/requests" || false
	run -0 rt delete --force "$CID"
	grep -qx "DELETE /v1/sessions/$sid " "$SRV/requests"
}

@test "hologram: CTP-96 without a lease: enforce refuses, permissive warns" {
	need_holo
	start_server 404
	make_witness "$GOOD" "$(bundle_id)" >"$BUNDLE/hologram.witness.json"
	echo 503 >"$SRV/ctp96_status"
	run_container HOLOGRAM_NET=ctp96 HOLOGRAM_CTP96_ENDPOINT="$SRV_URL" HOLOGRAM_ENFORCE=1
	check_refused
	check_contains "hologram: enforce: no CTP-96 lease: POST $SRV_URL/v1/sessions: HTTP 503"
	run_container HOLOGRAM_NET=ctp96 HOLOGRAM_CTP96_ENDPOINT=http://127.0.0.1:9
	check_status 0
	check_contains "no CTP-96 lease"
	check_contains "ran"
}

# -------------------------------------------------------------------- hook

# use_hook STAGE [ENV...]: holo-hologram-hook as the STAGE hook, with our
# isolated configuration plus ENV.
use_hook() {
	local stage=$1
	shift
	update_config '.hooks[$s] = [{path: $p, args: ["holo-hologram-hook", "--root", $r], env: $ARGS.positional}]' \
		--arg s "$stage" --arg p "$HOOK" --arg r "$TESTDIR/hookroot" \
		--args "HOLOGRAM_POLICY=$HOLOGRAM_POLICY" "HOLOGRAM_TRUST_DIR=$TRUST" \
		"$@"
}

# run_with RUNTIME: "RUNTIME run" of the bundle, state in its own root.
run_with() {
	run rt_as "$1" run --bundle "$BUNDLE" "$CID"
}

check_runtime_refused() {
	local r=$1
	check_failed
	local saved_output=$output saved_status=$status
	run rt_as "$r" state "$CID"
	check_failed
	check_no_processes
	output=$saved_output status=$saved_status
}

@test "hologram hook: enforce under runc refuses a container without a witness" {
	[ -x /usr/sbin/runc ] || skip "no runc"
	add_shared_dir
	update_config '.process.args = ["touch", "/shared/ran"]'
	use_hook prestart HOLOGRAM_ENFORCE=1
	run_with /usr/sbin/runc
	check_runtime_refused /usr/sbin/runc
	check_contains "hologram: enforce: no witness for uor:sha256:"
	[ ! -e "$SHARED/ran" ]

	make_witness "$GOOD" "$(bundle_id)" >"$BUNDLE/hologram.witness.json"
	run_with /usr/sbin/runc
	check_status 0
	[ -e "$SHARED/ran" ]
}

@test "hologram hook: createRuntime under runc; the annotation alone enforces; permissive runs" {
	[ -x /usr/sbin/runc ] || skip "no runc"
	use_hook createRuntime
	run_with /usr/sbin/runc
	check_status 0
	check_contains "ran"
	update_config '.annotations["org.hologram.enforce"] = "true"'
	run_with /usr/sbin/runc
	check_runtime_refused /usr/sbin/runc
	check_contains "hologram: enforce: no witness"
	check_contains "org.hologram.enforce=true"
}

@test "hologram hook: enforce under crun" {
	[ -x /usr/bin/crun ] || skip "no crun"
	# Debian's crun 1.8 refuses ociVersion 1.2.0.
	update_config '.ociVersion = "1.0.2"'
	run_with /usr/bin/crun
	[ "$status" -eq 0 ] || skip "crun cannot run a container on this host: $output"
	use_hook prestart HOLOGRAM_ENFORCE=1
	run_with /usr/bin/crun
	check_runtime_refused /usr/bin/crun
	check_contains "hologram: enforce: no witness"
	make_witness "$GOOD" "$(bundle_id)" >"$BUNDLE/hologram.witness.json"
	run_with /usr/bin/crun
	check_status 0
	check_contains "ran"
}

@test "hologram hook: CTP-96 session opened by the hook, closed by its poststop" {
	[ -x /usr/sbin/runc ] || skip "no runc"
	start_server 404
	make_witness "$GOOD" "$(bundle_id)" >"$BUNDLE/hologram.witness.json"
	use_hook prestart HOLOGRAM_NET=ctp96 "HOLOGRAM_CTP96_ENDPOINT=$SRV_URL"
	update_config '.hooks.poststop = [{path: $p, args: ["holo-hologram-hook", "--root", $r, "poststop"],
		env: ["HOLOGRAM_NET=ctp96"]}]' --arg p "$HOOK" --arg r "$TESTDIR/hookroot"
	run_with /usr/sbin/runc
	check_status 0
	grep -q "^POST /v1/sessions " "$SRV/requests"
	grep -q "^DELETE /v1/sessions/sess-" "$SRV/requests"
	[ ! -e "$TESTDIR/hookroot/sessions/$CID.json" ]
}
