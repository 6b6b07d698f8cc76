#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tests/deps/build-root.sh: a clean Debian 12 root (debootstrap
# --variant=minbase bookworm) in which scripts/install-deps.sh has run, as a
# new user's machine would be after `make deps`. Prints its directory.
#
# Two caches under $PTSM_CACHE (default /var/cache/pci-tsm)/deps-root:
#   base-<key>/root   the bare minbase root, keyed by BASE_LAYOUT and the
#                     mirror (bump BASE_LAYOUT when the base changes)
#   root-<key>/root   a copy of it after install-deps.sh, keyed by this
#                     script, the package list and install-deps.sh
# The .deb files it downloads are kept in deps-root/debs (and the host's
# /var/cache/apt/archives is used when it has them), so a changed package
# list costs one copy of the base and dpkg's unpacking, not the downloads.
# PTSM_DEPS_LIST=FILE installs FILE instead of scripts/deps.list.
set -euo pipefail
# The whole script is one block: bash parses it completely before running
# it, so editing this file while it runs cannot change a running instance.
{

TOP=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${PTSM_CACHE:-/var/cache/pci-tsm}/deps-root
LIST=${PTSM_DEPS_LIST:-$TOP/scripts/deps.list}
INSTALL=$TOP/scripts/install-deps.sh
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

die() { echo "deps-root: $*" >&2; exit 1; }
say() { echo "deps-root: $*" >&2; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot)"
command -v debootstrap >/dev/null || die "debootstrap missing (scripts/install-deps.sh)"
[ -r "$LIST" ] || die "cannot read the package list $LIST"

BASE_LAYOUT=1
# The list and the script as they are now: the key and the root must agree
# even if someone edits them while this runs.
snap=$(mktemp -d)
trap 'rm -rf "$snap"' EXIT
cp "$LIST" "$snap/deps.list"
cp "$INSTALL" "$snap/install-deps.sh"
base_key=$(printf 'minbase bookworm %s %s\n' "$MIRROR" "$BASE_LAYOUT" | sha256sum | cut -c1-16)
key=$( (echo "$base_key"; cat "$0" "$snap/deps.list" "$snap/install-deps.sh") |
	sha256sum | cut -c1-16)
base=$CACHE/base-$base_key
dir=$CACHE/root-$key
if [ -e "$dir/.done" ]; then
	say "cached root $key"
	echo "$dir/root"
	exit 0
fi

mkdir -p "$CACHE/debs"
exec 9>"$CACHE/.lock"
flock 9
if [ -e "$dir/.done" ]; then echo "$dir/root"; exit 0; fi

# Nothing may stay mounted inside the cache: rm -rf would follow a mount.
mounted_under() {
	awk -v d="$1/" 'index($2 "/", d) == 1 { print $2 }' /proc/mounts
}
umount_all() {
	local m

	for m in $(mounted_under "$1" | sort -r); do
		umount -l "$m" || true
	done
}
remove_dir() {
	umount_all "$1"
	[ -z "$(mounted_under "$1")" ] || die "$1 still has mounts, not removing it"
	rm -rf "$1"
}

start=$(date +%s)
if [ ! -e "$base/.done" ]; then
	for d in "$CACHE"/base-*; do
		[ -d "$d" ] && remove_dir "$d"
	done
	say "debootstrap --variant=minbase bookworm from $MIRROR ..."
	mkdir -p "$base"
	debootstrap --variant=minbase --cache-dir="$CACHE/debs" \
		bookworm "$base/root" "$MIRROR" >&2 || die "debootstrap failed"
	cat > "$base/root/etc/apt/sources.list" <<SOURCES
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECURITY bookworm-security main
SOURCES
	# No daemon starts inside the chroot.
	printf '#!/bin/sh\nexit 101\n' > "$base/root/usr/sbin/policy-rc.d"
	chmod 755 "$base/root/usr/sbin/policy-rc.d"
	touch "$base/.done"
	say "base root built in $(( $(date +%s) - start ))s"
fi

for d in "$CACHE"/root-*; do
	[ -d "$d" ] && remove_dir "$d"
done
say "copying the base root ..."
mkdir -p "$dir"
cp -a "$base/root" "$dir/root"
root=$dir/root

# Hard links, not copies: same filesystem, and apt in the root only reads
# them (a bad one is unlinked and downloaded again).
arch=$root/var/cache/apt/archives
for d in /var/cache/apt/archives "$CACHE/debs"; do
	for f in "$d"/*.deb; do
		[ -e "$f" ] && [ ! -e "$arch/${f##*/}" ] && ln "$f" "$arch/" 2>/dev/null || true
	done
done

mkdir -p "$root/tmp/ptsm-deps/scripts"
cp "$snap/deps.list" "$snap/install-deps.sh" "$root/tmp/ptsm-deps/scripts/"

mount -t proc proc "$root/proc"
trap 'umount_all "$root"; rm -rf "$snap"' EXIT
say "scripts/install-deps.sh in the root (log: $dir/install.log) ..."
# INITRD=No: the kernel packages' hook builds no initramfs (nothing boots
# this root; it only has to hold what the suite uses).
if ! chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
	LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive INITRD=No \
	PTSM_DEPS_LIST=/tmp/ptsm-deps/scripts/deps.list \
	/bin/bash /tmp/ptsm-deps/scripts/install-deps.sh > "$dir/install.log" 2>&1; then
	tail -n 40 "$dir/install.log" >&2
	die "scripts/install-deps.sh failed in the clean root"
fi
tail -n 1 "$dir/install.log" >&2
for f in "$arch"/*.deb; do
	[ -e "$f" ] && [ ! -e "$CACHE/debs/${f##*/}" ] && ln "$f" "$CACHE/debs/" 2>/dev/null || true
done
rm -f "$arch"/*.deb
umount_all "$root"
trap 'rm -rf "$snap"' EXIT
rm -rf "$root/tmp/ptsm-deps"

touch "$dir/.done"
say "root $key built in $(( $(date +%s) - start ))s"
echo "$root"
exit
}
