#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# TDISP ERROR (ABI 5): a security-relevant config change (memory decode
# off, a BAR write) of a locked or accepted function puts the emulated TDI
# in ERROR. devsec_bus reports it from a work item to devsec_tsm, which
# tells pci_tsm (ptsm_pci_tdisp_error()). Then, as ABI 5 says (Accepted <=>
# RUN; encrypted MMIO only for accepted devices): accept reads 0, the "PCI
# MMIO Encrypted" ranges are gone, lock and bound still name the TSM,
# accept is refused (EINVAL) and only unlock leaves; after unlock the
# function locks and is accepted again.
# An ERROR reported while the accept op runs (the devsec_tsm.error_on_accept
# hook) makes the accept fail with EIO and leaves the function held.
# Also: a TDI bound through the link TSM is not reported (pci_tsm only
# tracks ERROR for devsec locks); a report pending while the function is
# removed, devsec_bus unloads or devsec_tsm unloads leaves no trace on the
# function that comes back.
# vm: timeout=240
. /ptsm/tests/core-lib.sh

# decode_off DEV: turn memory decode on (if needed), off, and on again
decode_off() {
	local cmd

	cmd=$(cfg_read "$1" 4 2)
	cfg_write "$1" 4 2 $((cmd | 2))
	cfg_write "$1" 4 2 $((cmd & ~2))
	cfg_write "$1" 4 2 $((cmd | 2))
}

# bar_poke DEV: write all-ones to BAR0 (a sizing write), then restore it
bar_poke() {
	local bar

	bar=$(cfg_read "$1" 16 4)
	cfg_write "$1" 16 4 $((0xffffffff))
	cfg_write "$1" 16 4 "$bar"
	expect_eq "$bar" "$(cfg_read "$1" 16 4)" "$1 BAR0 restored"
}

# mark TAG: put a unique mark in the kernel log; since_mark prints what
# followed it (the caller checks has_mark first where an empty answer
# would pass)
NMARK=0
mark() {
	NMARK=$((NMARK + 1))
	MARK="core-tdisp-error mark $NMARK $1"
	echo "$MARK" > /dev/kmsg
}

has_mark() {
	dmesg | grep -q "$MARK" || fail "the kernel log lost the mark '$MARK'"
}

since_mark() {
	dmesg | awk -v m="$MARK" 'f; index($0, m) { f = 1 }'
}

# wait_error DEV: wait up to 10 s for pci_tsm to treat DEV as in ERROR:
# accept is EINVAL there (EBUSY in RUN, EIO from the TSM while pci_tsm
# still thinks LOCKED). pci_tsm and devsec_tsm logged it after the mark.
wait_error() {
	local i=0 got

	while :; do
		got=$(sysfs-write "$(tf "$1" accept)" 1)
		[ "$got" = EINVAL ] && break
		[ "$got" = EBUSY ] || [ "$got" = EIO ] ||
			fail "$1: accept while waiting for ERROR: $got"
		i=$((i + 1))
		[ $i -le 100 ] || fail "$1: pci_tsm never heard of the TDISP ERROR"
		usleep 100000
	done
	has_mark
	since_mark | grep -q "$1: .*TDISP ERROR: only unlock leaves this state" ||
		fail "$1: no pci_tsm ERROR line"
	since_mark | grep -q "$1: .*TDISP ERROR (reason [0-9]*) reported to pci_tsm" ||
		fail "$1: no devsec_tsm report line"
}

# in_error DEV: the pci_tsm view of a locked function in ERROR
in_error() {
	expect_eq 3 "$(tdisp_state "$1")" "$1 emulated TDISP state"
	expect_eq 0 "$(rd "$1" accept)" "$1 accept in ERROR"
	expect_eq 0 "$(encrypted_in_bar0 "$1")" "$1 encrypted ranges in ERROR"
	expect_eq "$SEC" "$(rd "$1" lock)" "$1 lock in ERROR"
	# bound exists on PF0 only (docs/deviations.md)
	if [ -e "$(tf "$1" bound)" ]; then
		expect_eq "$SEC" "$(rd "$1" bound)" "$1 bound in ERROR"
	fi
	expect_errno EINVAL "$(tf "$1" accept)" 1
	expect_eq 0 "$(rd "$1" accept)" "$1 accept after a refused accept"
	expect_eq 0 "$(encrypted_in_bar0 "$1")" "$1 encrypted ranges after a refused accept"
}

# lock_accept DEV: lock and accept DEV, check it counts as accepted
lock_accept() {
	expect_ok "$(tf "$1" lock)" "$SEC"
	expect_ok "$(tf "$1" accept)" 1
	expect_eq 1 "$(rd "$1" accept)" "$1 accept after accept"
	[ "$(encrypted_in_bar0 "$1")" -ge 1 ] || fail "$1: no encrypted range after accept"
}

# unlock_clean DEV: unlock from ERROR; DEV is unlocked on both sides
unlock_clean() {
	expect_ok "$(tf "$1" unlock)" "$SEC"
	expect_eq 0 "$(tdisp_state "$1")" "$1 emulated TDISP state after unlock"
	expect_eq "" "$(rd "$1" lock)" "$1 lock after unlock"
	expect_eq 0 "$(encrypted_in_bar0 "$1")" "$1 encrypted ranges after unlock"
}

# settled DEV: DEV stays accepted for a second (no stale ERROR report)
settled() {
	sleep 1
	expect_eq 1 "$(rd "$1" accept)" "$1 still accepted a second after accept"
	expect_eq 2 "$(tdisp_state "$1")" "$1 emulated TDISP state"
}

core_stack

