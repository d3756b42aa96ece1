// The statistics of a running scxx, built from the one list in bpf/intf.h
// (SCXX_STATS): the struct, and a description of every field for the stats
// line, the monitor and any exporter.
#pragma once

#include "intf.h"

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace scxx {

struct SchedulerStats {
#define SCXX_X(name, label, where, kind, desc) uint64_t name = 0;
  SCXX_STATS(SCXX_X)
#undef SCXX_X
};

enum class StatKind {
  kCount, // only grows; shown per interval by the monitor
  kLevel, // a current value
  kMaxNs, // a maximum, in ns (shown in ms)
  kSumNs, // a total of ns that only grows (shown in us, per interval)
};

struct StatDesc {
  std::string_view name;  // as in bpf/intf.h, e.g. "nr_queued"
  std::string_view label; // key in the stats line, e.g. "queued"
  StatKind kind;
  bool per_cpu; // summed over CPUs when read
  std::string_view description;
  uint64_t SchedulerStats::*field;
};

namespace detail {
inline constexpr StatKind kStatKindCOUNT = StatKind::kCount;
inline constexpr StatKind kStatKindLEVEL = StatKind::kLevel;
inline constexpr StatKind kStatKindMAX_NS = StatKind::kMaxNs;
inline constexpr StatKind kStatKindSUM_NS = StatKind::kSumNs;
inline constexpr bool kStatPerCpuCPU = true;
inline constexpr bool kStatPerCpuSHARED = false;
} // namespace detail

inline constexpr auto kStatDescs = std::to_array<StatDesc>({
#define SCXX_X(name, label, where, kind, desc)                                                     \
  {#name, #label, detail::kStatKind##kind, detail::kStatPerCpu##where, desc, &SchedulerStats::name},
    SCXX_STATS(SCXX_X)
#undef SCXX_X
});

// Every statistic, in the order of bpf/intf.h.
inline std::span<const StatDesc> stat_descs() {
  return kStatDescs;
}

// Sums the per-CPU counters of `cpus` and takes the shared values as they
// are. BpfScheduler and `scxx monitor` both read the maps through this.
SchedulerStats combine_stats(std::span<const scxx_cpu_stats> cpus, const scxx_shared_stats &shared);

} // namespace scxx
