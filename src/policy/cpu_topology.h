// Which CPUs share a core (SMT siblings) or a last-level cache. Plain data:
// the core reads it from sysfs (core/topology.h), policies read it from
// their PolicyContext, tests build it by hand.
#pragma once

#include <cstddef>
#include <vector>

namespace scxx {

struct CpuTopology {
  std::vector<int> core_id; // index: CPU; equal values = SMT siblings
  std::vector<int> llc_id;  // index: CPU; equal values = same last-level cache
  int nr_online = 0;

  // CPU ids run 0..nr_cpus()-1 (some may be offline).
  [[nodiscard]] size_t nr_cpus() const { return core_id.size(); }
};

} // namespace scxx
