#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Harness self-test: load and unload a well-behaved test-only module. Must
# PASS (tests/vm/selftest/check.sh checks that the harness has no false alarm).
# vm: timeout=60
. /ptsm/lib.sh

ptsm_load ptsm_selftest_clean
ptsm_is_loaded ptsm_selftest_clean || fail "ptsm_selftest_clean not loaded"
ptsm_unload ptsm_selftest_clean
ptsm_is_loaded ptsm_selftest_clean && fail "ptsm_selftest_clean still loaded"
expect_eq OK "$(sysfs_write /proc/sys/kernel/printk_ratelimit 5)" "sysfs_write helper"
expect_errno ENOENT /sys/kernel/no-such-file 1
exit 0
