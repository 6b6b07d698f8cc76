#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Decisions that stick and follow the policy (issue 15 C, D), in one boot:
# - a member of group tsm lists over the control socket but cannot decide;
# - an administrator's revoke detaches and unlocks an accepted device, and
#   that decision survives an "add" uevent, a TSM rescan and a reload;
# - a reload with a stricter policy revokes an accepted device (driver
#   detached, tsm/accept 0) and names the rule;
# - a restart under a changed policy does not restore "accepted": the
#   device is judged again and revoked;
# - with a tiny uevent buffer, a burst of uevents overflows it (ENOBUFS):
#   the daemon says so, rescans, and a device removed and added again
#   while its uevents were lost is verified afresh;
# - tsmctl accept/deny --permanent write rules that decide the devices
#   after they were removed and came back.
# vm: timeout=600
. /ptsm/tests/daemon-lib.sh
trap daemon_cleanup EXIT

# policy_narrow ADDR: the good fixture's rule, for ADDR only (others: default deny)
policy_narrow() {
	local f=$TSMETC/policy.d/50-fixture.conf

	policy_install good
	awk -v a="$1" '{ print } /^\[rule / { print "match.address = " a }' $f > $f.new
	mv $f.new $f
	grep -q "^match.address = $1" $f || fail "could not narrow the policy"
}

drv() {
	[ -L "$PCI/$1/driver" ] && basename "$(readlink "$PCI/$1/driver")"
	return 0
}

# expect_revoked DEV WHAT: denied, out of RUN, no driver but the hold
expect_revoked() {
	expect_eq denied "$(decision $1)" "$1 $2"
	expect_eq 0 "$(cat $PCI/$1/tsm/accept)" "$1 tsm/accept $2"
	case "$(drv $1)" in
	""|pci_tsm_hold) ;;
	*) fail "$1 still bound to $(drv $1) $2" ;;
	esac
}

