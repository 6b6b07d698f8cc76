#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# tsm-verifierd accepts a device whose evidence satisfies the policy: it
# locks it, reads the evidence with a fresh nonce (signed by
# devsec-responder), verifies it, VALIDATEs the generation, accepts it and
# lets its driver (devsec_pci, chosen with driver_override) bind. A device
# bound to a driver before the daemon starts is kept, never locked.
# vm: timeout=240
. /ptsm/tests/daemon-lib.sh
trap daemon_cleanup EXIT

daemon_modules
fixture_load good
policy_install good
config_write
responder_start good
for d in $(tee_devices); do
	echo devsec_pci > "$PCI/$d/driver_override" || fail "driver_override of $d"
done

daemon_start
got=$(wait_decided $EP0 120)
expect_eq accepted "$got" "decision for $EP0 (reason: $(field $EP0 Reason))"
expect_eq 1 "$(cat $PCI/$EP0/tsm/accept)" "$EP0 tsm/accept"
wait_for "$PCI/$EP0/driver" 10
expect_eq devsec_pci "$(basename "$(readlink $PCI/$EP0/driver)")" "$EP0 driver"
expect_eq fixture-$ALG "$(field $EP0 Rule)" "rule of $EP0"
log "$EP0 accepted by rule $(field $EP0 Rule), devsec_pci bound"

# The evidence summary names what was judged.
tsmctl show $EP0 | grep -q "Certificate chain" || fail "tsmctl show lacks the chain"
tsmctl show --json $EP0 | grep -q '"measurements"' || fail "tsmctl show --json lacks measurements"
# list --json carries the ABI keys
for k in device vendor device_id state decision rule reason generation; do
	tsmctl list --json | grep -q "\"$k\"" || fail "tsmctl list --json lacks $k"
done

# Every other TEE function was decided too, and nothing is left pending.
for d in $(tee_devices); do
	got=$(wait_decided "$d" 60)
	case "$got" in
	accepted|denied|kept) log "$d: $got" ;;
	*) fail "$d: $got" ;;
	esac
done

# Idle means idle: no CPU time used while nothing happens (no polling).
# The batched state write is the end of the work, so wait for it first.
wait_state_saved 30
cpu() {
	awk '{ print $14 + $15 }' /proc/$DPID/stat
}
t0=$(cpu)
sleep 5
t1=$(cpu)
[ $((t1 - t0)) -le 1 ] || fail "the idle daemon used $((t1 - t0)) ticks in 5 s"
log "idle daemon: $((t1 - t0)) ticks of CPU in 5 s"

# A restart changes nothing already decided (the accepted device is kept
# or restored from the state file, never unlocked).
daemon_stop
expect_eq 1 "$(cat $PCI/$EP0/tsm/accept)" "$EP0 after the daemon stopped"
daemon_start
got=$(wait_decided $EP0 60)
case "$got" in
accepted|kept) ;;
*) fail "after a restart $EP0 is $got" ;;
esac
expect_eq devsec_pci "$(basename "$(readlink $PCI/$EP0/driver)")" "$EP0 driver after restart"
daemon_alive || fail "daemon died"
daemon_stop

# Without the daemon: list from sysfs + the state file, show reads the
# evidence itself over netlink.
tsmctl list | grep -q "^$EP0 .* run " || fail "offline tsmctl list lacks $EP0 in run"
tsmctl show $EP0 > /tmp/show.txt || fail "offline tsmctl show failed"
grep -q "Certificate chain" /tmp/show.txt || { cat /tmp/show.txt; fail "offline show lacks the chain"; }
grep -q "TDISP report" /tmp/show.txt || fail "offline show lacks the report"

# generate-policy pins what is present under the anchor it is given (and
# refuses without one); the daemon loads what it prints.
tsmctl generate-policy > /dev/null 2>&1 && fail "generate-policy ran without --trust-anchor"
tsmctl generate-policy --trust-anchor $FIX/$ALG/good/anchor.pem > /tmp/generated.conf ||
	fail "generate-policy failed"
grep -q "trust-anchor = anchor.pem" /tmp/generated.conf || fail "no trust-anchor in the generated policy"
grep -q "root-fingerprint = sha256:" /tmp/generated.conf || fail "no root pin in the generated policy"
grep -q "measurement\.1 = " /tmp/generated.conf || fail "no measurements in the generated policy"
mkdir -p /tmp/gen/policy.d
cp /tmp/generated.conf /tmp/gen/policy.d/50-generated.conf
cp $FIX/$ALG/good/anchor.pem /tmp/gen/anchor.pem
tsmctl check-policy --trust-dir /tmp/gen /tmp/gen/policy.d > /dev/null ||
	fail "check-policy rejects the generated policy"
printf '[daemon]\npolicy-dir = /tmp/gen/policy.d\ntrust-dir = /tmp/gen\nstate-dir = /tmp/gen/state\n' \
	> /tmp/gen/c.conf
tsm-verifierd --foreground --once --config /tmp/gen/c.conf --socket /tmp/gen/sock ||
	{ cat /tmp/generated.conf; fail "the generated policy does not load"; }
log "PASS"
