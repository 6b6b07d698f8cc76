#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Every refusal of the two evidence families (docs/ABI.md 3.1, 3.2), each
# with its errno and extack text: malformed requests (EINVAL; the
# attribute policies answer EINVAL or ERANGE), unknown device (ENODEV), no TSM context or
# no evidence (ENXIO), unsupported subsystem or nonce (EOPNOTSUPP), stale
# VALIDATE (ESTALE) and a caller without CAP_NET_ADMIN (EPERM).
# vm: timeout=120
. /ptsm/tests/evidence-lib.sh

core_stack noshim
mkblob $W/cert0 4096
mkblob $W/meas 4096
ev_connect $W/cert0 $W/meas
G=$(gen $EP0)
NOPE=0000:7f:1f.7
LONG=0000:00:00.0-this-name-is-far-too-long
# a PCI device without TDISP (QEMU's host bridge): ENXIO, whether pci_tsm
# keeps a context for it ("no evidence") or not ("no TSM context")
PLAIN=0000:00:00.0
[ -e $PCI/$PLAIN ] || fail "no $PLAIN in the VM"

for fam in pci-tsm device-evidence; do
	F="read --family $fam"
	expect_nl_err EINVAL "missing object request mask" $F --no-mask $EP0
	expect_nl_err EINVAL "unsupported object request 0x800" $F --mask fff $EP0
	expect_nl_err EINVAL "unsupported object request 0x80000000" $F --mask 80000001 $EP0
	expect_nl_err EINVAL "no evidence type requested" $F --mask 0 $EP0
	expect_nl_err EINVAL "unsupported flags 0x2" $F --flags 3 $EP0
	expect_nl_err EINVAL "missing device name" $F --no-dev $EP0
	expect_nl_err ENODEV "device '$NOPE' not found" $F $NOPE
	expect_nl_err ENODEV "device '' not found" $F ""
	expect_nl_err ENXIO "'$PLAIN'" $F $PLAIN
	expect_nl_err ENXIO "no evidence available for '$EP1'" $F $EP1
	expect_nl_err EINVAL "Attribute failed policy validation" $F $LONG
	expect_nl_err EPERM "" $F --drop-cap $EP0
	# the checks come in a fixed order: mask before device
	expect_nl_err EINVAL "no evidence type requested" $F --mask 0 $NOPE
done

# pci-tsm: NONCE up to 256 bytes passes the policy; only 32 bytes can
# refresh, and without a responder the sample TSM cannot
N16=00112233445566778899aabbccddeeff
N32=$N16$N16
N257=$(i=0; while [ $i -lt 257 ]; do printf 00; i=$((i + 1)); done)
expect_nl_err EOPNOTSUPP "a 16-byte nonce cannot refresh evidence" \
	read --family pci-tsm --nonce $N16 $EP0
expect_nl_err ERANGE "" read --family pci-tsm --nonce $N257 $EP0
expect_nl_err EOPNOTSUPP "" read --family pci-tsm --nonce $N32 $EP0
log "pci-tsm nonce without responder: $(cat $W/err.txt)"

# device-evidence: SUBSYS required and "pci" only; NONCE exactly 32 bytes
D="read --family device-evidence"
expect_nl_err EINVAL "missing subsystem" $D --no-subsys $EP0
expect_nl_err EOPNOTSUPP "unsupported subsystem 'usb'" $D --subsys usb $EP0
expect_nl_err EINVAL "Attribute failed policy validation" $D --subsys pci-is-not-this-long $EP0
expect_nl_err ERANGE "" $D --nonce $N16 $EP0
expect_nl_err EOPNOTSUPP "" $D --nonce $N32 $EP0
log "device-evidence nonce without responder: $(cat $W/err.txt)"

# VALIDATE (messages name the values on kernels with formatted extack)
expect_nl_err EINVAL "missing subsystem" validate --no-subsys $EP0 $G
expect_nl_err EOPNOTSUPP "unsupported subsystem" validate --subsys usb $EP0 $G
expect_nl_err EINVAL "missing device name" validate --no-dev $EP0 $G
expect_nl_err ENODEV "not found" validate $NOPE $G
expect_nl_err ESTALE "is not current" validate $EP0 $((G + 1))
expect_nl_err ESTALE "is not current" validate $EP0 0
expect_nl_err ESTALE "is not current" validate $EP1 1
expect_nl_err EPERM "" validate --drop-cap $EP0 $G
ptsm-nl validate $EP0 $G || fail "validate of the current generation"

# nothing above disturbed the evidence
nl_ok $W/after.txt --out $W $EP0
cmp $W/cert0 $W/cert0.bin || fail "CERT0 differs after the error tests"
expect_eq "$G" "$(gen $EP0)" "generation after the error tests"

ptsm_unload_all
exit 0