daemon_modules
fixture_load good
policy_install good
config_write
responder_start good
set -- $(tee_devices)
[ $# -ge 3 ] || fail "need three TEE devices, have $#"
D1=$2
D2=$3
for d in $(tee_devices); do
	echo devsec_pci > "$PCI/$d/driver_override" || fail "driver_override of $d"
done
# a reader in group tsm (supplementary) and a user outside it
echo "nogroup:x:65534:" >> /etc/group
echo "tsm:x:990:reader" >> /etc/group
echo "reader:x:1000:65534::/tmp:/bin/sh" >> /etc/passwd
echo "other:x:1001:65534::/tmp:/bin/sh" >> /etc/passwd
TSMCTL=$(command -v tsmctl)
daemon_start
wait_all_decided 180
for d in $EP0 $D1 $D2; do
	expect_eq accepted "$(decision $d)" "$d under the fixture's policy"
done
expect_eq "srw-rw----" "$(ls -l $DSOCK | cut -c1-10)" "control socket mode"

# -- group tsm reads, only root decides
out=$(su -s /bin/sh reader -c "$TSMCTL list" 2>&1) || fail "reader: tsmctl list failed: $out"
echo "$out" | grep -q "not reachable" && fail "reader could not reach the daemon: $out"
echo "$out" | grep -q "^$D1 .*accepted" || fail "reader's list lacks $D1: $out"
su -s /bin/sh reader -c "$TSMCTL show $D1" > /dev/null 2>&1 || fail "reader: tsmctl show failed"
out=$(su -s /bin/sh reader -c "$TSMCTL revoke $D1" 2>&1)
expect_eq 1 "$?" "exit status of a reader's revoke ($out)"
echo "$out" | grep -q "only root" || fail "a reader's revoke was not refused as such: $out"
out=$(su -s /bin/sh reader -c "$TSMCTL reload" 2>&1) && fail "a reader could reload: $out"
expect_eq accepted "$(decision $D1)" "$D1 after a reader's revoke"
out=$(su -s /bin/sh other -c "$TSMCTL list" 2>&1)
echo "$out" | grep -q "not reachable" || fail "a user outside group tsm reached the daemon: $out"
log "group tsm: list and show work, revoke and reload are refused; others cannot connect"

# -- an administrator's revoke sticks
tsmctl revoke $EP0 || fail "tsmctl revoke $EP0"
expect_revoked $EP0 "after tsmctl revoke"
expect_eq admin "$(field $EP0 Rule)" "rule after tsmctl revoke"
expect_eq "" "$(cat $PCI/$EP0/tsm/lock)" "$EP0 lock after tsmctl revoke"
echo add > $PCI/$EP0/uevent || fail "add uevent of $EP0"
echo change > /sys/class/tsm/$DEVSEC_TSM/uevent || fail "change uevent of $DEVSEC_TSM"
wait_log "$EP0: add uevent: the administrator's decision (denied) stands" 20 ||
	fail "the add uevent of $EP0 did not reach the daemon, or was not kept"
expect_revoked $EP0 "after an add uevent and a TSM rescan"
expect_eq "" "$(cat $PCI/$EP0/tsm/lock)" "$EP0 lock after an add uevent"
tsmctl reload || fail "reload"
sleep 3
expect_revoked $EP0 "after a reload"
tsmctl revoke $EP0 && fail "a second revoke was not refused"
log "an administrator's revoke stands over an add uevent, a rescan and a reload"

# -- a stricter policy on reload revokes what it no longer accepts
policy_narrow $D2
tsmctl reload || fail "reload with the narrowed policy"
i=0
until [ "$(decision $D1)" = denied ]; do
	i=$((i + 1))
	[ $i -le 300 ] || fail "$D1 not revoked after the reload: $(decision $D1)"
	usleep 200000
done
expect_revoked $D1 "after a reload with a stricter policy"
expect_eq default "$(field $D1 Rule)" "rule that revoked $D1"
grep -q "$D1: the policy in force no longer accepts this device (rule default): revoking" $DLOG ||
	fail "no log line for the revoke of $D1"
expect_eq accepted "$(wait_decided $D2 120)" "$D2 under the narrowed policy"
expect_eq 1 "$(cat $PCI/$D2/tsm/accept)" "$D2 tsm/accept after the reload"
log "reload: $D1 revoked by rule default, $D2 still accepted"

# -- a restart under a changed policy does not restore "accepted"
wait_all_decided 120
wait_state_saved 30 1 accepted
daemon_stop
policy_narrow $D1
# from here on a receive buffer small enough for a burst of uevents to overflow
export TSM_UDEV_RCVBUF=2048
daemon_start
wait_log "$D2: accepted before the restart, but not under this policy" 60 ||
	fail "$D2 was not judged again after the restart"
i=0
until [ "$(decision $D2)" = denied ]; do
	i=$((i + 1))
	[ $i -le 300 ] || fail "$D2 not revoked after the restart: $(decision $D2)"
	usleep 200000
done
expect_revoked $D2 "after a restart under a policy that no longer accepts it"
expect_eq accepted "$(wait_decided $D1 120)" "$D1 under the new policy after the restart"
expect_eq denied "$(decision $EP0)" "the administrator's revoke of $EP0 after the restart"
expect_eq "" "$(cat $PCI/$EP0/tsm/lock)" "$EP0 locked after the restart"
grep -q "$EP0: denied before the restart" $DLOG || fail "$EP0's revoke was not kept over the restart"
log "restart: $D2 judged again and revoked, $D1 accepted"

# -- ENOBUFS: events lost in a burst are made up for by a rescan
wait_all_decided 120
expect_eq 1 "$(cat $PCI/$D1/tsm/accept)" "$D1 before the burst"
before=$(grep -c "uevent socket overflowed" $DLOG)
kill -STOP $DPID
i=0
while [ $i -lt 200 ]; do
	echo change > $PCI/$D2/uevent
	i=$((i + 1))
done
# removed and added again while the daemon's socket is full: both lost
echo 1 > $PCI/$D1/remove || fail "remove $D1"
echo 1 > /sys/bus/pci/rescan || fail "rescan"
wait_for $PCI/$D1/tsm/lock 20
kill -CONT $DPID
i=0
until [ "$(cat $PCI/$D1/tsm/accept)" = 1 ]; do
	i=$((i + 1))
	[ $i -le 600 ] || fail "$D1 was not verified again after the overflow: $(decision $D1)"
	usleep 200000
done
after=$(grep -c "uevent socket overflowed" $DLOG)
[ "$after" -gt "$before" ] || fail "no ENOBUFS logged for the burst"
expect_eq accepted "$(wait_decided $D1 120)" "$D1 after the overflow"
daemon_alive || fail "daemon died"
log "ENOBUFS logged ($before before, $after after the burst), $D1 verified afresh"

# -- permanent decisions: rules in policy-dir that outlive the device
# D2 is denied by the policy in force (narrowed to D1); the administrator
# accepts it for good, and denies EP0 for good.
wait_all_decided 120
rule=$TSMETC/policy.d/05-tsmctl-$(echo $D2 | tr : -).conf
# an anchor that does not vouch for D2's chain: refused, nothing written
cp $FIX/$ALG/other-root.pem $TSMETC/trust/other-root.pem
if tsmctl --config $DCONF accept --permanent --trust-anchor other-root.pem $D2 \
	2>/tmp/perm.err; then
	fail "accept --permanent trusted an anchor that does not vouch for $D2"
fi
cat /tmp/perm.err
grep -q "other-root.pem" /tmp/perm.err || fail "the refusal does not name the anchor"
[ ! -e "$rule" ] || fail "a rule was written for an anchor that does not vouch"
# without --trust-anchor: the anchor the policy in force already trusts
tsmctl --config $DCONF accept --permanent $D2 || fail "tsmctl accept --permanent $D2"
expect_eq accepted "$(decision $D2)" "$D2 after accept --permanent"
[ -f "$rule" ] || fail "no permanent rule $rule"
cat "$rule"
grep -q "^match.address = $D2\$" "$rule" || fail "the rule does not name $D2"
grep -q "^trust-anchor = fixture-$ALG-root.pem\$" "$rule" ||
	fail "the rule does not trust the policy's anchor"
grep -q "^root-fingerprint = sha256:" "$rule" || fail "the rule does not pin the root"
tsmctl --config $DCONF check-policy --trust-dir $TSMETC/trust $TSMETC/policy.d ||
	fail "check-policy refuses the permanent rule"
grep -q "^measurement\.1 = " "$rule" || fail "the rule does not pin the measurements"
grep -q "^# Leaf certificate sha256:" "$rule" || fail "the rule does not name the leaf"
tsmctl --config $DCONF deny --permanent $EP0 || fail "tsmctl deny --permanent $EP0"
grep -q "^target = deny" $TSMETC/policy.d/05-tsmctl-$(echo $EP0 | tr : -).conf ||
	fail "no permanent deny rule for $EP0"
# the devices go away and come back: the administrator's decisions in
# memory are gone, the rules decide
for d in $D2 $EP0; do
	echo 1 > $PCI/$d/remove || fail "remove $d"
done
sleep 1
echo 1 > /sys/bus/pci/rescan || fail "rescan"
wait_for $PCI/$D2/tsm/lock 20
wait_for $PCI/$EP0/tsm/lock 20
expect_eq accepted "$(wait_decided $D2 180)" "$D2 after it came back"
expect_eq "tsmctl-accept-$D2" "$(field $D2 Rule)" "rule that accepted $D2 after it came back"
expect_eq 1 "$(cat $PCI/$D2/tsm/accept)" "$D2 tsm/accept after it came back"
expect_eq denied "$(wait_decided $EP0 180)" "$EP0 after it came back"
expect_eq "tsmctl-deny-$EP0" "$(field $EP0 Rule)" "rule that denied $EP0 after it came back"
expect_held_unbound $EP0
daemon_alive || fail "daemon died"
log "permanent rules: $D2 accepted and $EP0 denied by their rules after coming back"
log "PASS"
