// `scxx run`: load, attach, schedule through a user-space Policy until
// signalled, reload after a CPU hotplug restart request.
#pragma once

#include "config/settings.h"
#include "policy/policy_context.h"
#include "strategy/strategy.h"

#include <signal.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace scxx {

struct RunOptions {
  Settings settings; // checked with settings_problem() by the caller
  // The runtime settings the control plane stored (api.database) apply
  // between the config file and the command line: `file_settings` are the
  // defaults with the config file, `command_line_over` puts the options
  // given on the command line over a base. Unset: nothing is stored.
  Settings file_settings;
  std::function<Settings(const Settings &)> command_line_over;
  std::vector<StrategyRule> strategies; // resolved against /proc twice a second
  // policies.<name>.<key> from the config file (checked by make_policy).
  std::map<std::string, std::map<std::string, double>> policy_options;
};

// Returns the process exit status: 0 clean stop, 1 the scheduler exited
// with an error. Throws scxx::Error (or std::invalid_argument for settings
// no policy accepts) when it cannot start or run; main reports it.
int run_scheduler(const RunOptions &options);

// SIGINT and SIGTERM, which stop `scxx run`. main() blocks them before
// anything else, so that one sent during start-up is never lost (a process
// started in the background by a shell ignores SIGINT; a blocked signal is
// kept pending all the same) and `scxx run`'s signal thread takes it;
// every other command unblocks them after parsing.
sigset_t stop_signals();
void block_stop_signals();
void unblock_stop_signals();

// The context the policy of `options` is built with: slices, topology, its
// options from the config file.
PolicyContext make_policy_context(const RunOptions &options);

} // namespace scxx
