#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Concurrent writers: shells hammering connect/disconnect and lock/unlock on
# the same device (1000 iterations each) while others read the files that
# appear and disappear on the managed function; then the state must be
# consistent and everything must unload. The harness fails the test on any
# kernel complaint.
# vm: timeout=600
. /ptsm/tests/core-lib.sh

N=${CORE_HAMMER_N:-1000}
# the KASAN/lockdep lane (kmemleak present) is ~20x slower under TCG
[ -e /sys/kernel/debug/kmemleak ] && N=${CORE_HAMMER_N:-150}
core_stack

# The loops use only shell builtins (paths computed once, `read` instead of
# cat): a fork per step would make the test measure fork under TCG rather
# than race the sysfs verbs.
C0=$(tf $EP0 connect)
D0=$(tf $EP0 disconnect)

# shell A and B: connect/disconnect and lock/unlock on the same PF0
# Each writer counts its successes in /tmp/hammer.NAME: a hammer whose
# writes all failed would prove nothing.
hammer_connect() {
	local i=0 ok=0

	while [ $i -lt "$N" ]; do
		echo "$LINK" > "$C0" 2>/dev/null && ok=$((ok + 1))
		echo "$LINK" > "$D0" 2>/dev/null
		i=$((i + 1))
	done
	echo $ok > /tmp/hammer.$1
}

hammer_lock() {
	local i=0 ok=0 lock unlock accept

	lock=$(tf $1 lock)
	unlock=$(tf $1 unlock)
	accept=$(tf $1 accept)
	while [ $i -lt "$N" ]; do
		echo "$SEC" > "$lock" 2>/dev/null && ok=$((ok + 1))
		echo 1 > "$accept" 2>/dev/null
		echo "$SEC" > "$unlock" 2>/dev/null
		i=$((i + 1))
	done
	echo $ok > /tmp/hammer.$2
}

# readers of the managed function's files, which come and go
hammer_read() {
	local i=0 f x gen

	gen=$(tf $EP0 evidence_generation)
	while [ $i -lt "$N" ]; do
		for f in "$PCI/$EP0F1/tsm/dsm" "$PCI/$EP0F1/tsm/bound" \
			 "$PCI/$EP0F1/authenticated" "$gen"; do
			{ read -r x < "$f"; } 2>/dev/null
		done
		i=$((i + 1))
	done
}

log "hammering $N iterations"
hammer_connect connect1 &
p1=$!
hammer_lock $EP0 lock0 &
p2=$!
hammer_lock $EP0F1 lock1 &
p3=$!
hammer_read &
p4=$!
hammer_connect connect2 &
p5=$!
wait $p1 $p2 $p3 $p4 $p5
nc1=$(cat /tmp/hammer.connect1)
nc2=$(cat /tmp/hammer.connect2)
nl0=$(cat /tmp/hammer.lock0)
nl1=$(cat /tmp/hammer.lock1)
log "hammering done: connects $nc1 + $nc2, locks PF0 $nl0, PF1 $nl1"
[ $((nc1 + nc2)) -gt 0 ] || fail "no connect succeeded while hammering"
[ $((nl0 + nl1)) -gt 0 ] || fail "no lock succeeded while hammering"

# consistent final state
c=$(rd $EP0 connect)
l0=$(rd $EP0 lock)
l1=$(rd $EP0F1 lock)
log "final: connect='$c' lock0='$l0' lock1='$l1'"
if [ -n "$c" ]; then
	[ -z "$l0" ] || fail "PF0 both connected and locked"
	[ -z "$l1" ] || fail "PF1 locked while its PF0 is connected"
	expect_eq "$EP0" "$(rd $EP0 dsm)" "dsm while connected"
	expect_eq "$EP0" "$(rd $EP0F1 dsm)" "PF1 dsm while connected"
	expect_eq 3 "$(bridge_streams $EP0)" "streams while connected"
	expect_ok "$(tf $EP0 disconnect)" "$LINK"
else
	expect_eq "" "$(rd $EP0 dsm)" "dsm while disconnected"
	hasnt $EP0F1 dsm
	expect_eq 4 "$(bridge_streams $EP0)" "streams while disconnected"
fi
for d in $EP0 $EP0F1; do
	l=$(rd $d lock)
	a=$(rd $d accept)
	if [ -n "$l" ]; then
		expect_ok "$(tf $d unlock)" "$SEC"
	else
		expect_eq 0 "$a" "$d accepted while unlocked"
	fi
done
grep -q "PCI MMIO Encrypted" /proc/iomem && fail "encrypted range left while nothing is accepted"
expect_eq 4 "$(bridge_streams $EP0)" "streams at the end"

# and everything still works
expect_ok "$(tf $EP0 connect)" "$LINK"
expect_ok "$(tf $EP0 disconnect)" "$LINK"
expect_ok "$(tf $EP0F1 lock)" "$SEC"
expect_ok "$(tf $EP0F1 accept)" 1
expect_ok "$(tf $EP0F1 unlock)" "$SEC"

core_cleanup
exit 0
