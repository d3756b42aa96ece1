#include "daemon/ctl_command.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>

namespace scxx {
namespace {

using nlohmann::json;

constexpr int kExitRefused = 1;
constexpr int kExitUsageError = 2;

void add_strategy_fields(CLI::App *cmd, CtlCommand &ctl) {
  cmd->add_option("--name", ctl.name, "a name for listings and messages");
  cmd->add_option("--priority", ctl.priority, "0..20 on scxx's scale (`scxx config --explain`)");
  cmd->add_option("--slice-us", ctl.slice_us, "own time slice in microseconds (0: the policy's)");
  cmd->add_option("--pid", ctl.pid, "match one thread id");
  cmd->add_option("--tgid", ctl.tgid, "match every thread of a process");
  cmd->add_option("--comm", ctl.comm, "match command names (ECMAScript regex)");
  cmd->add_option("--cgroup", ctl.cgroup, "match a cgroup v2 path prefix");
  cmd->add_option("--pod-uid", ctl.pod_uid, "match a Kubernetes pod's cgroups by its UID");
}

// Sets the given fields in a strategy's JSON (POST body or the stored one).
void apply_fields(const CtlCommand &ctl, json &j) {
  json &match = j["match"];
  if (match.is_null()) {
    match = json::object();
  }
  if (ctl.name) {
    j["name"] = *ctl.name;
  }
  if (ctl.priority) {
    j["priority"] = *ctl.priority;
  }
  if (ctl.slice_us) {
    j["slice_us"] = *ctl.slice_us;
  }
  if (ctl.pid) {
    match["pid"] = *ctl.pid;
  }
  if (ctl.tgid) {
    match["tgid"] = *ctl.tgid;
  }
  if (ctl.comm) {
    match["comm"] = *ctl.comm;
  }
  if (ctl.cgroup) {
    match["cgroup"] = *ctl.cgroup;
  }
  if (ctl.pod_uid) {
    match["pod_uid"] = *ctl.pod_uid;
  }
}

// A reply that is an error: "scxx ctl: <message> (field: <field>)".
int print_error(const ApiReply &reply) {
  const json j = json::parse(reply.body, nullptr, false);
  std::string message = "HTTP " + std::to_string(reply.status);
  std::string field;
  if (j.is_object() && j.contains("error") && j["error"].is_string()) {
    message = j["error"].get<std::string>();
    if (j.contains("field") && j["field"].is_string()) {
      field = j["field"].get<std::string>();
    }
  }
  std::fprintf(stderr, "scxx ctl: %s%s\n", message.c_str(),
               field.empty() ? "" : (" (field: " + field + ")").c_str());
  return kExitRefused;
}

std::string match_text(const json &m) {
  std::string out;
  for (const auto &item : m.items()) {
    const std::string v =
        item.value().is_string() ? item.value().get<std::string>() : item.value().dump();
    out += (out.empty() ? "" : " ") + item.key() + "=" + v;
  }
  return out;
}

void print_strategies(const json &list) {
  std::printf("%-5s %-24s %4s %9s %8s  %s\n", "ID", "NAME", "PRIO", "SLICE_US", "THREADS", "MATCH");
  for (const json &s : list) {
    std::printf("%-5lld %-24s %4lld %9lld %8s  %s\n", s.value("id", 0LL),
                s.value("name", std::string()).c_str(), s.value("priority", 0LL),
                s.value("slice_us", 0LL),
                s.contains("threads") ? std::to_string(s["threads"].get<long long>()).c_str() : "-",
                match_text(s.value("match", json::object())).c_str());
  }
}

void print_settings(const json &j) {
  for (const auto &item : j.items()) {
    const std::string v =
        item.value().is_string() ? item.value().get<std::string>() : item.value().dump();
    std::printf("%-18s %s\n", item.key().c_str(), v.c_str());
  }
}

void print_stats(const json &j) {
  std::printf("%-26s %s\n", "attached", j.value("attached", false) ? "yes" : "no");
  std::printf("%-26s %s\n", "policy", j.value("policy", std::string()).c_str());
  std::printf("%-26s %.1f\n", "uptime_s", j.value("uptime_s", 0.0));
  if (j.contains("agent")) {
    std::printf("%-26s %.3f\n", "agent_cpu_s", j["agent"].value("cpu_s", 0.0));
    std::printf("%-26s %lld\n", "agent_minor_faults", j["agent"].value("minor_faults", 0LL));
    std::printf("%-26s %lld\n", "agent_major_faults", j["agent"].value("major_faults", 0LL));
  }
  // A named copy: a range-for over items() of a temporary would dangle.
  const json counters = j.value("counters", json::object());
  for (const auto &item : counters.items()) {
    std::printf("%-26s %s\n", item.key().c_str(), item.value().dump().c_str());
  }
  if (j.contains("last_switch") && j["last_switch"].is_object()) {
    const json &s = j["last_switch"];
    std::printf("%-26s %s -> %s, pause %lld us, %lld tasks handed over\n", "last_switch",
                s.value("from", std::string()).c_str(), s.value("to", std::string()).c_str(),
                s.value("pause_us", 0LL), s.value("tasks_handed_over", 0LL));
  }
}

// key=value -> the JSON value: integers as numbers, the rest as strings.
std::optional<json> settings_patch(const std::vector<std::string> &assignments) {
  json patch = json::object();
  for (const std::string &a : assignments) {
    const size_t eq = a.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "scxx ctl: settings set: \"%s\" is not key=value\n", a.c_str());
      return std::nullopt;
    }
    std::string key = a.substr(0, eq);
    const std::string prefix = "scheduler.";
    if (key.rfind(prefix, 0) == 0) {
      key = key.substr(prefix.size());
    }
    const std::string value = a.substr(eq + 1);
    const bool digits =
        !value.empty() && value.find_first_not_of("0123456789") == std::string::npos;
    if (digits && value.size() < 19) {
      patch[key] = std::stoll(value);
    } else {
      patch[key] = value;
    }
  }
  return patch;
}

