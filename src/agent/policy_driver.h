// Runs a Policy the way scxx does on a real machine, in simulated time, for
// a policy's unit tests: the real AgentLoop (agent/agent_loop.h) steps the
// policy (on_queued, on_tick, pick_next, the context's clock), and a small
// model of the kernel side carries out its decisions the way bpf/scxx.bpf.c
// does: per-CPU and shared queues ordered by Decision::vtime across every
// batch, a CPU taking the earlier head of its own queue and the shared one,
// stale decisions (old enq_cnt) dropped, slices that expire and send the
// task back through the agent, sleepers that wake up.
//
// Not modelled: wakeup preemption, the BPF shortcuts (idle CPUs,
// strategies), the starvation guard, the cost of a round trip. The
// simulator of the policy lab models those; this driver answers "does my
// policy order and place tasks the way I think, with the kernel's rules".
//
// Header-only, no libbpf: include it from a test built against scxx's
// installed headers (find_package(scxx)).
#pragma once

#include "agent/agent_loop.h"
#include "policy/policy.h"
#include "policy/policy_context.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

namespace scxx::policy_test {

// One simulated task: runs `burst_ns`, sleeps `sleep_ns`, again and again.
// burst_ns 0 means CPU-bound (never sleeps).
struct SimTask {
  int32_t pid = 0;
  uint64_t burst_ns = 0;
  uint64_t sleep_ns = 0;
  uint64_t weight = kWeightDefault;
  int32_t only_cpu = -1; // pinned to this CPU, -1: any
};

struct DriverResult {
  uint64_t max_wait_ns = 0; // longest runnable-to-running wait of any task
  uint64_t dispatches = 0;  // decisions that ran
  uint64_t stale = 0;       // decisions dropped because the task was queued again
  uint64_t min_runs_per_task = 0;
  std::map<int32_t, uint64_t> cpu_ns;  // CPU time per pid
  std::vector<std::string> violations; // waits above the caller's bound, lost tasks
};

class PolicyDriver {
public:
  // The context must be the one `policy` was built with.
  PolicyDriver(Policy &policy, PolicyContext &context, int nr_cpus,
               uint64_t default_slice_ns = PolicyConfig{}.slice_ns)
      : kernel_(*this), loop_(kernel_, policy, context), cpus_(static_cast<size_t>(nr_cpus)),
        default_slice_ns_(default_slice_ns) {}

  void add_task(const SimTask &spec) {
    Task t;
    t.spec = spec;
    t.q.pid = spec.pid;
    t.q.tgid = spec.pid;
    t.q.weight = spec.weight;
    t.q.nr_cpus_allowed = spec.only_cpu >= 0 ? 1 : static_cast<uint32_t>(cpus_.size());
    t.q.cpu = spec.only_cpu >= 0 ? spec.only_cpu : 0;
    t.burst_left = spec.burst_ns;
    tasks_.push_back(t);
    queue(tasks_.back(), kQueuedWakeup);
  }

  // Runs until `duration_ns` of simulated time passed. `bound(task)`, asked
  // when a task is queued, is the longest it may wait; 0: no bound.
  DriverResult run(uint64_t duration_ns,
                   const std::function<uint64_t(const QueuedTask &)> &bound = {}) {
    bound_ = bound;
    const uint64_t end = now_ + duration_ns;
    schedule();
    while (now_ < end) {
      uint64_t next = std::numeric_limits<uint64_t>::max();
      for (const Cpu &cpu : cpus_) {
        if (cpu.task >= 0) {
          next = std::min(next, cpu.end);
        }
      }
      for (const Task &t : tasks_) {
        if (t.state == State::kSleeping) {
          next = std::min(next, t.wake_at);
        }
      }
      if (held() != 0) {
        // A policy holding tasks back is asked again when the real agent
        // would wake up without news: after its idle timeout.
        next = std::min(next, now_ + AgentLoop::kIdleTimeoutMs * kNsecPerMsec);
      }
      if (next == std::numeric_limits<uint64_t>::max()) {
        if (pending_ != 0) {
          violation("tasks are runnable but nothing runs: a decision was lost");
        }
        break;
      }
      now_ = next;
      finish_runs();
      wake_sleepers();
      schedule();
    }
    result_.min_runs_per_task = std::numeric_limits<uint64_t>::max();
    for (const Task &t : tasks_) {
      if (t.state == State::kQueued) {
        check_wait(t); // still waiting at the end counts too
      }
      result_.min_runs_per_task = std::min(result_.min_runs_per_task, t.runs);
      result_.cpu_ns[t.spec.pid] = t.cpu_ns;
    }
    return result_;
  }

