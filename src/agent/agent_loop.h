// The agent's hot loop: drain queued tasks into the Policy, send its
// decisions back in batches, sleep on the ring when there is nothing to do.
// Allocates nothing after construction. Header-only and free of libbpf, so
// a policy's tests (agent/policy_driver.h) run the very same loop against a
// simulated machine.
#pragma once

#include "agent/backend.h"
#include "policy/policy.h"
#include "policy/policy_context.h"

#include <array>
#include <atomic>
#include <cstdint>

namespace scxx {

// A switch to another policy while the loop runs, asked for from another
// thread (AgentLoop::offer_switch) and carried out by the loop at its next
// step: every task the old policy holds goes to the new one
// (Policy::hand_over), or, if the old one cannot hand tasks over, the loop
// keeps deciding them through its pick_next until it holds none. The asking
// thread owns both policies and may free the old one once `retired` is set.
struct PolicySwitch {
  Policy *next = nullptr;
  PolicyContext *next_context = nullptr; // the one `next` was built with
  // Written by the loop before it sets `taken`:
  uint64_t at_ns = 0;               // when it took the switch (Backend::now_ns)
  uint64_t pause_ns = 0;            // how long it decided nothing meanwhile
  uint64_t handed_over = 0;         // tasks given from the old policy to the new
  bool drained = false;             // the old policy could not hand over: drained instead
  std::atomic<bool> taken{false};   // the loop runs `next` now
  std::atomic<bool> retired{false}; // and no longer touches the old policy
};

struct AgentLoopCounters {
  uint64_t iterations = 0;
  uint64_t tasks_received = 0;
  uint64_t exits_received = 0;
  uint64_t decisions_sent = 0;
  uint64_t dispatch_full = 0; // decisions refused by a full channel
  uint64_t sleeps = 0;        // times the loop blocked waiting for work
  uint64_t overflow_sent = 0; // tasks the policy had no room for, placed by the loop
};

class AgentLoop {
public:
  // Decisions per step: what one ops.dispatch can insert
  // (SCXX_DISPATCH_BATCH, checked in core/wire_format.h).
  static constexpr size_t kBatch = 512;
  // How long to sleep when idle: only a bound, the ring wakes the loop.
  static constexpr int kIdleTimeoutMs = 100;
  // How long to back off when the dispatch channel is full.
  static constexpr int kFullBackoffMs = 1;

  // `context` is the one the policy was built with: the loop keeps its
  // time current.
  AgentLoop(Backend &backend, Policy &policy, PolicyContext &context)
      : backend_(backend), policy_(&policy), context_(&context) {}

  // Runs until `stop` becomes true or the scheduler exits.
  void run(const std::atomic<bool> &stop);
  enum class StepResult { kIdle, kMoved, kChannelFull };
  // One iteration without sleeping.
  StepResult step();

  // Counters may be read from another thread while run() goes on.
  [[nodiscard]] AgentLoopCounters counters() const;

  // From another thread: asks the loop to switch to `sw.next` at its next
  // step. False when another switch is still pending. `sw` must stay alive
  // until `sw.taken`, or until withdraw_switch returned true.
  bool offer_switch(PolicySwitch &sw);
  // Takes back a switch the loop has not taken yet; false if it took it.
  bool withdraw_switch(PolicySwitch &sw);

private:
  // Hands the old policy's tasks to the new one (Policy::hand_over).
  class HandOver final : public HeldTaskSink {
  public:
    explicit HandOver(AgentLoop &loop) : loop_(loop) {}
    void take(const QueuedTask &task) override;
    uint64_t count = 0;

  private:
    AgentLoop &loop_;
  };

  // The new policy gets `task`; the loop places it if the policy has no room.
  void queue_task(const QueuedTask &task);
  // Keeps a decision for a task no policy could hold; sends it at once
  // (waiting for room in the channel) when the overflow store is full.
  void place_overflow(const Decision &decision);
  void switch_policy(PolicySwitch &sw, uint64_t now);
  // Decisions of a policy switched away from that could not hand over its
  // tasks; returns false if the channel filled up.
  bool drain_retiring(uint64_t &sent);

  Backend &backend_;
  Policy *policy_;
  PolicyContext *context_;
  std::atomic<PolicySwitch *> pending_switch_{nullptr};
  Policy *retiring_ = nullptr; // the old policy, still holding tasks
  PolicySwitch *retiring_switch_ = nullptr;
  // Sends what the policy had no room for; false if the channel is full.
  bool send_overflow();

