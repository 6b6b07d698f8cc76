#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# install-deps.sh [--check]
#
# Make sure the Debian packages in scripts/deps.list are installed, plus the
# newest Debian 6.12 kernel image (linux-image-<ver>+deb12-amd64-unsigned,
# matching the headers the linux-headers-6.12-amd64 metapackage depends on).
# As root: "apt-get update" once, then one "apt-get install" of what is
# missing. As another user (or with --check): only check, and fail listing
# the missing packages. Prints one summary line; exit 0 when all present.
set -uo pipefail
# The whole script is one block: bash parses it completely before running
# it, so editing this file while it runs cannot change a running instance.
{

TOP=$(cd "$(dirname "$0")/.." && pwd)
LIST=${PTSM_DEPS_LIST:-$TOP/scripts/deps.list}
check_only=0
[ "${1:-}" = "--check" ] && check_only=1

installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q 'install ok installed'
}

mapfile -t pkgs < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$LIST" | grep -v '^$')

# The 6.12 image that goes with the headers linux-headers-6.12-amd64 wants.
image_612() {
	local hdr

	hdr=$(apt-cache depends linux-headers-6.12-amd64 2>/dev/null |
		sed -n -E 's/^ *Depends: (linux-headers-6\.12\.[^ ]+-amd64)$/\1/p' | head -n1)
	[ -n "$hdr" ] || return 1
	echo "${hdr/linux-headers-/linux-image-}-unsigned"
}

missing_pkgs() {
	local p img

	for p in "${pkgs[@]}"; do
		installed "$p" || echo "$p"
	done
	if img=$(image_612); then
		installed "$img" || echo "$img"
	elif ! ls /boot/vmlinuz-6.12.* >/dev/null 2>&1; then
		echo "linux-image-6.12.*+deb12-amd64-unsigned"
	fi
}

mapfile -t missing < <(missing_pkgs)
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#pkgs[@]} packages from scripts/deps.list and the 6.12 kernel image are installed"
	exit 0
fi

if [ $check_only = 1 ] || [ "$(id -u)" != 0 ]; then
	echo "install-deps: MISSING Debian packages (run 'sudo scripts/install-deps.sh'):" >&2
	printf '  %s\n' "${missing[@]}" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt_get() {
	apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 "$@"
}
echo "install-deps: installing: ${missing[*]}"
apt_get update || { echo "install-deps: apt-get update failed" >&2; exit 1; }
# After the update the metapackage may point at a newer 6.12: resolve again.
mapfile -t missing < <(missing_pkgs)
if [ ${#missing[@]} -gt 0 ]; then
	case "${missing[*]}" in
	*'*'*) echo "install-deps: cannot resolve the 6.12 kernel image (no linux-headers-6.12-amd64 in the archive?)" >&2
	       exit 1 ;;
	esac
	apt_get install -y --no-install-recommends "${missing[@]}" ||
		{ echo "install-deps: apt-get install failed for: ${missing[*]}" >&2; exit 1; }
fi
mapfile -t missing < <(missing_pkgs)
if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: still missing after install: ${missing[*]}" >&2
	exit 1
fi
echo "install-deps: all packages installed"
exit
}
