#!/usr/bin/env python3
"""Known answers for scripts/lib/calibration_report.py: three policies whose
real p99s come from hand-written perf traces in two repeats that disagree on
one pair, and simulated p99s that follow the first repeat. Checks the ratios,
tau, the pairs 1.5x apart, the real runs' CPU per activation and the noise
ceiling (each repeat against the other, the model against a single repeat)
against numbers worked out by hand.

Usage: calibration_report_test.py REPO_ROOT
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = sys.argv[1]
SAMPLES = 150  # above the report's 100-sample floor


def trace(latency_us):
    """perf script text of one task woken SAMPLES times, each wake-up
    waiting latency_us before it runs."""
    lines, t = [], 1_000_000  # us
    for _ in range(SAMPLES):
        lines.append(f" rt-app 7 [000] {t // 10**6}.{t % 10**6:06d}: sched:sched_waking: "
                     "comm=t-0 pid=42 prio=120 target_cpu=000")
        t += latency_us
        lines.append(f" swapper 0 [000] {t // 10**6}.{t % 10**6:06d}: sched:sched_switch: "
                     "prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> "
                     "next_comm=t-0 next_pid=42 next_prio=120")
        t += 500
        lines.append(f" t-0 42 [000] {t // 10**6}.{t % 10**6:06d}: sched:sched_switch: "
                     "prev_comm=t-0 prev_pid=42 prev_prio=120 prev_state=S ==> "
                     "next_comm=swapper/0 next_pid=0 next_prio=120")
        t += 1000
    return "\n".join(lines) + "\n"


def sim_json(p99_us):
    pct = {"p99": p99_us * 1000, "count": SAMPLES}
    return json.dumps({"runs": [{"classes": [{"name": "t", "wake_latency_ns": pct,
                                              "run_queue_delay_ns": pct}]}]})


def main():
    # Real p99 per policy in repeat 1 and 2; the model follows repeat 1.
    real = {"a": (100, 100), "b": (200, 400), "c": (400, 200)}
    model = {"a": 100, "b": 200, "c": 400}
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "w.json"), "w") as f:
            json.dump({"tasks": {"t": {"run": 250}}}, f)
        for p, (r1, r2) in real.items():
            for name, us in ((f"real-w-{p}.txt", r1), (f"real-w-{p}.r2.txt", r2)):
                with open(os.path.join(d, name), "w") as f:
                    f.write(trace(us))
            for name in (f"sim-w-{p}.json", f"control-w-{p}.json"):
                with open(os.path.join(d, name), "w") as f:
                    f.write(sim_json(model[p]))
        out = subprocess.run(
            [sys.executable, os.path.join(ROOT, "scripts/lib/calibration_report.py"), d, "a,b,c", "w",
             "3", "0.5", "100", "1.5", "2", "0"],
            env={**os.environ, "PYTHONPATH": os.path.join(ROOT, "scripts/lib")},
            capture_output=True, text=True, check=True).stdout
    print(out)
    expect = [
        # Each activation holds the CPU 500 us against a run of 250.
        "w: real CPU per wake-up over the run asked (each repeat): a/t 2.00 2.00; b/t 2.00 2.00; "
        "c/t 2.00 2.00",
        # Geometric means: a 100, b and c 283; the model's b (200) and c (400).
        "w                    b        t            wake       282.8           200-400    150     200.0    150   0.71",
        # b and c tie for real: only (a,b) and (a,c) count, both concordant.
        "w: Kendall tau model   p99 wake : +0.67; over pairs the real repeats order alike: +1.00",
        # Repeats: (a,b)+ (a,c)+ (b,c)- -> 1/3. Model: +1 against repeat 1,
        # +1/3 against repeat 2.
        "w: Kendall tau real repeat against repeat p99 wake : +0.33; model against a single repeat: +0.67",
        # Each repeat as truth has three pairs 2x or more apart; the other
        # repeat orders two of them alike, the model 3 and 2.
        "noise ceiling: a real repeat against another, mean tau +0.33 (0 of 2 >= 0.5); "
        "pairs 1.5x apart in one repeat that another orders alike: 8 of 12",
        "model against a single real repeat: mean tau +0.67 (2 of 2 >= 0.5); "
        "pairs 1.5x apart in a repeat that the model orders alike: 10 of 12",
        "the model predicts a real run's order as well as another real run does: yes",
    ]
    missing = [e for e in expect if e not in out]
    for e in missing:
        print(f"FAIL: the report lacks: {e}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
