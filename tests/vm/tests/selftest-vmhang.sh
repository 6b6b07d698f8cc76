#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Harness self-test: load a module that halts the CPU forever in its init, hanging
# the whole (single-CPU) VM. The harness must kill QEMU at the wall-clock
# limit and report FAIL ("VM hung"). Checked by tests/vm/selftest/check.sh;
# never part of "all". One kernel is enough.
# vm: timeout=5
# vm: kernel=6.12
# vm: append=ptsm_selftest=vmhang
. /ptsm/lib.sh

ptsm_load ptsm_selftest_hang
exit 0
