#include "sim/rtapp_reader.h"
#include "sim/workload.h"
#include "sim/yaml_workload_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace scxx::sim {
namespace {

TEST(RtAppReader, ReadsTasksPhasesAndEvents) {
  const Workload w = parse_rtapp_json(R"({
    "global": {"duration": 2.5},
    "tasks": {
      "rt": {"policy": "SCHED_FIFO", "priority": 40, "cpus": [1, 3],
             "run": 100, "timer": {"ref": "t", "period": 1000, "mode": "absolute"},
             "timer1": {"ref": "unique_u", "period": 2000}},
      "worker": {"instance": 3, "loop": 5, "priority": -5,
        "phases": {
          "p1": {"loop": 4, "run0": 10, "runtime": 20, "sleep1": 30, "resume": "go"},
          "p2": {"suspend": "go", "barrier": "b", "run": 1}}}
    }})",
                                      "test.json");
  ASSERT_EQ(w.duration_ns, 2500000000ULL);
  ASSERT_EQ(w.templates.size(), 2U);
  const TaskTemplate &rt = w.templates[0];
  EXPECT_EQ(rt.name, "rt");
  EXPECT_EQ(rt.policy, SchedPolicy::kFifo);
  EXPECT_EQ(rt.rt_priority, 40);
  EXPECT_EQ(rt.cpus, (std::vector<int>{1, 3}));
  EXPECT_EQ(rt.loop, -1);
  ASSERT_EQ(rt.phases.size(), 1U);
  ASSERT_EQ(rt.phases[0].ops.size(), 3U);
  EXPECT_EQ(rt.phases[0].ops[1].kind, OpKind::kTimer);
  EXPECT_EQ(rt.phases[0].ops[1].ns, 1000000U);
  EXPECT_FALSE(rt.phases[0].ops[1].relative);
  EXPECT_TRUE(rt.phases[0].ops[2].relative) << "rt-app's default mode";
  EXPECT_FALSE(w.resources[static_cast<size_t>(rt.phases[0].ops[1].ref)].per_task);
  EXPECT_TRUE(w.resources[static_cast<size_t>(rt.phases[0].ops[2].ref)].per_task);

  const TaskTemplate &wk = w.templates[1];
  EXPECT_EQ(wk.instances, 3);
  EXPECT_EQ(wk.loop, 5);
  EXPECT_EQ(wk.nice, -5);
  ASSERT_EQ(wk.phases.size(), 2U);
  EXPECT_EQ(wk.phases[0].loop, 4);
  ASSERT_EQ(wk.phases[0].ops.size(), 4U); // file order, suffixes stripped
  EXPECT_EQ(wk.phases[0].ops[0].kind, OpKind::kRun);
  EXPECT_EQ(wk.phases[0].ops[0].ns, 10000U);
  EXPECT_EQ(wk.phases[0].ops[1].kind, OpKind::kRunWall);
  EXPECT_EQ(wk.phases[0].ops[2].kind, OpKind::kSleep);
  EXPECT_EQ(wk.phases[0].ops[3].kind, OpKind::kResume);
  EXPECT_EQ(wk.phases[1].ops[0].kind, OpKind::kSuspend);
  EXPECT_EQ(wk.phases[1].ops[0].ref, wk.phases[0].ops[3].ref); // the same condition
  EXPECT_EQ(wk.phases[1].ops[1].kind, OpKind::kBarrier);
}

std::string error_of(const std::string &json) {
  try {
    parse_rtapp_json(json, "w.json");
  } catch (const WorkloadError &e) {
    return e.what();
  }
  return "";
}

TEST(RtAppReader, RefusesAnUnsupportedEventByName) {
  const std::string e =
      error_of(R"({"tasks": {"t": {"phases": {"p1": {"run": 10, "exec": 1000}}}}})");
  EXPECT_NE(e.find("w.json: tasks.t.phases.p1.exec: unsupported event 'exec'"), std::string::npos)
      << e;
  EXPECT_NE(e.find("supported: run, runtime, sleep"), std::string::npos) << e;
  EXPECT_NE(error_of(R"({"tasks": {"t": {"lock_order": ["m"], "run": 1}}})")
                .find("unsupported event 'lock_order'"),
            std::string::npos);
}

