// A reference model of the kernel's default scheduler (EEVDF), as one more
// "policy" to compare with (`eevdf-model`), with the scheduler features the
// VM's kernel runs with (/sys/kernel/debug/sched/features: PLACE_LAG,
// RUN_TO_PARITY, DELAY_DEQUEUE, DELAY_ZERO, HRTICK, WAKEUP_PREEMPTION).
// Per-CPU run queues; a task's virtual deadline is its vruntime plus its
// slice scaled by weight; a CPU runs the eligible task (vruntime not above
// the queue's weighted average) with the earliest deadline. A running task
// is protected from wake-up preemption up to the deadline it had when it
// was picked (RUN_TO_PARITY), and is picked again when its vruntime reaches
// its deadline while others are queued (HRTICK: a timer then, not the next
// tick). A task that sleeps owing time stays queued until it is picked or
// wakes (DELAY_DEQUEUE). A waking task goes to an idle CPU found like
// select_idle_sibling (previous CPU, SMT sibling, same LLC, any), else to
// its previous CPU, keeping its lag. An idle CPU pulls a task from the
// busiest queue; every tick evens out queues that differ by two or more.
// No cgroups, no NUMA, no wake_affine heuristics, no utilization tracking.
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
  void yielded(int cpu, SimTask &task) override;
  void run(uint64_t end_ns) override;
  [[nodiscard]] std::map<std::string, uint64_t> counters() const override { return n_; }

  // sysctl_sched_base_slice: 0.7 ms x (1 + log2(CPUs, at most 8)); the
  // VM's kernel shows 1,400,000 ns on 2 CPUs.
  static uint64_t base_slice_ns(int nr_cpus);

private:
  struct Entity {
    double vruntime = 0;
    double deadline = 0;
    double lag = 0;
    double vprot = 0;     // protected from wake-up preemption up to here
    bool placed = false;  // has run on a queue before
    bool delayed = false; // asleep, but still on its queue (DELAY_DEQUEUE)
    int rq = -1;          // queue it waits on, -1: none
  };

  Entity &entity(const SimTask &t);
  [[nodiscard]] double vslice(const SimTask &t) const;
  // The vruntime of `t`, running on `cpu`, up to now.
  double running_vruntime(int cpu, const SimTask &t);
  // The weighted average vruntime of a queue, the running task included,
  // and `also` (a task just stopped there) if given.
  double avg_vruntime(int cpu, const SimTask *also = nullptr);
  // place_entity: the vruntime a task with `lag` gets on `cpu`'s queue.
  double placed_vruntime(int cpu, const SimTask &t, double lag);
  void place(SimTask &t, int cpu, bool wakeup);
  // `t` is now queued on `cpu`: the CPU runs it, or the running task is
  // brought up to date and may be preempted, or its slice end is armed.
  void preempt_check(SimTask &t, int cpu, bool wakeup);
  void remove(int cpu, int task);
  // A sleeper that stayed queued leaves its queue: with no lag (DELAY_ZERO).
  void finish_delayed(int cpu, int task);
  // Waiting tasks of `cpu` that may run (sleepers still queued left out).
  [[nodiscard]] size_t nr_runnable_waiting(int cpu) const;
  bool pull(int to, bool only_if_idle);
  // Total weight queued on `cpu`, the running task included.
  double queue_weight(int cpu);
  // The task the kernel's pick_eevdf would run on `cpu` now: the running
  // one while protected, else the eligible one with the earliest deadline
  // among the running and the waiting ones.
  int best(int cpu);
  // The queued task (a sleeper still queued included) with the earliest
  // deadline among those whose vruntime is at most `max_vruntime`; -1: none.
  [[nodiscard]] int earliest_queued(int cpu, double max_vruntime) const;
  // HRTICK: the running task is picked again when its vruntime reaches its
  // deadline, if others are queued there by then.
  void arm_slice_end(int cpu);
  void slice_end(int cpu);

  Machine &m_;
  uint64_t slice_ns_;
  std::vector<Entity> ent_;
  std::vector<std::vector<int>> rq_;   // waiting tasks per CPU
  std::vector<int> curr_;              // running fair task per CPU
  std::vector<uint64_t> run_gen_;      // per CPU: counts picks and stops
  std::vector<uint64_t> armed_gen_;    // per CPU: the run whose slice end is armed
  std::vector<double> armed_deadline_; // and the deadline it was armed for
  std::map<std::string, uint64_t> n_;
};

} // namespace scxx::sim
