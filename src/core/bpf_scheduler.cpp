#include "core/bpf_scheduler.h"

#include "core/error.h"
#include "core/kernel_abi.h"
#include "core/libbpf_log.h"
#include "core/sched_ext_sysfs.h"
#include "core/topology.h"
#include "core/wire_format.h"
#include "scxx_sched.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <poll.h>
#include <sched.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <vector>

namespace scxx {
namespace {

uint64_t read_hotplug_seq() {
  std::ifstream in(std::string(kSchedExtDir) + "/hotplug_seq");
  uint64_t v = 0;
  return (in >> v) ? v : 0;
}

// Counts one more in a shared statistic only the agent writes (BPF and the
// monitor only read it): no read-modify-write atomics needed.
void bump_shared(uint64_t &counter) {
  __atomic_store_n(&counter, __atomic_load_n(&counter, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

template <typename T> T volatile_read(const T &v) {
  return *static_cast<const volatile T *>(&v);
}

} // namespace

BpfScheduler::BpfScheduler(const SchedulerOptions &options) : options_(options) {
  libbpf_log_install(options.debug);
  if (!options.channel_only) {
    require_sched_ext_and_root();
    (void)kernel_abi(); // a kernel lacking a value fails here, not at exit
  } else if (geteuid() != 0) {
    throw Error("loading BPF programs needs root (CAP_BPF)");
  }

  skel_ = scxx_sched__open();
  if (skel_ == nullptr) {
    throw Error(errno_message("opening the scxx BPF object", errno));
  }
  auto *ro = skel_->rodata;
  ro->usersched_tgid = static_cast<int32_t>(getpid());
  ro->heartbeat_ns = options.heartbeat_ns;
  ro->kernel_mode = options.kernel_mode;
  ro->stall_abort = options.stall_abort;
  ro->agent_yield = options.agent_yield;
  // .bss is mapped before load too: the initial values of the tunables.
  set_tunables(options);
  // USER_HZ (100 wherever sched_ext runs) divides a second exactly, as
  // /proc's own conversion assumes.
  const long ticks_per_s = sysconf(_SC_CLK_TCK);
  ro->clock_tick_ns =
      1000 * kNsecPerMsec / static_cast<uint64_t>(ticks_per_s > 0 ? ticks_per_s : 100);
  const CpuTopology topo = read_cpu_topology();
  for (size_t cpu = 0; cpu < topo.core_id.size() && cpu < SCXX_MAX_CPUS; ++cpu) {
    ro->cpu_core_id[cpu] = topo.core_id[cpu];
    ro->cpu_llc_id[cpu] = topo.llc_id[cpu];
  }

  if (options.channel_only) {
    // No sched_ext here: keep the struct_ops map and its programs out.
    bpf_map__set_autocreate(skel_->maps.scxx_ops, false);
    bpf_program *prog = nullptr;
    bpf_object__for_each_program(prog, skel_->obj) {
      if (bpf_program__type(prog) == BPF_PROG_TYPE_STRUCT_OPS) {
        bpf_program__set_autoload(prog, false);
      }
    }
  } else {
    auto *ops = skel_->struct_ops.scxx_ops;
    if (options.partial) {
      ops->flags |= kernel_abi().ops_switch_partial;
    }
    // A CPU going on- or offline between here and attach makes the kernel
    // refuse the ops with a restart request instead of running stale.
    ops->hotplug_seq = read_hotplug_seq();
  }

  const auto load_start = std::chrono::steady_clock::now();
  if (const int err = scxx_sched__load(skel_); err != 0) {
    const std::string log = libbpf_log_take();
    scxx_sched__destroy(skel_);
    throw Error(errno_message("loading the scxx BPF program (verifier log follows)", err) + "\n" +
                log);
  }
  load_ms_ =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - load_start)
          .count();
  skel_->bss->shared_stats.nr_online_cpus = static_cast<uint64_t>(topo.nr_online);
  nr_possible_cpus_ = libbpf_num_possible_cpus();
  if (nr_possible_cpus_ <= 0) {
    nr_possible_cpus_ = 1;
  }

  queued_ = ring_buffer__new(bpf_map__fd(skel_->maps.queued), on_queued_sample, this, nullptr);
  dispatched_ = user_ring_buffer__new(bpf_map__fd(skel_->maps.dispatched), nullptr);
  if (queued_ == nullptr || dispatched_ == nullptr) {
    const int err = errno;
    ring_buffer__free(queued_);
    user_ring_buffer__free(dispatched_);
    scxx_sched__destroy(skel_);
    throw Error(errno_message("mapping the queued/dispatched rings", err));
  }
}

BpfScheduler::~BpfScheduler() {
  detach();
  user_ring_buffer__free(dispatched_);
  ring_buffer__free(queued_);
  scxx_sched__destroy(skel_);
}

void BpfScheduler::attach() {
  if (options_.channel_only) {
    throw Error("this scheduler was loaded channel-only (no sched_ext): cannot attach");
  }
  if (link_ != nullptr) {
    return;
  }
  link_ = bpf_map__attach_struct_ops(skel_->maps.scxx_ops);
  if (link_ == nullptr) {
    const int err = errno;
    std::string why = errno_message("attaching the scxx scheduler", err);
    if (err == EBUSY || err == EEXIST) {
      why += " (another sched_ext scheduler is attached: " + sched_ext_ops_name() + ")";
    }
    throw Error(why + "\n" + libbpf_log_take());
  }
}

void BpfScheduler::detach() {
  if (link_ != nullptr) {
    bpf_link__destroy(link_);
    link_ = nullptr;
  }
}

int BpfScheduler::on_queued_sample(void *ctx, void *data, size_t size) {
  auto *self = static_cast<BpfScheduler *>(ctx);
  if (size < sizeof(scxx_queued_task)) {
    return 0; // not ours; cannot happen with a matching BPF object
  }
  scxx_queued_task msg;
  std::memcpy(&msg, data, sizeof(msg));
  if ((msg.flags & SCXX_QF_HEARTBEAT) != 0) {
    return 0;
  }
  self->sink_[self->sink_len_++] = from_wire(msg);
  return 0;
}

size_t BpfScheduler::dequeue(std::span<QueuedTask> out) {
  if (out.empty()) {
    return 0;
  }
  if (options_.agent_yield) {
    // Cleared before reading the ring, with a full barrier: a message BPF
    // publishes after this sets it again and runs us again (Dekker, see
    // bpf/agent_wakeup.bpf.h).
    __atomic_exchange_n(&skel_->bss->agent_needed, 0U, __ATOMIC_SEQ_CST);
  }
  sink_ = out;
  sink_len_ = 0;
  // Heartbeats consume a sample without filling a slot, so loop until the
  // span is full or the ring is empty.
  while (sink_len_ < out.size()) {
    const int n = ring_buffer__consume_n(queued_, out.size() - sink_len_);
    if (n <= 0) {
      break;
    }
  }
  sink_ = {};
  return sink_len_;
}

bool BpfScheduler::dispatch(const Decision &decision) {
  void *slot = user_ring_buffer__reserve(dispatched_, sizeof(scxx_dispatched_task));
  if (slot == nullptr) {
    // Only the agent writes it; BPF never reads it.
    bump_shared(skel_->bss->shared_stats.nr_dispatch_full);
    dispatch_refused_ = true;
    return false;
  }
  dispatch_refused_ = false;
  const scxx_dispatched_task msg = to_wire(decision);
  std::memcpy(slot, &msg, sizeof(msg));
  user_ring_buffer__submit(dispatched_, slot);
  // Published at once: BPF compares it with what it consumed to know
  // whether decisions wait (ops.update_idle), so it must never lag.
  __atomic_store_n(&skel_->bss->shared_stats.nr_dispatch_submitted, ++nr_submitted_,
                   __ATOMIC_RELEASE);
  return true;
}

void BpfScheduler::notify_complete(uint64_t nr_pending, uint64_t nr_overflow) {
  auto &shared = skel_->bss->shared_stats;
  __atomic_store_n(&shared.nr_scheduled, nr_pending, __ATOMIC_RELAXED);
  __atomic_store_n(&shared.nr_policy_overflow, nr_overflow, __ATOMIC_RELAXED);
  // Progress, for the stalled-agent check (bpf/agent_fallback.bpf.h).
  __atomic_store_n(&skel_->bss->agent_steps, ++nr_steps_, __ATOMIC_RELAXED);
}

// Polls the ring for up to agent_spin_ns before the agent sleeps: a task
// queued meanwhile is taken without the notification and the wake-up of a
// sleeping thread. Only while every decision was already consumed: the
// agent's CPU drains the decision ring when the agent leaves it, so
// spinning with decisions pending would delay them.
bool BpfScheduler::spin_for_work() {
  const auto *bss = skel_->bss;
  ring *r = ring_buffer__ring(queued_, 0);
  const uint64_t until = now_ns() + options_.agent_spin_ns;
  for (unsigned i = 1;; ++i) {
    if (ring__avail_data_size(r) > 0) {
      bump_shared(skel_->bss->shared_stats.nr_spin_wakeups);
      return true;
    }
    if (__atomic_load_n(&bss->shared_stats.nr_dispatch_consumed, __ATOMIC_RELAXED) !=
        nr_submitted_) {
      return false;
    }
    __builtin_ia32_pause();
    if (i % 64 == 0 && now_ns() >= until) {
      return false;
    }
  }
}

// Yield wake-up: give the CPU back; BPF holds this thread and runs it again
// when tasks are queued, or at the next heartbeat. `done` says whether the
// agent has nothing left to do; if it has (the decision ring was full), BPF
// lets it go on as soon as its CPU drained the ring. No timeout: the
// heartbeat bounds the wait.
bool BpfScheduler::yield_until_needed(bool done) {
  auto *bss = skel_->bss;
  __atomic_store_n(&bss->agent_idle, done ? 1U : 0U, __ATOMIC_SEQ_CST);
  sched_yield();
  __atomic_store_n(&bss->agent_idle, 0U, __ATOMIC_RELAXED);
  return ring__avail_data_size(ring_buffer__ring(queued_, 0)) > 0;
}

bool BpfScheduler::wait_for_work(int timeout_ms) {
  auto *bss = skel_->bss;
  // The thread that waits is the loop thread: BPF runs it (yield wake-up)
  // and measures how long it takes to come (both wake-ups).
  if (bss->agent_loop_pid == 0) {
    __atomic_store_n(&bss->agent_loop_pid, static_cast<int32_t>(gettid()), __ATOMIC_SEQ_CST);
  }
  if (options_.agent_yield) {
    return yield_until_needed(!dispatch_refused_);
  }
  if (options_.agent_spin_ns != 0 && spin_for_work()) {
    return true;
  }
  // Tell BPF to notify us, then look once more: a message submitted before
  // the flag was visible went out without a notification. Both sides put a
  // full barrier between their write and their read (Dekker).
  __atomic_store_n(&bss->agent_sleeping, 1, __ATOMIC_SEQ_CST);
  bool woken = ring__avail_data_size(ring_buffer__ring(queued_, 0)) > 0;
  if (!woken) {
    pollfd pfd{ring_buffer__epoll_fd(queued_), POLLIN, 0};
    woken = poll(&pfd, 1, timeout_ms) > 0;
    if (!woken && ring__avail_data_size(ring_buffer__ring(queued_, 0)) > 0) {
      // Timed out although messages were waiting.
      bump_shared(bss->shared_stats.nr_missed_wakeups);
    }
  }
  __atomic_store_n(&bss->agent_sleeping, 0, __ATOMIC_RELAXED);
  return woken;
}

bool BpfScheduler::exited() const {
  return volatile_read(skel_->bss->exit_info.valid) != 0;
}

std::vector<BpfScheduler::VerifiedProgram> BpfScheduler::verified_programs() const {
  std::vector<VerifiedProgram> out;
  bpf_program *prog = nullptr;
  bpf_object__for_each_program(prog, skel_->obj) {
    const int fd = bpf_program__fd(prog);
    if (fd < 0) {
      continue; // not loaded (channel-only)
    }
    bpf_prog_info info{};
    uint32_t len = sizeof(info);
    if (bpf_prog_get_info_by_fd(fd, &info, &len) == 0) {
      out.push_back({bpf_program__name(prog), info.verified_insns});
    }
  }
  return out;
}

int BpfScheduler::run_syscall_prog(int prog_fd, void *arg, uint32_t size) const {
  // SYSCALL programs need ctx_size_in as well as ctx_in, or the run fails.
  LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = arg, .ctx_size_in = size);
  if (const int err = bpf_prog_test_run_opts(prog_fd, &opts); err != 0) {
    return -std::abs(errno != 0 ? errno : err);
  }
  return static_cast<int>(opts.retval);
}

int BpfScheduler::select_cpu(int32_t pid, int32_t prev_cpu, uint64_t flags) {
  scxx_select_cpu_arg arg{pid, prev_cpu, flags};
  return run_syscall_prog(bpf_program__fd(skel_->progs.scxx_select_cpu), &arg, sizeof(arg));
}

int64_t BpfScheduler::test_produce(uint32_t count, int32_t pid_base, bool wake_consumer) {
  scxx_channel_test_arg arg{count, pid_base, 0, wake_consumer ? 0U : 1U};
  const int rc =
      run_syscall_prog(bpf_program__fd(skel_->progs.scxx_test_produce), &arg, sizeof(arg));
  return rc < 0 ? rc : static_cast<int64_t>(arg.result);
}

int64_t BpfScheduler::test_drain(uint32_t slots) {
  scxx_channel_test_arg arg{slots, 0, 0, 0};
  const int rc = run_syscall_prog(bpf_program__fd(skel_->progs.scxx_test_drain), &arg, sizeof(arg));
  return rc < 0 ? rc : static_cast<int64_t>(arg.result);
}

int64_t BpfScheduler::test_take_back(uint32_t slots) {
  scxx_channel_test_arg arg{slots, 0, 0, 0};
  const int rc =
      run_syscall_prog(bpf_program__fd(skel_->progs.scxx_test_take_back), &arg, sizeof(arg));
  return rc < 0 ? rc : static_cast<int64_t>(arg.result);
}

std::optional<uint32_t> BpfScheduler::test_lookup_boost(int32_t pid) {
  scxx_boost_test_arg arg{pid, 0, 0, 0};
  const int rc = run_syscall_prog(bpf_program__fd(skel_->progs.scxx_test_boost), &arg, sizeof(arg));
  if (rc < 0) {
    throw Error(errno_message("looking up the boost of pid " + std::to_string(pid), -rc));
  }
  return arg.found != 0 ? std::optional<uint32_t>(arg.priority) : std::nullopt;
}

bool BpfScheduler::test_submit_raw(const void *data, uint32_t size) {
  void *slot = user_ring_buffer__reserve(dispatched_, size);
  if (slot == nullptr) {
    return false;
  }
  std::memcpy(slot, data, size);
  user_ring_buffer__submit(dispatched_, slot);
  return true;
}

int BpfScheduler::set_boost(int32_t pid, uint32_t priority, uint64_t slice_ns,
                            uint64_t start_ticks) {
  const scxx_task_boost boost{priority, 0, slice_ns, start_ticks};
  if (bpf_map__update_elem(skel_->maps.task_boosts, &pid, sizeof(pid), &boost, sizeof(boost),
                           BPF_ANY) != 0) {
    return errno;
  }
  return 0;
}

int BpfScheduler::clear_boost(int32_t pid) {
  if (bpf_map__delete_elem(skel_->maps.task_boosts, &pid, sizeof(pid), 0) != 0 && errno != ENOENT) {
    return errno;
  }
  return 0;
}

void BpfScheduler::set_tunables(const SchedulerOptions &options) {
  scxx_tunables &t = skel_->bss->tunables;
  const auto store = [](auto &field, auto value) {
    __atomic_store_n(&field, value, __ATOMIC_RELAXED);
  };
  store(t.slice_ns, options.slice_ns);
  store(t.slice_min_ns, options.slice_min_ns);
  // Keys now stay within a few slices of the clock (see "Bounded waits"),
  // so a margin of a whole default slice, chosen when a CPU hog's key led
  // by up to 100 slices, let no waking task preempt (kernel mode, 2 vCPUs:
  // probe p50 11 ms, 62x EEVDF). One minimum slice.
  store(t.wakeup_margin_ns, options.slice_min_ns);
  store(t.max_run_ns, options.max_run_ns);
  store(t.stall_bound_ns, options.stall_bound_ns);
  store(t.starvation_ns, options.starvation_ns);
  store(t.agent_timeout_ns, options.agent_timeout_ns);
  store(t.fast_path, options.fast_path ? 1U : 0U);
  options_.slice_ns = options.slice_ns;
  options_.slice_min_ns = options.slice_min_ns;
  options_.max_run_ns = options.max_run_ns;
  options_.stall_bound_ns = options.stall_bound_ns;
  options_.starvation_ns = options.starvation_ns;
  options_.agent_timeout_ns = options.agent_timeout_ns;
  options_.fast_path = options.fast_path;
}

std::array<uint64_t, SCXX_WAIT_BUCKETS> BpfScheduler::wait_histogram(scxx_wait_phase phase) const {
  std::vector<scxx_wait_hist> cpus(static_cast<size_t>(nr_possible_cpus_));
  const auto key = static_cast<uint32_t>(phase);
  std::array<uint64_t, SCXX_WAIT_BUCKETS> out{};
  if (bpf_map__lookup_elem(skel_->maps.wait_hist, &key, sizeof(key), cpus.data(),
                           cpus.size() * sizeof(scxx_wait_hist), 0) != 0) {
    return out; // cannot happen with a loaded map
  }
  for (const scxx_wait_hist &h : cpus) {
    for (size_t i = 0; i < out.size(); ++i) {
      out[i] += h.buckets[i];
    }
  }
  return out;
}

void BpfScheduler::reset_max_wait_since() {
  __atomic_store_n(&skel_->bss->max_wait_since_ns, 0, __ATOMIC_SEQ_CST);
}

uint64_t BpfScheduler::max_wait_since_ns() const {
  return __atomic_load_n(&skel_->bss->max_wait_since_ns, __ATOMIC_RELAXED);
}

int BpfScheduler::set_group_boost(GroupKind kind, uint64_t key, uint32_t priority,
                                  uint64_t slice_ns, uint64_t start_ticks) {
  const scxx_task_boost boost{priority, 0, slice_ns, start_ticks};
  int rc = 0;
  if (kind == GroupKind::kProcess) {
    const auto tgid = static_cast<int32_t>(key);
    rc = bpf_map__update_elem(skel_->maps.process_boosts, &tgid, sizeof(tgid), &boost,
                              sizeof(boost), BPF_ANY);
  } else {
    rc = bpf_map__update_elem(skel_->maps.cgroup_boosts, &key, sizeof(key), &boost, sizeof(boost),
                              BPF_ANY);
  }
  return rc != 0 ? errno : 0;
}

int BpfScheduler::clear_group_boost(GroupKind kind, uint64_t key) {
  int rc = 0;
  if (kind == GroupKind::kProcess) {
    const auto tgid = static_cast<int32_t>(key);
    rc = bpf_map__delete_elem(skel_->maps.process_boosts, &tgid, sizeof(tgid), 0);
  } else {
    rc = bpf_map__delete_elem(skel_->maps.cgroup_boosts, &key, sizeof(key), 0);
  }
  return rc != 0 && errno != ENOENT ? errno : 0;
}

void BpfScheduler::set_group_boost_counts(uint32_t processes, uint32_t cgroups) {
  __atomic_store_n(&skel_->bss->nr_process_boosts, processes, __ATOMIC_RELEASE);
  __atomic_store_n(&skel_->bss->nr_cgroup_boosts, cgroups, __ATOMIC_RELEASE);
}

SchedulerStats BpfScheduler::stats() const {
  // One value per possible CPU (all u64, so no padding between them).
  std::vector<scxx_cpu_stats> cpus(static_cast<size_t>(nr_possible_cpus_));
  const uint32_t key = 0;
  if (bpf_map__lookup_elem(skel_->maps.cpu_stats, &key, sizeof(key), cpus.data(),
                           cpus.size() * sizeof(scxx_cpu_stats), 0) != 0) {
    cpus.clear(); // cannot happen with a loaded map; the shared values still count
  }
  scxx_shared_stats shared{};
  std::memcpy(&shared, &skel_->bss->shared_stats, sizeof(shared));
  return combine_stats(cpus, shared);
}

scxx_wait_record BpfScheduler::last_long_wait() const {
  scxx_wait_record r{};
  std::memcpy(&r, &skel_->bss->last_long_wait, sizeof(r));
  return r;
}

scxx_exit_info BpfScheduler::exit_info() const {
  scxx_exit_info info{};
  std::memcpy(&info, &skel_->bss->exit_info, sizeof(info));
  return info;
}

} // namespace scxx
