// scxx: a sched_ext scheduler whose policy runs in user space.
//   scxx run [options]       attach and schedule
//   scxx monitor             live statistics of a running scxx
//   scxx config --explain    every configuration key, its range and meaning
#include "config/config.h"
#include "core/error.h"
#include "daemon/monitor_command.h"
#include "daemon/run_command.h"
#include "policy/policy_factory.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

namespace {

// Settings from the config file; command-line options given explicitly win.
void apply_config(const scxx::Config &cfg, const CLI::App &cmd, scxx::RunOptions &run) {
  const auto unset = [&](const char *name) { return cmd.get_option(name)->count() == 0; };
  const auto &s = cfg.scheduler;
  if (unset("--policy")) {
    run.policy = s.policy;
  }
  if (unset("--kernel-mode")) {
    run.kernel_mode = s.kernel_mode;
  }
  if (unset("--slice-us")) {
    run.slice_us = s.slice_us;
  }
  if (unset("--slice-min-us")) {
    run.slice_min_us = s.slice_min_us;
  }
  if (unset("--partial")) {
    run.partial = s.partial;
  }
  if (unset("--builtin-idle")) {
    run.builtin_idle = s.builtin_idle;
  }
  if (unset("--max-run-ms")) {
    run.max_run_ms = s.max_run_ms;
  }
  if (unset("--starvation-ms")) {
    run.starvation_ms = s.starvation_ms;
  }
  if (unset("--stall-ms")) {
    run.stall_ms = s.stall_ms;
  }
  if (unset("--no-mlock")) {
    run.lock_memory = s.lock_memory;
  }
  if (unset("--forbid-mmap")) {
    run.forbid_mmap = s.forbid_mmap;
  }
  if (unset("--stats")) {
    run.stats_interval_s = cfg.stats.interval_s;
  }
  run.strategies = cfg.strategies;
}

} // namespace

