#include "daemon/run_command.h"

#include "core/agent_loop.h"
#include "core/bpf_scheduler.h"
#include "core/error.h"
#include "core/exit_info.h"
#include "core/memory_lock.h"
#include "core/sched_ext_sysfs.h"
#include "core/wait_record.h"
#include "daemon/stats_line.h"
#include "policy/policy_factory.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace scxx {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// What the stats thread may look at; swapped by the main thread around
// each (re)load of the scheduler.
struct Live {
  std::mutex mutex;
  std::condition_variable wake;
  BpfScheduler *sched = nullptr;
  bool reloaded = false; // boosts must be pushed again
  const AgentLoop *loop = nullptr;
  const Policy *policy = nullptr;
  PageFaults faults_at_attach;
};

void print_stats_until(const std::atomic<bool> &stop, Live &live, double interval_s,
                       Clock::time_point start) {
  double last_cpu = process_cpu_seconds();
  auto last_t = Clock::now();
  std::unique_lock lock(live.mutex);
  while (!stop.load()) {
    live.wake.wait_for(lock, std::chrono::duration<double>(interval_s));
    if (stop.load()) {
      break;
    }
    if (live.sched == nullptr) {
      continue;
    }
    StatsSample s;
    s.elapsed_s = seconds_since(start);
    s.sched = live.sched->stats();
    s.loop = live.loop->counters();
    s.policy_overflow = live.policy->nr_overflow();
    const PageFaults now = process_page_faults();
    s.faults = {now.minor - live.faults_at_attach.minor, now.major - live.faults_at_attach.major};
    const double cpu = process_cpu_seconds();
    const double wall = std::chrono::duration<double>(Clock::now() - last_t).count();
    s.agent_cpu_pct = wall > 0 ? 100.0 * (cpu - last_cpu) / wall : 0;
    last_cpu = cpu;
    last_t = Clock::now();
    std::puts(format_stats_line(s).c_str());
    std::fflush(stdout);
  }
}

// Twice a second: resolve the strategy rules against /proc and push what
// changed into the scheduler's task_boosts map, so a new matching process
// is picked up within a second (a scan of a few thousand threads takes
// milliseconds).
constexpr auto kStrategyScanPeriod = std::chrono::milliseconds(500);

void apply_strategies_until(const std::atomic<bool> &stop, Live &live,
                            const std::vector<StrategyRule> &rules) {
  BoostTracker tracker(StrategyEngine(rules), ProcScanner("/proc"));
  std::unique_lock lock(live.mutex);
  while (!stop.load()) {
    if (live.sched != nullptr) {
      if (live.reloaded) {
        tracker.reset();
        live.reloaded = false;
      }
      try {
        const BoostDiff diff = tracker.refresh();
        for (const auto &b : diff.upserts) {
          live.sched->set_boost(b.pid, b.priority, b.slice_ns);
        }
        for (const int32_t pid : diff.removals) {
          live.sched->clear_boost(pid);
        }
        if (!diff.empty()) {
          std::printf("[scxx] strategies: %zu threads boosted (+%zu -%zu)\n",
                      tracker.current().size(), diff.upserts.size(), diff.removals.size());
          std::fflush(stdout);
        }
      } catch (const std::exception &e) {
        std::fprintf(stderr, "[scxx] strategies: %s (retrying)\n", e.what());
        tracker.reset();
      }
    }
    live.wake.wait_for(lock, kStrategyScanPeriod);
  }
}

} // namespace

