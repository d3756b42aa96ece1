// rt-app's JSON workload format, read as rt-app reads it after workgen:
// "global.duration", "default_policy" and "pi_enabled", and per task
// instance, loop, priority, policy, cpus, delay and phases (each with its
// own loop and cpus, or events directly in the task) with every event of
// rt-app's tutorial. Repeated keys are numbered as workgen numbers them
// ("run", "run1"). Any other event is refused by name.
#pragma once

#include "sim/workload.h"

#include <string>

namespace scxx::sim {

// `source` names the text in messages (the file name).
Workload parse_rtapp_json(const std::string &text, const std::string &source);

} // namespace scxx::sim
