#include "control/runtime_settings.h"

#include "config/settings_table.h"

#include <algorithm>
#include <variant>

namespace scxx {
namespace {

// The keys of the settings table that RuntimeSettings carries.
constexpr std::string_view kRuntimeKeys[] = {
    "scheduler.policy",        "scheduler.slice_us",   "scheduler.slice_min_us",
    "scheduler.fast_path",     "scheduler.max_run_ms", "scheduler.agent_timeout_ms",
    "scheduler.starvation_ms", "scheduler.stall_ms"};

// The row's value in `s` against its range or choices.
std::optional<std::string> row_problem(const SettingDesc &row, const Settings &s) {
  if (const auto *field = std::get_if<uint64_t Settings::*>(&row.field)) {
    const auto v = static_cast<double>(s.**field);
    if (v < row.min || v > row.max) {
      return std::string(row.path) + ": " + std::to_string(s.**field) + " is out of range [" +
             format_number(row.min) + ", " + format_number(row.max) + "]";
    }
  }
  if (const auto *field = std::get_if<std::string Settings::*>(&row.field);
      field != nullptr && row.choices != nullptr) {
    const std::vector<std::string> choices = row.choices();
    if (std::find(choices.begin(), choices.end(), s.**field) == choices.end()) {
      std::string list;
      for (const std::string &c : choices) {
        list += (list.empty() ? "" : ", ") + c;
      }
      return std::string(row.path) + ": \"" + s.**field + "\" is not one of " + list;
    }
  }
  return std::nullopt;
}

} // namespace

RuntimeSettings runtime_settings_of(const Settings &s) {
  return RuntimeSettings{.policy = s.policy,
                         .slice_us = s.slice_us,
                         .slice_min_us = s.slice_min_us,
                         .fast_path = s.fast_path,
                         .max_run_ms = s.max_run_ms,
                         .agent_timeout_ms = s.agent_timeout_ms,
                         .starvation_ms = s.starvation_ms,
                         .stall_ms = s.stall_ms};
}

Settings with_runtime_settings(Settings base, const RuntimeSettings &r) {
  base.policy = r.policy;
  base.slice_us = r.slice_us;
  base.slice_min_us = r.slice_min_us;
  base.fast_path = r.fast_path;
  base.max_run_ms = r.max_run_ms;
  base.agent_timeout_ms = r.agent_timeout_ms;
  base.starvation_ms = r.starvation_ms;
  base.stall_ms = r.stall_ms;
  return base;
}

std::optional<std::string> merge_runtime_settings(const RuntimeSettings &next, Settings &s) {
  const Settings merged = with_runtime_settings(s, next);
  for (const SettingDesc &row : settings_table()) {
    if (std::find(std::begin(kRuntimeKeys), std::end(kRuntimeKeys), row.path) ==
        std::end(kRuntimeKeys)) {
      continue;
    }
    if (auto problem = row_problem(row, merged)) {
      return problem;
    }
  }
  if (const auto problem = settings_problem(merged)) {
    return problem->path + ": " + problem->message;
  }
  s = merged;
  return std::nullopt;
}

bool needs_new_policy(const RuntimeSettings &now, const RuntimeSettings &next) {
  return now.policy != next.policy || now.slice_us != next.slice_us ||
         now.slice_min_us != next.slice_min_us;
}

} // namespace scxx
