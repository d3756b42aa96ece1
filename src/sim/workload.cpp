#include "sim/workload.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace scxx::sim {

int Workload::resource(const std::string &name, ResourceKind kind) {
  for (size_t i = 0; i < resources.size(); ++i) {
    if (resources[i].name == name && resources[i].kind == kind) {
      return static_cast<int>(i);
    }
  }
  resources.push_back(Resource{name, kind});
  return static_cast<int>(resources.size() - 1);
}

uint64_t weight_of_nice(int nice) {
  // kernel/sched/core.c sched_prio_to_weight, nice -20..19.
  static constexpr std::array<uint64_t, 40> kPrioToWeight = {
      88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904,
      3906,  3121,  2501,  1991,  1586,  1277,  1024,  820,   655,   526,   423,  335,  272,  215,
      172,   137,   110,   87,    70,    56,    45,    36,    29,    23,    18,   15};
  const int idx = std::clamp(nice, -20, 19) + 20;
  // sched_ext: weight * 100 / 1024, rounded, at least 1.
  const uint64_t w = (kPrioToWeight[static_cast<size_t>(idx)] * 100 + 512) / 1024;
  return std::clamp<uint64_t>(w, 1, 10000);
}

namespace {

bool progresses(const Phase &p) {
  return std::any_of(p.ops.begin(), p.ops.end(), [](const Op &op) {
    switch (op.kind) {
    case OpKind::kRun:
    case OpKind::kRunWall:
    case OpKind::kSleep:
    case OpKind::kTimer:
      return op.ns > 0;
    case OpKind::kMem:
      return op.bytes > 0;
    case OpKind::kSuspend:
    case OpKind::kBarrier:
    case OpKind::kLock:
    case OpKind::kWait:
    case OpKind::kSync:
    case OpKind::kYield:
      return true;
    default:
      return false;
    }
  });
}

void check_cpus(const std::vector<int> &cpus, int nr_cpus, const std::string &where) {
  for (int cpu : cpus) {
    if (cpu < 0 || cpu >= nr_cpus) {
      throw WorkloadError(where + "CPU " + std::to_string(cpu) + " is not on the machine (" +
                          std::to_string(nr_cpus) + " CPUs; see --cpus)");
    }
  }
}

} // namespace

void validate(const Workload &w, int nr_cpus) {
  const std::string at = w.source + ": ";
  if (std::none_of(w.templates.begin(), w.templates.end(),
                   [](const TaskTemplate &t) { return t.at_start && t.instances > 0; })) {
    throw WorkloadError(at + "no tasks");
  }
  for (const TaskTemplate &t : w.templates) {
    const std::string where = at + "task '" + t.name + "': ";
    if (t.phases.empty()) {
      throw WorkloadError(where + "no events");
    }
    if (t.loop < 0 && std::none_of(t.phases.begin(), t.phases.end(), progresses)) {
      throw WorkloadError(where + "loops for ever without running, sleeping or waiting");
    }
    check_cpus(t.cpus, nr_cpus, where);
    for (const Phase &p : t.phases) {
      check_cpus(p.cpus, nr_cpus, where);
      for (const Op &op : p.ops) {
        if (op.kind == OpKind::kBarrier && !t.at_start) {
          throw WorkloadError(where + "a forked task cannot use a barrier");
        }
        if (op.kind == OpKind::kTimer && op.ns == 0) {
          throw WorkloadError(where + "a timer needs a period above 0");
        }
      }
    }
  }
}

} // namespace scxx::sim