  [[nodiscard]] uint64_t now_ns() const { return now_; }
  [[nodiscard]] const AgentLoop &loop() const { return loop_; }

private:
  enum class State { kQueued, kRunning, kSleeping };
  struct Task {
    SimTask spec;
    QueuedTask q;
    State state = State::kQueued;
    uint64_t queued_at = 0;
    uint64_t bound = 0;
    uint64_t wake_at = 0;
    uint64_t burst_left = 0;
    uint64_t run_len = 0;
    uint64_t runs = 0;
    uint64_t cpu_ns = 0;
    bool in_agent = false; // queued message not yet handed to the agent
  };
  struct Cpu {
    int task = -1; // index into tasks_
    uint64_t end = 0;
  };
  // A decision waiting in a DSQ: ordered by key, then by arrival.
  struct Queued {
    uint64_t vtime;
    uint64_t seq;
    Decision decision;
    bool operator<(const Queued &o) const {
      return std::tie(vtime, seq) < std::tie(o.vtime, o.seq);
    }
  };

  // The kernel side, as AgentLoop sees it.
  class Kernel final : public Backend {
  public:
    explicit Kernel(PolicyDriver &d) : d_(d) {}
    size_t dequeue(std::span<QueuedTask> out) override {
      size_t n = 0;
      for (Task &t : d_.tasks_) {
        if (n == out.size()) {
          break;
        }
        if (t.in_agent) {
          t.in_agent = false;
          --d_.pending_;
          out[n++] = t.q;
        }
      }
      return n;
    }
    bool dispatch(const Decision &decision) override {
      d_.insert(decision);
      return true;
    }
    void notify_complete(uint64_t nr_pending, uint64_t /*nr_overflow*/) override {
      d_.held_ = nr_pending;
    }
    bool wait_for_work(int /*timeout_ms*/) override { return false; }
    [[nodiscard]] bool exited() const override { return false; }
    [[nodiscard]] uint64_t now_ns() const override { return d_.now_; }

  private:
    PolicyDriver &d_;
  };

  [[nodiscard]] uint64_t held() const { return held_; }

  void violation(std::string what) {
    if (result_.violations.size() < 10) {
      result_.violations.push_back(std::move(what));
    }
  }

  void queue(Task &t, uint64_t flags) {
    t.q.flags = flags;
    t.q.enq_cnt++;
    t.state = State::kQueued;
    t.queued_at = now_;
    t.bound = bound_ ? bound_(t.q) : 0;
    t.in_agent = true;
    ++pending_;
  }

  Task *task_of(int32_t pid) {
    for (Task &t : tasks_) {
      if (t.spec.pid == pid) {
        return &t;
      }
    }
    return nullptr;
  }

  // Where ops.dispatch inserts a decision: the CPU's queue, or the shared
  // one for kAnyCpu (or a CPU the task may not use).
  void insert(const Decision &d) {
    Task *t = task_of(d.pid);
    int cpu = d.cpu;
    if (t != nullptr && t->spec.only_cpu >= 0 && cpu != t->spec.only_cpu) {
      cpu = kAnyCpu;
    }
    if (cpu >= static_cast<int>(cpus_.size())) {
      cpu = kAnyCpu;
    }
    const Queued q{d.vtime, next_seq_++, d};
    if (cpu == kAnyCpu) {
      shared_.push_back(q);
    } else {
      per_cpu_[cpu].push_back(q);
    }
  }

  // The earliest valid decision of `dsq`, removed; stale ones are dropped.
  std::optional<Decision> take(std::vector<Queued> &dsq, int cpu) {
    while (!dsq.empty()) {
      auto it = std::min_element(dsq.begin(), dsq.end());
      const Queued q = *it;
      Task *t = task_of(q.decision.pid);
      if (t == nullptr || t->state != State::kQueued || t->in_agent ||
          t->q.enq_cnt != q.decision.enq_cnt) {
        dsq.erase(it);
        ++result_.stale;
        continue;
      }
      if (t->spec.only_cpu >= 0 && t->spec.only_cpu != cpu) {
        return std::nullopt; // the shared queue's head may not run here
      }
      dsq.erase(it);
      return q.decision;
    }
    return std::nullopt;
  }

  const Queued *head(std::vector<Queued> &dsq) {
    return dsq.empty() ? nullptr : &*std::min_element(dsq.begin(), dsq.end());
  }

