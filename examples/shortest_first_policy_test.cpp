#include "shortest_first_policy.h"

#include <gtest/gtest.h>

namespace scxx::example {
namespace {

QueuedTask task(int32_t pid, uint64_t exec_runtime_ns) {
  QueuedTask t;
  t.pid = pid;
  t.nr_cpus_allowed = 4;
  t.exec_runtime = exec_runtime_ns;
  t.enq_cnt = static_cast<uint64_t>(pid) * 10;
  return t;
}

TEST(ShortestFirstPolicy, RunsTheShortestRunnerFirstThenInArrivalOrder) {
  ShortestFirstPolicy policy(PolicyConfig{.slice_ns = 3 * kNsecPerMsec, .slice_min_ns = 1});
  policy.on_queued(task(1, 9000));
  policy.on_queued(task(2, 100));
  policy.on_queued(task(3, 5000));
  policy.on_queued(task(4, 100)); // same as 2, arrived later

  for (int32_t expected : {2, 4, 3, 1}) {
    const std::optional<Decision> d = policy.pick_next();
    ASSERT_TRUE(d);
    EXPECT_EQ(d->pid, expected);
    EXPECT_EQ(d->slice_ns, 3 * kNsecPerMsec);
    EXPECT_EQ(d->cpu, kAnyCpu);
    EXPECT_EQ(d->enq_cnt, static_cast<uint64_t>(expected) * 10);
  }
  EXPECT_FALSE(policy.pick_next());
}

TEST(ShortestFirstPolicy, FailedDispatchGoesFirstAgain) {
  ShortestFirstPolicy policy(PolicyConfig{});
  policy.on_queued(task(1, 50));
  policy.on_queued(task(2, 0));
  const std::optional<Decision> first = policy.pick_next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->pid, 2);
  policy.on_queued(task(3, 0));
  policy.on_dispatch_failed(*first);
  EXPECT_EQ(policy.pick_next()->pid, 2);
  EXPECT_EQ(policy.pick_next()->pid, 3);
  EXPECT_EQ(policy.pick_next()->pid, 1);
}

TEST(ShortestFirstPolicy, CountsTasksItHasNoRoomFor) {
  ShortestFirstPolicy policy(PolicyConfig{}, PolicyLimits{.max_queued = 2, .max_tracked = 0});
  policy.on_queued(task(1, 0));
  policy.on_queued(task(2, 0));
  policy.on_queued(task(3, 0));
  EXPECT_EQ(policy.nr_queued(), 2U);
  EXPECT_EQ(policy.nr_overflow(), 1U);
}

} // namespace
} // namespace scxx::example
