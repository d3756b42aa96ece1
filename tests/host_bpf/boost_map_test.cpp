// host-bpf tier: the task_boosts map and the start-time match of
// lookup_boost on the host kernel, against this thread's real /proc entry.
#include "channel_only_fixture.h"
#include "core/bpf_scheduler.h"
#include "strategy/strategy.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <thread>

namespace scxx {
namespace {

class BoostMapTest : public ChannelOnlyTest {
protected:
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

// A thread started after the process's entry was written has no entry of
// its own, and still gets the process's boost, only while the process is
// the one whose leader started at the entry's start time.
TEST_F(BoostMapTest, ANewThreadGetsItsProcesssBoost) {
  ThreadInfo leader{static_cast<int32_t>(getpid()), static_cast<int32_t>(getpid()), "", "", 0};
  ASSERT_TRUE(ProcScanner("/proc").read_start(leader));
  using Kind = BpfScheduler::GroupKind;
  ASSERT_EQ(sched_->set_group_boost(Kind::kProcess, static_cast<uint64_t>(getpid()), 6, 0,
                                    leader.start_ticks),
            0);
  std::promise<void> done;
  std::promise<int32_t> tid;
  std::thread worker([&] {
    tid.set_value(static_cast<int32_t>(gettid()));
    done.get_future().wait();
  });
  const int32_t new_tid = tid.get_future().get();
  EXPECT_EQ(sched_->test_lookup_boost(new_tid), std::nullopt)
      << "BPF skips the process map while the agent says it is empty";
  sched_->set_group_boost_counts(1, 0);
  EXPECT_EQ(sched_->test_lookup_boost(new_tid), 6U);

  // The entry names another leader (the process id was reused): nothing.
  ASSERT_EQ(sched_->set_group_boost(Kind::kProcess, static_cast<uint64_t>(getpid()), 6, 0,
                                    leader.start_ticks + 1),
            0);
  EXPECT_EQ(sched_->test_lookup_boost(new_tid), std::nullopt);

  // A thread's own entry wins over its process's.
  ASSERT_EQ(sched_->set_group_boost(Kind::kProcess, static_cast<uint64_t>(getpid()), 6, 0,
                                    leader.start_ticks),
            0);
  ThreadInfo self{new_tid, static_cast<int32_t>(getpid()), "", "", 0};
  ASSERT_TRUE(ProcScanner("/proc").read_start(self));
  ASSERT_EQ(sched_->set_boost(new_tid, 2, 0, self.start_ticks), 0);
  EXPECT_EQ(sched_->test_lookup_boost(new_tid), 2U);
  EXPECT_EQ(sched_->clear_boost(new_tid), 0);
  EXPECT_EQ(sched_->clear_group_boost(Kind::kProcess, static_cast<uint64_t>(getpid())), 0);
  EXPECT_EQ(sched_->test_lookup_boost(new_tid), std::nullopt);
  done.set_value();
  worker.join();
}

// The cgroup v2 directory of this process, from /proc/self/cgroup.
std::string own_cgroup() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("0::")) {
      return line.substr(3);
    }
  }
  return {};
}

TEST_F(BoostMapTest, AThreadGetsItsCgroupsBoostByTheDirectorysInode) {
  const std::string path = own_cgroup();
  struct stat st {};
  if (path.empty() || ::stat(("/sys/fs/cgroup" + path).c_str(), &st) != 0) {
    GTEST_SKIP() << "no cgroup v2 hierarchy at /sys/fs/cgroup";
  }
  using Kind = BpfScheduler::GroupKind;
  const auto tid = static_cast<int32_t>(gettid());
  ASSERT_EQ(sched_->set_group_boost(Kind::kCgroup, st.st_ino, 9, 0, 0), 0);
  sched_->set_group_boost_counts(0, 1);
  EXPECT_EQ(sched_->test_lookup_boost(tid), 9U);
  // With a process entry as well, the higher priority applies.
  ThreadInfo leader{static_cast<int32_t>(getpid()), static_cast<int32_t>(getpid()), "", "", 0};
  ASSERT_TRUE(ProcScanner("/proc").read_start(leader));
  ASSERT_EQ(sched_->set_group_boost(Kind::kProcess, static_cast<uint64_t>(getpid()), 12, 0,
                                    leader.start_ticks),
            0);
  sched_->set_group_boost_counts(1, 1);
  EXPECT_EQ(sched_->test_lookup_boost(tid), 12U);
  EXPECT_EQ(sched_->clear_group_boost(Kind::kProcess, static_cast<uint64_t>(getpid())), 0);
  EXPECT_EQ(sched_->test_lookup_boost(tid), 9U);
  // Another cgroup's id: nothing.
  EXPECT_EQ(sched_->clear_group_boost(Kind::kCgroup, st.st_ino), 0);
  ASSERT_EQ(sched_->set_group_boost(Kind::kCgroup, st.st_ino + 1000000, 9, 0, 0), 0);
  EXPECT_EQ(sched_->test_lookup_boost(tid), std::nullopt);
}

} // namespace
} // namespace scxx
