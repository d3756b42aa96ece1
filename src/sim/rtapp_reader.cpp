#include "sim/rtapp_reader.h"

#include "sim/workgen_keys.h"

#include "policy/task.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <vector>

namespace scxx::sim {

namespace {

using Json = nlohmann::ordered_json; // rt-app events run in file order

constexpr const char *kSupported = "run, runtime, sleep, timer, mem, iorun, lock, unlock, wait, "
                                   "signal, broad, sync, barrier, suspend, resume, yield";

class Reader {
public:
  explicit Reader(Workload &w) : w_(w) {}

  [[noreturn]] void fail(const std::string &path, const std::string &why) const {
    throw WorkloadError(w_.source + ": " + path + ": " + why);
  }

  int64_t integer(const Json &v, const std::string &path) const {
    if (!v.is_number_integer()) {
      fail(path, "expected an integer, got " + v.dump());
    }
    return v.get<int64_t>();
  }

  // rt-app durations are microseconds.
  uint64_t usec(const Json &v, const std::string &path) const {
    return count(v, path, "a duration") * kNsecPerUsec;
  }

  uint64_t count(const Json &v, const std::string &path, const char *what) const {
    const int64_t n = integer(v, path);
    if (n < 0) {
      fail(path, std::string(what) + " cannot be negative");
    }
    return static_cast<uint64_t>(n);
  }

  std::string text(const Json &v, const std::string &path) const {
    if (!v.is_string()) {
      fail(path, "expected a string, got " + v.dump());
    }
    return v.get<std::string>();
  }

  // {"ref": CONDITION, "mutex": MUTEX} of wait and sync.
  Op cond_wait(OpKind kind, const Json &v, const std::string &path) {
    if (!v.is_object() || !v.contains("ref") || !v.contains("mutex")) {
      fail(path, "expected {\"ref\": CONDITION, \"mutex\": MUTEX}");
    }
    return Op{.kind = kind,
              .ref = w_.resource(text(v["ref"], path + ".ref"), ResourceKind::kCondition),
              .mutex = w_.resource(text(v["mutex"], path + ".mutex"), ResourceKind::kMutex)};
  }

  void event(const std::string &key, const Json &v, const std::string &path, Phase &phase) {
    // "run1", "sleep2": rt-app lets a key repeat with a numeric suffix.
    std::string name = key;
    while (!name.empty() && std::isdigit(static_cast<unsigned char>(name.back())) != 0) {
      name.pop_back();
    }
    Op op;
    if (name == "run") {
      op = Op{.kind = OpKind::kRun, .ns = usec(v, path)};
    } else if (name == "runtime") {
      op = Op{.kind = OpKind::kRunWall, .ns = usec(v, path)};
    } else if (name == "sleep") {
      op = Op{.kind = OpKind::kSleep, .ns = usec(v, path)};
    } else if (name == "mem" || name == "iorun") {
      op = Op{.kind = OpKind::kMem, .bytes = count(v, path, "a size")};
    } else if (name == "timer") {
      if (!v.is_object() || !v.contains("ref") || !v.contains("period")) {
        fail(path, "a timer is {\"ref\": NAME, \"period\": USEC[, \"mode\": "
                   "\"absolute\"|\"relative\"]}");
      }
      const std::string ref = text(v["ref"], path + ".ref");
      op = Op{.kind = OpKind::kTimer,
              .ns = usec(v["period"], path + ".period"),
              .ref = w_.resource(ref, ResourceKind::kTimer),
              .relative = true}; // rt-app's default mode
      // rt-app shares a timer among the tasks naming it, unless its name
      // starts with "unique"; such a timer is each thread's own.
      w_.resources[static_cast<size_t>(op.ref)].per_task = ref.starts_with("unique");
      if (v.contains("mode")) {
        const std::string mode = text(v["mode"], path + ".mode");
        if (mode != "absolute" && mode != "relative") {
          fail(path + ".mode", "unknown timer mode '" + mode + "' (absolute or relative)");
        }
        op.relative = mode == "relative";
      }
    } else if (name == "suspend" || name == "resume" || name == "signal" || name == "broad") {
      // rt-app's suspend and resume wait on and broadcast the condition of
      // that name, the same one wait and signal use.
      const OpKind kinds[] = {OpKind::kSuspend, OpKind::kResume, OpKind::kSignal, OpKind::kBroad};
      const size_t i = name == "suspend" ? 0 : name == "resume" ? 1 : name == "signal" ? 2 : 3;
      op = Op{.kind = kinds[i], .ref = w_.resource(text(v, path), ResourceKind::kCondition)};
    } else if (name == "lock" || name == "unlock") {
      op = Op{.kind = name == "lock" ? OpKind::kLock : OpKind::kUnlock,
              .ref = w_.resource(text(v, path), ResourceKind::kMutex)};
    } else if (name == "wait" || name == "sync") {
      op = cond_wait(name == "wait" ? OpKind::kWait : OpKind::kSync, v, path);
    } else if (name == "barrier") {
      op = Op{.kind = OpKind::kBarrier, .ref = w_.resource(text(v, path), ResourceKind::kBarrier)};
    } else if (name == "yield") {
      op = Op{.kind = OpKind::kYield}; // rt-app ignores its value
    } else {
      fail(path, "unsupported event '" + key + "' (supported: " + kSupported + ")");
    }
    phase.ops.push_back(op);
  }

