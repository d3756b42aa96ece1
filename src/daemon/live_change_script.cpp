#include "daemon/live_change_script.h"

#include "config/config.h"

#include <charconv>
#include <sstream>

namespace scxx {
namespace {

constexpr std::string_view kNumberKeys[] = {"slice_us",         "slice_min_us",  "max_run_ms",
                                            "agent_timeout_ms", "starvation_ms", "stall_ms"};

bool is_number_key(std::string_view key) {
  for (const std::string_view k : kNumberKeys) {
    if (k == key) {
      return true;
    }
  }
  return false;
}

std::optional<uint64_t> number(std::string_view text) {
  uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return v;
}

// "tgid:PID:PRIORITY" -> a rule on that process.
StrategyRule strategy_of(const std::string &entry, const std::string &value) {
  std::istringstream in(value);
  std::string kind;
  std::string pid;
  std::string prio;
  std::getline(in, kind, ':');
  std::getline(in, pid, ':');
  std::getline(in, prio, ':');
  const auto p = number(pid);
  const auto q = number(prio);
  if (kind != "tgid" || !p || !q || *p == 0 || *p > INT32_MAX) {
    throw ConfigError("--test-live-changes \"" + entry +
                      "\": strategy must be tgid:PID:PRIORITY, got \"" + value + "\"");
  }
  StrategyRule rule;
  rule.tgid = static_cast<int32_t>(*p);
  rule.priority = static_cast<uint32_t>(*q);
  rule.name = "live";
  if (auto problem = rule_problem(rule)) {
    throw ConfigError("--test-live-changes \"" + entry + "\": " + *problem);
  }
  return rule;
}

// The error for a bad entry, naming it.
ConfigError bad_entry(const std::string &entry, const std::string &what) {
  return ConfigError("--test-live-changes \"" + entry + "\": " + what);
}

LiveChange parse_one(const std::string &entry) {
  LiveChange change{entry, {}, std::nullopt};
  std::istringstream in(entry);
  std::string item;
  while (std::getline(in, item, ',')) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos) {
      throw bad_entry(entry, "\"" + item + "\" is not key=value");
    }
    std::string key = item.substr(0, eq);
    std::string value = item.substr(eq + 1);
    if (key == "strategy") {
      change.strategy = strategy_of(entry, value);
    } else if (key == "policy" || key == "fast_path") {
      change.settings.emplace_back(std::move(key), std::move(value));
    } else if (is_number_key(key)) {
      if (!number(value)) {
        std::string what = key;
        what += " must be a whole number, got \"";
        what += value;
        what += '"';
        throw bad_entry(entry, what);
      }
      change.settings.emplace_back(std::move(key), std::move(value));
    } else {
      throw bad_entry(entry, "unknown key \"" + key +
                                 "\" (policy, slice_us, slice_min_us, fast_path, max_run_ms, "
                                 "agent_timeout_ms, starvation_ms, stall_ms, strategy)");
    }
  }
  return change;
}

} // namespace

std::vector<LiveChange> parse_live_changes(const std::vector<std::string> &entries) {
  std::vector<LiveChange> out;
  out.reserve(entries.size());
  for (const std::string &entry : entries) {
    out.push_back(parse_one(entry));
  }
  return out;
}

std::optional<std::string> apply_live_change(ControlTarget &target, const LiveChange &change) {
  if (change.strategy) {
    target.set_strategies({*change.strategy});
  }
  if (change.settings.empty()) {
    return std::nullopt;
  }
  RuntimeSettings next = target.settings();
  for (const auto &[key, value] : change.settings) {
    const uint64_t n = number(value).value_or(0);
    if (key == "policy") {
      next.policy = value;
    } else if (key == "fast_path") {
      next.fast_path = value;
    } else if (key == "slice_us") {
      next.slice_us = n;
    } else if (key == "slice_min_us") {
      next.slice_min_us = n;
    } else if (key == "max_run_ms") {
      next.max_run_ms = n;
    } else if (key == "agent_timeout_ms") {
      next.agent_timeout_ms = n;
    } else if (key == "starvation_ms") {
      next.starvation_ms = n;
    } else if (key == "stall_ms") {
      next.stall_ms = n;
    }
  }
  return target.change_settings(next);
}

} // namespace scxx
