// CPU topology from sysfs: which CPUs share a core (SMT) or a last-level
// cache, for the idle-CPU search of scxx_select_cpu.
#pragma once

#include <vector>

namespace scxx {

struct CpuTopology {
  std::vector<int> core_id; // index: CPU; equal values = SMT siblings
  std::vector<int> llc_id;  // index: CPU; equal values = same last-level cache
  int nr_online = 0;
};

CpuTopology read_cpu_topology(const char *sysfs_cpu_dir = "/sys/devices/system/cpu");

} // namespace scxx
