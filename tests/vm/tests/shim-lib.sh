#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Helpers shared by the shim-*.sh tests (sourced as /ptsm/tests/shim-lib.sh):
# the devsec stack with tsm_shim, devsec_pci binding, the devsec_pci
# self-test and tsm_shim's counters. docs/tsm-shim.md describes both ends.
. /ptsm/tests/devsec-lib.sh

SHIM=/sys/kernel/debug/tsm_shim
DPCI=/sys/kernel/debug/devsec_pci
DRV=/sys/bus/pci/drivers
# The function we lock and accept, and one that is never accepted: the
# control that must keep bouncing.
ACC=$EP0
OTHER=$EP1

# shim_stack [tsm_shim PARAM...]: load everything the shim tests need.
# Without tsm_shim when the first argument is "noshim".
shim_stack() {
	ptsm_load tsm_core
	ptsm_load pci_tsm
	if [ "${1:-}" = noshim ]; then
		shift
	else
		ptsm_load tsm_shim "$@"
	fi
	ptsm_load devsec_bus
	ptsm_load devsec_tsm
	ptsm_load devsec_pci
	wait_for "$PCI/$ACC"
	wait_for "$PCI/$OTHER"
	TSM=$(tsm_by_mode devsec) || fail "no devsec TSM registered"
}

# shim_reload [PARAM...]: unload and load tsm_shim (nothing accepted).
shim_reload() {
	ptsm_unload tsm_shim
	ptsm_load tsm_shim "$@"
}

# release_hold DEV: unbind pci_tsm's attach hold if it holds DEV
release_hold() {
	if [ "$(driver_of "$1")" = pci_tsm_hold ]; then
		expect_ok "$DRV/pci_tsm_hold/unbind" "$1"
	fi
}

# try_bind DEV: bind devsec_pci to DEV; prints OK or the errno name
try_bind() {
	release_hold "$1"
	expect_ok "$PCI/$1/driver_override" devsec_pci
	sysfs_write "$DRV/devsec_pci/bind" "$1"
}

# bind DEV / unbind DEV: devsec_pci on DEV, failing the test otherwise
bind() {
	local r

	r=$(try_bind "$1")
	[ "$r" = OK ] || fail "bind devsec_pci to $1: $r"
	expect_eq devsec_pci "$(driver_of "$1")" "driver of $1"
}

unbind() {
	[ "$(driver_of "$1")" = devsec_pci ] || return 0
	expect_ok "$DRV/devsec_pci/unbind" "$1"
}

# lock_accept DEV / unlock DEV: the TDISP flow through pci_tsm's sysfs
lock_accept() {
	expect_ok "$PCI/$1/tsm/lock" "$TSM"
	expect_ok "$PCI/$1/tsm/accept" 1
	expect_eq 1 "$(cat "$PCI/$1/tsm/accept")" "$1 accepted"
}

unlock() {
	expect_ok "$PCI/$1/tsm/unlock" "$TSM"
}

# selftest DEV: run devsec_pci's self-test on DEV, result in $ST (and logged)
selftest() {
	expect_ok "$DPCI/$1/selftest" 1
	ST=$(cat "$DPCI/$1/selftest")
	log "selftest $1: $(echo "$ST" | tr '\n' ' ')"
}

# kv KEY: value of KEY= in $ST
kv() {
	echo "$ST" | sed -n "s/^$1=//p"
}

# counter DEV NAME: one of tsm_shim's per-device counters
counter() {
	cat "$SHIM/$1/$2"
}

# shim_status KEY: a key of /sys/kernel/debug/tsm_shim/status
shim_status() {
	sed -n "s/^$1=//p" "$SHIM/status"
}

# expect_bounced DEV WHEN / expect_direct DEV WHEN: streaming DMA of DEV
expect_bounced() {
	selftest "$1"
	expect_eq ok "$(kv dma)" "$2: map on $1"
	[ "$(kv in_swiotlb)" = 1 ] ||
		fail "$2: $1 mapped at $(kv dma_addr), outside the swiotlb pool (phys $(kv phys))"
	expect_eq 1 "$(kv bounced)" "$2: $1 bounced"
}

expect_direct() {
	selftest "$1"
	expect_eq ok "$(kv dma)" "$2: map on $1"
	expect_eq "$(kv phys)" "$(kv dma_addr)" "$2: $1 maps directly"
	expect_eq 0 "$(kv in_swiotlb)" "$2: $1 mapping inside the swiotlb pool"
}

# shim_cleanup: unbind, unlock what is locked, unload everything
shim_cleanup() {
	local d

	for d in $ACC $OTHER; do
		[ -e "$PCI/$d" ] || continue
		unbind "$d"
		if [ -n "$(cat "$PCI/$d/tsm/lock" 2>/dev/null)" ]; then
			sysfs_write "$PCI/$d/tsm/unlock" "$TSM" > /dev/null
		fi
	done
	ptsm_unload_all
}

# ---- ptsm_test_observe (tests/kmod): what the kernel did, not our counters
OBS=/sys/kernel/debug/ptsm_test_observe/run
KPLIST=/sys/kernel/debug/kprobes/list
OPTSYSCTL=/proc/sys/debug/kprobes-optimization

# observe DEV: run the observer on DEV, result in $OB (and logged)
observe() {
	expect_ok "$OBS" "$1"
	OB=$(cat "$OBS")
	log "observe $1: $(echo "$OB" | tr '\n' ' ')"
}

# expect_observed DEV WHEN KEY=VALUE...: each KEY of the observation is VALUE
expect_observed() {
	local dev=$1 when=$2 kv

	shift 2
	observe "$dev"
	for kv in "$@"; do
		expect_eq "${kv#*=}" "$(echo "$OB" | sed -n "s/^${kv%%=*}=\([^ ]*\).*/\1/p")" \
			"$when: ${kv%%=*} of $dev"
	done
}

# wait_optimizer: give the kprobe optimizer time (it runs a few jiffies
# after a change), then fail if any redirecting probe is OPTIMIZED
wait_optimizer() {
	local s

	sleep 3
	for s in force_dma_unencrypted __ioremap_caller; do
		if grep "$s+" "$KPLIST" | grep -q OPTIMIZED; then
			fail "$1: probe on $s is OPTIMIZED: $(grep "$s+" "$KPLIST")"
		fi
	done
	log "$1: kprobes: $(grep -E 'force_dma_unencrypted|__ioremap_caller' "$KPLIST" | tr '\n' ';')"
}
