#include "sim/metrics.h"

#include <algorithm>
#include <cmath>

namespace scxx::sim {

uint64_t nearest_rank(const std::vector<uint64_t> &sorted, double pct) {
  if (sorted.empty()) {
    return 0;
  }
  // The epsilon keeps 99.9% of 1000 at rank 999 despite binary fractions.
  const double rank = std::ceil(pct * static_cast<double>(sorted.size()) / 100.0 - 1e-9);
  const size_t idx = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(idx, sorted.size() - 1)];
}

Percentiles percentiles(std::vector<uint64_t> samples) {
  Percentiles p;
  if (samples.empty()) {
    return p;
  }
  std::sort(samples.begin(), samples.end());
  p.count = samples.size();
  p.p50 = nearest_rank(samples, 50);
  p.p90 = nearest_rank(samples, 90);
  p.p99 = nearest_rank(samples, 99);
  p.p999 = nearest_rank(samples, 99.9);
  p.max = samples.back();
  return p;
}

double jain_index(const std::vector<double> &xs) {
  if (xs.empty()) {
    return 0;
  }
  double sum = 0;
  double sum_sq = 0;
  for (double x : xs) {
    sum += x;
    sum_sq += x * x;
  }
  if (sum_sq == 0) {
    return 1;
  }
  return sum * sum / (static_cast<double>(xs.size()) * sum_sq);
}

std::vector<ClassSummary> Metrics::summarize(const std::vector<TaskTotals> &tasks) const {
  std::map<std::string, ClassSummary> by_class;
  std::map<std::string, std::map<uint64_t, std::vector<double>>> whole_run_cpu;
  for (const TaskTotals &t : tasks) {
    ClassSummary &c = by_class[t.cls];
    c.name = t.cls;
    ++c.tasks;
    c.cpu_ns += t.cpu_ns;
    c.activations += t.activations;
    c.deadline_misses += t.deadline_misses;
    c.context_switches += t.context_switches;
    c.migrations += t.migrations;
    c.lock_wait_ns += t.lock_wait_ns;
    c.inversion_ns += t.inversion_ns;
    if (t.whole_run) {
      whole_run_cpu[t.cls][t.weight].push_back(static_cast<double>(t.cpu_ns));
    }
  }
  std::vector<ClassSummary> out;
  for (auto &[name, c] : by_class) {
    const auto s = samples_.find(name);
    if (s != samples_.end()) {
      c.wake = percentiles(s->second.wake);
      c.delay = percentiles(s->second.delay);
    }
    // The largest group of equal weight (the heaviest on a tie).
    const std::vector<double> *group = nullptr;
    for (const auto &[weight, cpu] : whole_run_cpu[name]) {
      if (group == nullptr || cpu.size() >= group->size()) {
        group = &cpu;
      }
    }
    if (group != nullptr) {
      c.jain = jain_index(*group);
      c.jain_tasks = group->size();
    }
    out.push_back(c);
  }
  return out;
}

} // namespace scxx::sim
