// scxx's kernel side in the simulator: a model of bpf/scxx.bpf.c in user
// mode, and the Backend the real AgentLoop talks to. The policy runs
// unmodified inside the real loop (AgentLoop::run); the loop's calls are
// where simulated time passes: a step costs agent time (notify_complete),
// and a sleeping agent wakes on the first queued message, its timeout or
// the heartbeat (wait_for_work).
//
// Modelled from bpf/: the queued ring (full: the shared DSQ with the last
// decision's key), the dispatched ring drained by ops.dispatch on a CPU
// (512 per call), stale decisions by enq_cnt, bounces to the shared DSQ,
// HEAD/PREEMPT decisions to a CPU's local DSQ, per-CPU and shared DSQs by
// key with consume_earliest, kicking an idle CPU or wake-up preemption by
// key margin, the previous task going on for slice_min when nothing else
// is there, the tick (slice end, pending decisions, overdue agent, the
// max-run watchdog), the heartbeat (starvation guard, waking the agent)
// and the fast path; the agent's wake-up as a ring notification or, as
// `scxx run` by default, the yield wake-up (parked in BPF, run by the next
// ops.dispatch; sync wake-ups kick no CPU). Not modelled: strategies
// (urgent priorities) and kernel mode.
#pragma once

#include "agent/backend.h"
#include "policy/policy.h"
#include "policy/policy_context.h"
#include "sim/machine.h"

#include <deque>
#include <map>
#include <string>
#include <vector>

namespace scxx::sim {

class ScxxKernel final : public KernelSide, public Backend {
public:
  // `policy` and `context` as built for this machine; both outlive this.
  ScxxKernel(Machine &machine, Policy &policy, PolicyContext &context);

  // ---- KernelSide ----
  void enqueue(SimTask &task, bool wakeup) override;
  std::optional<Pick> pick(int cpu, SimTask *prev) override;
  bool tick(int cpu, SimTask &task) override;
  void exited(SimTask &task) override;
  void run(uint64_t end_ns) override;
  [[nodiscard]] std::map<std::string, uint64_t> counters() const override;
  [[nodiscard]] uint64_t switch_extra_ns() const override { return costs_.scxx_switch_ns; }

  // ---- Backend ----
  size_t dequeue(std::span<QueuedTask> out) override;
  bool dispatch(const Decision &decision) override;
  void notify_complete(uint64_t nr_pending, uint64_t nr_overflow) override;
  bool wait_for_work(int timeout_ms) override;
  [[nodiscard]] bool exited() const override;
  [[nodiscard]] uint64_t now_ns() const override { return m_.now(); }

private:
  struct Entry {
    int task = -1;
    uint64_t key = 0;
    uint64_t seq = 0;
    uint64_t slice_ns = 0;
    uint64_t since = 0; // inserted at, for the starvation guard
  };
  enum class Where { kNone, kAgent, kShared, kCpuDsq, kLocal };
  struct TaskCtx {
    Where where = Where::kNone;
    int dsq_cpu = -1;
    bool custody = false; // its queued message still stands (not run meanwhile)
    bool woke = false;
  };

  TaskCtx &ctx(const SimTask &t);
  void insert_vtime(std::vector<Entry> &dsq, const Entry &e);
  void drain(int this_cpu);
  void dispatch_task(const Decision &d, int this_cpu);
  bool kick_for(const SimTask &t);
  void preempt_if_earlier(const SimTask &t, uint64_t key);
  std::optional<Pick> take(std::vector<Entry> &dsq, int cpu, bool head_only);
  std::optional<Pick> consume_earliest(int cpu);
  [[nodiscard]] bool agent_has_work() const;
  void wake_agent(uint64_t at, bool heartbeat);
  // The yield wake-up (bpf/agent_wakeup.bpf.h): a message for the parked
  // agent sets agent_needed; a sync wake-up kicks nobody.
  void agent_work_queued();
  void kick_for_agent();
  [[nodiscard]] bool agent_needed_waiting() const;
  void heartbeat();

  Machine &m_;
  Policy &policy_;
  PolicyContext &context_;
  const ScxxKernelSettings ks_;
  const bool fast_path_;
  const CostModel costs_;
  std::vector<TaskCtx> ctx_;
  std::deque<QueuedTask> queued_;
  std::deque<Decision> dispatched_;
  std::vector<Decision> staged_; // sent during the current step
  std::vector<Entry> shared_;
  std::vector<std::vector<Entry>> cpu_dsq_;
  std::vector<std::deque<Entry>> local_;
  uint64_t next_seq_ = 0;
  uint64_t last_user_key_ = 0;
  // The agent.
  bool agent_sleeping_ = false;
  bool agent_woken_ = false;
  bool wake_scheduled_ = false;
  uint64_t sleep_gen_ = 0;
  int agent_cpu_ = -1;
  int agent_last_cpu_ = 0;
  bool agent_kick_pending_ = false; // a delayed preempting kick for the agent
  uint64_t agent_last_run_ = 0;
  uint64_t nr_pending_ = 0;
  uint64_t step_tasks_ = 0;
  // The yield wake-up: parked (agent_sleeping_), needed since, the CPU a
  // sync waker runs on (its tick ends the slice if nobody ran the agent),
  // the CPU whose ops.dispatch runs the agent.
  const bool yield_;
  uint64_t needed_since_ = 0;
  int sync_cpu_ = -1;
  int agent_prefer_ = -1;
  std::map<std::string, uint64_t> n_;
};

} // namespace scxx::sim