  // One agent step, then every idle CPU takes the earlier head of its own
  // queue and the shared one (consume_earliest in BPF).
  void schedule() {
    loop_.step();
    for (size_t c = 0; c < cpus_.size(); ++c) {
      Cpu &cpu = cpus_[c];
      if (cpu.task >= 0) {
        continue;
      }
      auto &mine = per_cpu_[static_cast<int>(c)];
      const Queued *m = head(mine);
      const Queued *s = head(shared_);
      std::optional<Decision> d;
      if (s != nullptr && (m == nullptr || s->vtime < m->vtime)) {
        d = take(shared_, static_cast<int>(c));
      }
      if (!d) {
        d = take(mine, static_cast<int>(c));
      }
      if (!d) {
        d = take(shared_, static_cast<int>(c));
      }
      if (d) {
        start(cpu, *d);
      }
    }
  }

  void check_wait(const Task &t) {
    const uint64_t wait = now_ - t.queued_at;
    result_.max_wait_ns = std::max(result_.max_wait_ns, wait);
    if (t.bound != 0 && wait > t.bound) {
      violation("pid " + std::to_string(t.spec.pid) + " waited " + std::to_string(wait) +
                " ns > bound " + std::to_string(t.bound) + " ns at " + std::to_string(now_));
    }
  }

  void start(Cpu &cpu, const Decision &d) {
    Task &t = *task_of(d.pid);
    check_wait(t);
    uint64_t run = d.slice_ns != 0 ? d.slice_ns : default_slice_ns_;
    if (t.spec.burst_ns != 0) {
      run = std::min(run, t.burst_left);
    }
    t.state = State::kRunning;
    t.run_len = run;
    t.q.start_ts = now_;
    cpu.task = static_cast<int>(&t - tasks_.data());
    cpu.end = now_ + run;
    ++result_.dispatches;
  }

  void finish_runs() {
    for (Cpu &cpu : cpus_) {
      if (cpu.task < 0 || cpu.end != now_) {
        continue;
      }
      Task &t = tasks_[static_cast<size_t>(cpu.task)];
      cpu.task = -1;
      t.q.stop_ts = now_;
      t.q.exec_runtime += t.run_len;
      t.cpu_ns += t.run_len;
      ++t.runs;
      if (t.spec.burst_ns != 0) {
        t.burst_left -= t.run_len;
        if (t.burst_left == 0) {
          t.state = State::kSleeping;
          t.wake_at = now_ + t.spec.sleep_ns;
          t.burst_left = t.spec.burst_ns;
          continue;
        }
      }
      queue(t, 0); // slice over, still runnable: back through the agent
    }
  }

  void wake_sleepers() {
    for (Task &t : tasks_) {
      if (t.state == State::kSleeping && t.wake_at == now_) {
        t.q.exec_runtime = 0; // a new burst starts after a sleep
        queue(t, kQueuedWakeup);
      }
    }
  }

  Kernel kernel_;
  AgentLoop loop_;
  std::vector<Cpu> cpus_;
  std::vector<Task> tasks_;
  std::vector<Queued> shared_;
  std::map<int, std::vector<Queued>> per_cpu_;
  uint64_t default_slice_ns_;
  uint64_t now_ = 0;
  uint64_t next_seq_ = 0;
  uint64_t pending_ = 0; // queued messages not yet dequeued by the agent
  uint64_t held_ = 0;    // tasks the policy holds (its nr_queued)
  std::function<uint64_t(const QueuedTask &)> bound_;
  DriverResult result_;
};

// A steady mix: `cpu_bound` tasks that never sleep, then `interactive`
// ones that run `burst_ns` and sleep `sleep_ns`; pids from 100.
struct MixParams {
  int cpus = 2;
  int cpu_bound = 4;
  int interactive = 6;
  uint64_t burst_ns = 300 * kNsecPerUsec;
  uint64_t sleep_ns = 4 * kNsecPerMsec;
  uint64_t duration_ns = 5000 * kNsecPerMsec;
  uint64_t default_slice_ns = PolicyConfig{}.slice_ns; // for Decision::slice_ns == 0

  [[nodiscard]] int nr_tasks() const { return cpu_bound + interactive; }
};

inline DriverResult run_mix(Policy &policy, PolicyContext &context, const MixParams &p,
                            const std::function<uint64_t(const QueuedTask &)> &bound = {}) {
  PolicyDriver driver(policy, context, p.cpus, p.default_slice_ns);
  for (int i = 0; i < p.nr_tasks(); ++i) {
    const bool interactive = i >= p.cpu_bound;
    driver.add_task(SimTask{.pid = 100 + i,
                            .burst_ns = interactive ? p.burst_ns : 0,
                            .sleep_ns = interactive ? p.sleep_ns : 0});
  }
  return driver.run(p.duration_ns, bound);
}

} // namespace scxx::policy_test
