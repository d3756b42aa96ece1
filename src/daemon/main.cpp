// scxx: a sched_ext scheduler whose policy runs in user space.
//   scxx run [options]       attach and schedule
//   scxx monitor             live statistics of a running scxx
//   scxx config --explain    every configuration key, its range and meaning
//   scxx ctl ...             change strategies, settings and the policy of a running scxx
//   scxx sim --workload F    compare policies on a simulated machine
#include "config/config.h"
#include "config/settings_table.h"
#include "core/error.h"
#include "daemon/cli_settings.h"
#include "daemon/ctl_command.h"
#include "daemon/monitor_command.h"
#include "daemon/policy_library.h"
#include "daemon/run_command.h"
#include "daemon/sim_command.h"
#include "policy/policy_registry.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using scxx::kExitUsage;

// Settings as they apply: defaults, then the config file, then the options
// given on the command line; every rule between settings checked once.
scxx::RunOptions resolve_run_options(const CLI::App &cmd, const scxx::Settings &cli,
                                     const std::string &config_file) {
  scxx::RunOptions run;
  if (!config_file.empty()) {
    scxx::Config cfg = scxx::load_config_file(config_file);
    run.settings = cfg.settings;
    run.strategies = std::move(cfg.strategies);
    run.policy_options = std::move(cfg.policy_options);
  }
  run.file_settings = run.settings;
  run.command_line_over = [&cmd, &cli](const scxx::Settings &base) {
    return scxx::apply_given_options(cmd, cli, base);
  };
  run.settings = scxx::apply_given_options(cmd, cli, run.settings);
  if (const auto problem = scxx::settings_problem(run.settings)) {
    std::string where = problem->path;
    for (const scxx::SettingDesc &row : scxx::settings_table()) {
      if (row.path == problem->path && !row.flag.empty()) {
        where += " (" + std::string(row.flag) + ")";
      }
    }
    throw scxx::ConfigError(where + ": " + problem->message +
                            (config_file.empty() ? "" : " (with " + config_file + ")"));
  }
  return run;
}

int cli_main(int argc, char **argv) {
  for (const std::string &problem : scxx::registry_problems()) {
    throw scxx::Error("built-in policies: " + problem); // a bug in this build
  }
  CLI::App app{"scxx: a Linux sched_ext CPU scheduler whose policy runs in user space.\n"
               "Exit status: 0 clean stop, 1 error, 2 bad usage or configuration,\n"
               "78 kernel without sched_ext."};
  app.require_subcommand(1);

  auto *run_cmd = app.add_subcommand(
      "run", "attach the scheduler and schedule every task (or, with --partial, tasks "
             "switched to SCHED_EXT) until SIGINT/SIGTERM");
  std::string config_file;
  run_cmd
      ->add_option("-c,--config", config_file,
                   "YAML configuration file (see `scxx config --explain`); options given "
                   "on the command line override it")
      ->check(CLI::ExistingFile);
  scxx::Settings cli;
  scxx::add_setting_options(*run_cmd, cli);
  std::vector<std::string> policy_libs;
  const std::string lib_help = "load policies from a shared library built against scxx's Policy "
                               "headers (see docs/writing-a-policy.md); may be repeated";
  run_cmd->add_option("--policy-lib", policy_libs, lib_help)->check(CLI::ExistingFile);

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
  config_cmd->add_option("--policy-lib", policy_libs, lib_help + ", so its options are known")
      ->check(CLI::ExistingFile);

  scxx::SimCommand sim_cmd(app);
  scxx::CtlCommand ctl;
  auto *ctl_cmd = scxx::add_ctl_command(app, ctl);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    // --help prints and succeeds; every usage error exits 2.
    scxx::unblock_stop_signals();
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }

  if (!*run_cmd) {
    scxx::unblock_stop_signals(); // only `scxx run` waits for them
  }
  for (const std::string &path : policy_libs) {
    scxx::load_policy_library(path); // before anything looks up a policy
  }
  if (*config_cmd) {
    if (!explain && check_file.empty()) {
      throw scxx::ConfigError("config: give --explain, or --check FILE");
    }
    if (explain) {
      std::fputs(scxx::explain_config().c_str(), stdout);
      return 0;
    }
    const scxx::Config cfg = scxx::load_config_file(check_file);
    std::printf("%s: ok (policy %s, %s mode, %zu strategies)\n", check_file.c_str(),
                cfg.settings.policy.c_str(), cfg.settings.kernel_mode ? "kernel" : "user",
                cfg.strategies.size());
    return 0;
  }
  if (*ctl_cmd) {
    return scxx::run_ctl(ctl);
  }
  if (sim_cmd.chosen()) {
    return sim_cmd.run();
  }
  if (*monitor_cmd) {
    return scxx::run_monitor(monitor);
  }
  scxx::RunOptions run = resolve_run_options(*run_cmd, cli, config_file);
  return scxx::run_scheduler(run);
}

} // namespace

// The one place errors are reported: every command throws, this prints.
int main(int argc, char **argv) {
  scxx::block_stop_signals(); // first: see run_command.h
  try {
    return cli_main(argc, argv);
  } catch (const scxx::ConfigError &e) {
    std::fprintf(stderr, "scxx: %s\n", e.what());
    return kExitUsage;
  } catch (const std::invalid_argument &e) { // settings no policy accepts
    std::fprintf(stderr, "scxx: %s\n", e.what());
    return kExitUsage;
  } catch (const scxx::Error &e) {
    std::fprintf(stderr, "scxx: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception &e) {
    std::fprintf(stderr, "scxx: %s\n", e.what());
    return 1;
  }
}
