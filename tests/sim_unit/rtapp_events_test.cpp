// rt-app's events beyond run and sleep, each on a machine without costs so
// the answer can be worked out by hand: mutexes, condition variables,
// yield, a phase's affinity, mem and iorun, and workgen's numbering.
#include "sim/rtapp_reader.h"
#include "sim/simulator.h"
#include "sim/workgen_keys.h"
#include "sim/workload_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

namespace scxx::sim {
namespace {

// No cost anywhere: every time below is the workload's own.
SimSettings exact(int cpus) {
  SimSettings s;
  s.shape.cpus = cpus;
  s.duration_ns = 10 * kNsecPerMsec;
  CostModel &c = s.costs;
  c.agent_wakeup_ns = c.agent_step_ns = c.agent_per_task_ns = 0;
  c.context_switch_ns = c.scxx_switch_ns = 0;
  c.noise_interval_ns = c.noise_ns = 0;
  c.timer_wakeup_ns = c.idle_wakeup_ns = c.agent_kick_ns = c.agent_park_ns = 0;
  c.block_cpu_ns = 0;
  c.agent_on_cpu = false;
  return s;
}

RunResult run(const std::string &json, int cpus, std::string_view policy = kEevdfModel,
              uint64_t timeline_ns = 0) {
  SimSettings s = exact(cpus);
  s.timeline_ns = timeline_ns;
  return simulate(parse_rtapp_json(json, "w.json"), policy, s);
}

const ClassSummary &cls(const RunResult &r, const std::string &name) {
  for (const ClassSummary &c : r.classes) {
    if (c.name == name) {
      return c;
    }
  }
  throw std::out_of_range("no class " + name);
}

const TaskCpu &task(const RunResult &r, const std::string &name) {
  for (const TaskCpu &t : r.tasks) {
    if (t.name == name) {
      return t;
    }
  }
  throw std::out_of_range("no task " + name);
}

constexpr uint64_t kUs = kNsecPerUsec;

TEST(RtAppMutex, AWaiterBlocksUntilTheHolderUnlocks) {
  // A holds m from 0 to 1000 us; B arrives at 100 us and waits 900 us.
  const RunResult r = run(R"({"tasks": {
    "A": {"loop": 1, "lock": "m", "run": 1000, "unlock": "m"},
    "B": {"loop": 1, "delay": 100, "lock": "m", "run": 500, "unlock": "m"}}})",
                          2);
  EXPECT_EQ(cls(r, "B").lock_wait_ns, 900 * kUs);
  EXPECT_EQ(cls(r, "A").lock_wait_ns, 0U);
  EXPECT_EQ(cls(r, "B").inversion_ns, 0U); // A ran all along
  EXPECT_TRUE(task(r, "B").finished);
  EXPECT_EQ(task(r, "B").cpu_ns, 500 * kUs);
}

TEST(RtAppMutex, InversionIsTheWaitWhileTheHolderIsPreempted) {
  // One CPU. L (fair) takes m at 0 and needs 2000 us inside. H (FIFO 50)
  // wakes at 500, preempts L and blocks on m; L runs on. M (FIFO 10) wakes
  // at 600 and runs 1000 us over L: L is runnable, not running, while H
  // waits on it (600-1600: the inversion). L then runs its last 1400 us
  // and unlocks at 3000: H waited 2500 us in all.
  const RunResult r = run(R"({"tasks": {
    "L": {"loop": 1, "lock": "m", "run": 2000, "unlock": "m"},
    "H": {"loop": 1, "policy": "SCHED_FIFO", "priority": 50, "delay": 500,
          "lock": "m", "run": 100, "unlock": "m"},
    "M": {"loop": 1, "policy": "SCHED_FIFO", "priority": 10, "delay": 600, "run": 1000}}})",
                          1);
  EXPECT_EQ(cls(r, "H").lock_wait_ns, 2500 * kUs);
  EXPECT_EQ(cls(r, "H").inversion_ns, 1000 * kUs);
  EXPECT_EQ(cls(r, "L").lock_wait_ns, 0U);
  EXPECT_TRUE(task(r, "H").finished);
}

