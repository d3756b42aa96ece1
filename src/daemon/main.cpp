// scxx: a sched_ext scheduler whose policy runs in user space.
#include "core/error.h"
#include "daemon/monitor_command.h"
#include "daemon/run_command.h"
#include "policy/policy_factory.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char **argv) {
  CLI::App app{"scxx: a Linux sched_ext CPU scheduler whose policy runs in user space.\n"
               "Exit status: 0 clean stop, 1 error, 78 kernel without sched_ext."};
  app.require_subcommand(1);

  scxx::RunOptions run;
  auto *run_cmd = app.add_subcommand(
      "run", "attach the scheduler and schedule every task (or, with --partial, tasks "
             "switched to SCHED_EXT) until SIGINT/SIGTERM");
  std::string names;
  std::vector<std::string> known;
  for (const auto &n : scxx::policy_names()) {
    names += (names.empty() ? "" : "|") + std::string(n);
    known.emplace_back(n);
  }
  run_cmd->add_option("-p,--policy", run.policy, "scheduling policy: " + names)
      ->check(CLI::IsMember(known));
  run_cmd->add_option("-s,--slice-us", run.slice_us, "default time slice (us)")
      ->check(CLI::Range(100, 1000000));
  run_cmd->add_option("-S,--slice-min-us", run.slice_min_us, "minimum time slice (us)")
      ->check(CLI::Range(50, 1000000));
  run_cmd->add_flag("--partial", run.partial, "only schedule tasks switched to SCHED_EXT");
  run_cmd->add_flag("--builtin-idle", run.builtin_idle,
                    "a waking task that finds an idle CPU runs there without the agent");
  run_cmd->add_option("--stats", run.stats_interval_s, "print live statistics every SECS")
      ->check(CLI::NonNegativeNumber);
  run_cmd->add_option("--duration", run.duration_s, "stop after SECS (0: run until signalled)")
      ->check(CLI::NonNegativeNumber);
  bool no_mlock = false;
  run_cmd->add_flag("--no-mlock", no_mlock,
                    "do not lock the agent's memory (risks page-fault stalls)");
  run_cmd->add_flag("--forbid-mmap", run.forbid_mmap,
                    "seccomp filter: new anonymous mmaps fail with EPERM once attached");
  run_cmd->add_flag("-k,--kernel-mode", run.kernel_mode,
                    "decide in BPF with the deadline policy (no user-space round trip)");
  run_cmd->add_option("--max-run-ms", run.max_run_ms,
                      "tick watchdog: preempt a task running longer than this (0: off)")
      ->check(CLI::Range(0, 60000));
  run_cmd->add_flag("-d,--debug", run.debug, "echo libbpf debug output");

  scxx::MonitorOptions monitor;
  auto *monitor_cmd = app.add_subcommand(
      "monitor", "print live statistics of a running scxx, one line per interval (needs root)");
  monitor_cmd->add_option("-i,--interval", monitor.interval_s, "seconds between lines")
      ->check(CLI::Range(0.1, 3600.0));
  monitor_cmd->add_option("-n,--count", monitor.count, "stop after N lines (0: never)")
      ->check(CLI::NonNegativeNumber);

  CLI11_PARSE(app, argc, argv);
  run.lock_memory = !no_mlock;
  if (run.slice_min_us > run.slice_us) {
    std::fprintf(stderr, "scxx: --slice-min-us (%llu) must not exceed --slice-us (%llu)\n",
                 static_cast<unsigned long long>(run.slice_min_us),
                 static_cast<unsigned long long>(run.slice_us));
    return 2;
  }
  if (*run_cmd) {
    return scxx::run_scheduler(run);
  }
  if (*monitor_cmd) {
    return scxx::run_monitor(monitor);
  }
  return 0;
}
