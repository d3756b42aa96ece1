#!/bin/bash
# `scxx sim --trace FILE`: a recorded perf sched trace replayed against
# policies, with the recorded schedule's own replay among them.
set -euo pipefail
scxx=$1
trace=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$scxx" sim --trace "$trace" --policy recorded,gthulhu,eevdf-model --json "$dir/out.json" \
  >"$dir/out.txt"
grep -q "tasks finished / replayed" "$dir/out.txt" || { cat "$dir/out.txt"; exit 1; }
python3 - "$dir/out.json" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
assert [r["policy"] for r in runs] == ["recorded", "gthulhu", "eevdf-model"], runs
for r in runs:
    t = r["trace_replay"]
    assert t["finished"] == t["tasks"] > 10, (r["policy"], t)
    ratio = t["cpu_ns"] / t["recorded_cpu_ns"]
    assert abs(ratio - 1) < 0.01, (r["policy"], ratio)
    assert "hackbench" in [c["name"] for c in r["classes"]], r["policy"]
print("trace replay ok")
PY
# "recorded" without a trace, and a trace with a bad line, are refused.
if "$scxx" sim -w /dev/null --policy recorded 2>"$dir/err.txt"; then exit 1; fi
head -c 2000 "$trace" >"$dir/bad.txt"
echo "this is not perf script output" >>"$dir/bad.txt"
if "$scxx" sim --trace "$dir/bad.txt" 2>"$dir/err.txt"; then exit 1; fi
grep -q "bad.txt:[0-9]*: not a perf script line" "$dir/err.txt" || { cat "$dir/err.txt"; exit 1; }
# A negative or non-numeric cost is refused by name, exit status 2.
for bad in "--context-switch-us -5" "--idle-wakeup-us nan"; do
  status=0
  "$scxx" sim --trace "$trace" $bad 2>"$dir/err.txt" >/dev/null || status=$?
  [ "$status" = 2 ] && grep -q -- "${bad%% *} must be a time of 0 or more" "$dir/err.txt" ||
    { echo "'$bad': exit $status"; cat "$dir/err.txt"; exit 1; }
done
echo "bad costs refused"