static int cli_main(int argc, char **argv) {
  CLI::App app{"scxx: a Linux sched_ext CPU scheduler whose policy runs in user space.\n"
               "Exit status: 0 clean stop, 1 error, 2 bad usage or configuration,\n"
               "78 kernel without sched_ext."};
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
  std::string config_file;
  run_cmd
      ->add_option("-c,--config", config_file,
                   "YAML configuration file (see `scxx config --explain`); options given "
                   "on the command line override it")
      ->check(CLI::ExistingFile);
  run_cmd->add_option("-p,--policy", run.policy, "user-space policy: " + names)
      ->check(CLI::IsMember(known))
      ->default_str(run.policy);
  run_cmd->add_option("-s,--slice-us", run.slice_us, "default time slice (us)")
      ->check(CLI::Range(100, 1000000))
      ->default_str(std::to_string(run.slice_us));
  run_cmd->add_option("-S,--slice-min-us", run.slice_min_us, "minimum time slice (us)")
      ->check(CLI::Range(50, 1000000))
      ->default_str(std::to_string(run.slice_min_us));
  run_cmd->add_flag("--partial", run.partial, "only schedule tasks switched to SCHED_EXT");
  run_cmd->add_flag("--builtin-idle", run.builtin_idle,
                    "a waking task that finds an idle CPU runs there without the agent");
  run_cmd->add_flag("-k,--kernel-mode", run.kernel_mode,
                    "decide in BPF with the deadline policy (no user-space round trip)");
  run_cmd
      ->add_option("--max-run-ms", run.max_run_ms,
                   "tick watchdog: preempt a task running longer than this (0: off)")
      ->check(CLI::Range(0, 60000))
      ->default_str(std::to_string(run.max_run_ms));
  run_cmd
      ->add_option("--stall-ms", run.stall_ms,
                   "liveness bound: a runnable task waiting longer than this is counted and "
                   "recorded (which DSQ, which CPUs) in the stats")
      ->check(CLI::Range(10, 30000))
      ->default_str(std::to_string(run.stall_ms));
  run_cmd
      ->add_option("--starvation-ms", run.starvation_ms,
                   "guaranteed bound: a task waiting longer than this in a queue of scxx is "
                   "moved to a CPU's local queue and runs next (0: off)")
      ->check(CLI::Range(0, 4000)) // plus the 100 ms scan: below the kernel's 5 s watchdog
      ->default_str(std::to_string(run.starvation_ms));
  run_cmd->add_flag("--stall-abort", run.stall_abort,
                    "debugging: stop the scheduler at the first wait longer than --stall-ms, "
                    "with a message naming the task and where it waited");
  run_cmd->add_option("--stats", run.stats_interval_s, "print live statistics every SECS (0: off)")
      ->check(CLI::NonNegativeNumber);
  run_cmd->add_option("--duration", run.duration_s, "stop after SECS (0: run until signalled)")
      ->check(CLI::NonNegativeNumber);
  bool no_mlock = false;
  run_cmd->add_flag("--no-mlock", no_mlock,
                    "do not lock the agent's memory (risks page-fault stalls)");
  run_cmd->add_flag("--forbid-mmap", run.forbid_mmap,
                    "seccomp filter: new anonymous mmaps fail with EPERM once attached");
  run_cmd->add_flag("-d,--debug", run.debug, "echo libbpf debug output");

  scxx::MonitorOptions monitor;
  auto *monitor_cmd = app.add_subcommand(
      "monitor", "print live statistics of a running scxx, one line per interval (needs root)");
  monitor_cmd->add_option("-i,--interval", monitor.interval_s, "seconds between lines")
      ->check(CLI::Range(0.1, 3600.0));
  monitor_cmd->add_option("-n,--count", monitor.count, "stop after N lines (0: never)")
      ->check(CLI::NonNegativeNumber);

  auto *config_cmd = app.add_subcommand("config", "explain or check configuration files");
  bool explain = false;
  std::string check_file;
  config_cmd->add_flag("--explain", explain, "print every key, its default, range and meaning");
  config_cmd->add_option("--check", check_file, "validate FILE and print the settings it gives");
  config_cmd->require_option(1);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    // --help prints and succeeds; every usage error exits 2.
    return app.exit(e) == 0 ? 0 : 2;
  }

  try {
    if (*config_cmd) {
      if (explain) {
        std::fputs(scxx::explain_config().c_str(), stdout);
        return 0;
      }
      const scxx::Config cfg = scxx::load_config_file(check_file);
      std::printf("%s: ok (policy %s, %s mode, %zu strategies)\n", check_file.c_str(),
                  cfg.scheduler.policy.c_str(), cfg.scheduler.kernel_mode ? "kernel" : "user",
                  cfg.strategies.size());
      return 0;
    }
    if (*monitor_cmd) {
      return scxx::run_monitor(monitor);
    }
    run.lock_memory = !no_mlock;
    if (!config_file.empty()) {
      apply_config(scxx::load_config_file(config_file), *run_cmd, run);
    }
    if (run.slice_min_us > run.slice_us) {
      std::fprintf(stderr,
                   "scxx: the minimum slice (%llu us) must not exceed the slice (%llu us)\n",
                   static_cast<unsigned long long>(run.slice_min_us),
                   static_cast<unsigned long long>(run.slice_us));
      return 2;
    }
    return scxx::run_scheduler(run);
  } catch (const scxx::ConfigError &e) {
    std::fprintf(stderr, "scxx: %s\n", e.what());
    return 2;
  } catch (const scxx::Error &e) {
    std::fprintf(stderr, "scxx: %s\n", e.what());
    return e.exit_code();
  }
}

int main(int argc, char **argv) {
  try {
    return cli_main(argc, argv);
  } catch (const std::exception &e) { // last resort: never die without a word
    std::fprintf(stderr, "%s: %s\n", "scxx", e.what());
    return 1;
  }
}
