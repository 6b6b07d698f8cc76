#!/bin/bash
# Build (or reuse) the debug-kernel lane: Debian's linux-source-6.12 with
# tinyconfig + debug.config (KASAN, lockdep, kmemleak, fault injection).
#
# Cached under $PTSM_CACHE (default /var/cache/pci-tsm) keyed by the source
# package version, debug.config and this script, so CI and later runs on
# the same machine reuse it. Prints, on success, exactly:
#   KDIR=<kernel tree to build out-of-tree modules against>
#   KERNEL=<bzImage>
# Progress goes to stderr. Exits non-zero with a reason on any failure.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${PTSM_CACHE:-/var/cache/pci-tsm}/debug-kernel
tarball=/usr/src/linux-source-6.12.tar.xz
jobs=${JOBS:-$(nproc)}

die() { echo "debug-kernel: $*" >&2; exit 1; }
say() { echo "debug-kernel: $*" >&2; }

[ -r "$tarball" ] || die "$tarball missing: install Debian package linux-source-6.12 (scripts/install-deps.sh)"
for t in gcc make bc flex bison xz; do
	command -v "$t" >/dev/null || die "missing tool '$t' (scripts/install-deps.sh installs it)"
done
[ -e /usr/include/libelf.h ] || die "missing libelf.h: install libelf-dev"

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) ||
	die "cannot read the version of package linux-source-6.12"
# Bump layout when this script changes what it leaves in the cache.
layout=1
key=$(printf '%s\n%s\n' "$srcver" "$layout" | cat - "$here/debug.config" | sha256sum | cut -c1-16)
dir=$cache/$key
tree=$dir/linux-source-6.12
image=$tree/arch/x86/boot/bzImage

if [ -e "$dir/.done" ]; then
	say "cached build $key (linux-source-6.12 $srcver)"
	echo "KDIR=$tree"
	echo "KERNEL=$image"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
# Another run may have finished it while we waited for the lock.
if [ -e "$dir/.done" ]; then
	echo "KDIR=$tree"
	echo "KERNEL=$image"
	exit 0
fi

# One lane at a time: drop builds for older sources or fragments (each is
# a full kernel tree).
find "$cache" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
mkdir -p "$dir"
start=$(date +%s)
say "extracting $tarball (linux-source-6.12 $srcver) ..."
tar -xJf "$tarball" -C "$dir"
[ -d "$tree" ] || die "unexpected tarball layout: no $tree"

say "configuring: tinyconfig + debug.config ..."
(
	cd "$tree"
	make -s tinyconfig
	scripts/kconfig/merge_config.sh -m .config "$here/debug.config"
	make -s olddefconfig
) >&2

# merge_config only warns when Kconfig drops an option: fail instead, so a
# lane that silently lost KASAN or lockdep cannot pass.
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=y)
		grep -qx "$line" "$tree/.config" || { say "option not set: $line"; missing=1; } ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }
		opt=${opt%% *}
		if grep -q "^$opt=y" "$tree/.config"; then say "option still set: $opt"; missing=1; fi ;;
	esac
done < "$here/debug.config"
[ $missing -eq 0 ] || die "config fragment did not apply (see above)"

say "building bzImage with $jobs jobs (about 3 minutes on 2 idle cores) ..."
make -C "$tree" -s -j"$jobs" bzImage modules_prepare >&2 ||
	die "kernel build failed"
# Out-of-tree modules resolve the kernel's exports from Module.symvers.
cp "$tree/vmlinux.symvers" "$tree/Module.symvers"
# The object files are no longer needed; keep headers, scripts, .config,
# vmlinux (for objtool/BTF-less modpost) and the image.
find "$tree" -name '*.o' -not -path '*/scripts/*' -not -path '*/tools/*' -delete
touch "$dir/.done"
say "built in $(( $(date +%s) - start ))s: $image"
echo "KDIR=$tree"
echo "KERNEL=$image"
