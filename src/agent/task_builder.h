// Hand-built tasks for policy tests: what the kernel would report.
#pragma once

#include "policy/task.h"

#include <cstdint>

namespace scxx::policy_test {

// A nice-0 task that may run on any of 8 CPUs; tests set what matters.
inline QueuedTask make_task(int32_t pid, uint64_t enq_cnt = 1) {
  QueuedTask t;
  t.pid = pid;
  t.tgid = pid;
  t.cpu = 0;
  t.nr_cpus_allowed = 8;
  t.weight = kWeightDefault;
  t.enq_cnt = enq_cnt;
  return t;
}

// The same task after it ran from start_ns to stop_ns.
inline QueuedTask ran(QueuedTask t, uint64_t start_ns, uint64_t stop_ns) {
  t.start_ts = start_ns;
  t.stop_ts = stop_ns;
  return t;
}

// The same task, woken up (flags kQueuedWakeup, nothing run since).
inline QueuedTask woke(QueuedTask t) {
  t.flags |= kQueuedWakeup;
  t.exec_runtime = 0;
  return t;
}

// The same task pinned to one CPU.
inline QueuedTask pinned(QueuedTask t, int32_t cpu) {
  t.cpu = cpu;
  t.nr_cpus_allowed = 1;
  return t;
}

} // namespace scxx::policy_test
