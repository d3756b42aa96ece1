// The simulated machine: CPUs that run tasks, tasks that follow their
// workload program (run, sleep, timers, conditions, barriers, mutexes,
// yields, forks), the
// real-time class above everything, ticks, context switches and background
// noise. Which fair task runs where is left to a KernelSide: scxx's BPF
// half with the agent (scxx_kernel.h) or the EEVDF reference (eevdf_model.h).
// The machine measures every task and checks the invariants.
#pragma once

#include "policy/cpu_topology.h"
#include "sim/event_queue.h"
#include "sim/invariants.h"
#include "sim/metrics.h"
#include "sim/rng.h"
#include "sim/sim_settings.h"
#include "sim/workload.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace scxx::sim {

enum class TaskState { kBlocked, kRunnable, kRunning, kDead };

// A timer resource: where its next period ends, once a task first used it.
struct TimerState {
  bool started = false;
  uint64_t next = 0;
};

struct SimTask {
  int id = 0; // index in Machine::tasks()
  int32_t pid = 0;
  std::string name;
  const TaskTemplate *tmpl = nullptr;
  uint64_t weight = 100;
  bool rt = false;
  std::vector<bool> allowed; // per CPU
  uint32_t nr_allowed = 0;
  TaskState state = TaskState::kBlocked;
  int cpu = -1;      // running on
  int last_cpu = -1; // last ran on (the kernel's task CPU)
  uint64_t runnable_since = 0;
  bool woke = false; // the current wait began with a wake-up
  bool starving_noted = false;
  // What the kernel reports in QueuedTask.
  uint64_t start_ts = 0, stop_ts = 0, exec_runtime = 0, dsq_vtime = 0, enq_cnt = 0;
  // Program position.
  size_t phase = 0, op = 0;
  int64_t phase_left = 1, loops_left = -1;
  bool op_entered = false, op_done = false;
  uint64_t op_left = 0, wall_end = 0;
  bool paying_block = false, block_paid = false; // CostModel::block_cpu_ns before a blocking op
  std::map<int, TimerState> own_timers;          // per-task timers by ref
  std::map<int, uint64_t> activation_start;      // timer ref -> start of the activation going on
  std::vector<int> held;                         // mutexes it holds
  int relock = -1; // a condition waiter takes this mutex back when woken
  // Totals.
  uint64_t cpu_ns = 0, switches = 0, migrations = 0, activations = 0, deadline_misses = 0;
  // Blocked on a mutex; of that, while its holder, outranked by this task,
  // was runnable but not running (priority inversion).
  uint64_t lock_wait_ns = 0, inversion_ns = 0;
  uint64_t born_ns = 0;
  bool forked = false;

  [[nodiscard]] bool may_run_on(int c) const { return allowed[static_cast<size_t>(c)]; }
  [[nodiscard]] const std::string &cls() const { return tmpl->cls; }
};

// A stretch of time a CPU ran a task (or the agent), for the timeline plot.
struct TimelineSlice {
  int cpu = 0;
  uint64_t start_ns = 0, end_ns = 0;
  std::string cls; // "(agent)" for the agent
};

struct Pick {
  int task = -1;
  uint64_t slice_ns = 0;
  uint64_t key = 0; // the order key it was queued with (wake-up preemption compares it)
};

class Machine;

// The scheduling class of fair tasks: where they wait and which runs next.
class KernelSide {
public:
  KernelSide() = default;
  KernelSide(const KernelSide &) = delete;
  KernelSide &operator=(const KernelSide &) = delete;
  virtual ~KernelSide() = default;

  // Became runnable: woke up, or stopped while still runnable.
  virtual void enqueue(SimTask &task, bool wakeup) = 0;
  // `cpu` is free: what runs next. `prev` is the task that just stopped
  // there while still runnable, if any.
  virtual std::optional<Pick> pick(int cpu, SimTask *prev) = 0;
  virtual void running(int /*cpu*/, SimTask & /*task*/) {}
  virtual void stopped(int /*cpu*/, SimTask & /*task*/, uint64_t /*ran_ns*/, bool /*runnable*/) {}
  // A tick while `task` runs on `cpu`: true ends its slice.
  virtual bool tick(int cpu, SimTask &task) = 0;
  virtual void after_tick() {}
  virtual void exited(SimTask & /*task*/) {}
  // `task`, running on `cpu`, calls sched_yield; it stops and is queued
  // again next.
  virtual void yielded(int /*cpu*/, SimTask & /*task*/) {}
  // Runs the machine until `end_ns` (the scxx side through the agent loop).
  virtual void run(uint64_t end_ns) = 0;
  // Named counters for the report ("decisions", "cancelled", ...).
  [[nodiscard]] virtual std::map<std::string, uint64_t> counters() const { return {}; }
  // What this scheduling class adds to every context switch (sched_ext's
  // callbacks for scxx's side).
  [[nodiscard]] virtual uint64_t switch_extra_ns() const { return 0; }
};

