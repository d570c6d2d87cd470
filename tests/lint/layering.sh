#!/bin/bash
# The walls between rooms (ARCHITECTURE.md): the holo command (src/runtime/)
# uses libcontainer and Hologram through their public headers only.  Fails
# (TAP "not ok") on an #include of any other project header.
#   bash tests/lint/layering.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
public='^(libcontainer/libcontainer\.h|hologram/hologram\.h)$'
bad=$(for f in src/runtime/*.c src/runtime/*.h; do
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" | while read -r inc; do
		# The command's own headers sit beside it.
		[ -f "src/runtime/$inc" ] && continue
		[[ $inc =~ $public ]] || echo "$f: #include \"$inc\""
	done
done)
if [ -n "$bad" ]; then
	echo "not ok layering: src/runtime/ includes internal headers ($(echo "$bad" | wc -l))"
	echo "$bad" | sed 's/^/#   /'
	exit 1
fi
echo "ok layering: src/runtime/ includes only the public headers"
