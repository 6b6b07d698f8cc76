#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# TDISP ERROR of an accepted function with a driver bound (issue 16,
# docs/ABI.md 5.1), the ERROR caused by switching its memory decode off and
# on again, with no relying party running:
#  - reaccept=never: as before (devsec-leave-run.sh) its driver is unbound
#    while it still counts as accepted, it ends held in ERROR; now also the
#    uevents "left-run error" and "needs-decision error never";
#  - reaccept=same-evidence: pci_tsm stops it (TDISP leaves ERROR only by
#    STOP), locks it again, refreshes its evidence over its own nonce and
#    accepts it again: back in RUN with the same driver bound, "reaccepted".
# vm: swiotlb=force
# vm: timeout=180
. /ptsm/tests/core-lib.sh

F=/ptsm/fixtures/p384/good
OBSD=/sys/kernel/debug/ptsm_test_observe
D=$EP1F1
EVLOG=/tmp/recovery-uevents.log

cat > /tmp/recovery-rule.sh <<'RULE_EOF'
#!/bin/sh
[ -n "$PCI_TSM_EVENT" ] || exit 0
echo "${DEVPATH##*/} $PCI_TSM_EVENT $PCI_TSM_CAUSE ${PCI_TSM_WHY:--} $PCI_TSM_GENERATION" >> /tmp/recovery-uevents.log
RULE_EOF
chmod +x /tmp/recovery-rule.sh
: > $EVLOG
uevent /tmp/recovery-rule.sh &
LISTENER=$!

core_stack testing
ptsm_load ptsm_test_observe
cat $F/cert0.bin > $CLASS/$SEC/device/certs || fail "certs"
cat $F/vca.bin > $CLASS/$SEC/device/vca || fail "vca"
cat $F/measurements.bin > $CLASS/$SEC/device/transcript || fail "transcript"
rm -f /tmp/ready
devsec-responder --tsm "${SEC#tsm}" --fixture $F --ready-file /tmp/ready &
RESP=$!
wait_for /tmp/ready

wait_event() {
	local i=0

	while ! grep -q "^$1 $2 $3 $4 " $EVLOG; do
		i=$((i + 1))
		[ $i -le 300 ] || fail "no uevent '$2 $3 $4' for $1: $(cat $EVLOG)"
		usleep 100000
	done
}

bound() {
	expect_ok "$(tf "$1" lock)" "$SEC"
	expect_ok "$(tf "$1" accept)" 1
	expect_ok "$PCI/$1/driver_override" ptsm_test_observe
	expect_ok "$DRV/ptsm_test_observe/bind" "$1"
	expect_eq ptsm_test_observe "$(driver_of "$1")" "$1 bound"
	echo > $OBSD/removed
	: > $EVLOG
}

decode_off_on() {
	local cmd

	cmd=$(cfg_read "$1" 4 2)
	cfg_write "$1" 4 2 $((cmd & ~2))
	cfg_write "$1" 4 2 "$cmd"
}

# 1. never
bound $D
decode_off_on $D
wait_event $D left-run error -
wait_event $D needs-decision error never
expect_eq pci_tsm_hold "$(driver_of $D)" "never: driver"
grep -q "^$D accept=1 " $OBSD/removed || fail "never: remove() of $D: $(cat $OBSD/removed)"
expect_eq 0 "$(rd $D accept)" "never: accept"
expect_eq 3 "$(tdisp_state $D)" "never: emulated TDISP state"
expect_ok "$(tf $D unlock)" "$SEC"

# 2. same-evidence
expect_ok "$(tf $D reaccept)" same-evidence
bound $D
decode_off_on $D
wait_event $D left-run error -
wait_event $D reaccepted error -
expect_eq 1 "$(rd $D accept)" "same-evidence: accept"
expect_eq 2 "$(tdisp_state $D)" "same-evidence: emulated TDISP state"
expect_eq ptsm_test_observe "$(driver_of $D)" "same-evidence: driver"
expect_eq "" "$(cat $OBSD/removed)" "same-evidence: remove() of $D"
echo $D > $OBSD/run
line=$(tr '\n' ' ' < $OBSD/run)
for kv in fdu=private map=direct bar0=encrypted; do
	echo " $line " | grep -q " $kv " || fail "same-evidence: $D not private again ($kv): $line"
done
expect_ok "$DRV/ptsm_test_observe/unbind" $D
expect_ok "$(tf $D unlock)" "$SEC"

kill $RESP $LISTENER 2>/dev/null
wait $RESP 2>/dev/null
core_cleanup
exit 0
