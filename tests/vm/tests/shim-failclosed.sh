#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Fail closed (issue 5, docs/ABI.md section 6): accept fails with
# EOPNOTSUPP while tsm_shim is not loaded, while a required probe cannot
# attach (simulated with the fail_probe= test hook: the shim still loads,
# says which probe and why), and while its probes are attached but
# disarmed (kprobes/enabled = 0); it works once the shim is loaded and
# firing.
# vm: timeout=240
. /ptsm/tests/shim-lib.sh

KPROBES_ON=/sys/kernel/debug/kprobes/enabled

cleanup() {
	[ -w $KPROBES_ON ] && echo 1 > $KPROBES_ON
	shim_cleanup
}
trap cleanup EXIT

shim_stack noshim
expect_ok "$PCI/$ACC/tsm/lock" "$TSM"
expect_errno EOPNOTSUPP "$PCI/$ACC/tsm/accept" 1
expect_eq 0 "$(cat "$PCI/$ACC/tsm/accept")" "$ACC not accepted without tsm_shim"
dmesg | grep -q "$ACC: .*accept refused: .*tsm_shim" ||
	fail "no log line naming the missing shim"

# a required probe that cannot attach: loads, not ready, names the probe
ptsm_load tsm_shim fail_probe=force_dma_unencrypted
expect_eq 0 "$(shim_status ready)" "tsm_shim ready without force_dma_unencrypted"
shim_status reason | grep -q 'force_dma_unencrypted' ||
	fail "reason does not name the probe: $(shim_status reason)"
dmesg | grep -q 'tsm_shim: cannot probe force_dma_unencrypted' ||
	fail "no load-time line naming the failed probe"
dmesg | grep -q 'tsm_shim: loaded but NOT ready' || fail "no 'NOT ready' line at load"
expect_eq detached "$(shim_status probe.__ioremap_caller)" "other probes taken down"
expect_errno EOPNOTSUPP "$PCI/$ACC/tsm/accept" 1
dmesg | grep -q "$ACC: .*tsm_shim not ready: kprobe on force_dma_unencrypted failed" ||
	fail "pci_tsm's refusal does not carry the shim's reason"
ptsm_unload tsm_shim

# a symbol with a GCC clone next to it: callers of the clone would bypass
# a probe on the symbol, so the shim refuses (test_clone_check= runs the
# same clone lookup on a kernel function that has one; the control is a
# function without)
sed 's/.*\t//' /sys/kernel/debug/kprobes/blacklist > /tmp/kp-blacklist
awk 'NF == 3 && $2 ~ /^[tT]$/ {
		if ($3 ~ /^[A-Za-z0-9_]+\.(isra|constprop|part)\.0$/) c[$3] = 1; else o[$3] = 1 }
	END { for (n in c) { b = n; sub(/\.(isra|constprop|part)\.0$/, "", b)
		if (b in o) print n } }' /proc/kallsyms | grep -v -x -F -f /tmp/kp-blacklist |
	sort | head -n5 > /tmp/clones
[ -s /tmp/clones ] || fail "no kernel function with an .isra/.constprop/.part clone next to it"
# the first candidate kprobes accept decides (one in entry text would not be)
found=""
while read -r clone; do
	orig=${clone%%.*}
	ptsm_load tsm_shim test_clone_check="$orig"
	if [ "$(shim_status ready)" = 0 ]; then
		shim_status reason | grep -q "$orig has a clone" ||
			fail "reason does not name the clone: $(shim_status reason)"
		found=$clone
	fi
	ptsm_unload tsm_shim
	[ -z "$found" ] || break
done < /tmp/clones
[ -n "$found" ] || fail "no clone found by tsm_shim among: $(tr '\n' ' ' < /tmp/clones)"
log "refused: $found next to ${found%%.*}"
ptsm_load tsm_shim test_clone_check=swiotlb_map
expect_eq 1 "$(shim_status ready)" "tsm_shim ready, swiotlb_map has no clone"
ptsm_unload tsm_shim

ptsm_load tsm_shim testing=1
expect_eq 1 "$(shim_status ready)" "tsm_shim ready"

# attached but inert: every kprobe disarmed
echo 0 > $KPROBES_ON
expect_eq 0 "$(shim_status ready)" "tsm_shim ready with kprobes disarmed"
log "not ready: $(shim_status reason)"
expect_errno EOPNOTSUPP "$PCI/$ACC/tsm/accept" 1
dmesg | grep -q -E "$ACC: .*tsm_shim not ready: .*(not in force|is disabled)" ||
	fail "no log line saying a redirect is not in force"
echo 1 > $KPROBES_ON

expect_ok "$PCI/$ACC/tsm/accept" 1
expect_eq 1 "$(cat "$PCI/$ACC/tsm/accept")" "$ACC accepted with a ready shim"
# pci_tsm pins the shim while a device is accepted
rmmod tsm_shim 2>/dev/null && fail "tsm_shim unloaded while $ACC is accepted"
unlock "$ACC"
ptsm_unload tsm_shim
log "accept fails closed without a ready shim"
