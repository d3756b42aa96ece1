// The agent's two wake-up models: the yield wake-up (the default, as `scxx
// run`'s) and the ring notification.
#include "core/scheduler_options.h"
#include "sim/rtapp_reader.h"
#include "sim/simulator.h"
#include "sim/yaml_workload_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace scxx::sim {
namespace {

uint64_t counter(const RunResult &r, const std::string &name) {
  const auto it = r.counters.find(name);
  return it == r.counters.end() ? 0 : it->second;
}

const ClassSummary &cls(const RunResult &r, const std::string &name) {
  for (const ClassSummary &c : r.classes) {
    if (c.name == name) {
      return c;
    }
  }
  throw std::runtime_error("no class " + name);
}

SimSettings settings(const std::string &wakeup, int cpus) {
  SimSettings s;
  s.shape.cpus = cpus;
  s.duration_ns = 2'000'000'000;
  s.kernel.fast_path = "off"; // every wake-up goes through the agent
  s.kernel.agent_wakeup = wakeup;
  return s;
}

// One task on a private 9 ms timer beside two hogs: every CPU is busy when
// it wakes (scripts/measure-costs.sh's busy workload).
Workload timer_beside_two_hogs() {
  return parse_rtapp_json(R"({"tasks": {
    "hog": {"instance": 2, "run": 1000000},
    "waker": {"run": 300, "timer": {"ref": "unique", "period": 9000}}}})",
                          "w.json");
}

// Two CPUs, no noise and no kick delay: what a test adds shows alone.
SimSettings quiet_settings(const std::string &wakeup) {
  SimSettings s = settings(wakeup, 2);
  s.costs.noise_ns = 0;
  s.costs.agent_kick_ns = 0;
  return s;
}

TEST(AgentWakeup, YieldIsTheDefaultAsInScxxRun) {
  EXPECT_EQ(SimSettings{}.kernel.agent_wakeup, SchedulerOptions{}.agent_yield ? "yield" : "ring");
  EXPECT_EQ(SimSettings{}.kernel.agent_wakeup, "yield");
}

// Timer wake-ups with idle CPUs: the yield wake-up kicks an idle CPU whose
// dispatch runs the parked agent (a context switch), the ring wake-up
// waits for the notification (--agent-wakeup-us). Both then wait alike for
// idle CPUs to wake up; that cost is left out here to compare the two
// mechanisms (IdleExit tests it), and so is the yield's park cost
// (AParkingAgentHoldsItsCpuForTheParkCost tests it).
TEST(AgentWakeup, YieldKicksAnIdleCpuAndBeatsTheRingNotification) {
  const Workload w = parse_workload_yaml(R"(
tasks:
  - {name: ui, kind: interactive, count: 4, run_us: 300, sleep_us: 4000, jitter_pct: 25}
)",
                                         "w.yaml");
  SimSettings s = settings("yield", 4);
  s.costs.timer_wakeup_ns = s.costs.idle_wakeup_ns = 0;
  s.costs.agent_park_ns = 0;
  const RunResult yield = simulate(w, "gthulhu", s);
  s.kernel.agent_wakeup = "ring";
  const RunResult ring = simulate(w, "gthulhu", s);
  EXPECT_GT(counter(yield, "agent kicked wake-ups"), 1000U);
  EXPECT_GT(counter(yield, "agent run by dispatch"), 1000U);
  EXPECT_EQ(counter(yield, "agent sync wake-ups"), 0U); // nobody wakes anybody
  EXPECT_EQ(counter(ring, "agent kicked wake-ups"), 0U);
  EXPECT_EQ(counter(ring, "agent run by dispatch"), 0U);
  // The ring pays the notification on top of the step.
  EXPECT_GE(cls(ring, "ui").wake.p50, cls(yield, "ui").wake.p50 + 15'000);
  EXPECT_EQ(yield.violation_count, 0U);
}

