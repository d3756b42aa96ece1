#include "daemon/live_session.h"

#include "core/memory_lock.h"
#include "daemon/run_command.h"

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace scxx {

bool LiveSession::enter_step(const char *what) {
  const sigset_t signals = stop_signals();
  const timespec now{};
  const int sig = sigtimedwait(&signals, nullptr, &now);
  if (sig > 0 && !stop.load()) {
    announce_signal(sig);
    request_stop();
  }
  const auto t = std::chrono::steady_clock::now();
  std::printf("[scxx] start: %s (%s took %.0f ms)\n", what, step.load(),
              std::chrono::duration<double, std::milli>(t - step_since).count());
  std::fflush(stdout);
  step = what;
  step_since = t;
  return !stop.load();
}

void LiveSession::announce_signal(int sig) const {
  const std::string_view now = step.load();
  if (now == "attached") {
    std::printf("[scxx] signal %d (%s): detaching\n", sig, strsignal(sig));
  } else {
    std::printf("[scxx] signal %d (%s) while %s: stopping before anything is attached\n", sig,
                strsignal(sig), now.data());
  }
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
