// Plots of simulated runs, drawn by gnuplot (Debian's gnuplot-nox) as PNG:
// per policy, the wake-up latency CDF of every task class and a per-CPU
// timeline of which class ran when.
#pragma once

#include "sim/simulator.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace scxx::sim {

class PlotError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Writes DIR/<policy>-latency-cdf.png and DIR/<policy>-timeline.png for
// each run (the runs need keep_samples and timeline_ns set), with the data
// and gnuplot scripts beside them. Returns the PNG files written. Throws
// PlotError when DIR cannot be written or gnuplot fails or is missing.
std::vector<std::string> write_plots(const std::string &dir, const std::vector<RunResult> &runs,
                                     uint64_t timeline_ns);

} // namespace scxx::sim
