#include "sim/sim_topology.h"

#include <stdexcept>

namespace scxx::sim {

namespace {

int llc_size(const MachineShape &s) {
  return s.cpus_per_llc == 0 ? s.cpus : s.cpus_per_llc;
}

} // namespace

CpuTopology make_topology(const MachineShape &s) {
  if (s.cpus < 1 || s.cpus > 1024) {
    throw std::invalid_argument("--cpus: 1..1024 CPUs");
  }
  if (s.smt < 1 || s.cpus % s.smt != 0) {
    throw std::invalid_argument("--smt: " + std::to_string(s.smt) +
                                " threads per core do not divide " + std::to_string(s.cpus) +
                                " CPUs");
  }
  if (llc_size(s) < 1 || s.cpus % llc_size(s) != 0 || llc_size(s) % s.smt != 0) {
    throw std::invalid_argument("--cpus-per-llc: " + std::to_string(llc_size(s)) +
                                " must divide the CPUs and be whole cores");
  }
  CpuTopology t;
  for (int c = 0; c < s.cpus; ++c) {
    t.core_id.push_back(c / s.smt);
    t.llc_id.push_back(c / llc_size(s));
  }
  t.nr_online = s.cpus;
  return t;
}

std::string describe(const MachineShape &s) {
  return std::to_string(s.cpus) + " CPUs (" + std::to_string(s.cpus / s.smt) + " cores x " +
         std::to_string(s.smt) + " SMT, " + std::to_string(s.cpus / llc_size(s)) + " LLC)";
}

} // namespace scxx::sim
