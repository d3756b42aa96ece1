// rt-app's JSON workload format, read directly: "global.duration", and per
// task instance, loop, priority, policy, cpus, delay and phases (or events
// directly in the task) with the events run, runtime, sleep, timer,
// suspend, resume and barrier. Event keys may carry a numeric suffix
// ("run1", "sleep2") as in rt-app. Any other event is refused by name.
#pragma once

#include "sim/workload.h"

#include <string>

namespace scxx::sim {

// `source` names the text in messages (the file name).
Workload parse_rtapp_json(const std::string &text, const std::string &source);

} // namespace scxx::sim
