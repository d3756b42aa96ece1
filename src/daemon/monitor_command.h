// `scxx monitor`: live statistics of a running scxx, read from its BPF maps
// and /proc, without any help from the running agent.
#pragma once

namespace scxx {

struct MonitorOptions {
  double interval_s = 1.0;
  long count = 0; // lines to print, 0 = until interrupted
};

// Returns the process exit status (1 when no running scxx is found).
int run_monitor(const MonitorOptions &options);

} // namespace scxx
