#include "core/scheduler_stats.h"

namespace scxx {

SchedulerStats combine_stats(std::span<const scxx_cpu_stats> cpus,
                             const scxx_shared_stats &shared) {
  SchedulerStats s;
  // Per-CPU fields wrap like the kernel's (a level such as nr_running may
  // go below zero on one CPU): unsigned sums come out right.
#define SCXX_SUM_CPU(name)                                                                         \
  for (const auto &c : cpus)                                                                       \
    s.name += c.name;
#define SCXX_COPY_SHARED(name) s.name = shared.name;
#define SCXX_PICK_CPU(name) SCXX_SUM_CPU(name)
#define SCXX_PICK_SHARED(name) SCXX_COPY_SHARED(name)
#define SCXX_X(name, label, where, kind, desc) SCXX_PICK_##where(name)
  SCXX_STATS(SCXX_X)
#undef SCXX_X
#undef SCXX_PICK_SHARED
#undef SCXX_PICK_CPU
#undef SCXX_COPY_SHARED
#undef SCXX_SUM_CPU
  return s;
}

} // namespace scxx
