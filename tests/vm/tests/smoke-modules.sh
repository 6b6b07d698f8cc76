#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Smoke test: every pci-tsm module loads and unloads cleanly, in both orders
# the contract allows (docs/ABI.md section 1: devsec_bus and the TSM modules
# load and unload in either order; within the TSM stack
# tsm_core < pci_tsm < tsm_shim / devsec_*). Two rounds each, to catch
# state that survives an unload (IDA, class, netlink family, kprobes).
# The harness fails the test on any kernel complaint or unexpected taint.
# vm: timeout=240
. /ptsm/lib.sh

TSM_STACK="tsm_core pci_tsm tsm_shim devsec_link_tsm devsec_tsm"
SAMPLE_HW="devsec_bus devsec_pci"

missing=""
for m in $PTSM_MODULES; do
	[ -f "$PTSM_MODDIR/$m.ko" ] || missing="$missing $m"
done
[ -z "$missing" ] || fail "modules not built (none may be missing):$missing"

reverse() {
	local out="" m

	for m in "$@"; do
		out="$m $out"
	done
	echo $out
}

load_all() {
	local m

	for m in "$@"; do
		ptsm_load "$m"
	done
}

unload_all() {
	local m

	for m in "$@"; do
		ptsm_unload "$m"
		ptsm_is_loaded "$m" && fail "$m still loaded after rmmod"
	done
}

check_clean() {
	local left

	left=$(ptsm_loaded_modules | tr '\n' ' ')
	[ -z "$left" ] || fail "$1: modules still loaded: $left"
	[ ! -e /sys/class/tsm ] || [ -z "$(ls /sys/class/tsm)" ] ||
		fail "$1: /sys/class/tsm not empty after unload: $(ls /sys/class/tsm)"
}

for round in 1 2; do
	log "round $round, order A: TSM stack first, sample hardware second; unload TSMs first"
	load_all $TSM_STACK
	load_all $SAMPLE_HW
	[ -d /sys/class/tsm ] || fail "no /sys/class/tsm with tsm_core loaded"
	log "tsm devices: $(ls /sys/class/tsm | tr '\n' ' ')"
	unload_all $(reverse $TSM_STACK)
	unload_all $(reverse $SAMPLE_HW)
	check_clean "order A round $round"

	log "round $round, order B: sample hardware first, TSM stack second; unload hardware first"
	load_all $SAMPLE_HW
	load_all $TSM_STACK
	log "tsm devices: $(ls /sys/class/tsm | tr '\n' ' ')"
	unload_all $(reverse $SAMPLE_HW)
	unload_all $(reverse $TSM_STACK)
	check_clean "order B round $round"
done
log "all modules loaded and unloaded in both orders"
exit 0
