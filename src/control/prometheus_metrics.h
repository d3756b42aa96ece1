// GET /metrics: the running scheduler in Prometheus' text format (0.0.4).
//   scxx_<stat>_total          every COUNT statistic of bpf/intf.h
//   scxx_<stat>                every LEVEL statistic
//   scxx_max_wait_seconds      MAX_NS statistics, in seconds
//   scxx_strategy_threads{id,name}  threads each strategy covers now
//   scxx_agent_cpu_seconds_total, scxx_agent_page_faults_total{kind}
//   scxx_task_wait_seconds     histogram of LiveStats::waits: bucket i of
//       the scheduler counts waits in [2^i, 2^(i+1)) us, so le="2^(i+1) us"
//       holds buckets 0..i; the last also holds longer waits, so it only
//       appears in le="+Inf". _sum is not measured: it is estimated as each
//       bucket's count times the middle of its range (1.5 * 2^i us; 1 us for
//       the first), so it is within a factor 1.5 of the truth.
//   scxx_up, scxx_uptime_seconds, scxx_policy_info{policy},
//   scxx_last_switch_* (when a policy switch happened)
#pragma once

#include "control/control_target.h"
#include "control/stored_strategy.h"

#include <string>
#include <vector>

namespace scxx {

inline constexpr const char *kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

// `coverage` indexes the rules of expand_rules(strategies).
std::string prometheus_metrics(const LiveStats &stats,
                               const std::vector<StoredStrategy> &strategies,
                               const std::vector<StrategyCoverage> &coverage);

// The estimated sum of all waits, in seconds (see above).
double estimated_wait_sum_seconds(const WaitHistogram &waits);

} // namespace scxx
