#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Harness self-test: a test that never finishes. The harness must kill it at
# its timeout and report FAIL ("timed out"). Checked by
# tests/vm/selftest/check.sh; never part of "all".
# vm: timeout=5
. /ptsm/lib.sh

log "sleeping forever"
sleep 100000
exit 0
