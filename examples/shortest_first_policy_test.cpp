// Tests of the example policy, as a policy author outside the scxx tree
// writes them: hand-built tasks for the rules, the PolicyDriver for what the
// kernel makes of the decisions.
#include "shortest_first_policy.h"

#include "agent/policy_driver.h"
#include "agent/task_builder.h"
#include "policy/policy_registry.h"

#include <gtest/gtest.h>

namespace scxx::example {
namespace {

using policy_test::make_task;

QueuedTask task(int32_t pid, uint64_t exec_runtime_ns) {
  QueuedTask t = make_task(pid, static_cast<uint64_t>(pid) * 10);
  t.exec_runtime = exec_runtime_ns;
  return t;
}

// A context as scxx builds it, with the option at its default.
PolicyContext context_with(PolicyConfig config = {}, PolicyLimits limits = {}) {
  return policy_test::context_for("shortest-first", config, limits);
}

TEST(ShortestFirstPolicy, IsRegisteredWithItsOption) {
  const PolicyInfo *info = find_policy("shortest-first");
  ASSERT_NE(info, nullptr);
  ASSERT_EQ(info->options.size(), 1U);
  EXPECT_EQ(info->options[0].key, "runtime_cap_ms");
  PolicyContext ctx = context_with();
  EXPECT_EQ(info->factory(ctx)->name(), "shortest-first");
}

TEST(ShortestFirstPolicy, RunsTheShortestRunnerFirstThenInArrivalOrder) {
  PolicyContext ctx = context_with(PolicyConfig{.slice_ns = 3 * kNsecPerMsec, .slice_min_ns = 1});
  ShortestFirstPolicy policy(ctx);
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

TEST(ShortestFirstPolicy, TheKeyCarriesTheOrderAcrossBatches) {
  // The kernel sorts every decision it holds by vtime: a short runner that
  // arrives in a later batch must still get the smaller key.
  PolicyContext ctx = context_with();
  ShortestFirstPolicy policy(ctx);
  policy.on_queued(task(1, 15 * kNsecPerMsec));
  const uint64_t long_key = policy.pick_next()->vtime;
  policy.on_queued(task(2, 100));
  EXPECT_LT(policy.pick_next()->vtime, long_key);
  // Past the cap, run time no longer counts.
  policy.on_queued(task(3, 900 * kNsecPerMsec));
  EXPECT_EQ(policy.pick_next()->vtime, 20 * kNsecPerMsec);
}

TEST(ShortestFirstPolicy, FailedDispatchGoesFirstAgain) {
  PolicyContext ctx = context_with();
  ShortestFirstPolicy policy(ctx);
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
  PolicyContext ctx = context_with({}, PolicyLimits{.max_queued = 2, .max_tracked = 0});
  ShortestFirstPolicy policy(ctx);
  policy.on_queued(task(1, 0));
  policy.on_queued(task(2, 0));
  policy.on_queued(task(3, 0));
  EXPECT_EQ(policy.nr_queued(), 2U);
  EXPECT_EQ(policy.nr_overflow(), 1U);
}

TEST(ShortestFirstPolicy, InteractiveTasksWaitLittleAndHogsStillRun) {
  // Two CPUs, eight CPU-bound tasks and six that run 0.3 ms and sleep 4 ms,
  // through the real agent loop and the kernel's queue rules, 10 ms slices.
  // A woken task has key 0, below every CPU-bound task's (capped run time):
  // it waits for a CPU to free up (at most one slice, 10 ms) and for the
  // other woken tasks ahead of it (at most 5 * 0.3 ms), so 12 ms. In
  // arrival order (vtime 0 for all) it would wait behind up to eight slices
  // on two CPUs, about 40 ms: this bound tells the two apart.
  const uint64_t slice = 10 * kNsecPerMsec;
  PolicyContext ctx = context_with(PolicyConfig{.slice_ns = slice, .slice_min_ns = 1});
  ShortestFirstPolicy policy(ctx);
  policy_test::MixParams mix;
  mix.cpu_bound = 8;
  mix.duration_ns = 2000 * kNsecPerMsec;
  const policy_test::DriverResult r =
      policy_test::run_mix(policy, ctx, mix, [&](const QueuedTask &t) {
        return t.exec_runtime == 0 ? slice + 5 * mix.burst_ns : 0;
      });
  EXPECT_TRUE(r.violations.empty()) << r.violations.front();
  EXPECT_GT(r.min_runs_per_task, 10U) << "the cap lets CPU-bound tasks run";
  EXPECT_EQ(r.stale, 0U);
}

} // namespace
} // namespace scxx::example
