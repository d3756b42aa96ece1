#include "sim/yaml_workload_reader.h"

#include "policy/task.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <map>
#include <set>

namespace scxx::sim {

namespace {

const std::map<std::string, std::set<std::string>> &kind_keys() {
  static const std::map<std::string, std::set<std::string>> keys = {
      {"hog", {}},
      {"interactive", {"run_us", "sleep_us", "jitter_pct"}},
      {"periodic", {"run_us", "period_us", "deadline_us"}},
      {"pipe", {"run_us"}},
      {"fork_burst", {"run_us", "every_ms", "children"}},
  };
  return keys;
}

// What the parent of a fork burst runs before each burst (the fork calls). Estimate.
constexpr uint64_t kForkCostNs = 50 * kNsecPerUsec;

const std::set<std::string> kCommonKeys = {"name", "class",       "kind",   "count",   "nice",
                                           "cpus", "rt_priority", "policy", "delay_ms"};

class Reader {
public:
  explicit Reader(Workload &w) : w_(w) {}

  [[noreturn]] void fail(const YAML::Node &n, const std::string &what) const {
    const int line = n.Mark().line >= 0 ? n.Mark().line + 1 : 0;
    throw WorkloadError(w_.source + ":" + std::to_string(line) + ": " + what);
  }

  double number(const YAML::Node &group, const std::string &key, double def, double lo,
                double hi) const {
    const YAML::Node n = group[key];
    if (!n) {
      return def;
    }
    double v = 0;
    try {
      v = n.as<double>();
    } catch (const YAML::Exception &) {
      fail(n, key + ": expected a number, got '" + n.Scalar() + "'");
    }
    if (!(v >= lo && v <= hi)) {
      fail(n, key + ": " + n.Scalar() + " is outside " + fmt(lo) + ".." + fmt(hi));
    }
    return v;
  }

  static std::string fmt(double v) {
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') {
      s.pop_back();
    }
    return s;
  }

  uint64_t us(const YAML::Node &g, const std::string &key, double def) const {
    return static_cast<uint64_t>(std::llround(number(g, key, def, 0, 1e9) * 1e3));
  }

