"""The report of scripts/calibrate.sh: the simulator's p99 wake-up latency
and run-queue delay against the real runs' (kept perf traces), per workload,
policy and task class; Kendall's tau of the policies' order; pairs 1.5x
apart; the negative control; and the noise ceiling: the same statistics
between the real repeats themselves, which no model can be expected to beat.

Usage: calibration_report.py DIR POLICIES WORKLOADS RATIO_TOL TAU_MIN
           MIN_SAMPLES ORDER_FACTOR REPEATS WARMUP_MS [BOOTS [MODEL_COSTS]]
"""
import json, math, re, sys

from perf_events import events, nearest_rank
tmp, policies, workloads = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(",")
ratio_tol, tau_min, min_samples = float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
order_factor, repeats, warmup_ns = float(sys.argv[7]), int(sys.argv[8]), int(sys.argv[9]) * 10**6
boots = f" {sys.argv[10]}" if len(sys.argv) > 10 and sys.argv[10] else ""
model_costs = sys.argv[11] if len(sys.argv) > 11 and sys.argv[11] else "the binary's defaults"
def real_samples(path, classes):
    """Wake-up latency (waking to running) and run-queue delay (runnable to
    running, after wake-ups and preemptions) per class, as the simulator
    measures them; and each class's CPU time (switch-in to switch-out) and
    wake-ups over the whole run."""
    woken, runnable, names, on_cpu = {}, {}, {}, {}
    out = {c: {"wake": [], "delay": [], "cpu_ns": 0, "wakes": 0} for c in classes}
    first = None  # the first event of a workload task: the simulator's time 0
    def cls(pid):
        name = re.sub(r"-\d+$", "", names.get(pid, ""))
        return name if name in out else None
    for cpu, ts, ev, f in events(path):
        if ev.endswith(("sched_waking", "sched_wakeup", "sched_wakeup_new")):
            pid = int(f["pid"])
            names[pid] = f.get("comm", names.get(pid, ""))
            if ev.endswith("sched_waking") and cls(pid):
                out[cls(pid)]["wakes"] += 1
            if first is None and cls(pid):
                first = ts
            if pid not in runnable:
                woken[pid] = runnable[pid] = ts
        elif ev.endswith("sched_switch"):
            prev, nxt = int(f["prev_pid"]), int(f["next_pid"])
            names[prev], names[nxt] = f["prev_comm"], f["next_comm"]
            if cpu in on_cpu:
                c, since = on_cpu.pop(cpu)
                out[c]["cpu_ns"] += ts - since
            if cls(nxt):
                on_cpu[cpu] = (cls(nxt), ts)
            if prev and f["prev_state"].startswith("R"):
                runnable[prev] = ts
            c = cls(nxt)
            if first is None and (c or cls(prev)):
                first = ts
            if nxt in runnable:
                since = runnable.pop(nxt)
                if c and ts - first >= warmup_ns:
                    out[c]["delay"].append(ts - since)
                    if nxt in woken:
                        out[c]["wake"].append(ts - since)
            woken.pop(nxt, None)
    return out

def sim_p99(path):
    run = json.load(open(path))["runs"][0]
    return {c["name"]: {"wake": (c["wake_latency_ns"]["p99"], c["wake_latency_ns"]["count"]),
                        "delay": (c["run_queue_delay_ns"]["p99"], c["run_queue_delay_ns"]["count"])}
            for c in run["classes"]}

FLOOR = 1000  # 1 us: a p99 of 0 compares as 1 us
sign = lambda x: (x > 0) - (x < 0)

def geo_mean(xs):
    return math.exp(sum(math.log(max(x, FLOOR)) for x in xs) / len(xs))

def kendall_tau(sim, real):
    """Tau-a: concordant minus discordant pairs over all pairs (a tie on
    either side counts as neither)."""
    n = len(sim)
    s = sum(sign(sim[i] - sim[j]) * sign(real[i] - real[j]) for i in range(n) for j in range(i + 1, n))
    return 2 * s / (n * (n - 1)) if n > 1 else float("nan")

def resolved(lo_hi_a, lo_hi_b):
    """The real repeats order the pair the same way every time."""
    return lo_hi_a[1] < lo_hi_b[0] or lo_hi_b[1] < lo_hi_a[0]

def tau_resolved(sim, real, ranges):
    """Tau over the pairs the real repeats order alike: (concordant -
    discordant) / such pairs; a tie in the simulator is not concordant."""
    n, s, m = len(sim), 0, 0
    for i in range(n):
        for j in range(i + 1, n):
            if resolved(ranges[i], ranges[j]):
                m += 1
                s += sign(sim[i] - sim[j]) * sign(real[i] - real[j])
    return s / m if m else float("nan")

def repeat_pairs(n):
    return [(a, b) for a in range(n) for b in range(a + 1, n)]

def apart(truth):
    """(higher, lower) index of every pair whose p99s in truth differ
    order_factor or more."""
    for i in range(len(truth)):
        for j in range(i + 1, len(truth)):
            hi, lo = (i, j) if truth[i] > truth[j] else (j, i)
            if truth[hi] >= order_factor * truth[lo]:
                yield hi, lo

