#include "control/api_codec.h"

#include "config/settings.h"
#include "config/settings_table.h"
#include "control/api_error.h"
#include "control/gthulhu_priority.h"
#include "control/pod_cgroup.h"
#include "control/runtime_settings.h"

#include <algorithm>
#include <limits>
#include <set>

namespace scxx {
namespace {

using nlohmann::json;

std::string join_field(const std::string &prefix, const std::string &key) {
  return prefix.empty() ? key : prefix + "." + key;
}

[[noreturn]] void refuse(const std::string &field, const std::string &message,
                         int status = kHttpBadRequest) {
  throw ApiError(status, field, field.empty() ? message : field + ": " + message);
}

const char *type_name(const json &v) {
  return v.type_name();
}

void refuse_unknown(const json &j, const std::set<std::string> &known, const std::string &field) {
  for (const auto &item : j.items()) {
    if (known.count(item.key()) == 0) {
      std::string names;
      for (const std::string &k : known) {
        names += names.empty() ? k : ", " + k;
      }
      refuse(join_field(field, item.key()), "unknown field (expected one of " + names + ")");
    }
  }
}

// An integer in [min, max]; floats and other types are refused.
int64_t integer(const json &v, const std::string &field, int64_t min, int64_t max) {
  if (!v.is_number_integer()) {
    refuse(field, std::string("must be an integer, not ") + type_name(v));
  }
  const bool too_big =
      v.is_number_unsigned() &&
      v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  const int64_t n = too_big ? std::numeric_limits<int64_t>::max() : v.get<int64_t>();
  if (too_big || n < min || n > max) {
    refuse(field,
           v.dump() + " is out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]",
           kHttpUnprocessable);
  }
  return n;
}

std::string string_value(const json &v, const std::string &field,
                         size_t max_length = kApiStringMaxLength) {
  if (!v.is_string()) {
    refuse(field, std::string("must be a string, not ") + type_name(v));
  }
  std::string s = v.get<std::string>();
  if (s.size() > max_length) {
    refuse(field, "longer than " + std::to_string(max_length) + " characters", kHttpUnprocessable);
  }
  return s;
}

const json &object_value(const json &v, const std::string &field) {
  if (!v.is_object()) {
    refuse(field, std::string("must be an object, not ") + type_name(v));
  }
  return v;
}

constexpr int64_t kPidMax = 4194304; // PID_MAX_LIMIT
constexpr int64_t kNsPerUs = 1000;

void check_rule(const StrategyRule &rule, const std::string &field) {
  if (rule.comm_regex) {
    if (auto problem = regex_problem(*rule.comm_regex)) {
      refuse(join_field(field, "match.comm"), *problem, kHttpUnprocessable);
    }
  }
  if (auto problem = rule_problem(rule)) {
    refuse(field, *problem, kHttpUnprocessable);
  }
}

} // namespace

json parse_json_object(const std::string &body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    refuse("", "the body is not valid JSON");
  }
  if (!j.is_object()) {
    refuse("", std::string("the body must be a JSON object, not ") + type_name(j));
  }
  return j;
}

