#!/bin/bash
# SPDX-License-Identifier: MIT
# make vm: an interactive shell in the test guest (kernel: AKIDA_KERNEL, 6.12
# by default). Extra arguments go to scripts/vmrun.py.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
"$AKIDA_TOP/scripts/deps.sh"
"$AKIDA_TOP/scripts/fetch.sh"
exec "$AKIDA_TOP/scripts/vmrun.py" --kernel "${AKIDA_KERNEL:-6.12}" --interactive "$@"
