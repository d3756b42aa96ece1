#include "control/api_handlers.h"

#include "control/api_codec.h"
#include "control/api_error.h"
#include "control/gthulhu_priority.h"
#include "control/prometheus_metrics.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>

#ifndef SCXX_VERSION
#define SCXX_VERSION "unknown"
#endif

namespace scxx {
namespace {

using nlohmann::json;

constexpr const char *kPrefix = "/api/v1/";
constexpr size_t kMaxIdDigits = 18;

ApiResponse json_response(const json &j, int status = 200) {
  return {status, "application/json", j.dump()};
}

std::string rfc3339_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

[[noreturn]] void not_found(const std::string &what) {
  throw ApiError(kHttpNotFound, "", what);
}

int64_t parse_id(const std::string &text) {
  if (text.empty() || text.size() > kMaxIdDigits ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw ApiError(kHttpBadRequest, "id", "id: \"" + text.substr(0, 32) + "\" is not a number");
  }
  return std::stoll(text);
}

json stats_json(const LiveStats &s) {
  json counters = json::object();
  for (const StatDesc &d : stat_descs()) {
    counters[std::string(d.name)] = s.sched.*d.field;
  }
  json j = {{"attached", s.attached},
            {"kernel_mode", s.kernel_mode},
            {"ops_name", s.ops_name},
            {"uptime_s", s.uptime_s},
            {"policy", s.policy},
            {"counters", std::move(counters)},
            {"agent",
             {{"cpu_s", s.agent_cpu_s},
              {"minor_faults", s.agent_minor_faults},
              {"major_faults", s.agent_major_faults}}},
            {"waits_us_log2", s.waits},
            {"waits_to_decision_us_log2", s.waits_to_decision},
            {"waits_after_decision_us_log2", s.waits_after_decision},
            {"last_switch", nullptr}};
  if (s.last_switch) {
    const PolicySwitchReport &r = *s.last_switch;
    j["last_switch"] = {{"from", r.from},
                        {"to", r.to},
                        {"tasks_handed_over", r.tasks_handed_over},
                        {"pause_us", r.pause_us},
                        {"max_wait_us", r.max_wait_us},
                        {"at_s", r.at_s}};
  }
  return j;
}

} // namespace

std::string error_body(const std::string &message, const std::string &field) {
  return json{{"error", message}, {"field", field}}.dump();
}

ApiHandlers::ApiHandlers(ControlTarget &target, Store &store, ApiLimits limits,
                         const std::vector<StrategyRule> &config_strategies)
    : target_(target), store_(store), limits_(limits) {
  StoredState state = store_.load();
  if (!state.strategies_written) {
    state.strategies.clear();
    int64_t id = 1;
    for (const StrategyRule &rule : config_strategies) {
      StoredStrategy s;
      s.id = id++;
      s.rule = rule;
      state.strategies.push_back(std::move(s));
    }
    state.next_id = id;
  }
  const std::string source = state.strategies_written ? store_.path() : "the configuration file";
  if (state.strategies.size() > limits_.max_strategies) {
    throw std::invalid_argument(source + " holds " + std::to_string(state.strategies.size()) +
                                " strategies, more than api.max_strategies (" +
                                std::to_string(limits_.max_strategies) + ")");
  }
  const ExpandedRules expanded = expand_rules(state.strategies);
  try {
    const StrategyEngine check(expanded.rules);
  } catch (const StrategyError &e) {
    throw StoreError(source + ": strategies refused: " + e.what());
  }
  strategies_ = std::move(state.strategies);
  next_id_ = state.next_id;
  target_.set_strategies(expanded.rules);
}

std::vector<StoredStrategy> ApiHandlers::strategies() const {
  const std::lock_guard lock(mutex_);
  return strategies_;
}

ApiResponse ApiHandlers::handle(const std::string &method, const std::string &path,
                                const std::string &body) {
  try {
    const std::lock_guard lock(mutex_);
    return dispatch(method, path, body);
  } catch (const ApiError &e) {
    return {e.status(), "application/json", error_body(e.what(), e.field())};
  } catch (const StoreError &e) {
    return {kHttpInternal, "application/json",
            error_body(std::string("not stored, nothing changed: ") + e.what(), "")};
  } catch (const std::exception &e) {
    return {kHttpInternal, "application/json", error_body(e.what(), "")};
  }
}

ApiResponse ApiHandlers::dispatch(const std::string &method, const std::string &path,
                                  const std::string &body) {
  const auto allow = [&](std::initializer_list<const char *> methods) {
    for (const char *m : methods) {
      if (method == m) {
        return;
      }
    }
    throw ApiError(kHttpMethodNotAllowed, "", method + " is not allowed on " + path);
  };
  if (path == "/metrics") {
    allow({"GET"});
    return metrics();
  }
  if (path.rfind(kPrefix, 0) != 0) {
    not_found("no such endpoint: " + path.substr(0, 64));
  }
  const std::string rest = path.substr(std::string(kPrefix).size());
  if (rest == "health") {
    allow({"GET"});
    return json_response({{"status", "ok"}, {"attached", target_.stats().attached}});
  }
  if (rest == "version") {
    allow({"GET"});
    return json_response({{"version", SCXX_VERSION}, {"api", "v1"}});
  }
  if (rest == "stats") {
    allow({"GET"});
    return stats();
  }
  if (rest == "strategies") {
    allow({"GET", "POST"});
    return method == "GET" ? list_strategies() : add_strategy(body);
  }
  const std::string one = "strategies/";
  if (rest.rfind(one, 0) == 0) {
    allow({"GET", "PUT", "DELETE"});
    const int64_t id = parse_id(rest.substr(one.size()));
    if (method == "GET") {
      return get_strategy(id);
    }
    return method == "PUT" ? update_strategy(id, body) : delete_strategy(id);
  }
  if (rest == "settings") {
    allow({"GET", "PUT", "PATCH"});
    return method == "GET" ? get_settings() : change_settings(body, method == "PATCH");
  }
  if (rest == "scheduling/strategies") {
    allow({"GET"});
    return gthulhu_strategies();
  }
  if (rest == "intents") {
    allow({"POST", "DELETE"});
    return method == "POST" ? add_intents(body) : delete_intents(body);
  }
  not_found("no such endpoint: " + path.substr(0, 64));
}

void ApiHandlers::commit(std::vector<StoredStrategy> next, int64_t next_id) {
  if (next.size() > limits_.max_strategies) {
    throw ApiError(kHttpConflict, "strategies",
                   "strategies: " + std::to_string(next.size()) + " would exceed the maximum of " +
                       std::to_string(limits_.max_strategies) + " (api.max_strategies)");
  }
  ExpandedRules expanded = expand_rules(next);
  try {
    const StrategyEngine check(expanded.rules);
  } catch (const StrategyError &e) {
    throw ApiError(kHttpUnprocessable, "", e.what());
  }
  store_.save_strategies(next, next_id); // on disk before the scheduler or the client sees it
  target_.set_strategies(std::move(expanded.rules));
  strategies_ = std::move(next);
  next_id_ = next_id;
}

ApiResponse ApiHandlers::list_strategies() const {
  // Coverage is per rule; a pod strategy has several.
  std::vector<uint64_t> threads(strategies_.size(), 0);
  const ExpandedRules expanded = expand_rules(strategies_);
  for (const StrategyCoverage &c : target_.strategy_coverage()) {
    if (c.rule < expanded.owner.size()) {
      threads[expanded.owner[c.rule]] += c.threads;
    }
  }
  json list = json::array();
  for (size_t i = 0; i < strategies_.size(); ++i) {
    json j = strategy_to_json(strategies_[i]);
    j["threads"] = threads[i];
    list.push_back(std::move(j));
  }
  return json_response(
      {{"strategies", std::move(list)}, {"max_strategies", limits_.max_strategies}});
}

ApiResponse ApiHandlers::add_strategy(const std::string &body) {
  std::optional<int64_t> given_id;
  StoredStrategy s = strategy_from_json(parse_json_object(body), "", &given_id);
  if (given_id) {
    throw ApiError(kHttpBadRequest, "id", "id: given by the server; leave it out of POST");
  }
  s.id = next_id_;
  std::vector<StoredStrategy> next = strategies_;
  next.push_back(s);
  commit(std::move(next), next_id_ + 1);
  return json_response(strategy_to_json(s), 201);
}

ApiResponse ApiHandlers::get_strategy(int64_t id) const {
  for (const StoredStrategy &s : strategies_) {
    if (s.id == id) {
      return json_response(strategy_to_json(s));
    }
  }
  not_found("no strategy with id " + std::to_string(id));
}

ApiResponse ApiHandlers::update_strategy(int64_t id, const std::string &body) {
  std::optional<int64_t> given_id;
  StoredStrategy s = strategy_from_json(parse_json_object(body), "", &given_id);
  if (given_id && *given_id != id) {
    throw ApiError(kHttpBadRequest, "id",
                   "id: " + std::to_string(*given_id) + " differs from the path's " +
                       std::to_string(id));
  }
  std::vector<StoredStrategy> next = strategies_;
  const auto it =
      std::find_if(next.begin(), next.end(), [&](const StoredStrategy &x) { return x.id == id; });
  if (it == next.end()) {
    not_found("no strategy with id " + std::to_string(id));
  }
  s.id = id;
  *it = s;
  commit(std::move(next), next_id_);
  return json_response(strategy_to_json(s));
}

ApiResponse ApiHandlers::delete_strategy(int64_t id) {
  std::vector<StoredStrategy> next = strategies_;
  const auto it =
      std::find_if(next.begin(), next.end(), [&](const StoredStrategy &x) { return x.id == id; });
  if (it == next.end()) {
    not_found("no strategy with id " + std::to_string(id));
  }
  const json removed = strategy_to_json(*it);
  next.erase(it);
  commit(std::move(next), next_id_);
  return json_response({{"deleted", removed}});
}

ApiResponse ApiHandlers::get_settings() const {
  return json_response(settings_to_json(target_.settings()));
}

ApiResponse ApiHandlers::change_settings(const std::string &body, bool partial) {
  const RuntimeSettings current = target_.settings();
  const RuntimeSettings next = settings_from_json(parse_json_object(body), current, partial);
  if (auto refusal = target_.change_settings(next)) {
    // "scheduler.slice_us: ..." names the key; the field is its API name.
    std::string field;
    const std::string prefix = "scheduler.";
    if (refusal->rfind(prefix, 0) == 0) {
      field = refusal->substr(prefix.size(), refusal->find(':') - prefix.size());
    }
    throw ApiError(kHttpConflict, field, "the scheduler refused: " + *refusal);
  }
  try {
    store_.save_settings(next);
  } catch (const StoreError &) {
    // Not stored: undo, so what runs is what a restart brings back.
    (void)target_.change_settings(current);
    throw;
  }
  return json_response(settings_to_json(next));
}

ApiResponse ApiHandlers::stats() const {
  return json_response(stats_json(target_.stats()));
}

ApiResponse ApiHandlers::metrics() const {
  return {200, kPrometheusContentType,
          prometheus_metrics(target_.stats(), strategies_, target_.strategy_coverage())};
}

ApiResponse ApiHandlers::gthulhu_strategies() const {
  json list = json::array();
  size_t left_out = 0;
  for (const StoredStrategy &s : strategies_) {
    const auto priority = gthulhu_priority_from_scxx(s.rule.priority);
    if (!priority) {
      ++left_out;
      continue;
    }
    json selectors = json::array();
    if (s.pod_uid) {
      selectors.push_back({{"key", "pod_uid"}, {"value", *s.pod_uid}});
    }
    if (s.rule.cgroup_prefix) {
      selectors.push_back({{"key", "cgroup"}, {"value", *s.rule.cgroup_prefix}});
    }
    if (s.rule.tgid && s.rule.pid) {
      selectors.push_back({{"key", "tgid"}, {"value", std::to_string(*s.rule.tgid)}});
    }
    list.push_back({{"priority", *priority},
                    {"execution_time", s.rule.slice_ns},
                    {"pid", s.rule.pid ? *s.rule.pid : (s.rule.tgid ? *s.rule.tgid : 0)},
                    {"selectors", std::move(selectors)},
                    {"command_regex", s.rule.comm_regex.value_or("")}});
  }
  std::string message = std::to_string(list.size()) + " strategies";
  if (left_out > 0) {
    message += "; " + std::to_string(left_out) +
               " left out: their scxx priority (0 or 11..15) has no Gthulhu number";
  }
  return json_response({{"success", true},
                        {"message", message},
                        {"timestamp", rfc3339_now()},
                        {"scheduling", std::move(list)}});
}

ApiResponse ApiHandlers::add_intents(const std::string &body) {
  const std::vector<GthulhuIntent> intents =
      intents_from_json(parse_json_object(body), limits_.max_strategies, false);
  std::vector<StoredStrategy> next = strategies_;
  int64_t next_id = next_id_;
  json ids = json::array();
  for (size_t i = 0; i < intents.size(); ++i) {
    StoredStrategy s = strategy_from_intent(intents[i], "intents[" + std::to_string(i) + "]");
    // Gthulhu sends its intents again and again: the same pod and command
    // replace the strategy they made before.
    const auto same = std::find_if(next.begin(), next.end(), [&](const StoredStrategy &x) {
      return x.pod_uid == s.pod_uid && x.rule.comm_regex == s.rule.comm_regex;
    });
    if (same != next.end()) {
      s.id = same->id;
      *same = s;
    } else {
      s.id = next_id++;
      next.push_back(s);
    }
    ids.push_back(s.id);
  }
  commit(std::move(next), next_id);
  return json_response({{"success", true},
                        {"message", std::to_string(intents.size()) + " intents applied"},
                        {"timestamp", rfc3339_now()},
                        {"ids", std::move(ids)}});
}

ApiResponse ApiHandlers::delete_intents(const std::string &body) {
  const std::vector<GthulhuIntent> intents =
      intents_from_json(parse_json_object(body), limits_.max_strategies, true);
  std::vector<StoredStrategy> next;
  size_t removed = 0;
  for (const StoredStrategy &s : strategies_) {
    const bool matches = std::any_of(intents.begin(), intents.end(), [&](const GthulhuIntent &i) {
      // Without commandRegex, every strategy of the pod goes.
      return s.pod_uid == i.pod_uid &&
             (i.command_regex.empty() || s.rule.comm_regex == i.command_regex);
    });
    if (matches) {
      ++removed;
    } else {
      next.push_back(s);
    }
  }
  commit(std::move(next), next_id_);
  return json_response({{"success", true},
                        {"message", std::to_string(removed) + " strategies removed"},
                        {"timestamp", rfc3339_now()},
                        {"removed", removed}});
}

} // namespace scxx
