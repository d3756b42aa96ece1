#include "daemon/stats_line.h"

#include <cstdio>

namespace scxx {

std::string format_stats_fields(const StatsSample &now, const StatsSample &since,
                                const StatsSample &prev) {
  std::string out;
  char buf[96];
  for (const StatDesc &d : stat_descs()) {
    const uint64_t v = now.sched.*d.field;
    switch (d.kind) {
    case StatKind::kCount:
      std::snprintf(buf, sizeof(buf), "%.*s=%llu", static_cast<int>(d.label.size()), d.label.data(),
                    static_cast<unsigned long long>(v - since.sched.*d.field));
      break;
    case StatKind::kLevel:
      std::snprintf(buf, sizeof(buf), "%.*s=%lld", static_cast<int>(d.label.size()), d.label.data(),
                    static_cast<long long>(v)); // a per-CPU sum may dip below 0
      break;
    case StatKind::kSumNs:
      std::snprintf(buf, sizeof(buf), "%.*s=%llu", static_cast<int>(d.label.size()), d.label.data(),
                    static_cast<unsigned long long>((v - since.sched.*d.field) / 1000));
      break;
    case StatKind::kMaxNs:
      std::snprintf(buf, sizeof(buf), "%.*s=%llums", static_cast<int>(d.label.size()),
                    d.label.data(), static_cast<unsigned long long>(v / 1000000));
      break;
    }
    out += out.empty() ? "" : " ";
    out += buf;
  }
  const double wall = now.t_s - prev.t_s;
  const double cpu_pct = wall > 0 ? 100.0 * (now.agent.cpu_s - prev.agent.cpu_s) / wall : 0;
  std::snprintf(buf, sizeof(buf), " pf_minor=%ld pf_major=%ld agent_cpu=%.1f%%",
                now.agent.minor_faults - since.agent.minor_faults,
                now.agent.major_faults - since.agent.major_faults, cpu_pct);
  out += buf;
  return out;
}

} // namespace scxx
