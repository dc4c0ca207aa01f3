#!/bin/bash
# SPDX-License-Identifier: MIT
# vm-suite.sh NAME KERNEL [vmrun.py args...]: run the selftest suite of tier
# NAME in a guest and record each test's outcome as NAME/<binary>/<test>.
# The tier runs the binaries of selftests/akida/manifest/NAME.cases and fails
# on a missing or extra case and on any skip not in manifest/NAME.skips.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

name=$1 kernel=$2
shift 2
if ! ver=$(akida_resolve_kernel "$kernel"); then
	result FAIL "$name/kernel" "no kernel $kernel (scripts/fetch.sh)"
	exit 1
fi
log=$AKIDA_OUT/$name.log
echo "vm-suite: $name on $ver (log $log)"
"$AKIDA_TOP/scripts/vmrun.py" --kernel "$ver" --suite --quiet --prefix "$name" --tier "$name" \
	--results "$AKIDA_RESULTS" "$@" > "$log" 2>&1
rc=$?
# vmrun.py already recorded every outcome; show failures and the totals here.
sed -n '/^---- /,$p' "$log" | head -300
grep -E "^$name: [0-9]+ passed" "$log" || { tail -40 "$log"; }
exit $rc
