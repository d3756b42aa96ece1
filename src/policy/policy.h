// The Policy interface: what every scxx scheduling policy implements.
//
// A policy never sees libbpf or the kernel. The agent loop hands it tasks
// that became runnable (on_queued) and asks it, again and again, which task
// to run next and where (pick_next). The same policy object runs on a real
// sched_ext kernel (src/core) and in tests (agent/policy_driver.h).
#pragma once

#include "policy/task.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace scxx {

// Receives the tasks a policy gives up when scxx switches to another policy
// while it runs (Policy::hand_over).
class HeldTaskSink {
public:
  virtual void take(const QueuedTask &task) = 0;

protected:
  HeldTaskSink() = default;
  HeldTaskSink(const HeldTaskSink &) = default;
  HeldTaskSink &operator=(const HeldTaskSink &) = default;
  ~HeldTaskSink() = default;
};

class Policy {
public:
  Policy() = default;
  Policy(const Policy &) = delete;
  Policy &operator=(const Policy &) = delete;
  virtual ~Policy() = default;

  // Short lower-case name ("fifo", "vtime", "gthulhu").
  [[nodiscard]] virtual std::string_view name() const = 0;

  // A task became runnable and is now the policy's to place. A task is
  // queued at most once at a time: it comes back only after it ran.
  virtual void on_queued(const QueuedTask &task) = 0;

  // The next decision to carry out, or nullopt when the policy holds no
  // task it wants to run now. Called until it returns nullopt or the
  // dispatch channel is full.
  virtual std::optional<Decision> pick_next() = 0;

  // A decision from pick_next could not be delivered (channel full); the
  // policy must offer it again later.
  virtual void on_dispatch_failed(const Decision &decision) = 0;

  // The task exited; forget any state kept for it.
  virtual void on_exiting(int32_t /*pid*/) {}

  // Called once per agent loop iteration with the current monotonic time.
  virtual void on_tick(uint64_t /*now_ns*/) {}

  // Number of tasks the policy holds and has not yet decided.
  [[nodiscard]] virtual size_t nr_queued() const = 0;

  // May BPF place a waking task on an idle CPU itself, without this policy,
  // when the agent holds no task and nothing waits in the shared queue (the
  // fast path; `scheduler.fast_path: policy`, the default, asks here)? It
  // saves a round trip per such wake-up. A policy that must see every task
  // (to account for all of them, or to place each itself) says false.
  [[nodiscard]] virtual bool allows_fast_path() const { return true; }

  // scxx switches to another policy without detaching: give every task held
  // and not yet decided to `sink`, as on_queued received it, and hold none
  // afterwards; return true. The default returns false: the agent loop then
  // drains this policy through pick_next and sends its decisions, so no
  // task is lost either way, but the new policy places only what comes
  // later.
  virtual bool hand_over(HeldTaskSink & /*sink*/) { return false; }

  // Tasks the policy could not hold because its fixed storage was full
  // (see docs/writing-a-policy.md). Nonzero means the storage is undersized;
  // the agent loop places a task whose on_queued raised it on any CPU.
  [[nodiscard]] virtual uint64_t nr_overflow() const { return 0; }
};

} // namespace scxx
