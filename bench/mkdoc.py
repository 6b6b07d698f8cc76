#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""bench/mkdoc.py RESULTS.json docs/performance.md: rewrite the "Latest figures"
section of docs/performance.md from a results file, for every VM kernel in it
(the README excerpt, the findings and what the machine was shared with are
prose: update them by hand; the script prints the numbers they use)."""
import json
import sys

r = json.load(open(sys.argv[1]))
doc = sys.argv[2]


def f(s, d=0):
    if s is None:
        return "n/a"
    return " / ".join(("%%.%df" % d) % s[k] for k in ("min", "median", "max"))


def med(s, d=2):
    return ("%%.%df" % d) % s["median"]


def kname(k):
    return k.split("-")[0].rsplit(".", 1)[0] if k.count(".") > 1 else k


v = r["figures"]["verification"]["algorithms"]
A = ("p256", "p384", "rsa3072")
TR, FO, SH, FP = (r["figures"][k] for k in ("evidence_transfer", "fanout", "shim", "footprint"))
K = sorted(FO, key=lambda k: [int(x) for x in k.split("-")[0].split(".")[:2]], reverse=True)
m = r["machine"]
lo = m["load_1min"]
date = r["generated_utc"].replace("T", " ")[:16]
commit = r["git"]["commit"][:7]
wall = int(r["settings"]["wall_seconds"])
SIZES = [("1x2", "1 × 2"), ("8x8", "8 × 8"), ("32x8", "32 × 8")]


def row(label, key, d=0, bold=False):
    c = [f(v[a][key], d) for a in A]
    if bold:
        c = ["**%s**" % x for x in c]
    return "| %s | %s |" % (label, " | ".join(c))


out = []
w = out.append
w(f'''From `bench/results.json` (run {date} UTC, git {commit}, a clean
`git archive` of that commit, {wall} s for the whole suite).

**Machine:** {m["nproc"]} vCPUs "{m["cpu"]}", {round(m["mem_total_mib"] / 1024)} GiB, host kernel {m["host_kernel"].split("-")[0]} (Debian 12
userland, {" ".join(m["openssl"].split()[:2])}). VM: `tests/vm/run` -- QEMU 7.2 TCG, one vCPU,
1 GiB, Debian kernel(s) {" and ".join(m["vm_kernels"])} (with the harness's `slub_debug`
and KFENCE sampling; several kernels' VMs run at the same time). **Load:** the
machine was shared: 1-minute load average {lo["mean"]:.2f} mean, {lo["max"]:.2f} max
({lo["samples"]} samples; {lo["start"].split()[0]} at the start, {lo["end"].split()[0]} at the end), i.e. about
{lo["mean"] / m["nproc"]:.1f} runnable tasks per core. Wall times, in the VM above all, are
inflated by that and vary between repetitions; the ratios (both sides measured
side by side in the same run) and the CPU-time figures are what to read.

All values: min / median / max over 5 repetitions.

### 1. Verification cost (host, one core, CPU time per decision)

| | P-256 / SHA-256 | P-384 / SHA-384 | RSA-3072 / SHA-384 |
|---|---|---|---|
{row("ours, fresh chain (µs)", "ours_fresh_us")}
{row("floor: raw OpenSSL (d2i + X509_verify_cert + signature) (µs)", "floor_fresh_us")}
{row("**ratio ours / floor**", "ratio_fresh", 2, True)}
{row("decisions/s, fresh chains", "decisions_per_s_fresh")}
{row("ours, shared chain, cached (µs)", "ours_shared_cached_us")}
{row("**cache speed-up** (same chain uncached / cached)", "cache_speedup", 2, True)}
{row("cached / signature-only floor", "ratio_cached_vs_sig_floor", 2)}
{row("of which: parsing the evidence (µs)", "parse_only_us")}

Wall time was {min(v[a]["wall_over_cpu"]["min"] for a in A):.1f}-{max(v[a]["wall_over_cpu"]["max"] for a in A):.1f}x the CPU time (the load, plus the VM builds that run
alongside this part), which is why the bench counts CPU time.

### 2. Evidence transfer (VM): a 16 MiB CERT0

| kernel | | time (ms) | ratio vs sysfs | ratio, client start-up removed |
|---|---|---|---|---|''')
for k in K:
    t = TR.get(k)
    if not t or t.get("status") != "ok":
        w("| %s | not measured | | | |" % kname(k))
        continue
    w("| %s | floor: `cat` of the sample's `certs` attribute | %s | 1 | |" % (kname(k), f(t["sysfs_certs_ms"])))
    for fam in ("pci-tsm", "device-evidence"):
        w("| %s | `%s` family (ptsm-nl) | %s | **%s** | %s |" % (
            kname(k), fam, f(t[fam]["ms"]), f(t[fam]["ratio_vs_sysfs"], 2),
            f(t[fam]["ratio_vs_sysfs_minus_client_start"], 2)))
cl = [t[fam]["client_4k_ms"][x] for t in TR.values() if t.get("status") == "ok"
      for fam in ("pci-tsm", "device-evidence") for x in ("min", "max")]
w(f'''
Each repetition is the best of three rounds. "Client start-up removed"
subtracts ptsm-nl reading a 4 KiB object (process start, libnl/libcrypto
loading, family lookup: {min(cl):.0f}-{max(cl):.0f} ms under TCG).

### 3. Device fan-out (VM, coldplug, P-256 fixture)

| kernel | per bridge (functions) | module load to all decided (ms) | insmod (ms) | per function, work only (ms) | daemon CPU per function (ms) | responder CPU per function (ms) | daemon VmHWM (KiB) |
|---|---|---|---|---|---|---|---|''')
for k in K:
    for s, label in SIZES:
        x = FO[k]["sizes"].get(s)
        if not x:
            continue
        d = 0 if s == "1x2" else 1
        w("| %s | %s (%d) | %s | %s | %s | %s | %s | %s |" % (
            kname(k), label, x["functions"], f(x["all_decided_ms"]), f(x["insmod_ms"]),
            f(x["per_function_ms"], d), f(x["daemon_cpu_ms_per_function"], d),
            f(x["responder_cpu_ms_per_function"], 1), f(x["daemon_vmhwm_kib"])))
w("\n| ratio of per-function cost (pairs of the same repetition) | %s | functions ratio |"
  % " | ".join(kname(k) for k in K))
w("|---|%s---|" % ("---|" * len(K)))
for rn, label, fr in (("32x8/8x8", "**32×8 / 8×8**", 4), ("8x8/1x2", "8×8 / 1×2", 32),
                      ("32x8/1x2", "32×8 / 1×2", 128)):
    c = [f(FO[k]["ratios"][rn]["per_function_cost_ratio"], 2) for k in K]
    if rn == "32x8/8x8":
        c = ["**%s**" % x for x in c]
    w("| %s | %s | %d |" % (label, " | ".join(c), fr))
fifths = "; ".join("%s: %s" % (kname(k), "; ".join(
    "%s: %s" % (lab, ", ".join("%.0f" % q["median"] for q in FO[k]["sizes"][s]["per_function_ms_by_fifth"]))
    for s, lab in SIZES[1:] if FO[k]["sizes"].get(s))) for k in K)
ds = [x["daemon_start_ms"][y] for k in K for x in FO[k]["sizes"].values() for y in ("min", "max")]
sh_ = [x["daemon_cpu_share_of_work"]["median"] for k in K for s, x in FO[k]["sizes"].items() if s != "1x2"]
w(f'''
Per-function cost of each fifth of the decisions (medians; ms), {fifths}.
The daemon came up (control socket) {min(ds) / 1000:.2f}-{max(ds) / 1000:.2f} s after the module
load. Its CPU time is {min(sh_) * 100:.0f}-{max(sh_) * 100:.0f} % of the work interval at 128 and 512
functions; it is counted from the daemon's start, so at 1 × 2 it is mostly
start-up (configuration, policy, OpenSSL).

### 4. Shim overhead (VM, `swiotlb=force`, devsec_pci's in-kernel timer, {list(SH.values())[0]["iterations"]} map+unmap per run, best of three rounds per repetition)

| kernel | | 4 KiB (ns) | 64 KiB (ns) |
|---|---|---|---|''')
for k in K:
    sh = SH[k]
    n = kname(k)
    w("| %s | unrelated device, without tsm_shim (floor) | %s | %s |" % (n, f(sh["unrelated_4k"]["without_shim_ns"]), f(sh["unrelated_64k"]["without_shim_ns"])))
    w("| %s | unrelated device, with tsm_shim | %s | %s |" % (n, f(sh["unrelated_4k"]["with_shim_ns"]), f(sh["unrelated_64k"]["with_shim_ns"])))
    w("| %s | **ratio with / without** | **%s** | **%s** |" % (n, f(sh["unrelated_4k"]["ratio_with_vs_without"], 2), f(sh["unrelated_64k"]["ratio_with_vs_without"], 2)))
    w("| %s | accepted device (bypasses swiotlb) | %s | %s |" % (n, f(sh["accepted_4k"]["bypass_ns"]), f(sh["accepted_64k"]["bypass_ns"])))
    w("| %s | a device that bounces (floor) | %s | %s |" % (n, f(sh["accepted_4k"]["bounce_ns"]), f(sh["accepted_64k"]["bounce_ns"])))
    w("| %s | **ratio bypass / bounce** | **%s** | **%s** |" % (n, f(sh["accepted_4k"]["ratio_bypass_vs_bounce"], 3), f(sh["accepted_64k"]["ratio_bypass_vs_bounce"], 3)))
w('''
An accepted device's map+unmap costs a few hundred ns whatever the size;
bouncing costs a copy of the buffer.

### 5. Footprint (VM)

| | %s |
|---|%s''' % (" | ".join(kname(k) for k in K), "---|" * len(K)))
w("| tsm-verifierd VmHWM, no device (floor) | %s |" % " | ".join("%d KiB" % FP[k]["vmhwm_no_device_kib"] for k in K))
w("| VmHWM with %d functions decided (16 × 8 per bridge), state file written | %s |" % (
    FP[K[0]]["functions"], " | ".join("%d KiB = **%.2fx the floor**, %.1f KiB per function" % (
        FP[k]["vmhwm_kib"], FP[k]["ratio_vmhwm_vs_no_device"], FP[k]["kib_per_function"]) for k in K)))
w("| idle CPU over 60 s (six 10 s windows) | %s |" % " | ".join("%.1f ms in total" % FP[k]["idle_cpu_ms_total"] for k in K))
w("| idle wake-ups (voluntary context switches) per 10 s window | %s |" % " | ".join(f(FP[k]["idle_wakeups_per_window"]) for k in K))
w('''
The VmHWM figure is one load of that size (a high-water mark); the fan-out
table gives VmHWM per repetition for its sizes. The idle windows start once
the daemon has written its state file (in a batch, 1-10 s after the last
decision); idle, it sleeps in epoll_wait with one thread and nothing to do: no
timer fires while nothing changes.
''')
figs = "\n".join(out)
s = open(doc).read()
a = s.index("## Latest figures\n") + len("## Latest figures\n\n")
b = s.index("### Daemon bookkeeping on the host") if "### Daemon bookkeeping on the host" in s else s.index("## Findings")
s = s[:a] + figs + "\n" + s[b:]
open(doc, "w").write(s)
# values for the README excerpt and the findings
print("README: decisions/s", [med(v[a]["decisions_per_s_fresh"], 0) for a in A], "ratio",
      [med(v[a]["ratio_fresh"]) for a in A], "speedup", [med(v[a]["cache_speedup"], 1) for a in A])
for k in K:
    sz = FO[k]["sizes"]
    print(kname(k), "transfer", med(TR[k]["pci-tsm"]["ratio_vs_sysfs"]), med(TR[k]["device-evidence"]["ratio_vs_sysfs"]),
          "| fanout all decided s 128/512", sz["8x8"]["all_decided_ms"]["median"] / 1000,
          sz["32x8"]["all_decided_ms"]["median"] / 1000, "32/8", med(FO[k]["ratios"]["32x8/8x8"]["per_function_cost_ratio"]),
          "| shim", med(SH[k]["accepted_4k"]["ratio_bypass_vs_bounce"]), med(SH[k]["accepted_64k"]["ratio_bypass_vs_bounce"], 3),
          med(SH[k]["unrelated_4k"]["ratio_with_vs_without"]), med(SH[k]["unrelated_64k"]["ratio_with_vs_without"]),
          "| footprint MiB %.1f / %.1f" % (FP[k]["vmhwm_kib"] / 1024.0, FP[k]["vmhwm_no_device_kib"] / 1024.0))
