// The one formatter of scxx's statistics: `scxx run --stats`, its totals at
// exit and `scxx monitor` all print this line, with every statistic of
// bpf/intf.h (SCXX_STATS) as key=value in that order, then the agent's page
// faults and CPU share.
#pragma once

#include "core/scheduler_stats.h"

#include <string>

namespace scxx {

// The agent process as the kernel accounts it.
struct ProcessUsage {
  double cpu_s = 0; // user + system CPU time
  long minor_faults = 0;
  long major_faults = 0;
};

struct StatsSample {
  double t_s = 0; // seconds on a monotonic clock
  SchedulerStats sched;
  ProcessUsage agent;
};

// "queued=1 user=2 ... max_wait=15ms starved=16 pf_minor=0 pf_major=0
// agent_cpu=1.2%": counts and page faults since `since`, levels as in
// `now`, the agent's CPU share over the interval from `prev` to `now`.
std::string format_stats_fields(const StatsSample &now, const StatsSample &since,
                                const StatsSample &prev);

} // namespace scxx
