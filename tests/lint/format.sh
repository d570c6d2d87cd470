#!/bin/bash
# Fails (TAP "not ok") when a C file under src/ or tests/ differs from what
# clang-format makes of it with the project's .clang-format.
#   bash tests/lint/format.sh          check
#   bash tests/lint/format.sh --fix    rewrite the files in place
set -uo pipefail
cd "$(dirname "$0")/../.."
files=$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 2>/dev/null)
if ! command -v clang-format >/dev/null; then
	echo "not ok format: clang-format is not installed"
	exit 1
fi
if [ "${1:-}" = --fix ]; then
	echo "$files" | xargs clang-format -i
	exit 0
fi
drift=$(for f in $files; do clang-format --dry-run "$f" 2>&1 | grep -q 'warning:' && echo "$f"; done)
if [ -n "$drift" ]; then
	echo "not ok format: clang-format would change $(echo "$drift" | wc -l) files (run bash tests/lint/format.sh --fix)"
	echo "$drift" | sed 's/^/#   /'
	exit 1
fi
echo "ok format: $(echo "$files" | wc -l) files match .clang-format"