def count_apart(tally, truth, guess):
    """Of the pairs apart in truth, how many guess orders alike (tally:
    [alike, all])."""
    for hi, lo in apart(truth):
        tally[0] += guess[hi] > guess[lo]; tally[1] += 1

mean = lambda xs: sum(xs) / len(xs) if xs else float("nan")
fmt = lambda x: "inconclusive (fewer than 2 conclusive items)" if math.isnan(x) else f"{x:+.2f}"
# The noise ceiling: each real repeat against another, and the model against
# a single repeat, so that both sides of the comparison hold one run's noise.
ceiling = {"tau": [], "model": [], "pairs": [0, 0], "model_pairs": [0, 0]}
kinds = ("model", "control")
score = {k: [0, 0] for k in kinds}
taus = {k: [] for k in kinds}
taus_res = {k: [] for k in kinds}
pairs = {k: [0, 0, 0, 0] for k in kinds}  # right, all 1.5x pairs, right among resolved, resolved
wrong = []
print(f"tolerances (fixed before the run): sim/real p99 within [1/{ratio_tol:g}, {ratio_tol:g}], "
      f"Kendall tau >= {tau_min:g}, at least {min_samples} samples per side; pairs whose real p99s "
      f"differ {order_factor:g}x or more must be ordered alike; {repeats} real run(s) per item{boots} "
      f"(real us: their geometric mean; range: lowest-highest); latencies from "
      f"{warmup_ns / 1e9:g} s after the first workload task on both sides")
print(f"the model's costs: {model_costs}")
print(f"{'workload':20} {'policy':8} {'class':12} {'metric':6} {'real us':>9} {'range':>17} {'n':>6} "
      f"{'sim us':>9} {'n':>6} {'ratio':>6} {'ctrl us':>9} {'ratio':>6}  verdict")
for w in workloads:
    spec = json.load(open(f"{tmp}/{w}.json"))["tasks"]
    classes = list(spec.keys())
    speeds = []  # per policy and class: CPU per wake-up over the run asked, each repeat
    items = {k: {"wake": [], "delay": []} for k in kinds}
    real_items = {"wake": [], "delay": []}
    real_ranges = {"wake": [], "delay": []}
    labels = {"wake": [], "delay": []}
    per_repeat = {"wake": [], "delay": []}  # per conclusive item: its p99 in each repeat
    for p in policies:
        traces = [f"{tmp}/real-{w}-{p}.txt"] + [f"{tmp}/real-{w}-{p}.r{r}.txt"
                                                 for r in range(2, repeats + 1)]
        reals = [real_samples(t, classes) for t in traces]
        for c in classes:
            if spec[c].get("run") and min(r[c]["wakes"] for r in reals) >= min_samples:
                speeds.append(f"{p}/{c} " + " ".join(f"{r[c]['cpu_ns'] / r[c]['wakes'] / 1e3 / spec[c]['run']:.2f}"
                                                      for r in reals))
        sim, ctl = sim_p99(f"{tmp}/sim-{w}-{p}.json"), sim_p99(f"{tmp}/control-{w}-{p}.json")
        for c in classes:
            for metric in ("wake", "delay"):
                r99s = [nearest_rank(r[c][metric], 99) for r in reals]
                rn = min(len(r[c][metric]) for r in reals)
                r99 = geo_mean(r99s)
                s99, sn = sim.get(c, {}).get(metric, (0, 0))
                c99, cn = ctl.get(c, {}).get(metric, (0, 0))
                ratio = max(s99, FLOOR) / r99
                cratio = max(c99, FLOOR) / r99
                conclusive = rn >= min_samples and sn >= min_samples
                verdict = "inconclusive (<%d samples)" % min_samples
                if conclusive:
                    ok = 1 / ratio_tol <= ratio <= ratio_tol
                    cok = 1 / ratio_tol <= cratio <= ratio_tol and cn >= min_samples
                    score["model"][0] += ok; score["model"][1] += 1
                    score["control"][0] += cok; score["control"][1] += 1
                    verdict = ("within" if ok else "OUTSIDE") + " tolerance; control " + \
                              ("within" if cok else "outside")
                    real_items[metric].append(r99)
                    real_ranges[metric].append((max(min(r99s), FLOOR), max(max(r99s), FLOOR)))
                    labels[metric].append(f"{p}/{c}")
                    per_repeat[metric].append([max(x, FLOOR) for x in r99s])
                    items["model"][metric].append(max(s99, FLOOR))
                    items["control"][metric].append(max(c99, FLOOR))
                rng = f"{min(r99s)/1e3:.0f}-{max(r99s)/1e3:.0f}" if len(r99s) > 1 else "-"
                print(f"{w:20} {p:8} {c:12} {metric:6} {r99/1e3:9.1f} {rng:>17} {rn:6} "
                      f"{s99/1e3:9.1f} {sn:6} {ratio:6.2f} {c99/1e3:9.1f} {cratio:6.2f}  {verdict}")
    if speeds:
        # rt-app's `run` is loops calibrated once per boot: how long they
        # took shows how fast the VM ran then. The simulator's task takes
        # the run plus its costs per wake-up (a task that blocks twice a
        # loop, as barrier-group's, shows about half).
        print(f"  {w}: real CPU per wake-up over the run asked (each repeat): " + "; ".join(speeds))
    for metric in ("wake", "delay"):
        real, ranges, lab = real_items[metric], real_ranges[metric], labels[metric]
        for kind in kinds:
            sim = items[kind][metric]
            t = kendall_tau(sim, real)
            tr = tau_resolved(sim, real, ranges)
            if not math.isnan(t):
                taus[kind].append(t)
            if not math.isnan(tr):
                taus_res[kind].append(tr)
            for hi, lo in apart(real):
                right = sim[hi] > sim[lo]
                res = resolved(ranges[hi], ranges[lo])
                pairs[kind][0] += right; pairs[kind][1] += 1
                pairs[kind][2] += right and res; pairs[kind][3] += res
                if kind == "model" and not right:
                    wrong.append(f"{w} {metric}: real {lab[hi]} {real[hi]/1e3:.0f} us > "
                                 f"{lab[lo]} {real[lo]/1e3:.0f} us, simulated "
                                 f"{sim[hi]/1e3:.0f} us vs {sim[lo]/1e3:.0f} us"
                                 + ("" if res else " (the real repeats overlap)"))
            print(f"  {w}: Kendall tau {kind:7} p99 {metric:5}: {fmt(t)}; over pairs the real "
                  f"repeats order alike: {fmt(tr)}")
        if repeats > 1 and len(per_repeat[metric]) > 1:  # tau needs two items
            reps = list(zip(*per_repeat[metric]))  # reps[a]: repeat a's p99 of every item
            between = [kendall_tau(reps[a], reps[b]) for a, b in repeat_pairs(repeats)]
            alone = [kendall_tau(items["model"][metric], reps[a]) for a in range(repeats)]
            ceiling["tau"].append(mean(between)); ceiling["model"].append(mean(alone))
            for a, b in repeat_pairs(repeats):
                count_apart(ceiling["pairs"], reps[a], reps[b]); count_apart(ceiling["pairs"], reps[b], reps[a])
            for a in range(repeats):
                count_apart(ceiling["model_pairs"], reps[a], items["model"][metric])
            print(f"  {w}: Kendall tau real repeat against repeat p99 {metric:5}: {fmt(mean(between))}; "
                  f"model against a single repeat: {fmt(mean(alone))}")
