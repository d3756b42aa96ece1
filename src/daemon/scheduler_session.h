// One session of `scxx run`: load the BPF program and the policy, attach,
// schedule until stopped or the kernel ends it, detach, and say why. A CPU
// hotplug makes the kernel end a session with a restart request; the
// caller then starts the next one.
#pragma once

#include "daemon/live_control.h"
#include "daemon/live_session.h"
#include "daemon/run_command.h"

namespace scxx {

struct SessionOutcome {
  int status = 0;       // exit status if no restart follows
  bool restart = false; // the kernel asked for a reload
};

class SchedulerSession {
public:
  // The settings and the policy come from `control` (as changed so far).
  SchedulerSession(LiveSession &live, LiveControl &control) : live_(live), control_(control) {}

  // Throws scxx::Error when the scheduler cannot be loaded or attached.
  SessionOutcome run();

private:
  // Says start-up stopped before `next_step`; the outcome of a clean stop.
  static SessionOutcome stopped_before(const char *next_step);

  LiveSession &live_;
  LiveControl &control_;
  int generation_ = 0;
  bool mmap_forbidden_ = false;
};

} // namespace scxx
