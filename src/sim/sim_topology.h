// The simulated machine's CPUs: which share a core (SMT) and a last-level
// cache, in the form policies read (CpuTopology).
#pragma once

#include "policy/cpu_topology.h"
#include "sim/sim_settings.h"

#include <string>

namespace scxx::sim {

// Throws std::invalid_argument for a shape that does not divide up.
CpuTopology make_topology(const MachineShape &shape);

// "4 CPUs (2 cores x 2 SMT, 1 LLC)".
std::string describe(const MachineShape &shape);

} // namespace scxx::sim
