// Every setting of `scxx run`, in the units a person writes them. One table
// (settings_table.h) says, for each of them, its YAML key, its command-line
// flag, its help, range and default; the config file, the command line and
// `scxx config --explain` are all generated from it.
#pragma once

#include "core/scheduler_options.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace scxx {

inline constexpr uint64_t kUsecPerMsec = 1000;

// Defaults come from the layers below (SchedulerOptions, PolicyConfig), so
// each is written once.
struct Settings {
  std::string policy = "gthulhu"; // one of policy_names()
  bool kernel_mode = SchedulerOptions{}.kernel_mode;
  uint64_t slice_us = SchedulerOptions{}.slice_ns / kNsecPerUsec;
  uint64_t slice_min_us = SchedulerOptions{}.slice_min_ns / kNsecPerUsec;
  bool partial = SchedulerOptions{}.partial;
  std::string fast_path = "policy"; // one of fast_path_names()
  uint64_t agent_spin_us = SchedulerOptions{}.agent_spin_ns / kNsecPerUsec;
  std::string agent_wakeup = SchedulerOptions{}.agent_yield ? "yield" : "ring";
  uint64_t max_run_ms = SchedulerOptions{}.max_run_ns / kNsecPerMsec;
  uint64_t agent_timeout_ms = SchedulerOptions{}.agent_timeout_ns / kNsecPerMsec;
  uint64_t max_queued = PolicyLimits{}.max_queued;
  uint64_t starvation_ms = SchedulerOptions{}.starvation_ns / kNsecPerMsec;
  uint64_t stall_ms = SchedulerOptions{}.stall_bound_ns / kNsecPerMsec;
  bool stall_abort = SchedulerOptions{}.stall_abort;
  bool lock_memory = true;
  bool forbid_mmap = false;
  double stats_interval_s = 0; // 0: no live statistics
  double duration_s = 0;       // 0: until SIGINT/SIGTERM
  bool debug = SchedulerOptions{}.debug;
  // The control API (src/control, docs/CONTROL.md).
  std::string api_socket = "/run/scxx/api.sock"; // "" turns the Unix socket off
  std::string api_listen;                        // "host:port" over TLS; "" = no TCP
  std::string api_tls_cert;
  std::string api_tls_key;
  std::string api_client_ca;      // mTLS: clients must present a certificate it signed
  std::string api_jwt_public_key; // RS256 bearer tokens verified with this PEM key
  std::string api_jwt_issuer;     // the "iss" every token must carry
  std::string api_database = "/var/lib/scxx/scxx.db"; // "" keeps nothing across restarts
  uint64_t api_max_strategies = 256;
};

// A rule between several settings that the table's per-key ranges cannot
// express; `path` names the key to blame, `other` the key it is checked
// against (a file that sets only that one is blamed there).
struct SettingsProblem {
  std::string path;
  std::string other;
  std::string message;
};

// Checks every rule that spans settings. The config file and the command
// line (after the file) both call it, so each rule is written once.
std::optional<SettingsProblem> settings_problem(const Settings &s);
// The part of it about the control API (the TCP listener's TLS and
// authentication), which the API checks again when it starts.
std::optional<SettingsProblem> api_settings_problem(const Settings &s);

// The values scheduler.agent_wakeup and scheduler.fast_path take.
std::vector<std::string> agent_wakeup_names();
std::vector<std::string> fast_path_names();

// The settings as the core and the policies take them; `policy_allows_fast_path`
// is what the policy declares (Policy::allows_fast_path), used when
// scheduler.fast_path is "policy".
SchedulerOptions scheduler_options(const Settings &s, bool policy_allows_fast_path);
PolicyConfig policy_config(const Settings &s);

} // namespace scxx
