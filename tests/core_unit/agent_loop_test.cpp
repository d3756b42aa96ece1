// AgentLoop driven through a fake Backend: what one step moves, the batch
// limit, a full dispatch channel, exit notices, and how run() sleeps.
#include "agent/agent_loop.h"
#include "fake_backend.h"
#include "policy/fifo_policy.h"
#include "policy/gthulhu_policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <vector>

namespace scxx {
namespace {

QueuedTask task(int32_t pid, uint64_t enq_cnt = 1) {
  QueuedTask t;
  t.pid = pid;
  t.tgid = pid;
  t.nr_cpus_allowed = 4;
  t.enq_cnt = enq_cnt;
  return t;
}

QueuedTask exit_notice(int32_t pid) {
  QueuedTask t;
  t.pid = pid;
  t.tgid = pid;
  t.flags = kQueuedExiting;
  return t;
}

const PolicyConfig kConfig{};

TEST(AgentLoop, StepMovesEveryQueuedTaskToADecision) {
  FakeBackend backend;
  FifoPolicy policy(kConfig);
  PolicyContext context;
  AgentLoop loop(backend, policy, context);
  backend.queued = {task(1, 7), task(2, 8), task(3, 9)};

  EXPECT_EQ(loop.step(), AgentLoop::StepResult::kMoved);
  ASSERT_EQ(backend.dispatched.size(), 3U);
  EXPECT_EQ(backend.dispatched[0].pid, 1);
  EXPECT_EQ(backend.dispatched[0].enq_cnt, 7U);
  EXPECT_EQ(backend.dispatched[2].pid, 3);
  // The kernel side learns that the policy holds nothing back.
  EXPECT_EQ(backend.pending_reports, std::vector<uint64_t>{0});
  const AgentLoopCounters c = loop.counters();
  EXPECT_EQ(c.iterations, 1U);
  EXPECT_EQ(c.tasks_received, 3U);
  EXPECT_EQ(c.decisions_sent, 3U);
  EXPECT_EQ(c.dispatch_full, 0U);
}

TEST(AgentLoop, IdleStepMovesNothing) {
  FakeBackend backend;
  FifoPolicy policy(kConfig);
  PolicyContext context;
  AgentLoop loop(backend, policy, context);
  EXPECT_EQ(loop.step(), AgentLoop::StepResult::kIdle);
  EXPECT_TRUE(backend.dispatched.empty());
  EXPECT_EQ(backend.pending_reports, std::vector<uint64_t>{0});
}

TEST(AgentLoop, OneStepTakesAtMostOneBatch) {
  FakeBackend backend;
  FifoPolicy policy(kConfig);
  PolicyContext context;
  AgentLoop loop(backend, policy, context);
  const size_t total = AgentLoop::kBatch + 88;
  for (size_t i = 0; i < total; ++i) {
    backend.queued.push_back(task(static_cast<int32_t>(i + 1)));
  }
  EXPECT_EQ(loop.step(), AgentLoop::StepResult::kMoved);
  EXPECT_EQ(backend.dispatched.size(), AgentLoop::kBatch);
  EXPECT_EQ(backend.queued.size(), 88U);
  EXPECT_EQ(loop.step(), AgentLoop::StepResult::kMoved);
  EXPECT_EQ(backend.dispatched.size(), total);
  EXPECT_EQ(backend.dispatched.back().pid, static_cast<int32_t>(total));
}

TEST(AgentLoop, FullChannelKeepsTheDecisionForLater) {
  FakeBackend backend;
  backend.capacity = 2;
  FifoPolicy policy(kConfig);
  PolicyContext context;
  AgentLoop loop(backend, policy, context);
  backend.queued = {task(1), task(2), task(3)};

  // Two go out; the third is refused and handed back to the policy, which
  // still holds it (and says so to the kernel side).
  EXPECT_EQ(loop.step(), AgentLoop::StepResult::kMoved);
  EXPECT_EQ(backend.dispatched.size(), 2U);
  EXPECT_EQ(policy.nr_queued(), 1U);
  EXPECT_EQ(backend.pending_reports.back(), 1U);
  EXPECT_EQ(loop.counters().dispatch_full, 1U);

  // Nothing new and the channel still full: the loop must back off.
  EXPECT_EQ(loop.step(), AgentLoop::StepResult::kChannelFull);
  EXPECT_EQ(loop.counters().dispatch_full, 2U);

  // The kernel drained the channel: the kept decision goes out first.
  backend.dispatched.clear();
  backend.queued = {task(4)};
  EXPECT_EQ(loop.step(), AgentLoop::StepResult::kMoved);
  ASSERT_EQ(backend.dispatched.size(), 2U);
  EXPECT_EQ(backend.dispatched[0].pid, 3);
  EXPECT_EQ(backend.dispatched[1].pid, 4);
  EXPECT_EQ(backend.pending_reports.back(), 0U);
}

// A task the policy has no room for is not stranded: the loop places it
// itself (any CPU, default slice, the latest decision's key), first, and
// keeps it when the channel is full.
TEST(AgentLoop, TasksThePolicyCannotHoldAreStillPlaced) {
  FakeBackend backend;
  FifoPolicy policy(kConfig, PolicyLimits{.max_queued = 2});
  PolicyContext context;
  AgentLoop loop(backend, policy, context);
  backend.queued = {task(1, 5), task(2, 6), task(3, 7)};

  EXPECT_EQ(loop.step(), AgentLoop::StepResult::kMoved);
  ASSERT_EQ(backend.dispatched.size(), 3U);
  EXPECT_EQ(policy.nr_overflow(), 1U);
  EXPECT_EQ(backend.dispatched[0].pid, 3);
  EXPECT_EQ(backend.dispatched[0].cpu, kAnyCpu);
  EXPECT_EQ(backend.dispatched[0].enq_cnt, 7U);
  EXPECT_EQ(backend.dispatched[0].slice_ns, 0U);
  EXPECT_EQ(loop.counters().overflow_sent, 1U);

  // Channel full: the overflowed task waits in the loop and goes out first
  // once there is room; nothing new is read meanwhile.
  backend.dispatched.clear();
  backend.capacity = 0;
  backend.queued = {task(4), task(5), task(6)};
  EXPECT_EQ(loop.step(), AgentLoop::StepResult::kMoved); // 4 and 5 held, 6 overflows
  EXPECT_TRUE(backend.dispatched.empty());
  backend.queued = {task(7)};
  EXPECT_EQ(loop.step(), AgentLoop::StepResult::kChannelFull);
  EXPECT_EQ(backend.queued.size(), 1U) << "nothing read while an overflow waits";
  backend.capacity = SIZE_MAX;
  // 6 first; then 7, which finds the policy still full (4 and 5); then
  // the policy's own.
  EXPECT_EQ(loop.step(), AgentLoop::StepResult::kMoved);
  std::vector<int32_t> pids;
  for (const Decision &d : backend.dispatched) {
    pids.push_back(d.pid);
  }
  EXPECT_EQ(pids, (std::vector<int32_t>{6, 7, 4, 5}));
  EXPECT_EQ(loop.counters().overflow_sent, 3U);
}

TEST(AgentLoop, ExitNoticesReachThePolicyAndAreNotDispatched) {
  FakeBackend backend;
  GthulhuPolicy policy(kConfig);
  PolicyContext context;
  AgentLoop loop(backend, policy, context);
  backend.queued = {task(1), task(2)};
  loop.step();
  EXPECT_EQ(policy.nr_tracked(), 2U);

  backend.dispatched.clear();
  backend.queued = {exit_notice(1), task(2, 2)};
  EXPECT_EQ(loop.step(), AgentLoop::StepResult::kMoved);
  EXPECT_EQ(policy.nr_tracked(), 1U); // pid 1 forgotten
  ASSERT_EQ(backend.dispatched.size(), 1U);
  EXPECT_EQ(backend.dispatched[0].pid, 2);
  const AgentLoopCounters c = loop.counters();
  EXPECT_EQ(c.exits_received, 1U);
  EXPECT_EQ(c.tasks_received, 3U);
}

TEST(AgentLoop, RunSleepsOnlyWhenIdleAndStopsOnRequest) {
  FakeBackend backend;
  FifoPolicy policy(kConfig);
  PolicyContext context;
  AgentLoop loop(backend, policy, context);
  std::atomic<bool> stop{false};
  backend.stop = &stop;
  backend.stop_after_wait = true;
  backend.queued = {task(1), task(2)};

  loop.run(stop);
  // First iteration moved two tasks without sleeping; the second found
  // nothing and slept with the idle timeout; the stop then ended the loop.
  EXPECT_EQ(backend.dispatched.size(), 2U);
  EXPECT_EQ(backend.wait_timeouts, std::vector<int>{AgentLoop::kIdleTimeoutMs});
  EXPECT_EQ(loop.counters().sleeps, 1U);
  EXPECT_EQ(loop.counters().iterations, 2U);
}

TEST(AgentLoop, RunBacksOffBrieflyOnAFullChannelAndEndsWhenTheSchedulerExits) {
  FakeBackend backend;
  backend.capacity = 0;
  backend.exit_after_waits = 3;
  FifoPolicy policy(kConfig);
  PolicyContext context;
  AgentLoop loop(backend, policy, context);
  std::atomic<bool> stop{false};
  backend.queued = {task(1)};

  loop.run(stop);
  // Step 1 received the task but could not send it (moved); steps 2-4 found
  // the channel full and backed off for kFullBackoffMs; after the third
  // wait the scheduler "exited" and run() returned.
  EXPECT_EQ(backend.wait_timeouts, std::vector<int>(3, AgentLoop::kFullBackoffMs));
  EXPECT_EQ(loop.counters().sleeps, 0U);
  EXPECT_EQ(policy.nr_queued(), 1U);
}

// Records the context's time in every callback.
class ClockPolicy final : public Policy {
public:
  explicit ClockPolicy(const PolicyContext &ctx) : ctx_(ctx) {}
  [[nodiscard]] std::string_view name() const override { return "clock"; }
  void on_queued(const QueuedTask & /*task*/) override { seen.push_back(ctx_.now_ns()); }
  std::optional<Decision> pick_next() override { return std::nullopt; }
  void on_dispatch_failed(const Decision & /*decision*/) override {}
  void on_tick(uint64_t now_ns) override { ticks.push_back(now_ns); }
  [[nodiscard]] size_t nr_queued() const override { return 0; }
  std::vector<uint64_t> seen, ticks;

private:
  const PolicyContext &ctx_;
};

TEST(AgentLoop, EveryCallbackSeesTheTimeOfItsStep) {
  FakeBackend backend;
  PolicyContext context;
  ClockPolicy policy(context);
  AgentLoop loop(backend, policy, context);
  backend.clock_ns = 5000;
  backend.queued = {task(1)};
  loop.step();
  backend.clock_ns = 9000;
  backend.queued = {task(2), task(3)};
  loop.step();
  // The time is set before the tasks are handed over, not only at on_tick.
  EXPECT_EQ(policy.seen, (std::vector<uint64_t>{5000, 9000, 9000}));
  EXPECT_EQ(policy.ticks, (std::vector<uint64_t>{5000, 9000}));
  EXPECT_EQ(context.now_ns(), 9000U);
}

} // namespace
} // namespace scxx
