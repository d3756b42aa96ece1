// The JSON bodies of the control API, read with nlohmann-json and checked
// field by field: every refusal is an ApiError naming the field
// ("match.comm", "intents[2].priority"). Nothing here changes any state, so
// a refused request leaves nothing half-applied.
//
// A strategy:  {"id": 3, "name": "web", "priority": 12, "slice_us": 500,
//               "match": {"pid": 1, "tgid": 1, "comm": "^nginx$",
//                         "cgroup": "/system.slice/", "pod_uid": "<uuid>"}}
//   the same keys as a strategy of the configuration file; "id" is given by
//   the server; "pod_uid" (with optional "pod_name", "pod_namespace" in
//   "match") stands for the pod's cgroups (pod_cgroup.h).
// Settings:    the members of RuntimeSettings under their names without
//              "scheduler." ({"policy": "fifo", "slice_us": 5000, ...}).
#pragma once

#include "control/control_target.h"
#include "control/stored_strategy.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace scxx {

inline constexpr size_t kStrategyNameMaxLength = 128;
inline constexpr size_t kApiStringMaxLength = 4096;

// The body as a JSON object; 400 when it is not JSON or not an object.
nlohmann::json parse_json_object(const std::string &body);

// A strategy from a request body (the id, when present, is returned in
// `id_out` and left to the caller to check). `field` prefixes field names.
StoredStrategy strategy_from_json(const nlohmann::json &j, const std::string &field,
                                  std::optional<int64_t> *id_out = nullptr);
nlohmann::json strategy_to_json(const StoredStrategy &s);

// PUT (partial = false: every member must be given) or PATCH (partial =
// true: the given members replace those of `current`). Ranges and choices
// come from the settings table, rules between settings from
// settings_problem().
RuntimeSettings settings_from_json(const nlohmann::json &j, const RuntimeSettings &current,
                                   bool partial);
nlohmann::json settings_to_json(const RuntimeSettings &s);

// One of Gthulhu's intent items ({podName, podID, nodeID, k8sNamespace,
// commandRegex, priority, executionTime, podLabels}).
struct GthulhuIntent {
  std::string pod_name;
  std::string pod_uid; // canonical (pod_cgroup.h)
  std::string node_id;
  std::string k8s_namespace;
  std::string command_regex; // "" = every command
  int64_t priority = 0;      // Gthulhu's number (gthulhu_priority.h)
  uint64_t execution_time_ns = 0;
};

// {"intents": [...]}; `max_items` bounds the list. POST needs podID and
// priority in every item; DELETE (for_delete) needs only podID.
std::vector<GthulhuIntent> intents_from_json(const nlohmann::json &j, size_t max_items,
                                             bool for_delete);
// The strategy an intent stands for (the priority mapped, the execution
// time as the slice); `field` names the item for errors.
StoredStrategy strategy_from_intent(const GthulhuIntent &intent, const std::string &field);

} // namespace scxx
