// Threads in a fake /proc tree, written as the kernel shows them.
#pragma once

#include "temp_dir.h"

#include <cstdint>
#include <string>

namespace scxx::test {

// /proc/<tgid>/task/<tid>/{comm,cgroup,stat}; the stat line carries the
// command name and the start time (field 22, clock ticks since boot).
inline void add_thread(const TempDir &dir, int tgid, int tid, const std::string &comm,
                       const std::string &cgroup_file, uint64_t start_ticks = 0) {
  const std::string base = std::to_string(tgid) + "/task/" + std::to_string(tid) + "/";
  dir.write(base + "comm", comm + "\n");
  dir.write(base + "cgroup", cgroup_file);
  dir.write(base + "stat", std::to_string(tid) + " (" + comm + ") S " + std::to_string(tgid) +
                               " 1 1 0 -1 4194560 10 0 0 0 3 1 0 0 20 0 1 0 " +
                               std::to_string(start_ticks) + " 8192 100 18446744073709551615\n");
}

} // namespace scxx::test
