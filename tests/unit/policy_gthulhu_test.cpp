#include "mix_sim.h"
#include "policy/gthulhu_policy.h"
#include "task_builder.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <string>

namespace scxx {
namespace {

using test::make_task;
using test::ran;

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
  // New tasks start one weighted slice after the floor (0 here):
  //   1: weight 100 -> vtime 20 ms, exec 0    -> deadline 20 ms
  //   2: weight 200 -> vtime 10 ms, exec 5 ms -> deadline 15 ms
  //   3: weight 100 -> vtime 20 ms, exec 0    -> deadline 20 ms, started
  //      earlier than 1
  policy.on_queued(ran(make_task(1, 10), 7, 7));
  QueuedTask two = make_task(2, 20);
  two.weight = 200;
  two.exec_runtime = 5 * kMs;
  policy.on_queued(two);
  policy.on_queued(ran(make_task(3, 30), 3, 3));

  Decision d = pick(policy);
  EXPECT_EQ(d.pid, 2);
  EXPECT_EQ(d.vtime, 15 * kMs);
  EXPECT_EQ(d.slice_ns, 2 * kMs); // slice_min * 200 / 100
  EXPECT_EQ(d.enq_cnt, 20U);
  EXPECT_EQ(d.cpu, kAnyCpu);
  d = pick(policy);
  EXPECT_EQ(d.pid, 3);
  EXPECT_EQ(d.vtime, 20 * kMs);
  EXPECT_EQ(d.slice_ns, 1 * kMs);
  d = pick(policy);
  EXPECT_EQ(d.pid, 1);
  EXPECT_EQ(d.vtime, 20 * kMs);
  EXPECT_FALSE(policy.pick_next());

