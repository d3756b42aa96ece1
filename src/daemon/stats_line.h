// One line of live statistics, as printed by `scxx run --stats N`.
#pragma once

#include "core/agent_loop.h"
#include "core/bpf_scheduler.h"
#include "core/memory_lock.h"

#include <string>

namespace scxx {

struct StatsSample {
  double elapsed_s = 0;
  SchedulerStats sched;
  AgentLoopCounters loop;
  PageFaults faults;            // since the scheduler attached
  double agent_cpu_pct = 0;     // of one CPU, over the last interval
  uint64_t policy_overflow = 0; // tasks the policy had no room for (must stay 0)
};

std::string format_stats_line(const StatsSample &s);

} // namespace scxx
