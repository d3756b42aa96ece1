#include "agent/policy_driver.h"
#include "agent/task_builder.h"
#include "policy/fifo_policy.h"

#include <gtest/gtest.h>
#include <string>

namespace scxx {
namespace {

using policy_test::make_task;

constexpr uint64_t kMs = kNsecPerMsec;

TEST(FifoPolicy, DispatchesInArrivalOrderWithTheConfiguredSlice) {
  FifoPolicy policy(PolicyConfig{.slice_ns = 7 * kMs, .slice_min_ns = kMs});
  QueuedTask pinned = make_task(3, 33);
  pinned.nr_cpus_allowed = 1;
  pinned.cpu = 5;
  QueuedTask free_task = make_task(1, 11);
  free_task.cpu = 2; // only a hint: it may run anywhere
  policy.on_queued(free_task);
  policy.on_queued(make_task(2, 22));
  policy.on_queued(pinned);
  EXPECT_EQ(policy.nr_queued(), 3U);

  const std::optional<Decision> a = policy.pick_next();
  const std::optional<Decision> b = policy.pick_next();
  const std::optional<Decision> c = policy.pick_next();
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->pid, 1);
  EXPECT_EQ(a->cpu, kAnyCpu);
  EXPECT_EQ(a->slice_ns, 7 * kMs);
  EXPECT_EQ(a->enq_cnt, 11U);
  EXPECT_EQ(b->pid, 2);
  EXPECT_EQ(b->enq_cnt, 22U);
  EXPECT_EQ(c->pid, 3);
  EXPECT_EQ(c->cpu, 5);
  EXPECT_EQ(c->slice_ns, 7 * kMs);
  EXPECT_EQ(c->enq_cnt, 33U);
  EXPECT_FALSE(policy.pick_next());
  EXPECT_EQ(policy.nr_queued(), 0U);
  EXPECT_EQ(policy.nr_overflow(), 0U);
}

TEST(FifoPolicy, FailedDispatchIsOfferedAgainFirst) {
  FifoPolicy policy(PolicyConfig{});
  policy.on_queued(make_task(1));
  policy.on_queued(make_task(2));
  const std::optional<Decision> first = policy.pick_next();
  ASSERT_TRUE(first);
  policy.on_dispatch_failed(*first);
  EXPECT_EQ(policy.nr_queued(), 2U);
  EXPECT_EQ(policy.pick_next()->pid, 1);
  EXPECT_EQ(policy.pick_next()->pid, 2);
}

TEST(FifoPolicy, FullQueueCountsOverflowAndKeepsWhatItHolds) {
  FifoPolicy policy(PolicyConfig{}, PolicyLimits{.max_queued = 3, .max_tracked = 1});
  for (int32_t pid = 1; pid <= 5; ++pid) {
    policy.on_queued(make_task(pid));
  }
  EXPECT_EQ(policy.nr_queued(), 3U);
  EXPECT_EQ(policy.nr_overflow(), 2U); // pids 4 and 5
  EXPECT_EQ(policy.pick_next()->pid, 1);
  EXPECT_EQ(policy.pick_next()->pid, 2);
  EXPECT_EQ(policy.pick_next()->pid, 3);
  EXPECT_FALSE(policy.pick_next());
}

TEST(FifoPolicy, DefaultCapacityHoldsTwiceTheKernelRing) {
  FifoPolicy policy(PolicyConfig{});
  for (int32_t pid = 1; pid <= 8192; ++pid) {
    policy.on_queued(make_task(pid));
  }
  EXPECT_EQ(policy.nr_overflow(), 0U);
  policy.on_queued(make_task(8193));
  EXPECT_EQ(policy.nr_overflow(), 1U);
  EXPECT_EQ(policy.nr_queued(), 8192U);
}

// FIFO bound: when a task is queued there are at most N-1 other tasks, C of
// them running (each has at most one slice left) and the rest ahead of it in
// the queue (one slice each). All CPUs stay busy while it waits, so
// C * wait <= (N - 1) * slice.
TEST(FifoPolicy, SteadyMixWaitIsBoundedByTheTasksAhead) {
  const PolicyConfig config{.slice_ns = 5 * kMs, .slice_min_ns = kMs};
  const policy_test::MixParams mix{.cpus = 2, .cpu_bound = 4, .interactive = 6};
  FifoPolicy policy(config);
  PolicyContext context;
  const uint64_t n = static_cast<uint64_t>(mix.nr_tasks());
  const uint64_t c = static_cast<uint64_t>(mix.cpus);
  const uint64_t bound = (n - 1) * config.slice_ns / c; // 22.5 ms
  const policy_test::DriverResult r =
      policy_test::run_mix(policy, context, mix, [&](const QueuedTask &) { return bound; });
  RecordProperty("max_wait_ns", std::to_string(r.max_wait_ns));
  EXPECT_TRUE(r.violations.empty()) << r.violations.front();
  EXPECT_LE(r.max_wait_ns, bound);
  EXPECT_GT(r.max_wait_ns, 2 * config.slice_ns); // the mix does make tasks wait
  EXPECT_GT(r.min_runs_per_task, 100U);
  EXPECT_EQ(policy.nr_overflow(), 0U);
}

} // namespace
} // namespace scxx
