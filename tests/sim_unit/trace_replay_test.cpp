#include "sim/recorded_side.h"
#include "sim/report.h"
#include "sim/simulator.h"
#include "sim/trace_reader.h"
#include "sim/workload_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>

namespace scxx::sim {
namespace {

// A hand-written trace on 2 CPUs: "ping" (100) runs 0.4 ms on CPU 0, is
// preempted by "hog" (102), runs 0.6 ms more on CPU 1, wakes "pong" (101)
// and sleeps; pong runs 1 ms, forks "kid" (103), runs 1 ms, sleeps 2 ms
// until a timer (the idle task wakes it) and runs 0.3 ms; kid runs 0.5 ms
// and exits; hog runs to the end.
constexpr const char *kSmallTrace = R"(# perf script
swapper/0 0 [000] 10.000000: sched:sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=ping next_pid=100 next_prio=120
ping 100 [000] 10.000400: sched:sched_switch: prev_comm=ping prev_pid=100 prev_prio=120 prev_state=R+ ==> next_comm=hog next_pid=102 next_prio=120
swapper/1 0 [001] 10.000400: sched:sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=ping next_pid=100 next_prio=120
ping 100 [001] 10.001000: sched:sched_waking: comm=pong pid=101 prio=120 target_cpu=000
ping 100 [001] 10.001000: sched:sched_switch: prev_comm=ping prev_pid=100 prev_prio=120 prev_state=S ==> next_comm=pong next_pid=101 next_prio=120
pong 101 [001] 10.002000: sched:sched_process_fork: comm=pong pid=101 child_comm=kid child_pid=103
pong 101 [001] 10.002000: sched:sched_wakeup_new: comm=kid pid=103 prio=120 target_cpu=001
pong 101 [001] 10.003000: sched:sched_switch: prev_comm=pong prev_pid=101 prev_prio=120 prev_state=S ==> next_comm=kid next_pid=103 next_prio=120
kid 103 [001] 10.003500: sched:sched_process_exit: comm=kid pid=103 prio=120
kid 103 [001] 10.003500: sched:sched_switch: prev_comm=kid prev_pid=103 prev_prio=120 prev_state=X ==> next_comm=swapper/1 next_pid=0 next_prio=120
swapper/1 0 [001] 10.005000: sched:sched_wakeup: comm=pong pid=101 prio=120 target_cpu=001
swapper/1 0 [001] 10.005000: sched:sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=pong next_pid=101 next_prio=120
pong 101 [001] 10.005300: sched:sched_switch: prev_comm=pong prev_pid=101 prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120
hog 102 [000] 10.006000: sched:sched_stat_runtime: comm=hog pid=102 runtime=5600000 [ns]
)";

const TaskTemplate &named(const Workload &w, const std::string &name) {
  const auto it = std::find_if(w.templates.begin(), w.templates.end(),
                               [&](const TaskTemplate &t) { return t.name == name; });
  if (it == w.templates.end()) {
    throw std::runtime_error("no task " + name);
  }
  return *it;
}

TEST(TraceReader, TurnsTheTraceIntoProgramsWithoutTheRecordedWaits) {
  const Workload w = parse_perf_sched_trace(kSmallTrace, "small.txt");
  ASSERT_EQ(w.templates.size(), 4U);
  EXPECT_EQ(w.recorded_cpus, 2);
  EXPECT_EQ(w.duration_ns, 100000000U); // twice 6 ms, at least 100 ms

  const TaskTemplate &ping = named(w, "ping-100");
  EXPECT_EQ(ping.cls, "ping");
  EXPECT_TRUE(ping.at_start);
  // 0.4 ms, preempted (the wait on CPU 1 dropped), 0.6 ms more, then it
  // sleeps for good. Its wake-up of pong is pong's first appearance, which
  // starts pong at that time rather than chaining it.
  ASSERT_EQ(ping.phases.at(0).ops.size(), 1U);
  EXPECT_EQ(ping.phases[0].ops[0].kind, OpKind::kRun);
  EXPECT_EQ(ping.phases[0].ops[0].ns, 1000000U);
  EXPECT_EQ(ping.recorded_cpu_ns, 1000000U);
  ASSERT_EQ(ping.recorded.size(), 2U);
  EXPECT_EQ(ping.recorded[0].cpu, 0);
  EXPECT_TRUE(ping.recorded[0].preempted);
  EXPECT_EQ(ping.recorded[1].cpu, 1);
  EXPECT_FALSE(ping.recorded[1].preempted);

  const TaskTemplate &pong = named(w, "pong-101");
  EXPECT_EQ(pong.start_delay_ns, 1000000U); // first seen when ping woke it
  // It starts at that wake-up, runs 1 ms, forks, runs 1 ms, sleeps 2 ms on
  // a timer (woken by the idle task), runs 0.3 ms.
  ASSERT_EQ(pong.phases.at(0).ops.size(), 5U);
  EXPECT_EQ(pong.phases[0].ops[0].kind, OpKind::kRun);
  EXPECT_EQ(pong.phases[0].ops[1].kind, OpKind::kFork);
  EXPECT_EQ(w.templates.at(static_cast<size_t>(pong.phases[0].ops[1].ref)).name, "kid-103");
  EXPECT_EQ(pong.phases[0].ops[2].ns, 1000000U);
  EXPECT_EQ(pong.phases[0].ops[3].kind, OpKind::kSleep);
  EXPECT_EQ(pong.phases[0].ops[3].ns, 2000000U);
  EXPECT_EQ(pong.phases[0].ops[4].ns, 300000U);

  const TaskTemplate &kid = named(w, "kid-103");
  EXPECT_FALSE(kid.at_start);
  EXPECT_EQ(kid.recorded_cpu_ns, 500000U);
  const TaskTemplate &hog = named(w, "hog-102");
  EXPECT_EQ(hog.start_delay_ns, 400000U);
  EXPECT_EQ(hog.recorded_cpu_ns, 5600000U);
}

// "a" wakes "b" after 0.2 ms of its run; b then runs 0.3 ms.
constexpr const char *kChainTrace =
    R"(a 1 [000] 1.000000: sched:sched_switch: prev_comm=a prev_pid=1 prev_prio=120 prev_state=R ==> next_comm=b next_pid=2 next_prio=120
b 2 [000] 1.000100: sched:sched_switch: prev_comm=b prev_pid=2 prev_prio=120 prev_state=S ==> next_comm=a next_pid=1 next_prio=120
a 1 [000] 1.000300: sched:sched_waking: comm=b pid=2 prio=120 target_cpu=000
a 1 [000] 1.000300: sched:sched_wakeup: comm=b pid=2 prio=120 target_cpu=000
a 1 [000] 1.000400: sched:sched_switch: prev_comm=a prev_pid=1 prev_prio=120 prev_state=S ==> next_comm=b next_pid=2 next_prio=120
b 2 [000] 1.000700: sched:sched_switch: prev_comm=b prev_pid=2 prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120
)";

