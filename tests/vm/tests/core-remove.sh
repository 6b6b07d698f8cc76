#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Device removal racing the verbs: shells keep locking, accepting, unlocking,
# connecting and reading while the functions are removed through their
# "remove" attribute and brought back with a bus rescan, over and over. The
# re-added functions must come back held, with a fresh tsm/ and no state.
# vm: timeout=400
. /ptsm/tests/core-lib.sh

ROUNDS=${CORE_REMOVE_ROUNDS:-15}
core_stack

# hammer DEV: lock/accept/unlock (and connect/disconnect on a PF0) until
# /tmp/stop exists; errors (ENOENT, ENODEV, EBUSY...) are expected
# shell builtins only (read, not cat): a fork per step would spend the
# run on fork under TCG (a quarter of a second per exec on the debug lane)
# instead of racing the removals
hammer() {
	local f x

	while [ ! -e /tmp/stop ]; do
		echo "$SEC" > "$PCI/$1/tsm/lock" 2>/dev/null
		echo 1 > "$PCI/$1/tsm/accept" 2>/dev/null
		for f in tsm/lock tsm/evidence_generation; do
			{ read -r x < "$PCI/$1/$f"; } 2>/dev/null
		done
		echo "$SEC" > "$PCI/$1/tsm/unlock" 2>/dev/null
		echo "$LINK" > "$PCI/$1/tsm/connect" 2>/dev/null
		for f in tsm/dsm authenticated; do
			{ read -r x < "$PCI/$1/$f"; } 2>/dev/null
		done
		echo "$LINK" > "$PCI/$1/tsm/disconnect" 2>/dev/null
	done
}

rm -f /tmp/stop
hammer $EP1 &
h1=$!
hammer $EP1F1 &
h2=$!
i=0
while [ $i -lt "$ROUNDS" ]; do
	usleep $(( (i % 5) * 20000 ))
	echo 1 > "$PCI/$EP1F1/remove" 2>/dev/null
	usleep 10000
	echo 1 > "$PCI/$EP1/remove" 2>/dev/null
	echo 1 > /sys/bus/pci/rescan
	wait_for "$PCI/$EP1F1/tsm/lock"
	wait_for "$PCI/$EP1/tsm/connect"
	i=$((i + 1))
done
touch /tmp/stop
wait $h1 $h2
log "$ROUNDS removal rounds done"

# one last removal with nobody racing: the re-added functions are held
core_reset
echo 1 > "$PCI/$EP1F1/remove"
echo 1 > "$PCI/$EP1/remove"
echo 1 > /sys/bus/pci/rescan
wait_for "$PCI/$EP1F1/tsm/lock"
wait_for "$PCI/$EP1/tsm/connect"

# the survivors are clean and usable
for d in $EP1 $EP1F1; do
	expect_eq pci_tsm_hold "$(driver_of $d)" "$d held after rescan"
	expect_eq "" "$(rd $d lock)" "$d lock"
	expect_eq 0 "$(rd $d accept)" "$d accept"
done
expect_eq "" "$(rd $EP1 connect)" "connect"
expect_eq 4 "$(bridge_streams $EP1)" "streams"
grep -q "PCI MMIO Encrypted" /proc/iomem && fail "encrypted range left"
expect_ok "$(tf $EP1F1 lock)" "$SEC"
expect_ok "$(tf $EP1F1 accept)" 1
expect_ok "$(tf $EP1F1 unlock)" "$SEC"
expect_ok "$(tf $EP1 connect)" "$LINK"
expect_eq "$EP1" "$(rd $EP1F1 dsm)" "PF1 managed after rescan"
core_cleanup
exit 0
