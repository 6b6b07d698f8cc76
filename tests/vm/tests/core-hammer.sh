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

# shell A and B: connect/disconnect and lock/unlock on the same PF0
hammer_connect() {
	local i=0

	while [ $i -lt "$N" ]; do
		echo "$LINK" > "$(tf $EP0 connect)" 2>/dev/null
		echo "$LINK" > "$(tf $EP0 disconnect)" 2>/dev/null
		i=$((i + 1))
	done
}

hammer_lock() {
	local i=0

	while [ $i -lt "$N" ]; do
		echo "$SEC" > "$(tf $1 lock)" 2>/dev/null
		echo 1 > "$(tf $1 accept)" 2>/dev/null
		echo "$SEC" > "$(tf $1 unlock)" 2>/dev/null
		i=$((i + 1))
	done
}

# readers of the managed function's files, which come and go
hammer_read() {
	local i=0

	while [ $i -lt "$N" ]; do
		cat "$PCI/$EP0F1/tsm/dsm" "$PCI/$EP0F1/tsm/bound" "$PCI/$EP0F1/authenticated" \
			"$(tf $EP0 evidence_generation)" > /dev/null 2>&1
		i=$((i + 1))
	done
}

log "hammering $N iterations"
hammer_connect &
p1=$!
hammer_lock $EP0 &
p2=$!
hammer_lock $EP0F1 &
p3=$!
hammer_read &
p4=$!
hammer_connect &
p5=$!
wait $p1 $p2 $p3 $p4 $p5
log "hammering done"

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