  // 1 ran 4 ms (weight 100): vtime 20 + 4 = 24, deadline 24 + 4 = 28 ms.
  // 2 ran 6 ms (weight 200): vtime 10 + 3 = 13, deadline 13 + 11 = 24 ms.
  QueuedTask one_back = ran(make_task(1, 11), 100 * kMs, 104 * kMs);
  one_back.exec_runtime = 4 * kMs;
  policy.on_queued(one_back);
  two = ran(two, 100 * kMs, 106 * kMs);
  two.exec_runtime = 11 * kMs;
  policy.on_queued(two);
  d = pick(policy);
  EXPECT_EQ(d.pid, 2);
  EXPECT_EQ(d.vtime, 24 * kMs);
  d = pick(policy);
  EXPECT_EQ(d.pid, 1);
  EXPECT_EQ(d.vtime, 28 * kMs);
  // The clock is the largest virtual time dispatched (task 1's 24 ms), not
  // the sum of everyone's run time.
  EXPECT_EQ(policy.min_vruntime(), 24 * kMs);
}

TEST(GthulhuPolicy, SleepersAndNewTasksStartNearTheFloor) {
  GthulhuPolicy policy(kConfig);
  policy.on_queued(make_task(4));
  policy.on_queued(make_task(6));
  EXPECT_EQ(pick(policy).pid, 4); // both 20 ms, same start: lower pid
  EXPECT_EQ(pick(policy).pid, 6);
  EXPECT_EQ(policy.min_vruntime(), 20 * kMs);

  // 4 ran 100 ms: vtime 120 ms, deadline 220 ms; dispatching it moves the
  // clock to 120 ms.
  QueuedTask four = ran(make_task(4, 2), 0, 100 * kMs);
  four.exec_runtime = 100 * kMs;
  policy.on_queued(four);
  Decision d = pick(policy);
  EXPECT_EQ(d.pid, 4);
  EXPECT_EQ(d.vtime, 220 * kMs);
  EXPECT_EQ(policy.min_vruntime(), 120 * kMs);

  // 6 slept at vtime 20 ms after a 1 ms run: raised to the floor 120 - 20,
  // plus its run: 101 ms. One slice of credit, no more.
  policy.on_queued(ran(make_task(6, 2), 10 * kMs, 11 * kMs));
  // New task: floor 100 ms + one slice = 120 ms.
  policy.on_queued(make_task(5));

  d = pick(policy);
  EXPECT_EQ(d.pid, 6);
  EXPECT_EQ(d.vtime, 101 * kMs);
  d = pick(policy);
  EXPECT_EQ(d.pid, 5);
  EXPECT_EQ(d.vtime, 120 * kMs);
  EXPECT_EQ(policy.min_vruntime(), 120 * kMs);
}

TEST(GthulhuPolicy, StrategyPriorityDoublesWeightAtLevelTen) {
  GthulhuPolicy policy(kConfig);
  QueuedTask boosted = ran(make_task(1), 0, 10 * kMs);
  boosted.priority = 10; // charged 50%: weight 100 counts as 200
  QueuedTask plain = ran(make_task(2), 0, 10 * kMs);
  policy.on_queued(boosted);
  policy.on_queued(plain);
  // New tasks: floor 0 + 20 ms * 100 / weight, then their run charged.
  Decision d = pick(policy);
  EXPECT_EQ(d.pid, 1);
  EXPECT_EQ(d.vtime, (10 + 5) * kMs); // 20*100/200 + 10*100/200
  EXPECT_EQ(d.slice_ns, 2 * kMs);     // slice_min * 200 / 100
  d = pick(policy);
  EXPECT_EQ(d.pid, 2);
  EXPECT_EQ(d.vtime, (20 + 10) * kMs);
  EXPECT_EQ(d.slice_ns, 1 * kMs);
}

TEST(GthulhuPolicy, ExecRuntimeCountsUpToOneHundredSlices) {
  GthulhuPolicy policy(kConfig);
  QueuedTask hog = make_task(1);
  hog.exec_runtime = 10'000 * kMs;
  policy.on_queued(hog);
  EXPECT_EQ(pick(policy).vtime, 20 * kMs + 2000 * kMs);
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
  pick(policy); // both new at 20 ms
  // 2 ran 10 ms: vtime 30 ms, which becomes the clock.
  policy.on_queued(ran(make_task(2, 2), 0, 10 * kMs));
  EXPECT_EQ(pick(policy).vtime, 30 * kMs);
  // 1 comes back without having run: its remembered 20 ms (above the
  // floor 30 - 20 = 10 ms).
  policy.on_queued(make_task(1, 2));
  EXPECT_EQ(pick(policy).vtime, 20 * kMs);
  EXPECT_EQ(policy.nr_tracked(), 2U);

  policy.on_exiting(1);
  EXPECT_EQ(policy.nr_tracked(), 1U);
  // The pid comes back as a new task: floor 10 ms + one slice = 30 ms, not
  // the 20 ms it would have had if remembered.
  policy.on_queued(make_task(1, 3));
  EXPECT_EQ(pick(policy).vtime, 30 * kMs);
}

// Gthulhu bound (all weights 100, so vslice = run time and every dispatch
// slice is d = slice_min; default slice S, N tasks, C CPUs). Let M be
// min_vruntime just after W is queued. W's vtime is at most M + S (a new
// task starts at max(min_vruntime, S); vtime and min_vruntime then grow by
// the same vslice and min_vruntime also by everyone else's), so its
// deadline D <= M + S + min(exec, 100 S). A task queued when
// min_vruntime - S > D has a later deadline and cannot go first. Work done
// while W waits (all CPUs busy, so it is C * wait):
//   - runs in flight when W was queued: <= C * d;
//   - runs charged to min_vruntime before that point: <= D + S - M + d
//     (the last charge may overshoot by one run);
//   - runs not yet charged then: at most one per other task, <= (N-1) * d.
// So C * wait <= 2S + min(exec, 100 S) + (N + C) * d.
TEST(GthulhuPolicy, SteadyMixWaitIsBounded) {
  const test::MixParams mix{.cpus = 2, .cpu_bound = 4, .interactive = 6};
  GthulhuPolicy policy(kConfig);
  const uint64_t n = static_cast<uint64_t>(mix.nr_tasks());
  const uint64_t c = static_cast<uint64_t>(mix.cpus);
  const uint64_t s = kConfig.slice_ns;
  const uint64_t d = kConfig.slice_min_ns;
  auto bound = [&](const QueuedTask &t) {
    return (2 * s + std::min(t.exec_runtime, 100 * s) + (n + c) * d) / c;
  };
  const test::MixResult r = test::run_mix(policy, mix, bound);
  RecordProperty("max_wait_ns", std::to_string(r.max_wait_ns));
  EXPECT_TRUE(r.violations.empty()) << r.violations.front();
  // A waking interactive task (exec 0) waits at most 26 ms; a CPU-bound one
  // at most 1026 ms once its exec_runtime reaches the cap.
  EXPECT_LE(r.max_wait_ns, (2 * s + 100 * s + (n + c) * d) / c);
  EXPECT_GT(r.max_wait_ns, d);
  EXPECT_GT(r.min_runs_per_task, 100U);
  EXPECT_EQ(policy.nr_overflow(), 0U);
}

} // namespace
} // namespace scxx