// examples/workloads/lock-inversion.json: the kernel's EEVDF weighs the
// nice 10 logger against a hog while it holds the ui task's mutex, so the
// ui task waits on a preempted holder for half the run; scxx's fifo
// policy, which ignores nice values, lets the logger through at once.
TEST(RtAppMutex, TheInversionExampleSetsPoliciesApart) {
  const Workload w = load_workload_file(SCXX_EXAMPLE_WORKLOADS "/lock-inversion.json");
  SimSettings s;
  s.shape.cpus = 2;
  s.duration_ns = w.duration_ns.value_or(0);
  const RunResult eevdf = simulate(w, kEevdfModel, s);
  const RunResult fifo = simulate(w, "fifo", s);
  EXPECT_GT(cls(eevdf, "ui").inversion_ns, 1000 * kNsecPerMsec);
  EXPECT_LT(cls(fifo, "ui").inversion_ns * 10, cls(eevdf, "ui").inversion_ns);
  EXPECT_LE(cls(eevdf, "ui").inversion_ns, cls(eevdf, "ui").lock_wait_ns);
}

TEST(RtAppMutex, PiEnabledIsRefusedOnlyWhereItWouldLendARealTimePriority) {
  const std::string fair = R"({"global": {"pi_enabled": true}, "tasks": {
    "a": {"lock": "m", "run": 10, "unlock": "m"}}})";
  EXPECT_NO_THROW(parse_rtapp_json(fair, "w.json"));
  const std::string rt = R"({"global": {"pi_enabled": true}, "tasks": {
    "a": {"lock": "m", "run": 10, "unlock": "m"},
    "b": {"policy": "SCHED_FIFO", "priority": 5, "lock": "m", "run": 10, "unlock": "m"}}})";
  try {
    parse_rtapp_json(rt, "w.json");
    FAIL() << "accepted priority inheritance with real-time tasks";
  } catch (const WorkloadError &e) {
    EXPECT_NE(std::string(e.what()).find("global.pi_enabled: unsupported"), std::string::npos)
        << e.what();
  }
}

// Consumers wait on q with m; the producer takes m at 1000 us, runs 200,
// wakes them (they now wait for m, not for q), runs 100 and unlocks at
// 1300: each woken consumer waited 100 us for the mutex.
std::string producer_consumer(const char *wake) {
  return std::string(R"({"tasks": {
    "C1": {"loop": 1, "lock": "m", "wait": {"ref": "q", "mutex": "m"}, "unlock": "m", "run": 300},
    "C2": {"loop": 1, "delay": 10, "lock": "m", "wait": {"ref": "q", "mutex": "m"},
           "unlock": "m", "run": 300},
    "P": {"loop": 1, "delay": 1000, "lock": "m", "run": 200, ")") +
         wake + R"(": "q", "run1": 100, "unlock": "m"}}})";
}

TEST(RtAppCondition, SignalWakesTheFirstWaiterWithItsMutex) {
  const RunResult r = run(producer_consumer("signal"), 3);
  EXPECT_EQ(cls(r, "C1").lock_wait_ns, 100 * kUs);
  EXPECT_TRUE(task(r, "C1").finished);
  EXPECT_EQ(task(r, "C1").cpu_ns, 300 * kUs);
  EXPECT_FALSE(task(r, "C2").finished); // never signalled
  EXPECT_EQ(task(r, "C2").cpu_ns, 0U);
}

TEST(RtAppCondition, BroadWakesEveryWaiter) {
  const RunResult r = run(producer_consumer("broad"), 3);
  EXPECT_EQ(cls(r, "C1").lock_wait_ns, 100 * kUs);
  EXPECT_EQ(cls(r, "C2").lock_wait_ns, 100 * kUs); // C1 unlocks at once, at 1300
  EXPECT_TRUE(task(r, "C1").finished);
  EXPECT_TRUE(task(r, "C2").finished);
}

