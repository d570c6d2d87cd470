#!/bin/bash
# Fails (TAP "not ok") when a room reaches past a wall (ARCHITECTURE.md,
# "Walls"): libcontainer knows nothing of Hologram (the caller hands it an
# extension, libcontainer/extension.h); the CLI and the hook use
# src/hologram only through its public header hologram/hologram.h; only
# src/hologram/options.c reads HOLOGRAM_* variables.
set -uo pipefail
cd "$(dirname "$0")/../.."
status=0
# report NAME HITS: "ok" when HITS is empty.
report() {
	if [ -n "$2" ]; then
		echo "not ok walls: $1"
		echo "$2" | sed 's/^/#   /'
		status=1
	else
		echo "ok walls: $1"
	fi
}
lib=$(git ls-files 'src/libcontainer/*.c' 'src/libcontainer/*.h')
cli=$(git ls-files 'src/runtime/*.c' 'src/runtime/*.h' 'src/hooks/*.c')
report "libcontainer includes nothing of src/hologram" \
	"$(echo "$lib" | xargs grep -nE '#include "(\.\./)*hologram/')"
report "libcontainer reads no HOLOGRAM_* variable" "$(echo "$lib" | xargs grep -n 'HOLOGRAM_')"
report "the CLI and the hook include only hologram/hologram.h of src/hologram" \
	"$(echo "$cli" | xargs grep -n '#include "hologram/' | grep -v '#include "hologram/hologram.h"')"
report "only src/hologram/options.c reads HOLOGRAM_* variables" \
	"$(git ls-files 'src/*.c' | grep -v '^src/hologram/options.c$' | xargs grep -nE 'getenv \("HOLOGRAM_')"
exit $status
