#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Removing a device during its verification ends that verification: the
# daemon records the removal and keeps running, and the device that
# reappears at the same address is verified afresh, never accepted on the
# old run's verdict. The removal cancels the removed function's refresh in
# flight (the TSM's refresh_cancel op), but a sibling's refresh still holds
# the slot lock, so the removal may wait for that one (bounded by the
# responder timeout). Administrator overrides (tsmctl deny / accept) are
# recorded with rule "admin".
# vm: timeout=300
. /ptsm/tests/daemon-lib.sh
trap daemon_cleanup EXIT

daemon_modules
fixture_load good
policy_install good
config_write
responder_start good --delay-ms 5000
daemon_start
tsmctl watch > /tmp/watch.log 2>&1 &
WPID=$!
wait_pending $EP0 30
echo 1 > $PCI/$EP0/remove || fail "remove $EP0"
n=0
until grep -q -E "$EP0: (removed|denied: device removed during verification)" $DLOG; do
	n=$((n + 1))
	[ $n -le 20 ] || fail "no removal record within 20 s"
	sleep 1
done
daemon_alive || fail "daemon died on removal"

responder_start good
echo 1 > /sys/bus/pci/rescan || fail "rescan"
wait_for $PCI/$EP0/tsm/lock 20
got=$(wait_decided $EP0 120)
expect_eq accepted "$got" "$EP0 after it came back ($(field $EP0 Reason))"
# the daemon saw the removal, then began a fresh run for the new device
awk -v d="$EP0:" 'index($0, d " removed") || index($0, d " denied: device removed") { r = NR }
	r && NR > r && index($0, d " pending") { p = 1 }
	END { exit !(r && p) }' $DLOG ||
	{ cat $DLOG; fail "the new device was not verified afresh"; }

# Administrator overrides: EP0 has no driver (no driver_override here),
# so deny may unlock it even in RUN; accept brings it back.
tsmctl deny $EP0 || fail "tsmctl deny $EP0"
expect_eq denied "$(decision $EP0)" "after tsmctl deny"
expect_eq admin "$(field $EP0 Rule)" "rule after tsmctl deny"
expect_eq 0 "$(cat $PCI/$EP0/tsm/accept)" "tsm/accept after tsmctl deny"
tsmctl reload || fail "reload"
sleep 2
expect_eq denied "$(decision $EP0)" "an administrator's deny survives a reload"
tsmctl accept $EP0 || fail "tsmctl accept $EP0"
expect_eq accepted "$(decision $EP0)" "after tsmctl accept"
expect_eq admin "$(field $EP0 Rule)" "rule after tsmctl accept"
expect_eq 1 "$(cat $PCI/$EP0/tsm/accept)" "tsm/accept after tsmctl accept"
tsmctl accept 0000:00:00.0 && fail "accept of a non-TEE device was not refused"
tsmctl accept nonsense; expect_eq 2 "$?" "usage error exit status"
kill $WPID 2>/dev/null
daemon_alive || fail "daemon died"
log "PASS"
