#include "control/prometheus_metrics.h"

#include <charconv>
#include <map>

namespace scxx {
namespace {

constexpr double kSecondsPerUs = 1e-6;
constexpr double kSecondsPerNs = 1e-9;

// The shortest text that reads back as the same double ("2e-06", "0.75").
std::string number(double v) {
  char buf[40];
  const auto result = std::to_chars(buf, buf + sizeof(buf), v);
  return {buf, result.ptr};
}

// A label value with \, " and newline escaped as the format asks.
std::string label(const std::string &v) {
  std::string out;
  for (const char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// HELP text: only \ and newline are escaped.
std::string help(std::string_view v) {
  std::string out;
  for (const char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void header(std::string &out, const std::string &name, std::string_view text, const char *type) {
  out += "# HELP " + name + " " + help(text) + "\n# TYPE " + name + " " + type + "\n";
}

std::string stat_name(const StatDesc &d) {
  std::string name(d.name);
  const std::string prefix = "nr_";
  if (name.rfind(prefix, 0) == 0) {
    name = name.substr(prefix.size());
  }
  if (d.kind == StatKind::kMaxNs || d.kind == StatKind::kSumNs) {
    const std::string ns = "_ns";
    if (name.size() > ns.size() && name.compare(name.size() - ns.size(), ns.size(), ns) == 0) {
      name.resize(name.size() - ns.size());
    }
    return "scxx_" + name + (d.kind == StatKind::kSumNs ? "_seconds_total" : "_seconds");
  }
  return "scxx_" + name + (d.kind == StatKind::kCount ? "_total" : "");
}

double bucket_middle_us(size_t i) {
  return i == 0 ? 1.0 : 1.5 * static_cast<double>(uint64_t{1} << i);
}

// One histogram's series; @labels (may be empty) go before "le".
void histogram(std::string &out, const std::string &name, const std::string &labels,
               const WaitHistogram &waits) {
  const std::string before_le = labels.empty() ? "{" : "{" + labels + ",";
  const std::string only = labels.empty() ? "" : "{" + labels + "}";
  uint64_t cumulative = 0;
  for (size_t i = 0; i + 1 < waits.size(); ++i) {
    cumulative += waits[i];
    const double le = static_cast<double>(uint64_t{2} << i) * kSecondsPerUs;
    out.append(name).append("_bucket").append(before_le).append("le=\"").append(number(le));
    out.append("\"} ").append(std::to_string(cumulative)).append("\n");
  }
  cumulative += waits.back();
  out.append(name).append("_bucket").append(before_le).append("le=\"+Inf\"} ");
  out.append(std::to_string(cumulative)).append("\n");
  out.append(name).append("_sum").append(only).append(" ");
  out.append(number(estimated_wait_sum_seconds(waits))).append("\n");
  out.append(name).append("_count").append(only).append(" ").append(std::to_string(cumulative));
  out.append("\n");
}

} // namespace

double estimated_wait_sum_seconds(const WaitHistogram &waits) {
  double sum_us = 0;
  for (size_t i = 0; i < waits.size(); ++i) {
    sum_us += static_cast<double>(waits[i]) * bucket_middle_us(i);
  }
  return sum_us * kSecondsPerUs;
}

std::string prometheus_metrics(const LiveStats &stats,
                               const std::vector<StoredStrategy> &strategies,
                               const std::vector<StrategyCoverage> &coverage) {
  std::string out;
  header(out, "scxx_up", "1 while the scheduler is attached, 0 between sessions", "gauge");
  out += "scxx_up " + std::string(stats.attached ? "1" : "0") + "\n";
  header(out, "scxx_uptime_seconds", "seconds since scxx run started", "gauge");
  out += "scxx_uptime_seconds " + number(stats.uptime_s) + "\n";
  header(out, "scxx_policy_info", "the policy deciding now (value always 1)", "gauge");
  out += "scxx_policy_info{policy=\"" + label(stats.policy) + "\",kernel_mode=\"" +
         (stats.kernel_mode ? "true" : "false") + "\"} 1\n";

  for (const StatDesc &d : stat_descs()) {
    const std::string name = stat_name(d);
    const uint64_t value = stats.sched.*d.field;
    switch (d.kind) {
    case StatKind::kCount:
      header(out, name, std::string(d.description) + " (since the scheduler loaded)", "counter");
      out += name + " " + std::to_string(value) + "\n";
      break;
    case StatKind::kLevel:
      header(out, name, d.description, "gauge");
      out += name + " " + std::to_string(value) + "\n";
      break;
    case StatKind::kSumNs:
      header(out, name, std::string(d.description) + " (since the scheduler loaded)", "counter");
      out += name + " " + number(static_cast<double>(value) * kSecondsPerNs) + "\n";
      break;
    case StatKind::kMaxNs:
      header(out, name, d.description, "gauge");
      out += name + " " + number(static_cast<double>(value) * kSecondsPerNs) + "\n";
      break;
    }
  }

  header(out, "scxx_agent_cpu_seconds_total", "user and system CPU time of the scxx process",
         "counter");
  out += "scxx_agent_cpu_seconds_total " + number(stats.agent_cpu_s) + "\n";
  header(out, "scxx_agent_page_faults_total", "page faults of the scxx process", "counter");
  out += "scxx_agent_page_faults_total{kind=\"minor\"} " +
         std::to_string(stats.agent_minor_faults) + "\n";
  out += "scxx_agent_page_faults_total{kind=\"major\"} " +
         std::to_string(stats.agent_major_faults) + "\n";

  // Coverage is per rule; a pod strategy has several rules.
  std::map<size_t, uint64_t> threads_per_strategy;
  const ExpandedRules expanded = expand_rules(strategies);
  for (const StrategyCoverage &c : coverage) {
    if (c.rule < expanded.owner.size()) {
      threads_per_strategy[expanded.owner[c.rule]] += c.threads;
    }
  }
  header(out, "scxx_strategy_threads", "threads a strategy covers now", "gauge");
  for (size_t i = 0; i < strategies.size(); ++i) {
    out += "scxx_strategy_threads{id=\"" + std::to_string(strategies[i].id) + "\",name=\"" +
           label(strategies[i].rule.name) + "\"} " + std::to_string(threads_per_strategy[i]) + "\n";
  }

  header(out, "scxx_task_wait_seconds",
         "waits of runnable tasks until they ran (power-of-two buckets; _sum estimated from "
         "the bucket middles)",
         "histogram");
  histogram(out, "scxx_task_wait_seconds", "", stats.waits);
  header(out, "scxx_task_wait_phase_seconds",
         "wake-ups the agent decided, in two parts: until its decision was carried out "
         "(phase=\"to_decision\") and from then until the task ran (phase=\"after_decision\")",
         "histogram");
  histogram(out, "scxx_task_wait_phase_seconds", "phase=\"to_decision\"", stats.waits_to_decision);
  histogram(out, "scxx_task_wait_phase_seconds", "phase=\"after_decision\"",
            stats.waits_after_decision);

  if (stats.last_switch) {
    const PolicySwitchReport &s = *stats.last_switch;
    header(out, "scxx_last_switch_pause_seconds",
           "how long the agent decided nothing during the last policy switch", "gauge");
    out += "scxx_last_switch_pause_seconds{from=\"" + label(s.from) + "\",to=\"" + label(s.to) +
           "\"} " + number(static_cast<double>(s.pause_us) * kSecondsPerUs) + "\n";
    header(out, "scxx_last_switch_max_wait_seconds",
           "longest wait of a task in the second after the last policy switch", "gauge");
    out += "scxx_last_switch_max_wait_seconds " +
           number(static_cast<double>(s.max_wait_us) * kSecondsPerUs) + "\n";
    header(out, "scxx_last_switch_tasks_handed_over",
           "tasks the old policy held and gave to the new one at the last switch", "gauge");
    out += "scxx_last_switch_tasks_handed_over " + std::to_string(s.tasks_handed_over) + "\n";
  }
  return out;
}

} // namespace scxx
