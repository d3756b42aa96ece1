#include "agent/policy_driver.h"
#include "agent/task_builder.h"
#include "policy/vtime_policy.h"

#include <gtest/gtest.h>
#include <string>

namespace scxx {
namespace {

using policy_test::make_task;
using policy_test::ran;

constexpr uint64_t kMs = kNsecPerMsec;
const PolicyConfig kConfig{.slice_ns = 20 * kMs, .slice_min_ns = kMs};

Decision pick(Policy &policy) {
  const std::optional<Decision> d = policy.pick_next();
  EXPECT_TRUE(d);
  return d.value_or(Decision{.pid = -1});
}

TEST(VtimePolicy, OrdersByWeightedRunTimeThenPid) {
  VtimePolicy policy(kConfig);
  policy.on_queued(make_task(11));
  policy.on_queued(make_task(10));
  Decision d = pick(policy);
  EXPECT_EQ(d.pid, 10); // equal vruntime 0: lower pid first
  EXPECT_EQ(d.vtime, 0U);
  EXPECT_EQ(d.slice_ns, 20 * kMs);
  EXPECT_EQ(d.cpu, kAnyCpu);
  EXPECT_EQ(pick(policy).pid, 11);

  // 10 ran 4 ms at weight 100: +4 ms. 11 ran 2 ms at weight 200: +1 ms.
  policy.on_queued(ran(make_task(10, 2), 0, 4 * kMs));
  QueuedTask heavy = ran(make_task(11, 2), 0, 2 * kMs);
  heavy.weight = 200;
  policy.on_queued(heavy);
  policy.on_queued(make_task(5)); // new: starts at the floor, 0 here

  d = pick(policy);
  EXPECT_EQ(d.pid, 5);
  EXPECT_EQ(d.vtime, 0U);
  d = pick(policy);
  EXPECT_EQ(d.pid, 11);
  EXPECT_EQ(d.vtime, 1 * kMs);
  EXPECT_EQ(d.enq_cnt, 2U);
  d = pick(policy);
  EXPECT_EQ(d.pid, 10);
  EXPECT_EQ(d.vtime, 4 * kMs);
  EXPECT_FALSE(policy.pick_next());
  EXPECT_EQ(policy.min_vruntime(), 4 * kMs);
}

TEST(VtimePolicy, NewAndWakingTasksGetAtMostOneSliceOfCredit) {
  VtimePolicy policy(kConfig);
  policy.on_queued(make_task(1));
  policy.on_queued(make_task(3));
  EXPECT_EQ(pick(policy).pid, 1);
  EXPECT_EQ(pick(policy).pid, 3);
  // 3 runs 2 ms and goes to sleep; 1 keeps running for 50 ms.
  policy.on_queued(ran(make_task(1, 2), 0, 50 * kMs));
  EXPECT_EQ(pick(policy).vtime, 50 * kMs);
  EXPECT_EQ(policy.min_vruntime(), 50 * kMs);

  // Floor = 50 - 20 = 30 ms: the sleeper (own vruntime 2 ms) and a new task
  // both start there; the task that kept running keeps its own.
  policy.on_queued(ran(make_task(3, 2), 10 * kMs, 12 * kMs));
  policy.on_queued(make_task(2));
  policy.on_queued(ran(make_task(1, 3), 50 * kMs, 60 * kMs));
  Decision d = pick(policy);
  EXPECT_EQ(d.pid, 2);
  EXPECT_EQ(d.vtime, 30 * kMs);
  d = pick(policy);
  EXPECT_EQ(d.pid, 3);
  EXPECT_EQ(d.vtime, 30 * kMs);
  d = pick(policy);
  EXPECT_EQ(d.pid, 1);
  EXPECT_EQ(d.vtime, 60 * kMs);
}

TEST(VtimePolicy, SharesTheCpuInProportionToWeight) {
  VtimePolicy policy(kConfig);
  QueuedTask light = make_task(1);
  QueuedTask heavy = make_task(2);
  heavy.weight = 300;
  policy.on_queued(light);
  policy.on_queued(heavy);
  uint64_t now = 0;
  int light_runs = 0;
  int heavy_runs = 0;
  for (int i = 0; i < 400; ++i) {
    const Decision d = pick(policy);
    QueuedTask &t = d.pid == 1 ? light : heavy;
    (d.pid == 1 ? light_runs : heavy_runs)++;
    t = ran(t, now, now + d.slice_ns);
    now += d.slice_ns;
    policy.on_queued(t);
  }
  EXPECT_NEAR(light_runs, 100, 1);
  EXPECT_NEAR(heavy_runs, 300, 1);
}

TEST(VtimePolicy, PinnedTaskKeepsItsCpu) {
  VtimePolicy policy(kConfig);
  QueuedTask t = make_task(1);
  t.nr_cpus_allowed = 1;
  t.cpu = 3;
  policy.on_queued(t);
  EXPECT_EQ(pick(policy).cpu, 3);
}

TEST(VtimePolicy, FailedDispatchIsOfferedAgain) {
  VtimePolicy policy(kConfig);
  policy.on_queued(make_task(1, 7));
  policy.on_queued(make_task(2));
  const Decision first = pick(policy);
  policy.on_dispatch_failed(first);
  EXPECT_EQ(policy.nr_queued(), 2U);
  const Decision again = pick(policy);
  EXPECT_EQ(again.pid, 1);
  EXPECT_EQ(again.enq_cnt, 7U);
  EXPECT_EQ(again.vtime, first.vtime);
  EXPECT_EQ(pick(policy).pid, 2);
}

TEST(VtimePolicy, FullQueueCountsOverflow) {
  VtimePolicy policy(kConfig, PolicyLimits{.max_queued = 2, .max_tracked = 16});
  policy.on_queued(make_task(1));
  policy.on_queued(make_task(2));
  policy.on_queued(make_task(3));
  EXPECT_EQ(policy.nr_queued(), 2U);
  EXPECT_EQ(policy.nr_overflow(), 1U);
  EXPECT_EQ(pick(policy).pid, 1);
  EXPECT_EQ(pick(policy).pid, 2);
  EXPECT_FALSE(policy.pick_next());
}

TEST(VtimePolicy, ExitFreesTheTasksState) {
  VtimePolicy policy(kConfig, PolicyLimits{.max_queued = 16, .max_tracked = 1});
  policy.on_queued(make_task(1));
  policy.on_queued(make_task(2)); // no room to remember it, still scheduled
  EXPECT_EQ(policy.nr_tracked(), 1U);
  EXPECT_EQ(policy.nr_untracked(), 1U);
  EXPECT_EQ(policy.nr_queued(), 2U);
  policy.on_exiting(1);
  EXPECT_EQ(policy.nr_tracked(), 0U);
  policy.on_queued(make_task(3));
  EXPECT_EQ(policy.nr_tracked(), 1U);
  EXPECT_EQ(policy.nr_untracked(), 1U);
}

// Vtime bound (all weights 100, slice s, N tasks, C CPUs). Let M be
// min_vruntime when task W is queued. Then W's vruntime is at most M + s
// (it was at most min_vruntime when W was last picked, plus one run of at
// most s), and every task in the queue or queued later has vruntime at
// least M - s (the floor; picks only raise min_vruntime to the smallest
// queued value). Another task X is picked before W only while its vruntime
// is <= W's, and each of its runs adds the run to it, so X runs at most
// 2s + s = 3s while W waits. Add at most s left of each of the C runs in
// flight; all CPUs are busy while W waits, so C * wait <= C*s + 3(N-1)*s.
TEST(VtimePolicy, SteadyMixWaitIsBounded) {
  const PolicyConfig config{.slice_ns = 5 * kMs, .slice_min_ns = kMs};
  const policy_test::MixParams mix{.cpus = 2, .cpu_bound = 4, .interactive = 6};
  VtimePolicy policy(config);
  PolicyContext context;
  const uint64_t n = static_cast<uint64_t>(mix.nr_tasks());
  const uint64_t c = static_cast<uint64_t>(mix.cpus);
  const uint64_t s = config.slice_ns;
  const uint64_t bound = (c * s + 3 * (n - 1) * s) / c; // 72.5 ms
  const policy_test::DriverResult r =
      policy_test::run_mix(policy, context, mix, [&](const QueuedTask &) { return bound; });
  RecordProperty("max_wait_ns", std::to_string(r.max_wait_ns));
  EXPECT_TRUE(r.violations.empty()) << r.violations.front();
  EXPECT_LE(r.max_wait_ns, bound);
  EXPECT_GT(r.max_wait_ns, s);
  EXPECT_GT(r.min_runs_per_task, 100U);
  EXPECT_EQ(policy.nr_overflow(), 0U);
}

} // namespace
} // namespace scxx