TEST(RtAppCondition, SyncSignalsThenWaitsAndASignalWithoutWaiterIsLost) {
  // A waits on q. B takes m at 500, runs 50 and syncs at 550: A wakes
  // (B's wait released m) and B waits. A runs 100 and signals at 650; B
  // takes m back and runs 200 (to 850). A's second signal finds nobody: B
  // waits for ever on its second wait.
  const RunResult r = run(R"({"tasks": {
    "A": {"loop": 1, "lock": "m", "wait": {"ref": "q", "mutex": "m"}, "unlock": "m",
          "run": 100, "lock1": "m", "signal": "q", "unlock1": "m", "signal1": "q"},
    "B": {"loop": 1, "delay": 500, "lock": "m", "run": 50,
          "sync": {"ref": "q", "mutex": "m"}, "unlock": "m", "run1": 200,
          "lock1": "m", "wait": {"ref": "q", "mutex": "m"}, "unlock1": "m", "run2": 1}}})",
                          2);
  EXPECT_TRUE(task(r, "A").finished);
  EXPECT_EQ(task(r, "A").cpu_ns, 100 * kUs);
  EXPECT_FALSE(task(r, "B").finished);
  EXPECT_EQ(task(r, "B").cpu_ns, 250 * kUs);
  EXPECT_EQ(cls(r, "A").lock_wait_ns + cls(r, "B").lock_wait_ns, 0U);
}

TEST(RtAppYield, GivesTheCpuToTheOtherTask) {
  // One CPU: X runs 100 us and yields; Y, waiting since 0, runs next.
  const char *json = R"({"tasks": {
    "X": {"loop": 1, "run": 100, "yield": "", "run1": 100},
    "Y": {"loop": 1, "run": 1000}}})";
  const RunResult r = run(json, 1, kEevdfModel, 2 * kNsecPerMsec);
  ASSERT_GE(r.timeline.size(), 2U);
  EXPECT_EQ(r.timeline[0].cls, "X");
  EXPECT_EQ(r.timeline[0].end_ns, 100 * kUs);
  EXPECT_EQ(r.timeline[1].cls, "Y");
  EXPECT_EQ(r.timeline[1].start_ns, 100 * kUs);
  // Without the yield X runs its 200 us in one go.
  const RunResult plain = run(R"({"tasks": {
    "X": {"loop": 1, "run": 100, "run1": 100}, "Y": {"loop": 1, "run": 1000}}})",
                              1, kEevdfModel, 2 * kNsecPerMsec);
  EXPECT_EQ(plain.timeline[0].end_ns, 200 * kUs);
  // Under scxx the yielder goes back through the policy, and Y runs next too.
  const RunResult fifo = run(json, 1, "fifo", 2 * kNsecPerMsec);
  ASSERT_GE(fifo.timeline.size(), 2U);
  EXPECT_EQ(fifo.timeline[0].end_ns, 100 * kUs);
  EXPECT_EQ(fifo.timeline[1].cls, "Y");
  // Two SCHED_FIFO tasks of one priority: the yielder goes behind Y, which
  // runs its 1000 us to the end before X goes on (100-1100 us).
  const RunResult rt = run(R"({"global": {"default_policy": "SCHED_FIFO"}, "tasks": {
    "X": {"loop": 1, "priority": 10, "run": 100, "yield": "", "run1": 100},
    "Y": {"loop": 1, "priority": 10, "run": 1000}}})",
                           1, kEevdfModel, 2 * kNsecPerMsec);
  ASSERT_EQ(rt.timeline.size(), 3U);
  EXPECT_EQ(rt.timeline[1].cls, "Y");
  EXPECT_EQ(rt.timeline[1].start_ns, 100 * kUs);
  EXPECT_EQ(rt.timeline[1].end_ns, 1100 * kUs);
  EXPECT_EQ(rt.timeline[2].cls, "X");
}

TEST(RtAppAffinity, APhaseCpusMovesTheTaskAsThePhaseStarts) {
  // tutorial example8's shape: phase 1 on CPU 0, phase 2 on CPU 1, phase 3
  // on the task's CPU 2, 1500 us each.
  const RunResult r = run(R"({"tasks": {"t": {"loop": 1, "cpus": [2], "phases": {
    "p1": {"cpus": [0], "run": 1500}, "p2": {"cpus": [1], "run": 1500},
    "p3": {"run": 1500}}}}})",
                          3, kEevdfModel, 10 * kNsecPerMsec);
  ASSERT_EQ(r.timeline.size(), 3U);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(r.timeline[i].cpu, static_cast<int>(i));
    EXPECT_EQ(r.timeline[i].start_ns, i * 1500 * kUs);
    EXPECT_EQ(r.timeline[i].end_ns, (i + 1) * 1500 * kUs);
  }
  EXPECT_EQ(r.violation_count, 0U);
  EXPECT_EQ(cls(r, "t").migrations, 2U);
}

