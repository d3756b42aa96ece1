// The results of runs side by side: a text table (one column per policy)
// and JSON with every number.
#pragma once

#include "sim/simulator.h"

#include <cstdint>
#include <string>
#include <vector>

namespace scxx::sim {

struct ReportHeader {
  std::string workload; // file name
  std::string machine;  // "4 CPUs (2 cores x 2 SMT, 1 LLC)"
  uint64_t seed = 0;
  uint64_t duration_ns = 0;
  uint64_t warmup_ns = 0; // latencies count from then on
};

// A replayed trace's totals over every task of a run (all zero otherwise).
struct TraceTotals {
  size_t tasks = 0, finished = 0;
  uint64_t cpu_ns = 0, recorded_ns = 0;
};
TraceTotals trace_totals(const RunResult &r);

std::string format_table(const ReportHeader &header, const std::vector<RunResult> &runs);
std::string format_json(const ReportHeader &header, const std::vector<RunResult> &runs);

} // namespace scxx::sim
