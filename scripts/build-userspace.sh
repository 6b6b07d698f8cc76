#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# build-userspace.sh [--no-build] [--list FILE] [--fixtures DIR]
#
# Build the userspace parts through their own Makefiles, when they exist:
# daemon/, tests/tools/ and tests/tools/nlclient/. A component without a
# Makefile is reported as "not built" (not an error); a Makefile that fails is.
# --list FILE     write the ELF executables produced (one path per line) to
#                 FILE: the executables in each component directory and its
#                 direct subdirectories (daemon/tsm-verifierd,
#                 daemon/tsmctl/tsmctl, tests/tools/*, tests/tools/nlclient/*),
#                 except under tests/, fuzz/, build/ and hidden directories
#                 (unit tests, fuzzers, sanitizer builds).
# --copy-to DIR   copy those executables into DIR (under the build lock, so a
#                 concurrent rebuild cannot hand out a half-written binary).
# --fixtures DIR  if tests/tools/Makefile has a "fixtures" target, run it with
#                 FIXTURES_DIR=DIR (the VM sees DIR as /ptsm/fixtures).
# --no-build      do not run make, only collect what is already built.
set -uo pipefail
# The whole script is one block: bash parses it completely before running
# it, so editing this file while it runs cannot change a running instance.
{

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${PTSM_BUILD_DIR:-$TOP/build}
COMPONENTS="daemon tests/tools tests/tools/nlclient"

build=1
list=""
copyto=""
fixtures=""
while [ $# -gt 0 ]; do
	case "$1" in
	--no-build) build=0 ;;
	--list) list=$2; shift ;;
	--fixtures) fixtures=$2; shift ;;
	--copy-to) copyto=$2; shift ;;
	*) echo "usage: $0 [--no-build] [--list FILE] [--copy-to DIR] [--fixtures DIR]" >&2; exit 2 ;;
	esac
	shift
done

mkdir -p "$BUILD"
exec 9>"$BUILD/.userspace.lock"
flock 9

# Under a parallel make, share its job server instead of forcing -j.
jobs=(-j"$(nproc)")
case "${MAKEFLAGS:-}" in *jobserver*) jobs=() ;; esac

rc=0
for c in $COMPONENTS; do
	if [ ! -f "$TOP/$c/Makefile" ]; then
		echo "not built: $c (no $c/Makefile yet)"
		continue
	fi
	if [ $build = 1 ]; then
		if make -C "$TOP/$c" ${jobs[@]+"${jobs[@]}"}; then
			echo "built: $c"
		else
			echo "FAILED: make -C $c" >&2
			echo "not built: $c (make failed)"
			rc=1
		fi
	else
		echo "note: $c not rebuilt (--no-build)"
	fi
done

if [ -n "$fixtures" ] && [ $build = 1 ] && [ -f "$TOP/tests/tools/Makefile" ] &&
   make -n -C "$TOP/tests/tools" fixtures >/dev/null 2>&1; then
	mkdir -p "$fixtures"
	if make -C "$TOP/tests/tools" fixtures FIXTURES_DIR="$fixtures"; then
		echo "built: fixtures"
	else
		echo "not built: fixtures (make -C tests/tools fixtures failed)"
		rc=1
	fi
fi

[ -n "$copyto" ] && [ -z "$list" ] && list=$BUILD/.userspace.list
if [ -n "$list" ]; then
	for c in $COMPONENTS; do
		[ -d "$TOP/$c" ] || continue
		(cd "$TOP/$c" && find . -maxdepth 2 -type f -perm -u+x \
			! -path './tests/*' ! -path './fuzz/*' ! -path './build/*' \
			! -path './.*/*' ! -name '*.so*' ! -name '*.sh' ! -name '*.py') |
			sed "s|^\./|$TOP/$c/|"
	done | sort -u |
	while read -r f; do
		file -b "$f" | grep -q -E '^ELF .*(pie )?executable' && echo "$f"
	done > "$list"
fi
if [ -n "$copyto" ]; then
	mkdir -p "$copyto"
	xargs -r cp -p -t "$copyto" < "$list" || rc=1
fi
exit $rc
exit
}
