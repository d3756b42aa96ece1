// host-bpf tier: the task_boosts map and the start-time match of
// lookup_boost on the host kernel, against this thread's real /proc entry.
#include "core/bpf_scheduler.h"
#include "strategy/strategy.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

namespace scxx {
namespace {

class BoostMapTest : public ::testing::Test {
protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "host-bpf tests need root (CAP_BPF) to load BPF programs";
    }
    SchedulerOptions opts;
    opts.channel_only = true;
    sched_ = std::make_unique<BpfScheduler>(opts);
  }
  std::unique_ptr<BpfScheduler> sched_;
};

TEST_F(BoostMapTest, AppliesOnlyToTheThreadThatStartedThen) {
  ThreadInfo self{static_cast<int32_t>(gettid()), static_cast<int32_t>(getpid()), "", "", 0};
  ASSERT_TRUE(ProcScanner("/proc").read_start(self));
  const int32_t tid = self.pid;
  EXPECT_EQ(sched_->test_lookup_boost(tid), std::nullopt);

  // The start time as /proc gives it: BPF rounds start_boottime the same way.
  ASSERT_EQ(sched_->set_boost(tid, 7, 0, self.start_ticks), 0);
  EXPECT_EQ(sched_->test_lookup_boost(tid), 7U);

  // An entry written for another thread that had this id: not this one's.
  ASSERT_EQ(sched_->set_boost(tid, 7, 0, self.start_ticks + 1), 0);
  EXPECT_EQ(sched_->test_lookup_boost(tid), std::nullopt);
  if (self.start_ticks > 0) {
    ASSERT_EQ(sched_->set_boost(tid, 7, 0, self.start_ticks - 1), 0);
    EXPECT_EQ(sched_->test_lookup_boost(tid), std::nullopt);
  }

  EXPECT_EQ(sched_->clear_boost(tid), 0);
  EXPECT_EQ(sched_->test_lookup_boost(tid), std::nullopt);
  EXPECT_EQ(sched_->clear_boost(tid), 0) << "removing a missing entry succeeds";
}

TEST_F(BoostMapTest, AFullMapRefusesANewEntryWithoutThrowing) {
  // Ids above any real pid_max, so no running thread is touched.
  constexpr int32_t kBase = 1 << 23;
  for (int32_t i = 0; i < static_cast<int32_t>(kMaxBoostedTasks); ++i) {
    ASSERT_EQ(sched_->set_boost(kBase + i, 1, 0, 0), 0) << i;
  }
  EXPECT_EQ(sched_->set_boost(kBase - 1, 1, 0, 0), E2BIG);
  // An entry already there can still change, and one freed makes room.
  EXPECT_EQ(sched_->set_boost(kBase, 2, 0, 0), 0);
  EXPECT_EQ(sched_->clear_boost(kBase), 0);
  EXPECT_EQ(sched_->set_boost(kBase - 1, 1, 0, 0), 0);
}

} // namespace
} // namespace scxx
