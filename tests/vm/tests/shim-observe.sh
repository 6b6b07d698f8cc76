#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# What the redirects do, observed in the kernel's results (issue 14), not
# in tsm_shim's handler counts: ptsm_test_observe (tests/kmod) calls
# force_dma_unencrypted() directly, maps a buffer with dma_map_single(),
# allocates with dma_alloc_coherent() (shared = dma-direct decrypted it)
# and ioremaps BAR0 and the MSI-X table (encrypted = the mapping was built
# with pgprot_encrypted) for the accepted function, a locked-never-accepted
# one and a device of QEMU's own, each time after the kprobe optimizer had
# its chance (no redirecting probe may show OPTIMIZED). First in testing
# mode, also after switching debug.kprobes-optimization off and on, then
# without testing mode, then without tsm_shim (the control: the answers
# change, so the observer is not constant).
# vm: swiotlb=force
# vm: timeout=240
. /ptsm/tests/shim-lib.sh

trap shim_cleanup EXIT
UNREL=$(unrelated_dev)
shim_stack testing=1
ptsm_load ptsm_test_observe
expect_eq 1 "$(shim_status ready)" "tsm_shim ready"

# before any accept: nothing is private, everything bounces
wait_optimizer "testing, nothing accepted"
expect_observed "$ACC" "testing, not accepted" fdu=shared map=bounced coherent=shared bar0=plain
expect_observed "$UNREL" "testing, not accepted" fdu=shared map=bounced coherent=shared

lock_accept "$ACC"
expect_ok "$PCI/$OTHER/tsm/lock" "$TSM"
wait_optimizer "testing, $ACC accepted"
expect_observed "$ACC" "testing, accepted" fdu=private map=direct coherent=private \
	bar0=encrypted msix=plain
expect_observed "$OTHER" "testing, locked only" fdu=shared map=bounced coherent=shared \
	bar0=plain
expect_observed "$UNREL" "testing, unrelated" fdu=shared map=bounced coherent=shared
case "$(echo "$OB" | sed -n 's/^bar0=//p')" in
plain|absent) ;;
*) fail "ioremap of $UNREL's BAR0: $(echo "$OB" | grep '^bar0=')" ;;
esac

# optimization off and on again: optimize_all_kprobes() must leave the
# redirecting probes alone
echo 0 > $OPTSYSCTL
echo 1 > $OPTSYSCTL
wait_optimizer "after debug.kprobes-optimization 0 -> 1"
expect_observed "$ACC" "after re-optimization, accepted" fdu=private map=direct \
	coherent=private bar0=encrypted
expect_observed "$OTHER" "after re-optimization, locked only" fdu=shared map=bounced \
	coherent=shared
expect_eq 1 "$(shim_status ready)" "tsm_shim ready after re-optimization"

unlock "$ACC"
expect_observed "$ACC" "testing, after unlock" fdu=shared map=bounced coherent=shared bar0=plain
unlock "$OTHER"

# without testing mode: the kernel's own answers for other devices
shim_reload
lock_accept "$ACC"
wait_optimizer "plain host, $ACC accepted"
expect_observed "$ACC" "plain host, accepted" fdu=private map=direct coherent=private \
	bar0=refused msix=plain
expect_observed "$OTHER" "plain host, never accepted" fdu=private map=bounced \
	coherent=private bar0=plain
expect_observed "$UNREL" "plain host, unrelated" fdu=private map=bounced coherent=private
unlock "$ACC"

# without tsm_shim at all: the accepted-device answers are gone
ptsm_unload tsm_shim
expect_observed "$ACC" "no shim" fdu=private map=bounced coherent=private bar0=plain
log "observed: private/direct/encrypted only for the accepted function, on $(uname -r)"
