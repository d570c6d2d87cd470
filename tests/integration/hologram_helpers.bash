# Shared by the Hologram suites (hologram.bats, hologram-attacks.bats,
# hologram-containerd.bats): keys, the isolated configuration, witnesses
# made with openssl only, runs that must be refused.

UOR_REF=$BATS_TEST_DIRNAME/uor_ref.py
PAYLOAD_TYPE=application/vnd.in-toto+json
HOLO=${HOLO:-$HOLO_SRC/holo}
HOOK=${HOLO_HOOK:-$HOLO_SRC/holo-hologram-hook}

hologram_setup_file() {
	local k
	for k in good other; do
		openssl genpkey -algorithm ed25519 -out "$BATS_FILE_TMPDIR/$k.pem" 2>/dev/null
		openssl pkey -in "$BATS_FILE_TMPDIR/$k.pem" -pubout -out "$BATS_FILE_TMPDIR/$k.pub.pem"
	done
	mkdir -p "$BATS_FILE_TMPDIR/trust.d"
	cp "$BATS_FILE_TMPDIR/good.pub.pem" "$BATS_FILE_TMPDIR/trust.d/good.pem"
}

hologram_setup() {
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

hologram_teardown() {
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