for kind in kinds:
    ok, n = score[kind]
    tau_ok = sum(t >= tau_min for t in taus[kind])
    r, n2, rr, nr = pairs[kind]
    print(f"{kind}: {ok} of {n} conclusive p99 ratios within tolerance; "
          f"{tau_ok} of {len(taus[kind])} taus >= {tau_min:g} (mean {mean(taus[kind]):+.2f}); "
          f"mean tau over pairs the real repeats order alike {mean(taus_res[kind]):+.2f}; "
          f"pairs {order_factor:g}x apart ordered right: {r} of {n2} ({rr} of {nr} the real "
          f"repeats agree on)")
for line in wrong:
    print("  model orders wrongly: " + line)
m, c = score["model"], score["control"]
apart = m[1] > 0 and (m[0] > c[0] or
                      (taus["model"] and taus["control"] and
                       mean(taus["model"]) > mean(taus["control"]) + 0.2))
print("negative control told apart: " + ("yes" if apart else "NO") +
      " (more ratios within tolerance, or a mean tau higher by 0.2)")
goal = mean(taus["model"]) >= 0.8 and pairs["model"][0] == pairs["model"][1]
print("goal (mean tau >= 0.8 and every pair %gx apart ordered right): %s"
      % (order_factor, "met" if goal else "NOT met"))
if ceiling["tau"]:
    cp, mp = ceiling["pairs"], ceiling["model_pairs"]
    print(f"noise ceiling: a real repeat against another, mean tau {mean(ceiling['tau']):+.2f} "
          f"({sum(t >= tau_min for t in ceiling['tau'])} of {len(ceiling['tau'])} >= {tau_min:g}); "
          f"pairs {order_factor:g}x apart in one repeat that another orders alike: {cp[0]} of {cp[1]}")
    print(f"model against a single real repeat: mean tau {mean(ceiling['model']):+.2f} "
          f"({sum(t >= tau_min for t in ceiling['model'])} of {len(ceiling['model'])} >= {tau_min:g}); "
          f"pairs {order_factor:g}x apart in a repeat that the model orders alike: {mp[0]} of {mp[1]}")
    level = mean(ceiling["model"]) >= mean(ceiling["tau"])
    print("the model predicts a real run's order as well as another real run does: "
          + ("yes" if level else "no") + " (its mean tau against a single repeat is "
          + ("at or above" if level else "below") + " the repeats' against each other; "
          "a floor: the model has no noise of its own)")
print("conclusive comparisons: %d" % m[1])