  std::vector<int> cpu_list(const Json &cpus, const std::string &path) const {
    if (!cpus.is_array() || cpus.empty()) {
      fail(path, "expected a non-empty list of CPU numbers");
    }
    std::vector<int> out;
    for (const Json &c : cpus) {
      out.push_back(static_cast<int>(integer(c, path)));
    }
    return out;
  }

  Phase phase(const Json &obj, const std::string &path, bool task_level) {
    Phase p;
    for (const auto &[key, v] : obj.items()) {
      if (key == "loop") {
        p.loop = integer(v, path + ".loop");
        if (p.loop == 0 || p.loop < -1) {
          fail(path + ".loop", "a loop count is positive or -1 (for ever)");
        }
      } else if (task_level && is_task_key(key)) {
        continue;
      } else if (!task_level && key == "cpus") {
        p.cpus = cpu_list(v, path + ".cpus"); // rt-app sets it as the phase starts
      } else {
        event(key, v, std::string(path).append(".").append(key), p);
      }
    }
    if (p.ops.empty()) {
      fail(path, "no events");
    }
    return p;
  }

  static bool is_task_key(const std::string &k) {
    return k == "instance" || k == "priority" || k == "policy" || k == "cpus" || k == "delay" ||
           k == "phases" || k == "taskgroup";
  }

  SchedPolicy policy(const std::string &name, const std::string &path) const {
    if (name == "SCHED_OTHER") {
      return SchedPolicy::kOther;
    }
    if (name == "SCHED_BATCH") {
      return SchedPolicy::kBatch;
    }
    if (name == "SCHED_IDLE") {
      return SchedPolicy::kIdle;
    }
    if (name == "SCHED_FIFO") {
      return SchedPolicy::kFifo;
    }
    if (name == "SCHED_RR") {
      return SchedPolicy::kRr;
    }
    fail(path, "unsupported policy '" + name +
                   "' (SCHED_OTHER, SCHED_BATCH, SCHED_IDLE, SCHED_FIFO, SCHED_RR)");
  }

  void task(const std::string &name, const Json &obj, SchedPolicy default_policy) {
    const std::string path = "tasks." + name;
    if (!obj.is_object()) {
      fail(path, "a task is an object");
    }
    TaskTemplate t;
    t.name = name;
    t.cls = name;
    t.policy = default_policy;
    t.loop = -1;
    if (obj.contains("instance")) {
      t.instances = static_cast<int>(integer(obj["instance"], path + ".instance"));
      if (t.instances < 1 || t.instances > 10000) {
        fail(path + ".instance", "instances run 1..10000");
      }
    }
    if (obj.contains("policy")) {
      t.policy = policy(text(obj["policy"], path + ".policy"), path + ".policy");
    }
    if (obj.contains("priority")) {
      const int64_t prio = integer(obj["priority"], path + ".priority");
      if (t.policy == SchedPolicy::kFifo || t.policy == SchedPolicy::kRr) {
        if (prio < 1 || prio > 99) {
          fail(path + ".priority", "a real-time priority runs 1..99");
        }
        t.rt_priority = static_cast<int>(prio);
      } else {
        if (prio < -20 || prio > 19) {
          fail(path + ".priority", "a nice value runs -20..19");
        }
        t.nice = static_cast<int>(prio);
      }
    }
    if (obj.contains("cpus")) {
      t.cpus = cpu_list(obj["cpus"], path + ".cpus");
    }
    if (obj.contains("delay")) {
      t.start_delay_ns = usec(obj["delay"], path + ".delay");
    }
    if (obj.contains("loop")) {
      t.loop = integer(obj["loop"], path + ".loop");
      if (t.loop == 0 || t.loop < -1) {
        fail(path + ".loop", "a loop count is positive or -1 (for ever)");
      }
    }
    if (obj.contains("phases")) {
      const Json &phases = obj["phases"];
      if (!phases.is_object() || phases.empty()) {
        fail(path + ".phases", "expected an object of phases");
      }
      for (const auto &[pname, p] : phases.items()) {
        if (!p.is_object()) {
          fail(std::string(path).append(".phases.").append(pname),
               "a phase is an object of events");
        }
        t.phases.push_back(phase(p, std::string(path).append(".phases.").append(pname), false));
      }
    } else {
      Json events = Json::object();
      for (const auto &[key, v] : obj.items()) {
        if (key != "loop") {
          events[key] = v;
        }
      }
      t.phases.push_back(phase(events, path, true));
    }
    w_.templates.push_back(std::move(t));
  }

