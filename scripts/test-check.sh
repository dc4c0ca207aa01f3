#!/bin/bash
# SPDX-License-Identifier: MIT
# test-check.sh: the harness tested on itself. Runs scripts/check.sh on stages
# made up for the purpose, in a scratch directory, and checks its verdict:
# a stage that passes many tests is green however fast its output is read, a
# stage that ran nothing is red, a stage that exits non-zero without a failure
# is red, and the summary ends with "N passed, N failed, N skipped".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# verdict NAME WANT_RC WANT_SUMMARY STAGE_BODY...: one check.sh run over
# stages whose bodies are given, one per argument.
verdict() {
	local name=$1 want_rc=$2 want=$3 i=0 body
	shift 3
	rm -rf "$tmp/stages" && mkdir "$tmp/stages"
	for body in "$@"; do
		i=$((i + 1))
		printf '#!/bin/bash\n. "%s/scripts/lib.sh"\n%s\n' "$AKIDA_TOP" "$body" \
			> "$tmp/stages/$i-fake"
		chmod +x "$tmp/stages/$i-fake"
	done
	AKIDA_STAGE_DIR=$tmp/stages AKIDA_RESULTS=$tmp/results.txt AKIDA_STAGES= \
		"$AKIDA_TOP/scripts/check.sh" > "$tmp/$name.log" 2>&1
	local rc=$? got
	got=$(tail -n 1 "$tmp/$name.log")
	if [ "$rc" = "$want_rc" ] && [ "$got" = "$want" ]; then
		result PASS "harness/$name"
	else
		result FAIL "harness/$name" "exit $rc, last line '$got'; want exit $want_rc, '$want'"
		tail -n 20 "$tmp/$name.log"
	fi
}

# Many results written fast: reading them must not race the writer (a
# consumer that stops at the first match used to fail the stage by SIGPIPE).
many='for i in $(seq 1 20000); do echo "PASS many/case-$i-with-a-long-name-to-fill-pipes"; done >> "$AKIDA_RESULTS"'
for run in 1 2 3 4 5; do
	verdict "many-results-$run" 0 "20001 passed, 0 failed, 0 skipped" \
		'result PASS first' "$many"
done
verdict ran-nothing 1 "1 passed, 1 failed, 0 skipped" 'result PASS first' 'true'
verdict skip-only 1 "0 passed, 1 failed, 1 skipped" 'result SKIP only # reason'
verdict exit-silently 1 "2 passed, 1 failed, 0 skipped" 'result PASS a' 'result PASS b; exit 3'
verdict fail-counted 1 "1 passed, 1 failed, 0 skipped" 'result PASS a; result FAIL b # why'
verdict green 0 "2 passed, 0 failed, 1 skipped" 'result PASS a' 'result PASS b; result SKIP c # why'
