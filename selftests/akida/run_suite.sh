#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in the test guest: every selftest binary in /akida/selftests (or the
# ones named as arguments), each framed by markers that scripts/vmrun.py
# parses, each under a time limit so one hung test cannot stall the suite.
dir=/akida/selftests
limit=${AKIDA_TEST_TIMEOUT:-600}
if [ $# -gt 0 ]; then
	tests="$*"
else
	tests=$(cd $dir && ls | sort)
fi
# Pages pinned system-wide (FOLL_PIN), per-CPU counters flushed first.
pins() {
	echo 1 > /proc/sys/vm/stat_refresh 2>/dev/null
	awk '$1 == "nr_foll_pin_acquired" { a = $2 } $1 == "nr_foll_pin_released" { r = $2 }
	     END { print a - r }' /proc/vmstat
}
# Pins a test binary may leave to others (counter drift).
pin_slack=8
for t in $tests; do
	[ -x "$dir/$t" ] || { echo "@@TEST-BEGIN $t"; echo "no such test"; echo "@@TEST-END $t rc=127"; continue; }
	echo "@@TEST-BEGIN $t"
	p0=$(pins)
	timeout -s KILL "$limit" "$dir/$t" 2>&1
	rc=$?
	# Every pin taken by the driver for the test is released by its end.
	p1=$(pins)
	if [ $((p1 - p0)) -gt $pin_slack ]; then
		echo "run_suite: $t left $((p1 - p0)) pages pinned (nr_foll_pin_acquired - nr_foll_pin_released)"
		[ $rc -eq 0 ] && rc=1
	fi
	echo "@@TEST-END $t rc=$rc"
	# A test must leave the device bound to the driver for the next one; a
	# test that does not, or a rebind that fails, fails the suite
	# (scripts/vmrun.py turns @@SUITE-ERROR lines into failures).
	bound() { ls /sys/bus/pci/drivers/akida_pcie 2>/dev/null | grep -q ':'; }
	if [ ! -d /sys/module/akida_pcie ]; then
		echo "run_suite: $t left akida_pcie unloaded; loading it" >&2
		modprobe akida_pcie ${akida_params:-} ||
			echo "@@SUITE-ERROR modprobe akida_pcie after $t failed"
	elif ! bound; then
		echo "run_suite: $t left the device unbound; rebinding" >&2
		for d in /sys/bus/pci/devices/*; do
			[ "$(cat $d/vendor)" = 0x1e7c ] || continue
			[ -e $d/driver ] && echo "${d##*/}" > $d/driver/unbind
			echo "${d##*/}" > /sys/bus/pci/drivers/akida_pcie/bind ||
				echo "@@SUITE-ERROR rebinding ${d##*/} after $t failed"
		done
	fi
	bound || echo "@@SUITE-ERROR no device bound to akida_pcie after $t"
done
exit 0
