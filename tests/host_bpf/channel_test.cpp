// host-bpf tier: the real BPF maps and SYSCALL programs of bpf/scxx.bpf.c,
// loaded channel-only on the host kernel (no sched_ext needed), driven end
// to end through BpfScheduler.
#include "agent/agent_loop.h"
#include "channel_only_fixture.h"
#include "core/bpf_scheduler.h"
#include "policy/policy_factory.h"
#include "scxx_sched.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <vector>

namespace scxx {
namespace {

// Record sizes in the rings: message + 8-byte ring header, 8-aligned.
constexpr size_t kQueuedCapacity = SCXX_QUEUED_RING_BYTES / (sizeof(scxx_queued_task) + 8);
constexpr size_t kDispatchedCapacity =
    SCXX_DISPATCHED_RING_BYTES / (sizeof(scxx_dispatched_task) + 8);

class ChannelTest : public ChannelOnlyTest {
protected:
  const SchedulerStats stats() const { return sched_->stats(); }
  const scxx_dispatched_task &drained(size_t i) const {
    return sched_->skeleton()->bss->test_drained[i % 64];
  }
};

TEST_F(ChannelTest, QueuedMessagesArriveInOrderWithTheirFields) {
  ASSERT_EQ(sched_->test_produce(100, 1000), 100);
  std::vector<QueuedTask> out(512);
  ASSERT_EQ(sched_->dequeue(out), 100U);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(out[i].pid, 1000 + i);
    EXPECT_EQ(out[i].enq_cnt, static_cast<uint64_t>(i));
    EXPECT_EQ(out[i].exec_runtime, static_cast<uint64_t>(i));
    EXPECT_EQ(out[i].weight, 100U);
  }
  EXPECT_EQ(stats().nr_queued, 100U);
  EXPECT_EQ(sched_->dequeue(out), 0U) << "ring must be empty after draining";
}

TEST_F(ChannelTest, DequeueRespectsTheBatchSize) {
  ASSERT_EQ(sched_->test_produce(30, 1), 30);
  std::vector<QueuedTask> out(8);
  size_t total = 0;
  size_t calls = 0;
  while (const size_t n = sched_->dequeue(out)) {
    EXPECT_LE(n, 8U);
    total += n;
    ++calls;
  }
  EXPECT_EQ(total, 30U);
  EXPECT_EQ(calls, 4U); // 8 + 8 + 8 + 6
}

TEST_F(ChannelTest, DecisionsReachTheKernelSide) {
  for (int i = 0; i < 10; ++i) {
    Decision d;
    d.pid = 500 + i;
    d.cpu = i % 2 == 0 ? kAnyCpu : 1;
    d.slice_ns = 1000U * static_cast<uint64_t>(i + 1);
    d.vtime = 77U + static_cast<uint64_t>(i);
    d.enq_cnt = 3;
    d.flags = i == 9 ? kDispatchPreempt : 0;
    ASSERT_TRUE(sched_->dispatch(d));
  }
  ASSERT_EQ(sched_->test_drain(0), 10);
  for (size_t i = 0; i < 10; ++i) {
    const auto &m = drained(i);
    EXPECT_EQ(m.pid, 500 + static_cast<int>(i));
    EXPECT_EQ(m.cpu, i % 2 == 0 ? SCXX_CPU_ANY : 1);
    EXPECT_EQ(m.slice_ns, 1000U * (i + 1));
    EXPECT_EQ(m.vtime, 77U + i);
    EXPECT_EQ(m.enq_cnt, 3U);
  }
  EXPECT_EQ(drained(9).flags, static_cast<uint64_t>(SCXX_DF_PREEMPT));
  EXPECT_EQ(sched_->test_drain(0), 0) << "nothing left after a full drain";
}

TEST_F(ChannelTest, FullQueuedRingIsCountedAsCongestionAndLosesNothingDelivered) {
  const auto produced = sched_->test_produce(static_cast<uint32_t>(kQueuedCapacity + 500), 1);
  ASSERT_EQ(produced, static_cast<int64_t>(kQueuedCapacity));
  EXPECT_EQ(stats().nr_sched_congested, 500U);
  std::vector<QueuedTask> out(512);
  size_t total = 0;
  while (const size_t n = sched_->dequeue(out)) {
    total += n;
  }
  EXPECT_EQ(total, kQueuedCapacity);
  EXPECT_EQ(sched_->test_produce(10, 1), 10) << "ring usable again once drained";
}

TEST_F(ChannelTest, FullDispatchedRingRefusesAndRecovers) {
  Decision d;
  d.pid = 42;
  size_t accepted = 0;
  while (sched_->dispatch(d)) {
    ++accepted;
    ASSERT_LE(accepted, kDispatchedCapacity + 1);
  }
  EXPECT_EQ(accepted, kDispatchedCapacity);
  EXPECT_EQ(stats().nr_dispatch_full, 1U);
  EXPECT_EQ(sched_->test_drain(0), static_cast<int64_t>(accepted));
  EXPECT_TRUE(sched_->dispatch(d)) << "ring usable again once drained";
}

TEST_F(ChannelTest, MalformedDecisionsAreCountedAndSkipped) {
  const uint32_t short_msg[3] = {7, 0, 0};
  ASSERT_TRUE(sched_->test_submit_raw(short_msg, sizeof(short_msg))); // wrong size
  scxx_dispatched_task bad_pid{};
  bad_pid.pid = 0;
  ASSERT_TRUE(sched_->test_submit_raw(&bad_pid, sizeof(bad_pid)));
  scxx_dispatched_task bad_cpu{};
  bad_cpu.pid = 9;
  bad_cpu.cpu = 5000;
  ASSERT_TRUE(sched_->test_submit_raw(&bad_cpu, sizeof(bad_cpu)));
  scxx_dispatched_task good{};
  good.pid = 11;
  good.cpu = 0;
  ASSERT_TRUE(sched_->test_submit_raw(&good, sizeof(good)));

  EXPECT_EQ(sched_->test_drain(0), 1) << "only the well-formed decision is delivered";
  EXPECT_EQ(drained(0).pid, 11);
  EXPECT_EQ(stats().nr_failed_dispatches, 3U);
}

TEST_F(ChannelTest, SelectCpuNeedsCtxSizeIn) {
  // The SYSCALL program must be run with ctx_size_in, not just ctx_in.
  scxx_select_cpu_arg arg{getpid(), 0, 0};
  const int fd = bpf_program__fd(sched_->skeleton()->progs.scxx_select_cpu);
  bpf_test_run_opts without_size{}; // what LIBBPF_OPTS builds, without its C99 literal
  without_size.sz = sizeof(without_size);
  without_size.ctx_in = &arg;
  EXPECT_NE(bpf_prog_test_run_opts(fd, &without_size), 0);
  EXPECT_EQ(errno, EINVAL);

  const int cpu = sched_->select_cpu(getpid(), 0);
  if (access("/sys/kernel/sched_ext", F_OK) == 0) {
    // With sched_ext but no scheduler attached the idle kfuncs refuse.
    EXPECT_LT(cpu, 0);
  } else {
    EXPECT_EQ(cpu, -EOPNOTSUPP) << "no sched_ext: the program must say so, not guess";
  }
}

TEST_F(ChannelTest, AgentLoopCarriesTasksThroughThePolicyAndBack) {
  PolicyContext context;
  auto policy = make_policy("fifo", context);
  AgentLoop loop(*sched_, *policy, context);
  ASSERT_EQ(sched_->test_produce(300, 2000), 300);
  while (loop.step() == AgentLoop::StepResult::kMoved) {
  }
  const AgentLoopCounters c = loop.counters();
  EXPECT_EQ(c.tasks_received, 300U);
  EXPECT_EQ(c.decisions_sent, 300U);
  EXPECT_EQ(sched_->test_drain(0), 300);
  // FIFO order survives the whole trip: the last 64 recorded are 2236..2299.
  for (size_t i = 236; i < 300; ++i) {
    EXPECT_EQ(drained(i).pid, 2000 + static_cast<int>(i));
    EXPECT_EQ(drained(i).enq_cnt, static_cast<uint64_t>(i));
  }
  EXPECT_EQ(sched_->stats().nr_dispatch_submitted, 300U);
  EXPECT_EQ(sched_->stats().nr_dispatch_consumed, 300U);
}

// --agent-spin-us: a message already queued is found by the spin, without
// a sleep; with nothing queued the agent spins its bound, then sleeps.
TEST(ChannelSpin, TheSpinFindsWorkAndOtherwiseEndsInTheSleep) {
  if (geteuid() != 0) {
    GTEST_SKIP() << "host-bpf tests need root (CAP_BPF) to load BPF programs";
  }
  SchedulerOptions opts;
  opts.channel_only = true;
  opts.agent_yield = false; // the spin belongs to the ring wake-up
  opts.agent_spin_ns = 2 * kNsecPerMsec;
  BpfScheduler sched(opts);
  ASSERT_EQ(sched.test_produce(1, 500, /*wake_consumer=*/false), 1);
  EXPECT_TRUE(sched.wait_for_work(100));
  EXPECT_EQ(sched.stats().nr_spin_wakeups, 1U);
  std::vector<QueuedTask> out(8);
  ASSERT_EQ(sched.dequeue(out), 1U);

  const uint64_t t0 = sched.now_ns();
  EXPECT_FALSE(sched.wait_for_work(1)) << "nothing was queued";
  const uint64_t waited = sched.now_ns() - t0;
  EXPECT_GE(waited, 2 * kNsecPerMsec) << "the spin ends at its bound, then the sleep";
  EXPECT_EQ(sched.stats().nr_spin_wakeups, 1U);
}

// Yield wake-up, the agent's half (bpf/agent_wakeup.bpf.h): every step
// clears agent_needed before it reads the ring, so BPF sets it again for
// any later message; waiting registers the loop's thread and yields, it
// never blocks.
TEST(YieldWakeup, DequeueClearsTheFlagAndWaitingRegistersTheLoopThread) {
  if (geteuid() != 0) {
    GTEST_SKIP() << "host-bpf tests need root (CAP_BPF) to load BPF programs";
  }
  SchedulerOptions opts;
  opts.channel_only = true;
  opts.agent_yield = true;
  BpfScheduler sched(opts);
  auto *bss = sched.skeleton()->bss;
  ASSERT_EQ(sched.test_produce(2, 700, /*wake_consumer=*/false), 2);
  bss->agent_needed = 1;
  std::vector<QueuedTask> out(8);
  ASSERT_EQ(sched.dequeue(out), 2U);
  EXPECT_EQ(bss->agent_needed, 0U) << "cleared before the ring was read";

  EXPECT_EQ(bss->agent_loop_pid, 0);
  const uint64_t t0 = sched.now_ns();
  EXPECT_FALSE(sched.wait_for_work(100)) << "nothing was queued";
  EXPECT_LT(sched.now_ns() - t0, 50 * kNsecPerMsec) << "a yield, not a 100 ms sleep";
  EXPECT_EQ(bss->agent_loop_pid, static_cast<int32_t>(gettid()));
  EXPECT_EQ(bss->agent_idle, 0U) << "idle only while yielding";

  ASSERT_EQ(sched.test_produce(1, 800, /*wake_consumer=*/false), 1);
  EXPECT_TRUE(sched.wait_for_work(100)) << "a message waits: the wait says so";
}

} // namespace
} // namespace scxx
