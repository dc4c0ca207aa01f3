#!/bin/bash
# SPDX-License-Identifier: MIT
# make check: run every stage in scripts/check.d in order and add up the results.
#
# Each stage is an executable that reports outcomes with result() from
# scripts/lib.sh. A stage that exits non-zero without reporting a failure is
# counted as one failure of its own, so nothing can fail silently.
#
# Environment: AKIDA_STAGES="10 20" runs only the stages with those prefixes.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

start=$(date +%s)
rm -f "$AKIDA_RESULTS"
: > "$AKIDA_RESULTS"

for stage in "$AKIDA_TOP"/scripts/check.d/*; do
	[ -x "$stage" ] || continue
	name=$(basename "$stage")
	if [ -n "${AKIDA_STAGES:-}" ]; then
		case " $AKIDA_STAGES " in *" ${name%%-*} "*) ;; *) continue ;; esac
	fi
	echo "==== stage $name ($(($(date +%s) - start)) s) ===="
	before=$(grep -c '^FAIL' "$AKIDA_RESULTS")
	"$stage"
	rc=$?
	after=$(grep -c '^FAIL' "$AKIDA_RESULTS")
	if [ $rc -ne 0 ] && [ "$after" = "$before" ]; then
		result FAIL "stage/$name" "exited $rc"
	fi
done

pass=$(grep -c '^PASS' "$AKIDA_RESULTS")
fail=$(grep -c '^FAIL' "$AKIDA_RESULTS")
skip=$(grep -c '^SKIP' "$AKIDA_RESULTS")
echo
echo "==== summary ($(($(date +%s) - start)) s) ===="
grep '^FAIL' "$AKIDA_RESULTS" | sed 's/^/  /'
grep '^SKIP' "$AKIDA_RESULTS" | sed 's/^/  /'
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
