#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# VALIDATE and the accept binding (docs/ABI.md 3.2) with
# require_validate=1: accept without a VALIDATE fails EPERM; after
# VALIDATE of the current generation it succeeds; after a re-lock the old
# validation is stale (VALIDATE of it ESTALE, accept ESTALE) until the new
# generation is validated. With require_validate=0 accept needs nothing.
# vm: timeout=120
. /ptsm/tests/evidence-lib.sh

P=/sys/module/pci_tsm/parameters/require_validate

# accept needs the shims (it fails closed without them)
core_stack
mkblob $W/cert0 4096
mkblob $W/meas 4096
set_blob "$SEC" certs $W/cert0
set_blob "$SEC" transcript $W/meas
expect_ok $P 1
expect_eq Y "$(cat $P)" "require_validate"

expect_ok "$(tf $EP1F1 lock)" "$SEC"
expect_errno EPERM "$(tf $EP1F1 accept)" 1

nl_ok $W/r.txt --family device-evidence $EP1F1
G=$(field $W/r.txt cert0 generation)
expect_eq "$(gen $EP1F1)" "$G" "READ generation"
ptsm-nl validate $EP1F1 $G || fail "validate $G"
expect_ok "$(tf $EP1F1 accept)" 1
expect_eq 1 "$(rd $EP1F1 accept)" "accepted after VALIDATE"

# re-lock: a new generation; the old validation no longer counts
expect_ok "$(tf $EP1F1 unlock)" "$SEC"
expect_ok "$(tf $EP1F1 lock)" "$SEC"
G2=$(gen $EP1F1)
[ "$G2" -gt "$G" ] || fail "re-lock did not move the generation ($G -> $G2)"
expect_nl_err ESTALE "is not current" validate $EP1F1 $G
expect_errno ESTALE "$(tf $EP1F1 accept)" 1
ptsm-nl validate $EP1F1 $G2 || fail "validate $G2"
expect_ok "$(tf $EP1F1 accept)" 1

# a VALIDATE goes stale when the evidence changes after it
expect_ok "$(tf $EP1F1 unlock)" "$SEC"
expect_ok "$(tf $EP1F1 lock)" "$SEC"
G3=$(gen $EP1F1)
ptsm-nl validate $EP1F1 $G3 || fail "validate $G3"
expect_ok "$(tf $EP1F1 unlock)" "$SEC"
expect_ok "$(tf $EP1F1 lock)" "$SEC"
expect_errno ESTALE "$(tf $EP1F1 accept)" 1

# without the binding accept needs no VALIDATE
expect_ok $P 0
expect_ok "$(tf $EP1F1 accept)" 1
expect_ok "$(tf $EP1F1 unlock)" "$SEC"

ptsm_unload_all
exit 0
