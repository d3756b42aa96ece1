// Reads a workload file, choosing the format by its extension: .json is
// rt-app's, .yaml/.yml scxx's own.
#pragma once

#include "sim/workload.h"

#include <string>

namespace scxx::sim {

// Throws WorkloadError (unreadable file, unknown extension, bad content).
Workload load_workload_file(const std::string &path);

// Reads `perf script` text of a `perf sched record` trace (trace_reader.h).
Workload load_trace_file(const std::string &path);

} // namespace scxx::sim