  void read(const Json &root) {
    if (!root.is_object() || !root.contains("tasks") || !root["tasks"].is_object()) {
      fail("tasks", "an rt-app file is an object with a \"tasks\" object");
    }
    SchedPolicy default_policy = SchedPolicy::kOther;
    if (root.contains("global")) {
      const Json &g = root["global"];
      if (g.contains("duration")) {
        const Json &d = g["duration"];
        if (!d.is_number()) {
          fail("global.duration", "expected seconds, got " + d.dump());
        }
        const double s = d.get<double>();
        if (s > 0) {
          w_.duration_ns = static_cast<uint64_t>(std::llround(s * 1e9));
        }
      }
      if (g.contains("default_policy")) {
        default_policy =
            policy(text(g["default_policy"], "global.default_policy"), "global.default_policy");
      }
    }
    for (const auto &[name, obj] : root["tasks"].items()) {
      task(name, obj, default_policy);
    }
    if (root.contains("global") && root["global"].contains("pi_enabled")) {
      const Json &pi = root["global"]["pi_enabled"];
      if (!pi.is_boolean()) {
        fail("global.pi_enabled", "expected true or false, got " + pi.dump());
      }
      // The kernel's priority inheritance lends only real-time priorities:
      // among SCHED_OTHER, BATCH and IDLE tasks it changes nothing. Lending
      // one to a mutex's holder is not modelled.
      if (pi.get<bool>() && uses_mutexes() && has_rt_task()) {
        fail("global.pi_enabled", "unsupported: priority inheritance with SCHED_FIFO/RR tasks "
                                  "and mutexes is not modelled");
      }
    }
  }

  [[nodiscard]] bool uses_mutexes() const {
    return std::any_of(w_.resources.begin(), w_.resources.end(),
                       [](const Resource &r) { return r.kind == ResourceKind::kMutex; });
  }

  [[nodiscard]] bool has_rt_task() const {
    return std::any_of(w_.templates.begin(), w_.templates.end(), [](const TaskTemplate &t) {
      return t.policy == SchedPolicy::kFifo || t.policy == SchedPolicy::kRr;
    });
  }

private:
  Workload &w_;
};

// rt-app reads its files with json-c, which accepts a comma before a
// closing brace or bracket; JSON does not. Drops those commas outside
// strings and comments, keeping every line where it was.
std::string without_trailing_commas(const std::string &in) {
  std::string out;
  out.reserve(in.size());
  size_t pending = std::string::npos; // position in `out` of a comma that may trail
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '"') {
      pending = std::string::npos;
      const size_t start = i++;
      for (; i < in.size() && in[i] != '"'; ++i) {
        i += in[i] == '\\' ? 1 : 0;
      }
      out.append(in, start, i - start + 1);
      continue;
    }
    if (c == '/' && i + 1 < in.size() && (in[i + 1] == '/' || in[i + 1] == '*')) {
      const size_t end = in[i + 1] == '/' ? in.find('\n', i) : in.find("*/", i + 2);
      const size_t stop = end == std::string::npos ? in.size() : end + (in[i + 1] == '/' ? 0 : 2);
      out.append(in, i, stop - i);
      i = stop - 1;
      continue;
    }
    if ((c == '}' || c == ']') && pending != std::string::npos) {
      out[pending] = ' ';
    }
    if (c == ',') {
      pending = out.size();
    } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      pending = std::string::npos;
    }
    out += c;
  }
  return out;
}

} // namespace

Workload parse_rtapp_json(const std::string &text, const std::string &source) {
  Workload w;
  w.source = source;
  // rt-app's examples repeat keys in one object and rely on workgen to
  // number them; numbered the same way here. A key it leaves repeated is
  // read as json-c reads it (and so does nlohmann): the last value, in the
  // first one's place.
  const std::string json = without_trailing_commas(workgen_number_keys(text));
  Json root;
  try {
    root = Json::parse(json, nullptr, true, /*ignore_comments=*/true);
  } catch (const Json::parse_error &e) {
    const size_t line =
        1 +
        static_cast<size_t>(std::count(
            json.begin(), json.begin() + static_cast<long>(std::min(e.byte, json.size())), '\n'));
    if (std::string(e.what()).find("expected ':'") != std::string::npos) {
      // The key is the last string before the error.
      const size_t end = json.rfind('"', std::min(e.byte, json.size()) - 1);
      const size_t begin =
          end == std::string::npos || end == 0 ? std::string::npos : json.rfind('"', end - 1);
      const std::string key =
          begin == std::string::npos ? "?" : json.substr(begin + 1, end - begin - 1);
      throw WorkloadError(source + ":" + std::to_string(line) + ": unsupported key '" + key +
                          "' without a value (a workgen template, which rt-app refuses too: "
                          "workgen fills in the task's own name; write it)");
    }
    throw WorkloadError(source + ": not valid JSON: " + e.what());
  }
  Reader(w).read(root);
  return w;
}

} // namespace scxx::sim