// A sync wake-up kicks no CPU: the waker's CPU runs the agent when the
// waker sleeps. In a pipe the waker sleeps right after, so every wake-up
// runs the agent through a dispatch and none needs a kick.
TEST(AgentWakeup, ASyncWakeUpRunsTheAgentWhereTheWakerSleeps) {
  const Workload w = parse_workload_yaml(R"(
tasks:
  - {name: pipe, kind: pipe, count: 2, run_us: 50}
  - {name: hog, kind: hog, count: 2}
)",
                                         "w.yaml");
  const RunResult r = simulate(w, "gthulhu", settings("yield", 2));
  EXPECT_GT(counter(r, "agent sync wake-ups"), 1000U);
  EXPECT_GE(counter(r, "agent run by dispatch"), counter(r, "agent sync wake-ups"));
  EXPECT_EQ(r.violation_count, 0U);
}

// A sync waker that runs on (20 ms) while the other CPU is busy: nobody
// dispatches, so the tick ends the waker's slice once the agent has been
// needed for slice_min; the woken task waits for a tick (4 ms at most),
// not for the waker's 20 ms. The ring notification wakes the agent at once.
// No park cost: while the agent parks, the hog's CPU may run it first.
TEST(AgentWakeup, TheTickEndsASyncWakersSliceWhenTheAgentWaits) {
  const Workload w = parse_rtapp_json(R"({"tasks": {
    "hog": {"cpus": [1], "run": 1000000},
    "waker": {"cpus": [0], "run": 20000, "resume": "c", "run1": 20000},
    "sleeper": {"suspend": "c", "run": 100}}})",
                                      "w.json");
  SimSettings no_park = settings("yield", 2);
  no_park.costs.agent_park_ns = 0;
  const RunResult yield = simulate(w, "vtime", no_park);
  const RunResult ring = simulate(w, "vtime", settings("ring", 2));
  EXPECT_GT(counter(yield, "agent sync wake-ups"), 40U);
  EXPECT_GT(counter(yield, "agent tick preemptions"), 40U);
  EXPECT_GT(cls(yield, "sleeper").wake.p50, 1'000'000U);
  EXPECT_LT(cls(yield, "sleeper").wake.p50, 4'500'000U);
  EXPECT_EQ(counter(ring, "agent tick preemptions"), 0U);
  EXPECT_LT(cls(ring, "sleeper").wake.p50, 500'000U); // its wake-up and one step
  EXPECT_EQ(yield.violation_count, 0U);
}

