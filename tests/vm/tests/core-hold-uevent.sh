#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The driver-attach hold wins against a udev-style rule (ABI 2.5). A rule
# that writes driver_override on "add" (vfio-pci style) must not get its
# driver bound to a TEE device before it is accepted: pci_tsm keeps the
# KOBJ_ADD of a device it holds back until the hold is bound. A uevent
# listener plays the rule: on every "add" of a devsec function it writes
# driver_override=devsec_pci and records the DRIVER the event carried. Every
# held function must announce itself already bound to pci_tsm_hold, stay
# there with the rule's override kept for after the release, and get
# devsec_pci once accepted. Functions present before pci_tsm loads (held
# later, by ptsm_hold_existing()) are not affected.
# vm: timeout=150
. /ptsm/tests/core-lib.sh

EVLOG=/tmp/hold-uevents.log
RULE=/tmp/hold-rule.sh
cat > "$RULE" <<'RULE_EOF'
#!/bin/sh
[ "$ACTION" = add ] && [ "$SUBSYSTEM" = pci ] || exit 0
case "$DEVPATH" in *1000[01]:0[13]:00.*) ;; *) exit 0 ;; esac
dev=/sys$DEVPATH
[ "$(cat "$dev/vendor" 2>/dev/null)" = 0x8086 ] || exit 0
[ "$(cat "$dev/class" 2>/dev/null)" = 0x120000 ] || exit 0
echo devsec_pci > "$dev/driver_override"
echo "add ${DEVPATH##*/} driver=${DRIVER:-none}" >> /tmp/hold-uevents.log
RULE_EOF
chmod +x "$RULE"
: > "$EVLOG"
uevent "$RULE" &
listener=$!
sleep 1

ptsm_load tsm_core
ptsm_load pci_tsm
ptsm_load tsm_shim testing=1
ptsm_load devsec_pci
ptsm_load devsec_bus
ptsm_load devsec_tsm
wait_for "$PCI/$EP1/tsm"
SEC=$(tsm_by_mode devsec) || fail "no devsec TSM registered"

# every endpoint function announced itself, already held
n=0
for f in $EP0 $EP0F1 $EP1 $EP1F1; do
	i=0
	while ! grep -q "^add $f " "$EVLOG" && [ $i -lt 50 ]; do
		usleep 100000
		i=$((i + 1))
	done
	grep "^add $f " "$EVLOG" || fail "$f: no add uevent reached userspace"
	expect_eq "add $f driver=pci_tsm_hold" "$(grep "^add $f " "$EVLOG" | head -n1)" \
		"$f: the add uevent comes after the hold is bound"
	expect_eq pci_tsm_hold "$(basename "$(readlink "$PCI/$f/driver")")" "$f: driver"
	expect_eq devsec_pci "$(cat "$PCI/$f/driver_override")" "$f: the rule's override kept"
	n=$((n + 1))
done
expect_eq 1 "$(grep -c "^add $EP1 " "$EVLOG")" "add uevents of $EP1 (exactly one)"
log "$n held functions announced after the hold bound"

# accepted: the rule's driver applies
expect_ok "$(tf "$EP1" lock)" "$SEC"
expect_ok "$(tf "$EP1" accept)" 1
echo "$EP1" > /sys/bus/pci/drivers_probe
expect_eq devsec_pci "$(basename "$(readlink "$PCI/$EP1/driver")")" "$EP1: driver after accept"
expect_eq pci_tsm_hold "$(basename "$(readlink "$PCI/$EP0/driver")")" "$EP0: still held"

kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null
core_cleanup
exit 0