StoredStrategy strategy_from_json(const json &j, const std::string &field,
                                  std::optional<int64_t> *id_out) {
  object_value(j, field);
  // "threads" is what a listing shows; accepted and ignored so a listed
  // strategy can be sent back as it is.
  refuse_unknown(j, {"id", "name", "priority", "slice_us", "match", "threads"}, field);
  StoredStrategy s;
  if (j.contains("id")) {
    const int64_t id =
        integer(j["id"], join_field(field, "id"), 1, std::numeric_limits<int64_t>::max());
    if (id_out != nullptr) {
      *id_out = id;
    }
  }
  if (j.contains("name")) {
    s.rule.name = string_value(j["name"], join_field(field, "name"), kStrategyNameMaxLength);
  }
  if (!j.contains("priority")) {
    refuse(join_field(field, "priority"), "required (0.." + std::to_string(kStrategyPrioMax) + ")");
  }
  s.rule.priority = static_cast<uint32_t>(
      integer(j["priority"], join_field(field, "priority"), 0, kStrategyPrioMax));
  if (j.contains("slice_us")) {
    const auto field_name = join_field(field, "slice_us");
    const int64_t us =
        integer(j["slice_us"], field_name, 0, static_cast<int64_t>(kStrategySliceMaxNs) / kNsPerUs);
    if (us != 0 && us < static_cast<int64_t>(kStrategySliceMinNs) / kNsPerUs) {
      refuse(field_name,
             std::to_string(us) + " is out of range: 0 (the policy's slice) or [" +
                 std::to_string(kStrategySliceMinNs / kNsPerUs) + ", " +
                 std::to_string(kStrategySliceMaxNs / kNsPerUs) + "]",
             kHttpUnprocessable);
    }
    s.rule.slice_ns = static_cast<uint64_t>(us * kNsPerUs);
  }
  const std::string match_field = join_field(field, "match");
  if (!j.contains("match")) {
    refuse(match_field, "required: an object with pid, tgid, comm, cgroup or pod_uid");
  }
  const json &m = object_value(j["match"], match_field);
  refuse_unknown(m, {"pid", "tgid", "comm", "cgroup", "pod_uid", "pod_name", "pod_namespace"},
                 match_field);
  if (m.contains("pid")) {
    s.rule.pid = static_cast<int32_t>(integer(m["pid"], match_field + ".pid", 1, kPidMax));
  }
  if (m.contains("tgid")) {
    s.rule.tgid = static_cast<int32_t>(integer(m["tgid"], match_field + ".tgid", 1, kPidMax));
  }
  if (m.contains("comm")) {
    s.rule.comm_regex = string_value(m["comm"], match_field + ".comm");
  }
  if (m.contains("cgroup")) {
    s.rule.cgroup_prefix = string_value(m["cgroup"], match_field + ".cgroup");
  }
  if (m.contains("pod_uid")) {
    const std::string uid = string_value(m["pod_uid"], match_field + ".pod_uid");
    s.pod_uid = canonical_pod_uid(uid);
    if (!s.pod_uid) {
      refuse(match_field + ".pod_uid", "\"" + uid + "\" is not a pod UID (a UUID)",
             kHttpUnprocessable);
    }
    if (s.rule.cgroup_prefix) {
      refuse(match_field + ".cgroup", "give either cgroup or pod_uid, not both",
             kHttpUnprocessable);
    }
  }
  for (const char *key : {"pod_name", "pod_namespace"}) {
    if (!m.contains(key)) {
      continue;
    }
    if (!s.pod_uid) {
      refuse(match_field + "." + key, "only with pod_uid", kHttpUnprocessable);
    }
    (std::string(key) == "pod_name" ? s.pod_name : s.pod_namespace) =
        string_value(m[key], match_field + "." + key, kStrategyNameMaxLength);
  }
  // A pod strategy is checked as the rules it expands to.
  StrategyRule checked = s.rule;
  if (s.pod_uid) {
    checked.cgroup_prefix = pod_cgroup_prefixes(*s.pod_uid).front();
  }
  check_rule(checked, field);
  return s;
}

json strategy_to_json(const StoredStrategy &s) {
  json match = json::object();
  if (s.rule.pid) {
    match["pid"] = *s.rule.pid;
  }
  if (s.rule.tgid) {
    match["tgid"] = *s.rule.tgid;
  }
  if (s.rule.comm_regex) {
    match["comm"] = *s.rule.comm_regex;
  }
  if (s.rule.cgroup_prefix) {
    match["cgroup"] = *s.rule.cgroup_prefix;
  }
  if (s.pod_uid) {
    match["pod_uid"] = *s.pod_uid;
  }
  if (s.pod_name) {
    match["pod_name"] = *s.pod_name;
  }
  if (s.pod_namespace) {
    match["pod_namespace"] = *s.pod_namespace;
  }
  json j = {{"id", s.id},
            {"name", s.rule.name},
            {"priority", s.rule.priority},
            {"slice_us", s.rule.slice_ns / kNsPerUs},
            {"match", std::move(match)}};
  return j;
}

