// GET /metrics: every counter, the histogram's arithmetic, and
// `promtool check metrics` (Debian's prometheus package) on the output.
#include "control/prometheus_metrics.h"
#include "temp_dir.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace scxx {
namespace {

LiveStats sample_stats() {
  LiveStats s;
  s.attached = true;
  s.policy = "gth\"ulhu"; // a quote must be escaped in a label
  s.uptime_s = 12.5;
  s.sched.nr_queued = 1234;
  s.sched.nr_running = 3;
  s.sched.max_wait_ns = 2500000;
  s.agent_cpu_s = 0.75;
  s.agent_minor_faults = 10;
  s.agent_major_faults = 1;
  s.waits[0] = 5;  // < 2 us
  s.waits[3] = 7;  // [8, 16) us
  s.waits[23] = 2; // >= 2^23 us
  s.waits_to_decision[0] = 4;
  s.waits_to_decision[1] = 1; // [2, 4) us
  s.waits_after_decision[3] = 5;
  s.last_switch = PolicySwitchReport{"fifo", "gthulhu", 4, 150, 800, 3.0};
  return s;
}

std::vector<StoredStrategy> sample_strategies() {
  StoredStrategy web;
  web.id = 3;
  web.rule.name = "web";
  web.rule.priority = 5;
  web.rule.comm_regex = "^nginx$";
  StoredStrategy pod;
  pod.id = 4;
  pod.rule.name = "pod shop/a";
  pod.rule.priority = 16;
  pod.pod_uid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
  return {web, pod};
}

bool has_line(const std::string &text, const std::string &line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(PrometheusMetrics, CountersLevelsAndAgent) {
  const std::string text = prometheus_metrics(sample_stats(), {}, {});
  EXPECT_TRUE(has_line(text, "scxx_queued_total 1234")) << text;
  EXPECT_TRUE(has_line(text, "scxx_running 3"));
  EXPECT_TRUE(has_line(text, "scxx_max_wait_seconds 0.0025"));
  EXPECT_TRUE(has_line(text, "scxx_agent_cpu_seconds_total 0.75"));
  EXPECT_TRUE(has_line(text, "scxx_agent_page_faults_total{kind=\"minor\"} 10"));
  EXPECT_TRUE(has_line(text, "scxx_policy_info{policy=\"gth\\\"ulhu\",kernel_mode=\"false\"} 1"));
  EXPECT_TRUE(has_line(text, "scxx_last_switch_tasks_handed_over 4"));
  for (const StatDesc &d : stat_descs()) {
    std::string name(d.name);
    if (name.rfind("nr_", 0) == 0) {
      name = name.substr(3);
    }
    EXPECT_NE(text.find("scxx_" + name.substr(0, name.size() - (d.kind == StatKind::kMaxNs ||
                                                                        d.kind == StatKind::kSumNs
                                                                    ? 3
                                                                    : 0))),
              std::string::npos)
        << d.name;
  }
}

TEST(PrometheusMetrics, ThreadsPerStrategySumAPodsRules) {
  // Rule 0 is "web", rules 1..6 the pod's six cgroup prefixes.
  const std::vector<StrategyCoverage> coverage = {{0, 4}, {2, 3}, {5, 1}};
  const std::string text = prometheus_metrics(sample_stats(), sample_strategies(), coverage);
  EXPECT_TRUE(has_line(text, "scxx_strategy_threads{id=\"3\",name=\"web\"} 4")) << text;
  EXPECT_TRUE(has_line(text, "scxx_strategy_threads{id=\"4\",name=\"pod shop/a\"} 4")) << text;
}

TEST(PrometheusMetrics, WaitHistogramIsCumulative) {
  const std::string text = prometheus_metrics(sample_stats(), {}, {});
  EXPECT_TRUE(has_line(text, "scxx_task_wait_seconds_bucket{le=\"2e-06\"} 5")) << text;
  EXPECT_TRUE(has_line(text, "scxx_task_wait_seconds_bucket{le=\"8e-06\"} 5"));
  EXPECT_TRUE(has_line(text, "scxx_task_wait_seconds_bucket{le=\"1.6e-05\"} 12"));
  EXPECT_TRUE(has_line(text, "scxx_task_wait_seconds_bucket{le=\"8.388608\"} 12"));
  EXPECT_TRUE(has_line(text, "scxx_task_wait_seconds_bucket{le=\"+Inf\"} 14"));
  EXPECT_TRUE(has_line(text, "scxx_task_wait_seconds_count 14"));
  // 5 * 1 us + 7 * 12 us + 2 * 1.5 * 2^23 us
  EXPECT_NEAR(estimated_wait_sum_seconds(sample_stats().waits), (5.0 + 84.0 + 25165824.0) * 1e-6,
              1e-9);
}

TEST(PrometheusMetrics, TheTwoPartsOfADecidedWaitAreOneHistogramWithAPhaseLabel) {
  const std::string text = prometheus_metrics(sample_stats(), {}, {});
  EXPECT_TRUE(
      has_line(text, "scxx_task_wait_phase_seconds_bucket{phase=\"to_decision\",le=\"2e-06\"} 4"))
      << text;
  EXPECT_TRUE(
      has_line(text, "scxx_task_wait_phase_seconds_bucket{phase=\"to_decision\",le=\"4e-06\"} 5"));
  EXPECT_TRUE(has_line(text, "scxx_task_wait_phase_seconds_count{phase=\"to_decision\"} 5"));
  EXPECT_TRUE(has_line(
      text, "scxx_task_wait_phase_seconds_bucket{phase=\"after_decision\",le=\"8e-06\"} 0"));
  EXPECT_TRUE(has_line(
      text, "scxx_task_wait_phase_seconds_bucket{phase=\"after_decision\",le=\"1.6e-05\"} 5"));
  EXPECT_TRUE(has_line(text, "scxx_task_wait_phase_seconds_count{phase=\"after_decision\"} 5"));
}

TEST(PrometheusMetrics, PromtoolAcceptsIt) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not installed (Debian package prometheus, scripts/setup.sh)";
  }
  test::TempDir dir;
  const std::string file = (dir.path() / "metrics.txt").string();
  const std::string out = (dir.path() / "promtool.txt").string();
  {
    std::ofstream f(file);
    f << prometheus_metrics(sample_stats(), sample_strategies(), {{0, 1}});
  }
  const int rc =
      std::system(("promtool check metrics < '" + file + "' > '" + out + "' 2>&1").c_str());
  std::ifstream result(out);
  const std::string report((std::istreambuf_iterator<char>(result)),
                           std::istreambuf_iterator<char>());
  EXPECT_EQ(rc, 0) << report;
  EXPECT_EQ(report, "") << report;
}

} // namespace
} // namespace scxx
