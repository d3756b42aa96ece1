#include "config/settings.h"

#include "policy/policy_factory.h"
#include "policy/policy_registry.h"

namespace scxx {

PolicyConfig policy_config(const Settings &s) {
  return PolicyConfig{.slice_ns = s.slice_us * kNsecPerUsec,
                      .slice_min_ns = s.slice_min_us * kNsecPerUsec};
}

SchedulerOptions scheduler_options(const Settings &s, bool policy_allows_fast_path) {
  SchedulerOptions o;
  o.slice_ns = s.slice_us * kNsecPerUsec;
  o.slice_min_ns = s.slice_min_us * kNsecPerUsec;
  o.partial = s.partial;
  o.fast_path = s.fast_path == "on" || (s.fast_path == "policy" && policy_allows_fast_path);
  o.agent_spin_ns = s.agent_spin_us * kNsecPerUsec;
  o.agent_yield = s.agent_wakeup == "yield";
  o.debug = s.debug;
  o.kernel_mode = s.kernel_mode;
  o.max_run_ns = s.max_run_ms * kNsecPerMsec;
  o.agent_timeout_ns = s.agent_timeout_ms * kNsecPerMsec;
  o.stall_bound_ns = s.stall_ms * kNsecPerMsec;
  o.stall_abort = s.stall_abort;
  o.starvation_ns = s.starvation_ms * kNsecPerMsec;
  return o;
}

std::vector<std::string> agent_wakeup_names() {
  return {"yield", "ring"};
}

std::vector<std::string> fast_path_names() {
  return {"policy", "on", "off"};
}

std::optional<SettingsProblem> settings_problem(const Settings &s) {
  if (s.fast_path != "policy" && s.fast_path != "on" && s.fast_path != "off") {
    return SettingsProblem{"scheduler.fast_path", "",
                           "\"" + s.fast_path + "\" is not one of policy, on, off"};
  }
  if (s.agent_wakeup != "yield" && s.agent_wakeup != "ring") {
    return SettingsProblem{"scheduler.agent_wakeup", "",
                           "\"" + s.agent_wakeup + "\" is not one of yield, ring"};
  }
  if (find_policy(s.policy) == nullptr) {
    return SettingsProblem{"scheduler.policy", "",
                           "\"" + s.policy + "\" is not one of " + policy_names_text()};
  }
  // The slice rule belongs to the policies (policy_config_problem); it is
  // reported here in the units and names a person wrote.
  if (policy_config_problem(policy_config(s))) {
    return SettingsProblem{"scheduler.slice_min_us", "scheduler.slice_us",
                           std::to_string(s.slice_min_us) +
                               " must not exceed scheduler.slice_us (" +
                               std::to_string(s.slice_us) + ")"};
  }
  if (auto problem = api_settings_problem(s)) {
    return problem;
  }
  return std::nullopt;
}

std::optional<SettingsProblem> api_settings_problem(const Settings &s) {
  if (s.api_listen.empty()) {
    return std::nullopt;
  }
  if (s.api_tls_cert.empty() || s.api_tls_key.empty()) {
    return SettingsProblem{"api.listen", "api.tls_cert",
                           "TCP is served over TLS only: set api.tls_cert and api.tls_key"};
  }
  if (s.api_client_ca.empty() && s.api_jwt_public_key.empty()) {
    return SettingsProblem{"api.listen", "api.client_ca",
                           "TCP is never served without authentication: set api.client_ca "
                           "(client certificates) or api.jwt_public_key (bearer tokens)"};
  }
  if (!s.api_jwt_public_key.empty() && s.api_jwt_issuer.empty()) {
    return SettingsProblem{"api.jwt_issuer", "api.jwt_public_key",
                           "required with api.jwt_public_key (tokens are checked against it)"};
  }
  return std::nullopt;
}

} // namespace scxx
