#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tests/deps/check.sh: scripts/deps.list is complete. In a clean Debian 12
# root where scripts/install-deps.sh has run (tests/deps/build-root.sh,
# cached), everything the suite and the demo use must be present:
#   - every command the host-side scripts and Makefile recipes run, and
#     every busybox applet the VM scripts use;
#   - every non-stdlib module the project's Python imports, importable by
#     Debian's /usr/bin/python3;
#   - every pkg-config module the Makefiles ask for, every system header the
#     userspace C sources include, and every compiler/sanitizer/-l
#     combination the recipes link with (a program is linked in the root);
#   - every system file a script names (/usr/src/linux-source-*.tar.xz...),
#     every package a script asks dpkg-query about, and the 6.1 and 6.12
#     kernels scripts/kernels.sh looks for.
# The list is not kept by hand: tests/deps/scan.py derives it from the tree
# on every run. Prints "PASS deps..." or "FAIL deps..." lines (the format
# of tests/check.sh) and exits non-zero on any FAIL. Nothing is skipped:
# no root, no debootstrap or no network to build the root is a FAIL.
#
# PTSM_DEPS_LIST=FILE checks FILE instead of scripts/deps.list (to see the
# test fail: a copy with one line removed). Log: build/check/deps.log or
# $PTSM_DEPS_LOG.
set -uo pipefail
# The whole script is one block: bash parses it completely before running
# it, so editing this file while it runs cannot change a running instance.
{

TOP=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${PTSM_CACHE:-/var/cache/pci-tsm}/deps-root
LOG=${PTSM_DEPS_LOG:-${PTSM_BUILD_DIR:-$TOP/build}/check/deps.log}
mkdir -p "$(dirname "$LOG")"
: > "$LOG"

fail() {
	echo "FAIL deps: $*"
	exit 1
}

[ "$(id -u)" = 0 ] || fail "must run as root (debootstrap and chroot)"
[ -x /usr/bin/python3 ] || fail "no /usr/bin/python3 on the host to run tests/deps/scan.py"

t0=$(date +%s)
if ! root=$("$TOP/tests/deps/build-root.sh" 2>> "$LOG"); then
	tail -n 30 "$LOG" | sed 's/^/  | /'
	fail "could not build the clean Debian 12 root with scripts/install-deps.sh (log: ${LOG#$TOP/})"
fi
built=$(( $(date +%s) - t0 ))

reqs=$(mktemp)
trap 'rm -f "$reqs"' EXIT
if ! /usr/bin/python3 "$TOP/tests/deps/scan.py" "$TOP" > "$reqs" 2>> "$LOG"; then
	grep '^error:' "$LOG" | sed 's/^/  | /'
	fail "tests/deps/scan.py found errors (see above)"
fi
n=$(wc -l < "$reqs")
[ "$n" -ge 50 ] || fail "tests/deps/scan.py found only $n requirements: the scanner is broken"
for kind in cmd applet py pc file link; do
	grep -q "^$kind " "$reqs" || fail "tests/deps/scan.py found no '$kind' requirement: the scanner is broken"
done

# The probes run inside the root, with its own /bin/sh and nothing from the
# host. A shared lock keeps build-root.sh from replacing the root meanwhile.
exec 8>"$CACHE/.lock"
flock -s 8
[ -e "$root/../.done" ] || fail "the root $root went away"
work=$(mktemp -d "$root/tmp/ptsm-deps-check.XXXXXX")
trap 'rm -f "$reqs"; rm -rf "$work"' EXIT
inroot=/tmp/${work##*/}
sed -e 's/ @ .*//' "$reqs" > "$work/reqs"
cp "$TOP/scripts/kernels.sh" "$work/kernels.sh"
cat > "$work/probe.sh" <<'PROBE'
#!/bin/sh
# One line per requirement: "ok ..." or "MISSING ...". Runs in the root.
cd "$(dirname "$0")" || exit 2
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
applets=$(busybox --list 2>/dev/null)
printf 'int main(void) { return 0; }\n' > main.c
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' > fuzz.c
while read -r kind value rest; do
	case $kind in
	cmd)
		case $value in
		/*) [ -x "$value" ] ;;
		*) command -v "$value" > /dev/null ;;
		esac ;;
	applet) echo "$applets" | grep -qx "$value" ;;
	py) /usr/bin/python3 -c "import $value" 2> py.err ;;
	pc) pkg-config --exists "$value" ;;
	file) ls -d $value > /dev/null 2>&1 ;;
	deb) dpkg-query -W -f='${Status}\n' "$value" 2>/dev/null | grep -q 'install ok installed' ;;
	link)
		src=main.c
		case " $rest " in *fuzzer*) src=fuzz.c ;; esac
		"$value" $rest -o prog $src > link.err 2>&1 ;;
	*) false ;;
	esac
	if [ $? = 0 ]; then
		echo "ok $kind $value $rest"
	else
		echo "MISSING $kind $value $rest"
	fi
done < reqs
# scripts/kernels.sh: a 6.1 and a 6.12 kernel with headers (image + build/)
if kv=$(bash ./kernels.sh 2>&1); then
	echo "ok kernels $(echo $kv)"
else
	echo "MISSING kernels: $(echo $kv)"
fi
PROBE
if ! chroot "$root" /bin/sh "$inroot/probe.sh" > "$work/out" 2>> "$LOG"; then
	fail "the probe script did not run in the root"
fi
cat "$work/out" >> "$LOG"
nok=$(grep -c '^ok ' "$work/out")
missing=$(grep '^MISSING ' "$work/out" | sed 's/^MISSING //')
if [ -n "$missing" ]; then
	echo "missing in a clean Debian 12 root after scripts/install-deps.sh:"
	while read -r kind value rest; do
		where=$(grep -m1 -F "$kind $value${rest:+ $rest} @ " "$reqs" | sed 's/.* @ //')
		echo "  $kind $value${rest:+ $rest}${where:+  (used by $where)}"
	done <<< "$missing"
	fail "$(echo "$missing" | wc -l) of $((n + 1)) requirements missing: add their packages to scripts/deps.list"
fi
[ "$nok" = $((n + 1)) ] || fail "the probe answered $nok of $((n + 1)) requirements"
echo "PASS deps: all $nok requirements (commands, applets, Python modules, pkg-config, headers, links, kernels) present in a clean Debian 12 root after scripts/install-deps.sh (root built or reused in ${built}s, total $(( $(date +%s) - t0 ))s)"
exit 0
}
