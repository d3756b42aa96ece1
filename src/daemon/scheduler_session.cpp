#include "daemon/scheduler_session.h"

#include "agent/agent_loop.h"
#include "core/exit_info.h"
#include "core/memory_lock.h"
#include "core/sched_ext_sysfs.h"
#include "core/wait_record.h"
#include "policy/policy_factory.h"

#include <chrono>
#include <cstdio>
#include <string>

namespace scxx {
namespace {

// Registers the scheduler and the loop with the control plane for the
// scope's lifetime (the loop has stopped when it ends).
class ControlledSession {
public:
  ControlledSession(LiveControl &control, BpfScheduler &sched, AgentLoop *loop)
      : control_(control) {
    control_.begin_session(sched, loop);
  }
  ~ControlledSession() { control_.end_session(); }
  ControlledSession(const ControlledSession &) = delete;
  ControlledSession &operator=(const ControlledSession &) = delete;

private:
  LiveControl &control_;
};

// Publishes the scheduler to the helper threads for the scope's lifetime.
class Published {
public:
  Published(LiveSession &live, BpfScheduler &sched) : live_(live) {
    {
      const std::lock_guard lock(live_.mutex);
      live_.sched = &sched;
      live_.at_attach = sample_stats(sched);
      live_.reloaded = true;
    }
    live_.wake.notify_all(); // strategies: push boosts now
  }
  ~Published() {
    const std::lock_guard lock(live_.mutex);
    live_.sched = nullptr;
  }
  Published(const Published &) = delete;
  Published &operator=(const Published &) = delete;

private:
  LiveSession &live_;
};

void print_attached(const Settings &s, const SchedulerOptions &o, const Policy &policy,
                    int generation) {
  std::printf("[scxx] attached: ops=%s mode=%s policy=%s slice=%lluus fast_path=%s wakeup=%s%s%s\n",
              sched_ext_ops_name().c_str(), s.kernel_mode ? "kernel" : "user",
              s.kernel_mode ? "deadline(bpf)" : std::string(policy.name()).c_str(),
              static_cast<unsigned long long>(s.slice_us), o.fast_path ? "on" : "off",
              o.agent_yield ? "yield" : "ring", s.partial ? " partial" : "",
              generation > 0 ? " (restarted)" : "");
  std::fflush(stdout);
}

void print_exit(const Settings &s, const BpfScheduler &sched, const StatsSample &at_attach) {
  const StatsSample end = sample_stats(sched);
  const SchedulerStats &st = end.sched;
  // The scheduler's counters from its load, page faults and CPU share over
  // the session (from attach).
  StatsSample since = at_attach;
  since.sched = {};
  std::printf("[scxx] exit %s\n[scxx] totals: %s\n", describe_exit(sched.exit_info()).c_str(),
              format_stats_fields(end, since, at_attach).c_str());
  std::printf("[scxx] waits: longest %llu ms, %llu moved ahead after %llu ms, %llu longer "
              "than %llu ms (%llu seen still waiting); last: %s\n",
              static_cast<unsigned long long>(st.max_wait_ns / kNsecPerMsec),
              static_cast<unsigned long long>(st.nr_starvation_moves),
              static_cast<unsigned long long>(s.starvation_ms),
              static_cast<unsigned long long>(st.nr_long_waits),
              static_cast<unsigned long long>(s.stall_ms),
              static_cast<unsigned long long>(st.nr_stalled_seen),
              describe_wait(sched.last_long_wait()).c_str());
  std::fflush(stdout);
}

// How long the load took and what the verifier processed per program
// (docs/KERNELS.md records these per kernel).
void print_load(const BpfScheduler &sched) {
  std::string programs;
  uint64_t total = 0;
  for (const BpfScheduler::VerifiedProgram &p : sched.verified_programs()) {
    programs += " " + p.name + "=" + std::to_string(p.verified_insns);
    total += p.verified_insns;
  }
  std::printf("[scxx] loaded in %.0f ms; verified instructions: total=%llu%s\n", sched.load_ms(),
              static_cast<unsigned long long>(total), programs.c_str());
  std::fflush(stdout);
}

} // namespace

SessionOutcome SchedulerSession::stopped_before(const char *next_step) {
  std::printf("[scxx] stopped before %s: nothing attached\n", next_step);
  std::fflush(stdout);
  return {0, false};
}

SessionOutcome SchedulerSession::run() {
  const Settings s = control_.current_settings();
  // Owned by the control plane, which may switch it while the loop runs.
  const LiveControl::SessionPolicy built = control_.build_session_policy();
  Policy *const policy = &built.policy;
  const SchedulerOptions sched_options = scheduler_options(s, policy->allows_fast_path());
  // A stop asked during start-up is honoured between its steps; the load
  // (the kernel's verifier) cannot be interrupted and finishes first.
  if (!live_.enter_step("loading the BPF program")) {
    return stopped_before("loading the BPF program");
  }
  BpfScheduler sched(sched_options);
  print_load(sched);
  AgentLoop loop(sched, *policy, built.context);
  if (!live_.enter_step("attaching")) {
    return stopped_before("attaching");
  }
  sched.attach();
  live_.step = "attached";
  if (s.forbid_mmap && !mmap_forbidden_) {
    forbid_new_anonymous_mmaps(); // all threads and pools exist by now
    mmap_forbidden_ = true;
  }
  StatsSample at_attach;
  {
    const Published published(live_, sched);
    const ControlledSession controlled(control_, sched, s.kernel_mode ? nullptr : &loop);
    at_attach = live_.at_attach;
    print_attached(s, sched_options, *policy, generation_++);
    if (s.kernel_mode) {
      // BPF decides; this thread only waits for the end.
      std::unique_lock lock(live_.mutex);
      while (!live_.stop.load() && !sched.exited()) {
        live_.wake.wait_for(lock, std::chrono::milliseconds(100));
      }
    } else {
      loop.run(live_.stop);
    }
  }
  sched.detach();
  print_exit(control_.current_settings(), sched, at_attach);
  const scxx_exit_info info = sched.exit_info();
  if (!live_.stop.load() && exit_requests_restart(info)) {
    std::printf("[scxx] the kernel asked for a restart (CPU hotplug): reloading\n");
    std::fflush(stdout);
    return {0, true};
  }
  return {exit_is_error(info) ? 1 : 0, false};
}

} // namespace scxx
