#include "agent/policy_driver.h"
#include "agent/task_builder.h"
#include "policy/gthulhu_policy.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <string>

namespace scxx {
namespace {

using policy_test::make_task;
using policy_test::ran;

constexpr uint64_t kMs = kNsecPerMsec;
constexpr uint64_t kUs = kNsecPerUsec;
const PolicyConfig kConfig{.slice_ns = 20 * kMs, .slice_min_ns = 1 * kMs};

Decision pick(Policy &policy) {
  const std::optional<Decision> d = policy.pick_next();
  EXPECT_TRUE(d);
  return d.value_or(Decision{.pid = -1});
}

TEST(GthulhuPolicy, OrdersByDeadlineThenStartTimeThenPid) {
  GthulhuPolicy policy(kConfig);
  // New tasks start one weighted minimum slice (1 ms) after the floor (0):
  //   1: weight 100 -> vtime 1 ms,   exec 0      -> deadline 1 ms
  //   2: weight 200 -> vtime 0.5 ms, exec 0.25 ms -> deadline 0.75 ms
  //   3: weight 100 -> vtime 1 ms,   exec 0      -> deadline 1 ms, started
  //      earlier than 1
  policy.on_queued(ran(make_task(1, 10), 7, 7));
  QueuedTask two = make_task(2, 20);
  two.weight = 200;
  two.exec_runtime = 250 * kUs;
  policy.on_queued(two);
  policy.on_queued(ran(make_task(3, 30), 3, 3));

  Decision d = pick(policy);
  EXPECT_EQ(d.pid, 2);
  EXPECT_EQ(d.vtime, 750 * kUs);
  EXPECT_EQ(d.slice_ns, 2 * kMs); // slice_min * 200 / 100
  EXPECT_EQ(d.enq_cnt, 20U);
  EXPECT_EQ(d.cpu, kAnyCpu);
  d = pick(policy);
  EXPECT_EQ(d.pid, 3);
  EXPECT_EQ(d.vtime, 1 * kMs);
  EXPECT_EQ(d.slice_ns, 1 * kMs);
  d = pick(policy);
  EXPECT_EQ(d.pid, 1);
  EXPECT_EQ(d.vtime, 1 * kMs);
  EXPECT_FALSE(policy.pick_next());

  // 1 ran 4 ms (weight 100): vtime 1 + 4 = 5, deadline 5 + min(4, 1) = 6 ms.
  // 2 ran 6 ms (weight 200): vtime 0.5 + 3 = 3.5, deadline 3.5 + 1 = 4.5 ms.
  QueuedTask one_back = ran(make_task(1, 11), 100 * kMs, 104 * kMs);
  one_back.exec_runtime = 4 * kMs;
  policy.on_queued(one_back);
  two = ran(two, 100 * kMs, 106 * kMs);
  two.exec_runtime = 11 * kMs;
  policy.on_queued(two);
  d = pick(policy);
  EXPECT_EQ(d.pid, 2);
  EXPECT_EQ(d.vtime, 4500 * kUs);
  d = pick(policy);
  EXPECT_EQ(d.pid, 1);
  EXPECT_EQ(d.vtime, 6 * kMs);
  // The clock is the largest virtual time dispatched (task 1's 5 ms), not
  // the sum of everyone's run time.
  EXPECT_EQ(policy.min_vruntime(), 5 * kMs);
}

TEST(GthulhuPolicy, SleepersAndNewTasksStartNearTheFloor) {
  GthulhuPolicy policy(kConfig);
  policy.on_queued(make_task(4));
  policy.on_queued(make_task(6));
  EXPECT_EQ(pick(policy).pid, 4); // both 1 ms, same start: lower pid
  EXPECT_EQ(pick(policy).pid, 6);
  EXPECT_EQ(policy.min_vruntime(), 1 * kMs);

  // 4 ran 100 ms: vtime 101 ms, deadline 101 + 1 (the lead is capped at one
  // minimum slice); dispatching it moves the clock to 101 ms.
  QueuedTask four = ran(make_task(4, 2), 0, 100 * kMs);
  four.exec_runtime = 100 * kMs;
  policy.on_queued(four);
  Decision d = pick(policy);
  EXPECT_EQ(d.pid, 4);
  EXPECT_EQ(d.vtime, 102 * kMs);
  EXPECT_EQ(policy.min_vruntime(), 101 * kMs);

  // 6 slept at vtime 1 ms after a 0.5 ms run: raised to the floor
  // 101 - 1 = 100 ms, plus its run: 100.5 ms. One minimum slice of
  // credit, no more.
  QueuedTask six = ran(make_task(6, 2), 10 * kMs, 10 * kMs + 500 * kUs);
  six.flags = kQueuedWakeup;
  policy.on_queued(six);
  // New task: floor 100 ms + one minimum slice = 101 ms.
  policy.on_queued(make_task(5));

  d = pick(policy);
  EXPECT_EQ(d.pid, 6);
  EXPECT_EQ(d.vtime, 100 * kMs + 500 * kUs);
  d = pick(policy);
  EXPECT_EQ(d.pid, 5);
  EXPECT_EQ(d.vtime, 101 * kMs);
  EXPECT_EQ(policy.min_vruntime(), 101 * kMs);
}

TEST(GthulhuPolicy, StrategyPriorityDoublesWeightAtLevelTen) {
  GthulhuPolicy policy(kConfig);
  QueuedTask boosted = ran(make_task(1), 0, 10 * kMs);
  boosted.priority = 10; // charged 50%: weight 100 counts as 200
  QueuedTask plain = ran(make_task(2), 0, 10 * kMs);
  policy.on_queued(boosted);
  policy.on_queued(plain);
  // New tasks: floor 0 + 1 ms * 100 / weight, then their run charged.
  Decision d = pick(policy);
  EXPECT_EQ(d.pid, 1);
  EXPECT_EQ(d.vtime, 500 * kUs + 5 * kMs); // 1*100/200 + 10*100/200
  EXPECT_EQ(d.slice_ns, 2 * kMs);          // slice_min * 200 / 100
  d = pick(policy);
  EXPECT_EQ(d.pid, 2);
  EXPECT_EQ(d.vtime, (1 + 10) * kMs);
  EXPECT_EQ(d.slice_ns, 1 * kMs);
}

// A task back from its slice (not a wake-up) keeps its own virtual time:
// the floor would lift a heavy or boosted task to the others' level after
// every run, and its weight would stop mattering (a priority-10 hog got
// 1.01x its competitors' CPU in the VM that way).
TEST(GthulhuPolicy, OnlyWakeUpsAreRaisedToTheFloor) {
  GthulhuPolicy policy(kConfig);
  policy.on_queued(make_task(1));
  policy.on_queued(make_task(2));
  pick(policy);
  pick(policy); // both new at 1 ms
  // 2 ran 10 ms: clock 11 ms, floor 10 ms.
  policy.on_queued(ran(make_task(2, 2), 0, 10 * kMs));
  EXPECT_EQ(pick(policy).vtime, 11 * kMs);
  // 1 ran 2 ms and comes back from its slice: 1 + 2 = 3 ms, below the
  // floor, and stays there.
  policy.on_queued(ran(make_task(1, 2), 0, 2 * kMs));
  EXPECT_EQ(pick(policy).vtime, 3 * kMs);
  // The same after a sleep is raised to the floor: 10 + 2 = 12 ms.
  QueuedTask woke = ran(make_task(1, 3), 0, 2 * kMs);
  woke.flags = kQueuedWakeup;
  policy.on_queued(woke);
  EXPECT_EQ(pick(policy).vtime, 12 * kMs);
}

// The deadline's lead is capped at one minimum slice: a CPU-bound task is
// never pushed seconds behind waking ones (with a 100-slice cap the kernel's
// watchdog unloaded scxx under hackbench plus stress-ng).
TEST(GthulhuPolicy, ExecRuntimeCountsUpToOneMinimumSlice) {
  GthulhuPolicy policy(kConfig);
  QueuedTask hog = make_task(1);
  hog.exec_runtime = 10'000 * kMs;
  policy.on_queued(hog);
  EXPECT_EQ(pick(policy).vtime, 1 * kMs + 1 * kMs);
}

TEST(GthulhuPolicy, SliceGrowsWithWeightWithinBounds) {
  const GthulhuPolicy policy(kConfig);
  EXPECT_EQ(policy.slice_for_weight(100), 1 * kMs);
  EXPECT_EQ(policy.slice_for_weight(250), 2500 * kUs);
  EXPECT_EQ(policy.slice_for_weight(50), 500 * kUs);
  EXPECT_EQ(policy.slice_for_weight(10), 250 * kUs); // floor: slice_min / 4
  EXPECT_EQ(policy.slice_for_weight(1), 250 * kUs);
  EXPECT_EQ(policy.slice_for_weight(5000), 20 * kMs); // ceiling: slice
  EXPECT_EQ(policy.slice_for_weight(10000), 20 * kMs);
}

TEST(GthulhuPolicy, PinnedTaskKeepsItsCpu) {
  GthulhuPolicy policy(kConfig);
  QueuedTask t = make_task(1);
  t.nr_cpus_allowed = 1;
  t.cpu = 2;
  policy.on_queued(t);
  EXPECT_EQ(pick(policy).cpu, 2);
}

TEST(GthulhuPolicy, FailedDispatchIsOfferedAgain) {
  GthulhuPolicy policy(kConfig);
  policy.on_queued(make_task(1, 5));
  policy.on_queued(make_task(2));
  const Decision first = pick(policy);
  policy.on_dispatch_failed(first);
  EXPECT_EQ(policy.nr_queued(), 2U);
  const Decision again = pick(policy);
  EXPECT_EQ(again.pid, 1);
  EXPECT_EQ(again.enq_cnt, 5U);
  EXPECT_EQ(again.vtime, first.vtime);
  EXPECT_EQ(again.slice_ns, first.slice_ns);
  EXPECT_EQ(pick(policy).pid, 2);
}

TEST(GthulhuPolicy, FullQueueCountsOverflow) {
  GthulhuPolicy policy(kConfig, PolicyLimits{.max_queued = 4096, .max_tracked = 8192});
  for (int32_t pid = 1; pid <= 4097; ++pid) {
    policy.on_queued(make_task(pid));
  }
  EXPECT_EQ(policy.nr_queued(), 4096U);
  EXPECT_EQ(policy.nr_overflow(), 1U);
  EXPECT_EQ(pick(policy).pid, 1);
}

TEST(GthulhuPolicy, ExitForgetsTheVirtualTime) {
  GthulhuPolicy policy(kConfig);
  policy.on_queued(make_task(1));
  policy.on_queued(make_task(2));
  pick(policy);
  pick(policy); // both new at 1 ms
  // 2 ran 0.5 ms: vtime 1.5 ms, which becomes the clock.
  policy.on_queued(ran(make_task(2, 2), 0, 500 * kUs));
  EXPECT_EQ(pick(policy).vtime, 1500 * kUs);
  // 1 comes back without having run: its remembered 1 ms (above the
  // floor 1.5 - 1 = 0.5 ms).
  policy.on_queued(make_task(1, 2));
  EXPECT_EQ(pick(policy).vtime, 1 * kMs);
  EXPECT_EQ(policy.nr_tracked(), 2U);

  policy.on_exiting(1);
  EXPECT_EQ(policy.nr_tracked(), 1U);
  // The pid comes back as a new task: floor 0.5 ms + one minimum slice =
  // 1.5 ms, not the 1 ms it would have had if remembered.
  policy.on_queued(make_task(1, 3));
  EXPECT_EQ(pick(policy).vtime, 1500 * kUs);
}

// Gthulhu bound (all weights 100, so vslice = run time and every dispatch
// slice is d = slice_min; N tasks, C CPUs). Credit, new-task offset and
// deadline lead are all one minimum slice, d. Let M be min_vruntime just
// after W is queued. W's vtime is at most M + d (a new task starts at
// M - d + d; vtime and min_vruntime then grow by the same vslice), so its
// deadline D <= M + d + min(exec, d). A task queued when min_vruntime - d >
// D has a later deadline and cannot go first. Work done while W waits (all
// CPUs busy, so it is C * wait):
//   - runs in flight when W was queued: <= C * d;
//   - runs charged to min_vruntime before that point: <= D + d - M + d;
//   - runs not yet charged then: at most one per other task, <= (N-1) * d.
// So C * wait <= 3d + min(exec, d) + (N + C) * d <= (N + C + 4) * d: a
// few minimum slices per task, whatever a task's exec_runtime.
TEST(GthulhuPolicy, SteadyMixWaitIsBounded) {
  const policy_test::MixParams mix{.cpus = 2, .cpu_bound = 4, .interactive = 6};
  GthulhuPolicy policy(kConfig);
  PolicyContext context;
  const uint64_t n = static_cast<uint64_t>(mix.nr_tasks());
  const uint64_t c = static_cast<uint64_t>(mix.cpus);
  const uint64_t d = kConfig.slice_min_ns;
  auto bound = [&](const QueuedTask &t) {
    return (3 * d + std::min(t.exec_runtime, d) + (n + c) * d) / c;
  };
  const policy_test::DriverResult r = policy_test::run_mix(policy, context, mix, bound);
  RecordProperty("max_wait_ns", std::to_string(r.max_wait_ns));
  EXPECT_TRUE(r.violations.empty()) << r.violations.front();
  // Every task, CPU-bound or not, waits at most (N + C + 4) d / C = 8 ms.
  EXPECT_LE(r.max_wait_ns, (n + c + 4) * d / c);
  EXPECT_GT(r.max_wait_ns, d);
  EXPECT_GT(r.min_runs_per_task, 100U);
  EXPECT_EQ(policy.nr_overflow(), 0U);
}

} // namespace
} // namespace scxx
