// CPU topology from sysfs: which CPUs share a core (SMT) or a last-level
// cache, for the idle-CPU search of scxx_select_cpu.
#pragma once

#include "policy/cpu_topology.h"

namespace scxx {

CpuTopology read_cpu_topology(const char *sysfs_cpu_dir = "/sys/devices/system/cpu");

} // namespace scxx
