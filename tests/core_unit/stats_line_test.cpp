#include "daemon/stats_line.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace scxx {
namespace {

TEST(StatsLine, CountsSinceTheBaseLevelsAsTheyAre) {
  StatsSample since;
  since.t_s = 10;
  since.sched.nr_queued = 100;
  since.sched.nr_scheduled = 50;
  since.agent = {1.0, 5, 1};
  StatsSample now = since;
  now.t_s = 12;
  now.sched.nr_queued = 130;  // a count: shown as 30
  now.sched.nr_scheduled = 7; // a level: shown as 7
  now.sched.max_wait_ns = 15600000;
  now.agent = {1.05, 9, 1};
  const std::string line = format_stats_fields(now, since, since);
  EXPECT_EQ(line.rfind("queued=30 user=0 ", 0), 0U) << line;
  EXPECT_NE(line.find(" held=7 "), std::string::npos) << line;
  EXPECT_NE(line.find(" max_wait=15ms "), std::string::npos) << line;
  EXPECT_NE(line.find(" pf_minor=4 pf_major=0 agent_cpu=2.5%"), std::string::npos) << line;
}

TEST(StatsLine, ShowsEveryStatisticOnceUnderItsLabel) {
  StatsSample now;
  const std::string line = format_stats_fields(now, now, now);
  std::set<std::string_view> labels;
  for (const StatDesc &d : stat_descs()) {
    EXPECT_TRUE(labels.insert(d.label).second) << "label used twice: " << d.label;
    EXPECT_NE(line.find(std::string(d.label) + "="), std::string::npos) << d.label;
    EXPECT_FALSE(d.description.empty()) << d.name;
  }
  // The counters the line once left out are there.
  for (const char *label : {"watchdog=", "wakeup_preempt=", "exits=", "tick_drains=", "urgent="}) {
    EXPECT_NE(line.find(label), std::string::npos) << label;
  }
}

TEST(SchedulerStats, PerCpuCountersAreSummedSharedOnesCopied) {
  scxx_cpu_stats a{}, b{};
  a.nr_queued = 3;
  b.nr_queued = 4;
  a.nr_running = 1;
  b.nr_running = static_cast<uint64_t>(-1); // stopped on a CPU it was not counted on
  scxx_shared_stats shared{};
  shared.nr_scheduled = 9;
  const scxx_cpu_stats cpus[] = {a, b};
  const SchedulerStats s = combine_stats(cpus, shared);
  EXPECT_EQ(s.nr_queued, 7U);
  EXPECT_EQ(s.nr_running, 0U);
  EXPECT_EQ(s.nr_scheduled, 9U);
}

} // namespace
} // namespace scxx
