#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make deb`: build the Debian packages pci-tsm-dkms and tsm-verifierd.
#
# usage: debian/build-debs.sh [--out DIR] [--bump SUFFIX] [--no-lintian]
#
# The tree (git's tracked and untracked-but-not-ignored files; outside git,
# everything but build/) is copied to DIR/src/pci-tsm-VERSION and built
# there with `dpkg-buildpackage -us -uc -b`, so that the checkout stays
# clean; the packages land in DIR (default build/deb). Then lintian checks
# them and the build fails on any error (warnings are shown).
# --bump SUFFIX  build version VERSION+SUFFIX instead: VERSION and a new
#                debian/changelog entry are changed in the copy only (the
#                whole-system test's upgrade).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
out=$TOP/build/deb
bump=
lintian=1
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=$2; shift 2 ;;
	--bump) bump=$2; shift 2 ;;
	--no-lintian) lintian=0; shift ;;
	-h|--help) sed -n '4,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "build-debs: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done

die() { echo "build-debs: $*" >&2; exit 1; }
for t in dpkg-buildpackage dh fakeroot; do
	command -v $t >/dev/null || die "missing '$t' (scripts/install-deps.sh)"
done
[ $lintian = 0 ] || command -v lintian >/dev/null || die "missing 'lintian' (scripts/install-deps.sh)"

version=$(cat "$TOP/VERSION")
[ -z "$bump" ] || version=$version+$bump
src=$out/src/pci-tsm-$version
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/src"
rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
mkdir -p "$src"

if [ "$(git -C "$TOP" rev-parse --show-toplevel 2>/dev/null)" = "$TOP" ]; then
	(cd "$TOP" && git ls-files -co --exclude-standard -z |
		xargs -0 cp -P --parents -t "$src" 2>/dev/null) || true
	# files git knows but the checkout deleted are simply not copied
	[ -f "$src/debian/rules" ] || die "copying the tree to $src failed"
else
	tar -C "$TOP" --exclude=./build -cf - . | tar -C "$src" -xf -
fi

if [ -n "$bump" ]; then
	echo "$version" > "$src/VERSION"
	maint=$(sed -n 's/^Maintainer: //p' "$src/debian/control")
	{
		echo "pci-tsm ($version) unstable; urgency=medium"
		echo
		echo "  * Rebuild with version $version."
		echo
		echo " -- $maint  $(date -R)"
		echo
		cat "$TOP/debian/changelog"
	} > "$src/debian/changelog"
fi

echo "build-debs: dpkg-buildpackage -us -uc -b in ${src#$TOP/} ..." >&2
(cd "$src" && DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
	dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1 ||
	{ tail -n 40 "$out/build.log" >&2; die "dpkg-buildpackage failed (log: $out/build.log)"; }
# dpkg-buildpackage writes next to the source directory
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out/"
ls "$out"/*.deb

if [ $lintian = 1 ]; then
	echo "build-debs: lintian ..." >&2
	lintian --fail-on error "$out"/pci-tsm_"${version}"_*.changes ||
		die "lintian found errors (above)"
fi
