#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# A policy reload changes the outcome: a device denied under an empty
# policy is accepted after the fixture's rule is installed and the daemon
# reloaded (tsmctl reload), and a device pending during a reload is judged
# under the new policy. A broken policy is refused with file:line and the
# old policy stays in force. SIGHUP reloads too.
# vm: timeout=300
. /ptsm/tests/daemon-lib.sh
trap daemon_cleanup EXIT
# the slow responder below answers within the kernel's wait
DAEMON_RESPONDER_TIMEOUT_MS=10000

daemon_modules
fixture_load good
policy_none
config_write
for d in $(tee_devices); do
	echo devsec_pci > "$PCI/$d/driver_override" || fail "driver_override of $d"
done
responder_start good
daemon_start
got=$(wait_decided $EP0 120)
expect_eq denied "$got" "$EP0 under an empty policy"
expect_eq default "$(field $EP0 Rule)" "rule under an empty policy"
expect_held_unbound $EP0

# A broken policy is refused and changes nothing.
echo "[rule \"broken\"]" > $TSMETC/policy.d/10-broken.conf
echo "match.vendor = banana" >> $TSMETC/policy.d/10-broken.conf
out=$(tsmctl reload 2>&1) && fail "a broken policy was accepted"
echo "$out" | grep -q "10-broken.conf:2" || fail "reload error lacks file:line: $out"
rm -f $TSMETC/policy.d/10-broken.conf
expect_eq denied "$(decision $EP0)" "$EP0 after a refused reload"

# Pending during the reload: the slow run is dropped, the new policy decides.
# The siblings' slow runs are judged again too, and tsmctl still sees EP0
# pending: a refresh in flight holds no lock of the slot.
responder_start good --delay-ms 6000
policy_none
kill -HUP "$DPID"
wait_pending $EP0 30
policy_install good
responder_start good
tsmctl reload || fail "reload refused"
got=$(wait_decided $EP0 120)
expect_eq accepted "$got" "$EP0 after installing the rule ($(field $EP0 Reason))"
wait_for "$PCI/$EP0/driver" 10
expect_eq devsec_pci "$(basename "$(readlink $PCI/$EP0/driver)")" "$EP0 driver"
daemon_alive || fail "daemon died"
log "PASS"
