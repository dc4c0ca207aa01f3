#!/bin/bash
# SPDX-License-Identifier: MIT
# make check: run every stage in scripts/check.d in order and add up the results.
#
# Each stage is an executable that reports outcomes with result() from
# scripts/lib.sh. A stage that exits non-zero without reporting a failure is
# counted as one failure of its own, so nothing can fail silently; so is a
# stage that reports no passing test at all (it ran nothing). The VM tiers
# judge their own inventory and skips (scripts/vmrun.py --tier).
#
# Environment: AKIDA_STAGES="10 20" runs only the stages with those prefixes;
# AKIDA_STAGE_DIR runs the stages of another folder (scripts/test-check.sh).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

start=$(date +%s)
ran=0
rm -f "$AKIDA_RESULTS"
: > "$AKIDA_RESULTS"

for stage in "${AKIDA_STAGE_DIR:-$AKIDA_TOP/scripts/check.d}"/*; do
	[ -x "$stage" ] || continue
	name=$(basename "$stage")
	if [ -n "${AKIDA_STAGES:-}" ]; then
		case " $AKIDA_STAGES " in *" ${name%%-*} "*) ;; *) continue ;; esac
	fi
	echo "==== stage $name ($(($(date +%s) - start)) s) ===="
	before=$(grep -c '^FAIL' "$AKIDA_RESULTS")
	lines=$(wc -l < "$AKIDA_RESULTS")
	"$stage"
	rc=$?
	after=$(grep -c '^FAIL' "$AKIDA_RESULTS")
	if [ $rc -ne 0 ] && [ "$after" = "$before" ]; then
		result FAIL "stage/$name" "exited $rc"
	fi
	# A stage that ran nothing is not a green stage. grep -c reads all of
	# its input: a reader that stops at the first match (grep -q) kills the
	# writer with SIGPIPE, which pipefail turns into "no match".
	passed=$(tail -n +$((lines + 1)) "$AKIDA_RESULTS" | grep -c '^PASS')
	if [ "${passed:-0}" -eq 0 ]; then
		result FAIL "stage/$name" "reported no passing test: it ran nothing"
	fi
	ran=$((ran + 1))
done
[ "$ran" -gt 0 ] || result FAIL stages "no stage ran (AKIDA_STAGES=${AKIDA_STAGES:-})"

pass=$(grep -c '^PASS' "$AKIDA_RESULTS")
fail=$(grep -c '^FAIL' "$AKIDA_RESULTS")
skip=$(grep -c '^SKIP' "$AKIDA_RESULTS")
echo
echo "==== summary ($(($(date +%s) - start)) s) ===="
grep '^FAIL' "$AKIDA_RESULTS" | sed 's/^/  /'
grep '^SKIP' "$AKIDA_RESULTS" | sed 's/^/  /'
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
