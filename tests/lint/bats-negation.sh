#!/bin/bash
# A bare "! cmd" in a bats test asserts nothing: bash's errexit ignores a
# negated command, so the test goes on whatever cmd did (unless it is the
# test's last line).  Write "run ! cmd" or "! cmd || false".  Fails (TAP
# "not ok") on any such line under tests/.
set -uo pipefail
cd "$(dirname "$0")/../.."
bad=$(git ls-files 'tests/*.bats' 'tests/*.bash' | xargs grep -nE '^[[:space:]]+! ' | grep -vE '\|\| (false|return 1|exit 1)[[:space:]]*$')
if [ -n "$bad" ]; then
	echo "not ok bats-negation: $(echo "$bad" | wc -l) bare '! cmd' lines assert nothing (use '! cmd || false')"
	echo "$bad" | sed 's/^/#   /'
	exit 1
fi
echo "ok bats-negation: no bare '! cmd' in the bats suites"
