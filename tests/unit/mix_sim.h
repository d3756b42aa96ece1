// A deterministic little machine for "steady mix" tests: C CPUs, some
// CPU-bound tasks that never sleep and some interactive ones that run a
// short burst and sleep. It drives a Policy the way the agent does (queue
// what became runnable, pick for every idle CPU) and records, for every
// time a task was queued, how long it waited before it was dispatched.
//
// Simplifications: a CPU picks only when idle (no dispatch queue ahead),
// nothing preempts, all CPUs are interchangeable.
#pragma once

#include "policy/policy.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace scxx::test {

struct MixParams {
  int cpus = 2;
  int cpu_bound = 4;
  int interactive = 6;
  uint64_t burst_ns = 300 * kNsecPerUsec; // interactive work between sleeps
  uint64_t sleep_ns = 4 * kNsecPerMsec;
  uint64_t duration_ns = 5000 * kNsecPerMsec;
  uint64_t default_slice_ns = 20 * kNsecPerMsec; // for Decision::slice_ns == 0

  [[nodiscard]] int nr_tasks() const { return cpu_bound + interactive; }
};

struct MixResult {
  uint64_t max_wait_ns = 0;
  uint64_t dispatches = 0;
  uint64_t min_runs_per_task = 0;
  std::vector<std::string> violations; // waits above the bound, described
};

// bound(task) is evaluated when the task is queued: the longest it may wait.
inline MixResult run_mix(Policy &policy, const MixParams &p,
                         const std::function<uint64_t(const QueuedTask &)> &bound) {
  enum class State { Sleeping, Queued, Running };
  struct SimTask {
    QueuedTask q;
    bool interactive = false;
    State state = State::Queued;
    uint64_t wake_at = 0;
    uint64_t queued_at = 0;
    uint64_t bound = 0;
    uint64_t burst_left = 0;
    uint64_t run_len = 0;
    uint64_t runs = 0;
  };
  struct SimCpu {
    int task = -1;
    uint64_t end = 0;
  };

  std::vector<SimTask> tasks(static_cast<size_t>(p.nr_tasks()));
  std::vector<SimCpu> cpus(static_cast<size_t>(p.cpus));
  MixResult result;
  uint64_t now = 0;

  auto check_wait = [&](const SimTask &t) {
    const uint64_t wait = now - t.queued_at;
    result.max_wait_ns = std::max(result.max_wait_ns, wait);
    if (wait > t.bound && result.violations.size() < 10) {
      result.violations.push_back("pid " + std::to_string(t.q.pid) + " waited " +
                                  std::to_string(wait) + " ns > bound " + std::to_string(t.bound) +
                                  " ns at " + std::to_string(now));
    }
  };
  auto queue = [&](SimTask &t, uint64_t flags) {
    t.q.flags = flags;
    t.q.enq_cnt++;
    t.state = State::Queued;
    t.queued_at = now;
    t.bound = bound(t.q);
    policy.on_queued(t.q);
  };
  auto dispatch = [&] {
    for (SimCpu &cpu : cpus) {
      if (cpu.task >= 0) {
        continue;
      }
      const std::optional<Decision> d = policy.pick_next();
      if (!d) {
        return;
      }
      const auto idx = static_cast<size_t>(d->pid - 100);
      SimTask &t = tasks.at(idx);
      if (t.state != State::Queued || d->enq_cnt != t.q.enq_cnt) {
        result.violations.push_back("stale decision for pid " + std::to_string(d->pid));
        continue;
      }
      check_wait(t);
      uint64_t run = d->slice_ns != 0 ? d->slice_ns : p.default_slice_ns;
      if (t.interactive) {
        run = std::min(run, t.burst_left);
      }
      t.state = State::Running;
      t.run_len = run;
      t.q.start_ts = now;
      cpu.task = static_cast<int>(idx);
      cpu.end = now + run;
      ++result.dispatches;
    }
  };

  for (size_t i = 0; i < tasks.size(); ++i) {
    SimTask &t = tasks[i];
    t.q.pid = static_cast<int32_t>(100 + i);
    t.q.tgid = t.q.pid;
    t.q.nr_cpus_allowed = static_cast<uint32_t>(p.cpus);
    t.interactive = i >= static_cast<size_t>(p.cpu_bound);
    t.burst_left = p.burst_ns;
    queue(t, kQueuedWakeup);
  }
  dispatch();

  while (now < p.duration_ns) {
    uint64_t next = std::numeric_limits<uint64_t>::max();
    for (const SimCpu &cpu : cpus) {
      if (cpu.task >= 0) {
        next = std::min(next, cpu.end);
      }
    }
    for (const SimTask &t : tasks) {
      if (t.state == State::Sleeping) {
        next = std::min(next, t.wake_at);
      }
    }
    if (next == std::numeric_limits<uint64_t>::max()) {
      result.violations.emplace_back("nothing runs and nothing sleeps: tasks lost");
      break;
    }
    now = next;

    for (SimCpu &cpu : cpus) { // runs that end now
      if (cpu.task < 0 || cpu.end != now) {
        continue;
      }
      SimTask &t = tasks[static_cast<size_t>(cpu.task)];
      cpu.task = -1;
      t.q.stop_ts = now;
      t.q.exec_runtime += t.run_len;
      ++t.runs;
      if (t.interactive) {
        t.burst_left -= t.run_len;
        if (t.burst_left == 0) {
          t.state = State::Sleeping;
          t.wake_at = now + p.sleep_ns;
          t.burst_left = p.burst_ns;
          continue;
        }
      }
      queue(t, 0);
    }
    for (SimTask &t : tasks) { // wake-ups due now
      if (t.state == State::Sleeping && t.wake_at == now) {
        t.q.exec_runtime = 0;
        queue(t, kQueuedWakeup);
      }
    }
    dispatch();
  }

  // Tasks still waiting at the end count too.
  result.min_runs_per_task = std::numeric_limits<uint64_t>::max();
  for (const SimTask &t : tasks) {
    if (t.state == State::Queued) {
      check_wait(t);
    }
    result.min_runs_per_task = std::min(result.min_runs_per_task, t.runs);
  }
  return result;
}

} // namespace scxx::test
