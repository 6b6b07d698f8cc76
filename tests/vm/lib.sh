# SPDX-License-Identifier: GPL-2.0-only
#
# Helpers for VM tests (busybox ash). Source it: . /ptsm/lib.sh
#
# Inside the VM: our modules are /ptsm/modules/*.ko, binaries are on PATH
# (/ptsm/bin), fixtures (when generated) are in /ptsm/fixtures and debugfs is
# mounted at /sys/kernel/debug. A test passes by exiting 0. The harness also
# fails a test whose run leaves a kernel complaint (WARNING, BUG, ...) in the
# log or taints the kernel with anything but O/E.

PTSM_DIR=/ptsm
PTSM_MODDIR=$PTSM_DIR/modules
if [ -z "${PTSM_TEST:-}" ]; then
	PTSM_TEST=${0##*/}
	PTSM_TEST=${PTSM_TEST%.sh}
fi

# Every pci-tsm module, in a valid load order. Unloading goes in reverse.
PTSM_MODULES="tsm_core pci_tsm tsm_shim devsec_bus devsec_link_tsm devsec_tsm devsec_pci"
# Test-only modules (tests/vm/selftest, tests/kmod), unloaded too when present.
PTSM_SELFTEST_MODULES="ptsm_selftest_warn ptsm_selftest_clean ptsm_selftest_hang ptsm_test_reg ptsm_test_observe ptsm_test_devlock"

# log MSG...: a line in the console, attributed to the running test.
log() {
	echo "[$PTSM_TEST] $*"
}

# fail MSG...: report and end the test with a failure.
fail() {
	echo "[$PTSM_TEST] FAIL: $*"
	exit 1
}

# expect_eq WANT GOT MSG: fail unless WANT and GOT are the same string.
expect_eq() {
	if [ "$1" != "$2" ]; then
		fail "$3: expected '$1', got '$2'"
	fi
}

# ptsm_is_loaded MOD: true when module MOD is loaded (a loadable module has
# initstate, a built-in one does not). A test builtin, not a grep of
# /proc/modules: the harness asks for every module after every test, and an
# exec costs a quarter of a second on the debug lane.
ptsm_is_loaded() {
	[ -e "/sys/module/$1/initstate" ]
}

# ptsm_load MOD [PARAM=VALUE...]: insmod one of our modules (after any
# in-tree modules it needs). Fails the test if the module is missing or
# refuses to load; a module that is already loaded is left alone.
ptsm_load() {
	local mod=$1 ko dep n

	shift
	ko=$PTSM_MODDIR/$mod.ko
	[ -f "$ko" ] || ko=$PTSM_DIR/selftest/$mod.ko
	[ -f "$ko" ] || fail "ptsm_load: no module $mod.ko in the VM (was it built?)"
	if ptsm_is_loaded "$mod"; then
		log "ptsm_load: $mod already loaded"
		return 0
	fi
	if [ -f "$PTSM_DIR/kdeps/$mod.list" ]; then
		while read -r dep; do
			[ -n "$dep" ] || continue
			n=${dep##*/}
			n=${n%.ko}
			ptsm_is_loaded "${n//-/_}" ||
				insmod "$PTSM_DIR/kdeps/$dep" ||
				fail "ptsm_load: in-tree dependency $dep of $mod failed to load"
		done < "$PTSM_DIR/kdeps/$mod.list"
	fi
	# the emulated devices' capability offsets, cached by devsec-lib.sh
	[ "$mod" = devsec_bus ] && rm -f /tmp/ptsm-dvsec.*
	insmod "$ko" "$@" || fail "ptsm_load: insmod $mod $* failed"
	log "loaded $mod $*"
}

# ptsm_unload MOD: rmmod one module; fails the test if it will not go.
ptsm_unload() {
	ptsm_is_loaded "$1" || return 0
	rmmod "$1" || fail "ptsm_unload: rmmod $1 failed"
	log "unloaded $1"
}

# ptsm_unload_all: unload every loaded pci-tsm module, dependents first.
# Fails the test if one refuses to go.
ptsm_unload_all() {
	local mod rest

	rest=""
	for mod in $PTSM_MODULES; do
		rest="$mod $rest"
	done
	for mod in $PTSM_SELFTEST_MODULES $rest; do
		ptsm_unload "$mod"
	done
}

# ptsm_loaded_modules: print the pci-tsm modules currently loaded.
ptsm_loaded_modules() {
	local mod

	for mod in $PTSM_MODULES $PTSM_SELFTEST_MODULES; do
		ptsm_is_loaded "$mod" && echo "$mod"
	done
	return 0
}

# sysfs_write FILE VALUE: one write(2) of VALUE (no newline added). Prints
# OK or the errno name (EBUSY, EINVAL, ...); returns 0 only on OK.
# The shell's echo, which writes its line at once and names the error,
# where it can: an exec of sysfs-write costs ~0.15 s on the debug lane.
sysfs_write() {
	local err

	case "$2" in
	-*) sysfs-write "$1" "$2"; return ;;	# echo would take it for an option
	esac
	[ ${#2} -le 4000 ] || { sysfs-write "$1" "$2"; return; }
	err=$( { echo -n "$2" > "$1"; } 2>&1 ) && { echo OK; return 0; }
	case "$err" in
	# open failed (the shell's O_CREAT words it its own way): nothing was
	# written, the program says it exactly
	*"can't create "*) sysfs-write "$1" "$2"; return ;;
	*": Invalid argument") echo EINVAL ;;
	*": Device or resource busy") echo EBUSY ;;
	*": No such device or address") echo ENXIO ;;
	*": Operation not supported") echo EOPNOTSUPP ;;
	*": Stale file handle") echo ESTALE ;;
	*": No such device") echo ENODEV ;;
	*": Operation not permitted") echo EPERM ;;
	*": Protocol error") echo EPROTO ;;
	*": Resource temporarily unavailable") echo EAGAIN ;;
	*": Connection timed out") echo ETIMEDOUT ;;
	*": No such file or directory") echo ENOENT ;;
	*": No buffer space available") echo ENOBUFS ;;
	*": Numerical result out of range") echo ERANGE ;;
	*": File too large") echo EFBIG ;;
	*": Input/output error") echo EIO ;;
	*": Cannot allocate memory") echo ENOMEM ;;
	*": File exists") echo EEXIST ;;
	*": No space left on device") echo ENOSPC ;;
	*": Argument list too long") echo E2BIG ;;
	*": Permission denied") echo EACCES ;;
	*": Bad address") echo EFAULT ;;
	*": Bad message") echo EBADMSG ;;
	*": Key was rejected by service") echo EKEYREJECTED ;;
	*": Operation canceled") echo ECANCELED ;;
	*": Interrupted system call") echo EINTR ;;
	*": Unknown error "*) echo "E${err##*Unknown error }" ;;
	*) echo "E? ($err)" ;;
	esac
	return 1
}

