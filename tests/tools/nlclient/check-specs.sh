#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# check-specs.sh: the YNL specs include/uapi/linux/{pci-tsm,device-evidence}.yaml
# against upstream's own tooling (tools/net/ynl of a linux-source tarball):
#   1. each spec validates against Documentation/netlink/genetlink.yaml;
#   2. ynl-gen-c --mode uapi renders the spec, and every line of that header
#      (comments and blank lines aside) appears, in order, in our
#      hand-written uapi header -- same names, same values.
# The kernel's policy/op tables are hand-written from the specs (see the
# header comments of modules/pci_tsm/netlink_*.c).
#
# usage: check-specs.sh [LINUX_SOURCE_TARBALL]   (default: newest
#        /usr/src/linux-source-*.tar.xz that has tools/net/ynl)
# Exit 0 when consistent. Everything it needs is in scripts/deps.list
# (linux-source-6.12, python3-yaml, python3-jsonschema), so a missing
# tarball, interpreter or module fails (exit 1) rather than skipping.
# Python is Debian's /usr/bin/python3, whose modules those packages install
# (a python earlier in PATH, e.g. pyenv's, may lack or shadow them).
set -eu

TOP=$(cd "$(dirname "$0")/../../.." && pwd)
SRC=${1:-}
if [ -z "$SRC" ]; then
	for t in /usr/src/linux-source-*.tar.xz; do
		[ -f "$t" ] || continue
		case $t in */linux-source-6.[0-5].tar.xz) continue ;; esac
		SRC=$t
	done
fi
if [ -z "$SRC" ] || [ ! -f "$SRC" ]; then
	echo "FAIL check-specs: no /usr/src/linux-source-6.x tarball with tools/net/ynl" \
	     "(install linux-source-6.12: scripts/install-deps.sh)"
	exit 1
fi
[ -x /usr/bin/python3 ] || {
	echo "FAIL check-specs: no /usr/bin/python3 (scripts/install-deps.sh)"
	exit 1
}
/usr/bin/python3 -c 'import jsonschema, yaml' || {
	echo "FAIL check-specs: /usr/bin/python3 cannot import jsonschema and yaml" \
	     "(python3-jsonschema, python3-yaml: scripts/install-deps.sh)"
	exit 1
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
tar -xJf "$SRC" -C "$TMP" --wildcards '*/tools/net/ynl/*' \
	'*/Documentation/netlink/genetlink.yaml' 2>/dev/null || {
	echo "FAIL check-specs: $SRC has no tools/net/ynl"
	exit 1
}
ROOT=$(echo "$TMP"/linux-source-*)
touch "$ROOT/MAINTAINERS"	# ynl-gen-c looks for the tree root
mkdir -p "$ROOT/Documentation/netlink/specs" "$ROOT/out"

rc=0
for spec in pci-tsm device-evidence; do
	case $spec in
	pci-tsm) hdr=pci_tsm_netlink.h ;;
	device-evidence) hdr=device_evidence.h ;;
	esac
	cp "$TOP/include/uapi/linux/$spec.yaml" "$ROOT/Documentation/netlink/specs/"
	if ! /usr/bin/python3 - "$ROOT/Documentation/netlink/genetlink.yaml" \
		"$ROOT/Documentation/netlink/specs/$spec.yaml" <<'PY'
import sys
import jsonschema
import yaml
schema = yaml.safe_load(open(sys.argv[1]))
spec = yaml.safe_load(open(sys.argv[2]))
try:
    jsonschema.validate(spec, schema)
except jsonschema.ValidationError as e:
    print("schema: %s at %s" % (e.message, list(e.path)))
    sys.exit(1)
PY
	then
		echo "FAIL $spec.yaml: not valid against genetlink.yaml"
		rc=1
		continue
	fi
	if ! (cd "$ROOT/tools/net/ynl" && /usr/bin/python3 ynl-gen-c.py --mode uapi --header \
		--spec "../../../Documentation/netlink/specs/$spec.yaml" \
		-o "$ROOT/out/$spec.h") > "$ROOT/out/$spec.log" 2>&1; then
		cat "$ROOT/out/$spec.log"
		echo "FAIL $spec.yaml: ynl-gen-c failed"
		rc=1
		continue
	fi
	if /usr/bin/python3 - "$ROOT/out/$spec.h" "$TOP/include/uapi/linux/$hdr" <<'PY'
import re
import sys

def lines(path):
    text = re.sub(r'/\*.*?\*/', '', open(path).read(), flags=re.S)
    out = []
    for ln in text.splitlines():
        ln = re.sub(r'\s+', ' ', ln).strip()
        if ln and not ln.startswith('#include'):
            out.append(ln)
    return out

gen, ours = lines(sys.argv[1]), lines(sys.argv[2])
i = 0
for g in gen:
    while i < len(ours) and ours[i] != g:
        i += 1
    if i == len(ours):
        print("missing or out of order in %s: %s" % (sys.argv[2], g))
        sys.exit(1)
    i += 1
PY
	then
		echo "ok   $spec.yaml: valid; include/uapi/linux/$hdr matches ynl-gen-c"
	else
		echo "FAIL $spec.yaml: include/uapi/linux/$hdr differs from ynl-gen-c"
		rc=1
	fi
done
exit $rc
