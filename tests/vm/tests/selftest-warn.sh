#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Harness self-test: load a module whose init does WARN_ON(1). The test
# itself "succeeds", but the harness must report it as FAIL and show the
# WARNING lines (panic_on_warn=1 turns the warning into a panic, so the VM
# dies here). Checked by tests/vm/selftest/check.sh; never part of "all".
# vm: timeout=60
. /ptsm/lib.sh

ptsm_load ptsm_selftest_warn
ptsm_unload ptsm_selftest_warn
exit 0