TEST(TraceReader, ChainsAWakeUpToItsWaker) {
  const Workload w = parse_perf_sched_trace(kChainTrace, "chain.txt");
  const TaskTemplate &a = named(w, "a-1");
  const TaskTemplate &b = named(w, "b-2");
  // a: 0.2 ms of its run, then the wake-up, then 0.1 ms. Only one signal,
  // though the wake-up was traced twice (waking, wakeup).
  ASSERT_EQ(a.phases[0].ops.size(), 3U);
  EXPECT_EQ(a.phases[0].ops[0].ns, 200000U);
  EXPECT_EQ(a.phases[0].ops[1].kind, OpKind::kResume);
  EXPECT_EQ(a.phases[0].ops[2].ns, 100000U);
  ASSERT_EQ(b.phases[0].ops.size(), 3U);
  EXPECT_EQ(b.phases[0].ops[1].kind, OpKind::kSuspend);
  EXPECT_EQ(b.phases[0].ops[2].ns, 300000U);
  EXPECT_EQ(b.phases[0].ops[1].ref, a.phases[0].ops[1].ref);
}

TEST(TraceReader, KeepsARunWhoseSwitchOutComesAfterTheNextSwitchIn) {
  // x moves from CPU 0 to CPU 1; CPU 1's clock is a little ahead, so its
  // switch-in of x is printed before CPU 0's switch-out.
  const std::string trace =
      R"(x 1 [000] 1.000000: sched:sched_switch: prev_comm=x prev_pid=1 prev_prio=120 prev_state=R ==> next_comm=x next_pid=1 next_prio=120
swapper/1 0 [001] 1.000500: sched:sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=x next_pid=1 next_prio=120
x 1 [000] 1.000510: sched:sched_switch: prev_comm=x prev_pid=1 prev_prio=120 prev_state=R ==> next_comm=swapper/0 next_pid=0 next_prio=120
x 1 [001] 1.001500: sched:sched_switch: prev_comm=x prev_pid=1 prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120
)";
  const Workload w = parse_perf_sched_trace(trace, "skew.txt");
  const TaskTemplate &x = named(w, "x-1");
  EXPECT_EQ(x.recorded_cpu_ns, 1500000U); // 0.5 ms on CPU 0, 1 ms on CPU 1
  ASSERT_EQ(x.phases[0].ops.size(), 1U);
  EXPECT_EQ(x.phases[0].ops[0].ns, 1500000U);
}

