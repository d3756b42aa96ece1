#!/bin/bash
# Profiles the scxx agent (perf, cpu-clock, call graphs) while hackbench
# runs; inside the VM:
#   tools/vm/scxx-vm -- bench/vm/profile_agent.sh $PWD/build/src/daemon/scxx [policy]
BIN=$1
$BIN run --policy ${2:-gthulhu} > /tmp/scxx.log 2>&1 &
pid=$!
sleep 2
( for i in $(seq 30); do hackbench -P -g 4 -l 100 > /dev/null; done ) &
hb=$!
sleep 1
perf record -q -e cpu-clock -F 2000 -g -p $pid -o /tmp/perf.data -- sleep 8 2>/dev/null
kill $hb 2>/dev/null; wait $hb 2>/dev/null
kill -INT $pid; wait $pid
echo "== top symbols (self) =="
perf report -q -i /tmp/perf.data --stdio --no-children --sort dso,sym 2>/dev/null | grep -v '^$' | grep '%' | head -30
echo "== by thread =="
perf report -q -i /tmp/perf.data --stdio --no-children --sort comm 2>/dev/null | grep '%' | head -5
