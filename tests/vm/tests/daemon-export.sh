#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# tsmctl export: a device denied by default is contraindicated (EAR only:
# its evidence is gone once it is unlocked). After
# tsm-verifierd accepted it under the fixture's policy, the bundle carries
# the very evidence bytes it judged (the fixture's certificate chain, the
# MEASUREMENTS the daemon's nonce produced, whose SHA-256 the daemon
# reports), and the EAR says affirming with the deciding rule, signed when
# asked. A non-P-256 key is refused and nothing is written. Without the
# daemon the EAR says no decision (status none). Schema validation and
# openssl verification of the output run on the host (make check-ear).
#
# The daemon's export-dir, configured from the start: the denial is
# written as it happens (EAR contraindicated, JWT, and the bundle of the
# evidence it was denied on, which the kernel no longer publishes), the
# acceptance likewise (affirming, the bundle of the MEASUREMENTS the
# daemon's nonce produced); names carry time, device and generation; with
# export-keep = 2 only the newest two decisions stay (an administrator's
# revoke and accept are decisions too).
# vm: timeout=300
. /ptsm/tests/daemon-lib.sh
trap daemon_cleanup EXIT

OUT=/tmp/export
KEY=/tmp/ear-p256.pem
# throwaway test keys
cat > $KEY <<'PEM'
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgrnmHZBppxAN1h9hX
kVVJS8aufMuR9WduZD3NnEg/kC+hRANCAASdb8w6756MP8uzc972YoXtsh0pgnRi
DNMacsMJ7017PmGE4e5E7nZFkbwBU6TM9DcDtheybv8YwPSSfaI3s1Q/
-----END PRIVATE KEY-----
PEM
cat > /tmp/ear-p384.pem <<'PEM'
-----BEGIN PRIVATE KEY-----
MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDC37FNIiZmiY8LwMx8T
U5PihOZ5TnKFLRiPDWcCR32lfAMsGicZT8r1RnoeauXAlpOhZANiAASRq4H7+H3B
J2gZMVQj4afUSXO7TNoZlDy+v3T3ZmZV/3mtD8coFPs2Xsjq5PaxQMA7tpNsHzQr
bDtKZ6bzFXX9gZ3Mm8FMiQgu4QoVeylblCgnJMcL6vxXcDLibUKCAqQ=
-----END PRIVATE KEY-----
PEM

