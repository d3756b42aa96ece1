"""Reading `perf script -F comm,tid,cpu,time,event,trace` text, for the
scripts that compare the simulator with traces of the VM (calibrate.sh,
measure-costs.sh)."""
import math
import re

_HEAD = re.compile(r"^\s*(.*?)\s+(-?\d+)\s+\[(\d+)\]\s+(\d+)\.(\d+):\s+(\S+):\s*(.*)$")
_FIELD = re.compile(r"(\w+)=(\S+)")


def events(path):
    """(cpu, time in ns, event name, its key=value fields) per line."""
    for line in open(path):
        m = _HEAD.match(line)
        if m:
            yield (int(m.group(3)), int(m.group(4)) * 10**9 + int(m.group(5).ljust(9, "0")),
                   m.group(6), dict(_FIELD.findall(m.group(7))))


def nearest_rank(xs, pct):
    """The smallest sample with at least pct% of them at or below it (0 for none)."""
    xs = sorted(xs)
    return xs[max(0, math.ceil(pct / 100 * len(xs)) - 1)] if xs else 0
