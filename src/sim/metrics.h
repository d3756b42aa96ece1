// What a run measured, per task class: wake-up latency and run-queue delay
// distributions, CPU time, fairness, deadline misses, context switches and
// migrations. The math (percentiles, Jain's index) is here too, alone, so
// the tests can check it on known inputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace scxx::sim {

struct Percentiles {
  size_t count = 0;
  uint64_t p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
};

// Nearest-rank percentiles (the smallest sample with at least p% of the
// samples at or below it); all zero for no samples.
Percentiles percentiles(std::vector<uint64_t> samples);
uint64_t nearest_rank(const std::vector<uint64_t> &sorted, double pct);

// Jain's fairness index (sum x)^2 / (n * sum x^2): 1 when every x is equal,
// 1/n when one gets everything. 1 for all zeros; 0 for no values.
double jain_index(const std::vector<double> &xs);

struct ClassSummary {
  std::string name;
  size_t tasks = 0;  // every task of the class that lived, forked ones too
  Percentiles wake;  // wake-up to running
  Percentiles delay; // every runnable-to-running wait (wake-ups, preemptions, slice ends)
  uint64_t cpu_ns = 0;
  double jain = 0; // over the largest group of equal-weight tasks that lived the whole run
  size_t jain_tasks = 0;
  uint64_t activations = 0; // periodic activations checked against their deadline
  uint64_t deadline_misses = 0;
  uint64_t context_switches = 0;
  uint64_t migrations = 0;
  uint64_t lock_wait_ns = 0; // blocked on mutexes
  uint64_t inversion_ns = 0; // of that, while a lower-ranked holder was runnable, not running
};

// One task's totals, handed over at the end of a run.
struct TaskTotals {
  std::string cls;
  uint64_t weight = 0;
  bool whole_run = false; // started at the beginning and never exited
  uint64_t cpu_ns = 0;
  uint64_t activations = 0, deadline_misses = 0, context_switches = 0, migrations = 0;
  uint64_t lock_wait_ns = 0, inversion_ns = 0;
};

class Metrics {
public:
  void wake_latency(const std::string &cls, uint64_t ns) { samples_[cls].wake.push_back(ns); }
  void queue_delay(const std::string &cls, uint64_t ns) { samples_[cls].delay.push_back(ns); }
  // Every wake-up latency sample per class (for plots).
  [[nodiscard]] std::map<std::string, std::vector<uint64_t>> wake_samples() const {
    std::map<std::string, std::vector<uint64_t>> out;
    for (const auto &[cls, s] : samples_) {
      out[cls] = s.wake;
    }
    return out;
  }
  // One summary per class, sorted by class name.
  [[nodiscard]] std::vector<ClassSummary> summarize(const std::vector<TaskTotals> &tasks) const;

private:
  struct Samples {
    std::vector<uint64_t> wake, delay;
  };
  std::map<std::string, Samples> samples_;
};

} // namespace scxx::sim
