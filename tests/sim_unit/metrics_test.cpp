#include "sim/eevdf_model.h"
#include "sim/metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

namespace scxx::sim {
namespace {

TEST(SimMetrics, PercentilesAreNearestRank) {
  std::vector<uint64_t> v(1000);
  std::iota(v.begin(), v.end(), 1); // 1..1000, shuffled order does not matter
  std::reverse(v.begin(), v.end());
  const Percentiles p = percentiles(v);
  EXPECT_EQ(p.count, 1000U);
  EXPECT_EQ(p.p50, 500U);
  EXPECT_EQ(p.p90, 900U);
  EXPECT_EQ(p.p99, 990U);
  EXPECT_EQ(p.p999, 999U);
  EXPECT_EQ(p.max, 1000U);
  const Percentiles small = percentiles({7, 3, 5});
  EXPECT_EQ(small.p50, 5U); // rank ceil(1.5) = 2
  EXPECT_EQ(small.p90, 7U);
  EXPECT_EQ(percentiles({}).count, 0U);
}

TEST(SimMetrics, JainIndex) {
  EXPECT_DOUBLE_EQ(jain_index({5, 5, 5, 5}), 1.0);
  EXPECT_DOUBLE_EQ(jain_index({1, 0, 0, 0}), 0.25); // one of four gets everything
  EXPECT_DOUBLE_EQ(jain_index({1, 2, 3}), 36.0 / 42.0);
  EXPECT_DOUBLE_EQ(jain_index({0, 0}), 1.0);
  EXPECT_DOUBLE_EQ(jain_index({}), 0.0);
}

TEST(SimMetrics, ClassSummaryUsesWholeRunTasksOfEqualWeight) {
  Metrics m;
  m.wake_latency("a", 10);
  m.wake_latency("a", 30);
  const std::vector<TaskTotals> tasks = {
      {.cls = "a", .weight = 100, .whole_run = true, .cpu_ns = 100},
      {.cls = "a", .weight = 100, .whole_run = true, .cpu_ns = 100},
      {.cls = "a", .weight = 100, .whole_run = false, .cpu_ns = 1}, // forked: not in fairness
      {.cls = "a", .weight = 50, .whole_run = true, .cpu_ns = 7}};
  const std::vector<ClassSummary> s = m.summarize(tasks);
  ASSERT_EQ(s.size(), 1U);
  EXPECT_EQ(s[0].tasks, 4U);
  EXPECT_EQ(s[0].cpu_ns, 208U);
  EXPECT_EQ(s[0].jain_tasks, 2U);
  EXPECT_DOUBLE_EQ(s[0].jain, 1.0);
  EXPECT_EQ(s[0].wake.p50, 10U);
  EXPECT_EQ(s[0].wake.max, 30U);
}

TEST(EevdfModel, BaseSliceScalesWithLogOfCpus) {
  EXPECT_EQ(EevdfModel::base_slice_ns(1), 700000U);
  EXPECT_EQ(EevdfModel::base_slice_ns(2), 1400000U);
  EXPECT_EQ(EevdfModel::base_slice_ns(8), 2800000U);
  EXPECT_EQ(EevdfModel::base_slice_ns(64), 2800000U);
}

} // namespace
} // namespace scxx::sim
