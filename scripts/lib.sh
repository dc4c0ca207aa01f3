# SPDX-License-Identifier: MIT
# Common shell helpers for the check stages. Source it; do not run it.
#
# Every stage reports its outcomes through result(), one line per test, into
# $AKIDA_RESULTS; scripts/check.sh adds them up at the end.

AKIDA_TOP=${AKIDA_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
AKIDA_CACHE=${AKIDA_CACHE:-$HOME/.cache/akida}
AKIDA_OUT=${AKIDA_OUT:-$AKIDA_TOP/out}
AKIDA_RESULTS=${AKIDA_RESULTS:-$AKIDA_OUT/results.txt}
export AKIDA_TOP AKIDA_CACHE AKIDA_OUT AKIDA_RESULTS
mkdir -p "$AKIDA_CACHE" "$AKIDA_OUT"

# The Debian kernels we build for and boot (their headers come from apt).
akida_kernels() {
	local d
	for d in /usr/src/linux-headers-6.1.*-amd64 /usr/src/linux-headers-6.12.*-amd64; do
		[ -d "$d" ] && basename "$d" | sed 's/^linux-headers-//'
	done | sort -V
}

# result STATUS NAME [DETAIL...]: STATUS is PASS, FAIL or SKIP.
result() {
	local st=$1 name=$2
	shift 2
	printf '%s %s%s\n' "$st" "$name" "${*:+ # $*}" >> "$AKIDA_RESULTS"
	printf '[%s] %s%s\n' "$st" "$name" "${*:+ ($*)}"
}

# run_logged NAME LOGFILE CMD...: run CMD, PASS/FAIL as NAME; on failure print
# the last lines of its log.
run_logged() {
	local name=$1 log=$2
	shift 2
	if "$@" > "$log" 2>&1; then
		result PASS "$name"
	else
		result FAIL "$name" "see $log"
		echo "---- last lines of $log ----"
		tail -n 40 "$log"
		echo "----"
		return 1
	fi
}

die() {
	echo "error: $*" >&2
	exit 1
}

# akida_resolve_kernel NAME: a full version, "debug", a prefix like 6.12 or a
# suffix like akidadbg;
# prints the full version of a kernel we have headers or a cached tree for.
akida_resolve_kernel() {
	local want=$1 v
	[ "$want" = debug ] && want=akidadbg	# scripts/debug-kernel.sh's suffix
	if [ -d "$AKIDA_CACHE/kernels/$want" ] || [ -d "/usr/src/linux-headers-$want" ]; then
		echo "$want"
		return 0
	fi
	for v in $(akida_kernels) $(ls "$AKIDA_CACHE/kernels" 2>/dev/null); do
		case $v in "$want".*|"$want"-*|*-"$want") echo "$v"; return 0 ;; esac
	done
	return 1
}
