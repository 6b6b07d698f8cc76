#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""bench/report.py RAWDIR OUT.json: statistics, table and JSON of a bench run.

RAWDIR (written by bench/run.sh) holds:
  machine.env           KEY=VALUE lines (machine, settings, load samples)
  verify.txt            "BENCH verify ..." lines of bench/verify-bench
  vm-<kver>.txt         "BENCH ..." lines of the VM scripts for that kernel
  status.txt            "<part> <kver|host> ok|fail|skipped <reason>" lines

Every figure is a ratio against a floor measured in the same run; each
value is reported as min/median/max over the repetitions (ratios are taken
per repetition, then summarised). A figure that could not be measured is
reported with status "not measured" and the reason, never estimated.
"""
import json
import os
import statistics
import sys


def parse_lines(path):
    """BENCH lines -> list of (kind, {key: value})."""
    out = []
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("BENCH "):
                continue
            parts = line.split()
            kv = {}
            for p in parts[2:]:
                if "=" in p:
                    k, v = p.split("=", 1)
                    try:
                        kv[k] = float(v) if "." in v else int(v)
                    except ValueError:
                        kv[k] = v
            out.append((parts[1], kv))
    return out


def stats(values, digits=3):
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    r = lambda x: round(x, digits)
    return {"min": r(min(vals)), "median": r(statistics.median(vals)),
            "max": r(max(vals)), "n": len(vals)}


def ratio(a, b):
    return a / b if a is not None and b else None


def read_env(path):
    env = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    env[k] = v
    return env


def read_status(path):
    st = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                p = line.rstrip("\n").split(" ", 3)
                if len(p) >= 3:
                    st[(p[0], p[1])] = (p[2], p[3] if len(p) > 3 else "")
    return st


def not_measured(reason):
    return {"status": "not measured", "reason": reason}


def no_vm(status, part):
    st = status.get(("vm-" + part, "-"))
    if st and st[0] == "skipped":
        return not_measured("skipped: " + st[1])
    return not_measured("no VM kernel ran")


# ---------------------------------------------------------------- figures

def fig_verify(lines, status):
    rows = [kv for k, kv in lines if k == "verify"]
    if not rows:
        st = status.get(("verify", "host"), ("fail", "no output"))
        return not_measured("host verification bench: " + (st[1] or st[0]))
    out = {"status": "ok", "unit": "microseconds of CPU time per decision, one core",
           "algorithms": {}}
    for alg in sorted({r["alg"] for r in rows}, key=lambda a: ["p256", "p384", "rsa3072"].index(a)
                      if a in ("p256", "p384", "rsa3072") else 9):
        rs = [r for r in rows if r["alg"] == alg]
        us = lambda key: stats([r[key] / 1000.0 for r in rs], 1)
        out["algorithms"][alg] = {
            "ours_fresh_us": us("ours_fresh_ns"),
            "floor_fresh_us": us("floor_fresh_ns"),
            "ratio_fresh": stats([ratio(r["ours_fresh_ns"], r["floor_fresh_ns"]) for r in rs]),
            "decisions_per_s_fresh": stats([1e9 / r["ours_fresh_ns"] for r in rs], 0),
            "floor_per_s_fresh": stats([1e9 / r["floor_fresh_ns"] for r in rs], 0),
            "ours_shared_uncached_us": us("ours_shared_ns"),
            "ours_shared_cached_us": us("ours_cached_ns"),
            "decisions_per_s_cached": stats([1e9 / r["ours_cached_ns"] for r in rs], 0),
            "floor_sig_only_us": us("floor_sig_ns"),
            "ratio_cached_vs_sig_floor": stats([ratio(r["ours_cached_ns"], r["floor_sig_ns"])
                                                for r in rs]),
            "cache_speedup": stats([ratio(r["ours_shared_ns"], r["ours_cached_ns"]) for r in rs]),
            "parse_only_us": us("ours_parse_ns") if "ours_parse_ns" in rs[0] else None,
            "wall_over_cpu": stats([ratio(r["ours_fresh_wall_ns"], r["ours_fresh_ns"])
                                    for r in rs], 2),
        }
    return out


def vm_rows(vm, kind):
    return [kv for k, kv in vm if k == kind]


def fig_transfer(vms, status):
    out = {}
    for kver, vm in vms.items():
        rs = vm_rows(vm, "transfer")
        if not rs:
            st = status.get(("vm-transfer", kver), ("fail", "no output"))
            out[kver] = not_measured(st[1] or st[0])
            continue
        mib = rs[0]["bytes"] / 1048576.0
        d = {"status": "ok", "bytes": rs[0]["bytes"],
             "sysfs_certs_ms": stats([r["sysfs_us"] / 1000.0 for r in rs], 1),
             "sysfs_MiB_per_s": stats([mib / (r["sysfs_us"] / 1e6) for r in rs], 1)}
        for fam, key in (("pci-tsm", "pci_tsm"), ("device-evidence", "device_evidence")):
            d[fam] = {
                "ms": stats([r[key + "_us"] / 1000.0 for r in rs], 1),
                "MiB_per_s": stats([mib / (r[key + "_us"] / 1e6) for r in rs], 1),
                "ratio_vs_sysfs": stats([ratio(r[key + "_us"], r["sysfs_us"]) for r in rs]),
                "client_4k_ms": stats([r[key + "_4k_us"] / 1000.0 for r in rs], 1),
                "ratio_vs_sysfs_minus_client_start": stats(
                    [ratio(r[key + "_us"] - r[key + "_4k_us"], r["sysfs_us"]) for r in rs]),
            }
        out[kver] = d
    return out or no_vm(status, "transfer")


def fig_fanout(vms, status):
    out = {}
    for kver, vm in vms.items():
        rs = vm_rows(vm, "fanout")
        if not rs:
            st = status.get(("vm-fanout", kver), ("fail", "no output"))
            out[kver] = not_measured(st[1] or st[0])
            continue
        sizes = []
        for r in rs:
            if r["size"] not in sizes:
                sizes.append(r["size"])
        d = {"status": "ok", "sizes": {}, "ratios": {}}
        per = {}
        for s in sizes:
            ss = [r for r in rs if r["size"] == s]
            n = ss[0]["functions"]
            # verification work per function: from the daemon being up to the
            # last decision (the daemon's start-up is a constant, listed apart)
            per[s] = [r.get("work_us", r["decided_us"]) / 1000.0 / n for r in ss]
            d["sizes"][s] = {
                "functions": n, "reps": len(ss),
                "insmod_ms": stats([r["load_us"] / 1000.0 for r in ss], 1),
                "daemon_start_ms": stats([r["daemon_start_us"] / 1000.0 for r in ss
                                          if "daemon_start_us" in r], 1),
                "all_decided_ms": stats([r["decided_us"] / 1000.0 for r in ss], 1),
                "per_function_ms": stats(per[s], 1),
                "daemon_vmhwm_kib": stats([r["hwm_kb"] for r in ss], 0),
                "accepted": stats([r.get("accepted") for r in ss], 0),
                # each run's decisions in five equal slices (the first from
                # the insmod): per-function cost per slice; rising slices
                # would mean the work grows faster than linearly
                "per_function_ms_by_fifth": [
                    stats([int(str(r["slices_us"]).split(",")[k]) / 1000.0 / (n / 5.0)
                           for r in ss if "slices_us" in r], 1) for k in range(5)
                ] if n >= 10 else None,
                "denied": stats([r.get("denied") for r in ss], 0),
                # where the time went: CPU time of the daemon (all its
                # threads) and of devsec-responder, per function, and the
                # daemon's share of the work interval
                "daemon_cpu_ms_per_function": stats(
                    [r["daemon_cpu_ms"] / n for r in ss if "daemon_cpu_ms" in r], 1),
                "responder_cpu_ms_per_function": stats(
                    [r["responder_cpu_ms"] / n for r in ss if "responder_cpu_ms" in r], 1),
                "daemon_cpu_share_of_work": stats(
                    [r["daemon_cpu_ms"] * 1000.0 / r["work_us"] for r in ss
                     if "daemon_cpu_ms" in r and r.get("work_us")], 2),
            }
        for a, b in zip(sizes, sizes[1:]):
            # repetition i of one size against repetition i of the next
            pairs = list(zip(per[a], per[b]))
            d["ratios"][b + "/" + a] = {
                "functions_ratio": d["sizes"][b]["functions"] / d["sizes"][a]["functions"],
                "per_function_cost_ratio": stats([y / x for x, y in pairs]),
            }
        if len(sizes) >= 2:
            a, b = sizes[0], sizes[-1]
            pairs = list(zip(per[a], per[b]))
            d["ratios"][b + "/" + a] = {
                "functions_ratio": d["sizes"][b]["functions"] / d["sizes"][a]["functions"],
                "per_function_cost_ratio": stats([y / x for x, y in pairs]),
            }
        out[kver] = d
    return out or no_vm(status, "fanout")


def fig_shim(vms, status):
    out = {}
    for kver, vm in vms.items():
        un = vm_rows(vm, "shim_unrelated")
        ac = vm_rows(vm, "shim_accepted")
        if not un and not ac:
            st = status.get(("vm-shim", kver), ("fail", "no output"))
            out[kver] = not_measured(st[1] or st[0])
            continue
        d = {"status": "ok", "unit": "nanoseconds per map+unmap (in-kernel)"}
        if un:
            d["iterations"] = un[0]["n"]
            for sz in ("4k", "64k"):
                d["unrelated_" + sz] = {
                    "without_shim_ns": stats([r["without_%s_ns" % sz] for r in un], 0),
                    "with_shim_ns": stats([r["with_%s_ns" % sz] for r in un], 0),
                    "ratio_with_vs_without": stats(
                        [ratio(r["with_%s_ns" % sz], r["without_%s_ns" % sz]) for r in un]),
                }
        else:
            d["unrelated"] = not_measured("no samples")
        if ac:
            for sz in ("4k", "64k"):
                d["accepted_" + sz] = {
                    "bypass_ns": stats([r["bypass_%s_ns" % sz] for r in ac], 0),
                    "bounce_ns": stats([r["bounce_%s_ns" % sz] for r in ac], 0),
                    "ratio_bypass_vs_bounce": stats(
                        [ratio(r["bypass_%s_ns" % sz], r["bounce_%s_ns" % sz]) for r in ac]),
                }
        else:
            st = status.get(("vm-shim", kver), ("fail", ""))
            d["accepted"] = not_measured("no samples" + (": " + st[1] if st[1] else ""))
        out[kver] = d
    return out or no_vm(status, "shim")


def fig_footprint(vms, status):
    out = {}
    for kver, vm in vms.items():
        rss = vm_rows(vm, "footprint_rss")
        idle = vm_rows(vm, "footprint_idle")
        if not rss:
            st = status.get(("vm-fanout", kver), ("fail", "no output"))
            out[kver] = not_measured(st[1] or st[0])
            continue
        r = rss[-1]
        base = vm_rows(vm, "daemon_base")
        b = base[-1]["hwm_kb"] if base else None
        d = {"status": "ok", "functions": r["functions"], "accepted": r.get("accepted"),
             "vmhwm_kib": r["hwm_kb"], "vmrss_kib": r["rss_kb"], "threads_idle": r["threads"],
             "vmhwm_no_device_kib": b,
             "ratio_vmhwm_vs_no_device": round(r["hwm_kb"] / b, 3) if b else None,
             "kib_per_function": round((r["hwm_kb"] - b) / r["functions"], 2) if b else None,
             "note": "one load of the footprint size (VmHWM is a single high-water mark); "
                     "the fan-out figure gives VmHWM per repetition for each of its sizes"}
        if idle:
            d["idle_windows"] = len(idle)
            d["idle_seconds"] = round(sum(x["wall_us"] for x in idle) / 1e6, 1)
            d["idle_cpu_ms_total"] = round(sum(x["cpu_ns"] for x in idle) / 1e6, 3)
            d["idle_cpu_percent_of_one_cpu"] = stats(
                [100.0 * x["cpu_ns"] / (x["wall_us"] * 1000.0) for x in idle], 4)
            d["idle_cpu_ms_per_window"] = stats([x["cpu_ns"] / 1e6 for x in idle], 3)
            d["idle_wakeups_per_window"] = stats([x["wakeups"] for x in idle], 0)
            d["idle_window_s"] = round(idle[0]["wall_us"] / 1e6, 1)
        else:
            d["idle"] = not_measured("no idle windows measured")
        out[kver] = d
    return out or no_vm(status, "fanout")


# ------------------------------------------------------------------ table

def fmt(s, unit=""):
    if s is None:
        return "not measured"
    if isinstance(s, dict) and "median" in s:
        def f(x):
            return ("%.3g" % x) if abs(x) < 100 else ("%.0f" % x)
        return "%s / %s / %s%s" % (f(s["min"]), f(s["median"]), f(s["max"]),
                                   (" " + unit) if unit else "")
    return str(s) + ((" " + unit) if unit else "")


def table(res):
    rows = []
    add = lambda *c: rows.append(c)
    v = res["figures"]["verification"]
    if v.get("status") == "ok":
        for alg, a in v["algorithms"].items():
            add("1 verify", alg + " fresh chain: ours", fmt(a["ours_fresh_us"], "us"))
            add("1 verify", alg + " fresh chain: floor (OpenSSL)", fmt(a["floor_fresh_us"], "us"))
            add("1 verify", alg + " fresh: ratio ours/floor", fmt(a["ratio_fresh"], "x"))
            add("1 verify", alg + " fresh: decisions/s", fmt(a["decisions_per_s_fresh"], "/s"))
            add("1 verify", alg + " shared chain, cached: ours", fmt(a["ours_shared_cached_us"], "us"))
            add("1 verify", alg + " shared: cache speed-up", fmt(a["cache_speedup"], "x"))
            add("1 verify", alg + " cached: ratio ours/sig-only floor",
                fmt(a["ratio_cached_vs_sig_floor"], "x"))
            if a.get("parse_only_us"):
                add("1 verify", alg + " (of which parsing the evidence)", fmt(a["parse_only_us"], "us"))
    else:
        add("1 verify", "all", "NOT MEASURED: " + v.get("reason", ""))
    for name, key in (("2 transfer", "evidence_transfer"), ("3 fan-out", "fanout"),
                      ("4 shim", "shim"), ("5 footprint", "footprint")):
        fig = res["figures"][key]
        if fig.get("status") == "not measured":
            add(name, "all", "NOT MEASURED: " + fig.get("reason", ""))
            continue
        for kver, d in fig.items():
            k = kver.split("+")[0].split("-")[0]
            if d.get("status") != "ok":
                add(name, k, "NOT MEASURED: " + d.get("reason", ""))
                continue
            if key == "evidence_transfer":
                add(name, k + " sysfs certs (floor)", fmt(d["sysfs_certs_ms"], "ms"))
                for fam in ("pci-tsm", "device-evidence"):
                    add(name, k + " " + fam + " 16 MiB", fmt(d[fam]["ms"], "ms"))
                    add(name, k + " " + fam + " ratio vs sysfs", fmt(d[fam]["ratio_vs_sysfs"], "x"))
                    add(name, k + " " + fam + " ratio, client start removed",
                        fmt(d[fam]["ratio_vs_sysfs_minus_client_start"], "x"))
            elif key == "fanout":
                for s, x in d["sizes"].items():
                    add(name, "%s %s (%d fn) all decided" % (k, s, x["functions"]),
                        fmt(x["all_decided_ms"], "ms"))
                    add(name, "%s %s per function" % (k, s), fmt(x["per_function_ms"], "ms"))
                    add(name, "%s %s daemon VmHWM" % (k, s), fmt(x["daemon_vmhwm_kib"], "KiB"))
                    if x.get("daemon_cpu_ms_per_function"):
                        add(name, "%s %s CPU per function: daemon | responder" % (k, s),
                            "%s | %s" % (fmt(x["daemon_cpu_ms_per_function"], "ms"),
                                         fmt(x["responder_cpu_ms_per_function"], "ms")))
                    if x["reps"] < 5 and x.get("per_function_ms_by_fifth"):
                        add(name, "%s %s only %d rep(s): per-fn ms by fifth" % (k, s, x["reps"]),
                            " ".join("%.0f" % f["median"] for f in x["per_function_ms_by_fifth"] if f))
                    if x["denied"] and x["denied"]["max"]:
                        add(name, "%s %s denied (should be 0)" % (k, s), fmt(x["denied"]))
                for rn, x in d["ratios"].items():
                    add(name, "%s per-function cost %s (%.0fx functions)" %
                        (k, rn, x["functions_ratio"]), fmt(x["per_function_cost_ratio"], "x"))
            elif key == "shim":
                for sz in ("4k", "64k"):
                    u = d.get("unrelated_" + sz)
                    if u:
                        add(name, "%s unrelated %s without/with shim" % (k, sz),
                            "%s | %s" % (fmt(u["without_shim_ns"], "ns"), fmt(u["with_shim_ns"], "ns")))
                        add(name, "%s unrelated %s ratio with/without" % (k, sz),
                            fmt(u["ratio_with_vs_without"], "x"))
                for sz in ("4k", "64k"):
                    a = d.get("accepted_" + sz)
                    if a:
                        add(name, "%s accepted %s bypass vs bounce" % (k, sz),
                            "%s | %s" % (fmt(a["bypass_ns"], "ns"), fmt(a["bounce_ns"], "ns")))
                        add(name, "%s accepted %s ratio bypass/bounce" % (k, sz),
                            fmt(a["ratio_bypass_vs_bounce"], "x"))
                if "accepted" in d:
                    add(name, k + " accepted", "NOT MEASURED: " + d["accepted"]["reason"])
            elif key == "footprint":
                add(name, "%s VmHWM, no device (floor)" % k, "%s KiB" % d["vmhwm_no_device_kib"])
                add(name, "%s VmHWM, %d fn decided" % (k, d["functions"]),
                    "%d KiB (%sx the floor, %s KiB/fn)" % (d["vmhwm_kib"], d["ratio_vmhwm_vs_no_device"],
                                                         d["kib_per_function"]))
                if "idle_cpu_percent_of_one_cpu" in d:
                    add(name, "%s idle CPU %%, %gs windows" % (k, d["idle_window_s"]),
                        fmt(d["idle_cpu_percent_of_one_cpu"], "%") +
                        " (%.1f ms in %.0f s)" % (d["idle_cpu_ms_total"], d["idle_seconds"]))
                    add(name, "%s idle wake-ups per window" % k, fmt(d["idle_wakeups_per_window"]))
                else:
                    add(name, k + " idle", "NOT MEASURED: " + d["idle"]["reason"])
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    lines = ["%-*s  %-*s  %s" % (w0, "figure", w1, "item", "min / median / max"),
             "-" * (w0 + w1 + 30)]
    lines += ["%-*s  %-*s  %s" % (w0, r[0], w1, r[1], r[2]) for r in rows]
    return "\n".join(lines)


def main():
    raw, out = sys.argv[1], sys.argv[2]
    env = read_env(os.path.join(raw, "machine.env"))
    status = read_status(os.path.join(raw, "status.txt"))
    vms = {}
    for f in sorted(os.listdir(raw)):
        if f.startswith("vm-") and f.endswith(".txt"):
            vms[f[3:-4]] = parse_lines(os.path.join(raw, f))
    loads = [float(x) for x in env.get("LOAD_SAMPLES", "").split()] if env.get("LOAD_SAMPLES") else []
    res = {
        "schema": 1,
        "generated_utc": env.get("DATE"),
        "git": {"commit": env.get("GIT_COMMIT"), "dirty": env.get("GIT_DIRTY") == "1"},
        "machine": {
            "nproc": int(env.get("NPROC", "0")),
            "cpu": env.get("CPU"),
            "mem_total_mib": int(env.get("MEM_MIB", "0")),
            "host_kernel": env.get("HOST_KERNEL"),
            "vm_kernels": env.get("VM_KERNELS", "").split(),
            "vm": env.get("VM_DESC"),
            "openssl": env.get("OPENSSL"),
            "load_1min": {"start": env.get("LOAD_START"), "end": env.get("LOAD_END"),
                          "samples": len(loads),
                          "mean": round(statistics.mean(loads), 2) if loads else None,
                          "max": max(loads) if loads else None},
        },
        "settings": {"reps": int(env.get("REPS", "0")),
                     "verify_seconds_per_measurement": env.get("VERIFY_SECONDS"),
                     "fanout_sizes_per_bridge": env.get("SIZES"),
                     "large_reps": env.get("LARGE_REPS"),
                     "shim_iterations": env.get("SHIM_N"),
                     "idle_seconds": env.get("IDLE"),
                     "wall_seconds": env.get("WALL_SECONDS")},
        "figures": {
            "verification": fig_verify(parse_lines(os.path.join(raw, "verify.txt")), status),
            "evidence_transfer": fig_transfer(vms, status),
            "fanout": fig_fanout(vms, status),
            "shim": fig_shim(vms, status),
            "footprint": fig_footprint(vms, status),
        },
        "parts": {"%s %s" % k: {"status": v[0], "note": v[1]} for k, v in status.items()},
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(res, f, indent=1, sort_keys=False)
        f.write("\n")
    m = res["machine"]
    print("pci-tsm bench, %s, git %s%s" % (res["generated_utc"], (res["git"]["commit"] or "?")[:12],
                                           " (dirty)" if res["git"]["dirty"] else ""))
    print("machine: %d x %s, %s MiB, host kernel %s, VM kernels %s (%s)" %
          (m["nproc"], m["cpu"], m["mem_total_mib"], m["host_kernel"],
           " ".join(m["vm_kernels"]) or "-", m["vm"]))
    lo = m["load_1min"]
    print("load (1 min): start %s, end %s, mean %s, max %s over %d samples" %
          (lo["start"], lo["end"], lo["mean"], lo["max"], lo["samples"]))
    print("every figure: min / median / max over the repetitions; ratios per repetition\n")
    print(table(res))
    print("\nwritten: %s" % out)


if __name__ == "__main__":
    main()