  void group(const YAML::Node &g, size_t index) {
    if (!g.IsMap()) {
      fail(g, "tasks[" + std::to_string(index) + "]: expected a map of keys");
    }
    if (!g["name"] || !g["kind"]) {
      fail(g, "tasks[" + std::to_string(index) + "]: needs 'name' and 'kind'");
    }
    const std::string name = g["name"].Scalar();
    const std::string kind = g["kind"].Scalar();
    const auto keys = kind_keys().find(kind);
    if (keys == kind_keys().end()) {
      fail(g["kind"],
           name + ": unknown kind '" + kind + "' (hog, interactive, periodic, pipe, fork_burst)");
    }
    for (const auto &kv : g) {
      const std::string key = kv.first.Scalar();
      if (kCommonKeys.count(key) == 0 && keys->second.count(key) == 0) {
        std::string what = name;
        what.append(": key '").append(key).append("' does not apply to kind ").append(kind);
        fail(kv.first, what);
      }
    }
    TaskTemplate base;
    base.name = name;
    base.cls = g["class"] ? g["class"].Scalar() : name;
    base.instances = static_cast<int>(number(g, "count", 1, 1, 10000));
    base.nice = static_cast<int>(number(g, "nice", 0, -20, 19));
    base.start_delay_ns = us(g, "delay_ms", 0) * 1000;
    if (g["policy"]) {
      const std::string p = g["policy"].Scalar();
      static const std::map<std::string, SchedPolicy> kPolicies = {{"other", SchedPolicy::kOther},
                                                                   {"batch", SchedPolicy::kBatch},
                                                                   {"idle", SchedPolicy::kIdle},
                                                                   {"fifo", SchedPolicy::kFifo},
                                                                   {"rr", SchedPolicy::kRr}};
      const auto it = kPolicies.find(p);
      if (it == kPolicies.end()) {
        fail(g["policy"], name + ": unknown policy '" + p + "' (other, batch, idle, fifo, rr)");
      }
      base.policy = it->second;
      if (base.policy == SchedPolicy::kFifo || base.policy == SchedPolicy::kRr) {
        base.rt_priority = static_cast<int>(number(g, "rt_priority", 1, 1, 99));
      }
    }
    if (g["cpus"]) {
      if (!g["cpus"].IsSequence() || g["cpus"].size() == 0) {
        fail(g["cpus"], name + ": cpus: expected a list of CPU numbers");
      }
      for (const auto &c : g["cpus"]) {
        try {
          base.cpus.push_back(c.as<int>());
        } catch (const YAML::Exception &) {
          fail(c, name + ": cpus: '" + c.Scalar() + "' is not a CPU number");
        }
      }
    }
    const uint64_t run = us(g, "run_us", 1000);
    if (kind == "hog") {
      base.phases = {Phase{{Op{.kind = OpKind::kRun, .ns = 1000 * kNsecPerMsec}}}};
      w_.templates.push_back(base);
    } else if (kind == "interactive") {
      base.phases = {
          Phase{{Op{.kind = OpKind::kRun, .ns = run},
                 Op{.kind = OpKind::kSleep,
                    .ns = us(g, "sleep_us", 10000),
                    .jitter_pct = static_cast<uint32_t>(number(g, "jitter_pct", 0, 0, 100))}}}};
      w_.templates.push_back(base);
    } else if (kind == "periodic") {
      const uint64_t period = us(g, "period_us", 10000);
      if (period == 0) {
        fail(g["period_us"], name + ": period_us must be above 0");
      }
      const int timer = w_.resource(name + ".period", ResourceKind::kTimer);
      w_.resources[static_cast<size_t>(timer)].per_task = true; // each task its own period
      base.phases = {Phase{{Op{.kind = OpKind::kTimer,
                               .ns = period,
                               .ref = timer,
                               .deadline_ns = us(g, "deadline_us", 0)},
                            Op{.kind = OpKind::kRun, .ns = run}}}};
      w_.templates.push_back(base);
    } else if (kind == "pipe") {
      // Two tasks per pair, each waking the other: A runs, wakes B, waits;
      // B waits, runs, wakes A.
      for (int i = 0; i < base.instances; ++i) {
        const std::string pair = name + "." + std::to_string(i);
        const int to_b = w_.resource(pair + ".b", ResourceKind::kCondition);
        const int to_a = w_.resource(pair + ".a", ResourceKind::kCondition);
        TaskTemplate a = base;
        a.name = pair + ".a";
        a.instances = 1;
        a.phases = {
            Phase{{Op{.kind = OpKind::kRun, .ns = run}, Op{.kind = OpKind::kResume, .ref = to_b},
                   Op{.kind = OpKind::kSuspend, .ref = to_a}}}};
        TaskTemplate b = a;
        b.name = pair + ".b";
        b.phases = {
            Phase{{Op{.kind = OpKind::kSuspend, .ref = to_b}, Op{.kind = OpKind::kRun, .ns = run},
                   Op{.kind = OpKind::kResume, .ref = to_a}}}};
        w_.templates.push_back(a);
        w_.templates.push_back(b);
      }
    } else { // fork_burst: a parent that starts `children` short tasks every every_ms
      TaskTemplate child = base;
      child.name = name + ".child";
      child.instances = 0;
      child.at_start = false;
      child.loop = 1;
      child.phases = {Phase{{Op{.kind = OpKind::kRun, .ns = run}}}};
      w_.templates.push_back(child);
      const int child_index = static_cast<int>(w_.templates.size() - 1);
      TaskTemplate parent = base;
      parent.name = name + ".parent";
      parent.cls = base.cls + ".parent";
      parent.phases = {
          Phase{{Op{.kind = OpKind::kSleep, .ns = us(g, "every_ms", 100) * 1000},
                 Op{.kind = OpKind::kRun, .ns = kForkCostNs},
                 Op{.kind = OpKind::kFork,
                    .ref = child_index,
                    .count = static_cast<uint32_t>(number(g, "children", 8, 1, 10000))}}}};
      w_.templates.push_back(parent);
    }
  }

  void read(const YAML::Node &root) {
    if (!root.IsMap() || !root["tasks"] || !root["tasks"].IsSequence()) {
      fail(root, "a workload is a map with a 'tasks' list");
    }
    for (const auto &kv : root) {
      const std::string key = kv.first.Scalar();
      if (key != "tasks" && key != "seconds") {
        fail(kv.first, "unknown key '" + key + "' (tasks, seconds)");
      }
    }
    if (root["seconds"]) {
      w_.duration_ns =
          static_cast<uint64_t>(std::llround(number(root, "seconds", 1, 0.001, 3600) * 1e9));
    }
    size_t i = 0;
    for (const auto &g : root["tasks"]) {
      group(g, i++);
    }
  }

private:
  Workload &w_;
};

} // namespace

Workload parse_workload_yaml(const std::string &text, const std::string &source) {
  Workload w;
  w.source = source;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException &e) {
    throw WorkloadError(source + ":" + std::to_string(e.mark.line + 1) +
                        ": not valid YAML: " + e.msg);
  }
  Reader(w).read(root);
  return w;
}

} // namespace scxx::sim
