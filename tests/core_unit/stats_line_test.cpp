#include "daemon/stats_line.h"

#include <gtest/gtest.h>

namespace scxx {
namespace {

TEST(StatsLine, NamesEveryCounter) {
  StatsSample s;
  s.elapsed_s = 12.2;
  s.sched.nr_queued = 1;
  s.sched.nr_user_dispatches = 2;
  s.sched.nr_kernel_dispatches = 3;
  s.sched.nr_cancel_dispatches = 4;
  s.sched.nr_bounce_dispatches = 5;
  s.sched.nr_failed_dispatches = 6;
  s.sched.nr_sched_congested = 7;
  s.sched.nr_scheduled = 8;
  s.sched.nr_running = 9;
  s.sched.nr_heartbeat_wakeups = 10;
  s.faults = {11, 12};
  s.agent_cpu_pct = 1.25;
  s.policy_overflow = 13;
  s.sched.nr_long_waits = 14;
  s.sched.max_wait_ns = 15600000;
  s.sched.nr_starvation_moves = 16;
  EXPECT_EQ(format_stats_line(s),
            "[scxx] t=12s queued=1 user=2 kernel=3 cancelled=4 bounced=5 failed=6 congested=7 "
            "held=8 running=9 heartbeats=10 pf_minor=11 pf_major=12 agent_cpu=1.2% overflow=13 "
            "long_waits=14 max_wait=15ms starved=16");
}

} // namespace
} // namespace scxx
