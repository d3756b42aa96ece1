// scxx: a sched_ext scheduler whose policy runs in user space.
#include "core/error.h"
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
  run_cmd->add_flag("--no-mlock{false}", run.lock_memory,
                    "do not lock the agent's memory (risks page-fault stalls)");
  run_cmd->add_flag("--forbid-mmap", run.forbid_mmap,
                    "seccomp filter: new anonymous mmaps fail with EPERM once attached");
  run_cmd->add_flag("-d,--debug", run.debug, "echo libbpf debug output");

  CLI11_PARSE(app, argc, argv);
  if (run.slice_min_us > run.slice_us) {
    std::fprintf(stderr, "scxx: --slice-min-us (%llu) must not exceed --slice-us (%llu)\n",
                 static_cast<unsigned long long>(run.slice_min_us),
                 static_cast<unsigned long long>(run.slice_us));
    return 2;
  }
  if (*run_cmd) {
    return scxx::run_scheduler(run);
  }
  return 0;
}