# expect_errno ERRNO FILE VALUE: fail unless writing VALUE to FILE fails with
# ERRNO (a name such as EBUSY).
expect_errno() {
	local got

	got=$(sysfs_write "$2" "$3")
	[ "$got" = "$1" ] || fail "write '$3' to $2: expected $1, got $got"
	log "write '$3' to $2: $got (as expected)"
}

# expect_ok FILE VALUE: fail unless writing VALUE to FILE succeeds.
expect_ok() {
	local got

	got=$(sysfs_write "$1" "$2")
	[ "$got" = "OK" ] || fail "write '$2' to $1: expected OK, got $got"
}

# kmsg_follow FILE: copy the kernel log (from its start) into FILE until
# kmsg_stop; the reader's errors go to FILE.err
kmsg_follow() {
	cat /dev/kmsg > "$1" 2> "$1.err" &
	KPID=$!
}

# kmsg_stop FILE: stop the reader; fail when it lost lines (it fell behind
# the ring buffer, and a check of FILE would judge what it never saw)
kmsg_stop() {
	kill "$KPID" 2>/dev/null
	wait "$KPID" 2>/dev/null
	if grep -q . "$1.err"; then
		fail "the kernel log reader lost lines: $(cat "$1.err")"
	fi
}

# wait_for PATH [SECONDS]: wait (default 10 s) for PATH to exist.
wait_for() {
	local i=0 n=$((${2:-10} * 10))

	while [ ! -e "$1" ]; do
		i=$((i + 1))
		[ $i -le $n ] || fail "timed out waiting for $1"
		usleep 100000
	done
}

# unrelated_dev: a device of QEMU's own (domain 0000), the control that
# neither pci_tsm nor the devsec TSM ever touches; prefers one with a
# memory BAR0 so that its ioremap is observed too
unrelated_dev() {
	local d first=""

	for d in /sys/bus/pci/devices/0000:00:*; do
		[ -e "$d" ] || continue
		[ -n "$first" ] || first=${d##*/}
		if [ "$(($(cut -d' ' -f3 < "$d/resource" | head -1) & 0x200))" != 0 ]; then
			echo "${d##*/}"
			return
		fi
	done
	[ -n "$first" ] || fail "no PCI device of QEMU's own in domain 0000"
	echo "$first"
}
