#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Whole-system test (issues 7 and 17): a Debian bookworm VM booted like a
# real machine -- systemd as PID 1, systemd-udevd, Debian's own initrd --
# with the project installed the way a Debian user installs it. `make deb`
# builds the packages (lintian included), and a second build with a bumped
# version is the upgrade. In a copy of the cached base root (the base system
# and the kernels with their headers, nothing of ours):
#   apt-get install ./pci-tsm-dkms_V1 ./tsm-verifierd_V1   (DKMS builds for
#       every kernel there), an edit to /etc/tsm/tsm-verifierd.conf, then
#   apt-get install ./pci-tsm-dkms_V2 ./tsm-verifierd_V2   (the upgrade).
# system-test.sh then runs inside as a oneshot unit after multi-user.target:
# the upgraded system decides devices, reloads and restarts, and at the end
# `apt-get purge --autoremove` must bring the file list back to the one
# taken before the install. Results are read from the serial console.
#
# usage: tests/system/run.sh [-k KVER]...   (default: every supported kernel)
#        tests/system/run.sh --rootfs-only  (build or reuse the cached rootfs;
#                                            make check starts it early)
#        tests/system/run.sh --prepare      (everything but the boots: the
#                                            packages, the installs, the disk
#                                            image; make check runs it beside
#                                            the VM lanes)
#        tests/system/run.sh --boot [-k KVER]...  (the boots and the purge,
#                                            on what --prepare left)
# The kernels boot at the same time, one VM each.
# Prints "PASS|FAIL <kver> system" per kernel, "PASS|FAIL host
# make-install" for the `make install` path other distributions use (in
# the preparation) and "PASS|FAIL host purge"; exit 0 only if all passed.
set -uo pipefail
# One block: bash reads it whole before running, so editing this file
# cannot change a running instance.
{

TOP=$(cd "$(dirname "$0")/../.." && pwd)
SYS=$TOP/tests/system
BUILD=${PTSM_BUILD_DIR:-$TOP/build}/system
TIMEOUT=${PTSM_SYSTEM_TIMEOUT:-900}
ALLOWED_TAINT=$(( (1 << 12) | (1 << 13) ))	# O, E

die() { echo "system: $*" >&2; exit 2; }
say() { echo "system: $*" >&2; }

# early_crash CONSOLE: the kernel oopsed or panicked before the test started
# and with none of our modules loaded ("Modules linked in:" names none)
early_crash() {
	grep -q "PTSM-SYSTEM" "$1" && return 1
	grep -q -E "Oops: |Kernel panic - not syncing" "$1" || return 1
	! grep -m1 "Modules linked in:" "$1" | grep -q -E "tsm_core|pci_tsm|tsm_shim|devsec_"
}

supported_kernels() {
	ls -d /lib/modules/6.1.*-amd64 /lib/modules/6.12.*+deb12-amd64 2>/dev/null |
		xargs -rn1 basename | sort -V | awk -F. '!seen[$1"."$2]++'
}

# purge_check IMAGE: `apt-get purge` of both packages in the system a VM
# left (natively: under TCG it takes longer than the whole boot), then the
# file list against the one taken before the install. Left may be only
# what the packages apt pulled in own (they stay installed), the links of
# their alternatives, and the administrator's own files in /etc/tsm (dpkg
# keeps them, and the directories holding them). Gone must be nothing.
# Units, enablement links, DKMS tree, modules of every kernel and the
# daemon's state are all files in that list.
purge_check() {
	local img=$1 mnt=$BUILD/purge-root reason=
	local admin='^/etc/tsm(/policy\.d(/10-system-test\.conf)?|/trust(/test-root\.pem)?)?$'

	mkdir -p "$mnt"
	mount -o loop "$img" "$mnt" || { echo "FAIL host purge: cannot mount $img"; return 1; }
	mount -t proc proc "$mnt/proc" && mount --bind /dev "$mnt/dev"
	chroot "$mnt" env DEBIAN_FRONTEND=noninteractive \
		apt-get purge -y pci-tsm-dkms tsm-verifierd < /dev/null > "$BUILD/purge.log" 2>&1 ||
		reason="apt-get purge failed ($BUILD/purge.log)"
	chroot "$mnt" /ptsm-test/snapshot-files.sh > "$BUILD/files-after.txt"
	cat "$mnt"/var/lib/dpkg/info/*.list | sed -E 's#^/(bin|sbin|lib|lib64)(/|$)#/usr/\1\2#' |
		LC_ALL=C sort -u > "$BUILD/owned.txt"
	LC_ALL=C comm -13 "$mnt/ptsm-test/files-before.txt" "$BUILD/files-after.txt" |
		LC_ALL=C comm -23 - "$BUILD/owned.txt" |
		while read -r p; do
			case "$p" in /etc/alternatives/*) continue ;; esac
			case "$(readlink "$mnt$p")" in /etc/alternatives/*) continue ;; esac
			echo "$p"
		done | grep -v -E "$admin" > "$BUILD/purge-left.txt"
	LC_ALL=C comm -23 "$mnt/ptsm-test/files-before.txt" "$BUILD/files-after.txt" > "$BUILD/purge-gone.txt"
	for p in /etc/tsm/trust/test-root.pem /etc/tsm/policy.d/10-system-test.conf; do
		[ -e "$mnt$p" ] || reason="${reason:+$reason; }the administrator's $p is gone"
	done
	umount "$mnt/dev" "$mnt/proc"
	umount "$mnt"
	[ -s "$BUILD/purge-left.txt" ] &&
		reason="${reason:+$reason; }$(wc -l < "$BUILD/purge-left.txt") path(s) left behind"
	[ -s "$BUILD/purge-gone.txt" ] &&
		reason="${reason:+$reason; }$(wc -l < "$BUILD/purge-gone.txt") path(s) of the base system gone"
	if [ -z "$reason" ]; then
		echo "PASS host purge"
		return 0
	fi
	echo "FAIL host purge: $reason"
	sed 's/^/  left: /' "$BUILD/purge-left.txt" | head -n 40
	sed 's/^/  gone: /' "$BUILD/purge-gone.txt" | head -n 40
	return 1
}

kernels=()
rootfs_only=0
phase=all
while [ $# -gt 0 ]; do
	case "$1" in
	-k)	# an exact release, or a series (6.1, 6.12)
		if [ -d "/lib/modules/$2" ]; then kernels+=("$2")
		else kernels+=("$(ls -d "/lib/modules/$2".* 2>/dev/null | sort -V | tail -1 | xargs -r basename)")
		fi
		shift 2 ;;
	--rootfs-only) rootfs_only=1; shift ;;
	--prepare) phase=prepare; shift ;;
	--boot) phase=boot; shift ;;
	-h|--help) sed -n '4,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[ ${#kernels[@]} -gt 0 ] || mapfile -t kernels < <(supported_kernels)
[ ${#kernels[@]} -gt 0 ] || die "no supported kernel installed (scripts/install-deps.sh)"
for kv in "${kernels[@]}"; do
	[ -n "$kv" ] && [ -e "/boot/vmlinuz-$kv" ] && [ -e "/boot/initrd.img-$kv" ] ||
		die "kernel '$kv': /boot/vmlinuz and /boot/initrd.img needed"
done
for t in qemu-system-x86_64 mke2fs chroot dpkg-deb; do
	command -v $t >/dev/null || die "missing '$t' (scripts/install-deps.sh)"
done
[ "$(id -u)" = 0 ] || die "must run as root (chroot, apt-get)"

all_kvers=$(supported_kernels | tr '\n' ' ')
# The disk image --prepare leaves for --boot, and its stamp: written last,
# removed first, so a failed or half-done preparation is never booted.
ready=$BUILD/prepared
fail=0

prepare() {
	base=$(KVERS="$all_kvers" "$SYS/build-rootfs.sh") || die "rootfs build failed"
	[ $rootfs_only = 1 ] && { say "rootfs ready: $base"; exit 0; }
	mkdir -p "$BUILD"
	rm -f "$ready"

	# The packages, built as `make deb` builds them (V1, lintian included), and
	# a second build with a bumped version for the upgrade (V2), side by side.
	debs=$BUILD/debs
	rm -rf "$debs"
	mkdir -p "$debs"
	say "building the packages (make deb, and a bumped version for the upgrade) ..."
	"$TOP/debian/build-debs.sh" --out "$debs/v1" > "$debs/v1.log" 2>&1 &
	v1_pid=$!
	"$TOP/debian/build-debs.sh" --out "$debs/v2" --bump systest2 --no-lintian > "$debs/v2.log" 2>&1 &
	v2_pid=$!
	wait $v1_pid || { tail -n 40 "$debs/v1.log" >&2; die "make deb failed (log: $debs/v1.log)"; }
	wait $v2_pid || { tail -n 40 "$debs/v2.log" >&2; die "the bumped package build failed (log: $debs/v2.log)"; }
	grep -E '^[EWIP]: ' "$debs/v1.log" | sed 's/^/system: lintian: /' >&2 || true
	v1=$(cat "$TOP/VERSION")
	v2=$v1+systest2

	# Test tools and fixtures (the responder emulates the device's SPDM side).
	say "building the test tools ..."
	make -s -C "$TOP" userspace >&2 || die "userspace build failed"
	fixtures=$BUILD/fixtures
	rm -rf "$fixtures"
	"$TOP/tests/tools/spdm-fixture" gen --out "$fixtures" --alg p384 >&2 ||
		die "fixture generation failed"

	# `make install` (other distributions): staged, it installs what the two
	# packages ship (bookworm's /lib paths aside), and `make uninstall` takes
	# all of it away again.
	mi=$BUILD/make-install
	rm -rf "$mi"
	mkdir -p "$mi"
	mi_reason=
	make -s -C "$TOP" install DESTDIR="$mi/root" > "$mi/install.log" 2>&1 ||
		mi_reason="make install failed ($mi/install.log)"
	if [ -z "$mi_reason" ]; then
		(cd "$mi/root" && find . -type f | sed 's|^\.||; s|^/usr/lib/|/lib/|; s|/doc/pci-tsm/|/doc/tsm-verifierd/|' |
			sort) > "$mi/make-install.txt"
		for d in "$debs"/v1/pci-tsm-dkms_*.deb "$debs"/v1/tsm-verifierd_*.deb; do
			dpkg-deb --fsys-tarfile "$d" | tar -t | grep -v '/$' | sed 's|^\.||'
		done | sed 's|^/usr/lib/|/lib/|; s|\.gz$||' |
			grep -v -E '^/usr/share/doc/[^/]+/(changelog|copyright)$' | sort > "$mi/debs.txt"
		if ! diff -u "$mi/debs.txt" "$mi/make-install.txt" > "$mi/diff.txt"; then
			mi_reason="make install and the packages ship different files ($mi/diff.txt)"
		fi
		make -s -C "$TOP" uninstall DESTDIR="$mi/root" >> "$mi/install.log" 2>&1 ||
			mi_reason="${mi_reason:+$mi_reason; }make uninstall failed"
		left=$(find "$mi/root" ! -type d | sed "s|^$mi/root||")
		[ -z "$left" ] || mi_reason="${mi_reason:+$mi_reason; }make uninstall left $(echo $left)"
	fi
	if [ -z "$mi_reason" ]; then
		echo "PASS host make-install"
	else
		echo "FAIL host make-install: $mi_reason"
		[ -s "$mi/diff.txt" ] && sed 's/^/  | /' "$mi/diff.txt"
	fi

	rm -rf "$BUILD/root" "$BUILD/image.base"
	mkdir -p "$BUILD"
	say "copying the cached rootfs ..."
	cp -a "$base" "$BUILD/root" || die "copy of $base failed"
	root=$BUILD/root

	mkdir -p "$root/ptsm-test/bin" "$root/ptsm-test/v1" "$root/ptsm-test/v2"
	cp "$debs"/v1/pci-tsm-dkms_*.deb "$debs"/v1/tsm-verifierd_*.deb "$root/ptsm-test/v1/"
	cp "$debs"/v2/pci-tsm-dkms_*.deb "$debs"/v2/tsm-verifierd_*.deb "$root/ptsm-test/v2/"
	cp -a "$fixtures" "$root/ptsm-test/fixtures"
	cp "$SYS/system-test.sh" "$SYS/snapshot-files.sh" "$root/ptsm-test/"
	for b in devsec-responder spdm-fixture; do
		[ -x "$TOP/tests/tools/$b" ] && cp "$TOP/tests/tools/$b" "$root/ptsm-test/bin/"
	done
	cp "$SYS/ptsm-system-test.service" "$root/etc/systemd/system/"
	cp "$SYS/99-devsec-test.rules" "$root/etc/udev/rules.d/"
	# A plain VM cannot encrypt MMIO: upstream semantics refuse the driver's
	# ioremap of an accepted device's TEE MMIO there. tsm_shim's testing mode
	# makes the VM decide as a confidential guest would, so the driver binds.
	echo "options tsm_shim testing=1" > "$root/etc/modprobe.d/ptsm-system-test.conf"
	printf 'v1=%s\nv2=%s\n' "$v1" "$v2" > "$root/ptsm-test/versions"

	mount -t proc proc "$root/proc"
	mount --bind /dev "$root/dev"
	trap 'umount "$root/dev" "$root/proc" 2>/dev/null' EXIT
	chroot "$root" systemctl mask serial-getty@ttyS0.service >&2 &&
		chroot "$root" systemctl enable ptsm-system-test.service >&2 ||
		die "systemctl enable failed"
	chroot "$root" /ptsm-test/snapshot-files.sh > "$root/ptsm-test/files-before.txt" ||
		die "the file list before the install failed"
	# --no-install-recommends: dkms recommends linux-headers-amd64, which would
	# fetch the newest kernel's headers; this root has those of the kernels it
	# boots.
	apt_install() {
		chroot "$root" env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y --no-install-recommends "$@" < /dev/null
	}
	say "apt-get install pci-tsm $v1 (DKMS builds for: $all_kvers) ..."
	apt_install ./ptsm-test/v1/pci-tsm-dkms_"$v1"_all.deb ./ptsm-test/v1/tsm-verifierd_"$v1"_amd64.deb \
		> "$BUILD/apt-v1.log" 2>&1 || { tail -n 40 "$BUILD/apt-v1.log" >&2; die "apt-get install of $v1 failed"; }
	# the administrator's edit, which the upgrade must keep
	sed -i 's/^#timeout = 10s$/timeout = 20s/' "$root/etc/tsm/tsm-verifierd.conf"
	grep -q '^timeout = 20s$' "$root/etc/tsm/tsm-verifierd.conf" || die "editing tsm-verifierd.conf failed"
	sha256sum < "$root/etc/tsm/tsm-verifierd.conf" > "$root/ptsm-test/edited-conf.sha256"
	say "apt-get install pci-tsm $v2 (the upgrade) ..."
	apt_install ./ptsm-test/v2/pci-tsm-dkms_"$v2"_all.deb ./ptsm-test/v2/tsm-verifierd_"$v2"_amd64.deb \
		> "$BUILD/apt-v2.log" 2>&1 || { tail -n 40 "$BUILD/apt-v2.log" >&2; die "apt-get install of $v2 (upgrade) failed"; }
	umount "$root/dev" "$root/proc"
	trap - EXIT

	say "making the disk image ..."
	mke2fs -q -F -t ext4 -d "$root" "$BUILD/image.base" 3G >&2 || die "mke2fs failed"
	touch "$ready"
	[ -z "$mi_reason" ] || fail=1
}

# boot_kernel KV: boot the prepared image on KV and judge the run; prints
# the PASS/FAIL report of KV, returns non-zero on failure
boot_kernel() {
	local kv=$1 out=$BUILD/$1 append note attempt rc reason taint

	rm -rf "$out"; mkdir -p "$out"
	cp --sparse=always "$BUILD/image.base" "$out/image"
	append="root=/dev/vda rw console=ttyS0 panic_on_warn=1 slub_debug=FZPU systemd.show_status=0"
	case "$kv" in 6.12.*) append="$append kfence.sample_interval=1" ;; esac
	note=
	for attempt in 1 2; do
		say "booting $kv (systemd) ..."
		timeout -s KILL "$TIMEOUT" qemu-system-x86_64 -accel tcg -m 2048 -smp 2 -nographic \
			-no-reboot -kernel "/boot/vmlinuz-$kv" -initrd "/boot/initrd.img-$kv" \
			-drive "file=$out/image,if=virtio,format=raw" -nic none -vga none \
			-append "$append" > "$out/console.log" 2>&1
		rc=$?
		tr -d '\r' < "$out/console.log" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' > "$out/console.txt"
		early_crash "$out/console.txt" && [ $attempt -eq 1 ] || break
		# Debian's kernel itself died under TCG (seen once: an int3 Oops
		# from text patching in the idle loop) before any of our code ran
		mv "$out/console.txt" "$out/console-1.txt"
		note=" (second boot: the first crashed in the stock kernel before any pci-tsm module loaded; $out/console-1.txt)"
		say "$kv: the kernel crashed during boot before any pci-tsm module loaded; booting once more"
		cp --sparse=always "$BUILD/image.base" "$out/image"
	done
	reason=
	[ $rc -eq 137 ] && reason="VM hung: killed after ${TIMEOUT}s"
	grep -q "PTSM-SYSTEM DONE" "$out/console.txt" || reason="${reason:-the test never finished}"
	if grep -q "PTSM-SYSTEM FAIL" "$out/console.txt"; then
		reason="${reason:+$reason; }$(grep -c "PTSM-SYSTEM FAIL" "$out/console.txt") check(s) failed"
	fi
	grep -E '\[ *[0-9]+\.[0-9]+\]' "$out/console.txt" |
		grep -E -f <(grep -v -E '^(#|$)' "$TOP/tests/vm/complaints.txt") > "$out/complaints.txt"
	[ -s "$out/complaints.txt" ] && reason="${reason:+$reason; }kernel complaint in the log"
	taint=$(sed -n 's/.*PTSM-SYSTEM TAINT \([0-9]*\).*/\1/p' "$out/console.txt" | tail -1)
	if [ -n "$taint" ] && [ $(( taint & ~ALLOWED_TAINT )) -ne 0 ]; then
		reason="${reason:+$reason; }kernel tainted ($taint) beyond O/E"
	fi
	if [ -z "$reason" ]; then
		echo "PASS $kv system$note"
		grep "PTSM-SYSTEM PASS" "$out/console.txt" | sed 's/.*PTSM-SYSTEM PASS/  ok/'
	else
		echo "FAIL $kv system: $reason$note"
		grep -E "PTSM-SYSTEM (PASS|FAIL)" "$out/console.txt" | sed 's/.*PTSM-SYSTEM /  /'
		[ -s "$out/complaints.txt" ] && sed 's/^/  | /' "$out/complaints.txt"
		echo "  --- console (last 150 lines; full: $out/console.txt) ---"
		tail -150 "$out/console.txt" | sed 's/^/  | /'
		return 1
	fi
	return 0
}

[ $phase = boot ] || prepare
[ $phase = prepare ] && exit $fail
[ -e "$ready" ] && [ -e "$BUILD/image.base" ] ||
	die "no prepared disk image ($BUILD/image.base): run with --prepare first"

# Both kernels at once: a systemd boot under TCG keeps about one host core
# busy, and they share nothing but the (copied) base image.
pids=()
for kv in "${kernels[@]}"; do
	mkdir -p "$BUILD/$kv"
	boot_kernel "$kv" > "$BUILD/$kv.report" &
	pids+=($!)
done
for ((i = 0; i < ${#kernels[@]}; i++)); do
	wait "${pids[i]}" || fail=1
	cat "$BUILD/${kernels[i]}.report"
done
# The purge, once: on the disk of the first kernel's VM that finished.
purged=0
for kv in "${kernels[@]}"; do
	grep -q "PTSM-SYSTEM DONE" "$BUILD/$kv/console.txt" 2>/dev/null || continue
	purge_check "$BUILD/$kv/image" || fail=1
	purged=1
	break
done
[ $purged = 1 ] || { echo "FAIL host purge: no VM finished its test"; fail=1; }
exit $fail
}
