#include "core/topology.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace scxx {
namespace {

namespace fs = std::filesystem;

void write(const fs::path &p, const std::string &text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text << "\n";
}

// A fake sysfs: 4 CPUs, two cores with two SMT threads each, CPU 3 offline,
// one shared L3.
TEST(Topology, ReadsCoresCachesAndOnlineCpus) {
  const fs::path root = fs::temp_directory_path() / "scxx-topology-test";
  fs::remove_all(root);
  for (int cpu = 0; cpu < 4; ++cpu) {
    const fs::path d = root / ("cpu" + std::to_string(cpu));
    write(d / "topology/physical_package_id", "0");
    write(d / "topology/core_id", std::to_string(cpu / 2));
    write(d / "cache/index3/shared_cpu_list", "0-3");
    write(d / "online", cpu == 3 ? "0" : "1");
  }
  const CpuTopology t = read_cpu_topology(root.c_str());
  ASSERT_EQ(t.core_id.size(), 4U);
  EXPECT_EQ(t.core_id[0], t.core_id[1]);
  EXPECT_NE(t.core_id[1], t.core_id[2]);
  EXPECT_EQ(t.core_id[2], t.core_id[3]);
  EXPECT_EQ(t.llc_id, (std::vector<int>{0, 0, 0, 0}));
  EXPECT_EQ(t.nr_online, 3);
  fs::remove_all(root);
}

TEST(Topology, MissingCacheInfoFallsBackToThePackage) {
  const fs::path root = fs::temp_directory_path() / "scxx-topology-test2";
  fs::remove_all(root);
  write(root / "cpu0/topology/physical_package_id", "1");
  write(root / "cpu0/topology/core_id", "0");
  const CpuTopology t = read_cpu_topology(root.c_str());
  ASSERT_EQ(t.llc_id.size(), 1U);
  EXPECT_EQ(t.llc_id[0], 1);
  EXPECT_EQ(t.nr_online, 1) << "cpu0 has no online file: always online";
  fs::remove_all(root);
}

} // namespace
} // namespace scxx