namespace {

struct SettingMember {
  const char *name;
  std::string RuntimeSettings::*text = nullptr;
  uint64_t RuntimeSettings::*number = nullptr;
};

const std::vector<SettingMember> &setting_members() {
  static const std::vector<SettingMember> members{
      {"policy", &RuntimeSettings::policy, nullptr},
      {"slice_us", nullptr, &RuntimeSettings::slice_us},
      {"slice_min_us", nullptr, &RuntimeSettings::slice_min_us},
      {"fast_path", &RuntimeSettings::fast_path, nullptr},
      {"max_run_ms", nullptr, &RuntimeSettings::max_run_ms},
      {"agent_timeout_ms", nullptr, &RuntimeSettings::agent_timeout_ms},
      {"starvation_ms", nullptr, &RuntimeSettings::starvation_ms},
      {"stall_ms", nullptr, &RuntimeSettings::stall_ms},
  };
  return members;
}

const SettingDesc &table_row(const std::string &name) {
  const std::string path = "scheduler." + name;
  for (const SettingDesc &row : settings_table()) {
    if (row.path == path) {
      return row;
    }
  }
  throw std::logic_error("no settings table row " + path); // a bug in this build
}

std::string member_of(const std::string &path) {
  const std::string prefix = "scheduler.";
  return path.rfind(prefix, 0) == 0 ? path.substr(prefix.size()) : path;
}

} // namespace

RuntimeSettings settings_from_json(const json &j, const RuntimeSettings &current, bool partial) {
  std::set<std::string> known;
  for (const SettingMember &m : setting_members()) {
    known.insert(m.name);
  }
  refuse_unknown(j, known, "");
  RuntimeSettings next = current;
  for (const SettingMember &m : setting_members()) {
    if (!j.contains(m.name)) {
      if (!partial) {
        refuse(m.name, "required by PUT (PATCH changes only the fields given)");
      }
      continue;
    }
    const SettingDesc &row = table_row(m.name);
    const json &v = j[m.name];
    if (m.text != nullptr) {
      std::string value = string_value(v, m.name, kStrategyNameMaxLength);
      if (row.choices != nullptr) {
        const std::vector<std::string> choices = row.choices();
        if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
          std::string names;
          for (const std::string &c : choices) {
            names += names.empty() ? c : ", " + c;
          }
          std::string message = "\"" + value + "\" is not one of ";
          message += names;
          refuse(m.name, message, kHttpUnprocessable);
        }
      }
      next.*m.text = std::move(value);
    } else {
      next.*m.number = static_cast<uint64_t>(
          integer(v, m.name, static_cast<int64_t>(row.min), static_cast<int64_t>(row.max)));
    }
  }
  if (auto problem = settings_problem(with_runtime_settings(Settings{}, next))) {
    refuse(member_of(problem->path), problem->message, kHttpUnprocessable);
  }
  return next;
}

json settings_to_json(const RuntimeSettings &s) {
  json j = json::object();
  for (const SettingMember &m : setting_members()) {
    if (m.text != nullptr) {
      j[m.name] = s.*m.text;
    } else {
      j[m.name] = s.*m.number;
    }
  }
  return j;
}