struct CpuState {
  int task = -1;              // running task
  int last = -1;              // last occupant, for the context-switch cost
  bool agent = false;         // the agent runs here
  bool claimed = false;       // picked as idle by someone who will send it work
  uint64_t progress_from = 0; // the running task progresses from here (after switch / noise)
  uint64_t run_start = 0;
  uint64_t slice_ns = 0;
  uint64_t key = 0;
  uint64_t gen = 0; // invalidates the scheduled end of the current run
  uint64_t idle_since = 0;
  uint64_t awake_at = 0; // out of its idle loop then (if after idle_since)
  int prev_runnable = -1;
  uint64_t busy_ns = 0, overhead_ns = 0;
};

class Machine {
public:
  Machine(const Workload &workload, const CpuTopology &topology, const SimSettings &settings);

  void set_side(KernelSide &side) { side_ = &side; }
  // Runs to `end_ns` through the side, then closes the books.
  void run(uint64_t end_ns);

  // ---- for the kernel sides ----
  [[nodiscard]] uint64_t now() const { return now_; }
  [[nodiscard]] uint64_t end() const { return end_; }
  [[nodiscard]] int nr_cpus() const { return static_cast<int>(cpus_.size()); }
  [[nodiscard]] const CpuTopology &topology() const { return topo_; }
  [[nodiscard]] const SimSettings &settings() const { return settings_; }
  std::deque<SimTask> &tasks() { return tasks_; }
  [[nodiscard]] const CpuState &cpu(int c) const { return cpus_[static_cast<size_t>(c)]; }
  SimTask *task_by_pid(int32_t pid);
  void at(uint64_t time, EventQueue::Action action) { events_.at(time, std::move(action)); }
  // Processes events up to `limit`, or until `stop()` says so.
  void run_until(uint64_t limit, const std::function<bool()> &stop = {});
  // Ask `cpu` to pick (idle) or to stop its task and pick (preempt).
  void kick(int cpu, bool preempt);
  // scxx_select_cpu's search (bpf/agent_select_cpu.bpf.h): `prev`, an SMT
  // sibling, the same LLC, any idle CPU. Claims the CPU; -1: none idle.
  int pick_idle_cpu(const SimTask &task, int prev);
  // scx_bpf_pick_idle_cpu: a CPU of a wholly idle core first, then any.
  int any_idle_cpu(const SimTask &task);
  [[nodiscard]] bool idle(int c) const;
  // The agent takes a CPU (idle, else preempting `prefer`); -1 when it runs
  // outside the model. Release gives it back.
  int agent_acquire(int prefer);
  void agent_release(int cpu);
  void charge_agent(int cpu, uint64_t ns);
  // The CPU whose running task is waking others right now (a resume, a
  // barrier, a fork: the kernel's sync wake-ups, the waker sleeps soon or
  // goes on), -1 for wake-ups from timers.
  [[nodiscard]] int waker_cpu() const { return waker_cpu_; }
  // How long CPU `c`, idle until now, takes to run what it was woken for
  // (0 if it is not idle or only just went idle): what is left of a wake-up
  // already under way (a timer's on that CPU), else CostModel's
  // idle_wakeup_ns (an IPI), drawn with its spread.
  uint64_t idle_exit(int c);
  // A timer fired on CPU `c`: if it sleeps in its idle loop, it wakes up
  // (CostModel::timer_wakeup_ns, drawn with its spread).
  void timer_fired_on(int c);
  // Idle, and not since this very moment.
  [[nodiscard]] bool sleeping(int c) const;
  // CPU `c`'s task makes no progress for `ns` from now (the kernel works
  // there: an interruption, a wake-up's path); nothing if it runs none.
  void stall(int c, uint64_t ns);
  // A delay around its measured median, with the spread of the wake-up
  // costs (0 for 0).
  uint64_t draw_delay(uint64_t median);
  // The idle exit of the CPU the last agent_acquire took (0: it was busy).
  [[nodiscard]] uint64_t agent_idle_exit() const { return agent_exit_ns_; }

