// Policy::hand_over of every built-in policy: each task held and not yet
// decided comes out once, exactly as on_queued received it, including one
// whose decision came back through on_dispatch_failed; the policy then
// holds nothing.
#include "policy/fifo_policy.h"
#include "policy/gthulhu_policy.h"
#include "policy/vtime_policy.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>

namespace scxx {
namespace {

class Collect final : public HeldTaskSink {
public:
  void take(const QueuedTask &task) override { got[task.pid] = task; }
  std::map<int32_t, QueuedTask> got;
};

QueuedTask task(int32_t pid) {
  QueuedTask t;
  t.pid = pid;
  t.tgid = 1000 + pid;
  t.cpu = pid % 3;
  t.nr_cpus_allowed = 4;
  t.flags = pid % 2 == 0 ? kQueuedWakeup : 0;
  t.exec_runtime = 1000ULL * static_cast<uint64_t>(pid);
  t.weight = 50 + static_cast<uint64_t>(pid);
  t.enq_cnt = 10 + static_cast<uint64_t>(pid);
  t.priority = static_cast<uint32_t>(pid % 5);
  t.comm = {'t', static_cast<char>('0' + pid)};
  return t;
}

bool same(const QueuedTask &a, const QueuedTask &b) {
  return a.pid == b.pid && a.tgid == b.tgid && a.cpu == b.cpu && a.flags == b.flags &&
         a.exec_runtime == b.exec_runtime && a.weight == b.weight && a.enq_cnt == b.enq_cnt &&
         a.priority == b.priority && a.comm == b.comm;
}

class HandOverTest : public ::testing::TestWithParam<const char *> {
protected:
  std::unique_ptr<Policy> make() const {
    const std::string name = GetParam();
    if (name == "fifo") {
      return std::make_unique<FifoPolicy>(PolicyConfig{}, PolicyLimits{});
    }
    if (name == "vtime") {
      return std::make_unique<VtimePolicy>(PolicyConfig{}, PolicyLimits{});
    }
    return std::make_unique<GthulhuPolicy>(PolicyConfig{}, PolicyLimits{});
  }
};

TEST_P(HandOverTest, GivesEveryUndecidedTaskAsItWasQueued) {
  const std::unique_ptr<Policy> policy = make();
  for (int32_t pid = 1; pid <= 6; ++pid) {
    policy->on_queued(task(pid));
  }
  // One decided and gone, one decided and offered again.
  const std::optional<Decision> gone = policy->pick_next();
  ASSERT_TRUE(gone.has_value());
  const std::optional<Decision> back = policy->pick_next();
  ASSERT_TRUE(back.has_value());
  policy->on_dispatch_failed(*back);
  ASSERT_EQ(policy->nr_queued(), 5U);

  Collect sink;
  EXPECT_TRUE(policy->hand_over(sink));
  EXPECT_EQ(policy->nr_queued(), 0U);
  EXPECT_FALSE(policy->pick_next().has_value());
  ASSERT_EQ(sink.got.size(), 5U);
  EXPECT_FALSE(sink.got.contains(gone->pid));
  ASSERT_TRUE(sink.got.contains(back->pid)) << "the re-offered task is handed over too";
  for (const auto &[pid, t] : sink.got) {
    EXPECT_TRUE(same(t, task(pid))) << "pid " << pid;
  }
}

INSTANTIATE_TEST_SUITE_P(BuiltIn, HandOverTest, ::testing::Values("fifo", "vtime", "gthulhu"));

} // namespace
} // namespace scxx
