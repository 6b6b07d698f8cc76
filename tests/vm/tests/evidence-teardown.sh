#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Dumps in flight while the evidence's owner goes away: unloading the
# sample link TSM, unloading the emulated bus, removing the device. The
# dump ends with a clean error (EAGAIN) and the harness sees no kernel
# complaint; reads afterwards fail ENXIO (no evidence) or ENODEV (no
# device). A running dump pins pci_tsm: rmmod fails until it ends.
# vm: timeout=180
. /ptsm/tests/evidence-lib.sh

paused_read() {
	rm -f $W/paused $W/resume
	ptsm-nl read --family "$1" --rcvbuf 4096 --pause 30 \
		--pause-marker $W/paused --resume $W/resume "$2" \
		> $W/p.out 2> $W/p.err &
	PID=$!
	wait_for $W/paused 20
}

# finish_read ERRNO...: resume and require one of the errnos
finish_read() {
	local e

	touch $W/resume
	wait $PID
	for e in "$@"; do
		grep -q "^ptsm-nl: $e: " $W/p.err && {
			log "paused read: $(cat $W/p.err)"
			return 0
		}
	done
	fail "paused read: expected $*, got: $(cat $W/p.err) $(tail -n 1 $W/p.out)"
}

connect_big() {
	ev_connect $W/cert0 $W/meas
}

mkblob $W/cert0 65536
mkblob $W/meas 65536

# 1. unload the link TSM under a dump
core_stack noshim
connect_big
paused_read device-evidence $EP0
ptsm_unload devsec_link_tsm
finish_read EAGAIN
expect_nl_err ENXIO "" read $EP0

# 2. remove the device under a dump
ptsm_load devsec_link_tsm
LINK=$(tsm_by_mode link) || fail "no link TSM after reload"
connect_big
paused_read pci-tsm $EP0
echo 1 > $PCI/$EP0/remove || fail "remove $EP0"
finish_read EAGAIN
expect_nl_err ENODEV "not found" read $EP0
echo 1 > /sys/bus/pci/rescan

# 3. unload the emulated bus (with both TSMs) under a dump
ptsm_unload devsec_pci
wait_for $PCI/$EP1/tsm
connect_ep1() {
	set_blob "$LINK" certs $W/cert0
	set_blob "$LINK" transcript $W/meas
	expect_ok "$(tf $EP1 connect)" "$LINK"
}
connect_ep1
paused_read device-evidence $EP1
ptsm_unload devsec_tsm
ptsm_unload devsec_link_tsm
ptsm_unload devsec_bus
# nothing but the dump uses pci_tsm now, and the dump pins it
ptsm_is_loaded tsm_shim && fail "tsm_shim loaded (noshim stack expected)"
rmmod pci_tsm 2>/dev/null && fail "pci_tsm unloaded under a running dump"
ptsm_is_loaded pci_tsm || fail "pci_tsm gone under a running dump"
finish_read EAGAIN ENODEV ENXIO
expect_nl_err ENODEV "not found" read $EP1
ptsm_unload pci_tsm

ptsm_unload_all
exit 0
