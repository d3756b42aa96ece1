// BpfScheduler: owns the scxx BPF program (bpf/scxx.bpf.c) and the two
// rings between it and the agent. Open, configure and load happen in the
// constructor; attach/detach register and unregister the sched_ext ops.
#pragma once

#include "agent/backend.h"
#include "core/scheduler_options.h"
#include "core/scheduler_stats.h"
#include "intf.h"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

struct scxx_sched;
struct ring_buffer;
struct user_ring_buffer;
struct bpf_link;

namespace scxx {

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
  void notify_complete(uint64_t nr_pending, uint64_t nr_overflow) override;
  bool wait_for_work(int timeout_ms) override;
  [[nodiscard]] bool exited() const override;

  // Idle CPU for a task (prev, SMT sibling, LLC, any) through the SYSCALL
  // program; the CPU is kicked. Returns the CPU or a negative errno.
  int select_cpu(int32_t pid, int32_t prev_cpu, uint64_t flags = 0);

  // Strategy priorities, keyed by thread id, for the thread that started at
  // `start_ticks` (see bpf/intf.h). Return 0 or the errno of the failed map
  // write (E2BIG: the map is full); removing a missing entry succeeds.
  [[nodiscard]] int set_boost(int32_t pid, uint32_t priority, uint64_t slice_ns,
                              uint64_t start_ticks);
  [[nodiscard]] int clear_boost(int32_t pid);

  // Boosts of whole processes (key: tgid, start_ticks: the group leader's
  // start) and cgroups (key: cgroup id), looked up by BPF for a thread
  // without an entry of its own (bpf/intf.h). Same return values as
  // set_boost / clear_boost.
  enum class GroupKind { kProcess, kCgroup };
  [[nodiscard]] int set_group_boost(GroupKind kind, uint64_t key, uint32_t priority,
                                    uint64_t slice_ns, uint64_t start_ticks);
  [[nodiscard]] int clear_group_boost(GroupKind kind, uint64_t key);
  // How many entries each of those maps holds: BPF skips a map with none.
  void set_group_boost_counts(uint32_t processes, uint32_t cgroups);

  // The settings that change while attached (bpf/intf.h, struct
  // scxx_tunables): slices, fast path, watchdog, agent timeout, starvation
  // and stall bounds. Other fields of `options` are ignored.
  void set_tunables(const SchedulerOptions &options);
  [[nodiscard]] const SchedulerOptions &options() const { return options_; }

  // Waits from runnable to running since load, summed over CPUs (bucket i:
  // [2^i, 2^(i+1)) microseconds).
  // One of the wait histograms of bpf/intf.h, summed over CPUs.
  [[nodiscard]] std::array<uint64_t, SCXX_WAIT_BUCKETS>
  wait_histogram(scxx_wait_phase phase = SCXX_WAIT_ALL) const;
  // The longest wait since the last reset (for a window after a change).
  void reset_max_wait_since();
  [[nodiscard]] uint64_t max_wait_since_ns() const;

  [[nodiscard]] SchedulerStats stats() const;
  [[nodiscard]] scxx_exit_info exit_info() const;
  // The most recent wait longer than the stall bound (pid 0: none yet).
  [[nodiscard]] scxx_wait_record last_long_wait() const;

  // Channel self-test programs (bpf/channel_test.bpf.h): produce `count`
  // queued messages in the kernel; drain decisions, or take back tasks from
  // the "custody" map, with ops.dispatch's own budgeted loops as if the
  // call had `slots` dispatch slots (0: unlimited).
  // Return the number produced / drained / taken back, or a negative errno.
  // `wake_consumer` false submits without waking a ring reader (the cost of
  // the notification itself is then left out).
  int64_t test_produce(uint32_t count, int32_t pid_base, bool wake_consumer = true);
  int64_t test_drain(uint32_t slots);
  int64_t test_take_back(uint32_t slots);
  // The priority BPF applies to a thread's boost (boost_test.bpf.h), nullopt
  // when none applies to it: no entry, or one for an earlier thread with
  // the same id. Throws when the program fails (no such thread).
  [[nodiscard]] std::optional<uint32_t> test_lookup_boost(int32_t pid);
  // Raw access for tests: a user ring buffer sample of any size.
  bool test_submit_raw(const void *data, uint32_t size);
  [[nodiscard]] scxx_sched *skeleton() const { return skel_; }

  // What the kernel's verifier did at load: each loaded program's name and
  // the instructions it processed (bpf_prog_info.verified_insns), and how
  // long the load took.
  struct VerifiedProgram {
    std::string name;
    uint32_t verified_insns = 0;
  };
  [[nodiscard]] std::vector<VerifiedProgram> verified_programs() const;
  [[nodiscard]] double load_ms() const { return load_ms_; }

private:
  double load_ms_ = 0;
  static int on_queued_sample(void *ctx, void *data, size_t size);
  int run_syscall_prog(int prog_fd, void *arg, uint32_t size) const;
  bool spin_for_work();
  bool yield_until_needed(bool done);

  SchedulerOptions options_;
  scxx_sched *skel_ = nullptr;
  ring_buffer *queued_ = nullptr;
  user_ring_buffer *dispatched_ = nullptr;
  bpf_link *link_ = nullptr;
  std::span<QueuedTask> sink_;
  size_t sink_len_ = 0;
  uint64_t nr_submitted_ = 0;
  uint64_t nr_steps_ = 0;
  bool dispatch_refused_ = false; // the last decision found the ring full
  int nr_possible_cpus_ = 1;
};

} // namespace scxx
