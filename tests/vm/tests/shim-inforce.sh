#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# A redirect that stops being in force while a device is accepted fails
# closed (issue 14): the device is reported (log line, KOBJ_CHANGE uevent
# with TSM_SHIM=lost), leaves RUN (not claimed accepted/private any more)
# and accept is refused with the reason. Two ways to lose a redirect:
#  - a probe kprobes may optimize: the test_unguarded= hook registers
#    force_dma_unencrypted without its post_handler while
#    debug.kprobes-optimization is off; switching it on lets the optimizer
#    take the probe, and the observer sees the function's own answer again;
#  - every kprobe disarmed through debugfs kprobes/enabled;
#  - the accepted function's dma_io_tlb_mem pointed back at the bouncing
#    swiotlb pool behind the shim's back (tsm_shim's test_bounce hook, as
#    another module could) while devsec_pci, bound to it, maps and unmaps
#    in a loop: the observer sees its maps bounce, the watchdog reports the
#    function and names what changed, and the swiotlb pool ends with as
#    many slots in use as before (mappings made direct and unmapped after
#    the switch took no slot, and none bounced after it was lost).
# vm: swiotlb=force
# vm: timeout=240
. /ptsm/tests/shim-lib.sh

KPROBES_ON=/sys/kernel/debug/kprobes/enabled
EVLOG=/tmp/shim-uevents.log
RULE=/tmp/shim-uevent.sh

cleanup() {
	echo 1 > $OPTSYSCTL
	echo 1 > $KPROBES_ON
	[ -n "${listener:-}" ] && kill "$listener" 2>/dev/null
	shim_cleanup
}
trap cleanup EXIT

cat > "$RULE" <<'RULE_EOF'
#!/bin/sh
[ -n "$TSM_SHIM" ] && echo "$ACTION ${DEVPATH##*/} $TSM_SHIM" >> /tmp/shim-uevents.log
exit 0
RULE_EOF
chmod +x "$RULE"
: > "$EVLOG"
uevent "$RULE" &
listener=$!

# wait_left_run DEV WHY N: the watchdog (1 s period) reported DEV
wait_left_run() {
	local i=0

	while [ "$(cat "$PCI/$1/tsm/accept")" != 0 ] && [ $i -lt 20 ]; do
		sleep 0.5
		i=$((i + 1))
	done
	expect_eq 0 "$(cat "$PCI/$1/tsm/accept")" "$2: $1 still accepted"
	[ "$(reports "$1")" -gt "$3" ] || fail "$2: no log line reporting $1"
}

# reports DEV: how many times the log reported DEV's redirect lost
reports() {
	dmesg | grep -c "$1: tsm_shim: redirect not in force"
}

shim_stack noshim
ptsm_load ptsm_test_observe

# 1. an optimizable redirect, optimized after the accept
echo 0 > $OPTSYSCTL
ptsm_load tsm_shim testing=1 test_unguarded=force_dma_unencrypted
expect_eq 1 "$(shim_status ready)" "ready while optimization is off"
lock_accept "$ACC"
expect_observed "$OTHER" "unguarded, optimization off" fdu=shared
expect_observed "$ACC" "unguarded, optimization off" fdu=private map=direct
echo 1 > $OPTSYSCTL
wait_left_run "$ACC" "optimized" 0
grep 'force_dma_unencrypted+' "$KPLIST" | grep -q OPTIMIZED ||
	fail "the unguarded probe was not optimized: $(grep force_dma_unencrypted "$KPLIST")"
dmesg | grep "$ACC: tsm_shim: redirect not in force" | grep -q 'force_dma_unencrypted is OPTIMIZED' ||
	fail "the report does not name the optimized probe"
# what the issue found: the optimized probe's redirect has no effect
expect_observed "$OTHER" "unguarded, optimized" fdu=private
expect_observed "$ACC" "left RUN" map=bounced bar0=plain
expect_eq 0 "$(shim_status ready)" "ready with an optimized redirect"
shim_status reason | grep -q OPTIMIZED || fail "reason: $(shim_status reason)"
unlock "$ACC"
expect_ok "$PCI/$ACC/tsm/lock" "$TSM"
expect_errno EOPNOTSUPP "$PCI/$ACC/tsm/accept" 1
dmesg | grep -q "$ACC: .*tsm_shim not ready: probe on force_dma_unencrypted is OPTIMIZED" ||
	fail "no refusal naming the optimized probe"
unlock "$ACC"
ptsm_unload tsm_shim

# 2. every kprobe disarmed while accepted
ptsm_load tsm_shim testing=1
lock_accept "$ACC"
r=$(reports "$ACC")
echo 0 > $KPROBES_ON
wait_left_run "$ACC" "disarmed" "$r"
echo 1 > $KPROBES_ON
unlock "$ACC"
lock_accept "$ACC"
expect_observed "$ACC" "re-armed, accepted again" fdu=private map=direct bar0=encrypted
unlock "$ACC"

# 3. the streaming redirect undone behind the shim's back, under load
USED=/sys/kernel/debug/swiotlb/io_tlb_used
used0=$(cat $USED)
lock_accept "$ACC"
expect_observed "$ACC" "direct streaming DMA" map=direct
bind "$ACC"
expect_ok "$DPCI/$ACC/hammer" 100000000
sleep 1
# read before the switch: the report unbinds devsec_pci within a second
done1=$(sed -n 's/^done=//p' "$DPCI/$ACC/hammer")
expect_eq 0 "$(sed -n 's/^errors=//p' "$DPCI/$ACC/hammer")" "map errors before the switch"
[ "$done1" -gt 0 ] || fail "the hammer did not run"
r=$(reports "$ACC")
expect_ok "$SHIM/test_bounce" "$ACC"
expect_observed "$ACC" "dma_io_tlb_mem reset" map=bounced
wait_left_run "$ACC" "dma_io_tlb_mem reset" "$r"
expect_eq pci_tsm_hold "$(driver_of "$ACC")" "driver of $ACC after the report"
expect_eq "$used0" "$(cat $USED)" "swiotlb slots in use after the switch under load"
dmesg | grep "$ACC: tsm_shim: redirect not in force" | tail -n1 |
	grep -q "$ACC: dma_io_tlb_mem was changed" ||
	fail "the report does not name the changed dma_io_tlb_mem"
expect_observed "$ACC" "left RUN after the reset" map=bounced
expect_eq 0 "$(shim_status direct_devices)" "direct_devices after the reset"
unlock "$ACC"
expect_eq 1 "$(shim_status ready)" "ready once the device left RUN"
lock_accept "$ACC"
expect_observed "$ACC" "accepted again after the reset" map=direct
unlock "$ACC"

sleep 1
n=$(grep -c "^change $ACC lost$" "$EVLOG")
expect_eq 3 "$n" "TSM_SHIM=lost uevents for $ACC"
grep -v "^change $ACC lost$" "$EVLOG" && fail "uevents for other devices"
log "lost redirects: $ACC reported three times (optimized, disarmed, dma_io_tlb_mem reset), left RUN, accept refused"
