// A recorded `perf sched record` trace, read from `perf script` (or `perf
// sched script`) text, as a workload to replay: each traced task becomes a
// program of CPU bursts and sleeps. The time the recorded scheduler made a
// task wait (runnable, not running) is dropped. A sleep that another task
// ended (sched_waking / sched_wakeup from a running task) becomes a wait on
// that waker: the waker's program signals it at the point of its run where
// it woke the sleeper, so a slower scheduler's delays propagate. Sleeps that
// nobody ended (timers, interrupts, the idle task) stay timed sleeps. Forks
// become fork events of the parent; the recorded command names are the
// classes. Each task also keeps its recorded runs (CPU, order, length) for
// the "recorded" pseudo-policy.
//
// Events read: sched_switch, sched_waking, sched_wakeup, sched_wakeup_new,
// sched_process_fork, sched_process_exit; any other event is skipped.
#pragma once

#include "sim/workload.h"

#include <string>

namespace scxx::sim {

// `source` names the text in messages ("FILE:LINE: reason").
Workload parse_perf_sched_trace(const std::string &text, const std::string &source);

} // namespace scxx::sim