# LOCKED -> ERROR: pci_tsm hears of it; accept is refused by pci_tsm itself
expect_ok "$(tf $EP1F1 lock)" "$SEC"
expect_eq 1 "$(tdisp_state $EP1F1)" "emulated TDISP state after lock"
mark $EP1F1.locked
decode_off $EP1F1
wait_error $EP1F1
in_error $EP1F1
unlock_clean $EP1F1

# ERROR reported while the accept op runs: accept fails (EIO) and nothing
# counts as accepted; the hold stays (no accept released it yet)
HOOK=/sys/module/devsec_tsm/parameters/error_on_accept
expect_ok "$(tf $EP1F1 lock)" "$SEC"
echo 1 > $HOOK
mark $EP1F1.accept
expect_errno EIO "$(tf $EP1F1 accept)" 1
echo 0 > $HOOK
has_mark
since_mark | grep -q "$EP1F1: .*TDISP ERROR: only unlock leaves this state" ||
	fail "$EP1F1: no pci_tsm ERROR line for the accept"
since_mark | grep "$EP1F1: .*TDISP RUN: accepted" && fail "$EP1F1: accepted although in ERROR"
since_mark | grep "$EP1F1: .*tsm_shim: attached" && fail "$EP1F1: shim attached although in ERROR"
expect_eq 0 "$(rd $EP1F1 accept)" "$EP1F1 accept after ERROR during accept"
expect_eq 0 "$(encrypted_in_bar0 $EP1F1)" "$EP1F1 encrypted ranges after ERROR during accept"
expect_eq "$SEC" "$(rd $EP1F1 lock)" "$EP1F1 lock after ERROR during accept"
expect_eq pci_tsm_hold "$(driver_of $EP1F1)" "$EP1F1 still held"
expect_errno EINVAL "$(tf $EP1F1 accept)" 1
unlock_clean $EP1F1

# RUN -> ERROR (decode off): accepted no more, TEE MMIO withdrawn
lock_accept $EP1F1
mark $EP1F1.decode
decode_off $EP1F1
wait_error $EP1F1
expect_eq 2 $((($(tdisp_status $EP1F1) >> 8) & 255)) "ERROR reason (decode)"
in_error $EP1F1
since_mark | grep -q "$EP1F1: .*TDISP ERROR (reason 2) reported to pci_tsm" ||
	fail "no devsec_tsm line for the decode report"
unlock_clean $EP1F1
lock_accept $EP1F1
settled $EP1F1

# RUN -> ERROR (BAR write) on PF0 as well
lock_accept $EP1
mark $EP1.bar
bar_poke $EP1
wait_error $EP1
expect_eq 1 $((($(tdisp_status $EP1) >> 8) & 255)) "ERROR reason (BAR)"
in_error $EP1
unlock_clean $EP1
lock_accept $EP1
settled $EP1
core_reset

# a TDI bound through the link TSM goes to ERROR unreported
LDEV=/sys/class/tsm/$LINK/device
expect_ok "$(tf $EP0 connect)" "$LINK"
expect_ok $LDEV/tsm_bind $EP0F1
expect_eq 1 "$(tdisp_state $EP0F1)" "link-bound TDI state"
mark $EP0F1.link
decode_off $EP0F1
expect_eq 3 "$(tdisp_state $EP0F1)" "link-bound TDI state after decode off"
sleep 1
has_mark
since_mark | grep "$EP0F1: .*TDISP ERROR" && fail "a link-bound TDI in ERROR was reported"
expect_eq "$LINK" "$(rd $EP0F1 bound)" "bound of the link-bound TDI in ERROR"
expect_ok $LDEV/tsm_unbind $EP0F1
expect_eq 0 "$(tdisp_state $EP0F1)" "link-bound TDI state after unbind"
expect_ok "$(tf $EP0 disconnect)" "$LINK"

# a report racing the removal of the function: the function that comes
# back is unlocked and is not hit by a stale report
for delay in 0 20000 200000; do
	lock_accept $EP1F1
	decode_off $EP1F1
	usleep $delay
	echo 1 > "$PCI/$EP1F1/remove"
	echo 1 > /sys/bus/pci/rescan
	wait_for "$PCI/$EP1F1/tsm/lock"
	expect_eq "" "$(rd $EP1F1 lock)" "lock after removal in ERROR"
	expect_eq 0 "$(rd $EP1F1 accept)" "accept after removal in ERROR"
	expect_eq 0 "$(tdisp_state $EP1F1)" "emulated TDISP state after removal"
	lock_accept $EP1F1
	settled $EP1F1
	core_reset
done

# a report pending while devsec_bus unloads (the work is cancelled), and
# devsec_tsm unloading with a function in ERROR (unregistration unlocks it)
lock_accept $EP1F1
decode_off $EP1F1
ptsm_unload devsec_bus
ptsm_load devsec_bus
wait_for "$PCI/$EP1F1/tsm/lock"
expect_eq "" "$(rd $EP1F1 lock)" "lock after devsec_bus reload"
expect_eq 0 "$(tdisp_state $EP1F1)" "emulated TDISP state after devsec_bus reload"
expect_ok "$(tf $EP1F1 lock)" "$SEC"
mark $EP1F1.decode
decode_off $EP1F1
wait_error $EP1F1
# pci_tsm has the report; let devsec_bus's work drop its hold on devsec_tsm
# (symbol_put) before rmmod, which would fail while it is held
usleep 200000
ptsm_unload devsec_tsm
expect_eq 0 "$(tdisp_state $EP1F1)" "emulated TDISP state after devsec_tsm unload"
ptsm_load devsec_tsm
SEC=$(tsm_by_mode devsec) || fail "no devsec TSM after reload"
wait_for "$PCI/$EP1F1/tsm/lock"
expect_eq "" "$(rd $EP1F1 lock)" "lock after devsec_tsm reload"
lock_accept $EP1F1
settled $EP1F1
core_cleanup
exit 0