  std::array<QueuedTask, kBatch> batch_{};
  // Decisions for tasks the policy could not hold, not yet sent: at most one
  // batch, as the loop reads no more tasks while any wait here.
  std::array<Decision, kBatch> overflow_{};
  size_t nr_overflow_ = 0;
  uint64_t last_key_ = 0; // key of the latest decision sent
  // Added to the keys of the policy deciding now (and of the one being
  // drained): each policy counts its keys from its own start, and the
  // kernel orders every queued decision by key, so a new policy's keys
  // continue from the last key sent. Without it, a policy whose clock
  // starts at 0 would queue every new decision ahead of all those the old
  // one sent, and those would wait for the starvation guard.
  uint64_t key_offset_ = 0;
  uint64_t retiring_key_offset_ = 0;
  // Sends one decision of `policy` with its keys shifted by `offset`; a
  // refused one goes back to the policy with its own key. False when the
  // channel is full.
  bool send(Policy &policy, Decision decision, uint64_t offset);
  std::atomic<uint64_t> iterations_{0}, tasks_received_{0}, exits_received_{0}, decisions_sent_{0},
      dispatch_full_{0}, sleeps_{0}, overflow_sent_{0};
};

inline bool AgentLoop::send_overflow() {
  size_t sent = 0;
  while (sent < nr_overflow_ && backend_.dispatch(overflow_[sent])) {
    ++sent;
  }
  // Keep the rest, in order, for the next step.
  for (size_t i = sent; i < nr_overflow_; ++i) {
    overflow_[i - sent] = overflow_[i];
  }
  nr_overflow_ -= sent;
  overflow_sent_.fetch_add(sent, std::memory_order_relaxed);
  return nr_overflow_ == 0;
}

inline bool AgentLoop::offer_switch(PolicySwitch &sw) {
  PolicySwitch *none = nullptr;
  return pending_switch_.compare_exchange_strong(none, &sw, std::memory_order_acq_rel);
}

inline bool AgentLoop::withdraw_switch(PolicySwitch &sw) {
  PolicySwitch *expected = &sw;
  return pending_switch_.compare_exchange_strong(expected, nullptr, std::memory_order_acq_rel);
}

inline void AgentLoop::place_overflow(const Decision &decision) {
  if (nr_overflow_ < overflow_.size()) {
    overflow_[nr_overflow_++] = decision;
    return;
  }
  // Only when a policy holds fewer tasks than the one it replaced: the
  // task must still run, so wait for room in the channel.
  while (!backend_.dispatch(decision) && !backend_.exited()) {
    dispatch_full_.fetch_add(1, std::memory_order_relaxed);
    backend_.wait_for_work(kFullBackoffMs);
  }
  overflow_sent_.fetch_add(1, std::memory_order_relaxed);
}

inline void AgentLoop::queue_task(const QueuedTask &t) {
  const uint64_t overflow_before = policy_->nr_overflow();
  policy_->on_queued(t);
  if (policy_->nr_overflow() != overflow_before) {
    place_overflow(
        Decision{.pid = t.pid, .cpu = kAnyCpu, .vtime = last_key_, .enq_cnt = t.enq_cnt});
  }
}

inline void AgentLoop::HandOver::take(const QueuedTask &task) {
  loop_.queue_task(task);
  ++count;
}

inline bool AgentLoop::send(Policy &policy, Decision decision, uint64_t offset) {
  decision.vtime += offset;
  if (!backend_.dispatch(decision)) {
    decision.vtime -= offset;
    policy.on_dispatch_failed(decision);
    return false;
  }
  last_key_ = decision.vtime;
  return true;
}

inline void AgentLoop::switch_policy(PolicySwitch &sw, uint64_t now) {
  Policy &old = *policy_;
  retiring_key_offset_ = key_offset_;
  key_offset_ = last_key_;
  policy_ = sw.next;
  context_ = sw.next_context;
  context_->set_now_ns(now);
  HandOver hand_over(*this);
  const bool handed = old.hand_over(hand_over);
  sw.handed_over = hand_over.count;
  sw.drained = !handed;
  sw.at_ns = now;
  sw.pause_ns = backend_.now_ns() - now;
  if (!handed) {
    retiring_ = &old; // decided through its own pick_next from now on
    retiring_switch_ = &sw;
  }
  sw.taken.store(true, std::memory_order_release);
  if (handed) {
    sw.retired.store(true, std::memory_order_release);
  }
}

inline bool AgentLoop::drain_retiring(uint64_t &sent) {
  retiring_->on_tick(context_->now_ns());
  while (sent < kBatch) {
    const auto decision = retiring_->pick_next();
    if (!decision) {
      break;
    }
    if (!send(*retiring_, *decision, retiring_key_offset_)) {
      return false;
    }
    ++sent;
  }
  if (retiring_->nr_queued() == 0) {
    retiring_ = nullptr;
    retiring_switch_->retired.store(true, std::memory_order_release);
    retiring_switch_ = nullptr;
  }
  return true;
}

inline AgentLoop::StepResult AgentLoop::step() {
  // One clock read per step: fresh for on_queued, and the same time
  // on_tick gets.
  const uint64_t now = backend_.now_ns();
  context_->set_now_ns(now);
  // Tasks the policy had no room for still must run: the loop places them
  // itself (any CPU, default slice, queued with the latest decision's key)
  // before anything new is read.
  bool full = !send_overflow();
  const size_t n = full ? 0 : backend_.dequeue(batch_);
  uint64_t exits = 0;
  for (size_t i = 0; i < n; ++i) {
    const QueuedTask &t = batch_[i];
    if ((t.flags & kQueuedExiting) != 0) {
      policy_->on_exiting(t.pid);
      if (retiring_ != nullptr) {
        retiring_->on_exiting(t.pid);
      }
      ++exits;
      continue;
    }
    queue_task(t);
  }
  // A switch goes here, after this batch reached the policy and before it
  // decides any of it: the new policy makes the batch's decisions, and what
  // the old one held (this batch and anything left over) is handed over. It
  // waits while a policy switched away from still has tasks to decide.
  if (retiring_ == nullptr && pending_switch_.load(std::memory_order_relaxed) != nullptr) {
    if (PolicySwitch *sw = pending_switch_.exchange(nullptr, std::memory_order_acq_rel)) {
      switch_policy(*sw, now);
    }
  }
  policy_->on_tick(now);
  if (!full && nr_overflow_ != 0) {
    full = !send_overflow();
  }

  uint64_t sent = 0;
  // The tasks of a policy switched away from came first.
  if (!full && retiring_ != nullptr) {
    full = !drain_retiring(sent);
  }
  while (!full && sent < kBatch) {
    const auto decision = policy_->pick_next();
    if (!decision) {
      break;
    }
    if (!send(*policy_, *decision, key_offset_)) {
      full = true;
      break;
    }
    ++sent;
  }
  const size_t held = policy_->nr_queued() + (retiring_ != nullptr ? retiring_->nr_queued() : 0);
  backend_.notify_complete(held, policy_->nr_overflow());

  iterations_.fetch_add(1, std::memory_order_relaxed);
  tasks_received_.fetch_add(n - exits, std::memory_order_relaxed);
  exits_received_.fetch_add(exits, std::memory_order_relaxed);
  decisions_sent_.fetch_add(sent, std::memory_order_relaxed);
  if (full) {
    dispatch_full_.fetch_add(1, std::memory_order_relaxed);
  }
  if (full && n == 0 && sent == 0) {
    return StepResult::kChannelFull;
  }
  return n != 0 || sent != 0 ? StepResult::kMoved : StepResult::kIdle;
}

inline void AgentLoop::run(const std::atomic<bool> &stop) {
  while (!stop.load(std::memory_order_relaxed) && !backend_.exited()) {
    switch (step()) {
    case StepResult::kMoved:
      break;
    case StepResult::kIdle:
      // Nothing moved: block on the ring. Our CPU goes through dispatch
      // meanwhile, which drains the decisions just sent.
      sleeps_.fetch_add(1, std::memory_order_relaxed);
      backend_.wait_for_work(kIdleTimeoutMs);
      break;
    case StepResult::kChannelFull:
      // The kernel drains the channel when CPUs dispatch: give it a moment.
      backend_.wait_for_work(kFullBackoffMs);
      break;
    }
  }
}

inline AgentLoopCounters AgentLoop::counters() const {
  AgentLoopCounters c;
  c.iterations = iterations_.load(std::memory_order_relaxed);
  c.tasks_received = tasks_received_.load(std::memory_order_relaxed);
  c.exits_received = exits_received_.load(std::memory_order_relaxed);
  c.decisions_sent = decisions_sent_.load(std::memory_order_relaxed);
  c.dispatch_full = dispatch_full_.load(std::memory_order_relaxed);
  c.sleeps = sleeps_.load(std::memory_order_relaxed);
  c.overflow_sent = overflow_sent_.load(std::memory_order_relaxed);
  return c;
}

} // namespace scxx