TEST(TraceReader, ReadsEventsOfThreadsPerfCouldNotName) {
  // perf prints ":-1 -1" for a thread that had exited when it read it.
  const std::string trace =
      R"(x 1 [000] 1.000000: sched:sched_switch: prev_comm=x prev_pid=1 prev_prio=120 prev_state=R ==> next_comm=y next_pid=2 next_prio=120
:-1 -1 [000] 1.000300: sched:sched_switch: prev_comm=y prev_pid=2 prev_prio=120 prev_state=X ==> next_comm=x next_pid=1 next_prio=120
)";
  const Workload w = parse_perf_sched_trace(trace, "gone.txt");
  EXPECT_EQ(named(w, "y-2").recorded_cpu_ns, 300000U);
}

std::string error_of(const std::string &text) {
  try {
    parse_perf_sched_trace(text, "t.txt");
  } catch (const WorkloadError &e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TraceReader, NamesTheLineAndTheReason) {
  const std::string ok = "a 1 [000] 1.0: sched:sched_switch: prev_comm=a prev_pid=1 "
                         "prev_prio=120 prev_state=S ==> next_comm=b next_pid=2 next_prio=120\n";
  EXPECT_EQ(error_of(ok + "garbage here\n"),
            "t.txt:2: not a perf script line: expected 'COMM TID [CPU] SECONDS: EVENT: FIELDS'");
  EXPECT_EQ(error_of(ok + "a-1 [000] 1.5: sched_switch: prev_pid=1\n"),
            "t.txt:2: no thread id before the CPU field (expected 'COMM TID [CPU]'; trace-cmd's "
            "'COMM-PID [CPU]' form is not read)");
  EXPECT_EQ(error_of(ok + "a 1 [000] 1.x: sched:sched_switch: prev_pid=1\n"),
            "t.txt:2: time '1.x' is not SECONDS.FRACTION");
  EXPECT_EQ(error_of("# header\n\n" + ok +
                     "b 2 [000] 1.5: sched:sched_switch: prev_comm=b "
                     "prev_pid=2 prev_state=S ==> next_comm=a\n"),
            "t.txt:4: sched_switch without next_pid=");
  EXPECT_EQ(error_of(ok + "b 2 [000] 1.5: sched:sched_waking: comm=a pid=one\n"),
            "t.txt:2: pid 'one' is not a number");
  EXPECT_EQ(error_of(ok + "b 2 [000] 0.5: sched:sched_waking: comm=a pid=1\n"),
            "t.txt:2: time goes backwards (500000000 ns after 1000000000 ns; perf script prints "
            "events in order)");
  EXPECT_EQ(error_of("a 1 [000] 1.0: sched:sched_waking: comm=a pid=1\n"),
            "t.txt: no sched_switch events (record with `perf sched record`, read with `perf "
            "script`)");
}

std::string recorded_trace() {
  return std::string(SCXX_SIM_TEST_DATA) + "/hackbench-perf-sched.txt";
}

SimSettings replay_settings(const Workload &w) {
  SimSettings s;
  s.shape.cpus = w.recorded_cpus;
  s.duration_ns = *w.duration_ns;
  return s;
}

// `perf sched record -- hackbench -g 1 -f 6 -l 60` on a 2-CPU host, read
// with `perf script -F comm,tid,cpu,time,event,trace` (stat and migration
// events left out to keep it small).
TEST(TraceReplay, RecordedScheduleReproducesEveryTasksCpuTime) {
  const Workload w = load_trace_file(recorded_trace());
  ASSERT_GT(w.templates.size(), 10U);
  const RunResult r = simulate(w, kRecordedPolicy, replay_settings(w));
  ASSERT_EQ(r.tasks.size(), w.templates.size());
  uint64_t hackbench = 0;
  for (const TaskCpu &t : r.tasks) {
    SCOPED_TRACE(t.name);
    EXPECT_TRUE(t.finished);
    EXPECT_LE(
        std::llabs(static_cast<long long>(t.cpu_ns) - static_cast<long long>(t.recorded_cpu_ns)),
        static_cast<long long>(t.recorded_cpu_ns / 100));
    hackbench += t.cls == "hackbench" ? 1 : 0;
  }
  EXPECT_EQ(hackbench, 13U); // the parent and its 12 children
  EXPECT_GT(r.counters.at("recorded preemptions"), 0U);
  // Following the recorded CPUs can leave a CPU idle that the original did
  // not (idle-while-waiting); nothing else may break.
  for (const auto &[rule, n] : r.violations_by_rule) {
    EXPECT_EQ(rule, "idle-while-waiting") << n;
  }
}

TEST(TraceReplay, EveryPolicyReplaysTheWholeTrace) {
  const Workload w = load_trace_file(recorded_trace());
  for (const char *policy : {"gthulhu", "fifo", "eevdf-model"}) {
    SCOPED_TRACE(policy);
    const RunResult r = simulate(w, policy, replay_settings(w));
    const TraceTotals t = trace_totals(r);
    EXPECT_EQ(t.tasks, w.templates.size());
    EXPECT_EQ(t.finished, t.tasks);
    EXPECT_NEAR(static_cast<double>(t.cpu_ns), static_cast<double>(t.recorded_ns),
                static_cast<double>(t.recorded_ns) * 0.01);
  }
}

TEST(TraceReplay, AWakeUpWaitsForItsWakersProgress) {
  // b's last run follows a's wake-up, however long a takes to get there:
  // make a's run before it 5 ms instead of the recorded 0.2 ms.
  const Workload recorded = parse_perf_sched_trace(kChainTrace, "chain.txt");
  Workload slow = recorded;
  for (TaskTemplate &t : slow.templates) {
    if (t.name == "a-1") {
      t.phases[0].ops[0].ns = 5000000;
    }
  }
  auto last_b_start = [](const Workload &w) {
    SimSettings s = replay_settings(w);
    s.timeline_ns = s.duration_ns;
    const RunResult r = simulate(w, "eevdf-model", s);
    EXPECT_EQ(trace_totals(r).finished, 2U);
    uint64_t last = 0;
    for (const TimelineSlice &slice : r.timeline) {
      if (slice.cls == "b") {
        last = std::max(last, slice.start_ns);
      }
    }
    return last;
  };
  EXPECT_LT(last_b_start(recorded), 1000000U);
  EXPECT_GE(last_b_start(slow), 5000000U);
}

TEST(TraceReplay, RecordedNeedsATraceAndItsCpus) {
  Workload w = parse_perf_sched_trace(kSmallTrace, "small.txt");
  SimSettings s = replay_settings(w);
  s.shape.cpus = 1;
  EXPECT_THROW(simulate(w, kRecordedPolicy, s), WorkloadError);
  w.recorded_cpus = 0;
  s.shape.cpus = 2;
  EXPECT_THROW(simulate(w, kRecordedPolicy, s), WorkloadError);
}

} // namespace
} // namespace scxx::sim