# obj_field FILE OBJECT KEY: a key of one evidence object in a bundle
# (json-c's pretty printing puts one key per line)
obj_field() {
	awk -v o="\"$2\":{" -v k="\"$3\":" '
		index($0, o) { inobj = 1; next }
		inobj && index($0, k) { sub(/^[^:]*:/, ""); gsub(/[",]/, ""); print; exit }
		inobj && /}/ { exit }' "$1"
}

# b64url_decode: stdin base64url without padding -> stdout bytes
b64url_decode() {
	local s

	s=$(tr '_-' '/+')
	case $((${#s} % 4)) in
	2) s="$s==" ;;
	3) s="$s=" ;;
	esac
	printf '%s' "$s" | base64 -d
}

XD=/tmp/dexport

# dx_ear DEV STATUS: the newest EAR of DEV in export-dir with that status,
# waited for (the daemon writes on a thread of its own, after deciding)
dx_ear() {
	local i=0 f

	while [ $i -lt 100 ]; do
		for f in $(ls -r $XD 2>/dev/null | grep -E "^[0-9]{8}T[0-9]{6}\.[0-9]{6}Z-$1-g[0-9]+\.ear\.json$"); do
			grep -q "\"ear.status\":\"$2\"" $XD/$f && { echo $XD/$f; return 0; }
		done
		usleep 100000
		i=$((i + 1))
	done
	fail "no $2 EAR of $1 in $XD: $(ls $XD 2>&1 | tr '\n' ' ')"
}

# dx_check EAR: its bundle and JWT beside it, bound to each other
dx_check() {
	local ear=$1 stem=${1%.ear.json} jwt rest gen

	[ -s $stem.bundle.json ] || fail "no bundle beside $ear"
	[ -s $stem.ear.jwt ] || fail "no JWT beside $ear (export-key)"
	grep -q "\"bundle-sha256\":\"$(sha256sum $stem.bundle.json | cut -d' ' -f1)\"" $ear ||
		fail "$ear not bound to its bundle as written"
	gen=$(sed -n 's/^ *"generation":\([0-9]*\),*$/\1/p' $stem.bundle.json | head -1)
	case "$stem" in *-g$gen) ;; *) fail "$stem: not named for the bundle's generation $gen" ;; esac
	# the EAR names the MEASUREMENTS the bundle holds
	grep -q "\"measurements\":\"$(obj_field $stem.bundle.json measurements sha256)\"" $ear ||
		fail "$ear evidence-sha256 is not the bundle's measurements"
	obj_field $stem.bundle.json cert0 base64 | base64 -d | cmp - $FIX/$ALG/good/cert0.bin ||
		fail "$stem.bundle.json cert0 differs from the fixture"
	jwt=$(cat $stem.ear.jwt)
	[ "$(printf '%s' "$jwt" | tr -cd . | wc -c)" -eq 2 ] || fail "$stem.ear.jwt is not a JWS"
	printf '%s' "${jwt%%.*}" | b64url_decode | grep -q '"alg":"ES256"' || fail "JWT header not ES256"
	rest=${jwt#*.}
	printf '%s' "${rest%%.*}" | b64url_decode | tr -d ' \n' > /tmp/payload.json
	[ "$(tr -d ' \n' < $ear)" = "$(cat /tmp/payload.json)" ] || fail "JWT payload is not $ear"
	[ $(printf '%s' "${rest#*.}" | b64url_decode | wc -c) -eq 64 ] ||
		fail "ES256 signature not 64 bytes"
}

daemon_modules
fixture_load good
policy_none
config_write export-dir=$XD export-key=$KEY
responder_start good
echo devsec_pci > "$PCI/$EP0/driver_override" || fail "driver_override of $EP0"
daemon_start

# Denied (no rule matches, default deny): contraindicated, unrecognized
# hardware, and the check that failed.
got=$(wait_decided $EP0 120)
expect_eq denied "$got" "decision for $EP0 without rules"
mkdir -p /tmp/denied
# A denied device is unlocked and its evidence gone: the EAR alone.
tsmctl -c $DCONF export --out /tmp/denied $EP0 > /dev/null 2>/tmp/denied.err ||
	{ cat /tmp/denied.err; fail "export of denied $EP0 failed"; }
DE=/tmp/denied/$EP0.ear.json
grep -q "no bundle" /tmp/denied.err || fail "no note that the bundle is missing"
[ ! -e /tmp/denied/$EP0.bundle.json ] || fail "a bundle of evidence that is gone"
grep -q '"ear.status":"contraindicated"' $DE || { cat $DE; fail "denied EAR not contraindicated"; }
grep -q '"hardware":97' $DE || { cat $DE; fail "denied EAR without hardware 97"; }
grep -q '"check":"default"' $DE || fail "denied EAR without its check"
log "export of denied $EP0: contraindicated, hardware 97"

# The daemon exported the denial itself, with the evidence it was denied on.
XDE=$(dx_ear $EP0 contraindicated)
dx_check $XDE
grep -q '"decision":"denied"' $XDE || fail "$XDE: not the denial"
grep -q '"hardware":97' $XDE || fail "$XDE: without hardware 97"
grep -q '"ear.appraisal-policy-id":"sha256:[0-9a-f]\{64\}"' $XDE || fail "$XDE: no policy id"
log "export-dir: denial of $EP0 with its evidence: $(basename $XDE)"
# for validation on the host, as below
for f in $XDE ${XDE%.ear.json}.ear.jwt; do
	echo "---- dexport/$(basename $f)"
	cat $f
	echo
	echo "---- end"
done

# The fixture's policy, reloaded: accepted.
wait_all_decided 120
policy_install good
tsmctl reload || fail "reload refused"
got=$(wait_decided $EP0 120)
i=0
while [ "$got" != accepted ] && [ $i -lt 60 ]; do
	usleep 500000
	got=$(wait_decided $EP0 120)
	i=$((i + 1))
done
expect_eq accepted "$got" "decision for $EP0 (reason: $(field $EP0 Reason))"

# A key that is not P-256 is refused before anything is written.
mkdir -p $OUT
tsmctl -c $DCONF export --sign /tmp/ear-p384.pem --out $OUT $EP0 2>/tmp/p384.err &&
	fail "export signed with a P-384 key"
grep -q "P-256" /tmp/p384.err || fail "P-384 refusal does not say why: $(cat /tmp/p384.err)"
[ -z "$(ls $OUT)" ] || fail "a refused export wrote $(ls $OUT)"

tsmctl -c $DCONF export --sign $KEY --out $OUT $EP0 > /tmp/export.out ||
	fail "tsmctl export failed"
B=$OUT/$EP0.bundle.json
E=$OUT/$EP0.ear.json
J=$OUT/$EP0.ear.jwt
for f in $B $E $J; do
	[ -s "$f" ] || fail "no $f"
	grep -qx "$f" /tmp/export.out || fail "export did not name $f"
done

# The bundle holds the fixture's chain, byte for byte ...
obj_field $B cert0 base64 | base64 -d > /tmp/cert0.bin || fail "cert0 is not base64"
cmp /tmp/cert0.bin $FIX/$ALG/good/cert0.bin || fail "bundle cert0 differs from the fixture"
# ... and the MEASUREMENTS the daemon judged: its SHA-256 is the daemon's
obj_field $B measurements base64 | base64 -d > /tmp/meas.bin || fail "measurements not base64"
sha=$(sha256sum /tmp/meas.bin | cut -d' ' -f1)
expect_eq "$sha" "$(obj_field $B measurements sha256)" "bundle measurements sha256"
tsmctl show --json $EP0 | tr -d ' \n' | grep -q "\"measurements\":\"$sha\"" ||
	fail "daemon's evidence_sha256 lacks measurements $sha"
grep -q '"nonce":"[A-Za-z0-9+/]*=*"' $B || fail "bundle without the requester nonce"
gen=$(cat $PCI/$EP0/tsm/evidence_generation) || fail "no evidence_generation of $EP0"
grep -q "\"generation\":$gen," $B || fail "bundle generation is not sysfs's $gen"
grep -q '"family":"device-evidence"' $B || fail "bundle not read over device-evidence"
grep -q "\"name\":\"$DEVSEC_TSM\"" $B || fail "bundle does not name TSM $DEVSEC_TSM"

# The EAR: affirming under the fixture's rule, bound to this bundle.
grep -q '"eat_profile":"tag:github.com,2023:veraison/ear"' $E || fail "EAR profile"
grep -q '"ear.status":"affirming"' $E || { cat $E; fail "EAR of an accepted device not affirming"; }
grep -q '"instance-identity":2' $E || fail "EAR vector without instance-identity 2"
grep -q "\"rule\":\"fixture-$ALG\"" $E || fail "EAR without the rule"
grep -q '"ear.appraisal-policy-id":"sha256:[0-9a-f]\{64\}"' $E || fail "EAR without policy id"
grep -q "\"bundle-sha256\":\"$(sha256sum $B | cut -d' ' -f1)\"" $E ||
	fail "EAR not bound to the bundle as written"

# The JWS: three parts, ES256 header, payload is the EAR.
jwt=$(cat $J)
[ "$(printf '%s' "$jwt" | tr -cd . | wc -c)" -eq 2 ] || fail "JWT is not header.payload.sig"
printf '%s' "${jwt%%.*}" | b64url_decode | grep -q '"alg":"ES256"' || fail "JWT header not ES256"
rest=${jwt#*.}
printf '%s' "${rest%%.*}" | b64url_decode | grep -q '"ear.status":"affirming"' ||
	fail "JWT payload is not the EAR"
sig=${rest#*.}
[ $(printf '%s' "$sig" | b64url_decode | wc -c) -eq 64 ] || fail "ES256 signature not 64 bytes"
log "export of accepted $EP0: bundle, affirming EAR, ES256 JWT"

# ... and the acceptance, with the MEASUREMENTS its nonce produced.
XDA=$(dx_ear $EP0 affirming)
dx_check $XDA
grep -q "\"rule\":\"fixture-$ALG\"" $XDA || fail "$XDA: without the rule"
case "$XDA" in *-$EP0-g$gen.ear.json) ;; *) fail "$XDA: not generation $gen" ;; esac
tsmctl show --json $EP0 | tr -d ' \n' |
	grep -q "\"measurements\":\"$(obj_field ${XDA%.ear.json}.bundle.json measurements sha256)\"" ||
	fail "the accepted bundle's measurements are not what the daemon judged"
[ -z "$(ls -a $XD | grep '\.tmp$')" ] || fail "temporary files left in $XD"
log "export-dir: acceptance of $EP0: $(basename $XDA)"

# export-keep = 2: reload, revoke, accept: only the newest two decisions stay.
config_write export-dir=$XD export-key=$KEY export-keep=2
tsmctl reload || fail "reload with export-keep = 2 refused"
wait_all_decided 120
tsmctl revoke $EP0 > /dev/null || fail "revoke of $EP0"
tsmctl accept $EP0 > /dev/null || fail "administrator's accept of $EP0"
XDW=$(dx_ear $EP0 warning)
grep -q '"rule":"admin"' $XDW || fail "$XDW: not the administrator's accept"
i=0
while [ $(ls $XD | grep -c '\.ear\.json$') -gt 2 ] && [ $i -lt 50 ]; do
	usleep 100000
	i=$((i + 1))
done
expect_eq 2 "$(ls $XD | grep -c '\.ear\.json$')" "EARs kept with export-keep = 2"
expect_eq 2 "$(ls $XD | grep -c '\.ear\.jwt$')" "JWTs kept with export-keep = 2"
[ "$(ls $XD | grep -c '\.bundle\.json$')" -le 2 ] || fail "more than 2 bundles kept"
[ "$(ls $XD | sed -E 's/\.(ear\.json|ear\.jwt|bundle\.json)$//' | sort -u | tail -1)" = \
  "$(basename ${XDW%.ear.json})" ] || fail "the newest decision is not the one kept last"
log "export-dir: bounded to the newest 2 decisions ($(ls $XD | wc -l) files)"
# for validation on the host (docs/fleet.md): the outputs in the test log
for f in $DE $E $J; do
	echo "---- $(basename $(dirname $f))/$(basename $f)"
	cat $f
	echo
	echo "---- end"
done

# Without the daemon: the same evidence, no decision.
daemon_stop
rm -f $OUT/*
tsmctl -c $DCONF export --out $OUT $EP0 2>/tmp/nodaemon.err || fail "export without daemon failed"
grep -q "not reachable" /tmp/nodaemon.err || fail "no note that the daemon is not running"
grep -q '"ear.status":"none"' $E || { cat $E; fail "EAR without the daemon is not none"; }
[ ! -e $J ] || fail "a JWT without --sign"
obj_field $B cert0 base64 | base64 -d | cmp - $FIX/$ALG/good/cert0.bin ||
	fail "bundle without the daemon differs"

# Bad input: a directory that is not one, a name that is not a device.
tsmctl export --out /nonexistent $EP0 2>/dev/null && fail "export into a missing directory"
tsmctl export --out $OUT 0000:ff:1f.7 2>/dev/null && fail "export of a missing device"
tsmctl export --out $OUT not-a-device 2>/dev/null; expect_eq 2 $? "usage error exit"
log "PASS"
