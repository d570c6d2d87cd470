#!/bin/bash
# Builds holo and runs a real container with it, on a fresh Debian 12
# machine, as root, offline (Debian's archive only):
#   sudo bash tests/quickstart.sh
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
need=()
for p in build-essential autoconf automake libtool pkg-config libyajl-dev libseccomp-dev libcap-dev \
	libcurl4-openssl-dev libssl-dev libselinux1-dev libapparmor-dev protobuf-c-compiler libprotobuf-c-dev \
	busybox-static jq; do
	dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

[ -x configure ] || ./autogen.sh >/dev/null 2>&1
[ -f Makefile ] || ./configure -q
make -j"$(nproc)" >/dev/null

# A busybox bundle, made offline from busybox-static.
B=$(mktemp -d /tmp/holo-quickstart.XXXXXX)
mkdir -p "$B/rootfs/bin" "$B/rootfs/proc" "$B/rootfs/dev" "$B/rootfs/sys" "$B/rootfs/tmp"
cp /usr/bin/busybox "$B/rootfs/bin/busybox"
for a in $("$B/rootfs/bin/busybox" --list); do
	[ "$a" = busybox ] || ln -s busybox "$B/rootfs/bin/$a"
done
./holo spec --bundle "$B"
jq '.process.terminal = false
    | .process.args = ["sh", "-c", "echo hello from a holo container; echo \"hostname: $(hostname)\"; echo \"pid: $$\"; id; uname -a; ls /"]' \
	"$B/config.json" >"$B/config.json.new" && mv "$B/config.json.new" "$B/config.json"

echo "--- holo run (bundle $B)"
status=0
./holo run --bundle "$B" "quickstart-$$" || status=$?
echo "--- exit status $status"
rm -rf "$B"
exit "$status"
