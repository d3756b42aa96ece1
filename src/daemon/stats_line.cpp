#include "daemon/stats_line.h"

#include <cstdio>

namespace scxx {

std::string format_stats_line(const StatsSample &s) {
  char line[512];
  std::snprintf(line, sizeof(line),
                "[scxx] t=%.0fs queued=%llu user=%llu kernel=%llu cancelled=%llu bounced=%llu "
                "failed=%llu congested=%llu held=%llu running=%llu heartbeats=%llu "
                "pf_minor=%ld pf_major=%ld agent_cpu=%.1f%% overflow=%llu long_waits=%llu "
                "max_wait=%llums starved=%llu",
                s.elapsed_s, static_cast<unsigned long long>(s.sched.nr_queued),
                static_cast<unsigned long long>(s.sched.nr_user_dispatches),
                static_cast<unsigned long long>(s.sched.nr_kernel_dispatches),
                static_cast<unsigned long long>(s.sched.nr_cancel_dispatches),
                static_cast<unsigned long long>(s.sched.nr_bounce_dispatches),
                static_cast<unsigned long long>(s.sched.nr_failed_dispatches),
                static_cast<unsigned long long>(s.sched.nr_sched_congested),
                static_cast<unsigned long long>(s.sched.nr_scheduled),
                static_cast<unsigned long long>(s.sched.nr_running),
                static_cast<unsigned long long>(s.sched.nr_heartbeat_wakeups), s.faults.minor,
                s.faults.major, s.agent_cpu_pct, static_cast<unsigned long long>(s.policy_overflow),
                static_cast<unsigned long long>(s.sched.nr_long_waits),
                static_cast<unsigned long long>(s.sched.max_wait_ns / 1000000),
                static_cast<unsigned long long>(s.sched.nr_starvation_moves));
  return line;
}

} // namespace scxx
