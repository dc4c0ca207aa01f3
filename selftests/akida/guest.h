/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ABSENT(): what a selftest does when the device, its driver binding or the
 * emulator's test window is missing. On a machine that may lack the board it
 * is a SKIP, like any kselftest; inside the test guest, where all of them must
 * be there (scripts/vmrun.py's init exports AKIDA_TEST_GUEST=1), it is a
 * failure: a suite must not pass because the driver never bound.
 */
#ifndef AKIDA_GUEST_H
#define AKIDA_GUEST_H

#include <stdlib.h>

static inline int akida_in_test_guest(void)
{
	const char *v = getenv("AKIDA_TEST_GUEST");

	return v && v[0] == '1';
}

#define ABSENT(statement, fmt, ...) do {					\
	if (akida_in_test_guest()) {						\
		TH_LOG("missing in the test guest: " fmt, ##__VA_ARGS__);	\
		ASSERT_TRUE(0);							\
	}									\
	SKIP(statement, fmt, ##__VA_ARGS__);					\
} while (0)

#endif /* AKIDA_GUEST_H */