  // ---- results ----
  [[nodiscard]] const Invariants &invariants() const { return inv_; }
  [[nodiscard]] const Metrics &metrics() const { return metrics_; }
  [[nodiscard]] std::vector<TaskTotals> task_totals() const;
  [[nodiscard]] uint64_t busy_ns() const;
  [[nodiscard]] uint64_t overhead_ns() const;
  [[nodiscard]] uint64_t agent_ns() const { return agent_ns_; }
  [[nodiscard]] const std::vector<TimelineSlice> &timeline() const { return timeline_; }

private:
  enum class Stop { kExpired, kPreempted, kYielded, kBlocked, kExited };
  // kYield: back to the queue (sched_yield); kMove: the CPU left the
  // task's affinity (a phase's cpus), back to the queue.
  enum class Step { kRun, kBlock, kExit, kYield, kMove };

  SimTask &spawn(const TaskTemplate &tmpl, bool forked);
  void wake(SimTask &t);
  void enqueue(SimTask &t, bool wakeup);
  void start(int cpu, const Pick &pick);
  void stop(int cpu, Stop why);
  void sync(int cpu);
  void schedule_end(int cpu);
  void on_run_end(int cpu, uint64_t gen);
  Step advance(SimTask &t);
  bool enter(SimTask &t, Step &out); // true: the op runs or blocks
  bool next_op(SimTask &t);          // false: the task exits
  void block_until(SimTask &t, uint64_t time);
  void after_step(int cpu, Step step);
  void set_affinity(SimTask &t, const std::vector<int> &cpus);
  // Mutexes and conditions (pthread's, as rt-app uses them). lock: true if
  // `t` holds `m` now, else it waits in line.
  bool lock(SimTask &t, int m);
  void unlock(SimTask &t, int m);
  // pthread_cond_wait: releases the mutex `relock` (if held) and waits.
  void cond_wait(SimTask &t, int cond, int relock);
  // Wakes the first waiter of `cond`, or all: a suspended task wakes; a
  // waiter of pthread_cond_wait takes its mutex back first, or waits in
  // its line without waking (the kernel's requeue) while it is held.
  void cond_wake(int cond, bool all);
  // Brings the lock-wait and inversion books of mutex `m` up to now; called
  // before its holder or its waiters change state.
  void settle(int m);
  void settle_held(const SimTask &t);
  void pick(int cpu);
  void flush();
  void tick();
  void noise(int cpu);
  void check_idle_while_waiting();
  void rt_enqueue(SimTask &t, bool head);
  int rt_pick(int cpu);

  const Workload &workload_;
  CpuTopology topo_;
  SimSettings settings_;
  KernelSide *side_ = nullptr;
  EventQueue events_;
  Rng rng_;
  uint64_t now_ = 0, end_ = 0;
  std::vector<CpuState> cpus_;
  std::deque<SimTask> tasks_; // a deque: forks never move a task
  std::vector<int> by_pid_;   // task index by pid - kFirstPid (pids are handed out in order)
  static constexpr int32_t kFirstPid = 1000;
  int32_t next_pid_ = kFirstPid;
  std::set<int> want_pick_, want_preempt_;
  std::vector<std::deque<int>> rt_queue_; // per CPU, highest priority first
  struct Condition {
    uint64_t pending = 0;
    std::vector<int> waiters;
  };
  std::map<int, Condition> conditions_;
  std::map<int, TimerState> timers_; // shared timers by ref
  struct Barrier {
    int participants = 0;
    std::vector<int> waiting;
  };
  std::map<int, Barrier> barriers_;
  struct Mutex {
    int owner = -1;
    std::deque<int> waiters; // FIFO: the first is handed the mutex
    uint64_t since = 0;      // books settled up to here
  };
  std::map<int, Mutex> mutexes_;
  Invariants inv_;
  Metrics metrics_;
  uint64_t agent_ns_ = 0;
  bool flushing_ = false;
  int waker_cpu_ = -1;
  uint64_t block_cost_ns_ = 0;
  uint64_t agent_exit_ns_ = 0;
  std::vector<TimelineSlice> timeline_;
  std::vector<uint64_t> agent_since_; // per CPU, while the agent runs there
  void record_slice(int cpu, uint64_t start, const std::string &cls);
};

} // namespace scxx::sim
