#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# check-ear.sh PRODUCER: EAR output against the published definitions.
#  1. PRODUCER --write DIR produces sample EARs, an evidence bundle, a
#     signed JWT and the signer's public key: tests/test-ear (libtsm, as
#     tsmctl export writes them) or verifierd/obj/test-export (the files
#     the daemon writes to export-dir);
#  2. tests/ear/check-schema.py validates them against the JSON Schema
#     transcribed from draft-fv-rats-ear-05, and checks that broken
#     variants are rejected (python3-jsonschema missing = FAIL);
#  3. the JWT is verified with openssl(1) alone, as docs/fleet.md shows a
#     consumer doing it; a tampered payload must fail.
set -eu

test_ear=$1
here=$(dirname "$0")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

fail() { echo "check-ear: FAIL: $*" >&2; exit 1; }

command -v openssl >/dev/null || fail "openssl(1) not found"
"$test_ear" --write "$out" || fail "$test_ear --write"
/usr/bin/python3 "$here/ear/check-schema.py" "$here/ear/ear.schema.json" \
	"$here/ear/bundle.schema.json" "$out" >"$out/schema.log" 2>&1 ||
	{ grep -v '^ok ' "$out/schema.log" >&2; fail "schema validation"; }
tail -n 1 "$out/schema.log"

# base64url -> bytes, with openssl's base64 decoder
b64url_decode() {
	s=$(printf '%s' "$1" | tr '_-' '/+')
	case $((${#s} % 4)) in
	2) s="$s==" ;;
	3) s="$s=" ;;
	esac
	printf '%s' "$s" | openssl base64 -d -A
}

# JWS compact: HEADER.PAYLOAD.SIGNATURE; ES256 signs "HEADER.PAYLOAD"
jwt=$(cat "$out/ear.jwt")
header=${jwt%%.*}
rest=${jwt#*.}
payload=${rest%%.*}
sig=${rest#*.}
printf '%s.%s' "$header" "$payload" >"$out/signed"
b64url_decode "$sig" >"$out/sig.raw"
[ "$(wc -c <"$out/sig.raw")" -eq 64 ] || fail "ES256 signature is not 64 bytes (R || S)"
# R || S -> DER ECDSA-Sig-Value, which openssl dgst expects
r=$(head -c 32 "$out/sig.raw" | od -An -v -tx1 | tr -d ' \n')
s=$(tail -c 32 "$out/sig.raw" | od -An -v -tx1 | tr -d ' \n')
printf 'asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x%s\ns=INTEGER:0x%s\n' "$r" "$s" >"$out/sig.cnf"
openssl asn1parse -genconf "$out/sig.cnf" -out "$out/sig.der" -noout ||
	fail "cannot build the DER signature"
openssl dgst -sha256 -verify "$out/pub.pem" -signature "$out/sig.der" "$out/signed" \
	>"$out/verify.log" 2>&1 || { cat "$out/verify.log" >&2; fail "openssl does not verify ear.jwt"; }
grep -qx 'Verified OK' "$out/verify.log" || fail "openssl said: $(cat "$out/verify.log")"

# the signed payload is the EAR that was written, and it validates too
b64url_decode "$payload" >"$out/payload.json"
/usr/bin/python3 - "$out/payload.json" "$out/ear-contraindicated.json" <<'PY' ||
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
sys.exit(0 if a == b else "payload differs from ear-contraindicated.json")
PY
	fail "JWT payload"
hdr=$(b64url_decode "$header")
case $hdr in
*'"alg":"ES256"'*) ;;
*) fail "JWS header without alg ES256: $hdr" ;;
esac

# a tampered payload must not verify
printf '%s.%sA' "$header" "$payload" >"$out/tampered"
if openssl dgst -sha256 -verify "$out/pub.pem" -signature "$out/sig.der" "$out/tampered" \
	>/dev/null 2>&1; then
	fail "openssl verifies a tampered JWT"
fi
echo "check-ear: ear.jwt verified with openssl dgst; tampered copy refused"
