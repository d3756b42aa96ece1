// A reference model of the kernel's default scheduler (EEVDF), as one more
// "policy" to compare with (`eevdf-model`). Per-CPU run queues; a task's
// virtual deadline is its vruntime plus its slice scaled by weight; a CPU
// runs the eligible task (vruntime not above the queue's weighted average)
// with the earliest deadline. A waking task goes to an idle CPU found like
// select_idle_sibling (previous CPU, SMT sibling, same LLC, any), else to
// its previous CPU, keeping its lag, and preempts a running task with a
// later deadline. An idle CPU pulls a task from the busiest queue; every
// tick evens out queues that differ by two or more. No cgroups, no NUMA,
// no wake_affine heuristics, no utilization tracking.
#pragma once

#include "sim/machine.h"

#include <vector>

namespace scxx::sim {

class EevdfModel final : public KernelSide {
public:
  explicit EevdfModel(Machine &machine);

  void enqueue(SimTask &task, bool wakeup) override;
  std::optional<Pick> pick(int cpu, SimTask *prev) override;
  void running(int cpu, SimTask &task) override;
  void stopped(int cpu, SimTask &task, uint64_t ran_ns, bool runnable) override;
  bool tick(int cpu, SimTask &task) override;
  void after_tick() override;
  void exited(SimTask &task) override;
  void run(uint64_t end_ns) override;
  [[nodiscard]] std::map<std::string, uint64_t> counters() const override { return n_; }

  // sysctl_sched_base_slice: 0.75 ms x (1 + log2(CPUs, at most 8)).
  static uint64_t base_slice_ns(int nr_cpus);

private:
  struct Entity {
    double vruntime = 0;
    double deadline = 0;
    double lag = 0;
    bool placed = false; // has run on a queue before
    int rq = -1;         // queue it waits on, -1: none
  };

  Entity &entity(const SimTask &t);
  [[nodiscard]] double vslice(const SimTask &t) const;
  // The vruntime of `t`, running on `cpu`, up to now.
  double running_vruntime(int cpu, const SimTask &t);
  // The weighted average vruntime of a queue, the running task included.
  double avg_vruntime(int cpu);
  void place(SimTask &t, int cpu, bool wakeup);
  void remove(int cpu, int task);
  bool pull(int to, bool only_if_idle);

  Machine &m_;
  uint64_t slice_ns_;
  std::vector<Entity> ent_;
  std::vector<std::vector<int>> rq_; // waiting tasks per CPU
  std::vector<int> curr_;            // running fair task per CPU
  std::map<std::string, uint64_t> n_;
};

} // namespace scxx::sim
