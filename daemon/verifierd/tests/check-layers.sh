#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The daemon's files call each other without a cycle (issue 15 G): for
# every object, which other objects define the symbols it uses; tsort
# refuses the graph when it has a loop. Hooks and listeners (function
# pointers that manager.c wires) are not calls and do not show here.
# Usage: check-layers.sh OBJ...
set -e
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for o in "$@"; do
	n=$(basename "$o" .o)
	nm --defined-only -g "$o" | awk -v n="$n" 'NF == 3 { print $3, n }'
done | sort > "$tmp/defs"
for o in "$@"; do
	n=$(basename "$o" .o)
	nm -u "$o" | awk '{ print $2 }' | sort -u | join - "$tmp/defs" |
		awk -v n="$n" '$2 != n { print n, $2 }'
done | sort -u > "$tmp/edges"
# a node per object, so that isolated files are listed too
for o in "$@"; do n=$(basename "$o" .o); echo "$n $n"; done >> "$tmp/edges"
if ! tsort "$tmp/edges" > "$tmp/order" 2> "$tmp/err"; then
	echo "check-layers: the daemon's files call each other in a cycle:" >&2
	cat "$tmp/err" >&2
	exit 1
fi
echo "check-layers: $(grep -vc ' ' "$tmp/order") files, $(awk '$1 != $2' "$tmp/edges" | wc -l) call edges, no cycle"
