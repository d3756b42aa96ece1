#include "core/wait_record.h"

#include <cstdio>

namespace scxx {

std::string wait_place_name(uint64_t dsq) {
  if (dsq == SCXX_WAIT_IN_AGENT) {
    return "agent (no decision carried out yet)";
  }
  if (dsq == SCXX_SHARED_DSQ) {
    return "shared DSQ";
  }
  if (dsq == SCXX_AGENT_DSQ) {
    return "agent DSQ";
  }
  if ((dsq & SCXX_WAIT_LOCAL_FLAG) != 0) {
    return "local DSQ of cpu " + std::to_string(dsq & ~SCXX_WAIT_LOCAL_FLAG);
  }
  return "DSQ of cpu " + std::to_string(dsq);
}

std::string describe_wait(const scxx_wait_record &r) {
  if (r.pid == 0) {
    return "none";
  }
  char comm[sizeof(r.comm) + 1] = {};
  for (size_t i = 0; i < sizeof(r.comm) && r.comm[i] != '\0'; ++i) {
    comm[i] = r.comm[i];
  }
  std::string ran = r.run_cpu < 0 ? std::string("still waiting when seen")
                                  : "then ran on cpu " + std::to_string(r.run_cpu);
  char line[512];
  std::snprintf(line, sizeof(line),
                "%s[%d] waited %llu ms in the %s (depth %llu, key %llu, clock %llu), "
                "runnable on cpu %d after %s, %s",
                comm, r.pid, static_cast<unsigned long long>(r.wait_ns / 1000000),
                wait_place_name(r.dsq).c_str(), static_cast<unsigned long long>(r.dsq_depth),
                static_cast<unsigned long long>(r.key), static_cast<unsigned long long>(r.clock),
                r.wait_cpu, r.woke != 0 ? "a wake-up" : "its slice", ran.c_str());
  return line;
}

} // namespace scxx
