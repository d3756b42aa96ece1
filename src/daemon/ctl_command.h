// `scxx ctl`: the command-line client of the control API (docs/CONTROL.md).
#pragma once

#include "control/api_client.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace scxx {

struct CtlCommand {
  ApiClientOptions client;
  bool json = false;
  // What was asked, filled by the subcommands' callbacks.
  std::string action; // "status", "stats", "strategies list", ...
  std::string id;
  std::string policy;
  std::vector<std::string> assignments; // settings set key=value ...
  // Fields of strategies add/update (unset ones are left out / unchanged).
  std::optional<std::string> name;
  std::optional<int64_t> priority;
  std::optional<int64_t> slice_us;
  std::optional<int64_t> pid;
  std::optional<int64_t> tgid;
  std::optional<std::string> comm;
  std::optional<std::string> cgroup;
  std::optional<std::string> pod_uid;
};

// Adds `ctl` and its subcommands to `app`; returns the `ctl` command.
CLI::App *add_ctl_command(CLI::App &app, CtlCommand &ctl);

// Runs what was asked; returns the exit status (0 done, 1 refused or
// unreachable, 2 bad usage).
int run_ctl(const CtlCommand &ctl);

} // namespace scxx
