#!/usr/bin/env python3
"""Post-processor of one scripts/bench.sh run (standard library only).

    bench/vm/report.py RESULTS_DIR

Reads what bench/vm/guest.sh recorded in RESULTS_DIR (params.env, host.txt,
guest.txt, events.jsonl, raw/) and writes:
    results.json   every raw sample, per-sample metrics and the summaries
    results.md     the tables: results per workload and configuration, agent
                   cost, goals
    latency_cdf.png, latency_tail.png, ratios.png   (gnuplot)
It can be re-run on the same directory at any time.
"""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys

CONFIG_LABELS = {
    "eevdf-1": "EEVDF (pass 1)",
    "user-gthulhu": "scxx user gthulhu (defaults: yield, fast path)",
    "user-gthulhu-policy": "scxx user gthulhu, policy places every task (--fast-path off)",
    "user-gthulhu-ring": "scxx user gthulhu, ring wake-up, no fast path (the design before yield)",
    "user-gthulhu-spin": "scxx user gthulhu, ring wake-up + agent spin, no fast path",
    "user-fifo": "scxx user fifo",
    "user-vtime": "scxx user vtime",
    "kernel": "scxx kernel mode",
    "minimal": "scxx-minimal (BPF only)",
    "eevdf-2": "EEVDF (pass 2)",
}
SHORT_LABELS = {
    "eevdf-1": "EEVDF 1",
    "user-gthulhu": "gthulhu",
    "user-gthulhu-policy": "gthulhu policy-only",
    "user-gthulhu-ring": "gthulhu ring",
    "user-gthulhu-spin": "gthulhu ring+spin",
    "user-fifo": "fifo",
    "user-vtime": "vtime",
    "kernel": "kernel",
    "minimal": "minimal",
    "eevdf-2": "EEVDF 2",
}
EEVDF = ("eevdf-1", "eevdf-2")

# key, workload, label, unit, better ("lower"/"higher")
METRICS = [
    ("hackbench_time", "hackbench", "hackbench time", "s", "lower"),
    ("messaging_time", "messaging", "perf sched messaging time", "s", "lower"),
    ("pipe_ops", "pipe", "perf sched pipe", "ops/s", "higher"),
    ("switch_ops", "switch", "stress-ng switch", "bogo ops/s", "higher"),
    ("latency_p50", "latency", "wakeup latency p50 (full load)", "us", "lower"),
    ("latency_p99", "latency", "wakeup latency p99 (full load)", "us", "lower"),
    ("latency_max", "latency", "wakeup latency max (full load)", "us", "lower"),
]
METRIC_INFO = {m[0]: m for m in METRICS}


def read_kv(path):
    out = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.rstrip("\n")
                if "=" in line and not line.startswith("#"):
                    k, v = line.split("=", 1)
                    out[k.strip()] = v.strip().strip('"')
    except FileNotFoundError:
        pass
    return out


