// scxx's own compact workload format (YAML): a list of task groups, each of
// one kind (hog, interactive, periodic, pipe, fork_burst). See
// docs/SIMULATOR.md for every key.
#pragma once

#include "sim/workload.h"

#include <string>

namespace scxx::sim {

Workload parse_workload_yaml(const std::string &text, const std::string &source);

} // namespace scxx::sim