TEST(RtAppReader, ExplainsBadValues) {
  EXPECT_NE(
      error_of(R"({"tasks": {"t": {"run": "ten"}}})").find("tasks.t.run: expected an integer"),
      std::string::npos);
  EXPECT_NE(error_of(R"({"tasks": {"t": {"policy": "SCHED_DEADLINE", "run": 1}}})")
                .find("unsupported policy 'SCHED_DEADLINE'"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"tasks": {"t": {"run": 1 "sleep": 2}}})").find("w.json: not valid JSON"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"tasks": {"t": {"timer": {"ref": "x"}}}})").find("a timer is"),
            std::string::npos);
}

TEST(YamlWorkload, BuildsEveryKind) {
  const Workload w = parse_workload_yaml(R"(
seconds: 3
tasks:
  - {name: hog, kind: hog, count: 2, nice: 5}
  - {name: ui, kind: interactive, run_us: 300, sleep_us: 4000, jitter_pct: 20}
  - {name: audio, kind: periodic, period_us: 10000, run_us: 1000, deadline_us: 4000}
  - {name: p, kind: pipe, count: 2, run_us: 50}
  - {name: make, kind: fork_burst, every_ms: 100, children: 4, run_us: 500, cpus: [0]}
)",
                                         "w.yaml");
  EXPECT_EQ(w.duration_ns, 3000000000ULL);
  // hog, ui, audio, 2 x (pipe a, pipe b), fork child, fork parent
  ASSERT_EQ(w.templates.size(), 9U);
  EXPECT_EQ(w.templates[0].instances, 2);
  EXPECT_EQ(w.templates[0].nice, 5);
  EXPECT_EQ(w.templates[1].phases[0].ops[1].jitter_pct, 20U);
  EXPECT_EQ(w.templates[2].phases[0].ops[0].deadline_ns, 4000000U);
  EXPECT_EQ(w.templates[3].cls, "p");
  EXPECT_FALSE(w.templates[7].at_start); // the forked child
  EXPECT_EQ(w.templates[8].phases[0].ops[2].kind, OpKind::kFork);
  EXPECT_EQ(w.templates[8].phases[0].ops[2].count, 4U);
  EXPECT_EQ(w.templates[8].cpus, std::vector<int>{0});
  EXPECT_NO_THROW(validate(w, 2));
  EXPECT_THROW(
      validate(parse_workload_yaml("tasks:\n  - {name: x, kind: hog, cpus: [4]}\n", "w"), 2),
      WorkloadError);
}

TEST(YamlWorkload, NamesTheLineAndKey) {
  try {
    parse_workload_yaml("tasks:\n  - name: ui\n    kind: interactive\n    period_us: 5\n",
                        "w.yaml");
    FAIL() << "accepted a key of another kind";
  } catch (const WorkloadError &e) {
    EXPECT_STREQ(e.what(), "w.yaml:4: ui: key 'period_us' does not apply to kind interactive");
  }
  try {
    parse_workload_yaml("tasks:\n  - name: x\n    kind: hog\n    count: many\n", "w.yaml");
    FAIL();
  } catch (const WorkloadError &e) {
    EXPECT_STREQ(e.what(), "w.yaml:4: count: expected a number, got 'many'");
  }
}

TEST(Workload, NiceToWeightAsTheKernel) {
  EXPECT_EQ(weight_of_nice(0), 100U);
  EXPECT_EQ(weight_of_nice(-20), 8668U); // 88761 * 100 / 1024
  EXPECT_EQ(weight_of_nice(19), 1U);
  EXPECT_EQ(weight_of_nice(5), 33U); // 335 * 100 / 1024
}

} // namespace
} // namespace scxx::sim
