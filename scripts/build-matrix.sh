#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# build-matrix.sh [KVER...]
#
# The module build matrix (what `make check` runs before booting anything):
#   build-<kver>      W=1 build with -Werror (Kbuild adds it) on each kernel
#                     (modules/, tests/vm/selftest/, tests/kmod/)
#   sparse-<kver>     C=2 sparse run: any sparse warning from our files fails
#   checkpatch        scripts/checkpatch.pl --strict on modules/ and the
#                     test-only modules (checkpatch.pl comes from the
#                     linux-source-6.1 tarball, extracted into build/)
#   exports-<kver>    every symbol we export is ptsm_-prefixed, namespaced,
#                     and not exported by any supported kernel (Module.symvers)
#   modnames-<kver>   no module name of ours is an in-tree module name of any
#                     supported kernel (modules.builtin + kernel/**/*.ko*)
# Without KVER: the supported kernels (scripts/kernels.sh).
# Prints "PASS matrix <check>" or "FAIL matrix <check>" (with details) per
# check and exits non-zero if any failed. Logs: build/matrix/.
set -uo pipefail
# The whole script is one block: bash parses it completely before running
# it, so editing this file while it runs cannot change a running instance.
{

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${PTSM_BUILD_DIR:-$TOP/build}
LOGS=$BUILD/matrix
KSRC_TAR=${KSRC_TAR:-/usr/src/linux-source-6.1.tar.xz}
mkdir -p "$LOGS"

if [ $# -gt 0 ]; then
	mapfile -t kernels < <("$TOP/scripts/kernels.sh" "$@") || exit 1
else
	mapfile -t kernels < <("$TOP/scripts/kernels.sh") || exit 1
fi
[ ${#kernels[@]} -gt 0 ] || { echo "build-matrix: no kernels" >&2; exit 1; }
# Collisions are checked against every supported kernel, not only the ones
# being built.
mapfile -t all_kernels < <("$TOP/scripts/kernels.sh" 2>/dev/null)

for tool in sparse make perl gcc; do
	command -v "$tool" >/dev/null ||
		{ echo "FAIL matrix tools: '$tool' is missing (scripts/install-deps.sh)"; exit 1; }
done

failed=0
pass() { echo "PASS matrix $1"; }
fail() {
	local name=$1

	shift
	echo "FAIL matrix $name"
	[ $# -gt 0 ] && printf '  %s\n' "$@"
	failed=1
}
show() {
	sed 's/^/  | /' "$1" | head -n "${2:-60}"
}

# ---------------------------------------------------------- build + sparse
# One W=1 C=2 build per kernel, in its own tree (build/kmod-matrix/<kver>) so
# the harness's objects are not rebuilt with other flags; both kernels build
# in parallel.
for k in "${kernels[@]}"; do
	(
		export PTSM_BUILD_DIR=$BUILD/matrix-tree
		{
			"$TOP/scripts/build-kmod.sh" "$k" W=1 C=2 &&
			"$TOP/scripts/build-kmod.sh" --selftest "$k" W=1 C=2 &&
			"$TOP/tests/kmod/build.sh" "$k" W=1 C=2
		} > "$LOGS/build-$k.log" 2>&1
		echo $? > "$LOGS/build-$k.rc"
	) &
done
wait

# Split each log: sparse output follows a "CHECK file.c" line and names
# file:line:col; kernel-doc (W=1) names file:line; everything else that says
# warning or error is the compiler, objtool or modpost.
classify() {
	awk -v sp="$2" -v bw="$3" '
		/^  CHECK / { st = "check"; next }
		/^  [A-Z][A-Z0-9 \[\]]+ / { st = "other"; next }
		st == "check" && /:[0-9]+:[0-9]+: (warning|error):/ { print > sp; next }
		/(warning|error|WARNING|ERROR)[: ]/ && !/^make(\[[0-9]+\])?: / { print > bw }
	' "$1"
	touch "$2" "$3"
}

for k in "${kernels[@]}"; do
	log=$LOGS/build-$k.log
	rc=$(cat "$LOGS/build-$k.rc")
	rm -f "$LOGS/sparse-$k.txt" "$LOGS/warnings-$k.txt"
	classify "$log" "$LOGS/sparse-$k.txt" "$LOGS/warnings-$k.txt"
	if [ "$rc" != 0 ]; then
		fail "build-$k" "W=1 -Werror build failed; log: ${log#$TOP/}"
		show "$LOGS/warnings-$k.txt" 40
	elif [ -s "$LOGS/warnings-$k.txt" ]; then
		fail "build-$k" "W=1 build has warnings; log: ${log#$TOP/}"
		show "$LOGS/warnings-$k.txt" 40
	else
		pass "build-$k"
	fi
	if ! grep -q -E '^  CHECK ' "$log"; then
		fail "sparse-$k" "sparse did not run (no CHECK lines in ${log#$TOP/})"
	elif [ -s "$LOGS/sparse-$k.txt" ]; then
		fail "sparse-$k" "sparse reports on our files:"
		show "$LOGS/sparse-$k.txt"
	elif [ "$rc" != 0 ]; then
		fail "sparse-$k" "incomplete: the build stopped before sparse saw every file"
	else
		pass "sparse-$k"
	fi
done

# -------------------------------------------------------------- checkpatch
CP_DIR=$BUILD/checkpatch/linux-source-6.1
checkpatch=$CP_DIR/scripts/checkpatch.pl
if [ ! -x "$checkpatch" ]; then
	if [ -r "$KSRC_TAR" ]; then
		mkdir -p "$BUILD/checkpatch"
		tar -xJf "$KSRC_TAR" -C "$BUILD/checkpatch" \
			linux-source-6.1/scripts/checkpatch.pl \
			linux-source-6.1/scripts/spelling.txt \
			linux-source-6.1/scripts/const_structs.checkpatch 2>"$LOGS/checkpatch-extract.log"
	fi
fi
if [ ! -x "$checkpatch" ]; then
	fail checkpatch "no checkpatch.pl: $KSRC_TAR missing or unreadable (install linux-source-6.1)"
else
	mapfile -t files < <(cd "$TOP" && git ls-files -- 'modules/*.c' 'modules/*.h' \
		'tests/vm/selftest/*.c' 'tests/kmod/*.c' 2>/dev/null; cd "$TOP" &&
		find modules tests/vm/selftest tests/kmod -name '*.[ch]' ! -name '*.mod.c' \
		2>/dev/null)
	mapfile -t files < <(printf '%s\n' "${files[@]}" | sort -u)
	if [ ${#files[@]} -eq 0 ]; then
		fail checkpatch "no module sources found under modules/"
	elif (cd "$TOP" && "$checkpatch" --strict --no-tree --terse --show-types \
			-f "${files[@]}") \
			> "$LOGS/checkpatch.txt" 2>&1; then
		pass checkpatch
	else
		fail checkpatch "checkpatch --strict reports (full: ${LOGS#$TOP/}/checkpatch.txt):"
		grep -E ': (ERROR|WARNING|CHECK):' "$LOGS/checkpatch.txt" | show - 80
	fi
fi

# ---------------------------------------------------- exports and names
for k in "${kernels[@]}"; do
	tree=$BUILD/matrix-tree/kmod/$k/modules
	symvers=$tree/Module.symvers
	if [ "$(cat "$LOGS/build-$k.rc")" != 0 ] || [ ! -e "$symvers" ]; then
		fail "exports-$k" "no Module.symvers (the build failed)"
	else
		: > "$LOGS/exports-$k.txt"
		# CRC symbol module type namespace
		while IFS=$'\t' read -r _ sym mod _ ns; do
			case "$sym" in
			ptsm_*) ;;
			*) echo "$sym ($mod): export without the ptsm_ prefix" >> "$LOGS/exports-$k.txt" ;;
			esac
			[ -n "${ns:-}" ] ||
				echo "$sym ($mod): exported outside a symbol namespace" >> "$LOGS/exports-$k.txt"
			for kk in "${all_kernels[@]}"; do
				if awk -F'\t' -v s="$sym" '$2 == s { f = 1 } END { exit !f }' \
					"/lib/modules/$kk/build/Module.symvers"; then
					echo "$sym ($mod): also exported by kernel $kk" >> "$LOGS/exports-$k.txt"
				fi
			done
		done < "$symvers"
		if [ -s "$LOGS/exports-$k.txt" ]; then
			fail "exports-$k" "exported symbols:"
			show "$LOGS/exports-$k.txt"
		else
			pass "exports-$k ($(wc -l < "$symvers") symbols)"
		fi
	fi

	mapfile -t ours < <(find "$tree" "$BUILD/matrix-tree/kmod/$k/tests/vm/selftest" \
		"$BUILD/matrix-tree/kmod/$k/tests/kmod" -name '*.ko' -printf '%f\n' 2>/dev/null |
		sed 's/\.ko$//' | tr - _ | sort -u)
	if [ ${#ours[@]} -eq 0 ]; then
		fail "modnames-$k" "no .ko files built"
		continue
	fi
	: > "$LOGS/modnames-$k.txt"
	for kk in "${all_kernels[@]}"; do
		{
			sed -e 's|.*/||' -e 's/\.ko.*$//' "/lib/modules/$kk/modules.builtin" 2>/dev/null
			find "/lib/modules/$kk/kernel" -name '*.ko*' -printf '%f\n' | sed 's/\.ko.*$//'
		} | tr - _ | sort -u > "$LOGS/intree-$kk.txt"
		for m in "${ours[@]}"; do
			grep -q -x -F "$m" "$LOGS/intree-$kk.txt" &&
				echo "$m: an in-tree module of $kk has the same name" >> "$LOGS/modnames-$k.txt"
		done
	done
	if [ -s "$LOGS/modnames-$k.txt" ]; then
		fail "modnames-$k" "module names:"
		show "$LOGS/modnames-$k.txt"
	else
		pass "modnames-$k (${#ours[@]} modules)"
	fi
done
exit $failed
exit
}