TEST(RtAppMem, MemAndIorunAreCpuWorkOfTheirSize) {
  // 1 MiB and 2 MiB at the default 21 us per MiB.
  const RunResult r = run(R"({"tasks": {"t": {"loop": 1, "mem": 1048576, "iorun": 2097152}}})", 1);
  EXPECT_EQ(CostModel{}.mem_ns_per_mib, 21 * kUs);
  EXPECT_EQ(task(r, "t").cpu_ns, 63 * kUs);
  EXPECT_TRUE(task(r, "t").finished);
}

TEST(Workgen, NumbersRepeatedKeysAsWorkgenDoes) {
  // One counter per object, kept between repeats: run, sleep, run1,
  // sleep1, then run1 is taken and the counter moves to 2.
  const std::string in = "{\n"
                         " \"t\": {\n"
                         "  \"run\": 1,\n"
                         "  \"sleep\": 2,\n"
                         "  \"run\": 3,\n"
                         "  \"sleep\": 4,\n"
                         "  \"run\": 5,\n"
                         "  \"timer\": { \"ref\": \"a\", \"period\": 6 },\n"
                         "  \"timer\": { \"ref\": \"a\", \"period\": 6 }\n"
                         " }\n"
                         "}\n";
  const std::string want = "{\n"
                           " \"t\": {\n"
                           "  \"run\": 1,\n"
                           "  \"sleep\": 2,\n"
                           "  \"run1\": 3,\n"
                           "  \"sleep1\": 4,\n"
                           "  \"run2\": 5,\n"
                           "  \"timer\": { \"ref\": \"a\", \"period\": 6 },\n"
                           "  \"timer2\": { \"ref\": \"a\", \"period\": 6 }\n"
                           " }\n"
                           "}\n";
  EXPECT_EQ(workgen_number_keys(in), want);
}

std::string slurp(const std::filesystem::path &p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The same text as the workgen script's own numbering (its
// check_unikid_json, loaded from the script in one python run) on every
// file of the package.
TEST(Workgen, MatchesTheWorkgenScriptOnThePackagesFiles) {
  const std::filesystem::path workgen = "/usr/bin/workgen";
  const std::filesystem::path doc = "/usr/share/doc/rt-app/examples";
  if (!std::filesystem::exists(workgen) || !std::filesystem::is_directory(doc)) {
    GTEST_SKIP() << "rt-app's workgen is not installed (scripts/setup.sh installs it)";
  }
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("scxx-workgen-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::vector<std::pair<std::filesystem::path, std::filesystem::path>> files;
  std::string cmd = "python3 -c 'import importlib.util as u, importlib.machinery as m, sys\n"
                    "l = m.SourceFileLoader(\"workgen\", sys.argv[1])\n"
                    "w = u.module_from_spec(u.spec_from_loader(\"workgen\", l))\n"
                    "l.exec_module(w)\n"
                    "for i in range(2, len(sys.argv), 2): w.check_unikid_json(sys.argv[i], "
                    "sys.argv[i + 1])' " +
                    workgen.string();
  for (const auto &e : std::filesystem::recursive_directory_iterator(doc)) {
    if (e.path().extension() == ".json") {
      files.emplace_back(e.path(), dir / (std::to_string(files.size()) + ".json"));
      cmd += " " + files.back().first.string() + " " + files.back().second.string();
    }
  }
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  for (const auto &[in, out] : files) {
    EXPECT_EQ(workgen_number_keys(slurp(in)), slurp(out)) << in;
  }
  std::filesystem::remove_all(dir);
  EXPECT_GE(files.size(), 20U);
}

} // namespace
} // namespace scxx::sim