def read_text(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


# --- parsers of the workload outputs ---------------------------------------------


def parse_hackbench(text):
    m = re.search(r"^Time:\s*([\d.]+)", text, re.M)
    return {"hackbench_time": float(m.group(1))} if m else {}


def parse_messaging(text):
    m = re.search(r"Total time:\s*([\d.]+)", text)
    return {"messaging_time": float(m.group(1))} if m else {}


def parse_pipe(text):
    m = re.search(r"([\d.]+)\s+ops/sec", text)
    return {"pipe_ops": float(m.group(1))} if m else {}


def parse_switch(text):
    # stress-ng: metrc: [pid] switch  ops  real  usr  sys  ops/s(real)  ops/s(usr+sys)
    m = re.search(r"\]\s+switch\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", text)
    return {"switch_ops": float(m.group(5))} if m else {}


def parse_cyclictest_hist(text):
    """Histogram rows 'bucket count count ...' (1 us buckets, all threads)."""
    hist = {}
    overflow = 0
    max_lat = None
    hist_rows = False
    for line in text.splitlines():
        if line.startswith("#"):
            if line.startswith("# Histogram Overflows:"):
                overflow = sum(int(x) for x in line.split(":", 1)[1].split())
            elif line.startswith("# Max Latencies:"):
                vals = [int(x) for x in line.split(":", 1)[1].split()]
                max_lat = max(vals) if vals else None
            elif line.startswith("# Histogram"):
                hist_rows = True
            continue
        f = line.split()
        if not hist_rows or len(f) < 2 or not f[0].isdigit():
            continue
        c = sum(int(x) for x in f[1:])
        if c:
            hist[int(f[0])] = hist.get(int(f[0]), 0) + c
    return hist, overflow, max_lat


def percentile(hist, overflow, q, cap):
    total = sum(hist.values()) + overflow
    if total == 0:
        return None
    need = q * total
    cum = 0
    for b in sorted(hist):
        cum += hist[b]
        if cum >= need:
            return float(b)
    return float(cap)  # falls into the overflow bucket: at least the cap


def parse_latency(text, cap):
    hist, overflow, max_lat = parse_cyclictest_hist(text)
    if not hist and not overflow:
        return {}, None
    res = {
        "latency_p50": percentile(hist, overflow, 0.50, cap),
        "latency_p99": percentile(hist, overflow, 0.99, cap),
        "latency_max": float(max_lat) if max_lat is not None else float(max(hist)),
    }
    return res, {"hist": hist, "overflow": overflow, "samples": sum(hist.values()) + overflow}


PARSERS = {
    "hackbench": parse_hackbench,
    "messaging": parse_messaging,
    "pipe": parse_pipe,
    "switch": parse_switch,
}

# --- agent log (timestamped stats lines) ---------------------------------------------

STATS_RE = re.compile(r"^([\d.]+) \[scxx\] t=\S+ (.*)$")


def parse_agent_log(path):
    rows = []
    exit_line = ""
    totals = ""
    for line in read_text(path).splitlines():
        m = STATS_RE.match(line)
        if m:
            vals = {}
            for kv in m.group(2).split():
                if "=" in kv:
                    k, v = kv.split("=", 1)
                    try:
                        vals[k] = float(v.rstrip("%"))
                    except ValueError:
                        pass
            rows.append((float(m.group(1)), vals))
        elif "[scxx] exit" in line or "scxx-minimal: exit" in line:
            exit_line = line.split(" ", 1)[1]
        elif "[scxx] totals:" in line:
            totals = line.split(" ", 1)[1]
    return rows, exit_line, totals


def counter_at(rows, key, t):
    """Cumulative counter `key` at time t, linearly interpolated."""
    pts = [(ts, v[key]) for ts, v in rows if key in v]
    if not pts or t < pts[0][0] - 1.0 or t > pts[-1][0] + 1.0:
        return None
    if t <= pts[0][0]:
        return pts[0][1]
    for (t0, v0), (t1, v1) in zip(pts, pts[1:]):
        if t0 <= t <= t1:
            return v0 if t1 == t0 else v0 + (v1 - v0) * (t - t0) / (t1 - t0)
    return pts[-1][1]


def rate(rows, key, t0, t1):
    a, b = counter_at(rows, key, t0), counter_at(rows, key, t1)
    if a is None or b is None or t1 <= t0:
        return None
    return (b - a) / (t1 - t0)


def agent_cpu_pct(pre, post, clk_tck):
    dt = post["t"] - pre["t"]
    if dt <= 0:
        return None
    if post.get("run_ns", 0) > 0:
        return 100.0 * (post["run_ns"] - pre["run_ns"]) / 1e9 / dt
    return 100.0 * (post["ticks"] - pre["ticks"]) / clk_tck / dt


# --- summaries ---------------------------------------------------------------------


def median_of(pw, w, key):
    return (pw.get(w, {}).get(key) or {}).get("median")


def placement_cell(pw, w):
    """Share of placements by the policy and by the fast path."""
    u = median_of(pw, w, "user_per_s")
    f = median_of(pw, w, "fast_per_s") or 0.0
    if u is None or u + f <= 0:
        return "–"
    return f"{100 * u / (u + f):.0f}% / {100 * f / (u + f):.0f}%"


def wake_cell(pw, w):
    """Cost of one agent wake-up and how often it happened."""
    us = median_of(pw, w, "wake_us")
    return "–" if us is None else f"{us:.0f} us, {median_of(pw, w, 'wakes_per_s'):.0f}/s"


WAIT_PHASES = ("waits", "waits_to_decision", "waits_after_decision")


def hist_delta(pre, post):
    """The scheduler's wait histograms over one sample (post - pre), or None."""
    a, b = (pre or {}).get("waits"), (post or {}).get("waits")
    if not a or not b or any(not a.get(k) or not b.get(k) for k in WAIT_PHASES):
        return None
    return {k: [max(y - x, 0) for x, y in zip(a[k], b[k])] for k in WAIT_PHASES}


def log2_percentile_us(hist, q):
    """Upper bound (us) of the power-of-two bucket holding quantile q."""
    total = sum(hist)
    if total == 0:
        return None
    need, seen = q * total, 0
    for i, n in enumerate(hist):
        seen += n
        if seen >= need:
            return 2 ** (i + 1)
    return 2 ** len(hist)


def us_bound(v):
    return "–" if v is None else (f"<{v // 1000} ms" if v >= 2048 else f"<{v} us")


def phases_cell(pw, w):
    """p50 and p99 of the whole wait and of its two parts, from the histograms."""
    h = pw.get(w, {}).get("waits")
    if not h or not sum(h["waits"]):
        return "–"
    parts = []
    for k, name in zip(WAIT_PHASES, ("all", "to decision", "after")):
        p50, p99 = log2_percentile_us(h[k], 0.5), log2_percentile_us(h[k], 0.99)
        parts.append(f"{name} {us_bound(p50)} / {us_bound(p99)}")
    return "; ".join(parts)


def per_workload_table(configs, workloads, agent, column, cell):
    """A markdown table: one row per configuration, one column per workload."""
    head = ["configuration"] + [column.format(w=w) for w in workloads]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for c in configs:
        pw = agent.get(c, {}).get("per_workload", {})
        rows.append("| " + " | ".join([CONFIG_LABELS.get(c, c)] + [cell(pw, w) for w in workloads]) + " |")
    return rows + [""]


def summary(values):
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    return {
        "median": statistics.median(vals),
        "min": min(vals),
        "max": max(vals),
        "n": len(vals),
    }


def fmt(v, unit=""):
    if v is None:
        return "–"
    if v == 0:
        return "0"
    a = abs(v)
    if unit in ("ops/s", "bogo ops/s", "us", "/s") and a >= 100:
        s = f"{v:,.0f}"
    elif a >= 100:
        s = f"{v:.0f}"
    elif a >= 10:
        s = f"{v:.1f}"
    elif a >= 1:
        s = f"{v:.2f}"
    else:
        s = f"{v:.3f}"
    return s


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    d = os.path.abspath(sys.argv[1])
    params = read_kv(os.path.join(d, "params.env"))
    host = read_kv(os.path.join(d, "host.txt"))
    guest = read_kv(os.path.join(d, "guest.txt"))
    clk_tck = float(guest.get("clk_tck", "100") or 100)
    lat_cap = float(params.get("LAT_HIST_US", "250000"))
    configs = params.get("CONFIGS", "").split()
    workloads = params.get("WORKLOADS", "").split()

    events = []
    for line in read_text(os.path.join(d, "events.jsonl")).splitlines():
        line = line.strip()
        if line:
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError as e:
                print(f"[report] skipping a bad events line: {e}", file=sys.stderr)
    cfg_events = {e["config"]: e for e in events if e.get("type") == "config"}
    samples = [e for e in events if e.get("type") == "sample"]

    # per-config status
    status = {}
    for c in configs:
        e = cfg_events.get(c)
        if e is None:
            ran = any(s["config"] == c for s in samples)
            status[c] = {
                "status": "incomplete" if ran else "not run",
                "reason": "the guest stopped before this configuration finished"
                if ran
                else "the guest stopped before this configuration started",
            }
        else:
            status[c] = {"status": e["status"], "reason": e.get("reason", "")}

    agent_logs = {c: parse_agent_log(os.path.join(d, "raw", c, "agent.log")) for c in configs}

    # per-sample metrics
    lat_hists = {c: {"hist": {}, "overflow": 0} for c in configs}
    for s in samples:
        c, wl = s["config"], s["workload"]
        text = read_text(os.path.join(d, s["out"]))
        if wl == "latency":
            m, h = parse_latency(text, lat_cap)
            if h and s.get("valid"):
                for b, n in h["hist"].items():
                    lat_hists[c]["hist"][b] = lat_hists[c]["hist"].get(b, 0) + n
                lat_hists[c]["overflow"] += h["overflow"]
            s["latency_samples"] = h["samples"] if h else 0
            cls = read_text(os.path.join(d, s["out"]) + ".classes").strip()
            if cls:
                s["cyclictest_thread_classes"] = cls.split(":", 1)[-1].strip()
        else:
            m = PARSERS[wl](text)
        s["metrics"] = m
        if not m and s.get("valid"):
            s["valid"] = False
            s["why"] = (s.get("why") or "") + "no result in the output"
        if "pre" in s and "post" in s:
            rows = agent_logs[c][0]
            ag = {
                "cpu_pct": agent_cpu_pct(s["pre"], s["post"], clk_tck),
                "minflt": s["post"]["minflt"] - s["pre"]["minflt"],
                "majflt": s["post"]["majflt"] - s["pre"]["majflt"],
            }
            if rows:
                ag["user_per_s"] = rate(rows, "user", s["pre"]["t"], s["post"]["t"])
                ag["kernel_per_s"] = rate(rows, "kernel", s["pre"]["t"], s["post"]["t"])
                ag["fast_per_s"] = rate(rows, "fast", s["pre"]["t"], s["post"]["t"])
                ag["wakes_per_s"] = rate(rows, "agent_wakes", s["pre"]["t"], s["post"]["t"])
                wake_us = rate(rows, "agent_wake_us", s["pre"]["t"], s["post"]["t"])
                if ag["wakes_per_s"] and wake_us is not None:
                    ag["wake_us"] = wake_us / ag["wakes_per_s"]
            waits = hist_delta(s["pre"], s["post"])
            if waits:
                ag["waits"] = waits
            s["agent"] = ag

    # summaries per metric and config
    summ = {}
    for key, wl, *_ in METRICS:
        summ[key] = {}
        for c in configs:
            vals = [
                s["metrics"].get(key)
                for s in samples
                if s["config"] == c and s["workload"] == wl and s.get("valid")
            ]
            summ[key][c] = summary(vals)
        base = [summ[key][c]["median"] for c in EEVDF if c in summ[key] and summ[key][c]]
        bl = statistics.mean(base) if base else None
        summ[key]["_baseline"] = bl
        for c in configs:
            if summ[key][c] and bl:
                summ[key][c]["ratio"] = summ[key][c]["median"] / bl

    # agent cost per scxx configuration
    agent = {}
    for c in configs:
        if c in EEVDF:
            continue
        e = cfg_events.get(c, {})
        rows, exit_line, totals = agent_logs[c]
        a = {"exit": exit_line, "totals": totals, "per_workload": {}}
        for wl in workloads:
            ss = [s for s in samples if s["config"] == c and s["workload"] == wl and s.get("valid") and "agent" in s]
            a["per_workload"][wl] = {
                "cpu_pct": summary([s["agent"]["cpu_pct"] for s in ss]),
                "user_per_s": summary([s["agent"].get("user_per_s") for s in ss]),
                "kernel_per_s": summary([s["agent"].get("kernel_per_s") for s in ss]),
                "fast_per_s": summary([s["agent"].get("fast_per_s") for s in ss]),
                "wakes_per_s": summary([s["agent"].get("wakes_per_s") for s in ss]),
                "wake_us": summary([s["agent"].get("wake_us") for s in ss]),
                "waits": (
                    {k: [sum(x) for x in zip(*[s["agent"]["waits"][k] for s in ss if "waits" in s["agent"]])]
                     for k in WAIT_PHASES}
                    if any("waits" in s["agent"] for s in ss)
                    else None
                ),
                "minflt": sum(s["agent"]["minflt"] for s in ss) if ss else None,
                "majflt": sum(s["agent"]["majflt"] for s in ss) if ss else None,
            }
        w, z = e.get("after_warmup"), e.get("at_end")
        if w and z:
            a["after_warmup"] = {
                "minflt": z["minflt"] - w["minflt"],
                "majflt": z["majflt"] - w["majflt"],
                "cpu_pct": agent_cpu_pct(w, z, clk_tck),
                "seconds": z["t"] - w["t"],
            }
        if rows:
            last = rows[-1][1]
            a["stats_pf_since_attach"] = {"minor": last.get("pf_minor"), "major": last.get("pf_major")}
        agent[c] = a

    # goals
    goals = []

    def ratio(key, c):
        s = summ.get(key, {}).get(c)
        return s.get("ratio") if s else None

    def goal(name, c, value, limit, unit, fmtv, higher=False):
        ok = status.get(c, {}).get("status") == "ok" and value is not None
        goals.append(
            {
                "goal": name,
                "config": c,
                "value": value,
                "limit": limit,
                "unit": unit,
                "met": ((value >= limit) if higher else (value <= limit)) if ok else None,
                "text": fmtv(value) if value is not None else "–",
            }
        )

    user_cfgs = [c for c in configs if c.startswith("user-")]
    xr = lambda v: f"{v:.2f}x"
    # The performance goals per configuration: hackbench time, pipe ops/s
    # (at least), wakeup p99 under full load, agent CPU under hackbench.
    targets = {
        "user-gthulhu": (1.00, 0.80, 1.0, 5.0),
        "user-gthulhu-policy": (1.10, 0.50, 1.5, 8.0),
        "kernel": (0.90, 1.00, 0.7, 1.0),
    }
    for c, (hb, pipe, p99, cpu_max) in targets.items():
        if c not in configs:
            continue
        goal(f"hackbench time <= {hb:.2f}x EEVDF", c, ratio("hackbench_time", c), hb, "x", xr)
        goal(f"perf pipe ops/s >= {pipe:.2f}x EEVDF", c, ratio("pipe_ops", c), pipe, "x", xr, higher=True)
        goal(f"wakeup latency p99 under full load <= {p99:.1f}x EEVDF", c, ratio("latency_p99", c), p99, "x", xr)
        cpu = agent.get(c, {}).get("per_workload", {}).get("hackbench", {}).get("cpu_pct")
        goal(f"agent CPU <= {cpu_max:.0f}% of one CPU under hackbench", c, cpu["median"] if cpu else None,
             cpu_max, "%", lambda v: f"{v:.1f}%")
    for c in user_cfgs + (["kernel"] if "kernel" in configs else []):
        aw = agent.get(c, {}).get("after_warmup")
        v = (aw["minflt"] + aw["majflt"]) if aw else None
        goal("zero agent page faults after warm-up", c, v, 0, "faults",
             lambda v, aw=aw: f"{aw['minflt']} minor, {aw['majflt']} major")

    result = {
        "host": host,
        "guest": guest,
        "params": params,
        "configs": [{"name": c, "label": CONFIG_LABELS.get(c, c), **status[c]} for c in configs],
        "metrics": [
            {"key": k, "workload": w, "label": l, "unit": u, "better": b} for k, w, l, u, b in METRICS
        ],
        "summary": summ,
        "agent": agent,
        "goals": goals,
        "latency_histograms": {
            c: {"hist": {str(b): n for b, n in sorted(h["hist"].items())}, "overflow": h["overflow"]}
            for c, h in lat_hists.items()
        },
        "samples": samples,
    }
    with open(os.path.join(d, "results.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)

    plots = make_plots(d, configs, status, summ, lat_hists, lat_cap)
    md = make_markdown(result, configs, workloads, status, summ, agent, goals, plots)
    with open(os.path.join(d, "results.md"), "w", encoding="utf-8") as f:
        f.write(md)
    print(md)
    return 0


# --- markdown ----------------------------------------------------------------------


def make_markdown(result, configs, workloads, status, summ, agent, goals, plots):
    host, guest, p = result["host"], result["guest"], result["params"]
    L = []
    L.append("# scxx against EEVDF: benchmark results\n")
    accel = host.get("accel_used") or host.get("accel_cached") or "unknown"
    L.append(f"- date: {host.get('date', '?')}; command: `{host.get('command', '?')}`")
    L.append(f"- machine: {host.get('host_cpu_model', '?')} ({host.get('host_cpus', '?')} CPUs), "
             f"host kernel {host.get('host_kernel', '?')}")
    L.append(f"- guest: kernel {guest.get('guest_kernel', '?')}, {guest.get('guest_cpus', '?')} vCPUs, "
             f"VM acceleration {accel.upper()}, TCG threads {host.get('tcg_thread', 'single (before the option existed)')} "
             f"({host.get('qemu', 'qemu ?')}); one boot for all configurations")
    L.append(f"- scxx revision {host.get('git_rev', '?')}"
             + (f" with {host.get('git_dirty')} uncommitted file(s)" if host.get("git_dirty", "0") not in ("0", "") else ""))
    L.append(f"- repetitions: {p.get('REPS', '?')} per measurement; cells show median (min–max); "
             "ratio = median / mean of the two EEVDF medians")
    n = guest.get("guest_cpus", "N")
    L.append("- workloads: "
             f"hackbench `-P -g {p.get('HB_GROUPS')} -l {p.get('HB_LOOPS')}` (time); "
             f"`perf bench sched messaging -g {p.get('MSG_GROUPS')} -l {p.get('MSG_LOOPS')}` (time); "
             f"`perf bench sched pipe -l {p.get('PIPE_LOOPS')}` (ops/s); "
             f"`stress-ng --switch {n} --timeout {p.get('SWITCH_SECS')}s --metrics-brief` (bogo ops/s, real time); "
             f"`cyclictest -m -q -p 0 --policy=other -t {n} -i {p.get('LAT_INTERVAL_US')} -D {p.get('LAT_SECS')} "
             f"-h {p.get('LAT_HIST_US')}` as SCHED_OTHER (so it goes through sched_ext) while "
             f"`stress-ng --cpu {n}` saturates every CPU (wakeup latency, us)")
    if host.get("vm_exit", "0") != "0":
        L.append(f"- **the VM harness exited with status {host.get('vm_exit')}**: the results are partial")
    L.append("")

    L.append("## Configurations\n")
    L.append("| configuration | status | note |")
    L.append("|---|---|---|")
    for c in configs:
        st = status[c]
        note = st.get("reason") or ""
        ex = agent.get(c, {}).get("exit")
        if ex:
            note = (note + "; " if note else "") + "detach: " + ex
        L.append(f"| {CONFIG_LABELS.get(c, c)} | {st['status']} | {note.replace('|', '/')} |")
    L.append("")

    L.append("## Results\n")
    L.append("Time and latency: lower is better; ops/s: higher is better. "
             "A ratio below 1.00 means less time / latency or fewer ops than EEVDF.\n")
    head = ["workload (unit, better)"] + [SHORT_LABELS.get(c, c) for c in configs]
    L.append("| " + " | ".join(head) + " |")
    L.append("|" + "---|" * len(head))
    for key, wl, label, unit, better in METRICS:
        if wl not in workloads:
            continue
        row = [f"{label} ({unit}, {better})"]
        for c in configs:
            s = summ[key].get(c)
            if not s:
                row.append(status[c]["status"] if status[c]["status"] != "ok" else "–")
                continue
            cell = f"{fmt(s['median'], unit)} ({fmt(s['min'], unit)}–{fmt(s['max'], unit)})"
            if s.get("ratio") is not None:
                cell = f"**{s['ratio']:.2f}x** " + cell
            row.append(cell)
        L.append("| " + " | ".join(row) + " |")
    L.append("")
    bl = [(METRIC_INFO[k][2], summ[k]["_baseline"], METRIC_INFO[k][3]) for k in summ if summ[k].get("_baseline")]
    if bl:
        L.append("EEVDF baseline (mean of the two passes): "
                 + "; ".join(f"{l} {fmt(v, u)} {u}" for l, v, u in bl) + "\n")

    scxx_cfgs = [c for c in configs if c not in EEVDF]
    if scxx_cfgs:
        L.append("## Agent cost\n")
        L.append("CPU: the scheduler process's CPU time (all threads, from /proc/<pid>/task/*/schedstat) "
                 "as a share of one CPU over each workload run, median (min–max). Decisions: user-space "
                 "dispatches per second during the workload (kernel-side dispatches in brackets), from the "
                 f"`--stats {p.get('STATS_INTERVAL')}` counters. Page faults: minor/major of the scheduler "
                 "process from the end of the warm-up to the end of its configuration (/proc/<pid>/stat).\n")
        head = ["configuration"] + [f"CPU % ({w})" for w in workloads if w in ("hackbench", "messaging", "latency")] \
            + [f"decisions/s ({w})" for w in workloads] + ["CPU % whole run", "page faults after warm-up"]
        L.append("| " + " | ".join(head) + " |")
        L.append("|" + "---|" * len(head))
        for c in scxx_cfgs:
            a = agent.get(c, {})
            pw = a.get("per_workload", {})
            row = [CONFIG_LABELS.get(c, c)]
            for w in workloads:
                if w not in ("hackbench", "messaging", "latency"):
                    continue
                s = pw.get(w, {}).get("cpu_pct")
                row.append(f"{s['median']:.1f} ({s['min']:.1f}–{s['max']:.1f})" if s else "–")
            for w in workloads:
                u = pw.get(w, {}).get("user_per_s")
                k = pw.get(w, {}).get("kernel_per_s")
                if c == "minimal":
                    row.append("n/a")
                elif u:
                    row.append(f"{fmt(u['median'], '/s')} [{fmt(k['median'], '/s') if k else '–'}]")
                else:
                    row.append("–")
            aw = a.get("after_warmup")
            row.append(f"{aw['cpu_pct']:.1f} over {aw['seconds']:.0f} s" if aw and aw.get("cpu_pct") is not None else "–")
            row.append(f"{aw['minflt']} minor / {aw['majflt']} major" if aw else "–")
            L.append("| " + " | ".join(row) + " |")
        L.append("")
        user = [c for c in scxx_cfgs if c.startswith("user-")]
        if user:
            L.append("### Who placed the tasks\n")
            L.append("Share of placements made by the policy (`user`) and by BPF's fast path (`fast`: a "
                     "waking task put on an idle CPU while the agent held nothing), from the same counters, "
                     "per workload (median rates).\n")
            L += per_workload_table(user, workloads, agent, "policy / fast path ({w})", placement_cell)
        if user:
            L.append("### What one agent wake-up costs\n")
            L.append("From the first task queued for an idle agent (parked after a yield, or asleep on the "
                     "ring) until its loop thread runs, as BPF measures it (`agent_wake_us / agent_wakes`), "
                     "and how often the agent had to be woken; per workload, median over repetitions.\n")
            L += per_workload_table(user, workloads, agent, "{w}: us per wake-up, wake-ups/s", wake_cell)
        waits_cfgs = [c for c in scxx_cfgs if any((agent.get(c, {}).get("per_workload", {}).get(w) or {}).get("waits") for w in workloads)]
        if waits_cfgs:
            L.append("### Where the waits go\n")
            L.append("Every wait of a runnable task until it ran, from the scheduler's own power-of-two "
                     "histograms (`scxx ctl --json stats` before and after each run, all repetitions "
                     "together): p50 / p99 as the upper bound of their bucket. For the wake-ups the agent "
                     "decided (the wait a latency probe sees), the wait is split at the moment BPF carried "
                     "out the decision: *to decision* "
                     "is the agent's wake-up, its queue and the round trip; *after* is the task's turn in a "
                     "DSQ until a CPU ran it.\n")
            L += per_workload_table(waits_cfgs, workloads, agent, "{w}: p50 / p99", phases_cell)

    if goals:
        L.append("## Goals (ratios to EEVDF from the same boot)\n")
        L.append("| goal | configuration | measured | verdict |")
        L.append("|---|---|---|---|")
        for g in goals:
            verdict = "n/a (no data)" if g["met"] is None else ("met" if g["met"] else "**not met**")
            L.append(f"| {g['goal']} | {CONFIG_LABELS.get(g['config'], g['config'])} | {g['text']} | {verdict} |")
        L.append("")

    cls = sorted({s.get("cyclictest_thread_classes", "") for s in result["samples"]} - {""})
    if cls:
        L.append(f"cyclictest thread scheduling classes seen during the probe (ps -L cls): {', '.join(cls)} "
                 "(TS = SCHED_OTHER).\n")
    bad = [s for s in result["samples"] if not s.get("valid")]
    if bad:
        L.append("## Discarded samples\n")
        for s in bad:
            L.append(f"- {s['config']} {s['workload']} rep {s['rep']}: {s.get('why') or 'invalid'}")
        L.append("")
    if plots:
        L.append("## Plots\n")
        for name, title in plots:
            L.append(f"![{title}]({name})")
        L.append("")
    return "\n".join(L)


# --- plots -------------------------------------------------------------------------


def make_plots(d, configs, status, summ, lat_hists, cap):
    if not shutil.which("gnuplot"):
        print("[report] gnuplot not found: no plots", file=sys.stderr)
        return []
    pdir = os.path.join(d, "plot-data")
    os.makedirs(pdir, exist_ok=True)
    plots = []
    term = 'set terminal pngcairo noenhanced size 1100,650 font "DejaVu Sans,11"\n'

    # latency CDF / tail per configuration
    series = []
    for c in configs:
        h = lat_hists.get(c)
        if not h or not h["hist"]:
            continue
        total = sum(h["hist"].values()) + h["overflow"]
        path = os.path.join(pdir, f"latency-{c}.dat")
        with open(path, "w") as f:
            f.write("# latency_us cdf ccdf\n")
            cum = 0
            for b in sorted(h["hist"]):
                cum += h["hist"][b]
                f.write(f"{max(b, 1)} {cum / total:.6f} {max(1 - cum / total, 0.5 / total):.6g}\n")
        series.append((c, path))
    if series:
        plot = ", ".join(f'"{p}" using 1:2 with steps lw 2 title "{CONFIG_LABELS.get(c, c)}"' for c, p in series)
        script = term + (
            f'set output "{d}/latency_cdf.png"\n'
            'set title "Wakeup latency under full CPU load (cyclictest as SCHED_OTHER), all reps"\n'
            'set xlabel "wakeup latency (us, log scale)"\nset ylabel "fraction of wakeups <= x"\n'
            "set logscale x\nset grid\nset key bottom right\nset yrange [0:1.02]\n"
            f"plot {plot}\n"
        )
        if run_gnuplot(script, pdir, "latency_cdf"):
            plots.append(("latency_cdf.png", "wakeup latency CDF"))
        plot = ", ".join(f'"{p}" using 1:3 with steps lw 2 title "{CONFIG_LABELS.get(c, c)}"' for c, p in series)
        script = term + (
            f'set output "{d}/latency_tail.png"\n'
            'set title "Wakeup latency tail under full CPU load: fraction of wakeups slower than x"\n'
            'set xlabel "wakeup latency (us, log scale)"\nset ylabel "fraction > x (log scale)"\n'
            "set logscale xy\nset grid\nset key bottom left opaque box\nset format y \"%g\"\nset xrange [10:*]\n"
            f"plot {plot}\n"
        )
        if run_gnuplot(script, pdir, "latency_tail"):
            plots.append(("latency_tail.png", "wakeup latency tail"))

    # ratio bar charts: one cluster per metric, one bar per configuration
    names = {"hackbench_time": "hackbench time", "messaging_time": "messaging time",
             "pipe_ops": "pipe ops/s", "switch_ops": "switch ops/s", "latency_p50": "p50",
             "latency_p99": "p99", "latency_max": "max"}
    charts = [
        ("ratios", ("hackbench_time", "messaging_time", "pipe_ops", "switch_ops"),
         "Throughput workloads, ratio to EEVDF (median / mean of both EEVDF passes): "
         "time lower is better, ops/s higher is better", "ratios to EEVDF"),
        ("latency_ratios", ("latency_p50", "latency_p99", "latency_max"),
         "Wakeup latency under full load, ratio to EEVDF (lower is better; log scale)",
         "latency ratios to EEVDF"),
    ]
    for name, wanted, title, alt in charts:
        keys = [k for k in wanted if k in summ and summ[k].get("_baseline")]
        cols = [c for c in configs if any(summ[k].get(c) and summ[k][c].get("ratio") is not None for k in keys)]
        if not keys or not cols:
            continue
        path = os.path.join(pdir, f"{name}.dat")
        with open(path, "w") as f:
            f.write("metric " + " ".join(f'"{SHORT_LABELS.get(c, c)}"' for c in cols) + "\n")
            for k in keys:
                vals = []
                for c in cols:
                    s = summ[k].get(c)
                    vals.append(f"{s['ratio']:.4f}" if s and s.get("ratio") is not None else "NaN")
                f.write(f'"{names[k]}" ' + " ".join(vals) + "\n")
        plot = ", ".join(
            f'"{path}" using {i + 2}:xtic(1) title columnheader({i + 2})' for i in range(len(cols))
        )
        yset = "set logscale y\nset yrange [0.01:*]\n" if name == "latency_ratios" else "set yrange [0:*]\n"
        script = term + (
            f'set output "{d}/{name}.png"\n'
            f'set title "{title}"\n'
            'set ylabel "ratio to EEVDF"\nset style data histograms\n'
            "set style histogram clustered gap 1\nset style fill solid 0.85 border -1\nset boxwidth 0.9\n"
            "set grid ytics\nset key outside right top\nset bmargin 3\n" + yset +
            "set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 dt 2 lc rgb 'black' front\n"
            f"plot {plot}\n"
        )
        if run_gnuplot(script, pdir, name):
            plots.append((f"{name}.png", alt))
    return plots


def run_gnuplot(script, pdir, name):
    path = os.path.join(pdir, f"{name}.gp")
    with open(path, "w") as f:
        f.write(script)
    r = subprocess.run(["gnuplot", path], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"[report] gnuplot failed for {name}: {r.stderr.strip()}", file=sys.stderr)
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
