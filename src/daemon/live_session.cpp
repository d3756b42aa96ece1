#include "daemon/live_session.h"

#include "core/memory_lock.h"

#include <chrono>
#include <cstdio>

namespace scxx {

void LiveSession::enter_step(const char *what) {
  step = what;
  std::printf("[scxx] start: %s\n", what);
  std::fflush(stdout);
}

StatsSample sample_stats(const BpfScheduler &sched) {
  StatsSample s;
  s.t_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  s.sched = sched.stats();
  // getrusage, not /proc: no file to open in a process that must not fault.
  const PageFaults faults = process_page_faults();
  s.agent = {process_cpu_seconds(), faults.minor, faults.major};
  return s;
}

} // namespace scxx
