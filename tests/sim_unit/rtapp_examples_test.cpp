// rt-app's own files as Debian's rt-app package ships them: comments and
// trailing commas as json-c reads them, repeated keys as workgen numbers
// them, and every file rt-app accepts runs to its end.
#include "sim/rtapp_reader.h"
#include "sim/simulator.h"
#include "sim/workload_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

namespace scxx::sim {
namespace {

TEST(RtAppJsonC, ReadsCommentsAndTrailingCommasAsJsonCDoes) {
  const Workload w = parse_rtapp_json(R"({
    /* a comment, with "quotes", and a comma, */
    "tasks": {
      "t": {"run": 10, "sleep": 20, // a line comment,
            "cpus": [0, 1,],},
    },
  })",
                                      "c.json");
  ASSERT_EQ(w.templates.size(), 1U);
  EXPECT_EQ(w.templates[0].phases[0].ops.size(), 2U);
  EXPECT_EQ(w.templates[0].cpus, (std::vector<int>{0, 1}));
  // A comma inside a string stays.
  const Workload named = parse_rtapp_json(R"({"tasks": {"a,}": {"run": 1,},}})", "s.json");
  EXPECT_EQ(named.templates.at(0).name, "a,}");
}

std::string error_of(const std::string &json) {
  try {
    parse_rtapp_json(json, "w.json");
  } catch (const WorkloadError &e) {
    return e.what();
  }
  return "(no error)";
}

TEST(RtAppJsonC, NumbersRepeatedKeysAndRefusesTemplates) {
  // workgen numbers a repeated "run"; all three events run in file order.
  const Workload w = parse_rtapp_json("{\"tasks\": {\"t\": {\n\"run\": 1,\n\"sleep\": 2,\n"
                                      "\"run\": 3\n}}}",
                                      "w.json");
  ASSERT_EQ(w.templates.at(0).phases.at(0).ops.size(), 3U);
  EXPECT_EQ(w.templates[0].phases[0].ops[2].ns, 3 * kNsecPerUsec);
  EXPECT_EQ(error_of("{\"tasks\": {\"t\": {\n\"suspend\",\n\"run\": 1}}}"),
            "w.json:2: unsupported key 'suspend' without a value (a workgen template, which "
            "rt-app refuses too: workgen fills in the task's own name; write it)");
}

// The files of the rt-app package that rt-app 1.0 itself refuses: the
// video pipelines hold a workgen template (`"suspend",`, not JSON), the
// merge/ fragments and taskset.json are the old format (exec, period,
// lock_order: rt-app reports each as an unknown event, or finds no tasks).
bool refused_by_rtapp(const std::filesystem::path &p) {
  const std::string name = p.filename().string();
  return name.starts_with("video-") || p.parent_path().filename() == "merge" ||
         name == "taskset.json";
}

// Every JSON file of the rt-app package, read from where it installs them:
// each one rt-app accepts runs to its end (6 s at most here) under every
// built-in policy and the EEVDF model on 4 CPUs, keeping every invariant,
// every task class running; each other one is refused with its reason.
TEST(RtAppExamples, EveryFileRtAppAcceptsRunsUnderEveryPolicy) {
  const std::filesystem::path doc = "/usr/share/doc/rt-app";
  if (!std::filesystem::is_directory(doc / "examples")) {
    GTEST_SKIP() << "the rt-app package is not installed (scripts/setup.sh installs it)";
  }
  std::vector<std::filesystem::path> files;
  for (const auto &e : std::filesystem::recursive_directory_iterator(doc)) {
    if (e.is_regular_file() && e.path().extension() == ".json") {
      files.push_back(e.path());
    }
  }
  ASSERT_GE(files.size(), 20U);
  const std::regex named(R"(: unsupported (event|key) '[^']+'|"tasks")");
  size_t ran = 0;
  for (const std::filesystem::path &f : files) {
    SCOPED_TRACE(f.string());
    if (refused_by_rtapp(f)) {
      try {
        load_workload_file(f.string());
        ADD_FAILURE() << "accepted a file rt-app refuses";
      } catch (const WorkloadError &e) {
        EXPECT_TRUE(std::regex_search(e.what(), named)) << e.what();
      }
      continue;
    }
    const Workload w = load_workload_file(f.string());
    SimSettings s;
    s.shape.cpus = 4;
    s.duration_ns = std::min(w.duration_ns.value_or(s.duration_ns), 6000 * kNsecPerMsec);
    for (const char *policy : {"fifo", "vtime", "gthulhu", "eevdf-model"}) {
      const RunResult r = simulate(w, policy, s);
      EXPECT_EQ(r.violation_count, 0U) << policy;
      for (const ClassSummary &c : r.classes) {
        EXPECT_GT(c.cpu_ns, 0U) << policy << ": " << c.name << " never ran";
      }
    }
    ++ran;
  }
  // browser, mp3 (short and long), spreading-tasks, template, tutorial 1-8
  // and the two cpufreq ones.
  EXPECT_EQ(ran, 16U);
}

} // namespace
} // namespace scxx::sim
