// A policy switch through the agent loop (AgentLoop::offer_switch): every
// task the old policy held reaches the new one, or is drained through the
// old one's decisions when it cannot hand tasks over; none is lost.
#include "agent/agent_loop.h"
#include "fake_backend.h"
#include "policy/fifo_policy.h"
#include "policy/gthulhu_policy.h"
#include "policy/vtime_policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <set>
#include <vector>

namespace scxx {
namespace {

QueuedTask task(int32_t pid) {
  QueuedTask t;
  t.pid = pid;
  t.tgid = pid;
  t.nr_cpus_allowed = 4;
  t.enq_cnt = 7;
  t.weight = 100 + static_cast<uint64_t>(pid);
  return t;
}

// Holds whatever it is given and decides nothing: what a policy that
// cannot hand over looks like while its tasks wait.
class HoldingPolicy final : public Policy {
public:
  [[nodiscard]] std::string_view name() const override { return "holding"; }
  void on_queued(const QueuedTask &t) override { held.push_back(t); }
  std::optional<Decision> pick_next() override {
    if (!release || held.empty()) {
      return std::nullopt;
    }
    const QueuedTask t = held.front();
    held.erase(held.begin());
    return Decision{.pid = t.pid, .enq_cnt = t.enq_cnt};
  }
  void on_dispatch_failed(const Decision &d) override {
    held.insert(held.begin(), QueuedTask{.pid = d.pid, .enq_cnt = d.enq_cnt});
  }
  [[nodiscard]] size_t nr_queued() const override { return held.size(); }
  std::vector<QueuedTask> held;
  bool release = false;
};

// Records what it receives.
class RecordingPolicy final : public Policy {
public:
  [[nodiscard]] std::string_view name() const override { return "recording"; }
  void on_queued(const QueuedTask &t) override { got.push_back(t); }
  std::optional<Decision> pick_next() override { return std::nullopt; }
  void on_dispatch_failed(const Decision & /*d*/) override {}
  [[nodiscard]] size_t nr_queued() const override { return got.size(); }
  std::vector<QueuedTask> got;
};

TEST(PolicySwitch, GthulhuHandsEveryHeldTaskToTheNewPolicyAsQueued) {
  FakeBackend backend;
  backend.clock_step_ns = 10;
  PolicyContext ctx;
  GthulhuPolicy old(PolicyConfig{}, PolicyLimits{});
  AgentLoop loop(backend, old, ctx);
  backend.capacity = 0; // nothing leaves: gthulhu holds all five
  for (int32_t pid = 1; pid <= 5; ++pid) {
    backend.queued.push_back(task(pid));
  }
  loop.step();
  ASSERT_EQ(old.nr_queued(), 5U);

  RecordingPolicy next;
  PolicyContext next_ctx;
  PolicySwitch sw;
  sw.next = &next;
  sw.next_context = &next_ctx;
  ASSERT_TRUE(loop.offer_switch(sw));
  EXPECT_FALSE(loop.offer_switch(sw)) << "one switch at a time";
  loop.step();
  EXPECT_TRUE(sw.taken.load());
  EXPECT_TRUE(sw.retired.load());
  EXPECT_FALSE(sw.drained);
  EXPECT_EQ(sw.handed_over, 5U);
  EXPECT_EQ(old.nr_queued(), 0U);
  std::set<int32_t> pids;
  for (const QueuedTask &t : next.got) {
    pids.insert(t.pid);
    EXPECT_EQ(t.weight, 100 + static_cast<uint64_t>(t.pid)) << "the task as it was queued";
    EXPECT_EQ(t.enq_cnt, 7U);
  }
  EXPECT_EQ(pids, (std::set<int32_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(backend.pending_reports.back(), 5U);
  EXPECT_FALSE(loop.withdraw_switch(sw)) << "taken already";
}

TEST(PolicySwitch, TheBatchOfTheSwitchStepIsHandedOverAndDecidedByTheNewPolicy) {
  FakeBackend backend;
  backend.clock_step_ns = 10;
  PolicyContext ctx;
  GthulhuPolicy old(PolicyConfig{}, PolicyLimits{});
  AgentLoop loop(backend, old, ctx);
  FifoPolicy next(PolicyConfig{.slice_ns = 3 * kNsecPerMsec, .slice_min_ns = kNsecPerMsec},
                  PolicyLimits{});
  PolicyContext next_ctx;
  PolicySwitch sw;
  sw.next = &next;
  sw.next_context = &next_ctx;
  ASSERT_TRUE(loop.offer_switch(sw));
  backend.queued.push_back(task(1));
  backend.queued.push_back(task(2));
  loop.step();
  EXPECT_EQ(sw.handed_over, 2U);
  ASSERT_EQ(backend.dispatched.size(), 2U);
  for (const Decision &d : backend.dispatched) {
    EXPECT_EQ(d.slice_ns, 3 * kNsecPerMsec) << "fifo's slice: fifo decided pid " << d.pid;
    EXPECT_EQ(d.vtime, 0U) << "fifo's key; nothing was sent before";
  }
}

// The kernel orders all queued decisions by key: a new policy whose keys
// start from 0 must not queue ahead of everything the old one sent.
TEST(PolicySwitch, TheNewPolicysKeysContinueAfterTheLastKeySent) {
  FakeBackend backend;
  backend.clock_step_ns = 10;
  PolicyContext ctx;
  VtimePolicy old(PolicyConfig{}, PolicyLimits{});
  AgentLoop loop(backend, old, ctx);
  QueuedTask ran = task(1);
  ran.start_ts = 0;
  ran.stop_ts = 50 * kNsecPerMsec; // charged 50 ms of virtual time
  backend.queued.push_back(ran);
  loop.step();
  ASSERT_EQ(backend.dispatched.size(), 1U);
  const uint64_t old_key = backend.dispatched[0].vtime;
  ASSERT_GT(old_key, 0U);

  VtimePolicy next(PolicyConfig{}, PolicyLimits{});
  PolicyContext next_ctx;
  PolicySwitch sw;
  sw.next = &next;
  sw.next_context = &next_ctx;
  ASSERT_TRUE(loop.offer_switch(sw));
  backend.queued.push_back(task(2)); // new to both: vtime key 0 in its own count
  loop.step();
  ASSERT_EQ(backend.dispatched.size(), 2U);
  EXPECT_GE(backend.dispatched[1].vtime, old_key);

  // A refused decision goes back with the policy's own key, and comes out
  // shifted again.
  backend.capacity = 2;
  backend.queued.push_back(task(3));
  loop.step();
  backend.capacity = SIZE_MAX;
  loop.step();
  ASSERT_EQ(backend.dispatched.size(), 3U);
  EXPECT_EQ(backend.dispatched[2].pid, 3);
  EXPECT_EQ(backend.dispatched[2].vtime, old_key) << "vtime key 0, shifted by the last key";
}

TEST(PolicySwitch, VtimeToFifoThenEverythingRuns) {
  FakeBackend backend;
  backend.clock_step_ns = 10;
  PolicyContext ctx;
  VtimePolicy old(PolicyConfig{}, PolicyLimits{});
  AgentLoop loop(backend, old, ctx);
  backend.capacity = 2; // two decisions go out, three stay with vtime
  for (int32_t pid = 1; pid <= 5; ++pid) {
    backend.queued.push_back(task(pid));
  }
  loop.step();
  ASSERT_EQ(backend.dispatched.size(), 2U);
  ASSERT_EQ(old.nr_queued(), 3U);

  FifoPolicy next(PolicyConfig{}, PolicyLimits{});
  PolicyContext next_ctx;
  PolicySwitch sw;
  sw.next = &next;
  sw.next_context = &next_ctx;
  ASSERT_TRUE(loop.offer_switch(sw));
  backend.capacity = SIZE_MAX;
  loop.step();
  EXPECT_EQ(sw.handed_over, 3U);
  std::set<int32_t> pids;
  for (const Decision &d : backend.dispatched) {
    EXPECT_TRUE(pids.insert(d.pid).second) << "pid " << d.pid << " decided twice";
  }
  EXPECT_EQ(pids, (std::set<int32_t>{1, 2, 3, 4, 5}));
}

TEST(PolicySwitch, APolicyThatCannotHandOverIsDrainedThroughItsDecisions) {
  FakeBackend backend;
  backend.clock_step_ns = 10;
  PolicyContext ctx;
  HoldingPolicy old;
  AgentLoop loop(backend, old, ctx);
  backend.queued.push_back(task(1));
  backend.queued.push_back(task(2));
  loop.step();
  ASSERT_EQ(old.nr_queued(), 2U);

  FifoPolicy next(PolicyConfig{}, PolicyLimits{});
  PolicyContext next_ctx;
  PolicySwitch sw;
  sw.next = &next;
  sw.next_context = &next_ctx;
  ASSERT_TRUE(loop.offer_switch(sw));
  loop.step();
  EXPECT_TRUE(sw.taken.load());
  EXPECT_TRUE(sw.drained);
  EXPECT_FALSE(sw.retired.load()) << "the old policy still holds two tasks";
  EXPECT_EQ(backend.pending_reports.back(), 2U) << "held by the old policy, still reported";
  backend.queued.push_back(task(3)); // after the switch: the new policy's
  loop.step();
  ASSERT_EQ(backend.dispatched.size(), 1U);
  EXPECT_EQ(backend.dispatched[0].pid, 3);

  // A second switch waits until the first policy is empty.
  PolicySwitch later;
  later.next = &next;
  later.next_context = &next_ctx;
  ASSERT_TRUE(loop.offer_switch(later));
  loop.step();
  EXPECT_FALSE(later.taken.load());

  old.release = true;
  loop.step();
  EXPECT_TRUE(sw.retired.load());
  EXPECT_EQ(backend.dispatched.size(), 3U);
  EXPECT_EQ(backend.dispatched[1].pid, 1);
  EXPECT_EQ(backend.dispatched[2].pid, 2);
  EXPECT_TRUE(loop.withdraw_switch(later)) << "not taken yet: can be withdrawn";
}

} // namespace
} // namespace scxx
