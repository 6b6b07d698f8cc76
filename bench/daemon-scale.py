#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""bench/daemon-scale.py [-r REPS] [N...]: tsm-verifierd's own cost per device
on the host, without a VM, TCG or crypto (not part of `make bench`).

For each N (default 128 512) a mock sysfs (TSM_SYSFS_ROOT) with N held TEE
devices is built and `tsm-verifierd --once --debug` decides them all; with no
evidence netlink family on the host every verification fails fast and is
denied, so what is left is the daemon's bookkeeping: device table, journal
records, state.json. Prints CPU and wall time per device (min/median/max
over REPS runs; the ratio uses CPU time, which a busy host does not inflate)
and how often state.json was written ("?": a daemon that does not say), and
the daemon's peak RSS (ru_maxrss, the VmHWM it exits with; no evidence, so
the mock's lower bound of figure 5);
per-device cost should not grow with N. This is how the O(n^2) state.json rewrite was found (issue 8).
TSM_VERIFIERD=PATH measures another build of the daemon.
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DAEMON = os.environ.get("TSM_VERIFIERD", os.path.join(TOP, "daemon", "tsm-verifierd"))


def put(root, rel, data):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


def mock_tree(root, n):
    put(root, "sys/class/tsm/tsm1/pci_mode", "devsec\n")
    put(root, "sys/bus/pci/drivers_probe", "")
    put(root, "sys/bus/pci/drivers/pci_tsm_hold/.keep", "")
    cfg = bytearray(4096)
    # capability list with MSI-X (table in BAR0), the devsec sample's DVSEC
    for off, val in ((0x06, 0x10), (0x34, 0x40), (0x40, 0x11), (0x42, 7), (0x45, 0x20),
                     (0x49, 0x30), (0x100, 0x23), (0x104, 0x86), (0x105, 0x80),
                     (0x108, 0xec), (0x109, 0xd5), (0x119, 0x10)):
        cfg[off] = val
    for i in range(n):
        d = "sys/bus/pci/devices/0000:%02x:%02x.%d/" % (1 + i // 256, (i // 8) % 32, i % 8)
        put(root, d + "vendor", "0x8086\n")
        put(root, d + "device", "0x1111\n")
        put(root, d + "class", "0x120000\n")
        put(root, d + "resource", "0x00000000fe000000 0x00000000fe0fffff 0x0000000000040200\n")
        put(root, d + "config", bytes(cfg))
        put(root, d + "tsm/lock", "\n")
        put(root, d + "tsm/unlock", "")
        put(root, d + "tsm/accept", "0\n")
        put(root, d + "tsm/evidence_generation", "1\n")
    os.makedirs(os.path.join(root, "etc/policy.d"), exist_ok=True)
    put(root, "etc/tsm-verifierd.conf",
        "[daemon]\ntimeout = 60s\npolicy-dir = %s/etc/policy.d\n"
        "trust-dir = %s/etc/trust\nstate-dir = %s/state\n" % (root, root, root))


def reset(root):
    shutil.rmtree(os.path.join(root, "state"), ignore_errors=True)
    base = os.path.join(root, "sys/bus/pci/devices")
    for d in os.listdir(base):
        put(root, "sys/bus/pci/devices/%s/tsm/lock" % d, "\n")
        put(root, "sys/bus/pci/devices/%s/tsm/unlock" % d, "")


def run(root):
    env = dict(os.environ, TSM_SYSFS_ROOT=root, TSM_UDEV_SOURCE="kernel")
    err = tempfile.TemporaryFile(mode="w+")
    t0 = time.monotonic()
    p = subprocess.Popen([DAEMON, "--debug", "--once", "--config",
                          os.path.join(root, "etc/tsm-verifierd.conf")],
                         env=env, stdout=subprocess.DEVNULL, stderr=err)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    err.seek(0)
    log = err.read()
    if p.returncode:
        sys.exit("tsm-verifierd failed:\n" + log[-2000:])
    m = re.search(r"state\.json written (\d+) times", log)
    denied = len(re.findall(r": denied[ :(]", log))
    fsyncs = m.group(1) if m else "?"
    return wall, ru.ru_utime + ru.ru_stime, fsyncs, denied, ru.ru_maxrss


def main(argv):
    reps = 5
    if len(argv) > 1 and argv[0] == "-r":
        reps = int(argv[1])
        argv = argv[2:]
    sizes = [int(a) for a in argv] or [128, 512]
    if not os.access(DAEMON, os.X_OK):
        sys.exit("build the daemon first: make -C daemon")
    per = {}
    for n in sizes:
        root = tempfile.mkdtemp(prefix="vd-scale-")
        try:
            mock_tree(root, n)
            walls, cpus, writes, hwms = [], [], None, []
            for _ in range(reps):
                reset(root)
                wall, cpu, writes, denied, hwm = run(root)
                hwms.append(hwm)
                if denied != n:
                    sys.exit("%d devices, %d denied" % (n, denied))
                walls.append(wall / n * 1e6)
                cpus.append(cpu / n * 1e6)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        per[n] = statistics.median(cpus)
        print("N=%-5d per device, us min/median/max: CPU %.0f / %.0f / %.0f, wall %.0f / %.0f / %.0f;"
              " state.json writes %s; peak RSS %d / %d / %d KiB"
              % (n, min(cpus), per[n], max(cpus), min(walls), statistics.median(walls),
                 max(walls), writes, min(hwms), statistics.median(hwms), max(hwms)))
    for a, b in zip(sizes, sizes[1:]):
        print("per-device CPU N=%d / N=%d: %.2f (1.0 = linear)" % (b, a, per[b] / per[a]))


if __name__ == "__main__":
    main(sys.argv[1:])
