#include "core/topology.h"

#include <filesystem>
#include <fstream>
#include <string>

namespace scxx {
namespace {

int read_int(const std::filesystem::path &p, int fallback) {
  std::ifstream in(p);
  int v = 0;
  return (in >> v) ? v : fallback;
}

// First CPU of a list like "0-3,8-11", or fallback.
int first_cpu_of_list(const std::filesystem::path &p, int fallback) {
  std::ifstream in(p);
  int v = 0;
  return (in >> v) ? v : fallback;
}

} // namespace

CpuTopology read_cpu_topology(const char *sysfs_cpu_dir) {
  namespace fs = std::filesystem;
  CpuTopology topo;
  for (int cpu = 0;; ++cpu) {
    const fs::path dir = fs::path(sysfs_cpu_dir) / ("cpu" + std::to_string(cpu));
    if (!fs::exists(dir)) {
      break;
    }
    const int package = read_int(dir / "topology/physical_package_id", 0);
    const int core = read_int(dir / "topology/core_id", cpu);
    topo.core_id.push_back(package * 65536 + core);
    int llc = first_cpu_of_list(dir / "cache/index3/shared_cpu_list", -1);
    if (llc < 0) {
      llc = first_cpu_of_list(dir / "cache/index2/shared_cpu_list", package);
    }
    topo.llc_id.push_back(llc);
    if (read_int(dir / "online", 1) == 1) {
      ++topo.nr_online;
    }
  }
  return topo;
}

} // namespace scxx
