#!/usr/bin/env python3
"""docs/KERNELS.md and tests/vm/verified_insns.txt from the kernel matrix.

Usage: kernels_report.py RESULTS_DIR KERNELS_MD VERIFIED_TXT SERIES...
RESULTS_DIR holds kernel-SERIES.txt files of key=value lines written by
tests/vm/kernel_check.sh (SCXX_CHECK_DEPTH=matrix); a series without one is listed as
not run. Run by scripts/kernels.sh; do not edit its outputs by hand.
"""
import pathlib
import sys


def read(path: pathlib.Path) -> dict:
    out = {}
    if path.exists():
        for line in path.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep:
                out[key] = value
    return out


def ratio(results: dict, key: str) -> str:
    try:
        return f"{float(results[key]) / float(results['eevdf_' + key.split('_', 1)[1]]):.2f}x"
    except (KeyError, ValueError, ZeroDivisionError):
        return "-"


def programs(verified: str) -> dict:
    out = {}
    for pair in verified.split():
        name, _, count = pair.partition("=")
        if name != "total" and count.isdigit():
            out[name] = int(count)
    return out


def main() -> int:
    results_dir, md_path, insns_path = (pathlib.Path(a) for a in sys.argv[1:4])
    series = sys.argv[4:]
    rows, sections, recorded = [], [], []
    for s in series:
        r = read(results_dir / f"kernel-{s}.txt")
        if not r or "error" in r:
            rows.append(f"| {s} | {r.get('kernel', '')} fails: {r.get('error', 'not run')} | | | | | | | |")
            continue
        if "warnings" not in r:  # the check never reached its end
            rows.append(f"| {s} | {r.get('kernel', '?')}: incomplete run, see scripts/kernels.sh's log "
                        "| | | | | | | |")
            continue
        rows.append(
            f"| {s} | {r.get('kernel', '?')} | {r.get('user_attach_ms', '-')} / "
            f"{r.get('kernel_attach_ms', '-')} | {ratio(r, 'user_hackbench_s')} / "
            f"{ratio(r, 'kernel_hackbench_s')} | {ratio(r, 'user_pipe_us')} / "
            f"{ratio(r, 'kernel_pipe_us')} | {r.get('user_longest_wait_ms', '-')} / "
            f"{r.get('kernel_longest_wait_ms', '-')} | {r.get('user_starved', '-')} / "
            f"{r.get('kernel_starved', '-')} | {r.get('hotplug_reloads', '-')} | "
            f"{r.get('warnings', '-')} |")
        features = r.get("features", "").replace(";", "; ").strip("; ")
        sec = [f"### {s} ({r.get('kernel', '?')})", "",
               *([f"- Depth: {r['depth']}."] if "depth" in r else []),
               f"- Optional kernel features: {features or 'not recorded'}.",
               f"- Load (verifier) time: user mode {r.get('user_load_ms', '-')} ms, "
               f"kernel mode {r.get('kernel_load_ms', '-')} ms.",
               f"- EEVDF in the same boot, last pass: hackbench {r.get('eevdf_hackbench_s', '-')} s, "
               f"pipe {r.get('eevdf_pipe_us', '-')} us/op (first pass, cold: "
               f"{r.get('eevdf_first_hackbench_s', '-')} s, {r.get('eevdf_first_pipe_us', '-')} "
               f"us/op); scxx user "
               f"{r.get('user_hackbench_s', '-')} s, {r.get('user_pipe_us', '-')} us/op; "
               f"kernel mode {r.get('kernel_hackbench_s', '-')} s, "
               f"{r.get('kernel_pipe_us', '-')} us/op.",
               f"- Agent stopped 5 s under hackbench: agent_stalls="
               f"{r.get('user_agent_stalls', '-')}, stayed attached.", "",
               "| program | verified instructions, user mode | kernel mode |", "|---|---|---|"]
        user, kernel = programs(r.get("user_verified", "")), programs(r.get("kernel_verified", ""))
        for name in sorted(set(user) | set(kernel)):
            sec.append(f"| {name} | {user.get(name, '-')} | {kernel.get(name, '-')} |")
            for mode, counts in (("user", user), ("kernel", kernel)):
                if name in counts:
                    recorded.append(f"{s} {mode} {name} {counts[name]}")
        sections += sec + [""]
    md = ["# Kernels", "",
          "scxx on every Debian kernel series with sched_ext (scripts/lib/kernels.txt), one",
          "VM boot each (2 parallel vCPUs), written by `scripts/kernels.sh`: do not edit",
          "by hand. Ratios are scxx over EEVDF's last pass in the same boot (lower",
          "is better; one run each, so a ratio moves by tens of percent between boots);",
          "waits are the longest wait from runnable to running over each mode's run",
          "(hackbench, the pipe ping-pong, the agent's stop) and the tasks the",
          "starvation guard moved ahead. Warnings: lines the kernel logged while scxx ran",
          "(WARNING, BUG, Call Trace, sched_ext errors, deprecations); must be 0.", "",
          "| series | kernel | attach ms (user / kernel mode) | hackbench vs EEVDF | pipe vs EEVDF "
          "| longest wait ms | starved | hotplug reloads | warnings |",
          "|---|---|---|---|---|---|---|---|---|", *rows, "",
          "## Per kernel", "", *sections]
    md_path.write_text("\n".join(md).rstrip() + "\n")
    insns_path.write_text(
        "# series mode program verified-instructions, from scripts/kernels.sh; the suite's\n"
        "# kernel smoke (tests/vm/kernel_check.sh) fails past 1.5x of these.\n"
        + "\n".join(recorded) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
