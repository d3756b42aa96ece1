// BpfScheduler: owns the scxx BPF program (bpf/scxx.bpf.c) and the two
// rings between it and the agent. Open, configure and load happen in the
// constructor; attach/detach register and unregister the sched_ext ops.
#pragma once

#include "core/backend.h"
#include "intf.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>

struct scxx_sched;
struct ring_buffer;
struct user_ring_buffer;
struct bpf_link;

namespace scxx {

struct SchedulerOptions {
  uint64_t slice_ns = 20ULL * 1000 * 1000; // default slice for decisions with slice 0
  uint64_t heartbeat_ns = 100ULL * 1000 * 1000;
  bool partial = false;                       // only tasks switched to SCHED_EXT are scheduled
  bool builtin_idle = false;                  // waking tasks that find an idle CPU skip the agent
  bool debug = false;                         // echo libbpf's messages
  bool kernel_mode = false;                   // decide in BPF; the agent loop is not used
  uint64_t slice_min_ns = 1000ULL * 1000;     // kernel mode: shortest slice
  uint64_t max_run_ns = 500ULL * 1000 * 1000; // tick watchdog, 0 = off
  // Liveness invariant: waits longer than this are counted and recorded;
  // with stall_abort the scheduler stops with a message naming the task.
  uint64_t stall_bound_ns = 1000ULL * 1000 * 1000;
  bool stall_abort = false;
  // Guaranteed bound: a task waiting longer than this in a DSQ of scxx is
  // moved to a CPU's local DSQ (0: off).
  uint64_t starvation_ns = 250ULL * 1000 * 1000;
  // Load only the maps and SYSCALL programs: for kernels without sched_ext
  // (the host-bpf tests and the channel benchmark). attach() is refused.
  bool channel_only = false;
};

// Counters of bpf/scxx.bpf.c (names as there) plus the agent's page faults.
struct SchedulerStats {
  uint64_t nr_queued = 0;
  uint64_t nr_scheduled = 0;
  uint64_t nr_running = 0;
  uint64_t nr_online_cpus = 0;
  uint64_t nr_user_dispatches = 0;
  uint64_t nr_kernel_dispatches = 0;
  uint64_t nr_cancel_dispatches = 0;
  uint64_t nr_bounce_dispatches = 0;
  uint64_t nr_failed_dispatches = 0;
  uint64_t nr_sched_congested = 0;
  uint64_t nr_heartbeat_wakeups = 0;
  uint64_t nr_exit_notifications = 0;
  uint64_t nr_priority_dispatches = 0;
  uint64_t nr_watchdog_preemptions = 0;
  uint64_t nr_wakeup_preemptions = 0;
  uint64_t nr_dispatch_full = 0;    // agent side: dispatch ring was full
  uint64_t nr_missed_wakeups = 0;   // agent slept its whole timeout with messages waiting
  uint64_t nr_long_waits = 0;       // tasks that waited longer than the stall bound to run
  uint64_t nr_stalled_seen = 0;     // of those, seen still waiting by the periodic DSQ scan
  uint64_t max_wait_ns = 0;         // longest wait from runnable to running
  uint64_t nr_starvation_moves = 0; // tasks moved ahead after waiting past the bound
};

class BpfScheduler final : public Backend {
public:
  explicit BpfScheduler(const SchedulerOptions &options);
  ~BpfScheduler() override;

  // Registers the ops with the kernel; throws with the reason on failure
  // (another scheduler attached, verifier rejection, CPU hotplug race).
  void attach();
  // Unregisters; ops.exit fills exit_info(). Safe to call twice.
  void detach();
  [[nodiscard]] bool attached() const { return link_ != nullptr; }

  size_t dequeue(std::span<QueuedTask> out) override;
  bool dispatch(const Decision &decision) override;
  void notify_complete(uint64_t nr_pending) override;
  bool wait_for_work(int timeout_ms) override;
  [[nodiscard]] bool exited() const override;

  // Idle CPU for a task (prev, SMT sibling, LLC, any) through the SYSCALL
  // program; the CPU is kicked. Returns the CPU or a negative errno.
  int select_cpu(int32_t pid, int32_t prev_cpu, uint64_t flags = 0);

  // Strategy priorities, keyed by thread id (see bpf/intf.h). Throws on a
  // map error other than a missing entry on removal.
  void set_boost(int32_t pid, uint32_t priority, uint64_t slice_ns);
  void clear_boost(int32_t pid);

  [[nodiscard]] SchedulerStats stats() const;
  [[nodiscard]] scxx_exit_info exit_info() const;
  // The most recent wait longer than the stall bound (pid 0: none yet).
  [[nodiscard]] scxx_wait_record last_long_wait() const;

  // Channel self-test programs (see bpf/scxx.bpf.c): produce `count`
  // queued messages in the kernel; drain up to `limit` decisions (0: all).
  // Return the number produced / drained, or a negative errno.
  // `wake_consumer` false submits without waking a ring reader (the cost of
  // the notification itself is then left out).
  int64_t test_produce(uint32_t count, int32_t pid_base, bool wake_consumer = true);
  int64_t test_drain(uint32_t limit);
  // Raw access for tests: a user ring buffer sample of any size.
  bool test_submit_raw(const void *data, uint32_t size);
  [[nodiscard]] scxx_sched *skeleton() const { return skel_; }

private:
  static int on_queued_sample(void *ctx, void *data, size_t size);
  int run_syscall_prog(int prog_fd, void *arg, uint32_t size) const;

  SchedulerOptions options_;
  scxx_sched *skel_ = nullptr;
  ring_buffer *queued_ = nullptr;
  user_ring_buffer *dispatched_ = nullptr;
  bpf_link *link_ = nullptr;
  std::span<QueuedTask> sink_;
  size_t sink_len_ = 0;
  uint64_t nr_submitted_ = 0;
  uint64_t nr_dispatch_full_ = 0;
  uint64_t nr_missed_wakeups_ = 0;
};

} // namespace scxx