std::vector<GthulhuIntent> intents_from_json(const json &j, size_t max_items, bool for_delete) {
  refuse_unknown(j, {"intents"}, "");
  if (!j.contains("intents")) {
    refuse("intents", "required: a list of intents");
  }
  const json &list = j["intents"];
  if (!list.is_array()) {
    refuse("intents", std::string("must be a list, not ") + type_name(list));
  }
  if (list.size() > max_items) {
    refuse("intents", std::to_string(list.size()) + " items; at most " + std::to_string(max_items),
           kHttpUnprocessable);
  }
  std::vector<GthulhuIntent> out;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string field = "intents[" + std::to_string(i) + "]";
    const json &item = object_value(list[i], field);
    refuse_unknown(item,
                   {"podName", "podID", "nodeID", "k8sNamespace", "commandRegex", "priority",
                    "executionTime", "podLabels"},
                   field);
    GthulhuIntent intent;
    if (!item.contains("podID")) {
      refuse(field + ".podID", "required: the pod's UID");
    }
    const std::string uid = string_value(item["podID"], field + ".podID");
    const auto canonical = canonical_pod_uid(uid);
    if (!canonical) {
      refuse(field + ".podID", "\"" + uid + "\" is not a pod UID (a UUID)", kHttpUnprocessable);
    }
    intent.pod_uid = *canonical;
    if (item.contains("podName")) {
      intent.pod_name = string_value(item["podName"], field + ".podName", kStrategyNameMaxLength);
    }
    if (item.contains("nodeID")) {
      intent.node_id = string_value(item["nodeID"], field + ".nodeID", kStrategyNameMaxLength);
    }
    if (item.contains("k8sNamespace")) {
      intent.k8s_namespace =
          string_value(item["k8sNamespace"], field + ".k8sNamespace", kStrategyNameMaxLength);
    }
    if (item.contains("commandRegex")) {
      intent.command_regex = string_value(item["commandRegex"], field + ".commandRegex");
    }
    if (item.contains("podLabels")) {
      const json &labels = object_value(item["podLabels"], field + ".podLabels");
      for (const auto &label : labels.items()) {
        string_value(label.value(), field + ".podLabels." + label.key());
      }
    }
    if (item.contains("priority")) {
      intent.priority =
          integer(item["priority"], field + ".priority", kGthulhuPriorityMin, kGthulhuPriorityMax);
    } else if (!for_delete) {
      refuse(field + ".priority", "required (Gthulhu's 0..20, lower is more)");
    }
    if (item.contains("executionTime")) {
      const int64_t ns = integer(item["executionTime"], field + ".executionTime", 0,
                                 static_cast<int64_t>(kStrategySliceMaxNs));
      if (ns != 0 && ns < static_cast<int64_t>(kStrategySliceMinNs)) {
        refuse(field + ".executionTime",
               std::to_string(ns) + " ns is out of range: 0 (the policy's slice) or [" +
                   std::to_string(kStrategySliceMinNs) + ", " +
                   std::to_string(kStrategySliceMaxNs) + "] ns",
               kHttpUnprocessable);
      }
      intent.execution_time_ns = static_cast<uint64_t>(ns);
    }
    out.push_back(std::move(intent));
  }
  return out;
}

StoredStrategy strategy_from_intent(const GthulhuIntent &intent, const std::string &field) {
  StoredStrategy s;
  const auto priority = scxx_priority_from_gthulhu(intent.priority);
  if (!priority) { // intents_from_json keeps it in range; checked again so no path skips it
    refuse(field + ".priority", std::to_string(intent.priority) + " has no scxx priority",
           kHttpUnprocessable);
  }
  s.rule.priority = *priority;
  // Strategies keep their slice in whole microseconds (the API's slice_us):
  // a nanosecond rest would be lost the first time it is read back.
  s.rule.slice_ns = intent.execution_time_ns / kNsPerUs * kNsPerUs;
  if (!intent.command_regex.empty()) {
    s.rule.comm_regex = intent.command_regex;
  }
  s.pod_uid = intent.pod_uid;
  if (!intent.pod_name.empty()) {
    s.pod_name = intent.pod_name;
  }
  if (!intent.k8s_namespace.empty()) {
    s.pod_namespace = intent.k8s_namespace;
  }
  s.rule.name = "pod " + (intent.k8s_namespace.empty() ? "" : intent.k8s_namespace + "/") +
                (intent.pod_name.empty() ? intent.pod_uid : intent.pod_name);
  if (s.rule.name.size() > kStrategyNameMaxLength) {
    s.rule.name.resize(kStrategyNameMaxLength);
  }
  StrategyRule checked = s.rule;
  checked.cgroup_prefix = pod_cgroup_prefixes(intent.pod_uid).front();
  if (checked.comm_regex) {
    if (auto problem = regex_problem(*checked.comm_regex)) {
      refuse(field + ".commandRegex", *problem, kHttpUnprocessable);
    }
  }
  if (auto problem = rule_problem(checked)) {
    refuse(field, *problem, kHttpUnprocessable);
  }
  return s;
}

} // namespace scxx
