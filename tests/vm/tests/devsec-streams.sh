#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The link TSM's stream pool: with 5 endpoints per bridge the fifth connect
# on a bridge fails with EBUSY once its 4 streams are taken; the links are
# stream0.0.0 .. stream3.0.0; a freed stream is reused; the other bridge
# keeps its own 4 streams.
# vm: timeout=150
. /ptsm/tests/devsec-lib.sh

ptsm_load tsm_core
ptsm_load pci_tsm
ptsm_load devsec_bus nr_endpoints=5 nr_functions=1 bar_size=65536
ptsm_load devsec_link_tsm
LINK=$(tsm_by_mode link) || fail "no link TSM"
hb=$(host_bridge 10000:01:00.0)
hb1=$(host_bridge 10001:07:00.0)

n=4
for b in 01 02 03 04; do
	expect_ok $PCI/10000:$b:00.0/tsm/connect $LINK
	n=$((n - 1))
	expect_eq $n "$(cat $hb/available_secure_streams)" "streams after connecting 10000:$b"
done
for h in 0 1 2 3; do
	expect_eq "$(readlink -f $PCI/10000:0$((h + 1)):00.0)" \
		"$(readlink -f $hb/stream$h.0.0)" "stream$h.0.0"
done
expect_errno EBUSY $PCI/10000:05:00.0/tsm/connect $LINK
expect_eq "" "$(cat $PCI/10000:05:00.0/tsm/dsm)" "refused PF0 not connected"
expect_eq 0 "$(cat $hb/available_secure_streams)" "no stream left"

# the other bridge is independent
expect_ok $PCI/10001:07:00.0/tsm/connect $LINK
expect_eq 3 "$(cat $hb1/available_secure_streams)" "other bridge"
expect_eq "$(readlink -f $PCI/10001:07:00.0)" "$(readlink -f $hb1/stream0.0.0)" \
	"other bridge stream0.0.0"

# free stream 1, the fifth endpoint gets it
expect_ok $PCI/10000:02:00.0/tsm/disconnect $LINK
[ -e $hb/stream1.0.0 ] && fail "stream1.0.0 left after disconnect"
expect_eq 1 "$(cat $hb/available_secure_streams)" "one stream free"
expect_ok $PCI/10000:05:00.0/tsm/connect $LINK
expect_eq "$(readlink -f $PCI/10000:05:00.0)" "$(readlink -f $hb/stream1.0.0)" \
	"freed stream reused"
expect_eq 0 "$(cat $hb/available_secure_streams)" "pool full again"

# unload the bus first while 5 streams are up
ptsm_unload devsec_bus
[ -e /sys/class/tsm/$LINK/pci10000:00 ] && fail "bridge link left after bus unload"
ptsm_unload_all
exit 0