// A timer wake-up while hogs keep every CPU busy: the parked agent needs
// a CPU taken from a hog, which takes agent_kick_ns (median, drawn with a
// spread) before the agent runs; the task then waits that much longer.
// That time is the kernel's on the hog's CPU: the hog makes no progress.
TEST(AgentWakeup, PreemptingABusyCpuForTheAgentTakesTheKickDelay) {
  const Workload w = timer_beside_two_hogs();
  SimSettings s = quiet_settings("yield");
  const RunResult at_once = simulate(w, "fifo", s);
  s.costs.agent_kick_ns = 400'000;
  const RunResult delayed = simulate(w, "fifo", s);
  EXPECT_GT(counter(delayed, "agent kicked wake-ups"), 150U);
  const auto grew = static_cast<double>(cls(delayed, "waker").wake.p50) -
                    static_cast<double>(cls(at_once, "waker").wake.p50);
  EXPECT_NEAR(grew, 400'000.0, 60'000.0);
  // About 220 activations in 2 s, each kicking a busy CPU.
  EXPECT_GT(delayed.overhead_ns, at_once.overhead_ns + 150ULL * 300'000);
  const uint64_t hogs_at_once = cls(at_once, "hog").cpu_ns;
  EXPECT_LT(cls(delayed, "hog").cpu_ns + 150ULL * 300'000, hogs_at_once);
  EXPECT_EQ(delayed.violation_count, 0U);
}

// A parking agent holds its CPU agent_park_ns after its step (the yield,
// and the kernel's dispatch there, which carries out its decisions): the
// task it decided on that CPU runs that much later, and the agent's CPU
// time grows by as much per wake-up. A ring-mode agent sleeps instead and
// is not charged it.
TEST(AgentWakeup, AParkingAgentHoldsItsCpuForTheParkCost) {
  const Workload w = timer_beside_two_hogs();
  SimSettings s = quiet_settings("yield");
  s.costs.agent_park_ns = 0;
  const RunResult at_once = simulate(w, "fifo", s);
  s.costs.agent_park_ns = 300'000;
  const RunResult parked = simulate(w, "fifo", s);
  const auto grew = static_cast<double>(cls(parked, "waker").wake.p50) -
                    static_cast<double>(cls(at_once, "waker").wake.p50);
  EXPECT_NEAR(grew, 300'000.0, 40'000.0);
  const uint64_t sleeps = counter(parked, "agent sleeps");
  EXPECT_GT(sleeps, 150U);
  EXPECT_GE(parked.agent_ns - at_once.agent_ns, sleeps * 250'000);
  EXPECT_EQ(parked.violation_count, 0U);

  SimSettings r = quiet_settings("ring");
  r.costs.agent_park_ns = 0;
  const RunResult ring = simulate(w, "fifo", r);
  r.costs.agent_park_ns = 300'000;
  EXPECT_EQ(cls(simulate(w, "fifo", r), "waker").wake.p50, cls(ring, "waker").wake.p50);
}

// An idle CPU first leaves its idle loop: a task woken by its timer on its
// idle CPU runs after timer_wakeup_ns (median), one woken by a task on
// another CPU, an idle one, after idle_wakeup_ns. Each draws a spread:
// p90 at 1.64x the median.
TEST(IdleExit, WakeUpsOntoIdleCpusWaitForThemToWake) {
  SimSettings s;
  s.shape.cpus = 2;
  s.duration_ns = 3'000'000'000;
  s.costs.noise_ns = 0;
  const RunResult timer = simulate(parse_rtapp_json(R"({"tasks": {
    "t": {"run": 300, "timer": {"ref": "unique", "period": 9000}}}})",
                                                    "t.json"),
                                   "eevdf-model", s);
  const Percentiles &tw = cls(timer, "t").wake;
  EXPECT_GT(tw.count, 300U);
  EXPECT_NEAR(static_cast<double>(tw.p50), static_cast<double>(s.costs.timer_wakeup_ns),
              0.1 * static_cast<double>(s.costs.timer_wakeup_ns));
  EXPECT_NEAR(static_cast<double>(tw.p90), 1.64 * static_cast<double>(s.costs.timer_wakeup_ns),
              0.15 * static_cast<double>(s.costs.timer_wakeup_ns));
  // Two tasks pinned to two CPUs waking each other: every wake-up is an IPI.
  const Workload pingpong = parse_rtapp_json(R"({"tasks": {
    "ping": {"cpus": [0], "run": 200, "resume": "pong", "suspend": "ping"},
    "pong": {"cpus": [1], "suspend": "pong", "run": 200, "resume": "ping"}}})",
                                             "p.json");
  const RunResult pipe = simulate(pingpong, "eevdf-model", s);
  const Percentiles &pw = cls(pipe, "pong").wake;
  EXPECT_GT(pw.count, 1000U);
  EXPECT_NEAR(static_cast<double>(pw.p50), static_cast<double>(s.costs.idle_wakeup_ns),
              0.1 * static_cast<double>(s.costs.idle_wakeup_ns));
  // Without the cost, the same wake-ups are immediate.
  s.costs.idle_wakeup_ns = 0;
  const RunResult free = simulate(pingpong, "eevdf-model", s);
  EXPECT_EQ(cls(free, "pong").wake.p99, 0U);
}

} // namespace
} // namespace scxx::sim
