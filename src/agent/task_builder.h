// Hand-built tasks and contexts for policy tests: what the kernel would
// report, and what scxx would build a policy from.
#pragma once

#include "policy/policy_context.h"
#include "policy/policy_registry.h"
#include "policy/task.h"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

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

// The same task back from a slice that ran out (still runnable, no
// wake-up): it ran `ran_ns` more since it last slept.
inline QueuedTask expired(QueuedTask t, uint64_t ran_ns) {
  t.flags &= ~kQueuedWakeup;
  t.exec_runtime += ran_ns;
  t.start_ts = t.stop_ts;
  t.stop_ts = t.start_ts + ran_ns;
  return t;
}

// The same task pinned to one CPU.
inline QueuedTask pinned(QueuedTask t, int32_t cpu) {
  t.cpu = cpu;
  t.nr_cpus_allowed = 1;
  return t;
}

// A context as scxx builds it for the registered policy `name`: every
// option it declares at its default. Tests change what they need.
inline PolicyContext context_for(std::string_view name, const PolicyConfig &config = {},
                                 const PolicyLimits &limits = {}) {
  const PolicyInfo *info = find_policy(name);
  if (info == nullptr) {
    throw std::invalid_argument("no registered policy '" + std::string(name) + "'");
  }
  PolicyContext ctx;
  ctx.config = config;
  ctx.limits = limits;
  for (const PolicyOptionSpec &o : info->options) {
    ctx.options[o.key] = o.default_value;
  }
  return ctx;
}

} // namespace scxx::policy_test
