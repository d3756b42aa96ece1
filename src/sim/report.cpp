#include "sim/report.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <functional>
#include <set>

namespace scxx::sim {

namespace {

constexpr int kLabelWidth = 34;
constexpr int kColumnWidth = 16;

std::string fixed(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

std::string us(uint64_t ns) {
  return fixed(static_cast<double>(ns) / 1e3, 1);
}

std::string pad(const std::string &s, int width, bool right) {
  const auto n = static_cast<size_t>(width);
  if (s.size() >= n) {
    return right ? " " + s : s + " "; // too long: at least one space between columns
  }
  return right ? std::string(n - s.size(), ' ') + s : s + std::string(n - s.size(), ' ');
}

const ClassSummary *find_class(const RunResult &r, const std::string &name) {
  for (const ClassSummary &c : r.classes) {
    if (c.name == name) {
      return &c;
    }
  }
  return nullptr;
}

} // namespace

std::string format_table(const ReportHeader &h, const std::vector<RunResult> &runs) {
  std::string out =
      "scxx sim: " + h.workload + " on " + h.machine + ", " +
      fixed(static_cast<double>(h.duration_ns) / 1e9, 3) + " s simulated, seed " +
      std::to_string(h.seed) +
      (h.warmup_ns != 0
           ? ", latencies from " + fixed(static_cast<double>(h.warmup_ns) / 1e9, 3) + " s on"
           : "") +
      "\n";
  auto row = [&](const std::string &label, const std::function<std::string(const RunResult &)> &f) {
    out += pad("  " + label, kLabelWidth, false);
    for (const RunResult &r : runs) {
      out += pad(f(r), kColumnWidth, true);
    }
    out += "\n";
  };
  std::set<std::string> names;
  for (const RunResult &r : runs) {
    for (const ClassSummary &c : r.classes) {
      names.insert(c.name);
    }
  }
  out += '\n';
  out += pad("", kLabelWidth, false);
  for (const RunResult &r : runs) {
    out += pad(r.policy, kColumnWidth, true);
  }
  out += "\n";
  for (const std::string &name : names) {
    size_t tasks = 0;
    for (const RunResult &r : runs) {
      if (const ClassSummary *c = find_class(r, name)) {
        tasks = std::max(tasks, c->tasks);
      }
    }
    out += "class " + name + " (" + std::to_string(tasks) + " tasks)\n";
    auto cls = [&](const std::function<std::string(const ClassSummary &)> &f) {
      return [&, f](const RunResult &r) {
        const ClassSummary *c = find_class(r, name);
        return c == nullptr ? std::string("-") : f(*c);
      };
    };
    row("wake-up latency p50 (us)", cls([](const ClassSummary &c) { return us(c.wake.p50); }));
    row("wake-up latency p90 (us)", cls([](const ClassSummary &c) { return us(c.wake.p90); }));
    row("wake-up latency p99 (us)", cls([](const ClassSummary &c) { return us(c.wake.p99); }));
    row("wake-up latency p99.9 (us)", cls([](const ClassSummary &c) { return us(c.wake.p999); }));
    row("wake-up latency max (us)", cls([](const ClassSummary &c) { return us(c.wake.max); }));
    row("run-queue delay p50 (us)", cls([](const ClassSummary &c) { return us(c.delay.p50); }));
    row("run-queue delay p99 (us)", cls([](const ClassSummary &c) { return us(c.delay.p99); }));
    row("run-queue delay max (us)", cls([](const ClassSummary &c) { return us(c.delay.max); }));
    row("CPU time (ms)",
        cls([](const ClassSummary &c) { return fixed(static_cast<double>(c.cpu_ns) / 1e6, 1); }));
    row("fairness (Jain, equal weights)", cls([](const ClassSummary &c) {
          return c.jain_tasks < 2 ? std::string("-") : fixed(c.jain, 3);
        }));
    row("deadline misses / activations", cls([](const ClassSummary &c) {
          return c.activations == 0
                     ? std::string("-")
                     : std::to_string(c.deadline_misses) + "/" + std::to_string(c.activations);
        }));
    row("context switches",
        cls([](const ClassSummary &c) { return std::to_string(c.context_switches); }));
    row("migrations", cls([](const ClassSummary &c) { return std::to_string(c.migrations); }));
    // Only for classes that waited on a mutex under some policy.
    bool locked = false;
    for (const RunResult &r : runs) {
      const ClassSummary *c = find_class(r, name);
      locked = locked || (c != nullptr && c->lock_wait_ns != 0);
    }
    if (locked) {
      row("blocked on mutexes (ms)", cls([](const ClassSummary &c) {
            return fixed(static_cast<double>(c.lock_wait_ns) / 1e6, 2);
          }));
      row("priority inversion (ms)", cls([](const ClassSummary &c) {
            return fixed(static_cast<double>(c.inversion_ns) / 1e6, 2);
          }));
    }
  }
  out += "machine\n";
  auto pct = [](uint64_t part, const RunResult &r) {
    return fixed(100.0 * static_cast<double>(part) /
                     (static_cast<double>(r.duration_ns) * static_cast<double>(r.cpus)),
                 1);
  };
  row("CPU busy (% of all CPUs)", [&](const RunResult &r) { return pct(r.busy_ns, r); });
  row("agent (% of all CPUs)", [&](const RunResult &r) { return pct(r.agent_ns, r); });
  row("switches + noise (% of all CPUs)",
      [&](const RunResult &r) { return pct(r.overhead_ns, r); });
  row("invariant violations", [](const RunResult &r) { return std::to_string(r.violation_count); });
  if (!runs.empty() && trace_totals(runs.front()).recorded_ns != 0) {
    out += "trace replay\n";
    row("tasks finished / replayed", [](const RunResult &r) {
      const TraceTotals t = trace_totals(r);
      return std::to_string(t.finished) + "/" + std::to_string(t.tasks);
    });
    row("CPU time (% of recorded)", [](const RunResult &r) {
      const TraceTotals t = trace_totals(r);
      return fixed(100.0 * static_cast<double>(t.cpu_ns) / static_cast<double>(t.recorded_ns), 2);
    });
  }
  std::set<std::string> counters;
  for (const RunResult &r : runs) {
    for (const auto &[k, v] : r.counters) {
      counters.insert(k);
    }
  }
  if (!counters.empty()) {
    out += "kernel side\n";
    for (const std::string &k : counters) {
      row(k, [&](const RunResult &r) {
        const auto it = r.counters.find(k);
        return it == r.counters.end() ? std::string("-") : std::to_string(it->second);
      });
    }
  }
  for (const RunResult &r : runs) {
    if (r.violation_count == 0) {
      continue;
    }
    out += "\n" + r.policy + ": " + std::to_string(r.violation_count) + " invariant violations (";
    bool first = true;
    for (const auto &[rule, n] : r.violations_by_rule) {
      out += (first ? "" : ", ") + rule + " " + std::to_string(n);
      first = false;
    }
    out += ")\n";
    for (const std::string &v : r.violations) {
      out += "  " + v + "\n";
    }
  }
  return out;
}

TraceTotals trace_totals(const RunResult &r) {
  TraceTotals t;
  for (const TaskCpu &task : r.tasks) {
    ++t.tasks;
    t.finished += task.finished ? 1 : 0;
    t.cpu_ns += task.cpu_ns;
    t.recorded_ns += task.recorded_cpu_ns;
  }
  return t;
}

std::string format_json(const ReportHeader &h, const std::vector<RunResult> &runs) {
  using Json = nlohmann::ordered_json;
  auto dist = [](const Percentiles &p) {
    return Json{{"count", p.count}, {"p50", p.p50},    {"p90", p.p90},
                {"p99", p.p99},     {"p99.9", p.p999}, {"max", p.max}};
  };
  Json root = {{"workload", h.workload},       {"machine", h.machine},     {"seed", h.seed},
               {"duration_ns", h.duration_ns}, {"warmup_ns", h.warmup_ns}, {"runs", Json::array()}};
  for (const RunResult &r : runs) {
    Json classes = Json::array();
    for (const ClassSummary &c : r.classes) {
      classes.push_back({{"name", c.name},
                         {"tasks", c.tasks},
                         {"wake_latency_ns", dist(c.wake)},
                         {"run_queue_delay_ns", dist(c.delay)},
                         {"cpu_ns", c.cpu_ns},
                         {"jain", c.jain},
                         {"jain_tasks", c.jain_tasks},
                         {"activations", c.activations},
                         {"deadline_misses", c.deadline_misses},
                         {"context_switches", c.context_switches},
                         {"migrations", c.migrations},
                         {"lock_wait_ns", c.lock_wait_ns},
                         {"inversion_ns", c.inversion_ns}});
    }
    const TraceTotals tt = trace_totals(r);
    Json replay = nullptr;
    if (tt.recorded_ns != 0) {
      replay = {{"tasks", tt.tasks},
                {"finished", tt.finished},
                {"cpu_ns", tt.cpu_ns},
                {"recorded_cpu_ns", tt.recorded_ns}};
    }
    root["runs"].push_back({{"policy", r.policy},
                            {"trace_replay", replay},
                            {"classes", classes},
                            {"busy_ns", r.busy_ns},
                            {"agent_ns", r.agent_ns},
                            {"overhead_ns", r.overhead_ns},
                            {"counters", r.counters},
                            {"violations",
                             {{"count", r.violation_count},
                              {"by_rule", r.violations_by_rule},
                              {"first", r.violations}}}});
  }
  return root.dump(2) + "\n";
}

} // namespace scxx::sim