int show(const CtlCommand &ctl, const ApiReply &reply, void (*table)(const json &)) {
  if (reply.status >= 400) {
    return print_error(reply);
  }
  const json j = json::parse(reply.body, nullptr, false);
  if (ctl.json || j.is_discarded() || table == nullptr) {
    std::printf("%s\n", j.is_discarded() ? reply.body.c_str() : j.dump(2).c_str());
    return 0;
  }
  table(j);
  return 0;
}

void print_one_strategy(const json &j) {
  print_strategies(json::array({j.contains("deleted") ? j["deleted"] : j}));
}

void print_strategy_list(const json &j) {
  print_strategies(j.value("strategies", json::array()));
}

} // namespace

CLI::App *add_ctl_command(CLI::App &app, CtlCommand &ctl) {
  CLI::App *cmd = app.add_subcommand(
      "ctl", "talk to a running `scxx run` through its control API (docs/CONTROL.md)");
  cmd->require_subcommand(1);
  cmd->add_flag("--json", ctl.json, "print the API's JSON instead of tables");
  cmd->add_option("--socket", ctl.client.socket_path, "the API's Unix socket")
      ->capture_default_str();
  cmd->add_option("--url", ctl.client.url,
                  "use TCP instead: https://host:port (scxx run --api-listen)");
  cmd->add_option("--token", ctl.client.token_file, "file holding a bearer token (JWT) for --url");
  cmd->add_option("--cert", ctl.client.cert, "client certificate (PEM) for --url");
  cmd->add_option("--key", ctl.client.key, "the client certificate's key (PEM)");
  cmd->add_option("--cacert", ctl.client.cacert, "CA certificate that signed the server's");

  const auto on = [&ctl](const std::string &action) {
    return [&ctl, action] { ctl.action = action; };
  };
  cmd->add_subcommand("status", "is it attached, which policy, which version")
      ->final_callback(on("status"));
  cmd->add_subcommand("stats", "every counter of the running scheduler")
      ->final_callback(on("stats"));
  cmd->add_subcommand("metrics", "the Prometheus text of GET /metrics")
      ->final_callback(on("metrics"));

  CLI::App *strategies = cmd->add_subcommand("strategies", "list and change priority strategies");
  strategies->require_subcommand(1);
  strategies->add_subcommand("list", "every strategy, with the threads it covers now")
      ->final_callback(on("strategies list"));
  CLI::App *add = strategies->add_subcommand("add", "add a strategy (--priority and a match)");
  add_strategy_fields(add, ctl);
  add->final_callback(on("strategies add"));
  CLI::App *get = strategies->add_subcommand("get", "show one strategy");
  get->add_option("id", ctl.id, "the strategy's id")->required();
  get->final_callback(on("strategies get"));
  CLI::App *update =
      strategies->add_subcommand("update", "change the fields given of one strategy");
  update->add_option("id", ctl.id, "the strategy's id")->required();
  add_strategy_fields(update, ctl);
  update->final_callback(on("strategies update"));
  CLI::App *del = strategies->add_subcommand("delete", "remove one strategy");
  del->add_option("id", ctl.id, "the strategy's id")->required();
  del->final_callback(on("strategies delete"));

  CLI::App *settings = cmd->add_subcommand("settings", "show or change the runtime settings");
  settings->add_subcommand("get", "show them (the default)")->final_callback(on("settings get"));
  CLI::App *set = settings->add_subcommand(
      "set",
      "change some: key=value ... (slice_us=5000 fast_path=off); one switch, all or nothing");
  set->add_option("assignments", ctl.assignments, "key=value pairs")->required();
  set->final_callback(on("settings set"));
  settings->final_callback([&ctl] {
    if (ctl.action.empty()) {
      ctl.action = "settings get";
    }
  });

  CLI::App *policy = cmd->add_subcommand("policy", "switch the scheduling policy while running");
  policy->add_option("name", ctl.policy, "one of the policies of `scxx config --explain`")
      ->required();
  policy->final_callback(on("policy"));
  return cmd;
}

