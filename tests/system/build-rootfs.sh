#!/bin/bash
# Build (or reuse) the Debian bookworm root filesystem of the whole-system
# test: the base system (debootstrap minbase) with systemd as PID 1 and
# systemd-udevd, the kernels the VM boots with their headers (what an
# administrator installs before a DKMS package), and jq for the test
# script. Nothing of the project and none of its dependencies are
# installed: run.sh installs our .deb files into a copy with apt, which
# must pull in dkms, the compiler and the daemon's libraries itself. Their
# .deb files are fetched here into apt's cache (not installed), so that the
# test needs no network; a dependency missing from that list is downloaded.
#
# Cached under $PTSM_CACHE (default /var/cache/pci-tsm)/rootfs/<key>, keyed
# by this script and the kernel list. Prints the directory on stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${PTSM_CACHE:-/var/cache/pci-tsm}/rootfs
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
kvers=${KVERS:?KVERS: space-separated kernel releases}
kvers=$(echo $kvers | tr ' ' '\n' | sort -V | xargs)	# one spelling, one cache key

die() { echo "system-rootfs: $*" >&2; exit 1; }
say() { echo "system-rootfs: $*" >&2; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot)"
command -v debootstrap >/dev/null || die "debootstrap missing (scripts/install-deps.sh)"

key=$( (echo "$kvers"; cat "$0") | sha256sum | cut -c1-16)
dir=$cache/$key
if [ -e "$dir/.done" ]; then
	say "cached rootfs $key"
	touch "$dir/.used"
	echo "$dir/root"
	exit 0
fi

mkdir -p "$cache"
# One lock per root: a build of another key (another branch, other
# kernels) neither waits for this one nor removes it.
exec 9>"$cache/.lock-$key"
flock 9
if [ -e "$dir/.done" ]; then touch "$dir/.used"; echo "$dir/root"; exit 0; fi
# Roots of other keys that no run used and nothing built for two days go.
find "$cache" -mindepth 1 -maxdepth 1 -type d ! -name "$key" |
	while read -r d; do
		[ -n "$(find "$d" "$d/.used" -maxdepth 0 -mtime -2 2>/dev/null)" ] || rm -rf "$d"
	done
rm -rf "$dir"

root=$dir/root
mkdir -p "$root"
start=$(date +%s)
say "debootstrap bookworm (minbase + systemd, udev, kmod) from $mirror ..."
debootstrap --variant=minbase \
	--include=systemd,systemd-sysv,udev,kmod,dbus \
	bookworm "$root" "$mirror" >&2 || die "debootstrap failed"

# The VM boots the host's kernels with Debian's own initrd; the rootfs needs
# their module trees (for udev and modprobe) but never builds an initrd.
mkdir -p "$root/etc/initramfs-tools"
echo "update_initramfs=no" > "$root/etc/initramfs-tools/update-initramfs.conf"

pkgs="jq"
# what our packages will pull in (dkms and its compiler, the daemon's
# libraries): fetched only, see above
prefetch="dkms libnl-genl-3-200 libnl-3-200 libssl3 libudev1 libev4 libinih1 libjson-c5"
for kv in $kvers; do
	case "$kv" in
	6.1.*) img=linux-image-$kv ;;
	*) img=linux-image-$kv-unsigned ;;
	esac
	pkgs="$pkgs $img linux-headers-$kv"
done

# Debian's 6.12 kernels and the current 6.1 ABI come from the security and
# updates suites, as on the host.
cat > "$root/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
SOURCES

mount -t proc proc "$root/proc"
trap 'umount "$root/proc" 2>/dev/null || true' EXIT
say "installing $pkgs ..."
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
# INITRD=No: the VM boots the host's initrd; building one per kernel here
# costs minutes for nothing.
chroot "$root" env DEBIAN_FRONTEND=noninteractive INITRD=No \
	apt-get install -y -q --no-install-recommends \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold $pkgs >&2 || die "apt-get install in the rootfs failed"
chroot "$root" apt-get clean
say "fetching (not installing) $prefetch ..."
chroot "$root" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -q --no-install-recommends --download-only $prefetch >&2 ||
	die "apt-get --download-only in the rootfs failed"

# A root console on ttyS0 with no password, hostname, fstab for /dev/vda.
chroot "$root" passwd -d root >&2
echo ptsm-system > "$root/etc/hostname"
echo "/dev/vda / ext4 rw,errors=remount-ro 0 1" > "$root/etc/fstab"
# No network in the test VM: don't wait for it.
chroot "$root" systemctl mask systemd-networkd-wait-online.service >&2 || true
umount "$root/proc"
trap - EXIT

touch "$dir/.done" "$dir/.used"
say "built in $(( $(date +%s) - start ))s"
echo "$root"
