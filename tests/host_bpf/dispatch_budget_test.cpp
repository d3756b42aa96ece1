// host-bpf tier: the loops of ops.dispatch that insert tasks stop at the
// dispatch slots the kernel gives and go on at the next call, losing nothing
// (bpf/dispatch_budget.bpf.h). Driven through the channel self-test
// programs, which instantiate the very same loops with a recording action.
#include "channel_only_fixture.h"
#include "core/bpf_scheduler.h"
#include "scxx_sched.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <memory>

namespace scxx {
namespace {

// The slots ops.dispatch keeps for the parked agent (SCXX_DISPATCH_RESERVE).
constexpr int64_t kReserve = 1;

class DispatchBudgetTest : public ChannelOnlyTest {
protected:
  void submit_decisions(int count, int32_t pid_base) {
    for (int i = 0; i < count; ++i) {
      Decision d;
      d.pid = pid_base + i;
      d.cpu = kAnyCpu;
      d.enq_cnt = static_cast<uint64_t>(i);
      ASSERT_TRUE(sched_->dispatch(d)) << "decision " << i;
    }
  }
};

// More decisions than one ops.dispatch may insert: each call carries out
// exactly what its slots allow and leaves the rest in the ring, in order.
TEST_F(DispatchBudgetTest, DrainStopsAtTheSlotsAndResumes) {
  constexpr int kDecisions = 1200;
  constexpr uint32_t kSlots = SCXX_DISPATCH_BATCH; // the kernel's whole batch
  submit_decisions(kDecisions, 10000);
  int64_t total = 0;
  int calls = 0;
  while (total < kDecisions) {
    const int64_t n = sched_->test_drain(kSlots);
    ASSERT_GT(n, 0) << "a call with slots left carried out nothing";
    EXPECT_LE(n, static_cast<int64_t>(kSlots) - kReserve) << "call " << calls;
    total += n;
    ++calls;
    ASSERT_LT(calls, 10);
  }
  EXPECT_EQ(total, kDecisions) << "a decision was read and lost between calls";
  EXPECT_EQ(calls, 3); // 511 + 511 + 178
  EXPECT_EQ(sched_->test_drain(kSlots), 0);
  // The ring is FIFO across the calls: the last 64 recorded are the last 64 sent.
  const auto &bss = *sched_->skeleton()->bss;
  for (uint64_t i = kDecisions - 64; i < kDecisions; ++i) {
    EXPECT_EQ(bss.test_drained[i % 64].pid, 10000 + static_cast<int32_t>(i));
  }
}

// With only the reserve left the drain reads nothing at all.
TEST_F(DispatchBudgetTest, DrainWithOnlyTheReserveReadsNothing) {
  submit_decisions(5, 20000);
  EXPECT_EQ(sched_->test_drain(static_cast<uint32_t>(kReserve)), 0);
  EXPECT_EQ(sched_->test_drain(2), 1);
  EXPECT_EQ(sched_->test_drain(0), 4);
}

// The take-back of a stalled agent's tasks walks the custody map within the
// slots, and the next calls take the rest, each task exactly once.
TEST_F(DispatchBudgetTest, TakeBackStopsAtTheSlotsAndResumes) {
  constexpr int kHeld = 3000;
  const int fd = bpf_map__fd(sched_->skeleton()->maps.custody);
  uint64_t pid_sum = 0;
  for (int32_t pid = 1; pid <= kHeld; ++pid) {
    const uint64_t gen = 7;
    ASSERT_EQ(bpf_map_update_elem(fd, &pid, &gen, BPF_ANY), 0);
    pid_sum += static_cast<uint64_t>(pid);
  }
  constexpr uint32_t kSlots = 32;
  int64_t total = 0;
  int calls = 0;
  while (total < kHeld) {
    const int64_t n = sched_->test_take_back(kSlots);
    ASSERT_EQ(n, std::min<int64_t>(kSlots - kReserve, kHeld - total)) << "call " << calls;
    total += n;
    ++calls;
    ASSERT_LT(calls, 200);
  }
  EXPECT_EQ(calls, (kHeld + 30) / 31);
  EXPECT_EQ(sched_->skeleton()->bss->test_taken_pid_sum, pid_sum)
      << "every held task taken back exactly once";
  int32_t key = 0;
  EXPECT_NE(bpf_map_get_next_key(fd, nullptr, &key), 0) << "custody is empty after the walk";
}

} // namespace
} // namespace scxx