int run_ctl(const CtlCommand &ctl) {
  try {
    const ApiClientOptions &c = ctl.client;
    const std::string &a = ctl.action;
    if (a == "status") {
      const ApiReply health = api_request(c, "GET", "/api/v1/health");
      if (health.status >= 400) {
        return print_error(health);
      }
      const ApiReply version = api_request(c, "GET", "/api/v1/version");
      const ApiReply settings = api_request(c, "GET", "/api/v1/settings");
      if (ctl.json) {
        std::printf("%s\n", json{{"health", json::parse(health.body, nullptr, false)},
                                 {"version", json::parse(version.body, nullptr, false)},
                                 {"settings", json::parse(settings.body, nullptr, false)}}
                                .dump(2)
                                .c_str());
        return 0;
      }
      const json h = json::parse(health.body, nullptr, false);
      const json v = json::parse(version.body, nullptr, false);
      const json s = json::parse(settings.body, nullptr, false);
      std::printf("scxx %s: %s, policy %s\n",
                  v.is_object() ? v.value("version", std::string("?")).c_str() : "?",
                  h.is_object() && h.value("attached", false) ? "attached" : "not attached",
                  s.is_object() ? s.value("policy", std::string("?")).c_str() : "?");
      return 0;
    }
    if (a == "stats") {
      return show(ctl, api_request(c, "GET", "/api/v1/stats"), print_stats);
    }
    if (a == "metrics") {
      const ApiReply r = api_request(c, "GET", "/metrics");
      if (r.status >= 400) {
        return print_error(r);
      }
      std::fputs(r.body.c_str(), stdout);
      return 0;
    }
    if (a == "strategies list") {
      return show(ctl, api_request(c, "GET", "/api/v1/strategies"), print_strategy_list);
    }
    if (a == "strategies add") {
      json body = json::object();
      apply_fields(ctl, body);
      return show(ctl, api_request(c, "POST", "/api/v1/strategies", body.dump()),
                  print_one_strategy);
    }
    if (a == "strategies get") {
      return show(ctl, api_request(c, "GET", "/api/v1/strategies/" + ctl.id), print_one_strategy);
    }
    if (a == "strategies update") {
      const ApiReply current = api_request(c, "GET", "/api/v1/strategies/" + ctl.id);
      if (current.status >= 400) {
        return print_error(current);
      }
      json body = json::parse(current.body, nullptr, false);
      if (!body.is_object()) {
        std::fprintf(stderr, "scxx ctl: the server's reply is not JSON\n");
        return kExitRefused;
      }
      body.erase("threads");
      apply_fields(ctl, body);
      return show(ctl, api_request(c, "PUT", "/api/v1/strategies/" + ctl.id, body.dump()),
                  print_one_strategy);
    }
    if (a == "strategies delete") {
      return show(ctl, api_request(c, "DELETE", "/api/v1/strategies/" + ctl.id),
                  print_one_strategy);
    }
    if (a == "settings get") {
      return show(ctl, api_request(c, "GET", "/api/v1/settings"), print_settings);
    }
    if (a == "settings set") {
      const auto patch = settings_patch(ctl.assignments);
      if (!patch) {
        return kExitUsageError;
      }
      return show(ctl, api_request(c, "PATCH", "/api/v1/settings", patch->dump()), print_settings);
    }
    if (a == "policy") {
      return show(ctl,
                  api_request(c, "PATCH", "/api/v1/settings", json{{"policy", ctl.policy}}.dump()),
                  print_settings);
    }
    std::fprintf(stderr, "scxx ctl: nothing asked (see scxx ctl --help)\n");
    return kExitUsageError;
  } catch (const ApiClientError &e) {
    std::fprintf(stderr, "scxx ctl: %s\n", e.what());
    return kExitRefused;
  }
}

} // namespace scxx
