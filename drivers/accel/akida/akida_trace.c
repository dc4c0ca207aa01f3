// SPDX-License-Identifier: GPL-2.0
/*
 * akida_pcie: the tracepoints' definitions. The events themselves, and why
 * Kbuild gives this file -I$(src), are in akida_trace.h.
 */
#define CREATE_TRACE_POINTS
#include "akida_trace.h"
