#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The three-way deadlock of issue 14 E: rmmod devsec_tsm, a write to
# tsm/lock and a write to sriov_numvfs. The devsec sample has no SR-IOV
# device, so tests/kmod/ptsm_test_devlock does what sriov_numvfs=0 does
# (remove a function while holding the PF's device lock):
#   1. "sriov_numvfs": EP0's device lock held, 3 s later EP0F1 removed
#      (the removal takes pci_tsm's ptsm_pdevs_lock in the bus notifier);
#   2. a write of EP0's tsm/lock, which waits for EP0's device lock;
#   3. rmmod devsec_tsm, which removes EP0's tsm/lock under
#      ptsm_pdevs_lock and so waits for the lock store to end.
# Each waited for the next. Now all three end: devsec_tsm goes, the lock
# store fails (its TSM is gone), EP0F1 is removed. The same with the
# functions coming back (sriov_numvfs=N) instead.
# vm: timeout=180
. /ptsm/tests/core-lib.sh

P=/sys/module/ptsm_test_devlock/parameters

# finished PID... : wait up to 30 s for every PID to end
finished() {
	local p i

	for p in "$@"; do
		i=0
		while kill -0 "$p" 2> /dev/null; do
			i=$((i + 1))
			[ $i -lt 300 ] || return 1
			usleep 100000
		done
	done
	return 0
}

# three_way WHAT CMD...: CMD holds EP0's device lock for 3 s and then adds
# or removes a function; meanwhile a lock store of EP0 and rmmod devsec_tsm
three_way() {
	local what=$1 h l r

	shift
	( "$@"; echo $? > /tmp/rc.held ) &
	h=$!
	usleep 500000
	( sysfs_write "$(tf $EP0 lock)" "$SEC" > /tmp/rc.l; mv /tmp/rc.l /tmp/rc.lock ) &
	l=$!
	usleep 500000
	( rmmod devsec_tsm; echo $? > /tmp/rc.rmmod ) &
	r=$!
	finished $h $l $r ||
		fail "$what: deadlock: device lock holder $(cat /tmp/rc.held 2> /dev/null || echo stuck), lock store $(cat /tmp/rc.lock 2> /dev/null || echo stuck), rmmod $(cat /tmp/rc.rmmod 2> /dev/null || echo stuck)"
	log "$what: held $(cat /tmp/rc.held), lock store $(cat /tmp/rc.lock), rmmod $(cat /tmp/rc.rmmod)"
	expect_eq 0 "$(cat /tmp/rc.held)" "$what: the device lock holder"
	expect_eq 0 "$(cat /tmp/rc.rmmod)" "$what: rmmod devsec_tsm"
	# the store ran after its TSM was gone: ENXIO (no such devsec TSM),
	# or ENOENT/EINVAL when the write raced the file's removal
	case "$(cat /tmp/rc.lock)" in
	ENXIO|ENOENT|EINVAL|ENODEV) ;;
	*) fail "$what: lock store: $(cat /tmp/rc.lock)" ;;
	esac
	[ "$(tdisp_state $EP0)" -eq 0 ] || fail "$what: $EP0 left locked"
}

core_stack
ptsm_load ptsm_test_devlock

rm -f /tmp/rc.*
three_way "remove under the device lock" sysfs_write $P/remove_under "$EP0 $EP0F1 3000"
[ -e $PCI/$EP0F1 ] && fail "$EP0F1 not removed"

ptsm_load devsec_tsm
SEC=$(tsm_by_mode devsec) || fail "no devsec TSM after reload"
rm -f /tmp/rc.*
three_way "rescan under the device lock" sysfs_write $P/rescan_under "$EP0 3000"
wait_for $PCI/$EP0F1

ptsm_load devsec_tsm
SEC=$(tsm_by_mode devsec) || fail "no devsec TSM after reload"
wait_for "$(tf $EP0F1 lock)"
expect_ok "$(tf $EP0F1 lock)" "$SEC"
expect_ok "$(tf $EP0F1 unlock)" "$SEC"
core_cleanup
exit 0