int run_scheduler(const RunOptions &options) {
  const PolicyConfig policy_config{options.slice_us * 1000, options.slice_min_us * 1000};
  try {
    require_sched_ext_and_root();
    (void)make_policy(options.policy, policy_config); // reject bad settings before attaching
  } catch (const Error &e) {
    std::fprintf(stderr, "scxx: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception &e) {
    std::fprintf(stderr, "scxx: %s\n", e.what());
    return 2;
  }

  // Locked and pre-faulted before any thread exists, so every thread
  // allocates from the one locked heap (MemoryLock sets the allocator up).
  std::optional<MemoryLock> memory_lock;
  try {
    if (options.lock_memory) {
      memory_lock.emplace();
      if (!memory_lock->warnings().empty()) {
        std::fprintf(stderr, "[scxx] warning: %s\n", memory_lock->warnings().c_str());
      }
    }
  } catch (const Error &e) {
    std::fprintf(stderr, "scxx: %s\n", e.what());
    return e.exit_code();
  }

  // Signals go to one thread that only sets the stop flag.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &mask, nullptr);
  std::atomic<bool> stop{false};
  Live live;
  const auto start = Clock::now();
  // Under the mutex, so a thread between checking `stop` and waiting
  // cannot miss the wake-up.
  const auto request_stop = [&] {
    {
      const std::lock_guard lock(live.mutex);
      stop = true;
    }
    live.wake.notify_all();
  };

  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&mask, &sig);
    if (!stop.load()) {
      std::printf("[scxx] signal %d: detaching\n", sig);
      std::fflush(stdout);
    }
    request_stop();
  });
  std::thread stats_thread;
  if (options.stats_interval_s > 0) {
    stats_thread =
        std::thread([&] { print_stats_until(stop, live, options.stats_interval_s, start); });
  }
  std::thread strategy_thread;
  if (!options.strategies.empty()) {
    strategy_thread = std::thread([&] { apply_strategies_until(stop, live, options.strategies); });
  }
  std::thread timer_thread;
  if (options.duration_s > 0) {
    timer_thread = std::thread([&] {
      std::unique_lock lock(live.mutex);
      live.wake.wait_for(lock, std::chrono::duration<double>(options.duration_s),
                         [&] { return stop.load(); });
      stop = true;
    });
  }

  int status = 0;
  try {
    bool mmap_forbidden = false;
    for (int generation = 0;; ++generation) {
      SchedulerOptions sched_options;
      sched_options.slice_ns = options.slice_us * 1000;
      sched_options.partial = options.partial;
      sched_options.builtin_idle = options.builtin_idle;
      sched_options.debug = options.debug;
      sched_options.kernel_mode = options.kernel_mode;
      sched_options.slice_min_ns = options.slice_min_us * 1000;
      sched_options.max_run_ns = options.max_run_ms * 1000 * 1000;
      sched_options.stall_bound_ns = options.stall_ms * 1000 * 1000;
      sched_options.stall_abort = options.stall_abort;
      sched_options.starvation_ns = options.starvation_ms * 1000 * 1000;
      BpfScheduler sched(sched_options);
      auto policy = make_policy(options.policy, policy_config);
      AgentLoop loop(sched, *policy);
      sched.attach();
      if (options.forbid_mmap && !mmap_forbidden) {
        forbid_new_anonymous_mmaps(); // all threads and pools exist by now
        mmap_forbidden = true;
      }
      {
        const std::lock_guard lock(live.mutex);
        live.sched = &sched;
        live.loop = &loop;
        live.policy = policy.get();
        live.faults_at_attach = process_page_faults();
        live.reloaded = true;
      }
      live.wake.notify_all(); // strategies: push boosts now
      std::printf("[scxx] attached: ops=%s mode=%s policy=%s slice=%lluus%s%s\n",
                  sched_ext_ops_name().c_str(), options.kernel_mode ? "kernel" : "user",
                  options.kernel_mode ? "deadline(bpf)" : std::string(policy->name()).c_str(),
                  static_cast<unsigned long long>(options.slice_us),
                  options.partial ? " partial" : "", generation > 0 ? " (restarted)" : "");
      std::fflush(stdout);

      if (options.kernel_mode) {
        // BPF decides; this thread only waits for the end.
        std::unique_lock lock(live.mutex);
        while (!stop.load() && !sched.exited()) {
          live.wake.wait_for(lock, std::chrono::milliseconds(100));
        }
      } else {
        loop.run(stop);
      }

      {
        const std::lock_guard lock(live.mutex);
        live.sched = nullptr;
        live.loop = nullptr;
        live.policy = nullptr;
      }
      sched.detach();
      const scxx_exit_info info = sched.exit_info();
      const SchedulerStats st = sched.stats();
      std::printf("[scxx] exit %s\n[scxx] totals: queued=%llu user=%llu kernel=%llu "
                  "cancelled=%llu bounced=%llu failed=%llu congested=%llu missed_wakeups=%llu\n",
                  describe_exit(info).c_str(), static_cast<unsigned long long>(st.nr_queued),
                  static_cast<unsigned long long>(st.nr_user_dispatches),
                  static_cast<unsigned long long>(st.nr_kernel_dispatches),
                  static_cast<unsigned long long>(st.nr_cancel_dispatches),
                  static_cast<unsigned long long>(st.nr_bounce_dispatches),
                  static_cast<unsigned long long>(st.nr_failed_dispatches),
                  static_cast<unsigned long long>(st.nr_sched_congested),
                  static_cast<unsigned long long>(st.nr_missed_wakeups));
      std::printf("[scxx] waits: longest %llu ms, %llu moved ahead after %llu ms, %llu longer "
                  "than %llu ms (%llu seen still waiting); last: %s\n",
                  static_cast<unsigned long long>(st.max_wait_ns / 1000000),
                  static_cast<unsigned long long>(st.nr_starvation_moves),
                  static_cast<unsigned long long>(options.starvation_ms),
                  static_cast<unsigned long long>(st.nr_long_waits),
                  static_cast<unsigned long long>(options.stall_ms),
                  static_cast<unsigned long long>(st.nr_stalled_seen),
                  describe_wait(sched.last_long_wait()).c_str());
      std::fflush(stdout);
      if (!stop.load() && exit_requests_restart(info)) {
        std::printf("[scxx] the kernel asked for a restart (CPU hotplug): reloading\n");
        std::fflush(stdout);
        continue;
      }
      status = exit_is_error(info) ? 1 : 0;
      break;
    }
  } catch (const Error &e) {
    std::fprintf(stderr, "scxx: %s\n", e.what());
    status = e.exit_code();
  } catch (const std::exception &e) {
    std::fprintf(stderr, "scxx: %s\n", e.what());
    status = 1;
  }

  request_stop();
  pthread_kill(signal_thread.native_handle(), SIGINT); // release sigwait (SIGINT is in its set)
  signal_thread.join();
  if (stats_thread.joinable()) {
    stats_thread.join();
  }
  if (timer_thread.joinable()) {
    timer_thread.join();
  }
  if (strategy_thread.joinable()) {
    strategy_thread.join();
  }
  return status;
}

} // namespace scxx
